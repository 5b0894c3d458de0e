/*
 * query.c: the simple and extended query protocols over the engine (runs on a worker thread; see
 * session.c for how messages get here).
 *
 * SIMPLE QUERY ('Q')
 *   The text may hold several statements. Each is compiled with mica_prepare and run to completion:
 *   RowDescription (when it has result columns), DataRow*, CommandComplete with PostgreSQL's tag, or an
 *   ErrorResponse that abandons the rest. As in PostgreSQL, several statements outside an explicit
 *   transaction run in one implicit transaction (an error rolls all of them back); BEGIN inside it turns
 *   it explicit. Empty text gives EmptyQueryResponse. ReadyForQuery ends the cycle.
 *
 * TRANSACTION STATE
 *   'I'/'T' come from mica_get_autocommit. PostgreSQL's failed-transaction state 'E' is kept here
 *   (s->tx_failed): after an error inside an explicit transaction, everything but COMMIT/ROLLBACK and
 *   ROLLBACK TO SAVEPOINT is refused with 25P02, and COMMIT rolls back. A successful ROLLBACK TO ends
 *   the failed state: the engine undid only the failing statement, so rolling back to the savepoint
 *   leaves the transaction as PostgreSQL leaves it. Transaction control statements (BEGIN/START TRANSACTION,
 *   COMMIT/END, ROLLBACK/ABORT, but not ROLLBACK TO SAVEPOINT) are carried out by this file with the
 *   engine's canonical BEGIN/COMMIT/ROLLBACK so these rules hold whatever the spelling.
 *   Notifications (NOTIFY, pg_notify) wait in s->pending for the transaction's end: COMMIT delivers
 *   them, ROLLBACK drops them, and an autocommit statement delivers its own when it succeeds.
 *
 * SESSION STATEMENTS
 *   SET/RESET/SHOW of run-time parameters, DISCARD and DEALLOCATE act on session state that lives in
 *   pgwire (pgw_guc), so they are recognised by their leading keyword and run here ("local" statements).
 *
 * EXTENDED QUERY (Parse/Bind/Describe/Execute/Close/Sync/Flush)
 *   A prepared statement (pgw_pstmt) owns a compiled mica_stmt; a portal (pgw_portal) binds parameters
 *   to it (or to a private copy when the statement is already in use by another portal) and keeps its
 *   row position between Executes with a row limit (PortalSuspended). PostgreSQL parameters $n are
 *   mapped to engine parameter indexes by name, since the engine numbers parameters in order of first
 *   appearance. After an error every message up to Sync is skipped. Portals are dropped at Sync when no
 *   transaction is open.
 *
 * RESULT TYPES
 *   A column's OID comes from its declared type, else from the storage class of the first row (a Describe
 *   of a portal steps it once and keeps the row pending; a Describe of a statement cannot and says text).
 *   Once announced, values are encoded to that type (pgtypes.c).
 */
#include <ctype.h>
#include <unistd.h>
#include <sys/stat.h>
#include <limits.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "auth.h"
#include "pglog.h"
#include "pgtypes.h"
#include "session_int.h"

enum {
  LOCAL_NONE = 0,
  LOCAL_EMPTY,
  LOCAL_SET,
  LOCAL_RESET,
  LOCAL_SHOW,
  LOCAL_BEGIN,
  LOCAL_COMMIT,
  LOCAL_ROLLBACK,
  LOCAL_DISCARD,
  LOCAL_DEALLOCATE,
  LOCAL_ROLE,
  LOCAL_COPY,
  LOCAL_LISTEN,
  LOCAL_UNLISTEN,
  LOCAL_NOTIFY,
  LOCAL_DATABASE,
  LOCAL_CLOSE,   /* CLOSE cursor | ALL */
  LOCAL_DECLARE, /* DECLARE name CURSOR ... FOR query */
  LOCAL_FETCH,   /* FETCH [direction] [FROM | IN] name */
  LOCAL_MOVE,    /* MOVE [direction] [FROM | IN] name */
};

/* ------------------------------------------------------------------------------------------------
 * SQLSTATEs.
 */
static int has(const char *msg, const char *needle) { return msg && strstr(msg, needle) != NULL; }

const char *pgw_sqlstate(int rc, const char *msg) {
  switch (rc) {
  case MICA_CONSTRAINT_UNIQUE:
  case MICA_CONSTRAINT_PRIMARYKEY:
  case MICA_CONSTRAINT_ROWID: return "23505";
  case MICA_CONSTRAINT_NOTNULL: return "23502";
  case MICA_CONSTRAINT_CHECK: return "23514";
  case MICA_CONSTRAINT_FOREIGNKEY: return "23503";
  case MICA_CONSTRAINT_DATATYPE: return "42804";
  case MICA_BUSY_SNAPSHOT: return "40001";
  default: break;
  }
  switch (rc & 0xff) {
  case MICA_CONSTRAINT:
    if (has(msg, "UNIQUE")) return "23505";
    if (has(msg, "NOT NULL")) return "23502";
    if (has(msg, "CHECK")) return "23514";
    if (has(msg, "FOREIGN KEY")) return "23503";
    return "23000";
  case MICA_BUSY:
  case MICA_LOCKED: return "55P03";
  case MICA_INTERRUPT: return "57014";
  case MICA_NOMEM: return "53200";
  case MICA_FULL: return "53100";
  case MICA_IOERR:
  case MICA_CANTOPEN: return "58030";
  case MICA_CORRUPT:
  case MICA_NOTADB: return "XX001";
  case MICA_READONLY: return "25006";
  case MICA_TOOBIG: return "54000";
  case MICA_MISMATCH: return "42804";
  case MICA_RANGE: return "22023";
  case MICA_AUTH:
  case MICA_PERM: return "42501";
  case MICA_ABORT: return "57014";
  case MICA_INTERNAL:
  case MICA_MISUSE: return "XX000";
  case MICA_ERROR: break;
  default: return "XX000";
  }
  if (has(msg, "syntax error") || has(msg, "incomplete input") || has(msg, "unrecognized token"))
    return "42601";
  if (has(msg, "no such table") || has(msg, "no such view")) return "42P01";
  /* PostgreSQL's own messages (sequences, ALTER TABLE in the PostgreSQL dialect) */
  if (has(msg, "\" of relation \"") && has(msg, "already exists")) return "42701";
  if (has(msg, "relation \"") && has(msg, "already exists")) return "42P07";
  if (has(msg, "column \"") && has(msg, "does not exist")) return "42703";
  if ((has(msg, "constraint \"") || has(msg, "type \"")) && has(msg, "does not exist")) return "42704";
  if ((has(msg, "relation \"") || has(msg, "sequence \"")) && has(msg, "does not exist")) return "42P01";
  if (has(msg, "contains null values")) return "23502";
  if (has(msg, "nextval: reached m")) return "2200H";
  if (has(msg, "is not yet defined in this session")) return "55000";
  if (has(msg, "is out of bounds for sequence")) return "22003";
  if (has(msg, "INCREMENT must not be zero") || has(msg, "must be less than MAXVALUE") ||
      has(msg, "cannot be less than MINVALUE") || has(msg, "cannot be greater than MAXVALUE") ||
      has(msg, "for sequence data type") || has(msg, "sequence type must be") ||
      has(msg, "must be greater than zero"))
    return "22023";
  if (has(msg, "cannot be cast automatically")) return "42804";
  if (has(msg, "because other objects depend on it")) return "2BP01";
  if (has(msg, "is in a primary key")) return "42P16";
  if (has(msg, "multiple default values specified")) return "42601";
  if (has(msg, "is violated by some row")) return "23514";
  if (has(msg, "no such column")) return "42703";
  if (has(msg, "no such function") || has(msg, "wrong number of arguments")) return "42883";
  if (has(msg, "ambiguous column")) return "42702";
  if (has(msg, "no such index") || has(msg, "no such trigger")) return "42704";
  if (has(msg, "already exists")) return has(msg, "table") ? "42P07" : "42710";
  if (has(msg, "multiple primary keys")) return "42P16";
  if (has(msg, "columns available but")) return "42P10"; /* invalid_column_reference */
  if (has(msg, "step size cannot equal zero")) return "22023";
  if (has(msg, "foreign key mismatch")) return "42830"; /* no unique constraint matching the keys */
  if (has(msg, "date/time field value out of range")) return "22008";
  if (has(msg, "invalid input syntax for type timestamp") || has(msg, "invalid input syntax for type date") ||
      has(msg, "invalid input syntax for type time"))
    return "22007";
  if (has(msg, "invalid input syntax for type") || has(msg, "malformed array literal")) return "22P02";
  if (has(msg, "is out of range for type")) return "22003";
  if (has(msg, "cannot determine type of empty array")) return "42P18";
  if (has(msg, "are not supported") || has(msg, "is only supported as")) return "0A000";
  if (has(msg, "cannot cast type")) return "42846";
  if (has(msg, "ORDER BY may not be used with non-aggregate")) return "42809";
  if (has(msg, "not recognized for type") || has(msg, "channel name") || has(msg, "payload string too long"))
    return "22023";
  if (has(msg, "division by zero")) return "22012";
  if (has(msg, "integer overflow")) return "22003";
  if (has(msg, "cannot start a transaction within a transaction")) return "25001";
  if (has(msg, "no transaction is active")) return "25P01";
  if (has(msg, "no such savepoint")) return "3B001";
  if (has(msg, "too many") || has(msg, "too big") || has(msg, "too long")) return "54000";
  return "42000";
}

/* ------------------------------------------------------------------------------------------------
 * Text scanning (keywords, statement ends). Quotes, E-strings, dollar quotes and comments are skipped.
 */
static const char *skip_space(const char *p) {
  for (;;) {
    while (isspace((unsigned char)*p))
      p++;
    if (p[0] == '-' && p[1] == '-') {
      while (*p && *p != '\n')
        p++;
    } else if (p[0] == '/' && p[1] == '*') {
      int depth = 1;
      p += 2;
      while (*p && depth) {
        if (p[0] == '/' && p[1] == '*')
          depth++, p += 2;
        else if (p[0] == '*' && p[1] == '/')
          depth--, p += 2;
        else
          p++;
      }
    } else
      return p;
  }
}

/* Reads one word at p (after skip_space) into kw, upper-cased; returns the end of it. */
static const char *read_word(const char *p, char *kw, size_t kwlen) {
  p = skip_space(p);
  size_t n = 0;
  while ((isalnum((unsigned char)*p) || *p == '_') && n < kwlen - 1)
    kw[n++] = (char)toupper((unsigned char)*p++);
  kw[n] = 0;
  while (isalnum((unsigned char)*p) || *p == '_')
    p++;
  return p;
}

/* The end of the statement starting at p: the top-level ';' or the terminating NUL. */
static const char *statement_end(const char *p) {
  while (*p) {
    if (*p == ';') return p;
    if (*p == '\'' || *p == '"') {
      char q = *p++;
      int backslash = q == '\'' && p >= (const char *)2 && (p[-2] == 'E' || p[-2] == 'e');
      while (*p) {
        if (backslash && *p == '\\' && p[1])
          p += 2;
        else if (*p == q && p[1] == q)
          p += 2;
        else if (*p == q)
          break;
        else
          p++;
      }
      if (*p) p++;
    } else if (*p == '$' && (p[1] == '$' || isalpha((unsigned char)p[1]) || p[1] == '_')) {
      const char *t = p + 1;
      while (isalnum((unsigned char)*t) || *t == '_')
        t++;
      if (*t != '$') {
        p = t;
        continue;
      }
      size_t taglen = (size_t)(t - p) + 1;
      const char *q = t + 1;
      while (*q && strncmp(q, p, taglen))
        q++;
      p = *q ? q + taglen : q;
    } else if ((p[0] == '-' && p[1] == '-') || (p[0] == '/' && p[1] == '*')) {
      p = skip_space(p);
    } else
      p++;
  }
  return p;
}

static int count_statements(const char *p) {
  int n = 0;
  for (;;) {
    p = skip_space(p);
    while (*p == ';')
      p = skip_space(p + 1);
    if (!*p) return n;
    n++;
    p = statement_end(p);
  }
}

/* ROLLBACK [WORK | TRANSACTION] TO [SAVEPOINT] name: the one statement besides COMMIT and ROLLBACK
 * that a failed transaction accepts; it ends the failed state (PostgreSQL's rule). */
static int is_rollback_to(const char *p) {
  char kw[32];
  p = read_word(p, kw, sizeof kw);
  if (strcmp(kw, "ROLLBACK") && strcmp(kw, "ABORT")) return 0;
  p = read_word(p, kw, sizeof kw);
  if (!strcmp(kw, "WORK") || !strcmp(kw, "TRANSACTION")) read_word(p, kw, sizeof kw);
  return !strcmp(kw, "TO");
}

