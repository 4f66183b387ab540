// What a migration section's source wall time may add to a guest clock under catch-up.
// The wall time is the source host's claim, carried across hosts and networks: a source
// whose clock reads 1970 would move the guest decades on. So the downtime it implies is
// believed only when it is not negative (else the source's clock is ahead:
// KVM_TOD_SOURCE_CLOCK_AHEAD) and at most the clock's maxDowntimeNs, and only for a wall
// time after 1970 (else KVM_TOD_DOWNTIME_REFUSED); docs/policies.md says why the default
// is 30 days. And no catch-up may carry a clock past its end (a TOD or kvmclock near its
// last value would wrap to its start): the migration-sck rule, the clock never moves back.
import { describeValue, invalidArgType, outOfRange } from './arg-errors';
import { Tod, todToBigInt } from './tod';
import { WarningCode, WarningCodes } from './warnings';

const NS_PER_DAY = 86_400_000_000_000n;

/**
 * The default of {@link GuestClockOptions.maxDowntimeNs}: 30 days. A migration takes
 * seconds to hours, a VM suspended to disk on purpose days or weeks; a source clock that is
 * wrong (an unset clock at 1970, a dead CMOS battery) is wrong by years.
 */
export const DEFAULT_MAX_DOWNTIME_NS = 30n * NS_PER_DAY;

const U64_MAX = (1n << 64n) - 1n;

/**
 * Checks a maxDowntimeNs given by the caller.
 * @throws {TypeError} `ERR_INVALID_ARG_TYPE`: not a bigint.
 * @throws {RangeError} `ERR_OUT_OF_RANGE`: negative.
 */
export function assertMaxDowntimeNs(value: unknown, name = 'maxDowntimeNs'): bigint {
  if (typeof value !== 'bigint') throw invalidArgType(`The "${name}" property must be of type bigint`, value);
  if (value < 0n) throw outOfRange(`The value of "${name}" is out of range. It must be >= 0n. Received ${value}n`);
  return value;
}

/** What a section's wall time means for the destination: a downtime to believe, or a warning. */
export type DowntimeVerdict =
  | { readonly believed: true; readonly downtimeNs: bigint }
  | { readonly believed: false; readonly code: WarningCode; readonly message: string };

/**
 * Judges a source's wall time against this host's `nowNs` and the bound `maxNs`.
 * @throws nothing.
 */
export function judgeSourceWallTime(sourceWallNs: bigint, nowNs: bigint, maxNs: bigint): DowntimeVerdict {
  const refused = (why: string): DowntimeVerdict => ({
    believed: false,
    code: WarningCodes.DOWNTIME_REFUSED,
    message: `${why}; no downtime was added, the clock is held as under freeze`,
  });
  if (sourceWallNs <= 0n) {
    return refused(
      `the source's wall time (${describeWallNs(sourceWallNs)}) is not after 1970, which no working clock reads`,
    );
  }
  const downtimeNs = nowNs - sourceWallNs;
  if (downtimeNs < 0n) {
    return {
      believed: false,
      code: WarningCodes.SOURCE_CLOCK_AHEAD,
      message: `the source host's clock is ${Number(-downtimeNs) / 1e6} ms ahead of this host's; no downtime was added`,
    };
  }
  if (downtimeNs > maxNs) {
    return refused(
      `the source's wall time (${describeWallNs(sourceWallNs)}) is ${describeDuration(downtimeNs)} before this ` +
        `host's, more than maxDowntimeNs (${describeDuration(maxNs)})`,
    );
  }
  return { believed: true, downtimeNs };
}

/** The warning for a catch-up that would carry the clock past its last value. */
export const PAST_THE_END =
  'catching up would carry the guest clock past its last value, back to its start: nothing was added (as under freeze)';

/**
 * Whether `after` (a clock moved on) is not behind `before` and is a value the clock can
 * hold: a TOD within 72 bits, a kvmclock within 64. Values of other devices are trusted.
 * @throws nothing.
 */
export function notBehind(before: unknown, after: unknown): boolean {
  if (typeof before === 'bigint') return typeof after === 'bigint' && after >= before && after <= U64_MAX;
  const a = todOrUndefined(before);
  if (a === undefined) return true;
  const b = todOrUndefined(after);
  return b !== undefined && b >= a;
}

function todOrUndefined(value: unknown): bigint | undefined {
  try {
    return todToBigInt(value as Tod);
  } catch {
    return undefined;
  }
}

/** A Unix time in ns as an ISO date where a Date holds it, else the bare number. */
export function describeWallNs(ns: bigint): string {
  const ms = (ns - (((ns % 1_000_000n) + 1_000_000n) % 1_000_000n)) / 1_000_000n; // rounded down, as a Date is
  if (ms >= -8_640_000_000_000_000n && ms <= 8_640_000_000_000_000n) return new Date(Number(ms)).toISOString();
  return `${describeValue(ns)} ns since 1970`;
}

/** A span for people: days with a tenth above a day, else seconds. */
function describeDuration(ns: bigint): string {
  if (ns >= NS_PER_DAY) return `${(Number(ns / 1_000_000n) / 86_400_000).toFixed(1)} days`;
  return `${Number(ns / 1_000_000n) / 1000} s`;
}
