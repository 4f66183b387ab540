// The gate of the tests that need a real s390x kvm.ko (test/s390-kernel/): they run where
// this is s390x and /dev/kvm creates a VM (the s390 box, IBM Z), and elsewhere are
// skipped with the reason in their title. KVM_TOD_REQUIRE_S390_KVM=1 (set inside the
// s390 box) turns a skip into a failure, so a box run can never pass by skipping.
'use strict';
const { devKvm } = require('./kvm');
const { withVm } = require('./with-vm');
const machine = require('./s390-machine');
const { facilitySkip } = require('./s390-checks');

function probe() {
  if (process.arch !== 's390x') return { ok: false, reason: `needs a real s390x kvm.ko, this is ${process.arch}` };
  const answer = devKvm();
  return answer.vm ? { ok: true } : { ok: false, reason: `no usable s390 /dev/kvm: ${answer.error.message}` };
}

const s390Kvm = probe();
/** Inside the s390 box (Hercules): its CPU model has no multiple-epoch facility (139). */
const inBox = process.env.S390_BOX === '1';

if (!s390Kvm.ok && process.env.KVM_TOD_REQUIRE_S390_KVM === '1') {
  throw new Error(`KVM_TOD_REQUIRE_S390_KVM=1 but ${s390Kvm.reason}`);
}

/** `it` for a test that needs the real s390 kvm.ko. */
function itS390(title, fn) {
  if (s390Kvm.ok) return it(title, fn);
  return it.skip(`${title} [skipped: ${s390Kvm.reason}]`, fn);
}

/** `it` for a test that only the s390 box can run (it knows the box's CPU model and is root). */
function itBox(title, fn) {
  if (s390Kvm.ok && inBox) return it(title, fn);
  const reason = s390Kvm.ok
    ? 'only in the s390 box (S390_BOX=1), whose CPU model and rights it relies on'
    : s390Kvm.reason;
  return it.skip(`${title} [skipped: ${reason}]`, fn);
}

/**
 * The real s390 kernel as a backend of the shared checks (s390-checks' `register`): skipped
 * with the reason where there is none here, or the machine lacks what a check needs; each
 * check gets a fresh VM, `tight` timing on real hardware, and from `extras` the STCK guest
 * (`stck(kvmFd, vmFd)`) and the raw device-attribute call (`rawDeviceAttr`) where the caller
 * has them.
 */
function s390KernelBackend(extras = {}) {
  return {
    skip(check) {
      if (!s390Kvm.ok) return s390Kvm.reason;
      if (check.needs && !extras[check.needs === 'raw' ? 'rawDeviceAttr' : check.needs])
        return (
          `needs ${check.needs === 'stck' ? 'the STCK guest' : 'the raw device-attribute call'} ` +
          '(@kvm-tod/vmm-s390-stck), which this suite does not load'
        );
      return facilitySkip(check, machine.hasFacility(139));
    },
    run(check) {
      return withVm(function (vmFd, kvmFd) {
        return check.body.call(this, { vmFd, kvmFd, tight: machine.kind === 'hardware', ...extras });
      });
    },
  };
}

module.exports = { s390Kvm, inBox, itS390, itBox, withVm, s390KernelBackend };
