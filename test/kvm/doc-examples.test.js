// The `js kvm` examples of README.md and docs/ (see test/docs/examples.test.js for the
// rest): each runs as written where /dev/kvm works, exits 0 with nothing on stderr, and
// prints what the text after it says it prints.
'use strict';
const assert = require('assert');
const { itKvm } = require('@kvm-tod/testkit/kvm');
const { docBlocks, runJs, printedClaim } = require('@kvm-tod/testkit/doc-examples');

describe("the docs' `js kvm` examples on real KVM", function () {
  this.timeout(180_000);
  for (const block of docBlocks().filter((b) => b.info === 'js kvm')) {
    itKvm(`${block.file}:${block.line}`, () => {
      const { status, signal, stdout, stderr, error } = runJs(block);
      assert.ifError(error);
      assert.strictEqual(status, 0, `exit ${status} ${signal ?? ''}\n${stderr}${stdout}`);
      assert.strictEqual(stderr, '', 'nothing on stderr: no warning, no error');
      const claim = printedClaim(block);
      if (claim !== undefined) assert.ok(stdout.includes(claim), `prints ${JSON.stringify(claim)}; printed ${stdout}`);
    });
  }
});
