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
  case BTP_INTERIOR_INDEX: pg->leaf = 0; pg->intkey = 0; break;
  case BTP_INTERIOR_TABLE: pg->leaf = 0; pg->intkey = 1; break;
  case BTP_LEAF_INDEX: pg->leaf = 1; pg->intkey = 0; break;
  case BTP_LEAF_TABLE: pg->leaf = 1; pg->intkey = 1; break;
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
  if (pg->ncell > 0 && (pg->content_start < ptr_end || pg->content_start > usable)) return MICA_CORRUPT;
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
