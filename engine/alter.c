/*
 * alter.c: ALTER TABLE RENAME TO / RENAME [COLUMN] / DROP [COLUMN], done as SQLite 3.40 does them: by
 * editing the stored CREATE statements in sqlite_schema, so that the file stays exactly what SQLite
 * would have written.
 *
 * FINDING THE NAMES TO EDIT
 *   Each sqlite_schema row's text is parsed again with PARSE_NAME_POSITIONS, which records the token
 *   of every name the parser read (Stmt.namepos). A walk over the tree (walk_stmt, walk_select,
 *   walk_expr) decides which names refer to the table or column being changed, with SQLite's scoping:
 *   a FROM item named after the table (not a CTE of that name) is the table; a qualifier "t." refers
 *   to the innermost FROM item whose alias (or name, when it has no alias) is t; an unqualified column
 *   belongs to the innermost scope with an item that has such a column (the schema says which tables
 *   do; a subquery has its result names). A trigger body also sees NEW and OLD (only qualified), an
 *   UPSERT also "excluded". Each name found becomes an edit of its token; the edits are applied to the
 *   text in order. Nothing is rewritten by pattern: a name that is not the table's or column's (an
 *   alias, a string, another table's column) is never touched.
 *
 * SPELLING (SQLite's renameEditSql)
 *   A renamed table is always written quoted ("u"). A renamed column is written bare when the ALTER
 *   wrote the new name bare and the old token was bare, else quoted. A quoted name directly followed by
 *   a '"' gets a space after it.
 *
 * DROP COLUMN
 *   First every remaining reference to the column (other columns' CHECK and generated expressions,
 *   table constraints, indexes, views, triggers; the dropped column's own definition excepted) is an
 *   error, "error in <type> <name> after drop column: no such column: <ref>", or for a FOREIGN KEY
 *   child column "unknown column \"c\" in foreign key definition". Then the column's definition is cut
 *   from the CREATE TABLE text (from the end of the previous definition, or for the first column up to
 *   the start of the next one) and every row is rewritten without the column's value.
 *
 * Errors SQLite reports when the statement is prepared are reported by alter_check (prepare time);
 * the rest by alter_run, inside the statement's savepoint, so a failure leaves the schema untouched.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "alter.h"
#include "ast.h"
#include "ddl.h"
#include "dml.h"
#include "parse.h"
#include "record.h"

static int name_eq(const char *a, const char *b) { return a && b && !strcasecmp(a, b); }

static int nomem(mica_db *db) { return mica_set_error(db, MICA_NOMEM, "out of memory"); }

/* "name" with embedded quotes doubled (malloc'd). */
static char *quoted(const char *name) {
  size_t n = strlen(name);
  char *q = malloc(2 * n + 3);
  if (!q) return NULL;
  size_t o = 0;
  q[o++] = '"';
  for (const char *p = name; *p; p++) {
    if (*p == '"') q[o++] = '"';
    q[o++] = *p;
  }
  q[o++] = '"';
  q[o] = 0;
  return q;
}

/* ------------------------------------------------------------------------------------------------
 * Text edits.
 */
typedef struct Edit {
  int off, end;
  const char *repl; /* borrowed (the walk's replacement strings) */
} Edit;

typedef struct EditList {
  Edit *e;
  int n, cap;
  int oom;
} EditList;

static void edit_add(EditList *l, int off, int end, const char *repl) {
  for (int i = 0; i < l->n; i++)
    if (l->e[i].off == off) return; /* the same token reached twice */
  if (l->n == l->cap) {
    int nc = l->cap ? l->cap * 2 : 8;
    Edit *ne = realloc(l->e, sizeof(Edit) * (size_t)nc);
    if (!ne) {
      l->oom = 1;
      return;
    }
    l->e = ne;
    l->cap = nc;
  }
  l->e[l->n++] = (Edit){off, end, repl};
}

static int edit_cmp(const void *a, const void *b) {
  const Edit *x = a, *y = b;
  return (x->off > y->off) - (x->off < y->off);
}

/* sql with the edits applied (malloc'd), or NULL when out of memory. */
static char *edits_apply(const char *sql, EditList *l) {
  qsort(l->e, (size_t)l->n, sizeof(Edit), edit_cmp);
  size_t len = strlen(sql), cap = len + 1;
  for (int i = 0; i < l->n; i++)
    cap += strlen(l->e[i].repl);
  char *out = malloc(cap);
  if (!out) return NULL;
  size_t o = 0, from = 0;
  for (int i = 0; i < l->n; i++) {
    const Edit *e = &l->e[i];
    if ((size_t)e->off < from || (size_t)e->end > len) continue;
    memcpy(out + o, sql + from, (size_t)e->off - from);
    o += (size_t)e->off - from;
    size_t rl = strlen(e->repl);
    memcpy(out + o, e->repl, rl);
    o += rl;
    from = (size_t)e->end;
  }
  memcpy(out + o, sql + from, len - from);
  o += len - from;
  out[o] = 0;
  return out;
}

/* ------------------------------------------------------------------------------------------------
 * The walk.
 */
enum { W_TABLE = 1, W_COLUMN, W_FIND };

typedef struct WItem {
  const char *name;  /* table (or CTE) name, NULL for a subquery */
  const char *alias; /* alias, "new"/"old"/"excluded" for the pseudo rows */
  const Select *sel; /* subquery: its result names are its columns */
  int pseudo;        /* NEW/OLD: reached only through the qualifier */
} WItem;

typedef struct WScope {
  const WItem *items;
  int n;
  const struct WScope *outer;
} WScope;

