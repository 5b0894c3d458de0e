/* Unit tests for the b-tree. Page/cell layer: files written by SQLite (libsqlite3, test only) are read
 * page by page with btpage_parse/btpage_cell, walking table and index trees and overflow chains. Tree
 * layer (btree.h, on the real pager): random inserts/deletes against a model, appends, deletes during
 * scans, freelist reuse, and files sqlite3 wrote read and extended; every file written is checked with
 * btree_integrity_check and with sqlite3's PRAGMA integrity_check. */
#include <check.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "btree.h"
#include "btree_int.h"
#include "mica.h"
#include "record.h"

typedef struct DbImage {
  uint8_t *data;
  size_t size;
  uint32_t page_size, usable, npages;
} DbImage;

/* realloc that fails the test instead of leaking on failure. */
static uint8_t *test_grow(uint8_t *p, size_t n) {
  uint8_t *q = realloc(p, n);
  if (!q) {
    free(p);
    ck_abort_msg("out of memory");
  }
  return q;
}

static void load_image(const char *path, DbImage *img) {
  FILE *f = fopen(path, "rb");
  ck_assert_ptr_nonnull(f);
  fseek(f, 0, SEEK_END);
  img->size = (size_t)ftell(f);
  fseek(f, 0, SEEK_SET);
  img->data = malloc(img->size);
  ck_assert_uint_eq(fread(img->data, 1, img->size, f), img->size);
  fclose(f);
  uint32_t ps = ((uint32_t)img->data[16] << 8) | img->data[17];
  img->page_size = ps == 1 ? 65536 : ps;
  img->usable = img->page_size - img->data[20];
  img->npages = (uint32_t)(img->size / img->page_size);
}

static const uint8_t *page_of(DbImage *img, uint32_t pgno) {
  ck_assert(pgno >= 1 && pgno <= img->npages);
  return img->data + (size_t)(pgno - 1) * img->page_size;
}

/* Assembles a cell's payload (local part plus overflow chain). Caller frees. */
static uint8_t *cell_payload(DbImage *img, const BtPage *pg, const BtCell *c) {
  uint8_t *out = malloc(c->npayload + 1);
  memcpy(out, pg->data + c->payload, c->nlocal);
  uint64_t got = c->nlocal;
  uint32_t next = c->overflow;
  while (got < c->npayload) {
    const uint8_t *ov = page_of(img, next);
    uint64_t take = c->npayload - got;
    if (take > img->usable - 4) take = img->usable - 4;
    memcpy(out + got, ov + 4, take);
    got += take;
    next = ((uint32_t)ov[0] << 24) | ((uint32_t)ov[1] << 16) | ((uint32_t)ov[2] << 8) | ov[3];
  }
  ck_assert_uint_eq(next, 0);
  return out;
}

typedef void (*VisitFn)(void *arg, int64_t rowid, const uint8_t *payload, uint64_t n);

static void walk(DbImage *img, uint32_t pgno, int depth, VisitFn fn, void *arg) {
  BtPage pg;
  ck_assert(depth < 20);
  ck_assert_int_eq(btpage_parse(&pg, page_of(img, pgno), pgno, img->page_size, img->usable), MICA_OK);
  for (int i = 0; i < pg.ncell; i++) {
    BtCell c;
    ck_assert_int_eq(btpage_cell(&pg, i, &c), MICA_OK);
    if (!pg.leaf) walk(img, c.left_child, depth + 1, fn, arg);
    if (pg.leaf || !pg.intkey) {
      uint8_t *p = cell_payload(img, &pg, &c);
      fn(arg, c.rowid, p, c.npayload);
      free(p);
    }
  }
  if (!pg.leaf) walk(img, pg.right_child, depth + 1, fn, arg);
}

/* sqlite_schema: find root pages by name. */
typedef struct FindRoot {
  const char *name;
  int64_t root;
} FindRoot;

static void find_root_cb(void *arg, int64_t rowid, const uint8_t *p, uint64_t n) {
  FindRoot *fr = arg;
  RecValue v[5];
  int nf;
  ck_assert_int_eq(record_decode(p, (uint32_t)n, v, 5, &nf), MICA_OK);
  ck_assert_int_eq(nf, 5);
  if (v[1].type == REC_TEXT && v[1].u.s.n == strlen(fr->name) &&
      memcmp(v[1].u.s.p, fr->name, v[1].u.s.n) == 0)
    fr->root = v[3].u.i;
}

typedef struct Roots {
  uint32_t r[64];
  int n;
} Roots;

static void roots_cb(void *arg, int64_t rowid, const uint8_t *p, uint64_t n) {
  Roots *rs = arg;
  RecValue v[5];
  int nf;
  (void)rowid;
  ck_assert_int_eq(record_decode(p, (uint32_t)n, v, 5, &nf), MICA_OK);
  if (v[3].type == REC_INT && v[3].u.i > 0 && rs->n < 64) rs->r[rs->n++] = (uint32_t)v[3].u.i;
}

static int image_get(void *arg, uint32_t pgno, const uint8_t **data) {
  DbImage *img = arg;
  if (pgno < 1 || pgno > img->npages) return MICA_CORRUPT;
  *data = img->data + (size_t)(pgno - 1) * img->page_size;
  return MICA_OK;
}

static char *check_image(DbImage *img) {
  Roots rs = {{1}, 1};
  walk(img, 1, 0, roots_cb, &rs);
  char *rep = NULL;
  ck_assert_int_eq(
      btree_check_pages(image_get, img, img->page_size, img->usable, img->npages, rs.r, rs.n, 100, &rep),
      MICA_OK);
  return rep;
}

static uint32_t blob_len_for(int64_t id, uint32_t page_size) {
  return (uint32_t)((id * 7919) % (3 * page_size + 50));
}

typedef struct CheckRows {
  int64_t last, count;
  uint32_t page_size;
} CheckRows;

static void check_row_cb(void *arg, int64_t rowid, const uint8_t *p, uint64_t n) {
  CheckRows *cr = arg;
  RecValue v[2];
  int nf;
  ck_assert_int_gt(rowid, cr->last);
  cr->last = rowid;
  cr->count++;
  ck_assert_int_eq(record_decode(p, (uint32_t)n, v, 2, &nf), MICA_OK);
  ck_assert_int_eq(nf, 2);
  ck_assert_int_eq(v[0].type, REC_NULL); /* INTEGER PRIMARY KEY alias is stored as NULL */
  ck_assert_int_eq(v[1].type, REC_BLOB);
  ck_assert_uint_eq(v[1].u.s.n, blob_len_for(rowid, cr->page_size));
  int bad = 0;
  for (uint32_t i = 0; i < v[1].u.s.n; i++)
    bad |= (uint8_t)v[1].u.s.p[i] != (uint8_t)(rowid + i);
  ck_assert_int_eq(bad, 0);
}

typedef struct CheckIdx {
  RecValue prev;
  uint8_t *prevbuf;
  int64_t count;
} CheckIdx;

static void check_idx_cb(void *arg, int64_t rowid, const uint8_t *p, uint64_t n) {
  CheckIdx *ci = arg;
  RecColl coll = {NULL, NULL};
  KeyInfo ki = {2, NULL, NULL};
  (void)coll;
  if (ci->prevbuf) {
    UnpackedKey k = {&ki, ci->prevbuf, (uint32_t)ci->prev.u.i, 0};
    int corrupt = 0;
    ck_assert_int_lt(record_compare_key(&k, p, (uint32_t)n, &corrupt), 0);
    ck_assert_int_eq(corrupt, 0);
    free(ci->prevbuf);
  }
  ci->prevbuf = malloc(n);
  memcpy(ci->prevbuf, p, n);
  ci->prev.u.i = (int64_t)n;
  ci->count++;
}

