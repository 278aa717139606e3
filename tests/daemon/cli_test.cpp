// The CLI contract of DESIGN.md, exercised on the real binary.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/support/process.hpp"

namespace newsmon::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

ProcessResult newsmon(std::vector<std::string> args, const std::string& input = {}) {
  args.insert(args.begin(), NEWSMON_BINARY);
  return run_process(args, input);
}

TEST(Cli, VersionAndHelp) {
  auto version = newsmon({"--version"});
  EXPECT_EQ(version.exit_code, 0);
  EXPECT_THAT(version.out, StartsWith("newsmon 0."));
  auto help = newsmon({"--help"});
  EXPECT_EQ(help.exit_code, 0);
  for (const char* command : {"run -c", "once -c", "check-config -c", "parse FILE", "dedup [--mode",
                              "status -c"}) {
    EXPECT_THAT(help.out, HasSubstr(command));
  }
}

TEST(Cli, BadUsageExitsTwo) {
  EXPECT_EQ(newsmon({}).exit_code, 2);
  EXPECT_EQ(newsmon({"frobnicate"}).exit_code, 2);
  auto no_config = newsmon({"check-config"});
  EXPECT_EQ(no_config.exit_code, 2);
  EXPECT_THAT(no_config.err, HasSubstr("missing -c FILE"));
  EXPECT_EQ(newsmon({"run", "-c"}).exit_code, 2);
  EXPECT_EQ(newsmon({"run", "--bogus"}).exit_code, 2);
}

TEST(Cli, CheckConfigAcceptsTheDemo) {
  auto result = newsmon({"check-config", "-c", NEWSMON_SOURCE_DIR "/examples/demo.yaml"});
  EXPECT_EQ(result.exit_code, 0) << result.out << result.err;
}

TEST(Cli, CheckConfigAcceptsTheSystemdExample) {
  auto result = run_process({NEWSMON_BINARY, "check-config", "-c",
                             NEWSMON_SOURCE_DIR "/systemd/config.yaml"},
                            {}, {{"NEWSMON_HOOK_SECRET", "x"}});
  EXPECT_EQ(result.exit_code, 0) << result.out << result.err;
}

TEST(Cli, CheckConfigPrintsThreeLocatedErrors) {
  TempDir dir;
  std::string path = dir.write("bad.yaml", R"(state_dir: /tmp/x
feeds:
  - name: a
    url: "notaurl"
    intervall: 5m
  - name: b
    url: "https://example.org/b.rss"
    enabled: sometimes
)");
  auto result = newsmon({"check-config", "-c", path});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_EQ(result.out,
            path + ":4:10: feeds[0].url: not a valid URL: 'notaurl'\n" +
            path + ":5:5: feeds[0].intervall: unknown key 'intervall' (did you mean 'interval'?)\n" +
            path + ":8:14: feeds[1].enabled: expected true or false, got 'sometimes'\n");
}

TEST(Cli, RunRejectsABadConfigWithExitTwo) {
  TempDir dir;
  std::string path = dir.write("bad.yaml", "feeds: 3\n");
  auto result = newsmon({"run", "-c", path});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_THAT(result.err, HasSubstr(":1:8: feeds: expected a list of feeds"));
}

}  // namespace
}  // namespace newsmon::testing

namespace newsmon::testing {
namespace {

// docs/config.md embeds the generated reference; regenerate with
// `build/newsmon check-config --reference` when a key changes.
TEST(Cli, ConfigReferenceDocIsCurrent) {
  auto result = run_process({NEWSMON_BINARY, "check-config", "--reference"});
  ASSERT_EQ(result.exit_code, 0);
  std::string doc = read_file(NEWSMON_SOURCE_DIR "/docs/config.md");
  ASSERT_GE(doc.size(), result.out.size());
  EXPECT_EQ(doc.substr(doc.size() - result.out.size()), result.out)
      << "docs/config.md is stale: regenerate it from check-config --reference";
}

}  // namespace
}  // namespace newsmon::testing
