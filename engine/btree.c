/*
 * btree.c: SQLite-format b-trees.
 *
 * STATUS: this file currently holds the page/cell layer only (btree_int.h): parsing and validating
 * b-tree page headers and the four cell formats, and the payload spill rule. The tree layer
 * (cursors, insert/delete/balance, freelist) that implements btree.h sits on top of the pager and is
 * not written yet.
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
