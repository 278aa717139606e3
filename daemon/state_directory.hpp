#pragma once
// The daemon's state_dir: the SQLite database every stage keeps its state in,
// and an exclusive lock so two daemons never share one window.
#include <memory>
#include <string>
#include <utility>

#include "common/result.hpp"
#include "common/sqlite.hpp"

namespace newsmon::daemon {

// An exclusive flock(2) on a file, released when destroyed.
class FileLock {
 public:
  static Result<FileLock> acquire(const std::string& path);
  FileLock(FileLock&& other) noexcept : m_fd(std::exchange(other.m_fd, -1)) {}
  FileLock& operator=(FileLock&&) = delete;
  FileLock(const FileLock&) = delete;
  ~FileLock();

 private:
  explicit FileLock(int fd) : m_fd(fd) {}
  int m_fd;
};

class StateDirectory {
 public:
  StateDirectory(std::string path, FileLock lock, std::unique_ptr<sqlite::Database> database);

  // Creates the folder if needed, takes the lock, opens `newsmon.db`.
  static Result<std::unique_ptr<StateDirectory>> open(const std::string& path);

  sqlite::Database& database() { return *m_database; }
  const std::string& path() const { return m_path; }

  static std::string database_path(const std::string& state_dir);

 private:
  std::string m_path;
  FileLock m_lock;  // declared before the database: closed after it
  std::unique_ptr<sqlite::Database> m_database;
};

}  // namespace newsmon::daemon
