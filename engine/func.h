/*
 * func.h: the built-in SQL functions (scalar, aggregate, window, math, date/time, JSON), the LIKE and
 * GLOB matchers, and the contract between window functions and the executor.
 *
 * REGISTRATION. func_register_builtins(db) registers every built-in through mica_create_function,
 * exactly as a user function would be (so a user function of the same name and arity replaces it).
 * The built-ins are described by static FuncSpec tables, one per source file (func.c core scalars,
 * func_agg.c aggregates and window functions, func_math.c, func_date.c, func_json.c);
 * func_find_builtin looks one up without a connection (unit tests use it).
 *
 * CALLING CONVENTIONS the executor must follow (the same as SQLite's):
 *   - Scalar: xfunc(ctx, argc, argv) with ctx->out initialised to NULL. Errors: ctx->is_error, with
 *     ctx->error_rc and a malloc'd ctx->errmsg (the caller frees it).
 *   - Aggregate: xstep once per row of the group, then xfinal once. The state lives in *ctx->agg_state
 *     (one calloc'd block from mica_aggregate_context; the caller frees that block with free() after
 *     xfinal). xfinal also releases anything the state points to (group_concat's buffer, min/max's
 *     copied value), so the executor must call xfinal for every group that had a step, even on the
 *     error path, or those allocations leak. xfinal with no prior step (empty group) must work too:
 *     count() gives 0, sum() NULL, total() 0.0.
 *   - Aggregate as window function over a moving frame: xstep adds a row, xinverse removes the oldest
 *     row (argv are that row's arguments), xvalue reports the current result without ending the
 *     state, xfinal ends it. Every built-in aggregate implements xinverse and xvalue.
 *   - FUNC_NEEDCOLL functions (min, max, nullif) compare text with ctx->coll (NULL: BINARY).
 *   - Window-only functions (flag FUNC_WINDOW_ONLY: row_number, rank, dense_rank, percent_rank,
 *     cume_dist, ntile, lag, lead, first_value, last_value, nth_value) are registered with xstep,
 *     xinverse (both no-ops), xvalue and xfinal. They compute their result from ctx->win, which the
 *     executor must fill for the current row before calling xvalue (or xfinal); see FuncWindow.
 *     Arguments are fetched through win->arg, also for the current row (lag's offset and default,
 *     ntile's bucket count are evaluated at the current row).
 *
 * LIKE / GLOB. func_like_match and func_glob_match implement the operators (SQLite's algorithm and
 * rules: '%' and '_' / '*', '?' and "[...]" sets with ranges and '^'; LIKE folds only ASCII case,
 * and only when nocase; esc is the ESCAPE character as a code point, 0 for none). Both take
 * NUL-terminated UTF-8 and return 1 on a match, 0 otherwise. The reference SQLite (Debian's 3.40)
 * is built with SQLITE_LIKE_DOESNT_MATCH_BLOBS: when either operand is a BLOB, LIKE and GLOB give 0
 * (even if the other is NULL). The like()/glob() functions do this; an executor that evaluates the
 * operators by calling the matchers directly must check it first (then NULL -> NULL, then text).
 */
#ifndef MICA_FUNC_H
#define MICA_FUNC_H

#include <stdint.h>

#include "mica.h"
#include "value.h"

/* Window-function context for the current row, filled by the executor (ctx->win). Row numbers are
 * 1-based positions within the partition, in the window's ORDER BY order. */
typedef struct FuncWindow {
  int64_t row;         /* the current row */
  int64_t part_size;   /* rows in the partition */
  int64_t peer_start;  /* first row of the current row's peer group (rows equal in ORDER BY) */
  int64_t peer_end;    /* last row of that peer group; without ORDER BY the whole partition */
  int64_t peer_group;  /* 1-based index of that peer group within the partition (dense_rank) */
  int64_t frame_start; /* the current row's frame, inclusive; frame_end < frame_start: empty */
  int64_t frame_end;
  int nargs; /* arguments of the call */
  /* Evaluates argument argi (0-based) of the call at partition row `row` into out (which the caller
   * has value_init'ed and releases). Returns MICA_OK or an error code. */
  int (*arg)(void *cookie, int64_t row, int argi, Value *out);
  void *cookie;
} FuncWindow;

/* One built-in function. */
typedef struct FuncSpec {
  const char *name;
  int nargs; /* -1: any */
  int flags; /* MICA_DETERMINISTIC, FUNC_NEEDCOLL, FUNC_WINDOW_ONLY */
  intptr_t userdata;
  mica_func_fn xfunc;
  mica_func_fn xstep;
  mica_final_fn xfinal;
  mica_final_fn xvalue;
  mica_func_fn xinverse;
} FuncSpec;

/* Registers every built-in function on db. Returns MICA_OK or the first error. */
int func_register_builtins(mica_db *db);
/* The built-in called name (lower case) that accepts nargs arguments, or NULL. */
const FuncSpec *func_find_builtin(const char *name, int nargs);

int func_like_match(const char *pat, const char *str, unsigned esc, int nocase);
int func_glob_match(const char *pat, const char *str);
/* The whole operator `str LIKE pat [ESCAPE esc]` (esc may be NULL) or `str GLOB pat` with every
 * SQLite rule: a BLOB operand gives 0, then NULL operands give NULL, the ESCAPE text must be one
 * character, patterns over 50000 bytes are an error. Sets *out to 0, 1 or NULL and returns MICA_OK,
 * or returns MICA_ERROR / MICA_NOMEM with a malloc'd message in *errmsg. Executors should prefer
 * this to calling the matchers directly. */
int func_like_eval(mica_value *pat, mica_value *str, mica_value *esc, int glob, int nocase, Value *out,
                   char **errmsg);

/* Per-file tables (func.c, func_agg.c, func_math.c, func_date.c, func_json.c). */
extern const FuncSpec func_core_specs[];
extern const int func_core_nspecs;
extern const FuncSpec func_agg_specs[];
extern const int func_agg_nspecs;
extern const FuncSpec func_math_specs[];
extern const int func_math_nspecs;
extern const FuncSpec func_date_specs[];
extern const int func_date_nspecs;
extern const FuncSpec func_json_specs[];
extern const int func_json_nspecs;

/* Helpers shared by the function files. */
/* Sets an error "msg" (printf-style) on ctx. */
void func_error(mica_context *ctx, const char *fmt, ...);
/* Stores a malloc'd NUL-terminated text of n bytes as the result (takes ownership; NULL: nomem). */
void func_result_owned_text(mica_context *ctx, char *z, int64_t n);

#endif /* MICA_FUNC_H */
