/*
 * test_sqlite3_api.c: unit tests of libmica-sqlite3, the sqlite3 C API over Mica.
 *
 * The same source is built twice: as engine/test_sqlite3_api, linked with libmica-sqlite3 and compiled
 * against engine/sqlite3.h, and as engine/test_sqlite3_api_system, compiled against the system's
 * <sqlite3.h> and linked with the real libsqlite3. The second build checks the expectations themselves:
 * every assertion here is one SQLite 3.40 satisfies, so a failure only in the first build is a Mica
 * difference. Nothing here depends on Mica-only behaviour.
 */
#include <check.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static sqlite3 *open_memory(void) {
  sqlite3 *db = NULL;
  ck_assert_int_eq(sqlite3_open(":memory:", &db), SQLITE_OK);
  ck_assert_ptr_nonnull(db);
  return db;
}

static void exec_ok(sqlite3 *db, const char *sql) {
  char *err = NULL;
  int rc = sqlite3_exec(db, sql, NULL, NULL, &err);
  ck_assert_msg(rc == SQLITE_OK, "exec(%s) failed: %d %s", sql, rc, err ? err : "");
  sqlite3_free(err);
}

/* Runs a one-row, one-column query and returns its text (static buffer). */
static const char *query_text(sqlite3 *db, const char *sql) {
  static char out[256];
  sqlite3_stmt *st = NULL;
  int rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
  ck_assert_msg(rc == SQLITE_OK, "prepare(%s): %s", sql, sqlite3_errmsg(db));
  rc = sqlite3_step(st);
  ck_assert_msg(rc == SQLITE_ROW, "step(%s): %d %s", sql, rc, sqlite3_errmsg(db));
  const unsigned char *t = sqlite3_column_text(st, 0);
  snprintf(out, sizeof out, "%s", t ? (const char *)t : "(null)");
  ck_assert_int_eq(sqlite3_step(st), SQLITE_DONE);
  ck_assert_int_eq(sqlite3_finalize(st), SQLITE_OK);
  return out;
}

START_TEST(test_versions_agree_with_header) {
  ck_assert_int_eq(sqlite3_libversion_number(), SQLITE_VERSION_NUMBER);
  ck_assert_str_eq(sqlite3_libversion(), SQLITE_VERSION);
  ck_assert_str_eq(sqlite3_version, SQLITE_VERSION);
  ck_assert_ptr_nonnull(sqlite3_sourceid());
}
END_TEST

START_TEST(test_query_returns_typed_columns) {
  sqlite3 *db = open_memory();
  exec_ok(db, "CREATE TABLE t(i INTEGER, r REAL, s TEXT, b BLOB, n)");
  exec_ok(db, "INSERT INTO t VALUES(42, 2.5, 'hello', x'0102ff', NULL)");
  sqlite3_stmt *st = NULL;
  const char *tail = NULL;
  const char *sql = "SELECT i, r, s, b, n FROM t; SELECT 2";
  ck_assert_int_eq(sqlite3_prepare_v2(db, sql, -1, &st, &tail), SQLITE_OK);
  ck_assert_str_eq(tail, " SELECT 2");
  ck_assert_int_eq(sqlite3_column_count(st), 5);
  ck_assert_int_eq(sqlite3_data_count(st), 0);
  ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
  ck_assert_int_eq(sqlite3_data_count(st), 5);
  ck_assert_int_eq(sqlite3_column_type(st, 0), SQLITE_INTEGER);
  ck_assert_int_eq(sqlite3_column_int(st, 0), 42);
  ck_assert(sqlite3_column_int64(st, 0) == 42);
  ck_assert_int_eq(sqlite3_column_type(st, 1), SQLITE_FLOAT);
  ck_assert(sqlite3_column_double(st, 1) == 2.5);
  ck_assert_int_eq(sqlite3_column_type(st, 2), SQLITE_TEXT);
  ck_assert_str_eq((const char *)sqlite3_column_text(st, 2), "hello");
  ck_assert_int_eq(sqlite3_column_bytes(st, 2), 5);
  ck_assert_int_eq(sqlite3_column_type(st, 3), SQLITE_BLOB);
  ck_assert_int_eq(sqlite3_column_bytes(st, 3), 3);
  ck_assert_int_eq(memcmp(sqlite3_column_blob(st, 3), "\x01\x02\xff", 3), 0);
  ck_assert_int_eq(sqlite3_column_type(st, 4), SQLITE_NULL);
  ck_assert_ptr_null(sqlite3_column_text(st, 4));
  /* Conversions: integer as text, real as text. */
  ck_assert_str_eq((const char *)sqlite3_column_text(st, 0), "42");
  ck_assert_str_eq((const char *)sqlite3_column_text(st, 1), "2.5");
  sqlite3_value *v = sqlite3_column_value(st, 0);
  ck_assert_int_eq(sqlite3_value_type(v), SQLITE_INTEGER);
  ck_assert_int_eq(sqlite3_step(st), SQLITE_DONE);
  ck_assert_int_eq(sqlite3_finalize(st), SQLITE_OK);
  ck_assert_int_eq(sqlite3_close(db), SQLITE_OK);
}
END_TEST

