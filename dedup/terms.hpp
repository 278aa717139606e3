#pragma once
// The coverage layer's pure functions: weighted terms of an article and the
// cosine between two of them. Independent write-ups of one event share few
// phrases but many rare words (names, places, numbers), so they are compared
// as TF-IDF vectors, not as shingles.
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "dedup/text.hpp"

namespace newsmon::dedup {

struct TermCount {
  std::uint32_t term = 0;
  float tf = 0;  // boosted count: title words and names count more
};

// Terms of an article, sorted by term id. English stop words and single
// characters are left out (the window can be too small for IDF to learn
// them); in scripts without spaces the terms are character bigrams. A title
// word counts k_title_boost times, a capitalised name 1 + k_entity_boost,
// a quoted word k_quote_weight.
inline constexpr float k_title_boost = 2.0f;
inline constexpr float k_entity_boost = 0.5f;
// A quoted word counts this much: two reports quoting one speaker are not
// yet one story.
inline constexpr float k_quote_weight = 0.5f;
std::vector<TermCount> count_terms(std::span<const Token> title, std::span<const Token> body);
// The same into a caller's buffer, so a hot loop reuses its capacity.
void count_terms(std::span<const Token> title, std::span<const Token> body,
                 std::vector<TermCount>& out);

struct WeightedTerm {
  std::uint32_t term = 0;
  float weight = 0;
};

// Terms weighted (1 + ln tf) * idf, L2-normalised over all of them, then
// the `keep` heaviest, sorted by term id. `idf` is parallel to `counts`,
// which must be sorted by term (as count_terms() leaves them).
// Normalising before truncating keeps the dot product of a full vector with
// a truncated one a close lower bound of the true cosine: the heaviest terms
// carry most of it, and memory per article stays bounded.
std::vector<WeightedTerm> weigh_terms(std::span<const TermCount> counts,
                                      std::span<const double> idf, std::size_t keep);
void weigh_terms(std::span<const TermCount> counts, std::span<const double> idf, std::size_t keep,
                 std::vector<WeightedTerm>& out);

// The `n` heaviest of `terms` into `out`, heaviest first; equal weights by
// term id. `terms` must have distinct term ids (weigh_terms()' output).
// Picks by the weights' bits, counted in 1,024 bands below the heaviest,
// instead of nth_element and sort, whose comparisons of ~300 random
// weights mispredict about every other branch; the order is the same.
void heaviest_first(std::span<const WeightedTerm> terms, std::size_t n, std::vector<WeightedTerm>& out);

// Dot product of two normalised vectors: their cosine.
double cosine(std::span<const WeightedTerm> a, std::span<const WeightedTerm> b);

// A vector as the window keeps it: the term ids, then their weights
// quantised to 16 bits, in one allocation. 6 bytes a term instead of 8 plus
// a vector's header; a unit vector's components move by at most 2^-17, so a
// cosine moves by less than 1e-4, far below any threshold's resolution.
class PackedTerms {
 public:
  PackedTerms() = default;
  // `terms` sorted by term id, weights in [0, 1].
  explicit PackedTerms(std::span<const WeightedTerm> terms);

  std::size_t size() const { return m_size; }
  std::uint32_t term(std::size_t i) const { return m_words[i]; }
  float weight(std::size_t i) const;
  // The terms with their dequantised weights, sorted by term id.
  void unpack(std::vector<WeightedTerm>& out) const;
  std::size_t bytes() const { return words(m_size) * sizeof(std::uint32_t); }

 private:
  static std::size_t words(std::size_t terms) { return terms + (terms + 1) / 2; }
  std::unique_ptr<std::uint32_t[]> m_words;
  std::uint32_t m_size = 0;
};

// Cosine of a full vector with a packed one.
double cosine(std::span<const WeightedTerm> a, const PackedTerms& b);

// Smoothed inverse document frequency over a window of `documents`.
double inverse_document_frequency(std::uint64_t documents, std::uint32_t frequency);

// The same for many terms of one article: ln(1 + N) once, then per term
// ln(1 + df) from a per-thread table, each entry computed the first time a
// frequency is met: an article's common words have frequencies in the
// thousands, and each std::log cost as much as the rest of its term's IDF.
// Gives inverse_document_frequency()'s very values.
class InverseDocumentFrequency {
 public:
  explicit InverseDocumentFrequency(std::uint64_t documents);

  double operator()(std::uint32_t frequency) const {
    return m_log_documents - log_one_plus(frequency) + 1.0;
  }

  // Frequencies below this are in the table (512 KB of address space per
  // thread, of which only the pages of frequencies met are ever touched).
  static constexpr std::uint32_t k_table_size = 65536;

 private:
  double log_one_plus(std::uint32_t frequency) const {
    if (frequency >= k_table_size) {
      return compute_log_one_plus(frequency);
    }
    // 0 marks an entry not computed yet (ln(1 + 0) is filled in up front).
    double& cached = m_logs[frequency];
    if (cached == 0.0 && frequency != 0) {
      cached = compute_log_one_plus(frequency);
    }
    return cached;
  }

  static double compute_log_one_plus(std::uint32_t frequency);
  double* m_logs;  // ln(1 + df) below k_table_size, 0 where not computed yet
  double m_log_documents;
};

}  // namespace newsmon::dedup
