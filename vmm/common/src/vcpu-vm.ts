// The main thread's side of a one-vCPU VM, the way a VMM written in Node runs one: the vCPU
// runs on its own worker thread (vcpu-thread.ts), and stop() and cont() from the main thread
// stop it and let it go. The VMM's state hook (GuestClock's vmStateChanged, or nothing) is
// called where a real VMM calls it: after the vCPU has left KVM_RUN at a stop, before it
// enters KVM_RUN again at a cont. Each VMM's VM class sets up its machine, then its worker.
import { EventEmitter } from 'events';
import { Worker } from 'worker_threads';
import { GuestLine } from './guest-console';
import {
  CMD,
  Command,
  DEVICE_BYTES,
  DEVICES_FAILED,
  ERROR,
  LEN,
  STATE,
  State,
  TID,
  VcpuThreadSetup,
  WORDS,
  WorkerMessage,
} from './vcpu-control';

/** How long stop() and the device exchanges wait for the vCPU thread before they give up. */
export const STOP_TIMEOUT_MS = 30_000;

/**
 * Events: 'line' (GuestLine), 'note' (string: what the vCPU thread does not serve, once per
 * kind), 'exit' (string: why the vCPU thread ended), 'abort' (Error: the VMM gave up on the run).
 */
export abstract class VcpuVm extends EventEmitter {
  /** Everything the guest printed, in order. */
  readonly lines: GuestLine[] = [];
  /** What the vCPU thread reported it does not serve (once per kind). */
  readonly notes: string[] = [];
  /** The VMM's state hook, called with false after a stop and true before a cont; may be set before start(). */
  stateHook: (running: boolean) => void;
  protected readonly control: Int32Array<SharedArrayBuffer> = new Int32Array(new SharedArrayBuffer(WORDS * 4));
  protected readonly devices = new Uint8Array(new SharedArrayBuffer(DEVICE_BYTES));
  private worker: Worker | undefined;
  private exitReason: string | undefined;
  private abortError: Error | undefined;
  private closed = false;
  private started = false;

  /**
   * @param stateHook see stateHook; none by default
   * @param startTimeoutMs how long a new vCPU thread may take to come up (a worker's Node on an
   *   emulated CPU takes long)
   */
  protected constructor(
    stateHook: ((running: boolean) => void) | undefined,
    private readonly startTimeoutMs: number,
  ) {
    super();
    this.stateHook = stateHook ?? (() => {});
  }

  /** Takes the vCPU out of KVM_RUN: sets immediate_exit, then signals thread `tid` (if known yet). */
  protected abstract kick(tid: number): void;
  /** Closes the VM's descriptors, once its vCPU thread has ended. */
  protected abstract closeDescriptors(): void;

  /** Starts the vCPU thread (`script`, given `setup` and the shared words) once the VM is set up. */
  protected startThread<Setup extends Omit<VcpuThreadSetup, 'control' | 'devices'>>(
    script: string,
    setup: Setup,
  ): void {
    const workerData: Setup & VcpuThreadSetup = {
      ...setup,
      control: this.control.buffer,
      devices: this.devices.buffer,
    };
    this.worker = new Worker(script, { workerData });
    this.worker.on('message', (m: WorkerMessage) => {
      if (m.type === 'output') {
        const line = { text: m.text, startNs: BigInt(m.startNs), endNs: BigInt(m.endNs) };
        this.lines.push(line);
        this.emit('line', line);
      } else if (m.type === 'note') {
        this.notes.push(m.text);
        this.emit('note', m.text);
      } else {
        this.ended(m.reason);
      }
    });
    this.worker.on('error', (error) => this.ended(`vCPU worker failed: ${error.message}`));
  }

  private ended(reason: string): void {
    this.exitReason = reason;
    this.emit('exit', reason);
  }

  /** Why the vCPU thread ended, once it has. */
  get exit(): string | undefined {
    return this.exitReason;
  }

  /** Ends the run with `error`: waitForLine rejects with it from now on. */
  protected abort(error: Error): void {
    this.abortError = error;
    this.emit('abort', error);
  }

  /** First start (or a migration destination's start): the hook is told, the vCPU runs. */
  async start(): Promise<void> {
    if (this.started) throw new Error('already started');
    this.started = true;
    await this.waitState((s) => s !== State.Starting, 'the vCPU thread to start', this.startTimeoutMs);
    this.stateHook(true);
    this.command(Command.Run);
  }

