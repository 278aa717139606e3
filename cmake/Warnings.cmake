# Warnings for project code only; third-party headers come in as SYSTEM includes.
add_library(newsmon_warnings INTERFACE)
target_compile_options(newsmon_warnings INTERFACE -Wall -Wextra -Wpedantic -Wshadow
  -Wnon-virtual-dtor -Wold-style-cast -Wcast-align -Woverloaded-virtual
  -Wimplicit-fallthrough)
