#pragma once
// `type: jsonl`: one JSON object per alert (the webhook body) per line,
// appended to a file or written to stdout ("-"). Each line is one write(2),
// so nothing waits in a user-space buffer, and a regular file is fdatasync'ed
// before the alert counts as delivered. A failed write is rolled back to the
// previous end of file, so a retry never leaves half a line behind.
#include <memory>
#include <string>

#include "alerts/sink.hpp"
#include "common/result.hpp"

namespace newsmon::alerts {

class JsonlSink final : public Sink {
 public:
  static Result<std::unique_ptr<JsonlSink>> open(std::string name, const std::string& path);
  // Use open(); public for std::make_unique. Takes ownership of `fd` unless it is stdout.
  JsonlSink(std::string name, std::string path, int fd);
  ~JsonlSink() override;
  JsonlSink(const JsonlSink&) = delete;
  JsonlSink& operator=(const JsonlSink&) = delete;

  const std::string& name() const override { return m_name; }
  void deliver(const Alert& alert, DeliveryCallback done) override;

 private:
  std::string m_name;
  std::string m_path;
  int m_fd;
  bool m_regular_file = false;
};

}  // namespace newsmon::alerts
