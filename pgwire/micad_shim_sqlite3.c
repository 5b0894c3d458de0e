/*
 * micad_shim_sqlite3.c: the part of mica.h that micad uses, implemented over the system's libsqlite3.
 *
 * Test-only. Linked into pgwire/micad_shim (a check program, never installed) so that the server and
 * protocol layer can be tested end to end with real clients before, and independently of, the Mica
 * engine: a failure seen with micad_shim is a pgwire bug, one seen only with src/micad is an engine
 * difference. Each function calls its sqlite3 counterpart; mica objects are sqlite3 objects behind a
 * cast. The PostgreSQL dialect switch is accepted and ignored (SQLite's dialect is used), so the
 * client tests stick to SQL both dialects accept. This file must see the system <sqlite3.h>, so its
 * target adds engine/ with -iquote only (engine/sqlite3.h is Mica's own subset).
 */
#include <sqlite3.h>
#include <stdarg.h>

#include "mica.h"

#define DB(p) ((sqlite3 *)(p))
#define ST(p) ((sqlite3_stmt *)(p))
int mica_open(const char *path, int flags, mica_db **out) {
  sqlite3 *db = NULL;
  int rc = sqlite3_open_v2(path, &db, flags & 0xffff, NULL);
  *out = (mica_db *)db;
  return rc;
}
int mica_close(mica_db *db) { return sqlite3_close(DB(db)); }
int mica_close_v2(mica_db *db) { return sqlite3_close_v2(DB(db)); }
int mica_db_config(mica_db *db, int op, ...) {
  if (op != MICA_DBCONFIG_ENABLE_FKEY) return MICA_OK;
  va_list ap;
  va_start(ap, op);
  int on = va_arg(ap, int);
  int *res = va_arg(ap, int *);
  va_end(ap);
#ifdef SQLITE_DBCONFIG_ENABLE_FKEY
  return sqlite3_db_config(DB(db), SQLITE_DBCONFIG_ENABLE_FKEY, on, res);
#else
  /* only where <sqlite3.h> is not the system's (make lint reads this file with -I engine, whose
   * sqlite3.h is libmica-sqlite3's subset): the build always compiles against the system header */
  (void)db;
  (void)on;
  (void)res;
  return MICA_ERROR;
#endif
}
int mica_busy_timeout(mica_db *db, int ms) { return sqlite3_busy_timeout(DB(db), ms); }
void mica_interrupt(mica_db *db) { sqlite3_interrupt(DB(db)); }
int mica_get_autocommit(mica_db *db) { return sqlite3_get_autocommit(DB(db)); }
int mica_changes(mica_db *db) { return sqlite3_changes(DB(db)); }
mica_int64 mica_changes64(mica_db *db) { return sqlite3_changes64(DB(db)); }
int mica_errcode(mica_db *db) { return sqlite3_errcode(DB(db)); }
int mica_extended_errcode(mica_db *db) { return sqlite3_extended_errcode(DB(db)); }
const char *mica_errmsg(mica_db *db) { return sqlite3_errmsg(DB(db)); }
const char *mica_errstr(int rc) { return sqlite3_errstr(rc); }
int mica_error_offset(mica_db *db) { return sqlite3_error_offset(DB(db)); }
int mica_exec(mica_db *db, const char *sql, mica_exec_callback cb, void *arg, char **errmsg) {
  return sqlite3_exec(DB(db), sql, cb, arg, errmsg);
}
int mica_prepare_v3(mica_db *db, const char *sql, int n, unsigned f, mica_stmt **out, const char **tail) {
  return sqlite3_prepare_v3(DB(db), sql, n, f, (sqlite3_stmt **)out, tail);
}
int mica_prepare(mica_db *db, const char *sql, int n, mica_stmt **out, const char **tail) {
  return sqlite3_prepare_v2(DB(db), sql, n, (sqlite3_stmt **)out, tail);
}
int mica_step(mica_stmt *s) { return sqlite3_step(ST(s)); }
int mica_reset(mica_stmt *s) { return sqlite3_reset(ST(s)); }
int mica_finalize(mica_stmt *s) { return sqlite3_finalize(ST(s)); }
int mica_clear_bindings(mica_stmt *s) { return sqlite3_clear_bindings(ST(s)); }
int mica_stmt_readonly(mica_stmt *s) { return sqlite3_stmt_readonly(ST(s)); }
const char *mica_sql(mica_stmt *s) { return sqlite3_sql(ST(s)); }
int mica_bind_null(mica_stmt *s, int i) { return sqlite3_bind_null(ST(s), i); }
int mica_bind_int64(mica_stmt *s, int i, mica_int64 v) { return sqlite3_bind_int64(ST(s), i, v); }
int mica_bind_double(mica_stmt *s, int i, double v) { return sqlite3_bind_double(ST(s), i, v); }
int mica_bind_text(mica_stmt *s, int i, const char *v, int n) {
  return sqlite3_bind_text(ST(s), i, v, n, SQLITE_TRANSIENT);
}
int mica_bind_blob(mica_stmt *s, int i, const void *v, int n) {
  return sqlite3_bind_blob(ST(s), i, v, n, SQLITE_TRANSIENT);
}
int mica_bind_parameter_count(mica_stmt *s) { return sqlite3_bind_parameter_count(ST(s)); }
const char *mica_bind_parameter_name(mica_stmt *s, int i) { return sqlite3_bind_parameter_name(ST(s), i); }
int mica_column_count(mica_stmt *s) { return sqlite3_column_count(ST(s)); }
const char *mica_column_name(mica_stmt *s, int c) { return sqlite3_column_name(ST(s), c); }
const char *mica_column_decltype(mica_stmt *s, int c) { return sqlite3_column_decltype(ST(s), c); }
int mica_column_type(mica_stmt *s, int c) { return sqlite3_column_type(ST(s), c); }
mica_int64 mica_column_int64(mica_stmt *s, int c) { return sqlite3_column_int64(ST(s), c); }
double mica_column_double(mica_stmt *s, int c) { return sqlite3_column_double(ST(s), c); }
const unsigned char *mica_column_text(mica_stmt *s, int c) { return sqlite3_column_text(ST(s), c); }
const void *mica_column_blob(mica_stmt *s, int c) { return sqlite3_column_blob(ST(s), c); }
int mica_column_bytes(mica_stmt *s, int c) { return sqlite3_column_bytes(ST(s), c); }
void mica_free(void *p) { sqlite3_free(p); }
const char *mica_column_exprtype(mica_stmt *s, int c) { return sqlite3_column_decltype(ST(s), c); }
const char *mica_bind_parameter_decltype(mica_stmt *s, int i) {
  (void)s;
  (void)i;
  return NULL; /* SQLite does not tell: parameters stay text, as before inference existed */
}
int mica_is_interrupted(mica_db *db) {
  (void)db;
  return 0; /* sqlite3_is_interrupted needs SQLite 3.41 */
}

