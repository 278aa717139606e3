// End to end: the real `newsmon` binary polls feeds from a loopback HTTP
// server whose content changes between polls, and delivers to a loopback
// webhook receiver. The assertions are on what the receiver got and on the
// summary line, never on log wording.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "alerts/alert.hpp"
#include "tests/support/http_server.hpp"
#include "tests/support/process.hpp"

namespace newsmon::testing {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;
using ::testing::UnorderedElementsAre;

constexpr const char* k_secret = "e2e-secret";

struct Item {
  std::string guid;
  std::string title;
  std::string body;  // plain paragraphs separated by blank lines
};

std::string xml_escape(const std::string& text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string rss(const std::string& name, const std::vector<Item>& items) {
  std::string xml = "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>" + name +
                    "</title><link>https://" + name + ".example/</link>";
  for (const auto& item : items) {
    std::string html;
    std::size_t start = 0;
    while (start < item.body.size()) {
      std::size_t end = item.body.find("\n\n", start);
      end = end == std::string::npos ? item.body.size() : end;
      html += "<p>" + item.body.substr(start, end - start) + "</p>";
      start = end + 2;
    }
    xml += "<item><title>" + xml_escape(item.title) + "</title><link>https://" + name +
           ".example/" + item.guid + "</link><guid isPermaLink=\"false\">" + item.guid +
           "</guid><pubDate>Thu, 31 May 2018 09:00:00 GMT</pubDate><description>" +
           xml_escape(html) + "</description></item>";
  }
  return xml + "</channel></rss>";
}

// The body of a seed article, without its " date YYYY-MM-DD " prefix.
std::string seed_body(const std::string& file) {
  std::string text = read_file(std::string(NEWSMON_SOURCE_DIR "/examples/seeds/") + file);
  while (!text.empty() && text.back() == '\n') {
    text.pop_back();
  }
  return text.substr(17);
}

// Unrelated stories, each written differently, long enough to compare.
std::string story(const std::string& topic) {
  static const std::map<std::string, std::string> k_stories = {
      {"harbour",
       "The port authority approved a plan on Tuesday to dredge the northern harbour and build "
       "two new container berths, ending a decade of argument over the waterfront.\n\n"
       "Fishermen warned that the work would silt up the oyster beds east of the breakwater, "
       "and an appeal to the environment tribunal is expected before dredging starts in spring."},
      {"railway fares",
       "Train tickets will cost the same next year as this year after the transport minister "
       "announced a freeze on regulated fares, citing commuters squeezed by inflation.\n\n"
       "Operators said the freeze would cost them about 300 million in lost revenue, which the "
       "treasury has agreed to cover through a one-off grant to the franchises."},
      {"school calendar",
       "Pupils in the district will spend two more weeks in class from September after the "
       "education board lengthened the school year to make up for lessons lost to strikes.\n\n"
       "Teachers' unions called the decision unworkable without extra pay, while parents' groups "
       "welcomed it but asked for summer childcare schemes to be moved accordingly."},
      {"bridge repairs",
       "Engineers closed the old suspension bridge to all traffic on Monday night after an "
       "inspection found corrosion in three of the main cables anchoring the western tower.\n\n"
       "Drivers face a forty-minute detour through the industrial estate, and the city said "
       "repairs could take until the end of the year if replacement steel arrives on time."},
  };
  return k_stories.at(topic);
}

// Feed bodies the test changes between polls; answered with an ETag so an
// unchanged feed costs a 304.
class FeedSite {
 public:
  explicit FeedSite(HttpServer& server) : m_server(server) {}

  void set(const std::string& path, std::string body) {
    {
      std::lock_guard lock(m_mutex);
      m_bodies[path] = std::move(body);
    }
    m_server.route(path, [this, path](const ReceivedRequest& request) {
      std::lock_guard lock(m_mutex);
      const std::string& current = m_bodies[path];
      std::string etag = std::to_string(std::hash<std::string>{}(current)) + "-v";
      if (request.header("if-none-match") == etag) {
        return ScriptedResponse::text(304, "").with("ETag", etag);
      }
      return ScriptedResponse::text(200, current, "application/rss+xml").with("ETag", etag);
    });
  }

 private:
  HttpServer& m_server;
  std::mutex m_mutex;
  std::map<std::string, std::string> m_bodies;
};

struct ReceivedAlert {
  std::string story_id;
  std::string title;
  std::string feed;
  std::string idempotency_key;
};

// Every webhook POST the receiver accepted, with its signature checked.
std::vector<ReceivedAlert> accepted_alerts(const HttpServer& server) {
  std::vector<ReceivedAlert> out;
  for (const auto& request : server.requests_for("/hook")) {
    EXPECT_EQ(request.header("content-type"), "application/json");
    EXPECT_EQ(request.header("x-newsmon-signature"),
              alerts::hmac_sha256_signature(k_secret, request.body));
    auto body = nlohmann::json::parse(request.body);
    out.push_back({body["story_id"], body["item"]["title"], body["feed"]["name"],
                   request.header("idempotency-key")});
  }
  return out;
}

std::set<std::string> titles_of(const std::vector<ReceivedAlert>& alerts) {
  std::set<std::string> titles;
  for (const auto& alert : alerts) {
    titles.insert(alert.title);
  }
  return titles;
}

class EndToEnd : public ::testing::Test {
 protected:
  std::string write_config(const std::string& extra_sink = "") {
    std::string yaml = "state_dir: " + dir.path() + "/state\nfirst_poll: alert\n"
                       "defaults: {interval: 1s, timeout: 10s}\n"
                       "feeds:\n";
    for (const char* name : {"alpha", "beta", "gamma"}) {
      yaml += std::string("  - {name: ") + name + ", url: \"" + server.url(std::string("/") + name + ".xml") + "\"}\n";
    }
    yaml += "alerts:\n  - {type: webhook, url: \"" + server.url("/hook") + "\", secret: \"" +
            k_secret + "\", max_attempts: 100}\n" + extra_sink;
    return dir.write("config.yaml", yaml);
  }

  ProcessResult once(const std::string& config, const std::string& budget = "10s") {
    return run_process({NEWSMON_BINARY, "once", "-c", config, "--deliver-timeout", budget});
  }

  TempDir dir;
  HttpServer server;
  FeedSite site{server};
};

TEST_F(EndToEnd, NewStoriesAlertOnceAcrossPollsFeedsAndRestarts) {
  server.route("/hook", ScriptedResponse::text(200, "ok", "text/plain"));
  const Item seed_a{"a-korea", "US and North Korean envoys meet", seed_body("000_3be80ab0dfb770c4.txt")};
  const Item seed_b{"b-korea", "Pompeo and Kim Yong Chol resume talks", seed_body("001_3ad860b9476a8039.txt")};
  site.set("/alpha.xml", rss("alpha", {seed_a, {"a-harbour", "Harbour plan approved", story("harbour")}}));
  site.set("/beta.xml", rss("beta", {seed_b, {"b-rail", "Rail fares frozen", story("railway fares")}}));
  site.set("/gamma.xml", "<rss><channel><item><title>broken</title></chan");
  std::string config = write_config();

  // Poll 1: the seed pair is one story across two feeds; the malformed feed
  // fails alone.
  auto first = once(config);
  ASSERT_EQ(first.exit_code, 0) << first.err;
  EXPECT_THAT(first.out, HasSubstr("feeds=3 ok=2 not_modified=0 failed=1 items=4 new_stories=3 duplicates=1 alerts=3"));
  auto alerts = accepted_alerts(server);
  ASSERT_EQ(alerts.size(), 3u);
  auto titles = titles_of(alerts);
  EXPECT_EQ(titles.count("Harbour plan approved"), 1u);
  EXPECT_EQ(titles.count("Rail fares frozen"), 1u);
  EXPECT_EQ(titles.count(seed_a.title) + titles.count(seed_b.title), 1u);
  for (const auto& alert : alerts) {
    EXPECT_EQ(alert.idempotency_key, alert.story_id);
  }

  // Poll 2: alpha gains a story, beta is unchanged (304), gamma is repaired
  // and carries a verbatim copy of alpha's harbour story under a new title.
  site.set("/alpha.xml", rss("alpha", {{"a-bridge", "Bridge closed for repairs", story("bridge repairs")},
                                       seed_a, {"a-harbour", "Harbour plan approved", story("harbour")}}));
  site.set("/gamma.xml", rss("gamma", {{"g-harbour", "Council backs harbour", story("harbour")},
                                       {"g-school", "School year extended", story("school calendar")}}));
  auto second = once(config);
  ASSERT_EQ(second.exit_code, 0) << second.err;
  EXPECT_THAT(second.out, HasSubstr("feeds=3 ok=2 not_modified=1 failed=0 items=7 new_stories=2 duplicates=1 alerts=2"));
  alerts = accepted_alerts(server);
  ASSERT_EQ(alerts.size(), 5u);
  EXPECT_THAT(std::set<std::string>({alerts[3].title, alerts[4].title}),
              UnorderedElementsAre("Bridge closed for repairs", "School year extended"));

  // Poll 3, a fresh process: nothing changed, nothing is alerted again.
  auto third = once(config);
  ASSERT_EQ(third.exit_code, 0) << third.err;
  EXPECT_THAT(third.out, HasSubstr("feeds=3 ok=0 not_modified=3 failed=0 items=7 new_stories=0 duplicates=0 alerts=0"));
  EXPECT_EQ(accepted_alerts(server).size(), 5u);
}

TEST_F(EndToEnd, StatusReportsFeedsAndSinksFromTheStateStore) {
  server.route("/hook", ScriptedResponse::text(503, "down", "text/plain"));
  site.set("/alpha.xml", rss("alpha", {{"a1", "Harbour plan approved", story("harbour")}}));
  site.set("/beta.xml", "<rss><channel><item><title>broken</title></chan");
  site.set("/gamma.xml", rss("gamma", {}));
  std::string config = write_config();
  auto before = run_process({NEWSMON_BINARY, "status", "-c", config});
  EXPECT_EQ(before.exit_code, 1);
  EXPECT_THAT(before.err, HasSubstr("has the daemon run?"));

  once(config, "1s");
  auto status = run_process({NEWSMON_BINARY, "status", "-c", config, "--json"});
  ASSERT_EQ(status.exit_code, 0) << status.err;
  auto json = nlohmann::json::parse(status.out);
  ASSERT_EQ(json["feeds"].size(), 3u);
  EXPECT_EQ(json["feeds"][0]["name"], "alpha");
  EXPECT_EQ(json["feeds"][0]["last_status"], "fetched");
  EXPECT_EQ(json["feeds"][1]["last_status"], "failed");
  EXPECT_EQ(json["feeds"][1]["consecutive_failures"], 1);
  ASSERT_EQ(json["sinks"].size(), 1u);
  EXPECT_EQ(json["sinks"][0]["pending"], 1);
  EXPECT_EQ(json["sinks"][0]["dead_lettered"], 0);
}

TEST_F(EndToEnd, StoryUpdatesGoToSinksThatOptedIn) {
  server.route("/hook", ScriptedResponse::text(200, "ok", "text/plain"));
  server.route("/updates", ScriptedResponse::text(200, "ok", "text/plain"));
  const Item harbour{"a1", "Harbour plan approved", story("harbour")};
  site.set("/alpha.xml", rss("alpha", {harbour}));
  site.set("/beta.xml", rss("beta", {}));
  site.set("/gamma.xml", rss("gamma", {}));
  std::string config = write_config("  - {type: webhook, name: updates, url: \"" +
                                    server.url("/updates") + "\", story_updates: 2}\n");
  ASSERT_EQ(once(config).exit_code, 0);
  EXPECT_EQ(server.request_count("/updates"), 1);  // the new story itself

  // The same story in a second feed, then a third: one update, at two sources.
  site.set("/beta.xml", rss("beta", {{"b1", "Harbour dredging backed", story("harbour")}}));
  ASSERT_EQ(once(config).exit_code, 0);
  site.set("/gamma.xml", rss("gamma", {{"g1", "Port plan passes", story("harbour")}}));
  ASSERT_EQ(once(config).exit_code, 0);

  auto updates = server.requests_for("/updates");
  ASSERT_EQ(updates.size(), 2u);
  auto update = nlohmann::json::parse(updates[1].body);
  EXPECT_EQ(update["event"], "story_update");
  EXPECT_EQ(update["story_id"], nlohmann::json::parse(updates[0].body)["story_id"]);
  EXPECT_EQ(update["sources"], nlohmann::json::array({"alpha", "beta"}));
  EXPECT_EQ(accepted_alerts(server).size(), 1u);  // the plain sink: one alert, no updates
}

TEST_F(EndToEnd, FirstPollSeedsWithoutAlerts) {
  server.route("/hook", ScriptedResponse::text(200, "ok", "text/plain"));
  site.set("/alpha.xml", rss("alpha", {{"a1", "Harbour plan approved", story("harbour")}}));
  site.set("/beta.xml", rss("beta", {{"b1", "Rail fares frozen", story("railway fares")}}));
  site.set("/gamma.xml", rss("gamma", {}));
  std::string yaml = read_file(write_config());
  yaml.replace(yaml.find("first_poll: alert"), 17, "first_poll: seed");
  std::string config = dir.write("config.yaml", yaml);

  auto first = once(config);
  ASSERT_EQ(first.exit_code, 0) << first.err;
  EXPECT_THAT(first.out, HasSubstr("new_stories=2 duplicates=0 alerts=0 seeded=2"));
  EXPECT_TRUE(accepted_alerts(server).empty());

  site.set("/alpha.xml", rss("alpha", {{"a2", "Bridge closed for repairs", story("bridge repairs")},
                                       {"a1", "Harbour plan approved", story("harbour")}}));
  auto second = once(config);
  ASSERT_EQ(second.exit_code, 0) << second.err;
  EXPECT_THAT(second.out, HasSubstr("new_stories=1 duplicates=0 alerts=1 seeded=0"));
  ASSERT_EQ(accepted_alerts(server).size(), 1u);
  EXPECT_EQ(accepted_alerts(server)[0].title, "Bridge closed for repairs");
}

TEST_F(EndToEnd, AReceiverThatIsDownGetsEveryAlertLaterInOrder) {
  std::atomic<int> refusals{3};
  server.route("/hook", [&refusals](const ReceivedRequest&) {
    if (refusals.fetch_sub(1) > 0) {
      return ScriptedResponse::text(503, "busy", "text/plain").with("Retry-After", "0");
    }
    return ScriptedResponse::text(200, "ok", "text/plain");
  });
  const std::vector<Item> items = {{"a1", "First story", story("harbour")},
                                   {"a2", "Second story", story("railway fares")},
                                   {"a3", "Third story", story("school calendar")}};
  site.set("/alpha.xml", rss("alpha", items));
  site.set("/beta.xml", rss("beta", {}));
  site.set("/gamma.xml", rss("gamma", {}));
  std::string config = write_config();

  auto result = once(config, "60s");
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_THAT(result.out, HasSubstr("alerts=3 seeded=0 pending=0"));
  std::vector<std::string> delivered;
  for (const auto& request : server.requests_for("/hook")) {
    auto body = nlohmann::json::parse(request.body);
    if (delivered.empty() || delivered.back() != body["item"]["title"]) {
      delivered.push_back(body["item"]["title"]);
    }
  }
  // Retries of one alert hold back the ones behind it: order is kept.
  EXPECT_EQ(delivered, (std::vector<std::string>{"First story", "Second story", "Third story"}));
}

TEST_F(EndToEnd, OnceLeavesUndeliveredAlertsForTheNextRun) {
  std::atomic<bool> up{false};
  server.route("/hook", [&up](const ReceivedRequest&) {
    return up ? ScriptedResponse::text(200, "ok", "text/plain")
              : ScriptedResponse::text(503, "down", "text/plain");
  });
  site.set("/alpha.xml", rss("alpha", {{"a1", "Harbour plan approved", story("harbour")}}));
  site.set("/beta.xml", rss("beta", {}));
  site.set("/gamma.xml", rss("gamma", {}));
  std::string config = write_config();

  auto down = once(config, "1s");
  EXPECT_EQ(down.exit_code, 1);
  EXPECT_THAT(down.out, HasSubstr("alerts=1 seeded=0 pending=1"));

  up = true;
  auto later = once(config, "10s");
  ASSERT_EQ(later.exit_code, 0) << later.err;
  EXPECT_THAT(later.out, HasSubstr("alerts=0 seeded=0 pending=0"));
  auto alerts = accepted_alerts(server);
  ASSERT_FALSE(alerts.empty());
  EXPECT_EQ(alerts.back().title, "Harbour plan approved");
}

TEST_F(EndToEnd, KilledWhileDeliveringDeliversEverythingAfterRestart) {
  std::atomic<bool> slow{true};
  server.route("/hook", [&slow](const ReceivedRequest&) {
    auto response = ScriptedResponse::text(200, "ok", "text/plain");
    if (slow) {
      response.delay = 3s;  // the daemon is killed while this is in flight
    }
    return response;
  });
  site.set("/alpha.xml", rss("alpha", {{"a1", "First story", story("harbour")},
                                       {"a2", "Second story", story("railway fares")}}));
  site.set("/beta.xml", rss("beta", {{"b1", "Third story", story("school calendar")}}));
  site.set("/gamma.xml", rss("gamma", {}));
  std::string config = write_config();

  {
    ChildProcess daemon({NEWSMON_BINARY, "run", "-c", config}, {}, dir.path() + "/run.err");
    auto deadline = std::chrono::steady_clock::now() + 30s;
    while (server.request_count("/hook") == 0 && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(10ms);  // waiting for an external event, not for work
    }
    ASSERT_GT(server.request_count("/hook"), 0) << read_file(dir.path() + "/run.err");
    daemon.signal(SIGKILL);
    EXPECT_EQ(daemon.wait(10s), 128 + SIGKILL);
  }
  slow = false;
  auto after = once(config);
  ASSERT_EQ(after.exit_code, 0) << after.err;
  std::map<std::string, std::set<std::string>> keys_by_title;
  for (const auto& request : server.requests_for("/hook")) {
    auto body = nlohmann::json::parse(request.body);
    keys_by_title[body["item"]["title"]].insert(request.header("idempotency-key"));
  }
  ASSERT_EQ(keys_by_title.size(), 3u);
  for (const auto& [title, keys] : keys_by_title) {
    EXPECT_EQ(keys.size(), 1u) << title << " was sent under two idempotency keys";
  }
}

}  // namespace
}  // namespace newsmon::testing
