/*
 * slt_runner.c: the project's sqllogictest runner, in verify mode, over the engine's public API.
 *
 *   slt_runner [-v] [-q] [-m] [-t SECONDS] [-x MAXFAIL] FILE...
 *
 * Each FILE runs against a new empty database (a temporary file, or ":memory:" with -m) opened with
 * PRAGMA synchronous=OFF, as the original harness does. The record format (see
 * ../shared/sqllogictest/README.md):
 *
 *   statement ok|error        SQL lines up to a blank line; must succeed / must fail
 *   query TYPES [SORT] [LABEL] SQL lines, "----", expected values (one per line) up to a blank line
 *   hash-threshold N          results with more than N values are compared by MD5
 *   skipif ENGINE / onlyif ENGINE   conditions on the next record (we are engine "sqlite")
 *   halt                      stop the file
 *
 * Values are rendered as the reference harness renders them: NULL as "NULL"; 'I' columns as the value
 * read as a 32-bit int, "%d"; 'R' columns read as a double, "%.3f"; 'T' columns as text with every byte
 * outside ' '..'~' replaced by '@' and "" as "(empty)". rowsort sorts rows (strcmp column by column),
 * valuesort sorts all values. A hash is the MD5 of every rendered value followed by "\n".
 *
 * Output: each failing record (file:line, SQL, what differed) unless -q; per file "FILE: N passed, N
 * failed"; last line the total "N passed, N failed". Exit status 0 iff nothing failed.
 *
 * Built with -DSLT_SQLITE3 it runs on the system's libsqlite3 instead (slt_runner_sqlite3), which checks
 * the runner itself: SQLite passes the whole shared corpus.
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#ifdef SLT_SQLITE3
#include <sqlite3.h>
typedef sqlite3 slt_db;
typedef sqlite3_stmt slt_stmt;
#define SLT_OK SQLITE_OK
#define SLT_ROW SQLITE_ROW
#define SLT_DONE SQLITE_DONE
#define SLT_NULL SQLITE_NULL
#define SLT_OPEN_FLAGS (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE)
#define slt_open(p, f, d) sqlite3_open_v2((p), (d), (f), NULL)
#define slt_close sqlite3_close
#define slt_exec sqlite3_exec
#define slt_prepare(db, s, n, st, t) sqlite3_prepare_v2((db), (s), (n), (st), (t))
#define slt_step sqlite3_step
#define slt_finalize sqlite3_finalize
#define slt_column_count sqlite3_column_count
#define slt_column_type sqlite3_column_type
#define slt_column_int sqlite3_column_int
#define slt_column_double sqlite3_column_double
#define slt_column_text sqlite3_column_text
#define slt_errmsg sqlite3_errmsg
#define slt_interrupt sqlite3_interrupt
#define slt_free sqlite3_free
#else
#include "mica.h"
typedef mica_db slt_db;
typedef mica_stmt slt_stmt;
#define SLT_OK MICA_OK
#define SLT_ROW MICA_ROW
#define SLT_DONE MICA_DONE
#define SLT_NULL MICA_NULL
#define SLT_OPEN_FLAGS (MICA_OPEN_READWRITE | MICA_OPEN_CREATE)
#define slt_open(p, f, d) mica_open((p), (f), (d))
#define slt_close mica_close
#define slt_exec mica_exec
#define slt_prepare(db, s, n, st, t) mica_prepare((db), (s), (n), (st), (t))
#define slt_step mica_step
#define slt_finalize mica_finalize
#define slt_column_count mica_column_count
#define slt_column_type mica_column_type
#define slt_column_int mica_column_int
#define slt_column_double mica_column_double
#define slt_column_text mica_column_text
#define slt_errmsg mica_errmsg
#define slt_interrupt mica_interrupt
#define slt_free mica_free
#endif

/* ------------------------------------------------------------------------------------------------
 * Small growable buffers.
 */
typedef struct StrVec {
  char **v;
  size_t n, cap;
} StrVec;

