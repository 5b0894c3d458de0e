/*
 * auth.c: roles file and the authentication exchange of a session (see auth.h). Runs in the session's
 * event-loop thread; the server's hba rules and roles are read under srv->mu and copied, so a reload
 * during an exchange cannot pull them away.
 *
 * EXCHANGE STATES (struct auth_state.step)
 *   0 nothing sent yet
 *   1 waiting for PasswordMessage (password / md5)
 *   2 waiting for SASLInitialResponse (after AuthenticationSASL)
 *   3 waiting for SASLResponse (after AuthenticationSASLContinue)
 */
#include "auth.h"

#include <errno.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hba.h"
#include "pglog.h"
#include "scram.h"
#include "session_int.h"

/* ------------------------------------------------------------------------------------------------
 * Roles file.
 */
void pgw_roles_free(struct roles *r) {
  if (!r) return;
  for (int i = 0; i < r->n; i++) {
    free(r->r[i].name);
    free(r->r[i].secret);
  }
  free(r->r);
  free(r);
}

int pgw_roles_load(const char *path, struct roles **out, char *err, size_t errlen) {
  FILE *f = fopen(path, "r");
  if (!f) return snprintf(err, errlen, "could not open roles file \"%s\": %s", path, strerror(errno)), -1;
  struct roles *rs = calloc(1, sizeof *rs);
  if (!rs) {
    fclose(f);
    return snprintf(err, errlen, "out of memory"), -1;
  }
  snprintf(rs->path, sizeof rs->path, "%s", path);
  char line[4096];
  int lineno = 0, cap = 0;
  while (fgets(line, sizeof line, f)) {
    lineno++;
    line[strcspn(line, "\r\n")] = 0;
    if (!line[0] || line[0] == '#') continue;
    char *c1 = strchr(line, ':');
    char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
    if (!c1 || !c2 || c1 == line) {
      snprintf(err, errlen, "roles file \"%s\" line %d: expected name:attributes:secret", path, lineno);
      fclose(f);
      pgw_roles_free(rs);
      return -1;
    }
    *c1 = 0;
    *c2 = 0;
    if (rs->n == cap) {
      cap = cap ? cap * 2 : 8;
      role *nr = realloc(rs->r, (size_t)cap * sizeof *nr);
      if (!nr) {
        fclose(f);
        pgw_roles_free(rs);
        return snprintf(err, errlen, "out of memory"), -1;
      }
      rs->r = nr;
    }
    role *r = &rs->r[rs->n];
    memset(r, 0, sizeof *r);
    r->login = 1;
    r->name = strdup(line);
    r->secret = strdup(c2 + 1);
    if (!r->name || !r->secret) {
      free(r->name);
      free(r->secret);
      fclose(f);
      pgw_roles_free(rs);
      return snprintf(err, errlen, "out of memory"), -1;
    }
    rs->n++;
    char *save = NULL;
    for (char *a = strtok_r(c1 + 1, ",", &save); a; a = strtok_r(NULL, ",", &save)) {
      if (!strcmp(a, "superuser"))
        r->superuser = 1;
      else if (!strcmp(a, "login"))
        r->login = 1;
      else if (!strcmp(a, "nologin"))
        r->login = 0;
    }
  }
  fclose(f);
  *out = rs;
  return 0;
}

const role *pgw_roles_find(const struct roles *r, const char *name) {
  if (!r) return NULL;
  for (int i = 0; i < r->n; i++)
    if (!strcmp(r->r[i].name, name)) return &r->r[i];
  return NULL;
}

int pgw_roles_save(const struct roles *r, char *err, size_t errlen) {
  char tmp[4200];
  snprintf(tmp, sizeof tmp, "%s.tmp", r->path);
  FILE *f = fopen(tmp, "w");
  if (!f) return snprintf(err, errlen, "could not write \"%s\": %s", tmp, strerror(errno)), -1;
  fprintf(f, "# micad roles: name:attributes:secret (secret is a SCRAM-SHA-256 or md5 verifier, or empty)\n");
  for (int i = 0; i < r->n; i++)
    fprintf(f, "%s:%s%s:%s\n", r->r[i].name, r->r[i].superuser ? "superuser," : "",
            r->r[i].login ? "login" : "nologin", r->r[i].secret ? r->r[i].secret : "");
  int ok = fflush(f) == 0 && fsync(fileno(f)) == 0;
  ok = (fclose(f) == 0) && ok;
  if (!ok || rename(tmp, r->path) != 0) {
    snprintf(err, errlen, "could not write \"%s\": %s", r->path, strerror(errno));
    unlink(tmp);
    return -1;
  }
  return 0;
}

