/*
 * mica.c: the public API of mica.h for connections and statements: open/close, prepare/step/reset/
 * finalize, parameter binding, result columns, errors, mica_exec, the per-connection function and
 * collation tables, and the transaction rules of autocommit mode. (Values, function results,
 * memory and printf live in value.c / printf.c.)
 *
 * STATEMENT LIFE CYCLE
 *   prepare: parse one statement (parse.h) and compile it (plan.h) against the current schema. The
 *            statement remembers the schema generation it was compiled at; stepping it after a schema
 *            change recompiles it from its AST first (or fails like SQLite with the new error).
 *   step:    READY -> RUNNING: make sure the transaction it needs is open (autocommit: begin read, or
 *            begin write with the busy timeout for writers; a writer also opens a statement
 *            savepoint), then either open the SELECT pipeline and return its rows one by one, or run a
 *            non-SELECT program to completion and return the rows it produced (PRAGMA output,
 *            RETURNING). RUNNING -> DONE at the end or on error; leaving RUNNING releases the
 *            statement savepoint (rolled back on error) and, in autocommit mode when no other
 *            statement is running, ends the transaction (commit, or rollback after an error). An
 *            error raised as FAIL (RAISE(FAIL), OR FAIL) keeps the statement's changes; one raised as
 *            ROLLBACK rolls back the whole transaction (db->err_action).
 *   reset:   back to READY from anywhere, ending the transaction as above.
 *
 * FUNCTIONS
 *   db->funcs is a hash table of FuncDef chains keyed by lower-case name. A name may have one entry
 *   per nargs; lookup prefers an exact nargs, then -1. Registering the same (name, nargs) replaces the
 *   old entry (its destroy callback runs); all-NULL callbacks delete it.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include "ddl.h"
#include "exec.h"
#include "fkey.h"
#include "func.h"
#include "mica_int.h"
#include "ast.h"
#include "parse.h"
#include "plan.h"
#include "printf.h"
#include "schema.h"
#include "vtab.h"
#include "sequence.h"

/* ------------------------------------------------------------------ errors */
static char *vfmt(const char *fmt, va_list ap) {
  va_list ap2;
  va_copy(ap2, ap);
  int n = vsnprintf(NULL, 0, fmt, ap2);
  va_end(ap2);
  if (n < 0) return NULL;
  char *z = malloc((size_t)n + 1);
  if (z) vsnprintf(z, (size_t)n + 1, fmt, ap);
  return z;
}

int mica_set_error(mica_db *db, int rc, const char *fmt, ...) {
  if (!db) return rc;
  va_list ap;
  va_start(ap, fmt);
  char *z = fmt ? vfmt(fmt, ap) : NULL;
  va_end(ap);
  free(db->errmsg);
  db->errmsg = z;
  db->errcode = rc;
  db->erroffset = -1;
  return rc;
}

int mica_set_error_at(mica_db *db, int rc, int offset, const char *fmt, ...) {
  if (!db) return rc;
  va_list ap;
  va_start(ap, fmt);
  char *z = fmt ? vfmt(fmt, ap) : NULL;
  va_end(ap);
  free(db->errmsg);
  db->errmsg = z;
  db->errcode = rc;
  db->erroffset = offset;
  return rc;
}

void mica_clear_error(mica_db *db) {
  free(db->errmsg);
  db->errmsg = NULL;
  db->errcode = MICA_OK;
  db->erroffset = -1;
}

int mica_errcode(mica_db *db) { return db ? db->errcode & 0xff : MICA_NOMEM; }
int mica_extended_errcode(mica_db *db) { return db ? db->errcode : MICA_NOMEM; }
int mica_error_offset(mica_db *db) { return db && db->errcode ? db->erroffset : -1; }

const char *mica_errstr(int rc) {
  static const char *const msgs[] = {
      [MICA_OK] = "not an error",
      [MICA_ERROR] = "SQL logic error",
      [MICA_INTERNAL] = "internal error",
      [MICA_PERM] = "access permission denied",
      [MICA_ABORT] = "query aborted",
      [MICA_BUSY] = "database is locked",
      [MICA_LOCKED] = "database table is locked",
      [MICA_NOMEM] = "out of memory",
      [MICA_READONLY] = "attempt to write a readonly database",
      [MICA_INTERRUPT] = "interrupted",
      [MICA_IOERR] = "disk I/O error",
      [MICA_CORRUPT] = "database disk image is malformed",
      [MICA_NOTFOUND] = "unknown operation",
      [MICA_FULL] = "database or disk is full",
      [MICA_CANTOPEN] = "unable to open database file",
      [MICA_PROTOCOL] = "locking protocol",
      [MICA_EMPTY] = "not an error",
      [MICA_SCHEMA] = "database schema has changed",
      [MICA_TOOBIG] = "string or blob too big",
      [MICA_CONSTRAINT] = "constraint failed",
      [MICA_MISMATCH] = "datatype mismatch",
      [MICA_MISUSE] = "bad parameter or other API misuse",
      [MICA_NOLFS] = "large file support is disabled",
      [MICA_AUTH] = "authorization denied",
      [MICA_FORMAT] = "not an error",
      [MICA_RANGE] = "column index out of range",
      [MICA_NOTADB] = "file is not a database",
      [MICA_NOTICE] = "notification message",
      [MICA_WARNING] = "warning message",
  };
  if (rc == MICA_ROW) return "another row available";
  if (rc == MICA_DONE) return "no more rows available";
  rc &= 0xff;
  if (rc >= 0 && rc < (int)(sizeof msgs / sizeof msgs[0]) && msgs[rc]) return msgs[rc];
  return "unknown error";
}

