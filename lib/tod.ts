// The s390 TOD clock value: what it is, how to check one, how to read one.
//
// Bit 51 of the 64-bit clock ticks once a microsecond, so a microsecond is 4096
// units; the clock counts from 1900-01-01 00:00 UTC. The epoch index (`high`)
// extends it to 72 bits, so it does not wrap in 2042.

/** A guest TOD clock: epoch index and the 64-bit clock. */
export interface Tod {
  /** The epoch index, 0..255 (bits 64..71 of the clock; 0 without facility 139). */
  high: number;
  /** The 64-bit TOD clock. */
  low: bigint;
}
import { types } from 'util';
import { invalidArgType as argType, outOfRange } from './arg-errors';

const MASK64 = (1n << 64n) - 1n;
/** TOD units in one microsecond. */
export const TOD_UNITS_PER_US = 4096n;
/** The TOD of 1970-01-01 00:00 UTC (epoch index 0). */
export const TOD_UNIX_EPOCH = 0x7d91048bca000000n;

/**
 * Checks that `value` is a Tod and returns it.
 * @throws {TypeError} not an object, or `high` not a number, or `low` not a bigint.
 * @throws {RangeError} `high` outside 0..255 or not an integer, `low` outside 0..2^64-1.
 */
export function assertTod(value: unknown, name = 'tod'): Tod {
  assertTodObject(value, name);
  const { high, low } = value as Record<string, unknown>;
  return assertTodParts(high, low, name);
}

/**
 * Checks that `value` is an object, as {@link assertTod} does first.
 * @throws {TypeError} `ERR_INVALID_ARG_TYPE`: not an object.
 */
export function assertTodObject(value: unknown, name = 'tod'): asserts value is object {
  if (typeof value !== 'object' || value === null) {
    throw argType(`The "${name}" argument must be an object { high: number, low: bigint }`, value);
  }
}

/**
 * The rest of {@link assertTod}, on a Tod's properties already read (once: a getter must not
 * answer the check one value and the write another): the Tod they make.
 * @throws {TypeError|RangeError} as {@link assertTod}.
 */
export function assertTodParts(high: unknown, low: unknown, name = 'tod'): Tod {
  if (typeof high !== 'number') throw argType(`The "${name}.high" property must be of type number`, high);
  if (!Number.isInteger(high) || high < 0 || high > 255) {
    throw outOfRange(
      `The value of "${name}.high" is out of range. It must be an integer >= 0 && <= 255. Received ${high}`,
    );
  }
  if (typeof low !== 'bigint') throw argType(`The "${name}.low" property must be of type bigint`, low);
  if (low < 0n || low > MASK64) {
    throw outOfRange(
      `The value of "${name}.low" is out of range. It must be >= 0n && <= 2n ** 64n - 1n. Received ${low}n`,
    );
  }
  return { high, low };
}

/**
 * The 72-bit clock as one bigint.
 * @throws {TypeError|RangeError} `tod` is not a valid Tod (see {@link assertTod}).
 */
export function todToBigInt(tod: Tod): bigint {
  const { high, low } = assertTod(tod);
  return (BigInt(high) << 64n) | low;
}

/**
 * A 72-bit clock value split into a Tod.
 * @throws {TypeError} `value` is not a bigint (`ERR_INVALID_ARG_TYPE`).
 * @throws {RangeError} `value` is negative or has bits above 71 set (`ERR_OUT_OF_RANGE`).
 */
export function todFromBigInt(value: bigint): Tod {
  if (typeof value !== 'bigint') throw argType('The "value" argument must be of type bigint', value);
  if (value < 0n || value >> 72n !== 0n) {
    throw outOfRange(`The value of "value" is out of range. It must be >= 0n && < 2n ** 72n. Received ${value}n`);
  }
  return { high: Number(value >> 64n), low: value & MASK64 };
}

/**
 * Nanoseconds since 1970-01-01 UTC (negative before it), rounded toward minus infinity.
 * @throws {TypeError|RangeError} `tod` is not a valid Tod (see {@link assertTod}).
 */
export function todToUnixNs(tod: Tod): bigint {
  const units = todToBigInt(tod) - TOD_UNIX_EPOCH;
  return floorDiv(units * 1000n, TOD_UNITS_PER_US);
}

