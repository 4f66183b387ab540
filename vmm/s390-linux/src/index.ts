// @kvm-tod/vmm-s390-linux: a Node VMM for s390x that boots an s390x Linux guest on the real
// kvm.ko, and the scenarios that show what the guest sees of its clock across a stop, with
// and without kvm-tod.
export { S390Vm, S390VmOptions, CpuModelReport } from './s390-vm';
export { GuestSettings, commandLine, defaultSettings } from './settings';
export { guestFiles, GuestFiles } from './guest-files';
export { ComplaintKind, kernelComplaint } from './kernel-complaints';
export { ClockSample, GuestLeap, GuestLine, guestLeap, parseClockLine } from '@kvm-tod/vmm-common';
export {
  Calls,
  Hold,
  KernelComplaint,
  Phase,
  PauseRunOptions,
  PauseRunResult,
  PhaseResult,
  StopContOptions,
  StopContResult,
  runPauses,
  runStopCont,
  stallSettings,
} from './stop-cont';
export { MoveReport, moveGuest } from './migrate';
export { QemuScenariosOptions, QemuScenariosResult, ScenarioResult, runQemuScenarios } from './qemu-scenarios';
export { AnchorHow, AnchorPhase, AnchorResult, runQemuAnchor } from './qemu-anchor';
