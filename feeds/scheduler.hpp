#pragma once
// When each feed is fetched. SchedulePlanner holds every decision (jitter,
// backoff, Retry-After, host rate limits, feed hints, adaptive interval) as
// pure functions of an injected time and seed; FeedScheduler runs the plan
// on the io_context with one steady_timer per feed and reports each outcome
// to the consumer (parse, dedup, alerts).
//
// Timing rules, in one place:
// - A feed's first poll comes uniformly within min(interval, startup_spread,
//   20 ms × feeds) of start, or at its persisted next poll time if that is later (capped by
//   the longest backoff), so a restart neither bursts nor forgets a backoff.
// - Each later delay is stretched or shrunk by up to ±jitter (10 %) so feeds
//   that share an interval drift apart.
// - After success: the interval (adaptive: see below); with honour_feed_hints,
//   at least the feed's own RSS <ttl> / Cache-Control max-age / Expires (each
//   capped at max_hint = 24 h; jitter only adds to such a bound), and never
//   inside its skipHours/skipDays.
// - After the n-th consecutive Retry or Failed: min(interval·2^n, cap) with
//   cap = max(max_backoff (6 h), interval); a Retry-After is a lower bound.
//   A feed is never given up; the first success resets n.
// - 429/503 slow the whole host: no feed of that host starts before
//   now + Retry-After (default_retry_after when absent).
// - Adaptive (optional): the interval follows half the feed's observed gap
//   between new items, between `interval` and adaptive_max_factor·interval;
//   it never polls faster than configured.
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "common/clock.hpp"
#include "config/config.hpp"
#include "feeds/fetch_state_store.hpp"
#include "feeds/fetcher.hpp"

namespace newsmon::feeds {

using Duration = std::chrono::milliseconds;

// What a parsed feed says about its own polling (supplied by the parser).
struct FeedScheduleHints {
  std::optional<std::chrono::minutes> ttl;  // RSS <ttl>
  std::vector<int> skip_hours;              // RSS <skipHours>: 0-23, UTC
  std::vector<int> skip_days;               // RSS <skipDays>: 0 = Sunday ... 6 = Saturday
};

struct SchedulePolicy {
  bool honour_feed_hints = true;
  bool adaptive = false;
  double jitter = 0.1;
  Duration startup_spread = std::chrono::seconds(30);
  // ...but no more than this per feed, so a small config polls at once.
  Duration startup_spread_per_feed = std::chrono::milliseconds(20);
  Duration max_backoff = std::chrono::hours(6);
  Duration max_hint = std::chrono::hours(24);
  Duration default_retry_after = std::chrono::seconds(60);
  // Feeds released together when a host's rate limit ends are spread over this.
  Duration host_spread = std::chrono::seconds(5);
  int adaptive_max_factor = 4;
  // Back-pressure: while this many fetched bodies wait for the consumer
  // (handed over, done() not yet called), no new fetch starts; fetching
  // resumes when half of them are consumed. Fetched faster than parsed,
  // bodies would otherwise pile up in memory (0: no limit).
  std::size_t max_unconsumed_bodies = 32;
  // Outcomes are written to the state store in batches, at most this late
  // (and at the end of run_once and stop). A crash loses at most this much
  // state: a feed refetched in full, which dedup absorbs.
  Duration state_flush_delay = std::chrono::milliseconds(500);
};

// Failure backoff: min(interval·2^failures, max(max_backoff, interval)).
Duration backoff_delay(Duration interval, int failures, Duration max_backoff);

class SchedulePlanner {
 public:
  SchedulePlanner(SchedulePolicy policy, std::uint64_t seed);

  void add_feed(const std::string& feed, Duration interval, const std::string& host,
                int consecutive_failures = 0);
  // The first poll after start-up.
  SysTime first_due(const std::string& feed, SysTime now, std::optional<SysTime> persisted_next);
  // When a due feed may start: nullopt for now, or a later time while its
  // host is rate limited.
  std::optional<SysTime> deferred_until(const std::string& feed, SysTime now);
  // Records an outcome and returns when to poll next.
  SysTime next_after(const std::string& feed, const FetchOutcome& outcome, SysTime now);

  void report_hints(const std::string& feed, FeedScheduleHints hints);
  void report_new_items(const std::string& feed, std::size_t count, SysTime now);

  int consecutive_failures(const std::string& feed) const;
  std::optional<SysTime> host_not_before(const std::string& host) const;
  // The interval after success before hints and jitter (adaptive or configured).
  Duration base_interval(const std::string& feed, SysTime now) const;

