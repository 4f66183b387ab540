// What GuestClock says when it falls back instead of failing the VM.
import { describeThrown } from './arg-errors';

/** The codes of {@link KvmTodWarning}, one per kind of failure. */
export const WarningCodes = {
  /** Stop: the guest clock could not be read, so it keeps running (the behaviour without this library). */
  HOLD_FAILED: 'KVM_TOD_HOLD_FAILED',
  /** Cont: the held clock could not be written back; the guest sees the whole pause. */
  RESTORE_FAILED: 'KVM_TOD_RESTORE_FAILED',
  /** Migration: the guest clock could not be saved, or the incoming section had no value. */
  NOT_MIGRATED: 'KVM_TOD_NOT_MIGRATED',
  /**
   * The policy function threw or answered neither 'freeze' nor 'catch-up', or the device
   * cannot catch up: the clock was frozen.
   */
  POLICY_FAILED: 'KVM_TOD_POLICY_FAILED',
  /** KVMCLOCK_CTRL failed on a vCPU (other than EINVAL): that guest may report a soft lockup. */
  PAUSE_NOTICE_FAILED: 'KVM_TOD_PAUSE_NOTICE_FAILED',
  /** A migration section with a wall time came from a host whose clock is ahead of this one: no downtime was added. */
  SOURCE_CLOCK_AHEAD: 'KVM_TOD_SOURCE_CLOCK_AHEAD',
  /**
   * A migration section's wall time is not believable (at or before 1970, or more than the
   * clock's `maxDowntimeNs` before this host's now), or the catch-up would carry the clock
   * past its last value back to its start: nothing was added, the clock is held as under freeze.
   */
  DOWNTIME_REFUSED: 'KVM_TOD_DOWNTIME_REFUSED',
  /** The `protectedGuest` function threw; the state change was ignored, as for a protected guest. */
  PROTECTED_CHECK_FAILED: 'KVM_TOD_PROTECTED_CHECK_FAILED',
} as const;

/** One of the values of {@link WarningCodes}. */
export type WarningCode = (typeof WarningCodes)[keyof typeof WarningCodes];

/** A warning from GuestClock: what it could not do, why (`cause`), and what it did instead. */
export class KvmTodWarning extends Error {
  /**
   * @param code what failed
   * @param message what GuestClock did instead; `cause`'s message is appended
   * @param cause the error that caused it, if any
   * @throws nothing.
   */
  constructor(
    /** What failed: one of {@link WarningCodes}. */
    readonly code: WarningCode,
    message: string,
    /** The error behind the warning (usually a {@link KvmError}), if any. */
    readonly cause?: unknown,
  ) {
    super(cause === undefined ? message : `${message}: ${describeThrown(cause)}`);
  }

  /** Always `'KvmTodWarning'`. */
  override get name(): string {
    return 'KvmTodWarning';
  }
}

/** Where warnings go: `process.emitWarning` unless the caller passes its own sink. */
export type WarningSink = (warning: KvmTodWarning) => void;

export const emitProcessWarning: WarningSink = (warning) => process.emitWarning(warning);

/** Delivers a warning; a sink that throws must not turn a warning into a failure. */
export function deliver(sink: WarningSink, warning: KvmTodWarning): void {
  try {
    sink(warning);
  } catch {
    emitProcessWarning(warning);
  }
}
