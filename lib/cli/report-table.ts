// The demo's table: one row per scenario, a jump column per policy and one for the
// control. Where the policies agree, a cell is shown once, else joined with ' / '.
import { callText } from './call-text';
import { formatNsAsMs } from './duration';
import type { DemoPolicy } from './policies';
import type { PolicyResult, RunResult, ScenarioResult } from './results';
import { renderTable } from './table';
import { DEFAULT_TOLERANCE } from './tolerance';

export function resultTable(results: ScenarioResult[], policies: DemoPolicy[]): string[] {
  const several = policies.length > 1;
  const rows = results.map((r) => [
    String(r.scenario.number),
    r.scenario.title,
    storyCell(r),
    joined(r.libraries.map((l) => callText(totalCalls(l.run)))),
    joined(r.libraries.map(expectedCell)),
    ...r.libraries.map((l) => jumpCell(l.run)),
    jumpCell(r.control),
    r.pass ? 'PASS' : 'FAIL',
  ]);
  return renderTable(
    [
      { header: '#' },
      { header: 'scenario' },
      { header: 'guest clock with kvm-tod' },
      { header: 'device calls' },
      { header: 'expected', align: 'right' },
      ...policies.map((p) => ({
        header: several ? `jump (${p.label})` : 'jump with kvm-tod',
        align: 'right' as const,
      })),
      { header: 'jump without', align: 'right' },
      { header: 'result' },
    ],
    rows,
  );
}

function jumpCell(run: RunResult): string {
  if (run.error !== undefined) return 'error';
  return run.jumpNs === undefined ? '-' : formatNsAsMs(run.jumpNs);
}

function totalCalls(run: RunResult): { reads: number; writes: number } {
  return Object.values(run.calls).reduce((t, c) => ({ reads: t.reads + c.reads, writes: t.writes + c.writes }), {
    reads: 0,
    writes: 0,
  });
}

/** What the jump with kvm-tod should be: `≈ 0`, `= host time`, `≈ pause`, or a number where only some holds were caught up. */
function expectedCell(r: PolicyResult): string {
  if (r.expect === 'runs') return '= host time';
  if (r.expect === 'held' || r.expectedJumpNs === undefined) return '≈ 0';
  const heldNs = r.holds.reduce((t, h) => t + h.ns, 0n);
  const slackNs = BigInt(DEFAULT_TOLERANCE.heldMs * 1e6);
  return heldNs - r.expectedJumpNs <= slackNs ? '≈ pause' : `≈ ${formatNsAsMs(r.expectedJumpNs)}`;
}

/** Cells that are the same for every policy shown once, else joined with ' / '. */
function joined(cells: string[]): string {
  return cells.every((c) => c === cells[0]) ? cells[0] : cells.join(' / ');
}

/** The table's story cell: one policy's story; with several, the facts and what each policy's jump did wrong. */
function storyCell(r: ScenarioResult): string {
  if (r.libraries.length === 1) return r.libraries[0].run.story;
  if (r.scenario.expect === 'runs') return joined(r.libraries.map((l) => l.run.story));
  let story = r.libraries[0].storyFacts;
  for (const l of r.libraries) if (l.jumpFailure !== '') story += `; ${l.policy.label}: ${l.jumpFailure}`;
  return story;
}