static int classify_local(const char *p) {
  char kw[32], kw2[32];
  const char *q = read_word(p, kw, sizeof kw);
  if (!*skip_space(p)) return LOCAL_EMPTY;
  if (!strcmp(kw, "SET")) {
    read_word(q, kw2, sizeof kw2);
    if (!strcmp(kw2, "CONSTRAINTS")) return LOCAL_NONE;
    return LOCAL_SET;
  }
  if (!strcmp(kw, "RESET")) return LOCAL_RESET;
  if (!strcmp(kw, "SHOW")) return LOCAL_SHOW;
  if (!strcmp(kw, "BEGIN")) return LOCAL_BEGIN;
  if (!strcmp(kw, "START")) {
    read_word(q, kw2, sizeof kw2);
    return !strcmp(kw2, "TRANSACTION") ? LOCAL_BEGIN : LOCAL_NONE;
  }
  if (!strcmp(kw, "COMMIT") || !strcmp(kw, "END")) {
    read_word(q, kw2, sizeof kw2);
    return !strcmp(kw2, "PREPARED") ? LOCAL_NONE : LOCAL_COMMIT;
  }
  if (!strcmp(kw, "ROLLBACK") || !strcmp(kw, "ABORT")) {
    const char *r = read_word(q, kw2, sizeof kw2);
    if (!strcmp(kw2, "WORK") || !strcmp(kw2, "TRANSACTION")) r = read_word(r, kw2, sizeof kw2);
    return !strcmp(kw2, "TO") || !strcmp(kw2, "PREPARED") ? LOCAL_NONE : LOCAL_ROLLBACK;
  }
  if (!strcmp(kw, "CREATE") || !strcmp(kw, "ALTER") || !strcmp(kw, "DROP")) {
    read_word(q, kw2, sizeof kw2);
    if (!strcmp(kw2, "DATABASE") && strcmp(kw, "ALTER")) return LOCAL_DATABASE;
    return !strcmp(kw2, "ROLE") || !strcmp(kw2, "USER") ? LOCAL_ROLE : LOCAL_NONE;
  }
  if (!strcmp(kw, "COPY")) return LOCAL_COPY;
  if (!strcmp(kw, "LISTEN")) return LOCAL_LISTEN;
  if (!strcmp(kw, "UNLISTEN")) return LOCAL_UNLISTEN;
  if (!strcmp(kw, "NOTIFY")) return LOCAL_NOTIFY;
  if (!strcmp(kw, "DISCARD")) return LOCAL_DISCARD;
  if (!strcmp(kw, "DEALLOCATE")) return LOCAL_DEALLOCATE;
  if (!strcmp(kw, "CLOSE")) return LOCAL_CLOSE;
  if (!strcmp(kw, "DECLARE")) return LOCAL_DECLARE;
  if (!strcmp(kw, "FETCH")) return LOCAL_FETCH;
  if (!strcmp(kw, "MOVE")) return LOCAL_MOVE;
  return LOCAL_NONE;
}

/* PostgreSQL's CommandComplete tag for an engine statement. */
static void command_tag(const char *sql, int64_t rows, int64_t changes, int ncols, char *tag, size_t taglen) {
  char kw[32], kw2[32];
  const char *p = read_word(sql, kw, sizeof kw);
  if (!strcmp(kw, "WITH")) {
    /* The main verb follows the CTE list: the first of these at parenthesis depth 0. */
    int depth = 0;
    const char *q = p;
    strcpy(kw, "SELECT");
    while (*q) {
      q = skip_space(q);
      if (*q == '(')
        depth++, q++;
      else if (*q == ')')
        depth--, q++;
      else if (*q == '\'' || *q == '"') {
        char c = *q++;
        while (*q && *q != c)
          q++;
        if (*q) q++;
      } else if (isalpha((unsigned char)*q) || *q == '_') {
        char w[32];
        q = read_word(q, w, sizeof w);
        if (depth == 0 && (!strcmp(w, "SELECT") || !strcmp(w, "INSERT") || !strcmp(w, "UPDATE") ||
                           !strcmp(w, "DELETE") || !strcmp(w, "VALUES"))) {
          strcpy(kw, w);
          break;
        }
      } else if (*q)
        q++;
    }
  }
  if (!strcmp(kw, "SELECT") || !strcmp(kw, "VALUES") || !strcmp(kw, "TABLE")) {
    snprintf(tag, taglen, "SELECT %lld", (long long)rows);
  } else if (!strcmp(kw, "INSERT") || !strcmp(kw, "REPLACE")) {
    snprintf(tag, taglen, "INSERT 0 %lld", (long long)changes);
  } else if (!strcmp(kw, "UPDATE") || !strcmp(kw, "DELETE") || !strcmp(kw, "MERGE")) {
    snprintf(tag, taglen, "%s %lld", kw, (long long)changes);
  } else if (!strcmp(kw, "CREATE") || !strcmp(kw, "DROP") || !strcmp(kw, "ALTER")) {
    const char *q = p;
    for (;;) {
      q = read_word(q, kw2, sizeof kw2);
      if (!strcmp(kw2, "OR") || !strcmp(kw2, "REPLACE") || !strcmp(kw2, "TEMP") ||
          !strcmp(kw2, "TEMPORARY") || !strcmp(kw2, "UNIQUE") || !strcmp(kw2, "VIRTUAL") ||
          !strcmp(kw2, "UNLOGGED") || !strcmp(kw2, "GLOBAL") || !strcmp(kw2, "LOCAL") ||
          !strcmp(kw2, "MATERIALIZED"))
        continue;
      break;
    }
    if (!strcmp(kw, "CREATE") && !strcmp(kw2, "TABLE") && ncols == 0 && rows == 0) {
      /* CREATE TABLE ... AS SELECT reports the rows it stored. */
      const char *e = statement_end(q);
      const char *as = NULL;
      int depth = 0; /* AS at parenthesis depth 0 (not GENERATED ... AS IDENTITY in a column) */
      for (const char *t = q; t + 2 < e && !as; t++) {
        if (*t == '(') depth++;
        if (*t == ')') depth--;
        if (*t == '\'' || *t == '"') {
          char c = *t++;
          while (t < e && *t != c)
            t++;
          continue;
        }
        if (depth == 0 && (t[0] == 'A' || t[0] == 'a') && (t[1] == 'S' || t[1] == 's') &&
            isspace((unsigned char)t[-1]) && (isspace((unsigned char)t[2]) || t[2] == '('))
          as = t;
      }
      if (as) {
        snprintf(tag, taglen, "SELECT %lld", (long long)changes);
        return;
      }
    }
    snprintf(tag, taglen, "%s %s", kw, kw2);
  } else if (!strcmp(kw, "END")) {
    snprintf(tag, taglen, "COMMIT");
  } else if (!strcmp(kw, "ABORT")) {
    snprintf(tag, taglen, "ROLLBACK");
  } else if (!strcmp(kw, "START")) {
    snprintf(tag, taglen, "START TRANSACTION");
  } else if (!strcmp(kw, "TRUNCATE")) {
    snprintf(tag, taglen, "TRUNCATE TABLE");
  } else if (!*kw) {
    snprintf(tag, taglen, "SELECT %lld", (long long)rows);
  } else {
    snprintf(tag, taglen, "%s", kw);
  }
}

/* After an engine statement: notifications it queued (pg_notify) go out if it committed on its own
 * (autocommit) and are dropped if the engine rolled its transaction back; inside a transaction they
 * wait for COMMIT. */
static void notify_after_statement(pgw_session *s, int ok) {
  if (!s->pending || !mica_get_autocommit(s->db)) return;
  if (ok)
    pgw_notify_commit(s);
  else
    pgw_notify_abort(s);
}

static void send_command_complete(pgw_session *s, const char *tag) {
  pqbuf_start(&s->out, 'C');
  pqbuf_put_string(&s->out, tag);
  pqbuf_finish(&s->out);
}

/* Character (not byte) position, 1-based, of byte offset off in sql. */
static int char_position(const char *sql, int off) {
  int pos = 1;
  for (int i = 0; i < off && sql[i]; i++)
    if (((unsigned char)sql[i] & 0xC0) != 0x80) pos++;
  return pos;
}

/* Sends the engine's current error. base/stmt_start locate the statement for the position field. */
static void send_engine_error(pgw_session *s, int rc, const char *base, const char *stmt_start) {
  int ext = s->db ? mica_extended_errcode(s->db) : rc;
  if ((ext & 0xff) != (rc & 0xff)) ext = rc;
  const char *msg = s->db ? mica_errmsg(s->db) : mica_errstr(rc);
  char buf[1024];
  if ((rc & 0xff) == MICA_INTERRUPT) {
    pthread_mutex_lock(&s->srv->mu);
    int shutting = s->srv->shutting_down;
    pthread_mutex_unlock(&s->srv->mu);
    if (shutting) {
      pgw_send_error(s, "FATAL", "57P01", "terminating connection due to administrator command", 0);
      s->want_close = 1;
      return;
    }
    msg = s->timed_out ? "canceling statement due to statement timeout"
                       : "canceling statement due to user request";
  }
  snprintf(buf, sizeof buf, "%s", msg ? msg : "unknown error");
  int position = 0;
  if (base && stmt_start && s->db) {
    int off = mica_error_offset(s->db);
    if (off >= 0) position = char_position(base, (int)(stmt_start - base) + off);
  }
  pgw_send_error(s, "ERROR", pgw_sqlstate(ext, msg), buf, position);
}

static int exec_simple_sql(pgw_session *s, const char *sql) {
  mica_stmt *st = NULL;
  int rc = mica_prepare_v3(s->db, sql, -1, 0, &st, NULL);
  if (rc == MICA_OK && st) {
    while ((rc = mica_step(st)) == MICA_ROW) {
    }
    if (rc == MICA_DONE) rc = MICA_OK;
    mica_finalize(st);
  }
  return rc;
}

/* ------------------------------------------------------------------------------------------------
 * Rows.
 */
static void decide_types(pgw_portal *p, const pgw_pstmt *ps) {
  if (p->described) return;
  p->ncols = p->stmt ? mica_column_count(p->stmt) : 0;
  free(p->col_oids);
  p->col_oids = calloc((size_t)(p->ncols ? p->ncols : 1), sizeof *p->col_oids);
  for (int i = 0; i < p->ncols && p->col_oids; i++) {
    const char *et = mica_column_exprtype(p->stmt, i);
    pgtype t = pgtypes_from_decltype(et);
    if (et && et[0] == '$' && ps && ps->pmap && ps->ptypes) {
      /* a bare parameter: the type the client gave it, or the one inferred (text), as PostgreSQL */
      int k = atoi(et + 1);
      int n = k >= 1 && k <= ps->nengine ? ps->pmap[k] : 0;
      if (n >= 1 && n <= ps->nparams) t.oid = ps->ptypes[n - 1];
    }
    if (!t.oid) {
      if (p->pending_row)
        t = pgtypes_from_storage(mica_column_type(p->stmt, i));
      else
        t.oid = PGOID_TEXT;
    }
    p->col_oids[i] = t.oid;
  }
  p->described = 1;
}

static int col_format(const pgw_portal *p, int i) {
  if (p->nformats == 0) return 0;
  if (p->nformats == 1) return p->formats[0];
  return i < p->nformats ? p->formats[i] : 0;
}

static void send_row_description(pgw_session *s, pgw_portal *p, int with_formats) {
  pqbuf_start(&s->out, 'T');
  pqbuf_put_int16(&s->out, (int16_t)p->ncols);
  for (int i = 0; i < p->ncols; i++) {
    const char *name = mica_column_name(p->stmt, i);
    pgtype t = pgtypes_from_decltype(mica_column_exprtype(p->stmt, i));
    uint32_t oid = p->col_oids ? p->col_oids[i] : PGOID_TEXT;
    pqbuf_put_string(&s->out, name ? name : "?column?");
    pqbuf_put_int32(&s->out, 0); /* table oid */
    pqbuf_put_int16(&s->out, 0); /* attribute number */
    pqbuf_put_int32(&s->out, (int32_t)oid);
    pqbuf_put_int16(&s->out, pgtypes_typlen(oid));
    pqbuf_put_int32(&s->out, t.oid == oid ? t.typmod : -1);
    pqbuf_put_int16(&s->out, (int16_t)(with_formats ? col_format(p, i) : 0));
  }
  pqbuf_finish(&s->out);
}

/* Column i of the current row of st (pointers into the statement's row). */
static void column_value(mica_stmt *st, int i, pgvalue *v) {
  memset(v, 0, sizeof *v);
  v->type = mica_column_type(st, i);
  switch (v->type) {
  case MICA_INTEGER: v->i = mica_column_int64(st, i); break;
  case MICA_FLOAT: v->d = mica_column_double(st, i); break;
  case MICA_TEXT:
    v->p = mica_column_text(st, i);
    v->n = (size_t)mica_column_bytes(st, i);
    break;
  case MICA_BLOB:
    v->p = mica_column_blob(st, i);
    v->n = (size_t)mica_column_bytes(st, i);
    break;
  default: v->type = MICA_NULL; break;
  }
}

