/*
 * sqlite3.h: the subset of the sqlite3 C API that libmica-sqlite3 provides over Mica.
 *
 * Programs written for SQLite compile against this header and link with -lmica-sqlite3 instead of
 * -lsqlite3. Every name, constant value and signature below is the one documented for SQLite 3.40's C
 * interface (https://sqlite.org/c3ref/intro.html); this file was written from that documentation.
 * Only what Mica implements is declared: a program that uses something else fails to compile, rather
 * than failing at run time.
 *
 * Differences from SQLite worth knowing:
 *   - Text is UTF-8 only: the *16 functions are absent; a non-UTF-8 eTextRep in create_function is
 *     accepted and treated as SQLITE_UTF8.
 *   - sqlite3_open_v2 ignores zVfs and every flag except READONLY, READWRITE, CREATE, URI, MEMORY,
 *     NOMUTEX and FULLMUTEX.
 *   - sqlite3_status/sqlite3_db_status return SQLITE_OK with zero counters (no counters are kept).
 *   - sqlite3_libversion() reports the SQLite version whose dialect Mica follows (SQLITE_VERSION);
 *     sqlite3_sourceid() names Mica.
 */
#ifndef MICA_SQLITE3_H
#define MICA_SQLITE3_H

#include <stdarg.h>

