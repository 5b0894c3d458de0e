/*
 * pager.c: the page cache, transactions and snapshots over one database file and its WAL.
 *
 * OBJECTS
 *   Pager      one per database file per process, shared by all its connections (registry below).
 *              Owns the database IoFile, the Wal (wal.c), the shared page cache and the write lock.
 *   PagerConn  one per connection: its transaction state, snapshot, page table (the pages it has
 *              referenced, with their per-connection PgHdr) and, in a write transaction, its
 *              private copies of the pages it changed plus the savepoint journal.
 *
 * STATES (PagerConn.state)
 *   PS_NONE  --begin_read-->  PS_READ  --begin_write-->  PS_WRITE  --commit/rollback-->  PS_NONE
 *   PS_NONE  --begin_write-->  PS_WRITE;   PS_READ --end_read--> PS_NONE
 *   A snapshot is (WAL generation, last commit frame mx, page count), taken at begin_read (or at
 *   begin_write from PS_NONE). A page is read from frame wal_find(pgno, mx) of the log when that is
 *   non-zero, else from the database file. A snapshot of an older generation (the log was restarted
 *   after being fully checkpointed) reads everything from the database file.
 *
 * SHARED CACHE
 *   Entries are immutable page images keyed by (pgno, frame): frame 0 is the database file's image.
 *   A version of a page is never changed in place, so readers at different snapshots share entries
 *   safely. Entries are pinned while a connection references them. Eviction (under the cache budget
 *   set by pager_set_cache_size, PRAGMA cache_size semantics, default -2000 = 2000 KiB) takes only
 *   unpinned entries and is scan resistant (2Q-like): new entries enter a probation list, a second
 *   hit promotes to the protected list, and probation is evicted first while it holds more than a
 *   quarter of the budget. Private (dirty) pages of a write transaction are NOT counted against the
 *   budget: a large transaction may exceed it (they are released at commit or rollback).
 *   When the log is restarted, entries of the newest frame of each page are re-keyed to frame 0 (the
 *   database file now holds that image) and all others of logged pages are dropped.
 *
 * WRITING
 *   pager_write gives the writer a private copy of the page (copy-on-write: readers keep the shared
 *   image) and, when a savepoint is open, journals the page's image at the top savepoint first.
 *   NOTE pg->data changes in pager_write: callers must re-read pg->data after it.
 *   pager_commit updates page 1's header (change counter at 24, size in pages at 28, version-valid-for
 *   at 92, SQLite version number 3040001 at 96, read/write versions 18/19 = 2 for WAL), appends the
 *   dirty pages as frames (the last a commit frame carrying the database size), publishes the commit
 *   to new snapshots, hands the pages to the cache and releases the write lock; then, when
 *   synchronous >= FULL, waits until the log is synced past its commit (GROUP COMMIT: one fdatasync
 *   covers every commit published before it started, so commits arriving while a sync is in flight
 *   share the next one; when no sync is in flight and no writer is queued, the frames and the
 *   fdatasync go out as one linked batch instead). pager_commit returns only once it is durable. If that sync
 * fails the commit is already visible to new snapshots but MICA_IOERR_FSYNC is returned (as with SQLite, an
 * fsync failure leaves durability unknown). NORMAL syncs the log only at checkpoints, OFF never.
 *
 * INVARIANTS
 *   (1) The database file is written only by checkpoints, and only with frames no active snapshot
 *       needs to read from the file (limit = the oldest snapshot's mx).
 *   (2) Only the holder of the write lock appends to the log or restarts it.
 *   (3) Pager.mu protects the cache, the WAL index and every PagerConn's snapshot fields; ckpt_mu
 *       serialises checkpoints and log restarts. Lock order: registry_mu, write lock, ckpt_mu, mu
 *       (the write lock is waited for under mu alone, never while holding ckpt_mu).
 *
 * REGISTRY (the only global mutable state): registry_mu protects a list of open file Pagers keyed by
 * device and inode; pager_open joins an existing Pager, pager_close of the last connection runs a
 * TRUNCATE checkpoint, deletes the emptied -wal file (as sqlite3 does), closes the files and frees
 * the Pager. In-memory databases are never shared: their database and log are in-memory IoFiles
 * (io_mem_open), so they run the same code paths without touching the disk.
 *
 * OPENING: take the file lock; roll back a hot rollback journal (-journal) a crashed sqlite3 left;
 * read the header (page size, reserved bytes, size in pages when valid); open the -wal file and
 * recover it (wal.c). A rollback-mode file (header bytes 18/19 = 1) is read as is; the first commit
 * switches it to WAL mode (18/19 = 2).
 *
 * LOCKING: a process holds an exclusive fcntl lock on SQLite's lock bytes of the database file for
 * as long as the Pager is open (shared when read-only), so sqlite3 sees SQLITE_BUSY. The locks are
 * open-file-description locks, released when the kernel drops the last reference to the file; a
 * process killed with io_uring requests in flight drops it asynchronously, shortly after it has
 * been reaped. So opening retries a refused lock for up to PAGER_OPEN_LOCK_WAIT_MS before it
 * reports BUSY: a server restarted at once after kill -9 opens its database.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "io.h"
#include "mica.h"
#include "pager.h"
#include "wal.h"

#define PAGER_DEFAULT_PAGE_SIZE 4096
#define PAGER_SQLITE_VERSION 3040001u
#define PAGER_MAX_PGNO 0xfffffffeu
#define PAGER_CKPT_WAIT_MS 2000

enum { PS_NONE = 0, PS_READ = 1, PS_WRITE = 2 };

typedef struct CacheEntry CacheEntry;
struct CacheEntry {
  uint32_t pgno, frame;
  uint8_t *data;
  int pins;
  int orphan;  /* removed from the hash; freed at the last unpin */
  int loading; /* being read (pinned by the loader); waiters sleep on Pager.load_cv */
  int failed;  /* the load failed with this code (the entry is an orphan) */
  int list;    /* 0 none, 1 probation, 2 protected */
  CacheEntry *hnext, *prev, *next;
};

typedef struct CacheList {
  CacheEntry *head, *tail;
  uint32_t n;
} CacheList;

typedef struct Waiter {
  pthread_cond_t cv;
  PagerConn *pc;
  int granted;
  struct Waiter *next;
} Waiter;

struct Pager {
  pthread_mutex_t mu, ckpt_mu;
  pthread_cond_t load_cv, sync_cv;
  /* group commit: commits are numbered; synced_seq is the last known durable one */
  uint64_t commit_seq, synced_seq;
  int sync_busy;
  char *path;
  dev_t dev;
  ino_t ino;
  int nconn;
  Pager *next; /* registry */
  IoFile *db;
  Wal *wal;
  int memory, readonly;
  uint32_t page_size;
  int reserved;
  uint32_t db_file_pages; /* database size as of the backfilled state (snapshot mx = 0) */
  /* cache */
  CacheEntry **htab;
  uint32_t hcap, ncache, cache_max;
  CacheList a1, am;
  uint64_t hits, misses;
  int64_t cache_cfg; /* as given to pager_set_cache_size */
  /* background checkpointer */
  pthread_t ckpt_thread;
  pthread_cond_t ckpt_cv;
  int ckpt_started, ckpt_request, ckpt_stop, ckpt_sync;
  PagerConn *ckpt_conn;
  /* write lock */
  PagerConn *writer;
  Waiter *qhead, *qtail;
  PagerConn *conns;
};

typedef struct ConnPage ConnPage;
struct ConnPage {
  PgHdr hdr;
  PagerConn *pc;
  int nref;
  CacheEntry *ce; /* pinned shared image, or NULL when priv */
  uint8_t *priv;  /* private copy (writer), or a zero page */
  int dirty;
  int detached; /* the transaction ended while referenced */
  ConnPage *hnext;
};

typedef struct SpEntry {
  uint32_t pgno;
  uint8_t *img;
} SpEntry;

typedef struct Savepoint {
  SpEntry *e;
  int n, cap;
  uint32_t *set; /* open addressing set of journaled pgnos */
  uint32_t setcap, setn;
  uint32_t npages;
} Savepoint;

struct PagerConn {
  Pager *p;
  int state;
  uint32_t snap_gen, snap_mx, snap_npages;
  uint32_t w_npages;
  ConnPage **ptab;
  uint32_t ptcap, ptn;
  Savepoint *sp;
  int nsp, spcap;
  int synchronous, autockpt;
  int readonly;    /* opened PAGER_OPEN_READONLY (the shared Pager may still be writable) */
  PagerConn *next; /* Pager.conns */
  char errmsg[256];
};

static pthread_mutex_t registry_mu = PTHREAD_MUTEX_INITIALIZER;
static Pager *registry;

static uint32_t get32(const uint8_t *p) {
  return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}
static void put32(uint8_t *p, uint32_t v) {
  p[0] = (uint8_t)(v >> 24);
  p[1] = (uint8_t)(v >> 16);
  p[2] = (uint8_t)(v >> 8);
  p[3] = (uint8_t)v;
}

