// The tiny x86 guest's VMM: the project's own user of kvm-tod (not part of its API).
export { GUEST_CODE, ENTRY, PVCLOCK_AREA, REPORT_PORT, MEMORY_SIZE } from './guest-code';
export {
  PvclockTimeInfo,
  PVCLOCK_GUEST_STOPPED,
  PVCLOCK_TSC_STABLE,
  kvmclockNs,
  readPvclock,
  readPvclockConsistent,
  scaleDelta,
} from './pvclock';
export { loadTinyVmm, tinyVmm, tinyVmmAddonPath, RawTinyVmm, RawExit } from './binding';
export { TinyVm, GuestReport } from './tiny-vm';
export { TinyVmm, TinyVmmOptions } from './run-loop';
export {
  GUEST_SCENARIOS,
  GuestScenarioId,
  GuestScenarioOptions,
  GuestObservation,
  observeGuestScenario,
} from './guest-observed';
