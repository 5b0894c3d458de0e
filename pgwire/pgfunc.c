/*
 * pgfunc.c: PostgreSQL functions that clients call, registered on each session's connection
 * (pgw_functions_register, through mica_create_function; the engine stays PostgreSQL-free).
 *
 *   version(), current_database(), current_schema(), current_user/session_user (also as the bare
 *   keywords, which the parser's PostgreSQL dialect turns into calls), pg_backend_pid(),
 *   now()/transaction_timestamp()/statement_timestamp()/clock_timestamp() as timestamptz text,
 *   gen_random_uuid(), pg_sleep(s), current_setting(name [, missing_ok]), set_config(name, value,
 *   is_local), quote_ident, quote_literal, quote_nullable, format(fmt, ...) with %s %I %L %%,
 *   greatest/least (NULLs ignored, as PostgreSQL does), string_agg(value, delimiter), and the session
 *   advisory locks: pg_advisory_lock, pg_try_advisory_lock, pg_advisory_unlock, pg_advisory_unlock_all
 *   (one bigint key, or two int keys), pg_notify(channel, payload). Casts the planner routes through
 * pg_cast_<type>: x::bytea reads PostgreSQL's bytea input ('\x0102' hex or escape format; the name has
 * NUMERIC affinity, so a plain cast made 0 of it) and x::uuid gives the canonical spelling; both decode text
 * as a parameter of that type would be (pgtypes_decode_param).
 *
 * Every function's user data is the session (pgw_session *); they run on the thread that runs the
 * statement. Advisory locks live in the server's table (pgw_server.advlocks, under srv->mu): a key is
 * held by one session with a count (session locks are re-entrant, as in PostgreSQL). A blocked
 * pg_advisory_lock polls every 5 ms and gives up with the statement when it is interrupted (cancel,
 * statement_timeout). A session's locks go when it ends (pgw_advisory_release_all).
 */
#include <ctype.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/time.h>
#include <time.h>

#include "pgtypes.h"
#include "session_int.h"

typedef struct pgw_advlock {
  struct pgw_advlock *next;
  int64_t key;
  int32_t holder; /* session pid */
  int count;
} pgw_advlock;

static pgw_session *sess(mica_context *ctx) { return mica_user_data(ctx); }

static void text_result(mica_context *ctx, const char *z) { mica_result_text(ctx, z, -1, MICA_TRANSIENT); }

static void fn_version(mica_context *ctx, int argc, mica_value **argv) {
  (void)argc;
  (void)argv;
  char buf[200];
  snprintf(buf, sizeof buf, "PostgreSQL %s on x86_64-pc-linux-gnu, compiled by Mica, 64-bit",
           pgw_guc_get(sess(ctx), "server_version"));
  text_result(ctx, buf);
}

static void fn_current_database(mica_context *ctx, int argc, mica_value **argv) {
  (void)argc;
  (void)argv;
  text_result(ctx, sess(ctx)->database ? sess(ctx)->database : "");
}

static void fn_current_user(mica_context *ctx, int argc, mica_value **argv) {
  (void)argc;
  (void)argv;
  text_result(ctx, sess(ctx)->user ? sess(ctx)->user : "");
}

static void fn_current_schema(mica_context *ctx, int argc, mica_value **argv) {
  (void)argc;
  (void)argv;
  text_result(ctx, "public");
}

static void fn_backend_pid(mica_context *ctx, int argc, mica_value **argv) {
  (void)argc;
  (void)argv;
  mica_result_int64(ctx, sess(ctx)->pid);
}

/* timestamptz text of the current time, UTC, with microseconds: 2024-01-02 03:04:05.123456+00 */
static void fn_now(mica_context *ctx, int argc, mica_value **argv) {
  (void)argc;
  (void)argv;
  struct timeval tv;
  gettimeofday(&tv, NULL);
  struct tm tm;
  time_t t = tv.tv_sec;
  gmtime_r(&t, &tm);
  char buf[64];
  int n = (int)strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &tm);
  snprintf(buf + n, sizeof buf - (size_t)n, ".%06ld+00", (long)tv.tv_usec);
  text_result(ctx, buf);
}

