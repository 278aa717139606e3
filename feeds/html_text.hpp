#pragma once
// Internal to the normalizer: HTML to paragraph text, two ways.
//
// gumbo (a full HTML5 parser) is the reference; it runs at about 40 MB/s. The
// fast path tokenizes per HTML5 and tracks just enough of tree construction
// (open elements, implied closes of p/li/dd/dt/headings) to give the same
// text for the markup feeds carry, an order of magnitude faster. Whenever it
// meets something whose outcome depends on the rest of tree construction
// (tables, foreign content, misnested blocks, raw-text oddities, control
// characters, invalid UTF-8, ...) it declines and gumbo decides. The fuzz
// target checks that whatever the fast path accepts, gumbo agrees with.
#include <optional>
#include <string>
#include <string_view>

namespace newsmon::feeds::detail {

// one_line: block boundaries become spaces (titles) instead of paragraph breaks.
std::optional<std::string> html_to_text_fast(std::string_view html, bool one_line);
std::string html_to_text_gumbo(std::string_view html, bool one_line);

}  // namespace newsmon::feeds::detail
