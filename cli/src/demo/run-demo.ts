// Running the demo: every scenario phase by phase, the library's runs and the control's
// side by side across the two halves of one shared pause, then each checked.
import type { Backend } from './backends';
import { DEFAULT_TOLERANCE, evaluate, ScenarioResult, Tolerance } from './evaluate';
import type { InjectedFault } from './fault';
import { DemoPolicy, FREEZE } from './policies';
import { Run } from './run';
import { SCENARIOS } from './scenarios';
import { pauseHalves } from './scenarios/scenario';

export interface DemoOptions {
  pauseMs: number;
  /** The library's resume policies, each run on VMs of its own; [FREEZE] by default. */
  policies?: DemoPolicy[];
  fault?: InjectedFault;
  tolerance?: Tolerance;
  /** Called while waiting, with the milliseconds waited so far; for the progress line. */
  onWait?: (waitedMs: number) => void;
}

const sleep = (msDelay: number) => new Promise<void>((resolve) => setTimeout(resolve, msDelay));

async function wait(totalMs: number, offsetMs: number, onWait?: (waitedMs: number) => void): Promise<void> {
  if (!onWait) return sleep(totalMs);
  const begin = Date.now();
  const tick = Math.min(1000, Math.max(50, Math.floor(totalMs / 20)));
  for (;;) {
    const waited = Date.now() - begin;
    onWait(offsetMs + Math.min(waited, totalMs));
    if (waited >= totalMs) return;
    await sleep(Math.min(tick, totalMs - waited));
  }
}

/** Runs every scenario with and without the library and checks them. */
export async function runDemo<T>(backend: Backend<T>, options: DemoOptions): Promise<ScenarioResult[]> {
  const tolerance = options.tolerance ?? DEFAULT_TOLERANCE;
  const policies = options.policies ?? [FREEZE];
  const startNs = process.hrtime.bigint();
  const runs = SCENARIOS.map((scenario) => {
    const injected = options.fault && options.fault.scenario === scenario.id ? options.fault : undefined;
    return {
      scenario,
      libraries: policies.map((policy) => {
        const kind = injected?.kindFor(scenario, policy, options.pauseMs);
        const fault = injected && kind !== undefined ? { injected, kind } : undefined;
        return { run: new Run<T>('library', backend, startNs, fault, policy), fault: kind };
      }),
      control: new Run<T>('control', backend, startNs, undefined),
    };
  });
  const [firstHalf, secondHalf] = pauseHalves(options.pauseMs);
  for (let phase = 0; phase < 3; phase++) {
    if (phase === 1) await wait(firstHalf, 0, options.onWait);
    if (phase === 2) await wait(secondHalf, firstHalf, options.onWait);
    for (const { scenario, libraries, control } of runs) {
      for (const run of [...libraries.map((l) => l.run), control]) {
        if (run.error !== undefined) continue;
        run.phase = phase;
        try {
          scenario.phases[phase](run);
        } catch (error) {
          run.error = error;
        }
      }
    }
  }
  return runs.map(({ scenario, libraries, control }) => evaluate(scenario, libraries, control, tolerance));
}
