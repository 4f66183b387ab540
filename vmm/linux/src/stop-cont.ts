// One guest-observed stop/pause/cont: boot the Linux guest, let it print its clocks, stop
// the vCPU, wait, cont, watch what it prints, and read from its own lines how far its
// clocks leapt and what its kernel complained about.
import { GuestClock, KvmClockDevice, KvmTodWarning } from 'kvm-tod';
import { CLOCK_SEEN, ClockSample, GuestLine, guestLeap, parseClockLine } from '@kvm-tod/vmm-common';
import { ComplaintKind, aboutPause, kernelComplaint } from './kernel-complaints';
import { LinuxVm } from './linux-vm';

/** How the VMM treats the guest clock across the pause. */
export type Hold = 'none' | 'freeze' | 'catch-up';

/** The guest's load and watchdog settings (kernel command line). */
export interface GuestSettings {
  /** Period of the guest's clock lines. */
  tickMs: number;
  /** A task that never sleeps, in guest user space. */
  busy: boolean;
  /** watchdog_thresh= (soft lockup after twice that many seconds). */
  watchdogThresh?: number;
  /** rcupdate.rcu_cpu_stall_timeout= (seconds). */
  rcuStallTimeout?: number;
  /** kernel.hung_task_timeout_secs (seconds). */
  hungTaskTimeout?: number;
  /** More command-line words. */
  extra?: string[];
}

export const defaultSettings: GuestSettings = { tickMs: 250, busy: false, watchdogThresh: 1, rcuStallTimeout: 3 };

/** The kernel command line for a guest with `settings`. */
export function commandLine(settings: GuestSettings): string {
  const words = [
    // The early console prints from the kernel's first C code on (and the decompressor's
    // lines before it), so a guest that hangs in its boot shows how far it got.
    'earlyprintk=serial,ttyS0,115200',
    'console=ttyS0',
    '8250.nr_uarts=1',
    'acpi=off',
    'pci=off',
    'nokaslr',
    'mitigations=off',
    'reboot=k',
    'panic=-1',
    'i8042.noaux',
    'i8042.nopnp',
    'nomodeset',
    'clocksource=kvm-clock',
    'loglevel=5',
    'rdinit=/init',
    `kvmtod_tick_ms=${settings.tickMs}`,
  ];
  if (settings.busy) words.push('kvmtod_busy=1');
  if (settings.watchdogThresh !== undefined) words.push(`watchdog_thresh=${settings.watchdogThresh}`);
  if (settings.rcuStallTimeout !== undefined) words.push(`rcupdate.rcu_cpu_stall_timeout=${settings.rcuStallTimeout}`);
  if (settings.hungTaskTimeout !== undefined)
    words.push(`sysctl.kernel.hung_task_timeout_secs=${settings.hungTaskTimeout}`);
  return [...words, ...(settings.extra ?? [])].join(' ');
}

export interface StopContOptions {
  kernel: string;
  initrd: string;
  hold: Hold;
  pauseMs: number;
  settings?: GuestSettings;
  /** How many times to stop and cont (the first one is the result's leap); 1 by default. */
  cycles?: number;
  /** How long to watch the guest after cont (the watchdogs speak within seconds). */
  watchMs?: number;
  /** How long the guest may take to boot to its first clock line. */
  bootTimeoutMs?: number;
  /** Each guest line as it arrives (for a live view). */
  onLine?: (line: GuestLine) => void;
}

export interface KernelComplaint {
  kind: ComplaintKind;
  /** Whether the line is about this pause (kernel-complaints.ts aboutPause), not background noise. */
  aboutPause: boolean;
  text: string;
}

export interface StopContResult {
  hold: Hold;
  cmdline: string;
  /** The host time the vCPU was stopped, ms. */
  pauseMs: number;
  /** From the vCPU's first run to the guest's first clock line, host ms. */
  bootMs: number;
  /** What the guest said it runs on. */
  clocksource: string;
  /** CLOCK_MONOTONIC's leap across the pause, ms (guest-observed). */
  leapMs: number;
  /** CLOCK_REALTIME's leap, ms. */
  realtimeLeapMs: number;
  /** The kernel's lines about time from the stop on (see KernelComplaint.aboutPause). */
  kernelComplaints: KernelComplaint[];
  /** Each stop/cont of the run (one unless `cycles` asked for more): its pause and leaps, ms. */
  cycles: { pauseMs: number; leapMs: number; realtimeLeapMs: number }[];
  /** The kernel's complaints while booting (before the stop), for reference. */
  bootComplaints: KernelComplaint[];
  /** What the guest printed around the pause: the lines from two before the stop on. */
  excerpt: string[];
  /** Warnings the library gave. */
  warnings: string[];
}

