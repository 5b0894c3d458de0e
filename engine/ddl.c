/*
 * ddl.c: schema changes and transaction control.
 *
 * Every schema change writes sqlite_schema rows (type, name, tbl_name, rootpage, sql) exactly as
 * SQLite does, then increments the schema cookie (header meta 1) and drops the in-memory schema so
 * the next use reloads it. A new database gets file format 4 and UTF-8 text encoding in its header
 * the first time a schema object is created.
 *
 * Transaction control (BEGIN/COMMIT/ROLLBACK/SAVEPOINT/RELEASE/ROLLBACK TO) maps onto btree
 * transactions and savepoints: BEGIN only leaves autocommit mode (the transaction starts at the first
 * statement, as SQLite's DEFERRED); IMMEDIATE/EXCLUSIVE take the write lock at once. A SAVEPOINT in
 * autocommit mode starts a transaction that its RELEASE commits.
 */
#include <stdlib.h>
#include <string.h>

#include "ddl.h"
#include "fkey.h"
#include "dml.h"

static int bterr(Exec *x, int rc) {
  if (rc == MICA_NOMEM) return mica_set_error(x->db, rc, "out of memory");
  return mica_set_error(x->db, rc, "%s", btree_errmsg(x->db->bt));
}

int ddl_schema_insert(Exec *x, const char *type, const char *name, const char *tbl, uint32_t root,
                      const char *sql) {
  Schema *s = x->db->schema;
  TableWriter w;
  int rc = dml_writer_open(x, s->master, &w);
  if (rc == MICA_OK) {
    Value v[5];
    for (int i = 0; i < 5; i++)
      value_init(&v[i]);
    value_set_text(&v[0], type, (int)strlen(type), VAL_STATIC);
    value_set_text(&v[1], name, (int)strlen(name), VAL_STATIC);
    value_set_text(&v[2], tbl, (int)strlen(tbl), VAL_STATIC);
    value_set_int(&v[3], root);
    if (sql) value_set_text(&v[4], sql, (int)strlen(sql), VAL_STATIC);
    int64_t rowid = 0;
    int skipped;
    rc = dml_insert_row(x, &w, v, NULL, ONCONF_ABORT, &rowid, &skipped, NULL);
  }
  dml_writer_close(&w);
  return rc;
}

/* Deletes sqlite_schema rows matching (column col == name), case-insensitively; with type set only
 * rows of that type. */
int ddl_schema_delete(Exec *x, int col, const char *name, const char *type) {
  Schema *s = x->db->schema;
  TableWriter w;
  int rc = dml_writer_open(x, s->master, &w);
  RowList del = {0};
  if (rc == MICA_OK) {
    int eof = 0;
    for (rc = btree_first(w.cur, &eof); rc == MICA_OK && !eof; rc = btree_next(w.cur, &eof)) {
      const void *d;
      uint32_t n;
      rc = btree_data(w.cur, &d, &n);
      if (rc) break;
      RecValue rv[5];
      int got;
      if (record_decode(d, n, rv, 5, &got) || got < 5) continue;
      if (rv[col].type != REC_TEXT || rv[col].u.s.n != strlen(name) ||
          strncasecmp(rv[col].u.s.p, name, rv[col].u.s.n))
        continue;
      if (type &&
          (rv[0].type != REC_TEXT || rv[0].u.s.n != strlen(type) || strncmp(rv[0].u.s.p, type, rv[0].u.s.n)))
        continue;
      Row *r = row_new(1);
      if (!r) {
        rc = MICA_NOMEM;
        break;
      }
      value_set_int(&r->v[0], btree_rowid(w.cur));
      rc = rowlist_push(&del, r);
      if (rc) row_free(r);
    }
    if (rc) rc = bterr(x, rc);
    for (int64_t i = 0; i < del.n && rc == MICA_OK; i++) {
      int res;
      rc = btree_seek_rowid(w.cur, del.rows[i]->v[0].u.i, &res);
      if (rc == MICA_OK && res == 0) rc = btree_delete(w.cur);
      if (rc) rc = bterr(x, rc);
    }
  }
  rowlist_clear(&del);
  dml_writer_close(&w);
  return rc;
}

