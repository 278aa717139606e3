#pragma once
// Asynchronous HTTP over libcurl's multi *socket* interface, driven by a
// Boost.Asio io_context (CURLMOPT_SOCKETFUNCTION / CURLMOPT_TIMERFUNCTION /
// curl_multi_socket_action): no thread per request, no polling loop. The feed
// fetcher and the webhook sink share one client, so they share its connection
// cache and concurrency caps.
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "common/result.hpp"

namespace boost::asio {
class io_context;
}

namespace newsmon::net {

struct HttpClientOptions {
  int max_total = 64;     // transfers in flight at once
  int max_per_host = 6;   // transfers in flight to one host
  bool allow_file_urls = false;
};

struct HttpRequest {
  std::string url;
  std::string method = "GET";  // GET or POST
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;            // POST body
  std::string user_agent;
  std::chrono::milliseconds timeout{30'000};
  std::chrono::milliseconds connect_timeout{10'000};
  // Abort when fewer than low_speed_bytes/s arrive for low_speed_time.
  long low_speed_bytes = 64;
  std::chrono::seconds low_speed_time{15};
  std::uint64_t max_body = 8ull << 20;  // enforced while streaming, after decompression
  int max_redirects = 5;
  bool accept_compressed = true;        // Accept-Encoding: gzip, deflate, br
};

struct HttpResponse {
  long status = 0;
  std::map<std::string, std::string> headers;  // names lower-cased; last value wins
  std::string body;                            // decoded (decompressed)
  std::string effective_url;                   // after redirects
  // Each redirect followed: (status, location). A 301/308 tells the user to fix the URL.
  std::vector<std::pair<long, std::string>> redirects;
  std::chrono::microseconds total_time{0};
};

// Transport-level failure (DNS, connect, timeout, body too large, redirect
// loop, TLS); HTTP error statuses are responses, not failures.
enum class HttpFailure { timeout, too_large, too_many_redirects, connect, tls, other };

struct HttpError {
  HttpFailure kind = HttpFailure::other;
  std::string message;  // human-readable, includes curl's error text
};

using HttpResult = std::variant<HttpResponse, HttpError>;
using HttpCallback = std::function<void(HttpResult)>;

class HttpClient {
 public:
  HttpClient(boost::asio::io_context& io, HttpClientOptions options);
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // Starts the request; `done` runs later on the io_context thread, exactly once
  // (with an HttpError "cancelled" kind other if the client is destroyed first).
  void perform(HttpRequest request, HttpCallback done);

  // While paused no queued request starts (those in flight go on): a
  // consumer that falls behind pauses the client so that fetched bodies do
  // not pile up in memory. Requests still queue, in order, meanwhile.
  void set_paused(bool paused);

  std::size_t in_flight() const;  // running and queued
  std::size_t running() const;    // transfers under way now

 private:
  class Impl;
  std::unique_ptr<Impl> m_impl;
};

}  // namespace newsmon::net
