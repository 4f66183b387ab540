// The instructions KVM leaves to the VMM (an instruction intercept, KVM_EXIT_S390_SIEIC with
// icptcode 4) and what the VMM does about each: SERVC goes to the SCLP; DIAGNOSE 0x308
// subcode 6 ("store IPL information") answers that there is none, as the kernel's boot
// code asks; every other DIAGNOSE and privileged instruction that reaches user space gets the
// program interruption a machine without the function gives (specification for DIAGNOSE,
// operation otherwise), which the kernel's code expects and catches where it probes.
// Channel I/O never gets here: without KVM_CAP_S390_CSS_SUPPORT the kernel itself answers
// condition code 3 (not operational). Facts: Linux arch/s390/kvm/{priv,diag}.c,
// arch/s390/boot/ipl_parm.c, arch/s390/include/asm/ipl.h. Pure, for the unit tests.
import { PGM as SCLP_PGM, Sclp } from './sclp';

export const ICPT = {
  INSTRUCTION: 0x04,
  PROGRAM: 0x08,
  INSTRUCTION_PROGRAM: 0x0c,
  EXTERNAL_REQUEST: 0x10,
  EXTERNAL_INTERRUPT: 0x14,
  IO_REQUEST: 0x18,
  WAIT: 0x1c,
  VALIDITY: 0x20,
  STOP: 0x28,
  OPERATION_EXCEPTION: 0x2c,
} as const;

export const PGM = { OPERATION: 0x01, PRIVILEGED: 0x02, SPECIFICATION: 0x06 } as const;

/** DIAGNOSE 0x308's answer when there is no IPL information block (Linux DIAG308_RC_NOCONFIG). */
export const DIAG308_RC_NO_CONFIG = 0x0102n;
export const DIAG308_STORE = 6n;

/** PSW mask bits: the condition code (bits 18-19), the problem state (bit 15), wait (bit 14). */
const PSW_CC_SHIFT = 44n;
const PSW_CC = 3n << PSW_CC_SHIFT;
export const PSW_PROBLEM_STATE = 0x0001000000000000n;
export const PSW_WAIT = 0x0002000000000000n;

/** The vCPU as the handlers see it: registers and PSW as kvm_run holds them after the exit. */
export interface CpuState {
  gpr(n: number): bigint;
  setGpr(n: number, value: bigint): void;
  pswMask: bigint;
  prefix: number;
}

/** What the run loop does next. */
export type Action =
  | { kind: 'resume' }
  | { kind: 'program'; code: number; what: string }
  | { kind: 'service'; parm: number; console?: Uint8Array }
  | { kind: 'stop'; reason: string };

/** The condition code set in a PSW mask. */
export function withCc(mask: bigint, cc: number): bigint {
  return (mask & ~PSW_CC) | (BigInt(cc) << PSW_CC_SHIFT);
}

export function ccOf(mask: bigint): number {
  return Number((mask & PSW_CC) >> PSW_CC_SHIFT);
}

const hex = (n: number | bigint, width = 0): string => `0x${n.toString(16).padStart(width, '0')}`;

/** The instruction's text for logs: its opcode bytes as ipa and ipb hold them. */
export function describeInstruction(ipa: number, ipb: number): string {
  return `ipa ${hex(ipa, 4)} ipb ${hex(ipb >>> 0, 8)}`;
}

/** A DIAGNOSE (RS format: 83 r1 r3 b2 d2): its function code, base + displacement. */
export function diagnoseCode(ipa: number, ipb: number, cpu: CpuState): number {
  const b2 = (ipb >>> 28) & 0xf;
  const d2 = (ipb >>> 16) & 0xfff;
  return Number(((b2 ? cpu.gpr(b2) : 0n) + BigInt(d2)) & 0xffffn);
}

function diagnose(ipa: number, ipb: number, cpu: CpuState): Action {
  const code = diagnoseCode(ipa, ipb, cpu);
  const r1 = (ipa >> 4) & 0xf;
  const r3 = ipa & 0xf;
  if (code === 0x308) {
    const subcode = cpu.gpr(r3) & 0xffffn;
    if (subcode === DIAG308_STORE && r1 % 2 === 0) {
      cpu.setGpr(r1 + 1, DIAG308_RC_NO_CONFIG);
      return { kind: 'resume' };
    }
    return { kind: 'program', code: PGM.SPECIFICATION, what: `DIAGNOSE 0x308 subcode ${subcode}` };
  }
  return { kind: 'program', code: PGM.SPECIFICATION, what: `DIAGNOSE ${hex(code)}` };
}

function serviceCall(ipb: number, cpu: CpuState, sclp: Sclp, setMask: (mask: bigint) => void): Action {
  const r1 = (ipb >>> 20) & 0xf;
  const r2 = (ipb >>> 16) & 0xf;
  const command = Number(cpu.gpr(r1) & 0xffffffffn);
  const sccb = Number(cpu.gpr(r2) & 0xffffffffffffn);
  const result = sclp.serviceCall(command, sccb, cpu.prefix, (cpu.pswMask & PSW_PROBLEM_STATE) !== 0n);
  if (result.programInterrupt !== undefined) {
    const what = result.programInterrupt === SCLP_PGM.PRIVILEGED ? 'SERVC in the problem state' : 'SERVC';
    return { kind: 'program', code: result.programInterrupt, what: `${what} (SCCB ${hex(sccb)})` };
  }
  setMask(withCc(cpu.pswMask, result.cc));
  return result.serviceSignal !== undefined
    ? { kind: 'service', parm: result.serviceSignal, ...(result.console ? { console: result.console } : {}) }
    : { kind: 'resume' };
}

/**
 * An instruction intercept: what to do about the instruction `ipa`/`ipb` (the PSW already
 * points past it). `setMask` writes the PSW mask back (the condition code).
 */
export function instructionIntercept(
  ipa: number,
  ipb: number,
  cpu: CpuState,
  sclp: Sclp,
  setMask: (mask: bigint) => void,
): Action {
  if (ipa === 0xb220) return serviceCall(ipb, cpu, sclp, setMask);
  if (ipa >> 8 === 0x83) return diagnose(ipa, ipb, cpu);
  // SIGP orders KVM leaves to user space (start, restart, resets) only matter with more
  // than one vCPU; this VMM has one, and Linux on one CPU signals none of them to itself.
  if (ipa >> 8 === 0xae) return { kind: 'stop', reason: `SIGP left to user space (${describeInstruction(ipa, ipb)})` };
  return { kind: 'program', code: PGM.OPERATION, what: `instruction ${describeInstruction(ipa, ipb)}` };
}
