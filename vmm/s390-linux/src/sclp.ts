// The SCLP (service-call logical processor) as far as a Linux guest needs one: the guest
// issues SERVC with a command word and the real address of an SCCB (a control block in its
// memory); the SCLP answers in that block, and a service-signal external interrupt (its
// parameter the SCCB's address) tells the guest it is done. Commands served:
//   READ SCP INFO (and its "forced" form)  memory size, one CPU, no SCLP extras
//   WRITE EVENT MASK                       which event types each side sends and receives
//   WRITE EVENT DATA                       the console's output (VT220 messages)
//   READ EVENT DATA                        nothing pending, ever (the console has no input)
// Any other command is answered "invalid command", as a real SCLP does for one it lacks.
// Facts: Linux drivers/s390/char/sclp.h, sclp_early_core.c, sclp_vt220.c; kvm-unit-tests
// lib/s390x/sclp.c. Pure (guest memory is a byte array), so the unit tests drive it.

export const SCLP_CMDW_READ_CPU_INFO = 0x00010001;
export const SCLP_CMDW_READ_SCP_INFO = 0x00020001;
export const SCLP_CMDW_READ_STORAGE_INFO = 0x00040001;
export const SCLP_CMDW_READ_SCP_INFO_FORCED = 0x00120001;
export const SCLP_CMDW_READ_EVENT_DATA = 0x00770005;
export const SCLP_CMDW_WRITE_EVENT_DATA = 0x00760005;
export const SCLP_CMDW_WRITE_EVENT_MASK = 0x00780005;

/** Response codes (the SCCB header's response_code). */
export const RC = {
  READ_COMPLETION: 0x0010,
  COMPLETION: 0x0020,
  BOUNDARY_VIOLATION: 0x0100,
  INVALID_COMMAND: 0x01f0,
  INSUFFICIENT_LENGTH: 0x0300,
  INVALID_FUNCTION: 0x40f0,
  NO_EVENT_BUFFERS: 0x60f0,
  INCONSISTENT_LENGTHS: 0x72f0,
  INVALID_MASK_LENGTH: 0x74f0,
} as const;

/** Event types (an event type T is bit T-1, from the left, of an event mask). */
export const EVTYP = { OPCMD: 0x01, MSG: 0x02, STATECHANGE: 0x08, PMSGCMD: 0x09, VT220MSG: 0x1a } as const;

/** Program-interruption codes the VMM raises for a bad SERVC. */
export const PGM = { PRIVILEGED: 0x02, ADDRESSING: 0x05, SPECIFICATION: 0x06 } as const;

/**
 * What this SCLP receives from the guest (the console's VT220 messages, and line-mode
 * messages, which it takes and drops) and what it could send (VT220: it never does, but a
 * guest only makes a VT220 console of an SCLP that offers it). It offers no operator
 * commands, so the guest makes no line-mode console beside the VT220 one.
 */
export const SCLP_RECEIVES: number[] = [EVTYP.MSG, EVTYP.VT220MSG];
export const SCLP_SENDS = [EVTYP.VT220MSG];

const PAGE = 4096;
const HEADER = 8;
/** Offsets in READ SCP INFO's answer (Linux's struct read_info_sccb). */
const INFO = { rnmax: 8, rnsize: 10, ncpurl: 16, cpuoff: 18, loadparm: 24, cpus: 128, coreEntry: 16 } as const;
/** Offsets in WRITE EVENT MASK's SCCB (struct init_sccb): then four masks of mask_length bytes. */
const MASK = { length: 10, masks: 12, maxLength: 8 } as const;
/** An event buffer's header (struct evbuf_header): length (2), type, flags, 2 reserved. */
const EVBUF_HEADER = 6;
const EVBUF_PROCESSED = 0x80;

/** The masks the guest registered (WRITE EVENT MASK), as sets of event types. */
export interface SclpState {
  guestReceives: number[];
  guestSends: number[];
}

export interface ServiceCallResult {
  /** The condition code SERVC ends with (0: the command was accepted). */
  cc: number;
  /** A program interruption to raise instead (the SERVC is then suppressed). */
  programInterrupt?: number;
  /** The response code written into the SCCB. */
  responseCode?: number;
  /** The service-signal interrupt's parameter, when one is due (the SCCB's address). */
  serviceSignal?: number;
  /** Console output the guest wrote (VT220 bytes). */
  console?: Uint8Array;
}

/** Translation of a real address (what SERVC is given) to an absolute one: the prefix swap. */
export function realToAbsolute(real: number, prefix: number): number {
  if (real < 2 * PAGE) return real + prefix;
  if (real >= prefix && real < prefix + 2 * PAGE) return real - prefix;
  return real;
}

function maskToTypes(bytes: Uint8Array): number[] {
  const types: number[] = [];
  bytes.forEach((byte, i) => {
    for (let bit = 0; bit < 8; bit++) if (byte & (0x80 >> bit)) types.push(i * 8 + bit + 1);
  });
  return types;
}

function typesToMask(types: number[], length: number): Uint8Array {
  const bytes = new Uint8Array(length);
  for (const t of types) if (t >= 1 && t <= length * 8) bytes[(t - 1) >> 3] |= 0x80 >> ((t - 1) & 7);
  return bytes;
}

export class Sclp {
  state: SclpState = { guestReceives: [], guestSends: [] };

  /**
   * @param memory guest memory from absolute 0
   * @param memorySize the guest's memory, whole MiB (what READ SCP INFO reports)
   */
  constructor(
    private readonly memory: Uint8Array,
    private readonly memorySize: number,
  ) {}

