/*
 * plan_cost.h: the planner's cost arithmetic: logarithmic estimates, row widths, and the row-count
 * estimates of tables and indexes (defaults, or sqlite_stat1 statistics).
 *
 * LOGARITHMIC ESTIMATES
 *   Costs and row counts are LogEst values: 10 * log2(x), rounded, so 10 is 2, 33 is 10, 66 is 100
 *   and 200 is about a million. Multiplying estimates adds LogEsts; adding them is logest_add. The
 *   planner compares plans by these numbers the way SQLite 3.40's does (see plan.c, ACCESS PATHS), so
 *   that it makes the same choices.
 *
 * WIDTHS
 *   A column's width is estimated from its declared type, in units of 4 bytes: a type with a size in
 *   parentheses ("VARCHAR(40)") is size/4 + 1, a text or blob type without one 5, anything else 1. A
 *   table row is the sum over its columns (plus one for the rowid unless a column aliases it), an index
 *   entry the sum over its key columns plus one for the rowid; both are kept as LogEst of 4 * width.
 *
 * ROW ESTIMATES
 *   cost_index_rows fills est[0..ncol]: est[0] the rows in the index (the table's), est[k] the rows
 *   expected to share one value of the first k key columns. Without statistics a table has about a
 *   million rows (LogEst 200), and the first key columns match 10, 9, 8, 7, 6 rows, later ones 5, a
 *   fully constrained unique index one. With a sqlite_stat1 row "N a1 a2 ..." for the index those
 *   numbers are used instead (stats_*; plan_stats.c).
 */
#ifndef MICA_PLAN_COST_H
#define MICA_PLAN_COST_H

#include <stdint.h>

#include "schema.h"

typedef int LogEst;

LogEst logest(uint64_t x);             /* 10*log2(x); 0 for 0 and 1 */
LogEst logest_add(LogEst a, LogEst b); /* logest(x + y) from logest(x), logest(y) */
LogEst logest_log(LogEst n);           /* logest(log2 of the count n stands for), 0 when n <= 10 */

LogEst cost_table_width(const Table *t);
LogEst cost_index_width(const Index *ix);

/* Rows of the table (LogEst) and per-prefix rows of an index (est[0..ix->ncol]). */
LogEst cost_table_rows(const Table *t);
void cost_index_rows(const Index *ix, LogEst *est);

#endif /* MICA_PLAN_COST_H */
