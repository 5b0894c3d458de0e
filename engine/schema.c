/*
 * schema.c: the in-memory schema (schema.h), loaded from sqlite_schema.
 *
 * sqlite_schema (root page 1) has the columns type, name, tbl_name, rootpage, sql. Loading scans it
 * in rowid order: tables and views first get their parse trees from the stored CREATE text
 * (parse_statement), then indexes are attached to their tables (explicit ones from CREATE INDEX,
 * sqlite_autoindex_<table>_<n> ones from the table's PRIMARY KEY / UNIQUE constraints in the order
 * they appear in the CREATE TABLE), then triggers. A WITHOUT ROWID table gets its PRIMARY KEY index
 * (Table.pk, schema.h) when its CREATE TABLE is built, so the indexes that follow can append the
 * PRIMARY KEY columns to their entries. The schema records the cookie (header meta 1) it
 * was loaded at; schema_ensure reloads when the file's cookie differs, so a change committed by
 * another connection is picked up at the start of the next transaction.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "exec.h"
#include "plan.h"
#include "ast.h"
#include "parse.h"
#include "schema.h"
#include "value.h"
#include "vtab.h"

static int name_eq(const char *a, const char *b) {
  if (!a || !b) return 0;
  for (; *a && *b; a++, b++)
    if (tolower((unsigned char)*a) != tolower((unsigned char)*b)) return 0;
  return *a == *b;
}

void schema_trigger_free(Trigger *tr) {
  if (!tr) return;
  free(tr->name);
  free(tr->table);
  free(tr->sql);
  if (tr->ast) ast_free(tr->ast);
  free(tr);
}

static void index_free(Index *ix) {
  if (!ix) return;
  free(ix->name);
  free(ix->sql);
  free(ix->cols);
  free(ix->exprs);
  free(ix->desc);
  free(ix->colls);
  free(ix->pkpos);
  free(ix->stat);
  if (ix->coll_names) {
    for (int i = 0; i < ix->nfull; i++)
      free(ix->coll_names[i]);
    free(ix->coll_names);
  }
  if (ix->ast) ast_free(ix->ast);
  free(ix);
}

void schema_table_free_columns(Table *t) {
  for (int i = 0; i < t->ncol; i++) {
    free(t->cols[i].name);
    free(t->cols[i].type);
    free(t->cols[i].coll_name);
  }
  free(t->cols);
  t->cols = NULL;
  t->ncol = 0;
}

void schema_table_free(Table *t) {
  if (!t) return;
  vtab_table_release(t);
  schema_table_free_columns(t);
  free(t->checks);
  if (t->check_names) {
    for (int i = 0; i < t->nchecks; i++)
      free(t->check_names[i]);
    free(t->check_names);
  }
  while (t->fkeys) {
    FKey *fk = t->fkeys;
    t->fkeys = fk->next;
    free(fk->to);
    free(fk->from_cols);
    for (int i = 0; fk->to_cols && i < fk->ncol; i++)
      free(fk->to_cols[i]);
    free(fk->to_cols);
    schema_trigger_free(fk->act[0]);
    schema_trigger_free(fk->act[1]);
    free(fk);
  }
  index_free(t->pk);
  if (t->ast) ast_free(t->ast);
  free(t->name);
  free(t->sql);
  free(t);
}

void schema_free(Schema *s) {
  if (!s) return;
  Table *t = s->tables;
  while (t) {
    Table *n = t->next;
    schema_table_free(t);
    t = n;
  }
  Index *ix = s->indexes;
  while (ix) {
    Index *n = ix->next;
    index_free(ix);
    ix = n;
  }
  Trigger *tr = s->triggers;
  while (tr) {
    Trigger *n = tr->next;
    schema_trigger_free(tr);
    tr = n;
  }
  schema_table_free(s->master);
  free(s);
}

void schema_reset(mica_db *db) {
  if (db->schema && !db->schema->loaded) return;
  schema_free(db->schema);
  db->schema = calloc(1, sizeof(Schema));
  db->schema_gen++;
}

Table *schema_find_table(Schema *s, const char *name) {
  if (!s || !name) return NULL;
  for (Table *t = s->tables; t; t = t->next)
    if (name_eq(t->name, name)) return t;
  if (name_eq(name, "sqlite_schema") || name_eq(name, "sqlite_master") || name_eq(name, "main.sqlite_master"))
    return s->master;
  return NULL;
}

Index *schema_find_index(Schema *s, const char *name) {
  if (!s || !name) return NULL;
  for (Index *ix = s->indexes; ix; ix = ix->next)
    if (name_eq(ix->name, name)) return ix;
  for (Table *t = s->tables; t; t = t->next)
    if (t->pk && name_eq(t->pk->name, name)) return t->pk;
  return NULL;
}

Trigger *schema_find_trigger(Schema *s, const char *name) {
  if (!s || !name) return NULL;
  for (Trigger *t = s->triggers; t; t = t->next)
    if (name_eq(t->name, name)) return t;
  return NULL;
}

int schema_index_order(Table *t, Index **out, int max) {
  Index *all[SCHEMA_MAX_INDEXES + 1];
  int n = 0, k = 0;
  for (Index *ix = t->indexes; ix && n < SCHEMA_MAX_INDEXES; ix = ix->next_in_table) {
    if (t->pk && n == t->pk_seq) all[n++] = t->pk;
    if (n < SCHEMA_MAX_INDEXES) all[n++] = ix;
  }
  if (t->pk && n <= t->pk_seq && n < SCHEMA_MAX_INDEXES) all[n++] = t->pk;
  for (int pass = 0; pass < 2; pass++)
    for (int i = n - 1; i >= 0 && k < max; i--)
      if ((all[i]->onerror == OE_REPLACE) == pass) out[k++] = all[i];
  return k;
}

int schema_column_index(const Table *t, const char *name, int *is_rowid) {
  if (is_rowid) *is_rowid = 0;
  for (int i = 0; i < t->ncol; i++)
    if (name_eq(t->cols[i].name, name)) return i;
  if (!t->without_rowid && !t->is_view &&
      (name_eq(name, "rowid") || name_eq(name, "oid") || name_eq(name, "_rowid_"))) {
    if (is_rowid) *is_rowid = 1;
  }
  return -1;
}

/* ------------------------------------------------------------------ building */
static Table *master_table(void) {
  static const char *names[] = {"type", "name", "tbl_name", "rootpage", "sql"};
  static const char *types[] = {"text", "text", "text", "int", "text"};
  Table *t = calloc(1, sizeof *t);
  if (!t) return NULL;
  t->name = strdup("sqlite_schema");
  t->root = 1;
  t->ncol = 5;
  t->ipk = -1;
  t->cols = calloc(5, sizeof(Column));
  if (!t->name || !t->cols) {
    schema_table_free(t);
    return NULL;
  }
  for (int i = 0; i < 5; i++) {
    t->cols[i].name = strdup(names[i]);
    t->cols[i].type = strdup(types[i]);
    t->cols[i].aff = value_affinity_of_type(types[i], (int)strlen(types[i]));
  }
  return t;
}

