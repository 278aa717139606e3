// The verbatim-text index against std::unordered_map under the engine's own
// use: a slot filed under its text's hash when it arrives, taken out when it
// leaves, a newer slot with the same text taking the older one's place.
#include "dedup/text_index.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <unordered_map>
#include <vector>

namespace newsmon::dedup {
namespace {

struct Churn {
  const char* name;
  std::uint32_t tags;     // distinct top halves
  std::uint32_t per_tag;  // distinct hashes sharing each top half
  std::uint32_t steps;
  std::uint32_t live_at_most;  // slots in the window
};

class TextIndexChurn : public testing::TestWithParam<Churn> {};

TEST_P(TextIndexChurn, MatchesAReference) {
  const Churn& churn = GetParam();
  TextIndex index;
  std::unordered_map<std::uint64_t, std::uint32_t> reference;
  std::vector<std::uint64_t> slot_hash;  // the slots' own hashes, as Slot::text_hash
  std::vector<std::uint32_t> live;
  std::vector<std::uint32_t> free;
  auto full_hash = [&](std::uint32_t slot) { return slot_hash[slot]; };
  std::mt19937_64 random(11);
  auto draw_hash = [&] {
    const std::uint64_t top = random() % churn.tags * 0x10001u + 1;
    const std::uint64_t low = random() % churn.per_tag * 0x9E3779B9u;
    return top << 32 | (low & 0xFFFFFFFFu);
  };
  for (std::uint32_t step = 0; step < churn.steps; ++step) {
    if (live.size() < churn.live_at_most && random() % 3 != 0) {
      std::uint32_t slot = 0;
      if (free.empty()) {
        slot = static_cast<std::uint32_t>(slot_hash.size());
        slot_hash.push_back(0);
      } else {
        slot = free.back();
        free.pop_back();
      }
      slot_hash[slot] = draw_hash();
      index.assign(slot_hash[slot], slot, full_hash);
      reference[slot_hash[slot]] = slot;
      live.push_back(slot);
    } else if (!live.empty()) {
      const std::size_t pick = random() % live.size();
      const std::uint32_t slot = live[pick];
      live[pick] = live.back();
      live.pop_back();
      index.erase(slot_hash[slot], slot);
      if (auto it = reference.find(slot_hash[slot]); it != reference.end() && it->second == slot) {
        reference.erase(it);
      }
      free.push_back(slot);
    }
    if (step % 97 == 0) {
      // A slot whose text a newer slot took over, and that newer one left
      // since: not found, as in the map it replaces.
      for (std::uint32_t slot : live) {
        const std::uint64_t hash = slot_hash[slot];
        const auto it = reference.find(hash);
        ASSERT_EQ(index.find(hash, full_hash),
                  it == reference.end() ? TextIndex::k_none : it->second)
            << step;
      }
    }
  }
  ASSERT_EQ(index.size(), reference.size());
  // The table held many entries at the end, not a trivial few.
  ASSERT_GT(reference.size(), std::min(churn.live_at_most / 4, churn.tags * churn.per_tag / 2));
  for (const auto& [hash, slot] : reference) {
    EXPECT_EQ(index.find(hash, full_hash), slot);
  }
  // Hashes filed under no slot: same top halves, other low halves.
  for (std::uint32_t i = 0; i < 1000; ++i) {
    const std::uint64_t hash = draw_hash() ^ 0x5555;
    if (!reference.contains(hash)) {
      EXPECT_EQ(index.find(hash, full_hash), TextIndex::k_none);
    }
  }
}

INSTANTIATE_TEST_SUITE_P(
    Shapes, TextIndexChurn,
    testing::Values(
        // Every text its own top half: the table grows through several sizes.
        Churn{"distinct", 1'000'000, 1, 60'000, 5'000},
        // Many texts per top half: long runs of equal tags, shifted back on erase.
        Churn{"shared_tags", 40, 50, 60'000, 1'500},
        // Few texts: the same text filed again and again by newer slots.
        Churn{"repeated_texts", 8, 4, 20'000, 300}),
    [](const testing::TestParamInfo<Churn>& shape) { return shape.param.name; });

TEST(TextIndex, EraseOfAnotherSlotKeepsTheFiledOne) {
  std::vector<std::uint64_t> slot_hash{42, 42};
  auto full_hash = [&](std::uint32_t slot) { return slot_hash[slot]; };
  TextIndex index;
  index.assign(42, 0, full_hash);
  index.assign(42, 1, full_hash);  // the newer copy answers for the text
  index.erase(42, 0);              // the older one leaves the window
  EXPECT_EQ(index.find(42, full_hash), 1u);
  index.erase(42, 1);
  EXPECT_EQ(index.find(42, full_hash), TextIndex::k_none);
  EXPECT_EQ(index.size(), 0u);
}

}  // namespace
}  // namespace newsmon::dedup
