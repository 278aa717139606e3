#pragma once
// Feeds from an OPML subscription export (the format every feed reader
// exports): each <outline xmlUrl=...> becomes a feed, its enclosing outlines'
// titles become tags.
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"

namespace newsmon::config {

struct OpmlFeed {
  std::string name;
  std::string url;
  std::vector<std::string> tags;
};

Result<std::vector<OpmlFeed>> parse_opml(std::string_view document);
Result<std::vector<OpmlFeed>> read_opml_file(const std::string& path);

}  // namespace newsmon::config
