/*
 * expr.c: evaluation of compiled expressions (PExpr, exec.h) over the current slot contents.
 *
 * SEMANTICS (SQLite 3.40)
 *   - NULL propagates through arithmetic, comparison, concatenation and most operators; AND/OR use
 *     three-valued logic (FALSE AND NULL is FALSE, TRUE OR NULL is TRUE).
 *   - Arithmetic: operands are taken numerically (text by its numeric prefix). + - * on two integers
 *     stay integer unless they overflow, then they are done in double. Integer / truncates toward zero;
 *     division or remainder by zero gives NULL (an error "division by zero" on a connection in the
 *     PostgreSQL dialect, as PostgreSQL raises 22012). % converts both sides to integers first and gives a
 *     real when either side was real. A NaN result becomes NULL.
 *   - Comparisons apply the comparison affinity first (datatype3 section 4.2): when one side has
 *     INTEGER/REAL/NUMERIC affinity and the other TEXT/BLOB/none, NUMERIC affinity is applied to the
 *     other side; TEXT vs no affinity applies TEXT. Then value_compare with the collation chosen at
 *     compile time (explicit COLLATE, else the left column's, else the right column's).
 *   - x IN (list): 1 if some element equals x; else NULL if x or some element is NULL; else 0. An
 *     empty list gives 0 even for NULL x. Uncorrelated subqueries are run once per statement
 *     execution and their result (scalar value, EXISTS bit or the IN set) cached in the Prog.
 *
 * Values handed out borrow text/blob bytes from slots and constants (VAL_EPHEM) whenever they can;
 * callers that keep a value past the next row make it owned (value_copy / value_make_owned).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "exec.h"
#include "func.h"
#include "vtab.h"

static const Value null_value = {.type = VAL_NULL};

void value_borrow(Value *dst, const Value *src) {
  dst->type = src->type;
  dst->subtype = src->subtype;
  dst->zeroblob = src->zeroblob;
  dst->u = src->u;
  dst->z = src->z;
  dst->n = src->n;
  dst->own = VAL_EPHEM;
  dst->ztext = NULL;
}

static int set_nomem(Exec *x);

/* ------------------------------------------------------------------ slots */
void slot_set_nullrow(Slot *s, int on) { s->nullrow = on; }

/* Decodes s->rec into s->cols. A table's record holds its columns in order except the VIRTUAL
 * generated ones, which are computed afterwards (s->gen); fields missing at the end (columns added by
 * ALTER TABLE ADD COLUMN after the row was written) take their column's default. A WITHOUT ROWID
 * table's record holds the columns in t->pk's field order (schema.h; a PK column may appear twice,
 * with two collations), a covering index entry in s->order's. */
static int slot_decode(Exec *x, Slot *s) {
  Table *t = s->tab;
  int n = s->ncol, got = 0;
  const int *order = s->order;
  int nf = s->order ? s->norder : n;
  if (!order && t && t->pk && t->ncol == n) {
    order = t->pk->cols;
    nf = t->pk->nfull;
  }
  RecValue stackbuf[16];
  RecValue *rv = nf <= 16 ? stackbuf : malloc(sizeof(RecValue) * (size_t)nf);
  if (!rv) return MICA_NOMEM;
  int rc = record_decode(s->rec, s->nrec, rv, nf, &got);
  if (rc != MICA_OK) {
    if (rv != stackbuf) free(rv);
    return mica_set_error(x->db, MICA_CORRUPT, "database disk image is malformed");
  }
  if (order) {
    for (int i = 0; i < nf; i++) {
      int c = order[i]; /* a repeated PK column gets the same value twice */
      value_release(&s->cols[c]);
      if (i < got) {
        value_from_rec(&s->cols[c], &rv[i]);
        /* SQLite stores a REAL column's integral values as integers */
        if (t && rv[i].type == REC_INT && t->cols[c].aff == AFF_REAL)
          value_set_real(&s->cols[c], (double)rv[i].u.i);
      } else {
        value_init(&s->cols[c]);
        /* a column added by ALTER TABLE ADD COLUMN after the row was written: its default */
        if (t && c != t->ipk && t->cols[c].dflt) exec_default_value(x, t, c, &s->cols[c]);
      }
    }
  }
  for (int i = 0, f = 0; !order && i < n; i++) {
    value_release(&s->cols[i]);
    value_init(&s->cols[i]);
    if (t && i < t->ncol && t->cols[i].gen == 1) continue;
    if (f < got) {
      value_from_rec(&s->cols[i], &rv[f]);
      /* SQLite stores a REAL column's integral values as integers */
      if (t && i < t->ncol && rv[f].type == REC_INT && t->cols[i].aff == AFF_REAL)
        value_set_real(&s->cols[i], (double)rv[f].u.i);
    } else if (t && i < t->ncol && i != t->ipk && t->cols[i].dflt) {
      exec_default_value(x, t, i, &s->cols[i]);
    }
    f++;
  }
  if (t && t->ipk >= 0 && t->ipk < n) value_set_int(&s->cols[t->ipk], s->rowid);
  if (rv != stackbuf) free(rv);
  s->decoded = 1;
  if (s->gen) return exec_gen_compute(x, s->gen, t, NULL, s->rowid);
  return MICA_OK;
}

