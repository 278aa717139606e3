// The alerts stage wired as the daemon wires it: sinks from config through
// the registry, their routes, route + enqueue inside the caller's
// transaction, commit, notify, deliver to the file sinks.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>

#include "alerts/dispatcher.hpp"
#include "alerts/routes.hpp"
#include "alerts/sink_registry.hpp"
#include "alerts/sinks/archive_sink.hpp"
#include "net/http_client.hpp"
#include "tests/alerts/alert_fixtures.hpp"
#include "tests/support/process.hpp"

namespace newsmon::alerts {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::seed_alert;
using namespace std::chrono_literals;

class AlertStageTest : public ::testing::Test {
 protected:
  AlertStageTest()
      : m_db(m_dir.path() + "/state.db"),
        m_outbox(m_db, m_clock),
        m_dispatcher(m_io, m_outbox, m_clock, m_metrics),
        m_http(m_io, net::HttpClientOptions{}) {
    config::SinkConfig world_file;
    world_file.type = config::SinkType::jsonl;
    world_file.name = "world-file";
    world_file.path = m_dir.path() + "/world.jsonl";
    world_file.tags = {"world"};
    config::SinkConfig sport_file = world_file;
    sport_file.name = "sport-file";
    sport_file.path = m_dir.path() + "/sport.jsonl";
    sport_file.tags = {"sport"};
    config::SinkConfig archive;
    archive.type = config::SinkType::archive;
    archive.name = "archive";
    archive.dir = m_dir.path() + "/articles";
    archive.match.none = {"football"};
    SinkEnvironment environment{&m_http, &m_clock, nullptr, "newsmon-test"};
    for (const auto& config : {world_file, sport_file, archive}) {
      auto sink = make_sink(config, environment);
      EXPECT_TRUE(sink.ok()) << sink.error().message;
      m_dispatcher.add_sink(std::move(*sink), config.max_attempts);
      EXPECT_TRUE(m_router.add(config.name, route_spec(config)).ok());
    }
  }

  // The daemon's step for one decided story.
  Result<std::vector<std::string>> enqueue(const Alert& alert) {
    std::vector<std::string> sinks = m_router.route(alert);
    for (const auto& sink : sinks) {
      if (auto id = m_outbox.enqueue(sink, alert); !id.ok()) {
        return id.error();
      }
    }
    return sinks;
  }

  DrainReport drain() {
    std::optional<DrainReport> report;
    m_dispatcher.drain(10s, [&](DrainReport r) {
      report = std::move(r);
      m_io.stop();
    });
    m_io.restart();
    m_io.run();
    return report.value_or(DrainReport{});
  }

  newsmon::testing::TempDir m_dir;
  ManualClock m_clock{testing::utc(2018, 5, 31, 10)};
  Metrics m_metrics;
  sqlite::Database m_db;
  boost::asio::io_context m_io;
  Outbox m_outbox;
  AlertDispatcher m_dispatcher;
  net::HttpClient m_http;
  Router m_router;
};

TEST_F(AlertStageTest, RoutesEnqueuesInTheCallersTransactionAndDelivers) {
  m_dispatcher.start();
  {
    sqlite::Transaction transaction(m_db);
    auto routed = enqueue(seed_alert("story-1"));
    ASSERT_TRUE(routed.ok());
    EXPECT_THAT(*routed, ElementsAre("world-file", "archive"));
    transaction.commit();
  }
  m_dispatcher.notify();
  const DrainReport report = drain();
  EXPECT_TRUE(report.complete());
  EXPECT_EQ(report.delivered, 2);
  EXPECT_EQ(newsmon::testing::read_file(m_dir.path() + "/world.jsonl"),
            webhook_json(seed_alert("story-1")) + "\n");
  EXPECT_EQ(newsmon::testing::read_file(m_dir.path() + "/sport.jsonl"), "");
  const std::string archived =
      m_dir.path() + "/articles/" + archive_file_name(0, archive_hash("story-1"));
  EXPECT_EQ(newsmon::testing::read_file(archived), seed_alert("story-1").article + "\n");
}

TEST_F(AlertStageTest, ARolledBackDecisionLeavesNoAlert) {
  {
    sqlite::Transaction transaction(m_db);
    ASSERT_TRUE(enqueue(seed_alert("story-1")).ok());
  }
  EXPECT_EQ(m_outbox.counts()->size(), 0u);
}

TEST_F(AlertStageTest, ReadOnlyStateFailsTheEnqueueSoTheDecisionRollsBack) {
  // The disk turns read-only between BEGIN and the outbox write.
  sqlite::Transaction transaction(m_db);
  m_db.exec("PRAGMA query_only = ON");
  auto routed = enqueue(seed_alert("story-1"));
  ASSERT_FALSE(routed.ok());
  EXPECT_THAT(routed.error().message, HasSubstr("readonly"));
}

}  // namespace
}  // namespace newsmon::alerts
