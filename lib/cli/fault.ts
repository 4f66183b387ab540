// The fault a test injects into one scenario (KVM_TOD_DEMO_FAULT), and the kind of
// misbehaviour that breaks what that scenario shows under each policy.
import { UsageError } from './args';
import { FAULT_KINDS, FaultKind } from './devices';
import type { DemoPolicy } from './policies';
import type { ScenarioDef } from './scenario-def';
import { findScenario, SCENARIOS } from './scenarios';

/** The environment variable that makes one scenario's device misbehave (for tests; see docs/cli.md). */
export const FAULT_ENV = 'KVM_TOD_DEMO_FAULT';

export interface Fault {
  scenario: string;
  /** As asked for; undefined: the kind that breaks what the scenario shows under each policy (faultKindFor). */
  kind?: FaultKind;
}

/** The fault a test asked for in KVM_TOD_DEMO_FAULT: `<scenario>[:<kind>]`. */
export function parseFault(text: string | undefined): Fault | undefined {
  if (text === undefined || text === '') return undefined;
  const [name, kind, ...rest] = text.split(':');
  const scenario = findScenario(name);
  const ids = SCENARIOS.map((s) => s.id).join(', ');
  if (!scenario || rest.length > 0) {
    throw new UsageError(
      `kvm-tod demo: ${FAULT_ENV}='${text}' names no scenario: use <scenario>[:<kind>] with a scenario of ${ids}`,
    );
  }
  if (kind !== undefined && !(FAULT_KINDS as readonly string[]).includes(kind)) {
    throw new UsageError(
      `kvm-tod demo: ${FAULT_ENV}='${text}' has an unknown kind '${kind}': use one of ${FAULT_KINDS.join(', ')}`,
    );
  }
  // Without a kind, each policy's run gets the kind that breaks what it shows (faultKindFor).
  return kind === undefined ? { scenario: scenario.id } : { scenario: scenario.id, kind: kind as FaultKind };
}

/** The fault kind that breaks what a scenario shows under `policy`, unless a kind was asked for. */
export function faultKindFor(fault: Fault, scenario: ScenarioDef, policy: DemoPolicy, pauseMs: number): FaultKind {
  if (fault.kind !== undefined) return fault.kind;
  // A simple start makes no write to ignore and holds nothing to catch up.
  if (scenario.expect === 'runs') return 'stuck';
  // Under catch-up an ignored write is invisible here (a new VM's own clock is already
  // where the caught-up value puts it): a device that cannot catch up is what shows.
  const catchesUp = scenario
    .nominalHoldsMs(pauseMs)
    .some((h) => h > 0 && policy.decide(BigInt(Math.round(h * 1e6))) === 'catch-up');
  return catchesUp ? 'no-advance' : 'ignore-write';
}

/** The fault's kind under each of `policies`, in their order. */
export function faultKinds(fault: Fault, policies: DemoPolicy[], pauseMs: number): FaultKind[] {
  const scenario = findScenario(fault.scenario)!;
  return policies.map((p) => faultKindFor(fault, scenario, p, pauseMs));
}
