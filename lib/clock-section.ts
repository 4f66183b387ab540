// The guest clock across migration, for either clock: which section a source sends and
// what a destination does with what it gets (rules 4 and 5 of docs/rules.md, and the downtime under
// 'catch-up'). The TOD-only calls in migration.ts are these with the kind fixed.
import { OptionNames, describeValue, invalidArgType, invalidArgValue, optionsObject } from './arg-errors';
import type { ClockKind } from './devices/clock-device';
import { PAST_THE_END, judgeSourceWallTime, notBehind } from './downtime';
import { decodeExtendedSection, encodeExtendedSection, isExtendedSection } from './extended-section';
import { GuestClock } from './guest-clock';
import { hostUnixNsAt } from './host-tod';
import * as internal from './internals';
import { decodeKvmClockSection, encodeKvmClockSection, isKvmClockSection } from './kvmclock-section';
import { ClockSectionError, assertBytes } from './section-errors';
import { Tod } from './tod';
import { decodeTodclockSection, encodeTodSection } from './todclock-section';
import { WarningCodes } from './warnings';

/** A guest clock's value: a {@link Tod} (s390x) or kvmclock nanoseconds (x86). */
export type ClockValue = Tod | bigint;

/**
 * The section formats: 'todclock' (QEMU's v1, s390 TOD), 'extended' (kvm-tod's v2 for the
 * TOD, with the source's wall time; on a kvmclock clock the same as 'kvmclock'), 'kvmclock'
 * (kvm-tod's kvmclock section, which always carries the wall time).
 */
export type ClockSectionFormat = 'todclock' | 'extended' | 'kvmclock';

/** Options of {@link saveClockSection}. */
export interface SaveClockSectionOptions {
  /**
   * The section to send. An s390 TOD clock: 'todclock' (the default, QEMU's 10 bytes) or
   * 'extended' (23 bytes: adds the source's wall time, so a 'catch-up' destination counts
   * the downtime). A kvmclock clock: 'kvmclock' (the default; 'extended' means the same),
   * 22 bytes with the wall time.
   */
  format?: ClockSectionFormat;
}

const FORMATS: readonly unknown[] = ['todclock', 'extended', 'kvmclock'];
const SAVE_OPTIONS: OptionNames<SaveClockSectionOptions> = { format: true };
const CLOCK_TITLE: Record<ClockKind, string> = { tod: 'an s390 TOD clock', kvmclock: 'an x86 kvmclock clock' };
const SECTION_TITLE: Record<ClockKind, string> = {
  tod: 'an s390 TOD section (todclock or extended)',
  kvmclock: 'a kvmclock section',
};

/**
 * Migration source: the section to send for this clock, of its kind: QEMU's todclock or
 * kvm-tod's extended section for an s390 TOD clock (the very bytes of
 * {@link saveTodSection}), kvm-tod's kvmclock section for a kvmclock clock. While the clock
 * is held, the held value and no ioctl (rule 4 of docs/rules.md); a clock that cannot be read gives the
 * "missing" section of its kind and a `KVM_TOD_NOT_MIGRATED` warning, not a failure.
 * @throws {TypeError} `ERR_INVALID_ARG_TYPE`: `clock` is not a GuestClock or `options` not an
 *   object; `ERR_INVALID_ARG_VALUE`: `options.format` is not 'todclock', 'extended' or
 *   'kvmclock', or is the other clock's ('kvmclock' for a TOD clock, 'todclock' for a kvmclock),
 *   or `options` has a key that is not an option.
 *   Nothing for a failed read, which becomes the "missing" section and a warning; a
 *   `TypeError`/`RangeError` only if the device's read returned a value of neither kind.
 */
export function saveClockSection(clock: GuestClock<ClockValue>, options: SaveClockSectionOptions = {}): Buffer {
  assertClock(clock);
  const { format } = optionsObject(options, SAVE_OPTIONS);
  if (format !== undefined && !FORMATS.includes(format)) {
    throw invalidArgValue(`The "options.format" property must be 'todclock', 'extended' or 'kvmclock'`, format);
  }
  return saveSection(clock, format);
}

