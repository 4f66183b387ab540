// kvm-tod's benchmark helper: the same ioctls the library issues, N times in a
// tight C loop inside the calling process, timed with CLOCK_MONOTONIC. It ships
// only for `npm run bench` (built into build-bench/, never into the package).
//
// Fairness: each iteration does exactly the per-call work of native/src/ (a
// zeroed struct, the attribute block filled in, the ioctl retried on EINTR) and
// nothing else, so "JS / C" is the cost of the binding and the JavaScript around it.
// Under the s390 kernel double (LD_PRELOAD), ::ioctl here resolves to the double's
// interposed function, exactly as it does for the addon: its cost is in both sides.
//
// Every loop returns the elapsed nanoseconds as a Number, or throws an Error with
// `errno` (negative, as Node's) and `iteration` for the first ioctl that failed.
#include <napi.h>

#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <ctime>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <vector>
#include <linux/kvm.h>

#include "ioctl.h"
#include "uapi.h"

namespace {

// The library's own definitions and ioctl wrapper, so that the loop measures the
// same marshalling and the same EINTR retry. (bench/native and its copy in
// build-bench/native both sit two levels below the repository root.)
using kvmtod::Ioctl;
using kvmtod::kS390VmTod;
using kvmtod::kS390VmTodExt;
using kvmtod::TodClockExt;

inline uint64_t NowNs() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1000000000u + static_cast<uint64_t>(ts.tv_nsec);
}

// Keeps the compiler from dropping the values read.
volatile uint64_t sink;

int IntArg(const Napi::CallbackInfo& info, size_t i, const char* name) {
  if (!info[i].IsNumber()) throw Napi::TypeError::New(info.Env(), std::string(name) + " must be a number");
  return info[i].As<Napi::Number>().Int32Value();
}

double CountArg(const Napi::CallbackInfo& info, size_t i) {
  if (!info[i].IsNumber()) throw Napi::TypeError::New(info.Env(), "n must be a number");
  double n = info[i].As<Napi::Number>().DoubleValue();
  if (!(n >= 1 && n <= 1e10) || std::floor(n) != n) {
    throw Napi::RangeError::New(info.Env(), "n must be an integer >= 1");
  }
  return n;
}

uint64_t U64Arg(const Napi::CallbackInfo& info, size_t i, const char* name) {
  if (!info[i].IsBigInt()) throw Napi::TypeError::New(info.Env(), std::string(name) + " must be a bigint");
  bool lossless = false;
  return info[i].As<Napi::BigInt>().Uint64Value(&lossless);
}

Napi::Value Failed(const Napi::CallbackInfo& info, const char* what, long r, uint64_t iteration) {
  Napi::Error error =
      Napi::Error::New(info.Env(), std::string(what) + " failed: " + std::strerror(static_cast<int>(-r)));
  error.Value().Set("errno", Napi::Number::New(info.Env(), static_cast<double>(r)));
  error.Value().Set("iteration", Napi::Number::New(info.Env(), static_cast<double>(iteration)));
  throw error;
}

Napi::Value Elapsed(const Napi::CallbackInfo& info, uint64_t start) {
  return Napi::Number::New(info.Env(), static_cast<double>(NowNs() - start));
}

// --- x86 kvmclock (native/src/x86_clock.cc) ----------------------------------

// (vmFd, n) -> ns: KVM_GET_CLOCK n times.
Napi::Value GetClockLoop(const Napi::CallbackInfo& info) {
  int fd = IntArg(info, 0, "vmFd");
  uint64_t n = static_cast<uint64_t>(CountArg(info, 1));
  uint64_t start = NowNs();
  for (uint64_t i = 0; i < n; i++) {
    kvm_clock_data data{};
    long r = Ioctl(fd, KVM_GET_CLOCK, &data);
    if (r < 0) return Failed(info, "KVM_GET_CLOCK", r, i);
    sink = data.clock + data.flags + data.realtime + data.host_tsc;
  }
  return Elapsed(info, start);
}