const char *mica_errmsg(mica_db *db) {
  if (!db) return mica_errstr(MICA_NOMEM);
  if (db->errcode == MICA_OK) return "not an error";
  return db->errmsg ? db->errmsg : mica_errstr(db->errcode);
}

/* ------------------------------------------------------------------ functions and collations */
static unsigned name_hash(const char *z) {
  unsigned h = 0;
  for (; *z; z++)
    h = h * 31 + (unsigned)tolower((unsigned char)*z);
  return h % FUNC_HASH_SIZE;
}

static int name_eq(const char *a, const char *b) {
  for (; *a && *b; a++, b++)
    if (tolower((unsigned char)*a) != tolower((unsigned char)*b)) return 0;
  return *a == *b;
}

static void funcdef_free(FuncDef *f) {
  if (f->destroy) f->destroy(f->userdata); /* called even for NULL user data, as SQLite does */
  free(f->name);
  free(f);
}

int mica_create_function(mica_db *db, const char *name, int nargs, int flags, void *userdata,
                         mica_func_fn xfunc, mica_func_fn xstep, mica_final_fn xfinal, mica_final_fn xvalue,
                         mica_func_fn xinverse, mica_destructor destroy) {
  if (!db || !name || nargs < -1 || nargs > 127 || strlen(name) > 255) return MICA_MISUSE;
  if ((xfunc && (xstep || xfinal)) || (!xfunc && !!xstep != !!xfinal)) return MICA_MISUSE;
  unsigned h = name_hash(name);
  FuncDef **pp = &db->funcs[h];
  while (*pp && !(name_eq((*pp)->name, name) && (*pp)->nargs == nargs))
    pp = &(*pp)->next;
  if (*pp) {
    FuncDef *old = *pp;
    *pp = old->next;
    funcdef_free(old);
  }
  if (!xfunc && !xstep) return MICA_OK;
  FuncDef *f = calloc(1, sizeof *f);
  if (!f) return MICA_NOMEM;
  f->name = strdup(name);
  if (!f->name) {
    free(f);
    return MICA_NOMEM;
  }
  for (char *p = f->name; *p; p++)
    *p = (char)tolower((unsigned char)*p);
  f->nargs = nargs;
  f->flags = flags;
  f->userdata = userdata;
  f->xfunc = xfunc;
  f->xstep = xstep;
  f->xfinal = xfinal;
  f->xvalue = xvalue;
  f->xinverse = xinverse;
  f->destroy = destroy;
  f->next = db->funcs[h];
  db->funcs[h] = f;
  return MICA_OK;
}

FuncDef *mica_find_function(mica_db *db, const char *name, int nargs, int *name_exists) {
  FuncDef *any = NULL;
  if (name_exists) *name_exists = 0;
  for (FuncDef *f = db->funcs[name_hash(name)]; f; f = f->next) {
    if (!name_eq(f->name, name)) continue;
    if (name_exists) *name_exists = 1;
    if (f->nargs == nargs) return f;
    if (f->nargs == -1) any = f;
  }
  return any;
}

int mica_create_collation(mica_db *db, const char *name, void *arg, mica_collation_fn cmp,
                          mica_destructor destroy) {
  if (!db || !name) return MICA_MISUSE;
  CollDef **pp = &db->colls;
  while (*pp && !name_eq((*pp)->name, name))
    pp = &(*pp)->next;
  if (*pp) {
    CollDef *old = *pp;
    *pp = old->next;
    if (old->destroy) old->destroy(old->coll.arg);
    free(old->name);
    free(old);
  }
  if (!cmp) return MICA_OK;
  CollDef *c = calloc(1, sizeof *c);
  if (!c) return MICA_NOMEM;
  c->name = strdup(name);
  if (!c->name) {
    free(c);
    return MICA_NOMEM;
  }
  c->coll.cmp = cmp;
  c->coll.arg = arg;
  c->destroy = destroy;
  c->next = db->colls;
  db->colls = c;
  return MICA_OK;
}

const RecColl *mica_find_collation(mica_db *db, const char *name) {
  for (CollDef *c = db->colls; c; c = c->next)
    if (name_eq(c->name, name)) return &c->coll;
  return NULL;
}

/* ------------------------------------------------------------------ connections */
int mica_open(const char *path, int flags, mica_db **out) {
  return mica_open_io(path, flags, NULL, NULL, out);
}

