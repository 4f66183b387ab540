// `kvm-tod demo --guest linux`: the symptom itself. A Linux guest (Debian's 6.1 kernel and
// the project's initramfs) booted by the project's own Node VMM (@kvm-tod/vmm-linux),
// stopped for the pause and continued: without kvm-tod, with
// 'freeze' and with 'catch-up' (both with the pause notice). The result is what the guest
// itself printed: how far its clocks leapt and what its kernel said.
import * as path from 'path';
import type {
  Calls,
  GuestSettings,
  Hold,
  KernelComplaint,
  QemuScenariosResult,
  ScenarioResult,
  StopContResult,
} from '@kvm-tod/vmm-linux';
import { closeFd, openKvm } from 'kvm-tod';
import { CliError, describeError } from '../command-line';
import { formatDuration, renderTable } from '../text';

/** The holds the Linux demo compares; 'none' is the VMM without kvm-tod. */
export type LinuxHold = Hold;

export interface LinuxDemoOptions {
  pauseMs: number;
  holds: LinuxHold[];
  json: boolean;
}

type QemuScenario = ScenarioResult;
type LinuxVmm = typeof import('@kvm-tod/vmm-linux');

type MovedScenario = 'stopCont' | 'liveMigration' | 'offlineMigration';
const MOVED: { key: MovedScenario; title: string }[] = [
  { key: 'stopCont', title: '4 stop, stop, pause, cont, cont' },
  { key: 'liveMigration', title: '2 live migration' },
  { key: 'offlineMigration', title: '3 offline migration' },
];

/** The guest's load and watchdogs: a busy task, soft lockup after 2 s, RCU stall after 3 s. */
const SETTINGS: GuestSettings = { tickMs: 250, busy: true, watchdogThresh: 1, rcuStallTimeout: 3 };

/** The Linux VMM package, loaded only when the Linux demo runs (its addon is x86_64 only). */
async function loadVmm(): Promise<LinuxVmm> {
  try {
    return await import('@kvm-tod/vmm-linux');
  } catch (error) {
    throw new CliError(
      `kvm-tod demo --guest linux: the Linux VMM (@kvm-tod/vmm-linux) is not usable here: ${describeError(error)}`,
      3,
    );
  }
}

const LABEL: Record<LinuxHold, string> = {
  none: 'without kvm-tod',
  freeze: "kvm-tod 'freeze' + pause notice",
  'catch-up': "kvm-tod 'catch-up' + pause notice",
};

const signed = (ms: number): string => `${ms >= 0 ? '+' : ''}${ms.toFixed(1)} ms`;

/** What each hold should show: the leap it should have, and that kvm-tod silences the kernel. */
function passes(r: StopContResult): boolean {
  const tolerance = 0.05 * r.pauseMs;
  const about = r.kernelComplaints.filter((c) => c.aboutPause).length;
  if (r.hold === 'freeze') return Math.abs(r.leapMs) < tolerance && about === 0;
  if (r.hold === 'catch-up') return Math.abs(r.leapMs - r.pauseMs) < tolerance && about === 0;
  return Math.abs(r.leapMs - r.pauseMs) < tolerance;
}

/** Scenario 1: the guest's clocks run at the host's rate and start at its time; the library does nothing. */
function simpleStartPasses(r: QemuScenariosResult): boolean {
  const s = r.simpleStart;
  const quiet = r.hold === 'none' || (s.calls.reads === 0 && s.calls.writes === 0);
  return Math.abs(s.rateError) < 0.05 && Math.abs(s.realtimeOffsetMs) < 2000 && quiet;
}

/**
 * Scenarios 2-4, as the tests check them: without kvm-tod the guest leaps by the pause (on a
 * new VM: by the downtime plus how far that VM's own kvmclock was ahead); with 'freeze' it goes
 * on where it stopped, with 'catch-up' it catches up by the pause, and with either the
 * kernel says nothing about it. The guest must run after it, wherever it went.
 */
