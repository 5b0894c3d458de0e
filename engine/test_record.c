/* Unit tests for record.c: varints, serial types, encode/decode, key comparison. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "mica.h"
#include "record.h"

static uint64_t rnd_state = 0x9e3779b97f4a7c15ULL;
static uint64_t rnd(void) {
  rnd_state ^= rnd_state << 13;
  rnd_state ^= rnd_state >> 7;
  rnd_state ^= rnd_state << 17;
  return rnd_state;
}

START_TEST(test_varint_roundtrips_all_lengths) {
  uint8_t buf[9];
  uint64_t vals[] = {0,
                     1,
                     127,
                     128,
                     240,
                     16383,
                     16384,
                     2097151,
                     2097152,
                     0xffffffffULL,
                     ((uint64_t)1 << 56) - 1,
                     (uint64_t)1 << 56,
                     ~(uint64_t)0};
  for (size_t i = 0; i < sizeof vals / sizeof vals[0]; i++) {
    int n = record_put_varint(buf, vals[i]);
    ck_assert_int_eq(n, record_varint_len(vals[i]));
    uint64_t v;
    ck_assert_int_eq(record_get_varint(buf, &v), n);
    ck_assert_uint_eq(v, vals[i]);
    ck_assert_int_eq(record_get_varint_safe(buf, buf + n, &v), n);
    ck_assert_int_eq(record_get_varint_safe(buf, buf + n - 1, &v), 0);
  }
  for (int i = 0; i < 10000; i++) {
    uint64_t x = rnd() >> (rnd() % 64);
    uint64_t v;
    int n = record_put_varint(buf, x);
    ck_assert_int_eq(record_get_varint(buf, &v), n);
    ck_assert_uint_eq(v, x);
  }
  /* Spec facts: 127 is one byte, 128 is 0x81 0x00, a value using the top byte takes 9 bytes. */
  ck_assert_int_eq(record_put_varint(buf, 128), 2);
  ck_assert_int_eq(buf[0], 0x81);
  ck_assert_int_eq(buf[1], 0x00);
  ck_assert_int_eq(record_varint_len(~(uint64_t)0), 9);
}
END_TEST

START_TEST(test_serial_types_pick_smallest_int) {
  RecValue v = {.type = REC_INT};
  struct {
    int64_t i;
    uint32_t st;
  } cases[] = {{0, 8},
               {1, 9},
               {2, 1},
               {-128, 1},
               {128, 2},
               {-32769, 3},
               {8388608, 4},
               {2147483648LL, 5},
               {140737488355328LL, 6},
               {INT64_MIN, 6}};
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    v.u.i = cases[i].i;
    ck_assert_uint_eq(record_serial_type(&v, 4), cases[i].st);
  }
  v.u.i = 0;
  ck_assert_uint_eq(record_serial_type(&v, 1), 1);
  ck_assert_uint_eq(record_serial_len(5), 6);
  ck_assert_uint_eq(record_serial_len(6), 8);
  ck_assert_uint_eq(record_serial_len(7), 8);
  ck_assert_uint_eq(record_serial_len(13 + 2 * 5), 5);
  ck_assert_uint_eq(record_serial_len(12 + 2 * 7), 7);
}
END_TEST

START_TEST(test_record_encode_decode_roundtrip) {
  for (int iter = 0; iter < 2000; iter++) {
    RecValue in[20], out[20];
    char text[20][40];
    int n = (int)(rnd() % 20);
    for (int i = 0; i < n; i++) {
      switch (rnd() % 5) {
      case 0: in[i].type = REC_NULL; break;
      case 1:
        in[i].type = REC_INT;
        in[i].u.i = (int64_t)(rnd() >> (rnd() % 64)) * ((rnd() & 1) ? -1 : 1);
        break;
      case 2:
        in[i].type = REC_REAL;
        in[i].u.r = (double)(int64_t)rnd() / 1000.0;
        break;
      default: {
        uint32_t len = (uint32_t)(rnd() % 40);
        for (uint32_t k = 0; k < len; k++)
          text[i][k] = (char)rnd();
        in[i].type = (rnd() & 1) ? REC_TEXT : REC_BLOB;
        in[i].u.s.p = text[i];
        in[i].u.s.n = len;
      }
      }
    }
    size_t sz = record_size(in, n);
    uint8_t *buf = malloc(sz ? sz : 1);
    ck_assert_uint_eq(record_encode(in, n, buf), sz);
    int nf = -1;
    ck_assert_int_eq(record_decode(buf, (uint32_t)sz, out, 20, &nf), MICA_OK);
    ck_assert_int_eq(nf, n);
    ck_assert_int_eq(record_field_count(buf, (uint32_t)sz), n);
    for (int i = 0; i < n; i++) {
      ck_assert_int_eq(out[i].type, in[i].type);
      ck_assert_int_eq(record_compare_values(&in[i], &out[i], NULL), 0);
      if (in[i].type == REC_TEXT || in[i].type == REC_BLOB)
        ck_assert(out[i].u.s.n == 0 || ((const uint8_t *)out[i].u.s.p >= buf &&
                                        (const uint8_t *)out[i].u.s.p + out[i].u.s.n <= buf + sz));
      RecValue c;
      ck_assert_int_eq(record_column(buf, (uint32_t)sz, i, &c), MICA_OK);
      ck_assert_int_eq(record_compare_values(&c, &in[i], NULL), 0);
    }
    RecValue c;
    ck_assert_int_eq(record_column(buf, (uint32_t)sz, n, &c), MICA_OK);
    ck_assert_int_eq(c.type, REC_NULL);
    free(buf);
  }
}
END_TEST

