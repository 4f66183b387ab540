// The QEMU commit's four test scenarios as the tiny guest sees them: how far the
// guest's own kvmclock moves across each scenario's interval, with kvm-tod holding it
// and with a VMM that does not.
import { PVCLOCK_GUEST_STOPPED } from './pvclock';
import { TinyVmm } from './run-loop';
import { GuestReport } from './tiny-vm';

export const GUEST_SCENARIOS = ['simple-start', 'live-migration', 'offline-migration', 'stop-cont'] as const;
export type GuestScenarioId = (typeof GUEST_SCENARIOS)[number];

/** Options of {@link observeGuestScenario}. */
export interface GuestScenarioOptions {
  /** Hold the clock with kvm-tod (default true), or run the VMM without it. */
  library?: boolean;
  /** The pause (ms); for simple-start, how long the guest runs. Default 1000. */
  pauseMs?: number;
  /** How long the guest runs before the interval starts (ms). Default 50. */
  warmUpMs?: number;
  /** The run loop's pace (ms between the running guest's reports); default 10. */
  tickMs?: number;
}

/** What the guest saw across a scenario's interval. */
export interface GuestObservation {
  scenario: GuestScenarioId;
  library: boolean;
  /** The guest's kvmclock at the interval's end minus at its start, ns (negative: it went back). */
  guestJumpNs: bigint;
  /** Host monotonic time over the same interval, ns. */
  hostNs: bigint;
  /** The guest reports that bound the interval (the second may be from another VM). */
  first: GuestReport;
  last: GuestReport;
  /** PVCLOCK_GUEST_STOPPED in the pvclock flags at the interval's end: the guest was told. */
  pauseNoticed: boolean;
  /** Reports the guest(s) made in the whole scenario. */
  reports: number;
  /** The library's warnings, as text. */
  warnings: string[];
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Runs one scenario on fresh tiny VMs (one, or a source and a destination) and closes them.
 * @throws as TinyVm.create (no KVM, no addon) and the guest's run.
 */
export async function observeGuestScenario(
  scenario: GuestScenarioId,
  options: GuestScenarioOptions = {},
): Promise<GuestObservation> {
  const { library = true, pauseMs = 1000, warmUpMs = 50, tickMs = 10 } = options;
  const warnings: string[] = [];
  const vmms: TinyVmm[] = [];
  const vmm = (name: string) => {
    const made = new TinyVmm({ library, tickMs, clock: { name, warn: (w) => warnings.push(w.message) } });
    vmms.push(made);
    return made;
  };
  try {
    let first: GuestReport;
    let last: GuestReport;
    if (scenario === 'simple-start') {
      const vm = vmm('vm');
      first = vm.cont();
      await sleep(pauseMs);
      last = vm.observe();
    } else if (scenario === 'stop-cont') {
      const vm = vmm('vm');
      vm.cont();
      await sleep(warmUpMs);
      first = vm.stop()!;
      vm.stop();
      vm.stop();
      await sleep(pauseMs);
      last = vm.cont();
      vm.cont();
      vm.cont();
    } else if (scenario === 'offline-migration') {
      const source = vmm('source');
      const destination = vmm('destination');
      source.cont();
      await sleep(warmUpMs);
      first = source.stop()!;
      await sleep(Math.floor(pauseMs / 2));
      destination.load(source.save());
      await sleep(pauseMs - Math.floor(pauseMs / 2));
      last = destination.cont();
    } else {
      const source = vmm('source');
      const destination = vmm('destination');
      source.cont();
      await sleep(warmUpMs);
      first = source.observe();
      destination.load(source.save());
      source.close(); // the source's part ends with the migration
      await sleep(pauseMs);
      last = destination.cont();
    }
    return {
      scenario,
      library,
      guestJumpNs: last.kvmclockNs - first.kvmclockNs,
      hostNs: last.hostNs - first.hostNs,
      first,
      last,
      pauseNoticed: (last.flags & PVCLOCK_GUEST_STOPPED) !== 0,
      reports: vmms.reduce((n, v) => n + v.reports.length, 0),
      warnings,
    };
  } finally {
    for (const v of vmms) v.close();
  }
}
