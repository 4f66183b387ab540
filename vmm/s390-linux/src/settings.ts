// The guest's kernel command line: the console, the boot, the watchdog settings and the load
// that the scenarios need. Pure.

/** The guest's load and watchdog settings. */
export interface GuestSettings {
  /** Period of the guest's clock lines, ms. */
  tickMs: number;
  /** Loads guest/init.c starts (fork, files, spin); none by default. */
  busy: string[];
  /** rcupdate.rcu_cpu_stall_timeout= (seconds; the kernel takes 3 at least). */
  rcuStallTimeout?: number;
  /** kernel.hung_task_timeout_secs (seconds). */
  hungTaskTimeout?: number;
  /** The kernel's console log level (loglevel=); 7 (everything) by default. */
  loglevel?: number;
  /** More command-line words. */
  extra?: string[];
}

export const defaultSettings: GuestSettings = { tickMs: 500, busy: [] };

/** The kernel command line for a guest with `settings`. */
export function commandLine(settings: GuestSettings): string {
  const words = [
    'console=ttysclp0',
    'rdinit=/init',
    'nokaslr',
    'panic=-1',
    // Topology (facility 11) must not reach the guest: it would issue PTF, which the box's
    // kvm.ko does not handle. The VMM takes 11 out of KVM's CPU model (s390-vm.ts), but in the
    // box the guest's STFLE is Hercules' own list, not the model's: so it is hidden here too.
    'facilities=!11',
    // The crypto self-tests take some 25 s of the emulated CPU at every boot; the guest has
    // no use for the crypto they test.
    'cryptomgr.notests',
    `loglevel=${settings.loglevel ?? 7}`,
    `kvmtod_tick_ms=${settings.tickMs}`,
  ];
  if (settings.busy.length) words.push(`kvmtod_busy=${settings.busy.join(',')}`);
  if (settings.rcuStallTimeout !== undefined) words.push(`rcupdate.rcu_cpu_stall_timeout=${settings.rcuStallTimeout}`);
  if (settings.hungTaskTimeout !== undefined)
    words.push(`sysctl.kernel.hung_task_timeout_secs=${settings.hungTaskTimeout}`);
  return [...words, ...(settings.extra ?? [])].join(' ');
}
