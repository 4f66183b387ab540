// The guest's CPUID: what KVM_GET_SUPPORTED_CPUID offers, with the few per-VM facts a VMM
// must fill in. The KVM paravirtual leaves (0x40000000: "KVMKVMKVM", 0x40000001: its
// features, kvm-clock among them) are kept as KVM offers them, so the guest picks kvm-clock.

const WORDS = 7; // function, index, flags, eax, ebx, ecx, edx
const HYPERVISOR = 1 << 31; // leaf 1 ecx
const TSC_DEADLINE = 1 << 24; // leaf 1 ecx

/**
 * Leaf 1 says APIC id `apicId` and a hypervisor; the topology leaves say the same id. KVM
 * leaves the TSC-deadline timer out of what it reports as supported, since userspace must
 * ask for it separately (KVM_CAP_TSC_DEADLINE_TIMER): `tscDeadline` adds it.
 */
export function fixCpuid(supported: Uint32Array, apicId = 0, tscDeadline = false): Uint32Array {
  const out = new Uint32Array(supported);
  for (let i = 0; i < out.length; i += WORDS) {
    const fn = out[i];
    if (fn === 1) {
      out[i + 4] = (out[i + 4] & 0x0000ffff) | (1 << 16) | (apicId << 24); // one logical CPU, this APIC id
      out[i + 5] = (out[i + 5] | HYPERVISOR | (tscDeadline ? TSC_DEADLINE : 0)) >>> 0;
    } else if (fn === 0xb || fn === 0x1f) {
      out[i + 6] = apicId; // x2APIC id
    }
  }
  return out;
}

/** The entry for `fn`/`index`, as [eax, ebx, ecx, edx], or undefined. */
export function cpuidLeaf(entries: Uint32Array, fn: number, index = 0): number[] | undefined {
  for (let i = 0; i < entries.length; i += WORDS) {
    if (entries[i] === fn && entries[i + 1] === index) return Array.from(entries.subarray(i + 3, i + 7));
  }
  for (let i = 0; i < entries.length; i += WORDS) {
    if (entries[i] === fn) return Array.from(entries.subarray(i + 3, i + 7));
  }
  return undefined;
}
