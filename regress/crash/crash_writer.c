/*
 * crash_writer.c: the two halves of the crash test (regress/crash/crash.sh), over mica.h.
 *
 *   crash_writer init DB     creates the schema (one transaction); the script runs it before any kill.
 *   crash_writer write DB    commits small transactions forever: transaction n inserts row n into t and
 *                            adds 1 to a counter row in c, then prints "n" on stdout (unbuffered) only
 *                            after COMMIT has returned. The script kills it with SIGKILL at a random
 *                            moment, so every number printed is a commit that must survive.
 *   crash_writer faults DB SEED
 *                            as write, but every file goes through the fault-injecting I/O wrapper
 *                            (engine/io.c) and before a transaction, now and then, one file is armed to
 *                            fail one of its next operations: EIO on a read, a write or a sync, or a
 *                            short write. A failed transaction is rolled back and the writer goes on
 *                            (it never prints a transaction whose COMMIT failed). Errors must come
 *                            only from injected faults: an error with no fault injected since the
 *                            previous transaction is reported on stderr and ends the writer (status 2).
 *   crash_writer verify DB LAST
 *                            checks PRAGMA integrity_check says ok, that t holds exactly the rows
 *                            1..max(n) with no gap, that max(n) >= LAST (the last acknowledged commit)
 *                            and that the counter equals count(*) (transactions are atomic). Prints the
 *                            row count; exit status 0 when everything holds, 1 otherwise, 2 on errors.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "io.h"
#include "mica.h"
#include "mica_int.h"

/* The files the writer opened, wrapped for fault injection (faults mode only). */
typedef struct FaultFiles {
  IoFile *f[16];
  int n;
} FaultFiles;

static int fault_open(void *ctx, const char *path, int flags, IoFile **out) {
  FaultFiles *ff = ctx;
  IoFile *inner;
  int rc = io_open(path, flags, &inner);
  if (rc != MICA_OK) return rc;
  rc = io_fault_wrap(inner, out);
  if (rc == MICA_OK && ff->n < (int)(sizeof ff->f / sizeof ff->f[0])) ff->f[ff->n++] = *out;
  return rc;
}

static int faults_injected(const FaultFiles *ff) {
  int n = 0;
  for (int i = 0; i < ff->n; i++)
    n += io_fault_count(ff->f[i]);
  return n;
}

static int run(mica_db *db, const char *sql) {
  char *err = NULL;
  int rc = mica_exec(db, sql, NULL, NULL, &err);
  if (rc != MICA_OK) {
    fprintf(stderr, "crash_writer: %s: %s\n", sql, err ? err : mica_errstr(rc));
    mica_free(err);
  }
  return rc;
}

static int query_int(mica_db *db, const char *sql, long long *out) {
  mica_stmt *st = NULL;
  int rc = mica_prepare(db, sql, -1, &st, NULL);
  if (rc == MICA_OK && (rc = mica_step(st)) == MICA_ROW) {
    *out = mica_column_int64(st, 0);
    rc = MICA_OK;
  } else {
    fprintf(stderr, "crash_writer: %s: %s\n", sql, mica_errmsg(db));
    rc = MICA_ERROR;
  }
  mica_finalize(st);
  return rc;
}

static int do_init(mica_db *db) {
  return run(db, "BEGIN; CREATE TABLE IF NOT EXISTS t(n INTEGER PRIMARY KEY, pad BLOB, note TEXT);"
                 "CREATE INDEX IF NOT EXISTS tnote ON t(note);"
                 "CREATE TABLE IF NOT EXISTS c(k INTEGER PRIMARY KEY, total INTEGER);"
                 "INSERT OR IGNORE INTO c VALUES(1, 0); COMMIT") == MICA_OK
             ? 0
             : 2;
}

/* One transaction: row n and the counter. MICA_OK when COMMIT returned OK. quiet: no message on
 * error (faults mode, where errors are expected). */
