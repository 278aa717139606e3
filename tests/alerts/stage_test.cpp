// The alerts stage as the daemon drives it: route + enqueue inside the
// caller's transaction, commit, deliver to file sinks built from config.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>

#include "alerts/alert_stage.hpp"
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
  AlertStageTest() : m_db(m_dir.path() + "/state.db"), m_http(m_io, net::HttpClientOptions{}) {}

  std::vector<config::SinkConfig> sinks() const {
    config::SinkConfig world_file;
    world_file.type = config::SinkType::jsonl;
    world_file.name = "world-file";
    world_file.path = m_dir.path() + "/world.jsonl";
    world_file.tags = {"world"};
    config::SinkConfig sport_file;
    sport_file.type = config::SinkType::jsonl;
    sport_file.name = "sport-file";
    sport_file.path = m_dir.path() + "/sport.jsonl";
    sport_file.tags = {"sport"};
    config::SinkConfig archive;
    archive.type = config::SinkType::archive;
    archive.name = "archive";
    archive.dir = m_dir.path() + "/articles";
    return {world_file, sport_file, archive};
  }

  std::unique_ptr<AlertStage> create(const std::vector<config::SinkConfig>& configs) {
    SinkEnvironment environment{&m_http, &m_clock, nullptr, "newsmon-test"};
    auto stage = AlertStage::create(m_io, m_db, m_clock, m_metrics, configs, environment);
    EXPECT_TRUE(stage.ok()) << stage.error().message;
    return stage.ok() ? std::move(*stage) : nullptr;
  }

  DrainReport drain(AlertStage& stage) {
    std::optional<DrainReport> report;
    stage.drain(10s, [&](DrainReport r) {
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
  net::HttpClient m_http;
};

TEST_F(AlertStageTest, RoutesEnqueuesInTheCallersTransactionAndDelivers) {
  auto stage = create(sinks());
  ASSERT_TRUE(stage);
  stage->start();
  {
    sqlite::Transaction transaction(m_db);
    auto routed = stage->enqueue(seed_alert("story-1"));
    ASSERT_TRUE(routed.ok());
    EXPECT_THAT(*routed, ElementsAre("world-file", "archive"));
    transaction.commit();
  }
  stage->committed();
  const DrainReport report = drain(*stage);
  EXPECT_TRUE(report.complete());
  EXPECT_EQ(report.delivered, 2);
  EXPECT_EQ(newsmon::testing::read_file(m_dir.path() + "/world.jsonl"),
            webhook_json(seed_alert("story-1")) + "\n");
  EXPECT_EQ(newsmon::testing::read_file(m_dir.path() + "/sport.jsonl"), "");
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(m_dir.path() + "/articles"),
                          std::filesystem::directory_iterator()),
            1);
  EXPECT_EQ(m_metrics.value("newsmon_alerts_enqueued_total", {{"sink", "archive"}}), 1);
}

TEST_F(AlertStageTest, ARolledBackDecisionLeavesNoAlert) {
  auto stage = create(sinks());
  ASSERT_TRUE(stage);
  {
    sqlite::Transaction transaction(m_db);
    ASSERT_TRUE(stage->enqueue(seed_alert("story-1")).ok());
  }
  EXPECT_EQ(stage->outbox().counts()->size(), 0u);
}

TEST_F(AlertStageTest, ReadOnlyStateFailsTheEnqueueSoTheDecisionRollsBack) {
  auto stage = create(sinks());
  ASSERT_TRUE(stage);
  // The disk turns read-only between BEGIN and the outbox write.
  sqlite::Transaction transaction(m_db);
  m_db.exec("PRAGMA query_only = ON");
  auto routed = stage->enqueue(seed_alert("story-1"));
  ASSERT_FALSE(routed.ok());
  EXPECT_THAT(routed.error().message, HasSubstr("readonly"));
}

TEST_F(AlertStageTest, RejectsDuplicateNamesAndBadSinks) {
  auto configs = sinks();
  configs[1].name = configs[0].name;
  SinkEnvironment environment{&m_http, &m_clock, nullptr, "newsmon-test"};
  auto duplicate = AlertStage::create(m_io, m_db, m_clock, m_metrics, configs, environment);
  ASSERT_FALSE(duplicate.ok());
  EXPECT_EQ(duplicate.error().message, "alerts.world-file: two sinks have this name");

  configs = sinks();
  configs[2].dir.clear();
  auto no_dir = AlertStage::create(m_io, m_db, m_clock, m_metrics, configs, environment);
  ASSERT_FALSE(no_dir.ok());
  EXPECT_EQ(no_dir.error().message, "alerts.archive: archive sink has no dir");
}

}  // namespace
}  // namespace newsmon::alerts
