#!/usr/bin/env node
// Checks what ci-reporter.js wrote, as a CI rig would read it: each JUnit XML file validated
// against junit.xsd (libxml2's own validator, xmllint, built for WebAssembly: the xmllint-wasm
// package; on a big-endian host the system's xmllint), each TAP file parsed by tap-parser
// (node-tap's parser) with no parse error and the plan met. `node testkit/ci-results.js DIR`
// checks every *.junit.xml and *.tap in DIR, prints one line per file, and exits 1 if one is
// not valid.
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const { spawnSync } = require('child_process');

const SCHEMA = path.join(__dirname, 'junit.xsd');

// xmllint-wasm is an Emscripten build, whose JavaScript reads the WebAssembly memory in the
// host's byte order: on a big-endian host (s390x) it fails ("memory access out of bounds").
// There the system's xmllint (Debian's and Ubuntu's libxml2-utils) does the same check.
const hasSystemXmllint = () => spawnSync('xmllint', ['--version'], { stdio: 'ignore' }).status === 0;

/**
 * Why no JUnit file can be validated on this host, or undefined where one can: a big-endian
 * host without xmllint (install libxml2-utils).
 */
function junitValidatorMissing() {
  if (os.endianness() === 'LE' || hasSystemXmllint()) return undefined;
  return (
    'xmllint-wasm runs on little-endian hosts only (an Emscripten build) and this big-endian host has no ' +
    'xmllint (libxml2-utils)'
  );
}

/**
 * `{ valid, errors }` of a JUnit XML file against junit.xsd: libxml2's validator, as
 * xmllint-wasm on little-endian hosts, the system's xmllint on big-endian ones.
 * @throws where neither can run ({@link junitValidatorMissing} says why).
 */
async function validateJUnit(file) {
  if (os.endianness() === 'BE') {
    const missing = junitValidatorMissing();
    if (missing) throw new Error(`cannot validate ${file}: ${missing}`);
    const r = spawnSync('xmllint', ['--noout', '--schema', SCHEMA, file], { encoding: 'utf8' });
    const errors = r.stderr.split('\n').filter((l) => l && !/ validates$/.test(l));
    return { valid: r.status === 0, errors: r.status === 0 ? [] : errors };
  }
  const { validateXML } = require('xmllint-wasm');
  const result = await validateXML({
    xml: [{ fileName: path.basename(file), contents: fs.readFileSync(file, 'utf8') }],
    schema: [fs.readFileSync(SCHEMA, 'utf8')],
  });
  return { valid: result.valid, errors: result.errors.map((e) => e.rawMessage ?? String(e)) };
}

/**
 * A TAP file as tap-parser reads it: `{ valid, errors, counts: { pass, fail, skip, total }, skips,
 * failures, version }`; valid when it parsed without a problem and its plan was met.
 */
function parseTap(file) {
  const { Parser } = require('tap-parser');
  const text = fs.readFileSync(file, 'utf8');
  let version;
  let final;
  const parseErrors = [];
  const parser = new Parser((results) => (final = results));
  parser.on('version', (v) => (version = v));
  parser.on('extra', (line) => parseErrors.push(`not TAP: ${JSON.stringify(line)}`));
  parser.end(text);
  const errors = [...parseErrors, ...(final.failures ?? []).filter((f) => f.tapError).map((f) => f.tapError)];
  if (version !== 13) errors.push(`TAP version ${version}, not 13`);
  if (!final.plan || final.plan.end !== final.count)
    errors.push(`plan ${JSON.stringify(final.plan)}, ${final.count} tests`);
  return {
    valid: errors.length === 0,
    errors,
    version,
    counts: { pass: final.pass, fail: final.fail, skip: final.skip, total: final.count },
    skips: final.skips ?? [],
    failures: (final.failures ?? []).filter((f) => !f.tapError),
  };
}

async function main(dir) {
  const files = fs.readdirSync(dir).filter((f) => /\.(junit\.xml|tap)$/.test(f));
  if (files.length === 0) {
    console.error(`ci-results: no *.junit.xml or *.tap in ${dir}`);
    return 1;
  }
  let bad = 0;
  for (const name of files) {
    const file = path.join(dir, name);
    if (name.endsWith('.tap')) {
      const r = parseTap(file);
      const { pass, fail, skip, total } = r.counts;
      console.log(
        `${name}: TAP ${r.valid ? 'parses' : 'does NOT parse'} (tap-parser): ${total} tests, ` +
          `${pass} ok, ${fail} not ok, ${skip} skipped`,
      );
      for (const e of r.errors) console.log(`  ${e}`);
      if (!r.valid) bad++;
    } else {
      const r = await validateJUnit(file);
      const tool = os.endianness() === 'BE' ? 'xmllint' : 'xmllint-wasm';
      console.log(`${name}: JUnit XML ${r.valid ? 'valid' : 'NOT valid'} against testkit/junit.xsd (${tool})`);
      for (const e of r.errors) console.log(`  ${e}`);
      if (!r.valid) bad++;
    }
  }
  return bad ? 1 : 0;
}

if (require.main === module) {
  main(process.argv[2] || '.').then(
    (status) => (process.exitCode = status),
    (error) => {
      console.error(error);
      process.exitCode = 1;
    },
  );
}

module.exports = { validateJUnit, junitValidatorMissing, parseTap, SCHEMA };
