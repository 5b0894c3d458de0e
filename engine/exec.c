/*
 * exec.c: the runtime of compiled statements: arena, buffered rows, row sets, the row-source
 * operators (Op) and the SELECT pipeline (SelectPlan), see exec.h for the model.
 *
 * SELECT PIPELINE
 *   core rows      src operator rows (scan/join/filter) -> result expressions [+ ORDER BY keys]
 *                  or, for aggregates, every src row goes into its group (a RowSet keyed by the
 *                  GROUP BY values); at the end each group's captured columns and aggregate results
 *                  fill the aggregate slot, HAVING filters, and the result expressions are evaluated.
 *                  Groups come out in GROUP BY key order, as SQLite's do.
 *   compound       UNION ALL concatenates; UNION / INTERSECT / EXCEPT work on row sets and come out
 *                  sorted by all columns (as SQLite's temp b-tree gives them).
 *   DISTINCT       a RowSet of the rows already returned.
 *   ORDER BY       everything is buffered and sorted by a stable merge sort (NULLs first ascending).
 *   LIMIT/OFFSET   evaluated at open; a negative LIMIT means none.
 *   Without ORDER BY, aggregates or compounds, rows stream straight from the operators, so EXISTS and
 *   LIMIT stop early.
 *
 * INVARIANTS
 *   (1) An operator's slot holds its current row from a MICA_ROW return until its next op_next or
 *       op_close; values borrowed from a slot are valid that long.
 *   (2) Buffered rows (Row) always own their values.
 *   (3) prog_reset returns a Prog to its freshly compiled state (no cursor open, no cache filled).
 */
#include <stdlib.h>
#include <string.h>

#include "exec.h"


/* ------------------------------------------------------------------ arena */
struct ArenaChunk {
  ArenaChunk *next;
  size_t used, cap;
  _Alignas(16) unsigned char data[];
};

void *arena_alloc(Arena *a, size_t n) {
  n = (n + 15) & ~(size_t)15;
  ArenaChunk *c = a->chunks;
  if (!c || c->cap - c->used < n) {
    size_t cap = n > 16000 ? n : 16000;
    c = malloc(sizeof(ArenaChunk) + cap);
    if (!c) return NULL;
    c->used = 0;
    c->cap = cap;
    c->next = a->chunks;
    a->chunks = c;
  }
  void *p = c->data + c->used;
  c->used += n;
  memset(p, 0, n);
  return p;
}

char *arena_strndup(Arena *a, const char *s, size_t n) {
  char *z = arena_alloc(a, n + 1);
  if (z) {
    memcpy(z, s, n);
    z[n] = 0;
  }
  return z;
}

char *arena_strdup(Arena *a, const char *s) { return s ? arena_strndup(a, s, strlen(s)) : NULL; }

void arena_free(Arena *a) {
  ArenaChunk *c = a->chunks;
  while (c) {
    ArenaChunk *n = c->next;
    free(c);
    c = n;
  }
  a->chunks = NULL;
}

/* ------------------------------------------------------------------ rows */
Value *values_alloc(size_t n) {
  Value *v = malloc(sizeof(Value) * (n ? n : 1));
  if (v)
    for (size_t i = 0; i < n; i++) value_init(&v[i]);
  return v;
}

Row *row_new(int n) {
  Row *r = malloc(sizeof(Row) + sizeof(Value) * (size_t)(n > 0 ? n : 1));
  if (!r) return NULL;
  r->n = n;
  for (int i = 0; i < n; i++) value_init(&r->v[i]);
  return r;
}

void row_free(Row *r) {
  if (!r) return;
  for (int i = 0; i < r->n; i++) value_release(&r->v[i]);
  free(r);
}

int rowlist_push(RowList *l, Row *r) {
  if (l->n == l->cap) {
    int64_t cap = l->cap ? l->cap * 2 : 16;
    Row **p = realloc(l->rows, sizeof(Row *) * (size_t)cap);
    if (!p) return MICA_NOMEM;
    l->rows = p;
    l->cap = cap;
  }
  l->rows[l->n++] = r;
  return MICA_OK;
}

void rowlist_clear(RowList *l) {
  for (int64_t i = 0; i < l->n; i++) row_free(l->rows[i]);
  free(l->rows);
  l->rows = NULL;
  l->n = l->cap = 0;
}

/* ------------------------------------------------------------------ row sets */
static uint64_t fnv(uint64_t h, const unsigned char *p, size_t n) {
  for (size_t i = 0; i < n; i++) {
    h ^= p[i];
    h *= 1099511628211ULL;
  }
  return h;
}

static uint64_t hash_value(const Value *v, const RecColl *coll) {
  uint64_t h = 1469598103934665603ULL;
  switch (v->type) {
  case VAL_NULL:
    return 7;
  case VAL_INT: {
    int64_t i = v->u.i;
    return fnv(h, (const unsigned char *)&i, sizeof i);
  }
  case VAL_REAL: {
    double r = v->u.r;
    if (r >= -9.2e18 && r <= 9.2e18 && (double)(int64_t)r == r) {
      int64_t i = (int64_t)r;
      return fnv(h, (const unsigned char *)&i, sizeof i);
    }
    return fnv(h, (const unsigned char *)&r, sizeof r);
  }
  case VAL_TEXT: {
    if (!coll || !coll->cmp || coll->cmp == record_coll_binary)
      return fnv(h ^ 3, (const unsigned char *)v->z, (size_t)v->n);
    if (coll->cmp == record_coll_nocase) {
      for (int i = 0; i < v->n; i++) {
        unsigned char c = (unsigned char)v->z[i];
        if (c >= 'A' && c <= 'Z') c += 32;
        h = fnv(h, &c, 1);
      }
      return h;
    }
    if (coll->cmp == record_coll_rtrim) {
      int n = v->n;
      while (n > 0 && v->z[n - 1] == ' ') n--;
      return fnv(h ^ 3, (const unsigned char *)v->z, (size_t)n);
    }
    return 3;
  }
  default:
    return fnv(h ^ 4, (const unsigned char *)v->z, (size_t)v->n);
  }
}

