#include "config/loader.hpp"

#include "tests/support/process.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>

namespace newsmon::config {
namespace {

using namespace std::chrono_literals;
using ::testing::ElementsAre;

EnvLookup fake_env(std::map<std::string, std::string> vars) {
  return [vars = std::move(vars)](const std::string& name) -> std::optional<std::string> {
    auto it = vars.find(name);
    if (it == vars.end()) {
      return std::nullopt;
    }
    return it->second;
  };
}

LoadResult load(const std::string& yaml, std::map<std::string, std::string> env = {}) {
  return load_config_text(yaml, "cfg.yaml", "/etc/newsmon", fake_env(std::move(env)));
}

std::vector<std::string> errors_of(const std::string& yaml,
                                   std::map<std::string, std::string> env = {}) {
  std::vector<std::string> out;
  for (const auto& error : load(yaml, std::move(env)).errors) {
    out.push_back(error.to_string());
  }
  return out;
}

TEST(ConfigLoader, MinimalConfigGetsDefaults) {
  auto result = load("feeds:\n  - {name: a, url: \"https://example.org/a.rss\"}\n");
  ASSERT_TRUE(result.config) << (result.errors.empty() ? "" : result.errors[0].to_string());
  const Config& config = *result.config;
  EXPECT_EQ(config.state_dir, "/var/lib/newsmon");
  EXPECT_EQ(config.dedup.mode, DedupMode::stories);
  EXPECT_EQ(config.dedup.window, 72h);
  ASSERT_EQ(config.feeds.size(), 1u);
  EXPECT_EQ(config.feeds[0].interval, 10min);
  EXPECT_EQ(config.feeds[0].timeout, 30s);
  EXPECT_EQ(config.feeds[0].max_body, 8u << 20);
  EXPECT_EQ(config.feeds[0].first_poll, FirstPoll::seed);
  EXPECT_EQ(config.feeds[0].line, 2);
  ASSERT_EQ(config.alerts.size(), 1u);
  EXPECT_EQ(config.alerts[0].type, SinkType::log);
}

TEST(ConfigLoader, DesignOutlineParses) {
  const char* yaml = R"(state_dir: /var/lib/newsmon
defaults: {interval: 10m, timeout: 30s, max_body: 8MiB}
dedup: {window: 72h, mode: stories}
first_poll: seed
feeds:
  - {name: afp-world, url: "https://example.org/world.rss", interval: 5m, tags: [world]}
feeds_opml: OPML
store: {type: sqlite}
http: {listen: "127.0.0.1:9108"}
alerts:
  - {type: log}
  - {type: webhook, url: "https://hooks.example.org/x", secret: "${NEWSMON_HOOK_SECRET}"}
  - {type: archive, dir: /var/lib/newsmon/articles}
  - {type: jsonl, path: "-"}
)";
  testing::TempDir dir;
  std::string opml = dir.write("feeds.opml", "<opml><body/></opml>");
  std::string text = yaml;
  text.replace(text.find("OPML"), 4, opml);
  auto result = load(text, {{"NEWSMON_HOOK_SECRET", "s3cret"}});
  ASSERT_TRUE(result.config) << result.errors.at(0).to_string();
  const Config& config = *result.config;
  EXPECT_EQ(config.feeds_opml, opml);
  EXPECT_EQ(config.feeds.at(0).interval, 5min);
  EXPECT_THAT(config.feeds.at(0).tags, ElementsAre("world"));
  EXPECT_EQ(config.http.listen, "127.0.0.1:9108");
  ASSERT_EQ(config.alerts.size(), 4u);
  EXPECT_EQ(config.alerts[1].secret, "s3cret");
  EXPECT_EQ(config.alerts[1].name, "webhook#1");
  EXPECT_EQ(config.alerts[2].dir, "/var/lib/newsmon/articles");
  EXPECT_EQ(config.alerts[3].path, "-");
}

TEST(ConfigLoader, FeedOverridesAndRelativePaths) {
  auto result = load(R"(state_dir: state
first_poll: alert
defaults: {interval: 1h, max_body: 1MiB}
feeds:
  - {name: a, url: "https://a.example/rss", timeout: 5s, first_poll: seed}
  - {name: b, url: "https://b.example/rss", enabled: false, headers: {Authorization: "Bearer ${TOKEN:-none}"}}
)");
  ASSERT_TRUE(result.config) << result.errors.at(0).to_string();
  const Config& config = *result.config;
  EXPECT_EQ(config.state_dir, "/etc/newsmon/state");
  EXPECT_EQ(config.feeds[0].interval, 1h);
  EXPECT_EQ(config.feeds[0].timeout, 5s);
  EXPECT_EQ(config.feeds[0].max_body, 1u << 20);
  EXPECT_EQ(config.feeds[0].first_poll, FirstPoll::seed);
  EXPECT_EQ(config.feeds[1].first_poll, FirstPoll::alert);
  EXPECT_FALSE(config.feeds[1].enabled);
  EXPECT_EQ(config.feeds[1].headers.at("Authorization"), "Bearer none");
}

TEST(ConfigLoader, DefaultsApplyWhereverTheyStandInTheFile) {
  auto result = load("feeds:\n  - {name: a, url: \"https://a.example/rss\"}\n"
                     "defaults: {interval: 2h}\nfirst_poll: alert\n");
  ASSERT_TRUE(result.config) << result.errors.at(0).to_string();
  EXPECT_EQ(result.config->feeds[0].interval, 2h);
  EXPECT_EQ(result.config->feeds[0].first_poll, FirstPoll::alert);
}

TEST(ConfigLoader, RelativeFileUrlResolvesBesideTheConfig) {
  auto result = load(R"(fetch: {allow_file_urls: true}
feeds:
  - {name: a, url: "file:samples/a.xml"}
  - {name: b, url: "file:///srv/b.xml"}
)");
  ASSERT_TRUE(result.config) << result.errors.at(0).to_string();
  EXPECT_EQ(result.config->feeds[0].url, "file:///etc/newsmon/samples/a.xml");
  EXPECT_EQ(result.config->feeds[1].url, "file:///srv/b.xml");
}

// Every validation error class, with its exact location and key path.
struct ErrorCase {
  const char* name;
  const char* yaml;
  std::vector<std::string> expected;
};

class ConfigErrors : public ::testing::TestWithParam<ErrorCase> {};

TEST_P(ConfigErrors, AreLocatedExactly) {
  EXPECT_EQ(errors_of(GetParam().yaml), GetParam().expected);
}

INSTANTIATE_TEST_SUITE_P(
    Classes, ConfigErrors,
    ::testing::Values(
        ErrorCase{"unknown_key_with_suggestion", "state_dri: /x\n",
                  {"cfg.yaml:1:1: state_dri: unknown key 'state_dri' (did you mean 'state_dir'?)"}},
        ErrorCase{"unknown_nested_key", "dedup:\n  windw: 72h\n",
                  {"cfg.yaml:2:3: dedup.windw: unknown key 'windw' (did you mean 'window'?)"}},
        ErrorCase{"unknown_key_without_suggestion", "defaults: {colour: red}\n",
                  {"cfg.yaml:1:12: defaults.colour: unknown key 'colour'"}},
        ErrorCase{"wrong_type_bool", "feeds:\n  - {name: a, url: \"http://a.example/\", enabled: maybe}\n",
                  {"cfg.yaml:2:50: feeds[0].enabled: expected true or false, got 'maybe'"}},
        ErrorCase{"wrong_type_list", "feeds: {name: a}\n",
                  {"cfg.yaml:1:8: feeds: expected a list of feeds, got a mapping"}},
        ErrorCase{"wrong_type_integer", "fetch:\n  concurrency: lots\n",
                  {"cfg.yaml:2:16: fetch.concurrency: expected an integer, got 'lots'"}},
        ErrorCase{"bad_duration", "defaults:\n  interval: 10 minutes\n",
                  {"cfg.yaml:2:13: defaults.interval: expected a duration like 90s, 15m, 72h or 7d, got '10 minutes'"}},
        ErrorCase{"duration_out_of_range", "defaults:\n  timeout: 1h\n",
                  {"cfg.yaml:2:12: defaults.timeout: must be between 1s and 10m, got 1h"}},
        ErrorCase{"bad_size", "defaults:\n  max_body: 8 megs\n",
                  {"cfg.yaml:2:13: defaults.max_body: expected a size like 512KiB or 8MiB, got '8 megs'"}},
        ErrorCase{"integer_out_of_range", "fetch: {per_host: 0}\n",
                  {"cfg.yaml:1:19: fetch.per_host: must be between 1 and 1000, got 0"}},
        ErrorCase{"number_out_of_range", "dedup: {threshold: 1.5}\n",
                  {"cfg.yaml:1:20: dedup.threshold: must be between 0.01 and 1, got 1.5"}},
        ErrorCase{"bad_choice", "dedup: {mode: fuzzy}\n",
                  {"cfg.yaml:1:15: dedup.mode: expected one of copies, stories, got 'fuzzy'"}},
        ErrorCase{"bad_url", "feeds:\n  - name: a\n    url: \"not a url\"\n",
                  {"cfg.yaml:3:10: feeds[0].url: not a valid URL: 'not a url'"}},
        ErrorCase{"bad_scheme", "feeds:\n  - name: a\n    url: ftp://example.org/feed\n",
                  {"cfg.yaml:3:10: feeds[0].url: URL scheme 'ftp' is not allowed (use http or https)"}},
        ErrorCase{"file_url_not_allowed", "feeds:\n  - name: a\n    url: file:///tmp/a.xml\n",
                  {"cfg.yaml:3:10: feeds[0].url: URL scheme 'file' is not allowed (use http or https)"}},
        ErrorCase{"duplicate_feed_name",
                  "feeds:\n  - {name: a, url: \"http://a.example/\"}\n  - {name: a, url: \"http://b.example/\"}\n",
                  {"cfg.yaml:3:12: feeds[1].name: duplicate feed name 'a' (first declared at line 2)"}},
        ErrorCase{"missing_required_keys", "feeds:\n  - {interval: 5m}\n",
                  {"cfg.yaml:2:5: feeds[0].name: missing required key",
                   "cfg.yaml:2:5: feeds[0].url: missing required key"}},
        ErrorCase{"duplicate_key", "log_level: info\nlog_level: debug\n",
                  {"cfg.yaml:2:1: log_level: duplicate key"}},
        ErrorCase{"missing_env", "alerts:\n  - {type: webhook, url: \"https://h.example/\", secret: \"${NO_SUCH_SECRET}\"}\n",
                  {"cfg.yaml:2:56: alerts[0].secret: environment variable NO_SUCH_SECRET is not set"}},
        ErrorCase{"sink_key_of_other_type", "alerts:\n  - {type: log, dir: /tmp}\n",
                  {"cfg.yaml:2:17: alerts[0].dir: unknown key 'dir' for type 'log'"}},
        ErrorCase{"sink_missing_type", "alerts:\n  - {url: \"https://h.example/\"}\n",
                  {"cfg.yaml:2:5: alerts[0].type: missing required key (log, webhook, archive or jsonl)"}},
        ErrorCase{"sink_missing_url", "alerts:\n  - {type: webhook}\n",
                  {"cfg.yaml:2:5: alerts[0].url: missing required key"}},
        ErrorCase{"bad_listen", "http: {listen: localhost}\n",
                  {"cfg.yaml:1:16: http.listen: expected host:port like 127.0.0.1:9108, got 'localhost'"}},
        ErrorCase{"yaml_syntax", "feeds: [\n",
                  {"cfg.yaml:2:1: (document): end of sequence flow not found"}},
        ErrorCase{"empty_document", "",
                  {"cfg.yaml:1:1: (document): the config is empty"}}),
    [](const auto& test) { return std::string(test.param.name); });

TEST(ConfigLoader, ReportsEveryProblemAtOnceInFileOrder) {
  auto errors = errors_of(R"(fetch: {concurency: 3}
feeds:
  - {name: a, url: "htp:/x", interval: often}
dedup: {mode: 3}
)");
  EXPECT_THAT(errors, ElementsAre(
      "cfg.yaml:1:9: fetch.concurency: unknown key 'concurency' (did you mean 'concurrency'?)",
      "cfg.yaml:3:20: feeds[0].url: not a valid URL: 'htp:/x'",
      "cfg.yaml:3:40: feeds[0].interval: expected a duration like 90s, 15m, 72h or 7d, got 'often'",
      "cfg.yaml:4:15: dedup.mode: expected one of copies, stories, got '3'"));
}

TEST(ConfigLoader, MissingFileIsAnError) {
  auto result = load_config_file("/nonexistent/newsmon.yaml");
  ASSERT_FALSE(result.config);
  ASSERT_EQ(result.errors.size(), 1u);
  EXPECT_EQ(result.errors[0].to_string(),
            "/nonexistent/newsmon.yaml:0:0: (file): cannot read the config file");
}

TEST(ConfigLoader, ReferenceListsEveryTable) {
  std::string reference = config_reference();
  for (const char* key : {"`state_dir`", "`interval`", "`allow_file_urls`", "`threshold`",
                          "`listen`", "`first_poll`", "`secret`"}) {
    EXPECT_NE(reference.find(key), std::string::npos) << key;
  }
}

}  // namespace
}  // namespace newsmon::config
