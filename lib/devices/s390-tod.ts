import { getTod, setTod } from '../s390-tod';
import { Tod, todAddNs } from '../tod';
import { ClockDevice } from './clock-device';

/** The s390x guest TOD clock of a KVM VM (KVM_S390_VM_TOD, extended attribute first). */
export class S390TodDevice implements ClockDevice<Tod> {
  constructor(readonly vmFd: number) {}

  read(): Tod {
    return getTod(this.vmFd);
  }

  write(value: Tod): void {
    setTod(this.vmFd, value);
  }

  /** The s390 kernel has no realtime-relative set: catch-up is computed here. */
  advance(value: Tod, ns: bigint): Tod {
    return todAddNs(value, ns);
  }
}