typedef struct Walk {
  mica_db *db;
  const Stmt *top; /* the statement whose namepos the names are in */
  const char *sql;
  int mode;                /* W_* */
  const char *tab, *col;   /* the table, and for W_COLUMN / W_FIND the column */
  const char *bare, *quot; /* W_COLUMN: new name bare and quoted; W_TABLE: quoted only */
  char *quot_sp;           /* quot followed by a space (a name directly before '"') */
  int bquote;              /* the new column name was quoted in the ALTER */
  int skip_col;            /* W_FIND: the dropped column's definition, skipped (-1 none) */
  EditList edits;
  char *found;       /* W_FIND: the first reference, as "name" or "qualifier.name" (malloc'd) */
  int found_fk;      /* W_FIND: found as a FOREIGN KEY child column */
  const char **ctes; /* CTE names in scope (they hide tables of the same name) */
  int nctes, capctes;
} Walk;

static const NamePos *name_pos(const Walk *w, const char *name) {
  for (int i = 0; i < w->top->nnamepos; i++)
    if (w->top->namepos[i].name == name) return &w->top->namepos[i];
  return NULL;
}

static int is_idchar(unsigned char c) { return isalnum(c) || c == '_' || c == '$' || c >= 0x80; }

/* Replaces the token of name (a string of the tree) with the new name. */
static void edit_name(Walk *w, const char *name) {
  const NamePos *np = name_pos(w, name);
  if (!np) return;
  const char *repl = w->quot;
  if (w->mode == W_COLUMN && !w->bquote && is_idchar((unsigned char)w->sql[np->off]))
    repl = w->bare;
  else if (w->sql[np->off + np->len] == '"')
    repl = w->quot_sp;
  edit_add(&w->edits, np->off, np->off + np->len, repl);
}

/* A reference to the column: W_COLUMN edits it, W_FIND remembers the first one. */
static void hit(Walk *w, const char *name, const char *qual) {
  if (w->mode == W_COLUMN) {
    edit_name(w, name);
  } else if (w->mode == W_FIND && !w->found) {
    size_t n = strlen(name) + (qual ? strlen(qual) + 1 : 0) + 1;
    w->found = malloc(n);
    if (w->found) snprintf(w->found, n, "%s%s%s", qual ? qual : "", qual ? "." : "", name);
  }
}

static int is_cte(const Walk *w, const char *name) {
  for (int i = 0; i < w->nctes; i++)
    if (name_eq(w->ctes[i], name)) return 1;
  return 0;
}

/* The item is the table being changed. */
static int item_is_tab(const Walk *w, const WItem *it) {
  return it->name && !it->sel && name_eq(it->name, w->tab) && (it->pseudo || !is_cte(w, it->name));
}

static int select_has_col(const Select *s, const char *col) {
  while (s && s->cmp_op)
    s = s->left;
  if (!s) return 0;
  for (int i = 0; i < s->nres; i++) {
    const ResCol *r = &s->res[i];
    if (r->star) return 1;
    if (r->alias ? name_eq(r->alias, col)
                 : r->expr && r->expr->kind == EK_COLUMN && name_eq(r->expr->name, col))
      return 1;
  }
  return 0;
}

static int item_has_col(const Walk *w, const WItem *it, const char *col) {
  if (it->pseudo) return 0;
  if (it->sel) return select_has_col(it->sel, col);
  if (!it->name) return 0;
  if (name_eq(it->name, w->tab) && !is_cte(w, it->name)) return 1; /* checked against the column */
  Table *t = schema_find_table(w->db->schema, it->name);
  int isrowid = 0;
  return t && schema_column_index(t, col, &isrowid) >= 0;
}

/* The item a qualifier names, innermost scope first. */
static const WItem *resolve_qual(const WScope *sc, const char *q) {
  for (; sc; sc = sc->outer)
    for (int i = 0; i < sc->n; i++) {
      const WItem *it = &sc->items[i];
      if (it->alias ? name_eq(it->alias, q) : name_eq(it->name, q)) return it;
    }
  return NULL;
}

/* The item an unqualified column belongs to. */
static const WItem *resolve_col(const Walk *w, const WScope *sc, const char *col) {
  for (; sc; sc = sc->outer)
    for (int i = 0; i < sc->n; i++)
      if (item_has_col(w, &sc->items[i], col)) return &sc->items[i];
  return NULL;
}

static void walk_select(Walk *w, const Select *s, const WScope *outer);
static void walk_window(Walk *w, const WindowDef *wd, const WScope *sc);

static void walk_expr(Walk *w, const Expr *e, const WScope *sc) {
  if (!e) return;
  if (e->kind == EK_COLUMN) {
    if (e->table) {
      const WItem *it = resolve_qual(sc, e->table);
      int to_tab = it ? item_is_tab(w, it) : name_eq(e->table, w->tab);
      if (w->mode == W_TABLE) {
        if (to_tab && (!it || !it->alias)) edit_name(w, e->table);
      } else if (to_tab && name_eq(e->name, w->col)) {
        hit(w, e->name, e->table);
      }
    } else if (w->mode != W_TABLE && name_eq(e->name, w->col)) {
      const WItem *it = resolve_col(w, sc, e->name);
      if (it && item_is_tab(w, it)) hit(w, e->name, NULL);
    }
    return;
  }
  walk_expr(w, e->a, sc);
  walk_expr(w, e->b, sc);
  walk_expr(w, e->c, sc);
  for (int i = 0; i < e->nlist; i++)
    walk_expr(w, e->list[i], sc);
  if (e->sel) walk_select(w, e->sel, sc);
  walk_expr(w, e->filter, sc);
  if (e->over) walk_window(w, e->over, sc);
  for (int i = 0; i < e->norder; i++)
    walk_expr(w, e->order[i].expr, sc);
}

static void walk_window(Walk *w, const WindowDef *wd, const WScope *sc) {
  for (int i = 0; i < wd->npart; i++)
    walk_expr(w, wd->part[i], sc);
  for (int i = 0; i < wd->norder; i++)
    walk_expr(w, wd->order[i].expr, sc);
  walk_expr(w, wd->start_expr, sc);
  walk_expr(w, wd->end_expr, sc);
}

