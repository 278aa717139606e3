#include "dedup/boilerplate.hpp"

#include <algorithm>

namespace newsmon::dedup {

const BoilerplateFilter::Units* BoilerplateFilter::feed_units(const std::string& feed) const {
  if (m_feeds.empty()) {
    return nullptr;
  }
  auto found = m_feeds.find(feed);
  return found == m_feeds.end() ? nullptr : &found->second;
}

bool BoilerplateFilter::is_boilerplate(const Units* units, std::uint64_t unit) {
  if (units == nullptr) {
    return false;
  }
  auto count = units->find(unit);
  return count != units->end() && count->second >= k_boilerplate_items;
}

std::vector<StoredBoilerplate> BoilerplateFilter::learn(const std::string& feed,
                                                        std::span<const std::uint64_t> units) {
  std::vector<std::uint64_t> distinct(units.begin(), units.end());
  std::sort(distinct.begin(), distinct.end());
  distinct.erase(std::unique(distinct.begin(), distinct.end()), distinct.end());
  auto& counts = m_feeds[feed];
  std::vector<StoredBoilerplate> changed;
  for (std::uint64_t unit : distinct) {
    std::uint32_t& count = counts[unit];
    // Counting stops once a unit is boilerplate: nothing more to learn.
    if (count <= k_boilerplate_items) {
      ++count;
      changed.push_back(StoredBoilerplate{feed, unit, count});
    }
  }
  if (counts.size() > k_max_units) {
    for (auto it = counts.begin(); it != counts.end();) {
      if (it->second == 1) {
        changed.push_back(StoredBoilerplate{feed, it->first, 0});
        it = counts.erase(it);
      } else {
        ++it;
      }
    }
  }
  return changed;
}

void BoilerplateFilter::restore(const StoredBoilerplate& unit) {
  if (unit.count > 0) {
    m_feeds[unit.feed][unit.unit] = unit.count;
  }
}

std::size_t BoilerplateFilter::bytes() const {
  std::size_t total = 0;
  for (const auto& [feed, counts] : m_feeds) {
    total += feed.capacity() + counts.size() * 32 + counts.bucket_count() * 8;
  }
  return total;
}

}  // namespace newsmon::dedup
