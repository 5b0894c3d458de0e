/*
 * dml.c: row-level writes (see dml.h).
 *
 * RECORDS
 *   A table row is stored as a record of its columns in declaration order, with NULL in place of
 *   the INTEGER PRIMARY KEY column (its value is the rowid) and without its VIRTUAL generated
 *   columns (STORED ones are stored like ordinary columns), as SQLite stores it. An index entry is a
 *   record of the indexed columns followed by the rowid. A WITHOUT ROWID table's row is the entry of
 *   its PRIMARY KEY index t->pk (the PK columns, then the others); its index entries end with the PK
 *   columns they lack (schema.h). Both are built by index_key from the Index's field list. SQLite
 *   stores the integral values of a REAL column as integers: they are read back as reals. (A WITHOUT
 *   ROWID table cannot have VIRTUAL generated columns here: CREATE TABLE refuses them.)
 *
 * CONSTRAINT ORDER (as SQLite checks them)
 *   rowid chosen -> generated columns computed -> NOT NULL (each column in order) -> CHECK (in order)
 *   -> rowid/INTEGER PRIMARY KEY uniqueness -> the UNIQUE indexes (and a WITHOUT ROWID table's
 *   PRIMARY KEY) in SQLite's list order: the most recently created first, except that those declared
 *   ON CONFLICT REPLACE come after all others -> foreign keys. With REPLACE, a conflicting row is
 *   deleted (with its index entries) and the check continues; with IGNORE the new row is skipped. A
 *   NULL in any key column never conflicts.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dml.h"
#include "ast.h"
#include "fkey.h"
#include "trigger.h"

static int nomem(Exec *x) { return mica_set_error(x->db, MICA_NOMEM, "out of memory"); }
static int bterr(Exec *x, int rc) {
  if (rc == MICA_NOMEM) return nomem(x);
  return mica_set_error(x->db, rc, "%s", btree_errmsg(x->db->bt));
}

int dml_encode(Value *vals, int n, uint8_t **out, uint32_t *nout) {
  RecValue stackrv[16] = {0};
  RecValue *rv = n <= 16 ? stackrv : malloc(sizeof(RecValue) * (size_t)n);
  if (!rv) return MICA_NOMEM;
  for (int i = 0; i < n; i++)
    value_to_rec(&vals[i], &rv[i]);
  size_t sz = record_size(rv, n);
  uint8_t *b = malloc(sz ? sz : 1);
  if (!b) {
    if (rv != stackrv) free(rv);
    return MICA_NOMEM;
  }
  record_encode(rv, n, b);
  if (rv != stackrv) free(rv);
  *out = b;
  *nout = (uint32_t)sz;
  return MICA_OK;
}

/* The uniqueness checks in SQLite's order (schema_index_order), each with its cursor. */
static int build_checks(TableWriter *w) {
  Table *t = w->t;
  Index *order[SCHEMA_MAX_INDEXES + 1];
  int n = schema_index_order(t, order, SCHEMA_MAX_INDEXES);
  w->chk = calloc((size_t)n + 1, sizeof(Index *));
  w->chkcur = calloc((size_t)n + 1, sizeof(BtCursor *));
  if (!w->chk || !w->chkcur) return MICA_NOMEM;
  for (int i = 0; i < n; i++) {
    if (!order[i]->unique) continue;
    BtCursor *c = order[i] == t->pk ? w->cur : NULL;
    for (int k = 0; k < w->nidx && !c; k++)
      if (w->idx[k] == order[i]) c = w->icur[k];
    if (!c) continue;
    w->chk[w->nchk] = order[i];
    w->chkcur[w->nchk++] = c;
  }
  return MICA_OK;
}

/* The record of a table row (see RECORDS). */
static int encode_row(Table *t, Value *vals, uint8_t **out, uint32_t *nout) {
  Value stackv[16];
  Value *rv = t->ncol <= 16 ? stackv : malloc(sizeof(Value) * (size_t)t->ncol);
  if (!rv) return MICA_NOMEM;
  int n = 0;
  for (int i = 0; i < t->ncol; i++) {
    if (t->cols[i].gen == 1) continue;
    if (i == t->ipk)
      value_init(&rv[n]);
    else
      value_borrow(&rv[n], &vals[i]);
    n++;
  }
  int rc = dml_encode(rv, n, out, nout);
  if (rv != stackv) free(rv);
  return rc;
}

