#pragma once

namespace newsmon::daemon {

// The whole `newsmon` command line; main() only calls this.
int run_cli(int argc, char** argv);

}  // namespace newsmon::daemon
