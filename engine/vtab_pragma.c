/*
 * vtab_pragma.c: the table-valued PRAGMA functions: pragma_<name> for each PRAGMA SQLite offers that
 * way (pragma.h's pragma_vtab_info), as eponymous virtual tables.
 *
 * COLUMNS  the PRAGMA's result columns, then the hidden "arg" (PRAGMAs that take an argument, such as
 * table_info) and "schema" (PRAGMAs that take a schema name). Declared without types, as SQLite does.
 *
 * SEMANTICS (SQLite 3.40's pragma virtual table)
 *   best_index takes the usable equality constraints on the hidden columns: the first hidden column's
 *   value becomes filter's argv[0], the second's argv[1], both omitted from the filters. filter then
 *   runs PRAGMA [schema.]name[=argv[0]] with the values as text (so for a PRAGMA whose only hidden
 *   column is "schema", that value is the PRAGMA's argument, as in SQLite), buffers its rows and
 *   returns them with rowids from 1; the hidden columns report the argument texts. A schema other
 *   than "main" is "unknown database X" ("temp", which holds nothing here, gives no rows).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pragma.h"
#include "printf.h"
#include "vtab.h"

typedef struct PragmaVtab {
  mica_vtab base;
  mica_db *db;
  const char *name; /* static */
  int ncol;         /* result columns */
  int nhidden;
} PragmaVtab;

typedef struct PragmaCursor {
  mica_vtab_cursor base;
  RowList rows;
  int64_t pos;
  char *arg[2];
} PragmaCursor;

static int pragma_vt_connect(mica_db *db, void *aux, int argc, const char *const *argv, mica_vtab **out,
                             char **errmsg) {
  (void)argc;
  (void)argv;
  (void)errmsg;
  const char *cols = NULL;
  int flags = 0;
  const char *name = pragma_vtab_info((int)(intptr_t)aux, &cols, &flags);
  if (!name) return MICA_ERROR;
  PragmaVtab *vt = calloc(1, sizeof *vt);
  StrBuf b;
  strbuf_init(&b);
  strbuf_append(&b, "CREATE TABLE x(", 15);
  int ncol = 1;
  for (const char *c = cols; *c; c++) {
    if (*c != ',') continue;
    ncol++;
  }
  /* each name quoted: some are keywords (table, from, to) */
  const char *s = cols;
  for (int i = 0; i < ncol; i++) {
    const char *e = strchr(s, ',');
    int n = e ? (int)(e - s) : (int)strlen(s);
    strbuf_appendf(&b, "%s\"%.*s\"", i ? "," : "", n, s);
    s = e ? e + 1 : s + n;
  }
  if (flags & PRAGMA_VT_ARG) strbuf_append(&b, ",arg HIDDEN", 11);
  if (flags & PRAGMA_VT_SCHEMA) strbuf_append(&b, ",schema HIDDEN", 14);
  strbuf_append(&b, ")", 1);
  int rc = vt && !b.err ? MICA_OK : MICA_NOMEM;
  char *sql = strbuf_finish(&b);
  if (rc == MICA_OK && !sql) rc = MICA_NOMEM;
  if (rc == MICA_OK) rc = mica_declare_vtab(db, sql);
  free(sql);
  if (rc) {
    free(vt);
    return rc;
  }
  vt->db = db;
  vt->name = name;
  vt->ncol = ncol;
  vt->nhidden = ((flags & PRAGMA_VT_ARG) != 0) + ((flags & PRAGMA_VT_SCHEMA) != 0);
  *out = &vt->base;
  return MICA_OK;
}

static int pragma_vt_disconnect(mica_vtab *vt) {
  free(vt);
  return MICA_OK;
}

static int pragma_vt_best_index(mica_vtab *base, mica_index_info *info) {
  const PragmaVtab *vt = (const PragmaVtab *)base;
  int seen[2] = {0, 0};
  info->estimated_cost = 1;
  if (!vt->nhidden) return MICA_OK;
  for (int i = 0; i < info->nconstraint; i++) {
    const mica_index_constraint *c = &info->constraint[i];
    if (!c->usable || c->op != MICA_INDEX_CONSTRAINT_EQ || c->column < vt->ncol) continue;
    seen[c->column - vt->ncol] = i + 1;
  }
  if (!seen[0]) {
    info->estimated_cost = 2147483647;
    info->estimated_rows = 2147483647;
    return MICA_OK;
  }
  info->usage[seen[0] - 1].argv_index = 1;
  info->usage[seen[0] - 1].omit = 1;
  if (!seen[1]) return MICA_OK;
  info->estimated_cost = 20;
  info->estimated_rows = 20;
  info->usage[seen[1] - 1].argv_index = 2;
  info->usage[seen[1] - 1].omit = 1;
  return MICA_OK;
}

