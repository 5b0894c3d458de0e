/*
 * session.c: one client connection of micad: transport hand-off between its event loop and the
 * worker pool, the startup phase (SSL/GSS negotiation, StartupMessage, CancelRequest), authentication,
 * session parameters, and the connection's end.
 *
 * STATES (enum pgw_state) and transitions
 *
 *     STARTUP --SSLRequest--> STARTUP (after 'N', or 'S' and a TLS handshake)
 *     STARTUP --GSSENCRequest--> STARTUP (after 'N')
 *     STARTUP --CancelRequest--> closed (no reply)
 *     STARTUP --StartupMessage--> AUTH (password/SASL exchange) --ok--> OPENING
 *                             \-------------------(trust)-------------> OPENING
 *     OPENING --worker opened the database, sent AuthenticationOk..ReadyForQuery--> READY
 *     READY   --messages run on the worker--> READY
 *     any     --Terminate, FATAL, peer gone, shutdown--> CLOSING --> freed
 *
 * THREADS AND HAND-OFF
 *   A session belongs to one event loop (s->base); its bufferevent is thread-safe with deferred
 *   callbacks, so its callbacks always run in that loop's thread. STARTUP and AUTH run in the loop
 *   (they are cheap and touch no engine state). From OPENING on, the loop only watches for input: when a
 *   complete message is buffered it sets s->busy and submits a job; the worker then reads and handles
 *   every complete message, writing replies to the bufferevent (s->out batches them; output beyond
 *   OUTPUT_HIGH makes the worker wait for the socket to drain, so a large result cannot exhaust memory),
 *   and finally clears busy and activates s->kick_ev under s->mu. The loop never reads messages or frees
 *   the session while busy is set; a worker never touches the session after clearing busy.
 *
 * TRANSPORT
 *   A session reads and writes only through its bufferevent: a socket's (pgw_session_accept; TLS may
 *   replace it after SSLRequest) or one end of an in-memory bufferevent pair (pgw_session_accept_bev,
 *   s->fd == -1: no TLS, no direct send), which lets the protocol fuzzer (regress/fuzz/fuzz_proto.c) drive
 *   this same state machine from a buffer. Everything below is the same for both.
 *
 * CLOSING
 *   close_mode 1 (we close: Terminate, FATAL, shutdown) stops reading and closes once the output has
 *   drained; close_mode 2 (peer gone) closes at once. Either way the engine side (statements, the
 *   mica_db) is released on a worker (mica_close may do I/O), then the loop frees the rest.
 *
 * LOCK ORDER: bufferevent lock -> srv->mu -> s->mu (libevent runs a bufferevent's callbacks with its lock
 * held); never take a bufferevent lock while holding s->mu or srv->mu.
 *
 * CANCEL AND TIMEOUT
 *   Sessions are registered in srv->sessions under srv->mu with a pid and random secret (BackendKeyData).
 *   A CancelRequest with a matching pair, or the statement_timeout timer, calls mica_interrupt on the
 *   session's db only while s->running is set (under srv->mu), so an interrupt never outlives its
 *   statement.
 */
#include <errno.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <openssl/err.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include "pglog.h"
#include "pgtypes.h"
#include "session_int.h"

#define OUTPUT_HIGH (4u << 20)   /* worker waits when the socket's output exceeds this */
#define OUTPUT_BATCH (64u << 10) /* worker moves s->out to the socket past this size */
#define INPUT_HIGH (16u << 20)   /* input read ahead of the worker, unless one message is larger */

#define PROTO_SSL 80877103
#define PROTO_GSSENC 80877104
#define PROTO_CANCEL 80877102

static void read_cb(struct bufferevent *bev, void *arg);
static void write_cb(struct bufferevent *bev, void *arg);
static void event_cb(struct bufferevent *bev, short what, void *arg);
static void kick_cb(evutil_socket_t fd, short what, void *arg);
static void timeout_cb(evutil_socket_t fd, short what, void *arg);
static void auth_timeout_cb(evutil_socket_t fd, short what, void *arg);
static void worker_job(void *arg);
static void close_job(void *arg);
static void finish_close(pgw_session *s);
static void request_close(pgw_session *s);
static void set_read_high(pgw_session *s, size_t high);

/* ------------------------------------------------------------------------------------------------
 * Database files.
 */
int pgw_database_path(const pgw_server *srv, const char *name, char *out, size_t outlen) {
  if (!name || !*name || strlen(name) > 63 || strchr(name, '/') || name[0] == '.') return -1;
  for (const char *p = name; *p; p++)
    if ((unsigned char)*p < 32) return -1;
  int n = snprintf(out, outlen, "%s/%s.db", srv->datadir, name);
  return n < 0 || (size_t)n >= outlen ? -1 : 0;
}

/* ------------------------------------------------------------------------------------------------
 * Output helpers (any thread that owns the session: the loop before OPENING, the worker after).
 */
static void put_error_fields(pqbuf *b, const char *severity, const char *sqlstate, const char *msg,
                             int position, const char *hint) {
  pqbuf_put_byte(b, 'S');
  pqbuf_put_string(b, severity);
  pqbuf_put_byte(b, 'V');
  pqbuf_put_string(b, severity);
  pqbuf_put_byte(b, 'C');
  pqbuf_put_string(b, sqlstate);
  pqbuf_put_byte(b, 'M');
  pqbuf_put_string(b, msg);
  if (position > 0) {
    char pos[16];
    snprintf(pos, sizeof pos, "%d", position);
    pqbuf_put_byte(b, 'P');
    pqbuf_put_string(b, pos);
  }
  if (hint) {
    pqbuf_put_byte(b, 'H');
    pqbuf_put_string(b, hint);
  }
  pqbuf_put_byte(b, 0);
}

