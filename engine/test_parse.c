/* test_parse.c: unit tests for the tokenizer and parser (parse.c) and the tree (ast.c). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ast.h"
#include "mica.h"
#include "parse.h"

static int dialect = MICA_DIALECT_SQLITE;

/* Parses one statement; returns it (caller frees) or NULL with the message in err. */
static Stmt *parse1(const char *sql, char *err, size_t errcap, int *erroff) {
  Stmt *st = NULL;
  char *msg = NULL;
  const char *tail = NULL;
  int off = -1;
  int rc = parse_statement(sql, -1, dialect, &st, &tail, &msg, &off);
  if (err) {
    snprintf(err, errcap, "%s", rc == MICA_OK ? "" : msg ? msg : "(no message)");
  }
  if (erroff) *erroff = off;
  free(msg);
  return rc == MICA_OK ? st : NULL;
}

static char *dump(const Stmt *st) {
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&buf, &len);
  ast_print(st, f);
  fclose(f);
  return buf;
}

static void check_dump(const char *sql, const char *want) {
  char err[256];
  Stmt *st = parse1(sql, err, sizeof err, NULL);
  ck_assert_msg(st != NULL, "%s: %s", sql, err);
  char *got = dump(st);
  ck_assert_msg(strcmp(got, want) == 0, "%s\n got: %s want: %s", sql, got, want);
  free(got);
  ast_free(st);
}

static void check_error(const char *sql, const char *want, int want_off) {
  char err[256];
  int off = -2;
  Stmt *st = parse1(sql, err, sizeof err, &off);
  ck_assert_msg(st == NULL, "%s parsed but should fail", sql);
  ck_assert_msg(strcmp(err, want) == 0, "%s: got \"%s\" want \"%s\"", sql, err, want);
  if (want_off >= -1) ck_assert_msg(off == want_off, "%s: offset %d want %d", sql, off, want_off);
}

START_TEST(test_parse_expression_precedence) {
  check_dump("SELECT 1 + 2 * 3", "stmt 1 {SELECT (+ 1 (* 2 3))}\n");
  check_dump("SELECT a OR b AND NOT c = d", "stmt 1 {SELECT (OR a (AND b (NOT (= c d))))}\n");
  check_dump("SELECT a < b = c", "stmt 1 {SELECT (= (< a b) c)}\n");
  check_dump("SELECT -a || b", "stmt 1 {SELECT (|| (NEG a) b)}\n");
  check_dump("SELECT a BETWEEN 1 AND 2 AND b", "stmt 1 {SELECT (AND (BETWEEN a 1 2) b)}\n");
  check_dump("SELECT a NOT IN (1, 2)", "stmt 1 {SELECT (NOTIN a 1 2)}\n");
  check_dump("SELECT a IS NOT NULL, b NOT NULL, c ISNULL",
             "stmt 1 {SELECT (NOTNULL a) (NOTNULL b) (ISNULL c)}\n");
  check_dump("SELECT a IS NOT DISTINCT FROM b", "stmt 1 {SELECT (IS a b)}\n");
  check_dump("SELECT a & b << 1", "stmt 1 {SELECT (<< (& a b) 1)}\n");
  check_dump("SELECT ~a COLLATE nocase", "stmt 1 {SELECT (COLLATE nocase (~ a))}\n");
  check_dump("SELECT x NOT LIKE 'a%' ESCAPE '!'", "stmt 1 {SELECT (NOTLIKE x 'a%' '!')}\n");
  check_dump("SELECT CASE WHEN a THEN 1 ELSE 2 END", "stmt 1 {SELECT (CASE 2 a 1)}\n");
  check_dump("SELECT count(*), count(DISTINCT a)", "stmt 1 {SELECT (count *) (count DISTINCT a)}\n");
  check_dump("SELECT -9223372036854775808, 9223372036854775808",
             "stmt 1 {SELECT -9223372036854775808 9.2233720368547758e+18}\n");
  check_dump("SELECT 0x10, 1e3, .5", "stmt 1 {SELECT 16 1000 0.5}\n");
  check_dump("SELECT 'it''s'", "stmt 1 {SELECT 'it's'}\n");
}
END_TEST

