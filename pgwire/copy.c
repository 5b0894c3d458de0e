/*
 * copy.c: COPY ... FROM STDIN and COPY ... TO STDOUT over the simple query protocol (worker thread).
 *
 * STATEMENT
 *   COPY name [(col, ...)] FROM STDIN [options]      COPY {name [(col, ...)] | (query)} TO STDOUT [options]
 *   options: WITH (FORMAT text|csv, HEADER [bool], DELIMITER 'c', NULL 's', QUOTE 'c', ESCAPE 'c') or the
 *   old forms [WITH] [BINARY] [CSV [HEADER] [QUOTE [AS] 'c'] [ESCAPE [AS] 'c']] [DELIMITER [AS] 'c']
 *   [NULL [AS] 's'], and FORMAT binary / BINARY. Files and programs (server side) are refused: use
 *   psql's \copy.
 *
 * COPY FROM STDIN (a state that spans messages)
 *   Start: the target is checked by compiling INSERT INTO name (cols) VALUES (?, ...) (all columns of the
 *   table when none are listed), a transaction is begun when none is open (COPY is atomic), and
 *   CopyInResponse is sent. Then each CopyData is appended to a line buffer and complete rows are
 *   decoded and inserted; CopyDone finishes the last row, commits and sends "COPY n"; CopyFail rolls
 *   back with 57014. An error while loading ends the COPY at once: ErrorResponse, rollback, then
 *   ReadyForQuery, without waiting for CopyDone (the protocol's rule for a COPY from a Query message,
 *   which postgres.js relies on to fail a copy stream); the CopyData/CopyDone/CopyFail the client
 *   still sends are dropped by the session's loop, as PostgreSQL drops them. Flush and Sync are ignored
 *   during COPY, as in PostgreSQL; any other message aborts it with 08P01 and, as PostgreSQL, ends the
 *   connection (FATAL 08P01: protocol synchronization was lost). Statements after the COPY in the same
 *   Query message are not run. Text must be valid UTF-8 (22021): text and csv lines as received, text
 *   fields after their escapes, binary fields of text types.
 *
 * ROW FORMATS
 *   text: fields split at the delimiter (tab), \N is NULL, backslash escapes \b \f \n \r \t \v \\ \ooo
 *   \xhh; a line "\." ends the data. csv: fields split at the delimiter (comma), "quoted" fields may hold
 *   delimiters, newlines and doubled quotes, an unquoted empty field is NULL, HEADER skips (in) or writes
 *   (out) the first line. binary: PostgreSQL's binary COPY format: the 11-byte signature
 *   "PGCOPY\n\377\r\n\0", int32 flags (0; bit 16, OIDs, is refused) and an int32 header-extension
 *   length (skipped); then per row an int16 field count and per field an int32 length (-1 NULL) and
 *   the value in the type's binary send format; int16 -1 ends the data. Out, each column's type is the
 *   one RowDescription would give (declared type, else the first row's storage class); in, each field
 *   (text and csv too) is decoded for the target column's declared type as a parameter in that format
 *   would be (pgtypes_decode_param): 'x' into an integer column is 22P02, '\x00ff' into bytea is bytes. Out,
 * one CopyData message per row; the header rides in the first row's message (PostgreSQL does the same, and
 * psycopg 3 relies on it), the trailer has its own.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "pgtypes.h"
#include "session_int.h"

typedef struct copy_state {
  int csv;
  int binary;
  int header_seen; /* binary: the signature and header were read */
  uint32_t *oids;  /* the target columns' types, [ncols]: fields are decoded as parameters of them */
  int header;
  char delim, quote, escape;
  char null_str[32];
  mica_stmt *insert;
  int ncols;
  int commit_at_end; /* we opened the transaction (or an implicit one is open) */
  int failed;        /* error reported; the COPY ends when the current message is done */
  int done_marker;   /* saw "\." */
  int64_t rows;
  int64_t lineno;
  char *buf; /* undecoded bytes */
  size_t len, cap;
} copy_state;

typedef struct copy_opts {
  int csv, header, binary;
  char delim, quote, escape;
  char null_str[32];
} copy_opts;

/* ------------------------------------------------------------------------------------------------
 * Statement parsing: a small tokenizer over the COPY text.
 */
typedef struct {
  const char *p, *end;
} tok;

/* Returns 0 end, 1 word (lower-cased unless quoted), 2 string, 3 punctuation, 4 quoted identifier. */
static int next(tok *t, char *out, size_t outlen) {
  while (t->p < t->end && isspace((unsigned char)*t->p))
    t->p++;
  if (t->p >= t->end || *t->p == ';') return 0;
  size_t n = 0;
  const char *p = t->p;
  if (*p == '\'' || ((*p == 'E' || *p == 'e') && p[1] == '\'')) {
    int esc = *p != '\'';
    p += esc ? 2 : 1;
    while (p < t->end) {
      if (*p == '\'' && p + 1 < t->end && p[1] == '\'') {
        if (n < outlen - 1) out[n++] = '\'';
        p += 2;
      } else if (*p == '\'')
        break;
      else if (esc && *p == '\\' && p + 1 < t->end) {
        char c = p[1];
        c = c == 't' ? '\t' : c == 'n' ? '\n' : c == 'r' ? '\r' : c;
        if (n < outlen - 1) out[n++] = c;
        p += 2;
      } else {
        if (n < outlen - 1) out[n++] = *p;
        p++;
      }
    }
    out[n] = 0;
    t->p = p < t->end ? p + 1 : p;
    return 2;
  }
  if (*p == '"') {
    p++;
    while (p < t->end && *p != '"') {
      if (n < outlen - 1) out[n++] = *p;
      p++;
    }
    out[n] = 0;
    t->p = p < t->end ? p + 1 : p;
    return 4;
  }
  if (isalnum((unsigned char)*p) || *p == '_' || *p == '.') {
    while (p < t->end && (isalnum((unsigned char)*p) || *p == '_' || *p == '.' || *p == '$')) {
      if (n < outlen - 1) out[n++] = (char)tolower((unsigned char)*p);
      p++;
    }
    out[n] = 0;
    t->p = p;
    return 1;
  }
  out[0] = *p;
  out[1] = 0;
  t->p = p + 1;
  return 3;
}

