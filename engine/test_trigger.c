/*
 * test_trigger.c: triggers, differentially against the system libsqlite3. Each script runs on a fresh
 * :memory: database in Mica and in SQLite; after every statement the outcome (rows with their types,
 * or the error message with its extended code) and then changes(), total_changes(),
 * last_insert_rowid() and whether the connection is in autocommit mode are recorded, and the two
 * records must be identical.
 */
#include <check.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

/* " (code)\n" after an error message. */
static void buf_code(Buf *b, long long code) {
  char tmp[64];
  snprintf(tmp, sizeof tmp, " (%lld)\n", code);
  buf_add(b, tmp);
}

/* The connection's counters after a statement. */
static void buf_stats(Buf *b, long long changes, long long total, long long rowid, int autocommit) {
  char tmp[128];
  snprintf(tmp, sizeof tmp, "[%lld %lld %lld %d]\n", changes, total, rowid, autocommit);
  buf_add(b, tmp);
}

static void render(Buf *b, int type, const char *text) {
  char tmp[8];
  snprintf(tmp, sizeof tmp, "%c:", "?IRTBN"[type >= 1 && type <= 5 ? type : 0]);
  buf_add(b, tmp);
  buf_add(b, type == 5 ? "NULL" : text ? text : "");
  buf_add(b, "|");
}

/* The next statement's text (up to a ';' outside quotes and outside BEGIN...END of a trigger is
 * what the engines decide; here prepare's tail is used, and a failed prepare skips to tail or to the
 * next line). */
static void run_mica(const char *sql, Buf *b) {
  mica_db *db;
  ck_assert_int_eq(mica_open(":memory:", MICA_OPEN_READWRITE | MICA_OPEN_CREATE, &db), MICA_OK);
  const char *p = sql;
  while (*p) {
    while (*p == ' ' || *p == '\n')
      p++;
    if (!*p) break;
    mica_stmt *st = NULL;
    const char *tail = NULL;
    int rc = mica_prepare(db, p, -1, &st, &tail);
    if (rc != MICA_OK) {
      buf_add(b, "ERR:");
      buf_add(b, mica_errmsg(db));
      buf_code(b, mica_extended_errcode(db));
      const char *nl = strchr(p, '\n');
      if (!nl) break;
      p = nl + 1;
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
      buf_code(b, mica_extended_errcode(db));
    }
    mica_finalize(st);
    buf_stats(b, mica_changes64(db), mica_total_changes64(db), mica_last_insert_rowid(db),
              mica_get_autocommit(db));
    p = tail;
  }
  ck_assert_int_eq(mica_close(db), MICA_OK);
}

static void run_sqlite(const char *sql, Buf *b) {
  sqlite3 *db;
  ck_assert_int_eq(sqlite3_open(":memory:", &db), SQLITE_OK);
  sqlite3_extended_result_codes(db, 1);
  const char *p = sql;
  while (*p) {
    while (*p == ' ' || *p == '\n')
      p++;
    if (!*p) break;
    sqlite3_stmt *st = NULL;
    const char *tail = NULL;
    int rc = sqlite3_prepare_v2(db, p, -1, &st, &tail);
    if (rc != SQLITE_OK) {
      buf_add(b, "ERR:");
      buf_add(b, sqlite3_errmsg(db));
      buf_code(b, sqlite3_extended_errcode(db));
      const char *nl = strchr(p, '\n');
      if (!nl) break;
      p = nl + 1;
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
      buf_code(b, sqlite3_extended_errcode(db));
    }
    sqlite3_finalize(st);
    buf_stats(b, sqlite3_changes64(db), sqlite3_total_changes64(db), sqlite3_last_insert_rowid(db),
              sqlite3_get_autocommit(db));
    p = tail;
  }
  sqlite3_close(db);
}

