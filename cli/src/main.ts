#!/usr/bin/env node
// kvm-tod: the command. Picks the subcommand, turns errors into one line and an
// exit status: 0 fine, 1 a demo scenario failed (or an unexpected error), 2 a usage
// error, 3 the KVM backend asked for is not usable.
//
// The command is a client of the library: it uses only what 'kvm-tod' exports, and the
// project's VMMs (@kvm-tod/vmm-x86-tiny, @kvm-tod/vmm-linux) for the guests it shows.
// Where each part lives:
//   command-line.ts          the option parser, UsageError/CliError, errors in one line
//   text.ts                  plain-text tables and durations (`500ms`, `1m30s`)
//   probe.ts                 `kvm-tod probe`: what this host's KVM offers
//   demo/command.ts          `kvm-tod demo`: its options, help and progress line
//   demo/backends.ts         where the demo's VMs come from (KVM or the simulation), and
//                            how each kind of clock is shown and migrated
//   demo/policies.ts         the resume policies the demo runs the library under
//   demo/scenarios/          the test plan: scenario.ts (what a scenario is), index.ts
//                            (the four, in order), one file per scenario
//   demo/vms.ts              one demo VM: the library's GuestClock or the control
//   demo/run.ts              running the scenarios across the shared pause
//   demo/evaluate.ts         the checks, as facts
//   demo/report-text.ts      the report for people, and the words for every fact
//   demo/report-json.ts      the report for programs (`--json`)
import { CliError, describeError, UsageError } from './command-line';
import type { DemoExtras } from './demo/command';

export const MAIN_HELP = `Usage: kvm-tod <command> [options]

Holds a KVM guest's clock still while its VM is stopped (s390x TOD, x86 kvmclock).

Commands:
  demo    run the s390x TOD fix's test plan on this host and show the jump the
          guest clock makes across a pause, with kvm-tod and without it
  probe   tell what this host's KVM offers (TOD attributes, kvmclock, capabilities)

Options:
  -h, --help     show this help; 'kvm-tod <command> --help' for a command's
  -v, --version  print the version

Examples:
  kvm-tod demo                   # 3 s pause, this host's KVM or the simulation
  kvm-tod demo --pause 2m        # the test plan's "stop, wait two minutes, cont"
  kvm-tod demo --policy both     # freeze and catch-up side by side
  kvm-tod probe --json
`;

function version(): string {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- package.json is outside rootDir (src/)
  return (require('../package.json') as { version: string }).version;
}

/** What a bare `kvm-tod` says: one line, as any usage error. */
export const USAGE_LINE = "Usage: kvm-tod <demo|probe> [options] (see 'kvm-tod --help')";

export async function main(argv: string[], extras: DemoExtras = {}): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined) throw new UsageError(USAGE_LINE);
  if (command === '-h' || command === '--help' || command === 'help') {
    // `kvm-tod help demo` and `kvm-tod --help demo`: the command's own help.
    if (rest.length > 0 && !rest[0].startsWith('-')) return main([rest[0], '--help'], extras);
    process.stdout.write(MAIN_HELP);
    return 0;
  }
  if (command === '-v' || command === '--version') {
    process.stdout.write(`${version()}\n`);
    return 0;
  }
  if (command === 'demo') return (await import('./demo/command')).demo(rest, extras);
  if (command === 'probe') return (await import('./probe')).probe(rest);
  if (command.startsWith('-')) throw new UsageError(`kvm-tod: unknown option '${command}' (see 'kvm-tod --help')`);
  throw new UsageError(`kvm-tod: unknown command '${command}': the commands are demo and probe (see 'kvm-tod --help')`);
}

function fail(error: unknown): number {
  if (error instanceof UsageError) {
    process.stderr.write(`${error.message}\n`);
    return 2;
  }
  if (error instanceof CliError) {
    process.stderr.write(`${error.message}\n`);
    return error.exitCode;
  }
  process.stderr.write(`kvm-tod: ${describeError(error)}\n`);
  if (process.env.KVM_TOD_DEBUG === '1' && error instanceof Error && error.stack)
    process.stderr.write(`${error.stack}\n`);
  return 1;
}

/** The command's exit status for `argv`: what main answers, or its error as one line. */
export function run(argv: string[], extras: DemoExtras = {}): Promise<number> {
  return main(argv, extras).then(
    (status) => status,
    (error) => fail(error),
  );
}

if (require.main === module) {
  // `kvm-tod demo | head -1`: a reader that left is not an error of ours.
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
      throw error;
    });
  }
  void run(process.argv.slice(2)).then((status) => {
    process.exitCode = status;
  });
}
