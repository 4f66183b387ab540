// The s390 Linux VMM from the command line, for trying it by hand inside the s390 box
// (`npm run s390-box -- node vmm/s390-linux/dist/main.js ...`):
//   boot [seconds]                 boot, print the guest's console until it ends or time is up
//   pauses HOLD:MS[,HOLD:MS...]    one boot; each phase a stop, a pause of MS, a cont with HOLD
//                                  (none, freeze, catch-up); the guest's lines live on stderr,
//                                  the results as JSON on stdout (stop-cont.ts)
//   stop-cont [MS]                 one boot: (b) freeze, (c) catch-up, (a) none (runStopCont)
//   qemu-scenarios HOLD[,...] [MS] one boot per HOLD: the QEMU commit's four scenarios, with live
//                                  and offline migration between VMs (qemu-scenarios.ts)
// Settings as environment: S390_GUEST_BUSY=fork,files  S390_GUEST_RCU_TIMEOUT=3 (or kernel: its own)
// S390_GUEST_HUNG_TIMEOUT=10  S390_GUEST_EXTRA='word word'  S390_GUEST_MEMORY_MIB=256
// S390_GUEST_WATCH_MS=20000. Debugging a boot: S390_VMM_TRACE=1 (every SERVC and exit),
// S390_VMM_SAMPLE_MS=N (the PSW every N ms), S390_VMM_FIND='a|b' (strings in guest memory),
// S390_VMM_INSPECT=/abs/module.js (a function given the stopped VM at the end).
import { guestFiles } from './guest-files';
import { S390Vm } from './s390-vm';
import { GuestSettings, commandLine, defaultSettings } from './settings';
import { runQemuScenarios } from './qemu-scenarios';
import { Hold, Phase, runPauses, runStopCont } from './stop-cont';

function settingsFromEnv(): GuestSettings {
  const env = process.env;
  return {
    ...defaultSettings,
    busy: (env.S390_GUEST_BUSY ?? '').split(',').filter(Boolean),
    ...(env.S390_GUEST_RCU_TIMEOUT && env.S390_GUEST_RCU_TIMEOUT !== 'kernel'
      ? { rcuStallTimeout: Number(env.S390_GUEST_RCU_TIMEOUT) }
      : {}),
    ...(env.S390_GUEST_HUNG_TIMEOUT ? { hungTaskTimeout: Number(env.S390_GUEST_HUNG_TIMEOUT) } : {}),
    ...(env.S390_GUEST_LOGLEVEL ? { loglevel: Number(env.S390_GUEST_LOGLEVEL) } : {}),
    extra: (env.S390_GUEST_EXTRA ?? '').split(' ').filter(Boolean),
  };
}

const t0 = Date.now();
const stamp = (): string => `[host +${((Date.now() - t0) / 1000).toFixed(2)}s]`;

async function boot(seconds: number, settings: GuestSettings, memoryMiB: number): Promise<number> {
  const files = guestFiles();
  const cmdline = commandLine(settings);
  const vm = new S390Vm({ ...files, cmdline, memoryMiB, trace: process.env.S390_VMM_TRACE === '1' });
  console.log(`${stamp()} command line: ${cmdline}`);
  console.log(`${stamp()} CPU model: topology (facility 11) offered by KVM: ${vm.cpuModel.topologyOffered}`);
  console.log(`${stamp()} CPU model facilities: ${vm.cpuModel.facilities.join(' ')}`);
  vm.on('line', (l: { text: string }) => console.log(`${stamp()} ${l.text}`));
  vm.on('note', (n: string) => console.log(`${stamp()} VMM: ${n}`));
  const ended = new Promise<string>((r) => vm.on('exit', r));
  await vm.start();
  const sampleMs = Number(process.env.S390_VMM_SAMPLE_MS ?? 0);
  const sampler =
    sampleMs > 0
      ? setInterval(() => {
          if (vm.exit !== undefined) return;
          vm.stop();
          const irqs = vm.floatingIrqs().map((i) => `0x${i.type.toString(16)}:0x${i.parm.toString(16)}`);
          console.log(`${stamp()} sample: ${vm.psw()} cr0 0x${vm.cr(0).toString(16)} floating [${irqs.join(' ')}]`);
          vm.cont();
        }, sampleMs)
      : undefined;
  const reason = await Promise.race([
    ended,
    new Promise<undefined>((r) => setTimeout(() => r(undefined), seconds * 1000)),
  ]);
  if (sampler) clearInterval(sampler);
  console.log(`${stamp()} ${reason === undefined ? 'time is up' : `vCPU thread ended: ${reason}`}`);
  if (process.env.S390_VMM_INSPECT && vm.exit === undefined) {
    vm.stop();
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    (require(process.env.S390_VMM_INSPECT) as (vm: S390Vm) => void)(vm);
  }
  for (const needle of (process.env.S390_VMM_FIND ?? '').split('|').filter(Boolean)) {
    const mem = Buffer.from(vm.memory.buffer, vm.memory.byteOffset, vm.memory.byteLength);
    const hits: string[] = [];
    for (let at = mem.indexOf(needle); at >= 0 && hits.length < 8; at = mem.indexOf(needle, at + 1)) {
      const around = mem
        .subarray(Math.max(0, at - 80), at + 120)
        .toString('latin1')
        .replace(/[^\x20-\x7e]/g, '.');
      hits.push(`0x${at.toString(16)}: ${around}`);
    }
    console.log(`${stamp()} find "${needle}": ${hits.length ? `\n  ${hits.join('\n  ')}` : 'nowhere'}`);
  }
  await vm.close();
  return reason === undefined ? 0 : 1;
}

