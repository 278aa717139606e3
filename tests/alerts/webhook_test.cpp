// The webhook sink end to end: outbox → dispatcher → WebhookSink → the real
// net::HttpClient → a loopback HTTP server (port 0) that records what it got.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <boost/asio/io_context.hpp>

#include "alerts/dispatcher.hpp"
#include "alerts/sink_registry.hpp"
#include "alerts/sinks/webhook_sink.hpp"
#include "net/http_client.hpp"
#include "tests/alerts/alert_fixtures.hpp"
#include "tests/support/http_server.hpp"
#include "tests/support/process.hpp"

namespace newsmon::alerts {
namespace {

using newsmon::testing::HttpServer;
using newsmon::testing::ReceivedRequest;
using newsmon::testing::ScriptedResponse;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::seed_alert;
using namespace std::chrono_literals;

class WebhookTest : public ::testing::Test {
 protected:
  WebhookTest()
      : m_db(m_dir.path() + "/state.db"),
        m_outbox(m_db, m_clock),
        m_http(m_io, net::HttpClientOptions{}) {}

  config::SinkConfig sink_config(const std::string& secret = "s3cret", int max_attempts = 8) {
    config::SinkConfig config;
    config.type = config::SinkType::webhook;
    config.name = "hook";
    config.url = m_server.url("/hook");
    config.secret = secret;
    config.timeout = 5s;
    config.max_attempts = max_attempts;
    return config;
  }

  void enqueue(const std::vector<std::string>& stories) {
    sqlite::Transaction transaction(m_db);
    for (const auto& story : stories) {
      ASSERT_TRUE(m_outbox.enqueue("hook", seed_alert(story)).ok());
    }
    transaction.commit();
  }

  // Delivers through a real client, with short real backoffs, until drained.
  DrainReport drain(const config::SinkConfig& config) {
    DispatcherOptions options;
    options.seed = 1;
    options.backoff.initial = 10ms;
    options.backoff.jitter = 0;
    AlertDispatcher dispatcher(m_io, m_outbox, m_clock, m_metrics, options);
    dispatcher.add_sink(std::make_unique<WebhookSink>(config, m_http, m_clock, "newsmon-test"),
                        config.max_attempts);
    std::optional<DrainReport> report;
    dispatcher.drain(20s, [&](DrainReport r) {
      report = std::move(r);
      m_io.stop();
    });
    m_io.restart();
    m_io.run();
    EXPECT_TRUE(report.has_value());
    return report.value_or(DrainReport{});
  }

  static std::vector<std::string> story_ids(const std::vector<ReceivedRequest>& requests) {
    std::vector<std::string> ids;
    for (const auto& request : requests) {
      ids.push_back(request.header("idempotency-key"));
    }
    return ids;
  }

