/**
 * A guest clock the VMM can read and set: the one thing `GuestClock` needs from a
 * device. `read` and `write` throw on failure (a KvmError from the kernel).
 */
export interface ClockDevice<T> {
  read(): T;
  write(value: T): void;
}
