/*
 * hba.c: pg_hba.conf parser and matcher (format in hba.h).
 *
 * Parsing splits each line into fields (whitespace-separated; "..." quotes a field, and a quoted
 * "all" is a name, not the keyword). Matching walks rules in file order. Addresses are compared as
 * bytes under the rule's mask; an IPv4-mapped IPv6 client address (::ffff:a.b.c.d) matches IPv4 rules.
 */
#include "hba.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MAX_FIELDS 16

typedef struct {
  char text[512];
  int quoted;
} field;

/* Splits one line into fields; returns the count or -1 on an unterminated quote. */
static int split_fields(const char *line, field *f, int max) {
  int n = 0;
  const char *p = line;
  for (;;) {
    while (*p == ' ' || *p == '\t' || *p == '\r')
      p++;
    if (!*p || *p == '#') return n;
    if (n >= max) return n;
    size_t k = 0;
    f[n].quoted = 0;
    while (*p && *p != ' ' && *p != '\t' && *p != '\r' && *p != '#') {
      if (*p == '"') {
        f[n].quoted = 1;
        p++;
        while (*p && *p != '"') {
          if (k < sizeof f[n].text - 1) f[n].text[k++] = *p;
          p++;
        }
        if (*p != '"') return -1;
        p++;
      } else {
        if (k < sizeof f[n].text - 1) f[n].text[k++] = *p;
        p++;
      }
    }
    f[n].text[k] = 0;
    n++;
  }
}

static int parse_addr(const char *s, int *family, uint8_t out[16]) {
  memset(out, 0, 16);
  struct in_addr a4;
  struct in6_addr a6;
  if (inet_pton(AF_INET, s, &a4) == 1) {
    *family = AF_INET;
    memcpy(out, &a4, 4);
    return 0;
  }
  if (inet_pton(AF_INET6, s, &a6) == 1) {
    *family = AF_INET6;
    memcpy(out, &a6, 16);
    return 0;
  }
  return -1;
}

static void mask_from_bits(int family, int bits, uint8_t mask[16]) {
  memset(mask, 0, 16);
  int total = family == AF_INET ? 32 : 128;
  if (bits > total) bits = total;
  for (int i = 0; i < bits; i++)
    mask[i / 8] |= (uint8_t)(0x80 >> (i % 8));
}

static int parse_method(const char *s, enum hba_method *m) {
  static const struct {
    const char *n;
    enum hba_method m;
  } t[] = {{"trust", HBA_TRUST},
           {"reject", HBA_REJECT},
           {"password", HBA_PASSWORD},
           {"md5", HBA_MD5},
           {"scram-sha-256", HBA_SCRAM}};
  for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
    if (!strcmp(s, t[i].n)) return *m = t[i].m, 0;
  return -1;
}

const char *hba_method_name(enum hba_method m) {
  switch (m) {
  case HBA_TRUST: return "trust";
  case HBA_REJECT: return "reject";
  case HBA_PASSWORD: return "password";
  case HBA_MD5: return "md5";
  default: return "scram-sha-256";
  }
}

/* Stores a name list; a quoted keyword is marked with a leading '\1' so it is matched as a name. */
static char *list_text(const field *f) {
  size_t n = strlen(f->text);
  char *s = malloc(n + 2);
  if (!s) return NULL;
  if (f->quoted) {
    s[0] = '\1';
    memcpy(s + 1, f->text, n + 1);
  } else
    memcpy(s, f->text, n + 1);
  return s;
}

