#include <iostream>

#include "daemon/commands.hpp"

namespace newsmon::daemon {

int command_once(const std::vector<std::string>&) {
  std::cerr << "newsmon once: feed polling is not built yet\n";
  return k_exit_failure;
}

}  // namespace newsmon::daemon
