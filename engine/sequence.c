/*
 * sequence.c: PostgreSQL sequences for the PostgreSQL dialect.
 *
 * STORAGE
 *   Every sequence is one row of the table _mica_sequences (SEQ_TABLE), created in the database file
 *   the first time a sequence is, with an ordinary CREATE TABLE that sqlite3 reads:
 *
 *     name TEXT PRIMARY KEY COLLATE NOCASE   the sequence's name
 *     type TEXT            smallint | integer | bigint
 *     start, increment, minvalue, maxvalue, cache INTEGER, cycle INTEGER (0/1)
 *     last_value INTEGER, is_called INTEGER  PostgreSQL's sequence state: the next nextval returns
 *                                            last_value when is_called is 0, else last_value + increment
 *     owner_table, owner_column TEXT         OWNED BY (serial columns), or NULL
 *     generation INTEGER                     bumped by setval, RESTART and a CYCLE wrap-around
 *
 *   The name _mica_sequences is reserved for this. The definitions and the state are durable exactly
 *   like table rows: they survive restarts and are in the WAL with the transaction that changed them.
 *   All reads and writes are ordinary SQL statements run on the connection (nested inside the running
 *   statement, in the SQLite dialect), so they share the connection's transaction.
 *
 * TRANSACTIONS (the choice made here)
 *   PostgreSQL never rolls nextval back. The engine has one write transaction per connection and no
 *   autonomous transactions, so the row a nextval updates belongs to the caller's transaction: a
 *   ROLLBACK restores it. To keep PostgreSQL's guarantee where it is observable without breaking the
 *   engine's transaction model, each connection remembers the last value it handed out per sequence
 *   (with the generation it belongs to): after a ROLLBACK the same session continues past the values it
 *   has already returned, as in PostgreSQL. Another session may hand out a value that a rolled-back
 *   transaction of this one had returned (it was never committed anywhere). setval, ALTER SEQUENCE
 *   RESTART and a cycle start a new generation, so the remembered value no longer applies.
 *   CREATE/ALTER/DROP SEQUENCE are transactional, like the rest of the schema.
 *
 * SESSION STATE (mica_db.seq, owned by the connection)
 *   currval per sequence and lastval, as PostgreSQL keeps them per session; freed with the connection.
 *
 * ERRORS are PostgreSQL's messages (pgwire maps them to SQLSTATEs): relation "s" does not exist,
 * nextval: reached maximum value of sequence "s" (n), currval of sequence "s" is not yet defined in
 * this session, setval: value n is out of bounds for sequence "s" (min..max), and CREATE/ALTER's
 * option checks.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ast.h"
#include "sequence.h"

/* ------------------------------------------------------------------------------------------------
 * Session state.
 */
typedef struct SeqEntry {
  char *name; /* lower-cased */
  int64_t currval;
  int has_currval;
  int64_t mark, mark_gen; /* the last value handed out here and its generation */
  int has_mark;
  struct SeqEntry *next;
} SeqEntry;

struct SeqSession {
  SeqEntry *entries;
  char *last_name; /* lastval's sequence */
};

static SeqEntry *session_entry(mica_db *db, const char *name, int create) {
  if (!db->seq && create) db->seq = calloc(1, sizeof(struct SeqSession));
  if (!db->seq) return NULL;
  for (SeqEntry *e = db->seq->entries; e; e = e->next)
    if (!strcasecmp(e->name, name)) return e;
  if (!create) return NULL;
  SeqEntry *e = calloc(1, sizeof *e);
  if (!e || !(e->name = strdup(name))) {
    free(e);
    return NULL;
  }
  e->next = db->seq->entries;
  db->seq->entries = e;
  return e;
}

void seq_session_free(mica_db *db) {
  if (!db->seq) return;
  SeqEntry *e = db->seq->entries;
  while (e) {
    SeqEntry *n = e->next;
    free(e->name);
    free(e);
    e = n;
  }
  free(db->seq->last_name);
  free(db->seq);
  db->seq = NULL;
}

/* ------------------------------------------------------------------------------------------------
 * Nested statements on the sequence table.
 */
typedef struct Saved {
  int64_t changes, total_changes, stmt_changes, last_rowid;
  int dialect;
} Saved;