int exec_gen_compute(Exec *x, const GenCols *g, Table *t, Value *vals, int64_t rowid) {
  if (!g->n) return MICA_OK;
  Slot *s = &x->slots[g->slot];
  if (vals) {
    for (int i = 0; i < t->ncol && i < s->ncol; i++) {
      value_release(&s->cols[i]);
      value_borrow(&s->cols[i], &vals[i]);
    }
    if (t->ipk >= 0 && t->ipk < s->ncol && vals[t->ipk].type == VAL_NULL)
      value_set_int(&s->cols[t->ipk], rowid);
    s->rowid = rowid;
    s->rec = NULL;
    s->decoded = 1;
    s->nullrow = 0;
  }
  int rc = MICA_OK;
  for (int i = 0; i < g->n && rc == MICA_OK; i++) {
    int col = g->col[i];
    Value v;
    value_init(&v);
    rc = expr_eval(x, g->expr[i], &v);
    if (rc == MICA_OK) rc = value_make_owned(&v);
    if (rc == MICA_OK) {
      value_apply_affinity(&v, g->aff[i]);
      if (vals) {
        value_release(&vals[col]);
        vals[col] = v;
        value_release(&s->cols[col]);
        value_borrow(&s->cols[col], &vals[col]);
      } else {
        value_release(&s->cols[col]);
        s->cols[col] = v;
      }
    } else {
      value_release(&v);
      if (rc == MICA_NOMEM) rc = set_nomem(x);
    }
  }
  if (vals)
    for (int i = 0; i < s->ncol; i++) {
      value_release(&s->cols[i]);
      value_init(&s->cols[i]);
    }
  return rc;
}

Value *slot_col(Exec *x, int slot, int col, int *rc) {
  Slot *s = &x->slots[slot];
  *rc = MICA_OK;
  if (s->nullrow) return (Value *)&null_value;
  if (!s->decoded && s->rec) {
    *rc = slot_decode(x, s);
    if (*rc) return NULL;
  } else if (!s->decoded && s->vscan) {
    *rc = vtab_slot_fetch(x, s);
    if (*rc) return NULL;
  }
  if (col < 0 || col >= s->ncol) return (Value *)&null_value;
  return &s->cols[col];
}

/* ------------------------------------------------------------------ helpers */
int expr_is_true(const Value *v) {
  switch (v->type) {
  case VAL_INT: return v->u.i != 0;
  case VAL_REAL: return v->u.r != 0.0;
  case VAL_NULL: return 0;
  default: return value_as_real(v) != 0.0;
  }
}

static int is_numeric_aff(char a) { return a == AFF_INTEGER || a == AFF_REAL || a == AFF_NUMERIC; }

void expr_apply_cmp_affinity(Value *a, char affa, Value *b, char affb) {
  if (is_numeric_aff(affa) || is_numeric_aff(affb)) {
    if (!is_numeric_aff(affa)) value_apply_affinity(a, AFF_NUMERIC);
    if (!is_numeric_aff(affb)) value_apply_affinity(b, AFF_NUMERIC);
  } else if (affa == AFF_TEXT && affb == 0) {
    value_apply_affinity(b, AFF_TEXT);
  } else if (affb == AFF_TEXT && affa == 0) {
    value_apply_affinity(a, AFF_TEXT);
  }
}

