// Fault schedules for GuestClock: random sequences of stop, cont, save, load
// and waits, each with a random injected ioctl failure, run against a GuestClock and
// checked step by step against a reference model of the rules in
// docs/rules.md:
//   - vmStateChanged never throws;
//   - each failure is exactly one warning with the rule's code, whose cause is the
//     KvmError of the failed call (errno and attribute); no failure, no warning;
//   - running, held and heldValue always match the model: a value is held only after a
//     successful read at stop or a successful load while stopped, is the value the
//     kernel had at that instant (or the loaded one), and is never kept past a cont;
//   - the guest clock itself ends up where the rules put it (restored to the held value
//     at cont, untouched by a failed or skipped call, set by a load), read afterwards with
//     injection off;
//   - save while held asks the kernel nothing; a failed load changes no state.
// Two backends run the same schedules (an "env"): the s390 kernel double through the
// real addon (the ioctl sequence EXT, or LOW then HIGH before Linux 4.15, with EINTR
// retried), and an in-process device over SimulatedS390Tod with a hand-moved host clock,
// where every comparison is exact.
'use strict';
const assert = require('assert');
const fc = require('fast-check');
const os = require('os');
const kvm = require('../..');
const { collectWarnings } = require('@kvm-tod/testkit/counting-device');

const M72 = 1n << 72n;
const M64 = 1n << 64n;
const ERRNOS = [
  'EIO',
  'EFAULT',
  'EBUSY',
  'ENOMEM',
  'EINVAL',
  'ENXIO',
  'EOPNOTSUPP',
  'EPERM',
  'EAGAIN',
  'EINTR',
  'ENOTTY',
  'EBADF',
];
const ATTR = { EXT: 'KVM_S390_VM_TOD_EXT', LOW: 'KVM_S390_VM_TOD_LOW', HIGH: 'KVM_S390_VM_TOD_HIGH' };

// --- schedules ------------------------------------------------------------------------

/** A failure for the next operation's GETs or SETs: errno at the nth call (0: every call). */
const faultSpec = fc.option(
  fc
    .record({ errno: fc.constantFrom(...ERRNOS), nth: fc.integer({ min: 0, max: 4 }) }, { noNullPrototype: true })
    // EINTR on every call would be retried for ever (as the kernel never does): once only.
    .map((f) => (f.errno === 'EINTR' && f.nth === 0 ? { ...f, nth: 1 } : f)),
  { nil: null, freq: 2 },
);
const faults = fc.record({ get: faultSpec, set: faultSpec }, { noNullPrototype: true });
const tod = fc.record(
  { high: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 255 })), low: fc.bigInt({ min: 0n, max: M64 - 1n }) },
  { noNullPrototype: true },
);

const step = fc.oneof(
  { weight: 4, arbitrary: fc.record({ op: fc.constant('stop'), faults }, { noNullPrototype: true }) },
  { weight: 4, arbitrary: fc.record({ op: fc.constant('cont'), faults }, { noNullPrototype: true }) },
  {
    weight: 2,
    arbitrary: fc.record(
      { op: fc.constant('save'), format: fc.constantFrom('todclock', 'extended'), faults },
      { noNullPrototype: true },
    ),
  },
  {
    weight: 2,
    arbitrary: fc.record(
      {
        op: fc.constant('load'),
        value: fc.option(tod, { nil: null, freq: 4 }),
        format: fc.constantFrom('todclock', 'extended'),
        faults,
      },
      { noNullPrototype: true },
    ),
  },
  {
    weight: 1,
    arbitrary: fc.record(
      { op: fc.constant('wait'), ns: fc.bigInt({ min: 1n, max: 10n ** 12n }) },
      { noNullPrototype: true },
    ),
  },
);

/** A kernel configuration and a schedule. */
const schedule = (maxLength = 16) =>
  fc.record(
    {
      pre415: fc.boolean(),
      facility139: fc.boolean(),
      start: tod,
      steps: fc.array(step, { minLength: 1, maxLength }),
    },
    { noNullPrototype: true },
  );

// --- the kernel side, as the addon drives it --------------------------------------------

/** The injected errno for call number k (1-based) of a kind, or null. */
const injectedAt = (spec, k) => (spec && (spec.nth === 0 || spec.nth === k) ? spec.errno : null);

/**
 * What the addon's getTod/setTod see under `spec` (native/src/s390_tod.cc with the
 * double's kernel model): the EXT attribute, then on ENXIO the two legacy attributes
 * (GET: LOW then HIGH; SET: in `kernel.setOrder`, the order the addon uses), each call
 * retried on EINTR. Returns { ok, errno, attribute, path, lowWritten }.
 */
