#pragma once
// The copy layer's pure functions: word shingles, MinHash signatures, their
// LSH band keys, and the Jaccard/containment estimates that verify a
// candidate.
//
// Signature choice: one-permutation hashing (Li, Owen & Zhang 2012) with
// optimal densification (Shrivastava 2017). Each shingle is hashed once; the
// top bits pick one of k_signature_bins bins and the next bits rank it inside
// the bin, so a 3 KB article costs one hash per shingle instead of 64
// (classic k-permutation MinHash) and no per-document heap (bottom-k needs a
// sorted k-set per document and a merge to compare). Densification fills
// the bins a short text leaves empty from a fixed pseudo-random sequence of
// other bins, which keeps the estimator unbiased for short items. Each bin
// keeps a 16-bit fingerprint of its minimum shingle (b-bit MinHash, Li &
// König 2010): 128 bytes per article, and a chance agreement of 2^-16 per
// bin is far below the estimator's own noise.
#include <array>
#include <cstdint>
#include <span>
#include <vector>

#include "dedup/text.hpp"

namespace newsmon::dedup {

inline constexpr std::size_t k_signature_bins = 64;
inline constexpr std::size_t k_shingle_words = 5;
// LSH: 32 bands of 2 bins. A pair at Jaccard J becomes a candidate with
// probability 1 - (1 - J^2)^32: 0.996 at 0.4 (a 40% excerpt), 0.95 at 0.3,
// 0.27 at 0.1, 3e-5 for unrelated texts (J ~ 0.001). (20 bands missed one
// 40% excerpt in the tests: 0.97 is not enough.)
// Low rows per band because excerpts have low Jaccard but high containment;
// every candidate is verified on all 64 bins afterwards.
inline constexpr std::size_t k_lsh_bands = 32;
inline constexpr std::size_t k_lsh_rows = 2;

struct Signature {
  std::array<std::uint16_t, k_signature_bins> bins{};
  std::uint32_t shingles = 0;  // distinct-ish shingle count (positions), 0: empty text
};

// Hashes of the word k-shingles of `tokens` (k_shingle_words; a text shorter
// than that is one shingle of all its tokens).
std::vector<std::uint64_t> shingle_hashes(std::span<const Token> tokens);
void shingle_hashes(std::span<const Token> tokens, std::vector<std::uint64_t>& out);

Signature make_signature(std::span<const std::uint64_t> shingles);

// make_signature(shingle_hashes(tokens)) in one pass, with no vector of
// shingles between: the engine's per-article step.
Signature shingle_signature(std::span<const Token> tokens);

// Keys of the LSH bands; equal keys in a band make two items candidates.
std::array<std::uint64_t, k_lsh_bands> band_keys(const Signature& signature);

struct Similarity {
  double jaccard = 0;
  // |A ∩ B| / min(|A|, |B|): high when one text is an excerpt of the other.
  double containment = 0;
};

Similarity estimate(const Signature& a, const Signature& b);

}  // namespace newsmon::dedup
