/*
 * fkey.c: foreign keys (see fkey.h), with the semantics of SQLite 3.40's fkey.c.
 *
 * COUNTING
 *   A row write never fails on the spot because of a foreign key; it adjusts a counter of violations:
 *   - a child row written whose key (all columns non-NULL) has no parent row: +1;
 *   - a child row removed whose key has no parent: -1 (skipped while the counter is 0: then no
 *     violation is outstanding that removing it could resolve);
 *   - a parent row removed: +1 per child row that matches its key (not counting itself when a row
 *     of a self-referencing table is its own parent);
 *   - a parent row written: -1 per child row matching its key (skipped while the counter is 0).
 *   The counter is db->fk_deferred for a DEFERRABLE INITIALLY DEFERRED key, db->fk_deferred_imm for
 *   every key while PRAGMA defer_foreign_keys is on, else db->fk_stmt, the running top-level
 *   statement's (trigger programs and actions count into it too). mica.c fails a statement that ends
 *   with fk_stmt > 0 ("FOREIGN KEY constraint failed", the statement rolled back), and a COMMIT (or
 *   autocommit end) with deferred violations left. A rolled-back statement or savepoint restores the
 *   deferred counts it started with.
 *
 * PARENT KEYS (locate_key, SQLite's sqlite3FkLocateIndex)
 *   A one-column key maps to the parent's INTEGER PRIMARY KEY when it names no column and the parent
 *   has one, or names that column. Otherwise it needs a UNIQUE index (not partial) with exactly the
 *   key's columns, in any order, each with its column's default collation; a key naming no column
 *   needs the PRIMARY KEY's index. Else: foreign key mismatch - "child" referencing "parent".
 *   The parent row of a child key is found by applying the parent columns' affinities to the child
 *   values and seeking that index (a rowid: the value must be an integer), as SQLite does; a row
 *   written to a self-referencing table is its own parent when its key equals its parent columns.
 *
 * CHILD ROWS
 *   The child rows of a parent row are found with a statement compiled like a trigger body over the
 *   parent table (OLD is the parent row): SELECT rowid FROM child WHERE old.p1 = c1 AND ...; the
 *   comparison is SQLite's (the parent column's affinity and collation on the left), and the planner
 *   uses an index on the child columns when there is one.
 *
 * ACTIONS
 *   ON DELETE / ON UPDATE CASCADE, SET NULL, SET DEFAULT and RESTRICT are triggers, as in SQLite: an
 *   AFTER trigger on the parent, built from text on first use and kept with the FKey:
 *     CASCADE (delete):   DELETE FROM child WHERE old.p = c
 *     CASCADE (update):   UPDATE child SET c = new.p WHERE old.p = c
 *     SET NULL / DEFAULT: UPDATE child SET c = NULL / (the column's DEFAULT) WHERE old.p = c
 *     RESTRICT:           SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed') FROM child WHERE ...
 *   An ON UPDATE action has WHEN NOT (old.p IS new.p AND ...). RESTRICT is left out while
 *   defer_foreign_keys is on.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ast.h"
#include "dml.h"
#include "fkey.h"
#include "parse.h"
#include "plan.h"
#include "printf.h"
#include "schema.h"
#include "trigger.h"

/* Finds the parent row of a row of the table (the child). */
typedef struct FkLookup {
  FKey *fk;
  Table *parent; /* NULL: the parent table is missing (DROP TABLE only): counted as empty */
  Index *idx;    /* the parent key's index; NULL: the parent's rowid */
  int *cols;     /* [fk->ncol] child column per key column (in the index's order) */
  int *pcols;    /* [fk->ncol] parent column per key column */
} FkLookup;

/* Finds the child rows of a row of the table (the parent). */
typedef struct FkScan {
  FKey *fk;
  mica_stmt *st; /* SELECT rowid FROM child WHERE old.p1 = c1 AND ... */
} FkScan;

struct FkPlan {
  mica_db *db;
  Table *t;
  TrigCtx ctx; /* what the scans compile against: OLD is a row of t */
  int nlookup;
  FkLookup *lookup;
  int nscan;
  FkScan *scan;
  TrigList *actions;
};

static int nomem(mica_db *db) { return mica_set_error(db, MICA_NOMEM, "out of memory"); }

static int name_eq(const char *a, const char *b) { return a && b && !strcasecmp(a, b); }

/* ------------------------------------------------------------------ counters */
/* In the PostgreSQL dialect, the message of the violation counted last, in PostgreSQL's words (the
 * constraint named as PostgreSQL names an unnamed one: table_columns_fkey). */
static void note_violation(mica_db *db, const FKey *fk, int parent_side) {
  char name[160];
  size_t n = (size_t)snprintf(name, sizeof name, "%s", fk->from->name);
  for (int i = 0; i < fk->ncol && n < sizeof name; i++)
    n += (size_t)snprintf(name + n, sizeof name - n, "_%s", fk->from->cols[fk->from_cols[i]].name);
  if (parent_side)
    snprintf(db->fk_pg_msg, sizeof db->fk_pg_msg,
             "update or delete on table \"%s\" violates foreign key constraint \"%s_fkey\" on table \"%s\"",
             fk->to, name, fk->from->name);
  else
    snprintf(db->fk_pg_msg, sizeof db->fk_pg_msg,
             "insert or update on table \"%s\" violates foreign key constraint \"%s_fkey\"", fk->from->name,
             name);
}