/* Runs sql in both engines; statements are one per line (a failed prepare skips its line). */
static void same_as_sqlite(const char *sql) {
  Buf a = {0}, b = {0};
  buf_add(&a, "");
  buf_add(&b, "");
  run_mica(sql, &a);
  run_sqlite(sql, &b);
  if (strcmp(a.z, b.z) != 0) fprintf(stderr, "SQL:\n%s\nmica:\n%s\nsqlite:\n%s\n", sql, a.z, b.z);
  ck_assert_str_eq(a.z, b.z);
  free(a.z);
  free(b.z);
}

START_TEST(test_after_insert_sees_new_row) {
  same_as_sqlite(
      "CREATE TABLE t(id INTEGER PRIMARY KEY, a DEFAULT 5, b TEXT);\n"
      "CREATE TABLE log(x);\n"
      "CREATE TRIGGER ai AFTER INSERT ON t BEGIN INSERT INTO log VALUES('ai ' || new.id || ' ' || "
      "quote(new.a) || ' ' || quote(new.b) || ' ' || new.rowid || ' ' || last_insert_rowid()); END;\n"
      "INSERT INTO t(b) VALUES(12);\n"
      "INSERT INTO t(id, b) VALUES(7, 'x'), (NULL, 3);\n"
      "INSERT INTO t SELECT NULL, 1, 2 UNION ALL SELECT 100, 2, 3;\n"
      "SELECT * FROM log;\n"
      "SELECT * FROM t;\n");
}
END_TEST

START_TEST(test_before_insert_sees_defaults_affinity_and_minus_one_rowid) {
  same_as_sqlite(
      "CREATE TABLE t(id INTEGER PRIMARY KEY, a DEFAULT 5, b TEXT, c INTEGER);\n"
      "CREATE TABLE u(a, b);\n"
      "CREATE TABLE log(x);\n"
      "CREATE TRIGGER bi BEFORE INSERT ON t BEGIN INSERT INTO log VALUES('bi ' || quote(new.id) || ' ' "
      "|| quote(new.rowid) || ' ' || quote(new.a) || ' ' || typeof(new.b) || typeof(new.c)); END;\n"
      "CREATE TRIGGER bu BEFORE INSERT ON u BEGIN INSERT INTO log VALUES(new.rowid); END;\n"
      "INSERT INTO t(b, c) VALUES(12, '13');\n"
      "INSERT INTO t VALUES(9, 1, 2, 3);\n"
      "INSERT INTO u VALUES(1, 2);\n"
      "INSERT INTO u(rowid, a) VALUES(50, 2);\n"
      "SELECT * FROM log;\n"
      "SELECT rowid, * FROM u;\n");
}
END_TEST

START_TEST(test_when_and_update_of_columns) {
  same_as_sqlite(
      "CREATE TABLE t(a, b, c);\n"
      "CREATE TABLE log(x);\n"
      "INSERT INTO t VALUES(1, 2, 3), (4, 5, 6);\n"
      "CREATE TRIGGER u1 AFTER UPDATE OF b ON t BEGIN INSERT INTO log VALUES('b ' || old.b || '>' || "
      "new.b); END;\n"
      "CREATE TRIGGER u2 AFTER UPDATE OF a, c ON t WHEN new.a > 1 BEGIN INSERT INTO log "
      "VALUES('ac ' || old.a || '>' || new.a); END;\n"
      "CREATE TRIGGER u3 BEFORE UPDATE ON t FOR EACH ROW WHEN old.c = 6 BEGIN INSERT INTO log "
      "VALUES('any ' || old.rowid || ' ' || new.rowid); END;\n"
      "UPDATE t SET b = b + 1;\n"
      "UPDATE t SET a = a;\n"
      "UPDATE t SET c = 0 WHERE a = 4;\n"
      "UPDATE t SET rowid = rowid + 10 WHERE a = 1;\n"
      "SELECT * FROM log;\n"
      "SELECT rowid, * FROM t;\n");
}
END_TEST