/* Adds the FROM items of a list to items (nested joins flattened); walks their subqueries. */
static void add_from(Walk *w, const FromItem *from, int nfrom, WItem *items, int *n, int cap,
                     const WScope *outer) {
  for (int i = 0; i < nfrom; i++) {
    const FromItem *f = &from[i];
    if (f->nested_from) {
      add_from(w, f->nested_from->from, f->nested_from->nfrom, items, n, cap, outer);
      continue;
    }
    WItem it = {f->name, f->alias, f->sel, 0};
    if (f->sel) {
      walk_select(w, f->sel, outer);
    } else if (f->name) {
      if (w->mode == W_TABLE && name_eq(f->name, w->tab) && !is_cte(w, f->name)) edit_name(w, f->name);
      for (int k = 0; k < f->nargs; k++)
        walk_expr(w, f->args[k], outer);
    }
    if (*n < cap) items[(*n)++] = it;
  }
}

static int count_from(const FromItem *from, int nfrom) {
  int n = 0;
  for (int i = 0; i < nfrom; i++)
    n += from[i].nested_from ? count_from(from[i].nested_from->from, from[i].nested_from->nfrom) : 1;
  return n;
}

static void walk_on(Walk *w, const FromItem *from, int nfrom, const WItem *items, int nitems,
                    const WScope *sc) {
  for (int i = 0; i < nfrom; i++) {
    const FromItem *f = &from[i];
    if (f->nested_from) walk_on(w, f->nested_from->from, f->nested_from->nfrom, items, nitems, sc);
    walk_expr(w, f->on, sc);
    for (int k = 0; k < f->nusing && w->mode != W_TABLE; k++) {
      if (!name_eq(f->using_cols[k], w->col)) continue;
      for (int j = 0; j < nitems; j++)
        if (item_is_tab(w, &items[j])) {
          hit(w, f->using_cols[k], NULL);
          break;
        }
    }
  }
}

static void walk_select(Walk *w, const Select *s, const WScope *outer) {
  if (!s) return;
  int saved_ctes = w->nctes;
  for (int i = 0; i < s->ncte; i++) {
    if (w->nctes == w->capctes) {
      int nc = w->capctes ? w->capctes * 2 : 4;
      const char **na = realloc(w->ctes, sizeof(char *) * (size_t)nc);
      if (!na) {
        w->edits.oom = 1;
        break;
      }
      w->ctes = na;
      w->capctes = nc;
    }
    w->ctes[w->nctes++] = s->ctes[i].name;
  }
  for (int i = 0; i < s->ncte; i++)
    walk_select(w, s->ctes[i].sel, outer);
  if (s->cmp_op) {
    walk_select(w, s->left, outer);
    walk_select(w, s->right, outer);
  } else {
    for (int r = 0; r < s->nvalues; r++)
      for (int k = 0; k < s->values_n[r]; k++)
        walk_expr(w, s->values[r][k], outer);
    int cap = count_from(s->from, s->nfrom), n = 0;
    WItem *items = cap ? calloc((size_t)cap, sizeof(WItem)) : NULL;
    if (cap && !items) {
      w->edits.oom = 1;
      w->nctes = saved_ctes;
      return;
    }
    add_from(w, s->from, s->nfrom, items, &n, cap, outer);
    WScope sc = {items, n, outer};
    walk_on(w, s->from, s->nfrom, items, n, &sc);
    for (int i = 0; i < s->nres; i++) {
      const ResCol *r = &s->res[i];
      walk_expr(w, r->expr, &sc);
      if (w->mode == W_TABLE && r->star_table) {
        const WItem *it = resolve_qual(&sc, r->star_table);
        if (it && !it->alias && item_is_tab(w, it)) edit_name(w, r->star_table);
      }
    }
    walk_expr(w, s->where, &sc);
    for (int i = 0; i < s->ngroup; i++)
      walk_expr(w, s->group[i], &sc);
    walk_expr(w, s->having, &sc);
    for (int i = 0; i < s->nwindow; i++)
      walk_window(w, s->windows[i], &sc);
    for (int i = 0; i < s->norder; i++)
      walk_expr(w, s->order[i].expr, &sc);
    free(items);
  }
  if (s->cmp_op)
    for (int i = 0; i < s->norder; i++)
      walk_expr(w, s->order[i].expr, outer);
  walk_expr(w, s->limit, outer);
  walk_expr(w, s->offset, outer);
  w->nctes = saved_ctes;
}

/* REFERENCES tab(cols) of a foreign key. */
static void walk_fk(Walk *w, const ForeignKey *fk) {
  if (!fk || !name_eq(fk->table, w->tab)) return;
  if (w->mode == W_TABLE) {
    edit_name(w, fk->table);
    return;
  }
  if (w->mode == W_COLUMN)
    for (int i = 0; i < fk->ncols; i++)
      if (name_eq(fk->cols[i], w->col)) edit_name(w, fk->cols[i]);
}

/* A column name of the statement's own target table (INSERT column lists, SET targets, UPDATE OF). */
static void own_column(Walk *w, const char *table, const char *name) {
  if (w->mode == W_COLUMN && name_eq(table, w->tab) && name_eq(name, w->col)) edit_name(w, name);
}

