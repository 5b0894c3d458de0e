/*
 * pgarrayfn.c: PostgreSQL's array functions and operators, registered on each session's connection
 * next to pgfunc.c's (pgw_array_functions_register). Arrays are text in PostgreSQL's array form
 * (pgarray.h).
 *
 *   pg_array(v..., T)              ARRAY[v, ...] (the parser's PostgreSQL dialect makes this call)
 *   pg_cast_array(v, T)            v::T[]: array input, validated and normalised
 *   pg_subscript(a, i, T)          a[i], 1-based; NULL outside the array
 *   pg_any(x, a, op, T), pg_all    x op ANY (a), x op ALL (a) for = <> < <= > >=, with SQL's NULL logic
 *   array_agg(x [ORDER BY ...], T) aggregate; NULL over no rows
 *   array_length(a, d), array_lower, array_upper, array_ndims, cardinality(a)
 *   array_to_string(a, sep [, null]), string_to_array(s, sep [, null])
 *   array_position(a, x [, start], T), array_append(a, x, T), array_prepend(x, a, T), array_cat(a, b),
 *   array_remove(a, x, T)
 *
 * T, the last argument of the calls that read or write elements, is a hidden argument the planner adds
 * (plan.c, "PostgreSQL arrays"): the array's static type name ("INTEGER[]", "varchar(20)[]"), or ""
 * when it is not known, in which case an element's type follows the value's storage class. Elements
 * are written in their type's output form (pgarray_elem_text) and read back as the engine holds that
 * type (pgarray_elem_value), so a[1] of an int4[] is an integer and x = ANY (a) compares numbers as
 * numbers. Comparisons order values as SQLite does (numbers, then text by bytes, then blobs).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pgarray.h"
#include "pgtypes.h"
#include "session_int.h"

/* ------------------------------------------------------------------------------------------------
 * Helpers.
 */
static void to_pgvalue(mica_value *m, pgvalue *v) {
  memset(v, 0, sizeof *v);
  v->type = mica_value_type(m);
  switch (v->type) {
  case MICA_INTEGER: v->i = mica_value_int64(m); break;
  case MICA_FLOAT: v->d = mica_value_double(m); break;
  case MICA_TEXT:
    v->p = mica_value_text(m);
    v->n = (size_t)mica_value_bytes(m);
    break;
  case MICA_BLOB:
    v->p = mica_value_blob(m);
    v->n = (size_t)mica_value_bytes(m);
    break;
  default: v->type = MICA_NULL; break;
  }
}

/* The element type named by the hidden argument T (0: unknown). */
static uint32_t elem_type(mica_value *t) {
  if (mica_value_type(t) != MICA_TEXT) return 0;
  return pgtypes_elem_of(pgtypes_from_decltype((const char *)mica_value_text(t)).oid);
}

/* The element type by a value's storage class, for arrays of unknown type. */
static uint32_t storage_elem(const pgvalue *v) {
  switch (v->type) {
  case MICA_INTEGER: return PGOID_INT8;
  case MICA_FLOAT: return PGOID_FLOAT8;
  case MICA_BLOB: return PGOID_BYTEA;
  default: return PGOID_TEXT;
  }
}

/* Parses array argument m into a; 1 when it is NULL (a left empty), 0 parsed, -1 error reported. */
static int get_array(mica_context *ctx, mica_value *m, pgarray *a) {
  memset(a, 0, sizeof *a);
  int t = mica_value_type(m);
  if (t == MICA_NULL) return 1;
  char err[300];
  const char *s = t == MICA_TEXT ? (const char *)mica_value_text(m) : "";
  size_t n = t == MICA_TEXT ? (size_t)mica_value_bytes(m) : 0;
  if (t != MICA_TEXT) {
    snprintf(err, sizeof err, "malformed array literal: \"%s\"",
             t == MICA_INTEGER ? "integer value"
             : t == MICA_FLOAT ? "real value"
                               : "blob value");
    mica_result_error(ctx, err, -1);
    return -1;
  }
  if (pgarray_parse(s, n, a, err, sizeof err)) {
    mica_result_error(ctx, err, -1);
    return -1;
  }
  return 0;
}

