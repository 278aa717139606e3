#include "daemon/cli.hpp"

#include <spdlog/spdlog.h>

#include <array>
#include <iostream>
#include <string_view>

#include "config/loader.hpp"
#include "daemon/commands.hpp"
#include "daemon/logging.hpp"
#include "daemon/version.hpp"

namespace newsmon::daemon {
namespace {

struct Command {
  std::string_view name;
  std::string_view usage;
  std::string_view summary;
  int (*run)(const std::vector<std::string>&);
};

constexpr std::array k_commands = {
    Command{"run", "run -c FILE", "run the daemon in the foreground", command_run},
    Command{"once", "once -c FILE [--deliver-timeout 10s]",
            "poll every feed once, deliver alerts, print a summary",
            command_once},
    Command{"check-config", "check-config -c FILE [--reference]",
            "validate a config; print every problem located", command_check_config},
    Command{"parse", "parse FILE...|-", "parse feed files; one JSON object per item",
            command_parse},
    Command{"dedup",
            "dedup [--mode copies|stories] [--window D] [--threshold T] [--state FILE] < articles.jsonl",
            "run the dedup engine over a stream of articles", command_dedup},
    Command{"status", "status -c FILE [--json]", "per-feed and per-sink state", command_status},
};

void print_help(std::ostream& out) {
  out << "newsmon " << k_version << " - watches news feeds, alerts once per new story\n\n"
      << "usage: newsmon COMMAND [OPTIONS]\n\ncommands:\n";
  for (const auto& command : k_commands) {
    out << "  newsmon " << command.usage << "\n      " << command.summary << "\n";
  }
  out << "\n  newsmon --version | --help\n\nexit codes: 0 success, 1 runtime failure, "
         "2 bad usage or bad config\n";
}

}  // namespace

ParsedArgs parse_args(const std::vector<std::string>& args, const std::vector<OptionSpec>& specs) {
  ParsedArgs parsed;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg == "-" || arg.empty() || arg[0] != '-') {
      parsed.positional.push_back(arg);
      continue;
    }
    std::string name = arg;
    std::optional<std::string> inline_value;
    if (auto eq = arg.find('='); arg.rfind("--", 0) == 0 && eq != std::string::npos) {
      name = arg.substr(0, eq);
      inline_value = arg.substr(eq + 1);
    }
    const OptionSpec* spec = nullptr;
    for (const auto& candidate : specs) {
      if (name == candidate.long_name || (!candidate.short_name.empty() && name == candidate.short_name)) {
        spec = &candidate;
      }
    }
    if (spec == nullptr) {
      parsed.error = "unknown option " + name;
      return parsed;
    }
    if (!spec->takes_value) {
      parsed.flags.insert(spec->long_name);
      continue;
    }
    if (inline_value) {
      parsed.options[spec->long_name] = *inline_value;
    } else if (i + 1 < args.size()) {
      parsed.options[spec->long_name] = args[++i];
    } else {
      parsed.error = "option " + name + " needs a value";
      return parsed;
    }
  }
  return parsed;
}

int usage_error(const std::string& command, const std::string& message) {
  std::cerr << "newsmon " << command << ": " << message << "\n";
  for (const auto& known : k_commands) {
    if (known.name == command) {
      std::cerr << "usage: newsmon " << known.usage << "\n";
    }
  }
  return k_exit_usage;
}

std::optional<std::string> config_path_of(const std::string& command, const ParsedArgs& parsed,
                                          int& exit_code) {
  if (parsed.error) {
    exit_code = usage_error(command, *parsed.error);
    return std::nullopt;
  }
  auto it = parsed.options.find("--config");
  if (it == parsed.options.end()) {
    exit_code = usage_error(command, "missing -c FILE");
    return std::nullopt;
  }
  if (!parsed.positional.empty()) {
    exit_code = usage_error(command, "unexpected argument '" + parsed.positional.front() + "'");
    return std::nullopt;
  }
  return it->second;
}

std::optional<config::Config> load_config_or_report(const std::string& path) {
  auto loaded = config::load_config_file(path);
  for (const auto& error : loaded.errors) {
    std::cerr << error.to_string() << "\n";
  }
  return std::move(loaded.config);
}

std::optional<Startup> start_up(const std::string& config_path, int& exit_code) {
  auto config = load_config_or_report(config_path);
  if (!config) {
    exit_code = k_exit_usage;
    return std::nullopt;
  }
  setup_logging(config->log_level);
  auto state = StateDirectory::open(config->state_dir);
  if (!state) {
    spdlog::error("{}", state.error().message);
    exit_code = k_exit_failure;
    return std::nullopt;
  }
  return Startup{std::move(*config), std::move(*state)};
}

int run_cli(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty()) {
    print_help(std::cerr);
    return k_exit_usage;
  }
  const std::string& first = args.front();
  if (first == "--help" || first == "-h" || first == "help") {
    print_help(std::cout);
    return k_exit_ok;
  }
  if (first == "--version" || first == "-V") {
    std::cout << "newsmon " << k_version << "\nfeatures: " << k_features << "\n";
    return k_exit_ok;
  }
  for (const auto& command : k_commands) {
    if (command.name == first) {
      return command.run(std::vector<std::string>(args.begin() + 1, args.end()));
    }
  }
  std::cerr << "newsmon: unknown command '" << first << "'\n\n";
  print_help(std::cerr);
  return k_exit_usage;
}

}  // namespace newsmon::daemon
