/*
 * vtab.c: virtual tables: the module registry (mica_create_module), connecting tables and declaring
 * their columns (mica_declare_vtab), eponymous tables, CREATE VIRTUAL TABLE / DROP TABLE, and the hooks
 * through which the planner and the executor use a virtual table. Objects and ownership: vtab.h.
 *
 * SCHEMA
 *   CREATE VIRTUAL TABLE t USING m(args) stores ("table", t, t, 0, "CREATE VIRTUAL TABLE t USING
 *   m(args)") in sqlite_schema, exactly as SQLite does, and calls m's create. Loading the schema does not
 *   connect (the module may not be registered on this connection: the file still opens); the first
 *   statement that uses the table connects it, and fails with "no such module: m" without the module.
 *   mica_declare_vtab parses the declared CREATE TABLE with the ordinary parser and builds the columns
 *   as for a real table (plan_build_table). The word HIDDEN in a column's type makes it hidden and is
 *   removed from the type; the affinity stays the one of the type as written (SQLite's rule: "x HIDDEN"
 *   has NUMERIC affinity). A virtual table has no INTEGER PRIMARY KEY (ipk -1).
 *
 * PLANNING (plan.c calls vtab_scan_init, then vtab_plan once per scan)
 *   The planner collects the terms `col op expr` / `expr op col` / `col IS [NOT] NULL` of the scan's
 *   join level (WHERE and inner-join ON terms, the LEFT JOIN's ON for its right side, and the
 *   table-valued function arguments as `hidden_col = arg`), with usable set when expr reads only
 *   tables scanned before. best_index chooses; the values of the terms it gives an argv_index are
 *   evaluated at each filter; the terms it marks omit are dropped from the filters, the others stay.
 *   ORDER BY is offered for a lone table and, when consumed, the SELECT does not sort.
 *
 * EXECUTION (exec.c's OP_VTAB)
 *   op_open opens a cursor; the first op_next calls filter (with the argument values evaluated then,
 *   so a correlated argument sees the current outer row), later ones next; eof ends the scan. Each row
 *   sets the slot's rowid from rowid() and marks its columns unfetched: the first column read of the
 *   row fetches every column through column() (vtab_slot_fetch). op_close closes the cursor, so a
 *   rescan (the inner side of a nested loop) opens a fresh one.
 *
 * INVARIANTS
 *   (1) A VtabConn's mica_vtab stays valid while any reference exists; DROP TABLE destroys it at once
 *       and sets vt to NULL, and a scan compiled earlier then fails cleanly ("no such table").
 *   (2) mica_declare_vtab works only while a create/connect of this connection runs (registry
 *       declaring != NULL); nested connects (a connect that prepares SQL) save and restore it.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ast.h"
#include "ddl.h"
#include "parse.h"
#include "plan.h"
#include "schema.h"
#include "vtab.h"

struct VtabModule {
  char *name;
  const mica_module *m;
  void *aux;
  mica_destructor destroy;
  int refs;
  Table *epo; /* the eponymous table, once used */
  VtabModule *next;
};

struct VtabConn {
  VtabModule *mod;
  mica_vtab *vt; /* NULL once destroyed (DROP TABLE) */
  int refs;
};

struct VtabRegistry {
  VtabModule *mods;
  Table *declaring; /* the table whose create/connect is running */
  int declared;
};

typedef struct VtabScan {
  VtabConn *conn; /* referenced */
  int planned;
  int idx_num;
  char *idx_str; /* arena copy */
  int nargv;
  PExpr **argv;
  int slot;
  mica_vtab_cursor *cur; /* runtime */
  int filtered;
} VtabScan;

static int name_eq(const char *a, const char *b) { return a && b && !strcasecmp(a, b); }

static int nomem(mica_db *db) { return mica_set_error(db, MICA_NOMEM, "out of memory"); }

/* Moves a module's message (or the code's text) into the connection's error; returns rc. */
static int vt_error(mica_db *db, mica_vtab *vt, int rc) {
  if (rc == MICA_NOMEM) return nomem(db);
  if (vt && vt->errmsg) {
    mica_set_error(db, rc, "%s", vt->errmsg);
    mica_free(vt->errmsg);
    vt->errmsg = NULL;
    return rc;
  }
  return mica_set_error(db, rc, "%s", mica_errstr(rc));
}

