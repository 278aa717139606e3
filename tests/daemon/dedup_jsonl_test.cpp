// `newsmon dedup`'s JSON lines: the simdjson line parser against the nlohmann
// parse it replaced, the hand-written decision lines against nlohmann's dump,
// the block line reader, and the real binary on CRLF, blank and bad lines.
#include "daemon/dedup_jsonl.hpp"

#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "tests/support/process.hpp"

namespace newsmon::daemon {
namespace {

std::string describe(const Result<dedup::DedupItem>& result) {
  if (!result) {
    return "error: " + result.error().message;
  }
  const auto& item = *result;
  auto days = std::chrono::floor<std::chrono::days>(item.published).time_since_epoch().count();
  return "id=" + item.id + "|title=" + item.title + "|text=" + item.text + "|feed=" + item.feed +
         "|link=" + item.link + "|guid=" + item.guid + "|day=" + std::to_string(days);
}

// Lines where a JSON parser can go wrong. Each must come out of the fast
// parser exactly as out of nlohmann (the reference) — accepted with the same
// fields, or rejected with the same message.
const std::vector<std::string> k_tricky_lines = {
    R"({"id":"a","date":"2020-01-01","title":"t","text":"x"})",
    R"({"id":"a","date":"2020-01-01"})",
    R"(  {"id":"a","date":"2020-01-01"}  )",
    "{\"id\":\"a\",\"date\":\"2020-01-01\"}\r",
    "\t{\"id\":\"a\",\"date\":\"2020-01-01\"}",
    "\xEF\xBB\xBF{\"id\":\"a\",\"date\":\"2020-01-01\"}",  // BOM: nlohmann skips it
    // \u escapes, in values and in keys.
    R"({"id":"caf\u00e9","date":"2020-01-01","text":"\u00e9\u4e2d\ud83d\ude00 \u0000 \u001f"})",
    R"({"\u0069d":"a","dat\u0065":"2020-01-01"})",
    R"({"id":"a","date":"2020-01-01","text":"\ud800"})",
    R"({"id":"a","date":"2020-01-01","text":"\udc00"})",
    R"({"id":"a","date":"2020-01-01","text":"\ud800\u0041"})",
    R"({"id":"a","date":"2020-01-01","text":"\ud83d"})",
    R"({"id":"a","date":"2020-01-01","text":"\uD83D\uDE00"})",
    R"({"id":"a","date":"2020-01-01","text":"\u12"})",
    R"({"id":"a","date":"2020-01-01","text":"\x"})",
    R"({"id":"a","date":"2020-01-01","text":"\/\b\f\n\r\t\"\\"})",
    R"({"id":"a","date":"2020-01-01","\ud800":1})",
    // Raw bytes: control characters, invalid UTF-8, valid UTF-8.
    "{\"id\":\"a\",\"date\":\"2020-01-01\",\"text\":\"tab\there\"}",
    "{\"id\":\"a\",\"date\":\"2020-01-01\",\"text\":\"nul\x01\"}",
    "{\"id\":\"a\",\"date\":\"2020-01-01\",\"text\":\"\xff\"}",
    "{\"id\":\"a\",\"date\":\"2020-01-01\",\"text\":\"\xed\xa0\x80\"}",
    "{\"id\":\"a\",\"date\":\"2020-01-01\",\"text\":\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\"}",
    "{\"id\":\"a\",\"date\":\"2020-01-01\",\"text\":\"x\"}\x01",
    "{\"id\":\"a\",\"date\":\"2020-01-01\",\"text\":\"x\"}\x7f",
    // Other keys and values: ignored when valid, fatal when not.
    R"({"id":"a","date":"2020-01-01","n":-0.5e-3,"m":[1,{"x":null}],"b":true,"z":{}})",
    R"({"id":"a","date":"2020-01-01","n":123456789012345678901234567890})",
    R"({"id":"a","date":"2020-01-01","n":1e999})",
    R"({"id":"a","date":"2020-01-01","n":01})",
    R"({"id":"a","date":"2020-01-01","n":1.})",
    R"({"id":"a","date":"2020-01-01","n":+1})",
    R"({"id":"a","date":"2020-01-01","n":NaN})",
    R"({"id":"a","date":"2020-01-01","n":tru})",
    R"({"id":"a","date":"2020-01-01","n":nul})",
    R"({"id":"a","date":"2020-01-01","n":nullx})",
    R"({"id":"a","date":"2020-01-01","n":[1,tru]})",
    R"({"id":"a","date":"2020-01-01","n":{"k" 1}})",
    R"({"id":"a","date":"2020-01-01","n":{"\x":1}})",
    R"({"id":"a","date":"2020-01-01","source":"s","link":"l","guid":"g"})",
    // Structure.
    R"({"id":"a","date":"2020-01-01",})",
    R"({"id":"a","date":"2020-01-01"} x)",
    R"({"id":"a","date":"2020-01-01"} {})",
    R"({"id":"a","date":"2020-01-01"}})",
    R"({"id":"a","date":"2020-01-01")",
    R"({'id':'a','date':'2020-01-01'})",
    R"({"id":"a" "date":"2020-01-01"})",
    R"([1,2])",
    R"("a string")",
    R"(42)",
    R"(null)",
    R"({})",
    "",
    "not json",
    std::string(2000, '[') + std::string(2000, ']'),
    // Repeated keys: the last one counts.
    R"({"id":"a","id":"b","date":"2020-01-01"})",
    R"({"id":7,"id":"b","date":"2020-01-01"})",
    R"({"id":"b","id":7,"date":"2020-01-01"})",
    R"({"id":"b","id":null,"date":"2020-01-01"})",
    // Missing, null and mistyped fields, and the order their errors win in.
    R"({"date":"2020-01-01"})",
    R"({"id":null,"date":"2020-01-01"})",
    R"({"id":"a"})",
    R"({"id":7,"date":"2020-01-01"})",
    R"({"id":["a"],"date":"2020-01-01"})",
    R"({"id":{"a":1},"date":"2020-01-01"})",
    R"({"id":7,"date":8,"title":9,"text":true,"source":[],"link":{},"guid":1.5})",
    R"({"id":7,"title":9})",
    R"({"id":"a","date":"2020-01-01","title":null,"text":null,"guid":null})",
    R"({"id":"a","date":"2020-01-01","guid":""})",
    // Dates, as sscanf has always read them.
    R"({"id":"a","date":"2020-02-30"})",
    R"({"id":"a","date":"2020-02-29"})",
    R"({"id":"a","date":"2021-02-29"})",
    R"({"id":"a","date":"01/02/2020"})",
    R"({"id":"a","date":"2020-01-01T00:00:00Z"})",
    R"({"id":"a","date":"2020-1-011"})",
    R"({"id":"a","date":"+202-01-01"})",
    R"({"id":"a","date":"2020\u002d01-01"})",
    R"({"id":"a","date":"2020-01-01\u0000"})",
    R"({"id":"a","date":""})",
    // The dated article's prefix is dropped from the text.
    R"({"id":"a","date":"2020-01-01","text":" date 2020-01-01 body"})",
    R"({"id":"a","date":"2020-01-01","text":" date 2020-01-01"})",
    R"({"id":"a","date":"2020-01-01","text":" date 2020-01-01x body"})",
};

