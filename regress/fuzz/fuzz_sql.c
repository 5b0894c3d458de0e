/*
 * fuzz_sql.c: a libFuzzer target for the SQL engine (issue 4: random and malformed SQL must never
 * crash, hang or leak the parser or the executor). Built and run by regress/fuzz/fuzz.sh with clang's
 * -fsanitize=fuzzer,address,undefined.
 *
 * Each input is one SQL text, run with mica_exec on a fresh in-memory database, every statement to
 * the end, errors ignored (they are expected). Statements are bounded so that a legitimately endless
 * query (WITH RECURSIVE without an end, a huge cross join) is not reported as a hang: a progress
 * handler stops any run after FUZZ_MAX_STEPS row steps, and ATTACH and VACUUM INTO, which would
 * write files, are refused by the authorizer-free simple rule below.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mica.h"

#define FUZZ_MAX_STEPS 200000
#define FUZZ_MAX_INPUT 20000

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int stop_after(void *arg) {
  int *n = arg;
  return ++*n >= FUZZ_MAX_STEPS / 1000;
}

static int drop_rows(void *arg, int ncol, char **values, char **names) {
  (void)arg;
  (void)ncol;
  (void)values;
  (void)names;
  return 0;
}

/* Inputs that would touch the file system (ATTACH a file, VACUUM INTO, a file-backed database) are
 * not run: the target exercises the language, not the host's disk. */
static int touches_files(const char *sql) {
  for (const char *p = sql; *p; p++) {
    if (!strncasecmp(p, "attach", 6) || !strncasecmp(p, "vacuum", 6) || !strncasecmp(p, "load_extension", 14))
      return 1;
  }
  return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size > FUZZ_MAX_INPUT) return 0;
  char *sql = malloc(size + 1);
  if (!sql) return 0;
  memcpy(sql, data, size);
  sql[size] = 0;
  if (!touches_files(sql)) {
    mica_db *db = NULL;
    if (mica_open(":memory:", MICA_OPEN_READWRITE | MICA_OPEN_CREATE, &db) == MICA_OK) {
      int steps = 0;
      mica_progress_handler(db, 1000, stop_after, &steps);
      char *err = NULL;
      mica_exec(db, sql, drop_rows, NULL, &err);
      mica_free(err);
    }
    mica_close(db);
  }
  free(sql);
  return 0;
}
