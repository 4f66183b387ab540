// An s390x Linux guest on one vCPU, the way a VMM written in Node runs one: the VM is set up
// here (main thread), the vCPU runs on its own worker thread (vcpu-worker.ts); stop() and
// cont(), and the state hook's place between them, are @kvm-tod/vmm-common's VcpuVm. What is
// s390's own: the machine (CPU model, memory, FLIC, vCPU reset, initial PSW) and the kick.
import * as fs from 'fs';
import * as path from 'path';
import { VcpuVm } from '@kvm-tod/vmm-common';
import { closeFd, createVcpu, createVm, openKvm } from 'kvm-tod';
import { planBoot } from './boot-layout';
import {
  CPU_PROCESSOR_SIZE,
  FACILITY_TOPOLOGY,
  KVM_S390_VM_CPU_MODEL,
  KVM_S390_VM_CPU_PROCESSOR,
  clearFacility,
  facilities,
  hasFacility,
} from './cpu-model';
import { check, checkErrno, native } from './native';
import { WorkerSetup } from './vcpu-control';

export interface S390VmOptions {
  kernel: string;
  initrd: string;
  cmdline: string;
  /** Guest memory, MiB; 256 by default. */
  memoryMiB?: number;
  /**
   * The VMM's state hook, called with false right after the vCPU stopped and with true right
   * before it runs again (GuestClock.prototype.vmStateChanged, bound); none by default.
   */
  stateHook?: (running: boolean) => void;
  /**
   * A VM that waits for a guest to come in (a migration's destination): memory and vCPU, no
   * kernel loaded, no initial PSW.
   */
  incoming?: boolean;
  /** Report every exit the VMM answers as a 'note' (debugging a boot). */
  trace?: boolean;
}

/** What the VMM did to the CPU model, for the report. */
export interface CpuModelReport {
  /** Whether KVM's default model offered facility 11 (topology) before the VMM took it out. */
  topologyOffered: boolean;
  /** The facilities of the model the guest was given (STFLE bits). */
  facilities: number[];
}

const KVM_DEV_TYPE_FLIC = 6;
const KVM_DEV_FLIC_GET_ALL_IRQS = 1;

/** How long a new vCPU thread may take to start (a worker's Node on the box's emulated CPU, under load). */
const START_TIMEOUT_MS = 180_000;

export class S390Vm extends VcpuVm {
  readonly kvmFd: number;
  readonly vmFd: number;
  readonly vcpuFd: number;
  /** The VM's floating-interrupt controller (KVM_DEV_TYPE_FLIC). */
  readonly flicFd: number;
  readonly memorySize: number;
  /** Guest memory from absolute 0 (one slot). */
  readonly memory: Uint8Array;
  readonly cpuModel: CpuModelReport;
  /** This thread's view of the vCPU's kvm_run (the worker has its own). */
  readonly run: DataView;
  private readonly runBytes: Uint8Array;

