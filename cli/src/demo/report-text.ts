// The demo's report for people: the head (the backend and why, the pause, the policies
// other than the default, an injected fault), the table (one row per scenario, a jump
// column per policy and one for the control), each scenario's details (what happened to
// the guest clock, its plan, the steps with their device calls, the guest clock at both
// ends, the failed checks) and the result line. By default it fits REPORT_WIDTH columns:
// the table holds the jumps, and the story and device calls are in the details, with the
// long lines wrapped; `--wide` puts every column in the table and wraps nothing. The
// words for the checks and the stories live here too; the JSON report uses them.
import { describeError } from '../command-line';
import { Column, formatDuration, formatNsAsMs, renderTable, wrapLines } from '../text';
import type { AnyBackend, Backend, BackendChoice } from './backends';
import { DemoArgs, reportWidth } from './options';
import type { GuestObserved, GuestRun } from './guest-observed';
import { Check, DEFAULT_TOLERANCE, PolicyResult, RunResult, ScenarioResult } from './evaluate';
import { DemoPolicy, libraryName } from './policies';
import type { InjectedFault } from './fault';
import { findScenario } from './scenarios';
import { pauseHalves, ScenarioDef } from './scenarios/scenario';
import type { DeviceCalls } from './vms';

// ---- words for facts

const ms = (ns: bigint) => (Number(ns) / 1e6).toFixed(3);

/** `1 read`, `2 writes`, `1 read, 1 write`, `no device call`. */
function stepCallText(calls: DeviceCalls): string {
  const parts: string[] = [];
  if (calls.reads) parts.push(`${calls.reads} read${calls.reads === 1 ? '' : 's'}`);
  if (calls.writes) parts.push(`${calls.writes} write${calls.writes === 1 ? '' : 's'}`);
  return parts.length ? parts.join(', ') : 'no device call';
}

/** `0 reads, 0 writes`, `1 read, 2 writes`: both counts, always. */
function callText(calls: DeviceCalls): string {
  const reads = `${calls.reads} read${calls.reads === 1 ? '' : 's'}`;
  return `${reads}, ${calls.writes} write${calls.writes === 1 ? '' : 's'}`;
}

const NO_JUMP_WHY = {
  freeze: '',
  'near-threshold': ' (a hold near the threshold, frozen)',
  'below-threshold': ' (every hold shorter than the threshold)',
};
const DECISION_WORDS = { 'catch-up': 'caught up', freeze: 'frozen', either: 'either way' };

/** A check in words: its name (whose run, what was checked) and what was measured. */
export function checkWords(
  check: Check,
  scenario: ScenarioDef,
  policies: readonly DemoPolicy[],
): { name: string; detail: string } {
  const who = check.policy === undefined ? 'without' : libraryName(check.policy, policies);
  switch (check.kind) {
    case 'error':
      return { name: `${who}: ran without error`, detail: describeError(check.error) };
    case 'runs':
      return {
        name: `${who}: the clock keeps running`,
        detail:
          `advanced ${ms(check.jumpNs)} ms in ${ms(check.hostElapsedNs)} ms of host time, ` + allowedRunning(check),
      };
    case 'no-jump':
      return {
        name: `${who}: the guest sees no jump${NO_JUMP_WHY[check.why]}`,
        detail: `jump ${ms(check.jumpNs)} ms, allowed ±${ms(check.limitNs)} ms`,
      };
    case 'catches-up': {
      const held = check.holds.map((h) => `${ms(h.ns)} ms ${DECISION_WORDS[h.decision]}`).join(', ');
      return {
        name: `${who}: the guest catches up by the time it was held`,
        detail:
          `jump ${ms(check.jumpNs)} ms, expected ${ms(check.expectedNs)} ms (held ${held}), ` +
          `allowed ±${ms(check.limitNs)} ms`,
      };
    }
    case 'calls':
      return {
        name: `${who}: device calls on the ${check.role}`,
        detail: `${callText(check.actual)}, the rules allow ${callText(check.expected)}`,
      };
    case 'fact':
      return { name: `${who}: ${scenario.expectedFacts[check.fact]}`, detail: check.pass ? 'yes' : 'no' };
    case 'warnings':
      return { name: `${who}: no warnings`, detail: check.warnings.length === 0 ? 'none' : check.warnings.join('; ') };
    case 'control-runs':
      return {
        name: 'without: the clock runs through the pause (the jump the library removes)',
        detail:
          `jump ${ms(check.jumpNs)} ms in ${ms(check.hostElapsedNs)} ms of host time, ` +
          allowedRunning(check) +
          (check.inFlightNs > 0n ? `, less up to ${ms(check.inFlightNs)} ms the copy was in flight` : ''),
      };
  }
}