/* Appends a DataRow of p's columns: vals when given (a held cursor row), else p's current row; -1
 * (error sent) when a value cannot be encoded. */
static int put_data_row(pgw_session *s, pgw_portal *p, const pgvalue *vals) {
  pqbuf_start(&s->out, 'D');
  pqbuf_put_int16(&s->out, (int16_t)p->ncols);
  for (int i = 0; i < p->ncols; i++) {
    pgvalue v;
    if (vals)
      v = vals[i];
    else
      column_value(p->stmt, i, &v);
    uint32_t oid = p->col_oids ? p->col_oids[i] : PGOID_TEXT;
    int32_t typmod = -1;
    if (oid == PGOID_NUMERIC) {
      /* numeric(p,s): the scale of the declared type or cast, as RowDescription announces it */
      pgtype t = pgtypes_from_decltype(mica_column_exprtype(p->stmt, i));
      if (t.oid == oid) typmod = t.typmod;
    }
    if (pgtypes_put_value_typmod(&s->out, oid, typmod, col_format(p, i), &v)) {
      pqbuf_cancel(&s->out);
      char msg[256];
      snprintf(msg, sizeof msg, "value in column \"%s\" cannot be sent as binary %s",
               mica_column_name(p->stmt, i), pgtypes_name(oid) ? pgtypes_name(oid) : "value");
      pgw_send_error(s, "ERROR", "22P03", msg, 0);
      return -1;
    }
  }
  if (pqbuf_finish(&s->out)) {
    pgw_send_error(s, "ERROR", "53200", "out of memory", 0);
    return -1;
  }
  return 0;
}

static int send_data_row(pgw_session *s, pgw_portal *p) { return put_data_row(s, p, NULL); }

/* Runs portal p for up to max_rows rows (0: all). Returns MICA_DONE (CommandComplete sent), MICA_ROW
 * (suspended, PortalSuspended to be sent by the caller) or -1 (ErrorResponse sent). */
static int run_portal(pgw_session *s, pgw_portal *p, int64_t max_rows, int send_desc, const char *base,
                      const char *stmt_start) {
  int64_t sent = 0;
  int rc;
  pgw_statement_begin(s);
  for (;;) {
    if (p->pending_row) {
      rc = MICA_ROW;
      p->pending_row = 0;
    } else {
      if (max_rows > 0 && sent >= max_rows) {
        pgw_statement_end(s);
        return MICA_ROW;
      }
      rc = mica_step(p->stmt);
      p->started = 1;
      if (rc == MICA_ROW && !p->described) {
        p->pending_row = 1;
        decide_types(p, p->ps);
        p->pending_row = 0;
      }
    }
    if (rc != MICA_ROW) break;
    if (send_desc && p->ncols > 0) {
      send_row_description(s, p, 1);
      send_desc = 0;
    }
    if (send_data_row(s, p)) {
      pgw_statement_end(s);
      mica_reset(p->stmt);
      return -1;
    }
    sent++;
    p->rows++;
    if (s->out.len > (64u << 10)) pgw_session_flush(s);
  }
  pgw_statement_end(s);
  if (rc != MICA_DONE) {
    mica_reset(p->stmt);
    send_engine_error(s, rc, base, stmt_start);
    return -1;
  }
  decide_types(p, p->ps);
  if (send_desc && p->ncols > 0) send_row_description(s, p, 1);
  char tag[96];
  /* As PostgreSQL, a SELECT resumed after PortalSuspended reports the rows of this Execute. */
  command_tag(mica_sql(p->stmt) ? mica_sql(p->stmt) : "", sent, mica_changes64(s->db), p->ncols, tag,
              sizeof tag);
  send_command_complete(s, tag);
  p->done = 1;
  return MICA_DONE;
}

/* ------------------------------------------------------------------------------------------------
 * Session statements (SET, SHOW, RESET, DISCARD, DEALLOCATE, transaction control).
 */
typedef struct {
  const char *p, *end;
} lexer;

/* Next token: a quoted string (unquoted into out), an identifier/word, or a punctuation character.
 * Returns 0 at the end, 1 word, 2 string, 3 punctuation, -1 error. */
static int lex(lexer *lx, char *out, size_t outlen) {
  lx->p = skip_space(lx->p);
  if (lx->p >= lx->end || !*lx->p || *lx->p == ';') return 0;
  size_t n = 0;
  const char *p = lx->p;
  int estr = (*p == 'E' || *p == 'e') && p[1] == '\'';
  if (estr) p++;
  if (*p == '\'') {
    p++;
    while (*p && p < lx->end) {
      if (*p == '\'' && p[1] == '\'') {
        if (n < outlen - 1) out[n++] = '\'';
        p += 2;
      } else if (*p == '\'')
        break;
      else if (estr && *p == '\\' && p[1]) {
        if (n < outlen - 1) out[n++] = p[1];
        p += 2;
      } else {
        if (n < outlen - 1) out[n++] = *p;
        p++;
      }
    }
    if (*p != '\'') return -1;
    out[n] = 0;
    lx->p = p + 1;
    return 2;
  }
  if (*p == '"') {
    p++;
    while (*p && p < lx->end && *p != '"') {
      if (n < outlen - 1) out[n++] = *p;
      p++;
    }
    if (*p != '"') return -1;
    out[n] = 0;
    lx->p = p + 1;
    return 1;
  }
  if (isalnum((unsigned char)*p) || *p == '_' || *p == '-' || *p == '+' || *p == '.') {
    while (p < lx->end &&
           (isalnum((unsigned char)*p) || *p == '_' || *p == '-' || *p == '+' || *p == '.' || *p == '$')) {
      if (n < outlen - 1) out[n++] = (char)tolower((unsigned char)*p);
      p++;
    }
    out[n] = 0;
    lx->p = p;
    return 1;
  }
  out[0] = *p;
  out[1] = 0;
  lx->p = p + 1;
  return 3;
}

static const char *const readonly_params[] = {
    "server_version", "server_version_num",    "server_encoding", "integer_datetimes",
    "in_hot_standby", "max_connections",       "block_size",      "lc_collate",
    "lc_ctype",       "max_identifier_length", "is_superuser",    NULL};

static int is_readonly_param(const char *name) {
  for (int i = 0; readonly_params[i]; i++)
    if (!strcasecmp(readonly_params[i], name)) return 1;
  return 0;
}

/* Runs SET/RESET. Returns 0 or -1 (error sent). */
static int run_set(pgw_session *s, const char *sql, const char *end, int reset) {
  lexer lx = {sql, end};
  char w[256], name[128], value[1024];
  lex(&lx, w, sizeof w); /* SET / RESET */
  int t = lex(&lx, name, sizeof name);
  if (!reset && t == 1 && (!strcmp(name, "session") || !strcmp(name, "local")))
    t = lex(&lx, name, sizeof name);
  if (t != 1) {
    pgw_send_error(s, "ERROR", "42601", "syntax error in SET", 0);
    return -1;
  }
  if (!reset && (!strcmp(name, "transaction") || !strcmp(name, "characteristics"))) return 0; /* no-op */
  if (reset && !strcmp(name, "all")) {
    for (pgw_guc *g = s->gucs; g; g = g->next)
      if (!is_readonly_param(g->name) && strcmp(g->value, g->boot)) pgw_guc_set(s, g->name, NULL);
    return 0;
  }
  if (!strcmp(name, "time")) {
    lex(&lx, w, sizeof w); /* ZONE */
    snprintf(name, sizeof name, "TimeZone");
  } else if (!strcmp(name, "names")) {
    snprintf(name, sizeof name, "client_encoding");
  } else if (!strcmp(name, "session") && reset) {
    lex(&lx, w, sizeof w); /* RESET SESSION AUTHORIZATION */
    return 0;
  } else {
    /* Qualified names "a.b" come back as one word from the lexer. */
  }
  if (is_readonly_param(name)) {
    char msg[256];
    snprintf(msg, sizeof msg, "parameter \"%s\" cannot be changed", name);
    pgw_send_error(s, "ERROR", "55P02", msg, 0);
    return -1;
  }
  if (reset) {
    if (!pgw_guc_get(s, name)) {
      char msg[256];
      snprintf(msg, sizeof msg, "unrecognized configuration parameter \"%s\"", name);
      pgw_send_error(s, "ERROR", "42704", msg, 0);
      return -1;
    }
    pgw_guc_set(s, name, NULL);
    return 0;
  }
  int tt = lex(&lx, w, sizeof w);
  if (!(tt == 1 && !strcmp(w, "to")) && !(tt == 3 && w[0] == '=')) {
    if (!(!strcasecmp(name, "TimeZone") && tt > 0)) { /* SET TIME ZONE value has no TO */
      pgw_send_error(s, "ERROR", "42601", "syntax error at or near SET value", 0);
      return -1;
    }
  } else
    tt = lex(&lx, w, sizeof w);
  size_t vn = 0;
  value[0] = 0;
  int is_default = 0;
  while (tt > 0) {
    if (tt == 3 && w[0] == ',') {
      if (vn + 2 < sizeof value) value[vn++] = ',', value[vn++] = ' ';
    } else if (tt == 1 && !strcmp(w, "default") && vn == 0) {
      is_default = 1;
    } else {
      size_t l = strlen(w);
      if (vn + l + 1 >= sizeof value) break;
      memcpy(value + vn, w, l);
      vn += l;
    }
    value[vn] = 0;
    tt = lex(&lx, w, sizeof w);
  }
  if (tt < 0) {
    pgw_send_error(s, "ERROR", "42601", "unterminated quoted string in SET", 0);
    return -1;
  }
  if (!strcasecmp(name, "TimeZone") && (!strcasecmp(value, "local") || is_default)) is_default = 1;
  if (is_default) {
    if (pgw_guc_get(s, name)) pgw_guc_set(s, name, NULL);
    return 0;
  }
  if (!strcasecmp(name, "client_encoding")) {
    if (strcasecmp(value, "utf8") && strcasecmp(value, "utf-8") && strcasecmp(value, "unicode")) {
      char msg[256];
      snprintf(msg, sizeof msg, "invalid value for parameter \"client_encoding\": \"%s\"", value);
      pgw_send_error(s, "ERROR", "22023", msg, 0);
      return -1;
    }
    snprintf(value, sizeof value, "UTF8");
  }
  if (!strcasecmp(name, "statement_timeout") || !strcasecmp(name, "lock_timeout")) {
    int ms;
    if (pgconf_parse_ms(value, &ms)) {
      char msg[256];
      snprintf(msg, sizeof msg, "invalid value for parameter \"%s\": \"%s\"", name, value);
      pgw_send_error(s, "ERROR", "22023", msg, 0);
      return -1;
    }
    if (!strcasecmp(name, "lock_timeout") && s->db) mica_busy_timeout(s->db, ms > 0 ? ms : 60000);
  }
  if (!strcasecmp(name, "DateStyle")) {
    /* Only ISO output exists; keep the order part the client asked for. */
    snprintf(value, sizeof value, "%s",
             strstr(value, "dmy")   ? "ISO, DMY"
             : strstr(value, "ymd") ? "ISO, YMD"
                                    : "ISO, MDY");
  }
  pgw_guc_set(s, name, value);
  return 0;
}

/* SHOW: fills name/value for a one-row result, or sends an error (-1). SHOW ALL returns 1. */
static int show_lookup(pgw_session *s, const char *sql, const char *end, char *name, size_t namelen,
                       const char **value, int quiet) {
  lexer lx = {sql, end};
  char w[128];
  lex(&lx, w, sizeof w);
  int t = lex(&lx, w, sizeof w);
  if (t != 1) {
    if (!quiet) pgw_send_error(s, "ERROR", "42601", "syntax error in SHOW", 0);
    return -1;
  }
  if (!strcmp(w, "all")) return 1;
  if (!strcmp(w, "time"))
    snprintf(w, sizeof w, "TimeZone");
  else if (!strcmp(w, "transaction"))
    snprintf(w, sizeof w, "transaction_isolation");
  else if (!strcmp(w, "session"))
    snprintf(w, sizeof w, "session_authorization");
  *value = pgw_guc_get(s, w);
  if (!*value) {
    if (quiet) return -1;
    char msg[256];
    snprintf(msg, sizeof msg, "unrecognized configuration parameter \"%s\"", w);
    pgw_send_error(s, "ERROR", "42704", msg, 0);
    return -1;
  }
  for (pgw_guc *g = s->gucs; g; g = g->next)
    if (!strcasecmp(g->name, w)) snprintf(name, namelen, "%s", g->name);
  /* PostgreSQL labels the column with the name as the user wrote it, lower-cased. */
  for (char *c = name; *c; c++)
    *c = (char)tolower((unsigned char)*c);
  return 0;
}

