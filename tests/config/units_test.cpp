#include "config/units.hpp"

#include <gtest/gtest.h>

#include <cctype>
#include <string>

namespace newsmon::config {
namespace {

using namespace std::chrono_literals;

// Test names from the input text: "1h30m" -> "1h30m", "" -> "empty", "5 m" -> "5_m".
template <class Case>
std::string case_name(const ::testing::TestParamInfo<Case>& test) {
  std::string name;
  for (char c : std::string(test.param.text)) {
    name += std::isalnum(static_cast<unsigned char>(c)) != 0 ? c : '_';
  }
  return (name.empty() ? "empty" : name) + "_" + std::to_string(test.index);
}

struct DurationCase {
  const char* text;
  std::optional<std::chrono::milliseconds> expected;
};

class DurationParsing : public ::testing::TestWithParam<DurationCase> {};

TEST_P(DurationParsing, MatchesExpected) {
  EXPECT_EQ(parse_duration(GetParam().text), GetParam().expected) << GetParam().text;
}

INSTANTIATE_TEST_SUITE_P(
    Table, DurationParsing,
    ::testing::Values(DurationCase{"90s", 90s}, DurationCase{"15m", 15min},
                      DurationCase{"72h", 72h}, DurationCase{"7d", 7 * 24h},
                      DurationCase{"250ms", 250ms}, DurationCase{"1h30m", 90min},
                      DurationCase{"2w", 14 * 24h}, DurationCase{"0s", 0s},
                      DurationCase{"", std::nullopt}, DurationCase{"10", std::nullopt},
                      DurationCase{"s", std::nullopt}, DurationCase{"5 m", std::nullopt},
                      DurationCase{"-5s", std::nullopt}, DurationCase{"1.5h", std::nullopt},
                      DurationCase{"3y", std::nullopt},
                      DurationCase{"99999999999999999999d", std::nullopt},
                      DurationCase{"200000000000000d", std::nullopt}),
    case_name<DurationCase>);

struct SizeCase {
  const char* text;
  std::optional<std::uint64_t> expected;
};

class SizeParsing : public ::testing::TestWithParam<SizeCase> {};

TEST_P(SizeParsing, MatchesExpected) {
  EXPECT_EQ(parse_size(GetParam().text), GetParam().expected) << GetParam().text;
}

INSTANTIATE_TEST_SUITE_P(
    Table, SizeParsing,
    ::testing::Values(SizeCase{"8MiB", 8ull << 20}, SizeCase{"512KiB", 512ull << 10},
                      SizeCase{"1GiB", 1ull << 30}, SizeCase{"100KB", 100'000},
                      SizeCase{"4096", 4096}, SizeCase{"10B", 10},
                      SizeCase{"", std::nullopt}, SizeCase{"8mib", std::nullopt},
                      SizeCase{"MiB", std::nullopt}, SizeCase{"8 MiB", std::nullopt},
                      SizeCase{"99999999999GiB", std::nullopt}),
    case_name<SizeCase>);

TEST(FormatDuration, RoundTripsCommonValues) {
  EXPECT_EQ(format_duration(10min), "10m");
  EXPECT_EQ(format_duration(30 * 24h), "30d");
  EXPECT_EQ(format_duration(90min), "1h30m");
  EXPECT_EQ(format_duration(1500ms), "1s500ms");
  EXPECT_EQ(format_duration(0ms), "0s");
}

}  // namespace
}  // namespace newsmon::config
