// Runs the kvm-tod command in a child Node (the built dist/main.js), for the CLI tests
// on the host and in the KVM box. With a KVM_TOD_DEMO_FAULT in `env` it runs the fixture
// that puts a misbehaving device in, as no fault hook ships in the product.
'use strict';
const assert = require('assert');
const { spawnSync } = require('child_process');
const path = require('path');

const MAIN = path.join(__dirname, '..', '..', 'dist', 'main.js');
const WITH_FAULT = path.join(__dirname, '..', 'fixtures', 'demo-with-fault.js');

/**
 * `{ status, stdout, stderr }` of `kvm-tod ...args`. `inert` (the default) drops the
 * caller's KVM_S390_DOUBLE* and KVM_TOD_DEMO_FAULT, so the s390 kernel double stays inert
 * and no fault is armed unless `env` asks; `timeout` (ms) only stops a hang.
 */
function runKvmTod(args, { env = {}, timeout = 20000, inert = true } = {}) {
  const base = { ...process.env };
  if (inert) {
    for (const name of Object.keys(base))
      if (name === 'KVM_TOD_DEMO_FAULT' || name.startsWith('KVM_S390_DOUBLE')) delete base[name];
  }
  const program = env.KVM_TOD_DEMO_FAULT === undefined ? MAIN : WITH_FAULT;
  const r = spawnSync(process.execPath, [program, ...args], { env: { ...base, ...env }, encoding: 'utf8', timeout });
  if (r.error) throw r.error;
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The one JSON document on a run's stdout; a run that printed anything else fails, with its output. */
function parseJson(r) {
  try {
    return JSON.parse(r.stdout);
  } catch (error) {
    throw new Error(`stdout is not one JSON document (${error.message}):\n${r.stdout}\nstderr:\n${r.stderr}`, {
      cause: error,
    });
  }
}

/** The table row of a scenario, by its title. */
function row(stdout, title) {
  const line = stdout.split('\n').find((l) => new RegExp(`^\\s+\\d\\s+${title.replace(/[/]/g, '\\/')}\\s`).test(l));
  assert.ok(line, `no table row for '${title}' in:\n${stdout}`);
  return line;
}

/**
 * The report's first line as one line: by default a line wider than 120 columns goes on in
 * lines indented by two more spaces, which this joins again.
 */
function firstLine(stdout) {
  const [first, ...rest] = stdout.split('\n');
  const more = [];
  for (const line of rest) {
    if (!/^ {2}\S/.test(line)) break;
    more.push(line.trim());
  }
  return [first, ...more].join(' ');
}

/** `text` with every run of white space (a wrapped line's break and indent too) as one space. */
const flat = (text) => text.replace(/\s+/g, ' ');

module.exports = { runKvmTod, parseJson, row, firstLine, flat, MAIN };