void pgw_send_error(pgw_session *s, const char *severity, const char *sqlstate, const char *msg,
                    int position) {
  pqbuf_start(&s->out, 'E');
  put_error_fields(&s->out, severity, sqlstate, msg, position, NULL);
  pqbuf_finish(&s->out);
}

void pgw_send_error_hint(pgw_session *s, const char *sqlstate, const char *msg, const char *hint) {
  pqbuf_start(&s->out, 'E');
  put_error_fields(&s->out, "ERROR", sqlstate, msg, 0, hint);
  pqbuf_finish(&s->out);
}

void pgw_send_notice(pgw_session *s, const char *severity, const char *sqlstate, const char *msg) {
  pqbuf_start(&s->out, 'N');
  put_error_fields(&s->out, severity, sqlstate, msg, 0, NULL);
  pqbuf_finish(&s->out);
}

void pgw_send_ready(pgw_session *s) {
  pqbuf_start(&s->out, 'Z');
  pqbuf_put_byte(&s->out, s->tx_failed ? 'E' : (s->db && !mica_get_autocommit(s->db)) ? 'T' : 'I');
  pqbuf_finish(&s->out);
}

void pgw_send_parameter_status(pgw_session *s, const char *name, const char *value) {
  pqbuf_start(&s->out, 'S');
  pqbuf_put_string(&s->out, name);
  pqbuf_put_string(&s->out, value);
  pqbuf_finish(&s->out);
}

/* Loop thread: move s->out to the socket without waiting. */
static void loop_flush(pgw_session *s) {
  if (s->out.len) bufferevent_write(s->bev, s->out.data, s->out.len);
  pqbuf_reset(&s->out);
}

