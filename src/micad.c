/*
 * micad.c: the Mica server process. Speaks the PostgreSQL protocol (pgwire/) over the engine.
 *
 * PROCESS LAYOUT
 *   main thread   parses flags, prepares the data directory, loads micad.conf, writes micad.pid, opens
 *                 the listeners (TCP per listen_addresses, a Unix socket per unix_socket_directories)
 *                 and runs the "accept" event loop with the signal handlers:
 *                   SIGHUP  reload micad.conf, pg_hba.conf and the roles file
 *                   SIGTERM/SIGINT  clean shutdown: stop accepting, end every session with 57P01,
 *                           wait for them, stop the loops and workers, remove pid file and sockets
 *   N loop threads  one libevent event_base each (N = event_threads, default one per core); accepted
 *                 sockets are handed to them round-robin with event_base_once, and every callback of a
 *                 session then runs in its loop's thread
 *   worker pool   runs engine calls (pgwire/workpool.c) so that no statement stalls an event loop
 *
 * DATA DIRECTORY (created on first start)
 *   micad.conf     settings in postgresql.conf syntax (pgwire/pgconf.c lists them)
 *   pg_hba.conf    client authentication rules; the default trusts local and loopback connections
 *   micad.roles    roles and their password verifiers (pgwire/auth.c)
 *   postgres.db    the database "postgres"; every database NAME is the SQLite-format file NAME.db
 *   micad.pid      pid of the running server (refuses to start while that process lives)
 *
 * OWNERSHIP: the single pgw_server (see pgwire/server.h) is owned here and outlives every session.
 */
#include <errno.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <event2/thread.h>
#include <fcntl.h>
#include <getopt.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "auth.h"
#include "mica.h"
#include "pgconf.h"
#include "pglog.h"
#include "server.h"
#include "workpool.h"

#define MAX_LISTENERS 32

typedef struct loop_thread {
  pthread_t thread;
  struct event_base *base;
  struct event *keepalive;
} loop_thread;

typedef struct daemon_state {
  pgw_server srv;
  struct event_base *main_base;
  loop_thread *loops;
  int nloops;
  unsigned next_loop;
  struct evconnlistener *listeners[MAX_LISTENERS];
  int listener_is_unix[MAX_LISTENERS];
  int nlisteners;
  char socket_paths[8][PATH_MAX];
  int nsockets;
  char pidfile[PATH_MAX];
  char conffile[PATH_MAX];
  char **overrides; /* -c name=value options, re-applied on every reload */
  int noverrides;
} daemon_state;

typedef struct handoff {
  pgw_server *srv;
  struct event_base *base;
  evutil_socket_t fd;
  struct sockaddr_storage addr;
  int addrlen;
  int is_unix;
} handoff;

static void usage(FILE *f) {
  fprintf(f, "micad is the Mica database server, speaking the PostgreSQL protocol.\n\n"
             "Usage:\n  micad [OPTION]...\n\n"
             "Options:\n"
             "  -D DATADIR         database directory (default: $PGDATA); created on first start\n"
             "  -p PORT            port number to listen on (default 5432)\n"
             "  -h HOSTNAMES       host name(s) or IP address(es) to listen on; '*' for all, '' for none\n"
             "  -k DIRECTORY       Unix-domain socket location (default /tmp); '' for none\n"
             "  -N MAX-CONNECT     maximum number of allowed connections\n"
             "  -c NAME=VALUE      set a configuration parameter\n"
             "  --NAME=VALUE       same as -c NAME=VALUE\n"
             "  -l, --ssl          enable TLS connections\n"
             "  -V, --version      output version information, then exit\n"
             "  -?, --help         show this help, then exit\n\n"
             "Configuration is read from DATADIR/micad.conf (postgresql.conf syntax); SIGHUP reloads it.\n");
}

/* ------------------------------------------------------------------------------------------------
 * Data directory.
 */
static int write_file(const char *path, const char *text) {
  int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
  if (fd < 0) return errno == EEXIST ? 0 : -1;
  size_t n = strlen(text);
  ssize_t w = write(fd, text, n);
  int rc = (w == (ssize_t)n && fsync(fd) == 0) ? 0 : -1;
  close(fd);
  return rc;
}

