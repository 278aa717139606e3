#include "feeds/dates.hpp"

#include <gtest/gtest.h>

namespace newsmon::feeds {
namespace {

using namespace std::chrono;

struct DateCase {
  const char* text;
  const char* utc;  // expected, RFC 3339; nullptr: unreadable
};

// Forms seen in real feeds, each with the UTC instant it denotes.
const DateCase k_cases[] = {
    // RFC 822 / 1123 / 2822
    {"Sun, 06 Nov 1994 08:49:37 GMT", "1994-11-06T08:49:37Z"},
    {"Sun, 06 Nov 1994 08:49:37 UT", "1994-11-06T08:49:37Z"},
    {"Sun, 06 Nov 1994 08:49:37 UTC", "1994-11-06T08:49:37Z"},
    {"Sun, 06 Nov 1994 08:49:37 Z", "1994-11-06T08:49:37Z"},
    {"Tue, 10 Jun 2003 04:00:00 +0000", "2003-06-10T04:00:00Z"},
    {"Tue, 10 Jun 2003 04:00:00 -0000", "2003-06-10T04:00:00Z"},
    {"Tue, 10 Jun 2003 04:00:00 +0200", "2003-06-10T02:00:00Z"},
    {"Tue, 10 Jun 2003 04:00:00 -0330", "2003-06-10T07:30:00Z"},
    {"Tue, 10 Jun 2003 04:00:00 +05:30", "2003-06-09T22:30:00Z"},
    {"Tue, 10 Jun 2003 04:00:00 EST", "2003-06-10T09:00:00Z"},
    {"Tue, 10 Jun 2003 04:00:00 EDT", "2003-06-10T08:00:00Z"},
    {"Tue, 10 Jun 2003 04:00:00 CST", "2003-06-10T10:00:00Z"},
    {"Tue, 10 Jun 2003 04:00:00 CDT", "2003-06-10T09:00:00Z"},
    {"Tue, 10 Jun 2003 04:00:00 MST", "2003-06-10T11:00:00Z"},
    {"Tue, 10 Jun 2003 04:00:00 MDT", "2003-06-10T10:00:00Z"},
    {"Tue, 10 Jun 2003 04:00:00 PST", "2003-06-10T12:00:00Z"},
    {"Tue, 10 Jun 2003 04:00:00 PDT", "2003-06-10T11:00:00Z"},
    {"Tue, 10 Jun 2003 04:00:00 CEST", "2003-06-10T02:00:00Z"},
    // Military letters, with the military's signs (A = +1 ... M = +12, N = -1 ... Y = -12).
    {"Tue, 10 Jun 2003 04:00:00 A", "2003-06-10T03:00:00Z"},
    {"Tue, 10 Jun 2003 04:00:00 M", "2003-06-09T16:00:00Z"},
    {"Tue, 10 Jun 2003 04:00:00 N", "2003-06-10T05:00:00Z"},
    {"Tue, 10 Jun 2003 04:00:00 Y", "2003-06-10T16:00:00Z"},
    {"Tue, 10 Jun 2003 04:00:00 GMT+0100", "2003-06-10T03:00:00Z"},
    {"Tue, 10 Jun 2003 04:00:00 UTC-5", "2003-06-10T09:00:00Z"},
    // Broken forms real feeds use.
    {"10 Jun 2003 04:00:00 GMT", "2003-06-10T04:00:00Z"},                 // no weekday
    {"Tue, 10 Jun 03 04:00:00 GMT", "2003-06-10T04:00:00Z"},              // two-digit year
    {"Thu, 10 Jun 99 04:00:00 GMT", "1999-06-10T04:00:00Z"},              // two-digit, 1900s
    {"Tuesday, 10 June 2003 04:00:00 GMT", "2003-06-10T04:00:00Z"},       // full names
    {"Tue, 10 Jun 2003 04:00 GMT", "2003-06-10T04:00:00Z"},               // no seconds
    {"Fri, 10 Jun 2003 04:00:00 GMT", "2003-06-10T04:00:00Z"},            // wrong weekday
    {"tue, 10 jun 2003 04:00:00 gmt", "2003-06-10T04:00:00Z"},            // lower case
    {"  Tue,  10   Jun 2003   04:00:00   GMT  ", "2003-06-10T04:00:00Z"}, // extra spaces
    {"Tue,10 Jun 2003 04:00:00 GMT", "2003-06-10T04:00:00Z"},             // no space after comma
    {"Tue, 3 Jun 2003 4:05:06 GMT", "2003-06-03T04:05:06Z"},              // one-digit day/hour
    {"Tue, 10 Jun 2003 04:00:00", "2003-06-10T04:00:00Z"},                // no zone: UTC
    {"Tue, 10 Sept 2003 04:00:00 GMT", "2003-09-10T04:00:00Z"},           // "Sept"
    {"Wed, 31 Dec 2003 23:59:60 GMT", "2003-12-31T23:59:59Z"},            // leap second
    {"June 10, 2003 04:00:00 -0400", "2003-06-10T08:00:00Z"},             // US order
    {"June 10, 2003", "2003-06-10T00:00:00Z"},                            // date only
    {"10 June 2003", "2003-06-10T00:00:00Z"},
    {"10-Jun-2003 04:00:00 GMT", "2003-06-10T04:00:00Z"},                 // dashes
    {"Tue Jun 10 04:00:00 2003", "2003-06-10T04:00:00Z"},                 // asctime
    {"Tue, 10 Jun 2003 4:00 pm EST", "2003-06-10T21:00:00Z"},             // 12-hour clock
    {"Tue, 10 Jun 2003 12:30 am GMT", "2003-06-10T00:30:00Z"},
    {"Seg, 24 Set 2018 19:42:40 -0300", "2018-09-24T22:42:40Z"},          // Portuguese
    {"Di, 14 Okt 2014 10:00:00 +0200", "2014-10-14T08:00:00Z"},           // German
    {"1st June 2003", "2003-06-01T00:00:00Z"},                            // ordinal
    // RFC 3339 / ISO 8601
    {"2003-12-13T18:30:02Z", "2003-12-13T18:30:02Z"},
    {"2003-12-13T18:30:02z", "2003-12-13T18:30:02Z"},
    {"2003-12-13t18:30:02Z", "2003-12-13T18:30:02Z"},
    {"2003-12-13T18:30:02.25Z", "2003-12-13T18:30:02Z"},
    {"2003-12-13T18:30:02.123456789+01:00", "2003-12-13T17:30:02Z"},
    {"2003-12-13T18:30:02+01:00", "2003-12-13T17:30:02Z"},
    {"2003-12-13T18:30:02-08:00", "2003-12-14T02:30:02Z"},
    {"2003-12-13T18:30:02+0100", "2003-12-13T17:30:02Z"},
    {"2003-12-13T18:30:02+01", "2003-12-13T17:30:02Z"},
    {"2003-12-13T18:30Z", "2003-12-13T18:30:00Z"},
    {"2003-12-13T18:30:02", "2003-12-13T18:30:02Z"},
    {"2003-12-13 18:30:02", "2003-12-13T18:30:02Z"},
    {"2003-12-13 18:30:02 UTC", "2003-12-13T18:30:02Z"},
    {"2003-12-13 18:30:02 +0000", "2003-12-13T18:30:02Z"},
    {"2003-12-13", "2003-12-13T00:00:00Z"},
    {"20031213T183002Z", "2003-12-13T18:30:02Z"},
    {"2003-12-13T24:00:00Z", "2003-12-14T00:00:00Z"},
    {"2024-02-29T12:00:00Z", "2024-02-29T12:00:00Z"},
    // Unreadable
    {"", nullptr},
    {"   ", nullptr},
    {"yesterday", nullptr},
    {"1518478934", nullptr},
    {"2003-13-01T00:00:00Z", nullptr},
    {"2023-02-29T12:00:00Z", nullptr},
    {"Tue, 32 Jun 2003 04:00:00 GMT", nullptr},
    {"Tue, 10 Foo 2003 04:00:00 GMT", nullptr},
    {"Tue, 10 Jun 2003 25:00:00 GMT", nullptr},
    {"Tue, 10 Jun 2003 04:61:00 GMT", nullptr},
    {"Tue, 10 Jun 2003 04:00:00 XYZ", nullptr},
    {"Tue, 10 Jun 04:00:00 GMT", nullptr},
    {"0001-01-01T00:00:00Z", nullptr},  // outside the range SysTime holds
    {"9999-12-31T23:59:59Z", nullptr},
};

TEST(ParseDate, ReadsEveryFormFeedsUse) {
  for (const auto& c : k_cases) {
    SCOPED_TRACE(c.text);
    const auto parsed = parse_date(c.text);
    if (c.utc == nullptr) {
      EXPECT_FALSE(parsed.has_value()) << format_utc(*parsed);
    } else {
      ASSERT_TRUE(parsed.has_value());
      EXPECT_EQ(format_utc(*parsed), c.utc);
    }
  }
}

const SysTime k_fetch = sys_days{2024y / March / 5} + 12h;

TEST(ResolveItemDate, MissingUsesFetchTime) {
  const auto date = resolve_item_date(std::nullopt, k_fetch);
  EXPECT_EQ(date.time, k_fetch);
  EXPECT_EQ(date.quality, DateQuality::missing);
  EXPECT_EQ(resolve_item_date(" \n", k_fetch).quality, DateQuality::missing);
}

TEST(ResolveItemDate, UnreadableUsesFetchTime) {
  const auto date = resolve_item_date("not a date", k_fetch);
  EXPECT_EQ(date.time, k_fetch);
  EXPECT_EQ(date.quality, DateQuality::unreadable);
}

TEST(ResolveItemDate, FutureWithinToleranceIsKept) {
  const auto date = resolve_item_date("2024-03-05T12:10:00Z", k_fetch);
  EXPECT_EQ(date.quality, DateQuality::ok);
  EXPECT_EQ(date.time, k_fetch + k_future_tolerance);
}

TEST(ResolveItemDate, FutureBeyondToleranceIsClampedAndFlagged) {
  const auto date = resolve_item_date("2024-03-05T12:10:01Z", k_fetch);
  EXPECT_EQ(date.quality, DateQuality::future_clamped);
  EXPECT_EQ(date.time, k_fetch);
  EXPECT_EQ(resolve_item_date("Tue, 05 Mar 2030 12:00:00 GMT", k_fetch).quality,
            DateQuality::future_clamped);
}

TEST(ResolveItemDate, PastIsKept) {
  const auto date = resolve_item_date("Mon, 04 Mar 2024 23:30:00 -0100", k_fetch);
  EXPECT_EQ(date.quality, DateQuality::ok);
  EXPECT_EQ(format_utc(date.time), "2024-03-05T00:30:00Z");
}

TEST(FormatDate, Rfc3339AndDay) {
  const SysTime t = sys_days{1999y / December / 31} + 23h + 59min + 58s + 900ms;
  EXPECT_EQ(format_utc(t), "1999-12-31T23:59:58Z");
  EXPECT_EQ(format_day_utc(t), "1999-12-31");
}

}  // namespace
}  // namespace newsmon::feeds
