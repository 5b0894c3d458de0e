/*
 * mica.h: the public API of libmica, the Mica SQL engine.
 *
 * This is the only boundary between the engine and everything built on it (micad's pgwire layer, the
 * mica shell, libmica-sqlite3, contrib extensions, tests). It is modelled on the sqlite3 C API so that
 * libmica-sqlite3 is a thin mapping: the same object model (a connection, prepared statements stepped
 * row by row, typed column accessors), the same result codes and the same fundamental datatypes.
 *
 * OBJECTS
 *   mica_db       one connection. Not thread-safe itself: one thread uses a connection at a time. Every
 *                 connection to the same file within a process shares one database object (page cache,
 *                 WAL index, schema, write lock), which is thread-safe.
 *   mica_stmt     a prepared statement, owned by its connection; finalize it before closing the db.
 *   mica_value    a value (a column of a row, a function argument). Valid until the next step/reset/
 *                 finalize of the statement it came from, or until the function call returns.
 *   mica_context  the context of a user function call, used to return its result.
 *
 * MEMORY
 *   Strings returned by mica_column_*, mica_errmsg and mica_value_* are owned by the engine and stay
 *   valid until the next call on the same statement (or connection for errmsg). Strings the caller must
 *   free say so (mica_exec's errmsg, mica_mprintf, mica_expanded_sql): free them with mica_free().
 *
 * RESULT CODES
 *   The primary codes are SQLite's, with the same numbers; extended codes are (primary | n<<8), also as
 *   in SQLite. pgwire maps them to SQLSTATEs.
 *
 * DIALECTS
 *   A connection parses SQL in the SQLite dialect by default. mica_db_config(db, MICA_DBCONFIG_DIALECT,
 *   MICA_DIALECT_POSTGRES) switches the parser to the PostgreSQL dialect; both dialects build the same
 *   AST, so everything below the parser is shared.
 */
#ifndef MICA_H
#define MICA_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define MICA_VERSION "0.1.0"
#define MICA_VERSION_NUMBER 1000

typedef struct mica_db mica_db;
typedef struct mica_stmt mica_stmt;
typedef struct mica_value mica_value;
typedef struct mica_context mica_context;
typedef int64_t mica_int64;

/* ------------------------------------------------------------------------------------------------
 * Result codes (SQLite's numbering).
 */
#define MICA_OK 0
#define MICA_ERROR 1
#define MICA_INTERNAL 2
#define MICA_PERM 3
#define MICA_ABORT 4
#define MICA_BUSY 5
#define MICA_LOCKED 6
#define MICA_NOMEM 7
#define MICA_READONLY 8
#define MICA_INTERRUPT 9
#define MICA_IOERR 10
#define MICA_CORRUPT 11
#define MICA_NOTFOUND 12
#define MICA_FULL 13
#define MICA_CANTOPEN 14
#define MICA_PROTOCOL 15
#define MICA_EMPTY 16
#define MICA_SCHEMA 17
#define MICA_TOOBIG 18
#define MICA_CONSTRAINT 19
#define MICA_MISMATCH 20
#define MICA_MISUSE 21
#define MICA_NOLFS 22
#define MICA_AUTH 23
#define MICA_FORMAT 24
#define MICA_RANGE 25
#define MICA_NOTADB 26
#define MICA_NOTICE 27
#define MICA_WARNING 28
#define MICA_ROW 100
#define MICA_DONE 101