/* ------------------------------------------------------------------ modules */
static void module_unref(VtabModule *m) {
  if (!m || --m->refs > 0) return;
  if (m->destroy) m->destroy(m->aux);
  free(m->name);
  free(m);
}

static void conn_unref(VtabConn *c) {
  if (!c || --c->refs > 0) return;
  if (c->vt) c->mod->m->disconnect(c->vt);
  module_unref(c->mod);
  free(c);
}

static int is_eponymous(const VtabModule *m) { return !m->m->create || m->m->create == m->m->connect; }

static VtabModule *find_module(mica_db *db, const char *name) {
  if (!db->vtabs) return NULL;
  for (VtabModule *m = db->vtabs->mods; m; m = m->next)
    if (name_eq(m->name, name)) return m;
  return NULL;
}

/* Ends a registration: the eponymous table goes, the module lives on while tables use it. */
static void module_unregister(VtabModule *m) {
  if (m->epo) schema_table_free(m->epo);
  m->epo = NULL;
  module_unref(m);
}

int mica_create_module(mica_db *db, const char *name, const mica_module *module, void *aux,
                       mica_destructor destroy) {
  if (!db || !name || !*name || strlen(name) > 255) return MICA_MISUSE;
  if (module && (module->version != 1 || !module->connect || !module->best_index || !module->disconnect ||
                 !module->open || !module->close || !module->filter || !module->next || !module->eof ||
                 !module->column || !module->rowid))
    return MICA_MISUSE;
  if (!db->vtabs && !(db->vtabs = calloc(1, sizeof(VtabRegistry)))) return MICA_NOMEM;
  VtabRegistry *r = db->vtabs;
  for (VtabModule **pp = &r->mods; *pp; pp = &(*pp)->next)
    if (name_eq((*pp)->name, name)) {
      VtabModule *old = *pp;
      *pp = old->next;
      module_unregister(old);
      break;
    }
  db->schema_gen++; /* statements resolve names again */
  if (!module) return MICA_OK;
  VtabModule *m = calloc(1, sizeof *m);
  if (!m || !(m->name = strdup(name))) {
    free(m);
    return MICA_NOMEM;
  }
  m->m = module;
  m->aux = aux;
  m->destroy = destroy;
  m->refs = 1;
  m->next = r->mods;
  r->mods = m;
  return MICA_OK;
}

int vtab_register_builtins(mica_db *db) {
  int rc = vtab_series_register(db);
  if (rc == MICA_OK) rc = vtab_json_register(db);
  if (rc == MICA_OK) rc = vtab_pragma_register(db);
  return rc;
}

void vtab_registry_free(mica_db *db) {
  VtabRegistry *r = db->vtabs;
  if (!r) return;
  while (r->mods) {
    VtabModule *m = r->mods;
    r->mods = m->next;
    module_unregister(m);
  }
  free(r);
  db->vtabs = NULL;
}

/* ------------------------------------------------------------------ connecting */
/* Removes the word HIDDEN from a declared type; returns 1 if it was there. */
static int strip_hidden(char *z) {
  size_t n = strlen(z);
  for (size_t i = 0; i + 6 <= n; i++) {
    if (strncasecmp(z + i, "hidden", 6) || (i > 0 && z[i - 1] != ' ') || (z[i + 6] && z[i + 6] != ' '))
      continue;
    size_t del = 6 + (z[i + 6] ? 1 : 0);
    memmove(z + i, z + i + del, n - i - del + 1);
    if (z[i] == 0 && i > 0) z[i - 1] = 0;
    return 1;
  }
  return 0;
}

