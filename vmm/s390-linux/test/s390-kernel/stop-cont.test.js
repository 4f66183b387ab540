// The seed's own case on the real s390 kvm.ko (the s390 box, IBM Z): an s390x Linux guest
// under the package's Node VMM, stopped for a pause and continued, (b) with kvm-tod's freeze,
// (c) with its catch-up, (a) without the library, on one boot of the guest. What the guest
// itself printed is the witness: its clock lines and its kernel's complaints.
'use strict';
const assert = require('assert');
const fs = require('fs');
const path = require('path');
const { s390Kvm } = require('@kvm-tod/testkit/s390-kvm');

const PAUSE_MS = 10_000;

const title = 's390 kvm.ko: an s390x Linux guest under the Node VMM across stop, a 10 s pause, cont';
// Skipped, with the reason in the title, where there is no s390 kvm.ko (the library's gate,
// which the s390 box turns into a failure).
(s390Kvm.ok ? describe : describe.skip)(s390Kvm.ok ? title : `${title} [skipped: ${s390Kvm.reason}]`, function () {
  let result;

  before(async function () {
    this.timeout(20 * 60 * 1000); // the guest's boot on the emulated SIE takes minutes
    const { guestFiles, runStopCont } = require('../..');
    result = await runStopCont({ ...guestFiles(), pauseMs: PAUSE_MS, watchMs: 10_000 });
    // The whole result (the guest's lines included) for whoever keeps the box's output.
    if (process.env.S390_BOX_OUT)
      fs.writeFileSync(
        path.join(process.env.S390_BOX_OUT, 's390-linux-stop-cont.json'),
        JSON.stringify(result, null, 2),
      );
  });

  const summary = (p) =>
    `leap ${p.leapMs.toFixed(1)} ms of a ${p.pauseMs.toFixed(1)} ms pause, ` +
    `${p.kernelComplaints.length} complaint lines` +
    `${p.kernelComplaints.length ? `:\n${p.kernelComplaints.map((c) => c.text).join('\n')}` : ''}`;

  it('boots to /init on the VMM: the guest prints its clocks, the TOD clocksource, no facility 11', () => {
    assert.strictEqual(result.clocksource, 'tod');
    assert.ok(!result.guestFacilities.split(' ').includes('11'), result.guestFacilities);
    assert.deepStrictEqual(result.bootComplaints, []);
  });

  it("(b) freeze: the guest's clocks go on from where they stopped (leap < 5% of the pause), no complaint", () => {
    const p = result.freeze;
    assert.ok(Math.abs(p.leapMs) < 0.05 * p.pauseMs, summary(p));
    assert.ok(Math.abs(p.realtimeLeapMs) < 0.05 * p.pauseMs, `CLOCK_REALTIME: ${p.realtimeLeapMs} ms`);
    assert.deepStrictEqual(p.kernelComplaints, [], summary(p));
    assert.deepStrictEqual(p.calls, { reads: 1, writes: 1 }, 'the hold read the TOD at stop and wrote it at cont');
    assert.deepStrictEqual(p.warnings, []);
    assert.ok(p.clockLinesAfter >= 5, `${p.clockLinesAfter} clock lines after cont`);
  });

  it("(c) catch-up: the guest's clocks catch up by the pause (held at stop, moved on by it at cont)", () => {
    const p = result.catchUp;
    assert.ok(Math.abs(p.leapMs - p.pauseMs) < 0.05 * p.pauseMs, summary(p));
    assert.deepStrictEqual(p.calls, { reads: 1, writes: 1 });
    assert.deepStrictEqual(p.warnings, []);
    assert.ok(p.clockLinesAfter >= 5, `${p.clockLinesAfter} clock lines after cont`);
  });

  it("(a) no library: the guest's clocks leap by the pause and its kernel reports an RCU stall", () => {
    for (const p of result.noneAttempts) {
      assert.ok(Math.abs(p.leapMs - p.pauseMs) < 0.05 * p.pauseMs, summary(p));
      assert.deepStrictEqual(p.calls, { reads: 0, writes: 0 }, 'no library: no TOD calls');
    }
    const kinds = result.none.kernelComplaints.map((c) => c.kind);
    assert.ok(
      kinds.includes('rcu-stall'),
      `none of ${result.noneAttempts.length} pauses made the kernel complain: ` +
        result.noneAttempts.map(summary).join('; '),
    );
    assert.ok(result.none.clockLinesAfter >= 5, 'the guest runs on after it');
  });
});
