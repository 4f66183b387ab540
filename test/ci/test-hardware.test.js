// `npm run test:hardware` as a CI rig runs it (scripts/test-hardware.sh in a child): the exit
// status tells passed (0), failed (1), usage (2) and skipped for want of an s390x KVM (77);
// --require-kvm turns the missing KVM into failures; the results folder holds the environment
// record, JUnit XML that validates against testkit/junit.xsd and TAP 13 that tap-parser reads.
'use strict';
const assert = require('assert');
const { spawnSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { validateJUnit, junitValidatorMissing, parseTap } = require('@kvm-tod/testkit/ci-results');
const { s390Kvm } = require('@kvm-tod/testkit/s390-kvm');

const ROOT = path.join(__dirname, '..', '..');
const CHECKS = 19; // every check of @kvm-tod/testkit/s390-checks

/** The runner's environment: none of this process's suite settings. */
function runnerEnv() {
  const env = { ...process.env };
  for (const name of [
    'KVM_TOD_TALLY',
    'KVM_TOD_HW_BACKEND',
    'KVM_TOD_HW_RESULTS',
    'KVM_TOD_REQUIRE_HARDWARE',
    'INIT_CWD',
  ])
    delete env[name];
  for (const name of Object.keys(env)) if (name.startsWith('KVM_S390_DOUBLE')) delete env[name];
  // The runner is a host script that finds its own addon and preloads what it needs: under
  // npm run test:s390x this process is s390x under qemu-user, but the runner's node is the host's.
  for (const name of ['LD_PRELOAD', 'KVM_TOD_ADDON', 'KVM_TOD_EXPECT_ARCH']) delete env[name];
  return env;
}

/** The architecture and version of the node the runner runs on (under qemu-user: the host's). */
function runnerNode() {
  const r = spawnSync('bash', ['-c', 'node -p "process.arch + \' \' + process.version"'], {
    cwd: ROOT,
    env: runnerEnv(),
    encoding: 'utf8',
  });
  const [arch, version] = r.stdout.trim().split(' ');
  return { arch, version };
}

/** The runner with `args`, results in a fresh folder: { status, out, dir, env (the record) }. */
function testHardware(args) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kvm-tod-test-hardware-'));
  const r = spawnSync('bash', ['scripts/test-hardware.sh', '--results', dir, ...args], {
    cwd: ROOT,
    env: runnerEnv(),
    encoding: 'utf8',
    timeout: 300000,
  });
  const file = path.join(dir, 'environment.json');
  return {
    status: r.status,
    out: r.stdout + r.stderr,
    dir,
    env: fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, 'utf8')) : undefined,
  };
}

// Where no validator runs (a big-endian host without xmllint), the JUnit file is not checked
// against the schema, and the titles say so; its contents are still checked.
const noValidator = junitValidatorMissing();
const validatorGate = noValidator ? ` [JUnit schema check skipped: ${noValidator}]` : '';

async function assertValidResults(dir, counts) {
  if (!noValidator) {
    const junit = await validateJUnit(path.join(dir, 'hardware.junit.xml'));
    assert.deepStrictEqual(junit.errors, [], 'JUnit XML against testkit/junit.xsd');
  }
  const tap = parseTap(path.join(dir, 'hardware.tap'));
  assert.deepStrictEqual(tap.errors, [], 'TAP 13');
  assert.deepStrictEqual(tap.counts, counts);
  return { junit: fs.readFileSync(path.join(dir, 'hardware.junit.xml'), 'utf8'), tap };
}

