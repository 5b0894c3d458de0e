/*
 * btree.h: the storage engine's interface to the SQL layer.
 *
 * A Btree is one connection's handle on a database file in the SQLite format. All handles on the same
 * file in a process share one BtShared (page cache, WAL index, write lock, freelist), which is
 * thread-safe; a Btree itself is used by one thread at a time.
 *
 * Trees are identified by their root page number. A table b-tree (BTREE_INTKEY) maps a 64-bit rowid to
 * a payload (a record, see record.h). An index b-tree (BTREE_BLOBKEY) holds keys that are records,
 * ordered by record_compare() under the KeyInfo given when the cursor is opened (collations, DESC
 * columns); WITHOUT ROWID tables are index b-trees too.
 *
 * TRANSACTIONS
 *   Reads happen inside a read transaction, which pins a snapshot (the last commit at its start).
 *   btree_begin_write upgrades to a write transaction: it waits in a fair FIFO queue for the file's
 *   single write lock (up to timeout_ms, then MICA_BUSY), and fails with MICA_BUSY_SNAPSHOT if another
 *   writer committed after this connection's snapshot was taken (the caller must restart the read).
 *   Savepoints nest inside a write transaction: the SQL layer opens one per statement for
 *   statement-level atomicity and one per SQL SAVEPOINT.
 *
 * CURSORS
 *   A cursor is positioned on one entry or is at EOF. Pointers returned by btree_data stay valid
 *   until the cursor moves or anything is written through this Btree (a write may replace the page
 *   buffer the pointer points into, even for another tree's page 1): copy data you need across
 *   writes. A write through one cursor invalidates the
 *   position of other cursors on the same tree: they are repositioned (saved key, re-seek) lazily on
 *   their next use, so a scan that deletes the row it is on continues with the following row.
 *
 * ERRORS
 *   Every function returns a MICA_* code (mica.h). Corruption gives MICA_CORRUPT with a message naming
 *   the page, available from btree_errmsg().
 */
#ifndef MICA_BTREE_H
#define MICA_BTREE_H

#include <stdint.h>

#include "record.h"

typedef struct Btree Btree;
typedef struct BtCursor BtCursor;

/* Flags for btree_open. */
#define BTREE_OPEN_READONLY 0x01
#define BTREE_OPEN_CREATE 0x02
#define BTREE_OPEN_MEMORY 0x04
#define BTREE_OPEN_IO_POSIX 0x10
#define BTREE_OPEN_IO_URING 0x20

/* Flags for btree_create_table. */
#define BTREE_INTKEY 1  /* table b-tree: rowid keys, record payloads */
#define BTREE_BLOBKEY 2 /* index b-tree: record keys, no payload */

/* Database header meta values, as SQLite's sqlite3BtreeGetMeta indexes them: value i is the 4-byte
 * big-endian integer at header offset 36 + 4*i. */
#define BTREE_FREE_PAGE_COUNT 0
#define BTREE_SCHEMA_VERSION 1 /* schema cookie */
#define BTREE_FILE_FORMAT 2
#define BTREE_DEFAULT_CACHE_SIZE 3
#define BTREE_LARGEST_ROOT_PAGE 4 /* non-zero for auto-vacuum files */
#define BTREE_TEXT_ENCODING 5
#define BTREE_USER_VERSION 6
#define BTREE_INCR_VACUUM 7
#define BTREE_APPLICATION_ID 8

/* Savepoint operations. */
#define BTREE_SAVEPOINT_BEGIN 0
#define BTREE_SAVEPOINT_RELEASE 1
#define BTREE_SAVEPOINT_ROLLBACK 2 /* undo to the savepoint, which stays open */

/* Open and close. path ":memory:" (or BTREE_OPEN_MEMORY) is a private in-memory database. A new
 * (empty) file gets page 1 at its first write transaction. btree_close closes any cursors still open
 * and rolls back an open transaction. */
int btree_open(const char *path, int flags, Btree **out);
/* As btree_open, opening the files through open_fn(ctx, ...) (pager_open_io; NULL: io_open). Used by
 * tests and test tools to inject I/O faults. */
struct IoFile;
int btree_open_io(const char *path, int flags,
                  int (*open_fn)(void *ctx, const char *path, int flags, struct IoFile **out), void *ctx,
                  Btree **out);
int btree_close(Btree *bt);
/* The last error message of this handle (static or handle-owned; never NULL). */
const char *btree_errmsg(Btree *bt);

/* Transactions. */
int btree_begin_read(Btree *bt);
int btree_begin_write(Btree *bt, int timeout_ms);
int btree_commit(Btree *bt);
int btree_rollback(Btree *bt);
/* 0 none, 1 read, 2 write. */
int btree_txn_state(Btree *bt);
/* Savepoint number idx counts from 0 (outermost). BEGIN opens idx = current depth; RELEASE and
 * ROLLBACK act on idx and (RELEASE) close every savepoint from idx up. */
int btree_savepoint(Btree *bt, int op, int idx);

/* Trees. */
int btree_create_table(Btree *bt, int flags, uint32_t *root_out);
/* Frees every page of the tree; cursors on it go to EOF. In an auto-vacuum file the last root page may be
 * moved into the freed slot: *moved_from is then the old page number of the moved root (the caller updates
 * sqlite_schema), else 0 (open cursors on the moved root follow it). */
