// One vCPU's architectural state: CPUID, segment and control registers, general registers,
// FPU, local APIC. Registers cross as plain objects of numbers (every value a VMM sets at
// boot fits 53 bits); a set* call reads the current state first and overrides only the
// fields given, so the caller says what it changes and nothing else.
#include <linux/kvm.h>

#include <cstring>
#include <vector>

#include "args.h"
#include "errors.h"
#include "ioctl.h"
#include "cpuid_abi.h"
#include "glue.h"

namespace linuxvmm {

using kvmtod::ArgFd;
using kvmtod::Ioctl;
using kvmtod::KvmError;

namespace {

template <typename T>
void Get(const Napi::CallbackInfo& info, int fd, unsigned long request, const char* name, T* out) {
  long r = Ioctl(fd, request, out);
  if (r < 0) throw KvmError(info.Env(), static_cast<int>(-r), {"ioctl", name, fd});
}

Napi::Object ObjectArg(const Napi::CallbackInfo& info, size_t i, const char* name) {
  if (!info[i].IsObject()) throw kvmtod::InvalidArgType(info.Env(), name, "object", info[i]);
  return info[i].As<Napi::Object>();
}

// Sets *field from obj[key] when present (a number).
template <typename F>
void Take(Napi::Object obj, const char* key, F* field) {
  Napi::Value v = obj.Get(key);
  if (v.IsUndefined()) return;
  if (!v.IsNumber()) throw kvmtod::InvalidArgType(obj.Env(), key, "number", v);
  *field = static_cast<F>(static_cast<uint64_t>(v.As<Napi::Number>().DoubleValue()));
}

void Put(Napi::Object obj, const char* key, uint64_t value) {
  obj.Set(key, static_cast<double>(value));
}

Napi::Object SegmentOut(Napi::Env env, const kvm_segment& s) {
  Napi::Object o = Napi::Object::New(env);
  Put(o, "base", s.base);
  Put(o, "limit", s.limit);
  Put(o, "selector", s.selector);
  Put(o, "type", s.type);
  Put(o, "present", s.present);
  Put(o, "dpl", s.dpl);
  Put(o, "db", s.db);
  Put(o, "s", s.s);
  Put(o, "l", s.l);
  Put(o, "g", s.g);
  Put(o, "avl", s.avl);
  Put(o, "unusable", s.unusable);
  return o;
}

void SegmentIn(Napi::Object obj, const char* key, kvm_segment* s) {
  Napi::Value v = obj.Get(key);
  if (v.IsUndefined()) return;
  if (!v.IsObject()) throw kvmtod::InvalidArgType(obj.Env(), key, "object", v);
  Napi::Object o = v.As<Napi::Object>();
  Take(o, "base", &s->base);
  Take(o, "limit", &s->limit);
  Take(o, "selector", &s->selector);
  Take(o, "type", &s->type);
  Take(o, "present", &s->present);
  Take(o, "dpl", &s->dpl);
  Take(o, "db", &s->db);
  Take(o, "s", &s->s);
  Take(o, "l", &s->l);
  Take(o, "g", &s->g);
  Take(o, "avl", &s->avl);
  Take(o, "unusable", &s->unusable);
}

void TableIn(Napi::Object obj, const char* key, kvm_dtable* t) {
  Napi::Value v = obj.Get(key);
  if (v.IsUndefined()) return;
  if (!v.IsObject()) throw kvmtod::InvalidArgType(obj.Env(), key, "object", v);
  Take(v.As<Napi::Object>(), "base", &t->base);
  Take(v.As<Napi::Object>(), "limit", &t->limit);
}

#define KVM_TOD_SEGMENTS(X) X(cs) X(ds) X(es) X(fs) X(gs) X(ss) X(tr) X(ldt)
#define KVM_TOD_CONTROL(X) X(cr0) X(cr2) X(cr3) X(cr4) X(cr8) X(efer) X(apic_base)
#define KVM_TOD_GPRS(X) \
  X(rax) X(rbx) X(rcx) X(rdx) X(rsi) X(rdi) X(rsp) X(rbp) X(r8) X(r9) X(r10) X(r11) X(r12) \
  X(r13) X(r14) X(r15) X(rip) X(rflags)

}  // namespace

Napi::Uint32Array ArgUint32Array(const Napi::CallbackInfo& info, size_t i, const char* name) {
  if (!info[i].IsTypedArray() || info[i].As<Napi::TypedArray>().TypedArrayType() != napi_uint32_array) {
    throw kvmtod::InvalidArgType(info.Env(), name, "Uint32Array", info[i]);
  }
  return info[i].As<Napi::Uint32Array>();
}

// setCpuid(vcpuFd, entries): entries as getSupportedCpuid returns them (7 words each).
Napi::Value SetCpuid(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd = ArgFd(info, 0, "vcpuFd");
  Napi::Uint32Array words = ArgUint32Array(info, 1, "entries");
  if (words.ElementLength() % 7 != 0) throw kvmtod::InvalidArgValue(env, "entries", "7 words per entry");
  uint32_t n = static_cast<uint32_t>(words.ElementLength() / 7);
  CpuidBuffer cpuid(n);
  for (uint32_t i = 0; i < n; i++) {
    kvm_cpuid_entry2& e = cpuid.entries()[i];
    e.function = words[i * 7];
    e.index = words[i * 7 + 1];
    e.flags = words[i * 7 + 2];
    e.eax = words[i * 7 + 3];
    e.ebx = words[i * 7 + 4];
    e.ecx = words[i * 7 + 5];
    e.edx = words[i * 7 + 6];
  }
  long r = Ioctl(fd, kSetCpuid2, cpuid.bytes.data());
  if (r < 0) throw KvmError(env, static_cast<int>(-r), {"ioctl", "KVM_SET_CPUID2", fd});
  return env.Undefined();
}

Napi::Value GetSregs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd = ArgFd(info, 0, "vcpuFd");
  kvm_sregs s{};
  Get(info, fd, KVM_GET_SREGS, "KVM_GET_SREGS", &s);
  Napi::Object o = Napi::Object::New(env);
#define X(seg) o.Set(#seg, SegmentOut(env, s.seg));
  KVM_TOD_SEGMENTS(X)
#undef X
#define X(reg) Put(o, #reg, s.reg);
  KVM_TOD_CONTROL(X)
#undef X
  return o;
}