#ifdef __cplusplus
extern "C" {
#endif

#ifndef SQLITE_API
#define SQLITE_API
#endif
#ifndef SQLITE_EXTERN
#define SQLITE_EXTERN extern
#endif

#define SQLITE_VERSION "3.40.1"
#define SQLITE_VERSION_NUMBER 3040001
#define SQLITE_SOURCE_ID "mica 0.1.0 (libmica-sqlite3, SQLite 3.40 dialect)"

SQLITE_API SQLITE_EXTERN const char sqlite3_version[];
SQLITE_API const char *sqlite3_libversion(void);
SQLITE_API const char *sqlite3_sourceid(void);
SQLITE_API int sqlite3_libversion_number(void);
SQLITE_API int sqlite3_threadsafe(void);

typedef struct sqlite3 sqlite3;
typedef struct sqlite3_stmt sqlite3_stmt;
typedef struct sqlite3_value sqlite3_value;
typedef struct sqlite3_context sqlite3_context;

typedef long long int sqlite_int64;
typedef unsigned long long int sqlite_uint64;
typedef sqlite_int64 sqlite3_int64;
typedef sqlite_uint64 sqlite3_uint64;

typedef int (*sqlite3_callback)(void *, int, char **, char **);
typedef void (*sqlite3_destructor_type)(void *);
#define SQLITE_STATIC ((sqlite3_destructor_type)0)
#define SQLITE_TRANSIENT ((sqlite3_destructor_type)-1)

/* ---------------------------------------------------------------- result codes */
#define SQLITE_OK 0
#define SQLITE_ERROR 1
#define SQLITE_INTERNAL 2
#define SQLITE_PERM 3
#define SQLITE_ABORT 4
#define SQLITE_BUSY 5
#define SQLITE_LOCKED 6
#define SQLITE_NOMEM 7
#define SQLITE_READONLY 8
#define SQLITE_INTERRUPT 9
#define SQLITE_IOERR 10
#define SQLITE_CORRUPT 11
#define SQLITE_NOTFOUND 12
#define SQLITE_FULL 13
#define SQLITE_CANTOPEN 14
#define SQLITE_PROTOCOL 15
#define SQLITE_EMPTY 16
#define SQLITE_SCHEMA 17
#define SQLITE_TOOBIG 18
#define SQLITE_CONSTRAINT 19
#define SQLITE_MISMATCH 20
#define SQLITE_MISUSE 21
#define SQLITE_NOLFS 22
#define SQLITE_AUTH 23
#define SQLITE_FORMAT 24
#define SQLITE_RANGE 25
#define SQLITE_NOTADB 26
#define SQLITE_NOTICE 27
#define SQLITE_WARNING 28
#define SQLITE_ROW 100
#define SQLITE_DONE 101

#define SQLITE_ERROR_MISSING_COLLSEQ (SQLITE_ERROR | (1 << 8))
#define SQLITE_ERROR_RETRY (SQLITE_ERROR | (2 << 8))
#define SQLITE_ERROR_SNAPSHOT (SQLITE_ERROR | (3 << 8))
#define SQLITE_IOERR_READ (SQLITE_IOERR | (1 << 8))
#define SQLITE_IOERR_SHORT_READ (SQLITE_IOERR | (2 << 8))
#define SQLITE_IOERR_WRITE (SQLITE_IOERR | (3 << 8))
#define SQLITE_IOERR_FSYNC (SQLITE_IOERR | (4 << 8))
#define SQLITE_IOERR_DIR_FSYNC (SQLITE_IOERR | (5 << 8))
#define SQLITE_IOERR_TRUNCATE (SQLITE_IOERR | (6 << 8))
#define SQLITE_IOERR_FSTAT (SQLITE_IOERR | (7 << 8))
#define SQLITE_IOERR_UNLOCK (SQLITE_IOERR | (8 << 8))
#define SQLITE_IOERR_RDLOCK (SQLITE_IOERR | (9 << 8))
#define SQLITE_IOERR_DELETE (SQLITE_IOERR | (10 << 8))
#define SQLITE_IOERR_BLOCKED (SQLITE_IOERR | (11 << 8))
#define SQLITE_IOERR_NOMEM (SQLITE_IOERR | (12 << 8))
#define SQLITE_IOERR_ACCESS (SQLITE_IOERR | (13 << 8))
#define SQLITE_IOERR_CHECKRESERVEDLOCK (SQLITE_IOERR | (14 << 8))
#define SQLITE_IOERR_LOCK (SQLITE_IOERR | (15 << 8))
#define SQLITE_IOERR_CLOSE (SQLITE_IOERR | (16 << 8))
#define SQLITE_IOERR_DIR_CLOSE (SQLITE_IOERR | (17 << 8))
#define SQLITE_IOERR_SHMOPEN (SQLITE_IOERR | (18 << 8))
#define SQLITE_IOERR_SHMSIZE (SQLITE_IOERR | (19 << 8))
#define SQLITE_IOERR_SHMLOCK (SQLITE_IOERR | (20 << 8))
#define SQLITE_IOERR_SHMMAP (SQLITE_IOERR | (21 << 8))
#define SQLITE_IOERR_SEEK (SQLITE_IOERR | (22 << 8))
#define SQLITE_IOERR_DELETE_NOENT (SQLITE_IOERR | (23 << 8))
#define SQLITE_IOERR_MMAP (SQLITE_IOERR | (24 << 8))
#define SQLITE_IOERR_GETTEMPPATH (SQLITE_IOERR | (25 << 8))
#define SQLITE_IOERR_CONVPATH (SQLITE_IOERR | (26 << 8))
#define SQLITE_IOERR_VNODE (SQLITE_IOERR | (27 << 8))
#define SQLITE_IOERR_AUTH (SQLITE_IOERR | (28 << 8))
#define SQLITE_IOERR_BEGIN_ATOMIC (SQLITE_IOERR | (29 << 8))
#define SQLITE_IOERR_COMMIT_ATOMIC (SQLITE_IOERR | (30 << 8))
#define SQLITE_IOERR_ROLLBACK_ATOMIC (SQLITE_IOERR | (31 << 8))
#define SQLITE_IOERR_DATA (SQLITE_IOERR | (32 << 8))
#define SQLITE_IOERR_CORRUPTFS (SQLITE_IOERR | (33 << 8))
#define SQLITE_LOCKED_SHAREDCACHE (SQLITE_LOCKED | (1 << 8))
#define SQLITE_LOCKED_VTAB (SQLITE_LOCKED | (2 << 8))
#define SQLITE_BUSY_RECOVERY (SQLITE_BUSY | (1 << 8))
#define SQLITE_BUSY_SNAPSHOT (SQLITE_BUSY | (2 << 8))
#define SQLITE_BUSY_TIMEOUT (SQLITE_BUSY | (3 << 8))
#define SQLITE_CANTOPEN_NOTEMPDIR (SQLITE_CANTOPEN | (1 << 8))
#define SQLITE_CANTOPEN_ISDIR (SQLITE_CANTOPEN | (2 << 8))
#define SQLITE_CANTOPEN_FULLPATH (SQLITE_CANTOPEN | (3 << 8))
#define SQLITE_CANTOPEN_CONVPATH (SQLITE_CANTOPEN | (4 << 8))
#define SQLITE_CANTOPEN_SYMLINK (SQLITE_CANTOPEN | (6 << 8))
#define SQLITE_CORRUPT_VTAB (SQLITE_CORRUPT | (1 << 8))
#define SQLITE_CORRUPT_SEQUENCE (SQLITE_CORRUPT | (2 << 8))
#define SQLITE_CORRUPT_INDEX (SQLITE_CORRUPT | (3 << 8))
#define SQLITE_READONLY_RECOVERY (SQLITE_READONLY | (1 << 8))
#define SQLITE_READONLY_CANTLOCK (SQLITE_READONLY | (2 << 8))
#define SQLITE_READONLY_ROLLBACK (SQLITE_READONLY | (3 << 8))
#define SQLITE_READONLY_DBMOVED (SQLITE_READONLY | (4 << 8))
#define SQLITE_READONLY_CANTINIT (SQLITE_READONLY | (5 << 8))
#define SQLITE_READONLY_DIRECTORY (SQLITE_READONLY | (6 << 8))
#define SQLITE_ABORT_ROLLBACK (SQLITE_ABORT | (2 << 8))
#define SQLITE_CONSTRAINT_CHECK (SQLITE_CONSTRAINT | (1 << 8))
#define SQLITE_CONSTRAINT_COMMITHOOK (SQLITE_CONSTRAINT | (2 << 8))
#define SQLITE_CONSTRAINT_FOREIGNKEY (SQLITE_CONSTRAINT | (3 << 8))
#define SQLITE_CONSTRAINT_FUNCTION (SQLITE_CONSTRAINT | (4 << 8))
#define SQLITE_CONSTRAINT_NOTNULL (SQLITE_CONSTRAINT | (5 << 8))
#define SQLITE_CONSTRAINT_PRIMARYKEY (SQLITE_CONSTRAINT | (6 << 8))
#define SQLITE_CONSTRAINT_TRIGGER (SQLITE_CONSTRAINT | (7 << 8))
#define SQLITE_CONSTRAINT_UNIQUE (SQLITE_CONSTRAINT | (8 << 8))
#define SQLITE_CONSTRAINT_VTAB (SQLITE_CONSTRAINT | (9 << 8))
#define SQLITE_CONSTRAINT_ROWID (SQLITE_CONSTRAINT | (10 << 8))
#define SQLITE_CONSTRAINT_PINNED (SQLITE_CONSTRAINT | (11 << 8))
#define SQLITE_CONSTRAINT_DATATYPE (SQLITE_CONSTRAINT | (12 << 8))
#define SQLITE_NOTICE_RECOVER_WAL (SQLITE_NOTICE | (1 << 8))
#define SQLITE_NOTICE_RECOVER_ROLLBACK (SQLITE_NOTICE | (2 << 8))
#define SQLITE_WARNING_AUTOINDEX (SQLITE_WARNING | (1 << 8))
#define SQLITE_AUTH_USER (SQLITE_AUTH | (1 << 8))
#define SQLITE_OK_LOAD_PERMANENTLY (SQLITE_OK | (1 << 8))
#define SQLITE_OK_SYMLINK (SQLITE_OK | (2 << 8))

/* ---------------------------------------------------------------- datatypes and encodings */
#define SQLITE_INTEGER 1
#define SQLITE_FLOAT 2
#define SQLITE_TEXT 3
#define SQLITE3_TEXT 3
#define SQLITE_BLOB 4
#define SQLITE_NULL 5

#define SQLITE_UTF8 1
#define SQLITE_UTF16LE 2
#define SQLITE_UTF16BE 3
#define SQLITE_UTF16 4
#define SQLITE_ANY 5
#define SQLITE_UTF16_ALIGNED 8

#define SQLITE_DETERMINISTIC 0x000000800
#define SQLITE_DIRECTONLY 0x000080000
#define SQLITE_SUBTYPE 0x000100000
#define SQLITE_INNOCUOUS 0x000200000

/* ---------------------------------------------------------------- library */
SQLITE_API int sqlite3_initialize(void);
SQLITE_API int sqlite3_shutdown(void);

SQLITE_API void *sqlite3_malloc(int n);
SQLITE_API void *sqlite3_malloc64(sqlite3_uint64 n);
SQLITE_API void *sqlite3_realloc(void *p, int n);
SQLITE_API void sqlite3_free(void *p);

SQLITE_API char *sqlite3_mprintf(const char *fmt, ...);
SQLITE_API char *sqlite3_vmprintf(const char *fmt, va_list ap);
SQLITE_API char *sqlite3_snprintf(int n, char *buf, const char *fmt, ...);
SQLITE_API char *sqlite3_vsnprintf(int n, char *buf, const char *fmt, va_list ap);

SQLITE_API int sqlite3_complete(const char *sql);
SQLITE_API const char *sqlite3_errstr(int rc);
SQLITE_API int sqlite3_stricmp(const char *a, const char *b);
SQLITE_API int sqlite3_strnicmp(const char *a, const char *b, int n);

#define SQLITE_STATUS_MEMORY_USED 0
#define SQLITE_STATUS_PAGECACHE_USED 1
#define SQLITE_STATUS_PAGECACHE_OVERFLOW 2
#define SQLITE_STATUS_SCRATCH_USED 3
#define SQLITE_STATUS_SCRATCH_OVERFLOW 4
#define SQLITE_STATUS_MALLOC_SIZE 5
#define SQLITE_STATUS_PARSER_STACK 6
#define SQLITE_STATUS_PAGECACHE_SIZE 7
#define SQLITE_STATUS_SCRATCH_SIZE 8
#define SQLITE_STATUS_MALLOC_COUNT 9
/* No counters are kept: every valid op reports 0 and returns SQLITE_OK; an unknown op SQLITE_MISUSE. */
SQLITE_API int sqlite3_status(int op, int *pCurrent, int *pHighwater, int resetFlag);
SQLITE_API int sqlite3_status64(int op, sqlite3_int64 *pCurrent, sqlite3_int64 *pHighwater, int resetFlag);

/* ---------------------------------------------------------------- connections */
#define SQLITE_OPEN_READONLY 0x00000001
#define SQLITE_OPEN_READWRITE 0x00000002
#define SQLITE_OPEN_CREATE 0x00000004
#define SQLITE_OPEN_DELETEONCLOSE 0x00000008
#define SQLITE_OPEN_EXCLUSIVE 0x00000010
#define SQLITE_OPEN_AUTOPROXY 0x00000020
#define SQLITE_OPEN_URI 0x00000040
#define SQLITE_OPEN_MEMORY 0x00000080
#define SQLITE_OPEN_MAIN_DB 0x00000100
#define SQLITE_OPEN_TEMP_DB 0x00000200
#define SQLITE_OPEN_TRANSIENT_DB 0x00000400
#define SQLITE_OPEN_MAIN_JOURNAL 0x00000800
#define SQLITE_OPEN_TEMP_JOURNAL 0x00001000
#define SQLITE_OPEN_SUBJOURNAL 0x00002000
#define SQLITE_OPEN_SUPER_JOURNAL 0x00004000
#define SQLITE_OPEN_NOMUTEX 0x00008000
#define SQLITE_OPEN_FULLMUTEX 0x00010000
#define SQLITE_OPEN_SHAREDCACHE 0x00020000
#define SQLITE_OPEN_PRIVATECACHE 0x00040000
#define SQLITE_OPEN_WAL 0x00080000
#define SQLITE_OPEN_NOFOLLOW 0x01000000
#define SQLITE_OPEN_EXRESCODE 0x02000000

SQLITE_API int sqlite3_open(const char *filename, sqlite3 **ppDb);
SQLITE_API int sqlite3_open_v2(const char *filename, sqlite3 **ppDb, int flags, const char *zVfs);
SQLITE_API int sqlite3_close(sqlite3 *db);
SQLITE_API int sqlite3_close_v2(sqlite3 *db);

SQLITE_API int sqlite3_exec(sqlite3 *db, const char *sql, int (*callback)(void *, int, char **, char **),
                            void *arg, char **errmsg);
SQLITE_API int sqlite3_get_table(sqlite3 *db, const char *zSql, char ***pazResult, int *pnRow, int *pnColumn,
                                 char **pzErrmsg);
SQLITE_API void sqlite3_free_table(char **result);

SQLITE_API int sqlite3_busy_timeout(sqlite3 *db, int ms);
SQLITE_API void sqlite3_interrupt(sqlite3 *db);
SQLITE_API void sqlite3_progress_handler(sqlite3 *db, int n, int (*cb)(void *), void *arg);
SQLITE_API int sqlite3_extended_result_codes(sqlite3 *db, int onoff);

SQLITE_API sqlite3_int64 sqlite3_last_insert_rowid(sqlite3 *db);
SQLITE_API void sqlite3_set_last_insert_rowid(sqlite3 *db, sqlite3_int64 rowid);
SQLITE_API int sqlite3_changes(sqlite3 *db);
SQLITE_API sqlite3_int64 sqlite3_changes64(sqlite3 *db);
SQLITE_API int sqlite3_total_changes(sqlite3 *db);
SQLITE_API sqlite3_int64 sqlite3_total_changes64(sqlite3 *db);
SQLITE_API int sqlite3_get_autocommit(sqlite3 *db);
SQLITE_API const char *sqlite3_db_filename(sqlite3 *db, const char *zDbName);

SQLITE_API int sqlite3_errcode(sqlite3 *db);
SQLITE_API int sqlite3_extended_errcode(sqlite3 *db);
SQLITE_API const char *sqlite3_errmsg(sqlite3 *db);
SQLITE_API int sqlite3_error_offset(sqlite3 *db);

#define SQLITE_DBSTATUS_LOOKASIDE_USED 0
#define SQLITE_DBSTATUS_CACHE_USED 1
#define SQLITE_DBSTATUS_SCHEMA_USED 2
#define SQLITE_DBSTATUS_STMT_USED 3
#define SQLITE_DBSTATUS_LOOKASIDE_HIT 4
#define SQLITE_DBSTATUS_LOOKASIDE_MISS_SIZE 5
#define SQLITE_DBSTATUS_LOOKASIDE_MISS_FULL 6
#define SQLITE_DBSTATUS_CACHE_HIT 7
#define SQLITE_DBSTATUS_CACHE_MISS 8
#define SQLITE_DBSTATUS_CACHE_WRITE 9
#define SQLITE_DBSTATUS_DEFERRED_FKS 10
#define SQLITE_DBSTATUS_CACHE_USED_SHARED 11
#define SQLITE_DBSTATUS_CACHE_SPILL 12
#define SQLITE_DBSTATUS_MAX 12
/* No counters are kept: every valid op reports 0 and returns SQLITE_OK; an unknown op SQLITE_ERROR. */
SQLITE_API int sqlite3_db_status(sqlite3 *db, int op, int *pCur, int *pHiwtr, int resetFlg);

/* ---------------------------------------------------------------- statements */
#define SQLITE_PREPARE_PERSISTENT 0x01
#define SQLITE_PREPARE_NORMALIZE 0x02
#define SQLITE_PREPARE_NO_VTAB 0x04

SQLITE_API int sqlite3_prepare(sqlite3 *db, const char *zSql, int nByte, sqlite3_stmt **ppStmt,
                               const char **pzTail);
SQLITE_API int sqlite3_prepare_v2(sqlite3 *db, const char *zSql, int nByte, sqlite3_stmt **ppStmt,
                                  const char **pzTail);
SQLITE_API int sqlite3_prepare_v3(sqlite3 *db, const char *zSql, int nByte, unsigned int prepFlags,
                                  sqlite3_stmt **ppStmt, const char **pzTail);
SQLITE_API int sqlite3_step(sqlite3_stmt *stmt);
SQLITE_API int sqlite3_reset(sqlite3_stmt *stmt);
SQLITE_API int sqlite3_finalize(sqlite3_stmt *stmt);
SQLITE_API int sqlite3_clear_bindings(sqlite3_stmt *stmt);
SQLITE_API const char *sqlite3_sql(sqlite3_stmt *stmt);
SQLITE_API char *sqlite3_expanded_sql(sqlite3_stmt *stmt);
SQLITE_API int sqlite3_stmt_readonly(sqlite3_stmt *stmt);
SQLITE_API int sqlite3_stmt_busy(sqlite3_stmt *stmt);
SQLITE_API int sqlite3_stmt_isexplain(sqlite3_stmt *stmt);
SQLITE_API sqlite3 *sqlite3_db_handle(sqlite3_stmt *stmt);
SQLITE_API sqlite3_stmt *sqlite3_next_stmt(sqlite3 *db, sqlite3_stmt *stmt);

SQLITE_API int sqlite3_bind_null(sqlite3_stmt *stmt, int idx);
SQLITE_API int sqlite3_bind_int(sqlite3_stmt *stmt, int idx, int v);
SQLITE_API int sqlite3_bind_int64(sqlite3_stmt *stmt, int idx, sqlite3_int64 v);
SQLITE_API int sqlite3_bind_double(sqlite3_stmt *stmt, int idx, double v);
SQLITE_API int sqlite3_bind_text(sqlite3_stmt *stmt, int idx, const char *v, int n, void (*destroy)(void *));
SQLITE_API int sqlite3_bind_text64(sqlite3_stmt *stmt, int idx, const char *v, sqlite3_uint64 n,
                                   void (*destroy)(void *), unsigned char encoding);
SQLITE_API int sqlite3_bind_blob(sqlite3_stmt *stmt, int idx, const void *v, int n, void (*destroy)(void *));
SQLITE_API int sqlite3_bind_blob64(sqlite3_stmt *stmt, int idx, const void *v, sqlite3_uint64 n,
                                   void (*destroy)(void *));
SQLITE_API int sqlite3_bind_zeroblob(sqlite3_stmt *stmt, int idx, int n);
SQLITE_API int sqlite3_bind_zeroblob64(sqlite3_stmt *stmt, int idx, sqlite3_uint64 n);
SQLITE_API int sqlite3_bind_value(sqlite3_stmt *stmt, int idx, const sqlite3_value *v);
SQLITE_API int sqlite3_bind_parameter_count(sqlite3_stmt *stmt);
SQLITE_API const char *sqlite3_bind_parameter_name(sqlite3_stmt *stmt, int idx);
SQLITE_API int sqlite3_bind_parameter_index(sqlite3_stmt *stmt, const char *zName);

SQLITE_API int sqlite3_column_count(sqlite3_stmt *stmt);
SQLITE_API int sqlite3_data_count(sqlite3_stmt *stmt);
SQLITE_API const char *sqlite3_column_name(sqlite3_stmt *stmt, int col);
SQLITE_API const char *sqlite3_column_decltype(sqlite3_stmt *stmt, int col);
SQLITE_API const char *sqlite3_column_database_name(sqlite3_stmt *stmt, int col);
SQLITE_API const char *sqlite3_column_table_name(sqlite3_stmt *stmt, int col);
SQLITE_API const char *sqlite3_column_origin_name(sqlite3_stmt *stmt, int col);
SQLITE_API int sqlite3_column_type(sqlite3_stmt *stmt, int col);
SQLITE_API int sqlite3_column_int(sqlite3_stmt *stmt, int col);
SQLITE_API sqlite3_int64 sqlite3_column_int64(sqlite3_stmt *stmt, int col);
SQLITE_API double sqlite3_column_double(sqlite3_stmt *stmt, int col);
SQLITE_API const unsigned char *sqlite3_column_text(sqlite3_stmt *stmt, int col);
SQLITE_API const void *sqlite3_column_blob(sqlite3_stmt *stmt, int col);
SQLITE_API int sqlite3_column_bytes(sqlite3_stmt *stmt, int col);
SQLITE_API sqlite3_value *sqlite3_column_value(sqlite3_stmt *stmt, int col);

/* ---------------------------------------------------------------- values */
SQLITE_API int sqlite3_value_type(sqlite3_value *v);
SQLITE_API int sqlite3_value_numeric_type(sqlite3_value *v);
SQLITE_API int sqlite3_value_int(sqlite3_value *v);
SQLITE_API sqlite3_int64 sqlite3_value_int64(sqlite3_value *v);
SQLITE_API double sqlite3_value_double(sqlite3_value *v);
SQLITE_API const unsigned char *sqlite3_value_text(sqlite3_value *v);
SQLITE_API const void *sqlite3_value_blob(sqlite3_value *v);
SQLITE_API int sqlite3_value_bytes(sqlite3_value *v);
SQLITE_API unsigned int sqlite3_value_subtype(sqlite3_value *v);
SQLITE_API sqlite3_value *sqlite3_value_dup(const sqlite3_value *v);
SQLITE_API void sqlite3_value_free(sqlite3_value *v);

/* ---------------------------------------------------------------- user functions and collations */
SQLITE_API int sqlite3_create_function(sqlite3 *db, const char *zFunctionName, int nArg, int eTextRep,
                                       void *pApp, void (*xFunc)(sqlite3_context *, int, sqlite3_value **),
                                       void (*xStep)(sqlite3_context *, int, sqlite3_value **),
                                       void (*xFinal)(sqlite3_context *));
SQLITE_API int sqlite3_create_function_v2(sqlite3 *db, const char *zFunctionName, int nArg, int eTextRep,
                                          void *pApp, void (*xFunc)(sqlite3_context *, int, sqlite3_value **),
                                          void (*xStep)(sqlite3_context *, int, sqlite3_value **),
                                          void (*xFinal)(sqlite3_context *), void (*xDestroy)(void *));
SQLITE_API int sqlite3_create_window_function(sqlite3 *db, const char *zFunctionName, int nArg, int eTextRep,
                                              void *pApp,
                                              void (*xStep)(sqlite3_context *, int, sqlite3_value **),
                                              void (*xFinal)(sqlite3_context *),
                                              void (*xValue)(sqlite3_context *),
                                              void (*xInverse)(sqlite3_context *, int, sqlite3_value **),
                                              void (*xDestroy)(void *));
SQLITE_API int sqlite3_create_collation(sqlite3 *db, const char *zName, int eTextRep, void *pArg,
                                        int (*xCompare)(void *, int, const void *, int, const void *));
SQLITE_API int sqlite3_create_collation_v2(sqlite3 *db, const char *zName, int eTextRep, void *pArg,
                                           int (*xCompare)(void *, int, const void *, int, const void *),
                                           void (*xDestroy)(void *));

SQLITE_API void *sqlite3_aggregate_context(sqlite3_context *ctx, int nBytes);
SQLITE_API void *sqlite3_user_data(sqlite3_context *ctx);
SQLITE_API sqlite3 *sqlite3_context_db_handle(sqlite3_context *ctx);
SQLITE_API void *sqlite3_get_auxdata(sqlite3_context *ctx, int n);
SQLITE_API void sqlite3_set_auxdata(sqlite3_context *ctx, int n, void *p, void (*destroy)(void *));

SQLITE_API void sqlite3_result_null(sqlite3_context *ctx);
SQLITE_API void sqlite3_result_int(sqlite3_context *ctx, int v);
SQLITE_API void sqlite3_result_int64(sqlite3_context *ctx, sqlite3_int64 v);
SQLITE_API void sqlite3_result_double(sqlite3_context *ctx, double v);
SQLITE_API void sqlite3_result_text(sqlite3_context *ctx, const char *v, int n, void (*destroy)(void *));
SQLITE_API void sqlite3_result_text64(sqlite3_context *ctx, const char *v, sqlite3_uint64 n,
                                      void (*destroy)(void *), unsigned char encoding);
SQLITE_API void sqlite3_result_blob(sqlite3_context *ctx, const void *v, int n, void (*destroy)(void *));
SQLITE_API void sqlite3_result_blob64(sqlite3_context *ctx, const void *v, sqlite3_uint64 n,
                                      void (*destroy)(void *));
SQLITE_API void sqlite3_result_zeroblob(sqlite3_context *ctx, int n);
SQLITE_API int sqlite3_result_zeroblob64(sqlite3_context *ctx, sqlite3_uint64 n);
SQLITE_API void sqlite3_result_value(sqlite3_context *ctx, sqlite3_value *v);
SQLITE_API void sqlite3_result_error(sqlite3_context *ctx, const char *msg, int n);
SQLITE_API void sqlite3_result_error_code(sqlite3_context *ctx, int rc);
SQLITE_API void sqlite3_result_error_nomem(sqlite3_context *ctx);
SQLITE_API void sqlite3_result_error_toobig(sqlite3_context *ctx);
SQLITE_API void sqlite3_result_subtype(sqlite3_context *ctx, unsigned int subtype);

#ifdef __cplusplus
}
#endif
#endif /* MICA_SQLITE3_H */
