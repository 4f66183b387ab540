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

  constructor(readonly vmFd: number) {}

  read(): bigint {
    const data = getKvmClock(this.vmFd);
    this.lastRead = { clock: data.clock, realtime: data.realtime };
    return data.clock;
  }

  write(value: bigint): void {
    setKvmClock(this.vmFd, value);
  }

  advance(value: bigint, ns: bigint): bigint {
    const sum = value + ns;
    return sum < 0n ? 0n : sum;
  }

  writeCaughtUp(value: bigint): boolean {
    const realtime = this.lastRead?.clock === value ? this.lastRead.realtime : undefined;
    if (realtime === undefined) return false;
    setKvmClock(this.vmFd, value, { realtime });
    return true;
  }

  /** Registers a vCPU descriptor to be told, on each resume, that its guest was paused. */
  addVcpu(vcpuFd: number): void {
    this.vcpus.add(vcpuFd);
  }

  removeVcpu(vcpuFd: number): void {
    this.vcpus.delete(vcpuFd);
  }

  /**
   * KVMCLOCK_CTRL on every registered vCPU, so the guest's soft-lockup watchdog knows
   * it was paused. EINVAL (a guest that has not enabled kvmclock) is ignored, as QEMU
   * does; other failures are collected and thrown together after every vCPU was tried.
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
