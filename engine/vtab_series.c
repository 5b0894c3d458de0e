/*
 * vtab_series.c: generate_series(start [, stop [, step]]), the eponymous virtual table of SQLite's
 * series extension as the sqlite3 3.40 shell has it built in.
 *
 * COLUMNS  value, then the hidden arguments start, stop, step. The rowid counts rows from 1.
 *
 * SEMANTICS (SQLite 3.40's, observable through the shell)
 *   best_index takes the equality constraints on start, stop and step (idx_num bits 1, 2, 4; their
 *   values go to filter in that order) and omits them from the filters. A plan without a usable
 *   start is an error ('first argument to "generate_series()" missing or unusable'); an unusable
 *   constraint on stop or step that has no usable counterpart is MICA_CONSTRAINT. With start and stop,
 *   ORDER BY value (first term) is consumed: bit 8 descending, bit 16 ascending.
 *   filter: start defaults to 0, stop to 4294967295, step to 1; every argument is read as an integer
 *   (text and reals by their numeric prefix, SQLite's sqlite3_value_int64); step 0 means 1; a negative
 *   step means |step| and descending order (unless ORDER BY asked ascending); any NULL argument gives
 *   no rows. Ascending runs start, start+step, ... while <= stop; descending starts at the last value
 *   of that ascending run and goes down while >= start. Values wrap around at the int64 limits as
 *   SQLite's do (two's complement), so a stop near INT64_MAX runs on as SQLite's does.
 *   The hidden columns report start, stop and |step| as used.
 */
#include <stdint.h>
#include <stdlib.h>

#include "mica.h"
#include "vtab.h"

enum { COL_VALUE = 0, COL_START, COL_STOP, COL_STEP };

typedef struct SeriesCursor {
  mica_vtab_cursor base;
  int desc;
  int64_t rowid;
  int64_t value, lo, hi, step;
} SeriesCursor;

static int series_connect(mica_db *db, void *aux, int argc, const char *const *argv, mica_vtab **out,
                          char **errmsg) {
  (void)aux;
  (void)argc;
  (void)argv;
  (void)errmsg;
  int rc = mica_declare_vtab(db, "CREATE TABLE x(value,start hidden,stop hidden,step hidden)");
  if (rc) return rc;
  *out = calloc(1, sizeof(mica_vtab));
  return *out ? MICA_OK : MICA_NOMEM;
}

static int series_disconnect(mica_vtab *vt) {
  free(vt);
  return MICA_OK;
}

static int series_best_index(mica_vtab *vt, mica_index_info *info) {
  int idx = 0, unusable = 0, start_seen = 0, aidx[3] = {-1, -1, -1};
  for (int i = 0; i < info->nconstraint; i++) {
    const mica_index_constraint *c = &info->constraint[i];
    if (c->column < COL_START) continue;
    int k = c->column - COL_START, bit = 1 << k;
    if (k == 0) start_seen = 1;
    if (!c->usable)
      unusable |= bit;
    else if (c->op == MICA_INDEX_CONSTRAINT_EQ) {
      idx |= bit;
      aidx[k] = i;
    }
  }
  int n = 0;
  for (int k = 0; k < 3; k++)
    if (aidx[k] >= 0) {
      info->usage[aidx[k]].argv_index = ++n;
      info->usage[aidx[k]].omit = 1;
    }
  if (!start_seen) {
    mica_free(vt->errmsg);
    vt->errmsg = mica_mprintf("first argument to \"generate_series()\" missing or unusable");
    return MICA_ERROR;
  }
  if (unusable & ~idx) return MICA_CONSTRAINT;
  if ((idx & 3) == 3) {
    info->estimated_cost = 2 - ((idx & 4) != 0);
    info->estimated_rows = 1000;
    if (info->norderby >= 1 && info->orderby[0].column == COL_VALUE) {
      idx |= info->orderby[0].desc ? 8 : 16;
      info->order_by_consumed = 1;
    }
  } else {
    info->estimated_rows = 2147483647;
  }
  info->idx_num = idx;
  return MICA_OK;
}

static int series_open(mica_vtab *vt, mica_vtab_cursor **out) {
  (void)vt;
  *out = calloc(1, sizeof(SeriesCursor));
  return *out ? MICA_OK : MICA_NOMEM;
}

static int series_close(mica_vtab_cursor *cur) {
  free(cur);
  return MICA_OK;
}

static int64_t wrap_add(int64_t a, int64_t b) { return (int64_t)((uint64_t)a + (uint64_t)b); }
static int64_t wrap_sub(int64_t a, int64_t b) { return (int64_t)((uint64_t)a - (uint64_t)b); }

static int series_filter(mica_vtab_cursor *cur, int idx, const char *idx_str, int argc, mica_value **argv) {
  SeriesCursor *c = (SeriesCursor *)cur;
  (void)idx_str;
  int i = 0;
  c->lo = idx & 1 ? mica_value_int64(argv[i++]) : 0;
  c->hi = idx & 2 ? mica_value_int64(argv[i++]) : 0xffffffff;
  if (idx & 4) {
    c->step = mica_value_int64(argv[i++]);
    if (c->step == 0)
      c->step = 1;
    else if (c->step < 0) {
      c->step = c->step == INT64_MIN ? INT64_MIN : -c->step;
      if (!(idx & 16)) idx |= 8;
    }
  } else {
    c->step = 1;
  }
  for (i = 0; i < argc; i++)
    if (mica_value_type(argv[i]) == MICA_NULL) { /* no rows */
      c->lo = 1;
      c->hi = 0;
      break;
    }
  c->desc = (idx & 8) != 0;
  c->value = c->lo;
  if (c->desc) {
    c->value = c->hi;
    if (c->step > 0) c->value = wrap_sub(c->hi, wrap_sub(c->hi, c->lo) % c->step); /* signed, as SQLite */
  }
  c->rowid = 1;
  return MICA_OK;
}

static int series_next(mica_vtab_cursor *cur) {
  SeriesCursor *c = (SeriesCursor *)cur;
  c->value = c->desc ? wrap_sub(c->value, c->step) : wrap_add(c->value, c->step);
  c->rowid++;
  return MICA_OK;
}

static int series_eof(mica_vtab_cursor *cur) {
  const SeriesCursor *c = (const SeriesCursor *)cur;
  return c->desc ? c->value < c->lo : c->value > c->hi;
}

static int series_column(mica_vtab_cursor *cur, mica_context *ctx, int col) {
  const SeriesCursor *c = (const SeriesCursor *)cur;
  int64_t v = col == COL_START ? c->lo : col == COL_STOP ? c->hi : col == COL_STEP ? c->step : c->value;
  mica_result_int64(ctx, v);
  return MICA_OK;
}

static int series_rowid(mica_vtab_cursor *cur, mica_int64 *rowid) {
  *rowid = ((const SeriesCursor *)cur)->rowid;
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

int vtab_series_register(mica_db *db) {
  return mica_create_module(db, "generate_series", &series_module, NULL, NULL);
}
