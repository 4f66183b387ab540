// The rules of docs/rules.md (QEMU's s390x KVM TOD device) as one state machine for
// every device. The numbered comments ("rule 4") refer to those rules.
import { ClockDevice } from './devices/clock-device';
import { fallbackChannel, holdChannel, releaseChannel } from './diagnostics';
import { OptionNames, assertFd, describeValue, invalidArgType, invalidArgValue, optionsObject } from './arg-errors';
import { DEFAULT_MAX_DOWNTIME_NS, PAST_THE_END, assertMaxDowntimeNs, notBehind } from './downtime';
import { hostUnixNs, hostUnixNsAt } from './host-tod';
import * as internal from './internals';
import { ClockPolicy, ClockPolicyName, assertPolicy } from './policy';
import { askReadInstant, takeReadInstantInto } from './read-instant';
import { KvmTodWarning, WarningCode, WarningCodes, WarningSink, deliver, emitProcessWarning } from './warnings';

/** Options of {@link GuestClock}. */
export interface GuestClockOptions {
  /** Where warnings go; `process.emitWarning` by default. */
  warn?: WarningSink;
  /**
   * A protected-virtualization (Secure Execution) guest, whose clock belongs to the
   * ultravisor: state changes do nothing. A function is asked at each state change.
   */
  protectedGuest?: boolean | (() => boolean);
  /** A label for warnings and diagnostics events, e.g. the VM's name. */
  name?: string;
  /**
   * What a resume does with the held clock: 'freeze' (the default, QEMU's rule),
   * 'catch-up', or a function of how long it was held. Changeable at run time.
   */
  policy?: ClockPolicy;
  /**
   * The VM's vCPU descriptors, to be told after each pause that their guest was paused
   * (x86 kvmclock: KVMCLOCK_CTRL, as QEMU sends it). Add and remove vCPUs later with
   * {@link GuestClock.addVcpu} and {@link GuestClock.removeVcpu}. No effect on a device
   * without such a notice (the s390 TOD: the architecture has none).
   */
  vcpus?: readonly number[];
  /**
   * The most downtime a migration section may add under 'catch-up', in ns: a section
   * whose source wall time is further back than this (or at or before 1970) adds nothing
   * and warns `KVM_TOD_DOWNTIME_REFUSED`, and the clock is held as under freeze. 30 days
   * by default ({@link DEFAULT_MAX_DOWNTIME_NS}); changeable at run time.
   */
  maxDowntimeNs?: bigint;
}

const OPTIONS: OptionNames<GuestClockOptions> = {
  warn: true,
  protectedGuest: true,
  name: true,
  policy: true,
  vcpus: true,
  maxDowntimeNs: true,
};

/**
 * The VMM's state hook for one VM's guest clock: holds it while the VM does not run,
 * so that the guest does not see the pause, and carries it through migration.
 */
export class GuestClock<T> {
  /** The device whose clock this holds. */
  readonly device: ClockDevice<T>;
  /** The label of warnings and diagnostics events (`options.name`, else `'guest'`). */
  readonly name: string;
  // The clock's state lives in #private fields, out of a user's reach; what the library's
  // own modules (and the tests' mutants) need is symbol-keyed (internals.ts).
  readonly #sink: WarningSink;
  readonly #isProtected: () => boolean;
  // protectedGuest: false (the default): no check to call at each state change.
  readonly #neverProtected: boolean;
  #isRunning = false;
  // The hold: whether there is one, its value, and since: host monotonic ns at the hold
  // (hostUnixNsAt(since): when the value was true) in #since[0], the word a release reads in
  // #since[1]. Fields and a typed array rather than a { value, since } object: a hold runs on
  // every stop, and a new object and bigint each time, kept in this long-lived clock, cost
  // the garbage collector's work (bench/README.md).
  #held = false;
  #heldValue: T | undefined;
  readonly #since = new BigUint64Array(2);
  readonly #sinceHalves = new Uint32Array(this.#since.buffer);
  #currentPolicy: ClockPolicy = 'freeze';
  #maxDowntime = DEFAULT_MAX_DOWNTIME_NS;
  // Whether the VM was ever paused (stopped, or loaded as a migration destination).
  #hasStopped = false;

