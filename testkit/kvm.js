// The one place the tests ask whether KVM works here. Real-KVM tests run where
// /dev/kvm creates a VM, and otherwise are skipped with the reason in their title,
// never passed. KVM_TOD_REQUIRE_KVM=1 (for hosts that must have KVM) turns a missing
// /dev/kvm on x86_64 into a failure instead. The s390 gates (s390-kvm.js,
// hardware/backend.js) ask the same question through devKvm().
'use strict';
const kvmTod = require('kvm-tod');
const { withVm } = require('./with-vm');

let devKvmAnswer;

/**
 * What /dev/kvm does here, asked once per process on any architecture:
 * `{ opens, vm, error }` - whether it opens read-write, whether it creates a VM, and
 * the KvmError of the step that failed.
 */
function devKvm() {
  if (devKvmAnswer) return devKvmAnswer;
  let kvmFd;
  try {
    kvmFd = kvmTod.openKvm();
    kvmTod.closeFd(kvmTod.createVm(kvmFd));
    devKvmAnswer = { opens: true, vm: true };
  } catch (error) {
    devKvmAnswer = { opens: kvmFd !== undefined, vm: false, error };
  } finally {
    if (kvmFd !== undefined) kvmTod.closeFd(kvmFd);
  }
  return devKvmAnswer;
}

function probe() {
  if (process.arch !== 'x64')
    return { ok: false, reason: `kvmclock tests need an x86_64 host, this is ${process.arch}` };
  const answer = devKvm();
  return answer.vm ? { ok: true } : { ok: false, reason: `no usable /dev/kvm: ${answer.error.message}` };
}

/** x86_64 with a /dev/kvm that creates a VM: `{ ok, reason }`. */
const kvm = probe();

if (!kvm.ok && process.env.KVM_TOD_REQUIRE_KVM === '1') {
  throw new Error(`KVM_TOD_REQUIRE_KVM=1 but ${kvm.reason}`);
}

/** `it` for a test that needs the real /dev/kvm on x86_64. */
function itKvm(title, fn) {
  if (kvm.ok) return it(title, fn);
  return it.skip(`${title} [skipped: ${kvm.reason}]`, fn);
}

module.exports = { kvm, devKvm, itKvm, withVm };