void pgw_session_flush(pgw_session *s) {
  if (s->out.len) {
    /* Plain sockets: when nothing is queued in the bufferevent, the worker sends directly (without
     * blocking); only what the socket does not take is queued for the loop to write. This saves the
     * loop a wake-up per reply. Order is kept: the bufferevent lock is held and its output is empty. */
    size_t done = 0;
    bufferevent_lock(s->bev);
    if (!s->tls && s->fd >= 0 && evbuffer_get_length(bufferevent_get_output(s->bev)) == 0) {
      while (done < s->out.len) {
        ssize_t w = send(s->fd, s->out.data + done, s->out.len - done, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (w > 0)
          done += (size_t)w;
        else if (w < 0 && errno == EINTR)
          continue;
        else
          break; /* EAGAIN, or an error the bufferevent will report */
      }
    }
    if (done < s->out.len) bufferevent_write(s->bev, s->out.data + done, s->out.len - done);
    bufferevent_unlock(s->bev);
    pqbuf_reset(&s->out);
  }
  /* Back-pressure: wait until the loop has written the socket down (write_cb signals). The output
   * length is read without s->mu: callbacks hold the bufferevent lock when they take s->mu, so holding
   * s->mu here while taking the bufferevent lock would invert the order. A wake-up lost between the
   * check and the wait costs at most the 50 ms timeout. */
  for (;;) {
    if (evbuffer_get_length(bufferevent_get_output(s->bev)) <= OUTPUT_HIGH) break;
    pthread_mutex_lock(&s->mu);
    int gone = s->close_mode == 2;
    if (!gone) {
      struct timespec ts;
      clock_gettime(CLOCK_REALTIME, &ts);
      ts.tv_nsec += 50 * 1000000;
      if (ts.tv_nsec >= 1000000000) ts.tv_sec++, ts.tv_nsec -= 1000000000;
      pthread_cond_timedwait(&s->cv, &s->mu, &ts);
    }
    pthread_mutex_unlock(&s->mu);
    if (gone) break;
  }
}

/* Sends a FATAL error and closes once it is written (loop thread). */
static void loop_fatal(pgw_session *s, const char *sqlstate, const char *msg) {
  pgw_send_error(s, "FATAL", sqlstate, msg, 0);
  loop_flush(s);
  request_close(s);
}

/* ------------------------------------------------------------------------------------------------
 * Session parameters.
 */
static const char *const reported[] = {"application_name",
                                       "client_encoding",
                                       "DateStyle",
                                       "default_transaction_read_only",
                                       "in_hot_standby",
                                       "integer_datetimes",
                                       "IntervalStyle",
                                       "is_superuser",
                                       "server_encoding",
                                       "server_version",
                                       "session_authorization",
                                       "standard_conforming_strings",
                                       "TimeZone",
                                       "search_path"};

static pgw_guc *guc_find(pgw_session *s, const char *name) {
  for (pgw_guc *g = s->gucs; g; g = g->next)
    if (!strcasecmp(g->name, name)) return g;
  return NULL;
}

const char *pgw_guc_get(pgw_session *s, const char *name) {
  pgw_guc *g = guc_find(s, name);
  return g ? g->value : NULL;
}

static char *xstrdup(const char *v) {
  char *p = strdup(v ? v : "");
  if (!p) abort(); /* out of memory on a tiny string: nothing sensible left to do */
  return p;
}

int pgw_guc_set(pgw_session *s, const char *name, const char *value) {
  pgw_guc *g = guc_find(s, name);
  if (!g) {
    if (!value) return -1;
    g = calloc(1, sizeof *g);
    if (!g) return -1;
    g->name = xstrdup(name);
    for (size_t i = 0; i < sizeof reported / sizeof reported[0]; i++)
      if (!strcasecmp(reported[i], name)) {
        g->report = 1;
        free(g->name);
        g->name = xstrdup(reported[i]);
      }
    g->boot = xstrdup(value);
    g->next = s->gucs;
    s->gucs = g;
  }
  const char *v = value ? value : g->boot;
  char *nv = xstrdup(v);
  free(g->value);
  g->value = nv;
  if (!strcasecmp(g->name, "statement_timeout")) {
    int ms;
    if (!pgconf_parse_ms(g->value, &ms)) s->statement_timeout = ms;
  }
  if (g->report && s->state >= PGW_OPENING) pgw_send_parameter_status(s, g->name, g->value);
  return 0;
}

void pgw_guc_free_all(pgw_session *s) {
  while (s->gucs) {
    pgw_guc *g = s->gucs;
    s->gucs = g->next;
    free(g->name);
    free(g->value);
    free(g->boot);
    free(g);
  }
}

/* Boot values: set before the session is READY, so nothing is reported yet. */
static void guc_boot(pgw_session *s, const char *name, const char *value) {
  pgw_guc *g = guc_find(s, name);
  (void)pgw_guc_set(s, name, value);
  g = guc_find(s, name);
  if (g) {
    free(g->boot);
    g->boot = xstrdup(value);
  }
}

/* ------------------------------------------------------------------------------------------------
 * Registry.
 */
static void registry_add(pgw_session *s) {
  pgw_server *srv = s->srv;
  pthread_mutex_lock(&srv->mu);
  s->reg_next = srv->sessions;
  if (srv->sessions) srv->sessions->reg_prev = s;
  srv->sessions = s;
  srv->nsessions++;
  s->pid = ++srv->next_pid;
  if (srv->next_pid >= 0x3fffffff) srv->next_pid = 1000;
  pthread_mutex_unlock(&srv->mu);
  if (RAND_bytes((unsigned char *)&s->secret, sizeof s->secret) != 1) s->secret = (int32_t)random();
}

static void registry_remove(pgw_session *s) {
  pgw_server *srv = s->srv;
  pthread_mutex_lock(&srv->mu);
  if (s->reg_prev)
    s->reg_prev->reg_next = s->reg_next;
  else
    srv->sessions = s->reg_next;
  if (s->reg_next) s->reg_next->reg_prev = s->reg_prev;
  srv->nsessions--;
  pthread_mutex_unlock(&srv->mu);
}

int pgw_session_count(pgw_server *srv) {
  pthread_mutex_lock(&srv->mu);
  int n = srv->nsessions;
  pthread_mutex_unlock(&srv->mu);
  return n;
}

void pgw_session_terminate_all(pgw_server *srv) {
  pthread_mutex_lock(&srv->mu);
  srv->shutting_down = 1;
  for (pgw_session *s = srv->sessions; s; s = s->reg_next) {
    pthread_mutex_lock(&s->mu);
    s->terminate = 1;
    event_active(s->kick_ev, EV_READ, 0);
    pthread_mutex_unlock(&s->mu);
    if (s->running && s->db) mica_interrupt(s->db);
  }
  pthread_mutex_unlock(&srv->mu);
}

static void handle_cancel(pgw_server *srv, int32_t pid, int32_t secret) {
  pthread_mutex_lock(&srv->mu);
  for (pgw_session *s = srv->sessions; s; s = s->reg_next) {
    if (s->pid == pid && s->secret == secret) {
      if (s->running && s->db) {
        s->cancelled = 1;
        mica_interrupt(s->db);
      }
      break;
    }
  }
  pthread_mutex_unlock(&srv->mu);
}

/* ------------------------------------------------------------------------------------------------
 * Statement bookkeeping (worker thread).
 */
void pgw_statement_begin(pgw_session *s) {
  pthread_mutex_lock(&s->srv->mu);
  s->running = 1;
  s->cancelled = 0;
  s->timed_out = 0;
  int terminate = s->srv->shutting_down;
  pthread_mutex_unlock(&s->srv->mu);
  if (terminate && s->db) mica_interrupt(s->db);
  if (s->statement_timeout > 0) {
    struct timeval tv = {s->statement_timeout / 1000, (s->statement_timeout % 1000) * 1000};
    event_add(s->timeout_ev, &tv);
  }
}

void pgw_statement_end(pgw_session *s) {
  if (s->statement_timeout > 0 || event_pending(s->timeout_ev, EV_TIMEOUT, NULL)) event_del(s->timeout_ev);
  pthread_mutex_lock(&s->srv->mu);
  s->running = 0;
  pthread_mutex_unlock(&s->srv->mu);
}

static void timeout_cb(evutil_socket_t fd, short what, void *arg) {
  pgw_session *s = arg;
  pthread_mutex_lock(&s->srv->mu);
  if (s->running && s->db) {
    s->timed_out = 1;
    mica_interrupt(s->db);
  }
  pthread_mutex_unlock(&s->srv->mu);
}

/* ------------------------------------------------------------------------------------------------
 * Life cycle.
 */
/* A new session in STARTUP over transport bev (NULL: create a socket bufferevent on fd). Takes
 * ownership of fd and bev, also when it fails. */
static void session_open(pgw_server *srv, struct event_base *base, evutil_socket_t fd,
                         struct bufferevent *bev, const struct sockaddr *addr, int addrlen, int is_unix) {
  pgw_session *s = calloc(1, sizeof *s);
  if (!s) {
    if (bev) bufferevent_free(bev);
    if (fd >= 0) evutil_closesocket(fd);
    return;
  }
  s->srv = srv;
  s->base = base;
  s->fd = fd;
  s->is_unix = is_unix;
  s->state = PGW_STARTUP;
  pqbuf_init(&s->out);
  pthread_mutex_init(&s->mu, NULL);
  pthread_cond_init(&s->cv, NULL);
  if (is_unix || !addr)
    snprintf(s->peer, sizeof s->peer, "[local]");
  else if (addr->sa_family == AF_INET) {
    char ip[INET_ADDRSTRLEN];
    inet_ntop(AF_INET, &((const struct sockaddr_in *)addr)->sin_addr, ip, sizeof ip);
    snprintf(s->peer, sizeof s->peer, "%s", ip);
  } else if (addr->sa_family == AF_INET6) {
    char ip[INET6_ADDRSTRLEN];
    inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)addr)->sin6_addr, ip, sizeof ip);
    snprintf(s->peer, sizeof s->peer, "%s", ip);
  }
  if (addr && addrlen > 0 && (size_t)addrlen <= sizeof s->peer_addr)
    memcpy(&s->peer_addr, addr, (size_t)addrlen);
  s->loop_phase = 1;
  if (bev) {
    s->bev = bev;
    s->bev_owns_fd = 1; /* no socket of ours to close */
  } else {
    evutil_make_socket_nonblocking(fd);
    s->bev = bufferevent_socket_new(base, fd, BEV_OPT_THREADSAFE | BEV_OPT_DEFER_CALLBACKS);
  }
  s->kick_ev = event_new(base, -1, 0, kick_cb, s);
  s->timeout_ev = evtimer_new(base, timeout_cb, s);
  s->auth_ev = evtimer_new(base, auth_timeout_cb, s);
  if (!s->bev || !s->kick_ev || !s->timeout_ev || !s->auth_ev) {
    if (s->bev) bufferevent_free(s->bev);
    if (s->kick_ev) event_free(s->kick_ev);
    if (s->timeout_ev) event_free(s->timeout_ev);
    if (s->auth_ev) event_free(s->auth_ev);
    if (fd >= 0) evutil_closesocket(fd);
    pthread_mutex_destroy(&s->mu);
    pthread_cond_destroy(&s->cv);
    free(s);
    return;
  }
  registry_add(s);
  pthread_mutex_lock(&srv->mu);
  int auth_ms = srv->conf.authentication_timeout;
  int log_conn = srv->conf.log_connections;
  s->log_disconnections = srv->conf.log_disconnections;
  s->statement_timeout = srv->conf.statement_timeout;
  const char *ls = srv->conf.log_statement;
  s->log_statement = !strcmp(ls, "all") ? 3 : !strcmp(ls, "mod") ? 2 : !strcmp(ls, "ddl") ? 1 : 0;
  pthread_mutex_unlock(&srv->mu);
  if (log_conn) pglog(PGLOG_LOG, "connection received: host=%s", s->peer);
  struct timeval tv = {auth_ms / 1000, (auth_ms % 1000) * 1000};
  event_add(s->auth_ev, &tv);
  bufferevent_setcb(s->bev, read_cb, write_cb, event_cb, s);
  set_read_high(s, INPUT_HIGH);
  bufferevent_enable(s->bev, EV_READ | EV_WRITE);
}