/* Extended result codes used by the engine (same values as SQLite's). */
#define MICA_IOERR_READ (MICA_IOERR | (1 << 8))
#define MICA_IOERR_SHORT_READ (MICA_IOERR | (2 << 8))
#define MICA_IOERR_WRITE (MICA_IOERR | (3 << 8))
#define MICA_IOERR_FSYNC (MICA_IOERR | (4 << 8))
#define MICA_IOERR_TRUNCATE (MICA_IOERR | (6 << 8))
#define MICA_IOERR_LOCK (MICA_IOERR | (15 << 8))
#define MICA_BUSY_SNAPSHOT (MICA_BUSY | (2 << 8))
#define MICA_BUSY_TIMEOUT (MICA_BUSY | (3 << 8))
#define MICA_CORRUPT_INDEX (MICA_CORRUPT | (3 << 8))
#define MICA_READONLY_DBMOVED (MICA_READONLY | (4 << 8))
#define MICA_CONSTRAINT_CHECK (MICA_CONSTRAINT | (1 << 8))
#define MICA_CONSTRAINT_FOREIGNKEY (MICA_CONSTRAINT | (3 << 8))
#define MICA_CONSTRAINT_FUNCTION (MICA_CONSTRAINT | (4 << 8))
#define MICA_CONSTRAINT_NOTNULL (MICA_CONSTRAINT | (5 << 8))
#define MICA_CONSTRAINT_PRIMARYKEY (MICA_CONSTRAINT | (6 << 8))
#define MICA_CONSTRAINT_TRIGGER (MICA_CONSTRAINT | (7 << 8))
#define MICA_CONSTRAINT_UNIQUE (MICA_CONSTRAINT | (8 << 8))
#define MICA_CONSTRAINT_ROWID (MICA_CONSTRAINT | (10 << 8))
#define MICA_CONSTRAINT_DATATYPE (MICA_CONSTRAINT | (12 << 8))

/* ------------------------------------------------------------------------------------------------
 * Fundamental datatypes (SQLite's numbering).
 */
#define MICA_INTEGER 1
#define MICA_FLOAT 2
#define MICA_TEXT 3
#define MICA_BLOB 4
#define MICA_NULL 5

/* ------------------------------------------------------------------------------------------------
 * Connections.
 */
#define MICA_OPEN_READONLY 0x00000001
#define MICA_OPEN_READWRITE 0x00000002
#define MICA_OPEN_CREATE 0x00000004
#define MICA_OPEN_URI 0x00000040
#define MICA_OPEN_MEMORY 0x00000080
#define MICA_OPEN_NOMUTEX 0x00008000
#define MICA_OPEN_FULLMUTEX 0x00010000
/* Mica-specific: force an I/O backend (default: io_uring where the kernel allows it, else posix).
 * The environment variable MICA_IO=posix|uring does the same for a whole process. */
#define MICA_OPEN_IO_POSIX 0x01000000
#define MICA_OPEN_IO_URING 0x02000000

/* Opens (and with MICA_OPEN_CREATE creates) the database file at path. ":memory:" or MICA_OPEN_MEMORY
 * opens a private in-memory database. *out is set even on failure (except NOMEM) so that mica_errmsg
 * can explain; the caller must mica_close it either way. */
int mica_open(const char *path, int flags, mica_db **out);
/* Closes the connection. Returns MICA_BUSY (and closes nothing) while statements are unfinalized. */
int mica_close(mica_db *db);
/* Like mica_close, but with unfinalized statements the close is deferred until the last is finalized. */
int mica_close_v2(mica_db *db);

#define MICA_DBCONFIG_DIALECT 1001 /* int: MICA_DIALECT_* */
/* int onoff (<0: unchanged), int *result (or NULL): foreign key enforcement, as PRAGMA foreign_keys
 * (unchanged inside a transaction); SQLITE_DBCONFIG_ENABLE_FKEY's number and arguments */
#define MICA_DBCONFIG_ENABLE_FKEY 1002
#define MICA_DIALECT_SQLITE 0
#define MICA_DIALECT_POSTGRES 1
int mica_db_config(mica_db *db, int op, ...);

/* Sets how long a writer waits in the queue for the write lock before MICA_BUSY (ms; 0 = no wait). */
int mica_busy_timeout(mica_db *db, int ms);
/* Makes the running statement(s) of db stop with MICA_INTERRUPT at the next instruction boundary.
 * Safe to call from another thread. */
void mica_interrupt(mica_db *db);
int mica_is_interrupted(mica_db *db);
/* Calls cb(arg) every n row steps of a running statement (as sqlite3_progress_handler does with VM
 * instructions); a non-zero return stops the statement with MICA_INTERRUPT. n < 1 or cb NULL removes
 * the handler. Runs on the thread that steps the statement. */
