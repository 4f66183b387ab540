// kvm-tod's extended clock section: QEMU's todclock value plus the source host's wall
// time at the instant the value was true, so that a destination that catches up can
// add the migration downtime. Its magic cannot be mistaken for a todclock v1 flag byte
// (0x00 or 0x01), which is how a decoder tells the two apart.
//   bytes 0..3  "KTOD"
//   byte  4     version, 2
//   byte  5     flag: 0x00 missing, 0x01 present
//   present only:
//   byte  6     epoch index
//   be64  7     the 64-bit TOD
//   be64  15    source host wall time, ns since 1970-01-01 UTC (signed)
import { Tod, assertTod } from './tod';
import { EXTENDED, startsWith, trailing, truncated, unknownFlag, unknownVersion } from './section-errors';

export const EXTENDED_MAGIC = Buffer.from('KTOD', 'latin1');
const VERSION = 2;
const MISSING_LENGTH = 6;
const PRESENT_LENGTH = 23;

/** What an extended section carries. */
export interface ExtendedSection {
  /** The guest TOD, or null for a "missing" section. */
  tod: Tod | null;
  /** The source host's wall time (Unix ns) at which `tod` was the guest's time. */
  sourceWallNs?: bigint;
}

export function isExtendedSection(bytes: Uint8Array): boolean {
  return startsWith(bytes, EXTENDED_MAGIC);
}

export function encodeExtendedSection(tod: Tod | null, sourceWallNs: bigint): Buffer {
  if (tod === null) return Buffer.concat([EXTENDED_MAGIC, Buffer.from([VERSION, 0x00])]);
  const { high, low } = assertTod(tod);
  const bytes = Buffer.alloc(PRESENT_LENGTH);
  EXTENDED_MAGIC.copy(bytes, 0);
  bytes[4] = VERSION;
  bytes[5] = 0x01;
  bytes[6] = high;
  bytes.writeBigUInt64BE(low, 7);
  bytes.writeBigInt64BE(BigInt.asIntN(64, sourceWallNs), 15);
  return bytes;
}

/** @throws {TodSectionError} a short section, an unknown version or flag, trailing bytes. */
export function decodeExtendedSection(bytes: Uint8Array): ExtendedSection {
  if (bytes.length < MISSING_LENGTH) {
    throw truncated(EXTENDED, bytes.length, MISSING_LENGTH, 'its header');
  }
  if (bytes[4] !== VERSION) throw unknownVersion(EXTENDED, bytes[4], VERSION);
  const flag = bytes[5];
  if (flag === 0x00) {
    if (bytes.length !== MISSING_LENGTH) throw trailing(EXTENDED, bytes.length, MISSING_LENGTH);
    return { tod: null };
  }
  if (flag !== 0x01) throw unknownFlag(EXTENDED, flag);
  if (bytes.length < PRESENT_LENGTH) throw truncated(EXTENDED, bytes.length, PRESENT_LENGTH, 'a present value');
  if (bytes.length > PRESENT_LENGTH) throw trailing(EXTENDED, bytes.length, PRESENT_LENGTH);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return { tod: { high: bytes[6], low: view.getBigUint64(7, false) }, sourceWallNs: view.getBigInt64(15, false) };
}
