// kvm-tod probe: what this host's KVM offers the library, each answer a yes or a no
// with the errno that said no.
import * as fs from 'fs';
import * as os from 'os';
import * as kvmTod from 'kvm-tod';
import { describeError, errnoOf, parseArgs, shortError, UsageError } from './command-line';
import { nativeBackendFor } from './demo/backends';
import { renderTable } from './text';

export const PROBE_HELP = `Usage: kvm-tod probe [--json]

Tells what this host's KVM offers kvm-tod: architecture, kernel, whether /dev/kvm
opens, the KVM API version, and, on a fresh VM, the s390 TOD attributes (LOW,
HIGH, EXT), x86 kvmclock (KVM_GET_CLOCK and the KVM_CAP_ADJUST_CLOCK flags),
KVM_CAP_KVMCLOCK_CTRL and KVM_CAP_S390_PROTECTED. Each answer is yes or no;
a no says why, with the errno's code and number (e.g. ENOENT (errno -2)).

Options:
  --json      print one JSON document instead of the report
  -h, --help  show this help

Exit status: 0 when the report was printed, also when KVM is missing (the
report says so); 2 a usage error.

Examples:
  kvm-tod probe
  kvm-tod probe --json | jq '.checks[] | select(.ok | not)'
`;

type KvmLibrary = typeof kvmTod;

export interface ProbeCheck {
  id: string;
  name: string;
  ok: boolean;
  /** The answer when ok (or a capability's value). */
  value?: string | number | boolean | string[];
  /** Why not, in words. */
  reason?: string;
  /** The errno behind a no, when there is one. */
  error?: { code: string; errno: number; message: string };
}

class Checks {
  readonly list: ProbeCheck[] = [];

  yes(id: string, name: string, value?: ProbeCheck['value']): void {
    this.list.push({ id, name, ok: true, ...(value === undefined ? {} : { value }) });
  }

  no(id: string, name: string, reason: string, cause?: unknown, value?: ProbeCheck['value']): void {
    const sys = cause === undefined ? undefined : errnoOf(cause);
    const check: ProbeCheck = { id, name, ok: false, reason };
    if (value !== undefined) check.value = value;
    if (sys) check.error = { ...sys, message: describeError(cause) };
    else if (cause !== undefined) check.error = { code: 'ERROR', errno: 0, message: describeError(cause) };
    this.list.push(check);
  }

  /** Runs `fn`: a value is a yes, a throw a no with its errno. */
  attempt<R>(
    id: string,
    name: string,
    fn: () => R,
    show: (r: R) => ProbeCheck['value'] = (r) => r as ProbeCheck['value'],
  ): R | undefined {
    try {
      const r = fn();
      this.yes(id, name, show(r));
      return r;
    } catch (error) {
      this.no(id, name, describeError(error), error);
      return undefined;
    }
  }
}

/** Decodes KVM_CLOCK_* flags. */
function clockFlags(kvm: KvmLibrary, flags: number): string[] {
  const names: string[] = [];
  const { KVM_CLOCK_TSC_STABLE, KVM_CLOCK_REALTIME, KVM_CLOCK_HOST_TSC } = kvm.constants;
  if (flags & KVM_CLOCK_TSC_STABLE) names.push('TSC_STABLE');
  if (flags & KVM_CLOCK_REALTIME) names.push('REALTIME');
  if (flags & KVM_CLOCK_HOST_TSC) names.push('HOST_TSC');
  const rest = flags & ~(KVM_CLOCK_TSC_STABLE | KVM_CLOCK_REALTIME | KVM_CLOCK_HOST_TSC);
  if (rest) names.push(`0x${rest.toString(16)}`);
  return names;
}

