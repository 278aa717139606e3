// `newsmon dedup` without the engine: reading and parsing its JSON lines and
// writing decision lines, over 20,000 synthetic ~3 KB articles (~64 MB, as
// bench/dedup_corpus writes them). Bytes/s are input bytes.
#include <benchmark/benchmark.h>
#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string>

#include "bench/synthetic.hpp"
#include "daemon/dedup_jsonl.hpp"

namespace newsmon::bench {
namespace {

constexpr int k_articles = 20'000;

// The corpus file, written once, removed at exit.
class Corpus {
 public:
  Corpus() {
    char name[] = "/tmp/newsmon-dedup-io-XXXXXX";
    int fd = ::mkstemp(name);
    if (fd < 0) {
      std::perror("mkstemp");
      std::exit(1);
    }
    m_path = name;
    ArticleGenerator generator(7);
    std::string text;
    for (int i = 0; i < k_articles; ++i) {
      auto article = generator.next();
      text += nlohmann::json{{"id", std::string("a").append(std::to_string(i))},
                             {"date", "2024-01-01"},
                             {"title", article.title},
                             {"text", article.text},
                             {"source", std::string("feed").append(std::to_string(i % 50))}}
                  .dump();
      text += '\n';
    }
    m_bytes = static_cast<std::int64_t>(text.size());
    if (::write(fd, text.data(), text.size()) != static_cast<ssize_t>(text.size())) {
      std::perror("write");
      std::exit(1);
    }
    ::close(fd);
  }
  ~Corpus() { ::unlink(m_path.c_str()); }
  Corpus(const Corpus&) = delete;
  Corpus& operator=(const Corpus&) = delete;

  int open() const { return ::open(m_path.c_str(), O_RDONLY | O_CLOEXEC); }
  std::int64_t bytes() const { return m_bytes; }

 private:
  std::string m_path;
  std::int64_t m_bytes = 0;
};

const Corpus& corpus() {
  static const Corpus instance;
  return instance;
}

dedup::DedupDecision decision_for(const dedup::DedupItem& item) {
  dedup::DedupDecision decision;
  decision.story_id = item.id;
  decision.score = 0.4321;
  return decision;
}

// Today's path on one thread: block reads, simdjson, hand-written output.
void BM_ReadParseFormat(benchmark::State& state) {
  corpus();
  for (auto _ : state) {
    int fd = corpus().open();
    daemon::LineReader reader(fd);
    daemon::ArticleLineParser parser;
    std::string out;
    std::size_t items = 0;
    while (auto line = reader.next()) {
      auto item = parser.parse_padded(*line);
      if (!item) {
        state.SkipWithError(item.error().message.c_str());
        break;
      }
      daemon::append_decision_line(out, item->id, decision_for(*item));
      if (out.size() > (1u << 20)) {
        out.clear();
      }
      ++items;
    }
    ::close(fd);
    benchmark::DoNotOptimize(items);
  }
  state.SetBytesProcessed(state.iterations() * corpus().bytes());
}
BENCHMARK(BM_ReadParseFormat)->Unit(benchmark::kMillisecond);

// The same with reading and parsing on the stream's own thread: the time
// left on the caller's thread is what the engine would wait for.
void BM_StreamFormat(benchmark::State& state) {
  corpus();
  for (auto _ : state) {
    int fd = corpus().open();
    std::string out;
    std::size_t items = 0;
    {
      daemon::ArticleStream stream(fd);
      while (auto batch = stream.next()) {
        for (const auto& article : batch->articles) {
          daemon::append_decision_line(out, article.item.id, decision_for(article.item));
          if (out.size() > (1u << 20)) {
            out.clear();
          }
          ++items;
        }
      }
    }
    ::close(fd);
    benchmark::DoNotOptimize(items);
  }
  state.SetBytesProcessed(state.iterations() * corpus().bytes());
}
BENCHMARK(BM_StreamFormat)->Unit(benchmark::kMillisecond)->UseRealTime();

// What the command did before: nlohmann for every line and every decision.
void BM_NlohmannReadParseFormat(benchmark::State& state) {
  corpus();
  for (auto _ : state) {
    int fd = corpus().open();
    daemon::LineReader reader(fd);
    std::string out;
    std::size_t items = 0;
    while (auto line = reader.next()) {
      auto item = daemon::parse_article_line_reference(*line);
      if (!item) {
        state.SkipWithError(item.error().message.c_str());
        break;
      }
      nlohmann::json decision;
      decision["id"] = item->id;
      decision["duplicate_of"] = nullptr;
      decision["story"] = item->id;
      decision["score"] = 0.4321;
      out += decision.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
      out += '\n';
      if (out.size() > (1u << 20)) {
        out.clear();
      }
      ++items;
    }
    ::close(fd);
    benchmark::DoNotOptimize(items);
  }
  state.SetBytesProcessed(state.iterations() * corpus().bytes());
}
BENCHMARK(BM_NlohmannReadParseFormat)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace newsmon::bench

BENCHMARK_MAIN();
