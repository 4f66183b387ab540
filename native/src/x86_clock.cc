#include "x86_clock.h"

#include <linux/kvm.h>

#include "addon_data.h"
#include "args.h"
#include "errors.h"
#include "hot_call.h"
#include "ioctl.h"
#include "read_instant.h"

namespace kvmtod {

napi_value GetKvmClock(napi_env env, napi_callback_info cbinfo) {
  HotCall<1> call(env, cbinfo);
  int fd;
  if (!call.Fd(0, "vmFd", &fd)) return nullptr;
  kvm_clock_data data{};
  long r = Ioctl(fd, KVM_GET_CLOCK, &data);
  if (r < 0) return call.Throw([&] { return KvmError(call.Env(), static_cast<int>(-r), {"ioctl", "KVM_GET_CLOCK", fd}); });
  uint64_t* out = call.Data().scratch;
  TakeReadInstantIfAsked(out);
  out[0] = data.clock;
  out[1] = data.realtime;
  out[2] = data.host_tsc;
  napi_value flags;
  if (napi_create_uint32(env, data.flags, &flags) != napi_ok) return nullptr;
  return flags;
}

napi_value SetKvmClock(napi_env env, napi_callback_info cbinfo) {
  HotCall<4> call(env, cbinfo);
  int fd;
  if (!call.Fd(0, "vmFd", &fd)) return nullptr;
  uint64_t clock;
  uint32_t flags;
  uint64_t realtime;
  if (!call.RequiredU64(1, "clock", &clock) ||
      !call.Uint(2, "flags", 0xffffffffu, "an integer >= 0 && <= 4294967295", 0, &flags) ||
      !call.U64(3, "realtime", 0, &realtime)) {
    return nullptr;
  }
  kvm_clock_data data{};
  data.clock = clock;
  data.flags = flags;
  data.realtime = realtime;
  long r = Ioctl(fd, KVM_SET_CLOCK, &data);
  if (r < 0) return call.Throw([&] { return KvmError(call.Env(), static_cast<int>(-r), {"ioctl", "KVM_SET_CLOCK", fd}); });
  return nullptr;
}

Napi::Value KvmclockCtrl(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd = ArgFd(info, 0, "vcpuFd");
  long r = Ioctl(fd, KVM_KVMCLOCK_CTRL, 0);
  if (r < 0) throw KvmError(env, static_cast<int>(-r), {"ioctl", "KVM_KVMCLOCK_CTRL", fd});
  return env.Undefined();
}

}  // namespace kvmtod
