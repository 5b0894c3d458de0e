/*
 * plan.c: the compiler from parse tree to Prog (exec.h): name resolution, SELECT planning, and the
 * INSERT/UPDATE/DELETE/DDL/PRAGMA/transaction statement programs.
 *
 * NAME RESOLUTION
 *   A Scope lists the FROM items of one SELECT level (each with its slot, column names, affinities,
 *   collations and declared types) and points to the enclosing scope. A column reference is looked up
 *   innermost-first; "t.c" matches the item whose alias (or table name) is t. An unqualified name
 *   found in two items is "ambiguous column name: c", unless a USING/NATURAL join merged them (then
 *   the left one wins). Not found anywhere: a double-quoted identifier becomes a string literal (as
 *   SQLite does), else "no such column: c". A reference to an enclosing scope marks the subquery
 *   correlated (its results are not cached).
 *
 *   Affinity of an expression (for comparisons): a column reference has its column's affinity, a
 *   CAST its type's, COLLATE passes its operand's; everything else has none. Collation: an explicit
 *   COLLATE wins, else the left operand's column collation, else the right one's.
 *
 * AGGREGATES
 *   A SELECT is an aggregate query when it has GROUP BY or an aggregate function call outside
 *   subqueries in its result columns, HAVING or ORDER BY. Then result columns, HAVING and ORDER BY
 *   are compiled in "after aggregation" mode: each aggregate call becomes an AggCall whose result is
 *   read from the aggregate slot, and each column reference to this level's FROM items becomes a
 *   captured column (copied from the last row of the group into the aggregate slot). Aggregate
 *   arguments, WHERE and GROUP BY are compiled over the FROM rows, and so is an aggregate call's own
 *   ORDER BY (AggCall.order, PostgreSQL dialect).
 *
 * POSTGRESQL ARRAYS
 *   The PostgreSQL dialect's array forms arrive as calls (parse.c); the functions live in pgwire. This
 *   file gives the calls that read or write elements a hidden argument, the array's static type, from
 *   which it also derives their result types and the types of parameters they meet; casts to array
 *   types call pg_cast_array, values stored into array columns are normalised through it, and || with
 *   an array operand is array_cat/array_append/array_prepend (see "PostgreSQL arrays" below).
 *
 * JOINS AND WHERE
 *   FROM items are joined left-deep by nested loops (OP_JOIN; LEFT, RIGHT and FULL joins NULL-extend).
 *   WHERE (and inner-join ON) conditions are split at AND and each term is evaluated at the first
 *   join level where every slot it reads is available (never below a RIGHT/FULL join). The join is
 *   planned (plan_from) after the whole SELECT is compiled, so that the columns it reads are known.
 *
 * ACCESS PATHS (best_path, plan_from)
 *   The planner follows SQLite 3.40's cost model (plan_cost.h: LogEst arithmetic, row widths, default
 *   or sqlite_stat1 row estimates) so that it makes SQLite's choices. For each FROM item it collects
 *   the usable constraints ("col op expr" where expr reads only slots of outer loops or queries,
 *   BETWEEN as two bounds, IN lists and uncorrelated IN subqueries) and costs the candidates: the full
 *   table scan, a rowid lookup (or IN) or rowid range, every index with its longest equality/IN prefix
 *   plus a range on the next column, full index scans that might give the wanted order or that are
 *   narrower than the table and cover the statement, and (joins in SELECT statements) an automatic
 *   index. An index is only used when the comparison happens in its order: compatible affinity
 *   (datatype3 4.2) and the same collation. A path that needs no more outer tables and costs no more
 *   for no more rows than another with the same "sort index" removes it; among the rest the cheapest,
 *   counting the sort it leaves, wins (ties: fewer rows, then cheaper unsorted). Terms always stay as
 *   filters, so a path only narrows what is read and its bounds need only be conservative.
 *   The wanted order of the outermost loop is the GROUP BY (contiguous groups, any term order), the
 *   argument of a lone min()/max() (then the first non-NULL value ends the scan), the ORDER BY (a
 *   leading run of its terms; the rest is sorted: "RIGHT PART"), or DISTINCT's columns. Index order
 *   skips columns fixed by equality, then follows the key columns and the rowid, forward or reverse.
 *   A covering index (Slot.colmask: every column read is in the index) is scanned without table
 *   lookups. With only inner joins of tables, every loop order of up to MAX_REORDER items is costed
 *   and the cheapest taken (CROSS JOIN keeps the written order). EXPLAIN QUERY PLAN prints the chosen
 *   paths in SQLite's words.
 *   A WITHOUT ROWID table (schema.h) has no rowid: no rowid paths; its PRIMARY KEY is a candidate like
 *   an index (considered first, so it wins ties, and read without a second lookup); an index holding
 *   every column the statement reads is covering through Slot.order. A full scan of such a table in a
 *   SELECT reads the first index holding every column in SQLite's list order (schema_index_order), as
 *   SQLite's equal-cost plans do.
 *
 * VIRTUAL TABLES (vtab.h)
 *   A FROM item naming a virtual table (or an eponymous module: a table-valued function call) is an
 *   OP_VTAB scan. Its arguments become "hidden column = argument" join terms (vtab_arg_terms); if one
 *   reads a later FROM item of an inner join, vtab_join_order moves the call after it (a join with a
 *   virtual table keeps that order: it is not reordered by cost). plan_vtab offers
 *   the scan's join-level terms to the module's best_index and drops the terms it guarantees (omit);
 *   a lone virtual table may take over ORDER BY (vtab_order_terms). In the PostgreSQL dialect a
 *   set-returning function call in the select list (find_srf) becomes such a scan joined after the
 *   FROM items, "AS alias(col, ...)" renames an item's columns (apply_col_aliases), and ANYELEMENT
 *   columns take their arguments' type (poly_type).
 *
 * WINDOW FUNCTIONS
 *   Like aggregates, a non-aggregate SELECT with OVER calls captures the columns its result needs;
 *   each call becomes a WinCall evaluated by exec.c's run_window after all rows are read.
 *
 * TRIGGERS
 *   INSERT/UPDATE/DELETE programs get their table's triggers from trigger.h when compiled (DmlPlan.trig,
 *   up_trig for UPSERT's DO UPDATE, del_trig for REPLACE's deletes) and fire them per row: BEFORE
 *   (a RAISE(IGNORE) skips the row; UPDATE and DELETE then reload the row, which the triggers may have
 *   changed or deleted), the write, AFTER. With triggers, UPDATE evaluates each row's SET list when it
 *   reaches the row. A view is writable only through INSTEAD OF triggers (run_view_dml). A trigger body
 *   statement is compiled here like any other, with mica_stmt.trig naming the NEW/OLD slots, which
 *   resolve_column reaches last and only as new.x / old.x. The statement's row count is published as
 *   changes() when plan_run ends it.
 *
 * The AST is read only through plan_view.h (adapter at the end of this file).
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alter.h"
#include "ddl.h"
#include "dml.h"
#include "exec.h"
#include "fkey.h"
#include "func.h"
#include "ast.h"
#include "parse.h"
#include "plan.h"
#include "plan_cost.h"
#include "plan_view.h"
#include "pragma.h"
#include "schema.h"
#include "sequence.h"
#include "trigger.h"
#include "vtab.h"

/* Adapter (end of file). */
static void xv_expr(ANode *e, XExpr *x, Arena *a);
static int xv_select(ANode *s, XSelect *x, Arena *a);
static int xv_stmt(ANode *s, XStmt *x, Arena *a);

/* ------------------------------------------------------------------ compiler state */
typedef struct CteDef {
  const char *name;
  int ncols;
  const char **cols;
  ANode *sel;
  struct CteDef *next;
  /* while compiling the recursive part of a WITH RECURSIVE CTE */
  int self_mode;
  int self_ncol;
  const char **self_cols;
  Op **self_ops;
  int nself_ops;
} CteDef;

typedef struct Compiler {
  mica_db *db;
  mica_stmt *st;
  Prog *p;
  const char *text; /* the SQL text the node offsets refer to */
  CteDef *ctes;
  int depth;
  struct Scope *trig_scope; /* a trigger body's NEW/OLD rows (reached only as new.x / old.x), or NULL */
  int select_stmt; /* compiling a SELECT statement: no table changes while it runs (automatic indexes) */
  const char *array_hint; /* ARRAY[...] directly under a cast to an array type: that element type */
  int gen_ctx;            /* compiling a generated column's expression: SQLite's restrictions apply */
} Compiler;

typedef struct SrcItem {
  const char *name; /* alias or table name */
  Table *tab;
  int slot;
  int ncol;
  const char **cols;
  char *affs;
  const RecColl **colls;
  const char **types;
  const char **etypes; /* a subquery's columns: their static types (expr_type), or NULL */
  uint8_t *merged;     /* column merged into an earlier item by USING/NATURAL */
  int jointype;
  int is_rowid_ok;
  int nvargs; /* a table-valued function's arguments (bound to the hidden columns in order) */
  ANode **vargs;
  const char *indexed_by; /* INDEXED BY: only this index */
  int not_indexed;        /* NOT INDEXED: no index */
} SrcItem;

typedef struct AggCtx AggCtx;

typedef struct Scope {
  SrcItem *items;
  int nitems;
  struct Scope *outer;
  int *correlated; /* set to 1 when an outer scope is referenced */
  /* aggregate mode */
  SelectPlan *sel;
  int agg_mode; /* 0 plain, 1 after aggregation, 2 inside an aggregate's arguments */
  int agg_allowed;
  int win_ok; /* window functions allowed (result columns / ORDER BY of a non-aggregate select) */
  /* result-column aliases usable in WHERE/ORDER BY/GROUP BY */
  int nalias;
  const char **alias_names;
  ANode **alias_exprs;
  /* PostgreSQL: the set-returning function call of the select list and the FROM item scanning it */
  ANode *srf_node;
  SrcItem *srf_item;
} Scope;

static int err(Compiler *c, const char *fmt, const char *arg) {
  return mica_set_error(c->db, MICA_ERROR, fmt, arg);
}

static int nomem(Compiler *c) { return mica_set_error(c->db, MICA_NOMEM, "out of memory"); }

static PExpr *pe_new(Compiler *c, int op) {
  PExpr *e = arena_alloc(&c->p->arena, sizeof(PExpr));
  if (e) {
    e->op = op;
    value_init(&e->val);
  }
  return e;
}

static int new_slot(Compiler *c, int ncol) {
  Prog *p = c->p;
  Slot *s = realloc(p->slots, sizeof(Slot) * (size_t)(p->nslot + 1));
  if (!s) return -1;
  p->slots = s;
  Slot *n = &s[p->nslot];
  memset(n, 0, sizeof *n);
  n->ncol = ncol;
  n->cols = arena_alloc(&p->arena, sizeof(Value) * (size_t)(ncol > 0 ? ncol : 1));
  if (!n->cols) return -1;
  for (int i = 0; i < ncol; i++)
    value_init(&n->cols[i]);
  return p->nslot++;
}

static Op *op_new(Compiler *c, int kind) {
  Prog *p = c->p;
  Op *op = arena_alloc(&p->arena, sizeof(Op));
  if (!op) return NULL;
  op->kind = kind;
  op->autocol = -1;
  if (p->nops == p->capops) {
    int cap = p->capops ? p->capops * 2 : 16;
    Op **o = realloc(p->ops, sizeof(Op *) * (size_t)cap);
    if (!o) return NULL;
    p->ops = o;
    p->capops = cap;
  }
  p->ops[p->nops++] = op;
  return op;
}

static int add_sub(Compiler *c, PExpr *e) {
  Prog *p = c->p;
  int n = p->nsubs + 1;
  PExpr **subs = realloc(p->subs, sizeof(PExpr *) * (size_t)n);
  if (!subs) return nomem(c);
  p->subs = subs;
  Value *v = realloc(p->sub_val, sizeof(Value) * (size_t)n);
  if (!v) return nomem(c);
  p->sub_val = v;
  int *d = realloc(p->sub_done, sizeof(int) * (size_t)n);
  if (!d) return nomem(c);
  p->sub_done = d;
  RowSet *rs = realloc(p->sub_set, sizeof(RowSet) * (size_t)n);
  if (!rs) return nomem(c);
  p->sub_set = rs;
  int *h = realloc(p->sub_hasnull, sizeof(int) * (size_t)n);
  if (!h) return nomem(c);
  p->sub_hasnull = h;
  subs[p->nsubs] = e;
  value_init(&v[p->nsubs]);
  d[p->nsubs] = 0;
  memset(&rs[p->nsubs], 0, sizeof(RowSet));
  h[p->nsubs] = 0;
  e->sub_id = p->nsubs++;
  return MICA_OK;
}

static int name_eq(const char *a, const char *b) {
  if (!a || !b) return 0;
  for (; *a && *b; a++, b++)
    if (tolower((unsigned char)*a) != tolower((unsigned char)*b)) return 0;
  return *a == *b;
}

static char *span_text(Compiler *c, int off, int end) {
  if (!c->text || off < 0 || end < off) return NULL;
  return arena_strndup(&c->p->arena, c->text + off, (size_t)(end - off));
}

static const RecColl *find_coll(Compiler *c, const char *name, int *rc) {
  *rc = MICA_OK;
  if (!name) return NULL;
  const RecColl *coll = mica_find_collation(c->db, name);
  if (!coll) *rc = err(c, "no such collation sequence: %s", name);
  if (coll && coll->cmp == record_coll_binary) return NULL;
  return coll;
}

/* ------------------------------------------------------------------ expressions */
static int compile_select(Compiler *c, ANode *s, Scope *outer, SelectPlan **out, int want_cols);
static int compile_expr(Compiler *c, Scope *sc, ANode *node, PExpr **out);

static int pg_array_call(Compiler *c, const char *name);

static int is_agg_func(Compiler *c, const XExpr *x) {
  if (x->kind != XK_FUNC || x->over) return 0;
  FuncDef *f = mica_find_function(c->db, x->name, x->star ? 0 : x->nlist + pg_array_call(c, x->name), NULL);
  return f && f->xstep && !(f->flags & FUNC_WINDOW_ONLY);
}

/* Does the expression contain an aggregate call (not looking into subqueries)? */
static int has_agg(Compiler *c, ANode *node) {
  if (!node) return 0;
  XExpr x;
  xv_expr(node, &x, &c->p->arena);
  if (is_agg_func(c, &x)) return 1;
  if (x.kind == XK_SUBQUERY || x.kind == XK_EXISTS || x.kind == XK_INSELECT) return has_agg(c, x.a);
  if (has_agg(c, x.a) || has_agg(c, x.b) || has_agg(c, x.c)) return 1;
  if (x.kind != XK_FUNC || !x.over)
    for (int i = 0; i < x.nlist; i++)
      if (has_agg(c, x.list[i])) return 1;
  return 0;
}

/* Parameter types (mica_bind_parameter_decltype): when p is a parameter and decl the declared type of
 * what it meets (a column it is compared with or stored into, a CAST, LIMIT), remember decl for it.
 * The first context wins. Out of memory only loses the hint. */
/* The type a parameter compared with e takes: e's declared type, or for a literal the type PostgreSQL
 * gives it (integer, bigint, numeric, text). */
static const char *expr_decl(const PExpr *e) {
  if (!e) return NULL;
  if (e->decl) return e->decl;
  if (e->op != PX_CONST) return NULL;
  switch (e->val.type) {
  case VAL_INT: return e->val.u.i >= INT32_MIN && e->val.u.i <= INT32_MAX ? "INTEGER" : "BIGINT";
  case VAL_REAL: return "NUMERIC";
  case VAL_TEXT: return "TEXT";
  default: return NULL;
  }
}

static void note_param_type(Compiler *c, const PExpr *p, const char *decl) {
  mica_stmt *st = c->st;
  if (!p || p->op != PX_PARAM || !decl || !*decl || !st || p->param < 1 || p->param > st->nparam) return;
  if (!st->param_decl) st->param_decl = calloc((size_t)st->nparam + 1, sizeof(char *));
  if (st->param_decl && !st->param_decl[p->param - 1]) st->param_decl[p->param - 1] = strdup(decl);
}

/* Records that the statement reads column col of slot (for covering indexes; the rowid is in every
 * index, so col < 0 needs nothing). */
static void note_col_use(Compiler *c, int slot, int col) {
  if (slot >= 0 && slot < c->p->nslot && col >= 0)
    c->p->slots[slot].colmask |= UINT64_C(1) << (col < 63 ? col : 63);
}

static int make_colref(Compiler *c, Scope *sc, Scope *s, int depth, SrcItem *fitem, int fcol, PExpr **out) {
  int fslot = fitem->slot;
  if (depth > 0)
    for (Scope *t = sc; t && t != s; t = t->outer)
      if (t->correlated) *t->correlated = 1;
  PExpr *e = pe_new(c, PX_COL);
  if (!e) return nomem(c);
  e->slot = fslot;
  e->col = fcol;
  note_col_use(c, fslot, fcol);
  if (fcol >= 0) {
    e->aff = fitem->affs ? fitem->affs[fcol] : 0;
    e->coll = fitem->colls ? fitem->colls[fcol] : NULL;
    if (fitem->tab && fcol < fitem->tab->ncol)
      e->decl = fitem->types ? fitem->types[fcol] : fitem->tab->cols[fcol].type;
    /* PostgreSQL: a subquery's column has the type of its expression (arrays, casts, functions) */
    if (!fitem->tab && fitem->etypes && fcol < fitem->ncol && c->db->dialect == MICA_DIALECT_POSTGRES)
      e->decl = fitem->etypes[fcol];
    if (fitem->tab && fitem->tab->ipk == fcol) e->col = -1;
  } else {
    e->aff = AFF_INTEGER;
  }
  /* after aggregation: columns of this level are read from the captured copy */
  if (depth == 0 && s->agg_mode == 1 && s->sel) {
    SelectPlan *sel = s->sel;
    int k;
    for (k = 0; k < sel->ncapture; k++)
      if (sel->cap_slot[k] == e->slot && sel->cap_col[k] == e->col) break;
    if (k == sel->ncapture) {
      int *ns = arena_alloc(&c->p->arena, sizeof(int) * (size_t)(k + 1));
      int *nc = arena_alloc(&c->p->arena, sizeof(int) * (size_t)(k + 1));
      if (!ns || !nc) return nomem(c);
      if (k) {
        memcpy(ns, sel->cap_slot, sizeof(int) * (size_t)k);
        memcpy(nc, sel->cap_col, sizeof(int) * (size_t)k);
      }
      ns[k] = e->slot;
      nc[k] = e->col;
      sel->cap_slot = ns;
      sel->cap_col = nc;
      sel->ncapture++;
    }
    e->slot = sel->agg_slot;
    e->col = k;
  } else if (depth > 0 && s->agg_mode == 1 && s->sel) {
    /* a correlated reference from a subquery in an aggregate's result: capture too */
    SelectPlan *sel = s->sel;
    int k;
    for (k = 0; k < sel->ncapture; k++)
      if (sel->cap_slot[k] == e->slot && sel->cap_col[k] == e->col) break;
    if (k == sel->ncapture) {
      int *ns = arena_alloc(&c->p->arena, sizeof(int) * (size_t)(k + 1));
      int *nc = arena_alloc(&c->p->arena, sizeof(int) * (size_t)(k + 1));
      if (!ns || !nc) return nomem(c);
      if (k) {
        memcpy(ns, sel->cap_slot, sizeof(int) * (size_t)k);
        memcpy(nc, sel->cap_col, sizeof(int) * (size_t)k);
      }
      ns[k] = e->slot;
      nc[k] = e->col;
      sel->cap_slot = ns;
      sel->cap_col = nc;
      sel->ncapture++;
    }
    e->slot = sel->agg_slot;
    e->col = k;
  }
  *out = e;
  return MICA_OK;
}

/* Resolves a column reference. */
static int resolve_column(Compiler *c, Scope *sc, const XExpr *x, PExpr **out) {
  int depth = 0;
  for (Scope *s = sc; s; s = s->outer, depth++) {
    int found = 0, fcol = 0;
    SrcItem *fitem = NULL;
    for (int i = 0; i < s->nitems; i++) {
      SrcItem *it = &s->items[i];
      if (x->table && !name_eq(x->table, it->name)) continue;
      for (int k = 0; k < it->ncol; k++) {
        if (!name_eq(it->cols[k], x->name)) continue;
        if (!x->table && it->merged && it->merged[k]) continue;
        if (found && !x->table)
          return mica_set_error(c->db, MICA_ERROR, "ambiguous column name: %s", x->name);
        if (found) break;
        found = 1;
        fcol = k;
        fitem = it;
      }
      if (!found && it->is_rowid_ok && it->tab && !it->tab->is_view &&
          (name_eq(x->name, "rowid") || name_eq(x->name, "oid") || name_eq(x->name, "_rowid_"))) {
        found = 1;
        fcol = -1;
        fitem = it;
      }
      if (found && x->table) break;
    }
    if (!found) continue;
    return make_colref(c, sc, s, depth, fitem, fcol, out);
  }
  /* a trigger body: new.x, old.x (after every scope of the statement itself) */
  if (x->table && c->trig_scope)
    for (int i = 0; i < c->trig_scope->nitems; i++) {
      SrcItem *it = &c->trig_scope->items[i];
      if (!name_eq(x->table, it->name)) continue;
      for (int k = 0; k < it->ncol; k++)
        if (name_eq(it->cols[k], x->name)) return make_colref(c, sc, c->trig_scope, depth, it, k, out);
      if (it->is_rowid_ok &&
          (name_eq(x->name, "rowid") || name_eq(x->name, "oid") || name_eq(x->name, "_rowid_")))
        return make_colref(c, sc, c->trig_scope, depth, it, -1, out);
    }
  /* result-column alias (WHERE / GROUP BY / ORDER BY may name one) */
  if (!x->table)
    for (Scope *s = sc; s; s = NULL)
      for (int i = 0; i < s->nalias; i++)
        if (s->alias_names[i] && name_eq(s->alias_names[i], x->name)) {
          /* avoid infinite recursion on "SELECT a AS a" style self references */
          const char *save = s->alias_names[i];
          s->alias_names[i] = NULL;
          int rc = compile_expr(c, sc, s->alias_exprs[i], out);
          s->alias_names[i] = save;
          return rc;
        }
  if (x->quoted && !x->table) {
    PExpr *e = pe_new(c, PX_CONST);
    if (!e) return nomem(c);
    char *z = arena_strdup(&c->p->arena, x->name);
    if (!z) return nomem(c);
    value_set_text(&e->val, z, (int)strlen(z), VAL_STATIC);
    *out = e;
    return MICA_OK;
  }
  if (x->table) {
    char buf[512];
    snprintf(buf, sizeof buf, "%s.%s", x->table, x->name);
    return mica_set_error_at(c->db, MICA_ERROR, x->off, "no such column: %s", buf);
  }
  return mica_set_error_at(c->db, MICA_ERROR, x->off, "no such column: %s", x->name);
}

/* Does e carry a collation of its own? An explicit COLLATE, or a column reference (through CAST and
 * unary +): a column without a declared collation has BINARY (coll NULL), which still takes
 * precedence over the other operand's, as in SQLite. */
static int has_coll(const PExpr *e, const RecColl **coll) {
  if (e && e->coll) {
    *coll = e->coll;
    return 1;
  }
  while (e && (e->op == PX_CAST || e->op == PX_POS) && !e->coll_explicit)
    e = e->a;
  *coll = e ? e->coll : NULL;
  return e && (e->coll || e->coll_explicit || (e->op == PX_COL && e->col >= 0));
}

static const RecColl *binary_coll(const PExpr *a, const PExpr *b) {
  const RecColl *coll;
  if (a && a->coll_explicit) return a->coll;
  if (b && b->coll_explicit) return b->coll;
  if (has_coll(a, &coll)) return coll;
  if (has_coll(b, &coll)) return coll;
  return NULL;
}

static int compile_list(Compiler *c, Scope *sc, int n, ANode **nodes, PExpr ***out) {
  PExpr **l = arena_alloc(&c->p->arena, sizeof(PExpr *) * (size_t)(n > 0 ? n : 1));
  if (!l) return nomem(c);
  for (int i = 0; i < n; i++) {
    int rc = compile_expr(c, sc, nodes[i], &l[i]);
    if (rc) return rc;
  }
  *out = l;
  return MICA_OK;
}

static int compile_select_x(Compiler *c, XSelect *xsp, Scope *outer, SelectPlan **out, int top);

static int compile_subquery(Compiler *c, Scope *sc, ANode *sel, XSelect *xsel, PExpr *e) {
  int correlated = 0;
  /* the subquery's own scope chain hangs off sc; correlation is detected through a marker scope */
  Scope marker = {.outer = sc, .correlated = &correlated};
  int rc =
      xsel ? compile_select_x(c, xsel, &marker, &e->sub, 0) : compile_select(c, sel, &marker, &e->sub, 0);
  if (rc) return rc;
  e->correlated = correlated;
  if (correlated && sc && sc->correlated) *sc->correlated = 1;
  return add_sub(c, e);
}

/* ------------------------------------------------------------------ PostgreSQL arrays
 * Arrays are text in PostgreSQL's array form (pgwire/pgarray.h); the PostgreSQL dialect parses
 * ARRAY[...], a[i] and x op ANY/ALL (a) into calls of pg_array, pg_subscript, pg_any and pg_all, and
 * pgwire registers those with array_agg, array_append and the rest. The calls that read or write
 * elements get a hidden last argument here: the static type of the array ("INTEGER[]", "varchar(20)[]";
 * "" when unknown), from which the function knows how to read and print its elements. The type also
 * gives the call's result type and the types of parameters it meets (x = ANY($1): $1 is x's array). */
static const char *expr_type(const PExpr *e);

static int pg_array_call(Compiler *c, const char *name) {
  static const char *const names[] = {
      "pg_array",     "pg_subscript",  "pg_any",         "pg_all",       "array_agg",
      "array_append", "array_prepend", "array_position", "array_remove", NULL};
  if (c->db->dialect != MICA_DIALECT_POSTGRES || !name) return 0;
  for (int i = 0; names[i]; i++)
    if (!strcasecmp(name, names[i])) return 1;
  return 0;
}

static int is_array_type(const char *t) { return t && strchr(t, '[') != NULL; }

/* t[] (arena), or NULL for NULL. */
static const char *array_of(Compiler *c, const char *t) {
  if (!t) return NULL;
  size_t n = strlen(t);
  char *z = arena_alloc(&c->p->arena, n + 3);
  if (z) memcpy(z, t, n), memcpy(z + n, "[]", 3);
  return z;
}

/* The element type of array type t: t without its last [...] group (arena); NULL for NULL. */
static const char *elem_of(Compiler *c, const char *t) {
  if (!t) return NULL;
  const char *lb = strrchr(t, '[');
  if (!lb) return t;
  const char *rb = strchr(lb, ']');
  size_t n = strlen(t), cut = rb ? (size_t)(rb - lb + 1) : n - (size_t)(lb - t);
  char *z = arena_alloc(&c->p->arena, n + 1);
  if (!z) return NULL;
  size_t k = (size_t)(lb - t);
  memcpy(z, t, k);
  while (k && z[k - 1] == ' ')
    k--;
  memcpy(z + k, lb + cut, n - (size_t)(lb - t) - cut + 1);
  return z;
}

static int type_class(const char *t);
enum { TC_NONE, TC_INT, TC_BIGINT, TC_FLOAT, TC_NUMERIC, TC_TEXT, TC_BOOL };

/* The element type PostgreSQL resolves for ARRAY[args]: string literals are of unknown type and take
 * the others' type; numbers of several types promote (integer, bigint, numeric, double precision);
 * otherwise the first known type. NULL when nothing tells (NULLs and string literals only). */
static const char *array_elem_type(PExpr **args, int n) {
  const char *first = NULL;
  int all_numeric = 1, maxc = TC_NONE, same = 1, any_text_lit = 0;
  for (int i = 0; i < n; i++) {
    const PExpr *a = args[i];
    if (a->op == PX_CONST && (a->val.type == VAL_NULL || (a->val.type == VAL_TEXT && !a->decl))) {
      any_text_lit |= a->val.type == VAL_TEXT;
      continue;
    }
    const char *t = expr_type(a);
    if (!t) continue;
    int tc = type_class(t);
    if (!first)
      first = t;
    else if (strcasecmp(first, t))
      same = 0;
    if (tc != TC_INT && tc != TC_BIGINT && tc != TC_NUMERIC && tc != TC_FLOAT) all_numeric = 0;
    if (tc > maxc) maxc = tc;
  }
  if (!first) return any_text_lit ? "TEXT" : NULL;
  if (same || !all_numeric) return first;
  return maxc == TC_FLOAT     ? "DOUBLE PRECISION"
         : maxc == TC_NUMERIC ? "NUMERIC"
         : maxc == TC_BIGINT  ? "BIGINT"
                              : "INTEGER";
}

static PExpr *text_const(Compiler *c, const char *s) {
  PExpr *e = pe_new(c, PX_CONST);
  char *z = arena_strdup(&c->p->arena, s ? s : "");
  if (!e || !z) return NULL;
  value_set_text(&e->val, z, (int)strlen(z), VAL_STATIC);
  return e;
}

/* The array type an array call works on, given its compiled arguments; notes parameter types. */
static const char *array_call_type(Compiler *c, const char *name, PExpr **args, int n, const char **result) {
  const char *arr = NULL;
  if (!strcasecmp(name, "pg_array")) {
    const char *el = c->array_hint ? c->array_hint : array_elem_type(args, n);
    if (!el && n == 0) return NULL;
    arr = array_of(c, el ? el : "TEXT");
    *result = arr;
    return arr;
  }
  if (!strcasecmp(name, "array_agg")) {
    const char *t = n > 0 ? expr_type(args[0]) : NULL;
    *result = arr = array_of(c, t);
    return arr ? arr : "";
  }
  /* (array, subscript); (x, array, op); (array, x); (x, array) */
  int ai = !strcasecmp(name, "pg_any") || !strcasecmp(name, "pg_all") || !strcasecmp(name, "array_prepend");
  int xi = ai ? 0 : 1;
  if (ai >= n) return "";
  const char *at = expr_type(args[ai]);
  if (is_array_type(at))
    arr = at;
  else if (strcasecmp(name, "pg_subscript") && xi < n && expr_type(args[xi]))
    arr = array_of(c, expr_type(args[xi]));
  if (!strcasecmp(name, "pg_subscript")) {
    note_param_type(c, args[1], "INTEGER");
    *result = elem_of(c, arr);
  } else {
    note_param_type(c, args[ai], arr);
    if (xi < n) note_param_type(c, args[xi], elem_of(c, arr));
    *result = !strcasecmp(name, "array_position")                          ? "INTEGER"
              : !strcasecmp(name, "pg_any") || !strcasecmp(name, "pg_all") ? "BOOLEAN"
                                                                           : arr;
  }
  return arr ? arr : "";
}

/* The call name(args[0..n), hidden type) of an array function; args has room for n + 1. */
static int make_array_call(Compiler *c, const char *name, int off, PExpr **args, int n, PExpr **out) {
  int exists = 0;
  FuncDef *f = mica_find_function(c->db, name, n + 1, &exists);
  if (!f) {
    if (exists) return mica_set_error(c->db, MICA_ERROR, "wrong number of arguments to function %s()", name);
    return mica_set_error_at(c->db, MICA_ERROR, off, "no such function: %s", name);
  }
  if (!f->xfunc) return mica_set_error(c->db, MICA_ERROR, "misuse of aggregate function %s()", name);
  const char *result = NULL;
  const char *arr = array_call_type(c, name, args, n, &result);
  c->array_hint = NULL;
  if (!arr) return mica_set_error_at(c->db, MICA_ERROR, off, "%s", "cannot determine type of empty array");
  if (!strcasecmp(name, "pg_array") && is_array_type(elem_of(c, arr)))
    return mica_set_error_at(c->db, MICA_ERROR, off, "%s", "multidimensional arrays are not supported");
  if (!(args[n] = text_const(c, arr))) return nomem(c);
  PExpr *e = pe_new(c, PX_FUNC);
  if (!e) return nomem(c);
  e->func = f;
  e->nlist = n + 1;
  e->list = args;
  e->decl = result;
  for (int i = 0; i < n && !e->coll; i++)
    e->coll = args[i]->coll;
  *out = e;
  return MICA_OK;
}

/* A call of one of the array functions (pg_array_call) that is not an aggregate. */
static int compile_array_call(Compiler *c, Scope *sc, const XExpr *x, PExpr **out) {
  int n = x->nlist;
  const char *hint = c->array_hint;
  c->array_hint = NULL; /* only for the ARRAY[...] right under the cast */
  PExpr **args = arena_alloc(&c->p->arena, sizeof(PExpr *) * (size_t)(n + 1));
  if (!args) return nomem(c);
  for (int i = 0; i < n; i++) {
    int rc = compile_expr(c, sc, x->list[i], &args[i]);
    if (rc) return rc;
  }
  c->array_hint = hint;
  return make_array_call(c, x->name, x->off, args, n, out);
}

/* a || b when either is an array: array_cat, array_append or array_prepend (a string literal next to an
 * array is an array, as PostgreSQL resolves the unknown literal). 0 with *out NULL when neither is. */
static int array_concat(Compiler *c, PExpr *a, PExpr *b, int off, PExpr **out) {
  *out = NULL;
  int aa = is_array_type(expr_type(a)), ba = is_array_type(expr_type(b));
  if (c->db->dialect != MICA_DIALECT_POSTGRES || (!aa && !ba)) return MICA_OK;
  int alit = a->op == PX_CONST && a->val.type == VAL_TEXT,
      blit = b->op == PX_CONST && b->val.type == VAL_TEXT;
  PExpr **args = arena_alloc(&c->p->arena, sizeof(PExpr *) * 3);
  if (!args) return nomem(c);
  args[0] = a;
  args[1] = b;
  if ((aa || alit) && (ba || blit)) {
    FuncDef *f = mica_find_function(c->db, "array_cat", 2, NULL);
    PExpr *e = pe_new(c, PX_FUNC);
    if (!f || !e)
      return f ? nomem(c) : mica_set_error(c->db, MICA_ERROR, "no such function: %s", "array_cat");
    e->func = f;
    e->nlist = 2;
    e->list = args;
    e->decl = aa ? expr_type(a) : expr_type(b);
    *out = e;
    return MICA_OK;
  }
  return make_array_call(c, aa ? "array_append" : "array_prepend", off, args, 2, out);
}

/* CAST(a AS t[]) in the PostgreSQL dialect: pg_cast_array(a, 't[]') validates and normalises. */
static int compile_array_cast(Compiler *c, Scope *sc, const XExpr *x, PExpr **out) {
  FuncDef *f = mica_find_function(c->db, "pg_cast_array", 2, NULL);
  if (!f) return mica_set_error(c->db, MICA_ERROR, "no such function: %s", "pg_cast_array");
  XExpr ax;
  xv_expr(x->a, &ax, &c->p->arena);
  if (ax.kind == XK_FUNC && ax.name && !strcasecmp(ax.name, "pg_array")) c->array_hint = elem_of(c, x->name);
  PExpr *a;
  int rc = compile_expr(c, sc, x->a, &a);
  c->array_hint = NULL;
  if (rc) return rc;
  PExpr *e = pe_new(c, PX_FUNC);
  PExpr **args = arena_alloc(&c->p->arena, sizeof(PExpr *) * 2);
  if (!e || !args || !(args[1] = text_const(c, x->name))) return nomem(c);
  args[0] = a;
  e->func = f;
  e->nlist = 2;
  e->list = args;
  e->decl = x->name;
  note_param_type(c, a, x->name);
  *out = e;
  return MICA_OK;
}

/* A value stored into a column of array type coltype goes through pg_cast_array first (PostgreSQL's
 * assignment cast: '{ 1 , 2 }' is stored as {1,2}, '{a}' into an int[] is an error), unless it is
 * already an array of that type. Notes a parameter's type first. */
static int assign_array(Compiler *c, PExpr **e, const char *coltype) {
  note_param_type(c, *e, coltype);
  const char *t = expr_type(*e);
  if (c->db->dialect != MICA_DIALECT_POSTGRES || !is_array_type(coltype) || (t && !strcasecmp(t, coltype)))
    return MICA_OK;
  FuncDef *f = mica_find_function(c->db, "pg_cast_array", 2, NULL);
  if (!f) return MICA_OK;
  PExpr *w = pe_new(c, PX_FUNC);
  PExpr **args = arena_alloc(&c->p->arena, sizeof(PExpr *) * 2);
  if (!w || !args || !(args[1] = text_const(c, coltype))) return nomem(c);
  args[0] = *e;
  w->func = f;
  w->nlist = 2;
  w->list = args;
  w->decl = coltype;
  *e = w;
  return MICA_OK;
}

static int compile_agg_call(Compiler *c, Scope *sc, const XExpr *x, PExpr **out) {
  if (!sc || !sc->sel || sc->agg_mode != 1) {
    if (sc && sc->agg_mode == 2)
      return mica_set_error(c->db, MICA_ERROR, "misuse of aggregate function %s()", x->name);
    return mica_set_error(c->db, MICA_ERROR, "misuse of aggregate: %s()", x->name);
  }
  SelectPlan *sel = sc->sel;
  int nargs = x->star ? 0 : x->nlist;
  int hidden = pg_array_call(c, x->name);
  FuncDef *f = mica_find_function(c->db, x->name, nargs + hidden, NULL);
  AggCall *aggs = arena_alloc(&c->p->arena, sizeof(AggCall) * (size_t)(sel->nagg + 1));
  if (!aggs) return nomem(c);
  if (sel->nagg) memcpy(aggs, sel->aggs, sizeof(AggCall) * (size_t)sel->nagg);
  AggCall *a = &aggs[sel->nagg];
  a->func = f;
  a->nargs = nargs;
  a->distinct = x->distinct;
  if (x->distinct && nargs != 1)
    return mica_set_error(c->db, MICA_ERROR, "DISTINCT aggregates must have exactly one argument");
  /* arguments over the FROM rows */
  int save = sc->agg_mode;
  sc->agg_mode = 2;
  int rc = compile_list(c, sc, nargs, x->list, &a->args);
  if (rc == MICA_OK && hidden) { /* room for the hidden argument, filled below */
    PExpr **l = arena_alloc(&c->p->arena, sizeof(PExpr *) * (size_t)(nargs + 1));
    if (!l) rc = nomem(c);
    if (l && nargs) memcpy(l, a->args, sizeof(PExpr *) * (size_t)nargs);
    a->args = l;
  }
  if (rc == MICA_OK && x->filter) rc = compile_expr(c, sc, x->filter, &a->filter);
  if (rc == MICA_OK && x->naorder > 0) {
    a->norder = x->naorder;
    a->order = arena_alloc(&c->p->arena, sizeof(PExpr *) * (size_t)a->norder);
    a->desc = arena_alloc(&c->p->arena, (size_t)a->norder);
    a->nulls = arena_alloc(&c->p->arena, (size_t)a->norder);
    a->order_coll = arena_alloc(&c->p->arena, sizeof(RecColl *) * (size_t)a->norder);
    if (!a->order || !a->desc || !a->nulls || !a->order_coll) rc = nomem(c);
    for (int i = 0; i < a->norder && rc == MICA_OK; i++) {
      rc = compile_expr(c, sc, x->aorder[i].expr, &a->order[i]);
      if (rc) break;
      a->desc[i] = (uint8_t)x->aorder[i].desc;
      a->nulls[i] = (uint8_t)x->aorder[i].nulls;
      a->order_coll[i] = a->order[i]->coll;
    }
  }
  sc->agg_mode = save;
  if (rc) return rc;
  if (hidden) {
    const char *result = NULL;
    a->nargs = nargs + 1;
    if (!(a->args[nargs] = text_const(c, array_call_type(c, x->name, a->args, nargs, &result))))
      return nomem(c);
    if (is_array_type(elem_of(c, result)))
      return mica_set_error(c->db, MICA_ERROR, "multidimensional arrays are not supported");
  }
  a->coll = nargs > 0 ? a->args[0]->coll : NULL;
  int idx = sel->nagg;
  sel->aggs = aggs;
  sel->nagg++;
  PExpr *e = pe_new(c, PX_AGG);
  if (!e) return nomem(c);
  e->agg_idx = idx;
  e->slot = sel->agg_slot;
  e->sub = sel; /* the result is column sel->ncapture + idx of the aggregate slot */
  *out = e;
  return MICA_OK;
}

static int compile_win_call(Compiler *c, Scope *sc, const XExpr *x, PExpr **out) {
  if (!sc || !sc->sel || sc->agg_mode != 1 || !sc->win_ok)
    return mica_set_error(c->db, MICA_ERROR, "misuse of window function %s()", x->name);
  if (x->named_window) return mica_set_error(c->db, MICA_ERROR, "named windows are not supported yet");
  if (x->frame_type > 1)
    return mica_set_error(c->db, MICA_ERROR, "RANGE/GROUPS frames are not supported yet");
  SelectPlan *sel = sc->sel;
  int nargs = x->star ? 0 : x->nlist;
  int exists = 0;
  FuncDef *f = mica_find_function(c->db, x->name, nargs, &exists);
  if (!f) {
    if (exists)
      return mica_set_error(c->db, MICA_ERROR, "wrong number of arguments to function %s()", x->name);
    return mica_set_error(c->db, MICA_ERROR, "no such function: %s", x->name);
  }
  if (!f->xstep || !f->xvalue)
    return mica_set_error(c->db, MICA_ERROR, "%s() may not be used as a window function", x->name);
  WinCall *wins = arena_alloc(&c->p->arena, sizeof(WinCall) * (size_t)(sel->nwin + 1));
  if (!wins) return nomem(c);
  if (sel->nwin) memcpy(wins, sel->wins, sizeof(WinCall) * (size_t)sel->nwin);
  WinCall *w = &wins[sel->nwin];
  w->func = f;
  w->nargs = nargs;
  w->frame_type = x->frame_type;
  w->fstart = x->fstart;
  w->fend = x->fend;
  int save = sc->agg_mode;
  sc->agg_mode = 2;
  int rc = compile_list(c, sc, nargs, x->list, &w->args);
  if (rc == MICA_OK) rc = compile_list(c, sc, x->npart, x->part, &w->part);
  w->npart = x->npart;
  w->norder = x->nworder;
  w->desc = arena_alloc(&c->p->arena, (size_t)x->nworder + 1);
  w->order = arena_alloc(&c->p->arena, sizeof(PExpr *) * (size_t)(x->nworder + 1));
  w->order_coll = arena_alloc(&c->p->arena, sizeof(RecColl *) * (size_t)(x->nworder + 1));
  if (!w->desc || !w->order || !w->order_coll) rc = nomem(c);
  for (int i = 0; rc == MICA_OK && i < x->nworder; i++) {
    rc = compile_expr(c, sc, x->worder[i].expr, &w->order[i]);
    w->desc[i] = (uint8_t)x->worder[i].desc;
    if (rc == MICA_OK) w->order_coll[i] = w->order[i]->coll;
  }
  Scope empty = {0};
  if (rc == MICA_OK && x->fstart_expr) rc = compile_expr(c, &empty, x->fstart_expr, &w->fstart_expr);
  if (rc == MICA_OK && x->fend_expr) rc = compile_expr(c, &empty, x->fend_expr, &w->fend_expr);
  sc->agg_mode = save;
  if (rc) return rc;
  w->coll = nargs > 0 ? w->args[0]->coll : NULL;
  int idx = sel->nwin;
  sel->wins = wins;
  sel->nwin++;
  PExpr *e = pe_new(c, PX_WIN);
  if (!e) return nomem(c);
  e->agg_idx = idx;
  e->slot = sel->agg_slot;
  e->sub = sel;
  *out = e;
  return MICA_OK;
}

static int has_window(Compiler *c, ANode *node) {
  if (!node) return 0;
  XExpr x;
  xv_expr(node, &x, &c->p->arena);
  if (x.kind == XK_FUNC && x.over) return 1;
  if (x.kind == XK_SUBQUERY || x.kind == XK_EXISTS || x.kind == XK_INSELECT) return has_window(c, x.a);
  if (has_window(c, x.a) || has_window(c, x.b) || has_window(c, x.c)) return 1;
  for (int i = 0; i < x.nlist; i++)
    if (has_window(c, x.list[i])) return 1;
  return 0;
}

/* The date and time functions other than current_*: deterministic unless given 'now' or a modifier
 * such as 'localtime' (SQLite checks those uses when they run). */
static int is_date_func(const char *name) {
  static const char *const names[] = {"date", "time", "datetime", "julianday", "unixepoch", "strftime"};
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
    if (name_eq(name, names[i])) return 1;
  return 0;
}

/* What a generated column's expression may not contain (SQLite's messages and positions). */
static int gen_expr_check(Compiler *c, const XExpr *x) {
  const char *what = NULL;
  switch (x->kind) {
  case XK_PARAM: what = "parameters prohibited in generated columns"; break;
  case XK_SUBQUERY:
  case XK_EXISTS: return mica_set_error(c->db, MICA_ERROR, "subqueries prohibited in generated columns");
  case XK_INSELECT:
  case XK_INTABLE: what = "subqueries prohibited in generated columns"; break;
  case XK_COLUMN:
    if (x->table) what = "the \".\" operator prohibited in generated columns";
    break;
  case XK_CURTIME: what = "non-deterministic functions prohibited in generated columns"; break;
  case XK_FUNC: {
    int nargs = x->star ? 0 : x->nlist;
    FuncDef *f = mica_find_function(c->db, x->name, nargs, NULL);
    if (!f) break;
    if (x->over || (f->flags & FUNC_WINDOW_ONLY))
      return mica_set_error_at(c->db, MICA_ERROR, x->off, "misuse of window function %s()", x->name);
    if (f->xstep)
      return mica_set_error_at(c->db, MICA_ERROR, x->off, "misuse of aggregate function %s()", x->name);
    if (!(f->flags & MICA_DETERMINISTIC) && !is_date_func(x->name))
      what = "non-deterministic functions prohibited in generated columns";
    break;
  }
  default: break;
  }
  return what ? mica_set_error_at(c->db, MICA_ERROR, x->off, "%s", what) : MICA_OK;
}

static int compile_expr(Compiler *c, Scope *sc, ANode *node, PExpr **out) {
  XExpr x;
  int rc = MICA_OK;
  if (!node) {
    *out = pe_new(c, PX_CONST);
    return *out ? MICA_OK : nomem(c);
  }
  if (++c->depth > 1000) {
    c->depth--;
    return mica_set_error(c->db, MICA_ERROR, "Expression tree is too large (maximum depth 1000)");
  }
  xv_expr(node, &x, &c->p->arena);
  if (c->gen_ctx && (rc = gen_expr_check(c, &x))) {
    c->depth--;
    return rc;
  }
  PExpr *e = NULL;
  switch (x.kind) {
  case XK_NULL:
  case XK_INT:
  case XK_REAL:
  case XK_TEXT:
  case XK_BLOB:
    e = pe_new(c, PX_CONST);
    if (!e) break;
    if (x.kind == XK_INT && c->db->dialect == MICA_DIALECT_POSTGRES && x.name &&
        (!strcasecmp(x.name, "true") || !strcasecmp(x.name, "false")))
      e->decl = "BOOLEAN"; /* PostgreSQL's TRUE/FALSE are booleans, not 1/0 */
    if (x.kind == XK_TEXT || x.kind == XK_BLOB) {
      char *z = arena_strndup(&c->p->arena, x.lit.z ? x.lit.z : "", (size_t)x.lit.n);
      if (!z) {
        e = NULL;
        break;
      }
      if (x.kind == XK_TEXT)
        value_set_text(&e->val, z, x.lit.n, VAL_STATIC);
      else
        value_set_blob(&e->val, z, x.lit.n, VAL_STATIC);
    } else if (x.kind == XK_INT)
      value_set_int(&e->val, x.lit.u.i);
    else if (x.kind == XK_REAL)
      value_set_real(&e->val, x.lit.u.r);
    break;
  case XK_COLUMN: c->depth--; return resolve_column(c, sc, &x, out);
  case XK_PARAM:
    e = pe_new(c, PX_PARAM);
    if (e) e->param = x.param;
    if (c->st && x.param > c->st->nparam) c->st->nparam = x.param;
    break;
  case XK_BINARY:
  case XK_AND:
  case XK_OR:
  case XK_IS:
  case XK_JSONOP: {
    PExpr *a, *b;
    if ((rc = compile_expr(c, sc, x.a, &a)) || (rc = compile_expr(c, sc, x.b, &b))) break;
    if (x.kind == XK_JSONOP) {
      e = pe_new(c, PX_FUNC);
      if (!e) break;
      e->func = mica_find_function(c->db, x.name, 2, NULL);
      if (!e->func) {
        rc = mica_set_error(c->db, MICA_ERROR, "no such function: %s", x.name);
        break;
      }
      e->list = arena_alloc(&c->p->arena, sizeof(PExpr *) * 2);
      if (!e->list) {
        e = NULL;
        break;
      }
      e->list[0] = a;
      e->list[1] = b;
      e->nlist = 2;
      break;
    }
    if (x.kind == XK_BINARY && x.binop == BO_CONCAT) {
      rc = array_concat(c, a, b, x.off, &e);
      if (rc || e) break;
    }
    if (x.kind == XK_BINARY && x.binop >= BO_EQ && x.binop <= BO_GE) {
      /* an array compared with a string literal: the literal is read as that array ('{1, 2}' = {1,2}) */
      int alit = a->op == PX_CONST && a->val.type == VAL_TEXT,
          blit = b->op == PX_CONST && b->val.type == VAL_TEXT;
      if (blit && (rc = assign_array(c, &b, expr_type(a)))) break;
      if (alit && (rc = assign_array(c, &a, expr_type(b)))) break;
    }
    e = pe_new(c, x.kind == XK_BINARY ? PX_BIN : x.kind == XK_AND ? PX_AND : x.kind == XK_OR ? PX_OR : PX_IS);
    if (!e) break;
    e->binop = x.binop;
    e->not = x.not ;
    e->a = a;
    e->b = b;
    e->coll = binary_coll(a, b);
    note_param_type(c, a, expr_decl(b));
    note_param_type(c, b, expr_decl(a));
    break;
  }
  case XK_NOT:
  case XK_NEG:
  case XK_POS:
  case XK_BITNOT:
  case XK_ISNULL:
  case XK_COLLATE: {
    PExpr *a;
    if ((rc = compile_expr(c, sc, x.a, &a))) break;
    e = pe_new(c, x.kind == XK_NOT      ? PX_NOT
                  : x.kind == XK_NEG    ? PX_NEG
                  : x.kind == XK_POS    ? PX_POS
                  : x.kind == XK_BITNOT ? PX_BITNOT
                  : x.kind == XK_ISNULL ? PX_ISNULL
                                        : PX_COLLATE);
    if (!e) break;
    e->a = a;
    e->not = x.not ;
    if (x.kind == XK_POS) {
      e->aff = a->aff;
      e->coll = a->coll;
      e->coll_explicit = a->coll_explicit;
    }
    if (x.kind == XK_COLLATE) {
      e->aff = a->aff;
      e->coll = find_coll(c, x.name, &rc);
      e->coll_explicit = 1;
    }
    break;
  }
  case XK_BETWEEN: {
    PExpr *a, *b, *cc;
    if ((rc = compile_expr(c, sc, x.a, &a)) || (rc = compile_expr(c, sc, x.b, &b)) ||
        (rc = compile_expr(c, sc, x.c, &cc)))
      break;
    e = pe_new(c, PX_BETWEEN);
    if (!e) break;
    e->a = a;
    e->b = b;
    e->c = cc;
    e->not = x.not ;
    e->coll = binary_coll(a, b);
    note_param_type(c, b, expr_decl(a));
    note_param_type(c, cc, expr_decl(a));
    note_param_type(c, a, expr_decl(b) ? expr_decl(b) : expr_decl(cc));
    break;
  }
  case XK_INLIST: {
    PExpr *a;
    if ((rc = compile_expr(c, sc, x.a, &a))) break;
    e = pe_new(c, PX_INLIST);
    if (!e) break;
    e->a = a;
    e->not = x.not ;
    e->nlist = x.nlist;
    rc = compile_list(c, sc, x.nlist, x.list, &e->list);
    for (int i = 0; rc == MICA_OK && i < x.nlist; i++)
      note_param_type(c, e->list[i], expr_decl(a));
    e->coll = a->coll;
    if (a->coll_explicit) e->coll_explicit = 1;
    break;
  }
  case XK_INSELECT:
  case XK_INTABLE:
  case XK_EXISTS:
  case XK_SUBQUERY: {
    PExpr *a = NULL;
    if (x.a && (rc = compile_expr(c, sc, x.a, &a))) break;
    e = pe_new(c, x.kind == XK_EXISTS ? PX_EXISTS : x.kind == XK_SUBQUERY ? PX_SCALAR : PX_INSUB);
    if (!e) break;
    e->a = a;
    e->not = x.not ;
    if (x.kind == XK_INTABLE) {
      /* a IN table: SELECT * FROM table */
      XSelect *ts = arena_alloc(&c->p->arena, sizeof(XSelect));
      XResCol *star = arena_alloc(&c->p->arena, sizeof(XResCol));
      XFrom *fr = arena_alloc(&c->p->arena, sizeof(XFrom));
      if (!ts || !star || !fr) return nomem(c);
      star->star = 1;
      star->off = star->end = -1;
      fr->name = x.table ? x.table : x.name;
      fr->schema = x.schema;
      ts->nres = 1;
      ts->res = star;
      ts->nfrom = 1;
      ts->from = fr;
      rc = compile_subquery(c, sc, NULL, ts, e);
    } else
      rc = compile_subquery(c, sc, x.sel, NULL, e);
    if (rc) break;
    if (e->op == PX_SCALAR || e->op == PX_INSUB) {
      if (e->sub->nres != 1 && !(e->op == PX_INSUB && a && a->op == PX_VECTOR)) {
        {
          char buf[80];
          snprintf(buf, sizeof buf, "sub-select returns %d columns - expected 1", e->sub->nres);
          rc = mica_set_error(c->db, MICA_ERROR, "%s", buf);
        }
        break;
      }
    }
    if (e->op == PX_SCALAR) e->aff = e->sub->res[0]->aff;
    if (e->op == PX_INSUB) {
      /* comparison affinity between the left side and the subquery column */
      char la = a ? a->aff : 0, ra = e->sub->nres ? e->sub->res[0]->aff : 0;
      int ln = la == AFF_INTEGER || la == AFF_REAL || la == AFF_NUMERIC;
      int rn = ra == AFF_INTEGER || ra == AFF_REAL || ra == AFF_NUMERIC;
      if (ln || rn)
        e->aff = AFF_NUMERIC;
      else if (la == AFF_TEXT || ra == AFF_TEXT)
        e->aff = (la == AFF_TEXT && ra == 0) || (ra == AFF_TEXT && la == 0) ? AFF_TEXT : 0;
      else
        e->aff = 0;
      e->coll = a && a->coll ? a->coll : e->sub->nres ? e->sub->res[0]->coll : NULL;
    }
    break;
  }
  case XK_CASE: {
    PExpr *a = NULL, *cc = NULL;
    if (x.a && (rc = compile_expr(c, sc, x.a, &a))) break;
    if (x.c && (rc = compile_expr(c, sc, x.c, &cc))) break;
    e = pe_new(c, PX_CASE);
    if (!e) break;
    e->a = a;
    e->c = cc;
    e->nlist = x.nlist;
    rc = compile_list(c, sc, x.nlist, x.list, &e->list);
    if (a) e->coll = a->coll;
    break;
  }
  case XK_CAST: {
    if (c->db->dialect == MICA_DIALECT_POSTGRES && is_array_type(x.name)) {
      c->depth--;
      return compile_array_cast(c, sc, &x, out);
    }
    PExpr *a;
    if ((rc = compile_expr(c, sc, x.a, &a))) break;
    if (c->db->dialect == MICA_DIALECT_POSTGRES && x.name) {
      /* PostgreSQL types held as text: a cast converts through the function the server registers as
       * pg_cast_<type> (normalising the value, rejecting bad input) or, without one, keeps the text
       * (SQLite's NUMERIC affinity would turn '2024-01-02' into 2024) */
      char base[40], fname[64];
      size_t k = 0;
      for (const char *q = x.name; *q && *q != '(' && k + 1 < sizeof base; q++)
        if (*q != ' ' && *q != '"') base[k++] = (char)tolower((unsigned char)*q);
      base[k] = 0;
      snprintf(fname, sizeof fname, "pg_cast_%s", base);
      FuncDef *f = mica_find_function(c->db, fname, 1, NULL);
      static const char *const texty[] = {"date",     "time",    "timestamp", "timestamptz", "timetz",
                                          "interval", "uuid",    "json",      "jsonb",       "inet",
                                          "cidr",     "macaddr", "xml",       NULL};
      int is_text = 0;
      for (int i = 0; texty[i] && !is_text; i++)
        is_text = !strcmp(base, texty[i]);
      if (f) {
        e = pe_new(c, PX_FUNC);
        if (!e) break;
        e->func = f;
        e->nlist = 1;
        e->list = arena_alloc(&c->p->arena, sizeof(PExpr *));
        if (!e->list) {
          rc = mica_set_error(c->db, MICA_NOMEM, "out of memory");
          break;
        }
        e->list[0] = a;
        e->decl = x.name;
        note_param_type(c, a, x.name);
        break;
      }
      if (is_text) {
        e = pe_new(c, PX_CAST);
        if (!e) break;
        e->a = a;
        e->cast_aff = AFF_TEXT;
        e->aff = e->cast_aff;
        e->decl = x.name;
        note_param_type(c, a, x.name);
        break;
      }
    }
    e = pe_new(c, PX_CAST);
    if (!e) break;
    e->a = a;
    e->cast_aff = value_affinity_of_type(x.name ? x.name : "", x.name ? (int)strlen(x.name) : 0);
    e->aff = e->cast_aff;
    e->decl = x.name;
    note_param_type(c, a, x.name);
    break;
  }
  case XK_FUNC: {
    if (sc->srf_node == node) { /* the scan's value column (vtab.h: a select-list SRF) */
      c->depth--;
      int col = 0;
      while (col < sc->srf_item->ncol && sc->srf_item->tab->cols[col].hidden)
        col++;
      return make_colref(c, sc, sc, 0, sc->srf_item, col, out);
    }
    if (x.over) {
      c->depth--;
      return compile_win_call(c, sc, &x, out);
    }
    if (is_agg_func(c, &x)) {
      int nargs = x.star ? 0 : x.nlist + pg_array_call(c, x.name);
      FuncDef *f = mica_find_function(c->db, x.name, nargs, NULL);
      /* min/max with several arguments are scalar */
      if (f && f->xstep) {
        c->depth--;
        return compile_agg_call(c, sc, &x, out);
      }
    }
    if (x.naorder > 0) {
      rc = mica_set_error(c->db, MICA_ERROR, "ORDER BY may not be used with non-aggregate %s()", x.name);
      break;
    }
    if (pg_array_call(c, x.name)) {
      c->depth--;
      return compile_array_call(c, sc, &x, out);
    }
    int exists = 0;
    int nargs = x.star ? 0 : x.nlist;
    FuncDef *f = mica_find_function(c->db, x.name, nargs, &exists);
    if (!f) {
      if (exists)
        rc = mica_set_error(c->db, MICA_ERROR, "wrong number of arguments to function %s()", x.name);
      else
        rc = mica_set_error_at(c->db, MICA_ERROR, x.off, "no such function: %s", x.name);
      break;
    }
    if (f->flags & FUNC_WINDOW_ONLY) {
      rc = mica_set_error(c->db, MICA_ERROR, "misuse of window function %s()", x.name);
      break;
    }
    if (x.distinct) {
      rc = mica_set_error(c->db, MICA_ERROR, "DISTINCT aggregates must have exactly one argument");
      break;
    }
    e = pe_new(c, PX_FUNC);
    if (!e) break;
    e->func = f;
    e->nlist = nargs;
    rc = compile_list(c, sc, nargs, x.list, &e->list);
    if (rc == MICA_OK && nargs > 0) {
      /* collation for FUNC_NEEDCOLL: the first argument with one */
      for (int i = 0; i < nargs; i++)
        if (e->list[i]->coll) {
          e->coll = e->list[i]->coll;
          break;
        }
    }
    break;
  }
  case XK_LIKE: {
    PExpr *a, *b, *cc = NULL;
    if ((rc = compile_expr(c, sc, x.a, &a)) || (rc = compile_expr(c, sc, x.b, &b))) break;
    if (x.c && (rc = compile_expr(c, sc, x.c, &cc))) break;
    if (x.likeop >= 2) {
      /* REGEXP / MATCH call the user functions regexp(pattern, text) / match(pattern, text) */
      const char *fname = x.likeop == 2 ? "regexp" : "match";
      FuncDef *f = mica_find_function(c->db, fname, 2, NULL);
      if (!f) {
        rc = mica_set_error(c->db, MICA_ERROR, "no such function: %s", fname);
        break;
      }
      PExpr *call = pe_new(c, PX_FUNC);
      if (!call) break;
      call->func = f;
      call->nlist = 2;
      call->list = arena_alloc(&c->p->arena, sizeof(PExpr *) * 2);
      if (!call->list) break;
      call->list[0] = b;
      call->list[1] = a;
      if (x.not ) {
        e = pe_new(c, PX_NOT);
        if (e) e->a = call;
      } else
        e = call;
      break;
    }
    e = pe_new(c, PX_LIKE);
    if (!e) break;
    e->a = a;
    e->b = b;
    e->c = cc;
    e->not = x.not ;
    e->glob = x.likeop == 1;
    break;
  }
  case XK_VECTOR: {
    if (x.nlist == 1) {
      c->depth--;
      return compile_expr(c, sc, x.list[0], out);
    }
    e = pe_new(c, PX_VECTOR);
    if (!e) break;
    e->nlist = x.nlist;
    rc = compile_list(c, sc, x.nlist, x.list, &e->list);
    break;
  }
  case XK_RAISE:
    if (!c->st || !c->st->trig) {
      rc = mica_set_error(c->db, MICA_ERROR, "RAISE() may only be used within a trigger-program");
      break;
    }
    e = pe_new(c, PX_RAISE);
    if (!e) break;
    e->raise_type = x.raise_type;
    e->raise_msg = arena_strdup(&c->p->arena, x.name ? x.name : "");
    break;
  case XK_CURTIME: {
    const char *fname = !strcasecmp(x.name, "current_time")   ? "time"
                        : !strcasecmp(x.name, "current_date") ? "date"
                                                              : "datetime";
    FuncDef *f = mica_find_function(c->db, fname, 0, NULL);
    if (!f) {
      rc = mica_set_error(c->db, MICA_ERROR, "no such function: %s", fname);
      break;
    }
    e = pe_new(c, PX_FUNC);
    if (e) e->func = f;
    break;
  }
  default: rc = mica_set_error(c->db, MICA_ERROR, "unsupported expression"); break;
  }
  c->depth--;
  if (rc) return rc;
  if (!e) return nomem(c);
  *out = e;
  return MICA_OK;
}

/* ------------------------------------------------------------------ SELECT */
static int expr_slots(const PExpr *e, uint64_t *mask) {
  if (!e) return 1;
  switch (e->op) {
  case PX_COL:
    if (e->slot >= 64) return 0;
    *mask |= (uint64_t)1 << e->slot;
    return 1;
  case PX_AGG:
  case PX_RAISE: return 0;
  case PX_INSUB:
  case PX_EXISTS:
  case PX_SCALAR:
    if (e->correlated) return 0;
    break;
  default: break;
  }
  if (!expr_slots(e->a, mask) || !expr_slots(e->b, mask) || !expr_slots(e->c, mask)) return 0;
  for (int i = 0; i < e->nlist; i++)
    if (!expr_slots(e->list[i], mask)) return 0;
  return 1;
}

/* Splits an AND tree into terms. */
static int split_and(Compiler *c, PExpr *e, PExpr ***terms, int *n, int *cap) {
  if (!e) return MICA_OK;
  if (e->op == PX_AND) {
    int rc = split_and(c, e->a, terms, n, cap);
    return rc ? rc : split_and(c, e->b, terms, n, cap);
  }
  if (*n == *cap) {
    int nc = *cap ? *cap * 2 : 8;
    PExpr **t = arena_alloc(&c->p->arena, sizeof(PExpr *) * (size_t)nc);
    if (!t) return nomem(c);
    if (*n) memcpy(t, *terms, sizeof(PExpr *) * (size_t)*n);
    *terms = t;
    *cap = nc;
  }
  (*terms)[(*n)++] = e;
  return MICA_OK;
}

static PExpr *and_of(Compiler *c, PExpr *a, PExpr *b) {
  if (!a) return b;
  if (!b) return a;
  PExpr *e = pe_new(c, PX_AND);
  if (!e) return NULL;
  e->a = a;
  e->b = b;
  return e;
}

static CteDef *find_cte(Compiler *c, const char *name) {
  for (CteDef *d = c->ctes; d; d = d->next)
    if (name_eq(d->name, name)) return d;
  return NULL;
}

/* Builds a FROM item over a compiled subquery. */
static int item_from_sub(Compiler *c, SrcItem *it, SelectPlan *sub, int ncols, const char **cols, Op **leaf) {
  int n = sub->nres;
  it->ncol = n;
  it->slot = new_slot(c, n);
  if (it->slot < 0) return nomem(c);
  it->cols = arena_alloc(&c->p->arena, sizeof(char *) * (size_t)(n + 1));
  it->affs = arena_alloc(&c->p->arena, (size_t)n + 1);
  it->colls = arena_alloc(&c->p->arena, sizeof(RecColl *) * (size_t)(n + 1));
  it->types = arena_alloc(&c->p->arena, sizeof(char *) * (size_t)(n + 1));
  it->etypes = arena_alloc(&c->p->arena, sizeof(char *) * (size_t)(n + 1));
  if (!it->cols || !it->affs || !it->colls || !it->types || !it->etypes) return nomem(c);
  for (int i = 0; i < n; i++) {
    it->cols[i] = i < ncols && cols ? cols[i] : sub->res_names[i];
    it->affs[i] = sub->res ? sub->res[i]->aff : 0;
    it->colls[i] = sub->res ? sub->res[i]->coll : NULL;
    it->types[i] = sub->res_types ? sub->res_types[i] : NULL;
    it->etypes[i] = sub->res ? expr_type(sub->res[i]) : NULL;
  }
  Op *op = op_new(c, OP_ROWS);
  if (!op) return nomem(c);
  op->slot = it->slot;
  op->sub = sub;
  op->ncol = n;
  *leaf = op;
  return MICA_OK;
}

/* ------------------------------------------------------------------ generated columns */
static int table_item(Compiler *c, Table *t, const char *name, int slot, SrcItem *it);

/* Marks in used[] (ncol entries) the columns of slot that e reads. */
static void pexpr_cols(const PExpr *e, int slot, uint8_t *used, int ncol) {
  if (!e) return;
  if (e->op == PX_COL && e->slot == slot && e->col >= 0 && e->col < ncol) used[e->col] = 1;
  pexpr_cols(e->a, slot, used, ncol);
  pexpr_cols(e->b, slot, used, ncol);
  pexpr_cols(e->c, slot, used, ncol);
  for (int i = 0; i < e->nlist; i++)
    pexpr_cols(e->list[i], slot, used, ncol);
}

enum { GC_ALL = 1, GC_NO_ORDER = 2 };

/* Compiles the generated columns of t (the VIRTUAL ones only, unless GC_ALL) against slot, which
 * holds a row of t (exec.h GenCols). The expressions see only t's columns, never the rowid, under
 * SQLite's restrictions (gen_expr_check). The order is SQLite's: passes over the columns in
 * declaration order, each computing the columns whose expressions read no column still to be
 * computed, until nothing is left; a pass that computes nothing means a loop, reported on the last
 * column it passed over ("generated column loop on ..."). GC_NO_ORDER checks the expressions only
 * (CREATE TABLE, which accepts loops). *out is NULL when there is nothing to compute. */
static int compile_gencols(Compiler *c, Table *t, int slot, int flags, GenCols **out) {
  *out = NULL;
  int n = 0, ncol = t->ncol;
  for (int i = 0; i < ncol; i++)
    if (t->cols[i].gen == 1 || (t->cols[i].gen && (flags & GC_ALL))) n++;
  if (!n) return MICA_OK;
  Arena *A = &c->p->arena;
  GenCols *g = arena_alloc(A, sizeof *g);
  int *cols = arena_alloc(A, sizeof(int) * (size_t)n);
  PExpr **ex = arena_alloc(A, sizeof(PExpr *) * (size_t)n);
  uint8_t *deps = arena_alloc(A, (size_t)n * (size_t)ncol);
  uint8_t *avail = arena_alloc(A, (size_t)ncol);
  uint8_t *done = arena_alloc(A, (size_t)n);
  SrcItem it;
  if (!g || !cols || !ex || !deps || !avail || !done) return nomem(c);
  int rc = table_item(c, t, t->name, slot, &it);
  if (rc) return rc;
  it.is_rowid_ok = 0;
  Scope sc = {.items = &it, .nitems = 1};
  const char *save_text = c->text;
  Scope *save_trig = c->trig_scope;
  c->text = t->sql;
  c->trig_scope = NULL;
  c->gen_ctx = 1;
  for (int i = 0, j = 0; i < ncol && rc == MICA_OK; i++) {
    avail[i] = 1;
    if (!(t->cols[i].gen == 1 || (t->cols[i].gen && (flags & GC_ALL)))) continue;
    avail[i] = 0;
    cols[j] = i;
    rc = compile_expr(c, &sc, t->cols[i].gen_expr, &ex[j]);
    if (rc == MICA_OK) pexpr_cols(ex[j], slot, deps + (size_t)j * (size_t)ncol, ncol);
    j++;
  }
  c->gen_ctx = 0;
  c->text = save_text;
  c->trig_scope = save_trig;
  if (rc || (flags & GC_NO_ORDER)) return rc;
  g->slot = slot;
  g->col = arena_alloc(A, sizeof(int) * (size_t)n);
  g->expr = arena_alloc(A, sizeof(PExpr *) * (size_t)n);
  g->aff = arena_alloc(A, (size_t)n);
  if (!g->col || !g->expr || !g->aff) return nomem(c);
  for (;;) {
    int progress = 0, redo = -1;
    for (int j = 0; j < n; j++) {
      if (done[j]) continue;
      int ready = 1;
      for (int m = 0; m < ncol && ready; m++)
        if (deps[(size_t)j * (size_t)ncol + (size_t)m] && !avail[m]) ready = 0;
      if (!ready) {
        redo = cols[j];
        continue;
      }
      g->col[g->n] = cols[j];
      g->expr[g->n] = ex[j];
      g->aff[g->n] = t->cols[cols[j]].aff;
      g->n++;
      done[j] = 1;
      avail[cols[j]] = 1;
      progress = 1;
    }
    if (redo < 0) break;
    if (!progress)
      return mica_set_error(c->db, MICA_ERROR, "generated column loop on \"%s\"", t->cols[redo].name);
  }
  *out = g;
  return MICA_OK;
}

/* Compiles the generated columns of t (compile_gencols flags) in a program of their own (*pp, the
 * caller frees it with prog_free; slot 0 holds the row): for DDL, whose table is not known when the
 * statement is compiled. */
static int gencols_standalone(mica_db *db, Table *t, int flags, Prog **pp, GenCols **g) {
  *g = NULL;
  Prog *p = *pp = calloc(1, sizeof(Prog));
  if (!p) return mica_set_error(db, MICA_NOMEM, "out of memory");
  Compiler c = {.db = db, .p = p, .text = t->sql};
  return new_slot(&c, t->ncol) < 0 ? nomem(&c) : compile_gencols(&c, t, 0, flags, g);
}

static int gencols_check(mica_db *db, Table *t, int flags) {
  Prog *p;
  GenCols *g;
  int rc = gencols_standalone(db, t, GC_ALL | flags, &p, &g);
  prog_free(p);
  return rc;
}

/* ALTER TABLE ADD COLUMN: the errors SQLite reports when the statement is prepared (run_ddl2 checks
 * again when it runs, against the schema of then). */
static int check_add_column(Compiler *c, const XStmt *xs) { /* (PostgreSQL dialect: alter_pg.c checks) */
  Table *t = schema_find_table(c->db->schema, xs->name);
  const XColDef *cd = &xs->add_col;
  if (!t || t->is_view) return MICA_OK;
  for (int i = 0; i < t->ncol; i++)
    if (name_eq(t->cols[i].name, cd->name))
      return mica_set_error(c->db, MICA_ERROR, "duplicate column name: %s", cd->name);
  if (cd->gen && cd->pk)
    return mica_set_error(c->db, MICA_ERROR, "generated columns cannot be part of the PRIMARY KEY");
  if (cd->pk) return mica_set_error(c->db, MICA_ERROR, "Cannot add a PRIMARY KEY column");
  if (cd->unique) return mica_set_error(c->db, MICA_ERROR, "Cannot add a UNIQUE column");
  return MICA_OK;
}

/* A FOREIGN KEY table constraint over child columns cols[0..n): SQLite's errors. */
static int check_fk_cons(mica_db *db, const XStmt *xs, const XFKey *fk, int n, const char **cols) {
  if (fk->ncols && fk->ncols != n)
    return mica_set_error(db, MICA_ERROR,
                          "number of columns in foreign key does not match the number of columns in the "
                          "referenced table");
  for (int k = 0; k < n; k++) {
    int found = 0;
    for (int m = 0; m < xs->ncoldef && !found; m++)
      found = name_eq(xs->coldefs[m].name, cols[k]);
    if (!found)
      return mica_set_error(db, MICA_ERROR, "unknown column \"%s\" in foreign key definition", cols[k]);
  }
  return MICA_OK;
}

/* CREATE TABLE: SQLite's errors about generated columns and foreign keys, which it reports when the
 * statement is prepared. The generated columns' expressions are compiled against the table the
 * statement describes. */
static int check_create_table(Compiler *c, XStmt *xs) {
  mica_db *db = c->db;
  int ngen = 0, rc;
  for (int i = 0; i < xs->ncoldef; i++) {
    const XColDef *d = &xs->coldefs[i];
    if (d->gen_error) return mica_set_error(db, MICA_ERROR, "error in generated column \"%s\"", d->name);
    if (d->gen_dflt) return mica_set_error(db, MICA_ERROR, "cannot use DEFAULT on a generated column");
    if (d->gen && d->pk)
      return mica_set_error(db, MICA_ERROR, "generated columns cannot be part of the PRIMARY KEY");
    if (d->fk && d->fk->ncols > 1)
      return mica_set_error_at(db, MICA_ERROR, d->fk->table_off,
                               "foreign key on %s should reference only one column of table %s", d->name,
                               d->fk->table);
    ngen += d->gen != 0;
  }
  for (int i = 0; i < xs->ntcons; i++) {
    const XTabCons *tc = &xs->tcons[i];
    for (int k = 0; tc->kind == 1 && k < tc->ncol; k++)
      for (int m = 0; m < xs->ncoldef; m++)
        if (xs->coldefs[m].gen && name_eq(xs->coldefs[m].name, tc->cols[k]))
          return mica_set_error(db, MICA_ERROR, "generated columns cannot be part of the PRIMARY KEY");
    if (tc->kind == 4 && tc->fk && (rc = check_fk_cons(db, xs, tc->fk, tc->ncol, tc->cols))) return rc;
  }
  if (!ngen) return MICA_OK;
  if (ngen == xs->ncoldef)
    return mica_set_error(db, MICA_ERROR, "must have at least one non-generated column");
  Table *t = calloc(1, sizeof(Table));
  if (!t) return nomem(c);
  t->sql = (char *)c->text; /* borrowed, like the parse tree: both belong to the statement */
  t->ast = (void *)c->st->ast;
  t->ipk = -1;
  rc = plan_build_table(db, t);
  if (rc == MICA_OK) rc = gencols_check(db, t, GC_NO_ORDER);
  t->sql = NULL;
  t->ast = NULL;
  schema_table_free(t);
  return rc;
}

/* The VIRTUAL columns of a write set (in its order), for reading rows of the same slot. */
static GenCols *gencols_virtual(Compiler *c, Table *t, const GenCols *all) {
  if (!all) return NULL;
  GenCols *g = arena_alloc(&c->p->arena, sizeof *g);
  if (!g) return NULL;
  *g = *all;
  g->n = 0;
  g->col = arena_alloc(&c->p->arena, sizeof(int) * (size_t)all->n);
  g->expr = arena_alloc(&c->p->arena, sizeof(PExpr *) * (size_t)all->n);
  g->aff = arena_alloc(&c->p->arena, (size_t)all->n);
  if (!g->col || !g->expr || !g->aff) return NULL;
  for (int i = 0; i < all->n; i++)
    if (t->cols[all->col[i]].gen == 1) {
      g->col[g->n] = all->col[i];
      g->expr[g->n] = all->expr[i];
      g->aff[g->n] = all->aff[i];
      g->n++;
    }
  return g;
}

static int compile_from_item(Compiler *c, const XFrom *f, SrcItem *it, Op **leaf) {
  int rc;
  it->name = f->alias ? f->alias : f->name;
  if (f->nested_from) {
    /* (a JOIN b ...): SELECT * over that FROM list */
    XSelect ns;
    if (xv_select(f->nested_from, &ns, &c->p->arena))
      return mica_set_error(c->db, MICA_ERROR, "unsupported FROM form");
    XResCol *star = arena_alloc(&c->p->arena, sizeof(XResCol));
    if (!star) return nomem(c);
    star->star = 1;
    star->off = star->end = -1;
    ns.nres = 1;
    ns.res = star;
    SelectPlan *sub = NULL;
    rc = compile_select_x(c, &ns, NULL, &sub, 0);
    if (rc) return rc;
    if (!it->name) it->name = "";
    return item_from_sub(c, it, sub, 0, NULL, leaf);
  }
  if (f->sel) {
    SelectPlan *sub = NULL;
    rc = compile_select(c, f->sel, NULL, &sub, 0);
    if (rc) return rc;
    if (!it->name) it->name = "";
    return item_from_sub(c, it, sub, 0, NULL, leaf);
  }
  CteDef *cte = f->schema ? NULL : find_cte(c, f->name);
  if (cte && f->is_func) return mica_set_error(c->db, MICA_ERROR, "'%s' is not a function", f->name);
  if (cte && cte->self_mode) {
    /* the recursive CTE's reference to itself: rows fed by the driver */
    int n = cte->self_ncol;
    it->ncol = n;
    it->slot = new_slot(c, n);
    if (it->slot < 0) return nomem(c);
    it->cols = cte->self_cols;
    it->affs = arena_alloc(&c->p->arena, (size_t)n + 1);
    it->colls = arena_alloc(&c->p->arena, sizeof(RecColl *) * (size_t)(n + 1));
    it->types = arena_alloc(&c->p->arena, sizeof(char *) * (size_t)(n + 1));
    Op *op = op_new(c, OP_ROWS);
    Op **ops = arena_alloc(&c->p->arena, sizeof(Op *) * (size_t)(cte->nself_ops + 1));
    if (!op || !ops || !it->affs || !it->colls || !it->types) return nomem(c);
    op->slot = it->slot;
    op->ncol = n;
    op->external = 1;
    if (cte->nself_ops) memcpy(ops, cte->self_ops, sizeof(Op *) * (size_t)cte->nself_ops);
    ops[cte->nself_ops++] = op;
    cte->self_ops = ops;
    *leaf = op;
    return MICA_OK;
  }
  if (cte) {
    SelectPlan *sub = NULL;
    CteDef *save = c->ctes;
    XSelect cx;
    if (xv_select(cte->sel, &cx, &c->p->arena))
      return mica_set_error(c->db, MICA_ERROR, "unsupported WITH form");
    if (cx.cmp_op == CMP_UNION || cx.cmp_op == CMP_UNION_ALL) {
      /* possibly recursive: the initial part cannot see the CTE, the recursive part sees itself */
      SelectPlan *l, *r;
      c->ctes = cte->next;
      rc = compile_select(c, cx.left, NULL, &l, 0);
      c->ctes = save;
      if (rc) return rc;
      cte->self_mode = 1;
      cte->self_ncol = l->nres;
      cte->self_cols = cte->ncols ? cte->cols : l->res_names;
      cte->nself_ops = 0;
      cte->self_ops = NULL;
      rc = compile_select(c, cx.right, NULL, &r, 0);
      cte->self_mode = 0;
      if (rc) return rc;
      if (cte->nself_ops) {
        if (l->nres != r->nres)
          return mica_set_error(
              c->db, MICA_ERROR,
              "SELECTs to the left and right of UNION do not have the same number of result columns");
        sub = arena_alloc(&c->p->arena, sizeof(SelectPlan));
        if (!sub) return nomem(c);
        sub->cmp_op = CMP_RECURSIVE;
        sub->left = l;
        sub->right = r;
        sub->nres = l->nres;
        sub->res = l->res;
        sub->res_names = l->res_names;
        sub->res_types = l->res_types;
        sub->res_coll = l->res_coll;
        sub->rec_ops = cte->self_ops;
        sub->nrec_ops = cte->nself_ops;
        sub->rec_distinct = cx.cmp_op == CMP_UNION;
        Scope empty = {0};
        if (cx.limit && (rc = compile_expr(c, &empty, cx.limit, &sub->limit))) return rc;
        if (cx.offset && (rc = compile_expr(c, &empty, cx.offset, &sub->offset))) return rc;
      }
    }
    if (!sub) {
      c->ctes = cte->next;
      rc = compile_select(c, cte->sel, NULL, &sub, 0);
      c->ctes = save;
      if (rc) return rc;
    }
    if (cte->ncols && cte->ncols != sub->nres) {
      char buf[300];
      snprintf(buf, sizeof buf, "table %s has %d values for %d columns", cte->name, sub->nres, cte->ncols);
      return mica_set_error(c->db, MICA_ERROR, "%s", buf);
    }
    return item_from_sub(c, it, sub, cte->ncols, cte->cols, leaf);
  }
  Table *t = schema_find_table(c->db->schema, f->name);
  if (!t && !f->schema && (t = vtab_eponymous(c->db, f->name, &rc)) == NULL && rc) return rc;
  if (!t || (f->schema && !name_eq(f->schema, "main") && !name_eq(f->schema, "temp")))
    return mica_set_error(c->db, MICA_ERROR, "no such table: %s", f->name);
  if (f->is_func && !t->is_virtual)
    return mica_set_error(c->db, MICA_ERROR, "'%s' is not a function", f->name);
  if (t->is_virtual && (rc = vtab_connect(c->db, t))) return rc;
  if (t->is_view) {
    XStmt vs;
    if (xv_stmt(t->ast, &vs, &c->p->arena) || !vs.sel)
      return mica_set_error(c->db, MICA_ERROR, "malformed view: %s", t->name);
    SelectPlan *sub = NULL;
    const char *save_text = c->text;
    CteDef *save_ctes = c->ctes;
    c->text = t->sql;
    c->ctes = NULL;
    rc = compile_select(c, vs.sel, NULL, &sub, 0);
    c->text = save_text;
    c->ctes = save_ctes;
    if (rc) return rc;
    return item_from_sub(c, it, sub, vs.nviewcols, vs.viewcols, leaf);
  }
  it->tab = t;
  it->is_rowid_ok = !t->without_rowid;
  it->indexed_by = f->indexed_by;
  it->not_indexed = f->not_indexed;
  if (f->indexed_by) {
    Index *ix = t->indexes;
    while (ix && !name_eq(ix->name, f->indexed_by))
      ix = ix->next_in_table;
    if (!ix) return mica_set_error(c->db, MICA_ERROR, "no such index: %s", f->indexed_by);
  }
  it->ncol = t->ncol;
  it->slot = new_slot(c, t->ncol);
  if (it->slot < 0) return nomem(c);
  it->cols = arena_alloc(&c->p->arena, sizeof(char *) * (size_t)(t->ncol + 1));
  it->affs = arena_alloc(&c->p->arena, (size_t)t->ncol + 1);
  it->colls = arena_alloc(&c->p->arena, sizeof(RecColl *) * (size_t)(t->ncol + 1));
  it->types = arena_alloc(&c->p->arena, sizeof(char *) * (size_t)(t->ncol + 1));
  if (!it->cols || !it->affs || !it->colls || !it->types) return nomem(c);
  for (int i = 0; i < t->ncol; i++) {
    it->cols[i] = t->cols[i].name;
    it->affs[i] = t->cols[i].aff;
    it->colls[i] = t->cols[i].coll;
    it->types[i] = t->cols[i].type;
  }
  if (t->is_virtual) {
    int nhidden = 0;
    for (int i = 0; i < t->ncol; i++)
      nhidden += t->cols[i].hidden != 0;
    if (f->nargs > nhidden) {
      char buf[300];
      snprintf(buf, sizeof buf, "too many arguments on %s() - max %d", t->name, nhidden);
      return mica_set_error(c->db, MICA_ERROR, "%s", buf);
    }
    it->nvargs = f->nargs;
    it->vargs = f->args;
    Op *op = op_new(c, OP_VTAB);
    if (!op) return nomem(c);
    op->slot = it->slot;
    *leaf = op;
    return vtab_scan_init(c->db, &c->p->arena, op, t);
  }
  c->p->slots[it->slot].tab = t;
  GenCols *gen = NULL;
  if ((rc = compile_gencols(c, t, it->slot, 0, &gen))) return rc;
  c->p->slots[it->slot].gen = gen;
  Op *op = op_new(c, OP_SCAN);
  if (!op) return nomem(c);
  op->slot = it->slot;
  op->tab = t;
  *leaf = op;
  return MICA_OK;
}

/* PostgreSQL dialect: a set-returning function call in a select-list expression (not inside a
 * subquery): a call of an eponymous virtual table with arguments (hidden columns) that is not a
 * function. *found gets the last one, *n counts them. */
static int find_srf(Compiler *c, ANode *node, ANode **found, int *n) {
  if (!node) return MICA_OK;
  XExpr x;
  xv_expr(node, &x, &c->p->arena);
  if (x.kind == XK_FUNC && !x.star && !x.over && !x.filter && !x.schema &&
      !mica_find_function(c->db, x.name, x.nlist, NULL)) {
    int rc = MICA_OK;
    Table *t = vtab_eponymous(c->db, x.name, &rc);
    if (rc) return rc;
    int hidden = 0;
    for (int k = 0; t && k < t->ncol; k++)
      hidden += t->cols[k].hidden != 0;
    if (hidden) {
      *found = node;
      ++*n;
      return MICA_OK;
    }
  }
  int rc = find_srf(c, x.a, found, n);
  if (rc == MICA_OK) rc = find_srf(c, x.b, found, n);
  if (rc == MICA_OK) rc = find_srf(c, x.c, found, n);
  for (int i = 0; rc == MICA_OK && i < x.nlist; i++)
    rc = find_srf(c, x.list[i], found, n);
  return rc;
}

/* PostgreSQL dialect: "AS alias(a, b)" renames the item's first (visible) columns; a table function
 * with one column and an alias without a column list names that column after the alias. */
static int apply_col_aliases(Compiler *c, const XFrom *f, SrcItem *it) {
  int n = f->ncolalias;
  const char *single = NULL;
  if (c->db->dialect == MICA_DIALECT_POSTGRES && !n && f->is_func && f->alias) {
    int visible = 0;
    for (int k = 0; k < it->ncol; k++)
      visible += !(it->tab && it->tab->cols[k].hidden);
    if (visible == 1) single = f->alias;
  }
  if (!n && !single) return MICA_OK;
  const char **cols = arena_alloc(&c->p->arena, sizeof(char *) * (size_t)(it->ncol + 1));
  if (!cols) return nomem(c);
  memcpy(cols, it->cols, sizeof(char *) * (size_t)it->ncol);
  int a = 0;
  for (int k = 0; k < it->ncol && (single || a < n); k++) {
    if (it->tab && it->tab->cols[k].hidden) continue;
    cols[k] = single ? single : f->colalias[a++];
    if (single) break;
  }
  if (a < n) {
    char buf[300];
    snprintf(buf, sizeof buf, "table \"%s\" has %d columns available but %d columns specified", it->name, a,
             n);
    return mica_set_error(c->db, MICA_ERROR, "%s", buf);
  }
  it->cols = cols;
  return MICA_OK;
}

/* ------------------------------------------------------------------ access paths */
/* Two collations compare alike (NULL and BINARY are the same). */
static int coll_same(const RecColl *a, const RecColl *b) {
  if (a && (!a->cmp || a->cmp == record_coll_binary)) a = NULL;
  if (b && (!b->cmp || b->cmp == record_coll_binary)) b = NULL;
  if (!a || !b) return a == b;
  return a->cmp == b->cmp && a->arg == b->arg;
}

/* Does e read only slots in avail (and nothing unknown)? */
static int reads_only(const PExpr *e, uint64_t avail) {
  uint64_t mask = 0;
  return expr_slots(e, &mask) && (mask & ~avail) == 0;
}

/* Is `col <op> other` usable to search it's table, with other reading only slots in avail? *col is the
 * column (-1 the rowid), *op the operator as seen from the column. */
static int usable_term(PExpr *t, SrcItem *it, uint64_t avail, int *col, PExpr **other, int *op) {
  if (!t || t->op != PX_BIN || t->binop < BO_EQ || t->binop > BO_GE || t->binop == BO_NE) return 0;
  PExpr *cl = NULL, *ot = NULL;
  int flip = 0;
  if (t->a->op == PX_COL && t->a->slot == it->slot) {
    cl = t->a;
    ot = t->b;
  } else if (t->b->op == PX_COL && t->b->slot == it->slot) {
    cl = t->b;
    ot = t->a;
    flip = 1;
  }
  if (!cl || !reads_only(ot, avail)) return 0;
  int o = t->binop;
  if (flip) o = o == BO_LT ? BO_GT : o == BO_LE ? BO_GE : o == BO_GT ? BO_LT : o == BO_GE ? BO_LE : o;
  *col = cl->col;
  *other = ot;
  *op = o;
  return 1;
}

static int aff_compatible(char colaff, char otheraff) {
  int coln = colaff == AFF_INTEGER || colaff == AFF_REAL || colaff == AFF_NUMERIC;
  int othn = otheraff == AFF_INTEGER || otheraff == AFF_REAL || otheraff == AFF_NUMERIC;
  if (coln) return 1;
  if (colaff == AFF_TEXT) return !othn;
  return otheraff == 0 || otheraff == AFF_NONE;
}

/* A constraint usable by an access path of one FROM item: "col op other", or "col IN (...)". */
enum { CO_IN = 100 };
typedef struct Cons {
  int col; /* column of the item; -1 the rowid */
  int op;  /* BO_EQ, BO_LT, BO_LE, BO_GT, BO_GE or CO_IN */
  PExpr *other;
  PExpr *term; /* the WHERE/ON term it comes from */
  const RecColl *coll;
  LogEst nin;     /* CO_IN: the number of values */
  PExpr *in_expr; /* CO_IN: the values (PX_INLIST / PX_INSUB); term when NULL */
  int is_null;    /* BO_EQ from "col IS NULL": other is a NULL that matches NULLs */
} Cons;

#define MAX_CONS 64

static const RecColl nocase_coll = {record_coll_nocase, NULL};

/* A text constant for a LIKE bound. */
static PExpr *text_constn(Compiler *c, const char *z, int n) {
  PExpr *e = pe_new(c, PX_CONST);
  char *d = arena_strndup(&c->p->arena, z, (size_t)n);
  if (!e || !d) return NULL;
  value_set_text(&e->val, d, n, VAL_STATIC);
  e->aff = 0;
  return e;
}

/* The LIKE optimisation: "col LIKE 'abc%'" (or GLOB 'abc*') on a TEXT column is also
 * "col >= 'abc' AND col < 'abd'" under BINARY (GLOB, case-sensitive LIKE) or NOCASE (LIKE); the
 * pattern must be a literal without ESCAPE that does not start with a wildcard. Adds the two bounds. */
static int like_cons(Compiler *c, SrcItem *it, PExpr *t, Cons *out) {
  PExpr *col = t->a, *pat = t->b;
  if (t->not || t->c || !col || col->op != PX_COL || col->slot != it->slot || col->col < 0) return 0;
  if (!it->tab || col->col >= it->tab->ncol || it->tab->cols[col->col].aff != AFF_TEXT) return 0;
  if (!pat || pat->op != PX_CONST || pat->val.type != VAL_TEXT) return 0;
  const char *z = pat->val.z;
  int n = 0, nocase = !t->glob && !c->db->case_sensitive_like;
  while (n < pat->val.n && z[n] &&
         (t->glob ? z[n] != '*' && z[n] != '?' && z[n] != '[' : z[n] != '%' && z[n] != '_'))
    n++;
  if (n == 0 || (unsigned char)z[n - 1] >= 0x7f) return 0;
  char buf[256];
  if (n >= (int)sizeof buf) return 0;
  for (int i = 0; i < n; i++)
    buf[i] = nocase ? (char)tolower((unsigned char)z[i]) : z[i];
  PExpr *lo = text_constn(c, buf, n);
  buf[n - 1]++;
  PExpr *hi = text_constn(c, buf, n);
  if (!lo || !hi) return 0;
  const RecColl *coll = nocase ? &nocase_coll : NULL;
  out[0] = (Cons){.col = col->col, .op = BO_GE, .other = lo, .term = t, .coll = coll};
  out[1] = (Cons){.col = col->col, .op = BO_LT, .other = hi, .term = t, .coll = coll};
  return 2;
}

/* The disjuncts of an OR tree (more than max: the count only). */
static int split_or(PExpr *e, PExpr **out, int n, int max) {
  if (e && e->op == PX_OR) return split_or(e->b, out, split_or(e->a, out, n, max), max);
  if (n < max) out[n] = e;
  return n + 1;
}

/* The conjuncts of an AND tree (more than max: the count only). */
static int split_and_into(PExpr *e, PExpr **out, int n, int max) {
  if (e && e->op == PX_AND) return split_and_into(e->b, out, split_and_into(e->a, out, n, max), max);
  if (n < max) out[n] = e;
  return n + 1;
}

#define MAX_OR 16

/* "col = x OR col = y ..." on one column of it is "col IN (x, y, ...)": sets *out and returns 1. */
static int or_as_in(Compiler *c, SrcItem *it, PExpr *t, uint64_t avail, Cons *out) {
  PExpr *d[MAX_OR];
  int nd = split_or(t, d, 0, MAX_OR);
  if (nd > MAX_OR) return 0;
  PExpr *inl = pe_new(c, PX_INLIST);
  PExpr **list = arena_alloc(&c->p->arena, sizeof(PExpr *) * (size_t)nd);
  if (!inl || !list) return 0;
  int col0 = 0;
  for (int i = 0; i < nd; i++) {
    int col, op;
    PExpr *other;
    if (!usable_term(d[i], it, avail, &col, &other, &op) || op != BO_EQ) return 0;
    if (i && (col != col0 || !coll_same(d[i]->coll, d[0]->coll))) return 0;
    if (col >= 0 && it->tab && !aff_compatible(it->tab->cols[col].aff, other->aff)) return 0;
    col0 = col;
    list[i] = other;
  }
  inl->list = list;
  inl->nlist = nd;
  inl->coll = d[0]->coll;
  *out = (Cons){.col = col0, .op = CO_IN, .term = t, .coll = d[0]->coll, .nin = logest((uint64_t)nd)};
  out->in_expr = inl;
  return 1;
}

/* The constraints the terms put on item it when the slots in avail are readable. BETWEEN gives a
 * lower and an upper bound, LIKE with a literal prefix too; IN a list of values (or an uncorrelated
 * subquery). */
static int collect_cons(Compiler *c, SrcItem *it, PExpr **terms, int nterms, uint64_t avail, Cons *out) {
  int n = 0;
  for (int i = 0; i < nterms && n < MAX_CONS - 1; i++) {
    PExpr *t = terms[i];
    int col, op;
    PExpr *other;
    if (usable_term(t, it, avail, &col, &other, &op)) {
      out[n++] = (Cons){.col = col, .op = op, .other = other, .term = t, .coll = t->coll};
      continue;
    }
    if (t && t->op == PX_OR) {
      n += or_as_in(c, it, t, avail, out + n);
      continue;
    }
    if (!t || t->not || !t->a || t->a->op != PX_COL || t->a->slot != it->slot) continue;
    if (t->op == PX_ISNULL) {
      PExpr *nul = pe_new(c, PX_CONST);
      if (nul)
        out[n++] = (Cons){.col = t->a->col, .op = BO_EQ, .other = nul, .term = t, .coll = NULL, .is_null = 1};
    } else if (t->op == PX_LIKE) {
      n += like_cons(c, it, t, out + n);
    } else if (t->op == PX_BETWEEN && reads_only(t->b, avail) && reads_only(t->c, avail)) {
      out[n++] = (Cons){.col = t->a->col, .op = BO_GE, .other = t->b, .term = t, .coll = t->coll};
      out[n++] = (Cons){.col = t->a->col, .op = BO_LE, .other = t->c, .term = t, .coll = t->coll};
    } else if (t->op == PX_INLIST && t->nlist > 0) {
      int ok = 1;
      for (int k = 0; k < t->nlist && ok; k++)
        ok = reads_only(t->list[k], avail) && aff_compatible(t->a->aff, t->list[k]->aff);
      if (ok)
        out[n++] = (Cons){.col = t->a->col,
                          .op = t->nlist == 1 ? BO_EQ : CO_IN,
                          .other = t->nlist == 1 ? t->list[0] : NULL,
                          .term = t,
                          .coll = t->coll,
                          .nin = logest((uint64_t)t->nlist)};
    } else if (t->op == PX_INSUB && !t->correlated && t->sub && t->sub->nres == 1 &&
               aff_compatible(t->a->aff, t->sub->res[0]->aff)) {
      out[n++] = (Cons){.col = t->a->col, .op = CO_IN, .term = t, .coll = t->coll, .nin = 46};
    }
  }
  return n;
}

/* An ordering the scans may deliver so that a sort is saved: ORDER BY terms, GROUP BY terms or the
 * DISTINCT result columns (any_order: contiguous groups are enough, in any term order and direction),
 * or the argument of a lone min()/max(). */
typedef struct OrderReq {
  int n;
  PExpr **e;
  const uint8_t *desc;  /* or NULL: ascending */
  const uint8_t *nulls; /* or NULL */
  const RecColl **coll; /* or NULL: each term's own */
  int any_order;
  int distinct;  /* the sort would be DISTINCT's */
  int64_t limit; /* a constant LIMIT, else -1 */
} OrderReq;

enum { AP_SCAN = 0, AP_ROWID_EQ, AP_ROWID_RANGE, AP_INDEX, AP_AUTO, AP_OR };

typedef struct AccessPath {
  int kind;
  Index *idx;
  int neq;
  PExpr *eq[64];
  int inpos; /* key position fed by an IN constraint, or -1 */
  PExpr *in;
  PExpr *lo, *hi;
  int lo_incl, hi_incl;
  int covering, reverse, onerow;
  uint64_t eq_is; /* key positions whose equality is "IS NULL" */
  int nsat;       /* leading terms of the OrderReq delivered in order */
  int sortidx;    /* 0, or which index (1 the rowid) might give the wanted order: paths of different
                     sort indexes are not pruned against each other */
  int autocol;
  PExpr *autoeq;
  int autopartial;
  struct AccessPath *subs; /* AP_OR: one path per disjunct (arena) */
  int nsub;
  PExpr *used[66]; /* terms the path consumes */
  int nused;
  LogEst run, nout, setup;
} AccessPath;

/* Does ORDER BY term i name key column kc (-1: the rowid) of it under collation kcoll? */
static int order_term_is_col(const OrderReq *ob, int i, SrcItem *it, int kc, const RecColl *kcoll) {
  const PExpr *e = ob->e[i];
  if (!e || e->op != PX_COL || e->slot != it->slot) return 0;
  int ec = e->col;
  if (it->tab && ec >= 0 && ec == it->tab->ipk) ec = -1;
  if (it->tab && kc >= 0 && kc == it->tab->ipk) kc = -1;
  if (ec != kc) return 0;
  if (kc < 0) return 1;
  const RecColl *c = ob->coll ? ob->coll[i] : e->coll;
  return coll_same(c, kcoll);
}

static int cons_eq_on(const Cons *cs, int ncs, int col, const RecColl *coll) {
  for (int i = 0; i < ncs; i++)
    if (cs[i].op == BO_EQ && cs[i].col == col && coll_same(cs[i].coll, coll)) return 1;
  return 0;
}

/* How many leading terms of ob the path delivers in order (for any_order: all or none); sets
 * p->reverse when that needs a descending scan. Key positions below p->neq other than an IN one are
 * single values. */
static int path_order(const OrderReq *ob, SrcItem *it, AccessPath *p, const Cons *cs, int ncs) {
  if (!ob || ob->n == 0) return 0;
  Table *t = it->tab;
  Index *ix = p->idx;
  int nkey = ix ? ix->ncol : 0; /* key columns before the rowid */
  int pos = 0, dir = -1, sat = 0;
  uint64_t done = 0;
  int total = p->onerow;
  for (int i = 0; i < ob->n && i < 64; i++) {
    if (total) {
      if (!reads_only(ob->e[i], UINT64_C(1) << it->slot)) break;
      sat++;
      done |= UINT64_C(1) << i;
      continue;
    }
    if (ob->nulls && ob->nulls[i] && (ob->nulls[i] == 1) != (ob->desc && ob->desc[i])) break;
    /* a column constrained to one value is in order */
    const PExpr *e = ob->e[i];
    if (e && e->op == PX_COL && e->slot == it->slot &&
        cons_eq_on(cs, ncs, e->col, ob->coll ? ob->coll[i] : e->coll)) {
      sat++;
      done |= UINT64_C(1) << i;
      continue;
    }
    if (ob->any_order) break;
    /* the next key column (skipping the single-valued prefix) */
    while (pos < nkey && pos < p->neq && pos != p->inpos)
      pos++;
    int kc = pos < nkey ? ix->cols[pos] : -1;
    if (pos < nkey && kc == -2) break;
    const RecColl *kcoll = ix && pos < nkey ? &ix->colls[pos] : NULL;
    if (!order_term_is_col(ob, i, it, kc, kcoll)) break;
    int d = (ob->desc && ob->desc[i]) ^ (ix && pos < nkey && ix->desc[pos]);
    if (dir >= 0 && d != dir) break;
    dir = d;
    sat++;
    done |= UINT64_C(1) << i;
    if (pos >= nkey) total = 1; /* the rowid: every row has its own place */
    pos++;
  }
  if (ob->any_order && ob->n <= 64) {
    /* groups are contiguous when the key columns from the prefix on cover the remaining terms */
    int need = 0;
    for (int i = 0; i < ob->n; i++)
      if (!((done >> i) & 1)) need++;
    for (pos = 0; need > 0 && pos <= nkey; pos++) {
      if (pos < p->neq && pos != p->inpos) continue;
      int kc = pos < nkey ? ix->cols[pos] : -1;
      if (kc == -2) break;
      const RecColl *kcoll = ix && pos < nkey ? &ix->colls[pos] : NULL;
      int hit = 0;
      for (int i = 0; i < ob->n; i++)
        if (!((done >> i) & 1) && order_term_is_col(ob, i, it, kc, kcoll)) {
          done |= UINT64_C(1) << i;
          need--;
          hit = 1;
        }
      if (!hit) break;
    }
    (void)t;
    return need == 0 ? ob->n : 0;
  }
  p->reverse = dir == 1;
  return sat;
}

/* SQLite's estimate of the rows a loop produces after the terms it does not use filter them: each
 * such term on this item takes a little, an equality a lot more (but at most once). */
static LogEst output_adjust(SrcItem *it, PExpr **terms, int nterms, uint64_t avail, const AccessPath *p,
                            LogEst nout, LogEst nrow) {
  LogEst reduce = 0;
  uint64_t self = it->slot < 64 ? UINT64_C(1) << it->slot : 0;
  for (int i = 0; i < nterms; i++) {
    uint64_t m = 0;
    if (!expr_slots(terms[i], &m) || !(m & self) || (m & ~(avail | self))) continue;
    int used = 0;
    for (int k = 0; k < p->nused && !used; k++)
      used = p->used[k] == terms[i];
    if (used) continue;
    nout--;
    PExpr *t = terms[i];
    if (t->op == PX_BIN && t->binop == BO_EQ) {
      PExpr *r = t->b;
      LogEst k = 20;
      if (r && r->op == PX_CONST && r->val.type == VAL_INT && r->val.u.i >= -1 && r->val.u.i <= 1) k = 10;
      if (k > reduce) reduce = k;
    }
  }
  if (nout > nrow - reduce) nout = nrow - reduce;
  return nout;
}

static void path_use(AccessPath *p, PExpr *term) {
  for (int k = 0; k < p->nused; k++)
    if (p->used[k] == term) return;
  if (p->nused < 66) p->used[p->nused++] = term;
}

/* Can the index give every column the statement reads from it? */
static int index_covers(Compiler *c, SrcItem *it, Index *ix) {
  Table *t = it->tab;
  uint64_t need = c->p->slots[it->slot].colmask;
  if ((need >> 63) & 1) return 0;
  for (int i = 0; i < t->ncol; i++)
    if (t->cols[i].gen && ((need >> i) & 1)) return 0;
  int nk = t->pk ? ix->nfull : ix->ncol; /* a WITHOUT ROWID table's entries end with its PK columns */
  for (int k = 0; k < nk; k++)
    if (ix->cols[k] >= 0 && ix->cols[k] < 63) need &= ~(UINT64_C(1) << ix->cols[k]);
  if (t->ipk >= 0 && t->ipk < 63) need &= ~(UINT64_C(1) << t->ipk);
  return need == 0;
}

typedef struct PlanItem {
  Compiler *c;
  SrcItem *it;
  PExpr **terms;
  int nterms;
  uint64_t avail;     /* slots readable before this loop */
  const OrderReq *ob; /* ordering wanted from this loop (the outermost), or NULL */
  int cover_ok;       /* covering indexes allowed (a SELECT whose column use is known) */
  int auto_ok;        /* automatic indexes allowed */
  LogEst nrow_outer;  /* rows of the loops outside this one */
} PlanItem;

/* Sorting nrow rows of which the first nsat terms of ob are in order already. */
static LogEst sort_cost(const OrderReq *ob, int nsat, LogEst nrow) {
  LogEst scale = logest((uint64_t)((ob->n - nsat) * 100 / ob->n)) - 66;
  LogEst sort = nrow + scale + 16;
  if (ob->limit >= 0 && logest((uint64_t)ob->limit) < nrow)
    nrow = logest((uint64_t)ob->limit);
  else if (ob->distinct && nrow > 10)
    nrow -= 10;
  return sort + logest_log(nrow);
}

/* The cost of a path including the sort it leaves for ob: SQLite's path comparison. */
static LogEst path_total(const PlanItem *pi, const AccessPath *p) {
  LogEst cost = p->run + pi->nrow_outer;
  if (p->setup) cost = logest_add(p->setup, cost);
  const OrderReq *ob = pi->ob;
  if (!ob || ob->n == 0 || p->nsat >= ob->n) return cost;
  return logest_add(cost, sort_cost(ob, p->nsat, p->nout)) + 3;
}

/* The candidate paths of one item, pruned as SQLite prunes its loops: a path that needs no more
 * outer tables than another and costs no more to set up and run, for no more rows, makes the other
 * one pointless whatever order either delivers. */
#define MAX_CAND 16
typedef struct CandSet {
  AccessPath c[MAX_CAND];
  int n;
} CandSet;

static uint64_t path_prereq(const AccessPath *p, SrcItem *it) {
  uint64_t m = 0;
  for (int k = 0; k < p->nused; k++)
    expr_slots(p->used[k], &m);
  return it->slot < 64 ? m & ~(UINT64_C(1) << it->slot) : m;
}

static void consider(const PlanItem *pi, AccessPath *p, CandSet *cs) {
  uint64_t pre = path_prereq(p, pi->it);
  for (int i = 0; i < cs->n; i++) {
    AccessPath *q = &cs->c[i];
    if (q->sortidx != p->sortidx) continue;
    uint64_t qpre = path_prereq(q, pi->it);
    if ((qpre & pre) == qpre && q->setup <= p->setup && q->run <= p->run && q->nout <= p->nout) return;
  }
  int w = 0, placed = -1;
  for (int i = 0; i < cs->n; i++) {
    AccessPath *q = &cs->c[i];
    uint64_t qpre = path_prereq(q, pi->it);
    if (q->sortidx == p->sortidx && (qpre & pre) == pre && q->run >= p->run && q->nout >= p->nout) {
      if (placed < 0) {
        placed = w;
        cs->c[w++] = *p;
      }
      continue;
    }
    if (w != i) cs->c[w] = *q;
    w++;
  }
  cs->n = w;
  if (placed >= 0) return;
  if (cs->n == MAX_CAND) {
    /* full: forget the most expensive */
    int worst = 0;
    for (int i = 1; i < cs->n; i++)
      if (path_total(pi, &cs->c[i]) > path_total(pi, &cs->c[worst])) worst = i;
    if (path_total(pi, p) >= path_total(pi, &cs->c[worst])) return;
    cs->c[worst] = *p;
    return;
  }
  cs->c[cs->n++] = *p;
}

/* The cheapest candidate including the sort it leaves (the first of equals). */
static void pick_best(const PlanItem *pi, const CandSet *cs, AccessPath *best) {
  best->kind = -1;
  LogEst bestcost = 0;
  for (int i = 0; i < cs->n; i++) {
    const AccessPath *q = &cs->c[i];
    LogEst t = path_total(pi, q);
    if (best->kind < 0 || t < bestcost ||
        (t == bestcost && (q->nout < best->nout || (q->nout == best->nout && q->run < best->run)))) {
      *best = cs->c[i];
      bestcost = t;
    }
  }
}

/* Does every column of t appear in ix's entries? (Only a WITHOUT ROWID table's index can hold them
 * all; it is read instead of the table, and EXPLAIN QUERY PLAN says COVERING INDEX.) */
static int index_holds_all(const Index *ix, const Table *t) {
  for (int c = 0; c < t->ncol; c++) {
    int in = 0;
    for (int i = 0; i < ix->nfull && !in; i++)
      in = ix->cols[i] == c;
    if (!in) return 0;
  }
  return 1;
}

/* The cost of reading nout rows through an index (or the table's rowid tree when ix is NULL). */
static void index_cost(SrcItem *it, Index *ix, int covering, LogEst rsize, AccessPath *p, LogEst nin) {
  LogEst tw = cost_table_width(it->tab);
  LogEst iw = ix ? cost_index_width(ix) : tw;
  LogEst costidx = p->nout + 1 + (tw > 0 ? 15 * iw / tw : 15);
  p->run = logest_add(logest_log(rsize), costidx);
  if (ix && !covering) p->run = logest_add(p->run, p->nout + 16);
  p->run += nin;
  p->nout += nin;
}

/* Range constraints on column col (collation coll, affinity aff) narrow a path: lo/hi. */
static int path_range(AccessPath *p, const Cons *cs, int ncs, int col, char aff, const RecColl *coll) {
  int n = 0;
  for (int i = 0; i < ncs; i++) {
    const Cons *k = &cs[i];
    if (k->col != col || k->op == BO_EQ || k->op == CO_IN) continue;
    if (col >= 0 && !aff_compatible(aff, k->other->aff)) continue;
    if (col >= 0 && !coll_same(k->coll, coll)) continue;
    if ((k->op == BO_GT || k->op == BO_GE) && !p->lo) {
      p->lo = k->other;
      p->lo_incl = k->op == BO_GE;
      path_use(p, k->term);
      n++;
    } else if ((k->op == BO_LT || k->op == BO_LE) && !p->hi) {
      p->hi = k->other;
      p->hi_incl = k->op == BO_LE;
      path_use(p, k->term);
      n++;
    }
  }
  return n;
}

static LogEst range_rows(LogEst nout, int nbounds) {
  LogEst nn = nout - 20 * nbounds;
  nout -= nbounds;
  if (nn < 10) nn = 10;
  return nn < nout ? nn : nout;
}

/* Might a scan of index ix (NULL: the rowid) give some of the wanted order? */
static int might_help_order(const OrderReq *ob, SrcItem *it, Index *ix) {
  if (!ob) return 0;
  for (int i = 0; i < ob->n; i++) {
    if (!ix) {
      if (order_term_is_col(ob, i, it, -1, NULL)) return 1;
      continue;
    }
    for (int k = 0; k < ix->ncol; k++)
      if (order_term_is_col(ob, i, it, ix->cols[k], &ix->colls[k])) return 1;
  }
  return 0;
}

/* The cheapest way to read item pi->it (SQLite 3.40's cost model, plan_cost.h): a full scan, a rowid
 * lookup or range, an index search (equality prefix, IN, range), a full scan of an index that
 * gives the wanted order or covers the statement, or an automatic index. */
static void best_path(const PlanItem *pi, AccessPath *best) {
  SrcItem *it = pi->it;
  Table *t = it->tab;
  Cons cs[MAX_CONS];
  int ncs = collect_cons(pi->c, it, pi->terms, pi->nterms, pi->avail, cs);
  LogEst rsize = cost_table_rows(t);
  CandSet cands;
  cands.n = 0;
  AccessPath p;
  /* the full table scan (in rowid order) */
  memset(&p, 0, sizeof p);
  p.kind = AP_SCAN;
  p.inpos = -1;
  p.autocol = -1;
  p.run = rsize + 16;
  p.nout = output_adjust(it, pi->terms, pi->nterms, pi->avail, &p, rsize, rsize);
  p.nsat = path_order(pi->ob, it, &p, cs, ncs);
  int rowid_sort = might_help_order(pi->ob, it, NULL);
  p.sortidx = rowid_sort;
  if (!it->indexed_by) consider(pi, &p, &cands);
  /* the rowid: equality, IN, range */
  for (int pass = 0; pass < 2 && !t->pk; pass++) { /* (a WITHOUT ROWID table has no rowid) */
    memset(&p, 0, sizeof p);
    p.inpos = -1;
    p.autocol = -1;
    for (int i = 0; i < ncs && !p.eq[0] && !p.in; i++) {
      if (cs[i].col != -1) continue;
      if (pass == 0 && cs[i].op == BO_EQ && !cs[i].is_null) {
        p.eq[0] = cs[i].other;
        path_use(&p, cs[i].term);
      } else if (pass == 0 && cs[i].op == CO_IN) {
        p.in = cs[i].in_expr ? cs[i].in_expr : cs[i].term;
        p.inpos = 0;
        path_use(&p, cs[i].term);
        p.nout = cs[i].nin;
      }
    }
    LogEst nin = p.in ? p.nout : 0;
    if (pass == 0 && (p.eq[0] || p.in)) {
      p.kind = AP_ROWID_EQ;
      p.onerow = !p.in;
      p.nout = 0;
    } else if (pass == 1) {
      int nb = path_range(&p, cs, ncs, -1, AFF_INTEGER, NULL);
      if (!nb) continue;
      p.kind = AP_ROWID_RANGE;
      p.nout = range_rows(rsize, nb);
    } else {
      continue;
    }
    if (it->indexed_by) continue;
    index_cost(it, NULL, 1, rsize, &p, nin);
    p.nout = output_adjust(it, pi->terms, pi->nterms, pi->avail, &p, p.nout, rsize);
    p.nsat = path_order(pi->ob, it, &p, cs, ncs);
    p.sortidx = rowid_sort;
    consider(pi, &p, &cands);
  }
  /* indexes, the most recently created first */
  Index *ixs[256];
  int nix = 0;
  for (Index *ix = t->indexes; ix && nix < 255; ix = ix->next_in_table)
    ixs[nix++] = ix;
  if (t->pk) ixs[nix++] = t->pk; /* WITHOUT ROWID: the PRIMARY KEY, considered first (wins ties) */
  for (int xi = nix - 1; xi >= 0 && !it->not_indexed; xi--) {
    Index *ix = ixs[xi];
    if (ix->where || ix->ncol > 63) continue;
    if (it->indexed_by && !name_eq(it->indexed_by, ix->name)) continue;
    LogEst est[65];
    cost_index_rows(ix, est);
    memset(&p, 0, sizeof p);
    p.kind = AP_INDEX;
    p.idx = ix;
    p.inpos = -1;
    p.autocol = -1;
    LogEst nin = 0;
    for (int k = 0; k < ix->ncol; k++) {
      int kc = ix->cols[k];
      if (kc < 0 || kc == t->ipk) break;
      const RecColl *icoll = &ix->colls[k];
      const Cons *found = NULL;
      for (int i = 0; i < ncs && !found; i++) {
        const Cons *k2 = &cs[i];
        if (k2->col != kc || (k2->op != BO_EQ && (k2->op != CO_IN || p.in))) continue;
        if (k2->op == BO_EQ && !aff_compatible(t->cols[kc].aff, k2->other->aff)) continue;
        if (!k2->is_null && !coll_same(k2->coll, icoll)) continue;
        found = k2;
      }
      if (!found) break;
      if (found->op == CO_IN) {
        p.in = found->in_expr ? found->in_expr : found->term;
        p.inpos = k;
        p.eq[p.neq++] = NULL;
        nin = found->nin;
      } else {
        if (found->is_null) p.eq_is |= UINT64_C(1) << p.neq;
        p.eq[p.neq++] = found->other;
      }
      path_use(&p, found->term);
    }
    int nb = 0;
    if (p.neq < ix->ncol && ix->cols[p.neq] >= 0 && !ix->desc[p.neq]) {
      int kc = ix->cols[p.neq];
      nb = path_range(&p, cs, ncs, kc, t->cols[kc].aff, &ix->colls[p.neq]);
    }
    p.covering = ix == t->pk || (pi->cover_ok && index_covers(pi->c, it, ix));
    p.onerow = ix->unique && p.neq == ix->ncol && !p.in;
    int helps = might_help_order(pi->ob, it, ix);
    p.sortidx = helps ? xi + 2 : 0;
    if (ix == t->pk && p.neq == 0 && nb == 0 && !helps) continue; /* the table scan itself */
    if (p.neq == 0 && nb == 0) {
      /* a full scan of the index: for its order, or because it is narrower than the table */
      p.nsat = path_order(pi->ob, it, &p, cs, ncs);
      int narrower = cost_index_width(ix) < cost_table_width(t);
      if (!helps && !it->indexed_by && !(p.covering && narrower)) continue;
      LogEst tw = cost_table_width(t);
      p.run = rsize + 1 + (tw > 0 ? 15 * cost_index_width(ix) / tw : 15);
      if (!p.covering) p.run = logest_add(p.run, rsize + 16);
      p.nout = output_adjust(it, pi->terms, pi->nterms, pi->avail, &p, rsize, rsize);
      consider(pi, &p, &cands);
      continue;
    }
    p.nout = rsize + est[p.neq] - est[0];
    if (nb) p.nout = range_rows(p.nout, nb);
    index_cost(it, ix, p.covering, rsize, &p, nin);
    p.nout = output_adjust(it, pi->terms, pi->nterms, pi->avail, &p, p.nout, rsize);
    p.nsat = path_order(pi->ob, it, &p, cs, ncs);
    consider(pi, &p, &cands);
  }
  /* MULTI-INDEX OR: every disjunct of an OR term searched by an index (or the rowid) */
  for (int ti = 0; ti < pi->nterms && !it->indexed_by && !it->not_indexed; ti++) {
    PExpr *t = pi->terms[ti];
    uint64_t m = 0;
    if (!t || t->op != PX_OR || !expr_slots(t, &m) || !((m >> it->slot) & 1) ||
        (m & ~(pi->avail | UINT64_C(1) << it->slot)))
      continue;
    int as_in = 0;
    for (int i = 0; i < ncs && !as_in; i++)
      as_in = cs[i].term == t && cs[i].op == CO_IN;
    PExpr *d[MAX_OR];
    int nd = split_or(t, d, 0, MAX_OR);
    if (as_in || nd > MAX_OR) continue;
    AccessPath *subs = arena_alloc(&pi->c->p->arena, sizeof(AccessPath) * (size_t)nd);
    if (!subs) break;
    int ok = 1;
    for (int i = 0; i < nd && ok; i++) {
      PExpr *dt[16];
      int ndt = split_and_into(d[i], dt, 0, 16);
      PlanItem sp = *pi;
      sp.terms = dt;
      sp.nterms = ndt > 16 ? 16 : ndt;
      sp.ob = NULL;
      sp.auto_ok = 0;
      sp.nrow_outer = 0;
      best_path(&sp, &subs[i]);
      ok = subs[i].kind == AP_INDEX || subs[i].kind == AP_ROWID_EQ || subs[i].kind == AP_ROWID_RANGE;
      if (ok && subs[i].kind == AP_INDEX && subs[i].neq == 0 && !subs[i].lo && !subs[i].hi) ok = 0;
    }
    if (!ok) continue;
    memset(&p, 0, sizeof p);
    p.kind = AP_OR;
    p.inpos = -1;
    p.autocol = -1;
    p.subs = subs;
    p.nsub = nd;
    for (int i = 0; i < nd; i++) {
      p.run = i ? logest_add(p.run, subs[i].run) : subs[i].run;
      p.nout = i ? logest_add(p.nout, subs[i].nout) : subs[i].nout;
    }
    path_use(&p, t);
    p.nout = output_adjust(it, pi->terms, pi->nterms, pi->avail, &p, p.nout, rsize);
    consider(pi, &p, &cands);
  }
  /* an automatic index on a join column */
  if (pi->auto_ok && !it->indexed_by && !it->not_indexed) {
    for (int i = 0; i < ncs; i++) {
      const Cons *k = &cs[i];
      uint64_t m = 0;
      if (k->op != BO_EQ || k->col < 0 || k->col == t->ipk) continue;
      if (!expr_slots(k->other, &m) || m == 0) continue;
      if (!aff_compatible(t->cols[k->col].aff, k->other->aff)) continue;
      if (!coll_same(k->coll, t->cols[k->col].coll)) continue;
      memset(&p, 0, sizeof p);
      p.kind = AP_AUTO;
      p.inpos = -1;
      p.autocol = k->col;
      p.autoeq = k->other;
      path_use(&p, k->term);
      for (int j = 0; j < pi->nterms; j++) {
        uint64_t mj = 0;
        if (pi->terms[j] != k->term && expr_slots(pi->terms[j], &mj) && it->slot < 64 &&
            mj == (UINT64_C(1) << it->slot))
          p.autopartial = 1;
      }
      p.setup = logest_log(rsize) + rsize + 28;
      p.nout = 43;
      p.run = logest_add(logest_log(rsize), p.nout);
      p.nout = output_adjust(it, pi->terms, pi->nterms, pi->avail, &p, p.nout, rsize);
      consider(pi, &p, &cands);
      break;
    }
  }
  pick_best(pi, &cands, best);
}

/* A full scan of a WITHOUT ROWID table in a SELECT reads the first index holding every column, in
 * SQLite's list order (the PRIMARY KEY counts as one): one as wide as the table costs the same, and
 * SQLite keeps the first of equal plans. */
static int wr_full_scan(Compiler *c, SrcItem *it, Op *leaf) {
  Table *t = it->tab;
  if (!t || !t->pk || !c->select_stmt || leaf->kind != OP_SCAN) return MICA_OK;
  Index *order[65], *best = NULL;
  int n = schema_index_order(t, order, 64);
  for (int i = 0; i < n && !best; i++)
    if (order[i] == t->pk || (index_holds_all(order[i], t) && order[i]->nfull <= t->pk->nfull))
      best = order[i];
  if (!best || best == t->pk) return MICA_OK;
  leaf->idx = best;
  leaf->covering = 1;
  leaf->keyaff = arena_alloc(&c->p->arena, 2);
  if (!leaf->keyaff) return nomem(c);
  return MICA_OK;
}

/* Puts path p on the scan operator leaf. */
static int path_apply(Compiler *c, SrcItem *it, const AccessPath *p, Op *leaf) {
  Table *t = it->tab;
  leaf->reverse = p->reverse;
  switch (p->kind) {
  case AP_ROWID_EQ:
    leaf->rowid_eq = 1;
    leaf->eq = arena_alloc(&c->p->arena, sizeof(PExpr *));
    if (!leaf->eq) return nomem(c);
    leaf->eq[0] = p->eq[0];
    break;
  case AP_ROWID_RANGE:
    leaf->rowid_range = 1;
    leaf->lo = p->lo;
    leaf->hi = p->hi;
    leaf->lo_incl = p->lo_incl;
    leaf->hi_incl = p->hi_incl;
    break;
  case AP_INDEX: {
    Index *ix = p->idx;
    leaf->idx = ix;
    leaf->neq = p->neq;
    leaf->eq_is = p->eq_is;
    leaf->covering = p->covering;
    leaf->eq = arena_alloc(&c->p->arena, sizeof(PExpr *) * (size_t)(p->neq + 1));
    leaf->keyaff = arena_alloc(&c->p->arena, (size_t)p->neq + 2);
    if (!leaf->eq || !leaf->keyaff) return nomem(c);
    memcpy(leaf->eq, p->eq, sizeof(PExpr *) * (size_t)p->neq);
    for (int k = 0; k <= p->neq && k < ix->ncol; k++) {
      int kc = ix->cols[k];
      leaf->keyaff[k] = kc >= 0 ? t->cols[kc].aff : 0;
    }
    leaf->lo = p->lo;
    leaf->hi = p->hi;
    leaf->lo_incl = p->lo_incl;
    leaf->hi_incl = p->hi_incl;
    break;
  }
  case AP_AUTO:
    leaf->autocol = p->autocol;
    leaf->autoeq = p->autoeq;
    leaf->autoaff = t->cols[p->autocol].aff;
    leaf->autocoll = t->cols[p->autocol].coll;
    if (leaf->autocoll && leaf->autocoll->cmp == record_coll_binary) leaf->autocoll = NULL;
    leaf->autopartial = p->autopartial;
    break;
  case AP_OR:
    leaf->or_scans = arena_alloc(&c->p->arena, sizeof(Op *) * (size_t)p->nsub);
    if (!leaf->or_scans) return nomem(c);
    for (int i = 0; i < p->nsub; i++) {
      Op *sub = op_new(c, OP_SCAN);
      if (!sub) return nomem(c);
      sub->slot = leaf->slot;
      sub->tab = leaf->tab;
      int rc = path_apply(c, it, &p->subs[i], sub);
      if (rc) return rc;
      leaf->or_scans[i] = sub;
    }
    leaf->nor = p->nsub;
    break;
  default: break;
  }
  if (p->in) {
    PExpr *in = p->in;
    leaf->in_expr = in;
    int kc = p->kind == AP_INDEX ? p->idx->cols[p->inpos] : -1;
    leaf->in_aff = kc >= 0 ? t->cols[kc].aff : AFF_INTEGER;
    leaf->in_coll = kc >= 0 ? &p->idx->colls[p->inpos] : NULL;
    if (leaf->in_coll && (!leaf->in_coll->cmp || leaf->in_coll->cmp == record_coll_binary))
      leaf->in_coll = NULL;
    if (p->kind == AP_INDEX) leaf->in_key = p->inpos;
  }
  return MICA_OK;
}

/* The access path of a scan outside SELECT planning (UPDATE/DELETE): no covering index, no order, no
 * automatic index; the terms may read the slots before the item's. */
static void choose_access(Compiler *c, SrcItem *it, Op *leaf, PExpr **terms, int nterms) {
  if (leaf->kind != OP_SCAN || !it->tab) return;
  PlanItem pi = {.c = c, .it = it, .terms = terms, .nterms = nterms};
  pi.avail = it->slot < 64 ? (UINT64_C(1) << it->slot) - 1 : 0;
  AccessPath p;
  best_path(&pi, &p);
  if (p.kind >= 0) path_apply(c, it, &p, leaf);
}

/* Puts a filter by pred (if any) on top of *src. */
static int add_filter(Compiler *c, Op **src, PExpr *pred) {
  if (!pred) return MICA_OK;
  Op *f = op_new(c, OP_FILTER);
  if (!f) return nomem(c);
  f->left = *src;
  f->pred = pred;
  *src = f;
  return MICA_OK;
}

/* Is the aggregate query's ORDER BY term e (compiled after aggregation) the GROUP BY term g? */
static int order_is_group(const SelectPlan *sel, const PExpr *e, const PExpr *g) {
  if (!e || !g || e->op != PX_COL || g->op != PX_COL) return 0;
  if (e->slot != sel->agg_slot || e->col < 0 || e->col >= sel->ncapture) return 0;
  return sel->cap_slot[e->col] == g->slot && sel->cap_col[e->col] == g->col;
}

/* Is the single aggregate of sel a min() or max() of a column (min/max by index)? 1 min, 2 max. */
static int minmax_query(const SelectPlan *sel) {
  if (!sel->is_agg || sel->ngroup || sel->nagg != 1 || sel->nwin) return 0;
  const AggCall *a = &sel->aggs[0];
  if (!a->func || a->nargs != 1 || a->filter || !a->args[0] || a->args[0]->op != PX_COL) return 0;
  if (!strcmp(a->func->name, "min")) return 1;
  if (!strcmp(a->func->name, "max")) return 2;
  return 0;
}

#define MAX_REORDER 6

/* Plans the FROM items of sel (ACCESS PATHS) and builds the join tree in *out: the loop order (by
 * cost, when only inner joins are involved), each item's access path, each term at the first loop
 * where it can be evaluated, and what the outermost loop's order saves (sel->order_sat, group_sat,
 * distinct_sat, minmax_stop). */
static int vtab_join_order(Compiler *c, SrcItem *items, int n, PExpr **terms, int nterms, PExpr **onpred,
                           int *ord);
static int plan_vtab(Compiler *c, SrcItem *it, Op *leaf, PExpr **terms, int nterms, const VtabOrder *order,
                     int norder, int *consumed);

static int plan_from(Compiler *c, SelectPlan *sel, SrcItem *items, Op **leaves, int n, PExpr **terms,
                     int nterms, PExpr **onpred, int last_rf, int64_t limit, const VtabOrder *vorder,
                     int nvorder, int *vorder_consumed, Op **out) {
  Arena *A = &c->p->arena;
  int rc;
  Op *src;
  if (n == 0) {
    src = op_new(c, OP_SINGLE);
    if (!src) return nomem(c);
    PExpr *all = NULL;
    for (int i = 0; i < nterms; i++)
      all = and_of(c, all, terms[i]);
    if ((rc = add_filter(c, &src, all))) return rc;
    *out = src;
    return MICA_OK;
  }
  /* the ordering the outermost loop could deliver */
  OrderReq ob = {.limit = limit};
  int mm = minmax_query(sel);
  PExpr *mmarg = NULL;
  uint8_t mmdesc = mm == 2;
  if (sel->is_agg && sel->ngroup) {
    ob.n = sel->ngroup;
    ob.e = sel->group;
    ob.any_order = 1;
  } else if (mm && n == 1) {
    mmarg = sel->aggs[0].args[0];
    ob.n = 1;
    ob.e = &mmarg;
    ob.desc = &mmdesc;
    ob.coll = &sel->aggs[0].coll;
  } else if (!sel->is_agg && !sel->nwin && sel->norder) {
    ob.n = sel->norder;
    ob.e = sel->order;
    ob.desc = sel->desc;
    ob.nulls = sel->nulls_last;
    ob.coll = sel->order_coll;
  } else if (!sel->is_agg && !sel->nwin && sel->distinct) {
    ob.n = sel->nres;
    ob.e = sel->res;
    ob.coll = sel->res_coll;
    ob.any_order = 1;
    ob.distinct = 1;
  }
  if (ob.n > 64) ob.n = 0;
  /* slots of this select's items; everything else (outer queries) is readable anywhere */
  uint64_t itemmask = 0;
  int all_tables = 1, reorder = n > 1 && n <= MAX_REORDER && last_rf == 0;
  for (int i = 0; i < n; i++) {
    if (items[i].slot >= 64) return mica_set_error(c->db, MICA_ERROR, "too many FROM items");
    itemmask |= UINT64_C(1) << items[i].slot;
    if (!items[i].tab || leaves[i]->kind != OP_SCAN) all_tables = 0;
    if (i > 0 && items[i].jointype != XJ_INNER) reorder = 0;
  }
  if (!all_tables) reorder = 0;
  /* the written order, except that a table-valued function moves after the items its arguments read */
  int *ord = arena_alloc(A, sizeof(int) * (size_t)(n + 1));
  if (!ord) return nomem(c);
  if ((rc = vtab_join_order(c, items, n, terms, nterms, onpred, ord))) return rc;
  /* the loop order: the cheapest permutation, else as written */
  int order[MAX_REORDER + 1], best_order[MAX_REORDER + 1];
  for (int i = 0; i < n && i <= MAX_REORDER; i++)
    order[i] = best_order[i] = i;
  if (reorder) {
    LogEst best_cost = 0;
    int have = 0;
    for (;;) {
      LogEst cost = 0, nrow = 0;
      uint64_t avail = ~itemmask;
      AccessPath p0;
      p0.nsat = 0;
      for (int j = 0; j < n; j++) {
        SrcItem *it = &items[order[j]];
        PlanItem pi = {.c = c,
                       .it = it,
                       .terms = terms,
                       .nterms = nterms,
                       .avail = avail,
                       .ob = j == 0 && ob.n ? &ob : NULL,
                       .cover_ok = 1,
                       .auto_ok = c->select_stmt && j > 0,
                       .nrow_outer = nrow};
        AccessPath p;
        best_path(&pi, &p);
        LogEst run = p.run + nrow;
        if (p.setup) run = logest_add(p.setup, run);
        cost = j == 0 ? run : logest_add(cost, run);
        nrow += p.nout;
        if (j == 0) p0 = p;
        avail |= UINT64_C(1) << it->slot;
      }
      if (ob.n && p0.nsat < ob.n) cost = logest_add(cost, sort_cost(&ob, p0.nsat, nrow)) + 3;
      if (!have || cost < best_cost) {
        have = 1;
        best_cost = cost;
        memcpy(best_order, order, sizeof(int) * (size_t)n);
      }
      /* next permutation (lexicographic) */
      int k = n - 2;
      while (k >= 0 && order[k] > order[k + 1])
        k--;
      if (k < 0) break;
      int l = n - 1;
      while (order[l] < order[k])
        l--;
      int tmp = order[k];
      order[k] = order[l];
      order[l] = tmp;
      for (int a = k + 1, b = n - 1; a < b; a++, b--) {
        tmp = order[a];
        order[a] = order[b];
        order[b] = tmp;
      }
    }
  }
  /* each term at the first loop (in the chosen order) where every slot it reads is available */
  int *pos_of = arena_alloc(A, sizeof(int) * (size_t)(n + 1));
  int *level = arena_alloc(A, sizeof(int) * (size_t)(nterms + 1));
  if (!pos_of || !level) return nomem(c);
  for (int j = 0; j < n; j++)
    pos_of[reorder ? best_order[j] : ord[j]] = j;
  for (int t = 0; t < nterms; t++) {
    uint64_t mask = 0;
    int lv = 0;
    if (!expr_slots(terms[t], &mask))
      lv = n - 1;
    else
      for (int i = 0; i < n; i++)
        if ((mask >> items[i].slot) & 1 && pos_of[i] > lv) lv = pos_of[i];
    if (lv < last_rf) lv = last_rf;
    level[t] = lv;
  }
  src = NULL;
  uint64_t avail = ~itemmask;
  AccessPath first;
  memset(&first, 0, sizeof first);
  first.kind = -1;
  LogEst nrow_outer = 0;
  for (int j = 0; j < n; j++) {
    int i = reorder ? best_order[j] : ord[j];
    SrcItem *it = &items[i];
    PExpr **lt = arena_alloc(A, sizeof(PExpr *) * (size_t)(nterms + 1));
    int nlt = 0;
    if (!lt) return nomem(c);
    for (int t = 0; t < nterms; t++)
      if (level[t] == j) lt[nlt++] = terms[t];
    if (leaves[i]->kind == OP_VTAB) {
      if ((it->jointype == XJ_RIGHT || it->jointype == XJ_FULL) && j > 0) {
        /* the right side is also scanned on its own for its unmatched rows: no lookup driven by the left */
        if ((rc = plan_vtab(c, it, leaves[i], NULL, 0, NULL, 0, NULL))) return rc;
      } else if (it->jointype == XJ_LEFT && j > 0) {
        leaves[i]->left_join = 1;
        PExpr **ot = NULL;
        int no = 0, co = 0;
        if ((rc = split_and(c, onpred[i], &ot, &no, &co))) return rc;
        /* terms the table guarantees leave the ON */
        if ((rc = plan_vtab(c, it, leaves[i], ot, no, NULL, 0, NULL))) return rc;
        onpred[i] = NULL;
        for (int t = 0; t < no; t++)
          onpred[i] = ot[t] ? and_of(c, onpred[i], ot[t]) : onpred[i];
      } else if ((rc = plan_vtab(c, it, leaves[i], lt, nlt, vorder, nvorder, vorder_consumed))) {
        return rc;
      }
    }
    PExpr *lpred = NULL; /* after plan_vtab, which removes the terms a virtual table guarantees */
    for (int t = 0; t < nlt; t++)
      if (lt[t]) lpred = and_of(c, lpred, lt[t]);
    if (leaves[i]->kind == OP_SCAN && it->tab) {
      PlanItem pi = {.c = c,
                     .it = it,
                     .avail = avail,
                     .cover_ok = 1,
                     .auto_ok = c->select_stmt && j > 0,
                     .nrow_outer = nrow_outer};
      AccessPath p;
      memset(&p, 0, sizeof p);
      p.kind = -1;
      if ((it->jointype == XJ_RIGHT || it->jointype == XJ_FULL) && j > 0) {
        /* the right side is also scanned on its own for its unmatched rows: no lookup driven by the left */
      } else if (it->jointype == XJ_LEFT && j > 0) {
        leaves[i]->left_join = 1;
        PExpr **ot = NULL;
        int no = 0, co = 0;
        if ((rc = split_and(c, onpred[i], &ot, &no, &co))) return rc;
        pi.terms = ot;
        pi.nterms = no;
      } else {
        pi.terms = lt;
        pi.nterms = nlt;
        pi.ob = j == 0 && ob.n ? &ob : NULL;
      }
      if (pi.terms || pi.ob) best_path(&pi, &p);
      if (p.kind >= 0 && (rc = path_apply(c, it, &p, leaves[i]))) return rc;
      if ((p.kind < 0 || p.kind == AP_SCAN) && (rc = wr_full_scan(c, it, leaves[i]))) return rc;
      if (j == 0) first = p;
      if (p.kind >= 0) nrow_outer += p.nout;
    } else if (leaves[i]->kind == OP_SCAN) {
      choose_access(c, it, leaves[i], lt, nlt);
    }
    avail |= UINT64_C(1) << it->slot;
    if (j == 0) {
      src = leaves[i];
      if ((rc = add_filter(c, &src, lpred))) return rc;
      continue;
    }
    Op *jn = op_new(c, OP_JOIN);
    if (!jn) return nomem(c);
    jn->left = src;
    jn->right = leaves[i];
    jn->rslots = arena_alloc(A, sizeof(int));
    if (!jn->rslots) return nomem(c);
    jn->rslots[0] = it->slot;
    jn->nrslots = 1;
    if (it->jointype != XJ_INNER && it->jointype != XJ_CROSS) {
      jn->outer = it->jointype == XJ_LEFT || it->jointype == XJ_FULL;
      jn->right_outer = it->jointype == XJ_RIGHT || it->jointype == XJ_FULL;
      if (jn->right_outer) {
        /* the slots of everything joined so far (NULL for an unmatched right row) */
        jn->lslots = arena_alloc(A, sizeof(int) * (size_t)(j + 1));
        if (!jn->lslots) return nomem(c);
        for (int k = 0; k < j; k++)
          jn->lslots[jn->nlslots++] = items[reorder ? best_order[k] : ord[k]].slot;
      }
      jn->pred = onpred[i];
      src = jn;
      if ((rc = add_filter(c, &src, lpred))) return rc;
    } else {
      jn->pred = lpred;
      src = jn;
    }
  }
  /* what the outermost loop's order saves */
  int nsat = first.kind >= 0 ? first.nsat : 0;
  if (ob.n && nsat) {
    if (sel->is_agg && sel->ngroup)
      sel->group_sat = nsat == ob.n;
    else if (mmarg) {
      sel->minmax_stop = 1;
    } else if (ob.distinct)
      sel->distinct_sat = nsat == ob.n;
    else
      sel->order_sat = nsat;
  }
  if (mmarg) leaves[0]->minmax = 1;
  /* an aggregate's ORDER BY that repeats its GROUP BY needs no sort of its own in SQLite's plan */
  if (sel->is_agg && sel->ngroup && sel->norder == sel->ngroup) {
    int same = 1;
    for (int i = 0; i < sel->norder && same; i++)
      same = order_is_group(sel, sel->order[i], sel->group[i]);
    if (same) {
      int asc = 1;
      for (int i = 0; i < sel->norder; i++)
        if (sel->desc[i] || sel->nulls_last[i] == 1) asc = 0;
      if (!sel->group_sat || asc) sel->order_grp = 1;
    }
  }
  *out = src;
  return MICA_OK;
}

/* ------------------------------------------------------------------ virtual tables (vtab.h) */
static const char *expr_type(const PExpr *e);

/* The type of a call's polymorphic columns (declared ANYELEMENT, as PostgreSQL names it) from the
 * arguments bound to its ANYELEMENT hidden columns: the widest of integer < bigint < numeric, else the
 * first type that is not plain text (an untyped literal), else NULL. */
static const char *poly_type(const char *cur, const char *arg) {
  static const char *const rank[] = {"INTEGER", "INT", "INT4", "BIGINT", "INT8", "NUMERIC", "REAL", "DOUBLE"};
  if (!arg || !strcasecmp(arg, "TEXT")) return cur;
  if (!cur) return arg;
  int rc = -1, ra = -1;
  for (int i = 0; i < (int)(sizeof rank / sizeof rank[0]); i++) {
    if (!strcasecmp(cur, rank[i])) rc = i;
    if (!strcasecmp(arg, rank[i])) ra = i;
  }
  return rc >= 0 && ra > rc ? arg : cur;
}

/* The terms "hidden column k = argument k" of a table-valued function it (FROM item i): WHERE terms
 * of an inner join, else part of its ON. */
static int vtab_arg_terms(Compiler *c, Scope *sc, SrcItem *it, int i, PExpr ***terms, int *nterms, int *cap,
                          PExpr **onpred) {
  Scope asc = *sc;
  asc.nalias = 0;
  int h = 0, rc;
  const char *poly = NULL;
  for (int a = 0; a < it->nvargs; a++) {
    while (h < it->ncol && !it->tab->cols[h].hidden)
      h++;
    PExpr *arg = NULL;
    if ((rc = compile_expr(c, &asc, it->vargs[a], &arg))) return rc;
    PExpr *col = pe_new(c, PX_COL), *eq = pe_new(c, PX_BIN);
    if (!col || !eq || h >= it->ncol) return nomem(c);
    col->slot = it->slot;
    col->col = h++;
    col->aff = it->affs[col->col];
    col->coll = it->colls[col->col];
    eq->binop = BO_EQ;
    eq->a = col;
    eq->b = arg;
    eq->coll = binary_coll(col, arg);
    const char *decl = it->tab->cols[col->col].type;
    if (decl && !strcasecmp(decl, "anyelement")) poly = poly_type(poly, expr_type(arg));
    if (i > 0 && it->jointype != XJ_INNER && it->jointype != XJ_CROSS)
      onpred[i] = and_of(c, onpred[i], eq);
    else if ((rc = split_and(c, eq, terms, nterms, cap)))
      return rc;
  }
  for (int k = 0; k < it->ncol; k++)
    if (it->types[k] && !strcasecmp(it->types[k], "anyelement")) it->types[k] = poly;
  return MICA_OK;
}

/* The order in which the FROM items are joined (ord[]): the FROM order, except that an item whose
 * table-valued function arguments read later items moves after them (only among inner joins, as
 * SQLite's planner would order them). */
static int vtab_join_order(Compiler *c, SrcItem *items, int n, PExpr **terms, int nterms, PExpr **onpred,
                           int *ord) {
  uint64_t *need = arena_alloc(&c->p->arena, sizeof(uint64_t) * (size_t)(n + 1));
  if (!need) return nomem(c);
  int moved = 0, outer = 0;
  for (int i = 0; i < n; i++) {
    ord[i] = i;
    if (i > 0 && items[i].jointype != XJ_INNER && items[i].jointype != XJ_CROSS) outer = 1;
    if (!items[i].nvargs) continue;
    /* the argument terms are the "col = arg" terms on this item's hidden columns */
    PExpr **ts = terms;
    int nt = nterms;
    PExpr **ot = NULL;
    int no = 0, co = 0;
    if (onpred[i]) {
      if (split_and(c, onpred[i], &ot, &no, &co)) return nomem(c);
      ts = ot;
      nt = no;
    }
    for (int t = 0; t < nt; t++) {
      PExpr *e = ts[t];
      uint64_t m = 0;
      if (e->op != PX_BIN || e->binop != BO_EQ || e->a->op != PX_COL || e->a->slot != items[i].slot ||
          e->a->col < 0 || !items[i].tab || !items[i].tab->cols[e->a->col].hidden || !expr_slots(e->b, &m))
        continue;
      for (int j = i + 1; j < n; j++)
        if (items[j].slot < 64 && (m >> items[j].slot) & 1) {
          need[i] |= (uint64_t)1 << j;
          moved = 1;
        }
    }
  }
  if (!moved) return MICA_OK;
  if (outer || n > 64) return mica_set_error(c->db, MICA_ERROR, "no query solution");
  uint64_t placed = 0;
  for (int p = 0; p < n; p++) {
    int pick = -1;
    for (int i = 0; i < n && pick < 0; i++)
      if (!((placed >> i) & 1) && (need[i] & ~placed) == 0) pick = i;
    if (pick < 0) return mica_set_error(c->db, MICA_ERROR, "no query solution");
    ord[p] = pick;
    placed |= (uint64_t)1 << pick;
  }
  return MICA_OK;
}

/* The ORDER BY of a SELECT over one virtual table as VtabOrder terms, when every term is a plain
 * column of it (not a result alias, no COLLATE, default NULLS placement) and there is no window
 * function; else 0. */
static int vtab_order_terms(Compiler *c, XSelect *xs, SrcItem *it, VtabOrder **out) {
  if (!xs->norder) return 0;
  for (int i = 0; i < xs->nres; i++)
    if (has_window(c, xs->res[i].expr)) return 0;
  VtabOrder *o = arena_alloc(&c->p->arena, sizeof(VtabOrder) * (size_t)xs->norder);
  if (!o) return 0;
  for (int i = 0; i < xs->norder; i++) {
    XExpr ox;
    xv_expr(xs->order[i].expr, &ox, &c->p->arena);
    if (ox.kind != XK_COLUMN || xs->order[i].nulls || ox.schema || (ox.table && !name_eq(ox.table, it->name)))
      return 0;
    for (int k = 0; k < xs->nres; k++)
      if (xs->res[k].alias && name_eq(xs->res[k].alias, ox.name)) return 0;
    int col = -1;
    for (int k = 0; k < it->ncol && col < 0; k++)
      if (name_eq(it->cols[k], ox.name)) col = k;
    if (col < 0) return 0;
    o[i].column = col;
    o[i].desc = xs->order[i].desc;
  }
  *out = o;
  return xs->norder;
}

/* Plans the scan of virtual table it over its join level's terms: each "col op expr", "expr op col",
 * "col IS [NOT] expr" and "col IS [NOT] NULL" is offered to best_index (usable when expr does not read
 * it), and the terms the table guarantees (omit) are set to NULL in terms[]. */
static int plan_vtab(Compiler *c, SrcItem *it, Op *leaf, PExpr **terms, int nterms, const VtabOrder *order,
                     int norder, int *consumed) {
  VtabTerm *vt = arena_alloc(&c->p->arena, sizeof(VtabTerm) * (size_t)(nterms + 1));
  int *from = arena_alloc(&c->p->arena, sizeof(int) * (size_t)(nterms + 1));
  if (!vt || !from) return nomem(c);
  int nv = 0;
  static const int ops[] = {[BO_EQ] = MICA_INDEX_CONSTRAINT_EQ, [BO_NE] = MICA_INDEX_CONSTRAINT_NE,
                            [BO_LT] = MICA_INDEX_CONSTRAINT_LT, [BO_LE] = MICA_INDEX_CONSTRAINT_LE,
                            [BO_GT] = MICA_INDEX_CONSTRAINT_GT, [BO_GE] = MICA_INDEX_CONSTRAINT_GE};
  for (int i = 0; i < nterms; i++) {
    PExpr *t = terms[i];
    if (!t) continue;
    PExpr *colx = NULL, *val = NULL;
    int op = 0;
    if (t->op == PX_ISNULL && t->a->op == PX_COL && t->a->slot == it->slot) {
      colx = t->a;
      op = t->not ? MICA_INDEX_CONSTRAINT_ISNOTNULL : MICA_INDEX_CONSTRAINT_ISNULL;
    } else if ((t->op == PX_BIN && t->binop >= BO_EQ && t->binop <= BO_GE) || t->op == PX_IS) {
      int flip = !(t->a->op == PX_COL && t->a->slot == it->slot);
      colx = flip ? t->b : t->a;
      val = flip ? t->a : t->b;
      if (colx->op != PX_COL || colx->slot != it->slot) continue;
      int b = t->binop;
      if (flip) b = b == BO_LT ? BO_GT : b == BO_LE ? BO_GE : b == BO_GT ? BO_LT : b == BO_GE ? BO_LE : b;
      op = t->op == PX_IS ? (t->not ? MICA_INDEX_CONSTRAINT_ISNOT : MICA_INDEX_CONSTRAINT_IS) : ops[b];
    } else {
      continue;
    }
    uint64_t mask = 0;
    vt[nv].column = colx->col;
    vt[nv].op = op;
    vt[nv].value = val;
    vt[nv].usable = !val || (expr_slots(val, &mask) && !(it->slot < 64 && (mask >> it->slot) & 1));
    from[nv++] = i;
  }
  int rc = vtab_plan(c->db, &c->p->arena, leaf, vt, nv, order, norder, ~(uint64_t)0, consumed);
  for (int k = 0; rc == MICA_OK && k < nv; k++)
    if (vt[k].omit) terms[from[k]] = NULL;
  return rc;
}

/* PostgreSQL's internal name of a type as written ("bigint" -> "int8"), which it uses to name a
 * result column that is a bare cast. */
static const char *pg_type_colname(Compiler *c, const char *t) {
  static const struct {
    const char *in, *out;
  } map[] = {{"integer", "int4"},
             {"int", "int4"},
             {"smallint", "int2"},
             {"bigint", "int8"},
             {"real", "float4"},
             {"double precision", "float8"},
             {"float", "float8"},
             {"decimal", "numeric"},
             {"boolean", "bool"},
             {"character varying", "varchar"},
             {"character", "bpchar"},
             {"char", "bpchar"},
             {"timestamp with time zone", "timestamptz"},
             {"timestamp without time zone", "timestamp"},
             {"time without time zone", "time"},
             {"time with time zone", "timetz"}};
  char buf[64];
  size_t n = 0;
  for (const char *p = t ? t : ""; *p && *p != '(' && *p != '[' && n < sizeof buf - 1; p++)
    buf[n++] = (char)tolower((unsigned char)*p);
  while (n && buf[n - 1] == ' ')
    n--;
  buf[n] = 0;
  for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
    if (!strcmp(buf, map[i].in)) return map[i].out;
  return arena_strdup(&c->p->arena, buf);
}

/* The name PostgreSQL gives an unaliased result column that is not a column reference: a function's
 * name, a bare cast's argument name or else its type, "case", "exists", else "?column?". */
static const char *pg_expr_colname(Compiler *c, const XExpr *x, int depth) {
  switch (x->kind) {
  case XK_FUNC: {
    /* the calls the parser makes of ARRAY[...], a[i] and ANY/ALL */
    if (x->name && !strcmp(x->name, "pg_array")) return "array";
    if (x->name && (!strcmp(x->name, "pg_any") || !strcmp(x->name, "pg_all"))) return "?column?";
    if (x->name && !strcmp(x->name, "pg_subscript") && x->nlist > 0 && depth < 32) {
      XExpr a;
      xv_expr(x->list[0], &a, &c->p->arena);
      return a.kind == XK_COLUMN ? a.name : pg_expr_colname(c, &a, depth + 1);
    }
    char *z = arena_strdup(&c->p->arena, x->name ? x->name : "?column?");
    for (char *p = z; p && *p; p++)
      *p = (char)tolower((unsigned char)*p);
    return z ? z : "?column?";
  }
  case XK_CAST: {
    XExpr a;
    if (depth < 32 && x->a) {
      xv_expr(x->a, &a, &c->p->arena);
      if (a.kind == XK_COLUMN) return a.name;
      if (a.kind == XK_FUNC || a.kind == XK_CAST || a.kind == XK_CASE)
        return pg_expr_colname(c, &a, depth + 1);
    }
    return x->name ? pg_type_colname(c, x->name) : "?column?";
  }
  case XK_CASE: return "case";
  case XK_EXISTS: return "exists";
  default: return "?column?";
  }
}

static const char *expr_name(Compiler *c, const XResCol *r, const XExpr *x, int top, SrcItem *items,
                             int nitems, const PExpr *pe) {
  if (r->alias) return r->alias;
  if (x && x->kind != XK_COLUMN && c->db->dialect == MICA_DIALECT_POSTGRES) return pg_expr_colname(c, x, 0);
  if (x && x->kind == XK_COLUMN) {
    if (top && pe && pe->op == PX_COL) {
      for (int i = 0; i < nitems; i++)
        if (items[i].slot == pe->slot && pe->col >= 0 && pe->col < items[i].ncol)
          return items[i].cols[pe->col];
      for (int i = 0; i < nitems; i++)
        if (items[i].slot == pe->slot && pe->col == -1 && items[i].tab && items[i].tab->ipk >= 0)
          return items[i].tab->cols[items[i].tab->ipk].name;
    }
    return x->name;
  }
  char *z = span_text(c, r->off, r->end);
  if (z) return z;
  return "?";
}

static int compile_simple_select(Compiler *c, XSelect *xs, Scope *outer, SelectPlan *sel, int top) {
  int rc;
  Arena *A = &c->p->arena;
  /* FROM, plus in the PostgreSQL dialect a scan of the select list's set-returning function */
  int n = xs->nfrom;
  XFrom *from = xs->from;
  ANode *srf = NULL;
  if (c->db->dialect == MICA_DIALECT_POSTGRES) {
    int nsrf = 0;
    for (int i = 0; i < xs->nres; i++)
      if ((rc = find_srf(c, xs->res[i].expr, &srf, &nsrf))) return rc;
    if (nsrf > 1)
      return mica_set_error(c->db, MICA_ERROR, "more than one set-returning function in a select list");
    if (srf) {
      XExpr fx;
      xv_expr(srf, &fx, A);
      if (!(from = arena_alloc(A, sizeof(XFrom) * (size_t)(n + 1)))) return nomem(c);
      if (n) memcpy(from, xs->from, sizeof(XFrom) * (size_t)n);
      from[n].name = fx.name;
      from[n].is_func = 1;
      from[n].nargs = fx.nlist;
      from[n].args = fx.list;
      from[n].jointype = XJ_INNER;
      n++;
    }
  }
  SrcItem *items = arena_alloc(A, sizeof(SrcItem) * (size_t)(n + 1));
  Op **leaves = arena_alloc(A, sizeof(Op *) * (size_t)(n + 1));
  if (!items || !leaves) return nomem(c);
  for (int i = 0; i < n; i++) {
    rc = compile_from_item(c, &from[i], &items[i], &leaves[i]);
    if (rc == MICA_OK) rc = apply_col_aliases(c, &from[i], &items[i]);
    if (rc) return rc;
    items[i].jointype = from[i].jointype;
  }
  /* WHERE terms may not move below a RIGHT/FULL join (they must see its NULL-extended rows) */
  int last_rf = 0;
  for (int i = 1; i < n; i++)
    if (items[i].jointype == XJ_RIGHT || items[i].jointype == XJ_FULL) last_rf = i;
  Scope sc = {.items = items,
              .nitems = n,
              .outer = outer,
              .correlated = outer ? outer->correlated : NULL,
              .sel = sel,
              .srf_node = srf,
              .srf_item = srf ? &items[n - 1] : NULL};
  /* duplicate table names in FROM without aliases are ambiguous only when referenced; fine */
  /* result aliases usable by WHERE / GROUP BY / ORDER BY */
  sc.alias_names = arena_alloc(A, sizeof(char *) * (size_t)(xs->nres + 1));
  sc.alias_exprs = arena_alloc(A, sizeof(ANode *) * (size_t)(xs->nres + 1));
  if (!sc.alias_names || !sc.alias_exprs) return nomem(c);
  for (int i = 0; i < xs->nres; i++)
    if (xs->res[i].alias && xs->res[i].expr) {
      sc.alias_names[sc.nalias] = xs->res[i].alias;
      sc.alias_exprs[sc.nalias++] = xs->res[i].expr;
    }
  /* join conditions: USING / NATURAL / ON */
  PExpr **terms = NULL;
  int nterms = 0, capterms = 0;
  PExpr **onpred = arena_alloc(A, sizeof(PExpr *) * (size_t)(n + 1));
  if (!onpred) return nomem(c);
  for (int i = 1; i < n; i++) {
    const XFrom *f = &from[i];
    SrcItem *it = &items[i];
    it->merged = arena_alloc(A, (size_t)it->ncol + 1);
    if (!it->merged) return nomem(c);
    int nus = f->nusing;
    const char **us = f->using_cols;
    if (f->natural) {
      us = arena_alloc(A, sizeof(char *) * (size_t)(it->ncol + 1));
      if (!us) return nomem(c);
      nus = 0;
      for (int k = 0; k < it->ncol; k++)
        for (int j = 0; j < i; j++) {
          int found = 0;
          for (int m = 0; m < items[j].ncol; m++)
            if (name_eq(items[j].cols[m], it->cols[k]) && !(items[j].merged && items[j].merged[m])) found = 1;
          if (found) {
            us[nus++] = it->cols[k];
            break;
          }
        }
    }
    PExpr *pred = NULL;
    for (int u = 0; u < nus; u++) {
      int rk = -1;
      for (int k = 0; k < it->ncol; k++)
        if (name_eq(it->cols[k], us[u])) {
          rk = k;
          break;
        }
      int lj = -1, lk = -1;
      for (int j = 0; j < i && lj < 0; j++)
        for (int m = 0; m < items[j].ncol; m++)
          if (name_eq(items[j].cols[m], us[u]) && !(items[j].merged && items[j].merged[m])) {
            lj = j;
            lk = m;
            break;
          }
      if (rk < 0 || lj < 0)
        return mica_set_error(c->db, MICA_ERROR,
                              "cannot join using column %s - column not present in both tables", us[u]);
      it->merged[rk] = 1;
      PExpr *l = pe_new(c, PX_COL), *r = pe_new(c, PX_COL), *eq = pe_new(c, PX_BIN);
      if (!l || !r || !eq) return nomem(c);
      note_col_use(c, items[lj].slot, lk);
      note_col_use(c, it->slot, rk);
      l->slot = items[lj].slot;
      l->col = items[lj].tab && items[lj].tab->ipk == lk ? -1 : lk;
      l->aff = items[lj].affs[lk];
      l->coll = items[lj].colls[lk];
      r->slot = it->slot;
      r->col = it->tab && it->tab->ipk == rk ? -1 : rk;
      r->aff = it->affs[rk];
      r->coll = it->colls[rk];
      eq->binop = BO_EQ;
      eq->a = l;
      eq->b = r;
      eq->coll = binary_coll(l, r);
      pred = and_of(c, pred, eq);
    }
    if (f->on) {
      PExpr *on;
      /* ON sees the items up to this one */
      Scope onsc = sc;
      onsc.nitems = i + 1;
      onsc.nalias = 0;
      rc = compile_expr(c, &onsc, f->on, &on);
      if (rc) return rc;
      pred = and_of(c, pred, on);
    }
    if (it->jointype == XJ_LEFT || it->jointype == XJ_RIGHT || it->jointype == XJ_FULL)
      onpred[i] = pred;
    else if ((rc = split_and(c, pred, &terms, &nterms, &capterms)))
      return rc;
  }
  /* table-valued function arguments: "hidden column k = argument k", a join term (part of the ON of an
   * outer join); an argument may read any FROM item (vtab_join_order puts the items it reads first) */
  for (int i = 0; i < n; i++)
    if (items[i].nvargs && (rc = vtab_arg_terms(c, &sc, &items[i], i, &terms, &nterms, &capterms, onpred)))
      return rc;
  /* aggregate query? */
  int is_agg = xs->ngroup > 0 || has_agg(c, xs->having);
  for (int i = 0; i < xs->nres && !is_agg; i++)
    is_agg = has_agg(c, xs->res[i].expr);
  for (int i = 0; i < xs->norder && !is_agg; i++)
    is_agg = has_agg(c, xs->order[i].expr);
  if (xs->having && !is_agg)
    return mica_set_error(c->db, MICA_ERROR, "a GROUP BY clause is required before HAVING");
  /* WHERE */
  if (xs->where) {
    PExpr *w;
    sc.agg_mode = 0;
    sc.sel = NULL;
    rc = compile_expr(c, &sc, xs->where, &w);
    sc.sel = sel;
    if (rc) return rc;
    if ((rc = split_and(c, w, &terms, &nterms, &capterms))) return rc;
  }
  /* a lone virtual table may return the rows in ORDER BY order (plan_vtab, in plan_from) */
  int vorder_consumed = 0;
  VtabOrder *vorder = NULL;
  int nvorder = n == 1 && leaves[0]->kind == OP_VTAB && !is_agg && !xs->distinct
                    ? vtab_order_terms(c, xs, &items[0], &vorder)
                    : 0;
  sel->is_agg = is_agg;
  int is_win = 0;
  for (int i = 0; i < xs->nres && !is_win; i++)
    is_win = has_window(c, xs->res[i].expr);
  for (int i = 0; i < xs->norder && !is_win; i++)
    is_win = has_window(c, xs->order[i].expr);
  if (is_win && is_agg)
    return mica_set_error(c->db, MICA_ERROR, "window functions in aggregate queries are not supported yet");
  if (is_agg || is_win) {
    sel->agg_slot = new_slot(c, 0);
    if (sel->agg_slot < 0) return nomem(c);
  }
  sc.win_ok = is_win;
  /* GROUP BY (over the FROM rows; an integer K means result column K) */
  if (xs->ngroup) {
    sel->ngroup = xs->ngroup;
    sel->group = arena_alloc(A, sizeof(PExpr *) * (size_t)xs->ngroup);
    if (!sel->group) return nomem(c);
    for (int i = 0; i < xs->ngroup; i++) {
      XExpr gx;
      xv_expr(xs->group[i], &gx, A);
      ANode *g = xs->group[i];
      if (gx.kind == XK_INT) {
        int64_t k = gx.lit.u.i;
        if (k < 1 || k > xs->nres || !xs->res[k - 1].expr) {
          char buf[100];
          snprintf(buf, sizeof buf, "%d%s GROUP BY term out of range - should be between 1 and %d", i + 1,
                   i == 0   ? "st"
                   : i == 1 ? "nd"
                   : i == 2 ? "rd"
                            : "th",
                   xs->nres);
          return mica_set_error(c->db, MICA_ERROR, "%s", buf);
        }
        g = xs->res[k - 1].expr;
      }
      sc.agg_mode = 0;
      PExpr *saved_sel_marker = NULL;
      (void)saved_sel_marker;
      SelectPlan *save = sc.sel;
      sc.sel = NULL;
      rc = compile_expr(c, &sc, g, &sel->group[i]);
      sc.sel = save;
      if (rc) return rc;
      if (has_agg(c, g))
        return mica_set_error(c->db, MICA_ERROR,
                              "aggregate functions are not allowed in the GROUP BY clause");
    }
  }
  sc.agg_mode = is_agg || is_win ? 1 : 0;
  /* result columns, with * expansion */
  int cap = xs->nres + 8, nres = 0;
  PExpr **res = arena_alloc(A, sizeof(PExpr *) * (size_t)cap);
  const char **names = arena_alloc(A, sizeof(char *) * (size_t)cap);
  const char **types = arena_alloc(A, sizeof(char *) * (size_t)cap);
  const char **tabs = arena_alloc(A, sizeof(char *) * (size_t)cap);
  const char **origs = arena_alloc(A, sizeof(char *) * (size_t)cap);
  if (!res || !names || !types || !tabs || !origs) return nomem(c);
#define GROW_RES()                                                                                           \
  do {                                                                                                       \
    if (nres == cap) {                                                                                       \
      int nc = cap * 2;                                                                                      \
      PExpr **r2 = arena_alloc(A, sizeof(PExpr *) * (size_t)nc);                                             \
      const char **n2 = arena_alloc(A, sizeof(char *) * (size_t)nc);                                         \
      const char **t2 = arena_alloc(A, sizeof(char *) * (size_t)nc);                                         \
      const char **b2 = arena_alloc(A, sizeof(char *) * (size_t)nc);                                         \
      const char **o2 = arena_alloc(A, sizeof(char *) * (size_t)nc);                                         \
      if (!r2 || !n2 || !t2 || !b2 || !o2) return nomem(c);                                                  \
      memcpy(r2, res, sizeof(PExpr *) * (size_t)nres);                                                       \
      memcpy(n2, names, sizeof(char *) * (size_t)nres);                                                      \
      memcpy(t2, types, sizeof(char *) * (size_t)nres);                                                      \
      memcpy(b2, tabs, sizeof(char *) * (size_t)nres);                                                       \
      memcpy(o2, origs, sizeof(char *) * (size_t)nres);                                                      \
      res = r2;                                                                                              \
      names = n2;                                                                                            \
      types = t2;                                                                                            \
      tabs = b2;                                                                                             \
      origs = o2;                                                                                            \
      cap = nc;                                                                                              \
    }                                                                                                        \
  } while (0)
  for (int i = 0; i < xs->nres; i++) {
    XResCol *r = &xs->res[i];
    if (r->star) {
      int any = 0;
      for (int j = 0; j < n; j++) {
        SrcItem *it = &items[j];
        if (r->star_table && !name_eq(r->star_table, it->name)) continue;
        any = 1;
        for (int k = 0; k < it->ncol; k++) {
          if (!r->star_table && it->merged && it->merged[k]) continue;
          if (it->tab && it->tab->cols[k].hidden) continue;
          GROW_RES();
          rc = make_colref(c, &sc, &sc, 0, it, k, &res[nres]);
          if (rc) return rc;
          names[nres] = it->cols[k];
          types[nres] = it->types ? it->types[k] : NULL;
          tabs[nres] = it->tab ? it->tab->name : NULL;
          origs[nres] = it->tab ? it->tab->cols[k].name : NULL;
          nres++;
        }
      }
      if (!any) {
        if (r->star_table) return mica_set_error(c->db, MICA_ERROR, "no such table: %s", r->star_table);
        return mica_set_error(c->db, MICA_ERROR, "no tables specified");
      }
      continue;
    }
    GROW_RES();
    rc = compile_expr(c, &sc, r->expr, &res[nres]);
    if (rc) return rc;
    XExpr x;
    xv_expr(r->expr, &x, A);
    names[nres] = expr_name(c, r, &x, top, items, n, res[nres]);
    types[nres] = NULL;
    tabs[nres] = origs[nres] = NULL;
    if (x.kind == XK_COLUMN) {
      /* declared type of a direct column reference */
      for (int j = 0; j < n; j++) {
        SrcItem *it = &items[j];
        if (x.table && !name_eq(x.table, it->name)) continue;
        for (int k = 0; k < it->ncol; k++)
          if (name_eq(it->cols[k], x.name)) {
            types[nres] = it->types ? it->types[k] : NULL;
            tabs[nres] = it->tab ? it->tab->name : NULL;
            origs[nres] = it->tab ? it->tab->cols[k].name : NULL;
            j = n;
            break;
          }
      }
    }
    nres++;
  }
#undef GROW_RES
  sel->nres = nres;
  sel->res = res;
  sel->res_names = names;
  sel->res_types = types;
  sel->res_table = tabs;
  sel->res_origin = origs;
  sel->res_coll = arena_alloc(A, sizeof(RecColl *) * (size_t)(nres + 1));
  if (!sel->res_coll) return nomem(c);
  for (int i = 0; i < nres; i++)
    sel->res_coll[i] = res[i]->coll;
  /* HAVING */
  if (xs->having && (rc = compile_expr(c, &sc, xs->having, &sel->having))) return rc;
  /* ORDER BY */
  if (xs->norder) {
    sel->norder = xs->norder;
    sel->order = arena_alloc(A, sizeof(PExpr *) * (size_t)xs->norder);
    sel->desc = arena_alloc(A, (size_t)xs->norder);
    sel->nulls_last = arena_alloc(A, (size_t)xs->norder);
    sel->order_coll = arena_alloc(A, sizeof(RecColl *) * (size_t)xs->norder);
    if (!sel->order || !sel->desc || !sel->nulls_last || !sel->order_coll) return nomem(c);
    for (int i = 0; i < xs->norder; i++) {
      XExpr ox;
      xv_expr(xs->order[i].expr, &ox, A);
      sel->desc[i] = (uint8_t)xs->order[i].desc;
      sel->nulls_last[i] = (uint8_t)xs->order[i].nulls;
      PExpr *oe = NULL;
      ANode *inner = xs->order[i].expr;
      const RecColl *explicit_coll = NULL;
      int has_coll = 0;
      if (ox.kind == XK_COLLATE) {
        explicit_coll = find_coll(c, ox.name, &rc);
        if (rc) return rc;
        has_coll = 1;
        inner = ox.a;
        xv_expr(inner, &ox, A);
      }
      if (ox.kind == XK_INT) {
        int64_t k = ox.lit.u.i;
        if (k < 1 || k > nres) {
          char buf[100];
          snprintf(buf, sizeof buf, "%d%s ORDER BY term out of range - should be between 1 and %d", i + 1,
                   i == 0   ? "st"
                   : i == 1 ? "nd"
                   : i == 2 ? "rd"
                            : "th",
                   nres);
          return mica_set_error(c->db, MICA_ERROR, "%s", buf);
        }
        oe = res[k - 1];
      } else if (ox.kind == XK_COLUMN && !ox.table) {
        for (int k = 0; k < xs->nres; k++)
          if (xs->res[k].alias && name_eq(xs->res[k].alias, ox.name)) {
            /* the k-th result column is at the same index only without * before it */
            for (int m = 0; m < nres; m++)
              if (names[m] == xs->res[k].alias) {
                oe = res[m];
                break;
              }
            break;
          }
      }
      if (!oe) {
        Scope osc = sc;
        osc.nalias = 0;
        rc = compile_expr(c, &osc, inner, &oe);
        if (rc) return rc;
      }
      sel->order[i] = oe;
      sel->order_coll[i] = has_coll ? explicit_coll : oe->coll;
    }
  }
  sel->distinct = xs->distinct;
  /* the join: loop order and access paths, now that every column use is known */
  int64_t limit = -1;
  if (xs->limit) {
    XExpr lx;
    xv_expr(xs->limit, &lx, A);
    if (lx.kind == XK_INT) limit = lx.lit.u.i;
  }
  if ((rc = plan_from(c, sel, items, leaves, n, terms, nterms, onpred, last_rf, limit, vorder, nvorder,
                      &vorder_consumed, &sel->src)))
    return rc;
  if (vorder_consumed) sel->norder = 0; /* the virtual table returns the rows in ORDER BY order */
  /* size the aggregate slot now that captures and aggregates are known */
  if (is_agg || is_win) {
    Slot *as = &c->p->slots[sel->agg_slot];
    int ncol = sel->ncapture + sel->nagg + sel->nwin;
    as->ncol = ncol;
    as->cols = arena_alloc(A, sizeof(Value) * (size_t)(ncol + 1));
    if (!as->cols) return nomem(c);
    for (int i = 0; i < ncol; i++)
      value_init(&as->cols[i]);
    as->decoded = 1;
    for (int i = 0; i < sel->nagg; i++)
      if (!sel->aggs[i].func) return mica_set_error(c->db, MICA_ERROR, "no such function");
  }
  return MICA_OK;
}

static int compile_limit(Compiler *c, XSelect *xs, SelectPlan *sel) {
  Scope empty = {0};
  int rc = MICA_OK;
  if (xs->limit) rc = compile_expr(c, &empty, xs->limit, &sel->limit);
  if (rc == MICA_OK && xs->offset) rc = compile_expr(c, &empty, xs->offset, &sel->offset);
  if (rc == MICA_OK) {
    note_param_type(c, sel->limit, "BIGINT");
    note_param_type(c, sel->offset, "BIGINT");
  }
  return rc;
}

/* VALUES (...), (...) as a chain of UNION ALL single-row selects. */
static int compile_values(Compiler *c, XSelect *xs, Scope *outer, SelectPlan **out) {
  Arena *A = &c->p->arena;
  SelectPlan *acc = NULL;
  int ncol = xs->nvalues ? xs->values_n[0] : 0;
  const char **names = arena_alloc(A, sizeof(char *) * (size_t)(ncol + 1));
  if (!names) return nomem(c);
  for (int i = 0; i < ncol; i++) {
    char buf[32];
    snprintf(buf, sizeof buf, "column%d", i + 1);
    names[i] = arena_strdup(A, buf);
  }
  for (int r = 0; r < xs->nvalues; r++) {
    if (xs->values_n[r] != ncol)
      return mica_set_error(c->db, MICA_ERROR, "all VALUES must have the same number of terms");
    SelectPlan *one = arena_alloc(A, sizeof(SelectPlan));
    if (!one) return nomem(c);
    one->src = op_new(c, OP_SINGLE);
    if (!one->src) return nomem(c);
    Scope sc = {.outer = outer, .correlated = outer ? outer->correlated : NULL};
    int rc = compile_list(c, &sc, ncol, xs->values[r], &one->res);
    if (rc) return rc;
    one->nres = ncol;
    one->res_names = names;
    one->res_coll = arena_alloc(A, sizeof(RecColl *) * (size_t)(ncol + 1));
    if (!one->res_coll) return nomem(c);
    if (!acc)
      acc = one;
    else {
      SelectPlan *cmp = arena_alloc(A, sizeof(SelectPlan));
      if (!cmp) return nomem(c);
      cmp->cmp_op = CMP_UNION_ALL;
      cmp->left = acc;
      cmp->right = one;
      cmp->nres = ncol;
      cmp->res = acc->res;
      cmp->res_names = names;
      cmp->res_coll = one->res_coll;
      acc = cmp;
    }
  }
  *out = acc;
  return MICA_OK;
}

static int compile_select_x(Compiler *c, XSelect *xsp, Scope *outer, SelectPlan **out, int top);

static int compile_select(Compiler *c, ANode *s, Scope *outer, SelectPlan **out, int top) {
  XSelect xs;
  int rc = xv_select(s, &xs, &c->p->arena);
  if (rc) return mica_set_error(c->db, rc, "unsupported SELECT form");
  return compile_select_x(c, &xs, outer, out, top);
}

static int compound_order(Compiler *c, XSelect *xsp, SelectPlan *sel) {
  XSelect xs = *xsp;
  Arena *A = &c->p->arena;
  int rc = MICA_OK;
  if (xs.norder) {
    sel->norder = xs.norder;
    sel->order_col = arena_alloc(A, sizeof(int) * (size_t)xs.norder);
    sel->desc = arena_alloc(A, (size_t)xs.norder);
    sel->nulls_last = arena_alloc(A, (size_t)xs.norder);
    sel->order_coll = arena_alloc(A, sizeof(RecColl *) * (size_t)xs.norder);
    if (!sel->order_col || !sel->desc || !sel->nulls_last || !sel->order_coll) rc = nomem(c);
    for (int i = 0; rc == MICA_OK && i < xs.norder; i++) {
      XExpr ox;
      xv_expr(xs.order[i].expr, &ox, A);
      const RecColl *coll = NULL;
      int has_coll = 0;
      if (ox.kind == XK_COLLATE) {
        coll = find_coll(c, ox.name, &rc);
        has_coll = 1;
        xv_expr(ox.a, &ox, A);
      }
      int k = -1;
      if (ox.kind == XK_INT) {
        k = (int)ox.lit.u.i - 1;
        if (k < 0 || k >= sel->nres) {
          char buf[100];
          snprintf(buf, sizeof buf, "%d%s ORDER BY term out of range - should be between 1 and %d", i + 1,
                   i == 0   ? "st"
                   : i == 1 ? "nd"
                   : i == 2 ? "rd"
                            : "th",
                   sel->nres);
          rc = mica_set_error(c->db, MICA_ERROR, "%s", buf);
          break;
        }
      } else if (ox.kind == XK_COLUMN) {
        for (int m = 0; m < sel->nres; m++)
          if (sel->res_names[m] && name_eq(sel->res_names[m], ox.name)) {
            k = m;
            break;
          }
      }
      if (k < 0) {
        char buf[100];
        snprintf(buf, sizeof buf, "%d%s ORDER BY term does not match any column in the result set", i + 1,
                 i == 0   ? "st"
                 : i == 1 ? "nd"
                 : i == 2 ? "rd"
                          : "th");
        rc = mica_set_error(c->db, MICA_ERROR, "%s", buf);
        break;
      }
      sel->order_col[i] = k;
      sel->desc[i] = (uint8_t)xs.order[i].desc;
      sel->nulls_last[i] = (uint8_t)xs.order[i].nulls;
      sel->order_coll[i] = has_coll ? coll : sel->res_coll[k];
    }
  }
  return rc;
}

static int compile_select_x(Compiler *c, XSelect *xsp, Scope *outer, SelectPlan **out, int top) {
  XSelect xs = *xsp;
  Arena *A = &c->p->arena;
  int rc;
  if (++c->depth > 200) {
    c->depth--;
    return mica_set_error(c->db, MICA_ERROR, "too many levels of nesting");
  }
  CteDef *saved_ctes = c->ctes;
  for (int i = 0; i < xs.ncte; i++) {
    CteDef *d = arena_alloc(A, sizeof(CteDef));
    if (!d) {
      c->depth--;
      return nomem(c);
    }
    d->name = xs.ctes[i].name;
    d->ncols = xs.ctes[i].ncols;
    d->cols = xs.ctes[i].cols;
    d->sel = xs.ctes[i].sel;
    d->next = c->ctes;
    c->ctes = d;
  }
  SelectPlan *sel = NULL;
  if (xs.cmp_op) {
    SelectPlan *l, *r;
    rc = compile_select(c, xs.left, outer, &l, top);
    if (rc == MICA_OK) rc = compile_select(c, xs.right, outer, &r, 0);
    if (rc == MICA_OK && l->nres != r->nres) {
      const char *opn = xs.cmp_op == CMP_UNION_ALL   ? "UNION ALL"
                        : xs.cmp_op == CMP_UNION     ? "UNION"
                        : xs.cmp_op == CMP_INTERSECT ? "INTERSECT"
                                                     : "EXCEPT";
      rc = mica_set_error(c->db, MICA_ERROR,
                          "SELECTs to the left and right of %s do not have the same number of result columns",
                          opn);
    }
    if (rc == MICA_OK) {
      sel = arena_alloc(A, sizeof(SelectPlan));
      if (!sel) rc = nomem(c);
    }
    if (rc == MICA_OK) {
      sel->cmp_op = xs.cmp_op;
      sel->left = l;
      sel->right = r;
      sel->nres = l->nres;
      sel->res = l->res;
      sel->res_names = l->res_names;
      sel->res_types = l->res_types;
      sel->res_table = l->res_table;
      sel->res_origin = l->res_origin;
      sel->res_coll = l->res_coll;
      rc = compound_order(c, &xs, sel);
      if (rc == MICA_OK) rc = compile_limit(c, &xs, sel);
    }
  } else if (xs.nvalues) {
    rc = compile_values(c, &xs, outer, &sel);
    if (rc == MICA_OK && xs.norder && sel->cmp_op) rc = compound_order(c, &xs, sel);
    if (rc == MICA_OK && (xs.limit || xs.offset)) rc = compile_limit(c, &xs, sel);
  } else {
    sel = arena_alloc(A, sizeof(SelectPlan));
    if (!sel)
      rc = nomem(c);
    else {
      rc = compile_simple_select(c, &xs, outer, sel, top);
      if (rc == MICA_OK) rc = compile_limit(c, &xs, sel);
    }
  }
  c->ctes = saved_ctes;
  c->depth--;
  if (rc) return rc;
  *out = sel;
  return MICA_OK;
}

/* ------------------------------------------------------------------ table definitions from CREATE TABLE */
/* The column a lone ascending PRIMARY KEY on a column of declared type INTEGER names, or -1: the
 * rowid alias (INTEGER PRIMARY KEY) of a table with a rowid. */
static int ipk_candidate(const XStmt *xs) {
  int pkcol = -1, npk = 0;
  for (int i = 0; i < xs->ncoldef; i++)
    if (xs->coldefs[i].pk) {
      npk++;
      pkcol = xs->coldefs[i].pk_desc ? -2 : i;
    }
  for (int i = 0; i < xs->ntcons; i++)
    if (xs->tcons[i].kind == 1) {
      npk += xs->tcons[i].ncol;
      if (xs->tcons[i].ncol == 1)
        for (int k = 0; k < xs->ncoldef; k++)
          if (name_eq(xs->coldefs[k].name, xs->tcons[i].cols[0])) pkcol = k;
    }
  if (npk != 1 || pkcol < 0) return -1;
  const char *ty = xs->coldefs[pkcol].type;
  if (!ty || strcasecmp(ty, "INTEGER") != 0) return -1;
  return pkcol;
}

/* Which column is the INTEGER PRIMARY KEY (rowid alias), or -1. */
static int find_ipk(const XStmt *xs) { return xs->without_rowid ? -1 : ipk_candidate(xs); }

/* The uniqueness constraints that need an index, in SQLite's order (the n-th is
 * sqlite_autoindex_<table>_<n>). colls are the effective collation names (NULL: BINARY). */
typedef struct UqSpec {
  int ncol;
  int cols[64];
  const char *colls[64];
  uint8_t desc[64];
  int is_pk;
  int onconf;
} UqSpec;

static int coll_name_eq(const char *a, const char *b) {
  return !strcasecmp(a ? a : "BINARY", b ? b : "BINARY");
}

/* Adds u to out[0..*n) unless an earlier constraint has the same columns with the same collations
 * (in the same order): then that one serves both, becoming the PRIMARY KEY if u is, as SQLite does. */
static void add_spec(UqSpec *out, int *n, int max, const UqSpec *u) {
  for (int j = 0; j < *n; j++) {
    UqSpec *o = &out[j];
    if (o->ncol != u->ncol) continue;
    int k = 0;
    while (k < u->ncol && o->cols[k] == u->cols[k] && coll_name_eq(o->colls[k], u->colls[k]))
      k++;
    if (k < u->ncol) continue;
    if (u->is_pk) o->is_pk = 1;
    if (!o->onconf) o->onconf = u->onconf;
    return;
  }
  if (*n < max) out[(*n)++] = *u;
}

static int unique_specs(const XStmt *xs, UqSpec *out, int max) {
  int n = 0, cand = ipk_candidate(xs), cand_conf = 0;
  UqSpec u;
  for (int i = 0; i < xs->ncoldef; i++) {
    const XColDef *d = &xs->coldefs[i];
    memset(&u, 0, sizeof u);
    u.ncol = 1;
    u.cols[0] = i;
    u.colls[0] = d->collate;
    if (d->pk && i == cand) cand_conf = d->pk_conflict;
    if (d->pk && i != cand) {
      u.is_pk = 1;
      u.desc[0] = (uint8_t)d->pk_desc;
      u.onconf = d->pk_conflict;
      add_spec(out, &n, max, &u);
    }
    if (d->unique) {
      u.is_pk = 0;
      u.desc[0] = 0;
      u.onconf = d->unique_conflict;
      add_spec(out, &n, max, &u);
    }
  }
  for (int i = 0; i < xs->ntcons; i++) {
    const XTabCons *t = &xs->tcons[i];
    if (t->kind != 1 && t->kind != 2) continue;
    if (t->kind == 1 && cand >= 0) {
      cand_conf = t->conflict;
      continue;
    }
    memset(&u, 0, sizeof u);
    u.is_pk = t->kind == 1;
    u.onconf = t->conflict;
    int ok = 1;
    for (int k = 0; k < t->ncol && k < 64; k++) {
      int col = -1;
      for (int m = 0; m < xs->ncoldef; m++)
        if (name_eq(xs->coldefs[m].name, t->cols[k])) col = m;
      if (col < 0) {
        ok = 0;
        break;
      }
      u.cols[u.ncol] = col;
      u.colls[u.ncol] = t->colls && t->colls[k] ? t->colls[k] : xs->coldefs[col].collate;
      u.desc[u.ncol] = t->desc ? t->desc[k] : 0;
      u.ncol++;
    }
    if (ok) add_spec(out, &n, max, &u);
  }
  if (xs->without_rowid && cand >= 0) {
    /* a WITHOUT ROWID table's INTEGER PRIMARY KEY gets its index last */
    memset(&u, 0, sizeof u);
    u.ncol = 1;
    u.cols[0] = cand;
    u.colls[0] = xs->coldefs[cand].collate;
    u.is_pk = 1;
    u.onconf = cand_conf;
    add_spec(out, &n, max, &u);
  }
  return n;
}

/* Allocates the per-field arrays of an index of ncol key columns on t, with room for the fields that
 * identify the row. */
static int index_alloc(Index *ix, const Table *t, int ncol) {
  size_t n = (size_t)ncol + (size_t)(t->pk ? t->pk->nfull : 1) + 1;
  ix->ncol = ncol;
  ix->nfull = ncol; /* until index_finish: what index_free frees */
  ix->cols = calloc(n, sizeof(int));
  ix->exprs = calloc(n, sizeof(void *));
  ix->desc = calloc(n, 1);
  ix->colls = calloc(n, sizeof(RecColl));
  ix->coll_names = calloc(n, sizeof(char *));
  if (!ix->cols || !ix->exprs || !ix->desc || !ix->colls || !ix->coll_names) return MICA_NOMEM;
  return MICA_OK;
}

/* Appends to ix (its key columns set) the fields that identify a row of t: the rowid, or the PRIMARY
 * KEY columns not among the key columns with the same collation (schema.h). Their order is the PK's
 * DESC flags, except in UNIQUE autoindexes, which SQLite builds ascending (pk_asc). */
static int index_finish(Table *t, Index *ix, int pk_asc) {
  int n = ix->ncol;
  Index *pk = t->pk;
  if (!pk) {
    ix->cols[n++] = -1;
  } else {
    ix->pkpos = calloc((size_t)pk->ncol + 1, sizeof(int));
    if (!ix->pkpos) return MICA_NOMEM;
    for (int j = 0; j < pk->ncol; j++) {
      int at = -1;
      for (int i = 0; i < ix->ncol && at < 0; i++)
        if (ix->cols[i] == pk->cols[j] && coll_name_eq(ix->coll_names[i], pk->coll_names[j])) at = i;
      if (at < 0) {
        at = n++;
        ix->cols[at] = pk->cols[j];
        ix->desc[at] = pk_asc ? 0 : pk->desc[j];
        ix->colls[at] = pk->colls[j];
        ix->coll_names[at] = pk->coll_names[j] ? strdup(pk->coll_names[j]) : NULL;
        if (pk->coll_names[j] && !ix->coll_names[at]) return MICA_NOMEM;
      }
      ix->pkpos[j] = at;
    }
  }
  ix->nfull = n;
  ix->keyinfo.nfield = n;
  ix->keyinfo.coll = ix->colls;
  ix->keyinfo.desc = ix->desc;
  return MICA_OK;
}

/* Sets key column k of ix to table column col with collation cname (NULL: the column's) and order. */
static int index_set_col(mica_db *db, Table *t, Index *ix, int k, int col, const char *cname, int desc) {
  const char *cn = cname ? cname : col >= 0 ? t->cols[col].coll_name : NULL;
  ix->cols[k] = col;
  ix->desc[k] = (uint8_t)desc;
  ix->coll_names[k] = strdup(cn ? cn : "BINARY");
  if (!ix->coll_names[k]) return MICA_NOMEM;
  if (cn) {
    const RecColl *rc2 = mica_find_collation(db, cn);
    if (rc2 && rc2->cmp != record_coll_binary) ix->colls[k] = *rc2;
  }
  return MICA_OK;
}

/* Prepends to t->fkeys the FOREIGN KEY xf over child columns cols[0..n) (SQLite's order: the most
 * recently declared first). A clause that does not fit (checked when the table was created) is
 * left out. */
static int add_fkey(Table *t, const XFKey *xf, int n, const int *cols) {
  if (n < 1 || (xf->ncols && xf->ncols != n)) return MICA_OK;
  FKey *fk = calloc(1, sizeof *fk);
  if (!fk) return MICA_NOMEM;
  fk->from = t;
  fk->ncol = n;
  fk->to = strdup(xf->table);
  fk->from_cols = malloc(sizeof(int) * (size_t)n);
  if (xf->ncols) fk->to_cols = calloc((size_t)n, sizeof(char *));
  fk->on_delete = xf->on_delete;
  fk->on_update = xf->on_update;
  fk->deferred = xf->deferred;
  fk->next = t->fkeys;
  t->fkeys = fk;
  if (!fk->to || !fk->from_cols || (xf->ncols && !fk->to_cols)) return MICA_NOMEM;
  for (int i = 0; i < n; i++) {
    fk->from_cols[i] = cols[i];
    if (fk->to_cols && !(fk->to_cols[i] = strdup(xf->cols[i]))) return MICA_NOMEM;
  }
  return MICA_OK;
}

/* A WITHOUT ROWID table's PRIMARY KEY index (schema.h): the key columns of the PRIMARY KEY
 * constraint (a column repeated with the same collation once), then every other column. */
static int build_pk(mica_db *db, Table *t, const XStmt *xs) {
  UqSpec *specs = calloc(64, sizeof(UqSpec));
  if (!specs) return MICA_NOMEM;
  int n = unique_specs(xs, specs, 64), nth = 0;
  for (int i = 0; i < n && !nth; i++)
    if (specs[i].is_pk) nth = i + 1;
  Index *ix = nth ? calloc(1, sizeof(Index)) : NULL;
  int rc = !nth ? MICA_CORRUPT : !ix ? MICA_NOMEM : MICA_OK;
  char name[300];
  if (rc == MICA_OK) {
    t->pk = ix;
    t->pk_seq = nth - 1;
    ix->table = t;
    ix->root = t->root;
    ix->unique = 1;
    ix->origin = 2;
    snprintf(name, sizeof name, "sqlite_autoindex_%s_%d", t->name, nth);
    ix->name = strdup(name);
    if (!ix->name) rc = MICA_NOMEM;
  }
  if (rc == MICA_OK) {
    /* index_alloc sizes for ncol + pk->nfull fields: pk is not set yet, so ask for every column */
    t->pk = NULL;
    rc = index_alloc(ix, t, specs[nth - 1].ncol + t->ncol);
    t->pk = ix;
  }
  if (rc == MICA_OK) {
    UqSpec *u = &specs[nth - 1];
    ix->onerror = u->onconf ? u->onconf : ONCONF_ABORT;
    int k = 0;
    for (int i = 0; i < u->ncol && rc == MICA_OK; i++) {
      int dup = 0;
      for (int j = 0; j < i && !dup; j++)
        dup = u->cols[j] == u->cols[i] && coll_name_eq(u->colls[j], u->colls[i]);
      if (!dup) rc = index_set_col(db, t, ix, k++, u->cols[i], u->colls[i], u->desc[i]);
      t->cols[u->cols[i]].notnull = 1;
    }
    ix->ncol = k;
    for (int c = 0; c < t->ncol && rc == MICA_OK; c++) {
      int in = 0;
      for (int j = 0; j < ix->ncol && !in; j++)
        in = ix->cols[j] == c;
      if (in) continue;
      ix->cols[k] = c;
      ix->coll_names[k] = strdup("BINARY");
      if (!ix->coll_names[k++]) rc = MICA_NOMEM;
    }
    ix->nfull = k;
    /* table_info's pk: the place of a column's first appearance in the PRIMARY KEY */
    for (int c = 0; c < t->ncol; c++)
      t->cols[c].pk = 0;
    for (int j = ix->ncol - 1; j >= 0; j--)
      t->cols[ix->cols[j]].pk = j + 1;
    ix->pkpos = calloc((size_t)ix->ncol + 1, sizeof(int));
    if (!ix->pkpos) rc = MICA_NOMEM;
    for (int j = 0; rc == MICA_OK && j < ix->ncol; j++)
      ix->pkpos[j] = j;
    ix->keyinfo.nfield = ix->ncol;
    ix->keyinfo.coll = ix->colls;
    ix->keyinfo.desc = ix->desc;
  }
  free(specs);
  return rc;
}

/* The foreign keys of t from its CREATE TABLE, column clauses first, in the order written. */
static int build_fkeys(Table *t, const XStmt *xs) {
  int rc = MICA_OK;
  for (int i = 0; rc == MICA_OK && i < xs->ncoldef; i++)
    if (xs->coldefs[i].fk) rc = add_fkey(t, xs->coldefs[i].fk, 1, &i);
  for (int i = 0; rc == MICA_OK && i < xs->ntcons; i++) {
    const XTabCons *tc = &xs->tcons[i];
    if (tc->kind != 4 || !tc->fk || tc->ncol < 1) continue;
    int *cols = malloc(sizeof(int) * (size_t)tc->ncol);
    if (!cols) return MICA_NOMEM;
    int ok = 1;
    for (int k = 0; k < tc->ncol && ok; k++)
      ok = (cols[k] = schema_column_index(t, tc->cols[k], NULL)) >= 0;
    if (ok) rc = add_fkey(t, tc->fk, tc->ncol, cols);
    free(cols);
  }
  return rc;
}

int plan_build_table(mica_db *db, Table *t) {
  Arena a = {0};
  XStmt xs;
  int rc = xv_stmt(t->ast, &xs, &a);
  if (rc == MICA_OK && t->is_view) {
    t->ipk = -1;
    /* the column names of a view: its column list, else its select's result names */
    Prog p = {0};
    Compiler c = {.db = db, .p = &p, .text = t->sql};
    SelectPlan *sel = NULL;
    rc = xs.sel ? compile_select(&c, xs.sel, NULL, &sel, 0) : MICA_ERROR;
    if (rc == MICA_OK) {
      t->ncol = xs.nviewcols ? xs.nviewcols : sel->nres;
      t->cols = calloc((size_t)t->ncol + 1, sizeof(Column));
      if (!t->cols) rc = MICA_NOMEM;
      for (int i = 0; rc == MICA_OK && i < t->ncol; i++) {
        t->cols[i].name = strdup(xs.nviewcols ? xs.viewcols[i] : sel->res_names[i]);
        t->cols[i].aff = i < sel->nres && sel->res ? sel->res[i]->aff : 0;
        if (!t->cols[i].aff) t->cols[i].aff = AFF_NONE;
      }
    } else {
      /* a view over a table that is gone still loads; it fails when used */
      rc = MICA_OK;
      mica_clear_error(db);
    }
    prog_reset(&p);
    for (int i = 0; i < p.nops; i++)
      vtab_scan_free(p.ops[i]);
    free(p.ops);
    free(p.subs);
    free(p.sub_val);
    free(p.sub_done);
    free(p.sub_set);
    free(p.sub_hasnull);
    free(p.slots);
    arena_free(&p.arena);
    arena_free(&a);
    return rc;
  }
  if (rc == MICA_OK && xs.kind != XS_CREATE_TABLE) rc = MICA_CORRUPT;
  if (rc) {
    arena_free(&a);
    return rc;
  }
  t->ncol = xs.ncoldef;
  t->cols = calloc((size_t)t->ncol + 1, sizeof(Column));
  if (!t->cols) {
    arena_free(&a);
    return MICA_NOMEM;
  }
  t->ipk = find_ipk(&xs);
  t->without_rowid = xs.without_rowid;
  t->strict = xs.strict;
  int nchecks = 0;
  for (int i = 0; i < xs.ncoldef; i++)
    nchecks += xs.coldefs[i].ncheck;
  for (int i = 0; i < xs.ntcons; i++)
    nchecks += xs.tcons[i].kind == 3;
  t->checks = calloc((size_t)nchecks + 1, sizeof(void *));
  t->check_names = calloc((size_t)nchecks + 1, sizeof(char *));
  if (!t->checks || !t->check_names) rc = MICA_NOMEM;
  for (int i = 0; rc == MICA_OK && i < xs.ncoldef; i++) {
    XColDef *d = &xs.coldefs[i];
    Column *col = &t->cols[i];
    col->name = strdup(d->name);
    col->type = d->type ? strdup(d->type) : NULL;
    col->aff = value_affinity_of_type(d->type ? d->type : "", d->type ? (int)strlen(d->type) : 0);
    col->notnull = d->notnull;
    col->notnull_conflict = d->notnull_conflict;
    col->dflt = (void *)d->dflt;
    col->gen = d->gen;
    col->gen_expr = (void *)d->gen_expr;
    if (d->collate) {
      col->coll_name = strdup(d->collate);
      col->coll = mica_find_collation(db, d->collate);
      if (col->coll && col->coll->cmp == record_coll_binary) col->coll = NULL;
    }
    if (d->autoinc) t->autoinc = 1;
    for (int k = 0; k < d->ncheck; k++) {
      t->checks[t->nchecks] = (void *)d->checks[k];
      const char *nm = d->check_names ? d->check_names[k] : NULL;
      t->check_names[t->nchecks] = nm ? strdup(nm) : NULL;
      t->nchecks++;
    }
  }
  int pkpos = 0;
  for (int i = 0; i < xs.ncoldef; i++)
    if (xs.coldefs[i].pk) t->cols[i].pk = ++pkpos;
  for (int i = 0; i < xs.ntcons; i++) {
    XTabCons *tc = &xs.tcons[i];
    if (tc->kind == 1)
      for (int k = 0; k < tc->ncol; k++)
        for (int m = 0; m < t->ncol; m++)
          if (name_eq(t->cols[m].name, tc->cols[k])) t->cols[m].pk = k + 1;
    if (tc->kind == 1 && tc->autoinc) t->autoinc = 1;
    if (tc->kind == 3) {
      t->checks[t->nchecks] = (void *)tc->check;
      t->check_names[t->nchecks] = tc->name ? strdup(tc->name) : NULL;
      t->nchecks++;
    }
  }
  if (rc == MICA_OK && t->without_rowid) rc = build_pk(db, t, &xs);
  if (rc == MICA_OK) rc = build_fkeys(t, &xs);
  /* unnamed CHECKs are reported by their text */
  for (int i = 0; rc == MICA_OK && i < t->nchecks; i++) {
    if (t->check_names[i] || !t->sql) continue;
    XExpr cx;
    xv_expr(t->checks[i], &cx, &a);
    if (cx.off >= 0 && cx.end > cx.off && (size_t)cx.end <= strlen(t->sql))
      t->check_names[i] = strndup(t->sql + cx.off, (size_t)(cx.end - cx.off));
  }
  arena_free(&a);
  return rc;
}

int plan_build_index(mica_db *db, Index *ix) {
  Arena a = {0};
  XStmt xs;
  int rc = xv_stmt(ix->ast, &xs, &a);
  if (rc == MICA_OK && xs.kind != XS_CREATE_INDEX) rc = MICA_CORRUPT;
  Table *t = ix->table;
  if (rc == MICA_OK && !t) rc = MICA_CORRUPT;
  if (rc == MICA_OK) rc = index_alloc(ix, t, xs.nidxcol);
  for (int i = 0; rc == MICA_OK && i < ix->ncol; i++) {
    XExpr x;
    xv_expr(xs.idx_exprs[i], &x, &a);
    const char *cname = NULL;
    if (x.kind == XK_COLUMN)
      cname = x.name;
    else if (x.kind == XK_TEXT)
      cname = arena_strndup(&a, x.lit.z, (size_t)x.lit.n);
    int col = cname ? schema_column_index(t, cname, NULL) : -2;
    if (col == -1 && cname) {
      int isr = 0;
      schema_column_index(t, cname, &isr);
      col = isr ? -1 : -3;
    }
    if (col == -3) {
      mica_set_error(db, MICA_ERROR, "no such column: %s", cname);
      rc = MICA_ERROR;
      break;
    }
    ix->exprs[i] = col == -2 ? (void *)xs.idx_exprs[i] : NULL;
    rc = index_set_col(db, t, ix, i, col, xs.idx_colls ? xs.idx_colls[i] : NULL,
                       xs.idx_desc ? xs.idx_desc[i] : 0);
  }
  if (rc == MICA_OK) {
    ix->unique = xs.unique;
    ix->onerror = ONCONF_ABORT;
    ix->origin = 0;
    ix->where = (void *)xs.idx_where;
    rc = index_finish(t, ix, 0);
  }
  arena_free(&a);
  return rc;
}

int plan_unique_count(Table *t) {
  Arena a = {0};
  XStmt xs;
  int n = 0;
  UqSpec *specs = calloc(64, sizeof(UqSpec));
  if (specs && t->ast && xv_stmt(t->ast, &xs, &a) == MICA_OK) n = unique_specs(&xs, specs, 64);
  free(specs);
  arena_free(&a);
  return n;
}

/* Creates the Index objects of the autoindexes (rows with NULL sql) of every table. */
int plan_build_autoindexes(mica_db *db, Schema *s) {
  int rc = MICA_OK;
  for (Index *ix = s->indexes; ix && rc == MICA_OK; ix = ix->next) {
    if (ix->ast || !ix->table) continue;
    Table *t = ix->table;
    /* sqlite_autoindex_<table>_<n> */
    const char *p = strrchr(ix->name, '_');
    int nth = p ? atoi(p + 1) : 0;
    Arena a = {0};
    XStmt xs;
    if (!t->ast || xv_stmt(t->ast, &xs, &a)) {
      arena_free(&a);
      continue;
    }
    UqSpec *specs = calloc(64, sizeof(UqSpec));
    if (!specs) {
      arena_free(&a);
      return MICA_NOMEM;
    }
    int n = unique_specs(&xs, specs, 64);
    if (nth >= 1 && nth <= n) {
      UqSpec *u = &specs[nth - 1];
      rc = index_alloc(ix, t, u->ncol);
      for (int i = 0; rc == MICA_OK && i < u->ncol; i++)
        rc = index_set_col(db, t, ix, i, u->cols[i], u->colls[i], u->desc[i]);
      ix->unique = 1;
      ix->onerror = u->onconf ? u->onconf : ONCONF_ABORT;
      ix->origin = u->is_pk ? 2 : 1;
      if (rc == MICA_OK) rc = index_finish(t, ix, 1);
    }
    free(specs);
    arena_free(&a);
  }
  return rc;
}

char *schema_default_text(const Table *t, int col) {
  if (!t->ast || col < 0 || col >= t->ncol || !t->cols[col].dflt || !t->sql) return NULL;
  Arena a = {0};
  XStmt xs;
  char *z = NULL;
  if (xv_stmt(t->ast, &xs, &a) == MICA_OK && col < xs.ncoldef) {
    XColDef *d = &xs.coldefs[col];
    if (d->dflt_off >= 0 && d->dflt_end > d->dflt_off)
      z = strndup(t->sql + d->dflt_off, (size_t)(d->dflt_end - d->dflt_off));
  }
  arena_free(&a);
  return z;
}

/* ------------------------------------------------------------------ statement programs */
typedef struct DmlPlan {
  int kind; /* XS_* */
  Table *t;
  int onconf;
  /* INSERT */
  int ncols;
  int *colmap; /* table column per provided value; -1 rowid */
  int nrows;
  PExpr ***rows;
  SelectPlan *sel;
  PExpr **dflts; /* per table column */
  /* UPDATE / DELETE */
  Op *src;
  int slot;
  int nset;
  int *setcol; /* -1: rowid */
  PExpr **setexpr;
  /* CHECK constraints over row_slot */
  int row_slot;
  int nchecks;
  PExpr **checks;
  /* DDL */
  XStmt xs;
  const char *sqltext; /* the normalised CREATE text to store */
  /* UPSERT (the first ON CONFLICT clause) */
  int has_upsert;
  int up_update;
  Index *up_index; /* conflict target; NULL: any constraint (or the rowid when up_rowid) */
  int up_rowid;
  int up_nset;
  int *up_setcol;
  PExpr **up_setexpr;
  PExpr *up_where;
  int up_slot, exc_slot; /* the existing row and "excluded" */
  /* RETURNING, over ret_slot holding the written (or deleted) row */
  int ret_slot;
  int nret;
  PExpr **ret;
  const char **ret_names;
  /* AUTOINCREMENT state of one INSERT */
  int64_t seq, seq_rowid;
  int seq_dirty;
  /* PRAGMA */
  const char *pragma;
  PExpr *pragma_arg;
  const char *pragma_ident;
  /* triggers (trigger.h): of the statement's event, of the UPSERT's DO UPDATE, of REPLACE's deletes */
  TrigList *trig, *up_trig, *del_trig;
  int view; /* the target is a view with INSTEAD OF triggers: nothing is written */
  /* generated columns of the target table over gen_slot (TableWriter.gen_read / gen_write) */
  int gen_slot;
  GenCols *gen_read, *gen_write;
  /* foreign keys (fkey.h, with foreign_keys on): of the statement's event, of REPLACE's deletes and
   * of UPSERT's DO UPDATE */
  FkPlan *fk, *fk_del, *up_fk;
} DmlPlan;

static int compile_checks(Compiler *c, Table *t, DmlPlan *d) {
  if (!t->nchecks) return MICA_OK;
  d->row_slot = new_slot(c, t->ncol);
  if (d->row_slot < 0) return nomem(c);
  SrcItem it = {.name = t->name, .tab = t, .slot = d->row_slot, .ncol = t->ncol, .is_rowid_ok = !t->pk};
  it.cols = arena_alloc(&c->p->arena, sizeof(char *) * (size_t)(t->ncol + 1));
  it.affs = arena_alloc(&c->p->arena, (size_t)t->ncol + 1);
  it.colls = arena_alloc(&c->p->arena, sizeof(RecColl *) * (size_t)(t->ncol + 1));
  if (!it.cols || !it.affs || !it.colls) return nomem(c);
  for (int i = 0; i < t->ncol; i++) {
    it.cols[i] = t->cols[i].name;
    it.affs[i] = t->cols[i].aff;
    it.colls[i] = t->cols[i].coll;
  }
  Scope sc = {.items = &it, .nitems = 1};
  d->checks = arena_alloc(&c->p->arena, sizeof(PExpr *) * (size_t)t->nchecks);
  if (!d->checks) return nomem(c);
  const char *save = c->text;
  c->text = t->sql;
  for (int i = 0; i < t->nchecks; i++) {
    int rc = compile_expr(c, &sc, t->checks[i], &d->checks[i]);
    if (rc) {
      c->text = save;
      return rc;
    }
  }
  c->text = save;
  d->nchecks = t->nchecks;
  return MICA_OK;
}

static int compile_returning(Compiler *c, XStmt *xs, DmlPlan *d) {
  Table *t = d->t;
  if (!xs->nreturning) return MICA_OK;
  Arena *A = &c->p->arena;
  d->ret_slot = new_slot(c, t->ncol);
  if (d->ret_slot < 0) return nomem(c);
  SrcItem it = {.name = t->name, .tab = t, .slot = d->ret_slot, .ncol = t->ncol, .is_rowid_ok = !t->pk};
  it.cols = arena_alloc(A, sizeof(char *) * (size_t)(t->ncol + 1));
  it.affs = arena_alloc(A, (size_t)t->ncol + 1);
  it.colls = arena_alloc(A, sizeof(RecColl *) * (size_t)(t->ncol + 1));
  if (!it.cols || !it.affs || !it.colls) return nomem(c);
  for (int i = 0; i < t->ncol; i++) {
    it.cols[i] = t->cols[i].name;
    it.affs[i] = t->cols[i].aff;
    it.colls[i] = t->cols[i].coll;
  }
  Scope sc = {.items = &it, .nitems = 1};
  int cap = xs->nreturning + t->ncol + 1;
  d->ret = arena_alloc(A, sizeof(PExpr *) * (size_t)cap);
  d->ret_names = arena_alloc(A, sizeof(char *) * (size_t)cap);
  if (!d->ret || !d->ret_names) return nomem(c);
  for (int i = 0; i < xs->nreturning; i++) {
    XResCol *r = &xs->returning[i];
    if (r->star) {
      for (int k = 0; k < t->ncol; k++) {
        int rc = make_colref(c, &sc, &sc, 0, &it, k, &d->ret[d->nret]);
        if (rc) return rc;
        d->ret_names[d->nret++] = t->cols[k].name;
      }
      continue;
    }
    int rc = compile_expr(c, &sc, r->expr, &d->ret[d->nret]);
    if (rc) return rc;
    XExpr x;
    xv_expr(r->expr, &x, A);
    d->ret_names[d->nret] = expr_name(c, r, &x, 1, &it, 1, d->ret[d->nret]);
    d->nret++;
  }
  return MICA_OK;
}

/* Appends the RETURNING row for a written row (vals of t->ncol values, rowid). */
static int emit_returning(Exec *x, DmlPlan *d, Value *vals, int64_t rowid, RowList *out) {
  if (!d->nret) return MICA_OK;
  Slot *s = &x->slots[d->ret_slot];
  for (int i = 0; i < d->t->ncol && i < s->ncol; i++) {
    value_release(&s->cols[i]);
    value_borrow(&s->cols[i], &vals[i]);
  }
  if (d->t->ipk >= 0) value_set_int(&s->cols[d->t->ipk], rowid);
  s->rowid = rowid;
  s->decoded = 1;
  s->rec = NULL;
  s->nullrow = 0;
  Row *r = row_new(d->nret);
  if (!r) return mica_set_error(x->db, MICA_NOMEM, "out of memory");
  int rc = MICA_OK;
  for (int i = 0; i < d->nret && rc == MICA_OK; i++) {
    rc = expr_eval(x, d->ret[i], &r->v[i]);
    if (rc == MICA_OK) rc = value_make_owned(&r->v[i]);
  }
  for (int i = 0; i < s->ncol; i++) {
    value_release(&s->cols[i]);
    value_init(&s->cols[i]);
  }
  if (rc == MICA_OK && rowlist_push(out, r)) rc = mica_set_error(x->db, MICA_NOMEM, "out of memory");
  if (rc) row_free(r);
  return rc;
}

static int compile_defaults(Compiler *c, Table *t, DmlPlan *d) {
  d->dflts = arena_alloc(&c->p->arena, sizeof(PExpr *) * (size_t)(t->ncol + 1));
  if (!d->dflts) return nomem(c);
  Scope empty = {0};
  const char *save = c->text;
  c->text = t->sql;
  for (int i = 0; i < t->ncol; i++)
    if (t->cols[i].dflt) {
      int rc = compile_expr(c, &empty, t->cols[i].dflt, &d->dflts[i]);
      if (rc) {
        c->text = save;
        return rc;
      }
    }
  c->text = save;
  return MICA_OK;
}

int exec_default_value(Exec *x, Table *t, int col, Value *out) {
  value_set_null(out);
  if (!t->cols[col].dflt) return MICA_OK;
  Prog p = {0};
  Compiler c = {.db = x->db, .p = &p, .text = t->sql};
  PExpr *e;
  Scope empty = {0};
  int rc = compile_expr(&c, &empty, t->cols[col].dflt, &e);
  if (rc == MICA_OK) {
    Exec x2 = *x;
    x2.prog = &p;
    x2.slots = p.slots;
    Value v;
    value_init(&v);
    rc = expr_eval(&x2, e, &v);
    if (rc == MICA_OK) {
      value_release(out);
      value_init(out);
      rc = value_copy(out, &v);
    }
    value_release(&v);
  }
  prog_reset(&p);
  free(p.ops);
  free(p.slots);
  free(p.subs);
  free(p.sub_val);
  free(p.sub_done);
  free(p.sub_set);
  free(p.sub_hasnull);
  arena_free(&p.arena);
  return rc;
}

static Table *writable_table(Compiler *c, const char *name, int *rc) {
  Table *t = schema_find_table(c->db->schema, name);
  *rc = MICA_OK;
  if (!t && (t = vtab_eponymous(c->db, name, rc)) == NULL && *rc) return NULL;
  if (t && t->is_virtual && (*rc = vtab_connect(c->db, t))) return NULL;
  if (!t)
    *rc = mica_set_error(c->db, MICA_ERROR, "no such table: %s", name);
  else if (t->is_view)
    *rc = mica_set_error(c->db, MICA_ERROR, "cannot modify %s because it is a view", name);
  else if (t == c->db->schema->master)
    *rc = mica_set_error(c->db, MICA_ERROR, "table %s may not be modified", name);
  else if (t->is_virtual && vtab_is_readonly(t))
    *rc = mica_set_error(c->db, MICA_ERROR, "table %s may not be modified", t->name);
  return *rc ? NULL : t;
}

/* The generated columns of t for rows written and read through a TableWriter (d->gen_*). */
static int compile_dml_gencols(Compiler *c, Table *t, DmlPlan *d) {
  int has = 0;
  for (int i = 0; i < t->ncol; i++)
    has |= t->cols[i].gen != 0;
  if (!has) return MICA_OK;
  d->gen_slot = new_slot(c, t->ncol);
  if (d->gen_slot < 0) return nomem(c);
  int rc = compile_gencols(c, t, d->gen_slot, GC_ALL, &d->gen_write);
  if (rc) return rc;
  d->gen_read = gencols_virtual(c, t, d->gen_write);
  return d->gen_read ? MICA_OK : nomem(c);
}

/* Whether a write with conflict clause onconf may delete rows of t for REPLACE. */
static int may_replace(const Table *t, int onconf) {
  if (onconf == ONCONF_REPLACE) return 1;
  for (const Index *ix = t->indexes; ix; ix = ix->next_in_table)
    if (ix->unique && ix->onerror == ONCONF_REPLACE) return 1;
  return 0;
}

/* An INSERT that writes one row outside triggers with no trigger, UPSERT or REPLACE to run (fkey.h's
 * FKP_SINGLE). */
static int single_insert(Compiler *c, XStmt *xs, DmlPlan *d) {
  if ((c->st && c->st->trig) || d->trig || xs->nupsert || may_replace(d->t, d->onconf)) return 0;
  if (!xs->sel) return 1; /* DEFAULT VALUES */
  XSelect vs;
  return xv_select(xs->sel, &vs, &c->p->arena) == MICA_OK && vs.nvalues == 1 && !vs.cmp_op && !vs.norder &&
         !vs.limit;
}

/* The table an INSERT/UPDATE/DELETE writes (d->t, d->onconf) and the triggers it fires (d->trig,
 * d->del_trig). A view is a target only when an INSTEAD OF trigger handles the event (d->view). */
static Table *dml_target(Compiler *c, XStmt *xs, DmlPlan *d, int event, int *rc) {
  mica_db *db = c->db;
  /* in a trigger body, the firing statement's OR clause replaces the body statement's */
  d->onconf = c->st && c->st->trig && c->st->trig->onconf ? c->st->trig->onconf : xs->onconf;
  int nset = event == TE_UPDATE ? xs->nset : 0;
  Table *t = schema_find_table(db->schema, xs->name);
  if (t && t->is_view) {
    *rc = trigger_list_build(db, t, event, nset, xs->set_cols, d->onconf, &d->trig);
    if (*rc) return NULL;
    if (!trigger_list_has(d->trig, TR_INSTEAD_OF)) {
      *rc = mica_set_error(db, MICA_ERROR, "cannot modify %s because it is a view", t->name);
      return NULL;
    }
    d->view = 1;
    d->t = t;
    return t;
  }
  if (!t && c->st && c->st->trig) {
    *rc = mica_set_error(db, MICA_ERROR, "no such table: main.%s", xs->name);
    return NULL;
  }
  t = writable_table(c, xs->name, rc);
  if (!t) return NULL;
  d->t = t;
  if ((*rc = compile_dml_gencols(c, t, d))) return NULL;
  int drop = c->st && c->st->fk_drop; /* DROP TABLE's implicit DELETE fires no trigger */
  if (!drop) *rc = trigger_list_build(db, t, event, nset, xs->set_cols, d->onconf, &d->trig);
  if (*rc == MICA_OK && event != TE_DELETE)
    *rc = trigger_list_build(db, t, TE_DELETE, 0, NULL, d->onconf, &d->del_trig);
  int flags = drop ? FKP_DROP : event == TE_INSERT && single_insert(c, xs, d) ? FKP_SINGLE : 0;
  if (*rc == MICA_OK) *rc = fkey_plan_build(db, t, event, nset, xs->set_cols, flags, &d->fk);
  if (*rc == MICA_OK && event != TE_DELETE && may_replace(t, d->onconf))
    *rc = fkey_plan_build(db, t, TE_DELETE, 0, NULL, 0, &d->fk_del);
  return *rc ? NULL : t;
}

static int table_item(Compiler *c, Table *t, const char *name, int slot, SrcItem *it) {
  memset(it, 0, sizeof *it);
  it->name = name;
  it->tab = t;
  it->slot = slot;
  it->ncol = t->ncol;
  it->is_rowid_ok = !t->without_rowid;
  it->cols = arena_alloc(&c->p->arena, sizeof(char *) * (size_t)(t->ncol + 1));
  it->affs = arena_alloc(&c->p->arena, (size_t)t->ncol + 1);
  it->colls = arena_alloc(&c->p->arena, sizeof(RecColl *) * (size_t)(t->ncol + 1));
  if (!it->cols || !it->affs || !it->colls) return nomem(c);
  for (int i = 0; i < t->ncol; i++) {
    it->cols[i] = t->cols[i].name;
    it->affs[i] = t->cols[i].aff;
    it->colls[i] = t->cols[i].coll;
  }
  return MICA_OK;
}

static int has_unique_index(const Table *t) {
  for (const Index *ix = t->indexes; ix; ix = ix->next_in_table)
    if (ix->unique) return 1;
  return 0;
}

static int compile_upsert(Compiler *c, XStmt *xs, DmlPlan *d) {
  Table *t = d->t;
  XUpsert *u = &xs->upserts[0];
  d->has_upsert = 1;
  d->up_update = u->do_update;
  if (u->ntarget) {
    if (u->ntarget == 1 && t->ipk >= 0 && name_eq(u->target[0], t->cols[t->ipk].name)) {
      d->up_rowid = 1;
    } else {
      for (Index *ix = t->pk ? t->pk : t->indexes; ix && !d->up_index;
           ix = ix == t->pk ? t->indexes : ix->next_in_table) {
        if (!ix->unique || ix->ncol != u->ntarget || ix->where) continue;
        int all = 1;
        for (int k = 0; k < u->ntarget && all; k++) {
          int hit = 0;
          for (int m = 0; m < ix->ncol; m++)
            if (ix->cols[m] >= 0 && name_eq(t->cols[ix->cols[m]].name, u->target[k])) hit = 1;
          all = hit;
        }
        if (all) d->up_index = ix;
      }
      if (!d->up_index)
        return mica_set_error(c->db, MICA_ERROR,
                              "ON CONFLICT clause does not match any PRIMARY KEY or UNIQUE constraint");
    }
  }
  if (!u->do_update) return MICA_OK;
  d->up_slot = new_slot(c, t->ncol);
  d->exc_slot = new_slot(c, t->ncol);
  if (d->up_slot < 0 || d->exc_slot < 0) return nomem(c);
  SrcItem items[2];
  int rc = table_item(c, t, t->name, d->up_slot, &items[0]);
  if (rc == MICA_OK) rc = table_item(c, t, "excluded", d->exc_slot, &items[1]);
  if (rc) return rc;
  /* unqualified names mean the target table's columns: excluded.* only by name */
  items[1].merged = arena_alloc(&c->p->arena, (size_t)t->ncol + 1);
  if (!items[1].merged) return nomem(c);
  memset(items[1].merged, 1, (size_t)t->ncol);
  Scope sc = {.items = items, .nitems = 2};
  d->up_nset = u->nset;
  d->up_setcol = arena_alloc(&c->p->arena, sizeof(int) * (size_t)(u->nset + 1));
  d->up_setexpr = arena_alloc(&c->p->arena, sizeof(PExpr *) * (size_t)(u->nset + 1));
  if (!d->up_setcol || !d->up_setexpr) return nomem(c);
  for (int i = 0; i < u->nset; i++) {
    int isr = 0;
    int k = schema_column_index(t, u->set_cols[i], &isr);
    if (k < 0 && !isr) return mica_set_error(c->db, MICA_ERROR, "no such column: %s", u->set_cols[i]);
    /* SQLite compiles DO UPDATE only when some constraint can conflict: then it checks the SET list */
    if (k >= 0 && t->cols[k].gen && (t->ipk >= 0 || has_unique_index(t)))
      return mica_set_error(c->db, MICA_ERROR, "cannot UPDATE generated column \"%s\"", t->cols[k].name);
    d->up_setcol[i] = k;
    if ((rc = compile_expr(c, &sc, u->set_exprs[i], &d->up_setexpr[i]))) return rc;
    if ((rc = assign_array(c, &d->up_setexpr[i], k >= 0 ? t->cols[k].type : "INTEGER"))) return rc;
  }
  if (u->where && (rc = compile_expr(c, &sc, u->where, &d->up_where))) return rc;
  rc = trigger_list_build(c->db, t, TE_UPDATE, u->nset, u->set_cols, d->onconf, &d->up_trig);
  return rc ? rc : fkey_plan_build(c->db, t, TE_UPDATE, u->nset, u->set_cols, 0, &d->up_fk);
}

static int fix_values_count_msg(Compiler *c, DmlPlan *d, int got) {
  char buf[100];
  snprintf(buf, sizeof buf, "%d values for %d columns", got, d->ncols);
  return mica_set_error(c->db, MICA_ERROR, "%s", buf);
}

static int compile_insert(Compiler *c, XStmt *xs, DmlPlan *d) {
  int rc;
  Table *t = dml_target(c, xs, d, TE_INSERT, &rc);
  if (!t) return rc;
  if (d->view && xs->nupsert) return mica_set_error(c->db, MICA_ERROR, "cannot UPSERT a view");
  if (xs->ncols) {
    d->ncols = xs->ncols;
    d->colmap = arena_alloc(&c->p->arena, sizeof(int) * (size_t)xs->ncols);
    if (!d->colmap) return nomem(c);
    for (int i = 0; i < xs->ncols; i++) {
      int isr = 0;
      int k = schema_column_index(t, xs->cols[i], &isr);
      if (k < 0 && !isr)
        return mica_set_error(c->db, MICA_ERROR, "table %s has no column named %s", t->name, xs->cols[i]);
      if (k >= 0 && t->cols[k].gen)
        return mica_set_error(c->db, MICA_ERROR, "cannot INSERT into generated column \"%s\"",
                              t->cols[k].name);
      d->colmap[i] = k;
    }
  } else if (!xs->default_values) {
    /* every column but the generated ones (a virtual table's hidden columns only when named) */
    d->colmap = arena_alloc(&c->p->arena, sizeof(int) * (size_t)(t->ncol + 1));
    if (!d->colmap) return nomem(c);
    d->ncols = 0;
    for (int i = 0; i < t->ncol; i++)
      if ((!t->is_virtual || !t->cols[i].hidden) && !t->cols[i].gen) d->colmap[d->ncols++] = i;
  }
  if (xs->sel) {
    XSelect vs;
    rc = xv_select(xs->sel, &vs, &c->p->arena);
    if (rc) return mica_set_error(c->db, MICA_ERROR, "unsupported INSERT source");
    if (vs.nvalues && !vs.cmp_op && !vs.norder && !vs.limit) {
      d->nrows = vs.nvalues;
      d->rows = arena_alloc(&c->p->arena, sizeof(PExpr **) * (size_t)vs.nvalues);
      if (!d->rows) return nomem(c);
      Scope empty = {0};
      for (int r = 0; r < vs.nvalues; r++) {
        if (vs.values_n[r] != d->ncols) {
          if (xs->ncols) return fix_values_count_msg(c, d, vs.values_n[r]);
          char buf[200];
          snprintf(buf, sizeof buf, "table %s has %d columns but %d values were supplied", t->name, d->ncols,
                   vs.values_n[r]);
          return mica_set_error(c->db, MICA_ERROR, "%s", buf);
        }
        rc = compile_list(c, &empty, vs.values_n[r], vs.values[r], &d->rows[r]);
        if (rc) return rc;
        for (int i = 0; i < d->ncols && rc == MICA_OK; i++)
          rc = assign_array(c, &d->rows[r][i], d->colmap[i] >= 0 ? t->cols[d->colmap[i]].type : "INTEGER");
        if (rc) return rc;
      }
    } else {
      rc = compile_select(c, xs->sel, NULL, &d->sel, 0);
      if (rc) return rc;
      for (int i = 0; i < d->ncols && i < d->sel->nres; i++)
        note_param_type(c, d->sel->res[i], d->colmap[i] >= 0 ? t->cols[d->colmap[i]].type : "INTEGER");
      if (d->sel->nres != d->ncols) {
        char buf[200];
        if (xs->ncols)
          snprintf(buf, sizeof buf, "%d values for %d columns", d->sel->nres, d->ncols);
        else
          snprintf(buf, sizeof buf, "table %s has %d columns but %d values were supplied", t->name, d->ncols,
                   d->sel->nres);
        return mica_set_error(c->db, MICA_ERROR, "%s", buf);
      }
    }
  }
  if ((rc = compile_defaults(c, t, d))) return rc;
  if ((rc = compile_returning(c, xs, d))) return rc;
  if (xs->nupsert && (rc = compile_upsert(c, xs, d))) return rc;
  return compile_checks(c, t, d);
}

static int compile_update_delete(Compiler *c, XStmt *xs, DmlPlan *d) {
  int rc;
  Table *t = dml_target(c, xs, d, xs->kind == XS_UPDATE ? TE_UPDATE : TE_DELETE, &rc);
  if (!t) return rc;
  SrcItem it;
  XFrom f = {.name = xs->name};
  Op *leaf = NULL;
  memset(&it, 0, sizeof it);
  if ((rc = compile_from_item(c, &f, &it, &leaf))) return rc;
  d->slot = it.slot;
  Scope sc = {.items = &it, .nitems = 1};
  Op *src = leaf;
  if (leaf->kind == OP_VTAB && !xs->where && (rc = plan_vtab(c, &it, leaf, NULL, 0, NULL, 0, NULL)))
    return rc;
  if (xs->where) {
    PExpr *w;
    if ((rc = compile_expr(c, &sc, xs->where, &w))) return rc;
    PExpr **terms = NULL;
    int nt = 0, cap = 0;
    if ((rc = split_and(c, w, &terms, &nt, &cap))) return rc;
    /* the whole WHERE stays the filter (a virtual table's omitted terms are checked again) */
    if (leaf->kind == OP_VTAB && (rc = plan_vtab(c, &it, leaf, terms, nt, NULL, 0, NULL))) return rc;
    choose_access(c, &it, leaf, terms, nt);
    Op *fo = op_new(c, OP_FILTER);
    if (!fo) return nomem(c);
    fo->left = leaf;
    fo->pred = w;
    src = fo;
  }
  d->src = src;
  if (xs->kind == XS_UPDATE) {
    d->nset = xs->nset;
    d->setcol = arena_alloc(&c->p->arena, sizeof(int) * (size_t)(xs->nset + 1));
    d->setexpr = arena_alloc(&c->p->arena, sizeof(PExpr *) * (size_t)(xs->nset + 1));
    if (!d->setcol || !d->setexpr) return nomem(c);
    for (int i = 0; i < xs->nset; i++) {
      int isr = 0;
      int k = schema_column_index(t, xs->set_cols[i], &isr);
      if (k < 0 && !isr) return mica_set_error(c->db, MICA_ERROR, "no such column: %s", xs->set_cols[i]);
      if (k >= 0 && t->cols[k].gen)
        return mica_set_error(c->db, MICA_ERROR, "cannot UPDATE generated column \"%s\"", t->cols[k].name);
      d->setcol[i] = k;
      if ((rc = compile_expr(c, &sc, xs->set_exprs[i], &d->setexpr[i]))) return rc;
      if ((rc = assign_array(c, &d->setexpr[i], k >= 0 ? t->cols[k].type : "INTEGER"))) return rc;
    }
    if ((rc = compile_defaults(c, t, d))) return rc;
    if ((rc = compile_checks(c, t, d))) return rc;
  }
  return compile_returning(c, xs, d);
}

/* The CREATE text as SQLite stores it: "CREATE <KIND> " + the text from the object name on. */
static const char *normalised_create(Compiler *c, XStmt *xs, const char *kind) {
  const char *z = c->text;
  if (!z || xs->name_off < 0) return NULL;
  size_t len = strlen(z);
  while (len > 0 && (z[len - 1] == ';' || isspace((unsigned char)z[len - 1])))
    len--;
  if ((size_t)xs->name_off > len) return NULL;
  size_t kl = strlen(kind);
  size_t cap = kl + 1 + len - (size_t)xs->name_off + 1;
  for (int i = 0; i < xs->nedit; i++)
    cap += strlen(xs->edits[i].repl);
  char *out = arena_alloc(&c->p->arena, cap);
  if (!out) return NULL;
  memcpy(out, kind, kl);
  out[kl] = ' ';
  size_t o = kl + 1, from = (size_t)xs->name_off;
  /* the PostgreSQL dialect's rewrites into SQLite syntax (sorted, not overlapping) */
  for (int i = 0; i < xs->nedit; i++) {
    const TextEdit *e = &xs->edits[i];
    if (e->off < xs->name_off || (size_t)e->end > len || (size_t)e->off < from) continue;
    memcpy(out + o, z + from, (size_t)e->off - from);
    o += (size_t)e->off - from;
    size_t rl = strlen(e->repl);
    memcpy(out + o, e->repl, rl);
    o += rl;
    from = (size_t)e->end;
  }
  memcpy(out + o, z + from, len - from);
  o += len - from;
  while (o > 0 && isspace((unsigned char)out[o - 1])) /* where dropped options were */
    o--;
  out[o] = 0;
  return out;
}

/* CREATE TABLE ... WITHOUT ROWID errors SQLite reports when the statement is prepared. */
static int check_without_rowid(mica_db *db, const XStmt *xs) {
  int autoinc = 0, haspk = 0;
  for (int i = 0; i < xs->ncoldef; i++) {
    autoinc |= xs->coldefs[i].autoinc;
    haspk |= xs->coldefs[i].pk;
  }
  for (int i = 0; i < xs->ntcons; i++) {
    autoinc |= xs->tcons[i].autoinc;
    haspk |= xs->tcons[i].kind == 1;
  }
  if (autoinc && ipk_candidate(xs) < 0)
    return mica_set_error(db, MICA_ERROR, "AUTOINCREMENT is only allowed on an INTEGER PRIMARY KEY");
  if (autoinc) return mica_set_error(db, MICA_ERROR, "AUTOINCREMENT not allowed on WITHOUT ROWID tables");
  if (!haspk) return mica_set_error(db, MICA_ERROR, "PRIMARY KEY missing on table %s", xs->name);
  for (int i = 0; i < xs->ncoldef; i++)
    if (xs->coldefs[i].gen == 1)
      return mica_set_error(db, MICA_ERROR,
                            "VIRTUAL generated columns in WITHOUT ROWID tables are not supported");
  return MICA_OK;
}

static int run_insert(Exec *x, DmlPlan *d, RowList *out);
static int run_update(Exec *x, DmlPlan *d, RowList *out);
static int run_delete(Exec *x, DmlPlan *d, RowList *out);
static int run_ddl(Exec *x, DmlPlan *d, RowList *out);

static void dml_free(void *p) {
  DmlPlan *d = p;
  if (!d) return;
  trigger_list_free(d->trig);
  trigger_list_free(d->up_trig);
  trigger_list_free(d->del_trig);
  d->trig = d->up_trig = d->del_trig = NULL;
  fkey_plan_free(d->fk);
  fkey_plan_free(d->fk_del);
  fkey_plan_free(d->up_fk);
  d->fk = d->fk_del = d->up_fk = NULL;
}

void plan_unprepare(mica_stmt *st) {
  if (st->prog) prog_free(st->prog);
  st->prog = NULL;
  if (st->param_decl) {
    for (int i = 0; i < st->nparam; i++)
      free(st->param_decl[i]);
    free(st->param_decl);
    st->param_decl = NULL;
  }
  if (st->exprtypes) {
    for (int i = 0; i < st->ncol; i++)
      free(st->exprtypes[i]);
    free(st->exprtypes);
    st->exprtypes = NULL;
  }
  for (int i = 0; i < st->ncol; i++) {
    if (st->row) value_release(&st->row[i]);
    if (st->colnames) free(st->colnames[i]);
    if (st->decltypes) free(st->decltypes[i]);
    if (st->col_table) free(st->col_table[i]);
    if (st->col_origin) free(st->col_origin[i]);
  }
  free(st->row);
  free(st->colnames);
  free(st->decltypes);
  free(st->col_table);
  free(st->col_origin);
  st->row = NULL;
  st->colnames = st->decltypes = st->col_table = st->col_origin = NULL;
  st->ncol = 0;
}

/* ------------------------------------------------------------------ static result types */
/* Type classes of declared types, for the arithmetic rule below. */

static int type_class(const char *t) {
  if (!t) return TC_NONE;
  char b[32];
  size_t n = 0;
  for (; n < sizeof b - 1 && t[n]; n++)
    b[n] = (char)tolower((unsigned char)t[n]);
  b[n] = 0;
  if (strstr(b, "[]")) return TC_NONE;
  if (!strcmp(b, "bigint") || !strcmp(b, "int8") || !strcmp(b, "bigserial")) return TC_BIGINT;
  if (strstr(b, "int")) return TC_INT;
  if (strstr(b, "real") || strstr(b, "floa") || strstr(b, "doub")) return TC_FLOAT;
  if (strstr(b, "numeric") || strstr(b, "decimal")) return TC_NUMERIC;
  if (strstr(b, "char") || strstr(b, "text") || strstr(b, "clob")) return TC_TEXT;
  if (strstr(b, "bool")) return TC_BOOL;
  return TC_NONE;
}

static const char *expr_type(const PExpr *e);

static const char *first_arg_type(PExpr **args, int n) {
  for (int i = 0; i < n; i++) {
    const char *t = expr_type(args[i]);
    if (t) return t;
  }
  return NULL;
}

/* What PostgreSQL would call the type of an aggregate's result, given its argument's type. */
static const char *agg_type(const char *name, const char *arg) {
  int tc = type_class(arg);
  if (!strcmp(name, "count")) return "BIGINT";
  if (!strcmp(name, "sum"))
    return tc == TC_INT                          ? "BIGINT"
           : tc == TC_BIGINT || tc == TC_NUMERIC ? "NUMERIC"
           : tc == TC_FLOAT                      ? arg
                                                 : NULL;
  if (!strcmp(name, "avg")) return tc == TC_FLOAT ? "DOUBLE PRECISION" : tc != TC_NONE ? "NUMERIC" : NULL;
  if (!strcmp(name, "total")) return "DOUBLE PRECISION";
  if (!strcmp(name, "min") || !strcmp(name, "max")) return arg;
  if (!strcmp(name, "group_concat") || !strcmp(name, "string_agg")) return "TEXT";
  if (!strcmp(name, "bool_and") || !strcmp(name, "bool_or") || !strcmp(name, "every")) return "BOOLEAN";
  return NULL;
}

/* Scalar functions whose result type does not depend on their arguments. */
static const char *func_type(const char *name, PExpr **args, int n) {
  static const char *const ints[] = {"length", "octet_length", "char_length", "instr", "unicode", "sign"};
  static const char *const texts[] = {
      "lower",          "upper",        "substr",        "substring", "trim",
      "ltrim",          "rtrim",        "replace",       "hex",       "quote",
      "printf",         "format",       "char",          "typeof",    "concat",
      "concat_ws",      "quote_ident",  "quote_literal", "version",   "current_database",
      "current_schema", "current_user", "session_user",  "lpad",      "rpad",
      "repeat",         "reverse",      "left",          "right",     "md5",
      "initcap"};
  static const char *const firsts[] = {"coalesce", "ifnull", "nullif", "abs", "round",
                                       "greatest", "least",  "max",    "min"};
  for (size_t i = 0; i < sizeof ints / sizeof ints[0]; i++)
    if (!strcmp(name, ints[i])) return "INTEGER";
  for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++)
    if (!strcmp(name, texts[i])) return "TEXT";
  if (!strcmp(name, "iif")) return n == 3 ? first_arg_type(args + 1, 2) : NULL; /* iif(cond, a, b) */
  for (size_t i = 0; i < sizeof firsts / sizeof firsts[0]; i++)
    if (!strcmp(name, firsts[i])) return first_arg_type(args, n);
  if (!strcmp(name, "random")) return "BIGINT";
  if (!strcmp(name, "array_cat")) return first_arg_type(args, n);
  if (!strcmp(name, "date_trunc")) { /* the type of its timestamp: a date truncates as timestamptz */
    const char *t = n == 2 ? expr_type(args[1]) : NULL;
    return t && !strcasecmp(t, "timestamp") ? "TIMESTAMP" : "TIMESTAMPTZ";
  }
  /* PostgreSQL functions the server registers (pgwire/pgfunc.c) */
  static const struct {
    const char *name, *type;
  } pg[] = {{"pg_try_advisory_lock", "BOOLEAN"},
            {"pg_advisory_unlock", "BOOLEAN"},
            {"pg_backend_pid", "INTEGER"},
            {"now", "TIMESTAMPTZ"},
            {"clock_timestamp", "TIMESTAMPTZ"},
            {"statement_timestamp", "TIMESTAMPTZ"},
            {"transaction_timestamp", "TIMESTAMPTZ"},
            {"gen_random_uuid", "UUID"},
            {"to_char", "TEXT"},
            {"to_timestamp", "TIMESTAMPTZ"},
            {"date_part", "DOUBLE PRECISION"},
            {"extract", "NUMERIC"},
            {"current_database", "NAME"},
            {"current_user", "NAME"},
            {"session_user", "NAME"},
            {"current_schema", "NAME"},
            {"current_setting", "TEXT"},
            {"set_config", "TEXT"},
            {"quote_nullable", "TEXT"},
            {"string_agg", "TEXT"},
            {"array_length", "INTEGER"},
            {"array_lower", "INTEGER"},
            {"array_upper", "INTEGER"},
            {"array_ndims", "INTEGER"},
            {"cardinality", "INTEGER"},
            {"array_to_string", "TEXT"},
            {"string_to_array", "TEXT[]"}};
  for (size_t i = 0; i < sizeof pg / sizeof pg[0]; i++)
    if (!strcmp(name, pg[i].name)) return pg[i].type;
  return NULL;
}

/* The static type of an expression's values as a declared-type name, when it can be told: a column's
 * declared type, a CAST's type, the type PostgreSQL gives a literal, BOOLEAN for predicates, the usual
 * numeric promotion for arithmetic, and known functions and aggregates. NULL otherwise. */
static const char *expr_type(const PExpr *e) {
  if (!e) return NULL;
  switch (e->op) {
  case PX_COL:
  case PX_CAST: return e->decl;
  case PX_CONST: return expr_decl(e);
  case PX_AND:
  case PX_OR:
  case PX_NOT:
  case PX_IS:
  case PX_ISNULL:
  case PX_BETWEEN:
  case PX_INLIST:
  case PX_INSUB:
  case PX_EXISTS:
  case PX_LIKE: return "BOOLEAN";
  case PX_NEG:
  case PX_POS:
  case PX_COLLATE: return expr_type(e->a);
  case PX_CASE: return e->nlist >= 2 ? expr_type(e->list[1]) : NULL;
  case PX_BIN: {
    if (e->binop >= BO_EQ && e->binop <= BO_GE) return "BOOLEAN";
    if (e->binop == BO_CONCAT) return "TEXT";
    int a = type_class(expr_type(e->a)), b = type_class(expr_type(e->b));
    if (e->binop >= BO_BITAND) return a == TC_BIGINT || b == TC_BIGINT ? "BIGINT" : "INTEGER";
    if (a == TC_FLOAT || b == TC_FLOAT) return a && b ? "DOUBLE PRECISION" : NULL;
    if (a == TC_NUMERIC || b == TC_NUMERIC) return a && b ? "NUMERIC" : NULL;
    if ((a == TC_INT || a == TC_BIGINT) && (b == TC_INT || b == TC_BIGINT))
      return a == TC_BIGINT || b == TC_BIGINT ? "BIGINT" : "INTEGER";
    return NULL;
  }
  case PX_AGG: {
    const SelectPlan *sel = e->sub;
    if (!sel || e->agg_idx < 0 || e->agg_idx >= sel->nagg || !sel->aggs[e->agg_idx].func) return NULL;
    const AggCall *ac = &sel->aggs[e->agg_idx];
    if (!strcmp(ac->func->name, "array_agg") && ac->nargs == 2 && ac->args[1]->op == PX_CONST &&
        ac->args[1]->val.type == VAL_TEXT && ac->args[1]->val.n > 0)
      return ac->args[1]->val.z; /* the hidden array type (compile_agg_call) */
    return agg_type(ac->func->name, ac->nargs > 0 ? expr_type(ac->args[0]) : NULL);
  }
  case PX_FUNC:
    if (e->decl) return e->decl; /* a PostgreSQL cast made through pg_cast_<type> */
    return e->func ? func_type(e->func->name, e->list, e->nlist) : NULL;
  default: return NULL;
  }
}

static int set_exprtypes(mica_stmt *st, int n, PExpr **exprs) {
  if (!exprs || n <= 0) return MICA_OK;
  st->exprtypes = calloc((size_t)n + 1, sizeof(char *));
  if (!st->exprtypes) return MICA_NOMEM;
  for (int i = 0; i < n; i++) {
    char pbuf[24];
    const char *t = expr_type(exprs[i]);
    if (exprs[i] && exprs[i]->op == PX_PARAM) { /* a bare parameter: "$N" (mica.h) */
      snprintf(pbuf, sizeof pbuf, "$%d", exprs[i]->param);
      t = pbuf;
    }
    if (t && !(st->exprtypes[i] = strdup(t))) return MICA_NOMEM;
  }
  return MICA_OK;
}

static int set_columns(mica_stmt *st, int n, const char **names, const char **types, const char **tabs,
                       const char **origs) {
  st->ncol = n;
  st->row = values_alloc((size_t)n + 1);
  st->colnames = calloc((size_t)n + 1, sizeof(char *));
  st->decltypes = calloc((size_t)n + 1, sizeof(char *));
  st->col_table = calloc((size_t)n + 1, sizeof(char *));
  st->col_origin = calloc((size_t)n + 1, sizeof(char *));
  if (!st->row || !st->colnames || !st->decltypes || !st->col_table || !st->col_origin) return MICA_NOMEM;
  for (int i = 0; i < n; i++) {
    value_init(&st->row[i]);
    st->colnames[i] = strdup(names && names[i] ? names[i] : "");
    if (types && types[i]) st->decltypes[i] = strdup(types[i]);
    if (tabs && tabs[i]) st->col_table[i] = strdup(tabs[i]);
    if (origs && origs[i]) st->col_origin[i] = strdup(origs[i]);
  }
  return MICA_OK;
}

int plan_prepare(mica_stmt *st) {
  mica_db *db = st->db;
  Prog *p = calloc(1, sizeof(Prog));
  if (!p) return mica_set_error(db, MICA_NOMEM, "out of memory");
  st->prog = p;
  st->prog_schema_gen = db->schema_gen;
  Compiler c = {.db = db, .st = st, .p = p, .text = st->sql};
  XStmt xs;
  int rc = xv_stmt(st->ast, &xs, &p->arena);
  if (rc) return mica_set_error(db, MICA_ERROR, "unsupported statement");
  st->explain = xs.explain;
  if (xs.explain && xs.inner) {
    /* EXPLAIN / EXPLAIN QUERY PLAN: compile the statement and report a one-line plan per scan */
    XStmt inner;
    if (!xs.inner || xv_stmt(xs.inner, &inner, &p->arena))
      return mica_set_error(db, MICA_ERROR, "unsupported EXPLAIN");
    xs = inner;
    xs.explain = st->explain;
  }
  int old_nparam = st->nparam;
  st->readonly = 1;
  st->is_txn_ctl = 0;
  DmlPlan *d = arena_alloc(&p->arena, sizeof(DmlPlan));
  if (!d) return mica_set_error(db, MICA_NOMEM, "out of memory");
  d->kind = xs.kind;
  d->xs = xs;
  d->row_slot = -1;
  p->dml = d;
  p->free_dml = dml_free;
  Scope trig_scope = {0};
  SrcItem trig_items[2];
  if (st->trig) {
    /* a trigger body statement: NEW and OLD are slots 0 and 1, reached only as new.x / old.x */
    const TrigCtx *tc = st->trig;
    Table *tt = tc->t;
    if (new_slot(&c, tt->ncol) != TRIG_NEW_SLOT || new_slot(&c, tt->ncol) != TRIG_OLD_SLOT)
      return mica_set_error(db, MICA_NOMEM, "out of memory");
    for (int i = 0; i < 2; i++) {
      if (!(i == 0 ? tc->has_new : tc->has_old)) continue;
      SrcItem *it = &trig_items[trig_scope.nitems];
      rc = table_item(&c, tt, i == 0 ? "new" : "old", i == 0 ? TRIG_NEW_SLOT : TRIG_OLD_SLOT, it);
      if (rc) return rc;
      trig_scope.nitems++;
    }
    trig_scope.items = trig_items;
    c.trig_scope = &trig_scope;
    if (tc->when) {
      Scope empty = {0};
      rc = compile_expr(&c, &empty, tc->when, &p->trig_when);
      if (rc) return db->errcode ? db->errcode : rc;
    }
  }
  switch (xs.kind) {
  case XS_SELECT: {
    SelectPlan *sel = NULL;
    c.select_stmt = 1;
    rc = compile_select(&c, xs.sel, NULL, &sel, 1);
    c.select_stmt = 0;
    if (rc) break;
    p->kind = PROG_SELECT;
    p->sel = sel;
    if (xs.explain) {
      p->kind = PROG_OTHER;
      const char *names[] = {"id", "parent", "notused", "detail"};
      rc = set_columns(st, 4, names, NULL, NULL, NULL);
      break;
    }
    rc = set_columns(st, sel->nres, sel->res_names, sel->res_types, sel->res_table, sel->res_origin);
    if (rc == MICA_OK) {
      const SelectPlan *first = sel;
      while (first->left) /* a compound's result types are its first SELECT's */
        first = first->left;
      rc = set_exprtypes(st, sel->nres, first->nres == sel->nres ? first->res : NULL);
    }
    break;
  }
  case XS_INSERT:
  case XS_UPDATE:
  case XS_DELETE:
    st->readonly = 0;
    p->kind = PROG_OTHER;
    /* WITH before INSERT/UPDATE/DELETE: its tables are visible to the whole statement */
    for (int i = 0; i < xs.ncte; i++) {
      CteDef *cd = arena_alloc(&p->arena, sizeof(CteDef));
      if (!cd) return mica_set_error(db, MICA_NOMEM, "out of memory");
      cd->name = xs.ctes[i].name;
      cd->ncols = xs.ctes[i].ncols;
      cd->cols = xs.ctes[i].cols;
      cd->sel = xs.ctes[i].sel;
      cd->next = c.ctes;
      c.ctes = cd;
    }
    rc = xs.kind == XS_INSERT ? compile_insert(&c, &xs, d) : compile_update_delete(&c, &xs, d);
    if (rc == MICA_OK && d->nret) rc = set_columns(st, d->nret, d->ret_names, NULL, NULL, NULL);
    if (rc == MICA_OK && d->nret) rc = set_exprtypes(st, d->nret, d->ret);
    break;
  case XS_CREATE_TABLE:
  case XS_CREATE_INDEX:
  case XS_CREATE_VIEW:
  case XS_CREATE_TRIGGER:
  case XS_DROP_TABLE:
  case XS_DROP_INDEX:
  case XS_DROP_VIEW:
  case XS_DROP_TRIGGER:
  case XS_REINDEX:
  case XS_ANALYZE:
  case XS_VACUUM:
  case XS_TRUNCATE:
    /* VACUUM rewrites the file (VACUUM INTO only reads it; so do PostgreSQL's per-table forms) */
    st->readonly = xs.kind == XS_REINDEX || xs.kind == XS_ANALYZE ||
                   (xs.kind == XS_VACUUM && (xs.vacuum_into || xs.nnames > 0));
    p->kind = PROG_OTHER;
    if (xs.kind == XS_CREATE_TABLE)
      d->sqltext = normalised_create(&c, &xs, "CREATE TABLE");
    else if (xs.kind == XS_CREATE_INDEX)
      d->sqltext = normalised_create(&c, &xs, xs.unique ? "CREATE UNIQUE INDEX" : "CREATE INDEX");
    else if (xs.kind == XS_CREATE_VIEW)
      d->sqltext = normalised_create(&c, &xs, "CREATE VIEW");
    else if (xs.kind == XS_CREATE_TRIGGER) {
      d->sqltext = normalised_create(&c, &xs, "CREATE TRIGGER");
      /* SQLite reports these when the statement is prepared (run_ddl checks again) */
      if (!xs.explain && schema_find_trigger(db->schema, xs.name)) {
        if (!xs.if_not_exists) rc = mica_set_error(db, MICA_ERROR, "trigger %s already exists", xs.name);
      } else if (!xs.explain) {
        rc = trigger_check_create(db, st->ast, st->sql);
      }
    }
    if (xs.kind == XS_CREATE_VIEW && xs.sel) {
      /* check the view's select compiles now (SQLite reports errors at CREATE VIEW) */
      SelectPlan *vsel;
      Compiler c2 = c;
      rc = compile_select(&c2, xs.sel, NULL, &vsel, 0);
    }
    if (xs.kind == XS_CREATE_TABLE && xs.sel) rc = compile_select(&c, xs.sel, NULL, &d->sel, 1);
    if (xs.kind == XS_CREATE_TABLE && !xs.sel && rc == MICA_OK && !xs.explain)
      rc = check_create_table(&c, &xs);
    if (rc == MICA_OK && xs.kind == XS_CREATE_TABLE && xs.without_rowid && !xs.explain &&
        !schema_find_table(db->schema, xs.name))
      rc = check_without_rowid(db, &xs);
    break;
  case XS_CREATE_VTABLE:
    st->readonly = 0;
    p->kind = PROG_OTHER;
    d->sqltext = normalised_create(&c, &xs, "CREATE VIRTUAL TABLE");
    break;
  case XS_ALTER:
    st->readonly = 0;
    p->kind = PROG_OTHER;
    if (xs.alter_kind == 3 && db->dialect != MICA_DIALECT_POSTGRES && (rc = check_add_column(&c, &xs))) break;
    if (xs.alter_kind == 3 && xs.add_col.gen_error)
      rc = mica_set_error(db, MICA_ERROR, "error in generated column \"%s\"", xs.add_col.name);
    else if (xs.alter_kind == 3 && xs.add_col.gen_dflt)
      rc = mica_set_error(db, MICA_ERROR, "cannot use DEFAULT on a generated column");
    else if (xs.alter_kind == 3 && xs.add_col.gen && xs.add_col.pk)
      rc = mica_set_error(db, MICA_ERROR, "generated columns cannot be part of the PRIMARY KEY");
    else if (xs.alter_kind == 3 && xs.add_col_off >= 0 && xs.add_col_end > xs.add_col_off && c.text)
      d->sqltext =
          arena_strndup(&p->arena, c.text + xs.add_col_off, (size_t)(xs.add_col_end - xs.add_col_off));
    else if (xs.alter_kind == 5 && xs.cons_end > xs.cons_off && c.text)
      d->sqltext = arena_strndup(&p->arena, c.text + xs.cons_off, (size_t)(xs.cons_end - xs.cons_off));
    if (rc || ((const Stmt *)st->ast)->nalter > 0) {
      /* an error above, or the PostgreSQL dialect: checked when it runs (alter_pg.c) */
    } else if (xs.alter_kind >= AL_RENAME_TABLE && xs.alter_kind <= AL_DROP_COLUMN) {
      /* SQLite reports these errors when the statement is prepared */
      if (!xs.explain && !(xs.if_exists && !schema_find_table(db->schema, xs.name)))
        rc = alter_check(db, st->ast, st->sql);
    } else if (xs.alter_kind != AL_ADD_CONSTRAINT) {
      rc = mica_set_error(db, MICA_ERROR, "this ALTER TABLE form is not supported yet");
    }
    break;
  case XS_SEQUENCE:
    st->readonly = 0;
    p->kind = PROG_OTHER;
    break;
  case XS_BEGIN:
  case XS_COMMIT:
  case XS_ROLLBACK:
  case XS_SAVEPOINT:
  case XS_RELEASE:
  case XS_ROLLBACK_TO:
    st->is_txn_ctl = 1;
    p->kind = PROG_OTHER;
    break;
  case XS_PRAGMA: {
    p->kind = PROG_OTHER;
    d->pragma = xs.name;
    d->pragma_ident = xs.pragma_ident;
    if (xs.pragma_value) {
      Scope empty = {0};
      XExpr vx;
      xv_expr(xs.pragma_value, &vx, &p->arena);
      if (vx.kind == XK_COLUMN)
        d->pragma_ident = vx.name;
      else if ((rc = compile_expr(&c, &empty, xs.pragma_value, &d->pragma_arg)))
        break;
    }
    char **names = NULL;
    int n = 0;
    int has_value = xs.pragma_has_value || xs.pragma_value || xs.pragma_ident;
    if (!strcasecmp(xs.name, "foreign_key_check")) {
      const char *arg = d->pragma_ident;
      if (!arg && d->pragma_arg && d->pragma_arg->op == PX_CONST && d->pragma_arg->val.type == VAL_TEXT)
        arg = d->pragma_arg->val.z;
      if ((rc = fkey_pragma_check_prepare(db, arg))) break;
    }
    rc = pragma_columns(xs.name, has_value, &names, &n);
    if (rc == MICA_OK) rc = set_columns(st, n, (const char **)names, NULL, NULL, NULL);
    for (int i = 0; i < n; i++)
      free(names[i]);
    free(names);
    st->readonly = !pragma_writes(xs.name, has_value);
    break;
  }
  default: rc = mica_set_error(db, MICA_ERROR, "statement not supported yet"); break;
  }
  if (rc) return db->errcode ? db->errcode : rc;
  if (st->nparam > old_nparam) {
    Value *np = realloc(st->params, sizeof(Value) * (size_t)(st->nparam + 1));
    if (!np) return mica_set_error(db, MICA_NOMEM, "out of memory");
    for (int i = old_nparam; i < st->nparam; i++)
      value_init(&np[i]);
    st->params = np;
  }
  return MICA_OK;
}

/* One EXPLAIN QUERY PLAN row under parent; *rowid gets its id. */
static int eqp_row(RowList *out, int *id, int parent, const char *text, int *rowid) {
  Row *r = row_new(4);
  if (!r) return MICA_NOMEM;
  if (rowid) *rowid = *id;
  value_set_int(&r->v[0], (*id)++);
  value_set_int(&r->v[1], parent);
  value_set_int(&r->v[2], 0);
  value_set_text_copy(&r->v[3], text, (int)strlen(text));
  int rc = rowlist_push(out, r);
  if (rc) row_free(r);
  return rc;
}

/* SQLite's words for a scan's access path. */
static void eqp_scan_text(const Op *op, char *buf, size_t nbuf) {
  if (op->kind == OP_ROWS)
    snprintf(buf, nbuf, "SCAN (subquery)");
  else if (op->kind == OP_VTAB) {
    char vb[200];
    vtab_eqp(op, vb, sizeof vb);
    snprintf(buf, nbuf, "SCAN %s %s", op->tab->name, vb);
  } else if (op->rowid_eq)
    snprintf(buf, nbuf, "SEARCH %s USING INTEGER PRIMARY KEY (rowid=?)", op->tab->name);
  else if (op->rowid_range)
    snprintf(buf, nbuf, "SEARCH %s USING INTEGER PRIMARY KEY (%s%s%s)", op->tab->name,
             op->lo ? "rowid>?" : "", op->lo && op->hi ? " AND " : "", op->hi ? "rowid<?" : "");
  else if (op->idx && op->idx == op->tab->pk && op->neq == 0 && !op->lo && !op->hi)
    snprintf(buf, nbuf, "%s %s", op->minmax ? "SEARCH" : "SCAN", op->tab->name);
  else if (op->idx && op->neq == 0 && !op->lo && !op->hi)
    snprintf(buf, nbuf, "%s %s USING %sINDEX %s", op->minmax ? "SEARCH" : "SCAN", op->tab->name,
             op->covering ? "COVERING " : "", op->idx->name);
  else if (op->idx) {
    char cond[200];
    size_t n = 0;
    cond[0] = 0;
    for (int k = 0; k < op->neq || (k == op->neq && (op->lo || op->hi)); k++) {
      int kc = op->idx->cols[k];
      const char *cn = kc >= 0 && kc < op->tab->ncol ? op->tab->cols[kc].name : kc == -2 ? "<expr>" : "rowid";
      if (k < op->neq)
        n += (size_t)snprintf(cond + n, sizeof cond - n, "%s%s=?", k ? " AND " : "", cn);
      else {
        if (op->lo) n += (size_t)snprintf(cond + n, sizeof cond - n, "%s%s>?", k ? " AND " : "", cn);
        if (op->hi)
          n += (size_t)snprintf(cond + n, sizeof cond - n, "%s%s<?", k || op->lo ? " AND " : "", cn);
        break;
      }
      if (n >= sizeof cond) break;
    }
    if (op->idx == op->tab->pk) /* a WITHOUT ROWID table's PRIMARY KEY */
      snprintf(buf, nbuf, "SEARCH %s USING PRIMARY KEY (%s)", op->tab->name, cond);
    else
      snprintf(buf, nbuf, "SEARCH %s USING %sINDEX %s (%s)", op->tab->name, op->covering ? "COVERING " : "",
               op->idx->name, cond);
  } else if (op->autocol >= 0)
    snprintf(buf, nbuf, "SEARCH %s USING AUTOMATIC %sCOVERING INDEX (%s=?)", op->tab->name,
             op->autopartial ? "PARTIAL " : "", op->tab->cols[op->autocol].name);
  else
    snprintf(buf, nbuf, "%s %s", op->minmax ? "SEARCH" : "SCAN", op->tab->name);
  if (op->left_join && op->kind == OP_SCAN) strncat(buf, " LEFT-JOIN", nbuf - strlen(buf) - 1);
}

/* EXPLAIN QUERY PLAN rows from the operator tree. */
static int eqp_op(Op *op, RowList *out, int *id) {
  if (!op) return MICA_OK;
  int rc = MICA_OK;
  switch (op->kind) {
  case OP_FILTER: return eqp_op(op->left, out, id);
  case OP_JOIN: rc = eqp_op(op->left, out, id); return rc ? rc : eqp_op(op->right, out, id);
  case OP_SCAN:
  case OP_VTAB:
  case OP_ROWS: {
    char buf[300];
    if (op->kind == OP_SCAN && op->nor) {
      /* MULTI-INDEX OR, then INDEX n with each search under it */
      int top, mid;
      rc = eqp_row(out, id, 0, "MULTI-INDEX OR", &top);
      for (int i = 0; i < op->nor && rc == MICA_OK; i++) {
        snprintf(buf, sizeof buf, "INDEX %d", i + 1);
        rc = eqp_row(out, id, top, buf, &mid);
        if (rc == MICA_OK) {
          eqp_scan_text(op->or_scans[i], buf, sizeof buf);
          rc = eqp_row(out, id, mid, buf, NULL);
        }
      }
      return rc;
    }
    eqp_scan_text(op, buf, sizeof buf);
    return eqp_row(out, id, 0, buf, NULL);
  }
  default: return MICA_OK;
  }
}

static int eqp_select(SelectPlan *sel, RowList *out, int *id) {
  if (sel->cmp_op) {
    int rc = eqp_select(sel->left, out, id);
    return rc ? rc : eqp_select(sel->right, out, id);
  }
  int rc = eqp_op(sel->src, out, id);
  if (rc == MICA_OK && sel->is_agg && sel->ngroup && !sel->group_sat)
    rc = eqp_row(out, id, 0, "USE TEMP B-TREE FOR GROUP BY", NULL);
  if (rc == MICA_OK && !sel->is_agg && sel->distinct && !sel->distinct_sat)
    rc = eqp_row(out, id, 0, "USE TEMP B-TREE FOR DISTINCT", NULL);
  if (rc == MICA_OK && sel->norder && !sel->order_grp && sel->order_sat < sel->norder)
    rc = eqp_row(
        out, id, 0,
        sel->order_sat ? "USE TEMP B-TREE FOR RIGHT PART OF ORDER BY" : "USE TEMP B-TREE FOR ORDER BY", NULL);
  return rc;
}

int plan_run(Exec *x, RowList *out) {
  DmlPlan *d = x->prog->dml;
  mica_stmt *st = x->stmt;
  if (st->explain) {
    int id = 2;
    if (x->prog->sel) return eqp_select(x->prog->sel, out, &id);
    return MICA_OK;
  }
  switch (d->kind) {
  case XS_INSERT:
  case XS_UPDATE:
  case XS_DELETE: {
    /* the statement's row count becomes changes() when it ends (0 when its changes are rolled back) */
    mica_db *db = x->db;
    db->stmt_changes = 0;
    int rc = d->kind == XS_INSERT   ? run_insert(x, d, out)
             : d->kind == XS_UPDATE ? run_update(x, d, out)
                                    : run_delete(x, d, out);
    int64_t n = rc == MICA_OK || db->err_action == 3 ? db->stmt_changes : 0;
    db->changes = n;
    db->total_changes += n;
    return rc;
  }
  case XS_BEGIN: return ddl_begin(x, d->xs.txn_mode);
  case XS_COMMIT: return ddl_commit(x);
  case XS_ROLLBACK: return ddl_rollback(x);
  case XS_SAVEPOINT: return ddl_savepoint(x, d->xs.name);
  case XS_RELEASE: return ddl_release(x, d->xs.name, 0);
  case XS_ROLLBACK_TO: return ddl_release(x, d->xs.name, 1);
  case XS_PRAGMA: {
    Value v;
    value_init(&v);
    int rc = MICA_OK;
    const Value *arg = NULL;
    if (d->pragma_arg) {
      rc = expr_eval(x, d->pragma_arg, &v);
      if (rc == MICA_OK) rc = value_make_owned(&v);
      arg = &v;
    } else if (d->pragma_ident) {
      value_set_text(&v, d->pragma_ident, (int)strlen(d->pragma_ident), VAL_STATIC);
      arg = &v;
    }
    if (rc == MICA_OK) rc = pragma_run(x, d->pragma, arg, out);
    value_release(&v);
    if (rc == MICA_NOMEM) mica_set_error(x->db, rc, "out of memory");
    return rc;
  }
  default: return run_ddl(x, d, out);
  }
}

/* ------------------------------------------------------------------ INSERT / UPDATE / DELETE */
static int prepare_writer(Exec *x, DmlPlan *d, TableWriter *w) {
  int rc = dml_writer_open(x, d->t, w);
  w->nchecks = d->nchecks;
  w->checks = d->checks;
  w->row_slot = d->row_slot;
  w->gen_read = d->gen_read;
  w->gen_write = d->gen_write;
  w->fk_del = d->fk_del;
  return rc;
}

/* AUTOINCREMENT: the table's row in sqlite_sequence. */
static int seq_read(Exec *x, Table *t, int64_t *seq, int64_t *rowid_out) {
  *seq = 0;
  *rowid_out = 0;
  Table *sq = schema_find_table(x->db->schema, "sqlite_sequence");
  if (!sq) return MICA_OK;
  BtCursor *cur;
  int rc = btree_cursor_open(x->db->bt, sq->root, 0, NULL, &cur);
  if (rc) return mica_set_error(x->db, rc, "%s", btree_errmsg(x->db->bt));
  int eof = 0;
  for (rc = btree_first(cur, &eof); rc == MICA_OK && !eof; rc = btree_next(cur, &eof)) {
    const void *dd;
    uint32_t n;
    if ((rc = btree_data(cur, &dd, &n))) break;
    RecValue rv[2];
    int got = 0;
    if (record_decode(dd, n, rv, 2, &got) || got < 2) continue;
    if (rv[0].type == REC_TEXT && rv[0].u.s.n == strlen(t->name) &&
        !strncasecmp(rv[0].u.s.p, t->name, rv[0].u.s.n)) {
      *seq = rv[1].type == REC_INT ? rv[1].u.i : 0;
      *rowid_out = btree_rowid(cur);
      break;
    }
  }
  btree_cursor_close(cur);
  if (rc) return mica_set_error(x->db, rc, "%s", btree_errmsg(x->db->bt));
  return MICA_OK;
}

static int seq_write(Exec *x, Table *t, int64_t seq, int64_t rowid) {
  Table *sq = schema_find_table(x->db->schema, "sqlite_sequence");
  if (!sq) return MICA_OK;
  TableWriter w;
  int rc = dml_writer_open(x, sq, &w);
  if (rc == MICA_OK) {
    Value v[2];
    value_init(&v[0]);
    value_init(&v[1]);
    value_set_text(&v[0], t->name, (int)strlen(t->name), VAL_STATIC);
    value_set_int(&v[1], seq);
    uint8_t *rec;
    uint32_t nrec;
    if (!rowid) rc = dml_new_rowid(x, &w, &rowid);
    if (rc == MICA_OK && dml_encode(v, 2, &rec, &nrec) == MICA_OK) {
      rc = btree_insert(w.cur, rowid, rec, nrec);
      free(rec);
      if (rc) rc = mica_set_error(x->db, rc, "%s", btree_errmsg(x->db->bt));
    }
  }
  dml_writer_close(&w);
  return rc;
}

static void slot_show(Exec *x, int slot, Table *t, Value *vals, int64_t rowid) {
  Slot *s = &x->slots[slot];
  for (int i = 0; i < t->ncol && i < s->ncol; i++) {
    value_release(&s->cols[i]);
    value_borrow(&s->cols[i], &vals[i]);
  }
  if (t->ipk >= 0 && t->ipk < s->ncol) value_set_int(&s->cols[t->ipk], rowid);
  s->rowid = rowid;
  s->decoded = 1;
  s->rec = NULL;
  s->nullrow = 0;
}

static void slot_clear(Exec *x, int slot) {
  Slot *s = &x->slots[slot];
  for (int i = 0; i < s->ncol; i++) {
    value_release(&s->cols[i]);
    value_init(&s->cols[i]);
  }
}

static void values_free(Value *v, int n) {
  if (!v) return;
  for (int i = 0; i < n; i++)
    value_release(&v[i]);
  free(v);
}

/* The rowid a row will have, as NEW.rowid shows it: the integer v holds, else dflt. */
static int64_t rowid_of(const Value *v, int64_t dflt) {
  if (!v || v->type == VAL_NULL) return dflt;
  Value tmp;
  value_init(&tmp);
  if (value_copy(&tmp, v)) return dflt;
  value_apply_affinity(&tmp, AFF_INTEGER);
  int64_t r = tmp.type == VAL_INT ? tmp.u.i : dflt;
  value_release(&tmp);
  return r;
}

/* After BEFORE UPDATE triggers: reloads row rowid into cur (*gone when a trigger deleted it) and gives
 * every column the SET list does not assign its current value in nv, as SQLite does (the assigned
 * ones keep the values computed before the triggers ran). */
static int reload_row(Exec *x, TableWriter *w, int64_t rowid, int nset, const int *setcol, Value *nv,
                      Value *cur, int *gone) {
  Table *t = w->t;
  int found = 0;
  int rc = dml_read_row(x, w, rowid, cur, &found);
  *gone = !found;
  for (int k = 0; rc == MICA_OK && found && nv && k < t->ncol; k++) {
    if (k == t->ipk) continue;
    int set = 0;
    for (int i = 0; i < nset && !set; i++)
      set = setcol[i] == k;
    if (set) continue;
    value_release(&nv[k]);
    value_init(&nv[k]);
    rc = value_copy(&nv[k], &cur[k]);
  }
  return rc;
}

/* ON CONFLICT: when the new row conflicts, DO NOTHING skips it and DO UPDATE updates the existing
 * row instead (*handled = 1), firing the UPDATE triggers. */
static int upsert_try(Exec *x, DmlPlan *d, TableWriter *w, Value *vals, Value *explicit_rowid, int *handled,
                      RowList *out) {
  Table *t = d->t;
  *handled = 0;
  Value *rv = t->ipk >= 0 && vals[t->ipk].type != VAL_NULL ? &vals[t->ipk]
              : explicit_rowid->type != VAL_NULL           ? explicit_rowid
                                                           : NULL;
  int64_t rowid = 0;
  int have_rowid = 0;
  if (rv) {
    Value tmp;
    value_init(&tmp);
    value_copy(&tmp, rv);
    value_apply_affinity(&tmp, AFF_INTEGER);
    if (tmp.type == VAL_INT) {
      rowid = tmp.u.i;
      have_rowid = 1;
    }
    value_release(&tmp);
  }
  int found = 0;
  int64_t other = 0;
  int rc;
  if (d->up_rowid)
    rc = have_rowid ? dml_find_conflict(x, w, vals, rowid, 1, NULL, &found, &other) : MICA_OK;
  else if (d->up_index)
    rc = dml_find_conflict(x, w, vals, rowid, 0, d->up_index, &found, &other);
  else
    rc = dml_find_conflict(x, w, vals, rowid, have_rowid, NULL, &found, &other);
  if (rc || !found) return rc;
  *handled = 1;
  if (!d->up_update) return MICA_OK;
  Value *old = values_alloc((size_t)t->ncol + 1);
  Value *cur = values_alloc((size_t)t->ncol + 1);
  if (!old || !cur) {
    values_free(old, t->ncol);
    values_free(cur, t->ncol);
    return mica_set_error(x->db, MICA_NOMEM, "out of memory");
  }
  int ok = 0;
  rc = dml_read_row(x, w, other, old, &ok);
  if (rc == MICA_OK && ok) {
    slot_show(x, d->up_slot, t, old, other);
    slot_show(x, d->exc_slot, t, vals, have_rowid ? rowid : 0);
    int go = 1;
    if (d->up_where) {
      int tr = expr_truth(x, d->up_where, &rc);
      go = tr == 1;
    }
    Value *nv = values_alloc((size_t)t->ncol + 1);
    Value newrowid;
    value_init(&newrowid);
    if (!nv) rc = mica_set_error(x->db, MICA_NOMEM, "out of memory");
    for (int i = 0; rc == MICA_OK && go && i < t->ncol; i++)
      rc = value_copy(&nv[i], &old[i]);
    for (int k = 0; rc == MICA_OK && go && k < d->up_nset; k++) {
      Value v;
      value_init(&v);
      rc = expr_eval(x, d->up_setexpr[k], &v);
      int col = d->up_setcol[k];
      if (rc == MICA_OK) {
        Value *dst = col >= 0 ? &nv[col] : &newrowid;
        value_release(dst);
        value_init(dst);
        rc = value_copy(dst, &v);
        if (col >= 0 && col == t->ipk) {
          value_release(&newrowid);
          value_init(&newrowid);
          rc = rc ? rc : value_copy(&newrowid, &v);
        }
      }
      value_release(&v);
    }
    slot_clear(x, d->up_slot);
    slot_clear(x, d->exc_slot);
    if (rc == MICA_OK && go) {
      for (int k = 0; k < t->ncol; k++)
        if (k != t->ipk) value_apply_affinity(&nv[k], t->cols[k].aff);
      Value *del = old;
      int ign = 0, gone = 0;
      if (trigger_list_has(d->up_trig, TR_BEFORE)) {
        if (d->gen_write) rc = exec_gen_compute(x, d->gen_write, t, nv, rowid_of(&newrowid, other));
        if (rc == MICA_OK)
          rc = trigger_fire(x, d->up_trig, TR_BEFORE, nv, rowid_of(&newrowid, other), old, other, &ign);
        if (rc == MICA_OK && !ign) rc = reload_row(x, w, other, d->up_nset, d->up_setcol, nv, cur, &gone);
        del = cur;
      }
      int changes_rowid = newrowid.type != VAL_NULL;
      int64_t outrowid = 0;
      int skipped = 0;
      if (rc == MICA_OK && !ign && !gone) {
        rc = fkey_check_old(x, d->up_fk, old, other);
        if (rc == MICA_OK) rc = dml_delete_row(x, w, other, del);
        w->fk_new = d->up_fk;
        if (rc == MICA_OK)
          rc = dml_insert_row(x, w, nv, changes_rowid ? &newrowid : NULL, ONCONF_ABORT, &outrowid, &skipped,
                              changes_rowid ? NULL : &other);
        w->fk_new = NULL;
        if (rc == MICA_OK) {
          x->db->stmt_changes++;
          rc = emit_returning(x, d, nv, outrowid, out);
        }
        if (rc == MICA_OK) rc = fkey_actions(x, d->up_fk, old, other, nv, outrowid);
        if (rc == MICA_OK) rc = trigger_fire(x, d->up_trig, TR_AFTER, nv, outrowid, old, other, &ign);
      }
    }
    values_free(nv, t->ncol);
    value_release(&newrowid);
  }
  values_free(old, t->ncol);
  values_free(cur, t->ncol);
  return rc;
}

/* INSERT into a virtual table: its update callback with (NULL, rowid or NULL, the column values). */
static int vtab_insert_one(Exec *x, DmlPlan *d, Value *src, int nsrc) {
  Table *t = d->t;
  Value *argv = values_alloc((size_t)t->ncol + 2);
  if (!argv) return mica_set_error(x->db, MICA_NOMEM, "out of memory");
  int rc = MICA_OK;
  for (int i = 0; i < nsrc && rc == MICA_OK; i++)
    rc = value_copy(d->colmap[i] >= 0 ? &argv[2 + d->colmap[i]] : &argv[1], &src[i]);
  int64_t rowid = 0;
  if (rc == MICA_OK) rc = vtab_update(x, t, t->ncol + 2, argv, &rowid);
  if (rc == MICA_OK) {
    x->db->last_rowid = rowid;
    x->db->stmt_changes++;
  }
  for (int i = 0; i < t->ncol + 2; i++)
    value_release(&argv[i]);
  free(argv);
  return rc == MICA_NOMEM ? mica_set_error(x->db, MICA_NOMEM, "out of memory") : rc;
}

static int collect_rows(Exec *x, DmlPlan *d, TableWriter *w, RowList *rows);

/* UPDATE / DELETE of a virtual table: the rows first, then the update callback per row. The writer only
 * names the table (a virtual table has no PRIMARY KEY handles: rows sort by rowid). */
static int run_vtab_dml(Exec *x, DmlPlan *d) {
  Table *t = d->t;
  RowList rows = {0};
  TableWriter w;
  memset(&w, 0, sizeof w);
  w.t = t;
  int rc = collect_rows(x, d, &w, &rows);
  Value *argv = values_alloc((size_t)t->ncol + 2);
  if (rc == MICA_OK && !argv) rc = mica_set_error(x->db, MICA_NOMEM, "out of memory");
  for (int64_t i = 0; rc == MICA_OK && i < rows.n; i++) {
    Row *r = rows.rows[i];
    if (d->kind == XS_DELETE) {
      rc = vtab_update(x, t, 1, r->v, NULL);
    } else {
      /* r: old rowid, the new column values, the new rowid (NULL unless SET assigns it) */
      value_borrow(&argv[0], &r->v[0]);
      value_borrow(&argv[1], r->v[1 + t->ncol].type != VAL_NULL ? &r->v[1 + t->ncol] : &r->v[0]);
      for (int k = 0; k < t->ncol; k++)
        value_borrow(&argv[2 + k], &r->v[1 + k]);
      rc = vtab_update(x, t, t->ncol + 2, argv, NULL);
      for (int k = 0; k < t->ncol + 2; k++) { /* borrowed: this drops only cached conversions */
        value_release(&argv[k]);
        value_init(&argv[k]);
      }
    }
    if (rc == MICA_OK) x->db->stmt_changes++;
  }
  free(argv);
  rowlist_clear(&rows);
  return rc;
}

static int insert_one(Exec *x, DmlPlan *d, TableWriter *w, Value *src, int nsrc, RowList *out) {
  Table *t = d->t;
  int rc = MICA_OK;
  if (t->is_virtual) return vtab_insert_one(x, d, src, nsrc);
  Value *vals = values_alloc((size_t)t->ncol + 1);
  if (!vals) return mica_set_error(x->db, MICA_NOMEM, "out of memory");
  for (int i = 0; i < t->ncol; i++)
    value_init(&vals[i]);
  Value rowid;
  value_init(&rowid);
  uint8_t *given = calloc((size_t)t->ncol + 1, 1);
  if (!given) {
    free(vals);
    return mica_set_error(x->db, MICA_NOMEM, "out of memory");
  }
  for (int i = 0; i < nsrc && rc == MICA_OK; i++) {
    int k = d->colmap[i];
    Value *dst = k >= 0 ? &vals[k] : &rowid;
    value_release(dst);
    rc = value_copy(dst, &src[i]);
    if (k >= 0) given[k] = 1;
  }
  for (int i = 0; i < t->ncol && rc == MICA_OK; i++) {
    if (!given[i] && d->dflts && d->dflts[i]) {
      Value v;
      value_init(&v);
      rc = expr_eval(x, d->dflts[i], &v);
      if (rc == MICA_OK) rc = value_copy(&vals[i], &v);
      value_release(&v);
    }
    /* NEW of an INSTEAD OF INSERT trigger gets the values as given */
    if (rc == MICA_OK && i != t->ipk && !d->view) value_apply_affinity(&vals[i], t->cols[i].aff);
  }
  if (rc == MICA_OK && t->ipk >= 0 && vals[t->ipk].type == VAL_NULL && rowid.type != VAL_NULL) {
    value_release(&vals[t->ipk]);
    value_move(&vals[t->ipk], &rowid);
  }
  int64_t newrowid = 0;
  int skipped = 0, done = 0, ign = 0;
  /* generated columns as BEFORE triggers and UPSERT's excluded see them (the rowid -1 when still to
   * be chosen); dml_insert_row computes them again once the rowid is known */
  if (rc == MICA_OK && d->gen_write)
    rc = exec_gen_compute(x, d->gen_write, t, vals, rowid_of(t->ipk >= 0 ? &vals[t->ipk] : &rowid, -1));
  if (rc == MICA_OK && d->view) {
    rc = trigger_fire(x, d->trig, TR_INSTEAD_OF, vals, -1, NULL, 0, &ign);
    if (rc == MICA_OK && !ign) rc = emit_returning(x, d, vals, -1, out);
    done = 1;
  }
  if (rc == MICA_OK && !done && trigger_list_has(d->trig, TR_BEFORE)) {
    /* NEW.rowid is -1 while the rowid is still to be chosen */
    rc = trigger_fire(x, d->trig, TR_BEFORE, vals, rowid_of(t->ipk >= 0 ? &vals[t->ipk] : &rowid, -1), NULL,
                      0, &ign);
    done = ign;
  }
  if (rc == MICA_OK && !done && d->has_upsert) rc = upsert_try(x, d, w, vals, &rowid, &done, out);
  if (rc == MICA_OK && !done && t->autoinc && t->ipk >= 0 && vals[t->ipk].type == VAL_NULL) {
    int64_t maxr = 0;
    rc = dml_new_rowid(x, w, &maxr);
    if (rc == MICA_OK) {
      if (d->seq >= maxr) {
        if (d->seq == INT64_MAX)
          rc = mica_set_error(x->db, MICA_FULL, "database or disk is full");
        else
          maxr = d->seq + 1;
      }
      value_set_int(&vals[t->ipk], maxr);
    }
  }
  if (rc == MICA_OK && !done) {
    w->replace_trig = d->del_trig;
    w->fk_new = d->fk;
    rc = dml_insert_row(x, w, vals, rowid.type != VAL_NULL ? &rowid : NULL, d->onconf, &newrowid, &skipped,
                        NULL);
    w->replace_trig = NULL;
    w->fk_new = NULL;
  }
  if (rc == MICA_OK && !done && !skipped && t->autoinc && newrowid > d->seq) {
    d->seq = newrowid;
    d->seq_dirty = 1;
  }
  if (rc == MICA_OK && !done && !skipped) {
    x->db->stmt_changes++;
    if (!t->pk) x->db->last_rowid = newrowid; /* a WITHOUT ROWID insert leaves it alone */
    rc = emit_returning(x, d, vals, newrowid, out);
    if (rc == MICA_OK) rc = trigger_fire(x, d->trig, TR_AFTER, vals, newrowid, NULL, 0, &ign);
  }
  values_free(vals, t->ncol);
  value_release(&rowid);
  free(given);
  return rc;
}

static int run_insert(Exec *x, DmlPlan *d, RowList *out) {
  (void)out;
  TableWriter w;
  memset(&w, 0, sizeof w);
  d->seq = 0;
  d->seq_dirty = 0;
  d->seq_rowid = 0;
  int rc = d->t->autoinc ? seq_read(x, d->t, &d->seq, &d->seq_rowid) : MICA_OK;
  if (rc) return rc;
  /* a view's INSTEAD OF triggers write nothing here, a virtual table's module writes */
  if (!d->view && !d->t->is_virtual) rc = prepare_writer(x, d, &w);
  if (rc == MICA_OK && d->rows) {
    Value *src = values_alloc((size_t)d->ncols + 1);
    if (!src) rc = mica_set_error(x->db, MICA_NOMEM, "out of memory");
    for (int r = 0; rc == MICA_OK && r < d->nrows; r++) {
      for (int i = 0; i < d->ncols && rc == MICA_OK; i++) {
        value_release(&src[i]);
        value_init(&src[i]);
        rc = expr_eval(x, d->rows[r][i], &src[i]);
      }
      if (rc == MICA_OK) rc = insert_one(x, d, &w, src, d->ncols, out);
    }
    if (src)
      for (int i = 0; i < d->ncols; i++)
        value_release(&src[i]);
    free(src);
  } else if (rc == MICA_OK && d->sel) {
    /* materialise the source first: it may read the table being written */
    RowList rows = {0};
    rc = select_open(x, d->sel);
    while (rc == MICA_OK && (rc = select_next(x, d->sel)) == MICA_ROW) {
      Row *r = row_new(d->sel->nres);
      rc = r ? MICA_OK : MICA_NOMEM;
      for (int i = 0; rc == MICA_OK && i < d->sel->nres; i++)
        rc = value_copy(&r->v[i], &d->sel->cur->v[i]);
      if (rc == MICA_OK)
        rc = rowlist_push(&rows, r);
      else
        row_free(r);
    }
    select_close(d->sel);
    if (rc == MICA_DONE) rc = MICA_OK;
    for (int64_t i = 0; rc == MICA_OK && i < rows.n; i++)
      rc = insert_one(x, d, &w, rows.rows[i]->v, d->sel->nres, out);
    rowlist_clear(&rows);
  } else if (rc == MICA_OK) {
    rc = insert_one(x, d, &w, NULL, 0, out); /* DEFAULT VALUES */
  }
  dml_writer_close(&w);
  if (rc == MICA_OK && d->seq_dirty) rc = seq_write(x, d->t, d->seq, d->seq_rowid);
  if (rc == MICA_NOMEM) mica_set_error(x->db, rc, "out of memory");
  return rc;
}

/* UPDATE: r->v[1..ncol] get the row's new values (its current values with the SET list applied, the
 * SET expressions reading slot d->slot), r->v[1 + ncol] the new rowid when SET assigns one. */
static int apply_set(Exec *x, DmlPlan *d, Row *r) {
  Table *t = d->t;
  int rc = MICA_OK;
  for (int k = 0; k < d->nset && rc == MICA_OK; k++) {
    Value v;
    value_init(&v);
    rc = expr_eval(x, d->setexpr[k], &v);
    if (rc == MICA_OK) {
      int col = d->setcol[k];
      Value *dst = col >= 0 ? &r->v[1 + col] : &r->v[1 + t->ncol];
      value_release(dst);
      value_init(dst);
      rc = value_copy(dst, &v);
      if (col == t->ipk && col >= 0) {
        value_release(&r->v[1 + t->ncol]);
        value_init(&r->v[1 + t->ncol]);
        rc = rc ? rc : value_copy(&r->v[1 + t->ncol], &v);
      }
    }
    value_release(&v);
  }
  return rc;
}

/* The handle naming the WITHOUT ROWID row in slot (dml.h). */
static int slot_pk_handle(Exec *x, TableWriter *w, int slot, int64_t *handle) {
  Index *pk = w->t->pk;
  Value stackv[16];
  Value *pv = pk->ncol <= 16 ? stackv : values_alloc((size_t)pk->ncol);
  if (!pv) return mica_set_error(x->db, MICA_NOMEM, "out of memory");
  int rc = MICA_OK;
  for (int j = 0; j < pk->ncol && rc == MICA_OK; j++) {
    Value *v = slot_col(x, slot, pk->cols[j], &rc);
    if (v) value_borrow(&pv[j], v);
  }
  if (rc == MICA_OK) rc = dml_pk_handle(x, w, pv, handle);
  if (pv != stackv) free(pv);
  return rc;
}

/* Does SQLite visit the rows of this UPDATE/DELETE in rowid (PRIMARY KEY) order? It visits them in
 * scan order only in its one-pass mode, which triggers (RETURNING is one), a changed rowid or PRIMARY
 * KEY, or a REPLACE conflict rule rule out: then it collects the keys first and visits them sorted. */
static int visits_in_key_order(const DmlPlan *d) {
  const Table *t = d->t;
  if (d->nret || trigger_list_has(d->trig, TR_BEFORE) || trigger_list_has(d->trig, TR_AFTER)) return 1;
  if (d->kind != XS_UPDATE) return 0;
  if (d->onconf == ONCONF_REPLACE) return 1;
  for (const Index *ix = t->indexes; ix; ix = ix->next_in_table)
    if (ix->onerror == ONCONF_REPLACE) return 1;
  if (t->pk && t->pk->onerror == ONCONF_REPLACE) return 1;
  for (int k = 0; k < d->nset; k++) {
    int col = d->setcol[k];
    if (col < 0 || col == t->ipk || (t->pk && t->cols[col].pk)) return 1;
  }
  return 0;
}

static int row_key_cmp(const void *a, const void *b, void *w) {
  const Row *ra = *(Row *const *)a, *rb = *(Row *const *)b;
  return dml_handle_cmp(w, ra->v[0].u.i, rb->v[0].u.i);
}

/* Collects the rowids (WITHOUT ROWID: w's handles) and for UPDATE the new row values of the rows the
 * statement touches, in the order SQLite visits them. */
static int collect_rows(Exec *x, DmlPlan *d, TableWriter *w, RowList *rows) {
  Table *t = d->t;
  int rc = op_open(x, d->src);
  while (rc == MICA_OK && (rc = op_next(x, d->src)) == MICA_ROW) {
    rc = MICA_OK;
    Slot *s = &x->slots[d->slot];
    int n = d->kind == XS_UPDATE ? t->ncol + 2 : 1;
    int64_t id = s->rowid;
    if (t->pk && (rc = slot_pk_handle(x, w, d->slot, &id))) break;
    Row *r = row_new(n);
    if (!r) {
      rc = MICA_NOMEM;
      break;
    }
    value_set_int(&r->v[0], id);
    if (d->kind == XS_UPDATE) {
      for (int i = 0; i < t->ncol && rc == MICA_OK; i++) {
        Value *v = slot_col(x, d->slot, i, &rc);
        if (rc == MICA_OK) rc = value_copy(&r->v[1 + i], v);
      }
      if (t->ipk >= 0) value_set_int(&r->v[1 + t->ipk], s->rowid);
      /* new rowid (SET rowid = ...) goes in the last value */
      if (rc == MICA_OK) rc = apply_set(x, d, r);
    }
    if (rc == MICA_OK)
      rc = rowlist_push(rows, r);
    else
      row_free(r);
  }
  op_close(d->src);
  if (rc == MICA_DONE) rc = MICA_OK;
  if (rc == MICA_OK && rows->n > 1 && visits_in_key_order(d))
    qsort_r(rows->rows, (size_t)rows->n, sizeof(Row *), row_key_cmp, w);
  if (rc == MICA_NOMEM) mica_set_error(x->db, rc, "out of memory");
  return rc;
}

/* With triggers, an UPDATE computes each row's new values when it gets to the row, from the row as the
 * triggers fired so far left it (SQLite's order). */
static int recompute_set(Exec *x, DmlPlan *d, Value *cur, int64_t rowid, Row *r) {
  Table *t = d->t;
  int rc = MICA_OK;
  slot_show(x, d->slot, t, cur, rowid);
  for (int i = 0; i < t->ncol && rc == MICA_OK; i++) {
    value_release(&r->v[1 + i]);
    value_init(&r->v[1 + i]);
    rc = value_copy(&r->v[1 + i], &cur[i]);
  }
  if (t->ipk >= 0) value_set_int(&r->v[1 + t->ipk], rowid);
  value_release(&r->v[1 + t->ncol]);
  value_init(&r->v[1 + t->ncol]);
  if (rc == MICA_OK) rc = apply_set(x, d, r);
  slot_clear(x, d->slot);
  return rc;
}

/* UPDATE / DELETE of a view through its INSTEAD OF triggers: OLD is each row of the view that WHERE
 * selects and NEW (UPDATE) that row with the SET list applied; rowids number the rows from 1. */
static int run_view_dml(Exec *x, DmlPlan *d, RowList *out) {
  Table *t = d->t;
  int n = t->ncol, upd = d->kind == XS_UPDATE;
  RowList rows = {0};
  int rc = op_open(x, d->src);
  while (rc == MICA_OK && (rc = op_next(x, d->src)) == MICA_ROW) {
    rc = MICA_OK;
    Row *r = row_new(2 * n + 1);
    if (!r) {
      rc = mica_set_error(x->db, MICA_NOMEM, "out of memory");
      break;
    }
    for (int i = 0; i < n && rc == MICA_OK; i++) {
      Value *v = slot_col(x, d->slot, i, &rc);
      if (rc == MICA_OK) rc = value_copy(&r->v[i], v);
      if (rc == MICA_OK) rc = value_copy(&r->v[n + i], v);
    }
    for (int k = 0; upd && k < d->nset && rc == MICA_OK; k++) {
      Value v;
      value_init(&v);
      rc = expr_eval(x, d->setexpr[k], &v);
      int col = d->setcol[k];
      if (rc == MICA_OK && col >= 0) {
        value_release(&r->v[n + col]);
        value_init(&r->v[n + col]);
        rc = value_copy(&r->v[n + col], &v);
      }
      value_release(&v);
    }
    if (rc == MICA_OK)
      rc = rowlist_push(&rows, r) ? mica_set_error(x->db, MICA_NOMEM, "out of memory") : MICA_OK;
    if (rc) row_free(r);
  }
  op_close(d->src);
  if (rc == MICA_DONE) rc = MICA_OK;
  for (int64_t i = 0; rc == MICA_OK && i < rows.n; i++) {
    Row *r = rows.rows[i];
    Value *nv = upd ? &r->v[n] : NULL;
    for (int k = 0; nv && k < n; k++)
      value_apply_affinity(&nv[k], t->cols[k].aff);
    int ign = 0;
    rc = trigger_fire(x, d->trig, TR_INSTEAD_OF, nv, i + 1, r->v, i + 1, &ign);
    if (rc == MICA_OK && !ign) rc = emit_returning(x, d, nv ? nv : r->v, i + 1, out);
  }
  rowlist_clear(&rows);
  return rc;
}

static int run_update(Exec *x, DmlPlan *d, RowList *out) {
  if (d->view) return run_view_dml(x, d, out);
  if (d->t->is_virtual) return run_vtab_dml(x, d);
  Table *t = d->t;
  RowList rows = {0};
  TableWriter w;
  int rc = prepare_writer(x, d, &w);
  if (rc == MICA_OK) rc = collect_rows(x, d, &w, &rows);
  Value *old = values_alloc((size_t)t->ncol + 1);
  Value *cur = values_alloc((size_t)t->ncol + 1);
  if ((!old || !cur) && rc == MICA_OK) rc = mica_set_error(x->db, MICA_NOMEM, "out of memory");
  for (int64_t i = 0; rc == MICA_OK && i < rows.n; i++) {
    Row *r = rows.rows[i];
    int64_t rowid = r->v[0].u.i;
    int found = 0;
    rc = dml_read_row(x, &w, rowid, old, &found);
    if (rc || !found) continue;
    /* triggers and foreign key actions may have changed the row since it was collected */
    if ((d->trig || d->fk) && (rc = recompute_set(x, d, old, rowid, r))) break;
    Value *nv = &r->v[1];
    for (int k = 0; k < t->ncol; k++)
      if (k != t->ipk) value_apply_affinity(&nv[k], t->cols[k].aff);
    Value *newrowid = &r->v[1 + t->ncol];
    Value *del = old;
    if (trigger_list_has(d->trig, TR_BEFORE)) {
      int ign = 0, gone = 0;
      if (d->gen_write && (rc = exec_gen_compute(x, d->gen_write, t, nv, rowid_of(newrowid, rowid)))) break;
      rc = trigger_fire(x, d->trig, TR_BEFORE, nv, rowid_of(newrowid, rowid), old, rowid, &ign);
      if (rc == MICA_OK && !ign) rc = reload_row(x, &w, rowid, d->nset, d->setcol, nv, cur, &gone);
      if (rc || ign || gone) continue;
      del = cur;
    }
    rc = fkey_check_old(x, d->fk, old, rowid);
    if (rc == MICA_OK) rc = dml_delete_row(x, &w, rowid, del);
    if (rc) break;
    int64_t outrowid = 0;
    int skipped = 0;
    int64_t keep = rowid;
    int changes_rowid = newrowid->type != VAL_NULL;
    w.replace_trig = d->del_trig;
    w.fk_new = d->fk;
    rc = dml_insert_row(x, &w, nv, changes_rowid ? newrowid : NULL, d->onconf, &outrowid, &skipped,
                        changes_rowid ? NULL : &keep);
    w.replace_trig = NULL;
    w.fk_new = NULL;
    if (rc != MICA_OK && x->db->err_action == ONCONF_FAIL) {
      /* OR FAIL keeps the rows already updated: the failing one goes back as it was */
      int sk2;
      dml_insert_row(x, &w, del, NULL, ONCONF_ABORT, &outrowid, &sk2, &keep);
      break;
    }
    if (rc == MICA_OK && skipped) {
      /* OR IGNORE: put the old row back */
      int sk2;
      rc = dml_insert_row(x, &w, del, NULL, ONCONF_ABORT, &outrowid, &sk2, &keep);
      continue;
    }
    if (rc == MICA_OK) {
      x->db->stmt_changes++;
      rc = emit_returning(x, d, nv, outrowid, out);
    }
    if (rc == MICA_OK) rc = fkey_actions(x, d->fk, old, rowid, nv, outrowid);
    if (rc == MICA_OK && d->trig) {
      int ign = 0;
      rc = trigger_fire(x, d->trig, TR_AFTER, nv, outrowid, old, rowid, &ign);
    }
  }
  values_free(old, t->ncol);
  values_free(cur, t->ncol);
  dml_writer_close(&w);
  rowlist_clear(&rows);
  return rc;
}

static int run_delete(Exec *x, DmlPlan *d, RowList *out) {
  if (d->view) return run_view_dml(x, d, out);
  if (d->t->is_virtual) return run_vtab_dml(x, d);
  Table *t = d->t;
  int rc;
  if (!d->xs.where && !d->nret && !d->trig && !d->fk) {
    /* DELETE without WHERE: clear the table and its indexes */
    int64_t n = 0;
    rc = btree_clear_table(x->db->bt, t->root, &n);
    for (Index *ix = t->indexes; rc == MICA_OK && ix; ix = ix->next_in_table)
      rc = btree_clear_table(x->db->bt, ix->root, NULL);
    if (rc) return mica_set_error(x->db, rc, "%s", btree_errmsg(x->db->bt));
    x->db->stmt_changes += n;
    return MICA_OK;
  }
  RowList rows = {0};
  TableWriter w;
  rc = prepare_writer(x, d, &w);
  if (rc == MICA_OK) rc = collect_rows(x, d, &w, &rows);
  Value *old = values_alloc((size_t)t->ncol + 1);
  Value *cur = values_alloc((size_t)t->ncol + 1);
  if ((!old || !cur) && rc == MICA_OK) rc = mica_set_error(x->db, MICA_NOMEM, "out of memory");
  for (int64_t i = 0; rc == MICA_OK && i < rows.n; i++) {
    int64_t rowid = rows.rows[i]->v[0].u.i;
    int found = 0;
    rc = dml_read_row(x, &w, rowid, old, &found);
    if (rc || !found) continue;
    Value *del = old;
    if (trigger_list_has(d->trig, TR_BEFORE)) {
      /* the BEFORE triggers may have changed or deleted the row */
      int ign = 0, gone = 0;
      rc = trigger_fire(x, d->trig, TR_BEFORE, NULL, 0, old, rowid, &ign);
      if (rc == MICA_OK && !ign) rc = reload_row(x, &w, rowid, 0, NULL, NULL, cur, &gone);
      if (rc || ign || gone) continue;
      del = cur;
    }
    rc = fkey_check_old(x, d->fk, old, rowid);
    if (rc == MICA_OK) rc = dml_delete_row(x, &w, rowid, del);
    if (rc == MICA_OK) {
      x->db->stmt_changes++;
      rc = emit_returning(x, d, old, rowid, out);
    }
    if (rc == MICA_OK) rc = fkey_actions(x, d->fk, old, rowid, NULL, 0);
    if (rc == MICA_OK && d->trig) {
      int ign = 0;
      rc = trigger_fire(x, d->trig, TR_AFTER, NULL, 0, old, rowid, &ign);
    }
  }
  values_free(old, t->ncol);
  values_free(cur, t->ncol);
  dml_writer_close(&w);
  rowlist_clear(&rows);
  return rc;
}

/* ------------------------------------------------------------------ DDL */
static int exists_error(Exec *x, const char *name) {
  Schema *s = x->db->schema;
  Table *t = schema_find_table(s, name);
  if (t)
    return mica_set_error(x->db, MICA_ERROR, "%s %s already exists", t->is_view ? "view" : "table", name);
  Index *ix = schema_find_index(s, name);
  if (ix) return mica_set_error(x->db, MICA_ERROR, "there is already an index named %s", name);
  return MICA_OK;
}

static int populate_index(Exec *x, Index *ix) {
  Table *t = ix->table;
  TableWriter w;
  int rc = dml_writer_open(x, t, &w);
  /* rows are read with their VIRTUAL columns computed, in a program of their own (gx) */
  Prog *gp = NULL;
  GenCols *g = NULL;
  Exec gx = *x;
  if (rc == MICA_OK) rc = gencols_standalone(x->db, t, 0, &gp, &g);
  if (rc == MICA_OK && g) {
    w.gen_read = g;
    gx.prog = gp;
    gx.slots = gp->slots;
  }
  BtCursor *icur = NULL;
  if (rc == MICA_OK) {
    rc = btree_cursor_open(x->db->bt, ix->root, 1, &ix->keyinfo, &icur);
    if (rc) rc = mica_set_error(x->db, rc, "%s", btree_errmsg(x->db->bt));
  }
  Value *vals = values_alloc((size_t)t->ncol + 1);
  if (!vals && rc == MICA_OK) rc = mica_set_error(x->db, MICA_NOMEM, "out of memory");
  /* collect rowids first: reading through w.cur while inserting into another tree is fine (a WITHOUT
   * ROWID table's rows are read in the same pass: the new entries name no other row, handle 0) */
  RowList ids = {0};
  int eof = 0;
  if (rc == MICA_OK)
    for (rc = btree_first(w.cur, &eof); rc == MICA_OK && !eof; rc = btree_next(w.cur, &eof)) {
      if (t->pk) {
        const void *d;
        uint32_t n;
        if ((rc = btree_data(w.cur, &d, &n))) break;
        if ((rc = dml_decode_row(x, t, d, n, 0, vals))) break;
        if ((rc = dml_index_insert(x, &w, ix, icur, 0, vals, 1))) break;
        continue;
      }
      Row *r = row_new(1);
      if (!r) {
        rc = MICA_NOMEM;
        break;
      }
      value_set_int(&r->v[0], btree_rowid(w.cur));
      if ((rc = rowlist_push(&ids, r))) row_free(r);
    }
  for (int64_t i = 0; rc == MICA_OK && i < ids.n; i++) {
    int found;
    rc = dml_read_row(&gx, &w, ids.rows[i]->v[0].u.i, vals, &found);
    if (rc == MICA_OK && found) rc = dml_index_insert(x, &w, ix, icur, ids.rows[i]->v[0].u.i, vals, 1);
  }
  prog_free(gp);
  rowlist_clear(&ids);
  if (vals) {
    for (int k = 0; k < t->ncol; k++)
      value_release(&vals[k]);
    free(vals);
  }
  if (icur) btree_cursor_close(icur);
  dml_writer_close(&w);
  return rc;
}

int plan_populate_index(Exec *x, Index *ix) { return populate_index(x, ix); }

static int needs_quote(const char *z) {
  if (!*z || isdigit((unsigned char)*z)) return 1;
  for (const char *p = z; *p; p++)
    if (!isalnum((unsigned char)*p) && *p != '_') return 1;
  static const char *const kw[] = {
      "ADD",     "ALL",     "ALTER",      "AND",    "AS",      "BETWEEN", "BY",   "CASE",     "CHECK",
      "COLLATE", "COLUMN",  "CONSTRAINT", "CREATE", "DEFAULT", "DELETE",  "DESC", "DISTINCT", "DROP",
      "ELSE",    "END",     "EXISTS",     "FROM",   "GROUP",   "HAVING",  "IN",   "INDEX",    "INSERT",
      "INTO",    "IS",      "JOIN",       "KEY",    "LIMIT",   "NOT",     "NULL", "ON",       "OR",
      "ORDER",   "PRIMARY", "REFERENCES", "SELECT", "SET",     "TABLE",   "THEN", "TO",       "UNION",
      "UNIQUE",  "UPDATE",  "USING",      "VALUES", "WHEN",    "WHERE",   NULL};
  for (int i = 0; kw[i]; i++)
    if (!strcasecmp(kw[i], z)) return 1;
  return 0;
}

static void buf_quoted(char **buf, size_t *len, size_t *cap, const char *z) {
  size_t need = *len + strlen(z) * 2 + 8;
  if (need > *cap) {
    size_t nc = need * 2;
    char *nb = realloc(*buf, nc);
    if (!nb) return;
    *buf = nb;
    *cap = nc;
  }
  if (!needs_quote(z)) {
    *len += (size_t)sprintf(*buf + *len, "%s", z);
    return;
  }
  (*buf)[(*len)++] = '"';
  for (const char *p = z; *p; p++) {
    if (*p == '"') (*buf)[(*len)++] = '"';
    (*buf)[(*len)++] = *p;
  }
  (*buf)[(*len)++] = '"';
  (*buf)[*len] = 0;
}

/* CREATE TABLE t AS SELECT: the rows first (the select's plan points into the current schema), then
 * the table with SQLite's generated definition, then the inserts. */
static int run_create_as(Exec *x, DmlPlan *d) {
  mica_db *db = x->db;
  SelectPlan *sel = d->sel;
  RowList rows = {0};
  int rc = select_open(x, sel);
  while (rc == MICA_OK && (rc = select_next(x, sel)) == MICA_ROW) {
    Row *r = row_new(sel->nres);
    rc = r ? MICA_OK : MICA_NOMEM;
    for (int i = 0; rc == MICA_OK && i < sel->nres; i++)
      rc = value_copy(&r->v[i], &sel->cur->v[i]);
    if (rc == MICA_OK)
      rc = rowlist_push(&rows, r);
    else
      row_free(r);
  }
  select_close(sel);
  if (rc == MICA_DONE) rc = MICA_OK;
  size_t cap = 256, len = 0;
  char *sql = malloc(cap);
  char **names = calloc((size_t)sel->nres + 1, sizeof(char *));
  if (!sql || !names) rc = MICA_NOMEM;
  if (rc == MICA_OK) {
    len = (size_t)sprintf(sql, "CREATE TABLE ");
    buf_quoted(&sql, &len, &cap, d->xs.name);
    buf_quoted(&sql, &len, &cap, "(");
    len -= 3; /* "(" was quoted: undo and add it bare */
    sql[len++] = '(';
    sql[len] = 0;
    for (int i = 0; i < sel->nres && rc == MICA_OK; i++) {
      const char *base = sel->res_names[i] ? sel->res_names[i] : "";
      char *nm = strdup(base);
      for (int k = 1; nm; k++) {
        int dup = 0;
        for (int j = 0; j < i; j++)
          if (names[j] && !strcasecmp(names[j], nm)) dup = 1;
        if (!dup) break;
        free(nm);
        nm = malloc(strlen(base) + 16);
        if (nm) sprintf(nm, "%s:%d", base, k);
      }
      if (!nm) {
        rc = MICA_NOMEM;
        break;
      }
      names[i] = nm;
      char aff = sel->res[i]->aff;
      const char *ty = aff == AFF_INTEGER   ? " INT"
                       : aff == AFF_TEXT    ? " TEXT"
                       : aff == AFF_REAL    ? " REAL"
                       : aff == AFF_NUMERIC ? " NUM"
                                            : "";
      if (len + 16 > cap) {
        cap = cap * 2 + 16;
        char *nb = realloc(sql, cap);
        if (!nb) {
          rc = MICA_NOMEM;
          break;
        }
        sql = nb;
      }
      len += (size_t)sprintf(sql + len, "%s\n  ", i ? "," : "");
      buf_quoted(&sql, &len, &cap, nm);
      if (len + 16 > cap) {
        cap = cap * 2 + 16;
        char *nb = realloc(sql, cap);
        if (!nb) {
          rc = MICA_NOMEM;
          break;
        }
        sql = nb;
      }
      len += (size_t)sprintf(sql + len, "%s", ty);
    }
    if (rc == MICA_OK && len + 4 < cap) len += (size_t)sprintf(sql + len, "\n)");
  }
  char *tname = strdup(d->xs.name);
  uint32_t root = 0;
  if (rc == MICA_OK && !tname) rc = MICA_NOMEM;
  if (rc == MICA_NOMEM) mica_set_error(db, rc, "out of memory");
  if (rc == MICA_OK) rc = ddl_create_tree(x, BTREE_INTKEY, &root);
  if (rc == MICA_OK) rc = ddl_schema_insert(x, "table", tname, tname, root, sql);
  if (rc == MICA_OK) rc = ddl_schema_changed(x);
  if (rc == MICA_OK) rc = schema_ensure(db);
  Table *t = rc == MICA_OK ? schema_find_table(db->schema, tname) : NULL;
  if (rc == MICA_OK && !t) rc = mica_set_error(db, MICA_INTERNAL, "table vanished");
  if (rc == MICA_OK) {
    TableWriter w;
    rc = dml_writer_open(x, t, &w);
    for (int64_t i = 0; rc == MICA_OK && i < rows.n; i++) {
      Value *v = rows.rows[i]->v;
      for (int k = 0; k < t->ncol && k < rows.rows[i]->n; k++)
        value_apply_affinity(&v[k], t->cols[k].aff);
      int64_t rowid;
      int skipped;
      rc = dml_insert_row(x, &w, v, NULL, ONCONF_ABORT, &rowid, &skipped, NULL);
    }
    dml_writer_close(&w);
  }
  if (names) {
    for (int i = 0; i < sel->nres; i++)
      free(names[i]);
    free(names);
  }
  free(tname);
  free(sql);
  rowlist_clear(&rows);
  return rc;
}

static int drop_table(Exec *x, DmlPlan *d, const char *tname);
static int drop_index(Exec *x, const char *iname, int if_exists);
static int truncate_table(Exec *x, const char *tname);
static int run_ddl2(Exec *x, DmlPlan *d, RowList *out);
static int alter_add_constraint(Exec *x, DmlPlan *d, Table *t);

/* PostgreSQL's ADD [CONSTRAINT]: the table exists (alter_pg_run checked). */
static int pg_add_constraint(Exec *x) {
  DmlPlan *d = x->prog->dml;
  return alter_add_constraint(x, d, schema_find_table(x->db->schema, d->xs.name));
}

static int run_ddl(Exec *x, DmlPlan *d, RowList *out) {
  (void)out;
  XStmt *xs = &d->xs;
  Schema *s = x->db->schema;
  mica_db *db = x->db;
  int rc = MICA_OK;
  switch (d->kind) {
  case XS_CREATE_TABLE: {
    if (schema_find_table(s, xs->name) || schema_find_index(s, xs->name)) {
      if (xs->if_not_exists) return MICA_OK;
      return exists_error(x, xs->name);
    }
    if (d->sel) return run_create_as(x, d);
    if (!strncasecmp(xs->name, "sqlite_", 7))
      return mica_set_error(db, MICA_ERROR, "object name reserved for internal use: %s", xs->name);
    for (int i = 0; i < xs->ncoldef; i++)
      for (int k = 0; k < i; k++)
        if (name_eq(xs->coldefs[i].name, xs->coldefs[k].name))
          return mica_set_error(db, MICA_ERROR, "duplicate column name: %s", xs->coldefs[i].name);
    uint32_t root;
    if ((rc = ddl_create_tree(x, xs->without_rowid ? BTREE_BLOBKEY : BTREE_INTKEY, &root))) return rc;
    if ((rc = ddl_schema_insert(x, "table", xs->name, xs->name, root, d->sqltext))) return rc;
    UqSpec *specs = calloc(64, sizeof(UqSpec));
    if (!specs) return mica_set_error(db, MICA_NOMEM, "out of memory");
    int n = unique_specs(xs, specs, 64);
    for (int i = 0; i < n && rc == MICA_OK; i++) {
      if (xs->without_rowid && specs[i].is_pk) continue; /* the table itself; its number is taken */
      char name[300];
      snprintf(name, sizeof name, "sqlite_autoindex_%s_%d", xs->name, i + 1);
      uint32_t iroot;
      rc = ddl_create_tree(x, BTREE_BLOBKEY, &iroot);
      if (rc == MICA_OK) rc = ddl_schema_insert(x, "index", name, xs->name, iroot, NULL);
    }
    free(specs);
    int autoinc = 0;
    for (int i = 0; i < xs->ncoldef; i++)
      autoinc |= xs->coldefs[i].autoinc;
    for (int i = 0; i < xs->ntcons; i++)
      autoinc |= xs->tcons[i].autoinc;
    if (rc == MICA_OK && autoinc && find_ipk(xs) < 0)
      rc = mica_set_error(db, MICA_ERROR, "AUTOINCREMENT is only allowed on an INTEGER PRIMARY KEY");
    if (rc == MICA_OK && autoinc && !schema_find_table(s, "sqlite_sequence")) {
      uint32_t sroot;
      rc = ddl_create_tree(x, BTREE_INTKEY, &sroot);
      if (rc == MICA_OK)
        rc = ddl_schema_insert(x, "table", "sqlite_sequence", "sqlite_sequence", sroot,
                               "CREATE TABLE sqlite_sequence(name,seq)");
    }
    if (rc == MICA_OK) rc = ddl_schema_changed(x);
    /* PostgreSQL: the sequences of serial columns that are not the primary key */
    if (rc == MICA_OK && db->dialect == MICA_DIALECT_POSTGRES && !xs->explain) {
      rc = schema_ensure(db);
      if (rc == MICA_OK) rc = seq_after_create_table(x, x->stmt->ast);
    }
    return rc;
  }
  case XS_CREATE_INDEX: {
    Table *t = schema_find_table(s, xs->table);
    if (schema_find_index(s, xs->name) || schema_find_table(s, xs->name)) {
      if (xs->if_not_exists) return MICA_OK;
      if (schema_find_index(s, xs->name))
        return mica_set_error(db, MICA_ERROR, "index %s already exists", xs->name);
      return mica_set_error(db, MICA_ERROR, "there is already a table named %s", xs->name);
    }
    if (!t) return mica_set_error(db, MICA_ERROR, "no such table: main.%s", xs->table);
    if (t->is_view) return mica_set_error(db, MICA_ERROR, "views may not be indexed");
    if (t->is_virtual) return mica_set_error(db, MICA_ERROR, "virtual tables may not be indexed");
    if (t == s->master) return mica_set_error(db, MICA_ERROR, "table %s may not be indexed", t->name);
    char *tname = strdup(t->name);
    char *iname = strdup(xs->name);
    if (!tname || !iname) {
      free(tname);
      free(iname);
      return mica_set_error(db, MICA_NOMEM, "out of memory");
    }
    uint32_t root;
    rc = ddl_create_tree(x, BTREE_BLOBKEY, &root);
    if (rc == MICA_OK) rc = ddl_schema_insert(x, "index", iname, tname, root, d->sqltext);
    if (rc == MICA_OK) rc = ddl_schema_changed(x);
    if (rc == MICA_OK) rc = schema_ensure(db);
    if (rc == MICA_OK) {
      Index *ix = schema_find_index(db->schema, iname);
      if (!ix)
        rc = mica_set_error(db, MICA_INTERNAL, "index vanished");
      else if (ix->where)
        rc = mica_set_error(db, MICA_ERROR, "partial indexes are not supported yet");
      else {
        for (int k = 0; k < ix->ncol && rc == MICA_OK; k++)
          if (ix->cols[k] == -2)
            rc = mica_set_error(db, MICA_ERROR, "indexes on expressions are not supported yet");
        if (rc == MICA_OK) rc = populate_index(x, ix);
      }
    }
    free(tname);
    free(iname);
    return rc;
  }
  case XS_CREATE_VIEW:
  case XS_CREATE_TRIGGER: {
    int isview = d->kind == XS_CREATE_VIEW;
    if (isview && (schema_find_table(s, xs->name) || schema_find_index(s, xs->name))) {
      if (xs->if_not_exists) return MICA_OK;
      return exists_error(x, xs->name);
    }
    if (!isview) {
      if (schema_find_trigger(s, xs->name)) {
        if (xs->if_not_exists) return MICA_OK;
        return mica_set_error(db, MICA_ERROR, "trigger %s already exists", xs->name);
      }
      if ((rc = trigger_check_create(db, x->stmt->ast, x->stmt->sql)))
        return rc; /* the schema may have changed */
    }
    rc = ddl_schema_insert(x, isview ? "view" : "trigger", xs->name, isview ? xs->name : xs->table, 0,
                           d->sqltext);
    if (rc == MICA_OK) rc = ddl_schema_changed(x);
    return rc;
  }
  case XS_DROP_TABLE:
  case XS_DROP_VIEW:
    for (int i = 0; i < (xs->nnames ? xs->nnames : 1) && rc == MICA_OK; i++) {
      if (i > 0) rc = schema_ensure(db); /* the previous drop changed the schema */
      if (rc == MICA_OK) rc = drop_table(x, d, xs->nnames ? xs->names[i] : xs->name);
    }
    return rc;
  case XS_TRUNCATE:
    for (int i = 0; i < xs->nnames && rc == MICA_OK; i++)
      rc = truncate_table(x, xs->names[i]);
    for (int i = 0; i < xs->nnames && rc == MICA_OK && ((const Stmt *)x->stmt->ast)->restart_identity; i++)
      rc = seq_restart_owned(x, xs->names[i]);
    return rc;
  case XS_DROP_INDEX:
    for (int i = 0; i < (xs->nnames ? xs->nnames : 1) && rc == MICA_OK; i++) {
      if (i > 0) rc = schema_ensure(db);
      if (rc == MICA_OK) rc = drop_index(x, xs->nnames ? xs->names[i] : xs->name, xs->if_exists);
    }
    return rc;
  default: return run_ddl2(x, d, out);
  }
}

static int drop_table(Exec *x, DmlPlan *d, const char *tname) {
  XStmt *xs = &d->xs;
  Schema *s = x->db->schema;
  mica_db *db = x->db;
  int rc = MICA_OK;
  {
    Table *t = schema_find_table(s, tname);
    int isview = d->kind == XS_DROP_VIEW;
    if (!t || t == s->master) {
      if (xs->if_exists) return MICA_OK;
      if (t == s->master) return mica_set_error(db, MICA_ERROR, "table %s may not be dropped", tname);
      return mica_set_error(db, MICA_ERROR, "no such %s: %s", isview ? "view" : "table", tname);
    }
    if (t->is_view && !isview)
      return mica_set_error(db, MICA_ERROR, "use DROP VIEW to delete view %s", tname);
    if (!t->is_view && isview)
      return mica_set_error(db, MICA_ERROR, "use DROP TABLE to delete table %s", tname);
    if (t->is_virtual) return vtab_drop_table(x, t);
    /* under foreign keys, the rows go first as DELETE FROM would delete them */
    if ((rc = fkey_drop_table(x, t))) return rc;
    t = schema_find_table(s, tname);
    if (!t) return mica_set_error(db, MICA_INTERNAL, "table vanished");
    char *name = strdup(t->name);
    if (!name) return mica_set_error(db, MICA_NOMEM, "out of memory");
    for (Index *ix = t->indexes; ix && rc == MICA_OK; ix = ix->next_in_table)
      rc = ddl_drop_tree(x, ix->root);
    if (rc == MICA_OK && !t->is_view) rc = ddl_drop_tree(x, t->root);
    if (rc == MICA_OK) rc = ddl_schema_delete(x, 2, name, NULL);
    if (rc == MICA_OK) rc = ddl_schema_changed(x);
    if (rc == MICA_OK && db->dialect == MICA_DIALECT_POSTGRES) { /* its serial columns' sequences */
      rc = schema_ensure(db);
      if (rc == MICA_OK) rc = seq_drop_owned(x, name, NULL);
    }
    free(name);
    return rc;
  }
}

static int drop_index(Exec *x, const char *iname, int if_exists) {
  Schema *s = x->db->schema;
  mica_db *db = x->db;
  int rc = MICA_OK;
  {
    Index *ix = schema_find_index(s, iname);
    if (!ix) {
      if (if_exists) return MICA_OK;
      return mica_set_error(db, MICA_ERROR, "no such index: %s", iname);
    }
    if (!ix->ast)
      return mica_set_error(db, MICA_ERROR,
                            "index associated with UNIQUE or PRIMARY KEY constraint cannot be dropped");
    char *name = strdup(ix->name);
    if (!name) return mica_set_error(db, MICA_NOMEM, "out of memory");
    rc = ddl_drop_tree(x, ix->root);
    if (rc == MICA_OK) rc = ddl_schema_delete(x, 1, name, "index");
    if (rc == MICA_OK) rc = ddl_schema_changed(x);
    free(name);
    return rc;
  }
}

/* TRUNCATE (PostgreSQL): empties the table and its indexes. */
static int truncate_table(Exec *x, const char *tname) {
  Schema *s = x->db->schema;
  mica_db *db = x->db;
  Table *t = schema_find_table(s, tname);
  if (!t || t == s->master) return mica_set_error(db, MICA_ERROR, "no such table: %s", tname);
  if (t->is_view) return mica_set_error(db, MICA_ERROR, "cannot truncate view %s", tname);
  int64_t n = 0;
  int rc = btree_clear_table(db->bt, t->root, &n);
  for (Index *ix = t->indexes; ix && rc == MICA_OK; ix = ix->next_in_table)
    rc = btree_clear_table(db->bt, ix->root, NULL);
  if (rc) return mica_set_error(db, rc, "%s", btree_errmsg(db->bt));
  return MICA_OK;
}

static int run_ddl2(Exec *x, DmlPlan *d, RowList *out) {
  (void)out;
  XStmt *xs = &d->xs;
  Schema *s = x->db->schema;
  mica_db *db = x->db;
  int rc = MICA_OK;
  switch (d->kind) {
  case XS_CREATE_VTABLE:
    return vtab_create_table(x, xs->name, xs->module, xs->nmodule_args, xs->module_args, d->sqltext,
                             xs->if_not_exists);
  case XS_DROP_TRIGGER: {
    Trigger *tr = schema_find_trigger(s, xs->name);
    if (!tr) {
      if (xs->if_exists) return MICA_OK;
      return mica_set_error(db, MICA_ERROR, "no such trigger: %s", xs->name);
    }
    char *name = strdup(tr->name);
    if (!name) return mica_set_error(db, MICA_NOMEM, "out of memory");
    rc = ddl_schema_delete(x, 1, name, "trigger");
    if (rc == MICA_OK) rc = ddl_schema_changed(x);
    free(name);
    return rc;
  }
  case XS_ALTER: {
    if (db->dialect == MICA_DIALECT_POSTGRES && ((const Stmt *)x->stmt->ast)->nalter > 0)
      return alter_pg_run(x, x->stmt->ast, x->stmt->sql, pg_add_constraint);
    Table *t = schema_find_table(s, xs->name);
    if ((!t || t == s->master) && xs->if_exists) return MICA_OK;
    if (!t || t == s->master) return mica_set_error(db, MICA_ERROR, "no such table: %s", xs->name);
    if (xs->alter_kind == 5) return alter_add_constraint(x, d, t);
    if (xs->alter_kind == AL_RENAME_TABLE || xs->alter_kind == AL_RENAME_COLUMN ||
        xs->alter_kind == AL_DROP_COLUMN)
      return alter_run(x, x->stmt->ast, x->stmt->sql);
    if (!d->sqltext) return mica_set_error(db, MICA_ERROR, "malformed ALTER TABLE");
    rc = alter_check(db, x->stmt->ast, x->stmt->sql);
    const ColDef *acd = ((Stmt *)x->stmt->ast)->add_col;
    char *tname = strdup(t->name); /* t goes with the schema the ADD COLUMN changes */
    if (!tname) return mica_set_error(db, MICA_NOMEM, "out of memory");
    if (rc == MICA_OK) rc = alter_add_column(x, t, acd, d->sqltext, x->stmt->sql);
    if (rc == MICA_OK && acd->gen) {
      /* the new definition's generated columns must compile, as in SQLite */
      rc = schema_ensure(db);
      Table *nt = rc == MICA_OK ? schema_find_table(db->schema, tname) : NULL;
      if (nt && gencols_check(db, nt, 0)) {
        char *msg = strdup(db->errmsg ? db->errmsg : "");
        rc = mica_set_error(db, MICA_ERROR, "error in table %s after add column: %s", tname, msg ? msg : "");
        free(msg);
      }
    }
    free(tname);
    return rc;
  }
  case XS_SEQUENCE: return seq_ddl(x, x->stmt->ast);
  case XS_REINDEX:
  case XS_ANALYZE:
    for (int i = 0; i < xs->nnames; i++) /* PostgreSQL's ANALYZE t, ...: no statistics kept yet */
      if (!schema_find_table(s, xs->names[i]))
        return mica_set_error(db, MICA_ERROR, "no such table: %s", xs->names[i]);
    if (!xs->nnames && xs->name && !schema_find_table(s, xs->name) && !schema_find_index(s, xs->name) &&
        !mica_find_collation(db, xs->name))
      return mica_set_error(db, MICA_ERROR, "unable to identify the object to be reindexed");
    return MICA_OK;
  case XS_VACUUM:
    if (xs->nnames) {
      /* PostgreSQL's VACUUM t, ...: a b-tree file has no dead row versions to reclaim per table;
       * the tables must exist. VACUUM without a table rewrites the whole file. */
      for (int i = 0; i < xs->nnames; i++)
        if (!schema_find_table(s, xs->names[i]))
          return mica_set_error(db, MICA_ERROR, "no such table: %s", xs->names[i]);
      return MICA_OK;
    }
    if (xs->vacuum_into_expr)
      return mica_set_error(db, MICA_ERROR, "VACUUM INTO takes a string literal here");
    if (!db->autocommit) return mica_set_error(db, MICA_ERROR, "cannot VACUUM from within a transaction");
    if (db->nactive > 1) return mica_set_error(db, MICA_ERROR, "cannot VACUUM - SQL statements in progress");
    rc = btree_vacuum(db->bt, xs->vacuum_into);
    if (rc) return mica_set_error(db, rc, "%s", btree_errmsg(db->bt));
    if (!xs->vacuum_into) schema_reset(db); /* root pages may have moved */
    return MICA_OK;
  default: return mica_set_error(db, MICA_ERROR, "statement not supported yet");
  }
}

/* Runs sql (a query) on this connection inside the running statement; *found: it returned a row. */
static int probe_row(mica_db *db, const char *sql, int *found) {
  mica_stmt *st = NULL;
  *found = 0;
  int rc = mica_prepare(db, sql, -1, &st, NULL);
  if (rc) return rc;
  rc = mica_step(st);
  *found = rc == MICA_ROW;
  int rc2 = mica_finalize(st);
  return rc == MICA_ROW || rc == MICA_DONE ? MICA_OK : rc2 ? rc2 : rc;
}

const char *plan_qident(char *buf, size_t n, const char *name) {
  size_t o = 0;
  buf[o++] = '"';
  for (const char *p = name; *p && o + 3 < n; p++) {
    if (*p == '"') buf[o++] = '"';
    buf[o++] = *p;
  }
  buf[o++] = '"';
  buf[o] = 0;
  return buf;
}

/* PostgreSQL's ALTER TABLE t ADD [CONSTRAINT name] PRIMARY KEY | UNIQUE | CHECK | FOREIGN KEY. The
 * constraint is appended to the table's CREATE TABLE text, as if it had been declared there (so the
 * file stays what SQLite would have written), after checking the rows already in the table: a primary
 * key's columns also become NOT NULL (and must hold no NULL), a PRIMARY KEY/UNIQUE gets its
 * sqlite_autoindex_<table>_<n> index, filled (a duplicate fails the statement), a CHECK must hold for
 * every row. A primary key that would make an INTEGER column the rowid is refused (that needs the
 * table rebuilt). A foreign key is recorded, and when foreign keys are enforced the rows already there
 * must satisfy it. */
static int alter_add_constraint(Exec *x, DmlPlan *d, Table *t) {
  XStmt *xs = &d->xs;
  mica_db *db = x->db;
  XTabCons *tc = &xs->tcons[0];
  char q1[600], q2[600], probe[2400];
  if (t->is_view) return mica_set_error(db, MICA_ERROR, "cannot add a constraint to view %s", t->name);
  if (!d->sqltext || !t->sql) return mica_set_error(db, MICA_ERROR, "malformed ALTER TABLE");
  int cols[64];
  int ncols = 0;
  if (tc->kind == 1 || tc->kind == 2) {
    if (tc->ncol > 64) return mica_set_error(db, MICA_ERROR, "too many columns in the key");
    for (int i = 0; i < tc->ncol; i++) {
      int ci = -1;
      for (int k = 0; k < t->ncol && ci < 0; k++)
        if (name_eq(t->cols[k].name, tc->cols[i])) ci = k;
      if (ci < 0) return mica_set_error(db, MICA_ERROR, "no such column: %s", tc->cols[i]);
      cols[ncols++] = ci;
    }
  }
  if (tc->kind == 1) {
    int has_pk = t->ipk >= 0 || t->pk;
    for (Index *ix = t->indexes; ix && !has_pk; ix = ix->next_in_table)
      has_pk = ix->origin == 2;
    if (has_pk)
      return mica_set_error(db, MICA_ERROR, "multiple primary keys for table \"%s\" are not allowed",
                            t->name);
  }
  /* the current definition, parsed for its column texts */
  Stmt *old = NULL;
  if (parse_statement(t->sql, (int)strlen(t->sql), MICA_DIALECT_SQLITE, &old, NULL, NULL, NULL) != MICA_OK ||
      !old || old->kind != SK_CREATE_TABLE || old->ncoldef != t->ncol) {
    ast_free(old);
    return mica_set_error(db, MICA_CORRUPT, "malformed database schema (%s)", t->name);
  }
  const char *close = strrchr(t->sql, ')');
  size_t head = close ? (size_t)(close - t->sql) : 0;
  while (head > 0 && isspace((unsigned char)t->sql[head - 1]))
    head--;
  size_t cap = strlen(t->sql) + strlen(d->sqltext) + 16 * (size_t)(ncols + 1) + 8;
  char *sql = malloc(cap);
  char *tname = strdup(t->name);
  if (!sql || !tname) {
    ast_free(old);
    free(sql);
    free(tname);
    return mica_set_error(db, MICA_NOMEM, "out of memory");
  }
  /* copy the text, adding NOT NULL after each primary-key column that lacks it */
  size_t o = 0, from = 0;
  for (int k = 0; k < old->ncoldef && tc->kind == 1; k++) {
    int inpk = 0;
    for (int i = 0; i < ncols; i++)
      inpk |= cols[i] == k;
    if (!inpk || old->coldefs[k].notnull) continue;
    size_t e = (size_t)old->coldefs[k].end;
    memcpy(sql + o, t->sql + from, e - from);
    o += e - from;
    memcpy(sql + o, " NOT NULL", 9);
    o += 9;
    from = e;
  }
  memcpy(sql + o, t->sql + from, head - from);
  o += head - from;
  o += (size_t)snprintf(sql + o, cap - o, ", %s%s", d->sqltext, close ? close : ")");
  ast_free(old);
  int rc = MICA_OK;
  /* the rows already there must satisfy it */
  for (int i = 0; i < ncols && tc->kind == 1 && rc == MICA_OK; i++) {
    int found;
    snprintf(probe, sizeof probe, "SELECT 1 FROM %s WHERE %s IS NULL LIMIT 1",
             plan_qident(q1, sizeof q1, tname), plan_qident(q2, sizeof q2, t->cols[cols[i]].name));
    rc = probe_row(db, probe, &found);
    if (rc == MICA_OK && found)
      rc = mica_set_error(db, MICA_CONSTRAINT_NOTNULL,
                          "NOT NULL constraint failed: %s.%s (column contains null values)", tname,
                          t->cols[cols[i]].name);
  }
  if (rc == MICA_OK && tc->kind == 3 && tc->check_end > tc->check_off) {
    int found;
    const char *text = d->sqltext; /* the constraint's text starts at cons_off */
    int eo = tc->check_off - xs->cons_off, ee = tc->check_end - xs->cons_off;
    if (eo < 0 || ee > (int)strlen(text)) {
      rc = mica_set_error(db, MICA_INTERNAL, "CHECK text out of range");
    } else {
      snprintf(probe, sizeof probe, "SELECT 1 FROM %s WHERE NOT (%.*s) LIMIT 1",
               plan_qident(q1, sizeof q1, tname), ee - eo, text + eo);
      rc = probe_row(db, probe, &found);
      if (rc == MICA_OK && found)
        rc = mica_set_error(db, MICA_CONSTRAINT_CHECK, "CHECK constraint failed: %s (violated by some row)",
                            tc->name ? tc->name : tname);
    }
  }
  /* the new definition: a rowid change is refused; a new PRIMARY KEY/UNIQUE gets its autoindex */
  int n_old = 0, n_new = 0;
  if (rc == MICA_OK) {
    Stmt *nw = NULL;
    Arena a = {0};
    XStmt ox, nx;
    UqSpec *specs = calloc(64, sizeof(UqSpec));
    if (!specs || parse_statement(sql, (int)o, MICA_DIALECT_SQLITE, &nw, NULL, NULL, NULL) != MICA_OK ||
        !nw || xv_stmt(nw, &nx, &a) != MICA_OK || xv_stmt(t->ast, &ox, &a) != MICA_OK) {
      rc = mica_set_error(db, MICA_ERROR,
                          "cannot add the constraint: the new table definition does not parse");
    } else if (find_ipk(&nx) != t->ipk) {
      rc = mica_set_error(db, MICA_ERROR,
                          "ADD PRIMARY KEY on a column of type INTEGER (a rowid alias) is not supported yet");
    } else if (nx.without_rowid && ipk_candidate(&nx) >= 0) {
      /* that PRIMARY KEY's autoindex number comes after every UNIQUE constraint's: it would change */
      rc = mica_set_error(db, MICA_ERROR,
                          "ADD CONSTRAINT on a WITHOUT ROWID table keyed by an INTEGER PRIMARY KEY is not "
                          "supported yet");
    } else {
      n_old = unique_specs(&ox, specs, 64);
      n_new = unique_specs(&nx, specs, 64);
    }
    free(specs);
    arena_free(&a);
    ast_free(nw);
  }
  char iname[700];
  snprintf(iname, sizeof iname, "sqlite_autoindex_%s_%d", tname, n_new);
  if (rc == MICA_OK) rc = ddl_schema_set_sql(x, "table", tname, sql);
  if (rc == MICA_OK && n_new > n_old) {
    uint32_t iroot;
    rc = ddl_create_tree(x, BTREE_BLOBKEY, &iroot);
    if (rc == MICA_OK) rc = ddl_schema_insert(x, "index", iname, tname, iroot, NULL);
  }
  if (rc == MICA_OK) rc = ddl_schema_changed(x);
  if (rc == MICA_OK && tc->kind == 4 && db->foreign_keys) {
    /* with foreign keys enforced, the rows already there must have their parents */
    rc = schema_ensure(db);
    Table *nt = rc == MICA_OK ? schema_find_table(db->schema, tname) : NULL;
    if (nt) rc = fkey_check_added(x, nt);
  }
  if (rc == MICA_OK && n_new > n_old) {
    rc = schema_ensure(db);
    Index *ix = rc == MICA_OK ? schema_find_index(db->schema, iname) : NULL;
    if (rc == MICA_OK && !ix) rc = mica_set_error(db, MICA_INTERNAL, "index vanished");
    if (rc == MICA_OK) rc = populate_index(x, ix);
  }
  free(sql);
  free(tname);
  return rc;
}

/* ------------------------------------------------------------------ adapter: ast.h nodes */
/* The planner's view of the parser's nodes (plan_view.h). The AST's enumerations (EK_*, AB_*, SK_*,
 * CK_*, JT_*, OE_*) have the same values as the view's (XK_*, BO_*, XS_*, CMP_*, XJ_*, ONCONF_*). */
static XOrder *xv_order(const OrderTerm *o, int n, Arena *a);

static void xv_expr(ANode *node, XExpr *x, Arena *a) {
  const Expr *e = node;
  memset(x, 0, sizeof *x);
  value_init(&x->lit);
  x->kind = e->kind;
  x->off = e->off;
  x->end = e->end;
  x->a = e->a;
  x->b = e->b;
  x->c = e->c;
  x->nlist = e->nlist;
  x->list = (ANode **)e->list;
  x->sel = e->sel;
  x->name = e->name;
  x->table = e->table;
  x->schema = e->schema;
  x->quoted = e->quoted;
  x->not = e->not ;
  x->distinct = e->distinct;
  x->star = e->star;
  x->binop = e->binop;
  x->likeop = e->likeop;
  x->param = e->param;
  x->param_name = e->param_name;
  x->filter = e->filter;
  x->over = e->over || e->over_name ? (ANode *)e : NULL;
  if (e->over_name && !e->over) x->named_window = 1;
  if (e->over) {
    const WindowDef *w = e->over;
    if (w->base) x->named_window = 1;
    x->npart = w->npart;
    x->part = (ANode **)w->part;
    x->nworder = w->norder;
    x->worder = xv_order(w->order, w->norder, a);
    x->frame_type = w->frame_type;
    x->fstart = w->start;
    x->fend = w->end;
    x->fstart_expr = w->start_expr;
    x->fend_expr = w->end_expr;
  }
  if (e->kind == EK_FUNC && e->norder > 0) {
    x->naorder = e->norder;
    x->aorder = xv_order(e->order, e->norder, a);
  }
  x->raise_type = e->raise_type;
  switch (e->kind) {
  case EK_INT:
    x->lit.type = VAL_INT;
    x->lit.u.i = e->ival;
    break;
  case EK_REAL:
    x->lit.type = VAL_REAL;
    x->lit.u.r = e->rval;
    break;
  case EK_TEXT:
    x->lit.type = VAL_TEXT;
    x->lit.z = (char *)(e->str ? e->str : "");
    x->lit.n = e->nstr;
    x->lit.own = VAL_STATIC;
    break;
  case EK_BLOB:
    x->lit.type = VAL_BLOB;
    x->lit.z = (char *)(e->str ? e->str : "");
    x->lit.n = e->nstr;
    x->lit.own = VAL_STATIC;
    break;
  case EK_INTABLE: x->table = e->table ? e->table : e->name; break;
  default: break;
  }
}

static XResCol *xv_rescols(const ResCol *r, int n, Arena *a) {
  XResCol *v = arena_alloc(a, sizeof(XResCol) * (size_t)(n + 1));
  if (!v) return NULL;
  for (int i = 0; i < n; i++) {
    v[i].expr = r[i].expr;
    v[i].alias = r[i].alias;
    v[i].star_table = r[i].star_table;
    v[i].star = r[i].star;
    v[i].off = r[i].off;
    v[i].end = r[i].end;
  }
  return v;
}

static XOrder *xv_order(const OrderTerm *o, int n, Arena *a) {
  XOrder *v = arena_alloc(a, sizeof(XOrder) * (size_t)(n + 1));
  if (!v) return NULL;
  for (int i = 0; i < n; i++) {
    v[i].expr = o[i].expr;
    v[i].desc = o[i].desc;
    v[i].nulls = o[i].nulls;
  }
  return v;
}

static int xv_select(ANode *node, XSelect *x, Arena *a) {
  const Select *s = node;
  memset(x, 0, sizeof *x);
  if (!s) return MICA_ERROR;
  x->cmp_op = s->cmp_op;
  x->left = s->left;
  x->right = s->right;
  x->nvalues = s->nvalues;
  x->values_n = s->values_n;
  x->values = (ANode ***)s->values;
  x->distinct = s->distinct;
  x->nres = s->nres;
  x->res = xv_rescols(s->res, s->nres, a);
  x->nfrom = s->nfrom;
  x->from = arena_alloc(a, sizeof(XFrom) * (size_t)(s->nfrom + 1));
  if (!x->res || !x->from) return MICA_NOMEM;
  for (int i = 0; i < s->nfrom; i++) {
    const FromItem *f = &s->from[i];
    XFrom *t = &x->from[i];
    t->schema = f->schema;
    t->name = f->name;
    t->alias = f->alias;
    t->sel = f->sel;
    t->nested_from = f->nested_from;
    t->is_func = f->is_func;
    t->nargs = f->nargs;
    t->ncolalias = f->ncolalias;
    t->colalias = f->colalias;
    t->args = (ANode **)f->args;
    t->jointype = f->jointype; /* JT_* and XJ_* agree; CROSS keeps the written join order */
    t->natural = f->natural;
    t->on = f->on;
    t->nusing = f->nusing;
    t->using_cols = f->using_cols;
    t->indexed_by = f->indexed_by;
    t->not_indexed = f->not_indexed;
  }
  x->where = s->where;
  x->ngroup = s->ngroup;
  x->group = (ANode **)s->group;
  x->having = s->having;
  x->norder = s->norder;
  x->order = xv_order(s->order, s->norder, a);
  if (!x->order) return MICA_NOMEM;
  x->limit = s->limit;
  x->offset = s->offset;
  x->recursive = s->recursive;
  x->ncte = s->ncte;
  x->ctes = arena_alloc(a, sizeof(XCte) * (size_t)(s->ncte + 1));
  if (!x->ctes) return MICA_NOMEM;
  for (int i = 0; i < s->ncte; i++) {
    x->ctes[i].name = s->ctes[i].name;
    x->ctes[i].ncols = s->ctes[i].ncols;
    x->ctes[i].cols = s->ctes[i].cols;
    x->ctes[i].sel = s->ctes[i].sel;
  }
  return MICA_OK;
}

static const char *indexed_col_name(const IndexedCol *ic) {
  if (ic->expr && ic->expr->kind == EK_COLUMN) return ic->expr->name;
  if (ic->expr && ic->expr->kind == EK_TEXT) return ic->expr->str;
  return NULL;
}

static const XFKey *xv_fk(const ForeignKey *fk, Arena *a) {
  if (!fk) return NULL;
  XFKey *x = arena_alloc(a, sizeof *x);
  if (!x) return NULL;
  x->table = fk->table;
  x->table_off = fk->table_off;
  x->ncols = fk->ncols;
  x->cols = fk->cols;
  x->on_delete = fk->on_delete;
  x->on_update = fk->on_update;
  x->deferred = fk->deferred;
  return x;
}

static void xv_coldef(const ColDef *d, XColDef *t, Arena *a) {
  t->fk = xv_fk(d->fk, a);
  t->off = d->off;
  t->name = d->name;
  t->type = d->type;
  t->notnull = d->notnull;
  t->notnull_conflict = d->notnull_conflict;
  t->pk = d->pk;
  t->pk_desc = d->pk_desc;
  t->pk_conflict = d->pk_conflict;
  t->autoinc = d->autoinc;
  t->unique = d->unique;
  t->unique_conflict = d->unique_conflict;
  t->dflt = d->dflt;
  t->dflt_off = d->dflt ? d->dflt_off : -1;
  t->dflt_end = d->dflt ? d->dflt_end : -1;
  t->collate = d->collate;
  t->ncheck = d->ncheck;
  t->checks = (ANode **)d->checks;
  t->check_names = d->check_names;
  t->gen = d->gen;
  t->gen_expr = d->gen_expr;
  t->gen_error = d->gen_error;
  t->gen_dflt = d->gen_dflt;
}

static int xv_stmt(ANode *node, XStmt *x, Arena *a) {
  const Stmt *s = node;
  memset(x, 0, sizeof *x);
  if (!s) return MICA_ERROR;
  x->kind = s->kind;
  if (s->kind > SK_DETACH)
    x->kind = s->kind == SK_TRUNCATE        ? XS_TRUNCATE
              : s->kind == SK_CREATE_VTABLE ? XS_CREATE_VTABLE
              : s->kind == SK_CREATE_SEQUENCE || s->kind == SK_ALTER_SEQUENCE || s->kind == SK_DROP_SEQUENCE
                  ? XS_SEQUENCE
                  : XS_OTHER;
  x->module = s->module;
  x->nmodule_args = s->nmodule_args;
  x->module_args = s->module_args;
  x->nnames = s->nnames;
  x->names = s->names;
  x->nedit = s->nedit;
  x->edits = s->edits;
  if (s->kind == SK_VACUUM && s->expr1) {
    if (s->expr1->kind == EK_TEXT)
      x->vacuum_into = s->expr1->str;
    else
      x->vacuum_into_expr = 1;
  }
  x->explain = s->explain;
  x->inner = NULL;
  x->sel = s->sel;
  x->name = s->name;
  x->name_off = s->name_off;
  x->table = s->table;
  x->if_not_exists = s->if_not_exists;
  x->if_exists = s->if_exists;
  x->temp = s->temp;
  x->unique = s->unique;
  x->onconf = s->onconf;
  x->ncols = s->ncols;
  x->cols = s->cols;
  x->default_values = s->default_values;
  x->nupsert = s->nupsert;
  x->upserts = arena_alloc(a, sizeof(XUpsert) * (size_t)(s->nupsert + 1));
  if (!x->upserts) return MICA_NOMEM;
  for (int i = 0; i < s->nupsert; i++) {
    const Upsert *u = &s->upserts[i];
    XUpsert *v = &x->upserts[i];
    v->ntarget = u->ntarget;
    v->target = arena_alloc(a, sizeof(char *) * (size_t)(u->ntarget + 1));
    if (!v->target) return MICA_NOMEM;
    for (int k = 0; k < u->ntarget; k++) {
      const char *nm = indexed_col_name(&u->target[k]);
      v->target[k] = nm ? nm : "";
    }
    v->do_update = u->do_update;
    int n = 0;
    for (int k = 0; k < u->nset; k++)
      n += u->set[k].ncols;
    v->set_cols = arena_alloc(a, sizeof(char *) * (size_t)(n + 1));
    v->set_exprs = arena_alloc(a, sizeof(ANode *) * (size_t)(n + 1));
    if (!v->set_cols || !v->set_exprs) return MICA_NOMEM;
    for (int k = 0; k < u->nset; k++) {
      if (u->set[k].ncols != 1) return MICA_ERROR;
      v->set_cols[v->nset] = u->set[k].cols[0];
      v->set_exprs[v->nset++] = u->set[k].expr;
    }
    v->where = u->where;
  }
  x->where = s->where;
  /* UPDATE SET: one column per clause (row-value SET is not supported yet) */
  x->nset = 0;
  int nset = 0;
  for (int i = 0; i < s->nset; i++)
    nset += s->set[i].ncols;
  x->set_cols = arena_alloc(a, sizeof(char *) * (size_t)(nset + 1));
  x->set_exprs = arena_alloc(a, sizeof(ANode *) * (size_t)(nset + 1));
  if (!x->set_cols || !x->set_exprs) return MICA_NOMEM;
  for (int i = 0; i < s->nset; i++) {
    if (s->set[i].ncols != 1) return MICA_ERROR;
    x->set_cols[x->nset] = s->set[i].cols[0];
    x->set_exprs[x->nset++] = s->set[i].expr;
  }
  x->nreturning = s->nreturning;
  x->returning = xv_rescols(s->returning, s->nreturning, a);
  x->ncte = s->ncte;
  x->ctes = arena_alloc(a, sizeof(XCte) * (size_t)(s->ncte + 1));
  if (!x->ctes) return MICA_NOMEM;
  for (int i = 0; i < s->ncte; i++) {
    x->ctes[i].name = s->ctes[i].name;
    x->ctes[i].ncols = s->ctes[i].ncols;
    x->ctes[i].cols = s->ctes[i].cols;
    x->ctes[i].sel = s->ctes[i].sel;
  }
  /* CREATE TABLE */
  x->ncoldef = s->ncoldef;
  x->coldefs = arena_alloc(a, sizeof(XColDef) * (size_t)(s->ncoldef + 1));
  if (!x->coldefs || !x->returning) return MICA_NOMEM;
  for (int i = 0; i < s->ncoldef; i++)
    xv_coldef(&s->coldefs[i], &x->coldefs[i], a);
  x->ntcons = s->ntcons;
  x->tcons = arena_alloc(a, sizeof(XTabCons) * (size_t)(s->ntcons + 1));
  if (!x->tcons) return MICA_NOMEM;
  for (int i = 0; i < s->ntcons; i++) {
    const TabCons *tc = &s->tcons[i];
    XTabCons *t = &x->tcons[i];
    t->kind = tc->kind;
    t->name = tc->name;
    t->conflict = tc->conflict;
    t->autoinc = tc->autoinc;
    t->check = tc->check;
    t->check_off = tc->check_off;
    t->check_end = tc->check_end;
    if (tc->kind == TC_PRIMARY_KEY || tc->kind == TC_UNIQUE) {
      t->ncol = tc->ncol;
      t->cols = arena_alloc(a, sizeof(char *) * (size_t)(tc->ncol + 1));
      t->colls = arena_alloc(a, sizeof(char *) * (size_t)(tc->ncol + 1));
      t->desc = arena_alloc(a, (size_t)tc->ncol + 1);
      if (!t->cols || !t->colls || !t->desc) return MICA_NOMEM;
      for (int k = 0; k < tc->ncol; k++) {
        const char *nm = indexed_col_name(&tc->cols[k]);
        t->cols[k] = nm ? nm : "";
        t->colls[k] = tc->cols[k].collate;
        t->desc[k] = (uint8_t)tc->cols[k].desc;
      }
    } else if (tc->kind == TC_FOREIGN_KEY) {
      t->cols = tc->fk_cols;
      t->ncol = tc->ncol;
      t->fk = xv_fk(tc->fk, a);
    }
  }
  x->without_rowid = s->without_rowid;
  x->cols_end = s->cols_end;
  x->strict = s->strict;
  /* CREATE INDEX */
  x->nidxcol = s->nidxcol;
  x->idx_exprs = arena_alloc(a, sizeof(ANode *) * (size_t)(s->nidxcol + 1));
  x->idx_colls = arena_alloc(a, sizeof(char *) * (size_t)(s->nidxcol + 1));
  x->idx_desc = arena_alloc(a, (size_t)s->nidxcol + 1);
  if (!x->idx_exprs || !x->idx_colls || !x->idx_desc) return MICA_NOMEM;
  for (int i = 0; i < s->nidxcol; i++) {
    const Expr *e = s->idxcols[i].expr;
    const char *coll = s->idxcols[i].collate;
    while (e && e->kind == EK_COLLATE) {
      coll = e->name;
      e = e->a;
    }
    x->idx_exprs[i] = e;
    x->idx_colls[i] = coll;
    x->idx_desc[i] = (uint8_t)s->idxcols[i].desc;
  }
  x->idx_where = s->idx_where;
  x->pragma_value = s->pragma_value;
  x->pragma_ident = s->pragma_ident;
  x->pragma_has_value = s->pragma_has_value;
  x->txn_mode = s->txn_mode;
  x->nviewcols = s->nviewcols;
  x->viewcols = s->viewcols;
  x->alter_kind = s->alter_kind;
  x->new_name = s->new_name;
  x->column = s->column;
  x->cons_off = s->cons_off;
  x->cons_end = s->cons_end;
  if (s->add_col) {
    const ColDef *d = s->add_col;
    xv_coldef(d, &x->add_col, a);
    x->add_col_off = d->off;
    x->add_col_end = d->end;
  }
  return MICA_OK;
}