int mica_open_io(const char *path, int flags, int (*open_fn)(void *, const char *, int, struct IoFile **),
                 void *ctx, mica_db **out) {
  *out = NULL;
  mica_db *db = calloc(1, sizeof *db);
  if (!db) return MICA_NOMEM;
  *out = db;
  db->autocommit = 1;
  db->erroffset = -1;
  db->busy_timeout_ms = 0;
  db->synchronous = 2;
  db->cache_size = -2000;
  atomic_init(&db->interrupted, 0);
  if (!flags) flags = MICA_OPEN_READWRITE | MICA_OPEN_CREATE;
  db->open_flags = flags;
  if (!path) path = "";
  db->filename = strdup(path);
  db->schema = calloc(1, sizeof(Schema));
  if (!db->filename || !db->schema) return mica_set_error(db, MICA_NOMEM, "out of memory");
  /* built-in collations */
  int rc = mica_create_collation(db, "RTRIM", NULL, record_coll_rtrim, NULL);
  if (rc == MICA_OK) rc = mica_create_collation(db, "NOCASE", NULL, record_coll_nocase, NULL);
  if (rc == MICA_OK) rc = mica_create_collation(db, "BINARY", NULL, record_coll_binary, NULL);
  if (rc == MICA_OK) rc = func_register_builtins(db);
  if (rc == MICA_OK) rc = vtab_register_builtins(db);
  if (rc) return mica_set_error(db, rc, "%s", mica_errstr(rc));
  int bflags = 0;
  if (flags & MICA_OPEN_READONLY) bflags |= BTREE_OPEN_READONLY;
  if (flags & MICA_OPEN_CREATE) bflags |= BTREE_OPEN_CREATE;
  if ((flags & MICA_OPEN_MEMORY) || !strcmp(path, ":memory:") || !*path) bflags |= BTREE_OPEN_MEMORY;
  if (flags & MICA_OPEN_IO_POSIX) bflags |= BTREE_OPEN_IO_POSIX;
  if (flags & MICA_OPEN_IO_URING) bflags |= BTREE_OPEN_IO_URING;
  rc = btree_open_io((bflags & BTREE_OPEN_MEMORY) && !*path ? ":memory:" : path, bflags, open_fn, ctx,
                     &db->bt);
  if (rc) {
    const char *m = db->bt ? btree_errmsg(db->bt) : NULL;
    if (db->bt) {
      btree_close(db->bt);
      db->bt = NULL;
    }
    if (rc == MICA_NOTADB) return mica_set_error(db, rc, "file is not a database");
    return mica_set_error(db, rc, "%s", m && *m ? m : mica_errstr(rc));
  }
  return MICA_OK;
}

static void db_free(mica_db *db) {
  if (db->bt) {
    if (btree_txn_state(db->bt)) btree_rollback(db->bt);
    btree_close(db->bt);
  }
  for (int i = 0; i < FUNC_HASH_SIZE; i++) {
    FuncDef *f = db->funcs[i];
    while (f) {
      FuncDef *n = f->next;
      funcdef_free(f);
      f = n;
    }
  }
  CollDef *c = db->colls;
  while (c) {
    CollDef *n = c->next;
    if (c->destroy) c->destroy(c->coll.arg);
    free(c->name);
    free(c);
    c = n;
  }
  SavepointName *sp = db->savepoints;
  while (sp) {
    SavepointName *n = sp->next;
    free(sp->name);
    free(sp);
    sp = n;
  }
  if (db->schema) schema_free(db->schema);
  vtab_registry_free(db); /* after the schema: its tables hold module references */
  seq_session_free(db);
  free(db->filename);
  free(db->errmsg);
  free(db);
}

int mica_close(mica_db *db) {
  if (!db) return MICA_OK;
  if (db->stmts) return mica_set_error(db, MICA_BUSY, "unable to close due to unfinalized statements");
  db_free(db);
  return MICA_OK;
}

int mica_close_v2(mica_db *db) {
  if (!db) return MICA_OK;
  if (db->stmts) {
    db->close_pending = 1;
    return MICA_OK;
  }
  db_free(db);
  return MICA_OK;
}

int mica_db_config(mica_db *db, int op, ...) {
  va_list ap;
  va_start(ap, op);
  int rc = MICA_OK;
  if (op == MICA_DBCONFIG_DIALECT) {
    int d = va_arg(ap, int);
    if (d == MICA_DIALECT_SQLITE || d == MICA_DIALECT_POSTGRES) {
      db->dialect = d;
      if (d == MICA_DIALECT_POSTGRES) rc = seq_register_functions(db); /* nextval, currval, ... */
    } else
      rc = MICA_MISUSE;
  } else if (op == MICA_DBCONFIG_ENABLE_FKEY) {
    int on = va_arg(ap, int);
    int *res = va_arg(ap, int *);
    if (on >= 0 && (on != 0) != db->foreign_keys && db->autocommit) {
      db->foreign_keys = on != 0;
      db->schema_gen++; /* compiled programs include or leave out foreign key work: recompile */
    }
    if (res) *res = db->foreign_keys;
  } else {
    rc = MICA_ERROR;
  }
  va_end(ap);
  return rc;
}

int mica_busy_timeout(mica_db *db, int ms) {
  db->busy_timeout_ms = ms < 0 ? 0 : ms;
  return MICA_OK;
}

void mica_interrupt(mica_db *db) {
  if (db) atomic_store(&db->interrupted, 1);
}
void mica_progress_handler(mica_db *db, int n, int (*cb)(void *arg), void *arg) {
  if (!db) return;
  db->progress_n = cb && n > 0 ? n : 0;
  db->progress_cb = db->progress_n ? cb : NULL;
  db->progress_arg = db->progress_n ? arg : NULL;
  db->progress_count = 0;
}

