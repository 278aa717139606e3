// Dedup engine throughput, memory per article and restore time, over
// windows of 10k, 100k and 1M synthetic ~3 KB articles (bench/synthetic.hpp).
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "bench/synthetic.hpp"
#include "common/sqlite.hpp"
#include "dedup/dedup.hpp"
#include "dedup/sqlite_store.hpp"

namespace newsmon::bench {
namespace {

using namespace std::chrono_literals;

double resident_bytes() {
  std::ifstream statm("/proc/self/statm");
  long size = 0;
  long resident = 0;
  statm >> size >> resident;
  return static_cast<double>(resident) * static_cast<double>(sysconf(_SC_PAGESIZE));
}

struct Stream {
  ArticleGenerator generator{42};
  std::chrono::milliseconds step{1};
  SysTime now = SysTime{} + std::chrono::hours(24 * 365 * 50);
  long next = 0;

  dedup::DedupItem item() {
    Article article = generator.next();
    dedup::DedupItem item;
    item.id = std::string("b").append(std::to_string(next));
    item.guid = item.id;
    item.feed = std::string("feed").append(std::to_string(next % 50));
    item.title = std::move(article.title);
    item.text = std::move(article.text);
    now += step;
    item.published = now;
    item.arrival = now;
    ++next;
    return item;
  }

