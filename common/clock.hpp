#pragma once
// Wall-clock time behind an interface so tests inject it (no sleeps, no
// dependence on today's date).
#include <chrono>

namespace newsmon {

using SysTime = std::chrono::system_clock::time_point;

class Clock {
 public:
  virtual ~Clock() = default;
  virtual SysTime now() const = 0;
};

class SystemClock final : public Clock {
 public:
  SysTime now() const override { return std::chrono::system_clock::now(); }
};

// For tests: time moves only when told to.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(SysTime start) : m_now(start) {}
  SysTime now() const override { return m_now; }
  void advance(std::chrono::system_clock::duration by) { m_now += by; }
  void set(SysTime to) { m_now = to; }

 private:
  SysTime m_now;
};

}  // namespace newsmon