int fkey_error(mica_db *db) {
  if (db->dialect == MICA_DIALECT_POSTGRES && db->fk_pg_msg[0])
    return mica_set_error(db, MICA_CONSTRAINT_FOREIGNKEY, "%s", db->fk_pg_msg);
  return mica_set_error(db, MICA_CONSTRAINT_FOREIGNKEY, "FOREIGN KEY constraint failed");
}

static void fk_count(mica_db *db, const FKey *fk, int parent_side, int64_t n) {
  int deferred = fk->deferred;
  if (n > 0 && db->dialect == MICA_DIALECT_POSTGRES) note_violation(db, fk, parent_side);
  if (db->defer_foreign_keys)
    db->fk_deferred_imm += n;
  else if (deferred)
    db->fk_deferred += n;
  else
    db->fk_stmt += n;
}

/* No violation is outstanding that a removal could resolve (SQLite's OP_FkIfZero). */
static int fk_is_zero(mica_db *db, int deferred) {
  if (deferred) return db->fk_deferred == 0 && db->fk_deferred_imm == 0;
  return db->fk_stmt == 0 && db->fk_deferred_imm == 0;
}

int fkey_check_deferred(mica_db *db) {
  return db->fk_deferred + db->fk_deferred_imm > 0 ? fkey_error(db) : MICA_OK;
}

void fkey_txn_end(mica_db *db) {
  db->fk_deferred = db->fk_deferred_imm = 0;
  if (db->defer_foreign_keys) {
    db->defer_foreign_keys = 0;
    db->schema_gen++; /* programs compiled while it was on left RESTRICT actions out */
  }
}

/* ------------------------------------------------------------------ text of internal statements */
/* "name", its double quotes doubled. */
static void buf_ident(StrBuf *b, const char *name) { strbuf_appendf(b, "\"%w\"", name); }

static void buf_str(StrBuf *b, const char *s) { strbuf_append(b, s, -1); }

/* old."p1" = "c1" AND ... over the key columns. */
static void buf_key_match(StrBuf *b, const Table *parent, const Table *child, const int *cols,
                          const int *pcols, int n) {
  for (int i = 0; i < n; i++) {
    buf_str(b, i ? " AND old." : "old.");
    buf_ident(b, parent->cols[pcols[i]].name);
    buf_str(b, " = ");
    buf_ident(b, child->cols[cols[i]].name);
  }
}

/* A name for the rowid of t that no column of t shadows. */
static const char *rowid_name(const Table *t) {
  static const char *const names[] = {"rowid", "_rowid_", "oid"};
  for (int i = 0; i < 3; i++)
    if (schema_column_index(t, names[i], NULL) < 0) return names[i];
  return "rowid";
}

/* A statement compiled from sql (SQLite's dialect) outside the connection's list; ctx, when set,
 * makes it a trigger body statement (NEW/OLD). Takes sql (malloc'd). */
static int stmt_compile(mica_db *db, char *sql, const TrigCtx *ctx, int fk_drop, mica_stmt **out) {
  *out = NULL;
  Stmt *ast = NULL;
  const char *tail;
  char *err = NULL;
  int off;
  int rc = parse_statement(sql, (int)strlen(sql), MICA_DIALECT_SQLITE, &ast, &tail, &err, &off);
  if (rc || !ast) {
    rc = mica_set_error(db, MICA_INTERNAL, "internal foreign key statement: %s", err ? err : "empty");
    free(err);
    free(sql);
    return rc;
  }
  mica_stmt *st = calloc(1, sizeof *st);
  if (!st) {
    ast_free(ast);
    free(sql);
    return nomem(db);
  }
  st->db = db;
  st->sql = sql;
  st->ast = ast;
  st->trig = ctx;
  st->fk_drop = fk_drop;
  st->stmt_savepoint = -1;
  rc = plan_prepare(st);
  if (rc == MICA_OK && st->nparam) rc = mica_set_error(db, MICA_INTERNAL, "internal foreign key statement");
  *out = st;
  return rc ? (db->errcode ? db->errcode : rc) : MICA_OK;
}

static void stmt_free(mica_stmt *st) {
  if (!st) return;
  plan_unprepare(st);
  if (st->ast) ast_free(st->ast);
  free(st->params);
  free(st->sql);
  free(st);
}

/* Runs a compiled SELECT to completion, calling row(arg, values) for each row; OLD (when a trigger
 * body statement) shows the row old with rowid. */
