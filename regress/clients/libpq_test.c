/*
 * libpq_test.c: drives a running micad through libpq and checks protocol behaviour: startup parameters,
 * simple and extended query (text and binary formats), prepared statements, SQLSTATEs, transaction
 * status, pipelining with an error, cancel and statement_timeout.
 *
 * Usage: libpq_test "conninfo"   Prints one line per check and "N passed, N failed" last; exit 1 on failure.
 */
#include <arpa/inet.h>
#include <libpq-fe.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int passed, failed;

static void check(int ok, const char *what, const char *detail) {
  if (ok)
    passed++;
  else
    failed++;
  printf("%s: %s%s%s\n", ok ? "ok" : "FAIL", what, detail && !ok ? " -- " : "", detail && !ok ? detail : "");
}

static const char *state_of(PGresult *r) {
  const char *s = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
  return s ? s : "";
}

static PGresult *exec_ok(PGconn *c, const char *sql, const char *what) {
  PGresult *r = PQexec(c, sql);
  int st = PQresultStatus(r);
  check(st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK, what, PQerrorMessage(c));
  return r;
}

static void expect_state(PGconn *c, const char *sql, const char *sqlstate, const char *what) {
  PGresult *r = PQexec(c, sql);
  char detail[512];
  snprintf(detail, sizeof detail, "got %s: %s", state_of(r), PQresultErrorMessage(r));
  check(PQresultStatus(r) == PGRES_FATAL_ERROR && !strcmp(state_of(r), sqlstate), what, detail);
  PQclear(r);
}

static int64_t be64(const char *p) {
  const unsigned char *u = (const unsigned char *)p;
  uint64_t v = 0;
  for (int i = 0; i < 8; i++)
    v = v << 8 | u[i];
  return (int64_t)v;
}

static void test_startup(PGconn *c) {
  char d[128];
  snprintf(d, sizeof d, "version %d", PQserverVersion(c));
  check(PQserverVersion(c) >= 150000 && PQserverVersion(c) < 160000, "server_version parses as 15.x", d);
  const char *enc = PQparameterStatus(c, "server_encoding");
  check(enc && !strcmp(enc, "UTF8"), "server_encoding UTF8", enc);
  const char *idt = PQparameterStatus(c, "integer_datetimes");
  check(idt && !strcmp(idt, "on"), "integer_datetimes on", idt);
  const char *scs = PQparameterStatus(c, "standard_conforming_strings");
  check(scs && !strcmp(scs, "on"), "standard_conforming_strings on", scs);
  check(PQbackendPID(c) > 0, "BackendKeyData received", NULL);
  check(PQtransactionStatus(c) == PQTRANS_IDLE, "idle after startup", NULL);
}

