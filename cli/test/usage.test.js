// The kvm-tod command's help and its answers to bad command lines.
'use strict';
const assert = require('assert');

const { runKvmTod } = require('./helpers/kvm-tod-cli');

function kvmTod(args) {
  return runKvmTod(args, { inert: false });
}

/** A usage error: exit 2, nothing on stdout, one line on stderr, no stack trace. */
function assertUsageError(r, pattern) {
  assert.strictEqual(r.status, 2, `exit status ${r.status}; stderr: ${r.stderr}`);
  assert.strictEqual(r.stdout, '');
  const lines = r.stderr.split('\n').filter(Boolean);
  assert.strictEqual(lines.length, 1, r.stderr);
  assert.match(lines[0], pattern);
  assert.doesNotMatch(r.stderr, /\s+at .*\(/, 'no stack trace');
}

describe('kvm-tod command line', function () {
  it('--help lists the commands with examples and exits 0', function () {
    const r = kvmTod(['--help']);
    assert.strictEqual(r.status, 0);
    assert.match(r.stdout, /^Usage: kvm-tod <command>/);
    assert.match(r.stdout, /^\s+demo\s/m);
    assert.match(r.stdout, /^\s+probe\s/m);
    assert.match(r.stdout, /Examples:\n\s+kvm-tod demo/);
  });

  it('demo --help documents --pause, --backend, --json, the exit statuses and examples', function () {
    const r = kvmTod(['demo', '--help']);
    assert.strictEqual(r.status, 0);
    for (const text of [
      '--pause <duration>',
      '--backend <backend>',
      '--json',
      'auto',
      'kvmclock',
      's390',
      'simulated',
      'Exit status:',
      'kvm-tod demo --pause 2m',
    ]) {
      assert.ok(r.stdout.includes(text), `no '${text}' in:\n${r.stdout}`);
    }
    assert.deepStrictEqual(kvmTod(['help', 'demo']).stdout, r.stdout);
  });

  it('probe --help documents --json, the exit status and examples', function () {
    const r = kvmTod(['probe', '-h']);
    assert.strictEqual(r.status, 0);
    for (const text of ['Usage: kvm-tod probe', '--json', 'Exit status:', 'Examples:'])
      assert.ok(r.stdout.includes(text), text);
  });

  it("cli/README.md's synopsis names every option of the demo's and probe's help", function () {
    const fs = require('fs');
    const path = require('path');
    const readme = fs.readFileSync(path.join(__dirname, '..', 'README.md'), 'utf8');
    const synopsis = /^```\n(kvm-tod [^]*?)```/m.exec(readme)[1];
    for (const command of ['demo', 'probe']) {
      const help = kvmTod([command, '--help']).stdout;
      const options = [...help.split('\nOptions:\n')[1].matchAll(/^ {2}(?:-\w, )?(--[a-z]+(?: linux)?)/gm)].map(
        (m) => m[1],
      );
      assert.ok(options.length >= 2, help);
      for (const option of options) assert.ok(synopsis.includes(option), `${command} ${option} not in:\n${synopsis}`);
    }
  });

  it('--version prints the package version', function () {
    const r = kvmTod(['--version']);
    assert.strictEqual(r.status, 0);
    assert.strictEqual(r.stdout.trim(), require('../package.json').version);
  });

  it('no command: the usage on stderr and exit status 2', function () {
    const r = kvmTod([]);
    assert.strictEqual(r.status, 2);
    assert.match(r.stderr, /^Usage: kvm-tod/);
    // one line, as any usage error, naming the commands and where the help is
    assertUsageError(r, /^Usage: kvm-tod <demo\|probe> \[options\] \(see 'kvm-tod --help'\)$/);
  });

  it("--help <command>, -h <command> and help <command> show that command's help", function () {
    for (const command of ['demo', 'probe']) {
      const own = kvmTod([command, '--help']);
      assert.strictEqual(own.status, 0);
      assert.match(own.stdout, new RegExp(`^Usage: kvm-tod ${command}`));
      for (const argv of [
        ['--help', command],
        ['-h', command],
        ['help', command],
      ]) {
        const r = kvmTod(argv);
        assert.strictEqual(r.status, 0, argv.join(' '));
        assert.strictEqual(r.stdout, own.stdout, argv.join(' '));
      }
    }
    assertUsageError(kvmTod(['--help', 'frob']), /^kvm-tod: unknown command 'frob'/);
  });

  it('an unknown command or option: one line and exit status 2', function () {
    assertUsageError(kvmTod(['frobnicate']), /^kvm-tod: unknown command 'frobnicate'/);
    assertUsageError(kvmTod(['--frob']), /^kvm-tod: unknown option '--frob'/);
    assertUsageError(
      kvmTod(['demo', '--frob']),
      /^kvm-tod demo: unknown option '--frob' \(see 'kvm-tod demo --help'\)$/,
    );
    assertUsageError(kvmTod(['demo', '-x']), /^kvm-tod demo: unknown option '-x'/);
    assertUsageError(kvmTod(['demo', 'extra']), /^kvm-tod demo: unexpected argument 'extra'/);
    assertUsageError(kvmTod(['demo', '--json=yes']), /^kvm-tod demo: option '--json' takes no value/);
    assertUsageError(kvmTod(['demo', '--pause']), /^kvm-tod demo: option '--pause' needs a value/);
  });

  it('a bad duration: one line naming --pause and exit status 2', function () {
    // 5ms would be too short: only 5s is suggested.
    assertUsageError(
      kvmTod(['demo', '--pause', '5']),
      /^kvm-tod demo: bad --pause: '5' has no unit: write e\.g\. 5s \(/,
    );
    assertUsageError(kvmTod(['demo', '--pause', 'soon']), /^kvm-tod demo: bad --pause: 'soon' is not a duration/);
    assertUsageError(kvmTod(['demo', '--pause=3 s']), /^kvm-tod demo: bad --pause: '3 s' is not a duration/);
    assertUsageError(kvmTod(['demo', '--pause', '2d']), /^kvm-tod demo: bad --pause: '2d' is not a duration/);
    assertUsageError(
      kvmTod(['demo', '--pause', '10ms']),
      /^kvm-tod demo: bad --pause: 10ms is too short .* at least 100ms$/,
    );
  });

  it('a negative --pause: one line saying it is negative and exit status 2', function () {
    for (const argv of [['--pause', '-1s'], ['--pause=-1s']]) {
      assertUsageError(
        kvmTod(['demo', ...argv]),
        /^kvm-tod demo: bad --pause: '-1s' is negative: give at least 100ms$/,
      );
    }
    assertUsageError(
      kvmTod(['demo', '--policy', 'threshold:-2s']),
      /^kvm-tod demo: bad --policy 'threshold:-2s': '-2s' is negative: give 0 or more$/,
    );
  });

  it('--pause without a unit suggests only durations the demo accepts: 0 gets the shortest, 100ms', function () {
    assertUsageError(
      kvmTod(['demo', '--pause', '0']),
      /^kvm-tod demo: bad --pause: '0' has no unit: write e\.g\. 100ms, the shortest accepted/,
    );
    const { parseDemoArgs } = require('../dist/demo/command');
    for (const given of ['0', '0.05', '5', '100', '100000', '100000000']) {
      const r = kvmTod(['demo', '--pause', given]);
      assert.strictEqual(r.status, 2, given);
      const advice = /write e\.g\. (.*?)(,| \()/.exec(r.stderr);
      assert.ok(advice, r.stderr);
      for (const suggested of advice[1].split(' or ')) {
        assert.doesNotThrow(() => parseDemoArgs(['--pause', suggested]), `${given}: ${suggested} is accepted`);
      }
    }
  });

  it('a bad backend: one line listing the backends and exit status 2', function () {
    assertUsageError(
      kvmTod(['demo', '--backend', 'qemu']),
      /^kvm-tod demo: bad --backend 'qemu': use one of auto, s390, kvmclock, simulated$/,
    );
  });

  it('a bad --policy: one line listing the policies and exit status 2', function () {
    assertUsageError(
      kvmTod(['demo', '--policy', 'thaw']),
      new RegExp(
        "^kvm-tod demo: bad --policy 'thaw': use one of freeze, catch-up, both, threshold:<duration> " +
          '\\(e\\.g\\. threshold:2s\\)$',
      ),
    );
    assertUsageError(
      kvmTod(['demo', '--policy', 'threshold:soon']),
      /^kvm-tod demo: bad --policy 'threshold:soon': 'soon' is not a duration/,
    );
    assertUsageError(
      kvmTod(['demo', '--policy', 'threshold:2']),
      /^kvm-tod demo: bad --policy 'threshold:2': '2' has no unit/,
    );
    assertUsageError(kvmTod(['demo', '--policy']), /^kvm-tod demo: option '--policy' needs a value/);
  });

  it('demo --help documents --policy and its choices', function () {
    const r = kvmTod(['demo', '--help']);
    for (const text of [
      '--policy <policy>',
      'freeze (default)',
      'catch-up',
      'both',
      'threshold:<duration>',
      'kvm-tod demo --policy both',
    ]) {
      assert.ok(r.stdout.includes(text), `no '${text}' in:\n${r.stdout}`);
    }
  });

  it('accepts the duration forms of the help: 1.5s and 1m30s parse (checked with --help after them)', function () {
    // --help wins over the rest, so a parsed --pause costs no wait; a bad one would exit 2 first.
    for (const d of ['500ms', '1.5s', '2m', '1m30s'])
      assert.strictEqual(kvmTod(['demo', '--pause', d, '--help']).status, 0, d);
  });
});
