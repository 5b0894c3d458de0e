/* test_pqbuf.c: the protocol codec builds exact wire bytes and rejects malformed input. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "pqbuf.h"

START_TEST(test_message_has_type_and_self_counting_length) {
  pqbuf b;
  pqbuf_init(&b);
  pqbuf_start(&b, 'C');
  pqbuf_put_string(&b, "SELECT 1");
  ck_assert_int_eq(pqbuf_finish(&b), 0);
  ck_assert_uint_eq(b.len, 1 + 4 + 9);
  const unsigned char want[] = {'C', 0, 0, 0, 13, 'S', 'E', 'L', 'E', 'C', 'T', ' ', '1', 0};
  ck_assert_mem_eq(b.data, want, sizeof want);
  pqbuf_free(&b);
}
END_TEST

START_TEST(test_integers_are_big_endian) {
  pqbuf b;
  pqbuf_init(&b);
  pqbuf_start(&b, 'x');
  pqbuf_put_int16(&b, -2);
  pqbuf_put_int32(&b, 0x01020304);
  pqbuf_put_int64(&b, -1);
  ck_assert_int_eq(pqbuf_finish(&b), 0);
  const unsigned char want[] = {'x', 0,    0,    0,    18,   0xff, 0xfe, 1,    2,   3,
                                4,   0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
  ck_assert_uint_eq(b.len, sizeof want);
  ck_assert_mem_eq(b.data, want, sizeof want);

  pqmsg m;
  pqmsg_init(&m, 'x', b.data + 5, b.len - 5);
  ck_assert_int_eq(pqmsg_get_int16(&m), -2);
  ck_assert_int_eq(pqmsg_get_int32(&m), 0x01020304);
  ck_assert(pqmsg_get_int64(&m) == -1);
  ck_assert_int_eq(pqmsg_end(&m), 0);
  pqbuf_free(&b);
}
END_TEST

START_TEST(test_untyped_startup_packet_length_excludes_nothing) {
  pqbuf b;
  pqbuf_init(&b);
  pqbuf_start(&b, 0);
  pqbuf_put_int32(&b, 196608);
  pqbuf_put_string(&b, "user");
  pqbuf_put_string(&b, "u");
  pqbuf_put_byte(&b, 0);
  ck_assert_int_eq(pqbuf_finish(&b), 0);
  size_t total = 0;
  ck_assert_int_eq(pq_frame((unsigned char *)b.data, b.len, 0, PQ_MAX_STARTUP, &total), 1);
  ck_assert_uint_eq(total, b.len);
  ck_assert_uint_eq(b.len, 4 + 4 + 5 + 2 + 1);
  pqbuf_free(&b);
}
END_TEST

START_TEST(test_several_messages_accumulate_and_cancel_drops_only_open_one) {
  pqbuf b;
  pqbuf_init(&b);
  pqbuf_start(&b, 'Z');
  pqbuf_put_byte(&b, 'I');
  pqbuf_finish(&b);
  size_t keep = b.len;
  pqbuf_start(&b, 'D');
  pqbuf_put_int16(&b, 1);
  pqbuf_cancel(&b);
  ck_assert_uint_eq(b.len, keep);
  pqbuf_start(&b, 'Z');
  pqbuf_put_byte(&b, 'T');
  pqbuf_finish(&b);
  ck_assert_uint_eq(b.len, 2 * keep);
  ck_assert_int_eq(b.data[keep + 5], 'T');
  pqbuf_free(&b);
}
END_TEST

START_TEST(test_buffer_grows_for_large_messages) {
  pqbuf b;
  pqbuf_init(&b);
  char *big = malloc(100000);
  memset(big, 'a', 99999);
  big[99999] = 0;
  pqbuf_start(&b, 'Q');
  pqbuf_put_string(&b, big);
  ck_assert_int_eq(pqbuf_finish(&b), 0);
  ck_assert_uint_eq(b.len, 100005);
  pqmsg m;
  pqmsg_init(&m, 'Q', b.data + 5, b.len - 5);
  const char *s = pqmsg_get_string(&m);
  ck_assert_ptr_nonnull(s);
  ck_assert_uint_eq(strlen(s), 99999);
  ck_assert_int_eq(pqmsg_end(&m), 0);
  free(big);
  pqbuf_free(&b);
}
END_TEST

START_TEST(test_short_reads_are_sticky_errors) {
  const unsigned char body[] = {0, 1, 2};
  pqmsg m;
  pqmsg_init(&m, 'B', body, sizeof body);
  ck_assert_int_eq(pqmsg_get_int32(&m), 0);
  ck_assert_int_ne(m.err, 0);
  ck_assert_uint_eq(m.pos, 0);
  /* Once failed, even a read that would fit fails: a parser checks once at the end. */
  ck_assert_int_eq(pqmsg_get_byte(&m), 0);
  ck_assert_int_ne(pqmsg_end(&m), 0);
}
END_TEST