/**
 * Migration destination: decodes and loads a section of the clock's kind, written at
 * once so a bad value or a broken KVM fails the load now (rule 5 of docs/rules.md); a VM that is not
 * running holds it until it runs. A "missing" section only warns (`KVM_TOD_NOT_MIGRATED`).
 * A section with the source's wall time (extended, kvmclock) loaded under 'catch-up' (or a
 * policy function answering it for the downtime) adds the time since the source took the
 * value; a source whose wall clock is ahead of ours would move the guest backwards, so
 * nothing is added then (`KVM_TOD_SOURCE_CLOCK_AHEAD`). Nor for a wall time at or before
 * 1970 or further back than the clock's `maxDowntimeNs` (30 days by default), nor where the
 * catch-up would carry the clock past its last value (`KVM_TOD_DOWNTIME_REFUSED`): the clock
 * is then held as under freeze. These warn whatever the policy.
 * @throws {TypeError} `ERR_INVALID_ARG_TYPE`: `clock` is not a GuestClock, or `bytes` is not a
 *   Uint8Array (Buffer included).
 * @throws {ClockSectionError} `ERR_KVM_TOD_SECTION_MISMATCH`: a section of the other clock (a
 *   TOD section for a kvmclock clock or the reverse); `ERR_KVM_TOD_BAD_SECTION`: malformed
 *   bytes (a {@link TodSectionError} for the TOD formats). Nothing is written then.
 * @throws whatever the device's write throws (a {@link KvmError}); the clock's state is then
 *   unchanged.
 */
export function loadClockSection(clock: GuestClock<ClockValue>, bytes: Uint8Array): void {
  assertClock(clock);
  assertBytes(bytes);
  loadSection(clock, bytes);
}

/** @internal saveClockSection without the argument checks; `only` restricts the clock's kind. */
export function saveSection(clock: GuestClock<ClockValue>, format: unknown, only?: ClockKind): Buffer {
  const deviceKind = kindOfDevice(clock);
  if (only !== undefined && deviceKind !== undefined && deviceKind !== only) {
    throw invalidArgValue(
      `The "clock" argument must be ${CLOCK_TITLE[only]}; this is ${CLOCK_TITLE[deviceKind]}`,
      clock,
    );
  }
  const formatKind: ClockKind | undefined =
    format === 'todclock' ? 'tod' : format === 'kvmclock' ? 'kvmclock' : undefined;
  if (deviceKind !== undefined && formatKind !== undefined && formatKind !== deviceKind) {
    const which = `is for ${CLOCK_TITLE[formatKind]}; this is ${CLOCK_TITLE[deviceKind]}`;
    throw invalidArgValue(`The "options.format" property ${describeValue(format)} ${which}`, format);
  }
  const kind = only ?? deviceKind ?? formatKind;
  let saved: { value: ClockValue; wallNs: bigint };
  try {
    saved = clock[internal.saveAt]();
  } catch (error) {
    clock[internal.warnWith](
      WarningCodes.NOT_MIGRATED,
      'could not read the guest clock; it will not be migrated',
      error,
    );
    clock[internal.publishFallback]('save', error);
    if (kind === 'kvmclock') return encodeKvmClockSection(null);
    return format === 'extended' ? encodeExtendedSection(null, 0n) : encodeTodSection(null);
  }
  const { value, wallNs } = saved;
  if ((kind ?? (typeof value === 'bigint' ? 'kvmclock' : 'tod')) === 'kvmclock') {
    return encodeKvmClockSection(value as bigint, wallNs);
  }
  return format === 'extended' ? encodeExtendedSection(value as Tod, wallNs) : encodeTodSection(value as Tod);
}

