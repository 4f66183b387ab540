// The code examples of a package's README.md and docs/*.md (the generated docs/reference/
// has none): every fenced block with its info string, where it is, and the text just above
// it; and how one is run as a user would run it: a file of its own in a scratch folder whose
// node_modules holds only the packages the caller links (kvm-tod, and the package whose
// docs these are), so `require('kvm-tod')` and `import` resolve as in a user's project.
//   js          run on the host (the simulated device, or the s390 kernel double's VMs)
//   js kvm      run only where /dev/kvm works (each package's test/kvm, inside the KVM box)
//   js no-run   not run: the text just above says why
//   ts          compiled with tsc --strict against the built package
//   sh, json, and blocks without a tag (output) are not code to run.
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const { spawnSync } = require('child_process');

/** The library's folder (node_modules/kvm-tod is a link to it). */
const libraryRoot = path.dirname(require.resolve('kvm-tod/package.json'));
const KINDS = new Set(['js', 'js kvm', 'js no-run', 'ts', 'sh', 'json', '']);

/** README.md and docs/*.md of the package in `root`, relative to it. */
function docFiles(root) {
  const dir = path.join(root, 'docs');
  const docs = fs.existsSync(dir)
    ? fs
        .readdirSync(dir)
        .filter((f) => f.endsWith('.md'))
        .map((f) => path.join('docs', f))
    : [];
  return ['README.md', ...docs.sort()];
}

/** Every fenced block of every doc of the package in `root`: { file, line, info, code, above, below }. */
function docBlocks(root = libraryRoot) {
  const blocks = [];
  for (const file of docFiles(root)) {
    const lines = fs.readFileSync(path.join(root, file), 'utf8').split('\n');
    for (let i = 0; i < lines.length; i++) {
      const open = /^```(.*)$/.exec(lines[i]);
      if (!open) continue;
      const start = i;
      const body = [];
      for (i++; i < lines.length && !/^```\s*$/.test(lines[i]); i++) body.push(lines[i]);
      // the paragraph just above the fence (blank lines skipped)
      let j = start - 1;
      while (j >= 0 && lines[j].trim() === '') j--;
      const above = [];
      for (; j >= 0 && lines[j].trim() !== '' && !lines[j].startsWith('```'); j--) above.unshift(lines[j]);
      // and the paragraph just below it
      let k = i + 1;
      while (k < lines.length && lines[k].trim() === '') k++;
      const below = [];
      for (; k < lines.length && lines[k].trim() !== '' && !lines[k].startsWith('```'); k++) below.push(lines[k]);
      blocks.push({
        file,
        line: start + 1,
        info: open[1].trim(),
        code: body.join('\n') + '\n',
        above: above.join(' '),
        below: below.join(' '),
      });
    }
  }
  return blocks;
}

/**
 * A scratch folder whose node_modules holds `links` ({ name: folder }; by default kvm-tod,
 * this workspace's library); removed by `done()`.
 */
function scratch(links = { 'kvm-tod': libraryRoot }) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kvm-tod-doc-'));
  for (const [name, target] of Object.entries(links)) {
    const link = path.join(dir, 'node_modules', name);
    fs.mkdirSync(path.dirname(link), { recursive: true });
    fs.symlinkSync(target, link, 'dir');
  }
  return { dir, done: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

/**
 * Runs a `js` block as its own program (ESM when it imports), in a scratch() folder with
 * `links`; { status, stdout, stderr }.
 */
function runJs(block, env = {}, links = undefined) {
  const { dir, done } = scratch(links);
  try {
    const esm = /^\s*import\s/m.test(block.code);
    const file = path.join(dir, esm ? 'example.mjs' : 'example.js');
    fs.writeFileSync(file, block.code);
    const childEnv = { ...process.env, ...env };
    // the example runs elsewhere: a relative addon path must still name this build's addon
    if (childEnv.KVM_TOD_ADDON) childEnv.KVM_TOD_ADDON = path.resolve(childEnv.KVM_TOD_ADDON);
    return spawnSync(process.execPath, [file], { cwd: dir, encoding: 'utf8', env: childEnv, timeout: 120_000 });
  } finally {
    done();
  }
}

/**
 * tsc --strict --noEmit over `files` in `dir` (a scratch() folder), as a TypeScript user of
 * the package compiles (JavaScript files too, checked as tsc --checkJs checks them): its
 * output, '' when clean.
 */
function tscStrict(dir, files) {
  const result = spawnSync(
    process.execPath,
    [
      require.resolve('typescript/bin/tsc'),
      '--strict',
      '--noEmit',
      '--allowJs',
      '--checkJs',
      '--target',
      'es2022',
      '--module',
      'commonjs',
      '--moduleResolution',
      'node',
      '--types',
      'node',
      '--typeRoots',
      path.dirname(path.dirname(require.resolve('@types/node/package.json'))),
      ...files,
    ],
    { cwd: dir, encoding: 'utf8' },
  );
  return `${result.stdout}${result.stderr}`;
}

/**
 * Compiles blocks with tsc --strict, one file each: a `ts` block as TypeScript, a `js` one
 * as JavaScript under --checkJs (what a TypeScript user copying it would be told); returns
 * tsc's complaints mapped to doc lines ('' when clean).
 */
function compileTs(blocks) {
  const { dir, done } = scratch();
  try {
    const files = blocks.map((block, i) => {
      const js = block.info.startsWith('js');
      const esm = !js || /^\s*import\s/m.test(block.code);
      const file = path.join(dir, `block${i}.${js ? (esm ? 'mjs' : 'js') : 'ts'}`);
      // each block is a module of its own, so their names do not clash
      fs.writeFileSync(file, `${block.code}${esm ? 'export {};' : 'module.exports = {};'}\n`);
      return file;
    });
    return tscStrict(dir, files)
      .replace(/block(\d+)\.m?[jt]s\((\d+),(\d+)\)/g, (m, i, line, col) => {
        const b = blocks[Number(i)];
        return `${b.file}:${b.line + Number(line)}:${col}`;
      })
      .split(dir + path.sep)
      .join('');
  } finally {
    done();
  }
}

/** What the text just below a block says it prints ("It prints `...`"), or undefined. */
function printedClaim(block) {
  const m = /\bprints `([^`]+)`/.exec(block.below);
  return m ? m[1] : undefined;
}

module.exports = { KINDS, docBlocks, runJs, compileTs, printedClaim, libraryRoot, scratch, tscStrict };
