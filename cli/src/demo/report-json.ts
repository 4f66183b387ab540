// The demo's report for programs (`--json`): one document, bigints as decimal strings,
// one shape whatever the policies: each scenario has one entry per policy under
// `policies`. The words (check names, stories) are the text report's.
import * as os from 'os';
import { describeError } from '../command-line';
import { nsToMs } from '../text';
import type { AnyBackend, Backend, BackendChoice } from './backends';
import type { DemoArgs } from './options';
import type { GuestObserved } from './guest-observed';
import { Check, DEFAULT_TOLERANCE, PolicyResult, RunResult, ScenarioResult } from './evaluate';
import type { DemoPolicy } from './policies';
import { checkWords, controlStory, faultKinds, libraryStory } from './report-text';
import type { InjectedFault } from './fault';
import type { ScenarioDef } from './scenarios/scenario';

/** The document as text: JSON cannot carry a bigint, so each is its decimal string. */
export function jsonText(doc: unknown): string {
  return JSON.stringify(doc, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v), 2);
}

export function jsonDocument(
  args: DemoArgs,
  backend: AnyBackend,
  requested: BackendChoice,
  fallbackReason: string | undefined,
  fault: InjectedFault | undefined,
  results: ScenarioResult[],
  pass: boolean,
  guest?: GuestObserved,
) {
  const shown = backend as Backend<unknown>;
  const checksJson = (checks: Check[], scenario: ScenarioDef) =>
    checks.map((c) => {
      const { name, detail } = checkWords(c, scenario, args.policies);
      return { name, pass: c.pass, detail };
    });
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
    guest: guestJson(guest),
    scenarios: results.map((r) => ({
      id: r.scenario.id,
      number: r.scenario.number,
      title: r.scenario.title,
      plan: r.scenario.plan,
      interval: r.scenario.interval,
      expectedDeviceCalls: r.scenario.expectedCalls,
      policies: r.libraries.map((l) => ({
        policy: l.policy.id,
        label: l.policy.label,
        expect: l.expect,
        ...expectedJson(l),
        fault: l.fault ?? null,
        withLibrary: runJson(l.run, libraryStory(r.scenario, l), shown),
        checks: checksJson(l.checks, r.scenario),
        pass: l.pass,
      })),
      withoutLibrary: runJson(r.control, controlStory(r.control), shown),
      guestObserved: guest?.ran ? (guest.scenarios[r.scenario.id] ?? null) : null,
      checks: checksJson(r.checks, r.scenario),
      pass: r.pass,
    })),
    pass,
  };
}

function runJson(run: RunResult, story: string, backend: Backend<unknown>) {
  return {
    jumpNs: run.jumpNs,
    jumpMs: run.jumpNs === undefined ? null : nsToMs(run.jumpNs),
    hostElapsedNs: run.hostElapsedNs,
    hostElapsedMs: run.hostElapsedNs === undefined ? null : nsToMs(run.hostElapsedNs),
    hostUncertaintyMs: run.hostUncertaintyNs === undefined ? null : nsToMs(run.hostUncertaintyNs),
    guestClockBefore: run.before === undefined ? null : backend.toJson(run.before),
    guestClockAfter: run.after === undefined ? null : backend.toJson(run.after),
    guestClock: story,
    deviceCalls: run.calls,
    steps: run.steps,
    warnings: run.warnings,
    error: run.error === undefined ? null : describeError(run.error),
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

/** The fault as resolved: the kind under each policy. */
function faultJson(fault: InjectedFault | undefined, args: DemoArgs) {
  if (!fault) return null;
  const kinds = faultKinds(fault, args.policies, args.pauseMs);
  return {
    scenario: fault.scenario,
    kinds: Object.fromEntries(args.policies.map((p: DemoPolicy, i) => [p.id, kinds[i]])),
  };
}

/** Whether a guest ran (kvmclock only: the tiny x86 guest), and which; or why none did. */
function guestJson(guest: GuestObserved | undefined) {
  if (guest === undefined) return { ran: false, reason: 'a guest runs on the kvmclock backend only' };
  if (!guest.ran) return { ran: false, reason: guest.reason };
  return { ran: true, guest: guest.guest, warnings: guest.warnings };
}
