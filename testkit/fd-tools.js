// Descriptor tools for the misuse tests: put a file at a chosen descriptor
// number, tell whether a number is open, hand out one just closed, and snapshot a
// file to prove nothing was written to it. Numbers land where we want them by POSIX's lowest-free-number rule:
// fill the holes below with /dev/null, open, then close the fillers.
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');

function isOpen(fd) {
  try {
    fs.fstatSync(fd);
    return true;
  } catch {
    return false;
  }
}

/**
 * Opens with `open()` so that the descriptor is exactly `target`, which must be free.
 * Node's own threads open and close descriptors too (its thread pool, its platform
 * workers), so the number can be taken between our closing it and `open()`: then what
 * `open()` gave is closed with `close` and we try again, a few times, before giving up.
 * Throws if something keeps holding `target`.
 */
function openAt(target, open, close = fs.closeSync) {
  for (let attempt = 1; ; attempt++) {
    if (isOpen(target)) {
      if (attempt > ATTEMPTS) throw new Error(`descriptor ${target} is already open`);
      sleep(10);
      continue;
    }
    const fd = openAtOnce(target, open);
    if (fd === target) return fd;
    close(fd);
    if (attempt >= ATTEMPTS) throw new Error(`wanted descriptor ${target}, got ${fd} (${ATTEMPTS} attempts)`);
  }
}

const ATTEMPTS = 20;

function openAtOnce(target, open) {
  const fillers = [];
  try {
    for (;;) {
      const fd = fs.openSync('/dev/null', 'r');
      if (fd < target) {
        fillers.push(fd);
        continue;
      }
      fs.closeSync(fd); // fd === target: every number below is taken, so `open` gets it
      break;
    }
    return open();
  } finally {
    for (const fd of fillers) fs.closeSync(fd);
  }
}

function sleep(ms) {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** Opens with `open()` at the lowest free number >= min. */
function openAtOrAbove(min, open) {
  let target = min;
  while (isOpen(target)) target++;
  return openAt(target, open);
}

/** What a file is, to compare before and after: its bytes, size and mtime. */
function snapshot(file) {
  const st = fs.statSync(file);
  return { bytes: fs.readFileSync(file).toString('hex'), size: st.size, mtimeMs: st.mtimeMs };
}

/** A descriptor number that was open a moment ago and is closed now. */
function closedFd() {
  const fd = fs.openSync('/dev/null', 'r');
  fs.closeSync(fd);
  return fd;
}

/**
 * The file a misuse test puts at a VM's descriptor number, to prove nothing writes to it:
 * registers mocha hooks in the calling describe that make a scratch folder (`dir`), write
 * `CONTENT` to `file` afresh before each test, and remove the folder after.
 */
function victimFile() {
  const victim = { CONTENT: 'not a VM: these bytes must not change\n', dir: undefined, file: undefined };
  before(() => {
    victim.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kvm-tod-misuse-'));
    victim.file = path.join(victim.dir, 'victim');
  });
  beforeEach(() => fs.writeFileSync(victim.file, victim.CONTENT));
  after(() => fs.rmSync(victim.dir, { recursive: true, force: true }));
  return victim;
}

module.exports = { closedFd, isOpen, openAt, openAtOrAbove, snapshot, victimFile };
