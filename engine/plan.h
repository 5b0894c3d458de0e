/*
 * plan.h: compiling a parsed statement into a Prog (exec.h): name resolution against the schema,
 * access-path choice, and the DML/DDL/PRAGMA/transaction executors.
 */
#ifndef MICA_PLAN_H
#define MICA_PLAN_H

#include "exec.h"
#include "mica_int.h"

/* Compiles st->ast into st->prog and fills st's result-column metadata (ncol, colnames, decltypes,
 * origins). On error the db error is set and st->prog stays NULL. */
int plan_prepare(mica_stmt *st);
/* Frees st's compiled program and column metadata (the AST stays). */
void plan_unprepare(mica_stmt *st);

/* Schema objects from their parsed CREATE statements (used by schema.c). */
int plan_build_table(mica_db *db, Table *t);
int plan_build_index(mica_db *db, Index *ix);
int plan_build_autoindexes(mica_db *db, Schema *s);
/* How many sqlite_autoindex_<table>_<n> indexes t's definition needs (its PRIMARY KEY / UNIQUE
 * constraints, SQLite's numbering). */
int plan_unique_count(Table *t);
/* Fills index ix from the rows of its table (a UNIQUE index fails on a duplicate). */
int plan_populate_index(Exec *x, Index *ix);
/* "name" with embedded quotes doubled, into buf (n bytes; a longer name is cut); returns buf. */
const char *plan_qident(char *buf, size_t n, const char *name);

/* Runs a non-SELECT program to completion; result rows (PRAGMA output, RETURNING) are appended to
 * out, each an owned Row of st->ncol values. */
int plan_run(Exec *x, RowList *out);

#endif /* MICA_PLAN_H */