START_TEST(test_before_update_reloads_unassigned_columns) {
  same_as_sqlite(
      "CREATE TABLE t(id INTEGER PRIMARY KEY, a, b);\n"
      "CREATE TABLE log(x);\n"
      "INSERT INTO t VALUES(1, 1, 1), (2, 2, 2), (3, 3, 3);\n"
      "CREATE TRIGGER bu BEFORE UPDATE ON t BEGIN UPDATE t SET a = a * 100 WHERE id = old.id; "
      "UPDATE t SET b = b + 1000 WHERE id = old.id + 1; DELETE FROM t WHERE id = 3 AND old.id = "
      "2; END;\n"
      "CREATE TRIGGER au AFTER UPDATE ON t BEGIN INSERT INTO log VALUES(old.id || ':' || old.a || ',' "
      "|| old.b || '>' || new.a || ',' || new.b); END;\n"
      "UPDATE t SET b = b + 1;\n"
      "SELECT * FROM t;\n"
      "SELECT * FROM log;\n");
}
END_TEST

START_TEST(test_delete_triggers) {
  same_as_sqlite(
      "CREATE TABLE t(a PRIMARY KEY, b);\n"
      "CREATE TABLE log(x);\n"
      "INSERT INTO t VALUES(1, 'x'), (2, 'y'), (3, 'z');\n"
      "CREATE TRIGGER bd BEFORE DELETE ON t BEGIN INSERT INTO log VALUES('bd ' || old.a || old.b); "
      "DELETE FROM t WHERE a = old.a + 1; END;\n"
      "CREATE TRIGGER ad AFTER DELETE ON t WHEN old.b <> 'q' BEGIN INSERT INTO log VALUES('ad ' || "
      "old.a || ' ' || changes()); END;\n"
      "DELETE FROM t WHERE a = 1;\n"
      "SELECT * FROM t;\n"
      "INSERT INTO t VALUES(5, 'q'), (6, 'r');\n"
      "DELETE FROM t;\n"
      "SELECT * FROM log;\n"
      "SELECT count(*) FROM t;\n");
}
END_TEST

START_TEST(test_trigger_order_and_body_kinds) {
  same_as_sqlite(
      "CREATE TABLE t(a);\n"
      "CREATE TABLE log(x);\n"
      "CREATE TABLE other(y);\n"
      "CREATE TRIGGER first AFTER INSERT ON t BEGIN INSERT INTO log VALUES('first'); END;\n"
      "CREATE TRIGGER second AFTER INSERT ON t BEGIN INSERT INTO log VALUES('second'); SELECT "
      "new.a, * FROM log; INSERT INTO other SELECT x FROM log; UPDATE other SET y = y || '!' WHERE "
      "y = 'first'; DELETE FROM other WHERE y = 'second'; END;\n"
      "INSERT INTO t VALUES(1);\n"
      "SELECT * FROM log;\n"
      "SELECT * FROM other;\n");
}
END_TEST

START_TEST(test_changes_and_last_insert_rowid_around_triggers) {
  same_as_sqlite(
      "CREATE TABLE t(a);\n"
      "CREATE TABLE log(x);\n"
      "CREATE TABLE other(y);\n"
      "INSERT INTO other VALUES(1), (2), (3);\n"
      "CREATE TRIGGER ai AFTER INSERT ON t BEGIN INSERT INTO log VALUES(changes()); INSERT INTO log "
      "VALUES(1), (2); INSERT INTO log VALUES(changes()); INSERT INTO log "
      "VALUES(last_insert_rowid()); END;\n"
      "INSERT INTO t VALUES(5);\n"
      "INSERT INTO t VALUES(6), (7);\n"
      "UPDATE other SET y = y + 1;\n"
      "CREATE TABLE z(a);\n"
      "SELECT changes();\n"
      "SELECT rowid, * FROM log;\n");
}
END_TEST

