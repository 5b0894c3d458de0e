/*
 * func_agg.c: aggregate functions (count, sum, total, avg, min, max, group_concat) and the built-in
 * window functions (row_number, rank, dense_rank, percent_rank, cume_dist, ntile, lag, lead,
 * first_value, last_value, nth_value).
 *
 * AGGREGATE STATE lives in the block returned by mica_aggregate_context (see func.h for the calling
 * convention). States that own memory (min/max's copied Value, group_concat's buffer) release it in
 * xfinal; xvalue only reads.
 *
 * sum/total/avg follow SQLite 3.40: every argument is first given numeric affinity
 * (mica_value_numeric_type); integers are added exactly into an int64 (overflow is remembered and
 * reported by sum() as "integer overflow") and also into a double; any non-integer makes the result
 * approximate (real). Text that does not look numeric counts as 0.0 and makes the sum real.
 *
 * As window aggregates: count/sum/total/avg/group_concat implement xinverse (removing the oldest row
 * of the frame). group_concat's window result depends on the order of calls exactly as SQLite's
 * does (a buffer emptied by xinverse makes the next value start without a separator), so the
 * executor should call xinverse for rows leaving the frame before xstep for rows entering it, as
 * SQLite does. min/max have no xinverse, as in SQLite: an executor must recompute them for each
 * frame that loses rows (fresh state, xstep over the frame, xfinal), and likewise for any user
 * aggregate without xinverse.
 *
 * WINDOW-ONLY FUNCTIONS read the current row's position from ctx->win (FuncWindow, func.h) in xvalue
 * and xfinal; their xstep and xinverse do nothing, so no state is kept.
 */
#include <stdlib.h>
#include <string.h>

#include "func.h"
#include "printf.h"

/* ------------------------------------------------------------------ count */

typedef struct CountState {
  int64_t n;
} CountState;

static void count_step(mica_context *ctx, int argc, mica_value **argv) {
  CountState *s = mica_aggregate_context(ctx, sizeof *s);
  if (s && (argc == 0 || argv[0]->type != VAL_NULL)) s->n++;
}

static void count_inverse(mica_context *ctx, int argc, mica_value **argv) {
  CountState *s = mica_aggregate_context(ctx, sizeof *s);
  if (s && (argc == 0 || argv[0]->type != VAL_NULL)) s->n--;
}

static void count_value(mica_context *ctx) {
  CountState *s = mica_aggregate_context(ctx, 0);
  mica_result_int64(ctx, s ? s->n : 0);
}

/* ------------------------------------------------------------------ sum, total, avg */

typedef struct SumState {
  double rsum;  /* running sum as a double */
  int64_t isum; /* exact integer sum while !approx && !overflow */
  int64_t cnt;  /* non-NULL inputs */
  int overflow; /* isum overflowed */
  int approx;   /* a non-integer was added */
} SumState;

static void sum_step(mica_context *ctx, int argc, mica_value **argv) {
  SumState *s = mica_aggregate_context(ctx, sizeof *s);
  int t = mica_value_numeric_type(argv[0]);
  if (!s || t == VAL_NULL) return;
  s->cnt++;
  if (t == VAL_INT) {
    int64_t v = argv[0]->u.i;
    s->rsum += (double)v;
    if (!s->approx && !s->overflow && __builtin_add_overflow(s->isum, v, &s->isum))
      s->approx = s->overflow = 1;
  } else {
    s->rsum += value_as_real(argv[0]);
    s->approx = 1;
  }
}

static void sum_inverse(mica_context *ctx, int argc, mica_value **argv) {
  SumState *s = mica_aggregate_context(ctx, sizeof *s);
  int t = mica_value_numeric_type(argv[0]);
  if (!s || t == VAL_NULL) return;
  s->cnt--;
  if (t == VAL_INT && !s->approx) {
    int64_t v = argv[0]->u.i;
    s->rsum -= (double)v;
    s->isum = (int64_t)((uint64_t)s->isum - (uint64_t)v);
  } else {
    s->rsum -= value_as_real(argv[0]);
  }
}

static void sum_value(mica_context *ctx) {
  SumState *s = mica_aggregate_context(ctx, 0);
  if (!s || s->cnt <= 0) return;
  if (s->overflow)
    func_error(ctx, "integer overflow");
  else if (s->approx)
    mica_result_double(ctx, s->rsum);
  else
    mica_result_int64(ctx, s->isum);
}

static void avg_value(mica_context *ctx) {
  SumState *s = mica_aggregate_context(ctx, 0);
  if (s && s->cnt > 0) mica_result_double(ctx, s->rsum / (double)s->cnt);
}

