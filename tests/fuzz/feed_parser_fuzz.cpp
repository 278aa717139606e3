// libFuzzer target over the parser stage: any bytes, as a feed (with and
// without an HTTP charset), as an item's HTML and as a date. Properties
// checked beyond "no crash": every article has the dated-article shape, and
// the fast HTML path agrees with gumbo whenever it accepts an input.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "feeds/dates.hpp"
#include "feeds/html_text.hpp"
#include "feeds/normalize.hpp"
#include "feeds/parser.hpp"

namespace {

bool has_trailing_whitespace(std::string_view s) {
  return !s.empty() && (s.back() == ' ' || s.back() == '\n' || s.back() == '\t');
}

void check_article(std::string_view article) {
  if (article.substr(0, 6) != " date " || article.size() < 16 ||
      has_trailing_whitespace(article) || article.find("\n\n\n") != std::string_view::npos) {
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace newsmon::feeds;
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  ParseOptions options;
  options.base_url = "https://example.org/feeds/news.xml";
  options.fetch_time = newsmon::SysTime{} + std::chrono::hours{24 * 365 * 50};
  // The first byte picks an HTTP charset, so that the iconv paths are reached.
  if (size > 0 && (data[0] & 0x3) == 1) {
    options.content_type = "text/xml; charset=windows-1251";
  } else if (size > 0 && (data[0] & 0x3) == 2) {
    options.content_type = "application/rss+xml; charset=utf-16";
  }
  auto feed = parse_feed(bytes, options);
  if (feed) {
    for (const auto& item : feed->items) {
      check_article(item.article);
    }
  }
  const std::string text = html_to_text(bytes);
  if (has_trailing_whitespace(text) || (!text.empty() && text.front() == ' ')) {
    std::abort();
  }
  // Differential: whatever the fast HTML path accepts, gumbo must agree with.
  for (bool one_line : {false, true}) {
    if (auto fast = detail::html_to_text_fast(bytes, one_line)) {
      if (*fast != detail::html_to_text_gumbo(bytes, one_line)) {
        std::abort();
      }
    }
  }
  if (size < 128) {
    (void)parse_date(bytes);
  }
  return 0;
}