static uint64_t hash_key(RowSet *s, const Value *key) {
  uint64_t h = 0;
  for (int i = 0; i < s->ncol; i++) h = h * 31 + hash_value(&key[i], s->colls ? s->colls[i] : NULL);
  return h | 1; /* 0 marks an empty slot */
}

static int keys_equal(RowSet *s, const Value *a, const Value *b) {
  for (int i = 0; i < s->ncol; i++) {
    if (a[i].type == VAL_NULL || b[i].type == VAL_NULL) {
      if (a[i].type != b[i].type) return 0;
      continue;
    }
    if (value_compare(&a[i], &b[i], s->colls ? s->colls[i] : NULL) != 0) return 0;
  }
  return 1;
}

void rowset_init(RowSet *s, int ncol, const RecColl **colls) {
  memset(s, 0, sizeof *s);
  s->ncol = ncol;
  s->colls = colls;
}

Row *rowset_find(RowSet *s, const Value *key) {
  if (!s->cap) return NULL;
  uint64_t h = hash_key(s, key);
  for (int64_t i = (int64_t)(h & (uint64_t)(s->cap - 1));; i = (i + 1) & (s->cap - 1)) {
    if (!s->hashes[i]) return NULL;
    if (s->hashes[i] == h && keys_equal(s, s->slots[i]->v, key)) return s->slots[i];
  }
}

static int rowset_grow(RowSet *s) {
  int64_t cap = s->cap ? s->cap * 2 : 64;
  Row **slots = calloc((size_t)cap, sizeof(Row *));
  uint64_t *hashes = calloc((size_t)cap, sizeof(uint64_t));
  if (!slots || !hashes) {
    free(slots);
    free(hashes);
    return MICA_NOMEM;
  }
  for (int64_t i = 0; i < s->cap; i++) {
    if (!s->hashes[i]) continue;
    int64_t j = (int64_t)(s->hashes[i] & (uint64_t)(cap - 1));
    while (hashes[j]) j = (j + 1) & (cap - 1);
    hashes[j] = s->hashes[i];
    slots[j] = s->slots[i];
  }
  free(s->slots);
  free(s->hashes);
  s->slots = slots;
  s->hashes = hashes;
  s->cap = cap;
  return MICA_OK;
}

int rowset_add(RowSet *s, Row *r, int *added) {
  *added = 0;
  if ((s->n + 1) * 2 > s->cap && rowset_grow(s)) return MICA_NOMEM;
  uint64_t h = hash_key(s, r->v);
  int64_t i = (int64_t)(h & (uint64_t)(s->cap - 1));
  for (;; i = (i + 1) & (s->cap - 1)) {
    if (!s->hashes[i]) break;
    if (s->hashes[i] == h && keys_equal(s, s->slots[i]->v, r->v)) return MICA_OK;
  }
  s->hashes[i] = h;
  s->slots[i] = r;
  s->n++;
  *added = 1;
  return MICA_OK;
}

void rowset_clear(RowSet *s) {
  for (int64_t i = 0; i < s->cap; i++)
    if (s->hashes[i]) row_free(s->slots[i]);
  free(s->slots);
  free(s->hashes);
  s->slots = NULL;
  s->hashes = NULL;
  s->cap = s->n = 0;
}

/* ------------------------------------------------------------------ stable sort */
typedef struct SortCtx {
  int nkey;
  int off;            /* first key value in each row */
  const int *keycol;  /* or explicit key columns */
  const uint8_t *desc;
  const uint8_t *nulls_last;
  const RecColl **coll;
} SortCtx;

static int sort_cmp(const SortCtx *c, const Row *a, const Row *b) {
  for (int i = 0; i < c->nkey; i++) {
    int k = c->keycol ? c->keycol[i] : c->off + i;
    const Value *va = &a->v[k], *vb = &b->v[k];
    int r;
    int na = va->type == VAL_NULL, nb = vb->type == VAL_NULL;
    int desc = c->desc && c->desc[i];
    if (na || nb) {
      if (na && nb) continue;
      int nl = c->nulls_last ? c->nulls_last[i] : 0; /* 0 default, 1 NULLS LAST, 2 NULLS FIRST */
      int nulls_first = nl == 2 || (nl == 0 && !desc);
      r = na ? (nulls_first ? -1 : 1) : (nulls_first ? 1 : -1);
      return r;
    }
    r = value_compare(va, vb, c->coll ? c->coll[i] : NULL);
    if (r) return desc ? -r : r;
  }
  return 0;
}