// (vmFd, n, clock) -> ns: KVM_SET_CLOCK of `clock` (flags 0) n times.
Napi::Value SetClockLoop(const Napi::CallbackInfo& info) {
  int fd = IntArg(info, 0, "vmFd");
  uint64_t n = static_cast<uint64_t>(CountArg(info, 1));
  uint64_t clock = U64Arg(info, 2, "clock");
  uint64_t start = NowNs();
  for (uint64_t i = 0; i < n; i++) {
    kvm_clock_data data{};
    data.clock = clock;
    data.flags = 0;
    data.realtime = 0;
    long r = Ioctl(fd, KVM_SET_CLOCK, &data);
    if (r < 0) return Failed(info, "KVM_SET_CLOCK", r, i);
  }
  return Elapsed(info, start);
}

// (vmFd, n) -> ns: a hold and release in C, n times: KVM_GET_CLOCK, then
// KVM_SET_CLOCK of the value read (what GuestClock over KvmClockDevice does).
Napi::Value HoldReleaseClockLoop(const Napi::CallbackInfo& info) {
  int fd = IntArg(info, 0, "vmFd");
  uint64_t n = static_cast<uint64_t>(CountArg(info, 1));
  uint64_t start = NowNs();
  for (uint64_t i = 0; i < n; i++) {
    kvm_clock_data got{};
    long r = Ioctl(fd, KVM_GET_CLOCK, &got);
    if (r < 0) return Failed(info, "KVM_GET_CLOCK", r, i);
    kvm_clock_data put{};
    put.clock = got.clock;
    r = Ioctl(fd, KVM_SET_CLOCK, &put);
    if (r < 0) return Failed(info, "KVM_SET_CLOCK", r, i);
  }
  return Elapsed(info, start);
}

// --- s390 TOD, extended attribute (native/src/s390_tod.cc) -------------------

inline long TodAttr(int fd, unsigned long request, void* data) {
  kvm_device_attr a{};
  a.group = kS390VmTod;
  a.attr = kS390VmTodExt;
  a.addr = reinterpret_cast<uintptr_t>(data);
  return Ioctl(fd, request, &a);
}

// (vmFd, n) -> ns: KVM_GET_DEVICE_ATTR of KVM_S390_VM_TOD_EXT n times.
Napi::Value GetTodLoop(const Napi::CallbackInfo& info) {
  int fd = IntArg(info, 0, "vmFd");
  uint64_t n = static_cast<uint64_t>(CountArg(info, 1));
  uint64_t start = NowNs();
  for (uint64_t i = 0; i < n; i++) {
    TodClockExt ext{};
    long r = TodAttr(fd, KVM_GET_DEVICE_ATTR, &ext);
    if (r < 0) return Failed(info, "KVM_GET_DEVICE_ATTR KVM_S390_VM_TOD_EXT", r, i);
    sink = ext.tod + ext.epoch_idx;
  }
  return Elapsed(info, start);
}

// (vmFd, n, high, low) -> ns: KVM_SET_DEVICE_ATTR of KVM_S390_VM_TOD_EXT n times.
Napi::Value SetTodLoop(const Napi::CallbackInfo& info) {
  int fd = IntArg(info, 0, "vmFd");
  uint64_t n = static_cast<uint64_t>(CountArg(info, 1));
  uint8_t high = static_cast<uint8_t>(IntArg(info, 2, "high"));
  uint64_t low = U64Arg(info, 3, "low");
  uint64_t start = NowNs();
  for (uint64_t i = 0; i < n; i++) {
    TodClockExt ext{};
    ext.epoch_idx = high;
    ext.tod = low;
    long r = TodAttr(fd, KVM_SET_DEVICE_ATTR, &ext);
    if (r < 0) return Failed(info, "KVM_SET_DEVICE_ATTR KVM_S390_VM_TOD_EXT", r, i);
  }
  return Elapsed(info, start);
}

