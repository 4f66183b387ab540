// Where a direct boot puts the s390x kernel, its initramfs and its command line, and where
// the vCPU starts. The image (the 6.1 kernel's compressed "vmlinuz", arch/s390/boot) is
// loaded as is at absolute 0: its first 64 KiB hold the IPL PSW and the early lowcore, its
// entry point is at 0x10000 (the "S390EP" entry table follows at 0x10008), and its parameter
// area at 0x10400 is where a loader leaves the initrd's start and size (0x10408, 0x10410, 8
// bytes big-endian each) and the command line (0x10480, NUL-terminated, up to the size the
// image itself states at 0x10430). This is how the s390 box is IPLed by Hercules, and how a
// VMM IPLs a kernel without a boot loader. Pure, so the unit tests check it.

export const ENTRY = 0x10000;
export const ENTRY_MAGIC_AT = 0x10008;
export const ENTRY_MAGIC = 'S390EP';
export const PARMAREA = 0x10400;
export const INITRD_START_AT = PARMAREA + 0x08;
export const INITRD_SIZE_AT = PARMAREA + 0x10;
export const MAX_COMMAND_LINE_SIZE_AT = PARMAREA + 0x30;
export const COMMAND_LINE_AT = PARMAREA + 0x80;
/** What kernels older than the max_command_line_size field allowed (COMMAND_LINE_SIZE then). */
export const LEGACY_COMMAND_LINE_SIZE = 896;
/** Where the initrd goes: 32 MiB, as the box loads it (the kernel moves it if its own image grows past). */
export const INITRD_AT = 32 * 1024 * 1024;
/**
 * The initial PSW's mask: 64-bit addressing (EA + BA), DAT, I/O and external interrupts off.
 * The image's entry code runs in any addressing mode and sets up the rest itself.
 */
export const INITIAL_PSW_MASK = 0x0000000180000000n;

export interface BootInput {
  kernel: Uint8Array;
  initrd: Uint8Array;
  cmdline: string;
  memorySize: number;
}

export interface BootPlan {
  /** Bytes to copy into guest memory at absolute addresses, in order. */
  writes: { address: number; bytes: Uint8Array }[];
  psw: { mask: bigint; addr: bigint };
  initrd: { start: number; size: number };
  /** The most the kernel takes (NUL included), as the image says. */
  maxCommandLine: number;
}

function be64(value: number): Uint8Array {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigUint64(0, BigInt(value));
  return b;
}

/** The writes and the initial PSW of a direct boot; throws when the inputs cannot boot. */
export function planBoot(input: BootInput): BootPlan {
  const { kernel, initrd, cmdline, memorySize } = input;
  if (kernel.length < COMMAND_LINE_AT + 1)
    throw new Error(`the kernel image is ${kernel.length} bytes: too short for an s390 image`);
  const magic = Buffer.from(kernel.subarray(ENTRY_MAGIC_AT, ENTRY_MAGIC_AT + ENTRY_MAGIC.length)).toString('latin1');
  if (magic !== ENTRY_MAGIC)
    throw new Error(`not an s390 kernel image: no "${ENTRY_MAGIC}" at 0x${ENTRY_MAGIC_AT.toString(16)}`);
  const view = new DataView(kernel.buffer, kernel.byteOffset, kernel.byteLength);
  const stated = Number(view.getBigUint64(MAX_COMMAND_LINE_SIZE_AT));
  const maxCommandLine = stated > 0 ? stated : LEGACY_COMMAND_LINE_SIZE;
  const line = Buffer.from(`${cmdline}\0`, 'latin1');
  if (line.length > maxCommandLine)
    throw new Error(
      `the command line is ${line.length - 1} characters; this kernel takes at most ${maxCommandLine - 1}`,
    );
  const initrdAt = Math.max(INITRD_AT, Math.ceil(kernel.length / 0x100000) * 0x100000);
  if (kernel.length > memorySize || initrdAt + initrd.length > memorySize)
    throw new Error(
      `${memorySize} bytes of guest memory cannot hold the kernel (${kernel.length}) and the initrd ` +
        `(${initrd.length} at 0x${initrdAt.toString(16)})`,
    );
  return {
    writes: [
      { address: 0, bytes: kernel },
      { address: initrdAt, bytes: initrd },
      { address: INITRD_START_AT, bytes: be64(initrd.length ? initrdAt : 0) },
      { address: INITRD_SIZE_AT, bytes: be64(initrd.length) },
      { address: COMMAND_LINE_AT, bytes: line },
    ],
    psw: { mask: INITIAL_PSW_MASK, addr: BigInt(ENTRY) },
    initrd: { start: initrdAt, size: initrd.length },
    maxCommandLine,
  };
}
