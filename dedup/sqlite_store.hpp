#pragma once
// The window in SQLite, on a database the caller owns: the daemon opens one
// state database and commits a dedup decision and its alert-outbox row in
// one transaction. This store never begins or commits one itself.
#include "common/sqlite.hpp"
#include "dedup/window_store.hpp"

namespace newsmon::dedup {

class SqliteWindowStore final : public WindowStore {
 public:
  // Creates the dedup_* tables when missing; on a file of an older schema
  // version drops the rows built on its token hashes (items, boilerplate
  // lines, document frequencies), keeping keys and stories. Throws
  // sqlite::SqliteError, also for a file of a newer schema version.
  explicit SqliteWindowStore(sqlite::Database& db);

  // Articles held, without loading them (for a summary before any restore).
  std::uint64_t count_items();

  void put_item(const StoredItem& item) override;
  void put_key(const StoredKey& key) override;
  void put_story(const StoredStory& story) override;
  void put_boilerplate(const StoredBoilerplate& unit) override;
  void put_clock(const StoredClock& clock) override;
  void erase_items_before(std::int64_t time_ms) override;
  void erase_item(std::uint64_t seq) override;
  void erase_keys_before(std::int64_t time_ms) override;
  void erase_stories_before(std::int64_t time_ms) override;
  void add_background(const std::vector<StoredTermCount>& counts) override;
  void halve_background() override;
  void put_bucket_terms(const StoredBucketTerms& bucket) override;
  void load(const WindowLoader& loader) override;

 private:
  sqlite::Database& m_db;
  sqlite::Statement m_put_item;
  sqlite::Statement m_put_item_terms;
  sqlite::Statement m_put_key;
  sqlite::Statement m_put_story;
  sqlite::Statement m_put_boilerplate;
  sqlite::Statement m_forget_boilerplate;
  sqlite::Statement m_put_clock;
  sqlite::Statement m_erase_items_before;
  sqlite::Statement m_erase_item;
  sqlite::Statement m_erase_item_terms;
  sqlite::Statement m_erase_item_terms_before;
  sqlite::Statement m_put_bucket_terms;
  sqlite::Statement m_forget_sealed_terms;
  sqlite::Statement m_erase_buckets_before;
  sqlite::Statement m_erase_keys_before;
  sqlite::Statement m_erase_stories_before;
  sqlite::Statement m_add_background;
};

}  // namespace newsmon::dedup
