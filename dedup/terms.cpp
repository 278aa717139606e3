#include "dedup/terms.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <new>
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

// The stop words' term ids (a token hash's high half: what a term is
// compared by) in an open-addressing table indexed by the hash's low bits,
// 1 in 20 slots used (16 KB): a token that is not a stop word nearly always
// meets an empty slot at the first probe, a branch the CPU predicts.
class StopWords {
 public:
  StopWords() {
    auto insert = [this](std::string_view word) {
      std::uint64_t hash = hash_token(word);
      std::size_t slot = hash & k_mask;
      while (m_table[slot] != 0 && m_table[slot] != term_of(hash)) {
        slot = (slot + 1) & k_mask;
      }
      m_table[slot] = term_of(hash);
    };
    for (auto word : k_stop_words) {
      insert(word);
    }
    for (char c = 'a'; c <= 'z'; ++c) {
      insert(std::string_view(&c, 1));
    }
    for (char c = '0'; c <= '9'; ++c) {
      insert(std::string_view(&c, 1));
    }
  }

  // Walks past entries of other words with one test per entry (held * (held
  // ^ term), a 64-bit product, is 0 only for an empty entry or the word
  // itself), so a stop word and any other token leave the loop by the same
  // branch, and real text's mix of them does not mispredict it.
  bool contains(std::uint64_t hash) const {
    const std::uint32_t term = term_of(hash);
    std::size_t slot = hash & k_mask;
    while (static_cast<std::uint64_t>(m_table[slot]) * (m_table[slot] ^ term) != 0) {
      slot = (slot + 1) & k_mask;
    }
    return (m_table[slot] == term) & (term != 0);
  }

  static std::uint32_t term_of(std::uint64_t hash) { return static_cast<std::uint32_t>(hash >> 32); }

 private:
  static constexpr std::size_t k_slots = 4096;
  static constexpr std::size_t k_mask = k_slots - 1;
  // 0 marks an empty slot (a stop word whose id were 0 would go unnoticed).
  std::array<std::uint32_t, k_slots> m_table{};
};

const StopWords& stop_words() {
  static const StopWords words;
  return words;
}

constexpr std::size_t k_radix_passes = 2;
constexpr unsigned k_radix_low_bits = 16;
constexpr std::size_t k_radix_digits = 256;
// A digit's counts, then k_radix_spares dummy counters for left-out tokens.
constexpr std::size_t k_radix_spares = 4;
using RadixCounts = std::array<std::array<std::uint32_t, k_radix_digits + k_radix_spares>, k_radix_passes>;

// Byte `pass` of the top 16 bits of a term id: the radix sort's digit.
std::uint32_t radix_digit(std::uint32_t term, std::size_t pass) {
  return (term >> (k_radix_low_bits + 8 * pass)) & 0xff;
}

