/*
 * fkey.h: FOREIGN KEY constraints, enforced as SQLite 3.40 does under PRAGMA foreign_keys=ON.
 *
 * A DML statement's program (plan.c) asks for the FkPlan of its target table and event when it is
 * compiled (only with foreign_keys on), and calls the checks around each row it writes:
 *   DELETE: fkey_check_old, the delete, fkey_actions;
 *   UPDATE: fkey_check_old, the old row deleted, fkey_check_new (from dml_insert_row, after the
 *           constraint checks, before the row is written), fkey_actions;
 *   INSERT: fkey_check_new (the same way).
 * Violations are counted, not raised (see fkey.c): immediate ones per top-level statement
 * (db->fk_stmt, checked by mica.c when the statement ends), deferred ones per transaction
 * (db->fk_deferred, checked at COMMIT by fkey_check_deferred). The ON DELETE / ON UPDATE actions are
 * triggers on the parent table (trigger.h).
 *
 * OWNERSHIP
 *   An FkPlan belongs to the program that built it (fkey_plan_free when that program is freed); it
 *   borrows the schema's Table, Index and FKey objects, which outlive every compiled program (a schema
 *   change recompiles the statement). Rows passed to the checks are borrowed for the call.
 */
#ifndef MICA_FKEY_H
#define MICA_FKEY_H

#include "exec.h"

typedef struct FkPlan FkPlan;

/* fkey_plan_build flags. FKP_DROP: the implicit DELETE of DROP TABLE (a missing parent counts as
 * empty, a mismatched key is skipped). FKP_SINGLE: an INSERT of one row outside triggers, with no
 * trigger or REPLACE to run (SQLite's "not multi-write" statement), which cannot resolve immediate
 * violations of the keys referencing t: those are left out (and so are their errors). */
enum { FKP_DROP = 1, FKP_SINGLE = 2 };

/* The foreign key work of an event (TE_INSERT, TE_UPDATE, TE_DELETE of ast.h) on t: the foreign keys
 * of t (t the child) and those referencing t (t the parent); for TE_UPDATE only those whose columns
 * are among the nset names of setcols ("rowid" meaning the INTEGER PRIMARY KEY). Errors, reported
 * now: "no such table: main.P" (a missing parent) and "foreign key mismatch - "C" referencing "P""
 * (no PRIMARY KEY or UNIQUE index on the parent key), unless FKP_DROP. *out is NULL when there is
 * nothing to do (or foreign_keys is off). */
int fkey_plan_build(mica_db *db, Table *t, int event, int nset, const char *const *setcols, int flags,
                    FkPlan **out);
void fkey_plan_free(FkPlan *f);

/* A row of t (vals: t->ncol values, the INTEGER PRIMARY KEY column holding the rowid) is about to be
 * removed (DELETE, or the old image of an UPDATE) / written (INSERT, the new image of an UPDATE):
 * counts the violations it makes or resolves. f may be NULL. */
int fkey_check_old(Exec *x, FkPlan *f, Value *old, int64_t rowid);
int fkey_check_new(Exec *x, FkPlan *f, Value *nv, int64_t rowid);
/* After the row was deleted (nv NULL) or updated: the ON DELETE / ON UPDATE actions (CASCADE, SET
 * NULL, SET DEFAULT, RESTRICT) of the foreign keys referencing t. f may be NULL. */
int fkey_actions(Exec *x, FkPlan *f, Value *old, int64_t oldrowid, Value *nv, int64_t newrowid);

/* DROP TABLE t under foreign keys: when t is the parent of some key, or has a deferred one while
 * deferred violations are outstanding, its rows are deleted first as DELETE FROM t would (actions
 * run, no trigger fires); immediate violations left fail the DROP ("FOREIGN KEY constraint failed"). */
int fkey_drop_table(Exec *x, Table *t);

/* ALTER TABLE ADD CONSTRAINT ... FOREIGN KEY (the PostgreSQL dialect): with foreign keys on, the rows
 * already in t must satisfy its newest key ("FOREIGN KEY constraint failed"). */
int fkey_check_added(Exec *x, Table *t);

/* Transactions: the deferred violations left at COMMIT ("FOREIGN KEY constraint failed", the
 * transaction stays open), and the counts and defer_foreign_keys reset when the transaction ends. */
int fkey_check_deferred(mica_db *db);
void fkey_txn_end(mica_db *db);
/* Sets the connection's error for violations left: "FOREIGN KEY constraint failed"
 * (MICA_CONSTRAINT_FOREIGNKEY), in the PostgreSQL dialect PostgreSQL's message about the violation
 * counted last. */
int fkey_error(mica_db *db);

/* PRAGMA foreign_key_list(t) and foreign_key_check[(t)] (t NULL: every table): rows as sqlite3's.
 * fkey_pragma_check_prepare reports the errors SQLite gives when foreign_key_check is prepared: no
 * such table, foreign key mismatch (table NULL: every table). */
int fkey_pragma_list(Exec *x, Table *t, RowList *out);
int fkey_pragma_check(Exec *x, Table *t, RowList *out);
int fkey_pragma_check_prepare(mica_db *db, const char *table);

#endif /* MICA_FKEY_H */
