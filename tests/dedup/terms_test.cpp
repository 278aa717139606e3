// Weighted terms and cosine.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "dedup/terms.hpp"

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

}  // namespace
}  // namespace newsmon::dedup
