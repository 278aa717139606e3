// HttpClient against a real loopback HTTP server.
#include "net/http_client.hpp"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <optional>

#include "net/content_decoding.hpp"
#include "net/url.hpp"
#include "tests/support/http_server.hpp"
#include "tests/support/io_loop.hpp"
#include "tests/support/process.hpp"

namespace newsmon::net {
namespace {

using testing::HttpServer;
using testing::ScriptedResponse;
using Shape = ScriptedResponse::Shape;
using namespace std::chrono_literals;

class HttpClientTest : public ::testing::Test {
 protected:
  HttpResult fetch(HttpRequest request, HttpClientOptions options = {}) {
    HttpClient client(m_io, options);
    std::optional<HttpResult> result;
    client.perform(std::move(request), [&](HttpResult r) { result = std::move(r); });
    EXPECT_TRUE(testing::run_until(m_io, [&] { return result.has_value(); }));
    return result ? std::move(*result) : HttpResult(HttpError{HttpFailure::other, "no result"});
  }
  static HttpRequest get(std::string url) {
    HttpRequest request;
    request.url = std::move(url);
    request.user_agent = "newsmon-test/1";
    return request;
  }
  static const HttpResponse& response(const HttpResult& result) {
    if (const auto* error = std::get_if<HttpError>(&result)) {
      ADD_FAILURE() << "transport error: " << error->message;
      static const HttpResponse k_empty;
      return k_empty;
    }
    return std::get<HttpResponse>(result);
  }

  boost::asio::io_context m_io;
  HttpServer m_server;
};

TEST_F(HttpClientTest, GetsBodyHeadersAndSendsUserAgentAndCustomHeaders) {
  m_server.route("/feed", ScriptedResponse::text(200, "<rss/>").with("ETag", "\"abc\""));
  auto request = get(m_server.url("/feed"));
  request.headers.emplace_back("If-None-Match", "\"old\"");
  const auto result = fetch(request);
  const auto& got = response(result);
  EXPECT_EQ(got.status, 200);
  EXPECT_EQ(got.body, "<rss/>");
  EXPECT_EQ(got.headers.at("etag"), "\"abc\"");
  EXPECT_EQ(got.effective_url, m_server.url("/feed"));
  const auto seen = m_server.requests_for("/feed");
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].header("user-agent"), "newsmon-test/1");
  EXPECT_EQ(seen[0].header("if-none-match"), "\"old\"");
}

TEST_F(HttpClientTest, HttpErrorStatusIsAResponseNotAFailure) {
  m_server.route("/gone", ScriptedResponse::text(410, "gone"));
  EXPECT_EQ(response(fetch(get(m_server.url("/gone")))).status, 410);
}

