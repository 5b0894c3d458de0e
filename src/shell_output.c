/*
 * shell_output.c: result rendering for the mica shell, in the sqlite3 shell's output modes.
 *
 * The aim is byte-identical output to sqlite3 3.40 for the same rows, so the rules below were taken
 * from observing that shell (regress/shell/ compares the two):
 *
 *   list, tabs   values joined by the column separator, rows ended by the row separator; NULL prints
 *                the nullvalue string; headers only when the result has at least one row.
 *   ascii        list with 0x1F between columns and 0x1E after rows.
 *   csv          as list, but a field is double-quoted (with "" for ") when it is empty or contains a
 *                byte <= 0x20, >= 0x7f, '"', '\'' or the separator.
 *   column, box, table, markdown
 *                all rows are collected first, then each column is as wide as its widest cell or
 *                name (counted in UTF-8 characters), or as .width says (values wrap, names are cut,
 *                negative widths align right). A cell is split into lines at every control
 *                character (a final empty line is dropped); tabs expand to the next multiple of 8.
 *                If any cell spans several lines, rows are separated by a blank line (column) or a
 *                rule (box, table; markdown never). Box/table/markdown always show the header,
 *                centred; column shows it when headers are on, underlined with dashes. An empty
 *                result prints nothing.
 *   json         [{"name":value,...},\n{...}]\n ; reals as in insert mode, blobs as JSON strings.
 *   line         one "name = value" line per column, names right-aligned to max(5, longest name),
 *                records separated by the row separator.
 *   insert       INSERT INTO <table>[(cols)] VALUES(...); reals with up to 20 significant digits
 *                (integral reals as N.0), text containing newlines as replace(...) expressions.
 *   quote        values as SQL literals joined by "," (reals as in insert mode, newlines as is).
 *   qbox         box showing values as SQL literals (NULL, 'text', x'blob').
 *   tcl          every value (NULL as the nullvalue) as a TCL string, octal escapes outside ASCII.
 *   html         <TR><TD>..</TD>\n..</TR>\n rows (<TH> for the header), < > & " ' escaped.
 *
 * Whatever the mode, EXPLAIN QUERY PLAN results are drawn as a tree and EXPLAIN programs in indented
 * fixed-width columns, as sqlite3 does.
 *
 * Memory: collected cells of the columnar modes are owned by this file and freed before returning.
 */
#include <ctype.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "shell.h"

/* ---------------------------------------------------------------- identifiers and literals */
/* SQLite's keywords (https://sqlite.org/lang_keywords.html): identifiers equal to one are quoted. */
// clang-format off
static const char *const keywords[] = {
    "ABORT", "ACTION", "ADD", "AFTER", "ALL", "ALTER", "ALWAYS", "ANALYZE", "AND", "AS", "ASC", "ATTACH",
    "AUTOINCREMENT", "BEFORE", "BEGIN", "BETWEEN", "BY", "CASCADE", "CASE", "CAST", "CHECK", "COLLATE",
    "COLUMN", "COMMIT", "CONFLICT", "CONSTRAINT", "CREATE", "CROSS", "CURRENT", "CURRENT_DATE",
    "CURRENT_TIME", "CURRENT_TIMESTAMP", "DATABASE", "DEFAULT", "DEFERRABLE", "DEFERRED", "DELETE", "DESC",
    "DETACH", "DISTINCT", "DO", "DROP", "EACH", "ELSE", "END", "ESCAPE", "EXCEPT", "EXCLUDE", "EXCLUSIVE",
    "EXISTS", "EXPLAIN", "FAIL", "FILTER", "FIRST", "FOLLOWING", "FOR", "FOREIGN", "FROM", "FULL",
    "GENERATED", "GLOB", "GROUP", "GROUPS", "HAVING", "IF", "IGNORE", "IMMEDIATE", "IN", "INDEX", "INDEXED",
    "INITIALLY", "INNER", "INSERT", "INSTEAD", "INTERSECT", "INTO", "IS", "ISNULL", "JOIN", "KEY", "LAST",
    "LEFT", "LIKE", "LIMIT", "MATCH", "MATERIALIZED", "NATURAL", "NO", "NOT", "NOTHING", "NOTNULL", "NULL",
    "NULLS", "OF", "OFFSET", "ON", "OR", "ORDER", "OTHERS", "OUTER", "OVER", "PARTITION", "PLAN", "PRAGMA",
    "PRECEDING", "PRIMARY", "QUERY", "RAISE", "RANGE", "RECURSIVE", "REFERENCES", "REGEXP", "REINDEX",
    "RELEASE", "RENAME", "REPLACE", "RESTRICT", "RETURNING", "RIGHT", "ROLLBACK", "ROW", "ROWS",
    "SAVEPOINT", "SELECT", "SET", "TABLE", "TEMP", "TEMPORARY", "THEN", "TIES", "TO", "TRANSACTION",
    "TRIGGER", "UNBOUNDED", "UNION", "UNIQUE", "UPDATE", "USING", "VACUUM", "VALUES", "VIEW", "VIRTUAL",
    "WHEN", "WHERE", "WINDOW", "WITH", "WITHOUT",
};
// clang-format on

