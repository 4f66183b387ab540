// Loads the tiny VMM's addon (the tiny_vmm native target) and describes it. Its
// errors are the library's KvmError, built by the same factory as kvm_tod's.
import * as path from 'path';
import { KvmError } from 'kvm-tod';

/** What KVM_RUN's exit says, with the registers the guest talks through. */
export interface RawExit {
  /** KVM_EXIT_*. */
  reason: number;
  /** KVM_EXIT_IO: the port, KVM_EXIT_IO_IN (0) or _OUT (1), and the access size. */
  ioPort?: number;
  ioDirection?: number;
  ioSize?: number;
  /** KVM_EXIT_FAIL_ENTRY's hardware reason, KVM_EXIT_INTERNAL_ERROR's suberror. */
  detail?: bigint;
  rip: bigint;
  rax: bigint;
  rdx: bigint;
}

/** The addon as vmm/x86-tiny/native/addon.cc exports it. */
export interface RawTinyVmm {
  constants: {
    KVM_EXIT_IO: number;
    KVM_EXIT_IO_OUT: number;
    KVM_EXIT_HLT: number;
    KVM_EXIT_SHUTDOWN: number;
    KVM_EXIT_FAIL_ENTRY: number;
    KVM_EXIT_INTERNAL_ERROR: number;
  };
  setErrorFactory(factory: (errno: number, syscall: string, details: object) => Error): void;
  mapGuestMemory(vmFd: number, slot: number, guestPhysAddr: number, size: number): ArrayBuffer;
  setSupportedCpuid(kvmFd: number, vcpuFd: number): void;
  setRealMode(vcpuFd: number, ip: number): void;
  mapRun(kvmFd: number, vcpuFd: number): ArrayBuffer;
  run(vcpuFd: number, runBuffer: ArrayBuffer): RawExit;
}

/** This package's folder: this file runs from its dist/. */
const packageRoot = path.join(__dirname, '..');

/**
 * Where the addon is: `KVM_TOD_TINY_VMM_ADDON` when set, else this package's build
 * (build/Release/tiny_vmm.node, made by node-gyp when the workspace is installed).
 */
export function tinyVmmAddonPath(): string {
  if (process.env.KVM_TOD_TINY_VMM_ADDON) return path.resolve(process.env.KVM_TOD_TINY_VMM_ADDON);
  return path.join(packageRoot, 'build', 'Release', 'tiny_vmm.node');
}

let loaded: RawTinyVmm | Error | undefined;

/** The addon, or why it cannot be had (x86_64 only; not built). Loaded once. */
export function loadTinyVmm(): RawTinyVmm | Error {
  if (loaded !== undefined) return loaded;
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    loaded = new Error(`the tiny x86 guest needs linux x64, this is ${process.platform} ${process.arch}`);
    return loaded;
  }
  const file = tinyVmmAddonPath();
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const raw = require(file) as RawTinyVmm;
    raw.setErrorFactory((errno, syscall, details) => new KvmError(errno, syscall, details));
    loaded = raw;
  } catch (error) {
    loaded = new Error(`the tiny VMM's addon did not load from ${file}: ${(error as Error).message}`);
  }
  return loaded;
}

/**
 * The addon.
 * @throws {Error} `ERR_TINY_VMM_UNAVAILABLE` with the reason, where it cannot be loaded.
 */
export function tinyVmm(): RawTinyVmm {
  const raw = loadTinyVmm();
  if (raw instanceof Error) {
    const error = new Error(raw.message);
    (error as Error & { code: string }).code = 'ERR_TINY_VMM_UNAVAILABLE';
    throw error;
  }
  return raw;
}
