// Where the demo's VMs come from: the host's KVM (s390 TOD or x86 kvmclock) or the
// built-in s390 simulation, and how each kind of clock is read, shown and migrated.
import * as kvm from 'kvm-tod';
import {
  ClockDevice,
  clockKindFor,
  decodeKvmClockSection,
  decodeTodSection,
  encodeKvmClockSection,
  encodeTodSection,
  GuestClock,
  hostUnixNs,
  loadClockSection,
  loadTodSection,
  saveClockSection,
  saveTodSection,
  SimulatedS390Tod,
  Tod,
  todToIsoString,
  todToUnixNs,
} from 'kvm-tod';
import { CliError, describeError } from '../command-line';

export const BACKEND_CHOICES = ['auto', 's390', 'kvmclock', 'simulated'] as const;
export type BackendChoice = (typeof BACKEND_CHOICES)[number];
export type BackendName = Exclude<BackendChoice, 'auto'>;

/** Exit status when the backend asked for by name cannot be used here. */
export const EXIT_BACKEND_UNAVAILABLE = 3;

/** A kind of VM with a guest clock of type T. */
export interface Backend<T> {
  readonly name: BackendName;
  /** The ClockDevice class the VMs use. */
  readonly deviceClass: string;
  /** One line for the report: what a VM is here. */
  readonly description: string;
  /** A new VM's guest clock; each call is a new VM. */
  newVm(): ClockDevice<T>;
  /** The clock value in nanoseconds, to measure jumps. */
  toNs(value: T): bigint;
  /** The clock value for a person. */
  format(value: T): string;
  /** The clock value for JSON (bigints as strings). */
  toJson(value: T): unknown;
  /** The migration stream of a clock (null = "missing"), as a VMM without the library would send it. */
  encode(value: T | null): Buffer;
  decode(bytes: Buffer): T | null;
  /**
   * The library's own save and load of the migration stream. `extended`: the stream
   * also carries the source's wall time, so that a destination whose policy catches up
   * adds the downtime (the s390 TOD: saveTodSection's 'extended' format; the kvmclock
   * section always carries it).
   */
  librarySave(clock: GuestClock<T>, extended?: boolean): Buffer;
  libraryLoad(clock: GuestClock<T>, bytes: Buffer): void;
  /** Closes every VM and descriptor. */
  close(): void;
}

export type AnyBackend = Backend<Tod> | Backend<bigint>;

export interface Selection {
  backend: AnyBackend;
  requested: BackendChoice;
  /** Why `auto` did not get the host's KVM; undefined when it did, or when a backend was named. */
  fallbackReason?: string;
}

const todCodec = {
  toNs: (value: Tod) => todToUnixNs(value),
  format: (value: Tod) => `TOD ${todToIsoString(value)}`,
  toJson: (value: Tod) => ({ high: value.high, low: value.low.toString() }),
  encode: (value: Tod | null) => encodeTodSection(value),
  decode: (bytes: Buffer) => decodeTodSection(bytes),
  librarySave: (clock: GuestClock<Tod>, extended = false) =>
    saveTodSection(clock, { format: extended ? 'extended' : 'todclock' }),
  libraryLoad: (clock: GuestClock<Tod>, bytes: Buffer) => loadTodSection(clock, bytes),
};

// kvmclock through the library's own section (always with the source's wall time, so a
// destination whose policy catches up counts the downtime; under freeze it adds nothing).
export const kvmclockCodec = {
  toNs: (value: bigint) => value,
  format: (value: bigint) => `${(Number(value) / 1e9).toFixed(6)} s`,
  toJson: (value: bigint) => value.toString(),
  encode: (value: bigint | null) => encodeKvmClockSection(value, value === null ? undefined : hostUnixNs()),
  decode: (bytes: Buffer) => decodeKvmClockSection(bytes).clock,
  librarySave: (clock: GuestClock<bigint>) => saveClockSection(clock),
  libraryLoad: (clock: GuestClock<bigint>, bytes: Buffer) => loadClockSection(clock, bytes),
};

