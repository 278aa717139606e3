#include "alerts/alert_stage.hpp"

#include <set>

namespace newsmon::alerts {

AlertStage::AlertStage(boost::asio::io_context& io, sqlite::Database& db, const Clock& clock,
                       Metrics& metrics, DispatcherOptions options)
    : m_outbox(db, clock),
      m_dispatcher(io, m_outbox, clock, metrics, options),
      m_metrics(metrics) {}

Result<std::unique_ptr<AlertStage>> AlertStage::create(boost::asio::io_context& io,
                                                       sqlite::Database& db, const Clock& clock,
                                                       Metrics& metrics,
                                                       const std::vector<config::SinkConfig>& sinks,
                                                       const SinkEnvironment& environment,
                                                       DispatcherOptions options) {
  auto stage = std::make_unique<AlertStage>(io, db, clock, metrics, options);
  std::set<std::string> names;
  for (const auto& config : sinks) {
    // The name keys the outbox rows: two sinks sharing one would steal each
    // other's alerts.
    if (!names.insert(config.name).second) {
      return Error{"alerts." + config.name + ": two sinks have this name"};
    }
    auto sink = make_sink(config, environment);
    if (!sink.ok()) {
      return sink.error();
    }
    if (auto status = stage->m_router.add(config.name, route_spec(config)); !status.ok()) {
      return status.error();
    }
    stage->m_dispatcher.add_sink(std::move(*sink), config.max_attempts);
  }
  return stage;
}

Result<std::vector<std::string>> AlertStage::enqueue(const Alert& alert) {
  std::vector<std::string> sinks = m_router.route(alert);
  for (const auto& sink : sinks) {
    if (auto id = m_outbox.enqueue(sink, alert); !id.ok()) {
      return id.error();
    }
  }
  for (const auto& sink : sinks) {
    m_metrics.increment("newsmon_alerts_enqueued_total", {{"sink", sink}});
  }
  return sinks;
}

}  // namespace newsmon::alerts
