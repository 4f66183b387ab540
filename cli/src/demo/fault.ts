// The demo's fault hook: a misbehaving device put into the library's VMs of one scenario by
// the caller (the tests do, to show that the checks catch a broken clock; nothing in the
// command line arms one).
import type { DemoPolicy } from './policies';
import type { DeviceWrapper } from './run';
import type { ScenarioDef } from './scenarios/scenario';

/**
 * A misbehaving device for the library's VMs of one scenario, put in by the caller (the
 * tests use it to show that the checks catch a broken clock). The report names it.
 */
export interface InjectedFault extends DeviceWrapper {
  /** Where it comes from, for the report's head (e.g. the tests' environment variable). */
  readonly source: string;
  /** The scenario (id) whose library runs get it. */
  readonly scenario: string;
  /** Its kind under `policy`, e.g. 'stuck': what breaks what the scenario shows. */
  kindFor(scenario: ScenarioDef, policy: DemoPolicy, pauseMs: number): string;
  /** What a kind does, in words, for the report. */
  describe(kind: string): string;
}
