// errno -> a JavaScript KvmError. The addon never decides what an errno means;
// it reports which call failed, on what, and hands the rest to lib/errors.ts.
#ifndef KVM_TOD_ERRORS_H_
#define KVM_TOD_ERRORS_H_

#include <napi.h>

namespace kvmtod {

// Where a failed system call happened. Null fields are left out of the error.
struct CallSite {
  const char* syscall;            // "ioctl", "open", "close"
  const char* request = nullptr;  // the ioctl's name, e.g. "KVM_GET_DEVICE_ATTR"
  int fd = -1;
  const char* attribute = nullptr;  // e.g. "KVM_S390_VM_TOD_EXT"
  const char* path = nullptr;
};

// Builds the error for `err` (a positive errno) at `site`. lib/ registers a
// factory that makes a KvmError; without one (raw binding) a plain Error with
// the same properties is made, so no caller ever gets less information.
Napi::Error KvmError(Napi::Env env, int err, const CallSite& site);

// Node's ERR_INVALID_ARG_TYPE / ERR_OUT_OF_RANGE / ERR_INVALID_ARG_VALUE. The addon says
// which argument, what it wants and what it got; lib/arg-errors.ts words the message
// (the factory lib/ registers). Without one (raw binding) the error has the code and a
// short message naming the argument.
Napi::Error InvalidArgType(Napi::Env env, const char* name, const char* expected,
                           const Napi::Value& received);
Napi::Error OutOfRange(Napi::Env env, const char* name, const char* range,
                       const Napi::Value& received);
Napi::Error InvalidArgValue(Napi::Env env, const char* name, const char* why);

// setErrorFactory(kvmError[, argError]): the constructors lib/ wants errors built with.
Napi::Value SetErrorFactory(const Napi::CallbackInfo& info);

}  // namespace kvmtod

#endif  // KVM_TOD_ERRORS_H_