int expr_compare(Value *a, char affa, Value *b, char affb, const RecColl *coll, int *isnull) {
  if (a->type == VAL_NULL || b->type == VAL_NULL) {
    *isnull = 1;
    return 0;
  }
  *isnull = 0;
  expr_apply_cmp_affinity(a, affa, b, affb);
  return value_compare(a, b, coll);
}

static int set_nomem(Exec *x) { return mica_set_error(x->db, MICA_NOMEM, "out of memory"); }

/* ------------------------------------------------------------------ arithmetic */
static int arith(Exec *x, int op, Value *a, Value *b, Value *out) {
  int ai, bi;
  int64_t ia, ib;
  double ra, rb;
  if (a->type == VAL_NULL || b->type == VAL_NULL) {
    value_set_null(out);
    return MICA_OK;
  }
  value_numeric(a, &ai, &ia, &ra);
  value_numeric(b, &bi, &ib, &rb);
  if (op == BO_MOD) {
    int64_t xa = ai ? ia
                    : (ra >= 9.2233720368547758e18    ? INT64_MAX
                       : ra <= -9.2233720368547758e18 ? INT64_MIN
                                                      : (int64_t)ra);
    int64_t xb = bi ? ib
                    : (rb >= 9.2233720368547758e18    ? INT64_MAX
                       : rb <= -9.2233720368547758e18 ? INT64_MIN
                                                      : (int64_t)rb);
    if (xb == 0) {
      if (x->db->dialect == MICA_DIALECT_POSTGRES)
        return mica_set_error(x->db, MICA_ERROR, "division by zero");
      value_set_null(out);
      return MICA_OK;
    }
    int64_t r = xb == -1 ? 0 : xa % xb;
    if (ai && bi)
      value_set_int(out, r);
    else
      value_set_real(out, (double)r);
    return MICA_OK;
  }
  if (ai && bi) {
    int64_t r;
    switch (op) {
    case BO_ADD:
      if (!__builtin_add_overflow(ia, ib, &r)) {
        value_set_int(out, r);
        return MICA_OK;
      }
      break;
    case BO_SUB:
      if (!__builtin_sub_overflow(ia, ib, &r)) {
        value_set_int(out, r);
        return MICA_OK;
      }
      break;
    case BO_MUL:
      if (!__builtin_mul_overflow(ia, ib, &r)) {
        value_set_int(out, r);
        return MICA_OK;
      }
      break;
    case BO_DIV:
      if (ib == 0) {
        if (x->db->dialect == MICA_DIALECT_POSTGRES)
          return mica_set_error(x->db, MICA_ERROR, "division by zero");
        value_set_null(out);
        return MICA_OK;
      }
      if (!(ia == INT64_MIN && ib == -1)) {
        value_set_int(out, ia / ib);
        return MICA_OK;
      }
      break;
    }
    ra = (double)ia;
    rb = (double)ib;
  } else {
    if (ai) ra = (double)ia;
    if (bi) rb = (double)ib;
  }
  double r = 0;
  switch (op) {
  case BO_ADD: r = ra + rb; break;
  case BO_SUB: r = ra - rb; break;
  case BO_MUL: r = ra * rb; break;
  case BO_DIV:
    if (rb == 0.0) {
      if (x->db->dialect == MICA_DIALECT_POSTGRES)
        return mica_set_error(x->db, MICA_ERROR, "division by zero");
      value_set_null(out);
      return MICA_OK;
    }
    r = ra / rb;
    break;
  }
  if (isnan(r))
    value_set_null(out);
  else
    value_set_real(out, r);
  return MICA_OK;
}

static int64_t to_int(const Value *v) {
  int isint;
  int64_t i;
  double r;
  value_numeric(v, &isint, &i, &r);
  if (isint) return i;
  if (r >= 9.2233720368547758e18) return INT64_MAX;
  if (r <= -9.2233720368547758e18) return INT64_MIN;
  if (isnan(r)) return 0;
  return (int64_t)r;
}

