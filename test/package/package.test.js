// The package as a user loads it (require, import, the types that ship), and as npm
// ships it: `npm pack` (whose prepack builds both prebuilds), the
// tarball's exact contents, `npm install` of it into a fresh project with no compiler
// anywhere on PATH, require and import of the installed copy, the linux-s390x prebuild
// under qemu-user with the s390x Node, and the fallback build from the shipped sources.
// Slow (about a minute): `npm run test:package` (scripts/test-package.sh) runs it and
// sets KVM_TOD_PACKAGE_TEST=1 (and --grep 'package tarball'); in `npm test` the tarball is
// one skipped test that says so.
'use strict';
const assert = require('assert');
const { execFileSync, spawnSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

const root = path.join(__dirname, '..', '..');
const pkg = require('../../package.json');
const TARBALL = process.env.KVM_TOD_PACKAGE_TEST === '1';
const npmCli =
  TARBALL && fs.realpathSync(spawnSync('sh', ['-c', 'command -v npm'], { encoding: 'utf8' }).stdout.trim());
const COMPILERS = ['cc', 'c++', 'gcc', 'g++', 'clang', 'make', 'python3', 'python'];

describe('package', () => {
  it('require and import give the same functions', () => {
    const out = execFileSync(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `
        import * as esm from 'kvm-tod';
        import { createRequire } from 'module';
        const cjs = createRequire(import.meta.url)('kvm-tod');
        const names = Object.keys(cjs).filter((k) => k !== 'default').sort();
        const missing = names.filter((n) => esm[n] !== cjs[n]);
        console.log(JSON.stringify({ count: names.length, missing }));
      `,
      ],
      { cwd: root, encoding: 'utf8' },
    );
    const { count, missing } = JSON.parse(out);
    assert.ok(count > 30, `only ${count} exports`);
    assert.deepStrictEqual(missing, []);
  });

  it("import kvmTod from 'kvm-tod' and the named imports type-check (tsc --strict, nodenext) and agree", function () {
    this.timeout(180_000); // tsc on a loaded or emulated machine
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kvm-tod-esm-'));
    try {
      fs.mkdirSync(path.join(dir, 'node_modules'));
      fs.symlinkSync(root, path.join(dir, 'node_modules', 'kvm-tod'), 'dir');
      fs.writeFileSync(path.join(dir, 'package.json'), '{ "type": "module" }\n');
      fs.writeFileSync(
        path.join(dir, 'vmm.mts'),
        [
          "import kvmTod, { GuestClock, SimulatedS390Tod, type Tod } from 'kvm-tod';",
          'const clock: GuestClock<Tod> = new kvmTod.GuestClock(new SimulatedS390Tod());',
          'const same: boolean = kvmTod.GuestClock === GuestClock;',
          'clock.vmStateChanged(true);',
          'console.log(JSON.stringify({ same, held: clock.held }));',
          '',
        ].join('\n'),
      );
      const tsc = path.join(root, 'node_modules', 'typescript', 'bin', 'tsc');
      const args = ['--strict', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--target', 'es2022'];
      execFileSync(
        process.execPath,
        [tsc, ...args, '--types', 'node', '--typeRoots', path.join(root, 'node_modules', '@types'), 'vmm.mts'],
        {
          cwd: dir,
          encoding: 'utf8',
          stdio: 'pipe',
        },
      );
      const out = execFileSync(process.execPath, ['vmm.mjs'], { cwd: dir, encoding: 'utf8' });
      assert.deepStrictEqual(JSON.parse(out), { same: true, held: false });
    } catch (error) {
      assert.fail(`${error.message}\n${error.stdout || ''}${error.stderr || ''}`);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('ships no sourcemap comment without its map: dist/ has neither', () => {
    const js = fs.readdirSync(path.join(root, 'dist')).filter((f) => f.endsWith('.js'));
    assert.ok(js.length > 10, js.join(' '));
    for (const f of js) {
      assert.doesNotMatch(fs.readFileSync(path.join(root, 'dist', f), 'utf8'), /sourceMappingURL/, f);
    }
  });

  it('ships type declarations for both entry points', () => {
    for (const condition of ['import', 'require']) {
      const types = pkg.exports['.'][condition].types;
      assert.ok(fs.existsSync(path.join(root, types)), `${condition}: ${types} missing`);
    }
    const dts = fs.readFileSync(path.join(root, 'dist/index.d.ts'), 'utf8');
    for (const name of ['getTod', 'setTod', 'GuestClock', 'KvmError', 'encodeTodSection']) {
      assert.match(dts, new RegExp(`\\b${name}\\b`));
    }
  });

  it('is MIT licensed and states the Node-API version it needs', () => {
    assert.strictEqual(pkg.license, 'MIT');
    assert.match(fs.readFileSync(path.join(root, 'LICENSE'), 'utf8'), /^MIT License/);
    assert.deepStrictEqual(pkg.binary.napi_versions, [8]);
  });
});

// Slow: run by `npm run test:package` only; elsewhere one skipped test that says so.
const describeTarball = TARBALL
  ? describe
  : (title) =>
      describe(title, () => {
        it.skip('npm pack, install without a compiler, both prebuilds: run by `npm run test:package` (slow)');
      });

/** The environment the package's user has: nothing of this repo's test set-up. */
function cleanEnv(extra = {}) {
  const env = { ...process.env };
  for (const k of ['LD_PRELOAD', 'KVM_TOD_ADDON', 'KVM_TOD_PACKAGE_TEST', 'KVM_TOD_TALLY', 'KVM_TOD_PREBUILD'])
    delete env[k];
  for (const k of Object.keys(env)) if (k.startsWith('npm_') || k.startsWith('KVM_S390_DOUBLE')) delete env[k];
  return { ...env, ...extra };
}

function run(cmd, args, options) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 << 20, ...options });
  if (r.error) throw r.error;
  if (r.status !== 0) {
    throw new Error(
      `${cmd} ${args.join(' ')} exited with ${r.status}\n--- ` +
        `stdout\n${r.stdout.slice(-4000)}\n--- stderr\n${r.stderr.slice(-4000)}`,
    );
  }
  return r.stdout;
}

function walk(dir, base = dir) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    return e.isDirectory() ? walk(full, base) : [path.relative(base, full).split(path.sep).join('/')];
  });
}

