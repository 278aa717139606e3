#include "feeds/normalize.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

namespace newsmon::feeds {
namespace {

using namespace std::chrono;

struct HtmlCase {
  const char* html;
  const char* text;
};

const HtmlCase k_html_cases[] = {
    {"", ""},
    {"plain words", "plain words"},
    {"  lots   of\n\twhite \r\n space  ", "lots of white space"},
    {"<p>One</p><p>Two</p>", "One\n\nTwo"},
    {"<p>One</p>\n\n\n<p>Two</p>", "One\n\nTwo"},
    {"<div><div><p>Deep</p></div></div><p>Next</p>", "Deep\n\nNext"},
    {"Line one<br>Line two<br/><br />Line three", "Line one\n\nLine two\n\nLine three"},
    {"<p>in <b>bold</b> and <i>italic</i>, <a href='x'>link</a>.</p>", "in bold and italic, link."},
    {"<h2>Head</h2>Body text", "Head\n\nBody text"},
    {"<ul><li>a</li><li>b</li></ul>", "a\n\nb"},
    {"<blockquote>quoted</blockquote>after", "quoted\n\nafter"},
    {"<table><tr><td>1</td><td>2</td></tr><tr><td>3</td></tr></table>", "1 2\n\n3"},
    {"<p>a<script>var x = '<p>no</p>';</script>b</p>", "ab"},
    {"<style>p { color: red }</style><p>styled</p>", "styled"},
    {"<p>before<!-- a comment -->after</p>", "beforeafter"},
    {"<noscript>enable js</noscript>text", "text"},
    {"<p>&amp; &lt; &gt; &quot; &apos; &#39; &#x41; &#65;</p>", "& < > \" ' ' A A"},
    {"&eacute;&ntilde;&mdash;&hellip;&euro;&copy;&rsquo;", "\u00e9\u00f1\u2014\u2026\u20ac\u00a9\u2019"},
    {"&NotNestedGreaterGreater;&fjlig;", "\u2aa2\u0338fj"},  // HTML5-only names
    {"a&nbsp;b&nbsp;&nbsp;c", "a b c"},                       // no-break spaces fold
    {"a\xc2\xa0\xc2\xa0z", "a z"},
    {"&#128512; &#x1F600;", "\U0001F600 \U0001F600"},
    {"AT&T and a stray & sign", "AT&T and a stray & sign"},
    {"<p>unclosed <b>bold<p>next", "unclosed bold\n\nnext"},
    {"<img src='x.png' alt='pic'>", ""},
    {"<p> </p><p>\n</p>", ""},
    {"<pre>  keep\n  folded  </pre>", "keep folded"},
    {"<figure><img src=a><figcaption>Caption</figcaption></figure>Text", "Caption\n\nText"},
    {"\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e <b>text</b>", "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e text"},
};

TEST(HtmlToText, ParagraphsEntitiesAndWhitespace) {
  for (const auto& c : k_html_cases) {
    SCOPED_TRACE(c.html);
    EXPECT_EQ(html_to_text(c.html), c.text);
  }
}

TEST(HtmlToText, DeepNestingDoesNotRecurse) {
  std::string html;
  for (int i = 0; i < 20000; ++i) {
    html += "<span>";
  }
  html += "deep";
  EXPECT_EQ(html_to_text(html), "deep");
}

TEST(PlainTextToParagraphs, BlankLinesSeparateParagraphs) {
  EXPECT_EQ(plain_text_to_paragraphs("One line\ncontinues\n\n  \nSecond  para \n"),
            "One line continues\n\nSecond para");
  EXPECT_EQ(plain_text_to_paragraphs("<b>not markup</b> &amp;"), "<b>not markup</b> &amp;");
  EXPECT_EQ(plain_text_to_paragraphs("\n\n"), "");
}

TEST(TextLine, FoldsToOneLine) {
  EXPECT_EQ(text_line("  A  title\n"), "A title");
  EXPECT_EQ(text_line("Caf&eacute; <b>bold</b>"), "Caf\u00e9 bold");
  EXPECT_EQ(text_line("<p>Two</p><p>paragraphs</p>"), "Two paragraphs");
  EXPECT_EQ(text_line("5 < 6"), "5 < 6");
}

// Folding by its definition: whitespace (ASCII space, \t \n \v \f \r) and
// U+00A0 separate words, which are joined by one space.
std::string folded_by_definition(std::string_view text) {
  std::string out;
  bool pending = false;
  for (std::size_t i = 0; i < text.size();) {
    const auto c = static_cast<unsigned char>(text[i]);
    const bool nbsp = c == 0xC2 && i + 1 < text.size() && static_cast<unsigned char>(text[i + 1]) == 0xA0;
    if (c == ' ' || (c >= 0x09 && c <= 0x0D) || nbsp) {
      pending = true;
      i += nbsp ? 2 : 1;
      continue;
    }
    if (pending && !out.empty()) {
      out += ' ';
    }
    pending = false;
    out += text[i++];
  }
  return out;
}

TEST(TextLine, FoldsLongMixedRunsAsDefined) {
  // Pieces that make long plain runs (taken 16 bytes at a time) with every
  // kind of break at every offset, and 0xC2 both starting U+00A0 and not.
  const std::vector<std::string> pieces = {"word", "Zeitungsartikel", "\u0434\u0430", "\u00e9t\u00e9",
                                           " ",    "  ",              "\t",            "\n",
                                           "\r\n", "\v",             "\f",            "\u00a0",
                                           " \u00a0 ", "\u00a9",         "\u00c2",        "x"};
  std::mt19937 random(2024);
  for (int round = 0; round < 2000; ++round) {
    std::string text;
    const int count = static_cast<int>(random() % 60);
    for (int k = 0; k < count; ++k) {
      text += pieces[random() % pieces.size()];
    }
    ASSERT_EQ(text_line(text), folded_by_definition(text)) << "input: [" << text << "]";
  }
}

TEST(MakeDatedArticle, ShapeOfDesign) {
  const SysTime date = sys_days{2018y / May / 31} + 23h + 59min;
  EXPECT_EQ(make_dated_article(date, "Body one.\n\nBody two."),
            " date 2018-05-31 Body one.\n\nBody two.");
  EXPECT_EQ(make_dated_article(date, ""), " date 2018-05-31");
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream content;
  content << in.rdbuf();
  return content.str();
}

// The seed articles (tests/data/seeds/, from shared/seeds/) are the reference
// shape: rebuilt from HTML paragraphs, each comes out byte for byte, minus
// the trailing newlines the archive file may carry.
TEST(MakeDatedArticle, ReproducesTheSeedArticles) {
  for (const char* name : {"000_3be80ab0dfb770c4.txt", "001_3ad860b9476a8039.txt"}) {
    SCOPED_TRACE(name);
    std::string seed = read_file(std::string(NEWSMON_TEST_DATA) + "/seeds/" + name);
    ASSERT_FALSE(seed.empty());
    while (!seed.empty() && seed.back() == '\n') {
      seed.pop_back();
    }
    ASSERT_EQ(seed.substr(0, 17), " date 2018-05-31 ");
    const std::string body = seed.substr(17);
    // The body as a feed would carry it: paragraphs as <p>, quotes as entities.
    std::string html;
    std::size_t pos = 0;
    while (pos <= body.size()) {
      auto end = body.find("\n\n", pos);
      if (end == std::string::npos) {
        end = body.size();
      }
      std::string paragraph = body.substr(pos, end - pos);
      std::string escaped;
      for (char c : paragraph) {
        escaped += c == '&' ? std::string("&amp;") : c == '"' ? std::string("&quot;") : std::string(1, c);
      }
      html += "<p>\n  " + escaped + "  </p>\n";
      pos = end + 2;
    }
    const SysTime date = sys_days{2018y / May / 31} + 14h;
    EXPECT_EQ(make_dated_article(date, html_to_text(html)), seed);
  }
}

}  // namespace
}  // namespace newsmon::feeds