int shell_needs_quote(const char *name) {
  if (name == NULL || name[0] == 0) return 1;
  if (!isalpha((unsigned char)name[0]) && name[0] != '_') return 1;
  for (const char *p = name; *p; p++)
    if (!isalnum((unsigned char)*p) && *p != '_') return 1;
  for (size_t i = 0; i < sizeof keywords / sizeof keywords[0]; i++)
    if (strcasecmp(name, keywords[i]) == 0) return 1;
  return 0;
}

void shell_write_identifier(FILE *out, const char *name) {
  if (!shell_needs_quote(name)) {
    fputs(name, out);
    return;
  }
  fputc('"', out);
  for (const char *p = name; *p; p++) {
    if (*p == '"') fputc('"', out);
    fputc(*p, out);
  }
  fputc('"', out);
}

void shell_write_sql_string(FILE *out, const char *s, int newlines) {
  int has_nl = !newlines && strchr(s, '\n') != NULL;
  int has_cr = !newlines && strchr(s, '\r') != NULL;
  if (has_nl) fputs("replace(", out);
  if (has_cr) fputs("replace(", out);
  fputc('\'', out);
  for (const char *p = s; *p; p++) {
    if (*p == '\'')
      fputs("''", out);
    else if (*p == '\n' && has_nl)
      fputs("\\n", out);
    else if (*p == '\r' && has_cr)
      fputs("\\r", out);
    else
      fputc(*p, out);
  }
  fputc('\'', out);
  if (has_cr) fputs(",'\\r',char(13))", out);
  if (has_nl) fputs(",'\\n',char(10))", out);
}

void shell_write_sql_blob(FILE *out, const unsigned char *p, int n) {
  static const char hex[] = "0123456789abcdef";
  fputs("X'", out);
  for (int i = 0; i < n; i++) {
    fputc(hex[p[i] >> 4], out);
    fputc(hex[p[i] & 15], out);
  }
  fputc('\'', out);
}

/* Formats r with 20 significant digits the way SQLite's printf does for "%!.20g": the digits come from
 * long double arithmetic (scale to [1,10) by powers of ten built from the double constants 1e100, 1e10
 * and 10, round at the 20th digit, then peel one digit at a time, at most 26 significant digits),
 * trailing zeros of the fraction are dropped but one digit after the
 * point is kept, and the exponent form is used below 1e-4 or from 1e20 up. This reproduces sqlite3's
 * digits beyond the 17th, which differ from the C library's exact expansion. */
static void format_g20(double value, char *buf, size_t size) {
  char out[80];
  size_t n = 0;
  long double v = value;
  if (v < 0) {
    out[n++] = '-';
    v = -v;
  }
  int precision = 19; /* "%.20g": 20 significant digits = 1 before the point + 19 after scaling */
  long double rounder = 0.5L;
  for (int i = precision; i > 0; i--)
    rounder *= 0.1;
  int exp = 0;
  if (v > 0.0L) {
    long double scale = 1.0L;
    while (v >= 1e100 * scale && exp <= 350) {
      scale *= 1e100;
      exp += 100;
    }
    while (v >= 1e10 * scale && exp <= 350) {
      scale *= 1e10;
      exp += 10;
    }
    while (v >= 10.0L * scale && exp <= 350) {
      scale *= 10.0L;
      exp++;
    }
    v /= scale;
    while (v < 1e-8) {
      v *= 1e8;
      exp -= 8;
    }
    while (v < 1.0L) {
      v *= 10.0L;
      exp--;
    }
  }
  v += rounder;
  if (v >= 10.0L) {
    v *= 0.1;
    exp++;
  }
  int use_exp = exp < -4 || exp > precision;
  int frac = use_exp ? precision : precision - exp;
  int lead = use_exp ? 0 : exp; /* digits before the point, minus one */
  int budget = 26;
#define NEXT_DIGIT()                                                                                         \
  do {                                                                                                       \
    if (budget <= 0) {                                                                                       \
      out[n++] = '0';                                                                                        \
    } else {                                                                                                 \
      budget--;                                                                                              \
      int d = (int)v;                                                                                        \
      out[n++] = (char)('0' + d);                                                                            \
      v = (v - d) * 10.0L;                                                                                   \
    }                                                                                                        \
  } while (0)
  if (lead < 0) {
    out[n++] = '0';
  } else {
    for (; lead >= 0; lead--)
      NEXT_DIGIT();
  }
  out[n++] = '.';
  for (lead++; lead < 0 && frac > 0; frac--, lead++)
    out[n++] = '0';
  while (frac-- > 0 && n < sizeof out - 8)
    NEXT_DIGIT();
#undef NEXT_DIGIT
  while (out[n - 1] == '0')
    n--;
  if (out[n - 1] == '.') out[n++] = '0';
  if (use_exp) {
    out[n++] = 'e';
    if (exp < 0) {
      out[n++] = '-';
      exp = -exp;
    } else {
      out[n++] = '+';
    }
    if (exp >= 100) {
      out[n++] = (char)('0' + exp / 100);
      exp %= 100;
    }
    out[n++] = (char)('0' + exp / 10);
    out[n++] = (char)('0' + exp % 10);
  }
  out[n] = 0;
  snprintf(buf, size, "%s", out);
}

