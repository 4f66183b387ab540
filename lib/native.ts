// Loads the addon and describes the raw binding. Nothing outside lib/ should
// need this file: the public functions in kvm.ts, s390-tod.ts and kvmclock.ts
// give every call its types.
import * as path from 'path';
import { nativeArgError } from './arg-errors';
import { KvmError, KvmErrorDetails } from './errors';

export interface RawConstants {
  KVM_CAP_ADJUST_CLOCK: number;
  KVM_CAP_KVMCLOCK_CTRL: number;
  KVM_CAP_VM_ATTRIBUTES: number;
  KVM_CAP_S390_PROTECTED: number;
  KVM_CLOCK_TSC_STABLE: number;
  KVM_CLOCK_REALTIME: number;
  KVM_CLOCK_HOST_TSC: number;
  KVM_S390_VM_TOD: number;
  KVM_S390_VM_TOD_LOW: number;
  KVM_S390_VM_TOD_HIGH: number;
  KVM_S390_VM_TOD_EXT: number;
}

/** The addon as native/src/addon.cc exports it. */
export interface RawBinding {
  /** 64-bit results of the last get call (see native/src/addon_data.h). */
  scratch: ArrayBuffer;
  constants: RawConstants;
  /** The KvmError factory, and (optional) the argument-error one: (kind, name, expected, received). */
  setErrorFactory: (
    factory: (errno: number, syscall: string, details: KvmErrorDetails) => Error,
    argErrorFactory?: (kind: string, name: string, expected: string, received: unknown) => Error,
  ) => void;
  openKvm: (path: string) => number;
  createVm: (kvmFd: number, machineType?: number) => number;
  createVcpu: (vmFd: number, id?: number) => number;
  closeFd: (fd: number) => void;
  checkExtension: (fd: number, capability: number) => number;
  getApiVersion: (kvmFd: number) => number;
  /**
   * Returns the epoch index; the TOD is in scratch[0]. Armed ({@link armCall}), takes no
   * argument and leaves the epoch index in {@link callResult}.
   */
  getTod: (vmFd?: number) => number | undefined;
  /** Armed, takes only `low`. */
  setTod: (vmFd: number | bigint, high?: number, low?: bigint) => void;
  hasTodAttribute: (vmFd: number, attribute: number) => boolean;
  probeTodExtension: (vmFd: number) => boolean;
  /**
   * Returns the flags; clock, realtime, host TSC are in scratch[0..2]. Armed, takes no
   * argument and leaves the flags in {@link callResult}.
   */
  getKvmClock: (vmFd?: number) => number | undefined;
  /** Armed, takes only `clock` (flags 0, no realtime). */
  setKvmClock: (vmFd: number | bigint, clock?: bigint, flags?: number, realtime?: bigint) => void;
  kvmclockCtrl: (vcpuFd: number) => void;
}

/** The part of node-gyp-build this file uses (the package ships no types). */
interface NodeGypBuild {
  /** Resolves the addon for this platform, arch and runtime; throws when there is none. */
  path(dir: string): string;
}
// eslint-disable-next-line @typescript-eslint/no-require-imports -- the package ships no types to import
const nodeGypBuild = require('node-gyp-build') as NodeGypBuild;

/** The package's root: dist/ (where this file runs from) is one level down. */
const packageRoot = path.join(__dirname, '..');

// Resolved now, against the directory the process started in: the addon itself loads later.
const addonFromEnv = process.env.KVM_TOD_ADDON ? path.resolve(process.env.KVM_TOD_ADDON) : undefined;

/**
 * Where the addon is: `KVM_TOD_ADDON` when set (the tests use it to run the same
 * suite on the cmake-js build and on cross-built s390x addons), else what node-gyp-build
 * finds from the package root: build/Release (a source build, as in development) when
 * present, else the matching prebuild in prebuilds/<platform>-<arch>/.
 */
export function addonPath(): string {
  return addonFromEnv ?? nodeGypBuild.path(packageRoot);
}
/** Every member of RawBinding, for the lazy stand-in below (the type check keeps it complete). */
export const MEMBERS = [
  'scratch',
  'constants',
  'setErrorFactory',
  'openKvm',
  'createVm',
  'createVcpu',
  'closeFd',
  'checkExtension',
  'getApiVersion',
  'getTod',
  'setTod',
  'hasTodAttribute',
  'probeTodExtension',
  'getKvmClock',
  'setKvmClock',
  'kvmclockCtrl',
] as const;
const allMembers: Exclude<keyof RawBinding, (typeof MEMBERS)[number]> extends never ? true : never = true;
void allMembers;

/**
 * The raw binding. The addon loads at the first use of a member, not when the package
 * is loaded: the TOD helpers, the migration sections and SimulatedS390Tod work on a host
 * without a matching addon. Once loaded, every member is the addon's own.
 */