static void append_ident(pqbuf *b, const char *name) {
  pqbuf_put_byte(b, '"');
  for (const char *c = name; *c; c++) {
    if (*c == '"') pqbuf_put_byte(b, '"');
    pqbuf_put_byte(b, (uint8_t)*c);
  }
  pqbuf_put_byte(b, '"');
}

/* Appends a possibly qualified table name; "public." is dropped (one schema per database file). */
static void append_table(pqbuf *b, const char *name) {
  const char *dot = strchr(name, '.');
  if (dot && !strncmp(name, "public.", 7))
    name += 7;
  else if (dot) {
    pqbuf_put_bytes(b, "\"", 1);
    for (const char *c = name; c < dot; c++)
      pqbuf_put_byte(b, (uint8_t)*c);
    pqbuf_put_bytes(b, "\".", 2);
    name = dot + 1;
  }
  append_ident(b, name);
}

static int set_char_opt(char *dst, const char *v) {
  if (strlen(v) != 1) return -1;
  *dst = v[0];
  return 0;
}

/* Parses options after STDIN/STDOUT. Returns 0 or -1 with message. */
static int parse_options(tok *t, copy_opts *o, char *err, size_t errlen) {
  char w[256], v[256];
  int k = next(t, w, sizeof w);
  if (k == 1 && !strcmp(w, "with")) k = next(t, w, sizeof w);
  if (k == 3 && w[0] == '(') {
    for (;;) {
      k = next(t, w, sizeof w);
      if (k != 1) break;
      int vk = next(t, v, sizeof v);
      int bool_val = 1;
      if (vk == 3 && (v[0] == ',' || v[0] == ')')) { /* option without value */
        t->p--;
        v[0] = 0;
      } else if (vk == 1 && (!strcmp(v, "false") || !strcmp(v, "off") || !strcmp(v, "0")))
        bool_val = 0;
      if (!strcmp(w, "format")) {
        if (!strcmp(v, "csv"))
          o->csv = 1;
        else if (!strcmp(v, "binary"))
          o->binary = 1;
        else if (strcmp(v, "text"))
          goto bad;
      } else if (!strcmp(w, "header"))
        o->header = bool_val;
      else if (!strcmp(w, "delimiter")) {
        if (set_char_opt(&o->delim, v)) goto badchar;
      } else if (!strcmp(w, "quote")) {
        if (set_char_opt(&o->quote, v)) goto badchar;
      } else if (!strcmp(w, "escape")) {
        if (set_char_opt(&o->escape, v)) goto badchar;
      } else if (!strcmp(w, "null"))
        snprintf(o->null_str, sizeof o->null_str, "%s", v);
      else if (!strcmp(w, "encoding")) {
        if (strcasecmp(v, "utf8") && strcasecmp(v, "utf-8")) goto bad;
      } else if (strcmp(w, "freeze"))
        goto bad;
      k = next(t, w, sizeof w);
      if (k == 3 && w[0] == ')') return 0;
      if (k != 3 || w[0] != ',') goto bad;
    }
    goto bad;
  }
  while (k > 0) {
    if (k != 1) goto bad;
    if (!strcmp(w, "csv"))
      o->csv = 1;
    else if (!strcmp(w, "binary"))
      o->binary = 1;
    else if (!strcmp(w, "header"))
      o->header = 1;
    else if (!strcmp(w, "delimiter") || !strcmp(w, "null") || !strcmp(w, "quote") || !strcmp(w, "escape")) {
      int vk = next(t, v, sizeof v);
      if (vk == 1 && !strcmp(v, "as")) vk = next(t, v, sizeof v);
      if (vk != 2) goto bad;
      if (!strcmp(w, "null"))
        snprintf(o->null_str, sizeof o->null_str, "%s", v);
      else if (set_char_opt(!strcmp(w, "delimiter") ? &o->delim
                            : !strcmp(w, "quote")   ? &o->quote
                                                    : &o->escape,
                            v))
        goto badchar;
    } else
      goto bad;
    k = next(t, w, sizeof w);
  }
  return 0;
badchar:
  snprintf(err, errlen, "COPY %s must be a single one-byte character", w);
  return -1;
bad:
  snprintf(err, errlen, "syntax error in COPY options near \"%s\"", w);
  return -1;
}

/* ------------------------------------------------------------------------------------------------
 * COPY TO STDOUT.
 */
static void put_copy_field_text(pqbuf *b, const char *p, size_t n, char delim) {
  for (size_t i = 0; i < n; i++) {
    char c = p[i];
    switch (c) {
    case '\\': pqbuf_put_bytes(b, "\\\\", 2); break;
    case '\n': pqbuf_put_bytes(b, "\\n", 2); break;
    case '\r': pqbuf_put_bytes(b, "\\r", 2); break;
    case '\t': pqbuf_put_bytes(b, "\\t", 2); break;
    default:
      if (c == delim) {
        pqbuf_put_byte(b, '\\');
      }
      pqbuf_put_byte(b, (uint8_t)c);
    }
  }
}

