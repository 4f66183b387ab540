// The rules of ../shared/reference/guest-clock-semantics.md (QEMU's s390x KVM TOD
// device) as one state machine for every device. The numbered comments refer to
// those rules.
import { ClockDevice } from './devices/clock-device';
import { fallbackChannel, holdChannel, releaseChannel } from './diagnostics';
import { KvmTodWarning, WarningCode, WarningCodes, WarningSink, deliver, emitProcessWarning } from './warnings';

/** Options of {@link GuestClock}. */
export interface GuestClockOptions {
  /** Where warnings go; `process.emitWarning` by default. */
  warn?: WarningSink;
  /**
   * A protected-virtualization (Secure Execution) guest, whose clock belongs to the
   * ultravisor: state changes do nothing. A function is asked at each state change.
   */
  protectedGuest?: boolean | (() => boolean);
  /** A label for warnings and diagnostics events, e.g. the VM's name. */
  name?: string;
}

/**
 * The VMM's state hook for one VM's guest clock: holds it while the VM does not run,
 * so that the guest does not see the pause, and carries it through migration.
 */
export class GuestClock<T> {
  readonly device: ClockDevice<T>;
  readonly name: string;
  private readonly sink: WarningSink;
  private readonly isProtected: () => boolean;
  private isRunning = false;
  private base: { value: T; since: bigint } | undefined;

  constructor(device: ClockDevice<T>, options: GuestClockOptions = {}) {
    if (device === null || typeof device !== 'object' || typeof device.read !== 'function' || typeof device.write !== 'function') {
      const error = new TypeError('The "device" argument must be a ClockDevice with read() and write() methods');
      (error as TypeError & { code: string }).code = 'ERR_INVALID_ARG_TYPE';
      throw error;
    }
    const { warn = emitProcessWarning, protectedGuest = false, name = 'guest' } = options;
    this.device = device;
    this.name = String(name);
    this.sink = warn;
    this.isProtected = typeof protectedGuest === 'function' ? protectedGuest : () => Boolean(protectedGuest);
  }

  /** The VM's run state as the VMM last reported it; false for a new VM. */
  get running(): boolean {
    return this.isRunning;
  }

  /** Whether the guest clock is held (the VM is stopped and its clock was read). */
  get held(): boolean {
    return this.base !== undefined;
  }

  /** The held value, while held. */
  get heldValue(): T | undefined {
    return this.base?.value;
  }

  /**
   * The VMM's hook: call it when the VM stops (`false`) and when it runs again
   * (`true`): hold right after the vCPUs stop, release right before they run.
   * Never throws: a failure becomes a warning and the clock keeps running.
   */
  vmStateChanged(running: boolean): void {
    const now = Boolean(running);
    if (now === this.isRunning) return; // 3: nothing changed
    this.isRunning = now;
    if (this.protectedNow()) return; // 6
    if (!now && !this.held) this.hold(); // 1
    else if (now && this.held) this.release(); // 2
  }

  /**
   * Migration source: the value to send. While held, the held value (no ioctl: it must
   * not move while the VM is stopped); otherwise a fresh read. (rule 4)
   * @throws whatever the device's read throws (a KvmError).
   */
  save(): T {
    if (this.base !== undefined) return this.base.value;
    return this.device.read();
  }

  /**
   * Migration destination: writes `value` at once, so that a bad value or a broken KVM
   * fails the load now, not at start. A VM that is not running then holds it until it
   * runs. (rule 5)
   * @throws whatever the device's write throws; the state is then unchanged.
   */
  load(value: T): void {
    this.device.write(value);
    if (this.isRunning) {
      this.base = undefined;
    } else {
      this.base = { value, since: process.hrtime.bigint() };
      this.publishHold(value, 'load');
    }
  }

  /** @internal Reports a warning through this clock's sink (used by migration.ts). */
  warnWith(code: WarningCode, message: string, cause?: unknown): void {
    deliver(this.sink, new KvmTodWarning(code, `${this.name}: ${message}`, cause));
  }

  /** @internal Publishes a fallback for `operation`. */
  publishFallback(operation: 'hold' | 'release' | 'save' | 'load', error: unknown, heldNs?: bigint): void {
    if (fallbackChannel.hasSubscribers) {
      fallbackChannel.publish({ clock: this, name: this.name, operation, error, heldNs });
    }
  }

  private hold(): void {
    let value: T;
    try {
      value = this.device.read();
    } catch (error) {
      this.warnWith(WarningCodes.HOLD_FAILED, 'could not hold the guest clock at stop; it keeps running', error);
      this.publishFallback('hold', error);
      return;
    }
    this.base = { value, since: process.hrtime.bigint() };
    this.publishHold(value, 'stop');
  }

  private release(): void {
    const { value, since } = this.base!;
    // Released whatever happens: a failed restore is treated as if the clock had run all along.
    this.base = undefined;
    const heldNs = process.hrtime.bigint() - since;
    try {
      this.device.write(value);
    } catch (error) {
      this.warnWith(WarningCodes.RESTORE_FAILED, 'could not restore the held guest clock at cont; the guest sees the pause', error);
      this.publishFallback('release', error, heldNs);
      return;
    }
    if (releaseChannel.hasSubscribers) releaseChannel.publish({ clock: this, name: this.name, value, heldNs });
  }

  private publishHold(value: T, reason: 'stop' | 'load'): void {
    if (holdChannel.hasSubscribers) holdChannel.publish({ clock: this, name: this.name, value, reason });
  }

  private protectedNow(): boolean {
    try {
      return Boolean(this.isProtected());
    } catch (error) {
      this.warnWith(WarningCodes.PROTECTED_CHECK_FAILED, 'the protectedGuest check threw; the state change was ignored', error);
      return true;
    }
  }
}
