// The VMM's side of one demo VM: the library's GuestClock, or the control, a VMM
// without kvm-tod that never holds the clock.
import { GuestClock } from '../guest-clock';
import type { Backend } from './backends';
import { CountingDevice } from './devices';

export interface Vmm<T> {
  vmStateChanged(running: boolean): void;
  readonly held: boolean;
  readonly heldValue: T | undefined;
  save(): Buffer;
  load(bytes: Buffer): void;
}

export class LibraryVmm<T> implements Vmm<T> {
  constructor(
    readonly clock: GuestClock<T>,
    private readonly backend: Backend<T>,
    private readonly extended: boolean,
  ) {}
  vmStateChanged(running: boolean): void {
    this.clock.vmStateChanged(running);
  }
  get held(): boolean {
    return this.clock.held;
  }
  get heldValue(): T | undefined {
    return this.clock.heldValue;
  }
  save(): Buffer {
    return this.backend.librarySave(this.clock, this.extended);
  }
  load(bytes: Buffer): void {
    this.backend.libraryLoad(this.clock, bytes);
  }
}

/** A VMM without kvm-tod: it migrates the clock (read at save, written at load) but never holds it. */
export class ControlVmm<T> implements Vmm<T> {
  readonly held = false;
  readonly heldValue = undefined;
  constructor(
    private readonly device: CountingDevice<T>,
    private readonly backend: Backend<T>,
  ) {}
  vmStateChanged(): void {
    // The clock keeps running across stop and cont: the behaviour before the fix.
  }
  save(): Buffer {
    return this.backend.encode(this.device.read());
  }
  load(bytes: Buffer): void {
    const value = this.backend.decode(bytes);
    if (value !== null) this.device.write(value);
  }
}
