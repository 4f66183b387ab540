import { describeValue } from './arg-errors';
import { ClockDevice } from './devices/clock-device';
import { KvmClockDevice } from './devices/kvmclock';
import { S390TodDevice } from './devices/s390-tod';
import { GuestClock, GuestClockOptions } from './guest-clock';
import { Tod } from './tod';

/**
 * The guest clock of this host's architecture: the s390 TOD on s390x, kvmclock on x64.
 * No system call is made: a bad `vmFd` shows at the first hold, as a warning.
 * @throws {Error} code `ERR_KVM_TOD_UNSUPPORTED_ARCH` on other architectures (see {@link deviceFor}).
 * @throws {TypeError} a bad `options.policy` (see {@link GuestClock}).
 */
export function createGuestClock(vmFd: number, options: GuestClockOptions = {}): GuestClock<Tod> | GuestClock<bigint> {
  return new GuestClock<Tod | bigint>(deviceFor(vmFd), options) as GuestClock<Tod> | GuestClock<bigint>;
}

/**
 * The clock device of this host's architecture (or of `arch`): an {@link S390TodDevice} on
 * s390x, a {@link KvmClockDevice} on x64. No system call is made.
 * @throws {Error} code `ERR_KVM_TOD_UNSUPPORTED_ARCH` on other architectures.
 */
export function deviceFor(vmFd: number, arch: string = process.arch): ClockDevice<Tod> | ClockDevice<bigint> {
  if (arch === 's390x') return new S390TodDevice(vmFd);
  if (arch === 'x64') return new KvmClockDevice(vmFd);
  const error = new Error(`kvm-tod has no guest clock for architecture ${describeValue(arch)} (s390x and x64 only)`);
  (error as Error & { code: string }).code = 'ERR_KVM_TOD_UNSUPPORTED_ARCH';
  throw error;
}
