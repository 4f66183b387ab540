// The s390 TOD's migration calls: QEMU's todclock section and kvm-tod's extended one.
// saveClockSection / loadClockSection (clock-section.ts) do the same for either clock;
// these keep the TOD-only names and types.
import { OptionNames, invalidArgValue, optionsObject } from './arg-errors';
import { ExtendedSection } from './extended-section';
import { assertClock, decodeTodSections, loadSection, saveSection } from './clock-section';
import { GuestClock } from './guest-clock';
import { assertBytes } from './section-errors';
import { Tod } from './tod';

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

const SAVE_OPTIONS: OptionNames<SaveTodSectionOptions> = { format: true };

/**
 * Either TOD format, told apart by its first bytes.
 * @throws {TypeError} `bytes` is not a Uint8Array.
 * @throws {TodSectionError} anything that is neither a valid todclock v1 nor kvm-tod v2 section.
 */
export function decodeMigrationSection(bytes: Uint8Array): MigrationSection {
  return decodeTodSections(bytes);
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
 * Migration source: the section to send for an s390 TOD clock ({@link saveClockSection}
 * does this for either clock). A clock that cannot be read gives the "missing" section
 * and a KVM_TOD_NOT_MIGRATED warning, not a failure (rule 4 of docs/rules.md).
 * @throws {TypeError} `ERR_INVALID_ARG_TYPE`: `clock` is not a GuestClock or `options` not an
 *   object; `ERR_INVALID_ARG_VALUE`: `options.format` is neither 'todclock' nor 'extended',
 *   `options` has a key that is not an option, or `clock` is a kvmclock clock. Nothing for
 *   a failed read, which becomes the "missing" section and a warning; a
 *   `TypeError`/`RangeError` only if the device's read returned something not a Tod.
 */
export function saveTodSection(clock: GuestClock<Tod>, options: SaveTodSectionOptions = {}): Buffer {
  assertClock(clock);
  const { format = 'todclock' } = optionsObject(options, SAVE_OPTIONS);
  if (format !== 'todclock' && format !== 'extended') {
    throw invalidArgValue(`The "options.format" property must be 'todclock' or 'extended'`, format);
  }
  return saveSection(clock, format, 'tod');
}

/**
 * Migration destination: decodes and loads a TOD section of either format (rule 5 of docs/rules.md); see
 * {@link loadClockSection}, which does this for either clock. A "missing" section only
 * warns (KVM_TOD_NOT_MIGRATED). An extended section loaded under 'catch-up' adds the time
 * since the source took the value; a source whose wall clock is ahead of ours would move
 * the guest backwards, so nothing is added then (KVM_TOD_SOURCE_CLOCK_AHEAD), nor for a
 * wall time at or before 1970 or further back than the clock's `maxDowntimeNs`
 * (KVM_TOD_DOWNTIME_REFUSED): the clock is then held as under freeze.
 * @throws {TypeError} `ERR_INVALID_ARG_TYPE`: `clock` is not a GuestClock, or `bytes` is not a
 *   Uint8Array (Buffer included).
 * @throws {TodSectionError} malformed bytes; the clock is then untouched.
 * @throws {ClockSectionError} `ERR_KVM_TOD_SECTION_MISMATCH`: a kvmclock section, or a
 *   kvmclock clock; nothing is written.
 * @throws whatever `clock.load` throws: the device's write error (a {@link KvmError}); the
 *   clock's state is then unchanged.
 */
export function loadTodSection(clock: GuestClock<Tod>, bytes: Uint8Array): void {
  assertClock(clock);
  assertBytes(bytes);
  loadSection(clock, bytes, 'tod');
}
