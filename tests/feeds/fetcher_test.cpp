// FeedFetcher: the pure classification helpers, table-driven, and conditional
// GET against a real loopback server with validators kept in SQLite.
#include "feeds/fetcher.hpp"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>

#include "common/sqlite.hpp"
#include "feeds/fetch_state_store.hpp"
#include "tests/support/http_server.hpp"
#include "tests/support/io_loop.hpp"
#include "tests/support/process.hpp"

namespace newsmon::feeds {
namespace {

using namespace std::chrono_literals;
using testing::HttpServer;
using testing::ScriptedResponse;

// 2024-06-01T12:00:00Z
const SysTime k_now = std::chrono::sys_days(std::chrono::year(2024) / 6 / 1) + 12h;

TEST(HttpDateTest, ReadsTheThreeFormsOfRfc9110) {
  const SysTime expected = std::chrono::sys_days(std::chrono::year(1994) / 11 / 6) + 8h + 49min + 37s;
  for (const char* text : {"Sun, 06 Nov 1994 08:49:37 GMT", "Sunday, 06-Nov-94 08:49:37 GMT",
                           "Sun Nov  6 08:49:37 1994"}) {
    const auto parsed = parse_http_date(text);
    ASSERT_TRUE(parsed.has_value()) << text;
    EXPECT_EQ(*parsed, expected) << text;
  }
  EXPECT_FALSE(parse_http_date("").has_value());
  EXPECT_FALSE(parse_http_date("soon").has_value());
}

TEST(RetryAfterTest, SecondsOrDate) {
  struct Case {
    const char* text;
    std::optional<std::chrono::seconds> expected;
  };
  const Case cases[] = {
      {"120", 120s},
      {" 0 ", 0s},
      {"Sat, 01 Jun 2024 12:02:00 GMT", 120s},  // two minutes after k_now
      {"Sat, 01 Jun 2024 11:00:00 GMT", 0s},    // in the past: retry now
      {"-5", std::nullopt},
      {"1.5", std::nullopt},
      {"later", std::nullopt},
      {"", std::nullopt},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(parse_retry_after(c.text, k_now), c.expected) << c.text;
  }
}

TEST(CacheHintsTest, MaxAgeAndFutureExpires) {
  struct Case {
    std::map<std::string, std::string> headers;
    CacheHints expected;
  };
  const SysTime later = k_now + 1h;
  const Case cases[] = {
      {{}, {}},
      {{{"cache-control", "public, max-age=600"}}, {600s, std::nullopt}},
      {{{"cache-control", "max-age=\"60\", must-revalidate"}}, {60s, std::nullopt}},
      {{{"cache-control", "no-cache, max-age=600"}}, {}},
      {{{"cache-control", "no-store"}, {"expires", "Sat, 01 Jun 2024 13:00:00 GMT"}}, {}},
      {{{"expires", "Sat, 01 Jun 2024 13:00:00 GMT"}}, {std::nullopt, later}},
      {{{"expires", "Sat, 01 Jun 2024 11:00:00 GMT"}}, {}},  // already expired
      {{{"expires", "0"}}, {}},
      {{{"cache-control", "max-age=abc"}}, {}},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(parse_cache_hints(c.headers, k_now), c.expected)
        << (c.headers.empty() ? "" : c.headers.begin()->second);
  }
}

net::HttpResponse response(long status, std::map<std::string, std::string> headers = {}) {
  net::HttpResponse r;
  r.status = status;
  r.headers = std::move(headers);
  r.body = "body";
  r.effective_url = "http://feed.example/rss";
  return r;
}

TEST(ClassifyTest, StatusesAndTransportFailures) {
  struct Case {
    net::HttpResult result;
    std::string_view outcome;
    bool rate_limited = false;
    std::optional<std::chrono::seconds> after = std::nullopt;
  };
  const Case cases[] = {
      {response(200), "fetched"},
      {response(203), "fetched"},
      {response(304), "not_modified"},
      {response(429, {{"retry-after", "30"}}), "retry", true, 30s},
      {response(503), "retry", true, std::nullopt},
      {response(503, {{"retry-after", "Sat, 01 Jun 2024 12:00:10 GMT"}}), "retry", true, 10s},
      {response(500), "retry"},
      {response(502, {{"retry-after", "5"}}), "retry", false, 5s},
      {response(408), "retry"},
      {response(404), "failed"},
      {response(410), "failed"},
      {response(401), "failed"},
      {response(302), "failed"},
      {net::HttpError{net::HttpFailure::timeout, "slow"}, "retry"},
      {net::HttpError{net::HttpFailure::connect, "refused"}, "retry"},
      {net::HttpError{net::HttpFailure::too_large, "big"}, "failed"},
      {net::HttpError{net::HttpFailure::too_many_redirects, "loop"}, "failed"},
      {net::HttpError{net::HttpFailure::tls, "bad cert"}, "failed"},
      {net::HttpError{net::HttpFailure::other, "bad URL"}, "failed"},
  };
  for (const auto& c : cases) {
    const FetchOutcome outcome = classify(c.result, k_now);
    const long status = std::holds_alternative<net::HttpResponse>(c.result)
                            ? std::get<net::HttpResponse>(c.result).status
                            : -1;
    EXPECT_EQ(outcome_name(outcome), c.outcome) << status;
    if (const auto* retry = std::get_if<Retry>(&outcome)) {
      EXPECT_EQ(retry->rate_limited, c.rate_limited) << status;
      EXPECT_EQ(retry->after, c.after) << status;
      EXPECT_FALSE(retry->reason.empty());
    }
    if (const auto* failed = std::get_if<Failed>(&outcome)) {
      EXPECT_FALSE(failed->reason.empty());
    }
  }
}

TEST(ClassifyTest, FetchedCarriesValidatorsHintsAndPermanentMoves) {
  auto r = response(200, {{"etag", "W/\"v2\""},
                          {"last-modified", "Sat, 01 Jun 2024 10:00:00 GMT"},
                          {"content-type", "application/rss+xml"},
                          {"cache-control", "max-age=900"}});
  r.redirects = {{301, "http://a.example/1"}, {308, "http://b.example/2"}, {302, "http://c.example/3"}};
  const FetchOutcome outcome = classify(r, k_now);
  ASSERT_TRUE(std::holds_alternative<Fetched>(outcome));
  const auto& fetched = std::get<Fetched>(outcome);
  EXPECT_EQ(fetched.body, "body");
  EXPECT_EQ(fetched.content_type, "application/rss+xml");
  EXPECT_EQ(fetched.validators, (ConditionalGetState{"W/\"v2\"", "Sat, 01 Jun 2024 10:00:00 GMT"}));
  EXPECT_EQ(fetched.hints.max_age, 900s);
  // The permanent part of the chain only: the 302 target is temporary.
  EXPECT_EQ(fetched.moved_permanently_to, "http://b.example/2");

  auto temporary = response(200);
  temporary.redirects = {{302, "http://c.example/3"}, {301, "http://d.example/4"}};
  EXPECT_FALSE(std::get<Fetched>(classify(temporary, k_now)).moved_permanently_to.has_value());
}

TEST(FetcherRequestTest, CarriesConfigAndValidators) {
  boost::asio::io_context io;
  config::Config config;
  config.fetch.user_agent = "agent/2";
  config.fetch.per_host = 3;
  config.fetch.concurrency = 9;
  config.defaults.connect_timeout = 4s;
  config.defaults.max_redirects = 2;
  const auto client_options = http_client_options(config);
  EXPECT_EQ(client_options.max_per_host, 3);
  EXPECT_EQ(client_options.max_total, 9);
  EXPECT_FALSE(client_options.allow_file_urls);
  net::HttpClient client(io, client_options);
  SystemClock clock;
  FeedFetcher fetcher(client, clock, fetcher_options(config));

  config::FeedConfig feed;
  feed.url = "https://news.example/rss";
  feed.timeout = 2s;  // shorter than the connect timeout: caps it
  feed.max_body = 1234;
  feed.headers["X-Token"] = "t";
  const auto request = fetcher.make_request(feed, {"\"e\"", "Sat, 01 Jun 2024 10:00:00 GMT"});
  EXPECT_EQ(request.url, feed.url);
  EXPECT_EQ(request.user_agent, "agent/2");
  EXPECT_EQ(request.timeout, 2s);
  EXPECT_EQ(request.connect_timeout, 2s);
  EXPECT_EQ(request.max_body, 1234u);
  EXPECT_EQ(request.max_redirects, 2);
  auto has = [&](const std::string& name, const std::string& value) {
    return std::find(request.headers.begin(), request.headers.end(), std::pair(name, value)) !=
           request.headers.end();
  };
  EXPECT_TRUE(has("X-Token", "t"));
  EXPECT_TRUE(has("If-None-Match", "\"e\""));
  EXPECT_TRUE(has("If-Modified-Since", "Sat, 01 Jun 2024 10:00:00 GMT"));
  const auto fresh = fetcher.make_request(feed, {});
  for (const auto& [name, value] : fresh.headers) {
    EXPECT_NE(name, "If-None-Match");
    EXPECT_NE(name, "If-Modified-Since");
  }
}

// ---------------------------------------------------------------------------

class FetcherIntegrationTest : public ::testing::Test {
 protected:
  FetchOutcome fetch(const config::FeedConfig& feed, const ConditionalGetState& state) {
    std::optional<FetchOutcome> outcome;
    m_fetcher.fetch(feed, state, [&](FetchOutcome o) { outcome = std::move(o); });
    EXPECT_TRUE(testing::run_until(m_io, [&] { return outcome.has_value(); }));
    return outcome ? std::move(*outcome) : FetchOutcome(Failed{"no outcome"});
  }
  config::FeedConfig feed(const std::string& path) {
    config::FeedConfig f;
    f.name = "feed" + path;
    f.url = m_server.url(path);
    f.timeout = 10s;
    f.max_body = 1 << 20;
    return f;
  }

