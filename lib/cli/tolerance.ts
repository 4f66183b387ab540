// How far a measured jump may be from what the rules say and still pass.

/** Tolerances of the checks, in milliseconds. */
export interface Tolerance {
  /** How far a held clock may move across the pause: the rule's few ms plus measurement slack. */
  heldMs: number;
  /** How far a running clock may differ from host time, plus `ratePpm` of the interval. */
  runningMs: number;
  ratePpm: number;
}

export const DEFAULT_TOLERANCE: Tolerance = { heldMs: 5 + 20, runningMs: 5 + 20, ratePpm: 1000 };

/** Whether a jump is what `expect` says, within `tolerance`. */
export function jumpCheck(
  expect: 'held' | 'runs',
  jumpNs: bigint,
  hostElapsedNs: bigint,
  tolerance: Tolerance,
): { pass: boolean; limitNs: bigint } {
  if (expect === 'held') {
    const limitNs = BigInt(Math.round(tolerance.heldMs * 1e6));
    return { pass: jumpNs >= -limitNs && jumpNs <= limitNs, limitNs };
  }
  const limitNs =
    BigInt(Math.round(tolerance.runningMs * 1e6)) + (hostElapsedNs * BigInt(tolerance.ratePpm)) / 1_000_000n;
  const off = jumpNs - hostElapsedNs;
  return { pass: off >= -limitNs && off <= limitNs, limitNs };
}
