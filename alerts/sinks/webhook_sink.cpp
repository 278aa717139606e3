#include "alerts/sinks/webhook_sink.hpp"

namespace newsmon::alerts {

WebhookSink::WebhookSink(config::SinkConfig config, net::HttpClient& http, const Clock& clock,
                         std::string user_agent)
    : m_config(std::move(config)),
      m_http(http),
      m_clock(clock),
      m_user_agent(std::move(user_agent)) {}

void WebhookSink::deliver(const Alert& alert, DeliveryCallback done) {
  m_http.perform(webhook_request(m_config, alert, m_user_agent),
                 [clock = &m_clock, done = std::move(done)](const net::HttpResult& result) {
                   done(classify_webhook_response(result, clock->now()));
                 });
}

}  // namespace newsmon::alerts