void mica_progress_handler(mica_db *db, int n, int (*cb)(void *arg), void *arg);

/* Runs every statement of sql. callback (may be NULL) gets each result row as text; a non-zero return
 * aborts with MICA_ABORT. *errmsg (if errmsg is not NULL) gets a message to free with mica_free. */
typedef int (*mica_exec_callback)(void *arg, int ncol, char **values, char **names);
int mica_exec(mica_db *db, const char *sql, mica_exec_callback callback, void *arg, char **errmsg);

mica_int64 mica_last_insert_rowid(mica_db *db);
void mica_set_last_insert_rowid(mica_db *db, mica_int64 rowid);
int mica_changes(mica_db *db);
mica_int64 mica_changes64(mica_db *db);
int mica_total_changes(mica_db *db);
mica_int64 mica_total_changes64(mica_db *db);
/* 0 when db is inside an explicit transaction (BEGIN ... not yet COMMIT/ROLLBACK), 1 otherwise. */
int mica_get_autocommit(mica_db *db);
/* The file name of a schema ("main", "temp", attached names); NULL if no such schema. */
const char *mica_db_filename(mica_db *db, const char *schema);

/* ------------------------------------------------------------------------------------------------
 * Errors. The message and offset describe the most recent failed call on db.
 */
int mica_errcode(mica_db *db);
int mica_extended_errcode(mica_db *db);
const char *mica_errmsg(mica_db *db);
const char *mica_errstr(int rc);
/* Byte offset into the SQL text of the token an error refers to, or -1. */
int mica_error_offset(mica_db *db);

/* ------------------------------------------------------------------------------------------------
 * Statements.
 */
#define MICA_PREPARE_PERSISTENT 0x01

/* Compiles the first statement of sql (nbytes < 0: up to the NUL). *tail (if not NULL) is set to the
 * rest of the text. An empty statement (only whitespace/comments) gives MICA_OK with *out = NULL. */
int mica_prepare(mica_db *db, const char *sql, int nbytes, mica_stmt **out, const char **tail);
int mica_prepare_v3(mica_db *db, const char *sql, int nbytes, unsigned flags, mica_stmt **out,
                    const char **tail);
/* Returns MICA_ROW for each row, then MICA_DONE, or an error code. Stepping a finished statement
 * starts it again. */
int mica_step(mica_stmt *stmt);
/* Rewinds the statement (bindings stay). Both return MICA_OK, or the error code of the last
 * mica_step when that failed (as sqlite3_reset and sqlite3_finalize do). */
int mica_reset(mica_stmt *stmt);
int mica_finalize(mica_stmt *stmt);
int mica_clear_bindings(mica_stmt *stmt);
mica_db *mica_db_handle(mica_stmt *stmt);
mica_stmt *mica_next_stmt(mica_db *db, mica_stmt *stmt);
/* 1 if the statement makes no direct change to the database. */
int mica_stmt_readonly(mica_stmt *stmt);
/* 1 if the statement has been stepped but not reset or run to completion. */
int mica_stmt_busy(mica_stmt *stmt);
/* 1 for EXPLAIN, 2 for EXPLAIN QUERY PLAN, 0 otherwise. */
int mica_stmt_isexplain(mica_stmt *stmt);
const char *mica_sql(mica_stmt *stmt);
/* The SQL with bound parameters expanded as literals; free with mica_free. */
char *mica_expanded_sql(mica_stmt *stmt);

