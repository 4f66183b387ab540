// Every code example in README.md and docs/ works as written: `js` blocks run (on the
// simulated device, or on the s390 kernel double's VMs), `ts` blocks compile with
// tsc --strict, a `js no-run` block says why just above it, and no block carries a tag
// outside the convention (so none escapes by its spelling). `js kvm` blocks type-check
// here (tsc --strict --checkJs) and run in test/kvm/doc-examples.test.js, where /dev/kvm
// works.
'use strict';
const assert = require('assert');
const double = require('@kvm-tod/testkit/s390-double');
const { KINDS, docBlocks, runJs, compileTs, printedClaim } = require('@kvm-tod/testkit/doc-examples');

const blocks = docBlocks();
const where = (b) => `${b.file}:${b.line}`;

describe("the docs' code examples", function () {
  this.timeout(180_000);

  it('every fenced block is tagged js, js kvm, js no-run, ts, sh, json or nothing (output)', () => {
    const odd = blocks.filter((b) => !KINDS.has(b.info)).map((b) => `${where(b)} \`\`\`${b.info}`);
    assert.deepStrictEqual(odd, []);
  });

  it('there are examples of each kind to run (the extraction works)', () => {
    for (const kind of ['js', 'js kvm', 'ts'])
      assert.ok(
        blocks.some((b) => b.info === kind),
        `no ${kind} block found`,
      );
  });

  it('a `js no-run` block says why in the text just above it', () => {
    const silent = blocks.filter(
      (b) => b.info === 'js no-run' && !/\b(because|since|needs?|cannot|not run|only)\b/i.test(b.above),
    );
    assert.deepStrictEqual(silent.map(where), []);
  });

  it("the `ts` blocks compile with tsc --strict against the package's types", () => {
    const ts = blocks.filter((b) => b.info === 'ts');
    assert.strictEqual(compileTs(ts), '');
  });

  it('the `js kvm` blocks, run only where /dev/kvm works, type-check with tsc --strict (checkJs)', () => {
    // What a TypeScript user copying one would be told, checked on every host.
    const kvmBlocks = blocks.filter((b) => b.info === 'js kvm');
    assert.ok(kvmBlocks.length > 0);
    assert.strictEqual(compileTs(kvmBlocks), '');
  });

  describe('the `js` blocks run', () => {
    for (const block of blocks.filter((b) => b.info === 'js')) {
      const needsVm = /\bopenKvm\s*\(/.test(block.code);
      const title = `${where(block)}${needsVm ? " (on the s390 kernel double's VMs)" : ''}`;
      const body = () => {
        const env = needsVm ? { KVM_S390_DOUBLE: '1' } : {};
        const { status, signal, stdout, stderr, error } = runJs(block, env);
        assert.ifError(error);
        assert.strictEqual(status, 0, `exit ${status} ${signal ?? ''}\n${stderr}${stdout}`);
        assert.strictEqual(stderr, '', 'nothing on stderr: no warning, no error');
        const claim = printedClaim(block);
        if (claim !== undefined)
          assert.ok(stdout.includes(claim), `prints ${JSON.stringify(claim)}; printed ${stdout}`);
      };
      if (needsVm) double.itDouble(title, body);
      else it(title, body);
    }
  });
});
