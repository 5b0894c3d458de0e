#!/usr/bin/env bash
# planner-check.sh: `make check` wrapper for the planner suite's ratchet (regress/planner.sh --ratchet).
exec bash "${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}/regress/planner.sh" --ratchet