int mica_declare_vtab(mica_db *db, const char *sql) {
  if (!db || !sql || !db->vtabs || !db->vtabs->declaring) return MICA_MISUSE;
  Stmt *ast = NULL;
  const char *tail;
  char *err = NULL;
  int off;
  int rc = parse_statement(sql, -1, MICA_DIALECT_SQLITE, &ast, &tail, &err, &off);
  if (rc != MICA_OK || !ast || ast->kind != SK_CREATE_TABLE || ast->sel) {
    rc = mica_set_error(db, MICA_ERROR, "%s", err ? err : "vtable declaration is not a CREATE TABLE");
    free(err);
    if (ast) ast_free(ast);
    return rc;
  }
  free(err);
  Table tmp = {.ipk = -1, .ast = ast};
  rc = plan_build_table(db, &tmp);
  tmp.ast = NULL;
  ast_free(ast);
  free(tmp.checks);
  if (tmp.check_names)
    for (int i = 0; i < tmp.nchecks; i++)
      free(tmp.check_names[i]);
  free(tmp.check_names);
  if (rc == MICA_OK) {
    Table *t = db->vtabs->declaring;
    for (int i = 0; i < tmp.ncol; i++) {
      Column *c = &tmp.cols[i];
      c->dflt = NULL; /* it pointed into the freed parse tree */
      c->gen = 0;
      if (c->type && strip_hidden(c->type)) c->hidden = 1;
    }
    schema_table_free_columns(t);
    t->ncol = tmp.ncol;
    t->cols = tmp.cols;
    t->ipk = -1;
    db->vtabs->declared = 1;
    return MICA_OK;
  }
  schema_table_free_columns(&tmp);
  return rc == MICA_NOMEM ? nomem(db) : mica_set_error(db, rc, "vtable declaration failed");
}

/* Runs the module's create or connect for t with argv; on success t->vconn holds the new table
 * object. */
static int conn_make(mica_db *db, VtabModule *mod, Table *t, int create, int argc, const char *const *argv) {
  VtabRegistry *r = db->vtabs;
  Table *save = r->declaring;
  int saved = r->declared;
  r->declaring = t;
  r->declared = 0;
  mica_vtab *vt = NULL;
  char *errmsg = NULL;
  int rc = (create ? mod->m->create : mod->m->connect)(db, mod->aux, argc, argv, &vt, &errmsg);
  int declared = r->declared;
  r->declaring = save;
  r->declared = saved;
  if (rc != MICA_OK || !vt) {
    if (rc == MICA_OK) rc = MICA_ERROR;
    if (errmsg)
      mica_set_error(db, rc, "%s", errmsg);
    else if (rc == MICA_NOMEM)
      nomem(db);
    else
      mica_set_error(db, rc, "vtable constructor failed: %s", t->name);
    mica_free(errmsg);
    return rc;
  }
  mica_free(errmsg);
  vt->module = mod->m;
  vt->errmsg = NULL;
  if (!declared) {
    mod->m->disconnect(vt);
    return mica_set_error(db, MICA_ERROR, "vtable constructor did not declare schema: %s", t->name);
  }
  VtabConn *c = calloc(1, sizeof *c);
  if (!c) {
    mod->m->disconnect(vt);
    return nomem(db);
  }
  c->mod = mod;
  mod->refs++;
  c->vt = vt;
  c->refs = 1;
  t->vconn = c;
  return MICA_OK;
}

void vtab_table_release(Table *t) {
  conn_unref(t->vconn);
  t->vconn = NULL;
}

Table *vtab_eponymous(mica_db *db, const char *name, int *rc) {
  *rc = MICA_OK;
  VtabModule *m = find_module(db, name);
  if (!m || !is_eponymous(m)) return NULL;
  if (m->epo) return m->epo;
  Table *t = calloc(1, sizeof *t);
  if (!t || !(t->name = strdup(m->name))) {
    free(t);
    *rc = nomem(db);
    return NULL;
  }
  t->ipk = -1;
  t->is_virtual = 1;
  const char *argv[3] = {m->name, "main", m->name};
  *rc = conn_make(db, m, t, 0, 3, argv);
  if (*rc) {
    schema_table_free(t);
    return NULL;
  }
  m->epo = t;
  return t;
}

/* The module name and arguments of a CREATE VIRTUAL TABLE parse tree as connect's argv (malloc'd
 * array; the strings are borrowed from the tree and t). */
static const char **table_argv(const Table *t, int *argc) {
  const Stmt *s = t->ast;
  const char **argv = calloc((size_t)s->nmodule_args + 3, sizeof(char *));
  if (!argv) return NULL;
  argv[0] = s->module;
  argv[1] = "main";
  argv[2] = t->name;
  for (int i = 0; i < s->nmodule_args; i++)
    argv[3 + i] = s->module_args[i];
  *argc = s->nmodule_args + 3;
  return argv;
}