// (vmFd, n) -> ns: a hold and release in C, n times: GET EXT, then SET EXT of the
// value read (what GuestClock over S390TodDevice does on a 4.15+ kernel).
Napi::Value HoldReleaseTodLoop(const Napi::CallbackInfo& info) {
  int fd = IntArg(info, 0, "vmFd");
  uint64_t n = static_cast<uint64_t>(CountArg(info, 1));
  uint64_t start = NowNs();
  for (uint64_t i = 0; i < n; i++) {
    TodClockExt got{};
    long r = TodAttr(fd, KVM_GET_DEVICE_ATTR, &got);
    if (r < 0) return Failed(info, "KVM_GET_DEVICE_ATTR KVM_S390_VM_TOD_EXT", r, i);
    TodClockExt put{};
    put.epoch_idx = got.epoch_idx;
    put.tod = got.tod;
    r = TodAttr(fd, KVM_SET_DEVICE_ATTR, &put);
    if (r < 0) return Failed(info, "KVM_SET_DEVICE_ATTR KVM_S390_VM_TOD_EXT", r, i);
  }
  return Elapsed(info, start);
}

// --- many VMs at once (the VM scaling figures) ---------------------------------

std::vector<int> FdsArg(const Napi::CallbackInfo& info, size_t i) {
  if (!info[i].IsTypedArray() || info[i].As<Napi::TypedArray>().TypedArrayType() != napi_int32_array)
    throw Napi::TypeError::New(info.Env(), "fds must be an Int32Array");
  Napi::Int32Array a = info[i].As<Napi::Int32Array>();
  return std::vector<int>(a.Data(), a.Data() + a.ElementLength());
}

// (fds, n) -> ns: n rounds of holding every VM (KVM_GET_CLOCK on each), then releasing
// every VM (KVM_SET_CLOCK of the value read), as a VMM that stops them together does.
Napi::Value HoldReleaseClockMany(const Napi::CallbackInfo& info) {
  std::vector<int> fds = FdsArg(info, 0);
  uint64_t n = static_cast<uint64_t>(CountArg(info, 1));
  std::vector<uint64_t> held(fds.size());
  uint64_t start = NowNs();
  for (uint64_t i = 0; i < n; i++) {
    for (size_t v = 0; v < fds.size(); v++) {
      kvm_clock_data got{};
      long r = Ioctl(fds[v], KVM_GET_CLOCK, &got);
      if (r < 0) return Failed(info, "KVM_GET_CLOCK", r, i);
      held[v] = got.clock;
    }
    for (size_t v = 0; v < fds.size(); v++) {
      kvm_clock_data put{};
      put.clock = held[v];
      long r = Ioctl(fds[v], KVM_SET_CLOCK, &put);
      if (r < 0) return Failed(info, "KVM_SET_CLOCK", r, i);
    }
  }
  return Elapsed(info, start);
}

// (fds, n) -> ns: the same with GET EXT and SET EXT of the s390 TOD.
Napi::Value HoldReleaseTodMany(const Napi::CallbackInfo& info) {
  std::vector<int> fds = FdsArg(info, 0);
  uint64_t n = static_cast<uint64_t>(CountArg(info, 1));
  std::vector<TodClockExt> held(fds.size());
  uint64_t start = NowNs();
  for (uint64_t i = 0; i < n; i++) {
    for (size_t v = 0; v < fds.size(); v++) {
      TodClockExt got{};
      long r = TodAttr(fds[v], KVM_GET_DEVICE_ATTR, &got);
      if (r < 0) return Failed(info, "KVM_GET_DEVICE_ATTR KVM_S390_VM_TOD_EXT", r, i);
      held[v] = got;
    }
    for (size_t v = 0; v < fds.size(); v++) {
      TodClockExt put{};
      put.epoch_idx = held[v].epoch_idx;
      put.tod = held[v].tod;
      long r = TodAttr(fds[v], KVM_SET_DEVICE_ATTR, &put);
      if (r < 0) return Failed(info, "KVM_SET_DEVICE_ATTR KVM_S390_VM_TOD_EXT", r, i);
    }
  }
  return Elapsed(info, start);
}

