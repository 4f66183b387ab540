// probeHost(): what this host's KVM offers, as tokens a program tests, asked through the real
// addon of the kernel double's /dev/kvm (an s390 KVM with the TOD group), of one without PGSTE,
// of a kernel before 4.15, and of a /dev/kvm that is not there.
'use strict';
const assert = require('assert');
const fs = require('fs');
const kvm = require('../..');
const double = require('@kvm-tod/testkit/s390-double');

const openFds = () => fs.readdirSync('/proc/self/fd').length;

/** probeHost() with the double on (configured by `config`), and the descriptors it left open. */
function probeDouble(config = {}) {
  double.enable(config);
  try {
    const before = openFds();
    const report = kvm.probeHost();
    return { report, leaked: openFds() - before };
  } finally {
    double.reset();
  }
}

const VM_CHECKS = (r) => ({
  'tod.low': r.tod.low,
  'tod.high': r.tod.high,
  'tod.extReported': r.tod.extReported,
  'tod.ext': r.tod.ext,
  kvmclock: r.kvmclock,
  'capabilities.adjustClock': r.capabilities.adjustClock,
  'capabilities.kvmclockCtrl': r.capabilities.kvmclockCtrl,
  'capabilities.s390Protected': r.capabilities.s390Protected,
  'capabilities.vmAttributes': r.capabilities.vmAttributes,
});

describe('probeHost through the kernel double', () => {
  double.itDouble('an s390 KVM: each answer a token with words beside it; plain data; nothing left open', () => {
    const { report: r, leaked } = probeDouble();
    assert.strictEqual(leaked, 0, 'descriptors left open');
    assert.strictEqual(r.arch, process.arch);
    assert.strictEqual(r.clockKind, { s390x: 'tod', x64: 'kvmclock' }[process.arch] ?? null);
    assert.strictEqual(r.addon.status, 'works');
    assert.match(r.addon.value, /\.node$/); // build/Release/kvm_tod.node, or a prebuild's node.napi.node
    assert.deepStrictEqual([r.kvm.status, r.apiVersion.status, r.apiVersion.value], ['works', 'works', 12]);
    assert.strictEqual(r.vm.status, 'works');
    assert.deepStrictEqual(
      [r.tod.low.status, r.tod.high.status, r.tod.extReported.status, r.tod.ext.status],
      ['works', 'works', 'absent', 'works'],
    );
    assert.deepStrictEqual(
      [r.capabilities.vmAttributes.status, r.capabilities.vmAttributes.value],
      ['works', 1],
      'KVM_CAP_VM_ATTRIBUTES',
    );
    assert.deepStrictEqual([r.capabilities.adjustClock.status, r.capabilities.adjustClock.value], ['absent', 0]);
    assert.deepStrictEqual([r.kvmclock.status, r.kvmclock.error.code], ['absent', 'ENOTTY']);
    for (const [name, check] of Object.entries(VM_CHECKS(r))) assert.strictEqual(typeof check.detail, 'string', name);
    if (process.arch !== 's390x') assert.strictEqual(r.allocatePgste, null);
    assert.deepStrictEqual(JSON.parse(JSON.stringify(r)), r, 'the report is plain data');
  });

  double.itDouble(
    `a process without PGSTE: vm failed EINVAL${process.arch === 's390x' ? ' with the fix' : ''}; the rest untried`,
    () => {
      const { report: r, leaked } = probeDouble({ noPgste: true });
      assert.strictEqual(leaked, 0);
      assert.deepStrictEqual([r.kvm.status, r.vm.status, r.vm.error.code], ['works', 'failed', 'EINVAL']);
      assert.strictEqual(r.vm.error.request, 'KVM_CREATE_VM');
      if (process.arch === 's390x') {
        assert.strictEqual(r.vm.hint.code, kvm.HintCodes.S390_PGSTE);
        assert.match(r.vm.detail, /Likely reason: .*vm\.allocate_pgste.* Fix: .*--s390-pgste/);
      } else {
        assert.strictEqual(r.vm.hint, undefined);
      }
      for (const [name, check] of Object.entries(VM_CHECKS(r))) {
        assert.strictEqual(check.status, 'untried', name);
        assert.strictEqual(check.error.code, 'EINVAL', name);
        assert.strictEqual(check.detail, 'needs a VM: EINVAL (errno -22)', name);
      }
    },
  );

  double.itDouble('a kernel before 4.15: tod.ext absent, and the words say the library uses LOW + HIGH', () => {
    const { report: r } = probeDouble({ pre415: true });
    assert.strictEqual(r.tod.ext.status, 'absent');
    assert.match(r.tod.ext.detail, /before 4\.15.*LOW \+ HIGH/);
  });
});

describe('probeHost without a KVM device', () => {
  it('a /dev/kvm that is not there: kvm absent (ENOENT), everything after it untried with that error', () => {
    const before = openFds();
    const r = kvm.probeHost({ path: '/nonexistent/kvm' });
    assert.strictEqual(openFds(), before);
    assert.strictEqual(r.addon.status, 'works');
    assert.deepStrictEqual([r.kvm.status, r.kvm.error.code, r.kvm.error.errno], ['absent', 'ENOENT', -2]);
    for (const [name, check] of Object.entries({ apiVersion: r.apiVersion, vm: r.vm, ...VM_CHECKS(r) })) {
      assert.strictEqual(check.status, 'untried', name);
      assert.strictEqual(check.error.code, 'ENOENT', name);
      assert.strictEqual(check.detail, 'needs /dev/kvm: ENOENT (errno -2)', name);
      assert.match(check.error.message, /^open '\/nonexistent\/kvm' failed: ENOENT/, name);
    }
  });
});