static int bitop(int op, Value *a, Value *b, Value *out) {
  if (a->type == VAL_NULL || b->type == VAL_NULL) {
    value_set_null(out);
    return MICA_OK;
  }
  int64_t ia = to_int(a), ib = to_int(b), r = 0;
  if (op == BO_BITAND)
    r = ia & ib;
  else if (op == BO_BITOR)
    r = ia | ib;
  else {
    int left = op == BO_LSHIFT;
    if (ib < 0) {
      left = !left;
      ib = ib < -64 ? 64 : -ib;
    }
    if (ib >= 64)
      r = (!left && ia < 0) ? -1 : 0;
    else if (left)
      r = (int64_t)((uint64_t)ia << ib);
    else
      r = ia >> ib;
  }
  value_set_int(out, r);
  return MICA_OK;
}

static int concat(Exec *x, Value *a, Value *b, Value *out) {
  if (a->type == VAL_NULL || b->type == VAL_NULL) {
    value_set_null(out);
    return MICA_OK;
  }
  int na = 0, nb = 0;
  const char *za = value_as_text(a, &na);
  const char *zb = value_as_text(b, &nb);
  if (!za || !zb) return set_nomem(x);
  char *z = malloc((size_t)na + (size_t)nb + 1);
  if (!z) return set_nomem(x);
  memcpy(z, za, (size_t)na);
  memcpy(z + na, zb, (size_t)nb);
  z[na + nb] = 0;
  return value_set_text(out, z, na + nb, VAL_DYN); /* NOLINT(clang-analyzer-unix.Malloc): takes z */
}

/* ------------------------------------------------------------------ subqueries */
static int sub_scalar(Exec *x, PExpr *e, Value *out) {
  Prog *p = x->prog;
  if (!e->correlated && p->sub_done[e->sub_id]) {
    value_borrow(out, &p->sub_val[e->sub_id]);
    return MICA_OK;
  }
  int rc = select_open(x, e->sub);
  if (rc == MICA_OK) rc = select_next(x, e->sub);
  Value v;
  value_init(&v);
  if (rc == MICA_ROW) {
    if (e->op == PX_EXISTS)
      value_set_int(&v, 1);
    else
      rc = value_copy(&v, &e->sub->cur->v[0]);
    if (rc == MICA_ROW) rc = MICA_OK;
  } else if (rc == MICA_DONE) {
    if (e->op == PX_EXISTS) value_set_int(&v, 0);
    rc = MICA_OK;
  }
  select_close(e->sub);
  if (rc != MICA_OK) {
    value_release(&v);
    return rc;
  }
  if (!e->correlated) {
    value_release(&p->sub_val[e->sub_id]);
    value_move(&p->sub_val[e->sub_id], &v);
    p->sub_done[e->sub_id] = 1;
    value_borrow(out, &p->sub_val[e->sub_id]);
  } else {
    value_release(out);
    value_move(out, &v);
  }
  return MICA_OK;
}

/* Builds the IN set of an uncorrelated IN (subquery). */
static int sub_build_set(Exec *x, PExpr *e) {
  Prog *p = x->prog;
  RowSet *set = &p->sub_set[e->sub_id];
  rowset_clear(set);
  rowset_init(set, 1, &e->coll);
  p->sub_hasnull[e->sub_id] = 0;
  int rc = select_open(x, e->sub);
  while (rc == MICA_OK && (rc = select_next(x, e->sub)) == MICA_ROW) {
    Value *v = &e->sub->cur->v[0];
    if (v->type == VAL_NULL) {
      p->sub_hasnull[e->sub_id] = 1;
      rc = MICA_OK;
      continue;
    }
    Row *r = row_new(1);
    if (!r) {
      rc = set_nomem(x);
      break;
    }
    rc = value_copy(&r->v[0], v);
    if (rc == MICA_OK && e->aff) value_apply_affinity(&r->v[0], e->aff);
    int added;
    if (rc == MICA_OK)
      rc = rowset_add(set, r, &added);
    else
      row_free(r);
    if (rc == MICA_OK && !added) row_free(r);
  }
  select_close(e->sub);
  if (rc == MICA_DONE) rc = MICA_OK;
  if (rc == MICA_OK) p->sub_done[e->sub_id] = 1;
  return rc;
}

