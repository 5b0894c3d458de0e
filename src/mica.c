/*
 * mica.c: the mica shell. `mica FILE` works like `sqlite3 FILE`: it reads SQL and dot-commands from a
 * terminal (with readline when configure found it) or from a pipe, runs them through mica.h, and
 * prints results in the sqlite3 shell's output modes (shell_output.c).
 *
 * INPUT
 *   Lines are accumulated into a statement buffer. A line that starts with '.' while the buffer is
 *   empty is a dot-command. Lines that are blank or hold only comments are skipped while the buffer is
 *   empty. After each line containing ';' the buffer is run if mica_complete() says it ends a complete
 *   statement; at end of input a non-blank remainder is run as is (so its error is reported). The
 *   buffer's first line number is the "line N" of error messages, as in sqlite3.
 *
 * ERRORS (matching sqlite3 3.40)
 *   prepare failure  "Parse error near line N: MSG" (interactive: "Parse error: MSG"), followed, when
 *                    the engine knows the offset of the offending token, by the statement text (at
 *                    most 78 bytes, starting up to 50 bytes before the offset, whitespace shown as
 *                    spaces) and a marker line: "^--- error here" below the token, or for offsets of
 *                    25 and more "error here ---^" ending below it.
 *   step failure     "Runtime error near line N: MSG", with " (RC)" appended when the primary code
 *                    is not SQLITE_ERROR.
 *   SQL given as command-line arguments reports "Error: in prepare, MSG" / "Error: stepping, MSG" and
 *   exits with the statement's primary result code. With input from a file or pipe any error makes
 *   the exit status 1; -bail (or .bail on) stops at the first error.
 *
 * STATE
 *   One `struct shell` (shell.h) lives in main() and is passed down explicitly; the only global is the
 *   connection pointer the SIGINT handler interrupts, owned by main().
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#ifdef HAVE_READLINE
#include <readline/history.h>
#include <readline/readline.h>
#endif

#include "shell.h"

#define PROMPT_MAIN "mica> "
#define PROMPT_CONT "   ...> "

/* The connection SIGINT interrupts: set by run_sql() around statement execution. Interactive only.
 * Three interrupts in a row without a new input line in between end the shell, as in sqlite3. */
static mica_db *volatile interrupt_target;
static volatile sig_atomic_t interrupts_seen;

static void on_sigint(int sig) {
  (void)sig;
  if (++interrupts_seen > 2) _exit(1);
  if (interrupt_target) mica_interrupt(interrupt_target);
}

/* ---------------------------------------------------------------- small helpers */
struct buf {
  char *p;
  size_t n, cap;
};

static int buf_append(struct buf *b, const char *s, size_t n) {
  if (b->p == NULL || b->n + n + 1 > b->cap) {
    size_t cap = (b->n + n + 1) * 2;
    char *p = realloc(b->p, cap);
    if (p == NULL) return -1;
    b->p = p;
    b->cap = cap;
  }
  if (n) memcpy(b->p + b->n, s, n);
  b->n += n;
  b->p[b->n] = 0;
  return 0;
}

static int buf_puts(struct buf *b, const char *s) { return buf_append(b, s, strlen(s)); }

/* Appends name as a double-quoted SQL identifier ("" for an embedded "). */
static int buf_put_ident(struct buf *b, const char *name) {
  if (buf_append(b, "\"", 1)) return -1;
  for (const char *p = name; *p; p++) {
    if (*p == '"' && buf_append(b, "\"", 1)) return -1;
    if (buf_append(b, p, 1)) return -1;
  }
  return buf_append(b, "\"", 1);
}

/* before + "name" + after, malloc'd (NULL when out of memory). */
static char *sql_with_ident(const char *before, const char *name, const char *after) {
  struct buf b = {0};
  if (buf_puts(&b, before) || buf_put_ident(&b, name) || buf_puts(&b, after)) {
    free(b.p);
    return NULL;
  }
  return b.p;
}