static void merge_sort(Row **a, Row **tmp, int64_t n, const SortCtx *c) {
  if (n < 2) return;
  if (n <= 8) {
    for (int64_t i = 1; i < n; i++) {
      Row *r = a[i];
      int64_t j = i;
      while (j > 0 && sort_cmp(c, a[j - 1], r) > 0) {
        a[j] = a[j - 1];
        j--;
      }
      a[j] = r;
    }
    return;
  }
  int64_t m = n / 2;
  merge_sort(a, tmp, m, c);
  merge_sort(a + m, tmp, n - m, c);
  if (sort_cmp(c, a[m - 1], a[m]) <= 0) return;
  int64_t i = 0, j = m, k = 0;
  while (i < m && j < n) tmp[k++] = sort_cmp(c, a[j], a[i]) < 0 ? a[j++] : a[i++];
  while (i < m) tmp[k++] = a[i++];
  while (j < n) tmp[k++] = a[j++];
  memcpy(a, tmp, sizeof(Row *) * (size_t)n);
}

static int rows_sort(RowList *l, const SortCtx *c) {
  if (l->n < 2) return MICA_OK;
  Row **tmp = malloc(sizeof(Row *) * (size_t)l->n);
  if (!tmp) return MICA_NOMEM;
  merge_sort(l->rows, tmp, l->n, c);
  free(tmp);
  return MICA_OK;
}

/* ------------------------------------------------------------------ helpers */
int exec_check_interrupt(Exec *x) {
  if (atomic_load(&x->db->interrupted)) return mica_set_error(x->db, MICA_INTERRUPT, "interrupted");
  return MICA_OK;
}

static int nomem(Exec *x) { return mica_set_error(x->db, MICA_NOMEM, "out of memory"); }

static int bt_error(Exec *x, int rc) {
  if (rc == MICA_NOMEM) return nomem(x);
  if (rc == MICA_INTERRUPT) return mica_set_error(x->db, rc, "interrupted");
  return mica_set_error(x->db, rc, "%s", btree_errmsg(x->db->bt));
}

int exec_load_row(Exec *x, int slot, BtCursor *cur) {
  Slot *s = &x->slots[slot];
  const void *data;
  uint32_t n;
  int rc = btree_data(cur, &data, &n);
  if (rc) return bt_error(x, rc);
  s->rowid = btree_rowid(cur);
  s->rec = data;
  s->nrec = n;
  s->decoded = 0;
  s->nullrow = 0;
  return MICA_OK;
}

/* ------------------------------------------------------------------ operators */
static void set_nullrows(Exec *x, Op *op, int on) {
  for (int i = 0; i < op->nrslots; i++) x->slots[op->rslots[i]].nullrow = on;
}

/* Converts v to an integer rowid if it is one exactly; returns 0 if no rowid can match. */
static int value_to_rowid(Value *v, int64_t *out) {
  value_apply_affinity(v, AFF_INTEGER);
  if (v->type == VAL_INT) {
    *out = v->u.i;
    return 1;
  }
  if (v->type == VAL_REAL && v->u.r >= -9.2e18 && v->u.r <= 9.2e18 && (double)(int64_t)v->u.r == v->u.r) {
    *out = (int64_t)v->u.r;
    return 1;
  }
  return 0;
}

int op_open(Exec *x, Op *op) {
  int rc = MICA_OK;
  op->state = 0;
  op->matched = 0;
  op->pos = 0;
  switch (op->kind) {
  case OP_SINGLE:
    return MICA_OK;
  case OP_SCAN:
    x->slots[op->slot].nullrow = 0;
    rc = btree_cursor_open(x->db->bt, op->tab->root, 0, NULL, &op->cur);
    if (rc) {
      op->cur = NULL;
      return bt_error(x, rc);
    }
    if (op->idx) {
      rc = btree_cursor_open(x->db->bt, op->idx->root, 0, &op->idx->keyinfo, &op->icur);
      if (rc) {
        op->icur = NULL;
        return bt_error(x, rc);
      }
    }
    return MICA_OK;
  case OP_FILTER:
    return op_open(x, op->left);
  case OP_JOIN:
    return op_open(x, op->left);
  case OP_ROWS:
    if (!op->rows_ready) {
      rc = select_open(x, op->sub);
      while (rc == MICA_OK && (rc = select_next(x, op->sub)) == MICA_ROW) {
        Row *r = row_new(op->ncol);
        rc = r ? MICA_OK : nomem(x);
        for (int i = 0; rc == MICA_OK && i < op->ncol; i++) rc = value_copy(&r->v[i], &op->sub->cur->v[i]);
        if (rc == MICA_OK) rc = rowlist_push(&op->rows, r);
        else row_free(r);
      }
      select_close(op->sub);
      if (rc != MICA_DONE && rc != MICA_OK) return rc;
      op->rows_ready = 1;
    }
    return MICA_OK;
  }
  return MICA_OK;
}