/* Hands array text b to the result (or reports its allocation failure). */
static void array_result(mica_context *ctx, pqbuf *b) {
  if (b->oom) {
    pqbuf_free(b);
    mica_result_error_nomem(ctx);
    return;
  }
  mica_result_text(ctx, b->data, (int)b->len, free);
  pqbuf_init(b);
}

/* Appends the element text of v (type elem) to array text b; 0, or -1 with the error reported. */
static int put_value(mica_context *ctx, pqbuf *b, int first, uint32_t elem, const pgvalue *v, pqbuf *tmp) {
  if (v->type == MICA_NULL) {
    pgarray_put_elem(b, first, NULL, 0);
    return 0;
  }
  char err[300];
  pqbuf_reset(tmp);
  if (pgarray_elem_text(tmp, elem ? elem : storage_elem(v), v, err, sizeof err)) {
    mica_result_error(ctx, err, -1);
    return -1;
  }
  pgarray_put_elem(b, first, tmp->data ? tmp->data : "", tmp->len);
  return 0;
}

/* Orders two values as SQLite does: NULLs, numbers (by value), text (by bytes), blobs (by bytes). */
static int value_cmp(const pgvalue *a, const pgvalue *b) {
  static const int rank[] = {
      [MICA_NULL] = 0, [MICA_INTEGER] = 1, [MICA_FLOAT] = 1, [MICA_TEXT] = 2, [MICA_BLOB] = 3};
  int ra = rank[a->type], rb = rank[b->type];
  if (ra != rb) return ra < rb ? -1 : 1;
  if (ra == 0) return 0;
  if (ra == 1) {
    if (a->type == MICA_INTEGER && b->type == MICA_INTEGER) return a->i < b->i ? -1 : a->i > b->i;
    double x = a->type == MICA_INTEGER ? (double)a->i : a->d,
           y = b->type == MICA_INTEGER ? (double)b->i : b->d;
    return x < y ? -1 : x > y;
  }
  size_t n = a->n < b->n ? a->n : b->n;
  int c = n ? memcmp(a->p, b->p, n) : 0;
  if (c) return c < 0 ? -1 : 1;
  return a->n < b->n ? -1 : a->n > b->n;
}

/* x as an element of type elem would be held (so '2' meets 2 in an int4[]). The value may point into
 * *scratch or tmp. 0, or -1 with the error reported. */
static int as_element(mica_context *ctx, uint32_t elem, const pgvalue *x, pgvalue *out, pqbuf *tmp,
                      char **scratch) {
  *scratch = NULL;
  int numeric_elem = elem == PGOID_INT2 || elem == PGOID_INT4 || elem == PGOID_INT8 || elem == PGOID_OID ||
                     elem == PGOID_FLOAT4 || elem == PGOID_FLOAT8 || elem == PGOID_NUMERIC;
  if (x->type == MICA_NULL || ((x->type == MICA_INTEGER || x->type == MICA_FLOAT) && numeric_elem)) {
    *out = *x; /* a number meets numbers as it is (1.5 = ANY ('{2}'::int[]) is false) */
    return 0;
  }
  char err[300];
  pqbuf_reset(tmp);
  if (pgarray_elem_text(tmp, elem, x, err, sizeof err)) {
    mica_result_error(ctx, err, -1);
    return -1;
  }
  pgarray_elem_value(elem, tmp->data ? tmp->data : "", tmp->len, out, scratch);
  return 0;
}

/* Compares x with element e of type elem; sets *cmp. 0, or -1 with the error reported. */
static int elem_cmp(mica_context *ctx, uint32_t elem, const pgvalue *x, const pgarray_elem *e, int *cmp) {
  pgvalue v;
  char *scratch = NULL;
  if (pgarray_elem_value(elem, e->p, e->n, &v, &scratch)) {
    char err[300];
    snprintf(err, sizeof err, "invalid input syntax for type %s: \"%.*s\"",
             pgtypes_name(elem) ? pgtypes_name(elem) : "unknown", (int)(e->n < 200 ? e->n : 200), e->p);
    mica_result_error(ctx, err, -1);
    return -1;
  }
  *cmp = value_cmp(x, &v);
  free(scratch);
  return 0;
}

