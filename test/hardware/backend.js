// Which s390 KVM the hardware suite runs against, decided once at load, from
// KVM_TOD_HW_BACKEND (npm run test:hardware sets it; scripts/test-hardware.sh):
//   'kvm'    real s390x KVM (IBM Z, LinuxONE, or the s390 box) where /dev/kvm creates a VM;
//            elsewhere every check is skipped with the reason (never a pass it did not run);
//   'double' the s390 kernel double (it must be preloaded), said in every title;
//   unset    (npm test) real s390x KVM, else the double when it is preloaded, else skipped.
// KVM_TOD_REQUIRE_HARDWARE=1 (the dedicated IBM Z KVM runner) turns every check that cannot
// run on real KVM, and one whose helper is missing (the STCK guest), into a failure.
'use strict';
const { devKvm } = require('@kvm-tod/testkit/kvm');
const { withVm: realVm } = require('@kvm-tod/testkit/with-vm');
const double = require('@kvm-tod/testkit/s390-double');
const machine = require('@kvm-tod/testkit/s390-machine');
const { facilitySkip } = require('@kvm-tod/testkit/s390-checks');

const MODES = ['kvm', 'double'];
const mode = process.env.KVM_TOD_HW_BACKEND || undefined;
if (mode !== undefined && !MODES.includes(mode)) {
  throw new Error(`KVM_TOD_HW_BACKEND=${mode}: expected one of ${MODES.join(', ')}`);
}
const required = process.env.KVM_TOD_REQUIRE_HARDWARE === '1';

/** Real s390x KVM here: `{ ok: true }`, or `{ ok: false, reason }`. */
function realKvm() {
  if (process.arch !== 's390x') return { ok: false, reason: `this host is ${process.arch}, not s390x` };
  const answer = devKvm();
  if (answer.vm) return { ok: true };
  const e = answer.error;
  const why = e.code === 'ENOENT' ? 'no /dev/kvm on this host' : 'no usable /dev/kvm';
  return { ok: false, reason: `${why}: ${e.message}` };
}

const MACHINE_LABELS = {
  hardware: 'IBM Z hardware',
  's390-box': 'the s390 box (the real kvm.ko under Hercules)',
  hercules: 'the Hercules emulator',
};

function detect() {
  const real = mode === 'double' ? { ok: false, reason: 'the kernel double was asked for' } : realKvm();
  if (real.ok) {
    return { kind: machine.kind, real: true, label: `real s390x KVM (/dev/kvm) on ${MACHINE_LABELS[machine.kind]}` };
  }
  if (mode === 'double' || (mode === undefined && double.preloaded)) {
    if (!double.preloaded) throw new Error(`KVM_TOD_HW_BACKEND=double, but ${double.reason}`);
    return {
      kind: 'double',
      real: false,
      tag: 'kernel double, NOT hardware',
      label: 'the s390 kernel double, NOT real IBM Z hardware',
      reason: real.reason,
    };
  }
  return { kind: 'none', real: false, label: 'no s390x KVM here', reason: real.reason };
}

const backend = detect();

/** @kvm-tod/vmm-s390-stck (the STCK guest, the raw attribute call), where it loads: real KVM only. */
function stckPackage() {
  try {
    return { pkg: require('@kvm-tod/vmm-s390-stck') };
  } catch (error) {
    const first = String(error && error.message).split('\n')[0];
    return { reason: `@kvm-tod/vmm-s390-stck (the STCK guest) does not load here: ${first}` };
  }
}
const stck = backend.real ? stckPackage() : undefined;

/** The backend as the shared checks take it (@kvm-tod/testkit/s390-checks' register). */
const checksBackend = {
  tag: backend.tag,
  skip(check) {
    if (backend.kind === 'none') return `no s390x KVM here: ${backend.reason}`;
    if (backend.kind === 'double') {
      if (check.needs === 'stck') return 'the kernel double has no vCPUs: KVM_RUN needs a real s390 KVM';
      if (check.needs === 'raw') return "the raw call is @kvm-tod/vmm-s390-stck's s390x addon, for a real s390 KVM";
      return undefined; // the double runs with and without facility 139, as the check asks
    }
    if (check.needs && stck.reason) return stck.reason;
    return facilitySkip(check, machine.hasFacility(139));
  },
  required(check) {
    // A machine without facility 139 is not a failure: the facility is the hardware's.
    return required && (!backend.real || (check.needs !== undefined && stck.reason !== undefined));
  },
  run(check) {
    if (backend.kind === 'double') {
      return double.withDoubleVm({ facility139: check.facility139 ?? true }, function (vmFd, kvmFd) {
        return check.body.call(this, { vmFd, kvmFd, tight: false });
      });
    }
    return realVm(function (vmFd, kvmFd) {
      const ctx = { vmFd, kvmFd, tight: backend.kind === 'hardware' };
      if (stck.pkg) {
        ctx.stck = (k, v) => new stck.pkg.StckGuest(k, v);
        ctx.rawDeviceAttr = stck.pkg.rawDeviceAttr;
      }
      return check.body.call(this, ctx);
    });
  },
};

module.exports = { backend, checksBackend };