int dml_writer_open(Exec *x, Table *t, TableWriter *w) {
  memset(w, 0, sizeof *w);
  w->t = t;
  w->row_slot = -1;
  int rc = btree_cursor_open(x->db->bt, t->root, 1, t->pk ? &t->pk->keyinfo : NULL, &w->cur);
  if (rc) {
    w->cur = NULL;
    return bterr(x, rc);
  }
  for (Index *ix = t->indexes; ix; ix = ix->next_in_table)
    w->nidx++;
  if (w->nidx) {
    w->idx = calloc((size_t)w->nidx, sizeof(Index *));
    w->icur = calloc((size_t)w->nidx, sizeof(BtCursor *));
    if (!w->idx || !w->icur) return nomem(x);
    int i = 0;
    for (Index *ix = t->indexes; ix; ix = ix->next_in_table, i++) {
      w->idx[i] = ix;
      rc = btree_cursor_open(x->db->bt, ix->root, 1, &ix->keyinfo, &w->icur[i]);
      if (rc) {
        w->icur[i] = NULL;
        return bterr(x, rc);
      }
    }
  }
  if (build_checks(w)) return nomem(x);
  return MICA_OK;
}

void dml_writer_close(TableWriter *w) {
  if (w->cur) btree_cursor_close(w->cur);
  for (int i = 0; i < w->nidx; i++)
    if (w->icur && w->icur[i]) btree_cursor_close(w->icur[i]);
  free(w->idx);
  free(w->icur);
  free(w->chk);
  free(w->chkcur);
  for (int64_t i = 0; i < w->nkeys; i++)
    free(w->keys[i]);
  free(w->keys);
  free(w->nkey);
  free(w->buf);
  memset(w, 0, sizeof *w);
}

/* ------------------------------------------------------------------ WITHOUT ROWID handles */
/* Registers a PRIMARY KEY record (takes rec) as a new handle. */
static int key_add(Exec *x, TableWriter *w, uint8_t *rec, uint32_t n, int64_t *handle) {
  if (w->nkeys == w->capkeys) {
    int64_t cap = w->capkeys ? w->capkeys * 2 : 16;
    uint8_t **k = realloc(w->keys, sizeof(uint8_t *) * (size_t)cap);
    if (k) w->keys = k;
    uint32_t *nk = k ? realloc(w->nkey, sizeof(uint32_t) * (size_t)cap) : NULL;
    if (nk) w->nkey = nk;
    if (!k || !nk) {
      free(rec);
      return nomem(x);
    }
    w->capkeys = cap;
  }
  w->keys[w->nkeys] = rec;
  w->nkey[w->nkeys++] = n;
  *handle = w->nkeys;
  return MICA_OK;
}

int dml_pk_handle(Exec *x, TableWriter *w, Value *pkvals, int64_t *handle) {
  uint8_t *rec;
  uint32_t n;
  if (dml_encode(pkvals, w->t->pk->ncol, &rec, &n)) return nomem(x);
  return key_add(x, w, rec, n, handle);
}

/* Handles a and b name the same row: equal rowids, or equal PRIMARY KEYs under its collations. */
static int same_row(TableWriter *w, int64_t a, int64_t b) {
  if (!w->t->pk) return a == b;
  if (a <= 0 || b <= 0 || a > w->nkeys || b > w->nkeys) return 0;
  return a == b || dml_handle_cmp(w, a, b) == 0;
}

