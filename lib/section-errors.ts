// What a migration section decoder says when the bytes are wrong: one error class per
// family, and the wording of each kind of fault built once, naming the format it is
// about (so a bad extended section does not call itself a todclock section).
import { types } from 'util';
import { invalidArgType } from './arg-errors';

/** The codes of {@link ClockSectionError}. */
export type ClockSectionErrorCode = 'ERR_KVM_TOD_BAD_SECTION' | 'ERR_KVM_TOD_SECTION_MISMATCH';

/**
 * Migration section bytes that cannot be loaded: malformed (`ERR_KVM_TOD_BAD_SECTION`), or
 * a section of the other clock (`ERR_KVM_TOD_SECTION_MISMATCH`: a TOD section for a
 * kvmclock clock or the reverse). Nothing was written when it is thrown.
 */
export class ClockSectionError extends Error {
  /** `'ERR_KVM_TOD_BAD_SECTION'` or `'ERR_KVM_TOD_SECTION_MISMATCH'`. */
  readonly code: ClockSectionErrorCode;

  /**
   * @param message what is wrong with the bytes
   * @param code `'ERR_KVM_TOD_BAD_SECTION'` (the default) or `'ERR_KVM_TOD_SECTION_MISMATCH'`
   * @throws nothing.
   */
  constructor(message: string, code: ClockSectionErrorCode = 'ERR_KVM_TOD_BAD_SECTION') {
    super(message);
    this.code = code;
  }

  /** `'ClockSectionError'` (`'TodSectionError'` for the subclass). */
  override get name(): string {
    return 'ClockSectionError';
  }
}

/** A migration section that is not a valid "todclock" v1 or kvm-tod extended v2 payload. */
export class TodSectionError extends ClockSectionError {
  /** Always `'ERR_KVM_TOD_BAD_SECTION'`. */
  declare readonly code: 'ERR_KVM_TOD_BAD_SECTION';

  /**
   * @param message what is wrong with the bytes
   * @throws nothing.
   */
  constructor(message: string) {
    super(message, 'ERR_KVM_TOD_BAD_SECTION');
  }

  /** Always `'TodSectionError'`. */
  override get name(): string {
    return 'TodSectionError';
  }
}

/** A section format, as its faults name it: e.g. "todclock section". */
export interface SectionFormat {
  /** How messages name it: "todclock section", "kvm-tod extended section", ... */
  readonly title: string;
  /** The error its decoder throws. */
  readonly error: (message: string) => ClockSectionError;
}

export const TODCLOCK: SectionFormat = { title: 'todclock section', error: (m) => new TodSectionError(m) };
export const EXTENDED: SectionFormat = { title: 'kvm-tod extended section', error: (m) => new TodSectionError(m) };
export const KVMCLOCK: SectionFormat = { title: 'kvm-tod kvmclock section', error: (m) => new ClockSectionError(m) };

/** Fewer bytes than `what` takes. */
export function truncated(format: SectionFormat, length: number, needed: number, what: string): ClockSectionError {
  return format.error(`${format.title} is truncated: ${length} bytes, ${what} takes ${needed}`);
}

/** More bytes than the section is long. */
export function trailing(format: SectionFormat, length: number, expected: number): ClockSectionError {
  return format.error(
    `${format.title} has ${length - expected} trailing byte(s): ${length} bytes, expected ${expected}`,
  );
}

/** A version this library does not read. */
export function unknownVersion(format: SectionFormat, version: number, reads: number): ClockSectionError {
  return format.error(`${format.title} has version ${version}: this kvm-tod reads version ${reads}`);
}

/** A flag byte that is neither "missing" nor "present". */
export function unknownFlag(
  format: SectionFormat,
  flag: number,
  expected = 'expected 0x00 (missing) or 0x01 (present)',
): ClockSectionError {
  return format.error(`${format.title} has unknown flag 0x${flag.toString(16).padStart(2, '0')}: ${expected}`);
}

/** `bytes` is a Uint8Array (a Buffer included), else ERR_INVALID_ARG_TYPE. */
export function assertBytes(bytes: unknown): asserts bytes is Uint8Array {
  // isUint8Array, not instanceof: a Proxy of one passes instanceof and then fails on
  // every read, and a Uint8Array from another realm fails instanceof.
  if (!types.isUint8Array(bytes)) throw invalidArgType('The "bytes" argument must be a Buffer or Uint8Array', bytes);
}

/** Whether `bytes` starts with the 4-byte `magic`. */
export function startsWith(bytes: Uint8Array, magic: Buffer): boolean {
  return bytes.length >= magic.length && magic.equals(bytes.subarray(0, magic.length));
}
