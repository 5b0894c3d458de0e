/*
 * test_shell_output.c: unit tests of the shell's value formatting (shell_output.c).
 *
 * The real-number formatter must reproduce SQLite's "%!.20g" digits exactly, so it is checked against
 * the system libsqlite3's own printf over many random doubles. Linked with the sqlite3 shim (like
 * src/mica_shim), so this file may include the system <sqlite3.h>.
 */
#include <check.h>
#include <math.h>
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shell.h"

/* What sqlite3's shell prints for a real in insert/json mode, computed with SQLite itself. */
static void sqlite_reference(double r, char *buf, size_t size) {
  if (r > -9.2e18 && r < 9.2e18 && r == (double)(int64_t)r) {
    snprintf(buf, size, "%lld.0", (long long)(int64_t)r);
    return;
  }
  char *s = sqlite3_mprintf("%!.20g", r);
  snprintf(buf, size, "%s", s);
  sqlite3_free(s);
}

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;
static uint64_t next_random(void) {
  rng_state ^= rng_state << 13;
  rng_state ^= rng_state >> 7;
  rng_state ^= rng_state << 17;
  return rng_state;
}

static void check_real(double r) {
  char got[64], want[64];
  shell_format_real(r, got, sizeof got);
  sqlite_reference(r, want, sizeof want);
  ck_assert_msg(strcmp(got, want) == 0, "%.17g: got %s, sqlite prints %s", r, got, want);
}

START_TEST(test_real_format_matches_sqlite_on_random_bit_patterns) {
  for (int i = 0; i < 100000; i++) {
    uint64_t bits = next_random();
    double r;
    memcpy(&r, &bits, sizeof r);
    if (isnan(r) || isinf(r)) continue;
    check_real(r);
  }
}
END_TEST

START_TEST(test_real_format_matches_sqlite_on_decimal_values) {
  for (int i = 0; i < 100000; i++) {
    double mant = (double)(next_random() % 2000000001) / 1000.0 - 1000000.0;
    int exp = (int)(next_random() % 80) - 40;
    check_real(mant * pow(10.0, exp));
  }
  const double edge[] = {0.1,
                         1.0 / 3,
                         1e-4,
                         9.999999999999999e-5,
                         1e20,
                         1e19,
                         99999999999999999999.0,
                         5e-324,
                         1.7976931348623157e308,
                         -2.5,
                         1e300,
                         123456.789,
                         0.5,
                         1e-300};
  for (size_t i = 0; i < sizeof edge / sizeof edge[0]; i++)
    check_real(edge[i]);
}
END_TEST

START_TEST(test_infinities_print_as_1e999) {
  char buf[32];
  shell_format_real(INFINITY, buf, sizeof buf);
  ck_assert_str_eq(buf, "1e999");
  shell_format_real(-INFINITY, buf, sizeof buf);
  ck_assert_str_eq(buf, "-1e999");
}
END_TEST

START_TEST(test_identifiers_quoted_only_when_needed) {
  ck_assert_int_eq(shell_needs_quote("plain_name1"), 0);
  ck_assert_int_eq(shell_needs_quote("_x"), 0);
  ck_assert_int_eq(shell_needs_quote("select"), 1);
  ck_assert_int_eq(shell_needs_quote("Table"), 1);
  ck_assert_int_eq(shell_needs_quote("1abc"), 1);
  ck_assert_int_eq(shell_needs_quote("a b"), 1);
  ck_assert_int_eq(shell_needs_quote(""), 1);
  char *out = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&out, &len);
  shell_write_identifier(f, "a\"b");
  fputc(' ', f);
  shell_write_identifier(f, "ok");
  fclose(f);
  ck_assert_str_eq(out, "\"a\"\"b\" ok");
  free(out);
}
END_TEST

START_TEST(test_sql_literals_escape_quotes_newlines_and_bytes) {
  char *out = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&out, &len);
  shell_write_sql_string(f, "it's", 0);
  fputc('|', f);
  shell_write_sql_string(f, "a\nb", 0);
  fputc('|', f);
  shell_write_sql_string(f, "a\r\nb", 0);
  fputc('|', f);
  shell_write_sql_string(f, "a\nb", 1);
  fputc('|', f);
  shell_write_sql_blob(f, (const unsigned char *)"\x00\xab\xff", 3);
  fclose(f);
  ck_assert_str_eq(out, "'it''s'|replace('a\\nb','\\n',char(10))|"
                        "replace(replace('a\\r\\nb','\\r',char(13)),'\\n',char(10))|'a\nb'|X'00abff'");
  free(out);
}
END_TEST

int main(void) {
  Suite *s = suite_create("shell_output");
  TCase *tc = tcase_create("formatting");
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, test_real_format_matches_sqlite_on_random_bit_patterns);
  tcase_add_test(tc, test_real_format_matches_sqlite_on_decimal_values);
  tcase_add_test(tc, test_infinities_print_as_1e999);
  tcase_add_test(tc, test_identifiers_quoted_only_when_needed);
  tcase_add_test(tc, test_sql_literals_escape_quotes_newlines_and_bytes);
  suite_add_tcase(s, tc);
  SRunner *sr = srunner_create(s);
  srunner_run_all(sr, CK_NORMAL);
  int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