static int seterr(PagerConn *pc, int rc, const char *fmt, ...) {
  if (pc) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(pc->errmsg, sizeof pc->errmsg, fmt, ap);
    va_end(ap);
  }
  return rc;
}

/* ------------------------------------------------------------------------------------------------
 * Shared cache (Pager.mu held).
 */
static void list_remove(Pager *p, CacheEntry *e) {
  CacheList *l = e->list == 1 ? &p->a1 : e->list == 2 ? &p->am : NULL;
  if (!l) return;
  if (e->prev)
    e->prev->next = e->next;
  else
    l->head = e->next;
  if (e->next)
    e->next->prev = e->prev;
  else
    l->tail = e->prev;
  e->prev = e->next = NULL;
  e->list = 0;
  l->n--;
}

static void list_append(Pager *p, CacheEntry *e, int which) {
  CacheList *l = which == 1 ? &p->a1 : &p->am;
  e->list = which;
  e->next = NULL;
  e->prev = l->tail;
  if (l->tail)
    l->tail->next = e;
  else
    l->head = e;
  l->tail = e;
  l->n++;
}

static uint32_t cache_slot(const Pager *p, uint32_t pgno) { return (pgno * 2654435761u) & (p->hcap - 1); }

static CacheEntry *cache_lookup(Pager *p, uint32_t pgno, uint32_t frame) {
  if (!p->hcap) return NULL;
  for (CacheEntry *e = p->htab[cache_slot(p, pgno)]; e; e = e->hnext)
    if (e->pgno == pgno && e->frame == frame) return e;
  return NULL;
}

static void cache_unhash(Pager *p, CacheEntry *e) {
  CacheEntry **pp = &p->htab[cache_slot(p, e->pgno)];
  while (*pp && *pp != e)
    pp = &(*pp)->hnext;
  if (*pp) *pp = e->hnext;
  e->hnext = NULL;
  list_remove(p, e);
  p->ncache--;
}

static void cache_free_entry(CacheEntry *e) {
  free(e->data);
  free(e);
}

/* Drops e from the cache: freed now if unpinned, else at its last unpin. */
static void cache_drop(Pager *p, CacheEntry *e) {
  cache_unhash(p, e);
  if (e->pins == 0)
    cache_free_entry(e);
  else
    e->orphan = 1;
}

static void cache_evict(Pager *p, uint32_t target) {
  while (p->ncache > target) {
    /* Probation goes first while it holds over a quarter of the budget; protected is capped at
     * three quarters so a stale hot set cannot starve new pages. */
    uint32_t q = p->cache_max / 4;
    CacheList *first = (p->am.n > p->cache_max - q || !p->a1.n) ? &p->am
                       : (p->a1.n > q || !p->am.n)              ? &p->a1
                                                                : &p->am;
    CacheList *second = first == &p->a1 ? &p->am : &p->a1;
    CacheEntry *victim = NULL;
    for (CacheEntry *e = first->head; e && !victim; e = e->next)
      if (!e->pins) victim = e;
    for (CacheEntry *e = second->head; e && !victim; e = e->next)
      if (!e->pins) victim = e;
    if (!victim) return; /* everything pinned: allowed to exceed */
    cache_drop(p, victim);
  }
}

static int cache_grow(Pager *p) {
  if (p->ncache + 1 <= p->hcap) return MICA_OK;
  uint32_t ncap = p->hcap ? p->hcap * 2 : 256;
  CacheEntry **nt = calloc(ncap, sizeof(CacheEntry *));
  if (!nt) return MICA_NOMEM;
  CacheEntry **ot = p->htab;
  uint32_t ocap = p->hcap;
  p->htab = nt;
  p->hcap = ncap;
  for (uint32_t i = 0; i < ocap; i++) {
    CacheEntry *e = ot[i];
    while (e) {
      CacheEntry *nx = e->hnext;
      uint32_t s = cache_slot(p, e->pgno);
      e->hnext = nt[s];
      nt[s] = e;
      e = nx;
    }
  }
  free(ot);
  return MICA_OK;
}

/* Inserts an entry taking ownership of data (freed on failure). Returns NULL on NOMEM. */
static CacheEntry *cache_insert(Pager *p, uint32_t pgno, uint32_t frame, uint8_t *data) {
  if (p->ncache >= p->cache_max) cache_evict(p, p->cache_max ? p->cache_max - 1 : 0);
  CacheEntry *e = calloc(1, sizeof *e);
  if (!e || cache_grow(p) != MICA_OK) {
    free(e);
    free(data);
    return NULL;
  }
  e->pgno = pgno;
  e->frame = frame;
  e->data = data;
  uint32_t s = cache_slot(p, pgno);
  e->hnext = p->htab[s];
  p->htab[s] = e;
  p->ncache++;
  list_append(p, e, 1);
  return e;
}

/* A commit made a newer version of pgno: older versions are needed only by older snapshots, so
 * they become the first candidates for eviction (head of probation). */
static void cache_demote_older(Pager *p, uint32_t pgno, uint32_t newest) {
  for (CacheEntry *e = p->htab[cache_slot(p, pgno)]; e; e = e->hnext) {
    if (e->pgno != pgno || e->frame == newest) continue;
    list_remove(p, e);
    e->list = 1;
    e->prev = NULL;
    e->next = p->a1.head;
    if (p->a1.head)
      p->a1.head->prev = e;
    else
      p->a1.tail = e;
    p->a1.head = e;
    p->a1.n++;
  }
}

static void cache_touch(Pager *p, CacheEntry *e) {
  list_remove(p, e);
  list_append(p, e, 2);
}

static void cache_unpin(Pager *p, CacheEntry *e) {
  if (--e->pins == 0 && e->orphan) cache_free_entry(e);
}

/* Before the log restarts: the newest frame of each logged page becomes the file image (frame 0). */
static void cache_rekey_for_reset(Pager *p) {
  for (uint32_t i = 0; i < p->hcap; i++) {
    CacheEntry *e = p->htab[i];
    while (e) {
      CacheEntry *nx = e->hnext;
      uint32_t latest = wal_find_latest(p->wal, e->pgno);
      if (latest && e->frame != latest) cache_drop(p, e);
      e = nx;
    }
  }
  for (uint32_t i = 0; i < p->hcap; i++)
    for (CacheEntry *e = p->htab[i]; e; e = e->hnext)
      e->frame = 0;
}

static void cache_clear(Pager *p) {
  for (uint32_t i = 0; i < p->hcap; i++) {
    CacheEntry *e = p->htab[i];
    while (e) {
      CacheEntry *nx = e->hnext;
      cache_free_entry(e);
      e = nx;
    }
  }
  free(p->htab);
  p->htab = NULL;
  p->hcap = p->ncache = 0;
  p->a1 = p->am = (CacheList){0};
}

static uint32_t cache_pages_for(int64_t cfg, uint32_t page_size) {
  int64_t n = cfg >= 0 ? cfg : (-cfg * 1024) / (int64_t)page_size;
  if (n < 10) n = 10;
  if (n > 0x7fffffff) n = 0x7fffffff;
  return (uint32_t)n;
}

/* ------------------------------------------------------------------------------------------------
 * Write lock: a FIFO of waiters; release hands the lock to the first waiter (Pager.mu held).
 */
static void deadline_after(struct timespec *ts, int ms) {
  clock_gettime(CLOCK_REALTIME, ts);
  ts->tv_sec += ms / 1000;
  ts->tv_nsec += (long)(ms % 1000) * 1000000L;
  if (ts->tv_nsec >= 1000000000L) {
    ts->tv_sec++;
    ts->tv_nsec -= 1000000000L;
  }
}

/* How long pager_open waits for the file lock (see LOCKING above). */
#define PAGER_OPEN_LOCK_WAIT_MS 2000

/* Takes the file lock, retrying BUSY every 10 ms until PAGER_OPEN_LOCK_WAIT_MS have passed. */
static int lock_at_open(IoFile *f, int level) {
  int rc = io_lock(f, level);
  for (int waited = 0; rc == MICA_BUSY && waited < PAGER_OPEN_LOCK_WAIT_MS; waited += 10) {
    struct timespec ts = {0, 10 * 1000 * 1000};
    nanosleep(&ts, NULL);
    rc = io_lock(f, level);
  }
  return rc;
}

static int wlock_acquire(Pager *p, PagerConn *pc, int timeout_ms) {
  if (p->writer == pc) return MICA_OK;
  if (!p->writer && !p->qhead) {
    p->writer = pc;
    return MICA_OK;
  }
  if (timeout_ms <= 0) return MICA_BUSY;
  Waiter w = {.pc = pc};
  pthread_cond_init(&w.cv, NULL);
  if (p->qtail)
    p->qtail->next = &w;
  else
    p->qhead = &w;
  p->qtail = &w;
  struct timespec dl;
  deadline_after(&dl, timeout_ms);
  int rc = MICA_OK;
  while (!w.granted) {
    if (pthread_cond_timedwait(&w.cv, &p->mu, &dl) == ETIMEDOUT && !w.granted) {
      Waiter **pp = &p->qhead, *prev = NULL;
      while (*pp != &w) {
        prev = *pp;
        pp = &(*pp)->next;
      }
      *pp = w.next;
      if (p->qtail == &w) p->qtail = prev;
      rc = MICA_BUSY;
      break;
    }
  }
  pthread_cond_destroy(&w.cv);
  return rc;
}

