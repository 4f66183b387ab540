#!/usr/bin/env node
// `npm run lint:boundaries`: no file of the workspace reaches into another package's folder
// by a path. Packages use one another by name ('kvm-tod', '@kvm-tod/...'); a path that
// leaves the folder of the package a file belongs to (its nearest package.json) is an
// error, whether it is a relative require/import, a path built from __dirname with '..'
// steps or joined onto where another package's name resolves, a C/C++ #include, or a
// tsconfig "paths" mapping. Prints each one and exits 1.
'use strict';
const { execFileSync } = require('child_process');
const fs = require('fs');
const path = require('path');

const root = path.join(__dirname, '..');
const files = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard'], {
  cwd: root,
  encoding: 'utf8',
})
  .split('\n')
  .filter((f) => f && fs.existsSync(path.join(root, f)));

const packageOf = new Map();
/** The folder of the package `file` belongs to: the nearest one with a package.json. */
function packageDir(file) {
  let dir = path.dirname(path.join(root, file));
  const seen = [];
  while (!packageOf.has(dir) && !fs.existsSync(path.join(dir, 'package.json')) && dir !== root) {
    seen.push(dir);
    dir = path.dirname(dir);
  }
  const found = packageOf.get(dir) ?? dir;
  for (const d of [dir, ...seen]) packageOf.set(d, found);
  return found;
}

const inside = (dir, target) => {
  const rel = path.relative(dir, target);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
};

const problems = [];
function report(file, line, what) {
  problems.push(`${file}:${line}: ${what}`);
}

for (const file of files) {
  const ext = path.extname(file);
  const abs = path.join(root, file);
  const pkg = packageDir(file);
  const lines = fs.readFileSync(abs, 'utf8').split('\n');
  if (['.js', '.cjs', '.mjs', '.ts'].includes(ext)) {
    lines.forEach((text, i) => {
      if (/^\s*(\/\/|\*)/.test(text)) return; // a comment
      for (const m of text.matchAll(/(?:require\(|import\(|from\s+)\s*'(\.{1,2}\/[^']*|\.{1,2})'/g)) {
        const target = path.resolve(path.dirname(abs), m[1]);
        if (!inside(pkg, target)) report(file, i + 1, `'${m[1]}' leaves ${path.relative(root, pkg) || 'the root'}`);
      }
      for (const m of text.matchAll(/path\.(?:join|resolve)\(\s*__dirname((?:\s*,\s*'[^']*')+)/g)) {
        const parts = [...m[1].matchAll(/'([^']*)'/g)].map((x) => x[1]);
        const target = path.resolve(path.dirname(abs), ...parts);
        // dist/ is compiled from src/: a path from dist/x.js is one folder deeper than from src/x.ts
        if (!inside(pkg, target) && !inside(pkg, path.resolve(path.dirname(abs), 'x', ...parts)))
          report(file, i + 1, `path.${m[0].includes('resolve') ? 'resolve' : 'join'}(__dirname, ${parts.join(', ')})`);
      }
      // A file inside another package, found by joining onto where its name resolves.
      if (/path\.(?:join|resolve)\(\s*path\.dirname\(\s*require\.resolve\(\s*'[^.]/.test(text))
        report(file, i + 1, "a path joined onto another package's folder (require.resolve)");
    });
  } else if (['.cc', '.c', '.h'].includes(ext)) {
    lines.forEach((text, i) => {
      const m = /^\s*#\s*include\s+"([^"]+)"/.exec(text);
      if (m && !inside(pkg, path.resolve(path.dirname(abs), m[1]))) report(file, i + 1, `#include "${m[1]}"`);
    });
  } else if (path.basename(file).startsWith('tsconfig') && ext === '.json') {
    if (/"paths"\s*:/.test(lines.join('\n'))) report(file, 1, 'a "paths" mapping (import packages by name)');
  }
}

for (const p of problems) console.error(p);
if (problems.length) {
  console.error(`lint:boundaries: ${problems.length} path(s) into another package's folder`);
  process.exit(1);
}
console.log(`lint:boundaries: ${files.length} files, no path into another package's folder`);