int dml_entry_pk(const Index *ix, const Index *pk, const void *d, uint32_t n, uint8_t **out, uint32_t *nout) {
  RecValue stackbuf[32];
  size_t need = (size_t)ix->nfull + (size_t)pk->ncol;
  RecValue *all = need <= 32 ? stackbuf : malloc(sizeof(RecValue) * need);
  if (!all) return MICA_NOMEM;
  RecValue *key = all + ix->nfull;
  int got = 0, rc = record_decode(d, n, all, ix->nfull, &got);
  if (rc == MICA_OK && got < ix->nfull) rc = MICA_CORRUPT;
  for (int j = 0; rc == MICA_OK && j < pk->ncol; j++)
    key[j] = all[ix->pkpos[j]];
  size_t sz = rc == MICA_OK ? record_size(key, pk->ncol) : 0;
  uint8_t *rec = rc == MICA_OK ? malloc(sz ? sz : 1) : NULL;
  if (rc == MICA_OK && !rec) rc = MICA_NOMEM;
  if (rc == MICA_OK) {
    record_encode(key, pk->ncol, rec);
    *out = rec;
    *nout = (uint32_t)sz;
  }
  if (all != stackbuf) free(all);
  return rc;
}

int dml_handle_cmp(TableWriter *w, int64_t a, int64_t b) {
  if (!w->t->pk || a <= 0 || b <= 0 || a > w->nkeys || b > w->nkeys) return a < b ? -1 : a > b;
  UnpackedKey k = {.keyinfo = &w->t->pk->keyinfo, .rec = w->keys[a - 1], .nrec = w->nkey[a - 1]};
  return record_compare_key(&k, w->keys[b - 1], w->nkey[b - 1], NULL);
}

/* The handle of the row an entry of ix (a WITHOUT ROWID table's index or its PRIMARY KEY) names. */
static int entry_handle(Exec *x, TableWriter *w, Index *ix, const void *d, uint32_t n, int64_t *handle) {
  uint8_t *rec;
  uint32_t nrec;
  int rc = dml_entry_pk(ix, w->t->pk, d, n, &rec, &nrec);
  if (rc == MICA_NOMEM) return nomem(x);
  if (rc) return mica_set_error(x->db, MICA_CORRUPT, "database disk image is malformed");
  return key_add(x, w, rec, nrec, handle);
}

/* Positions w->cur on the row of handle h of a WITHOUT ROWID table; *found 0 if it is gone. */
static int pk_seek(Exec *x, TableWriter *w, int64_t h, int *found) {
  *found = 0;
  if (h <= 0 || h > w->nkeys) return MICA_OK;
  UnpackedKey k = {.keyinfo = &w->t->pk->keyinfo, .rec = w->keys[h - 1], .nrec = w->nkey[h - 1]};
  int res;
  int rc = btree_seek_key(w->cur, &k, &res);
  if (rc) return bterr(x, rc);
  *found = res == 0 && !btree_eof(w->cur);
  return MICA_OK;
}

/* ------------------------------------------------------------------ entries */
/* The fields of ix's entry for a row (ix->nfull values; a WITHOUT ROWID table's t->pk gives the row's
 * record). keys borrow from vals. */
static void index_key(Table *t, Index *ix, int64_t rowid, Value *vals, Value *keys) {
  for (int i = 0; i < ix->nfull; i++) {
    int c = ix->cols[i];
    if (c == -1 || (c >= 0 && c == t->ipk)) {
      value_init(&keys[i]);
      value_set_int(&keys[i], rowid);
    } else if (c >= 0 && c < t->ncol) {
      keys[i] = vals[c];
      keys[i].own = VAL_EPHEM;
      keys[i].ztext = NULL;
    } else {
      value_init(&keys[i]);
    }
  }
}

/* Looks for an entry of ix (through cursor c) whose first ix->ncol fields equal keys[0..ncol).
 * *conflict_rowid gets the row it names (a handle of w's WITHOUT ROWID table; w may be NULL for an
 * index of a rowid table). */
