// One vCPU: its resets, the initial PSW, the registers KVM keeps outside kvm_run (ONE_REG:
// the CPU timer, the clock comparator, ...), and its state as raw structs for moving a
// guest to another VM.
#include <linux/kvm.h>

#include <cstring>
#include <string>
#include <vector>

#include "glue.h"

namespace s390vmm {

// reset(vcpuFd, kind): KVM_S390_INITIAL_RESET ('initial'), or KVM_S390_NORMAL_RESET /
// KVM_S390_CLEAR_RESET ('normal' / 'clear', with KVM_CAP_S390_VCPU_RESETS); 0 or -errno.
Napi::Value Reset(const Napi::CallbackInfo& info) {
  std::string kind = info[1].As<Napi::String>();
  unsigned long request = kind == "clear"    ? KVM_S390_CLEAR_RESET
                          : kind == "normal" ? KVM_S390_NORMAL_RESET
                                             : KVM_S390_INITIAL_RESET;
  return Napi::Number::New(info.Env(), static_cast<double>(Ioctl(ArgInt(info, 0), request, nullptr)));
}

// setInitialPsw(vcpuFd, mask, addr): KVM_S390_SET_INITIAL_PSW; 0 or -errno.
Napi::Value SetInitialPsw(const Napi::CallbackInfo& info) {
  kvm_s390_psw psw{ArgU64(info, 1), ArgU64(info, 2)};
  return Napi::Number::New(info.Env(), static_cast<double>(Ioctl(ArgInt(info, 0), KVM_S390_SET_INITIAL_PSW, &psw)));
}

// getOneReg(vcpuFd, id): the register (4 or 8 bytes, by the size bits of id) as a bigint,
// or {error, request}.
Napi::Value GetOneReg(const Napi::CallbackInfo& info) {
  uint64_t id = ArgU64(info, 1);
  uint64_t value64 = 0;
  uint32_t value32 = 0;
  bool is32 = (id & KVM_REG_SIZE_MASK) == KVM_REG_SIZE_U32;
  kvm_one_reg reg{id, is32 ? reinterpret_cast<uintptr_t>(&value32) : reinterpret_cast<uintptr_t>(&value64)};
  long r = Ioctl(ArgInt(info, 0), KVM_GET_ONE_REG, &reg);
  if (r < 0) return Failure(info.Env(), r, "KVM_GET_ONE_REG");
  return Napi::BigInt::New(info.Env(), is32 ? static_cast<uint64_t>(value32) : value64);
}

// setOneReg(vcpuFd, id, value): 0 or -errno.
Napi::Value SetOneReg(const Napi::CallbackInfo& info) {
  uint64_t id = ArgU64(info, 1);
  uint64_t value64 = ArgU64(info, 2);
  uint32_t value32 = static_cast<uint32_t>(value64);
  bool is32 = (id & KVM_REG_SIZE_MASK) == KVM_REG_SIZE_U32;
  kvm_one_reg reg{id, is32 ? reinterpret_cast<uintptr_t>(&value32) : reinterpret_cast<uintptr_t>(&value64)};
  return Napi::Number::New(info.Env(), static_cast<double>(Ioctl(ArgInt(info, 0), KVM_SET_ONE_REG, &reg)));
}

namespace {

struct Piece {
  const char* name;
  unsigned long get;
  const char* get_name;
  unsigned long set;
  const char* set_name;
  size_t size;
};

const Piece kPieces[] = {
    {"regs", KVM_GET_REGS, "KVM_GET_REGS", KVM_SET_REGS, "KVM_SET_REGS", sizeof(kvm_regs)},
    {"sregs", KVM_GET_SREGS, "KVM_GET_SREGS", KVM_SET_SREGS, "KVM_SET_SREGS", sizeof(kvm_sregs)},
    {"fpu", KVM_GET_FPU, "KVM_GET_FPU", KVM_SET_FPU, "KVM_SET_FPU", sizeof(kvm_fpu)},
};

const Piece* FindPiece(const std::string& name) {
  for (const auto& p : kPieces)
    if (name == p.name) return &p;
  return nullptr;
}

// Room for every local interrupt a vCPU can have pending (the kernel's own bound is
// KVM_MAX_VCPUS + 32 entries; a one-vCPU guest has far fewer).
constexpr size_t kIrqEntries = 64;

}  // namespace

// getState(vcpuFd, piece): the raw struct as a Buffer, or {error, request}. Pieces: regs,
// sregs (access and control registers), fpu, irqs (KVM_S390_GET_IRQ_STATE: the pending
// local interrupts as kvm_s390_irq entries).
Napi::Value GetState(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd = ArgInt(info, 0);
  std::string name = info[1].As<Napi::String>();
  if (name == "irqs") {
    std::vector<uint8_t> buf(kIrqEntries * sizeof(kvm_s390_irq));
    kvm_s390_irq_state state{};
    state.buf = reinterpret_cast<uintptr_t>(buf.data());
    state.len = static_cast<uint32_t>(buf.size());
    long r = Ioctl(fd, KVM_S390_GET_IRQ_STATE, &state);
    if (r < 0) return Failure(env, r, "KVM_S390_GET_IRQ_STATE");
    return Napi::Buffer<uint8_t>::Copy(env, buf.data(), static_cast<size_t>(r));
  }
  const Piece* p = FindPiece(name);
  if (!p) return Failure(env, -EINVAL, "getState");
  std::vector<uint8_t> buf(p->size);
  long r = Ioctl(fd, p->get, buf.data());
  if (r < 0) return Failure(env, r, p->get_name);
  return Napi::Buffer<uint8_t>::Copy(env, buf.data(), buf.size());
}

// setState(vcpuFd, piece, bytes): what getState gave, back into a vCPU; 0 or {error, request}.
Napi::Value SetState(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd = ArgInt(info, 0);
  std::string name = info[1].As<Napi::String>();
  Napi::Uint8Array bytes = info[2].As<Napi::Uint8Array>();
  if (name == "irqs") {
    std::vector<uint8_t> buf(bytes.Data(), bytes.Data() + bytes.ElementLength());
    kvm_s390_irq_state state{};
    state.buf = reinterpret_cast<uintptr_t>(buf.data());
    state.len = static_cast<uint32_t>(buf.size());
    long r = Ioctl(fd, KVM_S390_SET_IRQ_STATE, &state);
    if (r < 0) return Failure(env, r, "KVM_S390_SET_IRQ_STATE");
    return Napi::Number::New(env, 0);
  }
  const Piece* p = FindPiece(name);
  if (!p || bytes.ElementLength() != p->size) return Failure(env, -EINVAL, "setState");
  std::vector<uint8_t> buf(bytes.Data(), bytes.Data() + p->size);
  long r = Ioctl(fd, p->set, buf.data());
  if (r < 0) return Failure(env, r, p->set_name);
  return Napi::Number::New(env, 0);
}

}  // namespace s390vmm
