/*
 * shell_shim_sqlite3.c: the part of mica.h the shell uses, implemented over the system's libsqlite3.
 *
 * Test-only. Linked into src/mica_shim (never installed) so that the shell's own behaviour (input
 * handling, dot-commands, output modes, error reports) can be checked against sqlite3 independently
 * of the engine: a difference seen with mica_shim is a shell bug, one seen only with src/mica is an
 * engine difference. Each function is a direct call of its sqlite3 counterpart; the mica objects are
 * the sqlite3 objects behind a cast. This file must see the system <sqlite3.h>, so its target adds
 * engine/ with -iquote only (engine/sqlite3.h is Mica's own subset).
 */
#include <sqlite3.h>
#include <string.h>

#include "mica.h"

#define DB(p) ((sqlite3 *)(p))
#define ST(p) ((sqlite3_stmt *)(p))

int mica_open(const char *path, int flags, mica_db **out) {
  sqlite3 *db = NULL;
  int rc = sqlite3_open_v2(path, &db, flags & 0xff, NULL);
  *out = (mica_db *)db;
  return rc;
}
int mica_close(mica_db *db) { return sqlite3_close(DB(db)); }
int mica_exec(mica_db *db, const char *sql, mica_exec_callback cb, void *arg, char **errmsg) {
  return sqlite3_exec(DB(db), sql, cb, arg, errmsg);
}
int mica_changes(mica_db *db) { return sqlite3_changes(DB(db)); }
int mica_total_changes(mica_db *db) { return sqlite3_total_changes(DB(db)); }
const char *mica_db_filename(mica_db *db, const char *schema) { return sqlite3_db_filename(DB(db), schema); }
int mica_get_autocommit(mica_db *db) { return sqlite3_get_autocommit(DB(db)); }
void mica_interrupt(mica_db *db) { sqlite3_interrupt(DB(db)); }
int mica_errcode(mica_db *db) { return sqlite3_errcode(DB(db)); }
const char *mica_errmsg(mica_db *db) { return sqlite3_errmsg(DB(db)); }
int mica_error_offset(mica_db *db) { return sqlite3_error_offset(DB(db)); }
int mica_prepare(mica_db *db, const char *sql, int nbytes, mica_stmt **out, const char **tail) {
  return sqlite3_prepare_v2(DB(db), sql, nbytes, (sqlite3_stmt **)out, tail);
}
int mica_step(mica_stmt *stmt) { return sqlite3_step(ST(stmt)); }
int mica_reset(mica_stmt *stmt) { return sqlite3_reset(ST(stmt)); }
int mica_finalize(mica_stmt *stmt) { return sqlite3_finalize(ST(stmt)); }
int mica_bind_null(mica_stmt *stmt, int idx) { return sqlite3_bind_null(ST(stmt), idx); }
int mica_bind_text(mica_stmt *stmt, int idx, const char *v, int n) {
  return sqlite3_bind_text(ST(stmt), idx, v, n, SQLITE_TRANSIENT);
}
int mica_stmt_isexplain(mica_stmt *stmt) { return sqlite3_stmt_isexplain(ST(stmt)); }
int mica_column_count(mica_stmt *stmt) { return sqlite3_column_count(ST(stmt)); }
const char *mica_column_name(mica_stmt *stmt, int col) { return sqlite3_column_name(ST(stmt), col); }
int mica_column_type(mica_stmt *stmt, int col) { return sqlite3_column_type(ST(stmt), col); }
mica_int64 mica_column_int64(mica_stmt *stmt, int col) { return sqlite3_column_int64(ST(stmt), col); }
double mica_column_double(mica_stmt *stmt, int col) { return sqlite3_column_double(ST(stmt), col); }
const unsigned char *mica_column_text(mica_stmt *stmt, int col) { return sqlite3_column_text(ST(stmt), col); }
const void *mica_column_blob(mica_stmt *stmt, int col) { return sqlite3_column_blob(ST(stmt), col); }
int mica_column_bytes(mica_stmt *stmt, int col) { return sqlite3_column_bytes(ST(stmt), col); }
int mica_complete(const char *sql) { return sqlite3_complete(sql); }
const char *mica_libversion(void) { return sqlite3_libversion(); }
const char *mica_sourceid(void) { return sqlite3_sourceid(); }
