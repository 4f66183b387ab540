// Guest-observed stop/pause/cont on one boot of the s390x Linux guest: boot it, let it print
// its clocks, then for each phase stop the vCPU, wait, cont, watch what it prints, and read
// from its own lines how far its clocks leapt and what its kernel complained about. Each
// phase has its own hold: none (no library: the guest's TOD runs on while the vCPU is
// stopped), freeze or catch-up (a GuestClock over the VM's S390TodDevice, its
// vmStateChanged called from the VMM's stop and cont, as a Node VMM on IBM Z would wire it).
import { GuestClock, KvmTodWarning, S390TodDevice, Tod } from 'kvm-tod';
import { CLOCK_SEEN, ClockSample, GuestLine, LeapWindow, guestLeap, parseClockLine } from '@kvm-tod/vmm-common';
import { ComplaintKind, kernelComplaint } from './kernel-complaints';
import { S390Vm } from './s390-vm';
import { GuestSettings, commandLine, defaultSettings } from './settings';

/** How the VMM treats the guest clock across a pause. */
export type Hold = 'none' | 'freeze' | 'catch-up';

/** One stop, pause, cont. */
export interface Phase {
  hold: Hold;
  pauseMs: number;
  /**
   * Repeat the phase, up to this many times in all, until the kernel complains (1 by default):
   * without the library the guest's kernel complains only when the stop caught a grace period
   * in flight, which a busy guest has most of the time but not always (README.md).
   */
  untilComplaint?: number;
}

/** The library's calls on the VM's TOD in a phase (GuestClock's reads and writes of S390TodDevice). */
export interface Calls {
  reads: number;
  writes: number;
}

export interface KernelComplaint {
  kind: ComplaintKind;
  text: string;
}

export interface PhaseResult {
  hold: Hold;
  /** Which try of its phase this was (1 unless Phase.untilComplaint repeated it). */
  attempt: number;
  /** The host time the vCPU was stopped, ms. */
  pauseMs: number;
  /** CLOCK_MONOTONIC's leap across the pause, ms (guest-observed: guest-output.ts guestLeap). */
  leapMs: number;
  /** CLOCK_REALTIME's leap, ms. */
  realtimeLeapMs: number;
  /** The kernel's complaint lines from the stop to the end of the watch. */
  kernelComplaints: KernelComplaint[];
  /** The library's calls in this phase (none without the library). */
  calls: Calls;
  /** Warnings the library gave. */
  warnings: string[];
  /** What the guest printed around the pause: from two lines before the stop to the end of the watch. */
  excerpt: string[];
  /** Clock lines the guest printed after the cont (it runs on). */
  clockLinesAfter: number;
}

export interface PauseRunResult {
  cmdline: string;
  /** The whole run, host ms: the VM's set-up, the guest's boot, every phase. */
  elapsedMs: number;
  /** From the vCPU's first run to the guest's first clock line, host ms. */
  bootMs: number;
  /** The guest's CLOCK_MONOTONIC at its first clock line (its uptime then), ms. */
  bootUptimeMs: number;
  clocksource: string;
  /** The facility list the guest's kernel sees (its /proc/cpuinfo line). */
  guestFacilities: string;
  /** Whether KVM's CPU model offered topology (facility 11) before the VMM took it out. */
  topologyInCpuModel: boolean;
  /** The kernel's complaints while booting (before the first stop), for reference. */
  bootComplaints: KernelComplaint[];
  phases: PhaseResult[];
  /** What the VMM answered with a program interruption, once per kind (vcpu-worker.ts). */
  notes: string[];
}

export interface PauseRunOptions {
  kernel: string;
  initrd: string;
  phases: Phase[];
  settings?: GuestSettings;
  /** Guest memory, MiB (256 by default). */
  memoryMiB?: number;
  /** Clock lines to wait for before each stop (a steady guest), 4 by default. */
  settleLines?: number;
  /** How long to watch the guest after each cont (its watchdogs speak within seconds), 20 s by default. */
  watchMs?: number;
  /** How long the guest may take to boot to its first clock line, 600 s by default. */
  bootTimeoutMs?: number;
  /** Each guest line as it arrives (a live view). */
  onLine?: (line: GuestLine) => void;
  /** Told when a phase stops and conts the vCPU. */
  onPhase?: (event: 'stop' | 'cont', phase: Phase) => void;
}

