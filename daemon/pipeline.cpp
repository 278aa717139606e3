#include "daemon/pipeline.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>
#include <cstdio>
#include <map>
#include <optional>
#include <random>
#include <stdexcept>

#include "alerts/dispatcher.hpp"
#include "alerts/outbox.hpp"
#include "alerts/routes.hpp"
#include "alerts/sink_registry.hpp"
#include "dedup/dedup.hpp"
#include "dedup/sqlite_store.hpp"
#include "dedup/text.hpp"
#include "feeds/fetch_state_store.hpp"
#include "feeds/fetcher.hpp"
#include "feeds/parser.hpp"
#include "feeds/scheduler.hpp"
#include "net/http_client.hpp"

namespace newsmon::daemon {
namespace {

using namespace std::chrono_literals;

// Which feeds have had their first poll recorded, so `first_poll: seed`
// applies once per feed, across restarts. Written in the same transaction as
// the feed's first items.
class FirstPollLedger {
 public:
  explicit FirstPollLedger(sqlite::Database& db)
      : m_insert(with_schema(db).prepare(
            "INSERT OR IGNORE INTO feed_first_poll (feed, polled_at) VALUES (?, ?)")),
        m_select(db.prepare("SELECT 1 FROM feed_first_poll WHERE feed = ?")) {}

  bool seen(const std::string& feed) {
    m_select.bind(1, feed);
    bool found = m_select.step();
    m_select.reset();
    return found;
  }

  void mark(const std::string& feed, SysTime at) {
    auto seconds = std::chrono::duration_cast<std::chrono::seconds>(at.time_since_epoch());
    m_insert.bind(1, feed).bind(2, static_cast<std::int64_t>(seconds.count()));
    m_insert.run();
  }

 private:
  static sqlite::Database& with_schema(sqlite::Database& db) {
    db.exec("CREATE TABLE IF NOT EXISTS feed_first_poll ("
            " feed TEXT PRIMARY KEY, polled_at INTEGER NOT NULL)");
    return db;
  }

  sqlite::Statement m_insert;
  sqlite::Statement m_select;
};

// The article's body: the dated article minus its " date YYYY-MM-DD " prefix.
std::string_view article_body(std::string_view article) {
  constexpr std::size_t k_prefix = std::string_view(" date YYYY-MM-DD ").size();
  return article.size() >= k_prefix ? article.substr(k_prefix) : std::string_view();
}

// A stable id per item of a feed: 16 hex digits, also the story id when the
// item starts a story (the idempotency key and the archive file name).
std::string item_id(const std::string& feed, const feeds::FeedItem& item) {
  std::string key = feed + '\n' + (!item.guid.empty() ? item.guid : item.link) + '\n';
  if (item.guid.empty() && item.link.empty()) {
    key += item.title + '\n' + item.article.substr(0, 17);
  }
  char hex[17];
  std::snprintf(hex, sizeof(hex), "%016llx",
                static_cast<unsigned long long>(dedup::hash_bytes(key)));
  return hex;
}

// What one fetched body decided; added to the pass summary and the metrics
// only once its transaction committed.
struct IngestCounts {
  int new_stories = 0;
  int duplicates = 0;
  int alerts = 0;
  int seeded = 0;
  std::map<std::string, int> alerts_by_sink;
  std::map<std::string, int> decisions_by_kind;
};

// A parsed item as the dedup engine takes it, prepared on the parser thread.
struct DedupInput {
  dedup::DedupItem item;
  dedup::PreparedItem prepared;
};

std::vector<DedupInput> dedup_inputs(const std::string& feed, const feeds::ParsedFeed& parsed,
                                     SysTime now, config::DedupMode mode) {
  std::vector<DedupInput> inputs(parsed.items.size());
  for (std::size_t i = 0; i < parsed.items.size(); ++i) {
    const feeds::FeedItem& item = parsed.items[i];
    inputs[i].item = dedup::DedupItem{item_id(feed, item), feed, item.guid, item.link, item.title,
                                      std::string(article_body(item.article)),
                                      item.published.value_or(now), now};
    dedup::prepare(inputs[i].item, mode, inputs[i].prepared);
  }
  return inputs;
}

dedup::DedupOptions dedup_options(const config::Config& config) {
  dedup::DedupOptions options;
  options.mode = config.dedup.mode;
  options.window = config.dedup.window;
  options.threshold = config.dedup.threshold;
  options.capacity = config.dedup.capacity;
  options.time_source = dedup::TimeSource::arrival;
  return options;
}

}  // namespace

std::string CycleSummary::line() const {
  return "feeds=" + std::to_string(feeds) + " ok=" + std::to_string(ok) +
         " not_modified=" + std::to_string(not_modified) + " failed=" + std::to_string(failed) +
         " items=" + std::to_string(items) + " new_stories=" + std::to_string(new_stories) +
         " duplicates=" + std::to_string(duplicates) + " alerts=" + std::to_string(alerts) +
         " seeded=" + std::to_string(seeded) + " pending=" + std::to_string(pending);
}

class Pipeline::Impl {
 public:
  Impl(boost::asio::io_context& io, const config::Config& config, sqlite::Database& db,
       Metrics& metrics, const Clock& clock)
      : m_io(io),
        m_config(config),
        m_db(db),
        m_metrics(metrics),
        m_clock(clock),
        m_http(io, feeds::http_client_options(config)),
        m_fetcher(m_http, clock, feeds::fetcher_options(config)),
        m_fetch_state(db),
        m_scheduler(io, m_fetcher, &m_fetch_state, clock, feeds::SchedulePolicy{},
                    std::random_device{}(),
                    feeds::AsyncOutcomeHandler(
                        [this](const config::FeedConfig& feed, feeds::FetchOutcome outcome,
                               feeds::OutcomeDone done) {
                          on_outcome(feed, std::move(outcome), std::move(done));
                        })),
        m_outbox(db, clock),
        m_dispatcher(io, m_outbox, clock, metrics),
        m_first_polls(db) {
    alerts::SinkEnvironment environment;
    environment.http = &m_http;
    environment.clock = &clock;
    environment.user_agent = config.fetch.user_agent;
    for (const auto& sink : config.alerts) {
      auto created = alerts::make_sink(sink, environment);
      if (!created) {
        throw std::runtime_error(created.error().message);
      }
      m_dispatcher.add_sink(std::move(*created), sink.max_attempts);
      if (auto added = m_router.add(sink.name, alerts::route_spec(sink)); !added) {
        throw std::runtime_error(added.error().message);
      }
    }
    m_scheduler.set_feeds(config.feeds);
  }

