// The QEMU commit's four test scenarios, guest-observed, in one boot of the Linux guest:
// (1) simple start, (4) stop/cont repeated, (2) live migration to a second VM, (3) offline
// migration from there to a third. The destinations are made beside the source before it
// boots, as a destination VMM waits for an incoming guest; the guest moves between them with
// its RAM and its KVM state (migrate.ts), and its clock with the library's sections, or,
// without the library, not at all: it then runs on the destination's own kvmclock.
import { GuestClock, KvmClockDevice, KvmTodWarning, getKvmClock, loadClockSection, saveClockSection } from 'kvm-tod';
import { CLOCK_SEEN, ClockSample, GuestLine, guestLeap, parseClockLine } from '@kvm-tod/vmm-common';
import { aboutPause, kernelComplaint } from './kernel-complaints';
import { LinuxVm } from './linux-vm';
import { MoveReport, moveGuest } from './migrate';
import { ALIVE_MS, GuestSettings, Hold, KernelComplaint, commandLine, defaultSettings } from './stop-cont';

export interface QemuScenariosOptions {
  kernel: string;
  initrd: string;
  hold: Hold;
  /** Each pause and each migration's downtime, ms. */
  pauseMs: number;
  settings?: GuestSettings;
  /** How long to watch the guest after each cont or start. */
  watchMs?: number;
  bootTimeoutMs?: number;
  onLine?: (line: GuestLine, vm: string) => void;
}

/** The library's device calls on one VM (GuestClock's reads and writes of kvmclock). */
export interface Calls {
  reads: number;
  writes: number;
}

/** One scenario after the start: the guest's leap across its pause or downtime. */
export interface ScenarioResult {
  /** Host time from the stop (source) to the cont or start (destination), ms. */
  pauseMs: number;
  /** CLOCK_MONOTONIC's leap, ms, and CLOCK_REALTIME's (guest-observed: guestLeap). */
  leapMs: number;
  realtimeLeapMs: number;
  /**
   * What the leap would be if the guest ran on its new VM's own kvmclock: the pause plus
   * how far that VM's kvmclock was ahead of the old one's (0 for stop/cont).
   */
  ownClockLeapMs: number;
  /** The kernel's time lines from this scenario's stop to the next one's. */
  kernelComplaints: KernelComplaint[];
  /** The library's device calls in the scenario, per VM (none without the library). */
  calls: Record<string, Calls>;
  /** What moved (the migrations). */
  moved?: MoveReport;
  /** Clock lines the guest printed after the cont or start (it runs). */
  linesAfter: number;
  excerpt: string[];
}

