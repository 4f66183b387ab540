// Real-KVM tests: run where /dev/kvm opens, and otherwise are skipped with the
// reason in their title, never passed. KVM_TOD_REQUIRE_KVM=1 (for hosts that must
// have KVM) turns a missing /dev/kvm into a failure instead.
'use strict';
const kvmTod = require('../..');
const { withVm } = require('./with-vm');

function probe() {
  if (process.arch !== 'x64')
    return { ok: false, reason: `kvmclock tests need an x86_64 host, this is ${process.arch}` };
  let kvmFd;
  try {
    kvmFd = kvmTod.openKvm();
    const vmFd = kvmTod.createVm(kvmFd);
    kvmTod.closeFd(vmFd);
    return { ok: true };
  } catch (error) {
    return { ok: false, reason: `no usable /dev/kvm: ${error.message}` };
  } finally {
    if (kvmFd !== undefined) kvmTod.closeFd(kvmFd);
  }
}

const kvm = probe();

if (!kvm.ok && process.env.KVM_TOD_REQUIRE_KVM === '1') {
  throw new Error(`KVM_TOD_REQUIRE_KVM=1 but ${kvm.reason}`);
}

/** `it` for a test that needs the real /dev/kvm on x86_64. */
function itKvm(title, fn) {
  if (kvm.ok) return it(title, fn);
  return it.skip(`${title} [skipped: ${kvm.reason}]`, fn);
}

module.exports = { kvm, itKvm, withVm };
