// Wrappers the demo puts around a clock device: one counts the calls the library
// makes (rule compliance), one makes the device misbehave on request (to show that
// the demo's checks catch a broken clock).
import type { ClockDevice } from '../devices/clock-device';
import { KvmError } from '../errors';

/** Counts the reads and writes that pass through it. */
export class CountingDevice<T> implements ClockDevice<T> {
  reads = 0;
  writes = 0;

  /** The device's resume hook (kvmclock: KVMCLOCK_CTRL), passed through uncounted. */
  readonly resumed?: () => void;
  /** The catch-up arithmetic ('catch-up' policy), passed through: it is no device call. */
  readonly advance?: (value: T, ns: bigint) => T;
  /** The kernel's own catch-up write (kvmclock with KVM_CLOCK_REALTIME): a write when it happens. */
  readonly writeCaughtUp?: (value: T) => boolean;

  constructor(readonly inner: ClockDevice<T>) {
    if (typeof inner.resumed === 'function') this.resumed = () => inner.resumed!();
    if (typeof inner.advance === 'function') this.advance = (value, ns) => inner.advance!(value, ns);
    if (typeof inner.writeCaughtUp === 'function') {
      this.writeCaughtUp = (value) => {
        let done: boolean;
        try {
          done = inner.writeCaughtUp!(value);
        } catch (error) {
          this.writes++;
          throw error;
        }
        if (done) this.writes++;
        return done;
      };
    }
  }

  read(): T {
    this.reads++;
    return this.inner.read();
  }

  write(value: T): void {
    this.writes++;
    this.inner.write(value);
  }

  get calls(): DeviceCalls {
    return { reads: this.reads, writes: this.writes };
  }
}

export interface DeviceCalls {
  reads: number;
  writes: number;
}

/** The ways a device can be made to misbehave (env KVM_TOD_DEMO_FAULT). */
export const FAULT_KINDS = ['ignore-write', 'fail-write', 'fail-read', 'stuck', 'no-advance'] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

export const FAULT_DESCRIPTIONS: Record<FaultKind, string> = {
  'ignore-write': 'the device ignores writes (they succeed but do not set the clock)',
  'fail-write': 'every write fails with EIO',
  'fail-read': 'every read fails with EIO',
  stuck: 'the clock does not advance (every read returns the first value read)',
  'no-advance': 'the device cannot catch up (it moves a held value on by nothing, so a catch-up freezes)',
};

const EIO = 5;

/** A device that misbehaves as `kind` says. */
export class FaultyDevice<T> implements ClockDevice<T> {
  private first: { value: T } | undefined;
  readonly resumed?: () => void;
  readonly advance?: (value: T, ns: bigint) => T;
  readonly writeCaughtUp?: (value: T) => boolean;

  constructor(
    readonly inner: ClockDevice<T>,
    readonly kind: FaultKind,
  ) {
    if (typeof inner.resumed === 'function') this.resumed = () => inner.resumed!();
    if (typeof inner.advance === 'function') {
      // no-advance: the held value comes back as it was, so a catch-up writes the frozen value.
      this.advance = kind === 'no-advance' ? (value) => value : (value, ns) => inner.advance!(value, ns);
    }
    if (typeof inner.writeCaughtUp === 'function') {
      this.writeCaughtUp = (value) => {
        if (kind === 'no-advance') return false; // then GuestClock uses advance()
        if (kind === 'ignore-write') return true;
        if (kind === 'fail-write') throw new KvmError(EIO, 'ioctl', { request: 'demo fault: write' });
        return inner.writeCaughtUp!(value);
      };
    }
  }

  read(): T {
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
  observe(): T {
    if (this.kind === 'fail-read') return this.inner.read();
    return this.read();
  }

  write(value: T): void {
    if (this.kind === 'ignore-write') return;
    if (this.kind === 'fail-write') throw new KvmError(EIO, 'ioctl', { request: 'demo fault: write' });
    this.inner.write(value);
  }
}
