/*
 * fuzz_proto.c: a libFuzzer target for micad's protocol decoder (issue: malformed input never crashes
 * micad, never affects other sessions and never loses anything committed; the worst it gets is an
 * ErrorResponse and a closed connection). Built and run by regress/fuzz/fuzz.sh with clang's
 * -fsanitize=fuzzer,address,undefined, over the real pgwire library and engine.
 *
 * INPUT
 *   byte 0     setup: bits 0-1 the authentication method (0 trust; 1 password, 2 md5, 3 scram-sha-256,
 *              each through pg_hba.conf "local all all METHOD" and a roles file in which "postgres"
 *              (SCRAM verifier) and "m" (md5 verifier) have the password "pw"); bits 2-7 how the
 *              stream is cut (0: one write; else pieces of pseudo-random length 1..64 from an LCG
 *              seeded with them, so messages arrive split at arbitrary boundaries; 63: one message
 *              at a time, as framed by its length word, like a client that waits for each reply)
 *   the rest   what a client sends from its first byte: a startup packet (or SSLRequest,
 *              GSSENCRequest, CancelRequest), then typed messages (Query, Parse, Bind, CopyData, ...)
 *
 * ONE RUN
 *   The server (pgw_server) lives for the whole process: a temporary data directory, the real worker
 *   pool, statement_timeout 1 s, logging off. Each input gets a fresh database "postgres" (copied from a
 *   template made at start) and a session over an in-memory bufferevent pair
 *   (pgw_session_accept_bev) on this thread's event base: the same state machine, startup, auth,
 *   query, extended-protocol and COPY code as over a socket. After each piece is written the loop
 *   runs until the session is quiescent (no worker job, no active event); then the client's end
 *   signals EOF and the loop runs until the session is gone. A session still busy after 3 s is ended
 *   through the server's shutdown path (pgw_session_terminate_all), as a statement can legitimately
 *   run long (SET statement_timeout = 0; SELECT pg_sleep(100)).
 *
 * CHECKS (an abort is a finding, besides ASan, UBSan and leaks)
 *   - everything the server sends is whole messages with valid lengths (before its first typed message
 *     a lone 'N' answers SSLRequest/GSSENCRequest), and every ErrorResponse has a severity, a
 *     5-character SQLSTATE and a message;
 *   - the session ends within 20 s of the end of its input;
 *   - another session (the witness, connected to database "keep" for the whole run) still answers a
 *     query with exactly the rows committed at start;
 *   - postgres.db passes PRAGMA integrity_check afterwards.
 *   FUZZ_PROTO_VERBOSE=1 ./fuzz_proto FILE prints the server's message types (and errors) to stderr.
 *   Inputs that mention "keep" (the witness's database), ATTACH or VACUUM (which can write files
 *   anywhere) are skipped, like fuzz_sql.c does for the last two.
 */
#include <dirent.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/thread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "auth.h"
#include "hba.h"
#include "mica.h"
#include "pglog.h"
#include "scram.h"
#include "server.h"
#include "workpool.h"

#define FUZZ_MAX_INPUT 20000
#define STOP_AFTER_MS 3000
#define HANG_AFTER_MS 20000

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The harness's state: one server, one loop (this thread), set up on the first input. */
static pgw_server srv;
static struct event_base *base;
static char dir[64];
static char template_path[128], roles_path[128], roles_text[1024];
static hba_rules *hba[4]; /* [0] unused: trust runs without rules */
static int verbose;       /* FUZZ_PROTO_VERBOSE set: the server's message types go to stderr */

/* A client end of a session and what the server sent it, checked message by message. */
typedef struct client {
  struct bufferevent *bev; /* our end of the pair */
  unsigned char *out;      /* server output not yet parsed */
  size_t len, cap;
  int typed_seen; /* the server sent a typed message (no more single-byte SSL/GSS answers) */
  int ready;      /* ReadyForQuery seen since last reset */
  char row[64];   /* last DataRow, as "v1|v2|..." */
} client;

