/*
 * test_sql.c: SQL through mica.h, checked two ways:
 *   - differential: each script runs on a fresh :memory: database in Mica and in the system
 *     libsqlite3; every statement's outcome (rows rendered as text with their types, or the error
 *     message) must be identical;
 *   - direct assertions on API behaviour (errors, offsets, bindings, changes, schema text).
 */
#include <check.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mica.h"

typedef struct Buf {
  char *z;
  size_t n, cap;
} Buf;

static void buf_add(Buf *b, const char *s) {
  size_t k = strlen(s);
  if (b->n + k + 1 > b->cap) {
    b->cap = (b->n + k + 1) * 2;
    b->z = realloc(b->z, b->cap);
  }
  memcpy(b->z + b->n, s, k + 1);
  b->n += k;
}

static void render(Buf *b, int type, const char *text) {
  char tmp[64];
  snprintf(tmp, sizeof tmp, "%c:", "?IRTBN"[type >= 1 && type <= 5 ? type : 0]);
  buf_add(b, tmp);
  buf_add(b, type == 5 ? "NULL" : text ? text : "");
  buf_add(b, "|");
}

/* Runs every statement of sql in Mica, appending outcomes to b. */
static void run_mica(const char *sql, Buf *b) {
  mica_db *db;
  ck_assert_int_eq(mica_open(":memory:", MICA_OPEN_READWRITE | MICA_OPEN_CREATE, &db), MICA_OK);
  const char *p = sql;
  while (*p) {
    mica_stmt *st = NULL;
    const char *tail = NULL;
    int rc = mica_prepare(db, p, -1, &st, &tail);
    if (rc != MICA_OK) {
      buf_add(b, "ERR:");
      buf_add(b, mica_errmsg(db));
      buf_add(b, "\n");
      /* skip to the next statement */
      const char *semi = strchr(p, ';');
      if (!semi) break;
      p = semi + 1;
      continue;
    }
    if (!st) break;
    for (;;) {
      rc = mica_step(st);
      if (rc != MICA_ROW) break;
      for (int i = 0; i < mica_column_count(st); i++)
        render(b, mica_column_type(st, i), (const char *)mica_column_text(st, i));
      buf_add(b, "\n");
    }
    if (rc != MICA_DONE) {
      buf_add(b, "ERR:");
      buf_add(b, mica_errmsg(db));
      buf_add(b, "\n");
    }
    mica_finalize(st);
    p = tail;
  }
  ck_assert_int_eq(mica_close(db), MICA_OK);
}

static void run_sqlite(const char *sql, Buf *b) {
  sqlite3 *db;
  ck_assert_int_eq(sqlite3_open(":memory:", &db), SQLITE_OK);
  const char *p = sql;
  while (*p) {
    sqlite3_stmt *st = NULL;
    const char *tail = NULL;
    int rc = sqlite3_prepare_v2(db, p, -1, &st, &tail);
    if (rc != SQLITE_OK) {
      buf_add(b, "ERR:");
      buf_add(b, sqlite3_errmsg(db));
      buf_add(b, "\n");
      const char *semi = strchr(p, ';');
      if (!semi) break;
      p = semi + 1;
      continue;
    }
    if (!st) break;
    for (;;) {
      rc = sqlite3_step(st);
      if (rc != SQLITE_ROW) break;
      for (int i = 0; i < sqlite3_column_count(st); i++)
        render(b, sqlite3_column_type(st, i), (const char *)sqlite3_column_text(st, i));
      buf_add(b, "\n");
    }
    if (rc != SQLITE_DONE) {
      buf_add(b, "ERR:");
      buf_add(b, sqlite3_errmsg(db));
      buf_add(b, "\n");
    }
    sqlite3_finalize(st);
    p = tail;
  }
  sqlite3_close(db);
}

static void same_as_sqlite(const char *sql) {
  Buf a = {0}, b = {0};
  buf_add(&a, "");
  buf_add(&b, "");
  run_mica(sql, &a);
  run_sqlite(sql, &b);
  if (strcmp(a.z, b.z) != 0) fprintf(stderr, "SQL: %s\nmica:\n%s\nsqlite:\n%s\n", sql, a.z, b.z);
  ck_assert_str_eq(a.z, b.z);
  free(a.z);
  free(b.z);
}

/* Limits give SQLite's errors: a LIKE/GLOB pattern over 50000 bytes (the operator, not only like()),
 * a bad ESCAPE, more than 127 function arguments. */
START_TEST(test_limits_like_pattern_and_function_args) {
  char *sql = malloc(60100);
  strcpy(sql, "SELECT 'a' LIKE '");
  memset(sql + strlen(sql), 'a', 60000);
  strcpy(sql + 17 + 60000, "'; SELECT 'a' GLOB 'a', 'abc' LIKE 'a%' ESCAPE 'xy'");
  same_as_sqlite(sql);
  same_as_sqlite("SELECT x'41' LIKE 'A', 'A' LIKE x'41', NULL LIKE 'a', 'a' NOT LIKE 'b', 'a' NOT GLOB NULL, "
                 "'a_c' LIKE 'a\\_c' ESCAPE '\\', 'abc' NOT LIKE 'a%' ESCAPE NULL");
  strcpy(sql, "SELECT max(1");
  for (int i = 0; i < 127; i++)
    strcat(sql, ",1");
  strcat(sql, ")");
  same_as_sqlite(sql);
  free(sql);
}
END_TEST

