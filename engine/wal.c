/*
 * wal.c: the write-ahead log in SQLite's WAL format, with an in-process index.
 *
 * WAL FILE FORMAT (all header integers big-endian)
 *   header, 32 bytes:
 *     0  magic 0x377f0682 (checksums over little-endian words) or 0x377f0683 (big-endian words)
 *     4  format version 3007000
 *     8  database page size
 *    12  checkpoint sequence number
 *    16  salt-1 (incremented at every reset)      20  salt-2 (random at every reset)
 *    24  checksum-1, 28 checksum-2: checksum of header bytes 0..23
 *   then frames of (24 + page size) bytes, frame i (1-based) at 32 + (i-1)*(24+page size):
 *     0  page number        4  for a commit frame the database size in pages after the commit, else 0
 *     8  salt-1, 12 salt-2  (copied from the header)
 *    16  checksum-1, 20 checksum-2: cumulative checksum over frame header bytes 0..7 and the page,
 *        starting from the previous frame's checksum (the header's checksum for frame 1)
 *   then page size bytes of page data.
 *
 * CHECKSUM: s0 = s1 = 0 (or the running value); for each pair of 32-bit words x0, x1 (read in the byte
 * order the magic selects): s0 += x0 + s1; s1 += x1 + s0 (mod 2^32).
 *
 * VALID FRAMES: a frame is valid when its salts equal the header's and its checksum matches the
 * running checksum; recovery reads frames in order until the first invalid one and keeps those up to
 * the last commit frame. Anything after (a torn write, an unfinished transaction, frames left over
 * from before a reset) is ignored and overwritten by the next append.
 *
 * INDEX: for each frame its page number (frame_pgno), the previous frame holding the same page
 * (frame_prev) and, for commit frames, the database size (frame_commit); an open-addressing hash maps
 * a page number to its newest frame (0: none). wal_find(pgno, mx) walks the chain from the newest
 * frame back to the first one <= mx. Invariants: (1) indexed frames are exactly 1..max_frame, all
 * committed; (2) frames <= max_frame are never rewritten until wal_reset; (3) backfill <= max_frame,
 * and frames <= backfill are also in the database file (or superseded there).
 *
 * We write the magic matching the host's byte order (0x377f0682 on little-endian hosts), like SQLite,
 * and read either.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "mica.h"
#include "wal.h"

struct Wal {
  IoFile *f;
  uint32_t page_size;
  int be; /* checksum word order */
  uint32_t ckpt_seq, salt1, salt2;
  uint32_t hdr_cksum[2];
  int need_header; /* next append writes a new header first */
  uint32_t generation;
  /* writer state */
  uint32_t w_next;     /* frames in the file that follow the chain (== max_frame between appends) */
  uint32_t w_cksum[2]; /* running checksum after frame max_frame */
  /* committed state */
  uint32_t max_frame, backfill;
  uint32_t cksum_at_max[2];
  /* index */
  uint32_t *frame_pgno, *frame_prev, *frame_commit; /* 1-based, cap_frames+1 entries */
  uint32_t cap_frames;
  uint32_t *hkeys, *hvals; /* hash: pgno -> newest frame */
  uint32_t hcap, hused;
};

static uint32_t get32(const uint8_t *p) {
  return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}
static void put32(uint8_t *p, uint32_t v) {
  p[0] = (uint8_t)(v >> 24);
  p[1] = (uint8_t)(v >> 16);
  p[2] = (uint8_t)(v >> 8);
  p[3] = (uint8_t)v;
}

void wal_checksum(int be, const uint8_t *p, uint32_t n, uint32_t s[2]) {
  uint32_t s0 = s[0], s1 = s[1];
  for (uint32_t i = 0; i + 8 <= n; i += 8) {
    uint32_t x0, x1;
    if (be) {
      x0 = get32(p + i);
      x1 = get32(p + i + 4);
    } else {
      x0 = (uint32_t)p[i] | ((uint32_t)p[i + 1] << 8) | ((uint32_t)p[i + 2] << 16) |
           ((uint32_t)p[i + 3] << 24);
      x1 = (uint32_t)p[i + 4] | ((uint32_t)p[i + 5] << 8) | ((uint32_t)p[i + 6] << 16) |
           ((uint32_t)p[i + 7] << 24);
    }
    s0 += x0 + s1;
    s1 += x1 + s0;
  }
  s[0] = s0;
  s[1] = s1;
}

