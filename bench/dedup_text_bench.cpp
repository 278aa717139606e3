// Per-article cost of the dedup stage's pure functions (text.hpp,
// signature.hpp, terms.hpp), one step at a time, over synthetic ~3 KB
// articles (bench/synthetic.hpp). One iteration is one article, so the
// reported time is nanoseconds per article.
#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "bench/synthetic.hpp"
#include "dedup/signature.hpp"
#include "dedup/terms.hpp"
#include "dedup/text.hpp"

namespace newsmon::bench {
namespace {

constexpr std::size_t k_pool = 256;
// The steps after tokenize read what it produced: those results stay in L1/L2
// in observe(), so each step reads them from a handful of articles.
constexpr std::size_t k_hot = 8;

// Every eleventh word of the ASCII articles replaced by one with accents,
// a Turkish dotless i, fullwidth letters or CJK: how much the Unicode path
// costs on European news text with a few foreign names.
std::string with_foreign_words(const std::string& text) {
  static const std::vector<std::string> k_foreign = {
      "Zürich", "café", "Erdoğan", "İstanbul", "ıslak", "Ｔｏｋｙｏ", "東京", "naïve", "São", "Łódź"};
  std::string out;
  std::size_t word = 0;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find(' ', start);
    if (end == std::string::npos) {
      end = text.size();
    }
    if (++word % 11 == 0) {
      out += k_foreign[word % k_foreign.size()];
    } else {
      out.append(text, start, end - start);
    }
    if (end < text.size()) {
      out.push_back(' ');
    }
    start = end + 1;
  }
  return out;
}

struct Pool {
  std::vector<Article> articles;
  std::vector<std::string> foreign;
  std::vector<std::vector<dedup::Token>> bodies;
  std::vector<std::vector<dedup::Token>> titles;
  std::vector<std::vector<std::uint64_t>> shingles;
  std::vector<dedup::Signature> signatures;
  std::vector<std::vector<dedup::TermCount>> counts;
  std::vector<std::vector<double>> idf;

  Pool() {
    ArticleGenerator generator(7);
    for (std::size_t i = 0; i < k_pool; ++i) {
      articles.push_back(generator.next());
      foreign.push_back(with_foreign_words(articles.back().text));
      bodies.push_back(dedup::tokenize(articles.back().text));
      titles.push_back(dedup::tokenize(articles.back().title));
      shingles.push_back(dedup::shingle_hashes(bodies.back()));
      signatures.push_back(dedup::make_signature(shingles.back()));
      counts.push_back(dedup::count_terms(titles.back(), bodies.back()));
      // Document frequencies spread like a window's: most terms rare.
      std::vector<double> weights;
      for (const auto& count : counts.back()) {
        weights.push_back(dedup::inverse_document_frequency(100'000, count.term % 5000));
      }
      idf.push_back(std::move(weights));
    }
  }
};

const Pool& pool() {
  static const Pool k_pool_data;
  return k_pool_data;
}

// Tokenizes text_of(0), text_of(1), ... in turn, one per iteration.
template <class TextOf>
void tokenize_each(benchmark::State& state, TextOf&& text_of) {
  std::vector<dedup::Token> tokens;
  std::size_t i = 0;
  std::size_t bytes = 0;
  for (auto _ : state) {
    const std::string& text = text_of(i++ % k_pool);
    dedup::tokenize(text, tokens);
    bytes += text.size();
    benchmark::DoNotOptimize(tokens.data());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(bytes));
}

void BM_Tokenize(benchmark::State& state) {
  const Pool& data = pool();
  tokenize_each(state, [&](std::size_t i) -> const std::string& { return data.articles[i].text; });
}

void BM_TokenizeForeignWords(benchmark::State& state) {
  const Pool& data = pool();
  tokenize_each(state, [&](std::size_t i) -> const std::string& { return data.foreign[i]; });
}

// What observe() hashes per article: each line, then the whole text.
void BM_HashUnits(benchmark::State& state) {
  const Pool& data = pool();
  std::size_t i = 0;
  for (auto _ : state) {
    std::span<const dedup::Token> all = data.bodies[i++ % k_hot];
    for (std::size_t start = 0; start < all.size();) {
      std::size_t end = start + 1;
      while (end < all.size() && !all[end].line_start) {
        ++end;
      }
      benchmark::DoNotOptimize(dedup::hash_tokens(all.subspan(start, end - start)));
      start = end;
    }
    benchmark::DoNotOptimize(dedup::hash_tokens(all));
  }
}

void BM_Shingles(benchmark::State& state) {
  const Pool& data = pool();
  std::vector<std::uint64_t> shingles;
  std::size_t i = 0;
  for (auto _ : state) {
    dedup::shingle_hashes(data.bodies[i++ % k_hot], shingles);
    benchmark::DoNotOptimize(shingles.data());
  }
}

void BM_Signature(benchmark::State& state) {
  const Pool& data = pool();
  std::size_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(dedup::make_signature(data.shingles[i++ % k_hot]));
  }
}

// Shingles and signature in one pass, as observe() makes them.
void BM_ShingleSignature(benchmark::State& state) {
  const Pool& data = pool();
  std::size_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(dedup::shingle_signature(data.bodies[i++ % k_hot]));
  }
}

void BM_BandKeys(benchmark::State& state) {
  const Pool& data = pool();
  std::size_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(dedup::band_keys(data.signatures[i++ % k_hot]));
  }
}

