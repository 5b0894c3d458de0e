#!/usr/bin/env bash
# quickstart.sh: README's command (a). Installs the Debian packages Mica needs, builds it in build/, and
# starts micad in the foreground on 127.0.0.1:5432 serving ./data (created on first start, trusting
# loopback connections), after printing the psql command that connects. Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."
top=$(pwd)
regress/install-deps.sh build
./autogen.sh >/dev/null
mkdir -p build && cd build
[ -f Makefile ] && [ Makefile -nt "$top/configure" ] || "$top/configure" -q
make -s -j"$(nproc 2>/dev/null || echo 2)"
datadir=${MICA_DATA:-$top/data}
port=${MICA_PORT:-5432}
echo "Connect with:  psql -h 127.0.0.1 -p $port -U postgres postgres"
exec ./src/micad -D "$datadir" -p "$port" -h 127.0.0.1