void pgw_session_accept(pgw_server *srv, struct event_base *base, evutil_socket_t fd,
                        const struct sockaddr *addr, int addrlen, int is_unix) {
  session_open(srv, base, fd, NULL, addr, addrlen, is_unix);
}

void pgw_session_accept_bev(pgw_server *srv, struct event_base *base, struct bufferevent *bev) {
  session_open(srv, base, -1, bev, NULL, 0, 1);
}

static void session_free(pgw_session *s) {
  pgw_notify_session_gone(s);
  pgw_advisory_release_all(s);
  registry_remove(s);
  if (s->log_disconnections)
    pglog(PGLOG_LOG, "disconnection: user=%s database=%s host=%s", s->user ? s->user : "?",
          s->database ? s->database : "?", s->peer);
  event_free(s->kick_ev);
  event_free(s->timeout_ev);
  event_free(s->auth_ev);
  bufferevent_free(s->bev);
  if (!s->bev_owns_fd && s->fd >= 0) evutil_closesocket(s->fd);
  pgw_auth_free(s);
  pgw_guc_free_all(s);
  free(s->user);
  free(s->database);
  pqbuf_free(&s->out);
  pthread_mutex_destroy(&s->mu);
  pthread_cond_destroy(&s->cv);
  free(s);
}

/* Loop thread: release the session once no worker owns it. */
static void finish_close(pgw_session *s) {
  pthread_mutex_lock(&s->mu);
  int busy = s->busy;
  if (!busy && (s->db || s->pstmts || s->portals)) {
    s->busy = 1;
    pthread_mutex_unlock(&s->mu);
    if (workpool_submit(s->srv->pool, close_job, s) == 0) return;
    close_job(s); /* pool stopping: release inline */
    return;
  }
  pthread_mutex_unlock(&s->mu);
  if (busy) return; /* the worker's kick brings us back */
  session_free(s);
}

/* Loop thread: stop reading; close once queued output is written. Never frees synchronously (callers
 * may still use s): the kick event finishes the job from a fresh callback. */
static void request_close(pgw_session *s) {
  s->state = PGW_CLOSING;
  s->loop_phase = 0;
  bufferevent_disable(s->bev, EV_READ);
  pthread_mutex_lock(&s->mu);
  if (s->close_mode == 0) s->close_mode = 1;
  event_active(s->kick_ev, EV_READ, 0);
  pthread_mutex_unlock(&s->mu);
}

static void close_job(void *arg) {
  pgw_session *s = arg;
  pgw_query_cleanup(s);
  if (s->db) {
    if (mica_close(s->db) != MICA_OK) mica_close_v2(s->db);
    s->db = NULL;
  }
  pthread_mutex_lock(&s->mu);
  s->busy = 0;
  event_active(s->kick_ev, EV_READ, 0);
  pthread_mutex_unlock(&s->mu);
}