static int index_find(Exec *x, TableWriter *w, Index *ix, BtCursor *c, Value *keys, int *found,
                      int64_t *conflict_rowid) {
  *found = 0;
  uint8_t *rec;
  uint32_t nrec;
  int rc = dml_encode(keys, ix->ncol, &rec, &nrec);
  if (rc) return nomem(x);
  UnpackedKey k = {.keyinfo = &ix->keyinfo, .rec = rec, .nrec = nrec, .default_rc = -1};
  int res, eof = 0;
  rc = btree_seek_key(c, &k, &res);
  if (rc == MICA_OK && !btree_eof(c) && res < 0) rc = btree_next(c, &eof);
  if (rc == MICA_OK && !btree_eof(c)) {
    const void *d;
    uint32_t n;
    rc = btree_data(c, &d, &n);
    if (rc == MICA_OK) {
      int corrupt = 0;
      k.default_rc = 0;
      if (record_compare_key(&k, d, n, &corrupt) == 0 && !corrupt) {
        RecValue rv;
        if (w && w->t->pk) {
          free(rec);
          rc = entry_handle(x, w, ix, d, n, conflict_rowid);
          *found = rc == MICA_OK;
          return rc;
        }
        if (record_column(d, n, ix->ncol, &rv) == MICA_OK && rv.type == REC_INT) {
          *found = 1;
          *conflict_rowid = rv.u.i;
        }
      }
    }
  }
  free(rec);
  if (rc) return bterr(x, rc);
  return MICA_OK;
}

int dml_index_find(Exec *x, Index *ix, BtCursor *c, Value *keys, int *found, int64_t *conflict_rowid) {
  return index_find(x, NULL, ix, c, keys, found, conflict_rowid);
}

/* Deletes the entry of the tree under c equal to keys[0..nkeys) (a prefix naming one entry). */
static int entry_delete(Exec *x, const KeyInfo *ki, BtCursor *c, Value *keys, int nkeys) {
  uint8_t *rec;
  uint32_t nrec;
  int rc = dml_encode(keys, nkeys, &rec, &nrec);
  if (rc) return nomem(x);
  UnpackedKey k = {.keyinfo = ki, .rec = rec, .nrec = nrec, .default_rc = 0};
  int res;
  rc = btree_seek_key(c, &k, &res);
  if (rc == MICA_OK && res == 0 && !btree_eof(c)) rc = btree_delete(c);
  free(rec);
  if (rc) return bterr(x, rc);
  return MICA_OK;
}

int dml_decode_row(Exec *x, Table *t, const void *d, uint32_t n, int64_t rowid, Value *vals) {
  int nf = t->pk ? t->pk->nfull : t->ncol;
  RecValue *rv = malloc(sizeof(RecValue) * (size_t)(nf + 1));
  if (!rv) return nomem(x);
  int got = 0;
  if (record_decode(d, n, rv, nf, &got)) {
    free(rv);
    return mica_set_error(x->db, MICA_CORRUPT, "database disk image is malformed");
  }
  if (t->pk) {
    for (int i = 0; i < nf; i++) {
      int c = t->pk->cols[i];
      value_release(&vals[c]);
      value_init(&vals[c]);
      if (i < got) {
        Value tmp;
        value_init(&tmp);
        value_from_rec(&tmp, &rv[i]);
        value_copy(&vals[c], &tmp);
        /* SQLite stores a REAL column's integral values as integers */
        if (rv[i].type == REC_INT && t->cols[c].aff == AFF_REAL) value_set_real(&vals[c], (double)rv[i].u.i);
      } else if (t->cols[c].dflt) {
        exec_default_value(x, t, c, &vals[c]);
        value_make_owned(&vals[c]);
      }
    }
    free(rv);
    return MICA_OK;
  }
  for (int i = 0, f = 0; i < t->ncol; i++) {
    value_release(&vals[i]);
    value_init(&vals[i]);
    if (t->cols[i].gen == 1) continue; /* VIRTUAL: not in the record */
    if (f < got) {
      Value tmp;
      value_init(&tmp);
      value_from_rec(&tmp, &rv[f]);
      value_copy(&vals[i], &tmp);
      /* SQLite stores a REAL column's integral values as integers */
      if (rv[f].type == REC_INT && t->cols[i].aff == AFF_REAL) value_set_real(&vals[i], (double)rv[f].u.i);
    } else if (t->cols[i].dflt) {
      exec_default_value(x, t, i, &vals[i]);
      value_make_owned(&vals[i]);
    }
    f++;
  }
  if (t->ipk >= 0) value_set_int(&vals[t->ipk], rowid);
  free(rv);
  return MICA_OK;
}

