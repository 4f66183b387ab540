// How long each figure runs, full and --quick; and the list of figures every run
// reports (measured, or skipped with the reason).
'use strict';

const SETTINGS = {
  full: {
    runs: 5, // medians over runs
    callTargetMs: 150, // per side (JS, C) per run
    blocks: 10, // adjacent JS and C blocks per run
    stillCycles: 200,
    stillWarmup: 5_000,
    pauseMs: 2,
    enduranceCycles: 1_000_000,
    enduranceWarmup: 20_000,
    scalingCounts: [1, 10, 100, 1000],
  },
  quick: {
    runs: 3,
    callTargetMs: 8,
    blocks: 4,
    stillCycles: 10,
    stillWarmup: 300,
    pauseMs: 1,
    enduranceCycles: 5_000,
    enduranceWarmup: 500,
    scalingCounts: [1, 10],
  },
};

/** Every figure, in report order, with its kind. */
const FIGURES = {
  'binding.getKvmClock': 'compare',
  'binding.setKvmClock': 'compare',
  'binding.getTod': 'compare',
  'binding.setTod': 'compare',
  'holdRelease.kvmclock': 'compare',
  'holdRelease.s390': 'compare',
  'stillness.kvmclock': 'stillness',
  'stillness.s390': 'stillness',
  'stillness.simulated': 'stillness',
  'endurance.kvmclock': 'endurance',
  'endurance.s390': 'endurance',
  'endurance.simulated': 'endurance',
  'scaling.kvmclock': 'scaling',
  'scaling.s390': 'scaling',
  'overhead.napiCallRaw': 'cost',
  'overhead.napiCall': 'cost',
  'overhead.getKvmClock': 'cost',
  'overhead.setKvmClock': 'cost',
  'overhead.getTod': 'cost',
  'overhead.setTod': 'cost',
  'overhead.holdReleaseKvmclock': 'cost',
  'overhead.holdReleaseTod': 'cost',
  'overhead.hrtimeBigint': 'cost',
  'overhead.napiCallBesideSyscall': 'cost',
  'overhead.naiveObject': 'cost',
};

const KVMCLOCK_FIGURES = [
  'binding.getKvmClock',
  'binding.setKvmClock',
  'holdRelease.kvmclock',
  'stillness.kvmclock',
  'endurance.kvmclock',
  'scaling.kvmclock',
];
const S390_FIGURES = [
  'binding.getTod',
  'binding.setTod',
  'holdRelease.s390',
  'stillness.s390',
  'endurance.s390',
  'scaling.s390',
];

module.exports = { SETTINGS, FIGURES, KVMCLOCK_FIGURES, S390_FIGURES };
