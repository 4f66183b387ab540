// The TOD attribute group on the real s390 kvm.ko, asked what the library never asks alone
// (HAS of each attribute, HIGH by itself), through this package's raw device-attribute call.
// The checks are shared with the library's hardware suite (@kvm-tod/testkit/s390-checks).
'use strict';
const { groups, register } = require('@kvm-tod/testkit/s390-checks');
const { s390KernelBackend } = require('@kvm-tod/testkit/s390-kvm');

describe('s390 kvm.ko: the TOD attribute group, raw', () => {
  // The s390x addon loads only inside a check that runs.
  register(
    groups.rawDeviceAttr,
    s390KernelBackend({ rawDeviceAttr: (...args) => require('../..').rawDeviceAttr(...args) }),
  );
});