static void *xrealloc(void *p, size_t n) {
  void *q = realloc(p, n ? n : 1);
  if (!q) {
    fprintf(stderr, "slt_runner: out of memory\n");
    exit(2);
  }
  return q;
}

static char *xstrdup(const char *s) {
  size_t n = strlen(s) + 1;
  char *p = xrealloc(NULL, n);
  memcpy(p, s, n);
  return p;
}

static void sv_push(StrVec *sv, char *s) {
  if (sv->n == sv->cap) {
    sv->cap = sv->cap ? sv->cap * 2 : 64;
    sv->v = xrealloc(sv->v, sv->cap * sizeof(char *));
  }
  sv->v[sv->n++] = s;
}

static void sv_clear(StrVec *sv) {
  for (size_t i = 0; i < sv->n; i++)
    free(sv->v[i]);
  sv->n = 0;
}

static void sv_free(StrVec *sv) {
  sv_clear(sv);
  free(sv->v);
  sv->v = NULL;
  sv->cap = 0;
}

/* ------------------------------------------------------------------------------------------------
 * Options and the watchdog that interrupts a record running too long.
 */
typedef struct Options {
  int verbose;
  int quiet;
  int memory;
  int timeout_s;
  long maxfail_print;
} Options;

typedef struct Watchdog {
  pthread_mutex_t mu;
  pthread_cond_t cv;
  slt_db *db;
  time_t deadline; /* 0: idle */
  int stop;
  int fired;
} Watchdog;

static void *watchdog_main(void *arg) {
  Watchdog *w = arg;
  pthread_mutex_lock(&w->mu);
  while (!w->stop) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    if (w->deadline && ts.tv_sec >= w->deadline && w->db) {
      slt_interrupt(w->db);
      w->fired = 1;
      w->deadline = 0;
    }
    ts.tv_sec += 1;
    pthread_cond_timedwait(&w->cv, &w->mu, &ts);
  }
  pthread_mutex_unlock(&w->mu);
  return NULL;
}

static void watchdog_arm(Watchdog *w, slt_db *db, int seconds) {
  pthread_mutex_lock(&w->mu);
  w->db = db;
  w->fired = 0;
  w->deadline = seconds > 0 ? time(NULL) + seconds : 0;
  pthread_mutex_unlock(&w->mu);
}

static int watchdog_disarm(Watchdog *w) {
  pthread_mutex_lock(&w->mu);
  int fired = w->fired;
  w->deadline = 0;
  w->db = NULL;
  w->fired = 0;
  pthread_mutex_unlock(&w->mu);
  return fired;
}

/* ------------------------------------------------------------------------------------------------
 * Reading records.
 */
typedef struct Reader {
  FILE *f;
  const char *path;
  int lineno;
  char *line;
  size_t cap;
} Reader;

/* Reads one line without its line end; returns NULL at EOF. */
static char *reader_line(Reader *r) {
  ssize_t n = getline(&r->line, &r->cap, r->f);
  if (n < 0) return NULL;
  r->lineno++;
  while (n > 0 && (r->line[n - 1] == '\n' || r->line[n - 1] == '\r'))
    r->line[--n] = 0;
  return r->line;
}

static int is_blank(const char *s) {
  for (; *s; s++)
    if (*s != ' ' && *s != '\t') return 0;
  return 1;
}

static void append(char **buf, size_t *len, const char *s) {
  size_t n = strlen(s);
  *buf = xrealloc(*buf, *len + n + 2);
  memcpy(*buf + *len, s, n);
  *len += n;
  (*buf)[(*len)++] = '\n';
  (*buf)[*len] = 0;
}

/* ------------------------------------------------------------------------------------------------
 * Rendering and comparing results.
 */
