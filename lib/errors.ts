import { getSystemErrorMap } from 'util';

// On Linux EOPNOTSUPP and ENOTSUP are one number (95); libuv names it ENOTSUP, but
// the kernel's KVM code and documentation say EOPNOTSUPP, so that is what users grep for.
const KERNEL_NAMES: ReadonlyMap<number, string> = new Map([[-95, 'EOPNOTSUPP']]);

/** Where a failed system call happened, as the addon reports it. */
export interface KvmErrorDetails {
  /** The ioctl's name, e.g. `'KVM_GET_DEVICE_ATTR'`. */
  request?: string;
  /** The descriptor the call was made on. */
  fd?: number;
  /** The device attribute, e.g. `'KVM_S390_VM_TOD_EXT'`. */
  attribute?: string;
  /** The path, for `open`. */
  path?: string;
}

/**
 * A failed system call on a KVM descriptor, shaped like Node's SystemError:
 * `errno` is negative (`-25` for ENOTTY), `code` is the errno's name and
 * `syscall` the call. `request` names the ioctl.
 */
export class KvmError extends Error {
  /** The negated errno, as in Node's own errors. */
  readonly errno: number;
  /** The errno's name: `'ENOTTY'`, `'ENXIO'`, ... */
  readonly code: string;
  /** `'ioctl'`, `'open'` or `'close'`. */
  readonly syscall: string;
  /** The ioctl's name, e.g. `'KVM_GET_DEVICE_ATTR'`; absent for `open` and `close`. */
  readonly request?: string;
  /** The descriptor the call was made on; absent for `open`. */
  readonly fd?: number;
  /** The device attribute, e.g. `'KVM_S390_VM_TOD_EXT'`, for the TOD calls. */
  readonly attribute?: string;
  /** The path, for `open`. */
  readonly path?: string;

  /**
   * Builds the error the addon throws; a VMM or a test double may build one too. The
   * message names the call, the descriptor or path, the code and the errno's description.
   * @param errno the errno, positive (as the C library has it) or negative (as Node has it)
   * @param syscall the failed call
   * @param details where it failed: the ioctl, descriptor, attribute or path
   * @throws nothing: an unknown errno gets the code `Unknown system error -N`.
   */
  constructor(errno: number, syscall: string, details: KvmErrorDetails = {}) {
    const negative = -Math.abs(errno);
    const [libuvCode, description] = getSystemErrorMap().get(negative) ?? [
      `Unknown system error ${negative}`,
      'unknown error',
    ];
    const code = KERNEL_NAMES.get(negative) ?? libuvCode;
    const what = [details.request ?? syscall, details.attribute].filter(Boolean).join(' ');
    const where =
      details.fd !== undefined ? ` on fd ${details.fd}` : details.path !== undefined ? ` '${details.path}'` : '';
    // "ioctl ENOTTY" says which call failed when `what` is an ioctl's name; for open
    // and close `what` is the call already.
    const how = what === syscall ? code : `${syscall} ${code}`;
    super(`${what}${where} failed: ${how} (errno ${negative}): ${description}`);
    this.errno = negative;
    this.code = code;
    this.syscall = syscall;
    if (details.request !== undefined) this.request = details.request;
    if (details.fd !== undefined) this.fd = details.fd;
    if (details.attribute !== undefined) this.attribute = details.attribute;
    if (details.path !== undefined) this.path = details.path;
  }

  /** Always `'KvmError'`. */
  override get name(): string {
    return 'KvmError';
  }
}