/* Parameters are numbered from 1. Text and blob data are copied before the call returns. */
int mica_bind_null(mica_stmt *stmt, int idx);
int mica_bind_int(mica_stmt *stmt, int idx, int v);
int mica_bind_int64(mica_stmt *stmt, int idx, mica_int64 v);
int mica_bind_double(mica_stmt *stmt, int idx, double v);
int mica_bind_text(mica_stmt *stmt, int idx, const char *v, int nbytes);
int mica_bind_blob(mica_stmt *stmt, int idx, const void *v, int nbytes);
int mica_bind_zeroblob(mica_stmt *stmt, int idx, int nbytes);
int mica_bind_value(mica_stmt *stmt, int idx, const mica_value *v);
int mica_bind_parameter_count(mica_stmt *stmt);
/* The name of parameter idx including its prefix (":a", "$1", "?3"), or NULL for a nameless "?". */
const char *mica_bind_parameter_name(mica_stmt *stmt, int idx);
int mica_bind_parameter_index(mica_stmt *stmt, const char *name);
/* The declared type of what parameter idx meets in the statement: the column it is compared with or
 * stored into (WHERE a = ?, INSERT ... VALUES (?), UPDATE SET a = ?, IN/BETWEEN), the type of a CAST
 * around it, BIGINT for LIMIT/OFFSET. NULL when nothing tells. Owned by the statement; valid until it is
 * finalized or recompiled. The server uses it to infer the types of untyped parameters. */
const char *mica_bind_parameter_decltype(mica_stmt *stmt, int idx);

/* Result columns are numbered from 0. */
int mica_column_count(mica_stmt *stmt);
/* Number of columns in the current row: 0 unless the last step returned MICA_ROW. */
int mica_data_count(mica_stmt *stmt);
const char *mica_column_name(mica_stmt *stmt, int col);
/* The declared type of a result column that is a direct table column, else NULL. */
const char *mica_column_decltype(mica_stmt *stmt, int col);
/* The static type of a result column's values as a declared-type name: the declared type for a table
 * column, else what the expression tells (a CAST's type, INTEGER/BIGINT/NUMERIC/TEXT for literals,
 * BOOLEAN for comparisons and predicates, numeric promotion for arithmetic, known functions and
 * aggregates such as count -> BIGINT). A result column that is a bare parameter gives "$N", N its
 * parameter index, so the caller can use the type it gave that parameter. NULL when it cannot be told
 * before running. For servers that must describe result types ahead of the rows (PostgreSQL's
 * RowDescription). */
const char *mica_column_exprtype(mica_stmt *stmt, int col);
const char *mica_column_database_name(mica_stmt *stmt, int col);
const char *mica_column_table_name(mica_stmt *stmt, int col);
const char *mica_column_origin_name(mica_stmt *stmt, int col);
int mica_column_type(mica_stmt *stmt, int col);
mica_int64 mica_column_int64(mica_stmt *stmt, int col);
int mica_column_int(mica_stmt *stmt, int col);
double mica_column_double(mica_stmt *stmt, int col);
const unsigned char *mica_column_text(mica_stmt *stmt, int col);
const void *mica_column_blob(mica_stmt *stmt, int col);
int mica_column_bytes(mica_stmt *stmt, int col);
mica_value *mica_column_value(mica_stmt *stmt, int col);

/* ------------------------------------------------------------------------------------------------
 * Values (function arguments, column values).
 */
int mica_value_type(const mica_value *v);
/* The type the value would have after numeric affinity (used by functions like abs()). */
int mica_value_numeric_type(mica_value *v);
mica_int64 mica_value_int64(const mica_value *v);
int mica_value_int(const mica_value *v);
double mica_value_double(const mica_value *v);
const unsigned char *mica_value_text(mica_value *v);
const void *mica_value_blob(mica_value *v);
int mica_value_bytes(mica_value *v);
/* Copies a value; free with mica_value_free. */
mica_value *mica_value_dup(const mica_value *v);
void mica_value_free(mica_value *v);

/* ------------------------------------------------------------------------------------------------
 * User-defined functions (scalar, aggregate, window) and collations. Built-in functions are
 * registered through this same interface.
 */
#define MICA_UTF8 1
#define MICA_DETERMINISTIC 0x000000800
#define MICA_DIRECTONLY 0x000080000
#define MICA_INNOCUOUS 0x000200000

typedef void (*mica_destructor)(void *);
#define MICA_STATIC ((mica_destructor)0)
#define MICA_TRANSIENT ((mica_destructor)-1)