static int stmt_each(Exec *outer, mica_stmt *st, Value *old, int64_t rowid, int (*row)(void *, Row *),
                     void *arg) {
  Prog *p = st->prog;
  st->now_ms = outer && outer->stmt ? outer->stmt->now_ms : 0;
  if (old) prog_slot_fill(p, TRIG_OLD_SLOT, old, rowid);
  Exec x = {.db = st->db, .stmt = st, .prog = p, .slots = p->slots};
  int rc = select_open(&x, p->sel);
  while (rc == MICA_OK && (rc = select_next(&x, p->sel)) == MICA_ROW)
    rc = row(arg, p->sel->cur);
  select_close(p->sel);
  if (old) prog_slot_empty(p, TRIG_OLD_SLOT);
  prog_reset(p);
  return rc == MICA_DONE ? MICA_OK : rc;
}

/* ------------------------------------------------------------------ parent keys */
/* SQLite's sqlite3FkLocateIndex (see the header): *idx (NULL for the rowid), and per key column the
 * child column (cols) and parent column (pcols). Reports the mismatch when report is set. */
static int locate_key(mica_db *db, Table *p, FKey *fk, Index **idx, int *cols, int *pcols, int report) {
  int n = fk->ncol;
  const char *key0 = fk->to_cols ? fk->to_cols[0] : NULL;
  *idx = NULL;
  /* rows are named by rowids here (parent lookups, child scans): not yet for WITHOUT ROWID tables */
  if ((p->pk || fk->from->pk) && !report) return MICA_ERROR;
  if (p->pk || fk->from->pk)
    return mica_set_error(
        db, MICA_ERROR,
        "foreign keys with WITHOUT ROWID tables are not supported (\"%s\" referencing \"%s\")",
        fk->from->name, p->name);
  if (n == 1 && p->ipk >= 0 && (!key0 || name_eq(p->cols[p->ipk].name, key0))) {
    cols[0] = fk->from_cols[0];
    pcols[0] = p->ipk;
    return MICA_OK;
  }
  for (Index *ix = p->indexes; ix; ix = ix->next_in_table) {
    if (ix->ncol != n || !ix->unique || ix->where) continue;
    if (!key0) {
      if (ix->origin != 2) continue;
      for (int i = 0; i < n; i++) {
        cols[i] = fk->from_cols[i];
        pcols[i] = ix->cols[i];
      }
      *idx = ix;
      return MICA_OK;
    }
    int i;
    for (i = 0; i < n; i++) {
      int pc = ix->cols[i];
      if (pc < 0) break; /* no foreign keys against rowid or expression keys */
      const char *dflt = p->cols[pc].coll_name ? p->cols[pc].coll_name : "BINARY";
      if (!ix->coll_names || !name_eq(ix->coll_names[i], dflt)) break;
      int j;
      for (j = 0; j < n && !name_eq(fk->to_cols[j], p->cols[pc].name); j++) {
      }
      if (j == n) break;
      cols[i] = fk->from_cols[j];
      pcols[i] = pc;
    }
    if (i == n) {
      *idx = ix;
      return MICA_OK;
    }
  }
  if (!report) return MICA_ERROR;
  return mica_set_error(db, MICA_ERROR, "foreign key mismatch - \"%s\" referencing \"%s\"", fk->from->name,
                        fk->to);
}

/* Whether the parent of the key vals[l->cols[...]] exists (*found). self: the row (vals, rowid) being
 * written to a self-referencing table, which may be its own parent. */
static int parent_exists(Exec *x, FkLookup *l, Value *vals, int64_t rowid, int self, int *found) {
  mica_db *db = x->db;
  int n = l->fk->ncol;
  *found = 0;
  if (!l->parent) return MICA_OK;
  if (self) {
    int same = 1;
    for (int i = 0; i < n && same; i++) {
      const Value *pv = &vals[l->pcols[i]];
      same = pv->type != VAL_NULL && value_compare(&vals[l->cols[i]], pv, NULL) == 0;
    }
    if (same) {
      *found = 1;
      return MICA_OK;
    }
  }
  Value *keys = values_alloc((size_t)n + 1);
  if (!keys) return nomem(db);
  int rc = MICA_OK;
  for (int i = 0; i < n && rc == MICA_OK; i++) {
    rc = value_copy(&keys[i], &vals[l->cols[i]]);
    value_apply_affinity(&keys[i], l->idx ? l->parent->cols[l->pcols[i]].aff : AFF_INTEGER);
  }
  BtCursor *cur = NULL;
  if (rc == MICA_OK && !l->idx) {
    /* the parent's rowid: the value must be an integer */
    if (keys[0].type == VAL_INT) {
      int res;
      rc = btree_cursor_open(db->bt, l->parent->root, 0, NULL, &cur);
      if (rc == MICA_OK) rc = btree_seek_rowid(cur, keys[0].u.i, &res);
      if (rc == MICA_OK) *found = res == 0 && !btree_eof(cur);
      if (rc) rc = mica_set_error(db, rc, "%s", btree_errmsg(db->bt));
    }
  } else if (rc == MICA_OK) {
    int64_t other;
    rc = btree_cursor_open(db->bt, l->idx->root, 0, &l->idx->keyinfo, &cur);
    if (rc)
      rc = mica_set_error(db, rc, "%s", btree_errmsg(db->bt));
    else
      rc = dml_index_find(x, l->idx, cur, keys, found, &other);
  } else {
    rc = nomem(db);
  }
  if (cur) btree_cursor_close(cur);
  for (int i = 0; i < n; i++)
    value_release(&keys[i]);
  free(keys);
  return rc;
}