int pgw_roles_init_file(const char *path, const char *superuser, const char *extra) {
  struct roles rs;
  memset(&rs, 0, sizeof rs);
  snprintf(rs.path, sizeof rs.path, "%s", path);
  role r[2];
  memset(r, 0, sizeof r);
  r[0].name = (char *)superuser;
  r[0].superuser = r[0].login = 1;
  r[1].name = (char *)extra;
  r[1].superuser = r[1].login = 1;
  rs.r = r;
  rs.n = extra ? 2 : 1;
  char err[512];
  return pgw_roles_save(&rs, err, sizeof err);
}

int pgw_hba_load(const char *path, struct hba_rules **out, char *err, size_t errlen) {
  return hba_load_file(path, out, err, errlen);
}

void pgw_hba_free(struct hba_rules *r) { hba_free(r); }

static int is_verifier(const char *s) {
  if (!strncmp(s, "SCRAM-SHA-256$", 14)) {
    scram_verifier v;
    return scram_parse_verifier(s, &v) == 0;
  }
  if (strncmp(s, "md5", 3) || strlen(s) != 35) return 0;
  for (int i = 3; i < 35; i++)
    if (!strchr("0123456789abcdef", s[i])) return 0;
  return 1;
}

int pgw_roles_change(struct pgw_server *srv, int op, const char *name, int superuser, int login,
                     const char *password, int if_exists, char *sqlstate, char *err, size_t errlen) {
  char secret[256] = "";
  if (!*name || strchr(name, ':') || strchr(name, '\n')) {
    snprintf(sqlstate, 6, "42602");
    snprintf(err, errlen, "invalid role name \"%s\"", name);
    return -1;
  }
  if (password && *password) {
    pthread_mutex_lock(&srv->mu);
    int md5 = !strcmp(srv->conf.password_encryption, "md5");
    pthread_mutex_unlock(&srv->mu);
    if (is_verifier(password))
      snprintf(secret, sizeof secret, "%s", password);
    else if (md5)
      pgw_md5_verifier(password, name, secret);
    else if (scram_make_verifier(password, SCRAM_DEFAULT_ITERATIONS, secret, sizeof secret)) {
      snprintf(sqlstate, 6, "XX000");
      snprintf(err, errlen, "could not compute password verifier");
      return -1;
    }
  }
  int rc = 0;
  pthread_mutex_lock(&srv->mu);
  struct roles *rs = srv->roles;
  role *r = NULL;
  for (int i = 0; rs && i < rs->n; i++)
    if (!strcmp(rs->r[i].name, name)) r = &rs->r[i];
  if (!rs) {
    snprintf(sqlstate, 6, "55000");
    snprintf(err, errlen, "roles are not loaded");
    rc = -1;
  } else if (op == PGW_ROLE_CREATE) {
    if (r) {
      snprintf(sqlstate, 6, "42710");
      snprintf(err, errlen, "role \"%s\" already exists", name);
      rc = -1;
    } else {
      role *nr = realloc(rs->r, (size_t)(rs->n + 1) * sizeof *nr);
      if (!nr)
        rc = -1;
      else {
        rs->r = nr;
        r = &rs->r[rs->n];
        memset(r, 0, sizeof *r);
        r->name = strdup(name);
        r->secret = strdup(secret);
        r->superuser = superuser > 0;
        r->login = login > 0;
        if (!r->name || !r->secret) {
          free(r->name);
          free(r->secret);
          rc = -1;
        } else
          rs->n++;
      }
      if (rc) {
        snprintf(sqlstate, 6, "53200");
        snprintf(err, errlen, "out of memory");
      }
    }
  } else if (!r) {
    if (!(op == PGW_ROLE_DROP && if_exists)) {
      snprintf(sqlstate, 6, "42704");
      snprintf(err, errlen, "role \"%s\" does not exist", name);
      rc = -1;
    } else
      rc = 1;
  } else if (op == PGW_ROLE_DROP) {
    free(r->name);
    free(r->secret);
    int idx = (int)(r - rs->r);
    memmove(&rs->r[idx], &rs->r[idx + 1], (size_t)(rs->n - idx - 1) * sizeof *r);
    rs->n--;
  } else {
    if (superuser >= 0) r->superuser = superuser;
    if (login >= 0) r->login = login;
    if (password) {
      char *ns = strdup(secret);
      if (ns) {
        free(r->secret);
        r->secret = ns;
      }
    }
  }
  if (rc == 0 && pgw_roles_save(rs, err, errlen)) {
    snprintf(sqlstate, 6, "58030");
    rc = -1;
  }
  pthread_mutex_unlock(&srv->mu);
  return rc < 0 ? -1 : 0;
}