void shell_format_real(double r, char *buf, size_t size) {
  if (isinf(r)) {
    snprintf(buf, size, "%s", r > 0 ? "1e999" : "-1e999");
    return;
  }
  if (isnan(r)) {
    snprintf(buf, size, "NULL");
    return;
  }
  if (r > -9.2e18 && r < 9.2e18 && r == (double)(int64_t)r) {
    snprintf(buf, size, "%lld.0", (long long)(int64_t)r);
    return;
  }
  format_g20(r, buf, size);
}

static void write_json_string(FILE *out, const unsigned char *s, int n) {
  fputc('"', out);
  for (int i = 0; i < n; i++) {
    unsigned char c = s[i];
    switch (c) {
    case '"': fputs("\\\"", out); break;
    case '\\': fputs("\\\\", out); break;
    case '\b': fputs("\\b", out); break;
    case '\f': fputs("\\f", out); break;
    case '\n': fputs("\\n", out); break;
    case '\r': fputs("\\r", out); break;
    case '\t': fputs("\\t", out); break;
    default:
      if (c < 0x20)
        fprintf(out, "\\u%04x", c);
      else
        fputc(c, out);
    }
  }
  fputc('"', out);
}

static int csv_needs_quote(const char *s, const char *sep) {
  if (*s == 0) return 1;
  for (const unsigned char *p = (const unsigned char *)s; *p; p++)
    if (*p <= 0x20 || *p >= 0x7f || *p == '"' || *p == '\'') return 1;
  return sep[0] && strstr(s, sep) != NULL;
}

static void write_csv_field(FILE *out, const char *s, const char *sep) {
  if (!csv_needs_quote(s, sep)) {
    fputs(s, out);
    return;
  }
  fputc('"', out);
  for (const char *p = s; *p; p++) {
    if (*p == '"') fputc('"', out);
    fputc(*p, out);
  }
  fputc('"', out);
}

/* A TCL string: double-quoted, with \" \\ \t \n \r and octal escapes for other bytes outside 0x20..0x7e. */
static void write_tcl(FILE *out, const char *s) {
  fputc('"', out);
  for (const unsigned char *p = (const unsigned char *)s; p && *p; p++) {
    switch (*p) {
    case '"': fputs("\\\"", out); break;
    case '\\': fputs("\\\\", out); break;
    case '\t': fputs("\\t", out); break;
    case '\n': fputs("\\n", out); break;
    case '\r': fputs("\\r", out); break;
    default:
      if (*p < 0x20 || *p >= 0x7f)
        fprintf(out, "\\%03o", *p);
      else
        fputc(*p, out);
    }
  }
  fputc('"', out);
}

static void write_html(FILE *out, const char *s) {
  for (; s && *s; s++) {
    switch (*s) {
    case '<': fputs("&lt;", out); break;
    case '>': fputs("&gt;", out); break;
    case '&': fputs("&amp;", out); break;
    case '"': fputs("&quot;", out); break;
    case '\'': fputs("&#39;", out); break;
    default: fputc(*s, out);
    }
  }
}

/* A value as an SQL literal, as insert and quote modes print it. */
static void write_sql_value(struct shell *sh, mica_stmt *stmt, int i, int insert_mode) {
  char buf[64];
  switch (mica_column_type(stmt, i)) {
  case MICA_NULL: fputs("NULL", sh->out); break;
  case MICA_INTEGER: fprintf(sh->out, "%lld", (long long)mica_column_int64(stmt, i)); break;
  case MICA_FLOAT:
    shell_format_real(mica_column_double(stmt, i), buf, sizeof buf);
    fputs(buf, sh->out);
    break;
  case MICA_BLOB: {
    const unsigned char *p = mica_column_blob(stmt, i);
    shell_write_sql_blob(sh->out, p, mica_column_bytes(stmt, i));
    break;
  }
  default: {
    const char *t = (const char *)mica_column_text(stmt, i);
    shell_write_sql_string(sh->out, t ? t : "", !insert_mode);
  }
  }
}

/* ---------------------------------------------------------------- streaming modes */
static const char *text_or_null(struct shell *sh, mica_stmt *stmt, int i) {
  const char *t = (const char *)mica_column_text(stmt, i);
  return t ? t : sh->nullvalue;
}

