/*
 * memscan.c: resident memory while scanning a large database (issue 3: scanning a 1 GB database with
 * a 64 MB cache keeps the process under 64 MB + 50 MB resident). Part of `make bench`.
 *
 *   memscan [--mb N] [--cache-mb N] [--dir DIR] [--keep]
 *
 * Builds DIR/memscan.db (default N = 1024 MB of ~1 KB rows: big(a INTEGER PRIMARY KEY, b BLOB, c TEXT)
 * with an index on c) unless a file of that size is already there, in a child process so the build's
 * memory does not count. Then, in a fresh child, opens it with PRAGMA cache_size = -N*1024 (KiB), runs
 * a full table scan (sum over every row's blob) and a full index scan, and reads VmHWM (the peak
 * resident set) from /proc/self/status. Prints the figures and the limit cache + 50 MB; exit status 1
 * when the peak is above it. Without --keep the database is removed at the end.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "mica.h"

static long long g_mb = 1024, g_cache_mb = 64;

static int exec_sql(mica_db *db, const char *sql) {
  char *err = NULL;
  int rc = mica_exec(db, sql, NULL, NULL, &err);
  if (rc != MICA_OK) fprintf(stderr, "memscan: %s: %s\n", sql, err ? err : mica_errstr(rc));
  mica_free(err);
  return rc;
}

/* Peak resident set of this process in KiB (VmHWM), or -1. */
static long long peak_rss_kib(void) {
  FILE *f = fopen("/proc/self/status", "r");
  if (!f) return -1;
  char line[256];
  long long kib = -1;
  while (fgets(line, sizeof line, f))
    if (!strncmp(line, "VmHWM:", 6)) kib = atoll(line + 6);
  fclose(f);
  return kib;
}

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int build(const char *path) {
  unlink(path);
  mica_db *db = NULL;
  if (mica_open(path, MICA_OPEN_READWRITE | MICA_OPEN_CREATE, &db) != MICA_OK) {
    fprintf(stderr, "memscan: cannot create %s: %s\n", path, db ? mica_errmsg(db) : "out of memory");
    mica_close(db);
    return 1;
  }
  int rc = exec_sql(db, "PRAGMA cache_size=-65536; CREATE TABLE big(a INTEGER PRIMARY KEY, b BLOB, c TEXT)");
  mica_stmt *st = NULL;
  if (rc == MICA_OK)
    rc =
        mica_prepare(db, "INSERT INTO big(b, c) VALUES(randomblob(1000), hex(randomblob(8)))", -1, &st, NULL);
  long long rows = g_mb * 1000;
  for (long long i = 0; rc == MICA_OK && i < rows; i++) {
    if (i % 100000 == 0) rc = exec_sql(db, i ? "COMMIT; BEGIN" : "BEGIN");
    if (rc == MICA_OK && mica_step(st) != MICA_DONE) {
      fprintf(stderr, "memscan: insert: %s\n", mica_errmsg(db));
      rc = MICA_ERROR;
    }
    mica_reset(st);
  }
  mica_finalize(st);
  if (rc == MICA_OK) rc = exec_sql(db, "COMMIT; CREATE INDEX big_c ON big(c)");
  mica_close(db);
  return rc == MICA_OK ? 0 : 1;
}

static int scan(const char *path) {
  mica_db *db = NULL;
  if (mica_open(path, MICA_OPEN_READWRITE, &db) != MICA_OK) {
    fprintf(stderr, "memscan: cannot open %s: %s\n", path, db ? mica_errmsg(db) : "out of memory");
    mica_close(db);
    return 1;
  }
  char pragma[64];
  snprintf(pragma, sizeof pragma, "PRAGMA cache_size=-%lld", g_cache_mb * 1024);
  long long before = peak_rss_kib();
  int rc = exec_sql(db, pragma);
  static const char *const queries[] = {
      "SELECT count(*), sum(length(b)) FROM big",
      "SELECT count(*), max(c) FROM big INDEXED BY big_c WHERE c > ''",
  };
  for (int q = 0; rc == MICA_OK && q < 2; q++) {
    double t0 = now_s();
    mica_stmt *st = NULL;
    rc = mica_prepare(db, queries[q], -1, &st, NULL);
    if (rc == MICA_OK && mica_step(st) == MICA_ROW)
      printf("memscan: %-60s rows %lld  %.1f s\n", queries[q], (long long)mica_column_int64(st, 0),
             now_s() - t0);
    else
      fprintf(stderr, "memscan: %s: %s\n", queries[q], mica_errmsg(db)), rc = MICA_ERROR;
    mica_finalize(st);
  }
  mica_close(db);
  long long peak = peak_rss_kib();
  long long limit = (g_cache_mb + 50) * 1024;
  printf("memscan: %lld MB database, cache %lld MB: peak resident %lld MB (%lld MB before the scan); limit "
         "%lld MB: %s\n",
         g_mb, g_cache_mb, peak / 1024, before / 1024, limit / 1024, peak <= limit ? "ok" : "ABOVE");
  return rc != MICA_OK ? 1 : peak <= limit ? 0 : 1;
}

/* Runs fn(path) in a child process; its exit status. */
static int in_child(int (*fn)(const char *), const char *path) {
  fflush(stdout);
  pid_t pid = fork();
  if (pid < 0) return 1;
  if (pid == 0) {
    int rc = fn(path);
    fflush(stdout);
    _exit(rc);
  }
  int st;
  if (waitpid(pid, &st, 0) != pid) return 1;
  return WIFEXITED(st) ? WEXITSTATUS(st) : 1;
}

int main(int argc, char **argv) {
  const char *dir = "/tmp";
  int keep = 0;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--mb") && i + 1 < argc)
      g_mb = atoll(argv[++i]);
    else if (!strcmp(argv[i], "--cache-mb") && i + 1 < argc)
      g_cache_mb = atoll(argv[++i]);
    else if (!strcmp(argv[i], "--dir") && i + 1 < argc)
      dir = argv[++i];
    else if (!strcmp(argv[i], "--keep"))
      keep = 1;
    else {
      fprintf(stderr, "usage: memscan [--mb N] [--cache-mb N] [--dir DIR] [--keep]\n");
      return 2;
    }
  }
  if (g_mb < 1 || g_cache_mb < 1) return 2;
  char path[4096];
  snprintf(path, sizeof path, "%s/memscan.db", dir);
  struct stat sb;
  int rc = 0;
  if (stat(path, &sb) != 0 || (long long)sb.st_size < g_mb * 1000 * 1000) {
    double t0 = now_s();
    rc = in_child(build, path);
    printf("memscan: built %s (%lld MB of rows) in %.1f s\n", path, g_mb, now_s() - t0);
  }
  if (rc == 0) rc = in_child(scan, path);
  if (!keep) {
    unlink(path);
    char side[4200];
    snprintf(side, sizeof side, "%s-wal", path);
    unlink(side);
  }
  return rc;
}
