#include "common/metrics.hpp"

#include <array>
#include <cassert>
#include <cmath>
#include <cstdio>

namespace newsmon {
namespace {

struct MetricDefinition {
  std::string_view name;
  std::string_view type;  // counter | gauge
  std::string_view help;
};

constexpr std::array k_metric_definitions = {
    MetricDefinition{"newsmon_feed_fetches_total", "counter", "Feed fetches by feed and result."},
    MetricDefinition{"newsmon_feed_fetch_bytes_total", "counter", "Feed body bytes received."},
    MetricDefinition{"newsmon_feed_items_total", "counter", "Items parsed from feeds."},
    MetricDefinition{"newsmon_feed_parse_errors_total", "counter", "Feed bodies that could not be parsed."},
    MetricDefinition{"newsmon_feed_consecutive_failures", "gauge", "Failures in a row per feed."},
    MetricDefinition{"newsmon_dedup_decisions_total", "counter", "Dedup decisions by kind."},
    MetricDefinition{"newsmon_dedup_window_items", "gauge", "Items held in the dedup window."},
    MetricDefinition{"newsmon_alerts_enqueued_total", "counter", "Alerts written to the outbox per sink."},
    MetricDefinition{"newsmon_alerts_delivered_total", "counter", "Alerts accepted by a sink."},
    MetricDefinition{"newsmon_alerts_retried_total", "counter", "Delivery attempts that will be retried."},
    MetricDefinition{"newsmon_alerts_dead_lettered_total", "counter", "Alerts given up after max attempts."},
    MetricDefinition{"newsmon_outbox_pending", "gauge", "Alerts waiting in the outbox per sink."},
    MetricDefinition{"newsmon_config_reloads_total", "counter", "Config reloads by result."},
    MetricDefinition{"newsmon_up", "gauge", "1 while the daemon runs."},
};

[[maybe_unused]] const MetricDefinition* find_definition(std::string_view name) {
  for (const auto& definition : k_metric_definitions) {
    if (definition.name == name) {
      return &definition;
    }
  }
  return nullptr;
}

std::string render_labels(const Labels& labels) {
  if (labels.empty()) {
    return {};
  }
  std::string out = "{";
  for (std::size_t i = 0; i < labels.size(); ++i) {
    out += i == 0 ? "" : ",";
    out += labels[i].first + "=\"";
    for (char c : labels[i].second) {
      switch (c) {
        case '\\': out += "\\\\"; break;
        case '"': out += "\\\""; break;
        case '\n': out += "\\n"; break;
        default: out += c;
      }
    }
    out += "\"";
  }
  return out + "}";
}

std::string format_value(double value) {
  if (std::floor(value) == value && std::fabs(value) < 1e15) {
    return std::to_string(static_cast<long long>(value));
  }
  char buffer[64];
  std::snprintf(buffer, sizeof(buffer), "%.17g", value);
  return buffer;
}

}  // namespace

void Metrics::increment(std::string_view name, const Labels& labels, double by) {
  assert(find_definition(name) != nullptr && "metric not declared in k_metric_definitions");
  std::lock_guard lock(m_mutex);
  auto it = m_series.find(name);
  if (it == m_series.end()) {
    it = m_series.emplace(std::string(name), Series{}).first;
  }
  it->second[render_labels(labels)] += by;
}

void Metrics::set(std::string_view name, const Labels& labels, double value) {
  assert(find_definition(name) != nullptr && "metric not declared in k_metric_definitions");
  std::lock_guard lock(m_mutex);
  auto it = m_series.find(name);
  if (it == m_series.end()) {
    it = m_series.emplace(std::string(name), Series{}).first;
  }
  it->second[render_labels(labels)] = value;
}

double Metrics::value(std::string_view name, const Labels& labels) const {
  std::lock_guard lock(m_mutex);
  auto it = m_series.find(name);
  if (it == m_series.end()) {
    return 0;
  }
  auto series = it->second.find(render_labels(labels));
  return series == it->second.end() ? 0 : series->second;
}

std::string Metrics::render_prometheus() const {
  std::lock_guard lock(m_mutex);
  std::string out;
  for (const auto& definition : k_metric_definitions) {
    auto it = m_series.find(definition.name);
    if (it == m_series.end()) {
      continue;
    }
    out += "# HELP " + std::string(definition.name) + " " + std::string(definition.help) + "\n";
    out += "# TYPE " + std::string(definition.name) + " " + std::string(definition.type) + "\n";
    for (const auto& [labels, value] : it->second) {
      out += std::string(definition.name) + labels + " " + format_value(value) + "\n";
    }
  }
  return out;
}

}  // namespace newsmon