 private:
  struct FeedPlan {
    Duration interval{};
    std::string host;
    int failures = 0;
    FeedScheduleHints hints;
    CacheHints cache;
    std::optional<SysTime> last_new_items;
    std::optional<Duration> publish_gap;  // smoothed gap between new items
  };
  FeedPlan& plan(const std::string& feed);
  const FeedPlan& plan(const std::string& feed) const;
  Duration jittered(Duration delay);
  Duration uniform(Duration upto);
  SysTime skip_forward(const FeedPlan& plan, SysTime when) const;

  SchedulePolicy m_policy;
  std::mt19937_64 m_random;
  std::map<std::string, FeedPlan> m_feeds;
  std::map<std::string, SysTime> m_host_not_before;
};

// Called for every outcome, on the io_context thread. The consumer may call
// report_hints / report_new_items from inside it: the next poll time is
// decided after it returns.
// Returns whether the outcome was consumed: false for a Fetched body that
// could not be processed keeps the feed's old validators (so it is fetched
// again) and counts as a failure for backoff.
using OutcomeHandler = std::function<bool(const config::FeedConfig&, FetchOutcome)>;

// The same, for a consumer that finishes later (e.g. parses on another
// thread): it calls `done(consumed)` exactly once, on the io_context thread.
// Until then the feed counts as in flight: it is not fetched again, its
// validators are not stored and run_once / stop wait for it; while
// SchedulePolicy::max_unconsumed_bodies bodies wait so, no transfer of the
// fetcher's HTTP client starts (webhooks that share it included), so a
// consumer must not wait for that client before calling `done`.
using OutcomeDone = std::function<void(bool consumed)>;
using AsyncOutcomeHandler =
    std::function<void(const config::FeedConfig&, FetchOutcome, OutcomeDone)>;

class FeedScheduler {
 public:
  // `store` may be null (no persistence). Everything passed by reference
  // must outlive the scheduler.
  FeedScheduler(boost::asio::io_context& io, FeedFetcher& fetcher, FetchStateStore* store,
                const Clock& clock, SchedulePolicy policy, std::uint64_t seed,
                OutcomeHandler on_outcome);
  FeedScheduler(boost::asio::io_context& io, FeedFetcher& fetcher, FetchStateStore* store,
                const Clock& clock, SchedulePolicy policy, std::uint64_t seed,
                AsyncOutcomeHandler on_outcome);
  ~FeedScheduler();
  FeedScheduler(const FeedScheduler&) = delete;
  FeedScheduler& operator=(const FeedScheduler&) = delete;

  // The feeds to poll (disabled ones are kept but never fetched). Loads each
  // new feed's persisted validators and backoff. Called again (SIGHUP
  // reload), it keeps the state of unchanged feeds, drops feeds no longer
  // listed (a fetch in flight is still reported), and reschedules feeds whose
  // URL, interval or enabled flag changed; a feed whose URL changed starts fresh.
  void set_feeds(const std::vector<config::FeedConfig>& feeds);

  // Polls every enabled feed on its own schedule until stop().
  void start();
  // One pass: every enabled feed once, as fast as the HTTP caps allow, then
  // `done`. Not for use while start()ed.
  void run_once(std::function<void()> done);
  // No new fetches; `drained` runs once the in-flight ones have been reported.
  void stop(std::function<void()> drained);

  void report_hints(const std::string& feed, FeedScheduleHints hints);
  void report_new_items(const std::string& feed, std::size_t count);

  std::optional<SysTime> next_due(const std::string& feed) const;
  std::size_t in_flight() const { return m_in_flight; }
  // Fetched bodies handed to the consumer and not yet done().
  std::size_t unconsumed_bodies() const { return m_unconsumed; }

 private:
  struct Slot;
  void arm(Slot& slot, SysTime due);
  void on_due(Slot& slot);
  void begin_fetch(Slot& slot, std::function<void()> after);
  void finish(Slot& slot, FetchOutcome outcome, std::function<void()> after);
  void complete(Slot& slot, FetchOutcome summary, std::optional<ConditionalGetState> validators,
                bool consumed, std::function<void()> after);
  void check_drained();
  void body_consumed();
  void mark_dirty(const Slot& slot);
  void flush_state();

  boost::asio::io_context& m_io;
  FeedFetcher& m_fetcher;
  FetchStateStore* m_store;
  const Clock& m_clock;
  SchedulePlanner m_planner;
  AsyncOutcomeHandler m_on_outcome;
  std::map<std::string, std::unique_ptr<Slot>> m_slots;
  // Shared with queued handlers, cleared by the destructor.
  std::shared_ptr<bool> m_alive = std::make_shared<bool>(true);
  boost::asio::steady_timer m_flush_timer;
  std::map<std::string, FeedFetchState> m_dirty;
  Duration m_flush_delay;
  bool m_running = false;
  std::size_t m_in_flight = 0;
  std::size_t m_max_unconsumed;
  std::size_t m_unconsumed = 0;
  bool m_fetching_paused = false;
  std::function<void()> m_drained;
};

}  // namespace newsmon::feeds
