#include "dedup/term_vector.hpp"

#include <algorithm>
#include <bit>
#include <cmath>

namespace newsmon::dedup {
namespace {

std::size_t slot_of(std::uint32_t prefix, std::size_t mask) {
  return static_cast<std::size_t>((prefix * 0x9e3779b1u) >> 8) & mask;
}

}  // namespace

float pack_terms(std::span<const WeightedTerm> heaviest_first, std::uint32_t* words) {
  if (heaviest_first.empty()) {
    return 0;
  }
  const float scale = heaviest_first.front().weight;
  for (std::size_t i = 0; i < heaviest_first.size(); ++i) {
    const float relative = scale > 0 ? heaviest_first[i].weight / scale : 0;
    // lround() of a value in [0, 255]: + 0.5 is exact in a double, so the
    // truncation rounds halves up as lround() does, without a libm call.
    const float scaled = std::clamp(relative, 0.0f, 1.0f) * 255.0f;
    const auto quantised = static_cast<std::uint8_t>(static_cast<double>(scaled) + 0.5);
    words[i] = PackedTermWord::pack(heaviest_first[i].term, quantised);
  }
  return scale / 255.0f;
}

void QueryVector::assign(std::span<const WeightedTerm> terms) {
  const std::size_t capacity = std::max<std::size_t>(64, std::bit_ceil(terms.size() * 2));
  m_entries.assign(capacity, Entry{});
  m_mask = capacity - 1;
  m_size = 0;
  for (const WeightedTerm& term : terms) {
    const std::uint32_t prefix = stored(term_prefix(term.term));
    std::size_t i = slot_of(prefix, m_mask);
    while (m_entries[i].prefix != 0 && m_entries[i].prefix != prefix) {
      i = (i + 1) & m_mask;
    }
    if (m_entries[i].prefix == 0) {
      m_entries[i].prefix = prefix;
      ++m_size;
    }
    m_entries[i].weight += term.weight;
  }
}

double QueryVector::dot(const std::uint32_t* words, std::size_t count, float scale) const {
  if (m_size == 0) {
    return 0;
  }
  float sum = 0;
  for (std::size_t k = 0; k < count; ++k) {
    const std::uint32_t prefix = stored(PackedTermWord::prefix(words[k]));
    for (std::size_t i = slot_of(prefix, m_mask); m_entries[i].prefix != 0; i = (i + 1) & m_mask) {
      if (m_entries[i].prefix == prefix) {
        sum += m_entries[i].weight * static_cast<float>(PackedTermWord::weight(words[k]));
        break;
      }
    }
  }
  return static_cast<double>(sum * scale);
}

}  // namespace newsmon::dedup
