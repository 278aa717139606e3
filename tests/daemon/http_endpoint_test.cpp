#include "daemon/http_endpoint.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <thread>

#include "common/metrics.hpp"

namespace newsmon::daemon {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
using ::testing::HasSubstr;

http::response<http::string_body> get(unsigned short port, const std::string& target,
                                      http::verb verb = http::verb::get) {
  boost::asio::io_context io;
  beast::tcp_stream stream(io);
  stream.connect(boost::asio::ip::tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), port));
  http::request<http::empty_body> request(verb, target, 11);
  request.set(http::field::host, "127.0.0.1");
  http::write(stream, request);
  beast::flat_buffer buffer;
  http::response<http::string_body> response;
  http::read(stream, buffer, response);
  return response;
}

class HttpEndpointTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(endpoint.listen("127.0.0.1:0"));
    loop = std::thread([this] { io.run(); });
  }
  void TearDown() override {
    boost::asio::post(io, [this] { endpoint.close(); });
    loop.join();
  }

  Metrics metrics;
  bool healthy = true;
  boost::asio::io_context io;
  HttpEndpoint endpoint{io, [this] { return metrics.render_prometheus(); },
                        [this] { return HealthReport{healthy, healthy ? "" : "stalled"}; }};
  std::thread loop;
};

TEST_F(HttpEndpointTest, ServesPrometheusMetrics) {
  metrics.increment("newsmon_feed_fetches_total", {{"feed", "a\"b"}, {"result", "ok"}}, 2);
  metrics.set("newsmon_up", {}, 1);
  auto response = get(endpoint.port(), "/metrics");
  EXPECT_EQ(response.result_int(), 200);
  EXPECT_THAT(std::string(response[http::field::content_type]), HasSubstr("text/plain"));
  EXPECT_THAT(response.body(), HasSubstr("# TYPE newsmon_feed_fetches_total counter\n"));
  EXPECT_THAT(response.body(),
              HasSubstr("newsmon_feed_fetches_total{feed=\"a\\\"b\",result=\"ok\"} 2\n"));
  EXPECT_THAT(response.body(), HasSubstr("newsmon_up 1\n"));
}

TEST_F(HttpEndpointTest, HealthzFollowsTheCheck) {
  EXPECT_EQ(get(endpoint.port(), "/healthz").result_int(), 200);
  healthy = false;
  auto response = get(endpoint.port(), "/healthz");
  EXPECT_EQ(response.result_int(), 503);
  EXPECT_EQ(response.body(), "unhealthy: stalled\n");
}

TEST_F(HttpEndpointTest, UnknownPathsAndMethods) {
  EXPECT_EQ(get(endpoint.port(), "/nope").result_int(), 404);
  EXPECT_EQ(get(endpoint.port(), "/metrics", http::verb::post).result_int(), 405);
}

TEST(HttpEndpoint, ListenErrorsNameTheAddress) {
  boost::asio::io_context io;
  HttpEndpoint endpoint(io, [] { return std::string(); }, [] { return HealthReport{}; });
  auto status = endpoint.listen("not-an-ip:80");
  ASSERT_FALSE(status);
  EXPECT_THAT(status.error().message, HasSubstr("http.listen: 'not-an-ip:80'"));
}

}  // namespace
}  // namespace newsmon::daemon