/**
 * How long a running guest may go without a clock line: a kernel's stall report (a stack dump
 * on a console of the emulated box) holds the tty back for seconds.
 */
export const ALIVE_MS = 120_000;

/**
 * The samples each side of a pause that the guest's leap is read from (guestLeap): a line the
 * guest wrote while its kernel printed a stall report reaches the VMM seconds late, so the
 * least delayed of a few lines says when the guest read its clock, not the nearest one.
 */
export const LEAP_WINDOW: LeapWindow = { before: 4, after: 8 };

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const ms = (n: bigint): number => Number(n) / 1e6;

/** The VM's TOD as GuestClock sees it, with its reads and writes counted. */
export class CountingTodDevice extends S390TodDevice {
  calls: Calls = { reads: 0, writes: 0 };
  override read(): Tod {
    this.calls.reads++;
    return super.read();
  }
  override write(value: Tod): void {
    this.calls.writes++;
    super.write(value);
  }
}

/** The kernel's complaint lines among `lines`. */
export function complaintsIn(lines: GuestLine[]): KernelComplaint[] {
  return lines.flatMap((l) => {
    const kind = kernelComplaint(l.text);
    return kind ? [{ kind, text: l.text }] : [];
  });
}

/** Boots the guest once and runs `phases` on it in turn. */
export async function runPauses(options: PauseRunOptions): Promise<PauseRunResult> {
  const settings = options.settings ?? defaultSettings;
  const cmdline = commandLine(settings);
  const t0 = process.hrtime.bigint();
  const vm = new S390Vm({ kernel: options.kernel, initrd: options.initrd, cmdline, memoryMiB: options.memoryMiB });
  const watchMs = options.watchMs ?? 20_000;
  try {
    if (options.onLine) vm.on('line', options.onLine);
    // One GuestClock for the VM's life, told of every state change from the first start on,
    // as a VMM wires it; in a phase without the library the hook does not call it (the VMM
    // of that phase has no kvm-tod), and it stays "running" through it.
    const device = new CountingTodDevice(vm.vmFd);
    const warnings: string[] = [];
    const clock = new GuestClock(device, {
      name: 's390-linux-guest',
      warn: (w: KvmTodWarning) => warnings.push(`${w.code}: ${w.message}`),
    });
    let hold: Hold = 'none';
    vm.stateHook = (running) => {
      if (hold !== 'none' || running) clock.vmStateChanged(running);
    };
    const startNs = process.hrtime.bigint();
    await vm.start();
    const ready = await vm.waitForLine(/^kvmtod-guest ready/, options.bootTimeoutMs ?? 600_000);
    const facilities = await vm.waitForLine(/^kvmtod-guest facilities/, ALIVE_MS);
    const first = await vm.waitForLine(CLOCK_SEEN, ALIVE_MS);
    const firstSample = parseClockLine(first.text, first.startNs);
    const waitClockLines = async (n: number): Promise<void> => {
      for (let i = 0; i < n; i++) await vm.waitForLine(CLOCK_SEEN, ALIVE_MS, vm.lines.length);
    };
    const firstStop = vm.lines.length;
    const phases: PhaseResult[] = [];
    const tries = options.phases.flatMap((phase) =>
      Array.from({ length: Math.max(1, phase.untilComplaint ?? 1) }, (_, i) => ({ phase, attempt: i + 1 })),
    );
    for (const { phase, attempt } of tries) {
      const previous = phases[phases.length - 1];
      if (attempt > 1 && previous.kernelComplaints.length > 0) continue;
      await waitClockLines(options.settleLines ?? 4);
      const warned = warnings.length;
      const before = { ...device.calls };
      hold = phase.hold;
      if (phase.hold !== 'none') clock.policy = phase.hold;
      const from = Math.max(0, vm.lines.length - 2);
      vm.stop();
      const stopNs = process.hrtime.bigint();
      options.onPhase?.('stop', phase);
      await sleep(phase.pauseMs);
      const contNs = process.hrtime.bigint();
      vm.cont();
      options.onPhase?.('cont', phase);
      await sleep(watchMs);
      await vm.waitForLine(CLOCK_SEEN, ALIVE_MS, vm.lines.length); // it runs on
      const lines = vm.lines.slice(from);
      const samples = vm.lines
        .map((l) => parseClockLine(l.text, l.startNs))
        .filter((s): s is ClockSample => s !== undefined);
      const leap = guestLeap(samples, stopNs, contNs, LEAP_WINDOW);
      if (!leap) throw new Error(`no clock lines on both sides of a pause; the guest printed:\n${vm.tail(30)}`);
      phases.push({
        hold: phase.hold,
        attempt,
        pauseMs: ms(contNs - stopNs),
        leapMs: ms(leap.monotonicLeapNs),
        realtimeLeapMs: ms(leap.realtimeLeapNs),
        kernelComplaints: complaintsIn(lines),
        calls: { reads: device.calls.reads - before.reads, writes: device.calls.writes - before.writes },
        warnings: warnings.slice(warned),
        excerpt: lines.map((l) => l.text),
        clockLinesAfter: lines.filter((l) => l.startNs >= contNs && CLOCK_SEEN.test(l.text)).length,
      });
    }
    return {
      cmdline,
      elapsedMs: ms(process.hrtime.bigint() - t0),
      bootMs: ms(first.startNs - startNs),
      bootUptimeMs: firstSample ? ms(firstSample.monotonicNs) : NaN,
      clocksource: /clocksource=(\S+)/.exec(ready.text)?.[1] ?? '?',
      guestFacilities: facilities.text.replace(/^kvmtod-guest facilities\s*:\s*/, ''),
      topologyInCpuModel: vm.cpuModel.topologyOffered,
      bootComplaints: complaintsIn(vm.lines.slice(0, firstStop)),
      phases,
      notes: vm.notes.slice(),
    };
  } finally {
    await vm.close();
  }
}

