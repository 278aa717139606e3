#include "config/units.hpp"

#include <array>
#include <charconv>
#include <limits>

namespace newsmon::config {
namespace {

struct Unit {
  std::string_view suffix;
  std::uint64_t factor;
};

// Longest suffixes first so "ms" is not read as "m" followed by junk.
constexpr std::array k_duration_units = {
    Unit{"ms", 1},           Unit{"s", 1000},          Unit{"m", 60'000},
    Unit{"h", 3'600'000},    Unit{"d", 86'400'000},    Unit{"w", 604'800'000},
};

constexpr std::array k_size_units = {
    Unit{"KiB", 1ull << 10}, Unit{"MiB", 1ull << 20}, Unit{"GiB", 1ull << 30},
    Unit{"KB", 1000},        Unit{"MB", 1'000'000},   Unit{"GB", 1'000'000'000},
    Unit{"B", 1},
};

bool multiply_add(std::uint64_t& total, std::uint64_t value, std::uint64_t factor) {
  constexpr auto k_max = std::numeric_limits<std::uint64_t>::max();
  if (value != 0 && factor > k_max / value) {
    return false;
  }
  std::uint64_t product = value * factor;
  if (total > k_max - product) {
    return false;
  }
  total += product;
  return true;
}

}  // namespace

std::optional<std::chrono::milliseconds> parse_duration(std::string_view text) {
  if (text.empty()) {
    return std::nullopt;
  }
  std::uint64_t total = 0;
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::uint64_t value = 0;
    auto [end, ec] = std::from_chars(text.data() + pos, text.data() + text.size(), value);
    if (ec != std::errc{}) {
      return std::nullopt;
    }
    pos = static_cast<std::size_t>(end - text.data());
    const Unit* unit = nullptr;
    for (const auto& candidate : k_duration_units) {
      if (text.substr(pos, candidate.suffix.size()) == candidate.suffix &&
          (unit == nullptr || candidate.suffix.size() > unit->suffix.size())) {
        unit = &candidate;
      }
    }
    if (unit == nullptr || !multiply_add(total, value, unit->factor)) {
      return std::nullopt;
    }
    pos += unit->suffix.size();
  }
  if (total > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
    return std::nullopt;
  }
  return std::chrono::milliseconds(static_cast<std::int64_t>(total));
}

std::optional<std::uint64_t> parse_size(std::string_view text) {
  std::uint64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || text.empty()) {
    return std::nullopt;
  }
  std::string_view suffix = text.substr(static_cast<std::size_t>(end - text.data()));
  if (suffix.empty()) {
    return value;
  }
  for (const auto& unit : k_size_units) {
    if (suffix == unit.suffix) {
      std::uint64_t total = 0;
      if (!multiply_add(total, value, unit.factor)) {
        return std::nullopt;
      }
      return total;
    }
  }
  return std::nullopt;
}

std::string format_duration(std::chrono::milliseconds duration) {
  auto ms = static_cast<std::uint64_t>(duration.count());
  if (ms == 0) {
    return "0s";
  }
  std::string out;
  for (auto it = k_duration_units.rbegin(); it != k_duration_units.rend(); ++it) {
    if (it->suffix == "w") {
      continue;  // "10d" reads better than "1w3d"
    }
    if (ms >= it->factor) {
      out += std::to_string(ms / it->factor);
      out += it->suffix;
      ms %= it->factor;
    }
  }
  return out;
}

}  // namespace newsmon::config
