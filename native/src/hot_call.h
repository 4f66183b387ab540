// The calls a VMM makes on every stop and cont (getTod, setTod, getKvmClock,
// setKvmClock) cost little more than the ioctl itself only if the Node-API calls around
// it are few: a node-addon-api function reads six argument slots, and each argument
// check (ArgFd, ArgU64) asks Node-API for the type and then for the value. A HotCall is
// a plain Node-API callback's arguments read with one napi_get_cb_info for all of them
// (N slots), the addon's data passed with the function (no instance-data lookup), and
// one napi_get_value_* per argument. Whatever such a read does not accept as it is goes
// to the checked reader of args.h, which throws the same error as before (or, should
// it accept it after all, gives its value): the fast read changes no answer, only the
// cost of the common one.
#ifndef KVM_TOD_HOT_CALL_H_
#define KVM_TOD_HOT_CALL_H_

#include <napi.h>

#include <cstdint>

#include "addon_data.h"
#include "args.h"
#include "call_block.h"
#include "errors.h"

namespace kvmtod {

template <size_t N>
class HotCall {
 public:
  // Should Node-API fail to read the arguments, there are none, and the checked readers
  // (which read them again) throw. HotCall<0> reads only how many there are.
  HotCall(napi_env env, napi_callback_info info) : env_(env), info_(info) {
    if (napi_get_cb_info(env, info, &argc_, N > 0 ? argv_ : nullptr, nullptr, &data_) != napi_ok || data_ == nullptr) {
      argc_ = 0;
      read_ = false;
    }
  }

  // The block's descriptor and argument (call_block.h), when the caller passed exactly
  // `argc` arguments and lib/ armed the block for this call. An armed block is disarmed
  // by any call that looks, so it never outlives the call it was armed for.
  bool Armed(size_t argc, uint32_t argMax, int* fd, uint32_t* arg) const {
    return read_ && TakeArmedCall(Data().scratch, argMax, fd, arg) && argc_ == argc;
  }

  // How many arguments the caller passed.
  size_t Length() const { return argc_; }
  // The addon's per-environment data, registered with the function (addon.cc).
  AddonData& Data() const { return *static_cast<AddonData*>(data_); }

  // ArgFd: a number that is an integer in 0..2^31-1. False: the error is pending.
  bool Fd(size_t i, const char* name, int* out) {
    double d;
    if (i < argc_ && napi_get_value_double(env_, argv_[i], &d) == napi_ok && IsIntegerUpTo(d, 2147483647.0)) {
      *out = static_cast<int>(d);
      return true;
    }
    return Checked([&](const Napi::CallbackInfo& info) { *out = ArgFd(info, i, name); });
  }

  // ArgUint: an integer in 0..max, `fallback` when the argument is undefined.
  bool Uint(size_t i, const char* name, uint32_t max, const char* range, uint32_t fallback, uint32_t* out) {
    double d;
    if (i >= argc_) {
      *out = fallback;
      return true;
    }
    if (napi_get_value_double(env_, argv_[i], &d) == napi_ok && IsIntegerUpTo(d, max)) {
      *out = static_cast<uint32_t>(d);
      return true;
    }
    return Checked([&](const Napi::CallbackInfo& info) { *out = ArgUint(info, i, name, max, range, fallback); });
  }

  // ArgU64: a bigint in 0..2^64-1, `fallback` when the argument is undefined.
  bool U64(size_t i, const char* name, uint64_t fallback, uint64_t* out) {
    if (i >= argc_) {
      *out = fallback;
      return true;
    }
    bool lossless = false;
    if (napi_get_value_bigint_uint64(env_, argv_[i], out, &lossless) == napi_ok && lossless) return true;
    return Checked([&](const Napi::CallbackInfo& info) { *out = ArgU64(info, i, name, fallback); });
  }

  // A required argument: as Uint and U64, but undefined (or missing) is ERR_INVALID_ARG_TYPE.
  bool RequiredUint(size_t i, const char* name, uint32_t max, const char* range, uint32_t* out) {
    double d;
    if (i < argc_ && napi_get_value_double(env_, argv_[i], &d) == napi_ok && IsIntegerUpTo(d, max)) {
      *out = static_cast<uint32_t>(d);
      return true;
    }
    return Checked([&](const Napi::CallbackInfo& info) {
      if (info[i].IsUndefined()) throw InvalidArgType(info.Env(), name, "number", info[i]);
      *out = ArgUint(info, i, name, max, range, 0);
    });
  }

  bool RequiredU64(size_t i, const char* name, uint64_t* out) {
    bool lossless = false;
    if (i < argc_ && napi_get_value_bigint_uint64(env_, argv_[i], out, &lossless) == napi_ok && lossless) return true;
    return Checked([&](const Napi::CallbackInfo& info) {
      if (info[i].IsUndefined()) throw InvalidArgType(info.Env(), name, "bigint", info[i]);
      *out = ArgU64(info, i, name, 0);
    });
  }

  // Runs `f(info)` as node-addon-api runs a function, for the checked readers and for
  // building an error: a thrown Napi::Error becomes the pending JavaScript exception.
  // True when nothing was thrown.
  template <typename F>
  bool Checked(F f) {
    try {
      Napi::CallbackInfo info(env_, info_);
      f(info);
      return true;
    } catch (const Napi::Error& e) {
      e.ThrowAsJavaScriptException();
      return false;
    }
  }

  // Throws `make()` (a Napi::Error, e.g. a KvmError) as the JavaScript exception.
  template <typename F>
  napi_value Throw(F make) {
    Checked([&](const Napi::CallbackInfo&) { throw make(); });
    return nullptr;
  }

  Napi::Env Env() const { return Napi::Env(env_); }

 private:
  // An integer in 0..max (max < 2^32), as args.cc's check, without std::floor (which
  // x86-64's baseline instruction set does with several instructions): NaN and the
  // infinities fail the range, and a fraction does not survive the round trip.
  static bool IsIntegerUpTo(double d, double max) {
    return d >= 0 && d <= max && static_cast<double>(static_cast<int64_t>(d)) == d;
  }

  napi_env env_;
  napi_callback_info info_;
  size_t argc_ = N;
  napi_value argv_[N > 0 ? N : 1];
  void* data_ = nullptr;
  bool read_ = true;
};

}  // namespace kvmtod

#endif  // KVM_TOD_HOT_CALL_H_
