/*
 * pragma.c: PRAGMA statements. Each pragma has a fixed list of result columns (known at prepare
 * time, pragma_columns) and a body run at step time (pragma_run) that appends rows to a RowList.
 * Settings pragmas without a value report the setting as one row; with a value they change it and
 * report nothing (as SQLite does, except journal_mode, which always reports "wal").
 * Unknown pragmas are silently ignored, as in SQLite. The PRAGMAs SQLite also offers as table-valued
 * functions (pragma_<name>) are marked in the table (vtab: hidden arg / schema columns); vtab_pragma.c
 * runs them through pragma_run.
 *
 * integrity_check checks the b-tree structure (btree_integrity_check); when that is sound, it reads
 * every table (newest first, as SQLite's schema hash lists a small schema) and checks NOT NULL
 * columns and that each row has its entry in each index and each index as many entries as rows
 * (quick_check: NOT NULL only), with SQLite's messages, up to N of them.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fkey.h"
#include "pragma.h"
#include "vtab.h"

#include "dml.h"

typedef struct PragmaDef {
  const char *name;
  const char *cols; /* comma-separated result column names ("" : none) */
  int needs_arg;    /* 1: takes a table/index name argument */
  int writes;       /* setting it writes the database */
  int vtab;         /* as pragma_<name> (vtab_pragma.c): -1 none, else PRAGMA_VT_ARG | PRAGMA_VT_SCHEMA */
} PragmaDef;

