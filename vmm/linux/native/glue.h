// The Linux VMM's native glue (vmm/linux/): the KVM ioctls a VMM that boots Linux needs
// beyond what the library exposes. It marshals and calls the kernel, nothing more: the
// boot layout, the devices and the run loop live in vmm/linux/*.ts. Errors are the
// library's (native/src/errors.cc, compiled in), so a failure reads like any KvmError.
#ifndef KVM_TOD_LINUX_VMM_GLUE_H_
#define KVM_TOD_LINUX_VMM_GLUE_H_

#include <napi.h>

namespace linuxvmm {

// Argument i as a Uint32Array, else ERR_INVALID_ARG_TYPE naming it (vcpu.cc; the CPUID
// entries and the MSR indices are both passed so).
Napi::Uint32Array ArgUint32Array(const Napi::CallbackInfo& info, size_t i, const char* name);

// vm.cc: the VM and its memory.
Napi::Value SetTssAddr(const Napi::CallbackInfo& info);
Napi::Value SetIdentityMapAddr(const Napi::CallbackInfo& info);
Napi::Value CreateIrqchip(const Napi::CallbackInfo& info);
Napi::Value CreatePit2(const Napi::CallbackInfo& info);
Napi::Value MapMemory(const Napi::CallbackInfo& info);
Napi::Value IrqLine(const Napi::CallbackInfo& info);
Napi::Value GetSupportedCpuid(const Napi::CallbackInfo& info);

// vcpu.cc: one vCPU's state.
Napi::Value SetCpuid(const Napi::CallbackInfo& info);
Napi::Value GetSregs(const Napi::CallbackInfo& info);
Napi::Value SetSregs(const Napi::CallbackInfo& info);
Napi::Value GetRegs(const Napi::CallbackInfo& info);
Napi::Value SetRegs(const Napi::CallbackInfo& info);
Napi::Value SetFpu(const Napi::CallbackInfo& info);
Napi::Value GetLapic(const Napi::CallbackInfo& info);
Napi::Value SetLapic(const Napi::CallbackInfo& info);

// state.cc: a vCPU's and a VM's state as raw structs, for moving a guest to another VM.
Napi::Value GetState(const Napi::CallbackInfo& info);
Napi::Value SetState(const Napi::CallbackInfo& info);
Napi::Value GetMsrIndexList(const Napi::CallbackInfo& info);
Napi::Value GetMsrs(const Napi::CallbackInfo& info);
Napi::Value SetMsrs(const Napi::CallbackInfo& info);

// run.cc: KVM_RUN and the kick that gets a vCPU thread out of it.
Napi::Value MapRun(const Napi::CallbackInfo& info);
Napi::Value Run(const Napi::CallbackInfo& info);
Napi::Value PrepareVcpuThread(const Napi::CallbackInfo& info);
Napi::Value Kick(const Napi::CallbackInfo& info);
Napi::Object RunLayout(Napi::Env env);

}  // namespace linuxvmm

#endif  // KVM_TOD_LINUX_VMM_GLUE_H_