  ~Impl() {
    *m_alive = false;  // parsed bodies still on their way back are dropped
    m_parser.join();
  }
  Impl(const Impl&) = delete;
  Impl& operator=(const Impl&) = delete;

  void start(std::function<void(const CycleSummary&)> on_pass) {
    engine();  // the daemon restores its window up front: a bad store fails the start
    m_on_pass = std::move(on_pass);
    m_dispatcher.start();
    m_scheduler.start();
  }

  void run_once(std::chrono::milliseconds budget, std::function<void(const CycleSummary&)> done) {
    m_dispatcher.start();
    m_scheduler.run_once([this, budget, done = std::move(done)] {
      m_dispatcher.drain(budget, [this, done](alerts::DrainReport report) {
        m_summary.pending = report.pending + report.orphaned;
        m_summary.items = known_items();
        done(m_summary);
      });
    });
  }

  void reconfigure(const config::Config& config) {
    spdlog::info("reload: the feed list applies now; alerts, dedup, fetch, store and http "
                 "settings take effect at the next restart");
    m_config.feeds = config.feeds;
    m_enabled_feeds = config::enabled_feed_count(config);
    m_passed.clear();
    m_scheduler.set_feeds(config.feeds);
  }

  void stop(std::chrono::milliseconds budget, std::function<void()> done) {
    m_scheduler.stop([this, budget, done = std::move(done)] {
      m_dispatcher.drain(budget, [done](alerts::DrainReport report) {
        if (report.pending > 0) {
          spdlog::warn("stopping with {} alerts still in the outbox; they go out at the next start",
                       report.pending);
        }
        done();
      });
    });
  }

 private:
  dedup::DedupEngine& engine() {
    if (!m_engine) {
      m_engine.emplace(dedup_options(m_config), std::make_unique<dedup::SqliteWindowStore>(m_db));
    }
    return *m_engine;
  }

  std::uint64_t known_items() {
    return m_engine ? m_engine->stats().items : dedup::SqliteWindowStore(m_db).count_items();
  }

