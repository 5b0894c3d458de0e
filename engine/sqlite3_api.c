/*
 * sqlite3_api.c: libmica-sqlite3, the sqlite3 C API (engine/sqlite3.h) mapped onto mica.h.
 *
 * DESIGN
 *   mica.h was modelled on the sqlite3 API, so almost every function here is a direct call. The object
 *   types are the same objects: before sqlite3.h is included, the names sqlite3, sqlite3_stmt,
 *   sqlite3_value and sqlite3_context are #defined to mica_db, mica_stmt, mica_value and mica_context,
 *   so within this file the two APIs share their types and a user's callback (xFunc, xCompare, an exec
 *   callback, a destructor) has exactly the type mica.h expects and is passed through unchanged: no
 *   casts between function pointer types, no trampolines. Outside this file the header's opaque struct
 *   names are only ever used through pointers, so the ABI is the same.
 *
 *   Where the APIs differ, this file adapts:
 *     - bind_text/bind_blob: mica copies the data, so a caller's destructor (anything but SQLITE_STATIC
 *       and SQLITE_TRANSIENT) is called here before returning, as SQLite would once it no longer needs
 *       the data (also on failure, as SQLite does).
 *     - *64 variants: lengths above INT_MAX give SQLITE_TOOBIG.
 *     - open_v2: only the flag bits mica.h defines with the same meaning are passed on (mica reuses
 *       0x01000000/0x02000000 for its I/O backend choice, which SQLite uses for NOFOLLOW/EXRESCODE).
 *     - get_table: built on mica_exec; the result array carries its own length one slot before the
 *       pointer handed out, so free_table needs no other state.
 *     - snprintf/vsnprintf: formatted with mica_vmprintf, then copied and truncated into the buffer.
 *     - status/db_status: no counters exist; valid ops report zeros (documented in sqlite3.h).
 *     - result codes: SQLite returns primary codes from its functions unless the connection turned on
 *       extended result codes (sqlite3_extended_result_codes or SQLITE_OPEN_EXRESCODE); mica may
 *       return extended ones, so results go through ret(), which masks them to the primary code
 *       unless the connection is in the extended set.
 *
 * GLOBAL STATE
 *   `extended`: the set of connections with extended result codes on, a small array guarded by
 *   extended_lock. Entries are added by sqlite3_extended_result_codes/open_v2 and removed on close.
 *
 * LINKING
 *   Built as libmica-sqlite3.so with -Wl,-Bsymbolic and only ^sqlite3_ symbols exported, so calls made
 *   inside the library (and into the statically included engine) never bind to another libsqlite3
 *   loaded into the same process.
 *
 * OWNERSHIP
 *   Memory handed out (mprintf, expanded_sql, exec's errmsg, get_table's array) is allocated with
 *   mica_malloc and released with sqlite3_free / sqlite3_free_table.
 */
#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>

#include "mica.h"

#define sqlite3 mica_db
#define sqlite3_stmt mica_stmt
#define sqlite3_value mica_value
#define sqlite3_context mica_context
#include "sqlite3.h"

const char sqlite3_version[] = SQLITE_VERSION;

/* ---------------------------------------------------------------- extended result code mode */
static pthread_mutex_t extended_lock = PTHREAD_MUTEX_INITIALIZER;
static sqlite3 **extended;
static size_t extended_n, extended_cap;

static int extended_find(sqlite3 *db) {
  for (size_t i = 0; i < extended_n; i++)
    if (extended[i] == db) return (int)i;
  return -1;
}

static int extended_set(sqlite3 *db, int on) {
  int rc = SQLITE_OK;
  pthread_mutex_lock(&extended_lock);
  int i = extended_find(db);
  if (on && i < 0) {
    if (extended_n == extended_cap) {
      size_t cap = extended_cap ? extended_cap * 2 : 8;
      sqlite3 **p = realloc(extended, cap * sizeof(sqlite3 *));
      if (p == NULL) {
        rc = SQLITE_NOMEM;
        goto out;
      }
      extended = p;
      extended_cap = cap;
    }
    extended[extended_n++] = db;
  } else if (!on && i >= 0) {
    extended[i] = extended[--extended_n];
    if (extended_n == 0) {
      free(extended);
      extended = NULL;
      extended_cap = 0;
    }
  }
out:
  pthread_mutex_unlock(&extended_lock);
  return rc;
}

