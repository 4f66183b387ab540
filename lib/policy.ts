import { invalidArgType, invalidArgValue, outOfRange } from './arg-errors';

// What the clock does at resume: freeze (QEMU's rule: the guest continues from the
// instant it stopped) or catch up (it continues from where it would have been had it
// never stopped: no stall warnings, and no stale time for TLS and logs either).

/** A fixed choice. */
export type ClockPolicyName = 'freeze' | 'catch-up';

/** A fixed choice, or one made at each resume from how long the clock was held. */
export type ClockPolicy = ClockPolicyName | ((heldNs: bigint) => ClockPolicyName);

/**
 * Checks a policy given by the caller.
 * @throws {TypeError} code ERR_INVALID_ARG_VALUE for anything but 'freeze', 'catch-up' or a function.
 */
export function assertPolicy(policy: unknown): ClockPolicy {
  if (policy === 'freeze' || policy === 'catch-up' || typeof policy === 'function') return policy as ClockPolicy;
  throw invalidArgValue(`The "policy" must be 'freeze', 'catch-up' or a function`, policy);
}

/**
 * A policy function that catches up once the clock was held for `thresholdNs` or longer.
 * @throws {TypeError} ERR_INVALID_ARG_TYPE: `thresholdNs` is not a bigint.
 * @throws {RangeError} ERR_OUT_OF_RANGE: `thresholdNs` is negative.
 */
export function catchUpAfter(thresholdNs: bigint): (heldNs: bigint) => ClockPolicyName {
  if (typeof thresholdNs !== 'bigint')
    throw invalidArgType('The "thresholdNs" argument must be of type bigint', thresholdNs);
  if (thresholdNs < 0n)
    throw outOfRange(`The value of "thresholdNs" is out of range. It must be >= 0n. Received ${thresholdNs}n`);
  return (heldNs) => (heldNs >= thresholdNs ? 'catch-up' : 'freeze');
}