static void write_cb(struct bufferevent *bev, void *arg) {
  pgw_session *s = arg;
  pthread_mutex_lock(&s->mu);
  pthread_cond_broadcast(&s->cv);
  int mode = s->close_mode;
  pthread_mutex_unlock(&s->mu);
  if (mode == 1 && evbuffer_get_length(bufferevent_get_output(bev)) == 0) finish_close(s);
}

static void event_cb(struct bufferevent *bev, short what, void *arg) {
  pgw_session *s = arg;
  if (what & BEV_EVENT_CONNECTED) return;
  if (!(what & (BEV_EVENT_EOF | BEV_EVENT_ERROR))) return;
  if (what & BEV_EVENT_ERROR) {
    unsigned long e;
    while ((e = bufferevent_get_openssl_error(bev)) != 0) {
      char buf[256];
      ERR_error_string_n(e, buf, sizeof buf);
      pglog(PGLOG_LOG, "could not accept SSL connection: %s", buf);
    }
  }
  s->state = PGW_CLOSING;
  bufferevent_disable(bev, EV_READ | EV_WRITE);
  pthread_mutex_lock(&s->mu);
  s->close_mode = 2;
  pthread_cond_broadcast(&s->cv);
  pthread_mutex_unlock(&s->mu);
  pthread_mutex_lock(&s->srv->mu);
  if (s->running && s->db) mica_interrupt(s->db);
  pthread_mutex_unlock(&s->srv->mu);
  finish_close(s);
}

static void auth_timeout_cb(evutil_socket_t fd, short what, void *arg) {
  pgw_session *s = arg;
  if (s->state == PGW_STARTUP || s->state == PGW_AUTH) {
    pglog(PGLOG_LOG, "authentication timeout for host=%s", s->peer);
    request_close(s);
  }
}

static void set_read_high(pgw_session *s, size_t high) {
  s->read_high = high;
  bufferevent_setwatermark(s->bev, EV_READ, 0, high);
}

/* Frames the next message of a READY session's input (whoever owns the session): 1 with *total when
 * it is all there, 0 when more is needed, -1 when its length word is invalid (below 4, or above the
 * limit of its type: 1 GB, or 10000 for the small messages, as PostgreSQL). A first byte that is no
 * frontend message type is a whole "message" of its own (*total 1): it is refused at once, without
 * waiting for a body that a confused client may never send. */
static int next_frame(struct evbuffer *in, size_t *total) {
  size_t n = evbuffer_get_length(in);
  if (n < 1) return 0;
  const unsigned char *hdr = evbuffer_pullup(in, n < 5 ? 1 : 5);
  size_t max = pq_type_max_length(hdr[0]);
  if (max == 0) {
    *total = 1;
    return 1;
  }
  if (n < 5) return 0;
  return pq_frame(hdr, n, 1, max, total);
}

/* Loop thread: if a complete message is buffered and no worker owns the session, hand it over. */
static void maybe_dispatch(pgw_session *s) {
  struct evbuffer *in = bufferevent_get_input(s->bev);
  size_t total = 0;
  int rc = next_frame(in, &total);
  if (rc == 0 && evbuffer_get_length(in) < 5) {
    if (s->read_high != INPUT_HIGH) set_read_high(s, INPUT_HIGH);
    return;
  }
  /* Input is read up to a high-water mark so a client that sends faster than its statements run
   * cannot grow our buffer without bound; a single larger (valid) message raises the mark for itself
   * (pq_frame sets total also when the message is incomplete). */
  size_t want = rc >= 0 && total > INPUT_HIGH ? total : INPUT_HIGH;
  if (want != s->read_high) set_read_high(s, want);
  if (rc == 0) return;
  if (rc < 0) {
    /* Let the worker report it in order after earlier replies: simplest is to do it here, as no
     * worker owns the session. */
    pglog(PGLOG_LOG, "invalid message length from %s", s->peer);
    loop_fatal(s, "08P01", "invalid message length");
    return;
  }
  pthread_mutex_lock(&s->mu);
  s->busy = 1;
  pthread_mutex_unlock(&s->mu);
  if (workpool_submit(s->srv->pool, worker_job, s)) {
    pthread_mutex_lock(&s->mu);
    s->busy = 0;
    pthread_mutex_unlock(&s->mu);
    loop_fatal(s, "57P01", "terminating connection due to administrator command");
  }
}

static void kick_cb(evutil_socket_t fd, short what, void *arg) {
  pgw_session *s = arg;
  pgw_notify_drain(s);
  pthread_mutex_lock(&s->mu);
  int busy = s->busy, want_close = s->want_close, mode = s->close_mode, terminate = s->terminate;
  pthread_mutex_unlock(&s->mu);
  if (busy) return;
  if (mode == 2 || s->state == PGW_CLOSING) {
    if (mode == 2 || evbuffer_get_length(bufferevent_get_output(s->bev)) == 0) finish_close(s);
    return;
  }
  if (want_close) {
    request_close(s);
    return;
  }
  if (terminate) {
    loop_fatal(s, "57P01", "terminating connection due to administrator command");
    return;
  }
  if (s->state == PGW_READY) maybe_dispatch(s);
}

/* ------------------------------------------------------------------------------------------------
 * Worker side.
 */
