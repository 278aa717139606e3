// SchedulePlanner's decisions with injected times and seed (no timers), and
// FeedScheduler end to end against loopback servers.
#include "feeds/scheduler.hpp"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <atomic>
#include <set>

#include "common/sqlite.hpp"
#include "tests/support/http_server.hpp"
#include "tests/support/io_loop.hpp"
#include "tests/support/process.hpp"

namespace newsmon::feeds {
namespace {

using namespace std::chrono_literals;
using testing::HttpServer;
using testing::ScriptedResponse;

const SysTime k_start = std::chrono::sys_days(std::chrono::year(2024) / 6 / 3) + 9h;  // a Monday

FetchOutcome ok() { return NotModified{}; }
FetchOutcome fetched_with(CacheHints hints) {
  Fetched fetched;
  fetched.hints = hints;
  return fetched;
}
FetchOutcome server_error() { return Retry{std::nullopt, false, "HTTP 500"}; }
FetchOutcome rate_limited(std::optional<std::chrono::seconds> after) {
  return Retry{after, true, "HTTP 429"};
}

SchedulePolicy no_jitter() {
  SchedulePolicy policy;
  policy.jitter = 0;
  policy.host_spread = Duration(0);
  return policy;
}

TEST(BackoffTest, DoublesPerFailureUpToTheCap) {
  struct Case {
    Duration interval;
    int failures;
    Duration expected;
  };
  const Case cases[] = {
      {10min, 0, 10min}, {10min, 1, 20min}, {10min, 2, 40min}, {10min, 5, 320min},
      {10min, 6, 6h},    {10min, 60, 6h},   {12h, 3, 12h},     {1s, 10, 1024s},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(backoff_delay(c.interval, c.failures, 6h), c.expected)
        << c.interval.count() << "ms x" << c.failures;
  }
}

TEST(PlannerTest, FailuresBackOffAndASuccessRecovers) {
  SchedulePlanner planner(no_jitter(), 1);
  planner.add_feed("f", 10min, "h");
  SysTime now = k_start;
  EXPECT_EQ(planner.next_after("f", server_error(), now), now + 20min);
  EXPECT_EQ(planner.next_after("f", Failed{"HTTP 404"}, now), now + 40min);
  EXPECT_EQ(planner.next_after("f", server_error(), now), now + 80min);
  EXPECT_EQ(planner.consecutive_failures("f"), 3);
  EXPECT_EQ(planner.next_after("f", ok(), now), now + 10min);
  EXPECT_EQ(planner.consecutive_failures("f"), 0);
  for (int i = 0; i < 100; ++i) {
    now = planner.next_after("f", server_error(), now);  // never gives up
  }
  EXPECT_EQ(planner.next_after("f", server_error(), now), now + 6h);
}

TEST(PlannerTest, JitterSpreadsFeedsDeterministicallyWithinBounds) {
  SchedulePolicy policy;  // ±10 %
  auto run = [&](std::uint64_t seed) {
    SchedulePlanner planner(policy, seed);
    std::vector<SysTime> times;
    for (int i = 0; i < 50; ++i) {
      const std::string name = std::to_string(i) + "-feed";
      planner.add_feed(name, 10min, "h");
      times.push_back(planner.first_due(name, k_start, std::nullopt));
      times.push_back(planner.next_after(name, ok(), k_start));
    }
    return times;
  };
  const auto times = run(7);
  EXPECT_EQ(times, run(7));
  EXPECT_NE(times, run(8));
  std::set<SysTime> distinct(times.begin(), times.end());
  EXPECT_GT(distinct.size(), 90u);
  for (std::size_t i = 0; i < times.size(); i += 2) {
    EXPECT_GE(times[i], k_start);
    EXPECT_LT(times[i], k_start + 30s);  // startup spread
    EXPECT_GE(times[i + 1], k_start + 9min);
    EXPECT_LE(times[i + 1], k_start + 11min);
  }
}

TEST(PlannerTest, PersistedNextPollIsKeptButCapped) {
  SchedulePlanner planner(no_jitter(), 1);
  planner.add_feed("f", 10min, "h", 4);
  EXPECT_EQ(planner.first_due("f", k_start, k_start + 2h), k_start + 2h);
  EXPECT_EQ(planner.first_due("f", k_start, k_start + 30 * 24h), k_start + 6h);
  EXPECT_LT(planner.first_due("f", k_start, k_start - 1h), k_start + 30s);
  EXPECT_EQ(planner.next_after("f", server_error(), k_start), k_start + 320min);  // 10min·2^5
}

TEST(PlannerTest, RetryAfterIsALowerBoundAndSlowsTheWholeHost) {
  SchedulePlanner planner(no_jitter(), 1);
  planner.add_feed("a", 1min, "news.example");
  planner.add_feed("b", 1min, "news.example");
  planner.add_feed("c", 1min, "other.example");
  EXPECT_EQ(planner.next_after("a", rate_limited(600s), k_start), k_start + 10min);
  EXPECT_EQ(planner.host_not_before("news.example"), k_start + 10min);
  EXPECT_EQ(planner.deferred_until("b", k_start + 1min), k_start + 10min);
  EXPECT_EQ(planner.deferred_until("c", k_start + 1min), std::nullopt);
  EXPECT_EQ(planner.deferred_until("b", k_start + 10min), std::nullopt);

  // A shorter limit never shortens a longer one already in force.
  planner.next_after("b", rate_limited(5s), k_start + 1min);
  EXPECT_EQ(planner.host_not_before("news.example"), k_start + 10min);

  // Without Retry-After the host is still slowed, by the default.
  planner.next_after("c", rate_limited(std::nullopt), k_start);
  EXPECT_EQ(planner.host_not_before("other.example"), k_start + 60s);

  // A plain 500 does not touch the host.
  planner.add_feed("d", 1min, "third.example");
  planner.next_after("d", server_error(), k_start);
  EXPECT_EQ(planner.host_not_before("third.example"), std::nullopt);

  // An absurd Retry-After is capped like backoff.
  planner.add_feed("e", 1min, "fourth.example");
  EXPECT_EQ(planner.next_after("e", rate_limited(std::chrono::seconds(86400 * 365)), k_start),
            k_start + 6h);
}

TEST(PlannerTest, FeedHintsAreLowerBoundsOnlyWhenHonoured) {
  for (const bool honour : {true, false}) {
    SchedulePolicy policy = no_jitter();
    policy.honour_feed_hints = honour;
    SchedulePlanner planner(policy, 1);
    planner.add_feed("f", 10min, "h");
    planner.report_hints("f", FeedScheduleHints{60min, {}, {}});
    EXPECT_EQ(planner.next_after("f", ok(), k_start), k_start + (honour ? 60min : 10min));
    planner.report_hints("f", {});
    EXPECT_EQ(planner.next_after("f", fetched_with({1800s, std::nullopt}), k_start),
              k_start + (honour ? 30min : 10min));
    EXPECT_EQ(planner.next_after("f", fetched_with({std::nullopt, k_start + 2h}), k_start),
              k_start + (honour ? 2h : 10min));
    // Shorter than the interval: the interval wins; longer than a day: capped.
    EXPECT_EQ(planner.next_after("f", fetched_with({60s, std::nullopt}), k_start), k_start + 10min);
    EXPECT_EQ(planner.next_after("f", fetched_with({std::chrono::seconds(7 * 86400), std::nullopt}),
                                 k_start),
              k_start + (honour ? 24h : 10min));
  }
}

TEST(PlannerTest, JitterNeverUndercutsAFeedHint) {
  SchedulePlanner planner(SchedulePolicy{}, 3);
  planner.add_feed("f", 10min, "h");
  planner.report_hints("f", FeedScheduleHints{60min, {}, {}});
  for (int i = 0; i < 200; ++i) {
    const SysTime next = planner.next_after("f", ok(), k_start);
    EXPECT_GE(next, k_start + 60min);
    EXPECT_LE(next, k_start + 66min);
  }
}

TEST(PlannerTest, SkipHoursAndDaysPushThePollOut) {
  SchedulePlanner planner(no_jitter(), 1);
  planner.add_feed("f", 10min, "h");
  // 09:00 Monday + 10 min falls in skipped hour 9, and hours 10-11 too.
  planner.report_hints("f", FeedScheduleHints{std::nullopt, {9, 10, 11}, {}});
  EXPECT_EQ(planner.next_after("f", ok(), k_start), k_start + 3h);
  // Skip Monday (1) entirely: Tuesday 00:00.
  planner.report_hints("f", FeedScheduleHints{std::nullopt, {}, {1}});
  EXPECT_EQ(planner.next_after("f", ok(), k_start), k_start - 9h + 24h);
  // Everything skipped: ignored rather than never polling.
  std::vector<int> all_hours(24);
  for (int h = 0; h < 24; ++h) {
    all_hours[static_cast<std::size_t>(h)] = h;
  }
  planner.report_hints("f", FeedScheduleHints{std::nullopt, all_hours, {}});
  EXPECT_EQ(planner.next_after("f", ok(), k_start), k_start + 10min);
}

TEST(PlannerTest, AdaptiveIntervalFollowsPublishingWithinBounds) {
  SchedulePolicy policy = no_jitter();
  policy.adaptive = true;
  SchedulePlanner planner(policy, 1);
  planner.add_feed("quiet", 10min, "h");
  planner.add_feed("busy", 10min, "h");
  SysTime now = k_start;
  for (int i = 0; i < 10; ++i) {
    planner.report_new_items("quiet", 1, now + i * 2h);
    planner.report_new_items("busy", 3, now + i * 2min);
  }
  now += 18h;
  EXPECT_EQ(planner.base_interval("quiet", now), 40min);  // 4 × interval at most
  EXPECT_EQ(planner.base_interval("busy", k_start + 18min), 10min);  // never faster than configured
  planner.add_feed("mid", 10min, "h");
  for (int i = 0; i < 10; ++i) {
    planner.report_new_items("mid", 1, k_start + i * 50min);
  }
  EXPECT_EQ(planner.base_interval("mid", k_start + 450min), 25min);

  SchedulePlanner fixed(no_jitter(), 1);
  fixed.add_feed("quiet", 10min, "h");
  for (int i = 0; i < 10; ++i) {
    fixed.report_new_items("quiet", 1, k_start + i * 2h);
  }
  EXPECT_EQ(fixed.base_interval("quiet", k_start + 18h), 10min);
}

// ---------------------------------------------------------------------------

struct Seen {
  std::string feed;
  std::string outcome;
  SysTime at;
};

class SchedulerIntegrationTest : public ::testing::Test {
 protected:
  config::FeedConfig feed(const std::string& name, const std::string& url, Duration interval = 10min) {
    config::FeedConfig f;
    f.name = name;
    f.url = url;
    f.interval = interval;
    f.timeout = 5s;
    f.max_body = 1 << 20;
    return f;
  }
  std::unique_ptr<FeedScheduler> scheduler(FetchStateStore* store, SchedulePolicy policy = {}) {
    return std::make_unique<FeedScheduler>(m_io, m_fetcher, store, m_clock, policy, 42,
                                           [this](const config::FeedConfig& f, FetchOutcome o) {
                                             m_seen.push_back({f.name, std::string(outcome_name(o)),
                                                               m_clock.now()});
                                             return m_consumes;
                                           });
  }
  int count(const std::string& name, const std::string& outcome = "") const {
    int n = 0;
    for (const auto& s : m_seen) {
      n += s.feed == name && (outcome.empty() || s.outcome == outcome) ? 1 : 0;
    }
    return n;
  }

