#include "alerts/dispatcher.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <deque>
#include <set>

#include "tests/alerts/alert_fixtures.hpp"
#include "tests/support/process.hpp"

namespace newsmon::alerts {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::seed_alert;
using testing::utc;
using namespace std::chrono_literals;

// What a scripted sink saw, shared with the test (the dispatcher owns the sink).
struct SinkLog {
  std::vector<std::string> attempts;  // story ids, in attempt order
  std::deque<DeliveryCallback> held;  // async mode: completions the test releases
};

class ScriptedSink final : public Sink {
 public:
  ScriptedSink(std::string name, std::shared_ptr<SinkLog> log, std::deque<DeliveryResult> script,
               DeliveryResult otherwise, bool async = false)
      : m_name(std::move(name)),
        m_log(std::move(log)),
        m_script(std::move(script)),
        m_otherwise(std::move(otherwise)),
        m_async(async) {}
  const std::string& name() const override { return m_name; }
  void deliver(const Alert& alert, DeliveryCallback done) override {
    m_log->attempts.push_back(alert.story_id);
    if (m_async) {
      m_log->held.push_back(std::move(done));
      return;
    }
    DeliveryResult result = m_otherwise;
    if (!m_script.empty()) {
      result = m_script.front();
      m_script.pop_front();
    }
    done(result);
  }

 private:
  std::string m_name;
  std::shared_ptr<SinkLog> m_log;
  std::deque<DeliveryResult> m_script;
  DeliveryResult m_otherwise;
  bool m_async;
};

const DeliveryResult k_ok = DeliveryOk{};
const DeliveryResult k_retry = DeliveryRetry{"HTTP 503", std::nullopt};

class DispatcherTest : public ::testing::Test {
 protected:
  DispatcherTest() : m_db(std::make_unique<sqlite::Database>(db_path())), m_outbox(make_outbox()) {}

  std::string db_path() const { return m_dir.path() + "/state.db"; }
  std::unique_ptr<Outbox> make_outbox() { return std::make_unique<Outbox>(*m_db, m_clock); }

  // A new process: new connection, new outbox, new dispatcher on the same file.
  void restart() {
    m_dispatcher.reset();
    m_outbox.reset();
    m_db = std::make_unique<sqlite::Database>(db_path());
    m_outbox = make_outbox();
  }

  AlertDispatcher& dispatcher() {
    if (!m_dispatcher) {
      DispatcherOptions options;
      options.seed = 42;
      m_dispatcher =
          std::make_unique<AlertDispatcher>(m_io, *m_outbox, m_clock, m_metrics, options);
    }
    return *m_dispatcher;
  }

  std::shared_ptr<SinkLog> add_sink(const std::string& name, std::deque<DeliveryResult> script,
                                    DeliveryResult otherwise, int max_attempts = 8,
                                    bool async = false) {
    auto log = std::make_shared<SinkLog>();
    dispatcher().add_sink(
        std::make_unique<ScriptedSink>(name, log, std::move(script), std::move(otherwise), async),
        max_attempts);
    return log;
  }

  void enqueue(const std::string& sink, const std::vector<std::string>& stories) {
    sqlite::Transaction transaction(*m_db);
    for (const auto& story : stories) {
      ASSERT_TRUE(m_outbox->enqueue(sink, seed_alert(story)).ok());
    }
    transaction.commit();
  }

  // Runs every handler that is ready now; timers for later stay armed.
  void run_ready() {
    m_io.restart();
    while (m_io.poll() > 0) {
    }
  }

  // Moves time forward and wakes the dispatcher, as its timer would.
  void advance(std::chrono::milliseconds by) {
    m_clock.advance(by);
    dispatcher().notify();
    run_ready();
  }

  double metric(std::string_view name, const std::string& sink) {
    return m_metrics.value(name, {{"sink", sink}});
  }