/* A child row removed (incr -1) or written (+1): counts it when its parent is missing. */
static int lookup_parent(Exec *x, FkPlan *f, FkLookup *l, Value *vals, int64_t rowid, int incr) {
  mica_db *db = x->db;
  FKey *fk = l->fk;
  if (incr < 0 && fk_is_zero(db, fk->deferred)) return MICA_OK;
  for (int i = 0; i < fk->ncol; i++)
    if (vals[l->cols[i]].type == VAL_NULL) return MICA_OK;
  int found = 0;
  int rc = parent_exists(x, l, vals, rowid, incr > 0 && l->parent == f->t, &found);
  if (rc == MICA_OK && !found) fk_count(db, fk, 0, incr);
  return rc;
}

/* ------------------------------------------------------------------ child rows */
typedef struct ScanCount {
  int64_t n;
  int skip_self;
  int64_t self;
} ScanCount;

static int count_row(void *arg, Row *r) {
  ScanCount *c = arg;
  if (!(c->skip_self && r->v[0].type == VAL_INT && r->v[0].u.i == c->self)) c->n++;
  return MICA_OK;
}

/* A parent row removed (incr +1) or written (-1): counts its child rows. */
static int scan_children(Exec *x, FkPlan *f, FkScan *s, Value *vals, int64_t rowid, int incr) {
  mica_db *db = x->db;
  if (incr < 0 && fk_is_zero(db, s->fk->deferred)) return MICA_OK;
  ScanCount c = {.skip_self = incr > 0 && s->fk->from == f->t, .self = rowid};
  int rc = stmt_each(x, s->st, vals, rowid, count_row, &c);
  if (rc == MICA_OK && c.n) fk_count(db, s->fk, 1, incr * c.n);
  return rc;
}

int fkey_check_old(Exec *x, FkPlan *f, Value *old, int64_t rowid) {
  if (!f) return MICA_OK;
  int rc = MICA_OK;
  for (int i = 0; i < f->nlookup && rc == MICA_OK; i++)
    rc = lookup_parent(x, f, &f->lookup[i], old, rowid, -1);
  for (int i = 0; i < f->nscan && rc == MICA_OK; i++)
    rc = scan_children(x, f, &f->scan[i], old, rowid, 1);
  return rc;
}

int fkey_check_new(Exec *x, FkPlan *f, Value *nv, int64_t rowid) {
  if (!f) return MICA_OK;
  int rc = MICA_OK;
  for (int i = 0; i < f->nlookup && rc == MICA_OK; i++)
    rc = lookup_parent(x, f, &f->lookup[i], nv, rowid, 1);
  for (int i = 0; i < f->nscan && rc == MICA_OK; i++)
    rc = scan_children(x, f, &f->scan[i], nv, rowid, -1);
  return rc;
}

int fkey_actions(Exec *x, FkPlan *f, Value *old, int64_t oldrowid, Value *nv, int64_t newrowid) {
  if (!f || !f->actions) return MICA_OK;
  int ign = 0;
  return trigger_fire(x, f->actions, TR_AFTER, nv, newrowid, old, oldrowid, &ign);
}

/* ------------------------------------------------------------------ building */
/* Whether column col of t is assigned by the SET list (generated columns: when anything is). */
static int col_set(const Table *t, int col, int nset, const char *const *setcols) {
  if (t->cols[col].gen) return nset > 0;
  for (int i = 0; i < nset; i++) {
    if (name_eq(setcols[i], t->cols[col].name)) return 1;
    int isr = 0;
    if (col == t->ipk && schema_column_index(t, setcols[i], &isr) < 0 && isr) return 1;
  }
  return 0;
}

/* SQLite's fkChildIsModified / fkParentIsModified. */
static int child_modified(const FKey *fk, int nset, const char *const *setcols) {
  for (int i = 0; i < fk->ncol; i++)
    if (col_set(fk->from, fk->from_cols[i], nset, setcols)) return 1;
  return 0;
}

static int parent_modified(const Table *p, const FKey *fk, int nset, const char *const *setcols) {
  for (int k = 0; k < p->ncol; k++) {
    if (!col_set(p, k, nset, setcols)) continue;
    for (int i = 0; i < fk->ncol; i++)
      if (fk->to_cols ? name_eq(fk->to_cols[i], p->cols[k].name) : p->cols[k].pk > 0) return 1;
  }
  return 0;
}

/* The action trigger of fk (parent p, key mapped by cols/pcols) for a delete or an update, built on
 * first use (see ACTIONS); NULL when the action is none. */