  boost::asio::io_context m_io;
  HttpServer m_server;
  SystemClock m_clock;
  net::HttpClient m_client{m_io, {}};
  FeedFetcher m_fetcher{m_client, m_clock, {}};
  std::vector<Seen> m_seen;
  bool m_consumes = true;  // what the consumer answers for every outcome
};

TEST_F(SchedulerIntegrationTest, RunOnceDeliversHealthyFeedsBesideBrokenOnes) {
  m_server.route("/good1", ScriptedResponse::text(200, "<rss/>"));
  m_server.route("/good2", ScriptedResponse::text(200, "<feed/>"));
  m_server.route("/garbage", ScriptedResponse::text(200, "\x01\x02 not xml"));
  m_server.route("/error", ScriptedResponse::text(500, "oops"));
  ScriptedResponse hangup;
  hangup.shape = ScriptedResponse::Shape::close_at_once;
  m_server.route("/hangup", hangup);
  std::vector<config::FeedConfig> feeds = {
      feed("good1", m_server.url("/good1")),     feed("garbage", m_server.url("/garbage")),
      feed("error", m_server.url("/error")),     feed("missing", m_server.url("/missing")),
      feed("hangup", m_server.url("/hangup")),   feed("bad-url", "htp:/nonsense"),
      feed("good2", m_server.url("/good2")),     feed("off", m_server.url("/good1")),
  };
  feeds.back().enabled = false;
  auto s = scheduler(nullptr);
  s->set_feeds(feeds);
  bool done = false;
  s->run_once([&] { done = true; });
  ASSERT_TRUE(testing::run_until(m_io, [&] { return done; }));
  EXPECT_EQ(m_seen.size(), 7u);
  EXPECT_EQ(count("good1", "fetched"), 1);
  EXPECT_EQ(count("good2", "fetched"), 1);
  EXPECT_EQ(count("garbage", "fetched"), 1);  // the fetcher does not parse
  EXPECT_EQ(count("error", "retry"), 1);
  EXPECT_EQ(count("missing", "failed"), 1);
  EXPECT_EQ(count("hangup", "retry"), 1);
  EXPECT_EQ(count("bad-url", "failed"), 1);
  EXPECT_EQ(count("off"), 0);
}

TEST_F(SchedulerIntegrationTest, ValidatorsAndStatusPersistAcrossRestarts) {
  m_server.route("/rss", [](const testing::ReceivedRequest& request) {
    if (request.header("if-none-match") == "\"v1\"") {
      return ScriptedResponse::text(304, "");
    }
    return ScriptedResponse::text(200, "<rss/>").with("ETag", "\"v1\"");
  });
  m_server.route("/down", ScriptedResponse::text(503, "busy"));
  testing::TempDir dir;
  const std::string path = dir.path() + "/state.db";
  const std::vector<config::FeedConfig> feeds = {feed("rss", m_server.url("/rss")),
                                                 feed("down", m_server.url("/down"))};
  for (int run = 0; run < 2; ++run) {
    sqlite::Database db(path);  // a fresh process would open the file anew
    FetchStateStore store(db);
    auto s = scheduler(&store);
    s->set_feeds(feeds);
    bool done = false;
    s->run_once([&] { done = true; });
    ASSERT_TRUE(testing::run_until(m_io, [&] { return done; }));
  }
  EXPECT_EQ(count("rss", "fetched"), 1);
  EXPECT_EQ(count("rss", "not_modified"), 1);
  const auto seen = m_server.requests_for("/rss");
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[1].header("if-none-match"), "\"v1\"");