/* The result code as the caller of a connection should see it (primary unless extended mode). */
static int ret(sqlite3 *db, int rc) {
  if ((rc & ~0xff) == 0 || db == NULL) return rc & 0xff;
  pthread_mutex_lock(&extended_lock);
  int on = extended_find(db) >= 0;
  pthread_mutex_unlock(&extended_lock);
  return on ? rc : (rc & 0xff);
}

/* ---------------------------------------------------------------- library */
const char *sqlite3_libversion(void) { return SQLITE_VERSION; }
const char *sqlite3_sourceid(void) { return SQLITE_SOURCE_ID; }
int sqlite3_libversion_number(void) { return SQLITE_VERSION_NUMBER; }
/* A connection may be used by one thread at a time; the shared per-file state is thread-safe. */
int sqlite3_threadsafe(void) { return 2; }
int sqlite3_initialize(void) { return SQLITE_OK; }
int sqlite3_shutdown(void) { return SQLITE_OK; }

void *sqlite3_malloc(int n) { return n > 0 ? mica_malloc(n) : NULL; }
void *sqlite3_malloc64(sqlite3_uint64 n) { return n > 0 ? mica_malloc64(n) : NULL; }
void *sqlite3_realloc(void *p, int n) {
  if (n <= 0) {
    mica_free(p);
    return NULL;
  }
  return mica_realloc(p, n);
}
void sqlite3_free(void *p) { mica_free(p); }

char *sqlite3_vmprintf(const char *fmt, va_list ap) { return mica_vmprintf(fmt, ap); }

char *sqlite3_mprintf(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  char *s = mica_vmprintf(fmt, ap);
  va_end(ap);
  return s;
}

char *sqlite3_vsnprintf(int n, char *buf, const char *fmt, va_list ap) {
  if (n <= 0 || buf == NULL) return buf;
  char *s = mica_vmprintf(fmt, ap);
  if (s == NULL) {
    buf[0] = 0;
    return buf;
  }
  size_t len = strlen(s);
  if (len > (size_t)n - 1) len = (size_t)n - 1;
  memcpy(buf, s, len);
  buf[len] = 0;
  mica_free(s);
  return buf;
}

char *sqlite3_snprintf(int n, char *buf, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  sqlite3_vsnprintf(n, buf, fmt, ap);
  va_end(ap);
  return buf;
}

int sqlite3_complete(const char *sql) { return mica_complete(sql); }
const char *sqlite3_errstr(int rc) { return mica_errstr(rc); }
int sqlite3_stricmp(const char *a, const char *b) { return mica_stricmp(a, b); }
int sqlite3_strnicmp(const char *a, const char *b, int n) { return mica_strnicmp(a, b, n); }

int sqlite3_status64(int op, sqlite3_int64 *pCurrent, sqlite3_int64 *pHighwater, int resetFlag) {
  if (op < SQLITE_STATUS_MEMORY_USED || op > SQLITE_STATUS_MALLOC_COUNT || !pCurrent || !pHighwater)
    return SQLITE_MISUSE;
  *pCurrent = 0;
  *pHighwater = 0;
  return SQLITE_OK;
}

int sqlite3_status(int op, int *pCurrent, int *pHighwater, int resetFlag) {
  if (op < SQLITE_STATUS_MEMORY_USED || op > SQLITE_STATUS_MALLOC_COUNT || !pCurrent || !pHighwater)
    return SQLITE_MISUSE;
  *pCurrent = 0;
  *pHighwater = 0;
  return SQLITE_OK;
}

/* ---------------------------------------------------------------- connections */
#define PASSED_OPEN_FLAGS                                                                                    \
  (SQLITE_OPEN_READONLY | SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_URI |                     \
   SQLITE_OPEN_MEMORY | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_FULLMUTEX)