START_TEST(test_column_metadata_names_origin) {
  sqlite3 *db = open_memory();
  exec_ok(db, "CREATE TABLE people(id INTEGER PRIMARY KEY, name VARCHAR(20))");
  sqlite3_stmt *st = NULL;
  ck_assert_int_eq(sqlite3_prepare_v2(db, "SELECT name AS who, id + 1 FROM people", -1, &st, NULL),
                   SQLITE_OK);
  ck_assert_str_eq(sqlite3_column_name(st, 0), "who");
  ck_assert_str_eq(sqlite3_column_name(st, 1), "id + 1");
  ck_assert_str_eq(sqlite3_column_decltype(st, 0), "VARCHAR(20)");
  ck_assert_ptr_null(sqlite3_column_decltype(st, 1));
  ck_assert_str_eq(sqlite3_column_database_name(st, 0), "main");
  ck_assert_str_eq(sqlite3_column_table_name(st, 0), "people");
  ck_assert_str_eq(sqlite3_column_origin_name(st, 0), "name");
  ck_assert_ptr_null(sqlite3_column_origin_name(st, 1));
  sqlite3_finalize(st);
  sqlite3_close(db);
}
END_TEST

START_TEST(test_bind_every_type_and_read_back) {
  sqlite3 *db = open_memory();
  sqlite3_stmt *st = NULL;
  const char *sql = "SELECT ?1, ?2, :three, @four, $five, ?6, ?7, ?8, ?9, ?10";
  ck_assert_int_eq(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
  ck_assert_int_eq(sqlite3_bind_parameter_count(st), 10);
  ck_assert_int_eq(sqlite3_bind_null(st, 1), SQLITE_OK);
  ck_assert_int_eq(sqlite3_bind_int(st, 2, -7), SQLITE_OK);
  ck_assert_int_eq(sqlite3_bind_int64(st, 3, 1LL << 40), SQLITE_OK);
  ck_assert_int_eq(sqlite3_bind_double(st, 4, 0.25), SQLITE_OK);
  ck_assert_int_eq(sqlite3_bind_text(st, 5, "abcdef", 3, SQLITE_TRANSIENT), SQLITE_OK);
  ck_assert_int_eq(sqlite3_bind_text64(st, 6, "xyz", 3, SQLITE_STATIC, SQLITE_UTF8), SQLITE_OK);
  ck_assert_int_eq(sqlite3_bind_blob(st, 7, "\0\1", 2, SQLITE_STATIC), SQLITE_OK);
  ck_assert_int_eq(sqlite3_bind_blob64(st, 8, "\2\3\4", 3, SQLITE_TRANSIENT), SQLITE_OK);
  ck_assert_int_eq(sqlite3_bind_zeroblob(st, 9, 4), SQLITE_OK);
  ck_assert_int_eq(sqlite3_bind_zeroblob64(st, 10, 2), SQLITE_OK);
  ck_assert_int_eq(sqlite3_bind_int(st, 11, 1), SQLITE_RANGE);
  ck_assert_int_eq(sqlite3_bind_int(st, 0, 1), SQLITE_RANGE);
  ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
  ck_assert_int_eq(sqlite3_column_type(st, 0), SQLITE_NULL);
  ck_assert_int_eq(sqlite3_column_int(st, 1), -7);
  ck_assert(sqlite3_column_int64(st, 2) == (1LL << 40));
  ck_assert(sqlite3_column_double(st, 3) == 0.25);
  ck_assert_str_eq((const char *)sqlite3_column_text(st, 4), "abc");
  ck_assert_str_eq((const char *)sqlite3_column_text(st, 5), "xyz");
  ck_assert_int_eq(sqlite3_column_bytes(st, 6), 2);
  ck_assert_int_eq(memcmp(sqlite3_column_blob(st, 7), "\2\3\4", 3), 0);
  ck_assert_int_eq(sqlite3_column_bytes(st, 8), 4);
  ck_assert_int_eq(memcmp(sqlite3_column_blob(st, 8), "\0\0\0\0", 4), 0);
  ck_assert_int_eq(sqlite3_column_bytes(st, 9), 2);
  ck_assert_int_eq(sqlite3_step(st), SQLITE_DONE);
  /* reset keeps bindings; clear_bindings drops them. */
  ck_assert_int_eq(sqlite3_reset(st), SQLITE_OK);
  ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
  ck_assert_int_eq(sqlite3_column_int(st, 1), -7);
  ck_assert_int_eq(sqlite3_reset(st), SQLITE_OK);
  ck_assert_int_eq(sqlite3_clear_bindings(st), SQLITE_OK);
  ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
  ck_assert_int_eq(sqlite3_column_type(st, 1), SQLITE_NULL);
  /* bind_value copies a column value of another statement. */
  sqlite3_stmt *src = NULL;
  ck_assert_int_eq(sqlite3_prepare_v2(db, "SELECT 'copied'", -1, &src, NULL), SQLITE_OK);
  ck_assert_int_eq(sqlite3_step(src), SQLITE_ROW);
  ck_assert_int_eq(sqlite3_reset(st), SQLITE_OK);
  ck_assert_int_eq(sqlite3_bind_value(st, 1, sqlite3_column_value(src, 0)), SQLITE_OK);
  sqlite3_finalize(src);
  ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
  ck_assert_str_eq((const char *)sqlite3_column_text(st, 0), "copied");
  sqlite3_finalize(st);
  sqlite3_close(db);
}
END_TEST

START_TEST(test_bind_parameter_names_and_indexes) {
  sqlite3 *db = open_memory();
  sqlite3_stmt *st = NULL;
  ck_assert_int_eq(sqlite3_prepare_v2(db, "SELECT ?1, ?2, :three, @four, $five, ?", -1, &st, NULL),
                   SQLITE_OK);
  ck_assert_int_eq(sqlite3_bind_parameter_count(st), 6);
  ck_assert_str_eq(sqlite3_bind_parameter_name(st, 1), "?1");
  ck_assert_str_eq(sqlite3_bind_parameter_name(st, 3), ":three");
  ck_assert_str_eq(sqlite3_bind_parameter_name(st, 4), "@four");
  ck_assert_ptr_null(sqlite3_bind_parameter_name(st, 6));
  ck_assert_int_eq(sqlite3_bind_parameter_index(st, "$five"), 5);
  ck_assert_int_eq(sqlite3_bind_parameter_index(st, ":nosuch"), 0);
  sqlite3_finalize(st);
  sqlite3_close(db);
}
END_TEST

static int destroyed;
static void count_destroy(void *p) {
  destroyed++;
  free(p);
}

START_TEST(test_bind_destructor_runs) {
  sqlite3 *db = open_memory();
  sqlite3_stmt *st = NULL;
  ck_assert_int_eq(sqlite3_prepare_v2(db, "SELECT ?", -1, &st, NULL), SQLITE_OK);
  destroyed = 0;
  char *text = strdup("owned");
  ck_assert_int_eq(sqlite3_bind_text(st, 1, text, -1, count_destroy), SQLITE_OK);
  ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
  ck_assert_str_eq((const char *)sqlite3_column_text(st, 0), "owned");
  sqlite3_finalize(st);
  ck_assert_int_eq(destroyed, 1);
  sqlite3_close(db);
}
END_TEST

START_TEST(test_changes_rowid_and_autocommit) {
  sqlite3 *db = open_memory();
  exec_ok(db, "CREATE TABLE t(id INTEGER PRIMARY KEY, v)");
  exec_ok(db, "INSERT INTO t(v) VALUES('a'),('b'),('c')");
  ck_assert_int_eq(sqlite3_changes(db), 3);
  ck_assert(sqlite3_last_insert_rowid(db) == 3);
  exec_ok(db, "UPDATE t SET v = 'z' WHERE id > 1");
  ck_assert_int_eq(sqlite3_changes(db), 2);
  ck_assert(sqlite3_changes64(db) == 2);
  ck_assert_int_eq(sqlite3_total_changes(db), 5);
  ck_assert(sqlite3_total_changes64(db) == 5);
  ck_assert_int_eq(sqlite3_get_autocommit(db), 1);
  exec_ok(db, "BEGIN");
  ck_assert_int_eq(sqlite3_get_autocommit(db), 0);
  exec_ok(db, "INSERT INTO t VALUES(10, 'x')");
  ck_assert(sqlite3_last_insert_rowid(db) == 10);
  exec_ok(db, "ROLLBACK");
  ck_assert_int_eq(sqlite3_get_autocommit(db), 1);
  ck_assert_str_eq(query_text(db, "SELECT count(*) FROM t"), "3");
  sqlite3_set_last_insert_rowid(db, 99);
  ck_assert(sqlite3_last_insert_rowid(db) == 99);
  sqlite3_close(db);
}
END_TEST

START_TEST(test_errors_carry_codes_and_messages) {
  sqlite3 *db = open_memory();
  sqlite3_stmt *st = NULL;
  ck_assert_int_eq(sqlite3_prepare_v2(db, "SELEC 1", -1, &st, NULL), SQLITE_ERROR);
  ck_assert_ptr_null(st);
  ck_assert_int_eq(sqlite3_errcode(db), SQLITE_ERROR);
  ck_assert_str_eq(sqlite3_errmsg(db), "near \"SELEC\": syntax error");
  ck_assert_int_eq(sqlite3_error_offset(db), 0);
  exec_ok(db, "CREATE TABLE t(a UNIQUE)");
  exec_ok(db, "INSERT INTO t VALUES(1)");
  char *err = NULL;
  ck_assert_int_eq(sqlite3_exec(db, "INSERT INTO t VALUES(1)", NULL, NULL, &err), SQLITE_CONSTRAINT);
  ck_assert_str_eq(err, "UNIQUE constraint failed: t.a");
  sqlite3_free(err);
  ck_assert_int_eq(sqlite3_errcode(db), SQLITE_CONSTRAINT);
  ck_assert_int_eq(sqlite3_extended_errcode(db), SQLITE_CONSTRAINT_UNIQUE);
  ck_assert_str_eq(sqlite3_errstr(SQLITE_BUSY), "database is locked");
  ck_assert_str_eq(sqlite3_errstr(SQLITE_OK), "not an error");
  ck_assert_str_eq(sqlite3_errstr(SQLITE_CONSTRAINT), "constraint failed");
  /* Return values are primary codes unless extended result codes are turned on. */
  ck_assert_int_eq(sqlite3_prepare_v2(db, "INSERT INTO t VALUES(1)", -1, &st, NULL), SQLITE_OK);
  ck_assert_int_eq(sqlite3_step(st), SQLITE_CONSTRAINT);
  sqlite3_reset(st);
  ck_assert_int_eq(sqlite3_extended_result_codes(db, 1), SQLITE_OK);
  ck_assert_int_eq(sqlite3_step(st), SQLITE_CONSTRAINT_UNIQUE);
  sqlite3_finalize(st);
  ck_assert_int_eq(sqlite3_exec(db, "INSERT INTO t VALUES(1)", NULL, NULL, NULL), SQLITE_CONSTRAINT_UNIQUE);
  ck_assert_int_eq(sqlite3_extended_result_codes(db, 0), SQLITE_OK);
  ck_assert_int_eq(sqlite3_exec(db, "INSERT INTO t VALUES(1)", NULL, NULL, NULL), SQLITE_CONSTRAINT);
  /* A prepared statement over a missing table fails at prepare time. */
  ck_assert_int_eq(sqlite3_prepare_v2(db, "SELECT * FROM nosuch", -1, &st, NULL), SQLITE_ERROR);
  ck_assert_str_eq(sqlite3_errmsg(db), "no such table: nosuch");
  sqlite3_close(db);
}
END_TEST

START_TEST(test_foreign_key_errors_carry_extended_codes) {
  sqlite3 *db = open_memory();
  exec_ok(db, "PRAGMA foreign_keys = ON");
  exec_ok(db, "CREATE TABLE p(id INTEGER PRIMARY KEY)");
  exec_ok(db, "CREATE TABLE c(pid REFERENCES p ON DELETE RESTRICT)");
  exec_ok(db, "CREATE TABLE d(pid REFERENCES p DEFERRABLE INITIALLY DEFERRED)");
  exec_ok(db, "INSERT INTO p VALUES(1)");
  exec_ok(db, "INSERT INTO c VALUES(1)");
  ck_assert_int_eq(sqlite3_extended_result_codes(db, 1), SQLITE_OK);
  /* an immediate key: the statement fails */
  ck_assert_int_eq(sqlite3_exec(db, "INSERT INTO c VALUES(2)", NULL, NULL, NULL),
                   SQLITE_CONSTRAINT_FOREIGNKEY);
  ck_assert_str_eq(sqlite3_errmsg(db), "FOREIGN KEY constraint failed");
  /* RESTRICT is a trigger raising the error */
  ck_assert_int_eq(sqlite3_exec(db, "DELETE FROM p", NULL, NULL, NULL), SQLITE_CONSTRAINT_TRIGGER);
  ck_assert_str_eq(sqlite3_errmsg(db), "FOREIGN KEY constraint failed");
  /* a deferred key: COMMIT fails and the transaction stays open */
  exec_ok(db, "BEGIN");
  exec_ok(db, "INSERT INTO d VALUES(5)");
  ck_assert_int_eq(sqlite3_exec(db, "COMMIT", NULL, NULL, NULL), SQLITE_CONSTRAINT_FOREIGNKEY);
  ck_assert_int_eq(sqlite3_get_autocommit(db), 0);
  exec_ok(db, "INSERT INTO p VALUES(5)");
  exec_ok(db, "COMMIT");
  ck_assert_int_eq(sqlite3_get_autocommit(db), 1);
  ck_assert_str_eq(query_text(db, "SELECT group_concat(pid) FROM d"), "5");
  /* in autocommit mode the statement's transaction is rolled back */
  ck_assert_int_eq(sqlite3_exec(db, "INSERT INTO d VALUES(6)", NULL, NULL, NULL),
                   SQLITE_CONSTRAINT_FOREIGNKEY);
  ck_assert_str_eq(query_text(db, "SELECT count(*) FROM d"), "1");
  sqlite3_close(db);
}
END_TEST

START_TEST(test_reset_and_finalize_report_the_step_error) {
  sqlite3 *db = open_memory();
  exec_ok(db, "CREATE TABLE t(a UNIQUE); INSERT INTO t VALUES(1)");
  sqlite3_stmt *st = NULL;
  ck_assert_int_eq(sqlite3_prepare_v2(db, "INSERT INTO t VALUES(1)", -1, &st, NULL), SQLITE_OK);
  ck_assert_int_eq(sqlite3_step(st), SQLITE_CONSTRAINT);
  ck_assert_int_eq(sqlite3_reset(st), SQLITE_CONSTRAINT);
  ck_assert_int_eq(sqlite3_step(st), SQLITE_CONSTRAINT);
  ck_assert_int_eq(sqlite3_finalize(st), SQLITE_CONSTRAINT);
  sqlite3_close(db);
}
END_TEST

static int rows_seen;
static int collect_rows(void *arg, int ncol, char **values, char **names) {
  char *out = arg;
  for (int i = 0; i < ncol; i++) {
    strcat(out, names[i]);
    strcat(out, "=");
    strcat(out, values[i] ? values[i] : "NULL");
    strcat(out, ";");
  }
  return ++rows_seen >= 2; /* abort after two rows */
}

START_TEST(test_exec_callback_sees_rows_and_can_abort) {
  sqlite3 *db = open_memory();
  char out[256] = "";
  char *err = NULL;
  rows_seen = 0;
  int rc = sqlite3_exec(db, "SELECT 1 AS a, NULL AS b UNION ALL SELECT 2, 'x' UNION ALL SELECT 3, 'y'",
                        collect_rows, out, &err);
  ck_assert_int_eq(rc, SQLITE_ABORT);
  ck_assert_str_eq(err, "query aborted");
  sqlite3_free(err);
  ck_assert_str_eq(out, "a=1;b=NULL;a=2;b=x;");
  ck_assert_int_eq(rows_seen, 2);
  sqlite3_close(db);
}
END_TEST

START_TEST(test_get_table_layout_and_free) {
  sqlite3 *db = open_memory();
  exec_ok(db, "CREATE TABLE t(a, b); INSERT INTO t VALUES(1, 'one'), (2, NULL)");
  char **result = NULL;
  int nrow = -1, ncol = -1;
  char *err = NULL;
  ck_assert_int_eq(sqlite3_get_table(db, "SELECT a, b FROM t ORDER BY a", &result, &nrow, &ncol, &err),
                   SQLITE_OK);
  ck_assert_int_eq(nrow, 2);
  ck_assert_int_eq(ncol, 2);
  ck_assert_str_eq(result[0], "a");
  ck_assert_str_eq(result[1], "b");
  ck_assert_str_eq(result[2], "1");
  ck_assert_str_eq(result[3], "one");
  ck_assert_str_eq(result[4], "2");
  ck_assert_ptr_null(result[5]);
  sqlite3_free_table(result);
  ck_assert_int_eq(sqlite3_get_table(db, "SELECT * FROM nosuch", &result, &nrow, &ncol, &err), SQLITE_ERROR);
  ck_assert_str_eq(err, "no such table: nosuch");
  sqlite3_free(err);
  sqlite3_close(db);
}
END_TEST

/* ---- user functions */
static void fn_times(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  int *factor = sqlite3_user_data(ctx);
  ck_assert_ptr_nonnull(sqlite3_context_db_handle(ctx));
  if (sqlite3_value_type(argv[0]) == SQLITE_NULL) {
    sqlite3_result_null(ctx);
    return;
  }
  sqlite3_result_int64(ctx, sqlite3_value_int64(argv[0]) * *factor);
}

static void fn_describe(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  char buf[128];
  int n = 0;
  for (int i = 0; i < argc; i++) {
    static const char *names[] = {"?", "int", "real", "text", "blob", "null"};
    n += snprintf(buf + n, sizeof buf - n, "%s%s:%d", i ? "," : "", names[sqlite3_value_type(argv[i])],
                  sqlite3_value_bytes(argv[i]));
  }
  sqlite3_result_text(ctx, buf, -1, SQLITE_TRANSIENT);
}

static void fn_fail(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  sqlite3_result_error(ctx, "custom failure", -1);
}

struct sumsq {
  long long total;
  int count;
};

static void agg_step(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  struct sumsq *s = sqlite3_aggregate_context(ctx, sizeof *s);
  long long v = sqlite3_value_int64(argv[0]);
  s->total += v * v;
  s->count++;
}

static void agg_final(sqlite3_context *ctx) {
  struct sumsq *s = sqlite3_aggregate_context(ctx, 0);
  sqlite3_result_int64(ctx, s ? s->total : 0);
}

static void win_inverse(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  struct sumsq *s = sqlite3_aggregate_context(ctx, sizeof *s);
  long long v = sqlite3_value_int64(argv[0]);
  s->total -= v * v;
  s->count--;
}

static void win_value(sqlite3_context *ctx) {
  struct sumsq *s = sqlite3_aggregate_context(ctx, sizeof *s);
  sqlite3_result_int64(ctx, s->total);
}

static int fn_destroyed;
static void fn_destroy(void *p) { fn_destroyed++; }

START_TEST(test_scalar_function_gets_user_data) {
  sqlite3 *db = open_memory();
  static int three = 3;
  ck_assert_int_eq(sqlite3_create_function(db, "times", 1, SQLITE_UTF8 | SQLITE_DETERMINISTIC, &three,
                                           fn_times, NULL, NULL),
                   SQLITE_OK);
  ck_assert_str_eq(query_text(db, "SELECT times(14)"), "42");
  ck_assert_str_eq(query_text(db, "SELECT times(NULL) IS NULL"), "1");
  ck_assert_int_eq(sqlite3_create_function(db, "describe", -1, SQLITE_UTF8, NULL, fn_describe, NULL, NULL),
                   SQLITE_OK);
  ck_assert_str_eq(query_text(db, "SELECT describe(1, 2.5, 'abc', x'0102', NULL)"),
                   "int:1,real:3,text:3,blob:2,null:0");
  ck_assert_int_eq(sqlite3_create_function(db, "fail", 0, SQLITE_UTF8, NULL, fn_fail, NULL, NULL), SQLITE_OK);
  sqlite3_stmt *st = NULL;
  ck_assert_int_eq(sqlite3_prepare_v2(db, "SELECT fail()", -1, &st, NULL), SQLITE_OK);
  ck_assert_int_eq(sqlite3_step(st), SQLITE_ERROR);
  ck_assert_str_eq(sqlite3_errmsg(db), "custom failure");
  sqlite3_finalize(st);
  /* Wrong argument count is a prepare error. */
  ck_assert_int_eq(sqlite3_prepare_v2(db, "SELECT times(1, 2)", -1, &st, NULL), SQLITE_ERROR);
  ck_assert_str_eq(sqlite3_errmsg(db), "wrong number of arguments to function times()");
  sqlite3_close(db);
}
END_TEST

START_TEST(test_function_registration_misuse_is_rejected) {
  sqlite3 *db = open_memory();
  ck_assert_int_eq(sqlite3_create_function(db, "bad", 1, SQLITE_UTF8, NULL, fn_fail, agg_step, agg_final),
                   SQLITE_MISUSE);
  ck_assert_int_eq(sqlite3_create_function(db, "bad", 1, SQLITE_UTF8, NULL, NULL, agg_step, NULL),
                   SQLITE_MISUSE);
  ck_assert_int_eq(sqlite3_create_function(db, "bad", 200, SQLITE_UTF8, NULL, fn_fail, NULL, NULL),
                   SQLITE_MISUSE);
  sqlite3_close(db);
}
END_TEST

START_TEST(test_destroy_runs_when_function_replaced_or_db_closed) {
  sqlite3 *db = open_memory();
  fn_destroyed = 0;
  ck_assert_int_eq(sqlite3_create_function_v2(db, "f", 0, SQLITE_UTF8, NULL, fn_fail, NULL, NULL, fn_destroy),
                   SQLITE_OK);
  ck_assert_int_eq(sqlite3_create_function_v2(db, "f", 0, SQLITE_UTF8, NULL, fn_fail, NULL, NULL, fn_destroy),
                   SQLITE_OK);
  ck_assert_int_eq(fn_destroyed, 1);
  ck_assert_int_eq(sqlite3_close(db), SQLITE_OK);
  ck_assert_int_eq(fn_destroyed, 2);
}
END_TEST

START_TEST(test_aggregate_function_keeps_group_state) {
  sqlite3 *db = open_memory();
  exec_ok(db, "CREATE TABLE t(g, v); INSERT INTO t VALUES(1, 1), (1, 2), (2, 3), (2, 4), (2, 5)");
  ck_assert_int_eq(sqlite3_create_function(db, "sumsq", 1, SQLITE_UTF8, NULL, NULL, agg_step, agg_final),
                   SQLITE_OK);
  ck_assert_str_eq(
      query_text(db, "SELECT group_concat(s) FROM (SELECT sumsq(v) AS s FROM t GROUP BY g ORDER BY g)"),
      "5,50");
  ck_assert_str_eq(query_text(db, "SELECT sumsq(v) FROM t WHERE 0"), "0");
  sqlite3_close(db);
}
END_TEST

START_TEST(test_window_function_slides) {
  sqlite3 *db = open_memory();
  exec_ok(db, "CREATE TABLE t(v); INSERT INTO t VALUES(1), (2), (3), (4)");
  ck_assert_int_eq(sqlite3_create_window_function(db, "sumsq", 1, SQLITE_UTF8, NULL, agg_step, agg_final,
                                                  win_value, win_inverse, NULL),
                   SQLITE_OK);
  ck_assert_str_eq(query_text(db,
                              "SELECT group_concat(s) FROM (SELECT sumsq(v) OVER (ORDER BY v ROWS BETWEEN 1 "
                              "PRECEDING AND CURRENT ROW) AS s FROM t)"),
                   "1,5,13,25");
  sqlite3_close(db);
}
END_TEST

static int cmp_reverse(void *arg, int n1, const void *s1, int n2, const void *s2) {
  int n = n1 < n2 ? n1 : n2;
  int c = memcmp(s1, s2, n);
  if (c == 0) c = n1 - n2;
  return -c;
}

START_TEST(test_collation_orders_rows) {
  sqlite3 *db = open_memory();
  exec_ok(db, "CREATE TABLE t(s); INSERT INTO t VALUES('b'), ('a'), ('c')");
  ck_assert_int_eq(sqlite3_create_collation(db, "rev", SQLITE_UTF8, NULL, cmp_reverse), SQLITE_OK);
  ck_assert_str_eq(query_text(db, "SELECT group_concat(s, '') FROM (SELECT s FROM t ORDER BY s COLLATE rev)"),
                   "cba");
  fn_destroyed = 0;
  ck_assert_int_eq(sqlite3_create_collation_v2(db, "rev2", SQLITE_UTF8, NULL, cmp_reverse, fn_destroy),
                   SQLITE_OK);
  ck_assert_str_eq(query_text(db, "SELECT 'a' < 'b' COLLATE rev2"), "0");
  sqlite3_close(db);
  ck_assert_int_eq(fn_destroyed, 1);
}
END_TEST

START_TEST(test_printf_family_quotes) {
  char *s = sqlite3_mprintf("%q|%Q|%Q|%w|%d|%s", "it's", "x'y", (char *)NULL, "a\"b", 42, "end");
  ck_assert_str_eq(s, "it''s|'x''y'|NULL|a\"\"b|42|end");
  sqlite3_free(s);
  char buf[8];
  ck_assert_ptr_eq(sqlite3_snprintf(sizeof buf, buf, "%s-%d", "abcdef", 12345), buf);
  ck_assert_str_eq(buf, "abcdef-");
  void *p = sqlite3_malloc(16);
  ck_assert_ptr_nonnull(p);
  p = sqlite3_realloc(p, 64);
  ck_assert_ptr_nonnull(p);
  sqlite3_free(p);
  p = sqlite3_malloc64(8);
  ck_assert_ptr_nonnull(p);
  sqlite3_free(p);
  ck_assert_ptr_null(sqlite3_malloc(0));
}
END_TEST

START_TEST(test_complete_detects_statement_end) {
  ck_assert_int_eq(sqlite3_complete("SELECT 1;"), 1);
  ck_assert_int_eq(sqlite3_complete("SELECT 1"), 0);
  ck_assert_int_eq(sqlite3_complete("SELECT ';'"), 0);
  ck_assert_int_eq(sqlite3_complete("CREATE TRIGGER tr AFTER INSERT ON t BEGIN SELECT 1;"), 0);
  ck_assert_int_eq(sqlite3_complete("CREATE TRIGGER tr AFTER INSERT ON t BEGIN SELECT 1; END;"), 1);
}
END_TEST

START_TEST(test_complete_allows_trailing_comment) {
  ck_assert_int_eq(sqlite3_complete("SELECT 1; -- done"), 1);
  ck_assert_int_eq(sqlite3_complete("SELECT 1; /* done */"), 1);
}
END_TEST

START_TEST(test_expanded_sql_inlines_parameters) {
  sqlite3 *db = open_memory();
  sqlite3_stmt *st = NULL;
  ck_assert_int_eq(sqlite3_prepare_v2(db, "SELECT ?, ?, ?, ?", -1, &st, NULL), SQLITE_OK);
  sqlite3_bind_text(st, 1, "it's", -1, SQLITE_STATIC);
  sqlite3_bind_int(st, 2, 42);
  sqlite3_bind_double(st, 3, 0.5);
  char *x = sqlite3_expanded_sql(st);
  ck_assert_str_eq(x, "SELECT 'it''s', 42, 0.5, NULL");
  sqlite3_free(x);
  sqlite3_finalize(st);
  /* named and numbered parameters, blobs, floats; a '?' inside a string is not a parameter */
  ck_assert_int_eq(sqlite3_prepare_v2(db, "SELECT :a, ?5, ?, @a, '?', -- ?\n :a", -1, &st, NULL), SQLITE_OK);
  sqlite3_bind_text(st, 1, "x", -1, SQLITE_STATIC);
  sqlite3_bind_blob(st, 5, "\x00\xff", 2, SQLITE_STATIC);
  sqlite3_bind_double(st, 6, 1e100);
  sqlite3_bind_double(st, 7, 0.1);
  x = sqlite3_expanded_sql(st);
  ck_assert_str_eq(x, "SELECT 'x', x'00ff', 1.0e+100, 0.1, '?', -- ?\n 'x'");
  sqlite3_free(x);
  sqlite3_finalize(st);
  sqlite3_close(db);
}
END_TEST

START_TEST(test_statement_introspection) {
  sqlite3 *db = open_memory();
  exec_ok(db, "CREATE TABLE t(a)");
  sqlite3_stmt *sel = NULL, *ins = NULL;
  ck_assert_int_eq(
      sqlite3_prepare_v3(db, "SELECT a FROM t WHERE a > ?", -1, SQLITE_PREPARE_PERSISTENT, &sel, NULL),
      SQLITE_OK);
  ck_assert_int_eq(sqlite3_prepare(db, "INSERT INTO t VALUES(?)", -1, &ins, NULL), SQLITE_OK);
  ck_assert_str_eq(sqlite3_sql(sel), "SELECT a FROM t WHERE a > ?");
  ck_assert_int_eq(sqlite3_stmt_readonly(sel), 1);
  ck_assert_int_eq(sqlite3_stmt_readonly(ins), 0);
  ck_assert_int_eq(sqlite3_stmt_isexplain(sel), 0);
  ck_assert_ptr_eq(sqlite3_db_handle(sel), db);
  sqlite3_bind_text(ins, 1, "it's", -1, SQLITE_STATIC);
  ck_assert_int_eq(sqlite3_step(ins), SQLITE_DONE);
  sqlite3_bind_int(sel, 1, 0);
  ck_assert_int_eq(sqlite3_stmt_busy(sel), 0);
  ck_assert_int_eq(sqlite3_step(sel), SQLITE_ROW);
  ck_assert_int_eq(sqlite3_stmt_busy(sel), 1);
  /* Both statements are listed by next_stmt. */
  int n = 0;
  for (sqlite3_stmt *s = sqlite3_next_stmt(db, NULL); s; s = sqlite3_next_stmt(db, s))
    n++;
  ck_assert_int_eq(n, 2);
  sqlite3_finalize(sel);
  sqlite3_finalize(ins);
  ck_assert_ptr_null(sqlite3_next_stmt(db, NULL));
  ck_assert_int_eq(sqlite3_close(db), SQLITE_OK);
}
END_TEST

START_TEST(test_close_busy_until_finalized) {
  sqlite3 *db = open_memory();
  sqlite3_stmt *st = NULL;
  ck_assert_int_eq(sqlite3_prepare_v2(db, "SELECT 1", -1, &st, NULL), SQLITE_OK);
  ck_assert_int_eq(sqlite3_close(db), SQLITE_BUSY);
  sqlite3_finalize(st);
  ck_assert_int_eq(sqlite3_close(db), SQLITE_OK);
  /* close_v2 defers the close to the last finalize. */
  db = open_memory();
  ck_assert_int_eq(sqlite3_prepare_v2(db, "SELECT 1", -1, &st, NULL), SQLITE_OK);
  ck_assert_int_eq(sqlite3_close_v2(db), SQLITE_OK);
  ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
  ck_assert_int_eq(sqlite3_finalize(st), SQLITE_OK);
  ck_assert_int_eq(sqlite3_close(NULL), SQLITE_OK);
}
END_TEST

START_TEST(test_file_database_persists) {
  char path[64];
  snprintf(path, sizeof path, "/tmp/test_sqlite3_api_%d.db", (int)getpid());
  remove(path);
  sqlite3 *db = NULL;
  ck_assert_int_eq(sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL), SQLITE_OK);
  exec_ok(db, "CREATE TABLE t(a); INSERT INTO t VALUES('kept')");
  const char *fn = sqlite3_db_filename(db, "main");
  ck_assert_ptr_nonnull(fn);
  ck_assert_ptr_nonnull(strstr(fn, "test_sqlite3_api_"));
  ck_assert_int_eq(sqlite3_busy_timeout(db, 100), SQLITE_OK);
  ck_assert_int_eq(sqlite3_close(db), SQLITE_OK);
  ck_assert_int_eq(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
  ck_assert_str_eq(query_text(db, "SELECT a FROM t"), "kept");
  char *err = NULL;
  ck_assert_int_eq(sqlite3_exec(db, "INSERT INTO t VALUES(1)", NULL, NULL, &err), SQLITE_READONLY);
  sqlite3_free(err);
  sqlite3_close(db);
  /* A missing file without CREATE cannot be opened; the handle still explains why. */
  remove(path);
  char wal[80];
  snprintf(wal, sizeof wal, "%s-wal", path);
  remove(wal);
  ck_assert_int_eq(sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL), SQLITE_CANTOPEN);
  ck_assert_str_eq(sqlite3_errmsg(db), "unable to open database file");
  sqlite3_close(db);
}
END_TEST