static int host_big_endian(void) {
  const uint16_t one = 1;
  return *(const uint8_t *)&one == 0;
}

static uint32_t random32(void) {
  uint32_t v;
  if (getrandom(&v, sizeof v, GRND_NONBLOCK) == (ssize_t)sizeof v) return v;
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (uint32_t)ts.tv_nsec ^ (uint32_t)ts.tv_sec * 2654435761u;
}

static uint64_t frame_off(const Wal *w, uint32_t frame) {
  return WAL_HDR_SIZE + (uint64_t)(frame - 1) * (w->page_size + WAL_FRAME_HDR_SIZE);
}

/* ------------------------------------------------------------------------------------------------
 * Index.
 */
static uint32_t hslot(const Wal *w, uint32_t pgno) {
  uint32_t h = pgno * 2654435761u;
  return h & (w->hcap - 1);
}

static uint32_t hget(const Wal *w, uint32_t pgno) {
  if (!w->hcap) return 0;
  for (uint32_t i = hslot(w, pgno);; i = (i + 1) & (w->hcap - 1)) {
    if (w->hkeys[i] == pgno) return w->hvals[i];
    if (w->hkeys[i] == 0) return 0;
  }
}

static int hput(Wal *w, uint32_t pgno, uint32_t frame) {
  if (w->hcap) {
    for (uint32_t i = hslot(w, pgno); w->hkeys[i]; i = (i + 1) & (w->hcap - 1))
      if (w->hkeys[i] == pgno) {
        w->hvals[i] = frame;
        return MICA_OK;
      }
  }
  if ((w->hused + 1) * 2 > w->hcap) {
    uint32_t ncap = w->hcap ? w->hcap * 2 : 256;
    uint32_t *nk = calloc(ncap, sizeof *nk), *nv = calloc(ncap, sizeof *nv);
    if (!nk || !nv) {
      free(nk);
      free(nv);
      return MICA_NOMEM;
    }
    uint32_t *ok = w->hkeys, *ov = w->hvals, ocap = w->hcap;
    w->hkeys = nk;
    w->hvals = nv;
    w->hcap = ncap;
    for (uint32_t i = 0; i < ocap; i++) {
      if (!ok[i]) continue;
      uint32_t j = hslot(w, ok[i]);
      while (nk[j])
        j = (j + 1) & (ncap - 1);
      nk[j] = ok[i];
      nv[j] = ov[i];
    }
    free(ok);
    free(ov);
  }
  uint32_t i = hslot(w, pgno);
  while (w->hkeys[i] && w->hkeys[i] != pgno)
    i = (i + 1) & (w->hcap - 1);
  if (!w->hkeys[i]) {
    w->hkeys[i] = pgno;
    w->hused++;
  }
  w->hvals[i] = frame;
  return MICA_OK;
}

static int index_reserve(Wal *w, uint32_t nframes) {
  if (nframes <= w->cap_frames) return MICA_OK;
  uint32_t ncap = w->cap_frames ? w->cap_frames : 64;
  while (ncap < nframes)
    ncap *= 2;
  uint32_t *a = realloc(w->frame_pgno, (ncap + 1) * sizeof *a);
  if (!a) return MICA_NOMEM;
  w->frame_pgno = a;
  a = realloc(w->frame_prev, (ncap + 1) * sizeof *a);
  if (!a) return MICA_NOMEM;
  w->frame_prev = a;
  a = realloc(w->frame_commit, (ncap + 1) * sizeof *a);
  if (!a) return MICA_NOMEM;
  w->frame_commit = a;
  w->cap_frames = ncap;
  return MICA_OK;
}

/* Adds frame (== max indexed + 1) for pgno. */
static int index_add(Wal *w, uint32_t frame, uint32_t pgno, uint32_t commit) {
  int rc = index_reserve(w, frame);
  if (rc != MICA_OK) return rc;
  w->frame_pgno[frame] = pgno;
  w->frame_prev[frame] = hget(w, pgno);
  w->frame_commit[frame] = commit;
  return hput(w, pgno, frame);
}