Napi::Value SetSregs(const Napi::CallbackInfo& info) {
  int fd = ArgFd(info, 0, "vcpuFd");
  Napi::Object o = ObjectArg(info, 1, "sregs");
  kvm_sregs s{};
  Get(info, fd, KVM_GET_SREGS, "KVM_GET_SREGS", &s);
#define X(seg) SegmentIn(o, #seg, &s.seg);
  KVM_TOD_SEGMENTS(X)
#undef X
#define X(reg) Take(o, #reg, &s.reg);
  KVM_TOD_CONTROL(X)
#undef X
  TableIn(o, "gdt", &s.gdt);
  TableIn(o, "idt", &s.idt);
  long r = Ioctl(fd, KVM_SET_SREGS, &s);
  if (r < 0) throw KvmError(info.Env(), static_cast<int>(-r), {"ioctl", "KVM_SET_SREGS", fd});
  return info.Env().Undefined();
}

Napi::Value GetRegs(const Napi::CallbackInfo& info) {
  int fd = ArgFd(info, 0, "vcpuFd");
  kvm_regs regs{};
  Get(info, fd, KVM_GET_REGS, "KVM_GET_REGS", &regs);
  Napi::Object o = Napi::Object::New(info.Env());
#define X(reg) Put(o, #reg, regs.reg);
  KVM_TOD_GPRS(X)
#undef X
  return o;
}

Napi::Value SetRegs(const Napi::CallbackInfo& info) {
  int fd = ArgFd(info, 0, "vcpuFd");
  Napi::Object o = ObjectArg(info, 1, "regs");
  kvm_regs regs{};
  Get(info, fd, KVM_GET_REGS, "KVM_GET_REGS", &regs);
#define X(reg) Take(o, #reg, &regs.reg);
  KVM_TOD_GPRS(X)
#undef X
  long r = Ioctl(fd, KVM_SET_REGS, &regs);
  if (r < 0) throw KvmError(info.Env(), static_cast<int>(-r), {"ioctl", "KVM_SET_REGS", fd});
  return info.Env().Undefined();
}

// setFpu(vcpuFd, { fcw, mxcsr }): the x87 control word and MXCSR, the rest zero.
Napi::Value SetFpu(const Napi::CallbackInfo& info) {
  int fd = ArgFd(info, 0, "vcpuFd");
  Napi::Object o = ObjectArg(info, 1, "fpu");
  kvm_fpu fpu{};
  Take(o, "fcw", &fpu.fcw);
  Take(o, "mxcsr", &fpu.mxcsr);
  long r = Ioctl(fd, KVM_SET_FPU, &fpu);
  if (r < 0) throw KvmError(info.Env(), static_cast<int>(-r), {"ioctl", "KVM_SET_FPU", fd});
  return info.Env().Undefined();
}

// getLapic(vcpuFd): the local APIC's 1 KiB register page, as a Buffer copy.
Napi::Value GetLapic(const Napi::CallbackInfo& info) {
  int fd = ArgFd(info, 0, "vcpuFd");
  kvm_lapic_state lapic{};
  Get(info, fd, KVM_GET_LAPIC, "KVM_GET_LAPIC", &lapic);
  return Napi::Buffer<char>::Copy(info.Env(), lapic.regs, sizeof lapic.regs);
}

Napi::Value SetLapic(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd = ArgFd(info, 0, "vcpuFd");
  kvm_lapic_state lapic{};
  if (!info[1].IsBuffer() || info[1].As<Napi::Buffer<char>>().Length() != sizeof lapic.regs) {
    throw kvmtod::InvalidArgType(env, "regs", "Buffer of 1024 bytes", info[1]);
  }
  std::memcpy(lapic.regs, info[1].As<Napi::Buffer<char>>().Data(), sizeof lapic.regs);
  long r = Ioctl(fd, KVM_SET_LAPIC, &lapic);
  if (r < 0) throw KvmError(env, static_cast<int>(-r), {"ioctl", "KVM_SET_LAPIC", fd});
  return env.Undefined();
}

}  // namespace linuxvmm