/* ------------------------------------------------------------------------------------------------
 * Constructors and casts.
 */
static void fn_array(mica_context *ctx, int argc, mica_value **argv) {
  if (argc < 1) {
    mica_result_error(ctx, "pg_array needs its type argument", -1);
    return;
  }
  uint32_t elem = elem_type(argv[argc - 1]);
  pqbuf b, tmp;
  pqbuf_init(&b);
  pqbuf_init(&tmp);
  pqbuf_put_byte(&b, '{');
  int rc = 0;
  for (int i = 0; i < argc - 1 && !rc; i++) {
    pgvalue v;
    to_pgvalue(argv[i], &v);
    rc = put_value(ctx, &b, i == 0, elem, &v, &tmp);
  }
  pqbuf_put_byte(&b, '}');
  pqbuf_free(&tmp);
  if (rc)
    pqbuf_free(&b);
  else
    array_result(ctx, &b);
}

/* Keeps data with the call's argument arg (auxdata), owned by the call from then on: 1, or 0 when the
 * engine would not keep it (the caller still owns it). Frees what was kept there before. */
static int keep_auxdata(mica_context *ctx, int arg, void *data, mica_destructor destroy) {
  mica_set_auxdata(ctx, arg, data, NULL);
  if (mica_get_auxdata(ctx, arg) != data) return 0;
  mica_set_auxdata(ctx, arg, data, destroy);
  return 1;
}

/* The last cast made by a pg_cast_array call: a constant ('{1,2}'::int[] in a WHERE clause) is read once
 * per statement, not once per row. */
typedef struct cast_memo {
  char *in, *out;
  size_t nin, nout;
} cast_memo;

static void cast_memo_free(void *p) {
  cast_memo *m = p;
  if (!m) return;
  free(m->in);
  free(m->out);
  free(m);
}

static void fn_cast_array(mica_context *ctx, int argc, mica_value **argv) {
  (void)argc;
  int t = mica_value_type(argv[0]);
  if (t == MICA_NULL) return;
  const char *in = t == MICA_TEXT ? (const char *)mica_value_text(argv[0]) : "";
  size_t nin = (size_t)mica_value_bytes(argv[0]);
  cast_memo *m = mica_get_auxdata(ctx, 0);
  if (m && m->nin == nin && !memcmp(m->in, in, nin)) { /* the type argument is a constant */
    mica_result_text(ctx, m->out, (int)m->nout, MICA_TRANSIENT);
    return;
  }
  uint32_t aoid = pgtypes_from_decltype((const char *)mica_value_text(argv[1])).oid;
  uint32_t elem = pgtypes_elem_of(aoid);
  char err[300];
  if (t != MICA_TEXT) {
    snprintf(err, sizeof err, "cannot cast type %s to %s",
             t == MICA_INTEGER ? "integer"
             : t == MICA_FLOAT ? "double precision"
                               : "bytea",
             pgtypes_name(aoid) ? pgtypes_name(aoid) : "array");
    mica_result_error(ctx, err, -1);
    return;
  }
  pqbuf b;
  pqbuf_init(&b);
  if (pgarray_normalise(&b, elem, in, nin, err, sizeof err)) {
    pqbuf_free(&b);
    mica_result_error(ctx, err, -1);
    return;
  }
  if (!b.oom && (m = calloc(1, sizeof *m)) != NULL) {
    m->in = malloc(nin + 1);
    m->out = malloc(b.len + 1);
    if (m->in && m->out) {
      memcpy(m->in, in, nin);
      memcpy(m->out, b.data, b.len);
      m->nin = nin;
      m->nout = b.len;
    }
    if (!m->in || !m->out || !keep_auxdata(ctx, 0, m, cast_memo_free)) cast_memo_free(m);
  }
  array_result(ctx, &b);
}

/* ------------------------------------------------------------------------------------------------
 * Element access and comparisons.
 */