static void walk_stmt(Walk *w, const Stmt *st, const WScope *trig) {
  switch (st->kind) {
  case SK_CREATE_TABLE: {
    WItem self = {st->name, NULL, NULL, 0};
    WScope sc = {&self, 1, NULL};
    int mine = name_eq(st->name, w->tab);
    if (w->mode == W_TABLE && mine) edit_name(w, st->name);
    for (int i = 0; i < st->ncoldef; i++) {
      const ColDef *cd = &st->coldefs[i];
      if (w->mode == W_FIND && mine && i == w->skip_col) continue;
      if (w->mode == W_COLUMN && mine && name_eq(cd->name, w->col)) edit_name(w, cd->name);
      for (int k = 0; k < cd->ncheck; k++)
        walk_expr(w, cd->checks[k], &sc);
      walk_expr(w, cd->gen_expr, &sc);
      walk_fk(w, cd->fk);
    }
    for (int i = 0; i < st->ntcons; i++) {
      const TabCons *tc = &st->tcons[i];
      for (int k = 0; k < tc->ncol && tc->cols; k++)
        walk_expr(w, tc->cols[k].expr, &sc);
      walk_expr(w, tc->check, &sc);
      if (tc->kind == TC_FOREIGN_KEY) {
        for (int k = 0; k < tc->ncol && mine && w->mode != W_TABLE; k++) {
          if (!name_eq(tc->fk_cols[k], w->col)) continue;
          if (w->mode == W_COLUMN) {
            edit_name(w, tc->fk_cols[k]);
          } else if (!w->found) {
            hit(w, tc->fk_cols[k], NULL);
            w->found_fk = 1;
          }
        }
        walk_fk(w, tc->fk);
      }
    }
    break;
  }
  case SK_CREATE_INDEX: {
    WItem self = {st->table, NULL, NULL, 0};
    WScope sc = {&self, 1, NULL};
    if (w->mode == W_TABLE && name_eq(st->table, w->tab)) edit_name(w, st->table);
    for (int i = 0; i < st->nidxcol; i++)
      walk_expr(w, st->idxcols[i].expr, &sc);
    walk_expr(w, st->idx_where, &sc);
    break;
  }
  case SK_CREATE_VIEW: walk_select(w, st->sel, NULL); break;
  case SK_CREATE_TRIGGER: {
    WItem rows[2] = {{st->table, "new", NULL, 1}, {st->table, "old", NULL, 1}};
    WScope sc = {rows, 2, NULL};
    if (w->mode == W_TABLE && name_eq(st->table, w->tab)) edit_name(w, st->table);
    for (int i = 0; i < st->ntrig_cols; i++)
      own_column(w, st->table, st->trig_cols[i]);
    walk_expr(w, st->trig_when, &sc);
    for (int i = 0; i < st->nbody; i++)
      walk_stmt(w, st->body[i], &sc);
    break;
  }
  case SK_INSERT: {
    if (w->mode == W_TABLE && name_eq(st->name, w->tab)) edit_name(w, st->name);
    for (int i = 0; i < st->ncols; i++)
      own_column(w, st->name, st->cols[i]);
    walk_select(w, st->sel, trig);
    WItem rows[2] = {{st->name, st->alias, NULL, 0}, {st->name, "excluded", NULL, 1}};
    WScope sc = {rows, 2, trig};
    for (int i = 0; i < st->nupsert; i++) {
      const Upsert *u = &st->upserts[i];
      for (int k = 0; k < u->ntarget; k++)
        walk_expr(w, u->target[k].expr, &sc);
      walk_expr(w, u->target_where, &sc);
      for (int k = 0; k < u->nset; k++) {
        for (int j = 0; j < u->set[k].ncols; j++)
          own_column(w, st->name, u->set[k].cols[j]);
        walk_expr(w, u->set[k].expr, &sc);
      }
      walk_expr(w, u->where, &sc);
    }
    break;
  }
  case SK_UPDATE:
  case SK_DELETE: {
    if (w->mode == W_TABLE && name_eq(st->name, w->tab)) edit_name(w, st->name);
    WItem self = {st->name, st->alias, NULL, 0};
    WScope sc = {&self, 1, trig};
    for (int i = 0; i < st->nset; i++) {
      for (int j = 0; j < st->set[i].ncols; j++)
        own_column(w, st->name, st->set[i].cols[j]);
      walk_expr(w, st->set[i].expr, &sc);
    }
    walk_expr(w, st->where, &sc);
    for (int i = 0; i < st->norder; i++)
      walk_expr(w, st->order[i].expr, &sc);
    walk_expr(w, st->limit, &sc);
    walk_expr(w, st->offset, &sc);
    break;
  }
  case SK_SELECT: walk_select(w, st->sel, trig); break;
  default: break;
  }
}

/* ------------------------------------------------------------------------------------------------
 * sqlite_schema rows.
 */
typedef struct SchemaRow {
  int64_t rowid;
  char *type, *name, *tbl, *sql;
  int64_t root;
  int changed;
} SchemaRow;

typedef struct SchemaRows {
  SchemaRow *r;
  int n;
} SchemaRows;

static void rows_free(SchemaRows *rs) {
  for (int i = 0; i < rs->n; i++) {
    free(rs->r[i].type);
    free(rs->r[i].name);
    free(rs->r[i].tbl);
    free(rs->r[i].sql);
  }
  free(rs->r);
  rs->r = NULL;
  rs->n = 0;
}

static char *rec_text(const RecValue *v) {
  if (v->type != REC_TEXT) return NULL;
  return strndup(v->u.s.p, v->u.s.n);
}

static int bterr(Exec *x, int rc) {
  if (rc == MICA_NOMEM) return nomem(x->db);
  return mica_set_error(x->db, rc, "%s", btree_errmsg(x->db->bt));
}

/* Reads every sqlite_schema row, in rowid order. */
static int rows_load(Exec *x, SchemaRows *rs) {
  TableWriter w;
  int rc = dml_writer_open(x, x->db->schema->master, &w);
  int cap = 0, eof = 0;
  if (rc == MICA_OK)
    for (rc = btree_first(w.cur, &eof); rc == MICA_OK && !eof; rc = btree_next(w.cur, &eof)) {
      const void *d;
      uint32_t n;
      RecValue rv[5];
      int got;
      if ((rc = btree_data(w.cur, &d, &n))) break;
      if (record_decode(d, n, rv, 5, &got) || got < 5) continue;
      if (rs->n == cap) {
        cap = cap ? cap * 2 : 16;
        SchemaRow *nr = realloc(rs->r, sizeof(SchemaRow) * (size_t)cap);
        if (!nr) {
          rc = MICA_NOMEM;
          break;
        }
        rs->r = nr;
      }
      SchemaRow *r = &rs->r[rs->n++];
      memset(r, 0, sizeof *r);
      r->rowid = btree_rowid(w.cur);
      r->type = rec_text(&rv[0]);
      r->name = rec_text(&rv[1]);
      r->tbl = rec_text(&rv[2]);
      r->sql = rec_text(&rv[4]);
      r->root = rv[3].type == REC_INT ? rv[3].u.i : 0;
      if (!r->type || !r->name || !r->tbl || (rv[4].type == REC_TEXT && !r->sql)) rc = MICA_NOMEM;
    }
  if (rc) rc = bterr(x, rc);
  dml_writer_close(&w);
  return rc;
}