  // Returns false when a fetched body could not be processed, so the scheduler
  // keeps the old validators and the body is fetched again.
  // Parsing is pure and the costliest step per body, so it runs on the parser
  // thread while this loop keeps fetching; dedup and the commit come back to
  // the loop, in one thread with the SQLite state. The scheduler stores the
  // feed's validators only after `done(consumed)`.
  void on_outcome(const config::FeedConfig& feed, feeds::FetchOutcome outcome,
                  feeds::OutcomeDone done) {
    std::string_view result = feeds::outcome_name(outcome);
    m_metrics.increment("newsmon_feed_fetches_total", {{"feed", feed.name}, {"result", std::string(result)}});
    auto* fetched = std::get_if<feeds::Fetched>(&outcome);
    if (fetched == nullptr) {
      ++(std::holds_alternative<feeds::NotModified>(outcome) ? m_summary.not_modified
                                                             : m_summary.failed);
      ++m_summary.feeds;
      note_polled(feed.name);
      done(true);
      return;
    }
    m_metrics.increment("newsmon_feed_fetch_bytes_total", {{"feed", feed.name}},
                        static_cast<double>(fetched->body.size()));
    const SysTime now = m_clock.now();
    const config::DedupMode mode = m_config.dedup.mode;
    boost::asio::post(m_parser, [this, alive = m_alive, feed, fetched = std::move(*fetched), now,
                                 mode, done = std::move(done)]() mutable {
      auto parsed = feeds::parse_feed(
          fetched.body,
          feeds::ParseOptions{fetched.effective_url.empty() ? feed.url : fetched.effective_url,
                              fetched.content_type, now});
      // Dedup's pure step too (a re-polled item is prepared for nothing, but
      // on this thread): the loop is left with what needs the window.
      std::vector<DedupInput> inputs;
      if (parsed) {
        inputs = dedup_inputs(feed.name, *parsed, now, mode);
      }
      boost::asio::post(m_io, [this, alive = std::move(alive), feed = std::move(feed),
                               parsed = std::move(parsed), inputs = std::move(inputs), now,
                               done = std::move(done)]() mutable {
        if (!*alive) {
          return;
        }
        const bool consumed = ingest(feed, std::move(parsed), inputs, now);
        ++(consumed ? m_summary.ok : m_summary.failed);
        ++m_summary.feeds;
        note_polled(feed.name);
        done(consumed);
      });
    });
  }

  // `inputs`: one per parsed item, in order.
  bool ingest(const config::FeedConfig& feed, Result<feeds::ParsedFeed> parsed,
              const std::vector<DedupInput>& inputs, SysTime now) {
    if (!parsed) {
      m_metrics.increment("newsmon_feed_parse_errors_total", {{"feed", feed.name}});
      spdlog::warn("feed {}: cannot parse the feed: {}", feed.name, parsed.error().message);
      return false;
    }
    for (const auto& warning : parsed->warnings) {
      spdlog::debug("feed {}: {}", feed.name, warning);
    }
    m_scheduler.report_hints(feed.name, feeds::FeedScheduleHints{parsed->hints.ttl,
                                                                 parsed->hints.skip_hours,
                                                                 parsed->hints.skip_days});
    m_metrics.increment("newsmon_feed_items_total", {{"feed", feed.name}},
                        static_cast<double>(parsed->items.size()));

    IngestCounts counts;
    std::size_t fresh = 0;
    Status recorded = ok_status();
    try {
      sqlite::Transaction transaction(m_db);
      const bool seeding = feed.first_poll == config::FirstPoll::seed && !m_first_polls.seen(feed.name);
      for (std::size_t i = 0; i < parsed->items.size(); ++i) {
        const feeds::FeedItem& item = parsed->items[i];
        if (i + 1 < parsed->items.size()) {
          engine().prefetch(inputs[i + 1].prepared);
        }
        auto decision = engine().observe(inputs[i].item, inputs[i].prepared);
        recorded = decision ? record(feed, item, *decision, seeding, now, counts)
                            : Status(decision.error());
        if (!recorded) {
          break;  // the transaction rolls back
        }
        fresh += decision->kind == dedup::DedupDecision::Kind::repeat ? 0 : 1;
      }
      if (recorded) {
        m_first_polls.mark(feed.name, now);
        transaction.commit();
      }
    } catch (const sqlite::SqliteError& error) {
      recorded = Error{error.what()};
    }
    if (!recorded) {
      spdlog::error("feed {}: cannot record its items in the state store ({}); nothing was "
                    "alerted and the feed will be fetched and decided again",
                    feed.name, recorded.error().message);
      // Memory must match what the store kept; a failed reload is retried at next use.
      if (auto restored = m_engine ? m_engine->restore() : ok_status(); !restored) {
        spdlog::error("dedup window reload failed: {}", restored.error().message);
        m_engine.reset();
      }
      return false;
    }
    m_summary.new_stories += counts.new_stories;
    m_summary.duplicates += counts.duplicates;
    m_summary.alerts += counts.alerts;
    m_summary.seeded += counts.seeded;
    for (const auto& [kind, count] : counts.decisions_by_kind) {
      m_metrics.increment("newsmon_dedup_decisions_total", {{"kind", kind}}, count);
    }
    for (const auto& [sink, count] : counts.alerts_by_sink) {
      m_metrics.increment("newsmon_alerts_enqueued_total", {{"sink", sink}}, count);
    }
    if (counts.seeded > 0) {
      spdlog::info("feed {}: first poll, new stories recorded without alerts (first_poll: seed): {}",
                   feed.name, counts.seeded);
    }
    m_scheduler.report_new_items(feed.name, fresh);
    if (counts.alerts > 0) {
      m_dispatcher.notify();
    }
    return true;
  }

