#pragma once
// The CLI commands of DESIGN.md, one function each. Every command parses its
// own arguments with parse_args and returns the process exit code.
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "daemon/state_directory.hpp"

namespace newsmon::daemon {

constexpr int k_exit_ok = 0;
constexpr int k_exit_failure = 1;
constexpr int k_exit_usage = 2;

struct ParsedArgs {
  std::map<std::string, std::string> options;  // by long name, e.g. "--config"
  std::set<std::string> flags;                  // by long name, e.g. "--json"
  std::vector<std::string> positional;
  std::optional<std::string> error;
};

struct OptionSpec {
  std::string long_name;
  std::string short_name;  // may be empty
  bool takes_value = true;
};

ParsedArgs parse_args(const std::vector<std::string>& args, const std::vector<OptionSpec>& specs);

// Reports a usage error on stderr and returns k_exit_usage.
int usage_error(const std::string& command, const std::string& message);

// The config file named by -c/--config with no stray arguments; otherwise
// reports the usage error and sets `exit_code`.
std::optional<std::string> config_path_of(const std::string& command, const ParsedArgs& parsed,
                                          int& exit_code);

// Loads and validates the config, printing every located error on stderr.
std::optional<config::Config> load_config_or_report(const std::string& path);

// What `run` and `once` start from: the config, logging set up from it, and
// the locked state directory. On failure, reports it and sets `exit_code`.
struct Startup {
  config::Config config;
  std::unique_ptr<StateDirectory> state;
};
std::optional<Startup> start_up(const std::string& config_path, int& exit_code);

int command_run(const std::vector<std::string>& args);
int command_once(const std::vector<std::string>& args);
int command_check_config(const std::vector<std::string>& args);
int command_parse(const std::vector<std::string>& args);
int command_dedup(const std::vector<std::string>& args);
int command_status(const std::vector<std::string>& args);

}  // namespace newsmon::daemon
