// The guest's CPU model as KVM holds it (KVM_S390_VM_CPU_MODEL, attribute
// KVM_S390_VM_CPU_PROCESSOR: struct kvm_s390_vm_cpu_processor, the cpuid, the IBC and the
// facility list STFLE gives the guest). The VMM takes facility 11 (configuration topology)
// out of it: with it offered, a Linux guest issues PTF from its topology timer, which the
// box's kvm.ko does not handle (without KVM_CAP_S390_CPU_TOPOLOGY), and dies of an operation
// exception. Pure but for the two attribute calls, so the unit tests check the bit layout.

export const KVM_S390_VM_CPU_MODEL = 3;
export const KVM_S390_VM_CPU_PROCESSOR = 0n;
/** struct kvm_s390_vm_cpu_processor: cpuid (8), ibc (2), pad (6), then fac_list[256] of u64. */
export const FAC_LIST_OFFSET = 16;
export const CPU_PROCESSOR_SIZE = FAC_LIST_OFFSET + 256 * 8;
export const FACILITY_TOPOLOGY = 11;

/** Whether facility `n` is in the processor struct's list (bit n, counted from the left). */
export function hasFacility(processor: Uint8Array, n: number): boolean {
  return (processor[FAC_LIST_OFFSET + (n >> 3)] & (0x80 >> (n & 7))) !== 0;
}

export function clearFacility(processor: Uint8Array, n: number): void {
  processor[FAC_LIST_OFFSET + (n >> 3)] &= ~(0x80 >> (n & 7)) & 0xff;
}

/** The facility numbers in the list, for the VMM's report. */
export function facilities(processor: Uint8Array): number[] {
  const out: number[] = [];
  for (let n = 0; n < 256 * 64; n++) if (hasFacility(processor, n)) out.push(n);
  return out;
}
