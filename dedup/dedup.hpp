#pragma once
// The dedup stage: decides, item by item, whether a dated article starts a
// new story or belongs to one already in the rolling window.
//
// Layers, cheapest first:
//   exact     item key (guid / canonical link / title+date) and canonical URL:
//             the same item re-polled or carried by two feeds -> repeat;
//             64-bit hash of the canonical text: a verbatim copy -> duplicate
//   copies    MinHash + LSH over word shingles, verified on the whole
//             signature: republished, excerpted or lightly edited text
//   coverage  (mode stories) TF-IDF cosine over weighted terms, candidates
//             from an inverted index on each article's rarest terms:
//             the same event written up independently
// Precision first: a wrong merge is a missed alert.
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/clock.hpp"
#include "common/result.hpp"
#include "config/config.hpp"
#include "dedup/window_store.hpp"

namespace newsmon::dedup {

struct DedupItem {
  std::string id;    // unique per item; the story id when it starts one
  std::string feed;  // feed name (the source in `newsmon dedup`)
  std::string guid;
  std::string link;
  std::string title;
  std::string text;  // body, without the " date YYYY-MM-DD " prefix
  SysTime published{};
  SysTime arrival{};
};

struct DedupDecision {
  enum class Kind {
    new_story,  // alert
    repeat,     // the same item seen again (re-polled, or its link from another feed)
    duplicate,  // another item of a story in the window
  };
  Kind kind = Kind::new_story;
  std::string story_id;
  std::string duplicate_of;  // the earlier item it matched; empty for a new story
  double score = 0;          // the similarity that decided it (1 for exact matches)
  std::uint32_t story_members = 1;
  std::vector<std::string> story_feeds;
  // This item's feed had not carried the story before: story_feeds grew.
  bool new_source = false;
};

enum class TimeSource {
  arrival,    // the daemon: items are dated by when they arrived
  published,  // a replay (`newsmon dedup`): the articles' own dates
};

// The largest window the engine holds: its slot numbers fit the band
// index's 27-bit values (engine.cpp checks).
inline constexpr std::uint64_t k_max_capacity = config::k_max_dedup_capacity;

struct DedupOptions {
  config::DedupMode mode = config::DedupMode::stories;
  std::chrono::milliseconds window = std::chrono::hours(72);
  // Unset: k_default_copy_threshold for copies, k_default_story_threshold for
  // the coverage layer of stories mode.
  std::optional<double> threshold;
  // At most k_max_capacity.
  std::uint64_t capacity = 1'000'000;
  TimeSource time_source = TimeSource::arrival;
  // Item keys outlive the window so an item still in its feed a week later is
  // recognised, not alerted again; at least `window`.
  std::chrono::milliseconds key_retention = std::chrono::hours(24 * 14);
};

// Chosen by measurement (see dedup/engine.cpp and the report in the tests).
inline constexpr double k_default_copy_threshold = 0.5;
inline constexpr double k_default_story_threshold = 0.13;

struct DedupStats {
  std::uint64_t items = 0;     // articles in the window
  std::uint64_t keys = 0;      // item keys retained
  std::uint64_t stories = 0;   // stories retained
  std::uint64_t terms = 0;     // distinct terms with a document frequency
  std::uint64_t bytes = 0;     // approximate heap held by the window
};

// What deciding an item needs from the item alone: its keys, its canonical
// tokens, the hashes of its lines (the boilerplate filter's units), and the
// text hash and signature (copies) or term counts (stories) of its whole
// text. Made by prepare(), a pure function, so a caller with a spare core
// prepares items there (`newsmon dedup` does, on its reader thread) and
// observe() is left with what needs the window. Move-only; the buffers'
// capacity is reused when one is prepared again.
class PreparedItem {
 public:
  PreparedItem();
  ~PreparedItem();
  PreparedItem(PreparedItem&&) noexcept;
  PreparedItem& operator=(PreparedItem&&) noexcept;

  struct Data;  // dedup/engine.cpp

 private:
  friend class DedupEngine;
  friend void prepare(const DedupItem& item, config::DedupMode mode, PreparedItem& out);
  std::unique_ptr<Data> m_data;
};

// Prepares `item` for an engine in `mode`, into `out`. Thread-safe.
void prepare(const DedupItem& item, config::DedupMode mode, PreparedItem& out);

class DedupEngine {
 public:
  // `store` may be null: in-memory only. Otherwise the window is restored
  // from it here (may throw the store's error at start-up).
  DedupEngine(DedupOptions options, std::unique_ptr<WindowStore> store);
  ~DedupEngine();
  DedupEngine(const DedupEngine&) = delete;
  DedupEngine& operator=(const DedupEngine&) = delete;

  // Decides one item and records it. Never opens a transaction: wrap it and
  // your own writes in one sqlite::Transaction. An Error means the store
  // failed; if the caller's transaction rolls back after a successful
  // observe, call restore() so memory matches the store again.
  Result<DedupDecision> observe(const DedupItem& item);
  // The same with `prepared` made from `item` by prepare() (elsewhere); one
  // prepared for the other mode, or not at all, is prepared again here.
  Result<DedupDecision> observe(const DedupItem& item, const PreparedItem& prepared);

  // A hint, no decision: `next` is to be observed after the item about to
  // be. Its first look-ups (item keys, text hash) start loading now, so
  // their cache misses overlap the current item instead of stalling it.
  void prefetch(const PreparedItem& next) const;

  // Drops the in-memory window and reads it back from the store.
  Status restore();

  DedupStats stats() const;
  const DedupOptions& options() const;

 private:
  class Impl;
  std::unique_ptr<Impl> m_impl;
};

}  // namespace newsmon::dedup
