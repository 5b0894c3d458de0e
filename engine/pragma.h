/*
 * pragma.h: PRAGMA statements (see pragma.c).
 */
#ifndef MICA_PRAGMA_H
#define MICA_PRAGMA_H

#include "exec.h"

/* Result column names of PRAGMA name (with or without a value); *names is malloc'd (each name too),
 * NULL with *ncol 0 for pragmas that return nothing. */
int pragma_columns(const char *name, int has_value, char ***names, int *ncol);
/* The PRAGMAs SQLite also offers as table-valued functions (pragma_<name>): the i-th one's name (NULL
 * past the last), its result columns (comma-separated) and flags: PRAGMA_VT_ARG when it has the hidden
 * column "arg" (its argument), PRAGMA_VT_SCHEMA when it has the hidden column "schema". */
#define PRAGMA_VT_ARG 1
#define PRAGMA_VT_SCHEMA 2
const char *pragma_vtab_info(int i, const char **cols, int *flags);
/* 1 if setting the pragma writes the database (needs a write transaction). */
int pragma_writes(const char *name, int has_value);
/* Runs the pragma; arg is its value or argument (NULL if none). Rows go to out. */
int pragma_run(Exec *x, const char *name, const Value *arg, RowList *out);

#endif /* MICA_PRAGMA_H */
