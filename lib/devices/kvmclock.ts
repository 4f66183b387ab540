import { KvmError } from '../errors';
import { getKvmClock, kvmclockCtrl, setKvmClock } from '../kvmclock';
import { ClockDevice } from './clock-device';

const EINVAL = -22;

/** The x86 kvmclock of a KVM VM, in nanoseconds (KVM_GET_CLOCK / KVM_SET_CLOCK). */
export class KvmClockDevice implements ClockDevice<bigint> {
  private readonly vcpus = new Set<number>();
  // The host realtime KVM paired with the last value read, where it offers one
  // (KVM_CLOCK_REALTIME): the kernel can then catch the clock up itself.
  private lastRead: { clock: bigint; realtime?: bigint } | undefined;

  /**
   * @param vmFd the VM's descriptor; not checked until the first read or write.
   * @throws nothing.
   */
  constructor(readonly vmFd: number) {}

  /**
   * The guest's kvmclock in ns ({@link getKvmClock}); remembers the host realtime KVM
   * paired with it, for {@link KvmClockDevice.writeCaughtUp}.
   * @throws {TypeError|RangeError} a bad descriptor.
   * @throws {KvmError} as {@link getKvmClock}: `ENOTTY`, `EBADF`, `EIO`.
   */
  read(): bigint {
    const data = getKvmClock(this.vmFd);
    this.lastRead = { clock: data.clock, realtime: data.realtime };
    return data.clock;
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
    const realtime = this.lastRead !== undefined && this.lastRead.clock === value ? this.lastRead.realtime : undefined;
    if (realtime === undefined) return false;
    setKvmClock(this.vmFd, value, { realtime });
    return true;
  }

  /**
   * Registers a vCPU descriptor to be told, on each resume, that its guest was paused.
   * @throws nothing: the descriptor is used at the next resume.
   */
  addVcpu(vcpuFd: number): void {
    this.vcpus.add(vcpuFd);
  }

  /**
   * Stops telling a vCPU about pauses (before closing it).
   * @throws nothing.
   */
  removeVcpu(vcpuFd: number): void {
    this.vcpus.delete(vcpuFd);
  }

  /**
   * KVMCLOCK_CTRL on every registered vCPU, so the guest's soft-lockup watchdog knows
   * it was paused. EINVAL (a guest that has not enabled kvmclock) is ignored, as QEMU
   * does; other failures are collected and thrown together after every vCPU was tried.
   * @throws {KvmError} the one vCPU's failure.
   * @throws {AggregateError} the failures of several vCPUs, in `errors`.
   */
  resumed(): void {
    const errors: unknown[] = [];
    for (const fd of this.vcpus) {
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