/** A running clock's allowance, and the part of it that is the reads' own time where that is 1 ms or more. */
function allowedRunning(check: { limitNs: bigint; hostUncertaintyNs: bigint }): string {
  const reads =
    check.hostUncertaintyNs >= 1_000_000n ? ` (${ms(check.hostUncertaintyNs)} ms of it: the reads' own time)` : '';
  return `allowed ±${ms(check.limitNs)} ms${reads}`;
}

/** What happened to the guest clock in a library run, in a few words ('error' when it failed). */
export function libraryStory(scenario: ScenarioDef, l: PolicyResult): string {
  if (l.run.error !== undefined) return 'error';
  return scenario.story(l.run.facts, l.jumpOk, l.expect === 'catches-up');
}

/** The control's story. */
export function controlStory(run: RunResult): string {
  return run.error === undefined ? 'ran through the pause (never held)' : 'error';
}

/** A library run's story as if its jump were right, and what went wrong with the jump ('' when nothing). */
function storyFacts(scenario: ScenarioDef, l: PolicyResult): string {
  return l.run.error === undefined ? scenario.story(l.run.facts, true, false) : 'error';
}

function jumpFailure(l: PolicyResult): string {
  if (l.run.error !== undefined) return 'error';
  if (l.jumpOk) return '';
  return l.expect === 'runs'
    ? 'it did not run with the host'
    : l.expect === 'catches-up'
      ? 'it did not catch up'
      : 'it jumped';
}

/** The fault's kind under each of `policies`, in their order. */
export function faultKinds(fault: InjectedFault, policies: readonly DemoPolicy[], pauseMs: number): string[] {
  const scenario = findScenario(fault.scenario)!;
  return policies.map((p) => fault.kindFor(scenario, p, pauseMs));
}

// ---- the head

/** The first line of the report: which backend, and why when auto fell back. */
export function backendLine(backend: AnyBackend, requested: BackendChoice, fallbackReason: string | undefined): string {
  if (fallbackReason !== undefined) {
    return `kvm-tod demo: backend simulated (auto fell back to the built-in s390 simulation: ${fallbackReason})`;
  }
  const auto = requested === 'auto' ? ` (auto: ${process.arch} with a usable /dev/kvm)` : '';
  return `kvm-tod demo: backend ${backend.name}${auto}`;
}

/** The report's head after the first line. */
export function headLines(args: DemoArgs, backend: AnyBackend, fault: InjectedFault | undefined): string[] {
  const lines = [`VMs: ${backend.description}`, pauseLine(args), ...policyLines(args, backend)];
  if (fault) lines.push(`fault injected (${fault.source}): ${fault.scenario}: ${faultText(fault, args)}`);
  return lines;
}

/** The report's head as printed: the first line and headLines, wrapped to the report's width. */
export function reportHead(
  args: DemoArgs,
  backend: AnyBackend,
  requested: BackendChoice,
  fallbackReason: string | undefined,
  fault: InjectedFault | undefined,
): string[] {
  return wrapLines(
    [backendLine(backend, requested, fallbackReason), ...headLines(args, backend, fault)],
    reportWidth(args),
  );
}

/** The pause line: who runs across the pause. */
function pauseLine(args: DemoArgs): string {
  const pause = `pause: ${formatDuration(args.pauseMs)}, shared by the scenarios; `;
  if (args.policies.length === 1) return `${pause}each also runs without kvm-tod (the control)`;
  const under = args.policies.map((p) => p.label).join(' and under ');
  return `${pause}each runs with kvm-tod under ${under}, and without kvm-tod (the control)`;
}

