#pragma once
// The stages wired together: scheduler → fetcher → parser → dedup → outbox →
// dispatcher → sinks, all on one io_context and one SQLite state database.
//
// The one rule that keeps alerts from being lost or repeated: for each fetched
// feed body, every dedup decision, every outbox row and the feed's first-poll
// mark commit in ONE transaction. Only after that commit may the scheduler
// store the feed's new HTTP validators; if the commit fails, the validators
// stay as they were so the same body is fetched and decided again.
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <set>
#include <string>

#include "common/clock.hpp"
#include "common/metrics.hpp"
#include "common/sqlite.hpp"
#include "config/config.hpp"

namespace boost::asio {
class io_context;
}

namespace newsmon::daemon {

// What one pass over every feed did; printed as the `once` summary line.
struct CycleSummary {
  int feeds = 0;
  int ok = 0;
  int not_modified = 0;
  int failed = 0;
  std::uint64_t items = 0;  // distinct items now known (held in the dedup window)
  int new_stories = 0;      // including seeded ones
  int duplicates = 0;       // items joining a story already in the window
  int alerts = 0;           // outbox rows written (one per story per routed sink)
  int seeded = 0;           // new stories of first-polled feeds, recorded without alerts
  std::int64_t pending = 0; // alerts still in the outbox when the pass ended

  // `feeds=N ok=N not_modified=N failed=N items=N new_stories=N duplicates=N
  // alerts=N seeded=N pending=N` (DESIGN.md's keys, then two more).
  std::string line() const;
};

class Pipeline {
 public:
  Pipeline(boost::asio::io_context& io, const config::Config& config, sqlite::Database& db,
           Metrics& metrics, const Clock& clock);
  ~Pipeline();
  Pipeline(const Pipeline&) = delete;
  Pipeline& operator=(const Pipeline&) = delete;

  // The daemon: every feed on its own schedule; pending alerts go out first.
  // `on_pass` gets a summary each time every enabled feed has been polled.
  void start(std::function<void(const CycleSummary&)> on_pass);
  // `newsmon once`: every feed once, then deliver, giving a failing sink at
  // most `deliver_budget`; `done` gets the summary.
  void run_once(std::chrono::milliseconds deliver_budget,
                std::function<void(const CycleSummary&)> done);
  // SIGHUP: the new feed list applies at once; other changes are logged as
  // needing a restart.
  void reconfigure(const config::Config& config);
  // SIGTERM: no new fetches, in-flight ones are processed, the outbox gets
  // `flush_budget` to drain; then `done`.
  void stop(std::chrono::milliseconds flush_budget, std::function<void()> done);

 private:
  class Impl;
  std::unique_ptr<Impl> m_impl;
};

}  // namespace newsmon::daemon
