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
import { formatDuration, renderTable, REPORT_WIDTH, wrapLine } from '../text';

/** The holds the Linux demo compares; 'none' is the VMM without kvm-tod. */
export type LinuxHold = Hold;

export interface LinuxDemoOptions {
  pauseMs: number;
  holds: LinuxHold[];
  json: boolean;
  /** `--wide`: the tables with every column, no line wrapped. */
  wide: boolean;
}

type QemuScenario = ScenarioResult;
type LinuxVmm = typeof import('@kvm-tod/vmm-linux');

type MovedScenario = 'stopCont' | 'liveMigration' | 'offlineMigration';
/** `short`: the title in the default report, the demo's own name for the scenario. */
const MOVED: { key: MovedScenario; title: string; short: string }[] = [
  { key: 'stopCont', title: '4 stop, stop, pause, cont, cont', short: '4 stop/cont, repeated' },
  { key: 'liveMigration', title: '2 live migration', short: '2 live migration' },
  { key: 'offlineMigration', title: '3 offline migration', short: '3 offline migration' },
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

/** The hold in the default report's table of the four scenarios, where the full label does not fit. */
const SHORT_LABEL: Record<LinuxHold, string> = { none: 'without', freeze: 'freeze', 'catch-up': 'catch-up' };

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

/** The four scenarios' table: wide, every column; by default the lists under it. */
function qemuReport(results: QemuScenariosResult[], pauseMs: number, wide: boolean): string[] {
  const rows: string[][] = [];
  // By default: per hold and scenario, the complaints' kinds and the library's calls.
  const lists: string[][] = [];
  const hold = (r: QemuScenariosResult) => (wide ? LABEL[r.hold] : SHORT_LABEL[r.hold]);
  for (const r of results) {
    const s = r.simpleStart;
    const calls = r.hold === 'none' ? '-' : `${s.calls.reads}r/${s.calls.writes}w`;
    rows.push([
      hold(r),
      '1 simple start',
      '-',
      `rate ${(s.rateError * 100).toFixed(2)}%`,
      `realtime ${signed(s.realtimeOffsetMs)} vs host`,
      '-',
      ...(wide ? [calls] : []),
      simpleStartPasses(r) ? 'ok' : 'FAIL',
    ]);
    if (calls !== '-') lists.push([hold(r), '1 simple start', `library calls ${calls}`]);
    for (const { key, title, short } of MOVED) {
      const m = r[key];
      const about = m.kernelComplaints.filter((c) => c.aboutPause);
      const movedCalls = r.hold === 'none' ? '-' : callsText(m.calls);
      rows.push([
        hold(r),
        wide ? title : short,
        `${(m.pauseMs / 1000).toFixed(1)} s`,
        signed(m.leapMs),
        key === 'stopCont' || r.hold !== 'none' ? '' : `own clock ${signed(m.ownClockLeapMs)}`,
        wide && about.length ? `${about.length} (${kinds(about)})` : String(about.length),
        ...(wide ? [movedCalls] : []),
        movedPasses(r.hold, m) ? 'ok' : 'FAIL',
      ]);
      const facts = [
        ...(about.length ? [`kernel complaints ${kinds(about)}`] : []),
        ...(movedCalls !== '-' ? [`library calls ${movedCalls}`] : []),
      ];
      if (facts.length) lists.push([hold(r), short, facts.join('; ')]);
    }
  }
  const table = renderTable(
    [
      { header: 'hold' },
      { header: 'scenario' },
      { header: 'pause', align: 'right' },
      { header: wide ? 'guest leap (monotonic)' : 'guest leap', align: 'right' },
      { header: 'detail' },
      { header: 'kernel complaints' },
      ...(wide ? [{ header: 'library calls (vm reads/writes)' }] : []),
      { header: 'result' },
    ],
    rows,
  );
  const intro =
    `the QEMU commit's four scenarios, one boot each: the guest moves to a second VM (live) and a third ` +
    `(offline) with its RAM and KVM state; pause and downtime ${formatDuration(pauseMs)}`;
  if (wide) return ['', intro, '', ...table];
  const holdWidth = Math.max(...lists.map((l) => l[0].length));
  const titleWidth = Math.max(...lists.map((l) => l[1].length));
  return [
    '',
    ...wrapLine(`${intro}; "4" is stop, stop, pause, cont, cont; the guest leap is CLOCK_MONOTONIC's`, REPORT_WIDTH),
    '',
    ...table,
    ...(lists.length
      ? [
          '',
          "what the kernel complained of (about the pause), and the library's calls (each VM's reads/writes):",
          ...lists.flatMap(([h, title, facts]) =>
            wrapLine(
              `  ${h.padEnd(holdWidth)}  ${title.padEnd(titleWidth)}  ${facts}`,
              REPORT_WIDTH,
              ' '.repeat(6 + holdWidth + titleWidth),
            ),
          ),
        ]
      : []),
  ];
}

function kinds(list: KernelComplaint[]): string {
  const counts = new Map<string, number>();
  for (const c of list) counts.set(c.kind, (counts.get(c.kind) ?? 0) + 1);
  return [...counts].map(([k, n]) => `${k} x${n}`).join(', ');
}

/** The stop/cont table: wide, the complaints' kinds in it; by default above what the kernel said. */
function stopContReport(results: StopContResult[], pauseMs: number, wide: boolean): string[] {
  const rows = results.map((r) => {
    const about = r.kernelComplaints.filter((c) => c.aboutPause);
    const noise = r.kernelComplaints.length - about.length;
    return [
      LABEL[r.hold],
      signed(r.leapMs),
      signed(r.realtimeLeapMs),
      wide && about.length ? `${about.length} (${kinds(about)})` : String(about.length),
      String(noise),
      passes(r) ? 'ok' : 'FAIL',
    ];
  });
  const lines = [
    `pause ${formatDuration(pauseMs)}; the guest printed its clocks every 250 ms (a busy task running)`,
    '',
    ...renderTable(
      [
        { header: 'scenario' },
        { header: 'guest leap (monotonic)', align: 'right' },
        { header: '(realtime)', align: 'right' },
        { header: wide ? 'kernel complaints about the pause' : 'kernel complaints' },
        { header: 'other time lines', align: 'right' },
        { header: 'result' },
      ],
      rows,
    ),
  ];
  for (const r of results) {
    const about = r.kernelComplaints.filter((c) => c.aboutPause);
    if (about.length === 0) continue;
    const heading = wide
      ? `what the kernel said, ${LABEL[r.hold]}:`
      : `what the kernel said about the pause, ${LABEL[r.hold]} (${kinds(about)}):`;
    lines.push('', ...wrapLine(heading, wide ? Infinity : REPORT_WIDTH));
    for (const c of about) lines.push(...wrapLine(`  ${c.text}`, wide ? Infinity : REPORT_WIDTH));
  }
  return lines;
}

/** The Linux demo's report for people, from the guests' results (the booting lines before it aside). */
export function linuxTextReport(
  results: StopContResult[],
  qemu: QemuScenariosResult[],
  options: { pauseMs: number; wide: boolean },
): string[] {
  return [
    ...stopContReport(results, options.pauseMs, options.wide),
    ...qemuReport(qemu, options.pauseMs, options.wide),
  ];
}

/** The line the Linux demo starts with. */
export const LINUX_FIRST_LINE =
  "kvm-tod demo --guest linux: Debian's 6.1 kernel under the project's Node VMM (@kvm-tod/vmm-linux), " +
  'one vCPU on its own thread';

/** The line while a guest boots. */
export const bootingLine = (hold: LinuxHold, qemu: boolean): string =>
  qemu
    ? `  booting the guest for the four scenarios: ${LABEL[hold]} ...`
    : `  booting the guest for: ${LABEL[hold]} ...`;

/**
 * The guest needs a working /dev/kvm (there is no simulation of a Linux kernel): else exit
 * status 3, naming the box of this architecture (`box`) and the command that runs it there.
 */
export function checkKvm(box: string, command: string): void {
  try {
    closeFd(openKvm());
  } catch (error) {
    throw new CliError(
      `kvm-tod demo --guest linux: needs a working /dev/kvm (${describeError(error)}); ` +
        `on a machine without one, run it in the ${box}: ${command}`,
      3,
    );
  }
}

/** Runs the Linux demo; returns the exit status. */
export async function linuxDemo(options: LinuxDemoOptions): Promise<number> {
  checkKvm('KVM box', 'npm run kvm-box -- npx kvm-tod demo --guest linux');
  const vmm = await loadVmm();
  const files = vmm.guestFiles();
  const width = options.wide ? Infinity : REPORT_WIDTH;
  if (!options.json) process.stdout.write(`${wrapLine(LINUX_FIRST_LINE, width).join('\n')}\n`);
  const results: StopContResult[] = [];
  for (const hold of options.holds) {
    if (!options.json) process.stdout.write(`${bootingLine(hold, false)}\n`);
    results.push(await vmm.runStopCont({ ...files, hold, pauseMs: options.pauseMs, settings: SETTINGS }));
  }
  const qemu: QemuScenariosResult[] = [];
  for (const hold of options.holds) {
    if (!options.json) process.stdout.write(`${bootingLine(hold, true)}\n`);
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
    process.stdout.write(`${linuxTextReport(results, qemu, options).join('\n')}\n`);
  }
  return pass ? 0 : 1;
}
