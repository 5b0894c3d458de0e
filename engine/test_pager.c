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
#include <sys/stat.h>
#include <unistd.h>

#include "io.h"
#include "mica.h"
#include "pager.h"
#include "wal.h"

static char tmpdir[256];

static void setup(void) {
  snprintf(tmpdir, sizeof tmpdir, "/tmp/mica_test_pager_XXXXXX");
  ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

static void teardown(void) {
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
  /* Clean close checkpoints and truncates the log. */
  char wpath[310];
  snprintf(wpath, sizeof wpath, "%s-wal", path);
  struct stat st;
  ck_assert_int_eq(stat(wpath, &st), 0);
  ck_assert_int_eq(st.st_size, 0);
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
  for (int i = 0; i < 60; i++)
    write_pages(pc, 1, 3, i);
  struct stat st;
  ck_assert_int_eq(stat(wpath, &st), 0);
  /* At most ~10 frames plus one transaction's worth beyond the threshold. */
  ck_assert_int_le(st.st_size, 32 + 14 * (24 + 4096));
  ck_assert_int_eq(pager_begin_read(pc), MICA_OK);
  ck_assert_int_eq(page_byte(pc, 3, 0), 62);
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
  usleep(30000);
  pthread_create(&tc, NULL, lock_thread, &lc);
  usleep(30000);
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
  ck_assert_int_eq(pager_checkpoint(pc, PAGER_CHECKPOINT_PASSIVE, NULL, NULL), MICA_READONLY);
  ck_assert_int_eq(pager_begin_read(pc), MICA_OK);
  ck_assert_int_eq(page_byte(pc, 3, 0), 12);
  ck_assert_int_eq(pager_end_read(pc), MICA_OK);
  ck_assert_int_eq(pager_close(pc), MICA_OK);
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
  tcase_add_test(tc, test_pager_rejects_non_database);
  tcase_add_test(tc, test_pager_savepoint_rollback_restores_pages);
  tcase_add_test(tc, test_pager_truncate_shrinks_database);
  tcase_add_test(tc, test_pager_page_size_settable_when_empty);
  tcase_add_test(tc, test_pager_rolls_back_hot_journal);
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
  tcase_add_test(tc, test_pager_readonly_open_reads_but_refuses_writes);
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