/* What a nested statement would change in the connection's visible state is put back after it. */
static void save(mica_db *db, Saved *s) {
  s->changes = db->changes;
  s->total_changes = db->total_changes;
  s->stmt_changes = db->stmt_changes;
  s->last_rowid = db->last_rowid;
  s->dialect = db->dialect;
  db->dialect = MICA_DIALECT_SQLITE;
}

static void restore(mica_db *db, const Saved *s) {
  db->changes = s->changes;
  db->total_changes = s->total_changes;
  db->stmt_changes = s->stmt_changes;
  db->last_rowid = s->last_rowid;
  db->dialect = s->dialect;
}

/* A bound argument: text when s is set, else the integer (is_null: NULL). */
typedef struct Arg {
  const char *s;
  int64_t i;
  int is_null;
} Arg;

typedef int (*RowFn)(void *ctx, mica_stmt *st);

/* Runs sql with its arguments; row (may be NULL) gets each result row. */
static int run_sql(mica_db *db, const char *sql, const Arg *args, int nargs, RowFn row, void *ctx) {
  Saved sv;
  save(db, &sv);
  mica_stmt *st = NULL;
  int rc = mica_prepare(db, sql, -1, &st, NULL);
  for (int i = 0; rc == MICA_OK && i < nargs; i++)
    rc = args[i].is_null ? mica_bind_null(st, i + 1)
         : args[i].s     ? mica_bind_text(st, i + 1, args[i].s, -1)
                         : mica_bind_int64(st, i + 1, args[i].i);
  while (rc == MICA_OK && (rc = mica_step(st)) == MICA_ROW)
    rc = row ? row(ctx, st) : MICA_OK;
  if (rc == MICA_DONE) rc = MICA_OK;
  int rc2 = mica_finalize(st);
  restore(db, &sv);
  return rc ? rc : rc2;
}

static int have_table(mica_db *db) { return db->schema && schema_find_table(db->schema, SEQ_TABLE) != NULL; }

static int ensure_table(mica_db *db) {
  if (have_table(db)) return MICA_OK;
  return run_sql(db,
                 "CREATE TABLE " SEQ_TABLE "(name TEXT PRIMARY KEY COLLATE NOCASE, type TEXT NOT NULL, "
                 "start INTEGER NOT NULL, increment INTEGER NOT NULL, minvalue INTEGER NOT NULL, "
                 "maxvalue INTEGER NOT NULL, cache INTEGER NOT NULL, cycle INTEGER NOT NULL, "
                 "last_value INTEGER NOT NULL, is_called INTEGER NOT NULL, owner_table TEXT, "
                 "owner_column TEXT, generation INTEGER NOT NULL DEFAULT 0)",
                 NULL, 0, NULL, NULL);
}

typedef struct Seq {
  int found;
  char name[256];
  char type[16];
  int64_t start, increment, minv, maxv, cache, last, gen;
  int cycle, is_called;
  char owner_table[256], owner_col[256];
  int has_owner;
} Seq;

static void copy_text(char *dst, size_t n, const unsigned char *src) {
  snprintf(dst, n, "%s", src ? (const char *)src : "");
}

static int seq_row(void *ctx, mica_stmt *st) {
  Seq *s = ctx;
  s->found = 1;
  copy_text(s->name, sizeof s->name, mica_column_text(st, 0));
  copy_text(s->type, sizeof s->type, mica_column_text(st, 1));
  s->start = mica_column_int64(st, 2);
  s->increment = mica_column_int64(st, 3);
  s->minv = mica_column_int64(st, 4);
  s->maxv = mica_column_int64(st, 5);
  s->cache = mica_column_int64(st, 6);
  s->cycle = (int)mica_column_int64(st, 7);
  s->last = mica_column_int64(st, 8);
  s->is_called = (int)mica_column_int64(st, 9);
  s->has_owner = mica_column_type(st, 10) != MICA_NULL;
  copy_text(s->owner_table, sizeof s->owner_table, mica_column_text(st, 10));
  copy_text(s->owner_col, sizeof s->owner_col, mica_column_text(st, 11));
  s->gen = mica_column_int64(st, 12);
  return MICA_OK;
}

