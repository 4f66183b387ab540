// Which guest clock each architecture has: the one place that maps process.arch to a
// clock (createGuestClock, deviceFor and the demo's backend choice all ask here).
import { describeValue } from './arg-errors';
import type { ClockKind } from './devices/clock-device';

const CLOCK_OF_ARCH: ReadonlyMap<string, ClockKind> = new Map([
  ['s390x', 'tod'],
  ['x64', 'kvmclock'],
]);

/**
 * The guest clock KVM has on `arch` (by default this host's): 'tod' (the s390 TOD) on
 * s390x, 'kvmclock' on x64. No system call is made.
 * @throws {Error} code `ERR_KVM_TOD_UNSUPPORTED_ARCH` for any other architecture.
 */
export function clockKindFor(arch: string = process.arch): ClockKind {
  const kind = typeof arch === 'string' ? CLOCK_OF_ARCH.get(arch) : undefined;
  if (kind !== undefined) return kind;
  const error = new Error(`kvm-tod has no guest clock for architecture ${describeValue(arch)} (s390x and x64 only)`);
  (error as Error & { code: string }).code = 'ERR_KVM_TOD_UNSUPPORTED_ARCH';
  throw error;
}