static int scan_next(Exec *x, Op *op) {
  int rc, eof = 0;
  Slot *s = &x->slots[op->slot];
  if (op->rowid_eq) {
    if (op->state) return MICA_DONE;
    op->state = 1;
    Value v;
    value_init(&v);
    rc = expr_eval(x, op->eq[0], &v);
    if (rc) return rc;
    int64_t rowid;
    int ok = v.type != VAL_NULL && value_to_rowid(&v, &rowid);
    value_release(&v);
    if (!ok) return MICA_DONE;
    int res;
    rc = btree_seek_rowid(op->cur, rowid, &res);
    if (rc) return bt_error(x, rc);
    if (res != 0 || btree_eof(op->cur)) return MICA_DONE;
    return exec_load_row(x, op->slot, op->cur) ?: MICA_ROW;
  }
  if (op->state == 0) {
    rc = btree_first(op->cur, &eof);
    op->state = 1;
  } else {
    rc = btree_next(op->cur, &eof);
  }
  if (rc) return bt_error(x, rc);
  if (eof) return MICA_DONE;
  (void)s;
  rc = exec_load_row(x, op->slot, op->cur);
  return rc ? rc : MICA_ROW;
}

int op_next(Exec *x, Op *op) {
  int rc;
  switch (op->kind) {
  case OP_SINGLE:
    if (op->state) return MICA_DONE;
    op->state = 1;
    return MICA_ROW;
  case OP_SCAN:
    if ((rc = exec_check_interrupt(x))) return rc;
    return scan_next(x, op);
  case OP_FILTER:
    for (;;) {
      rc = op_next(x, op->left);
      if (rc != MICA_ROW) return rc;
      int t = expr_truth(x, op->pred, &rc);
      if (rc) return rc;
      if (t == 1) return MICA_ROW;
    }
  case OP_JOIN:
    for (;;) {
      if (op->state == 0 || op->state == 2) {
        if (op->state == 2) set_nullrows(x, op, 0);
        rc = op_next(x, op->left);
        if (rc != MICA_ROW) return rc;
        op_close(op->right);
        rc = op_open(x, op->right);
        if (rc) return rc;
        op->matched = 0;
        op->state = 1;
      }
      rc = op_next(x, op->right);
      if (rc == MICA_ROW) {
        if (op->pred) {
          int t = expr_truth(x, op->pred, &rc);
          if (rc) return rc;
          if (t != 1) continue;
        }
        op->matched = 1;
        return MICA_ROW;
      }
      if (rc != MICA_DONE) return rc;
      if (op->outer && !op->matched) {
        set_nullrows(x, op, 1);
        op->state = 2;
        return MICA_ROW;
      }
      op->state = 0;
    }
  case OP_ROWS: {
    if (op->pos >= op->rows.n) return MICA_DONE;
    Row *r = op->rows.rows[op->pos++];
    Slot *s = &x->slots[op->slot];
    for (int i = 0; i < op->ncol && i < s->ncol; i++) {
      value_release(&s->cols[i]);
      value_borrow(&s->cols[i], &r->v[i]);
    }
    s->rowid = op->pos;
    s->decoded = 1;
    s->nullrow = 0;
    return MICA_ROW;
  }
  }
  return MICA_DONE;
}

void op_close(Op *op) {
  if (!op) return;
  switch (op->kind) {
  case OP_SCAN:
    if (op->cur) btree_cursor_close(op->cur);
    if (op->icur) btree_cursor_close(op->icur);
    op->cur = op->icur = NULL;
    break;
  case OP_FILTER:
    op_close(op->left);
    break;
  case OP_JOIN:
    op_close(op->left);
    op_close(op->right);
    break;
  default:
    break;
  }
  op->state = 0;
}

/* ------------------------------------------------------------------ SELECT */
enum { SEL_INIT = 0, SEL_STREAM, SEL_BUFFER, SEL_DONE };

static int eval_limit(Exec *x, PExpr *e, int64_t *out, int64_t dflt) {
  *out = dflt;
  if (!e) return MICA_OK;
  Value v;
  value_init(&v);
  int rc = expr_eval(x, e, &v);
  if (rc) return rc;
  value_apply_affinity(&v, AFF_NUMERIC);
  if (v.type == VAL_INT)
    *out = v.u.i;
  else {
    value_release(&v);
    return mica_set_error(x->db, MICA_MISMATCH, "datatype mismatch");
  }
  value_release(&v);
  return MICA_OK;
}

/* Evaluates the result columns (+ ORDER BY keys when withkeys) into a new row. */
static int make_row(Exec *x, SelectPlan *sel, int withkeys, Row **out) {
  int n = sel->nres + (withkeys ? sel->norder : 0);
  Row *r = row_new(n);
  if (!r) return nomem(x);
  int rc = MICA_OK;
  for (int i = 0; i < sel->nres && rc == MICA_OK; i++) {
    rc = expr_eval(x, sel->res[i], &r->v[i]);
    if (rc == MICA_OK) rc = value_make_owned(&r->v[i]);
  }
  if (withkeys)
    for (int i = 0; i < sel->norder && rc == MICA_OK; i++) {
      rc = expr_eval(x, sel->order[i], &r->v[sel->nres + i]);
      if (rc == MICA_OK) rc = value_make_owned(&r->v[sel->nres + i]);
    }
  if (rc) {
    row_free(r);
    return rc;
  }
  *out = r;
  return MICA_OK;
}

/* Aggregation: groups are buffered in a RowSet of [group keys..., group number]. */
typedef struct Group {
  Row *key;
  void **states;
  RowSet *dist;
  Value *cap;
} Group;

static void free_groups(SelectPlan *sel, Group *g, int64_t n) {
  for (int64_t i = 0; i < n; i++) {
    if (g[i].states) {
      for (int j = 0; j < sel->nagg; j++) free(g[i].states[j]);
      free(g[i].states);
    }
    if (g[i].dist) {
      for (int j = 0; j < sel->nagg; j++) rowset_clear(&g[i].dist[j]);
      free(g[i].dist);
    }
    if (g[i].cap) {
      for (int j = 0; j < sel->ncapture; j++) value_release(&g[i].cap[j]);
      free(g[i].cap);
    }
  }
  free(g);
}

