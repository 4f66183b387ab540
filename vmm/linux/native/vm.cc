// VM-wide ioctls: the x86 housekeeping areas, the in-kernel interrupt controllers and PIT,
// guest memory, interrupt lines, and the CPUID KVM supports.
#include <sys/mman.h>
#include <linux/kvm.h>

#include <vector>

#include "args.h"
#include "errors.h"
#include "ioctl.h"
#include "cpuid_abi.h"
#include "glue.h"

namespace linuxvmm {

using kvmtod::ArgFd;
using kvmtod::ArgUint;
using kvmtod::CallSite;
using kvmtod::Ioctl;
using kvmtod::KvmError;

namespace {

constexpr const char* kU32 = "an integer >= 0 && <= 4294967295";

double ArgNumber(const Napi::CallbackInfo& info, size_t i, const char* name) {
  if (!info[i].IsNumber()) throw kvmtod::InvalidArgType(info.Env(), name, "number", info[i]);
  double d = info[i].As<Napi::Number>().DoubleValue();
  if (!(d >= 0 && d <= 9007199254740991.0) || d != static_cast<double>(static_cast<uint64_t>(d))) {
    throw kvmtod::OutOfRange(info.Env(), name, "an integer >= 0 && <= 2^53-1", info[i]);
  }
  return d;
}

Napi::Value Simple(const Napi::CallbackInfo& info, unsigned long request, const char* name,
                   unsigned long arg) {
  int fd = ArgFd(info, 0, "vmFd");
  long r = Ioctl(fd, request, arg);
  if (r < 0) throw KvmError(info.Env(), static_cast<int>(-r), {"ioctl", name, fd});
  return Napi::Number::New(info.Env(), static_cast<double>(r));
}

}  // namespace

Napi::Value SetTssAddr(const Napi::CallbackInfo& info) {
  ArgFd(info, 0, "vmFd");
  return Simple(info, KVM_SET_TSS_ADDR, "KVM_SET_TSS_ADDR", ArgUint(info, 1, "address", 0xffffffffu, kU32, 0));
}

Napi::Value SetIdentityMapAddr(const Napi::CallbackInfo& info) {
  int fd = ArgFd(info, 0, "vmFd");
  uint64_t address = ArgUint(info, 1, "address", 0xffffffffu, kU32, 0);
  long r = Ioctl(fd, KVM_SET_IDENTITY_MAP_ADDR, &address);
  if (r < 0) throw KvmError(info.Env(), static_cast<int>(-r), {"ioctl", "KVM_SET_IDENTITY_MAP_ADDR", fd});
  return info.Env().Undefined();
}

Napi::Value CreateIrqchip(const Napi::CallbackInfo& info) {
  return Simple(info, KVM_CREATE_IRQCHIP, "KVM_CREATE_IRQCHIP", 0);
}

Napi::Value CreatePit2(const Napi::CallbackInfo& info) {
  int fd = ArgFd(info, 0, "vmFd");
  kvm_pit_config config{};
  config.flags = ArgUint(info, 1, "flags", 0xffffffffu, kU32, 0);
  long r = Ioctl(fd, KVM_CREATE_PIT2, &config);
  if (r < 0) throw KvmError(info.Env(), static_cast<int>(-r), {"ioctl", "KVM_CREATE_PIT2", fd});
  return info.Env().Undefined();
}

// mapMemory(vmFd, slot, guestPhysical, size): anonymous memory as the slot's backing, handed
// to JS as an ArrayBuffer. It is unmapped when that buffer is collected, so the VMM keeps it
// for as long as the VM lives.
Napi::Value MapMemory(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd = ArgFd(info, 0, "vmFd");
  uint32_t slot = ArgUint(info, 1, "slot", 0xffffu, "an integer >= 0 && <= 65535", 0);
  uint64_t gpa = static_cast<uint64_t>(ArgNumber(info, 2, "guestPhysical"));
  size_t size = static_cast<size_t>(ArgNumber(info, 3, "size"));
  if (size == 0 || size % 4096 != 0 || gpa % 4096 != 0) {
    throw kvmtod::InvalidArgValue(env, "size", "guestPhysical and size must be non-zero multiples of 4096");
  }
  void* host = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (host == MAP_FAILED) throw KvmError(env, errno, {"mmap"});
  kvm_userspace_memory_region region{};
  region.slot = slot;
  region.guest_phys_addr = gpa;
  region.memory_size = size;
  region.userspace_addr = reinterpret_cast<uint64_t>(host);
  long r = Ioctl(fd, KVM_SET_USER_MEMORY_REGION, &region);
  if (r < 0) {
    munmap(host, size);
    throw KvmError(env, static_cast<int>(-r), {"ioctl", "KVM_SET_USER_MEMORY_REGION", fd});
  }
  return Napi::ArrayBuffer::New(env, host, size, [](Napi::Env, void* data, size_t* length) {
    munmap(data, *length);
    delete length;
  }, new size_t(size));
}

// irqLine(vmFd, irq, level): drives an input of the in-kernel PIC and IOAPIC.
Napi::Value IrqLine(const Napi::CallbackInfo& info) {
  int fd = ArgFd(info, 0, "vmFd");
  kvm_irq_level level{};
  level.irq = ArgUint(info, 1, "irq", 23, "an integer >= 0 && <= 23", 0);
  level.level = ArgUint(info, 2, "level", 1, "0 or 1", 0);
  long r = Ioctl(fd, KVM_IRQ_LINE, &level);
  if (r < 0) throw KvmError(info.Env(), static_cast<int>(-r), {"ioctl", "KVM_IRQ_LINE", fd});
  return info.Env().Undefined();
}

// getSupportedCpuid(kvmFd): a Uint32Array of 7 words per entry:
// function, index, flags, eax, ebx, ecx, edx.
Napi::Value GetSupportedCpuid(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd = ArgFd(info, 0, "kvmFd");
  for (uint32_t n = 64;; n *= 2) {
    CpuidBuffer cpuid(n);
    long r = Ioctl(fd, kGetSupportedCpuid, cpuid.bytes.data());
    if (r == -E2BIG && n < 4096) continue;
    if (r < 0) throw KvmError(env, static_cast<int>(-r), {"ioctl", "KVM_GET_SUPPORTED_CPUID", fd});
    uint32_t nent = cpuid.header()->nent;
    Napi::Uint32Array out = Napi::Uint32Array::New(env, nent * 7);
    for (uint32_t i = 0; i < nent; i++) {
      const kvm_cpuid_entry2& e = cpuid.entries()[i];
      uint32_t words[7] = {e.function, e.index, e.flags, e.eax, e.ebx, e.ecx, e.edx};
      for (int w = 0; w < 7; w++) out[i * 7 + w] = words[w];
    }
    return out;
  }
}

}  // namespace linuxvmm