int vtab_connect(mica_db *db, Table *t) {
  if (!t->is_virtual || t->vconn) return MICA_OK;
  const Stmt *s = t->ast;
  if (!s || s->kind != SK_CREATE_VTABLE) return mica_set_error(db, MICA_CORRUPT, "malformed virtual table");
  VtabModule *m = find_module(db, s->module);
  if (!m) return mica_set_error(db, MICA_ERROR, "no such module: %s", s->module);
  int argc = 0;
  const char **argv = table_argv(t, &argc);
  if (!argv) return nomem(db);
  int rc = conn_make(db, m, t, 0, argc, argv);
  free(argv);
  return rc;
}

/* ------------------------------------------------------------------ DDL */
int vtab_create_table(Exec *x, const char *name, const char *module, int nargs, const char *const *args,
                      const char *sql, int if_not_exists) {
  mica_db *db = x->db;
  (void)nargs;
  (void)args;
  if (schema_find_table(db->schema, name) || schema_find_index(db->schema, name)) {
    if (if_not_exists) return MICA_OK;
    return mica_set_error(db, MICA_ERROR, "%s %s already exists",
                          schema_find_table(db->schema, name) ? "table" : "index", name);
  }
  if (!strncasecmp(name, "sqlite_", 7))
    return mica_set_error(db, MICA_ERROR, "object name reserved for internal use: %s", name);
  VtabModule *m = find_module(db, module);
  if (!m || !m->m->create || !m->m->destroy)
    return mica_set_error(db, MICA_ERROR, "no such module: %s", module);
  char *tname = strdup(name);
  if (!tname) return nomem(db);
  int rc = ddl_schema_insert(x, "table", tname, tname, 0, sql);
  if (rc == MICA_OK) rc = ddl_schema_changed(x);
  if (rc == MICA_OK) rc = schema_ensure(db);
  Table *t = rc == MICA_OK ? schema_find_table(db->schema, tname) : NULL;
  if (rc == MICA_OK && (!t || !t->is_virtual))
    rc = mica_set_error(db, MICA_INTERNAL, "virtual table vanished");
  if (rc == MICA_OK) {
    int argc = 0;
    const char **argv = table_argv(t, &argc);
    rc = argv ? conn_make(db, m, t, 1, argc, argv) : nomem(db);
    free(argv);
  }
  free(tname);
  return rc;
}

int vtab_drop_table(Exec *x, Table *t) {
  mica_db *db = x->db;
  int rc = vtab_connect(db, t);
  if (rc) return rc;
  VtabConn *c = t->vconn;
  if (c->vt) {
    int (*destroy)(mica_vtab *) = c->mod->m->destroy ? c->mod->m->destroy : c->mod->m->disconnect;
    rc = destroy(c->vt);
    if (rc) return vt_error(db, c->vt, rc);
    c->vt = NULL;
  }
  char *name = strdup(t->name);
  if (!name) return nomem(db);
  rc = ddl_schema_delete(x, 2, name, NULL);
  if (rc == MICA_OK) rc = ddl_schema_changed(x);
  free(name);
  return rc;
}

/* ------------------------------------------------------------------ planning */
int vtab_scan_init(mica_db *db, Arena *a, Op *op, Table *t) {
  VtabScan *s = arena_alloc(a, sizeof *s);
  if (!s) return nomem(db);
  s->conn = t->vconn;
  s->conn->refs++;
  s->slot = op->slot;
  op->vscan = s;
  op->tab = t;
  return MICA_OK;
}