/* mica_bind_parameter_decltype: the declared type each parameter meets. */
START_TEST(test_parameter_decltypes) {
  mica_db *db;
  ck_assert_int_eq(mica_open(":memory:", 0, &db), MICA_OK);
  ck_assert_int_eq(mica_exec(db, "CREATE TABLE t(a INTEGER, b VARCHAR(5), c)", NULL, NULL, NULL), MICA_OK);
  static const struct {
    const char *sql;
    const char *want[4];
  } cases[] = {
      {"SELECT * FROM t WHERE a = ?1 AND ?2 > b AND c = ?3", {"INTEGER", "VARCHAR(5)", NULL}},
      {"INSERT INTO t(b, a) VALUES(?, ?)", {"VARCHAR(5)", "INTEGER"}},
      {"UPDATE t SET b = ? WHERE a BETWEEN ? AND ? AND c IN (?, 3)", {"VARCHAR(5)", "INTEGER", "INTEGER"}},
      {"SELECT CAST(? AS REAL), ? + 1 FROM t LIMIT ? OFFSET ?", {"REAL", "INTEGER", "BIGINT", "BIGINT"}},
  };
  for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
    mica_stmt *st;
    ck_assert_int_eq(mica_prepare(db, cases[k].sql, -1, &st, NULL), MICA_OK);
    for (int i = 0; i < 4; i++) {
      const char *got = mica_bind_parameter_decltype(st, i + 1);
      if (cases[k].want[i])
        ck_assert_msg(got && !strcmp(got, cases[k].want[i]), "%s: ?%d is %s", cases[k].sql, i + 1, got);
      else
        ck_assert_msg(!got, "%s: ?%d is %s", cases[k].sql, i + 1, got);
    }
    mica_finalize(st);
  }
  mica_close(db);
}
END_TEST

/* Stand-ins for the array functions pgwire registers: each returns its last (hidden type) argument. */
static void last_arg(mica_context *ctx, int argc, mica_value **argv) {
  mica_result_value(ctx, argv[argc - 1]);
}
static void last_arg_final(mica_context *ctx) { (void)ctx; }
static void true_fn(mica_context *ctx, int argc, mica_value **argv) {
  (void)argc;
  (void)argv;
  mica_result_int(ctx, 1);
}

/* PostgreSQL arrays in the planner: the hidden element-type argument, result types (what RowDescription
 * announces), parameter types, and the stored CREATE TABLE text that sqlite3 must be able to read. */
START_TEST(test_postgres_array_types) {
  mica_db *db;
  ck_assert_int_eq(mica_open(":memory:", 0, &db), MICA_OK);
  ck_assert_int_eq(mica_db_config(db, MICA_DBCONFIG_DIALECT, MICA_DIALECT_POSTGRES), MICA_OK);
  static const struct {
    const char *name;
    int nargs;
  } fns[] = {{"pg_array", -1},     {"pg_subscript", 3}, {"pg_any", 4},        {"pg_all", 4},
             {"pg_cast_array", 2}, {"array_append", 3}, {"array_prepend", 3}, {"array_position", 3},
             {"array_length", 2},  {"array_cat", 2}};
  for (size_t i = 0; i < sizeof fns / sizeof fns[0]; i++)
    ck_assert_int_eq(mica_create_function(db, fns[i].name, fns[i].nargs, MICA_UTF8, NULL, last_arg, NULL,
                                          NULL, NULL, NULL, NULL),
                     MICA_OK);
  ck_assert_int_eq(
      mica_create_function(db, "pg_any", 4, MICA_UTF8, NULL, true_fn, NULL, NULL, NULL, NULL, NULL),
      MICA_OK); /* for the CHECK */
  ck_assert_int_eq(mica_create_function(db, "array_agg", 2, MICA_UTF8, NULL, NULL, last_arg, last_arg_final,
                                        NULL, NULL, NULL),
                   MICA_OK);
  ck_assert_int_eq(mica_exec(db,
                             "CREATE TABLE t(id int, a int4[], v varchar(10)[] DEFAULT ARRAY['x'], "
                             "c int CHECK (c = ANY('{1,2}'::int[])), e int[] CHECK (e[1] > 0))",
                             NULL, NULL, NULL),
                   MICA_OK);
  static const struct {
    const char *sql;
    const char *types[4];  /* result column types */
    const char *values[4]; /* the hidden arguments seen by the stand-ins */
  } cases[] = {
      {"SELECT ARRAY[1, 2], ARRAY[1, 2.5], ARRAY['a', NULL], ARRAY[id, 3000000000] FROM t",
       {"INTEGER[]", "NUMERIC[]", "TEXT[]", "BIGINT[]"},
       {"INTEGER[]", "NUMERIC[]", "TEXT[]", "BIGINT[]"}},
      {"SELECT a[1], v[2], id <> ALL(a), a || 5 FROM t",
       {"int4", "varchar(10)", "BOOLEAN", "int4[]"},
       {"int4[]", "varchar[](10)", "int4[]", "int4[]"}},
      {"SELECT '{1}'::int[], ARRAY[]::text[], array_length(a, 1), array_cat(a, a) FROM t",
       {"int[]", "text[]", "INTEGER", "int4[]"},
       {"int[]", "text[]", NULL, NULL}},
      {"SELECT x, y, z FROM (SELECT ARRAY[1] AS x, a AS y, 2 AS z FROM t UNION ALL SELECT NULL, NULL, 3) s",
       {"INTEGER[]", "int4[]", "INTEGER"},
       {"INTEGER[]", NULL, NULL}},
      {"SELECT array_agg(id ORDER BY id DESC), 0 || a, array_position(a, 3) FROM t",
       {"int[]", "int4[]", "INTEGER"},
       {NULL, "int4[]", "int4[]"}},
  };
  for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
    mica_stmt *st;
    ck_assert_msg(mica_prepare(db, cases[k].sql, -1, &st, NULL) == MICA_OK, "%s: %s", cases[k].sql,
                  mica_errmsg(db));
    for (int i = 0; i < 4 && cases[k].types[i]; i++) {
      const char *got = mica_column_exprtype(st, i);
      ck_assert_msg(got && !strcasecmp(got, cases[k].types[i]), "%s: column %d is %s", cases[k].sql, i, got);
    }
    mica_finalize(st);
  }
  /* pg_array(..., 'INTEGER[]') etc.: the hidden argument comes back as the value */
  ck_assert_int_eq(mica_exec(db, "INSERT INTO t VALUES (1, '{1}', '{x}', 1, '{1}')", NULL, NULL, NULL),
                   MICA_OK);
  for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
    mica_stmt *st;
    ck_assert_int_eq(mica_prepare(db, cases[k].sql, -1, &st, NULL), MICA_OK);
    ck_assert_int_eq(mica_step(st), MICA_ROW);
    for (int i = 0; i < 4; i++) {
      if (!cases[k].values[i]) continue;
      const char *got = (const char *)mica_column_text(st, i);
      ck_assert_msg(got && !strcasecmp(got, cases[k].values[i]), "%s: value %d is %s", cases[k].sql, i, got);
    }
    mica_finalize(st);
  }
  /* parameters meet the arrays' types */
  mica_stmt *st;
  ck_assert_int_eq(
      mica_prepare(db, "SELECT id FROM t WHERE id = ANY($1) AND $2 <> ALL(a) AND a = $3", -1, &st, NULL),
      MICA_OK);
  ck_assert_str_eq(mica_bind_parameter_decltype(st, 1), "int[]");
  ck_assert_str_eq(mica_bind_parameter_decltype(st, 2), "int4");
  ck_assert_str_eq(mica_bind_parameter_decltype(st, 3), "int4[]");
  mica_finalize(st);
  ck_assert_int_eq(mica_prepare(db, "INSERT INTO t (v) VALUES ($1)", -1, &st, NULL), MICA_OK);
  ck_assert_str_eq(mica_bind_parameter_decltype(st, 1), "varchar[](10)");
  mica_finalize(st);
  /* ARRAY[] needs a type; arrays of arrays are not supported */
  ck_assert_int_eq(mica_prepare(db, "SELECT ARRAY[]", -1, &st, NULL), MICA_ERROR);
  ck_assert_str_eq(mica_errmsg(db), "cannot determine type of empty array");
  ck_assert_int_eq(mica_prepare(db, "SELECT ARRAY[a] FROM t", -1, &st, NULL), MICA_ERROR);
  ck_assert_str_eq(mica_errmsg(db), "multidimensional arrays are not supported");
  ck_assert_int_eq(mica_prepare(db, "SELECT length(id ORDER BY id) FROM t", -1, &st, NULL), MICA_ERROR);
  /* the stored text is SQLite syntax */
  ck_assert_int_eq(mica_prepare(db, "SELECT sql FROM sqlite_schema", -1, &st, NULL), MICA_OK);
  ck_assert_int_eq(mica_step(st), MICA_ROW);
  ck_assert_str_eq((const char *)mica_column_text(st, 0),
                   "CREATE TABLE t(id int, a int4[], v varchar[](10) DEFAULT (pg_array('x')), c int CHECK "
                   "(pg_any(c , CAST('{1,2}' AS int[]), '=')), e int[] CHECK (pg_subscript(e, 1) > 0))");
  mica_finalize(st);
  mica_close(db);
}
END_TEST

