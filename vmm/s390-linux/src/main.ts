// The s390 Linux VMM from the command line, for trying it by hand inside the s390 box:
//   node vmm/s390-linux/dist/main.js boot [seconds]   boot, print the guest's console, stop
// Settings as environment: S390_GUEST_BUSY=fork,files  S390_GUEST_RCU_TIMEOUT=3
// S390_GUEST_EXTRA='word word'  S390_GUEST_MEMORY_MIB=256
import { guestFiles } from './guest-files';
import { S390Vm } from './s390-vm';
import { GuestSettings, commandLine, defaultSettings } from './settings';

function settingsFromEnv(): GuestSettings {
  const env = process.env;
  return {
    ...defaultSettings,
    busy: (env.S390_GUEST_BUSY ?? '').split(',').filter(Boolean),
    ...(env.S390_GUEST_RCU_TIMEOUT ? { rcuStallTimeout: Number(env.S390_GUEST_RCU_TIMEOUT) } : {}),
    ...(env.S390_GUEST_HUNG_TIMEOUT ? { hungTaskTimeout: Number(env.S390_GUEST_HUNG_TIMEOUT) } : {}),
    extra: (env.S390_GUEST_EXTRA ?? '').split(' ').filter(Boolean),
  };
}

async function main(argv: string[]): Promise<number> {
  const [what = 'boot', a] = argv;
  const files = guestFiles();
  const settings = settingsFromEnv();
  const memoryMiB = Number(process.env.S390_GUEST_MEMORY_MIB ?? 256);
  if (what === 'boot') {
    const cmdline = commandLine(settings);
    const vm = new S390Vm({ ...files, cmdline, memoryMiB, trace: process.env.S390_VMM_TRACE === '1' });
    const t0 = Date.now();
    const stamp = (): string => `[host +${((Date.now() - t0) / 1000).toFixed(2)}s]`;
    console.log(`${stamp()} command line: ${cmdline}`);
    console.log(`${stamp()} CPU model: topology (facility 11) offered by KVM: ${vm.cpuModel.topologyOffered}`);
    console.log(`${stamp()} CPU model facilities: ${vm.cpuModel.facilities.join(' ')}`);
    vm.on('line', (l: { text: string }) => console.log(`${stamp()} ${l.text}`));
    vm.on('note', (n: string) => console.log(`${stamp()} VMM: ${n}`));
    const ended = new Promise<string>((r) => vm.on('exit', r));
    await vm.start();
    // S390_VMM_SAMPLE_MS: stop the vCPU that often and print where its PSW is (debugging a boot).
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
      new Promise<undefined>((r) => setTimeout(() => r(undefined), Number(a ?? 120) * 1000)),
    ]);
    if (sampler) clearInterval(sampler);
    // S390_VMM_INSPECT=/abs/file.js: a module whose function gets the stopped VM (debugging a boot).
    if (process.env.S390_VMM_INSPECT && vm.exit === undefined) {
      vm.stop();
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      (require(process.env.S390_VMM_INSPECT) as (vm: S390Vm) => void)(vm);
    }
    // S390_VMM_FIND='text|text': where those strings are in guest memory (debugging a boot).
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
    console.log(`${stamp()} ${reason === undefined ? 'time is up' : `vCPU thread ended: ${reason}`}`);
    await vm.close();
    return reason === undefined ? 0 : 1;
  }
  console.error('usage: main.js boot [seconds]');
  return 2;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
