/*
 * test_vtab.c: the virtual-table API (mica.h, vtab.c) through a module defined here: "kv", a creatable,
 * updatable table whose rows live in a Store passed as the module's aux (so they outlive connections,
 * like storage would), which records what the engine asks of it; and "kvf", its eponymous-only
 * variant with a hidden argument column. The table-valued functions built on the API (json_each,
 * pragma_*, generate_series) are tested against sqlite3 in regress/shell/vtab.sh.
 */
#include <check.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mica.h"

#define MAXROWS 64

typedef struct Store {
  int n;
  long long rowid[MAXROWS];
  char k[MAXROWS][16];
  long long v[MAXROWS];
  long long next_rowid;
  /* what the engine did */
  int creates, connects, destroys, disconnects, aux_freed;
  char args[256];   /* argv of the last create/connect, joined with '|' */
  char bestix[256]; /* constraints of the last best_index: "col:op:usable," ... and "order:col:desc," */
  char filter[256]; /* the last filter: idx_num and argument values */
  char updates[512];
  /* how the module behaves */
  int omit;          /* best_index sets omit on the k = ? constraint */
  int ignore_filter; /* filter returns every row whatever the argument */
  int consume_order; /* best_index claims ORDER BY (and returns rows in store order anyway) */
  int fail_filter;   /* filter fails with a message */
  int no_declare;    /* connect forgets mica_declare_vtab */
} Store;

typedef struct KvTab {
  mica_vtab base;
  Store *st;
  mica_db *db;
} KvTab;

typedef struct KvCur {
  mica_vtab_cursor base;
  int i;
  char want[16];
  int has_want;
} KvCur;

static void cat(char *dst, size_t cap, const char *s) { strncat(dst, s, cap - strlen(dst) - 1); }

static int kv_init(mica_db *db, void *aux, int argc, const char *const *argv, mica_vtab **out, char **errmsg,
                   int create) {
  Store *st = aux;
  (void)errmsg;
  if (create)
    st->creates++;
  else
    st->connects++;
  st->args[0] = 0;
  for (int i = 0; i < argc; i++) {
    cat(st->args, sizeof st->args, argv[i]);
    cat(st->args, sizeof st->args, "|");
  }
  if (!st->no_declare) {
    int rc = mica_declare_vtab(db, "CREATE TABLE x(k TEXT, v INTEGER, arg HIDDEN)");
    if (rc) return rc;
  }
  KvTab *t = calloc(1, sizeof *t);
  t->st = st;
  t->db = db;
  *out = &t->base;
  return MICA_OK;
}

static int kv_create(mica_db *db, void *aux, int argc, const char *const *argv, mica_vtab **out, char **err) {
  return kv_init(db, aux, argc, argv, out, err, 1);
}

static int kv_connect(mica_db *db, void *aux, int argc, const char *const *argv, mica_vtab **out,
                      char **err) {
  return kv_init(db, aux, argc, argv, out, err, 0);
}

static int kv_disconnect(mica_vtab *vt) {
  ((KvTab *)vt)->st->disconnects++;
  free(vt);
  return MICA_OK;
}

static int kv_destroy(mica_vtab *vt) {
  Store *st = ((KvTab *)vt)->st;
  st->destroys++;
  st->n = 0;
  free(vt);
  return MICA_OK;
}

/* Uses "k = ?" or "arg = ?" (argv 1), records everything offered. */
static int kv_best_index(mica_vtab *vt, mica_index_info *info) {
  Store *st = ((KvTab *)vt)->st;
  char buf[64];
  st->bestix[0] = 0;
  for (int i = 0; i < info->nconstraint; i++) {
    const mica_index_constraint *c = &info->constraint[i];
    snprintf(buf, sizeof buf, "%d:%d:%d,", c->column, c->op, c->usable);
    cat(st->bestix, sizeof st->bestix, buf);
  }
  for (int i = 0; i < info->norderby; i++) {
    snprintf(buf, sizeof buf, "order:%d:%d,", info->orderby[i].column, info->orderby[i].desc);
    cat(st->bestix, sizeof st->bestix, buf);
  }
  for (int i = 0; i < info->nconstraint; i++) {
    const mica_index_constraint *c = &info->constraint[i];
    if ((c->column == 0 || c->column == 2) && c->op == MICA_INDEX_CONSTRAINT_EQ && c->usable) {
      info->usage[i].argv_index = 1;
      info->usage[i].omit = (unsigned char)st->omit;
      info->idx_num = 1;
      info->idx_str = mica_mprintf("k=?");
      info->free_idx_str = 1;
      break;
    }
  }
  info->order_by_consumed = st->consume_order;
  return MICA_OK;
}

