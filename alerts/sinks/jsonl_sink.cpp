#include "alerts/sinks/jsonl_sink.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace newsmon::alerts {
namespace {

std::string errno_text(std::string_view what, const std::string& path) {
  return std::string(what) + " " + path + ": " + std::strerror(errno);
}

}  // namespace

Result<std::unique_ptr<JsonlSink>> JsonlSink::open(std::string name, const std::string& path) {
  if (path == "-") {
    return std::make_unique<JsonlSink>(std::move(name), "stdout", STDOUT_FILENO);
  }
  const int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) {
    return Error{"jsonl sink " + name + ": " + errno_text("cannot open", path)};
  }
  return std::make_unique<JsonlSink>(std::move(name), path, fd);
}

JsonlSink::JsonlSink(std::string name, std::string path, int fd)
    : m_name(std::move(name)), m_path(std::move(path)), m_fd(fd) {
  struct stat info {};
  m_regular_file = ::fstat(m_fd, &info) == 0 && S_ISREG(info.st_mode);
}

JsonlSink::~JsonlSink() {
  if (m_fd != STDOUT_FILENO) {
    ::close(m_fd);
  }
}

void JsonlSink::deliver(const Alert& alert, DeliveryCallback done) {
  const std::string line = webhook_json(alert) + "\n";
  off_t end_before = -1;
  if (m_regular_file) {
    struct stat info {};
    if (::fstat(m_fd, &info) == 0) {
      end_before = info.st_size;
    }
  }
  std::string_view rest = line;
  while (!rest.empty()) {
    const ssize_t written = ::write(m_fd, rest.data(), rest.size());
    if (written < 0) {
      if (errno == EINTR) {
        continue;
      }
      std::string reason = errno_text("cannot write", m_path);
      if (end_before >= 0 && rest.size() != line.size()) {
        // Best effort: the retry then writes the whole line again.
        [[maybe_unused]] const int ignored = ::ftruncate(m_fd, end_before);
      }
      done(DeliveryRetry{std::move(reason), std::nullopt});
      return;
    }
    rest.remove_prefix(static_cast<std::size_t>(written));
  }
  if (m_regular_file && ::fdatasync(m_fd) != 0) {
    done(DeliveryRetry{errno_text("cannot sync", m_path), std::nullopt});
    return;
  }
  done(DeliveryOk{});
}

}  // namespace newsmon::alerts
