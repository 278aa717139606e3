#!/usr/bin/env bash
# Installs the Debian packages newsmon builds, tests and runs with.
# Fast when everything is present: apt-get runs only for what is missing.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config git
  libboost1.81-dev libcurl4-openssl-dev libpugixml-dev libspdlog-dev libyaml-cpp-dev
  libsqlite3-dev libssl-dev libsystemd-dev nlohmann-json3-dev libutf8proc-dev libgumbo-dev
  libgtest-dev libgmock-dev libbenchmark-dev zlib1g-dev libre2-dev libsimdjson-dev
  libdeflate-dev libbrotli-dev libzstd-dev
  systemd python3 nginx-light
)
if [[ "${1:-}" == "--test" ]]; then
  packages+=(clang libclang-rt-14-dev)
fi

missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" ||
    missing+=("$package")
done
if ((${#missing[@]} == 0)); then
  exit 0
fi
echo "deps: installing ${missing[*]}"
sudo_cmd=()
if [[ $(id -u) -ne 0 ]]; then
  sudo_cmd=(sudo)
fi
"${sudo_cmd[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends \
  "${missing[@]}"
