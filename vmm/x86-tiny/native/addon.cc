// Module init of the tiny VMM's addon (a native target of its own beside kvm_tod):
// its functions, the exit reasons it reports, and the same error factory as the
// library's, so its failures are KvmErrors too.
#include <napi.h>
#include <linux/kvm.h>

#include "addon_data.h"
#include "errors.h"
#include "tiny_vmm.h"

namespace kvmtod {
namespace tinyvmm {

namespace {

Napi::Object Constants(Napi::Env env) {
  Napi::Object c = Napi::Object::New(env);
  c.Set("KVM_EXIT_IO", KVM_EXIT_IO);
  c.Set("KVM_EXIT_IO_OUT", KVM_EXIT_IO_OUT);
  c.Set("KVM_EXIT_HLT", KVM_EXIT_HLT);
  c.Set("KVM_EXIT_SHUTDOWN", KVM_EXIT_SHUTDOWN);
  c.Set("KVM_EXIT_FAIL_ENTRY", KVM_EXIT_FAIL_ENTRY);
  c.Set("KVM_EXIT_INTERNAL_ERROR", KVM_EXIT_INTERNAL_ERROR);
  return c;
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  // errors.cc keeps the factory in the per-environment AddonData, as in kvm_tod.
  env.SetInstanceData(new AddonData());
  exports.Set("constants", Constants(env));
  exports.Set("setErrorFactory", Napi::Function::New(env, SetErrorFactory, "setErrorFactory"));
  struct { const char* name; Napi::Function::Callback fn; } functions[] = {
      {"mapGuestMemory", MapGuestMemory}, {"setSupportedCpuid", SetSupportedCpuid},
      {"setRealMode", SetRealMode},       {"mapRun", MapRun},
      {"run", Run},
  };
  for (const auto& f : functions) exports.Set(f.name, Napi::Function::New(env, f.fn, f.name));
  return exports;
}

}  // namespace

}  // namespace tinyvmm
}  // namespace kvmtod

static Napi::Object InitTinyVmm(Napi::Env env, Napi::Object exports) {
  return kvmtod::tinyvmm::Init(env, exports);
}

NODE_API_MODULE(tiny_vmm, InitTinyVmm)
