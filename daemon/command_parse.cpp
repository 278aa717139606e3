#include <iostream>

#include "daemon/commands.hpp"

namespace newsmon::daemon {

int command_parse(const std::vector<std::string>&) {
  std::cerr << "newsmon parse: the feed parser is not built yet\n";
  return k_exit_failure;
}

}  // namespace newsmon::daemon