/* ASCII whitespace, as SQL and the dot-command parser see it. */
static int is_space(int c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

/* 1 if s holds only whitespace and SQL comments. */
static int all_whitespace(const char *s) {
  while (*s) {
    if (is_space((unsigned char)*s)) {
      s++;
    } else if (s[0] == '-' && s[1] == '-') {
      while (*s && *s != '\n')
        s++;
    } else if (s[0] == '/' && s[1] == '*') {
      s += 2;
      while (*s && !(s[0] == '*' && s[1] == '/'))
        s++;
      if (*s == 0) return 0;
      s += 2;
    } else {
      return 0;
    }
  }
  return 1;
}

static void shell_error(struct shell *sh, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fflush(sh->out);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  sh->nerr++;
}

/* The statement excerpt and marker shown under a parse error (see the file comment). */
static void print_error_context(const char *sql, int offset) {
  if (offset < 0 || sql == NULL) return;
  size_t total = strlen(sql);
  if ((size_t)offset > total) return;
  while (offset > 50) {
    offset--;
    sql++;
    while (((unsigned char)sql[0] & 0xc0) == 0x80) {
      sql++;
      offset--;
    }
  }
  size_t len = strlen(sql);
  if (len > 78) {
    len = 78;
    while (len > 0 && ((unsigned char)sql[len] & 0xc0) == 0x80)
      len--;
  }
  fputs("  ", stderr);
  for (size_t i = 0; i < len; i++)
    fputc(is_space((unsigned char)sql[i]) ? ' ' : sql[i], stderr);
  if (offset < 25)
    fprintf(stderr, "\n  %*s^--- error here\n", offset, "");
  else
    fprintf(stderr, "\n  %*serror here ---^\n", offset - 14, "");
}

/* ---------------------------------------------------------------- timer */
struct timer {
  struct timespec wall;
  struct rusage usage;
};

static void timer_start(struct timer *t) {
  clock_gettime(CLOCK_MONOTONIC, &t->wall);
  getrusage(RUSAGE_SELF, &t->usage);
}

static double tv_diff(struct timeval a, struct timeval b) {
  return (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_usec - a.tv_usec) * 1e-6;
}

static void timer_print(struct shell *sh, const struct timer *t) {
  struct timespec now;
  struct rusage usage;
  clock_gettime(CLOCK_MONOTONIC, &now);
  getrusage(RUSAGE_SELF, &usage);
  double real = (double)(now.tv_sec - t->wall.tv_sec) + (double)(now.tv_nsec - t->wall.tv_nsec) * 1e-9;
  fprintf(sh->out, "Run Time: real %.3f user %f sys %f\n", real, tv_diff(t->usage.ru_utime, usage.ru_utime),
          tv_diff(t->usage.ru_stime, usage.ru_stime));
}

/* ---------------------------------------------------------------- running SQL */
enum sql_origin { FROM_INPUT, FROM_ARGV };

/* Runs every statement of sql. Stops at the first error and returns its primary result code (never 0;
 * SQL given on the command line makes it the exit status, as in sqlite3), else 0. */
static int run_sql(struct shell *sh, const char *sql, int startline, enum sql_origin origin) {
  const char *z = sql;
  while (1) {
    while (is_space((unsigned char)*z))
      z++;
    if (*z == 0) return 0;
    mica_stmt *stmt = NULL;
    const char *tail = NULL;
    int rc = mica_prepare(sh->db, z, -1, &stmt, &tail);
    if (rc != MICA_OK) {
      const char *msg = mica_errmsg(sh->db);
      int code = mica_errcode(sh->db) & 0xff;
      if (origin == FROM_ARGV)
        shell_error(sh, "Error: in prepare, %s\n", msg);
      else if (sh->interactive)
        shell_error(sh, "Parse error: %s%s", msg, "");
      else
        shell_error(sh, "Parse error near line %d: %s", startline, msg);
      if (origin != FROM_ARGV) {
        if (code > 1) fprintf(stderr, " (%d)", code);
        fputc('\n', stderr);
        print_error_context(z, mica_error_offset(sh->db));
      }
      return code > 0 ? code : 1;
    }
    if (stmt == NULL) { /* only whitespace or comments */
      if (tail == NULL || tail == z) return 0;
      z = tail;
      continue;
    }
    struct timer t = {0};
    if (sh->timer) timer_start(&t);
    interrupt_target = sh->db;
    rc = shell_output_stmt(sh, stmt);
    interrupt_target = NULL;
    if (rc != MICA_DONE) {
      char *msg = strdup(mica_errmsg(sh->db));
      int code = mica_errcode(sh->db) & 0xff;
      if (code == MICA_OK) code = rc & 0xff;
      mica_finalize(stmt);
      const char *m = msg ? msg : "out of memory";
      if (origin == FROM_ARGV)
        shell_error(sh, "Error: stepping, %s", m);
      else if (sh->interactive)
        shell_error(sh, "Runtime error: %s", m);
      else
        shell_error(sh, "Runtime error near line %d: %s", startline, m);
      if (code > 1) fprintf(stderr, " (%d)", code);
      fputc('\n', stderr);
      free(msg);
      return code > 0 ? code : 1;
    }
    mica_finalize(stmt);
    if (sh->changes)
      fprintf(sh->out, "changes: %d   total_changes: %d\n", mica_changes(sh->db), mica_total_changes(sh->db));
    if (sh->timer) timer_print(sh, &t);
    if (tail == NULL || tail <= z) return 0; /* no progress: never run a statement twice */
    z = tail;
  }
}

/* ---------------------------------------------------------------- dot-commands */
#define MAX_ARGS 32

/* Splits a dot-command line into arguments: whitespace separated, '...' taken literally, "..." with
 * backslash escapes. Modifies line in place. */
static int split_args(char *line, char **argv) {
  int argc = 0;
  char *p = line;
  while (*p && argc < MAX_ARGS) {
    while (is_space((unsigned char)*p))
      p++;
    if (*p == 0) break;
    if (*p == '\'' || *p == '"') {
      char q = *p++;
      char *start = p, *w = p;
      while (*p && *p != q) {
        if (q == '"' && *p == '\\' && p[1]) {
          p++;
          switch (*p) {
          case 'n': *w++ = '\n'; break;
          case 't': *w++ = '\t'; break;
          case 'r': *w++ = '\r'; break;
          case '\\': *w++ = '\\'; break;
          default: *w++ = *p;
          }
          p++;
        } else {
          *w++ = *p++;
        }
      }
      if (*p) p++;
      *w = 0;
      argv[argc++] = start;
    } else {
      argv[argc++] = p;
      while (*p && !is_space((unsigned char)*p))
        p++;
      if (*p) *p++ = 0;
    }
  }
  return argc;
}

static int parse_bool(const char *s) {
  if (!strcasecmp(s, "on") || !strcasecmp(s, "yes") || !strcasecmp(s, "true") || !strcmp(s, "1")) return 1;
  if (!strcasecmp(s, "off") || !strcasecmp(s, "no") || !strcasecmp(s, "false") || !strcmp(s, "0")) return 0;
  fprintf(stderr, "ERROR: Not a boolean value: \"%s\". Assuming \"no\".\n", s);
  return 0;
}

/* Prints names in columns the way .tables and .indexes do (column-major, 80 characters wide). */
static void print_name_columns(struct shell *sh, char **names, int n) {
  int maxlen = 0;
  for (int i = 0; i < n; i++) {
    int len = (int)strlen(names[i]);
    if (len > maxlen) maxlen = len;
  }
  int ncols = 80 / (maxlen + 2);
  if (ncols < 1) ncols = 1;
  int nrows = (n + ncols - 1) / ncols;
  for (int r = 0; r < nrows; r++) {
    for (int j = r; j < n; j += nrows)
      fprintf(sh->out, "%s%-*s", j < nrows ? "" : "  ", maxlen, names[j]);
    fputc('\n', sh->out);
  }
}

/* Runs a query binding ?1 = arg (if any) and appends column 0 of every row to *names (*n entries).
 * With quiet, a query that does not compile (e.g. no temp schema) adds nothing and is not an error. */
static int collect_names(struct shell *sh, const char *sql, const char *arg, char ***names, int *n,
                         int quiet) {
  mica_stmt *stmt = NULL;
  if (mica_prepare(sh->db, sql, -1, &stmt, NULL) != MICA_OK || stmt == NULL) {
    if (quiet) return 0;
    shell_error(sh, "Error: %s\n", mica_errmsg(sh->db));
    return 1;
  }
  if (arg) mica_bind_text(stmt, 1, arg, -1);
  int rc;
  while ((rc = mica_step(stmt)) == MICA_ROW) {
    const char *name = (const char *)mica_column_text(stmt, 0);
    char **p = realloc(*names, (*n + 1) * sizeof(char *));
    if (p == NULL) break;
    *names = p;
    (*names)[(*n)++] = strdup(name ? name : "");
  }
  if (rc != MICA_DONE && !quiet) shell_error(sh, "Error: %s\n", mica_errmsg(sh->db));
  mica_finalize(stmt);
  return rc == MICA_DONE || quiet ? 0 : 1;
}

static int compare_names(const void *a, const void *b) {
  const char *x = *(const char *const *)a, *y = *(const char *const *)b;
  return strcmp(x ? x : "", y ? y : "");
}

static void free_names(char **names, int n) {
  for (int i = 0; i < n; i++)
    free(names[i]);
  free(names);
}

/* .tables and .indexes: names from the main schema, then temp objects as "temp.NAME", sorted. */
static int cmd_tables(struct shell *sh, int argc, char **argv, int indexes) {
  char **names = NULL;
  int n = 0;
  const char *main_sql = indexes
                             ? "SELECT name FROM sqlite_schema WHERE type='index' AND tbl_name LIKE ?1"
                             : "SELECT name FROM sqlite_schema WHERE type IN ('table','view') AND name NOT "
                               "LIKE 'sqlite_%' AND name LIKE ?1";
  const char *temp_sql = indexes ? "SELECT 'temp.' || name FROM sqlite_temp_schema WHERE type='index' AND "
                                   "tbl_name LIKE ?1"
                                 : "SELECT 'temp.' || name FROM sqlite_temp_schema WHERE type IN "
                                   "('table','view') AND name NOT LIKE 'sqlite_%' AND (name LIKE ?1 OR "
                                   "'temp.' || name LIKE ?1)";
  const char *pattern = argc > 1 ? argv[1] : "%";
  int rc = collect_names(sh, main_sql, pattern, &names, &n, 0);
  if (rc == 0) collect_names(sh, temp_sql, pattern, &names, &n, 1);
  if (rc == 0) {
    if (n > 1) qsort(names, n, sizeof(char *), compare_names);
    print_name_columns(sh, names, n);
  }
  free_names(names, n);
  return rc;
}

/* Prints a schema statement as .schema and .dump do: a CREATE TABLE of a quoted name becomes
 * CREATE TABLE IF NOT EXISTS. */
static void print_create(struct shell *sh, const char *sql, int temp) {
  static const char prefix[] = "CREATE TABLE ";
  size_t n = sizeof prefix - 1;
  if (temp) {
    /* Temp objects are shown schema-qualified: CREATE [UNIQUE|VIRTUAL] <TYPE> temp.name ... */
    static const char *const words[] = {"CREATE ", "UNIQUE ", "VIRTUAL ", "TABLE ",
                                        "VIEW ",   "INDEX ",  "TRIGGER "};
    size_t at = 0;
    for (size_t w = 0; w < sizeof words / sizeof words[0]; w++) {
      size_t len = strlen(words[w]);
      if (strncasecmp(sql + at, words[w], len) == 0) at += len;
    }
    fprintf(sh->out, "%.*stemp.%s", (int)at, sql, sql + at);
  } else if (strncasecmp(sql, prefix, n) == 0 && (sql[n] == '"' || sql[n] == '\'')) {
    fprintf(sh->out, "CREATE TABLE IF NOT EXISTS %s", sql + n);
  } else {
    fputs(sql, sh->out);
  }
}

/* .schema: the CREATE statements of the main schema, then of the temp schema (if the engine has one),
 * each in rowid order; views get their column list as a comment, as sqlite3 shows it. */
static int cmd_schema(struct shell *sh, int argc, char **argv) {
  static const char *const queries[2] = {
      "SELECT sql, type, name FROM sqlite_schema WHERE sql IS NOT NULL AND type!='meta' AND (tbl_name LIKE "
      "?1 OR "
      "name LIKE ?1) ORDER BY rowid",
      "SELECT sql, type, name FROM sqlite_temp_schema WHERE sql IS NOT NULL AND type!='meta' AND (tbl_name "
      "LIKE ?1 "
      "OR name LIKE ?1 OR 'temp.' || tbl_name LIKE ?1 OR 'temp.' || name LIKE ?1) ORDER BY rowid"};
  int errors = 0;
  for (int temp = 0; temp < 2; temp++) {
    mica_stmt *stmt = NULL;
    if (mica_prepare(sh->db, queries[temp], -1, &stmt, NULL) != MICA_OK || stmt == NULL) {
      if (temp) break; /* no temp schema */
      shell_error(sh, "Error: %s\n", mica_errmsg(sh->db));
      return 1;
    }
    mica_bind_text(stmt, 1, argc > 1 ? argv[1] : "%", -1);
    int rc;
    while ((rc = mica_step(stmt)) == MICA_ROW) {
      const char *text = (const char *)mica_column_text(stmt, 0);
      const char *type = (const char *)mica_column_text(stmt, 1);
      const char *name = (const char *)mica_column_text(stmt, 2);
      print_create(sh, text ? text : "", temp);
      if (type && name && strcmp(type, "view") == 0) {
        char *q = sql_with_ident(temp ? "SELECT * FROM temp." : "SELECT * FROM ", name, "");
        mica_stmt *vs = NULL;
        if (q && mica_prepare(sh->db, q, -1, &vs, NULL) == MICA_OK && vs) {
          fputs(temp ? "\n/* temp." : "\n/* ", sh->out);
          shell_write_identifier(sh->out, name);
          fputc('(', sh->out);
          for (int i = 0; i < mica_column_count(vs); i++) {
            if (i) fputc(',', sh->out);
            const char *cn = mica_column_name(vs, i);
            shell_write_identifier(sh->out, cn ? cn : "");
          }
          fputs(") */", sh->out);
        }
        if (vs) mica_finalize(vs);
        free(q);
      }
      fputs(";\n", sh->out);
    }
    if (rc != MICA_DONE) {
      shell_error(sh, "Error: %s\n", mica_errmsg(sh->db));
      errors++;
    }
    mica_finalize(stmt);
  }
  return errors ? 1 : 0;
}

/* Writes the rows of one table as INSERT statements. */
static int dump_rows(struct shell *sh, const char *table) {
  char *q = sql_with_ident("SELECT * FROM ", table, "");
  mica_stmt *stmt = NULL;
  if (q == NULL) return 1;
  int rc = mica_prepare(sh->db, q, -1, &stmt, NULL);
  free(q);
  if (rc != MICA_OK || stmt == NULL) {
    shell_error(sh, "Error: %s\n", mica_errmsg(sh->db));
    return 1;
  }
  int ncol = mica_column_count(stmt);
  while ((rc = mica_step(stmt)) == MICA_ROW) {
    fputs("INSERT INTO ", sh->out);
    shell_write_identifier(sh->out, table);
    fputs(" VALUES(", sh->out);
    for (int i = 0; i < ncol; i++) {
      if (i) fputc(',', sh->out);
      switch (mica_column_type(stmt, i)) {
      case MICA_NULL: fputs("NULL", sh->out); break;
      case MICA_INTEGER: fprintf(sh->out, "%lld", (long long)mica_column_int64(stmt, i)); break;
      case MICA_FLOAT: {
        char buf[64];
        shell_format_real(mica_column_double(stmt, i), buf, sizeof buf);
        fputs(buf, sh->out);
        break;
      }
      case MICA_BLOB:
        shell_write_sql_blob(sh->out, mica_column_blob(stmt, i), mica_column_bytes(stmt, i));
        break;
      default: shell_write_sql_string(sh->out, (const char *)mica_column_text(stmt, i), 0);
      }
    }
    fputs(");\n", sh->out);
  }
  if (rc != MICA_DONE) shell_error(sh, "Error: %s\n", mica_errmsg(sh->db));
  mica_finalize(stmt);
  return rc == MICA_DONE ? 0 : 1;
}

static int cmd_dump(struct shell *sh, int argc, char **argv) {
  const char *pattern = argc > 1 ? argv[1] : "%";
  mica_stmt *stmt;
  int errors = 0;
  fputs("PRAGMA foreign_keys=OFF;\nBEGIN TRANSACTION;\n", sh->out);
  const char *sql =
      "SELECT name, sql FROM sqlite_schema WHERE sql IS NOT NULL AND type='table' AND name LIKE ?1 "
      "ORDER BY name='sqlite_sequence', rowid";
  if (mica_prepare(sh->db, sql, -1, &stmt, NULL) != MICA_OK) {
    shell_error(sh, "Error: %s\n", mica_errmsg(sh->db));
    return 1;
  }
  mica_bind_text(stmt, 1, pattern, -1);
  int rc;
  while ((rc = mica_step(stmt)) == MICA_ROW) {
    const char *name = (const char *)mica_column_text(stmt, 0);
    const char *create = (const char *)mica_column_text(stmt, 1);
    if (name == NULL || create == NULL) continue;
    if (strcmp(name, "sqlite_sequence") == 0) {
      fputs("DELETE FROM sqlite_sequence;\n", sh->out);
    } else if (strncasecmp(name, "sqlite_stat", 11) == 0) {
      fputs("ANALYZE sqlite_schema;\n", sh->out); /* creates the stat tables the INSERTs fill */
    } else if (strncasecmp(name, "sqlite_", 7) == 0) {
      continue;
    } else {
      print_create(sh, create, 0);
      fputs(";\n", sh->out);
    }
    char *copy = strdup(name);
    if (copy) errors += dump_rows(sh, copy);
    free(copy);
  }
  mica_finalize(stmt);
  sql = "SELECT sql FROM sqlite_schema WHERE sql IS NOT NULL AND type IN ('index','trigger','view') AND "
        "name LIKE ?1 ORDER BY rowid";
  if (mica_prepare(sh->db, sql, -1, &stmt, NULL) == MICA_OK) {
    mica_bind_text(stmt, 1, pattern, -1);
    while ((rc = mica_step(stmt)) == MICA_ROW) {
      const char *text = (const char *)mica_column_text(stmt, 0);
      if (text) fprintf(sh->out, "%s;\n", text);
    }
    mica_finalize(stmt);
  }
  fputs("COMMIT;\n", sh->out);
  return errors ? 1 : 0;
}

/* ---- .import: a CSV reader (RFC 4180 quoting; any field separator byte; \n or \r\n rows) */
struct csv_reader {
  FILE *in;
  const char *path;
  int sep;
  int line;      /* line of the current record's start */
  int next_line; /* line the reader is on */
  struct buf field;
  char **fields;
  int nfields, cap;
};

static void csv_clear(struct csv_reader *r) {
  for (int i = 0; i < r->nfields; i++)
    free(r->fields[i]);
  r->nfields = 0;
}

static int csv_push(struct csv_reader *r) {
  if (r->nfields == r->cap) {
    int cap = r->cap ? r->cap * 2 : 16;
    char **p = realloc(r->fields, cap * sizeof(char *));
    if (p == NULL) return -1;
    r->fields = p;
    r->cap = cap;
  }
  r->fields[r->nfields++] = strdup(r->field.p ? r->field.p : "");
  r->field.n = 0;
  if (r->field.p) r->field.p[0] = 0;
  return 0;
}

/* Reads one record into r->fields. Returns 0 at end of input, 1 for a record. */
static int csv_read(struct csv_reader *r) {
  csv_clear(r);
  r->line = r->next_line;
  int c = fgetc(r->in);
  if (c == EOF) return 0;
  int quoted = 0, in_quotes = 0;
  while (1) {
    if (in_quotes) {
      if (c == EOF) break;
      if (c == '"') {
        int d = fgetc(r->in);
        if (d == '"') {
          buf_append(&r->field, "\"", 1);
        } else {
          in_quotes = 0;
          c = d;
          continue;
        }
      } else {
        if (c == '\n') r->next_line++;
        char ch = (char)c;
        buf_append(&r->field, &ch, 1);
      }
    } else if (c == '"' && r->field.n == 0 && !quoted) {
      in_quotes = quoted = 1;
    } else if (c == r->sep) {
      csv_push(r);
      quoted = 0;
    } else if (c == '\n' || c == EOF) {
      if (c == '\n') r->next_line++;
      if (r->field.n && r->field.p[r->field.n - 1] == '\r' && !quoted) r->field.p[--r->field.n] = 0;
      csv_push(r);
      return 1;
    } else if (c == '\r' && quoted) {
      /* the \r of a \r\n after a closing quote */
    } else {
      char ch = (char)c;
      buf_append(&r->field, &ch, 1);
    }
    c = fgetc(r->in);
  }
  csv_push(r);
  return 1;
}

static int cmd_import(struct shell *sh, int argc, char **argv) {
  const char *file = NULL, *table = NULL;
  int csv = sh->mode == SHELL_MODE_CSV, skip = 0, explicit_csv = 0;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--csv") == 0 || strcmp(argv[i], "-csv") == 0)
      csv = explicit_csv = 1;
    else if ((strcmp(argv[i], "--skip") == 0 || strcmp(argv[i], "-skip") == 0) && i + 1 < argc)
      skip = atoi(argv[++i]);
    else if (file == NULL)
      file = argv[i];
    else if (table == NULL)
      table = argv[i];
    else
      file = NULL, i = argc;
  }
  if (file == NULL || table == NULL) {
    shell_error(sh, "ERROR: missing %s argument. Usage:\n.import [--csv] [--skip N] FILE TABLE\n",
                file ? "TABLE" : "FILE");
    return 1;
  }
  /* Importing in csv mode (rather than with --csv) leaves the row separator at "\n", as sqlite3 does. */
  if (sh->mode == SHELL_MODE_CSV && !explicit_csv && strcmp(sh->rowsep, "\r\n") == 0)
    strcpy(sh->rowsep, "\n");
  struct csv_reader r = {.path = file, .line = 1, .next_line = 1};
  r.sep = csv ? ',' : (unsigned char)sh->colsep[0];
  r.in = fopen(file, "rb");
  if (r.in == NULL) {
    shell_error(sh, "Error: cannot open \"%s\"\n", file);
    return 1;
  }
  int errors = 0, ncol = 0;
  mica_stmt *ins = NULL;
  char *sql = sql_with_ident("SELECT * FROM ", table, "");
  mica_stmt *probe = NULL;
  if (sql && mica_prepare(sh->db, sql, -1, &probe, NULL) == MICA_OK && probe) {
    ncol = mica_column_count(probe);
    mica_finalize(probe);
  } else {
    /* New table: the first record names its columns. */
    if (!csv_read(&r)) {
      shell_error(sh, "%s: empty file\n", file);
      errors++;
      goto done;
    }
    struct buf create = {0};
    buf_puts(&create, "CREATE TABLE ");
    buf_put_ident(&create, table);
    buf_puts(&create, "(\n");
    for (int i = 0; i < r.nfields; i++) {
      if (i) buf_puts(&create, ", ");
      buf_put_ident(&create, r.fields[i]);
      buf_puts(&create, " TEXT");
    }
    buf_append(&create, ")", 1);
    ncol = r.nfields;
    int rc = mica_exec(sh->db, create.p, NULL, NULL, NULL);
    if (rc != MICA_OK) shell_error(sh, "CREATE TABLE \"%s\"(...) failed: %s\n", table, mica_errmsg(sh->db));
    free(create.p);
    if (rc != MICA_OK) {
      errors++;
      goto done;
    }
  }
  free(sql);
  sql = NULL;
  {
    struct buf q = {0};
    buf_puts(&q, "INSERT INTO ");
    buf_put_ident(&q, table);
    buf_puts(&q, " VALUES(");
    for (int i = 0; i < ncol; i++)
      buf_append(&q, i ? ",?" : "?", i ? 2 : 1);
    buf_append(&q, ")", 1);
    int rc = mica_prepare(sh->db, q.p, -1, &ins, NULL);
    free(q.p);
    if (rc != MICA_OK) {
      shell_error(sh, "Error: %s\n", mica_errmsg(sh->db));
      errors++;
      goto done;
    }
  }
  int own_txn = mica_get_autocommit(sh->db);
  if (own_txn) mica_exec(sh->db, "BEGIN", NULL, NULL, NULL);
  while (csv_read(&r)) {
    if (skip > 0) {
      skip--;
      continue;
    }
    for (int i = 0; i < ncol; i++) {
      if (i < r.nfields)
        mica_bind_text(ins, i + 1, r.fields[i], -1);
      else
        mica_bind_null(ins, i + 1);
    }
    if (r.nfields < ncol)
      fprintf(stderr, "%s:%d: expected %d columns but found %d - filling the rest with NULL\n", file, r.line,
              ncol, r.nfields);
    else if (r.nfields > ncol)
      fprintf(stderr, "%s:%d: expected %d columns but found %d - extras ignored\n", file, r.line, ncol,
              r.nfields);
    int rc = mica_step(ins);
    if (rc != MICA_DONE) {
      /* Reported, but as in sqlite3 a rejected row is not an error of the command. */
      fprintf(stderr, "%s:%d: INSERT failed: %s\n", file, r.line, mica_errmsg(sh->db));
    }
    mica_reset(ins);
  }
  if (own_txn) mica_exec(sh->db, "COMMIT", NULL, NULL, NULL);
done:
  free(sql);
  if (ins) mica_finalize(ins);
  csv_clear(&r);
  free(r.fields);
  free(r.field.p);
  fclose(r.in);
  if (errors) sh->nerr++;
  return errors ? 1 : 0;
}