/* x IN (subquery): sets *res to 1, 0 or -1 (NULL). */
static int sub_in(Exec *x, PExpr *e, Value *lhs, int *res) {
  Prog *p = x->prog;
  int rc;
  if (!e->correlated) {
    if (!p->sub_done[e->sub_id] && (rc = sub_build_set(x, e)) != MICA_OK) return rc;
    RowSet *set = &p->sub_set[e->sub_id];
    if (set->n == 0 && !p->sub_hasnull[e->sub_id]) {
      *res = 0;
      return MICA_OK;
    }
    if (lhs->type == VAL_NULL) {
      *res = -1;
      return MICA_OK;
    }
    Value k;
    value_init(&k);
    rc = value_copy(&k, lhs);
    if (rc) return rc;
    if (e->aff) value_apply_affinity(&k, e->aff);
    Row *hit = rowset_find(set, &k);
    value_release(&k);
    *res = hit ? 1 : (p->sub_hasnull[e->sub_id] ? -1 : 0);
    return MICA_OK;
  }
  /* correlated: scan */
  int any = 0, sawnull = 0, found = 0;
  rc = select_open(x, e->sub);
  while (rc == MICA_OK && (rc = select_next(x, e->sub)) == MICA_ROW) {
    rc = MICA_OK;
    any = 1;
    Value a, b;
    value_init(&a);
    value_init(&b);
    value_borrow(&a, lhs);
    value_borrow(&b, &e->sub->cur->v[0]);
    int isnull;
    int c = expr_compare(&a, e->aff, &b, e->aff, e->coll, &isnull);
    value_release(&a);
    value_release(&b);
    if (isnull)
      sawnull = 1;
    else if (c == 0) {
      found = 1;
      break;
    }
  }
  select_close(e->sub);
  if (rc == MICA_DONE || rc == MICA_ROW) rc = MICA_OK;
  if (rc) return rc;
  if (!any)
    *res = 0;
  else if (found)
    *res = 1;
  else
    *res = sawnull ? -1 : 0;
  return MICA_OK;
}

/* ------------------------------------------------------------------ functions */
static int call_func(Exec *x, PExpr *e, Value *out) {
  Value stackv[8];
  Value *stackp[8];
  int n = e->nlist;
  Value *argv = n <= 8 ? stackv : values_alloc((size_t)n);
  Value **argp = n <= 8 ? stackp : calloc((size_t)n, sizeof(Value *));
  int rc = MICA_OK;
  if (!argv || !argp) {
    if (argv != stackv) free(argv);
    if (argp != stackp) free(argp);
    return set_nomem(x);
  }
  int i;
  for (i = 0; i < n; i++)
    value_init(&argv[i]);
  for (i = 0; i < n && rc == MICA_OK; i++) {
    rc = expr_eval(x, e->list[i], &argv[i]);
    argp[i] = &argv[i];
  }
  if (rc == MICA_OK) {
    struct mica_context ctx;
    memset(&ctx, 0, sizeof ctx);
    value_set_null(out);
    ctx.out = out;
    ctx.func = e->func;
    ctx.db = x->db;
    ctx.coll = e->coll;
    ctx.now_ms = x->stmt ? x->stmt->now_ms : 0;
    ctx.aux = &e->aux;
    e->func->xfunc(&ctx, n, argp);
    if (e->aux && !e->aux_listed) {
      e->aux_listed = 1;
      e->aux_next = x->prog->aux_list;
      x->prog->aux_list = e;
    }
    if (ctx.is_error) {
      rc = ctx.error_rc ? ctx.error_rc : MICA_ERROR;
      if (rc == MICA_NOMEM)
        mica_set_error(x->db, rc, "out of memory");
      else
        mica_set_error(x->db, rc, "%s", ctx.errmsg ? ctx.errmsg : "SQL logic error");
      free(ctx.errmsg);
    }
  }
  for (i = 0; i < n; i++)
    value_release(&argv[i]);
  if (argv != stackv) free(argv);
  if (argp != stackp) free(argp);
  return rc;
}