/**
 * How long a running guest may go without a clock line: a kernel's stack dump on the polled
 * console (one VM exit per byte, in the emulated box) holds the tty back for many seconds.
 */
export const ALIVE_MS = 90_000;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const ms = (n: bigint): number => Number(n) / 1e6;

export async function runStopCont(options: StopContOptions): Promise<StopContResult> {
  const settings = options.settings ?? defaultSettings;
  const cmdline = commandLine(settings);
  const vm = new LinuxVm({ kernel: options.kernel, initrd: options.initrd, cmdline });
  const warnings: string[] = [];
  try {
    if (options.onLine) vm.on('line', options.onLine);
    if (options.hold !== 'none') {
      const device = new KvmClockDevice(vm.vmFd);
      device.addVcpu(vm.vcpuFd); // the pause notice (KVMCLOCK_CTRL) at every cont
      const clock = new GuestClock(device, {
        name: 'linux-guest',
        policy: options.hold,
        warn: (w: KvmTodWarning) => warnings.push(`${w.code}: ${w.message}`),
      });
      vm.stateHook = (running) => clock.vmStateChanged(running);
    }
    const startNs = process.hrtime.bigint();
    await vm.start();
    const ready = await vm.waitForLine(/^kvmtod-guest ready/, options.bootTimeoutMs ?? 300_000);
    const firstClock = await vm.waitForLine(CLOCK_SEEN, ALIVE_MS);
    // Settle: a few steady clock lines before the stop.
    const clockLines = (): number => vm.lines.filter((l) => CLOCK_SEEN.test(l.text)).length;
    while (clockLines() < 5) await vm.waitForLine(CLOCK_SEEN, ALIVE_MS, vm.lines.length);

    const stopIndex = vm.lines.length;
    const pauses: { stopNs: bigint; contNs: bigint }[] = [];
    for (let cycle = 0; cycle < (options.cycles ?? 1); cycle++) {
      if (cycle > 0) {
        // The QEMU commit's "repeated stop/cont": a few more clock lines between the pauses.
        for (let i = 0; i < 4; i++) await vm.waitForLine(CLOCK_SEEN, ALIVE_MS, vm.lines.length);
      }
      vm.stop();
      const stopNs = process.hrtime.bigint();
      await sleep(options.pauseMs);
      const contNs = process.hrtime.bigint();
      vm.cont();
      pauses.push({ stopNs, contNs });
    }
    const { stopNs, contNs } = pauses[0];

    const watchMs = options.watchMs ?? 15_000;
    await sleep(watchMs);
    await vm.waitForLine(CLOCK_SEEN, ALIVE_MS, vm.lines.length); // still alive
    const lines = vm.lines.slice();
    const samples = lines
      .map((l) => parseClockLine(l.text, l.startNs))
      .filter((s): s is ClockSample => s !== undefined);
    const leaps = pauses.map((p) => {
      const leap = guestLeap(samples, p.stopNs, p.contNs);
      if (!leap) throw new Error(`no clock lines on both sides of a pause; the guest printed:\n${vm.tail(30)}`);
      return {
        pauseMs: ms(p.contNs - p.stopNs),
        leapMs: ms(leap.monotonicLeapNs),
        realtimeLeapMs: ms(leap.realtimeLeapNs),
      };
    });
    const leap = guestLeap(samples, stopNs, contNs)!;
    const pausedMs = ms(contNs - stopNs);
    const complaints = (from: number, to: number): KernelComplaint[] =>
      lines.slice(from, to).flatMap((l) => {
        const kind = kernelComplaint(l.text);
        return kind ? [{ kind, aboutPause: aboutPause(kind, l.text, pausedMs), text: l.text }] : [];
      });
    return {
      hold: options.hold,
      cmdline,
      pauseMs: pausedMs,
      bootMs: ms(firstClock.startNs - startNs),
      clocksource: /clocksource=(\S+)/.exec(ready.text)?.[1] ?? '?',
      leapMs: ms(leap.monotonicLeapNs),
      realtimeLeapMs: ms(leap.realtimeLeapNs),
      kernelComplaints: complaints(stopIndex, lines.length),
      cycles: leaps,
      bootComplaints: complaints(0, stopIndex),
      excerpt: lines
        .slice(Math.max(0, stopIndex - 2))
        .map((l) => l.text)
        .filter((t, i, all) => i < 40 || i === all.length - 1),
      warnings,
    };
  } finally {
    await vm.close();
  }
}