int mica_is_interrupted(mica_db *db) { return db ? atomic_load(&db->interrupted) : 0; }

mica_int64 mica_last_insert_rowid(mica_db *db) { return db->last_rowid; }
void mica_set_last_insert_rowid(mica_db *db, mica_int64 rowid) { db->last_rowid = rowid; }
int mica_changes(mica_db *db) { return (int)db->changes; }
mica_int64 mica_changes64(mica_db *db) { return db->changes; }
int mica_total_changes(mica_db *db) { return (int)db->total_changes; }
mica_int64 mica_total_changes64(mica_db *db) { return db->total_changes; }
int mica_get_autocommit(mica_db *db) { return db->autocommit; }

const char *mica_db_filename(mica_db *db, const char *schema) {
  if (!schema || !strcmp(schema, "main")) {
    if (!strcmp(db->filename, ":memory:")) return "";
    return db->filename;
  }
  if (!strcmp(schema, "temp")) return "";
  return NULL;
}

/* ------------------------------------------------------------------ transactions */
int mica_txn_need(mica_db *db, int write) {
  int st = btree_txn_state(db->bt);
  int rc = MICA_OK;
  if (st == 0)
    rc = write ? btree_begin_write(db->bt, db->busy_timeout_ms) : btree_begin_read(db->bt);
  else if (write && st == 1)
    rc = btree_begin_write(db->bt, db->busy_timeout_ms);
  if (rc) {
    if ((rc & 0xff) == MICA_BUSY) return mica_set_error(db, rc, "database is locked");
    return mica_set_error(db, rc, "%s", btree_errmsg(db->bt));
  }
  if (write) db->txn_write = 1;
  return schema_ensure(db);
}

/* Ends the autocommit transaction when no statement is active any more. */
static void txn_autocommit_end(mica_db *db, int failed, int *rcp) {
  if (!db->autocommit || db->nactive > 0) return;
  int st = btree_txn_state(db->bt);
  if (st == 0) return;
  int rc;
  if (!failed && st == 2 && (rc = fkey_check_deferred(db))) {
    /* deferred foreign key violations left: the transaction fails */
    btree_rollback(db->bt);
    failed = 1;
    if (rcp && (*rcp == MICA_DONE || *rcp == MICA_ROW || *rcp == MICA_OK)) *rcp = rc;
  } else if (failed || st == 1) {
    rc = btree_rollback(db->bt);
  } else {
    rc = btree_commit(db->bt);
    if (rc) {
      mica_set_error(db, rc, "%s", btree_errmsg(db->bt));
      btree_rollback(db->bt);
      if (rcp && (*rcp == MICA_DONE || *rcp == MICA_ROW || *rcp == MICA_OK)) *rcp = rc;
    }
  }
  (void)rc;
  db->txn_write = 0;
  db->nsavepoint = 0;
  fkey_txn_end(db);
  if (failed) schema_reset(db); /* a rolled-back DDL must not survive in memory */
}

/* ------------------------------------------------------------------ statements */
static void stmt_clear_row(mica_stmt *st) {
  for (int i = 0; i < st->ncol && st->row; i++) {
    value_release(&st->row[i]);
    value_init(&st->row[i]);
  }
  st->has_row = 0;
}

int mica_prepare(mica_db *db, const char *sql, int nbytes, mica_stmt **out, const char **tail) {
  return mica_prepare_v3(db, sql, nbytes, 0, out, tail);
}

int mica_prepare_v3(mica_db *db, const char *sql, int nbytes, unsigned flags, mica_stmt **out,
                    const char **tail) {
  (void)flags;
  if (out) *out = NULL;
  if (!db || !sql || !out) return MICA_MISUSE;
  mica_clear_error(db);
  int n = nbytes < 0 ? (int)strlen(sql) : nbytes;
  if (nbytes >= 0) {
    const char *nul = memchr(sql, 0, (size_t)nbytes);
    if (nul) n = (int)(nul - sql);
  }
  Stmt *ast = NULL;
  const char *end = sql;
  char *errmsg = NULL;
  int erroff = -1;
  int rc = parse_statement(sql, n, db->dialect, &ast, &end, &errmsg, &erroff);
  if (tail) *tail = end;
  if (rc != MICA_OK) {
    mica_set_error_at(db, rc, erroff, "%s", errmsg ? errmsg : mica_errstr(rc));
    free(errmsg);
    return db->errcode;
  }
  free(errmsg);
  if (!ast) return MICA_OK;
  mica_stmt *st = calloc(1, sizeof *st);
  if (!st) {
    ast_free(ast);
    return mica_set_error(db, MICA_NOMEM, "out of memory");
  }
  st->db = db;
  st->ast = ast;
  st->stmt_savepoint = -1;
  /* the statement's own text, trimmed of the trailing semicolon and whitespace */
  /* the statement's text from the start of sql (node offsets are relative to it) up to its end */
  st->sql = strndup(sql, (size_t)(end - sql));
  st->nparam = ast->nparam;
  st->params = values_alloc((size_t)st->nparam + 1);
  if (!st->params) {
    ast_free(ast);
    free(st->sql);
    free(st);
    return mica_set_error(db, MICA_NOMEM, "out of memory");
  }
  for (int i = 0; i < st->nparam; i++)
    value_init(&st->params[i]);
  if (ast->param_names && st->nparam) {
    st->param_names = calloc((size_t)st->nparam + 1, sizeof(char *));
    if (st->param_names)
      for (int i = 0; i < st->nparam; i++)
        st->param_names[i] = ast->param_names[i + 1] ? strdup(ast->param_names[i + 1]) : NULL;
  }
  if (!st->sql) {
    ast_free(ast);
    free(st);
    return mica_set_error(db, MICA_NOMEM, "out of memory");
  }
  /* A read transaction around compilation so the schema is current. It ends with compilation,
   * inside BEGIN too: a deferred transaction takes its snapshot when its first statement runs (a
   * snapshot taken here would make that statement's write lock wait end in BUSY_SNAPSHOT). */
  int own = btree_txn_state(db->bt) == 0;
  rc = mica_txn_need(db, 0);
  if (rc == MICA_OK) rc = plan_prepare(st);
  if (own && btree_txn_state(db->bt) == 1 && db->nactive == 0) btree_rollback(db->bt);
  if (rc != MICA_OK) {
    plan_unprepare(st);
    ast_free(ast);
    for (int i = 0; i < st->nparam; i++)
      value_release(&st->params[i]);
    free(st->params);
    if (st->param_names) {
      for (int i = 0; i < st->nparam; i++)
        free(st->param_names[i]);
      free(st->param_names);
    }
    free(st->sql);
    free(st);
    return db->errcode ? db->errcode : rc;
  }
  st->next = db->stmts;
  db->stmts = st;
  *out = st;
  return MICA_OK;
}