static void print_row_streaming(struct shell *sh, mica_stmt *stmt, int ncol, int first) {
  FILE *out = sh->out;
  switch (sh->mode) {
  case SHELL_MODE_LIST:
  case SHELL_MODE_TABS:
  case SHELL_MODE_ASCII:
  case SHELL_MODE_CSV: {
    int csv = sh->mode == SHELL_MODE_CSV;
    const char *sep = sh->mode == SHELL_MODE_TABS ? "\t" : sh->colsep;
    if (first && sh->headers) {
      for (int i = 0; i < ncol; i++) {
        if (i) fputs(sep, out);
        const char *name = mica_column_name(stmt, i);
        if (csv)
          write_csv_field(out, name ? name : "", sep);
        else
          fputs(name ? name : "", out);
      }
      fputs(sh->rowsep, out);
    }
    for (int i = 0; i < ncol; i++) {
      if (i) fputs(sep, out);
      if (csv && mica_column_type(stmt, i) != MICA_NULL)
        write_csv_field(out, text_or_null(sh, stmt, i), sep);
      else
        fputs(text_or_null(sh, stmt, i), out);
    }
    fputs(sh->rowsep, out);
    break;
  }
  case SHELL_MODE_TCL:
    if (first && sh->headers) {
      for (int i = 0; i < ncol; i++) {
        if (i) fputs(sh->colsep, out);
        write_tcl(out, mica_column_name(stmt, i));
      }
      fputs(sh->rowsep, out);
    }
    for (int i = 0; i < ncol; i++) {
      if (i) fputs(sh->colsep, out);
      write_tcl(out, text_or_null(sh, stmt, i));
    }
    fputs(sh->rowsep, out);
    break;
  case SHELL_MODE_HTML:
    if (first && sh->headers) {
      fputs("<TR>", out);
      for (int i = 0; i < ncol; i++) {
        fputs("<TH>", out);
        write_html(out, mica_column_name(stmt, i));
        fputs("</TH>\n", out);
      }
      fputs("</TR>\n", out);
    }
    fputs("<TR>", out);
    for (int i = 0; i < ncol; i++) {
      fputs("<TD>", out);
      write_html(out, text_or_null(sh, stmt, i));
      fputs("</TD>\n", out);
    }
    fputs("</TR>\n", out);
    break;
  case SHELL_MODE_QUOTE:
    if (first && sh->headers) {
      for (int i = 0; i < ncol; i++) {
        if (i) fputc(',', out);
        const char *name = mica_column_name(stmt, i);
        shell_write_sql_string(out, name ? name : "", 1);
      }
      fputs(sh->rowsep, out);
    }
    for (int i = 0; i < ncol; i++) {
      if (i) fputc(',', out);
      write_sql_value(sh, stmt, i, 0);
    }
    fputs(sh->rowsep, out);
    break;
  case SHELL_MODE_INSERT:
    fputs("INSERT INTO ", out);
    shell_write_identifier(out, sh->insert_table ? sh->insert_table : "table");
    if (sh->headers) {
      fputc('(', out);
      for (int i = 0; i < ncol; i++) {
        if (i) fputc(',', out);
        const char *name = mica_column_name(stmt, i);
        shell_write_identifier(out, name ? name : "");
      }
      fputc(')', out);
    }
    fputs(" VALUES(", out);
    for (int i = 0; i < ncol; i++) {
      if (i) fputc(',', out);
      write_sql_value(sh, stmt, i, 1);
    }
    fputs(");\n", out);
    break;
  case SHELL_MODE_JSON:
    fputs(first ? "[{" : ",\n{", out);
    for (int i = 0; i < ncol; i++) {
      if (i) fputc(',', out);
      const char *name = mica_column_name(stmt, i);
      write_json_string(out, (const unsigned char *)(name ? name : ""), name ? (int)strlen(name) : 0);
      fputc(':', out);
      switch (mica_column_type(stmt, i)) {
      case MICA_NULL: fputs("null", out); break;
      case MICA_INTEGER: fprintf(out, "%lld", (long long)mica_column_int64(stmt, i)); break;
      case MICA_FLOAT: {
        char buf[64];
        shell_format_real(mica_column_double(stmt, i), buf, sizeof buf);
        fputs(buf, out);
        break;
      }
      case MICA_BLOB: {
        const unsigned char *p = mica_column_blob(stmt, i);
        write_json_string(out, p, mica_column_bytes(stmt, i));
        break;
      }
      default: {
        const unsigned char *t = mica_column_text(stmt, i);
        write_json_string(out, t, mica_column_bytes(stmt, i));
      }
      }
    }
    fputc('}', out);
    break;
  case SHELL_MODE_LINE: {
    int w = 5;
    for (int i = 0; i < ncol; i++) {
      const char *name = mica_column_name(stmt, i);
      int len = name ? (int)strlen(name) : 0;
      if (len > w) w = len;
    }
    if (!first) fputs(sh->rowsep, out);
    for (int i = 0; i < ncol; i++) {
      const char *name = mica_column_name(stmt, i);
      fprintf(out, "%*s = %s\n", w, name ? name : "", text_or_null(sh, stmt, i));
    }
    break;
  }
  default: break;
  }
}

