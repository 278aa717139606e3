// Canonical text, tokens and canonical URLs: table-driven.
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "dedup/text.hpp"
#include "tests/dedup/fixtures.hpp"

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

// One letter per token: 'a' + entity | unspaced << 1 | quoted << 2 |
// line_start << 3.
std::string flags_of(std::string_view text) {
  std::string flags;
  for (const Token& token : tokenize(text)) {
    flags.push_back(static_cast<char>('a' + (token.entity ? 1 : 0) + (token.unspaced ? 2 : 0) +
                                      (token.quoted ? 4 : 0) + (token.line_start ? 8 : 0)));
  }
  return flags;
}

std::vector<std::string> words_of(const std::string& canonical) {
  std::vector<std::string> words;
  std::istringstream in(canonical);
  for (std::string word; in >> word;) {
    words.push_back(word);
  }
  return words;
}

// Every token's hash is hash_token() of its folded form, whichever path
// (ASCII words from registers, the byte buffer, utf8proc) produced it.
void expect_hashes_of_canonical_words(const std::string& text) {
  auto tokens = tokenize(text);
  auto words = words_of(canonical_text(text));
  ASSERT_EQ(tokens.size(), words.size()) << text.substr(0, 80);
  for (std::size_t i = 0; i < tokens.size(); ++i) {
    EXPECT_EQ(tokens[i].hash, hash_token(words[i])) << words[i] << " in " << text.substr(0, 80);
  }
}

struct FoldCase {
  std::string input;
  std::string canonical;
  std::string flags;  // as flags_of()
};

// Non-ASCII text mixed with ASCII words, expectations from the tokenizer as
// it was before the ASCII fast path (utf8proc for every token): apostrophes
// before and after non-ASCII letters, Turkish dotted and dotless i,
// fullwidth and halfwidth forms, combining marks, CJK, Thai, invalid bytes.
TEST(Tokenize, MixedScriptsTable) {
  const std::vector<FoldCase> cases = {
      {"Zürich's café reopened; Erdoğan met İstanbul's mayor",
       "zürichs café reopened erdoğan met i̇stanbuls mayor", "iaababa"},
      {"Turkish dotless ı and İ: IŞIK ışık Iğdır", "turkish dotless ı and i̇ işik ışık iğdır",
       "iaaabbab"},
      {"ＦＵＬＬＷＩＤＴＨ letters ＡＢＣ１２３ and ｶﾀｶﾅ", "fullwidth letters abc123 and カ タ カ ナ",
       "iabacccc"},
      {"東京都の知事は「新しい計画」を発表した。", "東 京 都 の 知 事 は 新 し い 計 画 を 発 表 し た",
       "kcccccccccccccccc"},
      {"ภาษาไทยที่นี่ Bangkok's news", "ภ า ษ า ไ ท ย ที่ นี่ bangkoks news", "kccccccccba"},
      {"Crème brûlée, naïve façade — São Paulo, Łódź, Ærø",
       "crème brûlée naïve façade são paulo łódź ærø", "iaaabbbb"},
      {"Straße STRASSE ﬁnance ﬂow Ǆemal", "strasse strasse finance flow džemal", "ibaab"},
      {"Mixedcase ABCDEFGHIJKLMNOPQRSTUVWXYZ abcdefgh abcdefghi a1b2c3d4e5f6g7h8i9",
       "mixedcase abcdefghijklmnopqrstuvwxyz abcdefgh abcdefghi a1b2c3d4e5f6g7h8i9", "ibaaa"},
      {"Russia's Russia’s rock'n'roll 'quoted' O'Neill's don't",
       "russias russias rocknroll quoted oneills dont", "ibaaba"},
      {"He said \"Stop it now.\" Then: \"Go!\" and left.\nNew line \"unbalanced quote\nnext "
       "line words here",
       "he said stop it now then go and left new line unbalanced quote next line words here",
       "iafeeafaaiaeeiaaa"},
      {"Markup <b>bold</b> &amp; &nbsp;x &#8217; a<b c > d &unknownentityname; e & f",
       "markup bold x a d unknownentityname e f", "iaaaaaaa"},
      {"A.B.C. U.S. e.g. 3.14 1,000,000 x86_64 C++ node.js",
       "a b c u s e g 3 14 1 000 000 x86 64 c node js", "iaaaaaaaaaaaaabaa"},
      {"Naïve résumé's coöperation übermensch'es", "naïve résumés coöperation übermensches",
       "iaaa"},
      {"wordsatendofalongtextwithoutspaces", "wordsatendofalongtextwithoutspaces", "i"},
      {"ab'c", "abc", "i"},
      {"x'", "x", "i"},
      {"Ωmega ΣΊΣΥΦΟΣ ﬆ ǅ ǈ", "ωmega σίσυφοσ st dž lj", "ibabb"},
      {"Cafe\xcc\x81 e\xcc\x81te\xcc\x81 Zu\xcc\x88rich\xe2\x80\x99s", "café été zürichs", "iab"},
      {"\xff\xfe broken \xc3 bytes\xc3\x28 ok", "broken bytes ok", "iaa"},
  };
  for (const auto& test : cases) {
    EXPECT_EQ(canonical_text(test.input), test.canonical) << test.input;
    EXPECT_EQ(flags_of(test.input), test.flags) << test.input;
    expect_hashes_of_canonical_words(test.input);
  }
}

