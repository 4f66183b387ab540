// The checks: a scenario's runs, the library under each policy and the control, held
// against the rules. What comes out is facts (what was measured, what was allowed,
// PASS or FAIL); the reports put them in words.
import type { ClockPolicyName } from 'kvm-tod';
import { decide, DemoPolicy } from './policies';
import type { Jump, Run, StepRecord, Variant } from './run';
import type { ScenarioDef, StepSpan } from './scenarios/scenario';
import type { DeviceCalls } from './vms';

const msToNs = (ms: number) => BigInt(Math.round(ms * 1e6));

/** Tolerances of the checks, in milliseconds. */
export interface Tolerance {
  /** How far a held clock may move across the pause: the rule's few ms plus measurement slack. */
  heldMs: number;
  /** How far a running clock may differ from host time, plus `ratePpm` of the interval. */
  runningMs: number;
  ratePpm: number;
}

export const DEFAULT_TOLERANCE: Tolerance = { heldMs: 5 + 20, runningMs: 5 + 20, ratePpm: 1000 };

/** A hold of a library run (a span over which it held the clock) and what its policy does with it. */
export interface Hold {
  ns: bigint;
  decision: ClockPolicyName | 'either';
}

/** One check: whose run (a policy's, or the control's), PASS or FAIL, and what it compared. */
export type Check = { policy?: DemoPolicy; pass: boolean } & (
  | { kind: 'error'; error: unknown }
  | ({ kind: 'runs'; limitNs: bigint } & Jump)
  | { kind: 'no-jump'; jumpNs: bigint; limitNs: bigint; why: 'freeze' | 'near-threshold' | 'below-threshold' }
  | { kind: 'catches-up'; jumpNs: bigint; expectedNs: bigint; holds: Hold[]; limitNs: bigint }
  | { kind: 'calls'; role: string; actual: DeviceCalls; expected: DeviceCalls }
  | { kind: 'fact'; fact: string }
  | { kind: 'warnings'; warnings: string[] }
  | ({ kind: 'control-runs'; limitNs: bigint; inFlightNs: bigint } & Jump)
);

/** A run as plain data: its clock values as read (the reports show them through the backend). */
export interface RunResult {
  variant: Variant;
  jumpNs?: bigint;
  hostElapsedNs?: bigint;
  hostUncertaintyNs?: bigint;
  before?: unknown;
  after?: unknown;
  calls: Record<string, DeviceCalls>;
  steps: StepRecord[];
  warnings: string[];
  error?: unknown;
  facts: Record<string, boolean>;
}

