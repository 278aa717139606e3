#pragma once
// The one interface every alert sink implements. A sink makes one delivery
// attempt and says how it went; the dispatcher owns retries, backoff, ordering
// and the outbox. A sink never sleeps, loops or retries by itself.
#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <variant>

#include "alerts/alert.hpp"

namespace newsmon::alerts {

struct DeliveryOk {};

// Try again later; `after` is the receiver's own wish (Retry-After), which the
// dispatcher honours as a lower bound on its backoff.
struct DeliveryRetry {
  std::string reason;
  std::optional<std::chrono::milliseconds> after;
};

// The receiver refused this alert for good (e.g. HTTP 400/404): retrying the
// same bytes cannot succeed.
struct DeliveryPermanent {
  std::string reason;
};

using DeliveryResult = std::variant<DeliveryOk, DeliveryRetry, DeliveryPermanent>;
using DeliveryCallback = std::function<void(DeliveryResult)>;

class Sink {
 public:
  virtual ~Sink() = default;
  // The sink's configured name: the outbox key and the metrics label.
  virtual const std::string& name() const = 0;
  // Makes one attempt. `alert` lives only during the call: an asynchronous
  // sink copies what it needs. `done` runs exactly once, either before
  // deliver returns or later on the io_context thread; the dispatcher copes
  // with both.
  virtual void deliver(const Alert& alert, DeliveryCallback done) = 0;
};

}  // namespace newsmon::alerts
