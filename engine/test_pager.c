/*
 * test_pager.c: unit tests for the pager (page cache, transactions, snapshots, WAL commit, sqlite3
 * interoperability).
 */
#include <check.h>
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
    if (i == 1) format_page1(pg->data, pager_page_size(pc));
    else memset(pg->data, (seed + (int)i) & 0xff, pager_page_size(pc));
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
  for (uint32_t i = 2; i <= 5; i++) ck_assert_int_eq(page_byte(pc, i, 100), (7 + (int)i) & 0xff);
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
  while ((n = fread(buf, 1, sizeof buf, a)) > 0) ck_assert_uint_eq(fwrite(buf, 1, n, b), n);
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
  for (int i = 0; i < 4096; i++) fputc(i * 7, f);
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
  suite_add_tcase(s, tc);
  return s;
}

int main(void) {
  SRunner *sr = srunner_create(pager_suite());
  srunner_run_all(sr, CK_NORMAL);
  int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