START_TEST(test_record_known_bytes) {
  /* (1, 'ab', NULL) in format 4: header [4, 9, 17, 0], body 'a' 'b'. */
  RecValue v[3] = {{.type = REC_INT, .u.i = 1}, {.type = REC_TEXT, .u.s = {"ab", 2}}, {.type = REC_NULL}};
  uint8_t buf[16];
  size_t n = record_encode(v, 3, buf);
  const uint8_t want[] = {4, 9, 17, 0, 'a', 'b'};
  ck_assert_uint_eq(n, sizeof want);
  ck_assert_int_eq(memcmp(buf, want, n), 0);
}
END_TEST

START_TEST(test_record_corrupt_inputs_rejected) {
  RecValue out[4];
  int nf;
  const uint8_t bad_hdr[] = {9, 1, 1};     /* header larger than record */
  const uint8_t bad_body[] = {2, 6, 0, 0}; /* 8-byte int with 2 body bytes */
  const uint8_t reserved[] = {2, 10};      /* reserved serial type */
  const uint8_t trunc_varint[] = {3, 0x81, 0x81};
  ck_assert_int_eq(record_decode(bad_hdr, sizeof bad_hdr, out, 4, &nf), MICA_CORRUPT);
  ck_assert_int_eq(record_decode(bad_body, sizeof bad_body, out, 4, &nf), MICA_CORRUPT);
  ck_assert_int_eq(record_decode(reserved, sizeof reserved, out, 4, &nf), MICA_CORRUPT);
  ck_assert_int_eq(record_decode(trunc_varint, sizeof trunc_varint, out, 4, &nf), MICA_CORRUPT);
  ck_assert_int_eq(record_field_count(bad_body, sizeof bad_body), -1);
  ck_assert_int_eq(record_decode(bad_hdr, 0, out, 4, &nf), MICA_CORRUPT);
  /* Random garbage never crashes. */
  for (int i = 0; i < 5000; i++) {
    uint8_t g[16];
    uint32_t len = (uint32_t)(rnd() % 16) + 1;
    for (uint32_t k = 0; k < len; k++)
      g[k] = (uint8_t)rnd();
    uint8_t *h = malloc(len);
    memcpy(h, g, len);
    (void)record_decode(h, len, out, 4, &nf);
    (void)record_column(h, len, 3, out);
    free(h);
  }
}
END_TEST

START_TEST(test_compare_type_order_and_numeric_exactness) {
  RecValue nul = {.type = REC_NULL}, i1 = {.type = REC_INT, .u.i = 1}, r15 = {.type = REC_REAL, .u.r = 1.5};
  RecValue t = {.type = REC_TEXT, .u.s = {"a", 1}}, b = {.type = REC_BLOB, .u.s = {"a", 1}};
  ck_assert_int_lt(record_compare_values(&nul, &i1, NULL), 0);
  ck_assert_int_lt(record_compare_values(&i1, &r15, NULL), 0);
  ck_assert_int_gt(record_compare_values(&r15, &i1, NULL), 0);
  ck_assert_int_lt(record_compare_values(&r15, &t, NULL), 0);
  ck_assert_int_lt(record_compare_values(&t, &b, NULL), 0);
  RecValue big = {.type = REC_INT, .u.i = INT64_MAX}, rbig = {.type = REC_REAL, .u.r = 9223372036854775807.0};
  /* 2^63 as double is larger than INT64_MAX: an exact comparison says so. */
  ck_assert_int_lt(record_compare_values(&big, &rbig, NULL), 0);
  RecValue a = {.type = REC_INT, .u.i = (1LL << 53) + 1}, ra = {.type = REC_REAL, .u.r = 9007199254740992.0};
  ck_assert_int_gt(record_compare_values(&a, &ra, NULL), 0);
  RecValue i2 = {.type = REC_INT, .u.i = 2}, r2 = {.type = REC_REAL, .u.r = 2.0};
  ck_assert_int_eq(record_compare_values(&i2, &r2, NULL), 0);
}
END_TEST

