// The command line's parser: Node's own util.parseArgs, checked in the command's words.
// The messages a user sees for bad command lines: usage.test.js.
'use strict';
const assert = require('assert');
const util = require('util');

const { parseArgs, UsageError } = require('../dist/command-line');
const { parseDemoArgs } = require('../dist/demo/command');

const DEMO_OPTIONS = {
  pause: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
};

describe('kvm-tod command line parser', function () {
  it("parses the demo's options with util.parseArgs", function () {
    const original = util.parseArgs;
    const calls = [];
    util.parseArgs = (config) => {
      calls.push(config.args);
      return original(config);
    };
    try {
      const args = parseDemoArgs(['--pause', '2s', '--json']);
      assert.strictEqual(args.pauseMs, 2000);
      assert.strictEqual(args.json, true);
    } finally {
      util.parseArgs = original;
    }
    assert.deepStrictEqual(calls, [['--pause', '2s', '--json']]);
  });

  it('gives what util.parseArgs gives for a command line it accepts', function () {
    for (const argv of [
      ['--pause', '1s'],
      ['--pause=1s', '--json'],
      ['-h'],
      ['--json', '--', '--pause', 'x'],
      ['--pause', '-'],
      [],
    ]) {
      const strict = util.parseArgs({ args: argv, options: DEMO_OPTIONS, allowPositionals: true });
      const ours = parseArgs('kvm-tod demo', argv, DEMO_OPTIONS);
      assert.deepStrictEqual({ ...ours.values }, { ...strict.values }, argv.join(' '));
      assert.deepStrictEqual(ours.positionals, strict.positionals, argv.join(' '));
    }
  });

  it('a bad command line is a UsageError in the words of the old parser', function () {
    const cases = [
      [['--frob'], "kvm-tod demo: unknown option '--frob' (see 'kvm-tod demo --help')"],
      [['-x'], "kvm-tod demo: unknown option '-x' (see 'kvm-tod demo --help')"],
      [['--json=yes'], "kvm-tod demo: option '--json' takes no value (see 'kvm-tod demo --help')"],
      [['--pause'], "kvm-tod demo: option '--pause' needs a value (see 'kvm-tod demo --help')"],
      [['--pause', '--json'], "kvm-tod demo: option '--pause' needs a value (see 'kvm-tod demo --help')"],
    ];
    for (const [argv, message] of cases) {
      assert.throws(
        () => parseArgs('kvm-tod demo', argv, DEMO_OPTIONS),
        (error) => error instanceof UsageError && error.message === message,
        argv.join(' '),
      );
    }
  });
});
