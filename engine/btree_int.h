/*
 * btree_int.h: private b-tree page and cell layer shared by btree.c and btree_check.c.
 *
 * Everything here works on a raw page image (page_size bytes) and validates what it reads against
 * the page bounds: a malformed page yields MICA_CORRUPT, never an out-of-bounds access.
 */
#ifndef MICA_BTREE_INT_H
#define MICA_BTREE_INT_H

#include <stdint.h>

/* Page types (first byte of the b-tree page header). */
#define BTP_INTERIOR_INDEX 2
#define BTP_INTERIOR_TABLE 5
#define BTP_LEAF_INDEX 10
#define BTP_LEAF_TABLE 13

/* Parsed b-tree page header. */
typedef struct BtPage {
  const uint8_t *data; /* whole page image (page 1 includes the 100-byte file header) */
  uint32_t pgno;
  uint32_t page_size;
  uint32_t usable;     /* U = page_size - reserved */
  uint32_t hdr;        /* offset of the b-tree page header: 100 on page 1, else 0 */
  uint8_t type;        /* BTP_* */
  uint8_t leaf;        /* 1 for leaf pages */
  uint8_t intkey;      /* 1 for table trees */
  uint8_t hdr_size;    /* 8 (leaf) or 12 (interior) */
  uint16_t ncell;
  uint32_t first_freeblock;
  uint32_t content_start; /* 0 in the file means 65536 */
  uint8_t nfrag;
  uint32_t right_child;   /* interior pages only */
} BtPage;

/* One parsed cell. */
typedef struct BtCell {
  uint32_t offset;    /* of the cell within the page */
  uint32_t left_child;/* interior pages */
  int64_t rowid;      /* table trees (leaf and interior) */
  uint64_t npayload;  /* total payload bytes (0 for table interior cells) */
  uint32_t nlocal;    /* payload bytes stored on this page */
  uint32_t payload;   /* offset of the local payload within the page */
  uint32_t overflow;  /* first overflow page, 0 if none */
  uint32_t size;      /* bytes the cell occupies on the page (at least 4) */
} BtCell;

/* Parses and validates the header of page pgno (data = page image). */
int btpage_parse(BtPage *pg, const uint8_t *data, uint32_t pgno, uint32_t page_size, uint32_t usable);
/* Offset of cell idx (validated to lie in the cell content area). */
int btpage_cell_offset(const BtPage *pg, int idx, uint32_t *off);
/* Parses cell idx of the page into *cell, validating its bounds. */
int btpage_cell(const BtPage *pg, int idx, BtCell *cell);
/* Bytes of a payload of size npayload kept on the page (SQLite's X/M/K rule). */
uint32_t btree_local_size(uint32_t usable, int intkey_leaf, uint64_t npayload);
/* Maximum local payload X and minimum M for a page kind. */
uint32_t btree_max_local(uint32_t usable, int intkey_leaf);
uint32_t btree_min_local(uint32_t usable);

#endif /* MICA_BTREE_INT_H */