describe('npm run test:hardware: results, environment record and exit status', function () {
  this.timeout(600000);
  const runs = [];
  after(() => runs.forEach((r) => fs.rmSync(r.dir, { recursive: true, force: true })));
  const run = (args) => {
    const r = testHardware(args);
    runs.push(r);
    return r;
  };

  it(
    s390Kvm.ok
      ? 'on this s390x KVM: every check runs; exit 0; the record says real KVM'
      : `without an s390x KVM: every check a SKIP with the reason, exit 77, JUnit and TAP say so${validatorGate}`,
    async function () {
      const r = run([]);
      if (s390Kvm.ok) {
        assert.strictEqual(r.status, 0, r.out);
        assert.ok(['hardware', 's390-box', 'hercules'].includes(r.env.backend), r.env.backend);
        return;
      }
      assert.strictEqual(r.status, 77, r.out);
      assert.match(r.out, /exit 77: skipped for want of an s390x KVM/);
      assert.strictEqual(r.env.backend, 'none');
      const { junit, tap } = await assertValidResults(r.dir, { pass: CHECKS, fail: 0, skip: CHECKS, total: CHECKS });
      for (const skip of tap.skips) assert.match(skip.skip, /^no s390x KVM here: /, skip.name);
      assert.strictEqual((junit.match(/<skipped message="no s390x KVM here: /g) || []).length, CHECKS);
      assert.match(junit, /<property name="backend" value="none"\/>/);
    },
  );

  (s390Kvm.ok ? it.skip : it)(
    `--require-kvm without an s390x KVM: every check a failure naming why, exit 1${validatorGate}` +
      (s390Kvm.ok ? ' [skipped: this host has one]' : ''),
    async function () {
      const r = run(['--require-kvm']);
      assert.strictEqual(r.status, 1, r.out);
      const { junit } = await assertValidResults(r.dir, { pass: 0, fail: CHECKS, skip: 0, total: CHECKS });
      assert.strictEqual(
        (junit.match(/<failure message="required here, but cannot run: no s390x KVM here/g) || []).length,
        CHECKS,
      );
    },
  );

  const doubleTitle = `--backend double: what the double can answer passes, said in every title; exit 0; the record`;
  it(`${doubleTitle}${validatorGate}`, async function () {
    const r = run(['--backend', 'double']);
    assert.strictEqual(r.status, 0, r.out);
    assert.match(r.out, /BACKEND = the s390 kernel double, NOT real IBM Z hardware/);
    const { junit, tap } = await assertValidResults(r.dir, { pass: CHECKS, fail: 0, skip: 4, total: CHECKS });
    for (const name of junit.match(/<testcase name="[^"]*"/g)) assert.match(name, /\[kernel double, NOT hardware\]"$/);
    assert.deepStrictEqual(
      tap.skips.map((s) => s.skip).sort(),
      [
        'the kernel double has no vCPUs: KVM_RUN needs a real s390 KVM',
        'the kernel double has no vCPUs: KVM_RUN needs a real s390 KVM',
        "the raw call is @kvm-tod/vmm-s390-stck's s390x addon, for a real s390 KVM",
        "the raw call is @kvm-tod/vmm-s390-stck's s390x addon, for a real s390 KVM",
      ].sort(),
    );
    const e = r.env;
    assert.strictEqual(e.backend, 'double');
    const node = runnerNode();
    assert.deepStrictEqual([e.host.arch, e.host.kernel], [node.arch, os.release()]);
    assert.deepStrictEqual([e.kvm.device, e.kvm.apiVersion, e.kvm.vm], ['works', 12, 'works']);
    assert.deepStrictEqual(e.kvm.tod, { low: 'works', high: 'works', extReported: 'absent', ext: 'works' });
    assert.strictEqual(e.kvm.capabilities.vmAttributes, 1);
    assert.strictEqual(e.versions.node, node.version);
    assert.strictEqual(e.versions.kvmTod, require('../../package.json').version);
    for (const key of ['machine', 'facilities', 'facility139', 'allocatePgste']) assert.ok(key in e, key);
  });

  it('a usage error: exit 2, one line naming the option', function () {
    const r = run(['--backend', 'qemu']);
    assert.strictEqual(r.status, 2);
    assert.match(r.out, /^test:hardware: --backend qemu: expected kvm or double; usage: /);
  });
});
