// The s390 kernel's TOD model (arch/s390/kvm/kvm-s390.c), in TypeScript: the
// guest TOD is the host TOD plus a per-VM epoch, and with the multiple-epoch
// facility (139) an epoch index that carries and borrows with it.
import { OptionNames, invalidArgType, optionsObject } from '../arg-errors';
import { KvmError } from '../errors';
import { hostTod as realHostTod } from '../host-tod';
import { Tod, assertTod, todAddNs } from '../tod';
import { ClockDevice } from './clock-device';

const MASK64 = (1n << 64n) - 1n;
const EINVAL = 22;
const EOPNOTSUPP = 95;

/** Options of {@link SimulatedS390Tod}. */
export interface SimulatedS390TodOptions {
  /** The host TOD; the real clock (see host-tod.ts) by default. */
  hostTod?: () => Tod;
  /** Facility 139, the multiple-epoch facility: on by default, as on current machines. */
  multipleEpoch?: boolean;
  /** A protected-virtualization guest: every read and write is EOPNOTSUPP. */
  protectedGuest?: boolean;
}

const OPTIONS: OptionNames<SimulatedS390TodOptions> = { hostTod: true, multipleEpoch: true, protectedGuest: true };

/**
 * A simulated s390 guest TOD, behaving as KVM does: the default device where there is
 * no KVM, and the fixture of the fast tests. Errors are the kernel's: a nonzero epoch
 * index without facility 139 is a KvmError EINVAL.
 */
export class SimulatedS390Tod implements ClockDevice<Tod> {
  /** Always `'tod'`: an s390 TOD, migrated in the TOD sections. */
  readonly clockKind = 'tod' as const;
  #epoch = 0n;
  #epochIdx = 0;
  readonly #hostTod: () => Tod;
  /** Facility 139 is installed: the epoch index can be set. */
  readonly multipleEpoch: boolean;
  /** Every read and write fails with EOPNOTSUPP, as for a Secure Execution guest. */
  readonly protectedGuest: boolean;

  /**
   * A new simulated VM, its guest TOD equal to the host TOD.
   * @throws {TypeError} `ERR_INVALID_ARG_TYPE`: `options` is not an object, `hostTod` not a
   *   function, `multipleEpoch` or `protectedGuest` not a boolean.
   * @throws {TypeError} `ERR_INVALID_ARG_VALUE`: `options` has a key that is not an option.
   */
  constructor(options: SimulatedS390TodOptions = {}) {
    const { hostTod = realHostTod, multipleEpoch = true, protectedGuest = false } = optionsObject(options, OPTIONS);
    if (typeof hostTod !== 'function')
      throw invalidArgType('The "options.hostTod" property must be a function', hostTod);
    for (const [name, value] of [
      ['multipleEpoch', multipleEpoch],
      ['protectedGuest', protectedGuest],
    ] as const) {
      if (typeof value !== 'boolean')
        throw invalidArgType(`The "options.${name}" property must be of type boolean`, value);
    }
    this.#hostTod = hostTod;
    this.multipleEpoch = multipleEpoch;
    this.protectedGuest = protectedGuest;
  }

  /**
   * The guest TOD: the host TOD plus the epoch, carrying into the epoch index.
   * @throws {KvmError} `EOPNOTSUPP` for a protected guest (`request: 'KVM_GET_DEVICE_ATTR'`).
   * @throws {TypeError|RangeError} `hostTod()` returned something that is not a Tod.
   */
  read(): Tod {
    this.#refuseIfProtected('KVM_GET_DEVICE_ATTR');
    const host = assertTod(this.#hostTod(), 'hostTod()');
    const low = (host.low + this.#epoch) & MASK64;
    if (!this.multipleEpoch) return { high: 0, low };
    const carry = low < host.low ? 1 : 0;
    return { high: (host.high + this.#epochIdx + carry) & 0xff, low };
  }

  /**
   * Sets the guest TOD: the epoch becomes `value` minus the host TOD.
   * @throws {TypeError|RangeError} `value` (or what `hostTod()` returned) is not a Tod.
   * @throws {KvmError} `EOPNOTSUPP` for a protected guest, `EINVAL` for a nonzero epoch
   *   index without facility 139 (`request: 'KVM_SET_DEVICE_ATTR'`).
   */
  write(value: Tod): void {
    const tod = assertTod(value);
    this.#refuseIfProtected('KVM_SET_DEVICE_ATTR');
    if (!this.multipleEpoch && tod.high !== 0) throw this.#kernelError(EINVAL, 'KVM_SET_DEVICE_ATTR');
    const host = assertTod(this.#hostTod(), 'hostTod()');
    this.#epoch = (tod.low - host.low) & MASK64;
    if (this.multipleEpoch) {
      const borrow = tod.low < host.low ? 1 : 0;
      this.#epochIdx = (tod.high - host.high - borrow) & 0xff;
    }
  }

  /**
   * `value` moved on by `ns` ({@link todAddNs}).
   * @throws {TypeError|RangeError} a bad Tod, or `ns` not a bigint.
   */
  advance(value: Tod, ns: bigint): Tod {
    return todAddNs(value, ns);
  }

  #refuseIfProtected(request: string): void {
    if (this.protectedGuest) throw this.#kernelError(EOPNOTSUPP, request);
  }

  #kernelError(errno: number, request: string): KvmError {
    return new KvmError(errno, 'ioctl', { request, attribute: 'KVM_S390_VM_TOD_EXT' });
  }
}
