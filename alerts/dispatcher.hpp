#pragma once
// The delivery engine: drains the outbox into the sinks on the daemon's
// io_context. Per sink, alerts go strictly in outbox order, one in flight: a
// retried alert holds back the ones behind it, so a receiver sees stories in
// the order they were decided. The dispatcher owns retries (exponential
// backoff with jitter, Retry-After as a floor, at most max_attempts), then
// dead-letters and reports (ERROR log + newsmon_alerts_dead_lettered_total).
//
// Time: due times come from the injected Clock; real timers only wake the
// dispatcher. Tests use a ManualClock, advance it, and call notify().
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "alerts/outbox.hpp"
#include "alerts/sink.hpp"
#include "common/clock.hpp"
#include "common/metrics.hpp"

namespace newsmon::alerts {

struct BackoffPolicy {
  std::chrono::milliseconds initial{1'000};
  std::chrono::milliseconds max{std::chrono::minutes(10)};
  double jitter = 0.2;  // each delay is scaled by a factor drawn from [1 - jitter, 1 + jitter]
  // A receiver's Retry-After beyond this is capped: a bad header must not
  // park a sink for days.
  std::chrono::milliseconds max_retry_after{std::chrono::hours(1)};
  // How soon to look again after the outbox itself could not be read.
  std::chrono::milliseconds storage_retry{5'000};
};

// Delay before the next attempt after `attempts` failed ones (1 = the first
// failure): initial * 2^(attempts-1), capped at max, jittered; never shorter
// than the receiver's Retry-After (itself capped). Pure apart from `random`.
std::chrono::milliseconds retry_delay(int attempts,
                                      std::optional<std::chrono::milliseconds> retry_after,
                                      const BackoffPolicy& policy, std::mt19937_64& random);

// How long `newsmon once` gives a failing sink before reporting it.
inline constexpr std::chrono::milliseconds k_default_drain_budget{10'000};

struct DispatcherOptions {
  BackoffPolicy backoff;
  std::uint64_t seed = std::random_device{}();
};

struct SinkReport {
  std::int64_t pending = 0;        // still waiting in the outbox
  std::int64_t dead = 0;           // dead-lettered rows kept in the outbox
  std::int64_t delivered = 0;      // accepted since the dispatcher started
  std::int64_t dead_lettered = 0;  // given up since the dispatcher started
  std::string last_error;          // the latest failure, delivery or storage
};

struct DrainReport {
  std::map<std::string, SinkReport> sinks;
  std::int64_t pending = 0;   // over configured sinks
  std::int64_t orphaned = 0;  // pending rows of sinks no longer configured
  std::int64_t delivered = 0;
  std::int64_t dead_lettered = 0;
  std::vector<std::string> storage_errors;
  bool complete() const { return pending == 0 && storage_errors.empty(); }
};

class AlertDispatcher {
 public:
  AlertDispatcher(boost::asio::io_context& io, Outbox& outbox, const Clock& clock, Metrics& metrics,
                  DispatcherOptions options = {});
  ~AlertDispatcher();
  AlertDispatcher(const AlertDispatcher&) = delete;
  AlertDispatcher& operator=(const AlertDispatcher&) = delete;

  // Sinks are added before start(); the name is the outbox key.
  void add_sink(std::unique_ptr<Sink> sink, int max_attempts);
  // Begins delivering: what is already pending goes first, oldest first.
  void start();
  // New rows were committed, or time moved: look at every sink again.
  void notify();
  // For `newsmon once`: delivers what is pending, giving a failing sink at
  // most `budget`, then reports what is left. `done` runs once, on the
  // io_context. One drain at a time.
  void drain(std::chrono::milliseconds budget, std::function<void(DrainReport)> done);

  DrainReport report();

 private:
  struct SinkState;
  struct DrainState;

  void pump(SinkState& state);
  bool load_head(SinkState& state);
  void retry_unrecorded(SinkState& state);
  void start_attempt(SinkState& state);
  void on_result(SinkState& state, DeliveryResult result);
  void resolve_delivered(SinkState& state);
  void resolve_dead(SinkState& state, int attempts, const std::string& reason);
  void resolved(SinkState& state);
  void arm_timer(SinkState& state, std::chrono::milliseconds delay);
  void storage_failure(SinkState& state, const Error& error);
  void check_drain();
  bool settled(const SinkState& state, SysTime deadline) const;
  void refresh_pending_gauges();

  boost::asio::io_context& m_io;
  Outbox& m_outbox;
  const Clock& m_clock;
  Metrics& m_metrics;
  BackoffPolicy m_backoff;
  std::mt19937_64 m_random;
  std::map<std::string, std::shared_ptr<SinkState>> m_sinks;
  std::unique_ptr<DrainState> m_drain;
  bool m_started = false;
};

}  // namespace newsmon::alerts
