// The s390 TOD attribute group of the KVM UAPI, spelled out by this project.
//
// These definitions live only in the s390 <asm/kvm.h>, so an x86 build (where the
// kernel answers ENOTTY anyway) cannot include them. We define our own copies and,
// when building for s390x, check every one against the real header so that a
// kernel-header change cannot silently drift from what we marshal.
#ifndef KVM_TOD_UAPI_H_
#define KVM_TOD_UAPI_H_

#include <cstddef>
#include <cstdint>
#include <linux/kvm.h>

namespace kvmtod {

constexpr uint32_t kS390VmTod = 1;      // attribute group on the VM fd
constexpr uint64_t kS390VmTodLow = 0;   // __u64: the guest TOD clock
constexpr uint64_t kS390VmTodHigh = 1;  // __u8: the legacy extension, always 0
constexpr uint64_t kS390VmTodExt = 2;   // TodClockExt, since Linux 4.15

struct TodClockExt {
  uint8_t epoch_idx;
  uint64_t tod;
};
static_assert(sizeof(TodClockExt) == 16, "kvm_s390_vm_tod_clock is 16 bytes");
static_assert(offsetof(TodClockExt, tod) == 8, "tod sits at offset 8");
static_assert(sizeof(kvm_device_attr) == 24, "kvm_device_attr is 24 bytes");

}  // namespace kvmtod

#if defined(__s390x__)
#include <asm/kvm.h>
static_assert(kvmtod::kS390VmTod == KVM_S390_VM_TOD, "group");
static_assert(kvmtod::kS390VmTodLow == KVM_S390_VM_TOD_LOW, "LOW");
static_assert(kvmtod::kS390VmTodHigh == KVM_S390_VM_TOD_HIGH, "HIGH");
static_assert(kvmtod::kS390VmTodExt == KVM_S390_VM_TOD_EXT, "EXT");
static_assert(sizeof(kvmtod::TodClockExt) == sizeof(kvm_s390_vm_tod_clock), "size");
static_assert(offsetof(kvmtod::TodClockExt, epoch_idx) ==
                  offsetof(kvm_s390_vm_tod_clock, epoch_idx), "epoch_idx offset");
static_assert(offsetof(kvmtod::TodClockExt, tod) == offsetof(kvm_s390_vm_tod_clock, tod),
              "tod offset");
#endif

#endif  // KVM_TOD_UAPI_H_