START_TEST(test_raise_ignore) {
  same_as_sqlite("CREATE TABLE t(a);\n"
                 "CREATE TABLE log(x);\n"
                 "CREATE TRIGGER bi BEFORE INSERT ON t WHEN new.a = 2 BEGIN SELECT RAISE(IGNORE); END;\n"
                 "CREATE TRIGGER ai AFTER INSERT ON t WHEN new.a = 3 BEGIN INSERT INTO log VALUES('before'); "
                 "SELECT RAISE(IGNORE); INSERT INTO log VALUES('after'); END;\n"
                 "CREATE TRIGGER ai2 AFTER INSERT ON t BEGIN INSERT INTO log VALUES('ai2 ' || new.a); END;\n"
                 "INSERT INTO t VALUES(1), (2), (3), (4);\n"
                 "SELECT * FROM t;\n"
                 "SELECT * FROM log;\n"
                 "CREATE TRIGGER bd BEFORE DELETE ON t WHEN old.a = 3 BEGIN SELECT RAISE(IGNORE); END;\n"
                 "CREATE TRIGGER bu BEFORE UPDATE ON t WHEN old.a = 1 BEGIN SELECT RAISE(IGNORE); END;\n"
                 "DELETE FROM t;\n"
                 "INSERT INTO t VALUES(1);\n"
                 "UPDATE t SET a = a + 10;\n"
                 "SELECT * FROM t;\n"
                 "SELECT RAISE(IGNORE);\n");
}
END_TEST

START_TEST(test_raise_abort_fail_rollback) {
  same_as_sqlite(
      "CREATE TABLE t(a);\n"
      "CREATE TRIGGER f BEFORE INSERT ON t WHEN new.a = 10 BEGIN SELECT RAISE(FAIL, 'fail here'); "
      "END;\n"
      "CREATE TRIGGER ab BEFORE INSERT ON t WHEN new.a = 20 BEGIN SELECT RAISE(ABORT, 'abort here'); "
      "END;\n"
      "CREATE TRIGGER rb AFTER INSERT ON t WHEN new.a = 40 BEGIN SELECT RAISE(ROLLBACK, 'rb here'); "
      "END;\n"
      "INSERT INTO t VALUES(1);\n"
      "INSERT INTO t VALUES(9), (10), (11);\n"
      "SELECT * FROM t;\n"
      "INSERT INTO t VALUES(19), (20), (21);\n"
      "SELECT * FROM t;\n"
      "BEGIN;\n"
      "INSERT INTO t VALUES(30);\n"
      "INSERT INTO t VALUES(19), (20);\n"
      "SELECT * FROM t;\n"
      "INSERT INTO t VALUES(39), (40);\n"
      "SELECT * FROM t;\n"
      "COMMIT;\n"
      "INSERT INTO t VALUES(39), (40);\n"
      "SELECT * FROM t;\n"
      "SELECT RAISE(ABORT, 'x');\n");
}
END_TEST

START_TEST(test_instead_of_triggers_on_views) {
  same_as_sqlite(
      "CREATE TABLE t(a INTEGER, b TEXT);\n"
      "INSERT INTO t VALUES(1, 'x'), (2, 'y'), (3, 'z');\n"
      "CREATE VIEW v AS SELECT a, b, a * 2 AS c FROM t;\n"
      "CREATE TABLE log(x);\n"
      "INSERT INTO v VALUES(1, 2, 3);\n"
      "UPDATE v SET b = 1;\n"
      "DELETE FROM v;\n"
      "CREATE TRIGGER vi INSTEAD OF INSERT ON v BEGIN INSERT INTO log VALUES('vi ' || typeof(new.a) "
      "|| ' ' || quote(new.c)); INSERT INTO t VALUES(new.a, new.b); END;\n"
      "CREATE TRIGGER vu INSTEAD OF UPDATE OF b ON v BEGIN INSERT INTO log VALUES('vu ' || "
      "old.a || ' ' || typeof(new.a) || new.a || ' ' || new.b); END;\n"
      "CREATE TRIGGER vd INSTEAD OF DELETE ON v BEGIN INSERT INTO log VALUES('vd ' || old.a); "
      "DELETE FROM t WHERE a = old.a; END;\n"
      "INSERT INTO v(a) VALUES('5');\n"
      "INSERT INTO v VALUES(7, 8, 9), (10, 11, 12);\n"
      "UPDATE v SET b = 'q', a = '7' WHERE a >= 2;\n"
      "UPDATE v SET a = 1;\n"
      "DELETE FROM v WHERE a < 3;\n"
      "INSERT INTO v VALUES(1, 2, 3) ON CONFLICT DO NOTHING;\n"
      "INSERT INTO v(nosuch) VALUES(1);\n"
      "SELECT * FROM log;\n"
      "SELECT * FROM t;\n");
}
END_TEST

