/*
 * pragma.c: PRAGMA statements. Each pragma has a fixed list of result columns (known at prepare
 * time, pragma_columns) and a body run at step time (pragma_run) that appends rows to a RowList.
 * Settings pragmas without a value report the setting as one row; with a value they change it and
 * report nothing (as SQLite does, except journal_mode, which always reports "wal").
 * Unknown pragmas are silently ignored, as in SQLite.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fkey.h"
#include "pragma.h"

typedef struct PragmaDef {
  const char *name;
  const char *cols; /* comma-separated result column names ("" : none) */
  int needs_arg;    /* 1: takes a table/index name argument */
  int writes;       /* setting it writes the database */
} PragmaDef;

static const PragmaDef pragmas[] = {
    {"table_info", "cid,name,type,notnull,dflt_value,pk", 1, 0},
    {"table_xinfo", "cid,name,type,notnull,dflt_value,pk,hidden", 1, 0},
    {"index_list", "seq,name,unique,origin,partial", 1, 0},
    {"index_info", "seqno,cid,name", 1, 0},
    {"index_xinfo", "seqno,cid,name,desc,coll,key", 1, 0},
    {"foreign_key_list", "id,seq,table,from,to,on_update,on_delete,match", 1, 0},
    {"database_list", "seq,name,file", 0, 0},
    {"schema_version", "schema_version", 0, 1},
    {"user_version", "user_version", 0, 1},
    {"application_id", "application_id", 0, 1},
    {"cache_size", "cache_size", 0, 0},
    {"page_size", "page_size", 0, 0},
    {"page_count", "page_count", 0, 0},
    {"freelist_count", "freelist_count", 0, 0},
    {"journal_mode", "journal_mode", 0, 0},
    {"synchronous", "synchronous", 0, 0},
    {"foreign_keys", "foreign_keys", 0, 0},
    {"defer_foreign_keys", "defer_foreign_keys", 0, 0},
    {"foreign_key_check", "table,rowid,parent,fkid", 0, 0},
    {"integrity_check", "integrity_check", 0, 0},
    {"quick_check", "quick_check", 0, 0},
    {"wal_checkpoint", "busy,log,checkpointed", 0, 0},
    {"busy_timeout", "timeout", 0, 0},
    {"encoding", "encoding", 0, 0},
    {"compile_options", "compile_options", 0, 0},
    {"case_sensitive_like", "", 0, 0},
    {"recursive_triggers", "recursive_triggers", 0, 0},
    {"auto_vacuum", "auto_vacuum", 0, 0},
    {"table_list", "schema,name,type,ncol,wr,strict", 0, 0},
};

static const PragmaDef *find(const char *name) {
  for (size_t i = 0; i < sizeof pragmas / sizeof pragmas[0]; i++)
    if (!strcasecmp(pragmas[i].name, name)) return &pragmas[i];
  return NULL;
}

int pragma_columns(const char *name, int has_value, char ***names, int *ncol) {
  *names = NULL;
  *ncol = 0;
  const PragmaDef *p = find(name);
  if (!p || !*p->cols) return MICA_OK;
  /* a setting with a value reports nothing, except journal_mode, wal_checkpoint and busy_timeout */
  if (has_value && !p->needs_arg && strcasecmp(name, "journal_mode") && strcasecmp(name, "wal_checkpoint") &&
      strcasecmp(name, "busy_timeout") && strcasecmp(name, "integrity_check") &&
      strcasecmp(name, "quick_check") && strcasecmp(name, "foreign_key_check"))
    return MICA_OK;
  int n = 1;
  for (const char *c = p->cols; *c; c++)
    if (*c == ',') n++;
  char **arr = calloc((size_t)n, sizeof(char *));
  if (!arr) return MICA_NOMEM;
  const char *s = p->cols;
  for (int i = 0; i < n; i++) {
    const char *e = strchr(s, ',');
    size_t len = e ? (size_t)(e - s) : strlen(s);
    arr[i] = strndup(s, len);
    if (!arr[i]) {
      for (int k = 0; k < i; k++)
        free(arr[k]);
      free(arr);
      return MICA_NOMEM;
    }
    s = e ? e + 1 : s + len;
  }
  *names = arr;
  *ncol = n;
  return MICA_OK;
}

int pragma_writes(const char *name, int has_value) {
  const PragmaDef *p = find(name);
  return p && p->writes && has_value;
}

/* ------------------------------------------------------------------ row helpers */
static Row *mkrow(int n) { return row_new(n); }

static int push(RowList *out, Row *r) {
  if (!r) return MICA_NOMEM;
  int rc = rowlist_push(out, r);
  if (rc) row_free(r);
  return rc;
}

static void set_text(Value *v, const char *z) {
  if (z)
    value_set_text_copy(v, z, (int)strlen(z));
  else
    value_set_null(v);
}

