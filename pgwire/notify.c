/*
 * notify.c: LISTEN / NOTIFY / UNLISTEN between the sessions of one micad.
 *
 * State
 *   srv->listens [srv->mu]   every (session, channel) subscription
 *   s->inbox     [s->mu]     notifications delivered to s, not yet written to its socket
 *   s->pending   (worker)    NOTIFYs of s's open transaction, delivered at COMMIT, dropped at ROLLBACK
 * Delivery appends to each listener's inbox under srv->mu then s->mu (the lock order of session.c)
 * and activates the listener's kick event; its loop thread writes NotificationResponse messages
 * ('A': int32 sender pid, channel, payload) without holding either lock. Notifications therefore reach
 * idle sessions at once and busy ones between messages, which the protocol allows.
 */
#include <stdlib.h>
#include <string.h>

#include "session_int.h"

struct pgw_listen {
  struct pgw_listen *next;
  pgw_session *s;
  char *channel;
};

struct pgw_note {
  struct pgw_note *next;
  int32_t pid;
  char *channel;
  char *payload;
};

static struct pgw_note *note_new(int32_t pid, const char *channel, const char *payload) {
  struct pgw_note *n = calloc(1, sizeof *n);
  if (!n) return NULL;
  n->pid = pid;
  n->channel = strdup(channel);
  n->payload = strdup(payload ? payload : "");
  if (!n->channel || !n->payload) {
    free(n->channel);
    free(n->payload);
    free(n);
    return NULL;
  }
  return n;
}

static void note_free_all(struct pgw_note *n) {
  while (n) {
    struct pgw_note *next = n->next;
    free(n->channel);
    free(n->payload);
    free(n);
    n = next;
  }
}

int pgw_notify_listen(pgw_session *s, const char *channel) {
  pgw_server *srv = s->srv;
  pthread_mutex_lock(&srv->mu);
  for (struct pgw_listen *l = srv->listens; l; l = l->next)
    if (l->s == s && !strcmp(l->channel, channel)) {
      pthread_mutex_unlock(&srv->mu);
      return 0;
    }
  struct pgw_listen *l = calloc(1, sizeof *l);
  if (l && !(l->channel = strdup(channel))) {
    free(l);
    l = NULL;
  }
  if (l) {
    l->s = s;
    l->next = srv->listens;
    srv->listens = l;
  }
  pthread_mutex_unlock(&srv->mu);
  return l ? 0 : -1;
}

/* Called with srv->mu held. */
static void unlisten_locked(pgw_server *srv, pgw_session *s, const char *channel) {
  struct pgw_listen **pp = &srv->listens;
  while (*pp) {
    struct pgw_listen *l = *pp;
    if (l->s == s && (!channel || !strcmp(l->channel, channel))) {
      *pp = l->next;
      free(l->channel);
      free(l);
    } else
      pp = &l->next;
  }
}

void pgw_notify_unlisten(pgw_session *s, const char *channel) {
  pthread_mutex_lock(&s->srv->mu);
  unlisten_locked(s->srv, s, channel);
  pthread_mutex_unlock(&s->srv->mu);
}

void pgw_notify_queue(pgw_session *s, const char *channel, const char *payload) {
  struct pgw_note *n = note_new(s->pid, channel, payload);
  if (!n) return;
  /* Keep order: append. Duplicates within one transaction collapse, as in PostgreSQL. */
  struct pgw_note **pp = &s->pending;
  while (*pp) {
    if (!strcmp((*pp)->channel, channel) && !strcmp((*pp)->payload, n->payload)) {
      note_free_all(n);
      return;
    }
    pp = &(*pp)->next;
  }
  *pp = n;
}

void pgw_notify_commit(pgw_session *s) {
  pgw_server *srv = s->srv;
  struct pgw_note *pending = s->pending;
  s->pending = NULL;
  if (!pending) return;
  pthread_mutex_lock(&srv->mu);
  for (struct pgw_note *n = pending; n; n = n->next) {
    for (struct pgw_listen *l = srv->listens; l; l = l->next) {
      if (strcmp(l->channel, n->channel)) continue;
      struct pgw_note *copy = note_new(n->pid, n->channel, n->payload);
      if (!copy) continue;
      pgw_session *t = l->s;
      pthread_mutex_lock(&t->mu);
      struct pgw_note **pp = &t->inbox;
      while (*pp)
        pp = &(*pp)->next;
      *pp = copy;
      event_active(t->kick_ev, EV_READ, 0);
      pthread_mutex_unlock(&t->mu);
    }
  }
  pthread_mutex_unlock(&srv->mu);
  note_free_all(pending);
}

void pgw_notify_abort(pgw_session *s) {
  note_free_all(s->pending);
  s->pending = NULL;
}

void pgw_notify_drain(pgw_session *s) {
  pthread_mutex_lock(&s->mu);
  struct pgw_note *in = s->inbox;
  s->inbox = NULL;
  pthread_mutex_unlock(&s->mu);
  if (!in) return;
  pqbuf b;
  pqbuf_init(&b);
  for (struct pgw_note *n = in; n; n = n->next) {
    pqbuf_start(&b, 'A');
    pqbuf_put_int32(&b, n->pid);
    pqbuf_put_string(&b, n->channel);
    pqbuf_put_string(&b, n->payload);
    pqbuf_finish(&b);
  }
  if (b.len && s->state != PGW_CLOSING) bufferevent_write(s->bev, b.data, b.len);
  pqbuf_free(&b);
  note_free_all(in);
}

void pgw_notify_session_gone(pgw_session *s) {
  pthread_mutex_lock(&s->srv->mu);
  unlisten_locked(s->srv, s, NULL);
  pthread_mutex_unlock(&s->srv->mu);
  pthread_mutex_lock(&s->mu);
  struct pgw_note *in = s->inbox;
  s->inbox = NULL;
  pthread_mutex_unlock(&s->mu);
  note_free_all(in);
  pgw_notify_abort(s);
}

void pgw_notify_free_all(pgw_server *srv) {
  pthread_mutex_lock(&srv->mu);
  while (srv->listens) {
    struct pgw_listen *l = srv->listens;
    srv->listens = l->next;
    free(l->channel);
    free(l);
  }
  pthread_mutex_unlock(&srv->mu);
}