/** The library's run of one scenario under one policy, checked. */
export interface PolicyResult {
  policy: DemoPolicy;
  /** The kind of the injected fault, when there is one. */
  fault?: string;
  /**
   * What the checks expected of the jump: 'runs' with host time (a simple start),
   * 'held' (≈ 0), or 'catches-up' (≈ the time held, as the policy decided per hold).
   */
  expect: 'runs' | 'held' | 'catches-up';
  /** For 'held' and 'catches-up': the jump expected, from the holds as measured (ns). */
  expectedJumpNs?: bigint;
  /** The holds as the demo measured them (ns) and what the policy does with each. */
  holds: Hold[];
  run: RunResult;
  /** The jump check passed. */
  jumpOk: boolean;
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

/**
 * Whether a jump is what `expect` says, within `tolerance`. A held clock may also move by
 * `unheldNs`, the host time of the interval in which it was not surely held (see
 * {@link unheldTime}); a running clock may also differ from the host time by the jump's
 * `hostUncertaintyNs`, how long the two reads took, and fall short of it by `inFlightNs`
 * (see {@link inFlightTime}). On a loaded or emulated host that is where the slack goes,
 * and on a quiet one it is a few microseconds, so the bound stays tight there.
 */
export function jumpCheck(
  expect: 'held' | 'runs',
  jump: Jump,
  tolerance: Tolerance,
  { unheldNs = 0n, inFlightNs = 0n }: { unheldNs?: bigint; inFlightNs?: bigint } = {},
): { pass: boolean; limitNs: bigint } {
  const { jumpNs, hostElapsedNs, hostUncertaintyNs } = jump;
  if (expect === 'held') {
    const limitNs = msToNs(tolerance.heldMs) + unheldNs;
    return { pass: jumpNs >= -limitNs && jumpNs <= limitNs, limitNs };
  }
  const limitNs =
    msToNs(tolerance.runningMs) + (hostElapsedNs * BigInt(tolerance.ratePpm)) / 1_000_000n + hostUncertaintyNs;
  const off = jumpNs - hostElapsedNs;
  return { pass: off >= -limitNs - inFlightNs && off <= limitNs, limitNs };
}

/** The step records that begin and end each span; undefined if a step is missing. */
function stepsOf<T>(run: Run<T>, spans: StepSpan[]): Array<[StepRecord, StepRecord]> | undefined {
  const find = ([role, action]: [string, string]) => run.steps.find((s) => s.vm === role && s.action === action);
  const out: Array<[StepRecord, StepRecord]> = [];
  for (const { from, to } of spans) {
    const start = find(from);
    const end = find(to);
    if (!start || !end) return undefined;
    out.push([start, end]);
  }
  return out;
}

/**
 * The host time of a run's in-flight spans (ScenarioDef.inFlight), counted generously:
 * from the start of the save to the end of the load. 0 where a step is missing.
 */
export function inFlightTime<T>(scenario: ScenarioDef, run: Run<T>): bigint {
  const spans = stepsOf(run, scenario.inFlight) ?? [];
  return msToNs(spans.reduce((ms, [save, load]) => ms + Math.max(0, load.atMs - save.startMs), 0));
}

/**
 * How close to a threshold a hold must be for either answer to count (the demo and the
 * library time it a few µs apart).
 */
const THRESHOLD_SLACK_NS = 5_000_000n;

/** The holds of a library run as measured from its step records; undefined if a step is missing. */
export function measureHolds<T>(scenario: ScenarioDef, run: Run<T>): bigint[] | undefined {
  return stepsOf(run, scenario.holds)?.map(([start, end]) => msToNs(end.atMs - start.atMs));
}

/**
 * The host time of a library run's interval outside its holds, counted generously: a hold
 * is surely on only from the end of the step that began it to the start of the step that
 * ended it, and the process may be descheduled anywhere else. 0 where a step is missing.
 */
export function unheldTime<T>(scenario: ScenarioDef, run: Run<T>): bigint {
  const jump = run.jump;
  if (!jump) return 0n;
  const spans = stepsOf(run, scenario.holds);
  if (!spans) return 0n;
  const heldMs = spans.reduce((ms, [start, end]) => ms + Math.max(0, end.startMs - start.atMs), 0);
  const unheld = jump.hostElapsedNs + jump.hostUncertaintyNs - msToNs(heldMs);
  return unheld > 0n ? unheld : 0n;
}

/** The policy's answer for each hold ('either' when a hold is too close to a threshold to tell). */
export function decideHolds(policy: DemoPolicy, holds: bigint[]): Hold[] {
  return holds.map((ns) => {
    if (policy.kind === 'threshold') {
      const t = policy.thresholdNs;
      if (ns - t < THRESHOLD_SLACK_NS && t - ns < THRESHOLD_SLACK_NS) return { ns, decision: 'either' };
    }
    return { ns, decision: decide(policy, ns) };
  });
}

/** Every jump the holds allow: the sum of the holds caught up, for each way an 'either' can go. */
export function expectedJumps(holds: Hold[]): bigint[] {
  let sums = [0n];
  for (const { ns, decision } of holds) {
    if (decision === 'catch-up') sums = sums.map((x) => x + ns);
    else if (decision === 'either') sums = [...sums, ...sums.map((x) => x + ns)];
  }
  return [...new Set(sums)];
}

/** A run as plain data. */
export function runResult<T>(run: Run<T>): RunResult {
  const jump = run.jump;
  return {
    variant: run.variant,
    jumpNs: jump?.jumpNs,
    hostElapsedNs: jump?.hostElapsedNs,
    hostUncertaintyNs: jump?.hostUncertaintyNs,
    before: run.before?.value,
    after: run.after?.value,
    calls: run.calls,
    steps: run.steps,
    warnings: run.warnings,
    error: run.error,
    facts: run.facts,
  };
}

/** Checks one run of the library against the rules and its policy. */
function evaluateLibrary<T>(scenario: ScenarioDef, library: Run<T>, tolerance: Tolerance, fault?: string) {
  const policy = library.policy;
  const checks: Check[] = [];
  const holds = decideHolds(policy, measureHolds(scenario, library) ?? []);
  const candidates = expectedJumps(holds);
  let catchesUp = false;
  let expectedJumpNs: bigint | undefined;

  const libraryJump = library.jump;
  let jumpOk = false;
  if (library.error !== undefined) {
    checks.push({ policy, pass: false, kind: 'error', error: library.error });
  } else if (libraryJump && scenario.expect === 'runs') {
    const { pass, limitNs } = jumpCheck('runs', libraryJump, tolerance);
    jumpOk = pass;
    checks.push({ policy, pass, kind: 'runs', ...libraryJump, limitNs });
  } else if (libraryJump) {
    // The jump expected: the holds the policy caught up (0 for freeze). Where a hold is
    // too close to a threshold to tell, the candidate nearest the jump.
    const off = (x: bigint) => (libraryJump.jumpNs > x ? libraryJump.jumpNs - x : x - libraryJump.jumpNs);
    const nearest = candidates.reduce((best, x) => (off(x) < off(best) ? x : best));
    expectedJumpNs = nearest;
    catchesUp = nearest !== 0n;
    const unheldNs = unheldTime(scenario, library);
    if (!catchesUp) {
      const { pass, limitNs } = jumpCheck('held', libraryJump, tolerance, { unheldNs });
      jumpOk = pass;
      const why = policy.kind === 'freeze' ? 'freeze' : candidates.length > 1 ? 'near-threshold' : 'below-threshold';
      checks.push({ policy, pass, kind: 'no-jump', jumpNs: libraryJump.jumpNs, limitNs, why });
    } else {
      // A held clock caught up: the jump is the time held (what the policy caught up),
      // within the held tolerance, the time it was not surely held, and the clock-rate
      // allowance of a running clock.
      const limitNs = msToNs(tolerance.heldMs) + unheldNs + (nearest * BigInt(tolerance.ratePpm)) / 1_000_000n;
      jumpOk = off(nearest) <= limitNs;
      checks.push({
        policy,
        pass: jumpOk,
        kind: 'catches-up',
        jumpNs: libraryJump.jumpNs,
        expectedNs: nearest,
        holds,
        limitNs,
      });
    }
  }
  if (library.error === undefined) {
    for (const [role, expected] of Object.entries(scenario.expectedCalls)) {
      const actual = library.calls[role] ?? { reads: 0, writes: 0 };
      const pass = actual.reads === expected.reads && actual.writes === expected.writes;
      checks.push({ policy, pass, kind: 'calls', role, actual, expected });
    }
    for (const fact of Object.keys(scenario.expectedFacts)) {
      checks.push({ policy, pass: library.facts[fact] === true, kind: 'fact', fact });
    }
    checks.push({ policy, pass: library.warnings.length === 0, kind: 'warnings', warnings: library.warnings });
  }
  const expect: PolicyResult['expect'] = scenario.expect === 'runs' ? 'runs' : catchesUp ? 'catches-up' : 'held';
  const result: PolicyResult = {
    policy,
    fault,
    expect,
    expectedJumpNs,
    holds,
    run: runResult(library),
    jumpOk,
    checks,
    pass: checks.every((c) => c.pass),
  };
  return result;
}

/** Checks one scenario's runs (the library under each policy, and the control) against the rules. */
export function evaluate<T>(
  scenario: ScenarioDef,
  libraries: Array<{ run: Run<T>; fault?: string }>,
  control: Run<T>,
  tolerance: Tolerance,
): ScenarioResult {
  const results = libraries.map((l) => evaluateLibrary(scenario, l.run, tolerance, l.fault));
  const controlChecks: Check[] = [];
  const controlJump = control.jump;
  if (control.error !== undefined) {
    controlChecks.push({ pass: false, kind: 'error', error: control.error });
  } else if (controlJump) {
    // A VMM without kvm-tod loses the migration's copy time: the clock runs, less that.
    const inFlightNs = inFlightTime(scenario, control);
    const { pass, limitNs } = jumpCheck('runs', controlJump, tolerance, { inFlightNs });
    controlChecks.push({ pass, kind: 'control-runs', ...controlJump, limitNs, inFlightNs });
  }
  const checks = [...results.flatMap((r) => r.checks), ...controlChecks];
  return {
    scenario,
    libraries: results,
    control: runResult(control),
    checks,
    pass: checks.every((c) => c.pass),
  };
}