static void open_database(pgw_session *s) {
  char path[PATH_MAX + 80];
  char msg[512];
  struct stat st;
  if (pgw_database_path(s->srv, s->database, path, sizeof path) || stat(path, &st) != 0) {
    snprintf(msg, sizeof msg, "database \"%s\" does not exist", s->database);
    pgw_send_error(s, "FATAL", "3D000", msg, 0);
    s->want_close = 1;
    return;
  }
  mica_db *db = NULL;
  /* A connection to the same file that is closing at this moment can make the open fail transiently
   * (the engine's shared database object is being torn down): retry for up to a second. */
  int rc = MICA_OK;
  for (int attempt = 0; attempt < 50; attempt++) {
    rc = mica_open(path, MICA_OPEN_READWRITE, &db);
    if (rc != MICA_CANTOPEN && (rc & 0xff) != MICA_BUSY) break;
    if (db) mica_close(db);
    db = NULL;
    struct timespec ts = {0, 20 * 1000000};
    nanosleep(&ts, NULL);
  }
  if (rc != MICA_OK) {
    snprintf(msg, sizeof msg, "could not open database \"%s\": %s", s->database,
             db ? mica_errmsg(db) : mica_errstr(rc));
    if (db) mica_close(db);
    pgw_send_error(s, "FATAL", rc == MICA_NOMEM ? "53200" : "58030", msg, 0);
    s->want_close = 1;
    return;
  }
  mica_db_config(db, MICA_DBCONFIG_DIALECT, MICA_DIALECT_POSTGRES);
  /* PostgreSQL always enforces foreign keys (SQLite's default is off) */
  mica_db_config(db, MICA_DBCONFIG_ENABLE_FKEY, 1, (int *)NULL);
  pthread_mutex_lock(&s->srv->mu);
  s->db = db;
  pthread_mutex_unlock(&s->srv->mu);
  if (pgw_functions_register(s) != MICA_OK) {
    pgw_send_error(s, "FATAL", "53200", "out of memory", 0);
    s->want_close = 1;
    return;
  }
  pthread_mutex_lock(&s->srv->mu);
  int lock_ms = s->srv->conf.lock_timeout;
  pthread_mutex_unlock(&s->srv->mu);
  mica_busy_timeout(db, lock_ms > 0 ? lock_ms : 60000);
  pthread_mutex_lock(&s->srv->mu);
  s->db = db;
  pthread_mutex_unlock(&s->srv->mu);

  pqbuf_start(&s->out, 'R');
  pqbuf_put_int32(&s->out, 0); /* AuthenticationOk */
  pqbuf_finish(&s->out);
  for (pgw_guc *g = s->gucs; g; g = g->next)
    if (g->report) pgw_send_parameter_status(s, g->name, g->value);
  pqbuf_start(&s->out, 'K');
  pqbuf_put_int32(&s->out, s->pid);
  pqbuf_put_int32(&s->out, s->secret);
  pqbuf_finish(&s->out);
  s->state = PGW_READY;
  pgw_send_ready(s);
}

static void worker_job(void *arg) {
  pgw_session *s = arg;
  if (s->state == PGW_OPENING) open_database(s);
  while (s->state == PGW_READY && !s->want_close) {
    pthread_mutex_lock(&s->mu);
    int stop = s->terminate || s->close_mode == 2;
    pthread_mutex_unlock(&s->mu);
    if (stop) break;
    bufferevent_lock(s->bev);
    struct evbuffer *in = bufferevent_get_input(s->bev);
    size_t total = 0;
    int rc = next_frame(in, &total);
    unsigned char *msg = NULL;
    if (rc > 0) {
      msg = malloc(total);
      if (msg) evbuffer_remove(in, msg, total);
    }
    bufferevent_unlock(s->bev);
    if (rc < 0) {
      pgw_send_error(s, "FATAL", "08P01", "invalid message length", 0);
      s->want_close = 1;
      break;
    }
    if (rc == 0) break;
    if (!msg) {
      pgw_send_error(s, "FATAL", "53200", "out of memory", 0);
      s->want_close = 1;
      break;
    }
    if (total == 1)
      pgw_query_message(s, (char)msg[0], msg + 1, 0); /* not a message type: refused */
    else
      pgw_query_message(s, (char)msg[0], msg + 5, total - 5);
    free(msg);
    if (s->out.len > OUTPUT_BATCH) pgw_session_flush(s);
  }
  pgw_session_flush(s);
  /* Hand the session back. The loop needs a kick only if something is left for it: buffered input
   * (its read callback saw busy set and skipped it; input appended after busy is cleared makes the
   * read callback dispatch it), a close, a termination or queued notifications. */
  pthread_mutex_lock(&s->mu);
  s->busy = 0;
  int kick = s->want_close || s->terminate || s->close_mode || s->state != PGW_READY || s->inbox != NULL;
  pthread_mutex_unlock(&s->mu);
  if (!kick) {
    bufferevent_lock(s->bev);
    kick = evbuffer_get_length(bufferevent_get_input(s->bev)) > 0;
    bufferevent_unlock(s->bev);
  }
  if (kick) event_active(s->kick_ev, EV_READ, 0);
}

/* ------------------------------------------------------------------------------------------------
 * Startup phase (loop thread).
 */