static const char *const mode_names[] = {
    [SHELL_MODE_LIST] = "list",   [SHELL_MODE_CSV] = "csv",           [SHELL_MODE_COLUMN] = "column",
    [SHELL_MODE_BOX] = "box",     [SHELL_MODE_TABLE] = "table",       [SHELL_MODE_JSON] = "json",
    [SHELL_MODE_LINE] = "line",   [SHELL_MODE_INSERT] = "insert",     [SHELL_MODE_QUOTE] = "quote",
    [SHELL_MODE_TABS] = "tabs",   [SHELL_MODE_MARKDOWN] = "markdown", [SHELL_MODE_HTML] = "html",
    [SHELL_MODE_ASCII] = "ascii", [SHELL_MODE_QBOX] = "qbox",         [SHELL_MODE_TCL] = "tcl",
};

/* Switches the output mode; `from_option` for -csv etc., which differ from .mode in separators. */
static int set_mode(struct shell *sh, const char *name, const char *table, int from_option) {
  size_t i;
  for (i = 0; i < sizeof mode_names / sizeof mode_names[0]; i++)
    if (mode_names[i] && strcmp(name, mode_names[i]) == 0) break;
  if (i == sizeof mode_names / sizeof mode_names[0]) {
    if (strcmp(name, "columns") == 0)
      i = SHELL_MODE_COLUMN;
    else if (strcmp(name, "lines") == 0)
      i = SHELL_MODE_LINE;
    else
      return 1;
  }
  sh->mode = (enum shell_mode)i;
  switch (sh->mode) {
  case SHELL_MODE_LIST:
    if (!from_option) {
      strcpy(sh->colsep, "|");
      strcpy(sh->rowsep, "\n");
    }
    break;
  case SHELL_MODE_CSV:
    strcpy(sh->colsep, ",");
    if (!from_option) strcpy(sh->rowsep, "\r\n");
    break;
  case SHELL_MODE_TABS: strcpy(sh->colsep, "\t"); break;
  case SHELL_MODE_TCL: strcpy(sh->colsep, " "); break;
  case SHELL_MODE_ASCII:
    strcpy(sh->colsep, "\x1f");
    strcpy(sh->rowsep, "\x1e");
    break;
  case SHELL_MODE_QUOTE: strcpy(sh->colsep, ","); break;
  case SHELL_MODE_COLUMN: /* box, table and markdown always show headers without turning them on */
    if (!sh->headers_set && !from_option) sh->headers = 1;
    break;
  case SHELL_MODE_INSERT:
    free(sh->insert_table);
    sh->insert_table = table ? strdup(table) : NULL;
    break;
  default: break;
  }
  if (sh->mode == SHELL_MODE_LINE || sh->mode == SHELL_MODE_JSON || sh->mode == SHELL_MODE_INSERT)
    strcpy(sh->rowsep, "\n");
  return 0;
}