  /**
   * A clock for a VM that does not run yet; no device call is made.
   * @throws {TypeError} `ERR_INVALID_ARG_TYPE`: `device` has no `read()` and `write()`;
   *   `options` is not an object; `options.warn` is not a function; `options.name` is not a string;
   *   `options.protectedGuest` is neither a boolean nor a function.
   * @throws {TypeError} `ERR_INVALID_ARG_VALUE`: `options.policy` is not 'freeze', 'catch-up'
   *   or a function, or is 'catch-up' for a device without `advance()`.
   * @throws {TypeError} `ERR_INVALID_ARG_TYPE`: `options.vcpus` is not an array, or holds
   *   something that is not a number.
   * @throws {RangeError} `ERR_OUT_OF_RANGE`: a vCPU descriptor is not an integer in 0..2^31-1.
   * @throws {TypeError} `ERR_INVALID_ARG_TYPE`: `options.maxDowntimeNs` is not a bigint.
   * @throws {RangeError} `ERR_OUT_OF_RANGE`: `options.maxDowntimeNs` is negative.
   * @throws {TypeError} `ERR_INVALID_ARG_VALUE`: `options` has a key that is not an option
   *   (e.g. `vcpu` for `vcpus`): a misspelt option is never ignored.
   */
  constructor(device: ClockDevice<T>, options: GuestClockOptions = {}) {
    if (
      device === null ||
      typeof device !== 'object' ||
      typeof device.read !== 'function' ||
      typeof device.write !== 'function'
    ) {
      throw invalidArgType('The "device" argument must be a ClockDevice with read() and write() methods', device);
    }
    const {
      warn = emitProcessWarning,
      protectedGuest = false,
      name = 'guest',
      policy = 'freeze',
      vcpus,
      maxDowntimeNs = DEFAULT_MAX_DOWNTIME_NS,
    } = optionsObject(options, OPTIONS);
    if (typeof warn !== 'function') throw invalidArgType('The "options.warn" property must be a function', warn);
    if (typeof name !== 'string') throw invalidArgType('The "options.name" property must be of type string', name);
    if (typeof protectedGuest !== 'boolean' && typeof protectedGuest !== 'function') {
      throw invalidArgType('The "options.protectedGuest" property must be a boolean or a function', protectedGuest);
    }
    this.device = device;
    this.policy = policy;
    this.#maxDowntime = assertMaxDowntimeNs(maxDowntimeNs, 'options.maxDowntimeNs');
    this.name = name;
    this.#sink = warn;
    this.#isProtected = typeof protectedGuest === 'function' ? protectedGuest : () => Boolean(protectedGuest);
    this.#neverProtected = protectedGuest === false;
    for (const fd of vcpuList(vcpus)) this.addVcpu(fd);
  }

  /** The VM's run state as the VMM last reported it; false for a new VM. */
  get running(): boolean {
    return this.#isRunning;
  }

  /** Whether the guest clock is held (the VM is stopped and its clock was read). */
  get held(): boolean {
    return this.#held;
  }

  /** The resume policy; set it at any time, it applies from the next resume. */
  get policy(): ClockPolicy {
    return this.#currentPolicy;
  }

  /**
   * Sets the resume policy, from the next resume on.
   * @throws {TypeError} `ERR_INVALID_ARG_VALUE`: not 'freeze', 'catch-up' or a function, or
   *   'catch-up' for a device without `advance()`; the policy is then unchanged.
   */
  set policy(policy: ClockPolicy) {
    assertPolicy(policy);
    if (policy === 'catch-up' && typeof this.device.advance !== 'function') {
      throw invalidArgValue("This clock device has no advance(): it cannot 'catch-up'", policy);
    }
    this.#currentPolicy = policy;
  }