static void wlock_release(Pager *p) {
  Waiter *w = p->qhead;
  if (w) {
    p->qhead = w->next;
    if (!p->qhead) p->qtail = NULL;
    p->writer = w->pc;
    w->granted = 1;
    pthread_cond_signal(&w->cv);
  } else {
    p->writer = NULL;
  }
}

/* ------------------------------------------------------------------------------------------------
 * Connection page table.
 */
static uint32_t pt_slot(uint32_t cap, uint32_t pgno) { return (pgno * 2654435761u) & (cap - 1); }

static ConnPage *pt_find(PagerConn *pc, uint32_t pgno) {
  if (!pc->ptcap) return NULL;
  for (ConnPage *cp = pc->ptab[pt_slot(pc->ptcap, pgno)]; cp; cp = cp->hnext)
    if (cp->hdr.pgno == pgno) return cp;
  return NULL;
}

static int pt_add(PagerConn *pc, ConnPage *cp) {
  if (pc->ptn + 1 > pc->ptcap) {
    uint32_t ncap = pc->ptcap ? pc->ptcap * 2 : 64;
    ConnPage **nt = calloc(ncap, sizeof(ConnPage *));
    if (!nt) return MICA_NOMEM;
    for (uint32_t i = 0; i < pc->ptcap; i++) {
      ConnPage *c = pc->ptab[i];
      while (c) {
        ConnPage *nx = c->hnext;
        uint32_t s = pt_slot(ncap, c->hdr.pgno);
        c->hnext = nt[s];
        nt[s] = c;
        c = nx;
      }
    }
    free(pc->ptab);
    pc->ptab = nt;
    pc->ptcap = ncap;
  }
  uint32_t s = pt_slot(pc->ptcap, cp->hdr.pgno);
  cp->hnext = pc->ptab[s];
  pc->ptab[s] = cp;
  pc->ptn++;
  return MICA_OK;
}

static void pt_remove(PagerConn *pc, ConnPage *cp) {
  ConnPage **pp = &pc->ptab[pt_slot(pc->ptcap, cp->hdr.pgno)];
  while (*pp && *pp != cp)
    pp = &(*pp)->hnext;
  if (*pp) *pp = cp->hnext;
  cp->hnext = NULL;
  pc->ptn--;
}

/* Releases a page no longer in the table (Pager.mu must NOT be held). */
static void cp_free(PagerConn *pc, ConnPage *cp) {
  if (cp->ce) {
    pthread_mutex_lock(&pc->p->mu);
    cache_unpin(pc->p, cp->ce);
    pthread_mutex_unlock(&pc->p->mu);
  }
  free(cp->priv);
  free(cp);
}

/* Ends the transaction's hold on its pages: unreferenced ones are freed, referenced ones detached
 * (their memory stays valid until pager_unref). */
static void pt_release_all(PagerConn *pc) {
  for (uint32_t i = 0; i < pc->ptcap; i++) {
    ConnPage *cp = pc->ptab[i];
    while (cp) {
      ConnPage *nx = cp->hnext;
      cp->hnext = NULL;
      if (cp->nref > 0)
        cp->detached = 1;
      else
        cp_free(pc, cp);
      cp = nx;
    }
    pc->ptab[i] = NULL;
  }
  pc->ptn = 0;
}

/* ------------------------------------------------------------------------------------------------
 * Savepoints.
 */
static int sp_has(const Savepoint *sp, uint32_t pgno) {
  if (!sp->setcap) return 0;
  for (uint32_t i = pt_slot(sp->setcap, pgno); sp->set[i]; i = (i + 1) & (sp->setcap - 1))
    if (sp->set[i] == pgno) return 1;
  return 0;
}

static int sp_add(Savepoint *sp, uint32_t pgno, const uint8_t *data, uint32_t page_size) {
  if ((sp->setn + 1) * 2 > sp->setcap) {
    uint32_t ncap = sp->setcap ? sp->setcap * 2 : 32;
    uint32_t *ns = calloc(ncap, sizeof *ns);
    if (!ns) return MICA_NOMEM;
    for (uint32_t i = 0; i < sp->setcap; i++) {
      if (!sp->set[i]) continue;
      uint32_t j = pt_slot(ncap, sp->set[i]);
      while (ns[j])
        j = (j + 1) & (ncap - 1);
      ns[j] = sp->set[i];
    }
    free(sp->set);
    sp->set = ns;
    sp->setcap = ncap;
  }
  if (sp->n == sp->cap) {
    int ncap = sp->cap ? sp->cap * 2 : 16;
    SpEntry *ne = realloc(sp->e, (size_t)ncap * sizeof *ne);
    if (!ne) return MICA_NOMEM;
    sp->e = ne;
    sp->cap = ncap;
  }
  uint8_t *img = malloc(page_size);
  if (!img) return MICA_NOMEM;
  memcpy(img, data, page_size);
  sp->e[sp->n++] = (SpEntry){pgno, img};
  uint32_t j = pt_slot(sp->setcap, pgno);
  while (sp->set[j])
    j = (j + 1) & (sp->setcap - 1);
  sp->set[j] = pgno;
  sp->setn++;
  return MICA_OK;
}

static void sp_clear(Savepoint *sp) {
  for (int i = 0; i < sp->n; i++)
    free(sp->e[i].img);
  free(sp->e);
  free(sp->set);
  uint32_t np = sp->npages;
  *sp = (Savepoint){0};
  sp->npages = np;
}

static void sp_free_all(PagerConn *pc) {
  for (int i = 0; i < pc->nsp; i++)
    sp_clear(&pc->sp[i]);
  free(pc->sp);
  pc->sp = NULL;
  pc->nsp = pc->spcap = 0;
}

/* ------------------------------------------------------------------------------------------------
 * Snapshots.
 */
static void take_snapshot(PagerConn *pc) {
  Pager *p = pc->p;
  pc->snap_gen = wal_generation(p->wal);
  pc->snap_mx = wal_max_frame(p->wal);
  pc->snap_npages = pc->snap_mx ? wal_db_size(p->wal, pc->snap_mx) : p->db_file_pages;
}

static uint32_t snapshot_frame(PagerConn *pc, uint32_t pgno) {
  Pager *p = pc->p;
  if (pc->snap_gen != wal_generation(p->wal) || pc->snap_mx == 0) return 0;
  return wal_find(p->wal, pgno, pc->snap_mx);
}

static int load_image(Pager *p, uint32_t pgno, uint32_t frame, uint8_t *buf) {
  if (frame) return wal_read_frame(p->wal, frame, buf);
  int rc = io_read(p->db, buf, p->page_size, (uint64_t)(pgno - 1) * p->page_size);
  return rc == MICA_IOERR_SHORT_READ ? MICA_OK : rc;
}

/* ------------------------------------------------------------------------------------------------
 * Open and close.
 */
static int is_memory_path(const char *path, int flags) {
  return (flags & PAGER_OPEN_MEMORY) || !path || !*path || strcmp(path, ":memory:") == 0;
}

static uint32_t header_page_size(const uint8_t *h) {
  uint32_t v = ((uint32_t)h[16] << 8) | h[17];
  return v == 1 ? 65536 : v;
}

static int valid_page_size(uint32_t ps) { return ps >= 512 && ps <= 65536 && (ps & (ps - 1)) == 0; }

/* A hot rollback journal left by a crashed sqlite3 (rollback-journal mode): plays the page images it
 * holds back into the database file, truncates the file to its size before the transaction, syncs,
 * and deletes the journal. Runs with the exclusive lock held, before anything reads the file.
 *
 * ROLLBACK JOURNAL FORMAT (big-endian): one or more segments, each a header padded to the sector size:
 *   0 magic d9 d5 05 f9 20 a1 63 d7, 8 record count (0xffffffff: up to the end of the file),
 *   12 checksum nonce, 16 database size in pages before the transaction, 20 sector size, 24 page size;
 * followed by records: page number (4), page image (page size), checksum (4) = nonce + the page bytes
 * at offsets page_size-200, page_size-400, ... (> 0). Playback stops at the first bad record. */
static const uint8_t journal_magic[8] = {0xd9, 0xd5, 0x05, 0xf9, 0x20, 0xa1, 0x63, 0xd7};

/* A journal of a multi-database transaction ends with the super-journal's name: name, its length
 * (4), its checksum (4), then the journal magic (8). If that super-journal no longer exists the
 * transaction committed and the journal must not be played back. A relative name is taken relative
 * to the database's directory. */
