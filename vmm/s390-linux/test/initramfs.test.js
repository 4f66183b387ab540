// The guest's initramfs as scripts/guest-initramfs.sh builds it (static s390x busybox and
// init, an uncompressed newc cpio), read back here: no kernel. Needs the s390x cross compiler
// and the busybox-static:s390x package (the s390 box's cache, or apt), else skipped.
'use strict';
const assert = require('assert');
const { execFileSync, spawnSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

const script = path.join(__dirname, '..', 'scripts', 'guest-initramfs.sh');

/** What the script lacks here to build the initramfs (its own --check), or undefined. */
function missing() {
  const r = spawnSync('bash', [script, '--check'], { encoding: 'utf8' });
  return r.status === 0 ? undefined : r.stdout.trim() || r.stderr.trim();
}

/** The entries of a newc cpio: name, mode, uid, gid, data. */
function readCpio(bytes) {
  const entries = [];
  for (let at = 0; ;) {
    const head = bytes.subarray(at, at + 110).toString('latin1');
    assert.strictEqual(head.slice(0, 6), '070701', `newc magic at ${at}`);
    const field = (i) => parseInt(head.slice(6 + 8 * i, 14 + 8 * i), 16);
    const nameSize = field(11);
    const name = bytes.subarray(at + 110, at + 110 + nameSize - 1).toString('latin1');
    at = (at + 110 + nameSize + 3) & ~3;
    const size = field(6);
    const data = bytes.subarray(at, at + size);
    at = (at + size + 3) & ~3;
    if (name === 'TRAILER!!!') return entries;
    entries.push({ name, mode: field(1), uid: field(2), gid: field(3), data });
  }
}

/** What an ELF header says: s390x (machine 22), 64-bit big-endian, and whether it wants a loader. */
function elf(data) {
  assert.strictEqual(data.subarray(0, 4).toString('latin1'), '\x7fELF');
  const phoff = Number(data.readBigUInt64BE(32));
  const phnum = data.readUInt16BE(56);
  const types = Array.from({ length: phnum }, (_, i) => data.readUInt32BE(phoff + i * 56));
  return {
    class64: data[4] === 2,
    bigEndian: data[5] === 2,
    machine: data.readUInt16BE(18),
    interp: types.includes(3),
  };
}

describe('s390-linux guest initramfs (no kernel)', () => {
  const why = missing();
  (why ? it.skip : it)(
    `busybox and /init, static s390x, in an uncompressed newc cpio owned by root${why ? ` [skipped: ${why}]` : ''}`,
    function () {
      this.timeout(120000);
      const out = fs.mkdtempSync(path.join(os.tmpdir(), 's390-linux-initramfs-'));
      try {
        const printed = execFileSync('bash', [script], {
          env: { ...process.env, S390_LINUX_GUEST_OUT: out },
          encoding: 'utf8',
          stdio: ['ignore', 'pipe', 'ignore'],
        });
        const initrd = /^initrd=(.*)$/m.exec(printed)[1];
        assert.strictEqual(path.dirname(initrd), out);
        assert.match(printed, /^kernel=.*vmlinuz$/m);
        const entries = readCpio(fs.readFileSync(initrd));
        const byName = new Map(entries.map((e) => [e.name, e]));
        for (const dir of ['dev', 'proc', 'sys', 'tmp', 'bin']) assert.ok(byName.has(dir), dir);
        for (const name of ['init', 'bin/busybox']) {
          const e = byName.get(name);
          assert.ok(e, name);
          assert.ok(e.mode & 0o111, `${name} is executable`);
          assert.deepStrictEqual(elf(e.data), { class64: true, bigEndian: true, machine: 22, interp: false }, name);
        }
        assert.strictEqual((byName.get('bin/sh').mode & 0o170000) >> 12, 0o12, 'bin/sh is a symlink');
        assert.strictEqual(byName.get('bin/sh').data.toString(), 'busybox');
        assert.ok(
          entries.every((e) => e.uid === 0 && e.gid === 0),
          'all owned by root',
        );
        assert.ok(byName.get('init').data.includes('kvmtod-clock %lu'), '/init prints the clock lines');
        // Idempotent: a second run builds nothing and prints the same.
        const again = execFileSync('bash', [script], {
          env: { ...process.env, S390_LINUX_GUEST_OUT: out },
          encoding: 'utf8',
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        assert.strictEqual(again, printed);
      } finally {
        fs.rmSync(out, { recursive: true, force: true });
      }
    },
  );
});
