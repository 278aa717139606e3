#pragma once
// Per-feed boilerplate: lines that recur across a feed's items (newsletter
// plugs, bylines, copyright footers, "read more" links) say nothing about the
// story, and two different stories of one feed must not match on them. The
// filter learns, per feed, how many items each line (by canonical hash) has
// appeared in; a line seen in k_boilerplate_items earlier items is left out
// of comparison from then on.
#include <cstdint>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "dedup/flat_map.hpp"
#include "dedup/window_store.hpp"

namespace newsmon::dedup {

inline constexpr std::uint32_t k_boilerplate_items = 1;

class BoilerplateFilter {
 public:
  using Units = FlatMap64<std::uint32_t>;

  // The feed's learned lines, null when it has none: look it up once per
  // item, then test each line with is_boilerplate(units, line).
  const Units* feed_units(const std::string& feed) const;
  static bool is_boilerplate(const Units* units, std::uint64_t unit);

  // Counts one item's distinct units; appends the changed rows to persist to
  // `changes` unless it is null (count 0: a unit forgotten when the feed's
  // table outgrew its bound).
  void learn(const std::string& feed, std::span<const std::uint64_t> units,
             std::vector<StoredBoilerplate>* changes);

  void restore(const StoredBoilerplate& unit);
  std::size_t bytes() const;

 private:
  // Bound per feed: a feed is a few dozen items with a few lines each; once
  // the table is this large the lines seen only once are dropped.
  static constexpr std::size_t k_max_units = 8192;
  std::unordered_map<std::string, Units> m_feeds;
  std::vector<std::uint64_t> m_distinct;  // learn()'s buffer
};

}  // namespace newsmon::dedup