static const char default_conf[] =
    "# micad.conf: Mica server settings (postgresql.conf syntax). Reload with SIGHUP.\n"
    "# Settings marked (restart) take effect only when the server restarts.\n"
    "\n"
    "#listen_addresses = 'localhost'      # '*' for all; (restart)\n"
    "#port = 5432                         # (restart)\n"
    "#unix_socket_directories = '/tmp'    # comma-separated; '' for none (restart)\n"
    "#max_connections = 100\n"
    "#ssl = off\n"
    "#ssl_cert_file = 'server.crt'        # relative to the data directory\n"
    "#ssl_key_file = 'server.key'\n"
    "#hba_file = 'pg_hba.conf'\n"
    "#roles_file = 'micad.roles'\n"
    "#password_encryption = scram-sha-256 # or md5\n"
    "#authentication_timeout = 60s\n"
    "#statement_timeout = 0               # in ms (or with a unit); 0 disables\n"
    "#lock_timeout = 0\n"
    "#log_min_messages = warning          # debug, info, notice, warning, log, error, fatal\n"
    "#log_connections = off\n"
    "#log_disconnections = off\n"
    "#log_statement = 'none'              # none, ddl, mod, all\n"
    "#log_filename = ''                   # empty: stderr; else a file (relative to the data directory)\n"
    "#event_threads = 0                   # event loops; 0 = one per core (restart)\n"
    "#worker_threads = 0                  # engine worker threads; 0 = automatic (restart)\n";

static const char default_hba[] = "# pg_hba.conf: client authentication for micad (PostgreSQL's format).\n"
                                  "# TYPE  DATABASE        USER            ADDRESS                 METHOD\n"
                                  "local   all             all                                     trust\n"
                                  "host    all             all             127.0.0.1/32            trust\n"
                                  "host    all             all             ::1/128                 trust\n";

static int init_datadir(const char *dir) {
  struct stat st;
  char path[PATH_MAX + 32];
  if (stat(dir, &st) != 0) {
    if (mkdir(dir, 0700) != 0) {
      fprintf(stderr, "micad: could not create directory \"%s\": %s\n", dir, strerror(errno));
      return -1;
    }
    pglog(PGLOG_LOG, "initializing new data directory \"%s\"", dir);
  } else if (!S_ISDIR(st.st_mode)) {
    fprintf(stderr, "micad: \"%s\" is not a directory\n", dir);
    return -1;
  }
  snprintf(path, sizeof path, "%s/micad.conf", dir);
  if (write_file(path, default_conf)) goto fail;
  snprintf(path, sizeof path, "%s/pg_hba.conf", dir);
  if (write_file(path, default_hba)) goto fail;
  snprintf(path, sizeof path, "%s/micad.roles", dir);
  if (stat(path, &st) != 0) {
    const char *os_user = NULL;
    struct passwd *pw = getpwuid(geteuid());
    if (pw && pw->pw_name && strcmp(pw->pw_name, "postgres")) os_user = pw->pw_name;
    if (pgw_roles_init_file(path, "postgres", os_user)) goto fail;
  }
  snprintf(path, sizeof path, "%s/postgres.db", dir);
  if (stat(path, &st) != 0) {
    mica_db *db = NULL;
    int rc = mica_open(path, MICA_OPEN_READWRITE | MICA_OPEN_CREATE, &db);
    if (rc != MICA_OK) {
      fprintf(stderr, "micad: could not create database file \"%s\": %s\n", path,
              db ? mica_errmsg(db) : mica_errstr(rc));
      if (db) mica_close(db);
      return -1;
    }
    mica_close(db);
  }
  return 0;
fail:
  fprintf(stderr, "micad: could not write \"%s\": %s\n", path, strerror(errno));
  return -1;
}

static int write_pidfile(const char *path) {
  for (int attempt = 0; attempt < 2; attempt++) {
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
    if (fd >= 0) {
      char buf[32];
      int n = snprintf(buf, sizeof buf, "%d\n", (int)getpid());
      ssize_t w = write(fd, buf, (size_t)n);
      close(fd);
      return w == n ? 0 : -1;
    }
    if (errno != EEXIST) break;
    FILE *f = fopen(path, "r");
    int pid = 0;
    if (f) {
      if (fscanf(f, "%d", &pid) != 1) pid = 0;
      fclose(f);
    }
    if (pid > 0 && pid != getpid() && (kill(pid, 0) == 0 || errno == EPERM)) {
      fprintf(stderr,
              "micad: lock file \"%s\" already exists\nIs another micad (PID %d) running in this data "
              "directory?\n",
              path, pid);
      return -1;
    }
    unlink(path); /* stale */
  }
  fprintf(stderr, "micad: could not create lock file \"%s\": %s\n", path, strerror(errno));
  return -1;
}

