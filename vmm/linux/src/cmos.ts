// The MC146818 real-time clock's registers at ports 0x70/0x71, read-only: the guest's
// kernel reads the wall-clock time once at boot, so its CLOCK_REALTIME starts at the host's
// (UTC). Registers it asks for beyond the clock read as 0.

function bcd(n: number): number {
  return ((Math.floor(n / 10) % 10) << 4) | (n % 10);
}

export class Cmos {
  /** The register the guest selected last (a migration carries it). */
  index = 0;

  constructor(private readonly now: () => Date = () => new Date()) {}

  write(offset: number, value: number): void {
    if (offset === 0) this.index = value & 0x7f; // bit 7 is the NMI mask
  }

  read(offset: number): number {
    if (offset === 0) return 0xff;
    const d = this.now();
    switch (this.index) {
      case 0x00:
        return bcd(d.getUTCSeconds());
      case 0x02:
        return bcd(d.getUTCMinutes());
      case 0x04:
        return bcd(d.getUTCHours());
      case 0x06:
        return d.getUTCDay() + 1;
      case 0x07:
        return bcd(d.getUTCDate());
      case 0x08:
        return bcd(d.getUTCMonth() + 1);
      case 0x09:
        return bcd(d.getUTCFullYear() % 100);
      case 0x32:
        return bcd(Math.floor(d.getUTCFullYear() / 100)); // century
      case 0x0a:
        return 0x26; // 32.768 kHz time base, no update in progress
      case 0x0b:
        return 0x02; // 24-hour, BCD
      case 0x0d:
        return 0x80; // battery good: time valid
      default:
        return 0;
    }
  }
}
