// An s390x Linux guest on one vCPU, the way a VMM written in Node runs one: the VM is set up
// here (main thread), the vCPU runs on its own worker thread (vcpu-worker.ts), and stop() and
// cont() from the main thread stop it and let it go. The VMM's state hook (GuestClock's
// vmStateChanged, or nothing) is called where a real VMM calls it: after the vCPU has left
// KVM_RUN at a stop, before it enters KVM_RUN again at a cont.
import { EventEmitter } from 'events';
import * as fs from 'fs';
import * as path from 'path';
import { Worker } from 'worker_threads';
import { closeFd, createVcpu, createVm, openKvm } from 'kvm-tod';
import { planBoot } from './boot-layout';
import { GuestLine } from './console';
import {
  CPU_PROCESSOR_SIZE,
  FACILITY_TOPOLOGY,
  KVM_S390_VM_CPU_MODEL,
  KVM_S390_VM_CPU_PROCESSOR,
  clearFacility,
  facilities,
  hasFacility,
} from './cpu-model';
import { check, checkErrno, native } from './native';
import { CMD, Command, DEVICE_BYTES, LEN, STATE, State, TID, WORDS, WorkerMessage, WorkerSetup } from './vcpu-control';

export { GuestLine } from './console';

export interface S390VmOptions {
  kernel: string;
  initrd: string;
  cmdline: string;
  /** Guest memory, MiB; 256 by default. */
  memoryMiB?: number;
  /**
   * The VMM's state hook, called with false right after the vCPU stopped and with true right
   * before it runs again (GuestClock.prototype.vmStateChanged, bound); none by default.
   */
  stateHook?: (running: boolean) => void;
  /**
   * A VM that waits for a guest to come in (a migration's destination): memory and vCPU, no
   * kernel loaded, no initial PSW.
   */
  incoming?: boolean;
  /** Report every exit the VMM answers as a 'note' (debugging a boot). */
  trace?: boolean;
}

/** What the VMM did to the CPU model, for the report. */
export interface CpuModelReport {
  /** Whether KVM's default model offered facility 11 (topology) before the VMM took it out. */
  topologyOffered: boolean;
  /** The facilities of the model the guest was given (STFLE bits). */
  facilities: number[];
}

const KVM_DEV_TYPE_FLIC = 6;
const KVM_DEV_FLIC_GET_ALL_IRQS = 1;

/** How long stop() waits for the vCPU thread to leave the guest before it gives up. */
const STOP_TIMEOUT_MS = 30_000;
/** How long a new vCPU thread may take to start (a worker's Node on the box's emulated CPU, under load). */
const START_TIMEOUT_MS = 180_000;

export class S390Vm extends EventEmitter {
  readonly kvmFd: number;
  readonly vmFd: number;
  readonly vcpuFd: number;
  /** The VM's floating-interrupt controller (KVM_DEV_TYPE_FLIC). */
  readonly flicFd: number;
  readonly memorySize: number;
  /** Everything the guest printed, in order. */
  readonly lines: GuestLine[] = [];
  /** What the vCPU thread reported it does not serve (once per kind). */
  readonly notes: string[] = [];
  /** Guest memory from absolute 0 (one slot). */
  readonly memory: Uint8Array;
  readonly cpuModel: CpuModelReport;
  /** This thread's view of the vCPU's kvm_run (the worker has its own). */
  readonly run: DataView;
  private readonly runBytes: Uint8Array;
  private readonly control: Int32Array<SharedArrayBuffer> = new Int32Array(new SharedArrayBuffer(WORDS * 4));
  private readonly devices = new Uint8Array(new SharedArrayBuffer(DEVICE_BYTES));
  private readonly worker: Worker;
  /** The VMM's state hook (see S390VmOptions.stateHook); may be set before start(). */
  stateHook: (running: boolean) => void;
  private exitReason: string | undefined;
  private closed = false;
  private started = false;