int ddl_schema_changed(Exec *x) {
  mica_db *db = x->db;
  uint32_t cookie = 0, fmt = 0, enc = 0;
  int rc = btree_get_meta(db->bt, BTREE_SCHEMA_VERSION, &cookie);
  if (rc == MICA_OK) rc = btree_update_meta(db->bt, BTREE_SCHEMA_VERSION, cookie + 1);
  if (rc == MICA_OK) rc = btree_get_meta(db->bt, BTREE_FILE_FORMAT, &fmt);
  if (rc == MICA_OK && fmt == 0) rc = btree_update_meta(db->bt, BTREE_FILE_FORMAT, 4);
  if (rc == MICA_OK) rc = btree_get_meta(db->bt, BTREE_TEXT_ENCODING, &enc);
  if (rc == MICA_OK && enc == 0) rc = btree_update_meta(db->bt, BTREE_TEXT_ENCODING, 1);
  if (rc) return bterr(x, rc);
  schema_reset(db);
  return MICA_OK;
}

int ddl_create_tree(Exec *x, int flags, uint32_t *root) {
  int rc = btree_create_table(x->db->bt, flags, root);
  if (rc) return bterr(x, rc);
  return MICA_OK;
}

int ddl_drop_tree(Exec *x, uint32_t root) {
  uint32_t moved = 0;
  int rc = btree_drop_table(x->db->bt, root, &moved);
  if (rc) return bterr(x, rc);
  /* auto-vacuum root moves are not produced by our files (auto-vacuum is off) */
  return MICA_OK;
}

/* ------------------------------------------------------------------ transactions */
int ddl_begin(Exec *x, int mode) {
  mica_db *db = x->db;
  if (!db->autocommit)
    return mica_set_error(db, MICA_ERROR, "cannot start a transaction within a transaction");
  if (mode > 0) {
    int rc = mica_txn_need(db, 1);
    if (rc) return rc;
  }
  db->autocommit = 0;
  return MICA_OK;
}

static void savepoints_clear(mica_db *db) {
  SavepointName *sp = db->savepoints;
  while (sp) {
    SavepointName *n = sp->next;
    free(sp->name);
    free(sp);
    sp = n;
  }
  db->savepoints = NULL;
  db->nsavepoint = 0;
}

int ddl_commit(Exec *x) {
  mica_db *db = x->db;
  if (db->autocommit) return mica_set_error(db, MICA_ERROR, "cannot commit - no transaction is active");
  int rc = fkey_check_deferred(db); /* deferred foreign key violations: the transaction stays open */
  if (rc) return rc;
  if (btree_txn_state(db->bt) == 2)
    rc = btree_commit(db->bt);
  else if (btree_txn_state(db->bt) == 1)
    rc = btree_rollback(db->bt);
  if (rc) return bterr(x, rc);
  db->autocommit = 1;
  db->txn_write = 0;
  savepoints_clear(db);
  fkey_txn_end(db);
  return MICA_OK;
}

int ddl_rollback(Exec *x) {
  mica_db *db = x->db;
  if (db->autocommit) return mica_set_error(db, MICA_ERROR, "cannot rollback - no transaction is active");
  if (btree_txn_state(db->bt)) btree_rollback(db->bt);
  db->autocommit = 1;
  db->txn_write = 0;
  savepoints_clear(db);
  schema_reset(db);
  fkey_txn_end(db);
  return MICA_OK;
}

int ddl_savepoint(Exec *x, const char *name) {
  mica_db *db = x->db;
  int rc = mica_txn_need(db, 1);
  if (rc) return rc;
  SavepointName *sp = calloc(1, sizeof *sp);
  if (!sp || !(sp->name = strdup(name))) {
    free(sp);
    return mica_set_error(db, MICA_NOMEM, "out of memory");
  }
  /* the statement savepoint of this SAVEPOINT statement itself is not open (txn control) */
  sp->idx = db->nsavepoint;
  sp->fk_deferred = db->fk_deferred;
  sp->fk_deferred_imm = db->fk_deferred_imm;
  rc = btree_savepoint(db->bt, BTREE_SAVEPOINT_BEGIN, sp->idx);
  if (rc) {
    free(sp->name);
    free(sp);
    return bterr(x, rc);
  }
  db->nsavepoint++;
  sp->next = db->savepoints;
  db->savepoints = sp;
  if (db->autocommit) {
    db->autocommit = 0;
    db->txn_from_savepoint = 1;
  }
  return MICA_OK;
}

