// The LSH bucket table against std::multimap under random inserts/erases.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <random>
#include <vector>

#include "dedup/band_index.hpp"

namespace newsmon::dedup {
namespace {

std::vector<std::uint32_t> found(const BandIndex& table, std::uint32_t key) {
  std::vector<std::uint32_t> got;
  table.find(key, [&](std::uint32_t v) { got.push_back(v); });
  std::sort(got.begin(), got.end());
  return got;
}

TEST(BandIndex, MatchesAReferenceUnderChurn) {
  // Few buckets: both buckets of many keys fill, so entries move on to
  // their other bucket, across the end of the table. (Keys from a range
  // wide enough that none has the many live copies that make a new one
  // replace an old: ManyCopiesOfOneKeyKeepTheNewest covers that.)
  BandIndex table(40);
  std::multimap<std::uint32_t, std::uint32_t> reference;
  std::mt19937 random(7);
  std::uniform_int_distribution<std::uint32_t> key(0, 1000);
  struct Live {
    std::uint32_t key;
    std::uint32_t value;
    BandIndex::Filed side;
  };
  std::vector<Live> live;
  for (std::uint32_t step = 0; step < 20000; ++step) {
    if (live.empty() || (random() % 3 != 0 && !table.full(1))) {
      std::uint32_t k = key(random);
      const BandIndex::Filed side = table.insert(k, step);
      ASSERT_NE(side, BandIndex::Filed::none) << step;
      reference.emplace(k, step);
      live.push_back(Live{k, step, side});
    } else {
      std::size_t pick = random() % live.size();
      auto [k, v, side] = live[pick];
      live[pick] = live.back();
      live.pop_back();
      // The side insert() gave, or the wrong one: moves since may have
      // made it wrong anyway, and the entry is still found and erased.
      const BandIndex::Filed wrong = side == BandIndex::Filed::home ? BandIndex::Filed::second : BandIndex::Filed::home;
      table.erase(k, v, random() % 4 == 0 ? wrong : side);
      for (auto it = reference.lower_bound(k); it != reference.upper_bound(k); ++it) {
        if (it->second == v) {
          reference.erase(it);
          break;
        }
      }
    }
  }
  ASSERT_EQ(table.size(), reference.size());
  ASSERT_GT(table.size(), 350u);  // the table ran near full
  for (std::uint32_t k = 0; k <= 1000; ++k) {
    std::vector<std::uint32_t> want;
    for (auto it = reference.lower_bound(k); it != reference.upper_bound(k); ++it) {
      want.push_back(it->second);
    }
    std::sort(want.begin(), want.end());
    // Every stored value is found; a same-tag neighbour may come along too.
    auto got = found(table, k);
    EXPECT_TRUE(std::includes(got.begin(), got.end(), want.begin(), want.end())) << k;
    EXPECT_LE(got.size(), want.size() + 2) << k;
  }
}

// Both tag matchers against the definition, on bucket contents with every
// entry position matching, repeated tags, and random ones.
TEST(BandIndex, TagMatchersAgreeWithTheDefinition) {
  auto expected = [](const BucketTags& tags, std::uint8_t wanted) {
    unsigned bits = 0;
    for (std::size_t i = 0; i < tags.size(); ++i) {
      bits |= tags[i] == wanted ? 1u << i : 0u;
    }
    return bits;
  };
  std::vector<BucketTags> buckets;
  for (std::size_t i = 0; i < k_band_bucket_entries; ++i) {
    BucketTags one{};
    one.fill(7);
    one[i] = 0xEF;
    buckets.push_back(one);
  }
  buckets.push_back(BucketTags{0xEF, 1, 0xEF, 2, 0xEF, 3, 0xEF, 4, 0xEF, 0xEF, 5, 0xEF});
  buckets.push_back(BucketTags{});
  std::mt19937 random(11);
  for (int i = 0; i < 2000; ++i) {
    BucketTags tags{};
    for (auto& tag : tags) {
      tag = static_cast<std::uint8_t>(random() % 4 == 0 ? 0xEF : random());
    }
    buckets.push_back(tags);
  }
  int matched = 0;
  for (const auto& tags : buckets) {
    for (std::uint8_t wanted : {std::uint8_t{0xEF}, std::uint8_t{7}, std::uint8_t{0}}) {
      const unsigned want = expected(tags, wanted);
      EXPECT_EQ(match_tags_portable(tags, wanted), want);
#if defined(__SSE2__)
      EXPECT_EQ(match_tags_sse2(tags, wanted), want);
#endif
      matched += want != 0 ? 1 : 0;
    }
  }
  EXPECT_GT(matched, 1500);
}

TEST(BandIndex, EraseOfAMissingEntryIsHarmless) {
  BandIndex table;
  ASSERT_NE(table.insert(1, 10), BandIndex::Filed::none);
  table.erase(1, 11);
  table.erase(2, 10);
  EXPECT_EQ(table.size(), 1u);
  EXPECT_EQ(found(table, 1), std::vector<std::uint32_t>{10});
}

TEST(BandIndex, FullAtNinetyPercent) {
  BandIndex table(10);  // 120 entries
  for (std::uint32_t i = 0; i < 108; ++i) {
    EXPECT_FALSE(table.full(1)) << i;
    EXPECT_NE(table.insert(i * 7919, i), BandIndex::Filed::none) << i;
  }
  EXPECT_TRUE(table.full(1));
}

// A window's steady state: the table held just under full while articles
// come and go. Every insert finds room (moving entries to their other
// bucket as needed) and every live entry stays where a lookup finds it,
// however long the churn goes on.
TEST(BandIndex, StaysExactUnderLongChurnNearFull) {
  BandIndex table(1000);  // 12,000 entries
  std::mt19937 random(3);
  struct Live {
    std::uint32_t key;
    std::uint32_t value;
    BandIndex::Filed side;
  };
  std::vector<Live> live;
  std::uint32_t value = 0;
  while (!table.full(1)) {
    const auto key = static_cast<std::uint32_t>(random());
    const BandIndex::Filed side = table.insert(key, value);
    ASSERT_NE(side, BandIndex::Filed::none);
    live.push_back(Live{key, value++, side});
  }
  for (int step = 0; step < 200000; ++step) {
    std::size_t pick = random() % live.size();
    const std::size_t before = table.size();
    table.erase(live[pick].key, live[pick].value, live[pick].side);
    ASSERT_EQ(table.size(), before - 1) << step;
    const auto key = static_cast<std::uint32_t>(random());
    const BandIndex::Filed side = table.insert(key, value);
    ASSERT_NE(side, BandIndex::Filed::none) << step;
    live[pick] = Live{key, value++, side};
  }
  EXPECT_EQ(table.size(), live.size());
  for (auto [key, stored, side] : live) {
    auto got = found(table, key);
    EXPECT_TRUE(std::find(got.begin(), got.end(), stored) != got.end()) << key;
  }
}

// One text copied word for word many times files the same key again and
// again; its two buckets cannot take them all, so the newest replace older
// copies instead of the insert failing (and the owner rebuilding forever).
TEST(BandIndex, ManyCopiesOfOneKeyKeepTheNewest) {
  BandIndex table(64);
  for (std::uint32_t copy = 0; copy < 40; ++copy) {
    ASSERT_NE(table.insert(42, copy), BandIndex::Filed::none) << copy;
  }
  auto got = found(table, 42);
  EXPECT_EQ(got.size(), 2 * BandIndex::k_bucket_entries);
  EXPECT_TRUE(std::find(got.begin(), got.end(), 39u) != got.end());
  // Not the same place overwritten each time: several later copies stay.
  EXPECT_GT(std::count_if(got.begin(), got.end(), [](std::uint32_t v) { return v >= 20; }), 3);
  for (std::uint32_t copy = 0; copy < 40; ++copy) {
    table.erase(42, copy);
  }
  EXPECT_EQ(table.size(), 0u);
  EXPECT_TRUE(found(table, 42).empty());
}

}  // namespace
}  // namespace newsmon::dedup
