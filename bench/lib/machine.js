// What the numbers were measured on, printed with them.
'use strict';
const fs = require('fs');
const os = require('os');

function cpuinfo() {
  try {
    return fs.readFileSync('/proc/cpuinfo', 'utf8');
  } catch {
    return '';
  }
}

function machine() {
  const info = cpuinfo();
  const model = (info.match(/^model name\s*:\s*(.+)$/m) ||
    info.match(/^(?:cpu model|Processor|machine)\s*:\s*(.+)$/m) ||
    [])[1];
  const flags = (info.match(/^flags\s*:\s*(.+)$/m) || [])[1] || '';
  return {
    cpuModel: (model || (os.cpus()[0] && os.cpus()[0].model) || 'unknown').trim(),
    cores: os.cpus().length,
    hypervisorGuest: /\bhypervisor\b/.test(flags),
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    kernel: `${os.type()} ${os.release()}`,
    kernelVersion: os.version(),
    arch: process.arch,
    endianness: os.endianness(),
    node: process.version,
    v8: process.versions.v8,
    napi: process.versions.napi,
    loadAverage: os.loadavg().map((l) => Math.round(l * 100) / 100),
  };
}

module.exports = { machine };
