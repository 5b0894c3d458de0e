/*
 * bench.c: `make bench`, Mica against SQLite on the same workload in one run.
 *
 * DESIGN
 *   The workload is written once against a small table of function pointers (struct bench_backend) with
 *   two implementations: libmica through mica.h and the system's libsqlite3 through sqlite3.h. Both
 *   libraries are linked into this one program (their symbol prefixes differ), and every test runs on
 *   SQLite first and then on Mica, alternating test by test, so that both see the same machine state.
 *
 *   The tests cover what SQLite's speedtest1 measures (bulk inserts with ordered and random keys into
 *   unindexed and indexed tables, BETWEEN / LIKE / ORDER BY / ORDER BY LIMIT over unindexed and indexed
 *   columns, CREATE INDEX, INSERT ... SELECT, UPDATE and DELETE by range and by key, REPLACE, a 4-way join,
 *   subqueries in the result, SELECT DISTINCT, integrity_check, ANALYZE), written for this project. The
 *   size parameter scales them: size 100 gives 50,000 rows a table. Optional extras measure point queries
 *   by key (--pointq N) and a full scan of a large table (--bigscan MB).
 *
 *   Every value a query returns is folded into a per-test FNV-1a checksum of its text form; the two
 *   backends must agree, so the benchmark also checks that Mica computes what SQLite computes. A mismatch
 *   or an error marks the test and makes the program exit 1.
 *
 *   Durability: both databases are files in WAL mode with synchronous=FULL, so every COMMIT is synced.
 *   Random numbers come from a fixed-seed generator reset before each backend runs a test, so both run
 *   exactly the same statements.
 *
 * OUTPUT
 *   One line per test: id, name, SQLite ms, Mica ms, ratio (Mica / SQLite), then the totals.
 */
#include <errno.h>
#include <inttypes.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "mica.h"

/* ------------------------------------------------------------------------------------------------
 * Backends.
 */
typedef struct bench_backend {
  const char *name;
  void *db;
  int (*open)(const char *path, void **db);
  void (*close)(void *db);
  int (*prepare)(void *db, const char *sql, void **stmt);
  int (*bind_int64)(void *stmt, int idx, int64_t v);
  int (*bind_double)(void *stmt, int idx, double v);
  int (*bind_text)(void *stmt, int idx, const char *v);
  int (*step)(void *stmt); /* 1 row, 0 done, -1 error */
  int (*reset)(void *stmt);
  void (*finalize)(void *stmt);
  int (*column_count)(void *stmt);
  const char *(*column_text)(void *stmt, int col);
  const char *(*errmsg)(void *db);
} bench_backend;

/* sqlite3 */
static int sq_open(const char *path, void **db) {
  sqlite3 *h = NULL;
  int rc = sqlite3_open_v2(path, &h, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);
  *db = h;
  return rc == SQLITE_OK ? 0 : -1;
}
static void sq_close(void *db) { sqlite3_close(db); }
static int sq_prepare(void *db, const char *sql, void **stmt) {
  sqlite3_stmt *s = NULL;
  int rc = sqlite3_prepare_v2(db, sql, -1, &s, NULL);
  *stmt = s;
  return rc == SQLITE_OK ? 0 : -1;
}
static int sq_bind_int64(void *s, int i, int64_t v) { return sqlite3_bind_int64(s, i, v); }
static int sq_bind_double(void *s, int i, double v) { return sqlite3_bind_double(s, i, v); }
static int sq_bind_text(void *s, int i, const char *v) {
  return sqlite3_bind_text(s, i, v, -1, SQLITE_TRANSIENT);
}
static int sq_step(void *s) {
  int rc = sqlite3_step(s);
  return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}
static int sq_reset(void *s) { return sqlite3_reset(s); }
static void sq_finalize(void *s) { sqlite3_finalize(s); }
static int sq_column_count(void *s) { return sqlite3_column_count(s); }
static const char *sq_column_text(void *s, int c) { return (const char *)sqlite3_column_text(s, c); }
static const char *sq_errmsg(void *db) { return sqlite3_errmsg(db); }

