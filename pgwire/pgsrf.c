/*
 * pgsrf.c: PostgreSQL's set-returning functions, as virtual-table modules of the engine (mica.h)
 * registered on each session's connection. The engine's planner turns a call in FROM into a scan of
 * the module (arguments bound to its hidden columns) and, in the PostgreSQL dialect, a call in the
 * select list into the same scan joined after the FROM items.
 *
 *   generate_series(start, stop [, step])  integers (int4 / int8 by the arguments' types), numerics
 *   and timestamp / timestamptz with an interval step. One column, named generate_series (the alias,
 *   when the call has one), declared ANYELEMENT: the engine gives it the arguments' type. As in
 *   PostgreSQL: step defaults to 1 (no default for timestamps), a zero step is an error (22023,
 *   "step size cannot equal zero"), a NULL argument gives no rows, the series runs while it does not
 *   pass stop in the step's direction and ends quietly rather than overflow. Numerics are computed in
 *   binary floating point (start + k * step), timestamps by repeated interval addition (so a month
 *   step from January 31 goes to the end of February, then the 29th).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "session_int.h"

enum { SRF_INT, SRF_NUM, SRF_TS };

typedef struct SeriesCur {
  mica_vtab_cursor base;
  int kind, eof, has_zone;
  int64_t rowid;
  int64_t i, istop, istep; /* SRF_INT, and SRF_TS in microseconds */
  double d, dstart, dstop, dstep;
  int64_t k;          /* SRF_NUM: steps taken */
  int months, days;   /* SRF_TS step */
  int64_t usec;       /* SRF_TS step's time part */
  mica_value *arg[3]; /* copies of the arguments, for the hidden columns */
} SeriesCur;

static int series_connect(mica_db *db, void *aux, int argc, const char *const *argv, mica_vtab **out,
                          char **errmsg) {
  (void)aux;
  (void)argc;
  (void)argv;
  (void)errmsg;
  int rc = mica_declare_vtab(db, "CREATE TABLE x(generate_series ANYELEMENT, start ANYELEMENT HIDDEN, "
                                 "stop ANYELEMENT HIDDEN, step HIDDEN)");
  if (rc) return rc;
  *out = calloc(1, sizeof(mica_vtab));
  return *out ? MICA_OK : MICA_NOMEM;
}

static int series_disconnect(mica_vtab *vt) {
  free(vt);
  return MICA_OK;
}

/* start and stop are required: without them (or when they are not usable yet) there is no plan. */
static int series_best_index(mica_vtab *vt, mica_index_info *info) {
  int at[3] = {-1, -1, -1};
  for (int i = 0; i < info->nconstraint; i++) {
    const mica_index_constraint *c = &info->constraint[i];
    if (c->column >= 1 && c->column <= 3 && c->op == MICA_INDEX_CONSTRAINT_EQ && c->usable)
      at[c->column - 1] = i;
  }
  if (at[0] < 0 || at[1] < 0) {
    mica_free(vt->errmsg);
    vt->errmsg = mica_mprintf("function generate_series needs start and stop arguments");
    return MICA_ERROR;
  }
  int n = 0;
  for (int k = 0; k < 3; k++)
    if (at[k] >= 0) {
      info->usage[at[k]].argv_index = ++n;
      info->usage[at[k]].omit = 1;
    }
  info->idx_num = at[2] >= 0;
  info->estimated_cost = 1;
  info->estimated_rows = 1000;
  return MICA_OK;
}

static int series_open(mica_vtab *vt, mica_vtab_cursor **out) {
  (void)vt;
  *out = calloc(1, sizeof(SeriesCur));
  return *out ? MICA_OK : MICA_NOMEM;
}

static void cur_clear(SeriesCur *c) {
  for (int i = 0; i < 3; i++) {
    mica_value_free(c->arg[i]);
    c->arg[i] = NULL;
  }
}

static int series_close(mica_vtab_cursor *cur) {
  cur_clear((SeriesCur *)cur);
  free(cur);
  return MICA_OK;
}

static int fail(mica_vtab_cursor *cur, const char *msg) {
  mica_free(cur->vtab->errmsg);
  cur->vtab->errmsg = mica_mprintf("%s", msg);
  return MICA_RANGE; /* 22023, invalid_parameter_value */
}

/* Is the current value past stop? */
static int past(const SeriesCur *c) {
  switch (c->kind) {
  case SRF_INT:
  case SRF_TS: return c->istep > 0 ? c->i > c->istop : c->i < c->istop;
  default: return c->dstep > 0 ? c->d > c->dstop : c->d < c->dstop;
  }
}