/* Drops indexed frames after mx (recovery's uncommitted tail). */
static void index_truncate(Wal *w, uint32_t top, uint32_t mx) {
  for (uint32_t f = top; f > mx; f--)
    hput(w, w->frame_pgno[f], w->frame_prev[f]);
}

static void index_clear(Wal *w) {
  if (w->hcap) {
    memset(w->hkeys, 0, w->hcap * sizeof *w->hkeys);
    memset(w->hvals, 0, w->hcap * sizeof *w->hvals);
  }
  w->hused = 0;
}

/* ------------------------------------------------------------------------------------------------
 * Open and recovery.
 */
static int valid_page_size(uint32_t ps) { return ps >= 512 && ps <= 65536 && (ps & (ps - 1)) == 0; }

static void new_header_state(Wal *w) {
  w->be = host_big_endian();
  w->salt1 = w->salt1 + 1;
  w->salt2 = random32();
  w->ckpt_seq++;
  w->need_header = 1;
  w->generation++;
}

static int recover(Wal *w, uint32_t *page_size) {
  uint64_t size;
  uint8_t hdr[WAL_HDR_SIZE];
  int rc = io_size(w->f, &size);
  if (rc != MICA_OK) return rc;
  if (size < WAL_HDR_SIZE) goto empty;
  rc = io_read(w->f, hdr, WAL_HDR_SIZE, 0);
  if (rc != MICA_OK) return rc;
  uint32_t magic = get32(hdr), ps = get32(hdr + 8);
  if ((magic != WAL_MAGIC_LE && magic != WAL_MAGIC_BE) || get32(hdr + 4) != WAL_VERSION ||
      !valid_page_size(ps))
    goto empty;
  w->be = magic == WAL_MAGIC_BE;
  uint32_t s[2] = {0, 0};
  wal_checksum(w->be, hdr, 24, s);
  if (s[0] != get32(hdr + 24) || s[1] != get32(hdr + 28)) goto empty;
  w->ckpt_seq = get32(hdr + 12);
  w->salt1 = get32(hdr + 16);
  w->salt2 = get32(hdr + 20);
  w->hdr_cksum[0] = s[0];
  w->hdr_cksum[1] = s[1];
  w->need_header = 0;

  uint64_t fsz = (uint64_t)ps + WAL_FRAME_HDR_SIZE;
  uint64_t nmax = (size - WAL_HDR_SIZE) / fsz;
  if (nmax == 0) {
    /* A header without frames: keep its salts but write a fresh header at the next append. */
    w->page_size = *page_size ? *page_size : ps;
    goto fresh;
  }
  if (*page_size && *page_size != ps) return MICA_CORRUPT;
  w->page_size = ps;
  uint8_t *buf = malloc(fsz);
  if (!buf) return MICA_NOMEM;
  uint32_t mx = 0, top = 0, cks_mx[2] = {s[0], s[1]};
  for (uint32_t f = 1; f <= nmax && f < 0x7fffffffu; f++) {
    rc = io_read(w->f, buf, fsz, frame_off(w, f));
    if (rc != MICA_OK) break;
    uint32_t pgno = get32(buf), commit = get32(buf + 4);
    if (pgno == 0 || get32(buf + 8) != w->salt1 || get32(buf + 12) != w->salt2) break;
    wal_checksum(w->be, buf, 8, s);
    wal_checksum(w->be, buf + WAL_FRAME_HDR_SIZE, ps, s);
    if (s[0] != get32(buf + 16) || s[1] != get32(buf + 20)) break;
    rc = index_add(w, f, pgno, commit);
    if (rc != MICA_OK) {
      free(buf);
      return rc;
    }
    top = f;
    if (commit) {
      mx = f;
      cks_mx[0] = s[0];
      cks_mx[1] = s[1];
    }
  }
  free(buf);
  if (rc == MICA_NOMEM) return rc;
  index_truncate(w, top, mx);
  w->max_frame = w->w_next = mx;
  w->cksum_at_max[0] = w->w_cksum[0] = cks_mx[0];
  w->cksum_at_max[1] = w->w_cksum[1] = cks_mx[1];
  if (mx == 0) goto fresh;
  *page_size = ps;
  return MICA_OK;

empty:
  w->salt1 = random32();
  w->ckpt_seq = 0;
  w->page_size = *page_size;
fresh:
  /* Nothing valid: the next append starts a new log with new salts. */
  w->max_frame = w->w_next = 0;
  new_header_state(w);
  w->generation = 1;
  return MICA_OK;
}

