#pragma once
// Fetching one feed: a conditional GET through the shared HttpClient, turned
// into a FetchOutcome the scheduler acts on. The fetcher neither parses feeds
// nor retries: the scheduler owns backoff.
#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "common/clock.hpp"
#include "config/config.hpp"
#include "net/http_client.hpp"

namespace newsmon::feeds {

// The validators a server gave for the last body we kept.
struct ConditionalGetState {
  std::string etag;           // sent back as If-None-Match
  std::string last_modified;  // sent back as If-Modified-Since
  bool empty() const { return etag.empty() && last_modified.empty(); }
  bool operator==(const ConditionalGetState&) const = default;
};

// What the response says about how long its content stays fresh.
struct CacheHints {
  std::optional<std::chrono::seconds> max_age;  // Cache-Control: max-age
  std::optional<SysTime> expires;               // Expires, when in the future
  bool operator==(const CacheHints&) const = default;
};

struct Fetched {
  std::string body;
  std::string content_type;
  std::string effective_url;
  ConditionalGetState validators;
  CacheHints hints;
  // Set when a 301/308 was followed: the feed's URL should be updated.
  std::optional<std::string> moved_permanently_to;
};

struct NotModified {
  ConditionalGetState validators;  // possibly refreshed by the 304
  CacheHints hints;
  std::optional<std::string> moved_permanently_to;
};

// Try again later: the server is overloaded, rate limiting, or unreachable.
struct Retry {
  // The server's Retry-After, when it gave one; otherwise the scheduler's backoff decides.
  std::optional<std::chrono::seconds> after;
  // 429 or 503: the whole host asked us to slow down.
  bool rate_limited = false;
  std::string reason;
};

// Will not work by itself (4xx, too large, redirect loop, bad URL); the
// scheduler still retries with backoff, in case an operator fixes it.
struct Failed {
  std::string reason;
};

using FetchOutcome = std::variant<Fetched, NotModified, Retry, Failed>;

// "fetched", "not_modified", "retry", "failed": for logs and the state store.
std::string_view outcome_name(const FetchOutcome& outcome);
// The reason of a Retry or Failed, empty otherwise.
std::string outcome_reason(const FetchOutcome& outcome);

// Pure helpers, exposed for tests.
// RFC 9110 HTTP-date in any of its three forms; nullopt when unreadable.
std::optional<SysTime> parse_http_date(std::string_view text);
// Retry-After as delay-seconds or HTTP-date (relative to `now`; a past date is 0).
std::optional<std::chrono::seconds> parse_retry_after(std::string_view text, SysTime now);
// Cache-Control max-age (absent under no-cache/no-store) and a future Expires.
CacheHints parse_cache_hints(const std::map<std::string, std::string>& headers, SysTime now);
// The whole classification of a finished HTTP exchange.
FetchOutcome classify(net::HttpResult result, SysTime now);

// Per-request settings that are not per feed.
struct FetcherOptions {
  std::string user_agent = config::FetchSettings{}.user_agent;
  std::chrono::milliseconds connect_timeout{10'000};
  int max_redirects = 5;
  long low_speed_bytes = 64;
  std::chrono::seconds low_speed_time{15};
};

// The daemon's settings for the shared client and the fetcher.
net::HttpClientOptions http_client_options(const config::Config& config);
FetcherOptions fetcher_options(const config::Config& config);

using FetchCallback = std::function<void(FetchOutcome)>;

class FeedFetcher {
 public:
  FeedFetcher(net::HttpClient& client, const Clock& clock, FetcherOptions options);

  // GETs the feed, sending the validators; `done` runs once on the io_context.
  // The fetcher and its clock must outlive the pending fetches.
  void fetch(const config::FeedConfig& feed, const ConditionalGetState& state, FetchCallback done);

  // Holds back fetches not yet started (see HttpClient::set_paused).
  void set_paused(bool paused);

  // The request fetch() sends, exposed for tests.
  net::HttpRequest make_request(const config::FeedConfig& feed, const ConditionalGetState& state) const;

 private:
  net::HttpClient& m_client;
  const Clock& m_clock;
  FetcherOptions m_options;
};

}  // namespace newsmon::feeds