static int series_filter(mica_vtab_cursor *cur, int idx, const char *idx_str, int argc, mica_value **argv) {
  SeriesCur *c = (SeriesCur *)cur;
  (void)idx_str;
  (void)idx;
  cur_clear(c);
  c->rowid = 1;
  c->eof = 0;
  for (int i = 0; i < argc && i < 3; i++)
    if (!(c->arg[i] = mica_value_dup(argv[i]))) return MICA_NOMEM;
  for (int i = 0; i < argc; i++)
    if (mica_value_type(argv[i]) == MICA_NULL) {
      c->eof = 1;
      return MICA_OK;
    }
  int t0 = mica_value_type(argv[0]), t1 = mica_value_type(argv[1]);
  if (t0 == MICA_TEXT || t1 == MICA_TEXT) {
    c->kind = SRF_TS;
    int64_t a, b;
    int za, zb;
    if (pgdate_parse_ts((const char *)mica_value_text(argv[0]), &a, &za) ||
        pgdate_parse_ts((const char *)mica_value_text(argv[1]), &b, &zb)) {
      mica_free(cur->vtab->errmsg);
      cur->vtab->errmsg = mica_mprintf("function generate_series(text, text) does not exist");
      return MICA_ERROR;
    }
    if (argc < 3 ||
        pgdate_parse_interval((const char *)mica_value_text(argv[2]), &c->months, &c->days, &c->usec)) {
      mica_free(cur->vtab->errmsg);
      cur->vtab->errmsg = mica_mprintf(argc < 3 ? "function generate_series needs an interval step"
                                                : "invalid input syntax for type interval: \"%s\"",
                                       argc < 3 ? "" : (const char *)mica_value_text(argv[2]));
      return argc < 3 ? MICA_ERROR : MICA_RANGE;
    }
    if (!c->months && !c->days && !c->usec) return fail(cur, "step size cannot equal zero");
    /* the direction of a mixed interval follows its months, then days, then time (as PostgreSQL's
     * comparison of the step with a zero interval does, month = 30 days) */
    double span = c->months * 30.0 * 86400e6 + c->days * 86400e6 + (double)c->usec;
    c->istep = span > 0 ? 1 : -1;
    c->i = a;
    c->istop = b;
    c->has_zone = za;
    c->eof = past(c);
    return MICA_OK;
  }
  int real = t0 == MICA_FLOAT || t1 == MICA_FLOAT || (argc > 2 && mica_value_type(argv[2]) == MICA_FLOAT);
  if (real) {
    c->kind = SRF_NUM;
    c->dstart = c->d = mica_value_double(argv[0]);
    c->dstop = mica_value_double(argv[1]);
    c->dstep = argc > 2 ? mica_value_double(argv[2]) : 1;
    c->k = 0;
    if (c->dstep == 0) return fail(cur, "step size cannot equal zero");
  } else {
    c->kind = SRF_INT;
    c->i = mica_value_int64(argv[0]);
    c->istop = mica_value_int64(argv[1]);
    c->istep = argc > 2 ? mica_value_int64(argv[2]) : 1;
    if (c->istep == 0) return fail(cur, "step size cannot equal zero");
  }
  c->eof = past(c);
  return MICA_OK;
}

static int series_next(mica_vtab_cursor *cur) {
  SeriesCur *c = (SeriesCur *)cur;
  c->rowid++;
  if (c->kind == SRF_INT) {
    int64_t n;
    if (__builtin_add_overflow(c->i, c->istep, &n)) {
      c->eof = 1;
      return MICA_OK;
    }
    c->i = n;
    c->eof = past(c);
  } else if (c->kind == SRF_NUM) {
    c->k++;
    c->d = c->dstart + (double)c->k * c->dstep;
    c->eof = past(c);
  } else {
    c->i = pgdate_add_interval(c->i, c->months, c->days, c->usec);
    c->eof = past(c);
  }
  return MICA_OK;
}

static int series_eof(mica_vtab_cursor *cur) { return ((SeriesCur *)cur)->eof; }

static int series_column(mica_vtab_cursor *cur, mica_context *ctx, int col) {
  const SeriesCur *c = (const SeriesCur *)cur;
  if (col > 0) {
    if (col <= 3 && c->arg[col - 1]) mica_result_value(ctx, c->arg[col - 1]);
    return MICA_OK;
  }
  if (c->kind == SRF_INT) {
    mica_result_int64(ctx, c->i);
  } else if (c->kind == SRF_NUM) {
    mica_result_double(ctx, c->d);
  } else {
    char buf[64];
    pgdate_format_ts(c->i, c->has_zone, buf, sizeof buf);
    mica_result_text(ctx, buf, -1, MICA_TRANSIENT);
  }
  return MICA_OK;
}

static int series_rowid(mica_vtab_cursor *cur, mica_int64 *rowid) {
  *rowid = ((const SeriesCur *)cur)->rowid;
  return MICA_OK;
}

static const mica_module series_module = {
    .version = 1,
    .connect = series_connect,
    .best_index = series_best_index,
    .disconnect = series_disconnect,
    .open = series_open,
    .close = series_close,
    .filter = series_filter,
    .next = series_next,
    .eof = series_eof,
    .column = series_column,
    .rowid = series_rowid,
};

int pgw_srf_register(pgw_session *s) {
  return mica_create_module(s->db, "generate_series", &series_module, NULL, NULL);
}
