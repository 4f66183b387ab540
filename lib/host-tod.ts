// The host's TOD clock as this process can know it: wall time, read through the
// monotonic clock so that it has nanosecond resolution and never steps back.
import { Tod, todFromUnixNs } from './tod';

const wallAtStart = BigInt(Date.now()) * 1_000_000n;
const monoAtStart = process.hrtime.bigint();

/**
 * Unix time in nanoseconds, monotonic within this process.
 * @throws nothing.
 */
export function hostUnixNs(): bigint {
  return hostUnixNsAt(process.hrtime.bigint());
}

/** The Unix time of a `process.hrtime.bigint()` reading: one clock read serves both. */
export function hostUnixNsAt(monotonicNs: bigint): bigint {
  return wallAtStart + (monotonicNs - monoAtStart);
}

/**
 * The host TOD now.
 * @throws nothing (a host clock outside the 72-bit TOD's range, before 1900, would be a RangeError).
 */
export function hostTod(): Tod {
  return todFromUnixNs(hostUnixNs());
}