static void put_copy_field_csv(pqbuf *b, const char *p, size_t n, const copy_opts *o) {
  int need = n == 0 || (strlen(o->null_str) == n && !memcmp(p, o->null_str, n));
  for (size_t i = 0; i < n && !need; i++)
    if (p[i] == o->delim || p[i] == o->quote || p[i] == '\n' || p[i] == '\r') need = 1;
  if (!need) {
    pqbuf_put_bytes(b, p, n);
    return;
  }
  pqbuf_put_byte(b, (uint8_t)o->quote);
  for (size_t i = 0; i < n; i++) {
    if (p[i] == o->quote || p[i] == o->escape) pqbuf_put_byte(b, (uint8_t)o->escape);
    pqbuf_put_byte(b, (uint8_t)p[i]);
  }
  pqbuf_put_byte(b, (uint8_t)o->quote);
}

static const char copy_signature[11] = {'P', 'G', 'C', 'O', 'P', 'Y', '\n', '\377', '\r', '\n', '\0'};

/* The binary file header. It shares the first row's CopyData message (or the trailer's when there are
 * no rows), as PostgreSQL sends it: psycopg 3 parses the first message as header plus one row. */
static void put_binary_header(pqbuf *b) {
  pqbuf_put_bytes(b, copy_signature, sizeof copy_signature);
  pqbuf_put_int32(b, 0); /* flags */
  pqbuf_put_int32(b, 0); /* header extension length */
}

/* COPY TO STDOUT in binary format (see ROW FORMATS). */
static int copy_out_binary(pgw_session *s, mica_stmt *st) {
  int ncols = mica_column_count(st);
  uint32_t *oids = calloc((size_t)ncols + 1, sizeof *oids);
  if (!oids) {
    mica_finalize(st);
    pgw_send_error(s, "ERROR", "53200", "out of memory", 0);
    return -1;
  }
  for (int i = 0; i < ncols; i++)
    oids[i] = pgtypes_from_decltype(mica_column_decltype(st, i)).oid;
  pqbuf_start(&s->out, 'H');
  pqbuf_put_byte(&s->out, 1);
  pqbuf_put_int16(&s->out, (int16_t)ncols);
  for (int i = 0; i < ncols; i++)
    pqbuf_put_int16(&s->out, 1);
  pqbuf_finish(&s->out);
  int64_t rows = 0;
  int rc, bad = -1;
  pgw_statement_begin(s);
  while (bad < 0 && (rc = mica_step(st)) == MICA_ROW) {
    pqbuf_start(&s->out, 'd');
    if (!rows) put_binary_header(&s->out);
    pqbuf_put_int16(&s->out, (int16_t)ncols);
    for (int i = 0; i < ncols && bad < 0; i++) {
      int type = mica_column_type(st, i);
      pgvalue v;
      memset(&v, 0, sizeof v);
      v.type = type;
      if (type == MICA_INTEGER)
        v.i = mica_column_int64(st, i);
      else if (type == MICA_FLOAT)
        v.d = mica_column_double(st, i);
      else if (type != MICA_NULL) {
        v.p = type == MICA_BLOB ? mica_column_blob(st, i) : mica_column_text(st, i);
        v.n = (size_t)mica_column_bytes(st, i);
      }
      if (!oids[i] && type != MICA_NULL) oids[i] = pgtypes_from_storage(type).oid;
      if (pgtypes_put_value(&s->out, oids[i] ? oids[i] : pgtypes_from_storage(MICA_TEXT).oid, 1, &v) != 0)
        bad = i;
    }
    pqbuf_finish(&s->out);
    rows++;
    if (s->out.len > (64u << 10)) pgw_session_flush(s);
  }
  pgw_statement_end(s);
  if (bad >= 0) {
    char msg[300];
    snprintf(msg, sizeof msg, "column \"%s\" of row %lld cannot be sent in binary as type %s",
             mica_column_name(st, bad), (long long)rows, pgtypes_name(oids[bad]));
    free(oids);
    mica_finalize(st);
    pgw_send_error(s, "ERROR", "22P03", msg, 0);
    return -1;
  }
  free(oids);
  if (rc != MICA_DONE) {
    const char *msg = mica_errmsg(s->db);
    char buf[512];
    snprintf(buf, sizeof buf, "%s",
             rc == MICA_INTERRUPT ? (s->timed_out ? "canceling statement due to statement timeout"
                                                  : "canceling statement due to user request")
                                  : msg);
    mica_finalize(st);
    pgw_send_error(s, "ERROR", pgw_sqlstate(rc == MICA_INTERRUPT ? rc : mica_extended_errcode(s->db), msg),
                   buf, 0);
    return -1;
  }
  mica_finalize(st);
  pqbuf_start(&s->out, 'd');
  if (!rows) put_binary_header(&s->out);
  pqbuf_put_int16(&s->out, -1); /* trailer */
  pqbuf_finish(&s->out);
  pqbuf_start(&s->out, 'c');
  pqbuf_finish(&s->out);
  char tag[48];
  snprintf(tag, sizeof tag, "COPY %lld", (long long)rows);
  pqbuf_start(&s->out, 'C');
  pqbuf_put_string(&s->out, tag);
  pqbuf_finish(&s->out);
  return 0;
}

