// Loads the Linux VMM's own addon (build/Release/linux_vmm.node, the "linux_vmm" target of
// binding.gyp) and describes it. Its errors are the library's KvmError.
import * as path from 'path';
import { KvmError, KvmErrorDetails } from 'kvm-tod';

/** A segment register as KVM_GET_SREGS/KVM_SET_SREGS carry it. */
export interface Segment {
  base: number;
  limit: number;
  selector: number;
  type: number;
  present: number;
  dpl: number;
  db: number;
  s: number;
  l: number;
  g: number;
  avl: number;
  unusable?: number;
}

export interface Sregs {
  cs: Segment;
  ds: Segment;
  es: Segment;
  fs: Segment;
  gs: Segment;
  ss: Segment;
  tr: Segment;
  ldt: Segment;
  gdt: { base: number; limit: number };
  idt: { base: number; limit: number };
  cr0: number;
  cr2: number;
  cr3: number;
  cr4: number;
  cr8: number;
  efer: number;
  apic_base: number;
}

export type Regs = Record<
  | 'rax'
  | 'rbx'
  | 'rcx'
  | 'rdx'
  | 'rsi'
  | 'rdi'
  | 'rsp'
  | 'rbp'
  | 'r8'
  | 'r9'
  | 'r10'
  | 'r11'
  | 'r12'
  | 'r13'
  | 'r14'
  | 'r15'
  | 'rip'
  | 'rflags',
  number
>;

/** Byte offsets of struct kvm_run's fields, as the addon was compiled. */
export interface RunLayout {
  immediateExit: number;
  exitReason: number;
  ioDirection: number;
  ioSize: number;
  ioPort: number;
  ioCount: number;
  ioDataOffset: number;
  mmioPhysAddr: number;
  mmioData: number;
  mmioLen: number;
  mmioIsWrite: number;
  failEntryReason: number;
  internalSuberror: number;
  systemEventType: number;
  exits: Record<
    'UNKNOWN' | 'IO' | 'HLT' | 'MMIO' | 'SHUTDOWN' | 'FAIL_ENTRY' | 'INTR' | 'INTERNAL_ERROR' | 'SYSTEM_EVENT',
    number
  >;
  IO_IN: number;
  IO_OUT: number;
}

export interface VmmBinding {
  setErrorFactory(factory: (errno: number, syscall: string, details: KvmErrorDetails) => Error): void;
  runLayout: RunLayout;
  setTssAddr(vmFd: number, address: number): void;
  setIdentityMapAddr(vmFd: number, address: number): void;
  createIrqchip(vmFd: number): void;
  createPit2(vmFd: number, flags?: number): void;
  mapMemory(vmFd: number, slot: number, guestPhysical: number, size: number): ArrayBuffer;
  irqLine(vmFd: number, irq: number, level: number): void;
  /** 7 words per entry: function, index, flags, eax, ebx, ecx, edx. */
  getSupportedCpuid(kvmFd: number): Uint32Array;
  setCpuid(vcpuFd: number, entries: Uint32Array): void;
  getSregs(vcpuFd: number): Sregs;
  setSregs(vcpuFd: number, sregs: Partial<Sregs> | Record<string, unknown>): void;
  getRegs(vcpuFd: number): Regs;
  setRegs(vcpuFd: number, regs: Partial<Regs>): void;
  setFpu(vcpuFd: number, fpu: { fcw?: number; mxcsr?: number }): void;
  getLapic(vcpuFd: number): Buffer;
  setLapic(vcpuFd: number, regs: Buffer): void;
  mapRun(kvmFd: number, vcpuFd: number): ArrayBuffer;
  /** The exit reason, or -EINTR (-4) when kicked. */
  run(vcpuFd: number): number;
  /** Returns this thread's id, for kick(). */
  prepareVcpuThread(): number;
  kick(tid: number): void;
  /** The raw struct of one piece of state (vCPU pieces on a vCPU fd; pit2 and the irqchips on the VM fd). */
  getState(fd: number, piece: StatePiece): Buffer;
  setState(fd: number, piece: StatePiece, bytes: Buffer): void;
  getMsrIndexList(kvmFd: number): Uint32Array;
  /** kvm_msr_entry[] (16 bytes each) for as many of `indices` as KVM read, in order. */
  getMsrs(vcpuFd: number, indices: Uint32Array): Buffer;
  /** How many of `entries` KVM took, in order. */
  setMsrs(vcpuFd: number, entries: Buffer): number;
}

/** The pieces of state getState/setState move (vmm/linux/native/state.cc). */
export type StatePiece =
  | 'regs'
  | 'sregs'
  | 'fpu'
  | 'xsave'
  | 'xcrs'
  | 'lapic'
  | 'events'
  | 'mp-state'
  | 'debugregs'
  | 'pit2'
  | 'pic-master'
  | 'pic-slave'
  | 'ioapic';

/** Where the addon is: LINUX_VMM_ADDON, else this package's build (this file runs from dist/). */
export function vmmAddonPath(): string {
  if (process.env.LINUX_VMM_ADDON) return path.resolve(process.env.LINUX_VMM_ADDON);
  return path.join(__dirname, '..', 'build', 'Release', 'linux_vmm.node');
}

function load(): VmmBinding {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const raw = require(vmmAddonPath()) as VmmBinding;
  raw.setErrorFactory((errno, syscall, details) => new KvmError(errno, syscall, details));
  return raw;
}

export const vmm: VmmBinding = load();
