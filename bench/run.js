#!/usr/bin/env node
// `npm run bench`: how close kvm-tod's calls come to the raw ioctl, how still it holds
// the guest clock, and how steady it stays over a million stop/cont cycles.
// See README.md.
//
//   npm run bench                  the full run (about a minute or two)
//   npm run bench -- --quick       a smoke run of every figure (seconds)
//   npm run bench -- --json        the report as one JSON document on stdout
//   npm run bench -- --markdown    the tables as Markdown (README.md has them)
//   npm run build:bench            only build what the benchmark needs
//   KVM_TOD_BENCH_VMS=1,10,100,1000  the VM counts of the scaling figures (default: 1..1000 full, 1,10 quick)
//
// Builds what it needs (lib/build.js), then measures in three child processes
// (phase.js): one without any preload (real /dev/kvm, simulated device), one with the
// s390 kernel double LD_PRELOADed (the s390 TOD figures where there is no s390x KVM), and
// one whose library runs the stand-in addon (KVM_TOD_ADDON: the library's own addon with
// ioctl() answered at once), for the cost around the system call. All run node with
// --expose-gc for the heap figures.
// Exit status: 0, or 1 when a figure failed (skipped figures are not failures).
'use strict';
const { spawnSync } = require('child_process');
const path = require('path');
const { ensureLibrary, ensureHelper, ensureDouble, addonPath, root } = require('./lib/build');
const { machine } = require('./lib/machine');
const { SETTINGS, FIGURES, S390_FIGURES, STANDIN_FIGURES } = require('./lib/settings');
const { render, targetSummary } = require('./lib/report');

const SCHEMA = 'kvm-tod-bench/1';
const args = process.argv.slice(2);
const usage = 'usage: npm run bench [-- --quick] [--json | --markdown] [--build-only]';
for (const a of args) {
  if (!['--quick', '--json', '--markdown', '--build-only', '--help', '-h'].includes(a)) {
    console.error(`unknown option ${a}\n${usage}`);
    process.exit(2);
  }
}
if (args.includes('--help') || args.includes('-h')) {
  console.log(usage);
  process.exit(0);
}
const quick = args.includes('--quick');
const json = args.includes('--json');
const mode = quick ? 'quick' : 'full';
const log = (msg) => process.stderr.write(`bench: ${msg}\n`);

const started = Date.now();
const startedAt = new Date(started).toISOString();
const machineAtStart = machine();

const libraryProblem = ensureLibrary();
if (libraryProblem) {
  console.error(`bench: the library is not built: ${libraryProblem}`);
  process.exit(1);
}
const helper = ensureHelper(log);
const double = ensureDouble(log);
if (args.includes('--build-only')) {
  const reasons = [helper.helperReason, helper.standinReason, double.reason].filter(Boolean);
  for (const reason of new Set(reasons)) console.error(`bench: ${reason}`);
  process.exit(reasons.length ? 1 : 0);
}

/**
 * The environment of a phase: no trace of another double or its settings; `addon`, when
 * given, is the addon the library loads (KVM_TOD_ADDON).
 */
function phaseEnv(preload, addon) {
  const env = { ...process.env };
  for (const k of Object.keys(env)) if (k.startsWith('KVM_S390_DOUBLE')) delete env[k];
  const kept = (env.LD_PRELOAD || '').split(/[ :]/).filter((p) => p && !p.includes('s390_kvm_double'));
  if (preload) kept.unshift(preload);
  if (kept.length) env.LD_PRELOAD = kept.join(':');
  else delete env.LD_PRELOAD;
  if (addon) env.KVM_TOD_ADDON = addon;
  else if (env.KVM_TOD_ADDON) env.KVM_TOD_ADDON = addonPath(); // the phases run in this package's folder
  if (helper.file) env.KVM_TOD_BENCH_HELPER = helper.file;
  else delete env.KVM_TOD_BENCH_HELPER;
  return env;
}