static void put_text_desc(pgw_session *s, int n, const char *const *names) {
  pqbuf_start(&s->out, 'T');
  pqbuf_put_int16(&s->out, (int16_t)n);
  for (int i = 0; i < n; i++) {
    pqbuf_put_string(&s->out, names[i]);
    pqbuf_put_int32(&s->out, 0);
    pqbuf_put_int16(&s->out, 0);
    pqbuf_put_int32(&s->out, PGOID_TEXT);
    pqbuf_put_int16(&s->out, -1);
    pqbuf_put_int32(&s->out, -1);
    pqbuf_put_int16(&s->out, 0);
  }
  pqbuf_finish(&s->out);
}

static void put_text_row(pgw_session *s, int n, const char *const *vals) {
  pqbuf_start(&s->out, 'D');
  pqbuf_put_int16(&s->out, (int16_t)n);
  for (int i = 0; i < n; i++) {
    pqbuf_put_int32(&s->out, (int32_t)strlen(vals[i]));
    pqbuf_put_bytes(&s->out, vals[i], strlen(vals[i]));
  }
  pqbuf_finish(&s->out);
}

/* Describe output for a local statement. */
/* FETCH / MOVE arguments. */
typedef struct fetch_args {
  int64_t count; /* rows forward; -1 ALL */
  int backward;  /* a direction that needs a backward (or absolute) scan */
  char name[128];
} fetch_args;
static int parse_fetch(const char *sql, const char *end, fetch_args *a);
static pgw_portal *find_portal(pgw_session *s, const char *name);
static int cursor_describe(pgw_session *s, pgw_portal *c, int quiet);

static void describe_local(pgw_session *s, int kind, const char *sql) {
  if (kind == LOCAL_FETCH) {
    /* The rows of FETCH are the cursor's: its RowDescription (NoData when it does not exist yet). */
    fetch_args a;
    pgw_portal *c = parse_fetch(sql, sql + strlen(sql), &a) ? NULL : find_portal(s, a.name);
    if (c && c->cursor && cursor_describe(s, c, 1) == 0) {
      send_row_description(s, c, 1);
      return;
    }
    pqbuf_start(&s->out, 'n');
    pqbuf_finish(&s->out);
    return;
  }
  if (kind == LOCAL_SHOW) {
    char name[128] = "";
    const char *value = NULL;
    /* Errors are reported at Execute, not here. */
    int r = show_lookup(s, sql, sql + strlen(sql), name, sizeof name, &value, 1);
    if (r < 0) {
      pqbuf_start(&s->out, 'n');
      pqbuf_finish(&s->out);
      return;
    }
    if (r == 1) {
      const char *cols[] = {"name", "setting", "description"};
      put_text_desc(s, 3, cols);
    } else {
      const char *cols[] = {name};
      put_text_desc(s, 1, cols);
    }
    return;
  }
  pqbuf_start(&s->out, 'n');
  pqbuf_finish(&s->out);
}

static void drop_pstmt(pgw_session *s, pgw_pstmt *ps);
static void drop_portal(pgw_session *s, pgw_portal *p);

/* ------------------------------------------------------------------------------------------------
 * SQL cursors: DECLARE, FETCH, MOVE, CLOSE.
 *
 * A cursor is a named portal (pgw_portal.cursor) over its own compiled query, so the extended
 * protocol can Describe it by name as PostgreSQL allows. Without HOLD it exists only inside a
 * transaction block and reads its statement as FETCH asks (rows stream, nothing is materialized); it
 * is closed when the transaction ends. WITH HOLD it reads every row at DECLARE into memory (held),
 * as PostgreSQL materializes a holdable cursor, and lives until CLOSE or the session's end. Cursors
 * only move forward: backward and absolute directions are refused (55000 as PostgreSQL says it for a
 * NO SCROLL cursor, 0A000 for a SCROLL one).
 */
typedef struct pgw_held {
  pgvalue *v; /* nrows * ncols values; text and blob bytes are owned copies */
  int64_t nrows, cap, pos;
  int ncols;
} pgw_held;

static void held_free(pgw_held *h) {
  if (!h) return;
  for (int64_t i = 0; i < h->nrows * h->ncols; i++)
    if (h->v[i].type == MICA_TEXT || h->v[i].type == MICA_BLOB) free((void *)h->v[i].p);
  free(h->v);
  free(h);
}

/* Appends the statement's current row to h; -1 when out of memory. */
static int held_add(pgw_held *h, mica_stmt *st) {
  if (h->nrows == h->cap) {
    int64_t cap = h->cap ? h->cap * 2 : 64;
    pgvalue *nv = realloc(h->v, (size_t)(cap * h->ncols + 1) * sizeof *nv);
    if (!nv) return -1;
    memset(nv + h->cap * h->ncols, 0, (size_t)((cap - h->cap) * h->ncols) * sizeof *nv);
    h->v = nv;
    h->cap = cap;
  }
  pgvalue *row = h->v + h->nrows * h->ncols;
  for (int i = 0; i < h->ncols; i++) {
    column_value(st, i, &row[i]);
    if (row[i].type == MICA_TEXT || row[i].type == MICA_BLOB) {
      unsigned char *copy = malloc(row[i].n + 1);
      if (!copy) {
        for (int k = 0; k < i; k++)
          if (row[k].type == MICA_TEXT || row[k].type == MICA_BLOB) free((void *)row[k].p);
        return -1;
      }
      if (row[i].n) memcpy(copy, row[i].p, row[i].n);
      copy[row[i].n] = 0;
      row[i].p = copy;
    }
  }
  h->nrows++;
  return 0;
}

/* Steps a read-only portal's first row so that expression columns get their value's type: MICA_ROW
 * (the row stays pending for Execute/FETCH), MICA_DONE (no rows: reset, to run again, with the same
 * result and no side effects) or an engine error code (reset; not reported here). */
static int peek_first_row(pgw_session *s, pgw_portal *p) {
  pgw_statement_begin(s);
  int rc = mica_step(p->stmt);
  pgw_statement_end(s);
  p->started = 1;
  if (rc == MICA_ROW) {
    p->pending_row = 1;
  } else {
    mica_reset(p->stmt);
    p->started = 0;
  }
  return rc;
}

/* Decides a live cursor's column types (peek_first_row). Returns 0, or -1 on an engine error (sent
 * unless quiet). */
static int cursor_describe(pgw_session *s, pgw_portal *c, int quiet) {
  if (c->described) return 0;
  if (!c->started && !c->done) {
    int rc = peek_first_row(s, c);
    if (rc != MICA_ROW && rc != MICA_DONE) {
      if (!quiet) send_engine_error(s, rc, NULL, NULL);
      return -1;
    }
  }
  decide_types(c, c->ps);
  return 0;
}

/* FETCH [direction] [FROM | IN] name and MOVE: direction NEXT, FORWARD [n | ALL], n, ALL (forward);
 * PRIOR, FIRST, LAST, ABSOLUTE n, RELATIVE n, BACKWARD [n | ALL] and negative counts need a
 * backward scan. Returns 0, or -1 on a syntax error. */
static int parse_fetch(const char *sql, const char *end, fetch_args *a) {
  lexer lx = {sql, end};
  char w[128];
  memset(a, 0, sizeof *a);
  a->count = 1;
  lex(&lx, w, sizeof w); /* FETCH / MOVE */
  int t = lex(&lx, w, sizeof w);
  if (t == 1 && (isdigit((unsigned char)w[0]) || w[0] == '-' || w[0] == '+')) {
    char *e;
    long long n = strtoll(w, &e, 10);
    if (*e) return -1;
    a->count = n < 0 ? -n : n;
    a->backward = n < 0;
    t = lex(&lx, w, sizeof w);
  } else if (t == 1 && !strcmp(w, "all")) {
    a->count = -1;
    t = lex(&lx, w, sizeof w);
  } else if (t == 1 && (!strcmp(w, "next") || !strcmp(w, "forward") || !strcmp(w, "backward"))) {
    int fwd = strcmp(w, "backward") != 0;
    a->backward = !fwd;
    if (!strcmp(w, "next")) {
      t = lex(&lx, w, sizeof w);
    } else {
      t = lex(&lx, w, sizeof w);
      if (t == 1 && !strcmp(w, "all")) {
        a->count = -1;
        t = lex(&lx, w, sizeof w);
      } else if (t == 1 && (isdigit((unsigned char)w[0]) || w[0] == '-' || w[0] == '+')) {
        char *e;
        long long n = strtoll(w, &e, 10);
        if (*e) return -1;
        a->count = n < 0 ? -n : n;
        if (n < 0) a->backward = !a->backward;
        t = lex(&lx, w, sizeof w);
      }
    }
  } else if (t == 1 && (!strcmp(w, "prior") || !strcmp(w, "first") || !strcmp(w, "last"))) {
    a->backward = 1;
    t = lex(&lx, w, sizeof w);
  } else if (t == 1 && (!strcmp(w, "absolute") || !strcmp(w, "relative"))) {
    a->backward = 1;
    lex(&lx, w, sizeof w); /* the count */
    t = lex(&lx, w, sizeof w);
  }
  /* after the direction (or none): [FROM | IN] name */
  if (t == 1 && (!strcmp(w, "from") || !strcmp(w, "in"))) t = lex(&lx, w, sizeof w);
  if (t != 1) return -1;
  snprintf(a->name, sizeof a->name, "%s", w);
  return lex(&lx, w, sizeof w) == 0 ? 0 : -1;
}

/* DECLARE name [BINARY] [INSENSITIVE] [[NO] SCROLL] CURSOR [{WITH | WITHOUT} HOLD] FOR query: fills
 * the options and returns where the query starts, or NULL on a syntax error (message in err). */
static const char *parse_declare(const char *sql, const char *end, char *name, size_t namelen, int *binary,
                                 int *scroll, int *hold, char *err, size_t errlen) {
  lexer lx = {sql, end};
  char w[128];
  *binary = *hold = 0;
  *scroll = -1;
  lex(&lx, w, sizeof w); /* DECLARE */
  if (lex(&lx, name, namelen) != 1) {
    snprintf(err, errlen, "syntax error at or near \"%s\"", name);
    return NULL;
  }
  int t;
  while ((t = lex(&lx, w, sizeof w)) == 1 && strcmp(w, "cursor")) {
    if (!strcmp(w, "binary"))
      *binary = 1;
    else if (!strcmp(w, "insensitive") || !strcmp(w, "asensitive"))
      continue;
    else if (!strcmp(w, "scroll"))
      *scroll = *scroll == 0 ? 0 : 1;
    else if (!strcmp(w, "no"))
      *scroll = 0;
    else
      break;
  }
  if (t != 1 || strcmp(w, "cursor")) {
    snprintf(err, errlen, "syntax error at or near \"%s\"", t > 0 ? w : "");
    return NULL;
  }
  t = lex(&lx, w, sizeof w);
  if (t == 1 && (!strcmp(w, "with") || !strcmp(w, "without"))) {
    *hold = !strcmp(w, "with");
    t = lex(&lx, w, sizeof w);
    if (t != 1 || strcmp(w, "hold")) {
      snprintf(err, errlen, "syntax error at or near \"%s\"", t > 0 ? w : "");
      return NULL;
    }
    t = lex(&lx, w, sizeof w);
  }
  if (t != 1 || strcmp(w, "for")) {
    snprintf(err, errlen, "syntax error at or near \"%s\"", t > 0 ? w : "");
    return NULL;
  }
  return skip_space(lx.p);
}

/* The query of a DECLARE statement (NULL when it does not parse; running it reports why). */
static const char *declare_query(const char *sql) {
  char name[128], err[300];
  int binary, scroll, hold;
  return parse_declare(sql, sql + strlen(sql), name, sizeof name, &binary, &scroll, &hold, err, sizeof err);
}

/* DECLARE: st is the compiled query (bound already when it came through Bind), owned by the cursor
 * from here on, even on failure. Returns 0, or -1 (error sent). */
