#pragma once
// RAII wrappers over the SQLite C API: a Database owns the connection, a
// Statement owns a prepared statement. Errors throw SqliteError carrying the
// database path and SQLite's message; callers at stage boundaries turn them
// into Results.
#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

struct sqlite3;
struct sqlite3_stmt;

namespace newsmon::sqlite {

class SqliteError : public std::runtime_error {
 public:
  SqliteError(const std::string& what, int code) : std::runtime_error(what), m_code(code) {}
  int code() const { return m_code; }

 private:
  int m_code;
};

class Statement;

class Database {
 public:
  // Opens (creating if needed) the database at `path` in WAL mode with a busy
  // timeout, so a `status` reader never blocks the daemon.
  explicit Database(const std::string& path);

  void exec(std::string_view sql);
  Statement prepare(std::string_view sql);
  std::int64_t last_insert_rowid() const;
  int changes() const;
  const std::string& path() const { return m_path; }
  sqlite3* handle() const { return m_db.get(); }

 private:
  struct Closer {
    void operator()(sqlite3* db) const;
  };
  std::string m_path;
  std::unique_ptr<sqlite3, Closer> m_db;
};

class Statement {
 public:
  Statement(const Database& db, std::string_view sql);

  Statement& bind(int index, std::int64_t value);
  Statement& bind(int index, double value);
  Statement& bind(int index, std::string_view text);
  Statement& bind_blob(int index, const void* data, std::size_t size);
  Statement& bind_null(int index);

  // Advances to the next row; false when done.
  bool step();
  // Runs a statement that returns no rows and resets it for reuse.
  void run();
  void reset();

  std::int64_t column_int(int index) const;
  double column_double(int index) const;
  std::string column_text(int index) const;
  std::string column_blob(int index) const;
  bool column_is_null(int index) const;

 private:
  struct Finalizer {
    void operator()(sqlite3_stmt* stmt) const;
  };
  const Database* m_db;
  std::unique_ptr<sqlite3_stmt, Finalizer> m_stmt;
};

// Commits on commit(), rolls back when destroyed without it.
class Transaction {
 public:
  explicit Transaction(Database& db);
  ~Transaction();
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  void commit();

 private:
  Database& m_db;
  bool m_done = false;
};

}  // namespace newsmon::sqlite