function movedPasses(hold: LinuxHold, s: QemuScenario): boolean {
  const tolerance = 0.05 * s.pauseMs;
  const about = s.kernelComplaints.filter((c) => c.aboutPause).length;
  if (s.linesAfter === 0) return false;
  if (hold === 'none') return Math.abs(s.leapMs - (s.ownClockLeapMs || s.pauseMs)) < tolerance;
  const target = hold === 'freeze' ? 0 : s.pauseMs;
  return Math.abs(s.leapMs - target) < tolerance && about === 0;
}

function qemuPasses(r: QemuScenariosResult): boolean {
  return simpleStartPasses(r) && MOVED.every(({ key }) => movedPasses(r.hold, r[key]));
}

function callsText(calls: Record<string, Calls>): string {
  const parts = Object.entries(calls).map(([vm, c]) => `${vm} ${c.reads}r/${c.writes}w`);
  return parts.length ? parts.join(', ') : '-';
}

function qemuReport(results: QemuScenariosResult[], pauseMs: number): string[] {
  const rows: string[][] = [];
  for (const r of results) {
    const s = r.simpleStart;
    rows.push([
      LABEL[r.hold],
      '1 simple start',
      '-',
      `rate ${(s.rateError * 100).toFixed(2)}%`,
      `realtime ${signed(s.realtimeOffsetMs)} vs host`,
      '-',
      r.hold === 'none' ? '-' : `${s.calls.reads}r/${s.calls.writes}w`,
      simpleStartPasses(r) ? 'ok' : 'FAIL',
    ]);
    for (const { key, title } of MOVED) {
      const m = r[key];
      const about = m.kernelComplaints.filter((c) => c.aboutPause);
      rows.push([
        LABEL[r.hold],
        title,
        `${(m.pauseMs / 1000).toFixed(1)} s`,
        signed(m.leapMs),
        key === 'stopCont' || r.hold !== 'none' ? '' : `own clock ${signed(m.ownClockLeapMs)}`,
        about.length ? `${about.length} (${kinds(about)})` : '0',
        r.hold === 'none' ? '-' : callsText(m.calls),
        movedPasses(r.hold, m) ? 'ok' : 'FAIL',
      ]);
    }
  }
  return [
    '',
    `the QEMU commit's four scenarios, one boot each: the guest moves to a second VM (live) and a third ` +
      `(offline) with its RAM and KVM state; pause and downtime ${formatDuration(pauseMs)}`,
    '',
    ...renderTable(
      [
        { header: 'hold' },
        { header: 'scenario' },
        { header: 'pause', align: 'right' },
        { header: 'guest leap (monotonic)', align: 'right' },
        { header: 'detail' },
        { header: 'kernel complaints' },
        { header: 'library calls (vm reads/writes)' },
        { header: 'result' },
      ],
      rows,
    ),
  ];
}

function kinds(list: KernelComplaint[]): string {
  const counts = new Map<string, number>();
  for (const c of list) counts.set(c.kind, (counts.get(c.kind) ?? 0) + 1);
  return [...counts].map(([k, n]) => `${k} x${n}`).join(', ');
}

function textReport(results: StopContResult[], options: LinuxDemoOptions): string[] {
  const rows = results.map((r) => {
    const about = r.kernelComplaints.filter((c) => c.aboutPause);
    const noise = r.kernelComplaints.length - about.length;
    return [
      LABEL[r.hold],
      signed(r.leapMs),
      signed(r.realtimeLeapMs),
      about.length ? `${about.length} (${kinds(about)})` : '0',
      String(noise),
      passes(r) ? 'ok' : 'FAIL',
    ];
  });
  const lines = [
    `pause ${formatDuration(options.pauseMs)}; the guest printed its clocks every 250 ms (a busy task running)`,
    '',
    ...renderTable(
      [
        { header: 'scenario' },
        { header: 'guest leap (monotonic)', align: 'right' },
        { header: '(realtime)', align: 'right' },
        { header: 'kernel complaints about the pause' },
        { header: 'other time lines', align: 'right' },
        { header: 'result' },
      ],
      rows,
    ),
  ];
  for (const r of results) {
    const about = r.kernelComplaints.filter((c) => c.aboutPause);
    if (about.length === 0) continue;
    lines.push('', `what the kernel said, ${LABEL[r.hold]}:`, ...about.map((c) => `  ${c.text}`));
  }
  return lines;
}

