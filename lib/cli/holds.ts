// The holds of a library run (spans over which it held the clock) as measured, and
// what its policy does with each: the jump the checks expect under that policy.
import type { ClockPolicyName } from '../policy';
import type { DemoPolicy } from './policies';
import type { Run } from './run';
import type { ScenarioDef } from './scenario-def';

export interface Hold {
  ns: bigint;
  decision: ClockPolicyName | 'either';
}

/** How close to a threshold a hold must be for either answer to count (the demo and the library time it a few µs apart). */
const THRESHOLD_SLACK_NS = 5_000_000n;

/** The holds of a library run as measured from its step records; undefined if a step is missing. */
export function measureHolds<T>(scenario: ScenarioDef, run: Run<T>): bigint[] | undefined {
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
export function decideHolds(policy: DemoPolicy, holds: bigint[]): Hold[] {
  return holds.map((ns) => {
    const t = policy.thresholdNs;
    if (t !== undefined && ns - t < THRESHOLD_SLACK_NS && t - ns < THRESHOLD_SLACK_NS)
      return { ns, decision: 'either' };
    return { ns, decision: policy.decide(ns) };
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
