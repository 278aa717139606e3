// Parser stage throughput, one core: feed bytes to items with the dated
// article (parse + normalize), over the committed real feeds and a generated
// news corpus; the bare pugixml DOM parse of the same bytes as the floor.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <pugixml.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "feeds/normalize.hpp"
#include "feeds/parser.hpp"

namespace {

using newsmon::feeds::ParseOptions;

std::vector<std::string> load_feeds(const std::string& folder) {
  std::vector<std::string> feeds;
  std::vector<std::filesystem::path> paths;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(folder)) {
    const auto extension = entry.path().extension();
    if (entry.is_regular_file() && (extension == ".xml" || extension == ".rss" ||
                                    extension == ".atom" || extension == ".json" ||
                                    extension == ".rdf")) {
      paths.push_back(entry.path());
    }
  }
  std::sort(paths.begin(), paths.end());
  for (const auto& path : paths) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream content;
    content << in.rdbuf();
    // Only feeds: the corpus also holds expected outputs and unreadable files.
    if (newsmon::feeds::parse_feed(content.str(), ParseOptions{}).ok()) {
      feeds.push_back(content.str());
    }
  }
  return feeds;
}

// NEWSMON_REAL_FEEDS in the environment points at another folder of feeds
// (the full shared collection, say) instead of the committed test fixtures.
const std::vector<std::string>& real_feeds() {
  static const std::vector<std::string> feeds = [] {
    const char* folder = std::getenv("NEWSMON_REAL_FEEDS");
    return load_feeds(folder != nullptr ? folder : NEWSMON_REAL_FEEDS);
  }();
  return feeds;
}

const std::vector<std::string>& news_feeds() {
  static const std::vector<std::string> feeds = load_feeds(NEWSMON_NEWS_CORPUS);
  return feeds;
}

void parse_all(benchmark::State& state, const std::vector<std::string>& feeds) {
  ParseOptions options;
  options.base_url = "https://example.org/feed.xml";
  options.fetch_time = std::chrono::system_clock::now();
  std::size_t bytes = 0;
  std::size_t items = 0;
  for (auto _ : state) {
    for (const auto& feed : feeds) {
      auto parsed = newsmon::feeds::parse_feed(feed, options);
      items += parsed->items.size();
      bytes += feed.size();
      benchmark::DoNotOptimize(parsed);
    }
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(bytes));
  state.counters["items/s"] =
      benchmark::Counter(static_cast<double>(items), benchmark::Counter::kIsRate);
  state.counters["feeds"] = static_cast<double>(feeds.size());
}

void dom_only(benchmark::State& state, const std::vector<std::string>& feeds) {
  std::size_t bytes = 0;
  for (auto _ : state) {
    for (const auto& feed : feeds) {
      pugi::xml_document document;
      auto result = document.load_buffer(feed.data(), feed.size());
      benchmark::DoNotOptimize(result);
      bytes += feed.size();
    }
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(bytes));
}

void BM_ParseNormalizeNews(benchmark::State& state) { parse_all(state, news_feeds()); }
void BM_ParseNormalizeReal(benchmark::State& state) { parse_all(state, real_feeds()); }
void BM_PugixmlDomNews(benchmark::State& state) { dom_only(state, news_feeds()); }
void BM_PugixmlDomReal(benchmark::State& state) { dom_only(state, real_feeds()); }

BENCHMARK(BM_ParseNormalizeNews)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ParseNormalizeReal)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_PugixmlDomNews)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_PugixmlDomReal)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
