#pragma once
// Counts by 32-bit term id: the document frequencies, touched for every
// distinct term of every article, so one probe into a flat array
// (flat_map.hpp); a count that drops to zero leaves no entry behind.
#include <cstdint>
#include <vector>

#include "dedup/flat_map.hpp"

namespace newsmon::dedup {

class FlatCounter {
 public:
  std::uint32_t get(std::uint32_t key) const {
    const std::uint32_t* count = m_counts.find(key);
    return count == nullptr ? 0 : *count;
  }

  void add(std::uint32_t key, std::uint32_t amount) { m_counts[key] += amount; }

  // Subtracts, removing the entry when it reaches zero.
  void subtract(std::uint32_t key, std::uint32_t amount) {
    std::uint32_t* count = m_counts.find(key);
    if (count == nullptr) {
      return;
    }
    if (*count > amount) {
      *count -= amount;
    } else {
      m_counts.erase(key);
    }
  }

  void reserve(std::size_t count) { m_counts.reserve(count); }
  void prefetch(std::uint32_t key) const { m_counts.prefetch(key); }

  // Calls visit(key, count) for every entry.
  template <class Visit>
  void for_each(Visit&& visit) const {
    m_counts.for_each(visit);
  }

  // Halves every count, dropping those that reach zero (rebuilds the table:
  // called once per k_background_documents articles).
  void halve() {
    FlatMap<std::uint32_t, std::uint32_t> halved;
    halved.reserve(m_counts.size());
    m_counts.for_each([&](std::uint32_t key, std::uint32_t count) {
      if (count / 2 > 0) {
        halved[key] = count / 2;
      }
    });
    m_counts = std::move(halved);
  }

  std::size_t size() const { return m_counts.size(); }
  std::size_t bytes() const { return m_counts.bytes(); }

 private:
  FlatMap<std::uint32_t, std::uint32_t> m_counts;
};

}  // namespace newsmon::dedup
