#include "feeds/dates.hpp"

#include <array>
#include <vector>

namespace newsmon::feeds {
namespace {

using namespace std::chrono;

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) {
    return false;
  }
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (lower(a[i]) != lower(b[i])) {
      return false;
    }
  }
  return true;
}

// Reads exactly `count` digits at `pos`, advancing it.
std::optional<int> read_digits(std::string_view s, std::size_t& pos, std::size_t count) {
  if (pos + count > s.size()) {
    return std::nullopt;
  }
  int value = 0;
  for (std::size_t i = 0; i < count; ++i) {
    if (!is_digit(s[pos + i])) {
      return std::nullopt;
    }
    value = value * 10 + (s[pos + i] - '0');
  }
  pos += count;
  return value;
}

// SysTime (nanoseconds in 64 bits) spans 1677..2262; a feed date outside
// these bounds is a typo, not a date.
constexpr int k_min_year = 1700;
constexpr int k_max_year = 2200;

struct Fields {
  int year = 0;
  int month = 0;
  int day = 0;
  int hour = 0;
  int minute = 0;
  int second = 0;
  minutes offset{0};  // local time minus UTC
};

std::optional<SysTime> to_time(const Fields& f) {
  if (f.month < 1 || f.month > 12 || f.hour < 0 || f.hour > 24 || f.minute < 0 || f.minute > 59 ||
      f.second < 0 || f.second > 60 || f.year < k_min_year || f.year > k_max_year) {
    return std::nullopt;
  }
  if (f.hour == 24 && (f.minute != 0 || f.second != 0)) {
    return std::nullopt;
  }
  const year_month_day date{year{f.year}, month{static_cast<unsigned>(f.month)},
                            day{static_cast<unsigned>(f.day)}};
  if (f.day < 1 || !date.ok()) {
    return std::nullopt;
  }
  // A leap second is read as the last second of its minute.
  const int second = f.second == 60 ? 59 : f.second;
  return sys_days{date} + hours{f.hour} + minutes{f.minute} + seconds{second} - f.offset;
}

// ±hh, ±hhmm, ±hh:mm starting at pos (which holds the sign).
std::optional<minutes> read_numeric_offset(std::string_view s, std::size_t& pos) {
  if (pos >= s.size() || (s[pos] != '+' && s[pos] != '-')) {
    return std::nullopt;
  }
  const int sign = s[pos] == '-' ? -1 : 1;
  ++pos;
  auto hh = read_digits(s, pos, 2);
  if (!hh) {
    return std::nullopt;
  }
  int mm = 0;
  if (pos < s.size() && s[pos] == ':') {
    ++pos;
  }
  if (auto m = read_digits(s, pos, 2)) {
    mm = *m;
  }
  if (*hh > 18 || mm > 59) {
    return std::nullopt;
  }
  return minutes{sign * (*hh * 60 + mm)};
}

struct NamedZone {
  std::string_view name;
  int offset_minutes;
};

// Zones of RFC 822 plus the abbreviations feeds commonly print.
constexpr std::array k_named_zones = {
    NamedZone{"ut", 0},       NamedZone{"utc", 0},      NamedZone{"gmt", 0},
    NamedZone{"z", 0},        NamedZone{"est", -300},   NamedZone{"edt", -240},
    NamedZone{"cst", -360},   NamedZone{"cdt", -300},   NamedZone{"mst", -420},
    NamedZone{"mdt", -360},   NamedZone{"pst", -480},   NamedZone{"pdt", -420},
    NamedZone{"ast", -240},   NamedZone{"adt", -180},   NamedZone{"akst", -540},
    NamedZone{"akdt", -480},  NamedZone{"hst", -600},   NamedZone{"wet", 0},
    NamedZone{"west", 60},    NamedZone{"bst", 60},     NamedZone{"cet", 60},
    NamedZone{"cest", 120},   NamedZone{"met", 60},     NamedZone{"mest", 120},
    NamedZone{"eet", 120},    NamedZone{"eest", 180},   NamedZone{"msk", 180},
    NamedZone{"ist", 330},    NamedZone{"sgt", 480},    NamedZone{"hkt", 480},
    NamedZone{"jst", 540},    NamedZone{"kst", 540},    NamedZone{"awst", 480},
    NamedZone{"acst", 570},   NamedZone{"aest", 600},   NamedZone{"aedt", 660},
    NamedZone{"nzst", 720},   NamedZone{"nzdt", 780},
};