/* ------------------------------------------------------------------------------------------------
 * Configuration.
 */
static void resolve_path(const char *datadir, const char *name, char *out, size_t outlen) {
  if (name[0] == '/')
    snprintf(out, outlen, "%s", name);
  else
    snprintf(out, outlen, "%s/%s", datadir, name);
}

static int load_conf(daemon_state *d, pgconf *c) {
  char err[600];
  pgconf_defaults(c);
  if (pgconf_load_file(c, d->conffile, err, sizeof err)) {
    pglog(PGLOG_LOG, "configuration file \"%s\" contains errors: %s", d->conffile, err);
    return -1;
  }
  for (int i = 0; i < d->noverrides; i++) {
    if (pgconf_set_option(c, d->overrides[i], err, sizeof err)) {
      pglog(PGLOG_FATAL, "%s", err);
      return -1;
    }
  }
  return 0;
}

static SSL_CTX *make_ssl_ctx(const pgw_server *srv, const pgconf *c) {
  char cert[PATH_MAX + PGCONF_STR], key[PATH_MAX + PGCONF_STR];
  resolve_path(srv->datadir, c->ssl_cert_file, cert, sizeof cert);
  resolve_path(srv->datadir, c->ssl_key_file, key, sizeof key);
  SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
  if (!ctx) return NULL;
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_COMPRESSION);
  if (SSL_CTX_use_certificate_chain_file(ctx, cert) != 1 ||
      SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1 || SSL_CTX_check_private_key(ctx) != 1) {
    char buf[256];
    ERR_error_string_n(ERR_get_error(), buf, sizeof buf);
    pglog(PGLOG_LOG, "could not load server certificate \"%s\" / key \"%s\": %s", cert, key, buf);
    SSL_CTX_free(ctx);
    return NULL;
  }
  return ctx;
}

/* Applies c to the server: logging, TLS, hba and roles. Called at start and on SIGHUP. */
static int apply_conf(daemon_state *d, const pgconf *c, int startup) {
  pgw_server *srv = &d->srv;
  int lvl = pglog_parse_level(c->log_min_messages);
  if (lvl < 0)
    pglog(PGLOG_WARNING, "invalid value for parameter \"log_min_messages\": \"%s\"", c->log_min_messages);
  else
    pglog_set_level((enum pglog_level)lvl);
  if (startup && c->log_filename[0]) {
    char path[PATH_MAX + PGCONF_STR];
    resolve_path(srv->datadir, c->log_filename, path, sizeof path);
    if (pglog_open_file(path))
      pglog(PGLOG_WARNING, "could not open log file \"%s\": %s", path, strerror(errno));
  }
  SSL_CTX *ctx = c->ssl ? make_ssl_ctx(srv, c) : NULL;
  if (c->ssl && !ctx && startup) return -1;
  char hba[PATH_MAX + PGCONF_STR], roles[PATH_MAX + PGCONF_STR];
  resolve_path(srv->datadir, c->hba_file, hba, sizeof hba);
  resolve_path(srv->datadir, c->roles_file, roles, sizeof roles);
  struct hba_rules *rules = NULL;
  struct roles *rl = NULL;
  char err[600];
  if (pgw_hba_load(hba, &rules, err, sizeof err)) {
    pglog(PGLOG_LOG, "%s", err);
    if (ctx) SSL_CTX_free(ctx);
    if (startup) return -1;
    pglog(PGLOG_LOG, "%s was not reloaded", hba);
    return -1;
  }
  if (pgw_roles_load(roles, &rl, err, sizeof err)) {
    pglog(PGLOG_LOG, "%s", err);
    pgw_hba_free(rules);
    if (ctx) SSL_CTX_free(ctx);
    return -1;
  }
  pthread_mutex_lock(&srv->mu);
  if (!startup) {
    if (c->port != srv->conf.port || strcmp(c->listen_addresses, srv->conf.listen_addresses) ||
        strcmp(c->unix_socket_directories, srv->conf.unix_socket_directories))
      pglog(PGLOG_LOG, "parameters port/listen_addresses/unix_socket_directories cannot be changed without "
                       "restarting the server");
  }
  pgconf keep = srv->conf;
  srv->conf = *c;
  if (!startup) { /* restart-only settings keep their running values */
    srv->conf.port = keep.port;
    memcpy(srv->conf.listen_addresses, keep.listen_addresses, sizeof keep.listen_addresses);
    memcpy(srv->conf.unix_socket_directories, keep.unix_socket_directories,
           sizeof keep.unix_socket_directories);
    srv->conf.event_threads = keep.event_threads;
    srv->conf.worker_threads = keep.worker_threads;
    memcpy(srv->conf.log_filename, keep.log_filename, sizeof keep.log_filename);
  }
  SSL_CTX *old_ctx = srv->ssl_ctx;
  srv->ssl_ctx = ctx;
  struct hba_rules *old_rules = srv->hba;
  srv->hba = rules;
  struct roles *old_roles = srv->roles;
  srv->roles = rl;
  pthread_mutex_unlock(&srv->mu);
  if (old_ctx) SSL_CTX_free(old_ctx); /* sessions hold their own SSL references */
  pgw_hba_free(old_rules);
  pgw_roles_free(old_roles);
  return 0;
}

