// kvm-tod's kvmclock migration section: QEMU has no kvmclock section a Node VMM could
// reuse (its kvmclock state lives inside QEMU's own device model), so this library has
// one, shaped like its extended TOD section: the clock and the source host's wall time
// at the instant it was the guest's time, so a destination that catches up can add the
// downtime. Documented byte by byte in docs/guest-clock.md.
//   bytes 0..3  "KVMC"
//   byte  4     version, 1
//   byte  5     flag: 0x00 missing, 0x01 present
//   present only:
//   be64  6     the kvmclock, ns (unsigned)
//   be64  14    source host wall time, ns since 1970-01-01 UTC (signed)
import { invalidArgType, outOfRange } from './arg-errors';
import { KVMCLOCK, assertBytes, startsWith, trailing, truncated, unknownFlag, unknownVersion } from './section-errors';

const MAGIC = Buffer.from('KVMC', 'latin1');
const VERSION = 1;
const MISSING_LENGTH = 6;
const PRESENT_LENGTH = 22;
const U64_MAX = (1n << 64n) - 1n;
const I64_MIN = -(1n << 63n);
const I64_MAX = (1n << 63n) - 1n;

/** What a kvmclock section carries. */
export interface KvmClockSection {
  /** The guest's kvmclock in ns, or null for a "missing" section. */
  clock: bigint | null;
  /** The source host's wall time (Unix ns) at which `clock` was the guest's time; absent when missing. */
  sourceWallNs?: bigint;
}

/** Whether `bytes` start like a kvmclock section ("KVMC"). */
export function isKvmClockSection(bytes: Uint8Array): boolean {
  return startsWith(bytes, MAGIC);
}

/**
 * kvm-tod's kvmclock section (version 1): 22 bytes for a value, 6 for "missing" (null).
 * @param clock the guest's kvmclock in ns (as {@link getKvmClock} or {@link GuestClock.save}
 *   give it), or null: the source could not read it
 * @param sourceWallNs this host's wall time (Unix ns, {@link hostUnixNs}) at the instant
 *   `clock` was the guest's time; required with a value, ignored for null
 * @throws {TypeError} `ERR_INVALID_ARG_TYPE`: `clock` is neither null nor a bigint, or
 *   `sourceWallNs` is not a bigint.
 * @throws {RangeError} `ERR_OUT_OF_RANGE`: `clock` is not in 0..2^64-1, or `sourceWallNs` not
 *   in -2^63..2^63-1.
 */
export function encodeKvmClockSection(clock: bigint | null, sourceWallNs?: bigint): Buffer {
  if (clock === null) return Buffer.concat([MAGIC, Buffer.from([VERSION, 0x00])]);
  if (typeof clock !== 'bigint') throw invalidArgType('The "clock" argument must be of type bigint or null', clock);
  if (clock < 0n || clock > U64_MAX) {
    throw outOfRange(`The value of "clock" is out of range. It must be >= 0n && <= 2n ** 64n - 1n. Received ${clock}n`);
  }
  if (typeof sourceWallNs !== 'bigint')
    throw invalidArgType('The "sourceWallNs" argument must be of type bigint', sourceWallNs);
  if (sourceWallNs < I64_MIN || sourceWallNs > I64_MAX) {
    const range = '>= -(2n ** 63n) && <= 2n ** 63n - 1n';
    throw outOfRange(`The value of "sourceWallNs" is out of range. It must be ${range}. Received ${sourceWallNs}n`);
  }
  const bytes = Buffer.alloc(PRESENT_LENGTH);
  MAGIC.copy(bytes, 0);
  bytes[4] = VERSION;
  bytes[5] = 0x01;
  bytes.writeBigUInt64BE(clock, 6);
  bytes.writeBigInt64BE(sourceWallNs, 14);
  return bytes;
}

/**
 * What a kvmclock section carries.
 * @throws {TypeError} `ERR_INVALID_ARG_TYPE`: `bytes` is not a Uint8Array (Buffer included).
 * @throws {ClockSectionError} `ERR_KVM_TOD_BAD_SECTION`: not "KVMC", another version, an
 *   unknown flag, too short, or trailing bytes.
 */
export function decodeKvmClockSection(bytes: Uint8Array): KvmClockSection {
  assertBytes(bytes);
  if (!isKvmClockSection(bytes)) {
    throw KVMCLOCK.error(`${KVMCLOCK.title} must start with "KVMC": ${bytes.length} byte(s) that do not`);
  }
  if (bytes.length < MISSING_LENGTH) throw truncated(KVMCLOCK, bytes.length, MISSING_LENGTH, 'its header');
  if (bytes[4] !== VERSION) throw unknownVersion(KVMCLOCK, bytes[4], VERSION);
  const flag = bytes[5];
  if (flag === 0x00) {
    if (bytes.length !== MISSING_LENGTH) throw trailing(KVMCLOCK, bytes.length, MISSING_LENGTH);
    return { clock: null };
  }
  if (flag !== 0x01) throw unknownFlag(KVMCLOCK, flag);
  if (bytes.length < PRESENT_LENGTH) throw truncated(KVMCLOCK, bytes.length, PRESENT_LENGTH, 'a present value');
  if (bytes.length > PRESENT_LENGTH) throw trailing(KVMCLOCK, bytes.length, PRESENT_LENGTH);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return { clock: view.getBigUint64(6, false), sourceWallNs: view.getBigInt64(14, false) };
}
