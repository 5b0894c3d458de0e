/*
 * btree.c: SQLite-format b-trees.
 *
 * Two layers live here. The PAGE LAYER (btree_int.h) parses, validates and writes single page images.
 * The TREE LAYER (btree.h) builds tables and indexes on the pager (pager.h): cursors, insert/delete
 * with balancing, overflow chains, the freelist, transactions (delegated to the pager) and meta values.
 *
 * Page format (SQLite "Database File Format", section 1.6): the b-tree page header is at offset 100
 * on page 1 and 0 elsewhere: type (2 interior index, 5 interior table, 10 leaf index, 13 leaf table),
 * first freeblock (2), cell count (2), cell content start (2; 0 means 65536), fragmented free bytes
 * (1), and on interior pages the right-most child (4). The cell pointer array (2 bytes per cell)
 * follows the header. Cells:
 *   table leaf:     varint payload size, varint rowid, local payload, [4-byte first overflow page]
 *   table interior: 4-byte left child, varint rowid
 *   index leaf:     varint payload size, local payload, [overflow]
 *   index interior: 4-byte left child, varint payload size, local payload, [overflow]
 * Spill rule with U usable bytes: X = U-35 (table leaf) or ((U-12)*64/255)-23 (index pages),
 * M = ((U-12)*32/255)-23, K = M+((P-M)%(U-4)); local = P if P <= X, else K if K <= X, else M.
 * A cell occupies at least 4 bytes.
 *
 * Invariants checked on every parse: page type valid, cell pointer array inside the usable area
 * and not overlapping the header, each cell inside [content start, U), varints terminate inside the
 * page. Violations return MICA_CORRUPT.
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "btree_int.h"
#include "mica.h"
#include "record.h"

static uint32_t get2(const uint8_t *p) { return ((uint32_t)p[0] << 8) | p[1]; }
static uint32_t get4(const uint8_t *p) {
  return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

uint32_t btree_max_local(uint32_t usable, int intkey_leaf) {
  if (intkey_leaf) return usable - 35;
  return ((usable - 12) * 64 / 255) - 23;
}

uint32_t btree_min_local(uint32_t usable) { return ((usable - 12) * 32 / 255) - 23; }

uint32_t btree_local_size(uint32_t usable, int intkey_leaf, uint64_t npayload) {
  uint32_t x = btree_max_local(usable, intkey_leaf);
  if (npayload <= x) return (uint32_t)npayload;
  uint32_t m = btree_min_local(usable);
  uint64_t k = m + ((npayload - m) % (usable - 4));
  return k <= x ? (uint32_t)k : m;
}

int btpage_parse(BtPage *pg, const uint8_t *data, uint32_t pgno, uint32_t page_size, uint32_t usable) {
  memset(pg, 0, sizeof *pg);
  pg->data = data;
  pg->pgno = pgno;
  pg->page_size = page_size;
  pg->usable = usable;
  pg->hdr = pgno == 1 ? 100 : 0;
  if (usable < 480 || usable > page_size) return MICA_CORRUPT;
  const uint8_t *h = data + pg->hdr;
  pg->type = h[0];
  switch (pg->type) {
  case BTP_INTERIOR_INDEX:
    pg->leaf = 0;
    pg->intkey = 0;
    break;
  case BTP_INTERIOR_TABLE:
    pg->leaf = 0;
    pg->intkey = 1;
    break;
  case BTP_LEAF_INDEX:
    pg->leaf = 1;
    pg->intkey = 0;
    break;
  case BTP_LEAF_TABLE:
    pg->leaf = 1;
    pg->intkey = 1;
    break;
  default: return MICA_CORRUPT;
  }
  pg->hdr_size = pg->leaf ? 8 : 12;
  pg->first_freeblock = get2(h + 1);
  pg->ncell = (uint16_t)get2(h + 3);
  pg->content_start = get2(h + 5);
  if (pg->content_start == 0) pg->content_start = 65536;
  pg->nfrag = h[7];
  pg->right_child = pg->leaf ? 0 : get4(h + 8);
  uint32_t ptr_end = pg->hdr + pg->hdr_size + 2u * pg->ncell;
  if (ptr_end > usable) return MICA_CORRUPT;
  if (pg->content_start > usable) return MICA_CORRUPT;
  if (pg->ncell > 0 && pg->content_start < ptr_end) return MICA_CORRUPT;
  if (!pg->leaf && pg->right_child == 0) return MICA_CORRUPT;
  return MICA_OK;
}

int btpage_cell_offset(const BtPage *pg, int idx, uint32_t *off) {
  if (idx < 0 || idx >= pg->ncell) return MICA_CORRUPT;
  uint32_t o = get2(pg->data + pg->hdr + pg->hdr_size + 2 * (uint32_t)idx);
  if (o < pg->content_start || o + 4 > pg->usable) return MICA_CORRUPT;
  *off = o;
  return MICA_OK;
}

int btpage_cell(const BtPage *pg, int idx, BtCell *c) {
  uint32_t off;
  int rc = btpage_cell_offset(pg, idx, &off);
  if (rc != MICA_OK) return rc;
  const uint8_t *p = pg->data + off;
  const uint8_t *end = pg->data + pg->usable;
  uint64_t v;
  int k;
  c->offset = off;
  c->left_child = 0;
  c->rowid = 0;
  c->npayload = 0;
  c->nlocal = 0;
  c->payload = 0;
  c->overflow = 0;
  if (!pg->leaf) {
    c->left_child = get4(p);
    if (c->left_child == 0) return MICA_CORRUPT;
    p += 4;
  }
  if (pg->intkey && !pg->leaf) {
    k = record_get_varint_safe(p, end, &v);
    if (k == 0) return MICA_CORRUPT;
    c->rowid = (int64_t)v;
    c->size = 4 + (uint32_t)k;
    return MICA_OK;
  }
  k = record_get_varint_safe(p, end, &v);
  if (k == 0 || v > 0x7fffffff) return MICA_CORRUPT;
  c->npayload = v;
  p += k;
  if (pg->intkey) {
    k = record_get_varint_safe(p, end, &v);
    if (k == 0) return MICA_CORRUPT;
    c->rowid = (int64_t)v;
    p += k;
  }
  c->payload = (uint32_t)(p - pg->data);
  c->nlocal = btree_local_size(pg->usable, pg->intkey && pg->leaf, c->npayload);
  uint32_t sz = c->payload - off + c->nlocal;
  if (c->nlocal < c->npayload) {
    if ((uint64_t)c->payload + c->nlocal + 4 > pg->usable) return MICA_CORRUPT;
    c->overflow = get4(pg->data + c->payload + c->nlocal);
    if (c->overflow == 0) return MICA_CORRUPT;
    sz += 4;
  } else if ((uint64_t)c->payload + c->nlocal > pg->usable) {
    return MICA_CORRUPT;
  }
  c->size = sz < 4 ? 4 : sz;
  return MICA_OK;
}

/* ---------------------------------------------------------------- page writing */

static void put2(uint8_t *p, uint32_t v) {
  p[0] = (uint8_t)(v >> 8);
  p[1] = (uint8_t)v;
}
static void put4(uint8_t *p, uint32_t v) {
  p[0] = (uint8_t)(v >> 24);
  p[1] = (uint8_t)(v >> 16);
  p[2] = (uint8_t)(v >> 8);
  p[3] = (uint8_t)v;
}

void btree_format_header(uint8_t *h, uint32_t page_size, int reserved, uint32_t npages, int rw_version) {
  static const char magic[16] = "SQLite format 3";
  memset(h, 0, 100);
  memcpy(h, magic, 16);
  put2(h + 16, page_size == 65536 ? 1 : page_size);
  h[18] = (uint8_t)rw_version;
  h[19] = (uint8_t)rw_version;
  h[20] = (uint8_t)reserved;
  h[21] = 64;
  h[22] = 32;
  h[23] = 32;
  put4(h + 24, 1);      /* file change counter */
  put4(h + 28, npages); /* database size in pages (valid: 92 == 24) */
  put4(h + 44, 4);      /* schema format */
  put4(h + 56, 1);      /* UTF-8 */
  put4(h + 92, 1);      /* version-valid-for */
  put4(h + 96, MICA_VERSION_NUMBER);
}

void btpage_init(uint8_t *data, uint32_t pgno, int type, uint32_t usable) {
  uint32_t hdr = pgno == 1 ? 100 : 0;
  int leaf = type == BTP_LEAF_INDEX || type == BTP_LEAF_TABLE;
  memset(data + hdr, 0, leaf ? 8 : 12);
  data[hdr] = (uint8_t)type;
  put2(data + hdr + 5, usable == 65536 ? 0 : usable);
}

int btpage_free_space(const BtPage *pg, uint32_t *nfree) {
  uint32_t gap_start = pg->hdr + pg->hdr_size + 2u * pg->ncell;
  uint32_t total = pg->content_start > gap_start ? pg->content_start - gap_start : 0;
  uint32_t fb = pg->first_freeblock, prev = 0;
  int guard = 0;
  while (fb != 0) {
    if (fb <= prev || fb < pg->content_start || fb + 4 > pg->usable || ++guard > 20000) return MICA_CORRUPT;
    uint32_t sz = get2(pg->data + fb + 2);
    if (sz < 4 || fb + sz > pg->usable) return MICA_CORRUPT;
    total += sz;
    prev = fb;
    fb = get2(pg->data + fb);
  }
  total += pg->nfrag;
  *nfree = total;
  return MICA_OK;
}

int btpage_defragment(uint8_t *data, BtPage *pg) {
  uint8_t *tmp = malloc(pg->usable);
  if (!tmp) return MICA_NOMEM;
  uint32_t top = pg->usable;
  uint32_t ptr = pg->hdr + pg->hdr_size;
  for (int i = 0; i < pg->ncell; i++) {
    BtCell c;
    int rc = btpage_cell(pg, i, &c);
    if (rc != MICA_OK) {
      free(tmp);
      return rc;
    }
    if (c.offset + c.size > pg->usable || top < ptr + 2u * pg->ncell ||
        c.size > top - (ptr + 2u * pg->ncell)) {
      free(tmp);
      return MICA_CORRUPT;
    }
    top -= c.size;
    memcpy(tmp + top, data + c.offset, c.size);
    put2(data + ptr + 2 * (uint32_t)i, top);
  }
  memcpy(data + top, tmp + top, pg->usable - top);
  free(tmp);
  uint8_t *h = data + pg->hdr;
  put2(h + 1, 0);
  put2(h + 5, top == 65536 ? 0 : top);
  h[7] = 0;
  return btpage_parse(pg, data, pg->pgno, pg->page_size, pg->usable);
}

int btpage_insert_cell(uint8_t *data, BtPage *pg, int idx, const uint8_t *cell, uint32_t size) {
  uint32_t nfree;
  int rc;
  if (idx < 0 || idx > pg->ncell) return MICA_MISUSE;
  if (size < 4) size = 4;
  if ((rc = btpage_free_space(pg, &nfree)) != MICA_OK) return rc;
  if (nfree < size + 2) return MICA_FULL;
  uint32_t gap_start = pg->hdr + pg->hdr_size + 2u * pg->ncell;
  if (pg->content_start < gap_start + 2 + size) {
    if ((rc = btpage_defragment(data, pg)) != MICA_OK) return rc;
    /* A fragment count larger than the real free space shows up here. */
    if (pg->content_start < gap_start + 2 + size) return MICA_CORRUPT;
  }
  uint32_t off = pg->content_start - size;
  memcpy(data + off, cell, size);
  uint8_t *ptrs = data + pg->hdr + pg->hdr_size;
  memmove(ptrs + 2 * (idx + 1), ptrs + 2 * idx, 2u * (uint32_t)(pg->ncell - idx));
  put2(ptrs + 2 * idx, off);
  put2(data + pg->hdr + 3, pg->ncell + 1u);
  put2(data + pg->hdr + 5, off);
  return btpage_parse(pg, data, pg->pgno, pg->page_size, pg->usable);
}

int btpage_drop_cell(uint8_t *data, BtPage *pg, int idx) {
  BtCell c;
  int rc = btpage_cell(pg, idx, &c);
  if (rc != MICA_OK) return rc;
  uint8_t *ptrs = data + pg->hdr + pg->hdr_size;
  memmove(ptrs + 2 * idx, ptrs + 2 * (idx + 1), 2u * (uint32_t)(pg->ncell - idx - 1));
  put2(data + pg->hdr + 3, pg->ncell - 1u);
  if ((rc = btpage_parse(pg, data, pg->pgno, pg->page_size, pg->usable)) != MICA_OK) return rc;
  /* Simple and always valid: repack the remaining cells (freeblock reuse comes later). */
  return btpage_defragment(data, pg);
}

uint32_t btree_build_leaf_cell(uint8_t *out, uint32_t usable, int intkey, int64_t rowid,
                               const uint8_t *payload, uint32_t npayload, uint32_t overflow_pgno) {
  uint32_t n = 0;
  n += (uint32_t)record_put_varint(out + n, npayload);
  if (intkey) n += (uint32_t)record_put_varint(out + n, (uint64_t)rowid);
  uint32_t local = btree_local_size(usable, intkey, npayload);
  if (local > 0) memcpy(out + n, payload, local);
  n += local;
  if (local < npayload) {
    put4(out + n, overflow_pgno);
    n += 4;
  }
  while (n < 4)
    out[n++] = 0;
  return n;
}

uint32_t btree_build_interior_cell(uint8_t *out, uint32_t usable, int intkey, uint32_t left_child,
                                   int64_t rowid, const uint8_t *payload, uint32_t npayload,
                                   uint32_t overflow_pgno) {
  put4(out, left_child);
  if (intkey) return 4 + (uint32_t)record_put_varint(out + 4, (uint64_t)rowid);
  return 4 + btree_build_leaf_cell(out + 4, usable, 0, 0, payload, npayload, overflow_pgno);
}

