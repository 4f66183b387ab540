// The demo's report for programs (`--json`): one document, bigints as decimal strings.
// With one policy each scenario has the shape it had before --policy existed.
import * as os from 'os';
import type { AnyBackend, BackendChoice } from './backends';
import type { DemoArgs } from './demo-args';
import { nsToMs } from './duration';
import { Fault, faultKinds } from './fault';
import type { PolicyResult, RunResult, ScenarioResult } from './results';
import { DEFAULT_TOLERANCE } from './tolerance';

/** The document as text: JSON cannot carry a bigint, so each is its decimal string. */
export function jsonText(doc: unknown): string {
  return JSON.stringify(doc, (_k, v) => (typeof v === 'bigint' ? v.toString() : v), 2);
}

export function jsonDocument(
  args: DemoArgs,
  backend: AnyBackend,
  requested: BackendChoice,
  fallbackReason: string | undefined,
  fault: Fault | undefined,
  results: ScenarioResult[],
  pass: boolean,
) {
  const single = args.policies.length === 1;
  return {
    command: 'demo',
    host: { arch: process.arch, kernel: os.release() },
    backend: {
      requested,
      used: backend.name,
      device: backend.deviceClass,
      description: backend.description,
      fallbackReason: fallbackReason ?? null,
    },
    pauseMs: args.pauseMs,
    policy: args.policy,
    policies: args.policies.map((p) => p.id),
    toleranceMs: DEFAULT_TOLERANCE,
    fault: faultJson(fault, args),
    scenarios: results.map((r) => {
      const head = { id: r.scenario.id, number: r.scenario.number, title: r.scenario.title, plan: r.scenario.plan };
      const tail = { withoutLibrary: runJson(r.control), checks: r.checks, pass: r.pass };
      if (!single) {
        // Several policies: each one's run and checks under `policies`; `checks` has them all.
        return {
          ...head,
          interval: r.scenario.interval,
          expectedDeviceCalls: r.scenario.expectedCalls,
          policies: r.libraries.map(policyJson),
          ...tail,
        };
      }
      // One policy: the shape without --policy, its run as `withLibrary`.
      const [l] = r.libraries;
      return {
        ...head,
        expect: l.expect,
        ...expectedJson(l),
        interval: r.scenario.interval,
        expectedDeviceCalls: r.scenario.expectedCalls,
        fault: l.fault ?? null,
        withLibrary: runJson(l.run),
        ...tail,
      };
    }),
    pass,
  };
}

function runJson(run: RunResult) {
  return {
    jumpNs: run.jumpNs,
    jumpMs: run.jumpNs === undefined ? null : nsToMs(run.jumpNs),
    hostElapsedNs: run.hostElapsedNs,
    hostElapsedMs: run.hostElapsedNs === undefined ? null : nsToMs(run.hostElapsedNs),
    guestClockBefore: run.before ?? null,
    guestClockAfter: run.after ?? null,
    guestClock: run.story,
    deviceCalls: run.calls,
    steps: run.steps,
    warnings: run.warnings,
    error: run.error ?? null,
  };
}

/** The jump the checks expected of a held clock (null for a simple start) and the holds it came from. */
function expectedJson(l: PolicyResult) {
  return {
    expectedJumpNs: l.expectedJumpNs ?? null,
    expectedJumpMs: l.expectedJumpNs === undefined ? null : nsToMs(l.expectedJumpNs),
    holds: l.holds.map((h) => ({ ns: h.ns, ms: nsToMs(h.ns), decision: h.decision })),
  };
}

function policyJson(l: PolicyResult) {
  return {
    policy: l.policy.id,
    label: l.policy.label,
    expect: l.expect,
    ...expectedJson(l),
    fault: l.fault ?? null,
    withLibrary: runJson(l.run),
    checks: l.checks,
    pass: l.pass,
  };
}

/** The fault as resolved: one kind, or (with several policies) the kind of each. */
function faultJson(fault: Fault | undefined, args: DemoArgs) {
  if (!fault) return null;
  const kinds = faultKinds(fault, args.policies, args.pauseMs);
  if (args.policies.length === 1) return { scenario: fault.scenario, kind: kinds[0] };
  return { scenario: fault.scenario, kinds: Object.fromEntries(args.policies.map((p, i) => [p.id, kinds[i]])) };
}
