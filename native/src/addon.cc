// Module init: one function per kernel operation, the scratch words, and the
// constants lib/ needs. Everything per-environment (see addon_data.h).
#include <napi.h>
#include <linux/kvm.h>

#include "addon_data.h"
#include "errors.h"
#include "kvm.h"
#include "s390_tod.h"
#include "uapi.h"
#include "x86_clock.h"

namespace kvmtod {

namespace {

Napi::Object Constants(Napi::Env env) {
  Napi::Object c = Napi::Object::New(env);
  c.Set("KVM_CAP_ADJUST_CLOCK", KVM_CAP_ADJUST_CLOCK);
  c.Set("KVM_CAP_KVMCLOCK_CTRL", KVM_CAP_KVMCLOCK_CTRL);
  c.Set("KVM_CAP_VM_ATTRIBUTES", KVM_CAP_VM_ATTRIBUTES);
  c.Set("KVM_CAP_S390_PROTECTED", KVM_CAP_S390_PROTECTED);
  c.Set("KVM_CLOCK_TSC_STABLE", KVM_CLOCK_TSC_STABLE);
  c.Set("KVM_CLOCK_REALTIME", KVM_CLOCK_REALTIME);
  c.Set("KVM_CLOCK_HOST_TSC", KVM_CLOCK_HOST_TSC);
  c.Set("KVM_S390_VM_TOD", kS390VmTod);
  c.Set("KVM_S390_VM_TOD_LOW", static_cast<double>(kS390VmTodLow));
  c.Set("KVM_S390_VM_TOD_HIGH", static_cast<double>(kS390VmTodHigh));
  c.Set("KVM_S390_VM_TOD_EXT", static_cast<double>(kS390VmTodExt));
  return c;
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  AddonData* data = new AddonData();
  env.SetInstanceData(data);  // deleted by Node-API when this environment ends
  Napi::ArrayBuffer buffer = Napi::ArrayBuffer::New(env, AddonData::kScratchWords * 8);
  data->scratch = static_cast<uint64_t*>(buffer.Data());
  data->scratch_buffer = Napi::Persistent(buffer);

  exports.Set("scratch", buffer);
  exports.Set("constants", Constants(env));
  exports.Set("setErrorFactory", Napi::Function::New(env, SetErrorFactory, "setErrorFactory"));
  struct { const char* name; Napi::Function::Callback fn; } functions[] = {
      {"openKvm", OpenKvm},           {"createVm", CreateVm},
      {"createVcpu", CreateVcpu},     {"closeFd", CloseFd},
      {"checkExtension", CheckExtension}, {"getApiVersion", GetApiVersion},
      {"hasTodAttribute", HasTodAttribute}, {"probeTodExtension", ProbeTodExtension},
      {"kvmclockCtrl", KvmclockCtrl},
  };
  for (const auto& f : functions) exports.Set(f.name, Napi::Function::New(env, f.fn, f.name));
  // The calls of every stop and cont: plain Node-API callbacks (hot_call.h), with this
  // environment's data passed along so that they need no instance-data lookup.
  struct { const char* name; napi_callback fn; } hot[] = {
      {"getTod", GetTod},             {"setTod", SetTod},
      {"getKvmClock", GetKvmClock},   {"setKvmClock", SetKvmClock},
  };
  for (const auto& f : hot) {
    napi_value fn;
    NAPI_THROW_IF_FAILED(env, napi_create_function(env, f.name, NAPI_AUTO_LENGTH, f.fn, data, &fn), exports);
    exports.Set(f.name, Napi::Value(env, fn));
  }
  return exports;
}

}  // namespace

}  // namespace kvmtod

static Napi::Object InitKvmTod(Napi::Env env, Napi::Object exports) {
  return kvmtod::Init(env, exports);
}

NODE_API_MODULE(kvm_tod, InitKvmTod)
