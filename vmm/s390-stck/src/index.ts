// A guest that testifies on s390: four instructions that store the guest's own TOD
// (STCK) and exit through a DIAG intercept, run under KVM_RUN in a VM made by kvm-tod.
// It is one of the project's own users of the library, not part of its API: it shows
// what the guest itself sees of a held (or not held) clock. Native half: native/stck.cc,
// built by node-gyp on an s390x host (build/Release/) or cross-compiled on x86_64 by
// scripts/build-s390x.sh (build/s390x/), which is how the s390 box gets it.
import * as fs from 'fs';
import * as path from 'path';
import { KvmError } from 'kvm-tod';

interface Failure {
  error: number;
  request: string;
}
interface Exit {
  exitReason: number;
  icptcode: number;
  ipa: number;
  ipb: number;
  pswAddr: bigint;
  tod: bigint;
}
interface Native {
  create(kvmFd: number, vmFd: number): Failure | { guest: object; vcpuFd: number };
  run(guest: object): Failure | Exit;
  close(guest: object): void;
  deviceAttr(vmFd: number, op: 'get' | 'set' | 'has', group: number, attr: number, data?: Uint8Array): number;
  exitS390Sieic: number;
}

/** S390_STCK_ADDON, else this package's native build, else its cross build (this file runs from dist/). */
function addonPath(): string {
  if (process.env.S390_STCK_ADDON) return process.env.S390_STCK_ADDON;
  const builds = ['Release', 's390x'].map((dir) => path.join(__dirname, '..', 'build', dir, 's390_stck.node'));
  return builds.find((file) => fs.existsSync(file)) ?? builds[0];
}
// eslint-disable-next-line @typescript-eslint/no-require-imports
const native = require(addonPath()) as Native;

/** The intercept a DIAG gives: instruction (4), opcode 0x83. */
const ICPT_INSTRUCTION = 4;
const DIAG_501_IPB = 0x05010000;

function check<T extends object>(result: Failure | T, fd: number): T {
  if ('error' in result)
    throw new KvmError(result.error, result.request.startsWith('mmap') ? 'mmap' : 'ioctl', {
      request: result.request,
      fd,
    });
  return result;
}

/** One vCPU running the STCK program in a VM of the caller's (who keeps and closes the VM). */
export class StckGuest {
  readonly vcpuFd: number;
  private guest: object | null;

  /** Memory slot, vCPU, kvm_run and initial PSW for the program, in the VM `vmFd`. */
  constructor(kvmFd: number, vmFd: number) {
    const made = check(native.create(kvmFd, vmFd), vmFd);
    this.guest = made.guest;
    this.vcpuFd = made.vcpuFd;
  }

  /**
   * KVM_RUN until the guest's DIAG: returns the TOD the guest stored just before it (the
   * 64-bit TOD clock, bits 0-63, as STCK gives it). Throws if the guest exited any other way.
   */
  readTod(): bigint {
    if (!this.guest) throw new Error('StckGuest is closed');
    const exit = check(native.run(this.guest), this.vcpuFd);
    if (
      exit.exitReason !== native.exitS390Sieic ||
      exit.icptcode !== ICPT_INSTRUCTION ||
      exit.ipa !== 0x8300 ||
      exit.ipb !== DIAG_501_IPB
    ) {
      throw new Error(
        `the guest exited unexpectedly: reason ${exit.exitReason}, icptcode ${exit.icptcode}, ` +
          `ipa 0x${exit.ipa.toString(16)}, ipb 0x${exit.ipb.toString(16)}, PSW at 0x${exit.pswAddr.toString(16)}`,
      );
    }
    return exit.tod;
  }

  /** Frees the vCPU, its kvm_run and the guest memory. */
  close(): void {
    if (this.guest) native.close(this.guest);
    this.guest = null;
  }
}

/**
 * The raw device-attribute ioctl on a VM, for what the library never asks on its own
 * (HAS of an attribute, SET HIGH alone): undefined when it worked, else the KvmError.
 */
export function rawDeviceAttr(
  vmFd: number,
  op: 'get' | 'set' | 'has',
  group: number,
  attr: number,
  data?: Uint8Array,
): KvmError | undefined {
  const r = native.deviceAttr(vmFd, op, group, attr, data);
  const request = { get: 'KVM_GET_DEVICE_ATTR', set: 'KVM_SET_DEVICE_ATTR', has: 'KVM_HAS_DEVICE_ATTR' }[op];
  return r < 0 ? new KvmError(r, 'ioctl', { request, fd: vmFd }) : undefined;
}
