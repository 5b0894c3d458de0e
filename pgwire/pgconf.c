/*
 * pgconf.c: settings table and postgresql.conf-style parser (see pgconf.h).
 *
 * The table maps each setting's name to a type, an offset into struct pgconf, a default and whether a
 * change takes effect only at restart. Parsing never allocates for values longer than a line; lines are
 * processed in place from a copy of the text.
 */
#include "pgconf.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

enum { T_INT, T_BOOL, T_STR, T_MS };

struct setting {
  const char *name;
  int type;
  size_t off;
  size_t size; /* for strings */
  const char *dflt;
  int restart;
  int min, max; /* for ints */
};

#define S(field) offsetof(pgconf, field), sizeof(((pgconf *)0)->field)
static const struct setting settings[] = {
    {"port", T_INT, S(port), "5432", 1, 1, 65535},
    {"listen_addresses", T_STR, S(listen_addresses), "localhost", 1, 0, 0},
    {"unix_socket_directories", T_STR, S(unix_socket_directories), "/tmp", 1, 0, 0},
    {"max_connections", T_INT, S(max_connections), "100", 0, 1, 262143},
    {"ssl", T_BOOL, S(ssl), "off", 0, 0, 0},
    {"ssl_cert_file", T_STR, S(ssl_cert_file), "server.crt", 0, 0, 0},
    {"ssl_key_file", T_STR, S(ssl_key_file), "server.key", 0, 0, 0},
    {"hba_file", T_STR, S(hba_file), "pg_hba.conf", 0, 0, 0},
    {"roles_file", T_STR, S(roles_file), "micad.roles", 0, 0, 0},
    {"statement_timeout", T_MS, S(statement_timeout), "0", 0, 0, INT_MAX},
    {"lock_timeout", T_MS, S(lock_timeout), "0", 0, 0, INT_MAX},
    {"authentication_timeout", T_MS, S(authentication_timeout), "60s", 0, 1000, 600000},
    {"password_encryption", T_STR, S(password_encryption), "scram-sha-256", 0, 0, 0},
    {"log_min_messages", T_STR, S(log_min_messages), "warning", 0, 0, 0},
    {"log_connections", T_BOOL, S(log_connections), "off", 0, 0, 0},
    {"log_disconnections", T_BOOL, S(log_disconnections), "off", 0, 0, 0},
    {"log_statement", T_STR, S(log_statement), "none", 0, 0, 0},
    {"log_filename", T_STR, S(log_filename), "", 1, 0, 0},
    {"worker_threads", T_INT, S(worker_threads), "0", 1, 0, 1024},
    {"event_threads", T_INT, S(event_threads), "0", 1, 0, 256},
};
#undef S

static const struct setting *find(const char *name) {
  for (size_t i = 0; i < sizeof settings / sizeof settings[0]; i++)
    if (!strcasecmp(settings[i].name, name)) return &settings[i];
  return NULL;
}

int pgconf_known(const char *name) { return find(name) != NULL; }

int pgconf_needs_restart(const char *name) {
  const struct setting *s = find(name);
  return s && s->restart;
}

int pgconf_parse_bool(const char *s, int *out) {
  static const char *yes[] = {"on", "true", "yes", "1", "t", "y"};
  static const char *no[] = {"off", "false", "no", "0", "f", "n"};
  for (size_t i = 0; i < 6; i++) {
    if (!strcasecmp(s, yes[i])) return *out = 1, 0;
    if (!strcasecmp(s, no[i])) return *out = 0, 0;
  }
  return -1;
}

static int parse_long(const char *s, long *out, const char **rest) {
  errno = 0;
  char *end;
  long v = strtol(s, &end, 10);
  if (end == s || errno) return -1;
  *out = v;
  *rest = end;
  return 0;
}

int pgconf_parse_ms(const char *s, int *out) {
  long v;
  const char *unit;
  if (parse_long(s, &v, &unit)) return -1;
  while (isspace((unsigned char)*unit))
    unit++;
  long mult = 1;
  if (!*unit || !strcmp(unit, "ms"))
    mult = 1;
  else if (!strcmp(unit, "s"))
    mult = 1000;
  else if (!strcmp(unit, "min"))
    mult = 60000;
  else if (!strcmp(unit, "h"))
    mult = 3600000;
  else if (!strcmp(unit, "d"))
    mult = 86400000;
  else
    return -1;
  if (v < 0 || v > INT_MAX / mult) return -1;
  *out = (int)(v * mult);
  return 0;
}

static int apply(pgconf *c, const struct setting *s, const char *value, char *err, size_t errlen) {
  char *field = (char *)c + s->off;
  switch (s->type) {
  case T_INT: {
    long v;
    const char *rest;
    if (parse_long(value, &v, &rest) || *rest || v < s->min || v > s->max) {
      snprintf(err, errlen, "invalid value for parameter \"%s\": \"%s\"", s->name, value);
      return -1;
    }
    *(int *)(void *)field = (int)v;
    return 0;
  }
  case T_BOOL:
    if (pgconf_parse_bool(value, (int *)(void *)field)) {
      snprintf(err, errlen, "parameter \"%s\" requires a Boolean value", s->name);
      return -1;
    }
    return 0;
  case T_MS: {
    int v;
    if (pgconf_parse_ms(value, &v) || v < s->min || v > s->max) {
      snprintf(err, errlen, "invalid value for parameter \"%s\": \"%s\"", s->name, value);
      return -1;
    }
    *(int *)(void *)field = v;
    return 0;
  }
  default:
    if (strlen(value) >= s->size) {
      snprintf(err, errlen, "value for parameter \"%s\" is too long", s->name);
      return -1;
    }
    memcpy(field, value, strlen(value) + 1);
    return 0;
  }
}