static int agg_step(Exec *x, SelectPlan *sel, Group *g) {
  int rc = MICA_OK;
  for (int i = 0; i < sel->nagg && rc == MICA_OK; i++) {
    AggCall *a = &sel->aggs[i];
    if (a->filter) {
      int t = expr_truth(x, a->filter, &rc);
      if (rc) break;
      if (t != 1) continue;
    }
    Value args[8];
    Value *argp[8];
    int n = a->nargs > 8 ? 8 : a->nargs;
    for (int k = 0; k < n; k++) {
      value_init(&args[k]);
      argp[k] = &args[k];
    }
    for (int k = 0; k < n && rc == MICA_OK; k++) rc = expr_eval(x, a->args[k], &args[k]);
    int skip = 0;
    if (rc == MICA_OK && a->distinct && n > 0) {
      if (args[0].type == VAL_NULL)
        skip = 1;
      else {
        if (!g->dist) {
          g->dist = calloc((size_t)sel->nagg, sizeof(RowSet));
          if (!g->dist) rc = nomem(x);
          else
            for (int j = 0; j < sel->nagg; j++) rowset_init(&g->dist[j], 1, &sel->aggs[j].coll);
        }
        if (rc == MICA_OK) {
          Row *r = row_new(1);
          int added = 0;
          if (!r) rc = nomem(x);
          if (rc == MICA_OK) rc = value_copy(&r->v[0], &args[0]);
          if (rc == MICA_OK) rc = rowset_add(&g->dist[i], r, &added);
          if (!added) row_free(r);
          skip = !added;
        }
      }
    }
    if (rc == MICA_OK && !skip) {
      struct mica_context ctx;
      Value out;
      value_init(&out);
      memset(&ctx, 0, sizeof ctx);
      ctx.out = &out;
      ctx.func = a->func;
      ctx.db = x->db;
      ctx.agg_state = &g->states[i];
      ctx.coll = a->coll;
      ctx.now_ms = x->stmt ? x->stmt->now_ms : 0;
      a->func->xstep(&ctx, n, argp);
      value_release(&out);
      if (ctx.is_error) {
        rc = mica_set_error(x->db, ctx.error_rc ? ctx.error_rc : MICA_ERROR, "%s",
                            ctx.errmsg ? ctx.errmsg : "SQL logic error");
        free(ctx.errmsg);
      }
    }
    for (int k = 0; k < n; k++) value_release(&args[k]);
  }
  if (rc) return rc;
  for (int i = 0; i < sel->ncapture; i++) {
    Value *v = slot_col(x, sel->cap_slot[i], sel->cap_col[i], &rc);
    if (rc) return rc;
    value_release(&g->cap[i]);
    if (sel->cap_col[i] == -1) {
      Slot *s = &x->slots[sel->cap_slot[i]];
      if (s->nullrow)
        value_init(&g->cap[i]);
      else
        value_set_int(&g->cap[i], s->rowid);
    } else if ((rc = value_copy(&g->cap[i], v)))
      return rc;
  }
  return MICA_OK;
}

static int group_cmp_ctx_sort(SelectPlan *sel, Group *gs, int64_t n) {
  /* sort groups by their key: reuse the row sorter on the key rows, carrying the group index */
  RowList l = {0};
  int rc = MICA_OK;
  for (int64_t i = 0; i < n && rc == MICA_OK; i++) rc = rowlist_push(&l, gs[i].key);
  if (rc == MICA_OK) {
    SortCtx c = {.nkey = sel->ngroup, .off = 0};
    const RecColl **colls = malloc(sizeof(RecColl *) * (size_t)(sel->ngroup + 1));
    if (!colls) rc = MICA_NOMEM;
    else {
      for (int i = 0; i < sel->ngroup; i++) colls[i] = sel->group[i]->coll;
      c.coll = colls;
      rc = rows_sort(&l, &c);
      free(colls);
    }
  }
  if (rc == MICA_OK) {
    /* reorder gs according to the sorted keys (the last key value is the group number) */
    Group *copy = malloc(sizeof(Group) * (size_t)(n ? n : 1));
    if (!copy) rc = MICA_NOMEM;
    else {
      for (int64_t i = 0; i < n; i++) copy[i] = gs[l.rows[i]->v[sel->ngroup].u.i];
      if (n) memcpy(gs, copy, sizeof(Group) * (size_t)n);
      free(copy);
    }
  }
  free(l.rows);
  return rc;
}