static void fn_gen_random_uuid(mica_context *ctx, int argc, mica_value **argv) {
  (void)argc;
  (void)argv;
  unsigned char u[16];
  if (RAND_bytes(u, sizeof u) != 1) {
    mica_result_error(ctx, "could not generate random values", -1);
    return;
  }
  u[6] = (unsigned char)((u[6] & 0x0f) | 0x40); /* version 4 */
  u[8] = (unsigned char)((u[8] & 0x3f) | 0x80); /* RFC 4122 variant */
  char buf[40];
  snprintf(buf, sizeof buf, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", u[0],
           u[1], u[2], u[3], u[4], u[5], u[6], u[7], u[8], u[9], u[10], u[11], u[12], u[13], u[14], u[15]);
  text_result(ctx, buf);
}

/* Sleeps in 5 ms steps; stops early (the statement then ends as interrupted) on cancel. Returns 0 if
 * the full time passed, -1 if interrupted. */
static int nap(mica_db *db, double seconds) {
  struct timespec start, now;
  clock_gettime(CLOCK_MONOTONIC, &start);
  for (;;) {
    if (mica_is_interrupted(db)) return -1;
    clock_gettime(CLOCK_MONOTONIC, &now);
    double el = (double)(now.tv_sec - start.tv_sec) + (double)(now.tv_nsec - start.tv_nsec) / 1e9;
    if (el >= seconds) return 0;
    double left = seconds - el;
    struct timespec ts = {0, (long)((left < 0.005 ? left : 0.005) * 1e9)};
    nanosleep(&ts, NULL);
  }
}

static void fn_pg_sleep(mica_context *ctx, int argc, mica_value **argv) {
  (void)argc;
  double s = mica_value_double(argv[0]);
  if (mica_value_type(argv[0]) != MICA_NULL && s > 0 && nap(mica_context_db_handle(ctx), s)) {
    mica_result_error_code(ctx, MICA_INTERRUPT);
    return;
  }
  mica_result_null(ctx);
}

static void fn_current_setting(mica_context *ctx, int argc, mica_value **argv) {
  const char *name = (const char *)mica_value_text(argv[0]);
  if (!name) return;
  const char *v = pgw_guc_get(sess(ctx), name);
  if (v) {
    text_result(ctx, v);
  } else if (argc > 1 && mica_value_int(argv[1])) {
    mica_result_null(ctx);
  } else {
    char msg[200];
    snprintf(msg, sizeof msg, "unrecognized configuration parameter \"%s\"", name);
    mica_result_error(ctx, msg, -1);
  }
}

static void fn_set_config(mica_context *ctx, int argc, mica_value **argv) {
  (void)argc;
  const char *name = (const char *)mica_value_text(argv[0]);
  const char *value = (const char *)mica_value_text(argv[1]);
  if (!name) {
    mica_result_error(ctx, "SET requires parameter name", -1);
    return;
  }
  if (pgw_guc_set(sess(ctx), name, value)) {
    mica_result_error(ctx, "could not set the parameter", -1);
    return;
  }
  text_result(ctx, value ? value : "");
}

/* pg_notify(channel, payload): NOTIFY as a function, queued with the statement's transaction (query.c
 * delivers it when that commits, also an autocommit statement's). PostgreSQL's checks and messages. */
static void fn_pg_notify(mica_context *ctx, int argc, mica_value **argv) {
  (void)argc;
  const char *channel = (const char *)mica_value_text(argv[0]);
  const char *payload = (const char *)mica_value_text(argv[1]);
  if (!channel || !*channel) {
    mica_result_error(ctx, "channel name cannot be empty", -1);
    return;
  }
  if (strlen(channel) >= 64) {
    mica_result_error(ctx, "channel name too long", -1);
    return;
  }
  if (payload && strlen(payload) >= 8000) {
    mica_result_error(ctx, "payload string too long", -1);
    return;
  }
  pgw_notify_queue(sess(ctx), channel, payload ? payload : "");
  mica_result_null(ctx);
}

