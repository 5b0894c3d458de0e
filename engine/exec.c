/*
 * exec.c: the runtime of compiled statements: arena, buffered rows, row sets, the row-source
 * operators (Op) and the SELECT pipeline (SelectPlan), see exec.h for the model.
 *
 * SELECT PIPELINE
 *   core rows      src operator rows (scan/join/filter) -> result expressions [+ ORDER BY keys]
 *                  or, for aggregates, every src row goes into its group (a RowSet keyed by the
 *                  GROUP BY values); at the end each group's captured columns and aggregate results
 *                  fill the aggregate slot, HAVING filters, and the result expressions are evaluated.
 *                  Groups come out in GROUP BY key order, as SQLite's do. An aggregate call with
 *                  ORDER BY (PostgreSQL's array_agg(x ORDER BY y)) keeps its group's argument rows and
 *                  steps them sorted just before its final call.
 *   compound       UNION ALL concatenates; UNION / INTERSECT / EXCEPT work on row sets and come out
 *                  sorted by all columns (as SQLite's temp b-tree gives them).
 *   DISTINCT       a RowSet of the rows already returned.
 *   ORDER BY       everything is buffered and sorted by a stable merge sort (NULLs first ascending),
 *                  unless the scans deliver the rows in order already (SelectPlan.order_sat): then
 *                  they stream.
 *   LIMIT/OFFSET   evaluated at open; a negative LIMIT means none.
 *   Without ORDER BY, aggregates or compounds, rows stream straight from the operators, so EXISTS and
 *   LIMIT stop early. OP_VTAB (a virtual table's cursor) is run by vtab.c's vtab_op_open/next/close.
 *
 * SCANS
 *   A table scan walks the table's b-tree; an index scan seeks the index and finds each entry's row by
 *   its rowid (the entry's last field). A WITHOUT ROWID table is an index b-tree (schema.h): searching
 *   its PRIMARY KEY reads the rows directly, a secondary index entry finds its row by the PRIMARY KEY
 *   columns it holds (Index.pkpos), and a covering index's entries are decoded as the rows themselves
 *   (Slot.order). RIGHT/FULL JOIN remembers matched right rows by rowid, or by record for WITHOUT
 *   ROWID tables.
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
#include "dml.h"
#include "func.h"
#include "vtab.h"

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
    for (size_t i = 0; i < n; i++)
      value_init(&v[i]);
  return v;
}

Row *row_new(int n) {
  Row *r = malloc(sizeof(Row) + sizeof(Value) * (size_t)(n > 0 ? n : 1));
  if (!r) return NULL;
  r->n = n;
  for (int i = 0; i < n; i++)
    value_init(&r->v[i]);
  return r;
}

void row_free(Row *r) {
  if (!r) return;
  for (int i = 0; i < r->n; i++)
    value_release(&r->v[i]);
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
  for (int64_t i = 0; i < l->n; i++)
    row_free(l->rows[i]);
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
  case VAL_NULL: return 7;
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
      while (n > 0 && v->z[n - 1] == ' ')
        n--;
      return fnv(h ^ 3, (const unsigned char *)v->z, (size_t)n);
    }
    return 3;
  }
  default: return fnv(h ^ 4, (const unsigned char *)v->z, (size_t)v->n);
  }
}

static uint64_t hash_key(RowSet *s, const Value *key) {
  uint64_t h = 0;
  for (int i = 0; i < s->ncol; i++)
    h = h * 31 + hash_value(&key[i], s->colls ? s->colls[i] : NULL);
  return h | 1; /* 0 marks an empty slot */
}

