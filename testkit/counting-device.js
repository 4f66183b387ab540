// A ClockDevice for the rules tests: a clock the test moves by hand, that counts
// every read and write and fails on demand with a chosen KvmError; and the warning
// sink every test that checks warnings hands to a GuestClock.
'use strict';
const os = require('os');
const { KvmError } = require('kvm-tod');

class CountingDevice {
  constructor(start = 1000n) {
    this.now = start; // the clock as KVM would report it
    this.reads = 0;
    this.writes = 0;
    this.written = [];
    this.failRead = null; // errno name, e.g. 'EIO'
    this.failWrite = null;
  }

  read() {
    this.reads++;
    if (this.failRead) throw kvmError(this.failRead, 'KVM_GET_CLOCK');
    return this.now;
  }

  write(value) {
    this.writes++;
    if (this.failWrite) throw kvmError(this.failWrite, 'KVM_SET_CLOCK');
    this.written.push(value);
    this.now = value;
  }

  /** Time passes for the guest clock. */
  tick(by) {
    this.now += by;
  }
}

/** A KvmError as the addon builds it, from an errno name such as 'EIO'. */
function kvmError(name, request) {
  return new KvmError(os.constants.errno[name], 'ioctl', { request, fd: 42 });
}

/** A warning sink that remembers what it got. */
function collectWarnings() {
  const warnings = [];
  const warn = (w) => warnings.push(w);
  return { warnings, warn };
}

module.exports = { CountingDevice, collectWarnings, kvmError };
