#include "net/http_client.hpp"

#include <curl/curl.h>
#include <poll.h>

#include <algorithm>
#include <cassert>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cctype>
#include <cstdint>
#include <deque>
#include <mutex>
#include <set>
#include <string_view>
#include <unordered_map>

#include "common/strings.hpp"
#include "net/content_decoding.hpp"
#include "net/url.hpp"

namespace newsmon::net {
namespace {

struct EasyDeleter {
  void operator()(CURL* easy) const { curl_easy_cleanup(easy); }
};
using EasyHandle = std::unique_ptr<CURL, EasyDeleter>;

struct MultiDeleter {
  void operator()(CURLM* multi) const { curl_multi_cleanup(multi); }
};
using MultiHandle = std::unique_ptr<CURLM, MultiDeleter>;

struct SlistDeleter {
  void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};
using SlistHandle = std::unique_ptr<curl_slist, SlistDeleter>;

// curl_global_init is not thread-safe on every build; do it once per process.
void global_init() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

HttpFailure failure_kind(CURLcode code) {
  switch (code) {
    case CURLE_OPERATION_TIMEDOUT:
      return HttpFailure::timeout;
    case CURLE_FILESIZE_EXCEEDED:
      return HttpFailure::too_large;
    case CURLE_TOO_MANY_REDIRECTS:
      return HttpFailure::too_many_redirects;
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_COULDNT_CONNECT:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
      return HttpFailure::connect;
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_INVALIDCERTSTATUS:
      return HttpFailure::tls;
    default:
      return HttpFailure::other;
  }
}

// A body being received. With a declared length it lands in one string of
// that size. Without one it goes in fixed-size blocks joined once at the
// end: appending to one string would reallocate it through 16, 32, 64,
// 128 KiB for every concurrent transfer, and the allocator would keep the
// fragmented heap: measured peak RSS grew with concurrency (70 MB at 64).
class BodyBuffer {
 public:
  std::size_t size() const { return m_size; }
  // The Content-Length of the response about to be received (a redirect
  // hop's body is never delivered, so a later call replaces the guess).
  void expect(std::size_t bytes) {
    if (m_size == 0) {
      m_whole.clear();
      m_whole.reserve(bytes);
      m_expected = true;
    }
  }
  void append(const char* data, std::size_t bytes) {
    m_size += bytes;
    if (m_expected) {
      m_whole.append(data, bytes);  // grows only if the server's length was wrong
      return;
    }
    while (bytes > 0) {
      if (m_blocks.empty() || m_blocks.back().size() == k_block) {
        m_blocks.emplace_back().reserve(k_block);
      }
      std::string& block = m_blocks.back();
      const std::size_t take = std::min(bytes, k_block - block.size());
      block.append(data, take);
      data += take;
      bytes -= take;
    }
  }
  std::string take() {
    if (m_expected) {
      m_size = 0;
      return std::move(m_whole);
    }
    std::string body;
    body.reserve(m_size);
    for (const auto& block : m_blocks) {
      body += block;
    }
    m_blocks.clear();
    m_size = 0;
    return body;
  }

 private:
  static constexpr std::size_t k_block = 64 * 1024;
  std::vector<std::string> m_blocks;
  std::string m_whole;
  bool m_expected = false;
  std::size_t m_size = 0;
};

}  // namespace

class HttpClient::Impl {
 public:
  Impl(boost::asio::io_context& io, HttpClientOptions options);
  ~Impl();
  Impl(const Impl&) = delete;
  Impl& operator=(const Impl&) = delete;

  void perform(HttpRequest request, HttpCallback done);
  void set_paused(bool paused);
  std::size_t in_flight() const { return m_active.size() + m_queued; }
  std::size_t running() const { return m_active.size(); }

 private:
  // One request from perform() to its callback.
  struct Transfer {
    Impl* owner = nullptr;
    HttpRequest request;
    HttpCallback done;
    std::string host;
    bool is_file = false;
    EasyHandle easy;
    SlistHandle headers;
    HttpResponse response;
    BodyBuffer body;
    std::string current_url;  // the URL of the hop being received
    std::string location;     // Location of the hop being received
    bool too_large = false;
    bool encoded = false;  // the response being received has a Content-Encoding
    char error[CURL_ERROR_SIZE] = {};
  };
  using TransferPtr = std::unique_ptr<Transfer>;

