// GuestClock over S390TodDevice on the real s390 kvm.ko: held across stop, a pause and cont,
// released afterwards, migrated between two real VMs through the todclock section (QEMU's
// v1) and the extended one, and many VMs held and released at once. The checks are shared
// with the hardware suite (@kvm-tod/testkit/s390-checks); their bounds are relative to a
// control without the library, for the machine may be emulated.
'use strict';
const { groups, register } = require('@kvm-tod/testkit/s390-checks');
const { s390KernelBackend } = require('@kvm-tod/testkit/s390-kvm');

describe('s390 kvm.ko: GuestClock over S390TodDevice', () => {
  register(groups.guestClock, s390KernelBackend());
});
