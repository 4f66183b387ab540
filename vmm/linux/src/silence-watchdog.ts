// A guest that prints nothing is a guest nobody can see. On a real Intel host a Linux guest
// of this VMM once printed nothing for 280 s while its vCPU spent all its time in the kernel,
// and the run sat there without a word. So every boot is watched: when the running guest
// writes no console byte for longer than the bound, the run ends with a GuestSilentError that
// says where the guest is (its registers, its last exits and their counts, its last lines).
// The guest prints from its earliest boot (earlyprintk, stop-cont.ts), so the bound holds from
// the first instruction; the watch pauses while the VMM has the guest stopped.
import type { ExitSummary } from './vcpu-stats';

/** Where the vCPU was when it was stopped for the diagnosis. */
export interface GuestWhere {
  rip: number;
  rsp: number;
  rflags: number;
  cs: { selector: number; base: number };
  cr0: number;
  cr3: number;
  cr4: number;
  efer: number;
}

export interface GuestSilence {
  /** How long the running guest had written nothing, ms. */
  silentMs: number;
  /** The bound it passed, ms, and what it was made of. */
  limitMs: number;
  limitWhy: string;
  /** The registers; undefined when the vCPU could not be stopped (why: `stuck`). */
  where?: GuestWhere;
  stuck?: string;
  exits: ExitSummary;
  /** Console bytes the guest wrote in all, and its last lines. */
  outputBytes: number;
  lastLines: string[];
}

/** The run ended because the guest said nothing for too long. */
export class GuestSilentError extends Error {
  readonly code = 'ERR_GUEST_SILENT';
  readonly silence: GuestSilence;

  constructor(silence: GuestSilence) {
    super(silenceText(silence));
    this.name = 'GuestSilentError';
    this.silence = silence;
  }
}

const hex = (n: number): string => `0x${n.toString(16)}`;

/** The error's message: what happened, where the guest is, what it was doing. */
export function silenceText(s: GuestSilence): string {
  const lines = [
    `the guest wrote nothing on its console for ${(s.silentMs / 1000).toFixed(1)} s ` +
      `(the bound here: ${(s.limitMs / 1000).toFixed(1)} s, ${s.limitWhy}); ` +
      `it had written ${s.outputBytes} bytes before`,
  ];
  if (s.where) {
    const w = s.where;
    lines.push(
      `where it is: RIP ${hex(w.rip)} RSP ${hex(w.rsp)} RFLAGS ${hex(w.rflags)} ` +
        `CS ${hex(w.cs.selector)} (base ${hex(w.cs.base)}) CR0 ${hex(w.cr0)} CR3 ${hex(w.cr3)} ` +
        `CR4 ${hex(w.cr4)} EFER ${hex(w.efer)}`,
    );
  } else {
    lines.push(`where it is: unknown (${s.stuck ?? 'the vCPU could not be stopped'})`);
  }
  const counts = s.exits.byReason.map((r) => `${r.reason} ${r.count}`).join(', ') || 'none';
  lines.push(`KVM_RUN exits: ${s.exits.total} (${counts})`);
  lines.push(`the last exits, oldest first: ${runs(s.exits.last).join(', ') || 'none'}`);
  lines.push(
    s.lastLines.length
      ? `its last lines:\n${s.lastLines.map((l) => `  ${l}`).join('\n')}`
      : 'it printed no line at all (not even from earlyprintk: it stopped before the kernel reached C)',
  );
  return lines.join('\n');
}

/** Repeats in a row said once: ['a', 'a', 'b'] -> ['a x2', 'b']. */
function runs(items: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < items.length;) {
    let j = i;
    while (j < items.length && items[j] === items[i]) j++;
    out.push(j - i > 1 ? `${items[i]} x${j - i}` : items[i]);
    i = j;
  }
  return out;
}

let slowness: { factor: number; loopMs: number } | undefined;

/**
 * How much slower than a current server this machine runs code: a fixed loop of integer
 * work timed once per process (about 20-40 ms on a server; an emulated CPU such as the KVM
 * box's takes tens of times longer), as a factor of at least 1.
 */
export function machineSlowness(): { factor: number; loopMs: number } {
  if (slowness) return slowness;
  const start = process.hrtime.bigint();
  let x = 0;
  for (let i = 0; i < 2e7; i++) x = (x * 31 + i) | 0;
  const loopMs = Number(process.hrtime.bigint() - start) / 1e6 + (x === 0.5 ? 1 : 0);
  slowness = { factor: Math.max(1, loopMs / SERVER_LOOP_MS), loopMs };
  return slowness;
}

/**
 * The calibration loop's time on a current server, ms (see machineSlowness): V8 runs it at
 * 1-2 ns an iteration on a current x86 server core, so 40 ms is the slow end of that.
 */
const SERVER_LOOP_MS = 40;
/** The silence a guest may keep on a current server: its early console prints within a second. */
const SILENCE_ON_A_SERVER_MS = 20_000;
/**
 * However slow the machine, a silent guest ends its run within this: inside the KVM box the
 * loop takes about 4.5 s (a factor of 110), and the box itself gives up on a command silent
 * for 5 minutes.
 */
const MAX_SILENCE_MS = 240_000;

/** The bound, ms, and its reason: LINUX_VMM_SILENCE_MS, else 20 s scaled by machineSlowness(). */
export function defaultSilenceLimit(): { limitMs: number; why: string } {
  const fromEnv = Number(process.env.LINUX_VMM_SILENCE_MS);
  if (Number.isFinite(fromEnv) && fromEnv > 0) return { limitMs: fromEnv, why: 'LINUX_VMM_SILENCE_MS' };
  const { factor, loopMs } = machineSlowness();
  const limitMs = Math.min(MAX_SILENCE_MS, Math.round(SILENCE_ON_A_SERVER_MS * factor));
  const capped = limitMs === MAX_SILENCE_MS ? `, at most ${MAX_SILENCE_MS / 1000} s` : '';
  return {
    limitMs,
    why:
      `${SILENCE_ON_A_SERVER_MS / 1000} s on a current server x ${factor.toFixed(1)}: this machine's ` +
      `calibration loop took ${loopMs.toFixed(0)} ms against ${SERVER_LOOP_MS}${capped}`,
  };
}

/**
 * Polls the guest's console byte count while it runs; calls `onSilent(silentMs)` once when it
 * has not changed for `limitMs` of running time. Time the guest spends stopped does not count.
 */
export class SilenceWatchdog {
  private readonly timer: NodeJS.Timeout;
  private lastBytes = -1;
  private lastChangeNs = process.hrtime.bigint();
  private fired = false;

  constructor(
    private readonly limitMs: number,
    private readonly readBytes: () => number,
    private readonly running: () => boolean,
    private readonly onSilent: (silentMs: number) => void,
    pollMs = 250,
  ) {
    this.timer = setInterval(() => this.poll(), pollMs);
    this.timer.unref();
  }

  /** The guest runs again after a stop: its silence starts now. */
  resume(): void {
    this.lastChangeNs = process.hrtime.bigint();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private poll(): void {
    if (this.fired) return;
    const now = process.hrtime.bigint();
    const bytes = this.readBytes();
    if (bytes !== this.lastBytes || !this.running()) {
      this.lastBytes = bytes;
      this.lastChangeNs = now;
      return;
    }
    const silentMs = Number(now - this.lastChangeNs) / 1e6;
    if (silentMs > this.limitMs) {
      this.fired = true;
      this.stop();
      this.onSilent(silentMs);
    }
  }
}