static int pragma_vt_open(mica_vtab *vt, mica_vtab_cursor **out) {
  (void)vt;
  *out = calloc(1, sizeof(PragmaCursor));
  return *out ? MICA_OK : MICA_NOMEM;
}

static void cursor_clear(PragmaCursor *c) {
  rowlist_clear(&c->rows);
  c->pos = 0;
  for (int i = 0; i < 2; i++) {
    free(c->arg[i]);
    c->arg[i] = NULL;
  }
}

static int pragma_vt_close(mica_vtab_cursor *cur) {
  cursor_clear((PragmaCursor *)cur);
  free(cur);
  return MICA_OK;
}

static int pragma_vt_filter(mica_vtab_cursor *cur, int idx, const char *idx_str, int argc,
                            mica_value **argv) {
  PragmaCursor *c = (PragmaCursor *)cur;
  PragmaVtab *vt = (PragmaVtab *)cur->vtab;
  (void)idx;
  (void)idx_str;
  cursor_clear(c);
  for (int i = 0; i < argc && i < 2; i++) {
    const unsigned char *z = mica_value_text(argv[i]);
    if (z && !(c->arg[i] = strdup((const char *)z))) return MICA_NOMEM;
  }
  if (c->arg[1] && strcasecmp(c->arg[1], "main")) {
    if (!strcasecmp(c->arg[1], "temp")) return MICA_OK;
    vt->base.errmsg = mica_mprintf("unknown database '%s'", c->arg[1]);
    return MICA_ERROR;
  }
  Value arg;
  value_init(&arg);
  if (c->arg[0]) value_set_text(&arg, c->arg[0], (int)strlen(c->arg[0]), VAL_STATIC);
  Exec x = {.db = vt->db};
  int rc = pragma_run(&x, vt->name, c->arg[0] ? &arg : NULL, &c->rows);
  if (rc && rc != MICA_NOMEM) vt->base.errmsg = mica_mprintf("%s", mica_errmsg(vt->db));
  return rc;
}

static int pragma_vt_next(mica_vtab_cursor *cur) {
  ((PragmaCursor *)cur)->pos++;
  return MICA_OK;
}

static int pragma_vt_eof(mica_vtab_cursor *cur) {
  const PragmaCursor *c = (const PragmaCursor *)cur;
  return c->pos >= c->rows.n;
}

static int pragma_vt_column(mica_vtab_cursor *cur, mica_context *ctx, int col) {
  const PragmaCursor *c = (const PragmaCursor *)cur;
  const PragmaVtab *vt = (const PragmaVtab *)cur->vtab;
  if (col >= vt->ncol) {
    const char *z = col - vt->ncol < 2 ? c->arg[col - vt->ncol] : NULL;
    if (z) mica_result_text(ctx, z, -1, MICA_TRANSIENT);
    return MICA_OK;
  }
  Row *r = c->rows.rows[c->pos];
  if (col < r->n) mica_result_value(ctx, &r->v[col]);
  return MICA_OK;
}

static int pragma_vt_rowid(mica_vtab_cursor *cur, mica_int64 *rowid) {
  *rowid = ((const PragmaCursor *)cur)->pos + 1;
  return MICA_OK;
}

static const mica_module pragma_module = {
    .version = 1,
    .connect = pragma_vt_connect,
    .best_index = pragma_vt_best_index,
    .disconnect = pragma_vt_disconnect,
    .open = pragma_vt_open,
    .close = pragma_vt_close,
    .filter = pragma_vt_filter,
    .next = pragma_vt_next,
    .eof = pragma_vt_eof,
    .column = pragma_vt_column,
    .rowid = pragma_vt_rowid,
};

int vtab_pragma_register(mica_db *db) {
  const char *cols;
  int flags, rc = MICA_OK;
  const char *name;
  for (int i = 0; rc == MICA_OK && (name = pragma_vtab_info(i, &cols, &flags)) != NULL; i++) {
    char buf[64];
    snprintf(buf, sizeof buf, "pragma_%s", name);
    rc = mica_create_module(db, buf, &pragma_module, (void *)(intptr_t)i, NULL);
  }
  return rc;
}
