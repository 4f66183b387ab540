/**
 * A guest clock the VMM can read and set: the one thing `GuestClock` needs from a
 * device. `read` and `write` throw on failure (a KvmError from the kernel).
 */
export interface ClockDevice<T> {
  read(): T;
  write(value: T): void;
  /**
   * `value` moved on by `ns` nanoseconds: what the `catch-up` policy writes. A device
   * without it can only freeze.
   */
  advance?(value: T, ns: bigint): T;
  /**
   * Writes `value` moved on by the wall time since it was read, where the kernel can
   * do that itself (kvmclock's KVM_CLOCK_REALTIME): more exact than `advance`, since
   * the kernel measures up to the instant of the write. Returns false where it cannot,
   * and `advance` is used instead.
   */
  writeCaughtUp?(value: T): boolean;
  /** Called after the held clock was written back, before the vCPUs run (kvmclock: KVMCLOCK_CTRL). */
  resumed?(): void;
}
