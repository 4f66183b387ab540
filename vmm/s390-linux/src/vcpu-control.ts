// What the s390x VMM's main thread gives its vCPU worker besides the shared words of
// @kvm-tod/vmm-common, and what a migration carries of the worker's devices.
import { PendingLine, VcpuThreadSetup } from '@kvm-tod/vmm-common';

/** What the worker is given at start (workerData), besides the shared words (VcpuVm adds them). */
export interface WorkerSetup extends Omit<VcpuThreadSetup, 'control' | 'devices'> {
  /** Guest memory: where the main thread mapped it, and its size. */
  memoryAddress: bigint;
  memorySize: number;
  /** Report every exit the VMM answers (a 'note' each), for debugging a boot. */
  trace?: boolean;
}

/** What the vCPU thread's devices hold that a migration must carry (vcpu-worker.ts). */
export interface DeviceState {
  /** The event masks the guest registered with the SCLP. */
  sclp: { guestReceives: number[]; guestSends: number[] };
  /** A console line the guest had not finished, and when its first byte came. */
  console: PendingLine;
}
