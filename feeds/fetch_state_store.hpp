#pragma once
// Per-feed fetch state kept in SQLite across restarts: the conditional-GET
// validators, and what `newsmon status` shows (last status and error, last
// success, consecutive failures, next poll). Works on a caller-owned
// Database; the table is created when missing.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.hpp"
#include "common/result.hpp"
#include "common/sqlite.hpp"
#include "feeds/fetcher.hpp"

namespace newsmon::feeds {

struct FeedFetchState {
  std::string feed;  // the feed's configured name: the key
  std::string url;   // the URL the validators belong to
  ConditionalGetState validators;
  std::string last_status;  // outcome_name() of the last attempt; "" before the first
  std::string last_error;   // reason of the last Retry/Failed; "" after a success
  std::string moved_to;     // a permanent redirect target seen on the last success
  std::optional<SysTime> last_attempt;
  std::optional<SysTime> last_success;
  std::optional<SysTime> next_poll;
  int consecutive_failures = 0;
  bool operator==(const FeedFetchState&) const = default;
};

class FetchStateStore {
 public:
  // Creates the table if needed; throws sqlite::SqliteError at start-up only.
  explicit FetchStateStore(sqlite::Database& db);

  Result<std::optional<FeedFetchState>> load(std::string_view feed);
  Result<std::vector<FeedFetchState>> load_all();  // ordered by feed name
  Status save(const FeedFetchState& state);
  // Several at once in one transaction: one commit per poll pass instead of
  // one per feed (a commit costs more than a conditional GET).
  Status save_all(const std::vector<FeedFetchState>& states);

 private:
  sqlite::Database& m_db;
  sqlite::Statement m_upsert;
  sqlite::Statement m_select;
};

}  // namespace newsmon::feeds