static int int_row(RowList *out, int64_t i) {
  Row *r = mkrow(1);
  if (!r) return MICA_NOMEM;
  value_set_int(&r->v[0], i);
  return push(out, r);
}

static int text_row(RowList *out, const char *z) {
  Row *r = mkrow(1);
  if (!r) return MICA_NOMEM;
  set_text(&r->v[0], z);
  return push(out, r);
}

static int parse_bool(const Value *v, int *out) {
  if (v->type == VAL_INT || v->type == VAL_REAL) {
    *out = value_as_int(v) != 0;
    return 1;
  }
  if (v->type != VAL_TEXT) return 0;
  const char *z = v->z;
  if (!z) return 0;
  if (!strcasecmp(z, "on") || !strcasecmp(z, "yes") || !strcasecmp(z, "true") || !strcmp(z, "1"))
    *out = 1;
  else if (!strcasecmp(z, "off") || !strcasecmp(z, "no") || !strcasecmp(z, "false") || !strcmp(z, "0"))
    *out = 0;
  else
    return 0;
  return 1;
}

/* A declared type as table_info shows it: SQLite spells the types STRICT tables accept (INT,
 * INTEGER, REAL, TEXT, BLOB, ANY) in upper case whatever case they were written in. */
static const char *std_type(const char *type) {
  static const char *const std[] = {"INT", "INTEGER", "REAL", "TEXT", "BLOB", "ANY"};
  if (!type) return "";
  for (size_t i = 0; i < sizeof std / sizeof std[0]; i++)
    if (!strcasecmp(type, std[i])) return std[i];
  return type;
}

/* ------------------------------------------------------------------ bodies */
static int table_info(Exec *x, Table *t, int extended, RowList *out) {
  int rc = MICA_OK;
  for (int i = 0, cid = 0; i < t->ncol && rc == MICA_OK; i++) {
    Column *c = &t->cols[i];
    /* hidden: 2 VIRTUAL, 3 STORED generated column (table_info leaves them out) */
    int hidden = c->hidden ? c->hidden : c->gen == 1 ? 2 : c->gen == 2 ? 3 : 0;
    if (hidden && !extended) continue;
    Row *r = mkrow(extended ? 7 : 6);
    if (!r) return MICA_NOMEM;
    value_set_int(&r->v[0], cid++); /* table_info numbers the columns it shows */
    set_text(&r->v[1], c->name);
    set_text(&r->v[2], std_type(c->type));
    value_set_int(&r->v[3], c->notnull);
    char *d = schema_default_text(t, i);
    set_text(&r->v[4], d);
    free(d);
    value_set_int(&r->v[5], c->pk);
    if (extended) value_set_int(&r->v[6], hidden);
    rc = push(out, r);
  }
  (void)x;
  return rc;
}

static int index_list(Exec *x, Table *t, RowList *out) {
  int n = 0;
  for (Index *ix = t->indexes; ix; ix = ix->next_in_table)
    n++;
  Index **arr = calloc((size_t)n + 1, sizeof(Index *));
  if (!arr) return MICA_NOMEM;
  int k = 0;
  for (Index *ix = t->indexes; ix; ix = ix->next_in_table)
    arr[k++] = ix;
  int rc = MICA_OK;
  for (int i = n - 1, seq = 0; i >= 0 && rc == MICA_OK; i--, seq++) {
    Index *ix = arr[i];
    Row *r = mkrow(5);
    if (!r) {
      rc = MICA_NOMEM;
      break;
    }
    value_set_int(&r->v[0], seq);
    set_text(&r->v[1], ix->name);
    value_set_int(&r->v[2], ix->unique);
    set_text(&r->v[3], ix->origin == 2 ? "pk" : ix->origin == 1 ? "u" : "c");
    value_set_int(&r->v[4], ix->where != NULL);
    rc = push(out, r);
  }
  free(arr);
  (void)x;
  return rc;
}

static int index_info(Exec *x, Index *ix, int extended, RowList *out) {
  int rc = MICA_OK;
  Table *t = ix->table;
  int n = extended ? ix->ncol + 1 : ix->ncol;
  for (int i = 0; i < n && rc == MICA_OK; i++) {
    Row *r = mkrow(extended ? 6 : 3);
    if (!r) return MICA_NOMEM;
    int c = i < ix->ncol ? ix->cols[i] : -1;
    value_set_int(&r->v[0], i);
    value_set_int(&r->v[1], c);
    set_text(&r->v[2], c >= 0 && t && c < t->ncol ? t->cols[c].name : NULL);
    if (extended) {
      value_set_int(&r->v[3], i < ix->ncol && ix->desc ? ix->desc[i] : 0);
      set_text(&r->v[4], i < ix->ncol && ix->coll_names && ix->coll_names[i] ? ix->coll_names[i] : "BINARY");
      value_set_int(&r->v[5], i < ix->ncol);
    }
    rc = push(out, r);
  }
  (void)x;
  return rc;
}

