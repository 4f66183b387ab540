// One process of the benchmark (bench/run.js starts them; not meant to be run by hand):
//   node --expose-gc bench/phase.js host   full|quick   no preload: kvmclock on the real
//        /dev/kvm where it opens (else skipped, with the reason), the s390 TOD on a real
//        s390x /dev/kvm, and the simulated s390 TOD
//   LD_PRELOAD=<s390 kernel double> node --expose-gc bench/phase.js double full|quick
//        the s390 TOD figures through the double (its ioctl is in both sides)
//   KVM_TOD_ADDON=<the stand-in addon> node --expose-gc bench/phase.js standin full|quick
//        the cost breakdown of a call, without the system call: the library runs its own
//        addon with ioctl() answered at once (native/standin.cc)
// Progress goes to stderr; the result is one JSON line on stdout.
'use strict';
const fs = require('fs');
const { SETTINGS, KVMCLOCK_FIGURES, S390_FIGURES, STANDIN_FIGURES } = require('./lib/settings');
const { kvmclockBinding, todBinding } = require('./lib/binding');
const { holdRelease } = require('./lib/hold-release');
const { stillness } = require('./lib/stillness');
const { guestStillness } = require('./lib/guest-stillness');
const { endurance } = require('./lib/endurance');
const { overhead } = require('./lib/overhead');
const { scaling } = require('./lib/scaling');

const [phase, mode = 'full'] = process.argv.slice(2);
const settings = SETTINGS[mode] && { ...SETTINGS[mode] };
// KVM_TOD_BENCH_VMS="1,10,100,1000": the VM counts of the scaling figures, for a quick run
// that still goes to 1000 VMs (the KVM box, where a full run takes too long).
if (settings && process.env.KVM_TOD_BENCH_VMS)
  settings.scalingCounts = process.env.KVM_TOD_BENCH_VMS.split(',').map(Number);
if (!settings || !['host', 'double', 'standin'].includes(phase)) {
  console.error('usage: node --expose-gc bench/phase.js host|double|standin full|quick');
  process.exit(2);
}

const kvm = require('kvm-tod');
const figures = {};
const progress = (msg) => process.stderr.write(`bench[${phase}]: ${msg}\n`);

function skip(ids, reason) {
  for (const id of ids) figures[id] = { skipped: reason };
}

/** Runs `fn` (returning { id: figure }) and records its figures, or its error under `ids`. */
function measure(ids, fn) {
  progress(ids.join(', '));
  try {
    Object.assign(figures, fn());
  } catch (error) {
    const message = `${error && error.message}`;
    for (const id of ids) figures[id] = { error: message };
  }
}

function loadHelper() {
  const file = process.env.KVM_TOD_BENCH_HELPER;
  if (!file) return { reason: 'the benchmark helper was not built (bench/run.js builds it)' };
  try {
    return { helper: require(file) };
  } catch (error) {
    return { reason: `the benchmark helper did not load: ${error.message}` };
  }
}

/** A VM on /dev/kvm, or the reason there is none. */
function openVm() {
  let kvmFd;
  try {
    kvmFd = kvm.openKvm();
    const vmFd = kvm.createVm(kvmFd);
    return {
      vmFd,
      kvmFd,
      close() {
        kvm.closeFd(vmFd);
        kvm.closeFd(kvmFd);
      },
    };
  } catch (error) {
    if (kvmFd !== undefined) kvm.closeFd(kvmFd);
    return { reason: `no usable /dev/kvm: ${error.message}` };
  }
}

const todDiff = (a, b) => kvm.todDiffNs(a, b);
const clockDiff = (a, b) => a - b;

/** The five s390 TOD figures on `vmFd`. */
function s390Figures(helper, helperReason, vmFd, backend, kvmFd) {
  const device = new kvm.S390TodDevice(vmFd);
  if (helper) {
    measure(['binding.getTod', 'binding.setTod'], () => todBinding(kvm, helper, vmFd, settings, backend));
    measure(['holdRelease.s390'], () => ({
      'holdRelease.s390': holdRelease(kvm, {
        device,
        settings,
        backend,
        what: 'GuestClock over S390TodDevice: vmStateChanged(false), vmStateChanged(true) vs GET EXT + SET EXT in C',
        cLoop: (n) => helper.holdReleaseTodLoop(vmFd, n),
      }),
    }));
  } else {
    skip(['binding.getTod', 'binding.setTod', 'holdRelease.s390'], helperReason);
  }
  measure(['stillness.s390'], () => ({
    'stillness.s390': stillness(kvm, { device, diffNs: todDiff, settings, backend }),
  }));
  measure(['endurance.s390'], () => ({
    'endurance.s390': endurance(kvm, { device, diffNs: todDiff, settings, backend }),
  }));
  if (helper) {
    measure(['scaling.s390'], () => ({
      'scaling.s390': scaling(kvm, {
        counts: settings.scalingCounts,
        createVm: () => kvm.createVm(kvmFd),
        closeFd: kvm.closeFd,
        device: (fd) => new kvm.S390TodDevice(fd),
        cMany: (fds, n) => helper.holdReleaseTodMany(fds, n),
        settings,
        backend,
        what: 'N VMs, one GuestClock each: all held, then all released, vs GET EXT on each then SET EXT on each in C',
      }),
    }));
  } else {
    skip(['scaling.s390'], helperReason);
  }
}

