#pragma once
// The optional `http.listen` endpoint: GET /metrics (Prometheus text) and
// GET /healthz (200 while the event loop is healthy). Runs on the daemon's
// io_context; one short request per connection.
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <functional>
#include <string>

#include "common/result.hpp"

namespace newsmon::daemon {

struct HealthReport {
  bool healthy = true;
  std::string detail;
};

class HttpEndpoint {
 public:
  using MetricsText = std::function<std::string()>;
  using HealthCheck = std::function<HealthReport()>;

  HttpEndpoint(boost::asio::io_context& io, MetricsText metrics, HealthCheck health);

  // "host:port"; port 0 picks a free one (see port()).
  Status listen(const std::string& address);
  unsigned short port() const;
  void close();

 private:
  void accept();

  boost::asio::io_context& m_io;
  boost::asio::ip::tcp::acceptor m_acceptor;
  MetricsText m_metrics;
  HealthCheck m_health;
};

}  // namespace newsmon::daemon