/* ================================================================ tree layer (btree.h)
 *
 * CURSORS hold a stack of pinned pages from the root (pg[0]) down; idx[] is the cell index on the
 * leaf and the child index (0..ncell, ncell = right child) on interior pages. Table trees keep their
 * entries in leaves only; index trees also in interior cells, so an index cursor may rest on an
 * interior page (idx = that cell). Pages are re-parsed from the pager's buffer on every use.
 * States: INVALID (eof) -> VALID (positioned) -> REQUIRESEEK (key saved, pages released) -> VALID.
 * Before a tree changes, every other cursor on it is saved (REQUIRESEEK); it re-seeks lazily on its
 * next use, and `skip` records whether the re-seek landed after (>0) or before (<0) the saved key,
 * so next/prev continue correctly when the saved entry was deleted. The writing cursor itself saves
 * the deleted key on btree_delete, and re-seeks the inserted key after btree_insert.
 *
 * CHANGES work on page numbers (BtPath), not on pinned pages: a page's new content is built as a
 * CellList in memory and balance_page() writes it if it fits and is not underfull (a third of the
 * page). Otherwise redistribute() takes the page and up to two siblings, gathers their cells with
 * the parent's dividers between them, and refills as few pages as hold them (greedy, then evened
 * out from the right; appends at the end of a table pack the left pages full instead, so
 * sequential inserts leave full pages). Dividers: table trees put the left page's largest rowid
 * in the parent; index trees and interior pages move the boundary cell itself up. The parent's new
 * content is then balanced the same way, up to the root: a root that overflows moves its content
 * to a new child (deeper); a root interior page left with no cells takes in its only child when it
 * fits (shallower). Deleting an index entry held in an interior cell replaces it with the largest
 * entry of its left subtree (taken from a leaf) and balances that leaf; when the replacement would
 * overflow the interior page, the leaf is balanced first and the key sought again on a fresh path.
 * An insert whose cell fits on its leaf skips all this: the cell goes in place (btpage_insert_cell)
 * and the cursor stays where it is.
 *
 * FREELIST (file format 1.5): header offset 32 = first trunk page, 36 = count. A trunk page holds
 * the next trunk, a leaf count and leaf page numbers (at most usable/4 - 8, as SQLite writes).
 * Allocation takes the last leaf of the first trunk, then the trunk itself, and only then grows the
 * file (skipping the pending-byte page). Freed pages go to the first trunk, or become a new trunk.
 *
 * The pager stamps page 1 at commit (change counter, size, version-valid-for). A new file gets
 * page 1 (header + empty sqlite_schema leaf) in its first write transaction, so btree_set_page_size
 * and btree_set_autovacuum work until then.
 *
 * AUTO-VACUUM (header 52 = largest root page != 0; 64 = incremental). Pointer-map pages (page 2,
 * then every usable/5 + 1 pages) give each page's type and parent: 1 root, 2 free, 3 first
 * overflow page (parent: the b-tree page holding the cell), 4 later overflow page (parent: the
 * previous one), 5 b-tree page (parent page). They are kept exact by construction: every b-tree
 * page written by the balancer re-points its children and first overflow pages at itself
 * (ptrmap_refresh), bt_write_overflow links the chain, bt_free marks free; growing the file
 * creates pointer-map pages in passing. Roots stay packed after page 2: a new root takes the page
 * after the largest root (relocating the page there), a dropped root is filled by the largest root
 * (*moved_from). relocate() moves any non-root page and fixes its parent's pointer through the
 * pointer map. At commit, auto_vacuum=full moves the pages in use past SQLite's final size into
 * free pages below it and truncates (incremental mode keeps its free pages).
 *
 * VACUUM copies every tree named in sqlite_schema, in order and without key comparisons (so any
 * collation survives), into a fresh database (the INTO file, or a private in-memory one whose pages
 * then replace this file's in one write transaction), rewriting the schema's root page numbers.
 */

#include <stdarg.h>
#include <stdio.h>

#include "btree.h"
#include "pager.h"

#define BT_MAX_DEPTH 24 /* a tree deeper than this is treated as corrupt (cycle guard) */

/* Cursor states. */
#define CUR_INVALID 0     /* at EOF / not positioned */
#define CUR_VALID 1       /* pg[0..depth) pinned, idx[] is the position */
#define CUR_REQUIRESEEK 2 /* pages released; saved key must be re-sought before use */

struct Btree {
  PagerConn *pc;
  int txn;      /* 0 none, 1 read, 2 write */
  int readonly; /* opened with BTREE_OPEN_READONLY */
  int dirty;    /* a page was written in this write transaction */
  int av;       /* auto-vacuum mode of the file: 0 none, 1 full, 2 incremental (header 52/64) */
  int av_new;   /* mode for a database not created yet (btree_set_autovacuum before page 1) */
  int av_req;   /* a btree_set_autovacuum made in a read transaction, applied at its upgrade */
  uint32_t page_size, usable;
  BtCursor *cursors; /* open cursors of this handle (for invalidation) */
  char errmsg[200];
};

struct BtCursor {
  Btree *bt;
  BtCursor *next;
  uint32_t root;
  int writable;
  int intkey; /* from the root page's type; -1 until known */
  const KeyInfo *keyinfo;
  int state; /* CUR_* */
  int depth; /* pinned levels (CUR_VALID) */
  PgHdr *pg[BT_MAX_DEPTH];
  int idx[BT_MAX_DEPTH]; /* leaf: cell; interior: child index (== cell index when resting on a cell) */
  /* Saved position (CUR_REQUIRESEEK). */
  int64_t save_rowid;
  uint8_t *save_key;
  uint32_t save_nkey;
  int skip; /* after a re-seek: >0 already on the entry after the saved key, <0 on the one before */
  /* Payload assembly buffer (btree_data and key comparisons over overflow pages). */
  uint8_t *buf;
  uint32_t bufcap;
};

/* A path from the root to a page, by page number (used while a tree is being changed). */
typedef struct BtPath {
  int depth;
  uint32_t pgno[BT_MAX_DEPTH];
  int idx[BT_MAX_DEPTH];
} BtPath;

static const KeyInfo default_keyinfo = {0, NULL, NULL};

static int bt_error(Btree *bt, int rc, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(bt->errmsg, sizeof bt->errmsg, fmt, ap);
  va_end(ap);
  return rc;
}

/* Every corruption found by the tree layer goes through here (one place to break on). */
static int bt_corrupt(Btree *bt, uint32_t pgno) {
  return bt_error(bt, MICA_CORRUPT, "database disk image is malformed (page %u)", pgno);
}

const char *btree_errmsg(Btree *bt) { return bt && bt->errmsg[0] ? bt->errmsg : "not an error"; }

static void bt_refresh_sizes(Btree *bt) {
  bt->page_size = pager_page_size(bt->pc);
  bt->usable = bt->page_size - (uint32_t)pager_reserved_bytes(bt->pc);
}

/* Pins page pgno (validated against the database size) and, when pg != NULL, parses it as a b-tree
 * page. */
static int bt_get(Btree *bt, uint32_t pgno, PgHdr **out, BtPage *pg) {
  *out = NULL;
  if (pg) memset(pg, 0, sizeof *pg);
  if (pgno == 0 || pgno > pager_page_count(bt->pc)) return bt_corrupt(bt, pgno);
  int rc = pager_get(bt->pc, pgno, out);
  if (rc != MICA_OK) return bt_error(bt, rc, "cannot read page %u: %s", pgno, pager_errmsg(bt->pc));
  if (pg && btpage_parse(pg, (*out)->data, pgno, bt->page_size, bt->usable) != MICA_OK) {
    pager_unref(*out);
    *out = NULL;
    return bt_corrupt(bt, pgno);
  }
  return MICA_OK;
}

static int bt_write(Btree *bt, PgHdr *pg) {
  int rc = pager_write(pg);
  if (rc != MICA_OK) return bt_error(bt, rc, "cannot write page %u: %s", pg->pgno, pager_errmsg(bt->pc));
  bt->dirty = 1;
  return MICA_OK;
}

/* Pins and makes writable page pgno. */
static int bt_get_write(Btree *bt, uint32_t pgno, PgHdr **out) {
  int rc = bt_get(bt, pgno, out, NULL);
  if (rc != MICA_OK) return rc;
  if ((rc = bt_write(bt, *out)) != MICA_OK) {
    pager_unref(*out);
    *out = NULL;
  }
  return rc;
}

static int is_leaf_type(int t) { return t == BTP_LEAF_INDEX || t == BTP_LEAF_TABLE; }
static int is_intkey_type(int t) { return t == BTP_LEAF_TABLE || t == BTP_INTERIOR_TABLE; }

/* ---------------------------------------------------------------- pointer map (auto-vacuum) */

#define PTRMAP_ROOTPAGE 1
#define PTRMAP_FREEPAGE 2
#define PTRMAP_OVERFLOW1 3
#define PTRMAP_OVERFLOW2 4
#define PTRMAP_BTREE 5

static uint32_t pending_page(Btree *bt);

/* The pointer-map page that holds the entry of pgno (pgno >= 2): page 2 and every usable/5 + 1
 * pages after it, moved up by one when it would be the pending-byte page. */
static uint32_t ptrmap_pageno(Btree *bt, uint32_t pgno) {
  uint32_t per = bt->usable / 5 + 1;
  uint32_t m = (pgno - 2) / per * per + 2;
  if (m == pending_page(bt)) m++;
  return m;
}

static int is_ptrmap_page(Btree *bt, uint32_t pgno) { return pgno >= 2 && ptrmap_pageno(bt, pgno) == pgno; }

static int ptrmap_put(Btree *bt, uint32_t pgno, int type, uint32_t parent) {
  if (!bt->av) return MICA_OK;
  if (pgno < 3) return bt_corrupt(bt, pgno);
  uint32_t m = ptrmap_pageno(bt, pgno);
  uint32_t off = 5 * (pgno - m - 1);
  if (m >= pgno || off + 5 > bt->usable) return bt_corrupt(bt, pgno);
  PgHdr *pg;
  int rc = bt_get(bt, m, &pg, NULL);
  if (rc != MICA_OK) return rc;
  if (pg->data[off] != type || get4(pg->data + off + 1) != parent) {
    if ((rc = bt_write(bt, pg)) == MICA_OK) {
      pg->data[off] = (uint8_t)type;
      put4(pg->data + off + 1, parent);
    }
  }
  pager_unref(pg);
  return rc;
}

static int ptrmap_get(Btree *bt, uint32_t pgno, int *type, uint32_t *parent) {
  *type = 0;
  *parent = 0;
  uint32_t m = ptrmap_pageno(bt, pgno);
  uint32_t off = 5 * (pgno - m - 1);
  if (pgno < 3 || m >= pgno || off + 5 > bt->usable) return bt_corrupt(bt, pgno);
  PgHdr *pg;
  int rc = bt_get(bt, m, &pg, NULL);
  if (rc != MICA_OK) return rc;
  *type = pg->data[off];
  *parent = get4(pg->data + off + 1);
  pager_unref(pg);
  return MICA_OK;
}

/* After b-tree page pgno was written: its children and first overflow pages point back to it. */
static int ptrmap_refresh(Btree *bt, uint32_t pgno) {
  if (!bt->av) return MICA_OK;
  PgHdr *ph;
  BtPage pg;
  int rc = bt_get(bt, pgno, &ph, &pg);
  if (rc != MICA_OK) return rc;
  for (int i = 0; i < pg.ncell && rc == MICA_OK; i++) {
    BtCell c;
    if (btpage_cell(&pg, i, &c) != MICA_OK) {
      rc = bt_corrupt(bt, pgno);
      break;
    }
    if (!pg.leaf) rc = ptrmap_put(bt, c.left_child, PTRMAP_BTREE, pgno);
    if (rc == MICA_OK && c.overflow) rc = ptrmap_put(bt, c.overflow, PTRMAP_OVERFLOW1, pgno);
    /* ptrmap_put may have written a pointer-map page: the pinned page stays valid (not written). */
  }
  if (rc == MICA_OK && !pg.leaf) rc = ptrmap_put(bt, pg.right_child, PTRMAP_BTREE, pgno);
  pager_unref(ph);
  return rc;
}

/* ---------------------------------------------------------------- freelist */

/* The page holding the pending byte (offset 2^30) is never used for data. */
static uint32_t pending_page(Btree *bt) { return (uint32_t)(0x40000000u / bt->page_size) + 1; }

/* Grows the file by one usable page (skipping the pending-byte page; in auto-vacuum files creating
 * pointer-map pages on the way). */
static int bt_grow(Btree *bt, uint32_t *out) {
  uint32_t result = pager_page_count(bt->pc) + 1;
  int rc = MICA_OK;
  for (;;) {
    if (result == pending_page(bt)) {
      result++;
      continue;
    }
    if (!(bt->av && is_ptrmap_page(bt, result))) break;
    PgHdr *pm;
    if ((rc = pager_set_page_count(bt->pc, result)) != MICA_OK) break;
    if ((rc = bt_get_write(bt, result, &pm)) != MICA_OK) return rc;
    memset(pm->data, 0, bt->page_size);
    pager_unref(pm);
    result++;
  }
  if (rc == MICA_OK) rc = pager_set_page_count(bt->pc, result);
  if (rc != MICA_OK) return bt_error(bt, rc, "cannot grow the database: %s", pager_errmsg(bt->pc));
  *out = result;
  return MICA_OK;
}

/* Allocates a page (freelist first, else grows the file). The page comes back pinned and writable,
 * with unspecified content. */
static int bt_alloc(Btree *bt, PgHdr **out) {
  PgHdr *p1, *t = NULL;
  uint32_t result = 0;
  int rc = bt_get_write(bt, 1, &p1);
  if (rc != MICA_OK) return rc;
  uint32_t trunk = get4(p1->data + 32), nfree = get4(p1->data + 36);
  if (trunk != 0) {
    if ((rc = bt_get(bt, trunk, &t, NULL)) != MICA_OK) goto done;
    uint32_t n = get4(t->data + 4);
    if (n > (bt->usable - 8) / 4 || nfree == 0) {
      rc = bt_corrupt(bt, trunk);
      goto done;
    }
    if (n > 0) {
      result = get4(t->data + 8 + 4 * (n - 1));
      if (result < 2 || result > pager_page_count(bt->pc)) {
        rc = bt_corrupt(bt, trunk);
        goto done;
      }
      if ((rc = bt_write(bt, t)) != MICA_OK) goto done;
      put4(t->data + 4, n - 1);
    } else {
      result = trunk;
      put4(p1->data + 32, get4(t->data));
    }
    put4(p1->data + 36, nfree - 1);
  } else {
    if ((rc = bt_grow(bt, &result)) != MICA_OK) goto done;
  }
  if (t) pager_unref(t);
  t = NULL;
  rc = bt_get_write(bt, result, out);
done:
  if (t) pager_unref(t);
  pager_unref(p1);
  return rc;
}

/* Returns page pgno to the freelist. */
static int bt_free(Btree *bt, uint32_t pgno) {
  PgHdr *p1, *pg;
  if (pgno < 2 || pgno > pager_page_count(bt->pc) || (bt->av && is_ptrmap_page(bt, pgno)))
    return bt_corrupt(bt, pgno);
  int rc = ptrmap_put(bt, pgno, PTRMAP_FREEPAGE, 0);
  if (rc != MICA_OK) return rc;
  if ((rc = bt_get_write(bt, 1, &p1)) != MICA_OK) return rc;
  uint32_t trunk = get4(p1->data + 32), nfree = get4(p1->data + 36);
  if (trunk != 0) {
    if ((rc = bt_get(bt, trunk, &pg, NULL)) != MICA_OK) goto done;
    uint32_t n = get4(pg->data + 4);
    if (n > (bt->usable - 8) / 4) {
      pager_unref(pg);
      rc = bt_corrupt(bt, trunk);
      goto done;
    }
    if (n < bt->usable / 4 - 8) {
      if ((rc = bt_write(bt, pg)) == MICA_OK) {
        put4(pg->data + 8 + 4 * n, pgno);
        put4(pg->data + 4, n + 1);
        put4(p1->data + 36, nfree + 1);
      }
      pager_unref(pg);
      goto done;
    }
    pager_unref(pg);
  }
  /* pgno becomes the new first trunk page. */
  if ((rc = bt_get_write(bt, pgno, &pg)) != MICA_OK) goto done;
  memset(pg->data, 0, 8);
  put4(pg->data, trunk);
  pager_unref(pg);
  put4(p1->data + 32, pgno);
  put4(p1->data + 36, nfree + 1);
done:
  pager_unref(p1);
  return rc;
}