static int integrity(Exec *x, int max, RowList *out) {
  Schema *s = x->db->schema;
  int n = 1;
  for (Table *t = s->tables; t; t = t->next)
    n++;
  for (Index *ix = s->indexes; ix; ix = ix->next)
    n++;
  uint32_t *roots = calloc((size_t)n, sizeof(uint32_t));
  if (!roots) return MICA_NOMEM;
  int k = 0;
  roots[k++] = 1;
  for (Table *t = s->tables; t; t = t->next)
    if (t->root) roots[k++] = t->root;
  for (Index *ix = s->indexes; ix; ix = ix->next)
    if (ix->root) roots[k++] = ix->root;
  char *report = NULL;
  int rc = btree_integrity_check(x->db->bt, roots, k, max, &report);
  free(roots);
  if (rc) {
    free(report);
    return mica_set_error(x->db, rc, "%s", btree_errmsg(x->db->bt));
  }
  if (!report) return text_row(out, "ok");
  char *p = report;
  while (p && *p && rc == MICA_OK) {
    char *e = strchr(p, '\n');
    if (e) *e = 0;
    rc = text_row(out, p);
    p = e ? e + 1 : NULL;
  }
  free(report);
  return rc;
}

static int meta_pragma(Exec *x, int idx, const Value *arg, RowList *out) {
  mica_db *db = x->db;
  if (arg) {
    int rc = mica_txn_need(db, 1);
    if (rc) return rc;
    rc = btree_update_meta(db->bt, idx, (uint32_t)value_as_int(arg));
    if (rc) return mica_set_error(db, rc, "%s", btree_errmsg(db->bt));
    if (idx == BTREE_SCHEMA_VERSION) schema_reset(db);
    return MICA_OK;
  }
  uint32_t v = 0;
  int rc = btree_get_meta(db->bt, idx, &v);
  if (rc) return mica_set_error(db, rc, "%s", btree_errmsg(db->bt));
  return int_row(out,
                 idx == BTREE_USER_VERSION || idx == BTREE_APPLICATION_ID ? (int64_t)(int32_t)v : (int64_t)v);
}

