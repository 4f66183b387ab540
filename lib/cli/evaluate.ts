// The checks: a scenario's runs, the library under each policy and the control,
// held against the rules, each check a PASS or a FAIL with what was measured.
import { callText } from './call-text';
import type { FaultKind } from './devices';
import { describeError } from './errors';
import { decideHolds, expectedJumps, measureHolds } from './holds';
import { libraryName } from './policies';
import { Check, PolicyResult, runResult, ScenarioResult } from './results';
import type { Run } from './run';
import type { ScenarioDef } from './scenario-def';
import { jumpCheck, Tolerance } from './tolerance';

const ms = (ns: bigint) => (Number(ns) / 1e6).toFixed(3);

/** Checks one run of the library against the rules and its policy. */
function evaluateLibrary<T>(
  scenario: ScenarioDef,
  library: Run<T>,
  who: string,
  tolerance: Tolerance,
  fault?: FaultKind,
): PolicyResult {
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
    check(
      `${who}: the clock keeps running`,
      pass,
      `advanced ${ms(libraryJump.jumpNs)} ms in ${ms(libraryJump.hostElapsedNs)} ms of host time, allowed ±${ms(limitNs)} ms`,
    );
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
      const why =
        policy.id === 'freeze'
          ? ''
          : candidates.length > 1
            ? ' (a hold near the threshold, frozen)'
            : ' (every hold shorter than the threshold)';
      check(
        `${who}: the guest sees no jump${why}`,
        pass,
        `jump ${ms(libraryJump.jumpNs)} ms, allowed ±${ms(limitNs)} ms`,
      );
    } else {
      // A held clock caught up: the jump is the time held (what the policy caught up),
      // within the held tolerance plus the clock-rate allowance of a running clock.
      const limitNs = BigInt(Math.round(tolerance.heldMs * 1e6)) + (nearest * BigInt(tolerance.ratePpm)) / 1_000_000n;
      jumpOk = off(nearest) <= limitNs;
      const heldText = holds
        .map(
          (h) =>
            `${ms(h.ns)} ms ${h.decision === 'catch-up' ? 'caught up' : h.decision === 'freeze' ? 'frozen' : 'either way'}`,
        )
        .join(', ');
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
    check(
      `${who}: no warnings`,
      library.warnings.length === 0,
      library.warnings.length === 0 ? 'none' : library.warnings.join('; '),
    );
  }
  const expect = scenario.expect === 'runs' ? 'runs' : catchesUp ? 'catches-up' : 'held';
  return {
    policy,
    fault,
    expect,
    expectedJumpNs,
    holds,
    run: runResult(library, scenario.story(library as Run<unknown>, jumpOk, catchesUp)),
    jumpOk,
    storyFacts: library.error === undefined ? scenario.story(library as Run<unknown>, true, false) : 'error',
    jumpFailure:
      library.error !== undefined
        ? 'error'
        : jumpOk
          ? ''
          : expect === 'runs'
            ? 'it did not run with the host'
            : catchesUp
              ? 'it did not catch up'
              : 'it jumped',
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
  const results = libraries.map((l) =>
    evaluateLibrary(scenario, l.run, libraryName(l.run.policy, policies), tolerance, l.fault),
  );

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
    control: runResult(control, 'ran through the pause (never held)'),
    checks,
    pass: checks.every((c) => c.pass),
  };
}
