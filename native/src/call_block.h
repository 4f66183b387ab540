// The arguments of the calls of every stop and cont, passed in the scratch buffer. Read
// as JavaScript values, a descriptor costs the callback a Node-API call for the value and
// the callback's argument copying; lib/ has a descriptor checked as cheaply as the addon
// would (the same bounds, so the same values pass), writes it and the call's small
// argument (a TOD's epoch index) into the block, arms it, and calls with the arguments
// that are left (none for a get, the bigint for a set). The call takes the block only
// when it is armed and it got exactly those arguments, and disarms it at once; a caller
// that did not arm it (the raw binding called directly) is read as before, so an armed
// block can never stand in for arguments someone passed. The call's small result (the
// epoch index, KVM_GET_CLOCK's flags) goes back in the block too.
//
// scratch words, in the host's byte order (lib/native.ts reads them through a
// Uint32Array at the same offsets): 4 = [instant state (read_instant.h), armed],
// 5 = [descriptor, argument], 6 = [result, unused].
#ifndef KVM_TOD_CALL_BLOCK_H_
#define KVM_TOD_CALL_BLOCK_H_

#include <cstdint>
#include <cstring>

namespace kvmtod {

constexpr size_t kArmedByte = 4 * 8 + 4;
constexpr size_t kFdByte = 5 * 8;
constexpr size_t kArgByte = 5 * 8 + 4;
constexpr size_t kResultByte = 6 * 8;
constexpr uint32_t kArmed = 1;

inline uint32_t BlockWord(const uint64_t* scratch, size_t byte) {
  uint32_t value;
  std::memcpy(&value, reinterpret_cast<const unsigned char*>(scratch) + byte, sizeof value);
  return value;
}

inline void SetBlockWord(uint64_t* scratch, size_t byte, uint32_t value) {
  std::memcpy(reinterpret_cast<unsigned char*>(scratch) + byte, &value, sizeof value);
}

// True, with the descriptor and the argument, when lib/ armed the block; disarms it.
// lib/ arms only a descriptor in 0..2^31-1 and an argument in 0..argMax: a block that
// holds anything else is not taken.
inline bool TakeArmedCall(uint64_t* scratch, uint32_t argMax, int* fd, uint32_t* arg) {
  if (BlockWord(scratch, kArmedByte) != kArmed) return false;
  SetBlockWord(scratch, kArmedByte, 0);
  uint32_t raw = BlockWord(scratch, kFdByte);
  *arg = BlockWord(scratch, kArgByte);
  if (raw > 0x7fffffffu || *arg > argMax) return false;
  *fd = static_cast<int>(raw);
  return true;
}

inline void PutCallResult(uint64_t* scratch, uint32_t result) { SetBlockWord(scratch, kResultByte, result); }

}  // namespace kvmtod

#endif  // KVM_TOD_CALL_BLOCK_H_