  sqlite::Database db(path);
  FetchStateStore store(db);
  const auto down = store.load("down").value();
  ASSERT_TRUE(down.has_value());
  EXPECT_EQ(down->last_status, "retry");
  EXPECT_EQ(down->consecutive_failures, 2);
  EXPECT_NE(down->last_error.find("503"), std::string::npos);
  EXPECT_FALSE(down->last_success.has_value());
  ASSERT_TRUE(down->next_poll.has_value());
  const auto rss = store.load("rss").value();
  ASSERT_TRUE(rss.has_value());
  EXPECT_EQ(rss->last_status, "not_modified");
  EXPECT_EQ(rss->consecutive_failures, 0);
  EXPECT_TRUE(rss->last_success.has_value());
  EXPECT_EQ(rss->validators.etag, "\"v1\"");
}

TEST_F(SchedulerIntegrationTest, AnUnprocessedBodyKeepsTheOldValidators) {
  m_server.route("/rss", [](const testing::ReceivedRequest& request) {
    if (request.header("if-none-match") == "\"v1\"") {
      return ScriptedResponse::text(304, "");
    }
    return ScriptedResponse::text(200, "<rss/>").with("ETag", "\"v1\"");
  });
  testing::TempDir dir;
  sqlite::Database db(dir.path() + "/state.db");
  FetchStateStore store(db);
  m_consumes = false;  // e.g. the state store was full when the items were decided
  for (int run = 0; run < 2; ++run) {
    auto s = scheduler(&store);
    s->set_feeds({feed("rss", m_server.url("/rss"))});
    bool done = false;
    s->run_once([&] { done = true; });
    ASSERT_TRUE(testing::run_until(m_io, [&] { return done; }));
  }
  const auto seen = m_server.requests_for("/rss");
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[1].header("if-none-match"), "");  // fetched in full again
  const auto state = store.load("rss").value();
  ASSERT_TRUE(state.has_value());
  EXPECT_EQ(state->last_status, "failed");
  EXPECT_EQ(state->consecutive_failures, 2);
  EXPECT_TRUE(state->validators.empty());
}

