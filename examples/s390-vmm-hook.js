// A minimal VMM's clock hook for an s390x guest: a GuestClock over the guest TOD, told of
// every change of run state, and the clock's migration section. It runs anywhere: the VM
// is SimulatedS390Tod, the library's model of the s390 kernel. On an s390x host with
// KVM, `createTodClock(createVm(openKvm()))` gives the same GuestClock over a real VM, in a
// node started after `sysctl -w vm.allocate_pgste=1` (or through a launcher linked with
// --s390-pgste: s390-pgste-launcher.c here); otherwise createVm throws EINVAL, with the fix in
// its message and hint.code 'KVM_TOD_S390_PGSTE' (README, "On IBM Z").
//   node examples/s390-vmm-hook.js [pause-ms]
'use strict';
const { GuestClock, SimulatedS390Tod, loadTodSection, saveTodSection, todDiffNs, todToIsoString } = require('kvm-tod');

const pauseMs = Number(process.argv[2] ?? 200);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const msBetween = (a, b) => (Number(todDiffNs(a, b)) / 1e6).toFixed(3);

async function main() {
  const vm = new SimulatedS390Tod(); // stands in for an s390 VM on /dev/kvm
  const clock = new GuestClock(vm, { name: 'guest0' });

  // The VMM's run loop tells the clock every change of run state.
  clock.vmStateChanged(true); // start: the TOD runs from VM creation; nothing to do
  clock.vmStateChanged(false); // stop: the TOD is read once and held
  const atStop = clock.heldValue;
  await sleep(pauseMs);
  clock.vmStateChanged(true); // cont: the held value is written back
  const afterCont = vm.read();
  console.log(`stop at ${todToIsoString(atStop)}, cont after ${pauseMs} ms`);
  console.log(`guest TOD moved ${msBetween(afterCont, atStop)} ms across the stop (without kvm-tod: ~${pauseMs} ms)`);

  // Migration: the source sends QEMU's todclock section; the destination holds the
  // value it loads until its guest runs.
  clock.vmStateChanged(false);
  const section = saveTodSection(clock);
  const destination = new GuestClock(new SimulatedS390Tod(), { name: 'guest0 (destination)' });
  loadTodSection(destination, section);
  console.log(`migrated ${section.length} bytes; destination held: ${destination.held}`);
  destination.vmStateChanged(true);
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