static void start_tls(pgw_session *s) {
  pthread_mutex_lock(&s->srv->mu);
  SSL_CTX *ctx = s->srv->ssl_ctx;
  SSL *ssl = ctx && s->fd >= 0 ? SSL_new(ctx) : NULL; /* no TLS over an in-memory transport */
  pthread_mutex_unlock(&s->srv->mu);
  if (!ssl) {
    bufferevent_write(s->bev, "N", 1);
    return;
  }
  char reply = 'S';
  /* Nothing has been written on this socket yet, so one byte goes straight out before TLS. */
  ssize_t w;
  do
    w = send(s->fd, &reply, 1, MSG_NOSIGNAL);
  while (w < 0 && errno == EINTR);
  if (w != 1) {
    SSL_free(ssl);
    request_close(s);
    return;
  }
  bufferevent_free(s->bev);
  s->bev =
      bufferevent_openssl_socket_new(s->base, s->fd, ssl, BUFFEREVENT_SSL_ACCEPTING,
                                     BEV_OPT_THREADSAFE | BEV_OPT_DEFER_CALLBACKS | BEV_OPT_CLOSE_ON_FREE);
  if (!s->bev) {
    /* Cannot continue; the fd is still ours. */
    s->bev = bufferevent_socket_new(s->base, s->fd, BEV_OPT_THREADSAFE | BEV_OPT_DEFER_CALLBACKS);
    SSL_free(ssl);
    if (!s->bev) abort();
    bufferevent_setcb(s->bev, read_cb, write_cb, event_cb, s);
    request_close(s);
    return;
  }
  s->bev_owns_fd = 1;
  s->tls = 1;
  bufferevent_openssl_set_allow_dirty_shutdown(s->bev, 1);
  bufferevent_setcb(s->bev, read_cb, write_cb, event_cb, s);
  set_read_high(s, INPUT_HIGH);
  bufferevent_enable(s->bev, EV_READ | EV_WRITE);
}

static void apply_options(pgw_session *s, const char *opts) {
  /* "-c name=value" / "--name=value" words separated by spaces (backslash escapes a space). */
  char word[512] = {0};
  int expect_c = 0;
  const char *p = opts;
  while (*p) {
    while (*p == ' ')
      p++;
    if (!*p) break;
    size_t n = 0;
    while (*p && *p != ' ' && n < sizeof word - 1) {
      if (*p == '\\' && p[1]) p++;
      word[n++] = *p++;
    }
    word[n] = 0;
    const char *kv = NULL;
    if (expect_c)
      kv = word, expect_c = 0;
    else if (!strcmp(word, "-c"))
      expect_c = 1;
    else if (!strncmp(word, "-c", 2))
      kv = word + 2;
    else if (!strncmp(word, "--", 2))
      kv = word + 2;
    if (kv) {
      char *eq = strchr(kv, '=');
      if (eq) {
        *eq = 0;
        for (char *q = (char *)kv; *q; q++)
          if (*q == '-') *q = '_';
        guc_boot(s, kv, eq + 1);
      }
    }
  }
}

static void handle_startup_message(pgw_session *s, pqmsg *m, int32_t proto) {
  int major = proto >> 16, minor = proto & 0xffff;
  if (major != 3) {
    char msg[128];
    snprintf(msg, sizeof msg, "unsupported frontend protocol %d.%d: server supports 3.0 to 3.0", major,
             minor);
    loop_fatal(s, "0A000", msg);
    return;
  }
  /* Boot values of the session parameters; the client's choices override them below. */
  pthread_mutex_lock(&s->srv->mu);
  char timeout[32];
  snprintf(timeout, sizeof timeout, "%d", s->srv->conf.statement_timeout);
  char maxconn[32];
  snprintf(maxconn, sizeof maxconn, "%d", s->srv->conf.max_connections);
  pthread_mutex_unlock(&s->srv->mu);
  guc_boot(s, "server_version", "15.0 (Mica " MICA_VERSION ")");
  guc_boot(s, "server_version_num", "150000");
  guc_boot(s, "server_encoding", "UTF8");
  guc_boot(s, "client_encoding", "UTF8");
  guc_boot(s, "DateStyle", "ISO, MDY");
  guc_boot(s, "TimeZone", "UTC");
  guc_boot(s, "integer_datetimes", "on");
  guc_boot(s, "standard_conforming_strings", "on");
  guc_boot(s, "application_name", "");
  guc_boot(s, "IntervalStyle", "postgres");
  guc_boot(s, "default_transaction_read_only", "off");
  guc_boot(s, "in_hot_standby", "off");
  guc_boot(s, "search_path", "\"$user\", public");
  guc_boot(s, "statement_timeout", timeout);
  guc_boot(s, "max_connections", maxconn);
  guc_boot(s, "transaction_isolation", "serializable");
  guc_boot(s, "default_transaction_isolation", "serializable");
  guc_boot(s, "extra_float_digits", "1");
  guc_boot(s, "lc_messages", "C");
  guc_boot(s, "lc_collate", "C");
  guc_boot(s, "lc_ctype", "C");
  guc_boot(s, "max_identifier_length", "63");
  guc_boot(s, "block_size", "8192");

  pqbuf unknown;
  pqbuf_init(&unknown);
  int nunknown = 0;
  for (;;) {
    const char *name = pqmsg_get_string(m);
    if (!name || !*name) break;
    const char *value = pqmsg_get_string(m);
    if (!value) break;
    if (!strcmp(name, "user")) {
      free(s->user);
      s->user = xstrdup(value);
    } else if (!strcmp(name, "database")) {
      free(s->database);
      s->database = xstrdup(value);
    } else if (!strcmp(name, "options")) {
      apply_options(s, value);
    } else if (!strcmp(name, "replication")) {
      int on;
      if (pgtypes_parse_bool(value, &on) || on) {
        pqbuf_free(&unknown);
        loop_fatal(s, "0A000", "replication connections are not supported");
        return;
      }
    } else if (!strncmp(name, "_pq_.", 5)) {
      pqbuf_put_string(&unknown, name);
      nunknown++;
    } else if (!strcasecmp(name, "client_encoding") &&
               (!strcasecmp(value, "UTF8") || !strcasecmp(value, "UTF-8") || !strcasecmp(value, "UNICODE"))) {
      guc_boot(s, "client_encoding", "UTF8");
    } else {
      guc_boot(s, name, value);
    }
  }
  if (pqmsg_end(m)) {
    pqbuf_free(&unknown);
    loop_fatal(s, "08P01", "invalid startup packet layout: expected terminator as last byte");
    return;
  }
  if (!s->user || !*s->user) {
    pqbuf_free(&unknown);
    loop_fatal(s, "28000", "no PostgreSQL user name specified in startup packet");
    return;
  }
  if (!s->database || !*s->database) {
    free(s->database);
    s->database = xstrdup(s->user);
  }
  guc_boot(s, "session_authorization", s->user);
  if (minor > 0 || nunknown > 0) {
    /* NegotiateProtocolVersion: newest minor we support (0) and the options we did not take. */
    pqbuf_start(&s->out, 'v');
    pqbuf_put_int32(&s->out, 3 << 16);
    pqbuf_put_int32(&s->out, nunknown);
    pqbuf_put_bytes(&s->out, unknown.data, unknown.len);
    pqbuf_finish(&s->out);
  }
  pqbuf_free(&unknown);

  pthread_mutex_lock(&s->srv->mu);
  int too_many = s->srv->nsessions > s->srv->conf.max_connections;
  int stopping = s->srv->shutting_down;
  pthread_mutex_unlock(&s->srv->mu);
  if (stopping) {
    loop_fatal(s, "57P03", "the database system is shutting down");
    return;
  }
  if (too_many) {
    loop_fatal(s, "53300", "sorry, too many clients already");
    return;
  }
  s->state = PGW_AUTH;
  pgw_auth_begin(s);
}

