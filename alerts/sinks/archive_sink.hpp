#pragma once
// `type: archive`: each new story's dated article as a file in `dir`, named
// like the seed corpus: NNN_<16 hex digits>.txt. NNN is a sequence number
// (three digits, more after 999) continuing from the highest in the folder;
// the hex digits are the first 8 bytes of SHA-256(story id), so a redelivery
// after a crash finds the story's file and does not write it twice. Content:
// the dated article and one final newline. Files appear atomically (temp
// file, fsync, rename, fsync of the folder): a reader never sees half a file.
// story_update alerts are accepted and not written: the story's text is
// already archived.
#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <string_view>

#include "alerts/sink.hpp"
#include "common/result.hpp"

namespace newsmon::alerts {

std::string archive_hash(std::string_view story_id);
std::string archive_file_name(std::uint64_t sequence, std::string_view hash);
std::string archive_file_content(const Alert& alert);

// Writes `content` to `path` so that `path` holds either its old content or
// all of `content`, also across a crash.
Status write_file_atomically(const std::string& path, std::string_view content);

class ArchiveSink final : public Sink {
 public:
  // Creates `dir` if needed and scans it for the next sequence number.
  static Result<std::unique_ptr<ArchiveSink>> open(std::string name, std::string dir);
  // Use open(); public for std::make_unique.
  ArchiveSink(std::string name, std::string dir, std::uint64_t next_sequence,
              std::set<std::string> hashes);
  const std::string& name() const override { return m_name; }
  void deliver(const Alert& alert, DeliveryCallback done) override;

 private:
  std::string m_name;
  std::string m_dir;
  std::uint64_t m_next_sequence;
  std::set<std::string> m_hashes;  // stories already in the folder
};

}  // namespace newsmon::alerts