/* ------------------------------------------------------------------------------------------------
 * Listeners and loops.
 */
static void accept_in_loop(evutil_socket_t unused, short what, void *arg) {
  handoff *h = arg;
  pgw_session_accept(h->srv, h->base, h->fd, (struct sockaddr *)&h->addr, h->addrlen, h->is_unix);
  free(h);
}

static void accept_cb(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *addr, int addrlen,
                      void *arg) {
  daemon_state *d = arg;
  int is_unix = 0;
  for (int i = 0; i < d->nlisteners; i++)
    if (d->listeners[i] == l) is_unix = d->listener_is_unix[i];
  handoff *h = calloc(1, sizeof *h);
  if (!h) {
    evutil_closesocket(fd);
    return;
  }
  h->srv = &d->srv;
  h->fd = fd;
  h->is_unix = is_unix;
  if (addrlen > 0 && (size_t)addrlen <= sizeof h->addr) {
    memcpy(&h->addr, addr, (size_t)addrlen);
    h->addrlen = addrlen;
  }
  if (!is_unix) {
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof one);
  }
  loop_thread *lt = &d->loops[d->next_loop++ % (unsigned)d->nloops];
  h->base = lt->base;
  if (event_base_once(lt->base, -1, EV_TIMEOUT, accept_in_loop, h, NULL) != 0) {
    evutil_closesocket(fd);
    free(h);
  }
}

static void listener_error_cb(struct evconnlistener *l, void *arg) {
  int err = EVUTIL_SOCKET_ERROR();
  pglog(PGLOG_LOG, "could not accept new connection: %s", evutil_socket_error_to_string(err));
}

static int add_listener(daemon_state *d, evutil_socket_t fd, int is_unix) {
  if (d->nlisteners >= MAX_LISTENERS) {
    evutil_closesocket(fd);
    return -1;
  }
  struct evconnlistener *l =
      evconnlistener_new(d->main_base, accept_cb, d, LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC, 511, fd);
  if (!l) {
    evutil_closesocket(fd);
    return -1;
  }
  evconnlistener_set_error_cb(l, listener_error_cb);
  d->listener_is_unix[d->nlisteners] = is_unix;
  d->listeners[d->nlisteners++] = l;
  return 0;
}

