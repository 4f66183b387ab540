// The s390 Linux VMM's addon (vmm/s390-linux/, not part of the library), cross-compiled for
// s390x by scripts/build-native.sh.
#include <napi.h>

#include "glue.h"

namespace s390vmm {

Napi::Object Failure(Napi::Env env, long error, const char* request) {
  Napi::Object out = Napi::Object::New(env);
  out.Set("error", Napi::Number::New(env, static_cast<double>(error)));
  out.Set("request", Napi::String::New(env, request));
  return out;
}

namespace {

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("runLayout", RunLayout(env));
  struct {
    const char* name;
    Napi::Function::Callback fn;
  } functions[] = {
      {"mapMemory", MapMemory},     {"viewMemory", ViewMemory},   {"interrupt", Interrupt},
      {"deviceAttr", DeviceAttr},   {"createDevice", CreateDevice}, {"storageKeys", StorageKeys},
      {"reset", Reset},             {"setInitialPsw", SetInitialPsw}, {"getOneReg", GetOneReg},
      {"setOneReg", SetOneReg},     {"getState", GetState},       {"setState", SetState},
      {"mapRun", MapRun},           {"run", Run},                 {"prepareVcpuThread", PrepareVcpuThread},
      {"kick", Kick},
  };
  for (const auto& f : functions) exports.Set(f.name, Napi::Function::New(env, f.fn, f.name));
  return exports;
}

}  // namespace

}  // namespace s390vmm

static Napi::Object InitS390Vmm(Napi::Env env, Napi::Object exports) { return s390vmm::Init(env, exports); }

NODE_API_MODULE(s390_linux, InitS390Vmm)