int sqlite3_open_v2(const char *filename, sqlite3 **ppDb, int flags, const char *zVfs) {
  if (ppDb == NULL) return SQLITE_MISUSE;
  *ppDb = NULL;
  if (filename == NULL) filename = "";
  int rc = mica_open(filename, flags & PASSED_OPEN_FLAGS, ppDb);
  if (*ppDb && (flags & SQLITE_OPEN_EXRESCODE) && extended_set(*ppDb, 1) != SQLITE_OK) rc = SQLITE_NOMEM;
  return ret(*ppDb, rc);
}

int sqlite3_open(const char *filename, sqlite3 **ppDb) {
  return sqlite3_open_v2(filename, ppDb, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);
}

int sqlite3_close(sqlite3 *db) {
  if (db == NULL) return SQLITE_OK;
  int rc = mica_close(db);
  if (rc != SQLITE_OK) return ret(db, rc);
  extended_set(db, 0);
  return SQLITE_OK;
}

int sqlite3_close_v2(sqlite3 *db) {
  if (db == NULL) return SQLITE_OK;
  int rc = ret(db, mica_close_v2(db));
  if (rc == SQLITE_OK) extended_set(db, 0);
  return rc;
}

int sqlite3_exec(sqlite3 *db, const char *sql, int (*callback)(void *, int, char **, char **), void *arg,
                 char **errmsg) {
  return ret(db, mica_exec(db, sql, callback, arg, errmsg));
}

/* get_table's growing result: slot 0 holds the total slot count (as an integer in a pointer), the
 * caller gets &slots[1]. */
struct gettable {
  char **slots;
  size_t n, cap;
  int nrow, ncol;
  int rc;
};

static int gettable_push(struct gettable *t, const char *s) {
  if (t->n == t->cap) {
    size_t cap = t->cap ? t->cap * 2 : 32;
    if (cap > INT_MAX / sizeof(char *)) return SQLITE_NOMEM;
    char **p = mica_realloc(t->slots, (int)(cap * sizeof(char *)));
    if (p == NULL) return SQLITE_NOMEM;
    t->slots = p;
    t->cap = cap;
  }
  char *copy = NULL;
  if (s) {
    size_t len = strlen(s);
    copy = mica_malloc64(len + 1);
    if (copy == NULL) return SQLITE_NOMEM;
    memcpy(copy, s, len + 1);
  }
  t->slots[t->n++] = copy;
  return SQLITE_OK;
}

static int gettable_row(void *arg, int ncol, char **values, char **names) {
  struct gettable *t = arg;
  if (t->nrow == 0 && t->ncol == 0) {
    t->ncol = ncol;
    for (int i = 0; i < ncol; i++)
      if ((t->rc = gettable_push(t, names[i])) != SQLITE_OK) return 1;
  } else if (ncol != t->ncol) {
    t->rc = SQLITE_ERROR; /* a later statement of the batch returned a different column count */
    return 1;
  }
  for (int i = 0; i < ncol; i++)
    if ((t->rc = gettable_push(t, values[i])) != SQLITE_OK) return 1;
  t->nrow++;
  return 0;
}

void sqlite3_free_table(char **result) {
  if (result == NULL) return;
  char **slots = result - 1;
  size_t n = (size_t)(uintptr_t)slots[0];
  for (size_t i = 1; i < n; i++)
    mica_free(slots[i]);
  mica_free(slots);
}

