// What the x86 VMM's main thread gives its vCPU worker besides the shared words of
// @kvm-tod/vmm-common, and what a migration carries of the worker's devices.
import { PendingLine, VcpuThreadSetup } from '@kvm-tod/vmm-common';

/** What the worker is given at start (workerData), besides the shared words (VcpuVm adds them). */
export interface WorkerSetup extends Omit<VcpuThreadSetup, 'control' | 'devices'> {
  /** What the vCPU has been doing (vcpu-stats.ts): console bytes, exits by reason, the last exits. */
  stats: SharedArrayBuffer;
}

/** What the vCPU thread's devices hold that a migration must carry (vcpu-worker.ts). */
export interface DeviceState {
  serial: Record<string, number | boolean>;
  cmosIndex: number;
  /** A console line the guest had not finished, and when its first byte came. */
  console: PendingLine;
}
