#include "tests/support/http_server.hpp"

#include <sys/socket.h>
#include <zlib.h>

#include <algorithm>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <cctype>
#include <stdexcept>
#include <thread>

namespace newsmon::testing {
namespace {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using tcp = asio::ip::tcp;

std::string lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

std::string path_of(const std::string& target) { return target.substr(0, target.find('?')); }

}  // namespace

std::string zlib_encode(const std::string& input, int window_bits, int level) {
  z_stream stream{};
  if (deflateInit2(&stream, level, Z_DEFLATED, window_bits, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
    throw std::runtime_error("deflateInit2 failed");
  }
  std::string out(deflateBound(&stream, static_cast<uLong>(input.size())) + 64, '\0');
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(input.data()));
  stream.avail_in = static_cast<uInt>(input.size());
  stream.next_out = reinterpret_cast<Bytef*>(out.data());
  stream.avail_out = static_cast<uInt>(out.size());
  const int result = deflate(&stream, Z_FINISH);
  out.resize(stream.total_out);
  deflateEnd(&stream);
  if (result != Z_STREAM_END) {
    throw std::runtime_error("deflate failed");
  }
  return out;
}

std::string ReceivedRequest::header(const std::string& lower_name) const {
  const auto found = headers.find(lower_name);
  return found == headers.end() ? std::string() : found->second;
}

ScriptedResponse ScriptedResponse::text(int status, std::string body, std::string content_type) {
  ScriptedResponse response;
  response.status = status;
  response.body = std::move(body);
  response.headers.emplace_back("Content-Type", std::move(content_type));
  return response;
}

ScriptedResponse& ScriptedResponse::with(std::string name, std::string value) {
  headers.emplace_back(std::move(name), std::move(value));
  return *this;
}

struct HttpServer::State {
  asio::io_context io;
  tcp::acceptor acceptor{io};
  std::thread accept_thread;
  mutable std::mutex mutex;
  std::map<std::string, RouteHandler> routes;
  std::vector<ReceivedRequest> requests;
  std::vector<std::thread> connections;
  std::vector<int> open_fds;
  std::atomic<bool> stopping{false};
};

HttpServer::HttpServer() : m_state(std::make_shared<State>()) {
  const tcp::endpoint endpoint(asio::ip::make_address("127.0.0.1"), 0);
  m_state->acceptor.open(endpoint.protocol());
  m_state->acceptor.set_option(tcp::acceptor::reuse_address(true));
  m_state->acceptor.bind(endpoint);
  m_state->acceptor.listen(128);
  m_port = m_state->acceptor.local_endpoint().port();
  m_state->accept_thread = std::thread([this] { accept_loop(); });
}

HttpServer::~HttpServer() {
  m_state->stopping = true;
  // Wake the blocking accept() and every blocking read/write.
  ::shutdown(m_state->acceptor.native_handle(), SHUT_RDWR);
  m_state->accept_thread.join();
  std::vector<std::thread> connections;
  {
    const std::lock_guard lock(m_state->mutex);
    for (const int fd : m_state->open_fds) {
      ::shutdown(fd, SHUT_RDWR);
    }
    connections.swap(m_state->connections);
  }
  for (auto& thread : connections) {
    thread.join();
  }
}

std::string HttpServer::url(const std::string& path) const {
  return "http://127.0.0.1:" + std::to_string(m_port) + path;
}

void HttpServer::route(const std::string& path, RouteHandler handler) {
  const std::lock_guard lock(m_state->mutex);
  m_state->routes[path] = std::move(handler);
}

void HttpServer::route(const std::string& path, ScriptedResponse response) {
  route(path, [response](const ReceivedRequest&) { return response; });
}

std::vector<ReceivedRequest> HttpServer::requests() const {
  const std::lock_guard lock(m_state->mutex);
  return m_state->requests;
}

std::vector<ReceivedRequest> HttpServer::requests_for(const std::string& path) const {
  std::vector<ReceivedRequest> matching;
  for (auto& request : requests()) {
    if (path_of(request.target) == path) {
      matching.push_back(std::move(request));
    }
  }
  return matching;
}

int HttpServer::request_count(const std::string& path) const {
  return static_cast<int>(requests_for(path).size());
}

void HttpServer::accept_loop() {
  for (;;) {
    boost::system::error_code error;
    tcp::socket socket(m_state->io);
    m_state->acceptor.accept(socket, error);
    if (error || m_state->stopping) {
      return;
    }
    const int id = ++m_connections_accepted;
    const int fd = socket.release();
    const std::lock_guard lock(m_state->mutex);
    m_state->open_fds.push_back(fd);
    m_state->connections.emplace_back([this, id, fd] { serve(id, fd); });
  }
}

void HttpServer::serve(int connection_id, int fd) {
  tcp::socket socket(m_state->io, tcp::v4(), fd);
  boost::beast::flat_buffer buffer;
  boost::system::error_code error;
  while (!m_state->stopping) {
    http::request<http::string_body> request;
    http::read(socket, buffer, request, error);
    if (error) {
      break;
    }
    ReceivedRequest received;
    received.method = std::string(request.method_string());
    received.target = std::string(request.target());
    for (const auto& field : request) {
      received.headers[lower(std::string(field.name_string()))] = std::string(field.value());
    }
    received.body = request.body();
    received.connection = connection_id;

    RouteHandler handler;
    {
      const std::lock_guard lock(m_state->mutex);
      m_state->requests.push_back(received);
      const auto found = m_state->routes.find(path_of(received.target));
      if (found != m_state->routes.end()) {
        handler = found->second;
      }
    }
    const int now_concurrent = ++m_concurrent;
    int seen = m_max_concurrent.load();
    while (now_concurrent > seen && !m_max_concurrent.compare_exchange_weak(seen, now_concurrent)) {
    }
    ScriptedResponse scripted = handler ? handler(received) : ScriptedResponse::text(404, "no route");
    if (scripted.delay.count() > 0) {
      std::this_thread::sleep_for(scripted.delay);
    }

    using Shape = ScriptedResponse::Shape;
    if (scripted.shape == Shape::close_at_once) {
      --m_concurrent;
      break;
    }
    if (scripted.shape == Shape::trickle || scripted.shape == Shape::endless) {
      // Raw bytes: Beast would insist on a complete body.
      std::string head = "HTTP/1.1 " + std::to_string(scripted.status) + " OK\r\n";
      for (const auto& [name, value] : scripted.headers) {
        head += name + ": " + value + "\r\n";
      }
      head += scripted.shape == Shape::trickle ? "Content-Length: 1000000\r\n\r\n"
                                               : "Transfer-Encoding: chunked\r\n\r\n";
      asio::write(socket, asio::buffer(head), error);
      const std::string chunk_data(64 * 1024, 'x');
      char hex[32];
      std::snprintf(hex, sizeof hex, "%zx\r\n", chunk_data.size());
      const std::string chunk = hex + chunk_data + "\r\n";
      while (!error && !m_state->stopping) {
        if (scripted.shape == Shape::trickle) {
          asio::write(socket, asio::buffer("x", 1), error);
          std::this_thread::sleep_for(scripted.trickle_interval);
        } else {
          asio::write(socket, asio::buffer(chunk), error);
        }
      }
      --m_concurrent;
      break;
    }

    http::response<http::string_body> response;
    response.version(11);
    response.result(static_cast<unsigned>(scripted.status));
    for (const auto& [name, value] : scripted.headers) {
      response.set(name, value);
    }
    if (scripted.shape == Shape::gzip) {
      response.set(http::field::content_encoding, "gzip");
      response.body() = zlib_encode(scripted.body, 15 + 16, Z_BEST_COMPRESSION);
    } else {
      response.body() = scripted.body;
    }
    response.keep_alive(request.keep_alive());
    if (request.method() == http::verb::head) {
      response.content_length(response.body().size());
      response.body().clear();
    } else {
      response.prepare_payload();
    }
    http::write(socket, response, error);
    --m_concurrent;
    if (error || !request.keep_alive()) {
      break;
    }
  }
  socket.shutdown(tcp::socket::shutdown_both, error);
  const std::lock_guard lock(m_state->mutex);
  auto& fds = m_state->open_fds;
  fds.erase(std::remove(fds.begin(), fds.end(), fd), fds.end());
}

}  // namespace newsmon::testing