/* Number of overflow pages a cell's payload needs. */
static uint64_t overflow_count(Btree *bt, const BtCell *c) {
  if (!c->overflow) return 0;
  return (c->npayload - c->nlocal + bt->usable - 5) / (bt->usable - 4);
}

static int bt_free_overflow(Btree *bt, const BtCell *c) {
  uint64_t n = overflow_count(bt, c);
  uint32_t next = c->overflow;
  for (uint64_t i = 0; i < n; i++) {
    PgHdr *pg;
    uint32_t cur = next;
    int rc = bt_get(bt, cur, &pg, NULL);
    if (rc != MICA_OK) return rc;
    next = get4(pg->data);
    pager_unref(pg);
    if ((rc = bt_free(bt, cur)) != MICA_OK) return rc;
    if (i + 1 < n && next == 0) return bt_corrupt(bt, cur);
  }
  return MICA_OK;
}

/* Writes src[0..n) to a new overflow chain; *first gets its first page. */
static int bt_write_overflow(Btree *bt, const uint8_t *src, uint64_t n, uint32_t *first) {
  PgHdr *prev = NULL;
  uint32_t per = bt->usable - 4;
  *first = 0;
  while (n > 0) {
    PgHdr *pg;
    int rc = bt_alloc(bt, &pg);
    if (rc != MICA_OK) {
      if (prev) pager_unref(prev);
      return rc;
    }
    uint32_t take = n < per ? (uint32_t)n : per;
    put4(pg->data, 0);
    memcpy(pg->data + 4, src, take);
    if (take < per) memset(pg->data + 4 + take, 0, per - take);
    if (prev) {
      put4(prev->data, pg->pgno);
      rc = ptrmap_put(bt, pg->pgno, PTRMAP_OVERFLOW2, prev->pgno);
      pager_unref(prev);
      if (rc != MICA_OK) {
        pager_unref(pg);
        return rc;
      }
    } else {
      *first = pg->pgno;
    }
    prev = pg;
    src += take;
    n -= take;
  }
  if (prev) pager_unref(prev);
  return MICA_OK;
}

/* ---------------------------------------------------------------- payload access */

/* Makes *data point at the whole payload of cell c on page pg: into the page when it has no overflow,
 * else into *buf (grown as needed, owned by the caller). */
static int bt_payload(Btree *bt, const BtPage *pg, const BtCell *c, uint8_t **buf, uint32_t *cap,
                      const uint8_t **data) {
  if (!c->overflow) {
    *data = pg->data + c->payload;
    return MICA_OK;
  }
  if (c->npayload + 1 > *cap) {
    uint8_t *nb = realloc(*buf, (size_t)c->npayload + 1);
    if (!nb) return MICA_NOMEM;
    *buf = nb;
    *cap = (uint32_t)c->npayload + 1;
  }
  memcpy(*buf, pg->data + c->payload, c->nlocal);
  uint64_t got = c->nlocal;
  uint32_t next = c->overflow;
  uint64_t npages = overflow_count(bt, c);
  for (uint64_t i = 0; i < npages; i++) {
    PgHdr *ov;
    int rc = bt_get(bt, next, &ov, NULL);
    if (rc != MICA_OK) return rc;
    uint64_t take = c->npayload - got;
    if (take > bt->usable - 4) take = bt->usable - 4;
    memcpy(*buf + got, ov->data + 4, take);
    got += take;
    next = get4(ov->data);
    pager_unref(ov);
  }
  *data = *buf;
  return MICA_OK;
}

/* ---------------------------------------------------------------- cell lists (balancing) */

/* The desired content of one page, held in memory so that it may exceed the page. */
typedef struct CellList {
  int n, cap;
  size_t *off;
  uint32_t *sz;
  uint8_t *mem;
  size_t used, memcap;
  int type;       /* BTP_* */
  uint32_t right; /* right child (interior) */
} CellList;

static void cl_free(CellList *l) {
  free(l->off);
  free(l->sz);
  free(l->mem);
  memset(l, 0, sizeof *l);
}

/* Inserts a cell of sz bytes at idx, copying len bytes from src and zero-filling the rest. */
static int cl_insert(CellList *l, int idx, const uint8_t *src, uint32_t len, uint32_t sz) {
  if (l->n == l->cap) {
    int nc = l->cap ? l->cap * 2 : 32;
    size_t *no = realloc(l->off, sizeof *no * (size_t)nc);
    if (!no) return MICA_NOMEM;
    l->off = no;
    uint32_t *ns = realloc(l->sz, sizeof *ns * (size_t)nc);
    if (!ns) return MICA_NOMEM;
    l->sz = ns;
    l->cap = nc;
  }
  if (l->used + sz > l->memcap) {
    size_t nc = l->memcap ? l->memcap * 2 : 4096;
    while (nc < l->used + sz)
      nc *= 2;
    uint8_t *nm = realloc(l->mem, nc);
    if (!nm) return MICA_NOMEM;
    l->mem = nm;
    l->memcap = nc;
  }
  memcpy(l->mem + l->used, src, len);
  if (sz > len) memset(l->mem + l->used + len, 0, sz - len);
  memmove(l->off + idx + 1, l->off + idx, sizeof *l->off * (size_t)(l->n - idx));
  memmove(l->sz + idx + 1, l->sz + idx, sizeof *l->sz * (size_t)(l->n - idx));
  l->off[idx] = l->used;
  l->sz[idx] = sz;
  l->used += sz;
  l->n++;
  return MICA_OK;
}

static int cl_push(CellList *l, const uint8_t *src, uint32_t sz) { return cl_insert(l, l->n, src, sz, sz); }

static void cl_remove(CellList *l, int idx) {
  if (idx < 0 || idx >= l->n) return;
  memmove(l->off + idx, l->off + idx + 1, sizeof *l->off * (size_t)(l->n - idx - 1));
  memmove(l->sz + idx, l->sz + idx + 1, sizeof *l->sz * (size_t)(l->n - idx - 1));
  l->n--;
}

static uint8_t *cl_cell(const CellList *l, int i) { return l->mem + l->off[i]; }

/* Loads the cells of a parsed page. */
static int cl_load(Btree *bt, const BtPage *pg, CellList *l) {
  memset(l, 0, sizeof *l);
  l->type = pg->type;
  l->right = pg->right_child;
  for (int i = 0; i < pg->ncell; i++) {
    BtCell c;
    if (btpage_cell(pg, i, &c) != MICA_OK) {
      cl_free(l);
      return bt_corrupt(bt, pg->pgno);
    }
    int rc = cl_push(l, pg->data + c.offset, c.size);
    if (rc != MICA_OK) {
      cl_free(l);
      return rc;
    }
  }
  return MICA_OK;
}

static uint32_t page_hdr(uint32_t pgno) { return pgno == 1 ? 100 : 0; }

/* Bytes the cells take (with their pointers). */
static uint64_t cl_bytes(const CellList *l) {
  uint64_t s = 0;
  for (int i = 0; i < l->n; i++)
    s += l->sz[i] + 2u;
  return s;
}

static int cl_fits(Btree *bt, const CellList *l, uint32_t pgno) {
  return page_hdr(pgno) + (is_leaf_type(l->type) ? 8u : 12u) + cl_bytes(l) <= bt->usable;
}

/* Formats page data (page pgno) to hold exactly the cells l[from..from+n). */
static void cl_write_range(Btree *bt, uint8_t *data, uint32_t pgno, const CellList *l, int from, int n,
                           int type, uint32_t right) {
  uint32_t hdr = page_hdr(pgno);
  int leaf = is_leaf_type(type);
  btpage_init(data, pgno, type, bt->usable);
  if (!leaf) put4(data + hdr + 8, right);
  uint32_t ptr = hdr + (leaf ? 8u : 12u);
  uint32_t top = bt->usable;
  for (int i = 0; i < n; i++) {
    uint32_t sz = l->sz[from + i];
    top -= sz;
    memcpy(data + top, cl_cell(l, from + i), sz);
    put2(data + ptr + 2u * (uint32_t)i, top);
  }
  put2(data + hdr + 3, (uint32_t)n);
  put2(data + hdr + 5, top == 65536 ? 0 : top);
  /* Zero the gap so freed bytes never leak old content into the file. */
  uint32_t gap = ptr + 2u * (uint32_t)n;
  if (top > gap) memset(data + gap, 0, top - gap);
}

static int cl_write(Btree *bt, uint32_t pgno, const CellList *l) {
  PgHdr *pg;
  int rc = bt_get_write(bt, pgno, &pg);
  if (rc != MICA_OK) return rc;
  cl_write_range(bt, pg->data, pgno, l, 0, l->n, l->type, l->right);
  pager_unref(pg);
  return ptrmap_refresh(bt, pgno);
}

/* Length of a leaf cell's meaningful bytes (without the 4-byte minimum padding). */
static uint32_t leaf_body_len(Btree *bt, const uint8_t *p, int intkey) {
  uint64_t npay, rowid;
  uint32_t n = (uint32_t)record_get_varint(p, &npay);
  if (intkey) n += (uint32_t)record_get_varint(p + n, &rowid);
  uint32_t local = btree_local_size(bt->usable, intkey, npay);
  n += local;
  if (local < npay) n += 4;
  return n;
}

/* ---------------------------------------------------------------- balancing */

static int balance_page(Btree *bt, BtPath *path, int level, CellList *l, int pack);

/* A non-root page counts as underfull when its cells use less than a third of it. */
static int cl_underfull(Btree *bt, const CellList *l) { return cl_bytes(l) < bt->usable / 3; }

/* Redistributes the cells of the child at path->idx[p] of the page at level p and up to two of its
 * siblings (the child's content given by *over when non-NULL) over as many pages as needed, then
 * rewrites the parent's dividers and balances the parent. pack: fill pages from the left as tightly
 * as possible (appends) instead of evening them out. Consumes *over. */
static int redistribute(Btree *bt, BtPath *path, int p, CellList *over, int pack) {
  CellList parent, all, sib;
  PgHdr *pp = NULL;
  BtPage ppg;
  uint32_t old[3], *newpg = NULL;
  int *cnt = NULL;
  int rc, nsib, first, k = 0, kind = -1;
  uint32_t lastright = 0;
  memset(&all, 0, sizeof all);
  memset(&sib, 0, sizeof sib);
  memset(&parent, 0, sizeof parent);
  if ((rc = bt_get(bt, path->pgno[p], &pp, &ppg)) != MICA_OK) goto out;
  rc = cl_load(bt, &ppg, &parent);
  pager_unref(pp);
  if (rc != MICA_OK) goto out;
  if (is_leaf_type(parent.type)) {
    rc = bt_corrupt(bt, path->pgno[p]);
    goto out;
  }
  int m = parent.n, ci = path->idx[p];
  if (ci < 0 || ci > m) {
    rc = bt_corrupt(bt, path->pgno[p]);
    goto out;
  }
  nsib = m + 1 < 3 ? m + 1 : 3;
  first = ci == 0 ? 0 : ci - 1;
  if (first > m + 1 - nsib) first = m + 1 - nsib;
  for (int s = 0; s < nsib; s++) {
    int j = first + s;
    old[s] = j < m ? get4(cl_cell(&parent, j)) : parent.right;
  }
  /* Gather every cell of the siblings, with the dividers between them, in key order. */
  for (int s = 0; s < nsib; s++) {
    int j = first + s;
    CellList *src = &sib;
    if (j == ci && over) {
      src = over;
    } else {
      BtPage spg;
      PgHdr *sp;
      if ((rc = bt_get(bt, old[s], &sp, &spg)) != MICA_OK) goto out;
      rc = cl_load(bt, &spg, &sib);
      pager_unref(sp);
      if (rc != MICA_OK) goto out;
    }
    if (kind < 0) kind = src->type;
    if (src->type != kind || is_intkey_type(kind) != is_intkey_type(parent.type)) {
      rc = bt_corrupt(bt, old[s]);
      goto out;
    }
    for (int i = 0; i < src->n; i++)
      if ((rc = cl_push(&all, cl_cell(src, i), src->sz[i])) != MICA_OK) goto out;
    if (s < nsib - 1) {
      const uint8_t *d = cl_cell(&parent, j);
      uint32_t dsz = parent.sz[j];
      if (kind == BTP_LEAF_INDEX) {
        uint32_t len = dsz - 4;
        rc = cl_insert(&all, all.n, d + 4, len, len < 4 ? 4 : len);
      } else if (!is_leaf_type(kind)) {
        rc = cl_push(&all, d, dsz);
        if (rc == MICA_OK) put4(cl_cell(&all, all.n - 1), src->right);
      }
      if (rc != MICA_OK) goto out;
    }
    lastright = src->right;
    if (src == &sib) cl_free(&sib);
  }
  all.type = kind;
  /* Distribute: greedy left-to-right fill, then even out from the right. In the divider model (all
   * kinds but table leaves) the cell between two pages moves up to the parent. */
  {
    int dm = kind != BTP_LEAF_TABLE;
    uint64_t cap = bt->usable - (is_leaf_type(kind) ? 8u : 12u);
    int n = all.n;
    cnt = calloc((size_t)n + 2, sizeof *cnt);
    uint64_t *size = calloc((size_t)n + 2, sizeof *size);
    int *start = calloc((size_t)n + 2, sizeof *start);
    if (!cnt || !size || !start) {
      free(size);
      free(start);
      rc = MICA_NOMEM;
      goto out;
    }
    int i = 0;
    for (;;) {
      start[k] = i;
      while (i < n && size[k] + all.sz[i] + 2 <= cap) {
        size[k] += all.sz[i] + 2;
        i++;
      }
      cnt[k] = i - start[k];
      k++;
      if (i >= n) break;
      if (cnt[k - 1] == 0) { /* a cell larger than a page: only a corrupt cell can be */
        free(size);
        free(start);
        rc = bt_corrupt(bt, path->pgno[p]);
        goto out;
      }
      if (dm && ++i >= n) {
        /* The divider was the last cell: the final page starts empty and is filled below. */
        start[k] = i;
        cnt[k] = 0;
        size[k] = 0;
        k++;
        break;
      }
    }
    for (int j = k - 1; j >= 1; j--) {
      for (;;) {
        int in, out_;
        if (dm) {
          if (cnt[j - 1] < 2) break;
          in = start[j] - 1;   /* the old divider moves down into page j */
          out_ = start[j] - 2; /* and page j-1's last cell becomes the divider */
        } else {
          if (cnt[j - 1] < 2) break;
          in = out_ = start[j] - 1;
        }
        uint64_t nj = size[j] + all.sz[in] + 2;
        uint64_t njm1 = size[j - 1] - (all.sz[out_] + 2);
        if (nj > cap) break;
        if (cnt[j] > 0 && (pack || nj > njm1)) break;
        size[j] = nj;
        size[j - 1] = njm1;
        cnt[j - 1]--;
        cnt[j]++;
        start[j]--;
      }
    }
    free(size);
    free(start);
    for (int j = 0; j < k; j++)
      if (cnt[j] == 0 && !(k == 1 && n == 0)) {
        rc = bt_corrupt(bt, path->pgno[p]); /* cannot happen with valid cells */
        goto out;
      }
  }
  /* Page numbers: reuse the siblings', allocate the rest, free the leftovers. */
  newpg = calloc((size_t)(unsigned)k + 1, sizeof *newpg);
  if (!newpg) {
    rc = MICA_NOMEM;
    goto out;
  }
  for (int j = 0; j < k; j++) {
    if (j < nsib) {
      newpg[j] = old[j];
    } else {
      PgHdr *np;
      if ((rc = bt_alloc(bt, &np)) != MICA_OK) goto out;
      newpg[j] = np->pgno;
      pager_unref(np);
    }
  }
  for (int s = k; s < nsib; s++)
    if ((rc = bt_free(bt, old[s])) != MICA_OK) goto out;
  /* Write the pages and collect the new dividers. */
  {
    int dm = kind != BTP_LEAF_TABLE;
    int pos = 0;
    uint8_t dbuf[4 + 9 + 9 + 4 + 65536 / 4 + 64]; /* largest divider: index X < U/4 */
    /* Remove the old dividers first..first+nsib-2. */
    for (int s = 0; s < nsib - 1; s++)
      cl_remove(&parent, first);
    for (int j = 0; j < k; j++) {
      uint32_t right = 0;
      int last = pos + cnt[j] - 1;
      int div = pos + cnt[j]; /* index in all of the divider after page j (dm) */
      if (!is_leaf_type(kind)) right = j < k - 1 ? get4(cl_cell(&all, div)) : lastright;
      PgHdr *pg;
      if ((rc = bt_get_write(bt, newpg[j], &pg)) != MICA_OK) goto out;
      cl_write_range(bt, pg->data, newpg[j], &all, pos, cnt[j], kind, right);
      pager_unref(pg);
      if ((rc = ptrmap_refresh(bt, newpg[j])) != MICA_OK) goto out;
      if (j < k - 1) {
        uint32_t dl;
        if (kind == BTP_LEAF_TABLE) {
          uint64_t npay, rowid;
          const uint8_t *c = cl_cell(&all, last);
          int vn = record_get_varint(c, &npay);
          record_get_varint(c + vn, &rowid);
          dl = btree_build_interior_cell(dbuf, bt->usable, 1, newpg[j], (int64_t)rowid, NULL, 0, 0);
        } else if (kind == BTP_LEAF_INDEX) {
          uint32_t body = leaf_body_len(bt, cl_cell(&all, div), 0);
          put4(dbuf, newpg[j]);
          memcpy(dbuf + 4, cl_cell(&all, div), body);
          dl = 4 + body;
        } else {
          dl = all.sz[div];
          memcpy(dbuf, cl_cell(&all, div), dl);
          put4(dbuf, newpg[j]);
        }
        if ((rc = cl_insert(&parent, first + j, dbuf, dl, dl)) != MICA_OK) goto out;
      }
      pos += cnt[j] + (dm ? 1 : 0);
    }
    int lastidx = first + k - 1;
    if (lastidx == parent.n)
      parent.right = newpg[k - 1];
    else
      put4(cl_cell(&parent, lastidx), newpg[k - 1]);
  }
  rc = balance_page(bt, path, p, &parent, 0);
out:
  free(newpg);
  free(cnt);
  cl_free(&all);
  cl_free(&sib);
  cl_free(&parent);
  if (over) cl_free(over);
  return rc;
}