START_TEST(test_upsert_and_replace_fire_triggers) {
  same_as_sqlite("CREATE TABLE t(a PRIMARY KEY, b);\n"
                 "CREATE TABLE log(x);\n"
                 "CREATE TRIGGER bi BEFORE INSERT ON t BEGIN INSERT INTO log VALUES('bi ' || new.a || ' ' || "
                 "new.b); END;\n"
                 "CREATE TRIGGER ai AFTER INSERT ON t BEGIN INSERT INTO log VALUES('ai ' || new.a || ' ' || "
                 "new.b); END;\n"
                 "CREATE TRIGGER bu BEFORE UPDATE ON t BEGIN INSERT INTO log VALUES('bu ' || old.b || '>' || "
                 "new.b); END;\n"
                 "CREATE TRIGGER au AFTER UPDATE ON t BEGIN INSERT INTO log VALUES('au ' || old.b || '>' || "
                 "new.b); END;\n"
                 "CREATE TRIGGER bd BEFORE DELETE ON t BEGIN INSERT INTO log VALUES('bd ' || old.a || ' ' || "
                 "old.b); END;\n"
                 "CREATE TRIGGER ad AFTER DELETE ON t BEGIN INSERT INTO log VALUES('ad ' || old.a || ' ' || "
                 "old.b); END;\n"
                 "INSERT INTO t VALUES(1, 'x');\n"
                 "INSERT INTO t VALUES(1, 'y') ON CONFLICT(a) DO UPDATE SET b = excluded.b || '!';\n"
                 "INSERT INTO t VALUES(1, 'z') ON CONFLICT DO NOTHING;\n"
                 "INSERT OR REPLACE INTO t VALUES(1, 'r');\n"
                 "PRAGMA recursive_triggers = 1;\n"
                 "INSERT OR REPLACE INTO t VALUES(1, 's');\n"
                 "REPLACE INTO t VALUES(2, 's');\n"
                 "INSERT OR IGNORE INTO t VALUES(2, 'ig');\n"
                 "UPDATE OR REPLACE t SET a = 1 WHERE a = 2;\n"
                 "SELECT * FROM log;\n"
                 "SELECT * FROM t;\n");
}
END_TEST

