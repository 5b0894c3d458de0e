/*
 * pglog.h: server logging for micad and the pgwire layer.
 *
 * Lines go to stderr, or to a file once pglog_open_file succeeds, in the form
 *   2026-11-24 18:30:00.123 UTC [4242] LOG:  message
 * The sink and minimum level are process-wide state owned by this module and guarded by its mutex;
 * pglog is safe to call from any thread.
 */
#ifndef PGLOG_H
#define PGLOG_H

enum pglog_level {
  PGLOG_DEBUG = 0,
  PGLOG_INFO,
  PGLOG_NOTICE,
  PGLOG_WARNING,
  PGLOG_LOG,
  PGLOG_ERROR,
  PGLOG_FATAL,
  PGLOG_PANIC
};

/* Messages below level are dropped. */
void pglog_set_level(enum pglog_level level);
/* Parses a log_min_messages value ("debug1".."debug5", "info", "notice", "warning", "log", "error",
 * "fatal", "panic"); -1 if unknown. */
int pglog_parse_level(const char *name);
/* Appends to path from now on (NULL: back to stderr). Returns 0 or -1 (errno set; sink unchanged). */
int pglog_open_file(const char *path);
void pglog_close(void);
void pglog(enum pglog_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif /* PGLOG_H */
