#include <iostream>

#include "daemon/commands.hpp"

namespace newsmon::daemon {

int command_dedup(const std::vector<std::string>&) {
  std::cerr << "newsmon dedup: the dedup engine is not built yet\n";
  return k_exit_failure;
}

}  // namespace newsmon::daemon