/* ---------------------------------------------------------------- columnar modes */
/* Display width of the first n bytes of s, in UTF-8 characters. */
static int utf8_width(const char *s, size_t n) {
  int w = 0;
  for (size_t i = 0; i < n; i++)
    if (((unsigned char)s[i] & 0xc0) != 0x80) w++;
  return w;
}

/* Converts a cell to its display form: lines separated by '\n', tabs expanded. With limit > 0 a line
 * holds at most limit characters: longer ones wrap, or with truncate are cut. Caller frees. */
static char *display_text(const char *s, int limit, int truncate, int *width, int *nlines) {
  size_t cap = strlen(s) + 1, n = 0;
  char *d = malloc(cap);
  if (d == NULL) return NULL;
  int col = 0, w = 0, lines = 1;
  for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
    if (n + 9 >= cap) {
      cap = cap * 2 + 16;
      char *nd = realloc(d, cap);
      if (nd == NULL) {
        free(d);
        return NULL;
      }
      d = nd;
    }
    if (*p == '\t') {
      do {
        d[n++] = ' ';
        col++;
      } while (col % 8);
    } else if (*p < 0x20) {
      if (col > w) w = col;
      d[n++] = '\n';
      col = 0;
      lines++;
    } else {
      if (limit > 0 && col >= limit && (*p & 0xc0) != 0x80) {
        if (truncate) break;
        if (col > w) w = col;
        d[n++] = '\n';
        col = 0;
        lines++;
      }
      d[n++] = (char)*p;
      if ((*p & 0xc0) != 0x80) col++;
    }
  }
  if (col > w) w = col;
  if (n > 0 && d[n - 1] == '\n' && lines > 1) {
    n--; /* a final empty line is not shown */
    lines--;
  }
  d[n] = 0;
  *width = w;
  *nlines = lines;
  return d;
}

struct grid {
  int ncol;
  size_t nrow, cap; /* rows of cells, row 0 = the column names */
  char **cells;     /* (nrow) * ncol display strings */
  int *width;
  const int *fixed; /* .width settings: 0 auto, N fixed, -N fixed and right-aligned */
  int nfixed;
  int *cell_lines; /* lines per cell, same layout as cells */
  int multiline;
};

static int grid_add_row(struct grid *g, const char *const *values) {
  if (g->nrow == g->cap) {
    size_t cap = g->cap ? g->cap * 2 : 16;
    char **c = realloc(g->cells, cap * g->ncol * sizeof(char *));
    if (c == NULL) return MICA_NOMEM;
    memset(c + g->cap * g->ncol, 0, (cap - g->cap) * g->ncol * sizeof(char *));
    g->cells = c;
    int *l = realloc(g->cell_lines, cap * g->ncol * sizeof(int));
    if (l == NULL) return MICA_NOMEM;
    g->cell_lines = l;
    g->cap = cap;
  }
  for (int i = 0; i < g->ncol; i++) {
    int w, lines, spec = i < g->nfixed ? g->fixed[i] : 0;
    int limit = spec < 0 ? -spec : spec;
    char *d = display_text(values[i], limit, g->nrow == 0, &w, &lines);
    if (d == NULL) {
      for (int j = 0; j < i; j++)
        free(g->cells[g->nrow * g->ncol + j]);
      return MICA_NOMEM;
    }
    g->cells[g->nrow * g->ncol + i] = d;
    g->cell_lines[g->nrow * g->ncol + i] = lines;
    if (lines > 1 && g->nrow > 0) g->multiline = 1;
    if (limit > 0)
      g->width[i] = limit;
    else if (w > g->width[i])
      g->width[i] = w;
  }
  g->nrow++;
  return MICA_OK;
}

static void grid_free(struct grid *g) {
  for (size_t i = 0; i < g->nrow * g->ncol; i++)
    free(g->cells[i]);
  free(g->cells);
  free(g->cell_lines);
  free(g->width);
}

/* The text of line `line` of a display string, as (start, length). */
static const char *cell_line(const char *s, int line, size_t *len) {
  for (; line > 0 && s; line--) {
    s = strchr(s, '\n');
    if (s) s++;
  }
  if (s == NULL) {
    *len = 0;
    return "";
  }
  const char *e = strchr(s, '\n');
  *len = e ? (size_t)(e - s) : strlen(s);
  return s;
}

static void put_repeat(FILE *out, const char *s, int n) {
  for (int i = 0; i < n; i++)
    fputs(s, out);
}