START_TEST(test_unterminated_string_is_rejected) {
  const unsigned char body[] = {'a', 'b', 'c'};
  pqmsg m;
  pqmsg_init(&m, 'Q', body, sizeof body);
  ck_assert_ptr_null(pqmsg_get_string(&m));
  ck_assert_int_ne(pqmsg_end(&m), 0);
}
END_TEST

START_TEST(test_trailing_bytes_fail_the_end_check) {
  const unsigned char body[] = {0, 0, 0, 7, 9};
  pqmsg m;
  pqmsg_init(&m, 'E', body, sizeof body);
  ck_assert_int_eq(pqmsg_get_int32(&m), 7);
  ck_assert_int_ne(pqmsg_end(&m), 0);
  ck_assert_int_eq(pqmsg_get_byte(&m), 9);
  ck_assert_int_eq(pqmsg_end(&m), 0);
}
END_TEST

START_TEST(test_bytes_getter_checks_length_without_overflow) {
  const unsigned char body[] = {1, 2, 3, 4};
  pqmsg m;
  pqmsg_init(&m, 'B', body, sizeof body);
  ck_assert_ptr_nonnull(pqmsg_get_bytes(&m, 2));
  ck_assert_ptr_null(pqmsg_get_bytes(&m, (size_t)-1));
  ck_assert_int_ne(m.err, 0);
}
END_TEST

START_TEST(test_frame_rejects_bad_lengths_before_body_arrives) {
  size_t total = 0;
  const unsigned char small[] = {'Q', 0, 0, 0, 3};
  ck_assert_int_eq(pq_frame(small, sizeof small, 1, PQ_MAX_MESSAGE, &total), -1);
  const unsigned char huge[] = {'Q', 0x7f, 0xff, 0xff, 0xff};
  ck_assert_int_eq(pq_frame(huge, sizeof huge, 1, PQ_MAX_MESSAGE, &total), -1);
  const unsigned char neg[] = {'Q', 0xff, 0xff, 0xff, 0xff};
  ck_assert_int_eq(pq_frame(neg, sizeof neg, 1, PQ_MAX_MESSAGE, &total), -1);
  /* PostgreSQL's startup limit is on the body: 10000 bytes after the length word. */
  const unsigned char startup_max[] = {0, 0, 0x27, 0x14}; /* 10004 */
  ck_assert_int_eq(pq_frame(startup_max, sizeof startup_max, 0, PQ_MAX_STARTUP, &total), 0);
  const unsigned char startup_big[] = {0, 0, 0x27, 0x15}; /* 10005 */
  ck_assert_int_eq(pq_frame(startup_big, sizeof startup_big, 0, PQ_MAX_STARTUP, &total), -1);
}
END_TEST

START_TEST(test_type_limits_follow_postgresql) {
  ck_assert_uint_eq(pq_type_max_length('Q'), PQ_MAX_MESSAGE);
  ck_assert_uint_eq(pq_type_max_length('d'), PQ_MAX_MESSAGE);
  ck_assert_uint_eq(pq_type_max_length('S'), PQ_SMALL_MESSAGE);
  ck_assert_uint_eq(pq_type_max_length('E'), PQ_SMALL_MESSAGE);
  ck_assert_uint_eq(pq_type_max_length('z'), 0);
  ck_assert_uint_eq(pq_type_max_length(0), 0);
  ck_assert_uint_eq(pq_type_max_length('p'), 0); /* only during authentication */
}
END_TEST

