// `newsmon run` under a fake systemd: the test owns NOTIFY_SOCKET and watches
// the daemon's READY / RELOADING / STATUS / STOPPING messages.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>

#include "tests/support/process.hpp"

namespace newsmon::testing {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;

constexpr auto k_timeout = 20s;

std::string config_with_feeds(const std::string& state_dir, int feeds) {
  std::string yaml = "state_dir: " + state_dir + "\nfeeds:\n";
  for (int i = 0; i < feeds; ++i) {
    yaml += "  - {name: f" + std::to_string(i) + ", url: \"http://127.0.0.1:9/f" +
            std::to_string(i) + ".xml\", interval: 1h}\n";
  }
  return yaml;
}

class RunningDaemon : public ::testing::Test {
 protected:
  void start(std::map<std::string, std::string> env = {}) {
    config_path = dir.write("config.yaml", config_with_feeds(dir.path() + "/state", 2));
    env["NOTIFY_SOCKET"] = notify.path();
    daemon.emplace(std::vector<std::string>{NEWSMON_BINARY, "run", "-c", config_path}, env,
                   dir.path() + "/stderr");
    auto ready = notify.wait_for("READY=1", k_timeout);
    ASSERT_TRUE(ready) << read_file(dir.path() + "/stderr");
    EXPECT_THAT(*ready, HasSubstr("STATUS=watching 2 feeds"));
  }

  TempDir dir;
  NotifySocket notify{dir.path() + "/notify.sock"};
  std::string config_path;
  std::optional<ChildProcess> daemon;
};

TEST_F(RunningDaemon, SigtermStopsCleanlyWithExitZero) {
  start();
  daemon->signal(SIGTERM);
  EXPECT_TRUE(notify.wait_for("STOPPING=1", k_timeout));
  EXPECT_EQ(daemon->wait(k_timeout), 0);
}

TEST_F(RunningDaemon, SigintStopsCleanlyWithExitZero) {
  start();
  daemon->signal(SIGINT);
  EXPECT_EQ(daemon->wait(k_timeout), 0);
}

TEST_F(RunningDaemon, SighupWithAValidConfigAppliesIt) {
  start();
  dir.write("config.yaml", config_with_feeds(dir.path() + "/state", 5));
  daemon->signal(SIGHUP);
  ASSERT_TRUE(notify.wait_for("RELOADING=1", k_timeout));
  auto ready = notify.wait_for("READY=1", k_timeout);
  ASSERT_TRUE(ready);
  EXPECT_THAT(*ready, HasSubstr("STATUS=watching 5 feeds"));
  daemon->signal(SIGTERM);
  EXPECT_EQ(daemon->wait(k_timeout), 0);
}

TEST_F(RunningDaemon, SighupWithAnInvalidConfigKeepsTheOldOne) {
  start();
  dir.write("config.yaml", "feeds:\n  - {name: x, url: \"ftp://nope\"}\n");
  daemon->signal(SIGHUP);
  auto ready = notify.wait_for("READY=1", k_timeout);
  ASSERT_TRUE(ready);
  EXPECT_THAT(*ready, HasSubstr("reload rejected (1 config errors)"));
  EXPECT_THAT(*ready, HasSubstr("watching 2 feeds"));
  EXPECT_THAT(read_file(dir.path() + "/stderr"),
              HasSubstr("config.yaml:2:20: feeds[0].url: URL scheme 'ftp' is not allowed"));
  // Still alive and still answering signals after the rejected reload.
  dir.write("config.yaml", config_with_feeds(dir.path() + "/state", 3));
  daemon->signal(SIGHUP);
  ready = notify.wait_for("READY=1", k_timeout);
  ASSERT_TRUE(ready);
  EXPECT_THAT(*ready, HasSubstr("watching 3 feeds"));
  daemon->signal(SIGTERM);
  EXPECT_EQ(daemon->wait(k_timeout), 0);
}

TEST_F(RunningDaemon, ASecondDaemonOnTheSameStateDirIsRefused) {
  start();
  auto second = run_process({NEWSMON_BINARY, "run", "-c", config_path});
  EXPECT_EQ(second.exit_code, 1);
  EXPECT_THAT(second.err, HasSubstr("two daemons cannot share one state_dir"));
  daemon->signal(SIGTERM);
  EXPECT_EQ(daemon->wait(k_timeout), 0);
}

TEST(StateDir, UncreatableStateDirIsAClearError) {
  // procfs refuses mkdir even for root, which the CI runs as.
  TempDir dir;
  std::string config = dir.write("config.yaml", config_with_feeds("/proc/self/newsmon-state", 1));
  auto result = run_process({NEWSMON_BINARY, "run", "-c", config});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_THAT(result.err, HasSubstr("cannot create state_dir /proc/self/newsmon-state"));
}

TEST_F(RunningDaemon, SendsWatchdogKeepAlivesWhenAsked) {
  start({{"WATCHDOG_USEC", "200000"}});
  EXPECT_TRUE(notify.wait_for("WATCHDOG=1", k_timeout));
  daemon->signal(SIGTERM);
  EXPECT_EQ(daemon->wait(k_timeout), 0);
}

}  // namespace
}  // namespace newsmon::testing
