// What a scenario of the demo is, and the steps and words its definitions share.
// Every scenario runs in three phases around one pause split in two halves, so that
// all of them share the pause: `--pause 2m` takes two minutes, not eight.
import type { DemoVm, Run } from '../run';
import type { DeviceCalls } from '../vms';

export type Phase = <T>(run: Run<T>) => void;

/** A span of a run, from one step to another, each named [role, action] as the step records are. */
export interface StepSpan {
  from: [string, string];
  to: [string, string];
}

export interface ScenarioDef {
  id: string;
  number: number;
  title: string;
  /** The test plan's words for it (the QEMU commit's, docs/background.md). */
  plan: string;
  /** What the guest clock must do over the measured interval with the library. */
  expect: 'held' | 'runs';
  /** The interval measured, in words. */
  interval: string;
  /** The device calls the rules allow, per VM role, with the library. */
  expectedCalls: Record<string, DeviceCalls>;
  /** Facts about the library's state that must be true. */
  expectedFacts: Record<string, string>;
  /**
   * The spans over which the library holds the clock and a resume policy decides, each
   * from one step to another ([role, action] of the step records): a catch-up adds them.
   */
  holds: StepSpan[];
  /**
   * The spans in which the clock's value is in the migration stream, from the source's
   * save (the read) to the destination's load (the write). A VMM without kvm-tod (the
   * control) loses them on the guest clock: the destination goes on from a value as old
   * as the copy. Empty where nothing migrates.
   */
  inFlight: StepSpan[];
  /** Those spans' nominal lengths for a pause (before running: to pick a fault). */
  nominalHoldsMs(pauseMs: number): number[];
  /** Before the pause, halfway through it, after it. */
  phases: [Phase, Phase, Phase];
  /**
   * What happened to the guest clock, in a few words, from a library run's facts;
   * `caughtUp`: the policy was to catch up (the release is then a catch-up).
   */
  story(facts: Record<string, boolean>, jumpOk: boolean, caughtUp: boolean): string;
}

/** The two halves of the pause: the waits before phase 1 and before phase 2. */
export function pauseHalves(pauseMs: number): [number, number] {
  const half = Math.floor(pauseMs / 2);
  return [half, pauseMs - half];
}

export const start = <T>(run: Run<T>, vm: DemoVm<T>, what = 'start') =>
  run.step(vm, what, () => vm.vmm.vmStateChanged(true));
export const stop = <T>(run: Run<T>, vm: DemoVm<T>, what = 'stop') =>
  run.step(vm, what, () => vm.vmm.vmStateChanged(false));

/** Runs a held VM again (`start` or `cont`): the end of the interval; `fact` says whether that released it. */
export function resume<T>(run: Run<T>, vm: DemoVm<T>, what: string, fact: string): void {
  const wasHeld = vm.vmm.held;
  start(run, vm, what);
  run.markAfter(vm);
  run.fact(fact, wasHeld && !vm.vmm.held);
}

/** `released at cont`, `caught up at cont` (a catch-up that worked), or `not released at cont`. */
export const releaseStory = (released: boolean | undefined, at: string, caughtUp: boolean) =>
  released ? `${caughtUp ? 'caught up' : 'released'} at ${at}` : `not released at ${at}`;

/** The story's ending when the jump was wrong. */
export const jumped = (jumpOk: boolean, caughtUp: boolean) =>
  jumpOk ? '' : caughtUp ? '; it did not catch up' : '; it jumped';
