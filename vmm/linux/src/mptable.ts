// An Intel MultiProcessor Specification 1.4 table: how a guest without ACPI learns of its
// CPUs, its IOAPIC and how the ISA interrupts reach it. KVM's default interrupt routing
// connects ISA IRQ n to IOAPIC pin n (and to PIC input n), so each IRQ is listed on its
// own pin; the local APIC's LINT0 takes the PIC (ExtINT) and LINT1 the NMI.

export const LAPIC_ADDRESS = 0xfee00000;
export const IOAPIC_ADDRESS = 0xfec00000;

function checksum(bytes: Uint8Array): number {
  let sum = 0;
  for (const b of bytes) sum = (sum + b) & 0xff;
  return (0x100 - sum) & 0xff;
}

/**
 * The floating pointer structure followed by the configuration table, for a guest with
 * `cpus` vCPUs (APIC ids 0..cpus-1), laid out to sit at guest-physical `address`.
 */
export function buildMpTable(address: number, cpus = 1): Uint8Array {
  const ioapicId = cpus;
  const entries: number[][] = [];
  for (let id = 0; id < cpus; id++) {
    // processor: type 0, APIC id, APIC version, flags (enabled, BSP), signature, features
    const e = [0, id, 0x14, id === 0 ? 3 : 1, 0x00, 0x06, 0x00, 0x00, 0x01, 0x02, 0, 0];
    entries.push([...e, 0, 0, 0, 0, 0, 0, 0, 0]);
  }
  entries.push([1, 0, ...Array.from('ISA   ', (c) => c.charCodeAt(0))]); // bus 0: ISA
  entries.push([2, ioapicId, 0x11, 1, ...le32(IOAPIC_ADDRESS)]); // IOAPIC, enabled
  for (let irq = 0; irq < 16; irq++) {
    entries.push([3, 0, 0, 0, 0, irq, ioapicId, irq]); // INT, bus default polarity/trigger
  }
  entries.push([4, 3, 0, 0, 0, 0, 0, 0]); // ExtINT -> LINT0 of every local APIC
  entries.push([4, 1, 0, 0, 0, 0, 0xff, 1]); // NMI -> LINT1 of every local APIC
  const body = entries.flat();
  const table = new Uint8Array(16 + 44 + body.length);
  const view = new DataView(table.buffer);
  // floating pointer
  table.set([0x5f, 0x4d, 0x50, 0x5f], 0); // "_MP_"
  view.setUint32(4, address + 16, true);
  table[8] = 1; // length in 16-byte units
  table[9] = 4; // spec revision 1.4
  table[10] = checksum(table.subarray(0, 16));
  // configuration table header
  const h = 16;
  table.set([0x50, 0x43, 0x4d, 0x50], h); // "PCMP"
  view.setUint16(h + 4, 44 + body.length, true);
  table[h + 6] = 4;
  table.set(
    Array.from('KVM-TOD ', (c) => c.charCodeAt(0)),
    h + 8,
  );
  table.set(
    Array.from('LINUX-VMM   ', (c) => c.charCodeAt(0)),
    h + 16,
  );
  view.setUint16(h + 34, entries.length, true);
  view.setUint32(h + 36, LAPIC_ADDRESS, true);
  table.set(body, h + 44);
  table[h + 7] = checksum(table.subarray(h));
  return table;
}

function le32(v: number): number[] {
  return [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff];
}