static int listen_tcp(daemon_state *d, const char *host, int port) {
  struct addrinfo hints, *res = NULL;
  memset(&hints, 0, sizeof hints);
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE;
  char portstr[16];
  snprintf(portstr, sizeof portstr, "%d", port);
  int rc = getaddrinfo(strcmp(host, "*") ? host : NULL, portstr, &hints, &res);
  if (rc) {
    pglog(PGLOG_WARNING, "could not translate host name \"%s\", service \"%s\" to address: %s", host, portstr,
          gai_strerror(rc));
    return -1;
  }
  int ok = 0;
  for (struct addrinfo *ai = res; ai; ai = ai->ai_next) {
    evutil_socket_t fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
    if (fd < 0) continue;
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (ai->ai_family == AF_INET6) setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
    evutil_make_socket_nonblocking(fd);
    if (bind(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
      char hostbuf[NI_MAXHOST] = "?";
      getnameinfo(ai->ai_addr, ai->ai_addrlen, hostbuf, sizeof hostbuf, NULL, 0, NI_NUMERICHOST);
      pglog(PGLOG_LOG, "could not bind %s address \"%s\": %s", ai->ai_family == AF_INET6 ? "IPv6" : "IPv4",
            hostbuf, strerror(errno));
      close(fd);
      continue;
    }
    if (add_listener(d, fd, 0) == 0) {
      char hostbuf[NI_MAXHOST] = "?";
      getnameinfo(ai->ai_addr, ai->ai_addrlen, hostbuf, sizeof hostbuf, NULL, 0, NI_NUMERICHOST);
      pglog(PGLOG_LOG, "listening on %s address \"%s\", port %d", ai->ai_family == AF_INET6 ? "IPv6" : "IPv4",
            hostbuf, port);
      ok++;
    }
  }
  freeaddrinfo(res);
  return ok ? 0 : -1;
}

static int listen_unix(daemon_state *d, const char *dir, int port) {
  struct sockaddr_un sun;
  memset(&sun, 0, sizeof sun);
  sun.sun_family = AF_UNIX;
  int n = snprintf(sun.sun_path, sizeof sun.sun_path, "%s/.s.PGSQL.%d", dir, port);
  if (n < 0 || (size_t)n >= sizeof sun.sun_path) {
    pglog(PGLOG_WARNING, "Unix-domain socket path \"%s/.s.PGSQL.%d\" is too long", dir, port);
    return -1;
  }
  /* A socket file left by a dead server is removed; a live one means another server owns the port. */
  evutil_socket_t probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (probe >= 0) {
    if (connect(probe, (struct sockaddr *)&sun, sizeof sun) == 0) {
      close(probe);
      pglog(PGLOG_FATAL, "another server is already listening on \"%s\"", sun.sun_path);
      return -2;
    }
    close(probe);
  }
  unlink(sun.sun_path);
  evutil_socket_t fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  evutil_make_socket_nonblocking(fd);
  if (bind(fd, (struct sockaddr *)&sun, sizeof sun) != 0) {
    pglog(PGLOG_LOG, "could not bind Unix socket \"%s\": %s", sun.sun_path, strerror(errno));
    close(fd);
    return -1;
  }
  chmod(sun.sun_path, 0777);
  if (add_listener(d, fd, 1)) return -1;
  if (d->nsockets < 8) snprintf(d->socket_paths[d->nsockets++], PATH_MAX, "%s", sun.sun_path);
  pglog(PGLOG_LOG, "listening on Unix socket \"%s\"", sun.sun_path);
  return 0;
}

/* Splits a comma-separated list in place; calls fn for every trimmed non-empty item. */
static int for_each_item(char *list, int (*fn)(daemon_state *, const char *, int), daemon_state *d,
                         int port) {
  int failures = 0, fatal = 0;
  char *save = NULL;
  for (char *tok = strtok_r(list, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
    while (*tok == ' ')
      tok++;
    char *e = tok + strlen(tok);
    while (e > tok && e[-1] == ' ')
      *--e = 0;
    if (!*tok) continue;
    int rc = fn(d, tok, port);
    if (rc == -2) fatal = 1;
    if (rc) failures++;
  }
  return fatal ? -2 : failures;
}

static void *loop_main(void *arg) {
  loop_thread *lt = arg;
  event_base_loop(lt->base, EVLOOP_NO_EXIT_ON_EMPTY);
  return NULL;
}

/* ------------------------------------------------------------------------------------------------
 * Signals.
 */
static void sighup_cb(evutil_socket_t sig, short what, void *arg) {
  daemon_state *d = arg;
  pglog(PGLOG_LOG, "received SIGHUP, reloading configuration files");
  pgconf c;
  if (load_conf(d, &c) == 0) apply_conf(d, &c, 0);
}

static void sigterm_cb(evutil_socket_t sig, short what, void *arg) {
  daemon_state *d = arg;
  pglog(PGLOG_LOG, "received %s shutdown request", sig == SIGINT ? "fast" : "smart");
  event_base_loopbreak(d->main_base);
}

/* ------------------------------------------------------------------------------------------------
 * main.
 */
int main(int argc, char **argv) {
  static daemon_state d;
  const char *datadir = getenv("PGDATA");
  static const struct option longopts[] = {{"help", no_argument, NULL, '?'},
                                           {"version", no_argument, NULL, 'V'},
                                           {"ssl", no_argument, NULL, 'l'},
                                           {NULL, 0, NULL, 0}};
  d.overrides = calloc((size_t)argc + 1, sizeof *d.overrides);
  char *owned[8];
  int nowned = 0;
  /* --name=value for any setting, as postgres accepts: turn them into -c options first. */
  for (int i = 1; i < argc; i++) {
    if (!strncmp(argv[i], "--", 2) && strchr(argv[i], '=') && nowned < 8 && strncmp(argv[i], "--help", 6) &&
        strncmp(argv[i], "--version", 9)) {
      d.overrides[d.noverrides++] = argv[i] + 2;
      argv[i] = (char *)"--";
    }
  }
  int opt;
  while ((opt = getopt_long(argc, argv, "D:p:h:k:N:c:lV?", longopts, NULL)) != -1) {
    char buf[PGCONF_STR + 64];
    const char *setting = NULL;
    switch (opt) {
    case 'D': datadir = optarg; break;
    case 'p': setting = "port"; break;
    case 'h': setting = "listen_addresses"; break;
    case 'k': setting = "unix_socket_directories"; break;
    case 'N': setting = "max_connections"; break;
    case 'l': d.overrides[d.noverrides++] = (char *)"ssl=on"; break;
    case 'c': d.overrides[d.noverrides++] = optarg; break;
    case 'V': printf("micad (Mica) %s\n", MICA_VERSION); return 0;
    case '?':
      if (optopt) {
        fprintf(stderr, "Try \"micad --help\" for more information.\n");
        return 1;
      }
      usage(stdout);
      return 0;
    default: usage(stderr); return 1;
    }
    if (setting && nowned < 8) {
      snprintf(buf, sizeof buf, "%s=%s", setting, optarg);
      owned[nowned] = strdup(buf);
      d.overrides[d.noverrides++] = owned[nowned++];
    }
  }
  if (optind < argc && strcmp(argv[optind], "--")) {
    fprintf(stderr, "micad: invalid argument: \"%s\"\nTry \"micad --help\" for more information.\n",
            argv[optind]);
    return 1;
  }
  if (!datadir || !*datadir) {
    fprintf(stderr, "micad: no data directory specified\nUse -D or set PGDATA.\n");
    return 1;
  }
  /* Validate overrides before touching the disk. */
  {
    pgconf c;
    char err[600];
    pgconf_defaults(&c);
    for (int i = 0; i < d.noverrides; i++)
      if (pgconf_set_option(&c, d.overrides[i], err, sizeof err)) {
        fprintf(stderr, "micad: %s\n", err);
        return 1;
      }
  }

  signal(SIGPIPE, SIG_IGN);
  evthread_use_pthreads();
  pgw_server *srv = &d.srv;
  pthread_mutex_init(&srv->mu, NULL);
  srv->next_pid = 1000 + (int32_t)(getpid() % 1000) * 1000;
  if (!realpath(datadir, srv->datadir)) snprintf(srv->datadir, sizeof srv->datadir, "%s", datadir);
  if (init_datadir(srv->datadir)) return 1;
  if (!realpath(datadir, srv->datadir)) snprintf(srv->datadir, sizeof srv->datadir, "%s", datadir);
  snprintf(d.conffile, sizeof d.conffile, "%.*s/micad.conf", (int)(sizeof d.conffile - 12), srv->datadir);
  snprintf(d.pidfile, sizeof d.pidfile, "%.*s/micad.pid", (int)(sizeof d.pidfile - 12), srv->datadir);

  pgconf conf;
  if (load_conf(&d, &conf)) return 1;
  if (apply_conf(&d, &conf, 1)) return 1;
  if (write_pidfile(d.pidfile)) return 1;

  int ncpu = (int)sysconf(_SC_NPROCESSORS_ONLN);
  if (ncpu < 1) ncpu = 1;
  d.nloops = conf.event_threads > 0 ? conf.event_threads : ncpu;
  int wmin = conf.worker_threads > 0 ? conf.worker_threads : (2 * ncpu < 4 ? 4 : 2 * ncpu);
  int wmax = conf.worker_threads > 0 ? conf.worker_threads : wmin + conf.max_connections;
  if (wmax > 256) wmax = 256;
  srv->pool = workpool_create(wmin, wmax);
  d.main_base = event_base_new();
  d.loops = calloc((size_t)d.nloops, sizeof *d.loops);
  if (!srv->pool || !d.main_base || !d.loops) {
    pglog(PGLOG_FATAL, "out of memory");
    unlink(d.pidfile);
    return 1;
  }
  int rc = 0;
  char list[PGCONF_STR];
  snprintf(list, sizeof list, "%s", conf.listen_addresses);
  int tcp_fail = for_each_item(list, listen_tcp, &d, conf.port);
  int ntcp = d.nlisteners;
  snprintf(list, sizeof list, "%s", conf.unix_socket_directories);
  int unix_fail = for_each_item(list, listen_unix, &d, conf.port);
  int want_tcp = strspn(conf.listen_addresses, " ,") != strlen(conf.listen_addresses);
  if (tcp_fail == -2 || unix_fail == -2 || d.nlisteners == 0 || (want_tcp && ntcp == 0)) {
    /* As PostgreSQL: listen_addresses that yield no TCP socket at all is fatal (port in use...). */
    if (want_tcp && ntcp == 0)
      pglog(PGLOG_FATAL, "could not create any TCP/IP sockets");
    else if (d.nlisteners == 0)
      pglog(PGLOG_FATAL, "could not create any listen sockets");
    rc = 1;
  }
  if (rc) d.nloops = 0; /* no loops started: nothing to stop at shutdown */
  for (int i = 0; i < d.nloops; i++) {
    d.loops[i].base = event_base_new();
    if (!d.loops[i].base || pthread_create(&d.loops[i].thread, NULL, loop_main, &d.loops[i])) {
      pglog(PGLOG_FATAL, "could not start event loop thread");
      if (d.loops[i].base) event_base_free(d.loops[i].base);
      d.loops[i].base = NULL;
      d.nloops = i;
      rc = 1;
    }
  }
  struct event *ev_hup = evsignal_new(d.main_base, SIGHUP, sighup_cb, &d);
  struct event *ev_term = evsignal_new(d.main_base, SIGTERM, sigterm_cb, &d);
  struct event *ev_int = evsignal_new(d.main_base, SIGINT, sigterm_cb, &d);
  if (rc == 0) {
    event_add(ev_hup, NULL);
    event_add(ev_term, NULL);
    event_add(ev_int, NULL);
    pglog(PGLOG_LOG, "micad %s ready to accept connections (data directory \"%s\")", MICA_VERSION,
          srv->datadir);
    event_base_dispatch(d.main_base);
  }

  /* Shutdown: stop accepting, end sessions, then stop loops and workers. */
  for (int i = 0; i < d.nlisteners; i++)
    evconnlistener_free(d.listeners[i]);
  for (int i = 0; i < d.nsockets; i++)
    unlink(d.socket_paths[i]);
  pgw_session_terminate_all(srv);
  for (int waited = 0; pgw_session_count(srv) > 0 && waited < 10000; waited += 20) {
    struct timespec ts = {0, 20 * 1000000};
    nanosleep(&ts, NULL);
    if (waited % 2000 == 1980) pgw_session_terminate_all(srv);
  }
  for (int i = 0; i < d.nloops; i++)
    event_base_loopexit(d.loops[i].base, NULL);
  for (int i = 0; i < d.nloops; i++)
    pthread_join(d.loops[i].thread, NULL);
  workpool_destroy(srv->pool);
  for (int i = 0; i < d.nloops; i++)
    event_base_free(d.loops[i].base);
  event_free(ev_hup);
  event_free(ev_term);
  event_free(ev_int);
  event_base_free(d.main_base);
  pthread_mutex_lock(&srv->mu);
  if (srv->ssl_ctx) SSL_CTX_free(srv->ssl_ctx);
  pgw_hba_free(srv->hba);
  pgw_roles_free(srv->roles);
  pthread_mutex_unlock(&srv->mu);
  pgw_notify_free_all(srv);
  pgw_advisory_free_all(srv);
  pthread_mutex_lock(&srv->mu);
  srv->hba = NULL;
  srv->roles = NULL;
  srv->ssl_ctx = NULL;
  pthread_mutex_unlock(&srv->mu);
  free(d.loops);
  for (int i = 0; i < nowned; i++)
    free(owned[i]);
  free(d.overrides);
  unlink(d.pidfile);
  pglog(PGLOG_LOG, "database system is shut down");
  pglog_close();
  libevent_global_shutdown();
  return rc;
}
