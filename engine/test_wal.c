/*
 * test_wal.c: unit tests for the WAL (format, checksums, recovery, index, checkpoint plan, reset).
 */
#include <check.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "io.h"
#include "mica.h"
#include "wal.h"

#define PS 1024

static char tmpdir[256];

static void setup(void) {
  snprintf(tmpdir, sizeof tmpdir, "/tmp/mica_test_wal_XXXXXX");
  ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

static void teardown(void) {
  char cmd[300];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
  ck_assert_int_eq(system(cmd), 0);
}

static uint32_t rd32(const uint8_t *p) {
  return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

/* Appends and publishes one transaction of pages pgnos[0..n), page i filled with fill+pgno. */
static void commit_pages(Wal *w, const uint32_t *pgnos, int n, uint32_t dbsize, int fill) {
  uint8_t *bufs[16];
  ck_assert_int_le(n, 16);
  for (int i = 0; i < n; i++) {
    bufs[i] = malloc(PS);
    memset(bufs[i], (fill + (int)pgnos[i]) & 0xff, PS);
  }
  ck_assert_int_eq(wal_append(w, PS, pgnos, bufs, n, dbsize, 0), MICA_OK);
  ck_assert_int_eq(wal_publish(w, pgnos, n, dbsize), MICA_OK);
  for (int i = 0; i < n; i++)
    free(bufs[i]);
}

static IoFile *mem_file(void) {
  IoFile *f;
  ck_assert_int_eq(io_mem_open(&f), MICA_OK);
  return f;
}

/* A second IoFile with the same bytes as f (what another process would see after a crash). */
static IoFile *clone_file(IoFile *f, uint64_t len) {
  IoFile *g = mem_file();
  uint8_t *buf = malloc(len ? len : 1);
  int rc = io_read(f, buf, len, 0);
  ck_assert(rc == MICA_OK || rc == MICA_IOERR_SHORT_READ);
  ck_assert_int_eq(io_write(g, buf, len, 0), MICA_OK);
  free(buf);
  return g;
}

static uint64_t fsize(IoFile *f) {
  uint64_t n;
  ck_assert_int_eq(io_size(f, &n), MICA_OK);
  return n;
}

static Wal *open_wal(IoFile *f, uint32_t ps_in) {
  Wal *w;
  uint32_t ps = ps_in;
  ck_assert_int_eq(wal_open(f, &ps, &w), MICA_OK);
  return w;
}

START_TEST(test_wal_checksum_folds_word_pairs) {
  /* The checksum must depend on word order and on byte order per the magic. */
  uint8_t a[16], b[16];
  for (int i = 0; i < 16; i++)
    a[i] = (uint8_t)(i * 37 + 1);
  memcpy(b, a, 16);
  b[0] ^= 1;
  uint32_t s1[2] = {0, 0}, s2[2] = {0, 0}, s3[2] = {0, 0};
  wal_checksum(0, a, 16, s1);
  wal_checksum(0, b, 16, s2);
  wal_checksum(1, a, 16, s3);
  ck_assert(s1[0] != s2[0] || s1[1] != s2[1]);
  ck_assert(s1[0] != s3[0] || s1[1] != s3[1]);
  /* Incremental over two halves equals one pass. */
  uint32_t s4[2] = {0, 0};
  wal_checksum(0, a, 8, s4);
  wal_checksum(0, a + 8, 8, s4);
  ck_assert_uint_eq(s4[0], s1[0]);
  ck_assert_uint_eq(s4[1], s1[1]);
  /* Definition check on one pair: s0 = x0, s1 = x1 + s0 (little-endian words). */
  uint32_t s5[2] = {0, 0};
  wal_checksum(0, a, 8, s5);
  uint32_t x0 = a[0] | (uint32_t)a[1] << 8 | (uint32_t)a[2] << 16 | (uint32_t)a[3] << 24;
  uint32_t x1 = a[4] | (uint32_t)a[5] << 8 | (uint32_t)a[6] << 16 | (uint32_t)a[7] << 24;
  ck_assert_uint_eq(s5[0], x0);
  ck_assert_uint_eq(s5[1], x1 + x0);
}
END_TEST

START_TEST(test_wal_header_and_frames_in_sqlite_format) {
  IoFile *f = mem_file();
  Wal *w = open_wal(f, PS);
  uint32_t pg[] = {1, 3};
  commit_pages(w, pg, 2, 3, 0);
  uint8_t hdr[32], fh[24];
  ck_assert_int_eq(io_read(f, hdr, 32, 0), MICA_OK);
  ck_assert(rd32(hdr) == WAL_MAGIC_LE || rd32(hdr) == WAL_MAGIC_BE);
  ck_assert_uint_eq(rd32(hdr + 4), 3007000);
  ck_assert_uint_eq(rd32(hdr + 8), PS);
  ck_assert_uint_eq(fsize(f), 32 + 2 * (24 + PS));
  ck_assert_int_eq(io_read(f, fh, 24, 32), MICA_OK);
  ck_assert_uint_eq(rd32(fh), 1);
  ck_assert_uint_eq(rd32(fh + 4), 0); /* not a commit frame */
  ck_assert_uint_eq(rd32(fh + 8), rd32(hdr + 16));
  ck_assert_uint_eq(rd32(fh + 12), rd32(hdr + 20));
  ck_assert_int_eq(io_read(f, fh, 24, 32 + 24 + PS), MICA_OK);
  ck_assert_uint_eq(rd32(fh), 3);
  ck_assert_uint_eq(rd32(fh + 4), 3); /* commit frame: db size */
  /* header checksum */
  uint32_t s[2] = {0, 0};
  wal_checksum(rd32(hdr) == WAL_MAGIC_BE, hdr, 24, s);
  ck_assert_uint_eq(s[0], rd32(hdr + 24));
  ck_assert_uint_eq(s[1], rd32(hdr + 28));
  wal_close(w);
}
END_TEST

START_TEST(test_wal_find_respects_snapshot) {
  Wal *w = open_wal(mem_file(), PS);
  uint32_t a[] = {1, 2}, b[] = {2, 5}, c[] = {2};
  commit_pages(w, a, 2, 2, 0); /* frames 1,2 */
  commit_pages(w, b, 2, 5, 0); /* frames 3,4 */
  commit_pages(w, c, 1, 5, 0); /* frame 5 */
  ck_assert_uint_eq(wal_max_frame(w), 5);
  ck_assert_uint_eq(wal_find(w, 2, 2), 2);
  ck_assert_uint_eq(wal_find(w, 2, 4), 3);
  ck_assert_uint_eq(wal_find(w, 2, 5), 5);
  ck_assert_uint_eq(wal_find(w, 5, 2), 0);
  ck_assert_uint_eq(wal_find(w, 5, 5), 4);
  ck_assert_uint_eq(wal_find(w, 7, 5), 0);
  ck_assert_uint_eq(wal_db_size(w, 2), 2);
  ck_assert_uint_eq(wal_db_size(w, 4), 5);
  uint8_t buf[PS];
  ck_assert_int_eq(wal_read_frame(w, 3, buf), MICA_OK);
  ck_assert_int_eq(buf[0], 2);
  wal_close(w);
}
END_TEST

START_TEST(test_wal_recovers_all_commits) {
  IoFile *f = mem_file();
  Wal *w = open_wal(f, PS);
  uint32_t a[] = {1, 2, 3}, b[] = {2};
  commit_pages(w, a, 3, 3, 10);
  commit_pages(w, b, 1, 3, 20);
  Wal *r = open_wal(clone_file(f, fsize(f)), PS);
  ck_assert_uint_eq(wal_max_frame(r), 4);
  ck_assert_uint_eq(wal_find(r, 2, 4), 4);
  ck_assert_uint_eq(wal_find(r, 3, 4), 3);
  uint8_t buf[PS];
  ck_assert_int_eq(wal_read_frame(r, 4, buf), MICA_OK);
  ck_assert_int_eq(buf[100], 22);
  wal_close(r);
  wal_close(w);
}
END_TEST

START_TEST(test_wal_recovers_torn_tail) {
  IoFile *f = mem_file();
  Wal *w = open_wal(f, PS);
  uint32_t a[] = {1, 2}, b[] = {3, 4, 5};
  commit_pages(w, a, 2, 2, 0);
  commit_pages(w, b, 3, 5, 0);
  uint64_t full = fsize(f);
  /* Cut inside the last (commit) frame: the second transaction is lost, the first survives. */
  for (uint64_t cut = full - 1; cut > full - 2 * (24 + PS); cut -= 300) {
    Wal *r = open_wal(clone_file(f, cut), PS);
    ck_assert_uint_eq(wal_max_frame(r), 2);
    ck_assert_uint_eq(wal_find(r, 3, 2), 0);
    ck_assert_uint_eq(wal_db_size(r, 2), 2);
    wal_close(r);
  }
  wal_close(w);
}
END_TEST

START_TEST(test_wal_rejects_corrupt_frame_and_later_frames) {
  IoFile *f = mem_file();
  Wal *w = open_wal(f, PS);
  uint32_t a[] = {1}, b[] = {2}, c[] = {3};
  commit_pages(w, a, 1, 1, 0);
  commit_pages(w, b, 1, 2, 0);
  commit_pages(w, c, 1, 3, 0);
  IoFile *g = clone_file(f, fsize(f));
  uint8_t x = 0x5a;
  ck_assert_int_eq(io_write(g, &x, 1, 32 + (24 + PS) + 24 + 77), MICA_OK); /* page data of frame 2 */
  Wal *r = open_wal(g, PS);
  ck_assert_uint_eq(wal_max_frame(r), 1); /* frame 3 follows a broken chain */
  wal_close(r);
  /* A bad salt in frame 3 keeps frames 1-2. */
  g = clone_file(f, fsize(f));
  ck_assert_int_eq(io_write(g, &x, 1, 32 + 2 * (24 + PS) + 9), MICA_OK);
  r = open_wal(g, PS);
  ck_assert_uint_eq(wal_max_frame(r), 2);
  wal_close(r);
  /* A corrupt header invalidates everything. */
  g = clone_file(f, fsize(f));
  ck_assert_int_eq(io_write(g, &x, 1, 13), MICA_OK);
  r = open_wal(g, PS);
  ck_assert_uint_eq(wal_max_frame(r), 0);
  wal_close(r);
  wal_close(w);
}
END_TEST

START_TEST(test_wal_ignores_uncommitted_frames) {
  IoFile *f = mem_file();
  Wal *w = open_wal(f, PS);
  uint32_t a[] = {1, 2};
  commit_pages(w, a, 2, 2, 0);
  /* Append without a commit frame: write frames with db_size 0 for the last (simulated by a
   * commit frame we then zero the commit field of). */
  uint32_t b[] = {3, 4};
  uint8_t *bufs[2] = {calloc(1, PS), calloc(1, PS)};
  ck_assert_int_eq(wal_append(w, PS, b, bufs, 2, 4, 0), MICA_OK);
  free(bufs[0]);
  free(bufs[1]);
  uint8_t zero[4] = {0};
  IoFile *g = clone_file(f, fsize(f));
  ck_assert_int_eq(io_write(g, zero, 4, 32 + 3 * (24 + PS) + 4), MICA_OK);
  Wal *r = open_wal(g, PS);
  ck_assert_uint_eq(wal_max_frame(r), 2);
  wal_close(r);
  wal_close(w);
}
END_TEST

START_TEST(test_wal_checkpoint_plan_newest_frames_up_to_limit) {
  Wal *w = open_wal(mem_file(), PS);
  uint32_t a[] = {1, 2}, b[] = {2, 3}, c[] = {1};
  commit_pages(w, a, 2, 2, 0);
  commit_pages(w, b, 2, 3, 0);
  commit_pages(w, c, 1, 3, 0);
  uint32_t *fr, *pg;
  int n;
  ck_assert_int_eq(wal_checkpoint_plan(w, 4, &fr, &pg, &n), MICA_OK);
  ck_assert_int_eq(n, 3);
  ck_assert_uint_eq(pg[0], 1);
  ck_assert_uint_eq(fr[0], 1);
  ck_assert_uint_eq(pg[1], 2);
  ck_assert_uint_eq(fr[1], 3);
  ck_assert_uint_eq(pg[2], 3);
  ck_assert_uint_eq(fr[2], 4);
  free(fr);
  free(pg);
  wal_checkpoint_done(w, 4);
  ck_assert_int_eq(wal_reset(w, 0), MICA_BUSY); /* frame 5 not backfilled */
  ck_assert_int_eq(wal_checkpoint_plan(w, 5, &fr, &pg, &n), MICA_OK);
  ck_assert_int_eq(n, 1);
  ck_assert_uint_eq(fr[0], 5);
  free(fr);
  free(pg);
  wal_checkpoint_done(w, 5);
  uint32_t gen = wal_generation(w);
  ck_assert_int_eq(wal_reset(w, 0), MICA_OK);
  ck_assert_uint_eq(wal_generation(w), gen + 1);
  ck_assert_uint_eq(wal_max_frame(w), 0);
  ck_assert_uint_eq(wal_find(w, 1, 5), 0);
  wal_close(w);
}
END_TEST

START_TEST(test_wal_reset_invalidates_old_frames) {
  IoFile *f = mem_file();
  Wal *w = open_wal(f, PS);
  uint32_t a[] = {1, 2, 3}, b[] = {4};
  commit_pages(w, a, 3, 3, 0);
  wal_checkpoint_done(w, 3);
  ck_assert_int_eq(wal_reset(w, 0), MICA_OK);
  commit_pages(w, b, 1, 4, 0); /* overwrites frame 1 only; frames 2-3 are stale */
  Wal *r = open_wal(clone_file(f, fsize(f)), PS);
  ck_assert_uint_eq(wal_max_frame(r), 1);
  ck_assert_uint_eq(wal_find(r, 4, 1), 1);
  ck_assert_uint_eq(wal_find(r, 2, 1), 0);
  wal_close(r);
  wal_close(w);
}
END_TEST

START_TEST(test_wal_reads_sqlite3_log) {
  char path[300], wpath[310];
  snprintf(path, sizeof path, "%s/s.db", tmpdir);
  snprintf(wpath, sizeof wpath, "%s-wal", path);
  sqlite3 *db;
  ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
  ck_assert_int_eq(sqlite3_exec(db,
                                "PRAGMA page_size=1024; PRAGMA journal_mode=WAL; PRAGMA wal_autocheckpoint=0;"
                                "CREATE TABLE t(x); INSERT INTO t VALUES(randomblob(3000));"
                                "INSERT INTO t VALUES(1);",
                                NULL, NULL, NULL),
                   SQLITE_OK);
  IoFile *f;
  ck_assert_int_eq(io_posix_open(wpath, 0, &f), MICA_OK);
  uint64_t sz = fsize(f);
  IoFile *g = clone_file(f, sz);
  io_close(f);
  sqlite3_close(db);
  Wal *r = open_wal(g, 1024);
  /* Every frame sqlite3 wrote is committed and valid. */
  ck_assert_uint_eq(wal_max_frame(r), (sz - 32) / (24 + 1024));
  ck_assert_uint_gt(wal_max_frame(r), 3);
  ck_assert_uint_ge(wal_db_size(r, wal_max_frame(r)), 4);
  wal_close(r);
}
END_TEST

START_TEST(test_wal_page_size_mismatch_is_corrupt) {
  IoFile *f = mem_file();
  Wal *w = open_wal(f, PS);
  uint32_t a[] = {1};
  commit_pages(w, a, 1, 1, 0);
  uint32_t ps = 4096;
  Wal *r;
  ck_assert_int_eq(wal_open(clone_file(f, fsize(f)), &ps, &r), MICA_CORRUPT);
  ps = 0;
  ck_assert_int_eq(wal_open(clone_file(f, fsize(f)), &ps, &r), MICA_OK);
  ck_assert_uint_eq(ps, PS);
  wal_close(r);
  wal_close(w);
}
END_TEST

/* Random damage (byte flips, truncation, garbage appended) never crashes recovery, never yields
 * more frames than were written, and keeps every commit before the first damaged byte. */
START_TEST(test_wal_recovery_survives_random_damage) {
  IoFile *f = mem_file();
  Wal *w = open_wal(f, PS);
  uint32_t pg[3];
  for (int t = 0; t < 12; t++) {
    for (int i = 0; i < 3; i++)
      pg[i] = (uint32_t)(t * 3 + i) % 17 + 1;
    commit_pages(w, pg, 3, 18, t);
  }
  uint64_t full = fsize(f);
  uint32_t total = wal_max_frame(w);
  uint64_t seed = 12345;
  for (int iter = 0; iter < 200; iter++) {
    seed = seed * 6364136223846793005ull + 1442695040888963407ull;
    IoFile *g = clone_file(f, full);
    uint64_t off = (seed >> 20) % full;
    int kind = (int)((seed >> 10) % 3);
    if (kind == 0) {
      uint8_t b;
      ck_assert_int_eq(io_read(g, &b, 1, off), MICA_OK);
      b ^= (uint8_t)(1u << ((seed >> 5) % 8));
      ck_assert_int_eq(io_write(g, &b, 1, off), MICA_OK);
    } else if (kind == 1) {
      ck_assert_int_eq(io_truncate(g, off), MICA_OK);
    } else {
      uint8_t junk[700];
      for (int i = 0; i < 700; i++)
        junk[i] = (uint8_t)(seed >> (i % 56));
      ck_assert_int_eq(io_write(g, junk, sizeof junk, full), MICA_OK);
      off = full;
    }
    uint32_t ps = PS;
    Wal *r;
    int rc = wal_open(g, &ps, &r);
    ck_assert(rc == MICA_OK || rc == MICA_CORRUPT);
    if (rc != MICA_OK) continue;
    uint32_t mx = wal_max_frame(r);
    ck_assert_uint_le(mx, total);
    /* commits that end before the damaged byte survive */
    uint32_t intact = off < 32 ? 0 : (uint32_t)((off - 32) / (24 + PS));
    intact -= intact % 3;
    ck_assert_uint_ge(mx, off < 32 ? 0 : intact);
    wal_close(r);
  }
  wal_close(w);
}
END_TEST

static Suite *wal_suite(void) {
  Suite *s = suite_create("wal");
  TCase *tc = tcase_create("core");
  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_add_test(tc, test_wal_checksum_folds_word_pairs);
  tcase_add_test(tc, test_wal_header_and_frames_in_sqlite_format);
  tcase_add_test(tc, test_wal_find_respects_snapshot);
  tcase_add_test(tc, test_wal_recovers_all_commits);
  tcase_add_test(tc, test_wal_recovers_torn_tail);
  tcase_add_test(tc, test_wal_rejects_corrupt_frame_and_later_frames);
  tcase_add_test(tc, test_wal_ignores_uncommitted_frames);
  tcase_add_test(tc, test_wal_checkpoint_plan_newest_frames_up_to_limit);
  tcase_add_test(tc, test_wal_reset_invalidates_old_frames);
  tcase_add_test(tc, test_wal_reads_sqlite3_log);
  tcase_add_test(tc, test_wal_page_size_mismatch_is_corrupt);
  tcase_add_test(tc, test_wal_recovery_survives_random_damage);
  suite_add_tcase(s, tc);
  return s;
}

int main(void) {
  SRunner *sr = srunner_create(wal_suite());
  srunner_run_all(sr, CK_NORMAL);
  int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
