// KVM_RUN and the kick. A vCPU runs on its own thread (a worker); stopping it from another
// thread is the classic pair: set kvm_run.immediate_exit, then signal the vCPU thread. A
// signal during KVM_RUN makes it return EINTR; one that lands just before it is caught by
// immediate_exit, which makes the next KVM_RUN return EINTR at once. So no stop is lost.
#include <pthread.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/kvm.h>

#include <cstddef>
#include <cerrno>
#include <mutex>

#include "args.h"
#include "errors.h"
#include "ioctl.h"
#include "glue.h"

namespace linuxvmm {

using kvmtod::ArgFd;
using kvmtod::Ioctl;
using kvmtod::KvmError;

namespace {

// A real-time signal nothing else in Node uses (SIGUSR1 is the inspector's).
int KickSignal() { return SIGRTMIN + 3; }

void OnKick(int) {}  // its only job is to interrupt KVM_RUN

}  // namespace

// mapRun(kvmFd, vcpuFd): the vCPU's kvm_run page as an ArrayBuffer (unmapped when collected).
// Each thread that touches kvm_run maps its own view of the same page.
Napi::Value MapRun(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int kvm_fd = ArgFd(info, 0, "kvmFd");
  int vcpu_fd = ArgFd(info, 1, "vcpuFd");
  long size = Ioctl(kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
  if (size < 0) throw KvmError(env, static_cast<int>(-size), {"ioctl", "KVM_GET_VCPU_MMAP_SIZE", kvm_fd});
  void* run = mmap(nullptr, static_cast<size_t>(size), PROT_READ | PROT_WRITE, MAP_SHARED, vcpu_fd, 0);
  if (run == MAP_FAILED) throw KvmError(env, errno, {"mmap", nullptr, vcpu_fd});
  return Napi::ArrayBuffer::New(env, run, static_cast<size_t>(size), [](Napi::Env, void* data, size_t* length) {
    munmap(data, *length);
    delete length;
  }, new size_t(static_cast<size_t>(size)));
}

// run(vcpuFd): one KVM_RUN. Returns the exit reason, or -EINTR when kicked (never retried:
// EINTR is the kick). Any other failure throws.
Napi::Value Run(const Napi::CallbackInfo& info) {
  int fd = ArgFd(info, 0, "vcpuFd");
  long r = ::ioctl(fd, KVM_RUN, 0);
  if (r < 0) {
    int err = errno;
    if (err == EINTR || err == EAGAIN) return Napi::Number::New(info.Env(), -err);
    throw KvmError(info.Env(), err, {"ioctl", "KVM_RUN", fd});
  }
  return Napi::Number::New(info.Env(), 0);
}

// prepareVcpuThread(): called on the vCPU's thread before its first run. Installs the kick
// handler (once per process, without SA_RESTART so KVM_RUN is interrupted), unblocks the
// signal on this thread, and returns this thread's id for kick().
Napi::Value PrepareVcpuThread(const Napi::CallbackInfo& info) {
  static std::once_flag installed;
  int failed = 0;
  std::call_once(installed, [&failed] {
    struct sigaction action {};
    action.sa_handler = OnKick;
    sigemptyset(&action.sa_mask);
    action.sa_flags = 0;
    if (sigaction(KickSignal(), &action, nullptr) < 0) failed = errno;
  });
  if (failed) throw KvmError(info.Env(), failed, {"sigaction"});
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, KickSignal());
  int err = pthread_sigmask(SIG_UNBLOCK, &set, nullptr);
  if (err) throw KvmError(info.Env(), err, {"pthread_sigmask"});
  return Napi::Number::New(info.Env(), static_cast<double>(syscall(SYS_gettid)));
}

// kick(tid): signals the vCPU thread `tid` of this process.
Napi::Value Kick(const Napi::CallbackInfo& info) {
  int tid = ArgFd(info, 0, "tid");
  if (syscall(SYS_tgkill, getpid(), tid, KickSignal()) < 0) throw KvmError(info.Env(), errno, {"tgkill"});
  return info.Env().Undefined();
}

// Where the fields of struct kvm_run are, as this build's <linux/kvm.h> lays them out, and
// the exit reasons the run loop handles.
Napi::Object RunLayout(Napi::Env env) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("immediateExit", offsetof(kvm_run, immediate_exit));
  o.Set("exitReason", offsetof(kvm_run, exit_reason));
  o.Set("ioDirection", offsetof(kvm_run, io.direction));
  o.Set("ioSize", offsetof(kvm_run, io.size));
  o.Set("ioPort", offsetof(kvm_run, io.port));
  o.Set("ioCount", offsetof(kvm_run, io.count));
  o.Set("ioDataOffset", offsetof(kvm_run, io.data_offset));
  o.Set("mmioPhysAddr", offsetof(kvm_run, mmio.phys_addr));
  o.Set("mmioData", offsetof(kvm_run, mmio.data));
  o.Set("mmioLen", offsetof(kvm_run, mmio.len));
  o.Set("mmioIsWrite", offsetof(kvm_run, mmio.is_write));
  o.Set("failEntryReason", offsetof(kvm_run, fail_entry.hardware_entry_failure_reason));
  o.Set("internalSuberror", offsetof(kvm_run, internal.suberror));
  o.Set("systemEventType", offsetof(kvm_run, system_event.type));
  Napi::Object exits = Napi::Object::New(env);
  exits.Set("UNKNOWN", KVM_EXIT_UNKNOWN);
  exits.Set("IO", KVM_EXIT_IO);
  exits.Set("HLT", KVM_EXIT_HLT);
  exits.Set("MMIO", KVM_EXIT_MMIO);
  exits.Set("SHUTDOWN", KVM_EXIT_SHUTDOWN);
  exits.Set("FAIL_ENTRY", KVM_EXIT_FAIL_ENTRY);
  exits.Set("INTR", KVM_EXIT_INTR);
  exits.Set("INTERNAL_ERROR", KVM_EXIT_INTERNAL_ERROR);
  exits.Set("SYSTEM_EVENT", KVM_EXIT_SYSTEM_EVENT);
  o.Set("exits", exits);
  o.Set("IO_IN", KVM_EXIT_IO_IN);
  o.Set("IO_OUT", KVM_EXIT_IO_OUT);
  return o;
}

}  // namespace linuxvmm
