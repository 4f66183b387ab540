// The guest testifies: a vCPU in a VM made by kvm-tod runs STCK (store the TOD clock) under
// KVM_RUN and exits through a DIAG, and we read what it stored. Across stop, a pause and cont
// its own clock jumps by the pause without kvm-tod, and not with it. The checks are shared
// with the library's hardware suite (@kvm-tod/testkit/s390-checks).
'use strict';
const { groups, register } = require('@kvm-tod/testkit/s390-checks');
const { s390KernelBackend } = require('@kvm-tod/testkit/s390-kvm');

describe('s390 kvm.ko: a guest that stores its own TOD (STCK) under KVM_RUN', () => {
  // The s390x addon loads only inside a check that runs.
  register(
    groups.stckGuest,
    s390KernelBackend({ stck: (kvmFd, vmFd) => new (require('../..').StckGuest)(kvmFd, vmFd) }),
  );
});
