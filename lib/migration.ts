// The guest clock across migration: which section to send, and what a destination
// does with what it gets (rules 4 and 5, and the downtime under 'catch-up').
import { invalidArgType, invalidArgValue, optionsObject } from './arg-errors';
import { ExtendedSection, decodeExtendedSection, encodeExtendedSection, isExtendedSection } from './extended-section';
import { GuestClock } from './guest-clock';
import { hostUnixNs } from './host-tod';
import { Tod } from './tod';
import { assertBytes, decodeTodclockSection, encodeTodSection } from './todclock-section';
import { WarningCodes } from './warnings';

export { encodeTodSection, TodSectionError } from './todclock-section';

/** A decoded migration section of either format. */
export interface MigrationSection extends ExtendedSection {
  /** Which format the bytes were: QEMU's todclock v1, or kvm-tod's extended v2. */
  format: 'todclock-v1' | 'kvm-tod-v2';
}

/** Options of {@link saveTodSection}. */
export interface SaveTodSectionOptions {
  /**
   * 'todclock' (default): QEMU's v1 section, 10 bytes. 'extended': kvm-tod's v2 section,
   * which adds the source host's wall time so a 'catch-up' destination can count the downtime.
   */
  format?: 'todclock' | 'extended';
}

/**
 * Either format, told apart by its first bytes.
 * @throws {TypeError} `bytes` is not a Uint8Array.
 * @throws {TodSectionError} anything that is neither a valid todclock v1 nor kvm-tod v2 section.
 */
export function decodeMigrationSection(bytes: Uint8Array): MigrationSection {
  assertBytes(bytes);
  if (isExtendedSection(bytes)) return { format: 'kvm-tod-v2', ...decodeExtendedSection(bytes) };
  return { format: 'todclock-v1', tod: decodeTodclockSection(bytes) };
}

/**
 * The Tod in a section of either format, or null for "missing".
 * @throws {TypeError} `bytes` is not a Uint8Array (Buffer included).
 * @throws {TodSectionError} empty, an unknown flag or format, too short, or trailing bytes.
 */
export function decodeTodSection(bytes: Uint8Array): Tod | null {
  return decodeMigrationSection(bytes).tod;
}

/**
 * Migration source: the section to send. A clock that cannot be read gives the
 * "missing" section and a KVM_TOD_NOT_MIGRATED warning, not a failure. (rule 4)
 * @throws {TypeError} `ERR_INVALID_ARG_TYPE`: `clock` is not a GuestClock or `options` not an
 *   object; `ERR_INVALID_ARG_VALUE`: `options.format` is neither 'todclock' nor 'extended'.
 *   Nothing for a failed read, which becomes the "missing" section and a warning; a
 *   `TypeError`/`RangeError` only if the device's read returned something not a Tod.
 */
export function saveTodSection(clock: GuestClock<Tod>, options: SaveTodSectionOptions = {}): Buffer {
  assertClock(clock);
  const { format = 'todclock' } = optionsObject(options);
  if (format !== 'todclock' && format !== 'extended') {
    throw invalidArgValue(`The "options.format" property must be 'todclock' or 'extended'`, format);
  }
  const extended = format === 'extended';
  let saved: { value: Tod; wallNs: bigint };
  try {
    saved = clock.saveAt();
  } catch (error) {
    clock.warnWith(WarningCodes.NOT_MIGRATED, 'could not read the guest clock; it will not be migrated', error);
    clock.publishFallback('save', error);
    return extended ? encodeExtendedSection(null, 0n) : encodeTodSection(null);
  }
  return extended ? encodeExtendedSection(saved.value, saved.wallNs) : encodeTodSection(saved.value);
}

/**
 * Migration destination: decodes and loads a section of either format (rule 5). A
 * "missing" section only warns (KVM_TOD_NOT_MIGRATED). An extended section loaded
 * under 'catch-up' adds the time since the source took the value; a source whose wall
 * clock is ahead of ours would move the guest backwards, so nothing is added then
 * (KVM_TOD_SOURCE_CLOCK_AHEAD).
 * @throws {TypeError} `ERR_INVALID_ARG_TYPE`: `clock` is not a GuestClock, or `bytes` is not a
 *   Uint8Array (Buffer included).
 * @throws {TodSectionError} malformed bytes; the clock is then untouched.
 * @throws whatever `clock.load` throws: the device's write error (a {@link KvmError}); the
 *   clock's state is then unchanged.
 */
export function loadTodSection(clock: GuestClock<Tod>, bytes: Uint8Array): void {
  assertClock(clock);
  const section = decodeMigrationSection(bytes);
  if (section.tod === null) {
    clock.warnWith(WarningCodes.NOT_MIGRATED, 'the incoming migration carried no guest clock; it was not migrated');
    clock.publishFallback('load', null);
    return;
  }
  clock.load(section.sourceWallNs === undefined ? section.tod : withDowntime(clock, section.tod, section.sourceWallNs));
}

function assertClock(clock: unknown): asserts clock is GuestClock<Tod> {
  if (!(clock instanceof GuestClock)) throw invalidArgType('The "clock" argument must be a GuestClock', clock);
}

function withDowntime(clock: GuestClock<Tod>, tod: Tod, sourceWallNs: bigint): Tod {
  const downtimeNs = hostUnixNs() - sourceWallNs;
  if (downtimeNs < 0n) {
    clock.warnWith(
      WarningCodes.SOURCE_CLOCK_AHEAD,
      `the source host's clock is ${Number(-downtimeNs) / 1e6} ms ahead of this host's; no downtime was added`,
    );
    return tod;
  }
  if (clock.policyFor(downtimeNs) !== 'catch-up') return tod;
  return clock.device.advance!(tod, downtimeNs);
}