static void stmt_finish(mica_stmt *st, int failed, int *rcp) {
  mica_db *db = st->db;
  if (st->state != STMT_RUNNING) return;
  st->state = STMT_DONE;
  if (st->prog) prog_reset(st->prog);
  /* RAISE(FAIL) keeps what the statement changed before the error (db->err_action, mica_int.h) */
  int undo = failed && db->err_action != 3;
  if (st->stmt_savepoint >= 0) {
    if (undo) btree_savepoint(db->bt, BTREE_SAVEPOINT_ROLLBACK, st->stmt_savepoint);
    btree_savepoint(db->bt, BTREE_SAVEPOINT_RELEASE, st->stmt_savepoint);
    db->nsavepoint = st->stmt_savepoint;
    st->stmt_savepoint = -1;
    if (undo) {
      schema_reset(db);
      db->fk_deferred = st->fk_save_deferred; /* its foreign key counts go with its changes */
      db->fk_deferred_imm = st->fk_save_deferred_imm;
    }
  }
  db->nactive--;
  if (failed && db->err_action == 1 && !db->autocommit) { /* RAISE(ROLLBACK): the whole transaction */
    Exec x = {.db = db};
    ddl_rollback(&x);
  }
  txn_autocommit_end(db, undo, rcp);
}

static int64_t now_ms(void) {
  struct timeval tv;
  gettimeofday(&tv, NULL);
  return (int64_t)tv.tv_sec * 1000 + tv.tv_usec / 1000;
}

/* Rows produced by non-SELECT programs, streamed out by step. */
typedef struct OutRows {
  RowList rows;
  int64_t pos;
} OutRows;

static int stmt_reset(mica_stmt *st);
static int stmt_step(mica_stmt *st);

/* As sqlite3_step with prepare_v2 semantics: a failed step's code is remembered so that the following
 * mica_reset or mica_finalize reports it too; stepping a finished statement resets it first. */
int mica_step(mica_stmt *st) {
  if (!st) return MICA_MISUSE;
  int rc = stmt_step(st);
  st->step_err = rc == MICA_ROW || rc == MICA_DONE ? 0 : rc;
  return rc;
}

