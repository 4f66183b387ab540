// The guest's console output cut into lines, each stamped with the host's monotonic clock
// when its first byte reached the VMM (a clock line's reading was taken just before) and
// when its last did. Pure, for the unit tests. The bytes come from whatever console the
// architecture has: a 16550 UART's transmit register (x86), the SCLP's VT220 messages (s390).

/** One line the guest wrote on its console, with the host's monotonic time at its first and last byte. */
export interface GuestLine {
  text: string;
  startNs: bigint;
  endNs: bigint;
}

/** A line half written, as a migration carries it (JSON), with its first byte's time. */
export interface PendingLine {
  pending: number[];
  startNs: string;
}

export class LineAssembler {
  private pending: number[] = [];
  private startNs = 0n;

  /** @param emit gets each whole line (without its CR LF) */
  constructor(private readonly emit: (line: GuestLine) => void) {}

  /** Bytes the guest wrote, received at host time `nowNs`. */
  push(bytes: Iterable<number>, nowNs: bigint): void {
    for (const byte of bytes) this.pushByte(byte, nowNs);
  }

  /** One byte the guest wrote, received at host time `nowNs`. */
  pushByte(byte: number, nowNs: bigint): void {
    if (byte === 0x0a) {
      this.emit({
        text: Buffer.from(this.pending).toString('latin1').replace(/\r+$/, ''),
        startNs: this.pending.length ? this.startNs : nowNs,
        endNs: nowNs,
      });
      this.pending = [];
    } else {
      if (this.pending.length === 0) this.startNs = nowNs;
      this.pending.push(byte);
    }
  }

  /** Ends a line the guest had not finished (when the vCPU thread ends). */
  flush(nowNs: bigint): void {
    if (this.pending.length) this.pushByte(0x0a, nowNs);
  }

  snapshot(): PendingLine {
    return { pending: this.pending.slice(), startNs: this.startNs.toString() };
  }

  restore(state: PendingLine): void {
    this.pending = state.pending.slice();
    this.startNs = BigInt(state.startNs);
  }
}
