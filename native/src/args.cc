#include "args.h"

#include <cmath>

#include "errors.h"

namespace kvmtod {

namespace {

// Accepts exactly the integers in [0, max]: NaN, infinities, fractions and
// negative zero's relatives all fail the same comparison.
bool IsIntegerIn(double d, double max) {
  return d >= 0 && d <= max && std::floor(d) == d;
}

}  // namespace

int ArgFd(const Napi::CallbackInfo& info, size_t i, const char* name) {
  Napi::Value v = info[i];
  if (!v.IsNumber()) throw InvalidArgType(info.Env(), name, "number", v);
  double d = v.As<Napi::Number>().DoubleValue();
  if (!IsIntegerIn(d, 2147483647.0)) {
    throw OutOfRange(info.Env(), name, "an integer >= 0 && <= 2147483647", v);
  }
  return static_cast<int>(d);
}

uint32_t ArgUint(const Napi::CallbackInfo& info, size_t i, const char* name, uint32_t max,
                 const char* range, uint32_t fallback) {
  Napi::Value v = info[i];
  if (v.IsUndefined()) return fallback;
  if (!v.IsNumber()) throw InvalidArgType(info.Env(), name, "number", v);
  double d = v.As<Napi::Number>().DoubleValue();
  if (!IsIntegerIn(d, static_cast<double>(max))) throw OutOfRange(info.Env(), name, range, v);
  return static_cast<uint32_t>(d);
}

uint64_t ArgU64(const Napi::CallbackInfo& info, size_t i, const char* name, uint64_t fallback) {
  Napi::Value v = info[i];
  if (v.IsUndefined()) return fallback;
  if (!v.IsBigInt()) throw InvalidArgType(info.Env(), name, "bigint", v);
  bool lossless = false;
  uint64_t value = v.As<Napi::BigInt>().Uint64Value(&lossless);
  // Node-API reports a negative or wider-than-64-bit value as lossy.
  if (!lossless) throw OutOfRange(info.Env(), name, ">= 0n && <= 2n ** 64n - 1n", v);
  return value;
}

std::string ArgPath(const Napi::CallbackInfo& info, size_t i, const char* name) {
  Napi::Value v = info[i];
  if (!v.IsString()) throw InvalidArgType(info.Env(), name, "string", v);
  std::string path = v.As<Napi::String>().Utf8Value();
  if (path.empty()) throw InvalidArgValue(info.Env(), name, "must be a non-empty path");
  if (path.find('\0') != std::string::npos) {
    throw InvalidArgValue(info.Env(), name, "must be a string without null bytes");
  }
  return path;
}

}  // namespace kvmtod