std::optional<minutes> named_zone(std::string_view word) {
  for (const auto& zone : k_named_zones) {
    if (iequals(word, zone.name)) {
      return minutes{zone.offset_minutes};
    }
  }
  // Military letters as the military defines them (A..I, K..M east,
  // N..Y west); RFC 822 printed the signs reversed, RFC 1123 noted the error.
  if (word.size() == 1 && is_alpha(word[0])) {
    const char c = lower(word[0]);
    if (c >= 'a' && c <= 'i') {
      return hours{c - 'a' + 1};
    }
    if (c >= 'k' && c <= 'm') {
      return hours{c - 'k' + 10};
    }
    if (c >= 'n' && c <= 'y') {
      return hours{-(c - 'n' + 1)};
    }
  }
  return std::nullopt;
}

constexpr std::array<std::string_view, 12> k_months = {
    "january", "february", "march",     "april",   "may",      "june",
    "july",    "august",   "september", "october", "november", "december"};

// Abbreviations of other languages that feeds print in RFC 822 dates
// (Portuguese, Spanish, Italian, German, French, Dutch) where they differ
// from the English ones.
struct LocalMonth {
  std::string_view name;
  int month;
};
constexpr std::array k_local_months = {
    LocalMonth{"fev", 2},  LocalMonth{"abr", 4},  LocalMonth{"mai", 5},  LocalMonth{"ago", 8},
    LocalMonth{"set", 9},  LocalMonth{"out", 10}, LocalMonth{"dez", 12}, LocalMonth{"ene", 1},
    LocalMonth{"dic", 12}, LocalMonth{"gen", 1},  LocalMonth{"mag", 5},  LocalMonth{"giu", 6},
    LocalMonth{"lug", 7},  LocalMonth{"ott", 10}, LocalMonth{"okt", 10}, LocalMonth{"avr", 4},
    LocalMonth{"juin", 6}, LocalMonth{"juil", 7}, LocalMonth{"janv", 1}, LocalMonth{"mrt", 3},
};

// A month name: its first three letters or more of it ("Sept", "June").
int month_from_word(std::string_view word) {
  if (word.size() < 3) {
    return 0;
  }
  for (const auto& local : k_local_months) {
    if (iequals(word, local.name)) {
      return local.month;
    }
  }
  for (std::size_t i = 0; i < k_months.size(); ++i) {
    const auto name = k_months[i];
    if (word.size() <= name.size() && iequals(word, name.substr(0, word.size()))) {
      return static_cast<int>(i) + 1;
    }
  }
  return 0;
}

bool is_weekday(std::string_view word) {
  constexpr std::array<std::string_view, 7> k_days = {"sunday",   "monday", "tuesday", "wednesday",
                                                      "thursday", "friday", "saturday"};
  if (word.size() < 2) {
    return false;
  }
  for (const auto name : k_days) {
    if (word.size() <= name.size() && iequals(word, name.substr(0, word.size()))) {
      return true;
    }
  }
  // Abbreviations like "Tues", "Thur", "Thurs" are prefixes too; "Thu" ok.
  return false;
}

// hh:mm[:ss[.fff]] starting at pos.
bool read_clock(std::string_view s, std::size_t& pos, Fields& f) {
  std::size_t p = pos;
  int hour = 0;
  if (auto two = read_digits(s, p, 2)) {
    hour = *two;
  } else if (auto one = read_digits(s, p, 1)) {
    hour = *one;
  } else {
    return false;
  }
  if (p >= s.size() || s[p] != ':') {
    return false;
  }
  ++p;
  auto minute = read_digits(s, p, 2);
  if (!minute) {
    return false;
  }
  f.hour = hour;
  f.minute = *minute;
  f.second = 0;
  if (p < s.size() && s[p] == ':') {
    ++p;
    auto second = read_digits(s, p, 2);
    if (!second) {
      return false;
    }
    f.second = *second;
    if (p < s.size() && (s[p] == '.' || s[p] == ',')) {
      ++p;
      while (p < s.size() && is_digit(s[p])) {
        ++p;
      }
    }
  }
  pos = p;
  return true;
}

