/*
 * test_io.c: unit tests for the I/O backends (posix, io_uring when available, memory) and the
 * fault-injecting wrapper. The same contract tests run against every backend.
 */
#include <check.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "io.h"
#include "mica.h"

static char tmpdir[256];

static void setup(void) {
  snprintf(tmpdir, sizeof tmpdir, "/tmp/mica_test_io_XXXXXX");
  ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

static void teardown(void) {
  char cmd[300];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
  ck_assert_int_eq(system(cmd), 0);
}

/* Backend under test: 0 posix, 1 uring, 2 memory. */
static int open_backend(int which, const char *name, IoFile **f) {
  char path[300];
  snprintf(path, sizeof path, "%s/%s", tmpdir, name);
  if (which == 0) return io_posix_open(path, IO_OPEN_CREATE, f);
  if (which == 1) return io_uring_open(path, IO_OPEN_CREATE, f);
  return io_mem_open(f);
}

static int backend_usable(int which) { return which != 1 || io_uring_available(); }

START_TEST(test_io_write_read_size_truncate) {
  if (!backend_usable(_i)) return;
  IoFile *f;
  ck_assert_int_eq(open_backend(_i, "a", &f), MICA_OK);
  uint64_t sz = 99;
  ck_assert_int_eq(io_size(f, &sz), MICA_OK);
  ck_assert_uint_eq(sz, 0);
  uint8_t buf[8192], back[8192];
  for (int i = 0; i < 8192; i++)
    buf[i] = (uint8_t)(i * 31 + 7);
  ck_assert_int_eq(io_write(f, buf, 8192, 4096), MICA_OK);
  ck_assert_int_eq(io_size(f, &sz), MICA_OK);
  ck_assert_uint_eq(sz, 12288);
  ck_assert_int_eq(io_read(f, back, 8192, 4096), MICA_OK);
  ck_assert_mem_eq(back, buf, 8192);
  /* The hole reads as zeros. */
  ck_assert_int_eq(io_read(f, back, 4096, 0), MICA_OK);
  for (int i = 0; i < 4096; i++)
    ck_assert_int_eq(back[i], 0);
  /* Reading past the end: zero-filled and a short-read code. */
  memset(back, 0xff, sizeof back);
  ck_assert_int_eq(io_read(f, back, 8192, 8192), MICA_IOERR_SHORT_READ);
  ck_assert_mem_eq(back, buf + 4096, 4096);
  for (int i = 4096; i < 8192; i++)
    ck_assert_int_eq(back[i], 0);
  ck_assert_int_eq(io_sync(f), MICA_OK);
  ck_assert_int_eq(io_truncate(f, 5000), MICA_OK);
  ck_assert_int_eq(io_size(f, &sz), MICA_OK);
  ck_assert_uint_eq(sz, 5000);
  ck_assert_int_eq(io_close(f), MICA_OK);
}
END_TEST

START_TEST(test_io_writev_batch_writes_all) {
  if (!backend_usable(_i)) return;
  IoFile *f;
  ck_assert_int_eq(open_backend(_i, "v", &f), MICA_OK);
  uint8_t a[100], b[300], c[50];
  memset(a, 1, sizeof a);
  memset(b, 2, sizeof b);
  memset(c, 3, sizeof c);
  IoVec v[] = {{b, sizeof b, 100}, {a, sizeof a, 0}, {c, sizeof c, 1000}};
  ck_assert_int_eq(io_writev(f, v, 3, 1), MICA_OK);
  uint8_t back[1050];
  ck_assert_int_eq(io_read(f, back, sizeof back, 0), MICA_OK);
  ck_assert_int_eq(back[0], 1);
  ck_assert_int_eq(back[99], 1);
  ck_assert_int_eq(back[100], 2);
  ck_assert_int_eq(back[399], 2);
  ck_assert_int_eq(back[400], 0);
  ck_assert_int_eq(back[1000], 3);
  ck_assert_int_eq(back[1049], 3);
  ck_assert_int_eq(io_close(f), MICA_OK);
}
END_TEST

START_TEST(test_io_exclusive_lock_makes_sqlite3_busy) {
  if (!backend_usable(_i) || _i == 2) return;
  char path[300];
  snprintf(path, sizeof path, "%s/l.db", tmpdir);
  sqlite3 *db;
  ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
  ck_assert_int_eq(sqlite3_exec(db, "CREATE TABLE t(x)", NULL, NULL, NULL), SQLITE_OK);
  sqlite3_close(db);
  IoFile *f, *g;
  ck_assert_int_eq(open_backend(_i, "l.db", &f), MICA_OK);
  ck_assert_int_eq(io_lock(f, IO_LOCK_EXCLUSIVE), MICA_OK);
  /* A second open file description cannot lock it either. */
  ck_assert_int_eq(open_backend(_i, "l.db", &g), MICA_OK);
  ck_assert_int_eq(io_lock(g, IO_LOCK_SHARED), MICA_BUSY);
  ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
  ck_assert_int_eq(sqlite3_exec(db, "SELECT * FROM t", NULL, NULL, NULL), SQLITE_BUSY);
  sqlite3_close(db);
  ck_assert_int_eq(io_lock(f, IO_LOCK_NONE), MICA_OK);
  ck_assert_int_eq(io_lock(g, IO_LOCK_SHARED), MICA_OK);
  io_close(g);
  ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
  ck_assert_int_eq(sqlite3_exec(db, "SELECT * FROM t", NULL, NULL, NULL), SQLITE_OK);
  sqlite3_close(db);
  io_close(f);
}
END_TEST

START_TEST(test_io_open_missing_without_create_fails) {
  char path[300];
  snprintf(path, sizeof path, "%s/missing", tmpdir);
  IoFile *f;
  ck_assert_int_eq(io_open(path, 0, &f), MICA_CANTOPEN);
  ck_assert_ptr_null(f);
  ck_assert_int_eq(io_open(path, IO_OPEN_CREATE | IO_OPEN_POSIX, &f), MICA_OK);
  ck_assert_str_eq(f->m->name, "posix");
  io_close(f);
}
END_TEST

START_TEST(test_io_backend_selection_honours_env) {
  setenv("MICA_IO", "posix", 1);
  ck_assert_str_eq(io_backend_name(0), "posix");
  unsetenv("MICA_IO");
  ck_assert_str_eq(io_backend_name(IO_OPEN_POSIX), "posix");
  ck_assert_str_eq(io_backend_name(IO_OPEN_URING), io_uring_available() ? "uring" : "posix");
}
END_TEST

START_TEST(test_io_fault_wrapper_fails_selected_ops) {
  IoFile *inner, *f;
  ck_assert_int_eq(io_mem_open(&inner), MICA_OK);
  ck_assert_int_eq(io_fault_wrap(inner, &f), MICA_OK);
  uint8_t buf[64];
  memset(buf, 9, sizeof buf);
  io_fault_set(f, IO_FAULT_WRITE, 2, 0);
  ck_assert_int_eq(io_write(f, buf, 64, 0), MICA_OK);
  ck_assert_int_eq(io_write(f, buf, 64, 64), MICA_IOERR_WRITE);
  ck_assert_int_eq(io_write(f, buf, 64, 64), MICA_OK); /* one-shot */
  ck_assert_int_eq(io_fault_count(f), 1);
  io_fault_set(f, IO_FAULT_SYNC, 1, 1);
  ck_assert_int_eq(io_sync(f), MICA_IOERR_FSYNC);
  ck_assert_int_eq(io_sync(f), MICA_IOERR_FSYNC); /* persistent */
  io_fault_set(f, IO_FAULT_SHORT_WRITE, 1, 0);
  uint8_t other[64];
  memset(other, 5, sizeof other);
  ck_assert_int_eq(io_write(f, other, 64, 0), MICA_IOERR_WRITE);
  ck_assert_int_eq(io_read(f, buf, 64, 0), MICA_OK);
  ck_assert_int_eq(buf[31], 5);
  ck_assert_int_eq(buf[32], 9);
  io_fault_set(f, IO_FAULT_READ, 1, 0);
  ck_assert_int_eq(io_read(f, buf, 64, 0), MICA_IOERR_READ);
  io_fault_set(f, 0, 0, 0);
  ck_assert_int_eq(io_sync(f), MICA_OK);
  ck_assert_int_eq(io_close(f), MICA_OK);
}
END_TEST

START_TEST(test_io_writev_large_batch_writes_all) {
  if (!backend_usable(_i)) return;
  IoFile *f;
  ck_assert_int_eq(open_backend(_i, "big", &f), MICA_OK);
  enum { NV = 200, LEN = 512 };
  static uint8_t bufs[NV][LEN];
  IoVec v[NV];
  for (int i = 0; i < NV; i++) {
    memset(bufs[i], i & 0xff, LEN);
    v[i] = (IoVec){bufs[i], LEN, (uint64_t)i * LEN};
  }
  ck_assert_int_eq(io_writev(f, v, NV, 1), MICA_OK);
  uint64_t sz;
  ck_assert_int_eq(io_size(f, &sz), MICA_OK);
  ck_assert_uint_eq(sz, (uint64_t)NV * LEN);
  uint8_t back[LEN];
  for (int i = 0; i < NV; i++) {
    ck_assert_int_eq(io_read(f, back, LEN, (uint64_t)i * LEN), MICA_OK);
    ck_assert_mem_eq(back, bufs[i], LEN);
  }
  ck_assert_int_eq(io_close(f), MICA_OK);
}
END_TEST

static Suite *io_suite(void) {
  Suite *s = suite_create("io");
  TCase *tc = tcase_create("backends");
  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_add_loop_test(tc, test_io_write_read_size_truncate, 0, 3);
  tcase_add_loop_test(tc, test_io_writev_batch_writes_all, 0, 3);
  tcase_add_loop_test(tc, test_io_writev_large_batch_writes_all, 0, 3);
  tcase_add_loop_test(tc, test_io_exclusive_lock_makes_sqlite3_busy, 0, 2);
  tcase_add_test(tc, test_io_open_missing_without_create_fails);
  tcase_add_test(tc, test_io_backend_selection_honours_env);
  tcase_add_test(tc, test_io_fault_wrapper_fails_selected_ops);
  suite_add_tcase(s, tc);
  return s;
}

int main(void) {
  SRunner *sr = srunner_create(io_suite());
  srunner_run_all(sr, CK_NORMAL);
  int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