int dml_read_row(Exec *x, TableWriter *w, int64_t rowid, Value *vals, int *found) {
  Table *t = w->t;
  int res, rc;
  *found = 0;
  if (t->pk) {
    rc = pk_seek(x, w, rowid, found);
    if (rc || !*found) return rc;
    *found = 0;
  } else {
    rc = btree_seek_rowid(w->cur, rowid, &res);
    if (rc) return bterr(x, rc);
    if (res != 0 || btree_eof(w->cur)) return MICA_OK;
  }
  const void *d;
  uint32_t n;
  rc = btree_data(w->cur, &d, &n);
  if (rc) return bterr(x, rc);
  rc = dml_decode_row(x, t, d, n, rowid, vals);
  *found = rc == MICA_OK;
  if (rc == MICA_OK && w->gen_read) rc = exec_gen_compute(x, w->gen_read, t, vals, rowid);
  return rc;
}

int dml_delete_row(Exec *x, TableWriter *w, int64_t rowid, Value *vals) {
  Table *t = w->t;
  int rc = MICA_OK;
  int nmax = t->pk ? t->pk->nfull : 0;
  for (int i = 0; i < w->nidx; i++)
    if (w->idx[i]->nfull > nmax) nmax = w->idx[i]->nfull;
  Value *keys = calloc((size_t)nmax + 1, sizeof(Value));
  if (!keys) return nomem(x);
  for (int i = 0; i < w->nidx && rc == MICA_OK; i++) {
    Index *ix = w->idx[i];
    index_key(t, ix, rowid, vals, keys);
    rc = entry_delete(x, &ix->keyinfo, w->icur[i], keys, ix->nfull);
  }
  if (rc == MICA_OK && t->pk) {
    /* the row: the entry whose PRIMARY KEY is the row's */
    index_key(t, t->pk, 0, vals, keys);
    rc = entry_delete(x, &t->pk->keyinfo, w->cur, keys, t->pk->ncol);
  }
  free(keys);
  if (rc || t->pk) return rc;
  int res;
  rc = btree_seek_rowid(w->cur, rowid, &res);
  if (rc == MICA_OK && res == 0 && !btree_eof(w->cur)) rc = btree_delete(w->cur);
  if (rc) return bterr(x, rc);
  return MICA_OK;
}

int dml_new_rowid(Exec *x, TableWriter *w, int64_t *out) {
  int eof = 0;
  int rc = btree_last(w->cur, &eof);
  if (rc) return bterr(x, rc);
  if (eof) {
    *out = 1;
    return MICA_OK;
  }
  int64_t max = btree_rowid(w->cur);
  if (max < INT64_MAX) {
    *out = max + 1;
    return MICA_OK;
  }
  for (int tries = 0; tries < 100; tries++) {
    int64_t r = ((int64_t)rand() << 32 ^ (int64_t)rand() << 16 ^ rand()) & INT64_MAX;
    if (r == 0) continue;
    int res;
    rc = btree_seek_rowid(w->cur, r, &res);
    if (rc) return bterr(x, rc);
    if (res != 0 || btree_eof(w->cur)) {
      *out = r;
      return MICA_OK;
    }
  }
  return mica_set_error(x->db, MICA_FULL, "database or disk is full");
}

static const char *conflict_cols(Table *t, Index *ix, char *buf, size_t cap) {
  size_t n = 0;
  buf[0] = 0;
  for (int i = 0; i < ix->ncol; i++) {
    int c = ix->cols[i];
    const char *cn = c >= 0 && c < t->ncol ? t->cols[c].name : c == -1 ? "rowid" : "<expr>";
    int k = snprintf(buf + n, cap - n, "%s%s.%s", i ? ", " : "", t->name, cn);
    if (k < 0 || (size_t)k >= cap - n) break;
    n += (size_t)k;
  }
  return buf;
}

/* Looks for an entry of ix (through c) with the key of the row (vals, rowid); *other gets the row
 * it names. A NULL in a key column never matches. */
