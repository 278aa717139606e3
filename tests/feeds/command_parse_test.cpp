// `newsmon parse` as a user runs it: the real binary, its stdout JSON lines
// and exit codes (DESIGN.md contract).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <sstream>

#include "tests/support/process.hpp"

namespace newsmon {
namespace {

using ::testing::HasSubstr;
using testing::run_process;
using testing::TempDir;

std::vector<nlohmann::json> json_lines(const std::string& out) {
  std::vector<nlohmann::json> lines;
  std::istringstream in(out);
  std::string line;
  while (std::getline(in, line)) {
    lines.push_back(nlohmann::json::parse(line));
  }
  return lines;
}

const char* const k_rss =
    "<rss version=\"2.0\"><channel><title>Wire</title><link>https://wire.example/</link>"
    "<item><title>Story</title><link>https://wire.example/1</link><guid>g1</guid>"
    "<pubDate>Thu, 31 May 2018 10:00:00 +0200</pubDate><dc:creator>Ann</dc:creator>"
    "<category>World</category><description>&lt;p&gt;One.&lt;/p&gt;&lt;p&gt;Two.&lt;/p&gt;"
    "</description></item><item><title>Undated</title><guid>g2</guid></item></channel></rss>";

TEST(CommandParse, OneJsonObjectPerItemWithTheDesignSchema) {
  TempDir dir;
  const std::string path = dir.write("feed.xml", k_rss);
  const auto result = run_process({NEWSMON_BINARY, "parse", path});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const auto lines = json_lines(result.out);
  ASSERT_EQ(lines.size(), 2u);
  const nlohmann::json expected = {
      {"feed_format", "rss2.0"}, {"feed_title", "Wire"}, {"feed_link", "https://wire.example/"},
      {"title", "Story"}, {"link", "https://wire.example/1"}, {"guid", "g1"},
      {"published", "2018-05-31T08:00:00Z"}, {"authors", {"Ann"}}, {"categories", {"World"}},
      {"article", " date 2018-05-31 One.\n\nTwo."}};
  EXPECT_EQ(lines[0], expected);
  EXPECT_TRUE(lines[1]["published"].is_null());
  EXPECT_THAT(lines[1]["article"].get<std::string>(), HasSubstr(" Undated"));
  EXPECT_EQ(lines[1]["article"].get<std::string>().substr(0, 6), " date ");
}

TEST(CommandParse, ReadsStdin) {
  const auto result = run_process({NEWSMON_BINARY, "parse", "-"}, k_rss);
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(json_lines(result.out).size(), 2u);
}

TEST(CommandParse, BadFileIsReportedAndTheOthersStillParsed) {
  TempDir dir;
  const std::string bad = dir.write("bad.xml", "<rss><channel>\n<item><title>x</ti");
  const std::string good = dir.write("good.xml", k_rss);
  const std::string missing = dir.path() + "/missing.xml";
  const auto result = run_process({NEWSMON_BINARY, "parse", bad, missing, good});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_THAT(result.err, HasSubstr(bad + ": XML error at line 2, column"));
  EXPECT_THAT(result.err, HasSubstr(missing + ": cannot read"));
  EXPECT_EQ(json_lines(result.out).size(), 2u);
}

TEST(CommandParse, NoFileIsAUsageError) {
  const auto result = run_process({NEWSMON_BINARY, "parse"});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_THAT(result.err, HasSubstr("usage: newsmon parse"));
}

}  // namespace
}  // namespace newsmon
