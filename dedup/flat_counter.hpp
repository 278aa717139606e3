#pragma once
// An open-addressing map from 32-bit term ids to counts: the document
// frequencies, touched for every distinct term of every article, so they
// must be one probe into a flat array, not a node per term. Linear probing
// with backward-shift deletion: a count that drops to zero leaves no
// tombstone behind.
#include <cstdint>
#include <vector>

namespace newsmon::dedup {

class FlatCounter {
 public:
  FlatCounter() { m_entries.assign(k_initial, Entry{}); }

  std::uint32_t get(std::uint32_t key) const {
    key = stored(key);
    std::size_t mask = m_entries.size() - 1;
    for (std::size_t i = home(key); m_entries[i].key != 0; i = (i + 1) & mask) {
      if (m_entries[i].key == key) {
        return m_entries[i].count;
      }
    }
    return 0;
  }

  // Room for `count` keys without growing (a restore adds whole tables).
  void reserve(std::size_t count) {
    while (count * 4 > m_entries.size() * 3) {
      grow();
    }
  }

  // Starts loading the entry `key` would be found at: a caller about to
  // look up hundreds of keys issues these first so the misses overlap.
  void prefetch(std::uint32_t key) const { __builtin_prefetch(&m_entries[home(stored(key))]); }

  void add(std::uint32_t key, std::uint32_t amount) {
    key = stored(key);
    if ((m_size + 1) * 4 > m_entries.size() * 3) {
      grow();
    }
    std::size_t mask = m_entries.size() - 1;
    std::size_t i = home(key);
    while (m_entries[i].key != 0 && m_entries[i].key != key) {
      i = (i + 1) & mask;
    }
    if (m_entries[i].key == 0) {
      m_entries[i] = Entry{key, 0};
      ++m_size;
    }
    m_entries[i].count += amount;
  }

  // Subtracts, removing the entry when it reaches zero.
  void subtract(std::uint32_t key, std::uint32_t amount) {
    key = stored(key);
    std::size_t mask = m_entries.size() - 1;
    std::size_t i = home(key);
    while (m_entries[i].key != 0 && m_entries[i].key != key) {
      i = (i + 1) & mask;
    }
    if (m_entries[i].key == 0) {
      return;
    }
    if (m_entries[i].count > amount) {
      m_entries[i].count -= amount;
      return;
    }
    std::size_t hole = i;
    for (std::size_t j = (i + 1) & mask; m_entries[j].key != 0; j = (j + 1) & mask) {
      std::size_t want = home(m_entries[j].key);
      bool movable = hole <= j ? (want <= hole || want > j) : (want <= hole && want > j);
      if (movable) {
        m_entries[hole] = m_entries[j];
        hole = j;
      }
    }
    m_entries[hole] = Entry{};
    --m_size;
  }

  // Calls visit(key, count) for every entry.
  template <class Visit>
  void for_each(Visit&& visit) const {
    for (const Entry& entry : m_entries) {
      if (entry.key != 0) {
        visit(entry.key == k_zero_key ? 0u : entry.key, entry.count);
      }
    }
  }

  // Halves every count, dropping those that reach zero (rebuilds the table:
  // called once per k_background_documents articles).
  void halve() {
    std::vector<Entry> old;
    old.swap(m_entries);
    m_entries.assign(old.size(), Entry{});
    m_size = 0;
    for (const Entry& entry : old) {
      if (entry.key != 0 && entry.count / 2 > 0) {
        add(entry.key == k_zero_key ? 0u : entry.key, entry.count / 2);
      }
    }
  }

  std::size_t size() const { return m_size; }
  std::size_t bytes() const { return m_entries.capacity() * sizeof(Entry); }

 private:
  struct Entry {
    std::uint32_t key = 0;
    std::uint32_t count = 0;
  };
  static constexpr std::size_t k_initial = 64;
  // Key 0 marks an empty entry; term 0 is stored under this key instead.
  static constexpr std::uint32_t k_zero_key = 0xFFFFFFFFu;

  static std::uint32_t stored(std::uint32_t key) { return key == 0 ? k_zero_key : key; }

  std::size_t home(std::uint32_t key) const {
    return static_cast<std::size_t>((key * 0x9e3779b97f4a7c15ull) >> 32) & (m_entries.size() - 1);
  }

  void grow() {
    std::vector<Entry> old(m_entries.size() * 2, Entry{});
    old.swap(m_entries);
    std::size_t mask = m_entries.size() - 1;
    for (const Entry& entry : old) {
      if (entry.key != 0) {
        std::size_t i = home(entry.key);
        while (m_entries[i].key != 0) {
          i = (i + 1) & mask;
        }
        m_entries[i] = entry;
      }
    }
  }

  std::vector<Entry> m_entries;
  std::size_t m_size = 0;
};

}  // namespace newsmon::dedup