// --- the binding's fixed cost, without any system call -----------------------
// For finding where a call's time goes (the library's own cost is measured through the
// stand-in addon, native/standin.cc): bare calls, and the design the library avoids, a
// fresh object with BigInts built in C++ per call.

int ShapeFd(const Napi::CallbackInfo& info) {
  Napi::Value v = info[0];
  if (!v.IsNumber()) throw Napi::TypeError::New(info.Env(), "fd must be a number");
  double d = v.As<Napi::Number>().DoubleValue();
  if (!(d >= 0 && d <= 2147483647.0 && std::floor(d) == d)) throw Napi::RangeError::New(info.Env(), "fd out of range");
  return static_cast<int>(d);
}

// Values like a kernel's: wide enough that every BigInt made of them is a real one.
uint64_t ShapeWord(int fd, uint64_t i) {
  return (static_cast<uint64_t>(fd) + i + 1) * 0x9e3779b97f4a7c15ull;
}

// KVM_CLOCK_TSC_STABLE | KVM_CLOCK_REALTIME | KVM_CLOCK_HOST_TSC, as the stand-in answers.
constexpr double kShapeFlags = 14;

// (fd) -> { clock, flags, realtime, hostTsc }: the naive design, everything made in C++.
Napi::Value GetShapeObject(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd = ShapeFd(info);
  Napi::Object out = Napi::Object::New(env);
  out.Set("clock", Napi::BigInt::New(env, ShapeWord(fd, 0)));
  out.Set("flags", Napi::Number::New(env, kShapeFlags));
  out.Set("realtime", Napi::BigInt::New(env, ShapeWord(fd, 1)));
  out.Set("hostTsc", Napi::BigInt::New(env, ShapeWord(fd, 2)));
  return out;
}

// A cheap real system call, for the cost of a native call next to a system call:
// (n) -> ns for getppid() n times in C; and one getppid() per Node-API call.
Napi::Value SyscallLoop(const Napi::CallbackInfo& info) {
  uint64_t n = static_cast<uint64_t>(CountArg(info, 0));
  uint64_t start = NowNs();
  for (uint64_t i = 0; i < n; i++) sink = static_cast<uint64_t>(syscall(SYS_getppid));
  return Elapsed(info, start);
}

Napi::Value SyscallOnce(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), static_cast<double>(syscall(SYS_getppid)));
}

// () -> undefined, through node-addon-api (as every library function is).
Napi::Value Noop(const Napi::CallbackInfo& info) { return info.Env().Undefined(); }

// () -> undefined, through the plain C Node-API (no node-addon-api wrapper).
napi_value NoopRaw(napi_env, napi_callback_info) { return nullptr; }

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  struct { const char* name; Napi::Function::Callback fn; } functions[] = {
      {"getClockLoop", GetClockLoop}, {"setClockLoop", SetClockLoop},
      {"holdReleaseClockLoop", HoldReleaseClockLoop},
      {"getTodLoop", GetTodLoop},     {"setTodLoop", SetTodLoop},
      {"holdReleaseTodLoop", HoldReleaseTodLoop},
      {"holdReleaseClockMany", HoldReleaseClockMany}, {"holdReleaseTodMany", HoldReleaseTodMany},
      {"getShapeObject", GetShapeObject},
      {"noop", Noop},                 {"syscallLoop", SyscallLoop},
      {"syscallOnce", SyscallOnce},
  };
  for (const auto& f : functions) exports.Set(f.name, Napi::Function::New(env, f.fn, f.name));
  napi_value raw;
  NAPI_THROW_IF_FAILED(env, napi_create_function(env, "noopRaw", NAPI_AUTO_LENGTH, NoopRaw, nullptr, &raw), exports);
  exports.Set("noopRaw", Napi::Value(env, raw));
  return exports;
}

}  // namespace

NODE_API_MODULE(kvm_tod_bench, Init)
