#include "errors.h"

#include <cstring>
#include <string>

#include "addon_data.h"

namespace kvmtod {

namespace {

void SetIf(Napi::Object obj, const char* key, const char* value) {
  if (value != nullptr) obj.Set(key, value);
}

Napi::Error WithCode(Napi::Error error, const char* code) {
  error.Value().Set("code", code);
  return error;
}

// An argument error from lib/'s factory: (kind, name, expected, received). A factory that
// fails (it threw, or a worker is being terminated) leaves its exception pending: the
// empty error throws nothing of ours, as for KvmError.
Napi::Error ArgError(Napi::Env env, const char* kind, const char* name, const char* expected,
                     napi_value received, const char* code, bool range) {
  AddonData& data = Data(env);
  if (!data.arg_error_factory.IsEmpty()) {
    napi_value argv[] = {Napi::String::New(env, kind), Napi::String::New(env, name),
                         Napi::String::New(env, expected), received};
    napi_value made;
    if (napi_call_function(env, env.Undefined(), data.arg_error_factory.Value(), 4, argv, &made) != napi_ok) {
      return Napi::Error(env, nullptr);
    }
    return Napi::Error(env, made);
  }
  std::string msg = std::string("The \"") + name + "\" argument is invalid: " + expected;
  if (range) return WithCode(Napi::RangeError::New(env, msg), code);
  return WithCode(Napi::TypeError::New(env, msg), code);
}

}  // namespace

Napi::Error KvmError(Napi::Env env, int err, const CallSite& site) {
  AddonData& data = Data(env);
  Napi::Object details = Napi::Object::New(env);
  SetIf(details, "request", site.request);
  SetIf(details, "attribute", site.attribute);
  SetIf(details, "path", site.path);
  if (site.fd >= 0) details.Set("fd", site.fd);
  if (!data.error_factory.IsEmpty()) {
    napi_value argv[] = {Napi::Number::New(env, err), Napi::String::New(env, site.syscall), details};
    napi_value made;
    // Raw call, not Function::Call: while a worker is being terminated the call fails
    // with the termination pending, and wrapping that in a Napi::Error aborts the whole
    // process. An empty error throws nothing of ours and leaves the termination pending.
    if (napi_call_function(env, env.Undefined(), data.error_factory.Value(), 3, argv, &made) != napi_ok) {
      return Napi::Error(env, nullptr);
    }
    return Napi::Error(env, made);
  }
  Napi::Error error = Napi::Error::New(env, std::string(site.syscall) + ": " + std::strerror(err));
  Napi::Object obj = error.Value();
  obj.Set("errno", -err);
  obj.Set("syscall", site.syscall);
  Napi::Array keys = details.GetPropertyNames();
  for (uint32_t i = 0; i < keys.Length(); i++) {
    Napi::Value key = keys[i];
    obj.Set(key, details.Get(key));
  }
  return error;
}

Napi::Error InvalidArgType(Napi::Env env, const char* name, const char* expected,
                           const Napi::Value& received) {
  return ArgError(env, "type", name, expected, received, "ERR_INVALID_ARG_TYPE", false);
}

Napi::Error OutOfRange(Napi::Env env, const char* name, const char* range,
                       const Napi::Value& received) {
  return ArgError(env, "range", name, range, received, "ERR_OUT_OF_RANGE", true);
}

Napi::Error InvalidArgValue(Napi::Env env, const char* name, const char* why) {
  return ArgError(env, "value", name, why, env.Undefined(), "ERR_INVALID_ARG_VALUE", false);
}

Napi::Value SetErrorFactory(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsFunction()) throw InvalidArgType(env, "factory", "function", info[0]);
  if (!info[1].IsUndefined() && !info[1].IsFunction()) {
    throw InvalidArgType(env, "argErrorFactory", "function", info[1]);
  }
  Data(env).error_factory = Napi::Persistent(info[0].As<Napi::Function>());
  if (info[1].IsFunction()) Data(env).arg_error_factory = Napi::Persistent(info[1].As<Napi::Function>());
  return env.Undefined();
}

}  // namespace kvmtod
