// The dedup store's schema version: a state file written with other token
// hashes keeps its keys and stories and drops what was built on the hashes;
// one from a newer version is refused.
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "common/sqlite.hpp"
#include "dedup/dedup.hpp"
#include "dedup/sqlite_store.hpp"
#include "tests/dedup/fixtures.hpp"
#include "tests/support/process.hpp"

namespace newsmon::dedup::testing {
namespace {

using Kind = DedupDecision::Kind;

std::int64_t count(sqlite::Database& db, const std::string& table) {
  auto statement = db.prepare("SELECT count(*) FROM " + table);
  statement.step();
  return statement.column_int(0);
}

std::int64_t schema_version(sqlite::Database& db) {
  auto statement = db.prepare("SELECT version FROM dedup_schema");
  return statement.step() ? statement.column_int(0) : -1;
}

DedupOptions stories() {
  DedupOptions options;
  options.mode = config::DedupMode::stories;
  options.time_source = TimeSource::published;
  options.window = std::chrono::hours(24 * 7);
  return options;
}

DedupItem dev_item(std::size_t i, const std::string& id, const std::string& feed) {
  const auto& article = dev_articles()[i];
  return make_item(id, feed, article.title, article.text,
                   day(2020, 3, 1) + std::chrono::hours(static_cast<int>(i)));
}

// Ten articles, each also copied verbatim to a second feed: items, keys,
// stories and boilerplate lines (a footer both feeds repeat).
void fill(sqlite::Database& db) {
  DedupEngine engine(stories(), std::make_unique<SqliteWindowStore>(db));
  sqlite::Transaction transaction(db);
  for (std::size_t i = 0; i < 10; ++i) {
    // (append, not operator+: GCC 12 warns falsely on that.)
    DedupItem item = dev_item(i, std::string("a").append(std::to_string(i)), "alpha");
    item.text += "\n\nSubscribe to our newsletter for more.";
    ASSERT_TRUE(engine.observe(item).ok());
  }
  transaction.commit();
}

TEST(StoreSchema, ANewFileHasTheCurrentVersion) {
  newsmon::testing::TempDir dir;
  sqlite::Database db(dir.path() + "/state.db");
  SqliteWindowStore store(db);
  EXPECT_EQ(schema_version(db), 2);
}

TEST(StoreSchema, AnOlderFileKeepsKeysAndStoriesAndDropsHashedRows) {
  newsmon::testing::TempDir dir;
  const std::string path = dir.path() + "/state.db";
  {
    sqlite::Database db(path);
    fill(db);
    ASSERT_EQ(count(db, "dedup_items"), 10);
    ASSERT_GT(count(db, "dedup_boilerplate"), 0);
    // What a file of version 1 looks like: no dedup_schema table.
    db.exec("DROP TABLE dedup_schema");
  }
  sqlite::Database db(path);
  const std::int64_t keys = count(db, "dedup_keys");
  const std::int64_t stories_before = count(db, "dedup_stories");
  DedupEngine engine(stories(), std::make_unique<SqliteWindowStore>(db));
  EXPECT_EQ(schema_version(db), 2);
  EXPECT_EQ(count(db, "dedup_items"), 0);
  EXPECT_EQ(count(db, "dedup_boilerplate"), 0);
  EXPECT_EQ(count(db, "dedup_background"), 0);
  EXPECT_EQ(count(db, "dedup_keys"), keys);
  EXPECT_EQ(count(db, "dedup_stories"), stories_before);
  // An item seen before is still a repeat: nothing is alerted twice.
  auto again = engine.observe(dev_item(3, "a3", "alpha"));
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->kind, Kind::repeat);
  EXPECT_EQ(again->story_id, "a3");
  // Its text is no longer in the window: a verbatim copy elsewhere is new.
  auto copy = engine.observe(dev_item(3, "b3", "beta"));
  ASSERT_TRUE(copy.ok());
  EXPECT_EQ(copy->kind, Kind::new_story);
}

TEST(StoreSchema, ACurrentFileIsKept) {
  newsmon::testing::TempDir dir;
  const std::string path = dir.path() + "/state.db";
  {
    sqlite::Database db(path);
    fill(db);
  }
  sqlite::Database db(path);
  DedupEngine engine(stories(), std::make_unique<SqliteWindowStore>(db));
  EXPECT_EQ(engine.stats().items, 10u);
  auto copy = engine.observe(dev_item(3, "b3", "beta"));
  ASSERT_TRUE(copy.ok());
  EXPECT_EQ(copy->kind, Kind::duplicate);
}

TEST(StoreSchema, ANewerFileIsRefusedUntouched) {
  newsmon::testing::TempDir dir;
  const std::string path = dir.path() + "/state.db";
  {
    sqlite::Database db(path);
    fill(db);
    db.exec("UPDATE dedup_schema SET version = 3");
  }
  sqlite::Database db(path);
  EXPECT_THROW(SqliteWindowStore store(db), sqlite::SqliteError);
  EXPECT_EQ(count(db, "dedup_items"), 10);
  EXPECT_EQ(schema_version(db), 3);
}

}  // namespace
}  // namespace newsmon::dedup::testing
