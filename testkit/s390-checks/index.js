// The checks that need an s390 KVM, written once and run by every suite that has one: the
// real-kernel tests (test/s390-kernel of the library and of @kvm-tod/vmm-s390-stck: the s390
// box, IBM Z), the hardware suite (test/hardware: IBM Z CI, the box, or the kernel double when
// asked), and the double's own tests where it models the same thing. A suite hands `register`
// its backend: why a check cannot run there (a skip with the reason in its title), and how
// to give a check its VM. Each check is { title, body(ctx), facility139?, needs? }:
//   facility139  true: only where the machine has facility 139 (multiple-epoch); false:
//                only where it lacks it; the double runs both, configured each way;
//   needs        'stck': a vCPU under KVM_RUN (the STCK guest of @kvm-tod/vmm-s390-stck);
//                'raw': that package's raw device-attribute call;
//   body(ctx)    ctx = { vmFd, kvmFd, tight, stck?, rawDeviceAttr? }; `this` is mocha's.
// `tight` is true on real hardware: the timing bounds, relative to a control run and the
// measured unheld time everywhere, are tightened to what a real host gives.
'use strict';
/** The checks, by group; each group a list (see the files beside this one). */
const groups = {
  todGroup: require('./tod-group'),
  epochIndex: require('./epoch-index'),
  guestClock: require('./guest-clock'),
  stckGuest: require('./stck-guest'),
  rawDeviceAttr: require('./raw-device-attr'),
};

/**
 * Why a check with a facility-139 need cannot run on a machine whose facility 139 is
 * `has139` (true, false, or undefined where the kernel lists no facilities); undefined if it can.
 */
function facilitySkip(check, has139) {
  if (check.facility139 === undefined) return undefined;
  if (has139 === undefined) return 'the kernel lists no facilities (/proc/cpuinfo has no facilities line)';
  if (check.facility139 && !has139)
    return 'this machine lacks facility 139 (multiple-epoch): /proc/cpuinfo does not list it';
  if (!check.facility139 && has139)
    return 'this machine has facility 139 (multiple-epoch), so a nonzero epoch index is accepted there';
  return undefined;
}

/**
 * Registers `checks` as mocha tests: `backend.skip(check)` is the reason it cannot run here
 * (or undefined), `backend.run(check)` the mocha function that runs it with its VM, and
 * `backend.tag` (optional) goes at the end of every title. `backend.required` (optional)
 * turns a skip into a failure with the same reason, for a run that must have the backend.
 */
function register(checks, backend) {
  for (const check of checks) {
    const title = backend.tag ? `${check.title} [${backend.tag}]` : check.title;
    const reason = backend.skip(check);
    if (!reason) it(title, backend.run(check));
    else if (backend.required?.(check)) {
      it(title, () => {
        throw new Error(`required here, but cannot run: ${reason}`);
      });
    } else it.skip(`${title} [skipped: ${reason}]`);
  }
}

module.exports = { groups, register, facilitySkip };
