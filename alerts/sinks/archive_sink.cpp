#include "alerts/sinks/archive_sink.hpp"

#include <fcntl.h>
#include <openssl/sha.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <regex>

namespace newsmon::alerts {
namespace {

namespace fs = std::filesystem;

class FileDescriptor {
 public:
  explicit FileDescriptor(int fd) : m_fd(fd) {}
  ~FileDescriptor() {
    if (m_fd >= 0) {
      ::close(m_fd);
    }
  }
  FileDescriptor(const FileDescriptor&) = delete;
  FileDescriptor& operator=(const FileDescriptor&) = delete;
  int get() const { return m_fd; }
  // Closes now, reporting the error a deferred write may surface only here.
  int close() { return ::close(std::exchange(m_fd, -1)); }

 private:
  int m_fd;
};

Error errno_error(std::string_view what, const std::string& path) {
  return Error{std::string(what) + " " + path + ": " + std::strerror(errno)};
}

Status write_all(int fd, std::string_view content, const std::string& path) {
  while (!content.empty()) {
    const ssize_t written = ::write(fd, content.data(), content.size());
    if (written < 0) {
      if (errno == EINTR) {
        continue;
      }
      return errno_error("cannot write", path);
    }
    content.remove_prefix(static_cast<std::size_t>(written));
  }
  return ok_status();
}

}  // namespace

std::string archive_hash(std::string_view story_id) {
  std::array<unsigned char, SHA256_DIGEST_LENGTH> digest{};
  SHA256(reinterpret_cast<const unsigned char*>(story_id.data()), story_id.size(), digest.data());
  constexpr std::string_view k_hex = "0123456789abcdef";
  std::string out;
  for (std::size_t i = 0; i < 8; ++i) {
    out += k_hex[digest[i] >> 4];
    out += k_hex[digest[i] & 0x0F];
  }
  return out;
}

std::string archive_file_name(std::uint64_t sequence, std::string_view hash) {
  std::string number = std::to_string(sequence);
  if (number.size() < 3) {
    number.insert(0, 3 - number.size(), '0');
  }
  return number + "_" + std::string(hash) + ".txt";
}

std::string archive_file_content(const Alert& alert) { return alert.article + "\n"; }

Status write_file_atomically(const std::string& path, std::string_view content) {
  const fs::path target(path);
  const std::string folder = target.parent_path().empty() ? "." : target.parent_path().string();
  std::string temp = folder + "/." + target.filename().string() + ".tmp-XXXXXX";
  FileDescriptor file(::mkstemp(temp.data()));
  if (file.get() < 0) {
    return errno_error("cannot create a temporary file in", folder);
  }
  const auto fail = [&](Error error) -> Status {
    ::unlink(temp.c_str());
    return error;
  };
  if (auto status = write_all(file.get(), content, temp); !status.ok()) {
    return fail(status.error());
  }
  if (::fsync(file.get()) != 0) {
    return fail(errno_error("cannot fsync", temp));
  }
  if (file.close() != 0) {
    return fail(errno_error("cannot close", temp));
  }
  if (::rename(temp.c_str(), path.c_str()) != 0) {
    return fail(errno_error("cannot rename into place", path));
  }
  // The rename is durable only once the folder's entry is on disk.
  FileDescriptor dir(::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (dir.get() < 0 || ::fsync(dir.get()) != 0) {
    return errno_error("cannot fsync folder", folder);
  }
  return ok_status();
}

Result<std::unique_ptr<ArchiveSink>> ArchiveSink::open(std::string name, std::string dir) {
  std::error_code error;
  fs::create_directories(dir, error);
  if (error) {
    return Error{"archive sink " + name + ": cannot create " + dir + ": " + error.message()};
  }
  static const std::regex k_file_name(R"(^([0-9]{3,})_([0-9a-f]{16})\.txt$)");
  std::uint64_t next_sequence = 0;
  std::set<std::string> hashes;
  for (const auto& entry : fs::directory_iterator(dir, error)) {
    std::smatch match;
    const std::string file_name = entry.path().filename().string();
    if (std::regex_match(file_name, match, k_file_name)) {
      next_sequence = std::max<std::uint64_t>(next_sequence, std::stoull(match[1].str()) + 1);
      hashes.insert(match[2].str());
    }
  }
  if (error) {
    return Error{"archive sink " + name + ": cannot list " + dir + ": " + error.message()};
  }
  return std::make_unique<ArchiveSink>(std::move(name), std::move(dir), next_sequence,
                                       std::move(hashes));
}

ArchiveSink::ArchiveSink(std::string name, std::string dir, std::uint64_t next_sequence,
                         std::set<std::string> hashes)
    : m_name(std::move(name)),
      m_dir(std::move(dir)),
      m_next_sequence(next_sequence),
      m_hashes(std::move(hashes)) {}

void ArchiveSink::deliver(const Alert& alert, DeliveryCallback done) {
  if (alert.event != AlertEvent::new_story) {
    done(DeliveryOk{});
    return;
  }
  std::string hash = archive_hash(alert.story_id);
  if (m_hashes.contains(hash)) {
    done(DeliveryOk{});  // a redelivery: the file is already there
    return;
  }
  const std::string path = m_dir + "/" + archive_file_name(m_next_sequence, hash);
  if (auto status = write_file_atomically(path, archive_file_content(alert)); !status.ok()) {
    // Disk full or read-only: the operator can fix it, so the dispatcher retries.
    done(DeliveryRetry{status.error().message, std::nullopt});
    return;
  }
  ++m_next_sequence;
  m_hashes.insert(std::move(hash));
  done(DeliveryOk{});
}

}  // namespace newsmon::alerts