/** @internal loadClockSection without the argument checks; `only` restricts the section's kind. */
export function loadSection(clock: GuestClock<ClockValue>, bytes: Uint8Array, only?: ClockKind): void {
  const clockKind = kindOfDevice(clock);
  // Bytes that look like neither section are decoded as the clock's own, for the
  // precise complaint; bytes of the other kind are refused before a decode.
  const sectionKind = kindOfSection(bytes) ?? only ?? clockKind ?? 'tod';
  for (const expected of [only, clockKind]) {
    if (expected !== undefined && expected !== sectionKind) {
      throw new ClockSectionError(
        `${SECTION_TITLE[sectionKind]} cannot be loaded into ${CLOCK_TITLE[expected]}; nothing was written`,
        'ERR_KVM_TOD_SECTION_MISMATCH',
      );
    }
  }
  const section = decodeSection(sectionKind, bytes);
  if (section.value === null) {
    clock[internal.warnWith](
      WarningCodes.NOT_MIGRATED,
      'the incoming migration carried no guest clock; it was not migrated',
    );
    clock[internal.publishFallback]('load', null);
    return;
  }
  if (section.sourceWallNs === undefined) return clock.load(section.value);
  const { value, trueAt } = withDowntime(clock, section.value, section.sourceWallNs);
  clock[internal.loadAt](value, trueAt);
}

/** @internal A TOD section of either format. */
export function decodeTodSections(bytes: Uint8Array): {
  format: 'todclock-v1' | 'kvm-tod-v2';
  tod: Tod | null;
  sourceWallNs?: bigint;
} {
  assertBytes(bytes);
  if (isExtendedSection(bytes)) return { format: 'kvm-tod-v2', ...decodeExtendedSection(bytes) };
  return { format: 'todclock-v1', tod: decodeTodclockSection(bytes) };
}

function decodeSection(kind: ClockKind, bytes: Uint8Array): { value: ClockValue | null; sourceWallNs?: bigint } {
  if (kind === 'kvmclock') {
    const { clock, sourceWallNs } = decodeKvmClockSection(bytes);
    return { value: clock, sourceWallNs };
  }
  const { tod, sourceWallNs } = decodeTodSections(bytes);
  return { value: tod, sourceWallNs };
}

function kindOfSection(bytes: Uint8Array): ClockKind | undefined {
  if (isKvmClockSection(bytes)) return 'kvmclock';
  if (isExtendedSection(bytes) || bytes[0] === 0x00 || bytes[0] === 0x01) return 'tod';
  return undefined;
}

function kindOfDevice(clock: GuestClock<ClockValue>): ClockKind | undefined {
  const kind: unknown = clock.device.clockKind;
  return kind === 'tod' || kind === 'kvmclock' ? kind : undefined;
}

/** @internal */
export function assertClock(clock: unknown): asserts clock is GuestClock<ClockValue> {
  if (!(clock instanceof GuestClock)) throw invalidArgType('The "clock" argument must be a GuestClock', clock);
}

// The value to load: moved on by the downtime the source's wall time implies where the
// policy catches up and that downtime is believable (downtime.ts), else the value as sent.
// Judged whatever the policy: a source whose clock is wrong is worth a warning under
// freeze too, before a catch-up ever believes it. A caught-up value was the guest's time
// at `trueAt` (host monotonic), the instant the downtime was measured: the hold counts
// from there, so the time this load takes (ms under emulation) is not lost at cont.
function withDowntime(
  clock: GuestClock<ClockValue>,
  value: ClockValue,
  sourceWallNs: bigint,
): { value: ClockValue; trueAt?: bigint } {
  const trueAt = process.hrtime.bigint();
  const verdict = judgeSourceWallTime(sourceWallNs, hostUnixNsAt(trueAt), clock.maxDowntimeNs);
  if (!verdict.believed) {
    clock[internal.warnWith](verdict.code, verdict.message);
    return { value };
  }
  if (clock[internal.policyFor](verdict.downtimeNs) !== 'catch-up') return { value };
  const advanced = clock.device.advance!(value, verdict.downtimeNs);
  if (notBehind(value, advanced)) return { value: advanced, trueAt };
  clock[internal.warnWith](WarningCodes.DOWNTIME_REFUSED, PAST_THE_END);
  return { value };
}
