// Guest memory: anonymous pages in this process, given to the VM as one slot.
#include <sys/mman.h>
#include <linux/kvm.h>

#include <cerrno>
#include <cstdint>

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

}  // namespace

Napi::Value MapGuestMemory(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd = ArgFd(info, 0, "vmFd");
  uint32_t slot = ArgUint(info, 1, "slot", 0x7fffu, "an integer >= 0 && <= 32767", 0);
  // Real mode reaches 1 MiB; 32 bits keep the numbers exact in JavaScript.
  uint32_t guest_phys = ArgUint(info, 2, "guestPhysAddr", 0xffffffffu, "an integer >= 0 && <= 4294967295", 0);
  uint32_t size = ArgUint(info, 3, "size", 1u << 30, "an integer >= 0 && <= 1073741824", 0xffffffffu);
  if (size == 0xffffffffu) throw InvalidArgType(env, "size", "number", info[3]);
  // Populated now: a page the host faults in later would count in the guest's time (the
  // pvclock page is first written by KVM on the vCPU's first run, right after a restore).
  void* mem = ::mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
  if (mem == MAP_FAILED) throw KvmError(env, errno, {"mmap"});
  kvm_userspace_memory_region region{};
  region.slot = slot;
  region.guest_phys_addr = guest_phys;
  region.memory_size = size;
  region.userspace_addr = reinterpret_cast<uintptr_t>(mem);
  long r = Ioctl(fd, KVM_SET_USER_MEMORY_REGION, &region);
  if (r < 0) {
    ::munmap(mem, size);
    throw KvmError(env, static_cast<int>(-r), {"ioctl", "KVM_SET_USER_MEMORY_REGION", fd});
  }
  return Napi::ArrayBuffer::New(env, mem, size, Unmap, new size_t(size));
}

}  // namespace tinyvmm
}  // namespace kvmtod
