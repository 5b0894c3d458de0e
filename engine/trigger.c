/*
 * trigger.c: row triggers, fired by the INSERT/UPDATE/DELETE programs of plan.c with SQLite 3.40's
 * semantics.
 *
 * WHICH TRIGGERS, IN WHAT ORDER
 *   The triggers of a table are the sqlite_schema rows of type 'trigger' whose tbl_name names it. For
 *   one event they fire in the reverse of their order in sqlite_schema (SQLite prepends each trigger to
 *   its table's list), BEFORE triggers before the row is written, AFTER triggers after it, INSTEAD OF
 *   triggers (views only) in place of the write. An "UPDATE OF a, b" trigger fires when a or b is named
 *   in the SET list, whatever the values.
 *
 * PROGRAMS
 *   Each body statement is compiled by plan_prepare as a statement of its own (a mica_stmt that is never
 *   on the connection's list), with mica_stmt.trig telling the compiler that slots 0 and 1 are the NEW
 *   and OLD rows and that WHEN goes into the first statement's Prog.trig_when. A compiled copy of a
 *   trigger's body (TrigInst) can run one firing at a time, because its slots hold that firing's rows:
 *   a trigger that fires itself again (recursive_triggers) gets a second copy, compiled on demand.
 *   Copies are compiled when the firing statement is prepared, except for a trigger reached again
 *   while it is being compiled (db->trig_compiling), whose copies are made when it first fires.
 *
 * FOREIGN KEY ACTIONS
 *   fkey.c makes each ON DELETE / ON UPDATE action of a foreign key a trigger of its own (an AFTER
 *   trigger on the parent table whose body changes the child rows) and fires the actions of a row
 *   through a list made by trigger_list_build_actions. They run with ABORT as their conflict action,
 *   and, having no name in SQLite, fire again even when recursive_triggers is off.
 *
 * FIRING (trigger_fire)
 *   - With recursive_triggers off, a trigger already running (db->trig_running) does not fire again
 *     (foreign key actions excepted).
 *   - More than TRIGGER_MAX_DEPTH nested trigger programs: "too many levels of trigger recursion". The
 *     depth counts a program whose WHEN turns out false, as SQLite's does.
 *   - changes(): each body DML statement publishes its own count when it ends (plan_run), so a later
 *     body statement sees it; on leaving the trigger, changes(), the firing statement's running count
 *     (db->stmt_changes) and last_insert_rowid() are restored. total_changes() keeps every row.
 *   - SELECT statements run to completion and their rows are dropped.
 *   - RAISE(IGNORE) (expr.c) sets db->raise_ignore and fails with an error that unwinds to the
 *     trigger_fire running the program that raised it: there the error is cleared and the caller is
 *     told to skip the rest of the row (*ignored). Writes made before it stay. RAISE(ABORT/FAIL/
 *     ROLLBACK) are ordinary errors; FAIL and ROLLBACK also set db->err_action for mica.c.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ast.h"
#include "dml.h"
#include "plan.h"
#include "schema.h"
#include "trigger.h"

/* A trigger being compiled or run, on one of the connection's stacks (innermost first). */
typedef struct TrigFrame {
  const Trigger *tr;
  struct TrigFrame *up;
} TrigFrame;

/* One compiled copy of a trigger's body: a statement per body statement. */
typedef struct TrigInst {
  int nstmt;
  mica_stmt **stmts;
  int busy; /* running a firing now */
  struct TrigInst *next;
} TrigInst;

typedef struct TrigEntry {
  Trigger *tr;
  int time; /* TR_* */
  TrigInst *insts;
} TrigEntry;

struct TrigList {
  mica_db *db;
  TrigCtx ctx;
  int n;
  TrigEntry *e;
  int actions; /* foreign key actions (trigger_list_build_actions): they fire even when running */
};

static int nomem(mica_db *db) { return mica_set_error(db, MICA_NOMEM, "out of memory"); }