static int action_trigger(mica_db *db, FKey *fk, Table *p, const int *cols, const int *pcols, int update,
                          Trigger **out) {
  int action = update ? fk->on_update : fk->on_delete;
  *out = NULL;
  if (action == FK_NONE || action == FK_NO_ACTION || (action == FK_RESTRICT && db->defer_foreign_keys))
    return MICA_OK;
  if (fk->act[update]) {
    *out = fk->act[update];
    return MICA_OK;
  }
  Table *c = fk->from;
  int n = fk->ncol;
  StrBuf b;
  strbuf_init(&b);
  buf_str(&b, update ? "CREATE TRIGGER \"\" AFTER UPDATE ON " : "CREATE TRIGGER \"\" AFTER DELETE ON ");
  buf_ident(&b, p->name);
  if (update) {
    buf_str(&b, " WHEN NOT (");
    for (int i = 0; i < n; i++) {
      buf_str(&b, i ? " AND old." : "old.");
      buf_ident(&b, p->cols[pcols[i]].name);
      buf_str(&b, " IS new.");
      buf_ident(&b, p->cols[pcols[i]].name);
    }
    buf_str(&b, ")");
  }
  buf_str(&b, " BEGIN ");
  if (action == FK_RESTRICT) {
    buf_str(&b, "SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed') FROM ");
    buf_ident(&b, c->name);
  } else if (action == FK_CASCADE && !update) {
    buf_str(&b, "DELETE FROM ");
    buf_ident(&b, c->name);
  } else {
    buf_str(&b, "UPDATE ");
    buf_ident(&b, c->name);
    buf_str(&b, " SET ");
    for (int i = 0; i < n; i++) {
      if (i) buf_str(&b, ", ");
      buf_ident(&b, c->cols[cols[i]].name);
      buf_str(&b, " = ");
      char *dflt = action == FK_SET_DEFAULT && !c->cols[cols[i]].gen ? schema_default_text(c, cols[i]) : NULL;
      if (action == FK_CASCADE) {
        buf_str(&b, "new.");
        buf_ident(&b, p->cols[pcols[i]].name);
      } else if (dflt) {
        buf_str(&b, "(");
        buf_str(&b, dflt);
        buf_str(&b, ")");
      } else {
        buf_str(&b, "NULL");
      }
      free(dflt);
    }
  }
  buf_str(&b, " WHERE ");
  buf_key_match(&b, p, c, cols, pcols, n);
  buf_str(&b, "; END");
  char *sql = strbuf_finish(&b);
  if (!sql) return nomem(db);
  Stmt *ast = NULL;
  const char *tail;
  char *err = NULL;
  int off;
  int rc = parse_statement(sql, (int)strlen(sql), MICA_DIALECT_SQLITE, &ast, &tail, &err, &off);
  Trigger *tr = rc == MICA_OK && ast ? calloc(1, sizeof *tr) : NULL;
  if (!tr) {
    rc =
        rc ? mica_set_error(db, MICA_INTERNAL, "internal foreign key action: %s", err ? err : "") : nomem(db);
    if (ast) ast_free(ast);
    free(err);
    free(sql);
    return rc;
  }
  tr->name = strdup("");
  tr->table = strdup(p->name);
  tr->sql = sql;
  tr->ast = ast;
  if (!tr->name || !tr->table) {
    schema_trigger_free(tr);
    return nomem(db);
  }
  fk->act[update] = tr;
  *out = tr;
  return MICA_OK;
}

void fkey_plan_free(FkPlan *f) {
  if (!f) return;
  for (int i = 0; i < f->nlookup; i++) {
    free(f->lookup[i].cols);
    free(f->lookup[i].pcols);
  }
  free(f->lookup);
  for (int i = 0; i < f->nscan; i++)
    stmt_free(f->scan[i].st);
  free(f->scan);
  trigger_list_free(f->actions);
  free(f);
}

/* The scan statement of the child rows of fk, a key of parent t (see CHILD ROWS). */
static int scan_compile(FkPlan *f, FKey *fk, const int *cols, const int *pcols, mica_stmt **out) {
  StrBuf b;
  strbuf_init(&b);
  buf_str(&b, "SELECT ");
  buf_str(&b, rowid_name(fk->from));
  buf_str(&b, " FROM ");
  buf_ident(&b, fk->from->name);
  buf_str(&b, " WHERE ");
  buf_key_match(&b, f->t, fk->from, cols, pcols, fk->ncol);
  char *sql = strbuf_finish(&b);
  return sql ? stmt_compile(f->db, sql, &f->ctx, 0, out) : nomem(f->db);
}