/* "%.3f" as SQLite's printf renders it: at most 16 significant digits, the rest zeros. */
static char *render_real(double v) {
  char buf[400];
  int exp10 = 0;
  if (v != 0 && isfinite(v)) {
    char e[64];
    snprintf(e, sizeof e, "%.15e", v);
    char *ep = strchr(e, 'e');
    exp10 = ep ? atoi(ep + 1) : 0;
    if (exp10 >= 13) {
      /* Integer part has exp10+1 digits: take the 16 mantissa digits, pad with zeros. */
      char digits[17] = {0};
      int nd = 0;
      for (const char *p = e; p < ep && nd < 16; p++)
        if (*p >= '0' && *p <= '9') digits[nd++] = *p;
      int pos = 0, intdigits = exp10 + 1;
      if (v < 0) buf[pos++] = '-';
      for (int i = 0; i < intdigits && pos < (int)sizeof buf - 8; i++)
        buf[pos++] = i < nd ? digits[i] : '0';
      buf[pos++] = '.';
      for (int i = 0; i < 3; i++)
        buf[pos++] = intdigits + i < nd ? digits[intdigits + i] : '0';
      buf[pos] = 0;
      return xstrdup(buf);
    }
  }
  snprintf(buf, sizeof buf, "%.3f", v);
  return xstrdup(buf);
}

static char *render_value(slt_stmt *st, int col, char type) {
  char buf[64];
  if (slt_column_type(st, col) == SLT_NULL) return xstrdup("NULL");
  if (type == 'I') {
    snprintf(buf, sizeof buf, "%d", slt_column_int(st, col));
    return xstrdup(buf);
  }
  if (type == 'R') return render_real(slt_column_double(st, col));
  const unsigned char *t = slt_column_text(st, col);
  if (!t || !*t) return xstrdup("(empty)");
  char *s = xstrdup((const char *)t);
  for (char *p = s; *p; p++)
    if ((unsigned char)*p < ' ' || (unsigned char)*p > '~') *p = '@';
  return s;
}

