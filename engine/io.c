/*
 * io.c: backend selection, the in-memory backend and the fault-injecting wrapper.
 *
 * SELECTION (io_open)
 *   IO_OPEN_POSIX / IO_OPEN_URING in flags force a backend; otherwise MICA_IO=posix|uring in the
 *   environment does; otherwise uring when io_uring_setup works on this kernel (probed once; the
 *   probe result is cached in a pthread_once-protected static, the only state of this file), else
 *   posix. A forced uring that cannot be set up falls back to posix.
 *
 * MEMORY BACKEND
 *   A growable byte buffer guarded by a mutex. Locks always succeed. Used for ":memory:" databases,
 *   whose database "file" and WAL both live in memory, so they share the pager's code paths.
 *
 * FAULT WRAPPER
 *   Forwards every call to the wrapped file, counting operations of the selected kinds; when the
 *   countdown reaches zero the operation fails (EIO-like code, or a short write that writes the first
 *   half of the buffer and then fails). Used by tests to show that errors surface and that nothing
 *   committed is lost.
 */
#include "config.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "io.h"
#include "mica.h"

/* ------------------------------------------------------------------------------------------------
 * Selection.
 */
static pthread_once_t probe_once = PTHREAD_ONCE_INIT;
static int probe_uring_ok;

static void probe_uring(void) { probe_uring_ok = io_uring_available(); }

static int want_uring(int flags) {
  if (flags & IO_OPEN_POSIX) return 0;
  if (!(flags & IO_OPEN_URING)) {
    const char *env = getenv("MICA_IO");
    if (env && strcmp(env, "posix") == 0) return 0;
  }
  pthread_once(&probe_once, probe_uring);
  return probe_uring_ok;
}

const char *io_backend_name(int flags) { return want_uring(flags) ? "uring" : "posix"; }

int io_open(const char *path, int flags, IoFile **out) {
  if (want_uring(flags)) {
    int rc = io_uring_open(path, flags, out);
    if (rc != MICA_CANTOPEN || (flags & IO_OPEN_URING)) return rc;
  }
  return io_posix_open(path, flags, out);
}

int io_open_default(void *ctx, const char *path, int flags, IoFile **out) {
  (void)ctx;
  return io_open(path, flags, out);
}

int io_writev_serial(IoFile *f, const IoVec *v, int nv, int sync) {
  for (int i = 0; i < nv; i++) {
    int rc = f->m->write(f, v[i].buf, v[i].len, v[i].off);
    if (rc != MICA_OK) return rc;
  }
  return sync ? f->m->sync(f) : MICA_OK;
}

/* ------------------------------------------------------------------------------------------------
 * Memory backend.
 */
typedef struct MemFile {
  IoFile base;
  pthread_mutex_t mu;
  uint8_t *buf;
  uint64_t size, cap;
} MemFile;

static int mem_read(IoFile *f, void *buf, size_t n, uint64_t off) {
  MemFile *m = (MemFile *)f;
  int rc = MICA_OK;
  pthread_mutex_lock(&m->mu);
  size_t avail = off >= m->size ? 0 : (size_t)(m->size - off);
  if (avail > n) avail = n;
  if (avail) memcpy(buf, m->buf + off, avail);
  if (avail < n) {
    memset((char *)buf + avail, 0, n - avail);
    rc = MICA_IOERR_SHORT_READ;
  }
  pthread_mutex_unlock(&m->mu);
  return rc;
}

static int mem_grow(MemFile *m, uint64_t need) {
  if (need <= m->cap) return MICA_OK;
  uint64_t cap = m->cap ? m->cap : 65536;
  while (cap < need)
    cap *= 2;
  uint8_t *nb = realloc(m->buf, (size_t)cap);
  if (!nb) return MICA_NOMEM;
  memset(nb + m->cap, 0, (size_t)(cap - m->cap));
  m->buf = nb;
  m->cap = cap;
  return MICA_OK;
}

static int mem_write(IoFile *f, const void *buf, size_t n, uint64_t off) {
  MemFile *m = (MemFile *)f;
  pthread_mutex_lock(&m->mu);
  int rc = mem_grow(m, off + n);
  if (rc == MICA_OK) {
    if (off > m->size) memset(m->buf + m->size, 0, (size_t)(off - m->size));
    memcpy(m->buf + off, buf, n);
    if (off + n > m->size) m->size = off + n;
  }
  pthread_mutex_unlock(&m->mu);
  return rc;
}

static int mem_writev(IoFile *f, const IoVec *v, int nv, int sync) {
  return io_writev_serial(f, v, nv, sync);
}

static int mem_sync(IoFile *f) {
  (void)f;
  return MICA_OK;
}

static int mem_truncate(IoFile *f, uint64_t size) {
  MemFile *m = (MemFile *)f;
  pthread_mutex_lock(&m->mu);
  int rc = MICA_OK;
  if (size > m->size) {
    rc = mem_grow(m, size);
    if (rc == MICA_OK) memset(m->buf + m->size, 0, (size_t)(size - m->size));
  }
  if (rc == MICA_OK) m->size = size;
  pthread_mutex_unlock(&m->mu);
  return rc;
}

static int mem_size(IoFile *f, uint64_t *out) {
  MemFile *m = (MemFile *)f;
  pthread_mutex_lock(&m->mu);
  *out = m->size;
  pthread_mutex_unlock(&m->mu);
  return MICA_OK;
}

static int mem_lock(IoFile *f, int level) {
  (void)f;
  (void)level;
  return MICA_OK;
}

static int mem_close(IoFile *f) {
  MemFile *m = (MemFile *)f;
  pthread_mutex_destroy(&m->mu);
  free(m->buf);
  free(m);
  return MICA_OK;
}

