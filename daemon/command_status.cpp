#include <nlohmann/json.hpp>

#include <cstdio>
#include <filesystem>
#include <iostream>

#include "alerts/outbox.hpp"
#include "common/time.hpp"
#include "config/loader.hpp"
#include "daemon/commands.hpp"
#include "daemon/state_directory.hpp"
#include "feeds/fetch_state_store.hpp"

namespace newsmon::daemon {
namespace {

std::string time_or_dash(const std::optional<SysTime>& time) {
  return time ? format_utc(*time) : "-";
}

nlohmann::json time_or_null(const std::optional<SysTime>& time) {
  return time ? nlohmann::json(format_utc(*time)) : nlohmann::json(nullptr);
}

}  // namespace

// Reads the state database beside a running daemon (WAL readers never block
// it), joined with the config so a feed that never ran still shows.
int command_status(const std::vector<std::string>& args) {
  ParsedArgs parsed = parse_args(args, {{"--config", "-c", true}, {"--json", "", false}});
  int exit_code = k_exit_ok;
  auto config_path = config_path_of("status", parsed, exit_code);
  if (!config_path) {
    return exit_code;
  }
  auto loaded = load_config_or_report(*config_path);
  if (!loaded) {
    return k_exit_usage;
  }
  const config::Config& config = *loaded;
  std::string db_path = StateDirectory::database_path(config.state_dir);
  if (!std::filesystem::exists(db_path)) {
    std::cerr << "newsmon status: no state at " << db_path << " yet (has the daemon run?)\n";
    return k_exit_failure;
  }
  try {
    sqlite::Database db(db_path);
    feeds::FetchStateStore fetch_states(db);
    SystemClock clock;
    alerts::Outbox outbox(db, clock);
    auto states = fetch_states.load_all();
    auto counts = outbox.counts();
    if (!states || !counts) {
      std::cerr << "newsmon status: " << (!states ? states.error() : counts.error()).message << "\n";
      return k_exit_failure;
    }
    std::map<std::string, feeds::FeedFetchState> by_feed;
    for (auto& state : *states) {
      by_feed[state.feed] = state;
    }
    nlohmann::json feeds_json = nlohmann::json::array();
    for (const auto& feed : config.feeds) {
      feeds::FeedFetchState state;
      if (auto it = by_feed.find(feed.name); it != by_feed.end()) {
        state = it->second;
      }
      feeds_json.push_back({{"name", feed.name},
                            {"url", feed.url},
                            {"enabled", feed.enabled},
                            {"last_status", state.last_status.empty() ? "never" : state.last_status},
                            {"last_error", state.last_error},
                            {"last_attempt", time_or_null(state.last_attempt)},
                            {"last_success", time_or_null(state.last_success)},
                            {"next_poll", time_or_null(state.next_poll)},
                            {"consecutive_failures", state.consecutive_failures},
                            {"moved_to", state.moved_to}});
    }
    nlohmann::json sinks_json = nlohmann::json::array();
    for (const auto& sink : config.alerts) {
      alerts::OutboxCounts count;
      if (auto it = counts->find(sink.name); it != counts->end()) {
        count = it->second;
      }
      sinks_json.push_back({{"name", sink.name},
                            {"type", std::string(config::to_string(sink.type))},
                            {"pending", count.pending},
                            {"dead_lettered", count.dead}});
    }
    if (parsed.flags.count("--json") != 0) {
      std::cout << nlohmann::json{{"feeds", feeds_json}, {"sinks", sinks_json}}.dump() << "\n";
      return k_exit_ok;
    }
    std::printf("%-24s %-13s %-21s %-21s %5s  %s\n", "FEED", "STATUS", "LAST SUCCESS", "NEXT POLL",
                "FAILS", "ERROR");
    for (const auto& feed : config.feeds) {
      const auto& state = by_feed.count(feed.name) != 0 ? by_feed[feed.name] : feeds::FeedFetchState{};
      std::printf("%-24s %-13s %-21s %-21s %5d  %s\n", feed.name.c_str(),
                  state.last_status.empty() ? "never" : state.last_status.c_str(),
                  time_or_dash(state.last_success).c_str(), time_or_dash(state.next_poll).c_str(),
                  state.consecutive_failures, state.last_error.c_str());
    }
    std::printf("\n%-24s %-9s %8s %8s\n", "SINK", "TYPE", "PENDING", "DEAD");
    for (const auto& sink : sinks_json) {
      std::printf("%-24s %-9s %8lld %8lld\n", sink["name"].get<std::string>().c_str(),
                  sink["type"].get<std::string>().c_str(), sink["pending"].get<long long>(),
                  sink["dead_lettered"].get<long long>());
    }
    return k_exit_ok;
  } catch (const sqlite::SqliteError& error) {
    std::cerr << "newsmon status: " << error.what() << "\n";
    return k_exit_failure;
  }
}

}  // namespace newsmon::daemon
