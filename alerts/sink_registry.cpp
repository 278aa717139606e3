#include "alerts/sink_registry.hpp"

#include <spdlog/spdlog.h>

#include <array>

#include "alerts/sinks/archive_sink.hpp"
#include "alerts/sinks/jsonl_sink.hpp"
#include "alerts/sinks/log_sink.hpp"
#include "alerts/sinks/webhook_sink.hpp"

namespace newsmon::alerts {
namespace {

template <class T>
Result<std::unique_ptr<Sink>> upcast(Result<std::unique_ptr<T>> made) {
  if (!made.ok()) {
    return made.error();
  }
  return std::unique_ptr<Sink>(std::move(*made));
}

Result<std::unique_ptr<Sink>> make_log(const config::SinkConfig& config,
                                       const SinkEnvironment& environment) {
  auto logger = environment.logger ? environment.logger : spdlog::default_logger();
  return std::unique_ptr<Sink>(std::make_unique<LogSink>(config.name, std::move(logger)));
}

Result<std::unique_ptr<Sink>> make_webhook(const config::SinkConfig& config,
                                           const SinkEnvironment& environment) {
  if (environment.http == nullptr || environment.clock == nullptr) {
    return Error{"webhook sink needs the daemon's HTTP client and clock"};
  }
  if (config.url.empty()) {
    return Error{"webhook sink has no url"};
  }
  return std::unique_ptr<Sink>(std::make_unique<WebhookSink>(
      config, *environment.http, *environment.clock, environment.user_agent));
}

Result<std::unique_ptr<Sink>> make_archive(const config::SinkConfig& config,
                                           const SinkEnvironment&) {
  if (config.dir.empty()) {
    return Error{"archive sink has no dir"};
  }
  return upcast(ArchiveSink::open(config.name, config.dir));
}

Result<std::unique_ptr<Sink>> make_jsonl(const config::SinkConfig& config, const SinkEnvironment&) {
  return upcast(JsonlSink::open(config.name, config.path.empty() ? "-" : config.path));
}

constexpr std::array k_sink_registry = {
    SinkRegistration{config::SinkType::log, &make_log},
    SinkRegistration{config::SinkType::webhook, &make_webhook},
    SinkRegistration{config::SinkType::archive, &make_archive},
    SinkRegistration{config::SinkType::jsonl, &make_jsonl},
};

}  // namespace

std::span<const SinkRegistration> sink_registry() { return k_sink_registry; }

Result<std::unique_ptr<Sink>> make_sink(const config::SinkConfig& config,
                                        const SinkEnvironment& environment) {
  for (const auto& registration : k_sink_registry) {
    if (registration.type == config.type) {
      auto sink = registration.create(config, environment);
      if (!sink.ok()) {
        return Error{"alerts." + config.name + ": " + sink.error().message};
      }
      return sink;
    }
  }
  return Error{"alerts." + config.name + ": no sink of type " +
               std::string(config::to_string(config.type))};
}

}  // namespace newsmon::alerts
