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
  uint32_t usable;  /* U = page_size - reserved */
  uint32_t hdr;     /* offset of the b-tree page header: 100 on page 1, else 0 */
  uint8_t type;     /* BTP_* */
  uint8_t leaf;     /* 1 for leaf pages */
  uint8_t intkey;   /* 1 for table trees */
  uint8_t hdr_size; /* 8 (leaf) or 12 (interior) */
  uint16_t ncell;
  uint32_t first_freeblock;
  uint32_t content_start; /* 0 in the file means 65536 */
  uint8_t nfrag;
  uint32_t right_child; /* interior pages only */
} BtPage;

/* One parsed cell. */
typedef struct BtCell {
  uint32_t offset;     /* of the cell within the page */
  uint32_t left_child; /* interior pages */
  int64_t rowid;       /* table trees (leaf and interior) */
  uint64_t npayload;   /* total payload bytes (0 for table interior cells) */
  uint32_t nlocal;     /* payload bytes stored on this page */
  uint32_t payload;    /* offset of the local payload within the page */
  uint32_t overflow;   /* first overflow page, 0 if none */
  uint32_t size;       /* bytes the cell occupies on the page (at least 4) */
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

/* ---- page writing (data is a writable page image; pg must have been parsed from it) ---- */

/* Writes the 100-byte database header for a new file (SQLite defaults; rw_version 1 rollback or
 * 2 WAL for bytes 18/19). */
void btree_format_header(uint8_t *page1, uint32_t page_size, int reserved, uint32_t npages, int rw_version);
/* Formats an empty b-tree page of the given type (page 1 keeps its file header). */
void btpage_init(uint8_t *data, uint32_t pgno, int type, uint32_t usable);
/* Total free bytes on the page: unallocated gap + freeblocks + fragments. */
int btpage_free_space(const BtPage *pg, uint32_t *nfree);
/* Packs all cells at the end of the page, removing freeblocks and fragments. Re-parses *pg. */
int btpage_defragment(uint8_t *data, BtPage *pg);
/* Inserts cell bytes as cell number idx (0..ncell). MICA_FULL when the page lacks room. */
int btpage_insert_cell(uint8_t *data, BtPage *pg, int idx, const uint8_t *cell, uint32_t size);
/* Removes cell idx, returning its space to the page. */
int btpage_drop_cell(uint8_t *data, BtPage *pg, int idx);
/* Builds a leaf cell (table leaf when intkey) for a payload whose local part fits: writes at most
 * 9+9+npayload bytes to out and returns the cell size; the caller writes overflow pages and the
 * 4-byte overflow pointer when btree_local_size(...) < npayload (out gets the local part only). */
uint32_t btree_build_leaf_cell(uint8_t *out, uint32_t usable, int intkey, int64_t rowid,
                               const uint8_t *payload, uint32_t npayload, uint32_t overflow_pgno);

/* Builds an interior cell: table trees (intkey) hold the left child and the rowid divider; index
 * trees the left child and a key payload (local part, plus overflow pointer when it spills). */
uint32_t btree_build_interior_cell(uint8_t *out, uint32_t usable, int intkey, uint32_t left_child,
                                   int64_t rowid, const uint8_t *payload, uint32_t npayload,
                                   uint32_t overflow_pgno);

/* ---- integrity check over any page source (btree_check.c) ---- */

/* Returns page pgno's image (page_size bytes, valid until the next call) or an error code. */
typedef int (*BtGetPage)(void *arg, uint32_t pgno, const uint8_t **data);
/* Checks the trees at roots[0..nroots), the freelist, pointer-map pages and that every page in
 * 1..npages is used exactly once. Problems are appended to *report (malloc'd, newline separated,
 * NULL when none; caller frees), at most max_errors. Never reads outside a page; corrupt structures
 * are reported, not followed. Returns MICA_OK, or MICA_NOMEM. */
int btree_check_pages(BtGetPage get, void *arg, uint32_t page_size, uint32_t usable, uint32_t npages,
                      const uint32_t *roots, int nroots, int max_errors, char **report);

#endif /* MICA_BTREE_INT_H */
