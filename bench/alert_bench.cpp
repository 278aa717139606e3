// Alert delivery, measured on the real daemon: a loopback feed server and a
// loopback webhook receiver around `newsmon run`.
//
//  latency:    a feed gains one story; time from the server answering that
//              poll to the receiver getting the alert (fetch, parse, dedup,
//              outbox commit, dispatch, POST). The poll interval adds up to
//              one interval on top, by configuration.
//  throughput: a feed gains N stories at once; alerts/s through the webhook
//              sink (one in flight per sink, in order), first POST to last.
//
// usage: alert_bench NEWSMON_BINARY [ROUNDS] [BURST]
#include <signal.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <mutex>
#include <numeric>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/http_server.hpp"
#include "tests/support/process.hpp"

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using newsmon::testing::ChildProcess;
using newsmon::testing::HttpServer;
using newsmon::testing::ReceivedRequest;
using newsmon::testing::ScriptedResponse;
using newsmon::testing::TempDir;

namespace {

// Story texts over a large made-up vocabulary (syllable words drawn per story),
// so two stories share few terms and dedup keeps them apart.
std::string story_text(int n) {
  static const char* k_syllables[] = {"ka", "lo", "mi", "ren", "tu", "sa", "vel", "dor", "qui",
                                      "bra", "zen", "pa", "nor", "lix", "te", "gor", "fu", "shi",
                                      "wen", "da", "mo", "rik", "sel", "ta", "vu", "hax", "ne",
                                      "jor", "pli", "cu", "ost", "yam"};
  std::mt19937 random(static_cast<unsigned>(n) * 2654435761u + 17u);
  std::uniform_int_distribution<int> syllable(0, 31);
  std::string text;
  for (int word = 0; word < 80; ++word) {
    for (int part = 0; part < 3; ++part) {
      text += k_syllables[syllable(random)];
    }
    text += word % 12 == 11 ? ". " : " ";
  }
  return text;
}

std::string feed_with(int first, int count) {
  std::string xml = "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>bench</title>";
  for (int n = first + count - 1; n >= first; --n) {
    xml += "<item><title>Story " + std::to_string(n) + "</title><guid>story-" + std::to_string(n) +
           "</guid><link>https://bench.example/" + std::to_string(n) + "</link><description>" +
           story_text(n) + "</description></item>";
  }
  return xml + "</channel></rss>";
}

struct Timeline {
  std::mutex mutex;
  std::string feed = feed_with(0, 0);
  Clock::time_point last_feed_change_served{};
  bool change_pending = false;
  std::vector<Clock::time_point> served_change;  // per story, when its feed was served
  std::vector<Clock::time_point> received;       // per alert, when the receiver got it
};

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: alert_bench NEWSMON_BINARY [ROUNDS] [BURST]\n");
    return 2;
  }
  const std::string binary = argv[1];
  const int rounds = argc > 2 ? std::stoi(argv[2]) : 20;
  const int burst = argc > 3 ? std::stoi(argv[3]) : 2000;

  TempDir dir;
  HttpServer server;
  Timeline timeline;
  server.route("/feed.xml", [&timeline](const ReceivedRequest&) {
    std::lock_guard lock(timeline.mutex);
    if (timeline.change_pending) {
      timeline.served_change.push_back(Clock::now());
      timeline.change_pending = false;
    }
    return ScriptedResponse::text(200, timeline.feed, "application/rss+xml");
  });
  server.route("/hook", [&timeline](const ReceivedRequest&) {
    std::lock_guard lock(timeline.mutex);
    timeline.received.push_back(Clock::now());
    return ScriptedResponse::text(200, "ok", "text/plain");
  });
  std::string config = dir.write(
      "config.yaml", "state_dir: " + dir.path() + "/state\nlog_level: warn\nfirst_poll: alert\n"
                     "feeds:\n  - {name: bench, url: \"" + server.url("/feed.xml") +
                     "\", interval: 1s}\nalerts:\n  - {type: webhook, url: \"" + server.url("/hook") +
                     "\", max_attempts: 3}\n");
  ChildProcess daemon({binary, "run", "-c", config}, {}, dir.path() + "/daemon.err");

  auto wait_for_alerts = [&timeline](std::size_t count, std::chrono::seconds limit) {
    auto deadline = Clock::now() + limit;
    while (Clock::now() < deadline) {
      {
        std::lock_guard lock(timeline.mutex);
        if (timeline.received.size() >= count) {
          return true;
        }
      }
      std::this_thread::sleep_for(1ms);
    }
    return false;
  };

  std::vector<double> latencies_ms;
  for (int round = 0; round < rounds; ++round) {
    {
      std::lock_guard lock(timeline.mutex);
      timeline.feed = feed_with(0, round + 1);
      timeline.change_pending = true;
    }
    if (!wait_for_alerts(static_cast<std::size_t>(round + 1), 30s)) {
      std::fprintf(stderr, "round %d: no alert within 30 s\n", round);
      return 1;
    }
    std::lock_guard lock(timeline.mutex);
    latencies_ms.push_back(std::chrono::duration<double, std::milli>(
                               timeline.received.back() - timeline.served_change.back())
                               .count());
  }
  std::sort(latencies_ms.begin(), latencies_ms.end());
  double mean = std::accumulate(latencies_ms.begin(), latencies_ms.end(), 0.0) /
                static_cast<double>(latencies_ms.size());
  std::printf("latency (feed served -> webhook received), %d rounds: mean %.2f ms, p50 %.2f ms, "
              "max %.2f ms\n",
              rounds, mean, latencies_ms[latencies_ms.size() / 2], latencies_ms.back());

  std::size_t before = 0;
  {
    std::lock_guard lock(timeline.mutex);
    before = timeline.received.size();
    timeline.feed = feed_with(0, rounds + burst);
  }
  if (!wait_for_alerts(before + static_cast<std::size_t>(burst), 300s)) {
    std::fprintf(stderr, "burst: not every alert arrived\n");
    return 1;
  }
  {
    std::lock_guard lock(timeline.mutex);
    double seconds = std::chrono::duration<double>(timeline.received.back() -
                                                   timeline.received[before]).count();
    std::printf("throughput: %d alerts through the webhook sink in %.3f s = %.0f alerts/s\n", burst,
                seconds, (burst - 1) / seconds);
  }
  daemon.signal(SIGTERM);
  auto code = daemon.wait(30s);
  return code == 0 ? 0 : 1;
}
