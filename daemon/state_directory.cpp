#include "daemon/state_directory.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

namespace newsmon::daemon {

std::string StateDirectory::database_path(const std::string& state_dir) {
  return (std::filesystem::path(state_dir) / "newsmon.db").string();
}

Result<FileLock> FileLock::acquire(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0640);
  if (fd < 0) {
    return Error{"cannot open " + path + ": " + std::strerror(errno) +
                 " (is state_dir writable by this user?)"};
  }
  FileLock lock(fd);
  if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
    if (errno == EWOULDBLOCK) {
      return Error{"another newsmon holds " + path + "; two daemons cannot share one state_dir"};
    }
    return Error{"cannot lock " + path + ": " + std::strerror(errno)};
  }
  return lock;
}

FileLock::~FileLock() {
  if (m_fd >= 0) {
    ::close(m_fd);
  }
}

Result<std::unique_ptr<StateDirectory>> StateDirectory::open(const std::string& path) {
  std::error_code error;
  std::filesystem::create_directories(path, error);
  if (error) {
    return Error{"cannot create state_dir " + path + ": " + error.message()};
  }
  auto lock = FileLock::acquire((std::filesystem::path(path) / "lock").string());
  if (!lock) {
    return lock.error();
  }
  try {
    auto database = std::make_unique<sqlite::Database>(database_path(path));
    return std::make_unique<StateDirectory>(path, std::move(*lock), std::move(database));
  } catch (const sqlite::SqliteError& e) {
    return Error{std::string("cannot open the state database: ") + e.what()};
  }
}

StateDirectory::StateDirectory(std::string path, FileLock lock,
                               std::unique_ptr<sqlite::Database> database)
    : m_path(std::move(path)), m_lock(std::move(lock)), m_database(std::move(database)) {}

}  // namespace newsmon::daemon
