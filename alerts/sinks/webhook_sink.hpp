#pragma once
// `type: webhook`: one HTTPS POST per alert through the shared net::HttpClient
// (TLS verification stays on: the client never disables it). The mapping of
// an HTTP outcome to Ok / Retry / Permanent is a pure function, tested apart.
#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "alerts/sink.hpp"
#include "common/clock.hpp"
#include "config/config.hpp"
#include "net/http_client.hpp"

namespace newsmon::alerts {

// Retry-After as delta-seconds ("120") or an HTTP-date; nullopt when absent
// or unreadable. A date in the past means "now" (zero).
std::optional<std::chrono::milliseconds> parse_retry_after(std::string_view value, SysTime now);

// 2xx: Ok. 408, 425, 429, 5xx and transport errors: Retry (Retry-After
// honoured). 3xx: Permanent (a POST is not re-sent to another URL behind the
// operator's back). Other 4xx: Permanent.
DeliveryResult classify_webhook_response(const net::HttpResult& result, SysTime now);

// The request for one alert: body in the sink's format, every header, the
// sink's timeout, no redirects, a small response cap.
net::HttpRequest webhook_request(const config::SinkConfig& sink, const Alert& alert,
                                 std::string_view user_agent);

class WebhookSink final : public Sink {
 public:
  WebhookSink(config::SinkConfig config, net::HttpClient& http, const Clock& clock,
              std::string user_agent);
  const std::string& name() const override { return m_config.name; }
  void deliver(const Alert& alert, DeliveryCallback done) override;

 private:
  config::SinkConfig m_config;
  net::HttpClient& m_http;
  const Clock& m_clock;
  std::string m_user_agent;
};

}  // namespace newsmon::alerts