static int process_file(struct shell *sh, FILE *in);

static void print_help(FILE *out) {
  fputs(".bail on|off             Stop after hitting an error.  Default OFF\n"
        ".dump ?TABLE?            Render database content as SQL (TABLE is a LIKE pattern)\n"
        ".changes on|off          Show number of rows changed by SQL\n"
        ".databases               List names and files of attached databases\n"
        ".echo on|off             Turn command echo on or off\n"
        ".exit ?CODE?             Exit this program with return-code CODE\n"
        ".headers on|off          Turn display of headers on or off\n"
        ".help                    Show this message\n"
        ".import FILE TABLE       Import data from FILE into TABLE (options: --csv, --skip N)\n"
        ".indexes ?TABLE?         Show names of indexes (TABLE is a LIKE pattern)\n"
        ".mode MODE ?TABLE?       Set output mode: ascii box column csv html insert json line list\n"
        "                         markdown qbox quote table tabs tcl\n"
        ".nullvalue STRING        Use STRING in place of NULL values\n"
        ".open ?OPTIONS? ?FILE?   Close the database and open FILE (--new: empty it first; --readonly)\n"
        ".once FILE               Output for the next SQL command only to FILE\n"
        ".output ?FILE?           Send output to FILE, or to stdout if FILE is omitted\n"
        ".print STRING...         Print literal STRING\n"
        ".quit                    Exit this program\n"
        ".read FILE               Read input from FILE\n"
        ".schema ?PATTERN?        Show the CREATE statements matching PATTERN\n"
        ".separator COL ?ROW?     Change the column and row separators\n"
        ".show                    Show the current values for various settings\n"
        ".tables ?PATTERN?        List names of tables and views matching a LIKE pattern\n"
        ".timer on|off            Turn SQL timer on or off\n"
        ".width NUM1 NUM2 ...     Set column widths for columnar modes (negative: right-aligned)\n",
        out);
}