static int super_journal_gone(IoFile *jf, uint64_t jsize, const char *dbpath) {
  uint8_t tail[16];
  if (jsize < 16 + 28 || io_read(jf, tail, 16, jsize - 16) != MICA_OK) return 0;
  if (memcmp(tail + 8, journal_magic, 8) != 0) return 0;
  uint32_t len = get32(tail), ck = get32(tail + 4);
  if (len == 0 || len > 4096 || len + 16 > jsize) return 0;
  char *name = calloc(1, (size_t)len + 1);
  if (!name) return 0;
  int gone = 0;
  if (io_read(jf, name, len, jsize - 16 - len) == MICA_OK) {
    uint32_t sum = 0;
    for (uint32_t i = 0; i < len; i++)
      sum += (uint8_t)name[i];
    size_t nl = strlen(name);
    if (sum == ck && nl > 0) {
      struct stat st;
      if (name[0] == '/') {
        gone = stat(name, &st) != 0 && errno == ENOENT;
      } else {
        const char *slash = strrchr(dbpath, '/');
        size_t dl = slash ? (size_t)(slash - dbpath + 1) : 0;
        char *full = malloc(dl + nl + 1);
        if (full) {
          memcpy(full, dbpath, dl);
          memcpy(full + dl, name, nl + 1);
          gone = stat(full, &st) != 0 && errno == ENOENT;
          free(full);
        }
      }
    }
  }
  free(name);
  return gone;
}

static int hot_journal_rollback(Pager *p, PagerConn *pc, IoOpenFn open_fn, void *ctx, int ioflags) {
  size_t n = strlen(p->path);
  char *jpath = malloc(n + 9);
  if (!jpath) return MICA_NOMEM;
  memcpy(jpath, p->path, n);
  memcpy(jpath + n, "-journal", 9);
  IoFile *jf = NULL;
  struct stat st;
  int rc = MICA_OK;
  if (stat(jpath, &st) != 0 || st.st_size < 28 ||
      open_fn(ctx, jpath, (ioflags & ~IO_OPEN_CREATE) | IO_OPEN_READONLY, &jf) != MICA_OK) {
    free(jpath);
    return MICA_OK; /* no journal: nothing to do */
  }
  uint64_t jsize = 0, off = 0;
  uint8_t h[28];
  uint8_t *buf = NULL;
  uint32_t dbsize = 0, ps = 0;
  int first = 1;
  rc = io_size(jf, &jsize);
  if (rc == MICA_OK && super_journal_gone(jf, jsize, p->path)) {
    /* Part of a multi-database commit that completed: the journal is not hot, only stale. */
    io_close(jf);
    if (!p->readonly) unlink(jpath);
    free(jpath);
    return MICA_OK;
  }
  while (rc == MICA_OK && off + 28 <= jsize) {
    if (io_read(jf, h, 28, off) != MICA_OK || memcmp(h, journal_magic, 8) != 0) break;
    uint32_t nrec = get32(h + 8), nonce = get32(h + 12), sector = get32(h + 20), hps = get32(h + 24);
    if (first) {
      if (!valid_page_size(hps) || sector < 32 || sector > 65536 || (sector & (sector - 1))) break;
      if (p->readonly) {
        rc = seterr(pc, MICA_READONLY, "hot journal needs rollback but the database is read-only");
        break;
      }
      ps = hps;
      dbsize = get32(h + 16);
      buf = malloc(ps + 8);
      if (!buf) {
        rc = MICA_NOMEM;
        break;
      }
      first = 0;
    } else if (hps != ps) {
      break;
    }
    off += sector;
    uint64_t recsz = (uint64_t)ps + 8;
    if (nrec == 0xffffffffu) nrec = (uint32_t)((jsize - off) / recsz);
    uint32_t i;
    for (i = 0; i < nrec && off + recsz <= jsize; i++, off += recsz) {
      if (io_read(jf, buf, recsz, off) != MICA_OK) break;
      uint32_t pgno = get32(buf), ck = nonce;
      for (int k = (int)ps - 200; k > 0; k -= 200)
        ck += buf[4 + k];
      if (pgno == 0 || ck != get32(buf + 4 + ps)) break;
      if (pgno > dbsize) continue; /* truncated away below anyway */
      rc = io_write(p->db, buf + 4, ps, (uint64_t)(pgno - 1) * ps);
      if (rc != MICA_OK) break;
    }
    if (i < nrec || rc != MICA_OK) break;
    off = (off + sector - 1) / sector * sector; /* next segment header */
  }
  free(buf);
  io_close(jf);
  if (rc == MICA_OK && !first) {
    rc = io_truncate(p->db, (uint64_t)dbsize * ps);
    if (rc == MICA_OK) rc = io_sync(p->db);
    if (rc == MICA_OK && unlink(jpath) != 0) rc = MICA_IOERR;
    if (rc != MICA_OK) seterr(pc, rc, "cannot roll back the hot journal");
  }
  free(jpath);
  return rc;
}

/* Reads the database header and sizes; opens and recovers the log. */
static int pager_init_files(Pager *p, PagerConn *pc, IoOpenFn open_fn, void *ctx, int ioflags) {
  uint64_t size = 0;
  uint8_t hdr[100];
  int rc = io_size(p->db, &size);
  if (rc != MICA_OK) return seterr(pc, rc, "cannot stat database file");
  uint32_t ps = 0;
  int have_hdr = 0;
  if (size > 0) {
    if (size < 100) return seterr(pc, MICA_NOTADB, "file is not a database");
    rc = io_read(p->db, hdr, 100, 0);
    if (rc != MICA_OK) return seterr(pc, rc, "cannot read database header");
    if (memcmp(hdr, "SQLite format 3", 16) != 0) return seterr(pc, MICA_NOTADB, "file is not a database");
    ps = header_page_size(hdr);
    if (!valid_page_size(ps)) return seterr(pc, MICA_NOTADB, "invalid page size in database header");
    if (ps - hdr[20] < 480) return seterr(pc, MICA_NOTADB, "invalid reserved bytes");
    p->reserved = hdr[20];
    have_hdr = 1;
  }
  IoFile *wf = NULL;
  if (p->memory) {
    rc = io_mem_open(&wf);
  } else {
    size_t n = strlen(p->path);
    char *wpath = malloc(n + 5);
    if (!wpath) return MICA_NOMEM;
    memcpy(wpath, p->path, n);
    memcpy(wpath + n, "-wal", 5);
    rc = open_fn(ctx, wpath, ioflags | (p->readonly ? 0 : IO_OPEN_CREATE), &wf);
    free(wpath);
    if (rc == MICA_CANTOPEN && p->readonly) rc = io_mem_open(&wf);
  }
  if (rc != MICA_OK) return seterr(pc, rc, "cannot open the WAL file");
  uint32_t wps = ps;
  rc = wal_open(wf, &wps, &p->wal);
  if (rc != MICA_OK) return seterr(pc, rc, "cannot recover the WAL file");
  p->page_size = wps ? wps : PAGER_DEFAULT_PAGE_SIZE;
  if (have_hdr && get32(hdr + 28) != 0 && get32(hdr + 24) == get32(hdr + 92))
    p->db_file_pages = get32(hdr + 28);
  else
    p->db_file_pages = (uint32_t)(size / p->page_size);
  return MICA_OK;
}

static void pager_free(Pager *p) {
  if (!p) return;
  wal_close(p->wal);
  io_close(p->db);
  cache_clear(p);
  pthread_mutex_destroy(&p->mu);
  pthread_mutex_destroy(&p->ckpt_mu);
  pthread_cond_destroy(&p->load_cv);
  pthread_cond_destroy(&p->sync_cv);
  pthread_cond_destroy(&p->ckpt_cv);
  free(p->path);
  free(p);
}

static PagerConn *conn_new(Pager *p, int flags) {
  PagerConn *pc = calloc(1, sizeof *pc);
  if (!pc) return NULL;
  pc->p = p;
  pc->readonly = (flags & PAGER_OPEN_READONLY) != 0;
  pc->synchronous = p->memory ? 0 : 2;
  pc->autockpt = 1000;
  return pc;
}

static int map_ioflags(int flags) {
  int f = 0;
  if (flags & PAGER_OPEN_READONLY) f |= IO_OPEN_READONLY;
  if (flags & PAGER_OPEN_CREATE) f |= IO_OPEN_CREATE;
  if (flags & PAGER_OPEN_IO_POSIX) f |= IO_OPEN_POSIX;
  if (flags & PAGER_OPEN_IO_URING) f |= IO_OPEN_URING;
  return f;
}

