#pragma once
// The durable outbox: every routed alert is a row written in the same SQLite
// transaction as the dedup decision that produced it, and the row goes only
// after its sink accepted the alert. Rows that exhaust their attempts are
// dead-lettered: kept, counted and reported, never dropped silently.
//
// Errors: SQLite failures (full disk, read-only state dir) come back as Error
// values naming the database and the operation; nothing here throws after
// construction.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "alerts/alert.hpp"
#include "common/clock.hpp"
#include "common/result.hpp"
#include "common/sqlite.hpp"

namespace newsmon::alerts {

using OutboxId = std::int64_t;  // strictly increasing: the delivery order per sink

struct OutboxEntry {
  OutboxId id = 0;
  std::string sink;
  std::string story_id;
  std::string payload;  // serialize(alert); deserialize() may fail on a damaged row
  int attempts = 0;     // attempts made so far
  SysTime created_at;
  SysTime next_attempt_at;
  std::string last_error;
};

struct OutboxCounts {
  std::int64_t pending = 0;
  std::int64_t dead = 0;
};

class Outbox {
 public:
  // Creates the table if missing. Throws sqlite::SqliteError: this runs at
  // start-up, where a state dir that cannot be written must stop the daemon.
  Outbox(sqlite::Database& db, const Clock& clock);

  // Adds a pending row for `sink`. Opens no transaction: the caller wraps the
  // dedup decision and all its enqueues in one sqlite::Transaction, and on an
  // Error rolls the whole decision back so it is taken again later.
  Result<OutboxId> enqueue(std::string_view sink, const Alert& alert);

  // The oldest pending row of `sink` with an id above `after`.
  Result<std::optional<OutboxEntry>> next_pending(std::string_view sink, OutboxId after = 0);
  // Every sink with pending rows, for delivering them first at start-up.
  Result<std::vector<std::string>> sinks_with_pending();

  Status mark_delivered(OutboxId id);
  Status record_retry(OutboxId id, int attempts, SysTime next_attempt_at, std::string_view error);
  Status dead_letter(OutboxId id, int attempts, std::string_view reason);

  Result<std::map<std::string, OutboxCounts>> counts();
  Result<std::vector<OutboxEntry>> dead_letters(std::string_view sink);
  // Operator action after fixing a receiver: dead rows become pending again,
  // attempts reset, in their original order. Returns how many.
  Result<int> requeue_dead_letters(std::string_view sink);

 private:
  sqlite::Database& m_db;
  const Clock& m_clock;
};

}  // namespace newsmon::alerts
