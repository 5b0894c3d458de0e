#!/usr/bin/env bash
# install-deps.sh build|test: installs the Debian packages Mica needs, skipping those already installed.
#   build  what building and running micad needs
#   test   that, plus what the test suite and lint need (check, libpq, psql, sqlite3, client drivers,
#          and the node drivers through npm ci in regress/clients/node)
#   bench  that, plus the PostgreSQL 15 server `make bench` compares micad with
# Runs apt-get as root, or through sudo.
set -euo pipefail
what=${1:-build}
pkgs=(build-essential autoconf automake libtool pkg-config libevent-dev libssl-dev liburing-dev
      libreadline-dev)
if [ "$what" = test ] || [ "$what" = bench ]; then
  pkgs+=(check libpq-dev postgresql-client sqlite3 libsqlite3-dev python3 python3-psycopg2 python3-asyncpg python3-psycopg
         python3-psycopg-pool
         clang clang-format clang-tidy cppcheck)
fi
[ "$what" = bench ] && pkgs+=(postgresql-15)
# node and npm for the node-postgres and postgres.js tests (Debian's, unless some are installed already).
if [ "$what" != build ] && ! { command -v node && command -v npm; } >/dev/null 2>&1; then
  pkgs+=(nodejs npm)
fi
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=
  [ "$(id -u)" -ne 0 ] && SUDO=sudo
  echo "install-deps: installing ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
# The node drivers, at the versions package-lock.json pins, into regress/clients/node/node_modules
# (ignored by git); skipped when that is already up to date.
if [ "$what" != build ]; then
  node_dir=$(cd "$(dirname "$0")/clients/node" && pwd)
  if [ ! -f "$node_dir/node_modules/.package-lock.json" ] ||
     [ "$node_dir/package-lock.json" -nt "$node_dir/node_modules/.package-lock.json" ]; then
    echo "install-deps: npm ci in $node_dir"
    (cd "$node_dir" && npm ci --no-audit --no-fund --loglevel=error)
  fi
fi
