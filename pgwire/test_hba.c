/* test_hba.c: pg_hba.conf parsing and first-match rule selection. */
#include <arpa/inet.h>
#include <check.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "hba.h"

static struct sockaddr_storage v4(const char *ip) {
  struct sockaddr_storage ss;
  memset(&ss, 0, sizeof ss);
  struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
  sin->sin_family = AF_INET;
  inet_pton(AF_INET, ip, &sin->sin_addr);
  return ss;
}

static struct sockaddr_storage v6(const char *ip) {
  struct sockaddr_storage ss;
  memset(&ss, 0, sizeof ss);
  struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
  sin6->sin6_family = AF_INET6;
  inet_pton(AF_INET6, ip, &sin6->sin6_addr);
  return ss;
}

static hba_rules *parse_ok(const char *text) {
  hba_rules *r = NULL;
  char err[256];
  ck_assert_msg(hba_parse(text, &r, err, sizeof err) == 0, "parse failed: %s", err);
  return r;
}

static int method_for(hba_rules *r, int local, int tls, const char *ip, const char *db, const char *user) {
  struct sockaddr_storage a = strchr(ip, ':') ? v6(ip) : v4(ip);
  const hba_rule *m = hba_match(r, local, tls, (struct sockaddr *)&a, db, user);
  return m ? (int)m->method : -1;
}

START_TEST(test_first_matching_rule_wins) {
  hba_rules *r = parse_ok("# comment\n"
                          "host all alice 10.0.0.0/8 reject\n"
                          "host all all 10.0.0.0/8 md5   # trailing comment\n"
                          "host all all 0.0.0.0/0 scram-sha-256\n");
  ck_assert_int_eq(r->n, 3);
  ck_assert_int_eq(method_for(r, 0, 0, "10.1.2.3", "db", "alice"), HBA_REJECT);
  ck_assert_int_eq(method_for(r, 0, 0, "10.1.2.3", "db", "bob"), HBA_MD5);
  ck_assert_int_eq(method_for(r, 0, 0, "192.168.1.1", "db", "bob"), HBA_SCRAM);
  hba_free(r);
}
END_TEST

START_TEST(test_local_and_host_rules_are_separate) {
  hba_rules *r = parse_ok("local all all trust\nhost all all 127.0.0.1/32 password\n");
  ck_assert_int_eq(method_for(r, 1, 0, "0.0.0.0", "db", "u"), HBA_TRUST);
  ck_assert_int_eq(method_for(r, 0, 0, "127.0.0.1", "db", "u"), HBA_PASSWORD);
  ck_assert_int_eq(method_for(r, 0, 0, "127.0.0.2", "db", "u"), -1);
  hba_free(r);
}
END_TEST

START_TEST(test_hostssl_and_hostnossl_follow_encryption) {
  hba_rules *r = parse_ok("hostssl all all all scram-sha-256\nhostnossl all all all reject\n");
  ck_assert_int_eq(method_for(r, 0, 1, "1.2.3.4", "db", "u"), HBA_SCRAM);
  ck_assert_int_eq(method_for(r, 0, 0, "1.2.3.4", "db", "u"), HBA_REJECT);
  hba_free(r);
}
END_TEST

START_TEST(test_database_and_user_lists) {
  hba_rules *r = parse_ok("host sales,hr joe,+staff 0.0.0.0/0 trust\n"
                          "host sameuser all 0.0.0.0/0 md5\n"
                          "host \"all\" all 0.0.0.0/0 password\n");
  ck_assert_int_eq(method_for(r, 0, 0, "1.1.1.1", "hr", "joe"), HBA_TRUST);
  ck_assert_int_eq(method_for(r, 0, 0, "1.1.1.1", "hr", "staff"), HBA_TRUST);
  ck_assert_int_eq(method_for(r, 0, 0, "1.1.1.1", "eng", "joe"), -1);
  ck_assert_int_eq(method_for(r, 0, 0, "1.1.1.1", "mary", "mary"), HBA_MD5);
  /* A quoted "all" is a database literally named all. */
  ck_assert_int_eq(method_for(r, 0, 0, "1.1.1.1", "all", "x"), HBA_PASSWORD);
  ck_assert_int_eq(method_for(r, 0, 0, "1.1.1.1", "other", "x"), -1);
  hba_free(r);
}
END_TEST

