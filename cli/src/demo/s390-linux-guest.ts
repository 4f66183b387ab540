// `kvm-tod demo --guest linux` on s390x: the QEMU commit's own case. An s390x Linux guest (the
// s390 box's Debian 6.1 kernel and the project's initramfs) under the project's Node VMM
// (@kvm-tod/vmm-s390-linux), stopped for the pause and continued on one boot: with kvm-tod's
// hold first (it leaves the kernel as it found it), then without the library. What the guest
// printed is the result: how far its clocks leapt and what its kernel said about it.
import * as path from 'path';
import type { Hold, KernelComplaint, Phase, PauseRunResult, PhaseResult } from '@kvm-tod/vmm-s390-linux';
import { CliError, describeError } from '../command-line';
import { formatDuration, renderTable, REPORT_WIDTH, wrapLine } from '../text';
import { checkKvm } from './linux-guest';

export interface S390LinuxDemoOptions {
  pauseMs: number;
  /** 'none' (the VMM without kvm-tod) and the library's holds, in any order. */
  holds: Hold[];
  json: boolean;
  wide: boolean;
}

type S390LinuxVmm = typeof import('@kvm-tod/vmm-s390-linux');

/**
 * Without the library the kernel complains only when the stop caught a grace period in flight,
 * which a busy guest has most of the time, not always: the pause is tried up to this often.
 */
const NONE_ATTEMPTS = 3;

const LABEL: Record<Hold, string> = {
  none: 'without kvm-tod',
  freeze: "kvm-tod 'freeze'",
  'catch-up': "kvm-tod 'catch-up'",
};

export const S390_LINUX_FIRST_LINE =
  "kvm-tod demo --guest linux: Debian's s390x 6.1 kernel under the project's Node VMM " +
  "(@kvm-tod/vmm-s390-linux), one vCPU on its own thread, on this host's s390 KVM";

const signed = (ms: number): string => `${ms >= 0 ? '+' : ''}${ms.toFixed(1)} ms`;

/**
 * What each hold should show, as the package's tests check it: 'freeze' goes on where it
 * stopped and the kernel says nothing; 'catch-up' and no library leap by the pause (s390 has no
 * pause notice such as x86's KVMCLOCK_CTRL, so what the kernel says then is reported, not judged).
 */
export function s390PhasePasses(p: PhaseResult): boolean {
  const tolerance = 0.05 * p.pauseMs;
  if (p.clockLinesAfter === 0) return false;
  if (p.hold === 'freeze') return Math.abs(p.leapMs) < tolerance && p.kernelComplaints.length === 0;
  return Math.abs(p.leapMs - p.pauseMs) < tolerance;
}

/** The phases the VMM runs: the library's holds first, then the pause without it. */
export function s390Phases(holds: Hold[], pauseMs: number): Phase[] {
  const ordered = [...holds.filter((h) => h !== 'none'), ...holds.filter((h) => h === 'none')];
  return ordered.map((hold) =>
    hold === 'none' ? { hold, pauseMs, untilComplaint: NONE_ATTEMPTS } : { hold, pauseMs },
  );
}

/** The last try of each phase (a phase without the library may have been tried more than once). */
function lastTries(phases: PhaseResult[]): PhaseResult[] {
  return phases.filter((p, i) => phases[i + 1]?.hold !== p.hold);
}

function kinds(list: KernelComplaint[]): string {
  const counts = new Map<string, number>();
  for (const c of list) counts.set(c.kind, (counts.get(c.kind) ?? 0) + 1);
  return [...counts].map(([k, n]) => `${k} x${n}`).join(', ');
}

