// The tiny x86 VMM's kernel glue: what a VMM needs beyond the kvm-tod library to run
// one real-mode vCPU. No policy and no state between calls: memory and the vCPU's
// kvm_run page are handed to JavaScript as ArrayBuffers over the mappings, unmapped
// when those buffers are collected.
#ifndef KVM_TOD_TINY_VMM_H_
#define KVM_TOD_TINY_VMM_H_

#include <napi.h>

namespace kvmtod {
namespace tinyvmm {

// (vmFd, slot, guestPhysAddr, size) -> ArrayBuffer over fresh anonymous memory,
// registered with KVM_SET_USER_MEMORY_REGION.
Napi::Value MapGuestMemory(const Napi::CallbackInfo& info);
// (kvmFd, vcpuFd): KVM_GET_SUPPORTED_CPUID, then KVM_SET_CPUID2 with what it answered.
Napi::Value SetSupportedCpuid(const Napi::CallbackInfo& info);
// (vcpuFd, ip): real mode at CS base 0, selector 0; RIP = ip, RFLAGS = 2 (reserved bit).
Napi::Value SetRealMode(const Napi::CallbackInfo& info);
// (kvmFd, vcpuFd) -> ArrayBuffer over the vCPU's kvm_run (KVM_GET_VCPU_MMAP_SIZE, mmap).
Napi::Value MapRun(const Napi::CallbackInfo& info);
// (vcpuFd, runBuffer) -> { reason, ioPort, ioDirection, ioSize, rip, rax, rdx, detail }:
// one KVM_RUN, then what the exit says and KVM_GET_REGS.
Napi::Value Run(const Napi::CallbackInfo& info);

}  // namespace tinyvmm
}  // namespace kvmtod

#endif  // KVM_TOD_TINY_VMM_H_
