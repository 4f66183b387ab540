// The seed's test plan (../shared/reference/guest-clock-semantics.md) as four
// scenarios, in the order shown; each is defined in a scenario-<id>.ts of its own.
import { LIVE_MIGRATION } from './scenario-live-migration';
import { OFFLINE_MIGRATION } from './scenario-offline-migration';
import type { ScenarioDef } from './scenario-def';
import { SIMPLE_START } from './scenario-simple-start';
import { STOP_CONT } from './scenario-stop-cont';

export const SCENARIOS: ScenarioDef[] = [SIMPLE_START, LIVE_MIGRATION, OFFLINE_MIGRATION, STOP_CONT];

/** Scenario ids and numbers a user (or a test) may name. */
export function findScenario(name: string): ScenarioDef | undefined {
  return SCENARIOS.find((s) => s.id === name || String(s.number) === name);
}
