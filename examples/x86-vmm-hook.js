// A minimal VMM's clock hook for an x86_64 guest: a GuestClock over a VM's kvmclock on
// /dev/kvm, told of every change of run state, and the clock's migration section. Needs
// a usable /dev/kvm (read-write); without one it says why and exits 2.
//   node examples/x86-vmm-hook.js [pause-ms]
'use strict';
const { closeFd, createKvmClock, createVm, loadClockSection, openKvm, saveClockSection } = require('kvm-tod');

const pauseMs = Number(process.argv[2] ?? 200);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function main() {
  let kvmFd;
  try {
    kvmFd = openKvm();
  } catch (error) {
    console.error(`x86-vmm-hook: no usable /dev/kvm here: ${error.message}`);
    process.exitCode = 2;
    return;
  }
  const vmFd = createVm(kvmFd);
  const destinationFd = createVm(kvmFd);
  try {
    // A real VMM also passes its vCPU descriptors (options.vcpus) for the pause notice.
    const clock = createKvmClock(vmFd, { name: 'guest0' });
    clock.vmStateChanged(true); // start: kvmclock runs from VM creation; nothing to do
    clock.vmStateChanged(false); // stop: KVM_GET_CLOCK once, held
    const atStop = clock.heldValue;
    await sleep(pauseMs);
    clock.vmStateChanged(true); // cont: KVM_SET_CLOCK with the held value
    const afterCont = clock.device.read();
    const movedMs = Number(afterCont - atStop) / 1e6;
    console.log(
      `kvmclock moved ${movedMs.toFixed(3)} ms across a ${pauseMs} ms stop (without kvm-tod: ~${pauseMs} ms)`,
    );

    // Migration: kvm-tod's kvmclock section; the destination holds it until its guest runs.
    clock.vmStateChanged(false);
    const section = saveClockSection(clock);
    const destination = createKvmClock(destinationFd, { name: 'guest0 (destination)' });
    loadClockSection(destination, section);
    console.log(`migrated ${section.length} bytes; destination held: ${destination.held}`);
    destination.vmStateChanged(true);
  } finally {
    closeFd(destinationFd);
    closeFd(vmFd);
    closeFd(kvmFd);
  }
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
