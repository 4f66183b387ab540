// A Linux guest on one vCPU, the way a VMM written in Node runs one: the VM is set up here
// (main thread), the vCPU runs on its own worker thread (vcpu-worker.ts); stop() and cont(),
// and the state hook's place between them, are @kvm-tod/vmm-common's VcpuVm. What is x86's
// own: the machine (memory, boot layout, irqchip, PIT, CPUID, registers), the kick, and the
// silence watchdog.
import * as fs from 'fs';
import * as path from 'path';
import { STOP_TIMEOUT_MS, VcpuVm } from '@kvm-tod/vmm-common';
import { checkExtension, closeFd, createVcpu, createVm, openKvm } from 'kvm-tod';
import { planBoot } from './boot-layout';
import { parseBzImage } from './bzimage';
import { fixCpuid } from './cpuid';
import { vmm } from './native';
import { defaultSilenceLimit, GuestSilentError, GuestWhere, SilenceWatchdog } from './silence-watchdog';
import { WorkerSetup } from './vcpu-control';
import { newStats, outputBytes, summarizeExits } from './vcpu-stats';

const KVM_CAP_TSC_DEADLINE_TIMER = 72;
const TSS_ADDRESS = 0xfffbd000;
const IDENTITY_MAP_ADDRESS = 0xfffbc000;
const LAPIC_LVT0 = 0x350;
const LAPIC_LVT1 = 0x360;
const APIC_MODE_NMI = 0x4;
const APIC_MODE_EXTINT = 0x7;

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

export class LinuxVm extends VcpuVm {
  readonly kvmFd: number;
  readonly vmFd: number;
  readonly vcpuFd: number;
  /** Guest RAM from guest-physical 0 (one slot). */
  readonly ram: Uint8Array;
  private readonly memory: ArrayBuffer;
  private readonly stats = new Int32Array(newStats());
  private readonly silenceLimit: { limitMs: number; why: string };
  private watchdog: SilenceWatchdog | undefined;
  private silentError: GuestSilentError | undefined;
  private readonly runBytes: Uint8Array;

  /** Sets the VM up (memory, boot layout, irqchip, PIT, CPUID, registers) and its vCPU thread. */
  constructor(options: LinuxVmOptions) {
    super(options.stateHook, STOP_TIMEOUT_MS);
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
    const setup: WorkerSetup = { kvmFd: this.kvmFd, vmFd: this.vmFd, vcpuFd: this.vcpuFd, stats: this.stats.buffer };
    this.startThread(path.join(__dirname, 'vcpu-worker.js'), setup);
  }

  /** The silence that ended the run, once the watchdog has fired. */
  get silence(): GuestSilentError | undefined {
    return this.silentError;
  }

  /** First start: the vCPU runs (the hook is told: a simple start holds nothing), watched for silence. */
  override async start(): Promise<void> {
    await super.start();
    this.watchdog = new SilenceWatchdog(
      this.silenceLimit.limitMs,
      () => outputBytes(this.stats),
      () => this.running(),
      (silentMs) => this.onSilent(silentMs),
    );
  }

  /** Calls the hook with true, then lets the vCPU run again; its silence counts from now. */
  override cont(): void {
    super.cont();
    this.watchdog?.resume();
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

  // The watchdog fired: stop the vCPU to read where it is, and end the run with the error
  // (waitForLine rejects with it; 'silent' tells whoever listens).
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
    this.abort(this.silentError);
    this.emit('silent', this.silentError);
  }

  protected kick(tid: number): void {
    this.runBytes[vmm.runLayout.immediateExit] = 1;
    if (tid) vmm.kick(tid);
  }

  /** Ends the vCPU thread and closes the VM's descriptors. */
  override async close(): Promise<void> {
    this.watchdog?.stop();
    await super.close();
  }

  protected closeDescriptors(): void {
    for (const fd of [this.vcpuFd, this.vmFd, this.kvmFd]) closeFd(fd);
  }
}

function setLvtMode(lapic: Buffer, offset: number, mode: number): void {
  const v = lapic.readUInt32LE(offset);
  lapic.writeUInt32LE(((v & ~0x700) | (mode << 8)) >>> 0, offset);
}