/**
 * The TOD of a Unix time in nanoseconds.
 * @throws {TypeError} `ns` is not a bigint (`ERR_INVALID_ARG_TYPE`).
 * @throws {RangeError} a time the 72-bit clock cannot hold (`ERR_OUT_OF_RANGE`).
 */
export function todFromUnixNs(ns: bigint): Tod {
  if (typeof ns !== 'bigint') throw argType('The "ns" argument must be of type bigint', ns);
  return todFromBigInt(TOD_UNIX_EPOCH + floorDiv(ns * TOD_UNITS_PER_US, 1000n));
}

/**
 * The TOD as a Date (millisecond precision); an invalid Date beyond the Date range.
 * @throws {TypeError|RangeError} `tod` is not a valid Tod (see {@link assertTod}).
 */
export function todToDate(tod: Tod): Date {
  return new Date(Number(floorDiv(todToUnixNs(tod), 1_000_000n)));
}

/**
 * The TOD of a Date.
 * @throws {TypeError} `date` is not a valid Date (`ERR_INVALID_ARG_TYPE`).
 * @throws {RangeError} a Date the 72-bit clock cannot hold (`ERR_OUT_OF_RANGE`).
 */
export function todFromDate(date: Date): Tod {
  if (!types.isDate(date) || Number.isNaN(date.getTime())) {
    throw argType('The "date" argument must be a valid Date', date);
  }
  return todFromUnixNs(BigInt(date.getTime()) * 1_000_000n);
}

/**
 * ISO 8601 UTC with nanoseconds, e.g. `2026-11-25T19:28:36.123456789Z`.
 * @throws {TypeError|RangeError} `tod` is not a valid Tod (see {@link assertTod}).
 * @throws {RangeError} a TOD beyond the Date range (`Invalid time value`).
 */
export function todToIsoString(tod: Tod): string {
  const ns = todToUnixNs(tod);
  const ms = floorDiv(ns, 1_000_000n);
  const iso = new Date(Number(ms)).toISOString(); // ...T19:28:36.123Z
  const subMs = (ns - ms * 1_000_000n).toString().padStart(6, '0');
  return `${iso.slice(0, -1)}${subMs}Z`;
}

/**
 * A readable form: `epoch 0 0x7d91048bca000000 (1970-01-01T00:00:00.000000000Z)`.
 * The hex is the 64-bit clock; the date counts the epoch index in ("beyond the Date range"
 * where a Date cannot show it).
 * @throws {TypeError|RangeError} `tod` is not a valid Tod (see {@link assertTod}).
 */
export function formatTod(tod: Tod): string {
  const { high, low } = assertTod(tod);
  const hex = `0x${low.toString(16).padStart(16, '0')}`;
  const ms = Number(floorDiv(todToUnixNs(tod), 1_000_000n));
  const date = Math.abs(ms) <= 8.64e15 ? todToIsoString(tod) : 'beyond the Date range';
  return `epoch ${high} ${hex} (${date})`;
}

/**
 * The difference a - b in nanoseconds (72-bit, signed).
 * @throws {TypeError|RangeError} `a` or `b` is not a valid Tod (see {@link assertTod}).
 */
export function todDiffNs(a: Tod, b: Tod): bigint {
  return floorDiv((todToBigInt(a) - todToBigInt(b)) * 1000n, TOD_UNITS_PER_US);
}

/**
 * `tod` moved on by `ns` nanoseconds (negative moves it back), carrying into the
 * epoch index; the result wraps modulo 2^72, as the clock does.
 * @throws {TypeError|RangeError} `tod` is not a valid Tod (see {@link assertTod}).
 * @throws {TypeError} `ns` is not a bigint (`ERR_INVALID_ARG_TYPE`).
 */
export function todAddNs(tod: Tod, ns: bigint): Tod {
  if (typeof ns !== 'bigint') throw argType('The "ns" argument must be of type bigint', ns);
  const sum = todToBigInt(tod) + floorDiv(ns * TOD_UNITS_PER_US, 1000n);
  return todFromBigInt(((sum % (1n << 72n)) + (1n << 72n)) % (1n << 72n));
}

function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b !== 0n && a < 0n !== b < 0n ? q - 1n : q;
}