START_TEST(test_recursion_and_depth_limit) {
  same_as_sqlite(
      "CREATE TABLE t(a);\n"
      "CREATE TRIGGER r AFTER INSERT ON t WHEN new.a < 5 BEGIN INSERT INTO t VALUES(new.a + 1); END;\n"
      "INSERT INTO t VALUES(1);\n"
      "SELECT * FROM t;\n"
      "PRAGMA recursive_triggers = on;\n"
      "INSERT INTO t VALUES(1);\n"
      "SELECT count(*), sum(a) FROM t;\n"
      "CREATE TABLE c(n);\n"
      "CREATE TRIGGER cr AFTER INSERT ON c BEGIN INSERT INTO c VALUES(new.n + 1); END;\n"
      "INSERT INTO c VALUES(1);\n"
      "SELECT count(*) FROM c;\n"
      "DROP TRIGGER cr;\n"
      "CREATE TRIGGER cr AFTER INSERT ON c WHEN new.n < 1000 BEGIN INSERT INTO c VALUES(new.n + 1); "
      "END;\n"
      "INSERT INTO c VALUES(1);\n"
      "SELECT count(*), max(n) FROM c;\n"
      "DELETE FROM c;\n"
      "INSERT INTO c VALUES(0);\n"
      "SELECT count(*) FROM c;\n"
      "PRAGMA recursive_triggers = off;\n"
      "CREATE TABLE p(x);\n"
      "CREATE TABLE q(x);\n"
      "CREATE TRIGGER pq AFTER INSERT ON p BEGIN INSERT INTO q VALUES(new.x); END;\n"
      "CREATE TRIGGER qp AFTER INSERT ON q BEGIN INSERT INTO p VALUES(new.x + 1); END;\n"
      "INSERT INTO p VALUES(1);\n"
      "SELECT * FROM p;\n"
      "SELECT * FROM q;\n");
}
END_TEST

START_TEST(test_create_trigger_errors_and_drop_table) {
  same_as_sqlite("CREATE TABLE t(a);\n"
                 "CREATE VIEW v AS SELECT a FROM t;\n"
                 "CREATE TRIGGER x BEFORE INSERT ON v BEGIN SELECT 1; END;\n"
                 "CREATE TRIGGER x AFTER INSERT ON v BEGIN SELECT 1; END;\n"
                 "CREATE TRIGGER x INSTEAD OF INSERT ON t BEGIN SELECT 1; END;\n"
                 "CREATE TRIGGER x BEFORE INSERT ON nosuch BEGIN SELECT 1; END;\n"
                 "CREATE TRIGGER x BEFORE INSERT ON sqlite_schema BEGIN SELECT 1; END;\n"
                 "CREATE TRIGGER x AFTER INSERT ON t BEGIN SELECT ?; END;\n"
                 "CREATE TRIGGER x AFTER INSERT ON t BEGIN INSERT INTO t VALUES(1) RETURNING *; END;\n"
                 "CREATE TRIGGER x AFTER INSERT ON t BEGIN INSERT INTO main.t VALUES(1); END;\n"
                 "CREATE TRIGGER x AFTER INSERT ON t BEGIN WITH c(a) AS (SELECT 1) DELETE FROM t; END;\n"
                 "CREATE TRIGGER x AFTER INSERT ON t BEGIN INSERT INTO nosuch VALUES(1); END;\n"
                 "INSERT INTO t VALUES(1);\n"
                 "DROP TRIGGER x;\n"
                 "CREATE TRIGGER x BEFORE DELETE ON t BEGIN SELECT new.a; END;\n"
                 "DELETE FROM t;\n"
                 "DROP TRIGGER x;\n"
                 "CREATE TRIGGER x AFTER INSERT ON T BEGIN SELECT nosuch(); END;\n"
                 "INSERT INTO t VALUES(1);\n"
                 "CREATE TRIGGER x AFTER INSERT ON t BEGIN SELECT 1; END;\n"
                 "CREATE TRIGGER IF NOT EXISTS x AFTER INSERT ON t BEGIN SELECT 1; END;\n"
                 "DROP TRIGGER x;\n"
                 "CREATE TRIGGER y AFTER INSERT ON t BEGIN SELECT 1; END;\n"
                 "CREATE TRIGGER z INSTEAD OF DELETE ON v BEGIN SELECT 1; END;\n"
                 "SELECT type, name, tbl_name FROM sqlite_schema ORDER BY name;\n"
                 "DROP TABLE t;\n"
                 "DROP VIEW v;\n"
                 "SELECT type, name, tbl_name FROM sqlite_schema ORDER BY name;\n");
}
END_TEST