TEST_F(SchedulerIntegrationTest, ServerErrorsBackOffThenRecover) {
  std::atomic<int> calls{0};  // handlers run on the server's threads
  m_server.route("/flaky", [&calls](const testing::ReceivedRequest&) {
    return ++calls <= 3 ? ScriptedResponse::text(500, "down") : ScriptedResponse::text(200, "<rss/>");
  });
  SchedulePolicy policy;
  policy.startup_spread = Duration(0);
  policy.jitter = 0;
  auto s = scheduler(nullptr, policy);
  s->set_feeds({feed("flaky", m_server.url("/flaky"), 20ms)});
  s->start();
  ASSERT_TRUE(testing::run_until(m_io, [&] { return count("flaky", "fetched") >= 2; }));
  bool drained = false;
  s->stop([&] { drained = true; });
  ASSERT_TRUE(testing::run_until(m_io, [&] { return drained; }));
  ASSERT_GE(m_seen.size(), 5u);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(m_seen[static_cast<std::size_t>(i)].outcome, "retry");
  }
  EXPECT_EQ(m_seen[3].outcome, "fetched");
  // Each failure waited about twice as long as the one before: 40, 80, 160 ms
  // (the outcome is stamped a little after the scheduler's own decision time).
  EXPECT_GE(m_seen[1].at - m_seen[0].at, 36ms);
  EXPECT_GE(m_seen[2].at - m_seen[1].at, 72ms);
  EXPECT_GE(m_seen[3].at - m_seen[2].at, 144ms);
}

