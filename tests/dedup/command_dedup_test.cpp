// `newsmon dedup` on the real binary: the JSON-lines contract and its errors.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <sstream>

#include "tests/dedup/fixtures.hpp"
#include "tests/support/process.hpp"

namespace newsmon::testing {
namespace {

using ::testing::HasSubstr;

ProcessResult newsmon(std::vector<std::string> args, const std::string& input = {}) {
  args.insert(args.begin(), NEWSMON_BINARY);
  return run_process(args, input);
}

std::string line(const std::string& id, const std::string& date, const std::string& title,
                 const std::string& text) {
  return nlohmann::json{{"id", id}, {"date", date}, {"title", title}, {"text", text}}.dump() + "\n";
}

std::vector<nlohmann::json> decisions(const std::string& out) {
  std::vector<nlohmann::json> lines;
  std::istringstream in(out);
  std::string text;
  while (std::getline(in, text)) {
    lines.push_back(nlohmann::json::parse(text));
  }
  return lines;
}

TEST(CommandDedup, SeedPairIsOneStory) {
  // Dated articles as the archive sink writes them: the prefix is dropped.
  std::string a = dedup::testing::read_text(dedup::testing::data_path("000_3be80ab0dfb770c4.txt"));
  std::string b = dedup::testing::read_text(dedup::testing::data_path("001_3ad860b9476a8039.txt"));
  for (const char* mode : {"copies", "stories"}) {
    auto result = newsmon({"dedup", "--mode", mode},
                          line("000", "2018-05-31", "", a) + "\n" + line("001", "2018-05-31", "", b));
    ASSERT_EQ(result.exit_code, 0) << result.err;
    auto out = decisions(result.out);
    ASSERT_EQ(out.size(), 2u);
    EXPECT_EQ(out[0]["id"], "000");
    EXPECT_TRUE(out[0]["duplicate_of"].is_null());
    EXPECT_EQ(out[0]["story"], "000");
    EXPECT_EQ(out[1]["duplicate_of"], "000");
    EXPECT_EQ(out[1]["story"], "000");
    // The deciding layer's score: containment (copies) or cosine (stories).
    EXPECT_GE(out[1]["score"].get<double>(), std::string(mode) == "copies" ? 0.5 : 0.13);
  }
}

TEST(CommandDedup, WindowIsOnTheArticlesOwnDates) {
  std::string text = dedup::testing::seed_body("001_3ad860b9476a8039.txt");
  std::string input = line("a", "2018-05-01", "", text) + line("b", "2018-05-05", "", text);
  auto narrow = decisions(newsmon({"dedup"}, input).out);  // 72h default
  ASSERT_EQ(narrow.size(), 2u);
  EXPECT_TRUE(narrow[1]["duplicate_of"].is_null());
  auto wide = decisions(newsmon({"dedup", "--window", "7d"}, input).out);
  ASSERT_EQ(wide.size(), 2u);
  EXPECT_EQ(wide[1]["duplicate_of"], "a");
}

struct BadInput {
  std::string input;
  std::string message;
};

TEST(CommandDedup, BadInputLineIsNamedAndExitsTwo) {
  const std::string good = line("a", "2020-01-01", "t", "some text");
  const std::vector<BadInput> cases = {
      {good + "not json\n", "stdin:2: not a JSON object"},
      {good + "\n[1,2]\n", "stdin:3: not a JSON object"},
      {"{\"date\":\"2020-01-01\",\"text\":\"x\"}\n", "stdin:1: missing \"id\""},
      {"{\"id\":\"a\",\"text\":\"x\"}\n", "stdin:1: missing \"date\""},
      {"{\"id\":\"a\",\"date\":\"01/02/2020\",\"text\":\"x\"}\n", "stdin:1: \"date\" must be YYYY-MM-DD"},
      {"{\"id\":\"a\",\"date\":\"2020-02-30\",\"text\":\"x\"}\n", "stdin:1: \"date\" must be YYYY-MM-DD"},
      {"{\"id\":7,\"date\":\"2020-01-01\",\"text\":\"x\"}\n", "stdin:1: \"id\" must be a string"},
  };
  for (const auto& test : cases) {
    auto result = newsmon({"dedup"}, test.input);
    EXPECT_EQ(result.exit_code, 2) << test.input;
    EXPECT_THAT(result.err, HasSubstr(test.message)) << test.input;
  }
}

TEST(CommandDedup, BadOptionsExitTwo) {
  for (const auto& args : std::vector<std::vector<std::string>>{
           {"dedup", "--mode", "fuzzy"},
           {"dedup", "--window", "soon"},
           {"dedup", "--threshold", "1.5"},
           {"dedup", "--threshold", "x"},
           {"dedup", "file.jsonl"},
           {"dedup", "--bogus"}}) {
    auto result = newsmon(args);
    EXPECT_EQ(result.exit_code, 2) << args[1];
    EXPECT_THAT(result.err, HasSubstr("usage: newsmon dedup"));
  }
  auto help = newsmon({"dedup", "--help"});
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_THAT(help.out, HasSubstr("default 72h"));
}

TEST(CommandDedup, StateFileCarriesTheWindowAcrossRuns) {
  TempDir dir;
  std::string state = dir.path() + "/dedup.db";
  std::string text = dedup::testing::seed_body("001_3ad860b9476a8039.txt");
  auto first = newsmon({"dedup", "--state", state}, line("a", "2018-05-31", "", text));
  ASSERT_EQ(first.exit_code, 0) << first.err;
  auto second = decisions(newsmon({"dedup", "--state", state},
                                  line("a", "2018-05-31", "", text) + line("b", "2018-06-01", "", text))
                              .out);
  ASSERT_EQ(second.size(), 2u);
  EXPECT_EQ(second[0]["duplicate_of"], "a");  // the same item again: a repeat
  EXPECT_EQ(second[1]["duplicate_of"], "a");
}

}  // namespace
}  // namespace newsmon::testing
