#include "dedup/sqlite_store.hpp"

#include <cstring>
#include <string>

namespace newsmon::dedup {
namespace {

// Hashes are unsigned 64-bit; SQLite integers are signed: stored as the same
// bits.
std::int64_t to_sql(std::uint64_t value) { return static_cast<std::int64_t>(value); }
std::uint64_t from_sql(std::int64_t value) { return static_cast<std::uint64_t>(value); }

// What the dedup_* tables hold, in dedup_schema. Version 2 changed the
// token hash (hash_token replaced FNV-1a), so text hashes, signatures, term
// ids, boilerplate lines and document frequencies of version 1 mean nothing
// any more, and the items' layout (term vectors packed, term lists apart
// from the items and sealed per time bucket). Item and link keys
// (hash_bytes) and stories are unchanged. A file without dedup_schema but
// with dedup_items is version 1.
constexpr std::int64_t k_schema_version = 2;

bool table_exists(sqlite::Database& db, const char* name) {
  auto query = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?");
  query.bind(1, std::string_view(name));
  return query.step();
}

// 0 for a file without dedup tables.
std::int64_t stored_version(sqlite::Database& db) {
  if (!table_exists(db, "dedup_schema")) {
    return table_exists(db, "dedup_items") ? 1 : 0;
  }
  auto query = db.prepare("SELECT version FROM dedup_schema");
  return query.step() ? query.column_int(0) : 0;
}

// Brings an older file down to what survives a version change: the rows
// built on token hashes or the old layout go (the window refills as
// articles arrive; keys and stories stay, so nothing seen before is alerted
// again). A newer file is refused untouched. In a savepoint: atomic whether
// or not the caller holds a transaction.
void migrate(sqlite::Database& db) {
  const std::int64_t version = stored_version(db);
  if (version > k_schema_version) {
    throw sqlite::SqliteError(db.path() + ": dedup state has schema version " +
                                  std::to_string(version) + "; this newsmon reads up to " +
                                  std::to_string(k_schema_version),
                              1);  // SQLITE_ERROR
  }
  if (version == 0 || version == k_schema_version) {
    return;
  }
  db.exec("SAVEPOINT dedup_migrate;"
          "DROP TABLE IF EXISTS dedup_items;"
          "DROP TABLE IF EXISTS dedup_item_terms;"
          "DROP TABLE IF EXISTS dedup_bucket_terms;"
          "DELETE FROM dedup_boilerplate;"
          "DROP TABLE IF EXISTS dedup_background;"
          "UPDATE dedup_clock SET background_documents = 0;"
          "RELEASE dedup_migrate;");
}

sqlite::Database& create_schema(sqlite::Database& db) {
  migrate(db);
  db.exec(R"sql(
    CREATE TABLE IF NOT EXISTS dedup_schema(
      one INTEGER PRIMARY KEY CHECK(one = 1), version INTEGER NOT NULL);
    CREATE TABLE IF NOT EXISTS dedup_items(
      seq INTEGER PRIMARY KEY, id TEXT NOT NULL, feed TEXT NOT NULL, time_ms INTEGER NOT NULL,
      story INTEGER NOT NULL, text_hash INTEGER NOT NULL, signature BLOB,
      term_words BLOB, term_scale REAL);
    CREATE INDEX IF NOT EXISTS dedup_items_time ON dedup_items(time_ms);
    CREATE TABLE IF NOT EXISTS dedup_item_terms(
      seq INTEGER PRIMARY KEY, time_ms INTEGER NOT NULL, df_terms BLOB NOT NULL);
    CREATE INDEX IF NOT EXISTS dedup_item_terms_time ON dedup_item_terms(time_ms);
    CREATE TABLE IF NOT EXISTS dedup_bucket_terms(
      start_ms INTEGER PRIMARY KEY, end_ms INTEGER NOT NULL, last_seq INTEGER NOT NULL,
      documents INTEGER NOT NULL, counts BLOB NOT NULL);
    CREATE TABLE IF NOT EXISTS dedup_keys(
      key INTEGER PRIMARY KEY, story INTEGER NOT NULL, time_ms INTEGER NOT NULL);
    CREATE INDEX IF NOT EXISTS dedup_keys_time ON dedup_keys(time_ms);
    CREATE TABLE IF NOT EXISTS dedup_stories(
      story INTEGER PRIMARY KEY, id TEXT NOT NULL, members INTEGER NOT NULL,
      feeds TEXT NOT NULL, last_ms INTEGER NOT NULL);
    CREATE INDEX IF NOT EXISTS dedup_stories_last ON dedup_stories(last_ms);
    CREATE TABLE IF NOT EXISTS dedup_boilerplate(
      feed TEXT NOT NULL, unit INTEGER NOT NULL, count INTEGER NOT NULL,
      PRIMARY KEY(feed, unit)) WITHOUT ROWID;
    CREATE TABLE IF NOT EXISTS dedup_clock(
      one INTEGER PRIMARY KEY CHECK(one = 1), now_ms INTEGER NOT NULL,
      next_seq INTEGER NOT NULL, next_story INTEGER NOT NULL,
      background_documents INTEGER NOT NULL DEFAULT 0);
    CREATE TABLE IF NOT EXISTS dedup_background(
      term INTEGER PRIMARY KEY, count INTEGER NOT NULL);
  )sql");
  auto put_version = db.prepare("INSERT OR REPLACE INTO dedup_schema(one, version) VALUES(1, ?)");
  put_version.bind(1, k_schema_version).run();
  return db;
}

template <class T>
std::vector<T> blob_to_vector(const std::string& blob) {
  std::vector<T> out(blob.size() / sizeof(T));
  if (!out.empty()) {
    std::memcpy(out.data(), blob.data(), out.size() * sizeof(T));
  }
  return out;
}

std::string join_lines(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& line : lines) {
    out.append(out.empty() ? "" : "\n").append(line);
  }
  return out;
}

std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= text.size() && !text.empty()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string::npos) {
      end = text.size();
    }
    out.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

}  // namespace