static void die(const char *what, const char *detail) {
  fprintf(stderr, "fuzz_proto: %s%s%s\n", what, detail ? ": " : "", detail ? detail : "");
  abort();
}

static int64_t now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static uint32_t get32(const unsigned char *p) {
  return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void check_error_fields(const unsigned char *p, size_t n) {
  int sev = 0, code = 0, msg = 0;
  size_t i = 0;
  while (i < n && p[i]) {
    unsigned char f = p[i++];
    const unsigned char *z = memchr(p + i, 0, n - i);
    if (!z) die("ErrorResponse field without terminator", NULL);
    size_t l = (size_t)(z - (p + i));
    if (f == 'S') sev = l > 0;
    if (f == 'C') code = l == 5;
    if (f == 'M') msg = 1;
    i += l + 1;
  }
  if (i + 1 != n) die("ErrorResponse not terminated by a zero byte at its end", NULL);
  if (!sev || !code || !msg) die("ErrorResponse without severity, SQLSTATE or message", NULL);
}

/* Moves what the server wrote into c->out and checks every complete message. */
static void client_read(client *c) {
  struct evbuffer *in = bufferevent_get_input(c->bev);
  size_t n = evbuffer_get_length(in);
  if (n) {
    if (c->len + n > c->cap) {
      size_t cap = c->cap ? c->cap : 4096;
      while (cap < c->len + n)
        cap *= 2;
      unsigned char *p = realloc(c->out, cap);
      if (!p) die("out of memory", NULL);
      c->out = p;
      c->cap = cap;
    }
    evbuffer_remove(in, c->out + c->len, n);
    c->len += n;
  }
  size_t pos = 0;
  while (pos < c->len) {
    if (!c->typed_seen && c->out[pos] == 'N') {
      pos++; /* SSLRequest / GSSENCRequest refused */
      continue;
    }
    if (c->len - pos < 5) break;
    uint32_t l = get32(c->out + pos + 1);
    if (l < 4 || l > (1u << 30)) die("server sent a message with an invalid length", NULL);
    if (c->len - pos < 1 + (size_t)l) break;
    unsigned char type = c->out[pos];
    const unsigned char *body = c->out + pos + 5;
    size_t blen = l - 4;
    c->typed_seen = 1;
    if (verbose) {
      fprintf(stderr, "%c", type);
      if (type == 'E' || type == 'C')
        fprintf(stderr, "[%.*s]", (int)(blen < 200 ? blen : 200), (const char *)body);
    }
    if (type == 'E' || type == 'N') check_error_fields(body, blen);
    if (type == 'Z') c->ready = 1;
    if (type == 'D' && blen >= 2) {
      /* text values, joined with '|' (enough for the witness's two integers) */
      size_t k = 2, o = 0;
      int ncol = body[0] << 8 | body[1];
      for (int i = 0; i < ncol && k + 4 <= blen; i++) {
        uint32_t vl = get32(body + k);
        k += 4;
        if (vl == 0xffffffffu) continue;
        if (vl > blen - k) die("DataRow value longer than its message", NULL);
        for (uint32_t j = 0; j < vl && o + 2 < sizeof c->row; j++)
          c->row[o++] = (char)body[k + j];
        if (i + 1 < ncol && o + 2 < sizeof c->row) c->row[o++] = '|';
        k += vl;
      }
      c->row[o] = 0;
    }
    pos += 1 + (size_t)l;
  }
  if (pos) {
    memmove(c->out, c->out + pos, c->len - pos);
    c->len -= pos;
  }
}

static int client_open(client *c) {
  memset(c, 0, sizeof *c);
  struct bufferevent *pair[2];
  if (bufferevent_pair_new(base, BEV_OPT_THREADSAFE | BEV_OPT_DEFER_CALLBACKS, pair)) return -1;
  c->bev = pair[1];
  bufferevent_enable(c->bev, EV_READ | EV_WRITE);
  pgw_session_accept_bev(&srv, base, pair[0]); /* the session owns pair[0] from here */
  return 0;
}

static void client_free(client *c) {
  if (c->bev) bufferevent_free(c->bev);
  free(c->out);
  memset(c, 0, sizeof *c);
}

/* Runs the loop until nothing is in progress: no worker job and no active event (a job that has
 * finished has already activated whatever it wanted). Past STOP_AFTER_MS since start the sessions are
 * told to end; past HANG_AFTER_MS it is a hang. */
static void pump(client *c, int64_t start, int *stopped) {
  for (;;) {
    event_base_loop(base, EVLOOP_NONBLOCK);
    if (c) client_read(c);
    if (workpool_idle(srv.pool) && event_base_get_num_events(base, EVENT_BASE_COUNT_ACTIVE) == 0) return;
    int64_t el = now_ms() - start;
    if (el > HANG_AFTER_MS) die("session did not finish", NULL);
    if (el > STOP_AFTER_MS && !*stopped) {
      *stopped = 1;
      pgw_session_terminate_all(&srv);
    }
    struct timespec ts = {0, 50000};
    nanosleep(&ts, NULL);
  }
}

static void write_file(const char *path, const void *p, size_t n) {
  FILE *f = fopen(path, "wb");
  if (!f || fwrite(p, 1, n, f) != n || fclose(f)) die("cannot write", path);
}

static void copy_file(const char *from, const char *to) {
  FILE *f = fopen(from, "rb");
  if (!f) die("cannot read", from);
  static char buf[1 << 16];
  size_t n = fread(buf, 1, sizeof buf, f);
  if (!feof(f)) die("template database too large", from);
  fclose(f);
  write_file(to, buf, n);
}

static void exec_or_die(mica_db *db, const char *sql) {
  char *err = NULL;
  if (mica_exec(db, sql, NULL, NULL, &err) != MICA_OK) die(sql, err);
  mica_free(err);
}

static int first_column(void *arg, int ncol, char **values, char **names) {
  (void)names;
  if (ncol > 0 && values[0]) snprintf(arg, 64, "%s", values[0]);
  return 0;
}

/* ------------------------------------------------------------------------------------------------
 * The witness: a session on database "keep" that must keep answering with the committed rows.
 */
static client witness;

static void send_msg(client *c, char type, const char *body, size_t n) {
  unsigned char hdr[5] = {(unsigned char)type, (unsigned char)((n + 4) >> 24), (unsigned char)((n + 4) >> 16),
                          (unsigned char)((n + 4) >> 8), (unsigned char)(n + 4)};
  bufferevent_write(c->bev, hdr, 5);
  bufferevent_write(c->bev, body, n);
}

static void witness_connect(void) {
  static const char startup[] = "\0\0\0\0\0\3\0\0user\0postgres\0database\0keep\0\0";
  unsigned char pkt[sizeof startup - 1];
  memcpy(pkt, startup, sizeof pkt);
  pkt[3] = (unsigned char)sizeof pkt;
  /* Trust for the witness whatever the last input chose. */
  pthread_mutex_lock(&srv.mu);
  hba_rules *keep_hba = srv.hba;
  srv.hba = NULL;
  pthread_mutex_unlock(&srv.mu);
  if (client_open(&witness)) die("cannot create the witness's transport", NULL);
  bufferevent_write(witness.bev, pkt, sizeof pkt);
  int stopped = 1; /* never tell the witness to stop */
  pump(&witness, now_ms(), &stopped);
  pthread_mutex_lock(&srv.mu);
  srv.hba = keep_hba;
  pthread_mutex_unlock(&srv.mu);
  if (!witness.ready) die("the witness could not connect", NULL);
}

static void witness_check(void) {
  static const char q[] = "SELECT count(*), sum(v) FROM k";
  witness.ready = 0;
  witness.row[0] = 0;
  send_msg(&witness, 'Q', q, sizeof q);
  int stopped = 1;
  pump(&witness, now_ms(), &stopped);
  if (!witness.ready || strcmp(witness.row, "3|6")) die("the other session's answer changed", witness.row);
}

/* ------------------------------------------------------------------------------------------------
 * Set-up.
 */
/* At exit: the temporary data directory goes (its files are flat). */
static void remove_datadir(void) {
  DIR *d = opendir(dir);
  if (!d) return;
  struct dirent *e;
  char path[512];
  while ((e = readdir(d)) != NULL) {
    if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
    snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
    unlink(path);
  }
  closedir(d);
  rmdir(dir);
}

static void setup(void) {
  verbose = getenv("FUZZ_PROTO_VERBOSE") != NULL;
  pglog_set_level(PGLOG_PANIC);
  evthread_use_pthreads();
  snprintf(dir, sizeof dir, "/tmp/fuzz_proto.XXXXXX");
  if (!mkdtemp(dir)) die("mkdtemp", NULL);
  atexit(remove_datadir);
  memset(&srv, 0, sizeof srv);
  snprintf(srv.datadir, sizeof srv.datadir, "%s", dir);
  pthread_mutex_init(&srv.mu, NULL);
  pgconf_defaults(&srv.conf);
  srv.conf.statement_timeout = 1000;
  srv.next_pid = 1000;
  srv.pool = workpool_create(1, 4);
  base = event_base_new();
  if (!srv.pool || !base) die("cannot create the pool or the event base", NULL);

  /* The template of "postgres" (a table with rows, one with an index) and the witness's "keep". */
  char path[160];
  snprintf(template_path, sizeof template_path, "%s/template.db", dir);
  mica_db *db = NULL;
  if (mica_open(template_path, MICA_OPEN_READWRITE | MICA_OPEN_CREATE, &db) != MICA_OK)
    die("open", template_path);
  exec_or_die(db, "CREATE TABLE t(a INTEGER PRIMARY KEY, b TEXT, c REAL, d BLOB);"
                  "INSERT INTO t VALUES(1,'one',1.5,x'00ff'),(2,NULL,-2,NULL),(3,'three',3e10,x'');"
                  "CREATE TABLE u(x INT, y VARCHAR(10) UNIQUE); CREATE INDEX ux ON u(x);"
                  "INSERT INTO u VALUES(1,'a'),(2,'b');");
  mica_close(db);
  snprintf(path, sizeof path, "%s/keep.db", dir);
  db = NULL;
  if (mica_open(path, MICA_OPEN_READWRITE | MICA_OPEN_CREATE, &db) != MICA_OK) die("open", path);
  exec_or_die(db, "CREATE TABLE k(v INTEGER); INSERT INTO k VALUES(1),(2),(3);");
  mica_close(db);

  /* Authentication: roles with password "pw", one rule set per method. */
  char scram[256], md5[36];
  if (scram_make_verifier("pw", 4096, scram, sizeof scram)) die("scram_make_verifier", NULL);
  pgw_md5_verifier("pw", "m", md5);
  snprintf(roles_path, sizeof roles_path, "%s/micad.roles", dir);
  snprintf(roles_text, sizeof roles_text, "postgres:superuser,login:%s\nm:login:%s\nnl:nologin:\n", scram,
           md5);
  static const char *const methods[4] = {NULL, "password", "md5", "scram-sha-256"};
  for (int i = 1; i < 4; i++) {
    char text[128], err[256];
    snprintf(text, sizeof text, "local all all %s\n", methods[i]);
    if (hba_parse(text, &hba[i], err, sizeof err)) die("hba_parse", err);
  }
  witness_connect();
}

/* Files the input may have created (CREATE DATABASE) go; postgres.db is checked and removed. */
static void cleanup_datadir(void) {
  char path[512];
  snprintf(path, sizeof path, "%s/postgres.db", dir);
  mica_db *db = NULL;
  if (mica_open(path, MICA_OPEN_READWRITE, &db) != MICA_OK) die("postgres.db does not open", mica_errmsg(db));
  char result[64] = "";
  char *err = NULL;
  if (mica_exec(db, "PRAGMA integrity_check", first_column, result, &err) != MICA_OK || strcmp(result, "ok"))
    die("postgres.db fails integrity_check", err ? err : result);
  mica_free(err);
  mica_close(db);
  DIR *d = opendir(dir);
  if (!d) die("opendir", dir);
  struct dirent *e;
  while ((e = readdir(d)) != NULL) {
    if (e->d_name[0] == '.' || !strncmp(e->d_name, "keep.db", 7) || !strncmp(e->d_name, "template.db", 11) ||
        !strcmp(e->d_name, "micad.roles"))
      continue;
    snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
    unlink(path);
  }
  closedir(d);
}

static int skipped(const uint8_t *data, size_t size) {
  static const char *const words[] = {"keep", "attach", "vacuum"};
  for (size_t i = 0; i < size; i++)
    for (size_t w = 0; w < sizeof words / sizeof words[0]; w++) {
      size_t l = strlen(words[w]);
      if (size - i >= l && !strncasecmp((const char *)data + i, words[w], l)) return 1;
    }
  return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1 || size > FUZZ_MAX_INPUT || skipped(data, size)) return 0;
  if (!base) setup();
  int method = data[0] & 3, cut = data[0] >> 2;
  data++;
  size--;

  /* Fresh state: the database from its template, the roles as written at start, the chosen rules. */
  char path[512];
  snprintf(path, sizeof path, "%s/postgres.db", dir);
  copy_file(template_path, path);
  write_file(roles_path, roles_text, strlen(roles_text));
  struct roles *roles = NULL;
  char err[256];
  if (method && pgw_roles_load(roles_path, &roles, err, sizeof err)) die("pgw_roles_load", err);
  pthread_mutex_lock(&srv.mu);
  srv.hba = hba[method];
  pgw_roles_free(srv.roles);
  srv.roles = roles;
  srv.shutting_down = 0;
  pthread_mutex_unlock(&srv.mu);

  client c;
  if (client_open(&c)) die("cannot create a transport", NULL);
  int64_t start = now_ms();
  int stopped = 0;
  uint32_t lcg = (uint32_t)cut * 2654435761u + 1;
  int typed = 0; /* framing for cut 63: startup-phase packets until one is not SSL/GSS, then typed */
  for (size_t off = 0; off < size;) {
    size_t n = size - off;
    if (cut == 63) {
      size_t hdr = typed ? 5 : 4;
      if (n > hdr) {
        uint32_t l = get32(data + off + (typed ? 1 : 0));
        size_t whole = (size_t)l + (typed ? 1 : 0);
        if (l >= 4 && whole < n) n = whole;
        if (!typed && l == 8 && whole <= size - off) {
          uint32_t code = get32(data + off + 4);
          typed = code != 80877103 && code != 80877104;
        } else if (!typed)
          typed = 1;
      }
    } else if (cut) {
      lcg = lcg * 1103515245u + 12345u;
      size_t piece = 1 + (lcg >> 16) % 64;
      if (piece < n) n = piece;
    }
    bufferevent_write(c.bev, data + off, n);
    off += n;
    pump(&c, start, &stopped);
  }
  /* End of input: the client hangs up; wait until only the witness is left. */
  bufferevent_flush(c.bev, EV_WRITE, BEV_FINISHED);
  for (;;) {
    pump(&c, start, &stopped);
    if (pgw_session_count(&srv) <= (stopped ? 0 : 1)) break;
    if (now_ms() - start > HANG_AFTER_MS) die("session was not freed", NULL);
    struct timespec ts = {0, 100000};
    nanosleep(&ts, NULL);
  }
  if (c.len) die("server output ends inside a message", NULL);
  client_free(&c);

  if (stopped) {
    /* The shutdown path ended the witness too: wait until it is gone, then connect it again. */
    while (pgw_session_count(&srv) > 0) {
      pump(&witness, now_ms(), &stopped);
      if (now_ms() - start > HANG_AFTER_MS) die("sessions did not end at shutdown", NULL);
    }
    client_free(&witness);
    pthread_mutex_lock(&srv.mu);
    srv.shutting_down = 0;
    pthread_mutex_unlock(&srv.mu);
    witness_connect();
  }
  witness_check();
  cleanup_datadir();
  return 0;
}