static int stmt_step(mica_stmt *st) {
  mica_db *db = st->db;
  int rc;
  if (st->state == STMT_DONE) {
    rc = stmt_reset(st);
    if (rc) return rc;
  }
  stmt_clear_row(st);
  Exec x = {.db = db, .stmt = st, .prog = st->prog, .slots = st->prog ? st->prog->slots : NULL};
  if (st->state == STMT_READY) {
    if (db->nactive == 0) atomic_store(&db->interrupted, 0);
    mica_clear_error(db);
    db->err_action = 0;
    db->raise_ignore = 0;
    st->now_ms = now_ms();
    if (!st->is_txn_ctl) {
      rc = mica_txn_need(db, !st->readonly);
      if (rc) {
        /* a failed upgrade (BUSY) must not leave a stale autocommit read transaction behind */
        if (db->autocommit && db->nactive == 0 && btree_txn_state(db->bt)) btree_rollback(db->bt);
        return rc;
      }
      /* recompile if the schema changed since prepare */
      if (st->prog && st->prog_schema_gen != db->schema_gen) {
        plan_unprepare(st);
        rc = plan_prepare(st);
        if (rc) {
          if (db->autocommit && db->nactive == 0 && btree_txn_state(db->bt)) btree_rollback(db->bt);
          return db->errcode ? db->errcode : rc;
        }
        x.prog = st->prog;
        x.slots = st->prog->slots;
      }
    }
    st->state = STMT_RUNNING;
    db->nactive++;
    if (!st->readonly && !st->is_txn_ctl) {
      st->stmt_savepoint = db->nsavepoint;
      rc = btree_savepoint(db->bt, BTREE_SAVEPOINT_BEGIN, st->stmt_savepoint);
      if (rc) {
        st->stmt_savepoint = -1;
        mica_set_error(db, rc, "%s", btree_errmsg(db->bt));
        stmt_finish(st, 1, NULL);
        return rc;
      }
      db->nsavepoint++;
      st->fk_save_deferred = db->fk_deferred;
      st->fk_save_deferred_imm = db->fk_deferred_imm;
    }
    if (st->prog->kind == PROG_SELECT) {
      rc = select_open(&x, st->prog->sel);
    } else {
      OutRows *o = calloc(1, sizeof *o);
      rc = o ? MICA_OK : mica_set_error(db, MICA_NOMEM, "out of memory");
      /* immediate foreign key violations are counted per top-level statement (fkey.h) */
      int64_t fk_outer = db->fk_stmt;
      db->fk_stmt = 0;
      if (rc == MICA_OK) rc = plan_run(&x, &o->rows);
      if (rc == MICA_OK && db->fk_stmt > 0) {
        rc = fkey_error(db);
        db->err_action = 0;               /* the statement is rolled back, whatever its conflict clause */
        db->total_changes -= db->changes; /* and its rows do not count */
        db->changes = 0;
      }
      db->fk_stmt = fk_outer;
      st->prog->out = o;
    }
    if (rc != MICA_OK) {
      if (rc == MICA_DONE) rc = MICA_ERROR;
      int code = db->errcode ? db->errcode : rc;
      stmt_finish(st, 1, NULL);
      return code;
    }
  }
  if (st->prog->kind == PROG_SELECT) {
    rc = select_next(&x, st->prog->sel);
    if (rc == MICA_ROW) {
      Row *r = st->prog->sel->cur;
      for (int i = 0; i < st->ncol && i < r->n; i++)
        value_borrow(&st->row[i], &r->v[i]);
      st->has_row = 1;
      return MICA_ROW;
    }
  } else {
    OutRows *o = st->prog->out;
    if (o && o->pos < o->rows.n) {
      Row *r = o->rows.rows[o->pos++];
      for (int i = 0; i < st->ncol && i < r->n; i++)
        value_borrow(&st->row[i], &r->v[i]);
      st->has_row = 1;
      return MICA_ROW;
    }
    rc = MICA_DONE;
  }
  if (rc == MICA_DONE) {
    stmt_finish(st, 0, &rc);
    if (rc != MICA_DONE) return rc;
    return MICA_DONE;
  }
  int code = db->errcode ? db->errcode : rc;
  stmt_finish(st, 1, NULL);
  return code;
}

static void out_rows_free(Prog *p) {
  if (p && p->out) {
    OutRows *o = p->out;
    rowlist_clear(&o->rows);
    free(o);
    p->out = NULL;
  }
}

int mica_reset(mica_stmt *st) {
  if (!st) return MICA_OK;
  int rc = stmt_reset(st);
  if (rc == MICA_OK) rc = st->step_err;
  st->step_err = 0;
  return rc;
}

static int stmt_reset(mica_stmt *st) {
  stmt_clear_row(st);
  int rc = MICA_OK;
  if (st->state == STMT_RUNNING) stmt_finish(st, 0, &rc);
  out_rows_free(st->prog);
  if (st->prog) prog_reset(st->prog);
  st->state = STMT_READY;
  return rc == MICA_DONE ? MICA_OK : rc;
}

int mica_finalize(mica_stmt *st) {
  if (!st) return MICA_OK;
  mica_db *db = st->db;
  int rc = mica_reset(st);
  mica_stmt **pp = &db->stmts;
  while (*pp && *pp != st)
    pp = &(*pp)->next;
  if (*pp) *pp = st->next;
  plan_unprepare(st);
  if (st->ast) ast_free(st->ast);
  for (int i = 0; i < st->nparam; i++)
    value_release(&st->params[i]);
  free(st->params);
  if (st->param_names) {
    for (int i = 0; i < st->nparam; i++)
      free(st->param_names[i]);
    free(st->param_names);
  }
  free(st->sql);
  free(st);
  if (db->close_pending && !db->stmts) db_free(db);
  return rc;
}

int mica_clear_bindings(mica_stmt *st) {
  for (int i = 0; i < st->nparam; i++)
    value_set_null(&st->params[i]);
  return MICA_OK;
}

mica_db *mica_db_handle(mica_stmt *st) { return st ? st->db : NULL; }
mica_stmt *mica_next_stmt(mica_db *db, mica_stmt *st) { return st ? st->next : db->stmts; }
int mica_stmt_readonly(mica_stmt *st) { return st ? st->readonly : 1; }
int mica_stmt_busy(mica_stmt *st) { return st && st->state == STMT_RUNNING; }
int mica_stmt_isexplain(mica_stmt *st) { return st ? st->explain : 0; }
const char *mica_sql(mica_stmt *st) { return st ? st->sql : NULL; }

