// s390x: who may create a VM. KVM_CREATE_VM needs a process whose page tables carry the
// extensions KVM keeps guest state in (PGSTE), else it answers EINVAL. The kernel gives a
// new process (fork or exec) those extensions when the sysctl vm.allocate_pgste is 1 at that
// moment, when its executable carries the ELF program header PT_S390_PGSTE (`ld
// --s390-pgste`; QEMU is linked so, node is not), or when its parent had them. So on a
// stock host (the sysctl 0) a node started from a shell cannot create a VM, and nothing in
// the errno says why: this file turns that EINVAL into an error that does.
import * as fs from 'fs';
import { HintCodes, KvmError, KvmErrorHint } from './errors';

/** The sysctl, as a file. */
export const ALLOCATE_PGSTE_PATH = '/proc/sys/vm/allocate_pgste';

/**
 * `vm.allocate_pgste` as this host has it now: 0 or 1; `null` where it cannot be read (not
 * s390x, or a kernel without it).
 */
export function readAllocatePgste(file = ALLOCATE_PGSTE_PATH): number | null {
  try {
    const value = Number.parseInt(fs.readFileSync(file, 'utf8').trim(), 10);
    return Number.isInteger(value) ? value : null;
  } catch {
    return null;
  }
}

const FIX_LAUNCHER =
  'or start node through a launcher linked with --s390-pgste (ELF program header PT_S390_PGSTE), as QEMU is';

/** The hint for a process without PGSTE, told by what the sysctl says now. */
export function pgsteHint(allocatePgste: number | null): KvmErrorHint {
  const missing = 'this process has no page-table extensions (PGSTE), which KVM on s390x needs';
  if (allocatePgste === 1) {
    return {
      code: HintCodes.S390_PGSTE,
      reason: `${missing}: vm.allocate_pgste is 1 now, but was 0 when this process (or its parent) started`,
      fix: `start node again: a process started now gets them; ${FIX_LAUNCHER}`,
    };
  }
  return {
    code: HintCodes.S390_PGSTE,
    reason:
      allocatePgste === 0
        ? `${missing}: vm.allocate_pgste is 0`
        : `${missing}; vm.allocate_pgste could not be read (${ALLOCATE_PGSTE_PATH})`,
    fix:
      'as root, run sysctl -w vm.allocate_pgste=1 (to keep it across boots, put vm.allocate_pgste=1 in a file ' +
      `in /etc/sysctl.d/), then start node again; ${FIX_LAUNCHER}`,
  };
}

/**
 * createVm's error as the caller should see it: on s390x, an `EINVAL` from `KVM_CREATE_VM`
 * with machine type 0 is a missing PGSTE (the kernel's only other `EINVAL` there is a bad
 * machine type), so it comes back with the hint; anything else comes back as it is.
 */
export function explainCreateVmError(
  error: unknown,
  machineType: number,
  arch: string = process.arch,
  allocatePgste: () => number | null = readAllocatePgste,
): unknown {
  if (
    arch !== 's390x' ||
    machineType !== 0 ||
    !(error instanceof KvmError) ||
    error.code !== 'EINVAL' ||
    error.request !== 'KVM_CREATE_VM' ||
    error.hint !== undefined
  ) {
    return error;
  }
  return new KvmError(error.errno, error.syscall, {
    request: error.request,
    fd: error.fd,
    hint: pgsteHint(allocatePgste()),
  });
}
