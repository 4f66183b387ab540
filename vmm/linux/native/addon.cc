// The Linux VMM's addon (vmm/linux/, not part of the library): its own module, with the
// library's error and argument helpers compiled in so that failures look the same.
#include <napi.h>

#include "addon_data.h"
#include "errors.h"
#include "glue.h"

namespace linuxvmm {

namespace {

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  env.SetInstanceData(new kvmtod::AddonData());  // the error factory lives there
  exports.Set("setErrorFactory", Napi::Function::New(env, kvmtod::SetErrorFactory, "setErrorFactory"));
  exports.Set("runLayout", RunLayout(env));
  struct { const char* name; Napi::Function::Callback fn; } functions[] = {
      {"setTssAddr", SetTssAddr},     {"setIdentityMapAddr", SetIdentityMapAddr},
      {"createIrqchip", CreateIrqchip}, {"createPit2", CreatePit2},
      {"mapMemory", MapMemory},       {"irqLine", IrqLine},
      {"getSupportedCpuid", GetSupportedCpuid}, {"setCpuid", SetCpuid},
      {"getSregs", GetSregs},         {"setSregs", SetSregs},
      {"getRegs", GetRegs},           {"setRegs", SetRegs},
      {"setFpu", SetFpu},             {"getLapic", GetLapic},
      {"setLapic", SetLapic},         {"mapRun", MapRun},
      {"run", Run},                   {"prepareVcpuThread", PrepareVcpuThread},
      {"kick", Kick},
      {"getState", GetState},         {"setState", SetState},
      {"getMsrIndexList", GetMsrIndexList}, {"getMsrs", GetMsrs},
      {"setMsrs", SetMsrs},
  };
  for (const auto& f : functions) exports.Set(f.name, Napi::Function::New(env, f.fn, f.name));
  return exports;
}

}  // namespace

}  // namespace linuxvmm

static Napi::Object InitLinuxVmm(Napi::Env env, Napi::Object exports) { return linuxvmm::Init(env, exports); }

NODE_API_MODULE(linux_vmm, InitLinuxVmm)
