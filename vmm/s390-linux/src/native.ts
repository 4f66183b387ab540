// Loads the VMM's own addon (build/s390x/s390_linux.node, cross-compiled for s390x by
// scripts/build-native.sh from native/*.cc) and describes it. The addon answers a failure
// with {error: -errno, request} (or a bare -errno); check() and checkErrno() turn those into
// the library's KvmError, so a failure here reads like any other of kvm-tod's.
import * as path from 'path';
import { KvmError } from 'kvm-tod';

/** What the addon answers when an ioctl (or mmap) failed. */
export interface Failure {
  error: number;
  request: string;
}

/** Byte offsets in struct kvm_run, exit reasons and struct sizes, as the addon was compiled. */
export interface RunLayout {
  immediateExit: number;
  exitReason: number;
  icptcode: number;
  ipa: number;
  ipb: number;
  resetFlags: number;
  internalSuberror: number;
  pswMask: number;
  pswAddr: number;
  validRegs: number;
  dirtyRegs: number;
  prefix: number;
  gprs: number;
  crs: number;
  syncPrefix: number;
  exits: Record<
    'UNKNOWN' | 'INTR' | 'INTERNAL_ERROR' | 'S390_SIEIC' | 'S390_RESET' | 'S390_UCONTROL' | 'S390_TSCH' | 'S390_STSI',
    number
  >;
  irqSize: number;
  cpuProcessorSize: number;
}

/** A piece of a vCPU's state that travels as the kernel's raw struct. */
export type StatePiece = 'regs' | 'sregs' | 'fpu' | 'irqs';

export interface Native {
  runLayout: RunLayout;
  mapMemory(vmFd: number, slot: number, size: number): Failure | { buffer: ArrayBuffer; address: bigint };
  viewMemory(address: bigint, size: number): ArrayBuffer;
  interrupt(fd: number, type: number, parm: number, parm64: bigint): number;
  deviceAttr(fd: number, op: 'get' | 'set' | 'has', group: number, attr: bigint, data?: Uint8Array): number;
  createDevice(vmFd: number, type: number): Failure | number;
  storageKeys(vmFd: number, op: 'get' | 'set', startGfn: number, keys: Uint8Array): number;
  reset(vcpuFd: number, kind: 'initial' | 'normal' | 'clear'): number;
  setInitialPsw(vcpuFd: number, mask: bigint, addr: bigint): number;
  getOneReg(vcpuFd: number, id: bigint): Failure | bigint;
  setOneReg(vcpuFd: number, id: bigint, value: bigint): number;
  getState(vcpuFd: number, piece: StatePiece): Failure | Buffer;
  setState(vcpuFd: number, piece: StatePiece, bytes: Uint8Array): Failure | number;
  mapRun(kvmFd: number, vcpuFd: number): Failure | ArrayBuffer;
  run(vcpuFd: number): number;
  prepareVcpuThread(): Failure | number;
  kick(tid: number): number;
}

/** Where the addon is: S390_LINUX_ADDON, else build/s390x/ beside dist/. */
export const addonPath =
  process.env.S390_LINUX_ADDON ?? path.join(__dirname, '..', 'build', 's390x', 's390_linux.node');

let loaded: Native | undefined;

/** The addon, loaded on first use (it exists only for s390x: the host's unit tests never load it). */
export function native(): Native {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  loaded ??= require(addonPath) as Native;
  return loaded;
}

function syscallOf(request: string): string {
  return request.startsWith('mmap') ? 'mmap' : request === 'sigaction' || request === 'tgkill' ? request : 'ioctl';
}

function isFailure(result: unknown): result is Failure {
  return typeof result === 'object' && result !== null && 'error' in result && 'request' in result;
}

/** The addon's answer, or its failure thrown as a KvmError about descriptor `fd`. */
export function check<T>(result: Failure | T, fd: number): T {
  if (isFailure(result)) throw new KvmError(result.error, syscallOf(result.request), { request: result.request, fd });
  return result;
}

/** A bare -errno answer thrown as a KvmError for `request` on `fd`; 0 and above pass. */
export function checkErrno(r: number, request: string, fd: number): number {
  if (r < 0) throw new KvmError(r, syscallOf(request), { request, fd });
  return r;
}