  /**
   * The most downtime a migration section may add under 'catch-up', in ns (30 days unless
   * given): see {@link GuestClockOptions.maxDowntimeNs}.
   */
  get maxDowntimeNs(): bigint {
    return this.#maxDowntime;
  }

  /**
   * Sets the bound, from the next load on (e.g. raised for a snapshot restored after months on purpose).
   * @throws {TypeError} `ERR_INVALID_ARG_TYPE`: not a bigint; the bound is then unchanged.
   * @throws {RangeError} `ERR_OUT_OF_RANGE`: negative; the bound is then unchanged.
   */
  set maxDowntimeNs(ns: bigint) {
    this.#maxDowntime = assertMaxDowntimeNs(ns, 'maxDowntimeNs');
  }

  /** The held value, while held. */
  get heldValue(): T | undefined {
    return this.#heldValue;
  }

  /** @internal The hold: `{ value, since }` while held (since: host monotonic ns), else undefined. */
  get [internal.heldBase](): { value: T; since: bigint } | undefined {
    return this.#held ? { value: this.#heldValue as T, since: this.#since[0] } : undefined;
  }

  /** @internal Replaces the hold (the tests' mutants break the rules through it). */
  set [internal.heldBase](base: { value: T; since: bigint } | undefined) {
    if (base === undefined) {
      this.#letGo();
    } else {
      this.#holdValue(base.value);
      this.#since[0] = base.since;
    }
  }

