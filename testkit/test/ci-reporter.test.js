// ci-reporter.js as a CI rig reads its output: a sample suite with a pass, a failure, a gated
// skip and a run-time skip goes through it, and its JUnit XML must validate against junit.xsd
// (xmllint-wasm), its TAP 13 parse (tap-parser) with the counts, the skip reasons and the
// failure, and the environment be in both. The validators must also refuse what is wrong.
'use strict';
const assert = require('assert');
const { spawnSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { validateJUnit, junitValidatorMissing, parseTap } = require('../ci-results');

// Where no validator runs (a big-endian host without xmllint), the schema checks say so.
const noValidator = junitValidatorMissing();
const itValidates = noValidator ? it.skip : it;
const validatorGate = noValidator ? ` [skipped: ${noValidator}]` : '';

const mocha = require.resolve('mocha/bin/mocha.js');
const SAMPLE = path.join(__dirname, 'fixtures', 'ci-sample.js');

describe('ci-reporter: JUnit XML and TAP 13 for CI rigs', function () {
  this.timeout(60000);
  let dir;
  let run;
  before(function () {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kvm-tod-ci-reporter-'));
    fs.writeFileSync(
      path.join(dir, 'env.json'),
      JSON.stringify({ backend: 's390-box', kvm: { tod: { ext: 'works' } } }),
    );
    const env = { ...process.env, KVM_TOD_RESULTS: dir, KVM_TOD_RESULTS_NAME: 'sample' };
    env.KVM_TOD_RESULTS_PROPERTIES = path.join(dir, 'env.json');
    env.KVM_TOD_SUITE_LABEL = 'the sample';
    delete env.KVM_TOD_TALLY;
    run = spawnSync(process.execPath, [mocha, '--no-config', '--reporter', require.resolve('../ci-reporter'), SAMPLE], {
      env,
      encoding: 'utf8',
    });
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("keeps mocha's console report and exit status (1 failure)", function () {
    assert.strictEqual(run.status, 1, run.stderr);
    assert.match(run.stdout, /1 passing/);
    assert.match(run.stdout, /1 failing/);
    assert.match(run.stdout, /2 pending/);
  });

  itValidates(`JUnit XML validates against junit.xsd${validatorGate}`, async function () {
    const result = await validateJUnit(path.join(dir, 'sample.junit.xml'));
    assert.deepStrictEqual(result.errors, []);
    assert.strictEqual(result.valid, true);
  });

  it('JUnit XML has the counts, reasons, failure and properties', function () {
    const text = fs.readFileSync(path.join(dir, 'sample.junit.xml'), 'utf8');
    assert.match(text, /<testsuites name="the sample" tests="4" failures="1" errors="0" skipped="2"/);
    assert.match(text, /<testsuite name="sample suite" id="0" tests="4" failures="1" errors="0" skipped="2"/);
    assert.match(text, /<property name="backend" value="s390-box"\/>/);
    assert.match(text, /<property name="kvm\.tod\.ext" value="works"\/>/);
    // The gate's reason, out of the name: the test keeps one name on every host.
    const gated =
      '<testcase name="is skipped by a gate" classname="inner &lt;&amp;&gt; &quot;group&quot; # 1" time="[\\d.]+">' +
      '\\s*<skipped message="no s390x KVM here: this host is x64, not s390x"/>';
    assert.match(text, new RegExp(gated));
    assert.match(
      text,
      /<testcase name="skips itself"[^>]*>\s*<skipped message="skipped while running \(this.skip\(\)\)"\/>/,
    );
    assert.match(text, /<failure message="one is not two &lt;&amp;&gt; # really" type="AssertionError">/);
  });

  it('TAP 13 parses, plan met, 1 failure and 2 SKIPs with their reasons', function () {
    const result = parseTap(path.join(dir, 'sample.tap'));
    assert.deepStrictEqual(result.errors, []);
    assert.strictEqual(result.version, 13);
    assert.deepStrictEqual(result.counts, { pass: 3, fail: 1, skip: 2, total: 4 });
    assert.deepStrictEqual(
      result.skips.map((s) => s.skip),
      ['no s390x KVM here: this host is x64, not s390x', 'skipped while running (this.skip())'],
    );
    assert.strictEqual(result.failures.length, 1);
    assert.match(result.failures[0].name, /fails with <xml> & "quotes" # not a directive$/);
    assert.match(result.failures[0].diag.message, /one is not two/);
    const text = fs.readFileSync(path.join(dir, 'sample.tap'), 'utf8');
    assert.match(text, /^# backend: s390-box$/m);
    assert.match(text, /^# tests 4, pass 1, fail 1, skip 2$/m);
  });

  itValidates(
    `the JUnit validator refuses what a rig would refuse: a testcase without a name${validatorGate}`,
    async () => {
      const bad = path.join(dir, 'bad.junit.xml');
      fs.writeFileSync(
        bad,
        '<testsuites><testsuite name="s" tests="1"><testcase classname="c"/></testsuite></testsuites>',
      );
      const junit = await validateJUnit(bad);
      assert.strictEqual(junit.valid, false);
      assert.match(junit.errors.join('\n'), /name/);
    },
  );

  it('the TAP parser refuses what a rig would refuse: a plan not met', function () {
    const tapFile = path.join(dir, 'bad.tap');
    fs.writeFileSync(tapFile, 'TAP version 13\n1..3\nok 1 - one\nnot ok 2 - two\n');
    const tap = parseTap(tapFile);
    assert.strictEqual(tap.valid, false);
    assert.match(tap.errors.join('\n'), /plan/);
  });
});