static int seq_load(mica_db *db, const char *name, Seq *s) {
  memset(s, 0, sizeof *s);
  if (!have_table(db)) return MICA_OK;
  Arg a = {name, 0, 0};
  return run_sql(db,
                 "SELECT name, type, start, increment, minvalue, maxvalue, cache, cycle, last_value, "
                 "is_called, owner_table, owner_column, generation FROM " SEQ_TABLE " WHERE name = ?1",
                 &a, 1, seq_row, s);
}

static int seq_store_state(mica_db *db, const Seq *s) {
  Arg a[4] = {{NULL, s->last, 0}, {NULL, s->is_called, 0}, {NULL, s->gen, 0}, {s->name, 0, 0}};
  return run_sql(db,
                 "UPDATE " SEQ_TABLE " SET last_value = ?1, is_called = ?2, generation = ?3 WHERE name = ?4",
                 a, 4, NULL, NULL);
}

/* A sequence name as nextval('...') takes it: an identifier, maybe qualified, maybe double-quoted. */
static void regclass_name(const char *in, char *out, size_t n) {
  const char *p = in;
  if (!strncasecmp(p, "public.", 7)) p += 7;
  size_t o = 0;
  if (*p == '"') {
    for (p++; *p && o + 1 < n; p++) {
      if (*p == '"' && p[1] == '"') {
        out[o++] = '"';
        p++;
      } else if (*p == '"') {
        break;
      } else {
        out[o++] = *p;
      }
    }
  } else {
    for (; *p && o + 1 < n; p++)
      out[o++] = (char)tolower((unsigned char)*p);
  }
  out[o] = 0;
}

/* ------------------------------------------------------------------------------------------------
 * Types and option checks.
 */
static const char *canonical_type(const char *t) {
  if (!t || !strcasecmp(t, "bigint") || !strcasecmp(t, "int8")) return "bigint";
  if (!strcasecmp(t, "integer") || !strcasecmp(t, "int") || !strcasecmp(t, "int4")) return "integer";
  if (!strcasecmp(t, "smallint") || !strcasecmp(t, "int2")) return "smallint";
  return NULL;
}

static void type_bounds(const char *type, int64_t *lo, int64_t *hi) {
  if (!strcmp(type, "smallint")) {
    *lo = -32768;
    *hi = 32767;
  } else if (!strcmp(type, "integer")) {
    *lo = INT32_MIN;
    *hi = INT32_MAX;
  } else {
    *lo = INT64_MIN;
    *hi = INT64_MAX;
  }
}