SqliteWindowStore::SqliteWindowStore(sqlite::Database& db)
    : m_db(create_schema(db)),
      m_put_item(db, "INSERT OR REPLACE INTO dedup_items(seq, id, feed, time_ms, story, text_hash, "
                     "signature, term_words, term_scale) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?)"),
      m_put_item_terms(db, "INSERT OR REPLACE INTO dedup_item_terms(seq, time_ms, df_terms) "
                           "VALUES(?, ?, ?)"),
      m_put_key(db, "INSERT OR REPLACE INTO dedup_keys(key, story, time_ms) VALUES(?, ?, ?)"),
      m_put_story(db, "INSERT OR REPLACE INTO dedup_stories(story, id, members, feeds, last_ms) "
                      "VALUES(?, ?, ?, ?, ?)"),
      m_put_boilerplate(db, "INSERT OR REPLACE INTO dedup_boilerplate(feed, unit, count) "
                            "VALUES(?, ?, ?)"),
      m_forget_boilerplate(db, "DELETE FROM dedup_boilerplate WHERE feed = ? AND unit = ?"),
      m_put_clock(db, "INSERT OR REPLACE INTO dedup_clock(one, now_ms, next_seq, next_story, "
                      "background_documents) VALUES(1, ?, ?, ?, ?)"),
      m_erase_items_before(db, "DELETE FROM dedup_items WHERE time_ms < ?"),
      m_erase_item(db, "DELETE FROM dedup_items WHERE seq = ?"),
      m_erase_item_terms(db, "DELETE FROM dedup_item_terms WHERE seq = ?"),
      m_erase_item_terms_before(db, "DELETE FROM dedup_item_terms WHERE time_ms < ?"),
      m_put_bucket_terms(db, "INSERT OR REPLACE INTO dedup_bucket_terms(start_ms, end_ms, "
                             "last_seq, documents, counts) VALUES(?, ?, ?, ?, ?)"),
      m_forget_sealed_terms(db, "DELETE FROM dedup_item_terms WHERE time_ms >= ? AND time_ms < ? "
                                "AND seq <= ?"),
      // By start: a row restored into a bucket of another window length
      // leaves with the bucket it was loaded into.
      m_erase_buckets_before(db, "DELETE FROM dedup_bucket_terms WHERE start_ms < ?"),
      m_erase_keys_before(db, "DELETE FROM dedup_keys WHERE time_ms < ?"),
      m_erase_stories_before(db, "DELETE FROM dedup_stories WHERE last_ms < ?"),
      m_add_background(db, "INSERT INTO dedup_background(term, count) VALUES(?, ?) "
                           "ON CONFLICT(term) DO UPDATE SET count = count + excluded.count") {}

