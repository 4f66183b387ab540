// The s390 kernel double (double/s390_kvm_double.c): whether it is preloaded,
// turning it on and off, and configuring it. It reads its environment variables on
// every call, and Node's process.env writes reach the C environment, so a test
// configures it by setting process.env; `reset()` (run after every test of the
// helpers below) puts it back to inert.
'use strict';
const { execFileSync } = require('child_process');
const fs = require('fs');
const path = require('path');

const NAME = 's390_kvm_double';
const VARS = {
  on: 'KVM_S390_DOUBLE',
  facility139: 'KVM_S390_DOUBLE_FACILITY_139',
  pre415: 'KVM_S390_DOUBLE_PRE_4_15',
  pv: 'KVM_S390_DOUBLE_PV',
  noPgste: 'KVM_S390_DOUBLE_NO_PGSTE',
  failGet: 'KVM_S390_DOUBLE_FAIL_GET',
  failSet: 'KVM_S390_DOUBLE_FAIL_SET',
  failHas: 'KVM_S390_DOUBLE_FAIL_HAS',
};

/** The path of the preloaded double, or undefined. /proc/self/maps is the proof
 * (the loader may have refused an LD_PRELOAD entry); LD_PRELOAD is the fallback
 * where maps cannot be read. */
function preloadedPath() {
  try {
    const line = fs
      .readFileSync('/proc/self/maps', 'utf8')
      .split('\n')
      .find((l) => l.includes(`${NAME}.so`));
    if (line) return line.slice(line.indexOf('/'));
    return undefined;
  } catch {
    return (process.env.LD_PRELOAD || '').split(/[ :]/).find((p) => p.includes(`${NAME}.so`));
  }
}

const soPath = preloadedPath();
const reason = soPath
  ? undefined
  : `the s390 kernel double is not preloaded (run with LD_PRELOAD=<the path build() prints>, as npm test does)`;

/** The double's sources and Makefile (make -C sourceDir CC=... OUT=... builds it elsewhere). */
const sourceDir = path.join(__dirname, 'double');

/**
 * Builds the double with make (incrementally; `force`: anew) into `out` (default: this
 * package's build/double) and returns the path of the .so. `cc` and `cflags` as make takes them.
 */
function build({ out = path.join(__dirname, 'build', 'double'), cc, cflags, force = false } = {}) {
  const args = ['-s', '-C', sourceDir, `OUT=${path.resolve(out)}`];
  if (force) args.push('-B');
  if (cc) args.push(`CC=${cc}`);
  if (cflags) args.push(`CFLAGS=${cflags}`);
  execFileSync('make', args, { stdio: ['ignore', 'ignore', 'inherit'] });
  return path.join(path.resolve(out), `${NAME}.so`);
}

let tokens = 0;
/** "EIO:2:<unique>": the unique token restarts the double's count. */
function failure(spec) {
  if (spec === undefined || spec === null) return undefined;
  const { errno, nth = 0 } = typeof spec === 'string' ? { errno: spec } : spec;
  return `${errno}:${nth}:t${process.pid}-${++tokens}`;
}

/** Puts the double back to inert and the kernel model to its defaults. */
function reset() {
  for (const name of Object.values(VARS)) delete process.env[name];
}

/**
 * Turns the double on with a configuration:
 * `{ facility139 = true, pre415 = false, pv = false | true | 'all', noPgste = false,
 *    failGet, failSet, failHas }` where a fail* is an errno name ('EIO': every call)
 * or `{ errno: 'EIO', nth: 2 }` (the 2nd call from now on).
 */
function enable(config = {}) {
  reset();
  const { facility139 = true, pre415 = false, pv = false, noPgste = false, failGet, failSet, failHas } = config;
  process.env[VARS.on] = '1';
  if (!facility139) process.env[VARS.facility139] = '0';
  if (pre415) process.env[VARS.pre415] = '1';
  if (pv) process.env[VARS.pv] = pv === 'all' ? 'all' : '1';
  if (noPgste) process.env[VARS.noPgste] = '1';
  configure({ failGet, failSet, failHas });
}

/** Changes the failure injection of a running test (the rest stays as it is). */
function configure({ failGet, failSet, failHas } = {}) {
  const set = (name, value) => (value === undefined ? delete process.env[name] : (process.env[name] = value));
  set(VARS.failGet, failure(failGet));
  set(VARS.failSet, failure(failSet));
  set(VARS.failHas, failure(failHas));
}

/** `it` for a test that needs the double preloaded; skipped with the reason otherwise. */
function itDouble(title, fn) {
  if (soPath) return it(title, fn);
  return it.skip(`${title} [skipped: ${reason}]`, fn);
}

/**
 * Runs `fn(vmFds, kvmFd)` now, with the double on (configured by `config`) and `count`
 * fresh VMs from the double's /dev/kvm. The double is reset and the descriptors closed
 * afterwards, whatever happens: at once for a plain `fn` (so it fits a fast-check
 * property), when its promise settles for an async one.
 */
function onDoubleVms(config, count, fn) {
  const kvm = require('kvm-tod');
  enable(config);
  let kvmFd;
  const vmFds = [];
  const close = () => {
    reset();
    for (const fd of vmFds) kvm.closeFd(fd);
    if (kvmFd !== undefined) kvm.closeFd(kvmFd);
  };
  let result;
  try {
    kvmFd = kvm.openKvm();
    for (let i = 0; i < count; i++) vmFds.push(kvm.createVm(kvmFd));
    result = fn(vmFds, kvmFd);
  } catch (error) {
    close();
    throw error;
  }
  if (result && typeof result.then === 'function') return Promise.resolve(result).finally(close);
  close();
  return result;
}

/**
 * A test body run with the double on (configured by `config`) and a fresh VM from
 * the double's /dev/kvm: `fn(vmFd, kvmFd)`. The double is reset and the descriptors
 * closed afterwards, whatever happens.
 */
function withDoubleVm(config, fn) {
  if (typeof config === 'function') [config, fn] = [{}, config];
  return async function () {
    return onDoubleVms(config, 1, ([vmFd], kvmFd) => fn.call(this, vmFd, kvmFd));
  };
}

/** withDoubleVm with two VMs on the same double /dev/kvm: `fn(vmFd1, vmFd2, kvmFd)`. */
function withTwoDoubleVms(config, fn) {
  return async function () {
    return onDoubleVms(config, 2, ([a, b], kvmFd) => fn.call(this, a, b, kvmFd));
  };
}

module.exports = {
  preloaded: Boolean(soPath),
  soPath,
  reason,
  VARS,
  enable,
  configure,
  reset,
  itDouble,
  onDoubleVms,
  withDoubleVm,
  withTwoDoubleVms,
  sourceDir,
  build,
};
