// What this host's KVM offers kvm-tod, asked the way the library uses it: the addon, /dev/kvm,
// a VM of this process (on s390x with the PGSTE hint when it cannot), the s390 TOD attributes,
// kvmclock and the capabilities the library reads. Each answer is a token a program tests
// (`status`) with words for people beside it (`detail`); `kvm-tod probe` prints it.
import * as os from 'os';
import { ClockKind } from './devices/clock-device';
import { clockKindFor } from './architectures';
import { KvmError, KvmErrorHint } from './errors';
import { OptionNames, optionsObject } from './arg-errors';
import { checkExtension, closeFd, createVm, getApiVersion, openKvm } from './kvm';
import { getKvmClock } from './kvmclock';
import { addonPath, constants } from './native';
import { readAllocatePgste } from './pgste';
import { hasTodAttribute, probeTodExtension } from './s390-tod';

/**
 * How a question was answered: `'works'` (there, and it works); `'absent'` (the kernel says it
 * is not there: no `/dev/kvm` (`ENOENT`), an unknown attribute (`ENXIO`), an ioctl this
 * kind of VM does not have (`ENOTTY`), a capability of 0); `'failed'` (any other failure,
 * see `error`); `'untried'` (not asked, because a step it needs failed: `detail` says which).
 */
export type HostCheckStatus = 'works' | 'absent' | 'failed' | 'untried';

/** The failed call behind an answer: a {@link KvmError}'s fields, or an Error's message. */
export interface HostCheckError {
  /** The errno's name (`'ENOENT'`), or another error's code (`'ERROR'` when it has none). */
  code: string;
  /** The negated errno, for a failed system call. */
  errno?: number;
  /** The failed call: `'open'`, `'ioctl'`. */
  syscall?: string;
  /** The ioctl: `'KVM_CREATE_VM'`, ... */
  request?: string;
  /** The device attribute, for the TOD group. */
  attribute?: string;
  /** The error's message. */
  message: string;
}

/** One answer of {@link probeHost}. */
export interface HostCheck<T = undefined> {
  /** The answer, as a token: see {@link HostCheckStatus}. */
  status: HostCheckStatus;
  /** The answer's value where there is one: the API version, a capability's answer, flag names. */
  value?: T;
  /** The answer in words, for people (not to be parsed). */
  detail: string;
  /** What failed, for `'absent'` (when a call said so), `'failed'` and `'untried'` (the step it needed). */
  error?: HostCheckError;
  /** The likely reason and the fix, where the library knows them (as on {@link KvmError.hint}). */
  hint?: KvmErrorHint;
}

/** What this host's KVM offers kvm-tod: {@link probeHost}. Plain data, ready for JSON. */
export interface HostReport {
  /** `process.arch`. */
  arch: string;
  /** `os.release()`: the kernel's release. */
  kernel: string;
  /** The guest clock kvm-tod holds on this architecture, `null` where it has none. */
  clockKind: ClockKind | null;
  /** The native addon loads; `value` is its path. */
  addon: HostCheck<string>;
  /** `/dev/kvm` opens read-write. */
  kvm: HostCheck;
  /** `KVM_GET_API_VERSION`; `value` is the version (12). */
  apiVersion: HostCheck<number>;
  /** This process can create a VM (`KVM_CREATE_VM`); on s390x without PGSTE, `hint` has the fix. */
  vm: HostCheck;
  /**
   * s390x: the sysctl `vm.allocate_pgste` now (0 or 1): with 1, a node started from now on may
   * create VMs. `null` where there is no such sysctl (other architectures) or it cannot be read.
   */
  allocatePgste: number | null;
  /** The s390 TOD attribute group of a new VM. */
  tod: {
    /** `KVM_HAS_DEVICE_ATTR` of `KVM_S390_VM_TOD_LOW`. */
    low: HostCheck;
    /** `KVM_HAS_DEVICE_ATTR` of `KVM_S390_VM_TOD_HIGH`. */
    high: HostCheck;
    /** `KVM_HAS_DEVICE_ATTR` of `KVM_S390_VM_TOD_EXT`: kernels answer `'absent'` even where it works. */
    extReported: HostCheck;
    /** The extended attribute reads (Linux >= 4.15; where absent the library uses LOW + HIGH). */
    ext: HostCheck;
  };
  /** x86 kvmclock: `KVM_GET_CLOCK` on a new VM; `value` is the names of its flags. */
  kvmclock: HostCheck<string[]>;
  /** `KVM_CHECK_EXTENSION` (asked of the VM, else of `/dev/kvm`); `value` is the kernel's answer. */
  capabilities: {
    /** `KVM_CAP_ADJUST_CLOCK`: the `KVM_CLOCK_*` flags `KVM_SET_CLOCK` takes. */
    adjustClock: HostCheck<number>;
    /** `KVM_CAP_KVMCLOCK_CTRL`. */
    kvmclockCtrl: HostCheck<number>;
    /** `KVM_CAP_S390_PROTECTED`: Secure Execution guests. */
    s390Protected: HostCheck<number>;
    /** `KVM_CAP_VM_ATTRIBUTES`: the device-attribute ioctls of the s390 TOD. */
    vmAttributes: HostCheck<number>;
  };
}

