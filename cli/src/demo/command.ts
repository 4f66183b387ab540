// kvm-tod demo: the test plan of the QEMU commit (docs/background.md) on this host's KVM
// (or the simulation), with and without the library, as a table or one JSON document.
// Here: the command's options, its help, the progress line while the VMs wait, and the
// command itself.
import { parseArgs, UsageError } from '../command-line';
import { formatDuration, parseDuration, wrapLine } from '../text';
import { Backend, BACKEND_CHOICES, BackendChoice, selectBackend } from './backends';
import { CATCH_UP, DemoPolicy, FREEZE, thresholdPolicy } from './policies';
import { observeGuest } from './guest-observed';
import { jsonDocument, jsonText } from './report-json';
import { backendLine, reportHead, textReport } from './report-text';
import type { InjectedFault } from './fault';
import { runDemo } from './run-demo';
import { LinuxHold, linuxDemo } from './linux-guest';
import { s390LinuxDemo } from './s390-linux-guest';
import {
  DemoArgs,
  DEFAULT_PAUSE_MS,
  LINUX_DEFAULT_PAUSE_MS,
  MAX_PAUSE_MS,
  MIN_PAUSE_MS,
  POLICY_CHOICES,
  reportWidth,
} from './options';

// `--guest linux`: the scenarios are the holds, 'none' (the VMM without kvm-tod) first. The
// guest is the host's own architecture's (s390x or x86_64), on its /dev/kvm.
function linuxHolds(policy: string | undefined, backend: string | undefined): LinuxHold[] {
  const own = process.arch === 's390x' ? 's390' : 'kvmclock';
  if (backend !== undefined && backend !== 'auto' && backend !== own) {
    throw new UsageError(
      `kvm-tod demo: --guest linux runs on this host's /dev/kvm; --backend ${backend} does not apply`,
    );
  }
  if (policy === undefined || policy === 'both') return ['none', 'freeze', 'catch-up'];
  if (policy === 'freeze' || policy === 'catch-up') return ['none', policy];
  throw new UsageError(`kvm-tod demo: --guest linux runs freeze, catch-up or both, not --policy '${policy}'`);
}

/** `--policy`: the policies the library runs under, in the order shown. */
export function parsePolicy(text: string): DemoPolicy[] {
  if (text === 'freeze') return [FREEZE];
  if (text === 'catch-up') return [CATCH_UP];
  if (text === 'both') return [FREEZE, CATCH_UP];
  const bad = `kvm-tod demo: bad --policy '${text}'`;
  if (text.startsWith('threshold:')) {
    const parsed = parseDuration(text.slice('threshold:'.length), { maxMs: MAX_PAUSE_MS });
    if ('error' in parsed) throw new UsageError(`${bad}: ${parsed.error}`);
    if (parsed.ms > MAX_PAUSE_MS) throw new UsageError(`${bad}: a threshold of at most 24h`);
    return [thresholdPolicy(parsed.ms)];
  }
  throw new UsageError(`${bad}: use one of ${POLICY_CHOICES.join(', ')} (e.g. threshold:2s)`);
}