/* mica */
static int mi_open(const char *path, void **db) {
  mica_db *h = NULL;
  int rc = mica_open(path, MICA_OPEN_READWRITE | MICA_OPEN_CREATE, &h);
  *db = h;
  return rc == MICA_OK ? 0 : -1;
}
static void mi_close(void *db) { mica_close(db); }
static int mi_prepare(void *db, const char *sql, void **stmt) {
  mica_stmt *s = NULL;
  int rc = mica_prepare(db, sql, -1, &s, NULL);
  *stmt = s;
  return rc == MICA_OK ? 0 : -1;
}
static int mi_bind_int64(void *s, int i, int64_t v) { return mica_bind_int64(s, i, v); }
static int mi_bind_double(void *s, int i, double v) { return mica_bind_double(s, i, v); }
static int mi_bind_text(void *s, int i, const char *v) { return mica_bind_text(s, i, v, -1); }
static int mi_step(void *s) {
  int rc = mica_step(s);
  return rc == MICA_ROW ? 1 : rc == MICA_DONE ? 0 : -1;
}
static int mi_reset(void *s) { return mica_reset(s); }
static void mi_finalize(void *s) { mica_finalize(s); }
static int mi_column_count(void *s) { return mica_column_count(s); }
static const char *mi_column_text(void *s, int c) { return (const char *)mica_column_text(s, c); }
static const char *mi_errmsg(void *db) { return mica_errmsg(db); }

static bench_backend backends[2] = {
    {"sqlite", NULL, sq_open, sq_close, sq_prepare, sq_bind_int64, sq_bind_double, sq_bind_text, sq_step,
     sq_reset, sq_finalize, sq_column_count, sq_column_text, sq_errmsg},
    {"mica", NULL, mi_open, mi_close, mi_prepare, mi_bind_int64, mi_bind_double, mi_bind_text, mi_step,
     mi_reset, mi_finalize, mi_column_count, mi_column_text, mi_errmsg},
};

/* ------------------------------------------------------------------------------------------------
 * Per-run state: the backend in use, the checksum and the first error of the current test. Owned by
 * main's loop; the workload functions only touch it through the helpers below.
 */
typedef struct bench_run {
  bench_backend *be;
  uint64_t sum;  /* FNV-1a over every returned value */
  uint64_t rng;  /* xorshift state */
  char err[512]; /* first error of this test, "" if none */
  int size;      /* scale: rows = 500 * size */
} bench_run;

static void run_fail(bench_run *r, const char *what) {
  if (!r->err[0]) snprintf(r->err, sizeof r->err, "%.200s: %.300s", what, r->be->errmsg(r->be->db));
}

static void fold(bench_run *r, const char *s) {
  uint64_t h = r->sum;
  if (!s) {
    h ^= 0xff;
    h *= 0x100000001b3ULL;
  } else {
    for (; *s; s++) {
      h ^= (unsigned char)*s;
      h *= 0x100000001b3ULL;
    }
  }
  h ^= 0x1f; /* value separator */
  h *= 0x100000001b3ULL;
  r->sum = h;
}

static uint64_t rnd(bench_run *r) {
  uint64_t x = r->rng;
  x ^= x << 13;
  x ^= x >> 7;
  x ^= x << 17;
  r->rng = x;
  return x;
}

/* Random integer in [0, n). */
static int64_t rnd_below(bench_run *r, int64_t n) { return (int64_t)(rnd(r) % (uint64_t)n); }

/* Runs sql (one or more statements separated by ';', no parameters), folding any rows it returns. */
static void sql_exec(bench_run *r, const char *sql) {
  const char *p = sql;
  char buf[4096];
  while (*p) {
    const char *e = strchr(p, ';');
    size_t n = e ? (size_t)(e - p) : strlen(p);
    if (n >= sizeof buf) n = sizeof buf - 1;
    memcpy(buf, p, n);
    buf[n] = 0;
    p = e ? e + 1 : p + n;
    const char *q = buf;
    while (*q == ' ' || *q == '\n' || *q == '\t')
      q++;
    if (!*q) continue;
    void *st = NULL;
    if (r->be->prepare(r->be->db, q, &st) != 0) {
      run_fail(r, q);
      if (st) r->be->finalize(st);
      continue;
    }
    int rc;
    while ((rc = r->be->step(st)) == 1) {
      int nc = r->be->column_count(st);
      for (int i = 0; i < nc; i++)
        fold(r, r->be->column_text(st, i));
    }
    if (rc < 0) run_fail(r, q);
    r->be->finalize(st);
  }
}

static void *sql_prep(bench_run *r, const char *sql) {
  void *st = NULL;
  if (r->be->prepare(r->be->db, sql, &st) != 0) {
    run_fail(r, sql);
    if (st) r->be->finalize(st);
    return NULL;
  }
  return st;
}

/* Steps a bound statement to completion, folding its rows, then resets it. */
static void sql_run(bench_run *r, void *st) {
  if (!st) return;
  int rc;
  while ((rc = r->be->step(st)) == 1) {
    int nc = r->be->column_count(st);
    for (int i = 0; i < nc; i++)
      fold(r, r->be->column_text(st, i));
  }
  if (rc < 0) run_fail(r, "step");
  r->be->reset(st);
}