// The dedup-dev articles (titles and texts, ASCII and not) canonicalise and
// flag their tokens exactly as the tokenizer before the ASCII fast path did:
// tokens_golden.txt holds, per article, hash_bytes of its canonical text and
// of its flags_of() string, written by that tokenizer.
TEST(Tokenize, DevArticlesAsBeforeTheAsciiFastPath) {
  std::ifstream golden(testing::data_path("tokens_golden.txt"));
  std::string id;
  std::string canonical_hash;
  std::string flags_hash;
  std::size_t checked = 0;
  for (const auto& article : testing::dev_articles()) {
    ASSERT_TRUE(golden >> id >> canonical_hash >> flags_hash);
    ASSERT_EQ(id, article.id);
    std::string text = article.title + "\n" + article.text;
    char hex[17];
    std::snprintf(hex, sizeof(hex), "%016llx",
                  static_cast<unsigned long long>(hash_bytes(canonical_text(text))));
    EXPECT_EQ(hex, canonical_hash) << article.id;
    std::snprintf(hex, sizeof(hex), "%016llx",
                  static_cast<unsigned long long>(hash_bytes(flags_of(text))));
    EXPECT_EQ(hex, flags_hash) << article.id;
    expect_hashes_of_canonical_words(text);
    ++checked;
  }
  EXPECT_EQ(checked, 300u);
}

std::string describe(const Token& token) {
  char out[48];
  std::snprintf(out, sizeof(out), "%016llx %d%d%d%d", static_cast<unsigned long long>(token.hash),
                token.entity ? 1 : 0, token.unspaced ? 1 : 0, token.quoted ? 1 : 0,
                token.line_start ? 1 : 0);
  return out;
}

// The ASCII fast path gives the tokens the general walk (utf8proc, byte by
// byte) gives: hashes and every flag.
void expect_fast_path_as_general(const std::string& text) {
  std::vector<Token> fast;
  std::vector<Token> general;
  tokenize(text, fast);
  tokenize_general(text, general);
  ASSERT_EQ(fast.size(), general.size()) << text.substr(0, 120);
  for (std::size_t i = 0; i < fast.size(); ++i) {
    ASSERT_EQ(describe(fast[i]), describe(general[i])) << "token " << i << " of " << text.substr(0, 120);
  }
}

TEST(Tokenize, FastPathAsGeneralOnDevArticles) {
  for (const auto& article : testing::dev_articles()) {
    expect_fast_path_as_general(article.title + "\n" + article.text);
  }
}

