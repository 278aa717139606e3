#include "feeds/normalize.hpp"

#include "feeds/dates.hpp"
#include "feeds/html_text.hpp"
#include "feeds/paragraph_writer.hpp"

namespace newsmon::feeds {

using detail::ParagraphWriter;

std::string html_to_text(std::string_view html) {
  if (auto fast = detail::html_to_text_fast(html, false)) {
    return std::move(*fast);
  }
  return detail::html_to_text_gumbo(html, false);
}

std::string plain_text_to_paragraphs(std::string_view text) {
  ParagraphWriter writer;
  std::size_t pos = 0;
  while (pos < text.size()) {
    auto nl = text.find('\n', pos);
    if (nl == std::string_view::npos) {
      nl = text.size();
    }
    const std::string_view line = text.substr(pos, nl - pos);
    if (line.find_first_not_of(" \t\r\f\v") == std::string_view::npos) {
      writer.paragraph_break();
    } else {
      writer.text(line);
      writer.space();
    }
    pos = nl + 1;
  }
  return writer.take();
}

std::string text_line(std::string_view maybe_html) {
  if (maybe_html.find_first_of("<&") != std::string_view::npos) {
    if (auto fast = detail::html_to_text_fast(maybe_html, true)) {
      return std::move(*fast);
    }
    return detail::html_to_text_gumbo(maybe_html, true);
  }
  ParagraphWriter writer;
  writer.text(maybe_html);
  return writer.take();
}

std::string make_dated_article(SysTime date, std::string_view body) {
  std::string article;
  article.reserve(17 + body.size());  // one allocation: " date YYYY-MM-DD " and the body
  article += " date ";
  article += format_day_utc(date);
  if (!body.empty()) {
    article += ' ';
    article.append(body);
  }
  return article;
}

}  // namespace newsmon::feeds
