// kvm-tod demo: the seed's test plan on this host's KVM (or the simulation), with
// and without the library, as a table or one JSON document.
import * as os from 'os';
import { parseArgs, UsageError } from './args';
import { AnyBackend, Backend, BACKEND_CHOICES, BackendChoice, selectBackend } from './backends';
import { FAULT_DESCRIPTIONS, FAULT_KINDS, FaultKind } from './devices';
import { formatDuration, formatNsAsMs, nsToMs, parseDuration } from './duration';
import { callText, stepCallText, DEFAULT_TOLERANCE, Fault, findScenario, runDemo, RunResult, SCENARIOS, ScenarioResult } from './scenarios';
import { renderTable } from './table';

export const DEFAULT_PAUSE_MS = 3000;
const MIN_PAUSE_MS = 100;
const MAX_PAUSE_MS = 24 * 3_600_000;

/** The environment variable that makes one scenario's device misbehave (for tests; see docs/cli.md). */
export const FAULT_ENV = 'KVM_TOD_DEMO_FAULT';

export const DEMO_HELP = `Usage: kvm-tod demo [--pause <duration>] [--backend <backend>] [--json]

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
  --json               print one JSON document instead of the table
  -h, --help           show this help

Exit status: 0 every scenario behaved as the rules say, 1 one did not,
2 a usage error, 3 the backend asked for is not usable here.

Examples:
  kvm-tod demo                      # a 3 s pause on this host's KVM
  kvm-tod demo --pause 2m           # the seed's "stop, wait two minutes, cont"
  kvm-tod demo --backend simulated --pause 500ms
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
  // The default breaks what the scenario shows: a simple start makes no write to ignore.
  const chosen = (kind as FaultKind | undefined) ?? (scenario.id === 'simple-start' ? 'stuck' : 'ignore-write');
  return { scenario: scenario.id, kind: chosen };
}

interface DemoArgs {
  pauseMs: number;
  backend: BackendChoice;
  json: boolean;
}

function parseDemoArgs(argv: string[]): DemoArgs | 'help' {
  const { values, positionals } = parseArgs('kvm-tod demo', argv, {
    pause: { type: 'string' },
    backend: { type: 'string' },
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
  return { pauseMs, backend: backend as BackendChoice, json: Boolean(values.json) };
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
      process.stdout.write(`pause: ${formatDuration(args.pauseMs)}, shared by the scenarios; each also runs without kvm-tod (the control)\n`);
      if (fault) process.stdout.write(`fault injected (${FAULT_ENV}): ${fault.scenario}: ${FAULT_DESCRIPTIONS[fault.kind]}\n`);
    } else if (fallbackReason !== undefined) {
      process.stderr.write(`${first}\n`);
    }
    const progress = progressWriter(args);
    const results = await runDemo(backend as Backend<unknown>, { pauseMs: args.pauseMs, fault, onWait: progress?.update });
    progress?.done();
    const pass = results.every((r) => r.pass);
    if (args.json) {
      const doc = jsonDocument(args, backend, requested, fallbackReason, fault, results, pass);
      process.stdout.write(`${JSON.stringify(doc, (_k, v) => (typeof v === 'bigint' ? v.toString() : v), 2)}\n`);
    } else {
      process.stdout.write(`${textReport(results, pass, args.pauseMs).join('\n')}\n`);
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

function jumpCell(run: RunResult): string {
  if (run.error !== undefined) return 'error';
  return run.jumpNs === undefined ? '-' : formatNsAsMs(run.jumpNs);
}

function totalCalls(run: RunResult): { reads: number; writes: number } {
  return Object.values(run.calls).reduce((t, c) => ({ reads: t.reads + c.reads, writes: t.writes + c.writes }), { reads: 0, writes: 0 });
}

function textReport(results: ScenarioResult[], pass: boolean, pauseMs: number): string[] {
  const rows = results.map((r) => [
    String(r.scenario.number),
    r.scenario.title,
    r.library.story,
    callText(totalCalls(r.library)),
    r.scenario.expect === 'held' ? '≈ 0' : '= host time',
    jumpCell(r.library),
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
        { header: 'jump with kvm-tod', align: 'right' },
        { header: 'jump without', align: 'right' },
        { header: 'result' },
      ],
      rows,
    ),
    '',
  ];
  for (const r of results) {
    lines.push(`${r.scenario.number}. ${r.scenario.title}: ${r.pass ? 'PASS' : 'FAIL'}${r.fault ? ` (fault injected: ${r.fault})` : ''}`);
    lines.push(`   plan: ${r.scenario.plan}`);
    lines.push(`   with kvm-tod: ${stepsText(r.library, pauseMs)}`);
    lines.push(`   measured ${r.scenario.interval}:`);
    lines.push(`     with kvm-tod: ${measureText(r.library)}`);
    lines.push(`     without:      ${measureText(r.control)}`);
    const failed = r.checks.filter((c) => !c.pass);
    if (failed.length === 0) lines.push(`   checks: all ${r.checks.length} passed`);
    for (const c of failed) lines.push(`   FAIL ${c.name}: ${c.detail}`);
  }
  const failed = results.filter((r) => !r.pass).length;
  lines.push('');
  lines.push(
    pass
      ? `Result: PASS: all ${results.length} scenarios behaved as the rules say (with kvm-tod the guest clock did not jump; without it, it jumped by the pause).`
      : `Result: FAIL: ${failed} of ${results.length} scenarios did not behave as the rules say.`,
  );
  return lines;
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

function jsonDocument(
  args: DemoArgs,
  backend: AnyBackend,
  requested: BackendChoice,
  fallbackReason: string | undefined,
  fault: Fault | undefined,
  results: ScenarioResult[],
  pass: boolean,
) {
  return {
    command: 'demo',
    host: { arch: process.arch, kernel: os.release() },
    backend: { requested, used: backend.name, device: backend.deviceClass, description: backend.description, fallbackReason: fallbackReason ?? null },
    pauseMs: args.pauseMs,
    toleranceMs: DEFAULT_TOLERANCE,
    fault: fault ?? null,
    scenarios: results.map((r) => ({
      id: r.scenario.id,
      number: r.scenario.number,
      title: r.scenario.title,
      plan: r.scenario.plan,
      expect: r.scenario.expect,
      interval: r.scenario.interval,
      expectedDeviceCalls: r.scenario.expectedCalls,
      fault: r.fault ?? null,
      withLibrary: runJson(r.library),
      withoutLibrary: runJson(r.control),
      checks: r.checks,
      pass: r.pass,
    })),
    pass,
  };
}
