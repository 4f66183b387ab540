// The native-argument fuzzer, run as a child process by test/fuzz-native.test.js so
// that a crash, an abort or a hang of the addon is a failed test and not a dead mocha.
//
// Every public function that reaches the addon, the devices and GuestClock over it,
// and every function of the raw binding (lib/native.ts) are called with generated
// arguments; each call must return or throw a documented error (fuzz-values.js).
// Prints one JSON line per property, then {"done":true}; exits 0 when every property
// held, 3 when one failed. Anything else (a signal, another exit code, no "done") is a
// crash. Options (environment): FUZZ_RUNS (runs per property, default 100),
// FUZZ_SEED (replay a seed), FUZZ_ONLY (a substring of the property names),
// FUZZ_SELFTEST=crash|hang|property (the harness's own checks: a signal, a hang, a
// failing property).
//
// Descriptors: a call may write (setTod, setKvmClock), close (closeFd) or create
// descriptors, so no call ever gets a descriptor that matters to this process (its
// stdio pipes, Node's own). Descriptor arguments come from a pool made fresh for every
// run: /dev/null and a file of ours (whose bytes are checked after the run), a
// number just closed, numbers far above any open one, and, with the s390 double
// preloaded, a fake /dev/kvm and two fake VMs. A generated number that happens to be
// open and is not in the pool is skipped (fc.pre), never passed. Paths for openKvm
// are kept inside an empty scratch directory (a random path opened O_RDWR could be a
// device with side effects).
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const fc = require('fast-check');
const { anyValue, edgeNumber, edgeBigInt, todLike, hostile, materialize, judge, undocumented, UserError, safeString } = require('./fuzz-values');

const repoRoot = path.join(__dirname, '..', '..');
const kvm = require(repoRoot);
const { binding } = require(path.join(repoRoot, 'dist', 'native'));

const RUNS = Number(process.env.FUZZ_RUNS || 100);
const SEED = process.env.FUZZ_SEED === undefined ? undefined : Number(process.env.FUZZ_SEED);
const ONLY = process.env.FUZZ_ONLY || '';
const MAX31 = 2 ** 31 - 1;

// The scratch directory: the parent's (FUZZ_SCRATCH, which it removes even when this
// process is killed), or one of our own, removed at exit.
const ownScratch = !process.env.FUZZ_SCRATCH;
const scratchDir = process.env.FUZZ_SCRATCH || fs.mkdtempSync(path.join(os.tmpdir(), 'kvm-tod-fuzz-'));
fs.mkdirSync(path.join(scratchDir, 'dir'));
fs.writeFileSync(path.join(scratchDir, 'file'), 'a file of our own');
process.chdir(scratchDir);
process.on('exit', () => {
  process.chdir(os.tmpdir());
  if (ownScratch) fs.rmSync(scratchDir, { recursive: true, force: true });
});

const doublePreloaded = fs.readFileSync('/proc/self/maps', 'utf8').includes('s390_kvm_double.so');
if (doublePreloaded) process.env.KVM_S390_DOUBLE = '1';

const POOL_CONTENT = Buffer.from('kvm-tod fuzz: these bytes must never change\n');
const poolFile = path.join(scratchDir, 'pool-file');

// --- descriptors -------------------------------------------------------------------

function identity(fd) {
  try {
    const st = fs.fstatSync(fd);
    return `${st.dev}:${st.ino}:${st.rdev}`;
  } catch {
    return undefined;
  }
}
const isOpen = (fd) => identity(fd) !== undefined;

class PoolFd {
  constructor(kind) {
    this.kind = kind;
  }

  toString() {
    return `<pool ${this.kind}>`;
  }
}
const POOL_KINDS = ['devNull', 'file', 'closed', 'high', 'kvm', 'vm', 'vm2'];