/* Writes back the rows marked changed. */
static int rows_store(Exec *x, SchemaRows *rs) {
  TableWriter w;
  int rc = dml_writer_open(x, x->db->schema->master, &w);
  for (int i = 0; i < rs->n && rc == MICA_OK; i++) {
    SchemaRow *r = &rs->r[i];
    if (!r->changed) continue;
    Value v[5];
    for (int k = 0; k < 5; k++)
      value_init(&v[k]);
    value_set_text(&v[0], r->type, (int)strlen(r->type), VAL_STATIC);
    value_set_text(&v[1], r->name, (int)strlen(r->name), VAL_STATIC);
    value_set_text(&v[2], r->tbl, (int)strlen(r->tbl), VAL_STATIC);
    value_set_int(&v[3], r->root);
    if (r->sql) value_set_text(&v[4], r->sql, (int)strlen(r->sql), VAL_STATIC);
    uint8_t *rec = NULL;
    uint32_t nrec = 0;
    rc = dml_encode(v, 5, &rec, &nrec);
    if (rc == MICA_OK) rc = btree_insert(w.cur, r->rowid, rec, nrec);
    free(rec);
    if (rc) rc = bterr(x, rc);
  }
  dml_writer_close(&w);
  return rc;
}

/* Parses row r's text with name positions; NULL when it has none or does not parse. */
static Stmt *row_parse(const SchemaRow *r) {
  if (!r->sql) return NULL;
  Stmt *st = NULL;
  if (parse_statement(r->sql, -1, MICA_DIALECT_SQLITE | PARSE_NAME_POSITIONS, &st, NULL, NULL, NULL) !=
      MICA_OK)
    return NULL;
  return st;
}

static void walk_free(Walk *w) {
  free(w->edits.e);
  w->edits.e = NULL;
  w->edits.n = w->edits.cap = 0;
  free(w->found);
  w->found = NULL;
  free(w->ctes);
  w->ctes = NULL;
  w->nctes = w->capctes = 0;
}

/* Runs the walk over every row's text and applies its edits (W_TABLE, W_COLUMN). */
static int rows_rewrite(Exec *x, SchemaRows *rs, Walk *w) {
  for (int i = 0; i < rs->n; i++) {
    SchemaRow *r = &rs->r[i];
    Stmt *st = row_parse(r);
    if (!st) continue;
    w->top = st;
    w->sql = r->sql;
    w->edits.n = 0;
    walk_stmt(w, st, NULL);
    int oom = w->edits.oom;
    if (!oom && w->edits.n > 0) {
      char *ns = edits_apply(r->sql, &w->edits);
      if (ns) {
        free(r->sql);
        r->sql = ns;
        r->changed = 1;
      } else {
        oom = 1;
      }
    }
    ast_free(st);
    if (oom) return nomem(x->db);
  }
  return MICA_OK;
}

/* ------------------------------------------------------------------------------------------------
 * RENAME TO.
 */
int alter_rename_table(Exec *x, Table *t, const char *new_name) {
  mica_db *db = x->db;
  SchemaRows rs = {0};
  char *old = strdup(t->name);
  char *q = quoted(new_name);
  char *qsp = q ? malloc(strlen(q) + 2) : NULL;
  if (!old || !qsp) {
    free(old);
    free(q);
    free(qsp);
    return nomem(db);
  }
  sprintf(qsp, "%s ", q);
  Walk w = {.db = db, .mode = W_TABLE, .tab = old, .quot = q, .quot_sp = qsp, .skip_col = -1};
  int rc = rows_load(x, &rs);
  if (rc == MICA_OK) rc = rows_rewrite(x, &rs, &w);
  size_t olen = strlen(old);
  for (int i = 0; i < rs.n && rc == MICA_OK; i++) {
    SchemaRow *r = &rs.r[i];
    char *nn = NULL, *nt = NULL;
    int want_name = 0;
    if (!strcmp(r->type, "table") && name_eq(r->name, old)) {
      want_name = 1;
      nn = strdup(new_name);
    } else if (!strncmp(r->name, "sqlite_autoindex_", 17) && !strncasecmp(r->name + 17, old, olen) &&
               r->name[17 + olen] == '_' && name_eq(r->tbl, old)) {
      size_t n = 17 + strlen(new_name) + strlen(r->name + 17 + olen) + 1;
      want_name = 1;
      nn = malloc(n);
      if (nn) snprintf(nn, n, "sqlite_autoindex_%s%s", new_name, r->name + 17 + olen);
    }
    int want_tbl = name_eq(r->tbl, old);
    if (want_tbl) nt = strdup(new_name);
    if ((want_name && !nn) || (want_tbl && !nt)) {
      free(nn);
      free(nt);
      rc = nomem(db);
      break;
    }
    if (nn) {
      free(r->name);
      r->name = nn;
      r->changed = 1;
    }
    if (nt) {
      free(r->tbl);
      r->tbl = nt;
      r->changed = 1;
    }
  }
  if (rc == MICA_OK) rc = rows_store(x, &rs);
  /* sqlite_sequence keeps the AUTOINCREMENT counter under the table's name */
  Table *seq = schema_find_table(db->schema, "sqlite_sequence");
  if (rc == MICA_OK && seq && t->autoinc) {
    TableWriter tw;
    rc = dml_writer_open(x, seq, &tw);
    int eof = 0;
    int64_t hit_rowid = -1, seqval = 0;
    for (int r2 = rc == MICA_OK ? btree_first(tw.cur, &eof) : rc; r2 == MICA_OK && !eof && hit_rowid < 0;
         r2 = btree_next(tw.cur, &eof)) {
      const void *d;
      uint32_t n;
      RecValue rv[2];
      int got;
      if (btree_data(tw.cur, &d, &n) || record_decode(d, n, rv, 2, &got) || got < 2) continue;
      if (rv[0].type == REC_TEXT && rv[0].u.s.n == olen && !memcmp(rv[0].u.s.p, old, olen)) {
        hit_rowid = btree_rowid(tw.cur);
        seqval = rv[1].type == REC_INT ? rv[1].u.i : 0;
      }
    }
    if (rc == MICA_OK && hit_rowid >= 0) {
      Value v[2];
      value_init(&v[0]);
      value_init(&v[1]);
      value_set_text(&v[0], new_name, (int)strlen(new_name), VAL_STATIC);
      value_set_int(&v[1], seqval);
      uint8_t *rec = NULL;
      uint32_t nrec = 0;
      rc = dml_encode(v, 2, &rec, &nrec);
      if (rc == MICA_OK) rc = btree_insert(tw.cur, hit_rowid, rec, nrec);
      free(rec);
      if (rc) rc = bterr(x, rc);
    }
    dml_writer_close(&tw);
  }
  if (rc == MICA_OK) rc = ddl_schema_changed(x);
  rows_free(&rs);
  walk_free(&w);
  free(old);
  free(q);
  free(qsp);
  return rc;
}

