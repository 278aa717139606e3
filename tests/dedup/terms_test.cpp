// Weighted terms and cosine.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <string>
#include <unordered_map>
#include <vector>

#include "dedup/flat_counter.hpp"
#include "dedup/terms.hpp"
#include "tests/dedup/fixtures.hpp"

namespace newsmon::dedup {
namespace {

std::vector<WeightedTerm> vector_of(const std::string& title, const std::string& body,
                                    std::size_t keep = 1000) {
  auto counts = count_terms(tokenize(title), tokenize(body));
  std::vector<double> idf(counts.size(), 1.0);
  return weigh_terms(counts, idf, keep);
}

TEST(Terms, StopWordsAndSingleCharactersAreLeftOut) {
  auto counts = count_terms({}, tokenize("The cat and the hat, a b c 7 of it"));
  EXPECT_EQ(counts.size(), 2u);  // cat, hat
}

TEST(Terms, TitleWordsAndNamesWeighMore) {
  auto counts = count_terms(tokenize("Bridge"), tokenize("the bridge opened. Smith said bridge smith. Then Smith left"));
  float bridge = 0;
  float smith = 0;
  for (const auto& count : counts) {
    if (count.term == static_cast<std::uint32_t>(hash_token("bridge") >> 32)) bridge = count.tf;
    if (count.term == static_cast<std::uint32_t>(hash_token("smith") >> 32)) smith = count.tf;
  }
  EXPECT_FLOAT_EQ(bridge, 2 + k_title_boost);
  EXPECT_FLOAT_EQ(smith, 3 + k_entity_boost);  // only the mid-sentence "Smith" is a name
}

TEST(Terms, UnspacedScriptsGiveCharacterBigrams) {
  auto counts = count_terms({}, tokenize("东京东京"));
  EXPECT_EQ(counts.size(), 2u);  // 东京 twice, 京东 once
}

struct CosineCase {
  std::string a;
  std::string b;
  double low;
  double high;
};

TEST(Cosine, Table) {
  const std::vector<CosineCase> cases = {
      {"senate passes budget bill", "senate passes budget bill", 0.999, 1.001},
      {"senate passes budget bill", "hurricane floods coastal towns", 0.0, 0.0},
      {"senate passes budget bill", "senate rejects budget proposal", 0.3, 0.7},
      {"", "anything at all", 0.0, 0.0},
  };
  for (const auto& test : cases) {
    double value = cosine(vector_of("", test.a), vector_of("", test.b));
    EXPECT_GE(value, test.low) << test.a << " | " << test.b;
    EXPECT_LE(value, test.high) << test.a << " | " << test.b;
  }
}

TEST(WeighTerms, NormalisedBeforeTruncation) {
  auto full = vector_of("", "alpha alpha alpha beta beta gamma delta epsilon");
  auto top = vector_of("", "alpha alpha alpha beta beta gamma delta epsilon", 2);
  ASSERT_EQ(top.size(), 2u);
  double norm = 0;
  for (const auto& term : full) norm += term.weight * term.weight;
  EXPECT_NEAR(norm, 1.0, 1e-5);
  // The truncated vector keeps the full-vector weights: its dot with the
  // full one is a lower bound of 1.
  double partial = cosine(full, top);
  EXPECT_GT(partial, 0.5);
  EXPECT_LT(partial, 1.0);
}

TEST(Idf, RareTermsWeighMore) {
  EXPECT_GT(inverse_document_frequency(1000, 1), inverse_document_frequency(1000, 500));
  EXPECT_NEAR(inverse_document_frequency(0, 0), 1.0, 1e-9);
}

// The batch form gives ln((1 + N) / (1 + df)) + 1 as ln(1 + N) - ln(1 + df)
// + 1 to the last bit, from its table and beyond it.
TEST(Idf, BatchFormGivesTheSameBits) {
  const std::vector<std::pair<std::uint64_t, std::uint32_t>> cases = {
      {0, 0}, {1, 0}, {1000, 1}, {1000, 500}, {100'000, 4095}, {100'000, 4096}, {100'000, 70'000},
      {1'000'000, 999'999}, {5'000'000, std::numeric_limits<std::uint32_t>::max()}};
  for (auto [documents, frequency] : cases) {
    const double expected =
        std::log(1.0 + static_cast<double>(documents)) - std::log(1.0 + frequency) + 1.0;
    EXPECT_EQ(InverseDocumentFrequency(documents)(frequency), expected) << documents << " " << frequency;
    EXPECT_EQ(inverse_document_frequency(documents, frequency), expected) << documents << " " << frequency;
  }
}

// What heaviest_first() must give: the n heaviest, ties by term id.
std::vector<WeightedTerm> heaviest_by_sort(std::vector<WeightedTerm> terms, std::size_t n) {
  std::sort(terms.begin(), terms.end(), [](const WeightedTerm& a, const WeightedTerm& b) {
    return a.weight > b.weight || (a.weight == b.weight && a.term < b.term);
  });
  terms.resize(std::min(n, terms.size()));
  return terms;
}

void expect_same(const std::vector<WeightedTerm>& got, const std::vector<WeightedTerm>& expected,
                 const std::string& label) {
  ASSERT_EQ(got.size(), expected.size()) << label;
  for (std::size_t i = 0; i < got.size(); ++i) {
    EXPECT_EQ(got[i].term, expected[i].term) << label << " at " << i;
    EXPECT_EQ(got[i].weight, expected[i].weight) << label << " at " << i;
  }
}

struct HeaviestCase {
  std::string name;
  std::vector<WeightedTerm> terms;
  std::size_t n;
};

TEST(HeaviestFirst, MadeUpVectors) {
  std::vector<WeightedTerm> ties;  // one weight: term order decides
  for (std::uint32_t term = 40; term > 0; --term) {
    ties.push_back(WeightedTerm{term * 7919u, 0.25f});
  }
  std::vector<WeightedTerm> wide;  // 40 binades: past the last band
  for (std::uint32_t i = 0; i < 120; ++i) {
    wide.push_back(WeightedTerm{i * 2654435761u, std::ldexp(1.0f, -static_cast<int>(i % 40))});
  }
  const std::vector<HeaviestCase> cases = {
      {"empty", {}, 64},
      {"none wanted", {{1, 0.5f}, {2, 0.25f}}, 0},
      {"fewer than wanted", {{5, 0.1f}, {2, 0.3f}, {9, 0.3f}}, 64},
      {"zeros of both signs and a negative", {{3, 0.0f}, {1, -0.0f}, {2, 0.0f}, {4, -0.5f}, {5, 0.1f}}, 4},
      {"ties", ties, 16},
      {"wide", wide, 64},
      {"wide, all but one", wide, 119},
  };
  std::vector<WeightedTerm> got;
  for (const auto& test : cases) {
    heaviest_first(test.terms, test.n, got);
    expect_same(got, heaviest_by_sort(test.terms, test.n), test.name);
  }
}

// Every dedup-dev article's vector, weighted by the set's own document
// frequencies as the engine weighs it, selected at the engine's sizes.
TEST(HeaviestFirst, SameAsSortOnDedupDev) {
  const auto& articles = testing::dev_articles();
  ASSERT_GT(articles.size(), 100u);
  std::vector<std::vector<TermCount>> counts;
  std::unordered_map<std::uint32_t, std::uint32_t> frequency;
  for (const auto& article : articles) {
    counts.push_back(count_terms(tokenize(article.title), tokenize(article.text)));
    for (const TermCount& count : counts.back()) {
      ++frequency[count.term];
    }
  }
  const InverseDocumentFrequency inverse(articles.size());
  std::vector<WeightedTerm> got;
  for (std::size_t a = 0; a < counts.size(); ++a) {
    std::vector<double> idf;
    for (const TermCount& count : counts[a]) {
      idf.push_back(inverse(frequency[count.term]));
    }
    const auto terms = weigh_terms(counts[a], idf, counts[a].size());
    for (std::size_t n : {1, 16, 64, 100'000}) {
      heaviest_first(terms, n, got);
      expect_same(got, heaviest_by_sort(terms, n), articles[a].id + " n " + std::to_string(n));
    }
  }
}

// The window and background counts in one entry behave as two counters,
// checked against a plain map after each step.
TEST(DocumentFrequencies, AgreeWithTwoCounters) {
  enum class Op { count, add_window, retire, add_background, halve };
  struct Step {
    Op op;
    std::uint32_t term;
    std::uint32_t amount;
  };
  const std::vector<Step> steps = {
      {Op::count, 7, 1},           {Op::count, 0, 1},          {Op::count, 7, 1},
      {Op::add_window, 9, 3},      {Op::retire, 7, 2},         {Op::add_background, 11, 5},
      {Op::count, 11, 1},          {Op::halve, 0, 0},          {Op::retire, 9, 3},
      {Op::halve, 0, 0},           {Op::retire, 11, 1},        {Op::halve, 0, 0},
      {Op::count, 0xFFFFFFFF, 1},  {Op::halve, 0, 0},          {Op::halve, 0, 0},
  };
  DocumentFrequencies frequencies;
  std::map<std::uint32_t, std::pair<std::uint32_t, std::uint32_t>> model;  // window, background
  for (std::size_t i = 0; i < steps.size(); ++i) {
    const Step& step = steps[i];
    auto& [window, background] = model[step.term];
    switch (step.op) {
      case Op::count:
        EXPECT_EQ(frequencies.count_document(step.term), window + background) << "step " << i;
        ++window;
        break;
      case Op::add_window:
        frequencies.add_window(step.term, step.amount);
        window += step.amount;
        break;
      case Op::retire:
        frequencies.retire(step.term, step.amount);
        window -= step.amount;
        background += step.amount;
        break;
      case Op::add_background:
        frequencies.add_background(step.term, step.amount);
        background += step.amount;
        break;
      case Op::halve:
        frequencies.halve_background();
        for (auto& [term, counts] : model) {
          counts.second /= 2;
        }
        break;
    }
    std::size_t window_terms = 0;
    for (const auto& [term, counts] : model) {
      EXPECT_EQ(frequencies.get(term), counts.first + counts.second) << "step " << i << " term " << term;
      window_terms += counts.first > 0 ? 1 : 0;
    }
    EXPECT_EQ(frequencies.window_terms(), window_terms) << "step " << i;
  }
}

}  // namespace
}  // namespace newsmon::dedup
