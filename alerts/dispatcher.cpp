#include "alerts/dispatcher.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cassert>
#include <cmath>
#include <utility>

namespace newsmon::alerts {

using std::chrono::milliseconds;

// An outcome the outbox could not record yet (disk full, read-only): kept in
// memory so this process does not deliver the row twice, and written again
// on every pump until the disk accepts it. If the process dies first, the row
// is still pending and is delivered again: at-least-once, never lost.
struct Unrecorded {
  bool delivered = true;
  int attempts = 0;
  std::string reason;
};

struct AlertDispatcher::SinkState {
  SinkState(boost::asio::io_context& io, std::unique_ptr<Sink> sink_in, int max_attempts_in)
      : sink(std::move(sink_in)), max_attempts(std::max(1, max_attempts_in)), timer(io) {}

  std::unique_ptr<Sink> sink;
  int max_attempts;
  boost::asio::steady_timer timer;
  std::optional<OutboxEntry> head;  // the oldest pending row: the only one worked on
  bool in_flight = false;
  bool storage_failed = false;
  std::map<OutboxId, Unrecorded> unrecorded;
  std::int64_t delivered = 0;
  std::int64_t dead_lettered = 0;
  // Pending rows as last counted, kept current in memory between counts so
  // the gauge costs no query per delivery.
  std::int64_t pending = 0;
  std::string last_error;
};

struct AlertDispatcher::DrainState {
  explicit DrainState(boost::asio::io_context& io) : timer(io) {}
  SysTime deadline;
  std::function<void(DrainReport)> done;
  boost::asio::steady_timer timer;
};

namespace {

// Telemetry events: one call, one log line and one counter with the same
// sink label. WARN: recovered or will be; ERROR: an alert given up.
void emit_delivered(Metrics& metrics, const std::string& sink, const std::string& story) {
  metrics.increment("newsmon_alerts_delivered_total", {{"sink", sink}});
  spdlog::debug("sink {}: delivered story {}", sink, story);
}

void emit_retry(Metrics& metrics, const std::string& sink, const std::string& story, int attempts,
                int max_attempts, const std::string& reason, milliseconds delay) {
  metrics.increment("newsmon_alerts_retried_total", {{"sink", sink}});
  spdlog::warn("sink {}: story {} attempt {}/{} failed: {}; retrying in {} ms", sink, story,
               attempts, max_attempts, reason, delay.count());
}

void emit_dead_letter(Metrics& metrics, const std::string& sink, const std::string& story,
                      const std::string& reason) {
  metrics.increment("newsmon_alerts_dead_lettered_total", {{"sink", sink}});
  spdlog::error("sink {}: alert for story {} dead-lettered ({}); kept in the outbox", sink, story,
                reason);
}

}  // namespace

milliseconds retry_delay(int attempts, std::optional<milliseconds> retry_after,
                         const BackoffPolicy& policy, std::mt19937_64& random) {
  const int exponent = std::clamp(attempts - 1, 0, 30);
  const double base =
      std::min(static_cast<double>(policy.initial.count()) * std::ldexp(1.0, exponent),
               static_cast<double>(policy.max.count()));
  std::uniform_real_distribution<double> factor(1.0 - policy.jitter, 1.0 + policy.jitter);
  const double jittered = std::min(base * factor(random), static_cast<double>(policy.max.count()));
  milliseconds delay(static_cast<milliseconds::rep>(std::llround(std::max(0.0, jittered))));
  if (retry_after) {
    delay = std::max(delay, std::clamp(*retry_after, milliseconds(0), policy.max_retry_after));
  }
  return delay;
}

AlertDispatcher::AlertDispatcher(boost::asio::io_context& io, Outbox& outbox, const Clock& clock,
                                 Metrics& metrics, DispatcherOptions options)
    : m_io(io),
      m_outbox(outbox),
      m_clock(clock),
      m_metrics(metrics),
      m_backoff(options.backoff),
      m_random(options.seed) {}

AlertDispatcher::~AlertDispatcher() = default;

void AlertDispatcher::add_sink(std::unique_ptr<Sink> sink, int max_attempts) {
  assert(!m_started && "sinks are added before start()");
  std::string name = sink->name();
  m_sinks.emplace(std::move(name),
                  std::make_shared<SinkState>(m_io, std::move(sink), max_attempts));
}

void AlertDispatcher::start() {
  m_started = true;
  if (auto sinks = m_outbox.sinks_with_pending(); sinks.ok()) {
    for (const auto& name : *sinks) {
      if (!m_sinks.contains(name)) {
        spdlog::warn(
            "alert outbox holds alerts for sink {} which is no longer configured; "
            "they stay pending until it is configured again",
            name);
      }
    }
  }
  notify();
}

void AlertDispatcher::notify() {
  refresh_pending_gauges();
  for (auto& [name, state] : m_sinks) {
    pump(*state);
  }
  check_drain();
}

void AlertDispatcher::pump(SinkState& state) {
  if (state.in_flight) {
    return;
  }
  retry_unrecorded(state);
  while (true) {
    if (!state.head && !load_head(state)) {
      if (!state.storage_failed && !state.unrecorded.empty()) {
        // Idle, but outcomes still wait for the disk: look again later.
        arm_timer(state, m_backoff.storage_retry);
      }
      break;  // nothing pending, or the outbox cannot be read (timer armed)
    }
    const SysTime now = m_clock.now();
    if (state.head->next_attempt_at > now) {
      arm_timer(state, std::chrono::ceil<milliseconds>(state.head->next_attempt_at - now));
      break;
    }
    auto alert = deserialize(state.head->payload);
    if (!alert.ok()) {
      // A row this build cannot read will not become readable by retrying.
      resolve_dead(state, state.head->attempts, "unreadable outbox row: " + alert.error().message);
      continue;
    }
    state.in_flight = true;
    std::weak_ptr<SinkState> weak = m_sinks.at(state.sink->name());
    // The sink may call back synchronously: posting keeps one attempt's
    // completion out of the stack frame that started it.
    state.sink->deliver(*alert, [this, weak](DeliveryResult result) {
      if (weak.expired()) {
        return;
      }
      boost::asio::post(m_io, [this, weak, result = std::move(result)]() mutable {
        if (auto locked = weak.lock()) {
          on_result(*locked, std::move(result));
        }
      });
    });
    break;
  }
}

bool AlertDispatcher::load_head(SinkState& state) {
  OutboxId after = 0;
  while (true) {
    auto next = m_outbox.next_pending(state.sink->name(), after);
    if (!next.ok()) {
      storage_failure(state, next.error());
      return false;
    }
    state.storage_failed = false;
    if (!next->has_value()) {
      return false;
    }
    if (state.unrecorded.contains((*next)->id)) {
      after = (*next)->id;  // resolved in memory; the disk has not caught up
      continue;
    }
    state.head = std::move(**next);
    return true;
  }
}

void AlertDispatcher::retry_unrecorded(SinkState& state) {
  for (auto it = state.unrecorded.begin(); it != state.unrecorded.end();) {
    const Status status =
        it->second.delivered
            ? m_outbox.mark_delivered(it->first)
            : m_outbox.dead_letter(it->first, it->second.attempts, it->second.reason);
    if (!status.ok()) {
      return;
    }
    spdlog::info("alert outbox: recorded the outcome of alert {} for sink {} after a storage error",
                 it->first, state.sink->name());
    it = state.unrecorded.erase(it);
  }
}

void AlertDispatcher::on_result(SinkState& state, DeliveryResult result) {
  state.in_flight = false;
  assert(state.head);
  const int attempts = state.head->attempts + 1;
  const std::string& sink = state.sink->name();
  if (std::holds_alternative<DeliveryOk>(result)) {
    resolve_delivered(state);
  } else if (const auto* permanent = std::get_if<DeliveryPermanent>(&result)) {
    resolve_dead(state, attempts, "refused: " + permanent->reason);
  } else {
    const auto& retry = std::get<DeliveryRetry>(result);
    if (attempts >= state.max_attempts) {
      resolve_dead(state, attempts,
                   "gave up after " + std::to_string(attempts) + " attempts: " + retry.reason);
    } else {
      const milliseconds delay = retry_delay(attempts, retry.after, m_backoff, m_random);
      state.head->attempts = attempts;
      state.head->next_attempt_at = m_clock.now() + delay;
      state.head->last_error = retry.reason;
      state.last_error = retry.reason;
      emit_retry(m_metrics, sink, state.head->story_id, attempts, state.max_attempts, retry.reason,
                 delay);
      if (auto status = m_outbox.record_retry(state.head->id, attempts, state.head->next_attempt_at,
                                              retry.reason);
          !status.ok()) {
        // The attempt count lives on in memory; only a restart would forget it.
        spdlog::error("sink {}: {}", sink, status.error().message);
        state.last_error = status.error().message;
      }
    }
  }
  pump(state);
  check_drain();
}

void AlertDispatcher::resolve_delivered(SinkState& state) {
  const OutboxEntry entry = std::move(*state.head);
  state.head.reset();
  ++state.delivered;
  const std::string& sink = state.sink->name();
  emit_delivered(m_metrics, sink, entry.story_id);
  if (auto status = m_outbox.mark_delivered(entry.id); !status.ok()) {
    spdlog::error(
        "sink {}: story {} was delivered but {}; it will be delivered again after a "
        "restart unless the state dir becomes writable",
        sink, entry.story_id, status.error().message);
    state.last_error = status.error().message;
    state.unrecorded[entry.id] = Unrecorded{true, 0, {}};
  }
  resolved(state);
}

void AlertDispatcher::resolve_dead(SinkState& state, int attempts, const std::string& reason) {
  const OutboxEntry entry = std::move(*state.head);
  state.head.reset();
  ++state.dead_lettered;
  state.last_error = reason;
  const std::string& sink = state.sink->name();
  emit_dead_letter(m_metrics, sink, entry.story_id, reason);
  if (auto status = m_outbox.dead_letter(entry.id, attempts, reason); !status.ok()) {
    spdlog::error("sink {}: {}", sink, status.error().message);
    state.unrecorded[entry.id] = Unrecorded{false, attempts, reason};
  }
  resolved(state);
}

void AlertDispatcher::resolved(SinkState& state) {
  state.pending = std::max<std::int64_t>(0, state.pending - 1);
  m_metrics.set("newsmon_outbox_pending", {{"sink", state.sink->name()}},
                static_cast<double>(state.pending));
}

void AlertDispatcher::arm_timer(SinkState& state, milliseconds delay) {
  state.timer.expires_after(delay);
  std::weak_ptr<SinkState> weak = m_sinks.at(state.sink->name());
  state.timer.async_wait([this, weak](const boost::system::error_code& error) {
    if (error) {
      return;  // re-armed or destroyed
    }
    if (auto locked = weak.lock()) {
      pump(*locked);
      check_drain();
    }
  });
}

void AlertDispatcher::storage_failure(SinkState& state, const Error& error) {
  if (!state.storage_failed || state.last_error != error.message) {
    spdlog::error("sink {}: {}; alerts stay pending, retrying", state.sink->name(), error.message);
  }
  state.storage_failed = true;
  state.last_error = error.message;
  arm_timer(state, m_backoff.storage_retry);
}

bool AlertDispatcher::settled(const SinkState& state, SysTime deadline) const {
  if (state.in_flight) {
    return false;
  }
  if (state.storage_failed || !state.head) {
    return true;
  }
  return state.head->next_attempt_at > deadline;
}

void AlertDispatcher::drain(milliseconds budget, std::function<void(DrainReport)> done) {
  assert(!m_drain && "one drain at a time");
  m_drain = std::make_unique<DrainState>(m_io);
  m_drain->deadline = m_clock.now() + budget;
  m_drain->done = std::move(done);
  m_drain->timer.expires_after(budget);
  m_drain->timer.async_wait([this](const boost::system::error_code& error) {
    if (!error) {
      check_drain();
    }
  });
  if (!m_started) {
    start();
  } else {
    notify();
  }
}

void AlertDispatcher::check_drain() {
  if (!m_drain) {
    return;
  }
  const bool expired = m_clock.now() >= m_drain->deadline;
  const bool all_settled = std::all_of(m_sinks.begin(), m_sinks.end(), [&](const auto& entry) {
    return settled(*entry.second, m_drain->deadline);
  });
  if (!expired && !all_settled) {
    return;
  }
  auto finished = std::move(m_drain);
  finished->timer.cancel();
  boost::asio::post(m_io, [done = std::move(finished->done), report = report()]() mutable {
    done(std::move(report));
  });
}

DrainReport AlertDispatcher::report() {
  DrainReport report;
  auto counts = m_outbox.counts();
  if (!counts.ok()) {
    report.storage_errors.push_back(counts.error().message);
  }
  for (const auto& [name, state] : m_sinks) {
    SinkReport& sink = report.sinks[name];
    sink.delivered = state->delivered;
    sink.dead_lettered = state->dead_lettered;
    sink.last_error = state->last_error;
    if (counts.ok()) {
      if (auto it = counts->find(name); it != counts->end()) {
        // Rows resolved in memory but not yet on disk are not pending.
        std::int64_t unrecorded_dead = 0;
        for (const auto& [id, outcome] : state->unrecorded) {
          unrecorded_dead += outcome.delivered ? 0 : 1;
        }
        sink.pending = it->second.pending - static_cast<std::int64_t>(state->unrecorded.size());
        sink.dead = it->second.dead + unrecorded_dead;
      }
    }
    if (state->storage_failed) {
      report.storage_errors.push_back(name + ": " + state->last_error);
    }
    report.pending += sink.pending;
    report.delivered += sink.delivered;
    report.dead_lettered += sink.dead_lettered;
  }
  if (counts.ok()) {
    for (const auto& [name, count] : *counts) {
      if (!m_sinks.contains(name)) {
        report.orphaned += count.pending;
      }
    }
  }
  return report;
}

void AlertDispatcher::refresh_pending_gauges() {
  auto counts = m_outbox.counts();
  if (!counts.ok()) {
    return;  // reported where it matters: when a sink cannot read its rows
  }
  for (const auto& [name, state] : m_sinks) {
    auto it = counts->find(name);
    state->pending = it == counts->end() ? 0 : it->second.pending;
    m_metrics.set("newsmon_outbox_pending", {{"sink", name}}, static_cast<double>(state->pending));
  }
}

}  // namespace newsmon::alerts