function hostPhase() {
  const { helper, reason: helperReason } = loadHelper();
  const result = { phase, kvmclock: { usable: false }, s390: { backend: 'double' } };

  // kvmclock: x86_64 with a /dev/kvm that opens and makes a VM.
  const vm = process.arch === 'x64' ? openVm() : { reason: `kvmclock needs an x86_64 host, this is ${process.arch}` };
  if (vm.vmFd !== undefined) {
    result.kvmclock = { usable: true };
    try {
      const device = new kvm.KvmClockDevice(vm.vmFd);
      if (helper) {
        measure(['binding.getKvmClock', 'binding.setKvmClock'], () => kvmclockBinding(kvm, helper, vm.vmFd, settings));
        measure(['holdRelease.kvmclock'], () => ({
          'holdRelease.kvmclock': holdRelease(kvm, {
            device,
            settings,
            backend: 'kvm',
            what:
              'GuestClock over KvmClockDevice: vmStateChanged(false), ' +
              'vmStateChanged(true) vs KVM_GET_CLOCK + KVM_SET_CLOCK in C',
            cLoop: (n) => helper.holdReleaseClockLoop(vm.vmFd, n),
          }),
        }));
      } else {
        skip(['binding.getKvmClock', 'binding.setKvmClock', 'holdRelease.kvmclock'], helperReason);
      }
      measure(['stillness.kvmclock'], () => ({
        'stillness.kvmclock': {
          ...stillness(kvm, { device, diffNs: clockDiff, settings, backend: 'kvm' }),
          // The same, as a real guest sees it on its own clock (the tiny x86 guest).
          guestObserved: guestStillness(kvm, { settings }),
        },
      }));
      measure(['endurance.kvmclock'], () => ({
        'endurance.kvmclock': endurance(kvm, { device, diffNs: clockDiff, settings, backend: 'kvm' }),
      }));
      if (helper) {
        measure(['scaling.kvmclock'], () => ({
          'scaling.kvmclock': scaling(kvm, {
            counts: settings.scalingCounts,
            createVm: () => kvm.createVm(vm.kvmFd),
            closeFd: kvm.closeFd,
            device: (fd) => new kvm.KvmClockDevice(fd),
            cMany: (fds, n) => helper.holdReleaseClockMany(fds, n),
            settings,
            backend: 'kvm',
            what:
              'N VMs, one GuestClock each: all held, then all released, ' +
              'vs KVM_GET_CLOCK on each then KVM_SET_CLOCK on each in C',
          }),
        }));
      } else {
        skip(['scaling.kvmclock'], helperReason);
      }
    } finally {
      vm.close();
    }
  } else {
    result.kvmclock = { usable: false, reason: vm.reason };
    skip(KVMCLOCK_FIGURES, vm.reason);
  }

  // The s390 TOD on a real s390x /dev/kvm; elsewhere the double phase measures it.
  if (process.arch === 's390x') {
    const s390vm = openVm();
    if (s390vm.vmFd !== undefined) {
      result.s390 = { backend: 'kvm' };
      try {
        s390Figures(helper, helperReason, s390vm.vmFd, 'kvm', s390vm.kvmFd);
      } finally {
        s390vm.close();
      }
    } else {
      result.s390 = { backend: 'double', reason: s390vm.reason };
    }
  }

  // The simulated s390 TOD (lib/devices/simulated-s390.ts): runs everywhere.
  const simulated = new kvm.SimulatedS390Tod();
  measure(['stillness.simulated'], () => ({
    'stillness.simulated': stillness(kvm, { device: simulated, diffNs: todDiff, settings, backend: 'simulated' }),
  }));
  measure(['endurance.simulated'], () => ({
    'endurance.simulated': endurance(kvm, {
      device: new kvm.SimulatedS390Tod(),
      diffNs: todDiff,
      settings,
      backend: 'simulated',
    }),
  }));
  return result;
}

function standinPhase() {
  const { helper, reason } = loadHelper();
  if (helper) measure(STANDIN_FIGURES, () => overhead(kvm, helper, settings));
  else skip(STANDIN_FIGURES, reason);
  return { phase };
}

function preloadedDouble() {
  try {
    const line = fs
      .readFileSync('/proc/self/maps', 'utf8')
      .split('\n')
      .find((l) => l.includes('s390_kvm_double.so'));
    return line ? line.slice(line.indexOf('/')) : undefined;
  } catch {
    return undefined;
  }
}

function doublePhase() {
  const result = { phase, s390: { backend: 'double' } };
  const so = preloadedDouble();
  if (!so) {
    result.s390.reason = 'the s390 kernel double is not preloaded in this process';
    skip(S390_FIGURES, result.s390.reason);
    return result;
  }
  result.s390.double = so;
  const { helper, reason: helperReason } = loadHelper();
  process.env.KVM_S390_DOUBLE = '1'; // the double reads it on every call
  const vm = openVm();
  if (vm.vmFd === undefined) {
    skip(S390_FIGURES, `the s390 kernel double gave no VM: ${vm.reason}`);
    return result;
  }
  try {
    s390Figures(helper, helperReason, vm.vmFd, 'double', vm.kvmFd);
  } finally {
    vm.close();
  }
  return result;
}

const result = { host: hostPhase, double: doublePhase, standin: standinPhase }[phase]();
result.figures = figures;
process.stdout.write(`${JSON.stringify(result)}\n`);