static void fn_subscript(mica_context *ctx, int argc, mica_value **argv) {
  (void)argc;
  pgarray a;
  if (mica_value_type(argv[1]) == MICA_NULL || get_array(ctx, argv[0], &a)) return;
  int64_t i = mica_value_int64(argv[1]);
  if (i >= 1 && i <= a.n && !a.e[i - 1].is_null) {
    pgvalue v;
    char *scratch = NULL;
    if (pgarray_elem_value(elem_type(argv[2]), a.e[i - 1].p, a.e[i - 1].n, &v, &scratch)) {
      v.type = MICA_TEXT; /* not readable as its type: the text as it is */
      v.p = (const unsigned char *)a.e[i - 1].p;
      v.n = a.e[i - 1].n;
    }
    switch (v.type) {
    case MICA_INTEGER: mica_result_int64(ctx, v.i); break;
    case MICA_FLOAT: mica_result_double(ctx, v.d); break;
    case MICA_BLOB: mica_result_blob(ctx, v.p, (int)v.n, MICA_TRANSIENT); break;
    default: mica_result_text(ctx, (const char *)v.p, (int)v.n, MICA_TRANSIENT); break;
    }
    free(scratch);
  }
  pgarray_free(&a);
}

static int op_holds(const char *op, int c) {
  if (!strcmp(op, "=")) return c == 0;
  if (!strcmp(op, "<>")) return c != 0;
  if (!strcmp(op, "<")) return c < 0;
  if (!strcmp(op, "<=")) return c <= 0;
  if (!strcmp(op, ">")) return c > 0;
  return c >= 0;
}

/* The elements of an array argument read as values of their type, kept with the call (auxdata) while
 * the argument's text stays the same: x = ANY ($1) reads its array once per statement, not per row. */
typedef struct elem_cache {
  char *text; /* the array text it was made from */
  size_t n;
  uint32_t elem;
  pgarray a;
  pgvalue *v;     /* [a.n], MICA_NULL for NULL elements */
  char **scratch; /* [a.n], what v points into besides a */
} elem_cache;

static void elem_cache_free(void *p) {
  elem_cache *c = p;
  if (!c) return;
  for (int i = 0; c->scratch && i < c->a.n; i++)
    free(c->scratch[i]);
  free(c->scratch);
  free(c->v);
  free(c->text);
  pgarray_free(&c->a);
  free(c);
}

/* The elements of array argument argv[arg] as values of type elem. NULL with *state 1 when the array is
 * NULL, -1 on an error (reported); *state 2 when the caller must free the result (elem_cache_free). */
static elem_cache *cached_elems(mica_context *ctx, mica_value **argv, int arg, uint32_t elem, int *state) {
  *state = 0;
  mica_value *m = argv[arg];
  if (mica_value_type(m) == MICA_NULL) {
    *state = 1;
    return NULL;
  }
  const char *s = mica_value_type(m) == MICA_TEXT ? (const char *)mica_value_text(m) : "";
  size_t n = (size_t)mica_value_bytes(m);
  elem_cache *c = mica_get_auxdata(ctx, arg);
  if (c && c->elem == elem && c->n == n && !memcmp(c->text, s, n)) return c;
  c = calloc(1, sizeof *c);
  if (!c || !(c->text = malloc(n + 1))) {
    free(c);
    mica_result_error_nomem(ctx);
    *state = -1;
    return NULL;
  }
  memcpy(c->text, s, n);
  c->n = n;
  c->elem = elem;
  if (get_array(ctx, m, &c->a)) {
    elem_cache_free(c);
    *state = -1;
    return NULL;
  }
  c->v = calloc((size_t)c->a.n + 1, sizeof *c->v);
  c->scratch = calloc((size_t)c->a.n + 1, sizeof *c->scratch);
  if (!c->v || !c->scratch) {
    elem_cache_free(c);
    mica_result_error_nomem(ctx);
    *state = -1;
    return NULL;
  }
  for (int i = 0; i < c->a.n; i++) {
    const pgarray_elem *e = &c->a.e[i];
    if (e->is_null) {
      c->v[i].type = MICA_NULL;
    } else if (pgarray_elem_value(elem, e->p, e->n, &c->v[i], &c->scratch[i])) {
      char err[300];
      snprintf(err, sizeof err, "invalid input syntax for type %s: \"%.*s\"",
               pgtypes_name(elem) ? pgtypes_name(elem) : "unknown", (int)(e->n < 200 ? e->n : 200), e->p);
      mica_result_error(ctx, err, -1);
      elem_cache_free(c);
      *state = -1;
      return NULL;
    }
  }
  if (!keep_auxdata(ctx, arg, c, elem_cache_free)) *state = 2; /* not kept: the caller frees it */
  return c;
}