int ddl_release(Exec *x, const char *name, int rollback) {
  mica_db *db = x->db;
  SavepointName *sp = db->savepoints;
  while (sp && strcasecmp(sp->name, name))
    sp = sp->next;
  if (!sp) return mica_set_error(db, MICA_ERROR, "no such savepoint: %s", name);
  int rc;
  if (rollback) {
    rc = btree_savepoint(db->bt, BTREE_SAVEPOINT_ROLLBACK, sp->idx);
    if (rc) return bterr(x, rc);
    /* pop savepoints above this one; it stays open */
    while (db->savepoints != sp) {
      SavepointName *n = db->savepoints->next;
      free(db->savepoints->name);
      free(db->savepoints);
      db->savepoints = n;
    }
    db->nsavepoint = sp->idx + 1;
    db->fk_deferred = sp->fk_deferred;
    db->fk_deferred_imm = sp->fk_deferred_imm;
    schema_reset(db);
    return MICA_OK;
  }
  /* releasing the outermost savepoint of a transaction it began commits it */
  if (!sp->next && db->txn_from_savepoint && (rc = fkey_check_deferred(db))) return rc;
  rc = btree_savepoint(db->bt, BTREE_SAVEPOINT_RELEASE, sp->idx);
  if (rc) return bterr(x, rc);
  SavepointName *stop = sp->next;
  int newn = sp->idx;
  while (db->savepoints != stop) {
    SavepointName *n = db->savepoints->next;
    free(db->savepoints->name);
    free(db->savepoints);
    db->savepoints = n;
  }
  db->nsavepoint = newn;
  if (!db->savepoints && db->txn_from_savepoint) {
    db->txn_from_savepoint = 0;
    return ddl_commit(x);
  }
  return MICA_OK;
}

int ddl_schema_set_sql(Exec *x, const char *type, const char *name, const char *sql) {
  Schema *s = x->db->schema;
  TableWriter w;
  int rc = dml_writer_open(x, s->master, &w);
  int eof = 0, done = 0;
  if (rc == MICA_OK)
    for (rc = btree_first(w.cur, &eof); rc == MICA_OK && !eof && !done; rc = btree_next(w.cur, &eof)) {
      const void *d;
      uint32_t n;
      if ((rc = btree_data(w.cur, &d, &n))) break;
      RecValue rv[5];
      int got;
      if (record_decode(d, n, rv, 5, &got) || got < 5) continue;
      if (rv[0].type != REC_TEXT || rv[0].u.s.n != strlen(type) || strncmp(rv[0].u.s.p, type, rv[0].u.s.n))
        continue;
      if (rv[1].type != REC_TEXT || rv[1].u.s.n != strlen(name) ||
          strncasecmp(rv[1].u.s.p, name, rv[1].u.s.n))
        continue;
      Value v[5];
      for (int i = 0; i < 5; i++) {
        value_init(&v[i]);
        Value tmp;
        value_init(&tmp);
        value_from_rec(&tmp, &rv[i]);
        value_copy(&v[i], &tmp);
      }
      value_set_text(&v[4], sql, (int)strlen(sql), VAL_STATIC);
      uint8_t *rec;
      uint32_t nrec;
      int64_t rowid = btree_rowid(w.cur);
      rc = dml_encode(v, 5, &rec, &nrec);
      if (rc == MICA_OK) {
        rc = btree_insert(w.cur, rowid, rec, nrec);
        free(rec);
      }
      for (int i = 0; i < 5; i++)
        value_release(&v[i]);
      done = 1;
      break;
    }
  if (rc && rc != MICA_NOMEM)
    rc = bterr(x, rc);
  else if (rc)
    rc = mica_set_error(x->db, rc, "out of memory");
  dml_writer_close(&w);
  return rc;
}
