/*
 * wal.h: the write-ahead log, in SQLite's WAL file format, and its in-memory index.
 *
 * A Wal owns the -wal IoFile and an index mapping page numbers to the frames that hold them. There is
 * no -shm file: the index lives in this process (the pager holds an exclusive lock on the database).
 *
 * THREADING
 *   A Wal is not thread-safe by itself; the pager serialises access:
 *   - wal_append and wal_sync_frames are called only by the holder of the pager's write lock. They do
 *     I/O on frames past the last commit and touch only writer-owned state (running checksum, next
 *     frame number), so they run without the pager mutex.
 *   - everything else (lookups, publish, checkpoint plan/done, reset) runs under the pager mutex.
 *   - wal_read_frame reads an immutable committed frame and may be called without the mutex.
 */
#ifndef MICA_WAL_H
#define MICA_WAL_H

#include <stdint.h>

#include "io.h"

typedef struct Wal Wal;

#define WAL_MAGIC_LE 0x377f0682u
#define WAL_MAGIC_BE 0x377f0683u
#define WAL_VERSION 3007000u
#define WAL_HDR_SIZE 32
#define WAL_FRAME_HDR_SIZE 24

/* Takes ownership of f (closed by wal_close, also when wal_open fails). Recovers the log: frames up
 * to the last valid commit frame (matching salts, valid cumulative checksums) are indexed; a torn
 * or uncommitted tail is ignored. *page_size: in, the database's page size (0 if unknown, e.g. an
 * empty database file); out, the page size to use (the log's when it has valid frames). Returns
 * MICA_CORRUPT when the log's page size disagrees with a known database page size. */
int wal_open(IoFile *f, uint32_t *page_size, Wal **out);
int wal_close(Wal *w);
IoFile *wal_file(Wal *w);

/* The last commit frame (0: empty log), the database size at commit frame mx (0 if mx is 0), and
 * the generation, bumped at every reset (frame numbers restart at 1). */
uint32_t wal_max_frame(Wal *w);
uint32_t wal_db_size(Wal *w, uint32_t mx);
uint32_t wal_generation(Wal *w);
uint32_t wal_backfilled(Wal *w);
uint32_t wal_page_size(Wal *w);

/* The frame holding pgno in the snapshot ending at frame mx, or 0 when the page is not in the log
 * up to mx (read it from the database file). */
uint32_t wal_find(Wal *w, uint32_t pgno, uint32_t mx);
/* The newest frame holding pgno among all published frames (0 if none). */
uint32_t wal_find_latest(Wal *w, uint32_t pgno);
int wal_read_frame(Wal *w, uint32_t frame, uint8_t *buf);

/* Writer: appends n frames (pgnos[i] / pages[i], page_size bytes each) after the last commit; the
 * last is a commit frame carrying db_size. sync: 1 data-sync the log after the frames. On error the
 * log's writer state is rewound (the partial frames are never valid: they follow no commit). */
int wal_append(Wal *w, uint32_t page_size, const uint32_t *pgnos, uint8_t *const *pages, int n,
               uint32_t db_size, int sync);
/* Under the mutex, after a successful wal_append: indexes the frames and makes them the last commit. */
int wal_publish(Wal *w, const uint32_t *pgnos, int n, uint32_t db_size);
/* Syncs the log file (used for synchronous=NORMAL before a checkpoint, and group commit). */
int wal_sync(Wal *w);

/* Checkpoint, in two steps so the I/O runs without the pager mutex. plan: the frames to copy so the
 * database file holds the snapshot at commit frame limit: for every page changed in frames
 * (backfilled, limit], its newest frame <= limit. Returns malloc'd arrays (caller frees) and their
 * count. done: records limit as backfilled. */
int wal_checkpoint_plan(Wal *w, uint32_t limit, uint32_t **frames, uint32_t **pgnos, int *n);
void wal_checkpoint_done(Wal *w, uint32_t limit);
/* Restarts the log at frame 1 with new salts (the next append writes a new header). Only when every
 * frame is backfilled. truncate: also truncate the file to 0 bytes. */
int wal_reset(Wal *w, int truncate);
/* Frame count (published) in the log: the autocheckpoint measure. */
uint32_t wal_frame_count(Wal *w);

/* The checksum of the format: pairs of 32-bit words (big-endian when be, else little-endian) folded
 * into s[0], s[1]. n must be a multiple of 8. */
void wal_checksum(int be, const uint8_t *p, uint32_t n, uint32_t s[2]);

#endif /* MICA_WAL_H */
