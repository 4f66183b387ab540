// What the demo found: each run as plain data, and the checks that make a scenario
// PASS or FAIL; the text and JSON reports are made from these.
import type { DeviceCalls, FaultKind } from './devices';
import { describeError } from './errors';
import type { Hold } from './holds';
import type { DemoPolicy } from './policies';
import type { Run, StepRecord, Variant } from './run';
import type { ScenarioDef } from './scenario-def';

export interface Check {
  name: string;
  pass: boolean;
  detail: string;
}

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
  holds: Hold[];
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

/** A run as plain data, its clock values shown by its backend; `story` unless it failed. */
export function runResult<T>(run: Run<T>, story: string): RunResult {
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
