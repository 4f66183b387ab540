// The KVM system device and the descriptors it hands out: open /dev/kvm, ask it
// for a VM, ask what it supports, close what we opened.
#ifndef KVM_TOD_KVM_H_
#define KVM_TOD_KVM_H_

#include <napi.h>

namespace kvmtod {

Napi::Value OpenKvm(const Napi::CallbackInfo& info);         // (path) -> fd
Napi::Value CreateVm(const Napi::CallbackInfo& info);        // (kvmFd, machineType) -> vmFd
Napi::Value CreateVcpu(const Napi::CallbackInfo& info);      // (vmFd, id) -> vcpuFd
Napi::Value CloseFd(const Napi::CallbackInfo& info);         // (fd)
Napi::Value CheckExtension(const Napi::CallbackInfo& info);  // (fd, capability) -> int
Napi::Value GetApiVersion(const Napi::CallbackInfo& info);   // (kvmFd) -> int

}  // namespace kvmtod

#endif  // KVM_TOD_KVM_H_
