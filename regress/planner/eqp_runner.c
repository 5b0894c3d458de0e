/*
 * eqp_runner.c: runs a SQL script and prints, for every statement that returns rows, a header line
 * "-- <statement on one line>" followed by its output, so that the planner test can compare Mica with
 * SQLite query by query.
 *
 * Output rules follow the sqlite3 shell's defaults: rows in list mode (values separated by '|', NULL as
 * an empty string), and EXPLAIN QUERY PLAN rendered as the shell's tree:
 *     QUERY PLAN
 *     |--SCAN t
 *     |--LIST SUBQUERY 1
 *     |  `--SCAN u
 *     `--USE TEMP B-TREE FOR ORDER BY
 * built from each row's (id, parent, detail); the ids themselves are never printed because they are
 * implementation details (SQLite uses VM addresses). An error prints "Error: <message>" under the header
 * and the script goes on.
 *
 * Built with -DEQP_SQLITE3 the same program runs on the system's libsqlite3 (eqp_runner_sqlite3), which
 * writes the expected files (regress/planner.sh --update): SQLite 3.40's plans are the yardstick.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef EQP_SQLITE3
#include <sqlite3.h>
typedef sqlite3 eqp_db;
typedef sqlite3_stmt eqp_stmt;
#define EQP_OK SQLITE_OK
#define EQP_ROW SQLITE_ROW
#define eqp_open(p, d) sqlite3_open_v2((p), (d), SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL)
#define eqp_close sqlite3_close
#define eqp_prepare(db, s, st, t) sqlite3_prepare_v2((db), (s), -1, (st), (t))
#define eqp_step sqlite3_step
#define eqp_finalize sqlite3_finalize
#define eqp_isexplain sqlite3_stmt_isexplain
#define eqp_column_count sqlite3_column_count
#define eqp_column_int sqlite3_column_int
#define eqp_column_text sqlite3_column_text
#define eqp_errmsg sqlite3_errmsg
#else
#include "mica.h"
typedef mica_db eqp_db;
typedef mica_stmt eqp_stmt;
#define EQP_OK MICA_OK
#define EQP_ROW MICA_ROW
#define eqp_open(p, d) mica_open((p), MICA_OPEN_READWRITE | MICA_OPEN_CREATE, (d))
#define eqp_close mica_close
#define eqp_prepare(db, s, st, t) mica_prepare((db), (s), -1, (st), (t))
#define eqp_step mica_step
#define eqp_finalize mica_finalize
#define eqp_isexplain mica_stmt_isexplain
#define eqp_column_count mica_column_count
#define eqp_column_int mica_column_int
#define eqp_column_text mica_column_text
#define eqp_errmsg mica_errmsg
#endif

typedef struct eqp_node {
  int id, parent;
  char *detail;
} eqp_node;

static void *xmalloc(size_t n) {
  void *p = malloc(n ? n : 1);
  if (!p) {
    fprintf(stderr, "eqp_runner: out of memory\n");
    exit(2);
  }
  return p;
}

static char *xstrdup(const char *s) {
  size_t n = strlen(s ? s : "");
  char *d = xmalloc(n + 1);
  memcpy(d, s ? s : "", n + 1);
  return d;
}

/* Prints the children of `parent`, in row order, under the given prefix. depth bounds recursion. */
static void eqp_print_children(const eqp_node *nodes, int n, int parent, char *prefix, size_t plen,
                               int depth) {
  if (depth > 100) return;
  int last = -1;
  for (int i = 0; i < n; i++)
    if (nodes[i].parent == parent) last = i;
  for (int i = 0; i < n; i++) {
    if (nodes[i].parent != parent) continue;
    printf("%.*s%s%s\n", (int)plen, prefix, i == last ? "`--" : "|--", nodes[i].detail);
    if (nodes[i].id == parent) /* a self-parented row would loop */
      continue;
    if (plen + 3 < 4096) {
      memcpy(prefix + plen, i == last ? "   " : "|  ", 3);
      eqp_print_children(nodes, n, nodes[i].id, prefix, plen + 3, depth + 1);
    }
  }
}

/* Prints the statement text on one line: whitespace runs folded to one space, trimmed. */
static void print_header(const char *s, size_t n) {
  fputs("-- ", stdout);
  int space = 0, any = 0;
  for (size_t i = 0; i < n; i++) {
    char c = s[i];
    if (c == ' ' || c == '\n' || c == '\t' || c == '\r') {
      space = 1;
      continue;
    }
    if (space && any) putchar(' ');
    space = 0;
    any = 1;
    putchar(c);
  }
  putchar('\n');
}