/** The report for people: the table, then what the kernel said. */
export function s390LinuxTextReport(run: PauseRunResult, options: { pauseMs: number; wide: boolean }): string[] {
  const width = options.wide ? Infinity : REPORT_WIDTH;
  const shown = lastTries(run.phases);
  const rows = shown.map((p) => [
    LABEL[p.hold],
    p.attempt > 1
      ? `${formatDuration(Math.round(p.pauseMs))} (try ${p.attempt})`
      : formatDuration(Math.round(p.pauseMs)),
    signed(p.leapMs),
    signed(p.realtimeLeapMs),
    options.wide && p.kernelComplaints.length
      ? `${p.kernelComplaints.length} (${kinds(p.kernelComplaints)})`
      : String(p.kernelComplaints.length),
    p.hold === 'none' ? '-' : `${p.calls.reads}r/${p.calls.writes}w`,
    s390PhasePasses(p) ? 'ok' : 'FAIL',
  ]);
  const lines = [
    ...wrapLine(
      `the guest booted in ${(run.bootMs / 1000).toFixed(1)} s (its uptime then ` +
        `${(run.bootUptimeMs / 1000).toFixed(1)} s, clocksource ${run.clocksource}); pause ` +
        `${formatDuration(options.pauseMs)}; the guest's clock leap is read from its own clock lines`,
      width,
    ),
    '',
    ...renderTable(
      [
        { header: 'scenario' },
        { header: 'pause', align: 'right' },
        { header: 'guest leap (monotonic)', align: 'right' },
        { header: '(realtime)', align: 'right' },
        { header: 'kernel complaints' },
        { header: 'TOD reads/writes' },
        { header: 'result' },
      ],
      rows,
    ),
  ];
  for (const p of shown) {
    if (p.kernelComplaints.length === 0) continue;
    lines.push(
      '',
      ...wrapLine(`what the guest's kernel said, ${LABEL[p.hold]} (${kinds(p.kernelComplaints)}):`, width),
    );
    for (const c of p.kernelComplaints) lines.push(...wrapLine(`  ${c.text}`, width));
  }
  const quietNone = shown.find((p) => p.hold === 'none' && p.kernelComplaints.length === 0);
  if (quietNone) {
    lines.push(
      '',
      ...wrapLine(
        `without kvm-tod the kernel said nothing in ${quietNone.attempt} pause(s): it complains when the stop ` +
          'catches an RCU grace period in flight (vmm/s390-linux/README.md)',
        width,
      ),
    );
  }
  return lines;
}

/** The `--json` document: names that say which side saw what ("guest"). */
export function s390LinuxJson(run: PauseRunResult, kernel: string): object {
  const phases = run.phases.map((p) => ({
    hold: p.hold,
    attempt: p.attempt,
    pass: s390PhasePasses(p),
    pauseMs: p.pauseMs,
    libraryCalls: p.calls,
    guest: {
      leapMs: p.leapMs,
      realtimeLeapMs: p.realtimeLeapMs,
      clockLinesAfter: p.clockLinesAfter,
      kernelComplaints: p.kernelComplaints,
      lines: p.excerpt,
    },
    warnings: p.warnings,
  }));
  return {
    guest: 'linux',
    arch: 's390x',
    kernel,
    cmdline: run.cmdline,
    pass: lastTries(run.phases).every(s390PhasePasses),
    guestBoot: {
      bootMs: run.bootMs,
      uptimeMs: run.bootUptimeMs,
      clocksource: run.clocksource,
      facilities: run.guestFacilities,
      kernelComplaints: run.bootComplaints,
    },
    scenarios: phases,
    vmmNotes: run.notes,
  };
}

async function loadVmm(): Promise<S390LinuxVmm> {
  try {
    return await import('@kvm-tod/vmm-s390-linux');
  } catch (error) {
    throw new CliError(
      'kvm-tod demo --guest linux: the s390 Linux VMM (@kvm-tod/vmm-s390-linux) is not usable here: ' +
        describeError(error),
      3,
    );
  }
}

/** Runs the s390x Linux demo; returns the exit status. */
export async function s390LinuxDemo(options: S390LinuxDemoOptions): Promise<number> {
  checkKvm('s390 box', 'npm run s390-box -- kvm-tod demo --guest linux');
  const vmm = await loadVmm();
  let files: { kernel: string; initrd: string };
  try {
    files = vmm.guestFiles();
  } catch (error) {
    throw new CliError(`kvm-tod demo --guest linux: ${describeError(error)}`, 3);
  }
  const width = options.wide ? Infinity : REPORT_WIDTH;
  const say = (line: string): void => {
    if (!options.json) process.stdout.write(`${wrapLine(line, width).join('\n')}\n`);
  };
  say(S390_LINUX_FIRST_LINE);
  say('  booting the guest (minutes on an emulated CPU) ...');
  const run = await vmm.runPauses({
    ...files,
    settings: vmm.stallSettings,
    phases: s390Phases(options.holds, options.pauseMs),
    watchMs: 10_000,
    onPhase: (event, phase) => {
      if (event === 'stop') say(`  stop, ${formatDuration(phase.pauseMs)}, cont: ${LABEL[phase.hold]} ...`);
    },
  });
  const pass = lastTries(run.phases).every(s390PhasePasses);
  if (options.json) {
    process.stdout.write(`${JSON.stringify(s390LinuxJson(run, path.basename(files.kernel)), null, 2)}\n`);
  } else {
    process.stdout.write(`${s390LinuxTextReport(run, options).join('\n')}\n`);
  }
  return pass ? 0 : 1;
}