/* WITH before INSERT, UPDATE and DELETE (regression: "no such table" for the CTE). */
START_TEST(test_with_before_dml) {
  same_as_sqlite(
      "CREATE TABLE s(x); WITH RECURSIVE g(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM g WHERE x < 3) "
      "INSERT INTO s SELECT x FROM g; INSERT INTO s WITH h(y) AS (VALUES(9)) SELECT y FROM h; "
      "WITH d(k) AS (VALUES(1)) DELETE FROM s WHERE x IN (SELECT k FROM d); "
      "WITH u(k) AS (VALUES(2)) UPDATE s SET x = 20 WHERE x IN (SELECT k FROM u) RETURNING x; "
      "SELECT * FROM s ORDER BY x");
}
END_TEST

START_TEST(test_select_constant_expressions) {
  same_as_sqlite(
      "SELECT 1, 2.5, 'x', NULL, 1+2*3, 7/2, 7%3, -5/2, 7.0/2, 1/0, 'a'||'b'||3;"
      "SELECT 9223372036854775807+1, -(-9223372036854775807-1), 5.5%2, 1<<3, -1>>1, ~5;"
      "SELECT 1=1, 1<2, 'a'<'b', NULL=NULL, NULL IS NULL, 1 IS NOT 2, 3 BETWEEN 1 AND 5;"
      "SELECT 2 IN (1,2,3), 4 IN (1,2), NULL IN (1), 1 IN (NULL,1), 5 NOT IN (1,NULL);"
      "SELECT CASE 1 WHEN 1 THEN 'one' ELSE 'other' END, CASE WHEN 0 THEN 1 END;"
      "SELECT CAST('12abc' AS INTEGER), CAST(3.9 AS INTEGER), CAST(5 AS TEXT), CAST('1e3' AS REAL);"
      "SELECT 'abc' LIKE 'A%', 'abc' GLOB 'a*', 'a_c' LIKE 'a\\_c' ESCAPE '\\', NOT 1, 1 AND NULL, 0 AND "
      "NULL, 1 OR NULL;");
}
END_TEST

