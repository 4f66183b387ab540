// The `js kvm` examples of this package's README.md: each runs as written where /dev/kvm
// works, in a project of its own with kvm-tod and this package installed, exits 0 with
// nothing on stderr, and prints what the text after it says it prints.
'use strict';
const assert = require('assert');
const path = require('path');
const { itKvm } = require('@kvm-tod/testkit/kvm');
const { docBlocks, runJs, printedClaim, libraryRoot } = require('@kvm-tod/testkit/doc-examples');

const packageRoot = path.join(__dirname, '..', '..');
const links = { 'kvm-tod': libraryRoot, '@kvm-tod/vmm-x86-tiny': packageRoot };

describe("the docs' `js kvm` examples on real KVM", function () {
  this.timeout(180_000);
  for (const block of docBlocks(packageRoot).filter((b) => b.info === 'js kvm')) {
    itKvm(`${block.file}:${block.line}`, () => {
      const { status, signal, stdout, stderr, error } = runJs(block, {}, links);
      assert.ifError(error);
      assert.strictEqual(status, 0, `exit ${status} ${signal ?? ''}\n${stderr}${stdout}`);
      assert.strictEqual(stderr, '', 'nothing on stderr: no warning, no error');
      const claim = printedClaim(block);
      if (claim !== undefined) assert.ok(stdout.includes(claim), `prints ${JSON.stringify(claim)}; printed ${stdout}`);
    });
  }
});
