/*
 * pager.h: the page cache over one database file and its WAL.
 *
 * The pager hands out fixed-size pages by number (1-based, as in SQLite), tracks which are dirty,
 * keeps memory bounded by the configured cache size (clean, unpinned pages are evicted; the policy
 * resists scans), and turns a transaction's dirty pages into WAL frames at commit (wal.h). It knows
 * nothing of b-trees: page allocation, the freelist and pointer maps are the b-tree's business.
 *
 * SHARING
 *   A Pager (one per database file per process) is shared by every connection to that file; each
 *   connection has a PagerConn holding its snapshot and, for the writer, its private dirty pages.
 *   Readers see the snapshot pinned by pager_begin_read; the writer sees its own changes.
 *
 * PAGES
 *   pager_get pins a page (reference counted) and returns a PgHdr whose data is page_size bytes.
 *   Before changing data, the writer calls pager_write, which makes the page private to the
 *   transaction (copy-on-write against readers' snapshots) and journals its prior image for
 *   savepoints. pager_unref unpins. Page 1 holds the 100-byte database header at offset 0.
 *   pager_write may replace pg->data (the private copy): re-read pg->data after calling it.
 *   pager_get needs a read or write transaction (MICA_MISUSE otherwise). Pages referenced when the
 *   transaction ends stay readable until pager_unref but are no longer part of any transaction.
 */
#ifndef MICA_PAGER_H
#define MICA_PAGER_H

#include <stdint.h>

typedef struct Pager Pager;
typedef struct PagerConn PagerConn;

typedef struct PgHdr {
  uint8_t *data; /* page_size bytes */
  uint32_t pgno;
  void *extra; /* pager-owned bookkeeping; not for callers */
} PgHdr;

#define PAGER_OPEN_READONLY 0x01
#define PAGER_OPEN_CREATE 0x02
#define PAGER_OPEN_MEMORY 0x04
#define PAGER_OPEN_IO_POSIX 0x10
#define PAGER_OPEN_IO_URING 0x20

/* Savepoint ops (same values as BTREE_SAVEPOINT_*) and checkpoint modes (as btree_checkpoint). */
#define PAGER_SAVEPOINT_BEGIN 0
#define PAGER_SAVEPOINT_RELEASE 1
#define PAGER_SAVEPOINT_ROLLBACK 2
#define PAGER_CHECKPOINT_PASSIVE 0
#define PAGER_CHECKPOINT_FULL 1
#define PAGER_CHECKPOINT_RESTART 2
#define PAGER_CHECKPOINT_TRUNCATE 3

/* Opens (or joins the shared Pager of) path and returns this connection's handle. path NULL, "" or
 * ":memory:" (or PAGER_OPEN_MEMORY) is a private in-memory database. MICA_BUSY when another
 * process (e.g. sqlite3) holds the file; MICA_NOTADB when it is not a database. */
int pager_open(const char *path, int flags, PagerConn **out);
/* As pager_open, opening the database, WAL and journal files through open_fn(ctx, ...) (an IoOpenFn
 * from io.h; NULL: io_open). Used by tests to inject I/O faults. */
struct IoFile;
int pager_open_io(const char *path, int flags,
                  int (*open_fn)(void *ctx, const char *path, int flags, struct IoFile **out), void *ctx,
                  PagerConn **out);
int pager_close(PagerConn *pc);
const char *pager_errmsg(PagerConn *pc);

uint32_t pager_page_size(PagerConn *pc);
int pager_set_page_size(PagerConn *pc, uint32_t size, int reserved); /* empty database only */
int pager_reserved_bytes(PagerConn *pc);
/* Pages in the database as of this connection's snapshot (or its write transaction). */
uint32_t pager_page_count(PagerConn *pc);

/* Transactions. commit and rollback end the transaction (back to no transaction). */
int pager_begin_read(PagerConn *pc);
int pager_end_read(PagerConn *pc);
/* Takes the file's single write lock through a FIFO queue, waiting up to timeout_ms (<= 0: no
 * wait): MICA_BUSY on timeout; MICA_BUSY_SNAPSHOT if called in a read transaction whose snapshot is
 * no longer the newest (end the read and retry); MICA_READONLY for read-only handles. */
int pager_begin_write(PagerConn *pc, int timeout_ms);
/* Appends the dirty pages as WAL frames and returns once durable per synchronous. On an error the
 * write transaction stays open (roll it back); MICA_IOERR_FSYNC means the commit is visible but its
 * durability unknown. */
int pager_commit(PagerConn *pc);
int pager_rollback(PagerConn *pc);
int pager_savepoint(PagerConn *pc, int op, int idx); /* BTREE_SAVEPOINT_* semantics */

int pager_get(PagerConn *pc, uint32_t pgno, PgHdr **out); /* pgno may be page_count+1.. when writing */
int pager_write(PgHdr *pg);
void pager_unref(PgHdr *pg);
/* Sets the database size (writer only): truncating drops pages past n at commit. */
int pager_set_page_count(PagerConn *pc, uint32_t n);

/* The shared cache's budget (PRAGMA cache_size semantics: > 0 pages, < 0 KiB; default -2000) is
 * per file, shared by its connections. Dirty pages of a write transaction are private and not
 * counted: a big transaction may exceed the budget until it ends. */
int pager_set_cache_size(PagerConn *pc, int64_t pages_or_neg_kib);
typedef struct PagerCacheStats {
  uint32_t entries, limit; /* shared page images held, and the budget in pages */
  uint64_t hits, misses;
} PagerCacheStats;
void pager_cache_stats(PagerConn *pc, PagerCacheStats *st);
/* 0 OFF (never sync), 1 NORMAL (sync the log only at checkpoints), 2 FULL (default: every commit),
 * 3 EXTRA (as FULL). Per connection. */
int pager_set_synchronous(PagerConn *pc, int level);
/* PAGER_CHECKPOINT_*: copies committed frames home, never those a reader's snapshot still needs.
 * FULL and up first wait (up to 2 s) for the write lock; RESTART/TRUNCATE then restart the log
 * (TRUNCATE also truncates it to 0 bytes). MICA_BUSY when a reader or writer prevented completing;
 * MICA_LOCKED inside this connection's write transaction. Outputs (may be NULL): frames in the log
 * and frames checkpointed (both 0 after TRUNCATE). */
int pager_checkpoint(PagerConn *pc, int mode, int *wal_frames, int *checkpointed);
/* frames > 0: once a commit leaves that many frames not yet copied home, a PASSIVE checkpoint runs
 * in a background thread (file databases) or inline (memory). 0 or less disables. Default 1000. */
int pager_set_autocheckpoint(PagerConn *pc, int frames);
/* Frames in the log (up to the last commit) and how many of them are checkpointed. */
void pager_wal_stats(PagerConn *pc, uint32_t *frames, uint32_t *backfilled);

#endif /* MICA_PAGER_H */