static int copy_out(pgw_session *s, const char *select_sql, const copy_opts *o) {
  mica_stmt *st = NULL;
  int rc = mica_prepare_v3(s->db, select_sql, -1, 0, &st, NULL);
  if (rc != MICA_OK || !st) {
    const char *msg = mica_errmsg(s->db);
    pgw_send_error(s, "ERROR", pgw_sqlstate(mica_extended_errcode(s->db), msg), msg, 0);
    if (st) mica_finalize(st);
    return -1;
  }
  if (o->binary) return copy_out_binary(s, st);
  int ncols = mica_column_count(st);
  pqbuf_start(&s->out, 'H');
  pqbuf_put_byte(&s->out, 0);
  pqbuf_put_int16(&s->out, (int16_t)ncols);
  for (int i = 0; i < ncols; i++)
    pqbuf_put_int16(&s->out, 0);
  pqbuf_finish(&s->out);
  if (o->csv && o->header) {
    pqbuf_start(&s->out, 'd');
    for (int i = 0; i < ncols; i++) {
      if (i) pqbuf_put_byte(&s->out, (uint8_t)o->delim);
      const char *name = mica_column_name(st, i);
      put_copy_field_csv(&s->out, name, strlen(name), o);
    }
    pqbuf_put_byte(&s->out, '\n');
    pqbuf_finish(&s->out);
  }
  int64_t rows = 0;
  pgw_statement_begin(s);
  while ((rc = mica_step(st)) == MICA_ROW) {
    pqbuf_start(&s->out, 'd');
    for (int i = 0; i < ncols; i++) {
      if (i) pqbuf_put_byte(&s->out, (uint8_t)o->delim);
      int type = mica_column_type(st, i);
      if (type == MICA_NULL) {
        if (o->csv)
          pqbuf_put_bytes(&s->out, o->null_str, strlen(o->null_str));
        else
          pqbuf_put_bytes(&s->out, o->null_str, strlen(o->null_str));
        continue;
      }
      /* Same text as a DataRow of the value's own type would carry. */
      pqbuf tmp;
      pqbuf_init(&tmp);
      pgvalue v;
      memset(&v, 0, sizeof v);
      v.type = type;
      if (type == MICA_INTEGER)
        v.i = mica_column_int64(st, i);
      else if (type == MICA_FLOAT)
        v.d = mica_column_double(st, i);
      else {
        v.p = type == MICA_BLOB ? mica_column_blob(st, i) : mica_column_text(st, i);
        v.n = (size_t)mica_column_bytes(st, i);
      }
      pgtype t = pgtypes_from_decltype(mica_column_decltype(st, i));
      if (!t.oid) t = pgtypes_from_storage(type);
      pgtypes_put_value_typmod(&tmp, t.oid, t.typmod, 0, &v);
      const char *text = tmp.len >= 4 ? tmp.data + 4 : "";
      size_t n = tmp.len >= 4 ? tmp.len - 4 : 0;
      if (o->csv)
        put_copy_field_csv(&s->out, text, n, o);
      else
        put_copy_field_text(&s->out, text, n, o->delim);
      pqbuf_free(&tmp);
    }
    pqbuf_put_byte(&s->out, '\n');
    pqbuf_finish(&s->out);
    rows++;
    if (s->out.len > (64u << 10)) pgw_session_flush(s);
  }
  pgw_statement_end(s);
  if (rc != MICA_DONE) {
    const char *msg = mica_errmsg(s->db);
    char buf[512];
    snprintf(buf, sizeof buf, "%s",
             rc == MICA_INTERRUPT ? (s->timed_out ? "canceling statement due to statement timeout"
                                                  : "canceling statement due to user request")
                                  : msg);
    mica_finalize(st);
    pgw_send_error(s, "ERROR", pgw_sqlstate(rc == MICA_INTERRUPT ? rc : mica_extended_errcode(s->db), msg),
                   buf, 0);
    return -1;
  }
  mica_finalize(st);
  pqbuf_start(&s->out, 'c');
  pqbuf_finish(&s->out);
  char tag[48];
  snprintf(tag, sizeof tag, "COPY %lld", (long long)rows);
  pqbuf_start(&s->out, 'C');
  pqbuf_put_string(&s->out, tag);
  pqbuf_finish(&s->out);
  return 0;
}

/* ------------------------------------------------------------------------------------------------
 * COPY FROM STDIN.
 */
static int exec_sql(pgw_session *s, const char *sql) { return mica_exec(s->db, sql, NULL, NULL, NULL); }

/* Ends COPY FROM STDIN: commits (ok) or rolls back what this COPY began, reports, and (ready) sends
 * ReadyForQuery. */
static void copy_finish(pgw_session *s, int ok, int ready) {
  copy_state *c = s->copy;
  if (c->insert) mica_finalize(c->insert);
  if (c->commit_at_end) {
    if (ok) {
      int rc = exec_sql(s, "COMMIT");
      if (rc != MICA_OK) {
        const char *msg = mica_errmsg(s->db);
        pgw_send_error(s, "ERROR", pgw_sqlstate(mica_extended_errcode(s->db), msg), msg, 0);
        ok = 0;
        if (!mica_get_autocommit(s->db)) exec_sql(s, "ROLLBACK");
      }
    } else if (!mica_get_autocommit(s->db))
      exec_sql(s, "ROLLBACK");
  } else if (!ok && !mica_get_autocommit(s->db)) {
    s->tx_failed = 1; /* error inside the client's explicit transaction */
  }
  if (ok) {
    char tag[48];
    snprintf(tag, sizeof tag, "COPY %lld", (long long)c->rows);
    pqbuf_start(&s->out, 'C');
    pqbuf_put_string(&s->out, tag);
    pqbuf_finish(&s->out);
  }
  free(c->buf);
  free(c->oids);
  free(c);
  s->copy = NULL;
  if (ready) pgw_send_ready(s);
  pgw_session_flush(s);
}

static void copy_end(pgw_session *s, int ok) { copy_finish(s, ok, 1); }

static void copy_error(pgw_session *s, const char *sqlstate, const char *msg) {
  copy_state *c = s->copy;
  char buf[600];
  snprintf(buf, sizeof buf, "%s", msg);
  pgw_send_error(s, "ERROR", sqlstate, buf, 0);
  c->failed = 1;
  if (c->insert) {
    mica_finalize(c->insert);
    c->insert = NULL;
  }
  pgw_session_flush(s);
}