static int kv_open(mica_vtab *vt, mica_vtab_cursor **out) {
  (void)vt;
  *out = calloc(1, sizeof(KvCur));
  return MICA_OK;
}

static int kv_close(mica_vtab_cursor *cur) {
  free(cur);
  return MICA_OK;
}

static void kv_skip(KvCur *c, const Store *st) {
  while (c->has_want && !st->ignore_filter && c->i < st->n && strcmp(st->k[c->i], c->want))
    c->i++;
}

static int kv_filter(mica_vtab_cursor *cur, int idx, const char *idx_str, int argc, mica_value **argv) {
  KvCur *c = (KvCur *)cur;
  KvTab *t = (KvTab *)cur->vtab;
  Store *st = t->st;
  snprintf(st->filter, sizeof st->filter, "%d:%s:%d:%s", idx, idx_str ? idx_str : "-", argc,
           argc ? (const char *)mica_value_text(argv[0]) : "-");
  if (st->fail_filter) {
    t->base.errmsg = mica_mprintf("kv filter failed on purpose");
    return MICA_ERROR;
  }
  c->i = 0;
  c->has_want = argc > 0;
  if (argc) snprintf(c->want, sizeof c->want, "%s", (const char *)mica_value_text(argv[0]));
  kv_skip(c, st);
  return MICA_OK;
}

static int kv_next(mica_vtab_cursor *cur) {
  KvCur *c = (KvCur *)cur;
  c->i++;
  kv_skip(c, ((KvTab *)cur->vtab)->st);
  return MICA_OK;
}

static int kv_eof(mica_vtab_cursor *cur) { return ((KvCur *)cur)->i >= ((KvTab *)cur->vtab)->st->n; }

static int kv_column(mica_vtab_cursor *cur, mica_context *ctx, int col) {
  const KvCur *c = (const KvCur *)cur;
  const Store *st = ((KvTab *)cur->vtab)->st;
  if (col == 0)
    mica_result_text(ctx, st->k[c->i], -1, MICA_TRANSIENT);
  else if (col == 1)
    mica_result_int64(ctx, st->v[c->i]);
  else if (c->has_want)
    mica_result_text(ctx, c->want, -1, MICA_TRANSIENT);
  return MICA_OK;
}

static int kv_rowid(mica_vtab_cursor *cur, mica_int64 *rowid) {
  const KvCur *c = (const KvCur *)cur;
  *rowid = ((KvTab *)cur->vtab)->st->rowid[c->i];
  return MICA_OK;
}

static int find_row(const Store *st, long long rowid) {
  for (int i = 0; i < st->n; i++)
    if (st->rowid[i] == rowid) return i;
  return -1;
}

static int kv_update(mica_vtab *vt, int argc, mica_value **argv, mica_int64 *rowid) {
  Store *st = ((KvTab *)vt)->st;
  char buf[128];
  if (argc == 1) {
    long long r = mica_value_int64(argv[0]);
    snprintf(buf, sizeof buf, "del %lld;", r);
    int i = find_row(st, r);
    if (i >= 0) {
      memmove(&st->rowid[i], &st->rowid[i + 1], sizeof st->rowid[0] * (size_t)(st->n - i - 1));
      memmove(&st->k[i], &st->k[i + 1], sizeof st->k[0] * (size_t)(st->n - i - 1));
      memmove(&st->v[i], &st->v[i + 1], sizeof st->v[0] * (size_t)(st->n - i - 1));
      st->n--;
    }
  } else {
    ck_assert_int_eq(argc, 5); /* old rowid, new rowid, k, v, arg */
    const char *k = (const char *)mica_value_text(argv[2]);
    if (k && !strcmp(k, "bad")) {
      vt->errmsg = mica_mprintf("kv refuses '%s'", k);
      return MICA_CONSTRAINT;
    }
    int i;
    if (mica_value_type(argv[0]) == MICA_NULL) {
      i = st->n++;
      *rowid = mica_value_type(argv[1]) == MICA_NULL ? ++st->next_rowid : mica_value_int64(argv[1]);
      snprintf(buf, sizeof buf, "ins %lld%s;", (long long)*rowid,
               mica_value_type(argv[1]) == MICA_NULL ? "(chosen)" : "");
    } else {
      i = find_row(st, mica_value_int64(argv[0]));
      ck_assert_int_ge(i, 0);
      *rowid = mica_value_int64(argv[1]);
      snprintf(buf, sizeof buf, "upd %lld->%lld;", (long long)mica_value_int64(argv[0]), (long long)*rowid);
    }
    st->rowid[i] = *rowid;
    snprintf(st->k[i], sizeof st->k[i], "%s", k ? k : "");
    st->v[i] = mica_value_int64(argv[3]);
  }
  cat(st->updates, sizeof st->updates, buf);
  return MICA_OK;
}