static int run_aggregate(Exec *x, SelectPlan *sel, RowList *outrows, int withkeys) {
  int rc;
  RowSet groups;
  const RecColl **gcolls = NULL;
  Group *gs = NULL;
  int64_t ngs = 0, capgs = 0;
  Value *keybuf = NULL;
  if (sel->ngroup) {
    gcolls = malloc(sizeof(RecColl *) * (size_t)sel->ngroup);
    keybuf = values_alloc((size_t)sel->ngroup);
    if (!gcolls || !keybuf) {
      free(gcolls);
      free(keybuf);
      return nomem(x);
    }
    for (int i = 0; i < sel->ngroup; i++) gcolls[i] = sel->group[i]->coll;
  }
  rowset_init(&groups, sel->ngroup, gcolls);
  rc = op_open(x, sel->src);
  while (rc == MICA_OK && (rc = op_next(x, sel->src)) == MICA_ROW) {
    rc = MICA_OK;
    Group *g = NULL;
    if (sel->ngroup) {
      for (int i = 0; i < sel->ngroup && rc == MICA_OK; i++) {
        value_release(&keybuf[i]);
        rc = expr_eval(x, sel->group[i], &keybuf[i]);
      }
      if (rc) break;
      Row *hit = rowset_find(&groups, keybuf);
      if (hit) g = &gs[hit->v[sel->ngroup].u.i];
    } else if (ngs) {
      g = &gs[0];
    }
    if (!g) {
      if (ngs == capgs) {
        int64_t cap = capgs ? capgs * 2 : 16;
        Group *p = realloc(gs, sizeof(Group) * (size_t)cap);
        if (!p) {
          rc = nomem(x);
          break;
        }
        gs = p;
        capgs = cap;
      }
      g = &gs[ngs];
      memset(g, 0, sizeof *g);
      g->key = row_new(sel->ngroup + 1);
      g->states = calloc((size_t)sel->nagg + 1, sizeof(void *));
      g->cap = values_alloc((size_t)sel->ncapture + 1);
      ngs++;
      if (!g->key || !g->states || !g->cap) {
        rc = nomem(x);
        break;
      }
      for (int i = 0; i < sel->ngroup && rc == MICA_OK; i++) rc = value_copy(&g->key->v[i], &keybuf[i]);
      value_set_int(&g->key->v[sel->ngroup], ngs - 1);
      if (rc) break;
      if (sel->ngroup) {
        /* the RowSet owns a separate copy of the key row */
        Row *k = row_new(sel->ngroup + 1);
        int added;
        if (!k) {
          rc = nomem(x);
          break;
        }
        for (int i = 0; i <= sel->ngroup && rc == MICA_OK; i++) rc = value_copy(&k->v[i], &g->key->v[i]);
        if (rc == MICA_OK) rc = rowset_add(&groups, k, &added);
        if (rc) {
          row_free(k);
          break;
        }
      }
    }
    rc = agg_step(x, sel, g);
  }
  op_close(sel->src);
  if (rc == MICA_DONE) rc = MICA_OK;
  if (rc == MICA_OK && ngs == 0 && sel->ngroup == 0) {
    gs = calloc(1, sizeof(Group));
    if (!gs) rc = nomem(x);
    else {
      ngs = 1;
      gs[0].key = row_new(1);
      gs[0].states = calloc((size_t)sel->nagg + 1, sizeof(void *));
      gs[0].cap = values_alloc((size_t)sel->ncapture + 1);
      if (!gs[0].key || !gs[0].states || !gs[0].cap) rc = nomem(x);
    }
  }
  if (rc == MICA_OK && sel->ngroup) rc = group_cmp_ctx_sort(sel, gs, ngs);
  Slot *as = &x->slots[sel->agg_slot];
  for (int64_t gi = 0; gi < ngs && rc == MICA_OK; gi++) {
    Group *g = &gs[gi];
    for (int i = 0; i < sel->ncapture; i++) {
      value_release(&as->cols[i]);
      value_borrow(&as->cols[i], &g->cap[i]);
    }
    for (int i = 0; i < sel->nagg && rc == MICA_OK; i++) {
      AggCall *a = &sel->aggs[i];
      struct mica_context ctx;
      Value *out = &as->cols[sel->ncapture + i];
      value_release(out);
      value_init(out);
      memset(&ctx, 0, sizeof ctx);
      ctx.out = out;
      ctx.func = a->func;
      ctx.db = x->db;
      ctx.agg_state = &g->states[i];
      ctx.coll = a->coll;
      a->func->xfinal(&ctx);
      if (ctx.is_error) {
        rc = mica_set_error(x->db, ctx.error_rc ? ctx.error_rc : MICA_ERROR, "%s",
                            ctx.errmsg ? ctx.errmsg : "SQL logic error");
        free(ctx.errmsg);
      }
      free(g->states[i]);
      g->states[i] = NULL;
    }
    as->decoded = 1;
    as->nullrow = 0;
    if (rc) break;
    if (sel->having) {
      int t = expr_truth(x, sel->having, &rc);
      if (rc) break;
      if (t != 1) continue;
    }
    Row *r;
    rc = make_row(x, sel, withkeys, &r);
    if (rc == MICA_OK && (rc = rowlist_push(outrows, r))) row_free(r);
  }
  for (int i = 0; i < sel->ncapture + sel->nagg; i++) {
    value_release(&as->cols[i]);
    value_init(&as->cols[i]);
  }
  for (int64_t gi = 0; gi < ngs; gi++) row_free(gs[gi].key);
  free_groups(sel, gs, ngs);
  rowset_clear(&groups);
  free(gcolls);
  if (keybuf) {
    for (int i = 0; i < sel->ngroup; i++) value_release(&keybuf[i]);
    free(keybuf);
  }
  return rc;
}

static int select_collect(Exec *x, SelectPlan *sel, RowList *out, int withkeys);

