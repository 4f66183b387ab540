#!/usr/bin/env node
// The hardware suite's environment record, written beside its results (as Avocado's sysinfo
// is): the backend (the kernel double, the s390 box, Hercules, or real IBM Z hardware), the
// kernel, the machine (/proc/sysinfo), the facilities (/proc/cpuinfo; 139 among them),
// vm.allocate_pgste, what the KVM offers (kvm-tod's probeHost: the TOD attributes, the
// capabilities, whether this process can create a VM), and the Node and kvm-tod versions.
//   node test/hardware/environment.js <file.json>   writes it and prints a summary
// Run with the environment of the suite (KVM_TOD_HW_BACKEND, the double preloaded for 'double').
'use strict';
const fs = require('fs');
const os = require('os');
const kvm = require('../..');
const machine = require('@kvm-tod/testkit/s390-machine');
const { backend } = require('./backend');

/** A probe check as the record keeps it: its status, and its value or errno where it has one. */
function token(check) {
  if (check.status === 'works' && check.value !== undefined) return check.value;
  return check.error ? `${check.status} (${check.error.code})` : check.status;
}

function environment() {
  const probe = backend.kind === 'double' ? onDouble(kvm.probeHost) : kvm.probeHost();
  const sysinfo = machine.machine;
  return {
    backend: backend.kind,
    backendLabel: backend.label,
    ...(backend.reason ? { backendReason: backend.reason } : {}),
    host: { arch: process.arch, kernel: os.release(), kernelVersion: os.version(), hostname: os.hostname() },
    machine: sysinfo ? { manufacturer: sysinfo.Manufacturer, type: sysinfo.Type, model: sysinfo.Model } : null,
    facilities: machine.facilityList ? [...machine.facilityList].join(' ') : null,
    facility139: machine.hasFacility(139) ?? null,
    allocatePgste: probe.allocatePgste,
    kvm: {
      device: token(probe.kvm),
      apiVersion: token(probe.apiVersion),
      vm: token(probe.vm),
      ...(probe.vm.hint ? { vmHint: probe.vm.hint.code } : {}),
      tod: Object.fromEntries(Object.entries(probe.tod).map(([k, c]) => [k, token(c)])),
      kvmclock: token(probe.kvmclock),
      capabilities: Object.fromEntries(Object.entries(probe.capabilities).map(([k, c]) => [k, token(c)])),
    },
    versions: {
      node: process.version,
      kvmTod: require('../../package.json').version,
      addon: probe.addon.value ?? token(probe.addon),
    },
    recordedAt: new Date().toISOString(),
  };
}

/** `fn()` with the s390 kernel double on (its /dev/kvm and VMs), as the suite's checks see it. */
function onDouble(fn) {
  process.env.KVM_S390_DOUBLE = '1';
  try {
    return fn();
  } finally {
    delete process.env.KVM_S390_DOUBLE;
  }
}

/** The record in a few lines, for the console. */
function summary(env) {
  const m = env.machine;
  const tod = Object.entries(env.kvm.tod)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
  const caps = Object.entries(env.kvm.capabilities)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
  return [
    `  backend            ${env.backend}: ${env.backendLabel}${env.backendReason ? ` (${env.backendReason})` : ''}`,
    `  kernel             ${os.type()} ${env.host.kernel} (${env.host.arch})`,
    `  machine            ${m ? `${m.manufacturer} ${m.type}, model ${m.model}` : 'no /proc/sysinfo'}`,
    `  facility 139       ${{ true: 'yes', false: 'no', null: 'unknown: /proc/cpuinfo lists none' }[env.facility139]}`,
    `  vm.allocate_pgste  ${env.allocatePgste ?? 'none here'}`,
    `  KVM                /dev/kvm ${env.kvm.device}, API ${env.kvm.apiVersion}, a VM ${env.kvm.vm}` +
      (env.kvm.vmHint ? ` [${env.kvm.vmHint}]` : ''),
    `  TOD attributes     ${tod}`,
    `  capabilities       ${caps}`,
    `  node, kvm-tod      ${env.versions.node}, ${env.versions.kvmTod} (addon ${env.versions.addon})`,
  ];
}

if (require.main === module) {
  const file = process.argv[2];
  const env = environment();
  if (file) fs.writeFileSync(file, `${JSON.stringify(env, null, 2)}\n`);
  console.log([`test:hardware: the environment${file ? ` (${file})` : ''}:`, ...summary(env)].join('\n'));
}

module.exports = { environment, summary };
