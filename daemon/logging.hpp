#pragma once
#include "config/config.hpp"

namespace newsmon::daemon {

// Logs go to stderr. When journald reads stderr (JOURNAL_STREAM is set) the
// lines carry a `<N>` syslog priority prefix and no timestamp of their own,
// since the journal adds both time and unit.
void setup_logging(config::LogLevel level);
void set_log_level(config::LogLevel level);

}  // namespace newsmon::daemon