int pager_open_io(const char *path, int flags, IoOpenFn open_fn, void *ctx, PagerConn **out) {
  *out = NULL;
  if (!open_fn) open_fn = io_open_default;
  int memory = is_memory_path(path, flags);
  struct stat st;
  int rc;
  pthread_mutex_lock(&registry_mu);
  if (!memory && stat(path, &st) == 0) {
    for (Pager *q = registry; q; q = q->next) {
      if (q->dev == st.st_dev && q->ino == st.st_ino) {
        PagerConn *pc = conn_new(q, flags);
        if (!pc) {
          pthread_mutex_unlock(&registry_mu);
          return MICA_NOMEM;
        }
        pthread_mutex_lock(&q->mu);
        q->nconn++;
        pc->next = q->conns;
        q->conns = pc;
        pthread_mutex_unlock(&q->mu);
        pthread_mutex_unlock(&registry_mu);
        *out = pc;
        return MICA_OK;
      }
    }
  }
  Pager *p = calloc(1, sizeof *p);
  PagerConn *pc = p ? conn_new(p, flags) : NULL;
  if (!pc) {
    free(p);
    pthread_mutex_unlock(&registry_mu);
    return MICA_NOMEM;
  }
  pthread_mutex_init(&p->mu, NULL);
  pthread_mutex_init(&p->ckpt_mu, NULL);
  pthread_cond_init(&p->load_cv, NULL);
  pthread_cond_init(&p->sync_cv, NULL);
  pthread_cond_init(&p->ckpt_cv, NULL);
  p->memory = memory;
  p->readonly = !memory && (flags & PAGER_OPEN_READONLY);
  p->nconn = 1;
  p->conns = pc;
  int ioflags = map_ioflags(flags);
  if (memory) {
    rc = io_mem_open(&p->db);
  } else {
    p->path = strdup(path);
    rc = p->path ? open_fn(ctx, path, ioflags, &p->db) : MICA_NOMEM;
    if (rc != MICA_OK) seterr(pc, rc, "unable to open database file");
    if (rc == MICA_OK) {
      rc = lock_at_open(p->db, p->readonly ? IO_LOCK_SHARED : IO_LOCK_EXCLUSIVE);
      if (rc == MICA_BUSY) seterr(pc, rc, "database is locked");
    }
    if (rc == MICA_OK && stat(path, &st) != 0) rc = MICA_CANTOPEN;
    if (rc == MICA_OK) {
      p->dev = st.st_dev;
      p->ino = st.st_ino;
    }
  }
  if (rc == MICA_OK && !memory) rc = hot_journal_rollback(p, pc, open_fn, ctx, ioflags & ~IO_OPEN_CREATE);
  if (rc == MICA_OK) rc = pager_init_files(p, pc, open_fn, ctx, ioflags & ~IO_OPEN_CREATE);
  if (rc != MICA_OK) {
    pthread_mutex_unlock(&registry_mu);
    free(pc);
    pager_free(p);
    return rc;
  }
  p->cache_cfg = -2000;
  p->cache_max = cache_pages_for(p->cache_cfg, p->page_size);
  if (!memory) {
    p->next = registry;
    registry = p;
  }
  pthread_mutex_unlock(&registry_mu);
  *out = pc;
  return MICA_OK;
}

int pager_open(const char *path, int flags, PagerConn **out) {
  return pager_open_io(path, flags, NULL, NULL, out);
}

static int checkpoint_locked(PagerConn *pc, int mode, int *wal_frames, int *checkpointed);
static int checkpoint_run(PagerConn *pc, int mode, int *wal_frames, int *checkpointed);
static void ckpt_thread_stop(Pager *p);

int pager_close(PagerConn *pc) {
  if (!pc) return MICA_OK;
  Pager *p = pc->p;
  if (pc->state == PS_WRITE)
    pager_rollback(pc);
  else if (pc->state == PS_READ)
    pager_end_read(pc);
  pt_release_all(pc);
  free(pc->ptab);
  pc->ptab = NULL;
  pc->ptcap = 0;
  int rc = MICA_OK;
  pthread_mutex_lock(&registry_mu);
  int last = 0;
  pthread_mutex_lock(&p->mu);
  last = --p->nconn == 0;
  pthread_mutex_unlock(&p->mu);
  if (last) {
    ckpt_thread_stop(p);
    if (!p->readonly && !p->memory) {
      /* Clean close: everything goes home and the log is removed, as sqlite3 does, so that a
       * rollback-mode file we only read is left exactly as it was. */
      rc = checkpoint_locked(pc, PAGER_CHECKPOINT_TRUNCATE, NULL, NULL);
      uint64_t wsz = 1;
      if (rc == MICA_OK && io_size(wal_file(p->wal), &wsz) == MICA_OK && wsz == 0) {
        size_t n = strlen(p->path);
        char *wpath = malloc(n + 5);
        if (wpath) {
          memcpy(wpath, p->path, n);
          memcpy(wpath + n, "-wal", 5);
          unlink(wpath);
          free(wpath);
        }
      }
    }
    if (rc == MICA_BUSY) rc = MICA_OK;
    Pager **pp = &registry;
    while (*pp && *pp != p)
      pp = &(*pp)->next;
    if (*pp) *pp = p->next;
  }
  pthread_mutex_lock(&p->mu);
  PagerConn **cc = &p->conns;
  while (*cc && *cc != pc)
    cc = &(*cc)->next;
  if (*cc) *cc = pc->next;
  pthread_mutex_unlock(&p->mu);
  pthread_mutex_unlock(&registry_mu);
  if (last) pager_free(p);
  free(pc);
  return rc;
}

const char *pager_errmsg(PagerConn *pc) { return pc && pc->errmsg[0] ? pc->errmsg : "not an error"; }

/* ------------------------------------------------------------------------------------------------
 * Properties.
 */
uint32_t pager_page_size(PagerConn *pc) { return pc->p->page_size; }
int pager_reserved_bytes(PagerConn *pc) { return pc->p->reserved; }

int pager_set_page_size(PagerConn *pc, uint32_t size, int reserved) {
  Pager *p = pc->p;
  if (!valid_page_size(size) || reserved < 0 || reserved > 255 || size - (uint32_t)reserved < 480)
    return seterr(pc, MICA_MISUSE, "invalid page size %u / reserved %d", size, reserved);
  int rc = MICA_OK;
  pthread_mutex_lock(&p->mu);
  if (p->db_file_pages != 0 || wal_max_frame(p->wal) != 0 || (pc->state == PS_WRITE && pc->w_npages != 0) ||
      pc->ptn != 0)
    rc = seterr(pc, MICA_READONLY, "page size can only change on an empty database");
  else {
    p->page_size = size;
    p->reserved = reserved;
    p->cache_max = cache_pages_for(p->cache_cfg, size);
  }
  pthread_mutex_unlock(&p->mu);
  return rc;
}

uint32_t pager_page_count(PagerConn *pc) {
  if (pc->state == PS_WRITE) return pc->w_npages;
  if (pc->state == PS_READ) return pc->snap_npages;
  pthread_mutex_lock(&pc->p->mu);
  uint32_t mx = wal_max_frame(pc->p->wal);
  uint32_t n = mx ? wal_db_size(pc->p->wal, mx) : pc->p->db_file_pages;
  pthread_mutex_unlock(&pc->p->mu);
  return n;
}

int pager_set_page_count(PagerConn *pc, uint32_t n) {
  if (pc->state != PS_WRITE)
    return seterr(pc, MICA_MISUSE, "pager_set_page_count outside a write transaction");
  if (n < pc->w_npages) {
    for (uint32_t i = 0; i < pc->ptcap; i++) {
      ConnPage *cp = pc->ptab[i];
      while (cp) {
        ConnPage *nx = cp->hnext;
        if (cp->hdr.pgno > n && cp->nref == 0) {
          /* A savepoint rollback must be able to bring a changed page back. */
          if (cp->dirty && pc->nsp > 0 && !sp_has(&pc->sp[pc->nsp - 1], cp->hdr.pgno)) {
            int rc = sp_add(&pc->sp[pc->nsp - 1], cp->hdr.pgno, cp->priv, pc->p->page_size);
            if (rc != MICA_OK) return seterr(pc, rc, "out of memory");
          }
          pt_remove(pc, cp);
          cp_free(pc, cp);
        }
        cp = nx;
      }
    }
  }
  pc->w_npages = n;
  return MICA_OK;
}

int pager_set_cache_size(PagerConn *pc, int64_t pages_or_neg_kib) {
  Pager *p = pc->p;
  pthread_mutex_lock(&p->mu);
  p->cache_cfg = pages_or_neg_kib;
  p->cache_max = cache_pages_for(pages_or_neg_kib, p->page_size);
  cache_evict(p, p->cache_max);
  pthread_mutex_unlock(&p->mu);
  return MICA_OK;
}

void pager_cache_stats(PagerConn *pc, PagerCacheStats *st) {
  Pager *p = pc->p;
  pthread_mutex_lock(&p->mu);
  st->entries = p->ncache;
  st->limit = p->cache_max;
  st->hits = p->hits;
  st->misses = p->misses;
  pthread_mutex_unlock(&p->mu);
}

void pager_wal_stats(PagerConn *pc, uint32_t *frames, uint32_t *backfilled) {
  pthread_mutex_lock(&pc->p->mu);
  *frames = wal_max_frame(pc->p->wal);
  *backfilled = wal_backfilled(pc->p->wal);
  pthread_mutex_unlock(&pc->p->mu);
}

int pager_set_synchronous(PagerConn *pc, int level) {
  if (level < 0 || level > 3) return seterr(pc, MICA_MISUSE, "invalid synchronous level");
  pc->synchronous = level;
  return MICA_OK;
}

int pager_set_autocheckpoint(PagerConn *pc, int frames) {
  pc->autockpt = frames;
  return MICA_OK;
}

/* ------------------------------------------------------------------------------------------------
 * Transactions.
 */