/* Makes the page at path level `level` hold the cells of *l (consumed), splitting, merging or
 * redistributing with siblings as needed, up to the root. */
static int balance_page(Btree *bt, BtPath *path, int level, CellList *l, int pack) {
  uint32_t pgno = path->pgno[level];
  int rc;
  if (cl_fits(bt, l, pgno)) {
    if (level > 0 && cl_underfull(bt, l)) return redistribute(bt, path, level - 1, l, 0);
    rc = cl_write(bt, pgno, l);
    if (rc == MICA_OK && level == 0 && l->n == 0 && !is_leaf_type(l->type)) {
      /* Root with a single child: pull the child up when it fits (the tree gets shallower). */
      CellList child;
      PgHdr *cp;
      BtPage cpg;
      uint32_t cno = l->right;
      if ((rc = bt_get(bt, cno, &cp, &cpg)) == MICA_OK) {
        rc = cl_load(bt, &cpg, &child);
        pager_unref(cp);
        if (rc == MICA_OK) {
          if (cl_fits(bt, &child, pgno)) {
            rc = cl_write(bt, pgno, &child);
            if (rc == MICA_OK) rc = bt_free(bt, cno);
          }
          cl_free(&child);
        }
      }
    }
    cl_free(l);
    return rc;
  }
  if (level > 0) return redistribute(bt, path, level - 1, l, pack);
  /* The root overflows: move its content to a new child and split that (the tree gets deeper). */
  if (path->depth >= BT_MAX_DEPTH) {
    cl_free(l);
    return bt_corrupt(bt, pgno);
  }
  PgHdr *np;
  if ((rc = bt_alloc(bt, &np)) != MICA_OK) {
    cl_free(l);
    return rc;
  }
  uint32_t child = np->pgno;
  pager_unref(np);
  CellList root;
  memset(&root, 0, sizeof root);
  root.type = is_intkey_type(l->type) ? BTP_INTERIOR_TABLE : BTP_INTERIOR_INDEX;
  root.right = child;
  if ((rc = cl_write(bt, pgno, &root)) != MICA_OK) {
    cl_free(l);
    return rc;
  }
  path->pgno[1] = child;
  path->idx[0] = 0;
  path->depth = 2;
  return redistribute(bt, path, 0, l, pack);
}

/* ---------------------------------------------------------------- cursor movement */

static void cur_release(BtCursor *cur) {
  for (int i = 0; i < cur->depth; i++)
    pager_unref(cur->pg[i]);
  cur->depth = 0;
}

/* Parses the page at cursor level lv (re-parsed on each use: the page's buffer is the pager's). */
static int cur_page(BtCursor *cur, int lv, BtPage *pg) {
  if (btpage_parse(pg, cur->pg[lv]->data, cur->pg[lv]->pgno, cur->bt->page_size, cur->bt->usable) != MICA_OK)
    return bt_corrupt(cur->bt, cur->pg[lv]->pgno);
  return MICA_OK;
}

/* Pins pgno as the next level down, checking it belongs to this kind of tree. */
static int cur_push(BtCursor *cur, uint32_t pgno) {
  Btree *bt = cur->bt;
  BtPage pg;
  PgHdr *ph;
  if (cur->depth >= BT_MAX_DEPTH) return bt_corrupt(bt, pgno);
  for (int i = 0; i < cur->depth; i++)
    if (cur->pg[i]->pgno == pgno) return bt_corrupt(bt, pgno); /* cycle */
  int rc = bt_get(bt, pgno, &ph, &pg);
  if (rc != MICA_OK) return rc;
  if (cur->intkey < 0) cur->intkey = pg.intkey;
  if (pg.intkey != cur->intkey) {
    pager_unref(ph);
    return bt_corrupt(bt, pgno);
  }
  cur->pg[cur->depth] = ph;
  cur->idx[cur->depth] = 0;
  cur->depth++;
  return MICA_OK;
}

static void cur_pop(BtCursor *cur) {
  cur->depth--;
  pager_unref(cur->pg[cur->depth]);
}

/* Child pointer number i (0..ncell; ncell is the right child) of an interior page. */
static int child_at(Btree *bt, const BtPage *pg, int i, uint32_t *child) {
  *child = 0;
  if (i == pg->ncell) {
    *child = pg->right_child;
    return MICA_OK;
  }
  BtCell c;
  if (btpage_cell(pg, i, &c) != MICA_OK) return bt_corrupt(bt, pg->pgno);
  *child = c.left_child;
  return MICA_OK;
}

/* Positions the cursor at the root. Returns MICA_EMPTY when the database has no pages yet. */
static int cur_root(BtCursor *cur) {
  cur_release(cur);
  cur->state = CUR_INVALID;
  cur->skip = 0;
  if (cur->bt->txn == 0) return bt_error(cur->bt, MICA_MISUSE, "no transaction is open");
  if (pager_page_count(cur->bt->pc) == 0 && cur->root == 1) return MICA_EMPTY;
  cur->intkey = -1; /* learnt again from the root: a root number can be reused by another tree kind */
  int rc = cur_push(cur, cur->root);
  if (rc == MICA_OK) cur->state = CUR_VALID;
  return rc;
}

/* From the top page (interior, idx = child index), descends to the leftmost (or rightmost) leaf. */
static int cur_descend(BtCursor *cur, int rightmost) {
  for (;;) {
    BtPage pg;
    int lv = cur->depth - 1;
    int rc = cur_page(cur, lv, &pg);
    if (rc != MICA_OK) return rc;
    if (pg.leaf) {
      cur->idx[lv] = rightmost ? pg.ncell - 1 : 0;
      return MICA_OK;
    }
    uint32_t child = 0;
    if ((rc = child_at(cur->bt, &pg, cur->idx[lv], &child)) != MICA_OK) return rc;
    if ((rc = cur_push(cur, child)) != MICA_OK) return rc;
    BtPage cp;
    if ((rc = cur_page(cur, cur->depth - 1, &cp)) != MICA_OK) return rc;
    cur->idx[cur->depth - 1] = rightmost ? cp.ncell : 0;
  }
}

/* Number of cells on the page at level lv, or -1 on corruption. */
static int cur_ncell(BtCursor *cur, int lv) {
  BtPage pg;
  if (cur_page(cur, lv, &pg) != MICA_OK) return -1;
  return pg.ncell;
}

/* The leaf at the top is used up going forward: climb to the next entry. */
static int cur_climb_next(BtCursor *cur, int *eof) {
  for (;;) {
    if (cur->depth <= 1) {
      cur_release(cur);
      cur->state = CUR_INVALID;
      *eof = 1;
      return MICA_OK;
    }
    cur_pop(cur);
    int lv = cur->depth - 1;
    int n = cur_ncell(cur, lv);
    if (n < 0) return MICA_CORRUPT;
    int i = cur->idx[lv];
    if (i >= n) continue;
    if (!cur->intkey) {
      *eof = 0; /* rest on the interior cell that follows the subtree */
      return MICA_OK;
    }
    cur->idx[lv] = i + 1;
    int rc = cur_descend(cur, 0);
    if (rc != MICA_OK) return rc;
    if (cur_ncell(cur, cur->depth - 1) > 0) {
      *eof = 0;
      return MICA_OK;
    }
  }
}

static int cur_climb_prev(BtCursor *cur, int *eof) {
  for (;;) {
    if (cur->depth <= 1) {
      cur_release(cur);
      cur->state = CUR_INVALID;
      *eof = 1;
      return MICA_OK;
    }
    cur_pop(cur);
    int lv = cur->depth - 1;
    int i = cur->idx[lv];
    if (i == 0) continue;
    cur->idx[lv] = i - 1;
    if (!cur->intkey) {
      *eof = 0;
      return MICA_OK;
    }
    int rc = cur_descend(cur, 1);
    if (rc != MICA_OK) return rc;
    if (cur_ncell(cur, cur->depth - 1) > 0) {
      *eof = 0;
      return MICA_OK;
    }
  }
}

static int cur_fail(BtCursor *cur, int rc) {
  cur_release(cur);
  cur->state = CUR_INVALID;
  return rc;
}

static int cur_first_last(BtCursor *cur, int last, int *eof) {
  int rc = cur_root(cur);
  *eof = 1;
  if (rc == MICA_EMPTY) return MICA_OK;
  if (rc != MICA_OK) return cur_fail(cur, rc);
  if (last) cur->idx[0] = cur_ncell(cur, 0);
  if (cur->idx[0] < 0) return cur_fail(cur, MICA_CORRUPT);
  if ((rc = cur_descend(cur, last)) != MICA_OK) return cur_fail(cur, rc);
  if (cur_ncell(cur, cur->depth - 1) > 0) {
    *eof = 0;
    return MICA_OK;
  }
  rc = last ? cur_climb_prev(cur, eof) : cur_climb_next(cur, eof);
  return rc == MICA_OK ? rc : cur_fail(cur, rc);
}

/* Cell currently under a valid cursor. */
static int cur_cell(BtCursor *cur, BtPage *pg, BtCell *c) {
  int lv = cur->depth - 1;
  int rc = cur_page(cur, lv, pg);
  if (rc != MICA_OK) return rc;
  if (btpage_cell(pg, cur->idx[lv], c) != MICA_OK) return bt_corrupt(cur->bt, pg->pgno);
  return MICA_OK;
}

/* Seek by rowid (table trees) or key (index trees). */
static int cur_seek(BtCursor *cur, int64_t rowid, const UnpackedKey *key, int *res) {
  Btree *bt = cur->bt;
  int rc = cur_root(cur);
  *res = -1;
  if (rc == MICA_EMPTY) return MICA_OK;
  if (rc != MICA_OK) return cur_fail(cur, rc);
  if (key ? cur->intkey : !cur->intkey)
    return cur_fail(cur, bt_error(bt, MICA_MISUSE, "wrong seek for tree kind"));
  for (;;) {
    BtPage pg;
    int lv = cur->depth - 1;
    if ((rc = cur_page(cur, lv, &pg)) != MICA_OK) return cur_fail(cur, rc);
    int lo = 0, hi = pg.ncell;
    while (lo < hi) {
      int mid = (lo + hi) / 2, c;
      BtCell cell;
      if (btpage_cell(&pg, mid, &cell) != MICA_OK) return cur_fail(cur, bt_corrupt(bt, pg.pgno));
      if (key) {
        const uint8_t *payload;
        int corrupt = 0;
        if ((rc = bt_payload(bt, &pg, &cell, &cur->buf, &cur->bufcap, &payload)) != MICA_OK)
          return cur_fail(cur, rc);
        c = record_compare_key(key, payload, (uint32_t)cell.npayload, &corrupt);
        if (corrupt) return cur_fail(cur, bt_corrupt(bt, pg.pgno));
      } else {
        c = rowid < cell.rowid ? -1 : rowid > cell.rowid;
      }
      if (c == 0 && (key || pg.leaf)) {
        cur->idx[lv] = mid;
        *res = 0;
        return MICA_OK;
      }
      if (c <= 0)
        hi = mid; /* table interior: rowid <= divider goes left */
      else
        lo = mid + 1;
    }
    if (pg.leaf) {
      if (pg.ncell == 0) {
        /* Only an empty root leaf is expected here; a stray empty leaf is skipped over. */
        int eof;
        if (cur->depth == 1) return cur_fail(cur, MICA_OK);
        if ((rc = cur_climb_next(cur, &eof)) != MICA_OK) return cur_fail(cur, rc);
        *res = 1;
        return MICA_OK;
      }
      if (lo < pg.ncell) {
        cur->idx[lv] = lo;
        *res = 1;
      } else {
        cur->idx[lv] = pg.ncell - 1;
        *res = -1;
      }
      return MICA_OK;
    }
    uint32_t child = 0;
    cur->idx[lv] = lo;
    if ((rc = child_at(bt, &pg, lo, &child)) != MICA_OK) return cur_fail(cur, rc);
    if ((rc = cur_push(cur, child)) != MICA_OK) return cur_fail(cur, rc);
  }
}