TEST(ArticleLineParser, AgreesWithNlohmannOnTrickyLines) {
  ArticleLineParser parser;
  for (const auto& line : k_tricky_lines) {
    EXPECT_EQ(describe(parser.parse(line)), describe(parse_article_line_reference(line)))
        << "line: " << line;
  }
}

TEST(ArticleLineParser, ReadsWhatTheLinesSay) {
  struct Case {
    std::string line;
    std::string expected;
  };
  const std::vector<Case> cases = {
      {R"({"id":"caf\u00e9","date":"2020-01-02","text":"\ud83d\ude00 \u4e2d"})",
       "id=café|title=|text=😀 中|feed=|link=|guid=café|day=18263"},
      {"{\"id\":\"a\",\"date\":\"2020-01-01\",\"title\":\"T\"}\r",
       "id=a|title=T|text=|feed=|link=|guid=a|day=18262"},
      {R"({"id":"a","date":"2020-01-01","n":1.5e3,"m":[1,2],"source":"s","link":"l","guid":"g"})",
       "id=a|title=|text=|feed=s|link=l|guid=g|day=18262"},
      {R"({"id":"a","date":"2020-01-01","n":123456789012345678901234567890})",
       "id=a|title=|text=|feed=|link=|guid=a|day=18262"},
      {R"({"id":"a","id":"b","date":"2020-01-01"})",
       "id=b|title=|text=|feed=|link=|guid=b|day=18262"},
      {R"({"id":"a","date":"2020-01-01","text":" date 2020-01-01 body"})",
       "id=a|title=|text=body|feed=|link=|guid=a|day=18262"},
      {R"({"id":"a","date":"2020-01-01","text":"\ud800"})", "error: not a JSON object"},
      {R"({"id":"a","date":"2020-01-01","n":tru})", "error: not a JSON object"},
      {R"({"id":"a","date":"2020-01-01"} {})", "error: not a JSON object"},
      {R"({"id":7,"date":"2020-01-01"})", "error: \"id\" must be a string"},
      {R"({"date":"2020-01-01"})", "error: missing \"id\""},
      {R"({"id":7,"date":8,"title":9,"text":true,"source":[],"link":{},"guid":1.5})",
       "error: \"guid\" must be a string"},
      {R"({"id":"a","date":"2020-02-30"})",
       "error: \"date\" must be YYYY-MM-DD, got \"2020-02-30\""},
      // Days SysTime (64-bit nanoseconds) can hold, and the first ones past.
      {R"({"id":"a","date":"1677-09-22"})", "id=a|title=|text=|feed=|link=|guid=a|day=-106751"},
      {R"({"id":"a","date":"2262-04-11"})", "id=a|title=|text=|feed=|link=|guid=a|day=106751"},
      {R"({"id":"a","date":"1677-09-21"})",
       "error: \"date\" must be between 1677-09-22 and 2262-04-11, got \"1677-09-21\""},
      {R"({"id":"a","date":"2262-04-12"})",
       "error: \"date\" must be between 1677-09-22 and 2262-04-11, got \"2262-04-12\""},
      {R"({"id":"a","date":"+202-01-01"})",
       "error: \"date\" must be between 1677-09-22 and 2262-04-11, got \"+202-01-01\""},
  };
  ArticleLineParser parser;
  for (const auto& test : cases) {
    EXPECT_EQ(describe(parser.parse(test.line)), test.expected) << test.line;
  }
}