void pgconf_defaults(pgconf *c) {
  memset(c, 0, sizeof *c);
  char err[256];
  for (size_t i = 0; i < sizeof settings / sizeof settings[0]; i++)
    (void)apply(c, &settings[i], settings[i].dflt, err, sizeof err);
}

int pgconf_set(pgconf *c, const char *name, const char *value, char *err, size_t errlen) {
  const struct setting *s = find(name);
  if (!s) {
    snprintf(err, errlen, "unrecognized configuration parameter \"%s\"", name);
    return -1;
  }
  return apply(c, s, value, err, errlen);
}

int pgconf_set_option(pgconf *c, const char *opt, char *err, size_t errlen) {
  const char *eq = strchr(opt, '=');
  if (!eq || eq == opt || eq - opt >= 128) {
    snprintf(err, errlen, "-c %s requires a value", opt);
    return -1;
  }
  char name[128];
  memcpy(name, opt, (size_t)(eq - opt));
  name[eq - opt] = 0;
  for (char *p = name; *p; p++)
    if (*p == '-') *p = '_';
  return pgconf_set(c, name, eq + 1, err, errlen);
}

int pgconf_parse(const char *text, pgconf_line_fn fn, void *arg, char *err, size_t errlen) {
  int lineno = 0;
  const char *p = text;
  while (*p) {
    lineno++;
    const char *eol = strchr(p, '\n');
    size_t n = eol ? (size_t)(eol - p) : strlen(p);
    char line[4096];
    if (n >= sizeof line) {
      snprintf(err, errlen, "line %d is too long", lineno);
      return -1;
    }
    memcpy(line, p, n);
    line[n] = 0;
    p += n + (eol ? 1 : 0);

    char *q = line;
    while (isspace((unsigned char)*q))
      q++;
    if (!*q || *q == '#') continue;
    char *name = q;
    while (isalnum((unsigned char)*q) || *q == '_' || *q == '.')
      q++;
    if (q == name) {
      snprintf(err, errlen, "syntax error in line %d", lineno);
      return -1;
    }
    char *name_end = q;
    while (isspace((unsigned char)*q))
      q++;
    if (*q == '=') q++;
    while (isspace((unsigned char)*q))
      q++;
    *name_end = 0;
    char value[4096];
    size_t vn = 0;
    if (*q == '\'') {
      q++;
      for (;;) {
        if (!*q) {
          snprintf(err, errlen, "unterminated quoted string in line %d", lineno);
          return -1;
        }
        if (*q == '\'' && q[1] == '\'')
          value[vn++] = '\'', q += 2;
        else if (*q == '\\' && q[1])
          value[vn++] = q[1], q += 2;
        else if (*q == '\'') {
          q++;
          break;
        } else
          value[vn++] = *q++;
      }
    } else {
      while (*q && !isspace((unsigned char)*q) && *q != '#')
        value[vn++] = *q++;
      if (vn == 0) {
        snprintf(err, errlen, "syntax error in line %d, near end of line", lineno);
        return -1;
      }
    }
    value[vn] = 0;
    while (isspace((unsigned char)*q))
      q++;
    if (*q && *q != '#') {
      snprintf(err, errlen, "syntax error in line %d, near token \"%s\"", lineno, q);
      return -1;
    }
    if (fn(arg, name, value, lineno, err, errlen)) return -1;
  }
  return 0;
}

static int apply_line(void *arg, const char *name, const char *value, int lineno, char *err, size_t errlen) {
  char msg[512];
  if (pgconf_set(arg, name, value, msg, sizeof msg)) {
    snprintf(err, errlen, "line %d: %s", lineno, msg);
    return -1;
  }
  return 0;
}

int pgconf_load_file(pgconf *c, const char *path, char *err, size_t errlen) {
  FILE *f = fopen(path, "r");
  if (!f) {
    snprintf(err, errlen, "could not open configuration file \"%s\": %s", path, strerror(errno));
    return -1;
  }
  char *text = NULL;
  size_t len = 0, cap = 0;
  char chunk[4096];
  size_t n;
  cap = sizeof chunk;
  text = malloc(cap);
  if (!text) {
    fclose(f);
    snprintf(err, errlen, "out of memory");
    return -1;
  }
  while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
    if (len + n + 1 > cap) {
      cap = (len + n + 1) * 2;
      char *t = realloc(text, cap);
      if (!t) {
        free(text);
        fclose(f);
        snprintf(err, errlen, "out of memory");
        return -1;
      }
      text = t;
    }
    memcpy(text + len, chunk, n);
    len += n;
  }
  fclose(f);
  text[len] = 0;
  int rc = pgconf_parse(text, apply_line, c, err, errlen);
  free(text);
  return rc;
}