static void test_simple(PGconn *c) {
  PQclear(PQexec(c, "DROP TABLE IF EXISTS lt"));
  PQclear(exec_ok(c,
                  "CREATE TABLE lt (id integer PRIMARY KEY, name text, score double precision, big bigint, "
                  "flag boolean, data bytea, v varchar(12))",
                  "create table"));
  PGresult *r = PQexec(c, "INSERT INTO lt VALUES (1, 'one', 1.5, 10000000000, 1, x'0102', 'v1');"
                          "INSERT INTO lt VALUES (2, NULL, NULL, NULL, 0, NULL, NULL)");
  check(PQresultStatus(r) == PGRES_COMMAND_OK && !strcmp(PQcmdStatus(r), "INSERT 0 1"),
        "multi-statement insert tag", PQcmdStatus(r));
  PQclear(r);
  r = PQexec(c, "SELECT id, name, score, big, flag, data, v FROM lt ORDER BY id");
  check(PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 2 && PQnfields(r) == 7, "select shape",
        PQresultErrorMessage(r));
  if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 2) {
    check(PQftype(r, 0) == 23 && PQftype(r, 1) == 25 && PQftype(r, 2) == 701 && PQftype(r, 3) == 20 &&
              PQftype(r, 4) == 16 && PQftype(r, 5) == 17 && PQftype(r, 6) == 1043,
          "column type OIDs from declared types", NULL);
    check(PQfmod(r, 6) == 16, "varchar(12) typmod is 16", NULL);
    check(!strcmp(PQgetvalue(r, 0, 1), "one") && !strcmp(PQgetvalue(r, 0, 2), "1.5") &&
              !strcmp(PQgetvalue(r, 0, 3), "10000000000"),
          "text values", PQgetvalue(r, 0, 2));
    check(!strcmp(PQgetvalue(r, 0, 4), "t") && !strcmp(PQgetvalue(r, 1, 4), "f"), "bool as t/f",
          PQgetvalue(r, 0, 4));
    check(!strcmp(PQgetvalue(r, 0, 5), "\\x0102"), "bytea hex output", PQgetvalue(r, 0, 5));
    check(PQgetisnull(r, 1, 1) && PQgetisnull(r, 1, 5), "NULLs", NULL);
    check(!strcmp(PQcmdStatus(r), "SELECT 2"), "SELECT tag", PQcmdStatus(r));
  }
  PQclear(r);
  r = PQexec(c, "SELECT 1 + 1, 2.5 * 2, 'x' || 'y'");
  check(PQresultStatus(r) == PGRES_TUPLES_OK && PQftype(r, 0) == 23 && PQftype(r, 1) == 1700 &&
            PQftype(r, 2) == 25,
        "expression types as PostgreSQL's (int4, numeric, text)", PQresultErrorMessage(r));
  PQclear(r);
  r = PQexec(c, "UPDATE lt SET name = 'two' WHERE id = 2");
  check(!strcmp(PQcmdStatus(r), "UPDATE 1"), "UPDATE tag", PQcmdStatus(r));
  PQclear(r);
  r = PQexec(c, "DELETE FROM lt WHERE id > 100");
  check(!strcmp(PQcmdStatus(r), "DELETE 0"), "DELETE tag", PQcmdStatus(r));
  PQclear(r);
  r = PQexec(c, "");
  check(PQresultStatus(r) == PGRES_EMPTY_QUERY, "empty query", NULL);
  PQclear(r);
  r = PQexec(c, "SELECT id FROM lt WHERE id < 0");
  check(PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 0 && PQnfields(r) == 1,
        "zero rows keep description", NULL);
  PQclear(r);
}

static void test_errors(PGconn *c) {
  expect_state(c, "SELEC 1", "42601", "syntax error is 42601");
  expect_state(c, "SELECT * FROM no_such_table", "42P01", "missing table is 42P01");
  expect_state(c, "SELECT no_such_column FROM lt", "42703", "missing column is 42703");
  expect_state(c, "INSERT INTO lt (id) VALUES (1)", "23505", "duplicate key is 23505");
  PGresult *r = PQexec(c, "SELECT * FROM lt WHERE )");
  const char *pos = PQresultErrorField(r, PG_DIAG_STATEMENT_POSITION);
  check(pos && atoi(pos) == 24, "error position points at the offending token", pos ? pos : "(no position)");
  const char *sev = PQresultErrorField(r, PG_DIAG_SEVERITY_NONLOCALIZED);
  check(sev && !strcmp(sev, "ERROR"), "severity V field", sev);
  PQclear(r);
  /* An error in a multi-statement query rolls back the statements before it (implicit transaction). */
  r = PQexec(c, "INSERT INTO lt (id) VALUES (50); SELECT * FROM no_such_table");
  PQclear(r);
  r = PQexec(c, "SELECT count(*) FROM lt WHERE id = 50");
  check(PQresultStatus(r) == PGRES_TUPLES_OK && !strcmp(PQgetvalue(r, 0, 0), "0"),
        "implicit transaction rolled back on error", PQgetvalue(r, 0, 0));
  PQclear(r);
  check(PQstatus(c) == CONNECTION_OK, "connection survives errors", NULL);
}

static void test_transactions(PGconn *c) {
  PQclear(PQexec(c, "BEGIN"));
  check(PQtransactionStatus(c) == PQTRANS_INTRANS, "BEGIN -> in transaction", NULL);
  PQclear(PQexec(c, "INSERT INTO lt (id) VALUES (60)"));
  PQclear(PQexec(c, "SELECT * FROM no_such_table"));
  check(PQtransactionStatus(c) == PQTRANS_INERROR, "error -> failed transaction", NULL);
  expect_state(c, "SELECT 1", "25P02", "commands refused in failed transaction");
  PGresult *r = PQexec(c, "COMMIT");
  check(!strcmp(PQcmdStatus(r), "ROLLBACK"), "COMMIT of failed transaction reports ROLLBACK", PQcmdStatus(r));
  PQclear(r);
  check(PQtransactionStatus(c) == PQTRANS_IDLE, "idle after rollback", NULL);
  r = PQexec(c, "SELECT count(*) FROM lt WHERE id = 60");
  check(PQresultStatus(r) == PGRES_TUPLES_OK && !strcmp(PQgetvalue(r, 0, 0), "0"),
        "failed transaction rolled back", NULL);
  PQclear(r);
  PQclear(PQexec(c, "START TRANSACTION"));
  PQclear(PQexec(c, "INSERT INTO lt (id) VALUES (61)"));
  r = PQexec(c, "END");
  check(!strcmp(PQcmdStatus(r), "COMMIT"), "END commits", PQcmdStatus(r));
  PQclear(r);
  r = PQexec(c, "SELECT count(*) FROM lt WHERE id = 61");
  check(PQresultStatus(r) == PGRES_TUPLES_OK && !strcmp(PQgetvalue(r, 0, 0), "1"), "committed row visible",
        NULL);
  PQclear(r);
  r = PQexec(c, "COMMIT");
  check(PQresultStatus(r) == PGRES_COMMAND_OK && PQtransactionStatus(c) == PQTRANS_IDLE,
        "COMMIT outside a transaction only warns", NULL);
  PQclear(r);
}