int wal_open(IoFile *f, uint32_t *page_size, Wal **out) {
  *out = NULL;
  Wal *w = calloc(1, sizeof *w);
  if (!w) {
    io_close(f);
    return MICA_NOMEM;
  }
  w->f = f;
  w->generation = 1;
  int rc = recover(w, page_size);
  if (rc != MICA_OK) {
    wal_close(w);
    return rc;
  }
  *out = w;
  return MICA_OK;
}

int wal_close(Wal *w) {
  if (!w) return MICA_OK;
  int rc = io_close(w->f);
  free(w->frame_pgno);
  free(w->frame_prev);
  free(w->frame_commit);
  free(w->hkeys);
  free(w->hvals);
  free(w);
  return rc;
}

IoFile *wal_file(Wal *w) { return w->f; }
uint32_t wal_max_frame(Wal *w) { return w->max_frame; }
uint32_t wal_db_size(Wal *w, uint32_t mx) { return mx ? w->frame_commit[mx] : 0; }
uint32_t wal_generation(Wal *w) { return w->generation; }
uint32_t wal_backfilled(Wal *w) { return w->backfill; }
uint32_t wal_page_size(Wal *w) { return w->page_size; }
uint32_t wal_frame_count(Wal *w) { return w->max_frame; }

uint32_t wal_find(Wal *w, uint32_t pgno, uint32_t mx) {
  uint32_t f = hget(w, pgno);
  while (f > mx)
    f = w->frame_prev[f];
  return f;
}

uint32_t wal_find_latest(Wal *w, uint32_t pgno) { return hget(w, pgno); }

int wal_read_frame(Wal *w, uint32_t frame, uint8_t *buf) {
  int rc = io_read(w->f, buf, w->page_size, frame_off(w, frame) + WAL_FRAME_HDR_SIZE);
  return rc == MICA_IOERR_SHORT_READ ? MICA_CORRUPT : rc;
}

/* ------------------------------------------------------------------------------------------------
 * Append.
 */
int wal_append(Wal *w, uint32_t page_size, const uint32_t *pgnos, uint8_t *const *pages, int n,
               uint32_t db_size, int sync) {
  if (n <= 0) return MICA_OK;
  if (w->need_header || w->max_frame == 0) {
    /* A fresh log (or one restarted after a reset): the page size may change only here. */
    if (w->page_size != page_size) w->page_size = page_size;
  }
  if (page_size != w->page_size) return MICA_MISUSE;
  uint8_t hdr[WAL_HDR_SIZE];
  uint8_t *fh = malloc((size_t)n * WAL_FRAME_HDR_SIZE);
  IoVec *v = malloc(((size_t)n * 2 + 1) * sizeof *v);
  if (!fh || !v) {
    free(fh);
    free(v);
    return MICA_NOMEM;
  }
  int nv = 0;
  uint32_t s[2];
  int wrote_header = 0;
  if (w->need_header) {
    put32(hdr, w->be ? WAL_MAGIC_BE : WAL_MAGIC_LE);
    put32(hdr + 4, WAL_VERSION);
    put32(hdr + 8, page_size);
    put32(hdr + 12, w->ckpt_seq);
    put32(hdr + 16, w->salt1);
    put32(hdr + 20, w->salt2);
    s[0] = s[1] = 0;
    wal_checksum(w->be, hdr, 24, s);
    put32(hdr + 24, s[0]);
    put32(hdr + 28, s[1]);
    w->hdr_cksum[0] = s[0];
    w->hdr_cksum[1] = s[1];
    v[nv++] = (IoVec){hdr, WAL_HDR_SIZE, 0};
    wrote_header = 1;
  } else {
    s[0] = w->w_cksum[0];
    s[1] = w->w_cksum[1];
  }
  uint32_t frame = w->max_frame;
  for (int i = 0; i < n; i++) {
    frame++;
    uint8_t *h = fh + (size_t)i * WAL_FRAME_HDR_SIZE;
    put32(h, pgnos[i]);
    put32(h + 4, i == n - 1 ? db_size : 0);
    put32(h + 8, w->salt1);
    put32(h + 12, w->salt2);
    wal_checksum(w->be, h, 8, s);
    wal_checksum(w->be, pages[i], page_size, s);
    put32(h + 16, s[0]);
    put32(h + 20, s[1]);
    uint64_t off = frame_off(w, frame);
    v[nv++] = (IoVec){h, WAL_FRAME_HDR_SIZE, off};
    v[nv++] = (IoVec){pages[i], page_size, off + WAL_FRAME_HDR_SIZE};
  }
  int rc = io_writev(w->f, v, nv, sync);
  free(fh);
  free(v);
  if (rc != MICA_OK) {
    /* The frames may be partly or (if only the sync failed) wholly on disk, commit frame included.
     * The caller rolls the transaction back, so cut them off: recovery must not find them. Best
     * effort; the next append overwrites them anyway. */
    io_truncate(w->f, w->need_header ? 0 : frame_off(w, w->max_frame + 1));
    return rc;
  }
  if (wrote_header) w->need_header = 0;
  w->w_next = frame;
  w->w_cksum[0] = s[0];
  w->w_cksum[1] = s[1];
  return MICA_OK;
}