/* Applies CREATE (s zeroed, found = 0) or ALTER options to s, with PostgreSQL's defaults and checks. */
static int apply_opts(mica_db *db, Seq *s, const SeqOpts *o, int creating) {
  const char *old_type = creating ? NULL : s->type;
  char oldt[16];
  snprintf(oldt, sizeof oldt, "%s", old_type ? old_type : "bigint");
  if (o->type) {
    const char *ct = canonical_type(o->type);
    if (!ct) return mica_set_error(db, MICA_ERROR, "sequence type must be smallint, integer, or bigint");
    snprintf(s->type, sizeof s->type, "%s", ct);
  } else if (creating) {
    snprintf(s->type, sizeof s->type, "bigint");
  }
  int64_t lo, hi, olo, ohi;
  type_bounds(s->type, &lo, &hi);
  type_bounds(oldt, &olo, &ohi);
  if (o->has_increment) {
    if (o->increment == 0) return mica_set_error(db, MICA_ERROR, "INCREMENT must not be zero");
    s->increment = o->increment;
  } else if (creating) {
    s->increment = 1;
  }
  /* MAXVALUE / MINVALUE: given, NO (the default for the direction), or kept (a type change moves a
   * bound that was the old type's limit) */
  if (o->has_max && !o->no_max)
    s->maxv = o->maxv;
  else if (creating || o->no_max || (o->type && s->maxv == ohi))
    s->maxv = s->increment > 0 ? hi : -1;
  if (o->has_min && !o->no_min) {
    s->minv = o->minv;
  } else if (creating || o->no_min || (o->type && s->minv == olo)) {
    s->minv = s->increment > 0 ? 1 : lo;
  }
  if (s->maxv > hi || s->maxv < lo)
    return mica_set_error(db, MICA_ERROR, "MAXVALUE (%lld) is out of range for sequence data type %s",
                          (long long)s->maxv, s->type);
  if (s->minv > hi || s->minv < lo)
    return mica_set_error(db, MICA_ERROR, "MINVALUE (%lld) is out of range for sequence data type %s",
                          (long long)s->minv, s->type);
  if (s->minv >= s->maxv)
    return mica_set_error(db, MICA_ERROR, "MINVALUE (%lld) must be less than MAXVALUE (%lld)",
                          (long long)s->minv, (long long)s->maxv);
  if (o->has_start)
    s->start = o->start;
  else if (creating)
    s->start = s->increment > 0 ? s->minv : s->maxv;
  if (s->start < s->minv)
    return mica_set_error(db, MICA_ERROR, "START value (%lld) cannot be less than MINVALUE (%lld)",
                          (long long)s->start, (long long)s->minv);
  if (s->start > s->maxv)
    return mica_set_error(db, MICA_ERROR, "START value (%lld) cannot be greater than MAXVALUE (%lld)",
                          (long long)s->start, (long long)s->maxv);
  if (creating) {
    s->last = s->start;
    s->is_called = 0;
  }
  if (o->has_restart) {
    s->last = o->restart_with ? o->restart : s->start;
    s->is_called = 0;
    s->gen++;
  }
  if (s->last < s->minv)
    return mica_set_error(db, MICA_ERROR, "RESTART value (%lld) cannot be less than MINVALUE (%lld)",
                          (long long)s->last, (long long)s->minv);
  if (s->last > s->maxv)
    return mica_set_error(db, MICA_ERROR, "RESTART value (%lld) cannot be greater than MAXVALUE (%lld)",
                          (long long)s->last, (long long)s->maxv);
  if (o->has_cache) {
    if (o->cache <= 0)
      return mica_set_error(db, MICA_ERROR, "CACHE (%lld) must be greater than zero", (long long)o->cache);
    s->cache = o->cache;
  } else if (creating) {
    s->cache = 1;
  }
  if (o->cycle >= 0) s->cycle = o->cycle;
  if (o->owned_none) {
    s->has_owner = 0;
  } else if (o->owned_table) {
    Table *t = schema_find_table(db->schema, o->owned_table);
    if (!t || t->is_view || !strcasecmp(t->name, SEQ_TABLE))
      return mica_set_error(db, MICA_ERROR, "relation \"%s\" does not exist", o->owned_table);
    int isrowid = 0;
    int col = schema_column_index(t, o->owned_col, &isrowid);
    if (col < 0)
      return mica_set_error(db, MICA_ERROR, "column \"%s\" of relation \"%s\" does not exist", o->owned_col,
                            o->owned_table);
    s->has_owner = 1;
    snprintf(s->owner_table, sizeof s->owner_table, "%s", t->name);
    snprintf(s->owner_col, sizeof s->owner_col, "%s", t->cols[col].name);
  }
  return MICA_OK;
}

static int seq_write(mica_db *db, const Seq *s, int insert) {
  Arg a[13] = {{s->type, 0, 0},
               {NULL, s->start, 0},
               {NULL, s->increment, 0},
               {NULL, s->minv, 0},
               {NULL, s->maxv, 0},
               {NULL, s->cache, 0},
               {NULL, s->cycle, 0},
               {NULL, s->last, 0},
               {NULL, s->is_called, 0},
               {s->has_owner ? s->owner_table : NULL, 0, !s->has_owner},
               {s->has_owner ? s->owner_col : NULL, 0, !s->has_owner},
               {NULL, s->gen, 0},
               {s->name, 0, 0}};
  return run_sql(db,
                 insert ? "INSERT INTO " SEQ_TABLE
                          "(type, start, increment, minvalue, maxvalue, cache, cycle, "
                          "last_value, is_called, owner_table, owner_column, generation, name) "
                          "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)"
                        : "UPDATE " SEQ_TABLE " SET type = ?1, start = ?2, increment = ?3, minvalue = ?4, "
                          "maxvalue = ?5, cache = ?6, cycle = ?7, last_value = ?8, is_called = ?9, "
                          "owner_table = ?10, owner_column = ?11, generation = ?12 WHERE name = ?13",
                 a, 13, NULL, NULL);
}