START_TEST(test_address_with_separate_mask_and_ipv6) {
  hba_rules *r = parse_ok("host all all 192.168.0.0 255.255.0.0 md5\nhost all all ::1/128 trust\nhost all "
                          "all fe80::/10 reject\n");
  ck_assert_int_eq(method_for(r, 0, 0, "192.168.44.1", "d", "u"), HBA_MD5);
  ck_assert_int_eq(method_for(r, 0, 0, "192.169.0.1", "d", "u"), -1);
  ck_assert_int_eq(method_for(r, 0, 0, "::1", "d", "u"), HBA_TRUST);
  ck_assert_int_eq(method_for(r, 0, 0, "fe80::1", "d", "u"), HBA_REJECT);
  /* An IPv4-mapped IPv6 client matches IPv4 rules. */
  ck_assert_int_eq(method_for(r, 0, 0, "::ffff:192.168.1.1", "d", "u"), HBA_MD5);
  hba_free(r);
}
END_TEST

START_TEST(test_samehost_matches_loopback_only) {
  hba_rules *r = parse_ok("host all all samehost trust\n");
  ck_assert_int_eq(method_for(r, 0, 0, "127.0.0.1", "d", "u"), HBA_TRUST);
  ck_assert_int_eq(method_for(r, 0, 0, "10.0.0.1", "d", "u"), -1);
  hba_free(r);
}
END_TEST

START_TEST(test_bad_lines_are_reported_with_line_numbers) {
  static const char *bad[] = {"hots all all 0.0.0.0/0 trust\n",      "host all all 0.0.0.0/0\n",
                              "host all all 0.0.0.0/33 trust\n",     "host all all 300.1.1.1/32 trust\n",
                              "host all all 10.0.0.1 trust\n",       "local all all kerberos\n",
                              "\n\nlocal all \"unterminated trust\n"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    hba_rules *r = NULL;
    char err[256] = "";
    ck_assert_msg(hba_parse(bad[i], &r, err, sizeof err) == -1, "accepted: %s", bad[i]);
    ck_assert_ptr_null(r);
    ck_assert_msg(strstr(err, "line ") != NULL, "no line number: %s", err);
  }
  hba_rules *r = NULL;
  char err[256];
  ck_assert_int_eq(hba_parse("\n\nlocal all \"x trust\n", &r, err, sizeof err), -1);
  ck_assert_ptr_nonnull(strstr(err, "line 3"));
}
END_TEST

START_TEST(test_empty_file_matches_nothing) {
  hba_rules *r = parse_ok("# nothing\n\n");
  ck_assert_int_eq(r->n, 0);
  ck_assert_int_eq(method_for(r, 1, 0, "0.0.0.0", "d", "u"), -1);
  hba_free(r);
}
END_TEST

int main(void) {
  Suite *s = suite_create("hba");
  TCase *tc = tcase_create("rules");
  tcase_add_test(tc, test_first_matching_rule_wins);
  tcase_add_test(tc, test_local_and_host_rules_are_separate);
  tcase_add_test(tc, test_hostssl_and_hostnossl_follow_encryption);
  tcase_add_test(tc, test_database_and_user_lists);
  tcase_add_test(tc, test_address_with_separate_mask_and_ipv6);
  tcase_add_test(tc, test_samehost_matches_loopback_only);
  tcase_add_test(tc, test_bad_lines_are_reported_with_line_numbers);
  tcase_add_test(tc, test_empty_file_matches_nothing);
  suite_add_tcase(s, tc);
  SRunner *sr = srunner_create(s);
  srunner_run_all(sr, CK_NORMAL);
  int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