  /**
   * One SERVC: `command` (the command word), `sccbReal` (the SCCB's real address), the vCPU's
   * `prefix` and whether it is in the problem state.
   */
  serviceCall(command: number, sccbReal: number, prefix: number, problemState = false): ServiceCallResult {
    if (problemState) return { cc: 0, programInterrupt: PGM.PRIVILEGED };
    // The SCCB: 8-byte aligned, below 2 GiB, in memory.
    if (sccbReal % 8 !== 0 || sccbReal >= 0x80000000) return { cc: 0, programInterrupt: PGM.SPECIFICATION };
    const at = realToAbsolute(sccbReal, prefix);
    if (at + HEADER > this.memory.length) return { cc: 0, programInterrupt: PGM.ADDRESSING };
    const header = new DataView(this.memory.buffer, this.memory.byteOffset + at, HEADER);
    const length = header.getUint16(0);
    const respond = (responseCode: number, console?: Uint8Array): ServiceCallResult => {
      header.setUint16(6, responseCode);
      return { cc: 0, responseCode, serviceSignal: sccbReal, ...(console ? { console } : {}) };
    };
    if (length < HEADER) return respond(RC.INSUFFICIENT_LENGTH);
    // Within its page, or (the extended-length SCCB of facility 140) page-aligned.
    if (((at % PAGE) + length > PAGE && at % PAGE !== 0) || at + length > this.memory.length)
      return respond(RC.BOUNDARY_VIOLATION);
    const sccb = new DataView(this.memory.buffer, this.memory.byteOffset + at, length);
    switch (command) {
      case SCLP_CMDW_READ_SCP_INFO:
      case SCLP_CMDW_READ_SCP_INFO_FORCED:
        return respond(this.readScpInfo(sccb));
      case SCLP_CMDW_WRITE_EVENT_MASK:
        return respond(this.writeEventMask(sccb));
      case SCLP_CMDW_WRITE_EVENT_DATA: {
        const out: number[] = [];
        const rc = this.writeEventData(sccb, out);
        return respond(rc, out.length ? Uint8Array.from(out) : undefined);
      }
      case SCLP_CMDW_READ_EVENT_DATA:
        return respond(RC.NO_EVENT_BUFFERS);
      default:
        return respond(RC.INVALID_COMMAND);
    }
  }

  private readScpInfo(sccb: DataView): number {
    const cpus = 1;
    if (sccb.byteLength < INFO.cpus + cpus * INFO.coreEntry) return RC.INSUFFICIENT_LENGTH;
    new Uint8Array(sccb.buffer, sccb.byteOffset + HEADER, sccb.byteLength - HEADER).fill(0);
    // Memory in increments of 1 MiB (rnsize 1), as many as the guest has (rnmax).
    const mib = Math.floor(this.memorySize / 0x100000);
    sccb.setUint16(INFO.rnmax, mib);
    sccb.setUint8(INFO.rnsize, 1);
    sccb.setUint16(INFO.ncpurl, cpus);
    sccb.setUint16(INFO.cpuoff, INFO.cpus);
    new Uint8Array(sccb.buffer, sccb.byteOffset + INFO.loadparm, 8).fill(0x40); // EBCDIC blanks
    // One core entry: core id 0 (the vCPU's address, as STAP stores it), type 0 (a CP).
    return RC.READ_COMPLETION;
  }

  private writeEventMask(sccb: DataView): number {
    if (sccb.byteLength < MASK.masks) return RC.INSUFFICIENT_LENGTH;
    const n = sccb.getUint16(MASK.length);
    if (n === 0 || n > MASK.maxLength) return RC.INVALID_MASK_LENGTH;
    if (sccb.byteLength < MASK.masks + 4 * n) return RC.INSUFFICIENT_LENGTH;
    const mask = (i: number): Uint8Array => new Uint8Array(sccb.buffer, sccb.byteOffset + MASK.masks + i * n, n);
    this.state = { guestReceives: maskToTypes(mask(0)), guestSends: maskToTypes(mask(1)) };
    mask(2).set(typesToMask(SCLP_RECEIVES, n));
    mask(3).set(typesToMask(SCLP_SENDS, n));
    return RC.COMPLETION;
  }

  // Each event buffer of a type this SCLP receives is taken (and marked processed); one of any
  // other type makes the whole call "invalid function", as a real SCLP answers it. That answer
  // matters: the kernel's sclp_sd (store data) waits, at boot and without end, for the reply
  // event to a request an SCLP said it took.
  private writeEventData(sccb: DataView, out: number[]): number {
    if (sccb.byteLength < HEADER + EVBUF_HEADER) return RC.INSUFFICIENT_LENGTH;
    let rc: number = RC.COMPLETION;
    for (let at = HEADER; at + EVBUF_HEADER <= sccb.byteLength;) {
      const length = sccb.getUint16(at);
      if (length < EVBUF_HEADER || at + length > sccb.byteLength) return RC.INCONSISTENT_LENGTHS;
      const type = sccb.getUint8(at + 2);
      if (SCLP_RECEIVES.includes(type)) {
        if (type === EVTYP.VT220MSG) for (let i = at + EVBUF_HEADER; i < at + length; i++) out.push(sccb.getUint8(i));
        sccb.setUint8(at + 3, sccb.getUint8(at + 3) | EVBUF_PROCESSED);
      } else {
        rc = RC.INVALID_FUNCTION;
      }
      at += length;
    }
    return rc;
  }
}
