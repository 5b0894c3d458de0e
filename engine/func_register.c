/*
 * func_register.c: func_register_builtins, which registers every built-in function table on a
 * connection through mica_create_function, and the functions that read connection state
 * (changes, total_changes, last_insert_rowid).
 *
 * Kept apart from func.c so that the function files and their unit tests link without the executor's
 * mica.c: only this file calls into the connection API.
 */
#include "func.h"

static void changes_func(mica_context *ctx, int argc, mica_value **argv) {
  mica_result_int64(ctx, mica_changes64(mica_context_db_handle(ctx)));
}

static void total_changes_func(mica_context *ctx, int argc, mica_value **argv) {
  mica_result_int64(ctx, mica_total_changes64(mica_context_db_handle(ctx)));
}

static void last_insert_rowid_func(mica_context *ctx, int argc, mica_value **argv) {
  mica_result_int64(ctx, mica_last_insert_rowid(mica_context_db_handle(ctx)));
}

static const FuncSpec conn_specs[] = {
    {"changes", 0, 0, 0, changes_func, NULL, NULL, NULL, NULL},
    {"total_changes", 0, 0, 0, total_changes_func, NULL, NULL, NULL, NULL},
    {"last_insert_rowid", 0, 0, 0, last_insert_rowid_func, NULL, NULL, NULL, NULL},
};

int func_register_builtins(mica_db *db) {
  const FuncSpec *tabs[] = {func_core_specs, func_agg_specs,  func_math_specs,
                            func_date_specs, func_json_specs, conn_specs};
  const int ns[] = {func_core_nspecs, func_agg_nspecs,  func_math_nspecs,
                    func_date_nspecs, func_json_nspecs, (int)(sizeof conn_specs / sizeof conn_specs[0])};
  for (int t = 0; t < 6; t++)
    for (int i = 0; i < ns[t]; i++) {
      const FuncSpec *f = &tabs[t][i];
      int rc = mica_create_function(db, f->name, f->nargs, f->flags | MICA_UTF8, (void *)f->userdata,
                                    f->xfunc, f->xstep, f->xfinal, f->xvalue, f->xinverse, NULL);
      if (rc != MICA_OK) return rc;
    }
  return MICA_OK;
}
