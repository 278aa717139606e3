#pragma once
// Expected failures (network, parse, disk) travel as values, not exceptions:
// a Result holds either the value or an Error naming what failed and why.
#include <cassert>
#include <string>
#include <utility>
#include <variant>

namespace newsmon {

struct Error {
  std::string message;
};

template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : m_state(std::move(value)) {}  // NOLINT: implicit by design
  Result(Error error) : m_state(std::move(error)) {}  // NOLINT: implicit by design

  bool ok() const { return std::holds_alternative<T>(m_state); }
  explicit operator bool() const { return ok(); }

  T& value() & { assert(ok()); return std::get<T>(m_state); }
  const T& value() const& { assert(ok()); return std::get<T>(m_state); }
  T&& value() && { assert(ok()); return std::get<T>(std::move(m_state)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  const Error& error() const { assert(!ok()); return std::get<Error>(m_state); }

 private:
  std::variant<T, Error> m_state;
};

struct Unit {};
using Status = Result<Unit>;
inline Status ok_status() { return Unit{}; }

}  // namespace newsmon
