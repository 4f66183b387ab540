// Each scenario's details under the table: its plan, the steps taken with their
// device calls, the guest clock at both ends of the interval, the failed checks.
import { stepCallText } from './call-text';
import { formatDuration, formatNsAsMs } from './duration';
import { DemoPolicy, libraryName } from './policies';
import type { PolicyResult, RunResult, ScenarioResult } from './results';
import { pauseHalves } from './scenario-def';

export function scenarioDetails(r: ScenarioResult, policies: DemoPolicy[], pauseMs: number): string[] {
  const several = policies.length > 1;
  const lines: string[] = [];
  const kinds = r.libraries.map((l) => l.fault).filter((k) => k !== undefined);
  const faultNote = kinds.length === 0 ? '' : ` (fault injected: ${joinedKinds(r.libraries)})`;
  lines.push(`${r.scenario.number}. ${r.scenario.title}: ${r.pass ? 'PASS' : 'FAIL'}${faultNote}`);
  lines.push(`   plan: ${r.scenario.plan}`);
  const names = r.libraries.map((l) => libraryName(l.policy, policies));
  const width = Math.max(...names.map((n) => n.length), 'without'.length) + 1;
  // The steps, once for the policies that took the same ones (they do, unless one broke).
  const steps = r.libraries.map((l) => stepsText(l.run, pauseMs));
  if (several && steps.every((t) => t === steps[0]))
    lines.push(`   with kvm-tod (${policies.map((p) => p.label).join(', ')}): ${steps[0]}`);
  else steps.forEach((text, i) => lines.push(`   ${names[i]}: ${text}`));
  lines.push(`   measured ${r.scenario.interval}:`);
  r.libraries.forEach((l, i) => lines.push(`     ${`${names[i]}:`.padEnd(width)} ${measureText(l.run)}`));
  lines.push(`     ${'without:'.padEnd(width)} ${measureText(r.control)}`);
  const failed = r.checks.filter((c) => !c.pass);
  if (failed.length === 0) lines.push(`   checks: all ${r.checks.length} passed`);
  for (const c of failed) lines.push(`   FAIL ${c.name}: ${c.detail}`);
  return lines;
}

function joinedKinds(libraries: PolicyResult[]): string {
  const kinds = libraries.map((l) => l.fault ?? 'none');
  if (kinds.every((k) => k === kinds[0])) return kinds[0];
  return libraries.map((l, i) => `${l.policy.label}: ${kinds[i]}`).join(', ');
}

function stepsText(run: RunResult, pauseMs: number): string {
  // Phases 0, 1 and 2 are separated by the two halves of the pause.
  const half = pauseHalves(pauseMs);
  const parts: string[] = [];
  let phase = 0;
  const waitUntil = (target: number) => {
    let waited = 0;
    for (; phase < target; phase++) waited += half[phase];
    if (waited > 0) parts.push(`[wait ${formatDuration(waited)}]`);
  };
  for (const s of run.steps) {
    waitUntil(s.phase);
    parts.push(`${s.vm} ${s.action}: ${stepCallText(s)}${s.held ? ', held' : ''}`);
  }
  waitUntil(2);
  if (run.error !== undefined) parts.push(`error: ${run.error}`);
  return parts.join(' -> ');
}

function measureText(run: RunResult): string {
  if (run.error !== undefined) return `error: ${run.error}`;
  if (run.jumpNs === undefined || run.hostElapsedNs === undefined) return 'not measured';
  return `guest clock ${run.beforeText} -> ${run.afterText}: moved ${formatNsAsMs(run.jumpNs)} in ${formatNsAsMs(run.hostElapsedNs).slice(1)} of host time`;
}