enum { ALIGN_LEFT, ALIGN_CENTRE, ALIGN_RIGHT };

static void put_padded(FILE *out, const char *s, size_t len, int width, int align) {
  int pad = width - utf8_width(s, len);
  if (pad < 0) pad = 0;
  int left = align == ALIGN_CENTRE ? pad / 2 : align == ALIGN_RIGHT ? pad : 0;
  put_repeat(out, " ", left);
  fwrite(s, 1, len, out);
  put_repeat(out, " ", pad - left);
}

/* A horizontal rule of box/table mode: left, fill, middle, right pieces. */
static void put_rule(FILE *out, const struct grid *g, const char *l, const char *f, const char *m,
                     const char *r) {
  fputs(l, out);
  for (int i = 0; i < g->ncol; i++) {
    if (i) fputs(m, out);
    put_repeat(out, f, g->width[i] + 2);
  }
  fputs(r, out);
  fputc('\n', out);
}

static void put_grid_row(struct shell *sh, const struct grid *g, size_t row, int centre) {
  FILE *out = sh->out;
  int lines = 1;
  for (int i = 0; i < g->ncol; i++)
    if (g->cell_lines[row * g->ncol + i] > lines) lines = g->cell_lines[row * g->ncol + i];
  const char *bar = sh->mode == SHELL_MODE_BOX || sh->mode == SHELL_MODE_QBOX ? "\xe2\x94\x82" : "|";
  for (int line = 0; line < lines; line++) {
    for (int i = 0; i < g->ncol; i++) {
      size_t len;
      const char *s = cell_line(g->cells[row * g->ncol + i], line, &len);
      int right = i < g->nfixed && g->fixed[i] < 0;
      int align = centre ? ALIGN_CENTRE : right ? ALIGN_RIGHT : ALIGN_LEFT;
      if (sh->mode == SHELL_MODE_COLUMN) {
        if (i) fputs("  ", out);
        put_padded(out, s, len, g->width[i], right ? ALIGN_RIGHT : ALIGN_LEFT);
      } else {
        fputs(i ? " " : "", out);
        fputs(bar, out);
        fputc(' ', out);
        put_padded(out, s, len, g->width[i], align);
      }
    }
    if (sh->mode != SHELL_MODE_COLUMN) {
      fputc(' ', out);
      fputs(bar, out);
    }
    fputc('\n', out);
  }
}

static void print_grid(struct shell *sh, const struct grid *g) {
  FILE *out = sh->out;
  if (g->nrow <= 1) return; /* no data rows: nothing at all */
  if (sh->mode == SHELL_MODE_COLUMN) {
    if (sh->headers) {
      put_grid_row(sh, g, 0, 0);
      for (int i = 0; i < g->ncol; i++) {
        if (i) fputs("  ", out);
        put_repeat(out, "-", g->width[i]);
      }
      fputc('\n', out);
    }
    for (size_t r = 1; r < g->nrow; r++) {
      if (r > 1 && g->multiline) fputc('\n', out);
      put_grid_row(sh, g, r, 0);
    }
    return;
  }
  if (sh->mode == SHELL_MODE_MARKDOWN) {
    put_grid_row(sh, g, 0, 1);
    fputc('|', out);
    for (int i = 0; i < g->ncol; i++) {
      put_repeat(out, "-", g->width[i] + 2);
      fputc('|', out);
    }
    fputc('\n', out);
    for (size_t r = 1; r < g->nrow; r++)
      put_grid_row(sh, g, r, 0);
    return;
  }
  int box = sh->mode == SHELL_MODE_BOX || sh->mode == SHELL_MODE_QBOX;
  const char *h = box ? "\xe2\x94\x80" : "-";
  if (box)
    put_rule(out, g, "\xe2\x94\x8c", h, "\xe2\x94\xac", "\xe2\x94\x90");
  else
    put_rule(out, g, "+", h, "+", "+");
  put_grid_row(sh, g, 0, 1);
  if (box)
    put_rule(out, g, "\xe2\x94\x9c", h, "\xe2\x94\xbc", "\xe2\x94\xa4");
  else
    put_rule(out, g, "+", h, "+", "+");
  for (size_t r = 1; r < g->nrow; r++) {
    if (r > 1 && g->multiline) {
      if (box)
        put_rule(out, g, "\xe2\x94\x9c", h, "\xe2\x94\xbc", "\xe2\x94\xa4");
      else
        put_rule(out, g, "+", h, "+", "+");
    }
    put_grid_row(sh, g, r, 0);
  }
  if (box)
    put_rule(out, g, "\xe2\x94\x94", h, "\xe2\x94\xb4", "\xe2\x94\x98");
  else
    put_rule(out, g, "+", h, "+", "+");
}