/** Runs one phase; its figures, or every figure of `ids` failed with the reason. */
function runPhase(phase, preload, ids, addon) {
  const r = spawnSync(process.execPath, ['--expose-gc', path.join(__dirname, 'phase.js'), phase, mode], {
    cwd: root,
    env: phaseEnv(preload, addon),
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 16 * 2 ** 20,
    timeout: (quick ? 120 : 900) * 1000,
  });
  const last = (r.stdout || '').trim().split('\n').pop();
  try {
    if (r.status === 0) return JSON.parse(last);
  } catch {
    // reported below
  }
  const why = r.error ? r.error.message : r.signal ? `killed by ${r.signal}` : `exit ${r.status}`;
  const figures = Object.fromEntries(ids.map((id) => [id, { error: `the ${phase} phase failed (${why})` }]));
  return { phase, figures };
}

const hostIds = Object.keys(FIGURES).filter((id) => !S390_FIGURES.includes(id) && !STANDIN_FIGURES.includes(id));
const host = runPhase('host', undefined, hostIds);
const figures = { ...host.figures };
const s390 = host.s390 || {};
let s390Backend;
if (s390.backend === 'kvm') {
  s390Backend = 'the real /dev/kvm (s390x)';
} else if (double.reason) {
  for (const id of S390_FIGURES) figures[id] = { skipped: double.reason };
  s390Backend = `skipped: ${double.reason.split('\n')[0]}`;
} else {
  const d = runPhase('double', double.file, S390_FIGURES);
  Object.assign(figures, d.figures);
  const preloaded = d.s390 && d.s390.double;
  s390Backend = preloaded
    ? `through the s390 kernel double, LD_PRELOADed (${path.relative(root, preloaded)}): ` +
      `its ioctl is in both the JS and the C figures`
    : `skipped: ${(d.s390 && d.s390.reason) || 'the double phase failed'}`;
}
let withoutIoctl;
if (helper.standinReason || helper.helperReason) {
  const reason = helper.standinReason || helper.helperReason;
  for (const id of STANDIN_FIGURES) figures[id] = { skipped: reason };
  withoutIoctl = `skipped: ${reason.split('\n')[0]}`;
} else {
  Object.assign(figures, runPhase('standin', undefined, STANDIN_FIGURES, helper.standin).figures);
  withoutIoctl =
    `the stand-in addon (${path.relative(root, helper.standin)}): the library's own addon, ` +
    'built from its sources with ioctl() answered at once, loaded through KVM_TOD_ADDON';
}
for (const id of Object.keys(FIGURES)) if (!(id in figures)) figures[id] = { error: 'not produced' };

const kvmclock = host.kvmclock || {};
const report = {
  schema: SCHEMA,
  mode,
  startedAt,
  durationS: Math.round((Date.now() - started) / 100) / 10,
  machine: { ...machineAtStart, loadAverageAtEnd: machine().loadAverage },
  addon: addonPath() ?? "the library's own (its build/Release, else its prebuild)",
  backends: {
    kvmclock: kvmclock.usable ? 'the real /dev/kvm' : `skipped: ${kvmclock.reason || 'the host phase failed'}`,
    s390: s390Backend,
    withoutIoctl,
  },
  settings: SETTINGS[mode],
  figures: Object.fromEntries(Object.keys(FIGURES).map((id) => [id, figures[id]])),
};
{
  const t = targetSummary(report.figures);
  report.withoutIoctlTargets = { met: t.met, notMet: t.missed, notMeasured: t.unmeasured };
}

process.stdout.write(json ? `${JSON.stringify(report, null, 2)}\n` : render(report, args.includes('--markdown')));
const failed = Object.entries(report.figures).filter(([, f]) => f.error);
if (failed.length) {
  log(`${failed.length} figure(s) failed: ${failed.map(([id, f]) => `${id}: ${f.error}`).join('; ')}`);
  process.exit(1);
}