/* Saves the cursor's position as its key and releases its pages. */
static int cur_save(BtCursor *cur) {
  if (cur->state != CUR_VALID) return MICA_OK;
  BtPage pg;
  BtCell c;
  int rc = cur_cell(cur, &pg, &c);
  if (rc == MICA_OK) {
    if (cur->intkey) {
      cur->save_rowid = c.rowid;
    } else {
      const uint8_t *p;
      rc = bt_payload(cur->bt, &pg, &c, &cur->buf, &cur->bufcap, &p);
      if (rc == MICA_OK) {
        uint8_t *k = realloc(cur->save_key, (size_t)c.npayload + 1);
        if (!k) {
          rc = MICA_NOMEM;
        } else {
          memcpy(k, p, c.npayload);
          cur->save_key = k;
          cur->save_nkey = (uint32_t)c.npayload;
        }
      }
    }
  }
  cur_release(cur);
  if (rc != MICA_OK) {
    cur->state = CUR_INVALID;
    return rc;
  }
  cur->state = CUR_REQUIRESEEK;
  cur->skip = 0;
  return MICA_OK;
}

/* Re-seeks a saved cursor; afterwards it is VALID (skip says where relative to the saved key) or
 * INVALID (the tree is empty). */
static int cur_restore(BtCursor *cur) {
  int res, rc;
  if (cur->state != CUR_REQUIRESEEK) return MICA_OK;
  if (cur->intkey) {
    rc = cur_seek(cur, cur->save_rowid, NULL, &res);
  } else {
    UnpackedKey k = {cur->keyinfo ? cur->keyinfo : &default_keyinfo, cur->save_key, cur->save_nkey, 0};
    rc = cur_seek(cur, 0, &k, &res);
  }
  if (rc != MICA_OK) return rc;
  cur->skip = cur->state == CUR_VALID ? res : 0;
  return MICA_OK;
}

/* Saves every other cursor on the same tree before it changes (and all cursors on it for
 * whole-tree operations when except == NULL). */
static int save_cursors(Btree *bt, uint32_t root, BtCursor *except) {
  for (BtCursor *c = bt->cursors; c; c = c->next) {
    if (c == except || c->root != root) continue;
    int rc = cur_save(c);
    if (rc != MICA_OK) return rc;
  }
  return MICA_OK;
}

/* ---------------------------------------------------------------- cursor API */

int btree_cursor_open(Btree *bt, uint32_t root, int writable, const KeyInfo *keyinfo, BtCursor **out) {
  *out = NULL;
  if (!bt || root == 0) return MICA_MISUSE;
  if (writable && bt->readonly) return bt_error(bt, MICA_READONLY, "attempt to write a readonly database");
  BtCursor *cur = calloc(1, sizeof *cur);
  if (!cur) return MICA_NOMEM;
  cur->bt = bt;
  cur->root = root;
  cur->writable = writable;
  cur->keyinfo = keyinfo;
  cur->intkey = -1;
  cur->state = CUR_INVALID;
  cur->next = bt->cursors;
  bt->cursors = cur;
  *out = cur;
  return MICA_OK;
}

void btree_cursor_close(BtCursor *cur) {
  if (!cur) return;
  cur_release(cur);
  for (BtCursor **pp = &cur->bt->cursors; *pp; pp = &(*pp)->next) {
    if (*pp == cur) {
      *pp = cur->next;
      break;
    }
  }
  free(cur->save_key);
  free(cur->buf);
  free(cur);
}

int btree_first(BtCursor *cur, int *eof) { return cur_first_last(cur, 0, eof); }
int btree_last(BtCursor *cur, int *eof) { return cur_first_last(cur, 1, eof); }

int btree_next(BtCursor *cur, int *eof) {
  int rc;
  *eof = 1;
  if (cur->state == CUR_REQUIRESEEK) {
    if ((rc = cur_restore(cur)) != MICA_OK) return rc;
    if (cur->state != CUR_VALID) return MICA_OK;
    if (cur->skip > 0) {
      cur->skip = 0;
      *eof = 0;
      return MICA_OK;
    }
  }
  if (cur->state != CUR_VALID) return MICA_OK;
  cur->skip = 0;
  int lv = cur->depth - 1;
  BtPage pg;
  if ((rc = cur_page(cur, lv, &pg)) != MICA_OK) return cur_fail(cur, rc);
  if (!pg.leaf) {
    /* Index tree resting on an interior cell: the next entry is the leftmost of the right subtree. */
    cur->idx[lv]++;
    if ((rc = cur_descend(cur, 0)) != MICA_OK) return cur_fail(cur, rc);
    if (cur_ncell(cur, cur->depth - 1) > 0) {
      *eof = 0;
      return MICA_OK;
    }
  } else if (++cur->idx[lv] < pg.ncell) {
    *eof = 0;
    return MICA_OK;
  }
  rc = cur_climb_next(cur, eof);
  return rc == MICA_OK ? rc : cur_fail(cur, rc);
}

int btree_prev(BtCursor *cur, int *eof) {
  int rc;
  *eof = 1;
  if (cur->state == CUR_REQUIRESEEK) {
    if ((rc = cur_restore(cur)) != MICA_OK) return rc;
    if (cur->state != CUR_VALID) return MICA_OK;
    if (cur->skip < 0) {
      cur->skip = 0;
      *eof = 0;
      return MICA_OK;
    }
  }
  if (cur->state != CUR_VALID) return MICA_OK;
  cur->skip = 0;
  int lv = cur->depth - 1;
  BtPage pg;
  if ((rc = cur_page(cur, lv, &pg)) != MICA_OK) return cur_fail(cur, rc);
  if (!pg.leaf) {
    if ((rc = cur_descend(cur, 1)) != MICA_OK) return cur_fail(cur, rc);
    if (cur_ncell(cur, cur->depth - 1) > 0) {
      *eof = 0;
      return MICA_OK;
    }
  } else if (cur->idx[lv] > 0) {
    cur->idx[lv]--;
    *eof = 0;
    return MICA_OK;
  }
  rc = cur_climb_prev(cur, eof);
  return rc == MICA_OK ? rc : cur_fail(cur, rc);
}

int btree_eof(BtCursor *cur) { return cur->state == CUR_INVALID; }

int btree_seek_rowid(BtCursor *cur, int64_t rowid, int *res) { return cur_seek(cur, rowid, NULL, res); }

int btree_seek_key(BtCursor *cur, const UnpackedKey *key, int *res) {
  UnpackedKey k = *key;
  if (!k.keyinfo) k.keyinfo = cur->keyinfo ? cur->keyinfo : &default_keyinfo;
  return cur_seek(cur, 0, &k, res);
}

int64_t btree_rowid(BtCursor *cur) {
  BtPage pg;
  BtCell c;
  if (cur->state == CUR_REQUIRESEEK && cur_restore(cur) != MICA_OK) return 0;
  if (cur->state != CUR_VALID || cur_cell(cur, &pg, &c) != MICA_OK) return 0;
  return c.rowid;
}

int btree_data(BtCursor *cur, const void **data, uint32_t *n) {
  BtPage pg;
  BtCell c;
  const uint8_t *p;
  int rc;
  *data = NULL;
  *n = 0;
  if (cur->state == CUR_REQUIRESEEK && (rc = cur_restore(cur)) != MICA_OK) return rc;
  if (cur->state != CUR_VALID) return bt_error(cur->bt, MICA_MISUSE, "cursor is not on an entry");
  if ((rc = cur_cell(cur, &pg, &c)) != MICA_OK) return rc;
  if ((rc = bt_payload(cur->bt, &pg, &c, &cur->buf, &cur->bufcap, &p)) != MICA_OK) return rc;
  *data = p;
  *n = (uint32_t)c.npayload;
  return MICA_OK;
}

uint32_t btree_data_size(BtCursor *cur) {
  BtPage pg;
  BtCell c;
  if (cur->state == CUR_REQUIRESEEK && cur_restore(cur) != MICA_OK) return 0;
  if (cur->state != CUR_VALID || cur_cell(cur, &pg, &c) != MICA_OK) return 0;
  return (uint32_t)c.npayload;
}

/* Path of a valid cursor, by page number. */
static void cur_path(BtCursor *cur, BtPath *path) {
  path->depth = cur->depth;
  for (int i = 0; i < cur->depth; i++) {
    path->pgno[i] = cur->pg[i]->pgno;
    path->idx[i] = cur->idx[i];
  }
}

static int check_writable(BtCursor *cur) {
  Btree *bt = cur->bt;
  if (!cur->writable) return bt_error(bt, MICA_READONLY, "cursor is not writable");
  if (bt->txn != 2) return bt_error(bt, MICA_MISUSE, "no write transaction is open");
  return MICA_OK;
}

/* Is the cursor on the last cell of the rightmost leaf (path of right children)? */
static int cur_at_end(BtCursor *cur) {
  for (int lv = 0; lv < cur->depth; lv++) {
    int n = cur_ncell(cur, lv);
    if (lv < cur->depth - 1 ? cur->idx[lv] != n : cur->idx[lv] != n - 1) return 0;
  }
  return 1;
}

/* Inserts (or replaces) an entry. append: the caller guarantees the entry sorts after every entry
 * in the tree; it goes at the end without key comparisons (VACUUM copies trees this way, whatever
 * their collations). */
static int bt_insert(BtCursor *cur, int64_t rowid, const void *data, uint32_t n, int append) {
  Btree *bt = cur->bt;
  int rc, res, eof;
  uint8_t *cell = NULL;
  if ((rc = check_writable(cur)) != MICA_OK) return rc;
  if ((rc = save_cursors(bt, cur->root, cur)) != MICA_OK) return rc;
  UnpackedKey key;
  if (cur->intkey < 0 && (rc = cur_root(cur)) != MICA_OK) return cur_fail(cur, rc); /* learn the kind */
  if (append) {
    rc = cur_first_last(cur, 1, &eof);
    res = -1;
  } else if (cur->intkey) {
    rc = cur_seek(cur, rowid, NULL, &res);
  } else {
    key.keyinfo = cur->keyinfo ? cur->keyinfo : &default_keyinfo;
    key.rec = data;
    key.nrec = n;
    key.default_rc = 0;
    rc = cur_seek(cur, 0, &key, &res);
  }
  if (rc != MICA_OK) return rc;
  if (cur->state != CUR_VALID) {
    /* Empty tree: insert into the root leaf. */
    BtPage rp;
    if ((rc = cur_root(cur)) != MICA_OK) return cur_fail(cur, rc);
    if ((rc = cur_page(cur, 0, &rp)) != MICA_OK) return cur_fail(cur, rc);
    if (!rp.leaf || rp.ncell != 0) return cur_fail(cur, bt_corrupt(bt, rp.pgno));
    res = 1;
  }
  /* Build the cell, spilling to overflow pages. */
  int intkey = cur->intkey;
  uint32_t local = btree_local_size(bt->usable, intkey, n);
  uint32_t ovfl = 0;
  cell = malloc((size_t)local + 4 + 9 + 9 + 4);
  if (!cell) return MICA_NOMEM;
  if (local < n && (rc = bt_write_overflow(bt, (const uint8_t *)data + local, n - local, &ovfl)) != MICA_OK) {
    free(cell);
    return rc;
  }
  BtPath path;
  BtPage pg;
  CellList l;
  int lv = cur->depth - 1;
  int pack = 0;
  if ((rc = cur_page(cur, lv, &pg)) != MICA_OK) goto out;
  uint32_t csz;
  int pos = cur->idx[lv];
  if (pg.leaf) {
    csz = btree_build_leaf_cell(cell, bt->usable, intkey, rowid, data, n, ovfl);
    if (pg.ncell == 0)
      pos = 0;
    else if (res < 0)
      pos++;
    pack = res < 0 && cur_at_end(cur);
  } else {
    /* Replacing an equal key held in an interior cell (index trees). */
    BtCell old;
    if ((rc = btpage_cell(&pg, pos, &old)) != MICA_OK) {
      rc = bt_corrupt(bt, pg.pgno);
      goto out;
    }
    csz = btree_build_interior_cell(cell, bt->usable, 0, old.left_child, 0, data, n, ovfl);
    uint32_t body = leaf_body_len(bt, cell + 4, 0);
    csz = 4 + body;
  }
  if (res == 0) {
    BtCell old;
    if (btpage_cell(&pg, pos, &old) != MICA_OK) {
      rc = bt_corrupt(bt, pg.pgno);
      goto out;
    }
    if ((rc = bt_free_overflow(bt, &old)) != MICA_OK) goto out;
  }
  if (res != 0 && pg.leaf) {
    /* Fast path: the cell fits on the leaf as it is. */
    PgHdr *ph = cur->pg[lv];
    uint32_t nfree;
    if (btpage_free_space(&pg, &nfree) == MICA_OK && nfree >= csz + 2) {
      if ((rc = bt_write(bt, ph)) != MICA_OK) goto out;
      if (btpage_parse(&pg, ph->data, ph->pgno, bt->page_size, bt->usable) != MICA_OK) {
        rc = bt_corrupt(bt, ph->pgno);
        goto out;
      }
      rc = btpage_insert_cell(ph->data, &pg, pos, cell, csz);
      if (rc == MICA_FULL || rc == MICA_CORRUPT) rc = bt_corrupt(bt, ph->pgno);
      if (rc == MICA_OK && ovfl) rc = ptrmap_put(bt, ovfl, PTRMAP_OVERFLOW1, ph->pgno);
      if (rc == MICA_OK) {
        cur->idx[lv] = pos;
        cur->state = CUR_VALID;
        cur->skip = 0;
      }
      goto out;
    }
  }
  cur_path(cur, &path);
  if ((rc = cl_load(bt, &pg, &l)) != MICA_OK) goto out;
  cur_release(cur);
  if (res == 0) cl_remove(&l, pos);
  if ((rc = cl_insert(&l, pos, cell, csz, csz)) != MICA_OK) {
    cl_free(&l);
    goto out;
  }
  rc = balance_page(bt, &path, lv, &l, pack);
  if (rc == MICA_OK) {
    /* Leave the cursor on the new entry. */
    if (append) {
      rc = cur_first_last(cur, 1, &eof);
    } else {
      rc = intkey ? cur_seek(cur, rowid, NULL, &res) : cur_seek(cur, 0, &key, &res);
      if (rc == MICA_OK && res != 0) rc = bt_corrupt(bt, cur->root);
    }
  }
out:
  free(cell);
  if (rc != MICA_OK) cur_fail(cur, rc);
  return rc;
}