/* quote_ident: quotes unless the name is a plain lower-case identifier. */
static int plain_ident(const char *z) {
  if (!*z || !(islower((unsigned char)*z) || *z == '_')) return 0;
  for (const char *p = z; *p; p++)
    if (!(islower((unsigned char)*p) || isdigit((unsigned char)*p) || *p == '_' || *p == '$')) return 0;
  return 1;
}

static char *quoted(const char *z, char q, int estring_for_backslash) {
  size_t n = strlen(z);
  char *out = malloc(2 * n + 4);
  if (!out) return NULL;
  char *o = out;
  if (estring_for_backslash && q == '\'' && strchr(z, '\\')) *o++ = 'E';
  *o++ = q;
  for (const char *p = z; *p; p++) {
    if (*p == q || (estring_for_backslash && *p == '\\')) *o++ = *p;
    *o++ = *p;
  }
  *o++ = q;
  *o = 0;
  return out;
}

static void fn_quote_ident(mica_context *ctx, int argc, mica_value **argv) {
  (void)argc;
  const char *z = (const char *)mica_value_text(argv[0]);
  if (!z) return;
  if (plain_ident(z)) {
    text_result(ctx, z);
    return;
  }
  char *q = quoted(z, '"', 0);
  if (!q) {
    mica_result_error_nomem(ctx);
    return;
  }
  mica_result_text(ctx, q, -1, free);
}

static void fn_quote_literal(mica_context *ctx, int argc, mica_value **argv) {
  (void)argc;
  const char *z = (const char *)mica_value_text(argv[0]);
  if (!z) return; /* NULL in, NULL out */
  char *q = quoted(z, '\'', 1);
  if (!q) {
    mica_result_error_nomem(ctx);
    return;
  }
  mica_result_text(ctx, q, -1, free);
}

static void fn_quote_nullable(mica_context *ctx, int argc, mica_value **argv) {
  if (mica_value_type(argv[0]) == MICA_NULL) {
    text_result(ctx, "NULL");
    return;
  }
  fn_quote_literal(ctx, argc, argv);
}

/* format(fmt, args...): %s (NULL as empty), %I (quote_ident; NULL is an error), %L (quote_literal,
 * NULL as NULL), %% ; positional %n$ and widths are not supported and give an error. */
static void fn_format(mica_context *ctx, int argc, mica_value **argv) {
  const char *f = (const char *)mica_value_text(argv[0]);
  if (!f) return;
  size_t cap = strlen(f) + 64, len = 0;
  char *out = malloc(cap);
  if (!out) {
    mica_result_error_nomem(ctx);
    return;
  }
  int next = 1;
  for (const char *p = f; *p; p++) {
    const char *piece = NULL;
    char *owned = NULL;
    char one[2] = {0, 0};
    if (*p != '%') {
      one[0] = *p;
      piece = one;
    } else if (p[1] == '%') {
      piece = "%";
      p++;
    } else if (p[1] == 's' || p[1] == 'I' || p[1] == 'L') {
      char kind = p[1];
      p++;
      if (next >= argc) {
        free(out);
        mica_result_error(ctx, "too few arguments for format()", -1);
        return;
      }
      mica_value *v = argv[next++];
      const char *t = (const char *)mica_value_text(v);
      if (kind == 's') {
        piece = t ? t : "";
      } else if (kind == 'I') {
        if (!t) {
          free(out);
          mica_result_error(ctx, "null values cannot be formatted as an SQL identifier", -1);
          return;
        }
        piece = plain_ident(t) ? t : (owned = quoted(t, '"', 0));
      } else {
        piece = t ? (owned = quoted(t, '\'', 1)) : "NULL";
      }
      if (!piece) {
        free(out);
        mica_result_error_nomem(ctx);
        return;
      }
    } else {
      free(out);
      char msg[80];
      snprintf(msg, sizeof msg, "unrecognized format() type specifier \"%c\"", p[1] ? p[1] : ' ');
      mica_result_error(ctx, msg, -1);
      return;
    }
    size_t n = strlen(piece);
    if (len + n + 1 > cap) {
      cap = (len + n + 1) * 2;
      char *nb = realloc(out, cap);
      if (!nb) {
        free(owned);
        free(out);
        mica_result_error_nomem(ctx);
        return;
      }
      out = nb;
    }
    memcpy(out + len, piece, n);
    len += n;
    free(owned);
  }
  out[len] = 0;
  mica_result_text(ctx, out, (int)len, free);
}

