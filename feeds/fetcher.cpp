#include "feeds/fetcher.hpp"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <charconv>

#include "common/strings.hpp"

namespace newsmon::feeds {
namespace {

std::optional<long long> parse_count(std::string_view text) {
  text = trim_ascii_space(text);
  long long value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || value < 0) {
    return std::nullopt;
  }
  return value;
}

std::string header(const std::map<std::string, std::string>& headers, const std::string& name) {
  const auto found = headers.find(name);
  return found == headers.end() ? std::string() : found->second;
}

ConditionalGetState validators_of(const std::map<std::string, std::string>& headers) {
  return {header(headers, "etag"), header(headers, "last-modified")};
}

// The URL reached through the leading run of permanent redirects, if any:
// after "301 a -> 302 b" the feed should move to a, not to the temporary b.
std::optional<std::string> permanent_target(const net::HttpResponse& response) {
  std::optional<std::string> target;
  for (const auto& [status, location] : response.redirects) {
    if (status != 301 && status != 308) {
      break;
    }
    target = location;
  }
  return target;
}

}  // namespace

std::string_view outcome_name(const FetchOutcome& outcome) {
  static constexpr std::string_view k_names[] = {"fetched", "not_modified", "retry", "failed"};
  return k_names[outcome.index()];
}

std::string outcome_reason(const FetchOutcome& outcome) {
  if (const auto* retry = std::get_if<Retry>(&outcome)) {
    return retry->reason;
  }
  if (const auto* failed = std::get_if<Failed>(&outcome)) {
    return failed->reason;
  }
  return {};
}

std::optional<SysTime> parse_http_date(std::string_view text) {
  // curl_getdate reads IMF-fixdate, RFC 850 and asctime dates, as RFC 9110 asks.
  const std::string copy(trim_ascii_space(text));
  if (copy.empty()) {
    return std::nullopt;
  }
  const time_t parsed = curl_getdate(copy.c_str(), nullptr);
  if (parsed == -1) {
    return std::nullopt;
  }
  return std::chrono::system_clock::from_time_t(parsed);
}

std::optional<std::chrono::seconds> parse_retry_after(std::string_view text, SysTime now) {
  if (const auto seconds = parse_count(text)) {
    return std::chrono::seconds(*seconds);
  }
  const auto date = parse_http_date(text);
  if (!date) {
    return std::nullopt;
  }
  if (*date <= now) {
    return std::chrono::seconds(0);
  }
  // Round up: retrying a fraction of a second early would meet the limit again.
  return std::chrono::ceil<std::chrono::seconds>(*date - now);
}

CacheHints parse_cache_hints(const std::map<std::string, std::string>& headers, SysTime now) {
  CacheHints hints;
  const std::string control = ascii_lower(header(headers, "cache-control"));
  bool uncacheable = false;
  std::string_view rest = control;
  while (!rest.empty()) {
    const auto comma = rest.find(',');
    const std::string_view directive = trim_ascii_space(rest.substr(0, comma));
    rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
    if (directive == "no-cache" || directive == "no-store") {
      uncacheable = true;
    } else if (directive.starts_with("max-age=")) {
      std::string_view value = directive.substr(8);
      if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
        value = value.substr(1, value.size() - 2);
      }
      if (const auto seconds = parse_count(value)) {
        hints.max_age = std::chrono::seconds(*seconds);
      }
    }
  }
  if (uncacheable) {
    hints.max_age.reset();
    return hints;
  }
  if (const auto expires = parse_http_date(header(headers, "expires")); expires && *expires > now) {
    hints.expires = expires;
  }
  return hints;
}