int btree_insert(BtCursor *cur, int64_t rowid, const void *data, uint32_t n) {
  return bt_insert(cur, rowid, data, n, 0);
}

/* Second step of deleting an interior index entry (see btree_delete): the saved key's cell is
 * replaced by the leaf-format cell body[0..n) (its predecessor). Leaves the cursor saved. */
static int delete_replace(BtCursor *cur, const uint8_t *body, uint32_t n) {
  Btree *bt = cur->bt;
  UnpackedKey k = {cur->keyinfo ? cur->keyinfo : &default_keyinfo, cur->save_key, cur->save_nkey, 0};
  int res, rc = cur_seek(cur, 0, &k, &res);
  BtPage pg;
  BtCell kc;
  BtPath path;
  CellList l;
  if (rc != MICA_OK) return rc;
  if (cur->state != CUR_VALID || res != 0) return cur_fail(cur, bt_corrupt(bt, cur->root));
  int lv = cur->depth - 1, i = cur->idx[lv];
  if ((rc = cur_cell(cur, &pg, &kc)) != MICA_OK) return cur_fail(cur, rc);
  cur_path(cur, &path);
  rc = cl_load(bt, &pg, &l);
  cur_release(cur);
  cur->state = CUR_REQUIRESEEK;
  cur->skip = 0;
  if (rc != MICA_OK) return rc;
  cl_remove(&l, i);
  if (pg.leaf) {
    rc = cl_insert(&l, i, body, n, n < 4 ? 4 : n);
  } else {
    uint8_t *c = malloc((size_t)n + 4);
    if (!c) {
      rc = MICA_NOMEM;
    } else {
      put4(c, kc.left_child);
      memcpy(c + 4, body, n);
      rc = cl_insert(&l, i, c, n + 4, n + 4);
      free(c);
    }
  }
  if (rc != MICA_OK) {
    cl_free(&l);
    return rc;
  }
  return balance_page(bt, &path, lv, &l, 0);
}

int btree_delete(BtCursor *cur) {
  Btree *bt = cur->bt;
  int rc;
  if ((rc = check_writable(cur)) != MICA_OK) return rc;
  if (cur->state == CUR_REQUIRESEEK && (rc = cur_restore(cur)) != MICA_OK) return rc;
  if (cur->state == CUR_VALID && cur->skip != 0) {
    /* The saved entry is gone already (deleted through another cursor): nothing to delete; keep
     * the saved key so that next/prev still continue from it. */
    cur_release(cur);
    cur->state = CUR_REQUIRESEEK;
    return MICA_OK;
  }
  if (cur->state != CUR_VALID) return bt_error(bt, MICA_MISUSE, "cursor is not on an entry");
  if ((rc = save_cursors(bt, cur->root, cur)) != MICA_OK) return rc;
  BtPage pg;
  BtCell c;
  BtPath path;
  CellList l, leafl;
  int lv = cur->depth - 1;
  if ((rc = cur_cell(cur, &pg, &c)) != MICA_OK) return cur_fail(cur, rc);
  cur_path(cur, &path);
  /* Remember the key so that btree_next/prev continue from here. */
  if ((rc = cur_save(cur)) != MICA_OK) return rc;
  PgHdr *ph;
  if ((rc = bt_get(bt, path.pgno[lv], &ph, &pg)) != MICA_OK) return rc;
  rc = cl_load(bt, &pg, &l);
  pager_unref(ph);
  if (rc != MICA_OK) return rc;
  int i = path.idx[lv];
  if (is_leaf_type(l.type)) {
    if ((rc = bt_free_overflow(bt, &c)) != MICA_OK) {
      cl_free(&l);
      return rc;
    }
    cl_remove(&l, i);
    return balance_page(bt, &path, lv, &l, 0);
  }
  /* An index entry in an interior cell: replace it by its predecessor (the last entry of its left
   * subtree), taken from a leaf. */
  uint32_t left = get4(cl_cell(&l, i)), child = left;
  int d = lv;
  for (;;) {
    if (++d >= BT_MAX_DEPTH) {
      cl_free(&l);
      return bt_corrupt(bt, child);
    }
    path.pgno[d] = child;
    if ((rc = bt_get(bt, child, &ph, &pg)) != MICA_OK) {
      cl_free(&l);
      return rc;
    }
    if (pg.intkey) {
      pager_unref(ph);
      cl_free(&l);
      return bt_corrupt(bt, child);
    }
    if (pg.leaf) {
      rc = cl_load(bt, &pg, &leafl);
      pager_unref(ph);
      if (rc != MICA_OK) {
        cl_free(&l);
        return rc;
      }
      break;
    }
    path.idx[d] = pg.ncell;
    child = pg.right_child;
    pager_unref(ph);
  }
  path.depth = d + 1;
  if (leafl.n == 0) {
    cl_free(&l);
    cl_free(&leafl);
    return bt_corrupt(bt, path.pgno[d]);
  }
  uint8_t *pred = cl_cell(&leafl, leafl.n - 1);
  uint32_t body = leaf_body_len(bt, pred, 0);
  uint8_t *nc = malloc((size_t)body + 4);
  if (!nc) {
    cl_free(&l);
    cl_free(&leafl);
    return MICA_NOMEM;
  }
  put4(nc, left);
  memcpy(nc + 4, pred, body);
  cl_remove(&leafl, leafl.n - 1);
  cl_remove(&l, i);
  rc = cl_insert(&l, i, nc, body + 4, body + 4);
  if (rc != MICA_OK) {
    free(nc);
    cl_free(&l);
    cl_free(&leafl);
    return rc;
  }
  if (cl_fits(bt, &l, path.pgno[lv])) {
    free(nc);
    rc = bt_free_overflow(bt, &c);
    if (rc == MICA_OK) rc = cl_write(bt, path.pgno[lv], &l);
    cl_free(&l);
    if (rc == MICA_OK)
      rc = balance_page(bt, &path, d, &leafl, 0);
    else
      cl_free(&leafl);
    return rc;
  }
  /* The interior page would overflow with the longer replacement. Two steps, each on a fresh
   * path: take the predecessor out of its leaf (balancing it), then find the deleted key again,
   * wherever balancing left it, and put the predecessor in its place. The deleted key's overflow
   * pages are freed last: until then the seek compares against them. */
  cl_free(&l);
  rc = balance_page(bt, &path, d, &leafl, 0);
  if (rc == MICA_OK) rc = delete_replace(cur, nc + 4, body);
  free(nc);
  if (rc == MICA_OK) rc = bt_free_overflow(bt, &c);
  return rc;
}

/* Counts (and with clear != 0 frees) the entries and pages below pgno. *budget bounds the pages
 * visited (a damaged tree sharing pages between subtrees must not make this explode). */
static int walk_tree_b(Btree *bt, uint32_t pgno, int depth, int clear, int free_root, int64_t *count,
                       uint32_t *budget) {
  PgHdr *ph;
  BtPage pg;
  if (depth > BT_MAX_DEPTH || *budget == 0) return bt_corrupt(bt, pgno);
  (*budget)--;
  int rc = bt_get(bt, pgno, &ph, &pg);
  if (rc != MICA_OK) return rc;
  for (int i = 0; i <= pg.ncell && rc == MICA_OK; i++) {
    BtCell c;
    if (i < pg.ncell) {
      if (btpage_cell(&pg, i, &c) != MICA_OK) {
        rc = bt_corrupt(bt, pgno);
        break;
      }
      if (pg.leaf || !pg.intkey) (*count)++;
      if (clear && c.overflow) rc = bt_free_overflow(bt, &c);
      if (rc == MICA_OK && !pg.leaf) rc = walk_tree_b(bt, c.left_child, depth + 1, clear, 1, count, budget);
    } else if (!pg.leaf) {
      rc = walk_tree_b(bt, pg.right_child, depth + 1, clear, 1, count, budget);
    }
  }
  int type = pg.intkey ? BTP_LEAF_TABLE : BTP_LEAF_INDEX;
  pager_unref(ph);
  if (rc != MICA_OK || !clear) return rc;
  if (free_root) return bt_free(bt, pgno);
  CellList empty;
  memset(&empty, 0, sizeof empty);
  empty.type = type;
  return cl_write(bt, pgno, &empty);
}

static int walk_tree(Btree *bt, uint32_t pgno, int depth, int clear, int free_root, int64_t *count) {
  uint32_t budget = pager_page_count(bt->pc);
  return walk_tree_b(bt, pgno, depth, clear, free_root, count, &budget);
}

int btree_count(BtCursor *cur, int64_t *n) {
  *n = 0;
  if (cur->bt->txn == 0) return bt_error(cur->bt, MICA_MISUSE, "no transaction is open");
  if (pager_page_count(cur->bt->pc) == 0) return MICA_OK;
  return walk_tree(cur->bt, cur->root, 0, 0, 0, n);
}

/* ---------------------------------------------------------------- handles and transactions */

int btree_open(const char *path, int flags, Btree **out) {
  return btree_open_io(path, flags, NULL, NULL, out);
}

int btree_open_io(const char *path, int flags, int (*open_fn)(void *, const char *, int, struct IoFile **),
                  void *ctx, Btree **out) {
  *out = NULL;
  Btree *bt = calloc(1, sizeof *bt);
  if (!bt) return MICA_NOMEM;
  int pflags = 0;
  if (flags & BTREE_OPEN_READONLY) pflags |= PAGER_OPEN_READONLY;
  if (flags & BTREE_OPEN_CREATE) pflags |= PAGER_OPEN_CREATE;
  if (flags & BTREE_OPEN_MEMORY) pflags |= PAGER_OPEN_MEMORY;
  if (flags & BTREE_OPEN_IO_POSIX) pflags |= PAGER_OPEN_IO_POSIX;
  if (flags & BTREE_OPEN_IO_URING) pflags |= PAGER_OPEN_IO_URING;
  int rc = pager_open_io(path, pflags, open_fn, ctx, &bt->pc);
  if (rc != MICA_OK) {
    free(bt);
    return rc;
  }
  bt->readonly = (flags & BTREE_OPEN_READONLY) != 0;
  bt_refresh_sizes(bt);
  *out = bt;
  return MICA_OK;
}

int btree_close(Btree *bt) {
  if (!bt) return MICA_OK;
  while (bt->cursors) {
    BtCursor *c = bt->cursors;
    bt->cursors = c->next; /* detached first: btree_cursor_close finds nothing to unlink */
    c->next = NULL;
    btree_cursor_close(c);
  }
  if (bt->txn) btree_rollback(bt);
  int rc = pager_close(bt->pc);
  free(bt);
  return rc;
}

int btree_txn_state(Btree *bt) { return bt->txn; }

/* Reads the auto-vacuum mode from page 1 (header 52: largest root page, non-zero in auto-vacuum
 * files; 64: incremental). */
static void bt_refresh_av(Btree *bt) {
  PgHdr *p1;
  bt->av = 0;
  if (pager_page_count(bt->pc) == 0 || bt_get(bt, 1, &p1, NULL) != MICA_OK) return;
  bt->av = get4(p1->data + 52) == 0 ? 0 : get4(p1->data + 64) ? 2 : 1;
  pager_unref(p1);
}

int btree_begin_read(Btree *bt) {
  if (bt->txn >= 1) return MICA_OK;
  int rc = pager_begin_read(bt->pc);
  if (rc != MICA_OK) return bt_error(bt, rc, "%s", pager_errmsg(bt->pc));
  bt->txn = 1;
  bt_refresh_sizes(bt);
  bt_refresh_av(bt);
  return MICA_OK;
}

/* Writes page 1 of a new database: the file header and an empty sqlite_schema table leaf. */
static int bt_format(Btree *bt) {
  PgHdr *p1;
  int rc = pager_set_page_count(bt->pc, 1);
  if (rc != MICA_OK) return bt_error(bt, rc, "%s", pager_errmsg(bt->pc));
  bt_refresh_sizes(bt);
  if ((rc = bt_get_write(bt, 1, &p1)) != MICA_OK) return rc;
  memset(p1->data, 0, bt->page_size);
  btree_format_header(p1->data, bt->page_size, (int)(bt->page_size - bt->usable), 1, 2);
  btpage_init(p1->data, 1, BTP_LEAF_TABLE, bt->usable);
  if (bt->av_new) {
    put4(p1->data + 52, 1); /* largest root page so far: sqlite_schema's */
    put4(p1->data + 64, bt->av_new == 2);
  }
  bt->av = bt->av_new;
  pager_unref(p1);
  return MICA_OK;
}

int btree_begin_write(Btree *bt, int timeout_ms) {
  int rc;
  if (bt->txn == 2) return MICA_OK;
  if (bt->readonly) return bt_error(bt, MICA_READONLY, "attempt to write a readonly database");
  /* With no read snapshot yet, queue for the write lock first and take the snapshot once it is
   * granted (pager_begin_write does so from PS_NONE): a snapshot taken before waiting would be
   * stale by the time the previous writer commits, and the upgrade would fail BUSY_SNAPSHOT. */
  int fresh = bt->txn == 0;
  rc = pager_begin_write(bt->pc, timeout_ms);
  if (rc != MICA_OK) return bt_error(bt, rc, "%s", pager_errmsg(bt->pc));
  if (fresh) {
    bt_refresh_sizes(bt);
    bt_refresh_av(bt);
  }
  bt->txn = 2;
  bt->dirty = 0;
  if (pager_page_count(bt->pc) == 0 && (rc = bt_format(bt)) != MICA_OK) {
    btree_rollback(bt);
    return rc;
  }
  if (bt->av_req) {
    bt->av_req = 0;
    if ((rc = btree_set_autovacuum(bt, bt->av_new)) != MICA_OK) {
      btree_rollback(bt);
      return rc;
    }
  }
  return MICA_OK;
}

static int save_all_cursors(Btree *bt) {
  int rc = MICA_OK;
  for (BtCursor *c = bt->cursors; c; c = c->next) {
    int r = cur_save(c);
    if (r != MICA_OK && rc == MICA_OK) rc = r;
  }
  return rc;
}