/** The descriptors of one run; `close()` closes what is still ours and checks the file. */
function makePool() {
  const opened = new Map(); // fd -> identity at open
  const own = (fd) => (opened.set(fd, identity(fd)), fd);
  fs.writeFileSync(poolFile, POOL_CONTENT);
  const fds = {
    devNull: own(fs.openSync('/dev/null', 'r+')),
    file: own(fs.openSync(poolFile, 'r+')),
  };
  const closed = fs.openSync('/dev/null', 'r');
  fs.closeSync(closed);
  fds.closed = closed;
  fds.high = 1_000_000 + closed; // far above RLIMIT_NOFILE: never open
  if (doublePreloaded) {
    fds.kvm = own(kvm.openKvm());
    fds.vm = own(kvm.createVm(fds.kvm));
    fds.vm2 = own(kvm.createVm(fds.kvm));
  } else {
    fds.kvm = fds.vm = fds.vm2 = closed;
  }
  return {
    fds,
    numbers: new Set(Object.values(fds)),
    /** A descriptor a call handed back (openKvm, createVm, createVcpu): closed after the run. */
    adopt(fd) {
      if (Number.isInteger(fd) && fd >= 0) opened.set(fd, identity(fd));
    },
    close() {
      // kvm.closeFd, not fs.closeSync: libuv closes with syscall(SYS_close), which the
      // s390 double's close() never sees, so it would go on treating the number as a VM.
      for (const [fd, id] of opened) if (id !== undefined && identity(fd) === id) kvm.closeFd(fd);
      const now = fs.readFileSync(poolFile);
      if (!now.equals(POOL_CONTENT)) throw new Error(`a call wrote to a descriptor that is not KVM: the pool file now holds ${JSON.stringify(now.toString())}`);
    },
  };
}

/** A descriptor argument: a pool member, any number, or anything at all. */
const fdArg = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...POOL_KINDS).map((k) => new PoolFd(k)) },
  { weight: 2, arbitrary: fc.integer({ min: 0, max: MAX31 }) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 40 }) },
  { weight: 2, arbitrary: anyValue },
);

/** The argument for a descriptor position: pool members resolved; open foreign numbers skipped. */
function resolveFd(pool, v) {
  if (v instanceof PoolFd) return pool.fds[v.kind];
  v = materialize(v);
  if (typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= MAX31) {
    const n = Object.is(v, -0) ? 0 : v;
    fc.pre(pool.numbers.has(n) || !isOpen(n)); // never a descriptor that is not ours
  }
  return v;
}

// --- other arguments ----------------------------------------------------------------

const SAFE_ABSOLUTE = new Set(['/dev/null', '/dev/kvm', '/nonexistent/kvm', '/dev/kvm\0/etc/passwd']);
/** A path for openKvm: kept inside the scratch directory unless it is one of a few safe ones. */
function safePath(v) {
  v = materialize(v);
  if (typeof v !== 'string' || SAFE_ABSOLUTE.has(v)) return v;
  if (v.startsWith('/') || v.includes('..')) return path.join(scratchDir, v.replace(/\.\./g, '_'));
  return v;
}
const pathArg = fc.oneof(
  fc.constantFrom(undefined, '', '/dev/null', '/dev/kvm', '/nonexistent/kvm', '/dev/kvm\0/etc/passwd', 'file', 'dir', '.', 'x'.repeat(5000)),
  fc.string(),
  // any UTF-16 units: NULs, lone surrogates (cheaper to build than fc.string's 'binary' unit)
  fc.array(fc.integer({ min: 0, max: 0xffff }), { maxLength: 12 }).map((units) => String.fromCharCode(...units)),
  anyValue,
);
const u32Arg = fc.oneof(fc.integer({ min: 0, max: 2 ** 32 - 1 }), edgeNumber, anyValue);
const bigintArg = fc.oneof(fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), edgeBigInt, anyValue);
const attrArg = fc.oneof(fc.constantFrom('low', 'high', 'ext', 'LOW', '__proto__', 'constructor', 'toString', 'hasOwnProperty'), anyValue);
const optionsArg = fc.oneof(
  fc.constant(undefined),
  fc.record({ realtime: bigintArg, name: anyValue, policy: fc.oneof(fc.constantFrom('freeze', 'catch-up'), anyValue), protectedGuest: anyValue, warn: fc.constant(() => {}) }, { requiredKeys: [] }),
  anyValue,
);
const archArg = fc.oneof(fc.constantFrom('s390x', 'x64', 'arm64', undefined), anyValue);

// --- the properties -----------------------------------------------------------------