static void test_extended(PGconn *c) {
  const char *vals[2] = {"41", "abc"};
  Oid types[2] = {23, 25};
  PGresult *r = PQexecParams(c, "SELECT $1 + 1, $2", 2, types, vals, NULL, NULL, 0);
  check(PQresultStatus(r) == PGRES_TUPLES_OK && !strcmp(PQgetvalue(r, 0, 0), "42") &&
            !strcmp(PQgetvalue(r, 0, 1), "abc"),
        "PQexecParams text parameters", PQresultErrorMessage(r));
  PQclear(r);
  /* Binary parameter and binary result. */
  uint32_t id_be = htonl(1);
  const char *bvals[1] = {(const char *)&id_be};
  int blens[1] = {4}, bfmts[1] = {1};
  Oid btypes[1] = {23};
  r = PQexecParams(c, "SELECT id, big, score, name FROM lt WHERE id = $1", 1, btypes, bvals, blens, bfmts, 1);
  int ok = PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1 && PQfformat(r, 0) == 1 &&
           PQgetlength(r, 0, 0) == 4 && PQgetlength(r, 0, 1) == 8;
  check(ok, "binary int4 parameter and binary results", PQresultErrorMessage(r));
  if (ok) {
    uint32_t v;
    memcpy(&v, PQgetvalue(r, 0, 0), 4);
    check(ntohl(v) == 1, "binary int4 value", NULL);
    check(be64(PQgetvalue(r, 0, 1)) == 10000000000LL, "binary int8 value", NULL);
    int64_t bits = be64(PQgetvalue(r, 0, 2));
    double d;
    memcpy(&d, &bits, 8);
    check(d == 1.5, "binary float8 value", NULL);
    check(PQgetlength(r, 0, 3) == 3 && !memcmp(PQgetvalue(r, 0, 3), "one", 3), "binary text value", NULL);
  }
  PQclear(r);
  /* Prepared statements, described and executed twice. */
  r = PQprepare(c, "byid", "SELECT name FROM lt WHERE id = $1", 1, NULL);
  check(PQresultStatus(r) == PGRES_COMMAND_OK, "PQprepare", PQresultErrorMessage(r));
  PQclear(r);
  r = PQdescribePrepared(c, "byid");
  check(PQresultStatus(r) == PGRES_COMMAND_OK && PQnparams(r) == 1 && PQnfields(r) == 1 &&
            PQftype(r, 0) == 25,
        "PQdescribePrepared", PQresultErrorMessage(r));
  PQclear(r);
  for (int i = 1; i <= 2; i++) {
    char idbuf[8];
    snprintf(idbuf, sizeof idbuf, "%d", i);
    const char *pv[1] = {idbuf};
    r = PQexecPrepared(c, "byid", 1, pv, NULL, NULL, 0);
    check(PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1 &&
              !strcmp(PQgetvalue(r, 0, 0), i == 1 ? "one" : "two"),
          "PQexecPrepared reuses the statement", PQresultErrorMessage(r));
    PQclear(r);
  }
  /* Untyped parameters get the type of what they meet, as PostgreSQL 15 infers them (checked with
   * pg_prepared_statements.parameter_types): a compared column or literal, an INSERT/UPDATE target
   * column, LIMIT (int8); otherwise text. */
  r = PQprepare(c, "infer",
                "UPDATE lt SET score = $1, big = $2 WHERE id = $3 AND name IN ($4, 'x') AND "
                "flag = $5 AND $6 = 0",
                0, NULL);
  PQclear(r);
  r = PQdescribePrepared(c, "infer");
  check(PQresultStatus(r) == PGRES_COMMAND_OK && PQnparams(r) == 6 && PQparamtype(r, 0) == 701 &&
            PQparamtype(r, 1) == 20 && PQparamtype(r, 2) == 23 && PQparamtype(r, 3) == 25 &&
            PQparamtype(r, 4) == 16 && PQparamtype(r, 5) == 23,
        "untyped parameters are inferred from their columns", PQresultErrorMessage(r));
  PQclear(r);
  r = PQprepare(c, "inferins", "INSERT INTO lt (id, v, data) SELECT $1, $2, $3 LIMIT $4", 0, NULL);
  PQclear(r);
  r = PQprepare(c, "inferins2", "INSERT INTO lt (id, v, data) VALUES ($1, $2, $3)", 0, NULL);
  PQclear(r);
  r = PQdescribePrepared(c, "inferins2");
  check(PQresultStatus(r) == PGRES_COMMAND_OK && PQnparams(r) == 3 && PQparamtype(r, 0) == 23 &&
            PQparamtype(r, 1) == 1043 && PQparamtype(r, 2) == 17,
        "INSERT VALUES parameters take their columns' types", PQresultErrorMessage(r));
  PQclear(r);
  r = PQdescribePrepared(c, "inferins");
  check(PQresultStatus(r) == PGRES_COMMAND_OK && PQnparams(r) == 4 && PQparamtype(r, 0) == 23 &&
            PQparamtype(r, 1) == 1043 && PQparamtype(r, 2) == 17 && PQparamtype(r, 3) == 20,
        "INSERT ... SELECT and LIMIT parameters (int8)", PQresultErrorMessage(r));
  PQclear(r);
  r = PQprepare(c, "byid", "SELECT 1", 0, NULL);
  check(!strcmp(state_of(r), "42P05"), "duplicate prepared statement is 42P05", state_of(r));
  PQclear(r);
  r = PQexecPrepared(c, "nope", 0, NULL, NULL, NULL, 0);
  check(!strcmp(state_of(r), "26000"), "unknown prepared statement is 26000", state_of(r));
  PQclear(r);
  r = PQprepare(c, "two", "SELECT 1; SELECT 2", 0, NULL);
  check(!strcmp(state_of(r), "42601"), "multiple commands in a prepared statement refused", state_of(r));
  PQclear(r);
  const char *nv[1] = {NULL};
  r = PQexecParams(c, "SELECT $1 IS NULL", 1, NULL, nv, NULL, NULL, 0);
  check(PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1, "NULL parameter", PQresultErrorMessage(r));
  PQclear(r);
  r = PQexecParams(c, "INSERT INTO lt (id, name) VALUES ($1, $2)", 2, NULL, (const char *[]){"70", "seventy"},
                   NULL, NULL, 0);
  check(!strcmp(PQcmdStatus(r), "INSERT 0 1"), "extended INSERT tag", PQcmdStatus(r));
  PQclear(r);
}