/* The callbacks kv and kvf share. */
#define KV_READ_CALLBACKS                                                                                    \
  .version = 1, .connect = kv_connect, .best_index = kv_best_index, .disconnect = kv_disconnect,             \
  .open = kv_open, .close = kv_close, .filter = kv_filter, .next = kv_next, .eof = kv_eof,                   \
  .column = kv_column, .rowid = kv_rowid

static const mica_module kv_module = {KV_READ_CALLBACKS, .create = kv_create, .destroy = kv_destroy,
                                      .update = kv_update};

/* The same table, eponymous-only and read-only. */
static const mica_module kvf_module = {KV_READ_CALLBACKS};

static void store_free(void *p) { ((Store *)p)->aux_freed++; }

/* ------------------------------------------------------------------ helpers */
static void exec_ok(mica_db *db, const char *sql) {
  char *err = NULL;
  int rc = mica_exec(db, sql, NULL, NULL, &err);
  ck_assert_msg(rc == MICA_OK, "%s: %s", sql, err ? err : "?");
  mica_free(err);
}

/* The rows of sql as "a|b;c|d;" (NULL as "N"), or "error: message". */
static char *rows(mica_db *db, const char *sql) {
  static char out[2048];
  out[0] = 0;
  mica_stmt *st = NULL;
  int rc = mica_prepare(db, sql, -1, &st, NULL);
  if (rc == MICA_OK) {
    while ((rc = mica_step(st)) == MICA_ROW) {
      for (int i = 0; i < mica_column_count(st); i++) {
        const unsigned char *z = mica_column_text(st, i);
        if (i) cat(out, sizeof out, "|");
        cat(out, sizeof out, mica_column_type(st, i) == MICA_NULL ? "N" : (const char *)z);
      }
      cat(out, sizeof out, ";");
    }
    rc = rc == MICA_DONE ? MICA_OK : rc;
  }
  if (rc) snprintf(out, sizeof out, "error: %s", mica_errmsg(db));
  mica_finalize(st);
  return out;
}

static mica_db *open_with(const char *path, Store *st) {
  mica_db *db;
  ck_assert_int_eq(mica_open(path, MICA_OPEN_READWRITE | MICA_OPEN_CREATE, &db), MICA_OK);
  if (st) {
    ck_assert_int_eq(mica_create_module(db, "kv", &kv_module, st, store_free), MICA_OK);
    ck_assert_int_eq(mica_create_module(db, "kvf", &kvf_module, st, NULL), MICA_OK);
  }
  return db;
}

static void fill(mica_db *db) {
  exec_ok(db, "CREATE VIRTUAL TABLE t1 USING kv(alpha, 'b c', (x, y))");
  exec_ok(db, "INSERT INTO t1 VALUES('a', 3), ('b', 1), ('a', 2)");
}

