// Which s390 KVM the hardware suite runs against, decided once at load:
//   'hardware' - an s390x host whose /dev/kvm creates a VM (IBM Z, LinuxONE);
//   'double'   - anywhere else, when the s390 kernel double is preloaded;
//   none       - neither: every test is skipped with the reason in its title.
// The backend is in every title, so a report can never pass off a double run as a
// hardware run. KVM_TOD_REQUIRE_HARDWARE=1 (IBM Z CI) makes anything but real
// hardware a failure at load instead of a quiet fallback.
'use strict';
const { devKvm } = require('@kvm-tod/testkit/kvm');
const { withVm: realVm } = require('@kvm-tod/testkit/with-vm');
const double = require('@kvm-tod/testkit/s390-double');

function realKvm() {
  const answer = devKvm();
  return answer.vm ? { ok: true } : { ok: false, reason: answer.error.message };
}

function detect() {
  // The double is inert unless turned on, so a preloaded double does not hide real KVM.
  const real = process.arch === 's390x' ? realKvm() : { ok: false, reason: `this host is ${process.arch}, not s390x` };
  if (real.ok) return { kind: 'hardware', tag: 's390x KVM hardware', label: `real s390x KVM (/dev/kvm)` };
  if (double.preloaded) {
    return {
      kind: 'double',
      tag: 'kernel double, NOT hardware',
      label: `the s390 kernel double, NOT real IBM Z hardware (${real.reason})`,
    };
  }
  return {
    kind: 'none',
    tag: 'no backend',
    label: 'no backend',
    reason: `no s390x KVM (${real.reason}) and ${double.reason}`,
  };
}

const backend = detect();

if (process.env.KVM_TOD_REQUIRE_HARDWARE === '1' && backend.kind !== 'hardware') {
  throw new Error(
    `KVM_TOD_REQUIRE_HARDWARE=1 but the hardware suite would run against: ` +
      `${backend.label}${backend.reason ? `: ${backend.reason}` : ''}`,
  );
}

/** `it` with the backend in the title, skipped (with the reason) where there is none. */
function itBackend(title, fn) {
  if (backend.kind === 'none') return it.skip(`${title} [skipped: ${backend.reason}]`, fn);
  return it(`${title} [${backend.tag}]`, fn);
}

/** A fresh VM on the backend: `fn(vmFd, kvmFd)`; closed (and the double reset) afterwards. */
function withVm(fn) {
  if (backend.kind === 'double') return double.withDoubleVm({}, fn);
  return realVm(fn);
}

module.exports = { backend, itBackend, withVm };