export const binding = {} as RawBinding;
/**
 * The addon's result words, read right after each get call (replaced when the addon loads):
 * 0..2 the results, 3 and half of 4 the instant of a read when asked (read-instant.ts), the
 * rest the hot calls' arguments and small result ({@link armCall}).
 */
export let scratch = new BigUint64Array(7);
/** The same words as 32-bit halves, for copying a word without making a BigInt of it. */
export let scratchHalves = new Uint32Array(scratch.buffer);

/**
 * KVM_CLOCK_REALTIME and KVM_CLOCK_HOST_TSC as plain numbers, for the calls that read them
 * on every KVM_GET_CLOCK ({@link constants} is a getter per name). Set when the addon
 * loads, which any call through {@link binding} does first; 0 until then.
 */
export const clockFlags = { realtime: 0, hostTsc: 0 };

// The hot calls' argument block (native/src/call_block.h), as 32-bit halves of the words.
const ARMED = 9;
const FD = 10;
const ARG = 11;
const RESULT = 12;
const MAX_FD = 2 ** 31 - 1;

/**
 * A descriptor the addon would take as it is: an integer in 0..2^31-1. Anything else goes
 * to the addon as an argument, which throws its error.
 */
export function isFd(value: unknown): value is number {
  return typeof value === 'number' && value >>> 0 === value && value <= MAX_FD;
}

/**
 * Passes a hot call's descriptor (checked with {@link isFd}) and small argument (a TOD's
 * epoch index, checked) in the addon's scratch words instead of as arguments: the next
 * getTod, setTod, getKvmClock or setKvmClock called with only its remaining arguments (none,
 * or the bigint) takes them. Read the member off {@link binding} before arming: that loads
 * the addon, whose words replace these.
 */
export function armCall(fd: number, arg = 0): void {
  scratchHalves[FD] = fd;
  scratchHalves[ARG] = arg;
  scratchHalves[ARMED] = 1;
}

/** The small result of an armed get call: the epoch index, or KVM_GET_CLOCK's flags. */
export function callResult(): number {
  return scratchHalves[RESULT];
}

function load(): RawBinding {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- the addon's path is known only at run time
  const raw = require(addonPath()) as RawBinding;
  raw.setErrorFactory((errno, syscall, details) => new KvmError(errno, syscall, details), nativeArgError);
  for (const name of MEMBERS) {
    Object.defineProperty(binding, name, { value: raw[name], enumerable: true, writable: true, configurable: true });
  }
  scratch = new BigUint64Array(raw.scratch);
  scratchHalves = new Uint32Array(raw.scratch);
  clockFlags.realtime = raw.constants.KVM_CLOCK_REALTIME;
  clockFlags.hostTsc = raw.constants.KVM_CLOCK_HOST_TSC;
  return raw;
}

for (const name of MEMBERS) {
  Object.defineProperty(binding, name, {
    configurable: true,
    enumerable: true,
    get: () => load()[name],
  });
}

const CONSTANT_NAMES: Array<keyof RawConstants> = [
  'KVM_CAP_ADJUST_CLOCK',
  'KVM_CAP_KVMCLOCK_CTRL',
  'KVM_CAP_VM_ATTRIBUTES',
  'KVM_CAP_S390_PROTECTED',
  'KVM_CLOCK_TSC_STABLE',
  'KVM_CLOCK_REALTIME',
  'KVM_CLOCK_HOST_TSC',
  'KVM_S390_VM_TOD',
  'KVM_S390_VM_TOD_LOW',
  'KVM_S390_VM_TOD_HIGH',
  'KVM_S390_VM_TOD_EXT',
];

/**
 * The KVM numbers a caller passes or tests, as the addon was compiled with them (frozen):
 * capabilities for {@link checkExtension} (`KVM_CAP_ADJUST_CLOCK`, `KVM_CAP_KVMCLOCK_CTRL`,
 * `KVM_CAP_VM_ATTRIBUTES`, `KVM_CAP_S390_PROTECTED`), the `KVM_CLOCK_*` flags of
 * {@link getKvmClock} (`KVM_CLOCK_TSC_STABLE`, `KVM_CLOCK_REALTIME`, `KVM_CLOCK_HOST_TSC`)
 * and the s390 TOD attribute group and attributes (`KVM_S390_VM_TOD`, `KVM_S390_VM_TOD_LOW`,
 * `KVM_S390_VM_TOD_HIGH`, `KVM_S390_VM_TOD_EXT`); all numbers.
 *
 * Reading one loads the addon, as every KVM call does: where no addon matches this
 * platform and architecture (no prebuild, and no source build), that read throws an `Error`.
 * Loading the package itself never needs the addon.
 */
export const constants: Readonly<RawConstants> = Object.freeze(
  Object.defineProperties(
    {} as RawConstants,
    Object.fromEntries(CONSTANT_NAMES.map((name) => [name, { enumerable: true, get: () => binding.constants[name] }])),
  ),
);
