#pragma once
// Relative references in feeds (xml:base, item links) resolved per RFC 3986 5.2.
#include <string>
#include <string_view>

namespace newsmon::feeds {

// Resolves `reference` against `base`. An empty or non-absolute base leaves
// the reference as it is (there is nothing better to offer).
std::string resolve_url(std::string_view base, std::string_view reference);

bool is_absolute_url(std::string_view url);

}  // namespace newsmon::feeds