// Appends the terms of `tokens` at out[size], returns the new size; `out`
// has room for every token. Branch-free per token but for the stop-word
// probe: every token is written, and the size only moves past kept ones.
// Counts the kept terms' radix digits into `counts` on the way, which
// saves sort_and_merge() a pass over them.
std::size_t add_terms(std::span<const Token> tokens, float weight, bool boost_entities,
                      TermCount* out, std::size_t size, RadixCounts& counts) {
  const StopWords& stop = stop_words();
  const float entity_boost = boost_entities ? k_entity_boost : 0.0f;
  // By quoted * 2 + entity: a load instead of two branches on the flags.
  std::array<float, 4> tfs{};
  for (std::size_t flags = 0; flags < tfs.size(); ++flags) {
    tfs[flags] = ((flags & 2) != 0 ? k_quote_weight : weight) + ((flags & 1) != 0 ? entity_boost : 0.0f);
  }
  for (std::size_t i = 0; i < tokens.size(); ++i) {
    const Token& token = tokens[i];
    std::uint64_t term = token.hash;
    bool keep = false;
    if (token.unspaced) {
      // Character bigrams: a character starts none unless its predecessor
      // is one too.
      keep = i > 0 && tokens[i - 1].unspaced;
      term = keep ? hash_combine(tokens[i - 1].hash, token.hash) : 0;
    } else {
      keep = !stop.contains(term);
    }
    const float tf = tfs[static_cast<std::size_t>(token.quoted) * 2 + static_cast<std::size_t>(token.entity)];
    const std::uint32_t id = StopWords::term_of(term);
    out[size] = TermCount{id, tf};
    size += keep ? 1 : 0;
    // A left-out token counts in a dummy counter, one of k_radix_spares in
    // turn, chosen by masks: with a conditional the compiler branched on
    // every stop word, and with one dummy each update would wait on the
    // last through memory.
    const std::uint32_t mask = 0u - static_cast<std::uint32_t>(keep);
    const auto spare = static_cast<std::uint32_t>(k_radix_digits + i % k_radix_spares);
    for (std::size_t pass = 0; pass < k_radix_passes; ++pass) {
      ++counts[pass][(radix_digit(id, pass) & mask) | (spare & ~mask)];
    }
  }
  return size;
}

// Sorts `terms` by term id and merges equal ones, summing their counts.
// An LSD radix sort on the top 16 bits, a byte per pass: its loops do not
// branch on the data, where std::sort and insertion sorts of ~450
// hash-ordered terms spent most of their time in mispredicted branches.
// Different terms equal in those bits (about one pair an article: ~300
// distinct terms, 65,536 prefixes) are put in order by an insertion pass
// that otherwise only compares. Then one branch-free merge.
// `counts`: the terms' digits, counted by add_terms().
void sort_and_merge(std::vector<TermCount>& terms, RadixCounts& counts) {
  constexpr std::size_t k_passes = k_radix_passes;
  if (terms.empty()) {
    return;
  }
  thread_local std::vector<TermCount> other;
  other.resize(terms.size());
  auto digit = radix_digit;
  TermCount* from = terms.data();
  TermCount* to = other.data();
  const std::size_t size = terms.size();
  for (std::size_t pass = 0; pass < k_passes; ++pass) {
    std::array<std::uint32_t, k_radix_digits + k_radix_spares>& next = counts[pass];
    std::uint32_t total = 0;
    for (std::uint32_t& count : std::span(next).first(k_radix_digits)) {
      std::uint32_t here = count;
      count = total;
      total += here;
    }
    for (std::size_t i = 0; i < size; ++i) {
      to[next[digit(from[i].term, pass)]++] = from[i];
    }
    std::swap(from, to);
  }
  for (std::size_t i = 1; i < size; ++i) {
    if (from[i].term < from[i - 1].term) {
      TermCount moving = from[i];
      std::size_t j = i;
      for (; j > 0 && moving.term < from[j - 1].term; --j) {
        from[j] = from[j - 1];
      }
      from[j] = moving;
    }
  }
  // Merge equal neighbours into `terms`: `current` collects one term's
  // counts; it is written at `kept` every step and `kept` moves on when the
  // term changes. In place when the passes left the terms there: `kept`
  // stays behind `i`. (Sums of these tfs, multiples of a half, are exact in
  // any order.)
  std::size_t kept = 0;
  TermCount current = from[0];
  for (std::size_t i = 1; i < size; ++i) {
    TermCount term = from[i];
    bool same = term.term == current.term;
    terms[kept] = current;
    kept += same ? 0 : 1;
    current.tf = (same ? current.tf : 0.0f) + term.tf;
    current.term = term.term;
  }
  terms[kept++] = current;
  terms.resize(kept);
}

}  // namespace

std::vector<TermCount> count_terms(std::span<const Token> title, std::span<const Token> body) {
  std::vector<TermCount> out;
  count_terms(title, body, out);
  return out;
}

