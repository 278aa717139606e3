#pragma once
// Counts by 32-bit term id: the document frequencies, touched for every
// distinct term of every article, so one probe into a flat array
// (flat_map.hpp). FlatCounter: a time bucket's counts, which only grow;
// DocumentFrequencies: the window's and the background's together.
#include <algorithm>
#include <cstdint>
#include <vector>

#include "dedup/flat_map.hpp"

namespace newsmon::dedup {

// A time bucket's counts: they grow while its articles arrive and leave
// with the bucket.
class FlatCounter {
 public:
  void add(std::uint32_t key, std::uint32_t amount) { m_counts[key] += amount; }

  void reserve(std::size_t count) { m_counts.reserve(count); }
  void prefetch(std::uint32_t key) const { m_counts.prefetch(key); }

  // Calls visit(key, count) for every entry.
  template <class Visit>
  void for_each(Visit&& visit) const {
    m_counts.for_each(visit);
  }

  std::size_t size() const { return m_counts.size(); }
  std::size_t bytes() const { return m_counts.bytes(); }

 private:
  FlatMap<std::uint32_t, std::uint32_t> m_counts;
};

// A term's document frequency in the window and in the background memory
// of evicted articles, in one entry: IDF needs their sum for every distinct
// term of every article, and one probe costs one cache miss where two
// tables cost two.
class DocumentFrequencies {
 public:
  // Window plus background count of `term`.
  std::uint32_t get(std::uint32_t term) const {
    const Counts* counts = m_counts.find(term);
    return counts == nullptr ? 0 : counts->window + counts->background;
  }

  // The count before, then one more window document with `term`: what an
  // arriving article does in the probe that reads its IDF.
  std::uint32_t count_document(std::uint32_t term) {
    Counts& counts = m_counts[term];
    const std::uint32_t before = counts.window + counts.background;
    m_window_terms += counts.window == 0 ? 1 : 0;
    ++counts.window;
    return before;
  }

  void add_window(std::uint32_t term, std::uint32_t amount) {
    Counts& counts = m_counts[term];
    m_window_terms += counts.window == 0 && amount > 0 ? 1 : 0;
    counts.window += amount;
  }

  // Documents leaving the window: their counts move to the background.
  void retire(std::uint32_t term, std::uint32_t amount) {
    Counts& counts = m_counts[term];
    const std::uint32_t moved = std::min(counts.window, amount);
    counts.window -= moved;
    m_window_terms -= moved > 0 && counts.window == 0 ? 1 : 0;
    counts.background += amount;
  }

  void add_background(std::uint32_t term, std::uint32_t amount) { m_counts[term].background += amount; }

  // Halves every background count; a term left with no count at all loses
  // its entry (rebuilds the table: once per k_background_documents articles).
  void halve_background() {
    FlatMap<std::uint32_t, Counts> halved;
    halved.reserve(m_counts.size());
    m_counts.for_each([&](std::uint32_t term, const Counts& counts) {
      const Counts kept{counts.window, counts.background / 2};
      if (kept.window > 0 || kept.background > 0) {
        halved[term] = kept;
      }
    });
    m_counts = std::move(halved);
  }

  void prefetch(std::uint32_t term) const { m_counts.prefetch(term); }
  void reserve(std::size_t terms) { m_counts.reserve(terms); }

  // Distinct terms with a window count.
  std::size_t window_terms() const { return m_window_terms; }
  std::size_t bytes() const { return m_counts.bytes(); }

 private:
  struct Counts {
    std::uint32_t window = 0;
    std::uint32_t background = 0;
  };
  FlatMap<std::uint32_t, Counts> m_counts;
  std::size_t m_window_terms = 0;
};

}  // namespace newsmon::dedup