/* ------------------------------------------------------------------------------------------------
 * RENAME COLUMN.
 */
int alter_rename_column_refs(Exec *x, const char *tab, const char *col, const char *new_name, int bquote) {
  mica_db *db = x->db;
  SchemaRows rs = {0};
  char *q = quoted(new_name);
  char *qsp = q ? malloc(strlen(q) + 2) : NULL;
  char *t = strdup(tab), *c = strdup(col), *bare = strdup(new_name);
  int rc = q && qsp && t && c && bare ? MICA_OK : nomem(db);
  if (rc == MICA_OK) sprintf(qsp, "%s ", q);
  Walk w = {.db = db,
            .mode = W_COLUMN,
            .tab = t,
            .col = c,
            .bare = bare,
            .quot = q,
            .quot_sp = qsp,
            .bquote = bquote,
            .skip_col = -1};
  if (rc == MICA_OK) rc = rows_load(x, &rs);
  if (rc == MICA_OK) rc = rows_rewrite(x, &rs, &w);
  if (rc == MICA_OK) rc = rows_store(x, &rs);
  rows_free(&rs);
  walk_free(&w);
  free(q);
  free(qsp);
  free(t);
  free(c);
  free(bare);
  return rc;
}

/* ------------------------------------------------------------------------------------------------
 * DROP COLUMN.
 */
int alter_rewrite_rows(Exec *x, Table *t, int (*fn)(void *ctx, Exec *x, Value *vals, int *n), void *ctx,
                       int keep_ipk) {
  mica_db *db = x->db;
  TableWriter w;
  int rc = dml_writer_open(x, t, &w);
  RowList ids = {0};
  if (rc == MICA_OK && (rc = dml_rowids(&w, &ids))) rc = bterr(x, rc);
  int n = t->ncol;
  Value *vals = values_alloc((size_t)n + 1);
  if (!vals && rc == MICA_OK) rc = nomem(db);
  for (int64_t i = 0; i < ids.n && rc == MICA_OK; i++) {
    int64_t rowid = ids.rows[i]->v[0].u.i;
    int found = 0;
    rc = dml_read_row(x, &w, rowid, vals, &found);
    if (rc == MICA_OK && found) {
      if (t->ipk >= 0 && !keep_ipk) value_set_null(&vals[t->ipk]); /* the rowid is not stored in the record */
      int nout = n;
      rc = fn(ctx, x, vals, &nout);
      uint8_t *rec = NULL;
      uint32_t nrec = 0;
      int res = 0;
      if (rc == MICA_OK) rc = dml_encode(vals, nout, &rec, &nrec);
      if (rc == MICA_OK) rc = btree_seek_rowid(w.cur, rowid, &res);
      if (rc == MICA_OK) rc = btree_insert(w.cur, rowid, rec, nrec);
      free(rec);
      if (rc && !db->errcode) rc = bterr(x, rc);
    }
    for (int k = 0; k < n; k++) {
      value_release(&vals[k]);
      value_init(&vals[k]);
    }
  }
  free(vals);
  rowlist_clear(&ids);
  dml_writer_close(&w);
  return rc;
}

typedef struct DropCtx {
  int col;
} DropCtx;

static int drop_value(void *ctx, Exec *x, Value *vals, int *n) {
  (void)x;
  int col = ((DropCtx *)ctx)->col;
  if (!vals || col < 0 || col >= *n) return MICA_OK;
  value_release(&vals[col]);
  memmove(&vals[col], &vals[col + 1], sizeof(Value) * (size_t)(*n - col - 1));
  value_init(&vals[*n - 1]);
  (*n)--;
  return MICA_OK;
}

