#include "x86_clock.h"

#include <linux/kvm.h>

#include "addon_data.h"
#include "args.h"
#include "errors.h"
#include "hot_call.h"
#include "call_block.h"
#include "ioctl.h"
#include "read_instant.h"

namespace kvmtod {

namespace {

// The read behind GetKvmClock, on a checked descriptor: the flags; clock, realtime and
// host TSC in out[0..2]. False: the error is pending.
template <typename Call>
bool ReadClock(Call& call, int fd, uint64_t* out, uint32_t* flags) {
  kvm_clock_data data{};
  long r = Ioctl(fd, KVM_GET_CLOCK, &data);
  if (r < 0) {
    call.Throw([&] { return KvmError(call.Env(), static_cast<int>(-r), {"ioctl", "KVM_GET_CLOCK", fd}); });
    return false;
  }
  TakeReadInstantIfAsked(out);
  out[0] = data.clock;
  out[1] = data.realtime;
  out[2] = data.host_tsc;
  *flags = data.flags;
  return true;
}

// The write behind SetKvmClock, on checked arguments (the error, if any, is left pending).
template <typename Call>
void WriteClock(Call& call, int fd, uint64_t clock, uint32_t flags, uint64_t realtime) {
  kvm_clock_data data{};
  data.clock = clock;
  data.flags = flags;
  data.realtime = realtime;
  long r = Ioctl(fd, KVM_SET_CLOCK, &data);
  if (r < 0) call.Throw([&] { return KvmError(call.Env(), static_cast<int>(-r), {"ioctl", "KVM_SET_CLOCK", fd}); });
}

}  // namespace

napi_value GetKvmClock(napi_env env, napi_callback_info cbinfo) {
  int fd;
  uint32_t unused;
  uint32_t flags;
  HotCall<0> armed(env, cbinfo);
  if (armed.Armed(0, 0, &fd, &unused)) {
    uint64_t* out = armed.Data().scratch;
    if (ReadClock(armed, fd, out, &flags)) PutCallResult(out, flags);
    return nullptr;
  }
  HotCall<1> call(env, cbinfo);
  if (!call.Fd(0, "vmFd", &fd) || !ReadClock(call, fd, call.Data().scratch, &flags)) return nullptr;
  napi_value result;
  if (napi_create_uint32(env, flags, &result) != napi_ok) return nullptr;
  return result;
}

napi_value SetKvmClock(napi_env env, napi_callback_info cbinfo) {
  int fd;
  uint64_t clock;
  uint32_t flags;
  uint64_t realtime;
  {
    // lib/'s call without options: the descriptor in the block, the clock as its argument.
    HotCall<1> armed(env, cbinfo);
    uint32_t unused;
    if (armed.Armed(1, 0, &fd, &unused)) {
      if (armed.RequiredU64(0, "clock", &clock)) WriteClock(armed, fd, clock, 0, 0);
      return nullptr;
    }
  }
  HotCall<4> call(env, cbinfo);
  if (!call.Fd(0, "vmFd", &fd) || !call.RequiredU64(1, "clock", &clock) ||
      !call.Uint(2, "flags", 0xffffffffu, "an integer >= 0 && <= 4294967295", 0, &flags) ||
      !call.U64(3, "realtime", 0, &realtime)) {
    return nullptr;
  }
  WriteClock(call, fd, clock, flags, realtime);
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