/* A sequence may not take a name another relation has. */
static int relation_exists(mica_db *db, const char *name) {
  return schema_find_table(db->schema, name) || schema_find_index(db->schema, name);
}

static int seq_create(mica_db *db, const char *name, const SeqOpts *o, int if_not_exists) {
  Seq s;
  int rc = seq_load(db, name, &s);
  if (rc) return rc;
  if (s.found || relation_exists(db, name)) {
    if (if_not_exists) return MICA_OK;
    return mica_set_error(db, MICA_ERROR, "relation \"%s\" already exists", name);
  }
  memset(&s, 0, sizeof s);
  snprintf(s.name, sizeof s.name, "%s", name);
  if ((rc = apply_opts(db, &s, o, 1))) return rc;
  if ((rc = ensure_table(db))) return rc;
  return seq_write(db, &s, 1);
}

static int seq_drop(mica_db *db, const char *name) {
  Arg a = {name, 0, 0};
  return run_sql(db, "DELETE FROM " SEQ_TABLE " WHERE name = ?1", &a, 1, NULL, NULL);
}

int seq_ddl(Exec *x, const void *stmt) {
  const Stmt *st = stmt;
  mica_db *db = x->db;
  int rc = MICA_OK;
  if (st->kind == SK_CREATE_SEQUENCE) return seq_create(db, st->name, st->seq, st->if_not_exists);
  if (st->kind == SK_ALTER_SEQUENCE) {
    Seq s;
    if ((rc = seq_load(db, st->name, &s))) return rc;
    if (!s.found) {
      if (st->if_exists) return MICA_OK;
      return mica_set_error(db, MICA_ERROR, "relation \"%s\" does not exist", st->name);
    }
    if ((rc = apply_opts(db, &s, st->seq, 0))) return rc;
    return seq_write(db, &s, 0);
  }
  /* DROP SEQUENCE: every name must exist (unless IF EXISTS) before any is dropped */
  for (int i = 0; i < st->nnames && rc == MICA_OK; i++) {
    Seq s;
    rc = seq_load(db, st->names[i], &s);
    if (rc == MICA_OK && !s.found && !st->if_exists)
      rc = mica_set_error(db, MICA_ERROR, "sequence \"%s\" does not exist", st->names[i]);
    if (rc == MICA_OK && s.found && s.has_owner) {
      Table *t = schema_find_table(db->schema, s.owner_table);
      int isrowid = 0;
      if (t && schema_column_index(t, s.owner_col, &isrowid) >= 0)
        rc = mica_set_error(db, MICA_ERROR, "cannot drop sequence %s because other objects depend on it",
                            s.name);
    }
  }
  for (int i = 0; i < st->nnames && rc == MICA_OK && have_table(db); i++)
    rc = seq_drop(db, st->names[i]);
  return rc;
}

/* ------------------------------------------------------------------------------------------------
 * Sequences owned by columns.
 */
int seq_after_create_table(Exec *x, const void *stmt) {
  const Stmt *st = stmt;
  mica_db *db = x->db;
  int rc = MICA_OK;
  for (int i = 0; i < st->ncoldef && rc == MICA_OK; i++) {
    const ColDef *c = &st->coldefs[i];
    if (!c->serial) continue;
    /* serial primary keys are the rowid; only the others got DEFAULT nextval(...) */
    int pk = c->pk;
    for (int k = 0; k < st->ntcons && !pk; k++)
      if (st->tcons[k].kind == TC_PRIMARY_KEY && st->tcons[k].ncol == 1 && st->tcons[k].cols[0].expr &&
          st->tcons[k].cols[0].expr->kind == EK_COLUMN &&
          !strcasecmp(st->tcons[k].cols[0].expr->name, c->name))
        pk = 1;
    if (pk) continue;
    char name[600];
    snprintf(name, sizeof name, "%s_%s_seq", st->name, c->name);
    SeqOpts o = {0};
    o.cycle = -1;
    o.type = canonical_type(c->type) ? c->type : "integer";
    o.owned_table = st->name;
    o.owned_col = c->name;
    rc = seq_create(db, name, &o, 0);
  }
  return rc;
}