int btree_drop_table(Btree *bt, uint32_t root, uint32_t *moved_from);
/* Deletes every entry, keeping the root. *nrows (may be NULL) gets how many entries there were. */
int btree_clear_table(Btree *bt, uint32_t root, int64_t *nrows);
int btree_get_meta(Btree *bt, int idx, uint32_t *value);
int btree_update_meta(Btree *bt, int idx, uint32_t value); /* needs a write transaction */

/* File properties and PRAGMA support. */
uint32_t btree_page_size(Btree *bt);
int btree_set_page_size(Btree *bt, uint32_t size,
                        int reserved); /* before the first write; reserved -1 keeps */
uint32_t btree_page_count(Btree *bt);
int btree_set_cache_size(Btree *bt, int64_t pages_or_neg_kib); /* PRAGMA cache_size semantics */
int btree_set_synchronous(Btree *bt, int level);               /* 0 OFF, 1 NORMAL, 2 FULL, 3 EXTRA */
int btree_get_autovacuum(Btree *bt);                           /* 0 none, 1 full, 2 incremental */
/* As PRAGMA auto_vacuum: none <-> full/incremental only while the database has no tables (else
 * silently ignored, as SQLite does until VACUUM); full <-> incremental any time. Outside a
 * transaction it runs its own write transaction; inside a read transaction it is applied when the
 * transaction becomes a write transaction. */
int btree_set_autovacuum(Btree *bt, int mode);
/* mode: 0 PASSIVE, 1 FULL, 2 RESTART, 3 TRUNCATE. Outputs may be NULL. */
int btree_checkpoint(Btree *bt, int mode, int *wal_frames, int *checkpointed);
int btree_set_autocheckpoint(Btree *bt, int frames);
/* PRAGMA incremental_vacuum(N) in auto_vacuum=INCREMENTAL files (a no-op otherwise): gives up to
 * npages free pages (all when npages <= 0) back by moving pages from the end of the file. Needs a
 * write transaction. *freed (may be NULL) gets how many pages went. */
int btree_incremental_vacuum(Btree *bt, int64_t npages, uint32_t *freed);
/* Rebuilds the file compactly (VACUUM), or writes a compact copy to path (VACUUM INTO; an error if
 * the file exists and is not empty). Root pages change: reread sqlite_schema and reopen cursors.
 * Runs in its own transaction when none is open; in-place VACUUM inside a write transaction
 * becomes part of it. */
int btree_vacuum(Btree *bt, const char *into_path);
/* Checks the trees rooted at roots[0..nroots) plus the freelist and page accounting. Returns
 * MICA_OK with *report = NULL when everything is fine, else a malloc'd newline-separated list of
 * problems (at most max_errors), to free with free(). */
int btree_integrity_check(Btree *bt, const uint32_t *roots, int nroots, int max_errors, char **report);

/* Cursors. keyinfo (index trees only; NULL for table trees) must outlive the cursor. */
int btree_cursor_open(Btree *bt, uint32_t root, int writable, const KeyInfo *keyinfo, BtCursor **out);
void btree_cursor_close(BtCursor *cur);

/* Positioning. *eof is set to 1 when the cursor ends up on no entry. */
int btree_first(BtCursor *cur, int *eof);
int btree_last(BtCursor *cur, int *eof);
int btree_next(BtCursor *cur, int *eof);
int btree_prev(BtCursor *cur, int *eof);
int btree_eof(BtCursor *cur);

/* Seek in a table tree. *res: 0 the cursor is on rowid; <0 on the largest entry smaller than rowid;
 * >0 on the smallest entry larger than rowid; the tree may also be empty (then btree_eof is 1). */
int btree_seek_rowid(BtCursor *cur, int64_t rowid, int *res);
/* Seek in an index tree by an encoded key record, compared with record_compare_key (so a key with
 * fewer fields than the entries compares as a prefix, broken by key->default_rc). *res as above. */
int btree_seek_key(BtCursor *cur, const UnpackedKey *key, int *res);

/* Access to the current entry. btree_rowid is 0 on index trees (the rowid is the key's last field). */
int64_t btree_rowid(BtCursor *cur);
/* The whole payload (table trees: the record; index trees: the key record), assembled from overflow
 * pages into a cursor-owned buffer when needed. */
int btree_data(BtCursor *cur, const void **data, uint32_t *n);
uint32_t btree_data_size(BtCursor *cur);

/* Changes (need a write transaction and a writable cursor). Table trees: insert or replace the entry
 * with this rowid. Index trees: insert the key (data = key record, rowid ignored; an entry comparing
 * equal under the cursor's KeyInfo is replaced). After an insert the cursor is on the new entry;
 * other cursors on the tree re-seek their saved position on their next use. */
int btree_insert(BtCursor *cur, int64_t rowid, const void *data, uint32_t n);
/* Deletes the entry under the cursor; the cursor is then between entries, and btree_next moves to the
 * entry that followed the deleted one. */
int btree_delete(BtCursor *cur);
/* Number of entries in the tree. */
int btree_count(BtCursor *cur, int64_t *n);

#endif /* MICA_BTREE_H */
