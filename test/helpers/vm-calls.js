// Every call that takes a VM descriptor, and the check that each fails clearly on a
// descriptor that is not a VM: shared by the descriptor-misuse tests on the s390 kernel
// double (test/robustness) and on real KVM (test/kvm).
'use strict';
const assert = require('assert');
const kvm = require('../..');

// The request each call's KvmError must name.
const VM_CALLS = {
  getTod: { call: (fd) => kvm.getTod(fd), request: 'KVM_GET_DEVICE_ATTR' },
  setTod: { call: (fd) => kvm.setTod(fd, { high: 0, low: 0x7777n }), request: 'KVM_SET_DEVICE_ATTR' },
  hasTodAttribute: { call: (fd) => kvm.hasTodAttribute(fd, 'low'), request: 'KVM_HAS_DEVICE_ATTR' },
  probeTodExtension: { call: (fd) => kvm.probeTodExtension(fd), request: 'KVM_GET_DEVICE_ATTR' },
  getKvmClock: { call: (fd) => kvm.getKvmClock(fd), request: 'KVM_GET_CLOCK' },
  setKvmClock: { call: (fd) => kvm.setKvmClock(fd, 0x7777n), request: 'KVM_SET_CLOCK' },
  setKvmClockRealtime: { call: (fd) => kvm.setKvmClock(fd, 0x7777n, { realtime: 1n }), request: 'KVM_SET_CLOCK' },
  createVcpu: { call: (fd) => kvm.createVcpu(fd, 0), request: 'KVM_CREATE_VCPU' },
};

/** Every VM call on fd fails with a KvmError of `codes`, naming its request and fd. */
function assertEveryCallFails(fd, codes, label) {
  for (const [name, { call, request }] of Object.entries(VM_CALLS)) {
    assert.throws(
      () => call(fd),
      (e) => {
        assert.ok(e instanceof kvm.KvmError, `${label} ${name}: ${e && e.message}`);
        assert.ok(codes.includes(e.code), `${label} ${name}: ${e.code}, expected ${codes.join(' or ')}`);
        assert.strictEqual(e.request, request, `${label} ${name}`);
        assert.strictEqual(e.fd, fd, `${label} ${name}`);
        assert.match(e.message, new RegExp(`on fd ${fd} failed`));
        return true;
      },
      `${label} ${name} did not throw`,
    );
  }
}

module.exports = { VM_CALLS, assertEveryCallFails };