START_TEST(test_errmsg_names_the_first_problem) {
  pqmsg m;
  pqmsg_init(&m, 'E', "ab", 2);
  ck_assert_ptr_null(pqmsg_get_string(&m));
  ck_assert_str_eq(pqmsg_errmsg(&m), "invalid string in message");
  pqmsg_init(&m, 'E', "a\0", 2);
  ck_assert_str_eq(pqmsg_get_string(&m), "a");
  (void)pqmsg_get_int32(&m);
  ck_assert_str_eq(pqmsg_errmsg(&m), "insufficient data left in message");
  (void)pqmsg_get_string(&m); /* the first problem stays */
  ck_assert_str_eq(pqmsg_errmsg(&m), "insufficient data left in message");
  pqmsg_init(&m, 'S', "xy", 2);
  ck_assert_int_eq(pqmsg_end(&m), -1);
  ck_assert_str_eq(pqmsg_errmsg(&m), "invalid message format");
  pqmsg_init(&m, 'S', "", 0);
  ck_assert_ptr_null(pqmsg_errmsg(&m));
}
END_TEST

START_TEST(test_frame_waits_for_header_and_body) {
  size_t total = 0;
  const unsigned char msg[] = {'Q', 0, 0, 0, 6, 'x', 0};
  ck_assert_int_eq(pq_frame(msg, 3, 1, PQ_MAX_MESSAGE, &total), 0);
  ck_assert_int_eq(pq_frame(msg, 6, 1, PQ_MAX_MESSAGE, &total), 0);
  ck_assert_uint_eq(total, 7);
  ck_assert_int_eq(pq_frame(msg, 7, 1, PQ_MAX_MESSAGE, &total), 1);
  ck_assert_uint_eq(total, 7);
}
END_TEST

START_TEST(test_random_bodies_never_read_out_of_bounds) {
  /* Fuzz: parse random bytes as a sequence of mixed fields; ASan catches any stray read. */
  srand(12345);
  for (int iter = 0; iter < 2000; iter++) {
    size_t n = (size_t)(rand() % 32);
    unsigned char *body = malloc(n ? n : 1);
    for (size_t i = 0; i < n; i++)
      body[i] = (unsigned char)(rand() % 4 == 0 ? 0 : rand());
    pqmsg m;
    pqmsg_init(&m, 'P', body, n);
    for (int k = 0; k < 8; k++) {
      switch (rand() % 5) {
      case 0: (void)pqmsg_get_string(&m); break;
      case 1: (void)pqmsg_get_int16(&m); break;
      case 2: (void)pqmsg_get_int32(&m); break;
      case 3: (void)pqmsg_get_bytes(&m, (size_t)(rand() % 8)); break;
      default: (void)pqmsg_get_int64(&m); break;
      }
    }
    ck_assert(m.pos <= m.len);
    free(body);
  }
}
END_TEST

static Suite *pqbuf_suite(void) {
  Suite *s = suite_create("pqbuf");
  TCase *tc = tcase_create("codec");
  tcase_add_test(tc, test_message_has_type_and_self_counting_length);
  tcase_add_test(tc, test_integers_are_big_endian);
  tcase_add_test(tc, test_untyped_startup_packet_length_excludes_nothing);
  tcase_add_test(tc, test_several_messages_accumulate_and_cancel_drops_only_open_one);
  tcase_add_test(tc, test_buffer_grows_for_large_messages);
  tcase_add_test(tc, test_short_reads_are_sticky_errors);
  tcase_add_test(tc, test_unterminated_string_is_rejected);
  tcase_add_test(tc, test_trailing_bytes_fail_the_end_check);
  tcase_add_test(tc, test_bytes_getter_checks_length_without_overflow);
  tcase_add_test(tc, test_frame_rejects_bad_lengths_before_body_arrives);
  tcase_add_test(tc, test_frame_waits_for_header_and_body);
  tcase_add_test(tc, test_random_bodies_never_read_out_of_bounds);
  tcase_add_test(tc, test_type_limits_follow_postgresql);
  tcase_add_test(tc, test_errmsg_names_the_first_problem);
  suite_add_tcase(s, tc);
  return s;
}

int main(void) {
  SRunner *sr = srunner_create(pqbuf_suite());
  srunner_run_all(sr, CK_NORMAL);
  int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