  #holdValue(value: T): void {
    this.#held = true;
    this.#heldValue = value;
  }

  #letGo(): void {
    this.#held = false;
    this.#heldValue = undefined;
  }

  /**
   * A vCPU to tell about pauses from the next resume on (hotplug, or one created after
   * the clock): forwarded to the device's `addVcpu`; no effect on a device without one
   * (the s390 TOD). No system call now.
   * @throws {TypeError} `ERR_INVALID_ARG_TYPE`: `vcpuFd` is not a number.
   * @throws {RangeError} `ERR_OUT_OF_RANGE`: `vcpuFd` is not an integer in 0..2^31-1.
   */
  addVcpu(vcpuFd: number): void {
    assertFd(vcpuFd, 'vcpuFd');
    this.device.addVcpu?.(vcpuFd);
  }

  /**
   * Stops telling a vCPU about pauses (unplug, or before closing it); one never added is
   * ignored. No effect on a device without `removeVcpu`.
   * @throws {TypeError} `ERR_INVALID_ARG_TYPE`: `vcpuFd` is not a number.
   * @throws {RangeError} `ERR_OUT_OF_RANGE`: `vcpuFd` is not an integer in 0..2^31-1.
   */
  removeVcpu(vcpuFd: number): void {
    assertFd(vcpuFd, 'vcpuFd');
    this.device.removeVcpu?.(vcpuFd);
  }

  /**
   * The VMM's hook: call it when the VM stops (`false`) and when it runs again
   * (`true`): hold right after the vCPUs stop, release right before they run.
   * @throws {TypeError} `ERR_INVALID_ARG_TYPE`: `running` is not a boolean (nothing is done).
   *   Nothing else: a device failure becomes a warning (`KVM_TOD_HOLD_FAILED`,
   *   `KVM_TOD_RESTORE_FAILED`, `KVM_TOD_POLICY_FAILED`, `KVM_TOD_PAUSE_NOTICE_FAILED`,
   *   `KVM_TOD_PROTECTED_CHECK_FAILED`) and a fallback event, and the clock keeps running;
   *   a catch-up that would carry the clock past its last value freezes instead
   *   (`KVM_TOD_DOWNTIME_REFUSED`).
   */
  vmStateChanged(running: boolean): void {
    // A state hook wired to the wrong value ('false' is truthy) would hold and release
    // at random; refuse it at once, before anything changes.
    if (typeof running !== 'boolean') throw invalidArgType('The "running" argument must be of type boolean', running);
    const now = running;
    if (now === this.#isRunning) return; // 3: nothing changed
    this.#isRunning = now;
    if (!this.#neverProtected && this.#protectedNow()) return; // 6
    if (!now) {
      if (!this.held) this.#hold(); // 1
      this.#hasStopped = true;
      return;
    }
    if (this.held) this[internal.release](); // 2
    // The guest was paused, whether or not its clock was held or restored: tell it
    // (kvmclock: KVMCLOCK_CTRL), as QEMU does on every run. A VM's first start
    // follows no pause, and a migration destination's does (its load held the clock).
    if (this.#hasStopped) this.#notifyResumed();
  }

  /**
   * Migration source: the value to send. While held, the held value (no ioctl: it must
   * not move while the VM is stopped); otherwise a fresh read (rule 4 of docs/rules.md).
   * @throws whatever the device's read throws (a KvmError).
   */
  save(): T {
    return this[internal.saveAt]().value;
  }

  /** @internal save(), with the host wall time at which the value was true. */
  [internal.saveAt](): { value: T; wallNs: bigint } {
    if (this.#held) return { value: this.#heldValue as T, wallNs: hostUnixNsAt(this.#since[0]) };
    const value = this.device.read();
    return { value, wallNs: hostUnixNs() };
  }

  /**
   * Migration destination: writes `value` at once, so that a bad value or a broken KVM
   * fails the load now, not at start. A VM that is not running then holds it until it
   * runs (rule 5 of docs/rules.md).
   * @throws whatever the device's write throws; the state is then unchanged.
   */
  load(value: T): void {
    this[internal.loadAt](value);
  }

  /**
   * @internal load(), for a value that was the guest's time at host monotonic `trueAt`
   * (a section's value caught up to the instant its downtime was measured): the hold counts
   * from then, so a catch-up at cont also adds the time the load itself took.
   */
  [internal.loadAt](value: T, trueAt?: bigint): void {
    this.device.write(value);
    if (this.#isRunning) {
      this.#letGo();
    } else {
      this.#holdValue(value);
      this.#since[0] = trueAt ?? process.hrtime.bigint();
      this.#hasStopped = true;
      this.#publishHold(value, 'load');
    }
  }

  /** @internal Reports a warning through this clock's sink (used by the section calls). */
  [internal.warnWith](code: WarningCode, message: string, cause?: unknown): void {
    deliver(this.#sink, new KvmTodWarning(code, `${this.name}: ${message}`, cause));
  }

  /** @internal Publishes a fallback for `operation`. */
  [internal.publishFallback](operation: 'hold' | 'release' | 'save' | 'load', error: unknown, heldNs?: bigint): void {
    if (fallbackChannel.hasSubscribers) {
      fallbackChannel.publish({ clock: this, name: this.name, operation, error, heldNs });
    }
  }

  #hold(): void {
    let value: T;
    try {
      askReadInstant(); // the library's devices' read takes it for `since`
      value = this.device.read();
    } catch (error) {
      this[internal.warnWith](
        WarningCodes.HOLD_FAILED,
        'could not hold the guest clock at stop; it keeps running',
        error,
      );
      this[internal.publishFallback]('hold', error);
      return;
    }
    this.#holdValue(value);
    takeReadInstantInto(this.#sinceHalves);
    this.#publishHold(value, 'stop');
  }

  /** @internal cont's step for a held clock: writes it back (or caught up) and lets go. */
  [internal.release](): void {
    const value = this.#heldValue as T;
    // Released whatever happens: a failed restore is treated as if the clock had run all along.
    this.#letGo();
    // How long it was held is read only when something needs it (a policy function, a
    // failure, a subscriber): this runs on every cont, so not even a bigint is made for it.
    // The instant moves to its own word first: a hold made meanwhile (a policy function or
    // a device of the caller's that stops the VM again) writes #since[0].
    const since = this.#since;
    since[1] = since[0];
    let policy =
      typeof this.#currentPolicy === 'function'
        ? this[internal.policyFor](process.hrtime.bigint() - since[1])
        : this.#currentPolicy;
    let written: T;
    try {
      const caughtUp = policy === 'catch-up' ? this.#writeCaughtUp(value, since[1]) : undefined;
      if (caughtUp !== undefined) {
        written = caughtUp.written;
      } else {
        this.device.write(value);
        written = value;
        policy = 'freeze';
      }
    } catch (error) {
      this[internal.warnWith](
        WarningCodes.RESTORE_FAILED,
        'could not restore the held guest clock at cont; the guest sees the pause',
        error,
      );
      this[internal.publishFallback]('release', error, process.hrtime.bigint() - since[1]);
      return;
    }
    if (releaseChannel.hasSubscribers) {
      const heldNs = process.hrtime.bigint() - since[1];
      releaseChannel.publish({ clock: this, name: this.name, value: written, held: value, heldNs, policy });
    }
  }

  /** @internal The policy for a clock held `heldNs`; a failing policy function means freeze. */
  [internal.policyFor](heldNs: bigint): ClockPolicyName {
    const policy = this.#currentPolicy;
    if (typeof policy !== 'function') return policy;
    let choice: unknown;
    try {
      choice = policy(heldNs);
    } catch (error) {
      this[internal.warnWith](WarningCodes.POLICY_FAILED, 'the policy function threw; the clock was frozen', error);
      return 'freeze';
    }
    if (choice === 'freeze') return choice;
    if (choice === 'catch-up' && typeof this.device.advance === 'function') return choice;
    const why =
      choice === 'catch-up' ? 'the device cannot catch up' : `the policy function answered ${describeAnswer(choice)}`;
    this[internal.warnWith](WarningCodes.POLICY_FAILED, `${why}; the clock was frozen`);
    return 'freeze';
  }

  // The kernel's own catch-up where it has one (measured to the instant of the
  // write), else the held value plus the time held, measured just before the write.
  // Undefined, having written nothing, where that would carry the clock past its last
  // value back to its start (a clock loaded near its end): the caller then freezes.
  #writeCaughtUp(value: T, since: bigint): { written: T } | undefined {
    if (this.device.writeCaughtUp?.(value)) return { written: value };
    const advanced = this.device.advance!(value, process.hrtime.bigint() - since);
    if (!notBehind(value, advanced)) {
      this[internal.warnWith](WarningCodes.DOWNTIME_REFUSED, PAST_THE_END);
      return undefined;
    }
    this.device.write(advanced);
    return { written: advanced };
  }

  #notifyResumed(): void {
    try {
      this.device.resumed?.();
    } catch (error) {
      this[internal.warnWith](
        WarningCodes.PAUSE_NOTICE_FAILED,
        'could not tell the guest it was paused (KVMCLOCK_CTRL)',
        error,
      );
    }
  }

  #publishHold(value: T, reason: 'stop' | 'load'): void {
    if (holdChannel.hasSubscribers) holdChannel.publish({ clock: this, name: this.name, value, reason });
  }

  #protectedNow(): boolean {
    try {
      return Boolean(this.#isProtected());
    } catch (error) {
      this[internal.warnWith](
        WarningCodes.PROTECTED_CHECK_FAILED,
        'the protectedGuest check threw; the state change was ignored',
        error,
      );
      return true;
    }
  }
}

// options.vcpus: an array of descriptors, each checked when the clock adds it.
function vcpuList(vcpus: unknown): readonly number[] {
  if (vcpus === undefined) return [];
  if (!Array.isArray(vcpus))
    throw invalidArgType('The "options.vcpus" property must be an array of vCPU descriptors', vcpus);
  vcpus.forEach((fd: unknown, i) => assertFd(fd, `options.vcpus[${i}]`));
  return vcpus as number[];
}

// A policy's answer as a warning shows it: strings as they are, anything else described.
function describeAnswer(choice: unknown): string {
  return typeof choice === 'string' ? choice : describeValue(choice);
}
