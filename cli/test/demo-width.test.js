// Every line `kvm-tod demo` prints fits a 120-column terminal, and `--wide` gives the full
// width: run on every backend and policy that runs here (the simulation, auto, the s390
// kernel double), and built from recorded results for the kvmclock backend with its tiny
// guest and for `--guest linux`, which need /dev/kvm.
'use strict';
const assert = require('assert');

const { runKvmTod, row } = require('./helpers/kvm-tod-cli');
const { runDemo } = require('../dist/demo/run-demo');
const { kvmclockCodec } = require('../dist/demo/backends');
const { parseDemoArgs } = require('../dist/demo/command');
const { GUEST_NAME } = require('../dist/demo/guest-observed');
const { reportHead, textReport } = require('../dist/demo/report-text');
const { bootingLine, linuxTextReport, LINUX_FIRST_LINE } = require('../dist/demo/linux-guest');
const { wrapLine } = require('../dist/text');
const recordedLinux = require('./fixtures/linux-guest-10s-freeze.json');

const WIDTH = 120;
const POLICIES = ['freeze', 'catch-up', 'both', 'threshold:150ms'];
const double = /s390_kvm_double\.so/.test(process.env.LD_PRELOAD || '');

/** A terminal's columns: one per character (the report's are all one column wide). */
const columns = (line) => [...line].length;

function assertFits(text, label) {
  const wider = text.split('\n').filter((line) => columns(line) > WIDTH);
  assert.deepStrictEqual(wider, [], `${label}: ${wider.length} lines wider than ${WIDTH} columns`);
}

const widest = (text) => Math.max(...text.split('\n').map(columns));

