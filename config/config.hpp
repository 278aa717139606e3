#pragma once
// newsmon's configuration as typed structs. Defaults live here, in one place;
// config/loader.hpp turns YAML into these and reports every problem located.
#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace newsmon::config {

using Duration = std::chrono::milliseconds;
using namespace std::chrono_literals;

enum class FirstPoll { seed, alert };
enum class DedupMode { copies, stories };
enum class LogLevel { trace, debug, info, warn, error };
enum class StoreType { sqlite, redis };
enum class SinkType { log, webhook, archive, jsonl };
enum class WebhookFormat { json, slack, discord };

struct FetchDefaults {
  Duration interval = 10min;
  Duration timeout = 30s;
  Duration connect_timeout = 10s;
  std::uint64_t max_body = 8ull << 20;
  int max_redirects = 5;
};

struct FetchSettings {
  std::string user_agent = "newsmon/0.1 (+https://github.com/newsmon/newsmon)";
  int concurrency = 64;
  int per_host = 6;
  // file:// feeds are for the bundled demo and tests; off in production.
  bool allow_file_urls = false;
};

struct DedupSettings {
  DedupMode mode = DedupMode::stories;
  Duration window = 72h;
  std::optional<double> threshold;  // unset: the engine's measured default per mode
  std::uint64_t capacity = 1'000'000;  // at most k_max_dedup_capacity
};

// The largest dedup window (dedup.capacity) the engine can hold.
inline constexpr std::uint64_t k_max_dedup_capacity = 100'000'000;

struct StoreSettings {
  StoreType type = StoreType::sqlite;
  std::string url;  // redis only
};

struct HttpSettings {
  std::string listen;  // "host:port"; empty: no endpoint
};

struct FeedConfig {
  std::string name;
  std::string url;
  Duration interval{};  // resolved from defaults at load
  Duration timeout{};
  std::uint64_t max_body = 0;
  bool enabled = true;
  std::vector<std::string> tags;
  std::map<std::string, std::string> headers;
  FirstPoll first_poll = FirstPoll::seed;
  int line = 0;  // where the feed is declared, for messages
};

// Keyword rules on an alert's title and text: case-insensitive, on word
// boundaries; phrases match as word sequences; regex is RE2 syntax.
struct KeywordMatch {
  std::vector<std::string> all;    // every one must appear
  std::vector<std::string> any;    // at least one must appear (when set)
  std::vector<std::string> none;   // none may appear
  std::vector<std::string> regex;  // at least one must match (when set)
};

struct SinkConfig {
  SinkType type = SinkType::log;
  std::string name;  // defaults to the type and position, e.g. "webhook#1"
  // webhook
  std::string url;
  std::string secret;
  WebhookFormat format = WebhookFormat::json;
  Duration timeout = 10s;
  int max_attempts = 8;
  std::map<std::string, std::string> headers;
  // archive
  std::string dir;
  // jsonl: "-" is stdout
  std::string path;
  // routing: empty lists take every story
  std::vector<std::string> feeds;
  std::vector<std::string> tags;
  KeywordMatch match;
  // 0: off; N: one story_update event when a story reaches N distinct feeds.
  int story_updates = 0;
};

struct Config {
  std::string source_path;  // the file this was loaded from
  std::string state_dir = "/var/lib/newsmon";
  LogLevel log_level = LogLevel::info;
  FirstPoll first_poll = FirstPoll::seed;
  FetchDefaults defaults;
  FetchSettings fetch;
  DedupSettings dedup;
  StoreSettings store;
  HttpSettings http;
  std::string feeds_opml;
  std::vector<FeedConfig> feeds;
  std::vector<SinkConfig> alerts;
};

// The feeds that are polled (enabled: true).
std::size_t enabled_feed_count(const Config& config);

std::string_view to_string(DedupMode mode);
std::string_view to_string(SinkType type);
std::string_view to_string(LogLevel level);

}  // namespace newsmon::config
