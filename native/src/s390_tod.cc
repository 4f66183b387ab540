// Extended attribute first; LOW + HIGH only when the kernel answers ENXIO, which
// is how a kernel older than 4.15 (no KVM_S390_VM_TOD_EXT) says "unknown attr".
// Any other errno is the answer and is reported as it is.
#include "s390_tod.h"

#include <cerrno>
#include <cstdint>

#include "addon_data.h"
#include "args.h"
#include "errors.h"
#include "hot_call.h"
#include "call_block.h"
#include "ioctl.h"
#include "read_instant.h"
#include "uapi.h"

namespace kvmtod {

namespace {

const char* AttrName(uint64_t attr) {
  switch (attr) {
    case kS390VmTodLow: return "KVM_S390_VM_TOD_LOW";
    case kS390VmTodHigh: return "KVM_S390_VM_TOD_HIGH";
    default: return "KVM_S390_VM_TOD_EXT";
  }
}

const char* RequestName(unsigned long request) {
  if (request == KVM_GET_DEVICE_ATTR) return "KVM_GET_DEVICE_ATTR";
  if (request == KVM_SET_DEVICE_ATTR) return "KVM_SET_DEVICE_ATTR";
  return "KVM_HAS_DEVICE_ATTR";
}

// Returns 0 or a positive errno.
int TodAttr(int fd, unsigned long request, uint64_t attr, void* data) {
  kvm_device_attr a{};
  a.group = kS390VmTod;
  a.attr = attr;
  a.addr = reinterpret_cast<uintptr_t>(data);
  long r = Ioctl(fd, request, &a);
  return r < 0 ? static_cast<int>(-r) : 0;
}

Napi::Error TodError(Napi::Env env, int err, int fd, unsigned long request, uint64_t attr) {
  CallSite site{"ioctl", RequestName(request), fd};
  site.attribute = AttrName(attr);
  return KvmError(env, err, site);
}

// Runs one attribute ioctl and throws its errno, if any.
void TodAttrOrThrow(Napi::Env env, int fd, unsigned long request, uint64_t attr, void* data) {
  int err = TodAttr(fd, request, attr, data);
  if (err != 0) throw TodError(env, err, fd, request, attr);
}


// The read behind GetTod, on a checked descriptor: the epoch index, the TOD in out[0].
// False: the error is pending.
template <typename Call>
bool ReadTod(Call& call, int fd, uint64_t* out, uint32_t* high) {
  // Zeroed: a kernel that fails part-way must not leave us stack garbage.
  TodClockExt ext{};
  int err = TodAttr(fd, KVM_GET_DEVICE_ATTR, kS390VmTodExt, &ext);
  if (err == 0) {
    TakeReadInstantIfAsked(out);
    out[0] = ext.tod;
    *high = ext.epoch_idx;
    return true;
  }
  if (err != ENXIO) {
    call.Throw([&] { return TodError(call.Env(), err, fd, KVM_GET_DEVICE_ATTR, kS390VmTodExt); });
    return false;
  }
  uint64_t low = 0;
  uint8_t high8 = 0;
  if (!call.Checked([&](const Napi::CallbackInfo& info) {
        TodAttrOrThrow(info.Env(), fd, KVM_GET_DEVICE_ATTR, kS390VmTodLow, &low);
        TodAttrOrThrow(info.Env(), fd, KVM_GET_DEVICE_ATTR, kS390VmTodHigh, &high8);
      })) {
    return false;
  }
  // The instant of the later of the two reads (HIGH): within a microsecond of LOW's.
  TakeReadInstantIfAsked(out);
  out[0] = low;
  *high = high8;
  return true;
}

// The write behind SetTod, on checked arguments (the error, if any, is left pending).
template <typename Call>
void WriteTod(Call& call, int fd, uint32_t high, uint64_t low) {
  TodClockExt ext{};
  ext.epoch_idx = static_cast<uint8_t>(high);
  ext.tod = low;
  int err = TodAttr(fd, KVM_SET_DEVICE_ATTR, kS390VmTodExt, &ext);
  if (err == 0) return;
  if (err != ENXIO) {
    call.Throw([&] { return TodError(call.Env(), err, fd, KVM_SET_DEVICE_ATTR, kS390VmTodExt); });
    return;
  }
  // HIGH first, unlike QEMU (LOW, then HIGH): these kernels accept HIGH only as 0 and
  // store nothing for it, so checking it first means a refused epoch index fails the
  // call before LOW has moved the guest clock.
  uint8_t high8 = static_cast<uint8_t>(high);
  call.Checked([&](const Napi::CallbackInfo& info) {
    TodAttrOrThrow(info.Env(), fd, KVM_SET_DEVICE_ATTR, kS390VmTodHigh, &high8);
    TodAttrOrThrow(info.Env(), fd, KVM_SET_DEVICE_ATTR, kS390VmTodLow, &low);
  });
}

}  // namespace

napi_value GetTod(napi_env env, napi_callback_info cbinfo) {
  int fd;
  uint32_t unused;
  uint32_t high;
  HotCall<0> armed(env, cbinfo);
  if (armed.Armed(0, 0, &fd, &unused)) {
    uint64_t* out = armed.Data().scratch;
    if (ReadTod(armed, fd, out, &high)) PutCallResult(out, high);
    return nullptr;
  }
  HotCall<1> call(env, cbinfo);
  if (!call.Fd(0, "vmFd", &fd) || !ReadTod(call, fd, call.Data().scratch, &high)) return nullptr;
  napi_value result;
  if (napi_create_uint32(env, high, &result) != napi_ok) return nullptr;
  return result;
}

napi_value SetTod(napi_env env, napi_callback_info cbinfo) {
  int fd;
  uint32_t high;
  uint64_t low;
  {
    HotCall<1> armed(env, cbinfo);
    if (armed.Armed(1, 255, &fd, &high)) {
      if (armed.RequiredU64(0, "tod.low", &low)) WriteTod(armed, fd, high, low);
      return nullptr;
    }
  }
  HotCall<3> call(env, cbinfo);
  if (!call.Fd(0, "vmFd", &fd) || !call.RequiredUint(1, "tod.high", 255, "an integer >= 0 && <= 255", &high) ||
      !call.RequiredU64(2, "tod.low", &low)) {
    return nullptr;
  }
  WriteTod(call, fd, high, low);
  return nullptr;
}

Napi::Value HasTodAttribute(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd = ArgFd(info, 0, "vmFd");
  uint32_t attr = ArgUint(info, 1, "attribute", 2, "0 (low), 1 (high) or 2 (ext)", 3);
  if (attr == 3) throw InvalidArgType(env, "attribute", "number", info[1]);
  int err = TodAttr(fd, KVM_HAS_DEVICE_ATTR, attr, nullptr);
  if (err == ENXIO) return Napi::Boolean::New(env, false);
  if (err != 0) throw TodError(env, err, fd, KVM_HAS_DEVICE_ATTR, attr);
  return Napi::Boolean::New(env, true);
}

Napi::Value ProbeTodExtension(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd = ArgFd(info, 0, "vmFd");
  // HAS reports only LOW and HIGH, even where EXT works: reading is the only test.
  TodClockExt ext{};
  int err = TodAttr(fd, KVM_GET_DEVICE_ATTR, kS390VmTodExt, &ext);
  if (err == ENXIO) return Napi::Boolean::New(env, false);
  if (err != 0) throw TodError(env, err, fd, KVM_GET_DEVICE_ATTR, kS390VmTodExt);
  return Napi::Boolean::New(env, true);
}

}  // namespace kvmtod