static void stmt_free(mica_stmt *st) {
  if (!st) return;
  plan_unprepare(st);
  for (int i = 0; i < st->nparam && st->params; i++)
    value_release(&st->params[i]);
  free(st->params);
  free(st);
}

static void inst_free(TrigInst *in) {
  for (int i = 0; i < in->nstmt; i++)
    stmt_free(in->stmts[i]);
  free(in->stmts);
  free(in);
}

static int on_stack(const TrigFrame *f, const Trigger *tr) {
  for (; f; f = f->up)
    if (f->tr == tr) return 1;
  return 0;
}

/* Compiles a copy of e's body into a new TrigInst appended to e->insts. */
static int inst_compile(TrigList *l, TrigEntry *e, TrigInst **out) {
  mica_db *db = l->db;
  Stmt *a = e->tr->ast;
  TrigInst *in = calloc(1, sizeof *in);
  if (!in || !(in->stmts = calloc((size_t)a->nbody + 1, sizeof(mica_stmt *)))) {
    free(in);
    return nomem(db);
  }
  TrigFrame fr = {e->tr, db->trig_compiling};
  db->trig_compiling = &fr;
  int rc = MICA_OK;
  for (int i = 0; i < a->nbody && rc == MICA_OK; i++) {
    mica_stmt *st = calloc(1, sizeof *st);
    if (!st) {
      rc = nomem(db);
      break;
    }
    st->db = db;
    st->sql = e->tr->sql; /* borrowed: the body's node offsets point into it */
    st->ast = a->body[i];
    st->trig = &l->ctx;
    st->stmt_savepoint = -1;
    in->stmts[in->nstmt++] = st;
    l->ctx.when = i == 0 ? a->trig_when : NULL;
    rc = plan_prepare(st);
  }
  l->ctx.when = NULL;
  db->trig_compiling = fr.up;
  if (rc) {
    inst_free(in);
    return db->errcode ? db->errcode : rc;
  }
  TrigInst **pp = &e->insts;
  while (*pp)
    pp = &(*pp)->next;
  *pp = in;
  *out = in;
  return MICA_OK;
}

static int name_in(const char *name, int n, const char *const *names) {
  for (int i = 0; i < n; i++)
    if (names[i] && !strcasecmp(names[i], name)) return 1;
  return 0;
}

/* An empty list with room for n entries, for triggers on t firing on event. */
static TrigList *list_new(mica_db *db, Table *t, int event, int onconf, int n) {
  TrigList *l = calloc(1, sizeof *l);
  if (!l || !(l->e = calloc((size_t)n, sizeof(TrigEntry)))) {
    free(l);
    return NULL;
  }
  l->db = db;
  l->ctx.t = t;
  l->ctx.has_new = event != TE_DELETE;
  l->ctx.has_old = event != TE_INSERT;
  l->ctx.onconf = onconf;
  return l;
}

/* Compiles a copy of each entry's body (*out = l), or frees l on error. */
static int list_compile(TrigList *l, TrigList **out) {
  for (int i = 0; i < l->n; i++) {
    if (on_stack(l->db->trig_compiling, l->e[i].tr)) continue; /* compiled when it fires */
    TrigInst *in;
    int rc = inst_compile(l, &l->e[i], &in);
    if (rc) {
      trigger_list_free(l);
      return rc;
    }
  }
  *out = l;
  return MICA_OK;
}

