// The s390 TOD clock attribute group (KVM_S390_VM_TOD) on a VM descriptor.
import { invalidArgValue } from './arg-errors';
import { armCall, binding, callResult, constants, isFd, RawConstants, scratch } from './native';
import { Tod, assertTodObject, assertTodParts } from './tod';

/** The TOD attributes KVM_HAS_DEVICE_ATTR can be asked about. */
export type TodAttribute = 'low' | 'high' | 'ext';

// By name: the numbers come from the addon, which loads at the first call.
const ATTRIBUTES: Record<TodAttribute, keyof RawConstants> = {
  low: 'KVM_S390_VM_TOD_LOW',
  high: 'KVM_S390_VM_TOD_HIGH',
  ext: 'KVM_S390_VM_TOD_EXT',
};

/**
 * Reads the guest TOD: KVM_GET_DEVICE_ATTR of KVM_S390_VM_TOD_EXT, or, where the
 * kernel answers ENXIO (before Linux 4.15), of LOW then HIGH.
 * @throws {TypeError|RangeError} `vmFd` is not a descriptor number.
 * @throws {KvmError} `request: 'KVM_GET_DEVICE_ATTR'` with `attribute` set: `ENOTTY` on a
 *   non-s390 VM or a non-KVM descriptor, `EBADF`, `EOPNOTSUPP` for a protected guest.
 */
export function getTod(vmFd: number): Tod {
  const get = binding.getTod; // loads the addon before the block is armed
  if (!isFd(vmFd)) return { high: get(vmFd) as number, low: scratch[0] }; // throws the argument's error
  armCall(vmFd);
  get();
  return { high: callResult(), low: scratch[0] };
}

/**
 * Writes the guest TOD: KVM_SET_DEVICE_ATTR of KVM_S390_VM_TOD_EXT, or, where the kernel
 * answers ENXIO, of HIGH (which such kernels accept only as 0) then LOW, so that a refused
 * epoch index leaves the clock untouched.
 * @throws {TypeError|RangeError} a bad descriptor or Tod (see {@link assertTod}), before any ioctl.
 * @throws {KvmError} `request: 'KVM_SET_DEVICE_ATTR'`: `EINVAL` for a nonzero epoch index
 *   without the multiple-epoch facility, `EOPNOTSUPP` for a protected guest, `ENOTTY`, `EBADF`.
 */
export function setTod(vmFd: number, tod: Tod): void {
  assertTodObject(tod);
  const read = tod as { high: unknown; low: unknown };
  let { high, low } = read;
  // The checks of assertTod but one, on the properties read once (a getter must not answer
  // the check one value and the write another). The range of `low` is the addon's check,
  // which words its error as assertTod does: two bigint comparisons here would cost more
  // than the rest of the call. So that a bad Tod is still reported before a bad
  // descriptor, `low` is checked here when the addon refuses the call.
  if (typeof high !== 'number' || !Number.isInteger(high) || high < 0 || high > 255 || typeof low !== 'bigint') {
    ({ high, low } = assertTodParts(high, low)); // throws what assertTod throws
  }
  const set = binding.setTod; // loads the addon before the block is armed
  try {
    if (isFd(vmFd)) {
      armCall(vmFd, high as number);
      set(low as bigint);
    } else {
      set(vmFd, high as number, low as bigint); // throws the descriptor's error
    }
  } catch (error) {
    assertTodParts(high, low);
    throw error;
  }
}

/**
 * KVM_HAS_DEVICE_ATTR for a TOD attribute: true where the kernel has it, false where it
 * answers ENXIO. Kernels report only 'low' and 'high' here, even those that support 'ext':
 * use {@link probeTodExtension} for that.
 * @throws {TypeError|RangeError} a descriptor that is not an integer in 0..2^31-1
 *   (`ERR_INVALID_ARG_TYPE`, `ERR_OUT_OF_RANGE`), before any system call.
 * @throws {TypeError} `attribute` is not 'low', 'high' or 'ext'.
 * @throws {KvmError} `request: 'KVM_HAS_DEVICE_ATTR'`: `ENOTTY` on a non-s390 VM, `EBADF`.
 */
export function hasTodAttribute(vmFd: number, attribute: TodAttribute): boolean {
  if (typeof attribute !== 'string' || !Object.prototype.hasOwnProperty.call(ATTRIBUTES, attribute)) {
    throw invalidArgValue(`The "attribute" argument must be one of 'low', 'high', 'ext'`, attribute);
  }
  return binding.hasTodAttribute(vmFd, constants[ATTRIBUTES[attribute]]);
}

/**
 * Whether the extended TOD attribute works, learned by reading it (the only way: HAS
 * does not report it). False where the kernel answers ENXIO.
 * @throws {TypeError|RangeError} a descriptor that is not an integer in 0..2^31-1
 *   (`ERR_INVALID_ARG_TYPE`, `ERR_OUT_OF_RANGE`), before any system call.
 * @throws {KvmError} any other errno of the read: `ENOTTY`, `EBADF`, `EOPNOTSUPP`.
 */
export function probeTodExtension(vmFd: number): boolean {
  return binding.probeTodExtension(vmFd);
}
