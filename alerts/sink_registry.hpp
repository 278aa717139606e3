#pragma once
// The explicit table from a sink's `type:` to its factory (no static
// self-registration): adding a sink type is one row here.
#include <memory>
#include <span>
#include <string>

#include "alerts/sink.hpp"
#include "common/clock.hpp"
#include "common/result.hpp"
#include "config/config.hpp"

namespace spdlog {
class logger;
}

namespace newsmon::net {
class HttpClient;
}

namespace newsmon::alerts {

// What factories may need from the daemon. `http` may be null when no
// webhook sink is configured; a webhook factory then fails.
struct SinkEnvironment {
  net::HttpClient* http = nullptr;
  const Clock* clock = nullptr;
  std::shared_ptr<spdlog::logger> logger;  // the log sink's logger; null: spdlog's default
  std::string user_agent = "newsmon";
};

using SinkFactory = Result<std::unique_ptr<Sink>> (*)(const config::SinkConfig&,
                                                      const SinkEnvironment&);

struct SinkRegistration {
  config::SinkType type;
  SinkFactory create;
};

std::span<const SinkRegistration> sink_registry();

// Errors name the sink: "alerts.<name>: ...".
Result<std::unique_ptr<Sink>> make_sink(const config::SinkConfig& config,
                                        const SinkEnvironment& environment);

}  // namespace newsmon::alerts
