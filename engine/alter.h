/*
 * alter.h: ALTER TABLE ... RENAME TO, RENAME [COLUMN], DROP [COLUMN] (SQLite 3.40's rules), and the
 * rewriting of stored CREATE statements that they and the PostgreSQL dialect's ALTER TABLE forms need
 * (see alter.c).
 *
 * alter_check runs when the statement is prepared and reports the errors SQLite reports then (no such
 * table or column, system tables, views, name clashes, PRIMARY KEY/UNIQUE/only columns); alter_run
 * carries the change out inside the statement's transaction (its errors roll the statement back).
 */
#ifndef MICA_ALTER_H
#define MICA_ALTER_H

#include "exec.h"

/* stmt is the ALTER TABLE's parse tree (Stmt *, ast.h) with alter_kind AL_RENAME_TABLE,
 * AL_RENAME_COLUMN or AL_DROP_COLUMN; sql its text (for error offsets). */
int alter_check(mica_db *db, const void *stmt, const char *sql);
int alter_run(Exec *x, const void *stmt, const char *sql);

/* ADD COLUMN: coldef (ColDef *, ast.h) whose text is coltext is appended to t's CREATE TABLE text, after
 * SQLite's checks for a table that has rows (NOT NULL without default, non-constant default, STORED,
 * REFERENCES with a default while foreign keys are on) and with the new column's CHECK constraints
 * tried on the rows (sql: the statement text the coldef's offsets refer to). */
int alter_add_column(Exec *x, Table *t, const void *coldef, const char *coltext, const char *sql);

/* Rewrites every reference to column `col` of table `tab` in the stored schema to `repl` (the new name
 * as it must appear, quoted if needed). For the PostgreSQL dialect's RENAME COLUMN; the caller checks
 * the names first and calls ddl_schema_changed after. */
int alter_rename_column_refs(Exec *x, const char *tab, const char *col, const char *repl, int bquote);

/* Removes column col of table t: its definition from the CREATE TABLE text and its value from every
 * row. verb names the statement in the errors ("drop column"); NULL gives PostgreSQL's error (a view or
 * trigger still uses the column). */
int alter_drop_column(Exec *x, Table *t, int col, const char *verb);

/* Renames table t to new_name in the stored schema (the table, its indexes, triggers, views and foreign
 * keys that refer to it, sqlite_sequence). */
int alter_rename_table(Exec *x, Table *t, const char *new_name);

/* Rewrites every row of t through fn: fn(ctx, vals, &n) may change the n = t->ncol values in place
 * (owned values; it may lower n to write fewer); the rows are written back under the same rowids. The INTEGER
 * PRIMARY KEY column is written as NULL (the rowid holds it), or with keep_ipk as its value (the column stops
 * being the rowid alias). */
int alter_rewrite_rows(Exec *x, Table *t, int (*fn)(void *ctx, Exec *x, Value *vals, int *n), void *ctx,
                       int keep_ipk);

/* ALTER TABLE in the PostgreSQL dialect (alter_pg.c): stmt is the Stmt * with its actions (alters);
 * add_constraint runs an ADD CONSTRAINT action (the planner's). */
int alter_pg_run(Exec *x, const void *stmt, const char *sql, int (*add_constraint)(Exec *x));

#endif /* MICA_ALTER_H */
