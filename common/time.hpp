#pragma once
// UTC timestamps as the contracts write them: "YYYY-MM-DDTHH:MM:SSZ" in the
// parse output, alert bodies and status, "YYYY-MM-DD" in the dated article.
#include <optional>
#include <string>
#include <string_view>

#include "common/clock.hpp"

namespace newsmon {

// "YYYY-MM-DDTHH:MM:SSZ", whole seconds, UTC.
std::string format_utc(SysTime time);
// "YYYY-MM-DD", UTC.
std::string format_day_utc(SysTime time);
// Exactly the shape format_utc writes; nullopt otherwise.
std::optional<SysTime> parse_utc(std::string_view text);

}  // namespace newsmon
