// One run of one scenario: its VMs (with the library or the control), what was done to
// them step by step, and the guest clock measured at both ends of the interval.
import { ClockDevice, GuestClock } from 'kvm-tod';
import type { Backend } from './backends';
import { DemoPolicy, FREEZE, sendsWallTime } from './policies';
import { ControlVmm, CountingDevice, DeviceCalls, LibraryVmm, Vmm } from './vms';

/** What a run needs of a misbehaving device (fault.ts): wrap one of its VMs' devices. */
export interface DeviceWrapper {
  /** Wraps one VM's device; `observe` reads the guest clock as the guest sees it. */
  wrap<T>(device: ClockDevice<T>, kind: string): { device: ClockDevice<T>; observe(): T };
}

export type Variant = 'library' | 'control';

export interface DemoVm<T> {
  role: string;
  vmm: Vmm<T>;
  counter: CountingDevice<T>;
  /** The guest clock as the guest sees it (not counted as a device call of the VMM). */
  observe(): T;
}

export interface StepRecord {
  /** Milliseconds since the demo started, when the step began. */
  startMs: number;
  /** Milliseconds since the demo started, when the step had ended. */
  atMs: number;
  vm: string;
  action: string;
  /** 0 before the pause, 1 halfway through it, 2 after it. */
  phase: number;
  reads: number;
  writes: number;
  held: boolean;
}

export interface Mark {
  guestNs: bigint;
  /** Host time at the middle of the read: the guest clock was read within `readNs / 2` of it. */
  hostNs: bigint;
  /** Host time the read took, from before the call to after it. */
  readNs: bigint;
  value: unknown;
}

export interface Jump {
  jumpNs: bigint;
  hostElapsedNs: bigint;
  /** Half the host time the two reads took: what a clock that runs may differ by on top of the rate. */
  hostUncertaintyNs: bigint;
}

/** One run of one scenario: its VMs, what was done to them, what was measured. */
export class Run<T> {
  readonly steps: StepRecord[] = [];
  readonly warnings: string[] = [];
  readonly facts: Record<string, boolean> = {};
  /** Values a scenario keeps between its phases. */
  readonly kept: Record<string, T | undefined> = {};
  readonly vms = new Map<string, DemoVm<T>>();
  before?: Mark;
  after?: Mark;
  error?: unknown;
  /** The phase being run (set by runDemo). */
  phase = 0;

  constructor(
    readonly variant: Variant,
    readonly backend: Backend<T>,
    readonly startNs: bigint,
    private readonly fault: { injected: DeviceWrapper; kind: string } | undefined,
    /** The library's resume policy (library runs only). */
    readonly policy: DemoPolicy = FREEZE,
  ) {}

  /** A new VM in the role `role` ('vm', 'source', 'destination'). */
  vm(role: string): DemoVm<T> {
    const raw = this.backend.newVm();
    const faulty =
      this.fault && this.variant === 'library' ? this.fault.injected.wrap(raw, this.fault.kind) : undefined;
    const counter = new CountingDevice<T>(faulty ? faulty.device : raw);
    const vmm: Vmm<T> =
      this.variant === 'library'
        ? new LibraryVmm(
            new GuestClock<T>(counter, {
              name: role,
              policy: this.policy.clockPolicy,
              warn: (w) => this.warnings.push(`${w.code}: ${w.message}`),
            }),
            this.backend,
            sendsWallTime(this.policy),
          )
        : new ControlVmm(counter, this.backend);
    const vm: DemoVm<T> = { role, vmm, counter, observe: faulty ? () => faulty.observe() : () => raw.read() };
    this.vms.set(role, vm);
    return vm;
  }

  /** Does `action` to `vm` and records the device calls it cost and the held state after it. */
  step<R>(vm: DemoVm<T>, action: string, fn: () => R): R {
    const { reads, writes } = vm.counter;
    const startMs = Number(process.hrtime.bigint() - this.startNs) / 1e6;
    const result = fn();
    this.steps.push({
      startMs,
      atMs: Number(process.hrtime.bigint() - this.startNs) / 1e6,
      vm: vm.role,
      action,
      phase: this.phase,
      reads: vm.counter.reads - reads,
      writes: vm.counter.writes - writes,
      held: vm.vmm.held,
    });
    return result;
  }

  /** Records a fact about the library's state (checked for the library run only). */
  fact(name: string, value: boolean): void {
    this.facts[name] = value;
  }

  /** The guest clock now: the start of the interval the guest should (not) see. */
  markBefore(vm: DemoVm<T>): void {
    this.before = this.mark(vm);
  }

  /** The guest clock now: the end of the interval. */
  markAfter(vm: DemoVm<T>): void {
    this.after = this.mark(vm);
  }

  // The read is bracketed by host time: a process descheduled, or a GC, inside the
  // read or just after it once put 116 ms between the guest's reading and the host's in
  // the KVM box, a "jump" that was only the demo's own measurement.
  private mark(vm: DemoVm<T>): Mark {
    const startNs = process.hrtime.bigint();
    const value = vm.observe();
    const endNs = process.hrtime.bigint();
    const readNs = endNs - startNs;
    return { guestNs: this.backend.toNs(value), hostNs: startNs + readNs / 2n, readNs, value };
  }

  get calls(): Record<string, DeviceCalls> {
    const out: Record<string, DeviceCalls> = {};
    for (const [role, vm] of this.vms) out[role] = vm.counter.calls;
    return out;
  }

  /**
   * How far the guest clock moved over the interval, how much host time passed, and how
   * far that host time may be from the host time between the two reads themselves.
   */
  get jump(): Jump | undefined {
    if (!this.before || !this.after) return undefined;
    return {
      jumpNs: this.after.guestNs - this.before.guestNs,
      hostElapsedNs: this.after.hostNs - this.before.hostNs,
      hostUncertaintyNs: (this.before.readNs + this.after.readNs) / 2n,
    };
  }
}