/* ------------------------------------------------------------------ tests */
START_TEST(test_create_virtual_table_is_stored_as_sqlite_stores_it) {
  char path[] = "/tmp/mica-test-vtab-XXXXXX";
  int fd = mkstemp(path);
  ck_assert_int_ge(fd, 0);
  close(fd);
  unlink(path);
  Store st = {0};
  mica_db *db = open_with(path, &st);
  exec_ok(db, "create virtual table if not exists t1 using kv(alpha, 'b c', (x, y));");
  ck_assert_int_eq(st.creates, 1);
  ck_assert_int_eq(st.connects, 0);
  ck_assert_str_eq(st.args, "kv|main|t1|alpha|'b c'|(x, y)|");
  ck_assert_str_eq(rows(db, "select type, name, tbl_name, rootpage, sql from sqlite_schema"),
                   "table|t1|t1|0|CREATE VIRTUAL TABLE t1 using kv(alpha, 'b c', (x, y));");
  exec_ok(db, "create virtual table if not exists t1 using kv");
  ck_assert_int_eq(st.creates, 1);
  ck_assert_str_eq(rows(db, "create virtual table t1 using kv"), "error: table t1 already exists");
  ck_assert_str_eq(rows(db, "select name, type, hidden from pragma_table_xinfo('t1')"),
                   "k|TEXT|0;v|INTEGER|0;arg||1;");
  ck_assert_str_eq(rows(db, "create index i on t1(k)"), "error: virtual tables may not be indexed");
  exec_ok(db, "insert into t1 values('a', 1)");
  ck_assert_int_eq(mica_close(db), MICA_OK);
  /* every table object made was freed (schema reloads reconnect) */
  ck_assert_int_eq(st.disconnects, st.creates + st.connects);
  ck_assert_int_eq(st.aux_freed, 1);
  st.creates = st.connects = st.disconnects = 0;

  /* sqlite3 reads the schema row (and the file) */
  sqlite3 *sdb;
  ck_assert_int_eq(sqlite3_open(path, &sdb), SQLITE_OK);
  sqlite3_stmt *ss;
  ck_assert_int_eq(sqlite3_prepare_v2(sdb, "select rootpage, sql from sqlite_master", -1, &ss, NULL),
                   SQLITE_OK);
  ck_assert_int_eq(sqlite3_step(ss), SQLITE_ROW);
  ck_assert_int_eq(sqlite3_column_int(ss, 0), 0);
  ck_assert_str_eq((const char *)sqlite3_column_text(ss, 1),
                   "CREATE VIRTUAL TABLE t1 using kv(alpha, 'b c', (x, y))");
  sqlite3_finalize(ss);
  ck_assert_int_eq(sqlite3_prepare_v2(sdb, "select * from t1", -1, &ss, NULL), SQLITE_ERROR);
  ck_assert_str_eq(sqlite3_errmsg(sdb), "no such module: kv");
  sqlite3_close(sdb);

  /* another connection: the file opens without the module; using the table needs it */
  db = open_with(path, NULL);
  ck_assert_str_eq(rows(db, "select count(*) from sqlite_schema"), "1;");
  ck_assert_str_eq(rows(db, "select * from t1"), "error: no such module: kv");
  ck_assert_int_eq(mica_close(db), MICA_OK);
  db = open_with(path, &st);
  ck_assert_str_eq(rows(db, "select k, v, rowid from t1"), "a|1|1;");
  ck_assert_int_eq(st.creates, 0);
  ck_assert_int_eq(st.connects, 1);
  ck_assert_str_eq(st.args, "kv|main|t1|alpha|'b c'|(x, y)|");
  exec_ok(db, "drop table t1");
  ck_assert_int_eq(st.destroys, 1);
  ck_assert_str_eq(rows(db, "select count(*) from sqlite_schema"), "0;");
  ck_assert_str_eq(rows(db, "select * from t1"), "error: no such table: t1");
  ck_assert_int_eq(mica_close(db), MICA_OK);
  ck_assert_int_eq(st.disconnects, 0); /* the destroyed table is not disconnected too */
  unlink(path);
}
END_TEST