static void sql_done(bench_run *r, void *st) {
  if (st) r->be->finalize(st);
}

/* Spells n (0 <= n < 10^12) in English words into buf: the text column values of the workload. */
static void spell(int64_t n, char *buf, size_t cap) {
  static const char *ones[] = {"zero",    "one",     "two",       "three",    "four",
                               "five",    "six",     "seven",     "eight",    "nine",
                               "ten",     "eleven",  "twelve",    "thirteen", "fourteen",
                               "fifteen", "sixteen", "seventeen", "eighteen", "nineteen"};
  static const char *tens[] = {"",      "",      "twenty",  "thirty", "forty",
                               "fifty", "sixty", "seventy", "eighty", "ninety"};
  static const struct {
    int64_t v;
    const char *w;
  } big[] = {{1000000000, "billion"}, {1000000, "million"}, {1000, "thousand"}};
  size_t len = 0;
  buf[0] = 0;
#define PUT(s)                                                                                               \
  do {                                                                                                       \
    int k_ = snprintf(buf + len, cap - len, "%s%s", len ? " " : "", (s));                                    \
    if (k_ > 0 && (size_t)k_ < cap - len) len += (size_t)k_;                                                 \
  } while (0)
  if (n == 0) {
    PUT("zero");
    return;
  }
  for (int i = 0; i < 3; i++) {
    if (n >= big[i].v) {
      char sub[256];
      spell(n / big[i].v, sub, sizeof sub);
      PUT(sub);
      PUT(big[i].w);
      n %= big[i].v;
    }
  }
  if (n >= 100) {
    PUT(ones[n / 100]);
    PUT("hundred");
    n %= 100;
  }
  if (n >= 20) {
    PUT(tens[n / 10]);
    n %= 10;
  }
  if (n > 0) PUT(ones[n]);
#undef PUT
}

/* ------------------------------------------------------------------------------------------------
 * The workload. Each test is a function over the current backend; N = 500 * size.
 */
#define N(r) ((int64_t)500 * (r)->size)

static void t100_insert_unindexed(bench_run *r) {
  char txt[256];
  sql_exec(r, "BEGIN; CREATE TABLE t1(a INTEGER, b INTEGER, c TEXT); COMMIT");
  sql_exec(r, "BEGIN");
  void *st = sql_prep(r, "INSERT INTO t1 VALUES(?1,?2,?3)");
  for (int64_t i = 1; st && i <= N(r); i++) {
    int64_t x = rnd_below(r, N(r) * 2);
    spell(x, txt, sizeof txt);
    r->be->bind_int64(st, 1, x);
    r->be->bind_int64(st, 2, i);
    r->be->bind_text(st, 3, txt);
    sql_run(r, st);
  }
  sql_done(r, st);
  sql_exec(r, "COMMIT");
}

static void t110_insert_ordered_pk(bench_run *r) {
  char txt[256];
  sql_exec(r, "CREATE TABLE t2(a INTEGER PRIMARY KEY, b INTEGER, c TEXT)");
  sql_exec(r, "BEGIN");
  void *st = sql_prep(r, "INSERT INTO t2 VALUES(?1,?2,?3)");
  for (int64_t i = 1; st && i <= N(r); i++) {
    int64_t x = rnd_below(r, N(r) * 2);
    spell(x, txt, sizeof txt);
    r->be->bind_int64(st, 1, i);
    r->be->bind_int64(st, 2, x);
    r->be->bind_text(st, 3, txt);
    sql_run(r, st);
  }
  sql_done(r, st);
  sql_exec(r, "COMMIT");
}

static void t120_insert_random_indexed(bench_run *r) {
  char txt[256];
  sql_exec(r, "CREATE TABLE t3(a INTEGER, b INTEGER, c TEXT); CREATE INDEX t3c ON t3(c)");
  sql_exec(r, "BEGIN");
  void *st = sql_prep(r, "INSERT INTO t3 VALUES(?1,?2,?3)");
  for (int64_t i = 1; st && i <= N(r); i++) {
    int64_t x = rnd_below(r, N(r) * 2);
    spell(x, txt, sizeof txt);
    r->be->bind_int64(st, 1, x);
    r->be->bind_int64(st, 2, i);
    r->be->bind_text(st, 3, txt);
    sql_run(r, st);
  }
  sql_done(r, st);
  sql_exec(r, "COMMIT");
}

