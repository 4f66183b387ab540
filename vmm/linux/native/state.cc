// A vCPU's and a VM's state as the kernel hands it out, for moving a running guest from one
// VM to another (vmm/linux/migrate.ts): each piece crosses as the raw bytes of its ioctl's
// struct, which only the same kernel on the same host reads back, and that is all a
// migration inside one process needs. MSRs cross as kvm_msr_entry arrays.
#include <linux/kvm.h>

#include <cstring>
#include <string>
#include <vector>

#include "args.h"
#include "errors.h"
#include "ioctl.h"
#include "glue.h"

namespace linuxvmm {

using kvmtod::ArgFd;
using kvmtod::Ioctl;
using kvmtod::KvmError;

namespace {

// struct kvm_xsave, kvm_msrs and kvm_msr_list end in __DECLARE_FLEX_ARRAY, which C++ sizes
// differently from C (see cpuid_abi.h): their ioctl numbers are spelled out with the sizes
// the kernel uses.
constexpr size_t kXsaveSize = 4096;
constexpr unsigned long kGetXsave = _IOR(KVMIO, 0xa4, char[kXsaveSize]);
constexpr unsigned long kSetXsave = _IOW(KVMIO, 0xa5, char[kXsaveSize]);
constexpr unsigned long kGetMsrs = _IOWR(KVMIO, 0x88, char[8]);
constexpr unsigned long kSetMsrs = _IOW(KVMIO, 0x89, char[8]);
constexpr unsigned long kGetMsrIndexList = _IOWR(KVMIO, 0x02, char[4]);
static_assert(kGetXsave == 0x9000aea4ul && kSetXsave == 0x5000aea5ul, "KVM_GET/SET_XSAVE as the kernel numbers them");
static_assert(kGetMsrs == 0xc008ae88ul && kSetMsrs == 0x4008ae89ul, "KVM_GET/SET_MSRS as the kernel numbers them");
static_assert(kGetMsrIndexList == 0xc004ae02ul, "KVM_GET_MSR_INDEX_LIST as the kernel numbers it");
static_assert(sizeof(kvm_msr_entry) == 16, "struct kvm_msr_entry is 16 bytes");

struct Piece {
  const char* name;
  unsigned long get;
  unsigned long set;
  const char* get_name;
  const char* set_name;
  size_t size;
  int chip;  // KVM_GET/SET_IRQCHIP's chip_id, or -1
};

const Piece kPieces[] = {
    {"regs", KVM_GET_REGS, KVM_SET_REGS, "KVM_GET_REGS", "KVM_SET_REGS", sizeof(kvm_regs), -1},
    {"sregs", KVM_GET_SREGS, KVM_SET_SREGS, "KVM_GET_SREGS", "KVM_SET_SREGS", sizeof(kvm_sregs), -1},
    {"fpu", KVM_GET_FPU, KVM_SET_FPU, "KVM_GET_FPU", "KVM_SET_FPU", sizeof(kvm_fpu), -1},
    {"xsave", kGetXsave, kSetXsave, "KVM_GET_XSAVE", "KVM_SET_XSAVE", kXsaveSize, -1},
    {"xcrs", KVM_GET_XCRS, KVM_SET_XCRS, "KVM_GET_XCRS", "KVM_SET_XCRS", sizeof(kvm_xcrs), -1},
    {"lapic", KVM_GET_LAPIC, KVM_SET_LAPIC, "KVM_GET_LAPIC", "KVM_SET_LAPIC", sizeof(kvm_lapic_state), -1},
    {"events", KVM_GET_VCPU_EVENTS, KVM_SET_VCPU_EVENTS, "KVM_GET_VCPU_EVENTS", "KVM_SET_VCPU_EVENTS",
     sizeof(kvm_vcpu_events), -1},
    {"mp-state", KVM_GET_MP_STATE, KVM_SET_MP_STATE, "KVM_GET_MP_STATE", "KVM_SET_MP_STATE", sizeof(kvm_mp_state),
     -1},
    {"debugregs", KVM_GET_DEBUGREGS, KVM_SET_DEBUGREGS, "KVM_GET_DEBUGREGS", "KVM_SET_DEBUGREGS",
     sizeof(kvm_debugregs), -1},
    // VM-wide: the in-kernel PIT and the three interrupt controllers.
    {"pit2", KVM_GET_PIT2, KVM_SET_PIT2, "KVM_GET_PIT2", "KVM_SET_PIT2", sizeof(kvm_pit_state2), -1},
    {"pic-master", KVM_GET_IRQCHIP, KVM_SET_IRQCHIP, "KVM_GET_IRQCHIP", "KVM_SET_IRQCHIP", sizeof(kvm_irqchip),
     KVM_IRQCHIP_PIC_MASTER},
    {"pic-slave", KVM_GET_IRQCHIP, KVM_SET_IRQCHIP, "KVM_GET_IRQCHIP", "KVM_SET_IRQCHIP", sizeof(kvm_irqchip),
     KVM_IRQCHIP_PIC_SLAVE},
    {"ioapic", KVM_GET_IRQCHIP, KVM_SET_IRQCHIP, "KVM_GET_IRQCHIP", "KVM_SET_IRQCHIP", sizeof(kvm_irqchip),
     KVM_IRQCHIP_IOAPIC},
};

const Piece& PieceArg(const Napi::CallbackInfo& info, size_t i) {
  if (info[i].IsString()) {
    std::string name = info[i].As<Napi::String>().Utf8Value();
    for (const Piece& p : kPieces) {
      if (name == p.name) return p;
    }
  }
  throw kvmtod::InvalidArgValue(info.Env(), "piece", "one of regs, sregs, fpu, xsave, xcrs, lapic, events, "
                                "mp-state, debugregs, pit2, pic-master, pic-slave, ioapic");
}

Napi::Buffer<uint8_t> BufferArg(const Napi::CallbackInfo& info, size_t i, const char* name) {
  if (!info[i].IsBuffer()) throw kvmtod::InvalidArgType(info.Env(), name, "Buffer", info[i]);
  return info[i].As<Napi::Buffer<uint8_t>>();
}

}  // namespace

// getState(fd, piece): the piece's struct as the kernel returns it (a vCPU's or, for pit2
// and the irqchips, the VM's descriptor).
Napi::Value GetState(const Napi::CallbackInfo& info) {
  int fd = ArgFd(info, 0, "fd");
  const Piece& p = PieceArg(info, 1);
  std::vector<uint8_t> bytes(p.size);
  if (p.chip >= 0) reinterpret_cast<kvm_irqchip*>(bytes.data())->chip_id = static_cast<__u32>(p.chip);
  long r = Ioctl(fd, p.get, bytes.data());
  if (r < 0) throw KvmError(info.Env(), static_cast<int>(-r), {"ioctl", p.get_name, fd});
  return Napi::Buffer<uint8_t>::Copy(info.Env(), bytes.data(), bytes.size());
}

// setState(fd, piece, bytes): hands the kernel back what getState gave.
Napi::Value SetState(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd = ArgFd(info, 0, "fd");
  const Piece& p = PieceArg(info, 1);
  Napi::Buffer<uint8_t> in = BufferArg(info, 2, "bytes");
  if (in.Length() != p.size) throw kvmtod::InvalidArgValue(env, "bytes", "the size getState returned");
  std::vector<uint8_t> bytes(in.Data(), in.Data() + in.Length());
  long r = Ioctl(fd, p.set, bytes.data());
  if (r < 0) throw KvmError(env, static_cast<int>(-r), {"ioctl", p.set_name, fd});
  return env.Undefined();
}

// getMsrIndexList(kvmFd): the MSRs KVM saves and restores for a VMM, as a Uint32Array.
Napi::Value GetMsrIndexList(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd = ArgFd(info, 0, "kvmFd");
  for (uint32_t n = 256;; n *= 2) {
    std::vector<uint32_t> list(1 + n);
    list[0] = n;
    long r = Ioctl(fd, kGetMsrIndexList, list.data());
    if (r == -E2BIG && n < 65536) continue;
    if (r < 0) throw KvmError(env, static_cast<int>(-r), {"ioctl", "KVM_GET_MSR_INDEX_LIST", fd});
    uint32_t count = list[0];
    Napi::Uint32Array out = Napi::Uint32Array::New(env, count);
    for (uint32_t i = 0; i < count; i++) out[i] = list[1 + i];
    return out;
  }
}

// getMsrs(vcpuFd, indices): kvm_msr_entry[] (16 bytes: index, reserved, data) for the MSRs
// KVM read. KVM stops at the first one it cannot read, so the answer may be shorter than
// `indices`; the caller skips that one and asks again for the rest.
Napi::Value GetMsrs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd = ArgFd(info, 0, "vcpuFd");
  Napi::Uint32Array indices = ArgUint32Array(info, 1, "indices");
  size_t n = indices.ElementLength();
  std::vector<uint8_t> bytes(8 + n * sizeof(kvm_msr_entry), 0);
  reinterpret_cast<uint32_t*>(bytes.data())[0] = static_cast<uint32_t>(n);
  auto* entries = reinterpret_cast<kvm_msr_entry*>(bytes.data() + 8);
  for (size_t i = 0; i < n; i++) entries[i].index = indices[i];
  long r = Ioctl(fd, kGetMsrs, bytes.data());
  if (r < 0) throw KvmError(env, static_cast<int>(-r), {"ioctl", "KVM_GET_MSRS", fd});
  return Napi::Buffer<uint8_t>::Copy(env, bytes.data() + 8, static_cast<size_t>(r) * sizeof(kvm_msr_entry));
}

// setMsrs(vcpuFd, entries): writes kvm_msr_entry[]; returns how many KVM took (it stops at
// the first it refuses).
Napi::Value SetMsrs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd = ArgFd(info, 0, "vcpuFd");
  Napi::Buffer<uint8_t> in = BufferArg(info, 1, "entries");
  if (in.Length() % sizeof(kvm_msr_entry) != 0) {
    throw kvmtod::InvalidArgValue(env, "entries", "a multiple of 16 bytes");
  }
  std::vector<uint8_t> bytes(8 + in.Length(), 0);
  reinterpret_cast<uint32_t*>(bytes.data())[0] = static_cast<uint32_t>(in.Length() / sizeof(kvm_msr_entry));
  std::memcpy(bytes.data() + 8, in.Data(), in.Length());
  long r = Ioctl(fd, kSetMsrs, bytes.data());
  if (r < 0) throw KvmError(env, static_cast<int>(-r), {"ioctl", "KVM_SET_MSRS", fd});
  return Napi::Number::New(env, static_cast<double>(r));
}

}  // namespace linuxvmm
