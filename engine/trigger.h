/*
 * trigger.h: firing row triggers (CREATE TRIGGER) from INSERT, UPDATE and DELETE, as SQLite 3.40 does.
 *
 * A DML statement's program (plan.c) asks for the TrigList of its target table and event when it is
 * compiled, and calls trigger_fire around each row it writes: BEFORE, then the write, then AFTER (or
 * INSTEAD OF in place of the write when the target is a view). The list compiles each trigger's body
 * statements into ordinary programs whose slots 0 and 1 hold the NEW and OLD rows.
 *
 * OWNERSHIP
 *   A TrigList belongs to the program that built it (freed with trigger_list_free when that program is
 *   freed); it borrows the schema's Trigger and Table objects, which outlive every compiled program
 *   (a schema change recompiles the statement). The rows passed to trigger_fire are borrowed for the
 *   duration of the call.
 */
#ifndef MICA_TRIGGER_H
#define MICA_TRIGGER_H

#include "exec.h"

/* What a trigger body statement is compiled against (mica_stmt.trig): NEW is slot TRIG_NEW_SLOT and
 * OLD slot TRIG_OLD_SLOT of its program, each with t->ncol columns; only "new.x" / "old.x" (qualified)
 * reach them, and only the ones the event has. */
typedef struct TrigCtx {
  Table *t;
  int has_new, has_old;
  int onconf;       /* the firing statement's OR clause (ONCONF_*), replacing the body's; 0 none */
  const void *when; /* Expr * (ast.h) of WHEN while compiling the first body statement, else NULL:
                     * compiled into that program's trig_when */
} TrigCtx;

#define TRIG_NEW_SLOT 0
#define TRIG_OLD_SLOT 1

/* The most nested trigger programs running at once (SQLite's SQLITE_MAX_TRIGGER_DEPTH). */
#define TRIGGER_MAX_DEPTH 1000

typedef struct TrigList TrigList;

/* Collects the triggers on t for event (TE_INSERT, TE_UPDATE, TE_DELETE of ast.h) in SQLite's firing
 * order (most recently created first); for TE_UPDATE, an "UPDATE OF cols" trigger only when one of its
 * columns is among the nset names of setcols. Compiles their programs now, so that errors in them are
 * reported when the firing statement is prepared. *out is NULL when no trigger applies. onconf is the
 * firing statement's OR clause (0 for none). */
int trigger_list_build(mica_db *db, Table *t, int event, int nset, const char *const *setcols, int onconf,
                       TrigList **out);
/* The list of the foreign key action triggers trs[0..n) on t (fkey.c, borrowed like schema triggers)
 * for event (TE_DELETE or TE_UPDATE): AFTER triggers, run with ABORT and fired even when
 * recursive_triggers is off and they are running already. *out is NULL when n is 0. */
int trigger_list_build_actions(mica_db *db, Table *t, int event, Trigger *const *trs, int n, TrigList **out);
void trigger_list_free(TrigList *l);
/* Whether l has a trigger of this time (TR_BEFORE, TR_AFTER, TR_INSTEAD_OF). l may be NULL. */
int trigger_list_has(const TrigList *l, int time);

/* Runs the triggers of l of the given time for one row: newv/oldv hold the table's ncol values (NULL
 * when the event has no such row; the INTEGER PRIMARY KEY column's value is the rowid's), with their
 * rowids. *ignored is set when a trigger's RAISE(IGNORE) asks to skip the rest of this row. Errors
 * (RAISE(ABORT/FAIL/ROLLBACK), constraint failures, too deep a recursion) are returned with the
 * connection's error set. l may be NULL. */
int trigger_fire(Exec *x, TrigList *l, int time, Value *newv, int64_t newrowid, Value *oldv, int64_t oldrowid,
                 int *ignored);

/* The checks SQLite makes at CREATE TRIGGER (stmt is the parsed Stmt * of the text sql): the target
 * exists, is not a system table, BEFORE/AFTER only on tables and INSTEAD OF only on views, no
 * variables, RETURNING, qualified names or WITH before INSERT/UPDATE/DELETE in the body. */
int trigger_check_create(mica_db *db, const void *stmt, const char *sql);

#endif /* MICA_TRIGGER_H */
