// A 16550A UART, enough for Linux's 8250 driver to find it (scratch, loopback and FIFO
// checks), print its console through it (polled), and drive /dev/console from user space
// (interrupt-driven: THR-empty raises the IRQ). Transmission is instant; nothing is ever
// received.

const IER_THRI = 0x02;
const LCR_DLAB = 0x80;
const MCR_LOOP = 0x10;
const LSR_THRE_TEMT = 0x60;
const IIR_NONE = 0x01;
const IIR_THRI = 0x02;
const IIR_FIFO = 0xc0;

export class Serial16550 {
  private ier = 0;
  private lcr = 0;
  private mcr = 0;
  private scr = 0;
  private dll = 0x0c;
  private dlm = 0;
  private fifo = false;
  private thrEmptyPending = false;
  private irqLevel = false;

  /**
   * @param transmit each byte the guest sends
   * @param setIrq the UART's interrupt line, called on each change
   */
  constructor(
    private readonly transmit: (byte: number) => void,
    private readonly setIrq: (level: boolean) => void,
  ) {}

  /** The registers, for a migration (saved on the source's vCPU thread). */
  snapshot(): Record<string, number | boolean> {
    const { ier, lcr, mcr, scr, dll, dlm, fifo, thrEmptyPending, irqLevel } = this;
    return { ier, lcr, mcr, scr, dll, dlm, fifo, thrEmptyPending, irqLevel };
  }

  /** Takes the registers a source's snapshot() gave, and drives the IRQ line to match. */
  restore(s: Record<string, number | boolean>): void {
    this.ier = Number(s.ier);
    this.lcr = Number(s.lcr);
    this.mcr = Number(s.mcr);
    this.scr = Number(s.scr);
    this.dll = Number(s.dll);
    this.dlm = Number(s.dlm);
    this.fifo = Boolean(s.fifo);
    this.thrEmptyPending = Boolean(s.thrEmptyPending);
    this.irqLevel = !s.irqLevel; // so that update() sets the line once, to the migrated level
    this.update();
  }

  read(offset: number): number {
    const dlab = (this.lcr & LCR_DLAB) !== 0;
    switch (offset) {
      case 0:
        return dlab ? this.dll : 0; // RBR: nothing received
      case 1:
        return dlab ? this.dlm : this.ier;
      case 2: {
        let iir = IIR_NONE;
        if (this.ier & IER_THRI && this.thrEmptyPending) {
          iir = IIR_THRI;
          this.thrEmptyPending = false; // reading IIR clears a THR-empty interrupt
          this.update();
        }
        return iir | (this.fifo ? IIR_FIFO : 0);
      }
      case 3:
        return this.lcr;
      case 4:
        return this.mcr;
      case 5:
        return LSR_THRE_TEMT;
      case 6:
        return this.modemStatus();
      default:
        return this.scr;
    }
  }

  write(offset: number, value: number): void {
    const dlab = (this.lcr & LCR_DLAB) !== 0;
    switch (offset) {
      case 0:
        if (dlab) {
          this.dll = value;
        } else {
          if (!(this.mcr & MCR_LOOP)) this.transmit(value);
          this.thrEmptyPending = true; // sent at once: the THR is empty again
          this.update();
        }
        return;
      case 1:
        if (dlab) {
          this.dlm = value;
        } else {
          const enabling = !(this.ier & IER_THRI) && value & IER_THRI;
          this.ier = value & 0x0f;
          if (enabling) this.thrEmptyPending = true;
          this.update();
        }
        return;
      case 2:
        this.fifo = (value & 0x01) !== 0;
        return;
      case 3:
        this.lcr = value;
        return;
      case 4:
        this.mcr = value & 0x1f;
        return;
      case 7:
        this.scr = value;
        return;
      default:
    }
  }

  // DCD, DSR and CTS asserted; in loopback mode the modem outputs feed the inputs, as the
  // driver's probe checks.
  private modemStatus(): number {
    if (!(this.mcr & MCR_LOOP)) return 0xb0;
    const m = this.mcr;
    return ((m & 0x02) << 3) | ((m & 0x01) << 5) | ((m & 0x04) << 4) | ((m & 0x08) << 4);
  }

  private update(): void {
    const level = (this.ier & IER_THRI) !== 0 && this.thrEmptyPending;
    if (level !== this.irqLevel) {
      this.irqLevel = level;
      this.setIrq(level);
    }
  }
}