TEST_F(SchedulerIntegrationTest, RateLimitOnOneFeedSlowsItsHostButNotOthers) {
  m_server.route("/limited", ScriptedResponse::text(429, "slow down").with("Retry-After", "1"));
  m_server.route("/sibling", ScriptedResponse::text(200, "<rss/>"));
  HttpServer other;
  other.route("/elsewhere", ScriptedResponse::text(200, "<rss/>"));
  SchedulePolicy policy;
  policy.startup_spread = Duration(0);
  policy.host_spread = Duration(0);
  auto s = scheduler(nullptr, policy);
  s->set_feeds({feed("limited", m_server.url("/limited"), 30ms),
                feed("sibling", m_server.url("/sibling"), 30ms),
                feed("elsewhere", other.url("/elsewhere"), 30ms)});
  s->start();
  ASSERT_TRUE(testing::run_until(m_io, [&] { return count("limited") >= 2; }));
  bool drained = false;
  s->stop([&] { drained = true; });
  ASSERT_TRUE(testing::run_until(m_io, [&] { return drained; }));

  const auto limited_at = std::find_if(m_seen.begin(), m_seen.end(),
                                       [](const Seen& seen) { return seen.feed == "limited"; })->at;
  const SysTime host_free = limited_at + 1s;
  int sibling_while_limited = 0;
  int elsewhere_while_limited = 0;
  for (const auto& seen : m_seen) {
    if (seen.at <= limited_at || seen.at >= host_free) {
      continue;
    }
    sibling_while_limited += seen.feed == "sibling" ? 1 : 0;
    elsewhere_while_limited += seen.feed == "elsewhere" ? 1 : 0;
    EXPECT_NE(seen.feed, "limited");
  }
  // At most the sibling fetch already in flight when the 429 came back.
  EXPECT_LE(sibling_while_limited, 1);
  // The other host kept its 30 ms pace meanwhile.
  EXPECT_GT(elsewhere_while_limited, 3);
}

TEST_F(SchedulerIntegrationTest, ReloadKeepsDropsAndAddsFeeds) {
  for (const char* path : {"/a", "/a2", "/b", "/c"}) {
    m_server.route(path, ScriptedResponse::text(200, "<rss/>"));
  }
  SchedulePolicy policy;
  policy.startup_spread = Duration(0);
  auto s = scheduler(nullptr, policy);
  s->set_feeds({feed("a", m_server.url("/a"), 20ms), feed("b", m_server.url("/b"), 20ms)});
  s->start();
  ASSERT_TRUE(testing::run_until(m_io, [&] { return count("a") >= 2 && count("b") >= 2; }));
  const int b_before = m_server.request_count("/b");
  s->set_feeds({feed("a", m_server.url("/a2"), 20ms), feed("c", m_server.url("/c"), 20ms)});
  ASSERT_TRUE(testing::run_until(m_io, [&] {
    return m_server.request_count("/a2") >= 2 && m_server.request_count("/c") >= 2;
  }));
  bool drained = false;
  s->stop([&] { drained = true; });
  ASSERT_TRUE(testing::run_until(m_io, [&] { return drained; }));
  EXPECT_LE(m_server.request_count("/b") - b_before, 1);  // at most the one in flight
  EXPECT_FALSE(s->next_due("b").has_value());
}