int pager_begin_read(PagerConn *pc) {
  if (pc->state != PS_NONE) return MICA_OK;
  pthread_mutex_lock(&pc->p->mu);
  take_snapshot(pc);
  pc->state = PS_READ;
  pthread_mutex_unlock(&pc->p->mu);
  return MICA_OK;
}

int pager_end_read(PagerConn *pc) {
  if (pc->state == PS_WRITE) return seterr(pc, MICA_MISUSE, "pager_end_read in a write transaction");
  if (pc->state == PS_NONE) return MICA_OK;
  pt_release_all(pc);
  pthread_mutex_lock(&pc->p->mu);
  pc->state = PS_NONE;
  pthread_mutex_unlock(&pc->p->mu);
  return MICA_OK;
}

int pager_begin_write(PagerConn *pc, int timeout_ms) {
  Pager *p = pc->p;
  if (p->readonly || pc->readonly) return seterr(pc, MICA_READONLY, "attempt to write a readonly database");
  if (pc->state == PS_WRITE) return MICA_OK;
  pthread_mutex_lock(&p->mu);
  int rc = wlock_acquire(p, pc, timeout_ms);
  if (rc != MICA_OK) {
    pthread_mutex_unlock(&p->mu);
    return seterr(pc, MICA_BUSY, "database is locked");
  }
  if (pc->state == PS_READ &&
      (pc->snap_gen != wal_generation(p->wal) || pc->snap_mx != wal_max_frame(p->wal))) {
    wlock_release(p);
    pthread_mutex_unlock(&p->mu);
    return seterr(pc, MICA_BUSY_SNAPSHOT, "database snapshot is stale");
  }
  if (pc->state == PS_NONE) take_snapshot(pc);
  pc->w_npages = pc->snap_npages;
  pc->state = PS_WRITE;
  pthread_mutex_unlock(&p->mu);
  /* Fully checkpointed log: restart it so it does not grow without bound. Snapshots of the old
   * generation then read from the database file, which holds exactly their image. Lock order is
   * write lock, ckpt_mu, mu. Normally skipped when a checkpoint is running; but when commits keep
   * arriving faster than the background checkpointer finishes, the log would never be fully
   * backfilled at this point, so once it holds 4x the autocheckpoint threshold the writer waits for
   * the running checkpoint and completes one itself (no commit can intervene: it holds the write
   * lock). Only readers' snapshots can then keep the log from restarting. */
  pthread_mutex_lock(&p->mu);
  uint32_t mx0 = wal_max_frame(p->wal);
  int forced =
      pc->autockpt > 0 && !p->memory && mx0 >= 4u * (uint32_t)pc->autockpt && wal_backfilled(p->wal) < mx0;
  pthread_mutex_unlock(&p->mu);
  int have_ckpt = 0;
  if (forced) {
    pthread_mutex_lock(&p->ckpt_mu);
    have_ckpt = 1;
    checkpoint_run(pc, PAGER_CHECKPOINT_PASSIVE, NULL, NULL);
  } else {
    have_ckpt = pthread_mutex_trylock(&p->ckpt_mu) == 0;
  }
  if (have_ckpt) {
    pthread_mutex_lock(&p->mu);
    uint32_t mx = wal_max_frame(p->wal);
    if (mx > 0 && wal_backfilled(p->wal) == mx && pc->snap_mx == mx) {
      cache_rekey_for_reset(p);
      if (wal_reset(p->wal, 0) == MICA_OK) {
        pc->snap_gen = wal_generation(p->wal);
        pc->snap_mx = 0;
      }
    }
    pthread_mutex_unlock(&p->mu);
    pthread_mutex_unlock(&p->ckpt_mu);
  }
  return MICA_OK;
}

static int cmp_cp(const void *a, const void *b) {
  uint32_t x = (*(ConnPage *const *)a)->hdr.pgno, y = (*(ConnPage *const *)b)->hdr.pgno;
  return x < y ? -1 : x > y;
}

static void end_write(PagerConn *pc) {
  Pager *p = pc->p;
  sp_free_all(pc);
  pt_release_all(pc);
  pthread_mutex_lock(&p->mu);
  wlock_release(p);
  pc->state = PS_NONE;
  pthread_mutex_unlock(&p->mu);
}

/* BACKGROUND CHECKPOINTER: for file databases, a commit that leaves at least autocheckpoint frames
 * not yet backfilled wakes one thread per Pager (started on first need) that runs a PASSIVE
 * checkpoint, so committers never do checkpoint I/O themselves. It uses a private PagerConn outside
 * Pager.conns (it pins no snapshot). Memory databases checkpoint inline. The thread is stopped and
 * joined at the last close, before the final TRUNCATE checkpoint. */
static void *ckpt_main(void *arg) {
  Pager *p = arg;
  pthread_mutex_lock(&p->mu);
  for (;;) {
    while (!p->ckpt_request && !p->ckpt_stop)
      pthread_cond_wait(&p->ckpt_cv, &p->mu);
    if (p->ckpt_stop) break;
    p->ckpt_request = 0;
    p->ckpt_conn->synchronous = p->ckpt_sync;
    pthread_mutex_unlock(&p->mu);
    pthread_mutex_lock(&p->ckpt_mu);
    checkpoint_run(p->ckpt_conn, PAGER_CHECKPOINT_PASSIVE, NULL, NULL);
    pthread_mutex_unlock(&p->ckpt_mu);
    pthread_mutex_lock(&p->mu);
  }
  pthread_mutex_unlock(&p->mu);
  return NULL;
}

static void ckpt_thread_stop(Pager *p) {
  pthread_mutex_lock(&p->mu);
  int started = p->ckpt_started;
  p->ckpt_stop = 1;
  pthread_cond_signal(&p->ckpt_cv);
  pthread_mutex_unlock(&p->mu);
  if (started) pthread_join(p->ckpt_thread, NULL);
  p->ckpt_started = 0;
  free(p->ckpt_conn);
  p->ckpt_conn = NULL;
}

static void autocheckpoint(PagerConn *pc) {
  Pager *p = pc->p;
  pthread_mutex_lock(&p->mu);
  int due = wal_max_frame(p->wal) - wal_backfilled(p->wal) >= (uint32_t)pc->autockpt;
  int inline_ckpt = 0;
  if (due && !p->memory) {
    if (!p->ckpt_started && !p->ckpt_stop) {
      p->ckpt_conn = conn_new(p, 0);
      if (p->ckpt_conn && pthread_create(&p->ckpt_thread, NULL, ckpt_main, p) == 0) {
        p->ckpt_started = 1;
      } else {
        free(p->ckpt_conn);
        p->ckpt_conn = NULL;
      }
    }
    if (p->ckpt_started) {
      p->ckpt_request = 1;
      p->ckpt_sync = pc->synchronous;
      pthread_cond_signal(&p->ckpt_cv);
    } else {
      inline_ckpt = 1;
    }
  } else if (due) {
    inline_ckpt = 1;
  }
  pthread_mutex_unlock(&p->mu);
  if (inline_ckpt && pthread_mutex_trylock(&p->ckpt_mu) == 0) {
    /* Errors do not fail the commit (already durable); the next commit retries. */
    checkpoint_run(pc, PAGER_CHECKPOINT_PASSIVE, NULL, NULL);
    pthread_mutex_unlock(&p->ckpt_mu);
  }
}

/* Group commit: waits until commit number seq is durable. The first committer to find no sync in
 * flight syncs the log for every commit published so far; commits arriving meanwhile wait for the
 * next sync, which covers all of them. */
static int group_sync(Pager *p, uint64_t seq) {
  int rc = MICA_OK;
  pthread_mutex_lock(&p->mu);
  while (p->synced_seq < seq) {
    if (p->sync_busy) {
      pthread_cond_wait(&p->sync_cv, &p->mu);
      continue;
    }
    p->sync_busy = 1;
    uint64_t upto = p->commit_seq;
    pthread_mutex_unlock(&p->mu);
    rc = wal_sync(p->wal);
    pthread_mutex_lock(&p->mu);
    p->sync_busy = 0;
    if (rc == MICA_OK && upto > p->synced_seq) p->synced_seq = upto;
    pthread_cond_broadcast(&p->sync_cv);
    if (rc != MICA_OK) break;
  }
  pthread_mutex_unlock(&p->mu);
  return rc;
}