// Inputs that hit a bug already reported are left out (see helpers/known-bugs.js).
const { engineUnprintable, nullOptions } = require('./known-bugs');

/**
 * One property per entry: `args` are the arbitraries, `fd` the positions that are
 * descriptors, `path` the positions that are paths; `run(...args)` returns a list of
 * problems (strings), empty when every call behaved.
 */
const props = {};

/** A call of a public function: returns or throws a documented error. */
function publicCall(name, arity, fdPositions, { pathPositions = [], extra = [], creates = false, pre } = {}) {
  props[name] = {
    args: arityArgs(arity, fdPositions, pathPositions, name),
    fdPositions,
    pathPositions,
    run: (pool, args) => {
      if (pre) fc.pre(pre(args));
      if (process.env.FUZZ_SELFTEST === 'property' && name === 'getApiVersion') return ['selftest: a deliberate failure'];
      const why = judge(kvm, () => kvm[name](...args), { extra, onResult: creates ? (fd) => pool.adopt(fd) : undefined });
      return why ? [why] : [];
    },
  };
}

function arityArgs(arity, fdPositions, pathPositions, name) {
  const special = {
    setTod: { 1: todLike },
    setKvmClock: { 1: bigintArg, 2: optionsArg },
    hasTodAttribute: { 1: attrArg },
    createVm: { 1: u32Arg },
    createVcpu: { 1: u32Arg },
    checkExtension: { 1: u32Arg },
  }[name] || {};
  const list = [];
  for (let i = 0; i < arity; i++) {
    if (fdPositions.includes(i)) list.push(fdArg);
    else if (pathPositions.includes(i)) list.push(pathArg);
    else list.push(special[i] || anyValue);
  }
  return list;
}

publicCall('openKvm', 1, [], { pathPositions: [0], creates: true });
publicCall('createVm', 2, [0], { creates: true });
publicCall('createVcpu', 2, [0], { creates: true });
publicCall('closeFd', 1, [0]);
publicCall('checkExtension', 2, [0]);
publicCall('getApiVersion', 1, [0]);
publicCall('getTod', 1, [0]);
publicCall('setTod', 2, [0]);
publicCall('hasTodAttribute', 2, [0], { pre: ([, attribute]) => !engineUnprintable(attribute) }); // KB-PRINT
publicCall('probeTodExtension', 1, [0]);
publicCall('getKvmClock', 1, [0]);
publicCall('setKvmClock', 3, [0], { pre: ([, , options]) => !nullOptions(options) }); // KB-NULLOPTS
publicCall('kvmclockCtrl', 1, [0]);

const deviceValue = fc.oneof(todLike, bigintArg);

props['deviceFor + read/write'] = {
  args: [fdArg, archArg, deviceValue],
  fdPositions: [0],
  run: (pool, [fd, arch, value]) => {
    fc.pre(!engineUnprintable(arch)); // KNOWN BUG KB-PRINT (see test/fuzz-api.test.js)
    const problems = [];
    let device;
    const why = judge(kvm, () => (device = kvm.deviceFor(fd, arch)), { extra: ['ERR_KVM_TOD_UNSUPPORTED_ARCH'] });
    if (why) problems.push(`deviceFor: ${why}`);
    if (!device) return problems;
    for (const [op, call] of [
      ['read', () => device.read()],
      ['write', () => device.write(value)],
    ]) {
      const w = judge(kvm, call);
      if (w) problems.push(`${op}: ${w}`);
    }
    return problems;
  },
};

props['KvmClockDevice: vCPUs, writeCaughtUp, resumed'] = {
  args: [fdArg, fdArg, deviceValue],
  fdPositions: [0, 1],
  run: (pool, [vmFd, vcpuFd, value]) => {
    const problems = [];
    const device = new kvm.KvmClockDevice(vmFd);
    device.addVcpu(vcpuFd);
    for (const [op, call] of [
      ['read', () => device.read()],
      // KB-CAUGHTUP: writeCaughtUp(undefined) before any read dereferences undefined.
      ['writeCaughtUp', () => value !== undefined && device.writeCaughtUp(value)],
      ['resumed', () => device.resumed()],
    ]) {
      const w = judge(kvm, call);
      // resumed() throws what KVMCLOCK_CTRL threw, or an AggregateError of several.
      if (w) problems.push(`${op}: ${w}`);
    }
    return problems;
  },
};