static int cursor_declare(pgw_session *s, const char *sql, const char *end, mica_stmt *st, char *tag,
                          size_t taglen) {
  char name[128], err[300];
  int binary, scroll, hold;
  const char *q = parse_declare(sql, end, name, sizeof name, &binary, &scroll, &hold, err, sizeof err);
  if (!q) {
    if (st) mica_finalize(st);
    pgw_send_error(s, "ERROR", "42601", err, 0);
    return -1;
  }
  if (!hold && mica_get_autocommit(s->db)) {
    if (st) mica_finalize(st);
    pgw_send_error(s, "ERROR", "25P01", "DECLARE CURSOR can only be used in transaction blocks", 0);
    return -1;
  }
  if (find_portal(s, name)) {
    if (st) mica_finalize(st);
    snprintf(err, sizeof err, "cursor \"%s\" already exists", name);
    pgw_send_error(s, "ERROR", "42P03", err, 0);
    return -1;
  }
  if (!st) {
    int rc = mica_prepare_v3(s->db, q, (int)(end - q), 0, &st, NULL);
    if (rc != MICA_OK) {
      send_engine_error(s, rc, sql, q);
      if (st) mica_finalize(st);
      return -1;
    }
  }
  if (!st || mica_column_count(st) == 0 || !mica_stmt_readonly(st)) {
    char kw[32];
    read_word(q, kw, sizeof kw);
    snprintf(err, sizeof err, "syntax error at or near \"%s\"", kw);
    if (st) mica_finalize(st);
    pgw_send_error(s, "ERROR", "42601", err, char_position(sql, (int)(q - sql)));
    return -1;
  }
  pgw_portal *c = calloc(1, sizeof *c);
  pgw_pstmt *ps = calloc(1, sizeof *ps);
  if (!c || !ps || !(c->name = strdup(name)) || !(ps->name = strdup("")) ||
      !(ps->sql = strndup(q, (size_t)(end - q)))) {
    if (ps) free(ps->name);
    free(ps);
    if (c) free(c->name);
    free(c);
    mica_finalize(st);
    pgw_send_error(s, "ERROR", "53200", "out of memory", 0);
    return -1;
  }
  c->cursor = 1;
  c->hold = hold;
  c->scroll = scroll;
  c->ps = ps;
  c->stmt = st;
  c->own_stmt = 1;
  if (binary) {
    c->formats = calloc(1, sizeof *c->formats);
    if (c->formats) c->formats[0] = 1, c->nformats = 1;
  }
  c->next = s->portals;
  s->portals = c;
  if (hold) {
    /* Materialize now: the rows are the ones the cursor would have seen, and it owes nothing to
     * the transaction. */
    pgw_held *h = calloc(1, sizeof *h);
    int rc = MICA_DONE;
    if (h) {
      h->ncols = mica_column_count(st);
      pgw_statement_begin(s);
      while ((rc = mica_step(st)) == MICA_ROW) {
        if (!c->described) {
          c->pending_row = 1;
          decide_types(c, ps);
          c->pending_row = 0;
        }
        if (held_add(h, st)) {
          rc = MICA_NOMEM;
          break;
        }
      }
      pgw_statement_end(s);
    }
    if (!h || rc != MICA_DONE) {
      if (h && rc != MICA_NOMEM)
        send_engine_error(s, rc, sql, q);
      else
        pgw_send_error(s, "ERROR", "53200", "out of memory", 0);
      held_free(h);
      drop_portal(s, c);
      return -1;
    }
    decide_types(c, ps);
    mica_reset(st);
    c->held = h;
    c->started = c->done = 1;
  }
  snprintf(tag, taglen, "DECLARE CURSOR");
  return 0;
}

/* FETCH (send) or MOVE: up to a->count rows forward. exec: the extended-protocol portal running the
 * FETCH (its result formats apply), NULL for a simple query (text, or binary for a BINARY cursor).
 * Returns 0 with the tag, or -1 (error sent). */
static int cursor_fetch(pgw_session *s, const char *sql, const char *end, int send, int with_desc,
                        const pgw_portal *exec, char *tag, size_t taglen) {
  fetch_args a;
  char msg[300];
  if (parse_fetch(sql, end, &a)) {
    pgw_send_error(s, "ERROR", "42601", send ? "syntax error in FETCH" : "syntax error in MOVE", 0);
    return -1;
  }
  pgw_portal *c = find_portal(s, a.name);
  if (!c || !c->cursor) {
    snprintf(msg, sizeof msg, "cursor \"%s\" does not exist", a.name);
    pgw_send_error(s, "ERROR", "34000", msg, 0);
    return -1;
  }
  if (a.backward) {
    if (c->scroll == 1)
      pgw_send_error(s, "ERROR", "0A000", "backward and absolute FETCH are not supported", 0);
    else
      pgw_send_error_hint(s, "55000", "cursor can only scan forward",
                          "Declare it with SCROLL option to enable backward scan.");
    return -1;
  }
  if (cursor_describe(s, c, 0)) return -1;
  int16_t *formats = c->formats;
  int nformats = c->nformats;
  if (exec && exec->nformats) {
    c->formats = exec->formats;
    c->nformats = exec->nformats;
  }
  int rc = 0;
  int64_t n = 0;
  if (send && with_desc) send_row_description(s, c, 1);
  if (c->held) {
    pgw_held *h = c->held;
    for (; (a.count < 0 || n < a.count) && h->pos < h->nrows; n++, h->pos++) {
      if (send && (rc = put_data_row(s, c, h->v + h->pos * h->ncols)) != 0) break;
      if (s->out.len > (64u << 10)) pgw_session_flush(s);
    }
  } else {
    pgw_statement_begin(s);
    while ((a.count < 0 || n < a.count) && !c->done) {
      int step;
      if (c->pending_row) {
        step = MICA_ROW;
        c->pending_row = 0;
      } else {
        step = mica_step(c->stmt);
      }
      if (step == MICA_DONE) {
        c->done = 1;
        break;
      }
      if (step != MICA_ROW) {
        c->done = 1;
        mica_reset(c->stmt);
        send_engine_error(s, step, NULL, NULL);
        rc = -1;
        break;
      }
      if (send && (rc = send_data_row(s, c)) != 0) break;
      n++;
      if (s->out.len > (64u << 10)) pgw_session_flush(s);
    }
    pgw_statement_end(s);
  }
  c->formats = formats;
  c->nformats = nformats;
  if (rc) return -1;
  snprintf(tag, taglen, "%s %lld", send ? "FETCH" : "MOVE", (long long)n);
  return 0;
}

/* Closes the cursors a transaction's end takes along (all but WITH HOLD); called whenever no
 * transaction is open any more. */
static void close_transaction_cursors(pgw_session *s) {
  for (pgw_portal *p = s->portals, *next; p; p = next) {
    next = p->next;
    if (p->cursor && !p->hold) drop_portal(s, p);
  }
}

static int run_role(pgw_session *s, const char *sql, const char *end, char *tag, size_t taglen);
static int run_database(pgw_session *s, const char *sql, const char *end, char *tag, size_t taglen);
static void drop_all_portals(pgw_session *s);

/* Runs a local statement. with_desc: send RowDescription for SHOW and FETCH (simple protocol). exec:
 * the extended-protocol portal running it (NULL for a simple query). Returns 0 or -1. */
static int run_local(pgw_session *s, int kind, const char *sql, const char *end, int with_desc, int *implicit,
                     pgw_portal *exec) {
  char tag[64] = "";
  int rc;
  char kw[32];
  read_word(sql, kw, sizeof kw);
  switch (kind) {
  case LOCAL_SET:
  case LOCAL_RESET:
    if (run_set(s, sql, end, kind == LOCAL_RESET)) return -1;
    snprintf(tag, sizeof tag, kind == LOCAL_SET ? "SET" : "RESET");
    break;
  case LOCAL_SHOW: {
    char name[128] = "";
    const char *value = NULL;
    int r = show_lookup(s, sql, end, name, sizeof name, &value, 0);
    if (r < 0) return -1;
    if (r == 1) {
      const char *cols[] = {"name", "setting", "description"};
      if (with_desc) put_text_desc(s, 3, cols);
      for (pgw_guc *g = s->gucs; g; g = g->next) {
        const char *vals[] = {g->name, g->value, ""};
        put_text_row(s, 3, vals);
      }
    } else {
      const char *cols[] = {name};
      if (with_desc) put_text_desc(s, 1, cols);
      const char *vals[] = {value};
      put_text_row(s, 1, vals);
    }
    snprintf(tag, sizeof tag, "SHOW");
    break;
  }
  case LOCAL_BEGIN:
    snprintf(tag, sizeof tag, !strcmp(kw, "START") ? "START TRANSACTION" : "BEGIN");
    if (implicit && *implicit) {
      *implicit = 0; /* the implicit transaction becomes this explicit one */
    } else if (!mica_get_autocommit(s->db)) {
      pgw_send_notice(s, "WARNING", "25001", "there is already a transaction in progress");
    } else if ((rc = exec_simple_sql(s, "BEGIN")) != MICA_OK) {
      send_engine_error(s, rc, NULL, NULL);
      return -1;
    }
    break;
  case LOCAL_COMMIT:
  case LOCAL_ROLLBACK: {
    int rollback = kind == LOCAL_ROLLBACK || s->tx_failed;
    snprintf(tag, sizeof tag, rollback ? "ROLLBACK" : "COMMIT");
    if (mica_get_autocommit(s->db)) {
      if (!s->tx_failed) pgw_send_notice(s, "WARNING", "25P01", "there is no transaction in progress");
    } else if ((rc = exec_simple_sql(s, rollback ? "ROLLBACK" : "COMMIT")) != MICA_OK) {
      send_engine_error(s, rc, NULL, NULL);
      if (!mica_get_autocommit(s->db) && !rollback) {
        /* A failed COMMIT leaves nothing usable: roll back as PostgreSQL does. */
        exec_simple_sql(s, "ROLLBACK");
      }
      s->tx_failed = 0;
      pgw_notify_abort(s);
      return -1;
    }
    if (rollback)
      pgw_notify_abort(s);
    else
      pgw_notify_commit(s);
    s->tx_failed = 0;
    if (implicit) *implicit = 0;
    break;
  }
  case LOCAL_DISCARD: {
    char w2[32];
    read_word(read_word(sql, kw, sizeof kw), w2, sizeof w2);
    if (!strcmp(w2, "ALL")) {
      if (!mica_get_autocommit(s->db)) {
        pgw_send_error(s, "ERROR", "25001", "DISCARD ALL cannot run inside a transaction block", 0);
        return -1;
      }
      drop_all_portals(s);
      while (s->pstmts)
        drop_pstmt(s, s->pstmts);
      pgw_advisory_release_all(s);
      pgw_notify_unlisten(s, NULL);
      for (pgw_guc *g = s->gucs; g; g = g->next)
        if (!is_readonly_param(g->name) && strcmp(g->value, g->boot)) pgw_guc_set(s, g->name, NULL);
    }
    snprintf(tag, sizeof tag, "DISCARD %s", w2);
    break;
  }
  case LOCAL_CLOSE: {
    lexer lx = {sql, end};
    char w[256];
    lex(&lx, w, sizeof w);
    int t = lex(&lx, w, sizeof w);
    if (t == 1 && !strcmp(w, "all")) {
      for (pgw_portal *p = s->portals, *next; p; p = next) {
        next = p->next;
        if (p->cursor) drop_portal(s, p);
      }
      snprintf(tag, sizeof tag, "CLOSE CURSOR ALL");
    } else {
      pgw_portal *c = t == 1 ? find_portal(s, w) : NULL;
      if (!c || !c->cursor) {
        char msg[300];
        snprintf(msg, sizeof msg, "cursor \"%s\" does not exist", t == 1 ? w : "");
        pgw_send_error(s, "ERROR", "34000", msg, 0);
        return -1;
      }
      drop_portal(s, c);
      snprintf(tag, sizeof tag, "CLOSE CURSOR");
    }
    break;
  }
  case LOCAL_DECLARE: {
    mica_stmt *st = NULL;
    if (exec && exec->stmt && exec->own_stmt) {
      /* Parse compiled the query and Bind bound it: the cursor takes the statement over. */
      st = exec->stmt;
      exec->stmt = NULL;
      exec->own_stmt = 0;
    }
    if (cursor_declare(s, sql, end, st, tag, sizeof tag)) return -1;
    break;
  }
  case LOCAL_FETCH:
  case LOCAL_MOVE:
    if (cursor_fetch(s, sql, end, kind == LOCAL_FETCH, with_desc, exec, tag, sizeof tag)) return -1;
    break;
  case LOCAL_DEALLOCATE: {
    lexer lx = {sql, end};
    char w[256];
    lex(&lx, w, sizeof w);
    int t = lex(&lx, w, sizeof w);
    if (t == 1 && !strcmp(w, "prepare")) t = lex(&lx, w, sizeof w);
    if (t == 1 && !strcmp(w, "all")) {
      while (s->pstmts)
        drop_pstmt(s, s->pstmts);
      snprintf(tag, sizeof tag, "DEALLOCATE ALL");
    } else {
      pgw_pstmt *ps = s->pstmts;
      while (ps && strcmp(ps->name, w))
        ps = ps->next;
      if (!ps || !*w) {
        char msg[300];
        snprintf(msg, sizeof msg, "prepared statement \"%s\" does not exist", w);
        pgw_send_error(s, "ERROR", "26000", msg, 0);
        return -1;
      }
      drop_pstmt(s, ps);
      snprintf(tag, sizeof tag, "DEALLOCATE");
    }
    break;
  }
  case LOCAL_ROLE:
    if (run_role(s, sql, end, tag, sizeof tag)) return -1;
    break;
  case LOCAL_LISTEN:
  case LOCAL_UNLISTEN:
  case LOCAL_NOTIFY: {
    lexer lx = {sql, end};
    char w[256], ch[256], payload[8000] = "";
    lex(&lx, w, sizeof w);
    int t = lex(&lx, ch, sizeof ch);
    if (kind == LOCAL_UNLISTEN && t == 3 && ch[0] == '*') {
      pgw_notify_unlisten(s, NULL);
      snprintf(tag, sizeof tag, "UNLISTEN");
      break;
    }
    if (t != 1) {
      pgw_send_error(s, "ERROR", "42601", "syntax error: channel name expected", 0);
      return -1;
    }
    if (kind == LOCAL_NOTIFY) {
      t = lex(&lx, w, sizeof w);
      if (t == 3 && w[0] == ',') {
        if (lex(&lx, payload, sizeof payload) != 2) {
          pgw_send_error(s, "ERROR", "42601", "syntax error: NOTIFY payload must be a string literal", 0);
          return -1;
        }
      } else if (t != 0) {
        pgw_send_error(s, "ERROR", "42601", "syntax error in NOTIFY", 0);
        return -1;
      }
      pgw_notify_queue(s, ch, payload);
      if (mica_get_autocommit(s->db)) pgw_notify_commit(s);
      snprintf(tag, sizeof tag, "NOTIFY");
    } else if (kind == LOCAL_LISTEN) {
      if (pgw_notify_listen(s, ch)) {
        pgw_send_error(s, "ERROR", "53200", "out of memory", 0);
        return -1;
      }
      snprintf(tag, sizeof tag, "LISTEN");
    } else {
      pgw_notify_unlisten(s, ch);
      snprintf(tag, sizeof tag, "UNLISTEN");
    }
    break;
  }
  case LOCAL_DATABASE:
    if (run_database(s, sql, end, tag, sizeof tag)) return -1;
    break;
  case LOCAL_COPY:
    pgw_send_error(s, "ERROR", "0A000", "COPY is supported through the simple query protocol only", 0);
    return -1;
  default: return 0;
  }
  send_command_complete(s, tag);
  return 0;
}

