#pragma once
// Test support: a real HTTP/1.1 server (Boost.Beast) on 127.0.0.1, port 0,
// running in its own threads, with scripted routes. Tests add a handler per
// path, point the code under test at url(path), and then inspect what the
// server received. Handlers run on the server's threads.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace newsmon::testing {

struct ReceivedRequest {
  std::string method;
  std::string target;                          // path and query
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string body;
  int connection = 0;  // which accepted connection carried it (1, 2, ...)

  // The header's value, or "" when absent.
  std::string header(const std::string& lower_name) const;
};

// How a handler answers. The default is a plain response with a
// Content-Length; the other shapes script misbehaving servers.
struct ScriptedResponse {
  enum class Shape {
    normal,
    gzip,           // body sent gzip-compressed with Content-Encoding: gzip
    trickle,        // one byte of body every trickle_interval, forever
    endless,        // chunked body that never ends
    close_at_once,  // close the connection without answering
  };
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  Shape shape = Shape::normal;
  // Held before answering (a slow server); the concurrency counters see the
  // request in flight for this long.
  std::chrono::milliseconds delay{0};
  std::chrono::milliseconds trickle_interval{200};

  static ScriptedResponse text(int status, std::string body, std::string content_type = "text/xml");
  ScriptedResponse& with(std::string name, std::string value);
};

using RouteHandler = std::function<ScriptedResponse(const ReceivedRequest&)>;

class HttpServer {
 public:
  HttpServer();  // listening on 127.0.0.1:0 when constructed
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  std::uint16_t port() const { return m_port; }
  // "http://127.0.0.1:PORT" + path
  std::string url(const std::string& path) const;

  // Routes match the path exactly (query ignored); unknown paths get 404.
  void route(const std::string& path, RouteHandler handler);
  // A fixed answer.
  void route(const std::string& path, ScriptedResponse response);

  std::vector<ReceivedRequest> requests() const;
  std::vector<ReceivedRequest> requests_for(const std::string& path) const;
  int request_count(const std::string& path) const;
  int connections_accepted() const { return m_connections_accepted.load(); }
  // The most requests that were being answered at the same time.
  int max_concurrent_requests() const { return m_max_concurrent.load(); }

 private:
  struct State;
  void accept_loop();
  void serve(int connection_id, int fd);
  std::shared_ptr<State> m_state;
  std::uint16_t m_port = 0;
  std::atomic<int> m_connections_accepted{0};
  std::atomic<int> m_concurrent{0};
  std::atomic<int> m_max_concurrent{0};
};

// `input` compressed by zlib; window_bits: 15 zlib stream, -15 raw deflate,
// 15 + 16 gzip.
std::string zlib_encode(const std::string& input, int window_bits, int level = 6);

}  // namespace newsmon::testing
