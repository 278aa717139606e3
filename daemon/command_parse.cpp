// `newsmon parse FILE...|-`: the parser stage on files, one JSON object per
// item on stdout (DESIGN.md). A file that cannot be read is reported on
// stderr with its position and the others are still parsed; exit 1 then.
#include <fstream>
#include <iostream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <sstream>

#include "common/clock.hpp"
#include "daemon/commands.hpp"
#include "feeds/parser.hpp"

namespace newsmon::daemon {
namespace {

std::optional<std::string> read_input(const std::string& path) {
  if (path == "-") {
    return std::string(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return std::nullopt;
  }
  std::ostringstream content;
  content << in.rdbuf();
  return content.str();
}

nlohmann::ordered_json item_json(const feeds::ParsedFeed& feed, const feeds::FeedItem& item) {
  return {
      {"feed_format", std::string(feeds::to_string(feed.format))},
      {"feed_title", feed.title},
      {"feed_link", feed.link},
      {"title", item.title},
      {"link", item.link},
      {"guid", item.guid},
      {"published", item.published ? nlohmann::ordered_json(format_utc(*item.published))
                                   : nlohmann::ordered_json(nullptr)},
      {"authors", item.authors},
      {"categories", item.categories},
      {"article", item.article},
  };
}

}  // namespace

int command_parse(const std::vector<std::string>& args) {
  const ParsedArgs parsed = parse_args(args, {});
  if (parsed.error) {
    return usage_error("parse", *parsed.error);
  }
  if (parsed.positional.empty()) {
    return usage_error("parse", "no feed file given");
  }
  const SystemClock clock;
  bool failed = false;
  for (const std::string& path : parsed.positional) {
    const std::string name = path == "-" ? "<stdin>" : path;
    const auto bytes = read_input(path);
    if (!bytes) {
      std::cerr << "newsmon parse: " << name << ": cannot read the file\n";
      failed = true;
      continue;
    }
    feeds::ParseOptions options;
    options.fetch_time = clock.now();
    const auto feed = feeds::parse_feed(*bytes, options);
    if (!feed) {
      std::cerr << "newsmon parse: " << name << ": " << feed.error().message << "\n";
      failed = true;
      continue;
    }
    for (const auto& warning : feed->warnings) {
      std::cerr << "newsmon parse: " << name << ": warning: " << warning << "\n";
    }
    for (const auto& item : feed->items) {
      std::cout << item_json(*feed, item).dump(-1, ' ', false,
                                               nlohmann::ordered_json::error_handler_t::replace)
                << "\n";
    }
  }
  std::cout.flush();
  return failed ? k_exit_failure : k_exit_ok;
}

}  // namespace newsmon::daemon