function nativeCall(kind, spec, kernel, value) {
  let k = 0;
  const call = (attr) => {
    for (;;) {
      const injected = injectedAt(spec, ++k);
      if (injected === 'EINTR') continue; // ioctl.h retries
      if (injected) return injected;
      if (attr === 'EXT' && kernel.pre415) return 'ENXIO';
      if (kind === 'set' && attr === 'EXT' && value.high !== 0 && !kernel.facility139) return 'EINVAL';
      if (kind === 'set' && attr === 'HIGH' && value.high !== 0) return 'EINVAL';
      return null;
    }
  };
  const ext = call('EXT');
  if (ext === null) return { ok: true, path: 'ext' };
  if (ext !== 'ENXIO') return { ok: false, errno: ext, attribute: ATTR.EXT };
  let lowWritten = false;
  for (const attr of kind === 'set' ? kernel.setOrder || ['LOW', 'HIGH'] : ['LOW', 'HIGH']) {
    const err = call(attr);
    if (err !== null) return { ok: false, errno: err, attribute: ATTR[attr], lowWritten };
    if (attr === 'LOW' && kind === 'set') lowWritten = true;
  }
  return { ok: true, path: 'lowhigh', lowWritten };
}

/** The in-process device: one call per read or write, failing as the spec says. */
function simpleCall(kind, spec) {
  const errno = injectedAt(spec, 1);
  return errno ? { ok: false, errno, attribute: ATTR.EXT } : { ok: true, path: 'ext' };
}

// --- arithmetic on the 72-bit clock ----------------------------------------------------

const t72 = (t) => kvm.todToBigInt(t);
const mod = (a, m) => ((a % m) + m) % m;
/** The TOD units from a to b, going forward (wraps as the clock does). */
const forward = (a, b, m = M72) => mod(b - a, m);
const unitsOf = (ns) => (ns * 4096n) / 1000n + 1n;

// --- the runner -------------------------------------------------------------------------

/**
 * Runs one schedule on an env and checks every step against the model.
 * env: { clock, warnings (array the clock's sink fills), arm(faults), disarm(),
 *        guest() (the kernel's guest TOD, injection off), elapsedNs() (monotonic ns),
 *        wait(ns), slackNs, call(kind, spec, value) (the kernel model) }
 */