/* User functions (pgwire/pgfunc.c): a trampoline keeps the mica callbacks and user data, so that
 * mica_user_data returns what the caller registered. */
typedef struct shim_fn {
  mica_func_fn xfunc, xstep;
  mica_final_fn xfinal;
  void *userdata;
} shim_fn;
#define CX(p) ((sqlite3_context *)(p))
#define VA(p) ((sqlite3_value *)(p))
static void shim_call(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  shim_fn *f = sqlite3_user_data(ctx);
  f->xfunc((mica_context *)ctx, argc, (mica_value **)argv);
}
static void shim_step(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  shim_fn *f = sqlite3_user_data(ctx);
  f->xstep((mica_context *)ctx, argc, (mica_value **)argv);
}
static void shim_final(sqlite3_context *ctx) {
  shim_fn *f = sqlite3_user_data(ctx);
  f->xfinal((mica_context *)ctx);
}
int mica_create_function(mica_db *db, const char *name, int nargs, int flags, void *userdata,
                         mica_func_fn xfunc, mica_func_fn xstep, mica_final_fn xfinal, mica_final_fn xvalue,
                         mica_func_fn xinverse, mica_destructor destroy) {
  (void)xvalue;
  (void)xinverse;
  (void)destroy;
  shim_fn *f = sqlite3_malloc(sizeof *f);
  if (!f) return MICA_NOMEM;
  f->xfunc = xfunc;
  f->xstep = xstep;
  f->xfinal = xfinal;
  f->userdata = userdata;
  return sqlite3_create_function_v2(DB(db), name, nargs, flags, f, xfunc ? shim_call : NULL,
                                    xstep ? shim_step : NULL, xfinal ? shim_final : NULL, sqlite3_free);
}
void *mica_user_data(mica_context *ctx) { return ((shim_fn *)sqlite3_user_data(CX(ctx)))->userdata; }
mica_db *mica_context_db_handle(mica_context *ctx) { return (mica_db *)sqlite3_context_db_handle(CX(ctx)); }
void *mica_aggregate_context(mica_context *ctx, int n) { return sqlite3_aggregate_context(CX(ctx), n); }
void *mica_get_auxdata(mica_context *ctx, int arg) { return sqlite3_get_auxdata(CX(ctx), arg); }
void mica_set_auxdata(mica_context *ctx, int arg, void *data, mica_destructor destroy) {
  sqlite3_set_auxdata(CX(ctx), arg, data, destroy);
}
void mica_result_null(mica_context *ctx) { sqlite3_result_null(CX(ctx)); }
void mica_result_int(mica_context *ctx, int v) { sqlite3_result_int(CX(ctx), v); }
void mica_result_int64(mica_context *ctx, mica_int64 v) { sqlite3_result_int64(CX(ctx), v); }
void mica_result_double(mica_context *ctx, double v) { sqlite3_result_double(CX(ctx), v); }
void mica_result_text(mica_context *ctx, const char *v, int n, mica_destructor d) {
  sqlite3_result_text(CX(ctx), v, n, d == MICA_TRANSIENT ? SQLITE_TRANSIENT : d);
}
void mica_result_blob(mica_context *ctx, const void *v, int n, mica_destructor d) {
  sqlite3_result_blob(CX(ctx), v, n, d == MICA_TRANSIENT ? SQLITE_TRANSIENT : d);
}
void mica_result_value(mica_context *ctx, mica_value *v) { sqlite3_result_value(CX(ctx), VA(v)); }
void mica_result_error(mica_context *ctx, const char *msg, int n) { sqlite3_result_error(CX(ctx), msg, n); }
void mica_result_error_code(mica_context *ctx, int rc) { sqlite3_result_error_code(CX(ctx), rc); }
void mica_result_error_nomem(mica_context *ctx) { sqlite3_result_error_nomem(CX(ctx)); }
int mica_value_type(const mica_value *v) { return sqlite3_value_type((sqlite3_value *)v); }
int mica_value_numeric_type(mica_value *v) { return sqlite3_value_numeric_type(VA(v)); }
mica_int64 mica_value_int64(const mica_value *v) { return sqlite3_value_int64((sqlite3_value *)v); }
int mica_value_int(const mica_value *v) { return sqlite3_value_int((sqlite3_value *)v); }
double mica_value_double(const mica_value *v) { return sqlite3_value_double((sqlite3_value *)v); }
const unsigned char *mica_value_text(mica_value *v) { return sqlite3_value_text(VA(v)); }
int mica_value_bytes(mica_value *v) { return sqlite3_value_bytes(VA(v)); }
mica_value *mica_value_dup(const mica_value *v) {
  return (mica_value *)sqlite3_value_dup((const sqlite3_value *)v);
}
void mica_value_free(mica_value *v) { sqlite3_value_free(VA(v)); }
char *mica_mprintf(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  char *z = sqlite3_vmprintf(fmt, ap);
  va_end(ap);
  return z;
}
int mica_declare_vtab(mica_db *db, const char *sql) { return sqlite3_declare_vtab(DB(db), sql); }
/* Virtual-table modules micad registers (pgsrf.c) are not installed: the shim keeps SQLite's own
 * table-valued functions, and its client tests use none. */
int mica_create_module(mica_db *db, const char *name, const mica_module *module, void *aux,
                       mica_destructor destroy) {
  (void)db;
  (void)name;
  (void)module;
  (void)aux;
  (void)destroy;
  return MICA_OK;
}
const void *mica_value_blob(mica_value *v) { return sqlite3_value_blob(VA(v)); }