/** The error's fields a report keeps. */
function errorOf(error: unknown): HostCheckError {
  if (error instanceof KvmError) {
    const e: HostCheckError = { code: error.code, errno: error.errno, syscall: error.syscall, message: error.message };
    if (error.request !== undefined) e.request = error.request;
    if (error.attribute !== undefined) e.attribute = error.attribute;
    return e;
  }
  const code = (error as { code?: unknown } | null)?.code;
  const message = error instanceof Error ? error.message : String(error);
  return { code: typeof code === 'string' ? code : 'ERROR', message };
}

const ABSENT_CODES = new Set(['ENOENT', 'ENXIO', 'ENOTTY']);

/** A check that threw: absent for the kernel's "not here" errnos, failed otherwise. */
function thrown<T>(error: unknown, detail?: string): HostCheck<T> {
  const e = errorOf(error);
  const check: HostCheck<T> = {
    status: ABSENT_CODES.has(e.code) ? 'absent' : 'failed',
    detail: detail ?? e.message,
    error: e,
  };
  if (error instanceof KvmError && error.hint) check.hint = error.hint;
  return check;
}

const works = <T>(detail: string, value?: T): HostCheck<T> =>
  value === undefined ? { status: 'works', detail } : { status: 'works', detail, value };

/** Runs `fn`: its value is a works, a throw an absent or failed. */
function attempt<T, V>(fn: () => T, show: (r: T) => HostCheck<V>): HostCheck<V> {
  let r: T;
  try {
    r = fn();
  } catch (error) {
    return thrown<V>(error);
  }
  return show(r);
}

/** Decodes KVM_CLOCK_* flags into names. */
function clockFlags(flags: number): string[] {
  const { KVM_CLOCK_TSC_STABLE, KVM_CLOCK_REALTIME, KVM_CLOCK_HOST_TSC } = constants;
  const names: string[] = [];
  if (flags & KVM_CLOCK_TSC_STABLE) names.push('TSC_STABLE');
  if (flags & KVM_CLOCK_REALTIME) names.push('REALTIME');
  if (flags & KVM_CLOCK_HOST_TSC) names.push('HOST_TSC');
  const rest = flags & ~(KVM_CLOCK_TSC_STABLE | KVM_CLOCK_REALTIME | KVM_CLOCK_HOST_TSC);
  if (rest) names.push(`0x${rest.toString(16)}`);
  return names;
}

/** A capability asked of the VM (what it really has), or of /dev/kvm where the VM cannot be asked. */
function capability(kvmFd: number, vmFd: number, cap: number, words?: (v: number) => string): HostCheck<number> {
  return attempt(
    () => {
      try {
        return checkExtension(vmFd, cap);
      } catch {
        return checkExtension(kvmFd, cap);
      }
    },
    (value): HostCheck<number> =>
      value > 0
        ? works(words ? words(value) : String(value), value)
        : { status: 'absent', detail: 'KVM_CHECK_EXTENSION answered 0: not supported', value },
  );
}

function hasAttribute(vmFd: number, attribute: 'low' | 'high' | 'ext'): HostCheck {
  return attempt(
    () => hasTodAttribute(vmFd, attribute),
    (has): HostCheck =>
      has
        ? works('reported')
        : {
            status: 'absent',
            detail:
              'the kernel answered ENXIO: no such attribute' +
              (attribute === 'ext' ? ' (kernels never report EXT here, even where it reads)' : ''),
          },
  );
}

/** The options of {@link probeHost}. */
export interface ProbeHostOptions {
  /** The KVM device to open; `/dev/kvm` by default. */
  path?: string;
}

const PROBE_HOST_OPTIONS: OptionNames<ProbeHostOptions> = { path: true };

/**
 * Asks this host's KVM what kvm-tod needs, as the library uses it: loads the addon, opens
 * `path` (default `/dev/kvm`), creates one VM in this process and asks it the TOD attributes
 * (HAS, and a read of EXT), `KVM_GET_CLOCK` and the capabilities; closes everything it opened.
 * Nothing is written to the VM. Where a step fails, the checks that need it are `'untried'`
 * and carry that step's error. On s390x it also reads `vm.allocate_pgste`, and a VM that
 * cannot be created for want of PGSTE carries the fix (`vm.hint`). `kvm-tod probe` prints
 * this report.
 * @throws a TypeError (`ERR_INVALID_ARG_TYPE`, `ERR_INVALID_ARG_VALUE`) for options that are
 * not an object or have a key that is not an option (as every options object of the API);
 * nothing else: every failure of the host is an answer in the report.
 */