/* greatest/least: the largest/smallest non-NULL argument (NULL only when all are). */
static void extreme(mica_context *ctx, int argc, mica_value **argv, int want) {
  int best = -1;
  for (int i = 0; i < argc; i++) {
    if (mica_value_type(argv[i]) == MICA_NULL) continue;
    if (best < 0) {
      best = i;
      continue;
    }
    int ta = mica_value_numeric_type(argv[i]), tb = mica_value_numeric_type(argv[best]);
    int c;
    if ((ta == MICA_INTEGER || ta == MICA_FLOAT) && (tb == MICA_INTEGER || tb == MICA_FLOAT)) {
      double a = mica_value_double(argv[i]), b = mica_value_double(argv[best]);
      c = a < b ? -1 : a > b;
    } else {
      const char *a = (const char *)mica_value_text(argv[i]), *b = (const char *)mica_value_text(argv[best]);
      c = strcmp(a ? a : "", b ? b : "");
    }
    if (c * want > 0) best = i;
  }
  if (best >= 0) mica_result_value(ctx, argv[best]);
}

static void fn_greatest(mica_context *ctx, int argc, mica_value **argv) { extreme(ctx, argc, argv, 1); }
static void fn_least(mica_context *ctx, int argc, mica_value **argv) { extreme(ctx, argc, argv, -1); }

/* string_agg(value, delimiter): NULL values are skipped; NULL when there are none. */
typedef struct agg_buf {
  char *z;
  size_t n, cap;
  int any;
} agg_buf;

static void string_agg_step(mica_context *ctx, int argc, mica_value **argv) {
  (void)argc;
  agg_buf *b = mica_aggregate_context(ctx, sizeof *b);
  if (!b) {
    mica_result_error_nomem(ctx);
    return;
  }
  if (mica_value_type(argv[0]) == MICA_NULL) return;
  const char *v = (const char *)mica_value_text(argv[0]);
  size_t vn = (size_t)mica_value_bytes(argv[0]);
  const char *d = b->any ? (const char *)mica_value_text(argv[1]) : NULL;
  size_t dn = d ? (size_t)mica_value_bytes(argv[1]) : 0;
  if (b->n + vn + dn + 1 > b->cap) {
    size_t cap = (b->n + vn + dn + 1) * 2;
    char *nz = realloc(b->z, cap);
    if (!nz) {
      mica_result_error_nomem(ctx);
      return;
    }
    b->z = nz;
    b->cap = cap;
  }
  if (dn) memcpy(b->z + b->n, d, dn);
  b->n += dn;
  if (vn) memcpy(b->z + b->n, v, vn);
  b->n += vn;
  b->any = 1;
}

static void string_agg_final(mica_context *ctx) {
  agg_buf *b = mica_aggregate_context(ctx, 0);
  if (!b || !b->any) {
    if (b) free(b->z);
    mica_result_null(ctx);
    return;
  }
  mica_result_text(ctx, b->z ? b->z : "", (int)b->n, free);
  b->z = NULL;
}

/* ------------------------------------------------------------------------------------------------
 * Advisory locks.
 */
static int advisory_key(int argc, mica_value **argv, int64_t *key) {
  for (int i = 0; i < argc; i++)
    if (mica_value_type(argv[i]) == MICA_NULL) return -1;
  if (argc == 1)
    *key = mica_value_int64(argv[0]);
  else
    *key = (int64_t)((uint64_t)(uint32_t)mica_value_int(argv[0]) << 32 | (uint32_t)mica_value_int(argv[1]));
  return 0;
}