/* The statement's text with each parameter replaced by its bound value as a literal (as
 * sqlite3_expanded_sql: NULL, integers, floats with 15 significant digits, 'quoted' text, x'' blobs).
 * Parameters are numbered as the parser numbers them: ? takes the largest index so far plus one, ?NNN
 * its number, a name the index of its first occurrence. */
const char *mica_bind_parameter_decltype(mica_stmt *st, int idx) {
  if (!st || !st->param_decl || idx < 1 || idx > st->nparam) return NULL;
  return st->param_decl[idx - 1];
}

char *mica_expanded_sql(mica_stmt *st) {
  if (!st) return NULL;
  StrBuf b;
  strbuf_init(&b);
  const char *sql = st->sql;
  int n = (int)strlen(sql), pos = 0, off, len, maxidx = 0;
  while (parse_next_param(sql, n, pos, &off, &len)) {
    strbuf_append(&b, sql + pos, off - pos);
    int idx;
    if (len == 1) {
      idx = ++maxidx;
    } else if (sql[off] == '?') {
      idx = atoi(sql + off + 1);
    } else {
      char name[256];
      snprintf(name, sizeof name, "%.*s", len, sql + off);
      idx = mica_bind_parameter_index(st, name);
    }
    if (idx > maxidx) maxidx = idx;
    const Value *v = idx >= 1 && idx <= st->nparam ? &st->params[idx - 1] : NULL;
    if (!v || v->type == VAL_NULL) {
      strbuf_append(&b, "NULL", 4);
    } else if (v->type == VAL_INT) {
      strbuf_appendf(&b, "%lld", (long long)v->u.i);
    } else if (v->type == VAL_REAL) {
      strbuf_appendf(&b, "%!.15g", v->u.r);
    } else if (v->type == VAL_TEXT) {
      strbuf_appendc(&b, '\'', 1);
      for (int i = 0; i < v->n; i++) {
        if (v->z[i] == '\'') strbuf_appendc(&b, '\'', 1);
        strbuf_appendc(&b, v->z[i], 1);
      }
      strbuf_appendc(&b, '\'', 1);
    } else {
      strbuf_append(&b, "x'", 2);
      for (int i = 0; i < v->n; i++)
        strbuf_appendf(&b, "%02x", v->zeroblob || !v->z ? 0 : ((const unsigned char *)v->z)[i]);
      strbuf_append(&b, "'", 1);
    }
    pos = off + len;
  }
  strbuf_append(&b, sql + pos, n - pos);
  return strbuf_finish(&b);
}

/* ------------------------------------------------------------------ binding */
static Value *bind_slot(mica_stmt *st, int idx, int *rc) {
  *rc = MICA_OK;
  if (!st) {
    *rc = MICA_MISUSE;
    return NULL;
  }
  if (st->state == STMT_RUNNING) {
    *rc = mica_set_error(st->db, MICA_MISUSE, "bad parameter or other API misuse");
    return NULL;
  }
  if (idx < 1 || idx > st->nparam) {
    *rc = mica_set_error(st->db, MICA_RANGE, "column index out of range");
    return NULL;
  }
  return &st->params[idx - 1];
}

int mica_bind_null(mica_stmt *st, int idx) {
  int rc;
  Value *v = bind_slot(st, idx, &rc);
  if (v) value_set_null(v);
  return rc;
}
int mica_bind_int(mica_stmt *st, int idx, int i) { return mica_bind_int64(st, idx, i); }
int mica_bind_int64(mica_stmt *st, int idx, mica_int64 i) {
  int rc;
  Value *v = bind_slot(st, idx, &rc);
  if (v) value_set_int(v, i);
  return rc;
}
int mica_bind_double(mica_stmt *st, int idx, double r) {
  int rc;
  Value *v = bind_slot(st, idx, &rc);
  if (v) value_set_real(v, r);
  return rc;
}
int mica_bind_text(mica_stmt *st, int idx, const char *z, int n) {
  int rc;
  Value *v = bind_slot(st, idx, &rc);
  if (!v) return rc;
  if (!z) {
    value_set_null(v);
    return MICA_OK;
  }
  if (n < 0) n = (int)strlen(z);
  return value_set_text_copy(v, z, n);
}
int mica_bind_blob(mica_stmt *st, int idx, const void *z, int n) {
  int rc;
  Value *v = bind_slot(st, idx, &rc);
  if (!v) return rc;
  if (!z) {
    value_set_null(v);
    return MICA_OK;
  }
  return value_set_blob_copy(v, z, n < 0 ? 0 : n);
}
int mica_bind_zeroblob(mica_stmt *st, int idx, int n) {
  int rc;
  Value *v = bind_slot(st, idx, &rc);
  if (!v) return rc;
  if (n < 0) n = 0;
  char *z = calloc(1, (size_t)n + 1);
  if (!z) return MICA_NOMEM;
  return value_set_blob(v, z, n, VAL_DYN); /* NOLINT(clang-analyzer-unix.Malloc): takes z */
}
int mica_bind_value(mica_stmt *st, int idx, const mica_value *val) {
  int rc;
  Value *v = bind_slot(st, idx, &rc);
  if (!v) return rc;
  value_release(v);
  return value_copy(v, val);
}
int mica_bind_parameter_count(mica_stmt *st) { return st ? st->nparam : 0; }
const char *mica_bind_parameter_name(mica_stmt *st, int idx) {
  if (!st || idx < 1 || idx > st->nparam || !st->param_names) return NULL;
  return st->param_names[idx - 1];
}
int mica_bind_parameter_index(mica_stmt *st, const char *name) {
  if (!st || !name || !st->param_names) return 0;
  for (int i = 0; i < st->nparam; i++)
    if (st->param_names[i] && !strcmp(st->param_names[i], name)) return i + 1;
  return 0;
}

