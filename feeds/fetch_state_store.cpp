#include "feeds/fetch_state_store.hpp"

namespace newsmon::feeds {
namespace {

constexpr std::string_view k_schema = R"sql(
CREATE TABLE IF NOT EXISTS feed_fetch_state (
  feed TEXT PRIMARY KEY,
  url TEXT NOT NULL,
  etag TEXT NOT NULL DEFAULT '',
  last_modified TEXT NOT NULL DEFAULT '',
  last_status TEXT NOT NULL DEFAULT '',
  last_error TEXT NOT NULL DEFAULT '',
  moved_to TEXT NOT NULL DEFAULT '',
  last_attempt_ms INTEGER,
  last_success_ms INTEGER,
  next_poll_ms INTEGER,
  consecutive_failures INTEGER NOT NULL DEFAULT 0
))sql";

constexpr std::string_view k_columns =
    "feed, url, etag, last_modified, last_status, last_error, moved_to, last_attempt_ms, "
    "last_success_ms, next_poll_ms, consecutive_failures";

// Runs before the statements are prepared: they need the table.
sqlite::Database& with_schema(sqlite::Database& db) {
  db.exec(k_schema);
  return db;
}

void bind_time(sqlite::Statement& statement, int index, const std::optional<SysTime>& time) {
  if (time) {
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(time->time_since_epoch());
    statement.bind(index, static_cast<std::int64_t>(ms.count()));
  } else {
    statement.bind_null(index);
  }
}

std::optional<SysTime> column_time(const sqlite::Statement& statement, int index) {
  if (statement.column_is_null(index)) {
    return std::nullopt;
  }
  return SysTime(std::chrono::milliseconds(statement.column_int(index)));
}

FeedFetchState read_row(const sqlite::Statement& row) {
  FeedFetchState state;
  state.feed = row.column_text(0);
  state.url = row.column_text(1);
  state.validators.etag = row.column_text(2);
  state.validators.last_modified = row.column_text(3);
  state.last_status = row.column_text(4);
  state.last_error = row.column_text(5);
  state.moved_to = row.column_text(6);
  state.last_attempt = column_time(row, 7);
  state.last_success = column_time(row, 8);
  state.next_poll = column_time(row, 9);
  state.consecutive_failures = static_cast<int>(row.column_int(10));
  return state;
}

}  // namespace

FetchStateStore::FetchStateStore(sqlite::Database& db)
    : m_db(with_schema(db)),
      m_upsert(db, "INSERT OR REPLACE INTO feed_fetch_state (" + std::string(k_columns) +
                       ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)"),
      m_select(db, "SELECT " + std::string(k_columns) + " FROM feed_fetch_state WHERE feed = ?1") {}

Result<std::optional<FeedFetchState>> FetchStateStore::load(std::string_view feed) {
  try {
    m_select.reset();
    m_select.bind(1, feed);
    std::optional<FeedFetchState> state;
    if (m_select.step()) {
      state = read_row(m_select);
    }
    m_select.reset();
    return state;
  } catch (const sqlite::SqliteError& error) {
    return Error{"loading fetch state of feed '" + std::string(feed) + "': " + error.what()};
  }
}

Result<std::vector<FeedFetchState>> FetchStateStore::load_all() {
  try {
    auto statement =
        m_db.prepare("SELECT " + std::string(k_columns) + " FROM feed_fetch_state ORDER BY feed");
    std::vector<FeedFetchState> states;
    while (statement.step()) {
      states.push_back(read_row(statement));
    }
    return states;
  } catch (const sqlite::SqliteError& error) {
    return Error{std::string("loading fetch state: ") + error.what()};
  }
}

Status FetchStateStore::save(const FeedFetchState& state) {
  try {
    m_upsert.reset();
    m_upsert.bind(1, std::string_view(state.feed));
    m_upsert.bind(2, std::string_view(state.url));
    m_upsert.bind(3, std::string_view(state.validators.etag));
    m_upsert.bind(4, std::string_view(state.validators.last_modified));
    m_upsert.bind(5, std::string_view(state.last_status));
    m_upsert.bind(6, std::string_view(state.last_error));
    m_upsert.bind(7, std::string_view(state.moved_to));
    bind_time(m_upsert, 8, state.last_attempt);
    bind_time(m_upsert, 9, state.last_success);
    bind_time(m_upsert, 10, state.next_poll);
    m_upsert.bind(11, static_cast<std::int64_t>(state.consecutive_failures));
    m_upsert.run();
    return ok_status();
  } catch (const sqlite::SqliteError& error) {
    return Error{"saving fetch state of feed '" + state.feed + "': " + error.what()};
  }
}

Status FetchStateStore::save_all(const std::vector<FeedFetchState>& states) {
  try {
    sqlite::Transaction transaction(m_db);
    for (const auto& state : states) {
      if (auto saved = save(state); !saved) {
        return saved;
      }
    }
    transaction.commit();
    return ok_status();
  } catch (const sqlite::SqliteError& error) {
    return Error{std::string("saving fetch state: ") + error.what()};
  }
}

}  // namespace newsmon::feeds
