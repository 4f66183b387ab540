// Threads. The addon is context-aware: it loads in worker threads, each with its own
// state, and unloads with them. Then stress: the addon loaded and used in several
// worker threads at once, each with a VM of its own (the s390 double's here), and
// unloaded when each worker exits, over many generations of workers: no crash, every worker sees only its own VM, the
// main thread's addon still works, and memory stays bounded (RSS after a full GC,
// measured in a child process away from mocha's heap: fixtures/threads-child.js).
'use strict';
const assert = require('assert');
const fs = require('fs');
const path = require('path');
const { spawnSync } = require('child_process');
const { Worker } = require('worker_threads');
const double = require('@kvm-tod/testkit/s390-double');
const { EMULATED } = require('../helpers/scale');

const CHILD = path.join(__dirname, '..', 'fixtures', 'threads-child.js');
const UNDER_ASAN = fs.readFileSync('/proc/self/maps', 'utf8').includes('libasan');
// Under ASan its quarantine holds freed memory, and under qemu-user (test:s390x) the
// emulator's translation cache grows with the code it has seen: RSS says nothing about
// the addon there, so the bound is checked on native runs only (the rest still runs).
const RSS_MEANINGFUL = !UNDER_ASAN && !EMULATED;
const GENERATIONS = EMULATED ? 5 : 50;
const RSS_GROWTH_LIMIT_MB = 12;

/** Runs generations of workers in a child; returns its report (or fails on a crash). */
function generations(env, timeoutMs = 240000) {
  const r = spawnSync(process.execPath, ['--expose-gc', CHILD], {
    // The double is switched on before the child starts, so no thread ever reads the C
    // environment while another writes it.
    env: { ...process.env, KVM_S390_DOUBLE: '1', ...env },
    encoding: 'utf8',
    timeout: timeoutMs,
    killSignal: 'SIGKILL',
  });
  const tail = (r.stderr || '').slice(-3000);
  assert.ok(!(r.error && r.error.code === 'ETIMEDOUT'), `hung: killed after ${timeoutMs} ms\n${tail}`);
  assert.strictEqual(r.signal, null, `the process died of ${r.signal}\n${tail}`);
  assert.strictEqual(r.status, 0, `the process exited ${r.status}\n${tail}`);
  const report = JSON.parse(r.stdout.trim().split('\n').pop());
  assert.deepStrictEqual(report.problems, [], 'what the workers found');
  return report;
}

/** MB the RSS grew from `from` (a generation after warm-up) to the highest after it. */
const growth = (rssMb, from) => Math.max(...rssMb.slice(from)) - rssMb[from - 1];

const script = `
  const { parentPort, workerData } = require('worker_threads');
  const kvm = require(${JSON.stringify(path.join(__dirname, '..', '..'))});
  const results = [];
  for (let i = 0; i < 200; i++) {
    try { kvm.getTod(workerData.fd); } catch (e) { results.push(e instanceof kvm.KvmError && e.code); }
  }
  const sim = new kvm.SimulatedS390Tod();
  const clock = new kvm.GuestClock(sim, { warn: () => {} });
  clock.vmStateChanged(true);
  clock.vmStateChanged(false);
  parentPort.postMessage({ codes: [...new Set(results)], held: clock.held });
`;

function runWorker(fd) {
  return new Promise((resolve, reject) => {
    const worker = new Worker(script, { eval: true, workerData: { fd } });
    let message;
    worker.on('message', (m) => (message = m));
    worker.on('error', reject);
    worker.on('exit', (code) => (code === 0 ? resolve(message) : reject(new Error(`worker exited ${code}`))));
  });
}

describe('worker threads', () => {
  it('four workers at once load the addon and get KvmErrors of their own', async () => {
    const fs = require('fs');
    const fd = fs.openSync('/dev/null', 'r');
    try {
      const results = await Promise.all([1, 2, 3, 4].map(() => runWorker(fd)));
      for (const r of results) assert.deepStrictEqual(r, { codes: ['ENOTTY'], held: true });
    } finally {
      fs.closeSync(fd);
    }
  });

  it('the main thread still works after the workers unloaded the addon', async () => {
    await runWorker(0).catch(() => {});
    const kvm = require('../..');
    assert.throws(() => kvm.closeFd(2 ** 31 - 1), { name: 'KvmError', code: 'EBADF' });
  });
});

describe('threads', function () {
  this.timeout(300000);

  double.itDouble(
    '4 workers at once, each with its own VM, hold, save, load and fail calls without touching each other',
    () => {
      const report = generations({ GENERATIONS: '1', THREADS: '4', ITERATIONS: EMULATED ? '10' : '100' });
      assert.strictEqual(report.double, true);
    },
  );

  double.itDouble(
    `${GENERATIONS} generations of 2 workers load, use and unload the addon: no ` +
      `crash, ${RSS_MEANINGFUL ? 'RSS bounded' : 'RSS not checked (ASan or qemu-user)'}`,
    () => {
      const report = generations({ GENERATIONS: String(GENERATIONS), THREADS: '2', ITERATIONS: '10' });
      assert.strictEqual(report.rssMb.length, GENERATIONS);
      if (!RSS_MEANINGFUL) return;
      const grew = growth(report.rssMb, 10);
      assert.ok(
        grew < RSS_GROWTH_LIMIT_MB,
        `RSS grew ${grew.toFixed(1)} MB from generation 10 to 50: ${report.rssMb.join(' ')}`,
      );
    },
  );

  double.itDouble('the RSS check catches a leak: workers that leave 4 MB each behind fail it', function () {
    if (!RSS_MEANINGFUL) this.skip();
    const report = generations({
      GENERATIONS: '6',
      THREADS: '2',
      ITERATIONS: '2',
      LEAK_BYTES: String(4 * 1024 * 1024),
    });
    const grew = growth(report.rssMb, 2);
    assert.ok(
      grew >= RSS_GROWTH_LIMIT_MB,
      `a 4 MB-per-worker leak grew RSS by only ${grew.toFixed(1)} MB: ${report.rssMb.join(' ')}`,
    );
  });

  it('a worker terminated in the middle of failing native calls does not abort the process (was a KNOWN BUG)', () => {
    // worker.terminate() while the worker makes calls that fail (KvmError): the addon's
    // error path calls the JS error factory through Napi::Function::Call; during the
    // termination that call fails, node-addon-api wraps the pending termination (not an
    // object) in an Error and napi_fatal_error aborts ("FATAL ERROR: Error::Error
    // napi_define_properties"), or a Napi::Error escapes WrapCallback ("terminate called
    // after throwing an instance of 'Napi::Error'"). A VMM that stops a worker loses its
    // whole process, guests included. Fix (verified with this test): native/src/errors.cc
    // KvmError calls the factory with napi_call_function and, when that fails, returns
    // Napi::Error(env, nullptr) (empty: nothing of ours is thrown, what is pending stays);
    // and NODE_API_SWALLOW_UNTHROWABLE_EXCEPTIONS is defined in binding.gyp and
    // native/CMakeLists.txt. Both are needed.
    generations({ GENERATIONS: '20', THREADS: '3', ITERATIONS: '10', SPIN: '1' });
  });
});
