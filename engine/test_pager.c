/*
 * test_pager.c: unit tests for the pager (page cache, transactions, snapshots, WAL commit, sqlite3
 * interoperability).
 */
#include <check.h>
#include <pthread.h>
#include <time.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "io.h"
#include "mica.h"
#include "pager.h"
#include "wal.h"

static char tmpdir[256];

static struct timespec t_start;

static void setup(void) {
  clock_gettime(CLOCK_MONOTONIC, &t_start);
  snprintf(tmpdir, sizeof tmpdir, "/tmp/mica_test_pager_XXXXXX");
  ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

static void teardown(void) {
  if (getenv("PAGER_TEST_TIMING")) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    fprintf(stderr, "%s: %.0f ms\n", tmpdir,
            (double)(t.tv_sec - t_start.tv_sec) * 1e3 + (double)(t.tv_nsec - t_start.tv_nsec) / 1e6);
  }
  char cmd[300];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
  ck_assert_int_eq(system(cmd), 0);
}

static void tpath(char *buf, size_t n, const char *name) { snprintf(buf, n, "%s/%s", tmpdir, name); }

static uint32_t rd32(const uint8_t *p) {
  return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

/* Formats page 1 as an empty SQLite database (what the b-tree layer does for a new file). */
static void format_page1(uint8_t *d, uint32_t ps) {
  memset(d, 0, ps);
  memcpy(d, "SQLite format 3", 16);
  d[16] = (uint8_t)(ps == 65536 ? 0 : ps >> 8);
  d[17] = (uint8_t)(ps == 65536 ? 1 : ps & 0xff);
  d[18] = d[19] = 1;
  d[21] = 64;
  d[22] = 32;
  d[23] = 32;
  d[47] = 4; /* schema format */
  d[59] = 1; /* UTF-8 */
  d[100] = 13;
  d[105] = (uint8_t)(ps >> 8);
  d[106] = (uint8_t)(ps & 0xff);
}

/* Writes n pages (page 1 formatted, others filled with a pattern of seed) in one transaction. */
static void write_pages(PagerConn *pc, uint32_t first, uint32_t n, int seed) {
  ck_assert_int_eq(pager_begin_write(pc, 0), MICA_OK);
  for (uint32_t i = first; i < first + n; i++) {
    PgHdr *pg;
    ck_assert_int_eq(pager_get(pc, i, &pg), MICA_OK);
    ck_assert_int_eq(pager_write(pg), MICA_OK);
    if (i == 1)
      format_page1(pg->data, pager_page_size(pc));
    else
      memset(pg->data, (seed + (int)i) & 0xff, pager_page_size(pc));
    pager_unref(pg);
  }
  ck_assert_int_eq(pager_commit(pc), MICA_OK);
}

static int page_byte(PagerConn *pc, uint32_t pgno, uint32_t off) {
  PgHdr *pg;
  ck_assert_int_eq(pager_get(pc, pgno, &pg), MICA_OK);
  int v = pg->data[off];
  pager_unref(pg);
  return v;
}

START_TEST(test_pager_memory_pages_roundtrip) {
  PagerConn *pc;
  ck_assert_int_eq(pager_open(":memory:", PAGER_OPEN_CREATE, &pc), MICA_OK);
  ck_assert_uint_eq(pager_page_size(pc), 4096);
  ck_assert_uint_eq(pager_page_count(pc), 0);
  write_pages(pc, 1, 5, 7);
  ck_assert_uint_eq(pager_page_count(pc), 5);
  ck_assert_int_eq(pager_begin_read(pc), MICA_OK);
  for (uint32_t i = 2; i <= 5; i++)
    ck_assert_int_eq(page_byte(pc, i, 100), (7 + (int)i) & 0xff);
  PgHdr *pg1;
  ck_assert_int_eq(pager_get(pc, 1, &pg1), MICA_OK);
  ck_assert_uint_eq(rd32(pg1->data + 28), 5);
  ck_assert_uint_eq(rd32(pg1->data + 24), rd32(pg1->data + 92));
  ck_assert_uint_eq(rd32(pg1->data + 96), 3040001);
  ck_assert_int_eq(pg1->data[18], 2);
  ck_assert_int_eq(pg1->data[19], 2);
  pager_unref(pg1);
  ck_assert_int_eq(pager_end_read(pc), MICA_OK);
  ck_assert_int_eq(pager_close(pc), MICA_OK);
}
END_TEST

START_TEST(test_pager_get_needs_transaction) {
  PagerConn *pc;
  PgHdr *pg;
  ck_assert_int_eq(pager_open(":memory:", 0, &pc), MICA_OK);
  ck_assert_int_eq(pager_get(pc, 1, &pg), MICA_MISUSE);
  ck_assert_int_eq(pager_begin_read(pc), MICA_OK);
  ck_assert_int_eq(pager_get(pc, 0, &pg), MICA_CORRUPT);
  ck_assert_int_eq(pager_get(pc, 1, &pg), MICA_OK);
  ck_assert_int_eq(pager_write(pg), MICA_MISUSE);
  pager_unref(pg);
  ck_assert_int_eq(pager_end_read(pc), MICA_OK);
  ck_assert_int_eq(pager_close(pc), MICA_OK);
}
END_TEST

START_TEST(test_pager_rollback_discards_changes) {
  PagerConn *pc;
  ck_assert_int_eq(pager_open(":memory:", 0, &pc), MICA_OK);
  write_pages(pc, 1, 3, 1);
  ck_assert_int_eq(pager_begin_write(pc, 0), MICA_OK);
  PgHdr *pg;
  ck_assert_int_eq(pager_get(pc, 2, &pg), MICA_OK);
  ck_assert_int_eq(pager_write(pg), MICA_OK);
  memset(pg->data, 0xee, pager_page_size(pc));
  pager_unref(pg);
  ck_assert_int_eq(pager_get(pc, 9, &pg), MICA_OK);
  ck_assert_int_eq(pager_write(pg), MICA_OK);
  pager_unref(pg);
  ck_assert_uint_eq(pager_page_count(pc), 9);
  ck_assert_int_eq(page_byte(pc, 2, 10), 0xee);
  ck_assert_int_eq(pager_rollback(pc), MICA_OK);
  ck_assert_uint_eq(pager_page_count(pc), 3);
  ck_assert_int_eq(pager_begin_read(pc), MICA_OK);
  ck_assert_int_eq(page_byte(pc, 2, 10), 3);
  ck_assert_int_eq(pager_end_read(pc), MICA_OK);
  ck_assert_int_eq(pager_close(pc), MICA_OK);
}
END_TEST

START_TEST(test_pager_file_persists_across_reopen) {
  char path[300];
  tpath(path, sizeof path, "a.db");
  PagerConn *pc;
  ck_assert_int_eq(pager_open(path, PAGER_OPEN_CREATE, &pc), MICA_OK);
  write_pages(pc, 1, 4, 20);
  write_pages(pc, 3, 3, 40); /* rewrites 3,4 and extends to 5 */
  ck_assert_uint_eq(pager_page_count(pc), 5);
  ck_assert_int_eq(pager_close(pc), MICA_OK);
  /* Clean close checkpoints everything and removes the log. */
  char wpath[310];
  snprintf(wpath, sizeof wpath, "%s-wal", path);
  struct stat st;
  ck_assert_int_ne(stat(wpath, &st), 0);
  ck_assert_int_eq(stat(path, &st), 0);
  ck_assert_int_eq(st.st_size, 5 * 4096);

  ck_assert_int_eq(pager_open(path, 0, &pc), MICA_OK);
  ck_assert_uint_eq(pager_page_count(pc), 5);
  ck_assert_int_eq(pager_begin_read(pc), MICA_OK);
  ck_assert_int_eq(page_byte(pc, 2, 0), 22);
  ck_assert_int_eq(page_byte(pc, 3, 0), 43);
  ck_assert_int_eq(page_byte(pc, 5, 4095), 45);
  ck_assert_int_eq(pager_end_read(pc), MICA_OK);
  ck_assert_int_eq(pager_close(pc), MICA_OK);
}
END_TEST

/* Copies a file (to capture a database and its log as a crash would leave them). */
static void copy_file(const char *from, const char *to) {
  FILE *a = fopen(from, "rb"), *b = fopen(to, "wb");
  ck_assert_ptr_nonnull(a);
  ck_assert_ptr_nonnull(b);
  char buf[8192];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, a)) > 0)
    ck_assert_uint_eq(fwrite(buf, 1, n, b), n);
  fclose(a);
  fclose(b);
}

static void sql_exec(sqlite3 *db, const char *sql) {
  char *err = NULL;
  int rc = sqlite3_exec(db, sql, NULL, NULL, &err);
  if (rc != SQLITE_OK) fprintf(stderr, "sqlite3: %s\n", err ? err : "?");
  sqlite3_free(err);
  ck_assert_int_eq(rc, SQLITE_OK);
}