/* x op ANY/ALL (a): 1 true, 0 false, -1 NULL, -2 error reported. ANY is true when op holds for an
 * element, else NULL when x or an element is NULL, else false; ALL is false when op fails for an
 * element, else NULL when x or an element is NULL, else true. An empty array: ANY false, ALL true. */
static int any_all(mica_context *ctx, mica_value **argv, int all) {
  pgvalue x0, x;
  to_pgvalue(argv[0], &x0);
  uint32_t elem = elem_type(argv[3]);
  if (!elem) elem = storage_elem(&x0);
  int state;
  elem_cache *c = cached_elems(ctx, argv, 1, elem, &state);
  if (!c) return state < 0 ? -2 : -1;
  const char *op = (const char *)mica_value_text(argv[2]);
  int decided = 0, unknown = 0, err = 0;
  pqbuf tmp;
  pqbuf_init(&tmp);
  char *scratch = NULL;
  if (c->a.n > 0 && x0.type == MICA_NULL)
    unknown = 1;
  else if (c->a.n > 0 && as_element(ctx, elem, &x0, &x, &tmp, &scratch))
    err = 1;
  for (int i = 0; i < c->a.n && !err && !decided && x0.type != MICA_NULL; i++) {
    if (c->v[i].type == MICA_NULL)
      unknown = 1;
    else if (op_holds(op, value_cmp(&x, &c->v[i])) != all)
      decided = 1;
  }
  free(scratch);
  pqbuf_free(&tmp);
  if (state == 2) elem_cache_free(c);
  if (err) return -2;
  if (decided) return !all;
  return unknown ? -1 : all;
}

static void any_all_result(mica_context *ctx, int r) {
  if (r >= 0) mica_result_int(ctx, r);
}

static void fn_any(mica_context *ctx, int argc, mica_value **argv) {
  (void)argc;
  any_all_result(ctx, any_all(ctx, argv, 0));
}

static void fn_all(mica_context *ctx, int argc, mica_value **argv) {
  (void)argc;
  any_all_result(ctx, any_all(ctx, argv, 1));
}

/* ------------------------------------------------------------------------------------------------
 * array_agg.
 */
typedef struct agg_state {
  int started;
  int n;
  pqbuf b;
} agg_state;

static void array_agg_step(mica_context *ctx, int argc, mica_value **argv) {
  agg_state *s = mica_aggregate_context(ctx, sizeof *s);
  if (!s) {
    mica_result_error_nomem(ctx);
    return;
  }
  if (!s->started) {
    pqbuf_init(&s->b);
    pqbuf_put_byte(&s->b, '{');
    s->started = 1;
  }
  pgvalue v;
  to_pgvalue(argv[0], &v);
  pqbuf tmp;
  pqbuf_init(&tmp);
  if (!put_value(ctx, &s->b, s->n == 0, elem_type(argv[argc - 1]), &v, &tmp)) s->n++;
  pqbuf_free(&tmp);
}

static void array_agg_final(mica_context *ctx) {
  agg_state *s = mica_aggregate_context(ctx, 0);
  if (!s || !s->started) return; /* no rows: NULL */
  pqbuf_put_byte(&s->b, '}');
  array_result(ctx, &s->b);
  pqbuf_free(&s->b);
  s->started = 0;
}

/* ------------------------------------------------------------------------------------------------
 * Sizes and text.
 */
