// The KVM system device and the descriptors it hands out.
import { binding } from './native';
import { explainCreateVmError } from './pgste';

/**
 * Opens the KVM device read-write (close-on-exec).
 * @throws {TypeError} `path` is not a non-empty string without NUL bytes.
 * @throws {KvmError} `syscall: 'open'`, e.g. `ENOENT` (no KVM), `EACCES` (not in group kvm).
 */
export function openKvm(path = '/dev/kvm'): number {
  return binding.openKvm(path);
}

/**
 * Creates a VM (KVM_CREATE_VM) and returns its descriptor. The descriptor works only in
 * the process that created it (threads included).
 *
 * On s390x the process must have the page-table extensions (PGSTE) KVM needs: node gets
 * them only when the sysctl `vm.allocate_pgste` was 1 when it started, or when it was
 * started through a launcher linked with `--s390-pgste`. Otherwise the kernel answers
 * `EINVAL`, and the error says so: its `hint.code` is `'KVM_TOD_S390_PGSTE'`
 * ({@link HintCodes}) and its message ends with the reason and the fix.
 * @param machineType architecture-specific; 0 everywhere but for special machines.
 * @throws {TypeError|RangeError} a bad descriptor or machine type.
 * @throws {KvmError} `request: 'KVM_CREATE_VM'`: `ENOTTY` (not a KVM descriptor), `EBADF`, `ENOMEM`, `EINVAL`
 *   (on s390x with machine type 0: no PGSTE, with `hint`; else a bad machine type).
 */
export function createVm(kvmFd: number, machineType = 0): number {
  try {
    return binding.createVm(kvmFd, machineType);
  } catch (error) {
    throw explainCreateVmError(error, machineType);
  }
}

/**
 * Creates vCPU `id` (KVM_CREATE_VCPU) of a VM and returns its descriptor.
 * @throws {TypeError|RangeError} a bad descriptor or vCPU id, before any system call.
 * @throws {KvmError} `request: 'KVM_CREATE_VCPU'`: `EEXIST`, `EINVAL`, `ENOTTY`, `EBADF`.
 */
export function createVcpu(vmFd: number, id = 0): number {
  return binding.createVcpu(vmFd, id);
}

/**
 * Closes a descriptor this library opened.
 * @throws {TypeError|RangeError} a descriptor that is not an integer in 0..2^31-1
 *   (`ERR_INVALID_ARG_TYPE`, `ERR_OUT_OF_RANGE`), before any system call.
 * @throws {KvmError} `syscall: 'close'`, `EBADF` for a descriptor that is not open.
 */
export function closeFd(fd: number): void {
  binding.closeFd(fd);
}

/**
 * KVM_CHECK_EXTENSION on the KVM or a VM descriptor: 0 where the capability is
 * missing, else a positive, capability-specific answer (for KVM_CAP_ADJUST_CLOCK,
 * the supported KVM_CLOCK_* flags).
 * @throws {TypeError|RangeError} a bad descriptor or capability number, before any system call.
 * @throws {KvmError} `request: 'KVM_CHECK_EXTENSION'`: `ENOTTY` (not KVM), `EBADF`.
 */
export function checkExtension(fd: number, capability: number): number {
  return binding.checkExtension(fd, capability);
}

/**
 * KVM_GET_API_VERSION: 12 on every kernel since 2.6.22.
 * @throws {TypeError|RangeError} a descriptor that is not an integer in 0..2^31-1
 *   (`ERR_INVALID_ARG_TYPE`, `ERR_OUT_OF_RANGE`), before any system call.
 * @throws {KvmError} `request: 'KVM_GET_API_VERSION'`: `ENOTTY`, `EBADF`.
 */
export function getApiVersion(kvmFd: number): number {
  return binding.getApiVersion(kvmFd);
}
