// The double's raw kernel behaviour that the addon never lets JavaScript reach (a
// bad user address, nonzero flags, unknown groups and attributes, the zeroed padding
// of the EXT struct, inert the moment KVM_S390_DOUBLE is unset): double/selftest.c,
// compiled and run here with the double preloaded.
// KVM_S390_DOUBLE_CC (default `cc`) compiles it; KVM_S390_DOUBLE_RUNNER (e.g.
// `qemu-s390x-static`) runs it, which is how scripts/test-s390x.sh runs it big-endian.
'use strict';
const assert = require('assert');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { execFileSync, spawnSync } = require('child_process');
const { itDouble, soPath, sourceDir } = require('../s390-double');

describe('the s390 kernel double, from C', () => {
  itDouble(
    'selftest.c: EFAULT for a bad address, EINVAL for flags, ENXIO for unknown group/attr, HAS, inert when off',
    function () {
      this.timeout(120000);
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kvm-tod-selftest-'));
      try {
        const exe = path.join(dir, 'selftest');
        const env = { ...process.env };
        delete env.LD_PRELOAD; // the compiler is a host program; the double may be another arch's
        const cc = process.env.KVM_S390_DOUBLE_CC || 'cc';
        execFileSync(cc, ['-std=gnu11', '-Wall', '-Wextra', '-Werror', '-o', exe, path.join(sourceDir, 'selftest.c')], {
          env,
          stdio: 'pipe',
        });
        const runner = (process.env.KVM_S390_DOUBLE_RUNNER || '').split(' ').filter(Boolean);
        const [cmd, ...args] = [...runner, exe];
        const run = spawnSync(cmd, args, {
          env: { ...env, LD_PRELOAD: soPath, KVM_S390_DOUBLE: '1' },
          encoding: 'utf8',
        });
        const out = `${run.stdout}${run.stderr}`;
        assert.strictEqual(run.error, undefined, `could not run ${cmd}: ${run.error}`);
        assert.ok(!/^not ok/m.test(out) && run.status === 0, `selftest failed (exit ${run.status}):\n${out}`);
        const planned = /^1\.\.(\d+)$/m.exec(out);
        assert.ok(planned && Number(planned[1]) >= 28, `selftest did not finish its plan:\n${out}`);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    },
  );
});
