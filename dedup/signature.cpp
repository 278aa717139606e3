#include "dedup/signature.hpp"

#include <algorithm>
#include <bit>
#include <limits>

namespace newsmon::dedup {
namespace {

constexpr unsigned k_bin_bits = 6;  // log2(k_signature_bins)
static_assert((1u << k_bin_bits) == k_signature_bins);
constexpr std::uint64_t k_empty_rank = std::numeric_limits<std::uint64_t>::max();

// Calls shingle(hash) for each shingle of `tokens`, in order. A shingle is
// its words' hashes rotated by 23 bits per later word and xored: the order
// of the words counts. Rolling: xor out the first word's term, rotate once,
// xor in the next word. One final mix per shingle spreads the bits that
// bin, rank and fingerprint are cut from.
template <class Shingle>
void for_each_shingle(std::span<const Token> tokens, Shingle&& shingle) {
  if (tokens.empty()) {
    return;
  }
  const std::size_t width = std::min(k_shingle_words, tokens.size());
  const int first_rotation = static_cast<int>((23 * (width - 1)) % 64);
  std::uint64_t hash = 0;
  for (std::size_t j = 0; j < width; ++j) {
    hash = std::rotl(hash, 23) ^ tokens[j].hash;
  }
  shingle(mix64(hash));
  for (std::size_t i = width; i < tokens.size(); ++i) {
    hash = std::rotl(hash ^ std::rotl(tokens[i - width].hash, first_rotation), 23) ^ tokens[i].hash;
    shingle(mix64(hash));
  }
}

std::size_t shingle_count(std::span<const Token> tokens) {
  return tokens.empty() ? 0 : tokens.size() - std::min(k_shingle_words, tokens.size()) + 1;
}

// Per bin the least of (hash << k_bin_bits): its high bits are the rank
// (the hash's middle bits), its low bits the fingerprint (the hash's low
// 16), both independent of the bin bits shifted out. It is never
// k_empty_rank: the shift leaves the low bits zero. (Branch-free: with ~8
// shingles a bin, a third of them are a new minimum, unpredictably. A
// branch looked faster only in a bench that cycled over 8 articles, whose
// pattern the predictor learned; on fresh articles the store on every
// shingle saves ~1 us an article.)
class BinMinima {
 public:
  BinMinima() { m_rank.fill(k_empty_rank); }

  void add(std::uint64_t hash) {
    std::uint64_t& least = m_rank[hash >> (64 - k_bin_bits)];
    least = std::min(least, hash << k_bin_bits);
  }

  Signature signature(std::size_t shingles) const {
    Signature signature;
    if (shingles == 0) {
      return signature;
    }
    for (std::size_t bin = 0; bin < k_signature_bins; ++bin) {
      signature.bins[bin] = static_cast<std::uint16_t>(m_rank[bin] >> k_bin_bits);
    }
    // Optimal densification: an empty bin copies the first non-empty bin in
    // a pseudo-random sequence seeded by its own index, the same for every
    // text.
    for (std::size_t bin = 0; bin < k_signature_bins; ++bin) {
      if (m_rank[bin] != k_empty_rank) {
        continue;
      }
      for (std::uint64_t attempt = 1;; ++attempt) {
        std::size_t donor = mix64((bin << 32) | attempt) >> (64 - k_bin_bits);
        if (m_rank[donor] != k_empty_rank) {
          signature.bins[bin] = static_cast<std::uint16_t>(signature.bins[donor] ^ (attempt * 0x9e37));
          break;
        }
      }
    }
    signature.shingles = static_cast<std::uint32_t>(shingles);
    return signature;
  }

 private:
  std::array<std::uint64_t, k_signature_bins> m_rank;
};

}  // namespace

std::vector<std::uint64_t> shingle_hashes(std::span<const Token> tokens) {
  std::vector<std::uint64_t> out;
  shingle_hashes(tokens, out);
  return out;
}

void shingle_hashes(std::span<const Token> tokens, std::vector<std::uint64_t>& out) {
  // Sized first and written through a pointer: no capacity check per
  // shingle. Resized, not cleared: a buffer reused for articles of similar
  // length is not zero-filled again before being overwritten.
  out.resize(shingle_count(tokens));
  std::uint64_t* next = out.data();
  for_each_shingle(tokens, [&](std::uint64_t hash) { *next++ = hash; });
}

Signature make_signature(std::span<const std::uint64_t> shingles) {
  BinMinima minima;
  for (std::uint64_t hash : shingles) {
    minima.add(hash);
  }
  return minima.signature(shingles.size());
}

Signature shingle_signature(std::span<const Token> tokens) {
  BinMinima minima;
  for_each_shingle(tokens, [&](std::uint64_t hash) { minima.add(hash); });
  return minima.signature(shingle_count(tokens));
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
