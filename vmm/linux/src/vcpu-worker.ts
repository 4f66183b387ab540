// The vCPU's thread: a worker that runs KVM_RUN in a loop (@kvm-tod/vmm-common's
// runVcpuThread: it stops when the main thread asks, after KVM_RUN returned to it) and is the
// VM's I/O bus (the serial port, the CMOS clock, the keyboard controller's reset line).
import { workerData } from 'worker_threads';
import { LineAssembler, VcpuThreadSetup, postLine, runVcpuThread } from '@kvm-tod/vmm-common';
import { Cmos } from './cmos';
import { vmm } from './native';
import { Serial16550 } from './serial';
import { ioDetail, recordExit, recordOutput } from './vcpu-stats';
import { DeviceState, WorkerSetup } from './vcpu-control';

const EINTR = -4;
const COM1 = 0x3f8;
const COM1_IRQ = 4;

const setup = workerData as WorkerSetup & VcpuThreadSetup;
const L = vmm.runLayout;
const runBuffer = vmm.mapRun(setup.kvmFd, setup.vcpuFd);
const run = new DataView(runBuffer);
const runBytes = new Uint8Array(runBuffer);
const stats = new Int32Array(setup.stats);

// Console output goes to the main thread a line at a time (LineAssembler's stamps).
const lines = new LineAssembler(postLine);
function transmit(byte: number): void {
  recordOutput(stats);
  lines.pushByte(byte, process.hrtime.bigint());
}

const serial = new Serial16550(transmit, (level) => vmm.irqLine(setup.vmFd, COM1_IRQ, level ? 1 : 0));
const cmos = new Cmos();
let shutdown: string | undefined;

function portIn(port: number): number {
  if (port >= COM1 && port < COM1 + 8) return serial.read(port - COM1);
  if (port === 0x70 || port === 0x71) return cmos.read(port - 0x70);
  return 0xff; // nothing there
}

function portOut(port: number, value: number): void {
  if (port >= COM1 && port < COM1 + 8) serial.write(port - COM1, value);
  else if (port === 0x70 || port === 0x71) cmos.write(port - 0x70, value);
  else if (port === 0x64 && value === 0xfe) shutdown = 'reset (keyboard controller)';
}

function handleIo(): void {
  const size = run.getUint8(L.ioSize);
  const port = run.getUint16(L.ioPort, true);
  const count = run.getUint32(L.ioCount, true);
  const at = Number(run.getBigUint64(L.ioDataOffset, true));
  const out = run.getUint8(L.ioDirection) === L.IO_OUT;
  for (let i = 0; i < count; i++) {
    const p = at + i * size;
    if (out) {
      portOut(port, size === 1 ? runBytes[p] : size === 2 ? run.getUint16(p, true) : run.getUint32(p, true));
    } else {
      const v = portIn(port);
      if (size === 1) runBytes[p] = v;
      else if (size === 2) run.setUint16(p, v === 0xff ? 0xffff : v, true);
      else run.setUint32(p, v === 0xff ? 0xffffffff : v, true);
    }
  }
}

function handleMmio(): void {
  // No device lives in MMIO space outside the in-kernel APICs: reads see 0, writes vanish.
  if (!run.getUint8(L.mmioIsWrite)) runBytes.fill(0, L.mmioData, L.mmioData + 8);
}

/** Counts the exit for the silence watchdog (vcpu-stats.ts), with its port or address. */
function countExit(reason: number): void {
  const E = L.exits;
  let detail = 0;
  if (reason === E.IO)
    detail = ioDetail(run.getUint16(L.ioPort, true), run.getUint8(L.ioDirection) === L.IO_OUT, run.getUint8(L.ioSize));
  else if (reason === E.MMIO) detail = Number(run.getBigUint64(L.mmioPhysAddr, true) & 0xffffffffn);
  recordExit(stats, reason, detail);
}

function exitText(reason: number): string | undefined {
  const E = L.exits;
  countExit(reason);
  switch (reason) {
    case E.IO:
      handleIo();
      return shutdown;
    case E.MMIO:
      handleMmio();
      return undefined;
    case E.HLT:
      return 'halted';
    case E.SHUTDOWN:
      return 'shutdown (triple fault or reset)';
    case E.SYSTEM_EVENT:
      return `system event ${run.getUint32(L.systemEventType, true)}`;
    case E.FAIL_ENTRY:
      return `entry failed, reason 0x${run.getBigUint64(L.failEntryReason, true).toString(16)}`;
    case E.INTERNAL_ERROR:
      return `KVM internal error, suberror ${run.getUint32(L.internalSuberror, true)}`;
    case E.INTR:
      return undefined;
    default:
      return `unhandled exit reason ${reason}`;
  }
}

// After an I/O or MMIO exit, KVM finishes the instruction (the value of an IN, the
// instruction pointer) only at the next KVM_RUN: one with immediate_exit set does just that
// and returns EINTR, so that the registers read at a stop are whole (what the KVM API asks
// of a VMM before it saves a vCPU's state).
let exitPending = false;
function completePendingExit(): string | undefined {
  while (exitPending) {
    runBytes[L.immediateExit] = 1;
    const r = vmm.run(setup.vcpuFd);
    if (r === EINTR || r < 0) {
      exitPending = false;
      break;
    }
    const end = exitText(run.getUint32(L.exitReason, true));
    if (end !== undefined) return end;
  }
  return undefined;
}

runVcpuThread<DeviceState>({
  setup,
  tid: vmm.prepareVcpuThread(),
  enter() {
    const r = vmm.run(setup.vcpuFd);
    exitPending = r >= 0;
    return r;
  },
  immediateExit(on) {
    runBytes[L.immediateExit] = on ? 1 : 0;
  },
  isKick: (r) => r === EINTR,
  // Any other failure of KVM_RUN: run again; a vCPU that cannot run shows as silence (the
  // watchdog ends the run with where it is).
  failed() {},
  exit: () => exitText(run.getUint32(L.exitReason, true)),
  beforeStop: completePendingExit,
  saveDevices: () => ({ serial: serial.snapshot(), cmosIndex: cmos.index, console: lines.snapshot() }),
  loadDevices(state) {
    serial.restore(state.serial);
    cmos.index = state.cmosIndex;
    lines.restore(state.console);
  },
  ending: () => lines.flush(process.hrtime.bigint()),
});
