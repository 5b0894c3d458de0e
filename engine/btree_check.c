/*
 * btree_check.c: structural integrity check of a database image (PRAGMA integrity_check's storage
 * part), written against a page-source callback so it runs the same over the pager or a raw file.
 *
 * What is checked: each tree page parses (type, header, cell pointers, cell bounds); all leaves of a
 * tree are at the same depth; rowids in table trees are strictly increasing and within the bounds
 * set by the parent's dividers; overflow chains have exactly the number of pages the payload size
 * implies; freelist trunk/leaf pages are valid page numbers and the count matches header offset 36;
 * pointer-map pages (auto-vacuum, header offset 52 != 0) are accounted for; every page 1..npages is
 * referenced exactly once ("Page N is never used", "2nd reference to page N").
 *
 * A page referenced twice is not descended into again, so cycles terminate. Recursion depth is
 * bounded (BT_MAX_DEPTH). Messages follow SQLite's wording where there is one.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "btree_int.h"
#include "mica.h"

#define BT_MAX_DEPTH 40

typedef struct Checker {
  BtGetPage get;
  void *arg;
  uint32_t page_size, usable, npages;
  uint8_t *used;
  char *buf;
  size_t len, cap;
  int nerr, max_err;
  int nomem;
  int av; /* auto-vacuum file: pointer-map entries are checked */
} Checker;

static void report(Checker *ck, const char *fmt, ...) {
  char line[256];
  va_list ap;
  if (ck->nerr >= ck->max_err) return;
  va_start(ap, fmt);
  int n = vsnprintf(line, sizeof line, fmt, ap);
  va_end(ap);
  if (n < 0) return;
  if ((size_t)n >= sizeof line) n = sizeof line - 1;
  if (ck->len + (size_t)n + 2 > ck->cap) {
    size_t cap = ck->cap ? ck->cap * 2 : 256;
    while (cap < ck->len + (size_t)n + 2)
      cap *= 2;
    char *b = realloc(ck->buf, cap);
    if (!b) {
      ck->nomem = 1;
      return;
    }
    ck->buf = b;
    ck->cap = cap;
  }
  if (ck->len) ck->buf[ck->len++] = '\n';
  memcpy(ck->buf + ck->len, line, (size_t)n);
  ck->len += (size_t)n;
  ck->buf[ck->len] = 0;
  ck->nerr++;
}

/* Marks pgno used; 0 if it is out of range or already used (reported). */
static int mark(Checker *ck, uint32_t pgno, const char *ctx) {
  if (pgno < 1 || pgno > ck->npages) {
    report(ck, "%s: invalid page number %u", ctx, pgno);
    return 0;
  }
  if (ck->used[pgno]) {
    report(ck, "%s: 2nd reference to page %u", ctx, pgno);
    return 0;
  }
  ck->used[pgno] = 1;
  return 1;
}

