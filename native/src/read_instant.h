// The host monotonic instant of a guest clock read. GuestClock keeps it with every hold
// (how long the clock is held, and when the held value was true), so it is read on every
// stop; from JavaScript, process.hrtime.bigint() costs that clock read plus a call and a
// bigint, more than the addon's own call. lib/read-instant.ts asks instead: it sets the
// state half of scratch word 4 to kInstantAsked before the read, and the next get call
// (GetTod, GetKvmClock) reads CLOCK_MONOTONIC, the clock process.hrtime.bigint() reads,
// right after its ioctl succeeded, into word 3, and sets kInstantTaken. Unasked, a get
// call does no more than before.
#ifndef KVM_TOD_READ_INSTANT_H_
#define KVM_TOD_READ_INSTANT_H_

#include <cstdint>
#include <cstring>
#include <ctime>

namespace kvmtod {

constexpr size_t kInstantWord = 3;
// The state is the 32-bit value at the start of word 4, in the host's byte order (lib/
// reads it through a Uint32Array at the same offset).
constexpr size_t kInstantStateByte = 4 * 8;
constexpr uint32_t kInstantAsked = 1;
constexpr uint32_t kInstantTaken = 2;

inline void TakeReadInstantIfAsked(uint64_t* scratch) {
  unsigned char* state = reinterpret_cast<unsigned char*>(scratch) + kInstantStateByte;
  uint32_t value;
  std::memcpy(&value, state, sizeof value);
  if (value != kInstantAsked) return;
  timespec ts;
  if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0) return;  // not taken: lib/ reads the clock itself
  scratch[kInstantWord] = static_cast<uint64_t>(ts.tv_sec) * 1000000000u + static_cast<uint64_t>(ts.tv_nsec);
  value = kInstantTaken;
  std::memcpy(state, &value, sizeof value);
}

}  // namespace kvmtod

#endif  // KVM_TOD_READ_INSTANT_H_
