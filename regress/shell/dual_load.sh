#!/bin/bash
# dual_load.sh: runs regress/shell/dual_load (system libsqlite3 linked, libmica-sqlite3 dlopened) to
# check that -Bsymbolic keeps libmica-sqlite3's internal calls inside it.
if [ -z "${BASH_VERSION:-}" ]; then exec bash "$0" "$@"; fi
: "${top_builddir:=$(cd "$(dirname "$0")/../.." && pwd)}"
prog=$top_builddir/regress/shell/dual_load
lib=$top_builddir/engine/.libs/libmica-sqlite3.so
if [ ! -x "$prog" ] || [ ! -f "$lib" ]; then echo "dual_load or libmica-sqlite3.so not built: test skipped"; exit 77; fi
exec "$prog" "$lib"
