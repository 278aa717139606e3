#!/usr/bin/env bash
# systemd-analyze verify on the shipped unit, with ExecStart pointing at the
# binary under test (verify checks that executables exist).
set -euo pipefail
unit_dir=$1
binary=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
sed "s#/usr/bin/newsmon#$binary#g" "$unit_dir/newsmon.service" > "$work/newsmon.service"
output=$(systemd-analyze verify --man=no "$work/newsmon.service" 2>&1) || {
  echo "$output"; exit 1; }
# verify exits 0 on some warnings; treat any line about our unit as a failure.
if grep -i "newsmon.service" <<<"$output"; then
  exit 1
fi
for key in Type=notify ExecReload= Restart=on-failure WatchdogSec= StateDirectory= \
           ConfigurationDirectory= User= ProtectSystem=strict ProtectHome=yes PrivateTmp=yes \
           NoNewPrivileges=yes RestrictAddressFamilies= SystemCallFilter=@system-service \
           'CapabilityBoundingSet=$' 'ExecStartPre=.*check-config'; do
  grep -Eq "^$key" "$unit_dir/newsmon.service" || { echo "unit lacks $key"; exit 1; }
done
echo "newsmon.service verifies"
