#include "dedup/terms.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <string_view>

namespace newsmon::dedup {
namespace {

// Function words of English news text. IDF would learn them in a large
// window; a small one (a replay of a quiet stream) cannot.
constexpr std::string_view k_stop_words[] = {
    "a", "about", "above", "after", "again", "against", "all", "also", "am", "an", "and", "any",
    "are", "as", "at", "be", "because", "been", "before", "being", "below", "between", "both",
    "but", "by", "can", "could", "did", "do", "does", "doing", "down", "during", "each", "few",
    "for", "from", "further", "had", "has", "have", "having", "he", "her", "here", "hers",
    "herself", "him", "himself", "his", "how", "i", "if", "in", "into", "is", "it", "its",
    "itself", "just", "me", "more", "most", "my", "myself", "no", "nor", "not", "now", "of",
    "off", "on", "once", "only", "or", "other", "our", "ours", "ourselves", "out", "over", "own",
    "said", "same", "says", "she", "should", "so", "some", "such", "than", "that", "thats",
    "the", "their", "theirs", "them", "themselves", "then", "there", "these", "they", "this",
    "those", "through", "to", "too", "under", "until", "up", "very", "was", "we", "were", "what",
    "when", "where", "which", "while", "who", "whom", "why", "will", "with", "would", "you",
    "your", "yours", "yourself", "yourselves", "its", "one", "two", "new", "like", "many",
    "much", "may", "might", "must", "us", "get", "got", "make", "made", "say", "told", "year",
    "years", "last", "first", "time", "people", "s", "t", "re", "ve", "ll", "d", "m", "mr", "ms",
    "mrs", "dont", "didnt", "doesnt", "isnt", "wasnt", "according", "since", "still", "even",
    "well", "back", "way", "going", "want", "week", "day", "think", "know", "see"};

// A direct-mapped table of the stop words' hashes: one probe per token.
struct StopWords {
  static constexpr std::size_t k_slots = 4096;
  std::vector<std::uint64_t> hashes;
  std::vector<std::uint64_t> table = std::vector<std::uint64_t>(k_slots * 4, 0);
  StopWords() {
    for (auto word : k_stop_words) {
      hashes.push_back(hash_bytes(word));
    }
    for (char c = 'a'; c <= 'z'; ++c) {
      hashes.push_back(hash_bytes(std::string_view(&c, 1)));
    }
    for (char c = '0'; c <= '9'; ++c) {
      hashes.push_back(hash_bytes(std::string_view(&c, 1)));
    }
    for (std::uint64_t hash : hashes) {
      std::size_t slot = (hash % k_slots) * 4;
      while (table[slot] != 0) {
        ++slot;  // at most 4 words share a slot among ~300
      }
      table[slot] = hash;
    }
  }
  bool contains(std::uint64_t hash) const {
    const std::uint64_t* slot = &table[(hash % k_slots) * 4];
    return slot[0] == hash || slot[1] == hash || slot[2] == hash || slot[3] == hash;
  }
};

const StopWords& stop_words() {
  static const StopWords words;
  return words;
}

void add_terms(std::span<const Token> tokens, float weight, bool boost_entities,
               std::vector<TermCount>& out) {
  const StopWords& stop = stop_words();
  for (std::size_t i = 0; i < tokens.size(); ++i) {
    const Token& token = tokens[i];
    std::uint64_t term = 0;
    if (token.unspaced) {
      if (i == 0 || !tokens[i - 1].unspaced) {
        continue;
      }
      term = hash_combine(tokens[i - 1].hash, token.hash);
    } else if (stop.contains(token.hash)) {
      continue;
    } else {
      term = token.hash;
    }
    float tf = (token.quoted ? k_quote_weight : weight) +
               (boost_entities && token.entity ? k_entity_boost : 0.0f);
    out.push_back(TermCount{static_cast<std::uint32_t>(term >> 32), tf});
  }
}

}  // namespace

std::vector<TermCount> count_terms(std::span<const Token> title, std::span<const Token> body) {
  std::vector<TermCount> out;
  count_terms(title, body, out);
  return out;
}

void count_terms(std::span<const Token> title, std::span<const Token> body,
                 std::vector<TermCount>& out) {
  out.clear();
  out.reserve(title.size() + body.size());
  add_terms(title, k_title_boost, false, out);
  add_terms(body, 1.0f, true, out);
  std::sort(out.begin(), out.end(),
            [](const TermCount& a, const TermCount& b) { return a.term < b.term; });
  // Merge equal terms in place.
  std::size_t kept = 0;
  for (std::size_t i = 0; i < out.size(); ++i) {
    if (kept > 0 && out[kept - 1].term == out[i].term) {
      out[kept - 1].tf += out[i].tf;
    } else {
      out[kept++] = out[i];
    }
  }
  out.resize(kept);
}

std::vector<WeightedTerm> weigh_terms(std::span<const TermCount> counts,
                                      std::span<const double> idf, std::size_t keep) {
  std::vector<WeightedTerm> out;
  weigh_terms(counts, idf, keep, out);
  return out;
}

void weigh_terms(std::span<const TermCount> counts, std::span<const double> idf, std::size_t keep,
                 std::vector<WeightedTerm>& terms) {
  terms.clear();
  terms.reserve(counts.size());
  double norm = 0;
  for (std::size_t i = 0; i < counts.size(); ++i) {
    double weight = (1.0 + std::log(std::max(1.0f, counts[i].tf))) * idf[i];
    auto stored = static_cast<float>(weight);
    terms.push_back(WeightedTerm{counts[i].term, stored});
    norm += static_cast<double>(stored) * stored;
  }
  norm = std::sqrt(norm);
  for (auto& term : terms) {
    term.weight = norm > 0 ? static_cast<float>(term.weight / norm) : 0.0f;
  }
  if (terms.size() > keep) {
    std::nth_element(terms.begin(), terms.begin() + static_cast<std::ptrdiff_t>(keep), terms.end(),
                     [](const WeightedTerm& a, const WeightedTerm& b) {
                       return a.weight > b.weight || (a.weight == b.weight && a.term < b.term);
                     });
    terms.resize(keep);
  }
  // Counts come sorted by term: only a truncation reorders them.
  if (!std::is_sorted(terms.begin(), terms.end(),
                      [](const WeightedTerm& a, const WeightedTerm& b) { return a.term < b.term; })) {
    std::sort(terms.begin(), terms.end(),
              [](const WeightedTerm& a, const WeightedTerm& b) { return a.term < b.term; });
  }
}

double cosine(std::span<const WeightedTerm> a, std::span<const WeightedTerm> b) {
  double dot = 0;
  std::size_t i = 0;
  std::size_t j = 0;
  while (i < a.size() && j < b.size()) {
    if (a[i].term < b[j].term) {
      ++i;
    } else if (b[j].term < a[i].term) {
      ++j;
    } else {
      dot += static_cast<double>(a[i].weight) * b[j].weight;
      ++i;
      ++j;
    }
  }
  return dot;
}

namespace {
constexpr float k_weight_scale = 65535.0f;
}  // namespace

PackedTerms::PackedTerms(std::span<const WeightedTerm> terms)
    : m_words(terms.empty() ? nullptr : std::make_unique<std::uint32_t[]>(words(terms.size()))),
      m_size(static_cast<std::uint32_t>(terms.size())) {
  char* weights = reinterpret_cast<char*>(m_words.get() + m_size);
  for (std::size_t i = 0; i < terms.size(); ++i) {
    m_words[i] = terms[i].term;
    float clamped = std::clamp(terms[i].weight, 0.0f, 1.0f);
    auto quantised = static_cast<std::uint16_t>(std::lround(clamped * k_weight_scale));
    std::memcpy(weights + i * sizeof(std::uint16_t), &quantised, sizeof(quantised));
  }
}

float PackedTerms::weight(std::size_t i) const {
  std::uint16_t quantised = 0;
  std::memcpy(&quantised, reinterpret_cast<const char*>(m_words.get() + m_size) + i * sizeof(quantised),
              sizeof(quantised));
  return static_cast<float>(quantised) / k_weight_scale;
}

void PackedTerms::unpack(std::vector<WeightedTerm>& out) const {
  out.clear();
  for (std::size_t i = 0; i < m_size; ++i) {
    out.push_back(WeightedTerm{m_words[i], weight(i)});
  }
}

double cosine(std::span<const WeightedTerm> a, const PackedTerms& b) {
  double dot = 0;
  std::size_t i = 0;
  std::size_t j = 0;
  while (i < a.size() && j < b.size()) {
    std::uint32_t other = b.term(j);
    if (a[i].term < other) {
      ++i;
    } else if (other < a[i].term) {
      ++j;
    } else {
      dot += static_cast<double>(a[i].weight) * b.weight(j);
      ++i;
      ++j;
    }
  }
  return dot;
}

double inverse_document_frequency(std::uint64_t documents, std::uint32_t frequency) {
  return std::log((1.0 + static_cast<double>(documents)) / (1.0 + frequency)) + 1.0;
}

}  // namespace newsmon::dedup
