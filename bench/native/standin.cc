// The stand-in addon's one file of its own: the library's addon is linked in whole from
// kvm-tod's sources (require('kvm-tod/native-glue').addon_target, built with the same
// flags as the library's binding.gyp), with `-Wl,--wrap=ioctl`, so that each of its
// ioctl() calls lands here instead of in the kernel. Everything else is the library's:
// its argument checks, its scratch words, its EINTR loop, its errors. The bench loads it
// through KVM_TOD_ADDON in a phase of its own, so the library's cost around the system
// call is measured exactly, with the system call taken out.
//
// The answers are what a host answers, at once and without touching any descriptor:
// KVM_GET_CLOCK with TSC_STABLE | REALTIME | HOST_TSC (so getKvmClock builds all four
// properties), the s390 TOD of the extended attribute (LOW and HIGH too), success for
// every SET, KVMCLOCK_CTRL and HAS; ENOTTY for anything else, so that nothing here ever
// makes or closes a descriptor.
#include <cerrno>
#include <cstdarg>
#include <cstdint>
#include <linux/kvm.h>

#include "uapi.h"

namespace {

using kvmtod::kS390VmTod;
using kvmtod::kS390VmTodExt;
using kvmtod::kS390VmTodHigh;
using kvmtod::kS390VmTodLow;
using kvmtod::TodClockExt;

constexpr uint32_t kClockFlags = KVM_CLOCK_TSC_STABLE | KVM_CLOCK_REALTIME | KVM_CLOCK_HOST_TSC;

// Values that move between reads and are as wide as a host's: a guest up for ~20 days,
// a 2026 wall clock, a TSC, a 2026 TOD.
uint64_t g_ticks = 0;
volatile uint64_t g_sink;

int TodAttr(unsigned long request, const kvm_device_attr* a) {
  if (a->group != kS390VmTod || a->attr > kS390VmTodExt) {
    errno = ENXIO;
    return -1;
  }
  void* addr = reinterpret_cast<void*>(static_cast<uintptr_t>(a->addr));
  if (request == KVM_HAS_DEVICE_ATTR) return 0;
  if (request == KVM_SET_DEVICE_ATTR) {
    if (a->attr == kS390VmTodExt) g_sink = static_cast<const TodClockExt*>(addr)->tod;
    if (a->attr == kS390VmTodLow) g_sink = *static_cast<const uint64_t*>(addr);
    return 0;
  }
  uint64_t tod = 0xe3a2f3302d705da5ull + (g_ticks += 4096);
  if (a->attr == kS390VmTodExt) {
    TodClockExt* ext = static_cast<TodClockExt*>(addr);
    ext->epoch_idx = 0;
    ext->tod = tod;
  } else if (a->attr == kS390VmTodLow) {
    *static_cast<uint64_t*>(addr) = tod;
  } else if (a->attr == kS390VmTodHigh) {
    *static_cast<uint8_t*>(addr) = 0;
  }
  return 0;
}

}  // namespace

extern "C" __attribute__((visibility("hidden"))) int __wrap_ioctl(int fd, unsigned long request, ...) {
  (void)fd;
  va_list ap;
  va_start(ap, request);
  void* arg = va_arg(ap, void*);
  va_end(ap);
  switch (request) {
    case KVM_GET_CLOCK: {
      kvm_clock_data* d = static_cast<kvm_clock_data*>(arg);
      g_ticks += 1000;
      d->clock = 1728000000000000ull + g_ticks;
      d->flags = kClockFlags;
      d->realtime = 1796400000000000000ull + g_ticks;
      d->host_tsc = 5184000000000000000ull + 3 * g_ticks;
      return 0;
    }
    case KVM_SET_CLOCK:
      g_sink = static_cast<const kvm_clock_data*>(arg)->clock;
      return 0;
    case KVM_GET_DEVICE_ATTR:
    case KVM_SET_DEVICE_ATTR:
    case KVM_HAS_DEVICE_ATTR:
      return TodAttr(request, static_cast<const kvm_device_attr*>(arg));
    case KVM_KVMCLOCK_CTRL:
      return 0;
    default:
      errno = ENOTTY;
      return -1;
  }
}
