#pragma once
// An open-addressing map from hashed integer keys to small values: item
// keys, verbatim-text hashes, the story index, document frequencies, the
// posting index. A window of a million articles holds millions of these; a
// node per entry (std::unordered_map: ~56 bytes and an allocation each)
// would be a third of the window's memory. Linear probing with
// backward-shift deletion, so eviction leaves no tombstones.
//
// Keys are hashes (or term ids, themselves hashes): key 0 marks an empty
// entry, so a real 0 is stored under k_zero_key, which must then not occur
// as a key of its own.
#include <cstdint>
#include <utility>
#include "dedup/huge_pages.hpp"
#include "dedup/load_early.hpp"

namespace newsmon::dedup {

template <class Key, class Value>
class FlatMap {
 public:
  FlatMap() { m_entries.resize(k_initial); }

  Value* find(Key key) {
    key = stored(key);
    std::size_t mask = m_entries.size() - 1;
    for (std::size_t i = home(key); m_entries[i].key != 0; i = (i + 1) & mask) {
      if (m_entries[i].key == key) {
        return &m_entries[i].value;
      }
    }
    return nullptr;
  }
  const Value* find(Key key) const { return const_cast<FlatMap*>(this)->find(key); }

  // The value under `key`, default-constructed if it was absent.
  Value& operator[](Key key) {
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

  void erase(Key key) {
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

  // Room for `count` keys without growing (a restore adds whole tables).
  void reserve(std::size_t count) {
    while (count * 4 > m_entries.size() * 3) {
      grow();
    }
  }

  // Starts loading the entry `key` would be found at: a caller about to
  // look up hundreds of keys issues these first so the misses overlap.
  void prefetch(Key key) const { __builtin_prefetch(&m_entries[home(stored(key))]); }
  // The same with a load (see load_early.hpp), for tables a prefetch
  // instruction was seen to miss.
  void load_early(Key key) const { dedup::load_early(&m_entries[home(stored(key))]); }

  // Calls visit(key, value) for every entry.
  template <class Visit>
  void for_each(Visit&& visit) const {
    for (const Entry& entry : m_entries) {
      if (entry.key != 0) {
        visit(entry.key == k_zero_key ? Key{0} : entry.key, entry.value);
      }
    }
  }

  std::size_t size() const { return m_size; }
  std::size_t bytes() const { return m_entries.capacity() * sizeof(Entry); }

 private:
  struct Entry {
    Key key = 0;
    Value value{};
  };
  static constexpr std::size_t k_initial = 64;
  static constexpr Key k_zero_key = static_cast<Key>(0x9e3779b97f4a7c15ull);

  static Key stored(Key key) { return key == 0 ? k_zero_key : key; }

  // Fibonacci hashing: the product's high half spreads keys that share low
  // bits.
  std::size_t home(Key key) const {
    return static_cast<std::size_t>((static_cast<std::uint64_t>(key) * 0x9e3779b97f4a7c15ull) >> 32) &
           (m_entries.size() - 1);
  }

  void grow() {
    HugeVector<Entry> old(m_entries.size() * 2);
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

  HugeVector<Entry> m_entries;
  std::size_t m_size = 0;
};

template <class Value>
using FlatMap64 = FlatMap<std::uint64_t, Value>;

}  // namespace newsmon::dedup
