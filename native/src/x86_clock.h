// x86 kvmclock: KVM_GET_CLOCK / KVM_SET_CLOCK on a VM descriptor, and
// KVM_KVMCLOCK_CTRL on a vCPU descriptor.
#ifndef KVM_TOD_X86_CLOCK_H_
#define KVM_TOD_X86_CLOCK_H_

#include <napi.h>

namespace kvmtod {

// (vmFd) -> flags; clock, realtime, host_tsc land in scratch[0..2]. A plain Node-API
// callback (hot_call.h), as is SetKvmClock: their function data is the environment's AddonData.
napi_value GetKvmClock(napi_env env, napi_callback_info info);
// (vmFd, clock, flags = 0, realtime = 0n)
napi_value SetKvmClock(napi_env env, napi_callback_info info);
// (vcpuFd)
Napi::Value KvmclockCtrl(const Napi::CallbackInfo& info);

}  // namespace kvmtod

#endif  // KVM_TOD_X86_CLOCK_H_