// The guest needs a working /dev/kvm; there is no simulation of a Linux kernel.
function checkKvm(): void {
  try {
    closeFd(openKvm());
  } catch (error) {
    throw new CliError(
      `kvm-tod demo --guest linux: needs a working /dev/kvm (${describeError(error)}); ` +
        'on a machine without one, run it in the KVM box: npm run kvm-box -- npx kvm-tod demo --guest linux',
      3,
    );
  }
}

/** Runs the Linux demo; returns the exit status. */
export async function linuxDemo(options: LinuxDemoOptions): Promise<number> {
  checkKvm();
  const vmm = await loadVmm();
  const files = vmm.guestFiles();
  if (!options.json) {
    process.stdout.write(
      "kvm-tod demo --guest linux: Debian's 6.1 kernel under the project's Node VMM (@kvm-tod/vmm-linux), " +
        'one vCPU on its own thread\n',
    );
  }
  const results: StopContResult[] = [];
  for (const hold of options.holds) {
    if (!options.json) process.stdout.write(`  booting the guest for: ${LABEL[hold]} ...\n`);
    results.push(await vmm.runStopCont({ ...files, hold, pauseMs: options.pauseMs, settings: SETTINGS }));
  }
  const qemu: QemuScenariosResult[] = [];
  for (const hold of options.holds) {
    if (!options.json) process.stdout.write(`  booting the guest for the four scenarios: ${LABEL[hold]} ...\n`);
    qemu.push(await vmm.runQemuScenarios({ ...files, hold, pauseMs: options.pauseMs, settings: SETTINGS }));
  }
  const pass = results.every(passes) && qemu.every(qemuPasses);
  if (options.json) {
    const scenarios = results.map((r) => ({
      hold: r.hold,
      pass: passes(r),
      pauseMs: r.pauseMs,
      guest: {
        leapMs: r.leapMs,
        realtimeLeapMs: r.realtimeLeapMs,
        clocksource: r.clocksource,
        bootMs: r.bootMs,
        kernelComplaints: r.kernelComplaints,
        lines: r.excerpt,
      },
      warnings: r.warnings,
    }));
    const qemuScenarios = qemu.map((r) => ({
      hold: r.hold,
      pass: qemuPasses(r),
      simpleStart: { pass: simpleStartPasses(r), guest: r.simpleStart },
      ...Object.fromEntries(
        MOVED.map(({ key }) => {
          const m = r[key];
          return [
            key,
            {
              pass: movedPasses(r.hold, m),
              pauseMs: m.pauseMs,
              calls: m.calls,
              moved: m.moved,
              guest: {
                leapMs: m.leapMs,
                realtimeLeapMs: m.realtimeLeapMs,
                ownClockLeapMs: m.ownClockLeapMs,
                linesAfter: m.linesAfter,
                kernelComplaints: m.kernelComplaints,
                lines: m.excerpt,
              },
            },
          ];
        }),
      ),
      warnings: r.warnings,
    }));
    const doc = {
      guest: 'linux',
      kernel: path.basename(files.kernel),
      cmdline: results[0]?.cmdline,
      pass,
      scenarios,
      qemuScenarios,
    };
    process.stdout.write(`${JSON.stringify(doc, null, 2)}\n`);
  } else {
    process.stdout.write(`${[...textReport(results, options), ...qemuReport(qemu, options.pauseMs)].join('\n')}\n`);
  }
  return pass ? 0 : 1;
}