TEST_F(SchedulerIntegrationTest, HintsReportedByTheConsumerShapeTheNextPoll) {
  m_server.route("/ttl", ScriptedResponse::text(200, "<rss><channel><ttl>60</ttl></channel></rss>"));
  for (const bool honour : {true, false}) {
    SchedulePolicy policy;
    policy.startup_spread = Duration(0);
    policy.honour_feed_hints = honour;
    FeedScheduler* self = nullptr;
    SysTime fetched_at{};
    FeedScheduler s(m_io, m_fetcher, nullptr, m_clock, policy, 1,
                    [&](const config::FeedConfig& f, FetchOutcome) {
                      fetched_at = m_clock.now();
                      self->report_hints(f.name, FeedScheduleHints{std::chrono::minutes(60), {}, {}});
                      return true;
                    });
    self = &s;
    s.set_feeds({feed("ttl", m_server.url("/ttl"), 1min)});
    s.start();
    ASSERT_TRUE(testing::run_until(
        m_io, [&] { return fetched_at != SysTime{} && s.next_due("ttl") > fetched_at; }));
    const SysTime due = *s.next_due("ttl");
    if (honour) {
      EXPECT_GE(due, fetched_at + 59min);  // the feed's <ttl>, not the 1 min interval
    } else {
      EXPECT_LT(due, fetched_at + 2min);
    }
    bool drained = false;
    s.stop([&] { drained = true; });
    ASSERT_TRUE(testing::run_until(m_io, [&] { return drained; }));
  }
}

TEST_F(SchedulerIntegrationTest, NeverTwoFetchesOfOneFeedAtOnce) {
  ScriptedResponse slow = ScriptedResponse::text(200, "<rss/>");
  slow.delay = 100ms;  // far longer than the interval
  m_server.route("/slow", slow);
  SchedulePolicy policy;
  policy.startup_spread = Duration(0);
  auto s = scheduler(nullptr, policy);
  s->set_feeds({feed("slow", m_server.url("/slow"), 5ms)});
  s->start();
  ASSERT_TRUE(testing::run_until(m_io, [&] { return count("slow") >= 4; }));
  bool drained = false;
  s->stop([&] { drained = true; });
  ASSERT_TRUE(testing::run_until(m_io, [&] { return drained; }));
  EXPECT_EQ(m_server.max_concurrent_requests(), 1);
}

TEST_F(SchedulerIntegrationTest, FetchingWaitsWhileTheConsumerIsBehind) {
  constexpr int k_feeds = 40;
  std::vector<config::FeedConfig> feeds;
  // Built with append: GCC 12 warns falsely (-Wrestrict) on "literal" + string.
  auto path = [](int i) { return std::string("/f").append(std::to_string(i)); };
  for (int i = 0; i < k_feeds; ++i) {
    m_server.route(path(i), ScriptedResponse::text(200, "<rss/>"));
    feeds.push_back(feed(path(i).substr(1), m_server.url(path(i))));
  }
  SchedulePolicy policy;
  policy.max_unconsumed_bodies = 4;
  // A consumer that holds every body until the test lets it go.
  std::vector<OutcomeDone> parked;
  int outcomes = 0;
  FeedScheduler s(m_io, m_fetcher, nullptr, m_clock, policy, 42,
                  AsyncOutcomeHandler([&](const config::FeedConfig&, FetchOutcome, OutcomeDone done) {
                    ++outcomes;
                    parked.push_back(std::move(done));
                  }));
  s.set_feeds(feeds);
  bool finished = false;
  s.run_once([&] { finished = true; });
  std::size_t most_parked = 0;
  while (!finished) {
    // Until no transfer runs: every feed is then held, queued in the client
    // (only while paused: otherwise the client starts the next at once) or done.
    ASSERT_TRUE(testing::run_until(m_io, [&] { return !parked.empty() && m_client.running() == 0; }));
    // The limit, plus what was still being transferred when it was reached
    // (the client's default cap per host is 6).
    EXPECT_LE(parked.size(), policy.max_unconsumed_bodies + 5);
    EXPECT_EQ(s.unconsumed_bodies(), parked.size());
    most_parked = std::max(most_parked, parked.size());
    auto batch = std::move(parked);
    parked.clear();
    for (auto& done : batch) {
      done(true);
    }
  }
  EXPECT_EQ(outcomes, k_feeds);
  EXPECT_EQ(s.unconsumed_bodies(), 0u);
  EXPECT_GE(most_parked, policy.max_unconsumed_bodies);  // the pause was exercised
  for (int i = 0; i < k_feeds; ++i) {
    EXPECT_EQ(m_server.requests_for(path(i)).size(), 1u) << i;
  }
}

}  // namespace
}  // namespace newsmon::feeds