/* Writes s in double quotes with C escapes, as .show displays separators. */
static void put_escaped(FILE *out, const char *s) {
  fputc('"', out);
  for (; *s; s++) {
    switch (*s) {
    case '\n': fputs("\\n", out); break;
    case '\t': fputs("\\t", out); break;
    case '\r': fputs("\\r", out); break;
    case '"': fputs("\\\"", out); break;
    case '\\': fputs("\\\\", out); break;
    default:
      if ((unsigned char)*s < 0x20)
        fprintf(out, "\\%03o", (unsigned char)*s);
      else
        fputc(*s, out);
    }
  }
  fputs("\"\n", out);
}

static void cmd_show(struct shell *sh) {
  FILE *out = sh->out;
  fprintf(out, "%12.12s: %s\n", "echo", sh->echo ? "on" : "off");
  fprintf(out, "%12.12s: %s\n", "eqp", "off");
  fprintf(out, "%12.12s: %s\n", "explain", "auto");
  fprintf(out, "%12.12s: %s\n", "headers", sh->headers ? "on" : "off");
  fprintf(out, "%12.12s: %s\n", "mode", mode_names[sh->mode]);
  fprintf(out, "%12.12s: ", "nullvalue");
  put_escaped(out, sh->nullvalue);
  fprintf(out, "%12.12s: %s\n", "output", sh->out_name ? sh->out_name : "stdout");
  fprintf(out, "%12.12s: ", "colseparator");
  put_escaped(out, sh->colsep);
  fprintf(out, "%12.12s: ", "rowseparator");
  put_escaped(out, sh->rowsep);
  fprintf(out, "%12.12s: %s\n", "stats", "off");
  fprintf(out, "%12.12s: \n", "width");
  fprintf(out, "%12.12s: %s\n", "filename", sh->db_path ? sh->db_path : "");
}

