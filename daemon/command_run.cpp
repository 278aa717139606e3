#include <iostream>

#include "config/loader.hpp"
#include "daemon/commands.hpp"
#include "daemon/daemon.hpp"

namespace newsmon::daemon {
namespace {

const std::vector<OptionSpec> k_config_option = {{"--config", "-c", true}};

}  // namespace

int command_check_config(const std::vector<std::string>& args) {
  std::vector<OptionSpec> specs = k_config_option;
  specs.push_back({"--reference", "", false});
  ParsedArgs parsed = parse_args(args, specs);
  if (!parsed.error && parsed.flags.count("--reference") != 0) {
    std::cout << config::config_reference();
    return k_exit_ok;
  }
  int exit_code = k_exit_ok;
  auto path = config_path_of("check-config", parsed, exit_code);
  if (!path) {
    return exit_code;
  }
  auto loaded = config::load_config_file(*path);
  if (!loaded.config) {
    for (const auto& error : loaded.errors) {
      std::cout << error.to_string() << "\n";
    }
    return k_exit_usage;
  }
  std::cout << *path << ": ok (" << loaded.config->feeds.size() << " feeds, "
            << loaded.config->alerts.size() << " sinks)\n";
  return k_exit_ok;
}

int command_run(const std::vector<std::string>& args) {
  int exit_code = k_exit_ok;
  auto path = config_path_of("run", parse_args(args, k_config_option), exit_code);
  if (!path) {
    return exit_code;
  }
  auto startup = start_up(*path, exit_code);
  if (!startup) {
    return exit_code;
  }
  Daemon daemon(*path, std::move(startup->config), std::move(startup->state));
  return daemon.run();
}

}  // namespace newsmon::daemon