/* Collects every row of a compound select (without its own ORDER BY/LIMIT). */
static int compound_collect(Exec *x, SelectPlan *sel, RowList *out) {
  RowList l = {0}, r = {0};
  int rc = select_collect(x, sel->left, &l, 0);
  if (rc == MICA_OK) rc = select_collect(x, sel->right, &r, 0);
  if (rc) goto done;
  int n = sel->nres;
  if (sel->left->nres != sel->right->nres) {
    rc = mica_set_error(x->db, MICA_ERROR, "SELECTs to the left and right of %s do not have the same number of result columns",
                        sel->cmp_op == CMP_UNION_ALL ? "UNION ALL" : sel->cmp_op == CMP_UNION ? "UNION" : sel->cmp_op == CMP_INTERSECT ? "INTERSECT" : "EXCEPT");
    goto done;
  }
  if (sel->cmp_op == CMP_UNION_ALL) {
    for (int64_t i = 0; i < l.n && rc == MICA_OK; i++) {
      rc = rowlist_push(out, l.rows[i]);
      if (rc == MICA_OK) l.rows[i] = NULL;
    }
    for (int64_t i = 0; i < r.n && rc == MICA_OK; i++) {
      rc = rowlist_push(out, r.rows[i]);
      if (rc == MICA_OK) r.rows[i] = NULL;
    }
    goto done;
  }
  RowSet ls, rs;
  rowset_init(&ls, n, sel->res_coll);
  rowset_init(&rs, n, sel->res_coll);
  RowList tmp = {0};
  int added;
  for (int64_t i = 0; i < l.n && rc == MICA_OK; i++) {
    rc = rowset_add(&ls, l.rows[i], &added);
    if (added) {
      rc = rc ? rc : rowlist_push(&tmp, l.rows[i]);
      l.rows[i] = NULL;
    }
  }
  if (sel->cmp_op == CMP_UNION) {
    for (int64_t i = 0; i < r.n && rc == MICA_OK; i++) {
      rc = rowset_add(&ls, r.rows[i], &added);
      if (added) {
        rc = rc ? rc : rowlist_push(&tmp, r.rows[i]);
        r.rows[i] = NULL;
      }
    }
    for (int64_t i = 0; i < tmp.n && rc == MICA_OK; i++) rc = rowlist_push(out, tmp.rows[i]);
  } else {
    for (int64_t i = 0; i < r.n && rc == MICA_OK; i++) {
      rc = rowset_add(&rs, r.rows[i], &added);
      if (added) r.rows[i] = NULL;
    }
    for (int64_t i = 0; i < tmp.n && rc == MICA_OK; i++) {
      int inr = rowset_find(&rs, tmp.rows[i]->v) != NULL;
      if ((sel->cmp_op == CMP_INTERSECT) == inr) rc = rowlist_push(out, tmp.rows[i]);
    }
  }
  /* rows are owned by ls (left ones and union'd right ones); copy out what we return */
  for (int64_t i = 0; i < out->n && rc == MICA_OK; i++) {
    Row *c = row_new(n);
    if (!c) {
      rc = MICA_NOMEM;
      break;
    }
    for (int k = 0; k < n && rc == MICA_OK; k++) rc = value_copy(&c->v[k], &out->rows[i]->v[k]);
    out->rows[i] = c;
  }
  free(tmp.rows);
  rowset_clear(&ls);
  rowset_clear(&rs);
  if (rc == MICA_OK) {
    int *cols = malloc(sizeof(int) * (size_t)(n ? n : 1));
    if (!cols) rc = MICA_NOMEM;
    else {
      for (int i = 0; i < n; i++) cols[i] = i;
      SortCtx c = {.nkey = n, .keycol = cols, .coll = sel->res_coll};
      rc = rows_sort(out, &c);
      free(cols);
    }
  }
done:
  for (int64_t i = 0; i < l.n; i++) row_free(l.rows[i]);
  for (int64_t i = 0; i < r.n; i++) row_free(r.rows[i]);
  free(l.rows);
  free(r.rows);
  if (rc == MICA_NOMEM) nomem(x);
  return rc;
}

/* Collects all rows of sel with ORDER BY applied (and keys stripped when !withkeys), but without
 * LIMIT/OFFSET/DISTINCT handling of the top level, which select_next does. */
static int select_collect(Exec *x, SelectPlan *sel, RowList *out, int withkeys) {
  int rc = select_open(x, sel);
  while (rc == MICA_OK && (rc = select_next(x, sel)) == MICA_ROW) {
    Row *r = row_new(sel->nres);
    rc = r ? MICA_OK : nomem(x);
    for (int i = 0; rc == MICA_OK && i < sel->nres; i++) rc = value_copy(&r->v[i], &sel->cur->v[i]);
    if (rc == MICA_OK) rc = rowlist_push(out, r);
    else row_free(r);
  }
  select_close(sel);
  (void)withkeys;
  return rc == MICA_DONE ? MICA_OK : rc;
}

