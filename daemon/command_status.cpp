#include <iostream>

#include "daemon/commands.hpp"

namespace newsmon::daemon {

int command_status(const std::vector<std::string>&) {
  std::cerr << "newsmon status: the state store is not built yet\n";
  return k_exit_failure;
}

}  // namespace newsmon::daemon
