// QEMU's legacy "todclock" migration section, version 1:
//   byte flag (0x00 = value missing, 0x01 = present), then, only when present,
//   byte epoch index and a big-endian 64-bit TOD. 10 bytes present, 1 missing.
import { types } from 'util';
import { invalidArgType } from './arg-errors';
import { Tod, assertTod } from './tod';

const FLAG_MISSING = 0x00;
const FLAG_PRESENT = 0x01;
const PRESENT_LENGTH = 10;

/** A migration section that is not a valid "todclock" v1 payload. */
export class TodSectionError extends Error {
  /** Always `'ERR_KVM_TOD_BAD_SECTION'`. */
  readonly code = 'ERR_KVM_TOD_BAD_SECTION';

  /** Always `'TodSectionError'`. */
  override get name(): string {
    return 'TodSectionError';
  }
}

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
    if (bytes.length !== 1) throw trailing(bytes.length, 1);
    return null;
  }
  if (flag !== FLAG_PRESENT) {
    throw new TodSectionError(
      `todclock section has unknown flag 0x${hex2(flag)}: expected 0x00 (missing), 0x01 (present) or a kvm-tod extended section ("KTOD")`,
    );
  }
  if (bytes.length < PRESENT_LENGTH) {
    throw new TodSectionError(
      `todclock section is truncated: ${bytes.length} bytes, a present value takes ${PRESENT_LENGTH}`,
    );
  }
  if (bytes.length > PRESENT_LENGTH) throw trailing(bytes.length, PRESENT_LENGTH);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return { high: bytes[1], low: view.getBigUint64(2, false) };
}

/** @internal */
export function assertBytes(bytes: unknown): asserts bytes is Uint8Array {
  // isUint8Array, not instanceof: a Proxy of one passes instanceof and then fails on
  // every read, and a Uint8Array from another realm fails instanceof.
  if (!types.isUint8Array(bytes)) throw invalidArgType('The "bytes" argument must be a Buffer or Uint8Array', bytes);
}

/** @internal */
export function trailing(length: number, expected: number): TodSectionError {
  return new TodSectionError(
    `todclock section has ${length - expected} trailing byte(s): ${length} bytes, expected ${expected}`,
  );
}

/** @internal */
export function hex2(n: number): string {
  return n.toString(16).padStart(2, '0');
}
