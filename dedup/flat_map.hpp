#pragma once
// An open-addressing map from 64-bit hashes to small values: item keys,
// verbatim-text hashes and story numbers. A window of a million articles
// holds millions of these; a node per entry (std::unordered_map: ~56 bytes
// and an allocation each) would be a third of the window's memory. Linear
// probing with backward-shift deletion, so eviction leaves no tombstones.
#include <cstdint>
#include <utility>
#include <vector>

namespace newsmon::dedup {

template <class Value>
class FlatMap64 {
 public:
  FlatMap64() { m_entries.resize(k_initial); }

  Value* find(std::uint64_t key) {
    key = stored(key);
    std::size_t mask = m_entries.size() - 1;
    for (std::size_t i = home(key); m_entries[i].key != 0; i = (i + 1) & mask) {
      if (m_entries[i].key == key) {
        return &m_entries[i].value;
      }
    }
    return nullptr;
  }
  const Value* find(std::uint64_t key) const { return const_cast<FlatMap64*>(this)->find(key); }

  // The value under `key`, default-constructed if it was absent.
  Value& operator[](std::uint64_t key) {
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
      m_entries[i].key = key;
      m_entries[i].value = Value{};
      ++m_size;
    }
    return m_entries[i].value;
  }

  void erase(std::uint64_t key) {
    key = stored(key);
    std::size_t mask = m_entries.size() - 1;
    std::size_t i = home(key);
    while (m_entries[i].key != 0 && m_entries[i].key != key) {
      i = (i + 1) & mask;
    }
    if (m_entries[i].key == 0) {
      return;
    }
    std::size_t hole = i;
    for (std::size_t j = (i + 1) & mask; m_entries[j].key != 0; j = (j + 1) & mask) {
      std::size_t want = home(m_entries[j].key);
      bool movable = hole <= j ? (want <= hole || want > j) : (want <= hole && want > j);
      if (movable) {
        m_entries[hole] = std::move(m_entries[j]);
        hole = j;
      }
    }
    m_entries[hole] = Entry{};
    --m_size;
  }

  // Calls visit(key, value) for every entry.
  template <class Visit>
  void for_each(Visit&& visit) const {
    for (const Entry& entry : m_entries) {
      if (entry.key != 0) {
        visit(entry.key == k_zero_key ? 0 : entry.key, entry.value);
      }
    }
  }

  std::size_t size() const { return m_size; }
  std::size_t bytes() const { return m_entries.capacity() * sizeof(Entry); }

 private:
  struct Entry {
    std::uint64_t key = 0;
    Value value{};
  };
  static constexpr std::size_t k_initial = 64;
  // Key 0 marks an empty entry; a real 0 is stored under this key instead.
  static constexpr std::uint64_t k_zero_key = 0x9e3779b97f4a7c15ull;

  static std::uint64_t stored(std::uint64_t key) { return key == 0 ? k_zero_key : key; }

  std::size_t home(std::uint64_t key) const {
    return static_cast<std::size_t>((key * 0x9e3779b97f4a7c15ull) >> 20) & (m_entries.size() - 1);
  }

  void grow() {
    std::vector<Entry> old(m_entries.size() * 2);
    old.swap(m_entries);
    std::size_t mask = m_entries.size() - 1;
    for (Entry& entry : old) {
      if (entry.key != 0) {
        std::size_t i = home(entry.key);
        while (m_entries[i].key != 0) {
          i = (i + 1) & mask;
        }
        m_entries[i] = std::move(entry);
      }
    }
  }

  std::vector<Entry> m_entries;
  std::size_t m_size = 0;
};

}  // namespace newsmon::dedup
