/*
 * pragma.h: PRAGMA statements (see pragma.c).
 */
#ifndef MICA_PRAGMA_H
#define MICA_PRAGMA_H

#include "exec.h"

/* Result column names of PRAGMA name (with or without a value); *names is malloc'd (each name too),
 * NULL with *ncol 0 for pragmas that return nothing. */
int pragma_columns(const char *name, int has_value, char ***names, int *ncol);
/* 1 if setting the pragma writes the database (needs a write transaction). */
int pragma_writes(const char *name, int has_value);
/* Runs the pragma; arg is its value or argument (NULL if none). Rows go to out. */
int pragma_run(Exec *x, const char *name, const Value *arg, RowList *out);

#endif /* MICA_PRAGMA_H */
