#pragma once
// The copy layer's LSH buckets: band key -> window slots, as compact as a
// million-article window needs (32 entries an article). Buckets of twelve
// entries fill one cache line: a 13-bit tag and a 27-bit slot each, the
// tag's low 8 bits in a row of bytes that one compare matches, its high 5
// above the slot. (Twelve rather than ten 16-bit-tag entries a line: at a
// 1M window the same 239 MB holds its entries 71% full instead of 86%, and
// the moves an insert makes when both of a key's buckets are full, each a
// cache miss waiting on the one before, all but vanish.)
//
// Each key has two buckets (two-choice, as in a cuckoo filter): its home,
// and a second one at an offset fixed by its tag, so an entry can move to
// its other bucket knowing only its tag and where it is. An insert takes
// the emptier of the two, moving entries on to their other bucket when both
// are full; a lookup reads exactly two cache lines, both loaded before
// either is matched, with no chain to follow. (The earlier scheme, a home
// bucket and an overflow count of entries that went on past it, degraded
// under churn: erased entries never came home, and after 1M articles
// through a 1M window 88% of buckets had an entry past them and the copy
// search took twice as long.) It runs at up to 90% load with no tombstones:
// about 6-7 bytes an entry against 16 for an 8-byte entry at a
// power-of-two table's average load.
//
// Only the tag of a key is kept, so a lookup can return slots stored under a
// different key with the same tag and home: the caller verifies every
// candidate anyway. For the same reason the table cannot rehash itself; the
// owner rebuilds it from the signatures when full() says so or an insert
// fails.
#include <array>
#include <bit>
#include <cassert>
#include <cstdint>
#include <vector>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "dedup/huge_pages.hpp"
#include "dedup/load_early.hpp"

namespace newsmon::dedup {

inline constexpr std::size_t k_band_bucket_entries = 12;
using BucketTags = std::array<std::uint8_t, k_band_bucket_entries>;

// Bit i set: tags[i] == wanted. Branch-free: a loop over a bucket's entries
// mispredicts its exit once per bucket, and while each such branch waits for
// its bucket's cache miss the probes after it wait too. (With SSE2 the 32
// probes of a query overlap: at a 1M window 1.1 us against 3.5-4.5 us for
// the loop, measured with ten 16-bit tags a bucket.)
inline unsigned match_tags_portable(const BucketTags& tags, std::uint8_t wanted) {
  unsigned matches = 0;
  for (unsigned i = 0; i < k_band_bucket_entries; ++i) {
    matches |= static_cast<unsigned>(tags[i] == wanted) << i;
  }
  return matches;
}

#if defined(__SSE2__)
inline unsigned match_tags_sse2(const BucketTags& tags, std::uint8_t wanted) {
  static_assert(k_band_bucket_entries == 12);
  // Tags 0-7 and tags 4-11: two 8-byte loads inside the array.
  const __m128i head = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(tags.data()));
  const __m128i tail = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(tags.data() + 4));
  const __m128i equal =
      _mm_cmpeq_epi8(_mm_unpacklo_epi64(head, tail), _mm_set1_epi8(static_cast<char>(wanted)));
  const auto lanes = static_cast<unsigned>(_mm_movemask_epi8(equal));
  return (lanes & 0xFFu) | ((lanes >> 12) << 8);
}
#endif

inline unsigned match_tags(const BucketTags& tags, std::uint8_t wanted) {
#if defined(__SSE2__)
  return match_tags_sse2(tags, wanted);
#else
  return match_tags_portable(tags, wanted);
#endif
}

class BandIndex {
 public:
  static constexpr std::size_t k_bucket_entries = k_band_bucket_entries;
  // Values (window slots) fit in 27 bits; above them, the tag's bits past
  // the k_low_tag_bits kept in the bucket's row of tags.
  static constexpr unsigned k_value_bits = 27;
  static constexpr unsigned k_tag_bits = 13;
  static constexpr unsigned k_low_tag_bits = 8;
  static constexpr std::uint32_t k_max_value = (std::uint32_t{1} << k_value_bits) - 1;

  explicit BandIndex(std::size_t buckets = 64) : m_buckets(buckets < 2 ? 2 : buckets) {}

  // True once adding `more` entries would pass 90% load: rebuild bigger.
  bool full(std::size_t more) const {
    return (m_size + more) * 10 > m_buckets.size() * k_bucket_entries * 9;
  }
  std::size_t bucket_count() const { return m_buckets.size(); }

  // Which of its two buckets an entry went to: a hint, since later moves
  // can take it to the other (erase() then looks there too). `none`: no
  // room was found, one entry (this one or another) is out of the table,
  // and the owner must rebuild it.
  enum class Filed : std::uint8_t { home, second, none };

  // Starts loading both of `key`'s buckets (load_early.hpp).
  void load_early(std::uint32_t key) const {
    const std::size_t first = home(key);
    dedup::load_early(&m_buckets[first]);
    dedup::load_early(&m_buckets[other(first, tag(key), false)]);
  }