static int write_txn(mica_db *db, mica_stmt *ins, long long n, int quiet) {
  int rc = mica_exec(db, "BEGIN", NULL, NULL, NULL);
  if (rc == MICA_OK) {
    mica_bind_int64(ins, 1, n);
    mica_bind_int(ins, 2, (int)(n % 7 == 0 ? 5000 : 100 + n % 300)); /* some rows overflow a page */
    rc = mica_step(ins) == MICA_DONE ? MICA_OK : MICA_ERROR;
    if (rc != MICA_OK && !quiet) fprintf(stderr, "crash_writer: insert: %s\n", mica_errmsg(db));
    mica_reset(ins);
  }
  if (rc == MICA_OK)
    rc = quiet ? mica_exec(db, "UPDATE c SET total = total + 1 WHERE k = 1", NULL, NULL, NULL)
               : run(db, "UPDATE c SET total = total + 1 WHERE k = 1");
  if (rc == MICA_OK) rc = quiet ? mica_exec(db, "COMMIT", NULL, NULL, NULL) : run(db, "COMMIT");
  return rc;
}

static int do_faults(const char *path, unsigned seed) {
  FaultFiles ff = {0};
  mica_db *db = NULL;
  if (mica_open_io(path, MICA_OPEN_READWRITE, fault_open, &ff, &db) != MICA_OK) {
    fprintf(stderr, "crash_writer: cannot open %s: %s\n", path, db ? mica_errmsg(db) : "out of memory");
    mica_close(db);
    return 2;
  }
  srand(seed);
  long long n = 0;
  mica_stmt *ins = NULL;
  int rc = query_int(db, "SELECT coalesce(max(n), 0) FROM t", &n);
  if (rc == MICA_OK &&
      mica_prepare(db, "INSERT INTO t VALUES(?1, randomblob(?2), 'row ' || ?1)", -1, &ins, NULL))
    rc = MICA_ERROR;
  static const int kinds[] = {IO_FAULT_READ, IO_FAULT_WRITE, IO_FAULT_SYNC, IO_FAULT_SHORT_WRITE};
  int seen = faults_injected(&ff);
  while (rc == MICA_OK) {
    if (ff.n > 0 && rand() % 8 == 0) io_fault_set(ff.f[rand() % ff.n], kinds[rand() % 4], 1 + rand() % 4, 0);
    int trc = write_txn(db, ins, n + 1, 1);
    if (trc == MICA_OK) {
      n++;
      char line[32];
      int len = snprintf(line, sizeof line, "%lld\n", n);
      if (write(1, line, (size_t)len) != len) rc = MICA_ERROR;
      seen = faults_injected(&ff);
      continue;
    }
    /* The transaction failed: roll back (a failed COMMIT may have ended it already), then learn
     * where the file stands. Every error since the last good transaction must stem from a fault. */
    const char *msg = mica_errmsg(db);
    char why[256];
    snprintf(why, sizeof why, "%s", msg ? msg : "?");
    mica_exec(db, "ROLLBACK", NULL, NULL, NULL);
    if (faults_injected(&ff) == seen) {
      fprintf(stderr, "crash_writer: transaction %lld failed with no fault injected: %s\n", n + 1, why);
      rc = MICA_ERROR;
      break;
    }
    for (int tries = 0;; tries++) {
      mica_stmt *q = NULL;
      int qrc = mica_prepare(db, "SELECT coalesce(max(n), 0) FROM t", -1, &q, NULL);
      if (qrc == MICA_OK && mica_step(q) == MICA_ROW) {
        n = mica_column_int64(q, 0);
        mica_finalize(q);
        break;
      }
      mica_finalize(q);
      if (tries == 8) {
        fprintf(stderr, "crash_writer: cannot read the table back after a fault: %s\n", mica_errmsg(db));
        rc = MICA_ERROR;
        break;
      }
    }
    seen = faults_injected(&ff);
  }
  mica_finalize(ins);
  mica_close(db);
  return 2;
}

