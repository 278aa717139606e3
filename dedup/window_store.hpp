#pragma once
// The seam between the dedup engine and durable state. The engine keeps the
// whole window in memory and writes every change through a WindowStore; at
// start-up it reads the store back. Implementations: SqliteWindowStore now
// (dedup/sqlite_store.hpp); a Redis one can share a window between daemons
// later.
//
// Transactions belong to the caller: a store never BEGINs or COMMITs, so the
// daemon can commit a dedup decision together with its alert-outbox row.
// Writes may throw (sqlite::SqliteError); the engine turns that into an
// Error result.
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "dedup/signature.hpp"
#include "dedup/terms.hpp"

namespace newsmon::dedup {

struct StoredItem {
  std::uint64_t seq = 0;  // arrival order, unique
  std::string id;
  std::string feed;
  std::int64_t time_ms = 0;  // the engine's clock for this item
  std::uint64_t story = 0;
  std::uint64_t text_hash = 0;
  Signature signature;  // copies mode; empty (no shingles) in stories mode
  // Stories mode: the compared vector as the window keeps it (term_vector.hpp).
  std::vector<std::uint32_t> term_words;
  float term_scale = 0;
  // Stories mode: every distinct term, for document frequencies; kept until
  // the item's time bucket is sealed (see StoredBucketTerms).
  std::vector<std::uint32_t> df_terms;
};

struct StoredKey {
  std::uint64_t key = 0;  // item key or canonical-URL key
  std::uint64_t story = 0;
  std::int64_t time_ms = 0;  // last seen
};

struct StoredStory {
  std::uint64_t story = 0;
  std::string id;  // the id of the story's first item
  std::uint32_t members = 0;
  std::vector<std::string> feeds;
  std::int64_t last_ms = 0;  // last time one of its keys was seen
};

struct StoredBoilerplate {
  std::string feed;
  std::uint64_t unit = 0;
  std::uint32_t count = 0;  // 0: forget the unit
};

struct StoredClock {
  std::int64_t now_ms = 0;
  std::uint64_t next_seq = 1;
  std::uint64_t next_story = 1;
  std::uint64_t background_documents = 0;
};

// Document frequency of a term among articles that left the window.
struct StoredTermCount {
  std::uint32_t term = 0;
  std::uint32_t count = 0;
};

// The document frequencies of a time bucket once no more items are expected
// in it: one row instead of every item's term list, so a restart reads a
// few dozen of these rather than a million lists. Items of the bucket up to
// last_seq are counted in it; a later (out-of-order) item still brings its
// own df_terms.
struct StoredBucketTerms {
  std::int64_t start_ms = 0;
  std::int64_t end_ms = 0;
  std::uint64_t last_seq = 0;
  std::uint64_t documents = 0;
  std::vector<StoredTermCount> counts;
};

// What load() hands back, one record at a time.
struct WindowLoader {
  std::function<void(StoredItem&&)> item;
  std::function<void(const StoredKey&)> key;
  std::function<void(StoredStory&&)> story;
  std::function<void(const StoredBoilerplate&)> boilerplate;
  std::function<void(const StoredClock&)> clock;
  std::function<void(const StoredTermCount&)> background;
  // Before any item.
  std::function<void(StoredBucketTerms&&)> bucket_terms;
  // First of all, when the store knows it: how many items will come.
  std::function<void(std::uint64_t)> item_count;
};

class WindowStore {
 public:
  virtual ~WindowStore() = default;

  virtual void put_item(const StoredItem& item) = 0;
  virtual void put_key(const StoredKey& key) = 0;
  virtual void put_story(const StoredStory& story) = 0;
  virtual void put_boilerplate(const StoredBoilerplate& unit) = 0;
  virtual void put_clock(const StoredClock& clock) = 0;

  // Eviction: by age, a whole time bucket per call; by capacity, one item.
  virtual void erase_items_before(std::int64_t time_ms) = 0;
  virtual void erase_item(std::uint64_t seq) = 0;
  virtual void erase_keys_before(std::int64_t time_ms) = 0;
  virtual void erase_stories_before(std::int64_t time_ms) = 0;

  // The evicted articles' document frequencies (stories mode): added when a
  // time bucket leaves the window, all halved now and then.
  virtual void add_background(const std::vector<StoredTermCount>& counts) = 0;
  virtual void halve_background() = 0;

  // Seals a time bucket's document frequencies; the store may forget the
  // df_terms of its items up to last_seq. Removed by erase_items_before().
  virtual void put_bucket_terms(const StoredBucketTerms& bucket) = 0;

  // Items come in seq order; an item's df_terms are empty when a sealed
  // bucket already counts them.
  virtual void load(const WindowLoader& loader) = 0;
};

}  // namespace newsmon::dedup