START_TEST(test_table_insert_select_where_order) {
  same_as_sqlite("CREATE TABLE t1(a INTEGER, b TEXT, c REAL);"
                 "INSERT INTO t1 VALUES(1,'one',1.5),(2,'two',2.5),(3,'three',NULL),(NULL,'none',0);"
                 "INSERT INTO t1(b,a) VALUES('x', 10);"
                 "SELECT * FROM t1;"
                 "SELECT a, b FROM t1 WHERE a > 1 ORDER BY a DESC;"
                 "SELECT b FROM t1 ORDER BY c, a;"
                 "SELECT a+1 AS x, b FROM t1 WHERE b LIKE 't%' ORDER BY x LIMIT 1 OFFSET 1;"
                 "SELECT rowid, * FROM t1 WHERE rowid=2;"
                 "SELECT count(*), sum(a), avg(c), min(b), max(b), total(a) FROM t1;"
                 "SELECT a, '5' = a, a = 5 FROM t1;");
}
END_TEST

START_TEST(test_group_by_having_distinct) {
  same_as_sqlite("CREATE TABLE t(x, y);"
                 "INSERT INTO t VALUES(1,'a'),(2,'a'),(3,'b'),(4,NULL),(5,'b'),(6,'c');"
                 "SELECT y, count(*), sum(x) FROM t GROUP BY y;"
                 "SELECT y, count(*) FROM t GROUP BY y HAVING count(*)>1 ORDER BY 2 DESC, 1;"
                 "SELECT DISTINCT y FROM t ORDER BY y;"
                 "SELECT count(DISTINCT y), count(y), count(*) FROM t;"
                 "SELECT sum(x) FROM t WHERE 0;"
                 "SELECT x % 2 AS k, group_concat(x) FROM t GROUP BY k;");
}
END_TEST

START_TEST(test_joins_and_subqueries) {
  same_as_sqlite("CREATE TABLE a(id INTEGER PRIMARY KEY, v);"
                 "CREATE TABLE b(aid, w);"
                 "INSERT INTO a VALUES(1,'x'),(2,'y'),(3,'z');"
                 "INSERT INTO b VALUES(1,10),(1,11),(3,30),(4,40);"
                 "SELECT a.v, b.w FROM a, b WHERE a.id = b.aid ORDER BY 1, 2;"
                 "SELECT a.v, b.w FROM a JOIN b ON a.id=b.aid ORDER BY 2;"
                 "SELECT a.v, b.w FROM a LEFT JOIN b ON a.id=b.aid ORDER BY 1, 2;"
                 "SELECT v FROM a WHERE id IN (SELECT aid FROM b) ORDER BY v;"
                 "SELECT v, (SELECT count(*) FROM b WHERE b.aid=a.id) FROM a ORDER BY v;"
                 "SELECT v FROM a WHERE EXISTS (SELECT 1 FROM b WHERE aid=id) ORDER BY 1;"
                 "SELECT * FROM (SELECT id*2 AS d FROM a) WHERE d > 2 ORDER BY d;"
                 "SELECT id FROM a UNION SELECT aid FROM b;"
                 "SELECT id FROM a UNION ALL SELECT aid FROM b ORDER BY 1 DESC;"
                 "SELECT id FROM a INTERSECT SELECT aid FROM b;"
                 "SELECT id FROM a EXCEPT SELECT aid FROM b;"
                 "SELECT a.v, b.w FROM a RIGHT JOIN b ON a.id = b.aid ORDER BY 2;"
                 "SELECT a.v, b.w FROM a FULL JOIN b ON a.id = b.aid ORDER BY 1, 2;"
                 "SELECT count(*) FROM a FULL JOIN b ON a.id = b.aid WHERE a.id IS NULL OR b.aid IS NULL;");
}
END_TEST

START_TEST(test_update_delete_index) {
  same_as_sqlite("CREATE TABLE t(a INTEGER PRIMARY KEY, b, c);"
                 "CREATE INDEX tb ON t(b);"
                 "INSERT INTO t(b,c) VALUES(5,'e'),(3,'c'),(9,'i'),(1,'a');"
                 "SELECT a, b, c FROM t WHERE b > 2 ORDER BY b;"
                 "UPDATE t SET b = b * 10 WHERE a > 2;"
                 "SELECT * FROM t ORDER BY a;"
                 "DELETE FROM t WHERE b > 50;"
                 "SELECT * FROM t WHERE b = 30;"
                 "SELECT count(*) FROM t;"
                 "DELETE FROM t;"
                 "SELECT count(*) FROM t;"
                 "SELECT type, name, tbl_name, sql FROM sqlite_schema;");
}
END_TEST

START_TEST(test_constraint_errors) {
  same_as_sqlite("CREATE TABLE t(a INTEGER PRIMARY KEY, b UNIQUE, c NOT NULL);"
                 "INSERT INTO t VALUES(1,1,1);"
                 "INSERT INTO t VALUES(1,2,2);"
                 "INSERT INTO t VALUES(2,1,2);"
                 "INSERT INTO t VALUES(2,2,NULL);"
                 "INSERT OR IGNORE INTO t VALUES(1,5,5);"
                 "INSERT OR REPLACE INTO t VALUES(1,6,6);"
                 "SELECT * FROM t;"
                 "SELECT * FROM nosuch;"
                 "SELECT nosuch FROM t;"
                 "CREATE TABLE t(x);");
}
END_TEST

