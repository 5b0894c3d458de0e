#!/usr/bin/env bash
# planner-sqlite3.sh: `make check` wrapper: the planner suite run on SQLite itself must reproduce the
# expected files exactly (this checks eqp_runner and that the expected files match the .sql scripts).
exec bash "${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}/regress/planner.sh" --sqlite
