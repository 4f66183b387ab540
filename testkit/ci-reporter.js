// The tally reporter (mocha's spec on the console, a tally line in $KVM_TOD_TALLY) that also
// writes what CI rigs ingest, into the folder $KVM_TOD_RESULTS:
//   <name>.junit.xml  JUnit XML (GitLab `reports: junit`, Jenkins): one <testsuite> per top-level
//                     suite, a <skipped message="reason"/> for each skip, the environment as
//                     <properties>; it validates against junit.xsd beside this file;
//   <name>.tap        TAP version 13 (kvm-unit-tests' and kselftest's format): `ok N - title`,
//                     `# SKIP reason` for each skip, a YAML block for each failure;
//   <name>.summary.json  the counts (passed, failed, skipped), for the script that ran it.
// <name> is $KVM_TOD_RESULTS_NAME (default 'results'). $KVM_TOD_RESULTS_PROPERTIES names a JSON
// file (the hardware suite's environment record) whose leaves become properties and TAP comments.
// A test skipped by a gate has the reason in its title, `... [skipped: <reason>]`: the reports
// take the title without it, so a test keeps its name on every host, and the reason apart.
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const Mocha = require('mocha');
const TallyReporter = require('./tally-reporter');

const SKIPPED = /\s*\[skipped: (.*)\]$/;

/** A title and its skip reason: ['title', 'reason'] or ['title', undefined]. */
function splitSkip(title) {
  const m = SKIPPED.exec(title);
  return m ? [title.slice(0, m.index), m[1]] : [title, undefined];
}

const xml = (s) =>
  String(s)
    // eslint-disable-next-line no-control-regex -- characters XML 1.0 cannot carry
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, '?')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');

/** The leaves of a JSON value as [dotted.name, string value] pairs. */
function leaves(value, prefix = '') {
  if (value === null || typeof value !== 'object') return [[prefix, value === null ? 'null' : String(value)]];
  if (Array.isArray(value) && value.every((v) => v === null || typeof v !== 'object'))
    return [[prefix, value.join(' ')]];
  return Object.entries(value).flatMap(([k, v]) => leaves(v, prefix ? `${prefix}.${k}` : k));
}

/** One test as the reports need it. */
function record(test, state, err) {
  const suites = [];
  for (let s = test.parent; s && !s.root; s = s.parent) suites.unshift(s.title);
  const [title, reason] = splitSkip(test.title);
  return {
    suites,
    title,
    state,
    reason: state === 'skipped' ? (reason ?? 'skipped while running (this.skip())') : undefined,
    ms: test.duration ?? 0,
    error: err && { message: String(err.message ?? err), type: err.name ?? 'Error', stack: String(err.stack ?? '') },
  };
}

