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
 * Throws if something already holds `target`.
 */
function openAt(target, open) {
  if (isOpen(target)) throw new Error(`descriptor ${target} is already open`);
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
    const fd = open();
    if (fd !== target) throw new Error(`wanted descriptor ${target}, got ${fd}`);
    return fd;
  } finally {
    for (const fd of fillers) fs.closeSync(fd);
  }
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
