// Loads the addon and describes the raw binding. Nothing outside lib/ should
// need this file: the public functions in kvm.ts, s390-tod.ts and kvmclock.ts
// give every call its types.
import * as path from 'path';
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
  setErrorFactory(factory: (errno: number, syscall: string, details: KvmErrorDetails) => Error): void;
  openKvm(path: string): number;
  createVm(kvmFd: number, machineType?: number): number;
  createVcpu(vmFd: number, id?: number): number;
  closeFd(fd: number): void;
  checkExtension(fd: number, capability: number): number;
  getApiVersion(kvmFd: number): number;
  /** Returns the epoch index; the TOD is in scratch[0]. */
  getTod(vmFd: number): number;
  setTod(vmFd: number, high: number, low: bigint): void;
  hasTodAttribute(vmFd: number, attribute: number): boolean;
  probeTodExtension(vmFd: number): boolean;
  /** Returns the flags; clock, realtime, host TSC are in scratch[0..2]. */
  getKvmClock(vmFd: number): number;
  setKvmClock(vmFd: number, clock: bigint, flags?: number, realtime?: bigint): void;
  kvmclockCtrl(vcpuFd: number): void;
}

/**
 * Where the addon is: `KVM_TOD_ADDON` when set (the tests use it to run the same
 * suite on the cmake-js build and on cross-built s390x addons), else node-gyp's output.
 */
export function addonPath(): string {
  return process.env.KVM_TOD_ADDON
    ? path.resolve(process.env.KVM_TOD_ADDON)
    : path.join(__dirname, '..', 'build', 'Release', 'kvm_tod.node');
}

function load(): RawBinding {
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const raw = require(addonPath()) as RawBinding;
  raw.setErrorFactory((errno, syscall, details) => new KvmError(errno, syscall, details));
  return raw;
}

export const binding: RawBinding = load();
/** The addon's result words, read right after each get call. */
export const scratch = new BigUint64Array(binding.scratch);
export const constants: Readonly<RawConstants> = Object.freeze({ ...binding.constants });
