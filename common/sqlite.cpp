#include "common/sqlite.hpp"

#include <sqlite3.h>

namespace newsmon::sqlite {
namespace {

[[noreturn]] void fail(sqlite3* db, const std::string& path, int code, std::string_view what) {
  std::string message = path + ": " + std::string(what) + ": " +
                        (db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(code));
  throw SqliteError(message, code);
}

}  // namespace

void Database::Closer::operator()(sqlite3* db) const { sqlite3_close_v2(db); }

Database::Database(const std::string& path) : m_path(path) {
  sqlite3* raw = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &raw,
                           SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                           nullptr);
  m_db.reset(raw);
  if (rc != SQLITE_OK) {
    fail(raw, path, rc, "cannot open database");
  }
  sqlite3_busy_timeout(raw, 5000);
  exec("PRAGMA journal_mode=WAL");
  exec("PRAGMA synchronous=NORMAL");
  exec("PRAGMA foreign_keys=ON");
  // The dedup window writes many small rows per feed: a larger page cache
  // avoids re-reading B-tree pages, and rarer checkpoints mean fewer fsyncs.
  exec("PRAGMA cache_size=-16384");
  exec("PRAGMA wal_autocheckpoint=8192");
}

void Database::exec(std::string_view sql) {
  std::string text(sql);
  char* error = nullptr;
  int rc = sqlite3_exec(m_db.get(), text.c_str(), nullptr, nullptr, &error);
  if (rc != SQLITE_OK) {
    std::string message = error != nullptr ? error : sqlite3_errstr(rc);
    sqlite3_free(error);
    throw SqliteError(m_path + ": " + message, rc);
  }
}

Statement Database::prepare(std::string_view sql) { return Statement(*this, sql); }

std::int64_t Database::last_insert_rowid() const { return sqlite3_last_insert_rowid(m_db.get()); }

int Database::changes() const { return sqlite3_changes(m_db.get()); }

void Statement::Finalizer::operator()(sqlite3_stmt* stmt) const { sqlite3_finalize(stmt); }

Statement::Statement(const Database& db, std::string_view sql) : m_db(&db) {
  sqlite3_stmt* raw = nullptr;
  int rc = sqlite3_prepare_v3(db.handle(), sql.data(), static_cast<int>(sql.size()),
                              SQLITE_PREPARE_PERSISTENT, &raw, nullptr);
  m_stmt.reset(raw);
  if (rc != SQLITE_OK) {
    fail(db.handle(), db.path(), rc, "cannot prepare statement");
  }
}

Statement& Statement::bind(int index, std::int64_t value) {
  sqlite3_bind_int64(m_stmt.get(), index, value);
  return *this;
}

Statement& Statement::bind(int index, double value) {
  sqlite3_bind_double(m_stmt.get(), index, value);
  return *this;
}

Statement& Statement::bind(int index, std::string_view text) {
  sqlite3_bind_text(m_stmt.get(), index, text.data(), static_cast<int>(text.size()),
                    SQLITE_TRANSIENT);
  return *this;
}

Statement& Statement::bind_blob(int index, const void* data, std::size_t size) {
  sqlite3_bind_blob(m_stmt.get(), index, data, static_cast<int>(size), SQLITE_TRANSIENT);
  return *this;
}

Statement& Statement::bind_null(int index) {
  sqlite3_bind_null(m_stmt.get(), index);
  return *this;
}

bool Statement::step() {
  int rc = sqlite3_step(m_stmt.get());
  if (rc == SQLITE_ROW) {
    return true;
  }
  if (rc == SQLITE_DONE) {
    return false;
  }
  sqlite3_reset(m_stmt.get());
  fail(m_db->handle(), m_db->path(), rc, "statement failed");
}

void Statement::run() {
  step();
  reset();
}

void Statement::reset() {
  sqlite3_reset(m_stmt.get());
  sqlite3_clear_bindings(m_stmt.get());
}

std::int64_t Statement::column_int(int index) const {
  return sqlite3_column_int64(m_stmt.get(), index);
}

double Statement::column_double(int index) const {
  return sqlite3_column_double(m_stmt.get(), index);
}

std::string Statement::column_text(int index) const {
  const auto* text = sqlite3_column_text(m_stmt.get(), index);
  if (text == nullptr) {
    return {};
  }
  return {reinterpret_cast<const char*>(text),
          static_cast<std::size_t>(sqlite3_column_bytes(m_stmt.get(), index))};
}

std::string Statement::column_blob(int index) const {
  const void* blob = sqlite3_column_blob(m_stmt.get(), index);
  if (blob == nullptr) {
    return {};
  }
  return {static_cast<const char*>(blob),
          static_cast<std::size_t>(sqlite3_column_bytes(m_stmt.get(), index))};
}

bool Statement::column_is_null(int index) const {
  return sqlite3_column_type(m_stmt.get(), index) == SQLITE_NULL;
}

Transaction::Transaction(Database& db) : m_db(db) { m_db.exec("BEGIN IMMEDIATE"); }

Transaction::~Transaction() {
  if (!m_done) {
    try {
      m_db.exec("ROLLBACK");
    } catch (const SqliteError&) {
      // Rolling back a failed transaction can itself fail; nothing more to undo.
    }
  }
}

void Transaction::commit() {
  m_db.exec("COMMIT");
  m_done = true;
}

}  // namespace newsmon::sqlite
