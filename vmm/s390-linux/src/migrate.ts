// Moving a stopped s390x Linux guest from one VM to another in the same process: what QEMU's
// migration stream carries for a one-vCPU s390x guest without devices, taken from the source's
// KVM and handed to the destination's. Memory is copied whole (no dirty log, no pre-copy). The
// guest's TOD is not part of it: it is the VMM's to migrate, with the library's todclock
// section (saveTodSection / loadTodSection) or not at all.
import { S390Vm } from './s390-vm';
import { StatePiece, check, checkErrno, native } from './native';

// KVM_GET/SET_ONE_REG ids (asm/kvm.h): KVM_REG_S390 | size | index. The TOD epoch
// (KVM_REG_S390_EPOCHDIFF, 2) is left out on purpose: the guest's clock is the library's.
const REG_S390 = 0x5000000000000000n;
const U32 = 0x0020000000000000n;
const U64 = 0x0030000000000000n;
export const ONE_REGS: Record<string, bigint> = {
  todpr: REG_S390 | U32 | 1n,
  cpuTimer: REG_S390 | U64 | 3n,
  clockComparator: REG_S390 | U64 | 4n,
  pfToken: REG_S390 | U64 | 5n,
  pfCompare: REG_S390 | U64 | 6n,
  pfSelect: REG_S390 | U64 | 7n,
  programParameter: REG_S390 | U64 | 8n,
  breakingEventAddress: REG_S390 | U64 | 9n,
};
const VCPU_PIECES: StatePiece[] = ['regs', 'sregs', 'fpu'];
const KVM_DEV_FLIC_GET_ALL_IRQS = 1;
const KVM_DEV_FLIC_ENQUEUE = 2;
const KVM_S390_GET_SKEYS_NONE = 1;
const PAGE = 4096;

/** What a migration moved, for the report. */
export interface MoveReport {
  memoryBytes: number;
  /** The PSW the guest resumes at. */
  psw: string;
  prefix: string;
  /** The CPU timer and the clock comparator as moved (hex). */
  cpuTimer: string;
  clockComparator: string;
  /** Local interrupts pending on the vCPU (KVM_S390_GET_IRQ_STATE entries). */
  localIrqs: number;
  /** Floating interrupts pending in the VM (the FLIC's list: a service signal). */
  floatingIrqs: number;
  /** Whether the guest used storage keys (else KVM has none to move). */
  storageKeys: boolean;
  deviceBytes: number;
  /** Host time the move took, ms. */
  copyMs: number;
}

const hex = (n: bigint): string => `0x${n.toString(16)}`;

/** Moves the stopped `from` guest into the `to` VM (made with `incoming`, not started yet). */
export function moveGuest(from: S390Vm, to: S390Vm): MoveReport {
  const vmm = native();
  const L = vmm.runLayout;
  const t0 = process.hrtime.bigint();
  const devices = from.saveDevices(); // also checks that the vCPU is stopped
  if (to.memorySize !== from.memorySize) throw new Error('the destination has another memory size');

  to.memory.set(from.memory);

  // Storage keys, if the guest ever set one (else KVM answers KVM_S390_GET_SKEYS_NONE).
  const keys = new Uint8Array(from.memorySize / PAGE);
  const got = checkErrno(vmm.storageKeys(from.vmFd, 'get', 0, keys), 'KVM_S390_GET_SKEYS', from.vmFd);
  if (got !== KVM_S390_GET_SKEYS_NONE)
    checkErrno(vmm.storageKeys(to.vmFd, 'set', 0, keys), 'KVM_S390_SET_SKEYS', to.vmFd);

  // The vCPU: general, access and control registers, floating point, the registers KVM keeps
  // outside kvm_run, then the PSW and the prefix through kvm_run (KVM reads them from there at
  // the destination's first KVM_RUN), then its pending interrupts.
  for (const piece of VCPU_PIECES)
    check(vmm.setState(to.vcpuFd, piece, check(vmm.getState(from.vcpuFd, piece), from.vcpuFd)), to.vcpuFd);
  const regs = new Map<string, bigint>();
  for (const [name, id] of Object.entries(ONE_REGS)) {
    const value = check(vmm.getOneReg(from.vcpuFd, id), from.vcpuFd);
    regs.set(name, value);
    checkErrno(vmm.setOneReg(to.vcpuFd, id, value), 'KVM_SET_ONE_REG', to.vcpuFd);
  }
  const mask = from.run.getBigUint64(L.pswMask);
  const addr = from.run.getBigUint64(L.pswAddr);
  const prefix = from.run.getBigUint64(L.prefix);
  to.run.setBigUint64(L.pswMask, mask);
  to.run.setBigUint64(L.pswAddr, addr);
  to.run.setBigUint64(L.prefix, prefix);
  to.run.setBigUint64(L.dirtyRegs, to.run.getBigUint64(L.dirtyRegs) | BigInt(L.syncPrefix));
  const irqs = check(vmm.getState(from.vcpuFd, 'irqs'), from.vcpuFd);
  if (irqs.length) check(vmm.setState(to.vcpuFd, 'irqs', irqs), to.vcpuFd);

  // The VM's floating interrupts (a service signal the guest had not taken yet).
  const floating = new Uint8Array(64 * L.irqSize);
  const n = checkErrno(
    vmm.deviceAttr(from.flicFd, 'get', KVM_DEV_FLIC_GET_ALL_IRQS, BigInt(floating.length), floating),
    'KVM_GET_DEVICE_ATTR',
    from.flicFd,
  );
  if (n > 0)
    checkErrno(
      vmm.deviceAttr(
        to.flicFd,
        'set',
        KVM_DEV_FLIC_ENQUEUE,
        BigInt(n * L.irqSize),
        floating.subarray(0, n * L.irqSize),
      ),
      'KVM_SET_DEVICE_ATTR',
      to.flicFd,
    );

  to.loadDevices(devices);
  return {
    memoryBytes: from.memorySize,
    psw: `${hex(mask)} ${hex(addr)}`,
    prefix: hex(prefix),
    cpuTimer: hex(regs.get('cpuTimer')!),
    clockComparator: hex(regs.get('clockComparator')!),
    localIrqs: irqs.length / L.irqSize,
    floatingIrqs: n,
    storageKeys: got !== KVM_S390_GET_SKEYS_NONE,
    deviceBytes: devices.length,
    copyMs: Number(process.hrtime.bigint() - t0) / 1e6,
  };
}
