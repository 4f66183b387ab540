// The resume policies the demo runs the library under (`--policy`), with what each
// answers for a hold: what the checks expect of the jump.
import { ClockPolicy, ClockPolicyName, catchUpAfter } from '../policy';
import { formatDuration } from './duration';

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
export const CATCH_UP: DemoPolicy = {
  id: 'catch-up',
  label: 'catch-up',
  clockPolicy: 'catch-up',
  decide: () => 'catch-up',
};

/** `catchUpAfter(threshold)`: freeze holds shorter than `thresholdMs`, catch up longer ones. */
export function thresholdPolicy(thresholdMs: number): DemoPolicy {
  const thresholdNs = BigInt(Math.round(thresholdMs * 1e6));
  const decide = catchUpAfter(thresholdNs);
  return {
    id: `threshold:${formatDuration(thresholdMs).replace(/ /g, '')}`,
    label: `catch-up after ${formatDuration(thresholdMs)}`,
    clockPolicy: decide,
    decide,
    thresholdNs,
  };
}

/** Whether a policy makes the migration stream carry the source's wall time (the extended section). */
export const sendsWallTime = (policy: DemoPolicy) => policy.id !== 'freeze';

/** Who ran: 'with kvm-tod' in the default (freeze only), else 'with kvm-tod (catch-up)'. */
export function libraryName(policy: DemoPolicy, policies: DemoPolicy[]): string {
  return policies.length === 1 && policy.id === 'freeze' ? 'with kvm-tod' : `with kvm-tod (${policy.label})`;
}
