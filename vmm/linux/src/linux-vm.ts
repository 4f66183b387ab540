// A Linux guest on one vCPU, the way a VMM written in Node runs one: the VM is set up here
// (main thread), the vCPU runs on its own worker thread (vcpu-worker.ts), and stop() and
// cont() from the main thread stop it and let it go. The VMM's state hook (GuestClock's
// vmStateChanged, or nothing) is called where a real VMM calls it: after the vCPU has left
// KVM_RUN at a stop, before it enters KVM_RUN again at a cont.
import { EventEmitter } from 'events';
import * as fs from 'fs';
import * as path from 'path';
import { Worker } from 'worker_threads';
import { checkExtension, closeFd, createVcpu, createVm, openKvm } from 'kvm-tod';
import { planBoot } from './boot-layout';
import { parseBzImage } from './bzimage';
import { fixCpuid } from './cpuid';
import { vmm } from './native';
import { defaultSilenceLimit, GuestSilentError, GuestWhere, SilenceWatchdog } from './silence-watchdog';
import { CMD, Command, DEVICE_BYTES, LEN, STATE, State, TID, WORDS, WorkerMessage, WorkerSetup } from './vcpu-control';
import { newStats, outputBytes, summarizeExits } from './vcpu-stats';

const KVM_CAP_TSC_DEADLINE_TIMER = 72;
const TSS_ADDRESS = 0xfffbd000;
const IDENTITY_MAP_ADDRESS = 0xfffbc000;
const LAPIC_LVT0 = 0x350;
const LAPIC_LVT1 = 0x360;
const APIC_MODE_NMI = 0x4;
const APIC_MODE_EXTINT = 0x7;

/** One line the guest wrote on its console, with the host's monotonic time at its first and last byte. */
export interface GuestLine {
  text: string;
  startNs: bigint;
  endNs: bigint;
}

export interface LinuxVmOptions {
  kernel: string;
  initrd: string;
  cmdline: string;
  /** Guest RAM; 256 MiB by default. */
  memoryMiB?: number;
  /**
   * The VMM's state hook, called with false right after the vCPU stopped and with true right
   * before it runs again (GuestClock.prototype.vmStateChanged, bound); none by default.
   */
  stateHook?: (running: boolean) => void;
  /**
   * How long the running guest may write nothing on its console before the run ends with a
   * GuestSilentError, ms; by default 20 s scaled to this machine (silence-watchdog.ts).
   */
  silenceLimitMs?: number;
}

/** How long stop() waits for the vCPU thread to leave the guest before it gives up. */
const STOP_TIMEOUT_MS = 30_000;

export class LinuxVm extends EventEmitter {
  readonly kvmFd: number;
  readonly vmFd: number;
  readonly vcpuFd: number;
  /** Everything the guest printed, in order. */
  readonly lines: GuestLine[] = [];
  /** Guest RAM from guest-physical 0 (one slot). */
  readonly ram: Uint8Array;
  private readonly memory: ArrayBuffer;
  private readonly control: Int32Array<SharedArrayBuffer> = new Int32Array(new SharedArrayBuffer(WORDS * 4));
  private readonly devices = new Uint8Array(new SharedArrayBuffer(DEVICE_BYTES));
  private readonly stats = new Int32Array(newStats());
  private readonly silenceLimit: { limitMs: number; why: string };
  private watchdog: SilenceWatchdog | undefined;
  private silentError: GuestSilentError | undefined;
  private readonly runBytes: Uint8Array;
  private readonly worker: Worker;
  /** The VMM's state hook (see LinuxVmOptions.stateHook); may be set before start(). */
  stateHook: (running: boolean) => void;
  private exitReason: string | undefined;
  private readonly exited: Promise<string>;
  private closed = false;
  private started = false;

