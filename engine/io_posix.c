/*
 * io_posix.c: the posix I/O backend (pread, pwrite, fdatasync, ftruncate, fcntl locks).
 *
 * Locks are taken on SQLite's lock bytes (IO_PENDING_BYTE, 512 bytes: PENDING, RESERVED and the
 * SHARED range) so that a sqlite3 process opening the same file gets SQLITE_BUSY. Open file
 * description locks (F_OFD_SETLK) are used where available: unlike classic POSIX record locks they
 * are not dropped when some other descriptor of the same file is closed in this process, and they
 * conflict with classic locks of the same process (so even an in-process sqlite3 sees BUSY).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "io.h"
#include "mica.h"

typedef struct PosixFile {
  IoFile base;
  int fd;
  int locked;
} PosixFile;

static int px_read(IoFile *f, void *buf, size_t n, uint64_t off) {
  PosixFile *p = (PosixFile *)f;
  size_t done = 0;
  while (done < n) {
    ssize_t r = pread(p->fd, (char *)buf + done, n - done, (off_t)(off + done));
    if (r < 0) {
      if (errno == EINTR) continue;
      return MICA_IOERR_READ;
    }
    if (r == 0) {
      for (size_t i = done; i < n; i++)
        ((char *)buf)[i] = 0;
      return MICA_IOERR_SHORT_READ;
    }
    done += (size_t)r;
  }
  return MICA_OK;
}

static int px_write(IoFile *f, const void *buf, size_t n, uint64_t off) {
  PosixFile *p = (PosixFile *)f;
  size_t done = 0;
  while (done < n) {
    ssize_t r = pwrite(p->fd, (const char *)buf + done, n - done, (off_t)(off + done));
    if (r < 0) {
      if (errno == EINTR) continue;
      return errno == ENOSPC ? MICA_FULL : MICA_IOERR_WRITE;
    }
    if (r == 0) return MICA_IOERR_WRITE;
    done += (size_t)r;
  }
  return MICA_OK;
}

static int px_sync(IoFile *f) {
  PosixFile *p = (PosixFile *)f;
  int r;
  do {
    r = fdatasync(p->fd);
  } while (r != 0 && errno == EINTR);
  return r == 0 ? MICA_OK : MICA_IOERR_FSYNC;
}

static int px_writev(IoFile *f, const IoVec *v, int nv, int sync) { return io_writev_serial(f, v, nv, sync); }

static int px_truncate(IoFile *f, uint64_t size) {
  PosixFile *p = (PosixFile *)f;
  int r;
  do {
    r = ftruncate(p->fd, (off_t)size);
  } while (r != 0 && errno == EINTR);
  return r == 0 ? MICA_OK : MICA_IOERR_TRUNCATE;
}

static int px_size(IoFile *f, uint64_t *out) {
  PosixFile *p = (PosixFile *)f;
  struct stat st;
  if (fstat(p->fd, &st) != 0) return MICA_IOERR;
  *out = (uint64_t)st.st_size;
  return MICA_OK;
}

static int px_setlk(int fd, short type) {
  struct flock fl = {0};
  fl.l_type = type;
  fl.l_whence = SEEK_SET;
  fl.l_start = (off_t)IO_PENDING_BYTE;
  fl.l_len = (off_t)IO_LOCK_RANGE;
#ifdef F_OFD_SETLK
  fl.l_pid = 0;
  if (fcntl(fd, F_OFD_SETLK, &fl) == 0) return MICA_OK;
  if (errno != EINVAL) return (errno == EAGAIN || errno == EACCES) ? MICA_BUSY : MICA_IOERR_LOCK;
#endif
  if (fcntl(fd, F_SETLK, &fl) == 0) return MICA_OK;
  return (errno == EAGAIN || errno == EACCES) ? MICA_BUSY : MICA_IOERR_LOCK;
}

static int px_lock(IoFile *f, int level) {
  PosixFile *p = (PosixFile *)f;
  short type = level == IO_LOCK_EXCLUSIVE ? F_WRLCK : level == IO_LOCK_SHARED ? F_RDLCK : F_UNLCK;
  int rc = px_setlk(p->fd, type);
  if (rc == MICA_OK) p->locked = level;
  return rc;
}

static int px_close(IoFile *f) {
  PosixFile *p = (PosixFile *)f;
  int rc = MICA_OK;
  if (p->locked) px_setlk(p->fd, F_UNLCK);
  if (close(p->fd) != 0) rc = MICA_IOERR;
  free(p);
  return rc;
}

static const IoMethods posix_methods = {
    "posix", px_read, px_write, px_writev, px_sync, px_truncate, px_size, px_lock, px_close,
};

int io_posix_open(const char *path, int flags, IoFile **out) {
  *out = NULL;
  int oflags = (flags & IO_OPEN_READONLY) ? O_RDONLY : O_RDWR;
  if ((flags & IO_OPEN_CREATE) && !(flags & IO_OPEN_READONLY)) oflags |= O_CREAT;
  int fd;
  do {
    fd = open(path, oflags | O_CLOEXEC, 0644);
  } while (fd < 0 && errno == EINTR);
  if (fd < 0) return MICA_CANTOPEN;
  PosixFile *p = calloc(1, sizeof *p);
  if (!p) {
    close(fd);
    return MICA_NOMEM;
  }
  p->base.m = &posix_methods;
  p->fd = fd;
  *out = &p->base;
  return MICA_OK;
}

int io_posix_fd(IoFile *f) { return ((PosixFile *)f)->fd; }