START_TEST(test_recursive_cte_and_create_as) {
  same_as_sqlite("WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c WHERE x < 5) SELECT * FROM c;"
                 "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c) SELECT x FROM c LIMIT 3;"
                 "WITH RECURSIVE f(n, v) AS (SELECT 1, 1 UNION SELECT n+1, v*(n+1) FROM f WHERE n < 10) "
                 "SELECT max(v) FROM f;"
                 "WITH t(a, b) AS (SELECT 1, 2) SELECT b, a FROM t;"
                 "CREATE TABLE t(a INTEGER, b TEXT, c REAL, d NUMERIC, e);"
                 "INSERT INTO t VALUES(1, 'x', 2.5, 3, 4);"
                 "CREATE TABLE t2 AS SELECT a, b, c, d, e, a+1, a AS b FROM t;"
                 "SELECT sql FROM sqlite_schema WHERE name = 't2';"
                 "SELECT * FROM t2;");
}
END_TEST

START_TEST(test_autoincrement_returning_upsert) {
  same_as_sqlite(
      "CREATE TABLE t(a INTEGER PRIMARY KEY AUTOINCREMENT, b);"
      "INSERT INTO t(b) VALUES(1),(2);"
      "SELECT * FROM sqlite_schema;"
      "SELECT * FROM sqlite_sequence;"
      "DELETE FROM t;"
      "INSERT INTO t(b) VALUES(3);"
      "INSERT INTO t VALUES(10, 1);"
      "INSERT INTO t(b) VALUES(4) RETURNING a, b * 2 AS x;"
      "SELECT * FROM t;"
      "SELECT * FROM sqlite_sequence;"
      "CREATE TABLE u(a INTEGER PRIMARY KEY, b UNIQUE, c);"
      "INSERT INTO u VALUES(1,'x',1),(2,'y',2) RETURNING *;"
      "INSERT INTO u VALUES(3,'x',5) ON CONFLICT DO NOTHING;"
      "INSERT INTO u VALUES(3,'x',5) ON CONFLICT(b) DO UPDATE SET c = c + excluded.c;"
      "INSERT INTO u VALUES(2,'q',7) ON CONFLICT(a) DO UPDATE SET c = excluded.c*100 WHERE c < 5 RETURNING *;"
      "UPDATE u SET c = -c WHERE a = 1 RETURNING c;"
      "DELETE FROM u WHERE a = 2 RETURNING b;"
      "SELECT * FROM u;");
}
END_TEST

START_TEST(test_index_lookups_agree_with_scans) {
  same_as_sqlite(
      "CREATE TABLE t(a INTEGER PRIMARY KEY, b INT, c TEXT, d);"
      "CREATE INDEX tb ON t(b);"
      "CREATE INDEX tcb ON t(c, b);"
      "CREATE INDEX td ON t(d);"
      "INSERT INTO t VALUES(1,10,'x',1),(2,20,'y','1'),(3,30,'x',1.0),(4,NULL,'x',NULL),(5,'20','z','a');"
      "SELECT a FROM t WHERE b = 20 ORDER BY a;"
      "SELECT a FROM t WHERE b = '20' ORDER BY a;"
      "SELECT a FROM t WHERE b > 15 ORDER BY a;"
      "SELECT a FROM t WHERE b < 25 ORDER BY a;"
      "SELECT a FROM t WHERE b BETWEEN 10 AND 20 ORDER BY a;"
      "SELECT a FROM t WHERE c = 'x' AND b >= 10 AND b < 30 ORDER BY a;"
      "SELECT a FROM t WHERE d = 1 ORDER BY a;"
      "SELECT a FROM t WHERE d = '1' ORDER BY a;"
      "SELECT t1.a, t2.a FROM t t1 JOIN t t2 ON t2.b = t1.b ORDER BY 1, 2;"
      "EXPLAIN QUERY PLAN SELECT * FROM t WHERE a = 3;"
      "ALTER TABLE t ADD COLUMN e TEXT DEFAULT 'q';"
      "ALTER TABLE t ADD f INT NOT NULL DEFAULT 0;"
      "SELECT sql FROM sqlite_schema WHERE name = 't';"
      "SELECT * FROM t ORDER BY a;");
}
END_TEST

START_TEST(test_window_functions) {
  same_as_sqlite(
      "CREATE TABLE t(g, v);"
      "INSERT INTO t VALUES(1,10),(1,20),(2,5),(1,20),(2,7),(3,NULL);"
      "SELECT g, v, row_number() OVER (PARTITION BY g ORDER BY v), rank() OVER (PARTITION BY g ORDER BY v),"
      " dense_rank() OVER (ORDER BY g), sum(v) OVER (PARTITION BY g ORDER BY v), sum(v) OVER (PARTITION BY "
      "g),"
      " count(*) OVER () FROM t ORDER BY g, v;"
      "SELECT v, sum(v) OVER (ORDER BY v ROWS BETWEEN 1 PRECEDING AND 1 FOLLOWING), lag(v) OVER (ORDER BY v),"
      " lead(v, 2, -1) OVER (ORDER BY v), first_value(v) OVER (ORDER BY v DESC) FROM t ORDER BY v;"
      "SELECT g, avg(v) OVER (PARTITION BY g) a FROM t ORDER BY a DESC, g;");
}
END_TEST