/* ------------------------------------------------------------------------------------------------
 * Exchange.
 */
struct auth_state {
  int method; /* enum hba_method actually used */
  int step;
  int role_exists, superuser, login;
  char *secret;
  unsigned char salt[4];
  scram_state scram;
};

static void send_auth_request(pgw_session *s, int32_t code, const void *data, size_t n) {
  pqbuf_start(&s->out, 'R');
  pqbuf_put_int32(&s->out, code);
  pqbuf_put_bytes(&s->out, data, n);
  pqbuf_finish(&s->out);
  pgw_auth_flush(s);
}

static void fail_password(pgw_session *s) {
  char msg[300];
  snprintf(msg, sizeof msg, "password authentication failed for user \"%s\"", s->user);
  pgw_auth_failed(s, "28P01", msg);
}

static void finish(pgw_session *s) {
  struct auth_state *a = s->auth_state;
  if (!a->role_exists) {
    char msg[300];
    snprintf(msg, sizeof msg, "role \"%s\" does not exist", s->user);
    pgw_auth_failed(s, "28000", msg);
    return;
  }
  if (!a->login) {
    char msg[300];
    snprintf(msg, sizeof msg, "role \"%s\" is not permitted to log in", s->user);
    pgw_auth_failed(s, "28000", msg);
    return;
  }
  pgw_auth_succeeded(s);
}

void pgw_auth_begin(pgw_session *s) {
  struct auth_state *a = calloc(1, sizeof *a);
  if (!a) {
    pgw_auth_failed(s, "53200", "out of memory");
    return;
  }
  s->auth_state = a;
  pgw_server *srv = s->srv;
  pthread_mutex_lock(&srv->mu);
  int have_hba = srv->hba != NULL;
  const hba_rule *rule = have_hba ? hba_match(srv->hba, s->is_unix, s->tls,
                                              (const struct sockaddr *)&s->peer_addr, s->database, s->user)
                                  : NULL;
  int method = rule ? (int)rule->method : have_hba ? -1 : HBA_TRUST;
  const role *r = srv->roles ? pgw_roles_find(srv->roles, s->user) : NULL;
  a->role_exists = r != NULL || srv->roles == NULL;
  a->superuser = r ? r->superuser : srv->roles == NULL;
  a->login = r ? r->login : 1;
  a->secret = strdup(r && r->secret ? r->secret : "");
  pthread_mutex_unlock(&srv->mu);
  char msg[512];
  if (method < 0 || method == HBA_REJECT) {
    snprintf(msg, sizeof msg, "%s for host \"%s\", user \"%s\", database \"%s\"%s",
             method < 0 ? "no pg_hba.conf entry" : "pg_hba.conf rejects connection", s->peer, s->user,
             s->database,
             s->is_unix ? ""
             : s->tls   ? ", SSL encryption"
                        : ", no encryption");
    pgw_auth_failed(s, "28000", msg);
    return;
  }
  if (!a->secret) {
    pgw_auth_failed(s, "53200", "out of memory");
    return;
  }
  int stored_scram = !strncmp(a->secret, "SCRAM-SHA-256$", 14);
  if (method == HBA_MD5 && stored_scram) method = HBA_SCRAM;
  if (method == HBA_MD5 && !a->role_exists) method = HBA_SCRAM; /* mock exchange */
  a->method = method;
  switch (method) {
  case HBA_TRUST: finish(s); return;
  case HBA_PASSWORD:
    a->step = 1;
    send_auth_request(s, 3, NULL, 0);
    return;
  case HBA_MD5:
    if (RAND_bytes(a->salt, 4) != 1) {
      pgw_auth_failed(s, "XX000", "could not generate random salt");
      return;
    }
    a->step = 1;
    send_auth_request(s, 5, a->salt, 4);
    return;
  default: {
    static const char mech[] = "SCRAM-SHA-256\0";
    a->step = 2;
    send_auth_request(s, 10, mech, sizeof mech);
    return;
  }
  }
}

