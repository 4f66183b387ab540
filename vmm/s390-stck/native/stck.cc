// The native half of the s390 STCK guest (see src/index.ts): a vCPU in a VM made by kvm-tod,
// one MiB of guest memory with a four-instruction program, and KVM_RUN. It only talks
// to the kernel: every failure comes back as {error: -errno, request} for index.ts to
// turn into a KvmError.
#include <napi.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <string>
#include <linux/kvm.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

namespace {

constexpr uint64_t kMemSize = 1 << 20;  // s390 KVM wants memory slots in whole MiB
constexpr uint64_t kCodeAt = 0x10000;   // above the 8 KiB lowcore (prefix 0)
constexpr uint64_t kTodAt = 0x10100;    // where STCK stores the guest's TOD
// The guest, at kCodeAt (64-bit mode, DAT off, no interrupts):
//   larl  %r1, kTodAt        c0 10 00000080  (offset in halfwords: 0x100 / 2)
//   loop: stck 0(%r1)        b2 05 1000
//   diag  0, 0, 0x501        83 00 0501      (not handled in the kernel: an exit to us)
//   j     loop               a7 f4 fffc      (-4 halfwords)
constexpr uint8_t kProgram[] = {0xc0, 0x10, 0x00, 0x00, 0x00, 0x80, 0xb2, 0x05, 0x10, 0x00,
                                0x83, 0x00, 0x05, 0x01, 0xa7, 0xf4, 0xff, 0xfc};
constexpr uint64_t kPswMask = 0x0000000180000000ull;  // EA + BA: 64-bit addressing

struct Guest {
  int vcpu_fd = -1;
  void* mem_base = MAP_FAILED;  // the 2 MiB mapping, of which the aligned MiB is the guest's
  uint8_t* mem = nullptr;
  kvm_run* run = static_cast<kvm_run*>(MAP_FAILED);
  size_t run_size = 0;
};

long Ioctl(int fd, unsigned long request, void* arg) {
  long r;
  do {
    r = ioctl(fd, request, arg);
  } while (r < 0 && errno == EINTR);
  return r < 0 ? -errno : r;
}

Napi::Object Failure(Napi::Env env, long error, const char* request) {
  Napi::Object out = Napi::Object::New(env);
  out.Set("error", Napi::Number::New(env, static_cast<double>(error)));
  out.Set("request", Napi::String::New(env, request));
  return out;
}

void Release(Guest* g) {
  if (g->run != MAP_FAILED) munmap(g->run, g->run_size);
  if (g->vcpu_fd >= 0) close(g->vcpu_fd);
  if (g->mem_base != MAP_FAILED) munmap(g->mem_base, 2 * kMemSize);
  g->run = static_cast<kvm_run*>(MAP_FAILED);
  g->vcpu_fd = -1;
  g->mem_base = MAP_FAILED;
}

// create(kvmFd, vmFd): {guest} or {error, request}.
Napi::Value Create(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int kvm_fd = info[0].As<Napi::Number>().Int32Value();
  int vm_fd = info[1].As<Napi::Number>().Int32Value();
  auto* g = new Guest();
  auto fail = [&](long error, const char* request) {
    Release(g);
    delete g;
    return Failure(env, error, request);
  };
  g->mem_base = mmap(nullptr, 2 * kMemSize, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (g->mem_base == MAP_FAILED) return fail(-errno, "mmap");
  g->mem = reinterpret_cast<uint8_t*>((reinterpret_cast<uintptr_t>(g->mem_base) + kMemSize - 1) & ~(kMemSize - 1));
  std::memcpy(g->mem + kCodeAt, kProgram, sizeof kProgram);

  kvm_userspace_memory_region region{};
  region.slot = 0;
  region.guest_phys_addr = 0;
  region.memory_size = kMemSize;
  region.userspace_addr = reinterpret_cast<uintptr_t>(g->mem);
  long r = Ioctl(vm_fd, KVM_SET_USER_MEMORY_REGION, &region);
  if (r < 0) return fail(r, "KVM_SET_USER_MEMORY_REGION");

  r = Ioctl(vm_fd, KVM_CREATE_VCPU, reinterpret_cast<void*>(0));
  if (r < 0) return fail(r, "KVM_CREATE_VCPU");
  g->vcpu_fd = static_cast<int>(r);

  r = Ioctl(kvm_fd, KVM_GET_VCPU_MMAP_SIZE, nullptr);
  if (r < 0) return fail(r, "KVM_GET_VCPU_MMAP_SIZE");
  g->run_size = static_cast<size_t>(r);
  g->run = static_cast<kvm_run*>(mmap(nullptr, g->run_size, PROT_READ | PROT_WRITE, MAP_SHARED, g->vcpu_fd, 0));
  if (g->run == MAP_FAILED) return fail(-errno, "mmap kvm_run");

  kvm_s390_psw psw{kPswMask, kCodeAt};
  r = Ioctl(g->vcpu_fd, KVM_S390_SET_INITIAL_PSW, &psw);
  if (r < 0) return fail(r, "KVM_S390_SET_INITIAL_PSW");

  Napi::Object out = Napi::Object::New(env);
  out.Set("guest", Napi::External<Guest>::New(env, g, [](Napi::Env, Guest* guest) {
            Release(guest);
            delete guest;
          }));
  out.Set("vcpuFd", Napi::Number::New(env, g->vcpu_fd));
  return out;
}

// run(guest): KVM_RUN once; {exitReason, icptcode, ipa, ipb, pswAddr, tod} or {error, request}.
Napi::Value Run(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Guest* g = info[0].As<Napi::External<Guest>>().Data();
  if (g->vcpu_fd < 0) return Failure(env, -EBADF, "KVM_RUN");
  std::memset(g->mem + kTodAt, 0, 8);
  long r = Ioctl(g->vcpu_fd, KVM_RUN, nullptr);
  if (r < 0) return Failure(env, r, "KVM_RUN");
  uint64_t tod = 0;
  for (int i = 0; i < 8; i++) tod = (tod << 8) | g->mem[kTodAt + i];  // guest memory is big-endian
  Napi::Object out = Napi::Object::New(env);
  out.Set("exitReason", Napi::Number::New(env, g->run->exit_reason));
  out.Set("icptcode", Napi::Number::New(env, g->run->s390_sieic.icptcode));
  out.Set("ipa", Napi::Number::New(env, g->run->s390_sieic.ipa));
  out.Set("ipb", Napi::Number::New(env, g->run->s390_sieic.ipb));
  out.Set("pswAddr", Napi::BigInt::New(env, static_cast<uint64_t>(g->run->psw_addr)));
  out.Set("tod", Napi::BigInt::New(env, tod));
  return out;
}

// close(guest): the vCPU, kvm_run and the guest memory go now rather than at GC.
Napi::Value Close(const Napi::CallbackInfo& info) {
  Release(info[0].As<Napi::External<Guest>>().Data());
  return info.Env().Undefined();
}

// deviceAttr(vmFd, op, group, attr, data): the raw KVM_{GET,SET,HAS}_DEVICE_ATTR with
// `data` as the buffer (or none for HAS); 0 or -errno. For checks the library never
// makes on its own (SET HIGH alone, HAS of an attribute).
Napi::Value DeviceAttr(const Napi::CallbackInfo& info) {
  int vm_fd = info[0].As<Napi::Number>().Int32Value();
  std::string op = info[1].As<Napi::String>();
  kvm_device_attr attr{};
  attr.group = info[2].As<Napi::Number>().Uint32Value();
  attr.attr = info[3].As<Napi::Number>().Uint32Value();
  if (info[4].IsTypedArray()) attr.addr = reinterpret_cast<uintptr_t>(info[4].As<Napi::Uint8Array>().Data());
  unsigned long request = op == "get" ? KVM_GET_DEVICE_ATTR : op == "set" ? KVM_SET_DEVICE_ATTR : KVM_HAS_DEVICE_ATTR;
  return Napi::Number::New(info.Env(), static_cast<double>(Ioctl(vm_fd, request, &attr)));
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("create", Napi::Function::New(env, Create));
  exports.Set("run", Napi::Function::New(env, Run));
  exports.Set("close", Napi::Function::New(env, Close));
  exports.Set("deviceAttr", Napi::Function::New(env, DeviceAttr));
  exports.Set("exitS390Sieic", Napi::Number::New(env, KVM_EXIT_S390_SIEIC));
  return exports;
}

}  // namespace

NODE_API_MODULE(s390_stck, Init)