/* ------------------------------------------------------------------ columns */
int mica_column_count(mica_stmt *st) { return st ? st->ncol : 0; }
int mica_data_count(mica_stmt *st) { return st && st->has_row ? st->ncol : 0; }

static const char *col_meta(mica_stmt *st, int col, char **arr) {
  if (!st || col < 0 || col >= st->ncol || !arr) return NULL;
  return arr[col];
}
const char *mica_column_name(mica_stmt *st, int col) { return col_meta(st, col, st ? st->colnames : NULL); }
const char *mica_column_exprtype(mica_stmt *st, int col) {
  if (!st || col < 0 || col >= st->ncol) return NULL;
  if (st->decltypes && st->decltypes[col]) return st->decltypes[col];
  return st->exprtypes ? st->exprtypes[col] : NULL;
}

const char *mica_column_decltype(mica_stmt *st, int col) {
  return col_meta(st, col, st ? st->decltypes : NULL);
}
const char *mica_column_table_name(mica_stmt *st, int col) {
  return col_meta(st, col, st ? st->col_table : NULL);
}
const char *mica_column_origin_name(mica_stmt *st, int col) {
  return col_meta(st, col, st ? st->col_origin : NULL);
}
const char *mica_column_database_name(mica_stmt *st, int col) {
  return col_meta(st, col, st ? st->col_table : NULL) ? "main" : NULL;
}

static Value *col_value(mica_stmt *st, int col) {
  static Value null_v = {.type = VAL_NULL};
  if (!st || !st->has_row || col < 0 || col >= st->ncol) return &null_v;
  return &st->row[col];
}

int mica_column_type(mica_stmt *st, int col) { return col_value(st, col)->type; }
mica_int64 mica_column_int64(mica_stmt *st, int col) { return mica_value_int64(col_value(st, col)); }
int mica_column_int(mica_stmt *st, int col) { return mica_value_int(col_value(st, col)); }
double mica_column_double(mica_stmt *st, int col) { return mica_value_double(col_value(st, col)); }
const unsigned char *mica_column_text(mica_stmt *st, int col) { return mica_value_text(col_value(st, col)); }
const void *mica_column_blob(mica_stmt *st, int col) { return mica_value_blob(col_value(st, col)); }
int mica_column_bytes(mica_stmt *st, int col) { return mica_value_bytes(col_value(st, col)); }
mica_value *mica_column_value(mica_stmt *st, int col) { return col_value(st, col); }

/* ------------------------------------------------------------------ exec */
int mica_exec(mica_db *db, const char *sql, mica_exec_callback cb, void *arg, char **errmsg) {
  if (errmsg) *errmsg = NULL;
  if (!db) return MICA_MISUSE;
  int rc = MICA_OK;
  const char *p = sql ? sql : "";
  while (*p && rc == MICA_OK) {
    mica_stmt *st = NULL;
    const char *tail = NULL;
    rc = mica_prepare(db, p, -1, &st, &tail);
    if (rc) break;
    if (!st) {
      if (!tail || tail == p) break;
      p = tail;
      continue;
    }
    int n = st->ncol;
    char **vals = NULL, **names = NULL;
    for (;;) {
      int s = mica_step(st);
      if (s == MICA_ROW) {
        if (!cb) continue;
        if (!vals) {
          vals = calloc((size_t)n + 1, sizeof(char *));
          names = calloc((size_t)n + 1, sizeof(char *));
          if (!vals || !names) {
            rc = mica_set_error(db, MICA_NOMEM, "out of memory");
            break;
          }
          for (int i = 0; i < n; i++)
            names[i] = (char *)mica_column_name(st, i);
        }
        for (int i = 0; i < n; i++)
          vals[i] = (char *)mica_column_text(st, i);
        if (cb(arg, n, vals, names)) {
          rc = mica_set_error(db, MICA_ABORT, "query aborted");
          break;
        }
        continue;
      }
      if (s != MICA_DONE) rc = s;
      break;
    }
    free(vals);
    free(names);
    char *saved = NULL;
    int code = db->errcode;
    if (rc && db->errmsg) saved = strdup(db->errmsg);
    mica_finalize(st);
    if (rc) {
      free(db->errmsg);
      db->errmsg = saved;
      db->errcode = code ? code : rc;
    }
    p = tail ? tail : "";
  }
  if (rc && errmsg) {
    const char *m = mica_errmsg(db);
    size_t len = strlen(m);
    *errmsg = mica_malloc((int)len + 1);
    if (*errmsg) memcpy(*errmsg, m, len + 1);
  }
  return rc;
}

/* ------------------------------------------------------------------ mica_complete */
int mica_complete(const char *sql) {
  /* the tokenizer's view: a ';' outside strings, comments and trigger bodies ends a statement */
  return sql ? parse_complete(sql) : 0;
}
