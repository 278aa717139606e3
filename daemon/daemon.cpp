#include "daemon/daemon.hpp"

#include <spdlog/spdlog.h>

#include <csignal>
#include <cstdio>

#include "config/loader.hpp"
#include "daemon/logging.hpp"

namespace newsmon::daemon {
namespace {

constexpr std::chrono::seconds k_stop_flush_budget{5};

}  // namespace

Daemon::Daemon(std::string config_path, config::Config config,
               std::unique_ptr<StateDirectory> state)
    : m_signals(m_io, SIGINT, SIGTERM, SIGHUP),
      m_watchdog_timer(m_io),
      m_config_path(std::move(config_path)),
      m_config(std::move(config)),
      m_state(std::move(state)) {}

int Daemon::run() {
  if (auto started = start_http_endpoint(); !started) {
    spdlog::error("{}", started.error().message);
    return 1;
  }
  try {
    m_pipeline = std::make_unique<Pipeline>(m_io, m_config, m_state->database(), m_metrics, m_clock);
    m_pipeline->start([](const CycleSummary& summary) {
      std::printf("%s\n", summary.line().c_str());
      std::fflush(stdout);
    });
  } catch (const std::exception& error) {  // start-up: a bad sink or an unusable state store
    spdlog::error("cannot start: {}", error.what());
    return 1;
  }
  m_metrics.set("newsmon_up", {}, 1);
  wait_for_signal();
  schedule_watchdog();
  spdlog::info("newsmon ready: {} (config {})", status_line(), m_config_path);
  m_notifier.ready(status_line());
  m_io.run();
  spdlog::info("newsmon stopped");
  return 0;
}

void Daemon::wait_for_signal() {
  m_signals.async_wait([this](const boost::system::error_code& error, int signal) {
    if (error) {
      return;
    }
    if (signal == SIGHUP) {
      reload();
      wait_for_signal();
    } else {
      spdlog::info("received {}, stopping", signal == SIGTERM ? "SIGTERM" : "SIGINT");
      stop();
    }
  });
}

void Daemon::reload() {
  m_notifier.reloading();
  spdlog::info("reloading {}", m_config_path);
  auto loaded = config::load_config_file(m_config_path);
  if (!loaded.config) {
    for (const auto& error : loaded.errors) {
      spdlog::error("reload rejected: {}", error.to_string());
    }
    std::string status = "reload rejected (" + std::to_string(loaded.errors.size()) +
                         " config errors); still running the previous config: " + status_line();
    spdlog::error("{}", status);
    m_metrics.increment("newsmon_config_reloads_total", {{"result", "rejected"}});
    m_notifier.ready(status);
    return;
  }
  if (loaded.config->state_dir != m_config.state_dir) {
    spdlog::warn("state_dir changed to {}; it takes effect at the next restart",
                 loaded.config->state_dir);
    loaded.config->state_dir = m_config.state_dir;
  }
  m_config = std::move(*loaded.config);
  set_log_level(m_config.log_level);
  m_pipeline->reconfigure(m_config);
  m_metrics.increment("newsmon_config_reloads_total", {{"result", "applied"}});
  spdlog::info("reloaded: {}", status_line());
  m_notifier.ready(status_line());
}

void Daemon::stop() {
  if (m_stopping) {
    return;
  }
  m_stopping = true;
  m_notifier.stopping();
  m_signals.cancel();
  // In-flight fetches are decided and the outbox gets a moment to drain; what
  // is left is delivered at the next start.
  m_pipeline->stop(k_stop_flush_budget, [this] { finish_stop(); });
}

void Daemon::finish_stop() {
  m_watchdog_timer.cancel();
  if (m_http) {
    m_http->close();
  }
  m_pipeline.reset();
  m_io.stop();
}

Status Daemon::start_http_endpoint() {
  if (m_config.http.listen.empty()) {
    return ok_status();
  }
  m_http.emplace(
      m_io, [this] { return m_metrics.render_prometheus(); },
      [this] { return HealthReport{!m_stopping, m_stopping ? "stopping" : ""}; });
  auto listening = m_http->listen(m_config.http.listen);
  if (listening) {
    spdlog::info("http endpoint on port {}: /metrics, /healthz", m_http->port());
  }
  return listening;
}

void Daemon::schedule_watchdog() {
  auto interval = m_notifier.watchdog_interval();
  if (!interval || m_stopping) {
    return;
  }
  // Half the period, as sd_watchdog_enabled(3) advises; a stalled loop misses it.
  m_watchdog_timer.expires_after(*interval / 2);
  m_watchdog_timer.async_wait([this](const boost::system::error_code& error) {
    if (error) {
      return;
    }
    m_notifier.watchdog();
    schedule_watchdog();
  });
}

std::string Daemon::status_line() const {
  std::string line = "watching " + std::to_string(config::enabled_feed_count(m_config)) + " feeds, " +
                     std::to_string(m_config.alerts.size()) + " sinks";
  if (m_http) {
    line += ", http port " + std::to_string(m_http->port());
  }
  return line;
}

}  // namespace newsmon::daemon
