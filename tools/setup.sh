#!/usr/bin/env bash
# Install the Debian packages routematch needs, only those that are missing.
# usage: tools/setup.sh [base|test|bench|fuzz|all]   (default: all)
set -euo pipefail
want=${1:-all}
pkgs=(cmake ninja-build gcc g++ pkg-config zlib1g-dev libxxhash-dev)
case $want in
  base) ;;
  test) pkgs+=(libcunit1-dev clang libclang-rt-14-dev clang-format) ;;
  bench) pkgs+=(libbenchmark-dev gnuplot-nox) ;;
  fuzz) pkgs+=(clang libclang-rt-14-dev) ;;
  all) pkgs+=(libcunit1-dev libbenchmark-dev gnuplot-nox clang libclang-rt-14-dev clang-format) ;;
  *) echo "usage: $0 [base|test|bench|fuzz|all]" >&2; exit 2 ;;
esac
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all packages present" >&2
  exit 0
fi
echo "setup: installing ${missing[*]}" >&2
sudo=""
[ "$(id -u)" -eq 0 ] || sudo=sudo
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
