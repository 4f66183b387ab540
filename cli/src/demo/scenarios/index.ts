// The test plan of the QEMU commit (docs/background.md) as four scenarios, in the order
// shown; each is defined in a file of its own beside this one, named by its id.
import { LIVE_MIGRATION } from './live-migration';
import { OFFLINE_MIGRATION } from './offline-migration';
import type { ScenarioDef } from './scenario';
import { SIMPLE_START } from './simple-start';
import { STOP_CONT } from './stop-cont';

export const SCENARIOS: ScenarioDef[] = [SIMPLE_START, LIVE_MIGRATION, OFFLINE_MIGRATION, STOP_CONT];

/** Scenario ids and numbers a user (or a test) may name. */
export function findScenario(name: string): ScenarioDef | undefined {
  return SCENARIOS.find((s) => s.id === name || String(s.number) === name);
}