static void t130_between_unindexed(bench_run *r) {
  void *st = sql_prep(
      r, "SELECT count(*), avg(b), sum(length(c)), group_concat(c) FROM t1 WHERE b BETWEEN ?1 AND ?2");
  sql_exec(r, "BEGIN");
  for (int i = 0; st && i < r->size / 4 + 1; i++) {
    int64_t lo = rnd_below(r, N(r));
    r->be->bind_int64(st, 1, lo);
    r->be->bind_int64(st, 2, lo + 100);
    sql_run(r, st);
  }
  sql_done(r, st);
  sql_exec(r, "COMMIT");
}

static void t140_like_unindexed(bench_run *r) {
  static const char *pat[] = {"%one%", "%two%", "%thousand%", "%ninety%", "%seven hundred%"};
  void *st = sql_prep(r, "SELECT count(*), avg(b), sum(length(c)) FROM t1 WHERE c LIKE ?1");
  sql_exec(r, "BEGIN");
  for (int i = 0; st && i < r->size / 10 + 1; i++) {
    r->be->bind_text(st, 1, pat[i % 5]);
    sql_run(r, st);
  }
  sql_done(r, st);
  sql_exec(r, "COMMIT");
}

static void t142_orderby_unindexed(bench_run *r) {
  void *st = sql_prep(r, "SELECT a, b, c FROM t1 WHERE c LIKE ?1 ORDER BY a, b");
  sql_exec(r, "BEGIN");
  for (int i = 0; st && i < r->size / 10 + 1; i++) {
    r->be->bind_text(st, 1, i & 1 ? "%eight%" : "%six%");
    sql_run(r, st);
  }
  sql_done(r, st);
  sql_exec(r, "COMMIT");
}

static void t145_orderby_limit_unindexed(bench_run *r) {
  void *st = sql_prep(r, "SELECT a, b, c FROM t1 WHERE c LIKE ?1 ORDER BY a, b LIMIT 10");
  sql_exec(r, "BEGIN");
  for (int i = 0; st && i < r->size / 10 + 1; i++) {
    r->be->bind_text(st, 1, i & 1 ? "%four%" : "%nine%");
    sql_run(r, st);
  }
  sql_done(r, st);
  sql_exec(r, "COMMIT");
}

static void t150_create_index(bench_run *r) {
  sql_exec(r,
           "BEGIN; CREATE UNIQUE INDEX t1b ON t1(b); CREATE INDEX t1c ON t1(c); CREATE UNIQUE INDEX t2b ON "
           "t2(b, a); CREATE INDEX t2c ON t2(c DESC); CREATE INDEX t3bc ON t3(b, c); COMMIT");
}

static void t160_between_indexed(bench_run *r) {
  void *st = sql_prep(
      r, "SELECT count(*), avg(b), sum(length(c)), group_concat(a) FROM t1 WHERE b BETWEEN ?1 AND ?2");
  sql_exec(r, "BEGIN");
  for (int64_t i = 0; st && i < N(r) / 5; i++) {
    int64_t lo = rnd_below(r, N(r));
    r->be->bind_int64(st, 1, lo);
    r->be->bind_int64(st, 2, lo + 10);
    sql_run(r, st);
  }
  sql_done(r, st);
  sql_exec(r, "COMMIT");
}

static void t161_between_pk(bench_run *r) {
  void *st = sql_prep(
      r, "SELECT count(*), avg(b), sum(length(c)), group_concat(a) FROM t2 WHERE a BETWEEN ?1 AND ?2");
  sql_exec(r, "BEGIN");
  for (int64_t i = 0; st && i < N(r) / 5; i++) {
    int64_t lo = rnd_below(r, N(r));
    r->be->bind_int64(st, 1, lo);
    r->be->bind_int64(st, 2, lo + 10);
    sql_run(r, st);
  }
  sql_done(r, st);
  sql_exec(r, "COMMIT");
}

static void t170_text_between_indexed(bench_run *r) {
  char lo[256], hi[256];
  void *st = sql_prep(r, "SELECT count(*), avg(b), sum(length(c)) FROM t1 WHERE c BETWEEN ?1 AND ?2");
  sql_exec(r, "BEGIN");
  for (int64_t i = 0; st && i < N(r) / 5; i++) {
    int64_t x = rnd_below(r, N(r));
    spell(x, lo, sizeof lo);
    spell(x + 3, hi, sizeof hi);
    r->be->bind_text(st, 1, lo);
    r->be->bind_text(st, 2, hi);
    sql_run(r, st);
  }
  sql_done(r, st);
  sql_exec(r, "COMMIT");
}

