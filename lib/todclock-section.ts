// QEMU's legacy "todclock" migration section, version 1:
//   byte flag (0x00 = value missing, 0x01 = present), then, only when present,
//   byte epoch index and a big-endian 64-bit TOD. 10 bytes present, 1 missing.
import { TODCLOCK, TodSectionError, assertBytes, trailing, truncated, unknownFlag } from './section-errors';
import { Tod, assertTod } from './tod';

export { TodSectionError } from './section-errors';

const FLAG_MISSING = 0x00;
const FLAG_PRESENT = 0x01;
const PRESENT_LENGTH = 10;

/**
 * QEMU's "todclock" v1 section for `tod` (10 bytes), or the 1-byte "missing" section for null.
 * @throws {TypeError|RangeError} `tod` is neither null nor a valid Tod (see {@link assertTod}).
 */
export function encodeTodSection(tod: Tod | null): Buffer {
  if (tod === null) return Buffer.from([FLAG_MISSING]);
  const { high, low } = assertTod(tod);
  const bytes = Buffer.alloc(PRESENT_LENGTH);
  bytes[0] = FLAG_PRESENT;
  bytes[1] = high;
  bytes.writeBigUInt64BE(low, 2);
  return bytes;
}

/**
 * The Tod in a todclock v1 section, or null for "missing".
 * @throws {TypeError} `bytes` is not a Uint8Array (Buffer included).
 * @throws {TodSectionError} empty, an unknown flag, too short, or trailing bytes.
 */
export function decodeTodclockSection(bytes: Uint8Array): Tod | null {
  assertBytes(bytes);
  if (bytes.length === 0) throw new TodSectionError('todclock section is empty: expected a flag byte');
  const flag = bytes[0];
  if (flag === FLAG_MISSING) {
    if (bytes.length !== 1) throw trailing(TODCLOCK, bytes.length, 1);
    return null;
  }
  if (flag !== FLAG_PRESENT) {
    throw unknownFlag(TODCLOCK, flag, 'expected 0x00 (missing), 0x01 (present) or a kvm-tod extended section ("KTOD")');
  }
  if (bytes.length < PRESENT_LENGTH) {
    throw truncated(TODCLOCK, bytes.length, PRESENT_LENGTH, 'a present value');
  }
  if (bytes.length > PRESENT_LENGTH) throw trailing(TODCLOCK, bytes.length, PRESENT_LENGTH);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return { high: bytes[1], low: view.getBigUint64(2, false) };
}
