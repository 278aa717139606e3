#pragma once
// `type: log`: one INFO line per alert on the daemon's log (stderr/journald).
#include <memory>
#include <string>

#include "alerts/sink.hpp"

namespace spdlog {
class logger;
}

namespace newsmon::alerts {

// The line the log sink writes, without the logger's prefix.
std::string log_line(const Alert& alert);

class LogSink final : public Sink {
 public:
  LogSink(std::string name, std::shared_ptr<spdlog::logger> logger);
  const std::string& name() const override { return m_name; }
  void deliver(const Alert& alert, DeliveryCallback done) override;

 private:
  std::string m_name;
  std::shared_ptr<spdlog::logger> m_logger;
};

}  // namespace newsmon::alerts