static void t180_insert_three_indexes(bench_run *r) {
  char txt[256];
  sql_exec(r, "CREATE TABLE t4(a INTEGER UNIQUE NOT NULL, b INTEGER UNIQUE NOT NULL, c TEXT, d TEXT); "
              "CREATE INDEX t4c ON t4(c)");
  sql_exec(r, "BEGIN");
  void *st = sql_prep(r, "INSERT INTO t4 VALUES(?1,?2,?3,?3)");
  for (int64_t i = 1; st && i <= N(r); i++) {
    spell(rnd_below(r, N(r) * 10), txt, sizeof txt);
    r->be->bind_int64(st, 1, i);
    r->be->bind_int64(st, 2, N(r) * 2 - i);
    r->be->bind_text(st, 3, txt);
    sql_run(r, st);
  }
  sql_done(r, st);
  sql_exec(r, "COMMIT");
}

static void t190_insert_select(bench_run *r) {
  sql_exec(r, "BEGIN; DELETE FROM t2; INSERT INTO t2 SELECT b+1000000, a, c FROM t1; COMMIT; "
              "SELECT count(*), sum(a), sum(b) FROM t2");
}

static void t230_update_range_indexed(bench_run *r) {
  void *st = sql_prep(r, "UPDATE t2 SET b=b*2 WHERE a BETWEEN ?1 AND ?2");
  sql_exec(r, "BEGIN");
  for (int64_t i = 0; st && i < N(r) / 10; i++) {
    int64_t lo = 1000000 + rnd_below(r, N(r));
    r->be->bind_int64(st, 1, lo);
    r->be->bind_int64(st, 2, lo + 10);
    sql_run(r, st);
  }
  sql_done(r, st);
  sql_exec(r, "COMMIT; SELECT sum(b) FROM t2");
}

static void t240_update_by_key(bench_run *r) {
  void *st = sql_prep(r, "UPDATE t2 SET c=c||'x' WHERE a=?1");
  sql_exec(r, "BEGIN");
  for (int64_t i = 0; st && i < N(r); i++) {
    r->be->bind_int64(st, 1, 1000000 + rnd_below(r, N(r)));
    sql_run(r, st);
  }
  sql_done(r, st);
  sql_exec(r, "COMMIT; SELECT sum(length(c)) FROM t2");
}

static void t250_update_all(bench_run *r) {
  sql_exec(r, "BEGIN; UPDATE t2 SET a=a-1000000, b=b+1; COMMIT; SELECT sum(a), sum(b) FROM t2");
}

static void t260_update_unindexed_range(bench_run *r) {
  void *st = sql_prep(r, "UPDATE t4 SET d=c||'y' WHERE a BETWEEN ?1 AND ?2");
  sql_exec(r, "BEGIN");
  for (int64_t i = 0; st && i < N(r) / 10; i++) {
    int64_t lo = rnd_below(r, N(r));
    r->be->bind_int64(st, 1, lo);
    r->be->bind_int64(st, 2, lo + 5);
    sql_run(r, st);
  }
  sql_done(r, st);
  sql_exec(r, "COMMIT; SELECT count(*) FROM t4 WHERE d<>c");
}

static void t270_delete_range(bench_run *r) {
  void *st = sql_prep(r, "DELETE FROM t2 WHERE a BETWEEN ?1 AND ?2");
  sql_exec(r, "BEGIN");
  for (int64_t i = 0; st && i < N(r) / 20; i++) {
    int64_t lo = rnd_below(r, N(r));
    r->be->bind_int64(st, 1, lo);
    r->be->bind_int64(st, 2, lo + 2);
    sql_run(r, st);
  }
  sql_done(r, st);
  sql_exec(r, "COMMIT; SELECT count(*), sum(a) FROM t2");
}

static void t280_delete_by_key(bench_run *r) {
  void *st = sql_prep(r, "DELETE FROM t4 WHERE a=?1");
  sql_exec(r, "BEGIN");
  for (int64_t i = 0; st && i < N(r) / 2; i++) {
    r->be->bind_int64(st, 1, rnd_below(r, N(r)) + 1);
    sql_run(r, st);
  }
  sql_done(r, st);
  sql_exec(r, "COMMIT; SELECT count(*), sum(b) FROM t4");
}

static void t290_replace_refill(bench_run *r) {
  sql_exec(r, "BEGIN; REPLACE INTO t2(a,b,c) SELECT b, a, c FROM t1; COMMIT; SELECT count(*), sum(a), sum(b) "
              "FROM t2");
}