  newsmon::testing::TempDir m_dir;
  ManualClock m_clock{utc(2018, 5, 31, 10)};
  boost::asio::io_context m_io;
  Metrics m_metrics;
  std::unique_ptr<sqlite::Database> m_db;
  std::unique_ptr<Outbox> m_outbox;
  std::unique_ptr<AlertDispatcher> m_dispatcher;
};

TEST_F(DispatcherTest, DeliversEachSinkInOutboxOrder) {
  auto hook = add_sink("hook", {}, k_ok);
  auto file = add_sink("file", {}, k_ok);
  enqueue("hook", {"s1", "s2", "s3"});
  enqueue("file", {"f1", "f2"});
  enqueue("hook", {"s4"});
  dispatcher().start();
  run_ready();
  EXPECT_THAT(hook->attempts, ElementsAre("s1", "s2", "s3", "s4"));
  EXPECT_THAT(file->attempts, ElementsAre("f1", "f2"));
  EXPECT_EQ(m_outbox->counts()->size(), 0u);
  EXPECT_EQ(metric("newsmon_alerts_delivered_total", "hook"), 4);
  EXPECT_EQ(metric("newsmon_outbox_pending", "hook"), 0);
}

TEST_F(DispatcherTest, NewRowsGoOutAfterNotify) {
  auto hook = add_sink("hook", {}, k_ok);
  dispatcher().start();
  run_ready();
  enqueue("hook", {"s1", "s2"});
  dispatcher().notify();
  run_ready();
  EXPECT_THAT(hook->attempts, ElementsAre("s1", "s2"));
}

TEST_F(DispatcherTest, OneAttemptInFlightPerSink) {
  auto hook = add_sink("hook", {}, k_ok, 8, /*async=*/true);
  enqueue("hook", {"s1", "s2", "s3"});
  dispatcher().start();
  run_ready();
  EXPECT_THAT(hook->attempts, ElementsAre("s1"));
  dispatcher().notify();
  run_ready();
  EXPECT_THAT(hook->attempts, ElementsAre("s1"))
      << "a second attempt started while one is in flight";
  for (int i = 0; i < 3; ++i) {
    ASSERT_EQ(hook->held.size(), 1u);
    auto done = std::move(hook->held.front());
    hook->held.pop_front();
    done(DeliveryOk{});
    run_ready();
  }
  EXPECT_THAT(hook->attempts, ElementsAre("s1", "s2", "s3"));
}

TEST_F(DispatcherTest, RetryHoldsBackLaterAlertsAndHonoursRetryAfter) {
  auto hook = add_sink("hook", {DeliveryRetry{"HTTP 429", 30s}}, k_ok);
  enqueue("hook", {"s1", "s2", "s3"});
  dispatcher().start();
  run_ready();
  EXPECT_THAT(hook->attempts, ElementsAre("s1"));
  auto head = m_outbox->next_pending("hook");
  ASSERT_TRUE(head.ok() && head->has_value());
  EXPECT_EQ((*head)->attempts, 1);
  EXPECT_EQ((*head)->last_error, "HTTP 429");
  EXPECT_GE((*head)->next_attempt_at, m_clock.now() + 30s);

  advance(29s);
  EXPECT_THAT(hook->attempts, ElementsAre("s1")) << "retried before Retry-After";
  advance(2s);
  EXPECT_THAT(hook->attempts, ElementsAre("s1", "s1", "s2", "s3"));
  EXPECT_EQ(metric("newsmon_alerts_retried_total", "hook"), 1);
}

TEST_F(DispatcherTest, DeadLettersAfterMaxAttemptsAndMovesOn) {
  auto hook = add_sink("hook", {k_retry, k_retry, k_retry}, k_ok, /*max_attempts=*/3);
  enqueue("hook", {"s1", "s2"});
  dispatcher().start();
  run_ready();
  for (int i = 0; i < 10; ++i) {
    advance(1h);
  }
  EXPECT_THAT(hook->attempts, ElementsAre("s1", "s1", "s1", "s2"));
  auto dead = m_outbox->dead_letters("hook");
  ASSERT_TRUE(dead.ok());
  ASSERT_EQ(dead->size(), 1u);
  EXPECT_EQ(dead->front().story_id, "s1");
  EXPECT_EQ(dead->front().attempts, 3);
  EXPECT_THAT(dead->front().last_error, HasSubstr("gave up after 3 attempts: HTTP 503"));
  EXPECT_EQ(metric("newsmon_alerts_dead_lettered_total", "hook"), 1);
  const DrainReport report = dispatcher().report();
  EXPECT_EQ(report.sinks.at("hook").dead, 1);
  EXPECT_EQ(report.sinks.at("hook").pending, 0);
  EXPECT_EQ(report.dead_lettered, 1);
}

TEST_F(DispatcherTest, PermanentRefusalDeadLettersAtOnce) {
  auto hook = add_sink("hook", {DeliveryPermanent{"HTTP 404"}}, k_ok);
  enqueue("hook", {"s1", "s2"});
  dispatcher().start();
  run_ready();
  EXPECT_THAT(hook->attempts, ElementsAre("s1", "s2"));
  auto dead = m_outbox->dead_letters("hook");
  ASSERT_EQ(dead->size(), 1u);
  EXPECT_EQ(dead->front().attempts, 1);
  EXPECT_THAT(dead->front().last_error, HasSubstr("HTTP 404"));
}

TEST_F(DispatcherTest, RestartDeliversPendingFirstInOrder) {
  auto down = add_sink("hook", {}, k_retry);
  enqueue("hook", {"s1", "s2", "s3"});
  dispatcher().start();
  run_ready();
  EXPECT_THAT(down->attempts, ElementsAre("s1"));

  restart();
  auto up = add_sink("hook", {}, k_ok);
  dispatcher().start();
  enqueue("hook", {"s4"});  // decided after the restart
  dispatcher().notify();
  run_ready();
  advance(1h);  // s1's retry time survives the restart
  EXPECT_THAT(up->attempts, ElementsAre("s1", "s2", "s3", "s4"));
}

TEST_F(DispatcherTest, DrainReportsEverythingDelivered) {
  add_sink("hook", {}, k_ok);
  enqueue("hook", {"s1", "s2"});
  std::optional<DrainReport> report;
  dispatcher().drain(10s, [&](DrainReport r) { report = std::move(r); });
  run_ready();
  ASSERT_TRUE(report.has_value());
  EXPECT_TRUE(report->complete());
  EXPECT_EQ(report->delivered, 2);
  EXPECT_EQ(report->pending, 0);
}

TEST_F(DispatcherTest, DrainGivesADownSinkABoundedTimeAndReportsWhatIsLeft) {
  auto down = add_sink("down", {}, DeliveryRetry{"connection refused", std::nullopt});
  auto up = add_sink("up", {}, k_ok);
  enqueue("down", {"s1", "s2"});
  enqueue("up", {"u1"});
  std::optional<DrainReport> report;
  dispatcher().drain(10s, [&](DrainReport r) { report = std::move(r); });
  run_ready();
  for (int i = 0; i < 20 && !report; ++i) {
    advance(2s);
  }
  ASSERT_TRUE(report.has_value()) << "drain did not finish";
  EXPECT_LE(m_clock.now(), utc(2018, 5, 31, 10) + 12s);
  EXPECT_FALSE(report->complete());
  EXPECT_EQ(report->pending, 2);
  EXPECT_EQ(report->sinks.at("down").pending, 2);
  EXPECT_EQ(report->sinks.at("down").last_error, "connection refused");
  EXPECT_EQ(report->sinks.at("up").delivered, 1);
  EXPECT_GE(down->attempts.size(), 2u);
  EXPECT_THAT(down->attempts, ::testing::Each("s1"));
  // Nothing was lost: the rows are still there for the next run.
  EXPECT_EQ(m_outbox->counts()->at("down").pending, 2);
}

TEST_F(DispatcherTest, DrainEndsAtTheDeadlineWhileAnAttemptHangs) {
  add_sink("slow", {}, k_ok, 8, /*async=*/true);
  enqueue("slow", {"s1"});
  std::optional<DrainReport> report;
  dispatcher().drain(10s, [&](DrainReport r) { report = std::move(r); });
  run_ready();
  EXPECT_FALSE(report.has_value());
  advance(11s);
  ASSERT_TRUE(report.has_value());
  EXPECT_EQ(report->pending, 1);
}

// The sink accepted but the state dir turned read-only: the alert is neither
// delivered twice by this process nor forgotten by the next one.
TEST_F(DispatcherTest, StorageFailureAfterDeliveryLosesNothing) {
  auto hook = add_sink("hook", {}, k_ok);
  enqueue("hook", {"s1", "s2"});
  m_db->exec("PRAGMA query_only = ON");
  dispatcher().start();
  run_ready();
  advance(1min);
  EXPECT_THAT(hook->attempts, ElementsAre("s1", "s2"));
  DrainReport report = dispatcher().report();
  EXPECT_EQ(report.pending, 0);
  EXPECT_THAT(report.sinks.at("hook").last_error, HasSubstr("readonly"));

  restart();  // query_only died with the old connection: the disk is writable again
  auto again = add_sink("hook", {}, k_ok);
  dispatcher().start();
  run_ready();
  EXPECT_THAT(again->attempts, ElementsAre("s1", "s2")) << "at-least-once after a restart";
  EXPECT_EQ(m_outbox->counts()->size(), 0u);
}

TEST_F(DispatcherTest, OutcomesAreRecordedOnceTheDiskRecovers) {
  auto hook = add_sink("hook", {}, k_ok);
  enqueue("hook", {"s1"});
  m_db->exec("PRAGMA query_only = ON");
  dispatcher().start();
  run_ready();
  m_db->exec("PRAGMA query_only = OFF");
  enqueue("hook", {"s2"});
  dispatcher().notify();
  run_ready();
  EXPECT_THAT(hook->attempts, ElementsAre("s1", "s2"));
  EXPECT_EQ(m_outbox->counts()->size(), 0u);
}

TEST_F(DispatcherTest, UnreadableRowIsDeadLetteredNotRetried) {
  auto hook = add_sink("hook", {}, k_ok);
  m_db->exec(
      "INSERT INTO alert_outbox (sink, story_id, event, payload, created_at_ms, "
      "next_attempt_at_ms) VALUES ('hook', 'broken', 'new_story', '{', 0, 0)");
  enqueue("hook", {"s1"});
  dispatcher().start();
  run_ready();
  EXPECT_THAT(hook->attempts, ElementsAre("s1"));
  auto dead = m_outbox->dead_letters("hook");
  ASSERT_EQ(dead->size(), 1u);
  EXPECT_THAT(dead->front().last_error, HasSubstr("unreadable outbox row"));
}

TEST_F(DispatcherTest, RowsOfARemovedSinkAreReportedAsOrphaned) {
  add_sink("hook", {}, k_ok);
  enqueue("gone", {"s1"});
  std::optional<DrainReport> report;
  dispatcher().drain(10s, [&](DrainReport r) { report = std::move(r); });
  run_ready();
  ASSERT_TRUE(report.has_value());
  EXPECT_EQ(report->orphaned, 1);
  EXPECT_EQ(report->pending, 0);
}

TEST(RetryDelay, DoublesFromInitialUpToTheCap) {
  BackoffPolicy policy;
  policy.initial = 1s;
  policy.max = 60s;
  policy.jitter = 0;
  std::mt19937_64 random(1);
  const std::pair<int, std::chrono::milliseconds> cases[] = {
      {1, 1s}, {2, 2s}, {3, 4s}, {6, 32s}, {7, 60s}, {40, 60s}, {0, 1s},
  };
  for (const auto& [attempts, expected] : cases) {
    EXPECT_EQ(retry_delay(attempts, std::nullopt, policy, random), expected) << attempts;
  }
}

TEST(RetryDelay, RetryAfterIsAFloorWithACap) {
  BackoffPolicy policy;
  policy.initial = 1s;
  policy.jitter = 0;
  policy.max_retry_after = 1h;
  std::mt19937_64 random(1);
  EXPECT_EQ(retry_delay(1, 120s, policy, random), 120s);
  EXPECT_EQ(retry_delay(3, 1s, policy, random), 4s);
  EXPECT_EQ(retry_delay(1, std::chrono::hours(48), policy, random), 1h);
  EXPECT_EQ(retry_delay(1, -5s, policy, random), 1s);
}

TEST(RetryDelay, JitterStaysInBoundsAndFollowsTheSeed) {
  BackoffPolicy policy;
  policy.initial = 10s;
  policy.jitter = 0.2;
  std::mt19937_64 a(7);
  std::mt19937_64 b(7);
  std::set<std::chrono::milliseconds::rep> seen;
  for (int i = 0; i < 200; ++i) {
    const auto delay = retry_delay(1, std::nullopt, policy, a);
    EXPECT_GE(delay, 8s);
    EXPECT_LE(delay, 12s);
    EXPECT_EQ(delay, retry_delay(1, std::nullopt, policy, b));
    seen.insert(delay.count());
  }
  EXPECT_GT(seen.size(), 50u) << "jitter does not spread retries";
}

}  // namespace
}  // namespace newsmon::alerts