  boost::asio::io_context m_io;
  HttpServer m_server;
  SystemClock m_clock;
  net::HttpClient m_client{m_io, {}};
  FeedFetcher m_fetcher{m_client, m_clock, {}};
};

// A feed that honours conditional GET: 304 when the client sends ETag "v1".
void serve_conditional(HttpServer& server, const std::string& path) {
  server.route(path, [](const testing::ReceivedRequest& request) {
    if (request.header("if-none-match") == "\"v1\"") {
      return ScriptedResponse::text(304, "").with("ETag", "\"v1\"");
    }
    return ScriptedResponse::text(200, "<rss version=\"2.0\"/>", "application/rss+xml")
        .with("ETag", "\"v1\"")
        .with("Last-Modified", "Sat, 01 Jun 2024 10:00:00 GMT");
  });
}

TEST_F(FetcherIntegrationTest, OkThenNotModifiedWithValidatorsSent) {
  serve_conditional(m_server, "/rss");
  const auto first = fetch(feed("/rss"), {});
  ASSERT_TRUE(std::holds_alternative<Fetched>(first)) << outcome_reason(first);
  const auto& fetched = std::get<Fetched>(first);
  EXPECT_EQ(fetched.body, "<rss version=\"2.0\"/>");
  EXPECT_EQ(fetched.content_type, "application/rss+xml");
  EXPECT_EQ(fetched.validators.etag, "\"v1\"");

  const auto second = fetch(feed("/rss"), fetched.validators);
  ASSERT_TRUE(std::holds_alternative<NotModified>(second)) << outcome_name(second);
  // Validators the 304 did not repeat are kept.
  EXPECT_EQ(std::get<NotModified>(second).validators, fetched.validators);

  const auto seen = m_server.requests_for("/rss");
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0].header("if-none-match"), "");
  EXPECT_EQ(seen[1].header("if-none-match"), "\"v1\"");
  EXPECT_EQ(seen[1].header("if-modified-since"), "Sat, 01 Jun 2024 10:00:00 GMT");
  EXPECT_NE(seen[1].header("user-agent").find("newsmon"), std::string::npos);
}