/* Called by auth.c when authentication has succeeded (loop thread). */
void pgw_auth_succeeded(pgw_session *s) {
  event_del(s->auth_ev);
  pthread_mutex_lock(&s->srv->mu);
  int log_conn = s->srv->conf.log_connections;
  pthread_mutex_unlock(&s->srv->mu);
  if (log_conn)
    pglog(PGLOG_LOG, "connection authorized: user=%s database=%s%s", s->user, s->database,
          s->tls ? " SSL enabled" : "");
  guc_boot(s, "is_superuser", pgw_auth_is_superuser(s) ? "on" : "off");
  loop_flush(s);
  s->state = PGW_OPENING;
  s->loop_phase = 0;
  pthread_mutex_lock(&s->mu);
  s->busy = 1;
  pthread_mutex_unlock(&s->mu);
  if (workpool_submit(s->srv->pool, worker_job, s)) {
    pthread_mutex_lock(&s->mu);
    s->busy = 0;
    pthread_mutex_unlock(&s->mu);
    loop_fatal(s, "57P03", "the database system is shutting down");
  }
}

/* Called by auth.c on failure: FATAL and close (loop thread). */
void pgw_auth_failed(pgw_session *s, const char *sqlstate, const char *msg) {
  pglog(PGLOG_LOG, "FATAL: %s (host=%s)", msg, s->peer);
  loop_fatal(s, sqlstate, msg);
}

/* Loop thread: queue output produced during startup/auth. */
void pgw_auth_flush(pgw_session *s) { loop_flush(s); }

static void startup_input(pgw_session *s) {
  struct evbuffer *in = bufferevent_get_input(s->bev);
  while (s->loop_phase) {
    size_t n = evbuffer_get_length(in), total;
    int typed = s->state == PGW_AUTH;
    if (n < (size_t)(typed ? 5 : 4)) return;
    const unsigned char *hdr = evbuffer_pullup(in, typed ? 5 : 4);
    int rc = pq_frame(hdr, n, typed, typed ? PQ_MAX_STARTUP : PQ_MAX_STARTUP, &total);
    if (rc < 0) {
      if (typed)
        loop_fatal(s, "08P01", "invalid message length");
      else {
        pglog(PGLOG_LOG, "invalid length of startup packet from %s", s->peer);
        request_close(s);
      }
      return;
    }
    if (rc == 0) return;
    unsigned char *buf = malloc(total);
    if (!buf) {
      request_close(s);
      return;
    }
    evbuffer_remove(in, buf, total);
    pqmsg m;
    if (typed) {
      pqmsg_init(&m, (char)buf[0], buf + 5, total - 5);
      pgw_auth_message(s, &m);
    } else {
      pqmsg_init(&m, 0, buf + 4, total - 4);
      int32_t code = pqmsg_get_int32(&m);
      if (code == PROTO_SSL || code == PROTO_GSSENC) {
        if (pqmsg_end(&m)) {
          request_close(s);
        } else if (evbuffer_get_length(in) > 0) {
          /* Data pipelined behind the request would bypass encryption: refuse it. */
          loop_fatal(s, "08P01", "received unencrypted data after SSL request");
        } else if (code == PROTO_SSL && !s->tls) {
          start_tls(s);
          in = bufferevent_get_input(s->bev);
        } else {
          char no = 'N';
          bufferevent_write(s->bev, &no, 1);
        }
      } else if (code == PROTO_CANCEL) {
        int32_t pid = pqmsg_get_int32(&m), secret = pqmsg_get_int32(&m);
        if (!pqmsg_end(&m)) handle_cancel(s->srv, pid, secret);
        request_close(s);
      } else {
        handle_startup_message(s, &m, code);
      }
    }
    free(buf);
  }
}

static void read_cb(struct bufferevent *bev, void *arg) {
  pgw_session *s = arg;
  if (s->loop_phase) {
    startup_input(s);
    return;
  }
  switch (s->state) {
  case PGW_READY: {
    pthread_mutex_lock(&s->mu);
    int busy = s->busy;
    pthread_mutex_unlock(&s->mu);
    if (!busy) maybe_dispatch(s);
    break;
  }
  default: break;
  }
}