/* CREATE ROLE|USER name [WITH] options, ALTER ROLE|USER name [WITH] options, DROP ROLE|USER [IF EXISTS]
 * names. */
static int run_role(pgw_session *s, const char *sql, const char *end, char *tag, size_t taglen) {
  lexer lx = {sql, end};
  char verb[32], w[256], name[128], state[8] = "42601", msg[512];
  lex(&lx, verb, sizeof verb);
  lex(&lx, w, sizeof w); /* ROLE / USER */
  int op = !strcmp(verb, "create")  ? PGW_ROLE_CREATE
           : !strcmp(verb, "alter") ? PGW_ROLE_ALTER
                                    : PGW_ROLE_DROP;
  snprintf(tag, taglen, "%s ROLE",
           op == PGW_ROLE_CREATE  ? "CREATE"
           : op == PGW_ROLE_ALTER ? "ALTER"
                                  : "DROP");
  int superuser = -1, login = op == PGW_ROLE_CREATE ? (!strcmp(w, "user") ? 1 : 0) : -1, if_exists = 0;
  int t = lex(&lx, name, sizeof name);
  if (op == PGW_ROLE_DROP && t == 1 && !strcmp(name, "if")) {
    lex(&lx, w, sizeof w);
    if_exists = 1;
    t = lex(&lx, name, sizeof name);
  }
  if (t != 1 && t != 2) goto syntax;
  if (!strcmp(name, "current_user") || !strcmp(name, "session_user"))
    snprintf(name, sizeof name, "%s", s->user);
  int self = !strcmp(name, s->user);
  char password[256];
  const char *pw = NULL;
  if (op != PGW_ROLE_DROP) {
    while ((t = lex(&lx, w, sizeof w)) > 0) {
      if (t != 1) goto syntax;
      if (!strcmp(w, "with") || !strcmp(w, "encrypted")) continue;
      if (!strcmp(w, "superuser"))
        superuser = 1;
      else if (!strcmp(w, "nosuperuser"))
        superuser = 0;
      else if (!strcmp(w, "login"))
        login = 1;
      else if (!strcmp(w, "nologin"))
        login = 0;
      else if (!strcmp(w, "password")) {
        t = lex(&lx, password, sizeof password);
        if (t == 1 && !strcmp(password, "null"))
          password[0] = 0;
        else if (t != 2)
          goto syntax;
        pw = password;
      } else if (!strcmp(w, "valid")) { /* VALID UNTIL 'x': accepted, not enforced */
        lex(&lx, w, sizeof w);
        lex(&lx, w, sizeof w);
      } else if (!strcmp(w, "connection")) { /* CONNECTION LIMIT n */
        lex(&lx, w, sizeof w);
        lex(&lx, w, sizeof w);
      } /* CREATEDB, CREATEROLE, INHERIT, REPLICATION, BYPASSRLS and negations: accepted, no effect */
    }
  } else if (lex(&lx, w, sizeof w) != 0) {
    snprintf(msg, sizeof msg, "DROP ROLE takes one role name");
    pgw_send_error(s, "ERROR", "0A000", msg, 0);
    return -1;
  }
  if (t < 0) goto syntax;
  /* Superusers manage every role; others may only change their own password. */
  if (!pgw_auth_is_superuser(s) && !(op == PGW_ROLE_ALTER && self && superuser < 0 && login < 0)) {
    snprintf(msg, sizeof msg, "permission denied to %s role",
             op == PGW_ROLE_CREATE  ? "create"
             : op == PGW_ROLE_ALTER ? "alter"
                                    : "drop");
    pgw_send_error(s, "ERROR", "42501", msg, 0);
    return -1;
  }
  if (op == PGW_ROLE_DROP && self) {
    pgw_send_error(s, "ERROR", "55006", "current user cannot be dropped", 0);
    return -1;
  }
  if (pgw_roles_change(s->srv, op, name, superuser, login, pw, if_exists, state, msg, sizeof msg)) {
    pgw_send_error(s, "ERROR", state, msg, 0);
    return -1;
  }
  return 0;
syntax:
  pgw_send_error(s, "ERROR", "42601", "syntax error in role statement", 0);
  return -1;
}

/* CREATE DATABASE name [options ignored] / DROP DATABASE [IF EXISTS] name: one SQLite-format file per
 * database in the data directory. */
static int run_database(pgw_session *s, const char *sql, const char *end, char *tag, size_t taglen) {
  lexer lx = {sql, end};
  char verb[32], w[256], name[128], msg[512], path[PATH_MAX + 200];
  lex(&lx, verb, sizeof verb);
  lex(&lx, w, sizeof w); /* DATABASE */
  int create = !strcmp(verb, "create"), if_exists = 0;
  snprintf(tag, taglen, create ? "CREATE DATABASE" : "DROP DATABASE");
  int t = lex(&lx, name, sizeof name);
  if (!create && t == 1 && !strcmp(name, "if")) {
    lex(&lx, w, sizeof w); /* EXISTS */
    if_exists = 1;
    t = lex(&lx, name, sizeof name);
  }
  if (t != 1 || pgw_database_path(s->srv, name, path, sizeof path)) {
    pgw_send_error(s, "ERROR", "42602", "invalid database name", 0);
    return -1;
  }
  if (!mica_get_autocommit(s->db)) {
    snprintf(msg, sizeof msg, "%s cannot run inside a transaction block", tag);
    pgw_send_error(s, "ERROR", "25001", msg, 0);
    return -1;
  }
  if (!pgw_auth_is_superuser(s)) {
    snprintf(msg, sizeof msg, "permission denied to %s database", create ? "create" : "drop");
    pgw_send_error(s, "ERROR", "42501", msg, 0);
    return -1;
  }
  struct stat st;
  int exists = stat(path, &st) == 0;
  if (create) {
    if (exists) {
      snprintf(msg, sizeof msg, "database \"%s\" already exists", name);
      pgw_send_error(s, "ERROR", "42P04", msg, 0);
      return -1;
    }
    mica_db *db = NULL;
    int rc = mica_open(path, MICA_OPEN_READWRITE | MICA_OPEN_CREATE, &db);
    if (rc != MICA_OK) {
      snprintf(msg, sizeof msg, "could not create database \"%s\": %s", name,
               db ? mica_errmsg(db) : mica_errstr(rc));
      if (db) mica_close(db);
      pgw_send_error(s, "ERROR", "58030", msg, 0);
      return -1;
    }
    mica_close(db);
    return 0;
  }
  if (!exists) {
    snprintf(msg, sizeof msg, "database \"%s\" does not exist%s", name, if_exists ? ", skipping" : "");
    if (if_exists) {
      pgw_send_notice(s, "NOTICE", "00000", msg);
      return 0;
    }
    pgw_send_error(s, "ERROR", "3D000", msg, 0);
    return -1;
  }
  if (!strcmp(name, s->database)) {
    pgw_send_error(s, "ERROR", "55006", "cannot drop the currently open database", 0);
    return -1;
  }
  /* Refuse while other sessions use it; the registry lock also keeps new sessions from slipping in
   * between the check and the unlink (they look the file up before opening it). */
  pthread_mutex_lock(&s->srv->mu);
  int users = 0;
  for (pgw_session *o = s->srv->sessions; o; o = o->reg_next)
    if (o != s && o->database && !strcmp(o->database, name) && o->state != PGW_STARTUP) users++;
  int rc = 0;
  if (!users) {
    rc = unlink(path);
    char aux[PATH_MAX + 210];
    snprintf(aux, sizeof aux, "%s-wal", path);
    unlink(aux);
    snprintf(aux, sizeof aux, "%s-shm", path);
    unlink(aux);
    snprintf(aux, sizeof aux, "%s-journal", path);
    unlink(aux);
  }
  pthread_mutex_unlock(&s->srv->mu);
  if (users) {
    snprintf(msg, sizeof msg, "database \"%s\" is being accessed by other users", name);
    pgw_send_error(s, "ERROR", "55006", msg, 0);
    return -1;
  }
  if (rc) {
    snprintf(msg, sizeof msg, "could not remove database \"%s\": %s", name, strerror(errno));
    pgw_send_error(s, "ERROR", "58030", msg, 0);
    return -1;
  }
  return 0;
}

static void log_statement(pgw_session *s, const char *sql) {
  if (s->log_statement == 0) return;
  if (s->log_statement < 3) {
    char kw[32];
    read_word(sql, kw, sizeof kw);
    int ddl = !strcmp(kw, "CREATE") || !strcmp(kw, "ALTER") || !strcmp(kw, "DROP");
    int mod = ddl || !strcmp(kw, "INSERT") || !strcmp(kw, "UPDATE") || !strcmp(kw, "DELETE") ||
              !strcmp(kw, "REPLACE") || !strcmp(kw, "WITH");
    if (s->log_statement == 1 ? !ddl : !mod) return;
  }
  pglog(PGLOG_LOG, "statement: %s", sql);
}

/* ------------------------------------------------------------------------------------------------
 * Simple query.
 */
static void simple_query(pgw_session *s, const char *sql) {
  log_statement(s, sql);
  int nstmts = count_statements(sql);
  if (nstmts == 0) {
    pqbuf_start(&s->out, 'I');
    pqbuf_finish(&s->out);
    pgw_send_ready(s);
    return;
  }
  int implicit = 0, failed = 0;
  const char *pos = sql;
  for (;;) {
    pos = skip_space(pos);
    while (*pos == ';')
      pos = skip_space(pos + 1);
    if (!*pos) break;
    int kind = classify_local(pos);
    if (s->tx_failed && kind != LOCAL_COMMIT && kind != LOCAL_ROLLBACK && !is_rollback_to(pos)) {
      pgw_send_error(s, "ERROR", "25P02",
                     "current transaction is aborted, commands ignored until end of transaction block", 0);
      failed = 1;
      break;
    }
    int was_explicit = !implicit && !mica_get_autocommit(s->db);
    if (kind == LOCAL_COPY) {
      const char *end = statement_end(pos);
      int r = pgw_copy_start(s, pos, end, implicit);
      if (r == 0) return; /* CopyData follows; copy.c sends ReadyForQuery at CopyDone/CopyFail */
      if (r < 0) {
        failed = 1;
        if (was_explicit) s->tx_failed = 1;
        break;
      }
      pos = end;
      continue;
    }
    if (kind != LOCAL_NONE && kind != LOCAL_EMPTY) {
      const char *end = statement_end(pos);
      if (run_local(s, kind, pos, end, 1, &implicit, NULL)) {
        failed = 1;
        if (was_explicit && kind != LOCAL_COMMIT && kind != LOCAL_ROLLBACK) s->tx_failed = 1;
        break;
      }
      pos = end;
      continue;
    }
    if (nstmts > 1 && !implicit && mica_get_autocommit(s->db)) {
      int rc = exec_simple_sql(s, "BEGIN");
      if (rc != MICA_OK) {
        send_engine_error(s, rc, NULL, NULL);
        failed = 1;
        break;
      }
      implicit = 1;
    }
    mica_stmt *st = NULL;
    const char *tail = NULL;
    int rc = mica_prepare_v3(s->db, pos, -1, 0, &st, &tail);
    if (rc != MICA_OK) {
      send_engine_error(s, rc, sql, pos);
      if (st) mica_finalize(st);
      failed = 1;
      if (was_explicit) s->tx_failed = 1;
      break;
    }
    if (!tail || tail <= pos) tail = statement_end(pos);
    if (!st) {
      pos = tail;
      continue;
    }
    pgw_portal p;
    memset(&p, 0, sizeof p);
    p.stmt = st;
    int r = run_portal(s, &p, 0, 1, sql, pos);
    free(p.col_oids);
    mica_finalize(st);
    notify_after_statement(s, r >= 0);
    if (r < 0) {
      failed = 1;
      if (was_explicit) s->tx_failed = 1;
      break;
    }
    if (s->tx_failed && is_rollback_to(pos)) s->tx_failed = 0;
    pos = tail;
  }
  if (implicit) {
    if (failed) {
      exec_simple_sql(s, "ROLLBACK");
      pgw_notify_abort(s);
    } else {
      int rc = exec_simple_sql(s, "COMMIT");
      if (rc != MICA_OK) {
        send_engine_error(s, rc, NULL, NULL);
        if (!mica_get_autocommit(s->db)) exec_simple_sql(s, "ROLLBACK");
        pgw_notify_abort(s);
      } else
        pgw_notify_commit(s);
    }
  }
  /* A transaction the engine ended on its own (an error that rolls back) takes its NOTIFYs along. */
  if (mica_get_autocommit(s->db) && s->pending) pgw_notify_abort(s);
  if (mica_get_autocommit(s->db)) close_transaction_cursors(s);
  pgw_send_ready(s);
}

