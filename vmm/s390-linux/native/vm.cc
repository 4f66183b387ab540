// VM-wide ioctls: guest memory, floating interrupts (the SCLP's service signal), device
// attributes (the CPU model) and devices, storage keys.
#include <sys/mman.h>
#include <linux/kvm.h>

#include <cstring>
#include <string>

#include "glue.h"

namespace s390vmm {

namespace {

constexpr uint64_t kSegment = 1 << 20;  // s390 KVM wants memory slots in whole MiB, MiB-aligned

struct Mapping {
  void* base;
  size_t length;
};

}  // namespace

// mapMemory(vmFd, slot, size): `size` bytes (whole MiB) of anonymous memory, MiB-aligned,
// as slot `slot` at guest absolute address 0. {buffer, address} or {error, request}; the
// mapping goes when the buffer is collected, so the VMM keeps it as long as the VM lives.
Napi::Value MapMemory(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int vm_fd = ArgInt(info, 0);
  uint32_t slot = ArgU32(info, 1);
  uint64_t size = static_cast<uint64_t>(info[2].As<Napi::Number>().DoubleValue());
  if (size == 0 || size % kSegment != 0) return Failure(env, -EINVAL, "mmap");
  size_t length = size + kSegment;  // room to align the start to a MiB
  void* base = mmap(nullptr, length, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (base == MAP_FAILED) return Failure(env, -errno, "mmap");
  auto* mem = reinterpret_cast<uint8_t*>((reinterpret_cast<uintptr_t>(base) + kSegment - 1) & ~(kSegment - 1));

  kvm_userspace_memory_region region{};
  region.slot = slot;
  region.guest_phys_addr = 0;
  region.memory_size = size;
  region.userspace_addr = reinterpret_cast<uintptr_t>(mem);
  long r = Ioctl(vm_fd, KVM_SET_USER_MEMORY_REGION, &region);
  if (r < 0) {
    munmap(base, length);
    return Failure(env, r, "KVM_SET_USER_MEMORY_REGION");
  }
  Napi::Object out = Napi::Object::New(env);
  out.Set("buffer", Napi::ArrayBuffer::New(
                        env, mem, size,
                        [](Napi::Env, void*, Mapping* m) {
                          munmap(m->base, m->length);
                          delete m;
                        },
                        new Mapping{base, length}));
  out.Set("address", Napi::BigInt::New(env, static_cast<uint64_t>(reinterpret_cast<uintptr_t>(mem))));
  return out;
}

// viewMemory(address, size): another thread's view of memory mapMemory made (the vCPU's
// worker reads and writes SCCBs through it). It owns nothing: the main thread's buffer
// keeps the mapping, and outlives the worker.
Napi::Value ViewMemory(const Napi::CallbackInfo& info) {
  auto* mem = reinterpret_cast<void*>(static_cast<uintptr_t>(ArgU64(info, 0)));
  size_t size = static_cast<size_t>(info[1].As<Napi::Number>().DoubleValue());
  return Napi::ArrayBuffer::New(info.Env(), mem, size);
}

// interrupt(fd, type, parm, parm64): KVM_S390_INTERRUPT on a VM (a floating interrupt, such
// as the service signal) or a vCPU (a local one, such as a program interruption); 0 or -errno.
Napi::Value Interrupt(const Napi::CallbackInfo& info) {
  kvm_s390_interrupt irq{};
  irq.type = ArgU32(info, 1);
  irq.parm = ArgU32(info, 2);
  irq.parm64 = ArgU64(info, 3);
  return Napi::Number::New(info.Env(), static_cast<double>(Ioctl(ArgInt(info, 0), KVM_S390_INTERRUPT, &irq)));
}

// deviceAttr(fd, op, group, attr, data): KVM_{GET,SET,HAS}_DEVICE_ATTR with `data` (a
// Uint8Array, or none for HAS) as the buffer; 0 or -errno. The CPU model and the FLIC's
// interrupt list go through it.
Napi::Value DeviceAttr(const Napi::CallbackInfo& info) {
  int fd = ArgInt(info, 0);
  std::string op = info[1].As<Napi::String>();
  kvm_device_attr attr{};
  attr.group = ArgU32(info, 2);
  attr.attr = ArgU64(info, 3);
  if (info[4].IsTypedArray()) {
    Napi::Uint8Array data = info[4].As<Napi::Uint8Array>();
    attr.addr = reinterpret_cast<uintptr_t>(data.Data());
  }
  unsigned long request = op == "get" ? KVM_GET_DEVICE_ATTR : op == "set" ? KVM_SET_DEVICE_ATTR : KVM_HAS_DEVICE_ATTR;
  return Napi::Number::New(info.Env(), static_cast<double>(Ioctl(fd, request, &attr)));
}

// createDevice(vmFd, type): KVM_CREATE_DEVICE; the device's descriptor or {error, request}.
Napi::Value CreateDevice(const Napi::CallbackInfo& info) {
  kvm_create_device device{};
  device.type = ArgU32(info, 1);
  long r = Ioctl(ArgInt(info, 0), KVM_CREATE_DEVICE, &device);
  if (r < 0) return Failure(info.Env(), r, "KVM_CREATE_DEVICE");
  return Napi::Number::New(info.Env(), device.fd);
}

// storageKeys(vmFd, op, startGfn, keys): KVM_S390_{GET,SET}_SKEYS for keys.length pages
// from startGfn; the ioctl's answer (KVM_S390_GET_SKEYS_NONE when the guest never used
// storage keys) or -errno.
Napi::Value StorageKeys(const Napi::CallbackInfo& info) {
  int fd = ArgInt(info, 0);
  std::string op = info[1].As<Napi::String>();
  Napi::Uint8Array keys = info[3].As<Napi::Uint8Array>();
  kvm_s390_skeys args{};
  args.start_gfn = static_cast<uint64_t>(info[2].As<Napi::Number>().DoubleValue());
  args.count = keys.ElementLength();
  args.skeydata_addr = reinterpret_cast<uintptr_t>(keys.Data());
  long r = Ioctl(fd, op == "get" ? KVM_S390_GET_SKEYS : KVM_S390_SET_SKEYS, &args);
  return Napi::Number::New(info.Env(), static_cast<double>(r));
}

}  // namespace s390vmm
