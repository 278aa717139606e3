#include "daemon/cli.hpp"

int main(int argc, char** argv) { return newsmon::daemon::run_cli(argc, argv); }
