// What the s390 machine under the tests is, read from the kernel's own files: the facility
// list (/proc/cpuinfo), the machine (/proc/sysinfo: manufacturer, type, model), and so whether
// it is real IBM Z, Hercules (the s390 box, or another), or no s390 at all. The real-kernel
// checks gate on facilities by this (a VM gets facility 139 when the host has it), and the
// hardware suite records it beside its results.
'use strict';
const fs = require('fs');

const read = (file) => {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
};

/** `/proc/cpuinfo`'s facility list as a Set of numbers; undefined where there is none (not s390x). */
function facilities(text = read('/proc/cpuinfo')) {
  const line = text?.split('\n').find((l) => /^facilities\s*:/.test(l));
  if (!line) return undefined;
  return new Set(
    line
      .slice(line.indexOf(':') + 1)
      .trim()
      .split(/\s+/)
      .filter(Boolean)
      .map(Number),
  );
}

/** `/proc/sysinfo`'s first-level fields (`Manufacturer`, `Type`, `Model`, ...); undefined without one. */
function sysinfo(text = read('/proc/sysinfo')) {
  if (text === undefined) return undefined;
  const fields = {};
  for (const line of text.split('\n')) {
    const m = /^([A-Za-z][A-Za-z .]*?):\s+(.*)$/.exec(line);
    // The first value of a name: the machine's; later ones are of the LPAR and VM levels.
    if (m && !(m[1] in fields)) fields[m[1]] = m[2].trim().replace(/\s+/g, ' ');
  }
  return fields;
}

const facilityList = facilities();
const machine = sysinfo();

/**
 * What runs the s390 kernel: 's390-box' (this project's box, S390_BOX=1), 'hercules' (the
 * Hercules emulator, manufacturer HRC), 'hardware' (IBM Z or LinuxONE), or undefined where
 * this is not s390x.
 */
const kind =
  process.arch !== 's390x'
    ? undefined
    : process.env.S390_BOX === '1'
      ? 's390-box'
      : machine?.Manufacturer === 'HRC'
        ? 'hercules'
        : 'hardware';

/**
 * Whether facility `n` is installed: true or false from /proc/cpuinfo, undefined where the
 * kernel lists none (not s390x).
 */
function hasFacility(n) {
  return facilityList === undefined ? undefined : facilityList.has(n);
}

module.exports = { facilities, sysinfo, facilityList, machine, kind, hasFacility, emulated: kind !== 'hardware' };