/** The checks that need a VM; each says no with the reason the VM is missing. */
const VM_CHECKS: Array<[string, string]> = [
  ['tod-low', 's390 TOD LOW (KVM_HAS_DEVICE_ATTR)'],
  ['tod-high', 's390 TOD HIGH (KVM_HAS_DEVICE_ATTR)'],
  ['tod-ext', 's390 TOD EXT (KVM_HAS_DEVICE_ATTR)'],
  ['tod-ext-read', 's390 TOD EXT readable (Linux >= 4.15)'],
  ['kvmclock', 'kvmclock (KVM_GET_CLOCK)'],
  ['cap-adjust-clock', 'KVM_CAP_ADJUST_CLOCK flags'],
  ['cap-kvmclock-ctrl', 'KVM_CAP_KVMCLOCK_CTRL'],
  ['cap-s390-protected', 'KVM_CAP_S390_PROTECTED'],
  ['cap-vm-attributes', 'KVM_CAP_VM_ATTRIBUTES'],
];

export function runProbe(): { checks: ProbeCheck[]; autoBackend: string } {
  const checks = new Checks();
  checks.yes('arch', 'architecture', process.arch);
  checks.yes('kernel', 'kernel', `${os.type()} ${os.release()}`);

  let kvm: KvmLibrary | undefined;
  let missing: { reason: string; cause: unknown } | undefined;
  try {
    // The addon loads at the first KVM call or constant: this one says whether it can.
    void kvmTod.constants.KVM_CAP_ADJUST_CLOCK;
    kvm = kvmTod;
    checks.yes('addon', 'native addon', 'loaded');
  } catch (error) {
    checks.no('addon', 'native addon', describeError(error), error);
    missing = { reason: 'the native addon did not load', cause: error };
  }

  let kvmFd: number | undefined;
  let vmFd: number | undefined;
  try {
    if (kvm) {
      try {
        kvmFd = kvm.openKvm();
        checks.yes('dev-kvm', '/dev/kvm opens read-write', 'yes');
      } catch (error) {
        const exists = fs.existsSync('/dev/kvm');
        checks.no(
          'dev-kvm',
          '/dev/kvm opens read-write',
          `${describeError(error)}${exists ? '' : ' (there is no /dev/kvm on this host)'}`,
          error,
        );
        missing = { reason: `needs /dev/kvm`, cause: error };
      }
    }
    if (kvm && kvmFd !== undefined) {
      const fd = kvmFd;
      checks.attempt('api-version', 'KVM API version', () => kvmTod.getApiVersion(fd));
      try {
        vmFd = kvm.createVm(fd);
        checks.yes('vm', 'a VM (KVM_CREATE_VM)', 'yes');
      } catch (error) {
        checks.no('vm', 'a VM (KVM_CREATE_VM)', describeError(error), error);
        missing = { reason: 'needs a VM', cause: error };
      }
    } else {
      checks.no('api-version', 'KVM API version', `${missing!.reason}: ${shortError(missing!.cause)}`, missing!.cause);
      checks.no('vm', 'a VM (KVM_CREATE_VM)', `${missing!.reason}: ${shortError(missing!.cause)}`, missing!.cause);
    }
    if (kvm && kvmFd !== undefined && vmFd !== undefined) {
      probeVm(checks, kvm, kvmFd, vmFd);
    } else {
      for (const [id, name] of VM_CHECKS)
        checks.no(id, name, `${missing!.reason}: ${shortError(missing!.cause)}`, missing!.cause);
    }
  } finally {
    if (kvm && vmFd !== undefined) kvm.closeFd(vmFd);
    if (kvm && kvmFd !== undefined) kvm.closeFd(kvmFd);
  }

  const native = nativeBackendFor(process.arch);
  const usable = checks.list.find((c) => c.id === (native === 's390' ? 'tod-ext-read' : 'kvmclock'));
  let autoBackend: string;
  if (native === undefined) autoBackend = `simulated (kvm-tod has no KVM guest clock for ${process.arch})`;
  else if (usable && usable.ok && (native !== 's390' || usable.value !== false)) autoBackend = native;
  else
    autoBackend =
      `simulated (the ${native} backend is not usable ` +
      `here${usable?.error ? `: ${usable.error.code} (errno ${usable.error.errno})` : ''})`;
  return { checks: checks.list, autoBackend };
}

