// The public surface of kvm-tod, and nothing else.
export { KvmError, KvmErrorDetails, KvmErrorHint, HintCodes, HintCode } from './errors';
export { constants } from './native';
export { openKvm, createVm, createVcpu, closeFd, checkExtension, getApiVersion } from './kvm';
export { getTod, setTod, hasTodAttribute, probeTodExtension, TodAttribute } from './s390-tod';
export { getKvmClock, setKvmClock, kvmclockCtrl, KvmClockData, SetKvmClockOptions } from './kvmclock';
export {
  Tod,
  assertTod,
  todToBigInt,
  todFromBigInt,
  todToUnixNs,
  todFromUnixNs,
  todToDate,
  todFromDate,
  todToIsoString,
  formatTod,
  todDiffNs,
  todAddNs,
  TOD_UNITS_PER_US,
  TOD_UNIX_EPOCH,
} from './tod';
export { hostTod, hostUnixNs } from './host-tod';
export { ClockDevice, ClockKind } from './devices/clock-device';
export { S390TodDevice } from './devices/s390-tod';
export { KvmClockDevice } from './devices/kvmclock';
export { SimulatedS390Tod, SimulatedS390TodOptions } from './devices/simulated-s390';
export { GuestClock, GuestClockOptions } from './guest-clock';
export { createGuestClock, createTodClock, createKvmClock, deviceFor } from './create-guest-clock';
export { clockKindFor } from './architectures';
export { probeHost, HostReport, HostCheck, HostCheckStatus, HostCheckError } from './host-report';
export { KvmTodWarning, WarningCodes, WarningCode, WarningSink } from './warnings';
export { Channels, HoldMessage, ReleaseMessage, FallbackMessage } from './diagnostics';
export {
  encodeTodSection,
  decodeTodSection,
  decodeMigrationSection,
  saveTodSection,
  loadTodSection,
  TodSectionError,
  MigrationSection,
  SaveTodSectionOptions,
} from './migration';
export {
  saveClockSection,
  loadClockSection,
  ClockValue,
  ClockSectionFormat,
  SaveClockSectionOptions,
} from './clock-section';
export { encodeKvmClockSection, decodeKvmClockSection, KvmClockSection } from './kvmclock-section';
export { ClockSectionError, ClockSectionErrorCode } from './section-errors';
export { ClockPolicy, ClockPolicyName, catchUpAfter } from './policy';
export { DEFAULT_MAX_DOWNTIME_NS } from './downtime';