/* PostgreSQL arrays: [ ] are brackets there, and the array forms become calls. */
START_TEST(test_parse_postgres_array_syntax) {
  dialect = MICA_DIALECT_POSTGRES;
  check_dump("SELECT ARRAY[1, 2], ARRAY[]", "stmt 1 {SELECT (pg_array 1 2) (pg_array)}\n");
  check_dump("SELECT a[1], (b)[i + 1]::text FROM t",
             "stmt 1 {SELECT (pg_subscript a 1) (CAST text (pg_subscript b (+ i 1))) FROM t}\n");
  check_dump("SELECT x = ANY(a), x <> ALL ('{1}'), x < SOME(b)",
             "stmt 1 {SELECT (pg_any x a '=') (pg_all x '{1}' '<>') (pg_any x b '<')}\n");
  check_dump("SELECT x = ANY(SELECT 1), x <> ALL (SELECT 2)",
             "stmt 1 {SELECT (INSEL x {SELECT 1}) (NOTINSEL x {SELECT 2})}\n");
  check_dump("SELECT '{1}'::int[], CAST(x AS varchar(3)[])",
             "stmt 1 {SELECT (CAST int[] '{1}') (CAST varchar(3)[] x)}\n");
  check_dump("SELECT array_agg(x ORDER BY y DESC, z)", "stmt 1 {SELECT (array_agg x)}\n");
  check_error("SELECT x >= ALL (SELECT 1)", "ALL with a subquery is only supported as = ANY and <> ALL", 9);
  check_error("SELECT [a] FROM t", "near \"[\": syntax error", 7);
  check_error("SELECT a[1 FROM t", "near \"FROM\": syntax error", 11);
  dialect = MICA_DIALECT_SQLITE;
  check_dump("SELECT [a] FROM t", "stmt 1 {SELECT a FROM t}\n");
  check_error("SELECT group_concat(x ORDER BY x)", "near \"ORDER\": syntax error", 22);
}
END_TEST

START_TEST(test_parse_select_shapes) {
  check_dump(
      "SELECT t.*, a AS x, b y FROM t LEFT JOIN u USING (id) WHERE a > 1 GROUP BY a HAVING count(*) > 1 "
      "ORDER BY 1 DESC LIMIT 5 OFFSET 2",
      "stmt 1 {SELECT t.* a AS x b AS y FROM t J1 u USING id WHERE (> a 1) GROUP BY a HAVING (> (count *) 1) "
      "ORDER BY 1 DESC LIMIT 5 OFFSET 2}\n");
  check_dump("SELECT a FROM t UNION ALL SELECT b FROM u ORDER BY 1",
             "stmt 1 {{SELECT a FROM t} UNION ALL {SELECT b FROM u} ORDER BY 1}\n");
  check_dump("VALUES (1, 2), (3, 4)", "stmt 1 {VALUES (1 2) (3 4)}\n");
  check_dump("SELECT * FROM a, (SELECT 1) AS s NATURAL JOIN b",
             "stmt 1 {SELECT * FROM a J0 {SELECT 1} AS s J0N b}\n");
  check_dump("SELECT a FROM t LIMIT 2, 3", "stmt 1 {SELECT a FROM t LIMIT 3 OFFSET 2}\n");
  check_dump("SELECT x FROM t WHERE x IN (SELECT y FROM u) AND EXISTS (SELECT 1)",
             "stmt 1 {SELECT x FROM t WHERE (AND (INSEL x {SELECT y FROM u}) (EXISTS {SELECT 1}))}\n");
}
END_TEST

