/*
 * io_uring_backend.c: the io_uring I/O backend (liburing).
 *
 * DESIGN
 *   Each UringFile wraps a posix IoFile (which owns the descriptor, the fcntl lock, truncate and
 *   size: those are plain syscalls either way) and owns one small ring (IO_URING_DEPTH entries),
 *   serialised by a mutex: one submitter at a time per file.
 *   read/write/sync   one SQE each, submitted and reaped at once; partial transfers are resumed.
 *   writev            the batched path used for WAL commits: every page write of the batch is
 *                     queued and submitted with one io_uring_enter; with sync, the writes of the
 *                     last chunk and an fdatasync (IORING_FSYNC_DATASYNC) are LINKED so the sync
 *                     starts only after the writes completed. Batches larger than the ring go in
 *                     chunks (each chunk reaped before the next, so order is kept). A short or
 *                     failed write in a linked chain cancels the rest; the backend then finishes
 *                     the batch with plain writes and a separate sync, so the result is the same.
 *   Registered buffers are not used: the pager's page buffers are allocated per page and change
 *   constantly, so registering them would cost more than it saves; the descriptor is not registered
 *   either (one per ring).
 *
 * AVAILABILITY: io_uring_available() sets up a throw-away ring and checks that READ, WRITE and FSYNC
 * are supported; containers often forbid io_uring_setup, and io_open then uses posix.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "io.h"
#include "mica.h"

#ifdef HAVE_LIBURING
#include <liburing.h>

#define IO_URING_DEPTH 64

typedef struct UringFile {
  IoFile base;
  IoFile *px; /* owns fd, lock, truncate, size */
  int fd;
  pthread_mutex_t mu;
  struct io_uring ring;
} UringFile;

/* Submits what is queued and reaps n completions into res[] (in user_data order). */
static int ur_submit_wait(UringFile *u, int n, int *res) {
  int rc = io_uring_submit_and_wait(&u->ring, (unsigned)n);
  if (rc < 0 && rc != -EINTR) return MICA_IOERR;
  for (int got = 0; got < n;) {
    struct io_uring_cqe *cqe;
    rc = io_uring_wait_cqe(&u->ring, &cqe);
    if (rc == -EINTR) continue;
    if (rc < 0) return MICA_IOERR;
    uint64_t idx = io_uring_cqe_get_data64(cqe);
    if (idx < (uint64_t)n) res[idx] = cqe->res;
    io_uring_cqe_seen(&u->ring, cqe);
    got++;
  }
  return MICA_OK;
}

static int ur_rw_one(UringFile *u, int write, void *buf, size_t n, uint64_t off, int *res) {
  struct io_uring_sqe *sqe = io_uring_get_sqe(&u->ring);
  if (!sqe) return MICA_IOERR;
  if (write)
    io_uring_prep_write(sqe, u->fd, buf, (unsigned)n, off);
  else
    io_uring_prep_read(sqe, u->fd, buf, (unsigned)n, off);
  io_uring_sqe_set_data64(sqe, 0);
  return ur_submit_wait(u, 1, res);
}

static int ur_read(IoFile *f, void *buf, size_t n, uint64_t off) {
  UringFile *u = (UringFile *)f;
  size_t done = 0;
  int rc = MICA_OK;
  pthread_mutex_lock(&u->mu);
  while (done < n) {
    int res = 0;
    size_t chunk = n - done > (1u << 30) ? (1u << 30) : n - done;
    rc = ur_rw_one(u, 0, (char *)buf + done, chunk, off + done, &res);
    if (rc != MICA_OK) break;
    if (res == -EINTR || res == -EAGAIN) continue;
    if (res < 0) {
      rc = MICA_IOERR_READ;
      break;
    }
    if (res == 0) {
      memset((char *)buf + done, 0, n - done);
      rc = MICA_IOERR_SHORT_READ;
      break;
    }
    done += (size_t)res;
  }
  pthread_mutex_unlock(&u->mu);
  return rc;
}

static int ur_write_locked(UringFile *u, const void *buf, size_t n, uint64_t off) {
  size_t done = 0;
  while (done < n) {
    int res = 0;
    size_t chunk = n - done > (1u << 30) ? (1u << 30) : n - done;
    int rc = ur_rw_one(u, 1, (char *)buf + done, chunk, off + done, &res);
    if (rc != MICA_OK) return MICA_IOERR_WRITE;
    if (res == -EINTR || res == -EAGAIN) continue;
    if (res == -ENOSPC) return MICA_FULL;
    if (res <= 0) return MICA_IOERR_WRITE;
    done += (size_t)res;
  }
  return MICA_OK;
}

static int ur_write(IoFile *f, const void *buf, size_t n, uint64_t off) {
  UringFile *u = (UringFile *)f;
  pthread_mutex_lock(&u->mu);
  int rc = ur_write_locked(u, buf, n, off);
  pthread_mutex_unlock(&u->mu);
  return rc;
}