void count_terms(std::span<const Token> title, std::span<const Token> body,
                 std::vector<TermCount>& out) {
  out.resize(title.size() + body.size());
  RadixCounts counts{};
  std::size_t size = add_terms(title, k_title_boost, false, out.data(), 0, counts);
  size = add_terms(body, 1.0f, true, out.data(), size, counts);
  out.resize(size);
  sort_and_merge(out, counts);
}

std::vector<WeightedTerm> weigh_terms(std::span<const TermCount> counts,
                                      std::span<const double> idf, std::size_t keep) {
  std::vector<WeightedTerm> out;
  weigh_terms(counts, idf, keep, out);
  return out;
}

namespace {

// ln(max(1, tf)) for tf = n / 2: counts are sums of title, body, name and
// quote weights, all multiples of a half, so a table answers nearly every
// term with the very value std::log gives.
class HalfCountLogs {
 public:
  HalfCountLogs() {
    for (std::size_t n = 0; n < k_size; ++n) {
      m_logs[n] = std::log(std::max(1.0f, static_cast<float>(n) * 0.5f));
    }
  }

  float operator()(float tf) const {
    float doubled = tf * 2.0f;
    if (doubled >= 0.0f && doubled < static_cast<float>(k_size)) {
      auto n = static_cast<std::size_t>(doubled);
      if (static_cast<float>(n) == doubled) {
        return m_logs[n];
      }
    }
    return std::log(std::max(1.0f, tf));
  }

 private:
  static constexpr std::size_t k_size = 256;
  std::array<float, k_size> m_logs{};
};

const HalfCountLogs& half_count_logs() {
  static const HalfCountLogs logs;
  return logs;
}

}  // namespace

namespace {

// Heavier first; equal weights by term id.
bool heavier(const WeightedTerm& a, const WeightedTerm& b) {
  return a.weight > b.weight || (a.weight == b.weight && a.term < b.term);
}

}  // namespace

void weigh_terms(std::span<const TermCount> counts, std::span<const double> idf, std::size_t keep,
                 std::vector<WeightedTerm>& terms) {
  // Sized first: no call in the loop, so the norm stays in a register.
  terms.resize(counts.size());
  const HalfCountLogs& log_tf = half_count_logs();
  double norm = 0;
  for (std::size_t i = 0; i < counts.size(); ++i) {
    double weight = (1.0 + log_tf(counts[i].tf)) * idf[i];
    auto stored = static_cast<float>(weight);
    terms[i] = WeightedTerm{counts[i].term, stored};
    norm += static_cast<double>(stored) * stored;
  }
  // One division, then multiplications: the weights move by at most an
  // ulp of a double before they are rounded to float.
  const double scale = norm > 0 ? 1.0 / std::sqrt(norm) : 0.0;
  for (auto& term : terms) {
    term.weight = static_cast<float>(term.weight * scale);
  }
  // Counts come sorted by term: only a truncation reorders them.
  if (terms.size() > keep) {
    std::nth_element(terms.begin(), terms.begin() + static_cast<std::ptrdiff_t>(keep), terms.end(),
                     heavier);
    terms.resize(keep);
    std::sort(terms.begin(), terms.end(),
              [](const WeightedTerm& a, const WeightedTerm& b) { return a.term < b.term; });
  }
}

namespace {

// A weight's bits as an integer that orders like the weight, heavier
// larger (+0 and -0 alike).
std::uint32_t weight_key(float weight) {
  const std::uint32_t bits = weight == 0.0f ? 0u : std::bit_cast<std::uint32_t>(weight);
  const std::uint32_t flip = (0u - (bits >> 31)) | 0x80000000u;
  return bits ^ flip;
}

}  // namespace

