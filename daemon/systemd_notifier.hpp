#pragma once
// The daemon's side of the sd_notify(3) protocol. Without NOTIFY_SOCKET (not
// under systemd) every call is a no-op.
#include <chrono>
#include <optional>
#include <string>

namespace newsmon::daemon {

class SystemdNotifier {
 public:
  void ready(const std::string& status) const;
  void reloading() const;
  void stopping() const;
  void status(const std::string& status) const;
  void watchdog() const;
  // The keep-alive period systemd expects (WATCHDOG_USEC), if it set one.
  std::optional<std::chrono::microseconds> watchdog_interval() const;
};

}  // namespace newsmon::daemon
