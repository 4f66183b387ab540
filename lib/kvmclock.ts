// x86 kvmclock: KVM_GET_CLOCK / KVM_SET_CLOCK on a VM descriptor.
import { OptionNames, optionsObject } from './arg-errors';
import { armCall, binding, callResult, clockFlags, constants, isFd, scratch } from './native';

/** What KVM_GET_CLOCK answers. */
export interface KvmClockData {
  /** The guest's kvmclock, in nanoseconds. */
  clock: bigint;
  /** KVM_CLOCK_* flags: TSC_STABLE, REALTIME, HOST_TSC. */
  flags: number;
  /** Host CLOCK_REALTIME (ns) at the same instant; present with KVM_CLOCK_REALTIME. */
  realtime?: bigint;
  /** Host TSC at the same instant; present with KVM_CLOCK_HOST_TSC. */
  hostTsc?: bigint;
}

/** Options of {@link setKvmClock}. */
export interface SetKvmClockOptions {
  /**
   * Host CLOCK_REALTIME (ns) at which `clock` was true: with it the kernel
   * (KVM_CLOCK_REALTIME) advances the clock by the wall time since then.
   */
  realtime?: bigint;
}

const SET_KVM_CLOCK_OPTIONS: OptionNames<SetKvmClockOptions> = { realtime: true };

/**
 * Reads the VM's kvmclock (KVM_GET_CLOCK).
 * @throws {TypeError|RangeError} `vmFd` is not a descriptor number.
 * @throws {KvmError} `request: 'KVM_GET_CLOCK'`: `ENOTTY` (not an x86 VM), `EBADF`, `EIO`
 *   (a VM descriptor of another process).
 */
export function getKvmClock(vmFd: number): KvmClockData {
  const flags = readKvmClock(vmFd);
  const { realtime, hostTsc } = clockFlags;
  // Each result a literal of its final shape: adding properties one by one would give the
  // object a second allocation (its property store) on every call.
  const clock = scratch[0];
  if (flags & realtime) {
    return flags & hostTsc
      ? { clock, flags, realtime: scratch[1], hostTsc: scratch[2] }
      : { clock, flags, realtime: scratch[1] };
  }
  return flags & hostTsc ? { clock, flags, hostTsc: scratch[2] } : { clock, flags };
}

/**
 * @internal KVM_GET_CLOCK without building the result: its flags; the clock, realtime and
 * host TSC in the scratch words (for KvmClockDevice's read, which keeps only the clock).
 * @throws as {@link getKvmClock}.
 */
export function readKvmClock(vmFd: number): number {
  const get = binding.getKvmClock; // loads the addon before the block is armed
  if (!isFd(vmFd)) return get(vmFd) as number; // throws the argument's error
  armCall(vmFd);
  get();
  return callResult();
}

/**
 * Writes the VM's kvmclock (KVM_SET_CLOCK).
 * @throws {TypeError|RangeError} a bad descriptor, `options` is not an object, or `clock` (or
 *   `options.realtime`) is not a bigint in 0..2^64-1.
 * @throws {TypeError} `ERR_INVALID_ARG_VALUE`: `options` has a key that is not an option.
 * @throws {KvmError} `request: 'KVM_SET_CLOCK'`: `ENOTTY`, `EBADF`, `EINVAL` (realtime not
 *   supported by this kernel).
 */
export function setKvmClock(vmFd: number, clock: bigint, options?: SetKvmClockOptions): void {
  // No options (every hold's release): no options object to make and take apart.
  if (options === undefined) {
    const set = binding.setKvmClock; // loads the addon before the block is armed
    if (isFd(vmFd)) {
      armCall(vmFd);
      set(clock);
    } else {
      set(vmFd, clock); // throws the descriptor's error
    }
    return;
  }
  const { realtime } = optionsObject(options, SET_KVM_CLOCK_OPTIONS);
  if (realtime === undefined) {
    binding.setKvmClock(vmFd, clock);
  } else {
    binding.setKvmClock(vmFd, clock, constants.KVM_CLOCK_REALTIME, realtime);
  }
}

/**
 * KVM_KVMCLOCK_CTRL on a vCPU: tells the guest it was paused, so its soft-lockup
 * watchdog does not fire.
 * @throws {TypeError|RangeError} a descriptor that is not an integer in 0..2^31-1
 *   (`ERR_INVALID_ARG_TYPE`, `ERR_OUT_OF_RANGE`), before any system call.
 * @throws {KvmError} `request: 'KVM_KVMCLOCK_CTRL'`: `EINVAL` where the guest has not
 *   enabled kvmclock, `ENOTTY`, `EBADF`.
 */
export function kvmclockCtrl(vcpuFd: number): void {
  binding.kvmclockCtrl(vcpuFd);
}
