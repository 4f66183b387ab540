// QEMU's legacy "todclock" migration section, version 1:
//   byte flag (0x00 = value missing, 0x01 = present), then, only when present,
//   byte epoch index and a big-endian 64-bit TOD. 10 bytes present, 1 missing.
import { GuestClock } from './guest-clock';
import { Tod, assertTod } from './tod';
import { WarningCodes } from './warnings';

const FLAG_MISSING = 0x00;
const FLAG_PRESENT = 0x01;
const PRESENT_LENGTH = 10;

/** A migration section that is not a valid "todclock" v1 payload. */
export class TodSectionError extends Error {
  readonly code = 'ERR_KVM_TOD_BAD_SECTION';

  override get name(): string {
    return 'TodSectionError';
  }
}

/** The section for `tod`, or the 1-byte "missing" section for null. */
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
 * The Tod in a section, or null for "missing".
 * @throws {TypeError} `bytes` is not a Uint8Array (Buffer included).
 * @throws {TodSectionError} empty, an unknown flag, too short, or trailing bytes.
 */
export function decodeTodSection(bytes: Uint8Array): Tod | null {
  if (!(bytes instanceof Uint8Array)) {
    const error = new TypeError('The "bytes" argument must be a Buffer or Uint8Array');
    (error as TypeError & { code: string }).code = 'ERR_INVALID_ARG_TYPE';
    throw error;
  }
  if (bytes.length === 0) throw new TodSectionError('todclock section is empty: expected a flag byte');
  const flag = bytes[0];
  if (flag === FLAG_MISSING) {
    if (bytes.length !== 1) throw trailing(bytes.length, 1);
    return null;
  }
  if (flag !== FLAG_PRESENT) {
    throw new TodSectionError(`todclock section has unknown flag 0x${hex2(flag)}: expected 0x00 (missing) or 0x01 (present)`);
  }
  if (bytes.length < PRESENT_LENGTH) {
    throw new TodSectionError(`todclock section is truncated: ${bytes.length} bytes, a present value takes ${PRESENT_LENGTH}`);
  }
  if (bytes.length > PRESENT_LENGTH) throw trailing(bytes.length, PRESENT_LENGTH);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return { high: bytes[1], low: view.getBigUint64(2, false) };
}

/**
 * Migration source: the section to send. A clock that cannot be read gives the
 * "missing" section and a KVM_TOD_NOT_MIGRATED warning, not a failure. (rule 4)
 */
export function saveTodSection(clock: GuestClock<Tod>): Buffer {
  let tod: Tod;
  try {
    tod = clock.save();
  } catch (error) {
    clock.warnWith(WarningCodes.NOT_MIGRATED, 'could not read the guest clock; it will not be migrated', error);
    clock.publishFallback('save', error);
    return encodeTodSection(null);
  }
  return encodeTodSection(tod);
}

/**
 * Migration destination: decodes and loads a section (rule 5). A "missing" section
 * only warns (KVM_TOD_NOT_MIGRATED).
 * @throws {TodSectionError} malformed bytes; whatever `clock.load` throws.
 */
export function loadTodSection(clock: GuestClock<Tod>, bytes: Uint8Array): void {
  const tod = decodeTodSection(bytes);
  if (tod === null) {
    clock.warnWith(WarningCodes.NOT_MIGRATED, 'the incoming migration carried no guest clock; it was not migrated');
    clock.publishFallback('load', null);
    return;
  }
  clock.load(tod);
}

function trailing(length: number, expected: number): TodSectionError {
  return new TodSectionError(`todclock section has ${length - expected} trailing byte(s): ${length} bytes, expected ${expected}`);
}

function hex2(n: number): string {
  return n.toString(16).padStart(2, '0');
}
