// The vCPU's thread: a worker that runs KVM_RUN in a loop (@kvm-tod/vmm-common's
// runVcpuThread: it stops when the main thread asks, after KVM_RUN returned to it) and answers
// what KVM leaves to user space (the SCLP and its console, DIAGNOSE, the rest as program
// interruptions: intercepts.ts).
import { workerData } from 'worker_threads';
import { LineAssembler, VcpuThreadSetup, post, postLine, runVcpuThread } from '@kvm-tod/vmm-common';
import { Action, CpuState, ICPT, instructionIntercept, PSW_WAIT } from './intercepts';
import { checkErrno, check, native } from './native';
import { Sclp, realToAbsolute } from './sclp';
import { DeviceState, WorkerSetup } from './vcpu-control';

const EINTR = -4;
const EAGAIN = -11;
/** KVM_S390_INTERRUPT types (linux/kvm.h). */
const KVM_S390_PROGRAM_INT = 0xfffe0001;
const KVM_S390_INT_SERVICE = 0xffff2401;

const setup = workerData as WorkerSetup & VcpuThreadSetup;
const vmm = native();
const L = vmm.runLayout;
const E = L.exits;
const runBuffer = check(vmm.mapRun(setup.kvmFd, setup.vcpuFd), setup.vcpuFd);
const run = new DataView(runBuffer);
const runBytes = new Uint8Array(runBuffer);
const memory = new Uint8Array(vmm.viewMemory(setup.memoryAddress, setup.memorySize));
const sclp = new Sclp(memory, setup.memorySize);

// Console output goes to the main thread a line at a time (LineAssembler's stamps).
const lines = new LineAssembler(postLine);

// What the guest did that this VMM does not serve, once per kind (for whoever boots it).
const noted = new Map<string, number>();
function note(text: string): void {
  const n = (noted.get(text) ?? 0) + 1;
  noted.set(text, n);
  if (n === 1) post({ type: 'note', text });
}

// The registers as kvm_run holds them (big-endian: this runs on s390x). KVM keeps the
// general registers there, and reads the PSW back from there at the next KVM_RUN.
const cpu: CpuState = {
  gpr: (n) => run.getBigUint64(L.gprs + 8 * n),
  setGpr: (n, value) => run.setBigUint64(L.gprs + 8 * n, value),
  get pswMask() {
    return run.getBigUint64(L.pswMask);
  },
  set pswMask(mask: bigint) {
    run.setBigUint64(L.pswMask, mask);
  },
  get prefix() {
    return Number(run.getBigUint64(L.prefix));
  },
};

const hex = (n: number | bigint): string => `0x${n.toString(16)}`;

function psw(): string {
  return `PSW ${hex(run.getBigUint64(L.pswMask))} ${hex(run.getBigUint64(L.pswAddr))}`;
}

function act(action: Action): string | undefined {
  switch (action.kind) {
    case 'resume':
      return undefined;
    case 'program':
      note(`${action.what}: program interruption ${hex(action.code)}`);
      checkErrno(
        vmm.interrupt(setup.vcpuFd, KVM_S390_PROGRAM_INT, action.code, 0n),
        'KVM_S390_INTERRUPT',
        setup.vcpuFd,
      );
      return undefined;
    case 'service':
      if (action.console) lines.push(action.console, process.hrtime.bigint());
      checkErrno(vmm.interrupt(setup.vmFd, KVM_S390_INT_SERVICE, action.parm, 0n), 'KVM_S390_INTERRUPT', setup.vmFd);
      return undefined;
    case 'stop':
      return `${action.reason}, ${psw()}`;
  }
}

function sieIntercept(): string | undefined {
  const icptcode = run.getUint8(L.icptcode);
  const ipa = run.getUint16(L.ipa);
  const ipb = run.getUint32(L.ipb);
  if (setup.trace && ipa === 0xb220) {
    const sccb = Number(cpu.gpr((ipb >>> 16) & 0xf) & 0x7fffffffn);
    const command = hex(cpu.gpr((ipb >>> 20) & 0xf));
    const end = act(instructionIntercept(ipa, ipb, cpu, sclp, (mask) => (cpu.pswMask = mask)));
    const at = realToAbsolute(sccb, cpu.prefix);
    const header = new DataView(memory.buffer, at, 8);
    post({
      type: 'note',
      text:
        `trace ${process.hrtime.bigint()}: SERVC ${command} SCCB ${hex(sccb)} length ${header.getUint16(0)} ` +
        `response ${hex(header.getUint16(6))} ${psw()}`,
    });
    return end;
  }
  if (setup.trace)
    post({
      type: 'note',
      text: `trace ${process.hrtime.bigint()}: exit icptcode ${hex(icptcode)} ipa ${hex(ipa)} ipb ${hex(ipb)} ${psw()}`,
    });
  switch (icptcode) {
    case ICPT.INSTRUCTION:
      return act(
        instructionIntercept(ipa, ipb, cpu, sclp, (mask) => {
          cpu.pswMask = mask;
        }),
      );
    case ICPT.WAIT:
      // An enabled wait stays in the kernel; a disabled one (no interrupt can end it) is how
      // s390 Linux stops for good: after a panic, or when its boot code gives up.
      return (run.getBigUint64(L.pswMask) & PSW_WAIT) !== 0n ? `disabled wait, ${psw()}` : undefined;
    default:
      return `unhandled intercept code ${hex(icptcode)} (ipa ${hex(ipa)}, ipb ${hex(ipb)}), ${psw()}`;
  }
}

function exitText(reason: number): string | undefined {
  switch (reason) {
    case E.S390_SIEIC:
      return sieIntercept();
    case E.INTR:
      return undefined;
    case E.S390_RESET:
      return `the guest asked for a reset (flags ${hex(run.getBigUint64(L.resetFlags))}), ${psw()}`;
    case E.INTERNAL_ERROR:
      return `KVM internal error, suberror ${run.getUint32(L.internalSuberror)}`;
    default:
      return `unhandled exit reason ${reason}, ${psw()}`;
  }
}

runVcpuThread<DeviceState>({
  setup,
  tid: check(vmm.prepareVcpuThread(), setup.vcpuFd),
  enter: () => vmm.run(setup.vcpuFd),
  immediateExit(on) {
    runBytes[L.immediateExit] = on ? 1 : 0;
  },
  isKick: (r) => r === EINTR || r === EAGAIN,
  failed: (r) => void checkErrno(r, 'KVM_RUN', setup.vcpuFd),
  exit: () => exitText(run.getUint32(L.exitReason)),
  // Every exit was answered before its KVM_RUN returned here: kvm_run holds the whole state
  // (KVM reads the PSW and registers back from it at the next KVM_RUN), so a stop needs no
  // beforeStop.
  saveDevices: () => ({ sclp: sclp.state, console: lines.snapshot() }),
  loadDevices(state) {
    sclp.state = state.sclp;
    lines.restore(state.console);
  },
  ending: () => lines.flush(process.hrtime.bigint()),
});
