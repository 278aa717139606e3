#pragma once
// An open-addressing multimap from 32-bit keys to 32-bit window slots: the
// LSH buckets. Eight bytes per entry and no node allocations, which is what
// keeps a million-article window's band index in a few hundred MB. Linear
// probing with backward-shift deletion, so erasing leaves no tombstones and
// eviction never triggers a rebuild. Keys are hashes, so a key collision
// only adds a candidate that verification rejects.
#include <cstdint>
#include <limits>
#include <vector>

namespace newsmon::dedup {

class FlatMultimap {
 public:
  static constexpr std::uint32_t k_empty = std::numeric_limits<std::uint32_t>::max();

  FlatMultimap() { m_entries.assign(k_initial, Entry{0, k_empty}); }

  void insert(std::uint32_t key, std::uint32_t value) {
    if ((m_size + 1) * 5 > m_entries.size() * 4) {
      grow();
    }
    place(key, value);
    ++m_size;
  }

  // Calls visit(value) for each value stored under `key`.
  template <class Visit>
  void find(std::uint32_t key, Visit&& visit) const {
    std::size_t mask = m_entries.size() - 1;
    for (std::size_t i = home(key); m_entries[i].value != k_empty; i = (i + 1) & mask) {
      if (m_entries[i].key == key) {
        visit(m_entries[i].value);
      }
    }
  }

  // Removes one (key, value) entry if present.
  void erase(std::uint32_t key, std::uint32_t value) {
    std::size_t mask = m_entries.size() - 1;
    std::size_t i = home(key);
    while (m_entries[i].value != k_empty &&
           !(m_entries[i].key == key && m_entries[i].value == value)) {
      i = (i + 1) & mask;
    }
    if (m_entries[i].value == k_empty) {
      return;
    }
    // Backward shift: pull later entries of the run into the hole when
    // their home position allows it.
    std::size_t hole = i;
    for (std::size_t j = (i + 1) & mask; m_entries[j].value != k_empty; j = (j + 1) & mask) {
      std::size_t want = home(m_entries[j].key);
      bool movable = hole <= j ? (want <= hole || want > j) : (want <= hole && want > j);
      if (movable) {
        m_entries[hole] = m_entries[j];
        hole = j;
      }
    }
    m_entries[hole] = Entry{0, k_empty};
    --m_size;
  }

  std::size_t size() const { return m_size; }
  std::size_t bytes() const { return m_entries.capacity() * sizeof(Entry); }

 private:
  struct Entry {
    std::uint32_t key;
    std::uint32_t value;
  };
  static constexpr std::size_t k_initial = 1024;

  std::size_t home(std::uint32_t key) const {
    // Fibonacci hashing spreads keys that share low bits.
    return static_cast<std::size_t>((key * 0x9e3779b97f4a7c15ull) >> 32) & (m_entries.size() - 1);
  }

  void place(std::uint32_t key, std::uint32_t value) {
    std::size_t mask = m_entries.size() - 1;
    std::size_t i = home(key);
    while (m_entries[i].value != k_empty) {
      i = (i + 1) & mask;
    }
    m_entries[i] = Entry{key, value};
  }

  void grow() {
    std::vector<Entry> old(m_entries.size() * 2, Entry{0, k_empty});
    old.swap(m_entries);
    for (const Entry& entry : old) {
      if (entry.value != k_empty) {
        place(entry.key, entry.value);
      }
    }
  }

  std::vector<Entry> m_entries;
  std::size_t m_size = 0;
};

}  // namespace newsmon::dedup
