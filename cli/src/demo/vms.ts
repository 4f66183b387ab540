// The VMM's side of one demo VM: the library's GuestClock, or the control, a VMM
// without kvm-tod that never holds the clock; and the device wrapper that counts the
// calls the library makes (what the rules allow).
import { ClockDevice, GuestClock } from 'kvm-tod';
import type { Backend } from './backends';

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

  /** Which clock it is (for the migration sections), as the inner device says. */
  readonly clockKind?: ClockDevice<T>['clockKind'];

  constructor(readonly inner: ClockDevice<T>) {
    if (inner.clockKind !== undefined) this.clockKind = inner.clockKind;
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

export interface Vmm<T> {
  vmStateChanged(running: boolean): void;
  readonly held: boolean;
  readonly heldValue: T | undefined;
  save(): Buffer;
  load(bytes: Buffer): void;
}

export class LibraryVmm<T> implements Vmm<T> {
  constructor(
    readonly clock: GuestClock<T>,
    private readonly backend: Backend<T>,
    private readonly extended: boolean,
  ) {}
  vmStateChanged(running: boolean): void {
    this.clock.vmStateChanged(running);
  }
  get held(): boolean {
    return this.clock.held;
  }
  get heldValue(): T | undefined {
    return this.clock.heldValue;
  }
  save(): Buffer {
    return this.backend.librarySave(this.clock, this.extended);
  }
  load(bytes: Buffer): void {
    this.backend.libraryLoad(this.clock, bytes);
  }
}

/** A VMM without kvm-tod: it migrates the clock (read at save, written at load) but never holds it. */
export class ControlVmm<T> implements Vmm<T> {
  readonly held = false;
  readonly heldValue = undefined;
  constructor(
    private readonly device: CountingDevice<T>,
    private readonly backend: Backend<T>,
  ) {}
  vmStateChanged(): void {
    // The clock keeps running across stop and cont: the behaviour before the fix.
  }
  save(): Buffer {
    return this.backend.encode(this.device.read());
  }
  load(bytes: Buffer): void {
    const value = this.backend.decode(bytes);
    if (value !== null) this.device.write(value);
  }
}