  /**
   * Stops the vCPU: kicks it out of KVM_RUN (immediate_exit, then a signal to its thread,
   * repeated until it says it stopped), then calls the hook with false (unless `tellHook` is false).
   */
  stop(tellHook = true): void {
    Atomics.store(this.control, CMD, Command.Stop);
    const deadline = Date.now() + STOP_TIMEOUT_MS;
    while (!this.stoppedOrExited()) {
      this.kick(Atomics.load(this.control, TID));
      Atomics.wait(this.control, STATE, State.Running, 20);
      if (Date.now() > deadline) throw new Error(`the vCPU did not stop within ${STOP_TIMEOUT_MS} ms`);
    }
    if (tellHook) this.stateHook(false);
  }

  /** Calls the hook with true, then lets the vCPU run again. */
  cont(): void {
    this.stateHook(true);
    this.command(Command.Run);
  }

  /** The state of the devices on the vCPU thread, as JSON bytes; the vCPU must be stopped. */
  saveDevices(): Buffer {
    this.requireStopped('saveDevices');
    const length = this.serveDevices(Command.Save, -1, 'save');
    return Buffer.from(this.devices.subarray(0, length));
  }

  /**
   * Gives the vCPU thread's devices what a source's saveDevices() returned; the vCPU must be
   * stopped. Bytes its devices cannot take throw here, and the vCPU stays stopped: a VM whose
   * load failed may hold part of the state, and is for closing.
   */
  loadDevices(bytes: Buffer): void {
    this.requireStopped('loadDevices');
    if (bytes.length > DEVICE_BYTES) throw new Error(`device state of ${bytes.length} bytes`);
    this.devices.set(bytes);
    this.serveDevices(Command.Load, bytes.length, 'load');
  }

  // Hands the stopped worker a Save or Load and waits for its answer in LEN (vcpu-control.ts).
  private serveDevices(cmd: Command, len: number, what: string): number {
    Atomics.store(this.control, LEN, len);
    this.command(cmd);
    const deadline = Date.now() + STOP_TIMEOUT_MS;
    while (Atomics.load(this.control, LEN) === len) {
      // Its end shows here at once; the reason comes later, as the 'exit' event.
      if (Atomics.load(this.control, STATE) === State.Exited)
        throw new Error(`the vCPU thread ended before it could ${what} its devices`);
      if (Date.now() > deadline) throw new Error(`the vCPU thread did not ${what} its devices`);
      Atomics.wait(this.control, LEN, len, 20);
    }
    const answer = Atomics.load(this.control, LEN);
    if (answer === DEVICES_FAILED) {
      const message = Buffer.from(this.devices.subarray(0, Atomics.load(this.control, ERROR))).toString();
      throw new Error(`the vCPU thread could not ${what} its devices: ${message}`);
    }
    return answer;
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
      const onAbort = (error: Error): void => {
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
        this.off('abort', onAbort);
      };
      if (this.abortError) return onAbort(this.abortError);
      if (this.exitReason !== undefined) return onExit(this.exitReason);
      this.on('line', onLine);
      this.on('exit', onExit);
      this.on('abort', onAbort);
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
      this.worker &&
      Atomics.load(this.control, STATE) !== State.Exited &&
      this.exitReason === undefined &&
      Date.now() < deadline
    ) {
      this.kick(Atomics.load(this.control, TID));
      Atomics.wait(this.control, STATE, Atomics.load(this.control, STATE), 20);
    }
    await this.worker?.terminate();
    this.closeDescriptors();
  }

  private command(cmd: Command): void {
    Atomics.store(this.control, CMD, cmd);
    Atomics.notify(this.control, CMD);
  }

  /** Throws unless the vCPU is stopped (a fresh VM's thread reports Stopped once it is up). */
  protected requireStopped(what: string): void {
    const deadline = Date.now() + this.startTimeoutMs;
    while (Atomics.load(this.control, STATE) === State.Starting) {
      if (Date.now() > deadline) throw new Error(`${what}: the vCPU thread did not start`);
      Atomics.wait(this.control, STATE, State.Starting, 20);
    }
    if (Atomics.load(this.control, STATE) !== State.Stopped || Atomics.load(this.control, CMD) !== Command.Stop)
      throw new Error(`${what}: the vCPU is not stopped`);
  }

  /** Whether the vCPU thread is running the guest as told (not stopped, not ended). */
  protected running(): boolean {
    return Atomics.load(this.control, CMD) === Command.Run && Atomics.load(this.control, STATE) !== State.Exited;
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