static int plan_add_lookup(FkPlan *f, FKey *fk, Table *p, Index *idx, const int *cols, const int *pcols) {
  FkLookup *l = realloc(f->lookup, sizeof(FkLookup) * (size_t)(f->nlookup + 1));
  if (!l) return nomem(f->db);
  f->lookup = l;
  l = &l[f->nlookup];
  memset(l, 0, sizeof *l);
  l->cols = malloc(sizeof(int) * (size_t)fk->ncol);
  l->pcols = malloc(sizeof(int) * (size_t)fk->ncol);
  f->nlookup++;
  if (!l->cols || !l->pcols) return nomem(f->db);
  memcpy(l->cols, cols, sizeof(int) * (size_t)fk->ncol);
  memcpy(l->pcols, pcols, sizeof(int) * (size_t)fk->ncol);
  l->fk = fk;
  l->parent = p;
  l->idx = idx;
  return MICA_OK;
}

/* The foreign keys referencing t, in SQLite's order (the most recently created first). */
static int references(mica_db *db, Table *t, FKey ***out, int *n) {
  int cap = 0;
  *out = NULL;
  *n = 0;
  for (Table *c = db->schema->tables; c; c = c->next) {
    int k = 0;
    for (FKey *fk = c->fkeys; fk; fk = fk->next)
      k++;
    /* a table's list is newest first: reverse it to get declaration order, then prepend */
    for (int j = k - 1; j >= 0; j--) {
      FKey *fk = c->fkeys;
      for (int m = 0; m < j; m++)
        fk = fk->next;
      if (!name_eq(fk->to, t->name)) continue;
      if (*n == cap) {
        cap = cap ? cap * 2 : 8;
        FKey **a = realloc(*out, sizeof(FKey *) * (size_t)cap);
        if (!a) return nomem(db);
        *out = a;
      }
      memmove(*out + 1, *out, sizeof(FKey *) * (size_t)*n);
      (*out)[0] = fk;
      (*n)++;
    }
  }
  return MICA_OK;
}

static int build_child_side(FkPlan *f, int event, int nset, const char *const *setcols, int drop, int *cols,
                            int *pcols) {
  mica_db *db = f->db;
  Table *t = f->t;
  for (FKey *fk = t->fkeys; fk; fk = fk->next) {
    if (event == TE_UPDATE && !name_eq(t->name, fk->to) && !child_modified(fk, nset, setcols)) continue;
    Table *p = schema_find_table(db->schema, fk->to);
    Index *idx = NULL;
    int rc = MICA_OK;
    if (!p && !drop) return mica_set_error(db, MICA_ERROR, "no such table: main.%s", fk->to);
    if (!p) {
      for (int i = 0; i < fk->ncol; i++)
        cols[i] = pcols[i] = fk->from_cols[i];
    } else if ((rc = locate_key(db, p, fk, &idx, cols, pcols, !drop))) {
      if (drop) continue;
      return rc;
    }
    if ((rc = plan_add_lookup(f, fk, p, idx, cols, pcols))) return rc;
  }
  return MICA_OK;
}

static int build_parent_side(FkPlan *f, int event, int nset, const char *const *setcols, int flags, int *cols,
                             int *pcols) {
  mica_db *db = f->db;
  int drop = flags & FKP_DROP;
  Table *t = f->t;
  FKey **refs;
  int nrefs;
  int rc = references(db, t, &refs, &nrefs);
  Trigger **acts = rc == MICA_OK ? calloc((size_t)nrefs + 1, sizeof(Trigger *)) : NULL;
  int nacts = 0;
  if (rc == MICA_OK && !acts) rc = nomem(db);
  for (int r = 0; rc == MICA_OK && r < nrefs; r++) {
    FKey *fk = refs[r];
    Index *idx;
    if (event == TE_UPDATE && !parent_modified(t, fk, nset, setcols)) continue;
    /* one row written cannot resolve what it did not cause */
    if ((flags & FKP_SINGLE) && !fk->deferred && !db->defer_foreign_keys) continue;
    if ((rc = locate_key(db, t, fk, &idx, cols, pcols, !drop))) {
      if (drop) rc = MICA_OK;
      continue;
    }
    FkScan *s = realloc(f->scan, sizeof(FkScan) * (size_t)(f->nscan + 1));
    if (!s) {
      rc = nomem(db);
      break;
    }
    f->scan = s;
    s = &s[f->nscan++];
    s->fk = fk;
    s->st = NULL;
    rc = scan_compile(f, fk, cols, pcols, &s->st);
    Trigger *tr = NULL;
    if (rc == MICA_OK && event != TE_INSERT)
      rc = action_trigger(db, fk, t, cols, pcols, event == TE_UPDATE, &tr);
    if (tr) acts[nacts++] = tr;
  }
  if (rc == MICA_OK && nacts) rc = trigger_list_build_actions(db, t, event, acts, nacts, &f->actions);
  free(acts);
  free(refs);
  return rc;
}