  /** Sets the VM up (CPU model, memory, boot layout, vCPU, initial PSW) and its vCPU thread. */
  constructor(options: S390VmOptions) {
    super();
    const vmm = native();
    this.stateHook = options.stateHook ?? (() => {});
    this.memorySize = (options.memoryMiB ?? 256) * 0x100000;
    const plan = options.incoming
      ? undefined
      : planBoot({
          kernel: fs.readFileSync(options.kernel),
          initrd: fs.readFileSync(options.initrd),
          cmdline: options.cmdline,
          memorySize: this.memorySize,
        });

    this.kvmFd = openKvm();
    this.vmFd = createVm(this.kvmFd);
    this.cpuModel = this.withoutTopology();
    const mapped = check(vmm.mapMemory(this.vmFd, 0, this.memorySize), this.vmFd);
    this.memory = new Uint8Array(mapped.buffer);
    for (const w of plan?.writes ?? []) this.memory.set(w.bytes, w.address);

    // The floating-interrupt controller, as QEMU makes one: its list of pending floating
    // interrupts (the service signal) is what a migration carries, and what a debugger reads.
    this.flicFd = check(vmm.createDevice(this.vmFd, KVM_DEV_TYPE_FLIC), this.vmFd);
    this.vcpuFd = createVcpu(this.vmFd, 0);
    checkErrno(vmm.reset(this.vcpuFd, 'initial'), 'KVM_S390_INITIAL_RESET', this.vcpuFd);
    if (plan) {
      const { mask, addr } = plan.psw;
      checkErrno(vmm.setInitialPsw(this.vcpuFd, mask, addr), 'KVM_S390_SET_INITIAL_PSW', this.vcpuFd);
    }

    const runBuffer = check(vmm.mapRun(this.kvmFd, this.vcpuFd), this.vcpuFd);
    this.runBytes = new Uint8Array(runBuffer);
    this.run = new DataView(runBuffer);
    const setup: WorkerSetup = {
      kvmFd: this.kvmFd,
      vmFd: this.vmFd,
      vcpuFd: this.vcpuFd,
      control: this.control.buffer,
      devices: this.devices.buffer,
      memoryAddress: mapped.address,
      memorySize: this.memorySize,
      trace: options.trace,
    };
    this.worker = new Worker(path.join(__dirname, 'vcpu-worker.js'), { workerData: setup });
    this.worker.on('message', (m: WorkerMessage) => {
      if (m.type === 'output') {
        const line = { text: m.text, startNs: BigInt(m.startNs), endNs: BigInt(m.endNs) };
        this.lines.push(line);
        this.emit('line', line);
      } else if (m.type === 'note') {
        this.notes.push(m.text);
        this.emit('note', m.text);
      } else {
        this.exitReason = m.reason;
        this.emit('exit', m.reason);
      }
    });
    this.worker.on('error', (error) => {
      this.exitReason = `vCPU worker failed: ${error.message}`;
      this.emit('exit', this.exitReason);
    });
  }

  /** Takes facility 11 out of KVM's CPU model, before the vCPU exists (cpu-model.ts). */
  private withoutTopology(): CpuModelReport {
    const vmm = native();
    const processor = new Uint8Array(CPU_PROCESSOR_SIZE);
    const request = 'KVM_GET_DEVICE_ATTR';
    checkErrno(
      vmm.deviceAttr(this.vmFd, 'get', KVM_S390_VM_CPU_MODEL, KVM_S390_VM_CPU_PROCESSOR, processor),
      request,
      this.vmFd,
    );
    const topologyOffered = hasFacility(processor, FACILITY_TOPOLOGY);
    if (topologyOffered) {
      clearFacility(processor, FACILITY_TOPOLOGY);
      checkErrno(
        vmm.deviceAttr(this.vmFd, 'set', KVM_S390_VM_CPU_MODEL, KVM_S390_VM_CPU_PROCESSOR, processor),
        'KVM_SET_DEVICE_ATTR',
        this.vmFd,
      );
    }
    return { topologyOffered, facilities: facilities(processor) };
  }

  /** The PSW as kvm_run holds it (meaningful while the vCPU is stopped). */
  psw(): string {
    const L = native().runLayout;
    return `PSW 0x${this.run.getBigUint64(L.pswMask).toString(16)} 0x${this.run.getBigUint64(L.pswAddr).toString(16)}`;
  }

  /** The floating interrupts KVM holds pending (kvm_s390_irq entries: type, then its parameters). */
  floatingIrqs(): { type: number; parm: number }[] {
    const size = native().runLayout.irqSize;
    const buf = new Uint8Array(64 * size);
    const n = checkErrno(
      native().deviceAttr(this.flicFd, 'get', KVM_DEV_FLIC_GET_ALL_IRQS, BigInt(buf.length), buf),
      'KVM_GET_DEVICE_ATTR',
      this.flicFd,
    );
    const view = new DataView(buf.buffer);
    return Array.from({ length: n }, (_, i) => ({
      type: Number(view.getBigUint64(i * size)),
      parm: view.getUint32(i * size + 8),
    }));
  }

  /** Control register `n` as kvm_run holds it (meaningful while the vCPU is stopped). */
  cr(n: number): bigint {
    return this.run.getBigUint64(native().runLayout.crs + 8 * n);
  }

  /** Why the vCPU thread ended, once it has. */
  get exit(): string | undefined {
    return this.exitReason;
  }

  /** First start (or a migration destination's start): the hook is told, the vCPU runs. */
  async start(): Promise<void> {
    if (this.started) throw new Error('already started');
    this.started = true;
    await this.waitState((s) => s !== State.Starting, 'the vCPU thread to start', START_TIMEOUT_MS);
    this.stateHook(true);
    this.command(Command.Run);
  }

  /**
   * Stops the vCPU: kicks it out of KVM_RUN (immediate_exit, then a signal to its thread,
   * repeated until it says it stopped), then calls the hook with false.
   */
  stop(): void {
    Atomics.store(this.control, CMD, Command.Stop);
    const deadline = Date.now() + STOP_TIMEOUT_MS;
    while (!this.stoppedOrExited()) {
      this.runBytes[native().runLayout.immediateExit] = 1;
      const tid = Atomics.load(this.control, TID);
      if (tid) native().kick(tid);
      Atomics.wait(this.control, STATE, State.Running, 20);
      if (Date.now() > deadline) throw new Error(`the vCPU did not stop within ${STOP_TIMEOUT_MS} ms`);
    }
    this.stateHook(false);
  }