static uint32_t rd4(const uint8_t *p) {
  return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

/* In auto-vacuum files, page pgno's pointer-map entry must be (type, parent). Reads a page. */
static void check_ptrmap(Checker *ck, uint32_t pgno, int type, uint32_t parent) {
  if (!ck->av || pgno < 3 || pgno > ck->npages) return;
  uint32_t per = ck->usable / 5 + 1;
  uint32_t m = (pgno - 2) / per * per + 2;
  uint32_t pending = (uint32_t)(0x40000000u / ck->page_size) + 1;
  if (m == pending) m++;
  if (m >= pgno) return; /* pgno is itself a pointer-map page: reported elsewhere */
  const uint8_t *d;
  if (ck->get(ck->arg, m, &d) != MICA_OK) {
    report(ck, "Failed to read ptrmap key=%u", pgno);
    return;
  }
  uint32_t off = 5 * (pgno - m - 1);
  int t = d[off];
  uint32_t par = rd4(d + off + 1);
  if (t != type || par != parent)
    report(ck, "Bad ptr map entry key=%u expected=(%d,%u) got=(%d,%u)", pgno, type, parent, t, par);
}

static void check_overflow(Checker *ck, uint32_t pgno, int cell, const BtCell *c) {
  uint64_t rest = c->npayload - c->nlocal;
  uint64_t expect = (rest + ck->usable - 5) / (ck->usable - 4);
  uint32_t next = c->overflow, prevpg = pgno;
  char ctx[64];
  snprintf(ctx, sizeof ctx, "On tree page %u cell %d", pgno, cell);
  for (uint64_t i = 0; i < expect; i++) {
    if (next == 0) {
      report(ck, "%s: overflow list length is %llu but should be %llu", ctx, (unsigned long long)i,
             (unsigned long long)expect);
      return;
    }
    if (!mark(ck, next, ctx)) return;
    check_ptrmap(ck, next, i == 0 ? 3 : 4, prevpg);
    prevpg = next;
    const uint8_t *d;
    if (ck->get(ck->arg, next, &d) != MICA_OK) {
      report(ck, "%s: failed to read overflow page %u", ctx, next);
      return;
    }
    next = rd4(d);
  }
  if (next != 0) report(ck, "%s: extends off end of overflow list (next page %u)", ctx, next);
}

/* Every byte of the cell content area is used by exactly one cell or freeblock, and the bytes used
 * by neither add up to the page's fragment count. */
static void check_space(Checker *ck, const BtPage *pg) {
  uint8_t *use = calloc(pg->usable, 1);
  if (!use) {
    ck->nomem = 1;
    return;
  }
  uint32_t start = pg->hdr + pg->hdr_size + 2u * pg->ncell;
  for (int i = 0; i < pg->ncell; i++) {
    BtCell c;
    if (btpage_cell(pg, i, &c) != MICA_OK) break; /* reported by the caller */
    for (uint32_t b = c.offset; b < c.offset + c.size && b < pg->usable; b++) {
      if (use[b] || b < start) {
        report(ck, "Multiple uses for byte %u of page %u", b, pg->pgno);
        free(use);
        return;
      }
      use[b] = 1;
    }
  }
  for (uint32_t fb = pg->first_freeblock; fb != 0;) { /* validated by btpage_free_space */
    uint32_t sz = ((uint32_t)pg->data[fb + 2] << 8) | pg->data[fb + 3];
    for (uint32_t b = fb; b < fb + sz; b++) {
      if (use[b] || b < start) {
        report(ck, "Multiple uses for byte %u of page %u", b, pg->pgno);
        free(use);
        return;
      }
      use[b] = 1;
    }
    fb = ((uint32_t)pg->data[fb] << 8) | pg->data[fb + 1];
  }
  uint32_t frag = 0;
  for (uint32_t b = pg->content_start; b < pg->usable; b++)
    frag += !use[b];
  if (frag != pg->nfrag)
    report(ck, "Fragmentation of %u bytes reported as %u on page %u", frag, pg->nfrag, pg->pgno);
  free(use);
}

/* Re-reads page pgno after other pages were read (the page source keeps one image valid at a time). */
static int refetch(Checker *ck, uint32_t pgno, BtPage *pg) {
  const uint8_t *d;
  if (ck->get(ck->arg, pgno, &d) != MICA_OK ||
      btpage_parse(pg, d, pgno, ck->page_size, ck->usable) != MICA_OK) {
    report(ck, "Page %u: unable to read", pgno);
    return 0;
  }
  return 1;
}

/* Returns the leaf depth of the subtree (or -1 after an error). lo/hi bound rowids (table trees):
 * every rowid r must satisfy lo < r <= hi (has_lo/has_hi select the bounds). */
static int check_tree(Checker *ck, uint32_t pgno, uint32_t parent, int depth, int64_t lo, int has_lo,
                      int64_t hi, int has_hi, int *intkey_out) {
  BtPage pg;
  const uint8_t *d;
  char ctx[48];
  snprintf(ctx, sizeof ctx, "Page %u", pgno);
  if (depth > BT_MAX_DEPTH) {
    report(ck, "Page %u: tree too deep", pgno);
    return -1;
  }
  if (!mark(ck, pgno, ctx)) return -1;
  check_ptrmap(ck, pgno, parent ? 5 : 1, parent);
  if (ck->get(ck->arg, pgno, &d) != MICA_OK) {
    report(ck, "Page %u: unable to read", pgno);
    return -1;
  }
  if (btpage_parse(&pg, d, pgno, ck->page_size, ck->usable) != MICA_OK) {
    report(ck, "Page %u: btreeInitPage() returns error code 11", pgno);
    return -1;
  }
  if (*intkey_out < 0)
    *intkey_out = pg.intkey;
  else if (*intkey_out != pg.intkey) {
    report(ck, "Page %u: wrong page type %d for this tree", pgno, pg.type);
    return -1;
  }
  uint32_t nfree;
  if (btpage_free_space(&pg, &nfree) != MICA_OK)
    report(ck, "Page %u: corrupt freeblock list", pgno);
  else
    check_space(ck, &pg);
  int leaf_depth = -2;
  int64_t prev = lo;
  int has_prev = has_lo;
  for (int i = 0; i < pg.ncell; i++) {
    BtCell c;
    if (btpage_cell(&pg, i, &c) != MICA_OK) {
      report(ck, "On tree page %u cell %d: corrupt cell", pgno, i);
      return -1;
    }
    if (pg.intkey) {
      if ((has_prev && c.rowid <= prev) || (has_hi && c.rowid > hi))
        report(ck, "On tree page %u cell %d: Rowid %lld out of order", pgno, i, (long long)c.rowid);
    }
    if (c.overflow) {
      check_overflow(ck, pgno, i, &c);
      if (!refetch(ck, pgno, &pg)) return -1;
    }
    if (!pg.leaf) {
      int dd = check_tree(ck, c.left_child, pgno, depth + 1, prev, has_prev, c.rowid, pg.intkey, intkey_out);
      if (!refetch(ck, pgno, &pg)) return -1;
      if (dd >= 0) {
        if (leaf_depth == -2)
          leaf_depth = dd;
        else if (dd != leaf_depth)
          report(ck, "Page %u: child page depth differs", pgno);
      }
    }
    if (pg.intkey) {
      prev = c.rowid;
      has_prev = 1;
    }
  }
  if (pg.leaf) return depth;
  int dd = check_tree(ck, pg.right_child, pgno, depth + 1, prev, has_prev, hi, has_hi, intkey_out);
  if (dd >= 0) {
    if (leaf_depth == -2)
      leaf_depth = dd;
    else if (dd != leaf_depth)
      report(ck, "Page %u: child page depth differs", pgno);
  }
  return leaf_depth < 0 ? -1 : leaf_depth;
}

static void check_freelist(Checker *ck, uint32_t trunk, uint32_t expected) {
  uint32_t seen = 0;
  while (trunk != 0) {
    const uint8_t *d;
    if (!mark(ck, trunk, "Freelist")) return;
    seen++;
    check_ptrmap(ck, trunk, 2, 0);
    if (ck->get(ck->arg, trunk, &d) != MICA_OK) {
      report(ck, "Freelist: unable to read trunk page %u", trunk);
      return;
    }
    uint32_t n = rd4(d + 4);
    if (n > (ck->usable - 8) / 4) {
      report(ck, "freelist leaf count too big on page %u", trunk);
      return;
    }
    for (uint32_t i = 0; i < n; i++) {
      uint32_t leaf = rd4(d + 8 + 4 * i);
      if (mark(ck, leaf, "Freelist")) seen++;
      if (ck->av) {
        check_ptrmap(ck, leaf, 2, 0);
        if (ck->get(ck->arg, trunk, &d) != MICA_OK) {
          report(ck, "Freelist: unable to read trunk page %u", trunk);
          return;
        }
      }
    }
    trunk = rd4(d);
  }
  if (seen != expected) report(ck, "Freelist: size is %u but should be %u", seen, expected);
}

int btree_check_pages(BtGetPage get, void *arg, uint32_t page_size, uint32_t usable, uint32_t npages,
                      const uint32_t *roots, int nroots, int max_errors, char **out) {
  Checker ck;
  const uint8_t *p1;
  memset(&ck, 0, sizeof ck);
  ck.get = get;
  ck.arg = arg;
  ck.page_size = page_size;
  ck.usable = usable;
  ck.npages = npages;
  ck.max_err = max_errors > 0 ? max_errors : 100;
  *out = NULL;
  ck.used = calloc((size_t)npages + 1, 1);
  if (!ck.used) return MICA_NOMEM;
  if (npages == 0 || get(arg, 1, &p1) != MICA_OK) {
    report(&ck, "Page 1: unable to read database header");
  } else {
    uint32_t trunk = rd4(p1 + 32), nfree = rd4(p1 + 36);
    int autovac = rd4(p1 + 52) != 0;
    ck.av = autovac;
    check_freelist(&ck, trunk, nfree);
    if (autovac) {
      /* Pointer-map pages: page 2, then every usable/5 + 1 pages. */
      uint32_t per = usable / 5;
      for (uint64_t pm = 2; pm <= npages; pm += per + 1)
        mark(&ck, (uint32_t)pm, "Pointer map");
    }
    for (int i = 0; i < nroots; i++) {
      int intkey = -1;
      if (roots[i] == 0) continue;
      check_tree(&ck, roots[i], 0, 0, 0, 0, 0, 0, &intkey);
    }
    for (uint32_t pg = 1; pg <= npages; pg++)
      if (!ck.used[pg]) report(&ck, "Page %u is never used", pg);
  }
  free(ck.used);
  if (ck.nomem) {
    free(ck.buf);
    return MICA_NOMEM;
  }
  *out = ck.buf;
  return MICA_OK;
}