void pgw_auth_message(pgw_session *s, pqmsg *m) {
  struct auth_state *a = s->auth_state;
  char msg[512], out[600];
  if (!a || m->type != 'p' || a->step == 0) {
    snprintf(msg, sizeof msg, "expected password response, got message type %d", (unsigned char)m->type);
    pgw_auth_failed(s, "08P01", msg);
    return;
  }
  if (a->step == 1) {
    const char *pw = pqmsg_get_string(m);
    if (pqmsg_end(m)) {
      pgw_auth_failed(s, "08P01", "invalid password packet size");
      return;
    }
    if (!*pw) {
      pgw_auth_failed(s, "28P01", "empty password returned by client");
      return;
    }
    int ok = 0;
    if (a->method == HBA_MD5) {
      if (!strncmp(a->secret, "md5", 3) && strlen(a->secret) == 35) {
        pgw_md5_response(a->secret, a->salt, out);
        ok = strlen(pw) == 35 && !strcmp(out, pw);
      }
    } else {
      scram_verifier v;
      if (!scram_parse_verifier(a->secret, &v))
        ok = scram_verify_password(&v, pw);
      else if (!strncmp(a->secret, "md5", 3)) {
        pgw_md5_verifier(pw, s->user, out);
        ok = !strcmp(out, a->secret);
      }
    }
    if (!ok || !a->role_exists) {
      fail_password(s);
      return;
    }
    finish(s);
    return;
  }
  if (a->step == 2) {
    const char *mech = pqmsg_get_string(m);
    int32_t len = pqmsg_get_int32(m);
    const char *data = len > 0 ? pqmsg_get_bytes(m, (size_t)len) : NULL;
    if (pqmsg_end(m) || len <= 0) {
      pgw_auth_failed(s, "08P01", "malformed SASL initial response");
      return;
    }
    if (strcmp(mech, "SCRAM-SHA-256")) {
      pgw_auth_failed(s, "28000", "client selected an invalid SASL authentication mechanism");
      return;
    }
    scram_verifier v;
    int have = a->role_exists && !scram_parse_verifier(a->secret, &v);
    if (scram_server_first(&a->scram, have ? &v : NULL, s->user, data, (size_t)len, out, sizeof out, msg,
                           sizeof msg)) {
      pgw_auth_failed(s, "08P01", msg);
      return;
    }
    a->step = 3;
    send_auth_request(s, 11, out, strlen(out));
    return;
  }
  /* step 3: SASLResponse */
  size_t len = pqmsg_remaining(m);
  const char *data = pqmsg_get_bytes(m, len);
  int rc = scram_server_final(&a->scram, data ? data : "", len, out, sizeof out, msg, sizeof msg);
  if (rc < 0) {
    pgw_auth_failed(s, "08P01", msg);
    return;
  }
  if (rc > 0) {
    fail_password(s);
    return;
  }
  send_auth_request(s, 12, out, strlen(out));
  finish(s);
}

void pgw_auth_free(pgw_session *s) {
  struct auth_state *a = s->auth_state;
  if (!a) return;
  free(a->secret);
  free(a);
  s->auth_state = NULL;
}

int pgw_auth_is_superuser(pgw_session *s) {
  struct auth_state *a = s->auth_state;
  return a ? a->superuser : 0;
}