export function simulatedBackend(): Backend<Tod> {
  return {
    name: 'simulated',
    deviceClass: 'SimulatedS390Tod',
    description:
      'the built-in s390 TOD simulation (SimulatedS390Tod: guest TOD ' +
      '= host TOD + epoch, as KVM does); each new instance is a new VM',
    newVm: () => new SimulatedS390Tod(),
    close: () => undefined,
    ...todCodec,
  };
}

/** VMs on /dev/kvm. Throws (a KvmError) when KVM does not open, a VM cannot be created or its clock read. */
function kvmBackend(name: 's390' | 'kvmclock'): AnyBackend {
  const kvmFd = kvm.openKvm();
  const vmFds: number[] = [];
  const close = () => {
    for (const fd of vmFds.splice(0)) tryClose(fd);
    tryClose(kvmFd);
  };
  const createVm = () => {
    const fd = kvm.createVm(kvmFd);
    vmFds.push(fd);
    return fd;
  };
  try {
    let backend: AnyBackend;
    if (name === 's390') {
      backend = {
        name,
        deviceClass: 'S390TodDevice',
        description:
          `s390 guest TOD of VMs on /dev/kvm (S390TodDevice, ` +
          `KVM_S390_VM_TOD), KVM API ${kvm.getApiVersion(kvmFd)}`,
        newVm: () => new kvm.S390TodDevice(createVm()),
        close,
        ...todCodec,
      };
    } else {
      backend = {
        name,
        deviceClass: 'KvmClockDevice',
        description:
          `x86 kvmclock of VMs on /dev/kvm (KvmClockDevice, ` +
          `KVM_GET_CLOCK/KVM_SET_CLOCK), KVM API ${kvm.getApiVersion(kvmFd)}`,
        newVm: () => new kvm.KvmClockDevice(createVm()),
        close,
        ...kvmclockCodec,
      };
    }
    // A first VM whose clock must read: the proof that this backend works here.
    (backend.newVm() as ClockDevice<unknown>).read();
    return backend;
  } catch (error) {
    close();
    throw error;
  }
}

function tryClose(fd: number): void {
  try {
    kvm.closeFd(fd);
  } catch {
    // Already closed: nothing to do at exit.
  }
}

/** The backend of this architecture's KVM clock (the library's clockKindFor), or undefined where there is none. */
export function nativeBackendFor(arch: string): 's390' | 'kvmclock' | undefined {
  let kind;
  try {
    kind = clockKindFor(arch);
  } catch {
    return undefined; // ERR_KVM_TOD_UNSUPPORTED_ARCH: no KVM guest clock here
  }
  return kind === 'tod' ? 's390' : 'kvmclock';
}

/**
 * The backend for `choice`. `auto` takes this architecture's KVM clock and falls back
 * to the simulation, with the reason; a named KVM backend that does not work is a
 * CliError with exit status 3.
 */
export function selectBackend(choice: BackendChoice, arch: string = process.arch): Selection {
  if (choice === 'simulated') return { backend: simulatedBackend(), requested: choice };
  if (choice === 'auto') {
    const native = nativeBackendFor(arch);
    if (native === undefined) {
      return {
        backend: simulatedBackend(),
        requested: choice,
        fallbackReason: `kvm-tod has no KVM guest clock for architecture ${arch}`,
      };
    }
    try {
      return { backend: kvmBackend(native), requested: choice };
    } catch (error) {
      return {
        backend: simulatedBackend(),
        requested: choice,
        fallbackReason: `the ${native} backend is not usable here: ${describeError(error)}`,
      };
    }
  }
  try {
    return { backend: kvmBackend(choice), requested: choice };
  } catch (error) {
    throw new CliError(
      `kvm-tod demo: the ${choice} backend is not usable here: ` +
        `${describeError(error)} (try --backend auto or --backend simulated)`,
      EXIT_BACKEND_UNAVAILABLE,
    );
  }
}