static void total_value(mica_context *ctx) {
  SumState *s = mica_aggregate_context(ctx, 0);
  mica_result_double(ctx, s ? s->rsum : 0.0);
}

/* ------------------------------------------------------------------ min, max */

typedef struct MinMaxState {
  Value best;
  int has; /* best holds a value */
} MinMaxState;

/* userdata: 0 min, 1 max */
static void minmax_step(mica_context *ctx, int argc, mica_value **argv) {
  MinMaxState *s = mica_aggregate_context(ctx, sizeof *s);
  if (!s) return;
  Value *arg = argv[0];
  if (arg->type == VAL_NULL) {
    if (s->has) ctx->agg_skip_capture = 1;
    return;
  }
  if (s->has) {
    int want_max = (int)(intptr_t)mica_user_data(ctx);
    int c = value_compare(&s->best, arg, ctx->coll);
    if ((want_max && c < 0) || (!want_max && c > 0)) {
      if (value_copy(&s->best, arg)) mica_result_error_nomem(ctx);
    } else {
      ctx->agg_skip_capture = 1;
    }
  } else {
    value_init(&s->best);
    if (value_copy(&s->best, arg)) {
      mica_result_error_nomem(ctx);
      return;
    }
    s->has = 1;
  }
}

static void minmax_value(mica_context *ctx) {
  MinMaxState *s = mica_aggregate_context(ctx, 0);
  if (s && s->has) mica_result_value(ctx, &s->best);
}

static void minmax_final(mica_context *ctx) {
  MinMaxState *s = mica_aggregate_context(ctx, 0);
  if (!s) return;
  if (s->has) {
    mica_result_value(ctx, &s->best);
    value_release(&s->best);
    s->has = 0;
  }
}

/* ------------------------------------------------------------------ group_concat */

typedef struct ConcatState {
  StrBuf buf;
  int started;     /* a non-NULL value was appended (so the next one gets a separator) */
  int64_t nitems;  /* items currently in buf */
  int64_t head;    /* index of the first live entry of seplen */
  int64_t cap;     /* allocated entries of seplen */
  int64_t *seplen; /* separator bytes prepended to each item (first live item's is ignored) */
} ConcatState;

static void concat_step(mica_context *ctx, int argc, mica_value **argv) {
  if (argv[0]->type == VAL_NULL) return;
  ConcatState *s = mica_aggregate_context(ctx, sizeof *s);
  if (!s) return;
  int64_t sep = 0;
  if (s->started) {
    const char *z = ",";
    int n = 1;
    if (argc == 2) {
      z = argv[1]->type == VAL_NULL ? NULL : value_as_text(argv[1], &n);
      if (!z) n = 0;
    }
    if (n > 0) strbuf_append(&s->buf, z, n);
    sep = n;
  }
  int n;
  const char *z = value_as_text(argv[0], &n);
  if (!z) {
    mica_result_error_nomem(ctx);
    return;
  }
  strbuf_append(&s->buf, z, n);
  s->started = 1;
  if (s->head + s->nitems >= s->cap) {
    if (s->head > 0) {
      memmove(s->seplen, s->seplen + s->head, sizeof(int64_t) * (size_t)s->nitems);
      s->head = 0;
    }
    if (s->nitems >= s->cap) {
      int64_t cap = s->cap ? s->cap * 2 : 16;
      int64_t *p = realloc(s->seplen, sizeof(int64_t) * (size_t)cap);
      if (!p) {
        mica_result_error_nomem(ctx);
        return;
      }
      s->seplen = p;
      s->cap = cap;
    }
  }
  s->seplen[s->head + s->nitems++] = sep;
  if (s->buf.err) {
    if (s->buf.err == MICA_TOOBIG)
      mica_result_error_toobig(ctx);
    else
      mica_result_error_nomem(ctx);
  }
}

static void concat_inverse(mica_context *ctx, int argc, mica_value **argv) {
  if (argv[0]->type == VAL_NULL) return;
  ConcatState *s = mica_aggregate_context(ctx, sizeof *s);
  if (!s || s->nitems == 0) return;
  int n;
  if (!value_as_text(argv[0], &n)) {
    mica_result_error_nomem(ctx);
    return;
  }
  int64_t drop = n;
  s->head++;
  s->nitems--;
  if (s->nitems > 0) {
    drop += s->seplen[s->head]; /* the separator before the new first item goes too */
    s->seplen[s->head] = 0;
  }
  if (drop >= s->buf.n) { /* emptied: the next value starts afresh (no separator), as in SQLite */
    s->buf.n = 0;
    if (s->buf.z) s->buf.z[0] = 0;
    s->started = 0;
    s->nitems = 0;
    s->head = 0;
  } else {
    memmove(s->buf.z, s->buf.z + drop, (size_t)(s->buf.n - drop));
    s->buf.n -= drop;
    s->buf.z[s->buf.n] = 0;
  }
}

