/*
 * pglog.c: process-wide log sink (see pglog.h).
 *
 * State: the current FILE (stderr or an appended file) and minimum level, owned here and guarded by
 * log_mu. A whole line is formatted first and written with one fputs under the mutex, so lines from
 * different threads never interleave.
 */
#include "pglog.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static pthread_mutex_t log_mu = PTHREAD_MUTEX_INITIALIZER;
static FILE *log_file; /* NULL: stderr */
static enum pglog_level log_min = PGLOG_INFO;

static const char *level_name(enum pglog_level l) {
  switch (l) {
  case PGLOG_DEBUG: return "DEBUG";
  case PGLOG_INFO: return "INFO";
  case PGLOG_NOTICE: return "NOTICE";
  case PGLOG_WARNING: return "WARNING";
  case PGLOG_LOG: return "LOG";
  case PGLOG_ERROR: return "ERROR";
  case PGLOG_FATAL: return "FATAL";
  default: return "PANIC";
  }
}

void pglog_set_level(enum pglog_level level) {
  pthread_mutex_lock(&log_mu);
  log_min = level;
  pthread_mutex_unlock(&log_mu);
}

int pglog_parse_level(const char *name) {
  if (!strncasecmp(name, "debug", 5)) return PGLOG_DEBUG;
  static const struct {
    const char *n;
    int l;
  } t[] = {{"info", PGLOG_INFO},   {"notice", PGLOG_NOTICE}, {"warning", PGLOG_WARNING}, {"log", PGLOG_LOG},
           {"error", PGLOG_ERROR}, {"fatal", PGLOG_FATAL},   {"panic", PGLOG_PANIC}};
  for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
    if (!strcasecmp(name, t[i].n)) return t[i].l;
  return -1;
}

int pglog_open_file(const char *path) {
  FILE *f = NULL;
  if (path) {
    f = fopen(path, "a");
    if (!f) return -1;
    setvbuf(f, NULL, _IOLBF, 0);
  }
  pthread_mutex_lock(&log_mu);
  if (log_file) fclose(log_file);
  log_file = f;
  pthread_mutex_unlock(&log_mu);
  return 0;
}

void pglog_close(void) { (void)pglog_open_file(NULL); }

void pglog(enum pglog_level level, const char *fmt, ...) {
  /* LOG is "always interesting to the administrator": it passes any threshold below FATAL. */
  pthread_mutex_lock(&log_mu);
  enum pglog_level min = log_min;
  pthread_mutex_unlock(&log_mu);
  if (level < min && !(level == PGLOG_LOG && min <= PGLOG_LOG)) return;
  char line[2048];
  struct timeval tv;
  gettimeofday(&tv, NULL);
  struct tm tm;
  time_t t = tv.tv_sec;
  gmtime_r(&t, &tm);
  size_t n = strftime(line, sizeof line, "%Y-%m-%d %H:%M:%S", &tm);
  n += (size_t)snprintf(line + n, sizeof line - n, ".%03d UTC [%d] %s:  ", (int)(tv.tv_usec / 1000),
                        (int)getpid(), level_name(level));
  va_list ap;
  va_start(ap, fmt);
  int m = vsnprintf(line + n, sizeof line - n - 1, fmt, ap);
  va_end(ap);
  if (m < 0) m = 0;
  n += (size_t)m < sizeof line - n - 1 ? (size_t)m : sizeof line - n - 2;
  line[n++] = '\n';
  line[n] = 0;
  pthread_mutex_lock(&log_mu);
  fputs(line, log_file ? log_file : stderr);
  if (!log_file) fflush(stderr);
  pthread_mutex_unlock(&log_mu);
}
