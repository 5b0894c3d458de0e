/*
 * mica_int.h: the connection (struct mica_db) and prepared statement (struct mica_stmt) as the
 * executor sees them. Private to the engine: nothing outside engine/ includes this, except in-tree test
 * tools that need mica_open_io (regress/crash/crash_writer.c injects I/O faults through it).
 *
 * OWNERSHIP
 *   A mica_db owns its Btree handle, its function table (FuncDef chains, destroy callbacks run on
 *   replace and on close), its collation table, its in-memory Schema (schema.h) and its error message.
 *   A mica_stmt owns its SQL text copy, its parsed AST, its compiled program (exec.h), its bound
 *   parameter values and its current output row. Statements are chained from the db (stmts list) so
 *   mica_close can refuse to close while some are unfinalized.
 *
 * TRANSACTIONS
 *   db->autocommit is 1 outside BEGIN...COMMIT. In autocommit mode the first statement that steps
 *   opens a read transaction (or a write transaction for a writing statement) and the transaction ends
 *   when no statement is active any more (db->nactive drops to 0). Inside an explicit transaction a
 *   writing statement takes the write lock on first need and opens a statement savepoint, released at
 *   statement end or rolled back on error (statement atomicity).
 */
#ifndef MICA_INT_H
#define MICA_INT_H

#include <stdatomic.h>
#include <stdint.h>

#include "btree.h"
#include "mica.h"
#include "value.h"

typedef struct Schema Schema;
typedef struct Prog Prog;

#define FUNC_HASH_SIZE 64

/* As mica_open, opening the database's files through open_fn(ctx, ...) (an IoOpenFn, io.h; NULL:
 * io_open). For tests and test tools that inject I/O faults; not part of the public API. */
struct IoFile;
int mica_open_io(const char *path, int flags,
                 int (*open_fn)(void *ctx, const char *path, int flags, struct IoFile **out), void *ctx,
                 mica_db **out);

/* A collating sequence registered on a connection (BINARY, NOCASE, RTRIM are built in). */
typedef struct CollDef {
  char *name; /* as registered; looked up case-insensitively */
  RecColl coll;
  mica_destructor destroy;
  struct CollDef *next;
} CollDef;

/* A named SQL savepoint (SAVEPOINT name) on the connection's stack. */
typedef struct SavepointName {
  char *name;
  int idx;                              /* btree savepoint index */
  int64_t fk_deferred, fk_deferred_imm; /* the deferred foreign key counts when it began (fkey.h) */
  struct SavepointName *next;
} SavepointName;

struct mica_db {
  Btree *bt;
  char *filename;
  int open_flags;
  int dialect;
  int busy_timeout_ms;
  atomic_int interrupted;
  /* progress handler (mica_progress_handler): called every progress_n row steps */
  int progress_n, progress_count;
  int (*progress_cb)(void *);
  void *progress_arg;

  /* last error */
  int errcode; /* extended code */
  char *errmsg;
  int erroffset;

  FuncDef *funcs[FUNC_HASH_SIZE];
  CollDef *colls;

  Schema *schema;
  uint64_t schema_gen; /* bumped whenever the in-memory schema is rebuilt */
  mica_stmt *stmts;    /* every unfinalized statement */
  int close_pending;

  int64_t last_rowid;
  int64_t changes;
  int64_t total_changes;

  int autocommit; /* 1 outside BEGIN..COMMIT */
  int txn_write;  /* the open transaction holds the write lock */
  int nactive;    /* statements stepped and not yet done/reset */
  int nsavepoint; /* btree savepoints currently open (SQL savepoints + statement ones) */
  SavepointName *savepoints;
  int txn_from_savepoint; /* the transaction was opened by a SAVEPOINT in autocommit mode */

  /* pragma state */
  int foreign_keys;
  int defer_foreign_keys; /* PRAGMA defer_foreign_keys: off again when the transaction ends */
  int case_sensitive_like;
  int recursive_triggers;
  int synchronous;
  int64_t cache_size;
  int trigger_depth;

