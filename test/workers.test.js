// The addon is context-aware: it loads in worker threads, each with its own
// state, and unloads with them.
'use strict';
const assert = require('assert');
const path = require('path');
const { Worker } = require('worker_threads');

const script = `
  const { parentPort, workerData } = require('worker_threads');
  const kvm = require(${JSON.stringify(path.join(__dirname, '..'))});
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
    const kvm = require('..');
    assert.throws(() => kvm.closeFd(2 ** 31 - 1), { name: 'KvmError', code: 'EBADF' });
  });
});
