/*
 * io_uring_backend.c: the io_uring I/O backend (liburing).
 *
 * First version: not yet implemented; io_uring_available() reports 0 so io_open selects posix.
 */
#include "config.h"

#include "io.h"
#include "mica.h"

int io_uring_available(void) { return 0; }

int io_uring_open(const char *path, int flags, IoFile **out) {
  (void)path;
  (void)flags;
  *out = NULL;
  return MICA_CANTOPEN;
}
