#include "x86_clock.h"

#include <linux/kvm.h>

#include "addon_data.h"
#include "args.h"
#include "errors.h"
#include "ioctl.h"

namespace kvmtod {

Napi::Value GetKvmClock(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd = ArgFd(info, 0, "vmFd");
  kvm_clock_data data{};
  long r = Ioctl(fd, KVM_GET_CLOCK, &data);
  if (r < 0) throw KvmError(env, static_cast<int>(-r), {"ioctl", "KVM_GET_CLOCK", fd});
  uint64_t* out = Data(env).scratch;
  out[0] = data.clock;
  out[1] = data.realtime;
  out[2] = data.host_tsc;
  return Napi::Number::New(env, data.flags);
}

Napi::Value SetKvmClock(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd = ArgFd(info, 0, "vmFd");
  if (info[1].IsUndefined()) throw InvalidArgType(env, "clock", "bigint", info[1]);
  kvm_clock_data data{};
  data.clock = ArgU64(info, 1, "clock", 0);
  data.flags = ArgUint(info, 2, "flags", 0xffffffffu, "an integer >= 0 && <= 4294967295", 0);
  data.realtime = ArgU64(info, 3, "realtime", 0);
  long r = Ioctl(fd, KVM_SET_CLOCK, &data);
  if (r < 0) throw KvmError(env, static_cast<int>(-r), {"ioctl", "KVM_SET_CLOCK", fd});
  return env.Undefined();
}

Napi::Value KvmclockCtrl(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd = ArgFd(info, 0, "vcpuFd");
  long r = Ioctl(fd, KVM_KVMCLOCK_CTRL, 0);
  if (r < 0) throw KvmError(env, static_cast<int>(-r), {"ioctl", "KVM_KVMCLOCK_CTRL", fd});
  return env.Undefined();
}

}  // namespace kvmtod
