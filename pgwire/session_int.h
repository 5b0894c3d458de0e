/*
 * session_int.h: the per-connection session, shared by session.c (connection life cycle, startup,
 * authentication, I/O hand-off) and query.c (simple and extended query protocol on the engine).
 * Not a public interface.
 */
#ifndef PGW_SESSION_INT_H
#define PGW_SESSION_INT_H

#include <event2/bufferevent.h>
#include <pthread.h>
#include <stdint.h>
#include <sys/socket.h>

#include "mica.h"
#include "pqbuf.h"
#include "server.h"

struct pgw_note;

/* Session states; transitions are listed in session.c's header comment. */
enum pgw_state {
  PGW_STARTUP, /* waiting for SSLRequest / GSSENCRequest / CancelRequest / StartupMessage */
  PGW_AUTH,    /* waiting for PasswordMessage / SASL responses */
  PGW_OPENING, /* worker opening the database */
  PGW_READY,   /* normal operation: messages go to the worker */
  PGW_CLOSING  /* draining output or tearing down; no more input is read */
};

/* A session parameter (SET/SHOW); reported ones are sent as ParameterStatus when they change. */
typedef struct pgw_guc {
  struct pgw_guc *next;
  char *name;
  char *value;
  char *boot; /* value at session start, for RESET */
  int report;
} pgw_guc;

/* Extended protocol: a prepared statement (Parse) and a portal (Bind). */
typedef struct pgw_pstmt {
  struct pgw_pstmt *next;
  char *name;
  char *sql;
  mica_stmt *stmt;     /* NULL for an empty query or a statement pgwire runs itself (SET/SHOW...) */
  int local_kind;      /* 0 engine statement, else a PGW_LOCAL_* kind handled by query.c */
  int nparams;         /* PostgreSQL parameter count ($1..$n) */
  uint32_t *ptypes;    /* nparams declared/inferred type OIDs */
  int *pmap;           /* engine index (1-based) -> PostgreSQL parameter number (1-based) */
  int nengine;         /* number of engine parameters */
  int portal_refs;     /* portals currently using stmt */
  uint32_t *desc_oids; /* column types announced by a Describe of the statement (portals must agree) */
  int ndesc;
} pgw_pstmt;

typedef struct pgw_portal {
  struct pgw_portal *next;
  char *name;
  pgw_pstmt *ps;
  mica_stmt *stmt; /* ps->stmt or a private copy */
  int own_stmt;
  int nformats;
  int16_t *formats;
  uint32_t *col_oids; /* column types, decided at Describe or first row */
  int ncols;
  int described;   /* RowDescription decided */
  int started;     /* stepped at least once */
  int done;        /* ran to completion (CommandComplete sent) */
  int pending_row; /* a row was stepped (for Describe) but not yet sent */
  int64_t rows;
  char *local_result; /* SHOW result for local statements */
  /* SQL cursors (DECLARE): a portal with its own pgw_pstmt (ps, freed with the portal). */
  int cursor;            /* 1 for a cursor */
  int hold;              /* WITH HOLD: rows materialized at DECLARE (held); survives the transaction */
  int scroll;            /* -1 unspecified, 0 NO SCROLL, 1 SCROLL (backward fetches are refused either way) */
  struct pgw_held *held; /* WITH HOLD rows and the read position (query.c) */
} pgw_portal;

typedef struct pgw_session {
  pgw_server *srv;
  struct event_base *base;
  struct bufferevent *bev;
  evutil_socket_t fd;
  int bev_owns_fd;
  struct event *kick_ev;                   /* activated by workers to hand the session back to its loop */
  struct event *timeout_ev;                /* statement_timeout */
  struct event *auth_ev;                   /* authentication_timeout */
  struct pgw_session *reg_next, *reg_prev; /* srv->sessions registry [srv->mu] */

  pthread_mutex_t mu; /* guards busy, want_close, close_mode, terminate; cv signals output drained */
  pthread_cond_t cv;
  int busy;       /* a worker owns the session (loop thread must not read messages or free it) */
  int want_close; /* worker asks the loop to close after flushing */
  int close_mode; /* 0 open, 1 close once output drains, 2 closed by peer/error */
  int terminate;  /* server shutdown asked this session to end */

  enum pgw_state state;
  int32_t pid, secret;
  char peer[80];
  int is_unix;
  struct sockaddr_storage peer_addr;
  int tls;
  int loop_phase;        /* STARTUP/AUTH: input handled by the loop thread (loop thread only) */
  size_t read_high;      /* input high-water mark (loop thread only) */
  int running;           /* [srv->mu] a statement is executing (cancel target) */
  int cancelled;         /* [srv->mu] cancel requested for the running statement */
  int timed_out;         /* statement_timeout fired */
  int statement_timeout; /* ms, session value */

  char *user;
  char *database;
  pgw_guc *gucs;
  int log_statement; /* 0 none, 1 ddl, 2 mod, 3 all */
  int log_disconnections;

  /* authentication */
  int auth_method;
  void *auth_state;

  mica_db *db;
  pqbuf out;     /* output built by the worker, flushed to bev in batches */
  int tx_failed; /* PostgreSQL's failed-transaction state ('E') */
  int ignore_till_sync;
  pgw_pstmt *pstmts;
  pgw_portal *portals;
  void *copy;               /* COPY FROM STDIN in progress (copy.c) */
  struct pgw_note *inbox;   /* [mu] notifications to write (notify.c) */
  struct pgw_note *pending; /* NOTIFYs of the open transaction (worker) */
} pgw_session;