static void t310_join4(bench_run *r) {
  void *st =
      sql_prep(r, "SELECT t1.c, t2.c, t3.c, t4.c FROM t1, t2, t3, t4 "
                  "WHERE t1.b BETWEEN ?1 AND ?2 AND t2.a=t1.b AND t3.b=t1.b AND t4.a=t1.b ORDER BY t1.b");
  sql_exec(r, "BEGIN");
  for (int i = 0; st && i < r->size * 5; i++) {
    int64_t lo = rnd_below(r, N(r));
    r->be->bind_int64(st, 1, lo);
    r->be->bind_int64(st, 2, lo + 50);
    sql_run(r, st);
  }
  sql_done(r, st);
  sql_exec(r, "COMMIT");
}

static void t320_subquery_result(bench_run *r) {
  void *st = sql_prep(r, "SELECT t1.a, (SELECT t2.c FROM t2 WHERE t2.a=t1.b), "
                         "(SELECT max(t4.b) FROM t4 WHERE t4.a<=t1.b) FROM t1 WHERE t1.b BETWEEN ?1 AND ?2");
  sql_exec(r, "BEGIN");
  for (int i = 0; st && i < r->size * 5; i++) {
    int64_t lo = rnd_below(r, N(r));
    r->be->bind_int64(st, 1, lo);
    r->be->bind_int64(st, 2, lo + 50);
    sql_run(r, st);
  }
  sql_done(r, st);
  sql_exec(r, "COMMIT");
}

static void t400_replace_ipk(bench_run *r) {
  char txt[256];
  sql_exec(r, "CREATE TABLE t5(a INTEGER PRIMARY KEY, b TEXT)");
  sql_exec(r, "BEGIN");
  void *st = sql_prep(r, "REPLACE INTO t5 VALUES(?1,?2)");
  for (int64_t i = 0; st && i < N(r) * 2; i++) {
    int64_t k = rnd_below(r, N(r));
    spell(k + i, txt, sizeof txt);
    r->be->bind_int64(st, 1, k);
    r->be->bind_text(st, 2, txt);
    sql_run(r, st);
  }
  sql_done(r, st);
  sql_exec(r, "COMMIT; SELECT count(*), sum(length(b)) FROM t5");
}

static void t410_select_ipk(bench_run *r) {
  void *st = sql_prep(r, "SELECT b FROM t5 WHERE a=?1");
  sql_exec(r, "BEGIN");
  for (int64_t i = 0; st && i < N(r) * 2; i++) {
    r->be->bind_int64(st, 1, rnd_below(r, N(r)));
    sql_run(r, st);
  }
  sql_done(r, st);
  sql_exec(r, "COMMIT");
}

static void t500_replace_text_pk(bench_run *r) {
  char txt[256];
  sql_exec(r, "CREATE TABLE t6(a TEXT PRIMARY KEY, b INTEGER) WITHOUT ROWID");
  sql_exec(r, "BEGIN");
  void *st = sql_prep(r, "REPLACE INTO t6 VALUES(?1,?2)");
  for (int64_t i = 0; st && i < N(r); i++) {
    spell(rnd_below(r, N(r)), txt, sizeof txt);
    r->be->bind_text(st, 1, txt);
    r->be->bind_int64(st, 2, i);
    sql_run(r, st);
  }
  sql_done(r, st);
  sql_exec(r, "COMMIT; SELECT count(*), sum(b) FROM t6");
}

static void t510_select_text_pk(bench_run *r) {
  char txt[256];
  void *st = sql_prep(r, "SELECT b FROM t6 WHERE a=?1");
  sql_exec(r, "BEGIN");
  for (int64_t i = 0; st && i < N(r); i++) {
    spell(rnd_below(r, N(r)), txt, sizeof txt);
    r->be->bind_text(st, 1, txt);
    sql_run(r, st);
  }
  sql_done(r, st);
  sql_exec(r, "COMMIT");
}

static void t520_distinct(bench_run *r) {
  sql_exec(r,
           "SELECT DISTINCT b FROM t5 ORDER BY b LIMIT 20; SELECT count(*) FROM (SELECT DISTINCT a % 1000, "
           "length(c) FROM t1); SELECT DISTINCT c FROM t3 ORDER BY c");
}

static void t980_integrity_check(bench_run *r) { sql_exec(r, "PRAGMA integrity_check"); }

static void t990_analyze(bench_run *r) {
  sql_exec(r, "ANALYZE; SELECT tbl, idx, stat FROM sqlite_stat1 ORDER BY tbl, idx");
}

/* Extras, off by default. */
static int64_t g_pointq;  /* --pointq: number of point queries */
static int64_t g_bigscan; /* --bigscan: MB of table to scan */

static void t900_point_queries(bench_run *r) {
  if (g_pointq <= 0) return;
  void *st = sql_prep(r, "SELECT b FROM t5 WHERE a=?1");
  sql_exec(r, "BEGIN");
  for (int64_t i = 0; st && i < g_pointq; i++) {
    r->be->bind_int64(st, 1, rnd_below(r, N(r)));
    sql_run(r, st);
  }
  sql_done(r, st);
  sql_exec(r, "COMMIT");
}