// RFC 3339 / ISO 8601: 2024-03-05T14:30:00.123+01:00, 20240305T143000Z,
// 2024-03-05 14:30 UTC, 2024-03-05.
std::optional<SysTime> parse_iso(std::string_view s) {
  std::size_t pos = 0;
  Fields f;
  auto y = read_digits(s, pos, 4);
  if (!y) {
    return std::nullopt;
  }
  f.year = *y;
  const bool extended = pos < s.size() && s[pos] == '-';
  if (extended) {
    ++pos;
  }
  auto mo = read_digits(s, pos, 2);
  if (!mo) {
    return std::nullopt;
  }
  f.month = *mo;
  if (extended) {
    if (pos >= s.size() || s[pos] != '-') {
      return std::nullopt;
    }
    ++pos;
  }
  auto d = read_digits(s, pos, 2);
  if (!d) {
    return std::nullopt;
  }
  f.day = *d;
  if (pos == s.size()) {
    return to_time(f);
  }
  if (s[pos] != 'T' && s[pos] != 't' && s[pos] != ' ') {
    return std::nullopt;
  }
  ++pos;
  while (pos < s.size() && s[pos] == ' ') {
    ++pos;
  }
  if (extended || (pos + 2 < s.size() && s[pos + 2] == ':')) {
    if (!read_clock(s, pos, f)) {
      return std::nullopt;
    }
  } else {
    auto hh = read_digits(s, pos, 2);
    auto mm = read_digits(s, pos, 2);
    if (!hh || !mm) {
      return std::nullopt;
    }
    f.hour = *hh;
    f.minute = *mm;
    if (auto ss = read_digits(s, pos, 2)) {
      f.second = *ss;
    }
  }
  while (pos < s.size() && s[pos] == ' ') {
    ++pos;
  }
  if (pos == s.size()) {
    return to_time(f);
  }
  if (s[pos] == '+' || s[pos] == '-') {
    auto offset = read_numeric_offset(s, pos);
    if (!offset || pos != s.size()) {
      return std::nullopt;
    }
    f.offset = *offset;
    return to_time(f);
  }
  auto zone = named_zone(s.substr(pos));
  if (!zone) {
    return std::nullopt;
  }
  f.offset = *zone;
  return to_time(f);
}