int alter_drop_column(Exec *x, Table *t, int col, const char *verb) {
  mica_db *db = x->db;
  SchemaRows rs = {0};
  char *tab = strdup(t->name), *cname = strdup(t->cols[col].name);
  Walk w = {.db = db, .mode = W_FIND, .tab = tab, .col = cname, .skip_col = col};
  int rc = tab && cname ? rows_load(x, &rs) : nomem(db);
  /* every remaining reference is an error */
  for (int i = 0; i < rs.n && rc == MICA_OK; i++) {
    SchemaRow *r = &rs.r[i];
    Stmt *st = row_parse(r);
    if (!st) continue;
    w.top = st;
    w.sql = r->sql;
    walk_stmt(&w, st, NULL);
    ast_free(st);
    if (w.found && !verb)
      rc = mica_set_error(db, MICA_ERROR,
                          "cannot drop column %s of table %s because other objects depend on it", cname, tab);
    else if (w.found && w.found_fk)
      rc = mica_set_error(db, MICA_ERROR,
                          "error in %s %s after %s: unknown column \"%s\" in foreign key definition", r->type,
                          r->name, verb, w.found);
    else if (w.found)
      rc = mica_set_error(db, MICA_ERROR, "error in %s %s after %s: no such column: %s", r->type, r->name,
                          verb, w.found);
    else if (w.edits.oom)
      rc = nomem(db);
  }
  /* cut the definition out of the CREATE TABLE text */
  for (int i = 0; i < rs.n && rc == MICA_OK; i++) {
    SchemaRow *r = &rs.r[i];
    if (strcmp(r->type, "table") || !name_eq(r->name, tab)) continue;
    Stmt *st = row_parse(r);
    if (!st || st->kind != SK_CREATE_TABLE || st->ncoldef != t->ncol || st->ncoldef < 2) {
      ast_free(st);
      rc = mica_set_error(db, MICA_CORRUPT, "malformed database schema (%s)", tab);
      break;
    }
    int from = col > 0 ? st->coldefs[col - 1].end : st->coldefs[0].off;
    int to = col > 0 ? st->coldefs[col].end : st->coldefs[1].off;
    ast_free(st);
    size_t len = strlen(r->sql);
    memmove(r->sql + from, r->sql + to, len - (size_t)to + 1);
    r->changed = 1;
  }
  if (rc == MICA_OK) rc = rows_store(x, &rs);
  if (rc == MICA_OK && !t->is_view) {
    DropCtx dc = {col};
    rc = alter_rewrite_rows(x, t, drop_value, &dc, 0);
  }
  if (rc == MICA_OK) rc = ddl_schema_changed(x);
  rows_free(&rs);
  walk_free(&w);
  free(tab);
  free(cname);
  return rc;
}

/* ------------------------------------------------------------------------------------------------
 * ADD COLUMN.
 */
/* Runs the query sql on this connection inside the running statement; *found: it returned a row. */
static int probe(mica_db *db, const char *sql, int *found) {
  mica_stmt *st = NULL;
  *found = 0;
  int dialect = db->dialect;
  db->dialect = MICA_DIALECT_SQLITE; /* the text is SQLite's (stored definitions) */
  int rc = mica_prepare(db, sql, -1, &st, NULL);
  db->dialect = dialect;
  if (rc) return rc;
  rc = mica_step(st);
  *found = rc == MICA_ROW;
  int rc2 = mica_finalize(st);
  return rc == MICA_ROW || rc == MICA_DONE ? MICA_OK : rc2 ? rc2 : rc;
}

/* A default SQLite can evaluate without running code (sqlite3ValueFromExpr): a literal, NULL, a signed
 * number, a CAST of one. */
static int constant_default(const Expr *e) {
  if (!e) return 1;
  switch (e->kind) {
  case EK_NULL:
  case EK_INT:
  case EK_REAL:
  case EK_TEXT:
  case EK_BLOB: return 1;
  case EK_NEG:
  case EK_POS:
  case EK_CAST: return constant_default(e->a);
  default: return 0;
  }
}

int alter_add_column(Exec *x, Table *t, const void *coldef, const char *coltext, const char *sql) {
  const ColDef *cd = coldef;
  mica_db *db = x->db;
  if (!t->sql) return mica_set_error(db, MICA_ERROR, "malformed ALTER TABLE");
  /* SQLite refuses these only when the table has rows */
  BtCursor *cur = NULL;
  int eof = 1;
  int rc = btree_cursor_open(db->bt, t->root, 0, NULL, &cur);
  if (rc == MICA_OK) rc = btree_first(cur, &eof);
  if (cur) btree_cursor_close(cur);
  if (rc) return bterr(x, rc);
  const Expr *dflt = cd->dflt && cd->dflt->kind != EK_NULL ? cd->dflt : NULL;
  if (!eof && !cd->gen) {
    if (db->foreign_keys && cd->fk && dflt)
      return mica_set_error(db, MICA_ERROR, "Cannot add a REFERENCES column with non-NULL default value");
    if (cd->notnull && !dflt)
      return mica_set_error(db, MICA_ERROR, "Cannot add a NOT NULL column with default value NULL");
    /* (the PostgreSQL dialect writes such a default into every row: alter_pg.c) */
    if (!constant_default(dflt) && db->dialect != MICA_DIALECT_POSTGRES)
      return mica_set_error(db, MICA_ERROR, "Cannot add a column with non-constant default");
  } else if (!eof && cd->gen == 2) {
    return mica_set_error(db, MICA_ERROR, "cannot add a STORED column");
  }
  /* the new definition goes after the last column's, before the table constraints (as SQLite) */
  const Stmt *def = t->ast;
  size_t head = def && def->kind == SK_CREATE_TABLE && def->cols_end > 0 ? (size_t)def->cols_end : 0;
  if (!head || head >= strlen(t->sql))
    return mica_set_error(db, MICA_CORRUPT, "malformed database schema (%s)", t->name);
  const char *close = t->sql + head;
  size_t n = strlen(t->sql) + 2 + strlen(coltext) + 1;
  char *nsql = malloc(n);
  char *tname = strdup(t->name);
  if (!nsql || !tname) {
    free(nsql);
    free(tname);
    return nomem(db);
  }
  snprintf(nsql, n, "%.*s, %s%s", (int)head, t->sql, coltext, close);
  rc = ddl_schema_set_sql(x, "table", tname, nsql);
  if (rc == MICA_OK) rc = ddl_schema_changed(x);
  /* the rows already there must satisfy the new column's CHECK constraints */
  for (int k = 0; k < cd->ncheck && rc == MICA_OK && !eof && sql; k++) {
    const Expr *ck = cd->checks[k];
    char *q = quoted(tname);
    size_t pn = (q ? strlen(q) : 0) + (size_t)(ck->end - ck->off) + 64;
    char *pq = q ? malloc(pn) : NULL;
    int found = 0;
    if (!pq) {
      rc = nomem(db);
    } else {
      snprintf(pq, pn, "SELECT 1 FROM %s WHERE NOT (%.*s) LIMIT 1", q, ck->end - ck->off, sql + ck->off);
      rc = probe(db, pq, &found);
      if (rc == MICA_OK && found && db->dialect == MICA_DIALECT_POSTGRES)
        rc = mica_set_error(db, MICA_CONSTRAINT_CHECK,
                            "check constraint \"%s_%s_check\" of relation \"%s\" is violated by some row",
                            tname, cd->name, tname);
      else if (rc == MICA_OK && found)
        rc = mica_set_error(db, MICA_ERROR, "CHECK constraint failed"); /* SQLite: SQLITE_ERROR */
    }
    free(pq);
    free(q);
  }
  free(nsql);
  free(tname);
  return rc;
}

