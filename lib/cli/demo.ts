// kvm-tod demo: the seed's test plan on this host's KVM (or the simulation), with
// and without the library, as a table or one JSON document.
import * as os from 'os';
import { parseArgs, UsageError } from './args';
import { AnyBackend, Backend, BACKEND_CHOICES, BackendChoice, selectBackend } from './backends';
import { FAULT_DESCRIPTIONS, FAULT_KINDS, FaultKind } from './devices';
import { formatDuration, formatNsAsMs, nsToMs, parseDuration } from './duration';
import {
  CATCH_UP,
  callText,
  DEFAULT_TOLERANCE,
  DemoPolicy,
  Fault,
  faultKindFor,
  findScenario,
  FREEZE,
  libraryName,
  PolicyResult,
  runDemo,
  RunResult,
  SCENARIOS,
  ScenarioResult,
  stepCallText,
  thresholdPolicy,
} from './scenarios';
import { renderTable } from './table';

export const DEFAULT_PAUSE_MS = 3000;
const MIN_PAUSE_MS = 100;
const MAX_PAUSE_MS = 24 * 3_600_000;

/** The environment variable that makes one scenario's device misbehave (for tests; see docs/cli.md). */
export const FAULT_ENV = 'KVM_TOD_DEMO_FAULT';

export const DEMO_HELP = `Usage: kvm-tod demo [--pause <duration>] [--backend <backend>] [--policy <policy>] [--json]

Runs the test plan of the s390x TOD fix on VMs of this host and shows the jump
the guest clock makes across a pause with kvm-tod and without it:
  1. simple start         the clock keeps running; no read or write
  2. live migration       the destination holds the migrated value until it starts
  3. offline migration    stop on the source holds the clock; cont on the
                          destination continues from the stop instant
  4. stop/cont, repeated  held at stop, restored at cont; repeats do nothing
Each scenario also runs on a second VM without the library (the control),
which sees the whole pause as a jump. The scenarios share one pause.

Options:
  --pause <duration>   how long the VMs stay stopped (default ${formatDuration(DEFAULT_PAUSE_MS)});
                       e.g. 500ms, 3s, 1.5s, 2m, 1m30s (at least ${MIN_PAUSE_MS}ms)
  --backend <backend>  auto (default): s390 on s390x, kvmclock on x86_64, and the
                       built-in simulation where /dev/kvm is not usable (the
                       first line of output says so, and why)
                       s390: the s390 TOD of VMs on /dev/kvm
                       kvmclock: the x86 kvmclock of VMs on /dev/kvm
                       simulated: the built-in s390 TOD simulation, no KVM
  --policy <policy>    what kvm-tod does with the held clock at cont:
                       freeze (default): the guest continues from the stop
                       instant, it sees no jump (QEMU's rule)
                       catch-up: the guest clock is moved on by the time it
                       was held, ending where it would have been (migrations
                       send the source's wall time: the downtime counts too)
                       both: run kvm-tod under each and show both jumps
                       threshold:<duration>: catchUpAfter(duration): freeze
                       shorter holds, catch up longer ones (e.g. threshold:2s)
  --json               print one JSON document instead of the table
  -h, --help           show this help

Exit status: 0 every scenario behaved as the rules say, 1 one did not,
2 a usage error, 3 the backend asked for is not usable here.

Examples:
  kvm-tod demo                      # a 3 s pause on this host's KVM
  kvm-tod demo --pause 2m           # the seed's "stop, wait two minutes, cont"
  kvm-tod demo --backend simulated --pause 500ms
  kvm-tod demo --policy both --pause 1s   # freeze and catch-up side by side
  kvm-tod demo --json | jq '.scenarios[] | {id, pass}'
`;