static void fn_array_length(mica_context *ctx, int argc, mica_value **argv) {
  (void)argc;
  pgarray a;
  if (mica_value_type(argv[1]) == MICA_NULL || get_array(ctx, argv[0], &a)) return;
  if (mica_value_int64(argv[1]) == 1 && a.n > 0) mica_result_int(ctx, a.n);
  pgarray_free(&a);
}

static void fn_array_lower(mica_context *ctx, int argc, mica_value **argv) {
  (void)argc;
  pgarray a;
  if (mica_value_type(argv[1]) == MICA_NULL || get_array(ctx, argv[0], &a)) return;
  if (mica_value_int64(argv[1]) == 1 && a.n > 0) mica_result_int(ctx, 1);
  pgarray_free(&a);
}

static void fn_array_ndims(mica_context *ctx, int argc, mica_value **argv) {
  (void)argc;
  pgarray a;
  if (get_array(ctx, argv[0], &a)) return;
  if (a.n > 0) mica_result_int(ctx, 1);
  pgarray_free(&a);
}

static void fn_cardinality(mica_context *ctx, int argc, mica_value **argv) {
  (void)argc;
  pgarray a;
  if (get_array(ctx, argv[0], &a)) return;
  mica_result_int(ctx, a.n);
  pgarray_free(&a);
}

static void fn_array_to_string(mica_context *ctx, int argc, mica_value **argv) {
  pgarray a;
  if (mica_value_type(argv[1]) == MICA_NULL || get_array(ctx, argv[0], &a)) return;
  const char *sep = (const char *)mica_value_text(argv[1]);
  size_t nsep = (size_t)mica_value_bytes(argv[1]);
  int has_null_str = argc > 2 && mica_value_type(argv[2]) != MICA_NULL;
  const char *nstr = has_null_str ? (const char *)mica_value_text(argv[2]) : "";
  size_t nnstr = has_null_str ? (size_t)mica_value_bytes(argv[2]) : 0;
  pqbuf b;
  pqbuf_init(&b);
  int any = 0;
  for (int i = 0; i < a.n; i++) {
    if (a.e[i].is_null && !has_null_str) continue;
    if (any) pqbuf_put_bytes(&b, sep, nsep);
    if (a.e[i].is_null)
      pqbuf_put_bytes(&b, nstr, nnstr);
    else
      pqbuf_put_bytes(&b, a.e[i].p, a.e[i].n);
    any = 1;
  }
  pgarray_free(&a);
  if (b.oom) {
    pqbuf_free(&b);
    mica_result_error_nomem(ctx);
    return;
  }
  mica_result_text(ctx, b.data ? b.data : "", (int)b.len, MICA_TRANSIENT);
  pqbuf_free(&b);
}

static void fn_string_to_array(mica_context *ctx, int argc, mica_value **argv) {
  if (mica_value_type(argv[0]) == MICA_NULL) return;
  const char *s = (const char *)mica_value_text(argv[0]);
  size_t n = (size_t)mica_value_bytes(argv[0]);
  int sep_null = mica_value_type(argv[1]) == MICA_NULL;
  const char *sep = sep_null ? "" : (const char *)mica_value_text(argv[1]);
  size_t nsep = sep_null ? 0 : (size_t)mica_value_bytes(argv[1]);
  int has_null_str = argc > 2 && mica_value_type(argv[2]) != MICA_NULL;
  const char *nstr = has_null_str ? (const char *)mica_value_text(argv[2]) : NULL;
  size_t nnstr = has_null_str ? (size_t)mica_value_bytes(argv[2]) : 0;
  pqbuf b;
  pqbuf_init(&b);
  pqbuf_put_byte(&b, '{');
  size_t i = 0;
  int first = 1;
  while (n > 0 && i <= n) {
    size_t len;
    if (sep_null) /* every character an element */
      len = i < n ? 1 : 0;
    else if (nsep == 0) /* the whole string one element */
      len = n;
    else {
      const char *hit = NULL;
      for (size_t k = i; k + nsep <= n && !hit; k++)
        if (!memcmp(s + k, sep, nsep)) hit = s + k;
      len = hit ? (size_t)(hit - (s + i)) : n - i;
    }
    if (sep_null && i == n) break;
    int is_null = has_null_str && len == nnstr && !memcmp(s + i, nstr, len);
    pgarray_put_elem(&b, first, is_null ? NULL : s + i, len);
    first = 0;
    if (sep_null)
      i += 1;
    else if (nsep == 0 || i + len >= n)
      break;
    else
      i += len + nsep;
    /* a separator at the very end leaves one empty element */
    if (!sep_null && nsep && i == n) {
      int last_null = has_null_str && nnstr == 0;
      pgarray_put_elem(&b, 0, last_null ? NULL : "", 0);
      break;
    }
  }
  pqbuf_put_byte(&b, '}');
  array_result(ctx, &b);
}

