// The vCPU's thread: a worker that runs KVM_RUN in a loop and answers what KVM leaves to user
// space (the SCLP and its console, DIAGNOSE, the rest as program interruptions: intercepts.ts).
// It stops when the main thread asks (vcpu-control.ts): after KVM_RUN returns to it, so that
// whatever the main thread does next (hold the guest clock) happens while the vCPU is out of
// the guest.
import { parentPort, workerData } from 'worker_threads';
import { LineAssembler } from './console';
import { Action, CpuState, ICPT, instructionIntercept, PSW_WAIT } from './intercepts';
import { checkErrno, check, native } from './native';
import { Sclp, realToAbsolute } from './sclp';
import {
  CMD,
  Command,
  DEVICE_BYTES,
  DeviceState,
  LEN,
  STATE,
  State,
  TID,
  WorkerMessage,
  WorkerSetup,
} from './vcpu-control';

const EINTR = -4;
const EAGAIN = -11;
/** KVM_S390_INTERRUPT types (linux/kvm.h). */
const KVM_S390_PROGRAM_INT = 0xfffe0001;
const KVM_S390_INT_SERVICE = 0xffff2401;

const setup = workerData as WorkerSetup;
const vmm = native();
const control = new Int32Array(setup.control);
const L = vmm.runLayout;
const E = L.exits;
const runBuffer = check(vmm.mapRun(setup.kvmFd, setup.vcpuFd), setup.vcpuFd);
const run = new DataView(runBuffer);
const runBytes = new Uint8Array(runBuffer);
const memory = new Uint8Array(vmm.viewMemory(setup.memoryAddress, setup.memorySize));
const sclp = new Sclp(memory, setup.memorySize);

function post(message: WorkerMessage): void {
  parentPort!.postMessage(message);
}

// Console output goes to the main thread a line at a time (console.ts).
const lines = new LineAssembler((line) =>
  post({ type: 'output', text: line.text, startNs: line.startNs.toString(), endNs: line.endNs.toString() }),
);

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

// A migration's device state, through the shared devices buffer (vcpu-control.ts).
const deviceBytes = new Uint8Array(setup.devices);

function saveDevices(): void {
  const state: DeviceState = { sclp: sclp.state, console: lines.snapshot() };
  const bytes = Buffer.from(JSON.stringify(state));
  if (bytes.length > DEVICE_BYTES) throw new Error(`device state of ${bytes.length} bytes`);
  deviceBytes.set(bytes);
  Atomics.compareExchange(control, CMD, Command.Save, Command.Stop);
  Atomics.store(control, LEN, bytes.length);
  Atomics.notify(control, LEN);
}

function loadDevices(): void {
  const length = Atomics.load(control, LEN);
  const state = JSON.parse(Buffer.from(deviceBytes.subarray(0, length)).toString()) as DeviceState;
  sclp.state = state.sclp;
  lines.restore(state.console);
  Atomics.compareExchange(control, CMD, Command.Load, Command.Stop);
  Atomics.store(control, LEN, -1);
  Atomics.notify(control, LEN);
}

function setState(state: State): void {
  Atomics.store(control, STATE, state);
  Atomics.notify(control, STATE);
}

function loop(): string {
  for (;;) {
    const cmd = Atomics.load(control, CMD);
    if (cmd === Command.Quit) return 'quit';
    if (cmd === Command.Save) {
      saveDevices();
      continue;
    }
    if (cmd === Command.Load) {
      loadDevices();
      continue;
    }
    if (cmd === Command.Stop) {
      // Every exit was answered before its KVM_RUN returned here: kvm_run holds the whole
      // state (KVM reads the PSW and registers back from it at the next KVM_RUN).
      runBytes[L.immediateExit] = 0;
      setState(State.Stopped);
      Atomics.wait(control, CMD, Command.Stop);
      continue;
    }
    if (Atomics.load(control, STATE) !== State.Running) setState(State.Running);
    const r = vmm.run(setup.vcpuFd);
    if (r === EINTR || r === EAGAIN) {
      // A kick. Its immediate_exit is stale once the main thread wants us running again
      // (it re-kicks until we report stopped, so clearing it here loses no stop).
      if (Atomics.load(control, CMD) === Command.Run) runBytes[L.immediateExit] = 0;
      continue;
    }
    if (r < 0) checkErrno(r, 'KVM_RUN', setup.vcpuFd);
    const end = exitText(run.getUint32(L.exitReason));
    if (end !== undefined) return end;
  }
}

Atomics.store(control, TID, check(vmm.prepareVcpuThread(), setup.vcpuFd));
let reason: string;
try {
  reason = loop();
} catch (error) {
  reason = `vCPU thread failed: ${(error as Error).message}`;
}
lines.flush(process.hrtime.bigint());
post({ type: 'exit', reason });
setState(State.Exited);
