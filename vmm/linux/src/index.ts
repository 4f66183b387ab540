// A Linux guest under a VMM written in Node: the project's own user of kvm-tod on x86 (not
// part of the library). What the CLI's `demo --guest linux` and the tests use.
export { guestFiles, GuestFiles } from './guest-files';
export {
  runStopCont,
  commandLine,
  defaultSettings,
  Hold,
  GuestSettings,
  StopContOptions,
  StopContResult,
  KernelComplaint,
  ALIVE_MS,
} from './stop-cont';
export { runQemuScenarios, QemuScenariosOptions, QemuScenariosResult, ScenarioResult, Calls } from './qemu-scenarios';
export { LinuxVm, LinuxVmOptions } from './linux-vm';
export { kernelComplaint, aboutPause, ComplaintKind } from './kernel-complaints';
export { GuestLine, ClockSample, parseClockLine, guestLeap } from '@kvm-tod/vmm-common';