static void check_sqlite_file(uint32_t page_size, int autovac, int nrows) {
  char path[64];
  snprintf(path, sizeof path, "/tmp/mica_test_btree_%d_%u.db", (int)getpid(), page_size);
  unlink(path);
  sqlite3 *db;
  ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
  char sql[256];
  snprintf(sql, sizeof sql, "PRAGMA page_size=%u; PRAGMA auto_vacuum=%d;", page_size, autovac);
  ck_assert_int_eq(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
  ck_assert_int_eq(sqlite3_exec(db,
                                "CREATE TABLE t(a INTEGER PRIMARY KEY, b BLOB);"
                                "CREATE TABLE w(k TEXT PRIMARY KEY, v) WITHOUT ROWID;"
                                "BEGIN;",
                                NULL, NULL, NULL),
                   SQLITE_OK);
  sqlite3_stmt *st, *st2;
  ck_assert_int_eq(sqlite3_prepare_v2(db, "INSERT INTO t VALUES(?, ?)", -1, &st, NULL), SQLITE_OK);
  ck_assert_int_eq(sqlite3_prepare_v2(db, "INSERT INTO w VALUES(?, ?)", -1, &st2, NULL), SQLITE_OK);
  uint8_t *buf = malloc(3 * page_size + 50);
  for (int64_t id = 1; id <= nrows; id++) {
    int64_t rid = (id * 37) % 1000003 + 1; /* out-of-order inserts */
    uint32_t len = blob_len_for(rid, page_size);
    for (uint32_t i = 0; i < len; i++)
      buf[i] = (uint8_t)(rid + i);
    sqlite3_bind_int64(st, 1, rid);
    sqlite3_bind_blob(st, 2, buf, (int)len, SQLITE_TRANSIENT);
    ck_assert_int_eq(sqlite3_step(st), SQLITE_DONE);
    sqlite3_reset(st);
    char key[32];
    snprintf(key, sizeof key, "k%08lld", (long long)((rid * 13) % 100000));
    sqlite3_bind_text(st2, 1, key, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st2, 2, rid);
    int r = sqlite3_step(st2);
    ck_assert(r == SQLITE_DONE || r == SQLITE_CONSTRAINT);
    sqlite3_reset(st2);
  }
  free(buf);
  sqlite3_finalize(st);
  sqlite3_finalize(st2);
  ck_assert_int_eq(sqlite3_exec(db, "COMMIT;", NULL, NULL, NULL), SQLITE_OK);
  sqlite3_int64 wcount = 0;
  ck_assert_int_eq(sqlite3_prepare_v2(db, "SELECT count(*) FROM w", -1, &st, NULL), SQLITE_OK);
  ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
  wcount = sqlite3_column_int64(st, 0);
  sqlite3_finalize(st);
  sqlite3_close(db);

  DbImage img;
  load_image(path, &img);
  ck_assert_uint_eq(img.page_size, page_size);
  FindRoot fr = {"t", 0};
  walk(&img, 1, 0, find_root_cb, &fr);
  ck_assert_int_gt(fr.root, 1);
  CheckRows cr = {INT64_MIN, 0, page_size};
  walk(&img, (uint32_t)fr.root, 0, check_row_cb, &cr);
  ck_assert_int_eq(cr.count, nrows);
  FindRoot fw = {"w", 0};
  walk(&img, 1, 0, find_root_cb, &fw);
  ck_assert_int_gt(fw.root, 1);
  CheckIdx ci = {{0}, NULL, 0};
  walk(&img, (uint32_t)fw.root, 0, check_idx_cb, &ci);
  free(ci.prevbuf);
  ck_assert_int_eq(ci.count, wcount);
  /* The integrity check finds nothing wrong with SQLite's file... */
  char *rep = check_image(&img);
  if (rep) fprintf(stderr, "%s\n", rep);
  ck_assert_ptr_null(rep);
  /* ...but notices a wrong freelist count, and an orphan page. */
  img.data[39] ^= 1;
  rep = check_image(&img);
  ck_assert_ptr_nonnull(rep);
  ck_assert_ptr_nonnull(strstr(rep, "Freelist"));
  free(rep);
  img.data[39] ^= 1;
  uint8_t *bigger = realloc(img.data, img.size + page_size);
  ck_assert_ptr_nonnull(bigger);
  img.data = bigger;
  memset(img.data + img.size, 0, page_size);
  img.npages++;
  rep = check_image(&img);
  ck_assert_ptr_nonnull(rep);
  char want[64];
  snprintf(want, sizeof want, "Page %u is never used", img.npages);
  ck_assert_ptr_nonnull(strstr(rep, want));
  free(rep);
  /* Random byte corruption never crashes the checker (ASan/UBSan watch the reads). */
  Roots rs = {{1}, 1};
  img.npages--;
  walk(&img, 1, 0, roots_cb, &rs);
  uint8_t *copy = malloc(img.size);
  uint64_t s = 99991;
  for (int it = 0; it < 200; it++) {
    memcpy(copy, img.data, img.size);
    for (int k = 0; k < 8; k++) {
      s = s * 6364136223846793005ULL + 1442695040888963407ULL;
      copy[(s >> 16) % img.size] = (uint8_t)(s >> 40);
    }
    DbImage c = img;
    c.data = copy;
    rep = NULL;
    ck_assert_int_eq(btree_check_pages(image_get, &c, c.page_size, c.usable, c.npages, rs.r, rs.n, 10, &rep),
                     MICA_OK);
    free(rep);
  }
  free(copy);
  free(img.data);
  unlink(path);
}

START_TEST(test_reads_sqlite_files_all_page_sizes) {
  check_sqlite_file(512, 0, 300);
  check_sqlite_file(1024, 1, 300);
  check_sqlite_file(4096, 0, 400);
  check_sqlite_file(65536, 1, 60);
}
END_TEST

START_TEST(test_local_size_spill_rule) {
  /* U = 4096: table leaf X = 4061; index X = 1002; M = 489. */
  ck_assert_uint_eq(btree_max_local(4096, 1), 4061);
  ck_assert_uint_eq(btree_max_local(4096, 0), 1002);
  ck_assert_uint_eq(btree_min_local(4096), 489);
  ck_assert_uint_eq(btree_local_size(4096, 1, 4061), 4061);
  /* P = 4062: K = 489 + 3573 = 4062 > X, so only M stays local. */
  ck_assert_uint_eq(btree_local_size(4096, 1, 4062), 489);
  /* P = 8000: K = 489 + (7511 % 4092) = 3908 <= 4061 on a table leaf. */
  ck_assert_uint_eq(btree_local_size(4096, 1, 8000), 3908);
  /* Index page, P = 4600: K = 489 + 4111 % 4092 = 508 <= 1002. */
  ck_assert_uint_eq(btree_local_size(4096, 0, 4600), 508);
  ck_assert_uint_eq(btree_local_size(4096, 0, 1002), 1002);
  ck_assert_uint_eq(btree_local_size(4096, 0, 2000), 489);
}
END_TEST

START_TEST(test_corrupt_pages_rejected) {
  uint8_t page[512];
  BtPage pg;
  BtCell c;
  memset(page, 0, sizeof page);
  page[0] = 7; /* bad type */
  ck_assert_int_eq(btpage_parse(&pg, page, 2, 512, 512), MICA_CORRUPT);
  page[0] = BTP_LEAF_TABLE;
  page[5] = 0x02;
  page[6] = 0x58; /* empty page whose content area starts past the page end */
  ck_assert_int_eq(btpage_parse(&pg, page, 2, 512, 512), MICA_CORRUPT);
  page[5] = 0x01;
  page[6] = 0xfc;
  page[3] = 0x01; /* 256 cells: pointer array past the page */
  ck_assert_int_eq(btpage_parse(&pg, page, 2, 512, 512), MICA_CORRUPT);
  page[3] = 0;
  page[4] = 1; /* one cell */
  page[5] = 0x01;
  page[6] = 0xfc; /* content at 508 */
  page[8] = 0x01;
  page[9] = 0xfc;
  ck_assert_int_eq(btpage_parse(&pg, page, 2, 512, 512), MICA_OK);
  page[508] = 0x81;
  page[509] = 0x81;
  page[510] = 0x81;
  page[511] = 0x81; /* varint runs off the page */
  ck_assert_int_eq(btpage_cell(&pg, 0, &c), MICA_CORRUPT);
  page[508] = 100;
  page[509] = 1; /* payload of 100 bytes doesn't fit */
  ck_assert_int_eq(btpage_cell(&pg, 0, &c), MICA_CORRUPT);
  page[8] = 0x00;
  page[9] = 0x05; /* pointer into the header */
  ck_assert_int_eq(btpage_cell(&pg, 0, &c), MICA_CORRUPT);
  /* Random pages never crash. */
  uint64_t s = 88172645463325252ULL;
  for (int it = 0; it < 3000; it++) {
    for (int i = 0; i < 512; i++) {
      s ^= s << 13;
      s ^= s >> 7;
      s ^= s << 17;
      page[i] = (uint8_t)s;
    }
    page[0] = (uint8_t)(it % 4 == 0 ? 2 : it % 4 == 1 ? 5 : it % 4 == 2 ? 10 : 13);
    page[3] = 0;
    page[4] &= 0x3f;
    page[5] &= 0x01; /* keep the content offset inside the page so cells get parsed */
    if (btpage_parse(&pg, page, 2, 512, 512) == MICA_OK)
      for (int i = 0; i < pg.ncell; i++)
        (void)btpage_cell(&pg, i, &c);
  }
}
END_TEST

static int count_cb(void *arg, int ncol, char **vals, char **names) {
  (void)ncol;
  (void)names;
  snprintf(arg, 64, "%s", vals[0] ? vals[0] : "NULL");
  return 0;
}

/* Builds a two-page file by hand with the page writer (header, sqlite_schema row, table leaf with
 * random inserts and deletes), then lets sqlite3 check it and read it back. */
START_TEST(test_written_pages_pass_sqlite_integrity_check) {
  const uint32_t ps = 4096;
  uint8_t *file = calloc(2, ps);
  btree_format_header(file, ps, 0, 2, 1);
  file[43] = 1; /* schema cookie */
  btpage_init(file, 1, BTP_LEAF_TABLE, ps);
  BtPage pg;
  ck_assert_int_eq(btpage_parse(&pg, file, 1, ps, ps), MICA_OK);
  const char *sql = "CREATE TABLE t(a INTEGER PRIMARY KEY, b)";
  RecValue sv[5] = {{.type = REC_TEXT, .u.s = {"table", 5}},
                    {.type = REC_TEXT, .u.s = {"t", 1}},
                    {.type = REC_TEXT, .u.s = {"t", 1}},
                    {.type = REC_INT, .u.i = 2},
                    {.type = REC_TEXT, .u.s = {sql, (uint32_t)strlen(sql)}}};
  uint8_t rec[600], cell[700];
  size_t rn = record_encode(sv, 5, rec);
  uint32_t cn = btree_build_leaf_cell(cell, ps, 1, 1, rec, (uint32_t)rn, 0);
  ck_assert_int_eq(btpage_insert_cell(file, &pg, 0, cell, cn), MICA_OK);

  uint8_t *p2 = file + ps;
  btpage_init(p2, 2, BTP_LEAF_TABLE, ps);
  ck_assert_int_eq(btpage_parse(&pg, p2, 2, ps, ps), MICA_OK);
  int64_t model[400];
  uint32_t model_len[400];
  int nmodel = 0;
  uint64_t s = 1234567;
  for (int it = 0; it < 400; it++) {
    s = s * 6364136223846793005ULL + 1442695040888963407ULL;
    if (nmodel > 0 && (s >> 60) < 5) { /* delete a random row */
      int k = (int)((s >> 20) % (uint64_t)nmodel);
      ck_assert_int_eq(btpage_drop_cell(p2, &pg, k), MICA_OK);
      memmove(model + k, model + k + 1, sizeof model[0] * (size_t)(nmodel - k - 1));
      memmove(model_len + k, model_len + k + 1, sizeof model_len[0] * (size_t)(nmodel - k - 1));
      nmodel--;
      continue;
    }
    int64_t rowid = (int64_t)((s >> 33) % 100000);
    int pos = 0;
    while (pos < nmodel && model[pos] < rowid)
      pos++;
    if (pos < nmodel && model[pos] == rowid) continue;
    uint32_t blen = (uint32_t)((s >> 8) % 300);
    char blob[300];
    memset(blob, 'x', blen);
    RecValue rv[2] = {{.type = REC_NULL}, {.type = REC_BLOB, .u.s = {blob, blen}}};
    rn = record_encode(rv, 2, rec);
    cn = btree_build_leaf_cell(cell, ps, 1, rowid, rec, (uint32_t)rn, 0);
    int rc = btpage_insert_cell(p2, &pg, pos, cell, cn);
    if (rc == MICA_FULL) continue;
    ck_assert_int_eq(rc, MICA_OK);
    memmove(model + pos + 1, model + pos, sizeof model[0] * (size_t)(nmodel - pos));
    memmove(model_len + pos + 1, model_len + pos, sizeof model_len[0] * (size_t)(nmodel - pos));
    model[pos] = rowid;
    model_len[pos] = blen;
    nmodel++;
  }
  ck_assert_int_gt(nmodel, 5);
  char path[64];
  snprintf(path, sizeof path, "/tmp/mica_test_btree_w_%d.db", (int)getpid());
  FILE *f = fopen(path, "wb");
  ck_assert_ptr_nonnull(f);
  ck_assert_uint_eq(fwrite(file, 1, 2 * ps, f), 2 * ps);
  fclose(f);
  free(file);
  sqlite3 *db;
  char out[64];
  ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
  ck_assert_int_eq(sqlite3_exec(db, "PRAGMA integrity_check", count_cb, out, NULL), SQLITE_OK);
  ck_assert_str_eq(out, "ok");
  ck_assert_int_eq(sqlite3_exec(db, "SELECT count(*) FROM t", count_cb, out, NULL), SQLITE_OK);
  ck_assert_int_eq(atoi(out), nmodel);
  {
    DbImage img;
    load_image(path, &img);
    char *rep = check_image(&img);
    ck_assert_ptr_null(rep);
    /* Swap two cell pointers: rowids out of order must be reported. */
    uint8_t *p2 = img.data + ps;
    uint8_t t0 = p2[8], t1 = p2[9];
    p2[8] = p2[10];
    p2[9] = p2[11];
    p2[10] = t0;
    p2[11] = t1;
    rep = check_image(&img);
    ck_assert_ptr_nonnull(rep);
    ck_assert_ptr_nonnull(strstr(rep, "out of order"));
    free(rep);
    /* Two pointers to one cell: its bytes are used twice. */
    p2[8] = p2[10];
    p2[9] = p2[11];
    rep = check_image(&img);
    ck_assert_ptr_nonnull(rep);
    ck_assert_ptr_nonnull(strstr(rep, "Multiple uses for byte"));
    free(rep);
    /* A wrong fragment count (on a fresh copy of the file). */
    {
      DbImage img2;
      load_image(path, &img2);
      img2.data[ps + 7] += 3;
      rep = check_image(&img2);
      ck_assert_ptr_nonnull(rep);
      ck_assert_ptr_nonnull(strstr(rep, "Fragmentation of"));
      free(rep);
      free(img2.data);
    }
    free(img.data);
  }
  int64_t sum = 0, lsum = 0;
  for (int i = 0; i < nmodel; i++) {
    sum += model[i];
    lsum += model_len[i];
  }
  ck_assert_int_eq(sqlite3_exec(db, "SELECT sum(a) FROM t", count_cb, out, NULL), SQLITE_OK);
  ck_assert_int_eq(atoll(out), sum);
  ck_assert_int_eq(sqlite3_exec(db, "SELECT total(length(b)) FROM t", count_cb, out, NULL), SQLITE_OK);
  ck_assert_int_eq((int64_t)atof(out), lsum);
  sqlite3_close(db);
  unlink(path);
}
END_TEST

/* Builds a two-level table tree with overflow chains by hand (leaf cells, interior root, overflow
 * pages) and has sqlite3 and btree_check_pages verify it. */
START_TEST(test_handbuilt_two_level_tree_with_overflow_is_valid) {
  const uint32_t ps = 1024, U = 1024;
  uint32_t npages = 2;
  uint8_t *img = calloc(2, ps);
  uint32_t leaves[256] = {0};
  int64_t maxrow[256];
  int nleaves = 0;
  BtPage leaf;
  uint8_t *buf = malloc(6000), *rec = malloc(6100), *cell = malloc(7000);
  int64_t total_len = 0;
  const int nrows = 150;
  for (int64_t r = 1; r <= nrows; r++) {
    uint32_t blen = (uint32_t)((r * 2654435761u) % 5000);
    for (uint32_t i = 0; i < blen; i++)
      buf[i] = (uint8_t)(r * 3 + i);
    total_len += blen;
    RecValue rv[2] = {{.type = REC_NULL}, {.type = REC_BLOB, .u.s = {(const char *)buf, blen}}};
    uint32_t rn = (uint32_t)record_encode(rv, 2, rec);
    uint32_t local = btree_local_size(U, 1, rn);
    uint32_t ovfl = 0;
    if (local < rn) { /* write the overflow chain */
      uint32_t done = local, prev = 0;
      while (done < rn) {
        img = test_grow(img, (size_t)(npages + 1) * ps);
        uint8_t *op = img + (size_t)npages * ps;
        memset(op, 0, ps);
        npages++;
        if (prev) {
          uint8_t *pp = img + (size_t)(prev - 1) * ps;
          pp[0] = (uint8_t)(npages >> 24);
          pp[1] = (uint8_t)(npages >> 16);
          pp[2] = (uint8_t)(npages >> 8);
          pp[3] = (uint8_t)npages;
        } else {
          ovfl = npages;
        }
        uint32_t take = rn - done < U - 4 ? rn - done : U - 4;
        memcpy(op + 4, rec + done, take);
        done += take;
        prev = npages;
      }
    }
    uint32_t cn = btree_build_leaf_cell(cell, U, 1, r, rec, rn, ovfl);
    if (nleaves) /* img may have moved (realloc): re-parse the current leaf */
      ck_assert_int_eq(
          btpage_parse(&leaf, img + (size_t)(leaves[nleaves - 1] - 1) * ps, leaves[nleaves - 1], ps, U),
          MICA_OK);
    int rc = nleaves ? btpage_insert_cell(img + (size_t)(leaves[nleaves - 1] - 1) * ps, &leaf, leaf.ncell,
                                          cell, cn)
                     : MICA_FULL;
    if (rc == MICA_FULL) {
      img = test_grow(img, (size_t)(npages + 1) * ps);
      npages++;
      uint8_t *lp = img + (size_t)(npages - 1) * ps;
      memset(lp, 0, ps);
      btpage_init(lp, npages, BTP_LEAF_TABLE, U);
      ck_assert_int_eq(btpage_parse(&leaf, lp, npages, ps, U), MICA_OK);
      ck_assert_int_lt(nleaves, 256);
      leaves[nleaves++] = npages;
      rc = btpage_insert_cell(lp, &leaf, 0, cell, cn);
    }
    ck_assert_int_eq(rc, MICA_OK);
    maxrow[nleaves - 1] = r;
  }
  ck_assert_int_gt(nleaves, 2);
  /* Root (page 2): dividers = max rowid of each leaf but the last; right child = last leaf. */
  BtPage root;
  uint8_t *rp = img + ps;
  btpage_init(rp, 2, BTP_INTERIOR_TABLE, U);
  rp[8] = (uint8_t)(leaves[nleaves - 1] >> 24);
  rp[9] = (uint8_t)(leaves[nleaves - 1] >> 16);
  rp[10] = (uint8_t)(leaves[nleaves - 1] >> 8);
  rp[11] = (uint8_t)leaves[nleaves - 1];
  ck_assert_int_eq(btpage_parse(&root, rp, 2, ps, U), MICA_OK);
  for (int i = 0; i < nleaves - 1; i++) {
    uint32_t cn = btree_build_interior_cell(cell, U, 1, leaves[i], maxrow[i], NULL, 0, 0);
    ck_assert_int_eq(btpage_insert_cell(rp, &root, i, cell, cn), MICA_OK);
  }
  /* Page 1: header and the schema row. */
  btree_format_header(img, ps, 0, npages, 1);
  img[43] = 1;
  btpage_init(img, 1, BTP_LEAF_TABLE, U);
  BtPage p1;
  ck_assert_int_eq(btpage_parse(&p1, img, 1, ps, U), MICA_OK);
  const char *sql = "CREATE TABLE t(a INTEGER PRIMARY KEY, b)";
  RecValue sv[5] = {{.type = REC_TEXT, .u.s = {"table", 5}},
                    {.type = REC_TEXT, .u.s = {"t", 1}},
                    {.type = REC_TEXT, .u.s = {"t", 1}},
                    {.type = REC_INT, .u.i = 2},
                    {.type = REC_TEXT, .u.s = {sql, (uint32_t)strlen(sql)}}};
  uint32_t rn = (uint32_t)record_encode(sv, 5, rec);
  uint32_t cn = btree_build_leaf_cell(cell, U, 1, 1, rec, rn, 0);
  ck_assert_int_eq(btpage_insert_cell(img, &p1, 0, cell, cn), MICA_OK);

  DbImage di = {img, (size_t)npages * ps, ps, U, npages};
  char *rep = check_image(&di);
  if (rep) fprintf(stderr, "%s\n", rep);
  ck_assert_ptr_null(rep);

  char path[64], out[64];
  snprintf(path, sizeof path, "/tmp/mica_test_btree_t_%d.db", (int)getpid());
  FILE *f = fopen(path, "wb");
  ck_assert_ptr_nonnull(f);
  ck_assert_uint_eq(fwrite(img, 1, di.size, f), di.size);
  fclose(f);
  sqlite3 *db;
  ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
  ck_assert_int_eq(sqlite3_exec(db, "PRAGMA integrity_check", count_cb, out, NULL), SQLITE_OK);
  ck_assert_str_eq(out, "ok");
  ck_assert_int_eq(sqlite3_exec(db, "SELECT count(*) FROM t", count_cb, out, NULL), SQLITE_OK);
  ck_assert_int_eq(atoi(out), nrows);
  ck_assert_int_eq(sqlite3_exec(db, "SELECT total(length(b)) FROM t", count_cb, out, NULL), SQLITE_OK);
  ck_assert_int_eq((int64_t)atof(out), total_len);
  /* Byte-exact content of one spilled row. */
  int64_t best = 1;
  uint32_t blen_best = 0;
  for (int64_t r = 1; r <= nrows; r++) {
    uint32_t l = (uint32_t)((r * 2654435761u) % 5000);
    if (l > blen_best) {
      blen_best = l;
      best = r;
    }
  }
  ck_assert_uint_gt(blen_best, 3 * U);
  char q[128], want[8];
  snprintf(q, sizeof q, "SELECT hex(substr(b, %u, 2)) FROM t WHERE a = %lld", blen_best - 1, (long long)best);
  ck_assert_int_eq(sqlite3_exec(db, q, count_cb, out, NULL), SQLITE_OK);
  snprintf(want, sizeof want, "%02X%02X", (uint8_t)(best * 3 + blen_best - 2),
           (uint8_t)(best * 3 + blen_best - 1));
  ck_assert_str_eq(out, want);
  sqlite3_close(db);
  unlink(path);
  free(img);
  free(buf);
  free(rec);
  free(cell);
}
END_TEST

/* ---------------------------------------------------------------- tree layer (btree.h) */

/* Deterministic pseudo-random numbers for the tree tests. */
static uint64_t rng_next(uint64_t *s) {
  *s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
  return *s >> 33;
}

/* Row content: b is a blob of len bytes derived from (rowid, ver). */
static void fill_blob(uint8_t *b, uint32_t len, int64_t rowid, uint32_t ver) {
  for (uint32_t i = 0; i < len; i++)
    b[i] = (uint8_t)(rowid * 31 + i * 7 + ver);
}

/* Encodes the table row (NULL, blob) or the index key (blob, rowid). Returns a malloc'd record. */
static uint8_t *make_row(const uint8_t *b, uint32_t len, int64_t rowid, int as_index, uint32_t *n) {
  RecValue v[2];
  if (as_index) {
    v[0].type = REC_BLOB;
    v[0].u.s.p = (const char *)b;
    v[0].u.s.n = len;
    v[1].type = REC_INT;
    v[1].u.i = rowid;
  } else {
    v[0].type = REC_NULL;
    v[1].type = REC_BLOB;
    v[1].u.s.p = (const char *)b;
    v[1].u.s.n = len;
  }
  size_t sz = record_size(v, 2);
  uint8_t *r = malloc(sz);
  record_encode(v, 2, r);
  *n = (uint32_t)sz;
  return r;
}

static void put_schema_row(Btree *bt, int64_t rowid, const char *type, const char *name, const char *tbl,
                           uint32_t root, const char *sql) {
  RecValue v[5] = {{.type = REC_TEXT, .u.s = {type, (uint32_t)strlen(type)}},
                   {.type = REC_TEXT, .u.s = {name, (uint32_t)strlen(name)}},
                   {.type = REC_TEXT, .u.s = {tbl, (uint32_t)strlen(tbl)}},
                   {.type = REC_INT, .u.i = root},
                   {.type = REC_TEXT, .u.s = {sql, (uint32_t)strlen(sql)}}};
  uint8_t rec[512];
  size_t n = record_encode(v, 5, rec);
  BtCursor *c;
  ck_assert_int_eq(btree_cursor_open(bt, 1, 1, NULL, &c), MICA_OK);
  ck_assert_int_eq(btree_insert(c, rowid, rec, (uint32_t)n), MICA_OK);
  btree_cursor_close(c);
  uint32_t cookie;
  ck_assert_int_eq(btree_get_meta(bt, BTREE_SCHEMA_VERSION, &cookie), MICA_OK);
  ck_assert_int_eq(btree_update_meta(bt, BTREE_SCHEMA_VERSION, cookie + 1), MICA_OK);
}

static void sqlite_query(const char *path, const char *sql, char *out) {
  sqlite3 *db;
  ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
  out[0] = 0;
  int rc = sqlite3_exec(db, sql, count_cb, out, NULL);
  if (rc != SQLITE_OK) ck_abort_msg("sqlite3: %s: %s", sql, sqlite3_errmsg(db));
  sqlite3_close(db);
}

static void assert_integrity(Btree *bt, const uint32_t *roots, int n) {
  char *rep = NULL;
  ck_assert_int_eq(btree_integrity_check(bt, roots, n, 20, &rep), MICA_OK);
  if (rep) {
    fprintf(stderr, "%s\n", rep);
    free(rep);
    ck_abort_msg("integrity check failed");
  }
}

typedef struct Model {
  int64_t rowid[6000];
  uint32_t len[6000], ver[6000];
  int n;
} Model;

static int model_find(const Model *m, int64_t rowid, int *pos) {
  int lo = 0, hi = m->n;
  while (lo < hi) {
    int mid = (lo + hi) / 2;
    if (m->rowid[mid] < rowid)
      lo = mid + 1;
    else
      hi = mid;
  }
  *pos = lo;
  return lo < m->n && m->rowid[lo] == rowid;
}

/* Deletes the index entry (blob, rowid), which must exist. */
static void index_delete(BtCursor *ic, const uint8_t *b, uint32_t len, int64_t rowid) {
  uint32_t kn;
  uint8_t *k = make_row(b, len, rowid, 1, &kn);
  UnpackedKey key = {NULL, k, kn, 0};
  int res;
  ck_assert_int_eq(btree_seek_key(ic, &key, &res), MICA_OK);
  ck_assert_int_eq(res, 0);
  ck_assert_int_eq(btree_delete(ic), MICA_OK);
  free(k);
}

static void run_random_ops(uint32_t ps, int nops, uint64_t seed) {
  char path[96], out[64];
  snprintf(path, sizeof path, "/tmp/mica_test_btree_rand_%d_%u.db", (int)getpid(), ps);
  unlink(path);
  Btree *bt;
  ck_assert_int_eq(btree_open(path, BTREE_OPEN_CREATE, &bt), MICA_OK);
  ck_assert_int_eq(btree_set_page_size(bt, ps, 0), MICA_OK);
  ck_assert_int_eq(btree_begin_write(bt, 1000), MICA_OK);
  uint32_t troot, iroot;
  ck_assert_int_eq(btree_create_table(bt, BTREE_INTKEY, &troot), MICA_OK);
  ck_assert_int_eq(btree_create_table(bt, BTREE_BLOBKEY, &iroot), MICA_OK);
  put_schema_row(bt, 1, "table", "t", "t", troot, "CREATE TABLE t(a INTEGER PRIMARY KEY, b)");
  put_schema_row(bt, 2, "index", "i", "t", iroot, "CREATE INDEX i ON t(b)");
  static Model m;
  m.n = 0;
  uint64_t s = seed;
  uint8_t *blob = malloc(4 * ps);
  BtCursor *tc, *ic;
  ck_assert_int_eq(btree_cursor_open(bt, troot, 1, NULL, &tc), MICA_OK);
  ck_assert_int_eq(btree_cursor_open(bt, iroot, 1, NULL, &ic), MICA_OK);
  for (int op = 0; op < nops; op++) {
    uint64_t r = rng_next(&s);
    int pos, res;
    if (op % 500 == 499) { /* commit now and then */
      ck_assert_int_eq(btree_commit(bt), MICA_OK);
      ck_assert_int_eq(btree_begin_write(bt, 1000), MICA_OK);
    }
    if (m.n > 0 && r % 100 < 35) {
      pos = (int)(rng_next(&s) % (uint64_t)m.n);
      int64_t rowid = m.rowid[pos];
      ck_assert_int_eq(btree_seek_rowid(tc, rowid, &res), MICA_OK);
      ck_assert_int_eq(res, 0);
      ck_assert_int_eq(btree_delete(tc), MICA_OK);
      fill_blob(blob, m.len[pos], rowid, m.ver[pos]);
      index_delete(ic, blob, m.len[pos], rowid);
      memmove(m.rowid + pos, m.rowid + pos + 1, sizeof m.rowid[0] * (size_t)(m.n - pos - 1));
      memmove(m.len + pos, m.len + pos + 1, sizeof m.len[0] * (size_t)(m.n - pos - 1));
      memmove(m.ver + pos, m.ver + pos + 1, sizeof m.ver[0] * (size_t)(m.n - pos - 1));
      m.n--;
      continue;
    }
    int64_t rowid = (int64_t)(rng_next(&s) % 4000) - 100; /* some negative rowids too */
    uint64_t lr = rng_next(&s) % 100;
    uint32_t len = lr < 70   ? (uint32_t)(rng_next(&s) % 60)
                   : lr < 95 ? (uint32_t)(rng_next(&s) % ps)
                             : (uint32_t)(rng_next(&s) % (3 * ps));
    uint32_t ver = (uint32_t)op;
    if (model_find(&m, rowid, &pos)) {
      fill_blob(blob, m.len[pos], rowid, m.ver[pos]);
      index_delete(ic, blob, m.len[pos], rowid);
    } else {
      if (m.n == 6000) continue;
      memmove(m.rowid + pos + 1, m.rowid + pos, sizeof m.rowid[0] * (size_t)(m.n - pos));
      memmove(m.len + pos + 1, m.len + pos, sizeof m.len[0] * (size_t)(m.n - pos));
      memmove(m.ver + pos + 1, m.ver + pos, sizeof m.ver[0] * (size_t)(m.n - pos));
      m.n++;
    }
    m.rowid[pos] = rowid;
    m.len[pos] = len;
    m.ver[pos] = ver;
    fill_blob(blob, len, rowid, ver);
    uint32_t n;
    uint8_t *rec = make_row(blob, len, rowid, 0, &n);
    ck_assert_int_eq(btree_insert(tc, rowid, rec, n), MICA_OK);
    ck_assert_int_eq(btree_rowid(tc), rowid);
    free(rec);
    rec = make_row(blob, len, rowid, 1, &n);
    ck_assert_int_eq(btree_insert(ic, 0, rec, n), MICA_OK);
    free(rec);
  }
  /* Forward scan of the table against the model. */
  int eof, i = 0;
  ck_assert_int_eq(btree_first(tc, &eof), MICA_OK);
  while (!eof) {
    ck_assert_int_lt(i, m.n);
    ck_assert_int_eq(btree_rowid(tc), m.rowid[i]);
    const void *d;
    uint32_t n;
    ck_assert_int_eq(btree_data(tc, &d, &n), MICA_OK);
    RecValue v[2];
    int nf;
    ck_assert_int_eq(record_decode(d, n, v, 2, &nf), MICA_OK);
    ck_assert_int_eq(v[1].u.s.n, m.len[i]);
    fill_blob(blob, m.len[i], m.rowid[i], m.ver[i]);
    ck_assert(memcmp(v[1].u.s.p, blob, m.len[i]) == 0);
    i++;
    ck_assert_int_eq(btree_next(tc, &eof), MICA_OK);
  }
  ck_assert_int_eq(i, m.n);
  /* Backward scan. */
  ck_assert_int_eq(btree_last(tc, &eof), MICA_OK);
  while (!eof) {
    i--;
    ck_assert_int_ge(i, 0);
    ck_assert_int_eq(btree_rowid(tc), m.rowid[i]);
    ck_assert_int_eq(btree_prev(tc, &eof), MICA_OK);
  }
  ck_assert_int_eq(i, 0);
  /* Seeks to missing rowids land next to them. */
  for (int k = 0; k < 200; k++) {
    int64_t rowid = (int64_t)(rng_next(&s) % 4200) - 150;
    int pos, res;
    int found = model_find(&m, rowid, &pos);
    ck_assert_int_eq(btree_seek_rowid(tc, rowid, &res), MICA_OK);
    if (m.n == 0) {
      ck_assert(btree_eof(tc));
      continue;
    }
    if (found)
      ck_assert_int_eq(res, 0);
    else if (res < 0)
      ck_assert_int_eq(btree_rowid(tc), m.rowid[pos - 1]);
    else
      ck_assert_int_eq(btree_rowid(tc), m.rowid[pos]);
  }
  /* The index has one entry per row, in key order, and backward scan matches. */
  int64_t cnt = 0, icount;
  uint8_t *prev = NULL;
  uint32_t nprev = 0;
  ck_assert_int_eq(btree_first(ic, &eof), MICA_OK);
  while (!eof) {
    const void *d;
    uint32_t n;
    ck_assert_int_eq(btree_data(ic, &d, &n), MICA_OK);
    RecValue v[2];
    int nf, pos;
    ck_assert_int_eq(record_decode(d, n, v, 2, &nf), MICA_OK);
    ck_assert(model_find(&m, v[1].u.i, &pos));
    ck_assert_int_eq(v[0].u.s.n, m.len[pos]);
    if (prev) {
      UnpackedKey pk = {NULL, prev, nprev, 0};
      ck_assert_int_lt(record_compare_key(&pk, d, n, NULL), 0);
    }
    free(prev);
    prev = malloc(n);
    memcpy(prev, d, n);
    nprev = n;
    cnt++;
    ck_assert_int_eq(btree_next(ic, &eof), MICA_OK);
  }
  free(prev);
  ck_assert_int_eq(cnt, m.n);
  ck_assert_int_eq(btree_count(ic, &icount), MICA_OK);
  ck_assert_int_eq(icount, m.n);
  ck_assert_int_eq(btree_last(ic, &eof), MICA_OK);
  while (!eof) {
    cnt--;
    ck_assert_int_eq(btree_prev(ic, &eof), MICA_OK);
  }
  ck_assert_int_eq(cnt, 0);
  btree_cursor_close(tc);
  btree_cursor_close(ic);
  uint32_t roots[3] = {1, troot, iroot};
  assert_integrity(bt, roots, 3);
  ck_assert_int_eq(btree_commit(bt), MICA_OK);
  ck_assert_int_eq(btree_close(bt), MICA_OK);
  free(blob);
  /* sqlite3 agrees. */
  sqlite_query(path, "PRAGMA integrity_check", out);
  ck_assert_str_eq(out, "ok");
  sqlite_query(path, "SELECT count(*) FROM t", out);
  ck_assert_int_eq(atoi(out), m.n);
  int64_t lsum = 0;
  for (int k = 0; k < m.n; k++)
    lsum += m.len[k];
  sqlite_query(path, "SELECT total(length(b)) FROM t", out);
  ck_assert_int_eq((int64_t)atof(out), lsum);
  unlink(path);
}

START_TEST(test_btree_random_insert_delete_keeps_order) {
  run_random_ops(512, 2500, 42);
  run_random_ops(4096, 3000, 7);
  run_random_ops(1024, 2000, 99);
}
END_TEST

/* Sequential appends keep leaves well filled (quick balance). */
START_TEST(test_btree_appends_fill_pages) {
  Btree *bt;
  ck_assert_int_eq(btree_open(":memory:", 0, &bt), MICA_OK);
  ck_assert_int_eq(btree_begin_write(bt, 0), MICA_OK);
  uint32_t root;
  ck_assert_int_eq(btree_create_table(bt, BTREE_INTKEY, &root), MICA_OK);
  BtCursor *c;
  ck_assert_int_eq(btree_cursor_open(bt, root, 1, NULL, &c), MICA_OK);
  uint8_t blob[100];
  memset(blob, 7, sizeof blob);
  uint32_t n;
  uint8_t *rec = make_row(blob, sizeof blob, 0, 0, &n);
  for (int64_t r = 1; r <= 10000; r++)
    ck_assert_int_eq(btree_insert(c, r, rec, n), MICA_OK);
  free(rec);
  /* 10000 cells of ~106 bytes: 38 per 4096-byte page when full. */
  ck_assert_uint_lt(btree_page_count(bt), 10000 / 38 * 115 / 100);
  int64_t cnt;
  ck_assert_int_eq(btree_count(c, &cnt), MICA_OK);
  ck_assert_int_eq(cnt, 10000);
  btree_cursor_close(c);
  uint32_t roots[2] = {1, root};
  assert_integrity(bt, roots, 2);
  ck_assert_int_eq(btree_commit(bt), MICA_OK);
  ck_assert_int_eq(btree_close(bt), MICA_OK);
}
END_TEST

/* A scan that deletes the row it is on continues with the next row; other cursors on the tree
 * reposition after changes made through another cursor. */
START_TEST(test_btree_delete_during_scan_continues) {
  Btree *bt;
  ck_assert_int_eq(btree_open(":memory:", 0, &bt), MICA_OK);
  ck_assert_int_eq(btree_set_page_size(bt, 512, 0), MICA_OK);
  ck_assert_int_eq(btree_begin_write(bt, 0), MICA_OK);
  uint32_t troot, iroot;
  ck_assert_int_eq(btree_create_table(bt, BTREE_INTKEY, &troot), MICA_OK);
  ck_assert_int_eq(btree_create_table(bt, BTREE_BLOBKEY, &iroot), MICA_OK);
  BtCursor *c, *other, *ic;
  ck_assert_int_eq(btree_cursor_open(bt, troot, 1, NULL, &c), MICA_OK);
  ck_assert_int_eq(btree_cursor_open(bt, troot, 0, NULL, &other), MICA_OK);
  ck_assert_int_eq(btree_cursor_open(bt, iroot, 1, NULL, &ic), MICA_OK);
  uint8_t blob[40];
  for (int64_t r = 1; r <= 2000; r++) {
    uint32_t n;
    fill_blob(blob, sizeof blob, r, 0);
    uint8_t *rec = make_row(blob, (uint32_t)(r % 40), r, 0, &n);
    ck_assert_int_eq(btree_insert(c, r, rec, n), MICA_OK);
    free(rec);
    rec = make_row(blob, (uint32_t)(r % 40), r, 1, &n);
    ck_assert_int_eq(btree_insert(ic, 0, rec, n), MICA_OK);
    free(rec);
  }
  /* other sits on row 999; c deletes 999 and 1000; other's next is 1001. */
  int res, eof;
  ck_assert_int_eq(btree_seek_rowid(other, 999, &res), MICA_OK);
  ck_assert_int_eq(res, 0);
  ck_assert_int_eq(btree_seek_rowid(c, 999, &res), MICA_OK);
  ck_assert_int_eq(btree_delete(c), MICA_OK);
  ck_assert_int_eq(btree_seek_rowid(c, 1000, &res), MICA_OK);
  ck_assert_int_eq(btree_delete(c), MICA_OK);
  ck_assert_int_eq(btree_next(other, &eof), MICA_OK);
  ck_assert_int_eq(eof, 0);
  ck_assert_int_eq(btree_rowid(other), 1001);
  ck_assert_int_eq(btree_prev(other, &eof), MICA_OK);
  ck_assert_int_eq(btree_rowid(other), 998);
  /* DELETE ... WHERE rowid % 3 == 0, scanning with the deleting cursor. */
  int64_t kept = 0, seen = 0, last = 0;
  ck_assert_int_eq(btree_first(c, &eof), MICA_OK);
  while (!eof) {
    int64_t r = btree_rowid(c);
    ck_assert_int_gt(r, last);
    last = r;
    seen++;
    if (r % 3 == 0)
      ck_assert_int_eq(btree_delete(c), MICA_OK);
    else
      kept++;
    ck_assert_int_eq(btree_next(c, &eof), MICA_OK);
  }
  ck_assert_int_eq(seen, 1998);
  int64_t cnt;
  ck_assert_int_eq(btree_count(c, &cnt), MICA_OK);
  ck_assert_int_eq(cnt, kept);
  /* Delete every index entry during a scan (entries live in interior cells too). */
  seen = 0;
  ck_assert_int_eq(btree_first(ic, &eof), MICA_OK);
  while (!eof) {
    seen++;
    ck_assert_int_eq(btree_delete(ic), MICA_OK);
    ck_assert_int_eq(btree_next(ic, &eof), MICA_OK);
  }
  ck_assert_int_eq(seen, 2000);
  ck_assert_int_eq(btree_count(ic, &cnt), MICA_OK);
  ck_assert_int_eq(cnt, 0);
  /* And backwards through the table. */
  ck_assert_int_eq(btree_last(c, &eof), MICA_OK);
  seen = 0;
  while (!eof) {
    seen++;
    ck_assert_int_eq(btree_delete(c), MICA_OK);
    ck_assert_int_eq(btree_prev(c, &eof), MICA_OK);
  }
  ck_assert_int_eq(seen, kept);
  ck_assert_int_eq(btree_first(c, &eof), MICA_OK);
  ck_assert_int_eq(eof, 1);
  btree_cursor_close(c);
  btree_cursor_close(other);
  btree_cursor_close(ic);
  uint32_t roots[3] = {1, troot, iroot};
  assert_integrity(bt, roots, 3);
  ck_assert_int_eq(btree_commit(bt), MICA_OK);
  ck_assert_int_eq(btree_close(bt), MICA_OK);
}
END_TEST

/* Freed pages (deleted rows, cleared and dropped tables) are reused before the file grows. */
START_TEST(test_btree_freelist_reuse) {
  Btree *bt;
  ck_assert_int_eq(btree_open(":memory:", 0, &bt), MICA_OK);
  ck_assert_int_eq(btree_set_page_size(bt, 1024, 0), MICA_OK);
  ck_assert_int_eq(btree_begin_write(bt, 0), MICA_OK);
  uint32_t root, root2;
  ck_assert_int_eq(btree_create_table(bt, BTREE_INTKEY, &root), MICA_OK);
  BtCursor *c;
  ck_assert_int_eq(btree_cursor_open(bt, root, 1, NULL, &c), MICA_OK);
  uint8_t *blob = malloc(3000);
  memset(blob, 1, 3000);
  for (int pass = 0; pass < 3; pass++) {
    for (int64_t r = 1; r <= 300; r++) {
      uint32_t n;
      uint8_t *rec = make_row(blob, (uint32_t)(r * 17 % 3000), r, 0, &n);
      ck_assert_int_eq(btree_insert(c, r, rec, n), MICA_OK);
      free(rec);
    }
    uint32_t full = btree_page_count(bt), nfree;
    int64_t nrows;
    if (pass == 0) {
      int eof;
      ck_assert_int_eq(btree_first(c, &eof), MICA_OK);
      while (!eof) {
        ck_assert_int_eq(btree_delete(c), MICA_OK);
        ck_assert_int_eq(btree_next(c, &eof), MICA_OK);
      }
    } else if (pass == 1) {
      ck_assert_int_eq(btree_clear_table(bt, root, &nrows), MICA_OK);
      ck_assert_int_eq(nrows, 300);
    } else {
      btree_cursor_close(c);
      c = NULL;
      ck_assert_int_eq(btree_drop_table(bt, root, NULL), MICA_OK);
    }
    ck_assert_int_eq(btree_get_meta(bt, BTREE_FREE_PAGE_COUNT, &nfree), MICA_OK);
    ck_assert_uint_ge(nfree, full - (pass == 2 ? 2 : 3));
    ck_assert_uint_eq(btree_page_count(bt), full);
    if (pass == 2) {
      ck_assert_int_eq(btree_create_table(bt, BTREE_INTKEY, &root2), MICA_OK);
      ck_assert_uint_lt(root2, full);
      ck_assert_uint_eq(btree_page_count(bt), full);
      uint32_t roots[2] = {1, root2};
      assert_integrity(bt, roots, 2);
    } else {
      uint32_t roots[2] = {1, root};
      assert_integrity(bt, roots, 2);
    }
  }
  free(blob);
  ck_assert_int_eq(btree_commit(bt), MICA_OK);
  ck_assert_int_eq(btree_close(bt), MICA_OK);
}
END_TEST

/* Files sqlite3 wrote (several page sizes, WITHOUT ROWID, overflow) read through cursors; then
 * rows added through the b-tree keep sqlite3's integrity check happy. */
START_TEST(test_btree_reads_and_extends_sqlite_files) {
  static const uint32_t sizes[] = {512, 1024, 4096, 65536};
  for (int si = 0; si < 4; si++) {
    uint32_t ps = sizes[si];
    char path[96], sql[512], out[64];
    snprintf(path, sizeof path, "/tmp/mica_test_btree_sq_%d_%u.db", (int)getpid(), ps);
    unlink(path);
    sqlite3 *db;
    ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
    snprintf(sql, sizeof sql,
             "PRAGMA page_size=%u; CREATE TABLE t(a INTEGER PRIMARY KEY, b); CREATE INDEX tb ON t(b);"
             "CREATE TABLE w(k TEXT PRIMARY KEY, v) WITHOUT ROWID;"
             "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c WHERE x<700)"
             " INSERT INTO t SELECT x*3, randomblob(x*x%%(3*%u)+1) FROM c;"
             "INSERT INTO w SELECT printf('k%%05d', a), a FROM t;",
             ps, ps);
    ck_assert_int_eq(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
    Btree *bt;
    ck_assert_int_eq(btree_open(path, 0, &bt), MICA_OK);
    ck_assert_int_eq(btree_begin_read(bt), MICA_OK);
    ck_assert_uint_eq(btree_page_size(bt), ps);
    /* Find the roots through sqlite_schema. */
    uint32_t troot = 0, iroot = 0, wroot = 0;
    BtCursor *c;
    int eof, res;
    ck_assert_int_eq(btree_cursor_open(bt, 1, 0, NULL, &c), MICA_OK);
    ck_assert_int_eq(btree_first(c, &eof), MICA_OK);
    while (!eof) {
      const void *d;
      uint32_t n;
      RecValue v[5];
      int nf;
      ck_assert_int_eq(btree_data(c, &d, &n), MICA_OK);
      ck_assert_int_eq(record_decode(d, n, v, 5, &nf), MICA_OK);
      if (v[1].u.s.n == 1 && v[1].u.s.p[0] == 't') troot = (uint32_t)v[3].u.i;
      if (v[1].u.s.n == 1 && v[1].u.s.p[0] == 'w') wroot = (uint32_t)v[3].u.i;
      if (v[1].u.s.n == 2 && memcmp(v[1].u.s.p, "tb", 2) == 0) iroot = (uint32_t)v[3].u.i;
      ck_assert_int_eq(btree_next(c, &eof), MICA_OK);
    }
    btree_cursor_close(c);
    ck_assert(troot && iroot && wroot);
    ck_assert_int_eq(btree_cursor_open(bt, troot, 0, NULL, &c), MICA_OK);
    int64_t cnt = 0;
    ck_assert_int_eq(btree_first(c, &eof), MICA_OK);
    while (!eof) {
      cnt++;
      ck_assert_int_eq(btree_rowid(c), cnt * 3);
      const void *d;
      uint32_t n;
      RecValue v[2];
      int nf;
      ck_assert_int_eq(btree_data(c, &d, &n), MICA_OK);
      ck_assert_int_eq(record_decode(d, n, v, 2, &nf), MICA_OK);
      ck_assert_int_eq(v[1].u.s.n, (uint32_t)(cnt * cnt % (3 * ps)) + 1);
      ck_assert_int_eq(btree_next(c, &eof), MICA_OK);
    }
    ck_assert_int_eq(cnt, 700);
    ck_assert_int_eq(btree_seek_rowid(c, 301, &res), MICA_OK);
    ck_assert_int_gt(res, 0);
    ck_assert_int_eq(btree_rowid(c), 303);
    btree_cursor_close(c);
    /* WITHOUT ROWID: prefix seek on the text key. */
    static const RecColl bin[2];
    KeyInfo ki = {2, bin, NULL};
    ck_assert_int_eq(btree_cursor_open(bt, wroot, 0, &ki, &c), MICA_OK);
    RecValue kv = {.type = REC_TEXT, .u.s = {"k00300", 6}};
    uint8_t kr[32];
    size_t kn = record_encode(&kv, 1, kr);
    UnpackedKey key = {&ki, kr, (uint32_t)kn, -1};
    ck_assert_int_eq(btree_seek_key(c, &key, &res), MICA_OK);
    if (res < 0) ck_assert_int_eq(btree_next(c, &eof), MICA_OK);
    {
      const void *d;
      uint32_t n;
      RecValue v[2];
      int nf;
      ck_assert_int_eq(btree_data(c, &d, &n), MICA_OK);
      ck_assert_int_eq(record_decode(d, n, v, 2, &nf), MICA_OK);
      ck_assert_int_eq(v[1].u.i, 300);
    }
    ck_assert_int_eq(btree_count(c, &cnt), MICA_OK);
    ck_assert_int_eq(cnt, 700);
    btree_cursor_close(c);
    uint32_t roots[4] = {1, troot, iroot, wroot};
    assert_integrity(bt, roots, 4);
    /* Add rows through the b-tree (table + index stay consistent for sqlite3). */
    ck_assert_int_eq(btree_begin_write(bt, 0), MICA_OK);
    BtCursor *ic;
    ck_assert_int_eq(btree_cursor_open(bt, troot, 1, NULL, &c), MICA_OK);
    ck_assert_int_eq(btree_cursor_open(bt, iroot, 1, NULL, &ic), MICA_OK);
    uint8_t *blob = malloc(2 * ps);
    for (int64_t r = 1; r <= 400; r++) {
      int64_t rowid = r * 3 - 1;
      uint32_t len = (uint32_t)(r * 7 % (2 * ps)), n;
      fill_blob(blob, len, rowid, 0);
      uint8_t *rec = make_row(blob, len, rowid, 0, &n);
      ck_assert_int_eq(btree_insert(c, rowid, rec, n), MICA_OK);
      free(rec);
      rec = make_row(blob, len, rowid, 1, &n);
      ck_assert_int_eq(btree_insert(ic, 0, rec, n), MICA_OK);
      free(rec);
    }
    free(blob);
    btree_cursor_close(c);
    btree_cursor_close(ic);
    assert_integrity(bt, roots, 4);
    ck_assert_int_eq(btree_commit(bt), MICA_OK);
    ck_assert_int_eq(btree_close(bt), MICA_OK);
    sqlite_query(path, "PRAGMA integrity_check", out);
    ck_assert_str_eq(out, "ok");
    sqlite_query(path, "SELECT count(*) FROM t", out);
    ck_assert_int_eq(atoi(out), 1100);
    unlink(path);
  }
}
END_TEST

static uint8_t *read_file(const char *path, size_t *n) {
  FILE *f = fopen(path, "rb");
  ck_assert_ptr_nonnull(f);
  fseek(f, 0, SEEK_END);
  *n = (size_t)ftell(f);
  fseek(f, 0, SEEK_SET);
  uint8_t *b = malloc(*n);
  ck_assert_uint_eq(fread(b, 1, *n, f), *n);
  fclose(f);
  return b;
}

static void write_file(const char *path, const uint8_t *b, size_t n) {
  FILE *f = fopen(path, "wb");
  ck_assert_ptr_nonnull(f);
  ck_assert_uint_eq(fwrite(b, 1, n, f), n);
  fclose(f);
}

/* Exercises every tree operation on a possibly corrupt file; any error code is fine, crashes and
 * hangs are not (ASan/UBSan watch). */
static int torture(const char *path, uint32_t troot, uint32_t iroot, uint64_t *s) {
  Btree *bt;
  int found = 0;
  if (btree_open(path, 0, &bt) != MICA_OK) return 1;
  if (btree_begin_read(bt) == MICA_OK) {
    uint32_t roots[3] = {1, troot, iroot};
    for (int r = 0; r < 3; r++) {
      BtCursor *c;
      int eof, res, steps = 0;
      int64_t n;
      ck_assert_int_eq(btree_cursor_open(bt, roots[r], 0, NULL, &c), MICA_OK);
      if (btree_first(c, &eof) == MICA_OK)
        while (!eof && steps++ < 5000) {
          const void *d;
          uint32_t dn;
          RecValue v[4];
          int nf;
          if (btree_data(c, &d, &dn) == MICA_OK) (void)record_decode(d, dn, v, 4, &nf);
          if (btree_next(c, &eof) != MICA_OK) break;
        }
      steps = 0;
      if (btree_last(c, &eof) == MICA_OK)
        while (!eof && steps++ < 5000)
          if (btree_prev(c, &eof) != MICA_OK) break;
      if (r != 2) (void)btree_seek_rowid(c, (int64_t)(rng_next(s) % 500), &res);
      (void)btree_count(c, &n);
      btree_cursor_close(c);
    }
    char *rep = NULL;
    if (btree_integrity_check(bt, roots, 3, 10, &rep) == MICA_OK) {
      found = rep != NULL;
      free(rep);
    }
    if (btree_begin_write(bt, 0) == MICA_OK) {
      BtCursor *c, *ic;
      ck_assert_int_eq(btree_cursor_open(bt, troot, 1, NULL, &c), MICA_OK);
      ck_assert_int_eq(btree_cursor_open(bt, iroot, 1, NULL, &ic), MICA_OK);
      uint8_t blob[1500];
      for (int k = 0; k < 30; k++) {
        int64_t rowid = (int64_t)(rng_next(s) % 600);
        uint32_t len = (uint32_t)(rng_next(s) % sizeof blob), n;
        fill_blob(blob, len, rowid, 0);
        uint8_t *rec = make_row(blob, len, rowid, 0, &n);
        (void)btree_insert(c, rowid, rec, n);
        free(rec);
        rec = make_row(blob, len, rowid, 1, &n);
        (void)btree_insert(ic, 0, rec, n);
        free(rec);
        int res, eof;
        if (btree_seek_rowid(c, (int64_t)(rng_next(s) % 600), &res) == MICA_OK && !btree_eof(c))
          (void)btree_delete(c);
        if (btree_first(ic, &eof) == MICA_OK && !eof) (void)btree_delete(ic);
      }
      btree_cursor_close(c);
      btree_cursor_close(ic);
      if (rng_next(s) % 2) {
        int64_t n;
        (void)btree_clear_table(bt, iroot, &n);
        (void)btree_drop_table(bt, troot, NULL);
      }
      btree_rollback(bt);
    }
  }
  btree_rollback(bt);
  btree_close(bt);
  return found;
}

#ifndef FUZZ_ITERS
#define FUZZ_ITERS 150
#define FUZZ_SEED 20261124
#endif

/* Files with random damage (bytes, page pointers, counts) give errors, never crashes. */
static void fuzz_corrupt_files(int av) {
  char path[96], cpath[96], wal[110];
  snprintf(path, sizeof path, "/tmp/mica_test_btree_fz_%d.db", (int)getpid());
  snprintf(cpath, sizeof cpath, "/tmp/mica_test_btree_fzc_%d.db", (int)getpid());
  snprintf(wal, sizeof wal, "%s-wal", cpath);
  unlink(path);
  Btree *bt;
  ck_assert_int_eq(btree_open(path, BTREE_OPEN_CREATE, &bt), MICA_OK);
  ck_assert_int_eq(btree_set_page_size(bt, 512, 0), MICA_OK);
  ck_assert_int_eq(btree_set_autovacuum(bt, av), MICA_OK);
  ck_assert_int_eq(btree_begin_write(bt, 0), MICA_OK);
  uint32_t troot, iroot;
  ck_assert_int_eq(btree_create_table(bt, BTREE_INTKEY, &troot), MICA_OK);
  ck_assert_int_eq(btree_create_table(bt, BTREE_BLOBKEY, &iroot), MICA_OK);
  put_schema_row(bt, 1, "table", "t", "t", troot, "CREATE TABLE t(a INTEGER PRIMARY KEY, b)");
  put_schema_row(bt, 2, "index", "i", "t", iroot, "CREATE INDEX i ON t(b)");
  BtCursor *c, *ic;
  ck_assert_int_eq(btree_cursor_open(bt, troot, 1, NULL, &c), MICA_OK);
  ck_assert_int_eq(btree_cursor_open(bt, iroot, 1, NULL, &ic), MICA_OK);
  uint8_t blob[1500];
  for (int64_t r = 1; r <= 300; r++) {
    uint32_t len = (uint32_t)(r * 37 % 1500), n;
    fill_blob(blob, len, r, 0);
    uint8_t *rec = make_row(blob, len, r, 0, &n);
    ck_assert_int_eq(btree_insert(c, r, rec, n), MICA_OK);
    free(rec);
    rec = make_row(blob, len, r, 1, &n);
    ck_assert_int_eq(btree_insert(ic, 0, rec, n), MICA_OK);
    free(rec);
    if (r % 4 == 0) {
      int res;
      ck_assert_int_eq(btree_seek_rowid(c, r - 2, &res), MICA_OK);
      ck_assert_int_eq(btree_delete(c), MICA_OK);
    }
  }
  btree_cursor_close(c);
  btree_cursor_close(ic);
  ck_assert_int_eq(btree_commit(bt), MICA_OK);
  ck_assert_int_eq(btree_close(bt), MICA_OK);
  size_t n;
  uint8_t *img = read_file(path, &n);
  uint32_t npages = (uint32_t)(n / 512);
  uint8_t *copy = malloc(n);
  uint64_t s = FUZZ_SEED + (uint64_t)av;
  int detected = 0;
  for (int it = 0; it < FUZZ_ITERS; it++) {
    memcpy(copy, img, n);
    int nhits = 1 + (int)(rng_next(&s) % 4);
    for (int h = 0; h < nhits; h++) {
      uint32_t pg = 1 + (uint32_t)(rng_next(&s) % npages);
      uint8_t *p = copy + (size_t)(pg - 1) * 512;
      uint32_t lo = pg == 1 ? 100 : 0;
      uint32_t off = lo + (uint32_t)(rng_next(&s) % (512 - lo - 4));
      switch (rng_next(&s) % 4) {
      case 0: p[off] ^= (uint8_t)(1 + rng_next(&s) % 255); break;
      case 1: /* a plausible page number */
        p[off] = 0;
        p[off + 1] = 0;
        p[off + 2] = 0;
        p[off + 3] = (uint8_t)(1 + rng_next(&s) % (npages + 2));
        break;
      case 2: p[lo + 3 + rng_next(&s) % 5] = (uint8_t)rng_next(&s); break; /* header fields */
      default:
        if (pg == 1) p = copy, off = 32 + 4 * (uint32_t)(rng_next(&s) % 2); /* freelist head/count */
        p[off + 3] = (uint8_t)rng_next(&s);
        break;
      }
    }
    unlink(wal);
    write_file(cpath, copy, n);
    detected += torture(cpath, troot, iroot, &s);
  }
  ck_assert_int_gt(detected, FUZZ_ITERS / 5); /* the damage is real: the integrity check sees most of it */
  free(copy);
  free(img);
  unlink(cpath);
  unlink(wal);
  unlink(path);
}

START_TEST(test_btree_corrupt_files_never_crash) {
  fuzz_corrupt_files(0);
  fuzz_corrupt_files(1); /* auto-vacuum: pointer maps, relocation and truncation too */
}
END_TEST

/* Rewrites the sqlite_schema row whose rootpage is `from` to point at `to`. */
static void schema_move_root(Btree *bt, uint32_t from, uint32_t to) {
  BtCursor *c;
  int eof, moved = 0;
  ck_assert_int_eq(btree_cursor_open(bt, 1, 1, NULL, &c), MICA_OK);
  ck_assert_int_eq(btree_first(c, &eof), MICA_OK);
  while (!eof) {
    const void *d;
    uint32_t n;
    RecValue v[5];
    int nf;
    ck_assert_int_eq(btree_data(c, &d, &n), MICA_OK);
    ck_assert_int_eq(record_decode(d, n, v, 5, &nf), MICA_OK);
    if (v[3].type == REC_INT && v[3].u.i == from) {
      v[3].u.i = to;
      uint8_t rec[600];
      size_t rn = record_encode(v, 5, rec);
      ck_assert_int_eq(btree_insert(c, btree_rowid(c), rec, (uint32_t)rn), MICA_OK);
      moved++;
    }
    ck_assert_int_eq(btree_next(c, &eof), MICA_OK);
  }
  ck_assert_int_eq(moved, 1);
  btree_cursor_close(c);
}

static void insert_rows(Btree *bt, uint32_t troot, uint32_t iroot, int64_t from, int64_t to,
                        uint32_t maxlen) {
  BtCursor *c, *ic;
  ck_assert_int_eq(btree_cursor_open(bt, troot, 1, NULL, &c), MICA_OK);
  ic = NULL;
  if (iroot) ck_assert_int_eq(btree_cursor_open(bt, iroot, 1, NULL, &ic), MICA_OK);
  uint8_t *blob = malloc(maxlen + 1);
  for (int64_t r = from; r <= to; r++) {
    uint32_t len = (uint32_t)(r * 131 % (maxlen + 1)), n;
    fill_blob(blob, len, r, 0);
    uint8_t *rec = make_row(blob, len, r, 0, &n);
    ck_assert_int_eq(btree_insert(c, r, rec, n), MICA_OK);
    free(rec);
    if (iroot) {
      rec = make_row(blob, len, r, 1, &n);
      ck_assert_int_eq(btree_insert(ic, 0, rec, n), MICA_OK);
      free(rec);
    }
  }
  free(blob);
  btree_cursor_close(c);
  btree_cursor_close(ic);
}

/* Deletes the rows whose rowid satisfies rowid % mod != keep, from the table and its index. */
static int64_t delete_rows(Btree *bt, uint32_t troot, uint32_t iroot, int mod, uint32_t maxlen) {
  BtCursor *c, *ic;
  int eof;
  int64_t left = 0;
  ck_assert_int_eq(btree_cursor_open(bt, troot, 1, NULL, &c), MICA_OK);
  ck_assert_int_eq(btree_cursor_open(bt, iroot, 1, NULL, &ic), MICA_OK);
  uint8_t *blob = malloc(maxlen + 1);
  ck_assert_int_eq(btree_first(c, &eof), MICA_OK);
  while (!eof) {
    int64_t r = btree_rowid(c);
    if (r % mod != 0) {
      uint32_t len = (uint32_t)(r * 131 % (maxlen + 1));
      fill_blob(blob, len, r, 0);
      ck_assert_int_eq(btree_delete(c), MICA_OK);
      index_delete(ic, blob, len, r);
    } else {
      left++;
    }
    ck_assert_int_eq(btree_next(c, &eof), MICA_OK);
  }
  free(blob);
  btree_cursor_close(c);
  btree_cursor_close(ic);
  return left;
}

/* auto_vacuum=full: pointer maps stay exact through splits, merges, overflow chains and root moves,
 * and commits give freed pages back to the file system (sqlite3 agrees page by page). */
START_TEST(test_btree_autovacuum_full_truncates_and_keeps_pointer_maps) {
  char path[96], out[64];
  snprintf(path, sizeof path, "/tmp/mica_test_btree_av_%d.db", (int)getpid());
  unlink(path);
  Btree *bt;
  ck_assert_int_eq(btree_open(path, BTREE_OPEN_CREATE, &bt), MICA_OK);
  ck_assert_int_eq(btree_set_page_size(bt, 1024, 0), MICA_OK);
  ck_assert_int_eq(btree_set_autovacuum(bt, 1), MICA_OK);
  ck_assert_int_eq(btree_begin_write(bt, 0), MICA_OK);
  ck_assert_int_eq(btree_get_autovacuum(bt), 1);
  uint32_t xroot, troot, iroot, moved;
  ck_assert_int_eq(btree_create_table(bt, BTREE_INTKEY, &xroot), MICA_OK);
  ck_assert_int_eq(btree_create_table(bt, BTREE_INTKEY, &troot), MICA_OK);
  ck_assert_int_eq(btree_create_table(bt, BTREE_BLOBKEY, &iroot), MICA_OK);
  ck_assert_uint_eq(xroot, 3); /* page 2 is the first pointer-map page */
  ck_assert_uint_eq(troot, 4);
  ck_assert_uint_eq(iroot, 5);
  put_schema_row(bt, 1, "table", "x", "x", xroot, "CREATE TABLE x(a INTEGER PRIMARY KEY, b)");
  put_schema_row(bt, 2, "table", "t", "t", troot, "CREATE TABLE t(a INTEGER PRIMARY KEY, b)");
  put_schema_row(bt, 3, "index", "i", "t", iroot, "CREATE INDEX i ON t(b)");
  insert_rows(bt, xroot, 0, 1, 300, 3000);
  insert_rows(bt, troot, iroot, 1, 400, 2500);
  uint32_t roots[4] = {1, xroot, troot, iroot};
  assert_integrity(bt, roots, 4);
  ck_assert_int_eq(btree_commit(bt), MICA_OK);
  ck_assert_int_eq(btree_begin_read(bt), MICA_OK);
  uint32_t full = btree_page_count(bt);
  ck_assert_uint_gt(full, 600); /* several pointer-map pages */
  ck_assert_int_eq(btree_commit(bt), MICA_OK);
  /* sqlite3 checks every pointer-map entry. */
  ck_assert_int_eq(btree_close(bt), MICA_OK);
  sqlite_query(path, "PRAGMA integrity_check", out);
  ck_assert_str_eq(out, "ok");
  sqlite_query(path, "PRAGMA auto_vacuum", out);
  ck_assert_str_eq(out, "1");
  ck_assert_int_eq(btree_open(path, 0, &bt), MICA_OK);

  /* Drop x (not the last root: the index root moves into its slot) and delete most rows of t. */
  ck_assert_int_eq(btree_begin_write(bt, 0), MICA_OK);
  ck_assert_int_eq(btree_drop_table(bt, xroot, &moved), MICA_OK);
  ck_assert_uint_eq(moved, iroot);
  schema_move_root(bt, iroot, xroot);
  iroot = xroot;
  {
    BtCursor *c;
    int res;
    ck_assert_int_eq(btree_cursor_open(bt, 1, 1, NULL, &c), MICA_OK);
    ck_assert_int_eq(btree_seek_rowid(c, 1, &res), MICA_OK);
    ck_assert_int_eq(btree_delete(c), MICA_OK);
    btree_cursor_close(c);
  }
  int64_t left = delete_rows(bt, troot, iroot, 3, 2500);
  uint32_t roots2[3] = {1, troot, iroot};
  assert_integrity(bt, roots2, 3);
  ck_assert_int_eq(btree_commit(bt), MICA_OK);
  ck_assert_int_eq(btree_begin_read(bt), MICA_OK);
  uint32_t after = btree_page_count(bt), nfree;
  ck_assert_int_eq(btree_get_meta(bt, BTREE_FREE_PAGE_COUNT, &nfree), MICA_OK);
  ck_assert_uint_eq(nfree, 0);
  ck_assert_uint_lt(after, full / 2);
  uint32_t largest;
  ck_assert_int_eq(btree_get_meta(bt, BTREE_LARGEST_ROOT_PAGE, &largest), MICA_OK);
  ck_assert_uint_eq(largest, 4);
  assert_integrity(bt, roots2, 3);
  ck_assert_int_eq(btree_commit(bt), MICA_OK);
  /* A new table goes right after the largest root, moving whatever page was there. */
  ck_assert_int_eq(btree_begin_write(bt, 0), MICA_OK);
  uint32_t yroot;
  ck_assert_int_eq(btree_create_table(bt, BTREE_INTKEY, &yroot), MICA_OK);
  ck_assert_uint_eq(yroot, 5);
  put_schema_row(bt, 4, "table", "y", "y", yroot, "CREATE TABLE y(a INTEGER PRIMARY KEY, b)");
  insert_rows(bt, yroot, 0, 1, 50, 2000);
  uint32_t roots3[4] = {1, troot, iroot, yroot};
  assert_integrity(bt, roots3, 4);
  ck_assert_int_eq(btree_commit(bt), MICA_OK);
  ck_assert_int_eq(btree_close(bt), MICA_OK);
  sqlite_query(path, "PRAGMA integrity_check", out);
  ck_assert_str_eq(out, "ok");
  sqlite_query(path, "SELECT count(*) FROM t", out);
  ck_assert_int_eq(atoi(out), left);
  sqlite_query(path, "SELECT count(*) FROM y", out);
  ck_assert_int_eq(atoi(out), 50);
  sqlite_query(path, "PRAGMA freelist_count", out);
  ck_assert_str_eq(out, "0");
  /* VACUUM keeps the file auto-vacuum (roots packed again, pointer maps rebuilt). */
  ck_assert_int_eq(btree_open(path, 0, &bt), MICA_OK);
  ck_assert_int_eq(btree_vacuum(bt, NULL), MICA_OK);
  ck_assert_int_eq(btree_close(bt), MICA_OK);
  sqlite_query(path, "PRAGMA integrity_check", out);
  ck_assert_str_eq(out, "ok");
  sqlite_query(path, "PRAGMA auto_vacuum", out);
  ck_assert_str_eq(out, "1");
  sqlite_query(path, "SELECT count(*) FROM t", out);
  ck_assert_int_eq(atoi(out), left);
  unlink(path);
}
END_TEST

/* Auto-vacuum files sqlite3 wrote can be changed: pointer maps stay valid for sqlite3. */
START_TEST(test_btree_extends_sqlite_autovacuum_files) {
  char path[96], out[64];
  snprintf(path, sizeof path, "/tmp/mica_test_btree_sqav_%d.db", (int)getpid());
  unlink(path);
  sqlite3 *db;
  ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
  ck_assert_int_eq(sqlite3_exec(db,
                                "PRAGMA page_size=512; PRAGMA auto_vacuum=FULL;"
                                "CREATE TABLE t(a INTEGER PRIMARY KEY, b); CREATE INDEX i ON t(b);"
                                "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c WHERE x<200)"
                                " INSERT INTO t SELECT x*1000, zeroblob(x*7%900) FROM c;",
                                NULL, NULL, NULL),
                   SQLITE_OK);
  sqlite3_close(db);
  Btree *bt;
  ck_assert_int_eq(btree_open(path, 0, &bt), MICA_OK);
  ck_assert_int_eq(btree_begin_write(bt, 0), MICA_OK);
  ck_assert_int_eq(btree_get_autovacuum(bt), 1);
  uint32_t before = btree_page_count(bt);
  insert_rows(bt, 3, 4, 1, 300, 1200); /* t is page 3, i page 4 */
  ck_assert_uint_gt(btree_page_count(bt), before * 3 / 2);
  uint32_t roots[3] = {1, 3, 4};
  assert_integrity(bt, roots, 3);
  ck_assert_int_eq(btree_commit(bt), MICA_OK);
  ck_assert_int_eq(btree_begin_write(bt, 0), MICA_OK);
  (void)delete_rows(bt, 3, 4, 1000, 1200); /* back to sqlite3's rows */
  ck_assert_int_eq(btree_commit(bt), MICA_OK);
  ck_assert_int_eq(btree_begin_read(bt), MICA_OK);
  uint32_t peak = btree_page_count(bt);
  ck_assert_uint_le(peak, before * 11 / 10); /* the inserted rows' pages went back */
  assert_integrity(bt, roots, 3);
  ck_assert_int_eq(btree_commit(bt), MICA_OK);
  ck_assert_int_eq(btree_close(bt), MICA_OK);
  sqlite_query(path, "PRAGMA integrity_check", out);
  ck_assert_str_eq(out, "ok");
  sqlite_query(path, "SELECT count(*) FROM t", out);
  ck_assert_int_eq(atoi(out), 200);
  unlink(path);
}
END_TEST

/* Root page of the sqlite_schema entry called name (0 if none). */
static uint32_t schema_root(Btree *bt, const char *name) {
  BtCursor *c;
  int eof;
  uint32_t root = 0;
  ck_assert_int_eq(btree_cursor_open(bt, 1, 0, NULL, &c), MICA_OK);
  ck_assert_int_eq(btree_first(c, &eof), MICA_OK);
  while (!eof) {
    const void *d;
    uint32_t n;
    RecValue v[5];
    int nf;
    ck_assert_int_eq(btree_data(c, &d, &n), MICA_OK);
    ck_assert_int_eq(record_decode(d, n, v, 5, &nf), MICA_OK);
    if (v[1].u.s.n == strlen(name) && memcmp(v[1].u.s.p, name, v[1].u.s.n) == 0) root = (uint32_t)v[3].u.i;
    ck_assert_int_eq(btree_next(c, &eof), MICA_OK);
  }
  btree_cursor_close(c);
  return root;
}

/* VACUUM INTO writes a compact copy, VACUUM compacts in place; both keep every tree in its own
 * order (a DESC index is copied without re-sorting) and pass sqlite3's integrity check. */
START_TEST(test_btree_vacuum_compacts_and_copies) {
  char path[96], into[96], out[64];
  snprintf(path, sizeof path, "/tmp/mica_test_btree_vac_%d.db", (int)getpid());
  snprintf(into, sizeof into, "/tmp/mica_test_btree_vacinto_%d.db", (int)getpid());
  unlink(path);
  unlink(into);
  Btree *bt;
  ck_assert_int_eq(btree_open(path, BTREE_OPEN_CREATE, &bt), MICA_OK);
  ck_assert_int_eq(btree_set_page_size(bt, 1024, 0), MICA_OK);
  ck_assert_int_eq(btree_begin_write(bt, 0), MICA_OK);
  uint32_t troot, iroot, jroot;
  ck_assert_int_eq(btree_create_table(bt, BTREE_INTKEY, &troot), MICA_OK);
  ck_assert_int_eq(btree_create_table(bt, BTREE_BLOBKEY, &iroot), MICA_OK);
  ck_assert_int_eq(btree_create_table(bt, BTREE_BLOBKEY, &jroot), MICA_OK);
  put_schema_row(bt, 1, "table", "t", "t", troot, "CREATE TABLE t(a INTEGER PRIMARY KEY, b)");
  put_schema_row(bt, 2, "index", "i", "t", iroot, "CREATE INDEX i ON t(b)");
  put_schema_row(bt, 3, "index", "j", "t", jroot, "CREATE INDEX j ON t(b DESC)");
  ck_assert_int_eq(btree_update_meta(bt, BTREE_USER_VERSION, 77), MICA_OK);
  insert_rows(bt, troot, iroot, 1, 500, 1500);
  static const uint8_t desc[2] = {1, 0};
  KeyInfo dki = {2, NULL, desc};
  BtCursor *jc;
  ck_assert_int_eq(btree_cursor_open(bt, jroot, 1, &dki, &jc), MICA_OK);
  uint8_t *blob = malloc(1501);
  for (int64_t r = 1; r <= 500; r++) {
    uint32_t len = (uint32_t)(r * 131 % 1501), n;
    fill_blob(blob, len, r, 0);
    uint8_t *rec = make_row(blob, len, r, 1, &n);
    ck_assert_int_eq(btree_insert(jc, 0, rec, n), MICA_OK);
    free(rec);
  }
  ck_assert_int_eq(btree_commit(bt), MICA_OK);
  /* Delete 2/3 of the rows (and their entries in both indexes). */
  ck_assert_int_eq(btree_begin_write(bt, 0), MICA_OK);
  int64_t left = delete_rows(bt, troot, iroot, 3, 1500);
  int eof;
  ck_assert_int_eq(btree_first(jc, &eof), MICA_OK);
  while (!eof) {
    const void *d;
    uint32_t n;
    RecValue v[2];
    int nf;
    ck_assert_int_eq(btree_data(jc, &d, &n), MICA_OK);
    ck_assert_int_eq(record_decode(d, n, v, 2, &nf), MICA_OK);
    if (v[1].u.i % 3 != 0) ck_assert_int_eq(btree_delete(jc), MICA_OK);
    ck_assert_int_eq(btree_next(jc, &eof), MICA_OK);
  }
  btree_cursor_close(jc);
  ck_assert_int_eq(btree_commit(bt), MICA_OK);
  ck_assert_int_eq(btree_begin_read(bt), MICA_OK);
  uint32_t before = btree_page_count(bt);
  ck_assert_int_eq(btree_commit(bt), MICA_OK);
  ck_assert_int_eq(btree_vacuum(bt, into), MICA_OK);
  ck_assert_int_ne(btree_vacuum(bt, into), MICA_OK); /* exists now */
  sqlite_query(into, "PRAGMA integrity_check", out);
  ck_assert_str_eq(out, "ok");
  sqlite_query(into, "SELECT count(*) FROM t", out);
  ck_assert_int_eq(atoi(out), left);
  sqlite_query(into, "PRAGMA freelist_count", out);
  ck_assert_str_eq(out, "0");
  sqlite_query(into, "PRAGMA user_version", out);
  ck_assert_str_eq(out, "77");
  sqlite_query(into, "PRAGMA page_count", out);
  ck_assert_int_lt(atoi(out), (int)before * 2 / 3);
  /* In place. */
  ck_assert_int_eq(btree_vacuum(bt, NULL), MICA_OK);
  ck_assert_int_eq(btree_begin_read(bt), MICA_OK);
  ck_assert_uint_lt(btree_page_count(bt), before * 2 / 3);
  uint32_t roots[4] = {1, schema_root(bt, "t"), schema_root(bt, "i"), schema_root(bt, "j")};
  ck_assert_uint_eq(roots[1], 2);
  assert_integrity(bt, roots, 4);
  /* The DESC index is still in DESC order. */
  ck_assert_int_eq(btree_cursor_open(bt, roots[3], 0, &dki, &jc), MICA_OK);
  uint8_t *prev = NULL;
  uint32_t nprev = 0;
  int64_t cnt = 0;
  ck_assert_int_eq(btree_first(jc, &eof), MICA_OK);
  while (!eof) {
    const void *d;
    uint32_t n;
    ck_assert_int_eq(btree_data(jc, &d, &n), MICA_OK);
    if (prev) {
      UnpackedKey pk = {&dki, prev, nprev, 0};
      ck_assert_int_lt(record_compare_key(&pk, d, n, NULL), 0);
    }
    free(prev);
    prev = malloc(n);
    memcpy(prev, d, n);
    nprev = n;
    cnt++;
    ck_assert_int_eq(btree_next(jc, &eof), MICA_OK);
  }
  free(prev);
  ck_assert_int_eq(cnt, left);
  btree_cursor_close(jc);
  ck_assert_int_eq(btree_commit(bt), MICA_OK);
  ck_assert_int_eq(btree_close(bt), MICA_OK);
  free(blob);
  sqlite_query(path, "PRAGMA integrity_check", out);
  ck_assert_str_eq(out, "ok");
  sqlite_query(path, "SELECT count(*) FROM t WHERE b IS NOT NULL", out);
  ck_assert_int_eq(atoi(out), left);
  unlink(path);
  unlink(into);
}
END_TEST

static int64_t table_count(Btree *bt, uint32_t root) {
  BtCursor *c;
  int64_t n;
  ck_assert_int_eq(btree_cursor_open(bt, root, 0, NULL, &c), MICA_OK);
  ck_assert_int_eq(btree_count(c, &n), MICA_OK);
  btree_cursor_close(c);
  return n;
}

/* Savepoint rollback undoes tree changes (splits, frees, new pages) and cursors re-seek after it;
 * a second connection keeps its snapshot until it starts a new transaction. */
START_TEST(test_btree_savepoints_and_snapshots) {
  char path[96];
  snprintf(path, sizeof path, "/tmp/mica_test_btree_sp_%d.db", (int)getpid());
  unlink(path);
  Btree *bt, *rd;
  ck_assert_int_eq(btree_open(path, BTREE_OPEN_CREATE, &bt), MICA_OK);
  ck_assert_int_eq(btree_set_page_size(bt, 512, 0), MICA_OK);
  ck_assert_int_eq(btree_begin_write(bt, 0), MICA_OK);
  uint32_t root;
  ck_assert_int_eq(btree_create_table(bt, BTREE_INTKEY, &root), MICA_OK);
  insert_rows(bt, root, 0, 1, 200, 300);
  ck_assert_int_eq(btree_commit(bt), MICA_OK);
  ck_assert_int_eq(btree_open(path, 0, &rd), MICA_OK);
  ck_assert_int_eq(btree_begin_read(rd), MICA_OK);
  ck_assert_int_eq(table_count(rd, root), 200);

  ck_assert_int_eq(btree_begin_write(bt, 0), MICA_OK);
  uint32_t pages = btree_page_count(bt);
  BtCursor *c;
  int res, eof;
  ck_assert_int_eq(btree_cursor_open(bt, root, 1, NULL, &c), MICA_OK);
  ck_assert_int_eq(btree_seek_rowid(c, 150, &res), MICA_OK);
  ck_assert_int_eq(btree_savepoint(bt, BTREE_SAVEPOINT_BEGIN, 0), MICA_OK);
  insert_rows(bt, root, 0, 201, 600, 300);
  {
    BtCursor *d;
    ck_assert_int_eq(btree_cursor_open(bt, root, 1, NULL, &d), MICA_OK);
    ck_assert_int_eq(btree_first(d, &eof), MICA_OK);
    while (!eof) {
      ck_assert_int_eq(btree_delete(d), MICA_OK);
      ck_assert_int_eq(btree_next(d, &eof), MICA_OK);
    }
    btree_cursor_close(d);
  }
  ck_assert_int_eq(table_count(bt, root), 0);
  ck_assert_uint_gt(btree_page_count(bt), pages);
  ck_assert_int_eq(btree_savepoint(bt, BTREE_SAVEPOINT_ROLLBACK, 0), MICA_OK);
  ck_assert_int_eq(table_count(bt, root), 200);
  ck_assert_uint_eq(btree_page_count(bt), pages);
  ck_assert_int_eq(btree_rowid(c), 150); /* re-sought */
  ck_assert_int_eq(btree_next(c, &eof), MICA_OK);
  ck_assert_int_eq(btree_rowid(c), 151);
  ck_assert_int_eq(btree_savepoint(bt, BTREE_SAVEPOINT_RELEASE, 0), MICA_OK);
  insert_rows(bt, root, 0, 1001, 1100, 300);
  btree_cursor_close(c);
  ck_assert_int_eq(btree_commit(bt), MICA_OK);
  /* The reader still sees its snapshot, then the commit once it starts over. */
  ck_assert_int_eq(table_count(rd, root), 200);
  ck_assert_int_eq(btree_commit(rd), MICA_OK);
  ck_assert_int_eq(btree_begin_read(rd), MICA_OK);
  ck_assert_int_eq(table_count(rd, root), 300);
  uint32_t roots[2] = {1, root};
  assert_integrity(rd, roots, 2);
  ck_assert_int_eq(btree_commit(rd), MICA_OK);
  ck_assert_int_eq(btree_close(rd), MICA_OK);
  ck_assert_int_eq(btree_close(bt), MICA_OK);
  unlink(path);
}
END_TEST

/* Extreme rowids, empty payloads, and index seeks by prefix in both directions. */
START_TEST(test_btree_seek_edges) {
  Btree *bt;
  ck_assert_int_eq(btree_open(":memory:", 0, &bt), MICA_OK);
  ck_assert_int_eq(btree_begin_write(bt, 0), MICA_OK);
  uint32_t root, iroot;
  ck_assert_int_eq(btree_create_table(bt, BTREE_INTKEY, &root), MICA_OK);
  ck_assert_int_eq(btree_create_table(bt, BTREE_BLOBKEY, &iroot), MICA_OK);
  BtCursor *c, *ic;
  int res, eof;
  ck_assert_int_eq(btree_cursor_open(bt, root, 1, NULL, &c), MICA_OK);
  ck_assert_int_eq(btree_seek_rowid(c, 5, &res), MICA_OK);
  ck_assert(btree_eof(c));
  ck_assert_int_eq(btree_first(c, &eof), MICA_OK);
  ck_assert_int_eq(eof, 1);
  int64_t ids[] = {INT64_MIN, -1, 0, 1, INT64_MAX};
  for (int i = 0; i < 5; i++)
    ck_assert_int_eq(btree_insert(c, ids[i], "", 0), MICA_OK);
  ck_assert_int_eq(btree_first(c, &eof), MICA_OK);
  for (int i = 0; i < 5; i++) {
    ck_assert_int_eq(eof, 0);
    ck_assert_int_eq(btree_rowid(c), ids[i]);
    ck_assert_uint_eq(btree_data_size(c), 0);
    ck_assert_int_eq(btree_next(c, &eof), MICA_OK);
  }
  ck_assert_int_eq(eof, 1);
  ck_assert_int_eq(btree_seek_rowid(c, INT64_MAX - 1, &res), MICA_OK);
  ck_assert_int_ne(res, 0);
  ck_assert_int_eq(btree_rowid(c), res < 0 ? 1 : INT64_MAX);
  btree_cursor_close(c);
  /* Index of (k, rowid) with 20 rowids per k: prefix seeks find the first / last of a group. */
  ck_assert_int_eq(btree_cursor_open(bt, iroot, 1, NULL, &ic), MICA_OK);
  for (int64_t k = 0; k < 50; k++)
    for (int64_t r = 0; r < 20; r++) {
      RecValue v[2] = {{.type = REC_INT, .u.i = k * 2}, {.type = REC_INT, .u.i = r}};
      uint8_t rec[32];
      size_t n = record_encode(v, 2, rec);
      ck_assert_int_eq(btree_insert(ic, 0, rec, (uint32_t)n), MICA_OK);
    }
  for (int64_t k = -1; k < 101; k++) {
    RecValue v = {.type = REC_INT, .u.i = k};
    uint8_t rec[16];
    size_t n = record_encode(&v, 1, rec);
    for (int dir = -1; dir <= 1; dir += 2) {
      UnpackedKey key = {NULL, rec, (uint32_t)n, dir};
      ck_assert_int_eq(btree_seek_key(ic, &key, &res), MICA_OK);
      ck_assert_int_ne(res, 0);
      /* Step to the first entry >= key (dir -1) or the last entry <= key (dir +1). */
      if (dir < 0 && res < 0) ck_assert_int_eq(btree_next(ic, &eof), MICA_OK);
      if (dir > 0 && res > 0) ck_assert_int_eq(btree_prev(ic, &eof), MICA_OK);
      if (btree_eof(ic)) {
        ck_assert(dir < 0 ? k > 98 : k < 0);
        continue;
      }
      const void *d;
      uint32_t dn;
      RecValue got[2];
      int nf;
      ck_assert_int_eq(btree_data(ic, &d, &dn), MICA_OK);
      ck_assert_int_eq(record_decode(d, dn, got, 2, &nf), MICA_OK);
      if (dir < 0) {
        int64_t want = k <= 0 ? 0 : (k + 1) / 2 * 2;
        ck_assert_int_eq(got[0].u.i, want);
        ck_assert_int_eq(got[1].u.i, 0);
      } else {
        int64_t want = k >= 98 ? 98 : k / 2 * 2;
        ck_assert_int_eq(got[0].u.i, want);
        ck_assert_int_eq(got[1].u.i, 19);
      }
    }
  }
  int64_t n;
  ck_assert_int_eq(btree_count(ic, &n), MICA_OK);
  ck_assert_int_eq(n, 1000);
  btree_cursor_close(ic);
  ck_assert_int_eq(btree_commit(bt), MICA_OK);
  ck_assert_int_eq(btree_close(bt), MICA_OK);
}
END_TEST

/* auto_vacuum=INCREMENTAL keeps free pages at commit; btree_incremental_vacuum gives them back,
 * N at a time or all. */
START_TEST(test_btree_incremental_vacuum) {
  char path[96], out[64];
  snprintf(path, sizeof path, "/tmp/mica_test_btree_iv_%d.db", (int)getpid());
  unlink(path);
  Btree *bt;
  ck_assert_int_eq(btree_open(path, BTREE_OPEN_CREATE, &bt), MICA_OK);
  ck_assert_int_eq(btree_set_page_size(bt, 512, 0), MICA_OK);
  ck_assert_int_eq(btree_set_autovacuum(bt, 2), MICA_OK);
  ck_assert_int_eq(btree_begin_write(bt, 0), MICA_OK);
  uint32_t troot, iroot, freed, nfree;
  ck_assert_int_eq(btree_create_table(bt, BTREE_INTKEY, &troot), MICA_OK);
  ck_assert_int_eq(btree_create_table(bt, BTREE_BLOBKEY, &iroot), MICA_OK);
  put_schema_row(bt, 1, "table", "t", "t", troot, "CREATE TABLE t(a INTEGER PRIMARY KEY, b)");
  put_schema_row(bt, 2, "index", "i", "t", iroot, "CREATE INDEX i ON t(b)");
  insert_rows(bt, troot, iroot, 1, 300, 1000);
  ck_assert_int_eq(btree_commit(bt), MICA_OK);
  ck_assert_int_eq(btree_begin_write(bt, 0), MICA_OK);
  int64_t left = delete_rows(bt, troot, iroot, 4, 1000);
  ck_assert_int_eq(btree_commit(bt), MICA_OK);
  ck_assert_int_eq(btree_begin_write(bt, 0), MICA_OK);
  ck_assert_int_eq(btree_get_autovacuum(bt), 2);
  ck_assert_int_eq(btree_get_meta(bt, BTREE_FREE_PAGE_COUNT, &nfree), MICA_OK);
  ck_assert_uint_gt(nfree, 100);
  uint32_t pages = btree_page_count(bt);
  ck_assert_int_eq(btree_incremental_vacuum(bt, 10, &freed), MICA_OK);
  ck_assert_uint_eq(freed, 10);
  ck_assert_uint_le(btree_page_count(bt), pages - 10);
  uint32_t roots[3] = {1, troot, iroot};
  assert_integrity(bt, roots, 3);
  ck_assert_int_eq(btree_incremental_vacuum(bt, 0, &freed), MICA_OK);
  ck_assert_uint_eq(freed, nfree - 10);
  ck_assert_int_eq(btree_get_meta(bt, BTREE_FREE_PAGE_COUNT, &nfree), MICA_OK);
  ck_assert_uint_eq(nfree, 0);
  assert_integrity(bt, roots, 3);
  ck_assert_int_eq(btree_commit(bt), MICA_OK);
  ck_assert_int_eq(btree_close(bt), MICA_OK);
  sqlite_query(path, "PRAGMA integrity_check", out);
  ck_assert_str_eq(out, "ok");
  sqlite_query(path, "PRAGMA auto_vacuum", out);
  ck_assert_str_eq(out, "2");
  sqlite_query(path, "SELECT count(*) FROM t", out);
  ck_assert_int_eq(atoi(out), left);
  unlink(path);
}
END_TEST

static Suite *btree_suite(void) {
  Suite *s = suite_create("btree");
  TCase *tc = tcase_create("pages");
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, test_local_size_spill_rule);
  tcase_add_test(tc, test_corrupt_pages_rejected);
  tcase_add_test(tc, test_reads_sqlite_files_all_page_sizes);
  tcase_add_test(tc, test_written_pages_pass_sqlite_integrity_check);
  tcase_add_test(tc, test_handbuilt_two_level_tree_with_overflow_is_valid);
  suite_add_tcase(s, tc);
  TCase *tt = tcase_create("trees");
  tcase_set_timeout(tt, 300);
  tcase_add_test(tt, test_btree_random_insert_delete_keeps_order);
  tcase_add_test(tt, test_btree_appends_fill_pages);
  tcase_add_test(tt, test_btree_delete_during_scan_continues);
  tcase_add_test(tt, test_btree_freelist_reuse);
  tcase_add_test(tt, test_btree_reads_and_extends_sqlite_files);
  tcase_add_test(tt, test_btree_corrupt_files_never_crash);
  tcase_add_test(tt, test_btree_autovacuum_full_truncates_and_keeps_pointer_maps);
  tcase_add_test(tt, test_btree_extends_sqlite_autovacuum_files);
  tcase_add_test(tt, test_btree_vacuum_compacts_and_copies);
  tcase_add_test(tt, test_btree_savepoints_and_snapshots);
  tcase_add_test(tt, test_btree_seek_edges);
  tcase_add_test(tt, test_btree_incremental_vacuum);
  suite_add_tcase(s, tt);
  return s;
}

int main(void) {
  SRunner *sr = srunner_create(btree_suite());
  srunner_run_all(sr, CK_NORMAL);
  int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