static int do_write(mica_db *db) {
  long long n = 0;
  if (query_int(db, "SELECT coalesce(max(n), 0) FROM t", &n) != MICA_OK) return 2;
  mica_stmt *ins = NULL;
  if (mica_prepare(db, "INSERT INTO t VALUES(?1, randomblob(?2), 'row ' || ?1)", -1, &ins, NULL) != MICA_OK) {
    fprintf(stderr, "crash_writer: prepare: %s\n", mica_errmsg(db));
    return 2;
  }
  for (;;) {
    n++;
    if (write_txn(db, ins, n, 0) != MICA_OK) return 2;
    char line[32];
    int len = snprintf(line, sizeof line, "%lld\n", n);
    if (write(1, line, (size_t)len) != len) return 2;
  }
}

static int do_verify(mica_db *db, long long last) {
  mica_stmt *st = NULL;
  if (mica_prepare(db, "PRAGMA integrity_check", -1, &st, NULL) != MICA_OK) {
    fprintf(stderr, "crash_writer: integrity_check: %s\n", mica_errmsg(db));
    return 2;
  }
  int bad = 0, rc;
  while ((rc = mica_step(st)) == MICA_ROW) {
    const char *msg = (const char *)mica_column_text(st, 0);
    if (!msg || strcmp(msg, "ok") != 0) {
      printf("integrity_check: %s\n", msg ? msg : "(null)");
      bad = 1;
    }
  }
  mica_finalize(st);
  if (rc != MICA_DONE) {
    fprintf(stderr, "crash_writer: integrity_check: %s\n", mica_errmsg(db));
    return 2;
  }
  long long cnt, mx, mn, total;
  if (query_int(db, "SELECT count(*) FROM t", &cnt) ||
      query_int(db, "SELECT coalesce(max(n), 0) FROM t", &mx) ||
      query_int(db, "SELECT coalesce(min(n), 1) FROM t", &mn) ||
      query_int(db, "SELECT coalesce((SELECT total FROM c WHERE k = 1), 0)", &total))
    return 2;
  if (mn != 1 || cnt != mx) {
    printf("rows are not exactly 1..%lld: count %lld, min %lld\n", mx, cnt, mn);
    bad = 1;
  }
  if (mx < last) {
    printf("lost committed transactions: last acknowledged %lld, database has %lld\n", last, mx);
    bad = 1;
  }
  if (total != cnt) {
    printf("counter %lld != rows %lld: a transaction was applied in part\n", total, cnt);
    bad = 1;
  }
  printf("%lld\n", cnt);
  return bad;
}

int main(int argc, char **argv) {
  if (argc < 3 || (strcmp(argv[1], "init") && strcmp(argv[1], "write") && strcmp(argv[1], "verify") &&
                   strcmp(argv[1], "faults"))) {
    fprintf(stderr, "usage: crash_writer init DB | crash_writer write DB | crash_writer faults DB SEED | "
                    "crash_writer verify DB LAST\n");
    return 2;
  }
  if (!strcmp(argv[1], "faults"))
    return do_faults(argv[2], argc > 3 ? (unsigned)strtoul(argv[3], NULL, 10) : 1);
  mica_db *db = NULL;
  if (mica_open(argv[2], MICA_OPEN_READWRITE | MICA_OPEN_CREATE, &db) != MICA_OK) {
    fprintf(stderr, "crash_writer: cannot open %s: %s\n", argv[2], db ? mica_errmsg(db) : "out of memory");
    mica_close(db);
    return 2;
  }
  int rc = !strcmp(argv[1], "init")    ? do_init(db)
           : !strcmp(argv[1], "write") ? do_write(db)
                                       : do_verify(db, argc > 3 ? atoll(argv[3]) : 0);
  mica_close(db);
  return rc;
}