// The copy layer's whole per-article work: tokens, shingles, signature,
// band keys (title included, as observe() tokenises it too).
void BM_CopyPipeline(benchmark::State& state) {
  const Pool& data = pool();
  std::vector<dedup::Token> body;
  std::vector<dedup::Token> title;
  std::size_t i = 0;
  for (auto _ : state) {
    const Article& article = data.articles[i++ % k_pool];
    dedup::tokenize(article.text, body);
    dedup::tokenize(article.title, title);
    benchmark::DoNotOptimize(dedup::hash_tokens(body));
    benchmark::DoNotOptimize(dedup::band_keys(dedup::shingle_signature(body)));
  }
}

void BM_CountTerms(benchmark::State& state) {
  const Pool& data = pool();
  std::vector<dedup::TermCount> counts;
  std::size_t i = 0;
  for (auto _ : state) {
    std::size_t n = i++ % k_hot;
    dedup::count_terms(data.titles[n], data.bodies[n], counts);
    benchmark::DoNotOptimize(counts.data());
  }
}

void BM_WeighTerms(benchmark::State& state) {
  const Pool& data = pool();
  std::vector<dedup::WeightedTerm> terms;
  std::size_t i = 0;
  for (auto _ : state) {
    std::size_t n = i++ % k_hot;
    dedup::weigh_terms(data.counts[n], data.idf[n], data.counts[n].size(), terms);
    benchmark::DoNotOptimize(terms.data());
  }
}

// The coverage layer's per-article work in observe() after tokenize: terms
// of title and body, their IDF (from made-up document frequencies), weights,
// the 64 heaviest.
void BM_TermPipeline(benchmark::State& state) {
  const Pool& data = pool();
  std::vector<dedup::TermCount> counts;
  std::vector<double> idf;
  std::vector<dedup::WeightedTerm> terms;
  std::vector<dedup::WeightedTerm> heaviest;
  std::size_t i = 0;
  for (auto _ : state) {
    std::size_t n = i++ % k_hot;
    dedup::count_terms(data.titles[n], data.bodies[n], counts);
    idf.resize(counts.size());
    const dedup::InverseDocumentFrequency inverse(100'000);
    for (std::size_t t = 0; t < counts.size(); ++t) {
      idf[t] = inverse(counts[t].term % 5000);
    }
    dedup::weigh_terms(counts, idf, counts.size(), terms);
    dedup::heaviest_first(terms, 64, heaviest);
    benchmark::DoNotOptimize(heaviest.data());
  }
}

// The 64 heaviest terms of an article's whole vector, heaviest first.
void BM_HeaviestFirst(benchmark::State& state) {
  const Pool& data = pool();
  std::vector<std::vector<dedup::WeightedTerm>> vectors;
  for (std::size_t n = 0; n < k_hot; ++n) {
    vectors.push_back(dedup::weigh_terms(data.counts[n], data.idf[n], data.counts[n].size()));
  }
  std::vector<dedup::WeightedTerm> heaviest;
  std::size_t i = 0;
  for (auto _ : state) {
    dedup::heaviest_first(vectors[i++ % k_hot], 64, heaviest);
    benchmark::DoNotOptimize(heaviest.data());
  }
}

BENCHMARK(BM_Tokenize);
BENCHMARK(BM_TokenizeForeignWords);
BENCHMARK(BM_HashUnits);
BENCHMARK(BM_Shingles);
BENCHMARK(BM_Signature);
BENCHMARK(BM_ShingleSignature);
BENCHMARK(BM_BandKeys);
BENCHMARK(BM_CopyPipeline);
BENCHMARK(BM_CountTerms);
BENCHMARK(BM_WeighTerms);
BENCHMARK(BM_TermPipeline);
BENCHMARK(BM_HeaviestFirst);

}  // namespace
}  // namespace newsmon::bench

BENCHMARK_MAIN();