  // Starts loading one of them: where erase() with that side looks first.
  void load_early(std::uint32_t key, Filed side) const {
    const std::size_t first = home(key);
    dedup::load_early(&m_buckets[side == Filed::second ? other(first, tag(key), false) : first]);
  }

  // `value` at most k_max_value: the bits above it hold the tag's.
  [[nodiscard]] Filed insert(std::uint32_t key, std::uint32_t value) {
    assert(value <= k_max_value);
    const std::uint16_t key_tag = tag(key);
    const std::size_t first = home(key);
    const std::size_t second = other(first, key_tag, false);
    Entry entry{key_tag, value, false};
    if (const Filed replaced = replace_a_copy(first, second, entry); replaced != Filed::none) {
      return replaced;
    }
    std::size_t b = m_buckets[second].count < m_buckets[first].count ? second : first;
    entry.second = b == second;
    // The new entry stays where it is first put, unless a chain of moves
    // comes back to take it out again (then erase() finds it in its other
    // bucket).
    const Filed side = entry.second ? Filed::second : Filed::home;
    for (unsigned move = 0; move < k_max_moves; ++move) {
      Bucket& bucket = m_buckets[b];
      if (bucket.count < k_bucket_entries) {
        put(bucket, bucket.count, entry);
        ++bucket.count;
        ++m_size;
        return side;
      }
      // Both of the entry's buckets are full: it takes a place in this one
      // and the entry there moves on to its own other bucket.
      const unsigned i = next_victim();
      Entry moved = take(bucket, i);
      put(bucket, i, entry);
      entry = moved;
      b = other(b, entry.tag, entry.second);
      entry.second = !entry.second;
    }
    return Filed::none;
  }

  // Calls visit(value) for each value stored under `key`, and possibly for
  // a few stored under another key with the same tag and buckets.
  template <class Visit>
  void find(std::uint32_t key, Visit&& visit) const {
    const std::uint16_t wanted = tag(key);
    const std::size_t first = home(key);
    const Bucket& home_bucket = m_buckets[first];
    const Bucket& second_bucket = m_buckets[other(first, wanted, false)];
    const unsigned at_home = tag_matches(home_bucket, wanted) & ~home_bucket.second;
    const unsigned at_second = tag_matches(second_bucket, wanted) & second_bucket.second;
    for (unsigned matches = at_home; matches != 0; matches &= matches - 1) {
      visit(value_at(home_bucket, static_cast<unsigned>(std::countr_zero(matches))));
    }
    for (unsigned matches = at_second; matches != 0; matches &= matches - 1) {
      visit(value_at(second_bucket, static_cast<unsigned>(std::countr_zero(matches))));
    }
  }

  // Removes one (key, value) entry if present, looking first in the bucket
  // insert() said it went to: moves since may have taken it to the other,
  // which is read only then.
  void erase(std::uint32_t key, std::uint32_t value, Filed side = Filed::home) {
    const std::uint16_t wanted = tag(key);
    const std::size_t first = home(key);
    const bool second_first = side == Filed::second;
    for (bool second : {second_first, !second_first}) {
      Bucket& bucket = m_buckets[second ? other(first, wanted, false) : first];
      const unsigned here = second ? bucket.second : ~bucket.second;
      for (unsigned matches = tag_matches(bucket, wanted) & here; matches != 0; matches &= matches - 1) {
        const auto i = static_cast<unsigned>(std::countr_zero(matches));
        if (value_at(bucket, i) == value) {
          const unsigned last = bucket.count - 1u;
          put(bucket, i, take(bucket, last));
          bucket.count = static_cast<std::uint8_t>(last);
          --m_size;
          return;
        }
      }
    }
  }

  std::size_t size() const { return m_size; }
  std::size_t bytes() const { return m_buckets.capacity() * sizeof(Bucket); }

 private:
  // Moves an insert may make before giving up; at 90% load with twelve entries
  // a bucket, inserts almost never need more than a few.
  static constexpr unsigned k_max_moves = 500;
  static constexpr std::size_t k_max_offset = 1024;

  struct alignas(64) Bucket {
    // The value, and above it the high 5 bits of the tag.
    std::array<std::uint32_t, k_bucket_entries> values{};
    BucketTags tags{};  // the low 8 bits of each tag
    std::uint8_t count = 0;
    // Bit i: entry i is in its second bucket (this one), not its home.
    std::uint16_t second = 0;
  };
  static_assert(sizeof(Bucket) == 64);
  static_assert(k_value_bits + k_tag_bits - k_low_tag_bits == 32);

  struct Entry {
    std::uint16_t tag = 0;  // 13 bits
    std::uint32_t value = 0;
    bool second = false;
  };

  static std::uint32_t value_at(const Bucket& bucket, unsigned i) { return bucket.values[i] & k_max_value; }
  static std::uint32_t high_tag_at(const Bucket& bucket, unsigned i) { return bucket.values[i] >> k_value_bits; }