describe('kvm-tod demo fits a 120-column terminal', function () {
  for (const backend of ['simulated', 'auto', 's390']) {
    for (const policy of POLICIES) {
      const skip = backend === 's390' && !double;
      (skip ? it.skip : it)(
        `--backend ${backend} --policy ${policy}` +
          `${skip ? ' [skipped: the s390 kernel double is not preloaded (scripts/test.sh preloads it)]' : ''}`,
        function () {
          const env = backend === 's390' ? { KVM_S390_DOUBLE: '1' } : {};
          const r = runKvmTod(['demo', '--backend', backend, '--pause', '200ms', '--policy', policy], { env });
          assert.strictEqual(r.status, 0, r.stdout + r.stderr);
          assertFits(r.stdout + r.stderr, `${backend} ${policy}`);
        },
      );
    }
  }

  it('with a device that fails and warns (the longest check lines), under both policies', function () {
    const r = runKvmTod(['demo', '--backend', 'simulated', '--pause', '200ms', '--policy', 'both'], {
      env: { KVM_TOD_DEMO_FAULT: 'stop-cont:fail-read' },
    });
    assert.strictEqual(r.status, 1, r.stdout + r.stderr);
    assert.match(r.stdout, /KVM_TOD_HOLD_FAILED/);
    assertFits(r.stdout + r.stderr, 'fail-read');
  });

  it("--json: the fallback's line on stderr too", function () {
    const r = runKvmTod(['demo', '--pause', '200ms', '--json'], {
      env: { KVM_TOD_ADDON: '/nonexistent/kvm_tod.node' },
    });
    assert.strictEqual(r.status, 0, r.stderr);
    assert.match(r.stderr, /auto fell back/);
    assertFits(r.stderr, 'stderr');
  });

  it('--wide: every column in the table, one line per scenario, none wrapped', function () {
    const args = ['demo', '--backend', 'simulated', '--pause', '200ms', '--policy', 'both'];
    const wide = runKvmTod([...args, '--wide']);
    assert.strictEqual(wide.status, 0, wide.stdout + wide.stderr);
    const header = wide.stdout.split('\n').find((l) => /^\s+#\s+scenario/.test(l));
    assert.match(header, /scenario\s+guest clock with kvm-tod\s+device calls\s+expected\s+jump \(freeze\)/);
    assert.match(row(wide.stdout, 'stop/cont, repeated'), /repeats ignored\s+1 read, 1 write\s.*PASS$/);
    assert.ok(widest(wide.stdout) > WIDTH, `widest line ${widest(wide.stdout)}`);
    assert.doesNotMatch(wide.stdout, /^ {7}guest clock TOD/m, 'the clock values on the line they belong to');
    // and without it the same run fits, its table without those two columns
    const narrow = runKvmTod(args);
    assertFits(narrow.stdout, 'default');
    assert.doesNotMatch(
      narrow.stdout.split('\n').find((l) => /^\s+#\s+scenario/.test(l)),
      /device calls/,
    );
  });

  it('--wide is in the help and the usage line', function () {
    const help = runKvmTod(['demo', '--help']).stdout;
    assert.match(help.split('\n\n')[0], /\[--wide\]/);
    assert.match(help, /^ {2}--wide {15}the report at its full width/m);
  });
});

// The kvmclock backend needs /dev/kvm: its report is built here from a run on VMs of a
// kvmclock of plain numbers, with the library's kvmclock section, and what the tiny guest
// saw in the KVM box (cli/README.md's sample, 2026-12-04).
describe("kvm-tod demo's kvmclock report fits a 120-column terminal (built from recorded results)", function () {
  /** A kvmclock that runs with host time from 0 at VM creation, as KVM's does. */
  function kvmclockVm() {
    const now = () => process.hrtime.bigint();
    let base = now();
    return {
      clockKind: 'kvmclock',
      read: () => now() - base,
      write: (value) => {
        base = now() - value;
      },
      advance: (value, ns) => value + ns,
    };
  }
  const backend = {
    name: 'kvmclock',
    deviceClass: 'KvmClockDevice',
    description: 'x86 kvmclock of VMs on /dev/kvm (KvmClockDevice, KVM_GET_CLOCK/KVM_SET_CLOCK), KVM API 12',
    newVm: kvmclockVm,
    close: () => undefined,
    ...kvmclockCodec,
  };
  const saw = (withMs, withoutMs) => {
    const run = (ms) => ({ jumpNs: BigInt(Math.round(ms * 1e6)), jumpMs: ms, hostElapsedMs: 3000, pauseNoticed: true });
    return { withLibrary: run(withMs), withoutLibrary: run(withoutMs) };
  };
  const guest = {
    ran: true,
    guest: GUEST_NAME,
    warnings: [],
    scenarios: {
      'simple-start': saw(3002.335, 3013.866),
      'live-migration': saw(248.558, 3255.95),
      'offline-migration': saw(3.153, 3280.363),
      'stop-cont': saw(1.396, 3244.249),
    },
  };
  const noGuest = {
    ran: false,
    reason: 'the tiny VMM (@kvm-tod/vmm-x86-tiny) is not installed (Cannot find module @kvm-tod/vmm-x86-tiny)',
  };

  async function report(argv, observed) {
    const args = parseDemoArgs(argv);
    const results = await runDemo(backend, { pauseMs: args.pauseMs, policies: args.policies });
    assert.ok(
      results.every((r) => r.pass),
      'the run on the numbers kvmclock passes',
    );
    return [
      ...reportHead(args, backend, 'auto', undefined, undefined),
      ...textReport(results, true, args, backend, observed),
    ].join('\n');
  }

  for (const policy of POLICIES) {
    it(`--policy ${policy}, with the tiny guest's table and without a guest`, async function () {
      for (const observed of [guest, noGuest]) {
        const text = await report(['--pause', '200ms', '--policy', policy], observed);
        assertFits(text, `kvmclock ${policy}${observed.ran ? '' : ', no guest'}`);
      }
      const text = await report(['--pause', '200ms', '--policy', policy], guest);
      assert.match(text, /^kvm-tod demo: backend kvmclock \(auto: /);
      assert.match(text, /^ {2}4 {2}stop\/cont, repeated\s+\+1\.396 ms\s+\+3244\.249 ms$/m, 'what the guest saw');
    });
  }

  it('--wide: what the guest saw in the main table, as before', async function () {
    const text = await report(['--pause', '200ms', '--wide'], guest);
    const header = text.split('\n').find((l) => /^\s+#\s+scenario/.test(l));
    assert.match(header, /jump without\s+guest saw with\s+guest saw without\s+result$/);
    assert.ok(widest(text) > WIDTH);
  });
});

describe('kvm-tod demo --guest linux fits a 120-column terminal (built from a recorded result)', function () {
  const holds = recordedLinux.stopCont.map((r) => r.hold);
  const lines = (wide, stopCont = recordedLinux.stopCont) => {
    const width = wide ? Infinity : WIDTH;
    return [
      ...wrapLine(LINUX_FIRST_LINE, width),
      ...holds.map((h) => bootingLine(h, false)),
      ...holds.map((h) => bootingLine(h, true)),
      ...linuxTextReport(stopCont, recordedLinux.qemuScenarios, { pauseMs: recordedLinux.pauseMs, wide }),
    ].join('\n');
  };

  it('every line, both tables and what the kernel said', function () {
    const text = lines(false);
    assertFits(text, '--guest linux');
    assert.match(text, /^ {2}without kvm-tod\s+\+10011\.2 ms\s+\+10011\.2 ms\s+2\s+0\s+ok$/m);
    assert.match(
      text,
      /^what the kernel said about the pause, without kvm-tod \(soft-lockup x1, clocksource-watchdog x1\):$/m,
    );
    assert.match(
      text,
      /^ {2}without\s+2 live migration\s+10\.0 s\s+\+10471\.5 ms\s+own clock \+10483\.8 ms\s+1\s+ok$/m,
    );
    assert.match(
      text,
      /^ {2}freeze\s+3 offline migration\s+library calls destination 1r\/0w, offline destination 0r\/2w$/m,
    );
  });

  it("a kernel line longer than the terminal is wrapped (an RCU stall's)", function () {
    const stopCont = recordedLinux.stopCont.map((r) =>
      r.hold === 'none' ? { ...r, kernelComplaints: recordedLinux.rcuStall } : r,
    );
    const text = lines(false, stopCont);
    assertFits(text, 'RCU stall');
    assert.match(text, /^ {2}\[ {3}13\.127173\] rcu: rcu_preempt kthread starved for 2542 jiffies!/m);
  });

  it('--wide: the tables as before, every column', function () {
    const text = lines(true);
    assert.match(
      text,
      /^ {2}hold\s+scenario\s+pause\s+guest leap \(monotonic\)\s+detail\s+kernel complaints\s+library calls/m,
    );
    assert.match(
      text,
      new RegExp(
        "^ {2}kvm-tod 'freeze' \\+ pause notice\\s+3 offline migration\\s.*" +
          'destination 1r/0w, offline destination 0r/2w\\s+ok$',
        'm',
      ),
    );
    assert.ok(widest(text) > WIDTH);
  });
});
