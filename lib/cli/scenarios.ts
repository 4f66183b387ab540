// The seed's test plan (../shared/reference/guest-clock-semantics.md) as four
// scenarios, each run twice on VMs of the same backend: with the library (GuestClock)
// and without it (a VMM that never holds the clock: the control). All scenarios share
// one pause, split in two halves, so that `--pause 2m` takes two minutes, not eight.
import { GuestClock } from '../guest-clock';
import { ClockPolicy, ClockPolicyName, catchUpAfter } from '../policy';
import type { Backend } from './backends';
import { CountingDevice, DeviceCalls, FaultKind, FaultyDevice } from './devices';
import { formatDuration } from './duration';
import { describeError } from './errors';

/** A resume policy the demo runs the library under (`--policy`). */
export interface DemoPolicy {
  /** As given on the command line: 'freeze', 'catch-up', 'threshold:2s'. */
  id: string;
  /** For people: 'freeze', 'catch-up', 'catch-up after 2s'. */
  label: string;
  /** What the GuestClocks are given. */
  clockPolicy: ClockPolicy;
  /** What the policy answers for a clock held `heldNs`: what the checks expect. */
  decide(heldNs: bigint): ClockPolicyName;
  /** For a threshold policy: holds this close to it may go either way. */
  thresholdNs?: bigint;
}

export const FREEZE: DemoPolicy = { id: 'freeze', label: 'freeze', clockPolicy: 'freeze', decide: () => 'freeze' };
export const CATCH_UP: DemoPolicy = { id: 'catch-up', label: 'catch-up', clockPolicy: 'catch-up', decide: () => 'catch-up' };

/** `catchUpAfter(threshold)`: freeze holds shorter than `thresholdMs`, catch up longer ones. */
export function thresholdPolicy(thresholdMs: number): DemoPolicy {
  const thresholdNs = BigInt(Math.round(thresholdMs * 1e6));
  const decide = catchUpAfter(thresholdNs);
  return { id: `threshold:${formatDuration(thresholdMs).replace(/ /g, '')}`, label: `catch-up after ${formatDuration(thresholdMs)}`, clockPolicy: decide, decide, thresholdNs };
}

