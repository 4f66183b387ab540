// Enough of QEMU's migration stream to find one device's section by name and replace its
// data (facts from QEMU's migration/savevm.c; docs/qemu-judge.md):
//   the file:   be32 QEMU_VM_FILE_MAGIC "QEVM", be32 QEMU_VM_FILE_VERSION 3, then sections;
//   a section:  byte QEMU_VM_SECTION_FULL (0x04) or _START (0x01), be32 section id,
//               byte idstr length, the idstr, be32 instance id, be32 version id,
//               then the device's own bytes (not length-prefixed),
//               then the footer: byte QEMU_VM_SECTION_FOOTER (0x7e), be32 the same section id.
// Since the device's bytes carry no length, a section is found by its header and then
// proved by its footer at the end of the length its format gives: a match anywhere else
// (the idstr inside guest RAM, or in the JSON description at the end of the stream) has
// no such header and footer around it.
'use strict';

const FILE_MAGIC = 0x5145564d; // "QEVM"
const FILE_VERSION = 3;
const SECTION_START = 0x01;
const SECTION_FULL = 0x04;
const SECTION_FOOTER = 0x7e;

/**
 * The section of device `idstr` in `stream`: its header fields, and where its data starts
 * and ends. `dataLength(bytes)` says how long the data starting at `bytes[0]` is, by the
 * device's own format. Throws, saying why, unless exactly one section of that name is found
 * with its footer where the length puts it.
 */
function findSection(stream, idstr, dataLength) {
  if (stream.length < 8 || stream.readUInt32BE(0) !== FILE_MAGIC) {
    throw new Error(`not a QEMU migration stream: it starts ${stream.subarray(0, 8).toString('hex')}, not "QEVM"`);
  }
  if (stream.readUInt32BE(4) !== FILE_VERSION) {
    throw new Error(`QEMU migration stream version ${stream.readUInt32BE(4)}, not ${FILE_VERSION}`);
  }
  const name = Buffer.from(idstr, 'latin1');
  const found = [];
  for (let at = stream.indexOf(name); at >= 0; at = stream.indexOf(name, at + 1)) {
    const header = at - 6; // type, be32 section id, length byte
    if (header < 8 || stream[at - 1] !== name.length) continue;
    const type = stream[header];
    if (type !== SECTION_FULL && type !== SECTION_START) continue;
    const sectionId = stream.readUInt32BE(header + 1);
    const instanceId = stream.readUInt32BE(at + name.length);
    const versionId = stream.readUInt32BE(at + name.length + 4);
    const dataStart = at + name.length + 8;
    const dataEnd = dataStart + dataLength(stream.subarray(dataStart));
    const footerOk =
      dataEnd + 5 <= stream.length &&
      stream[dataEnd] === SECTION_FOOTER &&
      stream.readUInt32BE(dataEnd + 1) === sectionId;
    if (footerOk) found.push({ type, sectionId, instanceId, versionId, headerStart: header, dataStart, dataEnd });
  }
  if (found.length !== 1) {
    throw new Error(`${found.length} "${idstr}" sections with a header and a footer in the stream, not one`);
  }
  const section = found[0];
  return { ...section, data: stream.subarray(section.dataStart, section.dataEnd) };
}

/** `stream` with `section`'s data replaced by `data` (the header and footer kept). */
function spliceSection(stream, section, data) {
  return Buffer.concat([stream.subarray(0, section.dataStart), data, stream.subarray(section.dataEnd)]);
}

/** The length of a todclock v1 section's data, from its flag byte: 1 for "missing", else 10. */
const todclockLength = (bytes) => (bytes[0] === 0x00 ? 1 : 10);

module.exports = { findSection, spliceSection, todclockLength, SECTION_FULL, SECTION_START };