export function probeHost(options?: ProbeHostOptions): HostReport {
  const { path } = optionsObject(options, PROBE_HOST_OPTIONS);
  const arch = process.arch;
  const addon = attempt(
    () => {
      void constants.KVM_CAP_ADJUST_CLOCK; // reading a constant loads the addon
      return addonPath();
    },
    (file) => works(`loaded (${file})`, file),
  );
  // What the checks not asked say: the step they needed, and its error.
  let missing: { why: string; error?: HostCheckError } = { why: 'needs the native addon', error: addon.error };
  const untried = <T = undefined>(): HostCheck<T> => {
    const e = missing.error; // its whole message is in `error`
    const why = e === undefined ? '' : e.errno === undefined ? `: ${e.message}` : `: ${e.code} (errno ${e.errno})`;
    const check: HostCheck<T> = { status: 'untried', detail: `${missing.why}${why}` };
    if (e) check.error = e;
    return check;
  };
  let kvm: HostCheck = untried();
  let kvmFd: number | undefined;
  let vmFd: number | undefined;
  try {
    if (addon.status === 'works') {
      try {
        kvmFd = openKvm(path);
        kvm = works('opens read-write');
      } catch (error) {
        kvm = thrown(error);
        if (kvm.error?.code === 'ENOENT') kvm.detail += ' (there is no /dev/kvm on this host)';
        missing = { why: 'needs /dev/kvm', error: kvm.error };
      }
    }
    let apiVersion: HostCheck<number> = untried();
    let vm: HostCheck = untried();
    if (kvmFd !== undefined) {
      const fd = kvmFd;
      apiVersion = attempt(
        () => getApiVersion(fd),
        (v) => works(String(v), v),
      );
      try {
        vmFd = createVm(fd);
        vm = works('created');
      } catch (error) {
        vm = thrown(error);
        missing = { why: 'needs a VM', error: vm.error };
      }
    }
    const asked =
      kvmFd !== undefined && vmFd !== undefined
        ? askVm(kvmFd, vmFd)
        : {
            tod: { low: untried(), high: untried(), extReported: untried(), ext: untried() },
            kvmclock: untried<string[]>(),
            capabilities: {
              adjustClock: untried<number>(),
              kvmclockCtrl: untried<number>(),
              s390Protected: untried<number>(),
              vmAttributes: untried<number>(),
            },
          };
    return {
      arch,
      kernel: os.release(),
      clockKind: clockKindOrNull(arch),
      addon,
      kvm,
      apiVersion,
      vm,
      allocatePgste: arch === 's390x' ? readAllocatePgste() : null,
      ...asked,
    };
  } finally {
    if (vmFd !== undefined) closeFd(vmFd);
    if (kvmFd !== undefined) closeFd(kvmFd);
  }
}

function clockKindOrNull(arch: string): ClockKind | null {
  try {
    return clockKindFor(arch);
  } catch {
    return null;
  }
}

/** The checks asked of a VM. */
function askVm(kvmFd: number, vmFd: number): Pick<HostReport, 'tod' | 'kvmclock' | 'capabilities'> {
  return {
    tod: {
      low: hasAttribute(vmFd, 'low'),
      high: hasAttribute(vmFd, 'high'),
      extReported: hasAttribute(vmFd, 'ext'),
      ext: attempt(
        () => probeTodExtension(vmFd),
        (reads): HostCheck =>
          reads
            ? works('reads')
            : { status: 'absent', detail: 'ENXIO: a kernel before 4.15; the library uses LOW + HIGH' },
      ),
    },
    kvmclock: attempt(
      () => getKvmClock(vmFd),
      (data) => {
        const flags = clockFlags(data.flags);
        return works(`${data.clock} ns, flags ${flags.length ? flags.join('|') : 'none'}`, flags);
      },
    ),
    capabilities: {
      adjustClock: capability(kvmFd, vmFd, constants.KVM_CAP_ADJUST_CLOCK, (v) => {
        const flags = clockFlags(v);
        return `${v}: ${flags.length ? flags.join('|') : 'no flags'}`;
      }),
      kvmclockCtrl: capability(kvmFd, vmFd, constants.KVM_CAP_KVMCLOCK_CTRL),
      s390Protected: capability(kvmFd, vmFd, constants.KVM_CAP_S390_PROTECTED),
      vmAttributes: capability(kvmFd, vmFd, constants.KVM_CAP_VM_ATTRIBUTES),
    },
  };
}