  // A socket curl asked us to watch. curl owns the descriptor: it is
  // released, never closed, when curl says CURL_POLL_REMOVE.
  struct Watch {
    explicit Watch(boost::asio::io_context& io, curl_socket_t fd) : descriptor(io, fd), socket(fd) {}
    boost::asio::posix::stream_descriptor descriptor;
    curl_socket_t socket;
    int wanted = CURL_POLL_NONE;
    bool reading = false;
    bool writing = false;
    bool removed = false;
  };
  using WatchPtr = std::shared_ptr<Watch>;

  // Per-host FIFO of requests waiting for a slot.
  struct Host {
    int active = 0;
    std::deque<std::pair<std::uint64_t, TransferPtr>> waiting;
  };

  static int on_socket(CURL* easy, curl_socket_t socket, int what, void* user, void* socket_user);
  static int on_timer(CURLM* multi, long timeout_ms, void* user);
  static std::size_t on_body(char* data, std::size_t size, std::size_t count, void* user);
  static std::size_t on_header(char* data, std::size_t size, std::size_t count, void* user);

  void watch(curl_socket_t socket, int what);
  void arm(const WatchPtr& watch);
  void socket_ready(const WatchPtr& watch, int direction);
  void timer_expired();
  // Reports finished transfers; false when a callback destroyed the client.
  bool drain_messages();

  void enqueue(TransferPtr transfer);
  void dispatch();
  bool start(TransferPtr transfer);
  // Removes a finished transfer and returns its callback with the result.
  std::pair<HttpCallback, HttpResult> finish(CURL* easy, CURLcode code);
  void mark_ready(const std::string& host);
  void complete(HttpCallback done, HttpResult result);
  std::optional<HttpError> configure(Transfer& transfer) const;

