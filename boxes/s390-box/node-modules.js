// Prints the node_modules folders (relative to the repository) that the s390 box
// carries into its guest: the package's runtime dependency node-gyp-build and mocha
// with everything it requires, resolved the way Node resolves them (nested copies too).
//   node node-modules.js [extra package names...]
'use strict';
const fs = require('fs');
const path = require('path');

const root = path.join(__dirname, '..', '..');
const found = new Set();

function resolveFrom(dir, name) {
  for (let at = dir; ; at = path.dirname(at)) {
    const candidate = path.join(at, 'node_modules', name);
    if (fs.existsSync(path.join(candidate, 'package.json'))) return candidate;
    if (at === root || at === path.dirname(at)) return null;
  }
}

function visit(dir, name) {
  const pkgDir = resolveFrom(dir, name);
  if (!pkgDir || found.has(pkgDir)) return;
  found.add(pkgDir);
  const pkg = JSON.parse(fs.readFileSync(path.join(pkgDir, 'package.json'), 'utf8'));
  for (const dep of Object.keys({ ...pkg.dependencies, ...pkg.optionalDependencies })) visit(pkgDir, dep);
}

// The workspace's own packages are links (node_modules/kvm-tod, node_modules/@kvm-tod/*):
// the link itself is carried, its target is in the workspace already.
const own = fs.readdirSync(path.join(root, 'node_modules', '@kvm-tod')).map((name) => `@kvm-tod/${name}`);
for (const name of ['node-gyp-build', 'mocha', 'kvm-tod', ...own, ...process.argv.slice(2)]) visit(root, name);
for (const dir of [...found].sort()) console.log(path.relative(root, dir));