int vtab_plan(mica_db *db, Arena *a, Op *op, VtabTerm *terms, int nterms, const VtabOrder *order, int norder,
              uint64_t col_used, int *consumed) {
  VtabScan *s = op->vscan;
  mica_vtab *vt = s->conn->vt;
  if (consumed) *consumed = 0;
  if (!vt) return mica_set_error(db, MICA_ERROR, "no such table: %s", op->tab->name);
  mica_index_constraint *cons = calloc((size_t)nterms + 1, sizeof *cons);
  mica_index_constraint_usage *use = calloc((size_t)nterms + 1, sizeof *use);
  mica_index_orderby *ob = calloc((size_t)norder + 1, sizeof *ob);
  if (!cons || !use || !ob) {
    free(cons);
    free(use);
    free(ob);
    return nomem(db);
  }
  for (int i = 0; i < nterms; i++) {
    cons[i].column = terms[i].column;
    cons[i].op = (unsigned char)terms[i].op;
    cons[i].usable = (unsigned char)(terms[i].usable != 0);
  }
  for (int i = 0; i < norder; i++) {
    ob[i].column = order[i].column;
    ob[i].desc = (unsigned char)(order[i].desc != 0);
  }
  mica_index_info info = {.nconstraint = nterms,
                          .constraint = cons,
                          .norderby = norder,
                          .orderby = ob,
                          .col_used = col_used,
                          .usage = use,
                          .estimated_cost = 1e6,
                          .estimated_rows = 25};
  int rc = s->conn->mod->m->best_index(vt, &info);
  if (rc == MICA_CONSTRAINT) {
    mica_free(vt->errmsg);
    vt->errmsg = NULL;
    rc = mica_set_error(db, MICA_ERROR, "no query solution");
  } else if (rc) {
    rc = vt_error(db, vt, rc);
  }
  int nargv = 0;
  for (int i = 0; rc == MICA_OK && i < nterms; i++) {
    int k = use[i].argv_index;
    if (k == 0) continue;
    if (k < 0 || k > nterms || !terms[i].usable || !terms[i].value)
      rc = mica_set_error(db, MICA_ERROR, "xBestIndex malfunction");
    if (k > nargv) nargv = k;
  }
  if (rc == MICA_OK) {
    s->argv = arena_alloc(a, sizeof(PExpr *) * (size_t)(nargv + 1));
    if (!s->argv) rc = nomem(db);
  }
  for (int i = 0; rc == MICA_OK && i < nterms; i++) {
    int k = use[i].argv_index;
    terms[i].argv_index = k;
    terms[i].omit = k > 0 && use[i].omit;
    if (k == 0) continue;
    if (s->argv[k - 1]) rc = mica_set_error(db, MICA_ERROR, "xBestIndex malfunction");
    s->argv[k - 1] = terms[i].value;
  }
  for (int i = 0; rc == MICA_OK && i < nargv; i++)
    if (!s->argv[i]) rc = mica_set_error(db, MICA_ERROR, "xBestIndex malfunction");
  if (rc == MICA_OK) {
    s->nargv = nargv;
    s->idx_num = info.idx_num;
    s->idx_str = info.idx_str ? arena_strdup(a, info.idx_str) : NULL;
    if (info.idx_str && !s->idx_str) rc = nomem(db);
    s->planned = 1;
    if (consumed) *consumed = norder > 0 && info.order_by_consumed; /* only when it was asked */
  }
  if (info.free_idx_str) mica_free(info.idx_str);
  free(cons);
  free(use);
  free(ob);
  return rc;
}

void vtab_eqp(const Op *op, char *buf, size_t n) {
  const VtabScan *s = op->vscan;
  snprintf(buf, n, "VIRTUAL TABLE INDEX %d:%s", s->idx_num, s->idx_str ? s->idx_str : "");
}

void vtab_scan_free(Op *op) {
  if (!op->vscan) return;
  vtab_op_close(op);
  conn_unref(op->vscan->conn);
  op->vscan->conn = NULL;
  op->vscan = NULL;
}

/* ------------------------------------------------------------------ execution */
int vtab_op_open(Exec *x, Op *op) {
  VtabScan *s = op->vscan;
  mica_vtab *vt = s->conn->vt;
  x->slots[op->slot].nullrow = 0;
  x->slots[op->slot].vscan = s;
  s->filtered = 0;
  if (!vt) return mica_set_error(x->db, MICA_ERROR, "no such table: %s", op->tab ? op->tab->name : "?");
  if (!s->planned) {
    /* not reached by plan.c, which plans every scan; plan with nothing offered */
    Prog *p = x->prog;
    int rc = vtab_plan(x->db, &p->arena, op, NULL, 0, NULL, 0, ~(uint64_t)0, NULL);
    if (rc) return rc;
  }
  if (s->cur) return MICA_OK;
  mica_vtab_cursor *cur = NULL;
  int rc = s->conn->mod->m->open(vt, &cur);
  if (rc) return vt_error(x->db, vt, rc);
  if (!cur) return mica_set_error(x->db, MICA_ERROR, "xOpen malfunction");
  cur->vtab = vt;
  s->cur = cur;
  return MICA_OK;
}