static char *dup_rec_text(const RecValue *v) {
  if (v->type != REC_TEXT && v->type != REC_BLOB) return NULL;
  return strndup(v->u.s.p, v->u.s.n);
}

int schema_ensure(mica_db *db) {
  uint32_t cookie = 0;
  int rc = btree_get_meta(db->bt, BTREE_SCHEMA_VERSION, &cookie);
  if (rc) return mica_set_error(db, rc, "%s", btree_errmsg(db->bt));
  if (db->schema && db->schema->loaded && db->schema->cookie == cookie) return MICA_OK;
  schema_free(db->schema);
  db->schema_gen++;
  Schema *s = db->schema = calloc(1, sizeof(Schema));
  if (!s) return mica_set_error(db, MICA_NOMEM, "out of memory");
  s->master = master_table();
  if (!s->master) return mica_set_error(db, MICA_NOMEM, "out of memory");
  s->cookie = cookie;
  BtCursor *cur = NULL;
  rc = btree_cursor_open(db->bt, 1, 0, NULL, &cur);
  if (rc) return mica_set_error(db, rc, "%s", btree_errmsg(db->bt));
  int eof = 0;
  Table **ttail = &s->tables;
  Index **itail = &s->indexes;
  Trigger **trtail = &s->triggers;
  for (rc = btree_first(cur, &eof); rc == MICA_OK && !eof; rc = btree_next(cur, &eof)) {
    const void *d;
    uint32_t n;
    rc = btree_data(cur, &d, &n);
    if (rc) break;
    RecValue rv[5];
    int got = 0;
    memset(rv, 0, sizeof rv);
    if (record_decode(d, n, rv, 5, &got) != MICA_OK || got < 5) {
      rc = MICA_CORRUPT;
      break;
    }
    char *type = dup_rec_text(&rv[0]);
    char *name = dup_rec_text(&rv[1]);
    char *tbl = dup_rec_text(&rv[2]);
    uint32_t root = rv[3].type == REC_INT ? (uint32_t)rv[3].u.i : 0;
    char *sql = dup_rec_text(&rv[4]);
    Stmt *ast = NULL;
    if (sql) {
      const char *tail;
      char *err = NULL;
      int off;
      if (parse_statement(sql, (int)strlen(sql), MICA_DIALECT_SQLITE, &ast, &tail, &err, &off) != MICA_OK) {
        mica_set_error(db, MICA_CORRUPT, "malformed database schema (%s) - %s", name ? name : "?",
                       err ? err : "");
        free(err);
        free(type);
        free(name);
        free(tbl);
        free(sql);
        btree_cursor_close(cur);
        return MICA_CORRUPT;
      }
      free(err);
    }
    if (type && (!strcmp(type, "table") || !strcmp(type, "view"))) {
      Table *t = calloc(1, sizeof *t);
      if (!t)
        rc = MICA_NOMEM;
      else {
        t->name = name;
        t->sql = sql;
        t->root = root;
        t->ast = ast;
        t->ipk = -1;
        t->is_view = !strcmp(type, "view");
        t->is_virtual = ast && ast->kind == SK_CREATE_VTABLE;
        name = sql = NULL;
        ast = NULL;
        *ttail = t;
        ttail = &t->next;
        if (!t->is_virtual) rc = plan_build_table(db, t); /* a virtual table's columns: vtab_connect */
      }
    } else if (type && !strcmp(type, "index")) {
      Index *ix = calloc(1, sizeof *ix);
      if (!ix)
        rc = MICA_NOMEM;
      else {
        ix->name = name;
        ix->sql = sql;
        ix->root = root;
        ix->ast = ast;
        ix->table = schema_find_table(s, tbl);
        name = sql = NULL;
        ast = NULL;
        *itail = ix;
        itail = &ix->next;
        if (ix->ast) rc = plan_build_index(db, ix);
      }
    } else if (type && !strcmp(type, "trigger")) {
      Trigger *tr = calloc(1, sizeof *tr);
      if (!tr)
        rc = MICA_NOMEM;
      else {
        tr->name = name;
        tr->table = tbl;
        tr->sql = sql;
        tr->ast = ast;
        name = sql = tbl = NULL;
        ast = NULL;
        *trtail = tr;
        trtail = &tr->next;
      }
    }
    if (ast) ast_free(ast);
    free(type);
    free(name);
    free(tbl);
    free(sql);
    if (rc) break;
  }
  btree_cursor_close(cur);
  if (rc == MICA_OK) rc = plan_build_autoindexes(db, s);
  if (rc) {
    if (!db->errcode || db->errcode == MICA_OK)
      mica_set_error(db, rc, "%s", rc == MICA_NOMEM ? "out of memory" : "malformed database schema");
    return rc;
  }
  /* attach indexes to their tables, in schema order */
  for (Index *ix = s->indexes; ix; ix = ix->next) {
    if (!ix->table) continue;
    Index **pp = &ix->table->indexes;
    while (*pp)
      pp = &(*pp)->next_in_table;
    *pp = ix;
  }
  s->loaded = 1;
  return MICA_OK;
}