// Random texts from fragments that meet every branch of both paths: words
// of 1 to 20 letters in either case, digits, apostrophes inside and after
// words, sentence ends, newlines, straight and curly quotes, markup and
// entities, non-ASCII letters and marks, unspaced scripts, invalid bytes.
TEST(Tokenize, FastPathAsGeneralOnRandomTexts) {
  const std::vector<std::string> fragments = {
      " ", " ", " ", "  ", ", ", ". ", "! ", "? ", "\n", "\n\n", "\"", "'", "’", "“", "”", "«", "»",
      "<b>", "</p>", "<", "&amp;", "&", "&#8217;", "-", "—", "é", "É", "ı", "İ", "ß", "ﬁ", "Ｗ",
      "e\xcc\x81", "東京", "ภาษา", "ที่", "\xff", "\xc3", "0", "42", "x86", "s"};
  std::mt19937_64 random(2024);
  auto word = [&] {
    std::string out;
    std::size_t length = 1 + random() % 20;
    for (std::size_t i = 0; i < length; ++i) {
      char base = random() % 4 == 0 ? 'A' : 'a';
      out.push_back(static_cast<char>(base + random() % 26));
    }
    return out;
  };
  for (int text_no = 0; text_no < 3000; ++text_no) {
    std::string text;
    std::size_t parts = random() % 80;
    for (std::size_t i = 0; i < parts; ++i) {
      text += random() % 2 == 0 ? word() : fragments[random() % fragments.size()];
    }
    expect_fast_path_as_general(text);
    expect_hashes_of_canonical_words(text);
  }
}

// Windows full of one-letter words (32 a window, the most one holds), then
// a tail shorter than a window: every length from two full windows on, so
// the token block fills at each point of the window and tail loops.
TEST(Tokenize, FastPathAsGeneralOnDenseShortWords) {
  for (const std::string unit : {"a ", "1-", "H."}) {
    std::string text;
    for (int words = 1; words <= 200; ++words) {
      text += unit;
      expect_fast_path_as_general(text);
    }
  }
}

// The fast path needs 16 readable bytes from a word's start; the last words
// of a text take the byte-wise path. Cut anywhere (inside words, UTF-8
// sequences, markup), a text's tokens are those it has with more after it.
TEST(Tokenize, TextEndsCutAnywhere) {
  const auto& articles = testing::dev_articles();
  for (std::size_t a = 0; a < 300; a += 29) {
    const std::string& text = articles[a].text;
    for (std::size_t cut = 1; cut < std::min<std::size_t>(text.size(), 400); cut += 7) {
      std::string prefix = text.substr(0, cut);
      auto alone = tokenize(prefix);
      auto continued = tokenize(prefix + "         tail");
      ASSERT_EQ(alone.size() + 1, continued.size()) << articles[a].id << " cut " << cut;
      for (std::size_t i = 0; i < alone.size(); ++i) {
        EXPECT_EQ(alone[i].hash, continued[i].hash) << articles[a].id << " cut " << cut;
      }
      EXPECT_EQ(flags_of(prefix), flags_of(prefix + "         tail").substr(0, alone.size()))
          << articles[a].id << " cut " << cut;
    }
  }
}

// Token hashes are persisted (text hashes, signatures, term ids in the
// dedup store): a change here needs k_schema_version in sqlite_store.cpp
// bumped. hash_bytes makes the persisted item and link keys: it must not
// change at all.
TEST(Hash, PinnedValues) {
  EXPECT_EQ(hash_token("bridge"), 0x2363c73c17eb98d5ull);
  EXPECT_EQ(hash_token("internationalisation"), 0x3a49f2e71f157a4eull);
  EXPECT_EQ(hash_tokens(tokenize("The quick brown fox")), 0x0d2e104695065bb0ull);
  EXPECT_EQ(hash_bytes("bridge"), 0x3dd8a3bd8c04313dull);
}

TEST(Hash, SeedsSeparateDomains) {
  EXPECT_NE(hash_bytes("abc", 1), hash_bytes("abc", 2));
  EXPECT_EQ(hash_bytes("abc", 1), hash_bytes("abc", 1));
  EXPECT_NE(mix64(1), mix64(2));
}

}  // namespace
}  // namespace newsmon::dedup