static int unique_find(Exec *x, TableWriter *w, Index *ix, BtCursor *c, int64_t rowid, Value *vals,
                       int *found, int64_t *other) {
  *found = 0;
  Value *keys = calloc((size_t)ix->nfull + 1, sizeof(Value));
  if (!keys) return nomem(x);
  index_key(w->t, ix, rowid, vals, keys);
  int hasnull = 0;
  for (int k = 0; k < ix->ncol; k++)
    if (keys[k].type == VAL_NULL) hasnull = 1;
  int rc = hasnull ? MICA_OK : index_find(x, w, ix, c, keys, found, other);
  free(keys);
  return rc;
}

/* Encodes the entry of ix for the row and inserts it through c. */
static int entry_insert(Exec *x, Table *t, Index *ix, BtCursor *c, int64_t rowid, Value *vals) {
  uint8_t *rec;
  uint32_t nrec;
  int rc = dml_index_entry(t, ix, rowid, vals, &rec, &nrec);
  if (rc) return nomem(x);
  rc = btree_insert(c, ix == t->pk ? 0 : rowid, rec, nrec);
  free(rec);
  return rc ? bterr(x, rc) : MICA_OK;
}

int dml_index_entry(Table *t, Index *ix, int64_t rowid, Value *vals, uint8_t **rec, uint32_t *nrec) {
  Value *keys = calloc((size_t)ix->nfull + 1, sizeof(Value));
  if (!keys) return MICA_NOMEM;
  index_key(t, ix, rowid, vals, keys);
  int rc = dml_encode(keys, ix->nfull, rec, nrec);
  free(keys);
  return rc;
}

int dml_index_insert(Exec *x, TableWriter *w, Index *ix, BtCursor *icur, int64_t rowid, Value *vals,
                     int check_unique) {
  Table *t = w->t;
  int rc = MICA_OK;
  if (check_unique && ix->unique) {
    int found;
    int64_t other;
    rc = unique_find(x, w, ix, icur, rowid, vals, &found, &other);
    if (rc == MICA_OK && found && !same_row(w, other, rowid)) {
      char buf[512];
      rc = mica_set_error(x->db, ix->origin == 2 ? MICA_CONSTRAINT_PRIMARYKEY : MICA_CONSTRAINT_UNIQUE,
                          "UNIQUE constraint failed: %s", conflict_cols(t, ix, buf, sizeof buf));
    }
  }
  if (rc == MICA_OK) rc = entry_insert(x, t, ix, icur, rowid, vals);
  return rc;
}

/* A constraint failure under OR FAIL keeps the statement's earlier changes and under OR ROLLBACK ends
 * the transaction (db->err_action, acted on by mica.c when the statement ends). */
static void note_action(mica_db *db, int oc) {
  if (oc == ONCONF_FAIL || oc == ONCONF_ROLLBACK) db->err_action = oc;
}

/* Deletes the row conflicting at rowid for REPLACE. */
static int replace_delete(Exec *x, TableWriter *w, int64_t rowid) {
  Table *t = w->t;
  Value *old = values_alloc((size_t)t->ncol + 1);
  if (!old) return nomem(x);
  int found = 0;
  int rc = dml_read_row(x, w, rowid, old, &found);
  int fire = found && w->replace_trig && x->db->recursive_triggers, ignored = 0;
  if (rc == MICA_OK && fire) {
    /* the BEFORE triggers may have changed or deleted the row */
    rc = trigger_fire(x, w->replace_trig, TR_BEFORE, NULL, 0, old, rowid, &ignored);
    for (int i = 0; i < t->ncol; i++) {
      value_release(&old[i]);
      value_init(&old[i]);
    }
    if (rc == MICA_OK) rc = dml_read_row(x, w, rowid, old, &found);
  }
  /* under foreign keys, the deleted row's keys are checked and its actions run */
  if (rc == MICA_OK && found) rc = fkey_check_old(x, w->fk_del, old, rowid);
  if (rc == MICA_OK && found) rc = dml_delete_row(x, w, rowid, old);
  if (rc == MICA_OK && found) rc = fkey_actions(x, w->fk_del, old, rowid, NULL, 0);
  if (rc == MICA_OK && found && fire)
    rc = trigger_fire(x, w->replace_trig, TR_AFTER, NULL, 0, old, rowid, &ignored);
  for (int i = 0; i < t->ncol; i++)
    value_release(&old[i]);
  free(old);
  return rc;
}

