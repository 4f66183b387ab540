// The vCPU's side of the handshake, run on its worker thread: KVM_RUN in a loop, stopping when
// the main thread asks (vcpu-control.ts) after KVM_RUN has returned here, so that whatever the
// main thread does next (hold the guest clock) happens while the vCPU is out of the guest; and
// a stopped vCPU's device state saved and loaded for a migration. What an exit means is the
// architecture's: each VMM's worker passes it in.
import { parentPort } from 'worker_threads';
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
  WorkerMessage,
} from './vcpu-control';

/** What one VMM's vCPU thread does at each step of the loop. */
export interface VcpuThreadOptions<Devices> {
  setup: VcpuThreadSetup;
  /** The thread's id, for the main thread's kick (the VMM's addon reads it and sets the kick's signal up). */
  tid: number;
  /** One KVM_RUN: 0 when the guest exited to the VMM, -errno otherwise. */
  enter(): number;
  /** Sets or clears kvm_run's immediate_exit. */
  immediateExit(on: boolean): void;
  /** Whether a KVM_RUN result is a kick (the signal or immediate_exit): -EINTR, and on s390 -EAGAIN. */
  isKick(result: number): boolean;
  /** A KVM_RUN failure that is not a kick: throw to end the thread, or return to run again. */
  failed(result: number): void;
  /** Answers the exit kvm_run describes; a reason ends the thread. */
  exit(): string | undefined;
  /** Before the vCPU reports itself stopped: whatever must be whole in kvm_run first; a reason ends the thread. */
  beforeStop?(): string | undefined;
  /** The devices' state, for a migration (JSON). */
  saveDevices(): Devices;
  loadDevices(state: Devices): void;
  /** Last words before the thread reports its end (a half-written console line). */
  ending?(): void;
}

export function post(message: WorkerMessage): void {
  parentPort!.postMessage(message);
}

/** Posts a console line to the main thread (bigints do not cross as such). */
export function postLine(line: GuestLine): void {
  post({ type: 'output', text: line.text, startNs: line.startNs.toString(), endNs: line.endNs.toString() });
}

/** Runs the vCPU until the main thread quits it or an exit ends it; then reports why. */
export function runVcpuThread<Devices>(o: VcpuThreadOptions<Devices>): void {
  const control = new Int32Array(o.setup.control);
  const deviceBytes = new Uint8Array(o.setup.devices);

  const setState = (state: State): void => {
    Atomics.store(control, STATE, state);
    Atomics.notify(control, STATE);
  };

  // A Save or Load answers in LEN, and the vCPU stays stopped either way: a state that cannot
  // be saved or loaded (bytes that are not the VMM's JSON, a migration's hostile ones) is the
  // main thread's error to report, not the end of the vCPU thread.
  const answer = (done: Command, len: number): void => {
    Atomics.compareExchange(control, CMD, done, Command.Stop);
    Atomics.store(control, LEN, len);
    Atomics.notify(control, LEN);
  };
  const serveDevices = (cmd: Command): void => {
    try {
      if (cmd === Command.Save) {
        const bytes = Buffer.from(JSON.stringify(o.saveDevices()));
        if (bytes.length > DEVICE_BYTES) throw new Error(`device state of ${bytes.length} bytes`);
        deviceBytes.set(bytes);
        answer(cmd, bytes.length);
      } else {
        const length = Atomics.load(control, LEN);
        o.loadDevices(JSON.parse(Buffer.from(deviceBytes.subarray(0, length)).toString()) as Devices);
        answer(cmd, -1);
      }
    } catch (error) {
      const message = Buffer.from(String((error as Error).message ?? error)).subarray(0, DEVICE_BYTES);
      deviceBytes.set(message);
      Atomics.store(control, ERROR, message.length);
      answer(cmd, DEVICES_FAILED);
    }
  };

  const loop = (): string => {
    for (;;) {
      const cmd = Atomics.load(control, CMD);
      if (cmd === Command.Quit) return 'quit';
      if (cmd === Command.Save || cmd === Command.Load) {
        serveDevices(cmd);
        continue;
      }
      if (cmd === Command.Stop) {
        const end = o.beforeStop?.();
        if (end !== undefined) return end;
        o.immediateExit(false);
        setState(State.Stopped);
        Atomics.wait(control, CMD, Command.Stop);
        continue;
      }
      if (Atomics.load(control, STATE) !== State.Running) setState(State.Running);
      const r = o.enter();
      if (o.isKick(r)) {
        // Its immediate_exit is stale once the main thread wants us running again (it
        // re-kicks until we report stopped, so clearing it here loses no stop).
        if (Atomics.load(control, CMD) === Command.Run) o.immediateExit(false);
        continue;
      }
      if (r < 0) {
        o.failed(r);
        continue;
      }
      const end = o.exit();
      if (end !== undefined) return end;
    }
  };

  Atomics.store(control, TID, o.tid);
  let reason: string;
  try {
    reason = loop();
  } catch (error) {
    reason = `vCPU thread failed: ${(error as Error).message}`;
  }
  o.ending?.();
  post({ type: 'exit', reason });
  setState(State.Exited);
}