TEST_F(HttpClientTest, DecodesGzipAndAdvertisesEncodings) {
  const std::string body(200'000, 'a');
  ScriptedResponse scripted = ScriptedResponse::text(200, body);
  scripted.shape = Shape::gzip;
  m_server.route("/gz", scripted);
  const auto result = fetch(get(m_server.url("/gz")));
  EXPECT_EQ(response(result).body, body);
  const auto accepted = m_server.requests_for("/gz").at(0).header("accept-encoding");
  EXPECT_NE(accepted.find("gzip"), std::string::npos) << accepted;
}

TEST_F(HttpClientTest, AdvertisesEveryEncodingItDecodes) {
  m_server.route("/plain", ScriptedResponse::text(200, "<rss/>"));
  EXPECT_EQ(response(fetch(get(m_server.url("/plain")))).body, "<rss/>");
  EXPECT_EQ(m_server.requests_for("/plain").at(0).header("accept-encoding"), k_accept_encoding);
}

TEST_F(HttpClientTest, ABodyThatDoesNotDecodeIsAFailureNotAShortBody) {
  m_server.route("/broken", ScriptedResponse::text(200, "not gzip at all").with("Content-Encoding", "gzip"));
  const auto broken = fetch(get(m_server.url("/broken")));
  ASSERT_TRUE(std::holds_alternative<HttpError>(broken));
  EXPECT_EQ(std::get<HttpError>(broken).kind, HttpFailure::other);
  EXPECT_NE(std::get<HttpError>(broken).message.find("gzip"), std::string::npos);

  m_server.route("/odd", ScriptedResponse::text(200, "x").with("Content-Encoding", "compress"));
  const auto odd = fetch(get(m_server.url("/odd")));
  ASSERT_TRUE(std::holds_alternative<HttpError>(odd));
  EXPECT_NE(std::get<HttpError>(odd).message.find("compress"), std::string::npos);
}

TEST_F(HttpClientTest, NotAskingForCompressionLeavesTheBodyAsSent) {
  m_server.route("/raw", ScriptedResponse::text(200, "as sent").with("Content-Encoding", "gzip"));
  auto request = get(m_server.url("/raw"));
  request.accept_compressed = false;
  EXPECT_EQ(response(fetch(request)).body, "as sent");
  EXPECT_EQ(m_server.requests_for("/raw").at(0).header("accept-encoding"), "");
}

TEST_F(HttpClientTest, WhilePausedRequestsQueueAndStartOnResume) {
  m_server.route("/q", ScriptedResponse::text(200, "q"));
  HttpClient client(m_io, {});
  client.set_paused(true);
  int done = 0;
  for (int i = 0; i < 3; ++i) {
    client.perform(get(m_server.url("/q")), [&](HttpResult result) {
      EXPECT_EQ(response(result).body, "q");
      ++done;
    });
  }
  // Starting is synchronous in perform(): nothing started means nothing will.
  EXPECT_EQ(client.running(), 0u);
  EXPECT_EQ(client.in_flight(), 3u);
  m_io.restart();
  m_io.poll();
  EXPECT_EQ(done, 0);
  EXPECT_TRUE(m_server.requests_for("/q").empty());
  client.set_paused(false);
  EXPECT_EQ(client.running(), 3u);
  ASSERT_TRUE(testing::run_until(m_io, [&] { return done == 3; }));
  EXPECT_EQ(m_server.requests_for("/q").size(), 3u);
}

TEST_F(HttpClientTest, BodyCapAppliesToDecodedBytesSoAGzipBombStops) {
  ScriptedResponse scripted = ScriptedResponse::text(200, std::string(4 << 20, 'a'));
  scripted.shape = Shape::gzip;  // a few KB on the wire
  m_server.route("/bomb", scripted);
  auto request = get(m_server.url("/bomb"));
  request.max_body = 1 << 20;
  const auto result = fetch(request);
  ASSERT_TRUE(std::holds_alternative<HttpError>(result));
  EXPECT_EQ(std::get<HttpError>(result).kind, HttpFailure::too_large);
}

TEST_F(HttpClientTest, EndlessChunkedBodyIsCutAtTheCap) {
  ScriptedResponse scripted;
  scripted.shape = Shape::endless;
  m_server.route("/endless", scripted);
  auto request = get(m_server.url("/endless"));
  request.max_body = 2 << 20;
  const auto result = fetch(request);
  ASSERT_TRUE(std::holds_alternative<HttpError>(result));
  EXPECT_EQ(std::get<HttpError>(result).kind, HttpFailure::too_large);
}

TEST_F(HttpClientTest, DeclaredLengthOverTheCapFailsEarly) {
  m_server.route("/big", ScriptedResponse::text(200, std::string(300'000, 'b')));
  auto request = get(m_server.url("/big"));
  request.max_body = 100'000;
  const auto result = fetch(request);
  ASSERT_TRUE(std::holds_alternative<HttpError>(result));
  EXPECT_EQ(std::get<HttpError>(result).kind, HttpFailure::too_large);
}

TEST_F(HttpClientTest, TricklingServerHitsTheLowSpeedTimeout) {
  ScriptedResponse scripted;
  scripted.shape = Shape::trickle;
  scripted.trickle_interval = 100ms;
  m_server.route("/slow", scripted);
  auto request = get(m_server.url("/slow"));
  request.low_speed_bytes = 1000;
  request.low_speed_time = 1s;
  const auto result = fetch(request);
  ASSERT_TRUE(std::holds_alternative<HttpError>(result));
  EXPECT_EQ(std::get<HttpError>(result).kind, HttpFailure::timeout);
}

TEST_F(HttpClientTest, RecordsEveryRedirectHop) {
  m_server.route("/old", ScriptedResponse::text(301, "").with("Location", "/middle"));
  m_server.route("/middle", ScriptedResponse::text(302, "").with("Location", m_server.url("/new")));
  m_server.route("/new", ScriptedResponse::text(200, "here"));
  const auto result = fetch(get(m_server.url("/old")));
  const auto& got = response(result);
  EXPECT_EQ(got.body, "here");
  EXPECT_EQ(got.effective_url, m_server.url("/new"));
  const std::vector<std::pair<long, std::string>> hops = {{301, m_server.url("/middle")},
                                                          {302, m_server.url("/new")}};
  EXPECT_EQ(got.redirects, hops);
}

TEST_F(HttpClientTest, RedirectLoopFails) {
  m_server.route("/a", ScriptedResponse::text(302, "").with("Location", "/b"));
  m_server.route("/b", ScriptedResponse::text(302, "").with("Location", "/a"));
  const auto result = fetch(get(m_server.url("/a")));
  ASSERT_TRUE(std::holds_alternative<HttpError>(result));
  EXPECT_EQ(std::get<HttpError>(result).kind, HttpFailure::too_many_redirects);
  EXPECT_LE(m_server.requests().size(), 6u);  // the first request and at most 5 hops
}

TEST_F(HttpClientTest, RedirectToAFileUrlIsRefusedEvenWhenFileUrlsAreAllowed) {
  m_server.route("/sneaky", ScriptedResponse::text(302, "").with("Location", "file:///etc/passwd"));
  HttpClientOptions options;
  options.allow_file_urls = true;
  const auto result = fetch(get(m_server.url("/sneaky")), options);
  ASSERT_TRUE(std::holds_alternative<HttpError>(result));
}

TEST_F(HttpClientTest, ConnectionRefusedIsAConnectFailure) {
  std::uint16_t closed_port = 0;
  {
    HttpServer gone;
    closed_port = gone.port();
  }
  const auto result = fetch(get("http://127.0.0.1:" + std::to_string(closed_port) + "/x"));
  ASSERT_TRUE(std::holds_alternative<HttpError>(result));
  EXPECT_EQ(std::get<HttpError>(result).kind, HttpFailure::connect);
}

TEST_F(HttpClientTest, FileUrlsOnlyWhenAllowed) {
  testing::TempDir dir;
  const std::string path = dir.write("feed.xml", "<rss>local</rss>");
  const auto refused = fetch(get("file://" + path));
  ASSERT_TRUE(std::holds_alternative<HttpError>(refused));

  HttpClientOptions options;
  options.allow_file_urls = true;
  const auto allowed = fetch(get("file://" + path), options);
  EXPECT_EQ(response(allowed).status, 200);
  EXPECT_EQ(response(allowed).body, "<rss>local</rss>");
}

TEST_F(HttpClientTest, RejectsOtherSchemesAndMalformedUrls) {
  for (const char* url : {"ftp://127.0.0.1/feed", "gopher://x/", "not a url", ""}) {
    const auto result = fetch(get(url));
    EXPECT_TRUE(std::holds_alternative<HttpError>(result)) << url;
  }
}

TEST_F(HttpClientTest, PostsBody) {
  m_server.route("/hook", ScriptedResponse::text(202, "accepted"));
  auto request = get(m_server.url("/hook"));
  request.method = "POST";
  request.body = R"({"event":"new_story"})";
  request.headers.emplace_back("Content-Type", "application/json");
  EXPECT_EQ(response(fetch(request)).status, 202);
  const auto seen = m_server.requests_for("/hook").at(0);
  EXPECT_EQ(seen.method, "POST");
  EXPECT_EQ(seen.body, request.body);
  EXPECT_EQ(seen.header("content-type"), "application/json");
}

TEST_F(HttpClientTest, ReusesConnectionsAndRespectsThePerHostCap) {
  ScriptedResponse slow = ScriptedResponse::text(200, "ok");
  slow.delay = 50ms;
  m_server.route("/slow", slow);
  HttpClientOptions options;
  options.max_per_host = 2;
  options.max_total = 10;
  HttpClient client(m_io, options);
  constexpr int k_requests = 12;
  int done = 0;
  for (int i = 0; i < k_requests; ++i) {
    client.perform(get(m_server.url("/slow?n=" + std::to_string(i))), [&](HttpResult result) {
      EXPECT_EQ(response(result).status, 200);
      ++done;
    });
  }
  EXPECT_EQ(client.in_flight(), static_cast<std::size_t>(k_requests));
  ASSERT_TRUE(testing::run_until(m_io, [&] { return done == k_requests; }));
  EXPECT_EQ(client.in_flight(), 0u);
  EXPECT_EQ(m_server.max_concurrent_requests(), 2);
  EXPECT_LE(m_server.connections_accepted(), 2);
  // FIFO: with two in flight, the k-th request to arrive is one of the
  // first k+2 submitted (LIFO or random order would break this quickly).
  const auto seen = m_server.requests();
  ASSERT_EQ(seen.size(), static_cast<std::size_t>(k_requests));
  for (std::size_t k = 0; k < seen.size(); ++k) {
    const int n = std::stoi(seen[k].target.substr(std::string("/slow?n=").size()));
    EXPECT_LE(n, static_cast<int>(k) + 1) << "arrival " << k;
  }
}

TEST_F(HttpClientTest, OneSlowHostDoesNotBlockAnother) {
  ScriptedResponse stall = ScriptedResponse::text(200, "late");
  stall.delay = 2s;
  m_server.route("/stall", stall);
  HttpServer other;
  other.route("/fast", ScriptedResponse::text(200, "fast"));
  HttpClientOptions options;
  options.max_per_host = 1;
  HttpClient client(m_io, options);
  bool stalled_done = false;
  bool fast_done = false;
  client.perform(get(m_server.url("/stall")), [&](HttpResult) { stalled_done = true; });
  client.perform(get(m_server.url("/stall")), [&](HttpResult) {});
  client.perform(get(other.url("/fast")), [&](HttpResult result) {
    EXPECT_EQ(response(result).body, "fast");
    fast_done = true;
  });
  ASSERT_TRUE(testing::run_until(m_io, [&] { return fast_done; }));
  EXPECT_FALSE(stalled_done);
}

TEST_F(HttpClientTest, DestroyingTheClientCancelsPendingRequests) {
  ScriptedResponse stall = ScriptedResponse::text(200, "late");
  stall.delay = 500ms;
  m_server.route("/stall", stall);
  int cancelled = 0;
  {
    HttpClientOptions options;
    options.max_per_host = 1;
    HttpClient client(m_io, options);
    for (int i = 0; i < 3; ++i) {
      client.perform(get(m_server.url("/stall")), [&](HttpResult result) {
        ASSERT_TRUE(std::holds_alternative<HttpError>(result));
        ++cancelled;
      });
    }
    testing::run_until(m_io, [&] { return m_server.request_count("/stall") > 0; }, 5s);
  }
  ASSERT_TRUE(testing::run_until(m_io, [&] { return cancelled == 3; }));
}

TEST_F(HttpClientTest, ACallbackMayDestroyTheClient) {
  m_server.route("/x", ScriptedResponse::text(200, "x"));
  auto client = std::make_unique<HttpClient>(m_io, HttpClientOptions{});
  int calls = 0;
  for (int i = 0; i < 4; ++i) {
    client->perform(get(m_server.url("/x")), [&](HttpResult) {
      ++calls;
      client.reset();
    });
  }
  ASSERT_TRUE(testing::run_until(m_io, [&] { return calls == 4; }));
  EXPECT_EQ(client, nullptr);
}

TEST(UrlTest, HostKeyAndResolution) {
  EXPECT_EQ(host_key("http://Example.ORG/feed"), "example.org");
  EXPECT_EQ(host_key("https://example.org:8443/x"), "example.org:8443");
  EXPECT_EQ(host_key("::"), "");
  EXPECT_EQ(resolve_url("http://a.example/x/y", "/z"), "http://a.example/z");
  EXPECT_EQ(resolve_url("http://a.example/x/y", "w"), "http://a.example/x/w");
  EXPECT_EQ(resolve_url("http://a.example/x", "https://b.example/"), "https://b.example/");
  ASSERT_TRUE(parse_url("HTTPS://h.example/").has_value());
  EXPECT_EQ(parse_url("HTTPS://h.example/")->scheme, "https");
}

}  // namespace
}  // namespace newsmon::net
