// One poll pass over N feeds through the real scheduler, fetcher, HTTP client
// and SQLite state store; prints wall time, CPU time and peak RSS.
//   poll_bench --base http://127.0.0.1:PORT --feeds N --state FILE
//              [--per-host K] [--total K] [--label NAME]
// Run it twice on the same --state: the first pass is cold (no validators),
// the second warm (every feed answers 304). bench/poll_bench.sh does both.
#include <malloc.h>
#include <sys/resource.h>
#include <time.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "common/sqlite.hpp"
#include "feeds/fetch_state_store.hpp"
#include "feeds/fetcher.hpp"
#include "feeds/parser.hpp"
#include "feeds/scheduler.hpp"
#include "net/http_client.hpp"

namespace {

using namespace newsmon;

struct Args {
  std::string base = "http://127.0.0.1:8090";
  std::string state = "poll_bench.db";
  std::string label = "pass";
  int feeds = 1000;
  int per_host = 64;
  int total = 64;
};

Args parse(int argc, char** argv) {
  Args args;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string key = argv[i];
    const std::string value = argv[i + 1];
    if (key == "--base") {
      args.base = value;
    } else if (key == "--state") {
      args.state = value;
    } else if (key == "--label") {
      args.label = value;
    } else if (key == "--feeds") {
      args.feeds = std::stoi(value);
    } else if (key == "--per-host") {
      args.per_host = std::stoi(value);
    } else if (key == "--total") {
      args.total = std::stoi(value);
    } else {
      std::fprintf(stderr, "unknown option %s\n", key.c_str());
      std::exit(2);
    }
  }
  return args;
}

double thread_cpu_seconds() {
  timespec now{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
  return static_cast<double>(now.tv_sec) + static_cast<double>(now.tv_nsec) / 1e9;
}

double seconds(const timeval& time) {
  return static_cast<double>(time.tv_sec) + static_cast<double>(time.tv_usec) / 1e6;
}

// The allocator's view and the kernel's, to tell heap growth from fragmentation.
void print_memory_diagnostics() {
  malloc_stats();
  std::FILE* status = std::fopen("/proc/self/status", "r");
  if (status == nullptr) {
    return;
  }
  char line[256];
  while (std::fgets(line, sizeof line, status) != nullptr) {
    if (std::strncmp(line, "Vm", 2) == 0 || std::strncmp(line, "Rss", 3) == 0) {
      std::fputs(line, stderr);
    }
  }
  std::fclose(status);
}

}  // namespace

int main(int argc, char** argv) {
  const Args args = parse(argc, argv);
  std::vector<config::FeedConfig> feeds;
  for (int i = 0; i < args.feeds; ++i) {
    char name[32];
    std::snprintf(name, sizeof name, "feed-%05d", i);
    config::FeedConfig feed;
    feed.name = name;
    feed.url = args.base + "/" + name + ".xml";
    feed.interval = std::chrono::minutes(10);
    feed.timeout = std::chrono::seconds(30);
    feed.max_body = 8u << 20;
    feeds.push_back(std::move(feed));
  }

  const auto wall_start = std::chrono::steady_clock::now();
  boost::asio::io_context io;
  sqlite::Database db(args.state);
  feeds::FetchStateStore store(db);
  SystemClock clock;
  net::HttpClient client(io, {args.total, args.per_host, false});
  feeds::FeedFetcher fetcher(client, clock, {});
  std::size_t counts[4] = {};
  std::size_t bytes = 0;
  std::size_t items = 0;
  double parse_cpu = 0;  // the parser thread's own CPU time, to tell the sides apart
  // Ingestion as the daemon does it: every fetched body parsed and normalized
  // to dated articles on a second thread while the loop keeps fetching (dedup
  // and alerts are not in this pass).
  boost::asio::thread_pool parser(1);
  feeds::FeedScheduler scheduler(
      io, fetcher, &store, clock, {}, 1,
      feeds::AsyncOutcomeHandler([&](const config::FeedConfig& feed, feeds::FetchOutcome outcome,
                                     feeds::OutcomeDone done) {
        ++counts[outcome.index()];
        auto* fetched = std::get_if<feeds::Fetched>(&outcome);
        if (fetched == nullptr) {
          done(true);
          return;
        }
        bytes += fetched->body.size();
        boost::asio::post(parser, [&, url = feed.url, fetched = std::move(*fetched),
                                   now = clock.now(), done = std::move(done)]() mutable {
          const double start = thread_cpu_seconds();
          auto parsed = feeds::parse_feed(fetched.body, {url, fetched.content_type, now});
          const std::size_t found = parsed ? parsed->items.size() : 0;
          parse_cpu += thread_cpu_seconds() - start;
          boost::asio::post(io, [&items, found, done = std::move(done)] {
            items += found;
            done(true);
          });
        });
      }));
  scheduler.set_feeds(feeds);
  // The loop can run dry while bodies still wait for the parser thread; the
  // pass ends only when the scheduler has seen every outcome consumed.
  auto busy = boost::asio::make_work_guard(io);
  scheduler.run_once([&busy] { busy.reset(); });
  io.run();
  const double wall =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();

  if (std::getenv("POLL_BENCH_MALLOC_STATS") != nullptr) {
    print_memory_diagnostics();
  }
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  std::printf(
      "%s feeds=%d fetched=%zu not_modified=%zu retry=%zu failed=%zu items=%zu body_mb=%.1f wall_s=%.3f "
      "cpu_s=%.3f parse_cpu_s=%.3f peak_rss_mb=%.1f\n",
      args.label.c_str(), args.feeds, counts[0], counts[1], counts[2], counts[3], items,
      static_cast<double>(bytes) / 1e6, wall, seconds(usage.ru_utime) + seconds(usage.ru_stime), parse_cpu,
      static_cast<double>(usage.ru_maxrss) / 1024.0);
  return counts[2] + counts[3] == 0 ? 0 : 1;
}
