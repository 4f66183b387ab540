// `kvm-tod demo --guest linux`: the symptom itself. A Linux guest (Debian's 6.1 kernel and
// the project's initramfs) booted by the project's own Node VMM (vmm/linux/ in the source
// tree: not part of the package), stopped for the pause and continued: without kvm-tod, with
// 'freeze' and with 'catch-up' (both with the pause notice). The result is what the guest
// itself printed: how far its clocks leapt and what its kernel said.
import * as fs from 'fs';
import * as path from 'path';
import { closeFd, openKvm } from '../../index';
import { CliError, describeError } from '../command-line';
import { formatDuration, renderTable } from '../text';

/** The holds the Linux demo compares; 'none' is the VMM without kvm-tod. */
export type LinuxHold = 'none' | 'freeze' | 'catch-up';

export interface LinuxDemoOptions {
  pauseMs: number;
  holds: LinuxHold[];
  json: boolean;
}

interface KernelComplaint {
  kind: string;
  aboutPause: boolean;
  text: string;
}

// What vmm/linux/stop-cont.ts answers (typed here: lib/ does not compile vmm/).
interface StopContResult {
  hold: LinuxHold;
  cmdline: string;
  pauseMs: number;
  bootMs: number;
  clocksource: string;
  leapMs: number;
  realtimeLeapMs: number;
  kernelComplaints: KernelComplaint[];
  excerpt: string[];
  warnings: string[];
}

interface LinuxVmmModules {
  runStopCont(options: {
    kernel: string;
    initrd: string;
    hold: LinuxHold;
    pauseMs: number;
    settings: Record<string, unknown>;
  }): Promise<StopContResult>;
  guestFiles(): { kernel: string; initrd: string };
  settings: Record<string, unknown>;
}

/** The guest's load and watchdogs: a busy task, soft lockup after 2 s, RCU stall after 3 s. */
const SETTINGS = { tickMs: 250, busy: true, watchdogThresh: 1, rcuStallTimeout: 3 };

function loadVmm(): LinuxVmmModules {
  const dir = path.join(__dirname, '..', '..', 'vmm', 'linux'); // dist/cli/demo -> dist/vmm/linux
  if (!fs.existsSync(path.join(dir, 'stop-cont.js'))) {
    throw new CliError(
      'kvm-tod demo --guest linux: the Linux VMM is not here (it lives in the source tree, vmm/linux/: ' +
        'run it from a clone after `npm run build`)',
      3,
    );
  }
  /* eslint-disable @typescript-eslint/no-require-imports */
  const { runStopCont } = require(path.join(dir, 'stop-cont.js')) as Pick<LinuxVmmModules, 'runStopCont'>;
  const { guestFiles } = require(path.join(dir, 'guest-files.js')) as Pick<LinuxVmmModules, 'guestFiles'>;
  /* eslint-enable @typescript-eslint/no-require-imports */
  return { runStopCont, guestFiles, settings: SETTINGS };
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
        'on a machine without one, run it in the KVM box: npm run kvm-box -- node dist/cli/main.js demo --guest linux',
      3,
    );
  }
}

/** Runs the Linux demo; returns the exit status. */
export async function linuxDemo(options: LinuxDemoOptions): Promise<number> {
  checkKvm();
  const vmm = loadVmm();
  const files = vmm.guestFiles();
  if (!options.json) {
    process.stdout.write(
      "kvm-tod demo --guest linux: Debian's 6.1 kernel under the project's Node VMM (vmm/linux/), " +
        'one vCPU on its own thread\n',
    );
  }
  const results: StopContResult[] = [];
  for (const hold of options.holds) {
    if (!options.json) process.stdout.write(`  booting the guest for: ${LABEL[hold]} ...\n`);
    results.push(await vmm.runStopCont({ ...files, hold, pauseMs: options.pauseMs, settings: vmm.settings }));
  }
  const pass = results.every(passes);
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
    const doc = { guest: 'linux', kernel: path.basename(files.kernel), cmdline: results[0]?.cmdline, pass, scenarios };
    process.stdout.write(`${JSON.stringify(doc, null, 2)}\n`);
  } else {
    process.stdout.write(`${textReport(results, options).join('\n')}\n`);
  }
  return pass ? 0 : 1;
}