int sqlite3_get_table(sqlite3 *db, const char *zSql, char ***pazResult, int *pnRow, int *pnColumn,
                      char **pzErrmsg) {
  struct gettable t = {0};
  if (pazResult == NULL) return SQLITE_MISUSE;
  *pazResult = NULL;
  if (pnRow) *pnRow = 0;
  if (pnColumn) *pnColumn = 0;
  if (pzErrmsg) *pzErrmsg = NULL;
  t.rc = gettable_push(&t, NULL); /* slot 0: the count, filled in below */
  if (t.rc != SQLITE_OK) return t.rc;
  int rc = mica_exec(db, zSql, gettable_row, &t, pzErrmsg);
  if (rc == SQLITE_ABORT && t.rc != SQLITE_OK) {
    rc = t.rc;
    if (pzErrmsg) {
      mica_free(*pzErrmsg);
      *pzErrmsg = mica_mprintf(rc == SQLITE_NOMEM ? "out of memory"
                                                  : "sqlite3_get_table() called with two or more "
                                                    "incompatible queries");
    }
  }
  char **slots = t.slots; /* heap array: slot 0 holds the count, the caller gets slots + 1 */
  slots[0] = (char *)(uintptr_t)t.n;
  if (rc != SQLITE_OK) {
    sqlite3_free_table(slots + 1);
    return ret(db, rc);
  }
  *pazResult = slots + 1;
  if (pnRow) *pnRow = t.nrow;
  if (pnColumn) *pnColumn = t.ncol;
  return SQLITE_OK;
}

int sqlite3_busy_timeout(sqlite3 *db, int ms) { return ret(db, mica_busy_timeout(db, ms)); }
void sqlite3_interrupt(sqlite3 *db) { mica_interrupt(db); }
void sqlite3_progress_handler(sqlite3 *db, int n, int (*cb)(void *), void *arg) {
  mica_progress_handler(db, n, cb, arg);
}
/* Mica always keeps extended codes; this chooses whether the API's return values show them. */
int sqlite3_extended_result_codes(sqlite3 *db, int onoff) {
  return db ? extended_set(db, onoff != 0) : SQLITE_MISUSE;
}

sqlite3_int64 sqlite3_last_insert_rowid(sqlite3 *db) { return mica_last_insert_rowid(db); }
void sqlite3_set_last_insert_rowid(sqlite3 *db, sqlite3_int64 rowid) {
  mica_set_last_insert_rowid(db, rowid);
}
int sqlite3_changes(sqlite3 *db) { return mica_changes(db); }
sqlite3_int64 sqlite3_changes64(sqlite3 *db) { return mica_changes64(db); }
int sqlite3_total_changes(sqlite3 *db) { return mica_total_changes(db); }
sqlite3_int64 sqlite3_total_changes64(sqlite3 *db) { return mica_total_changes64(db); }
int sqlite3_get_autocommit(sqlite3 *db) { return mica_get_autocommit(db); }
const char *sqlite3_db_filename(sqlite3 *db, const char *zDbName) {
  return mica_db_filename(db, zDbName ? zDbName : "main");
}

int sqlite3_errcode(sqlite3 *db) {
  if (db == NULL) return SQLITE_NOMEM;
  return mica_errcode(db) & 0xff;
}
int sqlite3_extended_errcode(sqlite3 *db) { return db ? mica_extended_errcode(db) : SQLITE_NOMEM; }
const char *sqlite3_errmsg(sqlite3 *db) { return db ? mica_errmsg(db) : mica_errstr(SQLITE_NOMEM); }
int sqlite3_error_offset(sqlite3 *db) { return db ? mica_error_offset(db) : -1; }

int sqlite3_db_status(sqlite3 *db, int op, int *pCur, int *pHiwtr, int resetFlg) {
  if (db == NULL || pCur == NULL || pHiwtr == NULL) return SQLITE_MISUSE;
  if (op < 0 || op > SQLITE_DBSTATUS_MAX) return SQLITE_ERROR; /* as SQLite answers an unknown op */
  *pCur = 0;
  *pHiwtr = 0;
  return SQLITE_OK;
}

/* ---------------------------------------------------------------- statements */
int sqlite3_prepare_v3(sqlite3 *db, const char *zSql, int nByte, unsigned int prepFlags,
                       sqlite3_stmt **ppStmt, const char **pzTail) {
  if (ppStmt == NULL) return SQLITE_MISUSE;
  *ppStmt = NULL;
  if (db == NULL || zSql == NULL) return SQLITE_MISUSE;
  return ret(db, mica_prepare_v3(db, zSql, nByte, prepFlags & SQLITE_PREPARE_PERSISTENT, ppStmt, pzTail));
}