typedef void (*mica_func_fn)(mica_context *ctx, int argc, mica_value **argv);
typedef void (*mica_final_fn)(mica_context *ctx);

/* nargs = -1 accepts any number. A scalar function sets xfunc; an aggregate sets xstep and xfinal; a
 * window function also sets xvalue and xinverse. Registering again with the same name and nargs
 * replaces the earlier one; all NULL callbacks delete it. destroy (may be NULL) is called on userdata
 * when the function is replaced or the connection closes. */
int mica_create_function(mica_db *db, const char *name, int nargs, int flags, void *userdata,
                         mica_func_fn xfunc, mica_func_fn xstep, mica_final_fn xfinal, mica_final_fn xvalue,
                         mica_func_fn xinverse, mica_destructor destroy);

void *mica_user_data(mica_context *ctx);
mica_db *mica_context_db_handle(mica_context *ctx);
/* Per-group aggregate state: zeroed nbytes on first call for a group, same pointer afterwards.
 * With nbytes == 0, returns the existing state or NULL. */
void *mica_aggregate_context(mica_context *ctx, int nbytes);
/* Auxiliary data attached to constant arguments (e.g. a compiled regexp). */
void *mica_get_auxdata(mica_context *ctx, int arg);
void mica_set_auxdata(mica_context *ctx, int arg, void *data, mica_destructor destroy);

void mica_result_null(mica_context *ctx);
void mica_result_int(mica_context *ctx, int v);
void mica_result_int64(mica_context *ctx, mica_int64 v);
void mica_result_double(mica_context *ctx, double v);
/* nbytes < 0: up to NUL. destroy: MICA_STATIC, MICA_TRANSIENT (copied), or a free function. */
void mica_result_text(mica_context *ctx, const char *v, int nbytes, mica_destructor destroy);
void mica_result_blob(mica_context *ctx, const void *v, int nbytes, mica_destructor destroy);
void mica_result_zeroblob(mica_context *ctx, int nbytes);
void mica_result_value(mica_context *ctx, mica_value *v);
void mica_result_error(mica_context *ctx, const char *msg, int nbytes);
void mica_result_error_code(mica_context *ctx, int rc);
void mica_result_error_nomem(mica_context *ctx);
void mica_result_error_toobig(mica_context *ctx);
/* Marks a text result as JSON (the JSON functions use this to avoid re-quoting nested results). */
void mica_result_subtype(mica_context *ctx, unsigned subtype);
unsigned mica_value_subtype(const mica_value *v);

/* A collation compares two UTF-8 strings; it returns <0, 0 or >0. */
typedef int (*mica_collation_fn)(void *arg, int n1, const void *s1, int n2, const void *s2);
int mica_create_collation(mica_db *db, const char *name, void *arg, mica_collation_fn cmp,
                          mica_destructor destroy);

/* The REGEXP operator calls the user function regexp(pattern, text); none is built in. */

