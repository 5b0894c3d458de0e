/*
 * io.h: the file I/O interface under the pager and the WAL.
 *
 * An IoFile is an open file behind a table of methods (IoMethods). Backends:
 *   posix   pread/pwrite/fdatasync/ftruncate/fcntl locks (io_posix.c)
 *   uring   io_uring through liburing (io_uring_backend.c, when built with HAVE_LIBURING)
 *   memory  a growable in-process buffer, for ":memory:" databases (io.c)
 *   fault   a wrapper around another IoFile that injects errors, for tests (io.c)
 *
 * io_open picks the backend: IO_OPEN_POSIX / IO_OPEN_URING force one; otherwise the environment
 * variable MICA_IO=posix|uring does; otherwise io_uring when the kernel allows io_uring_setup, else
 * posix.
 *
 * CONTRACT (every backend)
 *   read    reads n bytes at off. Bytes past end of file read as zeros and the call returns
 *           MICA_IOERR_SHORT_READ (the buffer is still fully written). Other failures MICA_IOERR_READ.
 *   write   writes all n bytes at off (retrying partial writes) or returns MICA_IOERR_WRITE.
 *   writev  writes several buffers, at non-overlapping offsets, as one batch (the uring backend
 *           submits them together and they may complete in any order); with sync != 0 a data sync
 *           follows, started only after every write of the batch completed (linked).
 *   sync    makes written data durable (fdatasync). MICA_IOERR_FSYNC on failure.
 *   lock    IO_LOCK_EXCLUSIVE or IO_LOCK_SHARED on SQLite's lock bytes (the PENDING, RESERVED and
 *           SHARED bytes at 0x40000000..0x400001ff), so that sqlite3 sees the file as busy; never waits:
 *           MICA_BUSY when another process holds a conflicting lock. IO_LOCK_NONE releases.
 *   close   releases the lock, closes and frees the IoFile (also on error).
 * An IoFile is not thread-safe for lock/close; read/write/sync at distinct offsets may be called
 * concurrently (posix and memory backends; the uring backend serialises its ring with a mutex).
 */
#ifndef MICA_IO_H
#define MICA_IO_H

#include <stddef.h>
#include <stdint.h>

typedef struct IoFile IoFile;

#define IO_OPEN_READONLY 0x01
#define IO_OPEN_CREATE 0x02
#define IO_OPEN_POSIX 0x10
#define IO_OPEN_URING 0x20

#define IO_LOCK_NONE 0
#define IO_LOCK_SHARED 1
#define IO_LOCK_EXCLUSIVE 2

/* SQLite's lock bytes (file-format document, "locking"). */
#define IO_PENDING_BYTE 0x40000000u
#define IO_LOCK_RANGE 512u

typedef struct IoVec {
  const void *buf;
  size_t len;
  uint64_t off;
} IoVec;

typedef struct IoMethods {
  const char *name;
  int (*read)(IoFile *f, void *buf, size_t n, uint64_t off);
  int (*write)(IoFile *f, const void *buf, size_t n, uint64_t off);
  int (*writev)(IoFile *f, const IoVec *v, int nv, int sync);
  int (*sync)(IoFile *f);
  int (*truncate)(IoFile *f, uint64_t size);
  int (*size)(IoFile *f, uint64_t *out);
  int (*lock)(IoFile *f, int level);
  int (*close)(IoFile *f);
} IoMethods;

/* Every backend's file struct starts with this. */
struct IoFile {
  const IoMethods *m;
};

/* An opener: how the pager opens its files (tests substitute fault-injecting ones). */
typedef int (*IoOpenFn)(void *ctx, const char *path, int flags, IoFile **out);

/* Opens path with the selected backend. MICA_CANTOPEN when the file cannot be opened. */
int io_open(const char *path, int flags, IoFile **out);
/* The default opener (io_open), usable as an IoOpenFn. */
int io_open_default(void *ctx, const char *path, int flags, IoFile **out);
/* Name of the backend io_open would pick for flags ("posix" or "uring"). */
const char *io_backend_name(int flags);

/* Backends. */
int io_posix_open(const char *path, int flags, IoFile **out);
int io_posix_fd(IoFile *f); /* the descriptor of a posix IoFile (used by the uring backend) */
int io_uring_open(const char *path, int flags, IoFile **out); /* MICA_CANTOPEN if unavailable */
int io_uring_available(void);
/* A new, empty in-memory file. */
int io_mem_open(IoFile **out);

/* Fault injection. Wraps inner (taking ownership). Each I/O call counts one operation; once the
 * countdown set by io_fault_set reaches zero the selected operations fail with err (or, for
 * IO_FAULT_SHORT_WRITE, write only half the bytes and fail). persistent != 0 keeps failing. */
#define IO_FAULT_READ 0x01
#define IO_FAULT_WRITE 0x02
#define IO_FAULT_SYNC 0x04
#define IO_FAULT_TRUNCATE 0x08
#define IO_FAULT_SHORT_WRITE 0x10
int io_fault_wrap(IoFile *inner, IoFile **out);
void io_fault_set(IoFile *f, int ops, int countdown, int persistent);
/* Number of faults injected so far. */
int io_fault_count(IoFile *f);
/* Number of calls made of one kind (IO_FAULT_READ, _WRITE, _SYNC or _TRUNCATE), failed or not. */
int io_fault_calls(IoFile *f, int op);
/* Makes every sync take at least usec microseconds (a slow disk), to exercise group commit. */
void io_fault_set_sync_delay(IoFile *f, int usec);

/* Convenience wrappers. */
static inline int io_read(IoFile *f, void *buf, size_t n, uint64_t off) { return f->m->read(f, buf, n, off); }
static inline int io_write(IoFile *f, const void *buf, size_t n, uint64_t off) {
  return f->m->write(f, buf, n, off);
}
static inline int io_writev(IoFile *f, const IoVec *v, int nv, int sync) {
  return f->m->writev(f, v, nv, sync);
}
static inline int io_sync(IoFile *f) { return f->m->sync(f); }
static inline int io_truncate(IoFile *f, uint64_t size) { return f->m->truncate(f, size); }
static inline int io_size(IoFile *f, uint64_t *out) { return f->m->size(f, out); }
static inline int io_lock(IoFile *f, int level) { return f->m->lock(f, level); }
static inline int io_close(IoFile *f) { return f ? f->m->close(f) : 0; }

/* Generic writev for backends without a batched path: writes each vector, then syncs if asked. */
int io_writev_serial(IoFile *f, const IoVec *v, int nv, int sync);

#endif /* MICA_IO_H */