function parsePhases(spec: string | undefined): Phase[] {
  return (spec ?? 'none:30000').split(',').map((p) => {
    const [hold, pause] = p.split(':');
    if (!['none', 'freeze', 'catch-up'].includes(hold) || !(Number(pause) >= 0))
      throw new Error(`bad phase "${p}": HOLD:MS with HOLD none, freeze or catch-up`);
    return { hold: hold as Hold, pauseMs: Number(pause) };
  });
}

async function main(argv: string[]): Promise<number> {
  const [what = 'boot', a] = argv;
  const settings = settingsFromEnv();
  const memoryMiB = Number(process.env.S390_GUEST_MEMORY_MIB ?? 256);
  if (what === 'boot') return boot(Number(a ?? 120), settings, memoryMiB);
  if (what === 'pauses') {
    const result = await runPauses({
      ...guestFiles(),
      phases: parsePhases(a),
      settings,
      memoryMiB,
      watchMs: Number(process.env.S390_GUEST_WATCH_MS ?? 20_000),
      onLine: (l) => console.error(`${stamp()} ${l.text}`),
      onPhase: (event, p) => console.error(`${stamp()} --- ${event} (${p.hold}, pause ${p.pauseMs} ms)`),
    });
    for (const p of result.phases)
      console.error(
        `${stamp()} --- ${p.hold}: leap ${p.leapMs.toFixed(1)} ms of a ${p.pauseMs.toFixed(1)} ms pause, ` +
          `${p.kernelComplaints.length} complaint lines, calls ${JSON.stringify(p.calls)}`,
      );
    console.log(JSON.stringify(result, null, 2));
    return 0;
  }
  if (what === 'stop-cont') {
    const result = await runStopCont({
      ...guestFiles(),
      pauseMs: Number(a ?? 10_000),
      memoryMiB,
      ...(process.env.S390_GUEST_BUSY !== undefined ? { settings } : {}),
      onLine: (l) => console.error(`${stamp()} ${l.text}`),
      onPhase: (event, p) => console.error(`${stamp()} --- ${event} (${p.hold}, pause ${p.pauseMs} ms)`),
    });
    console.log(JSON.stringify(result, null, 2));
    return 0;
  }
  if (what === 'qemu-scenarios') {
    const results = [];
    for (const hold of (a ?? 'none,freeze').split(',') as Hold[]) {
      console.error(`${stamp()} === ${hold}`);
      const r = await runQemuScenarios({
        ...guestFiles(),
        hold,
        pauseMs: Number(argv[2] ?? 10_000),
        memoryMiB,
        ...(process.env.S390_GUEST_BUSY !== undefined ? { settings } : {}),
        onLine: (l, vm) => console.error(`${stamp()} [${vm}] ${l.text}`),
        onStep: (text) => console.error(`${stamp()} --- ${text}`),
      });
      for (const k of ['stopCont', 'liveMigration', 'offlineMigration'] as const)
        console.error(
          `${stamp()} --- ${hold} ${k}: pause ${r[k].pauseMs.toFixed(1)} ms, leap ${r[k].leapMs.toFixed(1)} ms, ` +
            `${r[k].kernelComplaints.length} complaint lines, calls ${JSON.stringify(r[k].calls)}`,
        );
      results.push(r);
    }
    console.log(JSON.stringify(results, null, 2));
    return 0;
  }
  console.error(
    'usage: main.js boot [seconds] | pauses HOLD:MS[,...] | stop-cont [MS] | qemu-scenarios HOLD[,...] [MS]',
  );
  return 2;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
