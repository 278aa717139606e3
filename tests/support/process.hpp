#pragma once
// Test support: run the real `newsmon` binary as a child process, and receive
// its sd_notify messages on a NOTIFY_SOCKET the test owns.
#include <sys/types.h>

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace newsmon::testing {

struct ProcessResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

// Runs to completion, feeding `input` on stdin.
ProcessResult run_process(const std::vector<std::string>& argv, const std::string& input = {},
                          const std::map<std::string, std::string>& env = {});

// A temporary directory removed with everything in it.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return m_path; }
  std::string write(const std::string& name, const std::string& content) const;

 private:
  std::string m_path;
};

class NotifySocket {
 public:
  explicit NotifySocket(const std::string& path);
  ~NotifySocket();
  NotifySocket(const NotifySocket&) = delete;
  NotifySocket& operator=(const NotifySocket&) = delete;
  const std::string& path() const { return m_path; }
  // The next datagram, or nullopt after `timeout`.
  std::optional<std::string> receive(std::chrono::milliseconds timeout);
  // Datagrams until one contains `needle`; nullopt on timeout.
  std::optional<std::string> wait_for(const std::string& needle, std::chrono::milliseconds timeout);

 private:
  std::string m_path;
  int m_fd = -1;
};

// A background child whose stderr goes to a file the test can read.
class ChildProcess {
 public:
  ChildProcess(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env,
               const std::string& stderr_path);
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;
  void signal(int signo) const;
  // Exit code (128+N when killed by signal N), or nullopt on timeout.
  std::optional<int> wait(std::chrono::milliseconds timeout);

 private:
  pid_t m_pid = -1;
  bool m_reaped = false;
};

std::string read_file(const std::string& path);

}  // namespace newsmon::testing