int dml_insert_row(Exec *x, TableWriter *w, Value *vals, Value *explicit_rowid, int onconf,
                   int64_t *rowid_out, int *skipped, const int64_t *updating_rowid) {
  Table *t = w->t;
  mica_db *db = x->db;
  int rc = MICA_OK;
  *skipped = 0;
  /* rowid: the INTEGER PRIMARY KEY value, else an explicit rowid, else the updated row's, else new
   * (none for a WITHOUT ROWID table) */
  int64_t rowid = 0;
  Value *ipkv = t->ipk >= 0 ? &vals[t->ipk] : NULL;
  Value *rv = ipkv && ipkv->type != VAL_NULL
                  ? ipkv
                  : (explicit_rowid && explicit_rowid->type != VAL_NULL ? explicit_rowid : NULL);
  if (t->pk) {
    rowid = 0; /* WITHOUT ROWID: no rowid */
  } else if (rv) {
    value_apply_affinity(rv, AFF_INTEGER);
    if (rv->type != VAL_INT) return mica_set_error(db, MICA_MISMATCH, "datatype mismatch");
    rowid = rv->u.i;
  } else if (updating_rowid) {
    rowid = *updating_rowid;
  } else {
    rc = dml_new_rowid(x, w, &rowid);
    if (rc) return rc;
  }
  if (ipkv) value_set_int(ipkv, rowid);
  if (w->gen_write && (rc = exec_gen_compute(x, w->gen_write, t, vals, rowid))) return rc;
  /* NOT NULL */
  for (int i = 0; i < t->ncol; i++) {
    Column *c = &t->cols[i];
    if (!c->notnull || i == t->ipk || vals[i].type != VAL_NULL) continue;
    int oc = onconf ? onconf : c->notnull_conflict;
    if (oc == ONCONF_IGNORE) {
      *skipped = 1;
      return MICA_OK;
    }
    if (oc == ONCONF_REPLACE && c->dflt) {
      rc = exec_default_value(x, t, i, &vals[i]);
      if (rc) return rc;
      value_make_owned(&vals[i]);
      if (vals[i].type != VAL_NULL) continue;
    }
    note_action(db, oc);
    return mica_set_error(db, MICA_CONSTRAINT_NOTNULL, "NOT NULL constraint failed: %s.%s", t->name, c->name);
  }
  /* CHECK */
  if (w->nchecks && w->row_slot >= 0) {
    Slot *s = &x->slots[w->row_slot];
    for (int i = 0; i < t->ncol && i < s->ncol; i++) {
      value_release(&s->cols[i]);
      s->cols[i] = vals[i];
      s->cols[i].own = VAL_EPHEM;
      s->cols[i].ztext = NULL;
    }
    s->rowid = rowid;
    s->decoded = 1;
    s->rec = NULL;
    s->nullrow = 0;
    for (int i = 0; i < w->nchecks; i++) {
      int tr = expr_truth(x, w->checks[i], &rc);
      if (rc) return rc;
      if (tr == 0) {
        if (onconf == ONCONF_IGNORE) {
          *skipped = 1;
          return MICA_OK;
        }
        const char *nm = t->check_names && t->check_names[i] ? t->check_names[i] : "";
        note_action(db, onconf);
        return mica_set_error(db, MICA_CONSTRAINT_CHECK, "CHECK constraint failed: %s", nm);
      }
    }
  }
  /* rowid uniqueness */
  if (!t->pk && (!updating_rowid || *updating_rowid != rowid)) {
    int res;
    rc = btree_seek_rowid(w->cur, rowid, &res);
    if (rc) return bterr(x, rc);
    if (res == 0 && !btree_eof(w->cur)) {
      if (onconf == ONCONF_IGNORE) {
        *skipped = 1;
        return MICA_OK;
      }
      if (onconf == ONCONF_REPLACE) {
        rc = replace_delete(x, w, rowid);
        if (rc) return rc;
      } else {
        note_action(db, onconf);
        if (t->ipk >= 0)
          return mica_set_error(db, MICA_CONSTRAINT_PRIMARYKEY, "UNIQUE constraint failed: %s.%s", t->name,
                                t->cols[t->ipk].name);
        return mica_set_error(db, MICA_CONSTRAINT_ROWID, "UNIQUE constraint failed: %s.rowid", t->name);
      }
    }
  }
  /* unique indexes and a WITHOUT ROWID table's PRIMARY KEY */
  for (int i = 0; i < w->nchk; i++) {
    Index *ix = w->chk[i];
    int found = 0;
    int64_t other = 0;
    rc = unique_find(x, w, ix, w->chkcur[i], rowid, vals, &found, &other);
    if (rc) return rc;
    if (found && !(updating_rowid && same_row(w, other, *updating_rowid))) {
      int oc = onconf ? onconf : ix->onerror;
      if (oc == ONCONF_IGNORE) {
        *skipped = 1;
        return MICA_OK;
      }
      if (oc == ONCONF_REPLACE) {
        rc = replace_delete(x, w, other);
        if (rc) return rc;
        continue;
      }
      char buf[512];
      note_action(db, oc);
      return mica_set_error(db, ix->origin == 2 ? MICA_CONSTRAINT_PRIMARYKEY : MICA_CONSTRAINT_UNIQUE,
                            "UNIQUE constraint failed: %s", conflict_cols(t, ix, buf, sizeof buf));
    }
  }
  /* foreign keys, once the row passed the other constraints */
  if ((rc = fkey_check_new(x, w->fk_new, vals, rowid))) return rc;
  /* write the row: the IPK column is stored as NULL, VIRTUAL columns not at all; a WITHOUT ROWID row
   * is its PRIMARY KEY entry */
  if (t->pk) {
    rc = entry_insert(x, t, t->pk, w->cur, 0, vals);
  } else {
    uint8_t *rec;
    uint32_t nrec;
    rc = encode_row(t, vals, &rec, &nrec);
    if (rc) return nomem(x);
    rc = btree_insert(w->cur, rowid, rec, nrec);
    free(rec);
    if (rc) return bterr(x, rc);
  }
  for (int i = 0; i < w->nidx && rc == MICA_OK; i++)
    rc = entry_insert(x, t, w->idx[i], w->icur[i], rowid, vals);
  if (rc) return rc;
  if (rowid_out) *rowid_out = rowid;
  return MICA_OK;
}

