// The QEMU commit's four test scenarios, guest-observed, on one boot of the s390x guest:
// (1) simple start, (4) stop/cont repeated, (2) live migration to a second VM, (3) offline
// migration from there to a third. The destinations are made beside the source before it
// boots, as a destination VMM waits for an incoming guest; the guest moves between them with
// its memory and its KVM state (migrate.ts), and its TOD with the library's todclock section
// or, without the library, not at all: it then runs on the destination's own TOD (the host's).
import { GuestClock, KvmTodWarning, loadTodSection, saveTodSection, Tod } from 'kvm-tod';
import { CLOCK_SEEN, ClockSample, GuestLine, guestLeap, parseClockLine } from '@kvm-tod/vmm-common';
import { MoveReport, moveGuest } from './migrate';
import { S390Vm } from './s390-vm';
import { GuestSettings, commandLine } from './settings';
import {
  ALIVE_MS,
  Calls,
  CountingTodDevice,
  Hold,
  KernelComplaint,
  LEAP_WINDOW,
  complaintsIn,
  stallSettings,
} from './stop-cont';

export interface QemuScenariosOptions {
  kernel: string;
  initrd: string;
  hold: Hold;
  /** Each pause and each migration's downtime, ms. */
  pauseMs: number;
  /** stallSettings by default. */
  settings?: GuestSettings;
  memoryMiB?: number;
  /** How long to watch the guest after each cont or start, 15 s by default. */
  watchMs?: number;
  bootTimeoutMs?: number;
  onLine?: (line: GuestLine, vm: string) => void;
  onStep?: (text: string) => void;
}

/** One scenario after the start: the guest's leap across its pause or downtime. */
export interface ScenarioResult {
  /** Host time from the stop (source) to the cont or start (destination), ms. */
  pauseMs: number;
  /** CLOCK_MONOTONIC's leap, ms, and CLOCK_REALTIME's (guest-observed, guest-output.ts). */
  leapMs: number;
  realtimeLeapMs: number;
  /** The kernel's complaint lines from this scenario's stop to the next one's. */
  kernelComplaints: KernelComplaint[];
  /** The library's TOD calls in the scenario, per VM (none without the library). */
  calls: Record<string, Calls>;
  /** What moved (the migrations). */
  moved?: MoveReport;
  /** Clock lines the guest printed after the cont or start (it runs). */
  clockLinesAfter: number;
  excerpt: string[];
}