/* ------------------------------------------------------------------------------------------------
 * Extended query.
 */
static pgw_pstmt *find_pstmt(pgw_session *s, const char *name) {
  for (pgw_pstmt *ps = s->pstmts; ps; ps = ps->next)
    if (!strcmp(ps->name, name)) return ps;
  return NULL;
}

static pgw_portal *find_portal(pgw_session *s, const char *name) {
  for (pgw_portal *p = s->portals; p; p = p->next)
    if (!strcmp(p->name, name)) return p;
  return NULL;
}

static void drop_portal(pgw_session *s, pgw_portal *p) {
  pgw_portal **pp = &s->portals;
  while (*pp && *pp != p)
    pp = &(*pp)->next;
  if (*pp) *pp = p->next;
  if (p->stmt) {
    if (p->own_stmt)
      mica_finalize(p->stmt);
    else {
      mica_reset(p->stmt);
      mica_clear_bindings(p->stmt);
    }
  }
  if (p->ps && !p->own_stmt && !p->cursor) p->ps->portal_refs--;
  if (p->cursor) {
    held_free(p->held);
    free(p->ps->name);
    free(p->ps->sql);
    free(p->ps);
  }
  free(p->name);
  free(p->formats);
  free(p->col_oids);
  free(p->local_result);
  free(p);
}

static void drop_all_portals(pgw_session *s) {
  while (s->portals)
    drop_portal(s, s->portals);
}

static void drop_pstmt(pgw_session *s, pgw_pstmt *ps) {
  /* Portals made from it go too (PostgreSQL keeps them; ours may share the compiled statement). */
  for (pgw_portal *p = s->portals, *next; p; p = next) {
    next = p->next;
    if (p->ps == ps) drop_portal(s, p);
  }
  pgw_pstmt **pp = &s->pstmts;
  while (*pp && *pp != ps)
    pp = &(*pp)->next;
  if (*pp) *pp = ps->next;
  if (ps->stmt) mica_finalize(ps->stmt);
  free(ps->name);
  free(ps->sql);
  free(ps->ptypes);
  free(ps->pmap);
  free(ps->desc_oids);
  free(ps);
}

void pgw_query_cleanup(pgw_session *s) {
  pgw_copy_free(s);
  drop_all_portals(s);
  while (s->pstmts)
    drop_pstmt(s, s->pstmts);
}

static void ext_error(pgw_session *s) {
  s->ignore_till_sync = 1;
  if (s->db && !mica_get_autocommit(s->db)) s->tx_failed = 1;
}

/* A message that does not parse: PostgreSQL's 08P01 message for it, then skip to Sync. */
static void bad_message(pgw_session *s, const pqmsg *m) {
  const char *why = pqmsg_errmsg(m);
  pgw_send_error(s, "ERROR", "08P01", why ? why : "invalid message format", 0);
  ext_error(s);
}

/* Client text must be UTF-8 (PostgreSQL verifies every string it receives): 0, or -1 with 22021 sent. */
static int bad_utf8(pgw_session *s, const void *p, size_t n) {
  char msg[160];
  if (!pgtypes_verify_utf8(p, n, msg, sizeof msg)) return 0;
  pgw_send_error(s, "ERROR", "22021", msg, 0);
  return -1;
}

/* Reads a string of an extended-protocol message: NULL (error sent, skipping to Sync) when it is
 * missing or not UTF-8. */
static const char *ext_string(pgw_session *s, pqmsg *m) {
  const char *str = pqmsg_get_string(m);
  if (!str) {
    bad_message(s, m);
    return NULL;
  }
  if (bad_utf8(s, str, strlen(str))) {
    ext_error(s);
    return NULL;
  }
  return str;
}

static int only_space_left(const char *p) {
  for (;;) {
    p = skip_space(p);
    if (*p != ';') return *p == 0;
    p++;
  }
}

static void msg_parse(pgw_session *s, pqmsg *m) {
  const char *name = ext_string(s, m);
  const char *sql = name ? ext_string(s, m) : NULL;
  if (!sql) return;
  int ntypes = (uint16_t)pqmsg_get_int16(m); /* counts are unsigned 16-bit, as PostgreSQL reads them */
  uint32_t *types = calloc((size_t)(ntypes > 0 ? ntypes : 1), sizeof *types);
  if (!types) {
    pgw_send_error(s, "ERROR", "53200", "out of memory", 0);
    ext_error(s);
    return;
  }
  for (int i = 0; i < ntypes && !m->err; i++)
    types[i] = (uint32_t)pqmsg_get_int32(m);
  if (pqmsg_end(m)) {
    free(types);
    bad_message(s, m);
    return;
  }
  log_statement(s, sql);
  pgw_pstmt *old = find_pstmt(s, name);
  if (old && *name) {
    char msg[300];
    snprintf(msg, sizeof msg, "prepared statement \"%s\" already exists", name);
    free(types);
    pgw_send_error(s, "ERROR", "42P05", msg, 0);
    ext_error(s);
    return;
  }
  if (s->tx_failed) {
    int k = classify_local(sql);
    if (k != LOCAL_COMMIT && k != LOCAL_ROLLBACK && !is_rollback_to(sql)) {
      free(types);
      pgw_send_error(s, "ERROR", "25P02",
                     "current transaction is aborted, commands ignored until end of transaction block", 0);
      ext_error(s);
      return;
    }
  }
  pgw_pstmt *ps = calloc(1, sizeof *ps);
  if (!ps) {
    free(types);
    pgw_send_error(s, "ERROR", "53200", "out of memory", 0);
    ext_error(s);
    return;
  }
  ps->name = strdup(name);
  ps->sql = strdup(sql);
  ps->local_kind = classify_local(sql);
  /* DECLARE's query is compiled here, so its parameters are typed and bound as any statement's. */
  const char *compile = ps->local_kind == LOCAL_NONE      ? sql
                        : ps->local_kind == LOCAL_DECLARE ? declare_query(sql)
                                                          : NULL;
  if (compile) {
    const char *tail = NULL;
    int rc = mica_prepare_v3(s->db, compile, -1, MICA_PREPARE_PERSISTENT, &ps->stmt, &tail);
    if (rc != MICA_OK) {
      send_engine_error(s, rc, sql, sql);
      if (ps->stmt) mica_finalize(ps->stmt);
      ps->stmt = NULL;
      free(types);
      free(ps->name);
      free(ps->sql);
      free(ps);
      ext_error(s);
      return;
    }
    if (tail && !only_space_left(tail)) {
      pgw_send_error(s, "ERROR", "42601", "cannot insert multiple commands into a prepared statement", 0);
      if (ps->stmt) mica_finalize(ps->stmt);
      free(types);
      free(ps->name);
      free(ps->sql);
      free(ps);
      ext_error(s);
      return;
    }
    if (!ps->stmt && ps->local_kind == LOCAL_NONE) ps->local_kind = LOCAL_EMPTY;
  }
  int maxn = ntypes;
  if (ps->stmt) {
    ps->nengine = mica_bind_parameter_count(ps->stmt);
    ps->pmap = calloc((size_t)ps->nengine + 1, sizeof *ps->pmap);
    for (int i = 1; i <= ps->nengine && ps->pmap; i++) {
      const char *pn = mica_bind_parameter_name(ps->stmt, i);
      int n = i;
      if (pn && (pn[0] == '$' || pn[0] == '?') && isdigit((unsigned char)pn[1])) n = atoi(pn + 1);
      ps->pmap[i] = n;
      if (n > maxn) maxn = n;
    }
  }
  ps->nparams = maxn;
  ps->ptypes = calloc((size_t)(maxn ? maxn : 1), sizeof *ps->ptypes);
  for (int i = 0; i < maxn && ps->ptypes; i++) {
    if (i < ntypes && types[i]) {
      ps->ptypes[i] = types[i];
      continue;
    }
    /* unspecified: inferred from what the parameter meets (a column, a cast, LIMIT), else text */
    uint32_t oid = 0;
    for (int k = 1; k <= ps->nengine && ps->pmap && !oid; k++)
      if (ps->pmap[k] == i + 1) oid = pgtypes_from_decltype(mica_bind_parameter_decltype(ps->stmt, k)).oid;
    ps->ptypes[i] = oid ? oid : PGOID_TEXT;
  }
  free(types);
  if (old) drop_pstmt(s, old);
  ps->next = s->pstmts;
  s->pstmts = ps;
  pqbuf_start(&s->out, '1');
  pqbuf_finish(&s->out);
}

static int bind_value(mica_stmt *st, int idx, const pgvalue *v) {
  switch (v->type) {
  case MICA_NULL: return mica_bind_null(st, idx);
  case MICA_INTEGER: return mica_bind_int64(st, idx, v->i);
  case MICA_FLOAT: return mica_bind_double(st, idx, v->d);
  case MICA_BLOB: return mica_bind_blob(st, idx, v->n ? (const void *)v->p : (const void *)"", (int)v->n);
  default: return mica_bind_text(st, idx, v->p ? (const char *)v->p : "", (int)v->n);
  }
}