/* Decodes one text-format field in place (escapes); returns its length. */
static size_t unescape_text(char *f, size_t n) {
  size_t o = 0;
  for (size_t i = 0; i < n; i++) {
    if (f[i] != '\\' || i + 1 >= n) {
      f[o++] = f[i];
      continue;
    }
    char c = f[++i];
    switch (c) {
    case 'b': f[o++] = '\b'; break;
    case 'f': f[o++] = '\f'; break;
    case 'n': f[o++] = '\n'; break;
    case 'r': f[o++] = '\r'; break;
    case 't': f[o++] = '\t'; break;
    case 'v': f[o++] = '\v'; break;
    case 'x': {
      int v = 0, k = 0;
      while (k < 2 && i + 1 < n && isxdigit((unsigned char)f[i + 1])) {
        char h = f[++i];
        v = v * 16 + (isdigit((unsigned char)h) ? h - '0' : (tolower((unsigned char)h) - 'a' + 10));
        k++;
      }
      f[o++] = k ? (char)v : 'x';
      break;
    }
    default:
      if (c >= '0' && c <= '7') {
        int v = c - '0', k = 1;
        while (k < 3 && i + 1 < n && f[i + 1] >= '0' && f[i + 1] <= '7')
          v = v * 8 + (f[++i] - '0'), k++;
        f[o++] = (char)v;
      } else
        f[o++] = c;
    }
  }
  return o;
}

/* Binds a value decoded by pgtypes_decode_param (the engine copies it). */
static int bind_decoded(mica_stmt *st, int col, const pgvalue *v) {
  switch (v->type) {
  case MICA_NULL: return mica_bind_null(st, col);
  case MICA_INTEGER: return mica_bind_int64(st, col, v->i);
  case MICA_FLOAT: return mica_bind_double(st, col, v->d);
  case MICA_BLOB: return mica_bind_blob(st, col, v->n ? (const void *)v->p : (const void *)"", (int)v->n);
  default: return mica_bind_text(st, col, v->p ? (const char *)v->p : "", (int)v->n);
  }
}

/* Inserts one row from line[0..n). Returns 0 or -1 (error reported). */
static int load_row(pgw_session *s, char *line, size_t n) {
  copy_state *c = s->copy;
  c->lineno++;
  if (c->header && c->lineno == 1) return 0;
  if (!c->csv && n == 2 && line[0] == '\\' && line[1] == '.') {
    c->done_marker = 1;
    return 0;
  }
  if (c->csv && n == 2 && line[0] == '\\' && line[1] == '.') {
    c->done_marker = 1;
    return 0;
  }
  char msg[512];
  /* Client text must be UTF-8, as PostgreSQL checks it (22021), before and after escapes. */
  if (pgtypes_verify_utf8(line, n, msg, sizeof msg)) {
    copy_error(s, "22021", msg);
    return -1;
  }
  mica_reset(c->insert);
  mica_clear_bindings(c->insert);
  int col = 0;
  size_t i = 0;
  for (;;) {
    if (col >= c->ncols) {
      snprintf(msg, sizeof msg, "extra data after last expected column (line %lld)", (long long)c->lineno);
      copy_error(s, "22P04", msg);
      return -1;
    }
    char *f = line + i;
    size_t fn = 0;
    int is_null = 0;
    if (c->csv) {
      int quoted = 0;
      size_t o = 0;
      while (i < n && (quoted || line[i] != c->delim)) {
        char ch = line[i];
        if (quoted && ch == c->escape && i + 1 < n && line[i + 1] == c->quote) {
          f[o++] = c->quote;
          i += 2;
        } else if (ch == c->quote) {
          quoted = !quoted;
          i++;
          if (quoted) is_null = -1; /* a quoted field is never NULL */
        } else {
          f[o++] = ch;
          i++;
        }
      }
      fn = o;
      if (is_null == 0 && strlen(c->null_str) == fn && !memcmp(f, c->null_str, fn))
        is_null = 1;
      else
        is_null = 0;
    } else {
      size_t start = i;
      while (i < n && line[i] != c->delim) {
        if (line[i] == '\\' && i + 1 < n) i++;
        i++;
      }
      fn = i - start;
      if (fn == strlen(c->null_str) && !memcmp(f, c->null_str, fn))
        is_null = 1;
      else {
        fn = unescape_text(f, fn);
        if (pgtypes_verify_utf8(f, fn, msg, sizeof msg)) {
          copy_error(s, "22021", msg);
          return -1;
        }
      }
    }
    col++;
    int rc;
    if (is_null)
      rc = mica_bind_null(c->insert, col);
    else {
      /* The field is read as its column's type would read it as a text parameter: integers are
       * checked, bytea escapes decoded, uuids made canonical. */
      pgvalue v;
      char *scratch = NULL, err[200] = "";
      if (pgtypes_decode_param(c->oids[col - 1], 0, (const unsigned char *)f, fn, &v, &scratch, err,
                               sizeof err)) {
        free(scratch);
        snprintf(msg, sizeof msg, "%s (COPY line %lld, column %d)", err, (long long)c->lineno, col);
        copy_error(s, "22P02", msg);
        return -1;
      }
      rc = bind_decoded(c->insert, col, &v);
      free(scratch);
    }
    if (rc != MICA_OK) {
      copy_error(s, "XX000", mica_errmsg(s->db));
      return -1;
    }
    if (i >= n) break;
    i++; /* delimiter */
  }
  if (col < c->ncols) {
    snprintf(msg, sizeof msg, "missing data for column %d (line %lld)", col + 1, (long long)c->lineno);
    copy_error(s, "22P04", msg);
    return -1;
  }
  int rc = mica_step(c->insert);
  if (rc != MICA_DONE && rc != MICA_ROW) {
    const char *em = mica_errmsg(s->db);
    snprintf(msg, sizeof msg, "%s (COPY line %lld)", em, (long long)c->lineno);
    copy_error(s, pgw_sqlstate(mica_extended_errcode(s->db), em), msg);
    return -1;
  }
  c->rows++;
  return 0;
}