/* ------------------------------------------------------------------------------------------------
 * Virtual tables (engine/vtab.c). A module is a set of callbacks registered on a connection by name;
 * a virtual table is an instance of a module: a table whose rows the module produces (and, when it
 * has an update callback, stores). The semantics are those of SQLite's virtual tables.
 *
 * LIFE CYCLE
 *   create / connect  make the table object. argv[0] is the module name, argv[1] the schema ("main"),
 *                     argv[2] the table name, argv[3..] the arguments of CREATE VIRTUAL TABLE ...
 *                     USING module(args) as written. Both must call mica_declare_vtab once with a
 *                     CREATE TABLE statement naming the columns; a column whose type contains the word
 *                     HIDDEN is hidden (left out of SELECT *; table-valued function arguments bind to
 *                     the hidden columns in order). create runs once, at CREATE VIRTUAL TABLE; connect
 *                     whenever a connection (re)loads the table. On failure they return an error code
 *                     and may set *errmsg (mica_mprintf'd; the engine frees it).
 *   disconnect / destroy  free the table object; destroy also deletes what create made (DROP TABLE).
 *   best_index        planning, once per use of the table in a statement: see mica_index_info.
 *   open / close      a cursor. filter starts a scan with the plan best_index chose (idx_num, idx_str)
 *                     and the values of the constraints the plan asked for (in argv_index order);
 *                     next / eof / column / rowid walk it; column reports its value through ctx with
 *                     the mica_result_* functions. filter may be called again on an open cursor.
 *   update            optional (NULL: the table is read-only). argc == 1: delete the row whose rowid is
 *                     argv[0]. argc > 1: argv[0] NULL inserts, else updates the row whose rowid is
 *                     argv[0]; argv[1] is the new rowid (NULL: the module chooses one and sets *rowid)
 *                     and argv[2..] are the column values in declaration order (hidden ones included).
 *
 * EPONYMOUS TABLES. A module whose create is NULL (eponymous-only) or the same function as connect
 * exists as a table of its own name on every connection it is registered on, and so is usable as a
 * table-valued function: FROM json_each('[1,2]') means FROM json_each WHERE json = '[1,2]' (arguments
 * bind to the hidden columns in order; with a LEFT JOIN they are part of its ON). CREATE VIRTUAL TABLE
 * needs a module with create and destroy.
 *
 * ERRORS. A callback returns MICA_OK or an error code; it may leave a message (mica_mprintf'd) in
 * vtab->errmsg, which the engine moves into the connection's error (else the code's generic text).
 *
 * Callbacks run on the thread that steps the statement, inside its transaction.
 */
typedef struct mica_vtab mica_vtab;
typedef struct mica_vtab_cursor mica_vtab_cursor;
typedef struct mica_index_info mica_index_info;
typedef struct mica_module mica_module;

/* The base of a module's table object: a module allocates a larger struct that starts with this one.
 * The engine sets module after create/connect; errmsg is the module's to fill. */
struct mica_vtab {
  const mica_module *module;
  char *errmsg;
};
/* The base of a module's cursor object. The engine sets vtab after open. */
struct mica_vtab_cursor {
  mica_vtab *vtab;
};

/* Constraint operators (SQLite's numbers). */
#define MICA_INDEX_CONSTRAINT_EQ 2
#define MICA_INDEX_CONSTRAINT_GT 4
#define MICA_INDEX_CONSTRAINT_LE 8
#define MICA_INDEX_CONSTRAINT_LT 16
#define MICA_INDEX_CONSTRAINT_GE 32
#define MICA_INDEX_CONSTRAINT_NE 68
#define MICA_INDEX_CONSTRAINT_ISNOT 69
#define MICA_INDEX_CONSTRAINT_ISNOTNULL 70
#define MICA_INDEX_CONSTRAINT_ISNULL 71
#define MICA_INDEX_CONSTRAINT_IS 72

#define MICA_INDEX_SCAN_UNIQUE 1 /* idx_flags: the plan returns at most one row */

/* A WHERE/ON term (or table-valued function argument) `column op value`: column is the table's column
 * number (-1: the rowid). usable is 0 when the value cannot be computed before the table is scanned
 * (it reads the table's own columns): a plan must not ask for such a constraint's value. ISNULL and
 * ISNOTNULL have no value. The tables of a join are scanned in FROM order (except that a table-valued
 * function comes after the tables its arguments read); a term that reads a table scanned later is
 * checked after the join and not offered. */
typedef struct mica_index_constraint {
  int column;
  unsigned char op;
  unsigned char usable;
} mica_index_constraint;

typedef struct mica_index_orderby {
  int column;
  unsigned char desc;
} mica_index_orderby;

/* best_index's answer per constraint: argv_index > 0 passes the constraint's value to filter as
 * argv[argv_index - 1] (the indexes used must be 1..n without gaps); omit tells the engine that the
 * module guarantees the constraint, so it is not checked again on the rows returned. */
typedef struct mica_index_constraint_usage {
  int argv_index;
  unsigned char omit;
} mica_index_constraint_usage;

