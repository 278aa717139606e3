#include "alerts/outbox.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/alerts/alert_fixtures.hpp"
#include "tests/support/process.hpp"

namespace newsmon::alerts {
namespace {

using ::testing::HasSubstr;
using testing::seed_alert;
using testing::utc;

class OutboxTest : public ::testing::Test {
 protected:
  std::string db_path() const { return m_dir.path() + "/state.db"; }
  newsmon::testing::TempDir m_dir;
  ManualClock m_clock{utc(2018, 5, 31, 10)};
};

// The caller's pattern: the dedup decision and its enqueues in one transaction.
OutboxId enqueue_committed(sqlite::Database& db, Outbox& outbox, const std::string& sink,
                           const Alert& alert) {
  sqlite::Transaction transaction(db);
  auto id = outbox.enqueue(sink, alert);
  EXPECT_TRUE(id.ok()) << id.error().message;
  transaction.commit();
  return *id;
}

std::vector<std::string> pending_story_ids(Outbox& outbox, const std::string& sink) {
  std::vector<std::string> ids;
  OutboxId after = 0;
  while (true) {
    auto next = outbox.next_pending(sink, after);
    EXPECT_TRUE(next.ok());
    if (!next.ok() || !next->has_value()) {
      return ids;
    }
    ids.push_back((*next)->story_id);
    after = (*next)->id;
  }
}

TEST_F(OutboxTest, EnqueueJoinsTheCallersTransaction) {
  sqlite::Database db(db_path());
  Outbox outbox(db, m_clock);
  {
    sqlite::Transaction transaction(db);
    ASSERT_TRUE(outbox.enqueue("hook", seed_alert("rolled-back")).ok());
    // No commit: the dedup decision failed, so its alert must vanish too.
  }
  enqueue_committed(db, outbox, "hook", seed_alert("kept"));
  EXPECT_EQ(pending_story_ids(outbox, "hook"), std::vector<std::string>{"kept"});
}

TEST_F(OutboxTest, PendingRowsSurviveARestartInOrderPerSink) {
  {
    sqlite::Database db(db_path());
    Outbox outbox(db, m_clock);
    for (const char* id : {"s1", "s2", "s3"}) {
      enqueue_committed(db, outbox, "hook", seed_alert(id));
      enqueue_committed(db, outbox, "file", seed_alert(std::string(id) + "-file"));
    }
    auto first = outbox.next_pending("hook");
    ASSERT_TRUE(first.ok() && first->has_value());
    ASSERT_TRUE(outbox.mark_delivered((*first)->id).ok());
  }
  sqlite::Database db(db_path());
  Outbox outbox(db, m_clock);
  EXPECT_EQ(pending_story_ids(outbox, "hook"), (std::vector<std::string>{"s2", "s3"}));
  EXPECT_EQ(pending_story_ids(outbox, "file"),
            (std::vector<std::string>{"s1-file", "s2-file", "s3-file"}));
  EXPECT_EQ(*outbox.sinks_with_pending(), (std::vector<std::string>{"file", "hook"}));
  auto next = outbox.next_pending("hook");
  ASSERT_TRUE(next.ok() && next->has_value());
  auto alert = deserialize((*next)->payload);
  ASSERT_TRUE(alert.ok());
  EXPECT_EQ(*alert, seed_alert("s2"));
}

TEST_F(OutboxTest, RecordsAttemptsAndKeepsDeadLetters) {
  sqlite::Database db(db_path());
  Outbox outbox(db, m_clock);
  const OutboxId first = enqueue_committed(db, outbox, "hook", seed_alert("s1"));
  enqueue_committed(db, outbox, "hook", seed_alert("s2"));

  const SysTime later = m_clock.now() + std::chrono::minutes(2);
  ASSERT_TRUE(outbox.record_retry(first, 3, later, "HTTP 503").ok());
  auto head = outbox.next_pending("hook");
  ASSERT_TRUE(head.ok() && head->has_value());
  EXPECT_EQ((*head)->attempts, 3);
  EXPECT_EQ((*head)->next_attempt_at, later);
  EXPECT_EQ((*head)->last_error, "HTTP 503");

  ASSERT_TRUE(outbox.dead_letter(first, 8, "gave up after 8 attempts: HTTP 503").ok());
  EXPECT_EQ(pending_story_ids(outbox, "hook"), std::vector<std::string>{"s2"});
  auto dead = outbox.dead_letters("hook");
  ASSERT_TRUE(dead.ok());
  ASSERT_EQ(dead->size(), 1u);
  EXPECT_EQ(dead->front().story_id, "s1");
  EXPECT_EQ(dead->front().attempts, 8);
  EXPECT_THAT(dead->front().last_error, HasSubstr("gave up"));
  auto counts = outbox.counts();
  ASSERT_TRUE(counts.ok());
  EXPECT_EQ(counts->at("hook").pending, 1);
  EXPECT_EQ(counts->at("hook").dead, 1);

  auto requeued = outbox.requeue_dead_letters("hook");
  ASSERT_TRUE(requeued.ok());
  EXPECT_EQ(*requeued, 1);
  EXPECT_EQ(pending_story_ids(outbox, "hook"), (std::vector<std::string>{"s1", "s2"}));
  EXPECT_EQ(outbox.next_pending("hook")->value().attempts, 0);
}

TEST_F(OutboxTest, IdsKeepIncreasingAfterDeletes) {
  sqlite::Database db(db_path());
  Outbox outbox(db, m_clock);
  const OutboxId first = enqueue_committed(db, outbox, "hook", seed_alert("s1"));
  ASSERT_TRUE(outbox.mark_delivered(first).ok());
  const OutboxId second = enqueue_committed(db, outbox, "hook", seed_alert("s2"));
  EXPECT_GT(second, first);
}

// Root ignores file modes, so a read-only state dir is simulated with
// query_only: SQLite then fails every write with SQLITE_READONLY, as it does
// for a read-only file or mount.
TEST_F(OutboxTest, ReadOnlyStateReportsAClearErrorAndLosesNothing) {
  sqlite::Database db(db_path());
  Outbox outbox(db, m_clock);
  const OutboxId id = enqueue_committed(db, outbox, "hook", seed_alert("s1"));
  db.exec("PRAGMA query_only = ON");

  auto enqueued = outbox.enqueue("hook", seed_alert("s2"));
  ASSERT_FALSE(enqueued.ok());
  EXPECT_THAT(enqueued.error().message, HasSubstr("cannot enqueue story s2 for sink hook"));
  EXPECT_THAT(enqueued.error().message, HasSubstr("readonly"));
  EXPECT_THAT(enqueued.error().message, HasSubstr(db_path()));

  auto delivered = outbox.mark_delivered(id);
  ASSERT_FALSE(delivered.ok());
  EXPECT_THAT(delivered.error().message, HasSubstr("readonly"));

  db.exec("PRAGMA query_only = OFF");
  EXPECT_EQ(pending_story_ids(outbox, "hook"), std::vector<std::string>{"s1"});
}

TEST_F(OutboxTest, ReadOnlyDatabaseFailsAtStartUp) {
  { sqlite::Database db(db_path()); }
  sqlite::Database db(db_path());
  db.exec("PRAGMA query_only = ON");
  EXPECT_THROW(Outbox(db, m_clock), sqlite::SqliteError);
}

// A full disk, simulated by capping the database's size in pages.
TEST_F(OutboxTest, FullDiskRollsTheDecisionBackAndKeepsEarlierRows) {
  sqlite::Database db(db_path());
  Outbox outbox(db, m_clock);
  db.exec("CREATE TABLE decisions (story_id TEXT)");
  auto page_count = db.prepare("PRAGMA page_count");
  ASSERT_TRUE(page_count.step());
  const auto pages = page_count.column_int(0);
  page_count.reset();
  db.exec("PRAGMA max_page_count = " + std::to_string(pages + 8));

  int committed = 0;
  std::optional<Error> failure;
  for (int i = 0; i < 100 && !failure; ++i) {
    std::string story = "s";
    story += std::to_string(i);
    sqlite::Transaction transaction(db);
    auto decision = db.prepare("INSERT INTO decisions VALUES (?)");
    decision.bind(1, story).run();
    auto enqueued = outbox.enqueue("hook", seed_alert(story, 1));
    if (!enqueued.ok()) {
      failure = enqueued.error();
      continue;  // the transaction rolls back: decision and alert together
    }
    transaction.commit();
    ++committed;
  }
  ASSERT_TRUE(failure.has_value()) << "the page cap never filled up";
  EXPECT_THAT(failure->message, HasSubstr("full"));
  EXPECT_GT(committed, 0);

  db.exec("PRAGMA max_page_count = 1000000");
  EXPECT_EQ(static_cast<int>(pending_story_ids(outbox, "hook").size()), committed);
  auto decisions = db.prepare("SELECT COUNT(*) FROM decisions");
  ASSERT_TRUE(decisions.step());
  EXPECT_EQ(decisions.column_int(0), committed);
}

}  // namespace
}  // namespace newsmon::alerts