static void run_stmt(eqp_db *db, eqp_stmt *st, const char *sql, size_t n) {
  int explain = eqp_isexplain(st);
  int headed = 0;
  eqp_node *nodes = NULL;
  int nn = 0, cap = 0, rc;
  while ((rc = eqp_step(st)) == EQP_ROW) {
    if (!headed) {
      print_header(sql, n);
      headed = 1;
    }
    if (explain == 2) {
      if (nn == cap) {
        cap = cap ? cap * 2 : 16;
        eqp_node *g = realloc(nodes, sizeof *nodes * cap);
        if (!g) {
          fprintf(stderr, "eqp_runner: out of memory\n");
          exit(2);
        }
        nodes = g;
      }
      nodes[nn].id = eqp_column_int(st, 0);
      nodes[nn].parent = eqp_column_int(st, 1);
      nodes[nn].detail = xstrdup((const char *)eqp_column_text(st, 3));
      nn++;
      continue;
    }
    int nc = eqp_column_count(st);
    for (int i = 0; i < nc; i++) {
      const unsigned char *t = eqp_column_text(st, i);
      printf("%s%s", i ? "|" : "", t ? (const char *)t : "");
    }
    putchar('\n');
  }
  if (explain == 2 && nn > 0) {
    char prefix[4100];
    puts("QUERY PLAN");
    eqp_print_children(nodes, nn, 0, prefix, 0, 0);
  }
  for (int i = 0; i < nn; i++)
    free(nodes[i].detail);
  free(nodes);
  if (rc != 101 /* DONE in both APIs */) {
    if (!headed) print_header(sql, n);
    printf("Error: %s\n", eqp_errmsg(db));
  }
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: eqp_runner FILE.sql\n");
    return 2;
  }
  FILE *f = fopen(argv[1], "rb");
  if (!f) {
    perror(argv[1]);
    return 2;
  }
  size_t cap = 1 << 16, len = 0;
  char *buf = xmalloc(cap);
  size_t got;
  while ((got = fread(buf + len, 1, cap - len - 1, f)) > 0) {
    len += got;
    if (len + 1 == cap) {
      cap *= 2;
      char *g = realloc(buf, cap);
      if (!g) {
        fprintf(stderr, "eqp_runner: out of memory\n");
        return 2;
      }
      buf = g;
    }
  }
  fclose(f);
  buf[len] = 0;
  eqp_db *db = NULL;
  if (eqp_open(":memory:", &db) != EQP_OK) {
    fprintf(stderr, "eqp_runner: cannot open an in-memory database\n");
    return 2;
  }
  const char *p = buf;
  while (*p) {
    eqp_stmt *st = NULL;
    const char *tail = NULL;
    int rc = eqp_prepare(db, p, &st, &tail);
    if (rc != EQP_OK) {
      /* report the error, then skip to the next ';' to resynchronise */
      const char *e = strchr(p, ';');
      size_t n = e ? (size_t)(e - p) : strlen(p);
      print_header(p, n);
      printf("Error: %s\n", eqp_errmsg(db));
      eqp_finalize(st);
      p = e ? e + 1 : p + n;
      continue;
    }
    if (!st) { /* only whitespace or comments left */
      if (!tail || tail == p) break;
      p = tail;
      continue;
    }
    size_t n = tail ? (size_t)(tail - p) : strlen(p);
    while (n > 0 && (p[n - 1] == ';' || p[n - 1] == ' ' || p[n - 1] == '\n'))
      n--;
    /* drop leading comment lines from the header text */
    const char *s = p;
    for (;;) {
      while (s < p + n && (*s == ' ' || *s == '\n' || *s == '\t'))
        s++;
      if (s + 1 < p + n && s[0] == '-' && s[1] == '-') {
        const char *nl = memchr(s, '\n', (size_t)(p + n - s));
        s = nl ? nl + 1 : p + n;
        continue;
      }
      break;
    }
    run_stmt(db, st, s, (size_t)(p + n - s));
    eqp_finalize(st);
    p = tail && tail > p ? tail : p + strlen(p);
  }
  eqp_close(db);
  free(buf);
  return 0;
}