int dml_find_conflict(Exec *x, TableWriter *w, Value *vals, int64_t rowid, int check_rowid, Index *only,
                      int *found, int64_t *conflict_rowid) {
  *found = 0;
  int rc;
  if (check_rowid && !only && !w->t->pk) {
    int res;
    rc = btree_seek_rowid(w->cur, rowid, &res);
    if (rc) return bterr(x, rc);
    if (res == 0 && !btree_eof(w->cur)) {
      *found = 1;
      *conflict_rowid = rowid;
      return MICA_OK;
    }
  }
  for (int i = 0; i < w->nchk; i++) {
    if (only && w->chk[i] != only) continue;
    rc = unique_find(x, w, w->chk[i], w->chkcur[i], rowid, vals, found, conflict_rowid);
    if (rc || *found) return rc;
  }
  return MICA_OK;
}

int dml_rowids(TableWriter *w, RowList *ids) {
  int eof = 0, rc;
  for (rc = btree_first(w->cur, &eof); rc == MICA_OK && !eof; rc = btree_next(w->cur, &eof)) {
    Row *r = row_new(1);
    if (!r) return MICA_NOMEM;
    value_set_int(&r->v[0], btree_rowid(w->cur));
    if ((rc = rowlist_push(ids, r))) {
      row_free(r);
      return rc;
    }
  }
  return rc;
}