START_TEST(test_collations_nocase_rtrim) {
  ck_assert_int_eq(record_coll_nocase(NULL, 3, "ABC", 3, "abc"), 0);
  ck_assert_int_lt(record_coll_nocase(NULL, 2, "AB", 3, "abc"), 0);
  ck_assert_int_ne(record_coll_binary(NULL, 3, "ABC", 3, "abc"), 0);
  ck_assert_int_eq(record_coll_rtrim(NULL, 5, "ab   ", 2, "ab"), 0);
  ck_assert_int_lt(record_coll_rtrim(NULL, 3, " ab", 2, "ab"), 0);
  ck_assert_int_lt(record_coll_binary(NULL, 2, "ab", 3, "ab "), 0);
}
END_TEST

static size_t enc(RecValue *v, int n, uint8_t *buf) { return record_encode(v, n, buf); }

START_TEST(test_compare_key_desc_collation_and_default_rc) {
  RecColl colls[2] = {{record_coll_nocase, NULL}, {NULL, NULL}};
  uint8_t desc[2] = {0, 1};
  KeyInfo ki = {2, colls, desc};
  uint8_t kbuf[64], ebuf[64];
  RecValue k[1] = {{.type = REC_TEXT, .u.s = {"ABC", 3}}};
  RecValue e[3] = {
      {.type = REC_TEXT, .u.s = {"abc", 3}}, {.type = REC_INT, .u.i = 5}, {.type = REC_INT, .u.i = 77}};
  size_t kn = enc(k, 1, kbuf), en = enc(e, 3, ebuf);
  int corrupt = 0;
  UnpackedKey uk = {&ki, kbuf, (uint32_t)kn, -1};
  ck_assert_int_eq(record_compare_key(&uk, ebuf, (uint32_t)en, &corrupt), -1);
  uk.default_rc = 1;
  ck_assert_int_eq(record_compare_key(&uk, ebuf, (uint32_t)en, &corrupt), 1);
  uk.default_rc = 0;
  ck_assert_int_eq(record_compare_key(&uk, ebuf, (uint32_t)en, &corrupt), 0);
  /* Second field DESC: key 6 sorts before entry 5. */
  RecValue k2[2] = {{.type = REC_TEXT, .u.s = {"abc", 3}}, {.type = REC_INT, .u.i = 6}};
  kn = enc(k2, 2, kbuf);
  uk.nrec = (uint32_t)kn;
  ck_assert_int_lt(record_compare_key(&uk, ebuf, (uint32_t)en, &corrupt), 0);
  /* Third field is beyond KeyInfo: BINARY ASC. */
  RecValue k3[3] = {
      {.type = REC_TEXT, .u.s = {"abc", 3}}, {.type = REC_INT, .u.i = 5}, {.type = REC_INT, .u.i = 78}};
  kn = enc(k3, 3, kbuf);
  uk.nrec = (uint32_t)kn;
  ck_assert_int_gt(record_compare_key(&uk, ebuf, (uint32_t)en, &corrupt), 0);
  ck_assert_int_eq(corrupt, 0);
  const uint8_t bad[] = {9, 1};
  ck_assert_int_eq(record_compare_key(&uk, bad, sizeof bad, &corrupt), 0);
  ck_assert_int_eq(corrupt, 1);
}
END_TEST

static Suite *record_suite(void) {
  Suite *s = suite_create("record");
  TCase *tc = tcase_create("core");
  tcase_add_test(tc, test_varint_roundtrips_all_lengths);
  tcase_add_test(tc, test_serial_types_pick_smallest_int);
  tcase_add_test(tc, test_record_encode_decode_roundtrip);
  tcase_add_test(tc, test_record_known_bytes);
  tcase_add_test(tc, test_record_corrupt_inputs_rejected);
  tcase_add_test(tc, test_compare_type_order_and_numeric_exactness);
  tcase_add_test(tc, test_collations_nocase_rtrim);
  tcase_add_test(tc, test_compare_key_desc_collation_and_default_rc);
  suite_add_tcase(s, tc);
  return s;
}

int main(void) {
  SRunner *sr = srunner_create(record_suite());
  srunner_run_all(sr, CK_NORMAL);
  int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