START_TEST(test_parse_positions_and_params) {
  const char *sql = "SELECT a+1, (b), ?, :x, ?5, :x, ? FROM t";
  Stmt *st = parse1(sql, NULL, 0, NULL);
  ck_assert_ptr_nonnull(st);
  Select *s = st->sel;
  ck_assert_int_eq(s->nres, 7);
  ck_assert_int_eq(s->res[0].end - s->res[0].off, 3); /* "a+1" */
  ck_assert_int_eq(strncmp(sql + s->res[0].off, "a+1", 3), 0);
  ck_assert_int_eq(strncmp(sql + s->res[1].off, "(b)", 3), 0);
  ck_assert_int_eq(s->res[1].end - s->res[1].off, 3);
  ck_assert_int_eq(s->res[2].expr->param, 1);
  ck_assert_int_eq(s->res[3].expr->param, 2);
  ck_assert_int_eq(s->res[4].expr->param, 5);
  ck_assert_int_eq(s->res[5].expr->param, 2); /* a repeated name keeps its number */
  ck_assert_int_eq(s->res[6].expr->param, 6);
  ck_assert_int_eq(st->nparam, 6);
  ck_assert_str_eq(st->param_names[2], ":x");
  ast_free(st);
}
END_TEST

/* GENERATED ALWAYS AS (expr) did not parse: ALWAYS is a keyword token, not an identifier. */
START_TEST(test_parse_generated_always) {
  Stmt *st =
      parse1("CREATE TABLE g(a INT, b INT GENERATED ALWAYS AS (a + 1), c GENERATED ALWAYS AS (a) STORED, "
             "d AS (a - 1) VIRTUAL)",
             NULL, 0, NULL);
  ck_assert_ptr_nonnull(st);
  ck_assert_int_eq(st->ncoldef, 4);
  ck_assert_int_eq(st->coldefs[1].gen, 1);
  ck_assert_int_eq(st->coldefs[2].gen, 2);
  ck_assert_int_eq(st->coldefs[3].gen, 1);
  ast_free(st);
}
END_TEST

