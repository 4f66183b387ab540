// The s390 Linux VMM's native glue (vmm/s390-linux/): the KVM ioctls an s390 VMM that boots
// Linux needs beyond what the library exposes. It marshals and calls the kernel, nothing
// more: the boot layout, the SCLP, the intercepts and the run loop live in src/*.ts. A
// failure comes back as {error: -errno, request} (or a bare -errno where the caller only
// needs the number) for src/native.ts to turn into the library's KvmError, so this file
// needs nothing of the library's C++.
#ifndef KVM_TOD_S390_LINUX_GLUE_H_
#define KVM_TOD_S390_LINUX_GLUE_H_

#include <napi.h>

#include <cerrno>
#include <cstdint>
#include <sys/ioctl.h>

namespace s390vmm {

// ioctl, retried on EINTR (never KVM_RUN: there EINTR is the kick), as -errno on failure.
inline long Ioctl(int fd, unsigned long request, void* arg) {
  long r;
  do {
    r = ioctl(fd, request, arg);
  } while (r < 0 && errno == EINTR);
  return r < 0 ? -errno : r;
}

// {error: -errno, request}: what src/native.ts turns into a KvmError.
Napi::Object Failure(Napi::Env env, long error, const char* request);

inline int ArgInt(const Napi::CallbackInfo& info, size_t i) { return info[i].As<Napi::Number>().Int32Value(); }
inline uint32_t ArgU32(const Napi::CallbackInfo& info, size_t i) { return info[i].As<Napi::Number>().Uint32Value(); }
inline uint64_t ArgU64(const Napi::CallbackInfo& info, size_t i) {
  bool lossless;
  return info[i].As<Napi::BigInt>().Uint64Value(&lossless);
}

// vm.cc: guest memory, floating interrupts, device attributes, devices.
Napi::Value MapMemory(const Napi::CallbackInfo& info);
Napi::Value ViewMemory(const Napi::CallbackInfo& info);
Napi::Value Interrupt(const Napi::CallbackInfo& info);
Napi::Value DeviceAttr(const Napi::CallbackInfo& info);
Napi::Value CreateDevice(const Napi::CallbackInfo& info);
Napi::Value StorageKeys(const Napi::CallbackInfo& info);

// vcpu.cc: one vCPU's reset, PSW and state.
Napi::Value Reset(const Napi::CallbackInfo& info);
Napi::Value SetInitialPsw(const Napi::CallbackInfo& info);
Napi::Value GetOneReg(const Napi::CallbackInfo& info);
Napi::Value SetOneReg(const Napi::CallbackInfo& info);
Napi::Value GetState(const Napi::CallbackInfo& info);
Napi::Value SetState(const Napi::CallbackInfo& info);

// run.cc: KVM_RUN, the kick that gets a vCPU thread out of it, kvm_run's layout.
Napi::Value MapRun(const Napi::CallbackInfo& info);
Napi::Value Run(const Napi::CallbackInfo& info);
Napi::Value PrepareVcpuThread(const Napi::CallbackInfo& info);
Napi::Value Kick(const Napi::CallbackInfo& info);
Napi::Object RunLayout(Napi::Env env);

}  // namespace s390vmm

#endif  // KVM_TOD_S390_LINUX_GLUE_H_