static void t910_big_scan(bench_run *r) {
  if (g_bigscan <= 0) return;
  /* ~1 KB rows: build in one transaction, then time only matters for the whole test */
  sql_exec(r, "CREATE TABLE big(a INTEGER PRIMARY KEY, b BLOB)");
  sql_exec(r, "BEGIN");
  void *st = sql_prep(r, "INSERT INTO big(b) VALUES(randomblob(1000))");
  for (int64_t i = 0; st && i < g_bigscan * 1000; i++)
    sql_run(r, st);
  sql_done(r, st);
  sql_exec(r, "COMMIT; SELECT count(*), sum(length(b)) FROM big");
}

typedef struct bench_test {
  int id;
  const char *name;
  void (*fn)(bench_run *);
} bench_test;

static const bench_test tests[] = {
    {100, "INSERTs into table with no index", t100_insert_unindexed},
    {110, "ordered INSERTs with an INTEGER PRIMARY KEY", t110_insert_ordered_pk},
    {120, "random INSERTs into an indexed table", t120_insert_random_indexed},
    {130, "SELECTs, numeric BETWEEN, unindexed", t130_between_unindexed},
    {140, "SELECTs, LIKE, unindexed", t140_like_unindexed},
    {142, "SELECTs with ORDER BY, unindexed", t142_orderby_unindexed},
    {145, "SELECTs with ORDER BY and LIMIT, unindexed", t145_orderby_limit_unindexed},
    {150, "CREATE INDEX five times", t150_create_index},
    {160, "SELECTs, numeric BETWEEN, indexed", t160_between_indexed},
    {161, "SELECTs, numeric BETWEEN, PRIMARY KEY", t161_between_pk},
    {170, "SELECTs, text BETWEEN, indexed", t170_text_between_indexed},
    {180, "INSERTs with three indexes", t180_insert_three_indexes},
    {190, "DELETE all and INSERT ... SELECT", t190_insert_select},
    {230, "UPDATEs, numeric BETWEEN, PRIMARY KEY", t230_update_range_indexed},
    {240, "UPDATEs of individual rows by key", t240_update_by_key},
    {250, "one big UPDATE of the whole table", t250_update_all},
    {260, "UPDATEs, range on a UNIQUE column", t260_update_unindexed_range},
    {270, "DELETEs, numeric BETWEEN, PRIMARY KEY", t270_delete_range},
    {280, "DELETEs of individual rows by key", t280_delete_by_key},
    {290, "refill a table with REPLACE ... SELECT", t290_replace_refill},
    {310, "4-way joins", t310_join4},
    {320, "subqueries in the result set", t320_subquery_result},
    {400, "REPLACE on an INTEGER PRIMARY KEY", t400_replace_ipk},
    {410, "SELECTs on an INTEGER PRIMARY KEY", t410_select_ipk},
    {500, "REPLACE on a TEXT PRIMARY KEY (WITHOUT ROWID)", t500_replace_text_pk},
    {510, "SELECTs on a TEXT PRIMARY KEY", t510_select_text_pk},
    {520, "SELECT DISTINCT", t520_distinct},
    {900, "point queries by key (--pointq)", t900_point_queries},
    {910, "full scan of a large table (--bigscan)", t910_big_scan},
    {980, "PRAGMA integrity_check", t980_integrity_check},
    {990, "ANALYZE", t990_analyze},
};

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void usage(void) {
  fprintf(stderr, "usage: bench [--size N] [--dir DIR] [--only sqlite|mica] [--pointq N] [--bigscan MB]\n"
                  "             [--tests ID,ID,...]\n"
                  "Runs each test on SQLite then on Mica and prints times and the ratio Mica/SQLite.\n");
}

static int selected(const char *list, int id) {
  if (!list) return 1;
  char buf[16];
  snprintf(buf, sizeof buf, "%d", id);
  const char *p = list;
  while (p && *p) {
    size_t n = strcspn(p, ",");
    if (n == strlen(buf) && !strncmp(p, buf, n)) return 1;
    p += n;
    if (*p == ',') p++;
  }
  return 0;
}