/* Takes key for s; 1 taken, 0 held by another session. [srv->mu] */
static int adv_take(pgw_session *s, int64_t key) {
  for (pgw_advlock *l = s->srv->advlocks; l; l = l->next) {
    if (l->key != key) continue;
    if (l->holder != s->pid) return 0;
    l->count++;
    return 1;
  }
  pgw_advlock *l = calloc(1, sizeof *l);
  if (!l) return -1;
  l->key = key;
  l->holder = s->pid;
  l->count = 1;
  l->next = s->srv->advlocks;
  s->srv->advlocks = l;
  return 1;
}

static void fn_advisory_lock(mica_context *ctx, int argc, mica_value **argv) {
  pgw_session *s = sess(ctx);
  int64_t key;
  if (advisory_key(argc, argv, &key)) return;
  for (;;) {
    pthread_mutex_lock(&s->srv->mu);
    int got = adv_take(s, key);
    pthread_mutex_unlock(&s->srv->mu);
    if (got < 0) {
      mica_result_error_nomem(ctx);
      return;
    }
    if (got) break;
    if (nap(mica_context_db_handle(ctx), 0.005)) {
      mica_result_error_code(ctx, MICA_INTERRUPT);
      return;
    }
  }
  mica_result_null(ctx);
}

static void fn_try_advisory_lock(mica_context *ctx, int argc, mica_value **argv) {
  pgw_session *s = sess(ctx);
  int64_t key;
  if (advisory_key(argc, argv, &key)) return;
  pthread_mutex_lock(&s->srv->mu);
  int got = adv_take(s, key);
  pthread_mutex_unlock(&s->srv->mu);
  if (got < 0)
    mica_result_error_nomem(ctx);
  else
    mica_result_int(ctx, got);
}

static void fn_advisory_unlock(mica_context *ctx, int argc, mica_value **argv) {
  pgw_session *s = sess(ctx);
  int64_t key;
  if (advisory_key(argc, argv, &key)) return;
  int released = 0;
  pthread_mutex_lock(&s->srv->mu);
  for (pgw_advlock **pp = &s->srv->advlocks; *pp; pp = &(*pp)->next) {
    pgw_advlock *l = *pp;
    if (l->key != key || l->holder != s->pid) continue;
    if (--l->count == 0) {
      *pp = l->next;
      free(l);
    }
    released = 1;
    break;
  }
  pthread_mutex_unlock(&s->srv->mu);
  if (!released) pgw_send_notice(s, "WARNING", "01000", "you don't own a lock of type ExclusiveLock");
  mica_result_int(ctx, released);
}

void pgw_advisory_release_all(pgw_session *s) {
  pthread_mutex_lock(&s->srv->mu);
  for (pgw_advlock **pp = &s->srv->advlocks; *pp;) {
    pgw_advlock *l = *pp;
    if (l->holder == s->pid) {
      *pp = l->next;
      free(l);
    } else {
      pp = &l->next;
    }
  }
  pthread_mutex_unlock(&s->srv->mu);
}

static void fn_advisory_unlock_all(mica_context *ctx, int argc, mica_value **argv) {
  (void)argc;
  (void)argv;
  pgw_advisory_release_all(sess(ctx));
  mica_result_null(ctx);
}

void pgw_advisory_free_all(pgw_server *srv) {
  while (srv->advlocks) {
    pgw_advlock *l = srv->advlocks;
    srv->advlocks = l->next;
    free(l);
  }
}

/* ------------------------------------------------------------------------------------------------ */
/* pg_cast_bytea / pg_cast_uuid: text is read as PostgreSQL's input for the type; a blob stays as it is
 * for bytea; numbers cannot be cast (as in PostgreSQL). */
static void cast_through_input(mica_context *ctx, mica_value *v, uint32_t oid) {
  int type = mica_value_type(v);
  if (type == MICA_NULL) return;
  if (type == MICA_BLOB && oid == PGOID_BYTEA) {
    mica_result_value(ctx, v);
    return;
  }
  char err[160];
  if (type != MICA_TEXT) {
    snprintf(err, sizeof err, "cannot cast type %s to %s",
             type == MICA_INTEGER ? "integer"
             : type == MICA_FLOAT ? "double precision"
                                  : "bytea",
             pgtypes_name(oid));
    mica_result_error(ctx, err, -1);
    return;
  }
  const unsigned char *z = mica_value_text(v);
  pgvalue out;
  char *scratch = NULL;
  if (pgtypes_decode_param(oid, 0, z, (size_t)mica_value_bytes(v), &out, &scratch, err, sizeof err)) {
    mica_result_error(ctx, err, -1);
    return;
  }
  if (out.type == MICA_BLOB)
    mica_result_blob(ctx, out.p, (int)out.n, MICA_TRANSIENT);
  else
    mica_result_text(ctx, (const char *)out.p, (int)out.n, MICA_TRANSIENT);
  free(scratch);
}