static int64_t sql_int(sqlite3 *db, const char *sql) {
  sqlite3_stmt *st;
  ck_assert_int_eq(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
  ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
  int64_t v = sqlite3_column_int64(st, 0);
  sqlite3_finalize(st);
  return v;
}

static char *sql_text(sqlite3 *db, const char *sql) {
  sqlite3_stmt *st;
  ck_assert_int_eq(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
  ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
  char *v = strdup((const char *)sqlite3_column_text(st, 0));
  sqlite3_finalize(st);
  return v;
}

/* sqlite3 makes a rollback-journal database; Mica changes user_version; sqlite3 reads the result both
 * from db+WAL captured while Mica has it open and from the file after Mica's clean close. */
START_TEST(test_pager_sqlite3_reads_mica_wal_and_file) {
  char path[300], cpath[300], wpath[310], cwpath[310];
  tpath(path, sizeof path, "s.db");
  tpath(cpath, sizeof cpath, "copy.db");
  snprintf(wpath, sizeof wpath, "%s-wal", path);
  snprintf(cwpath, sizeof cwpath, "%s-wal", cpath);
  sqlite3 *db;
  ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
  sql_exec(db, "PRAGMA page_size=1024; CREATE TABLE t(x); WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL "
               "SELECT i+1 FROM c WHERE i<300) INSERT INTO t SELECT printf('row %d', i) FROM c;");
  sqlite3_close(db);

  PagerConn *pc;
  ck_assert_int_eq(pager_open(path, 0, &pc), MICA_OK);
  ck_assert_uint_eq(pager_page_size(pc), 1024);
  uint32_t npages = pager_page_count(pc);
  ck_assert_uint_gt(npages, 3);
  ck_assert_int_eq(pager_begin_write(pc, 0), MICA_OK);
  PgHdr *pg;
  ck_assert_int_eq(pager_get(pc, 1, &pg), MICA_OK);
  ck_assert_int_eq(pager_write(pg), MICA_OK);
  pg->data[60 + 3] = 42; /* user_version */
  pager_unref(pg);
  ck_assert_int_eq(pager_commit(pc), MICA_OK);

  /* While Mica holds the file, sqlite3 sees it busy. */
  ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
  sqlite3_stmt *st;
  int rc = sqlite3_prepare_v2(db, "SELECT count(*) FROM t", -1, &st, NULL);
  if (rc == SQLITE_OK) {
    rc = sqlite3_step(st);
    sqlite3_finalize(st);
  }
  ck_assert_int_eq(rc, SQLITE_BUSY);
  sqlite3_close(db);

  /* A crash now would leave db + WAL: sqlite3 recovers our log. */
  copy_file(path, cpath);
  copy_file(wpath, cwpath);
  ck_assert_int_eq(sqlite3_open(cpath, &db), SQLITE_OK);
  ck_assert_int_eq(sql_int(db, "PRAGMA user_version"), 42);
  ck_assert_int_eq(sql_int(db, "SELECT count(*) FROM t"), 300);
  char *ic = sql_text(db, "PRAGMA integrity_check");
  ck_assert_str_eq(ic, "ok");
  free(ic);
  char *jm = sql_text(db, "PRAGMA journal_mode");
  ck_assert_str_eq(jm, "wal");
  free(jm);
  sqlite3_close(db);

  ck_assert_int_eq(pager_close(pc), MICA_OK);
  ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
  ck_assert_int_eq(sql_int(db, "PRAGMA user_version"), 42);
  ck_assert_int_eq(sql_int(db, "SELECT count(*) FROM t"), 300);
  sqlite3_close(db);
}
END_TEST

/* sqlite3 leaves a WAL (crash: the file is copied while its connection is open); Mica recovers it. */
START_TEST(test_pager_reads_wal_left_by_sqlite3) {
  char path[300], cpath[300], wpath[310], cwpath[310];
  tpath(path, sizeof path, "w.db");
  tpath(cpath, sizeof cpath, "wcopy.db");
  snprintf(wpath, sizeof wpath, "%s-wal", path);
  snprintf(cwpath, sizeof cwpath, "%s-wal", cpath);
  sqlite3 *db;
  ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
  sql_exec(db, "PRAGMA journal_mode=WAL; PRAGMA wal_autocheckpoint=0; CREATE TABLE t(x);"
               "PRAGMA user_version=7; INSERT INTO t VALUES(1),(2),(3);");
  copy_file(path, cpath);
  copy_file(wpath, cwpath);
  sqlite3_close(db);

  PagerConn *pc;
  ck_assert_int_eq(pager_open(cpath, 0, &pc), MICA_OK);
  ck_assert_uint_eq(pager_page_count(pc), 2);
  ck_assert_int_eq(pager_begin_read(pc), MICA_OK);
  ck_assert_int_eq(page_byte(pc, 1, 63), 7);
  ck_assert_int_eq(page_byte(pc, 2, 0), 13); /* leaf table page of t */
  ck_assert_int_eq(page_byte(pc, 2, 4), 3);  /* 3 cells */
  ck_assert_int_eq(pager_end_read(pc), MICA_OK);
  ck_assert_int_eq(pager_close(pc), MICA_OK);
  ck_assert_int_eq(sqlite3_open(cpath, &db), SQLITE_OK);
  ck_assert_int_eq(sql_int(db, "SELECT sum(x) FROM t"), 6);
  sqlite3_close(db);
}
END_TEST

START_TEST(test_pager_rejects_non_database) {
  char path[300];
  tpath(path, sizeof path, "junk.db");
  FILE *f = fopen(path, "wb");
  for (int i = 0; i < 4096; i++)
    fputc(i * 7, f);
  fclose(f);
  PagerConn *pc;
  ck_assert_int_eq(pager_open(path, 0, &pc), MICA_NOTADB);
  ck_assert_ptr_null(pc);
}
END_TEST

START_TEST(test_pager_savepoint_rollback_restores_pages) {
  PagerConn *pc;
  ck_assert_int_eq(pager_open(":memory:", 0, &pc), MICA_OK);
  write_pages(pc, 1, 3, 0);
  ck_assert_int_eq(pager_begin_write(pc, 0), MICA_OK);
  PgHdr *pg;
  ck_assert_int_eq(pager_savepoint(pc, PAGER_SAVEPOINT_BEGIN, 0), MICA_OK);
  ck_assert_int_eq(pager_get(pc, 2, &pg), MICA_OK);
  ck_assert_int_eq(pager_write(pg), MICA_OK);
  pg->data[0] = 0x11;
  pager_unref(pg);
  ck_assert_int_eq(pager_savepoint(pc, PAGER_SAVEPOINT_BEGIN, 1), MICA_OK);
  ck_assert_int_eq(pager_get(pc, 2, &pg), MICA_OK);
  ck_assert_int_eq(pager_write(pg), MICA_OK);
  pg->data[0] = 0x22;
  pager_unref(pg);
  ck_assert_int_eq(pager_get(pc, 4, &pg), MICA_OK); /* extends the file */
  ck_assert_int_eq(pager_write(pg), MICA_OK);
  pg->data[0] = 0x44;
  pager_unref(pg);
  ck_assert_uint_eq(pager_page_count(pc), 4);
  ck_assert_int_eq(pager_savepoint(pc, PAGER_SAVEPOINT_ROLLBACK, 1), MICA_OK);
  ck_assert_int_eq(page_byte(pc, 2, 0), 0x11);
  ck_assert_uint_eq(pager_page_count(pc), 3);
  /* Savepoint 1 is still open: change again, release it into 0, then roll 0 back. */
  ck_assert_int_eq(pager_get(pc, 3, &pg), MICA_OK);
  ck_assert_int_eq(pager_write(pg), MICA_OK);
  pg->data[0] = 0x33;
  pager_unref(pg);
  ck_assert_int_eq(pager_savepoint(pc, PAGER_SAVEPOINT_RELEASE, 1), MICA_OK);
  ck_assert_int_eq(page_byte(pc, 3, 0), 0x33);
  ck_assert_int_eq(pager_savepoint(pc, PAGER_SAVEPOINT_ROLLBACK, 0), MICA_OK);
  ck_assert_int_eq(page_byte(pc, 2, 0), 2);
  ck_assert_int_eq(page_byte(pc, 3, 0), 3);
  /* A change after the rollback commits. */
  ck_assert_int_eq(pager_get(pc, 3, &pg), MICA_OK);
  ck_assert_int_eq(pager_write(pg), MICA_OK);
  pg->data[0] = 0x99;
  pager_unref(pg);
  ck_assert_int_eq(pager_savepoint(pc, PAGER_SAVEPOINT_RELEASE, 0), MICA_OK);
  ck_assert_int_eq(pager_commit(pc), MICA_OK);
  ck_assert_int_eq(pager_begin_read(pc), MICA_OK);
  ck_assert_int_eq(page_byte(pc, 2, 0), 2);
  ck_assert_int_eq(page_byte(pc, 3, 0), 0x99);
  ck_assert_uint_eq(pager_page_count(pc), 3);
  ck_assert_int_eq(pager_end_read(pc), MICA_OK);
  ck_assert_int_eq(pager_close(pc), MICA_OK);
}
END_TEST

START_TEST(test_pager_truncate_shrinks_database) {
  char path[300];
  tpath(path, sizeof path, "t.db");
  PagerConn *pc;
  ck_assert_int_eq(pager_open(path, PAGER_OPEN_CREATE, &pc), MICA_OK);
  write_pages(pc, 1, 10, 0);
  ck_assert_int_eq(pager_begin_write(pc, 0), MICA_OK);
  ck_assert_int_eq(pager_set_page_count(pc, 4), MICA_OK);
  ck_assert_int_eq(pager_commit(pc), MICA_OK);
  ck_assert_uint_eq(pager_page_count(pc), 4);
  ck_assert_int_eq(pager_close(pc), MICA_OK);
  struct stat st;
  ck_assert_int_eq(stat(path, &st), 0);
  ck_assert_int_eq(st.st_size, 4 * 4096);
  ck_assert_int_eq(pager_open(path, 0, &pc), MICA_OK);
  ck_assert_uint_eq(pager_page_count(pc), 4);
  ck_assert_int_eq(pager_close(pc), MICA_OK);
}
END_TEST

START_TEST(test_pager_page_size_settable_when_empty) {
  char path[300];
  tpath(path, sizeof path, "ps.db");
  PagerConn *pc;
  ck_assert_int_eq(pager_open(path, PAGER_OPEN_CREATE, &pc), MICA_OK);
  ck_assert_int_eq(pager_set_page_size(pc, 1000, 0), MICA_MISUSE);
  ck_assert_int_eq(pager_set_page_size(pc, 8192, 8), MICA_OK);
  ck_assert_uint_eq(pager_page_size(pc), 8192);
  write_pages(pc, 1, 2, 0);
  ck_assert_int_eq(pager_set_page_size(pc, 4096, 0), MICA_READONLY);
  ck_assert_int_eq(pager_close(pc), MICA_OK);
  ck_assert_int_eq(pager_open(path, 0, &pc), MICA_OK);
  ck_assert_uint_eq(pager_page_size(pc), 8192);
  ck_assert_int_eq(pager_close(pc), MICA_OK);
}
END_TEST

/* sqlite3 crashes mid-transaction in rollback-journal mode (simulated by copying the files while
 * its transaction has spilled pages to the database): Mica rolls the hot journal back on open. */
START_TEST(test_pager_rolls_back_hot_journal) {
  char path[300], cpath[300], jpath[320], cjpath[320];
  tpath(path, sizeof path, "j.db");
  tpath(cpath, sizeof cpath, "jcopy.db");
  snprintf(jpath, sizeof jpath, "%s-journal", path);
  snprintf(cjpath, sizeof cjpath, "%s-journal", cpath);
  sqlite3 *db;
  ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
  sql_exec(db, "PRAGMA page_size=1024; CREATE TABLE t(x); WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL "
               "SELECT i+1 FROM c WHERE i<2000) INSERT INTO t SELECT printf('%0200d', i) FROM c;");
  sqlite3_close(db);
  ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
  sql_exec(db, "PRAGMA cache_size=5; BEGIN; UPDATE t SET x = 'changed' || x; INSERT INTO t SELECT x FROM t;");
  struct stat st;
  ck_assert_int_eq(stat(jpath, &st), 0);
  ck_assert_int_gt(st.st_size, 1024);
  copy_file(path, cpath);
  copy_file(jpath, cjpath);
  sql_exec(db, "ROLLBACK");
  sqlite3_close(db);
  /* The copy really is torn: its file differs from the committed state. */
  ck_assert_int_eq(stat(cpath, &st), 0);
  off_t torn_size = st.st_size;

  PagerConn *pc;
  ck_assert_int_eq(pager_open(cpath, 0, &pc), MICA_OK);
  ck_assert_int_ne(stat(cjpath, &st), 0); /* journal deleted */
  ck_assert_int_eq(stat(cpath, &st), 0);
  ck_assert_int_le(st.st_size, torn_size);
  ck_assert_int_eq(pager_begin_read(pc), MICA_OK);
  ck_assert_int_eq(page_byte(pc, 1, 18), 1); /* still a rollback-mode file */
  ck_assert_int_eq(pager_end_read(pc), MICA_OK);
  ck_assert_int_eq(pager_close(pc), MICA_OK);
  ck_assert_int_eq(sqlite3_open(cpath, &db), SQLITE_OK);
  ck_assert_int_eq(sql_int(db, "SELECT count(*) FROM t"), 2000);
  ck_assert_int_eq(sql_int(db, "SELECT count(*) FROM t WHERE x LIKE 'changed%'"), 0);
  char *ic = sql_text(db, "PRAGMA integrity_check");
  ck_assert_str_eq(ic, "ok");
  free(ic);
  sqlite3_close(db);
}
END_TEST

START_TEST(test_pager_checkpoint_modes) {
  char path[300], wpath[310];
  tpath(path, sizeof path, "c.db");
  snprintf(wpath, sizeof wpath, "%s-wal", path);
  PagerConn *pc;
  ck_assert_int_eq(pager_open(path, PAGER_OPEN_CREATE, &pc), MICA_OK);
  ck_assert_int_eq(pager_set_autocheckpoint(pc, 0), MICA_OK);
  write_pages(pc, 1, 4, 0);
  write_pages(pc, 2, 2, 50);
  int nlog = -5, nck = -5;
  ck_assert_int_eq(pager_checkpoint(pc, PAGER_CHECKPOINT_PASSIVE, &nlog, &nck), MICA_OK);
  ck_assert_int_eq(nlog, 7);
  ck_assert_int_eq(nck, 7);
  struct stat st;
  ck_assert_int_eq(stat(path, &st), 0);
  ck_assert_int_eq(st.st_size, 4 * 4096);
  /* The next write restarts the log from frame 1. */
  write_pages(pc, 3, 1, 90);
  ck_assert_int_eq(pager_checkpoint(pc, PAGER_CHECKPOINT_FULL, &nlog, &nck), MICA_OK);
  ck_assert_int_eq(nlog, 2);
  ck_assert_int_eq(nck, 2);
  write_pages(pc, 4, 1, 100);
  ck_assert_int_eq(pager_checkpoint(pc, PAGER_CHECKPOINT_RESTART, &nlog, &nck), MICA_OK);
  ck_assert_int_eq(pager_checkpoint(pc, PAGER_CHECKPOINT_TRUNCATE, &nlog, &nck), MICA_OK);
  ck_assert_int_eq(nlog, 0);
  ck_assert_int_eq(nck, 0);
  ck_assert_int_eq(stat(wpath, &st), 0);
  ck_assert_int_eq(st.st_size, 0);
  ck_assert_int_eq(pager_checkpoint(pc, 9, NULL, NULL), MICA_MISUSE);
  ck_assert_int_eq(pager_begin_read(pc), MICA_OK);
  ck_assert_int_eq(page_byte(pc, 2, 0), 52);
  ck_assert_int_eq(page_byte(pc, 3, 0), 93);
  ck_assert_int_eq(page_byte(pc, 4, 0), 104);
  ck_assert_int_eq(pager_end_read(pc), MICA_OK);
  ck_assert_int_eq(pager_close(pc), MICA_OK);
}
END_TEST

START_TEST(test_pager_autocheckpoint_bounds_wal) {
  char path[300], wpath[310];
  tpath(path, sizeof path, "ac.db");
  snprintf(wpath, sizeof wpath, "%s-wal", path);
  PagerConn *pc;
  ck_assert_int_eq(pager_open(path, PAGER_OPEN_CREATE, &pc), MICA_OK);
  ck_assert_int_eq(pager_set_autocheckpoint(pc, 10), MICA_OK);
  ck_assert_int_eq(pager_set_synchronous(pc, 0), MICA_OK);
  uint32_t frames, backfilled, max_frames = 0;
  for (int i = 0; i < 60; i++) {
    write_pages(pc, 1, 3, i);
    pager_wal_stats(pc, &frames, &backfilled);
    if (frames > max_frames) max_frames = frames;
  }
  /* The background checkpointer keeps the unchecked tail under the threshold without any explicit
   * checkpoint, and the log is restarted along the way instead of growing to 180 frames. */
  for (int t = 0; t < 200; t++) {
    pager_wal_stats(pc, &frames, &backfilled);
    if (frames - backfilled < 10) break;
    usleep(10000);
  }
  ck_assert_uint_lt(frames - backfilled, 10);
  ck_assert_uint_gt(backfilled + (frames < max_frames), 0);
  ck_assert_uint_le(max_frames, 4 * 10 + 3); /* bounded even when commits outrun the checkpointer */
  write_pages(pc, 1, 3, 99);
  ck_assert_int_eq(pager_begin_read(pc), MICA_OK);
  ck_assert_int_eq(page_byte(pc, 3, 0), 102);
  ck_assert_int_eq(pager_end_read(pc), MICA_OK);
  ck_assert_int_eq(pager_close(pc), MICA_OK);
}
END_TEST

/* Opener wrapping the WAL in a fault injector, exposing it through ctx. */
typedef struct FaultCtx {
  IoFile *wal, *db;
} FaultCtx;

static int fault_open(void *ctx, const char *path, int flags, IoFile **out) {
  FaultCtx *fc = ctx;
  IoFile *inner;
  int rc = io_open(path, flags, &inner);
  if (rc != MICA_OK) return rc;
  rc = io_fault_wrap(inner, out);
  if (rc != MICA_OK) return rc;
  size_t n = strlen(path);
  if (n > 4 && strcmp(path + n - 4, "-wal") == 0)
    fc->wal = *out;
  else if (n > 3 && strcmp(path + n - 3, ".db") == 0)
    fc->db = *out;
  return MICA_OK;
}

START_TEST(test_pager_synchronous_controls_wal_sync) {
  char path[300];
  tpath(path, sizeof path, "sync.db");
  FaultCtx fc = {0};
  PagerConn *pc;
  ck_assert_int_eq(pager_open_io(path, PAGER_OPEN_CREATE, fault_open, &fc, &pc), MICA_OK);
  ck_assert_ptr_nonnull(fc.wal);
  write_pages(pc, 1, 2, 0);
  io_fault_set(fc.wal, IO_FAULT_SYNC, 1, 1); /* every sync of the log fails */
  /* FULL: the commit syncs, so it fails and reports it. */
  ck_assert_int_eq(pager_begin_write(pc, 0), MICA_OK);
  PgHdr *pg;
  ck_assert_int_eq(pager_get(pc, 2, &pg), MICA_OK);
  ck_assert_int_eq(pager_write(pg), MICA_OK);
  pg->data[0] = 0x77;
  pager_unref(pg);
  ck_assert_int_eq(pager_commit(pc), MICA_IOERR_FSYNC);
  ck_assert_int_eq(pager_rollback(pc), MICA_OK);
  /* NORMAL and OFF: commits do not sync the log. */
  ck_assert_int_eq(pager_set_synchronous(pc, 1), MICA_OK);
  int before = io_fault_count(fc.wal);
  write_pages(pc, 2, 1, 1);
  ck_assert_int_eq(pager_set_synchronous(pc, 0), MICA_OK);
  write_pages(pc, 2, 1, 2);
  ck_assert_int_eq(io_fault_count(fc.wal), before);
  ck_assert_int_eq(pager_begin_read(pc), MICA_OK);
  ck_assert_int_eq(page_byte(pc, 2, 0), 4);
  ck_assert_int_eq(pager_end_read(pc), MICA_OK);
  /* NORMAL syncs at checkpoint: it fails there. */
  ck_assert_int_eq(pager_set_synchronous(pc, 1), MICA_OK);
  ck_assert_int_eq(pager_checkpoint(pc, PAGER_CHECKPOINT_PASSIVE, NULL, NULL), MICA_IOERR_FSYNC);
  io_fault_set(fc.wal, 0, 0, 0);
  ck_assert_int_eq(pager_close(pc), MICA_OK);
}
END_TEST

START_TEST(test_pager_failed_commit_loses_nothing_committed) {
  char path[300];
  tpath(path, sizeof path, "f.db");
  FaultCtx fc = {0};
  PagerConn *pc;
  ck_assert_int_eq(pager_open_io(path, PAGER_OPEN_CREATE, fault_open, &fc, &pc), MICA_OK);
  ck_assert_int_eq(pager_set_autocheckpoint(pc, 0), MICA_OK);
  write_pages(pc, 1, 5, 10);
  for (int mode = 0; mode < 2; mode++) {
    io_fault_set(fc.wal, mode ? IO_FAULT_SHORT_WRITE : IO_FAULT_WRITE, 2, 0);
    ck_assert_int_eq(pager_begin_write(pc, 0), MICA_OK);
    for (uint32_t i = 2; i <= 5; i++) {
      PgHdr *pg;
      ck_assert_int_eq(pager_get(pc, i, &pg), MICA_OK);
      ck_assert_int_eq(pager_write(pg), MICA_OK);
      memset(pg->data, 0xab, 4096);
      pager_unref(pg);
    }
    ck_assert_int_eq(pager_commit(pc), MICA_IOERR_WRITE);
    ck_assert_int_eq(pager_rollback(pc), MICA_OK);
    ck_assert_int_eq(pager_begin_read(pc), MICA_OK);
    for (uint32_t i = 2; i <= 5; i++)
      ck_assert_int_eq(page_byte(pc, i, 0), 10 + (int)i);
    ck_assert_int_eq(pager_end_read(pc), MICA_OK);
  }
  /* A later commit works and everything survives a reopen (recovery of the log). */
  write_pages(pc, 3, 1, 70);
  /* Simulate a crash: copy files while open, then recover from the copy. */
  char cpath[300], wpath[310], cwpath[310];
  tpath(cpath, sizeof cpath, "fcopy.db");
  snprintf(wpath, sizeof wpath, "%s-wal", path);
  snprintf(cwpath, sizeof cwpath, "%s-wal", cpath);
  copy_file(path, cpath);
  copy_file(wpath, cwpath);
  ck_assert_int_eq(pager_close(pc), MICA_OK);
  ck_assert_int_eq(pager_open(cpath, 0, &pc), MICA_OK);
  ck_assert_int_eq(pager_begin_read(pc), MICA_OK);
  ck_assert_int_eq(page_byte(pc, 2, 0), 12);
  ck_assert_int_eq(page_byte(pc, 3, 0), 73);
  ck_assert_int_eq(page_byte(pc, 5, 0), 15);
  ck_assert_int_eq(pager_end_read(pc), MICA_OK);
  ck_assert_int_eq(pager_close(pc), MICA_OK);
}
END_TEST

START_TEST(test_pager_read_error_surfaces) {
  char path[300];
  tpath(path, sizeof path, "r.db");
  PagerConn *pc;
  ck_assert_int_eq(pager_open(path, PAGER_OPEN_CREATE, &pc), MICA_OK);
  write_pages(pc, 1, 3, 0);
  ck_assert_int_eq(pager_close(pc), MICA_OK);
  FaultCtx fc = {0};
  ck_assert_int_eq(pager_open_io(path, 0, fault_open, &fc, &pc), MICA_OK);
  ck_assert_ptr_nonnull(fc.db);
  io_fault_set(fc.db, IO_FAULT_READ, 1, 0);
  ck_assert_int_eq(pager_begin_read(pc), MICA_OK);
  PgHdr *pg;
  ck_assert_int_eq(pager_get(pc, 2, &pg), MICA_IOERR_READ);
  ck_assert_int_eq(pager_get(pc, 2, &pg), MICA_OK);
  ck_assert_int_eq(pg->data[0], 2);
  pager_unref(pg);
  ck_assert_int_eq(pager_end_read(pc), MICA_OK);
  ck_assert_int_eq(pager_close(pc), MICA_OK);
}
END_TEST

START_TEST(test_pager_connections_share_one_pager) {
  char path[300];
  tpath(path, sizeof path, "sh.db");
  PagerConn *a, *b;
  ck_assert_int_eq(pager_open(path, PAGER_OPEN_CREATE, &a), MICA_OK);
  ck_assert_int_eq(pager_open(path, 0, &b), MICA_OK); /* joins: no self-BUSY on the file lock */
  write_pages(a, 1, 3, 5);
  ck_assert_uint_eq(pager_page_count(b), 3);
  ck_assert_int_eq(pager_begin_read(b), MICA_OK);
  ck_assert_int_eq(page_byte(b, 3, 0), 8);
  ck_assert_int_eq(pager_end_read(b), MICA_OK);
  ck_assert_int_eq(pager_close(a), MICA_OK);
  write_pages(b, 2, 1, 100);
  ck_assert_int_eq(pager_close(b), MICA_OK);
  ck_assert_int_eq(pager_open(path, 0, &a), MICA_OK);
  ck_assert_int_eq(pager_begin_read(a), MICA_OK);
  ck_assert_int_eq(page_byte(a, 2, 0), 102);
  ck_assert_int_eq(pager_end_read(a), MICA_OK);
  ck_assert_int_eq(pager_close(a), MICA_OK);
}
END_TEST

START_TEST(test_pager_reader_snapshot_isolated) {
  char path[300];
  tpath(path, sizeof path, "iso.db");
  PagerConn *a, *b;
  ck_assert_int_eq(pager_open(path, PAGER_OPEN_CREATE, &a), MICA_OK);
  ck_assert_int_eq(pager_open(path, 0, &b), MICA_OK);
  ck_assert_int_eq(pager_set_autocheckpoint(b, 0), MICA_OK);
  write_pages(a, 1, 30, 0);
  ck_assert_int_eq(pager_set_cache_size(a, 10), MICA_OK); /* force re-reads from file and log */
  ck_assert_int_eq(pager_begin_read(a), MICA_OK);
  ck_assert_int_eq(page_byte(a, 2, 0), 2);
  write_pages(b, 2, 34, 100); /* rewrites 2..30, extends to 35 */
  ck_assert_uint_eq(pager_page_count(a), 30);
  ck_assert_uint_eq(pager_page_count(b), 35);
  int nlog, nck;
  ck_assert_int_eq(pager_checkpoint(b, PAGER_CHECKPOINT_PASSIVE, &nlog, &nck), MICA_OK);
  ck_assert_int_lt(nck, nlog); /* the reader's snapshot holds the checkpoint back */
  ck_assert_int_eq(pager_checkpoint(b, PAGER_CHECKPOINT_RESTART, NULL, NULL), MICA_BUSY);
  for (uint32_t i = 2; i <= 30; i++)
    ck_assert_int_eq(page_byte(a, i, 0), (int)i);
  ck_assert_int_eq(pager_begin_write(a, 0), MICA_BUSY_SNAPSHOT);
  ck_assert_int_eq(pager_end_read(a), MICA_OK);
  ck_assert_int_eq(pager_begin_read(a), MICA_OK);
  ck_assert_uint_eq(pager_page_count(a), 35);
  for (uint32_t i = 2; i <= 35; i++)
    ck_assert_int_eq(page_byte(a, i, 0), (100 + (int)i) & 0xff);
  ck_assert_int_eq(pager_begin_write(a, 0), MICA_OK); /* snapshot is current: upgrade works */
  ck_assert_int_eq(pager_rollback(a), MICA_OK);
  ck_assert_int_eq(pager_checkpoint(b, PAGER_CHECKPOINT_RESTART, &nlog, &nck), MICA_OK);
  ck_assert_int_eq(nlog, nck);
  ck_assert_int_eq(pager_close(a), MICA_OK);
  ck_assert_int_eq(pager_close(b), MICA_OK);
}
END_TEST

/* A reader pinned before the log restarts keeps reading its snapshot from the database file. */
START_TEST(test_pager_reader_survives_wal_restart) {
  char path[300];
  tpath(path, sizeof path, "gen.db");
  PagerConn *a, *b;
  ck_assert_int_eq(pager_open(path, PAGER_OPEN_CREATE, &a), MICA_OK);
  ck_assert_int_eq(pager_open(path, 0, &b), MICA_OK);
  ck_assert_int_eq(pager_set_autocheckpoint(b, 0), MICA_OK);
  write_pages(a, 1, 20, 0);
  write_pages(a, 5, 5, 50);
  ck_assert_int_eq(pager_checkpoint(a, PAGER_CHECKPOINT_PASSIVE, NULL, NULL), MICA_OK);
  ck_assert_int_eq(pager_set_cache_size(a, 10), MICA_OK);
  ck_assert_int_eq(pager_begin_read(a), MICA_OK);
  ck_assert_int_eq(page_byte(a, 6, 0), 56);
  write_pages(b, 1, 20, 200); /* restarts the log, then commits */
  write_pages(b, 1, 20, 201);
  int nlog, nck;
  ck_assert_int_eq(pager_checkpoint(b, PAGER_CHECKPOINT_PASSIVE, &nlog, &nck), MICA_OK);
  ck_assert_int_eq(nck, 0); /* the old-generation reader needs the file as it is */
  for (uint32_t i = 2; i <= 20; i++)
    ck_assert_int_eq(page_byte(a, i, 0), (i >= 5 && i < 10 ? 50 : 0) + (int)i);
  ck_assert_int_eq(pager_end_read(a), MICA_OK);
  ck_assert_int_eq(pager_checkpoint(b, PAGER_CHECKPOINT_TRUNCATE, &nlog, &nck), MICA_OK);
  ck_assert_int_eq(pager_begin_read(a), MICA_OK);
  for (uint32_t i = 2; i <= 20; i++)
    ck_assert_int_eq(page_byte(a, i, 0), (201 + (int)i) & 0xff);
  ck_assert_int_eq(pager_end_read(a), MICA_OK);
  ck_assert_int_eq(pager_close(a), MICA_OK);
  ck_assert_int_eq(pager_close(b), MICA_OK);
}
END_TEST

typedef struct LockArg {
  PagerConn *pc;
  int timeout, rc, *order, *norder;
  pthread_mutex_t *mu;
} LockArg;

static void *lock_thread(void *v) {
  LockArg *a = v;
  a->rc = pager_begin_write(a->pc, a->timeout);
  if (a->rc == MICA_OK) {
    pthread_mutex_lock(a->mu);
    a->order[(*a->norder)++] = a->timeout;
    pthread_mutex_unlock(a->mu);
    usleep(20000);
    pager_rollback(a->pc);
  }
  return NULL;
}

START_TEST(test_pager_write_lock_fifo_and_timeout) {
  char path[300];
  tpath(path, sizeof path, "lk.db");
  PagerConn *a, *b, *c;
  ck_assert_int_eq(pager_open(path, PAGER_OPEN_CREATE, &a), MICA_OK);
  ck_assert_int_eq(pager_open(path, 0, &b), MICA_OK);
  ck_assert_int_eq(pager_open(path, 0, &c), MICA_OK);
  ck_assert_int_eq(pager_begin_write(a, 0), MICA_OK);
  ck_assert_int_eq(pager_begin_write(b, 0), MICA_BUSY);
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  ck_assert_int_eq(pager_begin_write(b, 60), MICA_BUSY);
  clock_gettime(CLOCK_MONOTONIC, &t1);
  long ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
  ck_assert_int_ge(ms, 50);
  /* Two waiters queue in arrival order (timeouts used as their names). */
  pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
  int order[2], norder = 0;
  LockArg lb = {b, 5000, -1, order, &norder, &mu}, lc = {c, 5001, -1, order, &norder, &mu};
  pthread_t tb, tc;
  pthread_create(&tb, NULL, lock_thread, &lb);
  usleep(100000);
  pthread_create(&tc, NULL, lock_thread, &lc);
  usleep(100000);
  ck_assert_int_eq(pager_rollback(a), MICA_OK);
  pthread_join(tb, NULL);
  pthread_join(tc, NULL);
  ck_assert_int_eq(lb.rc, MICA_OK);
  ck_assert_int_eq(lc.rc, MICA_OK);
  ck_assert_int_eq(norder, 2);
  ck_assert_int_eq(order[0], 5000);
  ck_assert_int_eq(order[1], 5001);
  ck_assert_int_eq(pager_close(a), MICA_OK);
  ck_assert_int_eq(pager_close(b), MICA_OK);
  ck_assert_int_eq(pager_close(c), MICA_OK);
}
END_TEST

/* Writers increment a counter kept on pages 2 and 3 (always equal); readers check that every
 * snapshot they see is consistent. */
typedef struct StressArg {
  const char *path;
  int iters, writer, failures;
} StressArg;

static uint32_t page_u32(PagerConn *pc, uint32_t pgno) {
  PgHdr *pg;
  if (pager_get(pc, pgno, &pg) != MICA_OK) return 0xffffffffu;
  uint32_t v = rd32(pg->data + 200);
  pager_unref(pg);
  return v;
}

static void *stress_thread(void *v) {
  StressArg *a = v;
  PagerConn *pc;
  if (pager_open(a->path, 0, &pc) != MICA_OK) {
    a->failures++;
    return NULL;
  }
  pager_set_synchronous(pc, 1);
  pager_set_autocheckpoint(pc, 20);
  for (int i = 0; i < a->iters; i++) {
    if (a->writer) {
      if (pager_begin_write(pc, 10000) != MICA_OK) {
        a->failures++;
        continue;
      }
      uint32_t n = page_u32(pc, 2) + 1;
      for (uint32_t pgno = 2; pgno <= 3; pgno++) {
        PgHdr *pg;
        if (pager_get(pc, pgno, &pg) != MICA_OK || pager_write(pg) != MICA_OK) {
          a->failures++;
          continue;
        }
        pg->data[200] = (uint8_t)(n >> 24);
        pg->data[201] = (uint8_t)(n >> 16);
        pg->data[202] = (uint8_t)(n >> 8);
        pg->data[203] = (uint8_t)n;
        pager_unref(pg);
      }
      if (pager_commit(pc) != MICA_OK) a->failures++;
    } else {
      pager_begin_read(pc);
      if (page_u32(pc, 2) != page_u32(pc, 3)) a->failures++;
      pager_end_read(pc);
    }
  }
  pager_close(pc);
  return NULL;
}

START_TEST(test_pager_concurrent_writers_and_readers_consistent) {
  char path[300];
  tpath(path, sizeof path, "stress.db");
  PagerConn *pc;
  ck_assert_int_eq(pager_open(path, PAGER_OPEN_CREATE, &pc), MICA_OK); /* keeps the Pager open */
  write_pages(pc, 1, 3, 0);
  ck_assert_int_eq(pager_begin_write(pc, 0), MICA_OK);
  for (uint32_t pgno = 2; pgno <= 3; pgno++) {
    PgHdr *pg;
    ck_assert_int_eq(pager_get(pc, pgno, &pg), MICA_OK);
    ck_assert_int_eq(pager_write(pg), MICA_OK);
    memset(pg->data + 200, 0, 4);
    pager_unref(pg);
  }
  ck_assert_int_eq(pager_commit(pc), MICA_OK);
  enum { NT = 4, ITERS = 60 };
  StressArg args[NT];
  pthread_t th[NT];
  for (int i = 0; i < NT; i++) {
    args[i] = (StressArg){path, ITERS, i < 2, 0};
    pthread_create(&th[i], NULL, stress_thread, &args[i]);
  }
  for (int i = 0; i < NT; i++)
    pthread_join(th[i], NULL);
  for (int i = 0; i < NT; i++)
    ck_assert_int_eq(args[i].failures, 0);
  ck_assert_int_eq(pager_begin_read(pc), MICA_OK);
  ck_assert_uint_eq(page_u32(pc, 2), 2 * ITERS);
  ck_assert_uint_eq(page_u32(pc, 3), 2 * ITERS);
  ck_assert_int_eq(pager_end_read(pc), MICA_OK);
  ck_assert_int_eq(pager_close(pc), MICA_OK);
}
END_TEST

typedef struct GcArg {
  const char *path;
  int id, iters, failures;
} GcArg;

static void *group_commit_thread(void *v) {
  GcArg *a = v;
  PagerConn *pc;
  if (pager_open(a->path, 0, &pc) != MICA_OK) {
    a->failures++;
    return NULL;
  }
  pager_set_autocheckpoint(pc, 0);
  for (int i = 0; i < a->iters; i++) {
    PgHdr *pg;
    if (pager_begin_write(pc, 10000) != MICA_OK || pager_get(pc, (uint32_t)a->id + 2, &pg) != MICA_OK) {
      a->failures++;
      continue;
    }
    if (pager_write(pg) == MICA_OK) pg->data[0] = (uint8_t)(i + 1);
    pager_unref(pg);
    if (pager_commit(pc) != MICA_OK) a->failures++;
  }
  pager_close(pc);
  return NULL;
}

START_TEST(test_pager_group_commit_shares_syncs) {
  char path[300];
  tpath(path, sizeof path, "gc.db");
  FaultCtx fc = {0};
  PagerConn *pc;
  ck_assert_int_eq(pager_open_io(path, PAGER_OPEN_CREATE, fault_open, &fc, &pc), MICA_OK);
  ck_assert_int_eq(pager_set_autocheckpoint(pc, 0), MICA_OK);
  write_pages(pc, 1, 6, 0);
  io_fault_set_sync_delay(fc.wal, 20000); /* a slow disk: 20 ms per fdatasync */
  int before = io_fault_calls(fc.wal, IO_FAULT_SYNC);
  enum { NT = 4, ITERS = 8 };
  GcArg args[NT];
  pthread_t th[NT];
  for (int i = 0; i < NT; i++) {
    args[i] = (GcArg){path, i, ITERS, 0};
    pthread_create(&th[i], NULL, group_commit_thread, &args[i]);
  }
  for (int i = 0; i < NT; i++)
    pthread_join(th[i], NULL);
  int syncs = io_fault_calls(fc.wal, IO_FAULT_SYNC) - before;
  for (int i = 0; i < NT; i++)
    ck_assert_int_eq(args[i].failures, 0);
  ck_assert_int_ge(syncs, 1);
  ck_assert_int_lt(syncs, NT * ITERS); /* commits shared syncs */
  io_fault_set_sync_delay(fc.wal, 0);
  ck_assert_int_eq(pager_begin_read(pc), MICA_OK);
  for (int i = 0; i < NT; i++)
    ck_assert_int_eq(page_byte(pc, (uint32_t)i + 2, 0), ITERS);
  ck_assert_int_eq(pager_end_read(pc), MICA_OK);
  ck_assert_int_eq(pager_close(pc), MICA_OK);
}
END_TEST

START_TEST(test_pager_cache_bounded_by_cache_size) {
  PagerConn *pc;
  ck_assert_int_eq(pager_open(":memory:", 0, &pc), MICA_OK);
  ck_assert_int_eq(pager_set_autocheckpoint(pc, 0), MICA_OK);
  write_pages(pc, 1, 200, 0);
  PagerCacheStats st;
  ck_assert_int_eq(pager_set_cache_size(pc, 30), MICA_OK);
  pager_cache_stats(pc, &st);
  ck_assert_uint_eq(st.limit, 30);
  ck_assert_uint_le(st.entries, 30);
  ck_assert_int_eq(pager_begin_read(pc), MICA_OK);
  for (uint32_t i = 2; i <= 200; i++)
    ck_assert_int_eq(page_byte(pc, i, 0), (int)i & 0xff);
  pager_cache_stats(pc, &st);
  ck_assert_uint_le(st.entries, 30);
  /* Pinned pages may exceed the budget; they are released on unref. */
  PgHdr *pins[40];
  for (uint32_t i = 0; i < 40; i++)
    ck_assert_int_eq(pager_get(pc, i + 2, &pins[i]), MICA_OK);
  pager_cache_stats(pc, &st);
  ck_assert_uint_ge(st.entries, 40);
  for (int i = 0; i < 40; i++)
    pager_unref(pins[i]);
  ck_assert_int_eq(page_byte(pc, 150, 0), 150);
  pager_cache_stats(pc, &st);
  ck_assert_uint_le(st.entries, 30);
  ck_assert_int_eq(pager_end_read(pc), MICA_OK);
  /* Negative sizes are KiB: -400 KiB of 4 KiB pages is 100 pages. */
  ck_assert_int_eq(pager_set_cache_size(pc, -400), MICA_OK);
  pager_cache_stats(pc, &st);
  ck_assert_uint_eq(st.limit, 100);
  ck_assert_int_eq(pager_close(pc), MICA_OK);
}
END_TEST

/* A hot set used repeatedly survives a one-pass scan over many more pages than the cache holds. */
START_TEST(test_pager_cache_resists_scans) {
  PagerConn *pc;
  ck_assert_int_eq(pager_open(":memory:", 0, &pc), MICA_OK);
  ck_assert_int_eq(pager_set_autocheckpoint(pc, 0), MICA_OK);
  write_pages(pc, 1, 600, 0);
  ck_assert_int_eq(pager_set_cache_size(pc, 64), MICA_OK);
  ck_assert_int_eq(pager_begin_read(pc), MICA_OK);
  for (int round = 0; round < 3; round++)
    for (uint32_t i = 2; i < 22; i++)
      page_byte(pc, i, 0);
  for (uint32_t i = 100; i <= 600; i++)
    page_byte(pc, i, 0); /* the scan */
  PagerCacheStats before, after;
  pager_cache_stats(pc, &before);
  for (uint32_t i = 2; i < 22; i++)
    page_byte(pc, i, 0);
  pager_cache_stats(pc, &after);
  ck_assert_uint_eq(after.misses, before.misses); /* the hot set is still cached */
  ck_assert_uint_eq(after.hits, before.hits + 20);
  ck_assert_int_eq(pager_end_read(pc), MICA_OK);
  ck_assert_int_eq(pager_close(pc), MICA_OK);
}
END_TEST

START_TEST(test_pager_readonly_open_reads_but_refuses_writes) {
  char path[300];
  tpath(path, sizeof path, "ro.db");
  PagerConn *pc;
  ck_assert_int_eq(pager_open(path, PAGER_OPEN_READONLY, &pc), MICA_CANTOPEN); /* no such file */
  ck_assert_int_eq(pager_open(path, PAGER_OPEN_CREATE, &pc), MICA_OK);
  write_pages(pc, 1, 3, 9);
  ck_assert_int_eq(pager_close(pc), MICA_OK);
  ck_assert_int_eq(pager_open(path, PAGER_OPEN_READONLY, &pc), MICA_OK);
  ck_assert_int_eq(pager_begin_write(pc, 0), MICA_READONLY);
  PagerConn *rw;
  ck_assert_int_eq(pager_open(path, 0, &rw), MICA_OK); /* joins the read-only Pager */
  ck_assert_int_eq(pager_begin_write(rw, 0), MICA_READONLY);
  ck_assert_int_eq(pager_close(rw), MICA_OK);
  ck_assert_int_eq(pager_checkpoint(pc, PAGER_CHECKPOINT_PASSIVE, NULL, NULL), MICA_READONLY);
  ck_assert_int_eq(pager_begin_read(pc), MICA_OK);
  ck_assert_int_eq(page_byte(pc, 3, 0), 12);
  ck_assert_int_eq(pager_end_read(pc), MICA_OK);
  ck_assert_int_eq(pager_close(pc), MICA_OK);
}
END_TEST

static char *slurp(const char *path, long *len) {
  FILE *f = fopen(path, "rb");
  ck_assert_ptr_nonnull(f);
  fseek(f, 0, SEEK_END);
  *len = ftell(f);
  fseek(f, 0, SEEK_SET);
  char *b = malloc((size_t)*len + 1);
  ck_assert_uint_eq(fread(b, 1, (size_t)*len, f), (size_t)*len);
  fclose(f);
  return b;
}

/* Opening a rollback-mode sqlite3 file and only reading leaves it byte for byte as it was. */
START_TEST(test_pager_reading_leaves_sqlite3_file_untouched) {
  char path[300], wpath[310];
  tpath(path, sizeof path, "u.db");
  snprintf(wpath, sizeof wpath, "%s-wal", path);
  sqlite3 *db;
  ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
  sql_exec(db, "CREATE TABLE t(x); INSERT INTO t VALUES(1),(2);");
  sqlite3_close(db);
  long n1, n2;
  char *before = slurp(path, &n1);
  PagerConn *pc;
  ck_assert_int_eq(pager_open(path, 0, &pc), MICA_OK);
  ck_assert_int_eq(pager_begin_read(pc), MICA_OK);
  ck_assert_int_eq(page_byte(pc, 1, 18), 1);
  ck_assert_int_eq(pager_end_read(pc), MICA_OK);
  ck_assert_int_eq(pager_close(pc), MICA_OK);
  char *after = slurp(path, &n2);
  ck_assert_int_eq(n1, n2);
  ck_assert_mem_eq(before, after, (size_t)n1);
  free(before);
  free(after);
  struct stat st;
  ck_assert_int_ne(stat(wpath, &st), 0);
  ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
  char *jm = sql_text(db, "PRAGMA journal_mode");
  ck_assert_str_eq(jm, "delete");
  free(jm);
  sqlite3_close(db);
}
END_TEST

/* Writes value v at offset 200 of pages 2 and 3 in one transaction. */
static int commit_counter(PagerConn *pc, uint32_t v) {
  int rc = pager_begin_write(pc, 5000);
  for (uint32_t pgno = 2; pgno <= 3 && rc == MICA_OK; pgno++) {
    PgHdr *pg;
    rc = pager_get(pc, pgno, &pg);
    if (rc != MICA_OK) break;
    rc = pager_write(pg);
    if (rc == MICA_OK) {
      pg->data[200] = (uint8_t)(v >> 24);
      pg->data[201] = (uint8_t)(v >> 16);
      pg->data[202] = (uint8_t)(v >> 8);
      pg->data[203] = (uint8_t)v;
      memset(pg->data + 300, (int)(v & 0xff), 1000);
    }
    pager_unref(pg);
  }
  if (rc == MICA_OK)
    rc = pager_commit(pc);
  else
    pager_rollback(pc);
  return rc;
}

/* A process killed at a random point while committing loses nothing it reported committed, and
 * recovery yields a consistent snapshot. */
START_TEST(test_pager_survives_kill_9_mid_commit) {
  char path[300];
  tpath(path, sizeof path, "kill.db");
  PagerConn *pc;
  ck_assert_int_eq(pager_open(path, PAGER_OPEN_CREATE, &pc), MICA_OK);
  write_pages(pc, 1, 3, 0);
  ck_assert_int_eq(commit_counter(pc, 0), MICA_OK); /* consistent even if no child commit lands */
  ck_assert_int_eq(pager_close(pc), MICA_OK);
  uint32_t acked = 0;
  for (int round = 0; round < 3; round++) {
    int fds[2];
    ck_assert_int_eq(pipe(fds), 0);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
      close(fds[0]);
      PagerConn *c;
      if (pager_open(path, 0, &c) != MICA_OK) _exit(2);
      pager_set_autocheckpoint(c, 7);
      for (uint32_t v = acked + 1;; v++) {
        if (commit_counter(c, v) != MICA_OK) _exit(3);
        if (write(fds[1], &v, sizeof v) != (ssize_t)sizeof v) _exit(4);
      }
    }
    close(fds[1]);
    uint32_t v;
    ck_assert_int_eq(read(fds[0], &v, sizeof v), (ssize_t)sizeof v); /* the child is committing */
    acked = v;
    usleep(5000 + 20000 * (useconds_t)round);
    kill(pid, SIGKILL);
    int status;
    waitpid(pid, &status, 0);
    ck_assert(WIFSIGNALED(status));
    while (read(fds[0], &v, sizeof v) == (ssize_t)sizeof v)
      acked = v;
    close(fds[0]);
    /* The kernel tears a dead process's io_uring down asynchronously; its file (and lock) can
     * outlive waitpid by a few milliseconds: retry BUSY like a busy timeout would. */
    int rc = MICA_BUSY;
    for (int tries = 0; tries < 200 && rc == MICA_BUSY; tries++) {
      rc = pager_open(path, 0, &pc);
      if (rc == MICA_BUSY) usleep(10000);
    }
    ck_assert_int_eq(rc, MICA_OK);
    ck_assert_int_eq(pager_begin_read(pc), MICA_OK);
    uint32_t a = page_u32(pc, 2), b = page_u32(pc, 3);
    ck_assert_uint_eq(a, b);
    ck_assert_uint_ge(a, acked);
    ck_assert_int_eq(page_byte(pc, 3, 1299), (int)(a & 0xff));
    ck_assert_int_eq(pager_end_read(pc), MICA_OK);
    ck_assert_int_eq(pager_close(pc), MICA_OK);
    acked = a;
  }
}
END_TEST

START_TEST(test_pager_failed_checkpoint_keeps_data) {
  char path[300];
  tpath(path, sizeof path, "cf.db");
  FaultCtx fc = {0};
  PagerConn *pc;
  ck_assert_int_eq(pager_open_io(path, PAGER_OPEN_CREATE, fault_open, &fc, &pc), MICA_OK);
  ck_assert_int_eq(pager_set_autocheckpoint(pc, 0), MICA_OK);
  write_pages(pc, 1, 8, 30);
  io_fault_set(fc.db, IO_FAULT_WRITE, 3, 0);
  int nlog, nck;
  ck_assert_int_eq(pager_checkpoint(pc, PAGER_CHECKPOINT_TRUNCATE, &nlog, &nck), MICA_IOERR_WRITE);
  ck_assert_int_eq(pager_begin_read(pc), MICA_OK);
  for (uint32_t i = 2; i <= 8; i++)
    ck_assert_int_eq(page_byte(pc, i, 0), 30 + (int)i);
  ck_assert_int_eq(pager_end_read(pc), MICA_OK);
  write_pages(pc, 2, 1, 60);
  ck_assert_int_eq(pager_checkpoint(pc, PAGER_CHECKPOINT_TRUNCATE, &nlog, &nck), MICA_OK);
  ck_assert_int_eq(pager_close(pc), MICA_OK);
  ck_assert_int_eq(pager_open(path, 0, &pc), MICA_OK);
  ck_assert_int_eq(pager_begin_read(pc), MICA_OK);
  ck_assert_int_eq(page_byte(pc, 2, 0), 62);
  for (uint32_t i = 3; i <= 8; i++)
    ck_assert_int_eq(page_byte(pc, i, 0), 30 + (int)i);
  ck_assert_int_eq(pager_end_read(pc), MICA_OK);
  ck_assert_int_eq(pager_close(pc), MICA_OK);
}
END_TEST

START_TEST(test_pager_savepoint_restores_truncated_pages) {
  PagerConn *pc;
  ck_assert_int_eq(pager_open(":memory:", 0, &pc), MICA_OK);
  write_pages(pc, 1, 6, 0);
  ck_assert_int_eq(pager_begin_write(pc, 0), MICA_OK);
  PgHdr *pg;
  ck_assert_int_eq(pager_get(pc, 6, &pg), MICA_OK);
  ck_assert_int_eq(pager_write(pg), MICA_OK);
  pg->data[0] = 0x66; /* changed before the savepoint */
  pager_unref(pg);
  ck_assert_int_eq(pager_savepoint(pc, PAGER_SAVEPOINT_BEGIN, 0), MICA_OK);
  ck_assert_int_eq(pager_set_page_count(pc, 4), MICA_OK);
  ck_assert_uint_eq(pager_page_count(pc), 4);
  ck_assert_int_eq(pager_savepoint(pc, PAGER_SAVEPOINT_ROLLBACK, 0), MICA_OK);
  ck_assert_uint_eq(pager_page_count(pc), 6);
  ck_assert_int_eq(page_byte(pc, 6, 0), 0x66);
  ck_assert_int_eq(page_byte(pc, 5, 0), 5);
  ck_assert_int_eq(pager_commit(pc), MICA_OK);
  ck_assert_int_eq(pager_begin_read(pc), MICA_OK);
  ck_assert_int_eq(page_byte(pc, 6, 0), 0x66);
  ck_assert_int_eq(pager_end_read(pc), MICA_OK);
  ck_assert_int_eq(pager_close(pc), MICA_OK);
}
END_TEST

static void make_sqlite_db(const char *path, int rows, int seed) {
  char sql[600];
  sqlite3 *db;
  ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
  snprintf(sql, sizeof sql,
           "PRAGMA page_size=1024; CREATE TABLE t(a INTEGER PRIMARY KEY, b TEXT); CREATE INDEX tb ON t(b);"
           "WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM c WHERE i<%d)"
           " INSERT INTO t SELECT i, printf('%%d-%%0*d', %d, (i*37)%%500, i) FROM c;",
           rows, seed);
  sql_exec(db, sql);
  sqlite3_close(db);
}

static char *content_of(const char *path) {
  sqlite3 *db;
  ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
  char *ic = sql_text(db, "PRAGMA integrity_check");
  ck_assert_str_eq(ic, "ok");
  free(ic);
  char *v = sql_text(db, "SELECT count(*) || ':' || sum(length(b)) || ':' || group_concat(b) FROM t");
  sqlite3_close(db);
  return v;
}

/* Mica rewrites every page of one sqlite3 database with another's (growing and then shrinking the
 * file); sqlite3 reads the result from db+WAL (crash copy) and from the checkpointed file. */
START_TEST(test_pager_sqlite3_reads_multi_page_commits) {
  char a[300], b[300], c[300], ca[300], wa[310], wca[310];
  tpath(a, sizeof a, "ma.db");
  tpath(b, sizeof b, "mb.db");
  tpath(c, sizeof c, "mc.db");
  tpath(ca, sizeof ca, "mcopy.db");
  snprintf(wa, sizeof wa, "%s-wal", a);
  snprintf(wca, sizeof wca, "%s-wal", ca);
  make_sqlite_db(a, 50, 3);
  make_sqlite_db(b, 900, 40); /* bigger */
  make_sqlite_db(c, 20, 7);   /* smaller */
  const char *sources[] = {b, c};
  for (int k = 0; k < 2; k++) {
    char *want = content_of(sources[k]);
    PagerConn *dst, *src;
    ck_assert_int_eq(pager_open(a, 0, &dst), MICA_OK);
    ck_assert_int_eq(pager_set_autocheckpoint(dst, 0), MICA_OK);
    ck_assert_int_eq(pager_open(sources[k], PAGER_OPEN_READONLY, &src), MICA_OK);
    ck_assert_int_eq(pager_begin_read(src), MICA_OK);
    uint32_t n = pager_page_count(src);
    ck_assert_int_eq(pager_begin_write(dst, 0), MICA_OK);
    ck_assert_int_eq(pager_set_page_count(dst, n), MICA_OK);
    for (uint32_t i = 1; i <= n; i++) {
      PgHdr *s, *d;
      ck_assert_int_eq(pager_get(src, i, &s), MICA_OK);
      ck_assert_int_eq(pager_get(dst, i, &d), MICA_OK);
      ck_assert_int_eq(pager_write(d), MICA_OK);
      memcpy(d->data, s->data, 1024);
      if (i == 1) d->data[24] = (uint8_t)(d->data[24] + 50 + k); /* keep the change counter moving */
      pager_unref(d);
      pager_unref(s);
    }
    ck_assert_int_eq(pager_commit(dst), MICA_OK);
    ck_assert_int_eq(pager_end_read(src), MICA_OK);
    ck_assert_int_eq(pager_close(src), MICA_OK);
    copy_file(a, ca);
    copy_file(wa, wca);
    char *got = content_of(ca);
    ck_assert_str_eq(got, want);
    free(got);
    ck_assert_int_eq(pager_close(dst), MICA_OK);
    struct stat st;
    ck_assert_int_eq(stat(a, &st), 0);
    ck_assert_int_eq(st.st_size, (off_t)n * 1024);
    got = content_of(a);
    ck_assert_str_eq(got, want);
    free(got);
    free(want);
  }
}
END_TEST

static void append_super_journal(const char *jpath, const char *name) {
  FILE *f = fopen(jpath, "ab");
  ck_assert_ptr_nonnull(f);
  uint32_t len = (uint32_t)strlen(name), sum = 0;
  for (uint32_t i = 0; i < len; i++)
    sum += (uint8_t)name[i];
  uint8_t pg[4] = {0, 0, 0, 0}, tail[16] = {0};
  fwrite(pg, 1, 4, f);
  fwrite(name, 1, len, f);
  for (int i = 0; i < 4; i++)
    tail[i] = (uint8_t)(len >> (24 - 8 * i));
  for (int i = 0; i < 4; i++)
    tail[4 + i] = (uint8_t)(sum >> (24 - 8 * i));
  const uint8_t magic[8] = {0xd9, 0xd5, 0x05, 0xf9, 0x20, 0xa1, 0x63, 0xd7};
  memcpy(tail + 8, magic, 8);
  fwrite(tail, 1, 16, f);
  fclose(f);
}

/* A journal naming a super-journal that no longer exists belongs to a committed multi-database
 * transaction: it is discarded, not played back. One whose super-journal exists is hot. */
START_TEST(test_pager_super_journal_decides_hotness) {
  char path[300], cpath[300], jpath[320], cjpath[320], sj[300];
  tpath(path, sizeof path, "sj.db");
  snprintf(jpath, sizeof jpath, "%s-journal", path);
  tpath(sj, sizeof sj, "sj.db-mj01");
  sqlite3 *db;
  ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
  sql_exec(db, "PRAGMA page_size=1024; CREATE TABLE t(x); WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL "
               "SELECT i+1 FROM c WHERE i<1000) INSERT INTO t SELECT printf('%0200d', i) FROM c;");
  sqlite3_close(db);
  ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
  sql_exec(db, "PRAGMA cache_size=5; BEGIN; UPDATE t SET x = 'changed' || x;");
  for (int k = 0; k < 2; k++) {
    snprintf(cpath, sizeof cpath, "%s/sjcopy%d.db", tmpdir, k);
    snprintf(cjpath, sizeof cjpath, "%s-journal", cpath);
    copy_file(path, cpath);
    copy_file(jpath, cjpath);
    append_super_journal(cjpath, "sj.db-mj01"); /* relative to the database's directory */
  }
  sql_exec(db, "ROLLBACK");
  sqlite3_close(db);
  long n0, n1;
  snprintf(cpath, sizeof cpath, "%s/sjcopy0.db", tmpdir);
  char *torn = slurp(cpath, &n0);
  /* Super-journal gone: no playback, the (torn) file is left as it is. */
  PagerConn *pc;
  ck_assert_int_eq(pager_open(cpath, 0, &pc), MICA_OK);
  ck_assert_int_eq(pager_close(pc), MICA_OK);
  char *after = slurp(cpath, &n1);
  ck_assert_int_eq(n0, n1);
  ck_assert_mem_eq(torn, after, (size_t)n0);
  free(torn);
  free(after);
  /* Super-journal present: played back. */
  FILE *f = fopen(sj, "wb");
  fputs("x", f);
  fclose(f);
  snprintf(cpath, sizeof cpath, "%s/sjcopy1.db", tmpdir);
  ck_assert_int_eq(pager_open(cpath, 0, &pc), MICA_OK);
  ck_assert_int_eq(pager_close(pc), MICA_OK);
  ck_assert_int_eq(sqlite3_open(cpath, &db), SQLITE_OK);
  ck_assert_int_eq(sql_int(db, "SELECT count(*) FROM t WHERE x LIKE 'changed%'"), 0);
  ck_assert_int_eq(sql_int(db, "SELECT count(*) FROM t"), 1000);
  sqlite3_close(db);
}
END_TEST

/* A commit whose fdatasync fails is reported failed and, once rolled back, is not resurrected by
 * recovery even though its frames (commit frame included) had been written. */
START_TEST(test_pager_failed_sync_commit_not_recovered) {
  char path[300], cpath[300], wpath[310], cwpath[310];
  tpath(path, sizeof path, "fs.db");
  tpath(cpath, sizeof cpath, "fscopy.db");
  snprintf(wpath, sizeof wpath, "%s-wal", path);
  snprintf(cwpath, sizeof cwpath, "%s-wal", cpath);
  FaultCtx fc = {0};
  PagerConn *pc;
  ck_assert_int_eq(pager_open_io(path, PAGER_OPEN_CREATE, fault_open, &fc, &pc), MICA_OK);
  ck_assert_int_eq(pager_set_autocheckpoint(pc, 0), MICA_OK);
  write_pages(pc, 1, 4, 10);
  io_fault_set(fc.wal, IO_FAULT_SYNC, 1, 0);
  ck_assert_int_eq(pager_begin_write(pc, 0), MICA_OK);
  PgHdr *pg;
  ck_assert_int_eq(pager_get(pc, 3, &pg), MICA_OK);
  ck_assert_int_eq(pager_write(pg), MICA_OK);
  pg->data[0] = 0xcc;
  pager_unref(pg);
  ck_assert_int_eq(pager_commit(pc), MICA_IOERR_FSYNC);
  ck_assert_int_eq(pager_rollback(pc), MICA_OK);
  ck_assert_int_eq(io_fault_count(fc.wal), 1);
  copy_file(path, cpath);
  copy_file(wpath, cwpath);
  PagerConn *rc;
  ck_assert_int_eq(pager_open(cpath, 0, &rc), MICA_OK);
  ck_assert_int_eq(pager_begin_read(rc), MICA_OK);
  ck_assert_int_eq(page_byte(rc, 3, 0), 13);
  ck_assert_int_eq(pager_end_read(rc), MICA_OK);
  ck_assert_int_eq(pager_close(rc), MICA_OK);
  ck_assert_int_eq(pager_begin_read(pc), MICA_OK);
  ck_assert_int_eq(page_byte(pc, 3, 0), 13);
  ck_assert_int_eq(pager_end_read(pc), MICA_OK);
  ck_assert_int_eq(pager_close(pc), MICA_OK);
}
END_TEST

/* Regression: a process killed with io_uring requests in flight releases its file lock only after
 * it has been reaped, so a restart right after kill -9 saw BUSY ("unable to open database file" in
 * the crash test). Opening waits for a lock that is released shortly; one held on stays BUSY. */
START_TEST(test_pager_open_waits_for_a_lock_released_soon) {
  char path[300];
  tpath(path, sizeof path, "lockwait.db");
  int fds[2];
  ck_assert_int_eq(pipe(fds), 0);
  pid_t child = fork();
  ck_assert_int_ge(child, 0);
  if (child == 0) {
    PagerConn *held;
    char c = pager_open(path, PAGER_OPEN_CREATE, &held) == MICA_OK ? 'y' : 'n';
    if (write(fds[1], &c, 1) != 1) _exit(1);
    struct timespec ts = {0, 300 * 1000 * 1000};
    nanosleep(&ts, NULL);
    _exit(0); /* the lock goes with the process */
  }
  char c = 0;
  ck_assert_int_eq(read(fds[0], &c, 1), 1);
  ck_assert_int_eq(c, 'y');
  PagerConn *pc;
  ck_assert_int_eq(pager_open(path, 0, &pc), MICA_OK);
  ck_assert_int_eq(pager_close(pc), MICA_OK);
  int st;
  ck_assert_int_eq(waitpid(child, &st, 0), child);
  close(fds[0]);
  close(fds[1]);
}
END_TEST

/* An idle sqlite3 connection in WAL mode keeps a shared lock on the database: Mica refuses to open
 * (BUSY) rather than change the file under sqlite3's -shm index. An idle rollback-mode connection
 * holds no lock: Mica opens, and sqlite3's next statement gets SQLITE_BUSY. */
START_TEST(test_pager_coexists_with_open_sqlite3_connections) {
  char path[300];
  tpath(path, sizeof path, "co.db");
  sqlite3 *db;
  ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
  sql_exec(db, "PRAGMA journal_mode=WAL; CREATE TABLE t(x); INSERT INTO t VALUES(1);");
  ck_assert_int_eq(sql_int(db, "SELECT count(*) FROM t"), 1);
  PagerConn *pc;
  ck_assert_int_eq(pager_open(path, 0, &pc), MICA_BUSY);
  ck_assert_ptr_null(pc);
  sql_exec(db, "PRAGMA journal_mode=DELETE;");
  ck_assert_int_eq(sql_int(db, "SELECT count(*) FROM t"), 1);
  ck_assert_int_eq(pager_open(path, 0, &pc), MICA_OK);
  sqlite3_stmt *st;
  int rc = sqlite3_prepare_v2(db, "SELECT count(*) FROM t", -1, &st, NULL);
  if (rc == SQLITE_OK) {
    rc = sqlite3_step(st);
    sqlite3_finalize(st);
  }
  ck_assert_int_eq(rc, SQLITE_BUSY);
  ck_assert_int_eq(pager_close(pc), MICA_OK);
  ck_assert_int_eq(sql_int(db, "SELECT count(*) FROM t"), 1);
  sqlite3_close(db);
}
END_TEST

/* Stale versions left by many commits must not crowd current pages out of the cache. */
START_TEST(test_pager_cache_keeps_current_versions_after_many_commits) {
  PagerConn *pc;
  ck_assert_int_eq(pager_open(":memory:", 0, &pc), MICA_OK);
  ck_assert_int_eq(pager_set_autocheckpoint(pc, 0), MICA_OK);
  ck_assert_int_eq(pager_set_cache_size(pc, 100), MICA_OK);
  write_pages(pc, 1, 60, 0);
  for (int i = 0; i < 1500; i++) {
    ck_assert_int_eq(pager_begin_write(pc, 0), MICA_OK);
    PgHdr *pg;
    ck_assert_int_eq(pager_get(pc, 2 + (uint32_t)(i % 59), &pg), MICA_OK);
    ck_assert_int_eq(pager_write(pg), MICA_OK);
    pg->data[7] = (uint8_t)i;
    pager_unref(pg);
    ck_assert_int_eq(pager_commit(pc), MICA_OK);
  }
  ck_assert_int_eq(pager_begin_read(pc), MICA_OK);
  for (uint32_t i = 1; i <= 60; i++)
    page_byte(pc, i, 0);
  PagerCacheStats a, b;
  pager_cache_stats(pc, &a);
  for (int round = 0; round < 3; round++)
    for (uint32_t i = 1; i <= 60; i++)
      page_byte(pc, i, 0);
  pager_cache_stats(pc, &b);
  ck_assert_uint_eq(b.misses, a.misses);
  ck_assert_int_eq(pager_end_read(pc), MICA_OK);
  ck_assert_int_eq(pager_close(pc), MICA_OK);
}
END_TEST

/* Model-based random test: transactions, savepoints, growth and truncation, checkpoints and reopens
 * against a simple in-memory model of every page's tag (a 32-bit value stored at offset 200 and in
 * the last 4 bytes). UNKNOWN marks pages whose content the pager leaves unspecified (grown by
 * pager_set_page_count and not written yet). */
#define MODEL_MAX 80
#define UNKNOWN 0xffffffffu

typedef struct Model {
  uint32_t tag[MODEL_MAX + 1];
  uint32_t n;
} Model;

static void put_tag(uint8_t *d, uint32_t ps, uint32_t v) {
  for (int k = 0; k < 4; k++)
    d[200 + k] = d[ps - 4 + k] = (uint8_t)(v >> (8 * k));
}

static uint32_t get_tag(const uint8_t *d, uint32_t ps) {
  uint32_t a = 0, b = 0;
  for (int k = 0; k < 4; k++) {
    a |= (uint32_t)d[200 + k] << (8 * k);
    b |= (uint32_t)d[ps - 4 + k] << (8 * k);
  }
  ck_assert_uint_eq(a, b);
  return a;
}

static void model_verify(PagerConn *pc, const Model *m) {
  ck_assert_uint_eq(pager_page_count(pc), m->n);
  for (uint32_t i = 1; i <= m->n; i++) {
    if (m->tag[i] == UNKNOWN) continue;
    PgHdr *pg;
    ck_assert_int_eq(pager_get(pc, i, &pg), MICA_OK);
    uint32_t t = get_tag(pg->data, pager_page_size(pc));
    if (t != m->tag[i]) fprintf(stderr, "page %u: tag %u, model %u\n", i, t, m->tag[i]);
    ck_assert_uint_eq(t, m->tag[i]);
    pager_unref(pg);
  }
}

static void run_model(const char *path, uint64_t seed, int nops) {
  PagerConn *pc;
  ck_assert_int_eq(pager_open(path, PAGER_OPEN_CREATE, &pc), MICA_OK);
  ck_assert_int_eq(pager_set_autocheckpoint(pc, 25), MICA_OK);
  ck_assert_int_eq(pager_set_synchronous(pc, 0), MICA_OK);
  ck_assert_int_eq(pager_set_cache_size(pc, 16), MICA_OK);
  uint32_t ps = pager_page_size(pc);
  Model committed = {{0}, 0}, cur = {{0}, 0}, sp[8];
  int nsp = 0, in_write = 0;
  /* Page 1 carries a valid header so that reopening works. */
  ck_assert_int_eq(pager_begin_write(pc, 0), MICA_OK);
  PgHdr *p1;
  ck_assert_int_eq(pager_get(pc, 1, &p1), MICA_OK);
  ck_assert_int_eq(pager_write(p1), MICA_OK);
  format_page1(p1->data, ps);
  put_tag(p1->data, ps, 1);
  pager_unref(p1);
  ck_assert_int_eq(pager_commit(pc), MICA_OK);
  committed.n = 1;
  committed.tag[1] = 1;
  uint64_t s = seed;
  uint32_t next_tag = 2;
  /* A second connection on the same Pager holds read snapshots across the writer's operations. */
  PagerConn *rd = NULL;
  Model rsnap = committed;
  int reading = 0;
  if (strcmp(path, ":memory:") != 0) ck_assert_int_eq(pager_open(path, 0, &rd), MICA_OK);
  for (int op = 0; op < nops; op++) {
    s = s * 6364136223846793005ull + 1442695040888963407ull;
    int r = (int)((s >> 33) % 100);
    uint32_t x = (uint32_t)(s >> 13);
    if (rd && (x & 0x700) == 0x100) {
      if (!reading) {
        ck_assert_int_eq(pager_begin_read(rd), MICA_OK);
        rsnap = committed;
        reading = 1;
      } else if (x & 1) {
        model_verify(rd, &rsnap);
      } else {
        model_verify(rd, &rsnap);
        ck_assert_int_eq(pager_end_read(rd), MICA_OK);
        reading = 0;
      }
    }
    if (getenv("MODEL_TRACE"))
      fprintf(stderr, "op %d: %s r=%d x=%u n=%u\n", op, in_write ? "W" : "-", r, x % 1000, cur.n);
    if (!in_write) {
      if (r < 55) {
        ck_assert_int_eq(pager_begin_write(pc, 0), MICA_OK);
        in_write = 1;
        cur = committed;
        nsp = 0;
      } else if (r < 80) {
        ck_assert_int_eq(pager_begin_read(pc), MICA_OK);
        model_verify(pc, &committed);
        ck_assert_int_eq(pager_end_read(pc), MICA_OK);
      } else if (r < 92) {
        int rc = pager_checkpoint(pc, (int)(x % 4), NULL, NULL);
        ck_assert(rc == MICA_OK || rc == MICA_BUSY);
      } else if (strcmp(path, ":memory:") != 0) {
        if (reading) ck_assert_int_eq(pager_end_read(rd), MICA_OK);
        reading = 0;
        ck_assert_int_eq(pager_close(rd), MICA_OK);
        ck_assert_int_eq(pager_close(pc), MICA_OK);
        ck_assert_int_eq(pager_open(path, 0, &rd), MICA_OK);
        ck_assert_int_eq(pager_open(path, 0, &pc), MICA_OK);
        ck_assert_int_eq(pager_set_autocheckpoint(pc, 25), MICA_OK);
        ck_assert_int_eq(pager_set_synchronous(pc, 0), MICA_OK);
        ck_assert_int_eq(pager_set_cache_size(pc, 16), MICA_OK);
      }
      continue;
    }
    if (r < 50) { /* write a page, possibly one past the end */
      uint32_t pgno = 1 + x % (cur.n + 1);
      if (pgno > MODEL_MAX) pgno = MODEL_MAX;
      PgHdr *pg;
      ck_assert_int_eq(pager_get(pc, pgno, &pg), MICA_OK);
      ck_assert_int_eq(pager_write(pg), MICA_OK);
      put_tag(pg->data, ps, next_tag);
      pager_unref(pg);
      if (pgno > cur.n) {
        for (uint32_t i = cur.n + 1; i < pgno; i++)
          cur.tag[i] = UNKNOWN;
        cur.n = pgno;
      }
      cur.tag[pgno] = next_tag++;
    } else if (r < 56) { /* resize */
      uint32_t n = 1 + x % MODEL_MAX;
      ck_assert_int_eq(pager_set_page_count(pc, n), MICA_OK);
      for (uint32_t i = cur.n + 1; i <= n; i++)
        cur.tag[i] = UNKNOWN;
      if (n < cur.n)
        for (uint32_t i = n + 1; i <= cur.n; i++)
          cur.tag[i] = UNKNOWN; /* gone */
      cur.n = n;
    } else if (r < 64) {
      if (nsp < 8) {
        ck_assert_int_eq(pager_savepoint(pc, PAGER_SAVEPOINT_BEGIN, nsp), MICA_OK);
        sp[nsp++] = cur;
      }
    } else if (r < 70) {
      if (nsp > 0) {
        int idx = (int)(x % (uint32_t)nsp);
        ck_assert_int_eq(pager_savepoint(pc, PAGER_SAVEPOINT_RELEASE, idx), MICA_OK);
        nsp = idx;
      }
    } else if (r < 78) {
      if (nsp > 0) {
        int idx = (int)(x % (uint32_t)nsp);
        ck_assert_int_eq(pager_savepoint(pc, PAGER_SAVEPOINT_ROLLBACK, idx), MICA_OK);
        cur = sp[idx];
        nsp = idx + 1;
      }
    } else if (r < 86) {
      model_verify(pc, &cur);
    } else if (r < 95) {
      ck_assert_int_eq(pager_commit(pc), MICA_OK);
      in_write = 0;
      committed = cur;
    } else {
      ck_assert_int_eq(pager_rollback(pc), MICA_OK);
      in_write = 0;
    }
  }
  if (in_write) ck_assert_int_eq(pager_rollback(pc), MICA_OK);
  if (reading) model_verify(rd, &rsnap);
  ck_assert_int_eq(pager_close(rd), MICA_OK);
  ck_assert_int_eq(pager_begin_read(pc), MICA_OK);
  model_verify(pc, &committed);
  ck_assert_int_eq(pager_end_read(pc), MICA_OK);
  ck_assert_int_eq(pager_close(pc), MICA_OK);
}

START_TEST(test_pager_random_ops_match_model) {
  char path[300];
  tpath(path, sizeof path, "model.db");
  run_model(path, 1, 3000);
  run_model(":memory:", 2, 3000);
  tpath(path, sizeof path, "model2.db");
  run_model(path, 3, 3000);
}
END_TEST

static Suite *pager_suite(void) {
  Suite *s = suite_create("pager");
  TCase *tc = tcase_create("core");
  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, test_pager_memory_pages_roundtrip);
  tcase_add_test(tc, test_pager_get_needs_transaction);
  tcase_add_test(tc, test_pager_rollback_discards_changes);
  tcase_add_test(tc, test_pager_file_persists_across_reopen);
  tcase_add_test(tc, test_pager_sqlite3_reads_mica_wal_and_file);
  tcase_add_test(tc, test_pager_reads_wal_left_by_sqlite3);
  tcase_add_test(tc, test_pager_coexists_with_open_sqlite3_connections);
  tcase_add_test(tc, test_pager_open_waits_for_a_lock_released_soon);
  tcase_add_test(tc, test_pager_sqlite3_reads_multi_page_commits);
  tcase_add_test(tc, test_pager_rejects_non_database);
  tcase_add_test(tc, test_pager_savepoint_rollback_restores_pages);
  tcase_add_test(tc, test_pager_savepoint_restores_truncated_pages);
  tcase_add_test(tc, test_pager_truncate_shrinks_database);
  tcase_add_test(tc, test_pager_page_size_settable_when_empty);
  tcase_add_test(tc, test_pager_rolls_back_hot_journal);
  tcase_add_test(tc, test_pager_super_journal_decides_hotness);
  tcase_add_test(tc, test_pager_checkpoint_modes);
  tcase_add_test(tc, test_pager_autocheckpoint_bounds_wal);
  tcase_add_test(tc, test_pager_synchronous_controls_wal_sync);
  tcase_add_test(tc, test_pager_failed_commit_loses_nothing_committed);
  tcase_add_test(tc, test_pager_read_error_surfaces);
  tcase_add_test(tc, test_pager_connections_share_one_pager);
  tcase_add_test(tc, test_pager_reader_snapshot_isolated);
  tcase_add_test(tc, test_pager_reader_survives_wal_restart);
  tcase_add_test(tc, test_pager_write_lock_fifo_and_timeout);
  tcase_add_test(tc, test_pager_concurrent_writers_and_readers_consistent);
  tcase_add_test(tc, test_pager_group_commit_shares_syncs);
  tcase_add_test(tc, test_pager_cache_bounded_by_cache_size);
  tcase_add_test(tc, test_pager_cache_resists_scans);
  tcase_add_test(tc, test_pager_random_ops_match_model);
  tcase_add_test(tc, test_pager_cache_keeps_current_versions_after_many_commits);
  tcase_add_test(tc, test_pager_readonly_open_reads_but_refuses_writes);
  tcase_add_test(tc, test_pager_reading_leaves_sqlite3_file_untouched);
  tcase_add_test(tc, test_pager_survives_kill_9_mid_commit);
  tcase_add_test(tc, test_pager_failed_checkpoint_keeps_data);
  tcase_add_test(tc, test_pager_failed_sync_commit_not_recovered);
  suite_add_tcase(s, tc);
  return s;
}

/* The whole suite runs once per I/O backend: posix, then io_uring when the kernel allows it. */
int main(void) {
  int failed = 0;
  const char *backends[] = {"posix", "uring"};
  for (int b = 0; b < 2; b++) {
    if (b == 1 && !io_uring_available()) {
      printf("io_uring unavailable: uring pass skipped\n");
      continue;
    }
    setenv("MICA_IO", backends[b], 1);
    printf("backend %s (%s)\n", backends[b], io_backend_name(0));
    SRunner *sr = srunner_create(pager_suite());
    srunner_run_all(sr, CK_NORMAL);
    failed += srunner_ntests_failed(sr);
    srunner_free(sr);
  }
  unsetenv("MICA_IO");
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