// GuestClock over the descriptor: vmStateChanged must never throw at all; save and load
// throw documented errors only; the warning sink gets KvmTodWarnings only.
const clockOp = fc.oneof(
  fc.record({ op: fc.constant('state'), arg: anyValue }),
  fc.record({ op: fc.constant('state'), arg: fc.boolean() }),
  fc.record({ op: fc.constant('save') }),
  fc.record({ op: fc.constant('load'), arg: deviceValue }),
  fc.record({ op: fc.constant('policy'), arg: fc.oneof(fc.constantFrom('freeze', 'catch-up'), anyValue) }),
);
props['GuestClock over createGuestClock / deviceFor(s390x)'] = {
  args: [fdArg, fc.boolean(), optionsArg, fc.array(clockOp, { maxLength: 12 })],
  fdPositions: [0],
  run: (pool, [fd, s390, fuzzedOptions, ops]) => {
    const problems = [];
    const warnings = [];
    let options = fuzzedOptions;
    let clock;
    let unprintable = false;
    try {
      unprintable = engineUnprintable(options.name) || engineUnprintable(options.policy);
    } catch {
      // a hostile options object: its own error is what the constructor must pass on
    }
    fc.pre(!unprintable && !nullOptions(options)); // KB-PRINT, KB-NULLOPTS
    const why = judge(kvm, () => {
      if (options !== null && typeof options === 'object' && !('warn' in options)) {
        // Keep warnings off stderr; the options object itself is the fuzzed one.
        options = Object.assign(Object.create(options), { warn: (w) => warnings.push(w) });
      }
      clock = s390 ? new kvm.GuestClock(kvm.deviceFor(fd, 's390x'), options) : kvm.createGuestClock(fd, options);
    });
    if (why) problems.push(`construct: ${why}`);
    if (!clock) return problems;
    for (const { op, arg } of ops) {
      if (op === 'state') {
        try {
          clock.vmStateChanged(materialize(arg));
        } catch (error) {
          problems.push(`vmStateChanged threw: ${safeString(error && error.message)}`);
        }
      } else if (op === 'save') {
        const w = judge(kvm, () => clock.save());
        if (w) problems.push(`save: ${w}`);
      } else if (op === 'load') {
        const w = judge(kvm, () => clock.load(materialize(arg)));
        if (w) problems.push(`load: ${w}`);
      } else {
        const policy = materialize(arg);
        if (engineUnprintable(policy)) continue; // KB-PRINT
        const w = judge(kvm, () => (clock.policy = policy));
        if (w) problems.push(`policy: ${w}`);
      }
    }
    for (const w of warnings) if (!(w instanceof kvm.KvmTodWarning)) problems.push(`a warning that is not a KvmTodWarning: ${safeString(w)}`);
    return problems;
  },
};

// setTod writes exactly the value it checked: a Tod whose getters answer differently at
// each read cannot slip an out-of-range value past the check (only with the double).
if (doublePreloaded) {
  props['setTod writes the value it validated (getters read once)'] = {
    args: [fc.integer({ min: 0, max: 255 }), fc.bigInt({ min: 0n, max: (1n << 64n) - 1n })],
    fdPositions: [],
    run: (pool, [high, low]) => {
      let reads = 0;
      const tod = { get high() { return reads++ === 0 ? high : 4096; }, get low() { return reads++ <= 1 ? low : -1n; } };
      kvm.setTod(pool.fds.vm, tod);
      const back = kvm.getTod(pool.fds.vm);
      // The clock runs on from the written value (and wraps at 2^72, as the real one does).
      const M72 = 1n << 72n;
      const moved = (((kvm.todToBigInt(back) - kvm.todToBigInt({ high, low })) % M72) + M72) % M72;
      return moved < 5n * 4096n * 1_000_000n ? [] : [`wrote ${high}/${low}, read back ${back.high}/${back.low} (${moved} TOD units on)`];
    },
  };
}

