/**
 * A guest clock the VMM can read and set: the one thing `GuestClock` needs from a
 * device. `read` and `write` throw on failure (a KvmError from the kernel).
 */
export interface ClockDevice<T> {
  /**
   * The guest clock now.
   * @throws whatever the device fails with (the KVM devices: a {@link KvmError}); GuestClock
   *   turns it into a warning and a running clock.
   */
  read(): T;
  /**
   * Sets the guest clock to `value`.
   * @throws whatever the device fails with (the KVM devices: a {@link KvmError}, or a
   *   `TypeError`/`RangeError` for a bad value); GuestClock turns it into a warning.
   */
  write(value: T): void;
  /**
   * `value` moved on by `ns` nanoseconds: what the `catch-up` policy writes. A device
   * without it can only freeze.
   * @throws should not: GuestClock treats a throw as a failed write at cont.
   */
  advance?(value: T, ns: bigint): T;
  /**
   * Writes `value` moved on by the wall time since it was read, where the kernel can
   * do that itself (kvmclock's KVM_CLOCK_REALTIME): more exact than `advance`, since
   * the kernel measures up to the instant of the write. Returns false where it cannot,
   * and `advance` is used instead.
   * @throws what `write` throws; GuestClock turns it into a warning.
   */
  writeCaughtUp?(value: T): boolean;
  /**
   * Called at every resume after a pause, after the held clock was written back and before
   * the vCPUs run (kvmclock: KVMCLOCK_CTRL).
   * @throws whatever it fails with; GuestClock turns it into a `KVM_TOD_PAUSE_NOTICE_FAILED` warning.
   */
  resumed?(): void;
}