static int scan_filter(Exec *x, VtabScan *s) {
  const mica_module *m = s->conn->mod->m;
  Value *vals = values_alloc((size_t)s->nargv + 1);
  mica_value **argv = calloc((size_t)s->nargv + 1, sizeof(mica_value *));
  int rc = vals && argv ? MICA_OK : nomem(x->db);
  for (int i = 0; rc == MICA_OK && i < s->nargv; i++) {
    rc = expr_eval(x, s->argv[i], &vals[i]);
    argv[i] = &vals[i];
  }
  if (rc == MICA_OK) {
    rc = m->filter(s->cur, s->idx_num, s->idx_str, s->nargv, argv);
    if (rc) rc = vt_error(x->db, s->conn->vt, rc);
  }
  for (int i = 0; vals && i < s->nargv; i++)
    value_release(&vals[i]);
  free(vals);
  free(argv);
  return rc;
}

int vtab_op_next(Exec *x, Op *op) {
  VtabScan *s = op->vscan;
  int rc = exec_check_interrupt(x);
  if (rc) return rc;
  if (!s->cur) return MICA_DONE;
  const mica_module *m = s->conn->mod->m;
  if (!s->filtered) {
    s->filtered = 1;
    rc = scan_filter(x, s);
  } else {
    rc = m->next(s->cur);
    if (rc) rc = vt_error(x->db, s->conn->vt, rc);
  }
  if (rc) return rc;
  if (m->eof(s->cur)) return MICA_DONE;
  Slot *sl = &x->slots[op->slot];
  mica_int64 rowid = 0;
  rc = m->rowid(s->cur, &rowid);
  if (rc) return vt_error(x->db, s->conn->vt, rc);
  sl->rowid = rowid;
  sl->vscan = s;
  sl->decoded = 0;
  sl->nullrow = 0;
  return MICA_ROW;
}

void vtab_op_close(Op *op) {
  VtabScan *s = op->vscan;
  if (!s || !s->cur) return;
  s->conn->mod->m->close(s->cur);
  s->cur = NULL;
  s->filtered = 0;
}

int vtab_slot_fetch(Exec *x, Slot *sl) {
  VtabScan *s = sl->vscan;
  int rc = MICA_OK;
  sl->decoded = 1;
  for (int i = 0; i < sl->ncol; i++) {
    value_release(&sl->cols[i]);
    value_init(&sl->cols[i]);
  }
  if (!s->cur) return MICA_OK;
  const mica_module *m = s->conn->mod->m;
  for (int i = 0; rc == MICA_OK && i < sl->ncol; i++) {
    mica_context ctx = {.out = &sl->cols[i], .db = x->db};
    rc = m->column(s->cur, &ctx, i);
    if (ctx.is_error) {
      if (rc == MICA_OK) rc = ctx.error_rc ? ctx.error_rc : MICA_ERROR;
      if (ctx.error_rc == MICA_NOMEM)
        nomem(x->db);
      else
        mica_set_error(x->db, rc, "%s", ctx.errmsg ? ctx.errmsg : mica_errstr(rc));
      free(ctx.errmsg);
    } else if (rc) {
      rc = vt_error(x->db, s->conn->vt, rc);
    }
  }
  return rc;
}

/* ------------------------------------------------------------------ DML */
int vtab_is_readonly(const Table *t) { return !t->vconn || !t->vconn->vt || !t->vconn->mod->m->update; }

int vtab_update(Exec *x, Table *t, int argc, Value *argv, int64_t *rowid) {
  mica_db *db = x->db;
  int rc = vtab_connect(db, t);
  if (rc) return rc;
  mica_vtab *vt = t->vconn->vt;
  const mica_module *m = t->vconn->mod->m;
  if (!vt) return mica_set_error(db, MICA_ERROR, "no such table: %s", t->name);
  if (!m->update) return mica_set_error(db, MICA_ERROR, "table %s may not be modified", t->name);
  mica_value **pv = calloc((size_t)argc + 1, sizeof(mica_value *));
  if (!pv) return nomem(db);
  for (int i = 0; i < argc; i++)
    pv[i] = &argv[i];
  mica_int64 r = rowid ? *rowid : 0;
  rc = m->update(vt, argc, pv, &r);
  free(pv);
  if (rc) return vt_error(db, vt, rc);
  if (rowid) *rowid = r;
  return MICA_OK;
}
