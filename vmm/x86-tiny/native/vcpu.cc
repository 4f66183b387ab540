// One vCPU: its CPUID, its registers for real mode, its kvm_run page, and KVM_RUN.
#include <sys/mman.h>
#include <linux/kvm.h>

#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <memory>

#include "args.h"
#include "errors.h"
#include "ioctl.h"
#include "tiny_vmm.h"

namespace kvmtod {
namespace tinyvmm {

namespace {

void Unmap(Napi::Env, void* data, size_t* size) {
  ::munmap(data, *size);
  delete size;
}

// linux/kvm.h declares kvm_cpuid2's entries with __DECLARE_FLEX_ARRAY, which in C++
// (Debian 12's headers) wraps them in a struct holding an empty struct: sizeof becomes
// 12, not the kernel's 8, and KVM_GET_SUPPORTED_CPUID / KVM_SET_CPUID2 built from it are
// numbers the kernel does not know (EINVAL). So the header and the numbers as the kernel
// has them: nent, padding, then the entries at offset 8.
struct CpuidHeader {
  uint32_t nent;
  uint32_t padding;
};
static_assert(sizeof(CpuidHeader) == 8, "kvm_cpuid2's header is two __u32");
constexpr unsigned long kGetSupportedCpuid = _IOWR(KVMIO, 0x05, CpuidHeader);
constexpr unsigned long kSetCpuid2 = _IOW(KVMIO, 0x90, CpuidHeader);

struct Free {
  void operator()(CpuidHeader* p) const { std::free(p); }
};
using Cpuid = std::unique_ptr<CpuidHeader, Free>;

Cpuid AllocCpuid(uint32_t entries) {
  auto* p = static_cast<CpuidHeader*>(std::calloc(1, sizeof(CpuidHeader) + entries * sizeof(kvm_cpuid_entry2)));
  if (p == nullptr) throw std::bad_alloc();
  p->nent = entries;
  return Cpuid(p);
}

// The kvm_run page a caller passes back: an ArrayBuffer at least as big as the struct.
kvm_run* ArgRun(const Napi::CallbackInfo& info, size_t i, const char* name) {
  Napi::Value v = info[i];
  if (!v.IsArrayBuffer()) throw InvalidArgType(info.Env(), name, "ArrayBuffer", v);
  Napi::ArrayBuffer buffer = v.As<Napi::ArrayBuffer>();
  if (buffer.ByteLength() < sizeof(kvm_run)) {
    throw InvalidArgValue(info.Env(), name, "must be the vCPU's kvm_run mapping (mapRun)");
  }
  return static_cast<kvm_run*>(buffer.Data());
}

Napi::BigInt U64(Napi::Env env, uint64_t v) { return Napi::BigInt::New(env, v); }

}  // namespace

Napi::Value SetSupportedCpuid(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int kvm_fd = ArgFd(info, 0, "kvmFd");
  int vcpu_fd = ArgFd(info, 1, "vcpuFd");
  // The kernel answers E2BIG while the array is too small for what it supports.
  for (uint32_t entries = 64;; entries *= 2) {
    Cpuid cpuid = AllocCpuid(entries);
    long r = Ioctl(kvm_fd, kGetSupportedCpuid, cpuid.get());
    if (r < 0 && -r == E2BIG && entries < 4096) continue;
    if (r < 0) throw KvmError(env, static_cast<int>(-r), {"ioctl", "KVM_GET_SUPPORTED_CPUID", kvm_fd});
    r = Ioctl(vcpu_fd, kSetCpuid2, cpuid.get());
    if (r < 0) throw KvmError(env, static_cast<int>(-r), {"ioctl", "KVM_SET_CPUID2", vcpu_fd});
    return env.Undefined();
  }
}

Napi::Value SetRealMode(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd = ArgFd(info, 0, "vcpuFd");
  uint32_t ip = ArgUint(info, 1, "ip", 0xffffu, "an integer >= 0 && <= 65535", 0xffffffffu);
  if (ip == 0xffffffffu) throw InvalidArgType(env, "ip", "number", info[1]);
  kvm_sregs sregs{};
  long r = Ioctl(fd, KVM_GET_SREGS, &sregs);
  if (r < 0) throw KvmError(env, static_cast<int>(-r), {"ioctl", "KVM_GET_SREGS", fd});
  sregs.cs.base = 0;
  sregs.cs.selector = 0;
  r = Ioctl(fd, KVM_SET_SREGS, &sregs);
  if (r < 0) throw KvmError(env, static_cast<int>(-r), {"ioctl", "KVM_SET_SREGS", fd});
  kvm_regs regs{};
  regs.rip = ip;
  regs.rflags = 2;
  r = Ioctl(fd, KVM_SET_REGS, &regs);
  if (r < 0) throw KvmError(env, static_cast<int>(-r), {"ioctl", "KVM_SET_REGS", fd});
  return env.Undefined();
}

Napi::Value MapRun(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int kvm_fd = ArgFd(info, 0, "kvmFd");
  int vcpu_fd = ArgFd(info, 1, "vcpuFd");
  long size = Ioctl(kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
  if (size < 0) throw KvmError(env, static_cast<int>(-size), {"ioctl", "KVM_GET_VCPU_MMAP_SIZE", kvm_fd});
  void* run = ::mmap(nullptr, static_cast<size_t>(size), PROT_READ | PROT_WRITE, MAP_SHARED, vcpu_fd, 0);
  if (run == MAP_FAILED) throw KvmError(env, errno, {"mmap", nullptr, vcpu_fd});
  return Napi::ArrayBuffer::New(env, run, static_cast<size_t>(size), Unmap, new size_t(size));
}

Napi::Value Run(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd = ArgFd(info, 0, "vcpuFd");
  kvm_run* run = ArgRun(info, 1, "runBuffer");
  long r = Ioctl(fd, KVM_RUN, 0);
  if (r < 0) throw KvmError(env, static_cast<int>(-r), {"ioctl", "KVM_RUN", fd});
  kvm_regs regs{};
  r = Ioctl(fd, KVM_GET_REGS, &regs);
  if (r < 0) throw KvmError(env, static_cast<int>(-r), {"ioctl", "KVM_GET_REGS", fd});
  Napi::Object exit = Napi::Object::New(env);
  exit.Set("reason", run->exit_reason);
  if (run->exit_reason == KVM_EXIT_IO) {
    exit.Set("ioPort", run->io.port);
    exit.Set("ioDirection", run->io.direction);
    exit.Set("ioSize", run->io.size);
  } else if (run->exit_reason == KVM_EXIT_FAIL_ENTRY) {
    exit.Set("detail", U64(env, run->fail_entry.hardware_entry_failure_reason));
  } else if (run->exit_reason == KVM_EXIT_INTERNAL_ERROR) {
    exit.Set("detail", U64(env, run->internal.suberror));
  }
  exit.Set("rip", U64(env, regs.rip));
  exit.Set("rax", U64(env, regs.rax));
  exit.Set("rdx", U64(env, regs.rdx));
  return exit;
}

}  // namespace tinyvmm
}  // namespace kvmtod
