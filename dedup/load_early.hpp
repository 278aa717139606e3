#pragma once
// Starting a cache miss early, so that it overlaps other work.

namespace newsmon::dedup {

// A real load of the cache line at `address`, which must be valid memory,
// used where a prefetch instruction would be. On the machine the benchmarks
// run on (an AMD EPYC guest under KVM), prefetch instructions into the
// window's large tables were mostly dropped: at a 1M window the copy search
// ran at 79k articles/s with them and at 92k/s with these loads. A load
// holds a reorder-buffer entry until its line arrives, so a run of them
// goes out together before the work that needs them.
inline void load_early(const void* address) {
  (void)*static_cast<const volatile char*>(address);
}

}  // namespace newsmon::dedup
