// KVM_RUN and the kick. The vCPU runs on its own thread (a worker); stopping it from another
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
#include <mutex>

#include "glue.h"

namespace s390vmm {

namespace {

// A real-time signal nothing else in Node uses (SIGUSR1 is the inspector's).
int KickSignal() { return SIGRTMIN + 3; }

void OnKick(int) {}  // its only job is to interrupt KVM_RUN

}  // namespace

// mapRun(kvmFd, vcpuFd): the vCPU's kvm_run as an ArrayBuffer (unmapped when collected), or
// {error, request}. Each thread that touches kvm_run maps its own view of the same pages.
Napi::Value MapRun(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  long size = Ioctl(ArgInt(info, 0), KVM_GET_VCPU_MMAP_SIZE, nullptr);
  if (size < 0) return Failure(env, size, "KVM_GET_VCPU_MMAP_SIZE");
  void* run = mmap(nullptr, static_cast<size_t>(size), PROT_READ | PROT_WRITE, MAP_SHARED, ArgInt(info, 1), 0);
  if (run == MAP_FAILED) return Failure(env, -errno, "mmap kvm_run");
  return Napi::ArrayBuffer::New(
      env, run, static_cast<size_t>(size),
      [](Napi::Env, void* data, size_t* length) {
        munmap(data, *length);
        delete length;
      },
      new size_t(static_cast<size_t>(size)));
}

// run(vcpuFd): one KVM_RUN; 0, or -errno (-EINTR: kicked; never retried).
Napi::Value Run(const Napi::CallbackInfo& info) {
  long r = ioctl(ArgInt(info, 0), KVM_RUN, 0);
  return Napi::Number::New(info.Env(), r < 0 ? -errno : 0);
}

// prepareVcpuThread(): on the vCPU's thread before its first run. Installs the kick handler
// (once per process, without SA_RESTART so that KVM_RUN is interrupted), unblocks the signal
// on this thread, and returns this thread's id for kick(); or {error, request}.
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
  if (failed) return Failure(info.Env(), -failed, "sigaction");
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, KickSignal());
  int err = pthread_sigmask(SIG_UNBLOCK, &set, nullptr);
  if (err) return Failure(info.Env(), -err, "pthread_sigmask");
  return Napi::Number::New(info.Env(), static_cast<double>(syscall(SYS_gettid)));
}

// kick(tid): signals the vCPU thread `tid` of this process; 0 or -errno.
Napi::Value Kick(const Napi::CallbackInfo& info) {
  long r = syscall(SYS_tgkill, getpid(), ArgInt(info, 0), KickSignal());
  return Napi::Number::New(info.Env(), r < 0 ? -errno : 0);
}

// Where the fields of struct kvm_run are, as this build's <linux/kvm.h> lays them out, the
// exit reasons the run loop tells apart, and the sizes of the structs it passes on raw.
Napi::Object RunLayout(Napi::Env env) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("immediateExit", offsetof(kvm_run, immediate_exit));
  o.Set("exitReason", offsetof(kvm_run, exit_reason));
  o.Set("icptcode", offsetof(kvm_run, s390_sieic.icptcode));
  o.Set("ipa", offsetof(kvm_run, s390_sieic.ipa));
  o.Set("ipb", offsetof(kvm_run, s390_sieic.ipb));
  o.Set("resetFlags", offsetof(kvm_run, s390_reset_flags));
  o.Set("internalSuberror", offsetof(kvm_run, internal.suberror));
  o.Set("pswMask", offsetof(kvm_run, psw_mask));
  o.Set("pswAddr", offsetof(kvm_run, psw_addr));
  o.Set("validRegs", offsetof(kvm_run, kvm_valid_regs));
  o.Set("dirtyRegs", offsetof(kvm_run, kvm_dirty_regs));
  o.Set("prefix", offsetof(kvm_run, s.regs.prefix));
  o.Set("gprs", offsetof(kvm_run, s.regs.gprs));
  o.Set("crs", offsetof(kvm_run, s.regs.crs));
  o.Set("syncPrefix", static_cast<double>(KVM_SYNC_PREFIX));
  Napi::Object exits = Napi::Object::New(env);
  exits.Set("UNKNOWN", KVM_EXIT_UNKNOWN);
  exits.Set("INTR", KVM_EXIT_INTR);
  exits.Set("INTERNAL_ERROR", KVM_EXIT_INTERNAL_ERROR);
  exits.Set("S390_SIEIC", KVM_EXIT_S390_SIEIC);
  exits.Set("S390_RESET", KVM_EXIT_S390_RESET);
  exits.Set("S390_UCONTROL", KVM_EXIT_S390_UCONTROL);
  exits.Set("S390_TSCH", KVM_EXIT_S390_TSCH);
  exits.Set("S390_STSI", KVM_EXIT_S390_STSI);
  o.Set("exits", exits);
  o.Set("irqSize", sizeof(kvm_s390_irq));
  o.Set("cpuProcessorSize", sizeof(kvm_s390_vm_cpu_processor));
  return o;
}

}  // namespace s390vmm