/** What a policy other than the default does, for the report's head. */
function policyLines(args: DemoArgs, backend: AnyBackend): string[] {
  if (args.policies.length === 1 && args.policies[0].kind === 'freeze') return [];
  const stream =
    backend.name === 'kvmclock'
      ? "saveClockSection(clock): the kvmclock section, with the source's wall time"
      : "saveTodSection(clock, { format: 'extended' }): the TOD and the source's wall time";
  const lines: string[] = [];
  for (const p of args.policies) {
    if (p.kind === 'freeze')
      lines.push(
        "policy freeze: at cont the guest continues from the instant it stopped (QEMU's rule): it sees no jump",
      );
    else if (p.kind === 'catch-up')
      lines.push(
        'policy catch-up: at cont the held clock is moved on by the time it was held: ' +
          'the guest ends where it would have been',
      );
    else
      lines.push(
        `policy ${p.label} (${p.id}): holds shorter than ${formatDuration(p.thresholdMs)} are frozen, ` +
          'longer ones caught up (catchUpAfter)',
      );
  }
  const catchingUp = args.policies
    .filter((p) => p.kind !== 'freeze')
    .map((p) => p.label)
    .join(', ');
  lines.push(`  migrations under ${catchingUp} send ${stream}, so the destination counts the downtime`);
  return lines;
}

/** The fault line's description: one kind, or each policy's where they differ. */
function faultText(fault: InjectedFault, args: DemoArgs): string {
  const kinds = faultKinds(fault, args.policies, args.pauseMs);
  if (kinds.every((k) => k === kinds[0])) return fault.describe(kinds[0]);
  return args.policies.map((p, i) => `${p.label}: ${fault.describe(kinds[i])}`).join('; ');
}

// ---- the table

/**
 * One row per scenario: the jump expected with kvm-tod, each policy's jump and the
 * control's. `wide` adds what happened to the guest clock, the device calls and what the
 * tiny guest saw, which the default report shows elsewhere to fit its width.
 */
function resultTable(
  results: ScenarioResult[],
  policies: readonly DemoPolicy[],
  guest: GuestObserved | undefined,
  wide: boolean,
): string[] {
  const several = policies.length > 1;
  const seen = wide && guest?.ran ? guest.scenarios : undefined;
  const rows = results.map((r) => [
    String(r.scenario.number),
    r.scenario.title,
    ...(wide ? [storyCell(r), callsCell(r)] : []),
    joined(r.libraries.map(expectedCell)),
    ...r.libraries.map((l) => jumpCell(l.run)),
    jumpCell(r.control),
    ...(seen ? [guestCell(seen[r.scenario.id]?.withLibrary), guestCell(seen[r.scenario.id]?.withoutLibrary)] : []),
    r.pass ? 'PASS' : 'FAIL',
  ]);
  const columns: Column[] = [
    { header: '#' },
    { header: 'scenario' },
    ...(wide ? [{ header: 'guest clock with kvm-tod' }, { header: 'device calls' }] : []),
    { header: 'expected', align: 'right' },
    ...policies.map((p) => ({
      header: several ? `jump (${p.label})` : 'jump with kvm-tod',
      align: 'right' as const,
    })),
    { header: 'jump without', align: 'right' },
    ...(seen
      ? [
          { header: 'guest saw with', align: 'right' as const },
          { header: 'guest saw without', align: 'right' as const },
        ]
      : []),
    { header: 'result' },
  ];
  return renderTable(columns, rows);
}

/** What the tiny guest saw, as a table of its own: the default report's place for the wide table's two columns. */
function guestTable(results: ScenarioResult[], guest: GuestObserved | undefined): string[] {
  if (!guest?.ran) return [];
  const rows = results.map((r) => [
    String(r.scenario.number),
    r.scenario.title,
    guestCell(guest.scenarios[r.scenario.id]?.withLibrary),
    guestCell(guest.scenarios[r.scenario.id]?.withoutLibrary),
  ]);
  const columns: Column[] = [
    { header: '#' },
    { header: 'scenario' },
    { header: 'guest saw with', align: 'right' },
    { header: 'guest saw without', align: 'right' },
  ];
  return [...renderTable(columns, rows), ''];
}