TEST(ArticleLineParser, ReadsInPlaceWithTheNextLineAsPadding) {
  // What LineReader hands out: the padding is the start of the next line.
  std::string buffer = R"({"id":"a","date":"2020-01-01","text":"one"})"
                       "\n"
                       R"({"id":"b","date":"2020-01-02","text":"two"})";
  buffer.append(k_line_padding, '\0');
  ArticleLineParser parser;
  auto first = parser.parse_padded(std::string_view(buffer).substr(0, buffer.find('\n')));
  ASSERT_TRUE(first.ok()) << first.error().message;
  EXPECT_EQ(first->id, "a");
  EXPECT_EQ(first->text, "one");
}

std::string nlohmann_string(const std::string& text) {
  return nlohmann::json(text).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

TEST(AppendJsonString, MatchesNlohmannOnTrickyStrings) {
  std::vector<std::string> cases = {
      "",
      "plain",
      "quote\" backslash\\ slash/",
      "\b\f\n\r\t",
      std::string("nul\0x", 5),
      "\x01\x1f\x7f",
      "é中😀",
      "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\xf4\x8f\xbf\xbf",
      "\x80",
      "\xbf",
      "\xc0\xaf",
      "\xc1\xbf",
      "\xc2",
      "\xc2x",
      "\xe2\x82",
      "\xe2\x82x",
      "\xe2\x28\xa1",
      "\xe0\x80\xaf",
      "\xe0\x9f\xbf",
      "\xed\xa0\x80",
      "\xed\xbf\xbf",
      "\xf0\x80\x80\x80",
      "\xf0\x8f\xbf\xbf",
      "\xf4\x90\x80\x80",
      "\xf5\x80\x80\x80",
      "\xf8\x88\x80\x80\x80",
      "\xfe\xff",
      "\xf0\x9f\x98",
      "a\xf0\x9f\x98\x62",
      "\xef\xbb\xbf",
      "\u2028\u2029",
      "\xc2\x80\xc2\x9f",
  };
  std::string all;
  for (unsigned byte = 0; byte < 256; ++byte) {
    all += static_cast<char>(byte);
  }
  cases.push_back(all);
  for (const auto& text : cases) {
    std::string out;
    append_json_string(out, text);
    EXPECT_EQ(out, nlohmann_string(text)) << "input bytes: " << nlohmann_string(text);
  }
}

TEST(AppendJsonString, MatchesNlohmannOnRandomBytes) {
  // Short strings over the bytes that matter to UTF-8 and JSON, so every
  // kind of broken sequence and its neighbours turns up.
  const std::string alphabet = std::string("a\"\\\x01\x1f\x7f", 6) +
                               "\x80\x8f\x90\x9f\xa0\xbf\xc0\xc1\xc2\xdf\xe0\xe1\xec\xed\xee"
                               "\xef\xf0\xf1\xf3\xf4\xf5\xff";
  std::mt19937 random(20240601);
  std::uniform_int_distribution<std::size_t> pick(0, alphabet.size() - 1);
  std::uniform_int_distribution<int> length(0, 8);
  for (int i = 0; i < 200000; ++i) {
    std::string text;
    for (int n = length(random); n > 0; --n) {
      text += alphabet[pick(random)];
    }
    std::string out;
    append_json_string(out, text);
    ASSERT_EQ(out, nlohmann_string(text)) << "case " << i;
  }
}

std::string nlohmann_number(double value) { return nlohmann::json(value).dump(); }

TEST(AppendJsonNumber, MatchesNlohmannOnEveryFourDecimalScore) {
  // Scores are rounded to 4 decimals before they are written.
  for (int k = -200000; k <= 200000; ++k) {
    const double value = k / 10000.0;
    std::string out;
    append_json_number(out, value);
    ASSERT_EQ(out, nlohmann_number(value)) << k;
  }
}

TEST(AppendJsonNumber, MatchesNlohmannOnEdges) {
  for (double value : {0.0,
                       -0.0,
                       1.0,
                       -1.0,
                       0.5,
                       0.1,
                       1e-4,
                       1e-5,
                       1.5e-5,
                       123456.0,
                       1e15,
                       1e16,
                       1.25e16,
                       123456789012345.0,
                       1234567890123456.0,
                       0.30000000000000004,
                       1e300,
                       1e-300,
                       5e-324,
                       std::numeric_limits<double>::max(),
                       std::numeric_limits<double>::min(),
                       1e100,
                       1e-100,
                       std::numeric_limits<double>::quiet_NaN(),
                       std::numeric_limits<double>::infinity(),
                       -std::numeric_limits<double>::infinity()}) {
    std::string out;
    append_json_number(out, value);
    EXPECT_EQ(out, nlohmann_number(value)) << value;
  }
}

// The decision line as the command built it with nlohmann.
std::string nlohmann_decision_line(const std::string& id, const dedup::DedupDecision& decision) {
  nlohmann::json out;
  out["id"] = id;
  out["duplicate_of"] = decision.kind == dedup::DedupDecision::Kind::new_story
                            ? nlohmann::json(nullptr)
                            : nlohmann::json(decision.duplicate_of);
  out["story"] = decision.story_id;
  out["score"] = std::round(decision.score * 10000.0) / 10000.0;
  return out.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

dedup::DedupDecision decided(dedup::DedupDecision::Kind kind, std::string story,
                             std::string duplicate_of, double score) {
  dedup::DedupDecision decision;
  decision.kind = kind;
  decision.story_id = std::move(story);
  decision.duplicate_of = std::move(duplicate_of);
  decision.score = score;
  return decision;
}

TEST(AppendDecisionLine, MatchesTheNlohmannLine) {
  using Kind = dedup::DedupDecision::Kind;
  const std::vector<std::pair<std::string, dedup::DedupDecision>> cases = {
      {"a", decided(Kind::new_story, "a", "", 0.0)},
      {"a", decided(Kind::new_story, "a", "", 0.12345)},
      {"b", decided(Kind::duplicate, "a", "a", 0.56785)},
      {"b", decided(Kind::repeat, "a", "a", 1.0)},
      {"q\"\\\n\x01é\xff", decided(Kind::duplicate, "s\t", "d\xc3", 0.99999)},
      {"", decided(Kind::duplicate, "", "", 1e-7)},
  };
  for (const auto& [id, decision] : cases) {
    std::string out;
    append_decision_line(out, id, decision);
    EXPECT_EQ(out, nlohmann_decision_line(id, decision));
  }
}

std::vector<std::string> read_lines(const std::string& content, std::size_t block) {
  testing::TempDir dir;
  std::string path = dir.write("in.jsonl", content);
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  EXPECT_GE(fd, 0);
  LineReader reader(fd, block);
  std::vector<std::string> lines;
  while (auto line = reader.next()) {
    // The padding after every line must be there to read.
    std::string padding(line->data() + line->size(), k_line_padding);
    EXPECT_EQ(padding.size(), k_line_padding);
    lines.emplace_back(*line);
    EXPECT_EQ(reader.line_number(), lines.size());
  }
  EXPECT_FALSE(reader.error());
  ::close(fd);
  return lines;
}

TEST(LineReader, SplitsOnNewlinesAcrossBlocks) {
  using Lines = std::vector<std::string>;
  std::string long_line(1000, 'x');
  for (std::size_t block : {1u, 3u, 7u, 64u, 4096u}) {
    EXPECT_EQ(read_lines("", block), Lines{});
    EXPECT_EQ(read_lines("a\nb\n", block), (Lines{"a", "b"}));
    EXPECT_EQ(read_lines("a\nb", block), (Lines{"a", "b"}));
    EXPECT_EQ(read_lines("a\r\n\r\nb\r\n", block), (Lines{"a\r", "\r", "b\r"}));
    EXPECT_EQ(read_lines("\n\n", block), (Lines{"", ""}));
    EXPECT_EQ(read_lines("x\n" + long_line + "\ny", block), (Lines{"x", long_line, "y"}));
  }
}

TEST(IsBlankLine, SkipsOnlySpacesTabsAndCarriageReturns) {
  for (const char* blank : {"", " ", "\t", "\r", " \t\r "}) {
    EXPECT_TRUE(is_blank_line(blank)) << blank;
  }
  for (const char* not_blank : {"x", " \v", "\f", " {}"}) {
    EXPECT_FALSE(is_blank_line(not_blank)) << not_blank;
  }
}

std::string numbered_article(std::size_t n) {
  return nlohmann::json{{"id", std::to_string(n)}, {"date", "2020-01-01"}, {"text", "t"}}.dump();
}

// Every article, in order, with its line number; then the failure if any.
std::pair<std::vector<std::size_t>, std::optional<StreamFailure>> drain(ArticleStream& stream) {
  std::vector<std::size_t> lines;
  std::optional<StreamFailure> failure;
  while (auto batch = stream.next()) {
    EXPECT_FALSE(failure) << "a batch after the failure";
    for (const auto& article : batch->articles) {
      EXPECT_EQ(article.item.id, std::to_string(article.line_number));
      lines.push_back(article.line_number);
    }
    failure = batch->failure;
  }
  return {lines, failure};
}

TEST(ArticleStream, HandsOverEveryArticleInOrderAcrossBatches) {
  // Far more than one batch and the queue hold; every 7th line blank.
  std::string input;
  std::vector<std::size_t> expected;
  for (std::size_t n = 1; n <= 5000; ++n) {
    if (n % 7 == 0) {
      input += " \r\n";
    } else {
      input += numbered_article(n) + "\n";
      expected.push_back(n);
    }
  }
  testing::TempDir dir;
  int fd = ::open(dir.write("in.jsonl", input).c_str(), O_RDONLY | O_CLOEXEC);
  ASSERT_GE(fd, 0);
  {
    ArticleStream stream(fd, std::nullopt, 4096);
    auto [lines, failure] = drain(stream);
    EXPECT_EQ(lines, expected);
    EXPECT_FALSE(failure);
    EXPECT_FALSE(stream.next());
  }
  ::close(fd);
}

// Batches handed back are read into again: prepared articles in reused
// buffers must decide exactly as articles prepared where they are decided.
TEST(ArticleStream, PreparedArticlesInRecycledBatchesDecideAsPreparedInPlace) {
  const std::vector<std::string> words = {"harbour", "council", "budget", "storm", "election",
                                          "river", "museum", "strike", "vaccine", "bridge"};
  auto text_of = [&](std::size_t n) {
    // Every 5th article repeats the text of the one 5 before; lengths vary so
    // a stale tail of a longer earlier article would show.
    const std::size_t seed = n % 5 == 0 ? n - 5 : n;
    std::string text;
    for (std::size_t w = 0; w < 20 + seed % 37; ++w) {
      text += words[(seed * 7 + w * (seed % 3 + 1)) % words.size()] + std::to_string(seed % 11 + w) + " ";
      if (w % 9 == 8) {
        text += "\n\n";
      }
    }
    return text;
  };
  std::string input;
  for (std::size_t n = 5; n < 3005; ++n) {
    input += nlohmann::json{{"id", std::to_string(n)}, {"date", "2020-01-01"}, {"source", "s"},
                            {"title", "t"}, {"text", text_of(n)}}
                 .dump() +
             "\n";
  }
  testing::TempDir dir;
  int fd = ::open(dir.write("in.jsonl", input).c_str(), O_RDONLY | O_CLOEXEC);
  ASSERT_GE(fd, 0);
  for (auto mode : {config::DedupMode::copies, config::DedupMode::stories}) {
    ASSERT_EQ(::lseek(fd, 0, SEEK_SET), 0);
    dedup::DedupOptions options;
    options.mode = mode;
    options.time_source = dedup::TimeSource::published;
    dedup::DedupEngine in_place(options, nullptr);
    dedup::DedupEngine prepared_elsewhere(options, nullptr);
    ArticleStream stream(fd, mode, 4096);
    std::size_t decided = 0;
    std::size_t duplicates = 0;
    while (auto batch = stream.next()) {
      for (const auto& article : batch->articles) {
        auto expected = in_place.observe(article.item);
        auto decision = prepared_elsewhere.observe(article.item, article.prepared);
        ASSERT_TRUE(expected && decision);
        EXPECT_EQ(decision->kind, expected->kind) << article.item.id;
        EXPECT_EQ(decision->story_id, expected->story_id) << article.item.id;
        EXPECT_DOUBLE_EQ(decision->score, expected->score) << article.item.id;
        duplicates += expected->kind == dedup::DedupDecision::Kind::duplicate ? 1 : 0;
        ++decided;
      }
      EXPECT_FALSE(batch->failure);
      stream.recycle(std::move(*batch));
    }
    EXPECT_EQ(decided, 3000u);
    EXPECT_GE(duplicates, 600u);
  }
  ::close(fd);
}

TEST(ArticleStream, StopsAtTheFirstMalformedLine) {
  std::string input;
  for (std::size_t n = 1; n <= 1000; ++n) {
    input += n == 700 ? std::string("{\"id\":\"700\"}") : numbered_article(n);
    input += "\n";
  }
  testing::TempDir dir;
  int fd = ::open(dir.write("in.jsonl", input).c_str(), O_RDONLY | O_CLOEXEC);
  ASSERT_GE(fd, 0);
  {
    ArticleStream stream(fd);
    auto [lines, failure] = drain(stream);
    ASSERT_EQ(lines.size(), 699u);
    EXPECT_EQ(lines.back(), 699u);
    ASSERT_TRUE(failure);
    EXPECT_EQ(failure->kind, StreamFailure::Kind::malformed_line);
    EXPECT_EQ(failure->line_number, 700u);
    EXPECT_EQ(failure->message, "missing \"date\"");
  }
  ::close(fd);
}

TEST(ArticleStream, StopsWhileTheInputIsOpenAndIdle) {
  // A writer that neither writes nor closes: the reader waits in poll and
  // must still give up when the stream goes away (else this test hangs).
  int fds[2];
  ASSERT_EQ(::pipe2(fds, O_CLOEXEC), 0);
  const std::string lines = numbered_article(1) + "\n" + numbered_article(2) + "\n";
  ASSERT_EQ(::write(fds[1], lines.data(), lines.size()), static_cast<ssize_t>(lines.size()));
  { ArticleStream stream(fds[0]); }
  ::close(fds[0]);
  ::close(fds[1]);
}

TEST(ArticleStream, StopsWhileTheQueueIsFull) {
  std::string input;
  for (std::size_t n = 1; n <= 20000; ++n) {
    input += numbered_article(n) + "\n";
  }
  testing::TempDir dir;
  int fd = ::open(dir.write("in.jsonl", input).c_str(), O_RDONLY | O_CLOEXEC);
  ASSERT_GE(fd, 0);
  {
    ArticleStream stream(fd);
    auto first = stream.next();
    ASSERT_TRUE(first);
    EXPECT_EQ(first->articles.front().line_number, 1u);
  }
  ::close(fd);
}

testing::ProcessResult newsmon_dedup(const std::string& input) {
  return testing::run_process({NEWSMON_BINARY, "dedup"}, input);
}

std::string article(const std::string& id, const std::string& text) {
  return nlohmann::json{{"id", id}, {"date", "2020-01-01"}, {"text", text}}.dump();
}

TEST(CommandDedupLines, CrlfAndBlankLinesAreReadAsBefore) {
  std::string input = article("a", "alpha beta gamma") + "\r\n\r\n  \t\r\n" +
                      article("b", "delta epsilon") + "\r\n" + article("c", "alpha beta gamma");
  auto result = newsmon_dedup(input);
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.out,
            "{\"duplicate_of\":null,\"id\":\"a\",\"score\":0.0,\"story\":\"a\"}\n"
            "{\"duplicate_of\":null,\"id\":\"b\",\"score\":0.0,\"story\":\"b\"}\n"
            "{\"duplicate_of\":\"a\",\"id\":\"c\",\"score\":1.0,\"story\":\"a\"}\n");
}

TEST(CommandDedupLines, UnicodeEscapesReachTheOutput) {
  auto result =
      newsmon_dedup(R"({"id":"\u00e9\ud83d\ude00\u0001\"","date":"2020-01-01","text":"x"})"
                    "\n");
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.out,
            "{\"duplicate_of\":null,\"id\":\"é😀\\u0001\\\"\",\"score\":0.0,\"story\":"
            "\"é😀\\u0001\\\"\"}\n");
}