  static Entry take(const Bucket& bucket, unsigned i) {
    return Entry{static_cast<std::uint16_t>(high_tag_at(bucket, i) << k_low_tag_bits | bucket.tags[i]),
                 value_at(bucket, i), ((bucket.second >> i) & 1u) != 0};
  }
  static void put(Bucket& bucket, unsigned i, const Entry& entry) {
    bucket.tags[i] = static_cast<std::uint8_t>(entry.tag);
    bucket.values[i] = entry.value | static_cast<std::uint32_t>(entry.tag >> k_low_tag_bits) << k_value_bits;
    bucket.second = static_cast<std::uint16_t>((bucket.second & ~(1u << i)) |
                                               (entry.second ? 1u << i : 0u));
  }

  // A key's entries all go to the same two buckets, which hold 24: a story
  // copied word for word many times over would fill them and no move could
  // make room. Once both are full and hold k_max_copies entries with the
  // new one's tag on its side, the new one takes the place of one of them
  // (the one left out is an older copy of the same text, or very rarely an
  // entry of another key with the same tag; either is verified, not
  // trusted, by the caller).
  static constexpr int k_max_copies = 6;

  Filed replace_a_copy(std::size_t first, std::size_t second, Entry entry) {
    Bucket& home_bucket = m_buckets[first];
    Bucket& second_bucket = m_buckets[second];
    if (home_bucket.count < k_bucket_entries || second_bucket.count < k_bucket_entries) {
      return Filed::none;
    }
    const unsigned at_home = tag_matches(home_bucket, entry.tag) & ~home_bucket.second;
    const unsigned at_second = tag_matches(second_bucket, entry.tag) & second_bucket.second;
    if (std::popcount(at_home) + std::popcount(at_second) < k_max_copies) {
      return Filed::none;
    }
    // Which copy goes: any of them, pseudo-randomly, so that the same place
    // is not overwritten each time while the oldest copies stay.
    unsigned skip = next_random() % static_cast<unsigned>(std::popcount(at_home) + std::popcount(at_second));
    for (unsigned matches = at_home; matches != 0; matches &= matches - 1, --skip) {
      if (skip == 0) {
        put(home_bucket, static_cast<unsigned>(std::countr_zero(matches)), entry);
        return Filed::home;
      }
    }
    for (unsigned matches = at_second; matches != 0; matches &= matches - 1, --skip) {
      if (skip == 0) {
        entry.second = true;
        put(second_bucket, static_cast<unsigned>(std::countr_zero(matches)), entry);
        return Filed::second;
      }
    }
    return Filed::none;
  }

  // Entries whose whole tag is `wanted`: the low bytes matched at once, the
  // few that match checked for the high bits.
  static unsigned tag_matches(const Bucket& bucket, std::uint16_t wanted) {
    unsigned matches = match_tags(bucket.tags, static_cast<std::uint8_t>(wanted)) & ((1u << bucket.count) - 1);
    for (unsigned low = matches; low != 0; low &= low - 1) {
      const auto i = static_cast<unsigned>(std::countr_zero(low));
      if (high_tag_at(bucket, i) != static_cast<std::uint32_t>(wanted >> k_low_tag_bits)) {
        matches &= ~(1u << i);
      }
    }
    return matches;
  }

  static std::uint64_t mixed(std::uint32_t key) { return key * 0x9e3779b97f4a7c15ull; }
  std::size_t home(std::uint32_t key) const {
    // The high half of the product picks the bucket over any bucket count.
    return static_cast<std::size_t>(((mixed(key) >> 32) * m_buckets.size()) >> 32);
  }
  static std::uint16_t tag(std::uint32_t key) {
    return static_cast<std::uint16_t>((mixed(key) >> 16) & ((1u << k_tag_bits) - 1));
  }
  // The bucket an entry with `entry_tag` moves to from bucket b, b being its
  // second bucket or not: home + offset and back, the offset in
  // [1, buckets) and fixed by the tag.
  std::size_t other(std::size_t b, std::uint16_t entry_tag, bool in_second) const {
    const std::size_t n = m_buckets.size();
    const std::uint32_t spread = static_cast<std::uint32_t>(entry_tag) * 0x9e3779b1u;
    const std::size_t span = n - 1 < k_max_offset ? n - 1 : k_max_offset;
    const std::size_t offset = 1 + static_cast<std::size_t>((std::uint64_t{spread} * span) >> 32);
    const std::size_t moved = in_second ? b + n - offset : b + offset;
    return moved >= n ? moved - n : moved;
  }
  // Which entry of a full bucket moves on: pseudo-random, so a chain of
  // moves does not cycle between the same few entries.
  unsigned next_victim() { return next_random() % k_bucket_entries; }
  std::uint32_t next_random() {
    m_random_state ^= m_random_state << 13;
    m_random_state ^= m_random_state >> 17;
    m_random_state ^= m_random_state << 5;
    return m_random_state;
  }

  HugeVector<Bucket> m_buckets;
  std::size_t m_size = 0;
  std::uint32_t m_random_state = 2463534242u;
};

}  // namespace newsmon::dedup
