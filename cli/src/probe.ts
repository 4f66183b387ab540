// kvm-tod probe: what this host's KVM offers the library (kvm-tod's probeHost), each answer a
// yes or a no with the errno that said no, and what to do where the library knows it.
import * as os from 'os';
import { HostCheck, HostReport, probeHost } from 'kvm-tod';
import { parseArgs, UsageError } from './command-line';
import { nativeBackendFor } from './demo/backends';
import { renderTable } from './text';

export const PROBE_HELP = `Usage: kvm-tod probe [--json]

Tells what this host's KVM offers kvm-tod: architecture, kernel, whether /dev/kvm
opens, the KVM API version, whether this process can create a VM (on s390x also
vm.allocate_pgste, which decides that), and, on a fresh VM, the s390 TOD
attributes (LOW, HIGH, EXT), x86 kvmclock (KVM_GET_CLOCK and the
KVM_CAP_ADJUST_CLOCK flags), KVM_CAP_KVMCLOCK_CTRL and KVM_CAP_S390_PROTECTED.
Each answer is yes or no; a no says why, with the errno's code and number (e.g.
ENOENT (errno -2)), and where kvm-tod knows the fix (a VM refused for want of
PGSTE on s390x) the report ends with it.

Options:
  --json      print one JSON document instead of the report: each answer as
              { status: works|absent|failed|untried, value?, detail, error?, hint? }
  -h, --help  show this help

Exit status: 0 when the report was printed, also when KVM is missing (the
report says so); 2 a usage error.

Examples:
  kvm-tod probe
  kvm-tod probe --json | jq '.vm'
`;

/** The demo's automatic backend on this host, as a token and in words. */
export interface AutoBackend {
  backend: 's390' | 'kvmclock' | 'simulated';
  detail: string;
}

/** What `kvm-tod probe --json` prints: probeHost's report, and the demo's automatic backend. */
export type ProbeDocument = { command: 'probe' } & HostReport & { demo: { autoBackend: AutoBackend } };

function autoBackend(report: HostReport): AutoBackend {
  const native = nativeBackendFor(report.arch);
  if (native === undefined)
    return { backend: 'simulated', detail: `kvm-tod has no KVM guest clock for ${report.arch}` };
  const usable = native === 's390' ? report.tod.ext : report.kvmclock;
  if (usable.status === 'works') return { backend: native, detail: `the ${native} guest clock of a VM here works` };
  const why = usable.error ? `: ${usable.error.code} (errno ${usable.error.errno})` : '';
  return { backend: 'simulated', detail: `the ${native} backend is not usable here${why}` };
}

export function runProbe(): ProbeDocument {
  const report = probeHost();
  return { command: 'probe', ...report, demo: { autoBackend: autoBackend(report) } };
}

/** Details that say no more than yes. */
const PLAIN_YES = new Set(['opens read-write', 'created', 'reported', 'reads']);

/** A check's answer in the table: yes, or no with why (a hint's fix comes after the table). */
function answer(check: HostCheck<unknown>): string {
  if (check.status === 'works') {
    return PLAIN_YES.has(check.detail) ? 'yes' : `yes: ${check.detail}`;
  }
  const e = check.error;
  if (check.hint && e) return `no: ${e.request ?? e.syscall} failed: ${e.code} (errno ${e.errno}); see below`;
  return `no: ${check.detail}`;
}

function pgsteAnswer(report: HostReport): string {
  if (report.allocatePgste === null) return 'unknown: /proc/sys/vm/allocate_pgste cannot be read';
  if (report.allocatePgste === 1) return '1: a node started from now on may create VMs';
  return `${report.allocatePgste}: a node started now cannot create a VM (without a --s390-pgste launcher)`;
}

/** The report's rows, in order: [label, answer]. */
function rows(report: HostReport): string[][] {
  const list: Array<[string, string | HostCheck<unknown>]> = [
    ['architecture', report.arch],
    ['kernel', `${os.type()} ${report.kernel}`],
    ['native addon', report.addon.status === 'works' ? 'yes: loaded' : report.addon],
    ['/dev/kvm opens read-write', report.kvm],
    ['KVM API version', report.apiVersion],
    ['a VM (KVM_CREATE_VM)', report.vm],
  ];
  if (report.arch === 's390x') list.push(['vm.allocate_pgste (s390x)', pgsteAnswer(report)]);
  list.push(
    ['s390 TOD LOW (KVM_HAS_DEVICE_ATTR)', report.tod.low],
    ['s390 TOD HIGH (KVM_HAS_DEVICE_ATTR)', report.tod.high],
    ['s390 TOD EXT (KVM_HAS_DEVICE_ATTR)', report.tod.extReported],
    ['s390 TOD EXT readable (Linux >= 4.15)', report.tod.ext],
    ['kvmclock (KVM_GET_CLOCK)', report.kvmclock],
    ['KVM_CAP_ADJUST_CLOCK flags', report.capabilities.adjustClock],
    ['KVM_CAP_KVMCLOCK_CTRL', report.capabilities.kvmclockCtrl],
    ['KVM_CAP_S390_PROTECTED', report.capabilities.s390Protected],
    ['KVM_CAP_VM_ATTRIBUTES', report.capabilities.vmAttributes],
  );
  return list.map(([label, value]) => [label, typeof value === 'string' ? value : answer(value)]);
}

/** `text` as lines of at most `width` characters, each after `indent`. */
function wrap(text: string, indent: string, width = 100): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line && indent.length + line.length + 1 + word.length > width) {
      lines.push(indent + line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(indent + line);
  return lines;
}

/** After the table: each no whose fix the library knows, with the reason and the fix. */
function whatToDo(report: HostReport): string[] {
  const hinted = [['a VM (KVM_CREATE_VM)', report.vm] as const].filter(([, c]) => c.hint);
  if (hinted.length === 0) return [];
  const lines = ['', 'What to do:'];
  for (const [label, check] of hinted) {
    lines.push(`  ${label}: ${check.error?.code} (errno ${check.error?.errno}) [${check.hint!.code}]`);
    lines.push(...wrap(`Likely reason: ${check.hint!.reason}.`, '    '));
    lines.push(...wrap(`Fix: ${check.hint!.fix}.`, '    '));
  }
  return lines;
}

/** The report for people: the table, what to do where the library knows, the demo's backend. */
export function renderProbe(doc: ProbeDocument): string {
  const { backend, detail } = doc.demo.autoBackend;
  const lines = [
    "kvm-tod probe: what this host's KVM offers",
    ...renderTable([{ header: 'check' }, { header: 'answer' }], rows(doc)),
    ...whatToDo(doc),
    `kvm-tod demo --backend auto would use: ${backend === 'simulated' ? `simulated (${detail})` : backend}`,
  ];
  return `${lines.join('\n')}\n`;
}

export function probe(argv: string[]): number {
  const { values, positionals } = parseArgs('kvm-tod probe', argv, {
    json: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    process.stdout.write(PROBE_HELP);
    return 0;
  }
  if (positionals.length > 0)
    throw new UsageError(`kvm-tod probe: unexpected argument '${positionals[0]}' (see 'kvm-tod probe --help')`);
  const doc = runProbe();
  if (values.json) {
    process.stdout.write(`${JSON.stringify(doc, null, 2)}\n`);
    return 0;
  }
  process.stdout.write(renderProbe(doc));
  return 0;
}