static void test_pipeline(PGconn *c) {
  if (!PQenterPipelineMode(c)) {
    check(0, "enter pipeline mode", PQerrorMessage(c));
    return;
  }
  PQsendQueryParams(c, "SELECT 1", 0, NULL, NULL, NULL, NULL, 0);
  PQsendQueryParams(c, "SELECT * FROM no_such_table", 0, NULL, NULL, NULL, NULL, 0);
  PQsendQueryParams(c, "SELECT 3", 0, NULL, NULL, NULL, NULL, 0);
  PQpipelineSync(c);
  PQsendQueryParams(c, "SELECT 4", 0, NULL, NULL, NULL, NULL, 0);
  PQpipelineSync(c);
  int statuses[16], n = 0;
  for (int guard = 0; guard < 40 && n < 12; guard++) {
    PGresult *r = PQgetResult(c);
    if (!r) continue;
    statuses[n++] = PQresultStatus(r);
    int st = PQresultStatus(r);
    PQclear(r);
    if (st == PGRES_PIPELINE_SYNC && n > 5) break;
  }
  /* Expected: TUPLES_OK, (null), FATAL_ERROR, (null), PIPELINE_ABORTED, (null), SYNC, TUPLES_OK, (null), SYNC
   */
  int seen_err = 0, seen_aborted = 0, syncs = 0, tuples = 0;
  for (int i = 0; i < n; i++) {
    if (statuses[i] == PGRES_FATAL_ERROR) seen_err++;
    if (statuses[i] == PGRES_PIPELINE_ABORTED) seen_aborted++;
    if (statuses[i] == PGRES_PIPELINE_SYNC) syncs++;
    if (statuses[i] == PGRES_TUPLES_OK) tuples++;
  }
  char d[128];
  snprintf(d, sizeof d, "err=%d aborted=%d syncs=%d tuples=%d", seen_err, seen_aborted, syncs, tuples);
  check(seen_err == 1 && seen_aborted == 1 && syncs == 2 && tuples == 2,
        "pipeline: error skips to Sync, next batch runs", d);
  PQexitPipelineMode(c);
}