  Status record(const config::FeedConfig& feed, const feeds::FeedItem& item,
                const dedup::DedupDecision& decision, bool seeding, SysTime now,
                IngestCounts& counts) {
    using Kind = dedup::DedupDecision::Kind;
    static constexpr const char* k_kind_names[] = {"new_story", "repeat", "duplicate"};
    ++counts.decisions_by_kind[k_kind_names[static_cast<int>(decision.kind)]];
    if (decision.kind == Kind::repeat) {
      return ok_status();
    }
    alerts::Alert alert;
    alert.story_id = decision.story_id;
    alert.feed = alerts::AlertFeed{feed.name, feed.url, feed.tags};
    alert.item = alerts::AlertItem{item.title, item.link, item.guid, item.published};
    alert.article = item.article;
    alert.detected_at = now;
    if (decision.kind == Kind::duplicate) {
      ++counts.duplicates;
      spdlog::debug("feed {}: '{}' joins story {} (score {:.2f})", feed.name, item.title,
                    decision.story_id, decision.score);
      if (!decision.new_source || seeding) {
        return ok_status();
      }
      // Sinks that opted in hear when the story reaches their source count.
      alert.event = alerts::AlertEvent::story_update;
      alert.member_count = static_cast<int>(decision.story_members);
      alert.sources = decision.story_feeds;
      return enqueue(alert, counts);
    }
    ++counts.new_stories;
    if (seeding) {
      ++counts.seeded;
      return ok_status();
    }
    alert.event = alerts::AlertEvent::new_story;
    return enqueue(alert, counts);
  }

  Status enqueue(const alerts::Alert& alert, IngestCounts& counts) {
    for (const auto& sink : m_router.route(alert)) {
      auto enqueued = m_outbox.enqueue(sink, alert);
      if (!enqueued) {
        return enqueued.error();
      }
      ++counts.alerts_by_sink[sink];
      ++counts.alerts;
    }
    return ok_status();
  }

  // A pass ends when every enabled feed has reported since the last one.
  void note_polled(const std::string& feed) {
    if (!m_on_pass) {
      return;
    }
    m_passed.insert(feed);
    if (m_passed.size() >= m_enabled_feeds) {
      m_summary.items = known_items();
      m_summary.pending = m_dispatcher.report().pending;
      m_on_pass(m_summary);
      m_summary = CycleSummary{};
      m_passed.clear();
    }
  }

  boost::asio::io_context& m_io;
  config::Config m_config;
  sqlite::Database& m_db;
  Metrics& m_metrics;
  const Clock& m_clock;
  net::HttpClient m_http;
  feeds::FeedFetcher m_fetcher;
  feeds::FetchStateStore m_fetch_state;
  feeds::FeedScheduler m_scheduler;
  // Restored from the state store on first use, so a pass where every feed
  // answers 304 never loads the window.
  std::optional<dedup::DedupEngine> m_engine;
  alerts::Outbox m_outbox;
  alerts::AlertDispatcher m_dispatcher;
  FirstPollLedger m_first_polls;
  alerts::Router m_router;
  CycleSummary m_summary;
  std::set<std::string> m_passed;
  std::size_t m_enabled_feeds = config::enabled_feed_count(m_config);
  std::function<void(const CycleSummary&)> m_on_pass;
  std::shared_ptr<bool> m_alive = std::make_shared<bool>(true);
  boost::asio::thread_pool m_parser{1};
};

Pipeline::Pipeline(boost::asio::io_context& io, const config::Config& config, sqlite::Database& db,
                   Metrics& metrics, const Clock& clock)
    : m_impl(std::make_unique<Impl>(io, config, db, metrics, clock)) {}

Pipeline::~Pipeline() = default;

void Pipeline::start(std::function<void(const CycleSummary&)> on_pass) {
  m_impl->start(std::move(on_pass));
}

void Pipeline::run_once(std::chrono::milliseconds deliver_budget,
                        std::function<void(const CycleSummary&)> done) {
  m_impl->run_once(deliver_budget, std::move(done));
}

void Pipeline::reconfigure(const config::Config& config) { m_impl->reconfigure(config); }

void Pipeline::stop(std::chrono::milliseconds flush_budget, std::function<void()> done) {
  m_impl->stop(flush_budget, std::move(done));
}

}  // namespace newsmon::daemon