int trigger_list_build(mica_db *db, Table *t, int event, int nset, const char *const *setcols, int onconf,
                       TrigList **out) {
  *out = NULL;
  Schema *s = db->schema;
  if (!s || !t) return MICA_OK;
  int n = 0;
  for (Trigger *tr = s->triggers; tr; tr = tr->next)
    n++;
  if (!n) return MICA_OK;
  TrigList *l = list_new(db, t, event, onconf, n);
  if (!l) return nomem(db);
  for (Trigger *tr = s->triggers; tr; tr = tr->next) {
    Stmt *a = tr->ast;
    if (!a || a->kind != SK_CREATE_TRIGGER || !tr->table || strcasecmp(tr->table, t->name)) continue;
    if (a->trig_event != event) continue;
    if ((a->trig_time == TR_INSTEAD_OF) != (t->is_view != 0)) continue;
    if (event == TE_UPDATE && a->ntrig_cols > 0) {
      int hit = 0;
      for (int k = 0; k < a->ntrig_cols && !hit; k++)
        hit = name_in(a->trig_cols[k], nset, setcols);
      if (!hit) continue;
    }
    l->e[l->n].tr = tr;
    l->e[l->n].time = a->trig_time;
    l->n++;
  }
  if (!l->n) {
    trigger_list_free(l);
    return MICA_OK;
  }
  for (int i = 0, j = l->n - 1; i < j; i++, j--) { /* most recently created first */
    TrigEntry tmp = l->e[i];
    l->e[i] = l->e[j];
    l->e[j] = tmp;
  }
  return list_compile(l, out);
}

int trigger_list_build_actions(mica_db *db, Table *t, int event, Trigger *const *trs, int n, TrigList **out) {
  *out = NULL;
  if (n <= 0) return MICA_OK;
  TrigList *l = list_new(db, t, event, ONCONF_ABORT, n);
  if (!l) return nomem(db);
  l->actions = 1;
  for (int i = 0; i < n; i++) {
    l->e[l->n].tr = trs[i];
    l->e[l->n].time = TR_AFTER;
    l->n++;
  }
  return list_compile(l, out);
}

void trigger_list_free(TrigList *l) {
  if (!l) return;
  for (int i = 0; i < l->n; i++) {
    TrigInst *in = l->e[i].insts;
    while (in) {
      TrigInst *next = in->next;
      inst_free(in);
      in = next;
    }
  }
  free(l->e);
  free(l);
}

int trigger_list_has(const TrigList *l, int time) {
  if (!l) return 0;
  for (int i = 0; i < l->n; i++)
    if (l->e[i].time == time) return 1;
  return 0;
}

/* Runs one body statement to completion. */
static int run_stmt(Exec *outer, mica_stmt *st, int first, Value *newv, int64_t newrowid, Value *oldv,
                    int64_t oldrowid, int *skip) {
  Prog *p = st->prog;
  mica_db *db = st->db;
  st->now_ms = outer->stmt ? outer->stmt->now_ms : 0;
  prog_slot_fill(p, TRIG_NEW_SLOT, newv, newrowid);
  prog_slot_fill(p, TRIG_OLD_SLOT, oldv, oldrowid);
  Exec x = {.db = db, .stmt = st, .prog = p, .slots = p->slots};
  int rc = MICA_OK;
  if (first && p->trig_when) {
    int truth = expr_truth(&x, p->trig_when, &rc);
    if (rc == MICA_OK && truth != 1) *skip = 1;
  }
  if (rc == MICA_OK && !*skip) {
    if (p->kind == PROG_SELECT) {
      rc = select_open(&x, p->sel);
      while (rc == MICA_OK && (rc = select_next(&x, p->sel)) == MICA_ROW)
        rc = MICA_OK;
      select_close(p->sel);
      if (rc == MICA_DONE) rc = MICA_OK;
    } else {
      RowList rows = {0};
      rc = plan_run(&x, &rows);
      rowlist_clear(&rows);
    }
  }
  prog_slot_empty(p, TRIG_NEW_SLOT);
  prog_slot_empty(p, TRIG_OLD_SLOT);
  prog_reset(p);
  return rc;
}

