// What the benchmark needs built, each into a git-ignored folder, each step's
// output on stderr (stdout is kept for the report, or for --json):
//   - the library: dist/ (tsc) when missing or older than lib/ (so that the figures are
//     of the code as it is), and the addon (build/Release, or $KVM_TOD_ADDON) only when
//     missing: other work in this repo owns that build;
//   - the benchmark helper (bench/native) with node-gyp into build-bench/native;
//   - the s390 kernel double (test/double) with make into build-bench/double.
// A step that cannot be done is not fatal: the figures that need it are skipped with
// the reason.
'use strict';
const { spawnSync } = require('child_process');
const fs = require('fs');
const path = require('path');

const root = path.join(__dirname, '..', '..');
const out = path.join(root, 'build-bench');

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

/** The addon the library will load ($KVM_TOD_ADDON is relative to where the bench was started). */
function addonPath() {
  return process.env.KVM_TOD_ADDON
    ? path.resolve(process.env.KVM_TOD_ADDON)
    : path.join(root, 'build', 'Release', 'kvm_tod.node');
}

function newestIn(dir) {
  let newest = -1;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestIn(p) : mtime(p));
  }
  return newest;
}

/** dist/ and the addon. Returns a reason string when the library cannot be had. */
function ensureLibrary(log) {
  const dist = path.join(root, 'dist', 'index.js');
  if (!fs.existsSync(dist) || newestIn(path.join(root, 'lib')) > mtime(dist)) {
    log('building the TypeScript (npm run build:ts)');
    const r = run('npm', ['run', '--silent', 'build:ts']);
    if (!r.ok && !fs.existsSync(dist)) return `npm run build:ts failed (${r.why}):\n${tail(r.output)}`;
    if (!r.ok) log(`npm run build:ts failed (${r.why}); measuring the dist/ there is:\n${tail(r.output, 5)}`);
  }
  const addon = addonPath();
  if (!fs.existsSync(addon)) {
    if (process.env.KVM_TOD_ADDON) return `KVM_TOD_ADDON=${process.env.KVM_TOD_ADDON} does not exist`;
    log('building the addon (npm run build:native)');
    const r = run('npm', ['run', '--silent', 'build:native']);
    if (!r.ok) return `npm run build:native failed (${r.why}):\n${tail(r.output)}`;
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

/**
 * The helper, rebuilt when its sources are newer than the build. node-gyp always
 * builds into <dir>/build, so it works on a copy under build-bench/native, inside
 * the repo so that node-addon-api resolves from node_modules.
 * Returns { file } or { reason }.
 */
function ensureHelper(log) {
  const srcDir = path.join(root, 'bench', 'native');
  const dir = path.join(out, 'native');
  const file = path.join(dir, 'build', 'Release', 'kvm_tod_bench.node');
  const sources = fs.readdirSync(srcDir).map((f) => path.join(srcDir, f));
  if (sources.every((s) => mtime(s) <= mtime(file))) return { file };
  const gyp = nodeGyp();
  if (!gyp) return { reason: 'node-gyp not found (it comes with npm)' };
  log('building the benchmark helper (bench/native -> build-bench/native, node-gyp)');
  fs.mkdirSync(dir, { recursive: true });
  for (const s of sources) fs.copyFileSync(s, path.join(dir, path.basename(s)));
  const args = [...gyp[1], 'rebuild', '-j', '2', '--loglevel=warn'];
  // Node's own headers where this Node has them (Debian's /usr/include/node): no download.
  const prefix = path.join(path.dirname(process.execPath), '..');
  if (!process.env.npm_config_nodedir && fs.existsSync(path.join(prefix, 'include', 'node', 'node_api.h'))) {
    args.push(`--nodedir=${prefix}`);
  }
  const r = run(gyp[0], args, { cwd: dir });
  fs.writeFileSync(path.join(out, 'native.log'), r.output);
  if (!r.ok || !fs.existsSync(file))
    return {
      reason: `the benchmark helper did not build (${r.why}); see build-bench/native.log:\n${tail(r.output, 8)}`,
    };
  return { file };
}

/** The s390 kernel double for this host. Returns { file } or { reason }. */
function ensureDouble(log) {
  const file = path.join(out, 'double', 's390_kvm_double.so');
  const source = path.join(root, 'test', 'double', 's390_kvm_double.c');
  if (!fs.existsSync(source)) return { reason: 'test/double/s390_kvm_double.c is missing' };
  if (mtime(source) > mtime(file)) log('building the s390 kernel double (test/double -> build-bench/double, make)');
  const r = run('make', ['-s', '-C', path.join(root, 'test', 'double'), `OUT=${path.dirname(file)}`]);
  if (!r.ok || !fs.existsSync(file))
    return { reason: `the s390 kernel double did not build (${r.why}):\n${tail(r.output, 8)}` };
  return { file };
}

module.exports = { ensureLibrary, ensureHelper, ensureDouble, addonPath, root };