/* As in SQLite, the window value of an empty buffer is NULL even when the frame holds '' values. */
static void concat_value(mica_context *ctx) {
  ConcatState *s = mica_aggregate_context(ctx, 0);
  if (!s || !s->started || s->buf.n == 0) return;
  mica_result_text(ctx, s->buf.z ? s->buf.z : "", (int)s->buf.n, MICA_TRANSIENT);
}

static void concat_final(mica_context *ctx) {
  ConcatState *s = mica_aggregate_context(ctx, 0);
  if (!s) return;
  if (s->started && !s->buf.err) {
    int64_t n = s->buf.n;
    char *z = strbuf_finish(&s->buf);
    func_result_owned_text(ctx, z, n);
  }
  strbuf_reset(&s->buf);
  free(s->seplen);
  s->seplen = NULL;
  s->started = 0;
}

/* ------------------------------------------------------------------ window-only functions */

static void win_noop_step(mica_context *ctx, int argc, mica_value **argv) {}

static FuncWindow *win_of(mica_context *ctx) {
  if (!ctx->win) func_error(ctx, "misuse of window function %s()", ctx->func ? ctx->func->name : "");
  return ctx->win;
}

/* Evaluates argument argi at row into out; returns 0 on error (already reported on ctx). */
static int win_arg(mica_context *ctx, FuncWindow *w, int64_t row, int argi, Value *out) {
  if (argi >= w->nargs || !w->arg) return 1;
  int rc = w->arg(w->cookie, row, argi, out);
  if (rc == MICA_OK) return 1;
  if (rc == MICA_NOMEM)
    mica_result_error_nomem(ctx);
  else
    mica_result_error_code(ctx, rc);
  return 0;
}

static void row_number_value(mica_context *ctx) {
  FuncWindow *w = win_of(ctx);
  if (w) mica_result_int64(ctx, w->row);
}

static void rank_value(mica_context *ctx) {
  FuncWindow *w = win_of(ctx);
  if (w) mica_result_int64(ctx, w->peer_start);
}

static void dense_rank_value(mica_context *ctx) {
  FuncWindow *w = win_of(ctx);
  if (w) mica_result_int64(ctx, w->peer_group);
}

static void percent_rank_value(mica_context *ctx) {
  FuncWindow *w = win_of(ctx);
  if (!w) return;
  mica_result_double(ctx, w->part_size > 1 ? (double)(w->peer_start - 1) / (double)(w->part_size - 1) : 0.0);
}

static void cume_dist_value(mica_context *ctx) {
  FuncWindow *w = win_of(ctx);
  if (!w) return;
  mica_result_double(ctx, w->part_size > 0 ? (double)w->peer_end / (double)w->part_size : 0.0);
}

static void ntile_value(mica_context *ctx) {
  FuncWindow *w = win_of(ctx);
  if (!w) return;
  Value a;
  value_init(&a);
  if (!win_arg(ctx, w, w->row, 0, &a)) return;
  int64_t n = value_as_int(&a);
  int bad = a.type == VAL_NULL || n <= 0;
  value_release(&a);
  if (bad) {
    func_error(ctx, "argument of ntile must be a positive integer");
    return;
  }
  int64_t size = w->part_size / n, large = w->part_size % n, i = w->row - 1, bucket;
  if (size == 0) {
    bucket = i + 1;
  } else if (i < large * (size + 1)) {
    bucket = i / (size + 1) + 1;
  } else {
    bucket = (i - large * (size + 1)) / size + large + 1;
  }
  mica_result_int64(ctx, bucket);
}