enum { META_OK = 0, META_ERROR = 1, META_EXIT = 2 };

/* Runs one dot-command line (without its leading '.'). */
static int do_meta(struct shell *sh, char *line, int *exit_code) {
  char *argv[MAX_ARGS];
  int argc = split_args(line, argv);
  if (argc == 0) return META_OK;
  const char *c = argv[0];
  size_t n = strlen(c);
#define IS(name) (strncmp(c, name, n) == 0)
  if (IS("bail") && argc == 2) {
    sh->bail = parse_bool(argv[1]);
  } else if (IS("dump") && n >= 2) {
    return cmd_dump(sh, argc, argv);
  } else if ((IS("exit") || IS("quit")) && n >= 1 && argc <= 2) {
    if (argc == 2 && c[0] == 'e') *exit_code = atoi(argv[1]);
    return META_EXIT;
  } else if (IS("headers") && argc == 2 && n >= 2) {
    sh->headers = parse_bool(argv[1]);
    sh->headers_set = 1;
  } else if (IS("help") && n >= 2) {
    print_help(sh->out);
  } else if (IS("import") && n >= 2) {
    return cmd_import(sh, argc, argv);
  } else if ((IS("indexes") || IS("indices")) && n >= 2 && argc <= 2) {
    return cmd_tables(sh, argc, argv, 1);
  } else if (IS("mode") && argc >= 1) {
    if (argc == 1) {
      fprintf(sh->out, "current output mode: %s\n", mode_names[sh->mode]);
    } else if (set_mode(sh, argv[1], argc > 2 ? argv[2] : NULL, 0)) {
      shell_error(sh, "Error: mode should be one of: ascii box column csv html insert json line list "
                      "markdown qbox quote table tabs tcl\n");
      return META_ERROR;
    }
  } else if (IS("nullvalue") && argc == 2) {
    snprintf(sh->nullvalue, sizeof sh->nullvalue, "%s", argv[1]);
  } else if (IS("open") && n >= 2) {
    const char *file = NULL;
    int fresh = 0, ro = 0;
    for (int i = 1; i < argc; i++) {
      if (strcmp(argv[i], "--new") == 0 || strcmp(argv[i], "-new") == 0) {
        fresh = 1;
      } else if (strcmp(argv[i], "--readonly") == 0 || strcmp(argv[i], "-readonly") == 0) {
        ro = 1;
      } else if (argv[i][0] == '-' || file) {
        shell_error(sh, "Usage: .open [--new] [--readonly] [FILE]\n");
        return META_ERROR;
      } else {
        file = argv[i];
      }
    }
    if (file == NULL) file = ":memory:";
    if (fresh && strcmp(file, ":memory:") != 0) {
      char wal[4096];
      unlink(file); /* --new: start from an empty database */
      snprintf(wal, sizeof wal, "%s-wal", file);
      unlink(wal);
    }
    mica_db *db = NULL;
    if (mica_open(file, ro ? MICA_OPEN_READONLY : MICA_OPEN_READWRITE | MICA_OPEN_CREATE, &db) != MICA_OK) {
      shell_error(sh, "Error: unable to open database \"%s\": %s\n", file,
                  db ? mica_errmsg(db) : "out of memory");
      if (db) mica_close(db);
      return META_ERROR;
    }
    mica_close(sh->db);
    sh->db = db;
    sh->readonly = ro;
    free(sh->db_path);
    sh->db_path = strdup(file);
  } else if ((IS("output") || IS("once")) && n >= 1 && argc <= 2) {
    if (sh->out != stdout) fclose(sh->out);
    sh->out = stdout;
    free(sh->out_name);
    sh->out_name = NULL;
    sh->once = 0;
    if (argc == 2 && strcmp(argv[1], "stdout") != 0 && strcmp(argv[1], "-") != 0) {
      FILE *f = fopen(argv[1], "w");
      if (f == NULL) {
        shell_error(sh, "Error: cannot open \"%s\"\n", argv[1]);
        return META_ERROR;
      }
      sh->out = f;
      sh->out_name = strdup(argv[1]);
      sh->once = c[1] == 'n'; /* .once: just for the next command or statement */
    }
  } else if (IS("print") && n >= 2) {
    for (int i = 1; i < argc; i++)
      fprintf(sh->out, "%s%s", i > 1 ? " " : "", argv[i]);
    fputc('\n', sh->out);
  } else if (IS("read") && argc == 2) {
    if (sh->read_depth >= SHELL_MAX_READ_DEPTH) {
      shell_error(sh, "Error: .read nested too deeply (%d levels)\n", SHELL_MAX_READ_DEPTH);
      return META_ERROR;
    }
    FILE *f = fopen(argv[1], "r");
    if (f == NULL) {
      shell_error(sh, "Error: cannot open \"%s\"\n", argv[1]);
      return META_ERROR;
    }
    sh->read_depth++;
    int rc = process_file(sh, f);
    sh->read_depth--;
    fclose(f);
    return rc;
  } else if (IS("schema") && n >= 2 && argc <= 2) {
    return cmd_schema(sh, argc, argv);
  } else if (IS("separator") && (argc == 2 || argc == 3)) {
    snprintf(sh->colsep, sizeof sh->colsep, "%s", argv[1]);
    if (argc == 3) snprintf(sh->rowsep, sizeof sh->rowsep, "%s", argv[2]);
  } else if (IS("tables") && n >= 2 && argc <= 2) {
    return cmd_tables(sh, argc, argv, 0);
  } else if (IS("changes") && argc == 2) {
    sh->changes = parse_bool(argv[1]);
  } else if (IS("databases") && n >= 2 && argc == 1) {
    const char *fn = mica_db_filename(sh->db, "main");
    fprintf(sh->out, "main: %s %s\n", fn && fn[0] ? fn : "\"\"", sh->readonly ? "r/o" : "r/w");
  } else if (IS("echo") && argc == 2) {
    sh->echo = parse_bool(argv[1]);
  } else if (IS("show") && argc == 1) {
    cmd_show(sh);
  } else if (IS("width") && n >= 1) {
    sh->nwidths = 0;
    for (int i = 1; i < argc && sh->nwidths < (int)(sizeof sh->widths / sizeof sh->widths[0]); i++)
      sh->widths[sh->nwidths++] = atoi(argv[i]);
  } else if (IS("timer") && argc == 2) {
    sh->timer = parse_bool(argv[1]);
  } else {
    shell_error(sh, "Error: unknown command or invalid arguments:  \"%s\". Enter \".help\" for help\n", c);
    return META_ERROR;
  }
#undef IS
  return META_OK;
}