int seq_drop_owned(Exec *x, const char *table, const char *col) {
  mica_db *db = x->db;
  if (!have_table(db)) return MICA_OK;
  Arg a[2] = {{table, 0, 0}, {col, 0, col == NULL}};
  return run_sql(db,
                 "DELETE FROM " SEQ_TABLE " WHERE owner_table = ?1 COLLATE NOCASE AND "
                 "(?2 IS NULL OR owner_column = ?2 COLLATE NOCASE)",
                 a, 2, NULL, NULL);
}

int seq_restart_owned(Exec *x, const char *table) {
  mica_db *db = x->db;
  if (!have_table(db)) return MICA_OK;
  Arg a = {table, 0, 0};
  return run_sql(db,
                 "UPDATE " SEQ_TABLE " SET last_value = start, is_called = 0, generation = generation + 1 "
                 "WHERE owner_table = ?1 COLLATE NOCASE",
                 &a, 1, NULL, NULL);
}

int seq_rename_owner(Exec *x, const char *table, const char *col, const char *new_table,
                     const char *new_col) {
  mica_db *db = x->db;
  if (!have_table(db)) return MICA_OK;
  if (!new_col) {
    Arg a[2] = {{new_table, 0, 0}, {table, 0, 0}};
    return run_sql(db, "UPDATE " SEQ_TABLE " SET owner_table = ?1 WHERE owner_table = ?2 COLLATE NOCASE", a,
                   2, NULL, NULL);
  }
  Arg a[3] = {{new_col, 0, 0}, {table, 0, 0}, {col, 0, 0}};
  return run_sql(db,
                 "UPDATE " SEQ_TABLE " SET owner_column = ?1 WHERE owner_table = ?2 COLLATE NOCASE AND "
                 "owner_column = ?3 COLLATE NOCASE",
                 a, 3, NULL, NULL);
}

/* ------------------------------------------------------------------------------------------------
 * nextval, currval, setval, lastval.
 */
static void fail(mica_context *ctx, mica_db *db, int rc) {
  if (rc == MICA_NOMEM) {
    mica_result_error_nomem(ctx);
    return;
  }
  mica_result_error(ctx, db->errmsg ? db->errmsg : "sequence error", -1);
}

static int load_arg(mica_context *ctx, mica_value *arg, Seq *s, char *name, size_t n) {
  mica_db *db = mica_context_db_handle(ctx);
  const unsigned char *z = mica_value_text(arg);
  regclass_name(z ? (const char *)z : "", name, n);
  int rc = seq_load(db, name, s);
  if (rc) {
    fail(ctx, db, rc);
    return rc;
  }
  if (!s->found) {
    char msg[400];
    snprintf(msg, sizeof msg, "relation \"%s\" does not exist", name);
    mica_result_error(ctx, msg, -1);
    return MICA_ERROR;
  }
  return MICA_OK;
}

/* The sequence named by argv[0] into *s; non-zero when the result is already set (NULL for a NULL
 * argument, or an error). */
static int seq_arg(mica_context *ctx, int argc, mica_value **argv, Seq *s) {
  for (int i = 0; i < argc; i++)
    if (mica_value_type(argv[i]) == MICA_NULL) return 1;
  char name[256];
  return load_arg(ctx, argv[0], s, name, sizeof name) != MICA_OK;
}

static void note_value(mica_db *db, const char *name, int64_t v, int64_t gen, int mark) {
  SeqEntry *e = session_entry(db, name, 1);
  if (!e) return;
  e->currval = v;
  e->has_currval = 1;
  if (mark) {
    e->mark = v;
    e->mark_gen = gen;
    e->has_mark = 1;
  } else {
    e->has_mark = 0;
  }
  char *ln = strdup(name);
  if (ln) {
    free(db->seq->last_name);
    db->seq->last_name = ln;
  }
}

