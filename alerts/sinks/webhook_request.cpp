// The pure half of the webhook sink: request building and response
// classification, kept apart from the I/O so it is testable alone.
#include <algorithm>
#include <charconv>
#include <ctime>

#include "alerts/sinks/webhook_sink.hpp"
#include "common/strings.hpp"

namespace newsmon::alerts {
namespace {

constexpr std::size_t k_max_response_body = std::size_t{64} * 1024;
constexpr std::size_t k_reason_body_chars = 200;

std::string status_reason(const net::HttpResponse& response) {
  std::string reason = "HTTP " + std::to_string(response.status);
  if (!response.body.empty()) {
    reason += ": " + truncate_utf8(response.body, k_reason_body_chars);
  }
  return reason;
}

std::optional<std::chrono::milliseconds> header_retry_after(const net::HttpResponse& response,
                                                            SysTime now) {
  auto it = response.headers.find("retry-after");
  if (it == response.headers.end()) {
    return std::nullopt;
  }
  return parse_retry_after(it->second, now);
}

}  // namespace

std::optional<std::chrono::milliseconds> parse_retry_after(std::string_view value, SysTime now) {
  value = trim_ascii_space(value);
  if (value.empty()) {
    return std::nullopt;
  }
  long long seconds = 0;
  const auto* end = value.data() + value.size();
  if (auto [ptr, ec] = std::from_chars(value.data(), end, seconds);
      ec == std::errc() && ptr == end) {
    if (seconds < 0) {
      return std::nullopt;
    }
    return std::chrono::seconds(std::min(seconds, 365LL * 24 * 3600));
  }
  // IMF-fixdate, the form RFC 9110 requires senders to use.
  std::tm tm{};
  const std::string text(value);
  const char* parsed = strptime(text.c_str(), "%a, %d %b %Y %H:%M:%S GMT", &tm);
  if (parsed == nullptr || *parsed != '\0') {
    return std::nullopt;
  }
  const SysTime at = std::chrono::system_clock::from_time_t(timegm(&tm));
  if (at <= now) {
    return std::chrono::milliseconds(0);
  }
  return std::chrono::ceil<std::chrono::milliseconds>(at - now);
}

DeliveryResult classify_webhook_response(const net::HttpResult& result, SysTime now) {
  if (const auto* error = std::get_if<net::HttpError>(&result)) {
    return DeliveryRetry{"transport error: " + error->message, std::nullopt};
  }
  const auto& response = std::get<net::HttpResponse>(result);
  const long status = response.status;
  if (status >= 200 && status < 300) {
    return DeliveryOk{};
  }
  if (status == 408 || status == 425 || status == 429 || status >= 500) {
    return DeliveryRetry{status_reason(response), header_retry_after(response, now)};
  }
  if (status >= 300 && status < 400) {
    auto location = response.headers.find("location");
    return DeliveryPermanent{
        "HTTP " + std::to_string(status) + " redirect" +
        (location != response.headers.end() ? " to " + location->second : std::string()) +
        " not followed for a POST: fix the sink's url"};
  }
  return DeliveryPermanent{status_reason(response)};
}

net::HttpRequest webhook_request(const config::SinkConfig& sink, const Alert& alert,
                                 std::string_view user_agent) {
  net::HttpRequest request;
  request.url = sink.url;
  request.method = "POST";
  request.body = format_body(alert, sink.format);
  request.headers = webhook_headers(alert, request.body, sink.secret, sink.headers);
  request.user_agent = std::string(user_agent);
  request.timeout = sink.timeout;
  request.connect_timeout = std::min(sink.timeout, std::chrono::milliseconds(10'000));
  request.max_body = k_max_response_body;
  request.max_redirects = 0;
  request.accept_compressed = false;
  return request;
}

}  // namespace newsmon::alerts