namespace newsmon::alerts {
namespace {

// Answers at random: mostly Ok, sometimes Retry (with or without
// Retry-After), now and then Permanent. Records every Ok.
class RandomSink final : public Sink {
 public:
  RandomSink(std::string name, std::uint64_t seed, std::shared_ptr<std::vector<std::string>> oks)
      : m_name(std::move(name)), m_random(seed), m_oks(std::move(oks)) {}
  const std::string& name() const override { return m_name; }
  void deliver(const Alert& alert, DeliveryCallback done) override {
    const int roll = std::uniform_int_distribution<int>(0, 99)(m_random);
    if (roll < 60) {
      m_oks->push_back(alert.story_id);
      done(DeliveryOk{});
    } else if (roll < 75) {
      done(DeliveryRetry{"busy", std::chrono::seconds(roll - 60)});
    } else if (roll < 92) {
      done(DeliveryRetry{"timeout", std::nullopt});
    } else {
      done(DeliveryPermanent{"refused"});
    }
  }

 private:
  std::string m_name;
  std::mt19937_64 m_random;
  std::shared_ptr<std::vector<std::string>> m_oks;
};

// Whatever the sinks answer, across a restart: every alert ends delivered
// exactly once or dead-lettered, never both, never neither, and each sink
// receives its alerts in the order they were enqueued.
TEST(DispatcherInvariants, NothingLostNothingRepeatedOrderKept) {
  const std::vector<std::string> sink_names = {"a", "b", "c"};
  double retried = 0;
  double dead_lettered = 0;
  for (std::uint64_t seed = 1; seed <= 12; ++seed) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    newsmon::testing::TempDir dir;
    ManualClock clock(utc(2018, 5, 31, 10));
    boost::asio::io_context io;
    Metrics metrics;
    std::mt19937_64 random(seed);
    std::map<std::string, std::vector<std::string>> enqueued;
    std::map<std::string, std::shared_ptr<std::vector<std::string>>> oks;
    for (const auto& name : sink_names) {
      oks[name] = std::make_shared<std::vector<std::string>>();
    }
    const auto run_ready = [&] {
      io.restart();
      while (io.poll() > 0) {
      }
    };
    int story = 0;
    for (int life = 0; life < 2; ++life) {  // a restart halfway
      sqlite::Database db(dir.path() + "/state.db");
      Outbox outbox(db, clock);
      DispatcherOptions options;
      options.seed = seed;
      AlertDispatcher dispatcher(io, outbox, clock, metrics, options);
      for (const auto& name : sink_names) {
        dispatcher.add_sink(std::make_unique<RandomSink>(name, seed * 31 + life, oks[name]), 4);
      }
      dispatcher.start();
      for (int round = 0; round < 15; ++round) {
        sqlite::Transaction transaction(db);
        for (int i = 0; i < 3; ++i) {
          const std::string id = "s" + std::to_string(story++);
          const auto& sink = sink_names[random() % sink_names.size()];
          ASSERT_TRUE(outbox.enqueue(sink, seed_alert(id)).ok());
          enqueued[sink].push_back(id);
        }
        transaction.commit();
        dispatcher.notify();
        run_ready();
        clock.advance(std::chrono::seconds(random() % 20));
        dispatcher.notify();
        run_ready();
      }
      if (life == 1) {
        for (int i = 0; i < 200; ++i) {
          clock.advance(std::chrono::minutes(11));
          dispatcher.notify();
          run_ready();
        }
        EXPECT_EQ(dispatcher.report().pending, 0);
      }
      io.restart();
      io.poll();
      for (const auto& name : sink_names) {
        if (life == 0) {
          continue;
        }
        auto dead = outbox.dead_letters(name);
        ASSERT_TRUE(dead.ok());
        std::set<std::string> dead_ids;
        for (const auto& entry : *dead) {
          dead_ids.insert(entry.story_id);
        }
        const auto& delivered = *oks[name];
        std::set<std::string> delivered_ids(delivered.begin(), delivered.end());
        EXPECT_EQ(delivered_ids.size(), delivered.size()) << name << ": delivered twice";
        for (const auto& id : enqueued[name]) {
          EXPECT_NE(delivered_ids.contains(id), dead_ids.contains(id))
              << name << ": " << id << " must be delivered xor dead-lettered";
        }
        // Delivered order is enqueue order with the dead-lettered ones left out.
        std::vector<std::string> expected;
        for (const auto& id : enqueued[name]) {
          if (!dead_ids.contains(id)) {
            expected.push_back(id);
          }
        }
        EXPECT_EQ(delivered, expected) << name;
      }
    }
    for (const auto& name : sink_names) {
      retried += metrics.value("newsmon_alerts_retried_total", {{"sink", name}});
      dead_lettered += metrics.value("newsmon_alerts_dead_lettered_total", {{"sink", name}});
    }
  }
  // The runs really went through retries and dead letters.
  EXPECT_GT(retried, 0);
  EXPECT_GT(dead_lettered, 0);
}

}  // namespace
}  // namespace newsmon::alerts
