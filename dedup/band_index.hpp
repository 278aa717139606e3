#pragma once
// The copy layer's LSH buckets: band key -> window slots, as compact as a
// million-article window needs (32 entries an article). Buckets of ten
// entries fill one cache line: a 16-bit tag and a 32-bit slot each, and an
// overflow count of entries that went on past the bucket because it was
// full (the F14 scheme), so a lookup is usually one cache miss and the table
// runs at up to 90% load with no tombstones: about 7 bytes an entry against
// 16 for an 8-byte entry at a power-of-two table's average load.
//
// Only the tag of a key is kept, so a lookup can return slots stored under a
// different key with the same tag and home: the caller verifies every
// candidate anyway. For the same reason the table cannot rehash itself; the
// owner rebuilds it from the signatures when full() says so.
#include <array>
#include <bit>
#include <cstdint>
#include <vector>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "dedup/huge_pages.hpp"

namespace newsmon::dedup {

inline constexpr std::size_t k_band_bucket_entries = 10;
using BucketTags = std::array<std::uint16_t, k_band_bucket_entries>;

// Bit i set: tags[i] == wanted. Branch-free: a loop over a bucket's entries
// mispredicts its exit once per bucket, and while each such branch waits for
// its bucket's cache miss the probes after it wait too. (With SSE2 the 32
// probes of a query overlap: at a 1M window 1.1 us against 3.5-4.5 us for
// the loop.)
inline unsigned match_tags_portable(const BucketTags& tags, std::uint16_t wanted) {
  unsigned matches = 0;
  for (unsigned i = 0; i < k_band_bucket_entries; ++i) {
    matches |= static_cast<unsigned>(tags[i] == wanted) << i;
  }
  return matches;
}

#if defined(__SSE2__)
inline unsigned match_tags_sse2(const BucketTags& tags, std::uint16_t wanted) {
  static_assert(k_band_bucket_entries == 10);
  // Tags 0-7 and tags 2-9: two loads inside the array.
  const __m128i want = _mm_set1_epi16(static_cast<short>(wanted));
  const auto* head = reinterpret_cast<const __m128i*>(tags.data());
  const auto* tail = reinterpret_cast<const __m128i*>(tags.data() + 2);
  const __m128i equal = _mm_packs_epi16(_mm_cmpeq_epi16(_mm_loadu_si128(head), want),
                                        _mm_cmpeq_epi16(_mm_loadu_si128(tail), want));
  const auto lanes = static_cast<unsigned>(_mm_movemask_epi8(equal));
  return (lanes & 0xFFu) | ((lanes >> 14) << 8);
}
#endif

inline unsigned match_tags(const BucketTags& tags, std::uint16_t wanted) {
#if defined(__SSE2__)
  return match_tags_sse2(tags, wanted);
#else
  return match_tags_portable(tags, wanted);
#endif
}

class BandIndex {
 public:
  static constexpr std::size_t k_bucket_entries = k_band_bucket_entries;

  explicit BandIndex(std::size_t buckets = 64) : m_buckets(buckets < 1 ? 1 : buckets) {}

  // True once adding `more` entries would pass 90% load: rebuild bigger.
  bool full(std::size_t more) const {
    return (m_size + more) * 10 > m_buckets.size() * k_bucket_entries * 9;
  }
  std::size_t bucket_count() const { return m_buckets.size(); }

  void prefetch(std::uint32_t key) const { __builtin_prefetch(&m_buckets[home(key)]); }

  void insert(std::uint32_t key, std::uint32_t value) {
    std::size_t b = home(key);
    while (m_buckets[b].count == k_bucket_entries) {
      Bucket& passed = m_buckets[b];
      if (passed.overflow != k_overflow_stuck) {
        ++passed.overflow;
      }
      b = next(b);
    }
    Bucket& bucket = m_buckets[b];
    bucket.tags[bucket.count] = tag(key);
    bucket.values[bucket.count] = value;
    ++bucket.count;
    ++m_size;
  }

  // Calls visit(value) for each value stored under `key`, and possibly for
  // a few stored under another key with the same tag.
  template <class Visit>
  void find(std::uint32_t key, Visit&& visit) const {
    const std::uint16_t wanted = tag(key);
    std::size_t b = home(key);
    for (std::size_t step = 0; step < m_buckets.size(); ++step, b = next(b)) {
      const Bucket& bucket = m_buckets[b];
      for (unsigned matches = tag_matches(bucket, wanted); matches != 0; matches &= matches - 1) {
        visit(bucket.values[static_cast<unsigned>(std::countr_zero(matches))]);
      }
      if (bucket.overflow == 0) {
        return;
      }
    }
  }

  // Removes one (key, value) entry if present.
  void erase(std::uint32_t key, std::uint32_t value) {
    const std::uint16_t wanted = tag(key);
    const std::size_t start = home(key);
    std::size_t b = start;
    for (std::size_t step = 0; step < m_buckets.size(); ++step, b = next(b)) {
      Bucket& bucket = m_buckets[b];
      for (unsigned matches = tag_matches(bucket, wanted); matches != 0; matches &= matches - 1) {
        const auto i = static_cast<unsigned>(std::countr_zero(matches));
        if (bucket.values[i] == value) {
          --bucket.count;
          bucket.tags[i] = bucket.tags[bucket.count];
          bucket.values[i] = bucket.values[bucket.count];
          --m_size;
          // The buckets it had passed no longer overflow on its account.
          for (std::size_t p = start; p != b; p = next(p)) {
            if (m_buckets[p].overflow != k_overflow_stuck) {
              --m_buckets[p].overflow;
            }
          }
          return;
        }
      }
      if (bucket.overflow == 0) {
        return;
      }
    }
  }

  std::size_t size() const { return m_size; }
  std::size_t bytes() const { return m_buckets.capacity() * sizeof(Bucket); }

 private:
  // An overflow count that reached its ceiling stays there: lookups then
  // look one bucket further than needed, never one too few.
  static constexpr std::uint8_t k_overflow_stuck = 255;

  struct alignas(64) Bucket {
    std::array<std::uint32_t, k_bucket_entries> values{};
    BucketTags tags{};
    std::uint8_t count = 0;
    std::uint8_t overflow = 0;
  };
  static_assert(sizeof(Bucket) == 64);

  static unsigned tag_matches(const Bucket& bucket, std::uint16_t wanted) {
    return match_tags(bucket.tags, wanted) & ((1u << bucket.count) - 1);
  }

  static std::uint64_t mixed(std::uint32_t key) { return key * 0x9e3779b97f4a7c15ull; }
  std::size_t home(std::uint32_t key) const {
    // The high half of the product picks the bucket over any bucket count.
    return static_cast<std::size_t>(((mixed(key) >> 32) * m_buckets.size()) >> 32);
  }
  static std::uint16_t tag(std::uint32_t key) { return static_cast<std::uint16_t>(mixed(key) >> 16); }
  std::size_t next(std::size_t b) const { return b + 1 == m_buckets.size() ? 0 : b + 1; }

  HugeVector<Bucket> m_buckets;
  std::size_t m_size = 0;
};

}  // namespace newsmon::dedup
