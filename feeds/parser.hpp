#pragma once
// The feed parser stage: feed bytes (as fetched) to items carrying the dated
// article. RSS 0.9x/1.0/2.0, Atom 0.3/1.0 and JSON Feed 1.0/1.1, recognised
// from the document itself. A pure function of its inputs: the fetch time
// comes in through ParseOptions, no clock or network is used.
#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.hpp"
#include "common/result.hpp"
#include "feeds/dates.hpp"

namespace newsmon::feeds {

enum class FeedFormat { rss09x, rss10, rss20, atom03, atom10, json10, json11 };

// "rss0.9x", "rss1.0", "rss2.0", "atom0.3", "atom1.0", "json1.0", "json1.1".
std::string_view to_string(FeedFormat format);

struct FeedItem {
  std::string title;
  std::string link;  // absolute when the feed or ParseOptions::base_url allows
  std::string guid;  // the feed's id for the item; its link when it gives none
  std::optional<SysTime> published;  // nullopt when missing or unreadable
  DateQuality date_quality = DateQuality::missing;
  std::vector<std::string> authors;
  std::vector<std::string> categories;
  std::string article;  // the dated article (feeds/normalize.hpp)
};

// What the feed says about when to poll it (RSS <ttl>, <skipHours>, <skipDays>).
struct FeedHints {
  std::optional<std::chrono::minutes> ttl;
  std::vector<int> skip_hours;  // 0..23, UTC
  std::vector<int> skip_days;   // 0 = Sunday .. 6 = Saturday
};

struct ParsedFeed {
  FeedFormat format = FeedFormat::rss20;
  std::string title;
  std::string link;
  FeedHints hints;
  std::vector<FeedItem> items;
  std::vector<std::string> warnings;  // what was recovered (charset repair, XML errors)
};

struct ParseOptions {
  std::string base_url;      // the feed's URL; relative links resolve against it
  std::string content_type;  // the HTTP Content-Type header; its charset is honoured
  SysTime fetch_time;        // the date of items that have none
};

// Fails with a message naming the position (line and column, counted in
// characters of the decoded text) when nothing usable can be read; a document
// that breaks off after complete items yields those items and a warning.
Result<ParsedFeed> parse_feed(std::string_view bytes, const ParseOptions& options);

}  // namespace newsmon::feeds
