/*
 * dml.h: row-level writes shared by INSERT, UPDATE, DELETE and DDL (sqlite_schema rows, index
 * builds): a TableWriter holds write cursors on a table and on every one of its indexes and keeps
 * them consistent, enforcing NOT NULL, CHECK, PRIMARY KEY and UNIQUE with SQLite's messages and
 * conflict resolution (ABORT/FAIL/ROLLBACK give an error, IGNORE skips the row, REPLACE deletes
 * the conflicting rows first). Generated columns are computed when a row is written (all of them)
 * and read (the VIRTUAL ones, which the record does not hold).
 *
 * ROW HANDLES
 *   Rows are named by an int64_t "rowid". For a WITHOUT ROWID table, which has no rowid, it is a
 *   handle the writer hands out for a PRIMARY KEY (dml_pk_handle, or a conflicting row found by a
 *   check): valid until dml_writer_close; 0 names no row. Such a table's rows are written with rowid
 *   0 and *rowid_out is 0.
 */
#ifndef MICA_DML_H
#define MICA_DML_H

#include "exec.h"

/* Conflict resolution (same order as SQLite's OE_*). */
enum { ONCONF_DEFAULT = 0, ONCONF_ROLLBACK, ONCONF_ABORT, ONCONF_FAIL, ONCONF_IGNORE, ONCONF_REPLACE };

typedef struct TableWriter {
  Table *t;
  BtCursor *cur; /* the table (WITHOUT ROWID: keyed by t->pk) */
  int nidx;
  Index **idx; /* t->indexes */
  BtCursor **icur;
  /* the uniqueness checks in SQLite's order (dml.c): unique indexes and a WITHOUT ROWID table's
   * PRIMARY KEY (whose cursor is cur) */
  int nchk;
  Index **chk;
  BtCursor **chkcur;
  /* WITHOUT ROWID: the PRIMARY KEY record of each handle (handle h is keys[h - 1]); owned */
  int64_t nkeys, capkeys;
  uint8_t **keys;
  uint32_t *nkey;
  /* CHECK constraints compiled against row_slot (may be NULL) */
  int nchecks;
  PExpr **checks;
  int row_slot; /* slot whose cols are the row being written (for CHECK), or -1 */
  uint8_t *buf;
  size_t bufcap;
  /* DELETE triggers fired by REPLACE's deletes when recursive_triggers is on (trigger.h), or NULL;
   * set by the caller after dml_writer_open, borrowed */
  struct TrigList *replace_trig;
  /* generated columns (exec.h), compiled by the caller's program, borrowed; NULL when the table has
   * none: gen_read computes the VIRTUAL ones of a row read, gen_write every one of a row written */
  const GenCols *gen_read, *gen_write;
  /* foreign keys (fkey.h), borrowed, set by the caller (NULL: none): fk_new is checked for a row
   * written by dml_insert_row (after the other constraints, before the write); fk_del's checks and
   * actions run for the rows REPLACE deletes */
  struct FkPlan *fk_new, *fk_del;
} TableWriter;

int dml_writer_open(Exec *x, Table *t, TableWriter *w);
void dml_writer_close(TableWriter *w);

/* Inserts a row: vals has t->ncol values (affinity already applied; the IPK column holds the rowid
 * or NULL for a new one; explicit_rowid, may be NULL, a rowid given for a table without one). onconf is the
 * statement's conflict action. *rowid_out gets the rowid; *skipped is 1 when IGNORE skipped it. Updating:
 * when replacing_rowid is not NULL, the row with that rowid is the row being updated and does not conflict
 * with itself. */
int dml_insert_row(Exec *x, TableWriter *w, Value *vals, Value *explicit_rowid, int onconf,
                   int64_t *rowid_out, int *skipped, const int64_t *updating_rowid);
/* Deletes the row rowid (whose column values are vals) and its index entries. */
int dml_delete_row(Exec *x, TableWriter *w, int64_t rowid, Value *vals);
/* Loads row rowid into vals (t->ncol owned values, VIRTUAL columns computed); *found 0 if there is
 * none. */
int dml_read_row(Exec *x, TableWriter *w, int64_t rowid, Value *vals, int *found);
/* Decodes a stored row of t (record d of n bytes; rowid for the INTEGER PRIMARY KEY) into vals
 * (t->ncol owned values). Fields missing from an old record (ADD COLUMN) get the column default. */
int dml_decode_row(Exec *x, Table *t, const void *d, uint32_t n, int64_t rowid, Value *vals);
/* Appends the rowid of every row of w's table to ids (one-value Rows), in rowid order: a table is
 * rewritten or an index filled from these, since writing moves the cursor. Returns a btree code. */
int dml_rowids(TableWriter *w, RowList *ids);
/* Allocates a new rowid (max+1, random when max is the largest). */
int dml_new_rowid(Exec *x, TableWriter *w, int64_t *out);
/* How the rows named by a and b are ordered in the table: by rowid, or by PRIMARY KEY (<0, 0, >0). */
int dml_handle_cmp(TableWriter *w, int64_t a, int64_t b);
/* WITHOUT ROWID: a handle for the row whose PRIMARY KEY columns (in PK order, t->pk->ncol of them)
 * are pkvals. */
int dml_pk_handle(Exec *x, TableWriter *w, Value *pkvals, int64_t *handle);
/* WITHOUT ROWID: the PRIMARY KEY record (malloc'd into *out) of the row named by entry d of index ix
 * (or of the table: ix == pk). MICA_CORRUPT for an entry with too few fields. */
int dml_entry_pk(const Index *ix, const Index *pk, const void *d, uint32_t n, uint8_t **out, uint32_t *nout);
/* The entry of index ix (or t->pk: the stored row) for the row (vals, rowid), malloc'd into *rec. */
int dml_index_entry(Table *t, Index *ix, int64_t rowid, Value *vals, uint8_t **rec, uint32_t *nrec);
/* Inserts one index entry for the row (used by CREATE INDEX). */
int dml_index_insert(Exec *x, TableWriter *w, Index *ix, BtCursor *icur, int64_t rowid, Value *vals,
                     int check_unique);

/* Looks for an entry of ix whose first ix->ncol fields equal keys[0..ncol) through cursor c (on ix).
 * *conflict_rowid gets its rowid. An index of a rowid table only (fkey.c). */
int dml_index_find(Exec *x, Index *ix, BtCursor *c, Value *keys, int *found, int64_t *conflict_rowid);

/* Looks for an existing row that the row (vals, rowid) would conflict with: on the rowid (when
 * check_rowid) and on every UNIQUE index, or only on index `only` when set. */
int dml_find_conflict(Exec *x, TableWriter *w, Value *vals, int64_t rowid, int check_rowid, Index *only,
                      int *found, int64_t *conflict_rowid);

/* Encodes values as a record into a malloc'd buffer. */
int dml_encode(Value *vals, int n, uint8_t **out, uint32_t *nout);

#endif /* MICA_DML_H */