export interface QemuScenariosResult {
  hold: Hold;
  cmdline: string;
  simpleStart: {
    /** From the first clock line to the last before the first stop, host ms. */
    windowMs: number;
    /** How much faster the guest's CLOCK_MONOTONIC ran than the host's over that window. */
    rateError: number;
    /** The library's calls while the guest started and ran (none: it holds nothing). */
    calls: Calls;
    bootMs: number;
  };
  stopCont: ScenarioResult;
  liveMigration: ScenarioResult;
  offlineMigration: ScenarioResult;
  warnings: string[];
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const ms = (n: bigint): number => Number(n) / 1e6;

interface Vmm {
  name: string;
  vm: S390Vm;
  device: CountingTodDevice;
  clock?: GuestClock<Tod>;
}

export async function runQemuScenarios(options: QemuScenariosOptions): Promise<QemuScenariosResult> {
  const settings = options.settings ?? stallSettings;
  const cmdline = commandLine(settings);
  const warnings: string[] = [];
  const watchMs = options.watchMs ?? 15_000;
  const lines: (GuestLine & { vm: string })[] = [];
  const vmms: Vmm[] = [];
  const step = (text: string): void => options.onStep?.(text);
  try {
    for (const [name, incoming] of [
      ['source', false],
      ['destination', true],
      ['offline destination', true],
    ] as const) {
      const vm = new S390Vm({ ...options, cmdline, memoryMiB: options.memoryMiB, incoming });
      const device = new CountingTodDevice(vm.vmFd);
      const v: Vmm = { name, vm, device };
      if (options.hold !== 'none')
        v.clock = new GuestClock(device, {
          name: `s390-linux-guest ${name}`,
          policy: options.hold,
          warn: (w: KvmTodWarning) => warnings.push(`${name}: ${w.code}: ${w.message}`),
        });
      vm.stateHook = (running) => v.clock?.vmStateChanged(running);
      vm.on('line', (l: GuestLine) => {
        lines.push({ ...l, vm: name });
        options.onLine?.(l, name);
      });
      vmms.push(v);
    }
    const [source, destination, offline] = vmms;
    const snapshot = (): Calls[] => vmms.map((v) => ({ ...v.device.calls }));
    const callsSince = (before: Calls[]): Record<string, Calls> => {
      const out: Record<string, Calls> = {};
      vmms.forEach((v, i) => {
        const c = { reads: v.device.calls.reads - before[i].reads, writes: v.device.calls.writes - before[i].writes };
        if (c.reads + c.writes > 0) out[v.name] = c;
      });
      return out;
    };
    const waitClockLines = async (vm: S390Vm, n: number): Promise<void> => {
      for (let i = 0; i < n; i++) await vm.waitForLine(CLOCK_SEEN, ALIVE_MS, vm.lines.length);
    };

    // (1) Simple start: the guest's clocks run with the host's; the library holds nothing.
    const startNs = process.hrtime.bigint();
    await source.vm.start();
    await source.vm.waitForLine(/^kvmtod-guest ready/, options.bootTimeoutMs ?? 900_000);
    const first = await source.vm.waitForLine(CLOCK_SEEN, ALIVE_MS);
    await waitClockLines(source.vm, 8);
    const startCalls = { ...source.device.calls };

    const phases: { stopNs: bigint; contNs: bigint; firstLine: number; to: S390Vm }[] = [];
    const results: Pick<ScenarioResult, 'pauseMs' | 'calls' | 'moved'>[] = [];

    // (4) stop/cont repeated: stop, stop, the pause, cont, cont.
    step('stop/cont repeated');
    let before = snapshot();
    let firstLine = lines.length;
    source.vm.stop();
    const stopNs = process.hrtime.bigint();
    source.vm.stop();
    await sleep(options.pauseMs);
    const contNs = process.hrtime.bigint();
    source.vm.cont();
    source.vm.cont();
    phases.push({ stopNs, contNs, firstLine, to: source.vm });
    results.push({ pauseMs: ms(contNs - stopNs), calls: callsSince(before) });
    await sleep(watchMs);
    await waitClockLines(source.vm, 4);

    // A migration: the guest stopped, moved with its memory and KVM state, the TOD section
    // loaded into the destination, which starts after the downtime. Live: the section is
    // saved while the source still runs. Offline: halfway through the downtime, from the TOD
    // held at stop. The VM left behind is closed, as a migration's source ends.
    const migrate = async (from: Vmm, to: Vmm, live: boolean): Promise<void> => {
      step(`${live ? 'live' : 'offline'} migration: ${from.name} -> ${to.name}`);
      before = snapshot();
      firstLine = lines.length;
      let section = live && from.clock ? saveTodSection(from.clock) : undefined;
      from.vm.stop();
      const stopNs = process.hrtime.bigint();
      if (!live) {
        await sleep(options.pauseMs / 2);
        section = from.clock ? saveTodSection(from.clock) : undefined;
      }
      const moved = moveGuest(from.vm, to.vm);
      if (section) loadTodSection(to.clock!, section);
      await sleep(options.pauseMs - ms(process.hrtime.bigint() - stopNs));
      const contNs = process.hrtime.bigint();
      await to.vm.start(); // the destination's first run
      phases.push({ stopNs, contNs, firstLine, to: to.vm });
      results.push({ pauseMs: ms(contNs - stopNs), calls: callsSince(before), moved });
      await sleep(watchMs);
      await waitClockLines(to.vm, 4);
      await from.vm.close();
    };
    await migrate(source, destination, true); // (2) live migration
    await migrate(destination, offline, false); // (3) offline migration

    // Reading it all from what the guest printed.
    const all = lines.slice();
    const samples = all.map((l) => parseClockLine(l.text, l.startNs)).filter((s): s is ClockSample => s !== undefined);
    const scenarios: ScenarioResult[] = phases.map((p, i) => {
      const leap = guestLeap(samples, p.stopNs, p.contNs, LEAP_WINDOW);
      if (!leap) throw new Error(`no clock lines on both sides of a pause; the guest printed:\n${p.to.tail(30)}`);
      const to = i + 1 < phases.length ? phases[i + 1].firstLine : all.length;
      const span = all.slice(p.firstLine, to);
      return {
        ...results[i],
        leapMs: ms(leap.monotonicLeapNs),
        realtimeLeapMs: ms(leap.realtimeLeapNs),
        kernelComplaints: complaintsIn(span),
        clockLinesAfter: span.filter((l) => l.startNs >= p.contNs && CLOCK_SEEN.test(l.text)).length,
        excerpt: all.slice(Math.max(0, p.firstLine - 2), to).map((l) => `[${l.vm}] ${l.text}`),
      };
    });
    const beforeStop = samples.filter((s) => s.hostNs <= phases[0].stopNs);
    const a = beforeStop[0];
    const b = beforeStop[beforeStop.length - 1];
    const hostNs = b.hostNs - a.hostNs;
    return {
      hold: options.hold,
      cmdline,
      simpleStart: {
        windowMs: ms(hostNs),
        rateError: Number(b.monotonicNs - a.monotonicNs - hostNs) / Number(hostNs),
        calls: startCalls,
        bootMs: ms(first.startNs - startNs),
      },
      stopCont: scenarios[0],
      liveMigration: scenarios[1],
      offlineMigration: scenarios[2],
      warnings,
    };
  } finally {
    for (const v of vmms) await v.vm.close();
  }
}