static void msg_bind(pgw_session *s, pqmsg *m) {
  const char *pname = ext_string(s, m);
  const char *sname = pname ? ext_string(s, m) : NULL;
  char msg[512];
  if (!sname) return;
  pgw_pstmt *ps = find_pstmt(s, sname);
  if (!ps) {
    snprintf(msg, sizeof msg, "prepared statement \"%s\" does not exist", sname);
    pgw_send_error(s, "ERROR", "26000", msg, 0);
    ext_error(s);
    return;
  }
  int nfmt = (uint16_t)pqmsg_get_int16(m);
  const unsigned char *fmts = pqmsg_get_bytes(m, (size_t)nfmt * 2);
  int nparams = (uint16_t)pqmsg_get_int16(m);
  if (m->err) goto bad_format;
  if (nfmt > 1 && nfmt != nparams) {
    snprintf(msg, sizeof msg, "bind message has %d parameter formats but %d parameters", nfmt, nparams);
    pgw_send_error(s, "ERROR", "08P01", msg, 0);
    ext_error(s);
    return;
  }
  if (nparams != ps->nparams) {
    snprintf(msg, sizeof msg,
             "bind message supplies %d parameters, but prepared statement \"%s\" requires %d", nparams, sname,
             ps->nparams);
    pgw_send_error(s, "ERROR", "08P01", msg, 0);
    ext_error(s);
    return;
  }
  pgw_portal *existing = find_portal(s, pname);
  if (existing) {
    if (*pname) {
      snprintf(msg, sizeof msg, "portal \"%s\" already exists", pname);
      pgw_send_error(s, "ERROR", "42P03", msg, 0);
      ext_error(s);
      return;
    }
    drop_portal(s, existing);
  }
  pgw_portal *p = calloc(1, sizeof *p);
  if (!p || !(p->name = strdup(pname))) {
    free(p);
    pgw_send_error(s, "ERROR", "53200", "out of memory", 0);
    ext_error(s);
    return;
  }
  p->ps = ps;
  if (ps->stmt) {
    if (ps->portal_refs == 0 && ps->local_kind != LOCAL_DECLARE) {
      p->stmt = ps->stmt;
      mica_reset(p->stmt);
      mica_clear_bindings(p->stmt);
      ps->portal_refs++;
    } else {
      /* a private copy (DECLARE's portal always has one: the cursor takes it over) */
      const char *q = ps->local_kind == LOCAL_DECLARE ? declare_query(ps->sql) : ps->sql;
      int rc = mica_prepare_v3(s->db, q ? q : ps->sql, -1, 0, &p->stmt, NULL);
      if (rc != MICA_OK || !p->stmt) {
        send_engine_error(s, rc, ps->sql, ps->sql);
        if (p->stmt) mica_finalize(p->stmt);
        free(p->name);
        free(p);
        ext_error(s);
        return;
      }
      p->own_stmt = 1;
    }
  }
  p->next = s->portals;
  s->portals = p;
  if (ps->desc_oids && p->stmt && ps->ndesc == mica_column_count(p->stmt)) {
    p->col_oids = malloc((size_t)(ps->ndesc ? ps->ndesc : 1) * sizeof *p->col_oids);
    if (p->col_oids) {
      memcpy(p->col_oids, ps->desc_oids, (size_t)ps->ndesc * sizeof *p->col_oids);
      p->ncols = ps->ndesc;
      p->described = 1;
    }
  }
  /* Parameters: value i goes to every engine index mapped to PostgreSQL number i+1. */
  for (int i = 0; i < nparams; i++) {
    int32_t len = pqmsg_get_int32(m);
    const unsigned char *data = NULL;
    if (len < -1) m->err = PQMSG_SHORT;
    if (len > 0) data = pqmsg_get_bytes(m, (size_t)len);
    if (m->err) {
      drop_portal(s, p);
      goto bad_format;
    }
    int fmt = nfmt == 0 ? 0 : nfmt == 1 ? (fmts[0] << 8 | fmts[1]) : (fmts[2 * i] << 8 | fmts[2 * i + 1]);
    if (fmt != 0 && fmt != 1) {
      drop_portal(s, p);
      snprintf(msg, sizeof msg, "unsupported format code: %d", fmt);
      pgw_send_error(s, "ERROR", "22023", msg, 0);
      ext_error(s);
      return;
    }
    pgvalue v;
    char *scratch = NULL;
    if (len > 0 && (fmt == 0 || pgtypes_is_text(ps->ptypes[i])) && bad_utf8(s, data, (size_t)len)) {
      drop_portal(s, p);
      ext_error(s);
      return;
    }
    if (len == -1) {
      memset(&v, 0, sizeof v);
      v.type = MICA_NULL;
    } else if (pgtypes_decode_param(ps->ptypes[i], fmt, data ? data : (const unsigned char *)"",
                                    (size_t)(len > 0 ? len : 0), &v, &scratch, msg, sizeof msg)) {
      drop_portal(s, p);
      pgw_send_error(s, "ERROR", fmt ? "22P03" : "22P02", msg, 0);
      ext_error(s);
      return;
    }
    for (int k = 1; p->stmt && k <= ps->nengine; k++)
      if (ps->pmap[k] == i + 1) bind_value(p->stmt, k, &v);
    free(scratch);
  }
  int nres = (uint16_t)pqmsg_get_int16(m);
  if (!m->err && nres > 0 && pqmsg_remaining(m) < (size_t)nres * 2) m->err = PQMSG_SHORT;
  if (!m->err && nres > 0) {
    p->formats = calloc((size_t)nres, sizeof *p->formats);
    if (!p->formats) m->err = PQMSG_SHORT;
    for (int i = 0; i < nres && !m->err; i++) {
      int16_t code = pqmsg_get_int16(m);
      p->formats[i] = code;
      if (code != 0 && code != 1) {
        drop_portal(s, p);
        snprintf(msg, sizeof msg, "unsupported format code: %d", code);
        pgw_send_error(s, "ERROR", "22023", msg, 0);
        ext_error(s);
        return;
      }
    }
    p->nformats = nres;
  }
  if (pqmsg_end(m)) {
    drop_portal(s, p);
    goto bad_format;
  }
  pqbuf_start(&s->out, '2');
  pqbuf_finish(&s->out);
  return;
bad_format:
  bad_message(s, m);
}

/* Reads the body of Describe and Close: a kind byte ('S' or 'P') and a name. NULL: error sent. */
static const char *msg_target(pgw_session *s, pqmsg *m, char *what, const char *verb) {
  *what = (char)pqmsg_get_byte(m);
  const char *name = ext_string(s, m);
  if (!name) return NULL;
  if (pqmsg_end(m)) {
    bad_message(s, m);
    return NULL;
  }
  if (*what != 'S' && *what != 'P') {
    char msg[64];
    snprintf(msg, sizeof msg, "invalid %s message subtype %d", verb, (unsigned char)*what);
    pgw_send_error(s, "ERROR", "08P01", msg, 0);
    ext_error(s);
    return NULL;
  }
  return name;
}

static void msg_describe(pgw_session *s, pqmsg *m) {
  char what, msg[300];
  const char *name = msg_target(s, m, &what, "DESCRIBE");
  if (!name) return;
  if (what == 'S') {
    pgw_pstmt *ps = find_pstmt(s, name);
    if (!ps) {
      snprintf(msg, sizeof msg, "prepared statement \"%s\" does not exist", name);
      pgw_send_error(s, "ERROR", "26000", msg, 0);
      ext_error(s);
      return;
    }
    pqbuf_start(&s->out, 't');
    pqbuf_put_int16(&s->out, (int16_t)ps->nparams);
    for (int i = 0; i < ps->nparams; i++)
      pqbuf_put_int32(&s->out, (int32_t)ps->ptypes[i]);
    pqbuf_finish(&s->out);
    if (ps->local_kind) {
      describe_local(s, ps->local_kind, ps->sql);
      return;
    }
    if (!ps->stmt || mica_column_count(ps->stmt) == 0) {
      pqbuf_start(&s->out, 'n');
      pqbuf_finish(&s->out);
      return;
    }
    pgw_portal tmp;
    memset(&tmp, 0, sizeof tmp);
    tmp.stmt = ps->stmt;
    decide_types(&tmp, ps);
    send_row_description(s, &tmp, 0);
    /* Portals bound from this statement must send the types announced here. */
    free(ps->desc_oids);
    ps->desc_oids = tmp.col_oids;
    ps->ndesc = tmp.ncols;
    return;
  }
  pgw_portal *p = find_portal(s, name);
  if (!p) {
    snprintf(msg, sizeof msg, "portal \"%s\" does not exist", name);
    pgw_send_error(s, "ERROR", "34000", msg, 0);
    ext_error(s);
    return;
  }
  if (p->ps->local_kind) {
    describe_local(s, p->ps->local_kind, p->ps->sql);
    return;
  }
  if (!p->stmt || mica_column_count(p->stmt) == 0) {
    pqbuf_start(&s->out, 'n');
    pqbuf_finish(&s->out);
    return;
  }
  if (!p->described && !p->started && mica_stmt_readonly(p->stmt)) {
    int rc = peek_first_row(s, p);
    if (rc != MICA_ROW && rc != MICA_DONE) {
      send_engine_error(s, rc, p->ps->sql, p->ps->sql);
      ext_error(s);
      return;
    }
  }
  decide_types(p, p->ps);
  send_row_description(s, p, 1);
}

static void msg_execute(pgw_session *s, pqmsg *m) {
  const char *name = ext_string(s, m);
  if (!name) return;
  int32_t max_rows = pqmsg_get_int32(m);
  char msg[300];
  if (pqmsg_end(m)) {
    bad_message(s, m);
    return;
  }
  pgw_portal *p = find_portal(s, name);
  if (!p) {
    snprintf(msg, sizeof msg, "portal \"%s\" does not exist", name);
    pgw_send_error(s, "ERROR", "34000", msg, 0);
    ext_error(s);
    return;
  }
  int kind = p->ps->local_kind;
  if (s->tx_failed && kind != LOCAL_COMMIT && kind != LOCAL_ROLLBACK && !is_rollback_to(p->ps->sql)) {
    pgw_send_error(s, "ERROR", "25P02",
                   "current transaction is aborted, commands ignored until end of transaction block", 0);
    ext_error(s);
    return;
  }
  if (kind == LOCAL_EMPTY) {
    pqbuf_start(&s->out, 'I');
    pqbuf_finish(&s->out);
    return;
  }
  if (kind) {
    int was_explicit = !mica_get_autocommit(s->db);
    if (run_local(s, kind, p->ps->sql, p->ps->sql + strlen(p->ps->sql), 0, NULL, p)) {
      s->ignore_till_sync = 1;
      if (was_explicit && kind != LOCAL_COMMIT && kind != LOCAL_ROLLBACK) s->tx_failed = 1;
    }
    return;
  }
  if (p->done) {
    char tag[96];
    command_tag(p->ps->sql, 0, 0, p->ncols, tag, sizeof tag);
    send_command_complete(s, tag);
    return;
  }
  int was_explicit = !mica_get_autocommit(s->db);
  int r = run_portal(s, p, max_rows > 0 ? max_rows : 0, 0, p->ps->sql, p->ps->sql);
  if (r != MICA_ROW) notify_after_statement(s, r >= 0);
  if (r == MICA_ROW) {
    pqbuf_start(&s->out, 's');
    pqbuf_finish(&s->out);
  } else if (r < 0) {
    s->ignore_till_sync = 1;
    if (was_explicit) s->tx_failed = 1;
  } else if (s->tx_failed && is_rollback_to(p->ps->sql)) {
    s->tx_failed = 0;
  }
}

static void msg_close(pgw_session *s, pqmsg *m) {
  char what;
  const char *name = msg_target(s, m, &what, "CLOSE");
  if (!name) return;
  if (what == 'S') {
    pgw_pstmt *ps = find_pstmt(s, name);
    if (ps) drop_pstmt(s, ps);
  } else {
    pgw_portal *p = find_portal(s, name);
    if (p) drop_portal(s, p);
  }
  pqbuf_start(&s->out, '3');
  pqbuf_finish(&s->out);
}

void pgw_query_message(pgw_session *s, char type, const unsigned char *body, size_t len) {
  pqmsg m;
  pqmsg_init(&m, type, body, len);
  if (s->copy && type != 'X') {
    pgw_copy_message(s, type, body, len);
    return;
  }
  if (s->ignore_till_sync && type != 'S' && type != 'X') return;
  switch (type) {
  case 'Q': {
    const char *sql = pqmsg_get_string(&m);
    if (pqmsg_end(&m) || bad_utf8(s, sql, strlen(sql))) {
      if (m.err || m.pos != m.len) pgw_send_error(s, "ERROR", "08P01", pqmsg_errmsg(&m), 0);
      if (s->db && !mica_get_autocommit(s->db)) s->tx_failed = 1;
      pgw_send_ready(s);
      pgw_session_flush(s);
      return;
    }
    /* A simple Query drops the unnamed statement and portal, as PostgreSQL does. */
    pgw_portal *up = find_portal(s, "");
    if (up) drop_portal(s, up);
    pgw_pstmt *us = find_pstmt(s, "");
    if (us) drop_pstmt(s, us);
    simple_query(s, sql);
    pgw_session_flush(s);
    return;
  }
  case 'P': msg_parse(s, &m); return;
  case 'B': msg_bind(s, &m); return;
  case 'D': msg_describe(s, &m); return;
  case 'E': msg_execute(s, &m); return;
  case 'C': msg_close(s, &m); return;
  case 'H':
    if (pqmsg_end(&m)) bad_message(s, &m);
    pgw_session_flush(s);
    return;
  case 'S':
    s->ignore_till_sync = 0;
    if (pqmsg_end(&m)) {
      /* an error here does not start a new skip: ReadyForQuery follows it at once */
      pgw_send_error(s, "ERROR", "08P01", pqmsg_errmsg(&m), 0);
      if (!mica_get_autocommit(s->db)) s->tx_failed = 1;
    }
    if (mica_get_autocommit(s->db)) {
      /* no transaction: every portal goes but the cursors declared WITH HOLD */
      for (pgw_portal *p = s->portals, *next; p; p = next) {
        next = p->next;
        if (!(p->cursor && p->hold)) drop_portal(s, p);
      }
    }
    pgw_send_ready(s);
    pgw_session_flush(s);
    return;
  case 'X': s->want_close = 1; return;
  case 'd':
  case 'c':
  case 'f': return; /* COPY traffic outside COPY is ignored, as PostgreSQL does */
  case 'F':
    pgw_send_error(s, "ERROR", "0A000", "the function call protocol is not supported", 0);
    ext_error(s);
    return;
  default: {
    char msg[64];
    snprintf(msg, sizeof msg, "invalid frontend message type %d", (unsigned char)type);
    pgw_send_error(s, "FATAL", "08P01", msg, 0);
    s->want_close = 1;
    return;
  }
  }
}