static int av_truncate(Btree *bt);

int btree_commit(Btree *bt) {
  int rc = MICA_OK;
  save_all_cursors(bt);
  if (bt->txn == 2) {
    if (bt->av == 1 && bt->dirty && (rc = av_truncate(bt)) != MICA_OK) return rc;
    rc = pager_commit(bt->pc);
    if (rc != MICA_OK) return bt_error(bt, rc, "%s", pager_errmsg(bt->pc));
    bt->dirty = 0;
  }
  if (bt->txn >= 1) pager_end_read(bt->pc);
  bt->txn = 0;
  return rc;
}

int btree_rollback(Btree *bt) {
  int rc = MICA_OK;
  save_all_cursors(bt);
  if (bt->txn == 2) rc = pager_rollback(bt->pc);
  if (bt->txn >= 1) pager_end_read(bt->pc);
  bt->txn = 0;
  bt->dirty = 0;
  bt_refresh_sizes(bt);
  return rc;
}

/* ---------------------------------------------------------------- auto-vacuum: moving pages */

/* Moves the content of page `from` (pointer-map type/parent as given) to the unused page `to` and
 * repoints whatever referenced it: the parent's child pointer or overflow pointer, the pointer map
 * of its own children / next overflow page. Root pages (type 1) have no parent: the caller updates
 * sqlite_schema. All cursors must have been saved. */
static int relocate(Btree *bt, uint32_t from, uint32_t to, int type, uint32_t parent) {
  PgHdr *src, *dst;
  int rc = bt_get(bt, from, &src, NULL);
  if (rc != MICA_OK) return rc;
  if ((rc = bt_get_write(bt, to, &dst)) != MICA_OK) {
    pager_unref(src);
    return rc;
  }
  memcpy(dst->data, src->data, bt->page_size);
  pager_unref(src);
  uint32_t next = get4(dst->data);
  pager_unref(dst);
  if (type == PTRMAP_BTREE || type == PTRMAP_ROOTPAGE) {
    if ((rc = ptrmap_refresh(bt, to)) != MICA_OK) return rc;
  } else if (type == PTRMAP_OVERFLOW1 || type == PTRMAP_OVERFLOW2) {
    if (next && (rc = ptrmap_put(bt, next, PTRMAP_OVERFLOW2, to)) != MICA_OK) return rc;
  } else {
    return bt_corrupt(bt, from);
  }
  if ((rc = ptrmap_put(bt, to, type, type == PTRMAP_ROOTPAGE ? 0 : parent)) != MICA_OK) return rc;
  if (type == PTRMAP_ROOTPAGE) return MICA_OK;
  PgHdr *pp;
  if ((rc = bt_get_write(bt, parent, &pp)) != MICA_OK) return rc;
  int done = 0;
  if (type == PTRMAP_OVERFLOW2) {
    if (get4(pp->data) == from) {
      put4(pp->data, to);
      done = 1;
    }
  } else {
    BtPage pg;
    if (btpage_parse(&pg, pp->data, parent, bt->page_size, bt->usable) == MICA_OK) {
      for (int i = 0; i < pg.ncell && !done; i++) {
        BtCell c;
        if (btpage_cell(&pg, i, &c) != MICA_OK) break;
        if (type == PTRMAP_BTREE && !pg.leaf && c.left_child == from) {
          put4(pp->data + c.offset, to);
          done = 1;
        } else if (type == PTRMAP_OVERFLOW1 && c.overflow == from) {
          put4(pp->data + c.payload + c.nlocal, to);
          done = 1;
        }
      }
      if (!done && type == PTRMAP_BTREE && !pg.leaf && pg.right_child == from) {
        put4(pp->data + pg.hdr + 8, to);
        done = 1;
      }
    }
  }
  pager_unref(pp);
  return done ? MICA_OK : bt_corrupt(bt, parent);
}

/* All free pages, trunks included (malloc'd array; caller frees). */
static int freelist_collect(Btree *bt, uint32_t **out, uint32_t *nout) {
  *out = NULL;
  *nout = 0;
  PgHdr *p1;
  int rc = bt_get(bt, 1, &p1, NULL);
  if (rc != MICA_OK) return rc;
  uint32_t trunk = get4(p1->data + 32), nfree = get4(p1->data + 36);
  pager_unref(p1);
  uint32_t npages = pager_page_count(bt->pc);
  if (nfree > npages) return bt_corrupt(bt, 1);
  uint32_t *a = malloc(sizeof *a * ((size_t)nfree + 1)), n = 0;
  if (!a) return MICA_NOMEM;
  while (trunk != 0) {
    PgHdr *t;
    if (n >= nfree || (rc = bt_get(bt, trunk, &t, NULL)) != MICA_OK) {
      free(a);
      return rc != MICA_OK ? rc : bt_corrupt(bt, trunk);
    }
    a[n++] = trunk;
    uint32_t k = get4(t->data + 4);
    if (k > (bt->usable - 8) / 4 || n + k > nfree) {
      pager_unref(t);
      free(a);
      return bt_corrupt(bt, trunk);
    }
    for (uint32_t i = 0; i < k; i++)
      a[n++] = get4(t->data + 8 + 4 * i);
    trunk = get4(t->data);
    pager_unref(t);
  }
  if (n != nfree) {
    free(a);
    return bt_corrupt(bt, 1);
  }
  *out = a;
  *nout = n;
  return MICA_OK;
}

/* Empties the freelist and frees the given pages again (those not marked 0). */
static int freelist_rebuild(Btree *bt, const uint32_t *pages, uint32_t n) {
  PgHdr *p1;
  int rc = bt_get_write(bt, 1, &p1);
  if (rc != MICA_OK) return rc;
  put4(p1->data + 32, 0);
  put4(p1->data + 36, 0);
  pager_unref(p1);
  for (uint32_t i = 0; i < n && rc == MICA_OK; i++)
    if (pages[i]) rc = bt_free(bt, pages[i]);
  return rc;
}

static int cmp_u32(const void *a, const void *b) {
  uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
  return x < y ? -1 : x > y;
}

/* auto_vacuum=full at commit: move the pages in use past the final size into free pages below it,
 * then truncate the file (SQLite's final-size rule: free pages and the pointer-map pages that
 * only served them go away). */
static int av_truncate(Btree *bt) {
  uint32_t *fl, nfree, norig = pager_page_count(bt->pc);
  int rc = freelist_collect(bt, &fl, &nfree);
  if (rc != MICA_OK || nfree == 0) {
    if (rc == MICA_OK) free(fl);
    return rc;
  }
  uint32_t per = bt->usable / 5;
  uint32_t nptr = (uint32_t)(((uint64_t)nfree - norig + ptrmap_pageno(bt, norig) + per) / per);
  uint32_t nfin = norig - nfree - nptr;
  if (norig > pending_page(bt) && nfin < pending_page(bt)) nfin--;
  while (nfin > 1 && (is_ptrmap_page(bt, nfin) || nfin == pending_page(bt)))
    nfin--;
  qsort(fl, nfree, sizeof *fl, cmp_u32);
  /* Targets: free pages <= nfin, lowest first; sources: used pages > nfin, highest first. */
  uint32_t ti = 0, fi = nfree; /* fl[fi..] are the free pages > nfin */
  while (fi > 0 && fl[fi - 1] > nfin)
    fi--;
  for (uint32_t pg = norig; pg > nfin && rc == MICA_OK; pg--) {
    if (pg == pending_page(bt) || is_ptrmap_page(bt, pg)) continue;
    if (bsearch(&pg, fl + fi, nfree - fi, sizeof *fl, cmp_u32)) continue; /* free already */
    int type;
    uint32_t parent;
    if ((rc = ptrmap_get(bt, pg, &type, &parent)) != MICA_OK) break;
    if (ti >= fi || type == PTRMAP_ROOTPAGE || type == PTRMAP_FREEPAGE) {
      rc = bt_corrupt(bt, pg);
      break;
    }
    rc = relocate(bt, pg, fl[ti], type, parent);
    fl[ti++] = 0;
  }
  if (rc == MICA_OK) {
    for (uint32_t i = fi; i < nfree; i++)
      fl[i] = 0; /* dropped with the truncated tail */
    /* Free pages left below nfin (only with a damaged count) stay on the list. */
    rc = freelist_rebuild(bt, fl, fi);
  }
  free(fl);
  if (rc == MICA_OK && (rc = pager_set_page_count(bt->pc, nfin)) != MICA_OK)
    rc = bt_error(bt, rc, "%s", pager_errmsg(bt->pc));
  return rc;
}

int btree_savepoint(Btree *bt, int op, int idx) {
  if (bt->txn != 2) return bt_error(bt, MICA_MISUSE, "savepoint outside a write transaction");
  if (op == BTREE_SAVEPOINT_ROLLBACK) save_all_cursors(bt);
  int rc = pager_savepoint(bt->pc, op, idx);
  if (rc != MICA_OK) return bt_error(bt, rc, "%s", pager_errmsg(bt->pc));
  return MICA_OK;
}

int btree_incremental_vacuum(Btree *bt, int64_t npages, uint32_t *freed) {
  uint32_t done = 0;
  int rc = MICA_OK;
  if (freed) *freed = 0;
  if (bt->txn != 2) return bt_error(bt, MICA_MISUSE, "no write transaction is open");
  if (bt->av != 2) return MICA_OK;
  if ((rc = save_all_cursors(bt)) != MICA_OK) return rc;
  while (npages <= 0 || done < (uint64_t)npages) {
    uint32_t *fl, nfree;
    if ((rc = freelist_collect(bt, &fl, &nfree)) != MICA_OK) break;
    if (nfree == 0) {
      free(fl);
      break;
    }
    uint32_t last = pager_page_count(bt->pc);
    while (last > 2 && (last == pending_page(bt) || is_ptrmap_page(bt, last)))
      last--;
    int at = -1, use = -1;
    for (uint32_t i = 0; i < nfree; i++) {
      if (fl[i] == last)
        at = (int)i;
      else if (fl[i] < last && (use < 0 || fl[i] < fl[use]))
        use = (int)i;
    }
    if (at >= 0) {
      fl[at] = 0; /* the last page is free: drop it */
    } else {
      int type;
      uint32_t parent;
      if (use < 0 || (rc = ptrmap_get(bt, last, &type, &parent)) != MICA_OK || type == PTRMAP_ROOTPAGE ||
          type == PTRMAP_FREEPAGE) {
        free(fl);
        if (rc == MICA_OK) rc = bt_corrupt(bt, last);
        break;
      }
      rc = relocate(bt, last, fl[use], type, parent);
      fl[use] = 0;
    }
    if (rc == MICA_OK) rc = freelist_rebuild(bt, fl, nfree);
    free(fl);
    if (rc != MICA_OK) break;
    uint32_t n = last - 1;
    while (n > 1 && (n == pending_page(bt) || is_ptrmap_page(bt, n)))
      n--;
    if ((rc = pager_set_page_count(bt->pc, n)) != MICA_OK) {
      rc = bt_error(bt, rc, "%s", pager_errmsg(bt->pc));
      break;
    }
    done++;
  }
  if (freed) *freed = done;
  return rc;
}

/* ---------------------------------------------------------------- trees and meta */

static int check_write_txn(Btree *bt) {
  if (bt->txn != 2) return bt_error(bt, MICA_MISUSE, "no write transaction is open");
  return MICA_OK;
}

static int meta_put(Btree *bt, uint32_t off, uint32_t v) {
  PgHdr *p1;
  int rc = bt_get_write(bt, 1, &p1);
  if (rc != MICA_OK) return rc;
  put4(p1->data + off, v);
  pager_unref(p1);
  return MICA_OK;
}

static int meta_read(Btree *bt, uint32_t off, uint32_t *v) {
  PgHdr *p1;
  int rc = bt_get(bt, 1, &p1, NULL);
  if (rc != MICA_OK) return rc;
  *v = get4(p1->data + off);
  pager_unref(p1);
  return MICA_OK;
}

/* Auto-vacuum files keep every root page right after the previous one (header 52 = the largest):
 * the page there is freed up, moving what used it, and handed back pinned and writable. */
static int av_alloc_root(Btree *bt, PgHdr **out) {
  uint32_t maxroot, npages = pager_page_count(bt->pc);
  int rc = meta_read(bt, 52, &maxroot);
  if (rc != MICA_OK) return rc;
  uint32_t root = maxroot + 1;
  while (root == pending_page(bt) || is_ptrmap_page(bt, root))
    root++;
  if ((rc = save_all_cursors(bt)) != MICA_OK) return rc;
  if (root > npages) {
    /* Past the end: only pointer-map / pending pages can lie between, so growing lands on it. */
    uint32_t got;
    if ((rc = bt_grow(bt, &got)) != MICA_OK) return rc;
    if (got != root) return bt_corrupt(bt, root);
    if ((rc = bt_get_write(bt, root, out)) != MICA_OK) return rc;
  } else {
    int type;
    uint32_t parent;
    if ((rc = ptrmap_get(bt, root, &type, &parent)) != MICA_OK) return rc;
    if (type == PTRMAP_FREEPAGE) {
      /* Take it off the freelist. */
      uint32_t *fl, n;
      if ((rc = freelist_collect(bt, &fl, &n)) != MICA_OK) return rc;
      int found = 0;
      for (uint32_t i = 0; i < n; i++)
        if (fl[i] == root) {
          fl[i] = 0;
          found = 1;
        }
      rc = found ? freelist_rebuild(bt, fl, n) : bt_corrupt(bt, root);
      free(fl);
      if (rc != MICA_OK) return rc;
    } else {
      if (type == PTRMAP_ROOTPAGE) return bt_corrupt(bt, root);
      PgHdr *np;
      if ((rc = bt_alloc(bt, &np)) != MICA_OK) return rc;
      uint32_t to = np->pgno;
      pager_unref(np);
      if ((rc = relocate(bt, root, to, type, parent)) != MICA_OK) return rc;
    }
    if ((rc = bt_get_write(bt, root, out)) != MICA_OK) return rc;
  }
  if ((rc = meta_put(bt, 52, root)) != MICA_OK ||
      (rc = ptrmap_put(bt, root, PTRMAP_ROOTPAGE, 0)) != MICA_OK) {
    pager_unref(*out);
    *out = NULL;
  }
  return rc;
}

int btree_create_table(Btree *bt, int flags, uint32_t *root_out) {
  PgHdr *pg;
  int rc = check_write_txn(bt);
  *root_out = 0;
  if (rc != MICA_OK) return rc;
  if ((rc = bt->av ? av_alloc_root(bt, &pg) : bt_alloc(bt, &pg)) != MICA_OK) return rc;
  memset(pg->data, 0, bt->page_size);
  btpage_init(pg->data, pg->pgno, (flags & BTREE_INTKEY) ? BTP_LEAF_TABLE : BTP_LEAF_INDEX, bt->usable);
  *root_out = pg->pgno;
  pager_unref(pg);
  return MICA_OK;
}

