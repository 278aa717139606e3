#include <spdlog/spdlog.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <csignal>
#include <cstdio>
#include <iostream>

#include "common/clock.hpp"
#include "common/metrics.hpp"
#include "config/loader.hpp"
#include "config/units.hpp"
#include "daemon/commands.hpp"
#include "daemon/pipeline.hpp"

namespace newsmon::daemon {

int command_once(const std::vector<std::string>& args) {
  ParsedArgs parsed = parse_args(args, {{"--config", "-c", true}, {"--deliver-timeout", "", true}});
  int exit_code = k_exit_ok;
  auto config_path = config_path_of("once", parsed, exit_code);
  if (!config_path) {
    return exit_code;
  }
  std::chrono::milliseconds deliver_budget = std::chrono::seconds(10);
  if (auto it = parsed.options.find("--deliver-timeout"); it != parsed.options.end()) {
    auto budget = config::parse_duration(it->second);
    if (!budget) {
      return usage_error("once", "--deliver-timeout takes a duration like 10s, got '" + it->second + "'");
    }
    deliver_budget = *budget;
  }
  auto startup = start_up(*config_path, exit_code);
  if (!startup) {
    return exit_code;
  }

  boost::asio::io_context io;
  SystemClock clock;
  Metrics metrics;
  std::optional<CycleSummary> summary;
  std::unique_ptr<Pipeline> pipeline;
  try {
    pipeline = std::make_unique<Pipeline>(io, startup->config, startup->state->database(), metrics, clock);
  } catch (const std::exception& error) {  // start-up: a bad sink or an unusable state store
    spdlog::error("cannot start: {}", error.what());
    return k_exit_failure;
  }
  // Interrupted: stop where we are; decided alerts stay in the outbox.
  boost::asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&io](const boost::system::error_code& error, int) {
    if (!error) {
      spdlog::warn("interrupted; undelivered alerts stay in the outbox for the next run");
      io.stop();
    }
  });
  pipeline->run_once(deliver_budget, [&](const CycleSummary& result) {
    summary = result;
    signals.cancel();
    io.stop();
  });
  io.run();
  pipeline.reset();
  if (!summary) {
    return k_exit_failure;
  }
  std::printf("%s\n", summary->line().c_str());
  if (summary->pending > 0) {
    spdlog::error("{} alerts could not be delivered within {}; they stay in the outbox for the next run",
                  summary->pending, config::format_duration(deliver_budget));
    return k_exit_failure;
  }
  return k_exit_ok;
}

}  // namespace newsmon::daemon