void heaviest_first(std::span<const WeightedTerm> terms, std::size_t n, std::vector<WeightedTerm>& out) {
  // Band b holds the keys 2^k_shift * b to 2^k_shift * (b + 1) below the
  // heaviest (1/128 of a binade each; the last band takes the rest), so the
  // 1,024 bands span 8 binades: the 64th heaviest of an article's ~300 terms
  // lies a few binades below the heaviest. Narrow bands leave the insertion
  // pass little to do (with 1/32 of a binade it was a third of the time).
  constexpr unsigned k_shift = 16;
  constexpr std::uint32_t k_bands = 1024;
  const std::size_t want = std::min(n, terms.size());
  out.clear();
  if (want == 0) {
    return;
  }
  thread_local std::vector<std::uint16_t> bands;
  bands.resize(terms.size());
  std::uint32_t top = 0;
  for (const WeightedTerm& term : terms) {
    top = std::max(top, weight_key(term.weight));
  }
  constexpr std::size_t k_spares = 8;
  std::array<std::uint32_t, k_bands + k_spares> counts{};
  for (std::size_t i = 0; i < terms.size(); ++i) {
    const std::uint32_t band = std::min((top - weight_key(terms[i].weight)) >> k_shift, k_bands - 1);
    bands[i] = static_cast<std::uint16_t>(band);
    ++counts[band];
  }
  // The bands up to `last` hold the `want` heaviest and a few more.
  std::uint32_t last = 0;
  std::uint32_t total = 0;
  for (;; ++last) {
    const std::uint32_t here = counts[last];
    counts[last] = total;
    total += here;
    if (total >= want) {
      break;
    }
  }
  // Every term takes the same steps, no branch on whether it is kept: one
  // left out goes to the spare place, out[total], and updates one of
  // k_spares dummy counters in turn (one counter would chain every
  // left-out term's update to the previous one's through memory).
  out.resize(total + 1);
  // (Masks rather than conditionals, which the compiler made a branch.)
  for (std::size_t i = 0; i < terms.size(); ++i) {
    const std::uint32_t kept = static_cast<std::uint32_t>(bands[i] <= last);
    const std::uint32_t mask = 0u - kept;
    const std::uint32_t counter =
        (bands[i] & mask) | (static_cast<std::uint32_t>(k_bands + i % k_spares) & ~mask);
    const std::uint32_t place = (counts[counter] & mask) | (total & ~mask);
    out[place] = terms[i];
    counts[counter] = place + kept;
  }
  out.resize(total);
  // In order within each band: an insertion pass, which moves only the few
  // terms that share a band with a heavier one.
  for (std::size_t i = 1; i < out.size(); ++i) {
    if (heavier(out[i], out[i - 1])) {
      const WeightedTerm moving = out[i];
      std::size_t j = i;
      for (; j > 0 && heavier(moving, out[j - 1]); --j) {
        out[j] = out[j - 1];
      }
      out[j] = moving;
    }
  }
  out.resize(want);
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

namespace {

// calloc()'s zeroed pages: the table's untouched entries cost no memory.
struct FreeDeleter {
  void operator()(double* memory) const { std::free(memory); }
};

double* frequency_logs() {
  thread_local const std::unique_ptr<double[], FreeDeleter> logs(
      static_cast<double*>(std::calloc(InverseDocumentFrequency::k_table_size, sizeof(double))));
  if (!logs) {
    throw std::bad_alloc();
  }
  return logs.get();
}

}  // namespace

// ln((1 + N) / (1 + df)) as ln(1 + N) - ln(1 + df): one N for every term of
// an article, and ln(1 + df) mostly from the table. The two forms differ in
// the last bits of a double, far below the float weights built on them.
InverseDocumentFrequency::InverseDocumentFrequency(std::uint64_t documents)
    : m_logs(frequency_logs()), m_log_documents(std::log(1.0 + static_cast<double>(documents))) {}

double InverseDocumentFrequency::compute_log_one_plus(std::uint32_t frequency) {
  return std::log(1.0 + frequency);
}

double inverse_document_frequency(std::uint64_t documents, std::uint32_t frequency) {
  return InverseDocumentFrequency(documents)(frequency);
}

}  // namespace newsmon::dedup
