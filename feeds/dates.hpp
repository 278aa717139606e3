#pragma once
// Publication dates as feeds really write them, converted to UTC. Pure
// functions: no clock is read here; the caller passes the fetch time.
#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "common/clock.hpp"
#include "common/time.hpp"

namespace newsmon::feeds {

// How far ahead of the fetch time a date may lie before it is treated as
// wrong: publishers' clocks drift and some stamp items a few minutes early,
// but an item from hours ahead would sort above everything for that long.
constexpr std::chrono::minutes k_future_tolerance{10};

enum class DateQuality {
  ok,              // read from the feed
  missing,         // the feed gave none: fetch time used
  unreadable,      // the feed gave text no known form matches: fetch time used
  future_clamped,  // more than k_future_tolerance ahead of the fetch: fetch time used
};

std::string_view to_string(DateQuality quality);

// Reads RFC 822/1123/2822 (any weekday or none, 2- or 4-digit year, short or
// full month names, optional seconds, any case and spacing, zones GMT/UT/UTC,
// US and common named zones, military letters, +hhmm/+hh:mm), RFC 3339 and
// ISO 8601 (basic and extended, fractional seconds, date only) and asctime.
// A missing zone means UTC. Returns nullopt when the text matches none.
std::optional<SysTime> parse_date(std::string_view text);

struct ItemDate {
  SysTime time;
  DateQuality quality;
};

// The date an item gets: parsed, or the fetch time when missing, unreadable
// or in the future beyond k_future_tolerance.
ItemDate resolve_item_date(std::optional<std::string_view> text, SysTime fetch_time);


}  // namespace newsmon::feeds