START_TEST(test_parse_ddl) {
  const char *sql =
      "create table if not exists main.t1(a INTEGER PRIMARY KEY AUTOINCREMENT, b VARCHAR(10) NOT NULL "
      "DEFAULT 'x', c REAL CHECK (c > 0) UNIQUE, d REFERENCES p(id) ON DELETE CASCADE, "
      "CONSTRAINT u UNIQUE (b, c DESC), FOREIGN KEY (d) REFERENCES p) WITHOUT ROWID";
  Stmt *st = parse1(sql, NULL, 0, NULL);
  ck_assert_ptr_nonnull(st);
  ck_assert_int_eq(st->kind, SK_CREATE_TABLE);
  ck_assert_int_eq(st->if_not_exists, 1);
  ck_assert_str_eq(st->schema, "main");
  ck_assert_str_eq(st->name, "t1");
  ck_assert_int_eq(st->name_off, (int)(strstr(sql, "t1(") - sql));
  ck_assert_int_eq(st->ncoldef, 4);
  ck_assert_int_eq(st->coldefs[0].pk, 1);
  ck_assert_int_eq(st->coldefs[0].autoinc, 1);
  ck_assert_str_eq(st->coldefs[0].type, "INTEGER");
  ck_assert_str_eq(st->coldefs[1].type, "VARCHAR(10)");
  ck_assert_int_eq(st->coldefs[1].notnull, 1);
  ck_assert_int_eq(st->coldefs[1].dflt->kind, EK_TEXT);
  ck_assert_int_eq(st->coldefs[2].ncheck, 1);
  ck_assert_int_eq(st->coldefs[2].unique, 1);
  ck_assert_ptr_null(st->coldefs[3].type);
  ck_assert_str_eq(st->coldefs[3].fk->table, "p");
  ck_assert_int_eq(st->coldefs[3].fk->on_delete, 3);
  ck_assert_int_eq(st->ntcons, 2);
  ck_assert_int_eq(st->tcons[0].kind, TC_UNIQUE);
  ck_assert_int_eq(st->tcons[0].cols[1].desc, 1);
  ck_assert_int_eq(st->tcons[1].kind, TC_FOREIGN_KEY);
  ck_assert_int_eq(st->without_rowid, 1);
  ck_assert_int_eq(st->end, (int)strlen(sql));
  ast_free(st);

  st = parse1("CREATE UNIQUE INDEX IF NOT EXISTS i ON t(a COLLATE nocase DESC, b + 1) WHERE a > 0", NULL, 0,
              NULL);
  ck_assert_ptr_nonnull(st);
  ck_assert_int_eq(st->kind, SK_CREATE_INDEX);
  ck_assert_int_eq(st->unique, 1);
  ck_assert_int_eq(st->nidxcol, 2);
  ck_assert_str_eq(st->idxcols[0].collate, "nocase");
  ck_assert_int_eq(st->idxcols[0].desc, 1);
  ck_assert_int_eq(st->idxcols[1].expr->kind, EK_BINARY);
  ck_assert_ptr_nonnull(st->idx_where);
  ast_free(st);

  st = parse1("CREATE TRIGGER tr AFTER UPDATE OF a, b ON t FOR EACH ROW WHEN new.a > 0 BEGIN "
              "INSERT INTO log VALUES(new.a); DELETE FROM x WHERE y = old.b; END",
              NULL, 0, NULL);
  ck_assert_ptr_nonnull(st);
  ck_assert_int_eq(st->kind, SK_CREATE_TRIGGER);
  ck_assert_int_eq(st->trig_time, TR_AFTER);
  ck_assert_int_eq(st->trig_event, TE_UPDATE);
  ck_assert_int_eq(st->ntrig_cols, 2);
  ck_assert_int_eq(st->nbody, 2);
  ck_assert_int_eq(st->body[0]->kind, SK_INSERT);
  ck_assert_int_eq(st->body[1]->kind, SK_DELETE);
  ast_free(st);

  st = parse1("INSERT OR REPLACE INTO t(a, b) SELECT 1, 2 FROM u WHERE true ON CONFLICT(a) DO UPDATE SET b = "
              "excluded.b WHERE b < 5 RETURNING *",
              NULL, 0, NULL);
  ck_assert_ptr_nonnull(st);
  ck_assert_int_eq(st->kind, SK_INSERT);
  ck_assert_int_eq(st->onconf, OE_REPLACE);
  ck_assert_int_eq(st->ncols, 2);
  ck_assert_int_eq(st->nupsert, 1);
  ck_assert_int_eq(st->upserts[0].do_update, 1);
  ck_assert_int_eq(st->nreturning, 1);
  ast_free(st);

  st = parse1("PRAGMA main.cache_size = -2000", NULL, 0, NULL);
  ck_assert_ptr_nonnull(st);
  ck_assert_int_eq(st->kind, SK_PRAGMA);
  ck_assert_int_eq(st->pragma_value->kind, EK_NEG);
  ast_free(st);
  st = parse1("PRAGMA journal_mode = wal", NULL, 0, NULL);
  ck_assert_str_eq(st->pragma_ident, "wal");
  ast_free(st);
  st = parse1("EXPLAIN QUERY PLAN SELECT 1", NULL, 0, NULL);
  ck_assert_int_eq(st->explain, 2);
  ck_assert_int_eq(st->kind, SK_SELECT);
  ast_free(st);
}
END_TEST

