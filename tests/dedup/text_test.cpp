// Canonical text, tokens and canonical URLs: table-driven.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "dedup/text.hpp"

namespace newsmon::dedup {
namespace {

struct CanonicalCase {
  std::string input;
  std::string expected;
};

TEST(CanonicalText, Table) {
  const std::vector<CanonicalCase> cases = {
      {"Hello, World!", "hello world"},
      {"  multiple   spaces\n\nand lines ", "multiple spaces and lines"},
      {"Russia’s foreign minister", "russias foreign minister"},
      {"Russia's foreign minister", "russias foreign minister"},
      {"Kim Jong-un", "kim jong un"},
      {"ＦＵＬＬＷＩＤＴＨ １２３", "fullwidth 123"},             // NFKC
      {"ﬁnance ﬂow", "finance flow"},                          // ligatures, NFKC
      {"Straße STRASSE", "strasse strasse"},                   // case folding
      {"Café CAFÉ café", "café café café"},             // composed and decomposed
      {"ΣΊΣΥΦΟΣ", "σίσυφοσ"},                                  // Greek final sigma folds
      {"a <b>bold</b> move &amp; more&nbsp;text", "a bold move more text"},  // markup residue
      {"x < y and a & b", "x y and a b"},                      // not markup
      {"«Quoted» — “dash” … (paren) [1]", "quoted dash paren 1"},
      {"東京都", "東 京 都"},                                  // unspaced script: characters
      {"ｶﾀｶﾅ", "カ タ カ ナ"},                                 // halfwidth kana, NFKC
      {"ภาษาไทย", "ภ า ษ า ไ ท ย"},                           // Thai: one letter each
      {"ที่นี่", "ที่ นี่"},                                           // Thai: tone marks stay on
      {"", ""},
      {"\xff\xfe broken \xc3", "broken"},                       // invalid UTF-8 separates
  };
  for (const auto& test : cases) {
    EXPECT_EQ(canonical_text(test.input), test.expected) << test.input;
  }
}

TEST(Tokenize, EqualCanonicalTextGivesEqualHashes) {
  EXPECT_EQ(hash_tokens(tokenize("The QUICK, brown fox.")), hash_tokens(tokenize("the quick brown fox")));
  EXPECT_NE(hash_tokens(tokenize("the quick brown fox")), hash_tokens(tokenize("the quick brown box")));
}

TEST(Tokenize, MarksNamesAndUnspacedCharacters) {
  auto tokens = tokenize("Yesterday Lavrov met Pompeo. Talks went well 東京");
  ASSERT_EQ(tokens.size(), 9u);
  EXPECT_FALSE(tokens[0].entity);  // sentence start
  EXPECT_TRUE(tokens[1].entity);   // Lavrov
  EXPECT_FALSE(tokens[2].entity);
  EXPECT_TRUE(tokens[3].entity);   // Pompeo
  EXPECT_FALSE(tokens[4].entity);  // Talks: after a full stop
  EXPECT_FALSE(tokens[6].unspaced);
  EXPECT_TRUE(tokens[7].unspaced);
  EXPECT_TRUE(tokens[8].unspaced);
}

TEST(Tokenize, MarksTheFirstTokenOfEachLine) {
  auto tokens = tokenize("one two\nthree\n\n, four five");
  std::vector<bool> starts;
  for (const auto& token : tokens) {
    starts.push_back(token.line_start);
  }
  EXPECT_EQ(starts, (std::vector<bool>{true, false, true, true, false}));
}

TEST(Tokenize, MarksQuotedWords) {
  auto tokens = tokenize("he said \"stay home\" and “go now” then");
  std::vector<bool> quoted;
  for (const auto& token : tokens) {
    quoted.push_back(token.quoted);
  }
  EXPECT_EQ(quoted, (std::vector<bool>{false, false, true, true, false, true, true, false}));
}

TEST(SplitUnits, NonEmptyLines) {
  auto units = split_units("one\n\ntwo two\n   \nthree");
  ASSERT_EQ(units.size(), 3u);
  EXPECT_EQ(units[0], "one");
  EXPECT_EQ(units[1], "two two");
  EXPECT_EQ(units[2], "three");
}

TEST(CanonicalUrl, Table) {
  const std::vector<CanonicalCase> cases = {
      {"https://Example.COM/Path?a=1", "https://example.com/Path?a=1"},
      {"http://example.com:80/x", "http://example.com/x"},
      {"https://example.com:443/x", "https://example.com/x"},
      {"https://example.com:8443/x", "https://example.com:8443/x"},
      {"https://example.com/x#section", "https://example.com/x"},
      {"https://example.com", "https://example.com/"},
      {"https://example.com/a?utm_source=rss&utm_medium=feed", "https://example.com/a"},
      {"https://example.com/a?id=7&utm_campaign=x&fbclid=y&gclid=z&page=2",
       "https://example.com/a?id=7&page=2"},
      {"https://example.com/a?UTM_SOURCE=x&id=1", "https://example.com/a?id=1"},
      {"  https://example.com./a  ", "https://example.com/a"},
      {"urn:uuid:1234", "urn:uuid:1234"},
      {"tag:example.com,2020:1", "tag:example.com,2020:1"},
  };
  for (const auto& test : cases) {
    EXPECT_EQ(canonical_url(test.input), test.expected) << test.input;
  }
}

TEST(Hash, SeedsSeparateDomains) {
  EXPECT_NE(hash_bytes("abc", 1), hash_bytes("abc", 2));
  EXPECT_EQ(hash_bytes("abc", 1), hash_bytes("abc", 1));
  EXPECT_NE(mix64(1), mix64(2));
}

}  // namespace
}  // namespace newsmon::dedup