  /** Calls the hook with true, then lets the vCPU run again. */
  cont(): void {
    this.stateHook(true);
    this.command(Command.Run);
  }

  /** The SCLP's and the console's state on the vCPU thread, as JSON bytes; the vCPU must be stopped. */
  saveDevices(): Buffer {
    this.requireStopped('saveDevices');
    Atomics.store(this.control, LEN, -1);
    this.command(Command.Save);
    if (Atomics.wait(this.control, LEN, -1, STOP_TIMEOUT_MS) === 'timed-out')
      throw new Error('the vCPU thread did not save its devices');
    return Buffer.from(this.devices.subarray(0, Atomics.load(this.control, LEN)));
  }

  /** Gives the vCPU thread's devices what a source's saveDevices() returned; the vCPU must be stopped. */
  loadDevices(bytes: Buffer): void {
    this.requireStopped('loadDevices');
    if (bytes.length > DEVICE_BYTES) throw new Error(`device state of ${bytes.length} bytes`);
    this.devices.set(bytes);
    Atomics.store(this.control, LEN, bytes.length);
    this.command(Command.Load);
    const deadline = Date.now() + STOP_TIMEOUT_MS;
    while (Atomics.load(this.control, LEN) !== -1) {
      if (Date.now() > deadline) throw new Error('the vCPU thread did not load its devices');
      Atomics.wait(this.control, LEN, bytes.length, 20);
    }
  }

  /** Resolves with the first guest line from index `from` on matching `pattern`, or rejects after `timeoutMs`. */
  waitForLine(pattern: RegExp, timeoutMs: number, from = 0): Promise<GuestLine> {
    for (let i = from; i < this.lines.length; i++)
      if (pattern.test(this.lines[i].text)) return Promise.resolve(this.lines[i]);
    return new Promise((resolve, reject) => {
      const onLine = (line: GuestLine): void => {
        if (!pattern.test(line.text)) return;
        done();
        resolve(line);
      };
      const onExit = (reason: string): void => {
        done();
        reject(new Error(`the guest ended (${reason}) before printing ${pattern}; its last lines:\n${this.tail(15)}`));
      };
      const timer = setTimeout(() => {
        done();
        reject(
          new Error(`no guest line matching ${pattern} within ${timeoutMs} ms; its last lines:\n${this.tail(15)}`),
        );
      }, timeoutMs);
      const done = (): void => {
        clearTimeout(timer);
        this.off('line', onLine);
        this.off('exit', onExit);
      };
      if (this.exitReason !== undefined) return onExit(this.exitReason);
      this.on('line', onLine);
      this.on('exit', onExit);
    });
  }

  /** The last `n` lines the guest printed, as text. */
  tail(n: number): string {
    return this.lines
      .slice(-n)
      .map((l) => l.text)
      .join('\n');
  }

  /** Ends the vCPU thread and closes the VM's descriptors. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    Atomics.store(this.control, CMD, Command.Quit);
    Atomics.notify(this.control, CMD);
    const deadline = Date.now() + STOP_TIMEOUT_MS;
    while (
      Atomics.load(this.control, STATE) !== State.Exited &&
      this.exitReason === undefined &&
      Date.now() < deadline
    ) {
      this.runBytes[native().runLayout.immediateExit] = 1;
      const tid = Atomics.load(this.control, TID);
      if (tid) native().kick(tid);
      Atomics.wait(this.control, STATE, Atomics.load(this.control, STATE), 20);
    }
    await this.worker.terminate();
    for (const fd of [this.vcpuFd, this.flicFd, this.vmFd, this.kvmFd]) closeFd(fd);
  }

  private command(cmd: Command): void {
    Atomics.store(this.control, CMD, cmd);
    Atomics.notify(this.control, CMD);
  }

  private requireStopped(what: string): void {
    const deadline = Date.now() + START_TIMEOUT_MS;
    // A fresh VM's thread reports Stopped once it is up; a started one after stop().
    while (Atomics.load(this.control, STATE) === State.Starting) {
      if (Date.now() > deadline) throw new Error(`${what}: the vCPU thread did not start`);
      Atomics.wait(this.control, STATE, State.Starting, 20);
    }
    if (Atomics.load(this.control, STATE) !== State.Stopped || Atomics.load(this.control, CMD) !== Command.Stop)
      throw new Error(`${what}: the vCPU is not stopped`);
  }

  private stoppedOrExited(): boolean {
    const state = Atomics.load(this.control, STATE);
    return state === State.Stopped || state === State.Exited;
  }

  private async waitState(ok: (s: number) => boolean, what: string, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!ok(Atomics.load(this.control, STATE))) {
      if (this.exitReason !== undefined)
        throw new Error(`the vCPU thread ended (${this.exitReason}) while waiting for ${what}`);
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }
}
