#!/usr/bin/env node
// Sums the tallies the test runs appended (tally-reporter.js) and prints
// one closing line per suite and a total: "tests: N passed, N failed, N skipped".
'use strict';
const fs = require('fs');

const file = process.argv[2];
const lines = fs.existsSync(file)
  ? fs
      .readFileSync(file, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l))
  : [];
const sum = (key) => lines.reduce((n, l) => n + l[key], 0);
for (const l of lines) {
  console.log(`  ${l.label}: ${l.passes} passed, ${l.failures} failed, ${l.pending} skipped`);
  for (const title of l.failed || []) console.log(`    failed: ${title}`);
}
console.log(`tests: ${sum('passes')} passed, ${sum('failures')} failed, ${sum('pending')} skipped`);
if (lines.length === 0) process.exitCode = 1;