START_TEST(test_api_errors_and_bindings) {
  mica_db *db;
  ck_assert_int_eq(mica_open(":memory:", 0, &db), MICA_OK);
  ck_assert_int_eq(mica_exec(db, "CREATE TABLE t(a, b)", NULL, NULL, NULL), MICA_OK);
  mica_stmt *st;
  ck_assert_int_eq(mica_prepare(db, "INSERT INTO t VALUES(?, ?)", -1, &st, NULL), MICA_OK);
  ck_assert_int_eq(mica_bind_parameter_count(st), 2);
  for (int i = 0; i < 3; i++) {
    mica_bind_int(st, 1, i);
    mica_bind_text(st, 2, "hello", -1);
    ck_assert_int_eq(mica_step(st), MICA_DONE);
    ck_assert_int_eq(mica_changes(db), 1);
    ck_assert_int_eq(mica_reset(st), MICA_OK);
  }
  mica_finalize(st);
  ck_assert_int_eq(mica_prepare(db, "SELECT sum(a), b AS bb FROM t", -1, &st, NULL), MICA_OK);
  ck_assert_int_eq(mica_step(st), MICA_ROW);
  ck_assert_int_eq(mica_column_int(st, 0), 3);
  ck_assert_str_eq(mica_column_name(st, 0), "sum(a)");
  ck_assert_str_eq(mica_column_name(st, 1), "bb");
  ck_assert_int_eq(mica_step(st), MICA_DONE);
  mica_finalize(st);
  ck_assert_int_ne(mica_prepare(db, "SELEC 1", -1, &st, NULL), MICA_OK);
  ck_assert_int_ne(mica_prepare(db, "SELECT * FROM nosuch", -1, &st, NULL), MICA_OK);
  ck_assert_str_eq(mica_errmsg(db), "no such table: nosuch");
  ck_assert_int_eq(mica_close(db), MICA_OK);
}
END_TEST

static int count_rows(mica_db *db) {
  mica_stmt *st;
  ck_assert_int_eq(mica_prepare(db, "SELECT count(*) FROM t", -1, &st, NULL), MICA_OK);
  ck_assert_int_eq(mica_step(st), MICA_ROW);
  int n = mica_column_int(st, 0);
  mica_finalize(st);
  return n;
}

START_TEST(test_busy_writer_sees_later_commits) {
  char dir[] = "/tmp/mica_test_sql_XXXXXX";
  ck_assert_ptr_nonnull(mkdtemp(dir));
  char path[128];
  snprintf(path, sizeof path, "%s/db", dir);
  mica_db *a, *b;
  ck_assert_int_eq(mica_open(path, MICA_OPEN_READWRITE | MICA_OPEN_CREATE, &a), MICA_OK);
  ck_assert_int_eq(mica_open(path, MICA_OPEN_READWRITE | MICA_OPEN_CREATE, &b), MICA_OK);
  ck_assert_int_eq(mica_exec(a, "CREATE TABLE t(x); INSERT INTO t VALUES(1)", NULL, NULL, NULL), MICA_OK);
  ck_assert_int_eq(count_rows(b), 1);
  ck_assert_int_eq(mica_exec(a, "BEGIN; INSERT INTO t VALUES(2)", NULL, NULL, NULL), MICA_OK);
  ck_assert_int_eq(count_rows(b), 1); /* a's transaction is not visible yet */
  ck_assert_int_eq(mica_exec(b, "INSERT INTO t VALUES(3)", NULL, NULL, NULL) & 0xff, MICA_BUSY);
  ck_assert_int_eq(mica_exec(a, "COMMIT", NULL, NULL, NULL), MICA_OK);
  ck_assert_int_eq(count_rows(b), 2); /* the failed write left no stale snapshot behind */
  ck_assert_int_eq(mica_exec(b, "INSERT INTO t VALUES(3)", NULL, NULL, NULL), MICA_OK);
  ck_assert_int_eq(count_rows(a), 3);
  ck_assert_int_eq(mica_close(a), MICA_OK);
  ck_assert_int_eq(mica_close(b), MICA_OK);
  char cmd[300];
  snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
  ck_assert_int_eq(system(cmd), 0);
}
END_TEST

typedef struct WaitArg {
  mica_db *db;
  int rc;
} WaitArg;

static void *waiting_writer(void *arg) {
  WaitArg *w = arg;
  w->rc = mica_exec(w->db, "INSERT INTO t VALUES(3)", NULL, NULL, NULL);
  return NULL;
}

/* A second writer with a busy timeout waits in the queue and then writes: its snapshot is taken
 * when the lock is granted, not before it waits (which made it fail "snapshot is stale"). */
START_TEST(test_waiting_writer_succeeds_after_commit) {
  char dir[] = "/tmp/mica_test_sql_XXXXXX";
  ck_assert_ptr_nonnull(mkdtemp(dir));
  char path[128];
  snprintf(path, sizeof path, "%s/db", dir);
  mica_db *a, *b;
  ck_assert_int_eq(mica_open(path, MICA_OPEN_READWRITE | MICA_OPEN_CREATE, &a), MICA_OK);
  ck_assert_int_eq(mica_open(path, MICA_OPEN_READWRITE | MICA_OPEN_CREATE, &b), MICA_OK);
  ck_assert_int_eq(mica_exec(a, "CREATE TABLE t(x); INSERT INTO t VALUES(1)", NULL, NULL, NULL), MICA_OK);
  ck_assert_int_eq(count_rows(b), 1);
  ck_assert_int_eq(mica_exec(a, "BEGIN; INSERT INTO t VALUES(2)", NULL, NULL, NULL), MICA_OK);
  mica_busy_timeout(b, 10000);
  WaitArg w = {b, -1};
  pthread_t th;
  pthread_create(&th, NULL, waiting_writer, &w);
  usleep(100000);
  ck_assert_int_eq(mica_exec(a, "COMMIT", NULL, NULL, NULL), MICA_OK);
  pthread_join(th, NULL);
  ck_assert_int_eq(w.rc, MICA_OK);
  ck_assert_int_eq(count_rows(a), 3);
  /* Same inside an explicit transaction whose first statement writes. */
  ck_assert_int_eq(mica_exec(a, "BEGIN; INSERT INTO t VALUES(4)", NULL, NULL, NULL), MICA_OK);
  ck_assert_int_eq(mica_exec(b, "BEGIN", NULL, NULL, NULL), MICA_OK);
  pthread_create(&th, NULL, waiting_writer, &w);
  usleep(100000);
  ck_assert_int_eq(mica_exec(a, "COMMIT", NULL, NULL, NULL), MICA_OK);
  pthread_join(th, NULL);
  ck_assert_int_eq(w.rc, MICA_OK);
  ck_assert_int_eq(mica_exec(b, "COMMIT", NULL, NULL, NULL), MICA_OK);
  ck_assert_int_eq(count_rows(a), 5);
  ck_assert_int_eq(mica_close(a), MICA_OK);
  ck_assert_int_eq(mica_close(b), MICA_OK);
  char cmd[300];
  snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
  ck_assert_int_eq(system(cmd), 0);
}
END_TEST

