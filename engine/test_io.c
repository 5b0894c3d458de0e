#include <check.h>
#include <stdlib.h>
static Suite *mk(void) { return suite_create("io"); }
int main(void) {
  SRunner *sr = srunner_create(mk());
  srunner_run_all(sr, CK_NORMAL);
  int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
