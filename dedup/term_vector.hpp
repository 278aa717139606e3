#pragma once
// The coverage layer's vectors as the window keeps them and as a query
// probes them.
//
// A window article keeps its k heaviest terms in k 32-bit words: the top 24
// bits of the term id and an 8-bit weight scaled to the vector's heaviest
// term, heaviest first. Four bytes a term instead of eight. Two terms that
// share their top 24 bits within one comparison add a spurious product of
// two weights; with ~500 query terms against 64 that happens once per
// ~500 comparisons and moves that cosine by a few hundredths at most. The
// weight rounding moves a cosine by less than 0.005, far below the
// threshold's resolution.
//
// A query is the new article's full vector in a small open-addressing table
// (term prefix -> weight), so scoring a candidate is k lookups in a table
// that sits in L1 rather than a merge of two sorted lists.
#include <cstdint>
#include <span>
#include <vector>

#include "dedup/terms.hpp"

namespace newsmon::dedup {

// The id under which a term is compared, indexed and stored: its top 24 bits.
inline std::uint32_t term_prefix(std::uint32_t term) { return term >> 8; }

struct PackedTermWord {
  static std::uint32_t pack(std::uint32_t term, std::uint8_t weight) {
    return (term & 0xFFFFFF00u) | weight;
  }
  static std::uint32_t prefix(std::uint32_t word) { return word >> 8; }
  static std::uint8_t weight(std::uint32_t word) { return static_cast<std::uint8_t>(word & 0xFFu); }
};

// Packs `heaviest_first` (weights descending) into `words`; returns the
// scale that turns a stored weight back into the term's weight.
float pack_terms(std::span<const WeightedTerm> heaviest_first, std::uint32_t* words);

class QueryVector {
 public:
  // `terms`: the whole normalised vector of the new article.
  void assign(std::span<const WeightedTerm> terms);

  // Cosine with a packed window vector.
  double dot(const std::uint32_t* words, std::size_t count, float scale) const;

 private:
  struct Entry {
    std::uint32_t prefix = 0;  // 0: empty (a real prefix 0 is stored as k_zero_prefix)
    float weight = 0;
  };
  static constexpr std::uint32_t k_zero_prefix = 0x01000000u;
  static std::uint32_t stored(std::uint32_t prefix) { return prefix == 0 ? k_zero_prefix : prefix; }

  std::vector<Entry> m_entries;
  std::size_t m_mask = 0;
  std::size_t m_size = 0;
};

}  // namespace newsmon::dedup
