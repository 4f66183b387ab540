// Per-environment state of the addon. Node-API gives each context (main thread,
// each worker) its own copy, which is what makes the addon context-aware: no
// static state is shared between threads.
#ifndef KVM_TOD_ADDON_DATA_H_
#define KVM_TOD_ADDON_DATA_H_

#include <napi.h>
#include <cstdint>

namespace kvmtod {

struct AddonData {
  Napi::FunctionReference error_factory;
  // Builds the argument errors (lib/arg-errors.ts words them): (kind, name, expected, received).
  Napi::FunctionReference arg_error_factory;
  // Results of 64-bit reads land here, exposed to JS as a BigUint64Array
  // ("scratch"): returning a fresh object or BigInt per call from C++ costs more
  // than the ioctl itself, so lib/ reads the words out and builds its object in
  // JS, where V8 makes that cheap. Word 3 and half of 4: the instant of a read, when
  // asked (read_instant.h); the rest of 4, 5 and 6: the hot calls' arguments and small
  // result (call_block.h).
  Napi::Reference<Napi::ArrayBuffer> scratch_buffer;
  uint64_t* scratch = nullptr;
  static constexpr size_t kScratchWords = 7;
};

inline AddonData& Data(Napi::Env env) { return *env.GetInstanceData<AddonData>(); }

}  // namespace kvmtod

#endif  // KVM_TOD_ADDON_DATA_H_