int sqlite3_prepare_v2(sqlite3 *db, const char *zSql, int nByte, sqlite3_stmt **ppStmt, const char **pzTail) {
  return sqlite3_prepare_v3(db, zSql, nByte, 0, ppStmt, pzTail);
}

int sqlite3_prepare(sqlite3 *db, const char *zSql, int nByte, sqlite3_stmt **ppStmt, const char **pzTail) {
  return sqlite3_prepare_v3(db, zSql, nByte, 0, ppStmt, pzTail);
}

int sqlite3_step(sqlite3_stmt *stmt) {
  return stmt ? ret(mica_db_handle(stmt), mica_step(stmt)) : SQLITE_MISUSE;
}
int sqlite3_reset(sqlite3_stmt *stmt) {
  return stmt ? ret(mica_db_handle(stmt), mica_reset(stmt)) : SQLITE_OK;
}
int sqlite3_finalize(sqlite3_stmt *stmt) {
  if (stmt == NULL) return SQLITE_OK;
  sqlite3 *db = mica_db_handle(stmt);
  int rc = mica_finalize(stmt);
  return ret(db, rc);
}
int sqlite3_clear_bindings(sqlite3_stmt *stmt) { return stmt ? mica_clear_bindings(stmt) : SQLITE_OK; }
const char *sqlite3_sql(sqlite3_stmt *stmt) { return stmt ? mica_sql(stmt) : NULL; }
char *sqlite3_expanded_sql(sqlite3_stmt *stmt) { return stmt ? mica_expanded_sql(stmt) : NULL; }
int sqlite3_stmt_readonly(sqlite3_stmt *stmt) { return stmt ? mica_stmt_readonly(stmt) : 1; }
int sqlite3_stmt_busy(sqlite3_stmt *stmt) { return stmt ? mica_stmt_busy(stmt) : 0; }
int sqlite3_stmt_isexplain(sqlite3_stmt *stmt) { return stmt ? mica_stmt_isexplain(stmt) : 0; }
sqlite3 *sqlite3_db_handle(sqlite3_stmt *stmt) { return stmt ? mica_db_handle(stmt) : NULL; }
sqlite3_stmt *sqlite3_next_stmt(sqlite3 *db, sqlite3_stmt *stmt) { return mica_next_stmt(db, stmt); }

/* Calls a bind/result destructor the way SQLite would after it has taken its own copy. */
static void release(const void *v, void (*destroy)(void *)) {
  if (v != NULL && destroy != SQLITE_STATIC && destroy != SQLITE_TRANSIENT) destroy((void *)v);
}

int sqlite3_bind_null(sqlite3_stmt *stmt, int idx) { return mica_bind_null(stmt, idx); }
int sqlite3_bind_int(sqlite3_stmt *stmt, int idx, int v) { return mica_bind_int(stmt, idx, v); }
int sqlite3_bind_int64(sqlite3_stmt *stmt, int idx, sqlite3_int64 v) { return mica_bind_int64(stmt, idx, v); }
int sqlite3_bind_double(sqlite3_stmt *stmt, int idx, double v) { return mica_bind_double(stmt, idx, v); }

int sqlite3_bind_text(sqlite3_stmt *stmt, int idx, const char *v, int n, void (*destroy)(void *)) {
  int rc = v ? mica_bind_text(stmt, idx, v, n) : mica_bind_null(stmt, idx);
  release(v, destroy);
  return rc;
}

int sqlite3_bind_text64(sqlite3_stmt *stmt, int idx, const char *v, sqlite3_uint64 n, void (*destroy)(void *),
                        unsigned char encoding) {
  int rc;
  if (n > INT_MAX && n != (sqlite3_uint64)-1)
    rc = SQLITE_TOOBIG;
  else if (encoding != SQLITE_UTF8)
    rc = SQLITE_MISUSE; /* UTF-16 text is not supported */
  else
    rc = v ? mica_bind_text(stmt, idx, v, n == (sqlite3_uint64)-1 ? -1 : (int)n) : mica_bind_null(stmt, idx);
  release(v, destroy);
  return rc;
}

