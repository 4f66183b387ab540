// Another process with a VM of its own, for test/descriptor-misuse.test.js.
//   node foreign-vm-child.js <target>   (with the s390 double preloaded and on)
// creates a VM whose descriptor is exactly <target>, prints {"vmFd":N,"tod":...} and
// then answers commands on stdin, one per line: "read" prints the TOD of its VM (so the
// parent can check its own calls did not reach this VM), "exit" ends it.
//   node foreign-vm-child.js --inherited <fd> <x86|s390>
// uses a VM descriptor inherited from the parent (real KVM): prints what getKvmClock
// and setKvmClock (x86) or getTod and setTod (s390) answered there, then exits.
'use strict';
const path = require('path');
const readline = require('readline');
const kvm = require(path.join(__dirname, '..', '..'));
const { openAt } = require('./fd-tools');

const json = (v) => JSON.stringify(v, (k, x) => (typeof x === 'bigint' ? x.toString() : x));
const outcome = (fn) => {
  try {
    fn();
    return { ok: true };
  } catch (error) {
    return { ok: false, name: error.name, code: error.code, errno: error.errno };
  }
};

if (process.argv[2] === '--inherited') {
  const fd = Number(process.argv[3]);
  const x86 = process.argv[4] === 'x86';
  const results = x86
    ? { get: outcome(() => kvm.getKvmClock(fd)), set: outcome(() => kvm.setKvmClock(fd, 0n)) }
    : { get: outcome(() => kvm.getTod(fd)), set: outcome(() => kvm.setTod(fd, { high: 0, low: 0n })) };
  process.stdout.write(json(results) + '\n');
} else {
  const target = Number(process.argv[2]);
  const kvmFd = kvm.openKvm();
  const vmFd = openAt(target, () => kvm.createVm(kvmFd));
  kvm.setTod(vmFd, { high: 0, low: 0x1234_5678_0000_0000n });
  process.stdout.write(json({ vmFd, tod: kvm.getTod(vmFd) }) + '\n');
  readline.createInterface({ input: process.stdin }).on('line', (line) => {
    if (line === 'read') process.stdout.write(json({ tod: kvm.getTod(vmFd) }) + '\n');
    if (line === 'exit') process.exit(0);
  });
}
