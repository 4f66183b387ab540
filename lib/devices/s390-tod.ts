import { assertFd } from '../arg-errors';
import { getTod, setTod } from '../s390-tod';
import { Tod, todAddNs } from '../tod';
import { ClockDevice } from './clock-device';

/** The s390x guest TOD clock of a KVM VM (KVM_S390_VM_TOD, extended attribute first). */
export class S390TodDevice implements ClockDevice<Tod> {
  /** Always `'tod'`: its values travel in QEMU's todclock section or kvm-tod's extended one. */
  readonly clockKind = 'tod' as const;
  /** The VM's descriptor. */
  readonly vmFd: number;

  /**
   * No system call is made: a descriptor that is not open shows at the first read or write.
   * @param vmFd the VM's descriptor
   * @throws {TypeError} `ERR_INVALID_ARG_TYPE`: `vmFd` is not a number.
   * @throws {RangeError} `ERR_OUT_OF_RANGE`: `vmFd` is not an integer in 0..2^31-1.
   */
  constructor(vmFd: number) {
    this.vmFd = assertFd(vmFd, 'vmFd');
  }

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