START_TEST(test_trigger_body_conflict_clause_is_overridden) {
  same_as_sqlite("CREATE TABLE t(a);\n"
                 "CREATE TABLE u(k UNIQUE, v);\n"
                 "INSERT INTO u VALUES(1, 'old');\n"
                 "CREATE TRIGGER ai AFTER INSERT ON t BEGIN INSERT INTO u VALUES(new.a, 'new'); END;\n"
                 "INSERT INTO t VALUES(1);\n"
                 "INSERT OR IGNORE INTO t VALUES(1);\n"
                 "INSERT OR REPLACE INTO t VALUES(1);\n"
                 "SELECT * FROM t;\n"
                 "SELECT * FROM u;\n");
}
END_TEST

START_TEST(test_update_computes_each_row_after_earlier_triggers) {
  same_as_sqlite(
      "CREATE TABLE t(id INTEGER PRIMARY KEY, a, b);\n"
      "INSERT INTO t VALUES(1, 1, 1), (2, 2, 2), (3, 3, 3);\n"
      "CREATE TRIGGER bu BEFORE UPDATE ON t BEGIN UPDATE t SET a = a + 10 WHERE id = old.id + 1; END;\n"
      "UPDATE t SET b = a * 2;\n"
      "SELECT * FROM t;\n"
      "CREATE TABLE d(a);\n"
      "INSERT INTO d VALUES(1), (2), (3);\n"
      "CREATE TRIGGER dd AFTER DELETE ON d BEGIN INSERT INTO d VALUES(old.a + 10); END;\n"
      "DELETE FROM d WHERE a < 10;\n"
      "SELECT * FROM d;\n");
}
END_TEST

START_TEST(test_raise_ignore_unwinds_one_trigger_level) {
  same_as_sqlite(
      "CREATE TABLE a(x);\n"
      "CREATE TABLE b(x);\n"
      "CREATE TABLE log(x);\n"
      "CREATE TRIGGER ta AFTER INSERT ON a BEGIN INSERT INTO log VALUES('a1 ' || new.x); INSERT INTO b "
      "VALUES(new.x), (new.x + 1); INSERT INTO log VALUES('a2 ' || new.x); END;\n"
      "CREATE TRIGGER tb BEFORE INSERT ON b WHEN new.x % 2 = 0 BEGIN SELECT RAISE(IGNORE); END;\n"
      "INSERT INTO a VALUES(1), (2);\n"
      "SELECT * FROM b;\n"
      "SELECT * FROM log;\n");
}
END_TEST

/* OR FAIL / OR ROLLBACK end a statement the way RAISE(FAIL) / RAISE(ROLLBACK) do. */
START_TEST(test_or_fail_and_or_rollback_conflicts) {
  same_as_sqlite("CREATE TABLE t(a UNIQUE, b NOT NULL, c CHECK(c > 0));\n"
                 "INSERT INTO t VALUES(1, 1, 1);\n"
                 "INSERT OR FAIL INTO t VALUES(2, 2, 2), (1, 3, 3), (4, 4, 4);\n"
                 "INSERT OR FAIL INTO t VALUES(5, 5, 5), (6, NULL, 6);\n"
                 "INSERT OR FAIL INTO t VALUES(7, 7, 7), (8, 8, -1);\n"
                 "SELECT * FROM t;\n"
                 "BEGIN;\n"
                 "INSERT INTO t VALUES(10, 10, 10);\n"
                 "INSERT OR ROLLBACK INTO t VALUES(11, 11, 11), (1, 1, 1);\n"
                 "SELECT * FROM t;\n"
                 "COMMIT;\n"
                 "UPDATE OR FAIL t SET a = a + 1;\n"
                 "UPDATE OR FAIL t SET a = a + 10 WHERE a > 1;\n"
                 "SELECT * FROM t;\n"
                 "CREATE TABLE p(id INTEGER PRIMARY KEY);\n"
                 "INSERT INTO p VALUES(1);\n"
                 "INSERT OR FAIL INTO p VALUES(2), (1), (3);\n"
                 "SELECT * FROM p;\n");
}
END_TEST