int pragma_run(Exec *x, const char *name, const Value *arg, RowList *out) {
  mica_db *db = x->db;
  Schema *s = db->schema;
  const PragmaDef *p = find(name);
  if (!p) return MICA_OK;
  const char *argtext = arg && arg->type == VAL_TEXT ? arg->z : NULL;
  char numbuf[32];
  if (arg && !argtext && arg->type != VAL_NULL) {
    snprintf(numbuf, sizeof numbuf, "%lld", (long long)value_as_int(arg));
    argtext = numbuf;
  }
  int rc = MICA_OK;
  if (p->needs_arg) {
    if (!argtext) return MICA_OK;
    if (!strcasecmp(name, "table_info") || !strcasecmp(name, "table_xinfo")) {
      Table *t = schema_find_table(s, argtext);
      return t ? table_info(x, t, name[6] == 'x', out) : MICA_OK;
    }
    if (!strcasecmp(name, "index_list")) {
      Table *t = schema_find_table(s, argtext);
      return t ? index_list(x, t, out) : MICA_OK;
    }
    if (!strcasecmp(name, "index_info") || !strcasecmp(name, "index_xinfo")) {
      Index *ix = schema_find_index(s, argtext);
      return ix ? index_info(x, ix, name[6] == 'x', out) : MICA_OK;
    }
    if (!strcasecmp(name, "foreign_key_list")) {
      Table *t = schema_find_table(s, argtext);
      return t && !t->is_view ? fkey_pragma_list(x, t, out) : MICA_OK;
    }
    return MICA_OK;
  }
  if (!strcasecmp(name, "foreign_key_check")) {
    Table *t = argtext ? schema_find_table(s, argtext) : NULL;
    if (argtext && !t) return mica_set_error(db, MICA_ERROR, "no such table: %s", argtext);
    return fkey_pragma_check(x, t, out);
  }
  if (!strcasecmp(name, "database_list")) {
    Row *r = mkrow(3);
    if (!r) return MICA_NOMEM;
    value_set_int(&r->v[0], 0);
    set_text(&r->v[1], "main");
    set_text(&r->v[2], mica_db_filename(db, "main"));
    return push(out, r);
  }
  if (!strcasecmp(name, "schema_version")) return meta_pragma(x, BTREE_SCHEMA_VERSION, arg, out);
  if (!strcasecmp(name, "user_version")) return meta_pragma(x, BTREE_USER_VERSION, arg, out);
  if (!strcasecmp(name, "application_id")) return meta_pragma(x, BTREE_APPLICATION_ID, arg, out);
  if (!strcasecmp(name, "cache_size")) {
    if (arg) {
      db->cache_size = value_as_int(arg);
      btree_set_cache_size(db->bt, db->cache_size);
      return MICA_OK;
    }
    return int_row(out, db->cache_size);
  }
  if (!strcasecmp(name, "page_size")) {
    if (arg) {
      btree_set_page_size(db->bt, (uint32_t)value_as_int(arg), -1);
      return MICA_OK;
    }
    return int_row(out, btree_page_size(db->bt));
  }
  if (!strcasecmp(name, "page_count")) return int_row(out, btree_page_count(db->bt));
  if (!strcasecmp(name, "freelist_count")) {
    uint32_t v = 0;
    btree_get_meta(db->bt, BTREE_FREE_PAGE_COUNT, &v);
    return int_row(out, v);
  }
  if (!strcasecmp(name, "journal_mode")) return text_row(out, "wal");
  if (!strcasecmp(name, "synchronous")) {
    if (arg) {
      int lvl = -1;
      if (argtext && !strcasecmp(argtext, "off"))
        lvl = 0;
      else if (argtext && !strcasecmp(argtext, "normal"))
        lvl = 1;
      else if (argtext && !strcasecmp(argtext, "full"))
        lvl = 2;
      else if (argtext && !strcasecmp(argtext, "extra"))
        lvl = 3;
      else
        lvl = (int)value_as_int(arg);
      if (lvl >= 0 && lvl <= 3) {
        db->synchronous = lvl;
        btree_set_synchronous(db->bt, lvl);
      }
      return MICA_OK;
    }
    return int_row(out, db->synchronous);
  }
  if (!strcasecmp(name, "foreign_keys") || !strcasecmp(name, "recursive_triggers") ||
      !strcasecmp(name, "case_sensitive_like") || !strcasecmp(name, "defer_foreign_keys")) {
    int fk = !strcasecmp(name, "foreign_keys");
    int *flag = fk                                        ? &db->foreign_keys
                : !strcasecmp(name, "recursive_triggers") ? &db->recursive_triggers
                : !strcasecmp(name, "defer_foreign_keys") ? &db->defer_foreign_keys
                                                          : &db->case_sensitive_like;
    if (arg) {
      int b;
      /* foreign_keys cannot change inside a transaction (SQLite ignores it there) */
      if (parse_bool(arg, &b) && *flag != b && !(fk && !db->autocommit)) {
        *flag = b;
        /* programs compiled before include or leave out foreign key work: recompile them */
        if (fk || flag == &db->defer_foreign_keys) db->schema_gen++;
      }
      return MICA_OK;
    }
    return int_row(out, *flag);
  }
  if (!strcasecmp(name, "integrity_check") || !strcasecmp(name, "quick_check")) {
    int max = arg ? (int)value_as_int(arg) : 100;
    return integrity(x, max > 0 ? max : 100, out);
  }
  if (!strcasecmp(name, "wal_checkpoint")) {
    int mode = 0;
    if (argtext) {
      if (!strcasecmp(argtext, "full"))
        mode = 1;
      else if (!strcasecmp(argtext, "restart"))
        mode = 2;
      else if (!strcasecmp(argtext, "truncate"))
        mode = 3;
    }
    int frames = 0, done = 0;
    rc = btree_checkpoint(db->bt, mode, &frames, &done);
    Row *r = mkrow(3);
    if (!r) return MICA_NOMEM;
    value_set_int(&r->v[0], rc == MICA_BUSY);
    value_set_int(&r->v[1], frames);
    value_set_int(&r->v[2], done);
    return push(out, r);
  }
  if (!strcasecmp(name, "busy_timeout")) {
    if (arg) mica_busy_timeout(db, (int)value_as_int(arg));
    return int_row(out, db->busy_timeout_ms);
  }
  if (!strcasecmp(name, "encoding")) return text_row(out, "UTF-8");
  if (!strcasecmp(name, "compile_options")) {
    rc = text_row(out, "THREADSAFE=1");
    return rc;
  }
  if (!strcasecmp(name, "auto_vacuum")) return int_row(out, btree_get_autovacuum(db->bt));
  if (!strcasecmp(name, "table_list")) {
    for (Table *t = s->tables; t && rc == MICA_OK; t = t->next) {
      Row *r = mkrow(6);
      if (!r) return MICA_NOMEM;
      set_text(&r->v[0], "main");
      set_text(&r->v[1], t->name);
      set_text(&r->v[2], t->is_view ? "view" : "table");
      value_set_int(&r->v[3], t->ncol);
      value_set_int(&r->v[4], t->without_rowid);
      value_set_int(&r->v[5], t->strict);
      rc = push(out, r);
    }
    return rc;
  }
  return MICA_OK;
}
