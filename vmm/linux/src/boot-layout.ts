// Where everything goes in guest memory for the boot protocol's 32-bit entry, and what the
// vCPU's registers are at that entry. Pure: the VMM copies `writes` into guest memory and
// sets the registers; the unit tests check the layout without KVM.
//
// The 32-bit entry (boot.rst, "32-bit boot protocol"): the loader fills the zero page
// (struct boot_params) itself, since the kernel's real-mode setup code does not run; the
// vCPU starts in flat 32-bit protected mode without paging at code32_start with %esi
// pointing at the zero page. The kernel's decompressor builds its own page tables and GDT
// and enters long mode itself.
import { BzImage } from './bzimage';
import { buildMpTable } from './mptable';

export const GDT_ADDRESS = 0x500;
export const BOOT_PARAMS_ADDRESS = 0x7000;
export const CMDLINE_ADDRESS = 0x20000;
/** The MP table goes in the last KiB of base memory, where the kernel looks for it. */
export const MPTABLE_ADDRESS = 0x9fc00;
export const HIGH_MEMORY = 0x100000;

export const E820_RAM = 1;
export const E820_RESERVED = 2;

export interface E820Entry {
  address: number;
  size: number;
  type: number;
}

export interface BootPlan {
  /** Bytes to copy into guest memory, at guest-physical addresses. */
  writes: { address: number; bytes: Uint8Array; what: string }[];
  e820: E820Entry[];
  initrd: { address: number; size: number };
  /** The vCPU at entry: flat 32-bit protected mode (selectors as boot.rst asks). */
  sregs: Record<string, unknown>;
  regs: { rip: number; rsi: number; rflags: number };
}

export interface BootOptions {
  image: BzImage;
  initrd: Uint8Array;
  cmdline: string;
  /** Guest RAM in bytes, from guest-physical 0 up (one slot). */
  memorySize: number;
  cpus?: number;
}

// GDT entries: null, null, then __BOOT_CS (0x10) and __BOOT_DS (0x18), flat 4 GiB.
const FLAT_CODE = 0x00cf9b000000ffffn;
const FLAT_DATA = 0x00cf93000000ffffn;

/** Lays out the zero page, command line, MP table, GDT, kernel and initrd. */
export function planBoot(options: BootOptions): BootPlan {
  const { image, initrd, cmdline, memorySize, cpus = 1 } = options;
  const { header } = image;
  if (memorySize % 4096 !== 0 || memorySize < 64 << 20)
    throw new RangeError('memorySize must be a multiple of 4 KiB and at least 64 MiB');
  const cmdBytes = Buffer.from(`${cmdline}\0`, 'latin1');
  if (cmdBytes.length - 1 > header.cmdlineSize)
    throw new RangeError(`command line longer than the kernel's ${header.cmdlineSize} bytes`);
  const kernelEnd = header.code32Start + Math.max(image.kernel.length, header.initSize);
  // The initrd as high as the kernel allows, page-aligned, clear of the kernel.
  const initrdTop = Math.min(memorySize, header.initrdAddrMax + 1);
  const initrdAddress = Math.floor((initrdTop - initrd.length) / 4096) * 4096;
  if (initrdAddress < kernelEnd)
    throw new RangeError(`${memorySize} bytes of memory cannot hold the kernel and a ${initrd.length}-byte initrd`);

  const e820: E820Entry[] = [
    { address: 0, size: MPTABLE_ADDRESS, type: E820_RAM },
    { address: MPTABLE_ADDRESS, size: 0xa0000 - MPTABLE_ADDRESS, type: E820_RESERVED },
    { address: 0xf0000, size: 0x10000, type: E820_RESERVED },
    { address: HIGH_MEMORY, size: memorySize - HIGH_MEMORY, type: E820_RAM },
  ];

  const zero = new Uint8Array(4096);
  const zv = new DataView(zero.buffer);
  zero.set(image.headerBytes, 0x1f1);
  zv.setUint16(0x1fa, 0xffff, true); // vid_mode: "normal"
  zero[0x210] = 0xff; // type_of_loader: unregistered
  zero[0x211] = header.loadflags | 0x80; // CAN_USE_HEAP
  zv.setUint16(0x224, 0xfe00, true); // heap_end_ptr
  zv.setUint32(0x214, header.code32Start, true);
  zv.setUint32(0x218, initrdAddress, true); // ramdisk_image
  zv.setUint32(0x21c, initrd.length, true); // ramdisk_size
  zv.setUint32(0x228, CMDLINE_ADDRESS, true); // cmd_line_ptr
  zero[0x1e8] = e820.length; // e820_entries
  e820.forEach((entry, i) => {
    const at = 0x2d0 + i * 20;
    zv.setBigUint64(at, BigInt(entry.address), true);
    zv.setBigUint64(at + 8, BigInt(entry.size), true);
    zv.setUint32(at + 16, entry.type, true);
  });

  const gdt = new Uint8Array(32);
  const gv = new DataView(gdt.buffer);
  gv.setBigUint64(16, FLAT_CODE, true);
  gv.setBigUint64(24, FLAT_DATA, true);

  const flat = { base: 0, limit: 0xffffffff, present: 1, dpl: 0, db: 1, s: 1, l: 0, g: 1, avl: 0, unusable: 0 };
  const code = { ...flat, selector: 0x10, type: 0xb };
  const data = { ...flat, selector: 0x18, type: 0x3 };
  return {
    writes: [
      { address: GDT_ADDRESS, bytes: gdt, what: 'GDT' },
      { address: BOOT_PARAMS_ADDRESS, bytes: zero, what: 'zero page' },
      { address: CMDLINE_ADDRESS, bytes: cmdBytes, what: 'command line' },
      { address: MPTABLE_ADDRESS, bytes: buildMpTable(MPTABLE_ADDRESS, cpus), what: 'MP table' },
      { address: header.code32Start, bytes: image.kernel, what: 'kernel' },
      { address: initrdAddress, bytes: initrd, what: 'initrd' },
    ],
    e820,
    initrd: { address: initrdAddress, size: initrd.length },
    sregs: {
      cs: code,
      ds: data,
      es: data,
      fs: data,
      gs: data,
      ss: data,
      gdt: { base: GDT_ADDRESS, limit: gdt.length - 1 },
      cr0: 0x11, // PE, ET; caches on, no paging
      cr3: 0,
      cr4: 0,
      efer: 0,
    },
    regs: { rip: header.code32Start, rsi: BOOT_PARAMS_ADDRESS, rflags: 0x2 },
  };
}
