// A clock device that misbehaves on request, and the fault the demo's tests put into one
// scenario through `kvm-tod demo`'s device hook (InjectedFault in lib/cli/demo/run.ts):
// the demo's checks must catch a broken clock. The tests name it in KVM_TOD_DEMO_FAULT,
// `<scenario>[:<kind>]`, read by test/fixtures/demo-with-fault.js.
'use strict';
const { KvmError } = require('kvm-tod');
const { findScenario, SCENARIOS } = require('../../dist/demo/scenarios');
const { decide } = require('../../dist/demo/policies');

const FAULT_ENV = 'KVM_TOD_DEMO_FAULT';

/**
 * The ways a device can be made to misbehave, and one way the host can (stall-once): a
 * stall the checks must not take for a jump of the guest clock.
 */
const FAULT_KINDS = ['ignore-write', 'fail-write', 'fail-read', 'stuck', 'no-advance', 'stall-once'];

/** How long stall-once stalls: more than the demo's 25 ms, as the KVM box once did (116 ms). */
const STALL_MS = 150;

const FAULT_DESCRIPTIONS = {
  'ignore-write': 'the device ignores writes (they succeed but do not set the clock)',
  'fail-write': 'every write fails with EIO',
  'fail-read': 'every read fails with EIO',
  stuck: 'the clock does not advance (every read returns the first value read)',
  'no-advance': 'the device cannot catch up (it moves a held value on by nothing, so a catch-up freezes)',
  'stall-once': `the process stalls ${STALL_MS} ms just after the first read of the guest clock (a deschedule, a GC)`,
};

const EIO = 5;

/** A device that misbehaves as `kind` says. */
class FaultyDevice {
  constructor(inner, kind) {
    this.inner = inner;
    this.kind = kind;
    this.first = undefined;
    if (inner.clockKind !== undefined) this.clockKind = inner.clockKind;
    if (typeof inner.resumed === 'function') this.resumed = () => inner.resumed();
    if (typeof inner.advance === 'function') {
      // no-advance: the held value comes back as it was, so a catch-up writes the frozen value.
      this.advance = kind === 'no-advance' ? (value) => value : (value, ns) => inner.advance(value, ns);
    }
    if (typeof inner.writeCaughtUp === 'function') {
      this.writeCaughtUp = (value) => {
        if (kind === 'no-advance') return false; // then GuestClock uses advance()
        if (kind === 'ignore-write') return true;
        if (kind === 'fail-write') throw new KvmError(EIO, 'ioctl', { request: 'demo fault: write' });
        return inner.writeCaughtUp(value);
      };
    }
  }

  read() {
    if (this.kind === 'fail-read') throw new KvmError(EIO, 'ioctl', { request: 'demo fault: read' });
    if (this.kind === 'stuck') {
      if (this.first === undefined) this.first = { value: this.inner.read() };
      return this.first.value;
    }
    return this.inner.read();
  }

  /**
   * What the guest sees, read without the injected call failures: a stuck clock is
   * stuck and an ignored write is not there, but fail-read/fail-write hit only the VMM.
   */
  observe() {
    if (this.kind === 'fail-read') return this.inner.read();
    const value = this.read();
    if (this.kind === 'stall-once' && !this.stalled) {
      this.stalled = true;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, STALL_MS);
    }
    return value;
  }

  write(value) {
    if (this.kind === 'ignore-write') return;
    if (this.kind === 'fail-write') throw new KvmError(EIO, 'ioctl', { request: 'demo fault: write' });
    this.inner.write(value);
  }
}

/** The fault kind that breaks what a scenario shows under `policy`, unless a kind was asked for. */
function faultKindFor(kind, scenario, policy, pauseMs) {
  if (kind !== undefined) return kind;
  // A simple start makes no write to ignore and holds nothing to catch up.
  if (scenario.expect === 'runs') return 'stuck';
  // Under catch-up an ignored write is invisible here (a new VM's own clock is already
  // where the caught-up value puts it): a device that cannot catch up is what shows.
  const catchesUp = scenario
    .nominalHoldsMs(pauseMs)
    .some((h) => h > 0 && decide(policy, BigInt(Math.round(h * 1e6))) === 'catch-up');
  return catchesUp ? 'no-advance' : 'ignore-write';
}

/**
 * The fault of `text` (`<scenario>[:<kind>]`) as the demo's InjectedFault; undefined for
 * none. A text naming no scenario or kind throws an Error whose message is the one line
 * the command prints.
 */
function parseFault(text) {
  if (text === undefined || text === '') return undefined;
  const [name, kind, ...rest] = text.split(':');
  const scenario = findScenario(name);
  const ids = SCENARIOS.map((s) => s.id).join(', ');
  if (!scenario || rest.length > 0) {
    throw new Error(
      `kvm-tod demo: ${FAULT_ENV}='${text}' names no scenario: use <scenario>[:<kind>] with a scenario of ${ids}`,
    );
  }
  if (kind !== undefined && !FAULT_KINDS.includes(kind)) {
    throw new Error(
      `kvm-tod demo: ${FAULT_ENV}='${text}' has an unknown kind '${kind}': use one of ${FAULT_KINDS.join(', ')}`,
    );
  }
  return {
    source: FAULT_ENV,
    scenario: scenario.id,
    kindFor: (s, policy, pauseMs) => faultKindFor(kind, s, policy, pauseMs),
    describe: (k) => FAULT_DESCRIPTIONS[k],
    wrap(device, k) {
      const faulty = new FaultyDevice(device, k);
      return { device: faulty, observe: () => faulty.observe() };
    },
  };
}

module.exports = { FAULT_ENV, FAULT_KINDS, FaultyDevice, parseFault };
