// The guest's side of kvmclock: what a Linux guest computes from the pvclock area
// (arch/x86's pvclock_clocksource_read), in bigint so that every bit is kept.

const MASK64 = (1n << 64n) - 1n;

/** PVCLOCK_TSC_STABLE_BIT: KVM promises the TSC is the same on every vCPU. */
export const PVCLOCK_TSC_STABLE = 0x01;
/** PVCLOCK_GUEST_STOPPED: the host paused the guest (KVMCLOCK_CTRL); the guest clears it. */
export const PVCLOCK_GUEST_STOPPED = 0x02;

/** struct pvclock_vcpu_time_info, 32 bytes, little-endian, as KVM writes it. */
export interface PvclockTimeInfo {
  /** Odd while KVM is writing the area; a reader retries until it is even and unchanged. */
  version: number;
  /** The guest TSC at which `systemTime` was true. */
  tscTimestamp: bigint;
  /** The guest's kvmclock (ns) at `tscTimestamp`. */
  systemTime: bigint;
  /** TSC ticks to ns: the ticks, shifted by `tscShift`, times this, over 2^32. */
  tscToSystemMul: number;
  /** Signed: left shift when positive, right shift when negative. */
  tscShift: number;
  /** PVCLOCK_* bits. */
  flags: number;
}

/** Size of the pvclock area. */
export const PVCLOCK_SIZE = 32;

/**
 * Decodes the area at `offset` of `memory`.
 * @throws {RangeError} the area does not fit in `memory`.
 */
export function readPvclock(memory: DataView, offset: number): PvclockTimeInfo {
  if (offset < 0 || offset + PVCLOCK_SIZE > memory.byteLength) {
    throw new RangeError(`pvclock area at ${offset} does not fit in ${memory.byteLength} bytes of guest memory`);
  }
  return {
    version: memory.getUint32(offset, true),
    tscTimestamp: memory.getBigUint64(offset + 8, true),
    systemTime: memory.getBigUint64(offset + 16, true),
    tscToSystemMul: memory.getUint32(offset + 24, true),
    tscShift: memory.getInt8(offset + 28),
    flags: memory.getUint8(offset + 29),
  };
}

/**
 * The area as a guest reads it: version even and the same before and after the copy.
 * A VMM reads it with the vCPU outside KVM_RUN, where KVM does not write, so one try
 * is enough; a torn read means KVM was interrupted mid-update and is an error here.
 * @throws {Error} code `ERR_PVCLOCK_TORN`: the version was odd or changed.
 * @throws {RangeError} the area does not fit in `memory`.
 */
export function readPvclockConsistent(memory: DataView, offset: number): PvclockTimeInfo {
  const info = readPvclock(memory, offset);
  const after = memory.getUint32(offset, true);
  if (info.version % 2 !== 0 || after !== info.version) {
    const error = new Error(`pvclock area is being written (version ${info.version}, then ${after})`);
    (error as Error & { code: string }).code = 'ERR_PVCLOCK_TORN';
    throw error;
  }
  return info;
}

/**
 * `delta` TSC ticks in ns, as pvclock_scale_delta does: shift, then a 64x32-bit
 * multiply keeping bits 32..95 of the product (a 32.32 fixed-point factor).
 */
export function scaleDelta(delta: bigint, mul: number, shift: number): bigint {
  let d = delta & MASK64;
  d = shift < 0 ? d >> BigInt(-shift) : (d << BigInt(shift)) & MASK64;
  return ((d * BigInt(mul >>> 0)) >> 32n) & MASK64;
}

/**
 * The guest's kvmclock (ns) at guest TSC `tsc`: system_time plus the scaled ticks since
 * tsc_timestamp, all modulo 2^64 as the guest's u64 arithmetic has it.
 */
export function kvmclockNs(info: PvclockTimeInfo, tsc: bigint): bigint {
  const delta = (tsc - info.tscTimestamp) & MASK64;
  return (info.systemTime + scaleDelta(delta, info.tscToSystemMul, info.tscShift)) & MASK64;
}
