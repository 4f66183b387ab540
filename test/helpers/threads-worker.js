// One worker thread of test/threads-stress.test.js: loads the addon in its own context,
// opens its own VM (the s390 double's, or none), and drives it: set a TOD of its own
// (epoch index = its id, so another thread's writes would show), hold and release it,
// save and load sections, and fail calls on purpose (KvmErrors made by this context's
// error factory). mode 'work' reports and exits; mode 'spin' loops until terminated,
// so that the thread dies in the middle of native calls; `leakBytes` (the harness's
// self-test) hands the main thread memory that it keeps.
'use strict';
const path = require('path');
const { parentPort, workerData } = require('worker_threads');
const kvm = require(path.join(__dirname, '..', '..'));

const { id, mode, iterations, leakBytes = 0, closedFd } = workerData;
const problems = [];
const check = (ok, what) => ok || problems.push(what);

function failOnPurpose() {
  try {
    kvm.getTod(closedFd);
    problems.push('getTod on a closed descriptor worked');
  } catch (error) {
    check(error instanceof kvm.KvmError && error.code === 'EBADF', `getTod(closed): ${error && error.message}`);
  }
  try {
    kvm.setTod(closedFd, { high: 0, low: 1n });
  } catch (error) {
    check(error instanceof kvm.KvmError, `setTod(closed): ${error && error.message}`);
  }
}

function cycle(vmFd, i) {
  const mine = { high: id & 0xff, low: BigInt(i) << 32n };
  const warnings = [];
  const clock = new kvm.GuestClock(new kvm.S390TodDevice(vmFd), { warn: (w) => warnings.push(w), name: `w${id}` });
  kvm.setTod(vmFd, mine);
  clock.vmStateChanged(true);
  clock.vmStateChanged(false);
  check(clock.held && clock.heldValue.high === mine.high, `w${id}: held ${clock.held} ${clock.heldValue && clock.heldValue.high}`);
  const section = kvm.saveTodSection(clock);
  clock.vmStateChanged(true);
  const now = kvm.getTod(vmFd);
  check(now.high === mine.high && now.low >= mine.low && now.low - mine.low < 4096n * 1_000_000_000n, `w${id}: the VM's clock is ${now.high}:${now.low}, not its own`);
  clock.vmStateChanged(false);
  kvm.loadTodSection(clock, section);
  check(clock.held, `w${id}: not held after load`);
  check(warnings.length === 0, `w${id}: warnings ${warnings.map((w) => w.message).join('; ')}`);
}

let kvmFd;
let vmFd;
try {
  if (workerData.double) {
    kvmFd = kvm.openKvm();
    vmFd = kvm.createVm(kvmFd);
  }
  if (leakBytes) parentPort.postMessage({ leak: new Uint8Array(leakBytes).fill(1).buffer }); // touched: resident
  for (let i = 0; mode === 'spin' || i < iterations; i++) {
    if (vmFd !== undefined) cycle(vmFd, i);
    failOnPurpose();
    // The parent closes a terminated worker's descriptors (its finally never runs).
    if (mode === 'spin' && i === 0) parentPort.postMessage({ spinning: true, fds: [vmFd, kvmFd].filter((fd) => fd !== undefined) });
  }
} catch (error) {
  problems.push(`w${id} threw: ${error && error.stack}`);
} finally {
  if (vmFd !== undefined) kvm.closeFd(vmFd);
  if (kvmFd !== undefined) kvm.closeFd(kvmFd);
}
parentPort.postMessage({ done: true, problems });