static void test_set_show(PGconn *c) {
  PGresult *r = PQexec(c, "SET application_name = 'libpq_test'");
  check(PQresultStatus(r) == PGRES_COMMAND_OK && !strcmp(PQcmdStatus(r), "SET"), "SET",
        PQresultErrorMessage(r));
  PQclear(r);
  const char *an = PQparameterStatus(c, "application_name");
  check(an && !strcmp(an, "libpq_test"), "SET reports ParameterStatus", an);
  r = PQexec(c, "SHOW application_name");
  check(PQresultStatus(r) == PGRES_TUPLES_OK && !strcmp(PQgetvalue(r, 0, 0), "libpq_test"), "SHOW", NULL);
  PQclear(r);
  expect_state(c, "SHOW no_such_setting", "42704", "SHOW unknown parameter is 42704");
  expect_state(c, "SET server_version = '1'", "55P02", "read-only parameter refused");
}

static long now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A query that runs for minutes: a four-way cross join of 300 rows (no recursion needed). */
static const char *slow_sql = "SELECT count(*) FROM slow a, slow b, slow c, slow d";

static void make_slow_table(PGconn *c) {
  char sql[8192];
  int n = snprintf(sql, sizeof sql, "INSERT INTO slow VALUES (0)");
  for (int i = 1; i < 300; i++)
    n += snprintf(sql + n, sizeof sql - (size_t)n, ", (%d)", i);
  PQclear(PQexec(c, "DROP TABLE IF EXISTS slow"));
  PQclear(PQexec(c, "CREATE TABLE slow (x integer)"));
  PQclear(PQexec(c, sql));
}

static void test_cancel(PGconn *c) {
  make_slow_table(c);
  if (!PQsendQuery(c, slow_sql)) {
    check(0, "send slow query", PQerrorMessage(c));
    return;
  }
  usleep(300000);
  PGcancel *cn = PQgetCancel(c);
  char errbuf[256];
  long t0 = now_ms();
  int sent = PQcancel(cn, errbuf, sizeof errbuf);
  PQfreeCancel(cn);
  check(sent, "cancel request sent", errbuf);
  PGresult *r, *last = NULL;
  while ((r = PQgetResult(c))) {
    if (last) PQclear(last);
    last = r;
  }
  long dt = now_ms() - t0;
  check(last && !strcmp(state_of(last), "57014") && dt < 5000,
        "cancel interrupts a running statement (57014)", last ? PQresultErrorMessage(last) : "(no result)");
  if (last) PQclear(last);
  PQclear(PQexec(c, "SET statement_timeout = 200"));
  t0 = now_ms();
  r = PQexec(c, slow_sql);
  dt = now_ms() - t0;
  check(!strcmp(state_of(r), "57014") && dt < 5000 && strstr(PQresultErrorMessage(r), "timeout") != NULL,
        "statement_timeout interrupts (57014)", PQresultErrorMessage(r));
  PQclear(r);
  PQclear(PQexec(c, "RESET statement_timeout"));
  r = PQexec(c, "SELECT 1");
  check(PQresultStatus(r) == PGRES_TUPLES_OK, "session usable after cancel", PQresultErrorMessage(r));
  PQclear(r);
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: libpq_test conninfo\n");
    return 2;
  }
  PGconn *c = PQconnectdb(argv[1]);
  if (PQstatus(c) != CONNECTION_OK) {
    printf("FAIL: connect: %s\n0 passed, 1 failed\n", PQerrorMessage(c));
    PQfinish(c);
    return 1;
  }
  check(1, "connect", NULL);
  test_startup(c);
  test_simple(c);
  test_errors(c);
  test_transactions(c);
  test_extended(c);
  test_pipeline(c);
  test_set_show(c);
  test_cancel(c);
  PQfinish(c);
  printf("%d passed, %d failed\n", passed, failed);
  return failed ? 1 : 0;
}