/* A value as qbox shows it (like SQL's quote(): NULL, numbers as text, 'text', x'blob'); caller frees. */
static char *quote_value(mica_stmt *stmt, int i) {
  char *out = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&out, &len);
  if (f == NULL) return NULL;
  switch (mica_column_type(stmt, i)) {
  case MICA_NULL: fputs("NULL", f); break;
  case MICA_INTEGER:
  case MICA_FLOAT: {
    const char *t = (const char *)mica_column_text(stmt, i);
    fputs(t ? t : "", f);
    break;
  }
  case MICA_BLOB: {
    const unsigned char *p = mica_column_blob(stmt, i);
    int n = mica_column_bytes(stmt, i);
    fputs("x'", f);
    for (int k = 0; k < n; k++)
      fprintf(f, "%02x", p[k]);
    fputc('\'', f);
    break;
  }
  default: {
    const char *t = (const char *)mica_column_text(stmt, i);
    shell_write_sql_string(f, t ? t : "", 1);
  }
  }
  fclose(f);
  return out;
}

static int output_columnar(struct shell *sh, mica_stmt *stmt, int ncol) {
  struct grid g = {.ncol = ncol, .fixed = sh->widths, .nfixed = sh->nwidths};
  const char **values = calloc(ncol, sizeof(char *));
  g.width = calloc(ncol, sizeof(int));
  int rc = MICA_NOMEM;
  if (values == NULL || g.width == NULL) goto done;
  for (int i = 0; i < ncol; i++) {
    values[i] = mica_column_name(stmt, i);
    if (values[i] == NULL) values[i] = "";
  }
  if (grid_add_row(&g, values) != MICA_OK) goto done;
  while ((rc = mica_step(stmt)) == MICA_ROW) {
    char **quoted = NULL;
    if (sh->mode == SHELL_MODE_QBOX) {
      quoted = calloc(ncol, sizeof(char *));
      for (int i = 0; quoted && i < ncol; i++) {
        quoted[i] = quote_value(stmt, i);
        values[i] = quoted[i] ? quoted[i] : "";
      }
    } else {
      for (int i = 0; i < ncol; i++)
        values[i] = text_or_null(sh, stmt, i);
    }
    int added = quoted || sh->mode != SHELL_MODE_QBOX ? grid_add_row(&g, values) : MICA_NOMEM;
    for (int i = 0; quoted && i < ncol; i++)
      free(quoted[i]);
    free(quoted);
    if (added != MICA_OK) {
      rc = MICA_NOMEM;
      break;
    }
  }
  print_grid(sh, &g);
done:
  free(values);
  grid_free(&g);
  return rc;
}

/* ---------------------------------------------------------------- EXPLAIN QUERY PLAN */
/* EXPLAIN QUERY PLAN rows are (id, parent, notused, detail); they are drawn as a tree whatever the
 * mode, as sqlite3 does:
 *   QUERY PLAN
 *   |--first child of the root
 *   |  `--its only child
 *   `--last child of the root
 */
struct eqp_row {
  int id, parent;
  char *detail;
};

static void eqp_render(FILE *out, const struct eqp_row *rows, size_t n, int parent, char *prefix,
                       size_t plen) {
  for (size_t i = 0; i < n; i++) {
    if (rows[i].parent != parent) continue;
    int last = 1;
    for (size_t j = i + 1; j < n; j++)
      if (rows[j].parent == parent) last = 0;
    fprintf(out, "%.*s%s%s\n", (int)plen, prefix, last ? "`--" : "|--", rows[i].detail);
    if (plen + 4 < 400) {
      memcpy(prefix + plen, last ? "   " : "|  ", 3);
      eqp_render(out, rows, n, rows[i].id, prefix, plen + 3);
    }
  }
}

static int output_query_plan(struct shell *sh, mica_stmt *stmt) {
  struct eqp_row *rows = NULL;
  size_t n = 0, cap = 0;
  int rc;
  while ((rc = mica_step(stmt)) == MICA_ROW) {
    if (n == cap) {
      cap = cap ? cap * 2 : 16;
      struct eqp_row *r = realloc(rows, cap * sizeof *rows);
      if (r == NULL) {
        rc = MICA_NOMEM;
        break;
      }
      rows = r;
    }
    const char *d = (const char *)mica_column_text(stmt, 3);
    rows[n].id = (int)mica_column_int64(stmt, 0);
    rows[n].parent = (int)mica_column_int64(stmt, 1);
    rows[n].detail = strdup(d ? d : "");
    if (rows[n].detail == NULL) {
      rc = MICA_NOMEM;
      break;
    }
    n++;
  }
  if (n > 0) {
    char prefix[400];
    fputs("QUERY PLAN\n", sh->out);
    eqp_render(sh->out, rows, n, 0, prefix, 0);
  }
  for (size_t i = 0; i < n; i++)
    free(rows[i].detail);
  free(rows);
  return rc;
}