  /** Sets the VM up (memory, boot layout, irqchip, PIT, CPUID, registers) and its vCPU thread. */
  constructor(options: LinuxVmOptions) {
    super();
    this.stateHook = options.stateHook ?? (() => {});
    this.silenceLimit =
      options.silenceLimitMs !== undefined
        ? { limitMs: options.silenceLimitMs, why: 'as the VMM was told' }
        : defaultSilenceLimit();
    const image = parseBzImage(fs.readFileSync(options.kernel));
    const initrd = fs.readFileSync(options.initrd);
    const memorySize = (options.memoryMiB ?? 256) * 1024 * 1024;
    const plan = planBoot({ image, initrd, cmdline: options.cmdline, memorySize });

    this.kvmFd = openKvm();
    this.vmFd = createVm(this.kvmFd);
    vmm.setTssAddr(this.vmFd, TSS_ADDRESS);
    vmm.setIdentityMapAddr(this.vmFd, IDENTITY_MAP_ADDRESS);
    vmm.createIrqchip(this.vmFd);
    vmm.createPit2(this.vmFd, 0);
    this.memory = vmm.mapMemory(this.vmFd, 0, 0, memorySize);
    this.ram = new Uint8Array(this.memory);
    for (const w of plan.writes) this.ram.set(w.bytes, w.address);

    this.vcpuFd = createVcpu(this.vmFd, 0);
    const tscDeadline = checkExtension(this.kvmFd, KVM_CAP_TSC_DEADLINE_TIMER) > 0;
    vmm.setCpuid(this.vcpuFd, fixCpuid(vmm.getSupportedCpuid(this.kvmFd), 0, tscDeadline));
    vmm.setSregs(this.vcpuFd, plan.sregs);
    vmm.setRegs(this.vcpuFd, plan.regs);
    vmm.setFpu(this.vcpuFd, { fcw: 0x37f, mxcsr: 0x1f80 });
    const lapic = vmm.getLapic(this.vcpuFd);
    setLvtMode(lapic, LAPIC_LVT0, APIC_MODE_EXTINT);
    setLvtMode(lapic, LAPIC_LVT1, APIC_MODE_NMI);
    vmm.setLapic(this.vcpuFd, lapic);

    this.runBytes = new Uint8Array(vmm.mapRun(this.kvmFd, this.vcpuFd));
    const setup: WorkerSetup = {
      kvmFd: this.kvmFd,
      vmFd: this.vmFd,
      vcpuFd: this.vcpuFd,
      control: this.control.buffer,
      devices: this.devices.buffer,
      stats: this.stats.buffer,
    };
    this.worker = new Worker(path.join(__dirname, 'vcpu-worker.js'), { workerData: setup });
    this.exited = new Promise((resolve) => {
      this.worker.on('message', (m: WorkerMessage) => {
        if (m.type === 'output') {
          const line = { text: m.text, startNs: BigInt(m.startNs), endNs: BigInt(m.endNs) };
          this.lines.push(line);
          this.emit('line', line);
        } else {
          this.exitReason = m.reason;
          resolve(m.reason);
          this.emit('exit', m.reason);
        }
      });
      this.worker.on('error', (error) => {
        this.exitReason = `vCPU worker failed: ${error.message}`;
        resolve(this.exitReason);
        this.emit('exit', this.exitReason);
      });
    });
  }

  /** Why the vCPU thread ended, once it has. */
  get exit(): string | undefined {
    return this.exitReason;
  }

  /** The silence that ended the run, once the watchdog has fired. */
  get silence(): GuestSilentError | undefined {
    return this.silentError;
  }

  /** First start: the vCPU runs (the hook is told: a simple start holds nothing). */
  async start(): Promise<void> {
    if (this.started) throw new Error('already started');
    this.started = true;
    await this.waitState((s) => s !== State.Starting, 'the vCPU thread to start');
    this.stateHook(true);
    this.watchdog = new SilenceWatchdog(
      this.silenceLimit.limitMs,
      () => outputBytes(this.stats),
      () => Atomics.load(this.control, CMD) === Command.Run && Atomics.load(this.control, STATE) !== State.Exited,
      (silentMs) => this.onSilent(silentMs),
    );
    this.command(Command.Run);
  }

  /**
   * Where the vCPU is and what it has done: its registers (it must be stopped) and its exits.
   */
  where(): GuestWhere {
    this.requireStopped('where');
    const regs = vmm.getRegs(this.vcpuFd);
    const sregs = vmm.getSregs(this.vcpuFd);
    return {
      rip: regs.rip,
      rsp: regs.rsp,
      rflags: regs.rflags,
      cs: { selector: sregs.cs.selector, base: sregs.cs.base },
      cr0: sregs.cr0,
      cr3: sregs.cr3,
      cr4: sregs.cr4,
      efer: sregs.efer,
    };
  }