describeTarball('package tarball', function () {
  let tmp; // everything this file makes lives here, removed at the end
  let tarball;
  let files; // the tarball's entries, without the leading "package/"
  let bindir; // node, npm and sh: the whole PATH of a machine without compilers
  let project; // a fresh project with the tarball installed, compilers hidden

  before(function () {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kvm-tod-pack-'));
    const env = cleanEnv();
    run('npm', ['pack', '--pack-destination', tmp, '--loglevel=warn'], { cwd: root, env });
    const tgz = fs.readdirSync(tmp).filter((f) => f.endsWith('.tgz'));
    assert.deepStrictEqual(tgz, [`${pkg.name}-${pkg.version}.tgz`]);
    tarball = path.join(tmp, tgz[0]);
    files = run('tar', ['tzf', tarball])
      .split('\n')
      .filter(Boolean)
      .map((f) => f.replace(/^package\//, ''));

    bindir = path.join(tmp, 'bin');
    fs.mkdirSync(bindir);
    fs.symlinkSync(process.execPath, path.join(bindir, 'node'));
    fs.symlinkSync(npmCli, path.join(bindir, 'npm'));
    fs.symlinkSync('/bin/sh', path.join(bindir, 'sh')); // npm runs install scripts with sh
  });

  after(() => {
    if (tmp && !process.env.KVM_TOD_KEEP_PACKAGE_TEST) fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('holds the library alone: its compiled JS and types, native sources, both prebuilds, docs and examples', () => {
    const expected = new Set(['package.json', 'README.md', 'LICENSE', 'CHANGELOG.md', 'binding.gyp']);
    for (const f of walk(path.join(root, 'lib'))) {
      if (!f.endsWith('.ts')) continue;
      const base = f.replace(/\.ts$/, '');
      expected.add(`dist/${base}.js`);
      expected.add(`dist/${base}.d.ts`);
    }
    expected.add('dist/index.mjs');
    expected.add('dist/index.d.mts');
    for (const f of walk(path.join(root, 'native'))) expected.add(`native/${f}`);
    for (const f of walk(path.join(root, 'docs'))) expected.add(`docs/${f}`);
    for (const f of walk(path.join(root, 'examples'))) expected.add(`examples/${f}`);
    expected.add('prebuilds/linux-x64/node.napi.node');
    expected.add('prebuilds/linux-s390x/node.napi.node');

    const actual = new Set(files);
    const extra = [...actual].filter((f) => !expected.has(f)).sort();
    const missing = [...expected].filter((f) => !actual.has(f)).sort();
    assert.deepStrictEqual(
      { extra, missing },
      { extra: [], missing: [] },
      'a file in dist/ that no lib/*.ts compiles to is stale: remove dist/ and pack again',
    );
  });

  it('ships no tests, dependencies, build output, caches, CI files, scripts, maps or other packages', () => {
    const folders = 'test|node_modules|build|build-[^/]*|\\.cache|\\.ci|\\.git|scripts|bench|lib|cli|vmm|boxes|testkit';
    const banned = new RegExp(`^(${folders})/|\\.map$|\\.tgz$|^\\.|/\\.`);
    assert.deepStrictEqual(
      files.filter((f) => banned.test(f)),
      [],
    );
    assert.ok(files.includes('native/CMakeLists.txt'), 'the cmake-js build file');
    assert.ok(files.includes('native/src/addon.cc'), 'the addon sources');
  });

  it('points main, types and exports at files it ships, has no bin, and says where it lives', () => {
    const shipped = JSON.parse(run('tar', ['xzOf', tarball, 'package/package.json']));
    const targets = [shipped.main, shipped.types, ...Object.values(shipped.exports['./native-glue'])];
    for (const condition of ['import', 'require']) targets.push(...Object.values(shipped.exports['.'][condition]));
    assert.strictEqual(shipped.bin, undefined, 'the library has no command (the CLI is @kvm-tod/cli)');
    assert.match(shipped.repository.url, /^git\+https:\/\//);
    assert.match(shipped.bugs.url, /^https:\/\//);
    assert.match(shipped.homepage, /^https:\/\//);
    for (const t of targets) assert.ok(files.includes(path.posix.normalize(t)), `${t} is not in the tarball`);
    assert.strictEqual(shipped.scripts.install, 'node-gyp-build');
    assert.ok(shipped.dependencies['node-gyp-build'], 'node-gyp-build is a runtime dependency');
    assert.ok(shipped.dependencies['node-addon-api'], 'node-addon-api is needed by the fallback build');
    assert.strictEqual(shipped.engines.node, '>=18');
    assert.deepStrictEqual(shipped.binary.napi_versions, [8]);
  });

  it('ships prebuilds for linux-x64 and linux-s390x that are ELF shared objects for their machine', () => {
    const dir = path.join(tmp, 'x');
    fs.mkdirSync(dir);
    run('tar', ['xzf', tarball, '-C', dir, 'package/prebuilds']);
    for (const [arch, machine, bigEndian] of [
      ['x64', 62, false],
      ['s390x', 22, true],
    ]) {
      const b = fs.readFileSync(path.join(dir, 'package/prebuilds', `linux-${arch}`, 'node.napi.node'));
      assert.strictEqual(b.readUInt32BE(0), 0x7f454c46, `${arch}: not ELF`);
      assert.strictEqual(b[5] === 2, bigEndian, `${arch}: byte order`);
      assert.strictEqual(bigEndian ? b.readUInt16BE(18) : b.readUInt16LE(18), machine, `${arch}: ELF machine`);
    }
  });

  it('installs from the tarball with no compiler on PATH (the linux-x64 prebuild, no source build)', function () {
    const env = cleanEnv({
      PATH: bindir,
      CC: '/nonexistent/cc',
      CXX: '/nonexistent/c++',
      npm_config_python: '/nonexistent/python3',
    });
    const found = spawnSync('/bin/sh', ['-c', `for c in ${COMPILERS.join(' ')}; do command -v $c; done; true`], {
      env,
      encoding: 'utf8',
    });
    assert.strictEqual(found.stdout, '', `compilers still on PATH: ${found.stdout}`);

    project = path.join(tmp, 'user');
    fs.mkdirSync(project);
    fs.writeFileSync(
      path.join(project, 'package.json'),
      JSON.stringify({ name: 'user', version: '1.0.0', private: true }),
    );
    // --prefer-offline: the dependencies come from the npm cache that `npm ci` filled.
    run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=warn', tarball], {
      cwd: project,
      env,
    });
    const installed = path.join(project, 'node_modules', 'kvm-tod');
    assert.ok(fs.existsSync(path.join(installed, 'prebuilds/linux-x64/node.napi.node')));
    assert.ok(!fs.existsSync(path.join(installed, 'build')), 'a source build ran: node_modules/kvm-tod/build exists');
  });

  /** Runs `script` with node in the user's project: plain environment, no compilers. */
  function inProject(args, nodeBin = 'node', extraEnv = {}) {
    assert.ok(project, 'the install test did not run');
    const env = cleanEnv({ PATH: bindir, ...extraEnv });
    return JSON.parse(run(nodeBin, args, { cwd: project, env }).trim().split('\n').pop());
  }

  // Loads the package, reports which addon node-gyp-build chose, and turns a closed
  // descriptor into a KvmError.
  const probeBody = `
    const fs = require('fs');
    const path = require('path');
    const kvm = require('kvm-tod');
    const dir = path.dirname(require.resolve('kvm-tod/package.json'));
    const addon = path.relative(dir, require('node-gyp-build').path(dir));
    const fd = fs.openSync('/dev/null', 'r');
    fs.closeSync(fd);
    let error;
    try { kvm.closeFd(fd); } catch (e) { error = e; }
    const tod = kvm.todFromBigInt(0xd8a3_0000_0000_0000n);
    console.log(JSON.stringify({
      arch: process.arch, endianness: require('os').endianness(), addon,
      isKvmError: error instanceof kvm.KvmError, code: error && error.code, syscall: error && error.syscall,
      tod: kvm.formatTod(tod), exports: Object.keys(kvm).length,
    }));`;

  it('require: loads the prebuild, a closed descriptor gives a KvmError', () => {
    const r = inProject(['-e', probeBody]);
    assert.strictEqual(r.addon, 'prebuilds/linux-x64/node.napi.node');
    assert.deepStrictEqual([r.isKvmError, r.code, r.syscall], [true, 'EBADF', 'close']);
    assert.ok(r.exports > 30, `${r.exports} exports`);
  });

  it('examples/ run from the installed package as they do from the clone', () => {
    const dir = path.join(project, 'node_modules', 'kvm-tod', 'examples');
    const env = cleanEnv({ PATH: bindir });
    const r = spawnSync('node', [path.join(dir, 's390-vmm-hook.js'), '100'], { cwd: project, env, encoding: 'utf8' });
    assert.strictEqual(r.status, 0, `${r.stdout}${r.stderr}`);
    assert.match(r.stdout, /guest TOD moved -?\d+\.\d{3} ms across the stop/);
    const x86 = spawnSync('node', [path.join(dir, 'x86-vmm-hook.js'), '100'], { cwd: project, env, encoding: 'utf8' });
    // Without /dev/kvm it says why and exits 2; with one it runs (0).
    assert.ok([0, 2].includes(x86.status), `exit ${x86.status}: ${x86.stdout}${x86.stderr}`);
    assert.doesNotMatch(x86.stderr, /Cannot find module/);
  });

  it('import: the same names and the same KvmError', () => {
    const r = inProject([
      '--input-type=module',
      '-e',
      `
      import { closeFd, KvmError, getTod, GuestClock } from 'kvm-tod';
      import * as ns from 'kvm-tod';
      import { createRequire } from 'module';
      import fs from 'fs';
      const cjs = createRequire(process.cwd() + '/')('kvm-tod');
      const fd = fs.openSync('/dev/null', 'r');
      fs.closeSync(fd);
      let error;
      try { closeFd(fd); } catch (e) { error = e; }
      const differ = Object.keys(cjs).filter((k) => ns[k] !== cjs[k]);
      console.log(JSON.stringify({ isKvmError: error instanceof KvmError, code: error && error.code,
        functions: [getTod, GuestClock].every((f) => typeof f === 'function'), differ }));`,
    ]);
    assert.deepStrictEqual(r, { isKvmError: true, code: 'EBADF', functions: true, differ: [] });
  });

  it('installs no command: the kvm-tod command is the CLI package, not the library', () => {
    assert.ok(!fs.existsSync(path.join(project, 'node_modules', '.bin', 'kvm-tod')), 'node_modules/.bin/kvm-tod');
    assert.ok(!files.some((f) => f.startsWith('dist/cli/')), 'dist/cli/ in the tarball');
  });

  it('s390x: the linux-s390x prebuild loads under qemu-user with the s390x Node', function () {
    const node390 = process.env.KVM_TOD_S390X_NODE;
    assert.ok(
      node390 && fs.existsSync(node390),
      'KVM_TOD_S390X_NODE: the s390x Node (scripts/test-package.sh fetches it)',
    );
    const qemu = spawnSync('sh', ['-c', 'command -v qemu-s390x-static'], { encoding: 'utf8' }).stdout.trim();
    assert.ok(qemu, 'qemu-s390x-static (Debian: qemu-user-static) is not installed');
    const r = inProject([node390, '-e', probeBody], qemu, {
      QEMU_LD_PREFIX: process.env.QEMU_LD_PREFIX || '/usr/s390x-linux-gnu',
    });
    assert.deepStrictEqual([r.arch, r.endianness], ['s390x', 'BE']);
    assert.strictEqual(r.addon, 'prebuilds/linux-s390x/node.napi.node');
    assert.deepStrictEqual([r.isKvmError, r.code, r.syscall], [true, 'EBADF', 'close']);
    assert.ok(r.exports > 30);
  });

  it('falls back to building from the shipped sources (binding.gyp, native/) when asked to', function () {
    // --build-from-source is what a user on an arch without a prebuild gets: node-gyp-build
    // finds no match and runs node-gyp rebuild. This uses the real PATH: it needs the compilers.
    const dir = path.join(tmp, 'from-source');
    fs.mkdirSync(dir);
    fs.writeFileSync(
      path.join(dir, 'package.json'),
      JSON.stringify({ name: 'from-source', version: '1.0.0', private: true }),
    );
    const env = cleanEnv({ npm_config_build_from_source: 'true' });
    run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=warn', tarball], {
      cwd: dir,
      env,
    });
    const installed = path.join(dir, 'node_modules', 'kvm-tod');
    assert.ok(fs.existsSync(path.join(installed, 'build/Release/kvm_tod.node')), 'node-gyp did not build the addon');
    const out = run(
      'node',
      [
        '-e',
        `
      const dir = require('path').dirname(require.resolve('kvm-tod/package.json'));
      const kvm = require('kvm-tod');
      console.log(require('path').relative(dir, require('node-gyp-build').path(dir)), typeof kvm.getTod);`,
      ],
      { cwd: dir, env },
    );
    assert.strictEqual(out.trim(), 'build/Release/kvm_tod.node function');
  });
});
