// The anchor, run inside the s390 box by scripts/qemu-anchor.sh: the same guest (kernel,
// initramfs, command line) under Debian's QEMU 7.2 for s390x on the same kvm.ko, paused the two
// ways the QEMU commit contrasts, on one boot: QMP stop, a pause, QMP cont (QEMU holds the
// guest's TOD across it: the commit's fix), then QEMU SIGSTOPped for the pause (nothing holds
// it: the symptom), repeated up to 3 times until the kernel complains. The guest's console is
// QEMU's sclpconsole written to a file, read here as it grows and stamped with host time.
//   node dist/qemu-anchor.js QEMU_ROOT [PAUSE_MS]    (QEMU_ROOT as qemu-anchor.sh prepares it)
import { ChildProcess, spawn } from 'child_process';
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import { CLOCK_SEEN, ClockSample, GuestLine, LineAssembler, guestLeap, parseClockLine } from '@kvm-tod/vmm-common';
import { guestFiles } from './guest-files';
import { kernelComplaint } from './kernel-complaints';
import { commandLine } from './settings';
import { KernelComplaint, LEAP_WINDOW, stallSettings } from './stop-cont';

export type AnchorHow = 'qmp-stop' | 'sigstop';

export interface AnchorPhase {
  how: AnchorHow;
  attempt: number;
  pauseMs: number;
  leapMs: number;
  realtimeLeapMs: number;
  kernelComplaints: KernelComplaint[];
  excerpt: string[];
}

export interface AnchorResult {
  qemu: string;
  cmdline: string;
  bootMs: number;
  phases: AnchorPhase[];
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const ms = (n: bigint): number => Number(n) / 1e6;

/** A QMP connection: one command at a time, its answer (or its error) back. */
class Qmp {
  private buffer = '';
  private waiting: ((m: Record<string, unknown>) => void)[] = [];
  private constructor(private readonly socket: net.Socket) {
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      this.buffer += chunk;
      for (let nl = this.buffer.indexOf('\n'); nl >= 0; nl = this.buffer.indexOf('\n')) {
        const message = JSON.parse(this.buffer.slice(0, nl)) as Record<string, unknown>;
        this.buffer = this.buffer.slice(nl + 1);
        if ('return' in message || 'error' in message || 'QMP' in message) this.waiting.shift()?.(message);
      }
    });
  }

  static async connect(socketPath: string, timeoutMs: number): Promise<Qmp> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      try {
        const socket = await new Promise<net.Socket>((resolve, reject) => {
          const s = net.connect(socketPath, () => resolve(s));
          s.once('error', reject);
        });
        const qmp = new Qmp(socket);
        await qmp.next(); // the greeting
        await qmp.execute('qmp_capabilities');
        return qmp;
      } catch (error) {
        if (Date.now() > deadline) throw error;
        await sleep(200);
      }
    }
  }

  private next(): Promise<Record<string, unknown>> {
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  async execute(command: string): Promise<void> {
    const answer = this.next();
    this.socket.write(`${JSON.stringify({ execute: command })}\n`);
    const m = await answer;
    if ('error' in m) throw new Error(`QMP ${command}: ${JSON.stringify(m.error)}`);
  }

  close(): void {
    this.socket.destroy();
  }
}

/** QEMU's console file, read as it grows, as stamped lines. */
class ConsoleFile {
  readonly lines: GuestLine[] = [];
  private offset = 0;
  private readonly timer: NodeJS.Timeout;
  private readonly assembler: LineAssembler;

  constructor(
    private readonly file: string,
    onLine: (l: GuestLine) => void,
  ) {
    this.assembler = new LineAssembler((l) => {
      this.lines.push(l);
      onLine(l);
    });
    this.timer = setInterval(() => this.poll(), 50);
  }

  private poll(): void {
    let fd: number;
    try {
      fd = fs.openSync(this.file, 'r');
    } catch {
      return;
    }
    try {
      const chunk = Buffer.alloc(65536);
      for (let n = fs.readSync(fd, chunk, 0, chunk.length, this.offset); n > 0;) {
        this.offset += n;
        this.assembler.push(chunk.subarray(0, n), process.hrtime.bigint());
        n = fs.readSync(fd, chunk, 0, chunk.length, this.offset);
      }
    } finally {
      fs.closeSync(fd);
    }
  }

  async waitFor(pattern: RegExp, timeoutMs: number, from = 0): Promise<GuestLine> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const line = this.lines.slice(from).find((l) => pattern.test(l.text));
      if (line) return line;
      if (Date.now() > deadline) throw new Error(`no guest line matching ${pattern} within ${timeoutMs} ms`);
      await sleep(50);
    }
  }

  close(): void {
    clearInterval(this.timer);
  }
}