  // The watchdog fired: stop the vCPU to read where it is, and end the run with the error.
  private onSilent(silentMs: number): void {
    let where: GuestWhere | undefined;
    let stuck: string | undefined;
    try {
      this.stop(false);
      where = this.where();
    } catch (error) {
      stuck = (error as Error).message;
    }
    this.silentError = new GuestSilentError({
      silentMs,
      limitMs: this.silenceLimit.limitMs,
      limitWhy: this.silenceLimit.why,
      where,
      stuck,
      exits: summarizeExits(this.stats, vmm.runLayout.exits),
      outputBytes: outputBytes(this.stats),
      lastLines: this.lines.slice(-15).map((l) => l.text),
    });
    this.emit('silent', this.silentError);
  }

  /**
   * Stops the vCPU: kicks it out of KVM_RUN (immediate_exit, then a signal to its thread,
   * repeated until it says it stopped), then calls the hook with false.
   */
  stop(tellHook = true): void {
    Atomics.store(this.control, CMD, Command.Stop);
    const tid = Atomics.load(this.control, TID);
    const deadline = Date.now() + STOP_TIMEOUT_MS;
    while (!this.stoppedOrExited()) {
      this.runBytes[vmm.runLayout.immediateExit] = 1;
      vmm.kick(tid);
      Atomics.wait(this.control, STATE, State.Running, 20);
      if (Date.now() > deadline) throw new Error(`the vCPU did not stop within ${STOP_TIMEOUT_MS} ms`);
    }
    if (tellHook) this.stateHook(false);
  }

  /**
   * The state of the devices on the vCPU thread (the serial port, the CMOS index, a console
   * line half written), as JSON bytes; the vCPU must be stopped.
   */
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

  /** Calls the hook with true, then lets the vCPU run again. */
  cont(): void {
    this.stateHook(true);
    this.watchdog?.resume();
    this.command(Command.Run);
  }

  /** Resolves with the first guest line matching `pattern`, or rejects after `timeoutMs`. */
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
      const onSilent = (error: GuestSilentError): void => {
        done();
        reject(error);
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
        this.off('silent', onSilent);
      };
      if (this.silentError) return onSilent(this.silentError);
      if (this.exitReason !== undefined) return onExit(this.exitReason);
      this.on('line', onLine);
      this.on('exit', onExit);
      this.on('silent', onSilent);
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
    this.watchdog?.stop();
    Atomics.store(this.control, CMD, Command.Quit);
    Atomics.notify(this.control, CMD);
    const tid = Atomics.load(this.control, TID);
    const deadline = Date.now() + STOP_TIMEOUT_MS;
    while (tid && Atomics.load(this.control, STATE) !== State.Exited && Date.now() < deadline) {
      this.runBytes[vmm.runLayout.immediateExit] = 1;
      vmm.kick(tid);
      Atomics.wait(this.control, STATE, Atomics.load(this.control, STATE), 20);
    }
    await this.worker.terminate();
    for (const fd of [this.vcpuFd, this.vmFd, this.kvmFd]) closeFd(fd);
  }

  private command(cmd: Command): void {
    Atomics.store(this.control, CMD, cmd);
    Atomics.notify(this.control, CMD);
  }

  private requireStopped(what: string): void {
    const deadline = Date.now() + STOP_TIMEOUT_MS;
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

  private async waitState(ok: (s: number) => boolean, what: string): Promise<void> {
    const deadline = Date.now() + STOP_TIMEOUT_MS;
    while (!ok(Atomics.load(this.control, STATE))) {
      if (this.exitReason !== undefined)
        throw new Error(`the vCPU thread ended (${this.exitReason}) while waiting for ${what}`);
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }
}

function setLvtMode(lapic: Buffer, offset: number, mode: number): void {
  const v = lapic.readUInt32LE(offset);
  lapic.writeUInt32LE(((v & ~0x700) | (mode << 8)) >>> 0, offset);
}
