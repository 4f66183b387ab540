// `kvm-tod demo --guest linux` on s390x: which phases it runs, how it judges what the guest
// printed, and its report and JSON, from guest results such as the s390 box's (the guest
// itself runs in vmm/s390-linux/test/s390-kernel/, inside the s390 box).
'use strict';
const assert = require('assert');
const { s390LinuxJson, s390LinuxTextReport, s390PhasePasses, s390Phases } = require('../dist/demo/s390-linux-guest');

const PAUSE = 10_000;
const STALL = 'rcu: INFO: rcu_sched self-detected stall on CPU';

function phase(hold, leapMs, extra = {}) {
  const library = hold !== 'none';
  return {
    hold,
    attempt: 1,
    pauseMs: PAUSE + 3.2,
    leapMs,
    realtimeLeapMs: leapMs + 0.4,
    kernelComplaints: [],
    calls: library ? { reads: 1, writes: 1 } : { reads: 0, writes: 0 },
    warnings: [],
    excerpt: ['kvmtod-clock 40 61.460000000 61.460000000'],
    clockLinesAfter: 20,
    ...extra,
  };
}

function run(phases) {
  return {
    cmdline: 'console=ttysclp0 rdinit=/init',
    elapsedMs: 200_000,
    bootMs: 95_000,
    bootUptimeMs: 90_500,
    clocksource: 'tod',
    guestFacilities: '0 1 2 3',
    topologyInCpuModel: true,
    bootComplaints: [],
    phases,
    notes: [],
  };
}

describe('kvm-tod demo --guest linux on s390x (the report, from guest results)', function () {
  it("runs the library's holds first and the pause without it last, tried until the kernel complains", function () {
    assert.deepStrictEqual(s390Phases(['none', 'freeze', 'catch-up'], PAUSE), [
      { hold: 'freeze', pauseMs: PAUSE },
      { hold: 'catch-up', pauseMs: PAUSE },
      { hold: 'none', pauseMs: PAUSE, untilComplaint: 3 },
    ]);
    assert.deepStrictEqual(
      s390Phases(['none', 'catch-up'], PAUSE).map((p) => p.hold),
      ['catch-up', 'none'],
    );
  });

  it('freeze passes only with the clocks still (< 5% of the pause) and a silent kernel', function () {
    assert.strictEqual(s390PhasePasses(phase('freeze', 12.5)), true);
    assert.strictEqual(s390PhasePasses(phase('freeze', 0.06 * PAUSE)), false);
    const complained = phase('freeze', 12.5, { kernelComplaints: [{ kind: 'rcu-stall', text: STALL }] });
    assert.strictEqual(s390PhasePasses(complained), false);
    assert.strictEqual(
      s390PhasePasses(phase('freeze', 12.5, { clockLinesAfter: 0 })),
      false,
      'a guest dead after cont',
    );
  });

  it('catch-up and no library pass when the clocks leap by the pause; what the kernel says is reported', function () {
    for (const hold of ['catch-up', 'none']) {
      assert.strictEqual(s390PhasePasses(phase(hold, PAUSE - 20)), true, hold);
      assert.strictEqual(s390PhasePasses(phase(hold, PAUSE / 2)), false, hold);
      const loud = phase(hold, PAUSE + 40, { kernelComplaints: [{ kind: 'rcu-stall', text: STALL }] });
      assert.strictEqual(s390PhasePasses(loud), true, hold);
    }
  });

  it("the text report: a line per scenario with the guest's leap and the complaint count, then the lines", function () {
    const none = phase('none', PAUSE + 2, { attempt: 2, kernelComplaints: [{ kind: 'rcu-stall', text: STALL }] });
    const lines = s390LinuxTextReport(
      run([phase('freeze', 13.3), phase('catch-up', PAUSE - 5), phase('none', PAUSE, { attempt: 1 }), none]),
      { pauseMs: PAUSE, wide: false },
    );
    const text = lines.join('\n');
    assert.match(text, /booted in 95\.0 s \(its uptime then 90\.5 s, clocksource tod\)/);
    const row = (label) => lines.find((l) => l.trimStart().startsWith(label));
    assert.match(row("kvm-tod 'freeze'"), /\+13\.3 ms .* 0 .* 1r\/1w .* ok$/);
    assert.match(row('without kvm-tod'), /\(try 2\) .* \+10002\.0 ms .* 1 .* - .* ok$/);
    assert.strictEqual(lines.filter((l) => l.trimStart().startsWith('without kvm-tod')).length, 1, 'only the last try');
    assert.match(text, /what the guest's kernel said, without kvm-tod \(rcu-stall x1\):\n {2}rcu: INFO/);
    for (const line of lines) assert.ok(line.length <= 120, `${line.length} columns: ${line}`);
  });

  it('the text report says so when the kernel kept quiet without the library', function () {
    const text = s390LinuxTextReport(run([phase('freeze', 1), { ...phase('none', PAUSE), attempt: 3 }]), {
      pauseMs: PAUSE,
      wide: false,
    }).join('\n');
    assert.match(text, /without kvm-tod the kernel said nothing in 3 pause\(s\)/);
  });

  it('--json: every try, with what the guest printed under "guest", and pass over the last tries', function () {
    const complaint = { kind: 'rcu-stall', text: STALL };
    const doc = s390LinuxJson(
      run([
        phase('freeze', 1),
        phase('none', PAUSE),
        phase('none', PAUSE, { attempt: 2, kernelComplaints: [complaint] }),
      ]),
      'vmlinuz',
    );
    assert.deepStrictEqual([doc.guest, doc.arch, doc.kernel, doc.pass], ['linux', 's390x', 'vmlinuz', true]);
    assert.deepStrictEqual(
      doc.scenarios.map((s) => [s.hold, s.attempt, s.pass]),
      [
        ['freeze', 1, true],
        ['none', 1, true],
        ['none', 2, true],
      ],
    );
    assert.deepStrictEqual(doc.scenarios[2].guest.kernelComplaints, [complaint]);
    assert.deepStrictEqual(doc.scenarios[0].libraryCalls, { reads: 1, writes: 1 });
    assert.strictEqual(doc.guestBoot.clocksource, 'tod');
    const failed = s390LinuxJson(run([phase('freeze', PAUSE)]), 'vmlinuz');
    assert.strictEqual(failed.pass, false);
  });
});