FetchOutcome classify(net::HttpResult result, SysTime now) {
  if (const auto* error = std::get_if<net::HttpError>(&result)) {
    switch (error->kind) {
      case net::HttpFailure::timeout:
        return Retry{std::nullopt, false, "timeout: " + error->message};
      case net::HttpFailure::connect:
        return Retry{std::nullopt, false, "connection failed: " + error->message};
      case net::HttpFailure::too_large:
        return Failed{"too large: " + error->message};
      case net::HttpFailure::too_many_redirects:
        return Failed{"redirect loop or too many redirects: " + error->message};
      case net::HttpFailure::tls:
        return Failed{"TLS: " + error->message};
      case net::HttpFailure::other:
        return Failed{error->message};
    }
    return Failed{error->message};
  }
  auto& response = std::get<net::HttpResponse>(result);
  const long status = response.status;
  const std::string status_text = "HTTP " + std::to_string(status);
  if (status >= 200 && status < 300) {
    Fetched fetched;
    fetched.body = std::move(response.body);
    fetched.content_type = header(response.headers, "content-type");
    fetched.effective_url = response.effective_url;
    fetched.validators = validators_of(response.headers);
    fetched.hints = parse_cache_hints(response.headers, now);
    fetched.moved_permanently_to = permanent_target(response);
    return fetched;
  }
  if (status == 304) {
    return NotModified{validators_of(response.headers), parse_cache_hints(response.headers, now),
                       permanent_target(response)};
  }
  const auto retry_after = parse_retry_after(header(response.headers, "retry-after"), now);
  if (status == 429 || status == 503) {
    return Retry{retry_after, true, status_text + " (rate limited or unavailable)"};
  }
  if (status >= 500 || status == 408) {
    return Retry{retry_after, false, status_text};
  }
  if (status >= 300 && status < 400) {
    return Failed{status_text + " redirect without a usable Location"};
  }
  return Failed{status == 0 ? std::string("no HTTP status") : status_text};
}

net::HttpClientOptions http_client_options(const config::Config& config) {
  net::HttpClientOptions options;
  options.max_total = config.fetch.concurrency;
  options.max_per_host = config.fetch.per_host;
  options.allow_file_urls = config.fetch.allow_file_urls;
  return options;
}

FetcherOptions fetcher_options(const config::Config& config) {
  FetcherOptions options;
  options.user_agent = config.fetch.user_agent;
  options.connect_timeout = config.defaults.connect_timeout;
  options.max_redirects = config.defaults.max_redirects;
  return options;
}

FeedFetcher::FeedFetcher(net::HttpClient& client, const Clock& clock, FetcherOptions options)
    : m_client(client), m_clock(clock), m_options(std::move(options)) {}

net::HttpRequest FeedFetcher::make_request(const config::FeedConfig& feed,
                                           const ConditionalGetState& state) const {
  net::HttpRequest request;
  request.url = feed.url;
  request.user_agent = m_options.user_agent;
  if (feed.timeout.count() > 0) {
    request.timeout = feed.timeout;
  }
  request.connect_timeout = std::min(m_options.connect_timeout, request.timeout);
  if (feed.max_body > 0) {
    request.max_body = feed.max_body;
  }
  request.max_redirects = m_options.max_redirects;
  request.low_speed_bytes = m_options.low_speed_bytes;
  request.low_speed_time = m_options.low_speed_time;
  request.headers.emplace_back(
      "Accept", "application/rss+xml, application/atom+xml, application/feed+json, "
                "application/xml;q=0.9, text/xml;q=0.9, */*;q=0.8");
  for (const auto& [name, value] : feed.headers) {
    request.headers.emplace_back(name, value);
  }
  if (!state.etag.empty()) {
    request.headers.emplace_back("If-None-Match", state.etag);
  }
  if (!state.last_modified.empty()) {
    request.headers.emplace_back("If-Modified-Since", state.last_modified);
  }
  return request;
}

void FeedFetcher::set_paused(bool paused) { m_client.set_paused(paused); }

void FeedFetcher::fetch(const config::FeedConfig& feed, const ConditionalGetState& state,
                        FetchCallback done) {
  m_client.perform(make_request(feed, state),
                   [this, state, done = std::move(done)](net::HttpResult result) {
                     FetchOutcome outcome = classify(std::move(result), m_clock.now());
                     if (auto* not_modified = std::get_if<NotModified>(&outcome)) {
                       // A 304 need not repeat the validators; keep the ones we sent.
                       if (not_modified->validators.etag.empty()) {
                         not_modified->validators.etag = state.etag;
                       }
                       if (not_modified->validators.last_modified.empty()) {
                         not_modified->validators.last_modified = state.last_modified;
                       }
                     }
                     done(std::move(outcome));
                   });
}

}  // namespace newsmon::feeds
