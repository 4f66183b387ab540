// The TOD attribute group asked what the library never asks alone (HAS of each attribute,
// HIGH by itself), through @kvm-tod/vmm-s390-stck's raw device-attribute call (ctx.rawDeviceAttr:
// undefined when the ioctl worked, else its KvmError).
'use strict';
const assert = require('assert');
const kvm = require('kvm-tod');

module.exports = [
  {
    title: 'raw HAS: LOW and HIGH are reported, EXT is ENXIO (though it works), an unknown attribute ENXIO',
    needs: 'raw',
    body({ vmFd, rawDeviceAttr: attr }) {
      const { KVM_S390_VM_TOD, KVM_S390_VM_TOD_LOW, KVM_S390_VM_TOD_EXT } = kvm.constants;
      assert.strictEqual(kvm.hasTodAttribute(vmFd, 'low'), true);
      assert.strictEqual(kvm.hasTodAttribute(vmFd, 'high'), true);
      assert.strictEqual(kvm.hasTodAttribute(vmFd, 'ext'), false);
      assert.strictEqual(attr(vmFd, 'has', KVM_S390_VM_TOD, KVM_S390_VM_TOD_LOW), undefined);
      assert.strictEqual(attr(vmFd, 'has', KVM_S390_VM_TOD, KVM_S390_VM_TOD_EXT)?.code, 'ENXIO');
      assert.strictEqual(attr(vmFd, 'has', KVM_S390_VM_TOD, 3)?.code, 'ENXIO');
    },
  },
  {
    title: 'raw GET HIGH reads 0; SET HIGH 0 works, SET HIGH 1 is EINVAL',
    needs: 'raw',
    body({ vmFd, rawDeviceAttr: attr }) {
      const { KVM_S390_VM_TOD, KVM_S390_VM_TOD_HIGH } = kvm.constants;
      const byte = new Uint8Array([0xff]);
      assert.strictEqual(attr(vmFd, 'get', KVM_S390_VM_TOD, KVM_S390_VM_TOD_HIGH, byte), undefined);
      assert.strictEqual(byte[0], 0);
      assert.strictEqual(attr(vmFd, 'set', KVM_S390_VM_TOD, KVM_S390_VM_TOD_HIGH, new Uint8Array([0])), undefined);
      const error = attr(vmFd, 'set', KVM_S390_VM_TOD, KVM_S390_VM_TOD_HIGH, new Uint8Array([1]));
      assert.ok(error instanceof kvm.KvmError, `SET HIGH 1 answered ${error}`);
      assert.strictEqual(error.code, 'EINVAL');
      assert.strictEqual(error.errno, -22);
    },
  },
];