  /** Sets the VM up (CPU model, memory, boot layout, vCPU, initial PSW) and its vCPU thread. */
  constructor(options: S390VmOptions) {
    super(options.stateHook, START_TIMEOUT_MS);
    const vmm = native();
    this.memorySize = (options.memoryMiB ?? 256) * 0x100000;
    const plan = options.incoming
      ? undefined
      : planBoot({
          kernel: fs.readFileSync(options.kernel),
          initrd: fs.readFileSync(options.initrd),
          cmdline: options.cmdline,
          memorySize: this.memorySize,
        });

    this.kvmFd = openKvm();
    this.vmFd = createVm(this.kvmFd);
    this.cpuModel = this.withoutTopology();
    const mapped = check(vmm.mapMemory(this.vmFd, 0, this.memorySize), this.vmFd);
    this.memory = new Uint8Array(mapped.buffer);
    for (const w of plan?.writes ?? []) this.memory.set(w.bytes, w.address);

    // The floating-interrupt controller, as QEMU makes one: its list of pending floating
    // interrupts (the service signal) is what a migration carries, and what a debugger reads.
    this.flicFd = check(vmm.createDevice(this.vmFd, KVM_DEV_TYPE_FLIC), this.vmFd);
    this.vcpuFd = createVcpu(this.vmFd, 0);
    checkErrno(vmm.reset(this.vcpuFd, 'initial'), 'KVM_S390_INITIAL_RESET', this.vcpuFd);
    if (plan) {
      const { mask, addr } = plan.psw;
      checkErrno(vmm.setInitialPsw(this.vcpuFd, mask, addr), 'KVM_S390_SET_INITIAL_PSW', this.vcpuFd);
    }

    const runBuffer = check(vmm.mapRun(this.kvmFd, this.vcpuFd), this.vcpuFd);
    this.runBytes = new Uint8Array(runBuffer);
    this.run = new DataView(runBuffer);
    const setup: WorkerSetup = {
      kvmFd: this.kvmFd,
      vmFd: this.vmFd,
      vcpuFd: this.vcpuFd,
      memoryAddress: mapped.address,
      memorySize: this.memorySize,
      trace: options.trace,
    };
    this.startThread(path.join(__dirname, 'vcpu-worker.js'), setup);
  }

  /** Takes facility 11 out of KVM's CPU model, before the vCPU exists (cpu-model.ts). */
  private withoutTopology(): CpuModelReport {
    const vmm = native();
    const processor = new Uint8Array(CPU_PROCESSOR_SIZE);
    const request = 'KVM_GET_DEVICE_ATTR';
    checkErrno(
      vmm.deviceAttr(this.vmFd, 'get', KVM_S390_VM_CPU_MODEL, KVM_S390_VM_CPU_PROCESSOR, processor),
      request,
      this.vmFd,
    );
    const topologyOffered = hasFacility(processor, FACILITY_TOPOLOGY);
    if (topologyOffered) {
      clearFacility(processor, FACILITY_TOPOLOGY);
      checkErrno(
        vmm.deviceAttr(this.vmFd, 'set', KVM_S390_VM_CPU_MODEL, KVM_S390_VM_CPU_PROCESSOR, processor),
        'KVM_SET_DEVICE_ATTR',
        this.vmFd,
      );
    }
    return { topologyOffered, facilities: facilities(processor) };
  }

  /** The PSW as kvm_run holds it (meaningful while the vCPU is stopped). */
  psw(): string {
    const L = native().runLayout;
    return `PSW 0x${this.run.getBigUint64(L.pswMask).toString(16)} 0x${this.run.getBigUint64(L.pswAddr).toString(16)}`;
  }

  /** The floating interrupts KVM holds pending (kvm_s390_irq entries: type, then its parameters). */
  floatingIrqs(): { type: number; parm: number }[] {
    const size = native().runLayout.irqSize;
    const buf = new Uint8Array(64 * size);
    const n = checkErrno(
      native().deviceAttr(this.flicFd, 'get', KVM_DEV_FLIC_GET_ALL_IRQS, BigInt(buf.length), buf),
      'KVM_GET_DEVICE_ATTR',
      this.flicFd,
    );
    const view = new DataView(buf.buffer);
    return Array.from({ length: n }, (_, i) => ({
      type: Number(view.getBigUint64(i * size)),
      parm: view.getUint32(i * size + 8),
    }));
  }

  /** Control register `n` as kvm_run holds it (meaningful while the vCPU is stopped). */
  cr(n: number): bigint {
    return this.run.getBigUint64(native().runLayout.crs + 8 * n);
  }

  protected kick(tid: number): void {
    this.runBytes[native().runLayout.immediateExit] = 1;
    if (tid) native().kick(tid);
  }

  protected closeDescriptors(): void {
    for (const fd of [this.vcpuFd, this.flicFd, this.vmFd, this.kvmFd]) closeFd(fd);
  }
}
