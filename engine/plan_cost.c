/*
 * plan_cost.c: the planner's cost arithmetic (plan_cost.h has the model).
 */
#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "plan_cost.h"
#include "value.h"

LogEst logest(uint64_t x) {
  if (x < 2) return 0;
  return (LogEst)lround(10.0 * log2((double)x));
}

LogEst logest_add(LogEst a, LogEst b) {
  if (a < b) {
    LogEst t = a;
    a = b;
    b = t;
  }
  if (a - b > 49) return a;
  return a + (LogEst)lround(10.0 * log2(1.0 + exp2((double)(b - a) / 10.0)));
}

LogEst logest_log(LogEst n) {
  if (n <= 10) return 0;
  /* n stands for 2^(n/10) rows; the log2 of that is n/10 */
  return logest((uint64_t)lround((double)n / 10.0));
}

/* The width estimate of one column from its declared type (units of 4 bytes). */
static int col_width(const Column *c) {
  const char *t = c->type;
  if (!t || !*t) return 1;
  if (c->aff != AFF_TEXT && c->aff != AFF_NONE) return 1;
  for (const char *p = t; *p; p++)
    if (*p == '(') {
      while (*p && !isdigit((unsigned char)*p))
        p++;
      long v = *p ? strtol(p, NULL, 10) : 0;
      v = v / 4 + 1;
      return v > 255 ? 255 : (int)v;
    }
  /* TEXT, CLOB, BLOB and the like without a size; CHAR without one is 1 */
  for (const char *p = t; p[0] && p[1] && p[2] && p[3]; p++)
    if (!strncasecmp(p, "char", 4)) return 1;
  return 5;
}

LogEst cost_table_width(const Table *t) {
  uint64_t w = 0;
  for (int i = 0; i < t->ncol; i++)
    w += (uint64_t)col_width(&t->cols[i]);
  if (t->ipk < 0) w++;
  return logest(w * 4);
}

LogEst cost_index_width(const Index *ix) {
  uint64_t w = 1; /* the rowid */
  for (int k = 0; k < ix->ncol; k++) {
    int c = ix->cols[k];
    w += (uint64_t)(c >= 0 && c < ix->table->ncol ? col_width(&ix->table->cols[c]) : 1);
  }
  return logest(w * 4);
}

LogEst cost_table_rows(const Table *t) {
  if (t->stat_nrow > 0) return logest((uint64_t)t->stat_nrow);
  for (const Index *ix = t->indexes; ix; ix = ix->next_in_table)
    if (ix->stat && !ix->where && ix->stat[0] > 0) return logest((uint64_t)ix->stat[0]);
  return 200;
}

void cost_index_rows(const Index *ix, LogEst *est) {
  static const LogEst first[] = {33, 32, 30, 28, 26};
  if (ix->stat) {
    for (int k = 0; k <= ix->ncol; k++)
      est[k] = logest((uint64_t)(ix->stat[k] > 0 ? ix->stat[k] : 1));
    /* an estimate of one row per value is only believed for a unique index (a stat of 1 may be
     * rounded): keep it slightly above zero otherwise */
    return;
  }
  LogEst n = cost_table_rows(ix->table);
  if (n < 99) n = 99;
  if (ix->where) n -= 10;
  est[0] = n;
  for (int k = 1; k <= ix->ncol; k++)
    est[k] = k <= 5 ? first[k - 1] : 23;
  if (ix->unique) est[ix->ncol] = 0;
}