/* ------------------------------------------------------------------------------------------------
 * Searching and building.
 */
/* The 1-based position of the first element not distinct from x at or after start, 0 if none; -1 on
 * an error (reported). */
static int find_elem(mica_context *ctx, const pgarray *a, uint32_t elem, const pgvalue *x0, int start) {
  pqbuf tmp;
  pqbuf_init(&tmp);
  pgvalue x;
  char *scratch = NULL;
  int pos = 0;
  if (x0->type != MICA_NULL && as_element(ctx, elem, x0, &x, &tmp, &scratch)) pos = -1;
  for (int i = start > 1 ? start - 1 : 0; i < a->n && pos == 0; i++) {
    int c = 1;
    if (a->e[i].is_null || x0->type == MICA_NULL)
      c = a->e[i].is_null && x0->type == MICA_NULL ? 0 : 1;
    else if (elem_cmp(ctx, elem, &x, &a->e[i], &c))
      pos = -1;
    if (pos == 0 && c == 0) pos = i + 1;
  }
  free(scratch);
  pqbuf_free(&tmp);
  return pos;
}

static void fn_array_position(mica_context *ctx, int argc, mica_value **argv) {
  pgarray a;
  if (get_array(ctx, argv[0], &a)) return;
  pgvalue x;
  to_pgvalue(argv[1], &x);
  uint32_t elem = elem_type(argv[argc - 1]);
  if (!elem) elem = storage_elem(&x);
  int start = 1;
  if (argc == 4) {
    if (mica_value_type(argv[2]) == MICA_NULL) {
      pgarray_free(&a);
      mica_result_error(ctx, "initial position must not be null", -1);
      return;
    }
    start = (int)mica_value_int64(argv[2]);
  }
  int pos = find_elem(ctx, &a, elem, &x, start);
  if (pos > 0) mica_result_int(ctx, pos);
  pgarray_free(&a);
}

/* Appends the elements of a (already in output form) to b. */
static void put_elems(pqbuf *b, const pgarray *a, int *first) {
  for (int i = 0; i < a->n; i++) {
    pgarray_put_elem(b, *first, a->e[i].is_null ? NULL : a->e[i].p, a->e[i].n);
    *first = 0;
  }
}

/* array_append(a, x, T) and array_prepend(x, a, T). */
static void append_prepend(mica_context *ctx, mica_value *arr, mica_value *xv, mica_value *t, int prepend) {
  pgarray a;
  if (get_array(ctx, arr, &a) < 0) return;
  pgvalue x;
  to_pgvalue(xv, &x);
  pqbuf b, tmp;
  pqbuf_init(&b);
  pqbuf_init(&tmp);
  int first = 1, rc = 0;
  pqbuf_put_byte(&b, '{');
  if (prepend) {
    rc = put_value(ctx, &b, 1, elem_type(t), &x, &tmp);
    first = 0;
  }
  put_elems(&b, &a, &first);
  if (!prepend) rc = put_value(ctx, &b, first, elem_type(t), &x, &tmp);
  pqbuf_put_byte(&b, '}');
  pqbuf_free(&tmp);
  pgarray_free(&a);
  if (rc)
    pqbuf_free(&b);
  else
    array_result(ctx, &b);
}

