// s390x: KVM_CREATE_VM needs a process with page-table extensions (PGSTE), which the s390
// box's /init gives every command by setting vm.allocate_pgste. Only the box can show the
// refusal (it is root and knows its process tree).
'use strict';
const assert = require('assert');
const fs = require('fs');
const { itBox, withVm } = require('@kvm-tod/testkit/s390-kvm');

describe('s390 kvm.ko: who may create a VM (PGSTE)', () => {
  itBox(
    'KVM_CREATE_VM before vm.allocate_pgste is set: KvmError EINVAL; after it, a VM',
    withVm(() => {
      // A process inherits its parent's page-table extensions, so no process of this test
      // can be without them: the box's /init tried createVm before it set the knob, and kept
      // the answer (boxes/s390-box/init).
      const before = JSON.parse(fs.readFileSync('/box/create-vm-before-pgste.json', 'utf8'));
      assert.deepStrictEqual(before, { name: 'KvmError', code: 'EINVAL', errno: -22, request: 'KVM_CREATE_VM' });
      assert.strictEqual(fs.readFileSync('/proc/sys/vm/allocate_pgste', 'utf8').trim(), '1');
    }),
  );
});