int wal_publish(Wal *w, const uint32_t *pgnos, int n, uint32_t db_size) {
  uint32_t frame = w->max_frame;
  int rc = index_reserve(w, frame + (uint32_t)n);
  if (rc != MICA_OK) return rc;
  for (int i = 0; i < n; i++) {
    rc = index_add(w, ++frame, pgnos[i], i == n - 1 ? db_size : 0);
    if (rc != MICA_OK) {
      index_truncate(w, frame, w->max_frame);
      return rc;
    }
  }
  w->max_frame = frame;
  w->cksum_at_max[0] = w->w_cksum[0];
  w->cksum_at_max[1] = w->w_cksum[1];
  return MICA_OK;
}

int wal_sync(Wal *w) { return io_sync(w->f); }

/* ------------------------------------------------------------------------------------------------
 * Checkpoint and reset.
 */
typedef struct CkptItem {
  uint32_t pgno, frame;
} CkptItem;

static int ckpt_cmp(const void *a, const void *b) {
  const CkptItem *x = a, *y = b;
  return x->pgno < y->pgno ? -1 : x->pgno > y->pgno;
}

int wal_checkpoint_plan(Wal *w, uint32_t limit, uint32_t **frames, uint32_t **pgnos, int *n) {
  *frames = *pgnos = NULL;
  *n = 0;
  if (limit > w->max_frame) limit = w->max_frame;
  if (limit <= w->backfill) return MICA_OK;
  uint32_t cnt = limit - w->backfill;
  CkptItem *it = malloc(cnt * sizeof *it);
  if (!it) return MICA_NOMEM;
  int k = 0;
  for (uint32_t f = w->backfill + 1; f <= limit; f++)
    if (wal_find(w, w->frame_pgno[f], limit) == f) it[k++] = (CkptItem){w->frame_pgno[f], f};
  qsort(it, (size_t)k, sizeof *it, ckpt_cmp);
  uint32_t *fr = malloc(((size_t)k + 1) * sizeof *fr), *pg = malloc(((size_t)k + 1) * sizeof *pg);
  if (!fr || !pg) {
    free(fr);
    free(pg);
    free(it);
    return MICA_NOMEM;
  }
  for (int i = 0; i < k; i++) {
    fr[i] = it[i].frame;
    pg[i] = it[i].pgno;
  }
  free(it);
  *frames = fr;
  *pgnos = pg;
  *n = k;
  return MICA_OK;
}

void wal_checkpoint_done(Wal *w, uint32_t limit) {
  if (limit > w->max_frame) limit = w->max_frame;
  if (limit > w->backfill) w->backfill = limit;
}

int wal_reset(Wal *w, int truncate) {
  if (w->backfill != w->max_frame) return MICA_BUSY;
  int rc = MICA_OK;
  if (truncate) rc = io_truncate(w->f, 0);
  if (rc != MICA_OK) return rc;
  if (w->max_frame == 0 && !w->need_header && !truncate) return MICA_OK;
  index_clear(w);
  w->max_frame = w->w_next = w->backfill = 0;
  new_header_state(w);
  return MICA_OK;
}
