// The TOD attribute group on the real s390 kvm.ko, asked what the library never asks alone
// (HAS of each attribute, HIGH by itself), through this package's raw device-attribute call.
// Runs in the s390 box and on IBM Z; skipped elsewhere with the reason in the title.
'use strict';
const assert = require('assert');
const kvm = require('kvm-tod');
const { itS390, withVm } = require('@kvm-tod/testkit/s390-kvm');

const { KVM_S390_VM_TOD, KVM_S390_VM_TOD_LOW, KVM_S390_VM_TOD_HIGH, KVM_S390_VM_TOD_EXT } = kvm.constants;

/** The raw device-attribute call (loads the s390x addon, so only inside a test that runs). */
function raw() {
  return require('../..').rawDeviceAttr;
}

describe('s390 kvm.ko: the TOD attribute group, raw', () => {
  itS390(
    'HAS: LOW and HIGH are reported, EXT is ENXIO (though it works), an unknown attribute ENXIO',
    withVm((vmFd) => {
      assert.strictEqual(kvm.hasTodAttribute(vmFd, 'low'), true);
      assert.strictEqual(kvm.hasTodAttribute(vmFd, 'high'), true);
      assert.strictEqual(kvm.hasTodAttribute(vmFd, 'ext'), false);
      const rawHas = raw();
      assert.strictEqual(rawHas(vmFd, 'has', KVM_S390_VM_TOD, KVM_S390_VM_TOD_LOW), undefined);
      assert.strictEqual(rawHas(vmFd, 'has', KVM_S390_VM_TOD, KVM_S390_VM_TOD_EXT)?.code, 'ENXIO');
      assert.strictEqual(rawHas(vmFd, 'has', KVM_S390_VM_TOD, 3)?.code, 'ENXIO');
    }),
  );

  itS390(
    'GET HIGH reads 0; SET HIGH 0 works, SET HIGH 1 is EINVAL',
    withVm((vmFd) => {
      const attr = raw();
      const byte = new Uint8Array([0xff]);
      assert.strictEqual(attr(vmFd, 'get', KVM_S390_VM_TOD, KVM_S390_VM_TOD_HIGH, byte), undefined);
      assert.strictEqual(byte[0], 0);
      assert.strictEqual(attr(vmFd, 'set', KVM_S390_VM_TOD, KVM_S390_VM_TOD_HIGH, new Uint8Array([0])), undefined);
      const error = attr(vmFd, 'set', KVM_S390_VM_TOD, KVM_S390_VM_TOD_HIGH, new Uint8Array([1]));
      assert.ok(error instanceof kvm.KvmError, `SET HIGH 1 answered ${error}`);
      assert.strictEqual(error.code, 'EINVAL');
      assert.strictEqual(error.errno, -22);
    }),
  );
});
