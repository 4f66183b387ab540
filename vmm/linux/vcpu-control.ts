// The words the main thread and a vCPU's worker share (an Int32Array over a
// SharedArrayBuffer), and what they mean. The main thread writes the command; the worker
// writes its state and waits on the command word; the main thread waits on the state word.

export const CMD = 0; // what the main thread wants: Command
export const STATE = 1; // where the worker is: State
export const TID = 2; // the worker's thread id, for the kick
export const WORDS = 3;

export const Command = { Stop: 0, Run: 1, Quit: 2 } as const;
export type Command = (typeof Command)[keyof typeof Command];

export const State = { Starting: 0, Stopped: 1, Running: 2, Exited: 3 } as const;
export type State = (typeof State)[keyof typeof State];

/** What the worker tells the main thread. */
export type WorkerMessage =
  { type: 'output'; text: string; startNs: string; endNs: string } | { type: 'exit'; reason: string };

/** What the worker is given at start (workerData). */
export interface WorkerSetup {
  kvmFd: number;
  vmFd: number;
  vcpuFd: number;
  control: SharedArrayBuffer;
}