/** The fault a test asked for in KVM_TOD_DEMO_FAULT: `<scenario>[:<kind>]`. */
export function parseFault(text: string | undefined): Fault | undefined {
  if (text === undefined || text === '') return undefined;
  const [name, kind, ...rest] = text.split(':');
  const scenario = findScenario(name);
  const ids = SCENARIOS.map((s) => s.id).join(', ');
  if (!scenario || rest.length > 0) {
    throw new UsageError(`kvm-tod demo: ${FAULT_ENV}='${text}' names no scenario: use <scenario>[:<kind>] with a scenario of ${ids}`);
  }
  if (kind !== undefined && !(FAULT_KINDS as readonly string[]).includes(kind)) {
    throw new UsageError(`kvm-tod demo: ${FAULT_ENV}='${text}' has an unknown kind '${kind}': use one of ${FAULT_KINDS.join(', ')}`);
  }
  // Without a kind, each policy's run gets the kind that breaks what it shows (faultKindFor).
  return kind === undefined ? { scenario: scenario.id } : { scenario: scenario.id, kind: kind as FaultKind };
}

export const POLICY_CHOICES = ['freeze', 'catch-up', 'both', 'threshold:<duration>'] as const;

/** `--policy`: the policies the library runs under, in the order shown. */
export function parsePolicy(text: string): DemoPolicy[] {
  if (text === 'freeze') return [FREEZE];
  if (text === 'catch-up') return [CATCH_UP];
  if (text === 'both') return [FREEZE, CATCH_UP];
  const bad = `kvm-tod demo: bad --policy '${text}'`;
  if (text.startsWith('threshold:')) {
    const parsed = parseDuration(text.slice('threshold:'.length));
    if ('error' in parsed) throw new UsageError(`${bad}: ${parsed.error}`);
    if (parsed.ms > MAX_PAUSE_MS) throw new UsageError(`${bad}: a threshold of at most 24h`);
    return [thresholdPolicy(parsed.ms)];
  }
  throw new UsageError(`${bad}: use one of ${POLICY_CHOICES.join(', ')} (e.g. threshold:2s)`);
}

interface DemoArgs {
  pauseMs: number;
  backend: BackendChoice;
  /** As given: 'freeze', 'catch-up', 'both', 'threshold:2s'. */
  policy: string;
  policies: DemoPolicy[];
  json: boolean;
}