static int ur_sync_locked(UringFile *u) {
  for (;;) {
    struct io_uring_sqe *sqe = io_uring_get_sqe(&u->ring);
    if (!sqe) return MICA_IOERR_FSYNC;
    io_uring_prep_fsync(sqe, u->fd, IORING_FSYNC_DATASYNC);
    io_uring_sqe_set_data64(sqe, 0);
    int res = 0;
    if (ur_submit_wait(u, 1, &res) != MICA_OK) return MICA_IOERR_FSYNC;
    if (res == -EINTR) continue;
    return res < 0 ? MICA_IOERR_FSYNC : MICA_OK;
  }
}

static int ur_sync(IoFile *f) {
  UringFile *u = (UringFile *)f;
  pthread_mutex_lock(&u->mu);
  int rc = ur_sync_locked(u);
  pthread_mutex_unlock(&u->mu);
  return rc;
}

static int ur_writev(IoFile *f, const IoVec *v, int nv, int sync) {
  UringFile *u = (UringFile *)f;
  int res[IO_URING_DEPTH];
  int rc = MICA_OK;
  pthread_mutex_lock(&u->mu);
  for (int start = 0; start < nv && rc == MICA_OK;) {
    int room = IO_URING_DEPTH - 1; /* keep one slot for the linked sync */
    int cnt = nv - start < room ? nv - start : room;
    int last = start + cnt == nv;
    int link = last && sync;
    for (int i = 0; i < cnt; i++) {
      struct io_uring_sqe *sqe = io_uring_get_sqe(&u->ring);
      io_uring_prep_write(sqe, u->fd, v[start + i].buf, (unsigned)v[start + i].len, v[start + i].off);
      io_uring_sqe_set_data64(sqe, (uint64_t)i);
      if (link) sqe->flags |= IOSQE_IO_LINK;
    }
    int n = cnt;
    if (link) {
      struct io_uring_sqe *sqe = io_uring_get_sqe(&u->ring);
      io_uring_prep_fsync(sqe, u->fd, IORING_FSYNC_DATASYNC);
      io_uring_sqe_set_data64(sqe, (uint64_t)cnt);
      n++;
    }
    rc = ur_submit_wait(u, n, res);
    if (rc != MICA_OK) break;
    int redo_sync = 0;
    for (int i = 0; i < cnt && rc == MICA_OK; i++) {
      if (res[i] == (int)v[start + i].len) continue;
      /* Short, failed or cancelled: finish this piece with plain writes (then sync separately). */
      size_t done = res[i] > 0 ? (size_t)res[i] : 0;
      if (res[i] < 0 && res[i] != -ECANCELED && res[i] != -EINTR && res[i] != -EAGAIN)
        rc = res[i] == -ENOSPC ? MICA_FULL : MICA_IOERR_WRITE;
      else
        rc = ur_write_locked(u, (const char *)v[start + i].buf + done, v[start + i].len - done,
                             v[start + i].off + done);
      redo_sync = 1;
    }
    if (rc == MICA_OK && link && (redo_sync || res[cnt] < 0)) rc = ur_sync_locked(u);
    start += cnt;
  }
  pthread_mutex_unlock(&u->mu);
  return rc;
}

static int ur_truncate(IoFile *f, uint64_t size) { return io_truncate(((UringFile *)f)->px, size); }
static int ur_size(IoFile *f, uint64_t *out) { return io_size(((UringFile *)f)->px, out); }
static int ur_lock(IoFile *f, int level) { return io_lock(((UringFile *)f)->px, level); }

static int ur_close(IoFile *f) {
  UringFile *u = (UringFile *)f;
  io_uring_queue_exit(&u->ring);
  int rc = io_close(u->px);
  pthread_mutex_destroy(&u->mu);
  free(u);
  return rc;
}

static const IoMethods uring_methods = {
    "uring", ur_read, ur_write, ur_writev, ur_sync, ur_truncate, ur_size, ur_lock, ur_close,
};

int io_uring_available(void) {
  struct io_uring ring;
  if (io_uring_queue_init(2, &ring, 0) != 0) return 0;
  int ok = 0;
  struct io_uring_probe *probe = io_uring_get_probe_ring(&ring);
  if (probe) {
    ok = io_uring_opcode_supported(probe, IORING_OP_READ) &&
         io_uring_opcode_supported(probe, IORING_OP_WRITE) &&
         io_uring_opcode_supported(probe, IORING_OP_FSYNC);
    io_uring_free_probe(probe);
  }
  io_uring_queue_exit(&ring);
  return ok;
}

int io_uring_open(const char *path, int flags, IoFile **out) {
  *out = NULL;
  UringFile *u = calloc(1, sizeof *u);
  if (!u) return MICA_NOMEM;
  if (io_uring_queue_init(IO_URING_DEPTH, &u->ring, 0) != 0) {
    free(u);
    return MICA_CANTOPEN;
  }
  int rc = io_posix_open(path, flags, &u->px);
  if (rc != MICA_OK) {
    io_uring_queue_exit(&u->ring);
    free(u);
    return rc;
  }
  u->fd = io_posix_fd(u->px);
  u->base.m = &uring_methods;
  pthread_mutex_init(&u->mu, NULL);
  *out = &u->base;
  return MICA_OK;
}

#else /* !HAVE_LIBURING */

int io_uring_available(void) { return 0; }

int io_uring_open(const char *path, int flags, IoFile **out) {
  (void)path;
  (void)flags;
  *out = NULL;
  return MICA_CANTOPEN;
}

#endif
