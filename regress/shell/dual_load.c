/*
 * dual_load.c: libmica-sqlite3 and the system libsqlite3 in one process.
 *
 * This program links the real libsqlite3 (whose sqlite3_* symbols are therefore global), then dlopens
 * libmica-sqlite3 (path in argv[1]) and drives it through dlsym. libmica-sqlite3 is linked with
 * -Bsymbolic, so its own internal calls (sqlite3_open -> sqlite3_open_v2, sqlite3_prepare ->
 * sqlite3_prepare_v3, sqlite3_snprintf -> sqlite3_vsnprintf, ...) must stay inside it: were one to
 * bind to the system library, a SQLite handle would reach Mica's code (or the reverse) and the
 * results below would be wrong or the process would crash. Both libraries are also used side by side
 * on their own databases. Prints "1 passed, 0 failed" on success.
 */
#include <dlfcn.h>
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

typedef int (*open_fn)(const char *, sqlite3 **);
typedef int (*prepare_fn)(sqlite3 *, const char *, int, sqlite3_stmt **, const char **);
typedef int (*stmt_fn)(sqlite3_stmt *);
typedef const unsigned char *(*text_fn)(sqlite3_stmt *, int);
typedef int (*exec_fn)(sqlite3 *, const char *, int (*)(void *, int, char **, char **), void *, char **);
typedef int (*close_fn)(sqlite3 *);
typedef const char *(*str_fn)(void);
typedef char *(*snprintf_fn)(int, char *, const char *, ...);

static int missing;

/* dlsym with a report when the symbol is absent. */
static void *sym(void *h, const char *name) {
  void *p = dlsym(h, name);
  if (p == NULL) {
    printf("missing %s\n", name);
    missing++;
  }
  return p;
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: %s PATH/libmica-sqlite3.so\n", argv[0]);
    return 2;
  }
  void *h = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
  if (h == NULL) {
    printf("dlopen: %s\n0 passed, 1 failed\n", dlerror());
    return 1;
  }
  open_fn m_open = (open_fn)sym(h, "sqlite3_open");
  prepare_fn m_prepare = (prepare_fn)sym(h, "sqlite3_prepare");
  stmt_fn m_step = (stmt_fn)sym(h, "sqlite3_step");
  stmt_fn m_finalize = (stmt_fn)sym(h, "sqlite3_finalize");
  text_fn m_text = (text_fn)sym(h, "sqlite3_column_text");
  exec_fn m_exec = (exec_fn)sym(h, "sqlite3_exec");
  close_fn m_close = (close_fn)sym(h, "sqlite3_close");
  str_fn m_sourceid = (str_fn)sym(h, "sqlite3_sourceid");
  snprintf_fn m_snprintf = (snprintf_fn)sym(h, "sqlite3_snprintf");
  if (missing) {
    printf("0 passed, 1 failed\n");
    return 1;
  }

  int failures = 0;
  if (strncmp(m_sourceid(), "mica", 4) != 0 || strncmp(sqlite3_sourceid(), "mica", 4) == 0) {
    printf("sourceid: mica's says '%s', the system's says '%s'\n", m_sourceid(), sqlite3_sourceid());
    failures++;
  }

  /* Mica through the dlopened library... */
  sqlite3 *mdb = NULL;
  sqlite3_stmt *mst = NULL;
  char result[64] = "";
  if (m_open(":memory:", &mdb) != SQLITE_OK ||
      m_exec(mdb, "CREATE TABLE t(a); INSERT INTO t VALUES('mica side')", NULL, NULL, NULL) != SQLITE_OK ||
      m_prepare(mdb, "SELECT a FROM t", -1, &mst, NULL) != SQLITE_OK || m_step(mst) != SQLITE_ROW) {
    printf("mica side failed\n");
    failures++;
  } else {
    snprintf(result, sizeof result, "%s", (const char *)m_text(mst, 0));
  }
  if (mst) m_finalize(mst);
  /* ...and the system SQLite directly, at the same time. */
  sqlite3 *sdb = NULL;
  sqlite3_stmt *sst = NULL;
  sqlite3_open(":memory:", &sdb);
  sqlite3_exec(sdb, "CREATE TABLE t(a); INSERT INTO t VALUES('sqlite side')", NULL, NULL, NULL);
  sqlite3_prepare_v2(sdb, "SELECT a FROM t", -1, &sst, NULL);
  if (sqlite3_step(sst) != SQLITE_ROW ||
      strcmp((const char *)sqlite3_column_text(sst, 0), "sqlite side") != 0) {
    printf("sqlite side failed\n");
    failures++;
  }
  sqlite3_finalize(sst);
  sqlite3_close(sdb);
  if (strcmp(result, "mica side") != 0) {
    printf("mica side returned '%s'\n", result);
    failures++;
  }
  char buf[16];
  m_snprintf(sizeof buf, buf, "%q", "it's");
  if (strcmp(buf, "it''s") != 0) {
    printf("snprintf: '%s'\n", buf);
    failures++;
  }
  if (mdb) m_close(mdb);
  dlclose(h);
  printf("%d passed, %d failed\n", failures ? 0 : 1, failures ? 1 : 0);
  return failures ? 1 : 0;
}
