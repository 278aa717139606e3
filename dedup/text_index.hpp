#pragma once
// The verbatim layer's index: canonical text hash -> the newest window slot
// with that text. An entry is 8 bytes, the top half of the hash and the
// slot, against 16 in a FlatMap64<std::uint32_t> (at a 1M window, 17 of the
// 33 bytes an article it cost). The slot keeps the whole hash, so the caller
// passes a way to read it: a hit is confirmed on all 64 bits, and two texts
// that share the top half are both filed, each in an entry of its own.
// Linear probing with backward-shift deletion, as in flat_map.hpp.
#include <cstdint>
#include <limits>

#include "dedup/huge_pages.hpp"
#include "dedup/load_early.hpp"

namespace newsmon::dedup {

class TextIndex {
 public:
  static constexpr std::uint32_t k_none = std::numeric_limits<std::uint32_t>::max();

  TextIndex() { m_entries.resize(k_initial); }

  // The slot filed under `hash`, or k_none. full_hash(slot) is the hash the
  // slot was filed under.
  template <class FullHash>
  std::uint32_t find(std::uint64_t hash, FullHash&& full_hash) const {
    const std::uint32_t wanted = tag(hash);
    for (std::size_t i = home(wanted); m_entries[i].slot != k_none; i = next(i)) {
      if (m_entries[i].tag == wanted && full_hash(m_entries[i].slot) == hash) {
        return m_entries[i].slot;
      }
    }
    return k_none;
  }

  // Starts loading the entry `hash` would be found at (load_early.hpp).
  void load_early(std::uint64_t hash) const { dedup::load_early(&m_entries[home(tag(hash))]); }

  // Files `slot` under `hash`, in place of the slot filed under it before.
  template <class FullHash>
  void assign(std::uint64_t hash, std::uint32_t slot, FullHash&& full_hash) {
    if ((m_size + 1) * 4 > m_entries.size() * 3) {
      grow();
    }
    const std::uint32_t wanted = tag(hash);
    std::size_t i = home(wanted);
    for (; m_entries[i].slot != k_none; i = next(i)) {
      if (m_entries[i].tag == wanted && full_hash(m_entries[i].slot) == hash) {
        m_entries[i].slot = slot;
        return;
      }
    }
    m_entries[i] = Entry{wanted, slot};
    ++m_size;
  }

  // Removes `slot` from under `hash` if it is filed there (a newer slot with
  // the same text may have taken its place).
  void erase(std::uint64_t hash, std::uint32_t slot) {
    const std::uint32_t wanted = tag(hash);
    std::size_t i = home(wanted);
    while (m_entries[i].slot != k_none &&
           (m_entries[i].tag != wanted || m_entries[i].slot != slot)) {
      i = next(i);
    }
    if (m_entries[i].slot == k_none) {
      return;
    }
    std::size_t hole = i;
    for (std::size_t j = next(i); m_entries[j].slot != k_none; j = next(j)) {
      const std::size_t want = home(m_entries[j].tag);
      const bool movable = hole <= j ? (want <= hole || want > j) : (want <= hole && want > j);
      if (movable) {
        m_entries[hole] = m_entries[j];
        hole = j;
      }
    }
    m_entries[hole] = Entry{};
    --m_size;
  }

  std::size_t size() const { return m_size; }
  std::size_t bytes() const { return m_entries.capacity() * sizeof(Entry); }

 private:
  struct Entry {
    std::uint32_t tag = 0;
    std::uint32_t slot = k_none;  // k_none: empty
  };
  static constexpr std::size_t k_initial = 64;

  static std::uint32_t tag(std::uint64_t hash) { return static_cast<std::uint32_t>(hash >> 32); }
  // Fibonacci hashing of the tag, as flat_map.hpp does with whole keys.
  std::size_t home(std::uint32_t tag) const {
    return static_cast<std::size_t>((tag * 0x9e3779b97f4a7c15ull) >> 32) & (m_entries.size() - 1);
  }
  std::size_t next(std::size_t i) const { return (i + 1) & (m_entries.size() - 1); }

  void grow() {
    HugeVector<Entry> old(m_entries.size() * 2);
    old.swap(m_entries);
    for (const Entry& entry : old) {
      if (entry.slot != k_none) {
        std::size_t i = home(entry.tag);
        while (m_entries[i].slot != k_none) {
          i = next(i);
        }
        m_entries[i] = entry;
      }
    }
  }

  HugeVector<Entry> m_entries;
  std::size_t m_size = 0;
};

}  // namespace newsmon::dedup
