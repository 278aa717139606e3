#pragma once
// Test support: run an io_context until a condition holds, with a deadline
// that fails the test instead of hanging it. Waiting on real I/O is not a
// sleep: the loop returns as soon as the work is done.
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <functional>

namespace newsmon::testing {

// True when `done` became true before `deadline` passed.
inline bool run_until(boost::asio::io_context& io, const std::function<bool()>& done,
                      std::chrono::milliseconds deadline = std::chrono::seconds(20)) {
  const auto give_up = std::chrono::steady_clock::now() + deadline;
  while (!done()) {
    if (std::chrono::steady_clock::now() >= give_up) {
      return false;
    }
    io.restart();
    io.run_one_for(std::chrono::milliseconds(50));
  }
  return true;
}

}  // namespace newsmon::testing