export async function runQemuAnchor(qemuRoot: string, pauseMs: number, watchMs = 20_000): Promise<AnchorResult> {
  const { kernel, initrd } = guestFiles();
  // The tests' stall settings unless the environment says otherwise (as for main.js);
  // S390_GUEST_RCU_TIMEOUT=kernel leaves the kernel's own stall timeout (21 s in Debian's).
  const timeout = process.env.S390_GUEST_RCU_TIMEOUT;
  const settings = {
    ...stallSettings,
    busy: (process.env.S390_GUEST_BUSY ?? 'fork').split(',').filter(Boolean),
    rcuStallTimeout: timeout === 'kernel' ? undefined : Number(timeout ?? stallSettings.rcuStallTimeout),
  };
  const cmdline = commandLine(settings);
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'qemu-anchor-'));
  const consolePath = path.join(work, 'console.txt');
  const qmpPath = path.join(work, 'qmp.sock');
  const args = [
    '--library-path',
    path.join(qemuRoot, 'lib'),
    path.join(qemuRoot, 'qemu-system-s390x'),
    ...['-M', 's390-ccw-virtio', '-accel', 'kvm', '-m', '256', '-smp', '1', '-display', 'none', '-nodefaults'],
    ...['-L', path.join(qemuRoot, 'share'), '-mem-prealloc', '-no-reboot'],
    ...['-chardev', `file,id=con,path=${consolePath}`, '-device', 'sclpconsole,chardev=con'],
    ...['-qmp', `unix:${qmpPath},server=on,wait=off`],
    ...['-kernel', kernel, '-initrd', initrd, '-append', cmdline],
  ];
  const t0 = Date.now();
  const stamp = (): string => `[host +${((Date.now() - t0) / 1000).toFixed(2)}s]`;
  const qemu: ChildProcess = spawn(path.join(qemuRoot, 'lib', 'ld64.so.1'), args, {
    env: { ...process.env, LD_PRELOAD: path.join(qemuRoot, 'cow-shim.so') },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const exited = new Promise<string>((r) => qemu.on('exit', (code, signal) => r(`QEMU exited: ${code ?? signal}`)));
  void exited.then((why) => console.error(`${stamp()} ${why}`));
  const console_ = new ConsoleFile(consolePath, (l) => console.error(`${stamp()} ${l.text}`));
  let qmp: Qmp | undefined;
  try {
    const startNs = process.hrtime.bigint();
    qmp = await Qmp.connect(qmpPath, 60_000);
    const first = await console_.waitFor(CLOCK_SEEN, 900_000);
    const phases: AnchorPhase[] = [];
    const ways: { how: AnchorHow; attempts: number }[] = [
      { how: 'qmp-stop', attempts: 1 },
      { how: 'sigstop', attempts: 3 },
    ];
    for (const { how, attempts } of ways) {
      for (let attempt = 1; attempt <= attempts; attempt++) {
        for (let i = 0; i < 4; i++) await console_.waitFor(CLOCK_SEEN, 120_000, console_.lines.length);
        const from = Math.max(0, console_.lines.length - 2);
        if (how === 'qmp-stop') await qmp.execute('stop');
        else qemu.kill('SIGSTOP');
        const stopNs = process.hrtime.bigint();
        console.error(`${stamp()} --- ${how} (pause ${pauseMs} ms)`);
        await sleep(pauseMs);
        const contNs = process.hrtime.bigint();
        if (how === 'qmp-stop') await qmp.execute('cont');
        else qemu.kill('SIGCONT');
        console.error(`${stamp()} --- cont`);
        await sleep(watchMs);
        await console_.waitFor(CLOCK_SEEN, 120_000, console_.lines.length);
        const lines = console_.lines.slice(from);
        const samples = console_.lines
          .map((l) => parseClockLine(l.text, l.startNs))
          .filter((s): s is ClockSample => s !== undefined);
        const leap = guestLeap(samples, stopNs, contNs, LEAP_WINDOW);
        if (!leap) throw new Error('no clock lines on both sides of the pause');
        const kernelComplaints = lines.flatMap((l) => {
          const kind = kernelComplaint(l.text);
          return kind ? [{ kind, text: l.text }] : [];
        });
        phases.push({
          how,
          attempt,
          pauseMs: ms(contNs - stopNs),
          leapMs: ms(leap.monotonicLeapNs),
          realtimeLeapMs: ms(leap.realtimeLeapNs),
          kernelComplaints,
          excerpt: lines.map((l) => l.text),
        });
        console.error(
          `${stamp()} --- ${how}: leap ${ms(leap.monotonicLeapNs).toFixed(1)} ms, ` +
            `${kernelComplaints.length} complaint lines`,
        );
        if (kernelComplaints.length > 0) break;
      }
    }
    return { qemu: 'QEMU 7.2 (Debian qemu-system-misc:s390x)', cmdline, bootMs: ms(first.startNs - startNs), phases };
  } finally {
    qmp?.close();
    console_.close();
    qemu.kill('SIGCONT');
    qemu.kill('SIGKILL');
    await exited;
    fs.rmSync(work, { recursive: true, force: true });
  }
}

if (require.main === module) {
  const [root, pause] = process.argv.slice(2);
  runQemuAnchor(root, Number(pause ?? 10_000)).then(
    (result) => {
      console.log(JSON.stringify(result, null, 2));
      process.exit(0);
    },
    (error) => {
      console.error(error);
      process.exit(1);
    },
  );
}