  /* statement change counting (SQLite's rule): DML counts its rows in stmt_changes while it runs and
   * publishes the count into changes (and adds it to total_changes) when it ends (plan_run) */
  int64_t stmt_changes;
  /* how the failing statement's error ends it (set by RAISE(FAIL|ROLLBACK), cleared at each step):
   * 0 ABORT (roll back the statement), 3 FAIL (keep its changes), 1 ROLLBACK (the transaction) */
  int err_action;
  int raise_ignore;                 /* RAISE(IGNORE) is unwinding to the trigger that raised it */
  struct TrigFrame *trig_running;   /* triggers executing now, innermost first (trigger.c) */
  struct TrigFrame *trig_compiling; /* triggers being compiled now (trigger.c) */
  struct VtabRegistry *vtabs;       /* registered virtual-table modules (vtab.c), or NULL */
  /* foreign key violations outstanding (fkey.h): deferred ones of the transaction, immediate ones
   * deferred by defer_foreign_keys, and immediate ones of the running top-level statement */
  int64_t fk_deferred, fk_deferred_imm, fk_stmt;
  char fk_pg_msg[400];    /* PostgreSQL dialect: the message of the violation counted last (fkey.c) */
  struct SeqSession *seq; /* PostgreSQL sequences: currval/lastval state (sequence.c), or NULL */
};

struct mica_stmt {
  mica_db *db;
  mica_stmt *next; /* in db->stmts */
  char *sql;       /* the statement's own text (NUL-terminated copy) */
  void *ast;       /* Stmt * (ast.h), owned */
  Prog *prog;
  uint64_t prog_schema_gen; /* db->schema_gen the program was compiled against */
  int explain;              /* 0, 1 EXPLAIN, 2 EXPLAIN QUERY PLAN */
  int readonly;
  int is_txn_ctl; /* BEGIN/COMMIT/ROLLBACK/SAVEPOINT/RELEASE: manages the transaction itself */

  int nparam;
  Value *params; /* [nparam], 1-based index i is params[i-1] */
  char **param_names;
  /* [nparam] the declared type each parameter is compared with or stored into (owned strings, or NULL
   * when nothing tells); filled by the planner, read by mica_bind_parameter_decltype */
  char **param_decl;
  /* [ncol] static type of each result column (mica_column_exprtype), owned strings or NULL */
  char **exprtypes;

  int ncol;
  char **colnames;
  char **decltypes;
  char **col_table;  /* origin table name per column or NULL */
  char **col_origin; /* origin column name or NULL */
  Value *row;        /* current output row [ncol] */
  int has_row;
  int step_err; /* error code of the last mica_step when it failed; returned (once) by mica_reset */

  int state;          /* STMT_READY, STMT_RUNNING, STMT_DONE */
  int owns_txn;       /* this statement opened the autocommit transaction */
  int stmt_savepoint; /* btree savepoint index opened for this statement, or -1 */
  int64_t now_ms;
  /* a trigger body statement (trigger.c): what NEW/OLD mean while compiling it, else NULL */
  const struct TrigCtx *trig;
  /* the implicit DELETE of DROP TABLE under foreign keys (plan.c): fires no trigger, and a missing
   * parent table or parent key index makes no error (fkey.h) */
  int fk_drop;
  /* the deferred foreign key counts when it started, restored if its changes are rolled back */
  int64_t fk_save_deferred, fk_save_deferred_imm;
};

#define STMT_READY 0
#define STMT_RUNNING 1
#define STMT_DONE 2

/* Sets the connection's error (printf-style message); returns rc. */
int mica_set_error(mica_db *db, int rc, const char *fmt, ...);
/* Like mica_set_error with an offset into the SQL text. */
int mica_set_error_at(mica_db *db, int rc, int offset, const char *fmt, ...);
void mica_clear_error(mica_db *db);

/* Function table: exact nargs preferred, then nargs == -1. *name_exists (may be NULL) tells whether
 * some function of that name exists with another arity. */
FuncDef *mica_find_function(mica_db *db, const char *name, int nargs, int *name_exists);
/* Collation by name (case-insensitive); NULL if unknown. "BINARY" gives a RecColl with cmp NULL. */
const RecColl *mica_find_collation(mica_db *db, const char *name);

/* Makes sure a transaction suitable for the statement is open (read, or write when write != 0). */
int mica_txn_need(mica_db *db, int write);

#endif /* MICA_INT_H */
