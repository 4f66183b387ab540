import { assertFd } from '../arg-errors';
import { KvmError } from '../errors';
import { kvmclockCtrl, readKvmClock, setKvmClock } from '../kvmclock';
import { clockFlags, scratch, scratchHalves } from '../native';
import { ClockDevice } from './clock-device';

const EINVAL = -22;

/** The x86 kvmclock of a KVM VM, in nanoseconds (KVM_GET_CLOCK / KVM_SET_CLOCK). */
export class KvmClockDevice implements ClockDevice<bigint> {
  /** Always `'kvmclock'`: its values travel in kvm-tod's kvmclock section. */
  readonly clockKind = 'kvmclock' as const;
  /** The VM's descriptor. */
  readonly vmFd: number;
  readonly #vcpuFds = new Set<number>();
  // The last value read, and the host realtime KVM paired with it where it offers one
  // (KVM_CLOCK_REALTIME): the kernel can then catch the clock up itself. Both are kept as
  // the addon's 32-bit halves, made bigints only when writeCaughtUp needs them: read() runs
  // at every hold, and keeping a new bigint in this (long-lived) object costs the garbage
  // collector's write barrier each time.
  #lastHasRealtime = false;
  readonly #last = new BigUint64Array(2); // [clock, realtime]
  readonly #lastHalves = new Uint32Array(this.#last.buffer);

  /**
   * No system call is made: a descriptor that is not open shows at the first read or write.
   * @param vmFd the VM's descriptor
   * @throws {TypeError} `ERR_INVALID_ARG_TYPE`: `vmFd` is not a number.
   * @throws {RangeError} `ERR_OUT_OF_RANGE`: `vmFd` is not an integer in 0..2^31-1.
   */
  constructor(vmFd: number) {
    this.vmFd = assertFd(vmFd, 'vmFd');
  }

  /** The vCPU descriptors told about pauses, in the order they were added. */
  get vcpus(): number[] {
    return [...this.#vcpuFds];
  }

  /**
   * The guest's kvmclock in ns (`getKvmClock`); remembers the host realtime KVM
   * paired with it, for {@link KvmClockDevice.writeCaughtUp}.
   * @throws {TypeError|RangeError} a bad descriptor.
   * @throws {KvmError} as `getKvmClock`: `ENOTTY`, `EBADF`, `EIO`.
   */
  read(): bigint {
    // getKvmClock's call, without the object it builds: only the clock is returned.
    const flags = readKvmClock(this.vmFd);
    const halves = this.#lastHalves;
    halves[0] = scratchHalves[0];
    halves[1] = scratchHalves[1];
    halves[2] = scratchHalves[2];
    halves[3] = scratchHalves[3];
    this.#lastHasRealtime = (flags & clockFlags.realtime) !== 0;
    return scratch[0];
  }

  /**
   * Sets the guest's kvmclock ({@link setKvmClock}).
   * @throws {TypeError|RangeError} a bad descriptor or value.
   * @throws {KvmError} as {@link setKvmClock}: `ENOTTY`, `EBADF`, `EINVAL`.
   */
  write(value: bigint): void {
    setKvmClock(this.vmFd, value);
  }

  /**
   * `value + ns`, never below 0.
   * @throws {TypeError} `value` or `ns` is not a bigint (mixing types).
   */
  advance(value: bigint, ns: bigint): bigint {
    const sum = value + ns;
    return sum < 0n ? 0n : sum;
  }

  /**
   * Writes `value` with the host realtime of the read that returned it
   * (KVM_CLOCK_REALTIME), so the kernel adds the wall time since; false, writing nothing,
   * where the last read was not `value` or carried no realtime.
   * @throws {KvmError} as {@link setKvmClock}.
   */
  writeCaughtUp(value: bigint): boolean {
    if (!this.#lastHasRealtime || this.#last[0] !== value) return false;
    setKvmClock(this.vmFd, value, { realtime: this.#last[1] });
    return true;
  }

  /**
   * Registers a vCPU descriptor to be told, on each resume, that its guest was paused
   * (no system call now; adding one twice keeps one).
   * @throws {TypeError} `ERR_INVALID_ARG_TYPE`: `vcpuFd` is not a number.
   * @throws {RangeError} `ERR_OUT_OF_RANGE`: `vcpuFd` is not an integer in 0..2^31-1.
   */
  addVcpu(vcpuFd: number): void {
    this.#vcpuFds.add(assertFd(vcpuFd, 'vcpuFd'));
  }

  /**
   * Stops telling a vCPU about pauses (before closing it, or at unplug); one never added
   * is ignored.
   * @throws {TypeError} `ERR_INVALID_ARG_TYPE`: `vcpuFd` is not a number.
   * @throws {RangeError} `ERR_OUT_OF_RANGE`: `vcpuFd` is not an integer in 0..2^31-1.
   */
  removeVcpu(vcpuFd: number): void {
    this.#vcpuFds.delete(assertFd(vcpuFd, 'vcpuFd'));
  }

  /**
   * KVMCLOCK_CTRL on every registered vCPU, so the guest's soft-lockup watchdog knows
   * it was paused. EINVAL (a guest that has not enabled kvmclock, or a vCPU that never
   * ran) is ignored, as QEMU does; other failures are collected and thrown together after every vCPU was tried.
   * @throws {KvmError} the one vCPU's failure.
   * @throws {AggregateError} the failures of several vCPUs, in `errors`.
   */
  resumed(): void {
    if (this.#vcpuFds.size === 0) return; // every resume of a VM without vCPUs told
    const errors: unknown[] = [];
    for (const fd of this.#vcpuFds) {
      try {
        kvmclockCtrl(fd);
      } catch (error) {
        if (!(error instanceof KvmError && error.errno === EINVAL)) errors.push(error);
      }
    }
    if (errors.length === 1) throw errors[0];
    if (errors.length > 1) throw new AggregateError(errors, `KVM_KVMCLOCK_CTRL failed on ${errors.length} vCPUs`);
  }
}
