#include "feeds/scheduler.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cassert>
#include <set>

#include "net/url.hpp"

namespace newsmon::feeds {
namespace {

using std::chrono::duration_cast;

Duration until(SysTime from, SysTime to) {
  return to > from ? duration_cast<Duration>(to - from) : Duration(0);
}

}  // namespace

Duration backoff_delay(Duration interval, int failures, Duration max_backoff) {
  const Duration cap = std::max(max_backoff, interval);
  Duration delay = interval;
  for (int step = 0; step < failures && delay < cap; ++step) {
    delay *= 2;
  }
  return std::min(delay, cap);
}

SchedulePlanner::SchedulePlanner(SchedulePolicy policy, std::uint64_t seed)
    : m_policy(policy), m_random(seed) {}

void SchedulePlanner::add_feed(const std::string& feed, Duration interval, const std::string& host,
                               int consecutive_failures) {
  FeedPlan& entry = m_feeds[feed];
  entry.interval = std::max(interval, Duration(1));
  entry.host = host;
  entry.failures = consecutive_failures;
}

SchedulePlanner::FeedPlan& SchedulePlanner::plan(const std::string& feed) {
  const auto found = m_feeds.find(feed);
  assert(found != m_feeds.end() && "feed not added to the planner");
  return found->second;
}

const SchedulePlanner::FeedPlan& SchedulePlanner::plan(const std::string& feed) const {
  const auto found = m_feeds.find(feed);
  assert(found != m_feeds.end() && "feed not added to the planner");
  return found->second;
}

Duration SchedulePlanner::uniform(Duration upto) {
  if (upto.count() <= 0) {
    return Duration(0);
  }
  std::uniform_int_distribution<Duration::rep> pick(0, upto.count() - 1);
  return Duration(pick(m_random));
}

Duration SchedulePlanner::jittered(Duration delay) {
  const auto spread = static_cast<Duration::rep>(static_cast<double>(delay.count()) * m_policy.jitter);
  if (spread <= 0) {
    return delay;
  }
  std::uniform_int_distribution<Duration::rep> pick(-spread, spread);
  return delay + Duration(pick(m_random));
}

SysTime SchedulePlanner::first_due(const std::string& feed, SysTime now,
                                   std::optional<SysTime> persisted_next) {
  const FeedPlan& entry = plan(feed);
  // A handful of feeds start at once; thousands spread over startup_spread.
  const Duration spread = std::min({entry.interval, m_policy.startup_spread,
                                    m_policy.startup_spread_per_feed *
                                        static_cast<Duration::rep>(m_feeds.size())});
  SysTime due = now + uniform(spread);
  if (persisted_next && *persisted_next > due) {
    // Keep a backoff across restarts, but never trust a far-future time.
    const SysTime latest = now + backoff_delay(entry.interval, 64, m_policy.max_backoff);
    due = std::min(*persisted_next, latest);
  }
  return due;
}

std::optional<SysTime> SchedulePlanner::deferred_until(const std::string& feed, SysTime now) {
  const auto limit = m_host_not_before.find(plan(feed).host);
  if (limit == m_host_not_before.end() || limit->second <= now) {
    return std::nullopt;
  }
  return limit->second + uniform(m_policy.host_spread);
}

Duration SchedulePlanner::base_interval(const std::string& feed, SysTime now) const {
  const FeedPlan& entry = plan(feed);
  if (!m_policy.adaptive || !entry.publish_gap || !entry.last_new_items) {
    return entry.interval;
  }
  // A feed that went quiet is polled less often as the silence grows.
  const Duration gap = std::max(*entry.publish_gap, until(*entry.last_new_items, now));
  return std::clamp(gap / 2, entry.interval, entry.interval * m_policy.adaptive_max_factor);
}

SysTime SchedulePlanner::skip_forward(const FeedPlan& entry, SysTime when) const {
  const auto& hours = entry.hints.skip_hours;
  const auto& days = entry.hints.skip_days;
  if (!m_policy.honour_feed_hints || (hours.empty() && days.empty())) {
    return when;
  }
  SysTime candidate = when;
  // A week of hours covers every combination; a feed skipping all of them is ignored.
  for (int step = 0; step < 24 * 7 + 1; ++step) {
    const auto since_epoch = duration_cast<std::chrono::seconds>(candidate.time_since_epoch()).count();
    const int hour = static_cast<int>((since_epoch % 86400) / 3600);
    const int weekday = static_cast<int>((since_epoch / 86400 + 4) % 7);  // 1970-01-01 was a Thursday
    const bool skipped = std::find(hours.begin(), hours.end(), hour) != hours.end() ||
                         std::find(days.begin(), days.end(), weekday) != days.end();
    if (!skipped) {
      return candidate;
    }
    candidate = std::chrono::floor<std::chrono::hours>(candidate) + std::chrono::hours(1);
  }
  return when;
}

SysTime SchedulePlanner::next_after(const std::string& feed, const FetchOutcome& outcome, SysTime now) {
  FeedPlan& entry = plan(feed);
  const Duration cap = std::max(m_policy.max_backoff, entry.interval);
  const CacheHints* cache = nullptr;
  if (const auto* fetched = std::get_if<Fetched>(&outcome)) {
    cache = &fetched->hints;
  } else if (const auto* not_modified = std::get_if<NotModified>(&outcome)) {
    cache = &not_modified->hints;
  }
  if (cache != nullptr) {
    entry.failures = 0;
    Duration delay = base_interval(feed, now);
    if (m_policy.honour_feed_hints) {
      Duration bound{0};
      if (entry.hints.ttl) {
        bound = std::max(bound, duration_cast<Duration>(*entry.hints.ttl));
      }
      if (cache->max_age) {
        bound = std::max(bound, duration_cast<Duration>(*cache->max_age));
      }
      if (cache->expires) {
        bound = std::max(bound, until(now, *cache->expires));
      }
      bound = std::min(bound, m_policy.max_hint);
      if (bound > delay) {
        // A lower bound: jitter may only add to it.
        const auto spread = static_cast<double>(bound.count()) * m_policy.jitter;
        return skip_forward(entry, now + bound + uniform(Duration(static_cast<Duration::rep>(spread))));
      }
    }
    return skip_forward(entry, now + jittered(delay));
  }

  ++entry.failures;
  Duration delay = jittered(backoff_delay(entry.interval, entry.failures, m_policy.max_backoff));
  if (const auto* retry = std::get_if<Retry>(&outcome)) {
    const std::optional<Duration> after =
        retry->after ? std::optional<Duration>(std::min(duration_cast<Duration>(*retry->after), cap))
                     : std::nullopt;
    if (after) {
      delay = std::max(delay, *after);
    }
    if (retry->rate_limited) {
      const SysTime host_until = now + after.value_or(m_policy.default_retry_after);
      SysTime& limit = m_host_not_before[entry.host];
      limit = std::max(limit, host_until);
    }
  }
  return now + delay;
}

void SchedulePlanner::report_hints(const std::string& feed, FeedScheduleHints hints) {
  plan(feed).hints = std::move(hints);
}

void SchedulePlanner::report_new_items(const std::string& feed, std::size_t count, SysTime now) {
  if (count == 0) {
    return;
  }
  FeedPlan& entry = plan(feed);
  if (entry.last_new_items && now > *entry.last_new_items) {
    const Duration gap = until(*entry.last_new_items, now);
    // Smoothed so one burst or one quiet night does not swing the interval.
    entry.publish_gap = entry.publish_gap ? (*entry.publish_gap * 7 + gap * 3) / 10 : gap;
  }
  entry.last_new_items = now;
}

int SchedulePlanner::consecutive_failures(const std::string& feed) const { return plan(feed).failures; }

std::optional<SysTime> SchedulePlanner::host_not_before(const std::string& host) const {
  const auto found = m_host_not_before.find(host);
  return found == m_host_not_before.end() ? std::nullopt : std::optional<SysTime>(found->second);
}

// ---------------------------------------------------------------------------

struct FeedScheduler::Slot {
  Slot(boost::asio::io_context& io, config::FeedConfig feed) : config(std::move(feed)), timer(io) {}
  config::FeedConfig config;
  FeedFetchState state;
  boost::asio::steady_timer timer;
  std::optional<SysTime> due;
  bool fetching = false;
  bool retired = false;  // dropped by a reload while fetching: erased when it finishes
};

FeedScheduler::FeedScheduler(boost::asio::io_context& io, FeedFetcher& fetcher, FetchStateStore* store,
                             const Clock& clock, SchedulePolicy policy, std::uint64_t seed,
                             OutcomeHandler on_outcome)
    : FeedScheduler(io, fetcher, store, clock, policy, seed,
                    AsyncOutcomeHandler([handler = std::move(on_outcome)](
                                            const config::FeedConfig& feed, FetchOutcome outcome,
                                            OutcomeDone done) {
                      done(!handler || handler(feed, std::move(outcome)));
                    })) {}

FeedScheduler::FeedScheduler(boost::asio::io_context& io, FeedFetcher& fetcher, FetchStateStore* store,
                             const Clock& clock, SchedulePolicy policy, std::uint64_t seed,
                             AsyncOutcomeHandler on_outcome)
    : m_io(io),
      m_fetcher(fetcher),
      m_store(store),
      m_clock(clock),
      m_planner(policy, seed),
      m_on_outcome(std::move(on_outcome)),
      m_flush_timer(io),
      m_flush_delay(policy.state_flush_delay),
      m_max_unconsumed(policy.max_unconsumed_bodies) {}

FeedScheduler::~FeedScheduler() {
  *m_alive = false;
  if (m_fetching_paused) {
    m_fetcher.set_paused(false);  // the fetcher's client may serve others
  }
  flush_state();
  m_flush_timer.cancel();
  for (auto& [name, slot] : m_slots) {
    slot->timer.cancel();
  }
}

void FeedScheduler::set_feeds(const std::vector<config::FeedConfig>& feeds) {
  std::set<std::string> wanted;
  for (const auto& feed : feeds) {
    wanted.insert(feed.name);
  }
  for (auto it = m_slots.begin(); it != m_slots.end();) {
    Slot& slot = *it->second;
    if (wanted.contains(it->first)) {
      ++it;
    } else if (slot.fetching) {
      slot.retired = true;  // its callback still points at it
      slot.timer.cancel();
      ++it;
    } else {
      it = m_slots.erase(it);
    }
  }
  const SysTime now = m_clock.now();
  for (const auto& feed : feeds) {
    auto& slot = m_slots[feed.name];
    bool schedule = false;
    if (!slot) {
      slot = std::make_unique<Slot>(m_io, feed);
      slot->state.feed = feed.name;
      slot->state.url = feed.url;
      if (m_store != nullptr) {
        auto loaded = m_store->load(feed.name);
        if (!loaded) {
          spdlog::warn("feed {}: {}; starting without saved state", feed.name, loaded.error().message);
        } else if (loaded.value() && loaded.value()->url == feed.url) {
          slot->state = std::move(*loaded.value());
        }
      }
      schedule = true;
    } else {
      // A reload: validators belong to a URL, timing to an interval.
      if (slot->config.url != feed.url) {
        slot->state = FeedFetchState{};
        slot->state.feed = feed.name;
        slot->state.url = feed.url;
      }
      schedule = slot->config.url != feed.url || slot->config.interval != feed.interval ||
                 slot->config.enabled != feed.enabled || slot->retired;
      slot->config = feed;
      slot->retired = false;
    }
    m_planner.add_feed(feed.name, feed.interval, net::host_key(feed.url),
                       slot->state.consecutive_failures);
    if (m_running && schedule && !slot->fetching) {
      slot->timer.cancel();
      slot->due.reset();
      if (feed.enabled) {
        arm(*slot, m_planner.first_due(feed.name, now, slot->state.next_poll));
      }
    }
  }
}

void FeedScheduler::start() {
  m_running = true;
  const SysTime now = m_clock.now();
  for (auto& [name, slot] : m_slots) {
    if (slot->config.enabled && !slot->fetching) {
      arm(*slot, m_planner.first_due(name, now, slot->state.next_poll));
    }
  }
}

void FeedScheduler::arm(Slot& slot, SysTime due) {
  slot.due = due;
  slot.timer.expires_after(until(m_clock.now(), due));
  Slot* target = &slot;
  slot.timer.async_wait([this, alive = m_alive, target](const boost::system::error_code& error) {
    if (!*alive || error) {
      return;
    }
    on_due(*target);
  });
}

void FeedScheduler::on_due(Slot& slot) {
  if (!m_running || slot.fetching || !slot.config.enabled) {
    return;
  }
  if (const auto later = m_planner.deferred_until(slot.config.name, m_clock.now())) {
    arm(slot, *later);
    return;
  }
  begin_fetch(slot, nullptr);
}

void FeedScheduler::begin_fetch(Slot& slot, std::function<void()> after) {
  slot.fetching = true;
  slot.due.reset();
  ++m_in_flight;
  Slot* target = &slot;
  m_fetcher.fetch(slot.config, slot.state.validators,
                  [this, alive = m_alive, target, after = std::move(after)](FetchOutcome outcome) {
                    if (!*alive) {
                      return;
                    }
                    finish(*target, std::move(outcome), after);
                  });
}

void FeedScheduler::finish(Slot& slot, FetchOutcome outcome, std::function<void()> after) {
  const SysTime now = m_clock.now();
  FeedFetchState& state = slot.state;
  state.last_attempt = now;
  state.last_status = std::string(outcome_name(outcome));
  state.last_error = outcome_reason(outcome);
  std::optional<ConditionalGetState> validators;
  if (auto* fetched = std::get_if<Fetched>(&outcome)) {
    validators = fetched->validators;
    state.moved_to = fetched->moved_permanently_to.value_or("");
  } else if (auto* not_modified = std::get_if<NotModified>(&outcome)) {
    validators = not_modified->validators;
    state.moved_to = not_modified->moved_permanently_to.value_or("");
  }
  if (!state.moved_to.empty()) {
    spdlog::warn("feed {}: {} moved permanently to {}; update the configured URL", slot.config.name,
                 slot.config.url, state.moved_to);
  }
  if (!state.last_error.empty()) {
    spdlog::warn("feed {}: {} ({})", slot.config.name, state.last_status, state.last_error);
  }

  // The consumer first: it may report hints that shape the next poll. The
  // planner gets the outcome without the body, which moves to the consumer.
  const Fetched* fetched_view = std::get_if<Fetched>(&outcome);
  FetchOutcome summary = fetched_view != nullptr
                             ? FetchOutcome(Fetched{{}, {}, {}, {}, fetched_view->hints, {}})
                             : outcome;
  if (!m_on_outcome) {
    complete(slot, std::move(summary), validators, true, std::move(after));
    return;
  }
  Slot* target = &slot;
  const bool body = fetched_view != nullptr;
  if (body) {
    ++m_unconsumed;
    if (m_max_unconsumed > 0 && m_unconsumed >= m_max_unconsumed && !m_fetching_paused) {
      m_fetching_paused = true;
      m_fetcher.set_paused(true);
    }
  }
  m_on_outcome(slot.config, std::move(outcome),
               [this, alive = m_alive, target, summary = std::move(summary), validators,
                after = std::move(after), body](bool consumed) mutable {
                 if (*alive) {
                   if (body) {
                     body_consumed();
                   }
                   complete(*target, std::move(summary), validators, consumed, std::move(after));
                 }
               });
}

void FeedScheduler::body_consumed() {
  --m_unconsumed;
  // Half the limit, not one below it: the consumer gets a batch back to
  // work through while the next bodies are fetched, and the client is not
  // paused and resumed on every body.
  if (m_fetching_paused && m_unconsumed <= m_max_unconsumed / 2) {
    m_fetching_paused = false;
    m_fetcher.set_paused(false);
  }
}

void FeedScheduler::complete(Slot& slot, FetchOutcome summary,
                             std::optional<ConditionalGetState> validators, bool consumed,
                             std::function<void()> after) {
  const SysTime now = m_clock.now();
  FeedFetchState& state = slot.state;
  bool success = std::holds_alternative<Fetched>(summary) ||
                 std::holds_alternative<NotModified>(summary);
  if (consumed && validators) {
    state.validators = *validators;
  } else if (!consumed) {
    // The body was not processed (unparseable, or the state store failed):
    // keep the old validators so it is fetched again, and back off as for
    // any failure.
    state.last_status = "failed";
    state.last_error = "the fetched body could not be processed";
    summary = Failed{state.last_error};
    success = false;
  }

  const SysTime next = m_planner.next_after(slot.config.name, summary, now);
  state.consecutive_failures = m_planner.consecutive_failures(slot.config.name);
  if (success) {
    state.last_success = now;
  }
  state.next_poll = next;
  mark_dirty(slot);
  slot.fetching = false;
  --m_in_flight;
  if (slot.retired) {
    const std::string name = slot.config.name;
    m_slots.erase(name);
  } else if (m_running && slot.config.enabled) {
    arm(slot, next);
  }
  const auto alive = m_alive;  // check_drained may end the scheduler's life
  check_drained();
  if (after && *alive) {
    after();
  }
}

void FeedScheduler::mark_dirty(const Slot& slot) {
  if (m_store == nullptr) {
    return;
  }
  const bool armed = !m_dirty.empty();
  m_dirty.insert_or_assign(slot.config.name, slot.state);
  if (armed) {
    return;
  }
  m_flush_timer.expires_after(m_flush_delay);
  m_flush_timer.async_wait([this, alive = m_alive](const boost::system::error_code& error) {
    if (*alive && !error) {
      flush_state();
    }
  });
}

void FeedScheduler::flush_state() {
  if (m_store == nullptr || m_dirty.empty()) {
    return;
  }
  std::vector<FeedFetchState> states;
  states.reserve(m_dirty.size());
  for (auto& [name, state] : m_dirty) {
    states.push_back(std::move(state));
  }
  m_dirty.clear();
  m_flush_timer.cancel();
  if (const auto saved = m_store->save_all(states); !saved) {
    // Validators and status only: the next poll refetches in full.
    spdlog::error("{} feeds: {}", states.size(), saved.error().message);
  }
}

void FeedScheduler::run_once(std::function<void()> done) {
  assert(!m_running && "run_once is for a scheduler that is not started");
  auto remaining = std::make_shared<std::size_t>(0);
  auto finished = std::make_shared<std::function<void()>>(std::move(done));
  for (auto& [name, slot] : m_slots) {
    if (slot->config.enabled && !slot->fetching) {
      ++*remaining;
    }
  }
  if (*remaining == 0) {
    boost::asio::post(m_io, [finished] { (*finished)(); });
    return;
  }
  for (auto& [name, slot] : m_slots) {
    if (slot->config.enabled && !slot->fetching) {
      begin_fetch(*slot, [this, remaining, finished] {
        if (--*remaining == 0) {
          flush_state();
          (*finished)();
        }
      });
    }
  }
}

void FeedScheduler::stop(std::function<void()> drained) {
  m_running = false;
  for (auto& [name, slot] : m_slots) {
    slot->timer.cancel();
    slot->due.reset();
  }
  m_drained = std::move(drained);
  check_drained();
}

void FeedScheduler::check_drained() {
  if (!m_running && m_in_flight == 0 && m_drained) {
    flush_state();
    auto drained = std::move(m_drained);
    m_drained = nullptr;
    boost::asio::post(m_io, std::move(drained));
  }
}

void FeedScheduler::report_hints(const std::string& feed, FeedScheduleHints hints) {
  if (m_slots.contains(feed)) {
    m_planner.report_hints(feed, std::move(hints));
  }
}

void FeedScheduler::report_new_items(const std::string& feed, std::size_t count) {
  if (m_slots.contains(feed)) {
    m_planner.report_new_items(feed, count, m_clock.now());
  }
}

std::optional<SysTime> FeedScheduler::next_due(const std::string& feed) const {
  const auto found = m_slots.find(feed);
  return found == m_slots.end() ? std::nullopt : found->second->due;
}

}  // namespace newsmon::feeds
