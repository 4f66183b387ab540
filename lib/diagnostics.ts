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

/** What {@link Channels.HOLD} publishes: the guest clock is now held. */
export interface HoldMessage<T> {
  /** The {@link GuestClock} that holds it. */
  clock: unknown;
  /** The clock's `name`. */
  name: string;
  /** The held value. */
  value: T;
  /** Why: the VM stopped, or a migration destination loaded a value. */
  reason: 'stop' | 'load';
}

/** What {@link Channels.RELEASE} publishes: the held clock was written back. */
export interface ReleaseMessage<T> {
  /** The {@link GuestClock} that released it. */
  clock: unknown;
  /** The clock's `name`. */
  name: string;
  /** What was written: `held` under 'freeze'; moved on by the time held under 'catch-up'. */
  value: T;
  /** The value held since the stop. */
  held: T;
  /** The policy that decided `value`. */
  policy: 'freeze' | 'catch-up';
  /** How long the clock was held, by the host's monotonic clock. */
  heldNs: bigint;
}

/**
 * What {@link Channels.FALLBACK} publishes: a failure turned into the running-clock
 * fallback (hold, release) or a migration without a value (save, load).
 */
export interface FallbackMessage {
  /** The {@link GuestClock} concerned. */
  clock: unknown;
  /** The clock's `name`. */
  name: string;
  /** What failed. */
  operation: 'hold' | 'release' | 'save' | 'load';
  /** The device's error; `null` for a load of a "missing" section. */
  error: unknown;
  /** For 'release': how long the clock had been held. */
  heldNs?: bigint;
}

export const holdChannel = diagnostics_channel.channel(Channels.HOLD);
export const releaseChannel = diagnostics_channel.channel(Channels.RELEASE);
export const fallbackChannel = diagnostics_channel.channel(Channels.FALLBACK);