static const PragmaDef pragmas[] = {
    {"table_info", "cid,name,type,notnull,dflt_value,pk", 1, 0, 3},
    {"table_xinfo", "cid,name,type,notnull,dflt_value,pk,hidden", 1, 0, 3},
    {"index_list", "seq,name,unique,origin,partial", 1, 0, 3},
    {"index_info", "seqno,cid,name", 1, 0, 3},
    {"index_xinfo", "seqno,cid,name,desc,coll,key", 1, 0, 3},
    {"foreign_key_list", "id,seq,table,from,to,on_update,on_delete,match", 1, 0, 3},
    {"database_list", "seq,name,file", 0, 0, 0},
    {"schema_version", "schema_version", 0, 1, 0},
    {"user_version", "user_version", 0, 1, 0},
    {"application_id", "application_id", 0, 1, 0},
    {"cache_size", "cache_size", 0, 0, 2},
    {"page_size", "page_size", 0, 0, 2},
    {"page_count", "page_count", 0, 0, 2},
    {"freelist_count", "freelist_count", 0, 0, 0},
    {"journal_mode", "journal_mode", 0, 0, 2},
    {"synchronous", "synchronous", 0, 0, 2},
    {"foreign_keys", "foreign_keys", 0, 0, 0},
    {"defer_foreign_keys", "defer_foreign_keys", 0, 0, 0},
    {"foreign_key_check", "table,rowid,parent,fkid", 0, 0, -1},
    {"integrity_check", "integrity_check", 0, 0, 3},
    {"quick_check", "quick_check", 0, 0, 3},
    {"wal_checkpoint", "busy,log,checkpointed", 0, 0, -1},
    {"busy_timeout", "timeout", 0, 0, 0},
    {"encoding", "encoding", 0, 0, 0},
    {"compile_options", "compile_options", 0, 0, 0},
    {"case_sensitive_like", "", 0, 0, -1},
    {"recursive_triggers", "recursive_triggers", 0, 0, 0},
    {"auto_vacuum", "auto_vacuum", 0, 0, 2},
    {"table_list", "schema,name,type,ncol,wr,strict", 0, 0, 1},
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

const char *pragma_vtab_info(int i, const char **cols, int *flags) {
  for (size_t k = 0; k < sizeof pragmas / sizeof pragmas[0]; k++) {
    if (pragmas[k].vtab < 0 || i-- > 0) continue;
    *cols = pragmas[k].cols;
    *flags = pragmas[k].vtab;
    return pragmas[k].name;
  }
  return NULL;
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

/* ------------------------------------------------------------------ bodies */
/* A declared type as table_info shows it: SQLite's standard type names (ANY, BLOB, INT, INTEGER, REAL,
 * TEXT, in any case) in upper case, anything else as written. */
static const char *std_type(const char *t) {
  static const char *const std[] = {"ANY", "BLOB", "INT", "INTEGER", "REAL", "TEXT"};
  if (!t) return "";
  for (size_t i = 0; i < sizeof std / sizeof std[0]; i++)
    if (!strcasecmp(t, std[i])) return std[i];
  return t;
}

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

/* In SQLite's order (schema_index_order). */
static int index_list(Exec *x, Table *t, RowList *out) {
  Index *arr[SCHEMA_MAX_INDEXES + 1];
  int n = schema_index_order(t, arr, SCHEMA_MAX_INDEXES);
  int rc = MICA_OK;
  for (int seq = 0; seq < n && rc == MICA_OK; seq++) {
    Index *ix = arr[seq];
    Row *r = mkrow(5);
    if (!r) return MICA_NOMEM;
    value_set_int(&r->v[0], seq);
    set_text(&r->v[1], ix->name);
    value_set_int(&r->v[2], ix->unique);
    set_text(&r->v[3], ix->origin == 2 ? "pk" : ix->origin == 1 ? "u" : "c");
    value_set_int(&r->v[4], ix->where != NULL);
    rc = push(out, r);
  }
  (void)x;
  return rc;
}

static int index_info(Exec *x, Index *ix, int extended, RowList *out) {
  int rc = MICA_OK;
  Table *t = ix->table;
  int n = extended ? ix->nfull : ix->ncol;
  for (int i = 0; i < n && rc == MICA_OK; i++) {
    Row *r = mkrow(extended ? 6 : 3);
    if (!r) return MICA_NOMEM;
    int c = ix->cols[i];
    value_set_int(&r->v[0], i);
    value_set_int(&r->v[1], c);
    set_text(&r->v[2], c >= 0 && t && c < t->ncol ? t->cols[c].name : NULL);
    if (extended) {
      value_set_int(&r->v[3], ix->desc ? ix->desc[i] : 0);
      set_text(&r->v[4], ix->coll_names && ix->coll_names[i] ? ix->coll_names[i] : "BINARY");
      value_set_int(&r->v[5], i < ix->ncol);
    }
    rc = push(out, r);
  }
  (void)x;
  return rc;
}

/* One integrity_check message (printf-style), while *left allows. */
static int check_msg(RowList *out, int *left, const char *fmt, ...) {
  if (*left <= 0) return MICA_OK;
  (*left)--;
  char line[600];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(line, sizeof line, fmt, ap);
  va_end(ap);
  return text_row(out, line);
}

/* The rows of t against its indexes, with SQLite's messages: a NOT NULL column holding NULL, a row
 * whose entry an index lacks ("row N": the rowid, or the row's place in a WITHOUT ROWID table), an
 * index with another number of entries than the table has rows. quick_check skips the indexes.
 * VIRTUAL generated columns are not computed here: their NOT NULL and the indexes on them are not
 * checked. */
static int check_contents(Exec *x, Table *t, int quick, int *left, RowList *out) {
  Index *ix[SCHEMA_MAX_INDEXES + 1];
  BtCursor *icur[SCHEMA_MAX_INDEXES + 1] = {0};
  int nix = 0;
  Index *order[SCHEMA_MAX_INDEXES + 1];
  int n = schema_index_order(t, order, SCHEMA_MAX_INDEXES);
  for (int i = 0; i < n; i++) {
    int expr = 0;
    for (int k = 0; k < order[i]->ncol; k++) /* (VIRTUAL columns are not computed here) */
      expr |= order[i]->cols[k] < -1 || (order[i]->cols[k] >= 0 && t->cols[order[i]->cols[k]].gen == 1);
    if (order[i] != t->pk && !expr && !order[i]->where && !quick) ix[nix++] = order[i];
  }
  BtCursor *cur = NULL;
  Btree *bt = x->db->bt;
  int rc = btree_cursor_open(bt, t->root, 0, t->pk ? &t->pk->keyinfo : NULL, &cur);
  for (int i = 0; i < nix && rc == MICA_OK; i++)
    rc = btree_cursor_open(bt, ix[i]->root, 0, &ix[i]->keyinfo, &icur[i]);
  Value *vals = values_alloc((size_t)t->ncol + 1);
  if (!vals && rc == MICA_OK) rc = MICA_NOMEM;
  int64_t nrow = 0;
  int eof = 0;
  for (rc = rc ? rc : btree_first(cur, &eof); rc == MICA_OK && !eof && *left > 0;
       rc = btree_next(cur, &eof)) {
    const void *d;
    uint32_t nd;
    int64_t rowid = btree_rowid(cur);
    nrow++;
    if ((rc = btree_data(cur, &d, &nd)) || (rc = dml_decode_row(x, t, d, nd, rowid, vals))) break;
    for (int c = 0; c < t->ncol && rc == MICA_OK; c++)
      if (t->cols[c].notnull && c != t->ipk && t->cols[c].gen != 1 && vals[c].type == VAL_NULL)
        rc = check_msg(out, left, "NULL value in %s.%s", t->name, t->cols[c].name);
    for (int i = 0; i < nix && rc == MICA_OK; i++) {
      uint8_t *rec;
      uint32_t nrec;
      if ((rc = dml_index_entry(t, ix[i], rowid, vals, &rec, &nrec))) break;
      UnpackedKey k = {.keyinfo = &ix[i]->keyinfo, .rec = rec, .nrec = nrec, .default_rc = 0};
      int res = 1;
      rc = btree_seek_key(icur[i], &k, &res);
      free(rec);
      if (rc == MICA_OK && (res != 0 || btree_eof(icur[i])))
        rc = check_msg(out, left, "row %lld missing from index %s", (long long)(t->pk ? nrow : rowid),
                       ix[i]->name);
    }
  }
  for (int i = 0; i < nix && rc == MICA_OK && eof; i++) {
    int64_t nent = 0;
    rc = btree_count(icur[i], &nent);
    if (rc == MICA_OK && nent != nrow)
      rc = check_msg(out, left, "wrong # of entries in index %s", ix[i]->name);
  }
  if (vals) {
    for (int c = 0; c < t->ncol; c++)
      value_release(&vals[c]);
    free(vals);
  }
  for (int i = 0; i < nix; i++)
    if (icur[i]) btree_cursor_close(icur[i]);
  if (cur) btree_cursor_close(cur);
  if (rc == MICA_NOMEM || rc == MICA_OK) return rc;
  return x->db->errcode == rc ? rc : mica_set_error(x->db, rc, "%s", btree_errmsg(bt));
}

static int integrity(Exec *x, int max, int quick, RowList *out) {
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
  if (!report) {
    /* the structure is sound: the rows against their indexes, the newest table first (the order of
     * SQLite's schema hash for up to 10 objects) */
    int left = max, nt = 0;
    for (Table *t = s->tables; t; t = t->next)
      nt++;
    Table **ts = calloc((size_t)nt + 1, sizeof(Table *));
    if (!ts) return MICA_NOMEM;
    nt = 0;
    for (Table *t = s->tables; t; t = t->next)
      ts[nt++] = t;
    for (int i = nt - 1; i >= 0 && rc == MICA_OK && left > 0; i--)
      if (!ts[i]->is_view && ts[i]->root) rc = check_contents(x, ts[i], quick, &left, out);
    free(ts);
    if (rc == MICA_OK && left == max) rc = text_row(out, "ok");
    return rc;
  }
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
      if (!t && (t = vtab_eponymous(db, argtext, &rc)) == NULL && rc) return rc;
      if (t && t->is_virtual && (rc = vtab_connect(db, t))) return rc;
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
    return integrity(x, max > 0 ? max : 100, name[0] == 'q' || name[0] == 'Q', out);
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
