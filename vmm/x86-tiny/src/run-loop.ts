// The tiny VMM's run loop, and where it tells kvm-tod about run-state changes: the
// wiring every VMM needs. Hold right after the vCPU stops; release right before it
// runs again. One thread here, so "the vCPU stopped" is simply "no KVM_RUN is under way
// and the loop will not call it again until cont".
import {
  GuestClock,
  GuestClockOptions,
  createKvmClock,
  decodeKvmClockSection,
  encodeKvmClockSection,
  getKvmClock,
  hostUnixNs,
  loadClockSection,
  saveClockSection,
  setKvmClock,
} from 'kvm-tod';
import { GuestReport, TinyVm } from './tiny-vm';

/** Options of {@link TinyVmm}. */
export interface TinyVmmOptions {
  /**
   * Hold the guest clock with kvm-tod (the default). false: a VMM without it, which
   * migrates the clock (read at save, written at load) but never holds it.
   */
  library?: boolean;
  /** The GuestClock's options (warnings, name, policy). */
  clock?: GuestClockOptions;
  /** How often the running guest reports, ms (default 10): the loop's pace. */
  tickMs?: number;
}

/** A VMM of one tiny guest: start/stop/cont, migration, and what the guest reported. */
export class TinyVmm {
  readonly vm: TinyVm;
  /** kvm-tod's clock hook; undefined for a VMM without the library. */
  readonly clock: GuestClock<bigint> | undefined;
  /** Every report of the guest, oldest first. */
  readonly reports: GuestReport[] = [];
  private readonly tickMs: number;
  private isRunning = false;
  private timer: NodeJS.Timeout | undefined;
  private failure: Error | undefined;

  /**
   * A VM that does not run yet.
   * @throws as {@link TinyVm.create}, and a bad `options.clock` as GuestClock's constructor.
   */
  constructor(options: TinyVmmOptions = {}) {
    const { library = true, clock: clockOptions = {}, tickMs = 10 } = options;
    this.tickMs = tickMs;
    this.vm = TinyVm.create();
    if (library) {
      try {
        // Every vCPU is told after each pause (KVMCLOCK_CTRL): the guest learns it was paused.
        this.clock = createKvmClock(this.vm.vmFd, { ...clockOptions, vcpus: [this.vm.vcpuFd] });
      } catch (error) {
        this.vm.close();
        throw error;
      }
    }
  }

  /** Whether the guest is running. */
  get running(): boolean {
    return this.isRunning;
  }

  /** The last report, if any. */
  get lastReport(): GuestReport | undefined {
    return this.reports[this.reports.length - 1];
  }

  /**
   * start or cont (the same thing to a VMM): the clock is released first, then the
   * vCPU runs; returns the guest's first report. A cont while running changes nothing
   * but is still reported to the clock (which ignores it) and returns a fresh report.
   * @throws what the guest's run throws (TinyVm.nextReport); a failed tick's error.
   */
  cont(): GuestReport {
    this.throwFailure();
    this.clock?.vmStateChanged(true); // before KVM_RUN: the guest must not run on a stale clock
    if (!this.isRunning) {
      this.isRunning = true;
      this.timer = setInterval(() => this.tick(), this.tickMs);
      this.timer.unref();
    }
    return this.observe();
  }

  /**
   * stop: the guest's last report, then the vCPU is stopped and the clock held. A stop
   * while stopped is still reported to the clock (which ignores it); it returns nothing.
   * @throws what the guest's last run throws; the VM is stopped all the same.
   */
  stop(): GuestReport | undefined {
    let last: GuestReport | undefined;
    try {
      if (this.isRunning) last = this.observe();
    } finally {
      if (this.timer !== undefined) clearInterval(this.timer);
      this.timer = undefined;
      this.isRunning = false;
      this.clock?.vmStateChanged(false); // after the vCPU stopped: the held value is where the guest left off
    }
    return last;
  }

  /**
   * Runs the guest to its next report, now.
   * @throws {Error} `ERR_TINY_VM_STOPPED` while stopped; what TinyVm.nextReport throws.
   */
  observe(): GuestReport {
    if (!this.isRunning) {
      const error = new Error('the tiny guest is stopped');
      (error as Error & { code: string }).code = 'ERR_TINY_VM_STOPPED';
      throw error;
    }
    const report = this.vm.nextReport();
    this.reports.push(report);
    return report;
  }

  /**
   * Migration source: the kvmclock section to send (kvm-tod's, 22 bytes). The library's:
   * the held value while stopped (saveClockSection); without it: whatever KVM says now.
   * @throws {KvmError} without the library, KVM_GET_CLOCK failed (the library's save warns instead).
   */
  save(): Buffer {
    if (this.clock) return saveClockSection(this.clock);
    return encodeKvmClockSection(getKvmClock(this.vm.vmFd).clock, hostUnixNs());
  }

  /**
   * Migration destination: loads a kvmclock section; with the library it is held until
   * the guest runs (loadClockSection), without it simply written.
   * @throws {ClockSectionError} a section that is not a kvmclock section.
   * @throws {KvmError} KVM_SET_CLOCK failed.
   */
  load(section: Uint8Array): void {
    if (this.clock) {
      loadClockSection(this.clock, section);
      return;
    }
    const { clock } = decodeKvmClockSection(section);
    if (clock !== null) setKvmClock(this.vm.vmFd, clock);
  }

  /**
   * Stops the loop and closes the VM. Idempotent.
   * @throws nothing.
   */
  close(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
    this.isRunning = false;
    this.vm.close();
  }

  private tick(): void {
    try {
      this.observe();
    } catch (error) {
      // The loop stops; the next call from the VMM's owner gets the error.
      this.failure = error instanceof Error ? error : new Error(String(error));
      if (this.timer !== undefined) clearInterval(this.timer);
      this.timer = undefined;
    }
  }

  private throwFailure(): void {
    if (this.failure === undefined) return;
    const failure = this.failure;
    this.failure = undefined;
    throw failure;
  }
}
