#include "alerts/outbox.hpp"

#include <chrono>

namespace newsmon::alerts {
namespace {

// AUTOINCREMENT: ids are never reused, so id order stays enqueue order even
// after delivered rows are deleted.
constexpr std::string_view k_schema = R"sql(
CREATE TABLE IF NOT EXISTS alert_outbox (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  sink TEXT NOT NULL,
  story_id TEXT NOT NULL,
  event TEXT NOT NULL,
  payload TEXT NOT NULL,
  created_at_ms INTEGER NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at_ms INTEGER NOT NULL,
  last_error TEXT NOT NULL DEFAULT '',
  state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'dead'))
);
CREATE INDEX IF NOT EXISTS alert_outbox_by_sink ON alert_outbox (sink, state, id);
)sql";

constexpr std::string_view k_entry_columns =
    "id, sink, story_id, payload, attempts, created_at_ms, next_attempt_at_ms, last_error";

std::int64_t to_ms(SysTime time) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(time.time_since_epoch()).count();
}

SysTime from_ms(std::int64_t ms) {
  return SysTime(std::chrono::duration_cast<SysTime::duration>(std::chrono::milliseconds(ms)));
}

OutboxEntry read_entry(const sqlite::Statement& statement) {
  OutboxEntry entry;
  entry.id = statement.column_int(0);
  entry.sink = statement.column_text(1);
  entry.story_id = statement.column_text(2);
  entry.payload = statement.column_text(3);
  entry.attempts = static_cast<int>(statement.column_int(4));
  entry.created_at = from_ms(statement.column_int(5));
  entry.next_attempt_at = from_ms(statement.column_int(6));
  entry.last_error = statement.column_text(7);
  return entry;
}

Error storage_error(std::string_view operation, const sqlite::SqliteError& error) {
  return Error{"alert outbox: cannot " + std::string(operation) + ": " + error.what()};
}

}  // namespace

Outbox::Outbox(sqlite::Database& db, const Clock& clock) : m_db(db), m_clock(clock) {
  m_db.exec(k_schema);
}

Result<OutboxId> Outbox::enqueue(std::string_view sink, const Alert& alert) {
  try {
    const std::int64_t now = to_ms(m_clock.now());
    auto statement = m_db.prepare(
        "INSERT INTO alert_outbox (sink, story_id, event, payload, created_at_ms, "
        "next_attempt_at_ms) VALUES (?, ?, ?, ?, ?, ?)");
    statement.bind(1, sink)
        .bind(2, alert.story_id)
        .bind(3, to_string(alert.event))
        .bind(4, serialize(alert))
        .bind(5, now)
        .bind(6, now);
    statement.run();
    return m_db.last_insert_rowid();
  } catch (const sqlite::SqliteError& error) {
    return storage_error("enqueue story " + alert.story_id + " for sink " + std::string(sink),
                         error);
  }
}

Result<std::optional<OutboxEntry>> Outbox::next_pending(std::string_view sink, OutboxId after) {
  try {
    auto statement = m_db.prepare("SELECT " + std::string(k_entry_columns) +
                                  " FROM alert_outbox WHERE sink = ? AND state = 'pending' "
                                  "AND id > ? ORDER BY id LIMIT 1");
    statement.bind(1, sink).bind(2, after);
    if (!statement.step()) {
      return std::optional<OutboxEntry>();
    }
    return std::optional<OutboxEntry>(read_entry(statement));
  } catch (const sqlite::SqliteError& error) {
    return storage_error("read pending alerts of sink " + std::string(sink), error);
  }
}

Result<std::vector<std::string>> Outbox::sinks_with_pending() {
  try {
    auto statement = m_db.prepare(
        "SELECT DISTINCT sink FROM alert_outbox WHERE state = 'pending' ORDER BY sink");
    std::vector<std::string> sinks;
    while (statement.step()) {
      sinks.push_back(statement.column_text(0));
    }
    return sinks;
  } catch (const sqlite::SqliteError& error) {
    return storage_error("list sinks with pending alerts", error);
  }
}

Status Outbox::mark_delivered(OutboxId id) {
  try {
    auto statement = m_db.prepare("DELETE FROM alert_outbox WHERE id = ?");
    statement.bind(1, id).run();
    return ok_status();
  } catch (const sqlite::SqliteError& error) {
    return storage_error("remove delivered alert " + std::to_string(id), error);
  }
}

Status Outbox::record_retry(OutboxId id, int attempts, SysTime next_attempt_at,
                            std::string_view error_text) {
  try {
    auto statement = m_db.prepare(
        "UPDATE alert_outbox SET attempts = ?, next_attempt_at_ms = ?, last_error = ? "
        "WHERE id = ?");
    statement.bind(1, std::int64_t{attempts})
        .bind(2, to_ms(next_attempt_at))
        .bind(3, error_text)
        .bind(4, id)
        .run();
    return ok_status();
  } catch (const sqlite::SqliteError& error) {
    return storage_error("record a failed attempt of alert " + std::to_string(id), error);
  }
}

Status Outbox::dead_letter(OutboxId id, int attempts, std::string_view reason) {
  try {
    auto statement = m_db.prepare(
        "UPDATE alert_outbox SET state = 'dead', attempts = ?, last_error = ? WHERE id = ?");
    statement.bind(1, std::int64_t{attempts}).bind(2, reason).bind(3, id).run();
    return ok_status();
  } catch (const sqlite::SqliteError& error) {
    return storage_error("dead-letter alert " + std::to_string(id), error);
  }
}

Result<std::map<std::string, OutboxCounts>> Outbox::counts() {
  try {
    auto statement =
        m_db.prepare("SELECT sink, state, COUNT(*) FROM alert_outbox GROUP BY sink, state");
    std::map<std::string, OutboxCounts> counts;
    while (statement.step()) {
      auto& entry = counts[statement.column_text(0)];
      (statement.column_text(1) == "dead" ? entry.dead : entry.pending) = statement.column_int(2);
    }
    return counts;
  } catch (const sqlite::SqliteError& error) {
    return storage_error("count alerts", error);
  }
}

Result<std::vector<OutboxEntry>> Outbox::dead_letters(std::string_view sink) {
  try {
    auto statement = m_db.prepare("SELECT " + std::string(k_entry_columns) +
                                  " FROM alert_outbox WHERE sink = ? AND state = 'dead' "
                                  "ORDER BY id");
    statement.bind(1, sink);
    std::vector<OutboxEntry> entries;
    while (statement.step()) {
      entries.push_back(read_entry(statement));
    }
    return entries;
  } catch (const sqlite::SqliteError& error) {
    return storage_error("list dead letters of sink " + std::string(sink), error);
  }
}

Result<int> Outbox::requeue_dead_letters(std::string_view sink) {
  try {
    auto statement = m_db.prepare(
        "UPDATE alert_outbox SET state = 'pending', attempts = 0, next_attempt_at_ms = ? "
        "WHERE sink = ? AND state = 'dead'");
    statement.bind(1, to_ms(m_clock.now())).bind(2, sink).run();
    return m_db.changes();
  } catch (const sqlite::SqliteError& error) {
    return storage_error("requeue dead letters of sink " + std::string(sink), error);
  }
}

}  // namespace newsmon::alerts
