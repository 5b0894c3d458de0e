/*
 * workpool.h: a pool of threads that run blocking jobs (engine calls) off the event loops.
 *
 * Jobs run in FIFO order. The pool starts `min` threads and adds one (up to `max`) whenever a job is
 * submitted while every thread is busy, so a few long statements cannot starve short ones. Idle extra
 * threads stay until the pool is destroyed.
 */
#ifndef WORKPOOL_H
#define WORKPOOL_H

typedef struct workpool workpool;
typedef void (*workpool_fn)(void *arg);

workpool *workpool_create(int min, int max);
/* Queues fn(arg). Returns 0, or -1 when the pool is shutting down or out of memory (fn not run). */
int workpool_submit(workpool *p, workpool_fn fn, void *arg);
/* 1 when no job is queued or running (every thread waits for work), else 0. A snapshot: another thread
 * may submit right after. */
int workpool_idle(workpool *p);
/* Runs every queued job to completion, then joins and frees the threads. */
void workpool_destroy(workpool *p);

#endif /* WORKPOOL_H */
