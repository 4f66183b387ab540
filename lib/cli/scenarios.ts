// The seed's test plan (../shared/reference/guest-clock-semantics.md) as four
// scenarios, each run twice on VMs of the same backend: with the library (GuestClock)
// and without it (a VMM that never holds the clock: the control). All scenarios share
// one pause, split in two halves, so that `--pause 2m` takes two minutes, not eight.
import { GuestClock } from '../guest-clock';
import type { Backend } from './backends';
import { CountingDevice, DeviceCalls, FaultKind, FaultyDevice } from './devices';
import { describeError } from './errors';

export type Variant = 'library' | 'control';

/** The VMM's side of one VM: the library's GuestClock, or the control that never holds. */
interface Vmm<T> {
  vmStateChanged(running: boolean): void;
  readonly held: boolean;
  readonly heldValue: T | undefined;
  save(): Buffer;
  load(bytes: Buffer): void;
}

class LibraryVmm<T> implements Vmm<T> {
  constructor(
    readonly clock: GuestClock<T>,
    private readonly backend: Backend<T>,
  ) {}
  vmStateChanged(running: boolean): void {
    this.clock.vmStateChanged(running);
  }
  get held(): boolean {
    return this.clock.held;
  }
  get heldValue(): T | undefined {
    return this.clock.heldValue;
  }
  save(): Buffer {
    return this.backend.librarySave(this.clock);
  }
  load(bytes: Buffer): void {
    this.backend.libraryLoad(this.clock, bytes);
  }
}

/** A VMM without kvm-tod: it migrates the clock (read at save, written at load) but never holds it. */
class ControlVmm<T> implements Vmm<T> {
  readonly held = false;
  readonly heldValue = undefined;
  constructor(
    private readonly device: CountingDevice<T>,
    private readonly backend: Backend<T>,
  ) {}
  vmStateChanged(): void {
    // The clock keeps running across stop and cont: the behaviour before the fix.
  }
  save(): Buffer {
    return this.backend.encode(this.device.read());
  }
  load(bytes: Buffer): void {
    const value = this.backend.decode(bytes);
    if (value !== null) this.device.write(value);
  }
}

export interface DemoVm<T> {
  role: string;
  vmm: Vmm<T>;
  counter: CountingDevice<T>;
  /** The guest clock as the guest sees it (not counted as a device call of the VMM). */
  observe(): T;
}

export interface StepRecord {
  /** Milliseconds since the demo started. */
  atMs: number;
  vm: string;
  action: string;
  /** 0 before the pause, 1 halfway through it, 2 after it. */
  phase: number;
  reads: number;
  writes: number;
  held: boolean;
}

export interface Check {
  name: string;
  pass: boolean;
  detail: string;
}

export interface Mark {
  guestNs: bigint;
  hostNs: bigint;
  value: unknown;
}