int btree_clear_table(Btree *bt, uint32_t root, int64_t *nrows) {
  int64_t n = 0;
  int rc = check_write_txn(bt);
  if (nrows) *nrows = 0;
  if (rc != MICA_OK) return rc;
  if ((rc = save_cursors(bt, root, NULL)) != MICA_OK) return rc;
  rc = walk_tree(bt, root, 0, 1, 0, &n);
  if (nrows) *nrows = n;
  return rc;
}

int btree_drop_table(Btree *bt, uint32_t root, uint32_t *moved_from) {
  int64_t n = 0;
  int rc = check_write_txn(bt);
  if (moved_from) *moved_from = 0;
  if (rc != MICA_OK) return rc;
  if (root < 2) return bt_error(bt, MICA_MISUSE, "cannot drop page %u", root);
  for (BtCursor *c = bt->cursors; c; c = c->next)
    if (c->root == root) {
      cur_release(c);
      c->state = CUR_INVALID;
    }
  if ((rc = walk_tree(bt, root, 0, 1, 1, &n)) != MICA_OK || !bt->av) return rc;
  /* Auto-vacuum: the largest root moves into the freed slot so that roots stay packed. */
  uint32_t maxroot;
  if ((rc = meta_read(bt, 52, &maxroot)) != MICA_OK) return rc;
  if (root < maxroot) {
    if ((rc = save_all_cursors(bt)) != MICA_OK) return rc;
    uint32_t *fl, nf;
    if ((rc = freelist_collect(bt, &fl, &nf)) != MICA_OK) return rc;
    for (uint32_t i = 0; i < nf; i++)
      if (fl[i] == root) fl[i] = 0;
    rc = freelist_rebuild(bt, fl, nf);
    free(fl);
    if (rc == MICA_OK) rc = relocate(bt, maxroot, root, PTRMAP_ROOTPAGE, 0);
    if (rc == MICA_OK) rc = bt_free(bt, maxroot);
    if (rc != MICA_OK) return rc;
    for (BtCursor *c = bt->cursors; c; c = c->next)
      if (c->root == maxroot) c->root = root;
    if (moved_from) *moved_from = maxroot;
  }
  if (root <= maxroot) {
    maxroot--;
    while (maxroot > 1 && (maxroot == pending_page(bt) || is_ptrmap_page(bt, maxroot)))
      maxroot--;
    rc = meta_put(bt, 52, maxroot);
  }
  return rc;
}

int btree_get_meta(Btree *bt, int idx, uint32_t *value) {
  PgHdr *p1;
  *value = 0;
  if (idx < 0 || idx > 15) return MICA_RANGE;
  if (bt->txn == 0) return bt_error(bt, MICA_MISUSE, "no transaction is open");
  if (pager_page_count(bt->pc) == 0) return MICA_OK;
  int rc = bt_get(bt, 1, &p1, NULL);
  if (rc != MICA_OK) return rc;
  *value = get4(p1->data + 36 + 4 * idx);
  pager_unref(p1);
  return MICA_OK;
}

int btree_update_meta(Btree *bt, int idx, uint32_t value) {
  PgHdr *p1;
  if (idx < 1 || idx > 15) return MICA_RANGE;
  if (bt->txn != 2) return bt_error(bt, MICA_MISUSE, "no write transaction is open");
  int rc = bt_get_write(bt, 1, &p1);
  if (rc != MICA_OK) return rc;
  put4(p1->data + 36 + 4 * idx, value);
  pager_unref(p1);
  return MICA_OK;
}

/* ---------------------------------------------------------------- file properties */

uint32_t btree_page_size(Btree *bt) { return pager_page_size(bt->pc); }

int btree_set_page_size(Btree *bt, uint32_t size, int reserved) {
  if (reserved < 0) reserved = pager_reserved_bytes(bt->pc); /* keep the current reserve */
  if (size < 512 || size > 65536 || (size & (size - 1)) || reserved < 0 || reserved > 255 ||
      size - (uint32_t)reserved < 480)
    return MICA_RANGE;
  int rc = pager_set_page_size(bt->pc, size, reserved);
  if (rc != MICA_OK) return bt_error(bt, rc, "%s", pager_errmsg(bt->pc));
  bt_refresh_sizes(bt);
  return MICA_OK;
}

uint32_t btree_page_count(Btree *bt) { return pager_page_count(bt->pc); }
int btree_set_cache_size(Btree *bt, int64_t n) { return pager_set_cache_size(bt->pc, n); }
int btree_set_synchronous(Btree *bt, int level) { return pager_set_synchronous(bt->pc, level); }
int btree_checkpoint(Btree *bt, int mode, int *wal_frames, int *checkpointed) {
  return pager_checkpoint(bt->pc, mode, wal_frames, checkpointed);
}
int btree_set_autocheckpoint(Btree *bt, int frames) { return pager_set_autocheckpoint(bt->pc, frames); }

int btree_get_autovacuum(Btree *bt) {
  if (bt->txn && pager_page_count(bt->pc) > 0) bt_refresh_av(bt);
  return pager_page_count(bt->pc) == 0 ? bt->av_new : bt->av;
}

/* As SQLite: NONE <-> FULL/INCREMENTAL only while the database has no tables (page 1 alone);
 * FULL <-> INCREMENTAL any time. Otherwise the request is ignored (VACUUM would apply it). */
int btree_set_autovacuum(Btree *bt, int mode) {
  if (mode < 0 || mode > 2) return MICA_RANGE;
  bt->av_new = mode;
  uint32_t npages = pager_page_count(bt->pc);
  if (npages == 0) return MICA_OK; /* applied when page 1 is written */
  int own = bt->txn == 0, rc;
  if (bt->txn == 1) {
    bt->av_req = 1; /* applied by btree_begin_write */
    return MICA_OK;
  }
  if (own && (rc = btree_begin_write(bt, 0)) != MICA_OK) return rc;
  uint32_t maxroot;
  rc = meta_read(bt, 52, &maxroot);
  if (rc == MICA_OK && (pager_page_count(bt->pc) == 1 || (mode == 0) == (bt->av == 0))) {
    if (mode == 0 || bt->av == 0) rc = meta_put(bt, 52, mode ? 1 : 0);
    if (rc == MICA_OK) rc = meta_put(bt, 64, mode == 2);
    if (rc == MICA_OK) bt->av = mode;
  }
  if (own) {
    if (rc == MICA_OK)
      rc = btree_commit(bt);
    else
      btree_rollback(bt);
  }
  return rc;
}

/* Copies every entry of tree `root` of src into a new tree of dst (in order, appended). */
static int vacuum_copy_tree(Btree *src, Btree *dst, uint32_t root, uint32_t *newroot) {
  BtCursor *in, *out;
  PgHdr *ph;
  BtPage pg;
  int rc = bt_get(src, root, &ph, &pg), eof;
  if (rc != MICA_OK) return rc;
  int intkey = pg.intkey;
  pager_unref(ph);
  if ((rc = btree_create_table(dst, intkey ? BTREE_INTKEY : BTREE_BLOBKEY, newroot)) != MICA_OK) return rc;
  if ((rc = btree_cursor_open(src, root, 0, NULL, &in)) != MICA_OK) return rc;
  if ((rc = btree_cursor_open(dst, *newroot, 1, NULL, &out)) != MICA_OK) {
    btree_cursor_close(in);
    return rc;
  }
  for (rc = btree_first(in, &eof); rc == MICA_OK && !eof; rc = btree_next(in, &eof)) {
    const void *d;
    uint32_t n;
    if ((rc = btree_data(in, &d, &n)) != MICA_OK) break;
    if ((rc = bt_insert(out, btree_rowid(in), d, n, 1)) != MICA_OK) break;
  }
  if (rc != MICA_OK && rc != MICA_CORRUPT) rc = bt_error(src, rc, "%s", btree_errmsg(dst));
  btree_cursor_close(in);
  btree_cursor_close(out);
  return rc;
}

/* Builds a compact copy of bt's database in dst (an empty database, in a write transaction): the
 * trees named in sqlite_schema in schema order, then sqlite_schema itself with the new root page
 * numbers, then the meta values SQLite's VACUUM keeps (schema cookie + 1). */
static int vacuum_build(Btree *bt, Btree *dst) {
  BtCursor *sc = NULL, *dc = NULL;
  int rc, eof;
  uint8_t *rec = NULL;
  if ((rc = btree_cursor_open(bt, 1, 0, NULL, &sc)) != MICA_OK) return rc;
  if ((rc = btree_cursor_open(dst, 1, 1, NULL, &dc)) != MICA_OK) goto out;
  for (rc = btree_first(sc, &eof); rc == MICA_OK && !eof; rc = btree_next(sc, &eof)) {
    const void *d;
    uint32_t n;
    RecValue v[5];
    int nf;
    if ((rc = btree_data(sc, &d, &n)) != MICA_OK) break;
    if (record_decode(d, n, v, 5, &nf) != MICA_OK || nf < 5) {
      rc = bt_error(bt, MICA_CORRUPT, "malformed sqlite_schema row");
      break;
    }
    if (v[3].type == REC_INT && v[3].u.i > 1) {
      uint32_t nr;
      if ((rc = vacuum_copy_tree(bt, dst, (uint32_t)v[3].u.i, &nr)) != MICA_OK) break;
      /* record_decode points into the cursor's data, which copying did not move. */
      if ((rc = btree_data(sc, &d, &n)) != MICA_OK) break;
      record_decode(d, n, v, 5, &nf);
      v[3].u.i = nr;
      size_t sz = record_size(v, nf);
      uint8_t *r2 = realloc(rec, sz);
      if (!r2) {
        rc = MICA_NOMEM;
        break;
      }
      rec = r2;
      record_encode(v, nf, rec);
      rc = bt_insert(dc, btree_rowid(sc), rec, (uint32_t)sz, 1);
    } else {
      rc = bt_insert(dc, btree_rowid(sc), d, n, 1);
    }
    if (rc != MICA_OK) break;
  }
  if (rc == MICA_OK) {
    static const int keep[] = {BTREE_SCHEMA_VERSION, BTREE_DEFAULT_CACHE_SIZE, BTREE_TEXT_ENCODING,
                               BTREE_USER_VERSION,   BTREE_APPLICATION_ID,     BTREE_FILE_FORMAT};
    for (size_t i = 0; i < sizeof keep / sizeof keep[0] && rc == MICA_OK; i++) {
      uint32_t v;
      if ((rc = btree_get_meta(bt, keep[i], &v)) == MICA_OK)
        rc = btree_update_meta(dst, keep[i], keep[i] == BTREE_SCHEMA_VERSION ? v + 1 : v);
    }
  }
out:
  free(rec);
  btree_cursor_close(sc);
  btree_cursor_close(dc);
  return rc;
}

int btree_vacuum(Btree *bt, const char *into_path) {
  Btree *dst = NULL;
  int rc, own = 0;
  if (bt->txn == 0) {
    if ((rc = into_path ? btree_begin_read(bt) : btree_begin_write(bt, 0)) != MICA_OK) return rc;
    own = 1;
  } else if (!into_path && bt->txn == 1 && (rc = btree_begin_write(bt, 0)) != MICA_OK) {
    return rc;
  }
  if (pager_page_count(bt->pc) == 0) {
    rc = MICA_OK;
    goto done;
  }
  if (into_path) {
    FILE *f = fopen(into_path, "rb");
    if (f) {
      int c = fgetc(f);
      fclose(f);
      if (c != EOF) {
        rc = bt_error(bt, MICA_ERROR, "output file already exists");
        goto done;
      }
    }
  }
  if ((rc = btree_open(into_path ? into_path : ":memory:", into_path ? BTREE_OPEN_CREATE : BTREE_OPEN_MEMORY,
                       &dst)) != MICA_OK) {
    rc = bt_error(bt, rc, "cannot open %s", into_path ? into_path : "a temporary database");
    goto done;
  }
  if ((rc = btree_set_page_size(dst, bt->page_size, (int)(bt->page_size - bt->usable))) != MICA_OK) goto done;
  dst->av_new = bt->av;
  if ((rc = btree_begin_write(dst, 0)) != MICA_OK) goto done;
  if ((rc = vacuum_build(bt, dst)) != MICA_OK) goto done;
  if ((rc = btree_commit(dst)) != MICA_OK) goto done;
  if (!into_path) {
    /* Copy the compact image over this database, page by page, in this write transaction. */
    if ((rc = save_all_cursors(bt)) != MICA_OK) goto done;
    if ((rc = btree_begin_read(dst)) != MICA_OK) goto done;
    uint32_t n = pager_page_count(dst->pc);
    for (uint32_t pg = 1; pg <= n && rc == MICA_OK; pg++) {
      PgHdr *from, *to;
      if ((rc = pager_get(dst->pc, pg, &from)) != MICA_OK) break;
      if (pg > pager_page_count(bt->pc)) rc = pager_set_page_count(bt->pc, pg);
      if (rc == MICA_OK) rc = pager_get(bt->pc, pg, &to);
      if (rc == MICA_OK) {
        if ((rc = bt_write(bt, to)) == MICA_OK) memcpy(to->data, from->data, bt->page_size);
        pager_unref(to);
      }
      pager_unref(from);
    }
    if (rc == MICA_OK) rc = pager_set_page_count(bt->pc, n);
    btree_rollback(dst);
  }
done:
  if (dst) btree_close(dst);
  if (own) {
    if (rc == MICA_OK)
      rc = btree_commit(bt);
    else
      btree_rollback(bt);
  }
  return rc;
}

/* ---------------------------------------------------------------- integrity check */

typedef struct PagerSrc {
  Btree *bt;
  PgHdr *cur;
} PagerSrc;

static int pager_src_get(void *arg, uint32_t pgno, const uint8_t **data) {
  PagerSrc *s = arg;
  if (s->cur) pager_unref(s->cur);
  s->cur = NULL;
  if (pgno == 0 || pgno > pager_page_count(s->bt->pc)) return MICA_CORRUPT;
  int rc = pager_get(s->bt->pc, pgno, &s->cur);
  if (rc != MICA_OK) {
    s->cur = NULL;
    return rc;
  }
  *data = s->cur->data;
  return MICA_OK;
}

int btree_integrity_check(Btree *bt, const uint32_t *roots, int nroots, int max_errors, char **report) {
  *report = NULL;
  if (bt->txn == 0) return bt_error(bt, MICA_MISUSE, "no transaction is open");
  uint32_t npages = pager_page_count(bt->pc);
  if (npages == 0) return MICA_OK;
  PagerSrc src = {bt, NULL};
  int rc = btree_check_pages(pager_src_get, &src, bt->page_size, bt->usable, npages, roots, nroots,
                             max_errors, report);
  if (src.cur) pager_unref(src.cur);
  return rc;
}