int sqlite3_bind_blob(sqlite3_stmt *stmt, int idx, const void *v, int n, void (*destroy)(void *)) {
  int rc;
  if (v == NULL)
    rc = mica_bind_null(stmt, idx);
  else if (n < 0)
    rc = SQLITE_MISUSE;
  else
    rc = mica_bind_blob(stmt, idx, v, n);
  release(v, destroy);
  return rc;
}

int sqlite3_bind_blob64(sqlite3_stmt *stmt, int idx, const void *v, sqlite3_uint64 n,
                        void (*destroy)(void *)) {
  int rc;
  if (n > INT_MAX)
    rc = SQLITE_TOOBIG;
  else
    rc = v ? mica_bind_blob(stmt, idx, v, (int)n) : mica_bind_null(stmt, idx);
  release(v, destroy);
  return rc;
}

int sqlite3_bind_zeroblob(sqlite3_stmt *stmt, int idx, int n) {
  return mica_bind_zeroblob(stmt, idx, n < 0 ? 0 : n);
}
int sqlite3_bind_zeroblob64(sqlite3_stmt *stmt, int idx, sqlite3_uint64 n) {
  return n > INT_MAX ? SQLITE_TOOBIG : mica_bind_zeroblob(stmt, idx, (int)n);
}
int sqlite3_bind_value(sqlite3_stmt *stmt, int idx, const sqlite3_value *v) {
  return mica_bind_value(stmt, idx, v);
}
int sqlite3_bind_parameter_count(sqlite3_stmt *stmt) { return stmt ? mica_bind_parameter_count(stmt) : 0; }
const char *sqlite3_bind_parameter_name(sqlite3_stmt *stmt, int idx) {
  return stmt ? mica_bind_parameter_name(stmt, idx) : NULL;
}
int sqlite3_bind_parameter_index(sqlite3_stmt *stmt, const char *zName) {
  return stmt && zName ? mica_bind_parameter_index(stmt, zName) : 0;
}

int sqlite3_column_count(sqlite3_stmt *stmt) { return stmt ? mica_column_count(stmt) : 0; }
int sqlite3_data_count(sqlite3_stmt *stmt) { return stmt ? mica_data_count(stmt) : 0; }
const char *sqlite3_column_name(sqlite3_stmt *stmt, int col) { return mica_column_name(stmt, col); }
const char *sqlite3_column_decltype(sqlite3_stmt *stmt, int col) { return mica_column_decltype(stmt, col); }
const char *sqlite3_column_database_name(sqlite3_stmt *stmt, int col) {
  return mica_column_database_name(stmt, col);
}
const char *sqlite3_column_table_name(sqlite3_stmt *stmt, int col) {
  return mica_column_table_name(stmt, col);
}
const char *sqlite3_column_origin_name(sqlite3_stmt *stmt, int col) {
  return mica_column_origin_name(stmt, col);
}
int sqlite3_column_type(sqlite3_stmt *stmt, int col) { return mica_column_type(stmt, col); }
int sqlite3_column_int(sqlite3_stmt *stmt, int col) { return mica_column_int(stmt, col); }
sqlite3_int64 sqlite3_column_int64(sqlite3_stmt *stmt, int col) { return mica_column_int64(stmt, col); }
double sqlite3_column_double(sqlite3_stmt *stmt, int col) { return mica_column_double(stmt, col); }
const unsigned char *sqlite3_column_text(sqlite3_stmt *stmt, int col) { return mica_column_text(stmt, col); }
const void *sqlite3_column_blob(sqlite3_stmt *stmt, int col) { return mica_column_blob(stmt, col); }
int sqlite3_column_bytes(sqlite3_stmt *stmt, int col) { return mica_column_bytes(stmt, col); }
sqlite3_value *sqlite3_column_value(sqlite3_stmt *stmt, int col) { return mica_column_value(stmt, col); }