static const IoMethods mem_methods = {
    "memory", mem_read, mem_write, mem_writev, mem_sync, mem_truncate, mem_size, mem_lock, mem_close,
};

int io_mem_open(IoFile **out) {
  MemFile *m = calloc(1, sizeof *m);
  *out = NULL;
  if (!m) return MICA_NOMEM;
  m->base.m = &mem_methods;
  pthread_mutex_init(&m->mu, NULL);
  *out = &m->base;
  return MICA_OK;
}

/* ------------------------------------------------------------------------------------------------
 * Fault wrapper.
 */
typedef struct FaultFile {
  IoFile base;
  IoFile *inner;
  pthread_mutex_t mu;
  int ops, countdown, persistent, armed, nfaults;
  int ncalls[4]; /* read, write, sync, truncate */
  int sync_delay_us;
} FaultFile;

static int op_index(int op) {
  return op == IO_FAULT_READ ? 0 : op == IO_FAULT_SYNC ? 2 : op == IO_FAULT_TRUNCATE ? 3 : 1;
}

/* Returns 1 when this operation (of kind op) must fail. */
static int fault_hit(FaultFile *ff, int op) {
  int hit = 0;
  pthread_mutex_lock(&ff->mu);
  if (op != IO_FAULT_SHORT_WRITE) ff->ncalls[op_index(op)]++;
  if (ff->armed && (ff->ops & op)) {
    if (ff->countdown > 0) ff->countdown--;
    if (ff->countdown == 0) {
      hit = 1;
      ff->nfaults++;
      if (!ff->persistent) ff->armed = 0;
    }
  }
  pthread_mutex_unlock(&ff->mu);
  return hit;
}

static int ft_read(IoFile *f, void *buf, size_t n, uint64_t off) {
  FaultFile *ff = (FaultFile *)f;
  if (fault_hit(ff, IO_FAULT_READ)) return MICA_IOERR_READ;
  return io_read(ff->inner, buf, n, off);
}

static int ft_write(IoFile *f, const void *buf, size_t n, uint64_t off) {
  FaultFile *ff = (FaultFile *)f;
  if (fault_hit(ff, IO_FAULT_SHORT_WRITE)) {
    io_write(ff->inner, buf, n / 2, off);
    return MICA_IOERR_WRITE;
  }
  if (fault_hit(ff, IO_FAULT_WRITE)) return MICA_IOERR_WRITE;
  return io_write(ff->inner, buf, n, off);
}

static int ft_sync(IoFile *f) {
  FaultFile *ff = (FaultFile *)f;
  if (fault_hit(ff, IO_FAULT_SYNC)) return MICA_IOERR_FSYNC;
  pthread_mutex_lock(&ff->mu);
  int delay = ff->sync_delay_us;
  pthread_mutex_unlock(&ff->mu);
  if (delay > 0) usleep((useconds_t)delay);
  return io_sync(ff->inner);
}

static int ft_writev(IoFile *f, const IoVec *v, int nv, int sync) { return io_writev_serial(f, v, nv, sync); }

static int ft_truncate(IoFile *f, uint64_t size) {
  FaultFile *ff = (FaultFile *)f;
  if (fault_hit(ff, IO_FAULT_TRUNCATE)) return MICA_IOERR_TRUNCATE;
  return io_truncate(ff->inner, size);
}

static int ft_size(IoFile *f, uint64_t *out) { return io_size(((FaultFile *)f)->inner, out); }

static int ft_lock(IoFile *f, int level) { return io_lock(((FaultFile *)f)->inner, level); }

static int ft_close(IoFile *f) {
  FaultFile *ff = (FaultFile *)f;
  int rc = io_close(ff->inner);
  pthread_mutex_destroy(&ff->mu);
  free(ff);
  return rc;
}

static const IoMethods fault_methods = {
    "fault", ft_read, ft_write, ft_writev, ft_sync, ft_truncate, ft_size, ft_lock, ft_close,
};

int io_fault_wrap(IoFile *inner, IoFile **out) {
  FaultFile *ff = calloc(1, sizeof *ff);
  *out = NULL;
  if (!ff) {
    io_close(inner);
    return MICA_NOMEM;
  }
  ff->base.m = &fault_methods;
  ff->inner = inner;
  pthread_mutex_init(&ff->mu, NULL);
  *out = &ff->base;
  return MICA_OK;
}

void io_fault_set(IoFile *f, int ops, int countdown, int persistent) {
  FaultFile *ff = (FaultFile *)f;
  pthread_mutex_lock(&ff->mu);
  ff->ops = ops;
  ff->countdown = countdown < 1 ? 1 : countdown;
  ff->persistent = persistent;
  ff->armed = ops != 0;
  pthread_mutex_unlock(&ff->mu);
}

int io_fault_calls(IoFile *f, int op) {
  FaultFile *ff = (FaultFile *)f;
  pthread_mutex_lock(&ff->mu);
  int n = ff->ncalls[op_index(op)];
  pthread_mutex_unlock(&ff->mu);
  return n;
}

void io_fault_set_sync_delay(IoFile *f, int usec) {
  FaultFile *ff = (FaultFile *)f;
  pthread_mutex_lock(&ff->mu);
  ff->sync_delay_us = usec;
  pthread_mutex_unlock(&ff->mu);
}

int io_fault_count(IoFile *f) {
  FaultFile *ff = (FaultFile *)f;
  pthread_mutex_lock(&ff->mu);
  int n = ff->nfaults;
  pthread_mutex_unlock(&ff->mu);
  return n;
}
