// The TOD attribute group on the real s390 kvm.ko, through the package's s390x addon: what the
// kernel answers, EXT first, each refusal as a KvmError with its code, and the epoch index
// (facility 139, where the machine has it). The checks are shared with the hardware suite
// (@kvm-tod/testkit/s390-checks); the raw HAS and HIGH calls the library never makes alone are
// @kvm-tod/vmm-s390-stck's. Runs in the s390 box and on IBM Z; skipped elsewhere with the
// reason in the title.
'use strict';
const { groups, register } = require('@kvm-tod/testkit/s390-checks');
const { s390KernelBackend } = require('@kvm-tod/testkit/s390-kvm');

describe('s390 kvm.ko: the TOD attribute group', () => {
  register(groups.todGroup, s390KernelBackend());
});

describe('s390 kvm.ko: the epoch index (facility 139)', () => {
  register(groups.epochIndex, s390KernelBackend());
});