void SqliteWindowStore::put_item(const StoredItem& item) {
  m_put_item.bind(1, to_sql(item.seq))
      .bind(2, std::string_view(item.id))
      .bind(3, std::string_view(item.feed))
      .bind(4, item.time_ms)
      .bind(5, to_sql(item.story))
      .bind(6, to_sql(item.text_hash));
  if (item.signature.shingles == 0) {
    m_put_item.bind_null(7);
  } else {
    m_put_item.bind_blob(7, &item.signature, sizeof(item.signature));
  }
  if (item.term_words.empty()) {
    m_put_item.bind_null(8).bind_null(9);
  } else {
    m_put_item.bind_blob(8, item.term_words.data(), item.term_words.size() * sizeof(std::uint32_t))
        .bind(9, static_cast<double>(item.term_scale));
  }
  m_put_item.run();
  if (!item.df_terms.empty()) {
    m_put_item_terms.bind(1, to_sql(item.seq))
        .bind(2, item.time_ms)
        .bind_blob(3, item.df_terms.data(), item.df_terms.size() * sizeof(std::uint32_t))
        .run();
  }
}

void SqliteWindowStore::put_key(const StoredKey& key) {
  m_put_key.bind(1, to_sql(key.key)).bind(2, to_sql(key.story)).bind(3, key.time_ms).run();
}

void SqliteWindowStore::put_story(const StoredStory& story) {
  m_put_story.bind(1, to_sql(story.story))
      .bind(2, std::string_view(story.id))
      .bind(3, static_cast<std::int64_t>(story.members))
      .bind(4, std::string_view(join_lines(story.feeds)))
      .bind(5, story.last_ms)
      .run();
}

void SqliteWindowStore::put_boilerplate(const StoredBoilerplate& unit) {
  if (unit.count == 0) {
    m_forget_boilerplate.bind(1, std::string_view(unit.feed)).bind(2, to_sql(unit.unit)).run();
    return;
  }
  m_put_boilerplate.bind(1, std::string_view(unit.feed))
      .bind(2, to_sql(unit.unit))
      .bind(3, static_cast<std::int64_t>(unit.count))
      .run();
}

void SqliteWindowStore::put_clock(const StoredClock& clock) {
  m_put_clock.bind(1, clock.now_ms)
      .bind(2, to_sql(clock.next_seq))
      .bind(3, to_sql(clock.next_story))
      .bind(4, to_sql(clock.background_documents))
      .run();
}

void SqliteWindowStore::erase_items_before(std::int64_t time_ms) {
  m_erase_items_before.bind(1, time_ms).run();
  m_erase_item_terms_before.bind(1, time_ms).run();
  m_erase_buckets_before.bind(1, time_ms).run();
}

void SqliteWindowStore::erase_item(std::uint64_t seq) {
  m_erase_item.bind(1, to_sql(seq)).run();
  m_erase_item_terms.bind(1, to_sql(seq)).run();
}

void SqliteWindowStore::put_bucket_terms(const StoredBucketTerms& bucket) {
  m_put_bucket_terms.bind(1, bucket.start_ms)
      .bind(2, bucket.end_ms)
      .bind(3, to_sql(bucket.last_seq))
      .bind(4, to_sql(bucket.documents))
      .bind_blob(5, bucket.counts.data(), bucket.counts.size() * sizeof(StoredTermCount))
      .run();
  m_forget_sealed_terms.bind(1, bucket.start_ms)
      .bind(2, bucket.end_ms)
      .bind(3, to_sql(bucket.last_seq))
      .run();
}

void SqliteWindowStore::erase_keys_before(std::int64_t time_ms) {
  m_erase_keys_before.bind(1, time_ms).run();
}

void SqliteWindowStore::erase_stories_before(std::int64_t time_ms) {
  m_erase_stories_before.bind(1, time_ms).run();
}