export interface Fault {
  scenario: string;
  kind: FaultKind;
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
    private readonly fault: FaultKind | undefined,
  ) {}

  /** A new VM in the role `role` ('vm', 'source', 'destination'). */
  vm(role: string): DemoVm<T> {
    const raw = this.backend.newVm();
    const faulty = this.fault && this.variant === 'library' ? new FaultyDevice(raw, this.fault) : undefined;
    const counter = new CountingDevice<T>(faulty ?? raw);
    const vmm: Vmm<T> =
      this.variant === 'library'
        ? new LibraryVmm(new GuestClock<T>(counter, { name: role, warn: (w) => this.warnings.push(`${w.code}: ${w.message}`) }), this.backend)
        : new ControlVmm(counter, this.backend);
    const vm: DemoVm<T> = { role, vmm, counter, observe: faulty ? () => faulty.observe() : () => raw.read() };
    this.vms.set(role, vm);
    return vm;
  }

  /** Does `action` to `vm` and records the device calls it cost and the held state after it. */
  step<R>(vm: DemoVm<T>, action: string, fn: () => R): R {
    const { reads, writes } = vm.counter;
    const result = fn();
    this.steps.push({
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

  private mark(vm: DemoVm<T>): Mark {
    const value = vm.observe();
    const hostNs = process.hrtime.bigint();
    return { guestNs: this.backend.toNs(value), hostNs, value };
  }

  get calls(): Record<string, DeviceCalls> {
    const out: Record<string, DeviceCalls> = {};
    for (const [role, vm] of this.vms) out[role] = vm.counter.calls;
    return out;
  }

  /** How far the guest clock moved over the interval, and how much host time passed. */
  get jump(): { jumpNs: bigint; hostElapsedNs: bigint } | undefined {
    if (!this.before || !this.after) return undefined;
    return { jumpNs: this.after.guestNs - this.before.guestNs, hostElapsedNs: this.after.hostNs - this.before.hostNs };
  }
}

type Phase = <T>(run: Run<T>) => void;

export interface ScenarioDef {
  id: string;
  number: number;
  title: string;
  /** The seed's words for it. */
  plan: string;
  /** What the guest clock must do over the measured interval with the library. */
  expect: 'held' | 'runs';
  /** The interval measured, in words. */
  interval: string;
  /** The device calls the rules allow, per VM role, with the library. */
  expectedCalls: Record<string, DeviceCalls>;
  /** Facts about the library's state that must be true. */
  expectedFacts: Record<string, string>;
  /** Before the pause, halfway through it, after it. */
  phases: [Phase, Phase, Phase];
  /** What happened to the guest clock, in a few words, from a library run. */
  story(run: Run<unknown>, jumpOk: boolean): string;
}

const start = <T>(run: Run<T>, vm: DemoVm<T>, what = 'start') => run.step(vm, what, () => vm.vmm.vmStateChanged(true));
const stop = <T>(run: Run<T>, vm: DemoVm<T>, what = 'stop') => run.step(vm, what, () => vm.vmm.vmStateChanged(false));

export const SCENARIOS: ScenarioDef[] = [
  {
    id: 'simple-start',
    number: 1,
    title: 'simple start',
    plan: 'Start a simple VM: the TOD keeps running, no backup or restore happens.',
    expect: 'runs',
    interval: 'from VM creation, through start, to the end of the pause',
    expectedCalls: { vm: { reads: 0, writes: 0 } },
    expectedFacts: { notHeldAtCreation: 'a new VM is not held', notHeldAfterStart: 'not held after start' },
    phases: [
      (run) => {
        const vm = run.vm('vm');
        run.markBefore(vm);
        run.fact('notHeldAtCreation', !vm.vmm.held);
      },
      (run) => {
        const vm = run.vms.get('vm')!;
        start(run, vm);
        run.fact('notHeldAfterStart', !vm.vmm.held);
      },
      (run) => run.markAfter(run.vms.get('vm')!),
    ],
    story: (run, jumpOk) =>
      `${run.facts.notHeldAtCreation && run.facts.notHeldAfterStart ? 'never held' : 'held (it must not be)'}, ` +
      (jumpOk ? 'kept running' : 'but it did not run with the host'),
  },
  {
    id: 'live-migration',
    number: 2,
    title: 'live migration',
    plan: 'Live migration: on the destination the TOD is stopped when the migrated value is set, and starts when the guest starts.',
    expect: 'held',
    interval: "from the source's save to just after the destination starts",
    expectedCalls: { source: { reads: 1, writes: 0 }, destination: { reads: 0, writes: 2 } },
    expectedFacts: { heldAfterLoad: 'destination held after load', releasedAtStart: 'destination released at start' },
    phases: [
      (run) => {
        const source = run.vm('source');
        start(run, source);
        const destination = run.vm('destination');
        run.markBefore(source);
        const bytes = run.step(source, 'save (running)', () => source.vmm.save());
        run.step(destination, 'load (not running)', () => destination.vmm.load(bytes));
        run.fact('heldAfterLoad', destination.vmm.held);
      },
      () => undefined,
      (run) => {
        const destination = run.vms.get('destination')!;
        const wasHeld = destination.vmm.held;
        start(run, destination);
        run.markAfter(destination);
        run.fact('releasedAtStart', wasHeld && !destination.vmm.held);
      },
    ],
    story: (run, jumpOk) =>
      `${run.facts.heldAfterLoad ? 'held at load' : 'not held at load'}, ${run.facts.releasedAtStart ? 'released at start' : 'not released at start'}` +
      (jumpOk ? '' : '; it jumped'),
  },
  {
    id: 'offline-migration',
    number: 3,
    title: 'offline migration',
    plan: 'Offline migration (stop, migrate, cont): the TOD stops on the source at stop; on the destination it is held when set and starts at cont.',
    expect: 'held',
    interval: 'from stop on the source to just after cont on the destination',
    expectedCalls: { source: { reads: 1, writes: 0 }, destination: { reads: 0, writes: 2 } },
    expectedFacts: {
      heldAtStop: 'source held at stop',
      savedHeldValue: 'the saved value is the value held at stop',
      heldAfterLoad: 'destination held after load',
      releasedAtCont: 'destination released at cont',
    },
    phases: [
      (run) => {
        const source = run.vm('source');
        start(run, source);
        run.vm('destination');
        run.markBefore(source);
        stop(run, source);
        run.fact('heldAtStop', source.vmm.held);
        run.kept.heldAtStop = source.vmm.heldValue;
      },
      (run) => {
        const source = run.vms.get('source')!;
        const destination = run.vms.get('destination')!;
        const bytes = run.step(source, 'save (stopped)', () => source.vmm.save());
        const saved = run.backend.decode(bytes);
        const held = run.kept.heldAtStop;
        run.fact('savedHeldValue', saved !== null && held !== undefined && run.backend.toNs(saved) === run.backend.toNs(held));
        run.step(destination, 'load (not running)', () => destination.vmm.load(bytes));
        run.fact('heldAfterLoad', destination.vmm.held);
      },
      (run) => {
        const destination = run.vms.get('destination')!;
        const wasHeld = destination.vmm.held;
        start(run, destination, 'cont');
        run.markAfter(destination);
        run.fact('releasedAtCont', wasHeld && !destination.vmm.held);
      },
    ],
    story: (run, jumpOk) =>
      `${run.facts.heldAtStop ? 'held at stop' : 'not held at stop'}, ${run.facts.heldAfterLoad ? 'at load' : 'not at load'}, ` +
      `${run.facts.releasedAtCont ? 'released at cont' : 'not released at cont'}` +
      (jumpOk ? '' : '; it jumped'),
  },
  {
    id: 'stop-cont',
    number: 4,
    title: 'stop/cont, repeated',
    plan: 'stop/cont stops and starts the TOD; several stops or conts in a row have no effect.',
    expect: 'held',
    interval: 'from the first stop to just after the first cont',
    expectedCalls: { vm: { reads: 1, writes: 1 } },
    expectedFacts: { heldAtStop: 'held at the first stop', stillHeld: 'still held after 3 stops', releasedAtCont: 'released at the first cont', stillReleased: 'still released after 3 conts' },
    phases: [
      (run) => {
        const vm = run.vm('vm');
        start(run, vm);
        run.markBefore(vm);
        stop(run, vm, 'stop');
        run.fact('heldAtStop', vm.vmm.held);
        stop(run, vm, 'stop again');
      },
      (run) => {
        const vm = run.vms.get('vm')!;
        stop(run, vm, 'stop a third time');
        run.fact('stillHeld', vm.vmm.held);
      },
      (run) => {
        const vm = run.vms.get('vm')!;
        const wasHeld = vm.vmm.held;
        start(run, vm, 'cont');
        run.markAfter(vm);
        run.fact('releasedAtCont', wasHeld && !vm.vmm.held);
        start(run, vm, 'cont again');
        start(run, vm, 'cont a third time');
        run.fact('stillReleased', !vm.vmm.held);
      },
    ],
    story: (run, jumpOk) =>
      `${run.facts.heldAtStop ? 'held at stop' : 'not held at stop'}, ${run.facts.releasedAtCont ? 'released at cont' : 'not released at cont'}, ` +
      `repeats ${run.facts.stillHeld && run.facts.stillReleased ? 'ignored' : 'changed it'}` +
      (jumpOk ? '' : '; it jumped'),
  },
];

/** Scenario ids and numbers a user (or a test) may name. */
export function findScenario(name: string): ScenarioDef | undefined {
  return SCENARIOS.find((s) => s.id === name || String(s.number) === name);
}

/** Tolerances of the checks, in milliseconds. */
export interface Tolerance {
  /** How far a held clock may move across the pause: the rule's few ms plus measurement slack. */
  heldMs: number;
  /** How far a running clock may differ from host time, plus `ratePpm` of the interval. */
  runningMs: number;
  ratePpm: number;
}

export const DEFAULT_TOLERANCE: Tolerance = { heldMs: 5 + 20, runningMs: 5 + 20, ratePpm: 1000 };

export interface RunResult {
  variant: Variant;
  jumpNs?: bigint;
  hostElapsedNs?: bigint;
  before?: unknown;
  after?: unknown;
  beforeText?: string;
  afterText?: string;
  calls: Record<string, DeviceCalls>;
  steps: StepRecord[];
  warnings: string[];
  error?: string;
  facts: Record<string, boolean>;
  story: string;
}

export interface ScenarioResult {
  scenario: ScenarioDef;
  fault?: FaultKind;
  library: RunResult;
  control: RunResult;
  checks: Check[];
  pass: boolean;
}

/** Whether a jump is what `expect` says, within `tolerance`. */
function jumpCheck(expect: 'held' | 'runs', jumpNs: bigint, hostElapsedNs: bigint, tolerance: Tolerance): { pass: boolean; limitNs: bigint } {
  if (expect === 'held') {
    const limitNs = BigInt(Math.round(tolerance.heldMs * 1e6));
    return { pass: jumpNs >= -limitNs && jumpNs <= limitNs, limitNs };
  }
  const limitNs = BigInt(Math.round(tolerance.runningMs * 1e6)) + (hostElapsedNs * BigInt(tolerance.ratePpm)) / 1_000_000n;
  const off = jumpNs - hostElapsedNs;
  return { pass: off >= -limitNs && off <= limitNs, limitNs };
}

const ms = (ns: bigint) => (Number(ns) / 1e6).toFixed(3);

/** Checks one scenario's two runs against the rules. */
export function evaluate<T>(scenario: ScenarioDef, library: Run<T>, control: Run<T>, tolerance: Tolerance, fault?: FaultKind): ScenarioResult {
  const checks: Check[] = [];
  const check = (name: string, pass: boolean, detail: string) => checks.push({ name, pass, detail });

  const libraryJump = library.jump;
  let libraryJumpOk = false;
  if (library.error !== undefined) {
    check('with kvm-tod: ran without error', false, describeError(library.error));
  } else if (libraryJump) {
    const { pass, limitNs } = jumpCheck(scenario.expect, libraryJump.jumpNs, libraryJump.hostElapsedNs, tolerance);
    libraryJumpOk = pass;
    check(
      scenario.expect === 'held' ? 'with kvm-tod: the guest sees no jump' : 'with kvm-tod: the clock keeps running',
      pass,
      scenario.expect === 'held'
        ? `jump ${ms(libraryJump.jumpNs)} ms, allowed ±${ms(limitNs)} ms`
        : `advanced ${ms(libraryJump.jumpNs)} ms in ${ms(libraryJump.hostElapsedNs)} ms of host time, allowed ±${ms(limitNs)} ms`,
    );
  }
  if (library.error === undefined) {
    for (const [role, expected] of Object.entries(scenario.expectedCalls)) {
      const actual = library.calls[role] ?? { reads: 0, writes: 0 };
      check(
        `with kvm-tod: device calls on the ${role}`,
        actual.reads === expected.reads && actual.writes === expected.writes,
        `${callText(actual)}, the rules allow ${callText(expected)}`,
      );
    }
    for (const [fact, text] of Object.entries(scenario.expectedFacts)) {
      check(`with kvm-tod: ${text}`, library.facts[fact] === true, library.facts[fact] === true ? 'yes' : 'no');
    }
    check('with kvm-tod: no warnings', library.warnings.length === 0, library.warnings.length === 0 ? 'none' : library.warnings.join('; '));
  }

  const controlJump = control.jump;
  if (control.error !== undefined) {
    check('without: ran without error', false, describeError(control.error));
  } else if (controlJump) {
    const { pass, limitNs } = jumpCheck('runs', controlJump.jumpNs, controlJump.hostElapsedNs, tolerance);
    check(
      'without: the clock runs through the pause (the jump the library removes)',
      pass,
      `jump ${ms(controlJump.jumpNs)} ms in ${ms(controlJump.hostElapsedNs)} ms of host time, allowed ±${ms(limitNs)} ms`,
    );
  }

  return {
    scenario,
    fault,
    library: result(library, scenario.story(library as Run<unknown>, libraryJumpOk)),
    control: result(control, 'ran through the pause (never held)'),
    checks,
    pass: checks.every((c) => c.pass),
  };
}

function result<T>(run: Run<T>, story: string): RunResult {
  const jump = run.jump;
  return {
    variant: run.variant,
    jumpNs: jump?.jumpNs,
    hostElapsedNs: jump?.hostElapsedNs,
    before: run.before && run.backend.toJson(run.before.value as T),
    after: run.after && run.backend.toJson(run.after.value as T),
    beforeText: run.before && run.backend.format(run.before.value as T),
    afterText: run.after && run.backend.format(run.after.value as T),
    calls: run.calls,
    steps: run.steps,
    warnings: run.warnings,
    error: run.error === undefined ? undefined : describeError(run.error),
    facts: run.facts,
    story: run.error === undefined ? story : 'error',
  };
}

/** `1 read`, `2 writes`, `1 read, 1 write`, `no device call`. */
export function stepCallText(calls: DeviceCalls): string {
  const parts: string[] = [];
  if (calls.reads) parts.push(`${calls.reads} read${calls.reads === 1 ? '' : 's'}`);
  if (calls.writes) parts.push(`${calls.writes} write${calls.writes === 1 ? '' : 's'}`);
  return parts.length ? parts.join(', ') : 'no device call';
}

export function callText(calls: DeviceCalls): string {
  return `${calls.reads} read${calls.reads === 1 ? '' : 's'}, ${calls.writes} write${calls.writes === 1 ? '' : 's'}`;
}

export interface DemoOptions {
  pauseMs: number;
  fault?: Fault;
  tolerance?: Tolerance;
  /** Called while waiting, with the milliseconds waited so far; for the progress line. */
  onWait?: (waitedMs: number) => void;
}

const sleep = (msDelay: number) => new Promise<void>((resolve) => setTimeout(resolve, msDelay));

async function wait(totalMs: number, offsetMs: number, onWait?: (waitedMs: number) => void): Promise<void> {
  if (!onWait) return sleep(totalMs);
  const begin = Date.now();
  const tick = Math.min(1000, Math.max(50, Math.floor(totalMs / 20)));
  for (;;) {
    const waited = Date.now() - begin;
    onWait(offsetMs + Math.min(waited, totalMs));
    if (waited >= totalMs) return;
    await sleep(Math.min(tick, totalMs - waited));
  }
}

/** Runs every scenario with and without the library and checks them. */
export async function runDemo<T>(backend: Backend<T>, options: DemoOptions): Promise<ScenarioResult[]> {
  const tolerance = options.tolerance ?? DEFAULT_TOLERANCE;
  const startNs = process.hrtime.bigint();
  const runs = SCENARIOS.map((scenario) => {
    const fault = options.fault && options.fault.scenario === scenario.id ? options.fault.kind : undefined;
    return {
      scenario,
      fault,
      library: new Run<T>('library', backend, startNs, fault),
      control: new Run<T>('control', backend, startNs, undefined),
    };
  });
  const half = Math.floor(options.pauseMs / 2);
  for (let phase = 0; phase < 3; phase++) {
    if (phase === 1) await wait(half, 0, options.onWait);
    if (phase === 2) await wait(options.pauseMs - half, half, options.onWait);
    for (const { scenario, library, control } of runs) {
      for (const run of [library, control]) {
        if (run.error !== undefined) continue;
        run.phase = phase;
        try {
          scenario.phases[phase](run);
        } catch (error) {
          run.error = error;
        }
      }
    }
  }
  return runs.map(({ scenario, fault, library, control }) => evaluate(scenario, library, control, tolerance, fault));
}
