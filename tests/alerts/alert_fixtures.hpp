#pragma once
// Alerts built from the real seed articles (tests/data/alerts), shared by the
// alerts test suites.
#include <chrono>
#include <fstream>
#include <sstream>
#include <string>

#include "alerts/alert.hpp"

namespace newsmon::alerts::testing {

inline std::string read_data(const std::string& name) {
  std::ifstream in(std::string(NEWSMON_TEST_DATA) + "/alerts/" + name, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// The seed files end in newlines; the dated article itself has no trailing
// whitespace (DESIGN.md).
inline std::string seed_article(int index) {
  std::string text =
      read_data(index == 0 ? "000_3be80ab0dfb770c4.txt" : "001_3ad860b9476a8039.txt");
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) {
    text.pop_back();
  }
  return text;
}

inline SysTime utc(int y, unsigned mo, unsigned d, int h = 0, int mi = 0, int s = 0) {
  using namespace std::chrono;
  return sys_days(year_month_day{year{y}, month{mo}, day{d}}) + hours(h) + minutes(mi) + seconds(s);
}

inline Alert seed_alert(std::string story_id = "story-1", int index = 0) {
  Alert alert;
  alert.story_id = std::move(story_id);
  alert.feed = {"afp-world", "https://example.org/world.rss", {"world", "asia"}};
  alert.item.title = "Kim Jong-un meets Russia's Lavrov in Pyongyang";
  alert.item.link = "https://example.org/world/korea-talks";
  alert.item.guid = "urn:example:korea-talks";
  alert.item.published = utc(2018, 5, 31, 9, 15, 0);
  alert.article = seed_article(index);
  alert.detected_at = utc(2018, 5, 31, 9, 20, 7);
  return alert;
}

}  // namespace newsmon::alerts::testing
