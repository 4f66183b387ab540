// Mocha's spec reporter, plus a tally appended to $KVM_TOD_TALLY (one JSON line per
// run) so that scripts/test.sh can close with one "N passed, N failed, N skipped"
// line over every suite it ran.
'use strict';
const fs = require('fs');
const Mocha = require('mocha');

class TallyReporter extends Mocha.reporters.Spec {
  constructor(runner, options) {
    super(runner, options);
    // The failed titles go into the tally too: CI's log is often read from its tail only.
    const failed = [];
    runner.on(Mocha.Runner.constants.EVENT_TEST_FAIL, (test, err) => {
      failed.push(
        `${test.fullTitle()}: ${String((err && err.message) || err)
          .split('\n')[0]
          .slice(0, 200)}`,
      );
    });
    runner.once(Mocha.Runner.constants.EVENT_RUN_END, () => {
      const file = process.env.KVM_TOD_TALLY;
      if (!file) return;
      const { passes, failures, pending } = runner.stats;
      // Run by npm in a package of the workspace: the package's name beside the suite's.
      const pkg = process.env.npm_package_name;
      const base = process.env.KVM_TOD_SUITE_LABEL || 'suite';
      const label = pkg && pkg !== 'kvm-tod' ? `${base} · ${pkg}` : base;
      fs.appendFileSync(file, JSON.stringify({ label, passes, failures, pending, failed }) + '\n');
    });
  }
}

module.exports = TallyReporter;