/* ---------------------------------------------------------------- the input loop */
struct reader {
  FILE *in;
  int interactive;
};

/* Reads one line without its newline; NULL at end of input. The caller frees it. */
static char *read_line(struct reader *r, int continuation) {
#ifdef HAVE_READLINE
  if (r->interactive) {
    char *line = readline(continuation ? PROMPT_CONT : PROMPT_MAIN);
    if (line && line[0]) add_history(line);
    return line;
  }
#endif
  if (r->interactive) {
    fputs(continuation ? PROMPT_CONT : PROMPT_MAIN, stdout);
    fflush(stdout);
  }
  char *line = NULL;
  size_t cap = 0;
  ssize_t n = getline(&line, &cap, r->in);
  if (n < 0) {
    free(line);
    return NULL;
  }
  if (n > 0 && line[n - 1] == '\n') line[--n] = 0;
  return line;
}

/* Ends a .once redirection after the command or statement it applied to. */
static void end_once(struct shell *sh) {
  if (sh->once) {
    if (sh->out != stdout) fclose(sh->out);
    sh->out = stdout;
    sh->once = 0;
    free(sh->out_name);
    sh->out_name = NULL;
  }
}

/* Runs one complete statement buffer from the input (echoing it first with .echo on). */
static int run_input_sql(struct shell *sh, const char *sql, int startline) {
  if (sh->echo) fprintf(sh->out, "%s\n", sql);
  int once = sh->once;
  int rc = run_sql(sh, sql, startline, FROM_INPUT);
  if (once) end_once(sh);
  return rc;
}

/* Runs one dot-command line from the input (echoing it first with .echo on). */
static int run_input_meta(struct shell *sh, char *line, int *exit_code) {
  if (sh->echo) fprintf(sh->out, "%s\n", line);
  int once = sh->once;
  int rc = do_meta(sh, line + 1, exit_code);
  if (once) end_once(sh);
  return rc;
}

/* Processes a whole input stream. Returns META_EXIT if .quit/.exit or -bail stopped it (exit_code
 * set), META_ERROR if an error occurred, META_OK otherwise. */
static int process_input(struct shell *sh, struct reader *r, int *exit_code) {
  struct buf sql = {0};
  int lineno = 0, startline = 0, result = META_OK;
  char *line;
  while ((line = read_line(r, sql.n > 0)) != NULL) {
    lineno++;
    interrupts_seen = 0;
    if (sql.n == 0) {
      if (line[0] == '.') {
        int rc = run_input_meta(sh, line, exit_code);
        free(line);
        if (rc == META_EXIT) {
          result = META_EXIT;
          break;
        }
        if (rc != META_OK) {
          result = META_ERROR;
          if (sh->bail) {
            *exit_code = 1;
            result = META_EXIT;
            break;
          }
        }
        continue;
      }
      if (all_whitespace(line)) {
        free(line);
        continue;
      }
      startline = lineno;
      char *p = line;
      while (is_space((unsigned char)*p))
        p++;
      buf_append(&sql, p, strlen(p));
    } else {
      buf_append(&sql, "\n", 1); /* lines are joined by newlines; the buffer never ends in one */
      buf_append(&sql, line, strlen(line));
    }
    int has_semi = strchr(line, ';') != NULL;
    free(line);
    if (has_semi && mica_complete(sql.p)) {
      if (run_input_sql(sh, sql.p, startline)) {
        result = META_ERROR;
        if (sh->bail) {
          *exit_code = 1;
          result = META_EXIT;
          sql.n = 0;
          break;
        }
      }
      sql.n = 0;
      sql.p[0] = 0;
    }
  }
  if (sql.n > 0 && !all_whitespace(sql.p)) {
    if (run_input_sql(sh, sql.p, startline)) {
      result = META_ERROR;
      if (sh->bail) {
        *exit_code = 1;
        result = META_EXIT;
      }
    }
  }
  free(sql.p);
  return result;
}

static int process_file(struct shell *sh, FILE *in) {
  struct reader r = {.in = in, .interactive = 0};
  int exit_code = 0;
  int saved = sh->interactive;
  sh->interactive = 0;
  int rc = process_input(sh, &r, &exit_code);
  sh->interactive = saved;
  return rc == META_EXIT ? META_ERROR : rc;
}

/* ---------------------------------------------------------------- main */
static void usage(FILE *out, const char *argv0) {
  fprintf(out,
          "Usage: %s [OPTIONS] FILENAME [SQL]\n"
          "FILENAME is the name of a Mica (SQLite format) database. A new database is created\n"
          "if the file does not previously exist.\n"
          "OPTIONS include:\n"
          "   -ascii               set output mode to 'ascii'\n"
          "   -bail                stop after hitting an error\n"
          "   -batch               force batch I/O\n"
          "   -box                 set output mode to 'box'\n"
          "   -cmd COMMAND         run \"COMMAND\" before reading stdin\n"
          "   -column              set output mode to 'column'\n"
          "   -csv                 set output mode to 'csv'\n"
          "   -echo                print inputs before execution\n"
          "   -[no]header          turn headers on or off\n"
          "   -help                show this message\n"
          "   -html                set output mode to HTML\n"
          "   -interactive         force interactive I/O\n"
          "   -json                set output mode to 'json'\n"
          "   -line                set output mode to 'line'\n"
          "   -list                set output mode to 'list'\n"
          "   -markdown            set output mode to 'markdown'\n"
          "   -newline SEP         set output row separator. Default: '\\n'\n"
          "   -nullvalue TEXT      set text string for NULL values. Default ''\n"
          "   -quote               set output mode to 'quote'\n"
          "   -readonly            open the database read-only\n"
          "   -separator SEP       set output column separator. Default: '|'\n"
          "   -table               set output mode to 'table'\n"
          "   -tabs                set output mode to 'tabs'\n"
          "   -version             show Mica version\n",
          argv0);
}

