import { getTod, setTod } from '../s390-tod';
import { Tod, todAddNs } from '../tod';
import { ClockDevice } from './clock-device';

/** The s390x guest TOD clock of a KVM VM (KVM_S390_VM_TOD, extended attribute first). */
export class S390TodDevice implements ClockDevice<Tod> {
  /**
   * @param vmFd the VM's descriptor; not checked until the first read or write.
   * @throws nothing.
   */
  constructor(readonly vmFd: number) {}

  /**
   * The guest TOD ({@link getTod}).
   * @throws {TypeError|RangeError} a bad descriptor.
   * @throws {KvmError} as {@link getTod}: `ENOTTY`, `EBADF`, `EOPNOTSUPP`.
   */
  read(): Tod {
    return getTod(this.vmFd);
  }

  /**
   * Sets the guest TOD ({@link setTod}).
   * @throws {TypeError|RangeError} a bad descriptor or Tod.
   * @throws {KvmError} as {@link setTod}: `EINVAL`, `EOPNOTSUPP`, `ENOTTY`, `EBADF`.
   */
  write(value: Tod): void {
    setTod(this.vmFd, value);
  }

  /**
   * `value` moved on by `ns` ({@link todAddNs}): the s390 kernel has no realtime-relative
   * set, so catch-up is computed here.
   * @throws {TypeError|RangeError} a bad Tod, or `ns` not a bigint.
   */
  advance(value: Tod, ns: bigint): Tod {
    return todAddNs(value, ns);
  }
}
