import { getKvmClock, setKvmClock } from '../kvmclock';
import { ClockDevice } from './clock-device';

/** The x86 kvmclock of a KVM VM, in nanoseconds (KVM_GET_CLOCK / KVM_SET_CLOCK). */
export class KvmClockDevice implements ClockDevice<bigint> {
  constructor(readonly vmFd: number) {}

  read(): bigint {
    return getKvmClock(this.vmFd).clock;
  }

  write(value: bigint): void {
    setKvmClock(this.vmFd, value);
  }
}