  // `count` fresh articles, made while the benchmark's timing is paused.
  void next_batch(benchmark::State& state, std::vector<dedup::DedupItem>& batch, int count) {
    state.PauseTiming();
    batch.clear();
    for (int i = 0; i < count; ++i) {
      batch.push_back(item());
    }
    state.ResumeTiming();
  }
};

dedup::DedupOptions options_for(bool stories, std::int64_t window_items) {
  dedup::DedupOptions options;
  options.mode = stories ? config::DedupMode::stories : config::DedupMode::copies;
  options.window = 72h;
  options.capacity = static_cast<std::uint64_t>(window_items);
  return options;
}

// Steady state: the window full at N articles, each new one evicting the
// oldest. One iteration observes a batch of k_batch fresh articles; making
// them is not timed.
// With a third argument N, N more articles go through the full window
// before the timed batches: the window's state after turnover, not just
// after filling (an index whose lookups lengthen with churn shows here).
void BM_Observe(benchmark::State& state) {
  constexpr int k_batch = 1000;
  const bool stories = state.range(0) != 0;
  const std::int64_t window_items = state.range(1);
  const std::int64_t turnover = state.range(2);
  Stream stream;
  stream.step = std::chrono::duration_cast<std::chrono::milliseconds>(72h) / window_items;
  double before = resident_bytes();
  dedup::DedupEngine engine(options_for(stories, window_items), nullptr);
  for (std::int64_t i = 0; i < window_items; ++i) {
    benchmark::DoNotOptimize(engine.observe(stream.item()));
  }
  double after = resident_bytes();
  auto stats = engine.stats();
  for (std::int64_t i = 0; i < turnover; ++i) {
    benchmark::DoNotOptimize(engine.observe(stream.item()));
  }
  std::uint64_t duplicates = 0;
  std::vector<dedup::DedupItem> batch;
  for (auto _ : state) {
    stream.next_batch(state, batch, k_batch);
    for (const auto& item : batch) {
      auto decision = engine.observe(item);
      duplicates += decision->kind != dedup::DedupDecision::Kind::new_story ? 1 : 0;
    }
  }
  state.SetItemsProcessed(state.iterations() * k_batch);
  state.counters["window"] = static_cast<double>(stats.items);
  state.counters["rss_bytes_per_article"] = (after - before) / static_cast<double>(window_items);
  state.counters["heap_bytes_per_article"] =
      static_cast<double>(stats.bytes) / static_cast<double>(stats.items);
  state.counters["dup_fraction"] =
      static_cast<double>(duplicates) / static_cast<double>(state.iterations() * k_batch);
}

// The loop `newsmon dedup` and the daemon run, on one core: each article
// prepared one ahead (where they prepare on another thread) and hinted
// (DedupEngine::prefetch) before the one before it is decided.
void BM_ObservePrepared(benchmark::State& state) {
  constexpr int k_batch = 1000;
  const bool stories = state.range(0) != 0;
  const std::int64_t window_items = state.range(1);
  const config::DedupMode mode = stories ? config::DedupMode::stories : config::DedupMode::copies;
  Stream stream;
  stream.step = std::chrono::duration_cast<std::chrono::milliseconds>(72h) / window_items;
  dedup::DedupEngine engine(options_for(stories, window_items), nullptr);
  for (std::int64_t i = 0; i < window_items; ++i) {
    benchmark::DoNotOptimize(engine.observe(stream.item()));
  }
  std::uint64_t duplicates = 0;
  std::vector<dedup::DedupItem> batch;
  std::array<dedup::PreparedItem, 2> prepared;
  for (auto _ : state) {
    stream.next_batch(state, batch, k_batch);
    dedup::prepare(batch[0], mode, prepared[0]);
    for (std::size_t i = 0; i < batch.size(); ++i) {
      if (i + 1 < batch.size()) {
        dedup::prepare(batch[i + 1], mode, prepared[(i + 1) % 2]);
        engine.prefetch(prepared[(i + 1) % 2]);
      }
      auto decision = engine.observe(batch[i], prepared[i % 2]);
      duplicates += decision->kind != dedup::DedupDecision::Kind::new_story ? 1 : 0;
    }
  }
  state.SetItemsProcessed(state.iterations() * k_batch);
  state.counters["dup_fraction"] =
      static_cast<double>(duplicates) / static_cast<double>(state.iterations() * k_batch);
}

// Start-up: a window of N articles read back from SQLite.
void BM_Restore(benchmark::State& state) {
  const bool stories = state.range(0) != 0;
  const std::int64_t window_items = state.range(1);
  auto path = std::filesystem::temp_directory_path() /
              ("newsmon-restore-" + std::to_string(getpid()) + ".db");
  auto options = options_for(stories, window_items);
  {
    sqlite::Database db(path.string());
    dedup::DedupEngine engine(options, std::make_unique<dedup::SqliteWindowStore>(db));
    Stream stream;
    stream.step = std::chrono::duration_cast<std::chrono::milliseconds>(72h) / window_items;
    for (std::int64_t done = 0; done < window_items;) {
      sqlite::Transaction transaction(db);
      for (int i = 0; i < 10'000 && done < window_items; ++i, ++done) {
        benchmark::DoNotOptimize(engine.observe(stream.item()));
      }
      transaction.commit();
    }
  }
  std::uint64_t restored = 0;
  for (auto _ : state) {
    sqlite::Database db(path.string());
    dedup::DedupEngine engine(options, std::make_unique<dedup::SqliteWindowStore>(db));
    restored = engine.stats().items;
  }
  state.counters["restored"] = static_cast<double>(restored);
  state.counters["db_bytes_per_article"] =
      static_cast<double>(std::filesystem::file_size(path)) / static_cast<double>(window_items);
  std::filesystem::remove(path);
  std::filesystem::remove(path.string() + "-wal");
  std::filesystem::remove(path.string() + "-shm");
}

// Copies mode, then stories mode; windows of 10k, 100k, 1M articles.
BENCHMARK(BM_Observe)
    ->ArgsProduct({{0, 1}, {10'000, 100'000}, {0}})
    ->Iterations(50)
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Observe)->ArgsProduct({{0, 1}, {1'000'000}, {0}})->Iterations(200)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Observe)
    ->ArgsProduct({{0, 1}, {1'000'000}, {1'000'000}})
    ->Iterations(20)
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ObservePrepared)->ArgsProduct({{0, 1}, {1'000'000}})->Iterations(20)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Restore)->ArgsProduct({{0, 1}, {100'000}})->Iterations(1)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Restore)->ArgsProduct({{0, 1}, {1'000'000}})->Iterations(1)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace newsmon::bench

BENCHMARK_MAIN();