// The raw binding: every function, 0 to 5 arguments of anything, called and constructed.
const LIB_FACTORY = (errno, syscall, details) => new kvm.KvmError(errno, syscall, details);
for (const name of Object.keys(binding).filter((k) => typeof binding[k] === 'function' && k !== 'setErrorFactory')) {
  const pathy = name === 'openKvm';
  props[`raw binding.${name}`] = {
    args: [fc.boolean(), pathy ? pathArg : fdArg, fc.array(anyValue, { maxLength: 4 })],
    fdPositions: pathy ? [] : [1],
    pathPositions: pathy ? [1] : [],
    run: (pool, [construct, first, rest]) => {
      const args = [first, ...rest.map(materialize)];
      const creates = ['openKvm', 'createVm', 'createVcpu'].includes(name);
      const why = judge(kvm, () => (construct ? Reflect.construct(binding[name], args) : binding[name](...args)), {
        onResult: creates ? (fd) => pool.adopt(fd) : undefined,
      });
      return why ? [why] : [];
    },
  };
}

// setErrorFactory: whatever the factory is or does, the failing call throws (the
// factory's own throw, or what it made) and the process survives.
props['raw binding.setErrorFactory, then a failing call'] = {
  args: [fc.oneof(
    anyValue,
    fc.constantFrom('throws', 'returns5', 'returnsUndefined', 'returnsProxy', 'returnsSymbol', 'recurses'),
  )],
  fdPositions: [],
  run: (pool, [choice]) => {
    const factories = {
      throws: () => { throw new UserError('factory'); },
      returns5: () => 5,
      returnsUndefined: () => undefined,
      returnsProxy: () => new Proxy({}, { get() { throw new UserError('factory result'); } }),
      returnsSymbol: () => Symbol('made'),
      recurses: () => binding.getTod(pool.fds.closed),
    };
    const factory = typeof choice === 'string' && factories[choice] ? factories[choice] : choice;
    const problems = [];
    try {
      try {
        binding.setErrorFactory(factory);
      } catch (error) {
        const w = undocumented(error, kvm);
        if (w) problems.push(`setErrorFactory: ${w}`);
        return problems;
      }
      let threw = false;
      try {
        binding.getTod(pool.fds.closed);
      } catch {
        threw = true;
      }
      if (!threw) problems.push('a failing ioctl did not throw');
    } finally {
      binding.setErrorFactory(LIB_FACTORY);
    }
    return problems;
  },
};

// --- running them -------------------------------------------------------------------

function runProperty(name, prop) {
  const property = fc.property(...prop.args, (...generated) => {
    const pool = makePool();
    let problems;
    try {
      const args = generated.map((v, i) => {
        if ((prop.fdPositions || []).includes(i)) return resolveFd(pool, v);
        if ((prop.pathPositions || []).includes(i)) return safePath(v);
        return v;
      });
      const resolved = args.map((v, i) => ((prop.fdPositions || []).includes(i) || (prop.pathPositions || []).includes(i) ? v : materialize(v)));
      problems = prop.run(pool, resolved);
    } finally {
      pool.close();
    }
    if (problems.length) throw new Error(problems.join('; '));
  });
  const details = fc.check(property, { numRuns: RUNS, seed: SEED, maxSkipsPerRun: 1000 });
  return {
    name,
    ok: !details.failed,
    numRuns: details.numRuns,
    numSkips: details.numSkips,
    seed: details.seed,
    path: details.counterexamplePath,
    counterexample: details.failed ? fc.stringify(details.counterexample) : undefined,
    error: details.failed ? String(details.errorInstance && details.errorInstance.message) : undefined,
  };
}

let failed = false;
let first = true;
for (const [name, prop] of Object.entries(props)) {
  if (ONLY && !name.includes(ONLY)) continue;
  const result = runProperty(name, prop);
  failed = failed || !result.ok;
  process.stdout.write(JSON.stringify(result) + '\n');
  // abort(): SIGABRT, which a sanitizer runtime lets through (it would report a SIGSEGV itself)
  if (first && process.env.FUZZ_SELFTEST === 'crash') process.abort();
  if (first && process.env.FUZZ_SELFTEST === 'hang') for (;;);
  first = false;
}
process.stdout.write(JSON.stringify({ done: true, doublePreloaded, runs: RUNS }) + '\n');
process.exitCode = failed ? 3 : 0;
