#pragma once
// Human units in the config: durations ("90s", "15m", "1h30m", "7d", "250ms")
// and byte sizes ("8MiB", "512KiB", "1GB", "4096").
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace newsmon::config {

std::optional<std::chrono::milliseconds> parse_duration(std::string_view text);
std::optional<std::uint64_t> parse_size(std::string_view text);
std::string format_duration(std::chrono::milliseconds duration);

}  // namespace newsmon::config
