/*
 * pgconf.h: micad's settings and the postgresql.conf file syntax.
 *
 * A pgconf is a plain struct of typed settings, copied by value (no pointers inside), so the server can
 * build a new one on reload and swap it under its own lock. Each setting has a name, type and default in
 * the table in pgconf.c; pgconf_set validates and converts a textual value (units for times: ms, s, min,
 * h, d; booleans: on/off/true/false/yes/no/1/0).
 *
 * File syntax (as postgresql.conf): one "name = value" per line, '=' optional, '#' starts a comment,
 * values are bare words/numbers or single-quoted strings with '' or \' for a quote.
 */
#ifndef PGCONF_H
#define PGCONF_H

#include <stddef.h>

#define PGCONF_STR 1024

typedef struct pgconf {
  int port;
  char listen_addresses[PGCONF_STR];
  char unix_socket_directories[PGCONF_STR];
  int max_connections;
  int ssl;
  char ssl_cert_file[PGCONF_STR];
  char ssl_key_file[PGCONF_STR];
  char hba_file[PGCONF_STR];
  char roles_file[PGCONF_STR];
  int statement_timeout;      /* ms, 0 = none */
  int lock_timeout;           /* ms, 0 = none */
  int authentication_timeout; /* ms */
  char password_encryption[32];
  char log_min_messages[32];
  int log_connections;
  int log_disconnections;
  char log_statement[16]; /* none, ddl, mod, all */
  char log_filename[PGCONF_STR];
  int worker_threads; /* engine worker threads; 0 = automatic */
  int event_threads;  /* event loops; 0 = one per core */
} pgconf;

void pgconf_defaults(pgconf *c);
/* Sets name to value. Returns 0, or -1 with a message in err (unknown name, bad value). */
int pgconf_set(pgconf *c, const char *name, const char *value, char *err, size_t errlen);
/* Whether name is a known setting, and whether changing it needs a restart. */
int pgconf_known(const char *name);
int pgconf_needs_restart(const char *name);

/* Calls fn for every setting line of the file text; returns 0, or -1 with a message in err on a syntax
 * error. fn returning non-zero also stops with -1 (fn fills err). */
typedef int (*pgconf_line_fn)(void *arg, const char *name, const char *value, int lineno, char *err,
                              size_t errlen);
int pgconf_parse(const char *text, pgconf_line_fn fn, void *arg, char *err, size_t errlen);
/* Reads path and applies every setting to c (settings apply in file order). */
int pgconf_load_file(pgconf *c, const char *path, char *err, size_t errlen);
/* Parses "name=value" (the -c option) and applies it. */
int pgconf_set_option(pgconf *c, const char *opt, char *err, size_t errlen);

/* Shared value parsers: 0 on success. */
int pgconf_parse_bool(const char *s, int *out);
/* A duration in ms; bare numbers are ms. */
int pgconf_parse_ms(const char *s, int *out);

#endif /* PGCONF_H */
