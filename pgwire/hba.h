/*
 * hba.h: pg_hba.conf rules (PostgreSQL's client authentication file format).
 *
 * Each non-comment line is a rule: TYPE DATABASE USER [ADDRESS [MASK]] METHOD [options]
 *   TYPE      local | host | hostssl | hostnossl
 *   DATABASE  all | sameuser | samerole | name[,name...]   ("replication" matches nothing: no replication)
 *   USER      all | name[,name...] | +group (matches a role of that name only: there are no groups)
 *   ADDRESS   (host* only) CIDR "a.b.c.d/n" or "x:y::/n", or an address followed by a MASK field, or
 *             all | samehost | samenet (the server's loopback addresses)
 *   METHOD    trust | reject | password | md5 | scram-sha-256; option words name=value are ignored
 * Quoted names ("...") are taken literally. The first rule whose type, database, user and address match
 * decides; no match means reject.
 */
#ifndef HBA_H
#define HBA_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

enum hba_type { HBA_LOCAL, HBA_HOST, HBA_HOSTSSL, HBA_HOSTNOSSL };
enum hba_method { HBA_TRUST, HBA_REJECT, HBA_PASSWORD, HBA_MD5, HBA_SCRAM };

typedef struct hba_rule {
  int lineno;
  enum hba_type type;
  char *databases; /* comma-separated list as written (already unquoted), or "all" */
  char *users;
  int addr_kind; /* 0 any, 1 CIDR, 2 samehost/samenet */
  int family;    /* AF_INET or AF_INET6 for CIDR */
  uint8_t addr[16];
  uint8_t mask[16];
  enum hba_method method;
} hba_rule;

typedef struct hba_rules {
  int n;
  hba_rule *rules;
} hba_rules;

/* Parses the file text. Returns 0, or -1 with "line N: ..." in err. */
int hba_parse(const char *text, hba_rules **out, char *err, size_t errlen);
int hba_load_file(const char *path, hba_rules **out, char *err, size_t errlen);
void hba_free(hba_rules *r);

/* The first matching rule, or NULL. addr is the client address (ignored for local connections). */
const hba_rule *hba_match(const hba_rules *r, int is_local, int tls, const struct sockaddr *addr,
                          const char *database, const char *user);
const char *hba_method_name(enum hba_method m);

#endif /* HBA_H */