void SqliteWindowStore::add_background(const std::vector<StoredTermCount>& counts) {
  for (const auto& count : counts) {
    m_add_background.bind(1, static_cast<std::int64_t>(count.term))
        .bind(2, static_cast<std::int64_t>(count.count))
        .run();
  }
}

void SqliteWindowStore::halve_background() {
  m_db.exec("UPDATE dedup_background SET count = count / 2; "
            "DELETE FROM dedup_background WHERE count = 0");
}

void SqliteWindowStore::load(const WindowLoader& loader) {
  if (loader.item_count) {
    loader.item_count(count_items());
  }
  auto clock = m_db.prepare(
      "SELECT now_ms, next_seq, next_story, background_documents FROM dedup_clock");
  if (clock.step()) {
    loader.clock(StoredClock{clock.column_int(0), from_sql(clock.column_int(1)),
                             from_sql(clock.column_int(2)), from_sql(clock.column_int(3))});
  }
  auto background = m_db.prepare("SELECT term, count FROM dedup_background");
  while (background.step()) {
    loader.background(StoredTermCount{static_cast<std::uint32_t>(background.column_int(0)),
                                      static_cast<std::uint32_t>(background.column_int(1))});
  }
  auto stories = m_db.prepare("SELECT story, id, members, feeds, last_ms FROM dedup_stories");
  while (stories.step()) {
    loader.story(StoredStory{from_sql(stories.column_int(0)), stories.column_text(1),
                             static_cast<std::uint32_t>(stories.column_int(2)),
                             split_lines(stories.column_text(3)), stories.column_int(4)});
  }
  auto keys = m_db.prepare("SELECT key, story, time_ms FROM dedup_keys");
  while (keys.step()) {
    loader.key(StoredKey{from_sql(keys.column_int(0)), from_sql(keys.column_int(1)),
                         keys.column_int(2)});
  }
  auto units = m_db.prepare("SELECT feed, unit, count FROM dedup_boilerplate");
  while (units.step()) {
    loader.boilerplate(StoredBoilerplate{units.column_text(0), from_sql(units.column_int(1)),
                                         static_cast<std::uint32_t>(units.column_int(2))});
  }
  auto buckets = m_db.prepare(
      "SELECT start_ms, end_ms, last_seq, documents, counts FROM dedup_bucket_terms");
  while (buckets.step()) {
    StoredBucketTerms bucket;
    bucket.start_ms = buckets.column_int(0);
    bucket.end_ms = buckets.column_int(1);
    bucket.last_seq = from_sql(buckets.column_int(2));
    bucket.documents = from_sql(buckets.column_int(3));
    bucket.counts = blob_to_vector<StoredTermCount>(buckets.column_blob(4));
    loader.bucket_terms(std::move(bucket));
  }
  auto items = m_db.prepare(
      "SELECT i.seq, i.id, i.feed, i.time_ms, i.story, i.text_hash, i.signature, i.term_words, "
      "i.term_scale, t.df_terms FROM dedup_items i LEFT JOIN dedup_item_terms t USING(seq) "
      "ORDER BY i.seq");
  while (items.step()) {
    StoredItem item;
    item.seq = from_sql(items.column_int(0));
    item.id = items.column_text(1);
    item.feed = items.column_text(2);
    item.time_ms = items.column_int(3);
    item.story = from_sql(items.column_int(4));
    item.text_hash = from_sql(items.column_int(5));
    std::string signature = items.column_blob(6);
    if (signature.size() == sizeof(Signature)) {
      std::memcpy(&item.signature, signature.data(), sizeof(Signature));
    }
    item.term_words = blob_to_vector<std::uint32_t>(items.column_blob(7));
    item.term_scale = static_cast<float>(items.column_double(8));
    item.df_terms = blob_to_vector<std::uint32_t>(items.column_blob(9));
    loader.item(std::move(item));
  }
}

std::uint64_t SqliteWindowStore::count_items() {
  sqlite::Statement count = m_db.prepare("SELECT count(*) FROM dedup_items");
  count.step();
  return static_cast<std::uint64_t>(count.column_int(0));
}

}  // namespace newsmon::dedup