/* session.c services for query.c (worker thread). */
/* Moves s->out to the socket; waits while the socket's output is backed up. */
void pgw_session_flush(pgw_session *s);
/* Appends an ErrorResponse / NoticeResponse to s->out. position is 1-based (0: none). */
void pgw_send_error(pgw_session *s, const char *severity, const char *sqlstate, const char *msg,
                    int position);
void pgw_send_notice(pgw_session *s, const char *severity, const char *sqlstate, const char *msg);
/* An ERROR with a HINT field. */
void pgw_send_error_hint(pgw_session *s, const char *sqlstate, const char *msg, const char *hint);

/* PostgreSQL functions (pgfunc.c): registers them on s->db (user data s). MICA_OK or an error code. */
int pgw_functions_register(pgw_session *s);
/* date_trunc, date_part/extract, to_char, to_timestamp (pgdate.c); called by pgw_functions_register. */
int pgw_date_functions_register(pgw_session *s);
/* Timestamps and intervals for pgsrf.c (pgdate.c). pgdate_parse_ts reads a timestamp[tz] text into
 * microseconds since 1970-01-01 UTC and whether it had a zone (0, else -1); pgdate_format_ts prints
 * one as PostgreSQL does. pgdate_parse_interval reads PostgreSQL interval text ("1 day", "2 hours 30
 * minutes", "1 mon", "1 year -2 days", "01:30:00", "@ 1 week") into months, days and microseconds (0,
 * else -1); pgdate_add_interval adds one as PostgreSQL does: months (the day clamped to the month's
 * length), then days, then time. */
int pgdate_parse_ts(const char *z, int64_t *usec, int *has_zone);
void pgdate_format_ts(int64_t usec, int has_zone, char *out, size_t n);
int pgdate_parse_interval(const char *z, int *months, int *days, int64_t *usec);
int64_t pgdate_add_interval(int64_t usec, int months, int days, int64_t iusec);
/* Set-returning functions (pgsrf.c): PostgreSQL's generate_series as a virtual-table module. */
int pgw_srf_register(pgw_session *s);
/* ARRAY[...], subscripts, ANY/ALL, array_agg and the array functions (pgarrayfn.c); called by
 * pgw_functions_register. */
int pgw_array_functions_register(pgw_session *s);
/* Releases every advisory lock s holds (session end, pg_advisory_unlock_all). */
void pgw_advisory_release_all(pgw_session *s);
void pgw_send_ready(pgw_session *s);
void pgw_send_parameter_status(pgw_session *s, const char *name, const char *value);
/* statement_timeout timer and cancel bookkeeping around one statement. */
void pgw_statement_begin(pgw_session *s);
void pgw_statement_end(pgw_session *s);

/* Session parameters. */
const char *pgw_guc_get(pgw_session *s, const char *name);
/* Sets (creating if needed) and reports if it is a reported parameter. value NULL: reset to boot value. */
int pgw_guc_set(pgw_session *s, const char *name, const char *value);
void pgw_guc_free_all(pgw_session *s);

/* Authentication (auth.c; loop thread). begin decides the method from pg_hba.conf and either succeeds at
 * once (trust) or sends the first request; message handles each PasswordMessage/SASL response. */
void pgw_auth_begin(pgw_session *s);
void pgw_auth_message(pgw_session *s, pqmsg *m);
void pgw_auth_free(pgw_session *s);
int pgw_auth_is_superuser(pgw_session *s);
/* session.c services for auth.c (loop thread). */
void pgw_auth_succeeded(pgw_session *s);
void pgw_auth_failed(pgw_session *s, const char *sqlstate, const char *msg);
void pgw_auth_flush(pgw_session *s);

/* query.c: runs one message in READY state (worker thread). */
void pgw_query_message(pgw_session *s, char type, const unsigned char *body, size_t len);
/* Frees prepared statements and portals (before closing the database). */
void pgw_query_cleanup(pgw_session *s);
/* copy.c: COPY FROM STDIN / TO STDOUT (simple query protocol). start returns 0 when COPY FROM STDIN is
 * now waiting for CopyData (no ReadyForQuery yet), 1 when a COPY TO STDOUT completed, -1 on an error
 * (sent). implicit: the caller's implicit transaction is open and COPY must commit it when done. */
int pgw_copy_start(pgw_session *s, const char *sql, const char *end, int implicit);
void pgw_copy_message(pgw_session *s, char type, const unsigned char *body, size_t len);
void pgw_copy_free(pgw_session *s);

/* notify.c: LISTEN/NOTIFY. queue holds a NOTIFY until commit delivers it (or abort drops it); drain
 * (loop thread) writes delivered notifications to the socket; session_gone unsubscribes at close. */
int pgw_notify_listen(pgw_session *s, const char *channel);
void pgw_notify_unlisten(pgw_session *s, const char *channel);
void pgw_notify_queue(pgw_session *s, const char *channel, const char *payload);
void pgw_notify_commit(pgw_session *s);
void pgw_notify_abort(pgw_session *s);
void pgw_notify_drain(pgw_session *s);
void pgw_notify_session_gone(pgw_session *s);

/* Maps the engine's last error on db to a SQLSTATE. */
const char *pgw_sqlstate(int extended_rc, const char *msg);

#endif /* PGW_SESSION_INT_H */
