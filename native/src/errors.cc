#include "errors.h"

#include <cmath>
#include <cstdio>
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

// What was passed, as Node's own argument errors describe it.
std::string Describe(const Napi::Value& v) {
  char buf[64];
  switch (v.Type()) {
    case napi_number: {
      double d = v.As<Napi::Number>().DoubleValue();
      std::snprintf(buf, sizeof buf, "%.17g", d);
      return std::string("type number (") + buf + ")";
    }
    case napi_bigint: return "type bigint";
    case napi_string: return "type string";
    case napi_boolean: return v.As<Napi::Boolean>().Value() ? "type boolean (true)" : "type boolean (false)";
    case napi_undefined: return "undefined";
    case napi_null: return "null";
    case napi_symbol: return "type symbol";
    case napi_function: return "type function";
    default: return "an instance of Object";
  }
}

// The value itself, for range errors: "Received 1.5", "Received -1n".
std::string Show(const Napi::Value& v) {
  if (v.IsBigInt()) return v.ToString().Utf8Value() + "n";
  if (v.IsNumber()) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.17g", v.As<Napi::Number>().DoubleValue());
    return buf;
  }
  return Describe(v);
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
  std::string msg = std::string("The \"") + name + "\" argument must be of type " + expected +
                    ". Received " + Describe(received);
  return WithCode(Napi::TypeError::New(env, msg), "ERR_INVALID_ARG_TYPE");
}

Napi::Error OutOfRange(Napi::Env env, const char* name, const char* range,
                       const Napi::Value& received) {
  std::string msg = std::string("The value of \"") + name + "\" is out of range. It must be " +
                    range + ". Received " + Show(received);
  return WithCode(Napi::RangeError::New(env, msg), "ERR_OUT_OF_RANGE");
}

Napi::Error InvalidArgValue(Napi::Env env, const char* name, const char* why) {
  std::string msg = std::string("The argument '") + name + "' " + why;
  return WithCode(Napi::TypeError::New(env, msg), "ERR_INVALID_ARG_VALUE");
}

Napi::Value SetErrorFactory(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsFunction()) throw InvalidArgType(env, "factory", "function", info[0]);
  Data(env).error_factory = Napi::Persistent(info[0].As<Napi::Function>());
  return env.Undefined();
}

}  // namespace kvmtod