/* lag (userdata 0) and lead (1): x at row -/+ offset within the partition, else the default. */
static void laglead_value(mica_context *ctx) {
  FuncWindow *w = win_of(ctx);
  if (!w) return;
  int lead = (int)(intptr_t)mica_user_data(ctx);
  int64_t off = 1;
  if (w->nargs >= 2) {
    Value a;
    value_init(&a);
    if (!win_arg(ctx, w, w->row, 1, &a)) return;
    /* SQLite adds the offset to a row number and seeks it: a NULL or non-integral offset finds no
     * row, so the default is returned */
    int t = mica_value_numeric_type(&a);
    int ok = t == VAL_INT ||
             (t == VAL_REAL && a.u.r > -9.2e18 && a.u.r < 9.2e18 && a.u.r == (double)(int64_t)a.u.r);
    off = t == VAL_INT ? a.u.i : ok ? (int64_t)a.u.r : 0;
    value_release(&a);
    if (!ok) off = INT64_MAX / 2; /* out of every partition */
    if (off > INT64_MAX / 4 || off < -INT64_MAX / 4) off = INT64_MAX / 4;
  }
  int64_t target = lead ? w->row + off : w->row - off;
  Value out;
  value_init(&out);
  int ok;
  if (target >= 1 && target <= w->part_size)
    ok = win_arg(ctx, w, target, 0, &out);
  else
    ok = w->nargs >= 3 ? win_arg(ctx, w, w->row, 2, &out) : 1;
  if (ok) value_move(ctx->out, &out);
  value_release(&out);
}

/* first_value (userdata 0), last_value (1), nth_value (2) over the frame */
static void frame_value(mica_context *ctx) {
  FuncWindow *w = win_of(ctx);
  if (!w) return;
  int kind = (int)(intptr_t)mica_user_data(ctx);
  int64_t target;
  if (kind == 2) {
    Value a;
    value_init(&a);
    if (!win_arg(ctx, w, w->row, 1, &a)) return;
    int ok = 0;
    int64_t n = 0;
    mica_value_numeric_type(&a);
    if (a.type == VAL_INT) {
      n = a.u.i;
      ok = n > 0;
    } else if (a.type == VAL_REAL && a.u.r > 0 && a.u.r < 9.2e18) {
      n = (int64_t)a.u.r;
      ok = (double)n == a.u.r && n > 0;
    }
    value_release(&a);
    if (!ok) {
      func_error(ctx, "second argument to nth_value must be a positive integer");
      return;
    }
    if (n > w->frame_end - w->frame_start + 1) return; /* beyond the frame (and no overflow) */
    target = w->frame_start + n - 1;
  } else {
    target = kind == 0 ? w->frame_start : w->frame_end;
  }
  if (w->frame_end < w->frame_start || target < w->frame_start || target > w->frame_end) return;
  Value out;
  value_init(&out);
  if (win_arg(ctx, w, target, 0, &out)) value_move(ctx->out, &out);
  value_release(&out);
}

/* ------------------------------------------------------------------ table */

#define DET MICA_DETERMINISTIC
#define AGG(name, n, flags, ud, step, final, value, inverse)                                                 \
  { name, n, flags, ud, NULL, step, final, value, inverse }
#define WIN(name, n, ud, value)                                                                              \
  AGG(name, n, DET | FUNC_WINDOW_ONLY, ud, win_noop_step, value, value, win_noop_step)

const FuncSpec func_agg_specs[] = {
    AGG("count", 0, DET, 0, count_step, count_value, count_value, count_inverse),
    AGG("count", 1, DET, 0, count_step, count_value, count_value, count_inverse),
    AGG("sum", 1, DET, 0, sum_step, sum_value, sum_value, sum_inverse),
    AGG("total", 1, DET, 0, sum_step, total_value, total_value, sum_inverse),
    AGG("avg", 1, DET, 0, sum_step, avg_value, avg_value, sum_inverse),
    AGG("min", 1, DET | FUNC_NEEDCOLL, 0, minmax_step, minmax_final, minmax_value, NULL),
    AGG("max", 1, DET | FUNC_NEEDCOLL, 1, minmax_step, minmax_final, minmax_value, NULL),
    AGG("group_concat", 1, DET, 0, concat_step, concat_final, concat_value, concat_inverse),
    AGG("group_concat", 2, DET, 0, concat_step, concat_final, concat_value, concat_inverse),
    WIN("row_number", 0, 0, row_number_value),
    WIN("rank", 0, 0, rank_value),
    WIN("dense_rank", 0, 0, dense_rank_value),
    WIN("percent_rank", 0, 0, percent_rank_value),
    WIN("cume_dist", 0, 0, cume_dist_value),
    WIN("ntile", 1, 0, ntile_value),
    WIN("lag", 1, 0, laglead_value),
    WIN("lag", 2, 0, laglead_value),
    WIN("lag", 3, 0, laglead_value),
    WIN("lead", 1, 1, laglead_value),
    WIN("lead", 2, 1, laglead_value),
    WIN("lead", 3, 1, laglead_value),
    WIN("first_value", 1, 0, frame_value),
    WIN("last_value", 1, 1, frame_value),
    WIN("nth_value", 2, 2, frame_value),
};
const int func_agg_nspecs = (int)(sizeof func_agg_specs / sizeof func_agg_specs[0]);
