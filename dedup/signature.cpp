#include "dedup/signature.hpp"

#include <algorithm>
#include <limits>

namespace newsmon::dedup {
namespace {

constexpr unsigned k_bin_bits = 6;  // log2(k_signature_bins)
static_assert((1u << k_bin_bits) == k_signature_bins);
constexpr std::uint64_t k_empty_rank = std::numeric_limits<std::uint64_t>::max();

}  // namespace

std::vector<std::uint64_t> shingle_hashes(std::span<const Token> tokens) {
  std::vector<std::uint64_t> out;
  shingle_hashes(tokens, out);
  return out;
}

void shingle_hashes(std::span<const Token> tokens, std::vector<std::uint64_t>& out) {
  out.clear();
  if (tokens.empty()) {
    return;
  }
  std::size_t width = std::min(k_shingle_words, tokens.size());
  out.reserve(tokens.size() - width + 1);
  for (std::size_t i = 0; i + width <= tokens.size(); ++i) {
    // Rotations keep the order of the words; one final mix spreads the bits
    // that bin, rank and fingerprint are cut from.
    std::uint64_t hash = tokens[i].hash;
    for (std::size_t j = 1; j < width; ++j) {
      hash = ((hash << 23) | (hash >> 41)) ^ tokens[i + j].hash;
    }
    out.push_back(mix64(hash));
  }
}

Signature make_signature(std::span<const std::uint64_t> shingles) {
  Signature signature;
  if (shingles.empty()) {
    return signature;
  }
  std::array<std::uint64_t, k_signature_bins> rank;
  rank.fill(k_empty_rank);
  for (std::uint64_t hash : shingles) {
    std::size_t bin = hash >> (64 - k_bin_bits);
    // Rank on the middle bits, fingerprint from the low 16: independent bits
    // of one well-mixed hash.
    std::uint64_t value = (hash << k_bin_bits) >> 22;
    if (value < rank[bin]) {
      rank[bin] = value;
      signature.bins[bin] = static_cast<std::uint16_t>(hash);
    }
  }
  // Optimal densification: an empty bin copies the first non-empty bin in a
  // pseudo-random sequence seeded by its own index, the same for every text.
  for (std::size_t bin = 0; bin < k_signature_bins; ++bin) {
    if (rank[bin] != k_empty_rank) {
      continue;
    }
    for (std::uint64_t attempt = 1;; ++attempt) {
      std::size_t donor = mix64((bin << 32) | attempt) >> (64 - k_bin_bits);
      if (rank[donor] != k_empty_rank) {
        signature.bins[bin] = static_cast<std::uint16_t>(signature.bins[donor] ^ (attempt * 0x9e37));
        break;
      }
    }
  }
  signature.shingles = static_cast<std::uint32_t>(shingles.size());
  return signature;
}

std::array<std::uint64_t, k_lsh_bands> band_keys(const Signature& signature) {
  std::array<std::uint64_t, k_lsh_bands> keys{};
  for (std::size_t band = 0; band < k_lsh_bands; ++band) {
    std::uint64_t key = band + 1;
    for (std::size_t row = 0; row < k_lsh_rows; ++row) {
      key = (key << 16) | signature.bins[band * k_lsh_rows + row];
    }
    keys[band] = mix64(key);
  }
  return keys;
}

Similarity estimate(const Signature& a, const Signature& b) {
  if (a.shingles == 0 || b.shingles == 0) {
    return {};
  }
  std::size_t equal = 0;
  for (std::size_t i = 0; i < k_signature_bins; ++i) {
    equal += a.bins[i] == b.bins[i] ? 1 : 0;
  }
  Similarity similarity;
  similarity.jaccard = static_cast<double>(equal) / k_signature_bins;
  // |A ∩ B| = J (|A| + |B|) / (1 + J)
  double both = similarity.jaccard * (a.shingles + b.shingles) / (1.0 + similarity.jaccard);
  similarity.containment = std::min(1.0, both / std::min(a.shingles, b.shingles));
  return similarity;
}

}  // namespace newsmon::dedup