/* ------------------------------------------------------------------ evaluation */
static int eval_cmp(Exec *x, PExpr *e, Value *out) {
  Value a, b;
  value_init(&a);
  value_init(&b);
  int rc = expr_eval(x, e->a, &a);
  if (rc == MICA_OK) rc = expr_eval(x, e->b, &b);
  if (rc == MICA_OK) {
    int isnull, c = expr_compare(&a, e->a->aff, &b, e->b->aff, e->coll, &isnull);
    if (isnull)
      value_set_null(out);
    else {
      int r = 0;
      switch (e->binop) {
      case BO_EQ: r = c == 0; break;
      case BO_NE: r = c != 0; break;
      case BO_LT: r = c < 0; break;
      case BO_LE: r = c <= 0; break;
      case BO_GT: r = c > 0; break;
      case BO_GE: r = c >= 0; break;
      }
      value_set_int(out, r);
    }
  }
  value_release(&a);
  value_release(&b);
  return rc;
}

int expr_truth(Exec *x, PExpr *e, int *rc) {
  Value v;
  value_init(&v);
  *rc = expr_eval(x, e, &v);
  int t = -1;
  if (*rc == MICA_OK && v.type != VAL_NULL) t = expr_is_true(&v);
  value_release(&v);
  return t;
}