/* ---------------------------------------------------------------- values */
int sqlite3_value_type(sqlite3_value *v) { return mica_value_type(v); }
int sqlite3_value_numeric_type(sqlite3_value *v) { return mica_value_numeric_type(v); }
int sqlite3_value_int(sqlite3_value *v) { return mica_value_int(v); }
sqlite3_int64 sqlite3_value_int64(sqlite3_value *v) { return mica_value_int64(v); }
double sqlite3_value_double(sqlite3_value *v) { return mica_value_double(v); }
const unsigned char *sqlite3_value_text(sqlite3_value *v) { return mica_value_text(v); }
const void *sqlite3_value_blob(sqlite3_value *v) { return mica_value_blob(v); }
int sqlite3_value_bytes(sqlite3_value *v) { return mica_value_bytes(v); }
unsigned int sqlite3_value_subtype(sqlite3_value *v) { return mica_value_subtype(v); }
sqlite3_value *sqlite3_value_dup(const sqlite3_value *v) { return v ? mica_value_dup(v) : NULL; }
void sqlite3_value_free(sqlite3_value *v) {
  if (v) mica_value_free(v);
}

/* ---------------------------------------------------------------- user functions and collations */
/* The flags mica.h understands; the text encoding is always UTF-8 in Mica. */
#define PASSED_FUNC_FLAGS (SQLITE_DETERMINISTIC | SQLITE_DIRECTONLY | SQLITE_INNOCUOUS)

static int check_function_args(sqlite3 *db, const char *name, int nArg, int has_func, int has_step,
                               int has_final) {
  if (db == NULL || name == NULL || nArg < -1 || nArg > 127 || strlen(name) > 255) return SQLITE_MISUSE;
  if (has_func && (has_step || has_final)) return SQLITE_MISUSE;
  if (!has_func && has_step != has_final) return SQLITE_MISUSE;
  return SQLITE_OK;
}

int sqlite3_create_function_v2(sqlite3 *db, const char *zFunctionName, int nArg, int eTextRep, void *pApp,
                               void (*xFunc)(sqlite3_context *, int, sqlite3_value **),
                               void (*xStep)(sqlite3_context *, int, sqlite3_value **),
                               void (*xFinal)(sqlite3_context *), void (*xDestroy)(void *)) {
  int rc = check_function_args(db, zFunctionName, nArg, xFunc != NULL, xStep != NULL, xFinal != NULL);
  if (rc != SQLITE_OK) return rc;
  return mica_create_function(db, zFunctionName, nArg, MICA_UTF8 | (eTextRep & PASSED_FUNC_FLAGS), pApp,
                              xFunc, xStep, xFinal, NULL, NULL, xDestroy);
}

int sqlite3_create_function(sqlite3 *db, const char *zFunctionName, int nArg, int eTextRep, void *pApp,
                            void (*xFunc)(sqlite3_context *, int, sqlite3_value **),
                            void (*xStep)(sqlite3_context *, int, sqlite3_value **),
                            void (*xFinal)(sqlite3_context *)) {
  return sqlite3_create_function_v2(db, zFunctionName, nArg, eTextRep, pApp, xFunc, xStep, xFinal, NULL);
}

int sqlite3_create_window_function(sqlite3 *db, const char *zFunctionName, int nArg, int eTextRep, void *pApp,
                                   void (*xStep)(sqlite3_context *, int, sqlite3_value **),
                                   void (*xFinal)(sqlite3_context *), void (*xValue)(sqlite3_context *),
                                   void (*xInverse)(sqlite3_context *, int, sqlite3_value **),
                                   void (*xDestroy)(void *)) {
  int rc = check_function_args(db, zFunctionName, nArg, 0, xStep != NULL, xFinal != NULL);
  if (rc != SQLITE_OK) return rc;
  /* A window function needs all four callbacks; all NULL deletes the function. */
  if (xStep && (xValue == NULL || xInverse == NULL)) return SQLITE_MISUSE;
  return mica_create_function(db, zFunctionName, nArg, MICA_UTF8 | (eTextRep & PASSED_FUNC_FLAGS), pApp, NULL,
                              xStep, xFinal, xValue, xInverse, xDestroy);
}

int sqlite3_create_collation_v2(sqlite3 *db, const char *zName, int eTextRep, void *pArg,
                                int (*xCompare)(void *, int, const void *, int, const void *),
                                void (*xDestroy)(void *)) {
  if (db == NULL || zName == NULL) return SQLITE_MISUSE;
  return mica_create_collation(db, zName, pArg, xCompare, xDestroy);
}

