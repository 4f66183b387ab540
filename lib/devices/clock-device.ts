/**
 * Which guest clock a device holds, and so which migration section carries it:
 * 'tod' (the s390 TOD, QEMU's todclock section or kvm-tod's extended one) or
 * 'kvmclock' (x86 kvmclock, kvm-tod's kvmclock section).
 */
export type ClockKind = 'tod' | 'kvmclock';

/**
 * A guest clock the VMM can read and set: the one thing `GuestClock` needs from a
 * device. `read` and `write` throw on failure (a KvmError from the kernel).
 */
export interface ClockDevice<T> {
  /**
   * Which clock this is, for {@link saveClockSection} and {@link loadClockSection}: the
   * library's devices say; a device without it is told by its values (a bigint is a
   * kvmclock, anything else a Tod) and takes a section of either kind.
   */
  readonly clockKind?: ClockKind;
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
  /**
   * Registers a vCPU descriptor to be told about pauses in {@link ClockDevice.resumed}
   * (kvmclock: KVMCLOCK_CTRL). A device without it has no such notice (the s390 TOD).
   * @throws {TypeError|RangeError} a descriptor that is not an integer in 0..2^31-1.
   */
  addVcpu?(vcpuFd: number): void;
  /**
   * Forgets a vCPU descriptor registered with {@link ClockDevice.addVcpu}.
   * @throws {TypeError|RangeError} a descriptor that is not an integer in 0..2^31-1.
   */
  removeVcpu?(vcpuFd: number): void;
}