  boost::asio::io_context& m_io;
  HttpClientOptions m_options;
  ContentDecoder m_decoder;
  MultiHandle m_multi;
  boost::asio::steady_timer m_timer;
  bool m_timeout_posted = false;
  // Handlers queued on the io_context may outlive the client: they share
  // this flag, cleared by the destructor, and do nothing once it is false.
  std::shared_ptr<bool> m_alive = std::make_shared<bool>(true);
  std::unordered_map<curl_socket_t, WatchPtr> m_watches;
  std::unordered_map<CURL*, TransferPtr> m_active;
  std::unordered_map<std::string, Host> m_hosts;
  // Hosts with a waiting request and a free slot, ordered by the sequence
  // number of their oldest waiting request: that gives FIFO across hosts.
  std::set<std::pair<std::uint64_t, std::string>> m_ready;
  std::uint64_t m_sequence = 0;
  std::size_t m_queued = 0;
  bool m_paused = false;
};

HttpClient::Impl::Impl(boost::asio::io_context& io, HttpClientOptions options)
    : m_io(io), m_options(options), m_timer(io) {
  global_init();
  m_options.max_total = std::max(1, m_options.max_total);
  m_options.max_per_host = std::max(1, m_options.max_per_host);
  m_multi.reset(curl_multi_init());
  if (!m_multi) {
    throw std::runtime_error("curl_multi_init failed");
  }
  CURLM* multi = m_multi.get();
  curl_multi_setopt(multi, CURLMOPT_SOCKETFUNCTION, &Impl::on_socket);
  curl_multi_setopt(multi, CURLMOPT_SOCKETDATA, this);
  curl_multi_setopt(multi, CURLMOPT_TIMERFUNCTION, &Impl::on_timer);
  curl_multi_setopt(multi, CURLMOPT_TIMERDATA, this);
  curl_multi_setopt(multi, CURLMOPT_MAX_TOTAL_CONNECTIONS, static_cast<long>(m_options.max_total));
  curl_multi_setopt(multi, CURLMOPT_MAX_HOST_CONNECTIONS, static_cast<long>(m_options.max_per_host));
  // Keep idle connections for reuse by the next poll cycle.
  curl_multi_setopt(multi, CURLMOPT_MAXCONNECTS, static_cast<long>(m_options.max_total));
  curl_multi_setopt(multi, CURLMOPT_PIPELINING, CURLPIPE_MULTIPLEX);
}

HttpClient::Impl::~Impl() {
  *m_alive = false;
  m_timer.cancel();
  std::vector<HttpCallback> cancelled;
  for (auto& [easy, transfer] : m_active) {
    curl_multi_remove_handle(m_multi.get(), easy);
    cancelled.push_back(std::move(transfer->done));
  }
  m_active.clear();
  for (auto& [name, host] : m_hosts) {
    for (auto& [sequence, transfer] : host.waiting) {
      cancelled.push_back(std::move(transfer->done));
    }
  }
  m_hosts.clear();
  m_multi.reset();
  for (auto& [socket, watch] : m_watches) {
    watch->removed = true;
    watch->descriptor.release();
  }
  m_watches.clear();
  for (auto& done : cancelled) {
    complete(std::move(done), HttpError{HttpFailure::other, "cancelled: HTTP client shut down"});
  }
}

void HttpClient::Impl::complete(HttpCallback done, HttpResult result) {
  // Later, never from inside perform(), so a caller's state is consistent.
  boost::asio::post(m_io, [done = std::move(done), result = std::move(result)]() mutable {
    done(std::move(result));
  });
}

void HttpClient::Impl::perform(HttpRequest request, HttpCallback done) {
  auto transfer = std::make_unique<Transfer>();
  transfer->owner = this;
  transfer->request = std::move(request);
  transfer->done = std::move(done);
  const auto parts = parse_url(transfer->request.url);
  if (!parts) {
    complete(std::move(transfer->done),
             HttpError{HttpFailure::other, "malformed URL: " + transfer->request.url});
    return;
  }
  const bool web = parts->scheme == "http" || parts->scheme == "https";
  const bool file = parts->scheme == "file" && m_options.allow_file_urls;
  if (!web && !file) {
    complete(std::move(transfer->done),
             HttpError{HttpFailure::other, "URL scheme '" + parts->scheme + "' is not allowed: " +
                                               transfer->request.url});
    return;
  }
  transfer->host = host_key(transfer->request.url);
  transfer->is_file = file;
  enqueue(std::move(transfer));
  dispatch();
}

void HttpClient::Impl::enqueue(TransferPtr transfer) {
  const std::string host_name = transfer->host;
  Host& host = m_hosts[host_name];
  host.waiting.emplace_back(m_sequence++, std::move(transfer));
  ++m_queued;
  if (host.waiting.size() == 1 && host.active < m_options.max_per_host) {
    mark_ready(host_name);
  }
}

void HttpClient::Impl::mark_ready(const std::string& host_name) {
  const Host& host = m_hosts[host_name];
  if (!host.waiting.empty() && host.active < m_options.max_per_host) {
    m_ready.emplace(host.waiting.front().first, host_name);
  }
}

void HttpClient::Impl::set_paused(bool paused) {
  m_paused = paused;
  if (!m_paused) {
    dispatch();
  }
}

void HttpClient::Impl::dispatch() {
  while (!m_paused && !m_ready.empty() && m_active.size() < static_cast<std::size_t>(m_options.max_total)) {
    const std::string host_name = m_ready.begin()->second;
    m_ready.erase(m_ready.begin());
    Host& host = m_hosts[host_name];
    TransferPtr transfer = std::move(host.waiting.front().second);
    host.waiting.pop_front();
    --m_queued;
    ++host.active;
    mark_ready(host_name);
    if (!start(std::move(transfer))) {
      --host.active;
      mark_ready(host_name);
    }
  }
}

std::optional<HttpError> HttpClient::Impl::configure(Transfer& transfer) const {
  CURL* easy = transfer.easy.get();
  const HttpRequest& request = transfer.request;
  auto set = [&](CURLoption option, auto value) {
    return curl_easy_setopt(easy, option, value) == CURLE_OK;
  };
  bool ok = set(CURLOPT_URL, request.url.c_str());
  ok = ok && set(CURLOPT_PRIVATE, &transfer);
  ok = ok && set(CURLOPT_ERRORBUFFER, transfer.error);
  ok = ok && set(CURLOPT_NOSIGNAL, 1L);
  ok = ok && set(CURLOPT_WRITEFUNCTION, &Impl::on_body);
  ok = ok && set(CURLOPT_WRITEDATA, &transfer);
  ok = ok && set(CURLOPT_HEADERFUNCTION, &Impl::on_header);
  ok = ok && set(CURLOPT_HEADERDATA, &transfer);
  ok = ok && set(CURLOPT_PROTOCOLS_STR, m_options.allow_file_urls ? "http,https,file" : "http,https");
  // A redirect may never lead to a local file, whatever the options say.
  ok = ok && set(CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  ok = ok && set(CURLOPT_FOLLOWLOCATION, request.max_redirects > 0 ? 1L : 0L);
  ok = ok && set(CURLOPT_MAXREDIRS, static_cast<long>(std::max(0, request.max_redirects)));
  ok = ok && set(CURLOPT_TIMEOUT_MS, static_cast<long>(request.timeout.count()));
  ok = ok && set(CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(request.connect_timeout.count()));
  ok = ok && set(CURLOPT_LOW_SPEED_LIMIT, request.low_speed_bytes);
  ok = ok && set(CURLOPT_LOW_SPEED_TIME, static_cast<long>(request.low_speed_time.count()));
  // A declared length over the cap fails before any byte of the body; the
  // write callback enforces the cap on what is actually decoded.
  ok = ok && set(CURLOPT_MAXFILESIZE_LARGE, static_cast<curl_off_t>(request.max_body));
  ok = ok && set(CURLOPT_HTTP_VERSION, static_cast<long>(CURL_HTTP_VERSION_2TLS));
  ok = ok && set(CURLOPT_PIPEWAIT, 1L);
  if (request.accept_compressed) {
    // Sent by curl, decoded by ContentDecoder in finish().
    ok = ok && set(CURLOPT_ACCEPT_ENCODING, k_accept_encoding);
    ok = ok && set(CURLOPT_HTTP_CONTENT_DECODING, 0L);
  }
  if (!request.user_agent.empty()) {
    ok = ok && set(CURLOPT_USERAGENT, request.user_agent.c_str());
  }
  for (const auto& [name, value] : request.headers) {
    const std::string line = name + ": " + value;
    curl_slist* appended = curl_slist_append(transfer.headers.get(), line.c_str());
    if (appended == nullptr) {
      return HttpError{HttpFailure::other, "out of memory building request headers"};
    }
    if (!transfer.headers) {
      transfer.headers.reset(appended);
    }
  }
  if (transfer.headers) {
    ok = ok && set(CURLOPT_HTTPHEADER, transfer.headers.get());
  }
  if (request.method == "POST") {
    ok = ok && set(CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
    ok = ok && set(CURLOPT_COPYPOSTFIELDS, request.body.c_str());
  } else if (request.method != "GET") {
    return HttpError{HttpFailure::other, "unsupported HTTP method " + request.method};
  }
  if (!ok) {
    return HttpError{HttpFailure::other, "cannot configure transfer for " + request.url};
  }
  return std::nullopt;
}

bool HttpClient::Impl::start(TransferPtr transfer) {
  transfer->easy.reset(curl_easy_init());
  transfer->current_url = transfer->request.url;
  std::optional<HttpError> error;
  if (!transfer->easy) {
    error = HttpError{HttpFailure::other, "curl_easy_init failed"};
  } else {
    error = configure(*transfer);
  }
  if (!error && curl_multi_add_handle(m_multi.get(), transfer->easy.get()) != CURLM_OK) {
    error = HttpError{HttpFailure::other, "curl_multi_add_handle failed"};
  }
  if (error) {
    complete(std::move(transfer->done), std::move(*error));
    return false;
  }
  CURL* easy = transfer->easy.get();
  m_active.emplace(easy, std::move(transfer));
  return true;
}

std::size_t HttpClient::Impl::on_body(char* data, std::size_t size, std::size_t count, void* user) {
  auto* transfer = static_cast<Transfer*>(user);
  const std::size_t bytes = size * count;
  // Encoded bytes are decoded whole in finish(), where the cap applies to
  // the decoded size (a compression bomb stops there). On the wire an
  // encoded body may be a little larger than its content (headers, stored
  // blocks), never by this much.
  const std::uint64_t cap = transfer->encoded
                                ? transfer->request.max_body + transfer->request.max_body / 16 + 65536
                                : transfer->request.max_body;
  if (transfer->body.size() + bytes > cap) {
    transfer->too_large = true;
    return 0;  // makes curl abort the transfer with CURLE_WRITE_ERROR
  }
  transfer->body.append(data, bytes);
  return bytes;
}

std::size_t HttpClient::Impl::on_header(char* data, std::size_t size, std::size_t count, void* user) {
  auto* transfer = static_cast<Transfer*>(user);
  const std::size_t bytes = size * count;
  const std::string_view line(data, bytes);
  HttpResponse& response = transfer->response;
  if (line.starts_with("HTTP/")) {
    // A new response: an interim 1xx, a redirect hop or the final one.
    const auto space = line.find(' ');
    response.status = space == std::string_view::npos
                          ? 0
                          : std::strtol(std::string(line.substr(space + 1, 3)).c_str(), nullptr, 10);
    response.headers.clear();
    transfer->location.clear();
    transfer->encoded = false;
    return bytes;
  }
  const std::string_view content = trim_ascii_space(line);
  if (content.empty()) {
    // End of this response's headers: record a redirect curl will follow.
    const bool redirect = response.status >= 300 && response.status < 400 && response.status != 304;
    if (redirect && !transfer->location.empty() && transfer->request.max_redirects > 0) {
      const std::string target = resolve_url(transfer->current_url, transfer->location);
      response.redirects.emplace_back(response.status, target);
      transfer->current_url = target;
    }
    return bytes;
  }
  const auto colon = content.find(':');
  if (colon == std::string_view::npos) {
    return bytes;
  }
  std::string name = ascii_lower(trim_ascii_space(content.substr(0, colon)));
  std::string value(trim_ascii_space(content.substr(colon + 1)));
  if (name == "location") {
    transfer->location = value;
  } else if (name == "content-length" && response.status >= 200 && response.status < 300) {
    // Only a success carries the body it declares (a 304 may state the
    // length of the body it does not send).
    char* end = nullptr;
    const unsigned long long length = std::strtoull(value.c_str(), &end, 10);
    if (end != value.c_str() && *end == '\0') {
      transfer->body.expect(static_cast<std::size_t>(
          std::min<unsigned long long>(length, transfer->request.max_body)));
    }
  } else if (name == "content-encoding") {
    transfer->encoded = transfer->request.accept_compressed;
  }
  response.headers[std::move(name)] = std::move(value);
  return bytes;
}

std::pair<HttpCallback, HttpResult> HttpClient::Impl::finish(CURL* easy, CURLcode code) {
  const auto found = m_active.find(easy);
  assert(found != m_active.end() && "curl finished a transfer we do not own");
  TransferPtr transfer = std::move(found->second);
  m_active.erase(found);
  curl_multi_remove_handle(m_multi.get(), easy);

  HttpResult result = HttpError{};
  std::optional<DecodeError> undecodable;
  if (code == CURLE_OK && transfer->encoded) {
    const auto encoding = transfer->response.headers.find("content-encoding");
    DecodeResult decoded = m_decoder.decode(
        encoding == transfer->response.headers.end() ? std::string_view() : encoding->second,
        transfer->body.take(), transfer->request.max_body);
    if (auto* body = std::get_if<std::string>(&decoded)) {
      transfer->response.body = std::move(*body);
    } else {
      undecodable = std::move(std::get<DecodeError>(decoded));
    }
  } else if (code == CURLE_OK) {
    transfer->response.body = transfer->body.take();
  }
  if (undecodable) {
    HttpError error;
    error.kind = undecodable->kind == DecodeFailure::too_large ? HttpFailure::too_large
                                                               : HttpFailure::other;
    error.message = std::move(undecodable->message);
    result = std::move(error);
  } else if (code == CURLE_OK) {
    HttpResponse& response = transfer->response;
    long status = 0;
    curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
    // file:// has no status line; a file that could be read is a 200.
    response.status = status == 0 && transfer->is_file ? 200 : status;
    char* effective = nullptr;
    curl_easy_getinfo(easy, CURLINFO_EFFECTIVE_URL, &effective);
    response.effective_url = effective != nullptr ? effective : transfer->request.url;
    curl_off_t total = 0;
    curl_easy_getinfo(easy, CURLINFO_TOTAL_TIME_T, &total);
    response.total_time = std::chrono::microseconds(total);
    result = std::move(response);
  } else {
    HttpError error;
    error.kind = transfer->too_large ? HttpFailure::too_large : failure_kind(code);
    std::string detail = transfer->error[0] != '\0' ? transfer->error : curl_easy_strerror(code);
    if (error.kind == HttpFailure::too_large) {
      detail = "body exceeds " + std::to_string(transfer->request.max_body) + " bytes";
    } else if (error.kind == HttpFailure::too_many_redirects) {
      for (const auto& [status, target] : transfer->response.redirects) {
        detail += "; " + std::to_string(status) + " -> " + target;
      }
    }
    error.message = detail;
    result = std::move(error);
  }

  Host& host = m_hosts[transfer->host];
  const bool was_full = host.active >= m_options.max_per_host;
  --host.active;
  if (was_full) {
    mark_ready(transfer->host);
  }
  if (host.active == 0 && host.waiting.empty()) {
    m_hosts.erase(transfer->host);
  }
  return {std::move(transfer->done), std::move(result)};
}

bool HttpClient::Impl::drain_messages() {
  std::vector<std::pair<HttpCallback, HttpResult>> finished;
  int left = 0;
  while (CURLMsg* message = curl_multi_info_read(m_multi.get(), &left)) {
    if (message->msg == CURLMSG_DONE) {
      finished.push_back(finish(message->easy_handle, message->data.result));
    }
  }
  if (finished.empty()) {
    return true;
  }
  // Run the callbacks now rather than posting them: a posted result waits
  // behind every queued socket event while new transfers keep finishing,
  // and the bodies pile up (measured: 500 of 1,000 bodies alive at once).
  // The freed slots are refilled after them, so that a consumer that pauses
  // the client from a callback holds back the next transfers already.
  // A callback may destroy the client; then nothing of it is touched again.
  const std::shared_ptr<bool> alive = m_alive;
  boost::asio::io_context& io = m_io;
  for (auto& [done, result] : finished) {
    if (!*alive) {
      // Still exactly once: the rest are reported later.
      boost::asio::post(io, [done = std::move(done), result = std::move(result)]() mutable {
        done(std::move(result));
      });
    } else {
      done(std::move(result));
    }
  }
  if (*alive) {
    dispatch();
  }
  return *alive;
}

int HttpClient::Impl::on_socket(CURL* /*easy*/, curl_socket_t socket, int what, void* user,
                                void* /*socket_user*/) {
  static_cast<Impl*>(user)->watch(socket, what);
  return 0;
}

void HttpClient::Impl::watch(curl_socket_t socket, int what) {
  auto found = m_watches.find(socket);
  if (what == CURL_POLL_REMOVE) {
    if (found != m_watches.end()) {
      found->second->removed = true;
      found->second->descriptor.release();  // cancels our waits; curl closes the fd
      m_watches.erase(found);
    }
    return;
  }
  if (found == m_watches.end()) {
    found = m_watches.emplace(socket, std::make_shared<Watch>(m_io, socket)).first;
  }
  found->second->wanted = what;
  arm(found->second);
}

void HttpClient::Impl::arm(const WatchPtr& watch) {
  // Asio's epoll reactor is edge-triggered: a socket that is already ready
  // may never produce a new edge, so look before waiting.
  const bool want_read = (watch->wanted & CURL_POLL_IN) != 0 && !watch->reading;
  const bool want_write = (watch->wanted & CURL_POLL_OUT) != 0 && !watch->writing;
  if (!want_read && !want_write) {
    return;
  }
  pollfd probe{watch->socket, 0, 0};
  probe.events = static_cast<short>((want_read ? POLLIN : 0) | (want_write ? POLLOUT : 0));
  const bool ready = ::poll(&probe, 1, 0) > 0;
  auto handler = [this, watch](int direction) {
    return [this, alive = m_alive, watch, direction](const boost::system::error_code& error) {
      if (!*alive) {
        return;
      }
      if (direction == CURL_CSELECT_IN) {
        watch->reading = false;
      } else {
        watch->writing = false;
      }
      if (watch->removed || error == boost::asio::error::operation_aborted) {
        return;
      }
      socket_ready(watch, error ? CURL_CSELECT_ERR : direction);
    };
  };
  const auto revents = ready ? probe.revents : 0;
  if (want_read) {
    watch->reading = true;
    if ((revents & (POLLIN | POLLHUP | POLLERR)) != 0) {
      boost::asio::post(m_io, [h = handler(CURL_CSELECT_IN)] { h({}); });
    } else {
      watch->descriptor.async_wait(boost::asio::posix::descriptor_base::wait_read,
                                   handler(CURL_CSELECT_IN));
    }
  }
  if (want_write) {
    watch->writing = true;
    if ((revents & (POLLOUT | POLLHUP | POLLERR)) != 0) {
      boost::asio::post(m_io, [h = handler(CURL_CSELECT_OUT)] { h({}); });
    } else {
      watch->descriptor.async_wait(boost::asio::posix::descriptor_base::wait_write,
                                   handler(CURL_CSELECT_OUT));
    }
  }
}

void HttpClient::Impl::socket_ready(const WatchPtr& watch, int direction) {
  const int wanted_bit = direction == CURL_CSELECT_IN ? CURL_POLL_IN : CURL_POLL_OUT;
  if (direction != CURL_CSELECT_ERR && (watch->wanted & wanted_bit) == 0) {
    return;  // curl stopped caring about this direction meanwhile
  }
  int running = 0;
  curl_multi_socket_action(m_multi.get(), watch->socket, direction, &running);
  if (drain_messages() && !watch->removed) {
    arm(watch);
  }
}

int HttpClient::Impl::on_timer(CURLM* /*multi*/, long timeout_ms, void* user) {
  auto* self = static_cast<Impl*>(user);
  if (timeout_ms < 0) {
    self->m_timer.cancel();
    return 0;
  }
  if (timeout_ms == 0) {
    // curl_multi_socket_action must not be called from inside this callback.
    self->m_timer.cancel();
    if (!self->m_timeout_posted) {
      self->m_timeout_posted = true;
      boost::asio::post(self->m_io, [self, alive = self->m_alive] {
        if (*alive) {
          self->m_timeout_posted = false;
          self->timer_expired();
        }
      });
    }
    return 0;
  }
  self->m_timer.expires_after(std::chrono::milliseconds(timeout_ms));
  self->m_timer.async_wait([self, alive = self->m_alive](const boost::system::error_code& error) {
    if (!*alive || error) {
      return;
    }
    self->timer_expired();
  });
  return 0;
}

void HttpClient::Impl::timer_expired() {
  int running = 0;
  curl_multi_socket_action(m_multi.get(), CURL_SOCKET_TIMEOUT, 0, &running);
  drain_messages();
}

HttpClient::HttpClient(boost::asio::io_context& io, HttpClientOptions options)
    : m_impl(std::make_unique<Impl>(io, options)) {}

HttpClient::~HttpClient() = default;

void HttpClient::perform(HttpRequest request, HttpCallback done) {
  m_impl->perform(std::move(request), std::move(done));
}

void HttpClient::set_paused(bool paused) { m_impl->set_paused(paused); }

std::size_t HttpClient::in_flight() const { return m_impl->in_flight(); }

std::size_t HttpClient::running() const { return m_impl->running(); }

}  // namespace newsmon::net