int main(int argc, char **argv) {
  int size = 100;
  const char *dir = NULL, *only = NULL, *list = NULL;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    const char *v = i + 1 < argc ? argv[i + 1] : NULL;
    if (!strcmp(a, "--size") && v) {
      size = atoi(v);
      i++;
    } else if (!strcmp(a, "--dir") && v) {
      dir = v;
      i++;
    } else if (!strcmp(a, "--only") && v) {
      only = v;
      i++;
    } else if (!strcmp(a, "--pointq") && v) {
      g_pointq = atoll(v);
      i++;
    } else if (!strcmp(a, "--bigscan") && v) {
      g_bigscan = atoll(v);
      i++;
    } else if (!strcmp(a, "--tests") && v) {
      list = v;
      i++;
    } else {
      usage();
      return a[2] == 'h' ? 0 : 2;
    }
  }
  if (size < 1) size = 1;
  char tmpl[] = "/tmp/mica-bench-XXXXXX";
  if (!dir) {
    dir = mkdtemp(tmpl);
    if (!dir) {
      perror("mkdtemp");
      return 2;
    }
  }
  int use[2] = {!only || !strcmp(only, "sqlite"), !only || !strcmp(only, "mica")};
  for (int b = 0; b < 2; b++) {
    if (!use[b]) continue;
    char path[4096];
    snprintf(path, sizeof path, "%s/%s.db", dir, backends[b].name);
    static const char *const sfx[] = {"", "-wal", "-shm", "-journal"};
    for (int s = 0; s < 4; s++) {
      char p2[4200];
      snprintf(p2, sizeof p2, "%s%s", path, sfx[s]);
      unlink(p2);
    }
    if (backends[b].open(path, &backends[b].db) != 0) {
      fprintf(stderr, "bench: cannot open %s with %s\n", path, backends[b].name);
      return 2;
    }
    bench_run r = {&backends[b], 0, 1, "", size};
    sql_exec(&r, b == 0 ? "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL" : "PRAGMA synchronous=FULL");
    if (r.err[0]) fprintf(stderr, "bench: %s setup: %s\n", backends[b].name, r.err);
  }
  printf("Mica %s vs SQLite %s, size %d (%d rows a table), databases in %s\n", MICA_VERSION,
         sqlite3_libversion(), size, 500 * size, dir);
  printf("%-4s %-46s %10s %10s %7s\n", "id", "test", "sqlite ms", "mica ms", "ratio");
  double tot[2] = {0, 0};
  double worst = 0;
  int bad = 0;
  for (size_t t = 0; t < sizeof tests / sizeof tests[0]; t++) {
    if (!selected(list, tests[t].id)) continue;
    if ((tests[t].id == 900 && g_pointq <= 0) || (tests[t].id == 910 && g_bigscan <= 0)) continue;
    double ms[2] = {0, 0};
    uint64_t sums[2] = {0, 0};
    char errs[2][512] = {"", ""};
    for (int b = 0; b < 2; b++) {
      if (!use[b]) continue;
      bench_run r = {&backends[b], 0xcbf29ce484222325ULL, 0x9e3779b97f4a7c15ULL ^ (uint64_t)tests[t].id, "",
                     size};
      double t0 = now_ms();
      tests[t].fn(&r);
      ms[b] = now_ms() - t0;
      sums[b] = r.sum;
      memcpy(errs[b], r.err, sizeof r.err);
      tot[b] += ms[b];
    }
    double ratio = use[0] && use[1] && ms[0] > 0 ? ms[1] / ms[0] : 0;
    if (ratio > worst) worst = ratio;
    printf("%-4d %-46s %10.1f %10.1f %6.2fx", tests[t].id, tests[t].name, ms[0], ms[1], ratio);
    if (errs[0][0] || errs[1][0]) {
      printf("  ERROR %s", errs[1][0] ? errs[1] : errs[0]);
      bad++;
    } else if (use[0] && use[1] && sums[0] != sums[1]) {
      printf("  RESULTS DIFFER");
      bad++;
    }
    printf("\n");
    fflush(stdout);
  }
  printf("%-4s %-46s %10.1f %10.1f %6.2fx\n", "", "TOTAL", tot[0], tot[1], tot[0] > 0 ? tot[1] / tot[0] : 0);
  printf("worst single-test ratio %.2fx; %d test(s) with errors or differing results\n", worst, bad);
  for (int b = 0; b < 2; b++) {
    if (!use[b]) continue;
    backends[b].close(backends[b].db);
    if (dir == tmpl) { /* a directory we created: remove it with its files */
      static const char *const sfx[] = {"", "-wal", "-shm", "-journal"};
      for (int s = 0; s < 4; s++) {
        char p2[4200];
        snprintf(p2, sizeof p2, "%s/%s.db%s", dir, backends[b].name, sfx[s]);
        unlink(p2);
      }
    }
  }
  if (dir == tmpl) rmdir(dir);
  return bad ? 1 : 0;
}