/* best_index's input and output. Outputs start as: usage all zero, idx_num 0, idx_str NULL,
 * order_by_consumed 0, estimated_cost 1e6 (a full scan), estimated_rows 25. ORDER BY is passed only when
 * the table is the only one in its SELECT (no aggregate, DISTINCT or window) and every term is one of
 * its columns; order_by_consumed = 1 promises the rows come out in that order, and the engine does not
 * sort them. A best_index that returns MICA_CONSTRAINT says the constraints it was offered cannot make
 * a plan (typically: a required argument is not usable); the statement then fails. */
struct mica_index_info {
  int nconstraint;
  const mica_index_constraint *constraint;
  int norderby;
  const mica_index_orderby *orderby;
  uint64_t col_used; /* bit i: column i (bit 63: some column from 63 on) is read by the statement */
  /* outputs */
  mica_index_constraint_usage *usage; /* [nconstraint] */
  int idx_num;
  char *idx_str; /* passed to filter; with free_idx_str the engine mica_free's it when done */
  int free_idx_str;
  int order_by_consumed;
  double estimated_cost;
  mica_int64 estimated_rows;
  int idx_flags;
};

struct mica_module {
  int version; /* 1 */
  int (*create)(mica_db *db, void *aux, int argc, const char *const *argv, mica_vtab **out, char **errmsg);
  int (*connect)(mica_db *db, void *aux, int argc, const char *const *argv, mica_vtab **out, char **errmsg);
  int (*best_index)(mica_vtab *vt, mica_index_info *info);
  int (*disconnect)(mica_vtab *vt);
  int (*destroy)(mica_vtab *vt);
  int (*open)(mica_vtab *vt, mica_vtab_cursor **out);
  int (*close)(mica_vtab_cursor *cur);
  int (*filter)(mica_vtab_cursor *cur, int idx_num, const char *idx_str, int argc, mica_value **argv);
  int (*next)(mica_vtab_cursor *cur);
  int (*eof)(mica_vtab_cursor *cur);
  int (*column)(mica_vtab_cursor *cur, mica_context *ctx, int col);
  int (*rowid)(mica_vtab_cursor *cur, mica_int64 *rowid);
  int (*update)(mica_vtab *vt, int argc, mica_value **argv, mica_int64 *rowid);
};

/* Registers module under name (case-insensitive) on db; aux goes to create/connect. Registering a name
 * again replaces the module (statements are recompiled; tables already connected keep the old module
 * until the schema is reloaded); module NULL removes it. destroy (may be NULL) is called on aux when the
 * registration ends (replaced, removed, connection closed) and no table uses the module any more.
 * The mica_module struct must stay valid that long. */
int mica_create_module(mica_db *db, const char *name, const mica_module *module, void *aux,
                       mica_destructor destroy);
/* For create/connect: declares the table's columns with a CREATE TABLE statement (its table name is
 * ignored). MICA_MISUSE outside create/connect, MICA_ERROR (with the message) when the text is not a
 * valid CREATE TABLE. */
int mica_declare_vtab(mica_db *db, const char *create_table_sql);

/* ------------------------------------------------------------------------------------------------
 * Memory and formatting.
 */
void *mica_malloc(int n);
void *mica_malloc64(uint64_t n);
void *mica_realloc(void *p, int n);
void mica_free(void *p);
/* printf-style formatting with SQLite's extra conversions: %q (quote '), %Q (quoted or NULL), %w
 * (quote "), %z (string freed after use). The result must be freed with mica_free. */
char *mica_mprintf(const char *fmt, ...);
char *mica_vmprintf(const char *fmt, va_list ap);
char *mica_snprintf(int n, char *buf, const char *fmt, ...);
int mica_stricmp(const char *a, const char *b);
int mica_strnicmp(const char *a, const char *b, int n);

const char *mica_libversion(void);
int mica_libversion_number(void);
const char *mica_sourceid(void);

/* 1 if sql ends in a complete statement (a semicolon outside strings, comments and triggers). */
int mica_complete(const char *sql);

#ifdef __cplusplus
}
#endif
#endif /* MICA_H */