/* ------------------------------------------------------------------------------------------------
 * The SQLite dialect's statement.
 */
static int column_of(const Table *t, const char *name) {
  for (int i = 0; i < t->ncol; i++)
    if (name_eq(t->cols[i].name, name)) return i;
  return -1;
}

/* Whether the ALTER's token at off was quoted (SQLite's sqlite3Isquote). */
static int quoted_at(const char *sql, int off) {
  return sql && off >= 0 && (sql[off] == '"' || sql[off] == '\'' || sql[off] == '[' || sql[off] == '`');
}

int alter_check(mica_db *db, const void *stmt, const char *sql) {
  const Stmt *st = stmt;
  Schema *s = db->schema;
  Table *t = schema_find_table(s, st->name);
  if (!t) return mica_set_error(db, MICA_ERROR, "no such table: %s", st->name);
  if (t->is_virtual && st->alter_kind != AL_RENAME_TABLE)
    return mica_set_error(db, MICA_ERROR, "virtual tables may not be altered");
  if (t->is_virtual) return mica_set_error(db, MICA_ERROR, "renaming a virtual table is not supported");
  if (t->pk && st->alter_kind == AL_DROP_COLUMN)
    return mica_set_error(db, MICA_ERROR, "DROP COLUMN of a WITHOUT ROWID table is not supported");
  if (st->alter_kind == AL_ADD_COLUMN) {
    const ColDef *cd = st->add_col;
    if (t->is_view) return mica_set_error(db, MICA_ERROR, "Cannot add a column to a view");
    if (t == s->master) return mica_set_error(db, MICA_ERROR, "table sqlite_master may not be altered");
    if (!strncasecmp(t->name, "sqlite_", 7))
      return mica_set_error(db, MICA_ERROR, "table %s may not be altered", t->name);
    if (column_of(t, cd->name) >= 0)
      return mica_set_error(db, MICA_ERROR, "duplicate column name: %s", cd->name);
    if (cd->pk) return mica_set_error(db, MICA_ERROR, "Cannot add a PRIMARY KEY column");
    if (cd->unique) return mica_set_error(db, MICA_ERROR, "Cannot add a UNIQUE column");
    if (t->pk && cd->gen == 1)
      return mica_set_error(db, MICA_ERROR,
                            "VIRTUAL generated columns in WITHOUT ROWID tables are not supported");
    return MICA_OK;
  }
  if (st->alter_kind == AL_RENAME_TABLE &&
      (schema_find_table(s, st->new_name) || schema_find_index(s, st->new_name)))
    return mica_set_error(db, MICA_ERROR, "there is already another table or index with this name: %s",
                          st->new_name);
  if (t == s->master) return mica_set_error(db, MICA_ERROR, "table sqlite_master may not be altered");
  if (!strncasecmp(t->name, "sqlite_", 7))
    return mica_set_error(db, MICA_ERROR, "table %s may not be altered", t->name);
  if (st->alter_kind == AL_RENAME_TABLE) {
    if (!strncasecmp(st->new_name, "sqlite_", 7))
      return mica_set_error(db, MICA_ERROR, "object name reserved for internal use: %s", st->new_name);
    if (t->is_view) return mica_set_error(db, MICA_ERROR, "view %s may not be altered", t->name);
    return MICA_OK;
  }
  int drop = st->alter_kind == AL_DROP_COLUMN;
  if (t->is_view)
    return mica_set_error(
        db, MICA_ERROR, drop ? "cannot drop column from view \"%s\"" : "cannot rename columns of view \"%s\"",
        t->name);
  int col = column_of(t, st->column);
  if (col < 0) return mica_set_error_at(db, MICA_ERROR, st->column_off, "no such column: \"%s\"", st->column);
  if (!drop) return MICA_OK;
  const Stmt *def = t->ast;
  int unique = def && def->kind == SK_CREATE_TABLE && col < def->ncoldef && def->coldefs[col].unique;
  if (t->cols[col].pk || unique)
    return mica_set_error(db, MICA_ERROR, "cannot drop %s column: \"%s\"",
                          unique && !t->cols[col].pk ? "UNIQUE" : "PRIMARY KEY", t->cols[col].name);
  if (t->ncol <= 1)
    return mica_set_error(db, MICA_ERROR, "cannot drop column \"%s\": no other columns exist",
                          t->cols[col].name);
  (void)sql;
  return MICA_OK;
}

int alter_run(Exec *x, const void *stmt, const char *sql) {
  const Stmt *st = stmt;
  mica_db *db = x->db;
  int rc = alter_check(db, stmt, sql); /* the schema may have changed since prepare */
  if (rc) return rc;
  Table *t = schema_find_table(db->schema, st->name);
  if (st->alter_kind == AL_RENAME_TABLE) return alter_rename_table(x, t, st->new_name);
  int col = column_of(t, st->column);
  if (st->alter_kind == AL_DROP_COLUMN) return alter_drop_column(x, t, col, "drop column");
  for (int i = 0; i < t->ncol; i++)
    if (i != col && name_eq(t->cols[i].name, st->new_name))
      return mica_set_error(db, MICA_ERROR, "error in table %s after rename: duplicate column name: %s",
                            t->name, st->new_name);
  rc =
      alter_rename_column_refs(x, t->name, t->cols[col].name, st->new_name, quoted_at(sql, st->new_name_off));
  if (rc == MICA_OK) rc = ddl_schema_changed(x);
  return rc;
}
