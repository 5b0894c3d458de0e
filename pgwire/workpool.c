/*
 * workpool.c: thread pool for blocking jobs (see workpool.h).
 *
 * State, all under p->mu: a singly linked FIFO of jobs, the number of threads and of idle threads, and
 * a stopping flag. Workers wait on p->cv; destroy sets stopping, wakes everyone and joins: workers exit
 * only once the queue is empty, so every submitted job runs exactly once.
 */
#include "workpool.h"

#include <pthread.h>
#include <stdlib.h>

struct job {
  struct job *next;
  workpool_fn fn;
  void *arg;
};

struct workpool {
  pthread_mutex_t mu;
  pthread_cond_t cv;
  struct job *head, *tail;
  pthread_t *threads;
  int nthreads, max, idle, stopping;
};

static void *worker_main(void *arg) {
  workpool *p = arg;
  pthread_mutex_lock(&p->mu);
  for (;;) {
    while (!p->head && !p->stopping) {
      p->idle++;
      pthread_cond_wait(&p->cv, &p->mu);
      p->idle--;
    }
    struct job *j = p->head;
    if (!j) break; /* stopping and drained */
    p->head = j->next;
    if (!p->head) p->tail = NULL;
    pthread_mutex_unlock(&p->mu);
    j->fn(j->arg);
    free(j);
    pthread_mutex_lock(&p->mu);
  }
  pthread_mutex_unlock(&p->mu);
  return NULL;
}

/* Called with p->mu held. */
static int add_thread(workpool *p) {
  if (p->nthreads >= p->max) return -1;
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setstacksize(&attr, 8u << 20);
  int rc = pthread_create(&p->threads[p->nthreads], &attr, worker_main, p);
  pthread_attr_destroy(&attr);
  if (rc) return -1;
  p->nthreads++;
  return 0;
}

workpool *workpool_create(int min, int max) {
  if (min < 1) min = 1;
  if (max < min) max = min;
  workpool *p = calloc(1, sizeof *p);
  if (!p) return NULL;
  p->threads = calloc((size_t)max, sizeof *p->threads);
  if (!p->threads) {
    free(p);
    return NULL;
  }
  pthread_mutex_init(&p->mu, NULL);
  pthread_cond_init(&p->cv, NULL);
  p->max = max;
  pthread_mutex_lock(&p->mu);
  for (int i = 0; i < min; i++)
    (void)add_thread(p);
  pthread_mutex_unlock(&p->mu);
  return p;
}

int workpool_submit(workpool *p, workpool_fn fn, void *arg) {
  struct job *j = malloc(sizeof *j);
  if (!j) return -1;
  j->next = NULL;
  j->fn = fn;
  j->arg = arg;
  pthread_mutex_lock(&p->mu);
  if (p->stopping) {
    pthread_mutex_unlock(&p->mu);
    free(j);
    return -1;
  }
  if (p->tail)
    p->tail->next = j;
  else
    p->head = j;
  p->tail = j;
  /* Count queued jobs against idle threads; grow when nobody is free to take this one. */
  int queued = 0;
  for (struct job *q = p->head; q && queued <= p->idle; q = q->next)
    queued++;
  if (queued > p->idle) (void)add_thread(p);
  pthread_cond_signal(&p->cv);
  pthread_mutex_unlock(&p->mu);
  return 0;
}

int workpool_idle(workpool *p) {
  pthread_mutex_lock(&p->mu);
  int idle = !p->head && p->idle == p->nthreads;
  pthread_mutex_unlock(&p->mu);
  return idle;
}

void workpool_destroy(workpool *p) {
  if (!p) return;
  pthread_mutex_lock(&p->mu);
  p->stopping = 1;
  pthread_cond_broadcast(&p->cv);
  pthread_mutex_unlock(&p->mu);
  for (int i = 0; i < p->nthreads; i++)
    pthread_join(p->threads[i], NULL);
  pthread_cond_destroy(&p->cv);
  pthread_mutex_destroy(&p->mu);
  free(p->threads);
  free(p);
}
