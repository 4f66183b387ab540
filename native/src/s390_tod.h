// The s390 TOD clock attribute group (KVM_S390_VM_TOD) on a VM descriptor.
#ifndef KVM_TOD_S390_TOD_H_
#define KVM_TOD_S390_TOD_H_

#include <napi.h>

namespace kvmtod {

// (vmFd) -> epoch index; the 64-bit TOD lands in scratch[0]. A plain Node-API callback
// (hot_call.h), as is SetTod: their function data is the environment's AddonData.
napi_value GetTod(napi_env env, napi_callback_info info);
// (vmFd, high, low)
napi_value SetTod(napi_env env, napi_callback_info info);
// (vmFd, attr) -> boolean, from KVM_HAS_DEVICE_ATTR
Napi::Value HasTodAttribute(const Napi::CallbackInfo& info);
// (vmFd) -> boolean: does GET of the extended attribute work?
Napi::Value ProbeTodExtension(const Napi::CallbackInfo& info);

}  // namespace kvmtod

#endif  // KVM_TOD_S390_TOD_H_