int trigger_fire(Exec *x, TrigList *l, int time, Value *newv, int64_t newrowid, Value *oldv, int64_t oldrowid,
                 int *ignored) {
  *ignored = 0;
  if (!l) return MICA_OK;
  mica_db *db = x->db;
  for (int i = 0; i < l->n; i++) {
    TrigEntry *e = &l->e[i];
    if (e->time != time) continue;
    if (!l->actions && !db->recursive_triggers && on_stack(db->trig_running, e->tr)) continue;
    if (db->trigger_depth >= TRIGGER_MAX_DEPTH)
      return mica_set_error(db, MICA_ERROR, "too many levels of trigger recursion");
    TrigInst *in = e->insts;
    while (in && in->busy)
      in = in->next;
    if (!in) {
      int rc = inst_compile(l, e, &in);
      if (rc) return rc;
    }
    in->busy = 1;
    TrigFrame fr = {e->tr, db->trig_running};
    db->trig_running = &fr;
    db->trigger_depth++;
    int64_t save_changes = db->changes, save_stmt = db->stmt_changes, save_rowid = db->last_rowid;
    int rc = MICA_OK, skip = 0;
    for (int k = 0; k < in->nstmt && rc == MICA_OK && !skip; k++)
      rc = run_stmt(x, in->stmts[k], k == 0, newv, newrowid, oldv, oldrowid, &skip);
    db->changes = save_changes;
    db->stmt_changes = save_stmt;
    db->last_rowid = save_rowid;
    db->trigger_depth--;
    db->trig_running = fr.up;
    in->busy = 0;
    if (rc && db->raise_ignore) {
      db->raise_ignore = 0;
      mica_clear_error(db);
      *ignored = 1;
      return MICA_OK;
    }
    if (rc) return rc;
  }
  return MICA_OK;
}

int trigger_check_create(mica_db *db, const void *stmt, const char *sql) {
  const Stmt *a = stmt;
  Schema *s = db->schema;
  Table *t = schema_find_table(s, a->table);
  if (t && t == s->master) return mica_set_error(db, MICA_ERROR, "cannot create trigger on system table");
  if (!t) return mica_set_error(db, MICA_ERROR, "no such table: main.%s", a->table);
  if (!strncasecmp(t->name, "sqlite_", 7))
    return mica_set_error(db, MICA_ERROR, "cannot create trigger on system table");
  if (t->is_view && a->trig_time != TR_INSTEAD_OF)
    return mica_set_error(db, MICA_ERROR, "cannot create %s trigger on view: %s",
                          a->trig_time == TR_BEFORE ? "BEFORE" : "AFTER", a->table);
  if (!t->is_view && a->trig_time == TR_INSTEAD_OF)
    return mica_set_error(db, MICA_ERROR, "cannot create INSTEAD OF trigger on table: %s", a->table);
  if (a->nparam > 0) return mica_set_error(db, MICA_ERROR, "trigger cannot use variables");
  for (int i = 0; i < a->nbody; i++) {
    const Stmt *b = a->body[i];
    if (b->kind != SK_SELECT && b->ncte > 0 && sql) {
      /* SQLite's grammar has no WITH before a trigger's INSERT/UPDATE/DELETE: the error is at the verb */
      const Select *last = b->ctes[b->ncte - 1].sel;
      size_t n = strlen(sql), p = last && last->end >= 0 ? (size_t)last->end : n, q;
      while (p < n && (isspace((unsigned char)sql[p]) || sql[p] == ')'))
        p++;
      for (q = p; q < n && isalpha((unsigned char)sql[q]); q++) {
      }
      return mica_set_error_at(db, MICA_ERROR, (int)p, "near \"%.*s\": syntax error", (int)(q - p), sql + p);
    }
    if (b->nreturning) return mica_set_error(db, MICA_ERROR, "cannot use RETURNING in a trigger");
    if (b->kind != SK_SELECT && b->schema)
      return mica_set_error(db, MICA_ERROR,
                            "qualified table names are not allowed on INSERT, UPDATE, and DELETE "
                            "statements within triggers");
  }
  return MICA_OK;
}
