// Argument checks, done before any system call so that a bad argument can never
// reach the kernel: a wrong type is a TypeError, a wrong value a RangeError,
// with Node's own codes (ERR_INVALID_ARG_TYPE, ERR_OUT_OF_RANGE).
#ifndef KVM_TOD_ARGS_H_
#define KVM_TOD_ARGS_H_

#include <napi.h>
#include <cstdint>
#include <string>

namespace kvmtod {

// A file descriptor: an integer 0..2^31-1.
int ArgFd(const Napi::CallbackInfo& info, size_t i, const char* name);
// An integer in [0, max]; `fallback` when the argument is undefined.
uint32_t ArgUint(const Napi::CallbackInfo& info, size_t i, const char* name, uint32_t max,
                 const char* range, uint32_t fallback);
// A bigint in 0..2^64-1; `fallback` when the argument is undefined.
uint64_t ArgU64(const Napi::CallbackInfo& info, size_t i, const char* name, uint64_t fallback);
// A string without NUL bytes (a path).
std::string ArgPath(const Napi::CallbackInfo& info, size_t i, const char* name);

}  // namespace kvmtod

#endif  // KVM_TOD_ARGS_H_