static int parse_line(const char *line, int lineno, hba_rule *r, char *err, size_t errlen) {
  field f[MAX_FIELDS];
  int n = split_fields(line, f, MAX_FIELDS);
  if (n < 0) {
    snprintf(err, errlen, "line %d: unterminated quoted string", lineno);
    return -1;
  }
  if (n == 0) return 1; /* blank */
  memset(r, 0, sizeof *r);
  r->lineno = lineno;
  const char *t = f[0].text;
  if (!strcmp(t, "local"))
    r->type = HBA_LOCAL;
  else if (!strcmp(t, "host"))
    r->type = HBA_HOST;
  else if (!strcmp(t, "hostssl"))
    r->type = HBA_HOSTSSL;
  else if (!strcmp(t, "hostnossl"))
    r->type = HBA_HOSTNOSSL;
  else {
    snprintf(err, errlen, "line %d: invalid connection type \"%s\"", lineno, t);
    return -1;
  }
  int need = r->type == HBA_LOCAL ? 4 : 5;
  if (n < need) {
    snprintf(err, errlen, "line %d: end-of-line before authentication method", lineno);
    return -1;
  }
  int i = 3;
  if (r->type != HBA_LOCAL) {
    const char *a = f[3].text;
    i = 4;
    if (!strcmp(a, "all"))
      r->addr_kind = 0;
    else if (!strcmp(a, "samehost") || !strcmp(a, "samenet"))
      r->addr_kind = 2;
    else {
      char buf[512];
      snprintf(buf, sizeof buf, "%s", a);
      char *slash = strchr(buf, '/');
      if (slash) *slash = 0;
      if (parse_addr(buf, &r->family, r->addr)) {
        if (!strcmp(buf, "localhost")) {
          r->addr_kind = 2;
          goto method;
        }
        snprintf(err, errlen, "line %d: invalid IP address \"%s\"", lineno, buf);
        return -1;
      }
      r->addr_kind = 1;
      if (slash) {
        char *end;
        long bits = strtol(slash + 1, &end, 10);
        if (*end || end == slash + 1 || bits < 0 || bits > (r->family == AF_INET ? 32 : 128)) {
          snprintf(err, errlen, "line %d: invalid CIDR mask in address \"%s\"", lineno, a);
          return -1;
        }
        mask_from_bits(r->family, (int)bits, r->mask);
      } else {
        /* address followed by a separate mask field */
        int mfam;
        if (n < 6 || parse_addr(f[4].text, &mfam, r->mask) || mfam != r->family) {
          snprintf(err, errlen, "line %d: IP address \"%s\" needs a CIDR mask or a mask field", lineno, a);
          return -1;
        }
        i = 5;
      }
      for (int k = 0; k < 16; k++)
        r->addr[k] &= r->mask[k];
    }
  }
method:
  if (i >= n) {
    snprintf(err, errlen, "line %d: end-of-line before authentication method", lineno);
    return -1;
  }
  if (parse_method(f[i].text, &r->method)) {
    snprintf(err, errlen, "line %d: invalid authentication method \"%s\"", lineno, f[i].text);
    return -1;
  }
  r->databases = list_text(&f[1]);
  r->users = list_text(&f[2]);
  if (!r->databases || !r->users) {
    free(r->databases);
    free(r->users);
    snprintf(err, errlen, "out of memory");
    return -1;
  }
  return 0;
}

int hba_parse(const char *text, hba_rules **out, char *err, size_t errlen) {
  hba_rules *rs = calloc(1, sizeof *rs);
  if (!rs) return snprintf(err, errlen, "out of memory"), -1;
  int cap = 0, lineno = 0;
  const char *p = text;
  while (*p) {
    lineno++;
    const char *eol = strchr(p, '\n');
    size_t n = eol ? (size_t)(eol - p) : strlen(p);
    char line[2048];
    if (n >= sizeof line) {
      snprintf(err, errlen, "line %d: too long", lineno);
      hba_free(rs);
      return -1;
    }
    memcpy(line, p, n);
    line[n] = 0;
    p += n + (eol ? 1 : 0);
    hba_rule r;
    int rc = parse_line(line, lineno, &r, err, errlen);
    if (rc < 0) {
      hba_free(rs);
      return -1;
    }
    if (rc > 0) continue;
    if (rs->n == cap) {
      cap = cap ? cap * 2 : 8;
      hba_rule *nr = realloc(rs->rules, (size_t)cap * sizeof *nr);
      if (!nr) {
        free(r.databases);
        free(r.users);
        hba_free(rs);
        return snprintf(err, errlen, "out of memory"), -1;
      }
      rs->rules = nr;
    }
    rs->rules[rs->n++] = r;
  }
  *out = rs;
  return 0;
}

