// Moving a stopped Linux guest from one VM to another in the same process: what QEMU's
// migration stream carries for a one-vCPU x86 guest on in-kernel irqchip and PIT, taken
// from the source's KVM and handed to the destination's. Guest RAM is copied whole (no dirty
// log, no pre-copy); the guest clock is not part of it: kvmclock is the VMM's to migrate,
// with the library's sections (saveClockSection / loadClockSection) or not at all.
import { LinuxVm } from './linux-vm';
import { StatePiece, vmm } from './native';

// The order QEMU's x86 target puts a vCPU back (kvm_arch_put_registers): general registers,
// FPU/XSAVE, XCRs, segment and control registers, MSRs, then the multiprocessing state,
// local APIC, pending events and debug registers.
const BEFORE_MSRS: StatePiece[] = ['regs', 'fpu', 'xsave', 'xcrs', 'sregs'];
const AFTER_MSRS: StatePiece[] = ['mp-state', 'lapic', 'events', 'debugregs'];
// The VM's in-kernel devices: the PIT and the interrupt controllers.
const VM_PIECES: StatePiece[] = ['pit2', 'pic-master', 'pic-slave', 'ioapic'];

// KVM_SET_LAPIC re-arms the APIC timer from its registers; in TSC-deadline mode the deadline
// is this MSR, so it is written again once the APIC is in place.
const MSR_IA32_TSC_DEADLINE = 0x6e0;

/** Everything moved from the source to the destination, as bytes. */
export interface GuestState {
  ram: Uint8Array;
  vm: Map<StatePiece, Buffer>;
  vcpu: Map<StatePiece, Buffer>;
  /** kvm_msr_entry[] of each MSR KVM could read. */
  msrs: Buffer;
  devices: Buffer;
  /** MSRs in KVM_GET_MSR_INDEX_LIST the source's KVM would not read (host-initiated). */
  unreadableMsrs: number[];
}

/** What a migration moved, for the report. */
export interface MoveReport {
  ramBytes: number;
  pieces: StatePiece[];
  msrs: number;
  unreadableMsrs: string[];
  /** MSRs the destination's KVM refused to take. */
  refusedMsrs: string[];
  deviceBytes: number;
  /** Host time the copy took, ms. */
  copyMs: number;
}

const hex = (n: number): string => `0x${n.toString(16)}`;

/** Reads each MSR KVM can give; a refused one is skipped (KVM_GET_MSRS stops at it). */
function readMsrs(vcpuFd: number, indices: Uint32Array): { entries: Buffer; unreadable: number[] } {
  const parts: Buffer[] = [];
  const unreadable: number[] = [];
  let rest = indices;
  while (rest.length > 0) {
    const got = vmm.getMsrs(vcpuFd, rest);
    parts.push(got);
    const n = got.length / 16;
    if (n < rest.length) unreadable.push(rest[n]);
    rest = rest.subarray(n + 1);
  }
  return { entries: Buffer.concat(parts), unreadable };
}

/** Writes MSR entries; a refused one is skipped (KVM_SET_MSRS stops at it). */
function writeMsrs(vcpuFd: number, entries: Buffer): number[] {
  const refused: number[] = [];
  let rest = entries;
  while (rest.length > 0) {
    const n = vmm.setMsrs(vcpuFd, rest);
    if (n * 16 < rest.length) refused.push(rest.readUInt32LE(n * 16));
    rest = rest.subarray((n + 1) * 16);
  }
  return refused;
}

/** The stopped source's state: its RAM, its KVM state, its devices. */
export function saveGuest(source: LinuxVm): GuestState {
  const devices = source.saveDevices(); // also checks that the vCPU is stopped
  const vm = new Map(VM_PIECES.map((p) => [p, vmm.getState(source.vmFd, p)] as const));
  const vcpu = new Map([...BEFORE_MSRS, ...AFTER_MSRS].map((p) => [p, vmm.getState(source.vcpuFd, p)] as const));
  const { entries, unreadable } = readMsrs(source.vcpuFd, vmm.getMsrIndexList(source.kvmFd));
  // The RAM is the source's own, read when it is loaded: the source stays stopped.
  return { ram: source.ram, vm, vcpu, msrs: entries, devices, unreadableMsrs: unreadable };
}

/** Puts a saved state into a destination that has never run (or is stopped). */
export function loadGuest(destination: LinuxVm, state: GuestState): { refusedMsrs: number[] } {
  destination.loadDevices(state.devices); // also checks that the vCPU is stopped
  destination.ram.set(state.ram);
  for (const [piece, bytes] of state.vm) vmm.setState(destination.vmFd, piece, bytes);
  for (const piece of BEFORE_MSRS) vmm.setState(destination.vcpuFd, piece, state.vcpu.get(piece)!);
  const refused = writeMsrs(destination.vcpuFd, state.msrs);
  for (const piece of AFTER_MSRS) vmm.setState(destination.vcpuFd, piece, state.vcpu.get(piece)!);
  for (let at = 0; at < state.msrs.length; at += 16) {
    if (state.msrs.readUInt32LE(at) === MSR_IA32_TSC_DEADLINE) {
      writeMsrs(destination.vcpuFd, state.msrs.subarray(at, at + 16));
    }
  }
  return { refusedMsrs: refused };
}

/** saveGuest then loadGuest, with what was moved. */
export function moveGuest(source: LinuxVm, destination: LinuxVm): MoveReport {
  const t0 = process.hrtime.bigint();
  const state = saveGuest(source);
  const { refusedMsrs } = loadGuest(destination, state);
  return {
    ramBytes: state.ram.length,
    pieces: [...state.vm.keys(), ...state.vcpu.keys()],
    msrs: state.msrs.length / 16,
    unreadableMsrs: state.unreadableMsrs.map(hex),
    refusedMsrs: refusedMsrs.map(hex),
    deviceBytes: state.devices.length,
    copyMs: Number(process.hrtime.bigint() - t0) / 1e6,
  };
}