static char *history_path(void) {
  const char *home = getenv("HOME");
  if (home == NULL || home[0] == 0) return NULL;
  struct buf b = {0};
  if (buf_puts(&b, home) || buf_puts(&b, "/.mica_history")) {
    free(b.p);
    return NULL;
  }
  return b.p;
}

int main(int argc, char **argv) {
  struct shell sh = {.out = stdout, .mode = SHELL_MODE_LIST, .colsep = "|", .rowsep = "\n"};
  const char *path = NULL;
  const char **cmds = calloc(argc, sizeof(char *));
  const char **sqls = calloc(argc, sizeof(char *));
  int ncmds = 0, nsqls = 0, readonly = 0, force_interactive = -1, exit_code = 0;
  if (cmds == NULL || sqls == NULL) {
    exit_code = 1;
    goto cleanup;
  }

  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (a[0] != '-' || a[1] == 0) {
      if (path == NULL)
        path = a;
      else
        sqls[nsqls++] = a;
      continue;
    }
    if (a[1] == '-' && a[2]) a++; /* --option works like -option */
    const char *next = i + 1 < argc ? argv[i + 1] : NULL;
#define NEEDS_ARG()                                                                                          \
  do {                                                                                                       \
    if (next == NULL) {                                                                                      \
      fprintf(stderr, "%s: Error: missing argument to %s\n", argv[0], argv[i]);                              \
      exit_code = 1;                                                                                         \
      goto cleanup;                                                                                          \
    }                                                                                                        \
    i++;                                                                                                     \
  } while (0)
    if (!strcmp(a, "-cmd")) {
      NEEDS_ARG();
      cmds[ncmds++] = next;
    } else if (!strcmp(a, "-bail")) {
      sh.bail = 1;
    } else if (!strcmp(a, "-header")) {
      sh.headers = 1;
      sh.headers_set = 1;
    } else if (!strcmp(a, "-noheader")) {
      sh.headers = 0;
      sh.headers_set = 1;
    } else if (!strcmp(a, "-csv") || !strcmp(a, "-json") || !strcmp(a, "-line") || !strcmp(a, "-list") ||
               !strcmp(a, "-box") || !strcmp(a, "-column") || !strcmp(a, "-table") || !strcmp(a, "-quote") ||
               !strcmp(a, "-tabs") || !strcmp(a, "-markdown") || !strcmp(a, "-html") ||
               !strcmp(a, "-ascii")) {
      set_mode(&sh, a + 1, NULL, 1);
    } else if (!strcmp(a, "-separator")) {
      NEEDS_ARG();
      snprintf(sh.colsep, sizeof sh.colsep, "%s", next);
    } else if (!strcmp(a, "-newline")) {
      NEEDS_ARG();
      snprintf(sh.rowsep, sizeof sh.rowsep, "%s", next);
    } else if (!strcmp(a, "-nullvalue")) {
      NEEDS_ARG();
      snprintf(sh.nullvalue, sizeof sh.nullvalue, "%s", next);
    } else if (!strcmp(a, "-readonly")) {
      readonly = 1;
      sh.readonly = 1;
    } else if (!strcmp(a, "-echo")) {
      sh.echo = 1;
    } else if (!strcmp(a, "-batch")) {
      force_interactive = 0;
    } else if (!strcmp(a, "-interactive")) {
      force_interactive = 1;
    } else if (!strcmp(a, "-version")) {
      printf("%s %s\n", mica_libversion(), mica_sourceid());
      goto cleanup;
    } else if (!strcmp(a, "-help")) {
      usage(stdout, argv[0]);
      goto cleanup;
    } else {
      fprintf(stderr, "%s: Error: unknown option: %s\nUse -help for a list of options.\n", argv[0], argv[i]);
      exit_code = 1;
      goto cleanup;
    }
#undef NEEDS_ARG
  }

  sh.interactive = force_interactive >= 0 ? force_interactive : (nsqls == 0 && isatty(0));
  const char *open_path = path ? path : ":memory:";
  int flags = readonly ? MICA_OPEN_READONLY : (MICA_OPEN_READWRITE | MICA_OPEN_CREATE);
  int rc = mica_open(open_path, flags, &sh.db);
  sh.db_path = strdup(open_path);
  if (rc != MICA_OK || sh.db_path == NULL) {
    fprintf(stderr, "Error: unable to open database \"%s\": %s\n", open_path,
            sh.db ? mica_errmsg(sh.db) : "out of memory");
    exit_code = 1;
    goto cleanup;
  }

  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_sigint;
  sigemptyset(&sa.sa_mask);
  if (sh.interactive) sigaction(SIGINT, &sa, NULL);

  int stop = 0;
  /* -cmd commands: errors are reported but, as in sqlite3, do not set the exit status. */
  for (int i = 0; i < ncmds && !stop; i++) {
    char *c = strdup(cmds[i]);
    if (c == NULL) break;
    int saved = sh.nerr;
    if (c[0] == '.') {
      if (do_meta(&sh, c + 1, &exit_code) == META_EXIT) stop = 1;
    } else {
      run_sql(&sh, c, 0, FROM_ARGV);
    }
    if (sh.nerr > saved && sh.bail) {
      exit_code = 1;
      stop = 1;
    }
    sh.nerr = saved;
    free(c);
  }

  if (!stop && nsqls > 0) {
    for (int i = 0; i < nsqls && !stop; i++) {
      char *c = strdup(sqls[i]);
      if (c == NULL) break;
      int r, code = 1;
      if (c[0] == '.') {
        r = do_meta(&sh, c + 1, &exit_code);
      } else {
        code = run_sql(&sh, c, 0, FROM_ARGV);
        r = code ? META_ERROR : META_OK;
      }
      free(c);
      if (r == META_EXIT) stop = 1;
      if (r == META_ERROR) {
        exit_code = code;
        stop = 1;
      }
    }
  } else if (!stop) {
    struct reader r = {.in = stdin, .interactive = sh.interactive};
    char *hist = NULL;
    if (sh.interactive) {
      printf("Mica version %s\nEnter \".help\" for usage hints.\n", mica_libversion());
      if (path == NULL)
        printf("Connected to a transient in-memory database.\n"
               "Use \".open FILENAME\" to reopen on a persistent database.\n");
#ifdef HAVE_READLINE
      hist = history_path();
      if (hist) read_history(hist);
#endif
    }
    int result = process_input(&sh, &r, &exit_code);
    if (result == META_ERROR && !sh.interactive) exit_code = 1;
    if (result == META_OK && sh.nerr > 0 && !sh.interactive) exit_code = 1;
#ifdef HAVE_READLINE
    if (hist) write_history(hist);
#endif
    free(hist);
    (void)history_path;
  }

cleanup:
  if (sh.out != stdout) fclose(sh.out);
  free(sh.out_name);
  fflush(stdout);
  if (sh.db && mica_close(sh.db) != MICA_OK) fprintf(stderr, "Error: %s\n", mica_errmsg(sh.db));
  free(sh.db_path);
  free(sh.insert_table);
  free(cmds);
  free(sqls);
  return exit_code;
}