int fkey_plan_build(mica_db *db, Table *t, int event, int nset, const char *const *setcols, int flags,
                    FkPlan **out) {
  int drop = flags & FKP_DROP;
  *out = NULL;
  if (!db->foreign_keys || !t || t->is_view) return MICA_OK;
  FkPlan *f = calloc(1, sizeof *f);
  int *cols = malloc(sizeof(int) * (size_t)(t->ncol + 1));
  int *pcols = malloc(sizeof(int) * (size_t)(t->ncol + 1));
  int maxk = t->ncol;
  for (Table *c = db->schema->tables; c; c = c->next)
    for (FKey *fk = c->fkeys; fk; fk = fk->next)
      if (fk->ncol > maxk) maxk = fk->ncol;
  if (maxk > t->ncol) {
    free(cols);
    free(pcols);
    cols = malloc(sizeof(int) * (size_t)(maxk + 1));
    pcols = malloc(sizeof(int) * (size_t)(maxk + 1));
  }
  int rc = f && cols && pcols ? MICA_OK : nomem(db);
  if (rc == MICA_OK) {
    f->db = db;
    f->t = t;
    f->ctx.t = t;
    f->ctx.has_old = 1;
    rc = build_child_side(f, event, nset, setcols, drop, cols, pcols);
  }
  if (rc == MICA_OK) rc = build_parent_side(f, event, nset, setcols, flags, cols, pcols);
  free(cols);
  free(pcols);
  if (rc) {
    fkey_plan_free(f);
    return db->errcode ? db->errcode : rc;
  }
  if (!f->nlookup && !f->nscan) {
    fkey_plan_free(f);
    return MICA_OK;
  }
  *out = f;
  return MICA_OK;
}

/* Whether DROP TABLE t deletes its rows first: t is a parent, or has a deferred key while deferred
 * violations are outstanding (its orphans then stop counting). */
static int drop_needs_delete(mica_db *db, Table *t) {
  for (Table *c = db->schema->tables; c; c = c->next)
    for (FKey *fk = c->fkeys; fk; fk = fk->next)
      if (name_eq(fk->to, t->name)) return 1;
  for (FKey *fk = t->fkeys; fk; fk = fk->next)
    if (fk->deferred || db->defer_foreign_keys) return !fk_is_zero(db, 1);
  return 0;
}

int fkey_drop_table(Exec *x, Table *t) {
  mica_db *db = x->db;
  if (!db->foreign_keys || t->is_view || !drop_needs_delete(db, t)) return MICA_OK;
  StrBuf b;
  strbuf_init(&b);
  buf_str(&b, "DELETE FROM ");
  buf_ident(&b, t->name);
  mica_stmt *st = NULL;
  char *sql = strbuf_finish(&b);
  int rc = !sql ? nomem(db) : stmt_compile(db, sql, NULL, 1, &st);
  if (rc == MICA_OK) {
    st->now_ms = x->stmt ? x->stmt->now_ms : 0;
    Exec dx = {.db = db, .stmt = st, .prog = st->prog, .slots = st->prog->slots};
    RowList rows = {0};
    rc = plan_run(&dx, &rows);
    rowlist_clear(&rows);
    prog_reset(st->prog);
  }
  stmt_free(st);
  /* immediate violations stop the DROP before the schema changes */
  if (rc == MICA_OK && !db->defer_foreign_keys && !fk_is_zero(db, 0)) rc = fkey_error(db);
  return rc;
}

/* ------------------------------------------------------------------ pragmas */
static const char *action_name(int a) {
  switch (a) {
  case FK_SET_NULL: return "SET NULL";
  case FK_SET_DEFAULT: return "SET DEFAULT";
  case FK_CASCADE: return "CASCADE";
  case FK_RESTRICT: return "RESTRICT";
  default: return "NO ACTION";
  }
}

static void set_text(Value *v, const char *z) {
  if (z)
    value_set_text_copy(v, z, (int)strlen(z));
  else
    value_set_null(v);
}

int fkey_pragma_list(Exec *x, Table *t, RowList *out) {
  int id = 0;
  for (FKey *fk = t->fkeys; fk; fk = fk->next, id++)
    for (int i = 0; i < fk->ncol; i++) {
      Row *r = row_new(8);
      if (!r) return nomem(x->db);
      value_set_int(&r->v[0], id);
      value_set_int(&r->v[1], i);
      set_text(&r->v[2], fk->to);
      set_text(&r->v[3], t->cols[fk->from_cols[i]].name);
      set_text(&r->v[4], fk->to_cols ? fk->to_cols[i] : NULL);
      set_text(&r->v[5], action_name(fk->on_update));
      set_text(&r->v[6], action_name(fk->on_delete));
      set_text(&r->v[7], "NONE");
      if (rowlist_push(out, r)) {
        row_free(r);
        return nomem(x->db);
      }
    }
  return MICA_OK;
}

/* foreign_key_check over one table: its rows in rowid order, for each its keys in id order. */
typedef struct CheckCtx {
  Exec *x;
  Table *t;
  int n;
  FkLookup *l;  /* [n] */
  RowList *out; /* the rows reported; NULL: the first violation is an error */
} CheckCtx;

