#pragma once
// The window's big tables (band index, flat maps, per-slot arrays) are read
// at random: at a 1M window nearly every look-up missed the TLB as well as
// the cache, and with 4 KiB pages each miss also walked the page tables.
// Allocations of 2 MiB and more are aligned to 2 MiB and advised as
// transparent huge pages (Debian's default THP policy is "madvise", so
// without the advice they get none). Smaller ones go to the usual heap.
#include <sys/mman.h>

#include <cstdlib>
#include <memory>
#include <new>
#include <vector>

namespace newsmon::dedup {

inline constexpr std::size_t k_huge_page_bytes = std::size_t{2} << 20;

template <class T>
struct HugePageAllocator {
  using value_type = T;

  HugePageAllocator() = default;
  template <class U>
  explicit HugePageAllocator(const HugePageAllocator<U>&) {}

  T* allocate(std::size_t count) {
    const std::size_t bytes = count * sizeof(T);
    if (bytes < k_huge_page_bytes) {
      return std::allocator<T>().allocate(count);
    }
    void* memory = nullptr;
    if (posix_memalign(&memory, k_huge_page_bytes, bytes) != 0) {
      throw std::bad_alloc();
    }
    // Advice only: where THP is off the table works with small pages.
    madvise(memory, bytes, MADV_HUGEPAGE);
    return static_cast<T*>(memory);
  }

  void deallocate(T* memory, std::size_t count) {
    if (count * sizeof(T) < k_huge_page_bytes) {
      std::allocator<T>().deallocate(memory, count);
    } else {
      std::free(memory);
    }
  }

  friend bool operator==(const HugePageAllocator&, const HugePageAllocator&) { return true; }
};

template <class T>
using HugeVector = std::vector<T, HugePageAllocator<T>>;

}  // namespace newsmon::dedup