// RFC 822 and the looser forms around it, read token by token so that field
// order may vary: "Tue, 10 Jun 2003 04:00:00 GMT", "10 June 03 4:00 pm EST",
// "June 10, 2003 04:00:00 -0400", "Tue Jun 10 04:00:00 2003" (asctime).
std::optional<SysTime> parse_loose(std::string_view s) {
  Fields f;
  bool have_day = false;
  bool have_year = false;
  bool have_time = false;
  bool have_zone = false;
  std::vector<int> numbers;
  int year_digits = 0;
  std::size_t pos = 0;
  while (pos < s.size()) {
    const char c = s[pos];
    if (c == ' ' || c == ',' || c == '\t' || c == '\n' || c == '\r' || c == '.' ||
        (c == '-' && !have_time)) {
      ++pos;
      continue;
    }
    if ((c == '+' || c == '-') && have_time && !have_zone) {
      auto offset = read_numeric_offset(s, pos);
      if (!offset) {
        return std::nullopt;
      }
      f.offset = *offset;
      have_zone = true;
      continue;
    }
    if (is_digit(c)) {
      if (!have_time) {
        std::size_t p = pos;
        if (read_clock(s, p, f)) {
          pos = p;
          have_time = true;
          continue;
        }
      }
      std::size_t end = pos;
      while (end < s.size() && is_digit(s[end])) {
        ++end;
      }
      if (end - pos > 4) {
        return std::nullopt;
      }
      int value = 0;
      for (std::size_t i = pos; i < end; ++i) {
        value = value * 10 + (s[i] - '0');
      }
      // Ordinal suffixes: "1st", "22nd".
      std::size_t after = end;
      while (after < s.size() && is_alpha(s[after])) {
        ++after;
      }
      const std::string_view suffix = s.substr(end, after - end);
      if (!suffix.empty() && !(iequals(suffix, "st") || iequals(suffix, "nd") ||
                               iequals(suffix, "rd") || iequals(suffix, "th"))) {
        return std::nullopt;
      }
      if (end - pos == 4) {
        if (have_year) {
          return std::nullopt;
        }
        f.year = value;
        year_digits = 4;
        have_year = true;
      } else if (!have_day && value >= 1 && value <= 31 && suffix.size() <= 2) {
        f.day = value;
        have_day = true;
      } else if (!have_year && end - pos == 2) {
        f.year = value;
        year_digits = 2;
        have_year = true;
      } else {
        return std::nullopt;
      }
      numbers.push_back(value);
      pos = after;
      continue;
    }
    if (is_alpha(c)) {
      std::size_t end = pos;
      while (end < s.size() && is_alpha(s[end])) {
        ++end;
      }
      const std::string_view word = s.substr(pos, end - pos);
      pos = end;
      if (have_time && (iequals(word, "am") || iequals(word, "pm"))) {
        if (f.hour < 1 || f.hour > 12) {
          return std::nullopt;
        }
        f.hour = f.hour % 12 + (iequals(word, "pm") ? 12 : 0);
        continue;
      }
      if (f.month == 0) {
        if (int m = month_from_word(word)) {
          f.month = m;
          continue;
        }
      }
      if (have_time && !have_zone) {
        if (auto zone = named_zone(word)) {
          f.offset = *zone;
          have_zone = true;
          // "GMT+0100", "UTC-5": a numeric offset written after the name.
          if (pos < s.size() && (s[pos] == '+' || s[pos] == '-')) {
            std::size_t p = pos;
            if (auto offset = read_numeric_offset(s, p)) {
              f.offset = *offset;
              pos = p;
            } else if (p = pos + 1; p < s.size() && is_digit(s[p])) {
              const int sign = s[pos] == '-' ? -1 : 1;
              int h = 0;
              while (p < s.size() && is_digit(s[p]) && h < 100) {
                h = h * 10 + (s[p++] - '0');
              }
              if (h > 14) {
                return std::nullopt;
              }
              f.offset = hours{sign * h};
              pos = p;
            }
          }
          continue;
        }
      }
      // A leading word before any number is a weekday, in whatever language.
      if (!have_day && !have_time && (is_weekday(word) || (numbers.empty() && f.month == 0))) {
        continue;
      }
      return std::nullopt;
    }
    return std::nullopt;
  }
  if (!have_day || !have_year || f.month == 0) {
    return std::nullopt;
  }
  if (year_digits == 2) {
    // RFC 2822 section 4.3: 00-49 are 2000-2049, 50-99 are 1950-1999.
    f.year += f.year < 50 ? 2000 : 1900;
  }
  return to_time(f);
}

std::string trim(std::string_view s) {
  std::size_t b = 0;
  std::size_t e = s.size();
  auto space = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; };
  while (b < e && space(s[b])) {
    ++b;
  }
  while (e > b && space(s[e - 1])) {
    --e;
  }
  return std::string(s.substr(b, e - b));
}

}  // namespace

std::string_view to_string(DateQuality quality) {
  switch (quality) {
    case DateQuality::ok: return "ok";
    case DateQuality::missing: return "missing";
    case DateQuality::unreadable: return "unreadable";
    case DateQuality::future_clamped: return "future_clamped";
  }
  return "unknown";
}

std::optional<SysTime> parse_date(std::string_view text) {
  const std::string s = trim(text);
  if (s.empty() || s.size() > 100) {
    return std::nullopt;
  }
  if (s.size() >= 8 && is_digit(s[0]) && is_digit(s[1]) && is_digit(s[2]) && is_digit(s[3])) {
    if (auto iso = parse_iso(s)) {
      return iso;
    }
  }
  return parse_loose(s);
}

ItemDate resolve_item_date(std::optional<std::string_view> text, SysTime fetch_time) {
  if (!text || trim(*text).empty()) {
    return {fetch_time, DateQuality::missing};
  }
  auto parsed = parse_date(*text);
  if (!parsed) {
    return {fetch_time, DateQuality::unreadable};
  }
  if (*parsed > fetch_time + k_future_tolerance) {
    return {fetch_time, DateQuality::future_clamped};
  }
  return {*parsed, DateQuality::ok};
}


}  // namespace newsmon::feeds