static int int_query(mica_db *db, const char *sql) {
  mica_stmt *st;
  ck_assert_int_eq(mica_prepare(db, sql, -1, &st, NULL), MICA_OK);
  ck_assert_int_eq(mica_step(st), MICA_ROW);
  int n = mica_column_int(st, 0);
  mica_finalize(st);
  return n;
}

/* VACUUM used to be accepted and do nothing: it must shrink the file; VACUUM INTO writes a copy. */
START_TEST(test_vacuum_shrinks_and_vacuum_into_copies) {
  char dir[] = "/tmp/mica_test_sql_XXXXXX";
  ck_assert_ptr_nonnull(mkdtemp(dir));
  char path[128], copy[160], sql[300];
  snprintf(path, sizeof path, "%s/db", dir);
  snprintf(copy, sizeof copy, "%s/copy.db", dir);
  mica_db *db, *db2;
  ck_assert_int_eq(mica_open(path, MICA_OPEN_READWRITE | MICA_OPEN_CREATE, &db), MICA_OK);
  ck_assert_int_eq(
      mica_exec(db,
                "CREATE TABLE t(x); WITH RECURSIVE g(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM g "
                "WHERE i < 2000) INSERT INTO t SELECT randomblob(500) FROM g; DELETE FROM t WHERE "
                "rowid > 100",
                NULL, NULL, NULL),
      MICA_OK);
  int before = int_query(db, "PRAGMA page_count");
  ck_assert_int_eq(mica_exec(db, "BEGIN", NULL, NULL, NULL), MICA_OK);
  ck_assert_int_eq(mica_exec(db, "VACUUM", NULL, NULL, NULL), MICA_ERROR);
  ck_assert_str_eq(mica_errmsg(db), "cannot VACUUM from within a transaction");
  ck_assert_int_eq(mica_exec(db, "ROLLBACK", NULL, NULL, NULL), MICA_OK);
  ck_assert_int_eq(mica_exec(db, "VACUUM", NULL, NULL, NULL), MICA_OK);
  int after = int_query(db, "PRAGMA page_count");
  ck_assert_int_lt(after, before / 5);
  ck_assert_int_eq(count_rows(db), 100);
  snprintf(sql, sizeof sql, "VACUUM INTO '%s'", copy);
  ck_assert_int_eq(mica_exec(db, sql, NULL, NULL, NULL), MICA_OK);
  ck_assert_int_eq(mica_exec(db, sql, NULL, NULL, NULL), MICA_ERROR); /* the file exists now */
  ck_assert_int_eq(mica_open(copy, MICA_OPEN_READWRITE, &db2), MICA_OK);
  ck_assert_int_eq(count_rows(db2), 100);
  ck_assert_int_eq(mica_close(db2), MICA_OK);
  ck_assert_int_eq(mica_close(db), MICA_OK);
  snprintf(sql, sizeof sql, "rm -rf %s", dir);
  ck_assert_int_eq(system(sql), 0);
}
END_TEST

/* WITHOUT ROWID tables agree with SQLite: conflicts on the PRIMARY KEY and UNIQUE constraints (the
 * newest checked first), REPLACE/IGNORE/UPSERT, searches on the key, its prefix and ranges, secondary
 * indexes (with the trailing PK columns), UPDATE of key columns, DELETE, triggers, RETURNING and many
 * rows through b-tree splits and merges. */
