// A real qemu-system-s390x for test/qemu/: the smallest machine that has a TOD device
// (s390-ccw-virtio, no default devices, no display, no disk), TCG, stopped (-S) so its
// guest never runs, driven over a QMP socket; migrated to a file and back (exec: URIs,
// which every QEMU has: file: came in 8.2). The gate: where qemu-system-s390x is missing the
// tests are skipped with the reason in their title; KVM_TOD_REQUIRE_QEMU=1 (CI: .ci/run)
// makes that a failure. `npm run test:qemu` installs it (scripts/test-qemu.sh).
'use strict';
const { spawn, spawnSync } = require('child_process');
const fs = require('fs');
const net = require('net');
const path = require('path');

const BINARY = process.env.KVM_TOD_QEMU_S390X || 'qemu-system-s390x';
const MACHINE = ['-M', 's390-ccw-virtio', '-nodefaults', '-no-user-config', '-display', 'none', '-accel', 'tcg'];
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function probe() {
  const r = spawnSync(BINARY, ['--version'], { encoding: 'utf8' });
  if (r.error) {
    const why = r.error.code === 'ENOENT' ? 'is not installed' : `cannot run: ${r.error.message}`;
    return { ok: false, reason: `${BINARY} ${why} (npm run test:qemu installs Debian's qemu-system-misc)` };
  }
  if (r.status !== 0) return { ok: false, reason: `${BINARY} --version failed: ${r.stderr.trim()}` };
  return { ok: true, version: r.stdout.split('\n')[0] };
}

/** `{ ok, version }` or `{ ok: false, reason }`. */
const qemu = probe();

if (!qemu.ok && process.env.KVM_TOD_REQUIRE_QEMU === '1') {
  throw new Error(`KVM_TOD_REQUIRE_QEMU=1 but ${qemu.reason}`);
}

/** `it` for a test that needs qemu-system-s390x. */
function itQemu(title, fn) {
  if (qemu.ok) return it(title, fn);
  return it.skip(`${title} [skipped: ${qemu.reason}]`, fn);
}

/** A QMP connection: `command(name, args)` resolves with `return`, rejects with QEMU's `error`. */
class Qmp {
  constructor(socket) {
    this.socket = socket;
    this.pending = [];
    this.events = [];
    let buffer = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk) => {
      buffer += chunk;
      for (let nl = buffer.indexOf('\n'); nl >= 0; nl = buffer.indexOf('\n')) {
        const line = buffer.slice(0, nl).trim();
        buffer = buffer.slice(nl + 1);
        if (line !== '') this.#onMessage(JSON.parse(line));
      }
    });
    socket.on('close', () => {
      this.closed = true;
      for (const { reject } of this.pending.splice(0)) reject(new Error('the QMP socket closed: QEMU is gone'));
    });
    socket.on('error', () => {}); // a QEMU that exits resets the socket; 'close' follows
  }

  #onMessage(message) {
    if ('QMP' in message) return; // the greeting
    if ('event' in message) return void this.events.push(message);
    const waiter = this.pending.shift();
    if (!waiter) return;
    if ('error' in message) waiter.reject(new Error(`QMP ${waiter.name}: ${message.error.desc}`));
    else waiter.resolve(message.return);
  }

  command(name, args) {
    if (this.closed) return Promise.reject(new Error('the QMP socket closed: QEMU is gone'));
    return new Promise((resolve, reject) => {
      this.pending.push({ name, resolve, reject });
      this.socket.write(
        `${JSON.stringify(args === undefined ? { execute: name } : { execute: name, arguments: args })}\n`,
      );
    });
  }
}

/**
 * Starts QEMU with `extra` arguments and a QMP socket in `dir`. Returns at once:
 * `{ socketPath, stderr(), exit }`; `exit` resolves with `{ code, signal }` when it ends,
 * `stderr()` is what it wrote there so far.
 */
function launchQemu(dir, name, extra = []) {
  const socketPath = path.join(dir, `${name}.qmp`);
  const args = [...MACHINE, '-m', '64', '-S', '-qmp', `unix:${socketPath},server=on,wait=off`, ...extra];
  const child = spawn(BINARY, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk) => (stderr += chunk));
  const launched = { child, args, socketPath, stderr: () => stderr, exited: undefined };
  launched.exit = new Promise((resolve) =>
    child.on('exit', (code, signal) => resolve((launched.exited = { code, signal }))),
  );
  return launched;
}

/** Waits for a launched QEMU to end by itself: `{ code, signal }`; kills it after `timeoutMs`. */
async function qemuExit(launched, timeoutMs = 30_000) {
  const timer = setTimeout(() => launched.child.kill('SIGKILL'), timeoutMs);
  const result = await launched.exit;
  clearTimeout(timer);
  return result;
}

/**
 * Starts QEMU (as launchQemu) and resolves once QMP is ready: `{ qmp, stderr(), quit() }`.
 */
async function startQemu(dir, name, extra = [], { readyMs = 30_000 } = {}) {
  const launched = launchQemu(dir, name, extra);
  const { child, socketPath, stderr } = launched;
  const deadline = Date.now() + readyMs;
  let socket;
  while (!socket) {
    if (launched.exited) {
      throw new Error(`${BINARY} ${launched.args.join(' ')} exited (${JSON.stringify(launched.exited)}): ${stderr()}`);
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${BINARY}: no QMP socket within ${readyMs} ms: ${stderr()}`);
    }
    if (fs.existsSync(socketPath)) socket = await connect(socketPath).catch(() => undefined);
    if (!socket) await sleep(20);
  }
  const qmp = new Qmp(socket);
  await qmp.command('qmp_capabilities');
  return {
    qmp,
    stderr,
    /** Ends QEMU: quit over QMP, then SIGKILL if it is still there after 10 s. */
    async quit() {
      if (!launched.exited) await qmp.command('quit').catch(() => undefined);
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await launched.exit;
      clearTimeout(timer);
      socket.destroy();
    },
  };
}

function connect(socketPath) {
  return new Promise((resolve, reject) => {
    const socket = net.connect(socketPath);
    socket.once('connect', () => resolve(socket));
    socket.once('error', reject);
  });
}

/** Polls query-migrate until the migration is over: its status, 'completed' or 'failed'. */
async function migrationDone(qmp, { timeoutMs = 60_000 } = {}) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const info = await qmp.command('query-migrate');
    if (info.status === 'completed') return info;
    if (info.status === 'failed' || info.status === 'cancelled') {
      throw new Error(`migration ${info.status}: ${info['error-desc'] || ''}`);
    }
    if (Date.now() > deadline) throw new Error(`migration still ${info.status} after ${timeoutMs} ms`);
    await sleep(20);
  }
}

/** Migrates a stopped QEMU's state into `file` (exec:cat); resolves when it is complete. */
async function migrateToFile(qmp, file) {
  await qmp.command('migrate', { uri: `exec:cat > '${file}'` });
  return migrationDone(qmp);
}

/** The -incoming arguments that load `file` (exec:cat). */
const incomingFrom = (file) => ['-incoming', `exec:cat '${file}'`];

module.exports = { qemu, itQemu, launchQemu, qemuExit, startQemu, migrateToFile, migrationDone, incomingFrom };