TEST(CommandDedupLines, MalformedLineIsNamedAfterWhatCameBefore) {
  struct Case {
    std::string input;
    std::string error;
    std::size_t decisions;
  };
  const std::string good = article("a", "some text") + "\n";
  const std::vector<Case> cases = {
      {good + "\n\r\n" +
           R"({"id":"b","date":"2020-01-01","x":tru})"
           "\n" +
           good,
       "newsmon dedup: stdin:4: not a JSON object\n", 1},
      {good + good + R"({"id":"b","date":"2020-01-01","text":"\ud800"})",
       "newsmon dedup: stdin:3: not a JSON object\n", 2},
      {good + "{\"id\":\"b\",\"date\":\"2020-13-01\"}\r\n",
       "newsmon dedup: stdin:2: \"date\" must be YYYY-MM-DD, got \"2020-13-01\"\n", 1},
      {R"({"id":"b","date":"2020-01-01","title":["t"]})"
       "\n",
       "newsmon dedup: stdin:1: \"title\" must be a string\n", 0},
  };
  for (const auto& test : cases) {
    auto result = newsmon_dedup(test.input);
    EXPECT_EQ(result.exit_code, 2) << test.input;
    EXPECT_EQ(result.err, test.error) << test.input;
    EXPECT_EQ(static_cast<std::size_t>(std::count(result.out.begin(), result.out.end(), '\n')),
              test.decisions)
        << test.input;
  }
}

TEST(CommandDedupLines, LinesLongerThanTheReadBlockAndManyBlocks) {
  // ~9 MB: several 4 MiB read blocks, and one line longer than a block.
  std::string input;
  std::string words;
  for (int i = 0; i < 600; ++i) {
    words.append("word").append(std::to_string(i)).append(" ");
  }
  for (int i = 0; i < 1500; ++i) {
    input.append(article(std::string("n").append(std::to_string(i)), words + std::to_string(i)))
        .append("\n");
  }
  input += article("huge", std::string(5u << 20, 'h')) + "\n";
  auto result = newsmon_dedup(input);
  ASSERT_EQ(result.exit_code, 0) << result.err;
  std::istringstream out(result.out);
  std::string line;
  std::size_t count = 0;
  std::string last_id;
  while (std::getline(out, line)) {
    last_id = nlohmann::json::parse(line)["id"];
    ++count;
  }
  EXPECT_EQ(count, 1501u);
  EXPECT_EQ(last_id, "huge");
}

}  // namespace
}  // namespace newsmon::daemon
