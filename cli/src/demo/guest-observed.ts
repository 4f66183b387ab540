// The demo's guest: on the kvmclock backend, the tiny x86 guest (@kvm-tod/vmm-x86-tiny)
// runs each scenario with kvm-tod and without it and reports the jump it saw on its own
// clock, beside the host-side numbers. Where it cannot run (no addon, no
// /dev/kvm) the demo says so and that no guest ran.
/** What the guest saw in one scenario, with or without kvm-tod. */
export interface GuestRun {
  jumpNs: bigint;
  jumpMs: number;
  hostElapsedMs: number;
  /** PVCLOCK_GUEST_STOPPED in the guest's pvclock flags after the interval: it was told of the pause. */
  pauseNoticed: boolean;
}

export interface GuestScenario {
  withLibrary: GuestRun;
  withoutLibrary: GuestRun;
}

/** Whether a guest ran, and what it saw per scenario id; or why none ran. */
export type GuestObserved =
  | { ran: true; guest: string; scenarios: Record<string, GuestScenario>; warnings: string[] }
  | { ran: false; reason: string };

export const GUEST_NAME = 'tiny x86 real-mode guest (23 bytes: kvmclock via MSR_KVM_SYSTEM_TIME_NEW, then rdtsc; out)';

type TinyVmm = typeof import('@kvm-tod/vmm-x86-tiny');

/** The tiny VMM package and its addon, or why they cannot be had. */
async function loadModule(): Promise<TinyVmm | Error> {
  try {
    const tiny = await import('@kvm-tod/vmm-x86-tiny');
    const raw = tiny.loadTinyVmm();
    return raw instanceof Error ? raw : tiny;
  } catch (error) {
    return new Error(
      `the tiny VMM (@kvm-tod/vmm-x86-tiny) is not installed (${(error as Error).message.split('\n')[0]})`,
    );
  }
}

const ms = (ns: bigint) => Number(ns) / 1e6;

// Eight guests run at once: each reports every 100 ms while running, not every 10 (the
// VMM's default), so that together they do not keep a slow (emulated) host busy.
const TICK_MS = 100;

/**
 * Runs the four scenarios on the tiny guest, with and without kvm-tod, all at once (each
 * on its own VMs, so they share one pause), after a short warm-up run that is not shown.
 * @throws nothing: a failure is "no guest ran" with its reason.
 */
export async function observeGuest(pauseMs: number): Promise<GuestObserved> {
  const tiny = await loadModule();
  if (tiny instanceof Error) return { ran: false, reason: tiny.message };
  try {
    // A VM's first runs are slow (more so in an emulator): a throwaway run first.
    await tiny.observeGuestScenario('stop-cont', { library: true, pauseMs: 10 });
    const runs = await Promise.all(
      tiny.GUEST_SCENARIOS.flatMap((id) =>
        [true, false].map(async (library) => ({
          id,
          library,
          o: await tiny.observeGuestScenario(id, { library, pauseMs, tickMs: TICK_MS }),
        })),
      ),
    );
    const scenarios: Record<string, GuestScenario> = {};
    const warnings: string[] = [];
    for (const { id, library, o } of runs) {
      const run: GuestRun = {
        jumpNs: o.guestJumpNs,
        jumpMs: ms(o.guestJumpNs),
        hostElapsedMs: ms(o.hostNs),
        pauseNoticed: o.pauseNoticed,
      };
      const entry = (scenarios[id] ??= {} as GuestScenario);
      if (library) entry.withLibrary = run;
      else entry.withoutLibrary = run;
      warnings.push(...o.warnings);
    }
    return { ran: true, guest: GUEST_NAME, scenarios, warnings };
  } catch (error) {
    return { ran: false, reason: `the tiny guest failed: ${(error as Error).message}` };
  }
}