static int check_row(void *arg, Row *r) {
  CheckCtx *c = arg;
  int64_t rowid = r->v[0].u.i;
  Value *vals = &r->v[1];
  for (int i = 0; i < c->n; i++) {
    FkLookup *l = &c->l[i];
    int isnull = 0;
    for (int k = 0; k < l->fk->ncol; k++)
      isnull |= vals[l->cols[k]].type == VAL_NULL;
    if (isnull) continue;
    int found = 0;
    int rc = parent_exists(c->x, l, vals, rowid, 0, &found);
    if (rc) return rc;
    if (found) continue;
    if (!c->out) {
      if (c->x->db->dialect == MICA_DIALECT_POSTGRES) note_violation(c->x->db, l->fk, 0);
      return fkey_error(c->x->db);
    }
    Row *o = row_new(4);
    if (!o) return nomem(c->x->db);
    set_text(&o->v[0], c->t->name);
    value_set_int(&o->v[1], rowid);
    set_text(&o->v[2], l->fk->to);
    value_set_int(&o->v[3], i);
    if (rowlist_push(c->out, o)) {
      row_free(o);
      return nomem(c->x->db);
    }
  }
  return MICA_OK;
}

/* Checks the rows of t against its foreign keys (the first nmax of them: the most recent). */
static int check_table(Exec *x, Table *t, int nmax, RowList *out) {
  mica_db *db = x->db;
  int n = 0;
  for (FKey *fk = t->fkeys; fk && n < nmax; fk = fk->next)
    n++;
  if (!n || t->is_view) return MICA_OK;
  CheckCtx c = {.x = x, .t = t, .n = n, .out = out};
  c.l = calloc((size_t)n, sizeof(FkLookup));
  if (!c.l) return nomem(db);
  int rc = MICA_OK, i = 0;
  for (FKey *fk = t->fkeys; fk && i < n && rc == MICA_OK; fk = fk->next, i++) {
    FkLookup *l = &c.l[i];
    l->fk = fk;
    l->cols = calloc((size_t)fk->ncol, sizeof(int));
    l->pcols = calloc((size_t)fk->ncol, sizeof(int));
    if (!l->cols || !l->pcols) {
      rc = nomem(db);
      break;
    }
    l->parent = schema_find_table(db->schema, fk->to);
    if (!l->parent)
      memcpy(l->cols, fk->from_cols, sizeof(int) * (size_t)fk->ncol);
    else
      rc = locate_key(db, l->parent, fk, &l->idx, l->cols, l->pcols, 1);
  }
  if (rc == MICA_OK) {
    StrBuf b;
    strbuf_init(&b);
    buf_str(&b, "SELECT ");
    buf_str(&b, rowid_name(t));
    buf_str(&b, ", * FROM ");
    buf_ident(&b, t->name);
    mica_stmt *st = NULL;
    char *sql = strbuf_finish(&b);
    rc = !sql ? nomem(db) : stmt_compile(db, sql, NULL, 0, &st);
    if (rc == MICA_OK) rc = stmt_each(x, st, NULL, 0, check_row, &c);
    stmt_free(st);
  }
  for (i = 0; i < n; i++) {
    free(c.l[i].cols);
    free(c.l[i].pcols);
  }
  free(c.l);
  return rc;
}

static int check_keys(mica_db *db, Table *t) {
  int *cols = malloc(sizeof(int) * (size_t)(t->ncol + 1)),
      *pcols = malloc(sizeof(int) * (size_t)(t->ncol + 1));
  int rc = cols && pcols ? MICA_OK : nomem(db);
  for (FKey *fk = t->fkeys; fk && rc == MICA_OK; fk = fk->next) {
    Table *p = schema_find_table(db->schema, fk->to);
    Index *idx;
    if (p && fk->ncol <= t->ncol) rc = locate_key(db, p, fk, &idx, cols, pcols, 1);
  }
  free(cols);
  free(pcols);
  return rc;
}

int fkey_pragma_check_prepare(mica_db *db, const char *table) {
  if (table) {
    Table *t = schema_find_table(db->schema, table);
    if (!t) return mica_set_error(db, MICA_ERROR, "no such table: %s", table);
    return check_keys(db, t);
  }
  int rc = MICA_OK;
  for (Table *t = db->schema->tables; t && rc == MICA_OK; t = t->next)
    rc = check_keys(db, t);
  return rc;
}

int fkey_check_added(Exec *x, Table *t) {
  if (!x->db->foreign_keys || !t->fkeys) return MICA_OK;
  return check_table(x, t, 1, NULL);
}

int fkey_pragma_check(Exec *x, Table *t, RowList *out) {
  if (t) return check_table(x, t, INT32_MAX, out);
  /* every table, as SQLite's table hash lists them for small schemas: the newest first */
  int n = 0;
  for (Table *p = x->db->schema->tables; p; p = p->next)
    n++;
  Table **all = calloc((size_t)n + 1, sizeof(Table *));
  if (!all) return nomem(x->db);
  n = 0;
  for (Table *p = x->db->schema->tables; p; p = p->next)
    all[n++] = p;
  int rc = MICA_OK;
  for (int i = n - 1; i >= 0 && rc == MICA_OK; i--)
    rc = check_table(x, all[i], INT32_MAX, out);
  free(all);
  return rc;
}
