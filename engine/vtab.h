/*
 * vtab.h: virtual tables inside the engine (see vtab.c): the module registry of a connection, virtual
 * tables in the schema, and the hooks the planner (plan.c), the executor (exec.c, expr.c) and the DDL
 * and DML code call. The public side is in mica.h (mica_create_module, mica_declare_vtab, mica_module).
 *
 * OBJECTS AND OWNERSHIP
 *   VtabModule  one registration (name, callbacks, aux). Reference-counted: the registry holds one
 *               reference while it is registered, every connected table (VtabConn) one more; aux's
 *               destroy runs when the count drops to zero.
 *   VtabConn    one connected table object (the module's mica_vtab). Reference-counted: the Table that
 *               owns it (Table.vconn) holds one, every compiled scan (VtabScan) one; the module's
 *               disconnect runs when the count drops to zero, so a compiled statement never sees its
 *               table object freed under it, even when the schema is reloaded meanwhile.
 *   Table       a virtual table of the schema (Table.is_virtual, rootpage 0, its CREATE VIRTUAL TABLE
 *               text in sqlite_schema) is connected on first use (vtab_connect), which fills its
 *               columns. An eponymous table belongs to its VtabModule, not to the schema.
 *   VtabScan    a compiled use of a virtual table in a statement (Op.vscan of an OP_VTAB operator): the
 *               plan best_index chose, the expressions whose values go to filter, and at run time the
 *               cursor. Freed by vtab_scan_free (prog_free).
 */
#ifndef MICA_VTAB_H
#define MICA_VTAB_H

#include "exec.h"

typedef struct VtabModule VtabModule;
typedef struct VtabConn VtabConn;
typedef struct VtabRegistry VtabRegistry;

/* ------------------------------------------------------------------ connection */
/* Registers the built-in modules (generate_series, json_each, json_tree, pragma_*). */
int vtab_register_builtins(mica_db *db);
/* Ends every registration of db (mica_close; after the schema is freed). */
void vtab_registry_free(mica_db *db);
/* The built-in modules, one registration function per file: generate_series (vtab_series.c),
 * json_each and json_tree (func_json.c), pragma_<name> for each PRAGMA that returns rows
 * (vtab_pragma.c). */
int vtab_series_register(mica_db *db);
int vtab_json_register(mica_db *db);
int vtab_pragma_register(mica_db *db);

/* ------------------------------------------------------------------ schema */
/* Drops t's connection reference (schema.c's table_free). */
void vtab_table_release(Table *t);
/* The eponymous table called name (a module registered as eponymous), connected; NULL when there is
 * none, or on error (*rc set, db error set). */
Table *vtab_eponymous(mica_db *db, const char *name, int *rc);
/* Connects virtual table t (of the schema) if it is not yet: its module's connect fills t's columns.
 * Errors: "no such module: M", the module's own. */
int vtab_connect(mica_db *db, Table *t);

/* ------------------------------------------------------------------ DDL */
/* CREATE VIRTUAL TABLE name USING module(args): runs the module's create, stores sql in sqlite_schema. */
int vtab_create_table(Exec *x, const char *name, const char *module, int nargs, const char *const *args,
                      const char *sql, int if_not_exists);
/* DROP TABLE of a virtual table: the module's destroy, then the sqlite_schema row. */
int vtab_drop_table(Exec *x, Table *t);

/* ------------------------------------------------------------------ planner */
/* A term the planner offers to best_index: `column op value` (value NULL for ISNULL/ISNOTNULL).
 * usable: value reads only tables before this one. After vtab_plan: argv_index and omit. */
typedef struct VtabTerm {
  int column;
  int op; /* MICA_INDEX_CONSTRAINT_* */
  PExpr *value;
  int usable;
  int argv_index;
  int omit;
} VtabTerm;

typedef struct VtabOrder {
  int column;
  int desc;
} VtabOrder;

/* Makes op (kind OP_VTAB) a scan of t: takes a connection reference. */
int vtab_scan_init(mica_db *db, Arena *a, Op *op, Table *t);
/* Runs best_index over terms and order (may be NULL/0) and records the plan in op. *consumed (may be
 * NULL) gets order_by_consumed. Errors: the module's, "no query solution" for MICA_CONSTRAINT. */
int vtab_plan(mica_db *db, Arena *a, Op *op, VtabTerm *terms, int nterms, const VtabOrder *order, int norder,
              uint64_t col_used, int *consumed);
/* EXPLAIN QUERY PLAN detail of a vtab scan ("VIRTUAL TABLE INDEX n:str"), in buf. */
void vtab_eqp(const Op *op, char *buf, size_t n);
void vtab_scan_free(Op *op);

/* ------------------------------------------------------------------ executor */
int vtab_op_open(Exec *x, Op *op);
int vtab_op_next(Exec *x, Op *op);
void vtab_op_close(Op *op);
/* Fills slot s from its scan's cursor (columns are fetched on first use of the row). */
int vtab_slot_fetch(Exec *x, Slot *s);

/* ------------------------------------------------------------------ DML */
/* 1 if connected virtual table t cannot be written (its module has no update callback). */
int vtab_is_readonly(const Table *t);
/* The module's update with argc values (see mica_module.update); *rowid in/out for inserts. */
int vtab_update(Exec *x, Table *t, int argc, Value *argv, int64_t *rowid);

#endif /* MICA_VTAB_H */
