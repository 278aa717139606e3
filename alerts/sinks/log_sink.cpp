#include "alerts/sinks/log_sink.hpp"

#include <spdlog/spdlog.h>

namespace newsmon::alerts {

std::string log_line(const Alert& alert) {
  const std::string date =
      alert.item.published ? format_utc(*alert.item.published) : std::string("unknown");
  // Quoted title: a title may hold spaces and "=" and must stay one field.
  std::string title;
  title.reserve(alert.item.title.size() + 2);
  title += '"';
  for (char c : alert.item.title) {
    if (c == '"' || c == '\\') {
      title += '\\';
    }
    title += (c == '\n' || c == '\r') ? ' ' : c;
  }
  title += '"';
  std::string line = alert.event == AlertEvent::new_story ? "new story " : "story update ";
  line += alert.story_id + " feed=" + alert.feed.name + " title=" + title +
          " link=" + alert.item.link + " date=" + date;
  if (alert.event == AlertEvent::story_update) {
    line += " sources=" + std::to_string(alert.sources.size());
  }
  return line;
}

LogSink::LogSink(std::string name, std::shared_ptr<spdlog::logger> logger)
    : m_name(std::move(name)), m_logger(std::move(logger)) {}

void LogSink::deliver(const Alert& alert, DeliveryCallback done) {
  m_logger->info("{}", log_line(alert));
  done(DeliveryOk{});
}

}  // namespace newsmon::alerts
