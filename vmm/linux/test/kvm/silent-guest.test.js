// No silent hang: a guest that prints nothing ends its run with a GuestSilentError that says
// where it is, on a real /dev/kvm (the KVM box). The guests are synthetic bzImages whose
// "kernel" never prints (test/fixtures/bzimage.js): one loops on an I/O port, one spins
// inside the guest without an exit. The bound is set short here; what a real boot gets is
// 20 s scaled to the machine (silence-watchdog.ts).
'use strict';
const assert = require('assert');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { itKvm, kvm } = require('@kvm-tod/testkit/kvm');
const { fakeBzImage, SILENT_KERNELS } = require('../fixtures/bzimage');

const SILENCE_MS = 2000;

describe('Linux VMM: a guest that prints nothing ends its run with where it is', function () {
  this.timeout(5 * 60 * 1000);
  let dir;
  let LinuxVm;
  let runStopCont;

  before(function () {
    if (!kvm.ok) return;
    ({ LinuxVm, runStopCont } = require('../..'));
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kvm-tod-silent-'));
    fs.writeFileSync(path.join(dir, 'initrd'), Buffer.alloc(4096));
    for (const [name, k] of Object.entries(SILENT_KERNELS))
      fs.writeFileSync(path.join(dir, name), fakeBzImage({ code: k.code }));
  });

  after(() => dir && fs.rmSync(dir, { recursive: true, force: true }));

  /** Boots `kernel` under a LinuxVm with the short bound; the error its wait for a line ends with. */
  async function silence(kernel) {
    const vm = new LinuxVm({
      kernel: path.join(dir, kernel),
      initrd: path.join(dir, 'initrd'),
      cmdline: 'console=ttyS0',
      silenceLimitMs: SILENCE_MS,
    });
    try {
      await vm.start();
      // The line never comes: the wait ends by the watchdog, long before its own timeout.
      return await vm.waitForLine(/never printed/, 4 * 60 * 1000).then(
        (line) => assert.fail(`the guest printed ${line.text}`),
        (error) => error,
      );
    } finally {
      await vm.close();
    }
  }

  itKvm('a guest looping on an I/O port: GuestSilentError with its RIP in the loop and the exits counted', async () => {
    const error = await silence('ioLoop');
    assert.strictEqual(error.code, 'ERR_GUEST_SILENT', String(error && error.stack));
    const { where, exits, silentMs, outputBytes } = error.silence;
    const [from, to] = SILENT_KERNELS.ioLoop.loop;
    assert.ok(where && where.rip >= from && where.rip < to, `RIP 0x${where && where.rip.toString(16)}`);
    assert.strictEqual(where.cr0 & 1, 1, 'protected mode');
    assert.ok(silentMs > SILENCE_MS);
    assert.strictEqual(outputBytes, 0);
    assert.strictEqual(exits.byReason[0].reason, 'IO');
    assert.ok(exits.byReason[0].count > 10, `${exits.byReason[0].count} I/O exits`);
    assert.ok(
      exits.last.every((e) => e === 'IO out 0x80 (1 byte)'),
      exits.last.join(', '),
    );
    assert.match(error.message, /wrote nothing on its console/);
    assert.match(error.message, /the last exits, oldest first: IO out 0x80 \(1 byte\) x16$/m);
    assert.match(error.message, /printed no line at all/);
  });

  itKvm('a guest spinning without an exit: GuestSilentError with its RIP at the jump', async () => {
    const error = await silence('spin');
    assert.strictEqual(error.code, 'ERR_GUEST_SILENT', String(error && error.stack));
    assert.strictEqual(error.silence.where.rip, SILENT_KERNELS.spin.loop[0]);
    assert.ok(!error.silence.exits.byReason.some((r) => r.reason === 'IO'), error.message);
  });

  itKvm('the demo path (runStopCont) ends with the same error, bounded by LINUX_VMM_SILENCE_MS', async () => {
    const saved = process.env.LINUX_VMM_SILENCE_MS;
    process.env.LINUX_VMM_SILENCE_MS = String(SILENCE_MS);
    try {
      await assert.rejects(
        runStopCont({
          kernel: path.join(dir, 'ioLoop'),
          initrd: path.join(dir, 'initrd'),
          hold: 'freeze',
          pauseMs: 1000,
        }),
        (error) => error.code === 'ERR_GUEST_SILENT' && /bound here: 2\.0 s, LINUX_VMM_SILENCE_MS/.test(error.message),
      );
    } finally {
      if (saved === undefined) delete process.env.LINUX_VMM_SILENCE_MS;
      else process.env.LINUX_VMM_SILENCE_MS = saved;
    }
  });
});