function runSchedule(env, { steps }) {
  const { clock } = env;
  const model = { running: false, held: false, heldValue: undefined };
  const log = [];
  const fail = (msg) => assert.fail(`${msg}\n  after: ${log.join(' | ')}`);

  for (const s of steps) {
    log.push(describeStep(s));
    if (s.op === 'wait') {
      env.wait(s.ns);
      continue;
    }
    env.warnings.length = 0;
    env.disarm();
    const t0 = env.elapsedNs(); // before the first read and after the last: a preemption anywhere is inside
    const before = env.guest();
    const expected = []; // warnings: { code, errno, attribute }
    let expectGuest; // how the guest clock should look after the step
    env.arm(s.faults);

    if (s.op === 'stop' || s.op === 'cont') {
      const running = s.op === 'cont';
      try {
        clock.vmStateChanged(running);
      } catch (error) {
        fail(`vmStateChanged(${running}) threw: ${error && error.message}`);
      }
      env.disarm();
      if (running === model.running) {
        expectGuest = { untouched: true }; // rule 3: nothing at all
      } else if (!running && !model.held) {
        const r = env.call('get', s.faults.get);
        if (r.ok) {
          model.held = true;
          model.heldValue = clock.heldValue; // checked against before/after below
          expectGuest = { untouched: true, heldBetween: r.path };
        } else {
          expected.push({ code: kvm.WarningCodes.HOLD_FAILED, errno: r.errno, attribute: r.attribute });
          expectGuest = { untouched: true };
        }
      } else if (running && model.held) {
        const value = model.heldValue;
        const r = env.call('set', s.faults.set, value);
        if (r.ok) expectGuest = { from: r.path === 'lowhigh' ? { high: 0, low: value.low } : value };
        else {
          expected.push({ code: kvm.WarningCodes.RESTORE_FAILED, errno: r.errno, attribute: r.attribute });
          expectGuest = r.lowWritten ? { from: { high: 0, low: value.low } } : { untouched: true };
        }
        model.held = false; // rule 2: released either way
        model.heldValue = undefined;
      } else {
        expectGuest = { untouched: true };
      }
      model.running = running;
    } else if (s.op === 'save') {
      let bytes;
      try {
        bytes = kvm.saveTodSection(clock, { format: s.format });
      } catch (error) {
        fail(`saveTodSection threw: ${error && error.message}`);
      }
      env.disarm();
      const section = kvm.decodeMigrationSection(bytes);
      assert.strictEqual(section.format, s.format === 'extended' ? 'kvm-tod-v2' : 'todclock-v1');
      if (model.held) {
        // rule 4: the held value, no ioctl (so no injected failure can reach it)
        assert.deepStrictEqual(section.tod, model.heldValue, 'save while held did not send the held value');
      } else {
        const r = env.call('get', s.faults.get);
        if (r.ok) {
          if (section.tod === null) fail('save sent "missing" though the read worked');
          checkBetween(section.tod, before, env.guest(), env.epochIndex ? r.path : 'lowhigh', 'the saved value', fail);
        } else {
          if (section.tod !== null) fail(`save sent a value though the read failed with ${r.errno}`);
          expected.push({ code: kvm.WarningCodes.NOT_MIGRATED, errno: r.errno, attribute: r.attribute });
        }
      }
      expectGuest = { untouched: true };
    } else if (s.op === 'load') {
      const bytes = s.value === null ? missingSection(s.format) : presentSection(s.value, s.format);
      let threw;
      try {
        kvm.loadTodSection(clock, bytes);
      } catch (error) {
        threw = error;
      }
      env.disarm();
      if (s.value === null) {
        if (threw) fail(`loading a "missing" section threw ${threw.message}`);
        expected.push({ code: kvm.WarningCodes.NOT_MIGRATED });
        expectGuest = { untouched: true };
      } else {
        const r = env.call('set', s.faults.set, s.value);
        if (r.ok) {
          if (threw) fail(`load threw ${threw.message} though the write worked`);
          model.held = !model.running; // rule 5
          model.heldValue = model.held ? s.value : undefined;
          expectGuest = { from: r.path === 'lowhigh' ? { high: 0, low: s.value.low } : s.value };
        } else {
          // rule 5: a failed write fails the load, to its caller, and changes no state
          if (!(threw instanceof kvm.KvmError)) fail(`load should have thrown a KvmError ${r.errno}, threw ${threw}`);
          assert.strictEqual(threw.code, r.errno);
          assert.strictEqual(threw.attribute, r.attribute);
          expectGuest = r.lowWritten ? { from: { high: 0, low: s.value.low } } : { untouched: true };
        }
      }
    }

    // the state
    assert.strictEqual(clock.running, model.running, 'running');
    assert.strictEqual(clock.held, model.held, `held (model: ${model.held})`);
    if (model.held) assert.deepStrictEqual(clock.heldValue, model.heldValue, 'heldValue');
    else assert.strictEqual(clock.heldValue, undefined, 'a heldValue while not held');

    // the warnings: exactly the expected ones, each with its cause
    const got = env.warnings.map((w) => ({
      code: w.code,
      errno: w.cause && w.cause.code,
      attribute: w.cause && w.cause.attribute,
    }));
    const want = expected.map((w) => ({ code: w.code, errno: w.errno, attribute: w.attribute }));
    assert.deepStrictEqual(got, want, `warnings after ${describeStep(s)}`);
    for (const w of env.warnings) {
      assert.ok(w instanceof kvm.KvmTodWarning);
      if (w.cause !== undefined) assert.ok(w.cause instanceof kvm.KvmError, 'the cause is the KvmError');
    }

    // the guest clock (read with injection off). Where the kernel keeps no epoch index
    // (before 4.15, or without facility 139) the clock is 64 bits wide and wraps there.
    const after = env.guest();
    const spentUnits = unitsOf(env.elapsedNs() - t0 + env.slackNs);
    const wide = env.epochIndex ? (t) => t72(t) : (t) => t.low;
    const m = env.epochIndex ? M72 : M64;
    if (expectGuest.heldBetween)
      checkBetween(
        clock.heldValue,
        before,
        after,
        env.epochIndex ? expectGuest.heldBetween : 'lowhigh',
        'the held value',
        fail,
      );
    if (expectGuest.untouched) {
      const moved = forward(wide(before), wide(after), m);
      if (moved > spentUnits)
        fail(`the guest clock moved by ${moved} units on a step that must not touch it (the step took ${spentUnits})`);
    } else if (expectGuest.from) {
      const moved = forward(wide(expectGuest.from), wide(after), m);
      if (moved > spentUnits)
        fail(
          `the guest clock is ${moved} units past ${fmt(expectGuest.from)}, more than the ${spentUnits} the step took`,
        );
    }
  }
  return model;
}