function parseDemoArgs(argv: string[]): DemoArgs | 'help' {
  const { values, positionals } = parseArgs('kvm-tod demo', argv, {
    pause: { type: 'string' },
    backend: { type: 'string' },
    policy: { type: 'string' },
    json: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) return 'help';
  if (positionals.length > 0) throw new UsageError(`kvm-tod demo: unexpected argument '${positionals[0]}' (see 'kvm-tod demo --help')`);
  let pauseMs = DEFAULT_PAUSE_MS;
  if (values.pause !== undefined) {
    const parsed = parseDuration(String(values.pause));
    if ('error' in parsed) throw new UsageError(`kvm-tod demo: bad --pause: ${parsed.error}`);
    if (parsed.ms < MIN_PAUSE_MS) {
      throw new UsageError(`kvm-tod demo: bad --pause: ${formatDuration(parsed.ms)} is too short to tell a held clock from a running one; give at least ${MIN_PAUSE_MS}ms`);
    }
    if (parsed.ms > MAX_PAUSE_MS) throw new UsageError(`kvm-tod demo: bad --pause: at most 24h`);
    pauseMs = parsed.ms;
  }
  const backend = (values.backend ?? 'auto') as string;
  if (!(BACKEND_CHOICES as readonly string[]).includes(backend)) {
    throw new UsageError(`kvm-tod demo: bad --backend '${backend}': use one of ${BACKEND_CHOICES.join(', ')}`);
  }
  const policy = String(values.policy ?? 'freeze');
  const policies = parsePolicy(policy);
  return { pauseMs, backend: backend as BackendChoice, policy, policies, json: Boolean(values.json) };
}

/** The first line of the report: which backend, and why when auto fell back. */
function backendLine(backend: AnyBackend, requested: BackendChoice, fallbackReason: string | undefined): string {
  if (fallbackReason !== undefined) {
    return `kvm-tod demo: backend simulated (auto fell back to the built-in s390 simulation: ${fallbackReason})`;
  }
  return `kvm-tod demo: backend ${backend.name}${requested === 'auto' ? ` (auto: ${process.arch} with a usable /dev/kvm)` : ''}`;
}

/** Runs the demo; returns the exit status. */
export async function demo(argv: string[]): Promise<number> {
  const args = parseDemoArgs(argv);
  if (args === 'help') {
    process.stdout.write(DEMO_HELP);
    return 0;
  }
  const fault = parseFault(process.env[FAULT_ENV]);
  const { backend, requested, fallbackReason } = selectBackend(args.backend);
  const first = backendLine(backend, requested, fallbackReason);
  try {
    if (!args.json) {
      process.stdout.write(`${first}\n`);
      process.stdout.write(`VMs: ${backend.description}\n`);
      process.stdout.write(`${pauseLine(args)}\n`);
      for (const line of policyLines(args, backend)) process.stdout.write(`${line}\n`);
      if (fault) process.stdout.write(`fault injected (${FAULT_ENV}): ${fault.scenario}: ${faultText(fault, args)}\n`);
    } else if (fallbackReason !== undefined) {
      process.stderr.write(`${first}\n`);
    }
    const progress = progressWriter(args);
    const results = await runDemo(backend as Backend<unknown>, { pauseMs: args.pauseMs, policies: args.policies, fault, onWait: progress?.update });
    progress?.done();
    const pass = results.every((r) => r.pass);
    if (args.json) {
      const doc = jsonDocument(args, backend, requested, fallbackReason, fault, results, pass);
      process.stdout.write(`${JSON.stringify(doc, (_k, v) => (typeof v === 'bigint' ? v.toString() : v), 2)}\n`);
    } else {
      process.stdout.write(`${textReport(results, pass, args).join('\n')}\n`);
    }
    return pass ? 0 : 1;
  } finally {
    backend.close();
  }
}

function progressWriter(args: DemoArgs): { update: (waitedMs: number) => void; done: () => void } | undefined {
  // A progress line only for a person watching: never in a pipe or a log.
  if (!process.stdout.isTTY) return undefined;
  const stream = args.json ? process.stderr : process.stdout;
  const total = formatDuration(args.pauseMs);
  return {
    update: (waitedMs) =>
      stream.write(`\r\x1b[K  waiting ${formatDuration(waitedMs)} of ${total}: the VMs are stopped (held with kvm-tod, running without)`),
    done: () => stream.write('\r\x1b[K'),
  };
}

/** The pause line: who runs across the pause. */
function pauseLine(args: DemoArgs): string {
  const pause = `pause: ${formatDuration(args.pauseMs)}, shared by the scenarios; `;
  if (args.policies.length === 1) return `${pause}each also runs without kvm-tod (the control)`;
  return `${pause}each runs with kvm-tod under ${args.policies.map((p) => p.label).join(' and under ')}, and without kvm-tod (the control)`;
}

/** What a policy other than the default does, for the report's head. */
function policyLines(args: DemoArgs, backend: AnyBackend): string[] {
  if (args.policies.length === 1 && args.policies[0].id === 'freeze') return [];
  const stream =
    backend.name === 'kvmclock'
      ? "the demo's kvmclock stream with the source's wall time"
      : "saveTodSection(clock, { format: 'extended' }): the TOD and the source's wall time";
  const lines: string[] = [];
  for (const p of args.policies) {
    if (p.id === 'freeze') lines.push('policy freeze: at cont the guest continues from the instant it stopped (QEMU\'s rule): it sees no jump');
    else if (p.id === 'catch-up') lines.push('policy catch-up: at cont the held clock is moved on by the time it was held: the guest ends where it would have been');
    else lines.push(`policy ${p.label} (${p.id}): holds shorter than ${p.label.replace('catch-up after ', '')} are frozen, longer ones caught up (catchUpAfter)`);
  }
  lines.push(`  migrations under ${args.policies.filter((p) => p.id !== 'freeze').map((p) => p.label).join(', ')} send ${stream}, so the destination counts the downtime`);
  return lines;
}

/** The fault line's description: one kind, or each policy's where they differ. */
function faultText(fault: Fault, args: DemoArgs): string {
  const scenario = findScenario(fault.scenario)!;
  const kinds = args.policies.map((p) => faultKindFor(fault, scenario, p, args.pauseMs));
  if (kinds.every((k) => k === kinds[0])) return FAULT_DESCRIPTIONS[kinds[0]];
  return args.policies.map((p, i) => `${p.label}: ${FAULT_DESCRIPTIONS[kinds[i]]}`).join('; ');
}

function jumpCell(run: RunResult): string {
  if (run.error !== undefined) return 'error';
  return run.jumpNs === undefined ? '-' : formatNsAsMs(run.jumpNs);
}

function totalCalls(run: RunResult): { reads: number; writes: number } {
  return Object.values(run.calls).reduce((t, c) => ({ reads: t.reads + c.reads, writes: t.writes + c.writes }), { reads: 0, writes: 0 });
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

function textReport(results: ScenarioResult[], pass: boolean, args: DemoArgs): string[] {
  const { pauseMs, policies } = args;
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
  const lines = [
    '',
    ...renderTable(
      [
        { header: '#' },
        { header: 'scenario' },
        { header: 'guest clock with kvm-tod' },
        { header: 'device calls' },
        { header: 'expected', align: 'right' },
        ...policies.map((p) => ({ header: several ? `jump (${p.label})` : 'jump with kvm-tod', align: 'right' as const })),
        { header: 'jump without', align: 'right' },
        { header: 'result' },
      ],
      rows,
    ),
    '',
  ];
  for (const r of results) {
    const kinds = r.libraries.map((l) => l.fault).filter((k) => k !== undefined);
    const faultNote =
      kinds.length === 0 ? '' : ` (fault injected: ${joinedKinds(r.libraries)})`;
    lines.push(`${r.scenario.number}. ${r.scenario.title}: ${r.pass ? 'PASS' : 'FAIL'}${faultNote}`);
    lines.push(`   plan: ${r.scenario.plan}`);
    const names = r.libraries.map((l) => libraryName(l.policy, policies));
    const width = Math.max(...names.map((n) => n.length), 'without'.length) + 1;
    // The steps, once for the policies that took the same ones (they do, unless one broke).
    const steps = r.libraries.map((l) => stepsText(l.run, pauseMs));
    if (several && steps.every((t) => t === steps[0])) lines.push(`   with kvm-tod (${policies.map((p) => p.label).join(', ')}): ${steps[0]}`);
    else steps.forEach((text, i) => lines.push(`   ${names[i]}: ${text}`));
    lines.push(`   measured ${r.scenario.interval}:`);
    r.libraries.forEach((l, i) => lines.push(`     ${`${names[i]}:`.padEnd(width)} ${measureText(l.run)}`));
    lines.push(`     ${'without:'.padEnd(width)} ${measureText(r.control)}`);
    const failed = r.checks.filter((c) => !c.pass);
    if (failed.length === 0) lines.push(`   checks: all ${r.checks.length} passed`);
    for (const c of failed) lines.push(`   FAIL ${c.name}: ${c.detail}`);
  }
  const failed = results.filter((r) => !r.pass).length;
  lines.push('');
  lines.push(pass ? `Result: PASS: all ${results.length} scenarios behaved as the rules say ${passReason(policies)}.` : `Result: FAIL: ${failed} of ${results.length} scenarios did not behave as the rules say.`);
  return lines;
}

function joinedKinds(libraries: PolicyResult[]): string {
  const kinds = libraries.map((l) => l.fault ?? 'none');
  if (kinds.every((k) => k === kinds[0])) return kinds[0];
  return libraries.map((l, i) => `${l.policy.label}: ${kinds[i]}`).join(', ');
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

function stepsText(run: RunResult, pauseMs: number): string {
  // Phases 0, 1 and 2 are separated by the two halves of the pause.
  const half = [Math.floor(pauseMs / 2), pauseMs - Math.floor(pauseMs / 2)];
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

function runJson(run: RunResult) {
  return {
    jumpNs: run.jumpNs,
    jumpMs: run.jumpNs === undefined ? null : nsToMs(run.jumpNs),
    hostElapsedNs: run.hostElapsedNs,
    hostElapsedMs: run.hostElapsedNs === undefined ? null : nsToMs(run.hostElapsedNs),
    guestClockBefore: run.before ?? null,
    guestClockAfter: run.after ?? null,
    guestClock: run.story,
    deviceCalls: run.calls,
    steps: run.steps,
    warnings: run.warnings,
    error: run.error ?? null,
  };
}

/** The jump the checks expected of a held clock (null for a simple start) and the holds it came from. */
function expectedJson(l: PolicyResult) {
  return {
    expectedJumpNs: l.expectedJumpNs ?? null,
    expectedJumpMs: l.expectedJumpNs === undefined ? null : nsToMs(l.expectedJumpNs),
    holds: l.holds.map((h) => ({ ns: h.ns, ms: nsToMs(h.ns), decision: h.decision })),
  };
}

function policyJson(l: PolicyResult) {
  return {
    policy: l.policy.id,
    label: l.policy.label,
    expect: l.expect,
    ...expectedJson(l),
    fault: l.fault ?? null,
    withLibrary: runJson(l.run),
    checks: l.checks,
    pass: l.pass,
  };
}

/** The fault as resolved: one kind, or (with several policies) the kind of each. */
function faultJson(fault: Fault | undefined, args: DemoArgs) {
  if (!fault) return null;
  const scenario = findScenario(fault.scenario)!;
  if (args.policies.length === 1) return { scenario: fault.scenario, kind: faultKindFor(fault, scenario, args.policies[0], args.pauseMs) };
  return { scenario: fault.scenario, kinds: Object.fromEntries(args.policies.map((p) => [p.id, faultKindFor(fault, scenario, p, args.pauseMs)])) };
}

function jsonDocument(
  args: DemoArgs,
  backend: AnyBackend,
  requested: BackendChoice,
  fallbackReason: string | undefined,
  fault: Fault | undefined,
  results: ScenarioResult[],
  pass: boolean,
) {
  const single = args.policies.length === 1;
  return {
    command: 'demo',
    host: { arch: process.arch, kernel: os.release() },
    backend: { requested, used: backend.name, device: backend.deviceClass, description: backend.description, fallbackReason: fallbackReason ?? null },
    pauseMs: args.pauseMs,
    policy: args.policy,
    policies: args.policies.map((p) => p.id),
    toleranceMs: DEFAULT_TOLERANCE,
    fault: faultJson(fault, args),
    scenarios: results.map((r) => {
      const head = { id: r.scenario.id, number: r.scenario.number, title: r.scenario.title, plan: r.scenario.plan };
      const tail = { withoutLibrary: runJson(r.control), checks: r.checks, pass: r.pass };
      if (!single) {
        // Several policies: each one's run and checks under `policies`; `checks` has them all.
        return { ...head, interval: r.scenario.interval, expectedDeviceCalls: r.scenario.expectedCalls, policies: r.libraries.map(policyJson), ...tail };
      }
      // One policy: the shape without --policy, its run as `withLibrary`.
      const [l] = r.libraries;
      return {
        ...head,
        expect: l.expect,
        ...expectedJson(l),
        interval: r.scenario.interval,
        expectedDeviceCalls: r.scenario.expectedCalls,
        fault: l.fault ?? null,
        withLibrary: runJson(l.run),
        ...tail,
      };
    }),
    pass,
  };
}
