#pragma once
// Counters and gauges with labels, rendered in the Prometheus text format for
// /metrics. Every metric is declared once in k_metric_definitions (metrics.cpp)
// with its type and help text; recording an undeclared name is a bug.
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace newsmon {

using Labels = std::vector<std::pair<std::string, std::string>>;

class Metrics {
 public:
  void increment(std::string_view name, const Labels& labels = {}, double by = 1.0);
  void set(std::string_view name, const Labels& labels, double value);
  double value(std::string_view name, const Labels& labels = {}) const;
  std::string render_prometheus() const;

 private:
  using Series = std::map<std::string, double>;  // rendered label set → value
  mutable std::mutex m_mutex;
  std::map<std::string, Series, std::less<>> m_series;
};

}  // namespace newsmon
