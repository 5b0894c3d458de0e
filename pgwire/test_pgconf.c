/* test_pgconf.c: settings parsing (postgresql.conf syntax, units, -c options). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pgconf.h"

START_TEST(test_file_syntax_quotes_comments_and_optional_equals) {
  pgconf c;
  pgconf_defaults(&c);
  char err[256];
  const char *text = "# comment\n"
                     "port = 6543\n"
                     "listen_addresses='*'   # all\n"
                     "unix_socket_directories '/var/run/x, /tmp'\n"
                     "ssl_cert_file = 'it''s.crt'\n"
                     "  log_connections = on\n"
                     "statement_timeout = 5s\n"
                     "lock_timeout = '2min'\n";
  char path[] = "/tmp/pgconf-test-XXXXXX";
  int fd = mkstemp(path);
  ck_assert_int_ge(fd, 0);
  FILE *f = fdopen(fd, "w");
  fputs(text, f);
  fclose(f);
  int rc = pgconf_load_file(&c, path, err, sizeof err);
  unlink(path);
  ck_assert_msg(rc == 0, "%s", err);
  ck_assert_int_eq(c.port, 6543);
  ck_assert_str_eq(c.listen_addresses, "*");
  ck_assert_str_eq(c.unix_socket_directories, "/var/run/x, /tmp");
  ck_assert_str_eq(c.ssl_cert_file, "it's.crt");
  ck_assert_int_eq(c.log_connections, 1);
  ck_assert_int_eq(c.statement_timeout, 5000);
  ck_assert_int_eq(c.lock_timeout, 120000);
}
END_TEST

START_TEST(test_defaults_are_postgres_like) {
  pgconf c;
  pgconf_defaults(&c);
  ck_assert_int_eq(c.port, 5432);
  ck_assert_int_eq(c.max_connections, 100);
  ck_assert_str_eq(c.listen_addresses, "localhost");
  ck_assert_str_eq(c.unix_socket_directories, "/tmp");
  ck_assert_str_eq(c.hba_file, "pg_hba.conf");
  ck_assert_int_eq(c.ssl, 0);
}
END_TEST

START_TEST(test_bad_values_and_names_are_errors) {
  pgconf c;
  pgconf_defaults(&c);
  char err[256];
  ck_assert_int_eq(pgconf_set(&c, "port", "70000", err, sizeof err), -1);
  ck_assert_int_eq(pgconf_set(&c, "port", "12x", err, sizeof err), -1);
  ck_assert_int_eq(pgconf_set(&c, "ssl", "maybe", err, sizeof err), -1);
  ck_assert_int_eq(pgconf_set(&c, "statement_timeout", "5 parsecs", err, sizeof err), -1);
  ck_assert_int_eq(pgconf_set(&c, "no_such_setting", "1", err, sizeof err), -1);
  ck_assert_ptr_nonnull(strstr(err, "unrecognized configuration parameter"));
  ck_assert_int_eq(c.port, 5432); /* unchanged */
}
END_TEST

static int count_lines(void *arg, const char *name, const char *value, int lineno, char *err, size_t errlen) {
  (*(int *)arg)++;
  return 0;
}

START_TEST(test_syntax_errors_name_the_line) {
  char err[256];
  int n = 0;
  ck_assert_int_eq(pgconf_parse("port = 1\nport = 'open\n", count_lines, &n, err, sizeof err), -1);
  ck_assert_ptr_nonnull(strstr(err, "line 2"));
  ck_assert_int_eq(pgconf_parse("port = 1 2\n", count_lines, &n, err, sizeof err), -1);
  ck_assert_int_eq(pgconf_parse("= 1\n", count_lines, &n, err, sizeof err), -1);
  ck_assert_int_eq(pgconf_parse("port =\n", count_lines, &n, err, sizeof err), -1);
  n = 0;
  ck_assert_int_eq(pgconf_parse("a = 1\n\n# x\nb 'two words'\nc=3", count_lines, &n, err, sizeof err), 0);
  ck_assert_int_eq(n, 3);
}
END_TEST

START_TEST(test_command_line_option_form) {
  pgconf c;
  pgconf_defaults(&c);
  char err[256];
  ck_assert_int_eq(pgconf_set_option(&c, "max-connections=7", err, sizeof err), 0);
  ck_assert_int_eq(c.max_connections, 7);
  ck_assert_int_eq(pgconf_set_option(&c, "port", err, sizeof err), -1);
  ck_assert_int_eq(pgconf_set_option(&c, "=5", err, sizeof err), -1);
  ck_assert_int_eq(pgconf_needs_restart("port"), 1);
  ck_assert_int_eq(pgconf_needs_restart("log_statement"), 0);
}
END_TEST

int main(void) {
  Suite *s = suite_create("pgconf");
  TCase *tc = tcase_create("pgconf");
  tcase_add_test(tc, test_file_syntax_quotes_comments_and_optional_equals);
  tcase_add_test(tc, test_defaults_are_postgres_like);
  tcase_add_test(tc, test_bad_values_and_names_are_errors);
  tcase_add_test(tc, test_syntax_errors_name_the_line);
  tcase_add_test(tc, test_command_line_option_form);
  suite_add_tcase(s, tc);
  SRunner *sr = srunner_create(s);
  srunner_run_all(sr, CK_NORMAL);
  int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
