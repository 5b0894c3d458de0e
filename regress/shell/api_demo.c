/*
 * api_demo.c: a small ordinary sqlite3 program, built twice: against the system sqlite3
 * (regress/shell/api_demo_sqlite3) and against libmica-sqlite3 (regress/shell/api_demo_mica).
 * regress/shell/api.sh runs both on a fresh database and requires identical output: what a real
 * program sees through the sqlite3 API must not change when it is relinked against Mica.
 *
 * Usage: api_demo DBFILE
 */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static sqlite3 *db;

static void print_value(sqlite3_stmt *st, int i) {
  switch (sqlite3_column_type(st, i)) {
  case SQLITE_NULL: printf("NULL"); break;
  case SQLITE_INTEGER: printf("int:%lld", sqlite3_column_int64(st, i)); break;
  case SQLITE_FLOAT: printf("real:%.17g", sqlite3_column_double(st, i)); break;
  case SQLITE_TEXT: printf("text:'%s'", (const char *)sqlite3_column_text(st, i)); break;
  case SQLITE_BLOB: {
    const unsigned char *p = sqlite3_column_blob(st, i);
    printf("blob:");
    for (int k = 0; k < sqlite3_column_bytes(st, i); k++)
      printf("%02x", p[k]);
    break;
  }
  }
}

/* Prepares and steps every statement of sql, printing rows and outcomes. */
static void run(const char *sql) {
  const char *z = sql;
  printf("> %s\n", sql);
  while (z && *z) {
    sqlite3_stmt *st = NULL;
    const char *tail = NULL;
    int rc = sqlite3_prepare_v2(db, z, -1, &st, &tail);
    if (rc != SQLITE_OK) {
      printf("  prepare error %d (%d): %s\n", rc, sqlite3_extended_errcode(db), sqlite3_errmsg(db));
      return;
    }
    if (st == NULL) break;
    int ncol = sqlite3_column_count(st);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
      printf("  row:");
      for (int i = 0; i < ncol; i++) {
        printf(" %s=", sqlite3_column_name(st, i));
        print_value(st, i);
      }
      printf("\n");
    }
    if (rc != SQLITE_DONE)
      printf("  step error %d (%d): %s\n", rc, sqlite3_extended_errcode(db), sqlite3_errmsg(db));
    else if (!sqlite3_stmt_readonly(st))
      printf("  changes=%d total=%d rowid=%lld\n", sqlite3_changes(db), sqlite3_total_changes(db),
             sqlite3_last_insert_rowid(db));
    sqlite3_finalize(st);
    z = tail;
  }
}

static void fn_reverse(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  if (sqlite3_value_type(argv[0]) == SQLITE_NULL) {
    sqlite3_result_null(ctx);
    return;
  }
  const unsigned char *t = sqlite3_value_text(argv[0]);
  int n = sqlite3_value_bytes(argv[0]);
  char *r = sqlite3_malloc(n + 1);
  for (int i = 0; i < n; i++)
    r[i] = (char)t[n - 1 - i];
  r[n] = 0;
  sqlite3_result_text(ctx, r, n, sqlite3_free);
}

static void agg_longest_step(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  char **best = sqlite3_aggregate_context(ctx, sizeof(char *));
  const char *t = (const char *)sqlite3_value_text(argv[0]);
  if (t && (*best == NULL || strlen(t) > strlen(*best))) {
    sqlite3_free(*best);
    *best = sqlite3_mprintf("%s", t);
  }
}

static void agg_longest_final(sqlite3_context *ctx) {
  char **best = sqlite3_aggregate_context(ctx, 0);
  if (best && *best) {
    sqlite3_result_text(ctx, *best, -1, SQLITE_TRANSIENT);
    sqlite3_free(*best);
  } else {
    sqlite3_result_null(ctx);
  }
}

