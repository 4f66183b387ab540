// The demo's report for people: the table, each scenario's details, the result line.
import type { DemoArgs } from './demo-args';
import type { DemoPolicy } from './policies';
import { scenarioDetails } from './report-details';
import { resultTable } from './report-table';
import type { ScenarioResult } from './results';

export function textReport(results: ScenarioResult[], pass: boolean, args: DemoArgs): string[] {
  const { pauseMs, policies } = args;
  const lines = ['', ...resultTable(results, policies), ''];
  for (const r of results) lines.push(...scenarioDetails(r, policies, pauseMs));
  const failed = results.filter((r) => !r.pass).length;
  lines.push('');
  lines.push(
    pass
      ? `Result: PASS: all ${results.length} scenarios behaved as the rules say ${passReason(policies)}.`
      : `Result: FAIL: ${failed} of ${results.length} scenarios did not behave as the rules say.`,
  );
  return lines;
}

function passReason(policies: DemoPolicy[]): string {
  const ids = policies.map((p) => p.id).join(',');
  if (ids === 'freeze') return '(with kvm-tod the guest clock did not jump; without it, it jumped by the pause)';
  if (ids === 'catch-up') {
    return '(with kvm-tod under catch-up the guest clock was held while stopped and caught up at cont: it ends where it would have been, as without kvm-tod, which let it run through the pause)';
  }
  if (ids === 'freeze,catch-up') {
    return 'under both policies (freeze: the guest clock did not jump; catch-up: it was held, then caught up by the pause; without kvm-tod it ran through the pause)';
  }
  const p = policies[0];
  return `(with kvm-tod under ${p.label}, holds shorter than the threshold were frozen and longer ones caught up; without kvm-tod the clock ran through the pause)`;
}
