// The Linux x86 boot protocol's setup header (Documentation/arch/x86/boot.rst): what the
// VMM needs to know about a bzImage before loading it.

/** The fields of a bzImage's setup header the loader uses. */
export interface SetupHeader {
  /** 512-byte sectors of real-mode setup code after the boot sector (0 means 4). */
  setupSects: number;
  /** Boot protocol version, e.g. 0x20f. */
  version: number;
  loadflags: number;
  /** Where the 32-bit entry expects the protected-mode kernel (0x100000). */
  code32Start: number;
  /** The highest address the initrd may end at. */
  initrdAddrMax: number;
  /** The longest command line, without its NUL. */
  cmdlineSize: number;
  relocatable: boolean;
  kernelAlignment: number;
  /** Memory the kernel needs from its load address on while it decompresses. */
  initSize: number;
  /** The setup header's end: 0x202 plus the jump's offset at 0x201. */
  headerEnd: number;
}

/** A bzImage split into its setup header and its protected-mode kernel. */
export interface BzImage {
  header: SetupHeader;
  /** The image's bytes 0x1f1..headerEnd: copied into the zero page as they are. */
  headerBytes: Uint8Array;
  /** The protected-mode kernel, loaded at code32Start. */
  kernel: Uint8Array;
}

const LOADED_HIGH = 0x01;

/**
 * Parses a bzImage. Throws a RangeError for anything that is not a protocol >= 2.06 image
 * loaded high (every x86_64 kernel since 2.6.22).
 */
export function parseBzImage(image: Uint8Array): BzImage {
  if (image.length < 0x1000) throw new RangeError(`not a bzImage: ${image.length} bytes`);
  const view = new DataView(image.buffer, image.byteOffset, image.byteLength);
  if (view.getUint16(0x1fe, true) !== 0xaa55) throw new RangeError('not a bzImage: no 0xAA55 boot flag at 0x1fe');
  if (view.getUint32(0x202, true) !== 0x53726448) throw new RangeError('not a bzImage: no "HdrS" at 0x202');
  const version = view.getUint16(0x206, true);
  if (version < 0x206) throw new RangeError(`boot protocol ${version.toString(16)} is older than 2.06`);
  const loadflags = image[0x211];
  if (!(loadflags & LOADED_HIGH)) throw new RangeError('a zImage (loaded low) is not supported');
  const setupSects = image[0x1f1] || 4;
  const headerEnd = 0x202 + image[0x201];
  const kernelStart = (setupSects + 1) * 512;
  if (kernelStart >= image.length) throw new RangeError('not a bzImage: the setup code fills the whole file');
  return {
    header: {
      setupSects,
      version,
      loadflags,
      code32Start: view.getUint32(0x214, true),
      initrdAddrMax: view.getUint32(0x22c, true),
      cmdlineSize: view.getUint32(0x238, true),
      relocatable: image[0x234] !== 0,
      kernelAlignment: view.getUint32(0x230, true),
      initSize: version >= 0x20a ? view.getUint32(0x260, true) : 0,
      headerEnd,
    },
    headerBytes: image.subarray(0x1f1, headerEnd),
    kernel: image.subarray(kernelStart),
  };
}