static int print_row(void *arg, int n, char **v, char **names) {
  printf("  exec row %d:", ++*(int *)arg);
  for (int i = 0; i < n; i++)
    printf(" %s=%s", names[i], v[i] ? v[i] : "(null)");
  printf("\n");
  return 0;
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: %s DBFILE\n", argv[0]);
    return 2;
  }
  int rc = sqlite3_open_v2(argv[1], &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);
  printf("open: %d\n", rc);
  if (rc != SQLITE_OK) return 1;
  printf("complete: %d %d\n", sqlite3_complete("select 1;"), sqlite3_complete("select 'x;"));

  run("CREATE TABLE item(id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, price REAL, data BLOB)");
  sqlite3_stmt *ins = NULL;
  sqlite3_prepare_v2(db, "INSERT INTO item(name, price, data) VALUES(:name, :price, :data)", -1, &ins, NULL);
  printf("params: %d %s %d\n", sqlite3_bind_parameter_count(ins), sqlite3_bind_parameter_name(ins, 2),
         sqlite3_bind_parameter_index(ins, ":data"));
  const char *names[] = {"apple", "banana", "cherry", "apple"};
  for (int i = 0; i < 4; i++) {
    sqlite3_bind_text(ins, 1, names[i], -1, SQLITE_STATIC);
    sqlite3_bind_double(ins, 2, 0.5 + i * 1.25);
    if (i % 2)
      sqlite3_bind_blob(ins, 3, "\x01\x02\x03", 3, SQLITE_TRANSIENT);
    else
      sqlite3_bind_null(ins, 3);
    rc = sqlite3_step(ins);
    printf("insert %s: %d rowid=%lld", names[i], rc, sqlite3_last_insert_rowid(db));
    if (rc != SQLITE_DONE) printf(" err=%d %s", sqlite3_extended_errcode(db), sqlite3_errmsg(db));
    printf("\n");
    sqlite3_reset(ins);
  }
  sqlite3_finalize(ins);

  run("SELECT id, name, price, data, price * 2 AS twice, length(name) FROM item ORDER BY id");
  run("SELECT count(*), sum(price), avg(price), min(name), max(name), group_concat(name, '/') FROM item");
  run("UPDATE item SET price = price + 1 WHERE price > 1");
  run("DELETE FROM item WHERE name = 'banana'");
  run("SELECT typeof(1), typeof(1.5), typeof('x'), typeof(x'00'), typeof(NULL), 7 / 2, 7 % 3, 7 / 2.0");
  run("SELECT name FROM item WHERE price BETWEEN 1 AND 5 ORDER BY name DESC");
  run("SELECT * FROM nosuch");
  run("SELEC 1");
  run("INSERT INTO item(name) VALUES(NULL)");

  sqlite3_create_function(db, "reverse", 1, SQLITE_UTF8 | SQLITE_DETERMINISTIC, NULL, fn_reverse, NULL, NULL);
  sqlite3_create_function(db, "longest", 1, SQLITE_UTF8, NULL, NULL, agg_longest_step, agg_longest_final);
  run("SELECT reverse(name), reverse(NULL) FROM item ORDER BY id");
  run("SELECT longest(name) FROM item");

  int count = 0;
  char *err = NULL;
  rc = sqlite3_exec(db, "SELECT id, name FROM item ORDER BY id; SELECT 'second'", print_row, &count, &err);
  printf("exec: %d %s\n", rc, err ? err : "(no error)");
  sqlite3_free(err);

  char **table = NULL;
  int nrow = 0, ncol = 0;
  rc = sqlite3_get_table(db, "SELECT name, price FROM item ORDER BY name", &table, &nrow, &ncol, NULL);
  printf("get_table: %d rows=%d cols=%d:", rc, nrow, ncol);
  for (int i = 0; i < (nrow + 1) * ncol; i++)
    printf(" %s", table[i] ? table[i] : "(null)");
  printf("\n");
  sqlite3_free_table(table);

  char *s = sqlite3_mprintf("%q/%Q/%Q/%d/%lld/%s", "it's", "x", (char *)NULL, -5, 1LL << 40, "end");
  printf("mprintf: %s\n", s);
  sqlite3_free(s);

  printf("autocommit: %d\n", sqlite3_get_autocommit(db));
  run("BEGIN");
  printf("autocommit in txn: %d\n", sqlite3_get_autocommit(db));
  run("INSERT INTO item(name, price) VALUES('date', 9)");
  run("ROLLBACK");
  run("SELECT count(*) FROM item");
  printf("errstr: %s | %s\n", sqlite3_errstr(SQLITE_CONSTRAINT), sqlite3_errstr(SQLITE_NOTFOUND));
  printf("close: %d\n", sqlite3_close(db));
  return 0;
}