export function parseDemoArgs(argv: string[]): DemoArgs | 'help' {
  const { values, positionals } = parseArgs('kvm-tod demo', argv, {
    pause: { type: 'string' },
    backend: { type: 'string' },
    policy: { type: 'string' },
    json: { type: 'boolean' },
    wide: { type: 'boolean' },
    guest: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) return 'help';
  if (positionals.length > 0)
    throw new UsageError(`kvm-tod demo: unexpected argument '${positionals[0]}' (see 'kvm-tod demo --help')`);
  let pauseMs = DEFAULT_PAUSE_MS;
  if (values.pause !== undefined) {
    const parsed = parseDuration(String(values.pause), { minMs: MIN_PAUSE_MS, maxMs: MAX_PAUSE_MS });
    if ('error' in parsed) throw new UsageError(`kvm-tod demo: bad --pause: ${parsed.error}`);
    if (parsed.ms < MIN_PAUSE_MS) {
      throw new UsageError(
        `kvm-tod demo: bad --pause: ${formatDuration(parsed.ms)} is too short to ` +
          `tell a held clock from a running one; give at least ${MIN_PAUSE_MS}ms`,
      );
    }
    if (parsed.ms > MAX_PAUSE_MS) throw new UsageError(`kvm-tod demo: bad --pause: at most 24h`);
    pauseMs = parsed.ms;
  }
  if (values.guest !== undefined && values.guest !== 'linux') {
    throw new UsageError(`kvm-tod demo: bad --guest '${String(values.guest)}': the only guest is linux`);
  }
  if (values.guest === 'linux') {
    const linux = linuxHolds(values.policy as string | undefined, values.backend as string | undefined);
    if (values.pause === undefined) pauseMs = LINUX_DEFAULT_PAUSE_MS;
    const wide = Boolean(values.wide);
    return { pauseMs, backend: 'auto', policy: 'both', policies: [], json: Boolean(values.json), wide, linux };
  }
  const backend = (values.backend ?? 'auto') as string;
  if (!(BACKEND_CHOICES as readonly string[]).includes(backend)) {
    throw new UsageError(`kvm-tod demo: bad --backend '${backend}': use one of ${BACKEND_CHOICES.join(', ')}`);
  }
  const policy = String(values.policy ?? 'freeze');
  const policies = parsePolicy(policy);
  return {
    pauseMs,
    backend: backend as BackendChoice,
    policy,
    policies,
    json: Boolean(values.json),
    wide: Boolean(values.wide),
  };
}

export const DEMO_HELP = `Usage: kvm-tod demo [--pause <duration>] [--backend <backend>] [--policy <policy>]
                    [--json] [--wide]
       kvm-tod demo --guest linux [--pause <duration>] [--policy freeze|catch-up|both]
                    [--json] [--wide]

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
  --guest linux        boot a Linux guest (Debian's 6.1 kernel) under the
                       project's own VMM instead, stop it for the pause
                       (default 15s) and cont it: without kvm-tod, with freeze,
                       with catch-up (--policy picks); the guest's own clock
                       leap and its kernel's complaints; then, one boot per
                       hold, the four scenarios of the QEMU commit with the
                       guest moved to a second VM (live) and a third
                       (offline) (needs /dev/kvm and the source tree; see
                       vmm/linux/README.md). On s390x: an s390x guest, the
                       stop/cont scenarios on one boot (vmm/s390-linux/README.md)
  --json               print one JSON document instead of the table
  --wide               the report at its full width: the table with every column
                       and no line wrapped (by default it fits 120 columns: what
                       happened to the guest clock and the device calls are
                       under the table, with each scenario)
  -h, --help           show this help

Exit status: 0 every scenario behaved as the rules say, 1 one did not,
2 a usage error, 3 the backend asked for (with --guest linux: /dev/kvm or
the Linux VMM) is not usable here.

Examples:
  kvm-tod demo                      # a 3 s pause on this host's KVM
  kvm-tod demo --pause 2m           # the test plan's "stop, wait two minutes, cont"
  kvm-tod demo --backend simulated --pause 500ms
  kvm-tod demo --policy both --pause 1s   # freeze and catch-up side by side
  kvm-tod demo --json | jq '.scenarios[] | {id, pass}'
  kvm-tod demo --guest linux --policy freeze --pause 10s   # a Linux guest (/dev/kvm)
`;

/** The progress line while the VMs wait out the pause. */
export function progressWriter(args: DemoArgs): { update: (waitedMs: number) => void; done: () => void } | undefined {
  // A progress line only for a person watching: never in a pipe or a log.
  if (!process.stdout.isTTY) return undefined;
  const stream = args.json ? process.stderr : process.stdout;
  const total = formatDuration(args.pauseMs);
  return {
    update: (waitedMs) =>
      stream.write(
        `\r\x1b[K  waiting ${formatDuration(waitedMs)} of ${total}: ` +
          `the VMs are stopped (held with kvm-tod, running without)`,
      ),
    done: () => stream.write('\r\x1b[K'),
  };
}

/** What a caller may add to the command line's demo (the tests: a misbehaving device). */
export interface DemoExtras {
  fault?: InjectedFault;
}

/** Runs the demo; returns the exit status. */
export async function demo(argv: string[], extras: DemoExtras = {}): Promise<number> {
  const args = parseDemoArgs(argv);
  if (args === 'help') {
    process.stdout.write(DEMO_HELP);
    return 0;
  }
  if (args.linux) {
    const linux = { pauseMs: args.pauseMs, holds: args.linux, json: args.json, wide: args.wide };
    return process.arch === 's390x' ? s390LinuxDemo(linux) : linuxDemo(linux);
  }
  const { fault } = extras;
  const { backend, requested, fallbackReason } = selectBackend(args.backend);
  try {
    if (!args.json) {
      process.stdout.write(`${reportHead(args, backend, requested, fallbackReason, fault).join('\n')}\n`);
    } else if (fallbackReason !== undefined) {
      const first = wrapLine(backendLine(backend, requested, fallbackReason), reportWidth(args));
      process.stderr.write(`${first.join('\n')}\n`);
    }
    const progress = progressWriter(args);
    const results = await runDemo(backend as Backend<unknown>, {
      pauseMs: args.pauseMs,
      policies: args.policies,
      fault,
      onWait: progress?.update,
    });
    progress?.done();
    // On kvmclock a real guest testifies too: the tiny x86 guest, its own clock's jump.
    const guest = backend.name === 'kvmclock' ? await observeGuest(args.pauseMs) : undefined;
    const pass = results.every((r) => r.pass);
    if (args.json) {
      process.stdout.write(
        `${jsonText(jsonDocument(args, backend, requested, fallbackReason, fault, results, pass, guest))}\n`,
      );
    } else {
      process.stdout.write(`${textReport(results, pass, args, backend, guest).join('\n')}\n`);
    }
    return pass ? 0 : 1;
  } finally {
    backend.close();
  }
}