static int ncols_for_sort;
static int cmp_rows(const void *a, const void *b) {
  char *const *ra = a, *const *rb = b;
  for (int i = 0; i < ncols_for_sort; i++) {
    int c = strcmp(ra[i], rb[i]);
    if (c) return c;
  }
  return 0;
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static void md5_values(const StrVec *vals, char out[33]) {
  unsigned char dig[EVP_MAX_MD_SIZE];
  unsigned int dlen = 0;
  EVP_MD_CTX *ctx = EVP_MD_CTX_new();
  EVP_DigestInit_ex(ctx, EVP_md5(), NULL);
  for (size_t i = 0; i < vals->n; i++) {
    EVP_DigestUpdate(ctx, vals->v[i], strlen(vals->v[i]));
    EVP_DigestUpdate(ctx, "\n", 1);
  }
  EVP_DigestFinal_ex(ctx, dig, &dlen);
  EVP_MD_CTX_free(ctx);
  for (unsigned i = 0; i < 16; i++)
    snprintf(out + 2 * i, 3, "%02x", dig[i]);
}

/* Labels: queries with the same label must produce the same hash. */
typedef struct Label {
  char *name;
  char hash[33];
  struct Label *next;
} Label;

/* ------------------------------------------------------------------------------------------------
 * Running one file.
 */
typedef struct Counts {
  long passed, failed;
} Counts;

typedef struct FileRun {
  const Options *opt;
  Watchdog *wd;
  slt_db *db;
  Reader rd;
  int hash_threshold;
  Label *labels;
  Counts c;
  long printed;
} FileRun;

static void report_failure(FileRun *fr, int line, const char *sql, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void report_failure(FileRun *fr, int line, const char *sql, const char *fmt, ...) {
  fr->c.failed++;
  if (fr->opt->quiet || (fr->opt->maxfail_print >= 0 && fr->printed >= fr->opt->maxfail_print)) return;
  fr->printed++;
  va_list ap;
  va_start(ap, fmt);
  printf("FAIL %s:%d: ", fr->rd.path, line);
  vprintf(fmt, ap);
  printf("\n  sql: %.*s\n", (int)(strlen(sql) > 2000 ? 2000 : strlen(sql)), sql);
  va_end(ap);
}

/* Runs every statement in sql; returns SLT_OK or the first error code. */
static int run_statements(FileRun *fr, const char *sql, char **err) {
  const char *p = sql;
  *err = NULL;
  while (p && *p) {
    slt_stmt *st = NULL;
    const char *tail = NULL;
    int rc = slt_prepare(fr->db, p, -1, &st, &tail);
    if (rc != SLT_OK) {
      *err = xstrdup(slt_errmsg(fr->db));
      return rc;
    }
    if (!st) break;
    while ((rc = slt_step(st)) == SLT_ROW) {
    }
    if (rc != SLT_DONE) {
      *err = xstrdup(slt_errmsg(fr->db));
      slt_finalize(st);
      return rc;
    }
    slt_finalize(st);
    p = tail;
  }
  return SLT_OK;
}

static void do_statement(FileRun *fr, int line, int expect_ok, const char *sql) {
  char *err = NULL;
  watchdog_arm(fr->wd, fr->db, fr->opt->timeout_s);
  int rc = run_statements(fr, sql, &err);
  int timed_out = watchdog_disarm(fr->wd);
  if (timed_out)
    report_failure(fr, line, sql, "timed out after %d s", fr->opt->timeout_s);
  else if (expect_ok && rc != SLT_OK)
    report_failure(fr, line, sql, "statement failed: %s", err ? err : "?");
  else if (!expect_ok && rc == SLT_OK)
    report_failure(fr, line, sql, "statement succeeded but an error was expected");
  else
    fr->c.passed++;
  free(err);
}

static void do_query(FileRun *fr, int line, const char *types, const char *sortmode, const char *label,
                     const char *sql, StrVec *expected, int has_expected) {
  int ntypes = (int)strlen(types);
  StrVec vals = {0};
  slt_stmt *st = NULL;
  const char *tail = NULL;
  watchdog_arm(fr->wd, fr->db, fr->opt->timeout_s);
  int rc = slt_prepare(fr->db, sql, -1, &st, &tail);
  if (rc != SLT_OK || !st) {
    watchdog_disarm(fr->wd);
    report_failure(fr, line, sql, "query failed to prepare: %s", rc != SLT_OK ? slt_errmsg(fr->db) : "empty");
    return;
  }
  int ncol = slt_column_count(st);
  if (ncol != ntypes) {
    watchdog_disarm(fr->wd);
    slt_finalize(st);
    report_failure(fr, line, sql, "query returned %d columns, expected %d", ncol, ntypes);
    return;
  }
  size_t nrows = 0;
  while ((rc = slt_step(st)) == SLT_ROW) {
    for (int i = 0; i < ncol; i++)
      sv_push(&vals, render_value(st, i, types[i]));
    nrows++;
  }
  int timed_out = watchdog_disarm(fr->wd);
  slt_finalize(st);
  if (timed_out) {
    report_failure(fr, line, sql, "timed out after %d s", fr->opt->timeout_s);
    sv_free(&vals);
    return;
  }
  /* As in the reference harness, an error while stepping (e.g. "integer overflow") ends the result;
   * the rows produced so far are compared. */

  if (vals.n < 2) {
    /* nothing to sort */
  } else if (strcmp(sortmode, "rowsort") == 0 && ncol > 0) {
    ncols_for_sort = ncol;
    /* sort rows as blocks of ncol string pointers */
    qsort(vals.v, nrows, sizeof(char *) * ncol, cmp_rows);
  } else if (strcmp(sortmode, "valuesort") == 0) {
    qsort(vals.v, vals.n, sizeof(char *), cmp_str);
  }

  char hash[33];
  md5_values(&vals, hash);
  int ok = 1;
  char why[256] = "";
  if (has_expected) {
    unsigned long en = 0;
    char ehash[64] = "";
    if (expected->n == 1 && sscanf(expected->v[0], "%lu values hashing to %63s", &en, ehash) == 2) {
      if (en != vals.n || strcmp(ehash, hash) != 0) {
        ok = 0;
        snprintf(why, sizeof why, "got %zu values hashing to %s, expected %lu values hashing to %s", vals.n,
                 hash, en, ehash);
      }
    } else {
      /* Expected values one per line; tolerate several space-separated values on a line. */
      StrVec ev = {0};
      for (size_t i = 0; i < expected->n; i++) {
        if (vals.n == expected->n) {
          sv_push(&ev, xstrdup(expected->v[i]));
          continue;
        }
        char *copy = xstrdup(expected->v[i]), *save = NULL;
        for (char *tok = strtok_r(copy, " ", &save); tok; tok = strtok_r(NULL, " ", &save))
          sv_push(&ev, xstrdup(tok));
        free(copy);
      }
      if (ev.n != vals.n) {
        ok = 0;
        snprintf(why, sizeof why, "got %zu values, expected %zu", vals.n, ev.n);
      } else {
        for (size_t i = 0; i < ev.n; i++)
          if (strcmp(ev.v[i], vals.v[i]) != 0) {
            ok = 0;
            snprintf(why, sizeof why, "value %zu: got \"%.80s\", expected \"%.80s\"", i, vals.v[i], ev.v[i]);
            break;
          }
      }
      sv_free(&ev);
    }
  }
  if (ok && label && *label) {
    Label *l = fr->labels;
    while (l && strcmp(l->name, label) != 0)
      l = l->next;
    if (!l) {
      l = xrealloc(NULL, sizeof *l);
      l->name = xstrdup(label);
      memcpy(l->hash, hash, sizeof l->hash);
      l->next = fr->labels;
      fr->labels = l;
    } else if (strcmp(l->hash, hash) != 0) {
      ok = 0;
      snprintf(why, sizeof why, "label %s: hash %s differs from earlier %s", label, hash, l->hash);
    }
  }
  if (ok)
    fr->c.passed++;
  else
    report_failure(fr, line, sql, "%s", why);
  sv_free(&vals);
}

static Counts run_file(const Options *opt, Watchdog *wd, const char *path) {
  FileRun fr = {0};
  fr.opt = opt;
  fr.wd = wd;
  fr.rd.path = path;
  fr.rd.f = fopen(path, "r");
  Counts none = {0, 1};
  if (!fr.rd.f) {
    printf("FAIL %s: cannot open: %s\n", path, strerror(errno));
    return none;
  }
  char dbpath[4096] = ":memory:";
  if (!opt->memory) {
    const char *tmp = getenv("TMPDIR");
    snprintf(dbpath, sizeof dbpath, "%s/slt-%ld-XXXXXX", tmp && *tmp ? tmp : "/tmp", (long)getpid());
    int fd = mkstemp(dbpath);
    if (fd < 0) {
      printf("FAIL %s: cannot create a temporary database: %s\n", path, strerror(errno));
      fclose(fr.rd.f);
      return none;
    }
    close(fd);
    unlink(dbpath);
  }
  if (slt_open(dbpath, SLT_OPEN_FLAGS, &fr.db) != SLT_OK) {
    printf("FAIL %s: cannot open database: %s\n", path, fr.db ? slt_errmsg(fr.db) : "?");
    if (fr.db) slt_close(fr.db);
    fclose(fr.rd.f);
    return none;
  }
  slt_exec(fr.db, "PRAGMA synchronous=OFF", NULL, NULL, NULL);

  StrVec expected = {0};
  char *line;
  int skip = 0;
  while ((line = reader_line(&fr.rd)) != NULL) {
    if (is_blank(line) || line[0] == '#') continue;
    char word[64] = "", a1[256] = "", a2[256] = "", a3[256] = "";
    sscanf(line, "%63s %255s %255s %255s", word, a1, a2, a3);
    if (strcmp(word, "skipif") == 0) {
      if (strcmp(a1, "sqlite") == 0) skip = 1;
      continue;
    }
    if (strcmp(word, "onlyif") == 0) {
      if (strcmp(a1, "sqlite") != 0) skip = 1;
      continue;
    }
    if (strcmp(word, "halt") == 0) {
      if (!skip) break;
      skip = 0;
      continue;
    }
    if (strcmp(word, "hash-threshold") == 0) {
      fr.hash_threshold = atoi(a1);
      continue;
    }
    int is_stmt = strcmp(word, "statement") == 0, is_query = strcmp(word, "query") == 0;
    if (!is_stmt && !is_query) {
      /* Unknown directive: skip the rest of the record. */
      while ((line = reader_line(&fr.rd)) != NULL && !is_blank(line)) {
      }
      skip = 0;
      continue;
    }
    int start = fr.rd.lineno;
    char *sql = NULL;
    size_t sqllen = 0;
    int has_expected = 0;
    sv_clear(&expected);
    while ((line = reader_line(&fr.rd)) != NULL && !is_blank(line)) {
      if (is_query && strcmp(line, "----") == 0) {
        has_expected = 1;
        while ((line = reader_line(&fr.rd)) != NULL && !is_blank(line))
          sv_push(&expected, xstrdup(line));
        break;
      }
      append(&sql, &sqllen, line);
    }
    if (!sql) sql = xstrdup("");
    if (!skip) {
      if (opt->verbose) printf("%s:%d\n", path, start);
      if (is_stmt)
        do_statement(&fr, start, strcmp(a1, "ok") == 0, sql);
      else
        do_query(&fr, start, a1, a2[0] ? a2 : "nosort", a3, sql, &expected, has_expected);
    }
    skip = 0;
    free(sql);
  }
  sv_free(&expected);
  while (fr.labels) {
    Label *n = fr.labels->next;
    free(fr.labels->name);
    free(fr.labels);
    fr.labels = n;
  }
  free(fr.rd.line);
  fclose(fr.rd.f);
  slt_close(fr.db);
  if (!opt->memory) {
    char extra[4200];
    unlink(dbpath);
    snprintf(extra, sizeof extra, "%s-wal", dbpath);
    unlink(extra);
    snprintf(extra, sizeof extra, "%s-journal", dbpath);
    unlink(extra);
  }
  printf("%s: %ld passed, %ld failed\n", path, fr.c.passed, fr.c.failed);
  fflush(stdout);
  return fr.c;
}

static void usage(void) {
  fprintf(stderr, "usage: slt_runner [-v] [-q] [-m] [-t SECONDS] [-x MAXPRINT] FILE...\n"
                  "  -v  print each record as it runs    -q  do not print failures\n"
                  "  -m  use :memory: databases          -t  per-record time limit (default 30)\n"
                  "  -x  print at most MAXPRINT failures per file (default 20; -1 all)\n");
}

int main(int argc, char **argv) {
  Options opt = {0, 0, 0, 30, 20};
  int i = 1;
  for (; i < argc && argv[i][0] == '-' && argv[i][1]; i++) {
    if (strcmp(argv[i], "-v") == 0)
      opt.verbose = 1;
    else if (strcmp(argv[i], "-q") == 0)
      opt.quiet = 1;
    else if (strcmp(argv[i], "-m") == 0)
      opt.memory = 1;
    else if (strcmp(argv[i], "-t") == 0 && i + 1 < argc)
      opt.timeout_s = atoi(argv[++i]);
    else if (strcmp(argv[i], "-x") == 0 && i + 1 < argc)
      opt.maxfail_print = atol(argv[++i]);
    else {
      usage();
      return 2;
    }
  }
  if (i >= argc) {
    usage();
    return 2;
  }
  Watchdog wd = {.mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER};
  pthread_t th;
  if (pthread_create(&th, NULL, watchdog_main, &wd) != 0) {
    fprintf(stderr, "slt_runner: cannot start the watchdog thread\n");
    return 2;
  }
  Counts total = {0, 0};
  for (; i < argc; i++) {
    Counts c = run_file(&opt, &wd, argv[i]);
    total.passed += c.passed;
    total.failed += c.failed;
  }
  pthread_mutex_lock(&wd.mu);
  wd.stop = 1;
  pthread_cond_signal(&wd.cv);
  pthread_mutex_unlock(&wd.mu);
  pthread_join(th, NULL);
  printf("%ld passed, %ld failed\n", total.passed, total.failed);
  return total.failed ? 1 : 0;
}