/* ---------------------------------------------------------------- EXPLAIN */
/* EXPLAIN rows (addr, opcode, p1, p2, p3, p4, p5, comment) are shown in fixed-width columns whatever the
 * mode, as sqlite3 does, with the body of each loop indented by two spaces per level: a loop is the range
 * from a Next-style opcode's (or a subroutine Return's) jump target (p2 > 0) up to it, or from a backward
 * Goto's target up to the Goto when the target starts a loop (Yield, SeekLT, SeekGT, RowSetRead, Rewind) or
 * the Goto's p1 is set. */
static int in_list(const char *s, const char *const *list) {
  for (; *list; list++)
    if (strcmp(s, *list) == 0) return 1;
  return 0;
}

static int output_explain(struct shell *sh, mica_stmt *stmt) {
  static const int widths[8] = {4, 13, 4, 4, 4, 13, 2, 13};
  static const char *const names[8] = {"addr", "opcode", "p1", "p2", "p3", "p4", "p5", "comment"};
  static const char *const loop_ends[] = {"Next", "Prev", "VNext", "VPrev", "SorterNext", "Return", NULL};
  static const char *const loop_starts[] = {"Yield", "SeekLT", "SeekGT", "RowSetRead", "Rewind", NULL};
  char **cells = NULL; /* 8 per row */
  size_t n = 0, cap = 0;
  int rc;
  while ((rc = mica_step(stmt)) == MICA_ROW) {
    if (n == cap) {
      cap = cap ? cap * 2 : 32;
      char **c = realloc(cells, cap * 8 * sizeof(char *));
      if (c == NULL) {
        rc = MICA_NOMEM;
        break;
      }
      cells = c;
    }
    for (int i = 0; i < 8; i++) {
      const char *t = (const char *)mica_column_text(stmt, i);
      cells[n * 8 + i] = strdup(t ? t : "");
    }
    n++;
  }
  int *indent = calloc(n ? n : 1, sizeof(int));
  if (indent == NULL) rc = MICA_NOMEM;
  for (size_t i = 0; indent && i < n; i++) {
    const char *op = cells[i * 8 + 1] ? cells[i * 8 + 1] : "";
    long target = cells[i * 8 + 3] ? strtol(cells[i * 8 + 3], NULL, 10) : 0;
    long p1 = cells[i * 8 + 2] ? strtol(cells[i * 8 + 2], NULL, 10) : 0;
    int loop = 0;
    if (in_list(op, loop_ends) && target > 0 && (size_t)target < i) loop = 1;
    if (strcmp(op, "Goto") == 0 && target >= 0 && (size_t)target < i &&
        (p1 != 0 || (cells[target * 8 + 1] && in_list(cells[target * 8 + 1], loop_starts))))
      loop = 1;
    if (loop)
      for (size_t j = (size_t)target; j < i; j++)
        indent[j] += 2;
  }
  if (n > 0 && indent) {
    FILE *out = sh->out;
    for (int c = 0; c < 8; c++)
      fprintf(out, "%s%-*s", c ? "  " : "", widths[c], names[c]);
    fputc('\n', out);
    for (int c = 0; c < 8; c++) {
      fputs(c ? "  " : "", out);
      put_repeat(out, "-", widths[c]);
    }
    fputc('\n', out);
    for (size_t i = 0; i < n; i++) {
      for (int c = 0; c < 8; c++) {
        const char *v = cells[i * 8 + c] ? cells[i * 8 + c] : "";
        if (c) fputs("  ", out);
        if (c == 1) put_repeat(out, " ", indent[i]);
        if (c == 7)
          fputs(v, out);
        else
          put_padded(out, v, strlen(v), widths[c], 0);
      }
      fputc('\n', out);
    }
  }
  for (size_t i = 0; i < n * 8; i++)
    free(cells[i]);
  free(cells);
  free(indent);
  return rc;
}

int shell_output_stmt(struct shell *sh, mica_stmt *stmt) {
  int ncol = mica_column_count(stmt);
  int rc;
  if (ncol == 4 && mica_stmt_isexplain(stmt) == 2) return output_query_plan(sh, stmt);
  if (ncol == 8 && mica_stmt_isexplain(stmt) == 1) return output_explain(sh, stmt);
  if (ncol == 0) {
    while ((rc = mica_step(stmt)) == MICA_ROW) {
    }
    return rc;
  }
  switch (sh->mode) {
  case SHELL_MODE_COLUMN:
  case SHELL_MODE_BOX:
  case SHELL_MODE_TABLE:
  case SHELL_MODE_QBOX:
  case SHELL_MODE_MARKDOWN: return output_columnar(sh, stmt, ncol);
  default: break;
  }
  int first = 1;
  while ((rc = mica_step(stmt)) == MICA_ROW) {
    print_row_streaming(sh, stmt, ncol, first);
    first = 0;
  }
  if (sh->mode == SHELL_MODE_JSON && !first) fputs("]\n", sh->out);
  return rc;
}
