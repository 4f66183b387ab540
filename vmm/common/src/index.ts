// @kvm-tod/vmm-common: what the project's two Linux-guest VMMs (@kvm-tod/vmm-linux on x86,
// @kvm-tod/vmm-s390-linux on s390x) share whatever the architecture: the vCPU thread and its
// stop/cont handshake with the main thread (where the state hook is called), the guest's
// console as lines, its clock lines and its leap across a pause. Not part of the library.
export { GuestLine, LineAssembler, PendingLine } from './guest-console';
export {
  CLOCK_SEEN,
  ClockSample,
  GuestLeap,
  LeapWindow,
  NEAREST_SAMPLES,
  firstMatch,
  guestLeap,
  parseClockLine,
} from './guest-output';
export {
  CMD,
  Command,
  DEVICE_BYTES,
  DEVICES_FAILED,
  ERROR,
  LEN,
  STATE,
  State,
  TID,
  VcpuThreadSetup,
  WORDS,
  WorkerMessage,
} from './vcpu-control';
export { VcpuThreadOptions, post, postLine, runVcpuThread } from './vcpu-thread';
export { STOP_TIMEOUT_MS, VcpuVm } from './vcpu-vm';
