// What the benchmark needs, each step's output on stderr (stdout is kept for the report,
// or for --json):
//   - the library ('kvm-tod', built by the workspace: `npm run build` at its root) and its
//     addon ($KVM_TOD_ADDON, else the one the library finds);
//   - the benchmark helper and the stand-in addon (native/, this package's binding.gyp) with
//     node-gyp into build/, rebuilt when their sources, or the library's native sources the
//     stand-in is built from (found by name: 'kvm-tod/native-glue'), are newer;
//   - the s390 kernel double (@kvm-tod/testkit) with make into build/double.
// A step that cannot be done is not fatal: the figures that need it are skipped with
// the reason.
'use strict';
const { spawnSync } = require('child_process');
const fs = require('fs');
const path = require('path');

/** This package's folder: the phases run here. */
const root = path.join(__dirname, '..');
const out = path.join(root, 'build');

function run(cmd, args, options = {}) {
  const r = spawnSync(cmd, args, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], ...options });
  const output = `${r.stdout || ''}${r.stderr || ''}`;
  const ok = r.status === 0;
  return {
    ok,
    output,
    why: ok ? '' : r.error ? r.error.message : `exit ${r.status}${r.signal ? ` (${r.signal})` : ''}`,
  };
}

function tail(text, lines = 15) {
  return text.trim().split('\n').slice(-lines).join('\n');
}

function mtime(file) {
  try {
    return fs.statSync(file).mtimeMs;
  } catch {
    return -1;
  }
}

/** $KVM_TOD_ADDON, absolute (it is relative to where the bench was started; the phases run here). */
function addonPath() {
  return process.env.KVM_TOD_ADDON ? path.resolve(process.env.KVM_TOD_ADDON) : undefined;
}

/** The library and its addon. Returns a reason string when they cannot be had. */
function ensureLibrary() {
  if (process.env.KVM_TOD_ADDON && !fs.existsSync(addonPath()))
    return `KVM_TOD_ADDON=${process.env.KVM_TOD_ADDON} does not exist`;
  // Reading a constant loads the addon, as any KVM call does.
  const r = spawnSync(process.execPath, ['-e', "require('kvm-tod').constants.KVM_CAP_ADJUST_CLOCK"], {
    cwd: root,
    encoding: 'utf8',
  });
  if (r.status !== 0) {
    const why =
      (r.stderr || r.error?.message || '')
        .trim()
        .split('\n')
        .find((l) => /Error/.test(l)) ?? 'it did not load';
    return `'kvm-tod' and its addon do not load here (${why}): run npm run build at the workspace root`;
  }
  return undefined;
}

/** node-gyp: npm's own copy (what `npm install` uses), else one on the PATH. */
function nodeGyp() {
  const candidates = [
    process.env.npm_config_node_gyp,
    path.join(
      path.dirname(process.execPath),
      '..',
      'lib',
      'node_modules',
      'npm',
      'node_modules',
      'node-gyp',
      'bin',
      'node-gyp.js',
    ),
  ].filter(Boolean);
  const found = candidates.find((p) => fs.existsSync(p));
  if (found) return [process.execPath, [found]];
  const which = run('sh', ['-c', 'command -v node-gyp']);
  return which.ok ? [which.output.trim(), []] : undefined;
}

/** The library's native sources the stand-in is built from, by the library's name. */
function librarySources() {
  try {
    const dir = path.resolve(require('kvm-tod/native-glue').include_dir);
    return [...fs.readdirSync(dir).map((f) => path.join(dir, f)), path.join(path.dirname(dir), 'glue.gyp')];
  } catch {
    return [];
  }
}

/**
 * The helper and the stand-in addon (native/, binding.gyp), rebuilt with node-gyp when a
 * source is newer than the build. Returns { file, standin } with a reason for any of the
 * two that is missing (helperReason, standinReason).
 */
function ensureHelper(log) {
  const file = path.join(out, 'Release', 'kvm_tod_bench.node');
  const standin = path.join(out, 'Release', 'kvm_tod_standin.node');
  const sources = [
    path.join(root, 'binding.gyp'),
    ...fs
      .readdirSync(path.join(root, 'native'))
      .filter((f) => f.endsWith('.cc'))
      .map((f) => path.join(root, 'native', f)),
    ...librarySources(),
  ];
  const built = Math.min(mtime(file), mtime(standin));
  if (sources.every((s) => mtime(s) <= built)) return { file, standin };
  const gyp = nodeGyp();
  if (!gyp) {
    const reason = 'node-gyp not found (it comes with npm)';
    return { helperReason: reason, standinReason: reason };
  }
  log('building the benchmark helper and the stand-in addon (native/ -> build/Release, node-gyp)');
  const args = [...gyp[1], 'rebuild', '-j', '2', '--loglevel=warn'];
  // Node's own headers where this Node has them (Debian's /usr/include/node): no download.
  const prefix = path.join(path.dirname(process.execPath), '..');
  if (!process.env.npm_config_nodedir && fs.existsSync(path.join(prefix, 'include', 'node', 'node_api.h'))) {
    args.push(`--nodedir=${prefix}`);
  }
  const r = run(gyp[0], args);
  const why = (what) => `the ${what} did not build (${r.why || 'no output file'}):\n${tail(r.output, 8)}`;
  return {
    ...(fs.existsSync(file) ? { file } : { helperReason: why('benchmark helper') }),
    ...(r.ok && fs.existsSync(standin) ? { standin } : { standinReason: why('stand-in addon') }),
  };
}

/** The s390 kernel double for this host. Returns { file } or { reason }. */
function ensureDouble(log) {
  const double = require('@kvm-tod/testkit/s390-double');
  const dir = path.join(out, 'double');
  log('the s390 kernel double (@kvm-tod/testkit -> build/double, make)');
  try {
    return { file: double.build({ out: dir }) };
  } catch (error) {
    return { reason: `the s390 kernel double did not build: ${error.message.split('\n')[0]}` };
  }
}

module.exports = { ensureLibrary, ensureHelper, ensureDouble, addonPath, root };
