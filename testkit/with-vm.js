// A fresh VM from /dev/kvm for one test body (sync or async): `fn(vmFd, kvmFd)`,
// both descriptors closed afterwards whatever happens. Shared by the real-KVM
// helpers (kvm.js) and the hardware suite (hardware/backend.js).
'use strict';
const kvmTod = require('kvm-tod');

function withVm(fn) {
  return async function () {
    const kvmFd = kvmTod.openKvm();
    let vmFd;
    try {
      vmFd = kvmTod.createVm(kvmFd);
      return await fn.call(this, vmFd, kvmFd);
    } finally {
      if (vmFd !== undefined) kvmTod.closeFd(vmFd);
      kvmTod.closeFd(kvmFd);
    }
  };
}

module.exports = { withVm };