int expr_eval(Exec *x, PExpr *e, Value *out) {
  int rc = MICA_OK;
  Value a, b, c;
  switch (e->op) {
  case PX_CONST:
    value_release(out);
    value_borrow(out, &e->val);
    return MICA_OK;
  case PX_COL: {
    if (e->col == -1) {
      Slot *s = &x->slots[e->slot];
      if (s->nullrow)
        value_set_null(out);
      else
        value_set_int(out, s->rowid);
      return MICA_OK;
    }
    Value *v = slot_col(x, e->slot, e->col, &rc);
    if (rc) return rc;
    value_release(out);
    value_borrow(out, v);
    return MICA_OK;
  }
  case PX_WIN: {
    Value *v = slot_col(x, e->slot, e->sub->ncapture + e->agg_idx, &rc);
    if (rc) return rc;
    value_release(out);
    value_borrow(out, v);
    return MICA_OK;
  }
  case PX_AGG: {
    Value *v = slot_col(x, e->slot, e->sub->ncapture + e->agg_idx, &rc);
    if (rc) return rc;
    value_release(out);
    value_borrow(out, v);
    return MICA_OK;
  }
  case PX_PARAM: {
    value_release(out);
    if (x->stmt && e->param >= 1 && e->param <= x->stmt->nparam)
      value_borrow(out, &x->stmt->params[e->param - 1]);
    else
      value_init(out);
    return MICA_OK;
  }
  case PX_COLLATE:
  case PX_POS: return expr_eval(x, e->a, out);
  case PX_BIN:
    if (e->binop >= BO_EQ && e->binop <= BO_GE) return eval_cmp(x, e, out);
    value_init(&a);
    value_init(&b);
    rc = expr_eval(x, e->a, &a);
    if (rc == MICA_OK) rc = expr_eval(x, e->b, &b);
    if (rc == MICA_OK) {
      Value r;
      value_init(&r);
      switch (e->binop) {
      case BO_CONCAT: rc = concat(x, &a, &b, &r); break;
      case BO_BITAND:
      case BO_BITOR:
      case BO_LSHIFT:
      case BO_RSHIFT: rc = bitop(e->binop, &a, &b, &r); break;
      default: rc = arith(x, e->binop, &a, &b, &r); break;
      }
      value_release(out);
      value_move(out, &r);
    }
    value_release(&a);
    value_release(&b);
    return rc;
  case PX_AND:
  case PX_OR: {
    int ta = expr_truth(x, e->a, &rc);
    if (rc) return rc;
    if (e->op == PX_AND && ta == 0) {
      value_set_int(out, 0);
      return MICA_OK;
    }
    if (e->op == PX_OR && ta == 1) {
      value_set_int(out, 1);
      return MICA_OK;
    }
    int tb = expr_truth(x, e->b, &rc);
    if (rc) return rc;
    if (e->op == PX_AND) {
      if (tb == 0)
        value_set_int(out, 0);
      else if (ta == -1 || tb == -1)
        value_set_null(out);
      else
        value_set_int(out, 1);
    } else {
      if (tb == 1)
        value_set_int(out, 1);
      else if (ta == -1 || tb == -1)
        value_set_null(out);
      else
        value_set_int(out, 0);
    }
    return MICA_OK;
  }
  case PX_NOT: {
    int t = expr_truth(x, e->a, &rc);
    if (rc) return rc;
    if (t < 0)
      value_set_null(out);
    else
      value_set_int(out, !t);
    return MICA_OK;
  }
  case PX_NEG: {
    value_init(&a);
    rc = expr_eval(x, e->a, &a);
    if (rc == MICA_OK) {
      if (a.type == VAL_NULL)
        value_set_null(out);
      else {
        int isint;
        int64_t i;
        double r;
        value_numeric(&a, &isint, &i, &r);
        if (isint && i != INT64_MIN)
          value_set_int(out, -i);
        else if (isint)
          value_set_real(out, 9223372036854775808.0);
        else
          value_set_real(out, -r);
      }
    }
    value_release(&a);
    return rc;
  }
  case PX_BITNOT:
    value_init(&a);
    rc = expr_eval(x, e->a, &a);
    if (rc == MICA_OK) {
      if (a.type == VAL_NULL)
        value_set_null(out);
      else
        value_set_int(out, ~to_int(&a));
    }
    value_release(&a);
    return rc;
  case PX_IS: {
    value_init(&a);
    value_init(&b);
    rc = expr_eval(x, e->a, &a);
    if (rc == MICA_OK) rc = expr_eval(x, e->b, &b);
    if (rc == MICA_OK) {
      int r;
      if (a.type == VAL_NULL || b.type == VAL_NULL)
        r = a.type == b.type;
      else {
        int isnull;
        r = expr_compare(&a, e->a->aff, &b, e->b->aff, e->coll, &isnull) == 0;
      }
      value_set_int(out, e->not ? !r : r);
    }
    value_release(&a);
    value_release(&b);
    return rc;
  }
  case PX_ISNULL:
    value_init(&a);
    rc = expr_eval(x, e->a, &a);
    if (rc == MICA_OK) value_set_int(out, (a.type == VAL_NULL) != e->not );
    value_release(&a);
    return rc;
  case PX_BETWEEN: {
    value_init(&a);
    value_init(&b);
    value_init(&c);
    rc = expr_eval(x, e->a, &a);
    if (rc == MICA_OK) rc = expr_eval(x, e->b, &b);
    if (rc == MICA_OK) rc = expr_eval(x, e->c, &c);
    if (rc == MICA_OK) {
      /* a >= b AND a <= c, each comparison with its own affinity */
      Value a2;
      value_init(&a2);
      value_borrow(&a2, &a);
      int n1, n2;
      int c1 = expr_compare(&a, e->a->aff, &b, e->b->aff, e->coll, &n1);
      int c2 = expr_compare(&a2, e->a->aff, &c, e->c->aff, e->coll, &n2);
      int t1 = n1 ? -1 : c1 >= 0, t2 = n2 ? -1 : c2 <= 0;
      int t;
      if (t1 == 0 || t2 == 0)
        t = 0;
      else if (t1 < 0 || t2 < 0)
        t = -1;
      else
        t = 1;
      if (t < 0)
        value_set_null(out);
      else
        value_set_int(out, e->not ? !t : t);
      value_release(&a2);
    }
    value_release(&a);
    value_release(&b);
    value_release(&c);
    return rc;
  }
  case PX_INLIST: {
    if (e->nlist == 0) {
      value_set_int(out, e->not ? 1 : 0);
      return MICA_OK;
    }
    value_init(&a);
    rc = expr_eval(x, e->a, &a);
    if (rc) return rc;
    if (a.type == VAL_NULL) {
      value_release(&a);
      value_set_null(out);
      return MICA_OK;
    }
    int found = 0, sawnull = 0;
    for (int i = 0; i < e->nlist && !found && rc == MICA_OK; i++) {
      Value l, r;
      value_init(&l);
      value_init(&r);
      rc = expr_eval(x, e->list[i], &r);
      if (rc == MICA_OK) {
        value_borrow(&l, &a);
        int isnull;
        char raff = e->list[i]->aff;
        int cmp = expr_compare(&l, e->a->aff, &r, e->a->aff ? raff : raff, e->coll, &isnull);
        if (isnull)
          sawnull = 1;
        else if (cmp == 0)
          found = 1;
      }
      value_release(&l);
      value_release(&r);
    }
    value_release(&a);
    if (rc) return rc;
    if (found)
      value_set_int(out, !e->not );
    else if (sawnull)
      value_set_null(out);
    else
      value_set_int(out, e->not );
    return MICA_OK;
  }
  case PX_INSUB: {
    value_init(&a);
    rc = expr_eval(x, e->a, &a);
    int res = 0;
    if (rc == MICA_OK) rc = sub_in(x, e, &a, &res);
    value_release(&a);
    if (rc) return rc;
    if (res < 0)
      value_set_null(out);
    else
      value_set_int(out, e->not ? !res : res);
    return MICA_OK;
  }
  case PX_EXISTS:
    rc = sub_scalar(x, e, out);
    if (rc == MICA_OK && e->not ) value_set_int(out, !out->u.i);
    return rc;
  case PX_SCALAR: return sub_scalar(x, e, out);
  case PX_CASE: {
    value_init(&a);
    if (e->a) {
      rc = expr_eval(x, e->a, &a);
      if (rc) return rc;
    }
    for (int i = 0; i + 1 < e->nlist; i += 2) {
      int hit;
      if (e->a) {
        Value w, l;
        value_init(&w);
        value_init(&l);
        rc = expr_eval(x, e->list[i], &w);
        if (rc) {
          value_release(&a);
          return rc;
        }
        value_borrow(&l, &a);
        int isnull;
        int cmp = expr_compare(&l, e->a->aff, &w, e->list[i]->aff, e->coll, &isnull);
        hit = !isnull && cmp == 0;
        value_release(&w);
        value_release(&l);
      } else {
        hit = expr_truth(x, e->list[i], &rc) == 1;
        if (rc) {
          value_release(&a);
          return rc;
        }
      }
      if (hit) {
        value_release(&a);
        return expr_eval(x, e->list[i + 1], out);
      }
    }
    value_release(&a);
    if (e->c) return expr_eval(x, e->c, out);
    value_set_null(out);
    return MICA_OK;
  }
  case PX_CAST:
    rc = expr_eval(x, e->a, out);
    if (rc) return rc;
    rc = value_make_owned(out);
    if (rc == MICA_OK) rc = value_cast(out, e->cast_aff);
    return rc;
  case PX_FUNC: return call_func(x, e, out);
  case PX_LIKE: {
    value_init(&a);
    value_init(&b);
    value_init(&c);
    rc = expr_eval(x, e->a, &a);
    if (rc == MICA_OK) rc = expr_eval(x, e->b, &b);
    if (rc == MICA_OK && e->c) rc = expr_eval(x, e->c, &c);
    if (rc == MICA_OK) {
      /* the operator as the like()/glob() functions do it: pattern length limit, ESCAPE check, blobs,
       * NULLs, in SQLite's order */
      char *msg = NULL;
      rc = func_like_eval(&b, &a, e->c ? &c : NULL, e->glob, !x->db->case_sensitive_like, out, &msg);
      if (rc) {
        rc = mica_set_error(x->db, rc, "%s", msg ? msg : mica_errstr(rc));
        free(msg);
      } else if (e->not &&out->type == VAL_INT) {
        out->u.i = !out->u.i;
      }
    }
    value_release(&a);
    value_release(&b);
    value_release(&c);
    return rc;
  }
  case PX_VECTOR: return mica_set_error(x->db, MICA_ERROR, "row value misused");
  case PX_RAISE:
    /* IGNORE unwinds to the trigger that raised it (trigger.c); FAIL keeps the statement's changes and
     * ROLLBACK ends the transaction (mica.c) */
    if (e->raise_type == 0) x->db->raise_ignore = 1;
    if (e->raise_type == 1) x->db->err_action = 1;
    if (e->raise_type == 3) x->db->err_action = 3;
    return mica_set_error(x->db, MICA_CONSTRAINT_TRIGGER, "%s", e->raise_msg ? e->raise_msg : "");
  default: return mica_set_error(x->db, MICA_INTERNAL, "unknown expression node %d", e->op);
  }
}