static uint32_t get_u32(const unsigned char *p) {
  return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Binary format: loads every complete row in the buffer; at the end (final) a partial row, a missing
 * trailer or bytes after it are errors. */
static void load_binary(pgw_session *s, int final) {
  copy_state *c = s->copy;
  const unsigned char *b = (const unsigned char *)c->buf;
  size_t pos = 0;
  char msg[300];
  if (!c->header_seen) {
    if (c->len < 19) {
      if (final) copy_error(s, "22P04", "COPY file signature not recognized");
      return;
    }
    if (memcmp(b, copy_signature, sizeof copy_signature)) {
      copy_error(s, "22P04", "COPY file signature not recognized");
      return;
    }
    uint32_t flags = get_u32(b + 11), ext = get_u32(b + 15);
    if (flags & 0x10000) {
      copy_error(s, "0A000", "COPY binary data with OIDs is not supported");
      return;
    }
    if (flags & 0xFFFF0000u & ~0x10000u) {
      copy_error(s, "22P04", "unrecognized critical flags in COPY file header");
      return;
    }
    if (ext > (1u << 30)) {
      copy_error(s, "22P04", "invalid COPY file header (extension length)");
      return;
    }
    if (c->len < 19 + (size_t)ext) {
      if (final) copy_error(s, "22P04", "invalid COPY file header (missing extension)");
      return;
    }
    pos = 19 + ext;
    c->header_seen = 1;
  }
  while (!c->failed && !c->done_marker) {
    if (c->len - pos < 2) break;
    int16_t nf = (int16_t)(b[pos] << 8 | b[pos + 1]);
    if (nf == -1) {
      c->done_marker = 1;
      pos += 2;
      break;
    }
    /* is the whole row here? */
    size_t p = pos + 2;
    int complete = 1;
    for (int i = 0; i < nf && complete; i++) {
      if (c->len - p < 4) {
        complete = 0;
        break;
      }
      int32_t fl = (int32_t)get_u32(b + p);
      p += 4;
      if (fl < -1) {
        copy_error(s, "22P04", "invalid field size in COPY binary data");
        return;
      }
      if (fl > 0) {
        if (c->len - p < (size_t)fl)
          complete = 0;
        else
          p += (size_t)fl;
      }
    }
    if (!complete) break;
    c->lineno++;
    if (nf != c->ncols) {
      snprintf(msg, sizeof msg, "row field count is %d, expected %d (row %lld)", nf, c->ncols,
               (long long)c->lineno);
      copy_error(s, "22P04", msg);
      return;
    }
    mica_reset(c->insert);
    mica_clear_bindings(c->insert);
    size_t q = pos + 2;
    for (int i = 0; i < nf; i++) {
      int32_t fl = (int32_t)get_u32(b + q);
      q += 4;
      pgvalue v;
      memset(&v, 0, sizeof v);
      char *scratch = NULL;
      int rc;
      if (fl < 0) {
        rc = mica_bind_null(c->insert, i + 1);
      } else {
        char err[200] = "";
        if (pgtypes_is_text(c->oids[i]) && pgtypes_verify_utf8(b + q, (size_t)fl, msg, sizeof msg)) {
          copy_error(s, "22021", msg);
          return;
        }
        if (pgtypes_decode_param(c->oids[i], 1, b + q, (size_t)fl, &v, &scratch, err, sizeof err)) {
          free(scratch);
          snprintf(msg, sizeof msg, "%s (COPY row %lld, column %d)", err, (long long)c->lineno, i + 1);
          copy_error(s, "22P03", msg);
          return;
        }
        q += (size_t)fl;
        rc = bind_decoded(c->insert, i + 1, &v);
      }
      free(scratch);
      if (rc != MICA_OK) {
        copy_error(s, "XX000", mica_errmsg(s->db));
        return;
      }
    }
    int rc = mica_step(c->insert);
    if (rc != MICA_DONE && rc != MICA_ROW) {
      const char *em = mica_errmsg(s->db);
      snprintf(msg, sizeof msg, "%s (COPY row %lld)", em, (long long)c->lineno);
      copy_error(s, pgw_sqlstate(mica_extended_errcode(s->db), em), msg);
      return;
    }
    c->rows++;
    pos = p;
  }
  if (c->failed) return;
  if (final && !c->done_marker) {
    copy_error(s, "22P04", "unexpected EOF in COPY data");
    return;
  }
  if (c->done_marker) pos = c->len; /* PostgreSQL ignores what follows the trailer */
  memmove(c->buf, c->buf + pos, c->len - pos);
  c->len -= pos;
}

/* Loads every complete line in the buffer (all of it when final). */
static void load_lines(pgw_session *s, int final) {
  copy_state *c = s->copy;
  if (c->binary) {
    load_binary(s, final);
    return;
  }
  size_t start = 0;
  int inq = 0;
  for (size_t i = 0; i < c->len && !c->failed && !c->done_marker; i++) {
    char ch = c->buf[i];
    if (c->csv && ch == c->quote) inq = !inq;
    if (ch == '\n' && !inq) {
      size_t n = i - start;
      if (n && c->buf[start + n - 1] == '\r') n--;
      if (load_row(s, c->buf + start, n)) return;
      start = i + 1;
    }
  }
  if (final && start < c->len && !c->failed && !c->done_marker) {
    size_t n = c->len - start;
    if (n && c->buf[start + n - 1] == '\r') n--;
    if (load_row(s, c->buf + start, n)) return;
    start = c->len;
  }
  memmove(c->buf, c->buf + start, c->len - start);
  c->len -= start;
}

void pgw_copy_message(pgw_session *s, char type, const unsigned char *body, size_t len) {
  copy_state *c = s->copy;
  switch (type) {
  case 'd':
    if (c->done_marker) return;
    if (c->len + len + 1 > c->cap) {
      size_t cap = (c->len + len + 1) * 2;
      char *nb = realloc(c->buf, cap);
      if (!nb) {
        copy_error(s, "53200", "out of memory");
        copy_end(s, 0);
        return;
      }
      c->buf = nb;
      c->cap = cap;
    }
    memcpy(c->buf + c->len, body, len);
    c->len += len;
    pgw_statement_begin(s);
    load_lines(s, 0);
    pgw_statement_end(s);
    if (c->failed) copy_end(s, 0); /* the error went out at once; ReadyForQuery follows it */
    return;
  case 'c':
    if (!c->failed) {
      pgw_statement_begin(s);
      load_lines(s, 1);
      pgw_statement_end(s);
    }
    copy_end(s, !c->failed);
    return;
  case 'f': {
    pqmsg m;
    pqmsg_init(&m, type, body, len);
    const char *why = pqmsg_get_string(&m);
    char msg[600];
    snprintf(msg, sizeof msg, "COPY from stdin failed: %s", why ? why : "");
    if (!c->failed) pgw_send_error(s, "ERROR", "57014", msg, 0);
    copy_end(s, 0);
    return;
  }
  case 'H':
  case 'S': return;
  default: {
    /* As PostgreSQL: the client is not speaking COPY, so nothing it sends next can be trusted to be
     * in step; the COPY is rolled back and the connection ends. */
    char msg[96];
    snprintf(msg, sizeof msg, "unexpected message type 0x%02X during COPY from stdin", (unsigned char)type);
    if (!c->failed) pgw_send_error(s, "ERROR", "08P01", msg, 0);
    pgw_send_error(s, "FATAL", "08P01", "terminating connection because protocol synchronization was lost",
                   0);
    s->want_close = 1;
    copy_finish(s, 0, 0);
    return;
  }
  }
}

void pgw_copy_free(pgw_session *s) {
  copy_state *c = s->copy;
  if (!c) return;
  if (c->insert) mica_finalize(c->insert);
  free(c->buf);
  free(c->oids);
  free(c);
  s->copy = NULL;
}

int pgw_copy_start(pgw_session *s, const char *sql, const char *end, int implicit) {
  tok t = {sql, end};
  char w[256], table[256] = "", err[300];
  copy_opts o;
  memset(&o, 0, sizeof o);
  o.delim = 0;
  o.quote = '"';
  o.escape = 0;
  strcpy(o.null_str, "\x01unset");
  next(&t, w, sizeof w); /* COPY */
  int k = next(&t, w, sizeof w);
  if (k == 1 && !strcmp(w, "binary")) {
    o.binary = 1;
    k = next(&t, w, sizeof w);
  }
  pqbuf q;
  pqbuf_init(&q);
  const char *query_start = NULL, *query_end = NULL;
  if (k == 3 && w[0] == '(') {
    /* (query): find the matching parenthesis. */
    int depth = 1;
    const char *p = t.p;
    query_start = p;
    char inq = 0;
    for (; p < end && depth; p++) {
      if (inq) {
        if (*p == inq) inq = 0;
      } else if (*p == '\'' || *p == '"')
        inq = *p;
      else if (*p == '(')
        depth++;
      else if (*p == ')')
        depth--;
    }
    if (depth) {
      pgw_send_error(s, "ERROR", "42601", "syntax error in COPY: unbalanced parentheses", 0);
      return -1;
    }
    query_end = p - 1;
    t.p = p;
  } else if (k == 1 || k == 4) {
    snprintf(table, sizeof table, "%s", w);
  } else {
    pgw_send_error(s, "ERROR", "42601", "syntax error in COPY", 0);
    return -1;
  }
  /* Optional column list. */
  pqbuf cols;
  pqbuf_init(&cols);
  int ncols = 0;
  const char *save = t.p;
  k = next(&t, w, sizeof w);
  if (!query_start && k == 3 && w[0] == '(') {
    for (;;) {
      k = next(&t, w, sizeof w);
      if (k != 1 && k != 4) break;
      if (ncols++) pqbuf_put_byte(&cols, ',');
      append_ident(&cols, w);
      k = next(&t, w, sizeof w);
      if (k == 3 && w[0] == ')') break;
      if (k != 3 || w[0] != ',') {
        k = -1;
        break;
      }
    }
    if (k != 3) {
      pqbuf_free(&cols);
      pgw_send_error(s, "ERROR", "42601", "syntax error in COPY column list", 0);
      return -1;
    }
  } else
    t.p = save;
  char dir[32], target[64];
  int kd = next(&t, dir, sizeof dir);
  int kt = next(&t, target, sizeof target);
  int from = kd == 1 && !strcmp(dir, "from"), to = kd == 1 && !strcmp(dir, "to");
  if ((!from && !to) || kt <= 0) {
    pqbuf_free(&cols);
    pgw_send_error(s, "ERROR", "42601", "syntax error in COPY: expected FROM STDIN or TO STDOUT", 0);
    return -1;
  }
  if ((from && strcmp(target, "stdin")) || (to && strcmp(target, "stdout")) || kt != 1) {
    pqbuf_free(&cols);
    pgw_send_error(
        s, "ERROR", "42501",
        "COPY to or from a file or program is not supported; use psql's \\copy (COPY ... STDIN/STDOUT)", 0);
    return -1;
  }
  if (from && query_start) {
    pqbuf_free(&cols);
    pgw_send_error(s, "ERROR", "42601", "COPY FROM cannot take a query", 0);
    return -1;
  }
  if (parse_options(&t, &o, err, sizeof err)) {
    pqbuf_free(&cols);
    pgw_send_error(s, "ERROR", "42601", err, 0);
    return -1;
  }
  if (o.binary && (o.csv || o.header || o.delim || strcmp(o.null_str, "\x01unset"))) {
    pqbuf_free(&cols);
    pgw_send_error(s, "ERROR", "42601",
                   "cannot specify DELIMITER, NULL, HEADER or CSV options in BINARY mode", 0);
    return -1;
  }
  if (!o.delim) o.delim = o.csv ? ',' : '\t';
  if (!o.escape) o.escape = o.quote;
  if (!strcmp(o.null_str, "\x01unset")) strcpy(o.null_str, o.csv ? "" : "\\N");
  if (o.header && !o.csv) {
    pqbuf_free(&cols);
    pgw_send_error(s, "ERROR", "0A000", "COPY HEADER available only in CSV mode", 0);
    return -1;
  }

  if (to) {
    if (query_start)
      pqbuf_put_bytes(&q, query_start, (size_t)(query_end - query_start));
    else {
      pqbuf_put_bytes(&q, "SELECT ", 7);
      if (ncols)
        pqbuf_put_bytes(&q, cols.data, cols.len);
      else
        pqbuf_put_byte(&q, '*');
      pqbuf_put_bytes(&q, " FROM ", 6);
      append_table(&q, table);
    }
    pqbuf_put_byte(&q, 0);
    pqbuf_free(&cols);
    int rc = q.oom ? -1 : copy_out(s, q.data, &o);
    if (q.oom) pgw_send_error(s, "ERROR", "53200", "out of memory", 0);
    pqbuf_free(&q);
    return rc < 0 ? -1 : 1;
  }

  /* FROM STDIN: find the column count (and, for binary, the columns' types), compile the INSERT. */
  uint32_t *oids = NULL;
  {
    pqbuf probe;
    pqbuf_init(&probe);
    pqbuf_put_bytes(&probe, "SELECT ", 7);
    if (ncols)
      pqbuf_put_bytes(&probe, cols.data, cols.len);
    else
      pqbuf_put_byte(&probe, '*');
    pqbuf_put_bytes(&probe, " FROM ", 6);
    append_table(&probe, table);
    pqbuf_put_byte(&probe, 0);
    mica_stmt *st = NULL;
    int rc = probe.oom ? MICA_NOMEM : mica_prepare_v3(s->db, probe.data, -1, 0, &st, NULL);
    pqbuf_free(&probe);
    if (rc != MICA_OK || !st) {
      const char *msg = mica_errmsg(s->db);
      pgw_send_error(s, "ERROR", pgw_sqlstate(mica_extended_errcode(s->db), msg), msg, 0);
      if (st) mica_finalize(st);
      pqbuf_free(&cols);
      return -1;
    }
    int listed = ncols;
    ncols = mica_column_count(st);
    for (int i = 0; i < ncols && !listed; i++) {
      if (i) pqbuf_put_byte(&cols, ',');
      append_ident(&cols, mica_column_name(st, i));
    }
    oids = calloc((size_t)ncols + 1, sizeof *oids);
    for (int i = 0; oids && i < ncols; i++) {
      oids[i] = pgtypes_from_decltype(mica_column_decltype(st, i)).oid;
      if (!oids[i]) oids[i] = pgtypes_from_storage(MICA_TEXT).oid;
    }
    mica_finalize(st);
    if (!oids) {
      pqbuf_free(&cols);
      pgw_send_error(s, "ERROR", "53200", "out of memory", 0);
      return -1;
    }
  }
  pqbuf_put_bytes(&q, "INSERT INTO ", 12);
  append_table(&q, table);
  pqbuf_put_bytes(&q, " (", 2);
  pqbuf_put_bytes(&q, cols.data, cols.len);
  pqbuf_put_bytes(&q, ") VALUES (", 10);
  for (int i = 0; i < ncols; i++)
    pqbuf_put_bytes(&q, i ? ",?" : "?", i ? 2 : 1);
  pqbuf_put_bytes(&q, ")", 2); /* with NUL */
  pqbuf_free(&cols);
  copy_state *c = calloc(1, sizeof *c);
  if (!c || q.oom) {
    free(c);
    free(oids);
    pqbuf_free(&q);
    pgw_send_error(s, "ERROR", "53200", "out of memory", 0);
    return -1;
  }
  int rc = mica_prepare_v3(s->db, q.data, -1, MICA_PREPARE_PERSISTENT, &c->insert, NULL);
  pqbuf_free(&q);
  if (rc != MICA_OK || !c->insert) {
    const char *msg = mica_errmsg(s->db);
    pgw_send_error(s, "ERROR", pgw_sqlstate(mica_extended_errcode(s->db), msg), msg, 0);
    if (c->insert) mica_finalize(c->insert);
    free(c);
    free(oids);
    return -1;
  }
  c->binary = o.binary;
  c->oids = oids;
  c->csv = o.csv;
  c->header = o.header;
  c->delim = o.delim;
  c->quote = o.quote;
  c->escape = o.escape;
  memcpy(c->null_str, o.null_str, sizeof c->null_str);
  c->ncols = ncols;
  c->commit_at_end = implicit;
  if (mica_get_autocommit(s->db)) {
    if (exec_sql(s, "BEGIN") != MICA_OK) {
      const char *msg = mica_errmsg(s->db);
      pgw_send_error(s, "ERROR", pgw_sqlstate(mica_extended_errcode(s->db), msg), msg, 0);
      mica_finalize(c->insert);
      free(c->oids);
      free(c);
      return -1;
    }
    c->commit_at_end = 1;
  }
  s->copy = c;
  pqbuf_start(&s->out, 'G');
  pqbuf_put_byte(&s->out, (uint8_t)o.binary);
  pqbuf_put_int16(&s->out, (int16_t)ncols);
  for (int i = 0; i < ncols; i++)
    pqbuf_put_int16(&s->out, (int16_t)o.binary);
  pqbuf_finish(&s->out);
  pgw_session_flush(s);
  return 0;
}