function guestCell(run: GuestRun | undefined): string {
  return run === undefined ? '-' : formatNsAsMs(run.jumpNs);
}

/** Whether a guest ran, in words; nothing off the kvmclock backend. */
function guestLines(guest: GuestObserved | undefined): string[] {
  if (guest === undefined) return [];
  if (!guest.ran) return [`No guest ran: ${guest.reason}. The jumps above are the host's reads of KVM's clock.`, ''];
  return [
    `A guest ran: the ${guest.guest}. "guest saw" is the jump of its own kvmclock across each ` +
      'interval, as a Linux guest computes it from the pvclock area (its own VMs, the same pause; ' +
      "with kvm-tod under 'freeze', GuestClock's default, whatever --policy says).",
    '',
  ];
}

function jumpCell(run: RunResult): string {
  if (run.error !== undefined) return 'error';
  return run.jumpNs === undefined ? '-' : formatNsAsMs(run.jumpNs);
}

function totalCalls(run: RunResult): DeviceCalls {
  return Object.values(run.calls).reduce((t, c) => ({ reads: t.reads + c.reads, writes: t.writes + c.writes }), {
    reads: 0,
    writes: 0,
  });
}

/**
 * What the jump with kvm-tod should be: `≈ 0`, `= host time`, `≈ pause`, or a number where
 * only some holds were caught up.
 */
function expectedCell(r: PolicyResult): string {
  if (r.expect === 'runs') return '= host time';
  if (r.expect === 'held' || r.expectedJumpNs === undefined) return '≈ 0';
  const heldNs = r.holds.reduce((t, h) => t + h.ns, 0n);
  const slackNs = BigInt(DEFAULT_TOLERANCE.heldMs * 1e6);
  return heldNs - r.expectedJumpNs <= slackNs ? '≈ pause' : `≈ ${formatNsAsMs(r.expectedJumpNs)}`;
}

/** The library's device calls in a scenario, once when every policy made the same. */
function callsCell(r: ScenarioResult): string {
  return joined(r.libraries.map((l) => callText(totalCalls(l.run))));
}

/** Cells that are the same for every policy shown once, else joined with ' / '. */
function joined(cells: string[]): string {
  return cells.every((c) => c === cells[0]) ? cells[0] : cells.join(' / ');
}

/** The table's story cell: one policy's story; with several, the facts and what each policy's jump did wrong. */
function storyCell(r: ScenarioResult): string {
  if (r.libraries.length === 1) return libraryStory(r.scenario, r.libraries[0]);
  if (r.scenario.expect === 'runs') return joined(r.libraries.map((l) => libraryStory(r.scenario, l)));
  let story = storyFacts(r.scenario, r.libraries[0]);
  for (const l of r.libraries) {
    const failure = jumpFailure(l);
    if (failure !== '') story += `; ${l.policy.label}: ${failure}`;
  }
  return story;
}

// ---- each scenario's details

