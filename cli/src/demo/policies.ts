// The resume policies the demo runs the library under (`--policy`): a typed value, what
// each answers for a hold (what the checks expect of the jump), and its names.
import { ClockPolicy, ClockPolicyName, catchUpAfter } from 'kvm-tod';
import { formatDuration } from '../text';

interface PolicyNames {
  /** As given on the command line and in the JSON report: 'freeze', 'catch-up', 'threshold:2s'. */
  readonly id: string;
  /** For people: 'freeze', 'catch-up', 'catch-up after 2s'. */
  readonly label: string;
  /** What the GuestClocks are given. */
  readonly clockPolicy: ClockPolicy;
}

/** A resume policy the demo runs the library under. */
export type DemoPolicy = PolicyNames &
  (
    | { readonly kind: 'freeze' }
    | { readonly kind: 'catch-up' }
    /** `catchUpAfter(threshold)`: freeze holds shorter than the threshold, catch up longer ones. */
    | { readonly kind: 'threshold'; readonly thresholdMs: number; readonly thresholdNs: bigint }
  );

export const FREEZE: DemoPolicy = { kind: 'freeze', id: 'freeze', label: 'freeze', clockPolicy: 'freeze' };
export const CATCH_UP: DemoPolicy = { kind: 'catch-up', id: 'catch-up', label: 'catch-up', clockPolicy: 'catch-up' };

/** `catchUpAfter(threshold)`: freeze holds shorter than `thresholdMs`, catch up longer ones. */
export function thresholdPolicy(thresholdMs: number): DemoPolicy {
  const thresholdNs = BigInt(Math.round(thresholdMs * 1e6));
  return {
    kind: 'threshold',
    thresholdMs,
    thresholdNs,
    id: `threshold:${formatDuration(thresholdMs).replace(/ /g, '')}`,
    label: `catch-up after ${formatDuration(thresholdMs)}`,
    clockPolicy: catchUpAfter(thresholdNs),
  };
}

/** What the policy answers for a clock held `heldNs`: what the checks expect. */
export function decide(policy: DemoPolicy, heldNs: bigint): ClockPolicyName {
  const clockPolicy = policy.clockPolicy;
  return typeof clockPolicy === 'function' ? clockPolicy(heldNs) : clockPolicy;
}

/** Whether a policy makes the migration stream carry the source's wall time (the extended section). */
export const sendsWallTime = (policy: DemoPolicy) => policy.kind !== 'freeze';

/** Who ran: 'with kvm-tod' in the default (freeze only), else 'with kvm-tod (catch-up)'. */
export function libraryName(policy: DemoPolicy, policies: readonly DemoPolicy[]): string {
  return policies.length === 1 && policy.kind === 'freeze' ? 'with kvm-tod' : `with kvm-tod (${policy.label})`;
}
