import { clockKindFor } from './architectures';
import { ClockValue } from './clock-section';
import { ClockDevice } from './devices/clock-device';
import { KvmClockDevice } from './devices/kvmclock';
import { S390TodDevice } from './devices/s390-tod';
import { GuestClock, GuestClockOptions } from './guest-clock';
import { Tod } from './tod';

/**
 * The s390 TOD clock of a VM: `new GuestClock(new S390TodDevice(vmFd), options)`. No system
 * call is made: a descriptor that is not open shows at the first hold, as a warning.
 * `options.vcpus` has no effect: s390x has no pause notice.
 * @throws {TypeError} `ERR_INVALID_ARG_TYPE`: `vmFd` is not a number; a bad option (see {@link GuestClock}).
 * @throws {TypeError} `ERR_INVALID_ARG_VALUE`: `options` has a key that is not an option (`vcpu` for `vcpus`).
 * @throws {RangeError} `ERR_OUT_OF_RANGE`: `vmFd` (or a vCPU descriptor) is not an integer in 0..2^31-1.
 */
export function createTodClock(vmFd: number, options: GuestClockOptions = {}): GuestClock<Tod> {
  return new GuestClock(new S390TodDevice(vmFd), options);
}

/**
 * The x86 kvmclock of a VM: `new GuestClock(new KvmClockDevice(vmFd), options)`, telling
 * `options.vcpus` (and those added later with {@link GuestClock.addVcpu}) after each pause
 * (KVMCLOCK_CTRL). No system call is made: a descriptor that is not open shows at the first
 * hold, as a warning.
 * @throws {TypeError} `ERR_INVALID_ARG_TYPE`: `vmFd` is not a number; a bad option (see {@link GuestClock}).
 * @throws {TypeError} `ERR_INVALID_ARG_VALUE`: `options` has a key that is not an option (`vcpu` for `vcpus`).
 * @throws {RangeError} `ERR_OUT_OF_RANGE`: `vmFd` (or a vCPU descriptor) is not an integer in 0..2^31-1.
 */
export function createKvmClock(vmFd: number, options: GuestClockOptions = {}): GuestClock<bigint> {
  return new GuestClock(new KvmClockDevice(vmFd), options);
}

/**
 * The guest clock of this host's architecture ({@link clockKindFor}): {@link createTodClock}
 * on s390x, {@link createKvmClock} on x64. Its value type is {@link ClockValue}, so
 * `clock.load(clock.save())` and the section calls type-check without knowing which;
 * use createTodClock or createKvmClock for the exact type.
 * @throws {Error} code `ERR_KVM_TOD_UNSUPPORTED_ARCH` on other architectures.
 * @throws {TypeError} `ERR_INVALID_ARG_TYPE`: `vmFd` is not a number; a bad option (see {@link GuestClock}).
 * @throws {TypeError} `ERR_INVALID_ARG_VALUE`: `options` has a key that is not an option (`vcpu` for `vcpus`).
 * @throws {RangeError} `ERR_OUT_OF_RANGE`: `vmFd` (or a vCPU descriptor) is not an integer in 0..2^31-1.
 */
export function createGuestClock(vmFd: number, options: GuestClockOptions = {}): GuestClock<ClockValue> {
  return new GuestClock<ClockValue>(deviceFor(vmFd), options);
}

/**
 * The clock device of this host's architecture (or of `arch`, see {@link clockKindFor}):
 * an {@link S390TodDevice} on s390x, a {@link KvmClockDevice} on x64. No system call is made.
 * @throws {Error} code `ERR_KVM_TOD_UNSUPPORTED_ARCH` on other architectures.
 * @throws {TypeError} `ERR_INVALID_ARG_TYPE`: `vmFd` is not a number.
 * @throws {RangeError} `ERR_OUT_OF_RANGE`: `vmFd` is not an integer in 0..2^31-1.
 */
export function deviceFor(vmFd: number, arch: string = process.arch): ClockDevice<Tod> | ClockDevice<bigint> {
  return clockKindFor(arch) === 'tod' ? new S390TodDevice(vmFd) : new KvmClockDevice(vmFd);
}
