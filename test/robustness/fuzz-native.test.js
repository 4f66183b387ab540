// Property-based fuzzing of everything that reaches the addon: every public
// function that takes a descriptor, the devices and GuestClock over them, and every
// function of the raw binding, with generated arguments of every type and range. Each
// call must return or throw a documented error (helpers/fuzz-values.js), and the
// process must never crash, abort or hang. The calls run in a child process
// (fixtures/fuzz-native-child.js) so that a crash is a failed test here rather than a
// dead mocha; the child gets this process's environment, so under
// `npm run test:sanitizers` it runs the ASan/UBSan addon with the runtime preloaded.
'use strict';
const assert = require('assert');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { spawnSync } = require('child_process');
const { runs } = require('../helpers/scale');
const { MEMBERS } = require('../../dist/native');

const CHILD = path.join(__dirname, '..', 'fixtures', 'fuzz-native-child.js');
const RUNS = String(runs(100, 'FUZZ_RUNS'));
const SANITIZER_MARKS = /ERROR: (Address|Leak|Thread|Memory)Sanitizer|runtime error:|SUMMARY: \w+Sanitizer/;

/** Runs the fuzzing child and reads what it reported. */
function runChild(extraEnv = {}, timeoutMs = 240000) {
  const started = Date.now();
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'kvm-tod-fuzz-'));
  const r = spawnSync(process.execPath, ['--no-warnings', CHILD], {
    env: { ...process.env, FUZZ_RUNS: RUNS, FUZZ_SCRATCH: scratch, ...extraEnv },
    encoding: 'utf8',
    timeout: timeoutMs,
    killSignal: 'SIGKILL',
    maxBuffer: 64 * 1024 * 1024,
  });
  fs.rmSync(scratch, { recursive: true, force: true });
  const lines = (r.stdout || '')
    .split('\n')
    .filter(Boolean)
    .map((l) => {
      try {
        return JSON.parse(l);
      } catch {
        return { garbage: l };
      }
    });
  return {
    ...r,
    ms: Date.now() - started,
    timeoutMs,
    results: lines.filter((l) => l.name),
    done: lines.find((l) => l.done),
  };
}

/** Why a child run is not a clean run to the end (a crash, an abort, a hang), or null. */
function crashOf(run) {
  const tail = (run.stderr || '').slice(-3000);
  if (run.error && run.error.code === 'ETIMEDOUT') return `hung: killed after ${run.timeoutMs} ms\n${tail}`;
  if (run.signal) return `died of ${run.signal}\n${tail}`;
  if (SANITIZER_MARKS.test(run.stderr || '')) return `a sanitizer reported:\n${tail}`;
  if (run.status !== 0 && run.status !== 3) return `exited ${run.status}\n${tail}`;
  if (!run.done) return `stopped before the end\n${tail}`;
  return null;
}

describe('fuzz: native arguments, in a child process', function () {
  this.timeout(300000);
  let run;

  before(function () {
    run = runChild();
  });

  it(`the child ran every property to the end: no crash, abort, hang or sanitizer report (${RUNS} runs each)`, () => {
    assert.strictEqual(crashOf(run), null);
    assert.ok(run.results.length >= 25, `only ${run.results.length} properties reported`);
  });

  // One test per property, named after the child's own list (it reports every property):
  // each system call of the binding (lib/native.ts lists them), public and raw.
  const CALLS = MEMBERS.filter((m) => !['scratch', 'constants', 'setErrorFactory'].includes(m));
  const NAMES = [
    ...CALLS,
    'deviceFor + read/write',
    'KvmClockDevice: vCPUs, writeCaughtUp, resumed',
    'GuestClock over createGuestClock / deviceFor(s390x)',
    ...CALLS.map((call) => `raw binding.${call}`),
    'raw binding.setErrorFactory, then a failing call',
  ];
  for (const name of NAMES) {
    it(`${name}: returns or throws a documented error for every generated argument`, () => {
      const result = run.results.find((r) => r.name === name);
      assert.ok(result, `the child did not report '${name}' (${crashOf(run) || 'no crash'})`);
      assert.ok(
        result.ok,
        `counterexample ${result.counterexample}\n  -> ${result.error}\n  replay: FUZZ_SEED=${result.seed} ` +
          `FUZZ_ONLY='${name}' node test/fixtures/fuzz-native-child.js (path ${result.path})`,
      );
      assert.ok(result.numRuns > 0);
    });
  }

  it(
    'with the s390 double preloaded, setTod writes exactly ' + 'the value it validated (getters are read once)',
    function () {
      const result = run.results.find((r) => r.name.startsWith('setTod writes the value it validated'));
      if (!run.done || !run.done.doublePreloaded) this.skip();
      assert.ok(result && result.ok, result && `${result.counterexample} -> ${result.error}`);
    },
  );

  describe('the harness notices what it is there to notice', () => {
    it('a child that aborts mid-run is a crash', () => {
      const r = runChild({ FUZZ_SELFTEST: 'crash', FUZZ_RUNS: '5', FUZZ_ONLY: 'getTod' });
      assert.match(crashOf(r) || '', /died of SIGABRT/);
    });

    it('a child that stops answering is a hang, killed', () => {
      const r = runChild({ FUZZ_SELFTEST: 'hang', FUZZ_RUNS: '5', FUZZ_ONLY: 'getTod' }, 1500);
      assert.match(crashOf(r) || '', /hung/);
    });

    it('a failing property is reported with its counterexample and seed', () => {
      // FUZZ_SELFTEST=property makes the child's getApiVersion property fail on purpose.
      const r = runChild({ FUZZ_SELFTEST: 'property', FUZZ_RUNS: '20', FUZZ_ONLY: 'getApiVersion' });
      assert.strictEqual(crashOf(r), null);
      assert.strictEqual(r.status, 3);
      const result = r.results.find((x) => x.name === 'getApiVersion');
      assert.strictEqual(result.ok, false);
      assert.ok(result.counterexample && Number.isInteger(result.seed));
    });
  });
});
