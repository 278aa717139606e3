#include "daemon/http_endpoint.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/ip/address.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <memory>

namespace newsmon::daemon {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
using tcp = boost::asio::ip::tcp;

constexpr auto k_request_timeout = std::chrono::seconds(10);

// One connection: read a request, answer, close.
class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, HttpEndpoint::MetricsText metrics, HttpEndpoint::HealthCheck health)
      : m_stream(std::move(socket)), m_metrics(std::move(metrics)), m_health(std::move(health)) {}

  void start() {
    m_stream.expires_after(k_request_timeout);
    http::async_read(m_stream, m_buffer, m_request,
                     [self = shared_from_this()](beast::error_code error, std::size_t) {
                       if (!error) {
                         self->respond();
                       }
                     });
  }

 private:
  void respond() {
    m_response.version(m_request.version());
    m_response.keep_alive(false);
    m_response.set(http::field::server, "newsmon");
    const auto target = m_request.target();
    if (m_request.method() != http::verb::get && m_request.method() != http::verb::head) {
      m_response.result(http::status::method_not_allowed);
      m_response.body() = "only GET\n";
    } else if (target == "/metrics") {
      m_response.result(http::status::ok);
      m_response.set(http::field::content_type, "text/plain; version=0.0.4; charset=utf-8");
      m_response.body() = m_metrics();
    } else if (target == "/healthz") {
      HealthReport report = m_health();
      m_response.result(report.healthy ? http::status::ok : http::status::service_unavailable);
      m_response.set(http::field::content_type, "text/plain; charset=utf-8");
      m_response.body() = (report.healthy ? "ok" : "unhealthy") +
                          (report.detail.empty() ? "" : ": " + report.detail) + "\n";
    } else {
      m_response.result(http::status::not_found);
      m_response.body() = "not found; try /metrics or /healthz\n";
    }
    m_response.prepare_payload();
    http::async_write(m_stream, m_response,
                      [self = shared_from_this()](beast::error_code, std::size_t) {
                        beast::error_code ignored;
                        self->m_stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
                      });
  }

  beast::tcp_stream m_stream;
  beast::flat_buffer m_buffer;
  http::request<http::empty_body> m_request;
  http::response<http::string_body> m_response;
  HttpEndpoint::MetricsText m_metrics;
  HttpEndpoint::HealthCheck m_health;
};

}  // namespace

HttpEndpoint::HttpEndpoint(boost::asio::io_context& io, MetricsText metrics, HealthCheck health)
    : m_io(io), m_acceptor(io), m_metrics(std::move(metrics)), m_health(std::move(health)) {}

Status HttpEndpoint::listen(const std::string& address) {
  auto colon = address.rfind(':');
  boost::system::error_code error;
  auto host = boost::asio::ip::make_address(address.substr(0, colon), error);
  if (error) {
    return Error{"http.listen: '" + address + "' is not an IP address and port: " + error.message()};
  }
  tcp::endpoint endpoint(host, static_cast<unsigned short>(std::stoi(address.substr(colon + 1))));
  m_acceptor.open(endpoint.protocol(), error);
  if (!error) {
    m_acceptor.set_option(tcp::acceptor::reuse_address(true), error);
  }
  if (!error) {
    m_acceptor.bind(endpoint, error);
  }
  if (!error) {
    m_acceptor.listen(boost::asio::socket_base::max_listen_connections, error);
  }
  if (error) {
    return Error{"http.listen: cannot listen on " + address + ": " + error.message()};
  }
  accept();
  return ok_status();
}

unsigned short HttpEndpoint::port() const {
  boost::system::error_code error;
  return m_acceptor.local_endpoint(error).port();
}

void HttpEndpoint::close() {
  boost::system::error_code ignored;
  m_acceptor.close(ignored);
}

void HttpEndpoint::accept() {
  m_acceptor.async_accept([this](boost::system::error_code error, tcp::socket socket) {
    if (error == boost::asio::error::operation_aborted) {
      return;
    }
    if (!error) {
      std::make_shared<Session>(std::move(socket), m_metrics, m_health)->start();
    } else {
      spdlog::warn("http endpoint: accept failed: {}", error.message());
    }
    accept();
  });
}

}  // namespace newsmon::daemon
