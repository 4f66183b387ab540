// The guest's console output (the bytes of its VT220 messages) cut into lines, each stamped
// with the host's monotonic clock when its first byte reached the VMM (a clock line's
// reading was taken just before) and when its last did. Pure, for the unit tests.

/** One line the guest wrote on its console, with the host's monotonic time at its first and last byte. */
export interface GuestLine {
  text: string;
  startNs: bigint;
  endNs: bigint;
}

export class LineAssembler {
  private pending: number[] = [];
  private startNs = 0n;

  /** @param emit gets each whole line (without its CR LF) */
  constructor(private readonly emit: (line: GuestLine) => void) {}

  /** Bytes of one VT220 message, received at host time `nowNs`. */
  push(bytes: Uint8Array, nowNs: bigint): void {
    for (const byte of bytes) {
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
  }

  /** Ends a line the guest had not finished (when the vCPU thread ends). */
  flush(nowNs: bigint): void {
    if (this.pending.length) this.push(Uint8Array.of(0x0a), nowNs);
  }

  /** A line half written, for a migration to carry (and its first byte's time). */
  snapshot(): { pending: number[]; startNs: string } {
    return { pending: this.pending.slice(), startNs: this.startNs.toString() };
  }

  restore(state: { pending: number[]; startNs: string }): void {
    this.pending = state.pending.slice();
    this.startNs = BigInt(state.startNs);
  }
}