function probeVm(checks: Checks, kvm: KvmLibrary, kvmFd: number, vmFd: number): void {
  for (const attribute of ['low', 'high', 'ext'] as const) {
    const name = `s390 TOD ${attribute.toUpperCase()} (KVM_HAS_DEVICE_ATTR)`;
    try {
      if (kvm.hasTodAttribute(vmFd, attribute)) checks.yes(`tod-${attribute}`, name, 'yes');
      else {
        const note = attribute === 'ext' ? ' (kernels never report EXT here; see the next line)' : '';
        checks.no(`tod-${attribute}`, name, `the kernel answered ENXIO: no such attribute${note}`);
      }
    } catch (error) {
      checks.no(`tod-${attribute}`, name, describeError(error), error);
    }
  }
  try {
    if (kvm.probeTodExtension(vmFd)) checks.yes('tod-ext-read', 's390 TOD EXT readable (Linux >= 4.15)', 'yes');
    else
      checks.no(
        'tod-ext-read',
        's390 TOD EXT readable (Linux >= 4.15)',
        'ENXIO: a kernel before 4.15; the library uses LOW + HIGH',
      );
  } catch (error) {
    checks.no('tod-ext-read', 's390 TOD EXT readable (Linux >= 4.15)', describeError(error), error);
  }
  checks.attempt(
    'kvmclock',
    'kvmclock (KVM_GET_CLOCK)',
    () => kvm.getKvmClock(vmFd),
    (data) => {
      const flags = clockFlags(kvm, data.flags);
      return `${data.clock} ns, flags ${flags.length ? flags.join('|') : 'none'}`;
    },
  );
  const capability = (id: string, name: string, cap: number, show?: (value: number) => ProbeCheck['value']) => {
    let value: number;
    try {
      value = checkCap(kvm, kvmFd, vmFd, cap);
    } catch (error) {
      checks.no(id, name, describeError(error), error);
      return;
    }
    if (value > 0) checks.yes(id, name, show ? show(value) : value);
    else checks.no(id, name, 'KVM_CHECK_EXTENSION answered 0: not supported', undefined, 0);
  };
  capability('cap-adjust-clock', 'KVM_CAP_ADJUST_CLOCK flags', kvm.constants.KVM_CAP_ADJUST_CLOCK, (v) => {
    const flags = clockFlags(kvm, v);
    return `${v}: ${flags.length ? flags.join('|') : 'no flags'}`;
  });
  capability('cap-kvmclock-ctrl', 'KVM_CAP_KVMCLOCK_CTRL', kvm.constants.KVM_CAP_KVMCLOCK_CTRL);
  capability('cap-s390-protected', 'KVM_CAP_S390_PROTECTED', kvm.constants.KVM_CAP_S390_PROTECTED);
  capability('cap-vm-attributes', 'KVM_CAP_VM_ATTRIBUTES', kvm.constants.KVM_CAP_VM_ATTRIBUTES);
}

/** A capability asked of the VM (what it really has), or of /dev/kvm where the VM cannot be asked. */
function checkCap(kvm: KvmLibrary, kvmFd: number, vmFd: number, cap: number): number {
  try {
    return kvm.checkExtension(vmFd, cap);
  } catch {
    return kvm.checkExtension(kvmFd, cap);
  }
}

/** Facts about the host, shown as they are rather than as a yes. */
const INFO = new Set(['arch', 'kernel']);

function show(check: ProbeCheck): string {
  if (INFO.has(check.id)) return String(check.value);
  if (check.ok) {
    const v = check.value;
    return v === undefined || v === 'yes' ? 'yes' : `yes: ${Array.isArray(v) ? v.join(', ') : String(v)}`;
  }
  return `no: ${check.reason}`;
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
  const { checks, autoBackend } = runProbe();
  if (values.json) {
    process.stdout.write(`${JSON.stringify({ command: 'probe', checks, demoAutoBackend: autoBackend }, null, 2)}\n`);
    return 0;
  }
  const lines = [
    "kvm-tod probe: what this host's KVM offers",
    ...renderTable(
      [{ header: 'check' }, { header: 'answer' }],
      checks.map((c) => [c.name, show(c)]),
    ),
    `kvm-tod demo --backend auto would use: ${autoBackend}`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  return 0;
}
