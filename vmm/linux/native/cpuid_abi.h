// struct kvm_cpuid2 as the kernel lays it out. The UAPI header declares its entries with
// __DECLARE_FLEX_ARRAY, whose empty struct is one byte in C++: a C++ build then sizes
// kvm_cpuid2 as 12 bytes, not 8, and _IOWR(.., struct kvm_cpuid2) is an ioctl number the
// kernel does not know (EINVAL). So the header and the ioctl numbers are spelled out here.
#ifndef KVM_TOD_LINUX_VMM_CPUID_ABI_H_
#define KVM_TOD_LINUX_VMM_CPUID_ABI_H_

#include <linux/kvm.h>

#include <cstdint>
#include <vector>

namespace linuxvmm {

struct CpuidHeader {
  uint32_t nent;
  uint32_t padding;
};
static_assert(sizeof(CpuidHeader) == 8, "struct kvm_cpuid2 without its entries is 8 bytes");
static_assert(sizeof(kvm_cpuid_entry2) == 40, "struct kvm_cpuid_entry2 is 40 bytes");

constexpr unsigned long kGetSupportedCpuid = _IOWR(KVMIO, 0x05, CpuidHeader);
constexpr unsigned long kSetCpuid2 = _IOW(KVMIO, 0x90, CpuidHeader);
static_assert(kGetSupportedCpuid == 0xc008ae05ul, "KVM_GET_SUPPORTED_CPUID as the kernel numbers it");
static_assert(kSetCpuid2 == 0x4008ae90ul, "KVM_SET_CPUID2 as the kernel numbers it");

// A kvm_cpuid2 with room for n entries, zeroed.
struct CpuidBuffer {
  explicit CpuidBuffer(uint32_t n) : bytes(sizeof(CpuidHeader) + n * sizeof(kvm_cpuid_entry2)) {
    header()->nent = n;
  }
  CpuidHeader* header() { return reinterpret_cast<CpuidHeader*>(bytes.data()); }
  kvm_cpuid_entry2* entries() { return reinterpret_cast<kvm_cpuid_entry2*>(bytes.data() + sizeof(CpuidHeader)); }
  std::vector<uint8_t> bytes;
};

}  // namespace linuxvmm

#endif  // KVM_TOD_LINUX_VMM_CPUID_ABI_H_