static int keys_equal(RowSet *s, const Value *a, const Value *b) {
  for (int i = 0; i < s->ncol; i++) {
    /* keys come from values_alloc (zeroed) and expr_eval: always initialised */
    if (a[i].type == VAL_NULL ||
        b[i].type == VAL_NULL) {            // NOLINT(clang-analyzer-core.UndefinedBinaryOperatorResult)
      if (a[i].type != b[i].type) return 0; // NOLINT(clang-analyzer-core.UndefinedBinaryOperatorResult)
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
    while (hashes[j])
      j = (j + 1) & (cap - 1);
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
  int off;           /* first key value in each row */
  const int *keycol; /* or explicit key columns */
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
  while (i < m && j < n)
    tmp[k++] = sort_cmp(c, a[j], a[i]) < 0 ? a[j++] : a[i++];
  while (i < m)
    tmp[k++] = a[i++];
  while (j < n)
    tmp[k++] = a[j++];
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
  mica_db *db = x->db;
  if (atomic_load(&db->interrupted)) return mica_set_error(db, MICA_INTERRUPT, "interrupted");
  if (db->progress_cb && ++db->progress_count >= db->progress_n) {
    db->progress_count = 0;
    if (db->progress_cb(db->progress_arg)) return mica_set_error(db, MICA_INTERRUPT, "interrupted");
  }
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
  s->order = NULL;
  s->decoded = 0;
  s->nullrow = 0;
  return MICA_OK;
}

/* ------------------------------------------------------------------ operators */
static void set_nullrows(Exec *x, Op *op, int on) {
  for (int i = 0; i < op->nrslots; i++)
    x->slots[op->rslots[i]].nullrow = on;
}

int op_open(Exec *x, Op *op) {
  int rc = MICA_OK;
  op->state = 0;
  op->matched = 0;
  op->pos = 0;
  switch (op->kind) {
  case OP_SINGLE: return MICA_OK;
  case OP_SCAN:
    x->slots[op->slot].nullrow = 0;
    if (op->nor) {
      op->or_cur = 0;
      rowset_clear(&op->or_seen);
      rowset_init(&op->or_seen, 1, NULL);
      return op_open(x, op->or_scans[0]);
    }
    rc = btree_cursor_open(x->db->bt, op->tab->root, 0, op->tab->pk ? &op->tab->pk->keyinfo : NULL, &op->cur);
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
  case OP_FILTER: return op_open(x, op->left);
  case OP_JOIN:
    if (op->right_outer) {
      rowset_clear(&op->rmatched);
      rowset_init(&op->rmatched, 1, NULL);
    }
    return op_open(x, op->left);
  case OP_ROWS:
    if (op->sub && op->sub->cmp_op == CMP_RECURSIVE) return select_open(x, op->sub);
    if (!op->rows_ready && !op->external) {
      rc = select_open(x, op->sub);
      while (rc == MICA_OK && (rc = select_next(x, op->sub)) == MICA_ROW) {
        Row *r = row_new(op->ncol);
        rc = r ? MICA_OK : nomem(x);
        for (int i = 0; rc == MICA_OK && i < op->ncol; i++)
          rc = value_copy(&r->v[i], &op->sub->cur->v[i]);
        if (rc != MICA_OK || (rc = rowlist_push(&op->rows, r)) != MICA_OK)
          row_free(r); /* rowlist_push takes r only on success */
      }
      select_close(op->sub);
      if (rc != MICA_DONE && rc != MICA_OK) return rc;
      op->rows_ready = 1;
    }
    return MICA_OK;
  case OP_VTAB: return vtab_op_open(x, op);
  }
  return MICA_OK;
}

/* Evaluates a key value for an index search with the key column's affinity; MICA_DONE when it is
 * NULL (nothing can match). */
static int key_value(Exec *x, PExpr *e, char aff, Value *out) {
  int rc = expr_eval(x, e, out);
  if (rc == MICA_OK) rc = value_make_owned(out);
  if (rc == MICA_OK && out->type == VAL_NULL) rc = MICA_DONE;
  if (rc == MICA_OK && aff) value_apply_affinity(out, aff);
  return rc;
}

/* Positions an index scan: evaluates the equality values (the IN position takes inval) and bounds
 * (with the key columns' affinity), encodes the search keys and seeks: forward to the first entry in
 * range, or for a reverse scan to the last one. Returns MICA_DONE when no row can match. */
static int index_start(Exec *x, Op *op, const Value *inval) {
  int n = op->neq + 1;
  Value vals[65];
  int rc = MICA_OK;
  for (int k = 0; k < n; k++)
    value_init(&vals[k]);
  for (int k = 0; k < op->neq && rc == MICA_OK; k++) {
    if (op->in_expr && k == op->in_key) {
      rc = value_copy(&vals[k], inval);
      if (rc == MICA_OK && op->keyaff[k]) value_apply_affinity(&vals[k], op->keyaff[k]);
    } else if ((op->eq_is >> k) & 1) {
      value_init(&vals[k]); /* IS NULL */
    } else {
      rc = key_value(x, op->eq[k], op->keyaff[k], &vals[k]);
    }
  }
  /* the upper key: prefix + hi */
  if (rc == MICA_OK && op->hi) {
    rc = key_value(x, op->hi, op->keyaff[op->neq], &vals[op->neq]);
    if (rc == MICA_OK && dml_encode(vals, op->neq + 1, &op->hirec, &op->nhirec)) rc = nomem(x);
  }
  /* the lower key: prefix [+ lo]; without lo but with hi, start after the NULLs */
  int nlow = op->neq;
  int low_rc = -1;
  if (rc == MICA_OK && (op->lo || op->hi)) {
    value_release(&vals[op->neq]);
    value_init(&vals[op->neq]);
    if (op->lo) {
      rc = key_value(x, op->lo, op->keyaff[op->neq], &vals[op->neq]);
      low_rc = op->lo_incl ? -1 : 1;
    } else {
      low_rc = 1; /* after every NULL */
    }
    nlow = op->neq + 1;
  }
  if (rc == MICA_OK && dml_encode(vals, op->neq, &op->eqrec, &op->neqrec)) rc = nomem(x);
  uint8_t *lowrec = NULL;
  uint32_t nlowrec = 0;
  if (rc == MICA_OK && dml_encode(vals, nlow, &lowrec, &nlowrec)) rc = nomem(x);
  if (rc == MICA_OK && !op->reverse) {
    UnpackedKey k = {.keyinfo = &op->idx->keyinfo, .rec = lowrec, .nrec = nlowrec, .default_rc = low_rc};
    int res, eof = 0;
    rc = btree_seek_key(op->icur, &k, &res);
    if (rc)
      rc = bt_error(x, rc);
    else if (!btree_eof(op->icur) && res < 0) {
      rc = btree_next(op->icur, &eof);
      if (rc) rc = bt_error(x, rc);
    }
  } else if (rc == MICA_OK) {
    /* reverse: from the last entry at or below the upper key, down to the lower key */
    free(op->lorec);
    op->lorec = lowrec;
    op->nlorec = nlowrec;
    op->lo_default = low_rc;
    lowrec = NULL;
    int res = 0, eof = 0;
    if (op->neq == 0 && !op->hi) {
      rc = btree_last(op->icur, &eof);
    } else {
      UnpackedKey k = {.keyinfo = &op->idx->keyinfo,
                       .rec = op->hi ? op->hirec : op->eqrec,
                       .nrec = op->hi ? op->nhirec : op->neqrec,
                       .default_rc = op->hi && !op->hi_incl ? -1 : 1};
      rc = btree_seek_key(op->icur, &k, &res);
      if (rc == MICA_OK && !btree_eof(op->icur) && res > 0) rc = btree_prev(op->icur, &eof);
    }
    if (rc) rc = bt_error(x, rc);
  }
  free(lowrec);
  for (int k = 0; k < n; k++)
    value_release(&vals[k]);
  return rc;
}

/* The index entry under icur is still in range: returns 1, 0 past the end, or -1 on corruption. */
static int index_in_range(Op *op, const void *d, uint32_t n) {
  int corrupt = 0;
  if (op->reverse) {
    if (!op->lorec) return 1;
    UnpackedKey k = {
        .keyinfo = &op->idx->keyinfo, .rec = op->lorec, .nrec = op->nlorec, .default_rc = op->lo_default};
    int c = record_compare_key(&k, d, n, &corrupt);
    return corrupt ? -1 : c <= 0;
  }
  if (op->neq) {
    UnpackedKey k = {.keyinfo = &op->idx->keyinfo, .rec = op->eqrec, .nrec = op->neqrec, .default_rc = 0};
    if (record_compare_key(&k, d, n, &corrupt) != 0) return corrupt ? -1 : 0;
  }
  if (op->hirec) {
    UnpackedKey k = {.keyinfo = &op->idx->keyinfo, .rec = op->hirec, .nrec = op->nhirec, .default_rc = 0};
    int c = record_compare_key(&k, d, n, &corrupt);
    if (corrupt) return -1;
    if (c < 0 || (c == 0 && !op->hi_incl)) return 0;
  }
  return 1;
}

/* Positions op->cur on the row the index entry d names: by its rowid (the last field), or in a
 * WITHOUT ROWID table by its PRIMARY KEY columns (at op->idx->pkpos). */
static int index_row(Exec *x, Op *op, const void *d, uint32_t n, int *found) {
  Index *ix = op->idx, *pk = op->tab->pk;
  int res = 1, rc;
  *found = 0;
  if (!pk) {
    RecValue rv;
    if (record_column(d, n, ix->ncol, &rv) != MICA_OK || rv.type != REC_INT)
      return mica_set_error(x->db, MICA_CORRUPT, "database disk image is malformed");
    rc = btree_seek_rowid(op->cur, rv.u.i, &res);
  } else {
    uint8_t *krec;
    uint32_t nk;
    rc = dml_entry_pk(ix, pk, d, n, &krec, &nk);
    if (rc == MICA_NOMEM) return nomem(x);
    if (rc) return mica_set_error(x->db, MICA_CORRUPT, "database disk image is malformed");
    UnpackedKey k = {.keyinfo = &pk->keyinfo, .rec = krec, .nrec = nk, .default_rc = 0};
    rc = btree_seek_key(op->cur, &k, &res);
    free(krec);
  }
  if (rc) return bt_error(x, rc);
  *found = res == 0 && !btree_eof(op->cur);
  return MICA_OK;
}

/* A covering index scan: the slot's columns come from the index entry (the others stay NULL; the
 * statement does not read them). */
static int load_index_row(Exec *x, Op *op, const void *d, uint32_t n) {
  Slot *s = &x->slots[op->slot];
  Index *ix = op->idx;
  RecValue rv[65];
  int got = 0;
  if (record_decode(d, n, rv, ix->ncol + 1, &got) != MICA_OK || got != ix->ncol + 1 ||
      rv[ix->ncol].type != REC_INT)
    return mica_set_error(x->db, MICA_CORRUPT, "database disk image is malformed");
  for (int i = 0; i < s->ncol; i++) {
    value_release(&s->cols[i]);
    value_init(&s->cols[i]);
  }
  for (int k = 0; k < ix->ncol; k++) {
    int kc = ix->cols[k];
    if (kc < 0 || kc >= s->ncol) continue;
    value_from_rec(&s->cols[kc], &rv[k]);
    /* SQLite stores a REAL column's integral values as integers, in index entries too */
    if (rv[k].type == REC_INT && kc < op->tab->ncol && op->tab->cols[kc].aff == AFF_REAL)
      value_set_real(&s->cols[kc], (double)rv[k].u.i);
  }
  s->rowid = rv[ix->ncol].u.i;
  if (op->tab->ipk >= 0 && op->tab->ipk < s->ncol) value_set_int(&s->cols[op->tab->ipk], s->rowid);
  s->rec = NULL;
  s->nrec = 0;
  s->decoded = 1;
  s->nullrow = 0;
  return MICA_OK;
}

/* IN: the distinct values of op->in_expr with the key's affinity, sorted under its collation, into
 * op->rows (one-column Rows); NULLs match nothing and are left out. */
static int in_values(Exec *x, Op *op) {
  PExpr *e = op->in_expr;
  int rc = MICA_OK;
  rowlist_clear(&op->rows);
  op->in_pos = 0;
  if (e->op == PX_INLIST) {
    for (int i = 0; i < e->nlist && rc == MICA_OK; i++) {
      Row *r = row_new(1);
      if (!r) return nomem(x);
      rc = expr_eval(x, e->list[i], &r->v[0]);
      if (rc == MICA_OK) rc = value_make_owned(&r->v[0]);
      if (rc == MICA_OK && r->v[0].type != VAL_NULL) {
        if (op->in_aff) value_apply_affinity(&r->v[0], op->in_aff);
        if (rowlist_push(&op->rows, r))
          rc = nomem(x);
        else
          r = NULL;
      }
      row_free(r);
    }
  } else {
    SelectPlan *sub = e->sub;
    rc = select_open(x, sub);
    while (rc == MICA_OK && (rc = select_next(x, sub)) == MICA_ROW) {
      rc = MICA_OK;
      if (sub->cur->v[0].type == VAL_NULL) continue;
      Row *r = row_new(1);
      if (!r) {
        rc = nomem(x);
        break;
      }
      rc = value_copy(&r->v[0], &sub->cur->v[0]);
      if (rc == MICA_OK && op->in_aff) value_apply_affinity(&r->v[0], op->in_aff);
      if (rc == MICA_OK && rowlist_push(&op->rows, r)) rc = nomem(x);
      if (rc) row_free(r);
    }
    select_close(sub);
    if (rc == MICA_DONE) rc = MICA_OK;
  }
  if (rc) return rc;
  const RecColl *coll = op->in_coll;
  SortCtx c = {.nkey = 1, .off = 0, .coll = &coll};
  if (rows_sort(&op->rows, &c)) return nomem(x);
  int64_t w = 0;
  for (int64_t i = 0; i < op->rows.n; i++) {
    if (w && value_compare(&op->rows.rows[w - 1]->v[0], &op->rows.rows[i]->v[0], coll) == 0) {
      row_free(op->rows.rows[i]);
      continue;
    }
    op->rows.rows[w++] = op->rows.rows[i];
  }
  op->rows.n = w;
  return MICA_OK;
}

/* The IN value the next search uses (in key order, reversed for a reverse scan), or NULL when done. */
static const Value *in_next_value(Op *op) {
  if (op->in_pos >= op->rows.n) return NULL;
  int64_t i = op->reverse ? op->rows.n - 1 - op->in_pos : op->in_pos;
  op->in_pos++;
  return &op->rows.rows[i]->v[0];
}

static int index_next(Exec *x, Op *op) {
  int rc, eof = 0;
  if (op->state == 0) {
    op->state = 1;
    if (op->in_expr && (rc = in_values(x, op))) return rc;
    op->state = 2; /* start the (next) search */
  } else {
    rc = op->reverse ? btree_prev(op->icur, &eof) : btree_next(op->icur, &eof);
    if (rc) return bt_error(x, rc);
  }
  for (;;) {
    if (op->state == 2) {
      const Value *inval = NULL;
      if (op->in_expr && !(inval = in_next_value(op))) return MICA_DONE;
      op->state = 1;
      free(op->eqrec);
      free(op->hirec);
      op->eqrec = op->hirec = NULL;
      rc = index_start(x, op, inval);
      if (rc == MICA_DONE && op->in_expr) {
        op->state = 2;
        continue;
      }
      if (rc) return rc;
    }
    int in = 0;
    const void *d = NULL;
    uint32_t n = 0;
    if (!btree_eof(op->icur)) {
      rc = btree_data(op->icur, &d, &n);
      if (rc) return bt_error(x, rc);
      in = index_in_range(op, d, n);
      if (in < 0) return mica_set_error(x->db, MICA_CORRUPT, "database disk image is malformed");
    }
    if (!in) {
      if (!op->in_expr) return MICA_DONE;
      op->state = 2;
      continue;
    }
    if (op->idx == op->tab->pk) return exec_load_row(x, op->slot, op->icur) ?: MICA_ROW; /* the row itself */
    if (op->covering && op->tab->pk) { /* WITHOUT ROWID: the entry holds every column */
      if ((rc = exec_load_row(x, op->slot, op->icur))) return rc;
      x->slots[op->slot].order = op->idx->cols;
      x->slots[op->slot].norder = op->idx->nfull;
      return MICA_ROW;
    }
    if (op->covering) {
      rc = load_index_row(x, op, d, n);
      return rc ? rc : MICA_ROW;
    }
    int found = 0;
    rc = index_row(x, op, d, n, &found);
    if (rc) return rc;
    if (found) return exec_load_row(x, op->slot, op->cur) ?: MICA_ROW;
    /* an index entry without its row: skip it */
    rc = op->reverse ? btree_prev(op->icur, &eof) : btree_next(op->icur, &eof);
    if (rc) return bt_error(x, rc);
  }
}

/* Builds the automatic index of op (exec.h): every row of the table with a non-NULL key, as Rows of
 * (key, rowid, record) sorted by key under the column's collation. */
static int auto_build(Exec *x, Op *op) {
  Slot *s = &x->slots[op->slot];
  int rc, eof = 0;
  for (rc = btree_first(op->cur, &eof); rc == MICA_OK && !eof; rc = btree_next(op->cur, &eof)) {
    if ((rc = exec_check_interrupt(x))) return rc;
    if ((rc = exec_load_row(x, op->slot, op->cur))) return rc;
    Value *v = slot_col(x, op->slot, op->autocol, &rc);
    if (!v) return rc;
    if (v->type == VAL_NULL) continue;
    Row *r = row_new(3);
    if (!r) return nomem(x);
    if (value_copy(&r->v[0], v) || value_set_blob_copy(&r->v[2], s->rec, (int)s->nrec) ||
        rowlist_push(&op->rows, r)) {
      row_free(r);
      return nomem(x);
    }
    value_set_int(&r->v[1], s->rowid);
  }
  if (rc) return bt_error(x, rc);
  const RecColl *coll = op->autocoll;
  SortCtx c = {.nkey = 1, .off = 0, .coll = &coll};
  if (rows_sort(&op->rows, &c)) return nomem(x);
  op->rows_ready = 1;
  return MICA_OK;
}

/* First index in [0, n) whose key compares >= v (or > v when after). */
static int64_t auto_bound(Op *op, const Value *v, int after) {
  int64_t lo = 0, hi = op->rows.n;
  while (lo < hi) {
    int64_t mid = lo + (hi - lo) / 2;
    int c = value_compare(&op->rows.rows[mid]->v[0], v, op->autocoll);
    if (c < 0 || (after && c == 0))
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo;
}

/* A scan through the automatic index: the rows whose key equals autoeq. */
static int auto_next(Exec *x, Op *op) {
  int rc;
  if (op->state == 0) {
    op->state = 1;
    if (!op->rows_ready && (rc = auto_build(x, op))) return rc;
    Value v;
    value_init(&v);
    rc = expr_eval(x, op->autoeq, &v);
    if (rc == MICA_OK) rc = value_make_owned(&v);
    if (rc) {
      value_release(&v);
      return rc == MICA_NOMEM ? nomem(x) : rc;
    }
    op->ae_pos = op->ae_end = 0;
    if (v.type != VAL_NULL) {
      if (op->autoaff) value_apply_affinity(&v, op->autoaff);
      op->ae_pos = auto_bound(op, &v, 0);
      op->ae_end = auto_bound(op, &v, 1);
    }
    value_release(&v);
  }
  if (op->ae_pos >= op->ae_end) return MICA_DONE;
  Row *r = op->rows.rows[op->ae_pos++];
  Slot *s = &x->slots[op->slot];
  s->rowid = r->v[1].u.i;
  s->order = NULL;
  s->rec = r->v[2].z;
  s->nrec = (uint32_t)r->v[2].n;
  s->decoded = 0;
  s->nullrow = 0;
  return MICA_ROW;
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

/* A bound of a rowid range, widened to an inclusive integer (the term still filters the rows):
 * returns 0 when no row can match (NULL), 1 with *out set, 2 when it bounds nothing (text, huge). */
static int rowid_bound(Exec *x, PExpr *e, int upper, int64_t *out, int *rc) {
  Value v;
  value_init(&v);
  *rc = expr_eval(x, e, &v);
  if (*rc) return 0;
  int r = 2;
  value_apply_affinity(&v, AFF_NUMERIC);
  if (v.type == VAL_NULL)
    r = 0;
  else if (v.type == VAL_INT) {
    *out = v.u.i;
    r = 1;
  } else if (v.type == VAL_REAL && v.u.r > -9.2e18 && v.u.r < 9.2e18) {
    double f = (double)(int64_t)v.u.r;
    *out = (int64_t)v.u.r + (upper && f < v.u.r ? 1 : 0) - (!upper && f > v.u.r ? 1 : 0);
    r = 1;
  }
  value_release(&v);
  return r;
}

/* A rowid range scan (either direction) between rid_lo and rid_hi. */
static int rowid_range_next(Exec *x, Op *op) {
  int rc, eof = 0, res;
  if (op->state == 0) {
    op->state = 1;
    op->rid_lo = INT64_MIN;
    op->rid_hi = INT64_MAX;
    int64_t b;
    int k;
    if (op->lo) {
      k = rowid_bound(x, op->lo, 0, &b, &rc);
      if (rc) return rc;
      if (k == 0) return MICA_DONE;
      if (k == 1) op->rid_lo = b;
    }
    if (op->hi) {
      k = rowid_bound(x, op->hi, 1, &b, &rc);
      if (rc) return rc;
      if (k == 0) return MICA_DONE;
      if (k == 1) op->rid_hi = b;
    }
    if (!op->reverse) {
      rc = op->rid_lo == INT64_MIN ? btree_first(op->cur, &eof) : btree_seek_rowid(op->cur, op->rid_lo, &res);
      if (rc == MICA_OK && op->rid_lo != INT64_MIN && !btree_eof(op->cur) && res < 0)
        rc = btree_next(op->cur, &eof);
    } else {
      rc = op->rid_hi == INT64_MAX ? btree_last(op->cur, &eof) : btree_seek_rowid(op->cur, op->rid_hi, &res);
      if (rc == MICA_OK && op->rid_hi != INT64_MAX && !btree_eof(op->cur) && res > 0)
        rc = btree_prev(op->cur, &eof);
    }
  } else {
    rc = op->reverse ? btree_prev(op->cur, &eof) : btree_next(op->cur, &eof);
  }
  if (rc) return bt_error(x, rc);
  if (btree_eof(op->cur)) return MICA_DONE;
  int64_t rowid = btree_rowid(op->cur);
  if (rowid < op->rid_lo || rowid > op->rid_hi) return MICA_DONE;
  rc = exec_load_row(x, op->slot, op->cur);
  return rc ? rc : MICA_ROW;
}

/* Rowid lookups: one value, or each IN value in order. */
static int rowid_eq_next(Exec *x, Op *op) {
  int rc;
  if (op->state == 0) {
    op->state = 1;
    if (op->in_expr && (rc = in_values(x, op))) return rc;
    op->in_pos = 0;
  } else if (!op->in_expr) {
    return MICA_DONE;
  }
  for (;;) {
    Value v;
    value_init(&v);
    if (op->in_expr) {
      const Value *iv = in_next_value(op);
      if (!iv) return MICA_DONE;
      rc = value_copy(&v, iv);
    } else {
      rc = expr_eval(x, op->eq[0], &v);
    }
    if (rc) {
      value_release(&v);
      return rc;
    }
    int64_t rowid;
    int ok = v.type != VAL_NULL && value_to_rowid(&v, &rowid);
    value_release(&v);
    if (ok) {
      int res;
      rc = btree_seek_rowid(op->cur, rowid, &res);
      if (rc) return bt_error(x, rc);
      if (res == 0 && !btree_eof(op->cur)) return exec_load_row(x, op->slot, op->cur) ?: MICA_ROW;
    }
    if (!op->in_expr) return MICA_DONE;
  }
}

/* MULTI-INDEX OR: the rows of each search in turn, each rowid once. */
static int or_next(Exec *x, Op *op) {
  for (;;) {
    if (op->or_cur >= op->nor) return MICA_DONE;
    Op *sub = op->or_scans[op->or_cur];
    int rc = op_next(x, sub);
    if (rc == MICA_ROW) {
      Row *k = row_new(1);
      int added = 0;
      if (!k) return nomem(x);
      value_set_int(&k->v[0], x->slots[op->slot].rowid);
      if (rowset_add(&op->or_seen, k, &added)) {
        row_free(k);
        return nomem(x);
      }
      if (added) return MICA_ROW;
      row_free(k);
      continue;
    }
    if (rc != MICA_DONE) return rc;
    op_close(sub);
    if (++op->or_cur < op->nor && (rc = op_open(x, op->or_scans[op->or_cur]))) return rc;
  }
}

static int scan_next(Exec *x, Op *op) {
  int rc, eof = 0;
  if (op->nor) return or_next(x, op);
  if (op->idx) return index_next(x, op);
  if (op->autocol >= 0) return auto_next(x, op);
  if (op->rowid_eq) return rowid_eq_next(x, op);
  if (op->rowid_range) return rowid_range_next(x, op);
  if (op->state == 0) {
    rc = op->reverse ? btree_last(op->cur, &eof) : btree_first(op->cur, &eof);
    op->state = 1;
  } else {
    rc = op->reverse ? btree_prev(op->cur, &eof) : btree_next(op->cur, &eof);
  }
  if (rc) return bt_error(x, rc);
  if (eof) return MICA_DONE;
  rc = exec_load_row(x, op->slot, op->cur);
  return rc ? rc : MICA_ROW;
}

/* What identifies the right side's current row for RIGHT/FULL JOIN bookkeeping: its rowid, or the
 * record of a WITHOUT ROWID table's row, which holds its PRIMARY KEY (borrowed, VAL_EPHEM). */
static void right_row_key(Exec *x, Op *op, Value *k) {
  Slot *s = &x->slots[op->rslots[0]];
  if (s->tab && s->tab->pk && s->rec)
    value_set_blob(k, s->rec, (int)s->nrec, VAL_EPHEM);
  else
    value_set_int(k, s->rowid);
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
      if (op->state == 3) {
        /* RIGHT/FULL: right rows that matched no left row */
        rc = op_next(x, op->right);
        if (rc != MICA_ROW) {
          for (int i = 0; i < op->nlslots; i++)
            x->slots[op->lslots[i]].nullrow = 0;
          return rc;
        }
        Value k;
        value_init(&k);
        right_row_key(x, op, &k);
        if (rowset_find(&op->rmatched, &k)) continue;
        return MICA_ROW;
      }
      if (op->state == 0 || op->state == 2) {
        if (op->state == 2) set_nullrows(x, op, 0);
        rc = op_next(x, op->left);
        if (rc == MICA_DONE && op->right_outer) {
          op_close(op->right);
          rc = op_open(x, op->right);
          if (rc) return rc;
          for (int i = 0; i < op->nlslots; i++)
            x->slots[op->lslots[i]].nullrow = 1;
          op->state = 3;
          continue;
        }
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
        if (op->right_outer) {
          Row *k = row_new(1);
          int added;
          if (!k) return nomem(x);
          right_row_key(x, op, &k->v[0]);
          if (value_make_owned(&k->v[0]) || rowset_add(&op->rmatched, k, &added)) {
            row_free(k);
            return nomem(x);
          }
          if (!added) row_free(k);
        }
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
    Row *r;
    if (op->sub && op->sub->cmp_op == CMP_RECURSIVE) {
      rc = select_next(x, op->sub);
      if (rc != MICA_ROW) return rc;
      r = op->sub->cur;
      op->pos++;
    } else {
      if (op->pos >= op->rows.n) return MICA_DONE;
      r = op->rows.rows[op->pos++];
    }
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
  case OP_VTAB: return vtab_op_next(x, op);
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
    free(op->eqrec);
    free(op->hirec);
    free(op->lorec);
    op->eqrec = op->hirec = op->lorec = NULL;
    for (int i = 0; i < op->nor; i++)
      op_close(op->or_scans[i]);
    rowset_clear(&op->or_seen);
    break;
  case OP_FILTER: op_close(op->left); break;
  case OP_JOIN:
    op_close(op->left);
    op_close(op->right);
    rowset_clear(&op->rmatched);
    break;
  case OP_ROWS:
    if (op->sub && op->sub->cmp_op == CMP_RECURSIVE) select_close(op->sub);
    break;
  case OP_VTAB: vtab_op_close(op); break;
  default: break;
  }
  op->state = 0;
}

/* ------------------------------------------------------------------ SELECT */
enum { SEL_INIT = 0, SEL_STREAM, SEL_BUFFER, SEL_DONE, SEL_RECURSIVE };

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

/* Aggregation: groups are buffered in a RowSet of [group keys..., group number]. An aggregate call with
 * ORDER BY collects its group's [arguments..., sort keys...] rows in ordered[i]; they are sorted and
 * stepped just before the group's final call. */
typedef struct Group {
  Row *key;
  void **states;
  RowSet *dist;
  Value *cap;
  RowList *ordered; /* [nagg], or NULL */
} Group;

/* Calls the aggregate's final function on *state: its result goes to out (the caller's), and the
 * function may release what the state points to. Returns the error, if any, as the statement's. */
static int agg_final(Exec *x, AggCall *a, void **state, Value *out) {
  struct mica_context ctx;
  memset(&ctx, 0, sizeof ctx);
  ctx.out = out;
  ctx.func = a->func;
  ctx.db = x->db;
  ctx.agg_state = state;
  ctx.coll = a->coll;
  a->func->xfinal(&ctx);
  int rc = MICA_OK;
  if (ctx.is_error)
    rc = mica_set_error(x->db, ctx.error_rc ? ctx.error_rc : MICA_ERROR, "%s",
                        ctx.errmsg ? ctx.errmsg : "SQL logic error");
  free(ctx.errmsg);
  free(*state);
  *state = NULL;
  return rc;
}

/* Frees groups. A state that was stepped but never finalized (an error stopped the query) still gets
 * its final call, with the result dropped, so that the function can free what it allocated (as SQLite
 * finalizes aggregate contexts on reset). */
static void free_groups(Exec *x, SelectPlan *sel, Group *g, int64_t n) {
  for (int64_t i = 0; i < n; i++) {
    if (g[i].states) {
      for (int j = 0; j < sel->nagg; j++) {
        if (g[i].states[j] && sel->aggs[j].func->xfinal) {
          Value out;
          value_init(&out);
          char *keep = x->db->errmsg ? strdup(x->db->errmsg) : NULL;
          int keep_rc = x->db->errcode;
          agg_final(x, &sel->aggs[j], &g[i].states[j], &out);
          value_release(&out);
          if (keep_rc) mica_set_error(x->db, keep_rc, "%s", keep ? keep : "out of memory");
          free(keep);
        }
        free(g[i].states[j]);
      }
      free(g[i].states);
    }
    if (g[i].ordered) {
      for (int j = 0; j < sel->nagg; j++)
        rowlist_clear(&g[i].ordered[j]);
      free(g[i].ordered);
    }
    if (g[i].dist) {
      for (int j = 0; j < sel->nagg; j++)
        rowset_clear(&g[i].dist[j]);
      free(g[i].dist);
    }
    if (g[i].cap) {
      for (int j = 0; j < sel->ncapture; j++)
        value_release(&g[i].cap[j]);
      free(g[i].cap);
    }
  }
  free(g);
}

/* Calls the aggregate's step function on *state with n arguments. */
static int agg_call_step(Exec *x, AggCall *a, void **state, int n, Value **argp) {
  struct mica_context ctx;
  Value out;
  value_init(&out);
  memset(&ctx, 0, sizeof ctx);
  ctx.out = &out;
  ctx.func = a->func;
  ctx.db = x->db;
  ctx.agg_state = state;
  ctx.coll = a->coll;
  ctx.now_ms = x->stmt ? x->stmt->now_ms : 0;
  a->func->xstep(&ctx, n, argp);
  value_release(&out);
  int rc = MICA_OK;
  if (ctx.is_error)
    rc = mica_set_error(x->db, ctx.error_rc ? ctx.error_rc : MICA_ERROR, "%s",
                        ctx.errmsg ? ctx.errmsg : "SQL logic error");
  free(ctx.errmsg);
  return rc;
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
    for (int k = 0; k < n && rc == MICA_OK; k++)
      rc = expr_eval(x, a->args[k], &args[k]);
    int skip = 0;
    if (rc == MICA_OK && a->distinct && n > 0) {
      if (args[0].type == VAL_NULL)
        skip = 1;
      else {
        if (!g->dist) {
          g->dist = calloc((size_t)sel->nagg, sizeof(RowSet));
          if (!g->dist)
            rc = nomem(x);
          else
            for (int j = 0; j < sel->nagg; j++)
              rowset_init(&g->dist[j], 1, &sel->aggs[j].coll);
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
    if (rc == MICA_OK && !skip && a->norder > 0) {
      /* ORDER BY in the call: keep [arguments, sort keys] for the final sort */
      if (!g->ordered && !(g->ordered = calloc((size_t)sel->nagg, sizeof(RowList)))) rc = nomem(x);
      Row *r = rc == MICA_OK ? row_new(n + a->norder) : NULL;
      if (rc == MICA_OK && !r) rc = nomem(x);
      for (int k = 0; k < n && rc == MICA_OK; k++)
        rc = value_copy(&r->v[k], &args[k]);
      for (int k = 0; k < a->norder && rc == MICA_OK; k++)
        rc = expr_eval(x, a->order[k], &r->v[n + k]);
      if (rc == MICA_OK) rc = rowlist_push(&g->ordered[i], r);
      if (rc) row_free(r);
      skip = 1;
    }
    if (rc == MICA_OK && !skip) rc = agg_call_step(x, a, &g->states[i], n, argp);
    for (int k = 0; k < n; k++)
      value_release(&args[k]);
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

/* Sorts an ordered aggregate's buffered rows by their keys and steps them (then frees them). */
static int agg_step_ordered(Exec *x, AggCall *a, RowList *rows, void **state) {
  int n = a->nargs > 8 ? 8 : a->nargs;
  SortCtx sc = {.nkey = a->norder, .off = n, .desc = a->desc, .nulls_last = a->nulls, .coll = a->order_coll};
  int rc = rows_sort(rows, &sc) ? nomem(x) : MICA_OK;
  for (int64_t r = 0; r < rows->n && rc == MICA_OK; r++) {
    Value *argp[8];
    for (int k = 0; k < n; k++)
      argp[k] = &rows->rows[r]->v[k];
    rc = agg_call_step(x, a, state, n, argp);
  }
  rowlist_clear(rows);
  return rc;
}

static int group_cmp_ctx_sort(SelectPlan *sel, Group *gs, int64_t n) {
  /* sort groups by their key: reuse the row sorter on the key rows, carrying the group index */
  RowList l = {0};
  int rc = MICA_OK;
  for (int64_t i = 0; i < n && rc == MICA_OK; i++)
    rc = rowlist_push(&l, gs[i].key);
  if (rc == MICA_OK) {
    SortCtx c = {.nkey = sel->ngroup, .off = 0};
    const RecColl **colls = malloc(sizeof(RecColl *) * (size_t)(sel->ngroup + 1));
    if (!colls)
      rc = MICA_NOMEM;
    else {
      for (int i = 0; i < sel->ngroup; i++)
        colls[i] = sel->group[i]->coll;
      c.coll = colls;
      rc = rows_sort(&l, &c);
      free(colls);
    }
  }
  if (rc == MICA_OK) {
    /* reorder gs according to the sorted keys (the last key value is the group number) */
    Group *copy = malloc(sizeof(Group) * (size_t)(n ? n : 1));
    if (!copy)
      rc = MICA_NOMEM;
    else {
      for (int64_t i = 0; i < n; i++)
        copy[i] = gs[l.rows[i]->v[sel->ngroup].u.i];
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
    for (int i = 0; i < sel->ngroup; i++)
      gcolls[i] = sel->group[i]->coll;
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
      if (hit) g = &gs[hit->v[sel->ngroup].u.i]; // NOLINT(clang-analyzer-core.uninitialized.ArraySubscript)
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
      for (int i = 0; i < sel->ngroup && rc == MICA_OK; i++)
        rc = value_copy(&g->key->v[i], &keybuf[i]);
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
        for (int i = 0; i <= sel->ngroup && rc == MICA_OK; i++)
          rc = value_copy(&k->v[i], &g->key->v[i]);
        if (rc == MICA_OK) rc = rowset_add(&groups, k, &added);
        if (rc) {
          row_free(k);
          break;
        }
      }
    }
    rc = agg_step(x, sel, g);
    if (rc == MICA_OK && sel->minmax_stop) {
      /* min()/max() by index: the first row with a non-NULL argument holds the answer */
      Value v;
      value_init(&v);
      rc = expr_eval(x, sel->aggs[0].args[0], &v);
      int found = rc == MICA_OK && v.type != VAL_NULL;
      value_release(&v);
      if (found) break;
    }
  }
  op_close(sel->src);
  if (rc == MICA_DONE) rc = MICA_OK;
  if (rc == MICA_OK && ngs == 0 && sel->ngroup == 0) {
    gs = calloc(1, sizeof(Group));
    if (!gs)
      rc = nomem(x);
    else {
      ngs = 1;
      gs[0].key = row_new(1);
      gs[0].states = calloc((size_t)sel->nagg + 1, sizeof(void *));
      gs[0].cap = values_alloc((size_t)sel->ncapture + 1);
      if (!gs[0].key || !gs[0].states || !gs[0].cap) rc = nomem(x);
    }
  }
  /* groups are output in key order: they arrived that way when the scan delivers them in order */
  if (rc == MICA_OK && sel->ngroup && !sel->group_sat) rc = group_cmp_ctx_sort(sel, gs, ngs);
  Slot *as = &x->slots[sel->agg_slot];
  for (int64_t gi = 0; gi < ngs && rc == MICA_OK; gi++) {
    Group *g = &gs[gi];
    for (int i = 0; i < sel->ncapture; i++) {
      value_release(&as->cols[i]);
      value_borrow(&as->cols[i], &g->cap[i]);
    }
    for (int i = 0; i < sel->nagg && rc == MICA_OK; i++) {
      AggCall *a = &sel->aggs[i];
      Value *out = &as->cols[sel->ncapture + i];
      value_release(out);
      value_init(out);
      if (a->norder > 0 && g->ordered) rc = agg_step_ordered(x, a, &g->ordered[i], &g->states[i]);
      if (rc == MICA_OK) rc = agg_final(x, a, &g->states[i], out);
    }
    as->decoded = 1;
    as->nullrow = 0;
    if (rc) break;
    if (sel->having) {
      int t = expr_truth(x, sel->having, &rc);
      if (rc) break;
      if (t != 1) continue;
    }
    Row *r = NULL;
    rc = make_row(x, sel, withkeys, &r);
    if (rc == MICA_OK && (rc = rowlist_push(outrows, r))) row_free(r);
  }
  for (int i = 0; i < sel->ncapture + sel->nagg; i++) {
    value_release(&as->cols[i]);
    value_init(&as->cols[i]);
  }
  for (int64_t gi = 0; gi < ngs; gi++)
    row_free(gs[gi].key);
  free_groups(x, sel, gs, ngs);
  rowset_clear(&groups);
  free(gcolls);
  if (keybuf) {
    for (int i = 0; i < sel->ngroup; i++)
      value_release(&keybuf[i]);
    free(keybuf);
  }
  return rc;
}

/* ------------------------------------------------------------------ window functions */
/* Each source row is buffered as [captured columns][per call: partition keys, order keys, args].
 * Per call, row indexes are sorted (stably) by partition then order keys; each partition is walked
 * computing the call's value for every row; then the rows are replayed in their original order
 * with the window slot holding captures + results, and the result columns evaluated. */
typedef struct WinArgCookie {
  Row **rows;  /* the buffered rows */
  int64_t *ix; /* sorted row indexes */
  int64_t ps;  /* partition start in ix */
  int argoff;
} WinArgCookie;

static int win_arg(void *cookie, int64_t row, int argi, Value *out) {
  WinArgCookie *k = cookie;
  Row *r = k->rows[k->ix[k->ps + row - 1]];
  value_release(out);
  value_init(out);
  return value_copy(out, &r->v[k->argoff + argi]);
}

typedef struct WinSortCtx {
  Row **rows;
  int off, nkey, npart;
  const uint8_t *desc;
  const RecColl **coll;
} WinSortCtx;

static int win_cmp(const WinSortCtx *c, int64_t a, int64_t b, int nkeys) {
  const Row *ra = c->rows[a], *rb = c->rows[b];
  for (int i = 0; i < nkeys; i++) {
    const Value *va = &ra->v[c->off + i], *vb = &rb->v[c->off + i];
    int r;
    if (va->type == VAL_NULL || vb->type == VAL_NULL)
      r = (va->type == VAL_NULL) == (vb->type == VAL_NULL) ? 0 : va->type == VAL_NULL ? -1 : 1;
    else
      r = value_compare(va, vb, i >= c->npart && c->coll ? c->coll[i - c->npart] : NULL);
    if (i >= c->npart && c->desc && c->desc[i - c->npart]) r = -r;
    if (r) return r;
  }
  return 0;
}

static void win_sort(int64_t *ix, int64_t *tmp, int64_t n, const WinSortCtx *c) {
  if (n < 2) return;
  int64_t m = n / 2;
  win_sort(ix, tmp, m, c);
  win_sort(ix + m, tmp, n - m, c);
  int64_t i = 0, j = m, k = 0;
  while (i < m && j < n)
    tmp[k++] = win_cmp(c, ix[j], ix[i], c->nkey) < 0 ? ix[j++] : ix[i++];
  while (i < m)
    tmp[k++] = ix[i++];
  while (j < n)
    tmp[k++] = ix[j++];
  memcpy(ix, tmp, sizeof(int64_t) * (size_t)n);
}

static int win_call(Exec *x, WinCall *w, FuncWindow *fw, void **state, Value *argv, int nargs, int what,
                    Value *out) {
  struct mica_context ctx;
  memset(&ctx, 0, sizeof ctx);
  Value *argp[8];
  for (int i = 0; i < nargs && i < 8; i++)
    argp[i] = &argv[i];
  ctx.out = out;
  ctx.func = w->func;
  ctx.db = x->db;
  ctx.agg_state = state;
  ctx.coll = w->coll;
  ctx.win = fw;
  if (what == 0)
    w->func->xstep(&ctx, nargs > 8 ? 8 : nargs, argp);
  else if (what == 1)
    w->func->xvalue(&ctx);
  else
    w->func->xfinal(&ctx);
  if (ctx.is_error) {
    int rc = mica_set_error(x->db, ctx.error_rc ? ctx.error_rc : MICA_ERROR, "%s",
                            ctx.errmsg ? ctx.errmsg : "SQL logic error");
    free(ctx.errmsg);
    return rc;
  }
  return MICA_OK;
}

static int64_t win_bound(Exec *x, PExpr *e, int *rc) {
  Value v;
  value_init(&v);
  *rc = e ? expr_eval(x, e, &v) : MICA_OK;
  int64_t n = v.type == VAL_INT ? v.u.i : (int64_t)value_as_real(&v);
  value_release(&v);
  return n < 0 ? 0 : n;
}

static int run_window(Exec *x, SelectPlan *sel, RowList *outrows, int withkeys) {
  int ncap = sel->ncapture;
  int width = ncap;
  int *off = calloc((size_t)sel->nwin + 1, sizeof(int));
  if (!off) return nomem(x);
  for (int i = 0; i < sel->nwin; i++) {
    off[i] = width;
    width += sel->wins[i].npart + sel->wins[i].norder + sel->wins[i].nargs;
  }
  RowList rows = {0};
  int rc = op_open(x, sel->src);
  while (rc == MICA_OK && (rc = op_next(x, sel->src)) == MICA_ROW) {
    Row *r = row_new(width);
    rc = r ? MICA_OK : nomem(x);
    for (int i = 0; rc == MICA_OK && i < ncap; i++) {
      if (sel->cap_col[i] == -1) {
        Slot *s = &x->slots[sel->cap_slot[i]];
        if (!s->nullrow) value_set_int(&r->v[i], s->rowid);
        continue;
      }
      Value *v = slot_col(x, sel->cap_slot[i], sel->cap_col[i], &rc);
      if (rc == MICA_OK) rc = value_copy(&r->v[i], v);
    }
    for (int w = 0; rc == MICA_OK && w < sel->nwin; w++) {
      WinCall *wc = &sel->wins[w];
      int k = off[w];
      for (int i = 0; rc == MICA_OK && i < wc->npart; i++, k++) {
        rc = expr_eval(x, wc->part[i], &r->v[k]);
        if (rc == MICA_OK) rc = value_make_owned(&r->v[k]);
      }
      for (int i = 0; rc == MICA_OK && i < wc->norder; i++, k++) {
        rc = expr_eval(x, wc->order[i], &r->v[k]);
        if (rc == MICA_OK) rc = value_make_owned(&r->v[k]);
      }
      for (int i = 0; rc == MICA_OK && i < wc->nargs; i++, k++) {
        rc = expr_eval(x, wc->args[i], &r->v[k]);
        if (rc == MICA_OK) rc = value_make_owned(&r->v[k]);
      }
    }
    if (rc == MICA_OK)
      rc = rowlist_push(&rows, r) ? nomem(x) : MICA_OK;
    else
      row_free(r);
  }
  op_close(sel->src);
  if (rc == MICA_DONE) rc = MICA_OK;
  int64_t n = rows.n;
  Value *results = rc == MICA_OK ? values_alloc((size_t)(n * sel->nwin + 1)) : NULL;
  int64_t *ix = malloc(sizeof(int64_t) * (size_t)(n + 1));
  int64_t *tmp = malloc(sizeof(int64_t) * (size_t)(n + 1));
  if (rc == MICA_OK && (!results || !ix || !tmp)) rc = nomem(x);
  for (int w = 0; rc == MICA_OK && w < sel->nwin; w++) {
    WinCall *wc = &sel->wins[w];
    for (int64_t i = 0; i < n; i++)
      ix[i] = i;
    WinSortCtx sc = {.rows = rows.rows,
                     .off = off[w],
                     .nkey = wc->npart + wc->norder,
                     .npart = wc->npart,
                     .desc = wc->desc,
                     .coll = wc->order_coll};
    win_sort(ix, tmp, n, &sc);
    int argoff = off[w] + wc->npart + wc->norder;
    int64_t fs_n = 0, fe_n = 0;
    if (wc->frame_type == 1) {
      if (wc->fstart == 2 || wc->fstart == 4) fs_n = win_bound(x, wc->fstart_expr, &rc);
      if (rc == MICA_OK && (wc->fend == 2 || wc->fend == 4)) fe_n = win_bound(x, wc->fend_expr, &rc);
    }
    for (int64_t ps = 0; rc == MICA_OK && ps < n;) {
      int64_t pe = ps + 1;
      while (pe < n && win_cmp(&sc, ix[ps], ix[pe], wc->npart) == 0)
        pe++;
      int64_t psize = pe - ps;
      WinArgCookie ck = {.rows = rows.rows, .ix = ix, .ps = ps, .argoff = argoff};
      FuncWindow fw;
      memset(&fw, 0, sizeof fw);
      fw.part_size = psize;
      fw.nargs = wc->nargs;
      fw.arg = win_arg;
      fw.cookie = &ck;
      void *state = NULL;
      int64_t group = 0;
      for (int64_t gs = ps; rc == MICA_OK && gs < pe;) {
        int64_t ge = gs + 1;
        while (ge < pe && win_cmp(&sc, ix[gs], ix[ge], sc.nkey) == 0)
          ge++;
        group++;
        /* default frame: rows up to the end of the peer group; feed them to a running state */
        if (wc->frame_type == 0 && !(wc->func->flags & FUNC_WINDOW_ONLY)) {
          for (int64_t i = gs; rc == MICA_OK && i < ge; i++) {
            Value av[8];
            int na = wc->nargs > 8 ? 8 : wc->nargs;
            for (int a = 0; a < na; a++) {
              value_init(&av[a]);
              value_borrow(&av[a], &rows.rows[ix[i]]->v[argoff + a]);
            }
            Value o;
            value_init(&o);
            rc = win_call(x, wc, NULL, &state, av, na, 0, &o);
            value_release(&o);
            for (int a = 0; a < na; a++)
              value_release(&av[a]);
          }
        }
        for (int64_t i = gs; rc == MICA_OK && i < ge; i++) {
          int64_t row = i - ps + 1;
          fw.row = row;
          fw.peer_start = gs - ps + 1;
          fw.peer_end = ge - ps;
          fw.peer_group = group;
          if (wc->frame_type == 1) {
            int64_t fs = wc->fstart == 1   ? 1
                         : wc->fstart == 2 ? row - fs_n
                         : wc->fstart == 3 ? row
                         : wc->fstart == 4 ? row + fs_n
                                           : psize + 1;
            int64_t fe = wc->fend == 0 || wc->fend == 3 ? row
                         : wc->fend == 2                ? row - fe_n
                         : wc->fend == 4                ? row + fe_n
                         : wc->fend == 5                ? psize
                                                        : row;
            if (fs < 1) fs = 1;
            if (fe > psize) fe = psize;
            fw.frame_start = fs;
            fw.frame_end = fe;
          } else {
            fw.frame_start = 1;
            fw.frame_end = wc->norder ? ge - ps : psize;
          }
          Value *res = &results[ix[i] * sel->nwin + w];
          if (wc->func->flags & FUNC_WINDOW_ONLY) {
            void *st2 = NULL;
            rc = win_call(x, wc, &fw, &st2, NULL, 0, 1, res);
            free(st2);
          } else if (wc->frame_type == 1) {
            void *st2 = NULL;
            for (int64_t f = fw.frame_start; rc == MICA_OK && f <= fw.frame_end; f++) {
              Value av[8];
              int na = wc->nargs > 8 ? 8 : wc->nargs;
              for (int a = 0; a < na; a++) {
                value_init(&av[a]);
                value_borrow(&av[a], &rows.rows[ix[ps + f - 1]]->v[argoff + a]);
              }
              Value o;
              value_init(&o);
              rc = win_call(x, wc, NULL, &st2, av, na, 0, &o);
              value_release(&o);
              for (int a = 0; a < na; a++)
                value_release(&av[a]);
            }
            if (rc == MICA_OK) rc = win_call(x, wc, NULL, &st2, NULL, 0, 2, res);
            free(st2);
          } else {
            rc = win_call(x, wc, NULL, &state, NULL, 0, 1, res);
          }
          if (rc == MICA_OK) rc = value_make_owned(res);
        }
        gs = ge;
      }
      if (!(wc->func->flags & FUNC_WINDOW_ONLY) && wc->frame_type == 0) {
        Value o;
        value_init(&o);
        win_call(x, wc, NULL, &state, NULL, 0, 2, &o);
        value_release(&o);
      }
      free(state);
      ps = pe;
    }
  }
  /* replay in source order */
  Slot *ws = &x->slots[sel->agg_slot];
  for (int64_t i = 0; rc == MICA_OK && i < n; i++) {
    for (int k = 0; k < ncap; k++) {
      value_release(&ws->cols[k]);
      value_borrow(&ws->cols[k], &rows.rows[i]->v[k]);
    }
    for (int w = 0; w < sel->nwin; w++) {
      value_release(&ws->cols[ncap + w]);
      value_borrow(&ws->cols[ncap + w], &results[i * sel->nwin + w]);
    }
    ws->decoded = 1;
    ws->nullrow = 0;
    Row *r;
    rc = make_row(x, sel, withkeys, &r);
    if (rc == MICA_OK && rowlist_push(outrows, r)) {
      row_free(r);
      rc = nomem(x);
    }
  }
  for (int k = 0; k < ws->ncol; k++) {
    value_release(&ws->cols[k]);
    value_init(&ws->cols[k]);
  }
  if (results) {
    for (int64_t i = 0; i < n * sel->nwin; i++)
      value_release(&results[i]);
    free(results);
  }
  free(ix);
  free(tmp);
  free(off);
  rowlist_clear(&rows);
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
    rc = mica_set_error(x->db, MICA_ERROR,
                        "SELECTs to the left and right of %s do not have the same number of result columns",
                        sel->cmp_op == CMP_UNION_ALL   ? "UNION ALL"
                        : sel->cmp_op == CMP_UNION     ? "UNION"
                        : sel->cmp_op == CMP_INTERSECT ? "INTERSECT"
                                                       : "EXCEPT");
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
    for (int64_t i = 0; i < tmp.n && rc == MICA_OK; i++)
      rc = rowlist_push(out, tmp.rows[i]);
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
    for (int k = 0; k < n && rc == MICA_OK; k++)
      rc = value_copy(&c->v[k], &out->rows[i]->v[k]);
    out->rows[i] = c;
  }
  free(tmp.rows);
  rowset_clear(&ls);
  rowset_clear(&rs);
  if (rc == MICA_OK) {
    int *cols = malloc(sizeof(int) * (size_t)(n ? n : 1));
    if (!cols)
      rc = MICA_NOMEM;
    else {
      for (int i = 0; i < n; i++)
        cols[i] = i;
      SortCtx c = {.nkey = n, .keycol = cols, .coll = sel->res_coll};
      rc = rows_sort(out, &c);
      free(cols);
    }
  }
done:
  for (int64_t i = 0; i < l.n; i++)
    row_free(l.rows[i]);
  for (int64_t i = 0; i < r.n; i++)
    row_free(r.rows[i]);
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
    for (int i = 0; rc == MICA_OK && i < sel->nres; i++)
      rc = value_copy(&r->v[i], &sel->cur->v[i]);
    if (rc != MICA_OK || (rc = rowlist_push(out, r)) != MICA_OK)
      row_free(r); /* rowlist_push takes r only on success */
  }
  select_close(sel);
  (void)withkeys;
  return rc == MICA_DONE ? MICA_OK : rc;
}

static int row_copy(Exec *x, const Row *src, int n, Row **out) {
  Row *r = row_new(n);
  if (!r) return nomem(x);
  int rc = MICA_OK;
  for (int i = 0; i < n && rc == MICA_OK; i++)
    rc = value_copy(&r->v[i], &src->v[i]);
  if (rc) {
    row_free(r);
    return nomem(x);
  }
  *out = r;
  return MICA_OK;
}

/* WITH RECURSIVE: a queue of rows; each row taken off the queue is output and fed to the recursive
 * select, whose rows join the queue (UNION drops rows already seen). Rows are produced on demand, so
 * a LIMIT outside the CTE stops the recursion. */
static int rec_enqueue(Exec *x, SelectPlan *sel, RowList *rows) {
  int rc = MICA_OK;
  int n = sel->nres;
  for (int64_t i = 0; rc == MICA_OK && i < rows->n; i++) {
    int added = 1;
    if (sel->rec_distinct) {
      Row *k;
      rc = row_copy(x, rows->rows[i], n, &k);
      if (rc == MICA_OK && (rc = rowset_add(&sel->rseen, k, &added))) row_free(k);
      if (rc == MICA_OK && !added) row_free(k);
    }
    if (rc == MICA_OK && added) {
      rc = rowlist_push(&sel->rq, rows->rows[i]);
      if (rc == MICA_OK) rows->rows[i] = NULL;
    }
  }
  rowlist_clear(rows);
  if (rc == MICA_NOMEM) nomem(x);
  return rc;
}

static int rec_start(Exec *x, SelectPlan *sel) {
  rowset_init(&sel->rseen, sel->nres, sel->res_coll);
  sel->rqi = 0;
  RowList init = {0};
  int rc = select_collect(x, sel->left, &init, 0);
  if (rc) {
    rowlist_clear(&init);
    return rc;
  }
  return rec_enqueue(x, sel, &init);
}

static int rec_next(Exec *x, SelectPlan *sel, Row **out) {
  if (sel->rqi >= sel->rq.n) return MICA_DONE;
  int rc = exec_check_interrupt(x);
  if (rc) return rc;
  Row *cur = sel->rq.rows[sel->rqi];
  sel->rq.rows[sel->rqi++] = NULL;
  for (int k = 0; rc == MICA_OK && k < sel->nrec_ops; k++) {
    Op *op = sel->rec_ops[k];
    rowlist_clear(&op->rows);
    Row *fed = NULL;
    rc = row_copy(x, cur, sel->nres, &fed);
    if (rc == MICA_OK && (rc = rowlist_push(&op->rows, fed))) {
      row_free(fed);
      rc = nomem(x);
    }
    op->rows_ready = 1;
  }
  RowList more = {0};
  if (rc == MICA_OK) rc = select_collect(x, sel->right, &more, 0);
  if (rc == MICA_OK)
    rc = rec_enqueue(x, sel, &more);
  else
    rowlist_clear(&more);
  if (rc) {
    row_free(cur);
    return rc;
  }
  *out = cur;
  return MICA_ROW;
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
  /* rows the scans deliver in ORDER BY order need no sort (and stream, so LIMIT stops early) */
  int presorted = !sel->cmp_op && !sel->nwin && !sel->is_agg && sel->order_sat >= sel->norder;
  if (sel->cmp_op == CMP_RECURSIVE) {
    rc = rec_start(x, sel);
    sel->state = SEL_RECURSIVE;
  } else if (sel->cmp_op) {
    rc = compound_collect(x, sel, &sel->buf);
    if (rc == MICA_OK && sorting) {
      SortCtx c = {.nkey = sel->norder,
                   .keycol = sel->order_col,
                   .desc = sel->desc,
                   .nulls_last = sel->nulls_last,
                   .coll = sel->order_coll};
      rc = rows_sort(&sel->buf, &c);
      if (rc) nomem(x);
    }
    sel->state = SEL_BUFFER;
  } else if (sel->nwin) {
    rc = run_window(x, sel, &sel->buf, sorting);
    if (rc == MICA_OK && sorting) {
      SortCtx c = {.nkey = sel->norder,
                   .off = sel->nres,
                   .desc = sel->desc,
                   .nulls_last = sel->nulls_last,
                   .coll = sel->order_coll};
      if (rows_sort(&sel->buf, &c)) rc = nomem(x);
    }
    sel->state = SEL_BUFFER;
  } else if (sel->is_agg) {
    rc = run_aggregate(x, sel, &sel->buf, sorting);
    if (rc == MICA_OK && sorting) {
      SortCtx c = {.nkey = sel->norder,
                   .off = sel->nres,
                   .desc = sel->desc,
                   .nulls_last = sel->nulls_last,
                   .coll = sel->order_coll};
      if (rows_sort(&sel->buf, &c)) rc = nomem(x);
    }
    sel->state = SEL_BUFFER;
  } else if (sorting && !presorted) {
    rc = op_open(x, sel->src);
    while (rc == MICA_OK && (rc = op_next(x, sel->src)) == MICA_ROW) {
      Row *r = NULL;
      rc = make_row(x, sel, 1, &r);
      if (rc == MICA_OK && (rc = rowlist_push(&sel->buf, r))) {
        row_free(r);
        nomem(x);
      }
    }
    op_close(sel->src);
    if (rc == MICA_DONE) rc = MICA_OK;
    if (rc == MICA_OK) {
      SortCtx c = {.nkey = sel->norder,
                   .off = sel->nres,
                   .desc = sel->desc,
                   .nulls_last = sel->nulls_last,
                   .coll = sel->order_coll};
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
    } else if (sel->state == SEL_RECURSIVE) {
      rc = rec_next(x, sel, &r);
      if (rc != MICA_ROW) return rc;
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
      for (int i = 0; i < sel->nres && rc == MICA_OK; i++)
        rc = value_copy(&k->v[i], &r->v[i]);
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
  rowlist_clear(&sel->rq);
  rowset_clear(&sel->rseen);
  sel->rqi = 0;
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

void prog_slot_fill(Prog *p, int s, Value *vals, int64_t rowid) {
  if (s >= p->nslot) return;
  Slot *sl = &p->slots[s];
  for (int i = 0; i < sl->ncol; i++) {
    value_release(&sl->cols[i]);
    if (vals)
      value_borrow(&sl->cols[i], &vals[i]);
    else
      value_init(&sl->cols[i]);
  }
  sl->rowid = rowid;
  sl->decoded = 1;
  sl->rec = NULL;
  sl->nrec = 0;
  sl->nullrow = 0;
}

void prog_slot_empty(Prog *p, int s) { prog_slot_fill(p, s, NULL, 0); }

void prog_free(Prog *p) {
  if (!p) return;
  prog_reset(p);
  for (int i = 0; i < p->nops; i++)
    vtab_scan_free(p->ops[i]);
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
