import { getSystemErrorMap } from 'util';

// On Linux EOPNOTSUPP and ENOTSUP are one number (95); libuv names it ENOTSUP, but
// the kernel's KVM code and documentation say EOPNOTSUPP, so that is what users grep for.
const KERNEL_NAMES: ReadonlyMap<number, string> = new Map([[-95, 'EOPNOTSUPP']]);

/** The codes of {@link KvmErrorHint}, one per known cause a program may want to act on. */
export const HintCodes = {
  /**
   * s390x: `KVM_CREATE_VM` answered `EINVAL` (machine type 0) because the process has no
   * page-table extensions (PGSTE): `vm.allocate_pgste` was 0 when it started, and it was
   * not started through a launcher whose ELF header asks for them (`PT_S390_PGSTE`).
   */
  S390_PGSTE: 'KVM_TOD_S390_PGSTE',
} as const;

/** One of the values of {@link HintCodes}. */
export type HintCode = (typeof HintCodes)[keyof typeof HintCodes];

/** What the library knows of a failure beyond the errno: the likely reason and the fix. */
export interface KvmErrorHint {
  /** A stable token to test: one of {@link HintCodes}. */
  code: HintCode;
  /** The likely reason, in words. */
  reason: string;
  /** What to do, in words. */
  fix: string;
}

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
  /** The likely reason and the fix, where the library knows them (see {@link KvmError.hint}). */
  hint?: KvmErrorHint;
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
   * The likely reason and the fix, where the library knows them; the message ends with
   * both. Test `hint?.code` (one of {@link HintCodes}), never the message: e.g.
   * `'KVM_TOD_S390_PGSTE'` on the `EINVAL` of {@link createVm} on s390x.
   */
  readonly hint?: KvmErrorHint;

  /**
   * Builds the error the addon throws; a VMM or a test double may build one too. The
   * message names the call, the descriptor or path, the code and the errno's description,
   * then the hint's reason and fix when there is one.
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
    const hint = details.hint ? `. Likely reason: ${details.hint.reason}. Fix: ${details.hint.fix}` : '';
    super(`${what}${where} failed: ${how} (errno ${negative}): ${description}${hint}`);
    this.errno = negative;
    this.code = code;
    this.syscall = syscall;
    if (details.request !== undefined) this.request = details.request;
    if (details.fd !== undefined) this.fd = details.fd;
    if (details.attribute !== undefined) this.attribute = details.attribute;
    if (details.path !== undefined) this.path = details.path;
    if (details.hint !== undefined) this.hint = details.hint;
  }

  /** Always `'KvmError'`. */
  override get name(): string {
    return 'KvmError';
  }
}