TEST_F(FetcherIntegrationTest, ValidatorsSurviveARestartThroughSqlite) {
  serve_conditional(m_server, "/rss");
  testing::TempDir dir;
  const std::string path = dir.path() + "/state.db";
  const auto config = feed("/rss");
  {
    sqlite::Database db(path);
    FetchStateStore store(db);
    const auto outcome = fetch(config, {});
    ASSERT_TRUE(std::holds_alternative<Fetched>(outcome));
    FeedFetchState state;
    state.feed = config.name;
    state.url = config.url;
    state.validators = std::get<Fetched>(outcome).validators;
    state.last_status = "fetched";
    ASSERT_TRUE(store.save(state).ok());
  }
  sqlite::Database reopened(path);
  FetchStateStore store(reopened);
  const auto loaded = store.load(config.name);
  ASSERT_TRUE(loaded.ok()) << loaded.error().message;
  ASSERT_TRUE(loaded.value().has_value());
  const auto outcome = fetch(config, loaded.value()->validators);
  EXPECT_TRUE(std::holds_alternative<NotModified>(outcome)) << outcome_name(outcome);
}

TEST_F(FetcherIntegrationTest, GzipBodyIsDecoded) {
  ScriptedResponse gz = ScriptedResponse::text(200, std::string(50'000, 'z'));
  gz.shape = ScriptedResponse::Shape::gzip;
  m_server.route("/gz", gz);
  const auto outcome = fetch(feed("/gz"), {});
  ASSERT_TRUE(std::holds_alternative<Fetched>(outcome)) << outcome_reason(outcome);
  EXPECT_EQ(std::get<Fetched>(outcome).body, std::string(50'000, 'z'));
}

TEST_F(FetcherIntegrationTest, PerFeedHeadersAndBodyCap) {
  m_server.route("/big", ScriptedResponse::text(200, std::string(4096, 'b')));
  auto config = feed("/big");
  config.headers["Authorization"] = "Bearer token";
  config.max_body = 1024;
  const auto outcome = fetch(config, {});
  ASSERT_TRUE(std::holds_alternative<Failed>(outcome)) << outcome_name(outcome);
  EXPECT_NE(outcome_reason(outcome).find("too large"), std::string::npos);
  EXPECT_EQ(m_server.requests_for("/big").at(0).header("authorization"), "Bearer token");
}

TEST_F(FetcherIntegrationTest, PermanentRedirectIsReported) {
  m_server.route("/old", ScriptedResponse::text(301, "").with("Location", "/new"));
  m_server.route("/new", ScriptedResponse::text(200, "<rss/>"));
  const auto outcome = fetch(feed("/old"), {});
  ASSERT_TRUE(std::holds_alternative<Fetched>(outcome));
  EXPECT_EQ(std::get<Fetched>(outcome).moved_permanently_to, m_server.url("/new"));
}

TEST_F(FetcherIntegrationTest, RedirectLoopFails) {
  m_server.route("/loop", ScriptedResponse::text(302, "").with("Location", "/loop"));
  const auto outcome = fetch(feed("/loop"), {});
  ASSERT_TRUE(std::holds_alternative<Failed>(outcome)) << outcome_name(outcome);
  EXPECT_NE(outcome_reason(outcome).find("redirect"), std::string::npos);
}

TEST(FetchStateStoreTest, RoundTripsEveryField) {
  testing::TempDir dir;
  sqlite::Database db(dir.path() + "/state.db");
  FetchStateStore store(db);
  FeedFetchState state;
  state.feed = "afp";
  state.url = "https://afp.example/rss";
  state.validators = {"\"e\"", "Sat, 01 Jun 2024 10:00:00 GMT"};
  state.last_status = "retry";
  state.last_error = "HTTP 503";
  state.moved_to = "https://afp.example/new";
  state.last_attempt = k_now;
  state.last_success = k_now - 1h;
  state.next_poll = k_now + 20min;
  state.consecutive_failures = 3;
  ASSERT_TRUE(store.save(state).ok());
  FeedFetchState other;
  other.feed = "bbc";
  other.url = "https://bbc.example/rss";
  ASSERT_TRUE(store.save(other).ok());

  const auto loaded = store.load("afp");
  ASSERT_TRUE(loaded.ok());
  ASSERT_TRUE(loaded.value().has_value());
  EXPECT_EQ(*loaded.value(), state);
  EXPECT_FALSE(store.load("missing").value().has_value());

  state.consecutive_failures = 0;
  ASSERT_TRUE(store.save(state).ok());
  const auto all = store.load_all();
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all.value().size(), 2u);
  EXPECT_EQ(all.value()[0], state);
  EXPECT_EQ(all.value()[1], other);
}

}  // namespace
}  // namespace newsmon::feeds
