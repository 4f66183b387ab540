// The Linux VMM from the command line, for trying it by hand inside the KVM box:
//   node vmm/linux/dist/main.js boot [seconds]          boot, print the guest's console, stop
//   node vmm/linux/dist/main.js stop-cont HOLD[,HOLD...] PAUSE_MS
//                                                       one boot per HOLD (none, freeze,
//                                                       catch-up), the results as JSON
//   node vmm/linux/dist/main.js qemu-scenarios HOLD[,HOLD...] PAUSE_MS
//                                                       one boot per HOLD: the QEMU commit's four
//                                                       scenarios (qemu-scenarios.ts), as JSON
// Settings as environment: LINUX_GUEST_BUSY=1, LINUX_GUEST_EXTRA='word word', LINUX_GUEST_CYCLES=3
// (stop/cont that many times in one boot).
import { guestFiles } from './guest-files';
import { GuestLine } from '@kvm-tod/vmm-common';
import { LinuxVm } from './linux-vm';
import { runQemuScenarios } from './qemu-scenarios';
import { Hold, commandLine, defaultSettings, runStopCont } from './stop-cont';

const quiet = Boolean(process.env.LINUX_GUEST_QUIET);

/**
 * One boot per hold of the comma-separated list `holds` (default none), each announced on
 * stderr and given a stamp of its own host time for the guest's lines; prints the results
 * as one JSON array.
 */
async function eachHold<R>(holds: string | undefined, run: (hold: Hold, stamp: () => string) => Promise<R>) {
  const results: R[] = [];
  for (const hold of (holds ?? 'none').split(',') as Hold[]) {
    const t0 = Date.now();
    console.error(`--- ${hold}`);
    results.push(await run(hold, () => `[host +${((Date.now() - t0) / 1000).toFixed(2)}s]`));
  }
  console.log(JSON.stringify(results, null, 2));
  return 0;
}

async function main(argv: string[]): Promise<number> {
  const [what = 'boot', a, b] = argv;
  const files = guestFiles();
  const settings = {
    ...defaultSettings,
    busy: process.env.LINUX_GUEST_BUSY === '1',
    extra: (process.env.LINUX_GUEST_EXTRA ?? '').split(' ').filter(Boolean),
  };
  if (what === 'boot') {
    const vm = new LinuxVm({ ...files, cmdline: commandLine(settings) });
    const t0 = Date.now();
    vm.on('line', (l: GuestLine) => console.log(`[host +${((Date.now() - t0) / 1000).toFixed(2)}s] ${l.text}`));
    vm.on('exit', (r) => console.log(`vCPU thread ended: ${r}`));
    await vm.start();
    await new Promise((r) => setTimeout(r, Number(a ?? 60) * 1000));
    await vm.close();
    return 0;
  }
  if (what === 'stop-cont') {
    return eachHold(a, async (hold, stamp) => {
      const result = await runStopCont({
        ...files,
        hold,
        pauseMs: Number(b ?? 10000),
        cycles: Number(process.env.LINUX_GUEST_CYCLES ?? 1),
        settings,
        onLine: quiet ? undefined : (l) => console.error(`${stamp()} ${l.text}`),
      });
      for (const c of result.cycles)
        console.error(`--- ${hold}: pause ${c.pauseMs.toFixed(1)} ms, leap ${c.leapMs.toFixed(1)} ms`);
      console.error(
        `--- ${hold}: leap ${result.leapMs.toFixed(1)} ms of a ${result.pauseMs.toFixed(1)} ms pause, ` +
          `${result.kernelComplaints.filter((c) => c.aboutPause).length} complaints about it`,
      );
      return result;
    });
  }
  if (what === 'qemu-scenarios') {
    return eachHold(a, async (hold, stamp) => {
      const t0 = Date.now();
      const result = await runQemuScenarios({
        ...files,
        hold,
        pauseMs: Number(b ?? 10000),
        settings,
        onLine: quiet ? undefined : (l, vm) => console.error(`${stamp()} [${vm}] ${l.text}`),
      });
      for (const k of ['stopCont', 'liveMigration', 'offlineMigration'] as const) {
        const r = result[k];
        console.error(
          `--- ${hold} ${k}: pause ${r.pauseMs.toFixed(1)} ms, leap ${r.leapMs.toFixed(1)} ms ` +
            `(own clock ${r.ownClockLeapMs.toFixed(1)}), ${r.kernelComplaints.filter((c) => c.aboutPause).length} ` +
            `complaints, calls ${JSON.stringify(r.calls)}`,
        );
      }
      console.error(`--- ${hold} simple start: ${JSON.stringify(result.simpleStart)} (${Date.now() - t0} ms in all)`);
      return result;
    });
  }
  console.error(
    'usage: main.js boot [seconds] | stop-cont|qemu-scenarios HOLD[,HOLD...] PAUSE_MS (HOLD: none|freeze|catch-up)',
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