export interface QemuScenariosResult {
  hold: Hold;
  cmdline: string;
  clocksource: string;
  simpleStart: {
    /** From the first clock line to the last before the first stop, host ms. */
    windowMs: number;
    /** How much faster the guest's CLOCK_MONOTONIC ran than the host's over that window. */
    rateError: number;
    /** The guest's CLOCK_REALTIME at its first clock line minus the host's, ms. */
    realtimeOffsetMs: number;
    calls: Calls;
    bootMs: number;
  };
  stopCont: ScenarioResult;
  liveMigration: ScenarioResult;
  offlineMigration: ScenarioResult;
  bootComplaints: KernelComplaint[];
  warnings: string[];
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const ms = (n: bigint): number => Number(n) / 1e6;
const CLOCK = CLOCK_SEEN;

interface Vmm {
  name: string;
  vm: LinuxVm;
  clock?: GuestClock<bigint>;
  calls: Calls;
}

export async function runQemuScenarios(options: QemuScenariosOptions): Promise<QemuScenariosResult> {
  const settings = options.settings ?? defaultSettings;
  const cmdline = commandLine(settings);
  const warnings: string[] = [];
  const watchMs = options.watchMs ?? 6000;
  const lines: (GuestLine & { vm: string })[] = [];
  const vmms: Vmm[] = [];
  try {
    // The destinations first: each VM's kvmclock counts from its creation, so theirs are a
    // little ahead of the source's, and a guest moved without its clock leaps forward.
    for (const name of ['offline destination', 'destination', 'source']) {
      const vm = new LinuxVm({ kernel: options.kernel, initrd: options.initrd, cmdline });
      const v: Vmm = { name, vm, calls: { reads: 0, writes: 0 } };
      if (options.hold !== 'none') v.clock = guestClock(v, options.hold, warnings);
      vm.stateHook = (running) => v.clock?.vmStateChanged(running);
      vm.on('line', (l: GuestLine) => {
        lines.push({ ...l, vm: name });
        options.onLine?.(l, name);
      });
      vmms.unshift(v);
    }
    const [source, destination, offline] = vmms;
    // Where each VM's kvmclock stands against the source's (read back to back; a measurement
    // for the report, not a hold).
    const clockNow = vmms.map((v) => getKvmClock(v.vm.vmFd).clock);
    const aheadMs = (v: Vmm): number => ms(clockNow[vmms.indexOf(v)] - clockNow[0]);

    const clockLines = (vm: LinuxVm, from: number): number =>
      vm.lines.slice(from).filter((l) => CLOCK.test(l.text)).length;
    const waitClockLines = async (vm: LinuxVm, n: number): Promise<void> => {
      const from = vm.lines.length;
      while (clockLines(vm, from) < n) await vm.waitForLine(CLOCK, ALIVE_MS, vm.lines.length);
    };
    const snapshot = (): Calls[] => vmms.map((v) => ({ ...v.calls }));
    const callsSince = (before: Calls[]): Record<string, Calls> => {
      const out: Record<string, Calls> = {};
      vmms.forEach((v, i) => {
        const c = { reads: v.calls.reads - before[i].reads, writes: v.calls.writes - before[i].writes };
        if (c.reads + c.writes > 0) out[v.name] = c;
      });
      return out;
    };

    // (1) Simple start: the guest's clocks run with the host's; the library holds nothing.
    const startNs = process.hrtime.bigint();
    const wallAtStartNs = BigInt(Date.now()) * 1_000_000n; // the host's CLOCK_REALTIME then
    await source.vm.start();
    const ready = await source.vm.waitForLine(/^kvmtod-guest ready/, options.bootTimeoutMs ?? 300_000);
    const first = await source.vm.waitForLine(CLOCK, ALIVE_MS);
    await waitClockLines(source.vm, 8);
    const startCalls = { ...source.calls };

    const phases: { stopNs: bigint; contNs: bigint; firstLine: number; to: LinuxVm }[] = [];
    const results: Omit<ScenarioResult, 'leapMs' | 'realtimeLeapMs' | 'kernelComplaints' | 'excerpt' | 'linesAfter'>[] =
      [];

    // (4) stop/cont repeated: stop, stop, the pause, cont, cont.
    const before = snapshot();
    const firstLine = lines.length;
    source.vm.stop();
    const stopNs = process.hrtime.bigint();
    source.vm.stop();
    await sleep(options.pauseMs);
    const contNs = process.hrtime.bigint();
    source.vm.cont();
    source.vm.cont();
    phases.push({ stopNs, contNs, firstLine, to: source.vm });
    results.push({ pauseMs: ms(contNs - stopNs), ownClockLeapMs: 0, calls: callsSince(before) });
    await sleep(watchMs);
    await waitClockLines(source.vm, 4);

    // A migration from one VM to the next: the guest stopped, moved with its RAM and KVM
    // state, the clock section loaded into the destination, which starts after the downtime.
    // Live: the section is saved while the source still runs. Offline: halfway through the
    // downtime, from the clock held at stop.
    const migrate = async (from: Vmm, to: Vmm, live: boolean): Promise<void> => {
      const before = snapshot();
      const firstLine = lines.length;
      let section = live && from.clock ? saveClockSection(from.clock) : undefined;
      from.vm.stop();
      const stopNs = process.hrtime.bigint();
      if (!live) {
        await sleep(options.pauseMs / 2);
        section = from.clock ? saveClockSection(from.clock) : undefined;
      }
      const moved = moveGuest(from.vm, to.vm);
      if (section) loadClockSection(to.clock!, section);
      await sleep(options.pauseMs - ms(process.hrtime.bigint() - stopNs));
      const contNs = process.hrtime.bigint();
      await to.vm.start(); // the destination's start (or cont): its first run
      phases.push({ stopNs, contNs, firstLine, to: to.vm });
      results.push({
        pauseMs: ms(contNs - stopNs),
        ownClockLeapMs: ms(contNs - stopNs) + aheadMs(to) - aheadMs(from),
        calls: callsSince(before),
        moved,
      });
      await sleep(watchMs);
      await waitClockLines(to.vm, 4);
    };
    await migrate(source, destination, true); // (2) live migration
    await migrate(destination, offline, false); // (3) offline migration

    // Reading it all from what the guest printed.
    const all = lines.slice();
    const samples = all.map((l) => parseClockLine(l.text, l.startNs)).filter((s): s is ClockSample => s !== undefined);
    const complaints = (from: number, to: number, pausedMs: number): KernelComplaint[] =>
      all.slice(from, to).flatMap((l) => {
        const kind = kernelComplaint(l.text);
        return kind ? [{ kind, aboutPause: aboutPause(kind, l.text, pausedMs), text: l.text }] : [];
      });
    const scenarios: ScenarioResult[] = phases.map((p, i) => {
      const leap = guestLeap(samples, p.stopNs, p.contNs);
      if (!leap) throw new Error(`no clock lines on both sides of a pause; the guest printed:\n${p.to.tail(30)}`);
      const to = i + 1 < phases.length ? phases[i + 1].firstLine : all.length;
      return {
        ...results[i],
        leapMs: ms(leap.monotonicLeapNs),
        realtimeLeapMs: ms(leap.realtimeLeapNs),
        kernelComplaints: complaints(p.firstLine, to, results[i].pauseMs),
        linesAfter: all.slice(p.firstLine, to).filter((l) => l.startNs >= p.contNs && CLOCK.test(l.text)).length,
        excerpt: all
          .slice(Math.max(0, p.firstLine - 2), to)
          .map((l) => `[${l.vm}] ${l.text}`)
          .filter((_, j, list) => j < 30 || j === list.length - 1),
      };
    });

    const beforeStop = samples.filter((s) => s.hostNs <= phases[0].stopNs);
    const a = beforeStop[0];
    const b = beforeStop[beforeStop.length - 1];
    const hostNs = b.hostNs - a.hostNs;
    return {
      hold: options.hold,
      cmdline,
      clocksource: /clocksource=(\S+)/.exec(ready.text)?.[1] ?? '?',
      simpleStart: {
        windowMs: ms(hostNs),
        rateError: Number(b.monotonicNs - a.monotonicNs - hostNs) / Number(hostNs),
        realtimeOffsetMs: ms(a.realtimeNs - (wallAtStartNs + (a.hostNs - startNs))),
        calls: startCalls,
        bootMs: ms(first.startNs - startNs),
      },
      stopCont: scenarios[0],
      liveMigration: scenarios[1],
      offlineMigration: scenarios[2],
      bootComplaints: complaints(0, phases[0].firstLine, options.pauseMs),
      warnings,
    };
  } finally {
    for (const v of vmms) await v.vm.close();
  }
}

/** The VMM's GuestClock over the VM's kvmclock, its reads and writes counted. */
function guestClock(v: Vmm, hold: Exclude<Hold, 'none'>, warnings: string[]): GuestClock<bigint> {
  const device = new KvmClockDevice(v.vm.vmFd);
  device.addVcpu(v.vm.vcpuFd); // the pause notice (KVMCLOCK_CTRL) at every cont
  const read = device.read.bind(device);
  const write = device.write.bind(device);
  const writeCaughtUp = device.writeCaughtUp.bind(device);
  device.read = () => {
    v.calls.reads++;
    return read();
  };
  device.write = (value) => {
    v.calls.writes++;
    write(value);
  };
  device.writeCaughtUp = (value) => {
    const done = writeCaughtUp(value);
    if (done) v.calls.writes++;
    return done;
  };
  return new GuestClock(device, {
    name: `linux-guest ${v.name}`,
    policy: hold,
    warn: (w: KvmTodWarning) => warnings.push(`${v.name}: ${w.code}: ${w.message}`),
  });
}