START_TEST(test_parse_errors_match_sqlite) {
  check_error("SELECT FROM t", "near \"FROM\": syntax error", 7);
  check_error("SELECT * FROM", "incomplete input", -2);
  check_error("SELECT 1abc", "unrecognized token: \"1abc\"", 7);
  check_error("SELECT 'abc", "unrecognized token: \"'abc\"", 7);
  check_error("SELECT #", "unrecognized token: \"#\"", 7);
  check_error("SELEC 1", "near \"SELEC\": syntax error", 0);
  check_error("CREATE TABLE t(a,)", "near \")\": syntax error", 17);
  check_error("SELECT (1", "incomplete input", -2);
  check_error("SELECT x'abc'", "unrecognized token: \"x'abc'\"", 7);
  check_error("VALUES (1), (1, 2)", "all VALUES must have the same number of terms", -2);
}
END_TEST

START_TEST(test_parse_tail_and_empty) {
  const char *sql = "  ; -- nothing\n; SELECT 1; SELECT 2";
  Stmt *st = NULL;
  const char *tail = NULL;
  char *err = NULL;
  int off;
  ck_assert_int_eq(parse_statement(sql, -1, 0, &st, &tail, &err, &off), MICA_OK);
  ck_assert_ptr_nonnull(st);
  ck_assert_int_eq(st->kind, SK_SELECT);
  ck_assert_str_eq(tail, " SELECT 2");
  ast_free(st);
  ck_assert_int_eq(parse_statement("  /* c */ ;; ", -1, 0, &st, &tail, &err, &off), MICA_OK);
  ck_assert_ptr_null(st);
  ck_assert_int_eq(parse_complete("SELECT 1;"), 1);
  ck_assert_int_eq(parse_complete("SELECT 1"), 0);
  ck_assert_int_eq(parse_complete("SELECT 1; -- done"), 1); /* regression: a trailing comment */
  ck_assert_int_eq(parse_complete("SELECT 1; /* done */"), 1);
  ck_assert_int_eq(parse_complete("SELECT ';"), 0);
  ck_assert_int_eq(parse_complete("CREATE TRIGGER t AFTER INSERT ON x BEGIN SELECT 1;"), 0);
  ck_assert_int_eq(parse_complete("CREATE TRIGGER t AFTER INSERT ON x BEGIN SELECT 1; END;"), 1);
}
END_TEST

START_TEST(test_parse_depth_limit_and_garbage_never_crash) {
  /* 3000 nested parentheses: a clean error, no stack overflow */
  size_t n = 3000;
  char *sql = malloc(2 * n + 16);
  strcpy(sql, "SELECT ");
  size_t k = 7;
  for (size_t i = 0; i < n; i++)
    sql[k++] = '(';
  sql[k++] = '1';
  for (size_t i = 0; i < n; i++)
    sql[k++] = ')';
  sql[k] = 0;
  char err[256];
  Stmt *st = parse1(sql, err, sizeof err, NULL);
  ck_assert_ptr_null(st);
  ck_assert_str_eq(err, "Expression tree is too large (maximum depth 1000)");
  free(sql);

  /* mutate valid statements byte by byte: every result is a tree or an error */
  static const char *seeds[] = {
      "SELECT a, b+1 FROM t LEFT JOIN u ON t.x = u.y WHERE a IN (1,2) GROUP BY 1 ORDER BY 2 DESC LIMIT 3",
      "CREATE TABLE t(a INTEGER PRIMARY KEY, b TEXT DEFAULT 'x' CHECK(b <> ''), UNIQUE(a,b))",
      "INSERT INTO t VALUES(1, x'00ff', ?1, :a) ON CONFLICT DO NOTHING",
      "SELECT CASE WHEN a THEN (SELECT max(b) OVER (PARTITION BY c) FROM u) END FROM t",
  };
  unsigned seed = 12345;
  for (int iter = 0; iter < 20000; iter++) {
    const char *s = seeds[iter % 4];
    char buf[256];
    size_t len = strlen(s);
    memcpy(buf, s, len + 1);
    for (int m = 0; m < 3; m++) {
      seed = seed * 1103515245u + 12345u;
      size_t pos = (seed >> 8) % len;
      seed = seed * 1103515245u + 12345u;
      buf[pos] = (char)(seed >> 16);
    }
    Stmt *t = NULL;
    const char *tail;
    char *msg = NULL;
    int off;
    int rc = parse_statement(buf, (int)len, 0, &t, &tail, &msg, &off);
    ck_assert(rc == MICA_OK || msg != NULL);
    ast_free(t);
    free(msg);
  }
}
END_TEST

