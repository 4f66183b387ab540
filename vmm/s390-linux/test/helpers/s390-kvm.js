// The gate of this package's tests that need a real s390x kvm.ko (test/s390-kernel/): they run
// where this is s390x and /dev/kvm creates a VM (the s390 box, IBM Z) and the VMM's addon is
// built, and elsewhere are skipped with the reason in their title. KVM_TOD_REQUIRE_S390_KVM=1
// (set inside the s390 box) turns a skip into a failure, as the library's own gate does.
'use strict';
const fs = require('fs');
const kvm = require('kvm-tod');
const { addonPath } = require('../../dist/native');

function probe() {
  if (process.arch !== 's390x') return { ok: false, reason: `needs a real s390x kvm.ko, this is ${process.arch}` };
  if (!fs.existsSync(addonPath)) return { ok: false, reason: `no VMM addon at ${addonPath} (scripts/build-native.sh)` };
  try {
    const kvmFd = kvm.openKvm();
    try {
      kvm.closeFd(kvm.createVm(kvmFd));
    } finally {
      kvm.closeFd(kvmFd);
    }
    return { ok: true };
  } catch (error) {
    return { ok: false, reason: `no usable s390 /dev/kvm: ${error.message}` };
  }
}

const s390Kvm = probe();
if (!s390Kvm.ok && process.env.KVM_TOD_REQUIRE_S390_KVM === '1') {
  throw new Error(`KVM_TOD_REQUIRE_S390_KVM=1 but ${s390Kvm.reason}`);
}

/** `describe` for tests that need the real s390 kvm.ko: skipped, with the reason in the title, elsewhere. */
function describeS390(title, fn) {
  if (s390Kvm.ok) return describe(title, fn);
  return describe.skip(`${title} [skipped: ${s390Kvm.reason}]`, fn);
}

module.exports = { s390Kvm, describeS390 };