static void fn_cast_bytea(mica_context *ctx, int argc, mica_value **argv) {
  (void)argc;
  cast_through_input(ctx, argv[0], PGOID_BYTEA);
}

static void fn_cast_uuid(mica_context *ctx, int argc, mica_value **argv) {
  (void)argc;
  cast_through_input(ctx, argv[0], PGOID_UUID);
}

int pgw_functions_register(pgw_session *s) {
  static const struct {
    const char *name;
    int nargs;
    mica_func_fn fn;
    int volatile_;
  } scalars[] = {
      {"version", 0, fn_version, 0},
      {"current_database", 0, fn_current_database, 0},
      {"current_catalog", 0, fn_current_database, 0},
      {"current_user", 0, fn_current_user, 0},
      {"session_user", 0, fn_current_user, 0},
      {"current_role", 0, fn_current_user, 0},
      {"user", 0, fn_current_user, 0},
      {"current_schema", 0, fn_current_schema, 0},
      {"pg_backend_pid", 0, fn_backend_pid, 0},
      {"now", 0, fn_now, 1},
      {"transaction_timestamp", 0, fn_now, 1},
      {"statement_timestamp", 0, fn_now, 1},
      {"clock_timestamp", 0, fn_now, 1},
      {"gen_random_uuid", 0, fn_gen_random_uuid, 1},
      {"pg_sleep", 1, fn_pg_sleep, 1},
      {"current_setting", 1, fn_current_setting, 1},
      {"current_setting", 2, fn_current_setting, 1},
      {"set_config", 3, fn_set_config, 1},
      {"quote_ident", 1, fn_quote_ident, 0},
      {"quote_literal", 1, fn_quote_literal, 0},
      {"quote_nullable", 1, fn_quote_nullable, 0},
      {"format", -1, fn_format, 0},
      {"greatest", -1, fn_greatest, 0},
      {"least", -1, fn_least, 0},
      {"pg_advisory_lock", 1, fn_advisory_lock, 1},
      {"pg_advisory_lock", 2, fn_advisory_lock, 1},
      {"pg_try_advisory_lock", 1, fn_try_advisory_lock, 1},
      {"pg_try_advisory_lock", 2, fn_try_advisory_lock, 1},
      {"pg_advisory_unlock", 1, fn_advisory_unlock, 1},
      {"pg_advisory_unlock", 2, fn_advisory_unlock, 1},
      {"pg_advisory_unlock_all", 0, fn_advisory_unlock_all, 1},
      {"pg_notify", 2, fn_pg_notify, 1},
      {"pg_cast_bytea", 1, fn_cast_bytea, 0},
      {"pg_cast_uuid", 1, fn_cast_uuid, 0},
  };
  for (size_t i = 0; i < sizeof scalars / sizeof scalars[0]; i++) {
    int rc = mica_create_function(s->db, scalars[i].name, scalars[i].nargs,
                                  MICA_UTF8 | (scalars[i].volatile_ ? 0 : MICA_DETERMINISTIC), s,
                                  scalars[i].fn, NULL, NULL, NULL, NULL, NULL);
    if (rc != MICA_OK) return rc;
  }
  int rc = pgw_date_functions_register(s);
  if (rc == MICA_OK) rc = pgw_srf_register(s);
  if (rc == MICA_OK) rc = pgw_array_functions_register(s);
  if (rc != MICA_OK) return rc;
  return mica_create_function(s->db, "string_agg", 2, MICA_UTF8, s, NULL, string_agg_step, string_agg_final,
                              NULL, NULL, NULL);
}