function scenarioDetails(
  r: ScenarioResult,
  policies: readonly DemoPolicy[],
  pauseMs: number,
  backend: Backend<unknown>,
  wide: boolean,
) {
  const several = policies.length > 1;
  const lines: string[] = [];
  const kinds = r.libraries.map((l) => l.fault).filter((k) => k !== undefined);
  const faultNote = kinds.length === 0 ? '' : ` (fault injected: ${joinedKinds(r.libraries)})`;
  lines.push(`${r.scenario.number}. ${r.scenario.title}: ${r.pass ? 'PASS' : 'FAIL'}${faultNote}`);
  // The wide table's two columns that do not fit the default one.
  if (!wide) lines.push(`   guest clock with kvm-tod: ${storyCell(r)}; device calls: ${callsCell(r)}`);
  lines.push(`   plan: ${r.scenario.plan}`);
  const names = r.libraries.map((l) => libraryName(l.policy, policies));
  const width = Math.max(...names.map((n) => n.length), 'without'.length) + 1;
  // The steps, once for the policies that took the same ones (they do, unless one broke).
  const steps = r.libraries.map((l) => stepsText(l.run, pauseMs));
  if (several && steps.every((t) => t === steps[0]))
    lines.push(`   with kvm-tod (${policies.map((p) => p.label).join(', ')}): ${steps[0]}`);
  else steps.forEach((text, i) => lines.push(`   ${names[i]}: ${text}`));
  lines.push(`   measured ${r.scenario.interval}:`);
  const measured = (name: string, run: RunResult) => {
    const { moved, clock } = measureText(run, backend);
    const label = `     ${`${name}:`.padEnd(width)} `;
    // Wide: the clock values, then how far it moved; by default how far it moved, beside
    // the other runs', and the clock values below it.
    if (clock === undefined) lines.push(`${label}${moved}`);
    else if (wide) lines.push(`${label}${clock}: ${moved}`);
    else lines.push(`${label}${moved}`, `       ${clock}`);
  };
  r.libraries.forEach((l, i) => measured(names[i], l.run));
  measured('without', r.control);
  const failed = r.checks.filter((c) => !c.pass);
  if (failed.length === 0) lines.push(`   checks: all ${r.checks.length} passed`);
  for (const c of failed) {
    const { name, detail } = checkWords(c, r.scenario, policies);
    lines.push(`   FAIL ${name}: ${detail}`);
  }
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
  if (run.error !== undefined) parts.push(`error: ${describeError(run.error)}`);
  return parts.join(' -> ');
}

/** How far the guest clock moved in a run, and its values at both ends (none when it failed). */
function measureText(run: RunResult, backend: Backend<unknown>): { moved: string; clock?: string } {
  if (run.error !== undefined) return { moved: `error: ${describeError(run.error)}` };
  if (run.jumpNs === undefined || run.hostElapsedNs === undefined) return { moved: 'not measured' };
  return {
    moved: `moved ${formatNsAsMs(run.jumpNs)} in ${formatNsAsMs(run.hostElapsedNs).slice(1)} of host time`,
    clock: `guest clock ${backend.format(run.before)} -> ${backend.format(run.after)}`,
  };
}

// ---- the whole report

export function textReport(
  results: ScenarioResult[],
  pass: boolean,
  args: DemoArgs,
  backend: AnyBackend,
  guest?: GuestObserved,
): string[] {
  const { pauseMs, policies, wide } = args;
  const width = reportWidth(args);
  const lines = ['', ...resultTable(results, policies, guest, wide), ''];
  lines.push(...wrapLines(guestLines(guest), width), ...(wide ? [] : guestTable(results, guest)));
  for (const r of results) lines.push(...wrapLines(scenarioDetails(r, policies, pauseMs, backend, wide), width));
  const failed = results.filter((r) => !r.pass).length;
  lines.push('');
  lines.push(
    ...wrapLines(
      [
        pass
          ? `Result: PASS: all ${results.length} scenarios behaved as the rules say ${passReason(policies)}.`
          : `Result: FAIL: ${failed} of ${results.length} scenarios did not behave as the rules say.`,
      ],
      width,
    ),
  );
  return lines;
}

function passReason(policies: readonly DemoPolicy[]): string {
  const [first, second] = policies;
  if (policies.length === 1 && first.kind === 'freeze')
    return '(with kvm-tod the guest clock did not jump; without it, it jumped by the pause)';
  if (policies.length === 1 && first.kind === 'catch-up') {
    return (
      '(with kvm-tod under catch-up the guest clock was held while stopped and caught up at cont: ' +
      'it ends where it would have been, as without kvm-tod, which let it run through the pause)'
    );
  }
  if (policies.length === 2 && first.kind === 'freeze' && second.kind === 'catch-up') {
    return (
      'under both policies (freeze: the guest clock did not jump; catch-up: it was held, then caught up ' +
      'by the pause; without kvm-tod it ran through the pause)'
    );
  }
  return (
    `(with kvm-tod under ${first.label}, holds shorter than the threshold were frozen and longer ones ` +
    'caught up; without kvm-tod the clock ran through the pause)'
  );
}
