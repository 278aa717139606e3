#pragma once
// The long-running `newsmon run`: one io_context, signals, systemd
// notifications and config reload. The pipeline stages are wired here and
// nowhere else.
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <memory>
#include <optional>
#include <string>

#include "common/metrics.hpp"
#include "config/config.hpp"
#include "daemon/http_endpoint.hpp"
#include "daemon/pipeline.hpp"
#include "daemon/state_directory.hpp"
#include "daemon/systemd_notifier.hpp"

namespace newsmon::daemon {

class Daemon {
 public:
  Daemon(std::string config_path, config::Config config, std::unique_ptr<StateDirectory> state);

  // Runs until SIGTERM or SIGINT; returns the process exit code.
  int run();

 private:
  void wait_for_signal();
  void reload();
  void stop();
  void finish_stop();
  void schedule_watchdog();
  Status start_http_endpoint();
  std::string status_line() const;

  boost::asio::io_context m_io;
  Metrics m_metrics;
  std::optional<HttpEndpoint> m_http;
  boost::asio::signal_set m_signals;
  boost::asio::steady_timer m_watchdog_timer;
  SystemdNotifier m_notifier;
  std::string m_config_path;
  config::Config m_config;
  std::unique_ptr<StateDirectory> m_state;
  SystemClock m_clock;
  std::unique_ptr<Pipeline> m_pipeline;
  bool m_stopping = false;
};

}  // namespace newsmon::daemon
