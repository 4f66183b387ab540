// What a VMM can watch without patching the library: one diagnostics_channel per
// kind of event. Publishing costs nothing while no one subscribes.
import * as diagnostics_channel from 'diagnostics_channel';

/** The channel names; subscribe with `diagnostics_channel.subscribe(name, fn)`. */
export const Channels = {
  /** The guest clock is now held: `{ clock, name, value, reason: 'stop' | 'load' }`. */
  HOLD: 'kvm-tod:hold',
  /**
   * The held clock was written back: `{ clock, name, value, held, heldNs, policy }`; `value`
   * is what was written (under 'catch-up', `held` moved on by the time held).
   */
  RELEASE: 'kvm-tod:release',
  /**
   * A failure turned into the running-clock fallback or a missing migration value:
   * `{ clock, name, operation: 'hold' | 'release' | 'save' | 'load', error, heldNs? }`.
   */
  FALLBACK: 'kvm-tod:fallback',
} as const;

export interface HoldMessage<T> {
  clock: unknown;
  name: string;
  value: T;
  reason: 'stop' | 'load';
}

export interface ReleaseMessage<T> {
  clock: unknown;
  name: string;
  /** What was written: `held` under 'freeze'; moved on by the time held under 'catch-up'. */
  value: T;
  /** The value held since the stop. */
  held: T;
  policy: 'freeze' | 'catch-up';
  /** How long the clock was held, by the host's monotonic clock. */
  heldNs: bigint;
}

export interface FallbackMessage {
  clock: unknown;
  name: string;
  operation: 'hold' | 'release' | 'save' | 'load';
  error: unknown;
  /** For 'release': how long the clock had been held. */
  heldNs?: bigint;
}

export const holdChannel = diagnostics_channel.channel(Channels.HOLD);
export const releaseChannel = diagnostics_channel.channel(Channels.RELEASE);
export const fallbackChannel = diagnostics_channel.channel(Channels.FALLBACK);
