// s390x: KVM_CREATE_VM's EINVAL for a process without page-table extensions (PGSTE) comes
// back as a KvmError that says why and what to do (lib/pgste.ts); errno, code and syscall
// stay the kernel's. The real refusal: test/s390-kernel/pgste.test.js (the s390 box).
'use strict';
const assert = require('assert');
const fs = require('fs');
const os = require('os');
const path = require('path');
const kvm = require('../..');
const { explainCreateVmError, pgsteHint, readAllocatePgste } = require('../../dist/pgste');

const einval = (request = 'KVM_CREATE_VM') => new kvm.KvmError(22, 'ioctl', { request, fd: 21 });

describe('createVm on s390x without PGSTE: the hint', () => {
  it('an EINVAL from KVM_CREATE_VM (machine type 0) gets the hint; errno, code, syscall, request and fd stay', () => {
    const error = explainCreateVmError(einval(), 0, 's390x', () => 0);
    assert.ok(error instanceof kvm.KvmError);
    assert.deepStrictEqual(
      [error.errno, error.code, error.syscall, error.request, error.fd],
      [-22, 'EINVAL', 'ioctl', 'KVM_CREATE_VM', 21],
    );
    assert.strictEqual(error.hint.code, kvm.HintCodes.S390_PGSTE);
    assert.strictEqual(error.hint.code, 'KVM_TOD_S390_PGSTE');
    assert.match(error.message, /^KVM_CREATE_VM on fd 21 failed: ioctl EINVAL \(errno -22\): invalid argument\. /);
    assert.match(error.message, /Likely reason: .*page-table extensions \(PGSTE\).*vm\.allocate_pgste is 0/);
    assert.match(error.message, /Fix: as root, run sysctl -w vm\.allocate_pgste=1 .*then start node again/);
    assert.match(error.message, /launcher linked with --s390-pgste \(ELF program header PT_S390_PGSTE\)/);
  });

  it('the hint follows the sysctl: set now but not when node started, or unreadable', () => {
    const later = pgsteHint(1);
    assert.match(later.reason, /vm\.allocate_pgste is 1 now, but was 0 when this process/);
    assert.match(later.fix, /^start node again/);
    assert.doesNotMatch(later.fix, /sysctl -w vm\.allocate_pgste=1/, 'no need to set what is set');
    const unknown = pgsteHint(null);
    assert.match(unknown.reason, /could not be read \(\/proc\/sys\/vm\/allocate_pgste\)/);
    assert.match(unknown.fix, /sysctl -w vm\.allocate_pgste=1/);
    for (const hint of [pgsteHint(0), later, unknown]) assert.strictEqual(hint.code, 'KVM_TOD_S390_PGSTE');
  });

  it('no hint elsewhere: another architecture, machine type, errno or ioctl, or not a KvmError', () => {
    const cases = [
      [einval(), 0, 'x64'],
      [einval(), 1, 's390x'], // a ucontrol VM: EINVAL says the type is wrong (or not allowed)
      [new kvm.KvmError(12, 'ioctl', { request: 'KVM_CREATE_VM', fd: 3 }), 0, 's390x'],
      [einval('KVM_CREATE_VCPU'), 0, 's390x'],
      [new TypeError('bad fd'), 0, 's390x'],
    ];
    for (const [error, machineType, arch] of cases) {
      assert.strictEqual(
        explainCreateVmError(error, machineType, arch, () => 0),
        error,
        `${error.message} ${arch}`,
      );
    }
  });

  it('a KvmError built with a hint: the property, and the message ends with the reason and the fix', () => {
    const hint = { code: kvm.HintCodes.S390_PGSTE, reason: 'the reason', fix: 'the fix' };
    const error = new kvm.KvmError(-22, 'ioctl', { request: 'KVM_CREATE_VM', fd: 4, hint });
    assert.deepStrictEqual(error.hint, hint);
    assert.strictEqual(
      error.message,
      'KVM_CREATE_VM on fd 4 failed: ioctl EINVAL (errno -22): invalid argument. ' +
        'Likely reason: the reason. Fix: the fix',
    );
    assert.strictEqual(new kvm.KvmError(22, 'ioctl').hint, undefined);
    assert.ok(!('hint' in new kvm.KvmError(22, 'ioctl')), 'no hint property where there is none');
  });

  it('readAllocatePgste: the number in the file, null where there is none', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kvm-tod-pgste-'));
    try {
      for (const [text, value] of [
        ['0\n', 0],
        ['1\n', 1],
        ['x\n', null],
      ]) {
        fs.writeFileSync(path.join(dir, 'allocate_pgste'), text);
        assert.strictEqual(readAllocatePgste(path.join(dir, 'allocate_pgste')), value, JSON.stringify(text));
      }
      assert.strictEqual(readAllocatePgste(path.join(dir, 'none')), null);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
