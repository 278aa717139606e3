#include "config/opml.hpp"

#include <pugixml.hpp>

#include <fstream>
#include <sstream>

namespace newsmon::config {
namespace {

void collect(const pugi::xml_node& parent, std::vector<std::string>& tags,
             std::vector<OpmlFeed>& out) {
  for (const auto& outline : parent.children("outline")) {
    std::string title = outline.attribute("title").as_string();
    if (title.empty()) {
      title = outline.attribute("text").as_string();
    }
    std::string url = outline.attribute("xmlUrl").as_string();
    if (!url.empty()) {
      out.push_back(OpmlFeed{title.empty() ? url : title, url, tags});
    }
    bool is_folder = url.empty() && !title.empty();
    if (is_folder) {
      tags.push_back(title);
    }
    collect(outline, tags, out);
    if (is_folder) {
      tags.pop_back();
    }
  }
}

// 1-based line of a byte offset, for messages.
std::size_t line_of(std::string_view document, std::ptrdiff_t offset) {
  std::size_t line = 1;
  for (std::ptrdiff_t i = 0; i < offset && i < static_cast<std::ptrdiff_t>(document.size()); ++i) {
    line += document[static_cast<std::size_t>(i)] == '\n' ? 1 : 0;
  }
  return line;
}

}  // namespace

Result<std::vector<OpmlFeed>> parse_opml(std::string_view document) {
  pugi::xml_document xml;
  pugi::xml_parse_result parsed = xml.load_buffer(document.data(), document.size());
  if (!parsed) {
    return Error{"line " + std::to_string(line_of(document, parsed.offset)) + ": " +
                 parsed.description()};
  }
  pugi::xml_node body = xml.child("opml").child("body");
  if (!body) {
    return Error{"not an OPML document (no <opml><body>)"};
  }
  std::vector<OpmlFeed> feeds;
  std::vector<std::string> tags;
  collect(body, tags, feeds);
  return feeds;
}

Result<std::vector<OpmlFeed>> read_opml_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return Error{"cannot read " + path};
  }
  std::ostringstream text;
  text << in.rdbuf();
  auto feeds = parse_opml(text.str());
  if (!feeds) {
    return Error{path + ": " + feeds.error().message};
  }
  return feeds;
}

}  // namespace newsmon::config
