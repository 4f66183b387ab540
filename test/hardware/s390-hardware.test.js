// The hardware suite (`npm run test:hardware`): every check of the s390 KVM that does not need
// the s390 box itself, run where IBM Z CI runs it (an s390x host with /dev/kvm), in the box, or
// against the s390 kernel double when asked (then every title says so); with no s390 KVM every
// check is skipped with the reason. The checks are shared with test/s390-kernel
// (@kvm-tod/testkit/s390-checks); the backend is decided in backend.js.
'use strict';
const { groups, register } = require('@kvm-tod/testkit/s390-checks');
const { backend, checksBackend } = require('./backend');

describe(`hardware suite [backend: ${backend.label}]`, () => {
  describe('the TOD attribute group', () => register(groups.todGroup, checksBackend));
  describe('the epoch index (facility 139)', () => register(groups.epochIndex, checksBackend));
  describe('GuestClock over S390TodDevice', () => register(groups.guestClock, checksBackend));
  describe('the STCK guest (@kvm-tod/vmm-s390-stck) under KVM_RUN', () => register(groups.stckGuest, checksBackend));
  describe('the TOD attribute group, raw', () => register(groups.rawDeviceAttr, checksBackend));
});
