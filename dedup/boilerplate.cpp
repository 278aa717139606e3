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
  const std::uint32_t* count = units->find(unit);
  return count != nullptr && *count >= k_boilerplate_items;
}

void BoilerplateFilter::learn(const std::string& feed, std::span<const std::uint64_t> units,
                              std::vector<StoredBoilerplate>* changes) {
  m_distinct.assign(units.begin(), units.end());
  std::sort(m_distinct.begin(), m_distinct.end());
  m_distinct.erase(std::unique(m_distinct.begin(), m_distinct.end()), m_distinct.end());
  auto& counts = m_feeds[feed];
  for (std::uint64_t unit : m_distinct) {
    std::uint32_t& count = counts[unit];
    // Counting stops once a unit is boilerplate: nothing more to learn.
    if (count <= k_boilerplate_items) {
      ++count;
      if (changes != nullptr) {
        changes->push_back(StoredBoilerplate{feed, unit, count});
      }
    }
  }
  if (counts.size() > k_max_units) {
    m_distinct.clear();
    counts.for_each([&](std::uint64_t unit, std::uint32_t count) {
      if (count == 1) {
        m_distinct.push_back(unit);
      }
    });
    for (std::uint64_t unit : m_distinct) {
      counts.erase(unit);
      if (changes != nullptr) {
        changes->push_back(StoredBoilerplate{feed, unit, 0});
      }
    }
  }
}

void BoilerplateFilter::restore(const StoredBoilerplate& unit) {
  if (unit.count > 0) {
    m_feeds[unit.feed][unit.unit] = unit.count;
  }
}

std::size_t BoilerplateFilter::bytes() const {
  std::size_t total = 0;
  for (const auto& [feed, counts] : m_feeds) {
    total += feed.capacity() + counts.bytes();
  }
  return total;
}

}  // namespace newsmon::dedup