/* A statement prepared before CREATE TRIGGER fires the trigger when stepped after it; one prepared
 * after DROP TRIGGER does not. */
START_TEST(test_prepared_statement_sees_new_trigger) {
  mica_db *db;
  ck_assert_int_eq(mica_open(":memory:", MICA_OPEN_READWRITE | MICA_OPEN_CREATE, &db), MICA_OK);
  ck_assert_int_eq(mica_exec(db, "CREATE TABLE t(a); CREATE TABLE log(x)", NULL, NULL, NULL), MICA_OK);
  mica_stmt *ins, *cnt;
  ck_assert_int_eq(mica_prepare(db, "INSERT INTO t VALUES(1)", -1, &ins, NULL), MICA_OK);
  ck_assert_int_eq(mica_prepare(db, "SELECT count(*) FROM log", -1, &cnt, NULL), MICA_OK);
  ck_assert_int_eq(mica_exec(db,
                             "CREATE TRIGGER tr AFTER INSERT ON t BEGIN INSERT INTO log VALUES(new.a); END",
                             NULL, NULL, NULL),
                   MICA_OK);
  ck_assert_int_eq(mica_step(ins), MICA_DONE);
  ck_assert_int_eq(mica_changes(db), 1);
  ck_assert_int_eq(mica_total_changes(db), 2);
  ck_assert_int_eq(mica_step(cnt), MICA_ROW);
  ck_assert_int_eq(mica_column_int(cnt, 0), 1);
  ck_assert_int_eq(mica_reset(cnt), MICA_OK);
  ck_assert_int_eq(mica_exec(db, "DROP TRIGGER tr", NULL, NULL, NULL), MICA_OK);
  ck_assert_int_eq(mica_reset(ins), MICA_OK);
  ck_assert_int_eq(mica_step(ins), MICA_DONE);
  ck_assert_int_eq(mica_step(cnt), MICA_ROW);
  ck_assert_int_eq(mica_column_int(cnt, 0), 1);
  mica_finalize(ins);
  mica_finalize(cnt);
  ck_assert_int_eq(mica_close(db), MICA_OK);
}
END_TEST

static Suite *trigger_suite(void) {
  Suite *s = suite_create("trigger");
  TCase *tc = tcase_create("core");
  tcase_set_timeout(tc, 120);
  tcase_add_test(tc, test_after_insert_sees_new_row);
  tcase_add_test(tc, test_before_insert_sees_defaults_affinity_and_minus_one_rowid);
  tcase_add_test(tc, test_when_and_update_of_columns);
  tcase_add_test(tc, test_before_update_reloads_unassigned_columns);
  tcase_add_test(tc, test_delete_triggers);
  tcase_add_test(tc, test_trigger_order_and_body_kinds);
  tcase_add_test(tc, test_changes_and_last_insert_rowid_around_triggers);
  tcase_add_test(tc, test_raise_ignore);
  tcase_add_test(tc, test_raise_abort_fail_rollback);
  tcase_add_test(tc, test_instead_of_triggers_on_views);
  tcase_add_test(tc, test_upsert_and_replace_fire_triggers);
  tcase_add_test(tc, test_recursion_and_depth_limit);
  tcase_add_test(tc, test_create_trigger_errors_and_drop_table);
  tcase_add_test(tc, test_trigger_body_conflict_clause_is_overridden);
  tcase_add_test(tc, test_update_computes_each_row_after_earlier_triggers);
  tcase_add_test(tc, test_raise_ignore_unwinds_one_trigger_level);
  tcase_add_test(tc, test_prepared_statement_sees_new_trigger);
  tcase_add_test(tc, test_or_fail_and_or_rollback_conflicts);
  suite_add_tcase(s, tc);
  return s;
}

int main(void) {
  SRunner *sr = srunner_create(trigger_suite());
  srunner_run_all(sr, CK_NORMAL);
  int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