int hba_load_file(const char *path, hba_rules **out, char *err, size_t errlen) {
  FILE *f = fopen(path, "r");
  if (!f) return snprintf(err, errlen, "could not open file \"%s\": %s", path, strerror(errno)), -1;
  size_t cap = 4096, len = 0;
  char *text = malloc(cap);
  size_t got;
  while (text && (got = fread(text + len, 1, cap - len - 1, f)) > 0) {
    len += got;
    if (cap - len - 1 == 0) {
      char *t = realloc(text, cap * 2);
      if (!t) {
        free(text);
        text = NULL;
        break;
      }
      text = t;
      cap *= 2;
    }
  }
  fclose(f);
  if (!text) return snprintf(err, errlen, "out of memory"), -1;
  text[len] = 0;
  char msg[512];
  int rc = hba_parse(text, out, msg, sizeof msg);
  free(text);
  if (rc) snprintf(err, errlen, "invalid authentication file \"%s\": %s", path, msg);
  return rc;
}

void hba_free(hba_rules *r) {
  if (!r) return;
  for (int i = 0; i < r->n; i++) {
    free(r->rules[i].databases);
    free(r->rules[i].users);
  }
  free(r->rules);
  free(r);
}

/* Does name appear in the comma-separated list (with keywords all/sameuser/samerole)? */
static int list_matches(const char *list, const char *name, const char *user, int is_db) {
  int literal = list[0] == '\1';
  if (literal) list++;
  const char *p = list;
  while (*p) {
    const char *e = strchr(p, ',');
    size_t n = e ? (size_t)(e - p) : strlen(p);
    char item[256];
    if (n >= sizeof item) n = sizeof item - 1;
    memcpy(item, p, n);
    item[n] = 0;
    const char *it = item;
    if (!literal) {
      if (!strcmp(it, "all")) return 1;
      if (is_db && (!strcmp(it, "sameuser") || !strcmp(it, "samerole"))) {
        if (!strcmp(name, user)) return 1;
        goto next;
      }
      if (is_db && !strcmp(it, "replication")) goto next;
      if (!is_db && it[0] == '+') it++;
    }
    if (!strcmp(it, name)) return 1;
  next:
    if (!e) break;
    p = e + 1;
  }
  return 0;
}

static int addr_matches(const hba_rule *r, const struct sockaddr *sa) {
  if (r->addr_kind == 0) return 1;
  uint8_t a[16] = {0};
  int fam = sa->sa_family;
  if (fam == AF_INET)
    memcpy(a, &((const struct sockaddr_in *)sa)->sin_addr, 4);
  else if (fam == AF_INET6) {
    const uint8_t *b = (const uint8_t *)&((const struct sockaddr_in6 *)sa)->sin6_addr;
    static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    if (!memcmp(b, mapped, 12)) {
      fam = AF_INET;
      memcpy(a, b + 12, 4);
    } else
      memcpy(a, b, 16);
  } else
    return 0;
  if (r->addr_kind == 2) {
    static const uint8_t v6lo[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
    return fam == AF_INET ? a[0] == 127 : !memcmp(a, v6lo, 16);
  }
  if (fam != r->family) return 0;
  int n = fam == AF_INET ? 4 : 16;
  for (int i = 0; i < n; i++)
    if ((a[i] & r->mask[i]) != r->addr[i]) return 0;
  return 1;
}

const hba_rule *hba_match(const hba_rules *rs, int is_local, int tls, const struct sockaddr *addr,
                          const char *database, const char *user) {
  if (!rs) return NULL;
  for (int i = 0; i < rs->n; i++) {
    const hba_rule *r = &rs->rules[i];
    if (is_local != (r->type == HBA_LOCAL)) continue;
    if (r->type == HBA_HOSTSSL && !tls) continue;
    if (r->type == HBA_HOSTNOSSL && tls) continue;
    if (!list_matches(r->databases, database, user, 1)) continue;
    if (!list_matches(r->users, user, user, 0)) continue;
    if (!is_local && !addr_matches(r, addr)) continue;
    return r;
  }
  return NULL;
}
