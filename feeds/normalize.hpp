#pragma once
// Item markup to the dated article of DESIGN.md:
//   " date " + YYYY-MM-DD + " " + body
// where the body is plain UTF-8 text, paragraphs separated by one blank line
// ("\n\n"), whitespace inside a paragraph folded to single spaces, and no
// leading or trailing whitespace. The article carries no final newline: the
// seed files in shared/seeds/ differ there (one ends "\n\n", one ends with
// the last word), so a trailing newline is a matter of the archive file,
// never of the article text.
#include <string>
#include <string_view>

#include "common/clock.hpp"

namespace newsmon::feeds {

// HTML (a fragment, as feeds carry it) to paragraph text. Block elements
// (p, div, br, headings, lists, tables, blockquote, pre, ...) end paragraphs;
// script, style, template, noscript and comments are dropped; every HTML5
// named and numeric character reference is decoded (by gumbo); U+00A0 folds
// like a space.
std::string html_to_text(std::string_view html);

// Plain text (Atom type="text", JSON Feed content_text) to the same shape:
// a blank line separates paragraphs, other whitespace folds.
std::string plain_text_to_paragraphs(std::string_view text);

// One line of text: markup removed when there is any, entities decoded,
// all whitespace folded (for titles).
std::string text_line(std::string_view maybe_html);

// " date YYYY-MM-DD body"; with an empty body, " date YYYY-MM-DD".
std::string make_dated_article(SysTime date, std::string_view body);

}  // namespace newsmon::feeds
