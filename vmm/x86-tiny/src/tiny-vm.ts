// One VM with one real-mode vCPU running the tiny guest: the descriptors, the
// mappings, and "run until the guest's next report".
import { closeFd, createVcpu, createVm, openKvm } from 'kvm-tod';
import { RawTinyVmm, tinyVmm } from './binding';
import { ENTRY, GUEST_CODE, MEMORY_SIZE, PVCLOCK_AREA, REPORT_PORT } from './guest-code';
import { kvmclockNs, readPvclockConsistent } from './pvclock';

const MASK32 = 0xffffffffn;

/** One report of the guest: its TSC and the kvmclock it computes from it. */
export interface GuestReport {
  /** The guest's TSC, EDX:EAX of its `rdtsc`. */
  tsc: bigint;
  /** The guest's kvmclock at that TSC, ns, as a Linux guest computes it. */
  kvmclockNs: bigint;
  /** The pvclock flags then (PVCLOCK_GUEST_STOPPED is 0x02). */
  flags: number;
  /** The pvclock version then (even). */
  version: number;
  /** Host monotonic time (process.hrtime.bigint()) right after the exit. */
  hostNs: bigint;
}

function guestError(code: string, message: string): Error {
  const error = new Error(message);
  (error as Error & { code: string }).code = code;
  return error;
}

/** The tiny guest's VM: create it, run it report by report, close it. */
export class TinyVm {
  /** KVM_RUN calls so far. */
  exits = 0;
  private readonly raw: RawTinyVmm;
  private readonly memory: DataView;
  private readonly runPage: ArrayBuffer;
  private closed = false;

  private constructor(
    readonly kvmFd: number,
    readonly vmFd: number,
    readonly vcpuFd: number,
    raw: RawTinyVmm,
    memory: ArrayBuffer,
    runPage: ArrayBuffer,
  ) {
    this.raw = raw;
    this.memory = new DataView(memory);
    this.runPage = runPage;
  }

  /**
   * A VM with the guest loaded and its vCPU at the entry point, not run yet.
   * @throws {Error} `ERR_TINY_VMM_UNAVAILABLE`: the tiny VMM's addon is missing.
   * @throws {KvmError} the failing call (open, KVM_CREATE_VM, ...); nothing is left open.
   */
  static create(kvmPath = '/dev/kvm'): TinyVm {
    const raw = tinyVmm();
    const opened: number[] = [];
    try {
      const kvmFd = openKvm(kvmPath);
      opened.push(kvmFd);
      const vmFd = createVm(kvmFd);
      opened.push(vmFd);
      const memory = raw.mapGuestMemory(vmFd, 0, 0, MEMORY_SIZE);
      new Uint8Array(memory, ENTRY, GUEST_CODE.length).set(GUEST_CODE);
      const vcpuFd = createVcpu(vmFd, 0);
      opened.push(vcpuFd);
      raw.setSupportedCpuid(kvmFd, vcpuFd);
      raw.setRealMode(vcpuFd, ENTRY);
      const runPage = raw.mapRun(kvmFd, vcpuFd);
      return new TinyVm(kvmFd, vmFd, vcpuFd, raw, memory, runPage);
    } catch (error) {
      for (const fd of opened.reverse()) closeFd(fd);
      throw error;
    }
  }

  /**
   * Runs the vCPU until the guest reports (its `out` to the report port) and computes
   * what the guest's kvmclock said.
   * @throws {Error} `ERR_TINY_VM_CLOSED` after close(); `ERR_TINY_GUEST_EXIT` for any other
   *   exit (the guest is broken or KVM refused to run it), `ERR_PVCLOCK_TORN`.
   * @throws {KvmError} `KVM_RUN` or `KVM_GET_REGS` failed.
   */
  nextReport(): GuestReport {
    if (this.closed) throw guestError('ERR_TINY_VM_CLOSED', 'the tiny guest VM is closed');
    const { constants } = this.raw;
    const exit = this.raw.run(this.vcpuFd, this.runPage);
    this.exits++;
    const hostNs = process.hrtime.bigint();
    if (
      exit.reason !== constants.KVM_EXIT_IO ||
      exit.ioPort !== REPORT_PORT ||
      exit.ioDirection !== constants.KVM_EXIT_IO_OUT
    ) {
      const io =
        exit.reason === constants.KVM_EXIT_IO
          ? ` (port 0x${exit.ioPort!.toString(16)}, direction ${exit.ioDirection})`
          : '';
      const detail = exit.detail !== undefined ? `, detail 0x${exit.detail.toString(16)}` : '';
      throw guestError(
        'ERR_TINY_GUEST_EXIT',
        `the tiny guest exited with reason ${exit.reason}${io}${detail} at rip 0x${exit.rip.toString(16)}`,
      );
    }
    const tsc = ((exit.rdx & MASK32) << 32n) | (exit.rax & MASK32);
    const info = readPvclockConsistent(this.memory, PVCLOCK_AREA);
    return { tsc, kvmclockNs: kvmclockNs(info, tsc), flags: info.flags, version: info.version, hostNs };
  }

  /** The guest's memory, for a test that looks at it. */
  get guestMemory(): DataView {
    return this.memory;
  }

  /**
   * Closes the vCPU, the VM and /dev/kvm (the mappings go with their buffers). Idempotent.
   * @throws nothing.
   */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const fd of [this.vcpuFd, this.vmFd, this.kvmFd]) {
      try {
        closeFd(fd);
      } catch {
        // Already closed behind our back: nothing left to release.
      }
    }
  }
}