  newsmon::testing::TempDir m_dir;
  HttpServer m_server;
  SystemClock m_clock;
  Metrics m_metrics;
  sqlite::Database m_db;
  Outbox m_outbox;
  boost::asio::io_context m_io;
  net::HttpClient m_http;
};

TEST_F(WebhookTest, PostsTheSignedBodyWithItsHeaders) {
  m_server.route("/hook", ScriptedResponse::text(204, ""));
  enqueue({"story-1"});
  const DrainReport report = drain(sink_config("s3cret"));
  EXPECT_TRUE(report.complete());
  EXPECT_EQ(report.delivered, 1);

  const auto requests = m_server.requests_for("/hook");
  ASSERT_EQ(requests.size(), 1u);
  const ReceivedRequest& request = requests.front();
  EXPECT_EQ(request.method, "POST");
  EXPECT_EQ(request.header("content-type"), "application/json");
  EXPECT_EQ(request.header("idempotency-key"), "story-1");
  EXPECT_EQ(request.header("x-newsmon-event"), "new_story");
  EXPECT_EQ(request.body, webhook_json(seed_alert("story-1")));
  // The receiver's check: recompute the HMAC with its copy of the secret.
  EXPECT_EQ(request.header("x-newsmon-signature"), hmac_sha256_signature("s3cret", request.body));
  EXPECT_NE(request.header("x-newsmon-signature"), hmac_sha256_signature("wrong", request.body));
  EXPECT_EQ(m_outbox.counts()->size(), 0u);
}

// A receiver that verifies signatures with its own copy of the secret.
ScriptedResponse verifying_receiver(const ReceivedRequest& request) {
  if (request.header("x-newsmon-signature") != hmac_sha256_signature("s3cret", request.body)) {
    return ScriptedResponse::text(401, "bad signature", "text/plain");
  }
  return ScriptedResponse::text(200, "ok", "text/plain");
}

TEST_F(WebhookTest, AVerifyingReceiverAcceptsTheRightSecretAndRefusesAWrongOne) {
  m_server.route("/hook", &verifying_receiver);
  enqueue({"s1"});
  EXPECT_EQ(drain(sink_config("s3cret")).delivered, 1);

  enqueue({"s2"});
  const DrainReport report = drain(sink_config("not-the-secret"));
  EXPECT_EQ(report.delivered, 0);
  EXPECT_EQ(report.dead_lettered, 1);
  EXPECT_THAT(m_outbox.dead_letters("hook")->front().last_error, HasSubstr("HTTP 401"));
}

TEST_F(WebhookTest, UnsignedWithoutASecret) {
  m_server.route("/hook", ScriptedResponse::text(200, "ok"));
  enqueue({"story-1"});
  drain(sink_config(""));
  const auto requests = m_server.requests_for("/hook");
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests.front().header("x-newsmon-signature"), "");
}

TEST_F(WebhookTest, RetriesA503WithRetryAfterThenDeliversInOrder) {
  std::atomic<int> calls{0};
  m_server.route("/hook", [&](const ReceivedRequest&) {
    if (calls.fetch_add(1) == 0) {
      return ScriptedResponse::text(503, "busy", "text/plain").with("Retry-After", "0");
    }
    return ScriptedResponse::text(200, "ok", "text/plain");
  });
  enqueue({"s1", "s2", "s3"});
  const DrainReport report = drain(sink_config());
  EXPECT_TRUE(report.complete());
  EXPECT_THAT(story_ids(m_server.requests_for("/hook")), ElementsAre("s1", "s1", "s2", "s3"));
  EXPECT_EQ(m_metrics.value("newsmon_alerts_retried_total", {{"sink", "hook"}}), 1);
}

TEST_F(WebhookTest, A4xxIsDeadLetteredAndTheNextAlertStillGoes) {
  m_server.route("/hook", [&](const ReceivedRequest& request) {
    if (request.header("idempotency-key") == "s1") {
      return ScriptedResponse::text(422, "unknown field", "text/plain");
    }
    return ScriptedResponse::text(200, "ok", "text/plain");
  });
  enqueue({"s1", "s2"});
  const DrainReport report = drain(sink_config());
  EXPECT_EQ(report.dead_lettered, 1);
  EXPECT_EQ(report.pending, 0);
  auto dead = m_outbox.dead_letters("hook");
  ASSERT_EQ(dead->size(), 1u);
  EXPECT_THAT(dead->front().last_error, HasSubstr("HTTP 422: unknown field"));
}

TEST_F(WebhookTest, ADownReceiverIsDeadLetteredAfterMaxAttempts) {
  m_server.route("/hook", ScriptedResponse::text(500, "down", "text/plain"));
  enqueue({"s1"});
  const DrainReport report = drain(sink_config("s3cret", /*max_attempts=*/3));
  EXPECT_EQ(m_server.request_count("/hook"), 3);
  EXPECT_EQ(report.dead_lettered, 1);
  EXPECT_EQ(m_outbox.dead_letters("hook")->front().attempts, 3);
}

TEST(SinkRegistry, BuildsEveryTypeAndNamesTheSinkInErrors) {
  newsmon::testing::TempDir dir;
  boost::asio::io_context io;
  net::HttpClient http(io, net::HttpClientOptions{});
  SystemClock clock;
  SinkEnvironment environment{&http, &clock, nullptr, "newsmon-test"};
  EXPECT_EQ(sink_registry().size(), 4u);

  config::SinkConfig log;
  log.type = config::SinkType::log;
  log.name = "log#0";
  config::SinkConfig archive;
  archive.type = config::SinkType::archive;
  archive.name = "archive#1";
  archive.dir = dir.path() + "/articles";
  config::SinkConfig jsonl;
  jsonl.type = config::SinkType::jsonl;
  jsonl.name = "jsonl#2";
  jsonl.path = dir.path() + "/alerts.jsonl";
  config::SinkConfig webhook;
  webhook.type = config::SinkType::webhook;
  webhook.name = "hook";
  webhook.url = "https://hooks.example.org/x";
  for (const auto* config : {&log, &archive, &jsonl, &webhook}) {
    auto sink = make_sink(*config, environment);
    ASSERT_TRUE(sink.ok()) << sink.error().message;
    EXPECT_EQ((*sink)->name(), config->name);
  }

  config::SinkConfig no_dir = archive;
  no_dir.dir.clear();
  EXPECT_EQ(make_sink(no_dir, environment).error().message,
            "alerts.archive#1: archive sink has no dir");
  auto no_client = make_sink(webhook, SinkEnvironment{});
  ASSERT_FALSE(no_client.ok());
  EXPECT_THAT(no_client.error().message, HasSubstr("alerts.hook:"));
}

}  // namespace
}  // namespace newsmon::alerts
