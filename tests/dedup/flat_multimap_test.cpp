// The LSH bucket table against std::multimap under random inserts/erases.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <random>
#include <vector>

#include "dedup/flat_multimap.hpp"

namespace newsmon::dedup {
namespace {

TEST(FlatMultimap, MatchesAReferenceUnderChurn) {
  FlatMultimap table;
  std::multimap<std::uint32_t, std::uint32_t> reference;
  std::mt19937 random(7);
  // Few distinct keys force long probe runs and wrap-around.
  std::uniform_int_distribution<std::uint32_t> key(0, 300);
  std::vector<std::pair<std::uint32_t, std::uint32_t>> live;
  for (std::uint32_t step = 0; step < 20000; ++step) {
    if (live.empty() || random() % 3 != 0) {
      std::uint32_t k = key(random);
      table.insert(k, step);
      reference.emplace(k, step);
      live.emplace_back(k, step);
    } else {
      std::size_t pick = random() % live.size();
      auto [k, v] = live[pick];
      live[pick] = live.back();
      live.pop_back();
      table.erase(k, v);
      for (auto it = reference.lower_bound(k); it != reference.upper_bound(k); ++it) {
        if (it->second == v) {
          reference.erase(it);
          break;
        }
      }
    }
  }
  ASSERT_EQ(table.size(), reference.size());
  for (std::uint32_t k = 0; k <= 300; ++k) {
    std::vector<std::uint32_t> got;
    table.find(k, [&](std::uint32_t v) { got.push_back(v); });
    std::vector<std::uint32_t> want;
    for (auto it = reference.lower_bound(k); it != reference.upper_bound(k); ++it) {
      want.push_back(it->second);
    }
    std::sort(got.begin(), got.end());
    std::sort(want.begin(), want.end());
    EXPECT_EQ(got, want) << k;
  }
}

TEST(FlatMultimap, EraseOfAMissingEntryIsHarmless) {
  FlatMultimap table;
  table.insert(1, 10);
  table.erase(1, 11);
  table.erase(2, 10);
  EXPECT_EQ(table.size(), 1u);
}

}  // namespace
}  // namespace newsmon::dedup