int select_open(Exec *x, SelectPlan *sel) {
  select_close(sel);
  sel->state = SEL_INIT;
  int64_t lim, off;
  int rc = eval_limit(x, sel->limit, &lim, -1);
  if (rc == MICA_OK) rc = eval_limit(x, sel->offset, &off, 0);
  if (rc) return rc;
  sel->nleft = lim < 0 ? INT64_MAX : lim;
  sel->nskip = off < 0 ? 0 : off;
  if (sel->distinct) rowset_init(&sel->seen, sel->nres, sel->res_coll);
  int sorting = sel->norder > 0;
  if (sel->cmp_op) {
    rc = compound_collect(x, sel, &sel->buf);
    if (rc == MICA_OK && sorting) {
      SortCtx c = {.nkey = sel->norder, .keycol = sel->order_col, .desc = sel->desc, .nulls_last = sel->nulls_last, .coll = sel->order_coll};
      rc = rows_sort(&sel->buf, &c);
      if (rc) nomem(x);
    }
    sel->state = SEL_BUFFER;
  } else if (sel->is_agg) {
    rc = run_aggregate(x, sel, &sel->buf, sorting);
    if (rc == MICA_OK && sorting) {
      SortCtx c = {.nkey = sel->norder, .off = sel->nres, .desc = sel->desc, .nulls_last = sel->nulls_last, .coll = sel->order_coll};
      if (rows_sort(&sel->buf, &c)) rc = nomem(x);
    }
    sel->state = SEL_BUFFER;
  } else if (sorting) {
    rc = op_open(x, sel->src);
    while (rc == MICA_OK && (rc = op_next(x, sel->src)) == MICA_ROW) {
      Row *r;
      rc = make_row(x, sel, 1, &r);
      if (rc == MICA_OK && (rc = rowlist_push(&sel->buf, r))) {
        row_free(r);
        nomem(x);
      }
    }
    op_close(sel->src);
    if (rc == MICA_DONE) rc = MICA_OK;
    if (rc == MICA_OK) {
      SortCtx c = {.nkey = sel->norder, .off = sel->nres, .desc = sel->desc, .nulls_last = sel->nulls_last, .coll = sel->order_coll};
      if (rows_sort(&sel->buf, &c)) rc = nomem(x);
    }
    sel->state = SEL_BUFFER;
  } else {
    rc = op_open(x, sel->src);
    sel->state = SEL_STREAM;
  }
  sel->bufpos = 0;
  return rc;
}

int select_next(Exec *x, SelectPlan *sel) {
  int rc;
  for (;;) {
    if (sel->nleft <= 0) return MICA_DONE;
    Row *r = NULL;
    if (sel->state == SEL_STREAM) {
      rc = op_next(x, sel->src);
      if (rc != MICA_ROW) {
        if (rc == MICA_DONE) sel->state = SEL_DONE;
        return rc;
      }
      rc = make_row(x, sel, 0, &r);
      if (rc) return rc;
    } else if (sel->state == SEL_BUFFER) {
      if (sel->bufpos >= sel->buf.n) return MICA_DONE;
      r = sel->buf.rows[sel->bufpos];
      sel->buf.rows[sel->bufpos++] = NULL;
    } else {
      return MICA_DONE;
    }
    if (sel->distinct) {
      int added;
      Row *k = row_new(sel->nres);
      if (!k) {
        row_free(r);
        return nomem(x);
      }
      rc = MICA_OK;
      for (int i = 0; i < sel->nres && rc == MICA_OK; i++) rc = value_copy(&k->v[i], &r->v[i]);
      if (rc == MICA_OK) rc = rowset_add(&sel->seen, k, &added);
      if (rc || !added) row_free(k);
      if (rc) {
        row_free(r);
        return nomem(x);
      }
      if (!added) {
        row_free(r);
        continue;
      }
    }
    if (sel->nskip > 0) {
      sel->nskip--;
      row_free(r);
      continue;
    }
    sel->nleft--;
    row_free(sel->cur);
    sel->cur = r;
    return MICA_ROW;
  }
}

void select_close(SelectPlan *sel) {
  if (sel->state == SEL_STREAM) op_close(sel->src);
  rowlist_clear(&sel->buf);
  rowset_clear(&sel->seen);
  row_free(sel->cur);
  sel->cur = NULL;
  sel->state = SEL_INIT;
}

/* ------------------------------------------------------------------ programs */
void prog_reset(Prog *p) {
  if (!p) return;
  for (int i = 0; i < p->nops; i++) {
    op_close(p->ops[i]);
    rowlist_clear(&p->ops[i]->rows);
    p->ops[i]->rows_ready = 0;
  }
  for (int i = 0; i < p->nsubs; i++) {
    value_release(&p->sub_val[i]);
    value_init(&p->sub_val[i]);
    p->sub_done[i] = 0;
    rowset_clear(&p->sub_set[i]);
    select_close(p->subs[i]->sub);
  }
  if (p->sel) select_close(p->sel);
  for (PExpr *e = p->aux_list; e; e = e->aux_next) {
    auxdata_free_all(&e->aux);
    e->aux_listed = 0;
  }
  p->aux_list = NULL;
  for (int i = 0; i < p->nslot; i++) {
    Slot *s = &p->slots[i];
    for (int k = 0; k < s->ncol; k++) {
      value_release(&s->cols[k]);
      value_init(&s->cols[k]);
    }
    s->rec = NULL;
    s->decoded = 0;
    s->nullrow = 0;
  }
}

void prog_free(Prog *p) {
  if (!p) return;
  prog_reset(p);
  if (p->free_dml) p->free_dml(p->dml);
  free(p->ops);
  free(p->slots);
  free(p->subs);
  free(p->sub_val);
  free(p->sub_done);
  free(p->sub_set);
  free(p->sub_hasnull);
  arena_free(&p->arena);
  free(p);
}
