// MinHash signatures and their estimates on real text.
#include <gtest/gtest.h>

#include <random>
#include <set>
#include <string>

#include "dedup/signature.hpp"
#include "tests/dedup/fixtures.hpp"

namespace newsmon::dedup {
namespace {

Signature signature_of(const std::string& text) {
  auto tokens = tokenize(text);
  return make_signature(shingle_hashes(tokens));
}

TEST(Shingles, CountAndShortTexts) {
  EXPECT_TRUE(shingle_hashes(tokenize("")).empty());
  EXPECT_EQ(shingle_hashes(tokenize("one two")).size(), 1u);
  EXPECT_EQ(shingle_hashes(tokenize("a b c d e f g")).size(), 3u);
  // Order matters inside a shingle.
  EXPECT_NE(shingle_hashes(tokenize("a b c d e")), shingle_hashes(tokenize("e d c b a")));
}

// The engine's one-pass signature is the signature of the shingles, bin
// for bin: on every dev article, and on texts of 0 to 6 words (shorter
// than a shingle, one shingle, a few).
TEST(Signature, OnePassEqualsSignatureOfShingles) {
  auto expect_same = [](const std::string& text) {
    const auto tokens = tokenize(text);
    const Signature one_pass = shingle_signature(tokens);
    const Signature two_pass = make_signature(shingle_hashes(tokens));
    EXPECT_EQ(one_pass.bins, two_pass.bins) << text.substr(0, 80);
    EXPECT_EQ(one_pass.shingles, two_pass.shingles) << text.substr(0, 80);
  };
  for (const auto& article : testing::dev_articles()) {
    expect_same(article.text);
  }
  for (const char* text : {"", "one", "one two", "a b c d", "a b c d e", "a b c d e f"}) {
    expect_same(text);
  }
}

TEST(Signature, IdenticalTextsAgreeEverywhere) {
  auto a = signature_of(testing::seed_body("000_3be80ab0dfb770c4.txt"));
  auto b = signature_of(testing::seed_body("000_3be80ab0dfb770c4.txt"));
  auto similarity = estimate(a, b);
  EXPECT_DOUBLE_EQ(similarity.jaccard, 1.0);
  EXPECT_DOUBLE_EQ(similarity.containment, 1.0);
  EXPECT_EQ(band_keys(a), band_keys(b));
}

TEST(Signature, SeedPairEstimatesMatchTheMeasuredValues) {
  // Measured exactly on the word 5-grams: Jaccard 0.56, 86% of the shorter
  // one's shingles in the longer one.
  auto a = signature_of(testing::seed_body("000_3be80ab0dfb770c4.txt"));
  auto b = signature_of(testing::seed_body("001_3ad860b9476a8039.txt"));
  auto similarity = estimate(a, b);
  EXPECT_NEAR(similarity.jaccard, 0.56, 0.15);
  EXPECT_NEAR(similarity.containment, 0.86, 0.15);
}

TEST(Signature, UnrelatedArticlesAreFarApart) {
  const auto& articles = testing::dev_articles();
  for (std::size_t i = 0; i + 3 < 60; i += 3) {
    auto a = signature_of(articles[i].text);
    auto b = signature_of(articles[i + 3].text);
    EXPECT_LT(estimate(a, b).containment, 0.2) << articles[i].id << " " << articles[i + 3].id;
  }
}

// Estimator accuracy over synthetic sets with known overlap.
TEST(Signature, EstimatesTrackTrueJaccard) {
  std::mt19937_64 random(42);
  for (double target : {0.2, 0.4, 0.6, 0.8}) {
    double total = 0;
    const int trials = 40;
    for (int trial = 0; trial < trials; ++trial) {
      std::vector<std::uint64_t> shared(static_cast<std::size_t>(1000 * target));
      std::vector<std::uint64_t> a;
      std::vector<std::uint64_t> b;
      for (auto& value : shared) {
        value = mix64(random());
      }
      a = shared;
      b = shared;
      // |A| = |B| = n with |A ∩ B| = s: J = s / (2n - s)
      std::size_t n = static_cast<std::size_t>(1000 * target / (2 * target) * (1 + target));
      while (a.size() < n) a.push_back(mix64(random()));
      while (b.size() < n) b.push_back(mix64(random()));
      double truth = static_cast<double>(shared.size()) / static_cast<double>(2 * n - shared.size());
      total += estimate(make_signature(a), make_signature(b)).jaccard - truth;
    }
    EXPECT_NEAR(total / trials, 0.0, 0.03) << target;  // unbiased
  }
}

TEST(Signature, EmptyTextHasNoSimilarity) {
  auto empty = make_signature({});
  auto some = signature_of("some words of text here and more");
  EXPECT_EQ(empty.shingles, 0u);
  EXPECT_DOUBLE_EQ(estimate(empty, some).jaccard, 0.0);
  EXPECT_DOUBLE_EQ(estimate(empty, empty).containment, 0.0);
}

}  // namespace
}  // namespace newsmon::dedup
