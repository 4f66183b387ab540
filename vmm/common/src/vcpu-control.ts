// The words the main thread and a vCPU's worker share (an Int32Array over a
// SharedArrayBuffer), and what they mean. The main thread writes the command; the worker
// writes its state and waits on the command word; the main thread waits on the state word.

export const CMD = 0; // what the main thread wants: Command
export const STATE = 1; // where the worker is: State
export const TID = 2; // the worker's thread id, for the kick
export const LEN = 3; // bytes of device state in the devices buffer; -1 once a Load is done; see below
export const ERROR = 4; // when LEN is DEVICES_FAILED: bytes of the worker's error message in the devices buffer
export const WORDS = 5;
/** LEN when the worker could not save or load its devices (its message is in the devices buffer). */
export const DEVICES_FAILED = -2;
/** Room for the worker's device state (JSON) in VcpuThreadSetup.devices. */
export const DEVICE_BYTES = 16384;

// Save and Load are given to a stopped worker only: it writes its devices' state into the
// devices buffer (Save) or takes it from there (Load), then goes back to Stop.
export const Command = { Stop: 0, Run: 1, Quit: 2, Save: 3, Load: 4 } as const;
export type Command = (typeof Command)[keyof typeof Command];

export const State = { Starting: 0, Stopped: 1, Running: 2, Exited: 3 } as const;
export type State = (typeof State)[keyof typeof State];

/** What the worker tells the main thread: a console line, a note for whoever boots the guest, its end. */
export type WorkerMessage =
  | { type: 'output'; text: string; startNs: string; endNs: string }
  | { type: 'note'; text: string }
  | { type: 'exit'; reason: string };

/** What every vCPU worker is given at start (workerData); each VMM adds its own. */
export interface VcpuThreadSetup {
  kvmFd: number;
  vmFd: number;
  vcpuFd: number;
  control: SharedArrayBuffer;
  /** The devices' state as JSON, for Save and Load (DEVICE_BYTES). */
  devices: SharedArrayBuffer;
}