START_TEST(test_insert_update_delete_go_through_the_update_callback) {
  Store st = {0};
  mica_db *db = open_with(":memory:", &st);
  fill(db);
  ck_assert_str_eq(st.updates, "ins 1(chosen);ins 2(chosen);ins 3(chosen);");
  ck_assert_int_eq(mica_changes(db), 3);
  ck_assert_int_eq(mica_last_insert_rowid(db), 3);
  exec_ok(db, "insert into t1(rowid, k, v) values(10, 'c', 7)");
  ck_assert_int_eq(mica_last_insert_rowid(db), 10);
  st.updates[0] = 0;
  exec_ok(db, "update t1 set v = v * 10 where k = 'a'");
  ck_assert_str_eq(st.updates, "upd 1->1;upd 3->3;");
  ck_assert_int_eq(mica_changes(db), 2);
  st.updates[0] = 0;
  exec_ok(db, "update t1 set rowid = 20 where rowid = 10");
  ck_assert_str_eq(st.updates, "upd 10->20;");
  st.updates[0] = 0;
  exec_ok(db, "delete from t1 where v < 5");
  ck_assert_str_eq(st.updates, "del 2;");
  ck_assert_str_eq(rows(db, "select rowid, * from t1"), "1|a|30;3|a|20;20|c|7;");
  ck_assert_str_eq(rows(db, "insert into t1 values('bad', 1)"), "error: kv refuses 'bad'");
  ck_assert_int_eq(mica_extended_errcode(db), MICA_CONSTRAINT);
  exec_ok(db, "delete from t1");
  ck_assert_str_eq(rows(db, "select count(*) from t1"), "0;");
  ck_assert_str_eq(rows(db, "insert into kvf values('x', 1)"), "error: table kvf may not be modified");
  ck_assert_int_eq(mica_close(db), MICA_OK);
}
END_TEST

START_TEST(test_best_index_gets_the_terms_and_omit_skips_their_check) {
  Store st = {0};
  mica_db *db = open_with(":memory:", &st);
  fill(db);
  /* k = 'a' (EQ 2) and v > 1 (GT 4) and v IS NOT NULL (70), both usable */
  ck_assert_str_eq(rows(db, "select v from t1 where k = 'a' and 1 < v and v is not null"), "3;2;");
  ck_assert_str_eq(st.bestix, "0:2:1,1:4:1,1:70:1,");
  ck_assert_str_eq(st.filter, "1:k=?:1:a");
  /* the module ignores its argument: without omit the engine checks k = 'a' again... */
  st.ignore_filter = 1;
  ck_assert_str_eq(rows(db, "select v from t1 where k = 'a'"), "3;2;");
  /* ...with omit it trusts the module (which here returns every row) */
  st.omit = 1;
  ck_assert_str_eq(rows(db, "select v from t1 where k = 'a'"), "3;1;2;");
  st.omit = 0;
  st.ignore_filter = 0;
  /* a value that reads the table itself is offered unusable; one from an earlier table is usable */
  ck_assert_str_eq(rows(db, "select v from t1 where k = substr(k, 1, 1) || ''"), "3;1;2;");
  ck_assert_str_eq(st.bestix, "0:2:0,");
  exec_ok(db, "create table w(x)");
  exec_ok(db, "insert into w values('b'), ('a')");
  ck_assert_str_eq(rows(db, "select w.x, t1.v from w, t1 where t1.k = w.x"), "b|1;a|3;a|2;");
  ck_assert_str_eq(st.bestix, "0:2:1,");
  ck_assert_str_eq(st.filter, "1:k=?:1:a");
  ck_assert_str_eq(rows(db, "explain query plan select * from t1 where k = 'a'"),
                   "2|0|0|SCAN t1 VIRTUAL TABLE INDEX 1:k=?;");
  /* prepared statements re-filter with each binding */
  mica_stmt *s;
  ck_assert_int_eq(mica_prepare(db, "select count(*) from t1 where k = ?", -1, &s, NULL), MICA_OK);
  const char *keys[] = {"a", "b", "z"};
  int want[] = {2, 1, 0};
  for (int i = 0; i < 3; i++) {
    mica_bind_text(s, 1, keys[i], -1);
    ck_assert_int_eq(mica_step(s), MICA_ROW);
    ck_assert_int_eq(mica_column_int(s, 0), want[i]);
    mica_reset(s);
  }
  mica_finalize(s);
  ck_assert_int_eq(mica_close(db), MICA_OK);
}
END_TEST

START_TEST(test_order_by_consumed_is_trusted) {
  Store st = {0};
  mica_db *db = open_with(":memory:", &st);
  fill(db);
  ck_assert_str_eq(rows(db, "select v from t1 order by v desc"), "3;2;1;");
  ck_assert_str_eq(st.bestix, "order:1:1,");
  /* a module that claims the order gets no sort (this one returns store order: it lied) */
  st.consume_order = 1;
  ck_assert_str_eq(rows(db, "select v from t1 order by v desc"), "3;1;2;");
  /* ORDER BY is not offered over a join, an aggregate or an expression: the engine sorts */
  ck_assert_str_eq(rows(db, "select v from t1 order by v + 0"), "1;2;3;");
  ck_assert_str_eq(st.bestix, "");
  ck_assert_str_eq(rows(db, "select k, sum(v) from t1 group by k order by k desc"), "b|1;a|5;");
  ck_assert_int_eq(mica_close(db), MICA_OK);
}
END_TEST