/** `value` was the kernel's clock at some instant between two reads `lo` and `hi`. */
function checkBetween(value, lo, hi, path, what, fail) {
  if (path === 'lowhigh') {
    // LOW + HIGH: HIGH is always 0 (the legacy byte); the 64-bit part is the clock's
    if (value.high !== 0) fail(`${what} came through LOW + HIGH with epoch index ${value.high}`);
    if (forward(lo.low, value.low, M64) > forward(lo.low, hi.low, M64))
      fail(`${what} ${fmt(value)} is not between ${fmt(lo)} and ${fmt(hi)}`);
    return;
  }
  if (forward(t72(lo), t72(value)) > forward(t72(lo), t72(hi)))
    fail(`${what} ${fmt(value)} is not between ${fmt(lo)} and ${fmt(hi)}`);
}

function presentSection(value, format) {
  if (format !== 'extended') return kvm.encodeTodSection(value);
  // The source's wall time a second ago (a source clock ahead would add a warning).
  const b = Buffer.alloc(23);
  b.write('KTOD', 0, 'latin1');
  b[4] = 2;
  b[5] = 1;
  b[6] = value.high;
  b.writeBigUInt64BE(value.low, 7);
  b.writeBigInt64BE(kvm.hostUnixNs() - 1_000_000_000n, 15);
  return b;
}

function missingSection(format) {
  return format === 'extended' ? Buffer.from([0x4b, 0x54, 0x4f, 0x44, 2, 0]) : Buffer.from([0]);
}

const fmt = (t) => `${t.high}:0x${t.low.toString(16)}`;
function describeStep(s) {
  const f = s.faults
    ? ['get', 'set']
        .filter((k) => s.faults[k])
        .map((k) => `${k}=${s.faults[k].errno}@${s.faults[k].nth}`)
        .join(',')
    : '';
  const extra = s.op === 'load' ? (s.value ? ` ${fmt(s.value)}` : ' missing') : s.op === 'wait' ? ` ${s.ns}ns` : '';
  return `${s.op}${extra}${s.format ? `/${s.format}` : ''}${f ? ` [${f}]` : ''}`;
}

// --- the in-process backend --------------------------------------------------------------

/**
 * A ClockDevice<Tod> over SimulatedS390Tod with a host clock moved by hand, failing
 * each read or write as armed. Exact: the clock moves only in `wait`.
 */
class ScriptedTodDevice {
  constructor(kernel, start) {
    this.host = { high: 0, low: kvm.TOD_UNIX_EPOCH + 0x10_0000_0000_0000n };
    this.sim = new kvm.SimulatedS390Tod({ hostTod: () => this.host, multipleEpoch: kernel.facility139 });
    this.sim.write(kernel.facility139 ? start : { high: 0, low: start.low });
    this.faults = {};
    this.calls = { read: 0, write: 0 };
  }

  read() {
    this.calls.read++;
    const errno = injectedAt(this.faults.get, 1);
    if (errno)
      throw new kvm.KvmError(errnoNumber(errno), 'ioctl', {
        request: 'KVM_GET_DEVICE_ATTR',
        attribute: ATTR.EXT,
        fd: 99,
      });
    return this.sim.read();
  }

  write(value) {
    this.calls.write++;
    const errno = injectedAt(this.faults.set, 1);
    if (errno)
      throw new kvm.KvmError(errnoNumber(errno), 'ioctl', {
        request: 'KVM_SET_DEVICE_ATTR',
        attribute: ATTR.EXT,
        fd: 99,
      });
    this.sim.write(value);
  }

  advance(value, ns) {
    return kvm.todAddNs(value, ns);
  }

  tick(ns) {
    this.host = kvm.todAddNs(this.host, ns);
  }
}

const errnoNumber = (name) => os.constants.errno[name];

/** An env for the in-process device; `GuestClockClass` lets the self-test plant mutants. */
function inProcessEnv(kernel, start, makeClock = (device, options) => new kvm.GuestClock(device, options)) {
  const device = new ScriptedTodDevice(kernel, start);
  const { warnings, warn } = collectWarnings();
  const clock = makeClock(device, { warn });
  let ns = 0n;
  return {
    clock,
    device,
    warnings,
    arm: (f) => (device.faults = f),
    disarm: () => (device.faults = {}),
    guest: () => device.sim.read(),
    elapsedNs: () => ns,
    wait: (n) => ((ns += n), device.tick(n)),
    slackNs: 0n,
    epochIndex: kernel.facility139,
    call: (kind, spec, value) => {
      const r = simpleCall(kind, spec);
      // the simulated kernel refuses a nonzero epoch index without facility 139
      if (r.ok && kind === 'set' && value.high !== 0 && !kernel.facility139)
        return { ok: false, errno: 'EINVAL', attribute: ATTR.EXT };
      return r;
    },
  };
}

module.exports = { schedule, runSchedule, inProcessEnv, nativeCall, describeStep, ERRNOS, ATTR };
