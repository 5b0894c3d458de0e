/*
 * auth.h: roles and client authentication for micad.
 *
 * ROLES FILE (micad.roles in the data directory; one role per line, '#' comments)
 *   name:attributes:secret
 *   attributes  comma-separated: superuser, login, nologin (default login)
 *   secret      empty (no password), a SCRAM-SHA-256 verifier or an md5 verifier, in PostgreSQL's
 *               rolpassword formats (see scram.h); never a plain password
 * The file is rewritten whole (temp file + rename) when roles change.
 *
 * AUTHENTICATION (per pg_hba.conf rule, see hba.h): trust, reject, password (cleartext, checked against
 * either verifier), md5 (falls back to SCRAM when the stored verifier is SCRAM, as PostgreSQL does) and
 * scram-sha-256. Unknown roles go through the same exchange against a mock verifier and fail with 28P01
 * at the end, so the reply does not reveal which roles exist.
 */
#ifndef PGW_AUTH_H
#define PGW_AUTH_H

#include <stddef.h>

struct hba_rules;

typedef struct role {
  char *name;
  int superuser;
  int login;
  char *secret;
} role;

typedef struct roles {
  int n;
  role *r;
  char path[4096];
} roles;

int pgw_roles_load(const char *path, struct roles **out, char *err, size_t errlen);
void pgw_roles_free(struct roles *r);
/* Creates a roles file with superuser (and extra, if not NULL) without passwords. */
int pgw_roles_init_file(const char *path, const char *superuser, const char *extra);
const role *pgw_roles_find(const struct roles *r, const char *name);
/* Writes roles to their file atomically. */
int pgw_roles_save(const struct roles *r, char *err, size_t errlen);

/* CREATE/ALTER/DROP ROLE on the server's roles (under srv->mu), saved to the roles file.
 * superuser/login: -1 leaves unchanged. password: NULL unchanged, "" removes it; a value that already is a
 * SCRAM or md5 verifier is stored as is, else it is hashed per password_encryption. Returns 0, or -1
 * with a SQLSTATE (6 bytes) and message. */
enum { PGW_ROLE_CREATE, PGW_ROLE_ALTER, PGW_ROLE_DROP };
struct pgw_server;
int pgw_roles_change(struct pgw_server *srv, int op, const char *name, int superuser, int login,
                     const char *password, int if_exists, char *sqlstate, char *err, size_t errlen);

int pgw_hba_load(const char *path, struct hba_rules **out, char *err, size_t errlen);
void pgw_hba_free(struct hba_rules *r);

#endif /* PGW_AUTH_H */
