// Generations of worker threads, run in a child process of test/threads-stress.test.js
// (started with --expose-gc, so RSS is measured after a full collection, away from
// mocha's own heap). Each generation starts THREADS workers at once, each loading the
// addon and driving a VM of its own (helpers/threads-worker.js); with SPIN=1 one of
// them is terminated in the middle of its native calls. Prints one JSON line:
//   { generations, rssMb: [after each generation], problems: [...] }
// Environment: GENERATIONS (50), THREADS (4), ITERATIONS (40 cycles per worker), SPIN,
// LEAK_BYTES (self-test: each worker hands the main thread memory it keeps), and the
// s390 double's KVM_S390_DOUBLE, set by the parent before this process started (the
// C environment is then never written while threads read it).
'use strict';
const fs = require('fs');
const path = require('path');
const { Worker } = require('worker_threads');
const kvm = require(path.join(__dirname, '..', '..'));

const GENERATIONS = Number(process.env.GENERATIONS || 50);
const THREADS = Number(process.env.THREADS || 4);
const ITERATIONS = Number(process.env.ITERATIONS || 40);
const LEAK_BYTES = Number(process.env.LEAK_BYTES || 0);
const SPIN = process.env.SPIN === '1';
const double = process.env.KVM_S390_DOUBLE === '1' && fs.readFileSync('/proc/self/maps', 'utf8').includes('s390_kvm_double.so');
const script = path.join(__dirname, 'threads-worker.js');
const kept = [];
const problems = [];

function closedFd() {
  const fd = fs.openSync('/dev/null', 'r');
  fs.closeSync(fd);
  return fd + 100000; // and far above anything this process opens meanwhile
}

function run(id, mode) {
  return new Promise((resolve) => {
    const worker = new Worker(script, { workerData: { id, mode, iterations: ITERATIONS, leakBytes: LEAK_BYTES, closedFd: closedFd(), double } });
    let done = false;
    let fds = [];
    worker.on('message', (m) => {
      if (m.leak) kept.push(m.leak);
      if (m.problems) (done = true), problems.push(...m.problems);
      if (m.spinning) {
        fds = m.fds;
        // terminate in the middle of its loop of native calls, after a random moment
        setTimeout(() => worker.terminate(), Math.floor(Math.random() * 5));
      }
    });
    worker.on('error', (e) => problems.push(`worker ${id} (${mode}) error: ${e && e.stack}`));
    worker.on('exit', (code) => {
      if (mode === 'work' && (code !== 0 || !done)) problems.push(`worker ${id} exited ${code} without reporting`);
      for (const fd of fds) kvm.closeFd(fd);
      resolve();
    });
  });
}

(async () => {
  const rssMb = [];
  let id = 0;
  for (let g = 0; g < GENERATIONS; g++) {
    const batch = [];
    for (let t = 0; t < THREADS; t++) batch.push(run(++id, SPIN && t === 0 ? 'spin' : 'work'));
    await Promise.all(batch);
    global.gc();
    rssMb.push(Math.round(process.memoryUsage().rss / 1e5) / 10);
  }
  // the main thread's addon still works after all those unloads
  try {
    kvm.getTod(closedFd());
    problems.push('getTod on a closed descriptor worked in the main thread');
  } catch (error) {
    if (!(error instanceof kvm.KvmError)) problems.push(`main thread after the workers: ${error && error.message}`);
  }
  process.stdout.write(JSON.stringify({ generations: GENERATIONS, threads: THREADS, double, rssMb, problems, kept: kept.length }) + '\n');
})();