function junit(tests, properties, started, label) {
  const bySuite = new Map();
  for (const t of tests) {
    const top = t.suites[0] ?? label;
    if (!bySuite.has(top)) bySuite.set(top, []);
    bySuite.get(top).push(t);
  }
  const count = (list, state) => list.filter((t) => t.state === state).length;
  const seconds = (list) => (list.reduce((n, t) => n + t.ms, 0) / 1000).toFixed(3);
  const timestamp = started.toISOString().replace(/\.\d+Z$/, '');
  const props = properties.length
    ? [
        '    <properties>',
        ...properties.map(([n, v]) => `      <property name="${xml(n)}" value="${xml(v)}"/>`),
        '    </properties>',
      ]
    : [];
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="${xml(label)}" tests="${tests.length}" failures="${count(tests, 'failed')}" errors="0" ` +
      `skipped="${count(tests, 'skipped')}" time="${seconds(tests)}">`,
  ];
  let id = 0;
  for (const [name, list] of bySuite) {
    lines.push(
      `  <testsuite name="${xml(name)}" id="${id++}" tests="${list.length}" failures="${count(list, 'failed')}" ` +
        `errors="0" skipped="${count(list, 'skipped')}" time="${seconds(list)}" timestamp="${timestamp}" ` +
        `hostname="${xml(os.hostname())}">`,
      ...props,
    );
    for (const t of list) {
      // The class: the suites below the top one, which is the <testsuite> itself.
      const classname = t.suites.length > 1 ? t.suites.slice(1).join(' > ') : name;
      const time = (t.ms / 1000).toFixed(3);
      const open = `    <testcase name="${xml(t.title)}" classname="${xml(classname)}" time="${time}"`;
      if (t.state === 'passed') lines.push(`${open}/>`);
      else if (t.state === 'skipped')
        lines.push(`${open}>`, `      <skipped message="${xml(t.reason)}"/>`, '    </testcase>');
      else {
        lines.push(
          `${open}>`,
          `      <failure message="${xml(t.error.message.split('\n')[0])}" type="${xml(t.error.type)}">` +
            `${xml(t.error.stack || t.error.message)}</failure>`,
          '    </testcase>',
        );
      }
    }
    lines.push('  </testsuite>');
  }
  lines.push('</testsuites>', '');
  return lines.join('\n');
}

/** A TAP description: no newline, no '#' that would start a directive. */
const tapText = (s) =>
  String(s)
    .replace(/\s*\n\s*/g, ' ')
    .replace(/#/g, '\\#');

function tap(tests, properties, label) {
  const lines = ['TAP version 13', `# ${tapText(label)}`];
  for (const [n, v] of properties) lines.push(`# ${tapText(n)}: ${tapText(v)}`);
  tests.forEach((t, i) => {
    const name = `${i + 1} - ${tapText([...t.suites.slice(1), t.title].join(' > '))}`;
    if (t.state === 'passed') lines.push(`ok ${name}`);
    else if (t.state === 'skipped') lines.push(`ok ${name} # SKIP ${tapText(t.reason)}`);
    else {
      lines.push(`not ok ${name}`, '  ---', `  message: ${JSON.stringify(t.error.message)}`);
      lines.push(`  severity: fail`, `  type: ${JSON.stringify(t.error.type)}`);
      lines.push(`  stack: ${JSON.stringify(t.error.stack)}`, '  ...');
    }
  });
  lines.push(`1..${tests.length}`);
  const n = (state) => tests.filter((t) => t.state === state).length;
  lines.push(`# tests ${tests.length}, pass ${n('passed')}, fail ${n('failed')}, skip ${n('skipped')}`, '');
  return lines.join('\n');
}

class CiReporter extends TallyReporter {
  constructor(runner, options) {
    super(runner, options);
    const dir = process.env.KVM_TOD_RESULTS;
    if (!dir) return;
    const name = process.env.KVM_TOD_RESULTS_NAME || 'results';
    const label = process.env.KVM_TOD_SUITE_LABEL || name;
    const started = new Date();
    const tests = [];
    const { EVENT_TEST_PASS, EVENT_TEST_FAIL, EVENT_TEST_PENDING, EVENT_RUN_END } = Mocha.Runner.constants;
    runner.on(EVENT_TEST_PASS, (test) => tests.push(record(test, 'passed')));
    runner.on(EVENT_TEST_PENDING, (test) => tests.push(record(test, 'skipped')));
    runner.on(EVENT_TEST_FAIL, (test, err) => {
      // A failed hook is reported under a title of its own ('"before all" hook ...').
      tests.push(record(test, 'failed', err));
    });
    runner.once(EVENT_RUN_END, () => {
      const file = process.env.KVM_TOD_RESULTS_PROPERTIES;
      const properties = file && fs.existsSync(file) ? leaves(JSON.parse(fs.readFileSync(file, 'utf8'))) : [];
      fs.mkdirSync(dir, { recursive: true });
      fs.writeFileSync(path.join(dir, `${name}.junit.xml`), junit(tests, properties, started, label));
      fs.writeFileSync(path.join(dir, `${name}.tap`), tap(tests, properties, label));
      const n = (state) => tests.filter((t) => t.state === state).length;
      const summary = { label, tests: tests.length, passed: n('passed'), failed: n('failed'), skipped: n('skipped') };
      fs.writeFileSync(path.join(dir, `${name}.summary.json`), `${JSON.stringify(summary, null, 2)}\n`);
    });
  }
}

module.exports = CiReporter;
module.exports.splitSkip = splitSkip;