/** The guest's load and kernel settings under which a pause of 10 s makes its kernel complain (README.md). */
export const stallSettings: GuestSettings = { ...defaultSettings, busy: ['fork'], rcuStallTimeout: 3 };

export interface StopContOptions {
  kernel: string;
  initrd: string;
  /** The pause of each scenario, ms; 10 s by default. */
  pauseMs?: number;
  /** stallSettings by default. */
  settings?: GuestSettings;
  memoryMiB?: number;
  watchMs?: number;
  /** How many pauses (a) may take to make the kernel complain; 3 by default. */
  attempts?: number;
  onLine?: (line: GuestLine) => void;
  onPhase?: (event: 'stop' | 'cont', phase: Phase) => void;
}

export interface StopContResult extends Omit<PauseRunResult, 'phases'> {
  /** (b) kvm-tod's freeze: the clocks go on from where they stopped. */
  freeze: PhaseResult;
  /** (c) kvm-tod's catch-up: the clocks catch up by the pause. */
  catchUp: PhaseResult;
  /** (a) no library: the pause that made the kernel complain (else the last one tried). */
  none: PhaseResult;
  /** (a)'s every pause, in order. */
  noneAttempts: PhaseResult[];
}

/**
 * The scenarios (b) freeze, (c) catch-up and (a) no library, in that order on one boot of the
 * guest (the first two leave the kernel as they found it: freeze holds the clock, and catch-up's
 * complaints, if any, are over before (a) starts).
 */
export async function runStopCont(options: StopContOptions): Promise<StopContResult> {
  const pauseMs = options.pauseMs ?? 10_000;
  const { phases, ...run } = await runPauses({
    kernel: options.kernel,
    initrd: options.initrd,
    settings: options.settings ?? stallSettings,
    memoryMiB: options.memoryMiB,
    watchMs: options.watchMs,
    onLine: options.onLine,
    onPhase: options.onPhase,
    phases: [
      { hold: 'freeze', pauseMs },
      { hold: 'catch-up', pauseMs },
      { hold: 'none', pauseMs, untilComplaint: options.attempts ?? 3 },
    ],
  });
  const noneAttempts = phases.filter((p) => p.hold === 'none');
  return {
    ...run,
    freeze: phases[0],
    catchUp: phases[1],
    none: noneAttempts.find((p) => p.kernelComplaints.length > 0) ?? noneAttempts[noneAttempts.length - 1],
    noneAttempts,
  };
}
