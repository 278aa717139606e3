// Costs on the alert path: formatting one alert, routing it, writing it to the
// outbox in the caller's transaction, and draining the outbox to a sink.
#include <benchmark/benchmark.h>

#include <boost/asio/io_context.hpp>
#include <cstdlib>
#include <filesystem>

#include "alerts/dispatcher.hpp"
#include "alerts/routes.hpp"
#include "tests/alerts/alert_fixtures.hpp"

namespace newsmon::alerts {
namespace {

using testing::seed_alert;

void BM_WebhookJson(benchmark::State& state) {
  const Alert alert = seed_alert();
  for (auto _ : state) {
    benchmark::DoNotOptimize(webhook_json(alert));
  }
}
BENCHMARK(BM_WebhookJson);

void BM_SlackJson(benchmark::State& state) {
  const Alert alert = seed_alert();
  for (auto _ : state) {
    benchmark::DoNotOptimize(slack_json(alert));
  }
}
BENCHMARK(BM_SlackJson);

void BM_DiscordJson(benchmark::State& state) {
  const Alert alert = seed_alert();
  for (auto _ : state) {
    benchmark::DoNotOptimize(discord_json(alert));
  }
}
BENCHMARK(BM_DiscordJson);

void BM_HmacSignature(benchmark::State& state) {
  const std::string body = webhook_json(seed_alert());
  for (auto _ : state) {
    benchmark::DoNotOptimize(hmac_sha256_signature("secret", body));
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * body.size()));
}
BENCHMARK(BM_HmacSignature);

// Five sinks: catch-all, feed filter, keywords (all/any/none), a regex.
void BM_RouteSeedArticle(benchmark::State& state) {
  Router router;
  RouteSpec keywords;
  keywords.match = {.all = {"north korea"}, .any = {"sanctions", "nuclear"}, .none = {"football"}};
  RouteSpec regex;
  regex.match.regex = {R"((?i)nuclear (weapons|deterrent))"};
  RouteSpec feed;
  feed.feeds = {"afp-world"};
  RouteSpec none;
  none.match.any = {"zebra crossing"};
  (void)router.add("all", RouteSpec{});
  (void)router.add("feed", feed);
  (void)router.add("keywords", keywords);
  (void)router.add("regex", regex);
  (void)router.add("none", none);
  const Alert alert = seed_alert();
  for (auto _ : state) {
    benchmark::DoNotOptimize(router.route(alert));
  }
}
BENCHMARK(BM_RouteSeedArticle);

std::string bench_db_path() {
  const char* dir = std::getenv("NEWSMON_BENCH_DIR");
  std::string path = std::string(dir != nullptr ? dir : "/tmp") + "/newsmon-alerts-bench.db";
  for (const char* suffix : {"", "-wal", "-shm"}) {
    std::filesystem::remove(path + suffix);
  }
  return path;
}

// One committed transaction per decided story, with one outbox row: the
// daemon's write per new story (fsync cost depends on the disk).
void BM_OutboxEnqueueCommitted(benchmark::State& state) {
  sqlite::Database db(bench_db_path());
  SystemClock clock;
  Outbox outbox(db, clock);
  const Alert alert = seed_alert();
  for (auto _ : state) {
    sqlite::Transaction transaction(db);
    auto id = outbox.enqueue("hook", alert);
    benchmark::DoNotOptimize(id);
    transaction.commit();
  }
}
BENCHMARK(BM_OutboxEnqueueCommitted);

class NullSink final : public Sink {
 public:
  const std::string& name() const override { return m_name; }
  void deliver(const Alert&, DeliveryCallback done) override { done(DeliveryOk{}); }

 private:
  std::string m_name = "null";
};

// Outbox → dispatcher → sink → row deleted, per alert, for a backlog of N.
void BM_DispatchBacklog(benchmark::State& state) {
  const auto backlog = state.range(0);
  for (auto _ : state) {
    state.PauseTiming();
    sqlite::Database db(bench_db_path());
    SystemClock clock;
    Outbox outbox(db, clock);
    {
      sqlite::Transaction transaction(db);
      for (std::int64_t i = 0; i < backlog; ++i) {
        (void)outbox.enqueue("null", seed_alert("story-" + std::to_string(i)));
      }
      transaction.commit();
    }
    boost::asio::io_context io;
    Metrics metrics;
    AlertDispatcher dispatcher(io, outbox, clock, metrics);
    dispatcher.add_sink(std::make_unique<NullSink>(), 8);
    state.ResumeTiming();
    dispatcher.start();
    io.run();
  }
  state.SetItemsProcessed(state.iterations() * backlog);
}
BENCHMARK(BM_DispatchBacklog)->Arg(1000)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace newsmon::alerts