int pager_commit(PagerConn *pc) {
  Pager *p = pc->p;
  if (pc->state != PS_WRITE) return pager_end_read(pc);
  int rc;
  /* Header fields maintained at every commit that changes anything. */
  int any = pc->w_npages != pc->snap_npages;
  for (uint32_t i = 0; i < pc->ptcap && !any; i++)
    for (ConnPage *cp = pc->ptab[i]; cp && !any; cp = cp->hnext)
      if (cp->dirty && cp->hdr.pgno <= pc->w_npages) any = 1;
  if (!any || pc->w_npages == 0) {
    end_write(pc);
    return MICA_OK;
  }
  PgHdr *pg1;
  rc = pager_get(pc, 1, &pg1);
  if (rc == MICA_OK) rc = pager_write(pg1);
  if (rc != MICA_OK) return rc;
  {
    uint8_t *h = pg1->data;
    uint32_t counter = get32(h + 24) + 1;
    put32(h + 24, counter);
    put32(h + 28, pc->w_npages);
    put32(h + 92, counter);
    put32(h + 96, PAGER_SQLITE_VERSION);
    h[18] = h[19] = 2;
  }
  pager_unref(pg1);

  uint32_t n = 0;
  ConnPage **list = malloc(((size_t)pc->ptn + 1) * sizeof(ConnPage *));
  uint32_t *pgnos = malloc(((size_t)pc->ptn + 1) * sizeof *pgnos);
  uint8_t **datas = malloc(((size_t)pc->ptn + 1) * sizeof *datas);
  if (!list || !pgnos || !datas) {
    free(list);
    free(pgnos);
    free(datas);
    return seterr(pc, MICA_NOMEM, "out of memory");
  }
  for (uint32_t i = 0; i < pc->ptcap; i++)
    for (ConnPage *cp = pc->ptab[i]; cp; cp = cp->hnext)
      if (cp->dirty && cp->hdr.pgno <= pc->w_npages) list[n++] = cp;
  qsort(list, n, sizeof(ConnPage *), cmp_cp);
  for (uint32_t i = 0; i < n; i++) {
    pgnos[i] = list[i]->hdr.pgno;
    datas[i] = list[i]->priv;
  }
  int full = pc->synchronous >= 2 && !p->memory;
  uint64_t seq = 0;
  /* With no sync in flight and nobody queued for the write lock there is nothing to group with:
   * write the frames and fdatasync as one linked batch (one submission with io_uring). Otherwise
   * release the write lock first and share a group sync (below). */
  int linked = 0;
  if (full) {
    pthread_mutex_lock(&p->mu);
    if (!p->sync_busy && !p->qhead) linked = p->sync_busy = 1;
    pthread_mutex_unlock(&p->mu);
  }
  rc = wal_append(p->wal, p->page_size, pgnos, datas, (int)n, pc->w_npages, linked);
  if (linked && rc != MICA_OK) {
    pthread_mutex_lock(&p->mu);
    p->sync_busy = 0;
    pthread_cond_broadcast(&p->sync_cv);
    pthread_mutex_unlock(&p->mu);
  }
  if (rc != MICA_OK) {
    seterr(pc, rc, "cannot write the WAL (commit failed)");
  } else {
    pthread_mutex_lock(&p->mu);
    uint32_t first = wal_max_frame(p->wal) + 1;
    rc = wal_publish(p->wal, pgnos, (int)n, pc->w_npages);
    if (rc == MICA_OK) {
      seq = ++p->commit_seq;
      if (linked) p->synced_seq = seq; /* the linked sync covered every frame written so far */
      /* Hand unreferenced private pages to the cache as the new committed versions. */
      for (uint32_t i = 0; i < n; i++) {
        ConnPage *cp = list[i];
        if (cp->nref != 0) continue;
        pt_remove(pc, cp);
        if (cache_insert(p, cp->hdr.pgno, first + i, cp->priv))
          cache_demote_older(p, cp->hdr.pgno, first + i);
        cp->priv = NULL;
        free(cp);
      }
    }
    if (linked) {
      p->sync_busy = 0;
      pthread_cond_broadcast(&p->sync_cv);
    }
    pthread_mutex_unlock(&p->mu);
  }
  free(list);
  free(pgnos);
  free(datas);
  if (rc != MICA_OK) return rc;
  end_write(pc);
  if (full && !linked) {
    rc = group_sync(p, seq);
    if (rc != MICA_OK) return seterr(pc, rc, "cannot sync the WAL (commit is not durable)");
  }
  if (pc->autockpt > 0) autocheckpoint(pc);
  return MICA_OK;
}

int pager_rollback(PagerConn *pc) {
  if (pc->state == PS_READ) return pager_end_read(pc);
  if (pc->state != PS_WRITE) return MICA_OK;
  end_write(pc);
  return MICA_OK;
}

/* ------------------------------------------------------------------------------------------------
 * Pages.
 */
/* Returns (pinned) the shared image of pgno in pc's snapshot. A miss is loaded without holding mu:
 * the entry is inserted first in the loading state (pinned), so concurrent getters of the same
 * version wait for that one read instead of blocking everyone on the mutex during I/O. */
static int cache_get(PagerConn *pc, uint32_t pgno, CacheEntry **out) {
  Pager *p = pc->p;
  int rc = MICA_OK;
  *out = NULL;
  pthread_mutex_lock(&p->mu);
  uint32_t frame = snapshot_frame(pc, pgno);
  CacheEntry *e = cache_lookup(p, pgno, frame);
  if (e) {
    p->hits++;
    e->pins++;
    while (e->loading)
      pthread_cond_wait(&p->load_cv, &p->mu);
    if (e->failed) {
      rc = e->failed;
      cache_unpin(p, e);
    } else {
      if (!e->orphan) cache_touch(p, e);
      *out = e;
    }
    pthread_mutex_unlock(&p->mu);
    return rc;
  }
  uint8_t *buf = malloc(p->page_size);
  e = buf ? cache_insert(p, pgno, frame, buf) : NULL;
  if (!e) {
    pthread_mutex_unlock(&p->mu);
    return MICA_NOMEM;
  }
  p->misses++;
  e->pins++;
  e->loading = 1;
  uint32_t gen = wal_generation(p->wal);
  pthread_mutex_unlock(&p->mu);
  rc = load_image(p, pgno, frame, buf);
  pthread_mutex_lock(&p->mu);
  if (rc == MICA_OK && frame && wal_generation(p->wal) != gen) {
    /* The log restarted during the read and the frame may have been overwritten. It was the newest
     * image of the page (a restart needs every snapshot at the last commit), so the database file
     * holds it now, and no checkpoint writes the file while this older-generation reader lives. */
    pthread_mutex_unlock(&p->mu);
    rc = load_image(p, pgno, 0, buf);
    pthread_mutex_lock(&p->mu);
  }
  e->loading = 0;
  pthread_cond_broadcast(&p->load_cv);
  if (rc != MICA_OK) {
    e->failed = rc;
    if (!e->orphan) cache_unhash(p, e);
    e->orphan = 1;
    cache_unpin(p, e);
  } else {
    *out = e;
  }
  pthread_mutex_unlock(&p->mu);
  return rc;
}

int pager_get(PagerConn *pc, uint32_t pgno, PgHdr **out) {
  *out = NULL;
  Pager *p = pc->p;
  if (pc->state == PS_NONE) return seterr(pc, MICA_MISUSE, "pager_get outside a transaction");
  if (pgno == 0 || pgno > PAGER_MAX_PGNO)
    return seterr(pc, MICA_CORRUPT, "page number %u out of range", pgno);
  ConnPage *cp = pt_find(pc, pgno);
  if (cp) {
    cp->nref++;
    *out = &cp->hdr;
    return MICA_OK;
  }
  cp = calloc(1, sizeof *cp);
  if (!cp) return seterr(pc, MICA_NOMEM, "out of memory");
  cp->pc = pc;
  if (pgno > pc->snap_npages || (pc->state == PS_WRITE && pgno > pc->w_npages)) {
    cp->priv = calloc(1, p->page_size);
    if (!cp->priv) {
      free(cp);
      return seterr(pc, MICA_NOMEM, "out of memory");
    }
  } else {
    int rc = cache_get(pc, pgno, &cp->ce);
    if (rc != MICA_OK) {
      free(cp);
      return seterr(pc, rc, "cannot read page %u", pgno);
    }
  }
  cp->hdr.data = cp->priv ? cp->priv : cp->ce->data;
  cp->hdr.pgno = pgno;
  cp->hdr.extra = cp;
  cp->nref = 1;
  if (pt_add(pc, cp) != MICA_OK) {
    cp_free(pc, cp);
    return seterr(pc, MICA_NOMEM, "out of memory");
  }
  *out = &cp->hdr;
  return MICA_OK;
}

int pager_write(PgHdr *pg) {
  ConnPage *cp = pg->extra;
  PagerConn *pc = cp->pc;
  Pager *p = pc->p;
  if (pc->state != PS_WRITE || cp->detached)
    return seterr(pc, MICA_MISUSE, "pager_write outside a write transaction");
  if (!cp->priv) {
    uint8_t *priv = malloc(p->page_size);
    if (!priv) return seterr(pc, MICA_NOMEM, "out of memory");
    memcpy(priv, cp->ce->data, p->page_size);
    pthread_mutex_lock(&p->mu);
    cache_unpin(p, cp->ce);
    pthread_mutex_unlock(&p->mu);
    cp->ce = NULL;
    cp->priv = priv;
    pg->data = priv;
  }
  if (pc->nsp > 0) {
    Savepoint *sp = &pc->sp[pc->nsp - 1];
    if (!sp_has(sp, pg->pgno)) {
      int rc = sp_add(sp, pg->pgno, cp->priv, p->page_size);
      if (rc != MICA_OK) return seterr(pc, rc, "out of memory");
    }
  }
  cp->dirty = 1;
  if (pg->pgno > pc->w_npages) pc->w_npages = pg->pgno;
  return MICA_OK;
}