static void fn_array_append(mica_context *ctx, int argc, mica_value **argv) {
  (void)argc;
  append_prepend(ctx, argv[0], argv[1], argv[2], 0);
}

static void fn_array_prepend(mica_context *ctx, int argc, mica_value **argv) {
  (void)argc;
  append_prepend(ctx, argv[1], argv[0], argv[2], 1);
}

static void fn_array_cat(mica_context *ctx, int argc, mica_value **argv) {
  (void)argc;
  pgarray a, b2;
  int ra = get_array(ctx, argv[0], &a);
  if (ra < 0) return;
  int rb = get_array(ctx, argv[1], &b2);
  if (rb < 0 || (ra == 1 && rb == 1)) {
    pgarray_free(&a);
    return;
  }
  pqbuf b;
  pqbuf_init(&b);
  int first = 1;
  pqbuf_put_byte(&b, '{');
  put_elems(&b, &a, &first);
  put_elems(&b, &b2, &first);
  pqbuf_put_byte(&b, '}');
  pgarray_free(&a);
  pgarray_free(&b2);
  array_result(ctx, &b);
}

static void fn_array_remove(mica_context *ctx, int argc, mica_value **argv) {
  (void)argc;
  pgarray a;
  if (get_array(ctx, argv[0], &a)) return;
  pgvalue x;
  to_pgvalue(argv[1], &x);
  uint32_t elem = elem_type(argv[2]);
  if (!elem) elem = storage_elem(&x);
  pqbuf b;
  pqbuf_init(&b);
  pqbuf_put_byte(&b, '{');
  int first = 1, start = 1, pos;
  while ((pos = find_elem(ctx, &a, elem, &x, start)) > 0) {
    for (int i = start - 1; i < pos - 1; i++) {
      pgarray_put_elem(&b, first, a.e[i].is_null ? NULL : a.e[i].p, a.e[i].n);
      first = 0;
    }
    start = pos + 1;
  }
  for (int i = start - 1; pos == 0 && i < a.n; i++) {
    pgarray_put_elem(&b, first, a.e[i].is_null ? NULL : a.e[i].p, a.e[i].n);
    first = 0;
  }
  pqbuf_put_byte(&b, '}');
  pgarray_free(&a);
  if (pos < 0)
    pqbuf_free(&b);
  else
    array_result(ctx, &b);
}

int pgw_array_functions_register(pgw_session *s) {
  static const struct {
    const char *name;
    int nargs;
    mica_func_fn fn;
  } fns[] = {
      {"pg_array", -1, fn_array},
      {"pg_cast_array", 2, fn_cast_array},
      {"pg_subscript", 3, fn_subscript},
      {"pg_any", 4, fn_any},
      {"pg_all", 4, fn_all},
      {"array_length", 2, fn_array_length},
      {"array_lower", 2, fn_array_lower},
      {"array_upper", 2, fn_array_length},
      {"array_ndims", 1, fn_array_ndims},
      {"cardinality", 1, fn_cardinality},
      {"array_to_string", 2, fn_array_to_string},
      {"array_to_string", 3, fn_array_to_string},
      {"string_to_array", 2, fn_string_to_array},
      {"string_to_array", 3, fn_string_to_array},
      {"array_position", 3, fn_array_position},
      {"array_position", 4, fn_array_position},
      {"array_append", 3, fn_array_append},
      {"array_prepend", 3, fn_array_prepend},
      {"array_cat", 2, fn_array_cat},
      {"array_remove", 3, fn_array_remove},
  };
  for (size_t i = 0; i < sizeof fns / sizeof fns[0]; i++) {
    int rc = mica_create_function(s->db, fns[i].name, fns[i].nargs, MICA_UTF8 | MICA_DETERMINISTIC, s,
                                  fns[i].fn, NULL, NULL, NULL, NULL, NULL);
    if (rc != MICA_OK) return rc;
  }
  return mica_create_function(s->db, "array_agg", 2, MICA_UTF8, s, NULL, array_agg_step, array_agg_final,
                              NULL, NULL, NULL);
}
