#pragma once
// YAML → Config. Every problem is collected, each located as
// `FILE:LINE:COL: key.path: message`, so one check-config run shows them all.
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.hpp"

namespace newsmon::config {

struct Diagnostic {
  std::string file;
  int line = 0;    // 1-based
  int column = 0;  // 1-based
  std::string key_path;
  std::string message;

  std::string to_string() const;
};

struct LoadResult {
  std::optional<Config> config;  // set only when there are no errors
  std::vector<Diagnostic> errors;
};

// Looks up an environment variable for `${NAME}` substitution.
using EnvLookup = std::function<std::optional<std::string>(const std::string&)>;
std::optional<std::string> process_env(const std::string& name);

LoadResult load_config_file(const std::string& path, const EnvLookup& env = process_env);

// `display_name` is used in messages; relative paths resolve against `base_dir`.
LoadResult load_config_text(std::string_view text, const std::string& display_name,
                            const std::string& base_dir, const EnvLookup& env = process_env);

// Markdown reference of every key, generated from the same tables that parse.
std::string config_reference();

}  // namespace newsmon::config