void pager_unref(PgHdr *pg) {
  if (!pg) return;
  ConnPage *cp = pg->extra;
  PagerConn *pc = cp->pc;
  if (--cp->nref > 0) return;
  if (cp->detached) {
    cp_free(pc, cp);
    return;
  }
  if (pc->state == PS_WRITE && cp->dirty) return; /* kept until commit/rollback */
  pt_remove(pc, cp);
  cp_free(pc, cp);
}

/* ------------------------------------------------------------------------------------------------
 * Savepoints: level i journals the image of each page before its first change while i is the top.
 */
int pager_savepoint(PagerConn *pc, int op, int idx) {
  if (pc->state != PS_WRITE) return seterr(pc, MICA_MISUSE, "savepoint outside a write transaction");
  if (op == PAGER_SAVEPOINT_BEGIN) {
    if (idx != pc->nsp) return seterr(pc, MICA_MISUSE, "savepoint %d is not the next level", idx);
    if (pc->nsp == pc->spcap) {
      int ncap = pc->spcap ? pc->spcap * 2 : 4;
      Savepoint *ns = realloc(pc->sp, (size_t)ncap * sizeof *ns);
      if (!ns) return seterr(pc, MICA_NOMEM, "out of memory");
      pc->sp = ns;
      pc->spcap = ncap;
    }
    pc->sp[pc->nsp] = (Savepoint){0};
    pc->sp[pc->nsp].npages = pc->w_npages;
    pc->nsp++;
    return MICA_OK;
  }
  if (idx < 0 || idx >= pc->nsp) return seterr(pc, MICA_MISUSE, "no savepoint %d", idx);
  uint32_t ps = pc->p->page_size;
  if (op == PAGER_SAVEPOINT_RELEASE) {
    /* Merge levels idx.. into idx-1 (keeping the older image of each page), or drop them. */
    for (int l = idx; l < pc->nsp; l++) {
      Savepoint *sp = &pc->sp[l];
      if (idx > 0) {
        Savepoint *dst = &pc->sp[idx - 1];
        for (int i = 0; i < sp->n; i++)
          if (!sp_has(dst, sp->e[i].pgno)) {
            int rc = sp_add(dst, sp->e[i].pgno, sp->e[i].img, ps);
            if (rc != MICA_OK) return seterr(pc, rc, "out of memory");
          }
      }
      sp_clear(sp);
    }
    pc->nsp = idx;
    return MICA_OK;
  }
  if (op != PAGER_SAVEPOINT_ROLLBACK) return seterr(pc, MICA_MISUSE, "bad savepoint op %d", op);
  for (int l = pc->nsp - 1; l >= idx; l--) {
    Savepoint *sp = &pc->sp[l];
    for (int i = sp->n - 1; i >= 0; i--) {
      ConnPage *cp = pt_find(pc, sp->e[i].pgno);
      if (!cp) {
        cp = calloc(1, sizeof *cp);
        if (!cp) return seterr(pc, MICA_NOMEM, "out of memory");
        cp->pc = pc;
        cp->hdr.pgno = sp->e[i].pgno;
        cp->hdr.extra = cp;
        if (pt_add(pc, cp) != MICA_OK) {
          free(cp);
          return seterr(pc, MICA_NOMEM, "out of memory");
        }
      }
      if (!cp->priv) {
        /* Not private any more cannot happen for a journaled page, but be safe. */
        cp->priv = malloc(ps);
        if (!cp->priv) return seterr(pc, MICA_NOMEM, "out of memory");
        if (cp->ce) {
          pthread_mutex_lock(&pc->p->mu);
          cache_unpin(pc->p, cp->ce);
          pthread_mutex_unlock(&pc->p->mu);
          cp->ce = NULL;
        }
        cp->hdr.data = cp->priv;
      }
      memcpy(cp->priv, sp->e[i].img, ps);
      cp->dirty = 1;
    }
    if (l > idx) sp_clear(sp);
  }
  pc->w_npages = pc->sp[idx].npages;
  sp_clear(&pc->sp[idx]);
  pc->sp[idx].npages = pc->w_npages;
  pc->nsp = idx + 1;
  return MICA_OK;
}

/* ------------------------------------------------------------------------------------------------
 * Checkpoints.
 */
/* Copies frames into the database file. ckpt_mu held by the caller; takes mu as needed. */
static int checkpoint_run(PagerConn *pc, int mode, int *wal_frames, int *checkpointed) {
  Pager *p = pc->p;
  pthread_mutex_lock(&p->mu);
  uint32_t gen = wal_generation(p->wal), limit = wal_max_frame(p->wal);
  for (PagerConn *c = p->conns; c; c = c->next) {
    if (c->state == PS_NONE) continue;
    uint32_t m = c->snap_gen == gen ? c->snap_mx : 0;
    if (m < limit) limit = m;
  }
  uint32_t *frames = NULL, *pgnos = NULL;
  int n = 0;
  int rc = wal_checkpoint_plan(p->wal, limit, &frames, &pgnos, &n);
  uint32_t new_size = limit ? wal_db_size(p->wal, limit) : p->db_file_pages;
  pthread_mutex_unlock(&p->mu);
  if (rc != MICA_OK) return seterr(pc, rc, "out of memory");
  int dosync = pc->synchronous > 0 && !p->memory;
  if (n > 0) {
    uint8_t *buf = malloc(p->page_size);
    if (!buf) rc = MICA_NOMEM;
    if (rc == MICA_OK && dosync) rc = wal_sync(p->wal);
    for (int i = 0; i < n && rc == MICA_OK; i++) {
      rc = wal_read_frame(p->wal, frames[i], buf);
      if (rc == MICA_OK) rc = io_write(p->db, buf, p->page_size, (uint64_t)(pgnos[i] - 1) * p->page_size);
    }
    if (rc == MICA_OK) rc = io_truncate(p->db, (uint64_t)new_size * p->page_size);
    if (rc == MICA_OK && dosync) rc = io_sync(p->db);
    free(buf);
  }
  free(frames);
  free(pgnos);
  if (rc != MICA_OK) return seterr(pc, rc, "checkpoint failed");
  pthread_mutex_lock(&p->mu);
  if (n > 0 || limit > wal_backfilled(p->wal)) {
    wal_checkpoint_done(p->wal, limit);
    p->db_file_pages = new_size;
  }
  uint32_t mx = wal_max_frame(p->wal), bf = wal_backfilled(p->wal);
  if (mode >= PAGER_CHECKPOINT_RESTART) {
    if (bf == mx) {
      cache_rekey_for_reset(p);
      rc = wal_reset(p->wal, mode == PAGER_CHECKPOINT_TRUNCATE);
      if (rc != MICA_OK) seterr(pc, rc, "cannot reset the WAL");
    } else {
      rc = seterr(pc, MICA_BUSY, "checkpoint blocked by a reader");
    }
  } else if (bf != mx && mode == PAGER_CHECKPOINT_FULL) {
    rc = seterr(pc, MICA_BUSY, "checkpoint blocked by a reader");
  }
  if (mode == PAGER_CHECKPOINT_TRUNCATE && rc == MICA_OK) mx = bf = 0;
  pthread_mutex_unlock(&p->mu);
  if (wal_frames) *wal_frames = (int)mx;
  if (checkpointed) *checkpointed = (int)bf;
  return rc;
}

static int checkpoint_locked(PagerConn *pc, int mode, int *wal_frames, int *checkpointed) {
  Pager *p = pc->p;
  int have_wlock = 0, rc;
  if (mode >= PAGER_CHECKPOINT_FULL) {
    pthread_mutex_lock(&p->mu);
    rc = wlock_acquire(p, pc, PAGER_CKPT_WAIT_MS);
    pthread_mutex_unlock(&p->mu);
    if (rc != MICA_OK) return seterr(pc, MICA_BUSY, "checkpoint: database is locked");
    have_wlock = 1;
  }
  pthread_mutex_lock(&p->ckpt_mu);
  rc = checkpoint_run(pc, mode, wal_frames, checkpointed);
  pthread_mutex_unlock(&p->ckpt_mu);
  if (have_wlock) {
    pthread_mutex_lock(&p->mu);
    wlock_release(p);
    pthread_mutex_unlock(&p->mu);
  }
  return rc;
}

int pager_checkpoint(PagerConn *pc, int mode, int *wal_frames, int *checkpointed) {
  if (wal_frames) *wal_frames = -1;
  if (checkpointed) *checkpointed = -1;
  if (mode < PAGER_CHECKPOINT_PASSIVE || mode > PAGER_CHECKPOINT_TRUNCATE)
    return seterr(pc, MICA_MISUSE, "bad checkpoint mode %d", mode);
  if (pc->p->readonly) return seterr(pc, MICA_READONLY, "attempt to checkpoint a readonly database");
  if (pc->state == PS_WRITE) return seterr(pc, MICA_LOCKED, "checkpoint inside a write transaction");
  return checkpoint_locked(pc, mode, wal_frames, checkpointed);
}