/* Every statement and query that SQLite accepts in a few corpus files must parse. */
START_TEST(test_parse_sqllogictest_statements) {
  const char *top = getenv("top_srcdir");
  static const char *files[] = {"select1.test",      "select2.test",
                                "select4.test",      "evidence/slt_lang_createtrigger.test",
                                "evidence/in1.test", "random/expr/slt_good_1.test"};
  int parsed = 0;
  for (size_t fi = 0; fi < sizeof files / sizeof files[0]; fi++) {
    char path[4096];
    snprintf(path, sizeof path, "%s/../shared/sqllogictest/%s", top ? top : "..", files[fi]);
    FILE *f = fopen(path, "r");
    if (!f) continue;
    char line[8192];
    char sql[65536];
    int in = 0, skip = 0, expect_ok = 0;
    size_t sl = 0;
    while (fgets(line, sizeof line, f)) {
      size_t ll = strlen(line);
      while (ll && (line[ll - 1] == '\n' || line[ll - 1] == '\r'))
        line[--ll] = 0;
      if (in) {
        if (ll == 0 || !strcmp(line, "----")) {
          in = 0;
          sql[sl] = 0;
          if (!skip) {
            const char *p = sql;
            while (*p) {
              Stmt *st = NULL;
              const char *tail = NULL;
              char *msg = NULL;
              int off;
              int rc = parse_statement(p, -1, 0, &st, &tail, &msg, &off);
              if (expect_ok) ck_assert_msg(rc == MICA_OK, "%s: %s: %s", files[fi], sql, msg);
              free(msg);
              if (rc != MICA_OK || !st) break;
              ast_free(st);
              parsed++;
              p = tail;
            }
          }
          skip = 0;
        } else if (sl + ll + 2 < sizeof sql) {
          memcpy(sql + sl, line, ll);
          sl += ll;
          sql[sl++] = '\n';
        }
        continue;
      }
      if (!strncmp(line, "onlyif", 6) && !strstr(line, "sqlite"))
        skip = 1;
      else if (!strncmp(line, "skipif sqlite", 13))
        skip = 1;
      else if (!strncmp(line, "statement", 9) || !strncmp(line, "query", 5)) {
        in = 1;
        sl = 0;
        expect_ok = strncmp(line, "statement error", 15) != 0;
      } else if (ll == 0) {
        skip = 0;
      }
    }
    fclose(f);
  }
  if (parsed == 0) fprintf(stderr, "test_parse: sqllogictest corpus not found; corpus check skipped\n");
}
END_TEST

static Suite *parse_suite(void) {
  Suite *s = suite_create("parse");
  TCase *tc = tcase_create("core");
  tcase_set_timeout(tc, 120);
  tcase_add_test(tc, test_parse_expression_precedence);
  tcase_add_test(tc, test_parse_postgres_array_syntax);
  tcase_add_test(tc, test_parse_select_shapes);
  tcase_add_test(tc, test_parse_positions_and_params);
  tcase_add_test(tc, test_parse_ddl);
  tcase_add_test(tc, test_parse_generated_always);
  tcase_add_test(tc, test_parse_errors_match_sqlite);
  tcase_add_test(tc, test_parse_tail_and_empty);
  tcase_add_test(tc, test_parse_depth_limit_and_garbage_never_crash);
  tcase_add_test(tc, test_parse_sqllogictest_statements);
  suite_add_tcase(s, tc);
  return s;
}

int main(void) {
  SRunner *sr = srunner_create(parse_suite());
  srunner_run_all(sr, CK_NORMAL);
  int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
