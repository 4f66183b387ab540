#include "kvm.h"

#include <fcntl.h>
#include <unistd.h>
#include <linux/kvm.h>

#include <string>

#include "args.h"
#include "errors.h"
#include "ioctl.h"

namespace kvmtod {

namespace {

// KVM ioctls that take an integer and answer an integer, on a descriptor each caller
// has checked under its own argument name (kvmFd, vmFd, fd).
Napi::Value IntIoctl(const Napi::CallbackInfo& info, int fd, unsigned long request, const char* name,
                     unsigned long arg) {
  long r = Ioctl(fd, request, arg);
  if (r < 0) throw KvmError(info.Env(), static_cast<int>(-r), {"ioctl", name, fd});
  return Napi::Number::New(info.Env(), static_cast<double>(r));
}

}  // namespace

Napi::Value OpenKvm(const Napi::CallbackInfo& info) {
  std::string path = ArgPath(info, 0, "path");
  int fd;
  do {
    fd = ::open(path.c_str(), O_RDWR | O_CLOEXEC);
  } while (fd < 0 && errno == EINTR);
  if (fd < 0) {
    CallSite site{"open"};
    site.path = path.c_str();
    throw KvmError(info.Env(), errno, site);
  }
  return Napi::Number::New(info.Env(), fd);
}

Napi::Value CreateVm(const Napi::CallbackInfo& info) {
  int fd = ArgFd(info, 0, "kvmFd");
  uint32_t type = ArgUint(info, 1, "machineType", 0xffffffffu, "an integer >= 0 && <= 4294967295", 0);
  return IntIoctl(info, fd, KVM_CREATE_VM, "KVM_CREATE_VM", type);
}

Napi::Value CreateVcpu(const Napi::CallbackInfo& info) {
  int fd = ArgFd(info, 0, "vmFd");
  uint32_t id = ArgUint(info, 1, "id", 0x7fffffffu, "an integer >= 0 && <= 2147483647", 0);
  return IntIoctl(info, fd, KVM_CREATE_VCPU, "KVM_CREATE_VCPU", id);
}

Napi::Value CheckExtension(const Napi::CallbackInfo& info) {
  int fd = ArgFd(info, 0, "fd");
  uint32_t cap = ArgUint(info, 1, "capability", 0x7fffffffu, "an integer >= 0 && <= 2147483647",
                         0xffffffffu);
  if (cap == 0xffffffffu) throw InvalidArgType(info.Env(), "capability", "number", info[1]);
  return IntIoctl(info, fd, KVM_CHECK_EXTENSION, "KVM_CHECK_EXTENSION", cap);
}

Napi::Value GetApiVersion(const Napi::CallbackInfo& info) {
  int fd = ArgFd(info, 0, "kvmFd");
  return IntIoctl(info, fd, KVM_GET_API_VERSION, "KVM_GET_API_VERSION", 0);
}

Napi::Value CloseFd(const Napi::CallbackInfo& info) {
  int fd = ArgFd(info, 0, "fd");
  // Not retried on EINTR: on Linux the descriptor is gone either way, and a
  // second close could hit a descriptor another thread just opened.
  if (::close(fd) < 0 && errno != EINTR) throw KvmError(info.Env(), errno, {"close", nullptr, fd});
  return info.Env().Undefined();
}

}  // namespace kvmtod