static void fn_interrupt(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  if (sqlite3_value_int(argv[0]) == 5) sqlite3_interrupt(sqlite3_context_db_handle(ctx));
  sqlite3_result_int(ctx, 0);
}

START_TEST(test_interrupt_stops_running_statement) {
  sqlite3 *db = open_memory();
  ck_assert_int_eq(
      sqlite3_create_function(db, "maybe_interrupt", 1, SQLITE_UTF8, NULL, fn_interrupt, NULL, NULL),
      SQLITE_OK);
  exec_ok(db, "CREATE TABLE c(x)");
  sqlite3_stmt *st = NULL;
  ck_assert_int_eq(sqlite3_prepare_v2(db, "INSERT INTO c VALUES(?)", -1, &st, NULL), SQLITE_OK);
  exec_ok(db, "BEGIN");
  for (int i = 1; i <= 1000; i++) {
    sqlite3_bind_int(st, 1, i);
    ck_assert_int_eq(sqlite3_step(st), SQLITE_DONE);
    sqlite3_reset(st);
  }
  exec_ok(db, "COMMIT");
  sqlite3_finalize(st);
  const char *sql = "SELECT sum(maybe_interrupt(x)) FROM c";
  ck_assert_int_eq(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
  ck_assert_int_eq(sqlite3_step(st), SQLITE_INTERRUPT);
  sqlite3_finalize(st);
  /* The connection works again afterwards. */
  ck_assert_str_eq(query_text(db, "SELECT 7"), "7");
  sqlite3_close(db);
}
END_TEST

static int progress_calls(void *arg) {
  int *n = arg;
  return ++*n >= 3; /* stop on the third call */
}

/* The progress handler runs during a long statement and stops it by returning non-zero; removed, it
 * lets the same statement finish. */
START_TEST(test_progress_handler_interrupts) {
  sqlite3 *db = open_memory();
  const char *sql = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 100000) "
                    "SELECT count(*) FROM c";
  int calls = 0;
  sqlite3_progress_handler(db, 100, progress_calls, &calls);
  sqlite3_stmt *st = NULL;
  ck_assert_int_eq(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
  ck_assert_int_eq(sqlite3_step(st), SQLITE_INTERRUPT);
  sqlite3_finalize(st);
  ck_assert_int_eq(calls, 3);
  sqlite3_progress_handler(db, 0, NULL, NULL);
  ck_assert_str_eq(query_text(db, sql), "100000");
  ck_assert_int_eq(calls, 3);
  sqlite3_close(db);
}
END_TEST

START_TEST(test_status_calls_succeed) {
  int cur = -1, hi = -1;
  ck_assert_int_eq(sqlite3_status(SQLITE_STATUS_MEMORY_USED, &cur, &hi, 0), SQLITE_OK);
  ck_assert_int_ge(cur, 0);
  sqlite3_int64 cur64 = -1, hi64 = -1;
  ck_assert_int_eq(sqlite3_status64(SQLITE_STATUS_MALLOC_COUNT, &cur64, &hi64, 0), SQLITE_OK);
  ck_assert(cur64 >= 0);
  sqlite3 *db = open_memory();
  ck_assert_int_eq(sqlite3_db_status(db, SQLITE_DBSTATUS_CACHE_USED, &cur, &hi, 0), SQLITE_OK);
  ck_assert_int_ge(cur, 0);
  ck_assert_int_eq(sqlite3_db_status(db, 999, &cur, &hi, 0), SQLITE_ERROR);
  sqlite3_close(db);
}
END_TEST

#define ADD(tc, t) tcase_add_test(tc, t)

static Suite *sqlite3_api_suite(void) {
  Suite *s = suite_create("sqlite3_api");
  TCase *tc = tcase_create("core");
  ADD(tc, test_versions_agree_with_header);
  ADD(tc, test_query_returns_typed_columns);
  ADD(tc, test_column_metadata_names_origin);
  ADD(tc, test_bind_every_type_and_read_back);
  ADD(tc, test_bind_parameter_names_and_indexes);
  ADD(tc, test_bind_destructor_runs);
  ADD(tc, test_changes_rowid_and_autocommit);
  ADD(tc, test_errors_carry_codes_and_messages);
  ADD(tc, test_foreign_key_errors_carry_extended_codes);
  ADD(tc, test_reset_and_finalize_report_the_step_error);
  ADD(tc, test_exec_callback_sees_rows_and_can_abort);
  ADD(tc, test_get_table_layout_and_free);
  ADD(tc, test_printf_family_quotes);
  ADD(tc, test_complete_detects_statement_end);
  ADD(tc, test_complete_allows_trailing_comment);
  ADD(tc, test_expanded_sql_inlines_parameters);
  ADD(tc, test_statement_introspection);
  ADD(tc, test_close_busy_until_finalized);
  ADD(tc, test_file_database_persists);
  ADD(tc, test_status_calls_succeed);
  suite_add_tcase(s, tc);
  TCase *fn = tcase_create("functions");
  ADD(fn, test_scalar_function_gets_user_data);
  ADD(fn, test_function_registration_misuse_is_rejected);
  ADD(fn, test_destroy_runs_when_function_replaced_or_db_closed);
  ADD(fn, test_aggregate_function_keeps_group_state);
  ADD(fn, test_window_function_slides);
  ADD(fn, test_collation_orders_rows);
  ADD(fn, test_interrupt_stops_running_statement);
  ADD(fn, test_progress_handler_interrupts);
  suite_add_tcase(s, fn);
  return s;
}

int main(void) {
  SRunner *sr = srunner_create(sqlite3_api_suite());
  srunner_run_all(sr, CK_NORMAL);
  int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