static void fn_nextval(mica_context *ctx, int argc, mica_value **argv) {
  mica_db *db = mica_context_db_handle(ctx);
  Seq s;
  if (seq_arg(ctx, argc, argv, &s)) return;
  /* continue after what this session handed out, even if its transaction rolled back */
  SeqEntry *e = session_entry(db, s.name, 0);
  if (e && e->has_mark && e->mark_gen == s.gen &&
      (!s.is_called || (s.increment > 0 ? e->mark > s.last : e->mark < s.last))) {
    s.last = e->mark;
    s.is_called = 1;
  }
  int64_t v = s.last;
  if (s.is_called) {
    int over = s.increment > 0 ? s.last > s.maxv - s.increment : s.last < s.minv - s.increment;
    if (over && !s.cycle) {
      char msg[400];
      snprintf(msg, sizeof msg, "nextval: reached %s value of sequence \"%s\" (%lld)",
               s.increment > 0 ? "maximum" : "minimum", s.name,
               (long long)(s.increment > 0 ? s.maxv : s.minv));
      mica_result_error(ctx, msg, -1);
      return;
    }
    if (over) {
      v = s.increment > 0 ? s.minv : s.maxv;
      s.gen++;
    } else {
      v = s.last + s.increment;
    }
  }
  s.last = v;
  s.is_called = 1;
  int rc = seq_store_state(db, &s);
  if (rc) {
    fail(ctx, db, rc);
    return;
  }
  note_value(db, s.name, v, s.gen, 1);
  mica_result_int64(ctx, v);
}

static void fn_currval(mica_context *ctx, int argc, mica_value **argv) {
  mica_db *db = mica_context_db_handle(ctx);
  Seq s;
  if (seq_arg(ctx, argc, argv, &s)) return;
  SeqEntry *e = session_entry(db, s.name, 0);
  if (!e || !e->has_currval) {
    char msg[400];
    snprintf(msg, sizeof msg, "currval of sequence \"%s\" is not yet defined in this session", s.name);
    mica_result_error(ctx, msg, -1);
    return;
  }
  mica_result_int64(ctx, e->currval);
}

static void fn_lastval(mica_context *ctx, int argc, mica_value **argv) {
  (void)argc;
  (void)argv;
  mica_db *db = mica_context_db_handle(ctx);
  SeqEntry *e = db->seq && db->seq->last_name ? session_entry(db, db->seq->last_name, 0) : NULL;
  Seq s;
  if (e && seq_load(db, e->name, &s) == MICA_OK && !s.found) e = NULL; /* dropped since */
  if (!e || !e->has_currval) {
    mica_result_error(ctx, "lastval is not yet defined in this session", -1);
    return;
  }
  mica_result_int64(ctx, e->currval);
}

static void fn_setval(mica_context *ctx, int argc, mica_value **argv) {
  mica_db *db = mica_context_db_handle(ctx);
  Seq s;
  if (seq_arg(ctx, argc, argv, &s)) return;
  int64_t v = mica_value_int64(argv[1]);
  int called = argc > 2 ? mica_value_int64(argv[2]) != 0 : 1;
  if (v < s.minv || v > s.maxv) {
    char msg[500];
    snprintf(msg, sizeof msg, "setval: value %lld is out of bounds for sequence \"%s\" (%lld..%lld)",
             (long long)v, s.name, (long long)s.minv, (long long)s.maxv);
    mica_result_error(ctx, msg, -1);
    return;
  }
  s.last = v;
  s.is_called = called;
  s.gen++;
  int rc = seq_store_state(db, &s);
  if (rc) {
    fail(ctx, db, rc);
    return;
  }
  if (called) {
    note_value(db, s.name, v, s.gen, 0);
  } else {
    SeqEntry *e = session_entry(db, s.name, 0);
    if (e) e->has_mark = 0;
  }
  mica_result_int64(ctx, v);
}

int seq_register_functions(mica_db *db) {
  int rc = mica_create_function(db, "nextval", 1, MICA_UTF8, NULL, fn_nextval, NULL, NULL, NULL, NULL, NULL);
  if (rc == MICA_OK)
    rc = mica_create_function(db, "currval", 1, MICA_UTF8, NULL, fn_currval, NULL, NULL, NULL, NULL, NULL);
  if (rc == MICA_OK)
    rc = mica_create_function(db, "lastval", 0, MICA_UTF8, NULL, fn_lastval, NULL, NULL, NULL, NULL, NULL);
  if (rc == MICA_OK)
    rc = mica_create_function(db, "setval", 2, MICA_UTF8, NULL, fn_setval, NULL, NULL, NULL, NULL, NULL);
  if (rc == MICA_OK)
    rc = mica_create_function(db, "setval", 3, MICA_UTF8, NULL, fn_setval, NULL, NULL, NULL, NULL, NULL);
  return rc;
}
