#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <sstream>

#include "alerts/sinks/archive_sink.hpp"
#include "alerts/sinks/jsonl_sink.hpp"
#include "alerts/sinks/log_sink.hpp"
#include "alerts/sinks/webhook_sink.hpp"
#include "tests/alerts/alert_fixtures.hpp"
#include "tests/support/process.hpp"

namespace newsmon::alerts {
namespace {

namespace fs = std::filesystem;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::read_data;
using testing::seed_alert;
using testing::utc;
using namespace std::chrono_literals;

DeliveryResult deliver_now(Sink& sink, const Alert& alert) {
  std::optional<DeliveryResult> result;
  sink.deliver(alert, [&](DeliveryResult r) { result = std::move(r); });
  EXPECT_TRUE(result.has_value()) << "a file sink answers at once";
  return result.value_or(DeliveryPermanent{"no answer"});
}

std::vector<std::string> files_in(const std::string& dir) {
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(dir)) {
    names.push_back(entry.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

TEST(LogSink, WritesOneLinePerStory) {
  std::ostringstream out;
  auto sink = std::make_shared<spdlog::sinks::ostream_sink_st>(out);
  auto logger = std::make_shared<spdlog::logger>("alerts-test", sink);
  logger->set_pattern("%v");
  LogSink log("log", logger);
  EXPECT_TRUE(std::holds_alternative<DeliveryOk>(deliver_now(log, seed_alert("story-1"))));
  Alert undated = seed_alert("story-2");
  undated.item.published.reset();
  undated.item.title = "Say \"hi\"\nnow";
  deliver_now(log, undated);
  EXPECT_EQ(out.str(),
            "new story story-1 feed=afp-world title=\"Kim Jong-un meets Russia's Lavrov in "
            "Pyongyang\" link=https://example.org/world/korea-talks date=2018-05-31T09:15:00Z\n"
            "new story story-2 feed=afp-world title=\"Say \\\"hi\\\" now\" "
            "link=https://example.org/world/korea-talks date=unknown\n");
}

TEST(ArchiveNames, LookLikeTheSeedFiles) {
  EXPECT_EQ(archive_file_name(0, "3be80ab0dfb770c4"), "000_3be80ab0dfb770c4.txt");
  EXPECT_EQ(archive_file_name(42, "3ad860b9476a8039"), "042_3ad860b9476a8039.txt");
  EXPECT_EQ(archive_file_name(1234, "0000000000000000"), "1234_0000000000000000.txt");
  EXPECT_EQ(archive_hash("story-1"), "4f099da189d51167");  // sha256("story-1")[0:8]
  EXPECT_EQ(archive_hash("story-1").size(), 16u);
}

TEST(ArchiveSink, WritesEachStoryOnceInSequence) {
  newsmon::testing::TempDir dir;
  const std::string folder = dir.path() + "/articles";
  auto sink = ArchiveSink::open("archive", folder);
  ASSERT_TRUE(sink.ok()) << sink.error().message;
  const Alert first = seed_alert("story-a", 0);
  const Alert second = seed_alert("story-b", 1);
  EXPECT_TRUE(std::holds_alternative<DeliveryOk>(deliver_now(**sink, first)));
  EXPECT_TRUE(std::holds_alternative<DeliveryOk>(deliver_now(**sink, second)));
  EXPECT_TRUE(std::holds_alternative<DeliveryOk>(deliver_now(**sink, first)));  // redelivery
  Alert update = second;
  update.event = AlertEvent::story_update;
  EXPECT_TRUE(std::holds_alternative<DeliveryOk>(deliver_now(**sink, update)));

  const std::string name_a = archive_file_name(0, archive_hash("story-a"));
  const std::string name_b = archive_file_name(1, archive_hash("story-b"));
  EXPECT_THAT(files_in(folder), ElementsAre(name_a, name_b));
  // The seed files' text, with one final newline.
  EXPECT_EQ(newsmon::testing::read_file(folder + "/" + name_a), first.article + "\n");
  const std::string seed_1 = read_data("001_3ad860b9476a8039.txt");
  EXPECT_EQ(newsmon::testing::read_file(folder + "/" + name_b), seed_1 + "\n");
}

TEST(ArchiveSink, ContinuesTheFolderSequenceAndKnowsItsStories) {
  newsmon::testing::TempDir dir;
  dir.write("000_3be80ab0dfb770c4.txt", read_data("000_3be80ab0dfb770c4.txt"));
  dir.write("001_3ad860b9476a8039.txt", read_data("001_3ad860b9476a8039.txt"));
  dir.write("notes.txt", "not an archive file");
  {
    auto sink = ArchiveSink::open("archive", dir.path());
    ASSERT_TRUE(sink.ok());
    deliver_now(**sink, seed_alert("story-c"));
  }
  const std::string name_c = archive_file_name(2, archive_hash("story-c"));
  EXPECT_TRUE(fs::exists(dir.path() + "/" + name_c));
  // After a restart, a redelivered story is recognised by its hash.
  auto reopened = ArchiveSink::open("archive", dir.path());
  ASSERT_TRUE(reopened.ok());
  deliver_now(**reopened, seed_alert("story-c"));
  EXPECT_EQ(files_in(dir.path()).size(), 4u);
}

TEST(ArchiveSink, AFolderThatVanishedIsRetriedWithTheReason) {
  newsmon::testing::TempDir dir;
  const std::string folder = dir.path() + "/articles";
  auto sink = ArchiveSink::open("archive", folder);
  ASSERT_TRUE(sink.ok());
  fs::remove_all(folder);
  const DeliveryResult result = deliver_now(**sink, seed_alert());
  ASSERT_TRUE(std::holds_alternative<DeliveryRetry>(result));
  EXPECT_THAT(std::get<DeliveryRetry>(result).reason, HasSubstr(folder));
}

TEST(WriteFileAtomically, ReplacesWholeAndLeavesNoTemporaryFile) {
  newsmon::testing::TempDir dir;
  const std::string path = dir.path() + "/a.txt";
  ASSERT_TRUE(write_file_atomically(path, "old").ok());
  ASSERT_TRUE(write_file_atomically(path, "new content").ok());
  EXPECT_EQ(newsmon::testing::read_file(path), "new content");
  EXPECT_THAT(files_in(dir.path()), ElementsAre("a.txt"));
  EXPECT_FALSE(write_file_atomically(dir.path() + "/missing/a.txt", "x").ok());
}

TEST(JsonlSink, AppendsTheWebhookObjectOneLineEach) {
  newsmon::testing::TempDir dir;
  const std::string path = dir.write("alerts.jsonl", "{\"earlier\":true}\n");
  auto sink = JsonlSink::open("jsonl", path);
  ASSERT_TRUE(sink.ok());
  const Alert first = seed_alert("story-a", 0);
  const Alert second = seed_alert("story-b", 1);
  EXPECT_TRUE(std::holds_alternative<DeliveryOk>(deliver_now(**sink, first)));
  EXPECT_TRUE(std::holds_alternative<DeliveryOk>(deliver_now(**sink, second)));
  EXPECT_EQ(newsmon::testing::read_file(path),
            "{\"earlier\":true}\n" + webhook_json(first) + "\n" + webhook_json(second) + "\n");
}

TEST(JsonlSink, AFullDiskIsRetriedNotLost) {
  auto sink = JsonlSink::open("jsonl", "/dev/full");
  ASSERT_TRUE(sink.ok());
  const DeliveryResult result = deliver_now(**sink, seed_alert());
  ASSERT_TRUE(std::holds_alternative<DeliveryRetry>(result));
  EXPECT_THAT(std::get<DeliveryRetry>(result).reason, HasSubstr("No space left"));
}

TEST(JsonlSink, AnUnopenablePathFailsAtStartUp) {
  auto sink = JsonlSink::open("jsonl", "/nonexistent-dir/alerts.jsonl");
  ASSERT_FALSE(sink.ok());
  EXPECT_THAT(sink.error().message, HasSubstr("jsonl sink jsonl: cannot open"));
}

TEST(ParseRetryAfter, SecondsOrHttpDate) {
  const SysTime now = utc(2015, 10, 21, 7, 27, 0);
  struct Case {
    std::string value;
    std::optional<std::chrono::milliseconds> expected;
  };
  const Case cases[] = {
      {"120", 120s},
      {" 5 ", 5s},
      {"0", 0s},
      {"Wed, 21 Oct 2015 07:28:00 GMT", 60s},
      {"Wed, 21 Oct 2015 07:00:00 GMT", 0s},  // in the past: now
      {"-1", std::nullopt},
      {"soon", std::nullopt},
      {"1.5", std::nullopt},
      {"", std::nullopt},
      {"Wed, 21 Oct 2015 07:28:00 PST", std::nullopt},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(parse_retry_after(c.value, now), c.expected) << c.value;
  }
}

net::HttpResponse response(long status, std::map<std::string, std::string> headers = {},
                           std::string body = {}) {
  net::HttpResponse r;
  r.status = status;
  r.headers = std::move(headers);
  r.body = std::move(body);
  return r;
}

TEST(ClassifyWebhookResponse, MapsHttpOutcomesToTheTriState) {
  const SysTime now = utc(2015, 10, 21, 7, 27, 0);
  enum Kind { ok, retry, permanent };
  struct Case {
    std::string name;
    net::HttpResult result;
    Kind kind;
    std::optional<std::chrono::milliseconds> after = std::nullopt;
    std::string reason_part = {};
  };
  const Case cases[] = {
      {"200", response(200), ok},
      {"202", response(202), ok},
      {"204", response(204), ok},
      {"429 + Retry-After", response(429, {{"retry-after", "120"}}), retry, 120s, "HTTP 429"},
      {"503 + date", response(503, {{"retry-after", "Wed, 21 Oct 2015 07:28:00 GMT"}}), retry, 60s},
      {"500", response(500, {}, "oops"), retry, std::nullopt, "HTTP 500: oops"},
      {"502", response(502), retry},
      {"408", response(408), retry},
      {"400", response(400, {}, "bad payload"), permanent, std::nullopt, "HTTP 400: bad payload"},
      {"401", response(401), permanent},
      {"404", response(404), permanent},
      {"410", response(410), permanent},
      {"301", response(301, {{"location", "https://new.example/x"}}), permanent, std::nullopt,
       "https://new.example/x"},
      {"timeout", net::HttpError{net::HttpFailure::timeout, "Operation timed out"}, retry,
       std::nullopt, "Operation timed out"},
      {"tls", net::HttpError{net::HttpFailure::tls, "SSL certificate problem"}, retry},
  };
  for (const auto& c : cases) {
    const DeliveryResult result = classify_webhook_response(c.result, now);
    ASSERT_EQ(static_cast<int>(result.index()), static_cast<int>(c.kind)) << c.name;
    if (const auto* r = std::get_if<DeliveryRetry>(&result)) {
      EXPECT_EQ(r->after, c.after) << c.name;
      EXPECT_THAT(r->reason, HasSubstr(c.reason_part)) << c.name;
    }
    if (const auto* p = std::get_if<DeliveryPermanent>(&result)) {
      EXPECT_THAT(p->reason, HasSubstr(c.reason_part)) << c.name;
    }
  }
}

TEST(WebhookRequest, SignedPostWithTheSinksSettings) {
  config::SinkConfig config;
  config.type = config::SinkType::webhook;
  config.name = "hook";
  config.url = "https://hooks.example.org/x";
  config.secret = "s3cret";
  config.timeout = 7s;
  config.headers = {{"Authorization", "Bearer t"}};
  const Alert alert = seed_alert("story-9");
  const net::HttpRequest request = webhook_request(config, alert, "newsmon/test");
  EXPECT_EQ(request.method, "POST");
  EXPECT_EQ(request.url, config.url);
  EXPECT_EQ(request.body, webhook_json(alert));
  EXPECT_EQ(request.timeout, 7s);
  EXPECT_EQ(request.max_redirects, 0);
  EXPECT_EQ(request.user_agent, "newsmon/test");
  EXPECT_EQ(request.headers, webhook_headers(alert, request.body, "s3cret", config.headers));

  config.format = config::WebhookFormat::discord;
  EXPECT_EQ(webhook_request(config, alert, "").body, discord_json(alert));
}

}  // namespace
}  // namespace newsmon::alerts