START_TEST(test_eponymous_module_as_table_valued_function) {
  Store st = {0};
  mica_db *db = open_with(":memory:", &st);
  fill(db); /* kvf reads the same store */
  ck_assert_str_eq(st.args, "kv|main|t1|alpha|'b c'|(x, y)|");
  ck_assert_str_eq(rows(db, "select * from kvf('a')"), "a|3;a|2;");
  ck_assert_str_eq(st.args, "kvf|main|kvf|");
  ck_assert_str_eq(st.bestix, "2:2:1,");
  ck_assert_str_eq(rows(db, "select k, v, arg from kvf('b')"), "b|1|b;");
  ck_assert_str_eq(rows(db, "select count(*) from kvf"), "3;");
  ck_assert_str_eq(rows(db, "select * from kvf('a', 'b')"), "error: too many arguments on kvf() - max 1");
  ck_assert_str_eq(rows(db, "create virtual table x using kvf"), "error: no such module: kvf");
  /* correlated argument, before or after the table it reads */
  exec_ok(db, "create table w(x)");
  exec_ok(db, "insert into w values('b'), ('a')");
  ck_assert_str_eq(rows(db, "select w.x, f.v from w, kvf(w.x) f"), "b|1;a|3;a|2;");
  ck_assert_str_eq(rows(db, "select w.x, f.v from kvf(w.x) f, w"), "b|1;a|3;a|2;");
  ck_assert_str_eq(rows(db, "select w.x, f.v from w left join kvf(w.x || 'z') f"), "b|N;a|N;");
  /* the module is replaced: statements see the new one */
  ck_assert_int_eq(mica_create_module(db, "kvf", NULL, NULL, NULL), MICA_OK);
  ck_assert_str_eq(rows(db, "select * from kvf('a')"), "error: no such table: kvf");
  ck_assert_int_eq(mica_close(db), MICA_OK);
}
END_TEST

START_TEST(test_module_errors_reach_the_caller) {
  Store st = {0};
  mica_db *db = open_with(":memory:", &st);
  fill(db);
  st.fail_filter = 1;
  ck_assert_str_eq(rows(db, "select * from t1"), "error: kv filter failed on purpose");
  st.fail_filter = 0;
  st.no_declare = 1;
  ck_assert_str_eq(rows(db, "create virtual table t2 using kv"),
                   "error: vtable constructor did not declare schema: t2");
  ck_assert_str_eq(rows(db, "select count(*) from sqlite_schema"), "1;");
  st.no_declare = 0;
  ck_assert_int_eq(mica_declare_vtab(db, "CREATE TABLE x(a)"), MICA_MISUSE);
  static const mica_module incomplete = {.version = 1};
  ck_assert_int_eq(mica_create_module(db, "bad", &incomplete, NULL, NULL), MICA_MISUSE);
  ck_assert_str_eq(rows(db, "create virtual table t3 using nosuch(1)"), "error: no such module: nosuch");
  /* the registration ends at close, after the tables that use it are disconnected */
  ck_assert_int_eq(mica_close(db), MICA_OK);
  ck_assert_int_eq(st.aux_freed, 1);
  ck_assert_int_eq(st.connects + st.creates, st.disconnects);
}
END_TEST

static Suite *vtab_suite(void) {
  Suite *s = suite_create("vtab");
  TCase *tc = tcase_create("api");
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, test_create_virtual_table_is_stored_as_sqlite_stores_it);
  tcase_add_test(tc, test_insert_update_delete_go_through_the_update_callback);
  tcase_add_test(tc, test_best_index_gets_the_terms_and_omit_skips_their_check);
  tcase_add_test(tc, test_order_by_consumed_is_trusted);
  tcase_add_test(tc, test_eponymous_module_as_table_valued_function);
  tcase_add_test(tc, test_module_errors_reach_the_caller);
  suite_add_tcase(s, tc);
  return s;
}

int main(void) {
  SRunner *sr = srunner_create(vtab_suite());
  srunner_run_all(sr, CK_NORMAL);
  int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