START_TEST(test_without_rowid_agrees_with_sqlite) {
  same_as_sqlite(
      "CREATE TABLE t(a INT, b TEXT COLLATE NOCASE, c, d UNIQUE, PRIMARY KEY(a DESC, b)) WITHOUT ROWID;"
      "CREATE INDEX tc ON t(c, a);"
      "INSERT INTO t VALUES(1, 'x', 10, 100), (1, 'Y', 20, 200), (2, 'x', 30, 300), (3, 'z', 10, 400);"
      "INSERT INTO t VALUES(1, 'X', 0, 0);"
      "INSERT INTO t VALUES(9, 'q', 0, 100);"
      "INSERT INTO t VALUES(1, 'x', 0, 100);"
      "INSERT INTO t VALUES(NULL, 'n', 0, 1);"
      "INSERT OR IGNORE INTO t VALUES(1, 'y', 0, 5), (4, 'w', 40, 500);"
      "INSERT OR REPLACE INTO t VALUES(5, 'v', 50, 100);"
      "INSERT INTO t VALUES(2, 'X', 0, 0) ON CONFLICT(a, b) DO UPDATE SET c = c + excluded.d RETURNING *;"
      "SELECT * FROM t; SELECT * FROM t WHERE a = 1; SELECT * FROM t WHERE a = 1 AND b = 'y';"
      "SELECT * FROM t WHERE a < 3; SELECT * FROM t WHERE c = 10; SELECT * FROM t WHERE c = 10 AND a = 3;"
      "SELECT b FROM t WHERE d = 300; SELECT count(*), sum(c) FROM t;"
      "UPDATE t SET a = a + 10 WHERE c >= 20 RETURNING a, b; SELECT * FROM t;"
      "UPDATE t SET a = 3, b = 'Z' WHERE d = 200; UPDATE OR REPLACE t SET a = 3, b = 'Z' WHERE d = 200;"
      "SELECT * FROM t; DELETE FROM t WHERE b = 'X' RETURNING d; SELECT * FROM t;"
      "SELECT last_insert_rowid(); SELECT rowid FROM t; PRAGMA integrity_check;");
  same_as_sqlite(
      "CREATE TABLE k(id TEXT PRIMARY KEY, n INT, pad BLOB) WITHOUT ROWID; CREATE INDEX kn ON k(n);"
      "CREATE TABLE log(x); CREATE TRIGGER kd AFTER DELETE ON k WHEN old.n % 100 = 0 BEGIN "
      "INSERT INTO log VALUES(old.id); END;"
      "WITH RECURSIVE g(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM g WHERE i < 3000) "
      "INSERT INTO k SELECT printf('%08d', (i * 7919) % 100003), i, zeroblob(i % 300) FROM g;"
      "DELETE FROM k WHERE n % 3 = 0; UPDATE k SET id = id || '-', pad = zeroblob(900) WHERE n % 5 = 0;"
      "SELECT count(*), sum(n), sum(length(pad)), min(id), max(id) FROM k;"
      "SELECT id, n, length(pad) FROM k WHERE id BETWEEN '00050000' AND '00050400';"
      "SELECT id, n FROM k WHERE n BETWEEN 1000 AND 1010; SELECT count(*) FROM log;"
      "DELETE FROM k WHERE n > 100; SELECT count(*), sum(n) FROM k; PRAGMA integrity_check;");
}
END_TEST

/* SQLite stores the integral values of REAL columns as integers: reading a file it wrote, they must
 * come back as reals (they came back as integers), in rowid and WITHOUT ROWID tables alike. */
START_TEST(test_reads_sqlite3_integral_reals_as_reals) {
  char dir[] = "/tmp/mica_test_sql_XXXXXX";
  ck_assert_ptr_nonnull(mkdtemp(dir));
  char path[128], sql[300];
  snprintf(path, sizeof path, "%s/sq.db", dir);
  sqlite3 *sdb;
  ck_assert_int_eq(sqlite3_open(path, &sdb), SQLITE_OK);
  ck_assert_int_eq(sqlite3_exec(sdb,
                                "CREATE TABLE r(a REAL, b); INSERT INTO r VALUES(1.0, 2.0), (1.5, 3);"
                                "CREATE TABLE w(k REAL PRIMARY KEY, v DOUBLE, x) WITHOUT ROWID;"
                                "INSERT INTO w VALUES(4.0, 5.0, 6.0), (7.5, -8, 9);",
                                NULL, NULL, NULL),
                   SQLITE_OK);
  sqlite3_close(sdb);
  mica_db *db;
  ck_assert_int_eq(mica_open(path, MICA_OPEN_READWRITE, &db), MICA_OK);
  static const struct {
    const char *sql, *want;
  } cases[] = {
      {"SELECT group_concat(a || ':' || typeof(a) || ':' || typeof(b), ' ') FROM r",
       "1.0:real:real 1.5:real:integer"},
      {"SELECT group_concat(k || ':' || typeof(k) || ':' || v || ':' || typeof(x), ' ') FROM w",
       "4.0:real:5.0:real 7.5:real:-8.0:integer"},
      {"SELECT typeof(k) FROM w WHERE k = 4", "real"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    mica_stmt *st;
    ck_assert_int_eq(mica_prepare(db, cases[i].sql, -1, &st, NULL), MICA_OK);
    ck_assert_int_eq(mica_step(st), MICA_ROW);
    ck_assert_str_eq((const char *)mica_column_text(st, 0), cases[i].want);
    mica_finalize(st);
  }
  ck_assert_int_eq(mica_close(db), MICA_OK);
  snprintf(sql, sizeof sql, "rm -rf %s", dir);
  ck_assert_int_eq(system(sql), 0);
}
END_TEST

static Suite *sql_suite(void) {
  Suite *s = suite_create("sql");
  TCase *tc = tcase_create("core");
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, test_select_constant_expressions);
  tcase_add_test(tc, test_with_before_dml);
  tcase_add_test(tc, test_parameter_decltypes);
  tcase_add_test(tc, test_postgres_array_types);
  tcase_add_test(tc, test_limits_like_pattern_and_function_args);
  tcase_add_test(tc, test_table_insert_select_where_order);
  tcase_add_test(tc, test_group_by_having_distinct);
  tcase_add_test(tc, test_joins_and_subqueries);
  tcase_add_test(tc, test_update_delete_index);
  tcase_add_test(tc, test_constraint_errors);
  tcase_add_test(tc, test_recursive_cte_and_create_as);
  tcase_add_test(tc, test_autoincrement_returning_upsert);
  tcase_add_test(tc, test_index_lookups_agree_with_scans);
  tcase_add_test(tc, test_window_functions);
  tcase_add_test(tc, test_api_errors_and_bindings);
  tcase_add_test(tc, test_busy_writer_sees_later_commits);
  tcase_add_test(tc, test_waiting_writer_succeeds_after_commit);
  tcase_add_test(tc, test_vacuum_shrinks_and_vacuum_into_copies);
  tcase_add_test(tc, test_without_rowid_agrees_with_sqlite);
  tcase_add_test(tc, test_reads_sqlite3_integral_reals_as_reals);
  suite_add_tcase(s, tc);
  return s;
}

int main(void) {
  SRunner *sr = srunner_create(sql_suite());
  srunner_run_all(sr, CK_NORMAL);
  int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