/** Whether a policy makes the migration stream carry the source's wall time (the extended section). */
const sendsWallTime = (policy: DemoPolicy) => policy.id !== 'freeze';

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
    private readonly extended: boolean,
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
    return this.backend.librarySave(this.clock, this.extended);
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
  /** As asked for; undefined: the kind that breaks what the scenario shows under each policy (faultKindFor). */
  kind?: FaultKind;
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
    /** The library's resume policy (library runs only). */
    readonly policy: DemoPolicy = FREEZE,
  ) {}

  /** A new VM in the role `role` ('vm', 'source', 'destination'). */
  vm(role: string): DemoVm<T> {
    const raw = this.backend.newVm();
    const faulty = this.fault && this.variant === 'library' ? new FaultyDevice(raw, this.fault) : undefined;
    const counter = new CountingDevice<T>(faulty ?? raw);
    const vmm: Vmm<T> =
      this.variant === 'library'
        ? new LibraryVmm(
            new GuestClock<T>(counter, { name: role, policy: this.policy.clockPolicy, warn: (w) => this.warnings.push(`${w.code}: ${w.message}`) }),
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
  /**
   * The spans over which the library holds the clock and a resume policy decides, each
   * from one step to another ([role, action] of the step records): a catch-up adds them.
   */
  holds: Array<{ from: [string, string]; to: [string, string] }>;
  /** Those spans' nominal lengths for a pause (before running: to pick a fault). */
  nominalHoldsMs(pauseMs: number): number[];
  /** Before the pause, halfway through it, after it. */
  phases: [Phase, Phase, Phase];
  /**
   * What happened to the guest clock, in a few words, from a library run; `caughtUp`:
   * the policy was to catch up (the release is then a catch-up).
   */
  story(run: Run<unknown>, jumpOk: boolean, caughtUp: boolean): string;
}

const start = <T>(run: Run<T>, vm: DemoVm<T>, what = 'start') => run.step(vm, what, () => vm.vmm.vmStateChanged(true));
const stop = <T>(run: Run<T>, vm: DemoVm<T>, what = 'stop') => run.step(vm, what, () => vm.vmm.vmStateChanged(false));

const released = (caughtUp: boolean) => (caughtUp ? 'caught up' : 'released');
const jumped = (jumpOk: boolean, caughtUp: boolean) => (jumpOk ? '' : caughtUp ? '; it did not catch up' : '; it jumped');
const half = (pauseMs: number) => Math.floor(pauseMs / 2);

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
    holds: [],
    nominalHoldsMs: () => [],
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
    holds: [
      { from: ['source', 'save (running)'], to: ['destination', 'load (not running)'] },
      { from: ['destination', 'load (not running)'], to: ['destination', 'start'] },
    ],
    nominalHoldsMs: (pauseMs) => [0, pauseMs],
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
    story: (run, jumpOk, caughtUp) =>
      `${run.facts.heldAfterLoad ? 'held at load' : 'not held at load'}, ${run.facts.releasedAtStart ? `${released(caughtUp && jumpOk)} at start` : 'not released at start'}` +
      jumped(jumpOk, caughtUp),
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
    holds: [
      { from: ['source', 'stop'], to: ['destination', 'load (not running)'] },
      { from: ['destination', 'load (not running)'], to: ['destination', 'cont'] },
    ],
    nominalHoldsMs: (pauseMs) => [half(pauseMs), pauseMs - half(pauseMs)],
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
    story: (run, jumpOk, caughtUp) =>
      `${run.facts.heldAtStop ? 'held at stop' : 'not held at stop'}, ${run.facts.heldAfterLoad ? 'at load' : 'not at load'}, ` +
      `${run.facts.releasedAtCont ? `${released(caughtUp && jumpOk)} at cont` : 'not released at cont'}` +
      jumped(jumpOk, caughtUp),
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
    holds: [{ from: ['vm', 'stop'], to: ['vm', 'cont'] }],
    nominalHoldsMs: (pauseMs) => [pauseMs],
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
    story: (run, jumpOk, caughtUp) =>
      `${run.facts.heldAtStop ? 'held at stop' : 'not held at stop'}, ${run.facts.releasedAtCont ? `${released(caughtUp && jumpOk)} at cont` : 'not released at cont'}, ` +
      `repeats ${run.facts.stillHeld && run.facts.stillReleased ? 'ignored' : 'changed it'}` +
      jumped(jumpOk, caughtUp),
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

/** The library's run of one scenario under one policy, checked. */
export interface PolicyResult {
  policy: DemoPolicy;
  fault?: FaultKind;
  /**
   * What the checks expected of the jump: 'runs' with host time (a simple start),
   * 'held' (≈ 0), or 'catches-up' (≈ the time held, as the policy decided per hold).
   */
  expect: 'runs' | 'held' | 'catches-up';
  /** For 'held' and 'catches-up': the jump expected, from the holds as measured (ns). */
  expectedJumpNs?: bigint;
  /** The holds as the demo measured them (ns) and what the policy does with each. */
  holds: Array<{ ns: bigint; decision: ClockPolicyName | 'either' }>;
  run: RunResult;
  /** The jump check passed. */
  jumpOk: boolean;
  /** The run's story as if its jump were right, and what went wrong with the jump ('' when nothing). */
  storyFacts: string;
  jumpFailure: string;
  checks: Check[];
  pass: boolean;
}

export interface ScenarioResult {
  scenario: ScenarioDef;
  /** One per policy asked for, in order. */
  libraries: PolicyResult[];
  control: RunResult;
  /** Every check: each policy's, then the control's. */
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

/** How close to a threshold a hold must be for either answer to count (the demo and the library time it a few µs apart). */
const THRESHOLD_SLACK_NS = 5_000_000n;

/** The holds of a library run as measured from its step records; undefined if a step is missing. */
function measureHolds<T>(scenario: ScenarioDef, run: Run<T>): bigint[] | undefined {
  const at = ([role, action]: [string, string]) => run.steps.find((s) => s.vm === role && s.action === action)?.atMs;
  const out: bigint[] = [];
  for (const { from, to } of scenario.holds) {
    const start = at(from);
    const end = at(to);
    if (start === undefined || end === undefined) return undefined;
    out.push(BigInt(Math.round((end - start) * 1e6)));
  }
  return out;
}

/** The policy's answer for each hold ('either' when a hold is too close to a threshold to tell). */
function decideHolds(policy: DemoPolicy, holds: bigint[]): Array<{ ns: bigint; decision: ClockPolicyName | 'either' }> {
  return holds.map((ns) => {
    const t = policy.thresholdNs;
    if (t !== undefined && ns - t < THRESHOLD_SLACK_NS && t - ns < THRESHOLD_SLACK_NS) return { ns, decision: 'either' };
    return { ns, decision: policy.decide(ns) };
  });
}

/** Every jump the holds allow: the sum of the holds caught up, for each way an 'either' can go. */
function expectedJumps(holds: Array<{ ns: bigint; decision: ClockPolicyName | 'either' }>): bigint[] {
  let sums = [0n];
  for (const { ns, decision } of holds) {
    if (decision === 'catch-up') sums = sums.map((x) => x + ns);
    else if (decision === 'either') sums = [...sums, ...sums.map((x) => x + ns)];
  }
  return [...new Set(sums)];
}

/** The fault kind that breaks what a scenario shows under `policy`, unless a kind was asked for. */
export function faultKindFor(fault: Fault, scenario: ScenarioDef, policy: DemoPolicy, pauseMs: number): FaultKind {
  if (fault.kind !== undefined) return fault.kind;
  // A simple start makes no write to ignore and holds nothing to catch up.
  if (scenario.expect === 'runs') return 'stuck';
  // Under catch-up an ignored write is invisible here (a new VM's own clock is already
  // where the caught-up value puts it): a device that cannot catch up is what shows.
  const catchesUp = scenario.nominalHoldsMs(pauseMs).some((h) => h > 0 && policy.decide(BigInt(Math.round(h * 1e6))) === 'catch-up');
  return catchesUp ? 'no-advance' : 'ignore-write';
}

/** Who ran: 'with kvm-tod' in the default (freeze only), else 'with kvm-tod (catch-up)'. */
export function libraryName(policy: DemoPolicy, policies: DemoPolicy[]): string {
  return policies.length === 1 && policy.id === 'freeze' ? 'with kvm-tod' : `with kvm-tod (${policy.label})`;
}

/** Checks one run of the library against the rules and its policy. */
function evaluateLibrary<T>(scenario: ScenarioDef, library: Run<T>, who: string, tolerance: Tolerance, fault?: FaultKind): PolicyResult {
  const checks: Check[] = [];
  const check = (name: string, pass: boolean, detail: string) => checks.push({ name, pass, detail });
  const policy = library.policy;
  const holds = decideHolds(policy, measureHolds(scenario, library) ?? []);
  const candidates = expectedJumps(holds);
  let catchesUp = false;
  let expectedJumpNs: bigint | undefined;

  const libraryJump = library.jump;
  let jumpOk = false;
  if (library.error !== undefined) {
    check(`${who}: ran without error`, false, describeError(library.error));
  } else if (libraryJump && scenario.expect === 'runs') {
    const { pass, limitNs } = jumpCheck('runs', libraryJump.jumpNs, libraryJump.hostElapsedNs, tolerance);
    jumpOk = pass;
    check(`${who}: the clock keeps running`, pass, `advanced ${ms(libraryJump.jumpNs)} ms in ${ms(libraryJump.hostElapsedNs)} ms of host time, allowed ±${ms(limitNs)} ms`);
  } else if (libraryJump) {
    // The jump expected: the holds the policy caught up (0 for freeze). Where a hold is
    // too close to a threshold to tell, the candidate nearest the jump.
    const off = (x: bigint) => (libraryJump.jumpNs > x ? libraryJump.jumpNs - x : x - libraryJump.jumpNs);
    const nearest = candidates.reduce((best, x) => (off(x) < off(best) ? x : best));
    expectedJumpNs = nearest;
    catchesUp = nearest !== 0n;
    if (!catchesUp) {
      const { pass, limitNs } = jumpCheck('held', libraryJump.jumpNs, libraryJump.hostElapsedNs, tolerance);
      jumpOk = pass;
      const why = policy.id === 'freeze' ? '' : candidates.length > 1 ? ' (a hold near the threshold, frozen)' : ' (every hold shorter than the threshold)';
      check(`${who}: the guest sees no jump${why}`, pass, `jump ${ms(libraryJump.jumpNs)} ms, allowed ±${ms(limitNs)} ms`);
    } else {
      // A held clock caught up: the jump is the time held (what the policy caught up),
      // within the held tolerance plus the clock-rate allowance of a running clock.
      const limitNs = BigInt(Math.round(tolerance.heldMs * 1e6)) + (nearest * BigInt(tolerance.ratePpm)) / 1_000_000n;
      jumpOk = off(nearest) <= limitNs;
      const heldText = holds.map((h) => `${ms(h.ns)} ms ${h.decision === 'catch-up' ? 'caught up' : h.decision === 'freeze' ? 'frozen' : 'either way'}`).join(', ');
      check(
        `${who}: the guest catches up by the time it was held`,
        jumpOk,
        `jump ${ms(libraryJump.jumpNs)} ms, expected ${ms(nearest)} ms (held ${heldText}), allowed ±${ms(limitNs)} ms`,
      );
    }
  }
  if (library.error === undefined) {
    for (const [role, expected] of Object.entries(scenario.expectedCalls)) {
      const actual = library.calls[role] ?? { reads: 0, writes: 0 };
      check(
        `${who}: device calls on the ${role}`,
        actual.reads === expected.reads && actual.writes === expected.writes,
        `${callText(actual)}, the rules allow ${callText(expected)}`,
      );
    }
    for (const [fact, text] of Object.entries(scenario.expectedFacts)) {
      check(`${who}: ${text}`, library.facts[fact] === true, library.facts[fact] === true ? 'yes' : 'no');
    }
    check(`${who}: no warnings`, library.warnings.length === 0, library.warnings.length === 0 ? 'none' : library.warnings.join('; '));
  }
  const expect = scenario.expect === 'runs' ? 'runs' : catchesUp ? 'catches-up' : 'held';
  return {
    policy,
    fault,
    expect,
    expectedJumpNs,
    holds,
    run: result(library, scenario.story(library as Run<unknown>, jumpOk, catchesUp)),
    jumpOk,
    storyFacts: library.error === undefined ? scenario.story(library as Run<unknown>, true, false) : 'error',
    jumpFailure:
      library.error !== undefined ? 'error' : jumpOk ? '' : expect === 'runs' ? 'it did not run with the host' : catchesUp ? 'it did not catch up' : 'it jumped',
    checks,
    pass: checks.every((c) => c.pass),
  };
}

/** Checks one scenario's runs (the library under each policy, and the control) against the rules. */
export function evaluate<T>(
  scenario: ScenarioDef,
  libraries: Array<{ run: Run<T>; fault?: FaultKind }>,
  control: Run<T>,
  tolerance: Tolerance,
): ScenarioResult {
  const policies = libraries.map((l) => l.run.policy);
  const results = libraries.map((l) => evaluateLibrary(scenario, l.run, libraryName(l.run.policy, policies), tolerance, l.fault));

  const controlChecks: Check[] = [];
  const controlJump = control.jump;
  if (control.error !== undefined) {
    controlChecks.push({ name: 'without: ran without error', pass: false, detail: describeError(control.error) });
  } else if (controlJump) {
    const { pass, limitNs } = jumpCheck('runs', controlJump.jumpNs, controlJump.hostElapsedNs, tolerance);
    controlChecks.push({
      name: 'without: the clock runs through the pause (the jump the library removes)',
      pass,
      detail: `jump ${ms(controlJump.jumpNs)} ms in ${ms(controlJump.hostElapsedNs)} ms of host time, allowed ±${ms(limitNs)} ms`,
    });
  }
  const checks = [...results.flatMap((r) => r.checks), ...controlChecks];
  return {
    scenario,
    libraries: results,
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
  /** The library's resume policies, each run on VMs of its own; [FREEZE] by default. */
  policies?: DemoPolicy[];
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
  const policies = options.policies ?? [FREEZE];
  const startNs = process.hrtime.bigint();
  const runs = SCENARIOS.map((scenario) => {
    const faulted = options.fault && options.fault.scenario === scenario.id ? options.fault : undefined;
    return {
      scenario,
      libraries: policies.map((policy) => {
        const fault = faulted && faultKindFor(faulted, scenario, policy, options.pauseMs);
        return { run: new Run<T>('library', backend, startNs, fault, policy), fault };
      }),
      control: new Run<T>('control', backend, startNs, undefined),
    };
  });
  const half = Math.floor(options.pauseMs / 2);
  for (let phase = 0; phase < 3; phase++) {
    if (phase === 1) await wait(half, 0, options.onWait);
    if (phase === 2) await wait(options.pauseMs - half, half, options.onWait);
    for (const { scenario, libraries, control } of runs) {
      for (const run of [...libraries.map((l) => l.run), control]) {
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
  return runs.map(({ scenario, libraries, control }) => evaluate(scenario, libraries, control, tolerance));
}
