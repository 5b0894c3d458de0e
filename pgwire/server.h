/*
 * server.h: the state micad shares with every session, and the session entry points.
 *
 * OWNERSHIP
 *   One pgw_server per process, created by micad.c (the documented owner). Fields marked [mu] are read
 *   and written under srv->mu; the rest are set before the first connection and constant afterwards.
 *   A reload (SIGHUP) builds new settings/hba/roles and swaps them in under mu; sessions copy what they
 *   need under mu when they start or a statement starts.
 *
 * THREADS
 *   Event-loop threads own their sessions' sockets (libevent bufferevents). Engine calls run on the
 *   worker pool. See session.c for the per-session state machine and hand-off rules.
 */
#ifndef PGW_SERVER_H
#define PGW_SERVER_H

#include <event2/event.h>
#include <event2/util.h>
#include <limits.h>
#include <openssl/ssl.h>
#include <pthread.h>
#include <stdint.h>
#include <sys/socket.h>

#include "pgconf.h"
#include "workpool.h"

struct hba_rules;
struct roles;
struct pgw_session;
struct pgw_listen;

typedef struct pgw_server {
  char datadir[PATH_MAX];
  workpool *pool;

  pthread_mutex_t mu;
  pgconf conf;                  /* [mu] current settings */
  struct hba_rules *hba;        /* [mu] current pg_hba.conf rules (NULL: trust everything local) */
  struct roles *roles;          /* [mu] current roles (NULL: any user, no passwords) */
  SSL_CTX *ssl_ctx;             /* [mu] NULL when ssl is off or could not be set up */
  struct pgw_session *sessions; /* [mu] every live session (cancel lookup, shutdown) */
  int nsessions;                /* [mu] */
  int32_t next_pid;             /* [mu] backend "process id" handed out in BackendKeyData */
  int shutting_down;            /* [mu] */
  struct pgw_listen *listens;   /* [mu] LISTEN subscriptions (notify.c) */
  struct pgw_advlock *advlocks; /* [mu] advisory locks held by sessions (pgfunc.c) */
} pgw_server;

/* Takes over a freshly accepted socket; runs in the event-loop thread of base. */
void pgw_session_accept(pgw_server *srv, struct event_base *base, evutil_socket_t fd,
                        const struct sockaddr *addr, int addrlen, int is_unix);
/* Takes over an in-memory transport instead of a socket: bev is one end of a bufferevent pair on base,
 * created with BEV_OPT_THREADSAFE | BEV_OPT_DEFER_CALLBACKS; the session owns and frees it. The client is
 * treated as local ("[local]", hba "local" rules) and TLS is refused. For the protocol fuzzer and tests. */
struct bufferevent;
void pgw_session_accept_bev(pgw_server *srv, struct event_base *base, struct bufferevent *bev);
/* Asks every session to terminate (FATAL 57P01) and interrupts running statements. Any thread. */
void pgw_session_terminate_all(pgw_server *srv);
/* Number of live sessions. */
int pgw_session_count(pgw_server *srv);

/* Frees the LISTEN registry (at shutdown, after every session is gone). */
void pgw_notify_free_all(pgw_server *srv);
/* Frees the advisory lock table (at shutdown, after every session is gone). */
void pgw_advisory_free_all(pgw_server *srv);

/* The file of database name in the data directory (name.db); -1 if the name is not acceptable. */
int pgw_database_path(const pgw_server *srv, const char *name, char *out, size_t outlen);

#endif /* PGW_SERVER_H */