int sqlite3_create_collation(sqlite3 *db, const char *zName, int eTextRep, void *pArg,
                             int (*xCompare)(void *, int, const void *, int, const void *)) {
  return sqlite3_create_collation_v2(db, zName, eTextRep, pArg, xCompare, NULL);
}

void *sqlite3_aggregate_context(sqlite3_context *ctx, int nBytes) {
  return mica_aggregate_context(ctx, nBytes < 0 ? 0 : nBytes);
}
void *sqlite3_user_data(sqlite3_context *ctx) { return mica_user_data(ctx); }
sqlite3 *sqlite3_context_db_handle(sqlite3_context *ctx) { return mica_context_db_handle(ctx); }
void *sqlite3_get_auxdata(sqlite3_context *ctx, int n) { return mica_get_auxdata(ctx, n); }
void sqlite3_set_auxdata(sqlite3_context *ctx, int n, void *p, void (*destroy)(void *)) {
  mica_set_auxdata(ctx, n, p, destroy);
}

void sqlite3_result_null(sqlite3_context *ctx) { mica_result_null(ctx); }
void sqlite3_result_int(sqlite3_context *ctx, int v) { mica_result_int(ctx, v); }
void sqlite3_result_int64(sqlite3_context *ctx, sqlite3_int64 v) { mica_result_int64(ctx, v); }
void sqlite3_result_double(sqlite3_context *ctx, double v) { mica_result_double(ctx, v); }
void sqlite3_result_text(sqlite3_context *ctx, const char *v, int n, void (*destroy)(void *)) {
  if (v == NULL)
    mica_result_null(ctx);
  else
    mica_result_text(ctx, v, n, destroy);
}
void sqlite3_result_text64(sqlite3_context *ctx, const char *v, sqlite3_uint64 n, void (*destroy)(void *),
                           unsigned char encoding) {
  if (n > INT_MAX && n != (sqlite3_uint64)-1) {
    release(v, destroy);
    mica_result_error_toobig(ctx);
  } else {
    sqlite3_result_text(ctx, v, n == (sqlite3_uint64)-1 ? -1 : (int)n, destroy);
  }
}
void sqlite3_result_blob(sqlite3_context *ctx, const void *v, int n, void (*destroy)(void *)) {
  if (v == NULL)
    mica_result_null(ctx);
  else
    mica_result_blob(ctx, v, n < 0 ? 0 : n, destroy);
}
void sqlite3_result_blob64(sqlite3_context *ctx, const void *v, sqlite3_uint64 n, void (*destroy)(void *)) {
  if (n > INT_MAX) {
    release(v, destroy);
    mica_result_error_toobig(ctx);
  } else {
    sqlite3_result_blob(ctx, v, (int)n, destroy);
  }
}
void sqlite3_result_zeroblob(sqlite3_context *ctx, int n) { mica_result_zeroblob(ctx, n < 0 ? 0 : n); }
int sqlite3_result_zeroblob64(sqlite3_context *ctx, sqlite3_uint64 n) {
  if (n > INT_MAX) {
    mica_result_error_toobig(ctx);
    return SQLITE_TOOBIG;
  }
  mica_result_zeroblob(ctx, (int)n);
  return SQLITE_OK;
}
void sqlite3_result_value(sqlite3_context *ctx, sqlite3_value *v) { mica_result_value(ctx, v); }
void sqlite3_result_error(sqlite3_context *ctx, const char *msg, int n) { mica_result_error(ctx, msg, n); }
void sqlite3_result_error_code(sqlite3_context *ctx, int rc) { mica_result_error_code(ctx, rc); }
void sqlite3_result_error_nomem(sqlite3_context *ctx) { mica_result_error_nomem(ctx); }
void sqlite3_result_error_toobig(sqlite3_context *ctx) { mica_result_error_toobig(ctx); }
void sqlite3_result_subtype(sqlite3_context *ctx, unsigned int subtype) { mica_result_subtype(ctx, subtype); }
