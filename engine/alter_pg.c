/*
 * alter_pg.c: ALTER TABLE in the PostgreSQL dialect, stored as SQLite syntax so that sqlite3 keeps
 * reading the file.
 *
 *   RENAME TO, RENAME [COLUMN] a TO b       alter.c's renames (stored texts rewritten), owned sequences
 *                                           follow
 *   ADD [COLUMN] [IF NOT EXISTS] def        appended to the CREATE TABLE text (alter_add_column)
 *   DROP [COLUMN] [IF EXISTS] c             as PostgreSQL: the indexes and table constraints that use
 *                                           the column go with it, a view or trigger that uses it is
 *                                           an error (2BP01), its owned sequence is dropped
 *   ALTER [COLUMN] c SET DEFAULT e | DROP DEFAULT | SET NOT NULL | DROP NOT NULL
 *                                           the column's clause is inserted into or cut out of its
 *                                           definition (SET NOT NULL first checks the rows: 23502)
 *   ALTER [COLUMN] c [SET DATA] TYPE t [USING e]
 *                                           the declared type is replaced and every row's value is
 *                                           converted (CAST(e AS t), e defaulting to the column); text
 *                                           to a number/boolean/date needs USING (42804), as in
 *                                           PostgreSQL. An INTEGER PRIMARY KEY (rowid) column keeps the
 *                                           stored type integer when given another integer type.
 *   DROP CONSTRAINT [IF EXISTS] name        the constraint's clause is cut from the text; PostgreSQL's
 *                                           implicit names are understood (t_pkey, t_c_key,
 *                                           t_c_check, t_check, t_c_fkey)
 *   several actions separated by commas     run in order as single-action statements nested in this
 *                                           one, so they succeed or fail together
 *
 * The column and constraint clauses are found from the positions the parser records (ColDef.cons,
 * TabCons.off/end). A change to a PRIMARY KEY or UNIQUE constraint rebuilds the table's
 * sqlite_autoindex_<table>_<n> indexes (their numbering follows the constraints' order). Dropping a
 * primary key that was the rowid alias first writes the rowid into every row's record.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "alter.h"
#include "ast.h"
#include "ddl.h"
#include "dml.h"
#include "parse.h"
#include "plan.h"
#include "sequence.h"

static int name_eq(const char *a, const char *b) { return a && b && !strcasecmp(a, b); }

static int nomem(mica_db *db) { return mica_set_error(db, MICA_NOMEM, "out of memory"); }

static int column_of(const Table *t, const char *name) {
  for (int i = 0; i < t->ncol; i++)
    if (name_eq(t->cols[i].name, name)) return i;
  return -1;
}

/* Quoted when not a plain identifier. */
static int plain_ident(const char *z) {
  if (!*z || isdigit((unsigned char)*z)) return 0;
  for (const char *p = z; *p; p++)
    if (!isalnum((unsigned char)*p) && *p != '_') return 0;
  return 1;
}

/* The text sql[off, end) with the statement's PostgreSQL-to-SQLite edits applied (malloc'd). */
static char *edited_span(const Stmt *st, const char *sql, int off, int end) {
  size_t cap = (size_t)(end - off) + 1;
  for (int i = 0; i < st->nedit; i++)
    if (st->edits[i].off >= off && st->edits[i].end <= end) cap += strlen(st->edits[i].repl);
  char *out = malloc(cap);
  if (!out) return NULL;
  size_t o = 0;
  int from = off;
  for (int i = 0; i < st->nedit; i++) {
    const TextEdit *e = &st->edits[i];
    if (e->off < from || e->end > end) continue;
    memcpy(out + o, sql + from, (size_t)(e->off - from));
    o += (size_t)(e->off - from);
    size_t rl = strlen(e->repl);
    memcpy(out + o, e->repl, rl);
    o += rl;
    from = e->end;
  }
  memcpy(out + o, sql + from, (size_t)(end - from));
  o += (size_t)(end - from);
  out[o] = 0;
  return out;
}

/* The table's CREATE text parsed with positions (SQLite dialect); NULL: malformed. */
static Stmt *parse_table(const Table *t) {
  Stmt *st = NULL;
  if (!t->sql || parse_statement(t->sql, -1, MICA_DIALECT_SQLITE | PARSE_NAME_POSITIONS, &st, NULL, NULL,
                                 NULL) != MICA_OK)
    return NULL;
  if (st && (st->kind != SK_CREATE_TABLE || st->ncoldef != t->ncol)) {
    ast_free(st);
    return NULL;
  }
  return st;
}

/* sql with [off, end) replaced by repl (malloc'd). */
static char *splice(const char *sql, int off, int end, const char *repl) {
  size_t len = strlen(sql), rl = strlen(repl);
  char *out = malloc(len - (size_t)(end - off) + rl + 1);
  if (!out) return NULL;
  memcpy(out, sql, (size_t)off);
  memcpy(out + off, repl, rl);
  memcpy(out + off + rl, sql + end, len - (size_t)end + 1);
  return out;
}

/* Cuts [off, end) and the white space before it. */
static char *cut(const char *sql, int off, int end) {
  while (off > 0 && isspace((unsigned char)sql[off - 1]))
    off--;
  return splice(sql, off, end, "");
}

static int set_table_sql(Exec *x, const char *tname, const char *sql) {
  int rc = ddl_schema_set_sql(x, "table", tname, sql);
  if (rc == MICA_OK) rc = ddl_schema_changed(x);
  if (rc == MICA_OK) rc = schema_ensure(x->db);
  return rc;
}

/* Drops and recreates t's autoindexes after its PRIMARY KEY / UNIQUE constraints changed. */
static int rebuild_autoindexes(Exec *x, const char *tname) {
  mica_db *db = x->db;
  int rc = schema_ensure(db);
  Table *t = rc == MICA_OK ? schema_find_table(db->schema, tname) : NULL;
  if (rc == MICA_OK && !t) return mica_set_error(db, MICA_INTERNAL, "table vanished");
  int nold = 0;
  for (Index *ix = t ? t->indexes : NULL; ix && rc == MICA_OK; ix = ix->next_in_table) {
    if (ix->ast) continue;
    nold++;
    rc = ddl_drop_tree(x, ix->root);
  }
  if (rc == MICA_OK && nold) {
    char prefix[600];
    snprintf(prefix, sizeof prefix, "sqlite_autoindex_%s_", tname);
    for (int i = 1; i <= 64 && rc == MICA_OK; i++) {
      char name[700];
      snprintf(name, sizeof name, "%s%d", prefix, i);
      rc = ddl_schema_delete(x, 1, name, "index");
    }
  }
  int n = rc == MICA_OK && t ? plan_unique_count(t) : 0;
  for (int i = 1; i <= n && rc == MICA_OK; i++) {
    char name[700];
    uint32_t root;
    snprintf(name, sizeof name, "sqlite_autoindex_%s_%d", tname, i);
    rc = ddl_create_tree(x, BTREE_BLOBKEY, &root);
    if (rc == MICA_OK) rc = ddl_schema_insert(x, "index", name, tname, root, NULL);
  }
  if (rc == MICA_OK) rc = ddl_schema_changed(x);
  if (rc == MICA_OK) rc = schema_ensure(db);
  t = rc == MICA_OK ? schema_find_table(db->schema, tname) : NULL;
  for (Index *ix = t ? t->indexes : NULL; ix && rc == MICA_OK; ix = ix->next_in_table)
    if (!ix->ast) rc = plan_populate_index(x, ix);
  return rc;
}

/* Runs sql (a query, PostgreSQL dialect) inside the statement; *found: it returned a row. */
static int probe(mica_db *db, const char *sql, int *found) {
  mica_stmt *st = NULL;
  *found = 0;
  int rc = mica_prepare(db, sql, -1, &st, NULL);
  if (rc) return rc;
  rc = mica_step(st);
  *found = rc == MICA_ROW;
  while (rc == MICA_ROW)
    rc = mica_step(st);
  int rc2 = mica_finalize(st);
  return rc == MICA_DONE ? MICA_OK : rc2 ? rc2 : rc;
}

/* ------------------------------------------------------------------------------------------------
 * Constraint names (PostgreSQL's implicit ones).
 */
/* The name PostgreSQL gives a column-level constraint of column col, or a table constraint. */
static void implicit_name(char *buf, size_t n, const char *tab, const ColDef *cd, const ColCons *cc,
                          const TabCons *tc) {
  if (cc) {
    const char *suffix = cc->kind == CC_PRIMARY_KEY ? "pkey"
                         : cc->kind == CC_UNIQUE    ? "key"
                         : cc->kind == CC_CHECK     ? "check"
                                                    : "fkey";
    if (cc->kind == CC_PRIMARY_KEY)
      snprintf(buf, n, "%s_pkey", tab);
    else
      snprintf(buf, n, "%s_%s_%s", tab, cd->name, suffix);
    return;
  }
  size_t o = (size_t)snprintf(buf, n, "%s", tab);
  if (tc->kind == TC_PRIMARY_KEY) {
    snprintf(buf + o, n - o, "_pkey");
    return;
  }
  if (tc->kind == TC_CHECK) {
    /* one column referenced: t_c_check, else t_check */
    const Expr *e = tc->check;
    const char *only = NULL;
    int several = 0;
    const Expr *stack[64];
    int sp = 0;
    if (e) stack[sp++] = e;
    while (sp > 0) {
      const Expr *cur = stack[--sp];
      if (cur->kind == EK_COLUMN) {
        if (only && !name_eq(only, cur->name)) several = 1;
        only = cur->name;
      }
      const Expr *kids[3] = {cur->a, cur->b, cur->c};
      for (int k = 0; k < 3; k++)
        if (kids[k] && sp < 64) stack[sp++] = kids[k];
      for (int k = 0; k < cur->nlist && sp < 64; k++)
        if (cur->list[k]) stack[sp++] = cur->list[k];
    }
    if (only && !several) o += (size_t)snprintf(buf + o, n - o, "_%s", only);
    if (o < n) snprintf(buf + o, n - o, "_check");
    return;
  }
  for (int k = 0; k < tc->ncol && o < n; k++) {
    const char *cn = tc->kind == TC_FOREIGN_KEY                                ? tc->fk_cols[k]
                     : tc->cols[k].expr && tc->cols[k].expr->kind == EK_COLUMN ? tc->cols[k].expr->name
                                                                               : "expr";
    o += (size_t)snprintf(buf + o, n - o, "_%s", cn);
  }
  if (o < n) snprintf(buf + o, n - o, tc->kind == TC_FOREIGN_KEY ? "_fkey" : "_key");
}

/* Does the table constraint use column col? */
static int tcons_uses(const TabCons *tc, const char *col) {
  if (tc->kind == TC_FOREIGN_KEY) {
    for (int k = 0; k < tc->ncol; k++)
      if (name_eq(tc->fk_cols[k], col)) return 1;
    return 0;
  }
  if (tc->kind == TC_CHECK) {
    const Expr *stack[128];
    int sp = 0;
    if (tc->check) stack[sp++] = tc->check;
    while (sp > 0) {
      const Expr *cur = stack[--sp];
      if (cur->kind == EK_COLUMN && name_eq(cur->name, col)) return 1;
      const Expr *kids[3] = {cur->a, cur->b, cur->c};
      for (int k = 0; k < 3; k++)
        if (kids[k] && sp < 128) stack[sp++] = kids[k];
      for (int k = 0; k < cur->nlist && sp < 128; k++)
        if (cur->list[k]) stack[sp++] = cur->list[k];
    }
    return 0;
  }
  for (int k = 0; k < tc->ncol; k++)
    if (tc->cols[k].expr && tc->cols[k].expr->kind == EK_COLUMN && name_eq(tc->cols[k].expr->name, col))
      return 1;
  return 0;
}

/* Where table constraint i's text starts for cutting: the end of what precedes it (with the comma). */
static int tcons_cut_from(const Stmt *st, int i) {
  if (i > 0) return st->tcons[i - 1].end;
  return st->coldefs[st->ncoldef - 1].end;
}

/* ------------------------------------------------------------------------------------------------
 * The actions.
 */
static int keep_ipk(void *ctx, Exec *x, Value *vals, int *n) {
  (void)ctx;
  (void)x;
  (void)vals;
  (void)n;
  return MICA_OK;
}

static int drop_constraint(Exec *x, Table *t, const AlterCmd *c) {
  mica_db *db = x->db;
  Stmt *st = parse_table(t);
  if (!st) return mica_set_error(db, MICA_CORRUPT, "malformed database schema (%s)", t->name);
  int from = -1, to = -1, unique = 0, rowid_pk = 0;
  char nm[700];
  for (int i = 0; i < st->ncoldef && from < 0; i++) {
    const ColDef *cd = &st->coldefs[i];
    for (int k = 0; k < cd->ncons && from < 0; k++) {
      const ColCons *cc = &cd->cons[k];
      if (cc->kind != CC_PRIMARY_KEY && cc->kind != CC_UNIQUE && cc->kind != CC_CHECK &&
          cc->kind != CC_REFERENCES)
        continue;
      if (cc->name)
        snprintf(nm, sizeof nm, "%s", cc->name);
      else
        implicit_name(nm, sizeof nm, t->name, cd, cc, NULL);
      if (!name_eq(nm, c->column)) continue;
      from = cc->off;
      to = cc->end;
      unique = cc->kind == CC_PRIMARY_KEY || cc->kind == CC_UNIQUE;
      rowid_pk = cc->kind == CC_PRIMARY_KEY && t->ipk == i;
    }
  }
  for (int i = 0; i < st->ntcons && from < 0; i++) {
    const TabCons *tc = &st->tcons[i];
    if (tc->name)
      snprintf(nm, sizeof nm, "%s", tc->name);
    else
      implicit_name(nm, sizeof nm, t->name, NULL, NULL, tc);
    if (!name_eq(nm, c->column)) continue;
    from = tcons_cut_from(st, i);
    to = tc->end;
    unique = tc->kind == TC_PRIMARY_KEY || tc->kind == TC_UNIQUE;
    rowid_pk = tc->kind == TC_PRIMARY_KEY && t->ipk >= 0;
  }
  ast_free(st);
  if (from < 0) {
    if (c->if_exists) return MICA_OK;
    return mica_set_error(db, MICA_ERROR, "constraint \"%s\" of relation \"%s\" does not exist", c->column,
                          t->name);
  }
  char *nsql = cut(t->sql, from, to);
  char *tname = strdup(t->name);
  int rc = nsql && tname ? MICA_OK : nomem(db);
  /* the rowid alias stops being one: its values go into the records first */
  if (rc == MICA_OK && rowid_pk) rc = alter_rewrite_rows(x, t, keep_ipk, NULL, 1);
  if (rc == MICA_OK) rc = set_table_sql(x, tname, nsql);
  if (rc == MICA_OK && unique) rc = rebuild_autoindexes(x, tname);
  free(nsql);
  free(tname);
  return rc;
}

static int drop_column(Exec *x, Table *t, const AlterCmd *c) {
  mica_db *db = x->db;
  int col = column_of(t, c->column);
  if (col < 0) {
    if (c->if_exists) return MICA_OK;
    return mica_set_error(db, MICA_ERROR, "column \"%s\" of relation \"%s\" does not exist", c->column,
                          t->name);
  }
  if (t->ncol == 1)
    return mica_set_error(db, MICA_ERROR, "cannot drop column \"%s\": no other columns exist",
                          t->cols[col].name);
  char *tname = strdup(t->name), *cname = strdup(t->cols[col].name);
  if (!tname || !cname) {
    free(tname);
    free(cname);
    return nomem(db);
  }
  int rc = MICA_OK, unique = t->cols[col].pk > 0;
  /* indexes on the column go with it */
  for (int again = 1; again && rc == MICA_OK;) {
    again = 0;
    for (Index *ix = t->indexes; ix && !again; ix = ix->next_in_table) {
      int uses = 0;
      for (int k = 0; k < ix->ncol; k++)
        uses |= ix->cols[k] == col;
      if (!uses) continue;
      if (!ix->ast) {
        unique = 1;
        continue;
      }
      char *iname = strdup(ix->name);
      rc = iname ? ddl_drop_tree(x, ix->root) : nomem(db);
      if (rc == MICA_OK) rc = ddl_schema_delete(x, 1, iname, "index");
      if (rc == MICA_OK) rc = ddl_schema_changed(x);
      if (rc == MICA_OK) rc = schema_ensure(db);
      free(iname);
      t = schema_find_table(db->schema, tname);
      if (!t) rc = mica_set_error(db, MICA_INTERNAL, "table vanished");
      again = 1;
    }
  }
  /* so do the table constraints that use it (cut from the last, so earlier offsets stay valid) */
  Stmt *st = rc == MICA_OK ? parse_table(t) : NULL;
  if (rc == MICA_OK && !st) rc = mica_set_error(db, MICA_CORRUPT, "malformed database schema (%s)", tname);
  char *nsql = rc == MICA_OK ? strdup(t->sql) : NULL;
  if (rc == MICA_OK && !nsql) rc = nomem(db);
  int changed = 0;
  for (int i = st ? st->ntcons - 1 : -1; i >= 0 && rc == MICA_OK; i--) {
    const TabCons *tc = &st->tcons[i];
    if (!tcons_uses(tc, cname)) continue;
    unique |= tc->kind == TC_PRIMARY_KEY || tc->kind == TC_UNIQUE;
    char *n2 = cut(nsql, tcons_cut_from(st, i), tc->end);
    if (!n2) {
      rc = nomem(db);
      break;
    }
    free(nsql);
    nsql = n2;
    changed = 1;
  }
  if (st && col < st->ncoldef)
    for (int k = 0; k < st->coldefs[col].ncons; k++)
      unique |= st->coldefs[col].cons[k].kind == CC_UNIQUE;
  ast_free(st);
  if (rc == MICA_OK && changed) rc = set_table_sql(x, tname, nsql);
  free(nsql);
  /* the autoindexes are rebuilt after the column has gone */
  if (rc == MICA_OK && unique) {
    t = schema_find_table(db->schema, tname);
    for (Index *ix = t ? t->indexes : NULL; ix && rc == MICA_OK; ix = ix->next_in_table)
      if (!ix->ast) rc = ddl_drop_tree(x, ix->root);
    for (int i = 1; i <= 64 && rc == MICA_OK; i++) {
      char name[700];
      snprintf(name, sizeof name, "sqlite_autoindex_%s_%d", tname, i);
      rc = ddl_schema_delete(x, 1, name, "index");
    }
    if (rc == MICA_OK) rc = ddl_schema_changed(x);
    if (rc == MICA_OK) rc = schema_ensure(db);
  }
  t = rc == MICA_OK ? schema_find_table(db->schema, tname) : NULL;
  if (rc == MICA_OK && !t) rc = mica_set_error(db, MICA_INTERNAL, "table vanished");
  if (rc == MICA_OK) rc = alter_drop_column(x, t, column_of(t, cname), NULL);
  if (rc == MICA_OK && unique) rc = rebuild_autoindexes(x, tname);
  if (rc == MICA_OK) rc = schema_ensure(db);
  if (rc == MICA_OK) rc = seq_drop_owned(x, tname, cname);
  free(tname);
  free(cname);
  return rc;
}

/* SET/DROP DEFAULT, SET/DROP NOT NULL. */
static int column_clause(Exec *x, Table *t, const AlterCmd *c, const Stmt *ast, const char *sql) {
  mica_db *db = x->db;
  int col = column_of(t, c->column);
  if (col < 0)
    return mica_set_error(db, MICA_ERROR, "column \"%s\" of relation \"%s\" does not exist", c->column,
                          t->name);
  Stmt *st = parse_table(t);
  if (!st) return mica_set_error(db, MICA_CORRUPT, "malformed database schema (%s)", t->name);
  const ColDef *cd = &st->coldefs[col];
  int want = c->kind == AL_SET_DEFAULT || c->kind == AL_DROP_DEFAULT ? CC_DEFAULT : CC_NOT_NULL;
  const ColCons *have = NULL;
  for (int k = 0; k < cd->ncons; k++)
    if (cd->cons[k].kind == want) have = &cd->cons[k];
  char *nsql = NULL, *clause = NULL;
  int rc = MICA_OK;
  char q1[600], q2[600], probe_sql[1400];
  switch (c->kind) {
  case AL_SET_DEFAULT: {
    char *e = edited_span(ast, sql, c->expr_off, c->expr_end);
    clause = e ? malloc(strlen(e) + 16) : NULL;
    if (clause) sprintf(clause, "%sDEFAULT %s", have ? "" : " ", e);
    free(e);
    if (clause)
      nsql = have ? splice(t->sql, have->off, have->end, clause) : splice(t->sql, cd->end, cd->end, clause);
    break;
  }
  case AL_DROP_DEFAULT:
  case AL_DROP_NOT_NULL:
    if (c->kind == AL_DROP_NOT_NULL && t->cols[col].pk) {
      rc = mica_set_error(db, MICA_ERROR, "column \"%s\" is in a primary key", t->cols[col].name);
      break;
    }
    if (!have) break;
    nsql = cut(t->sql, have->off, have->end);
    break;
  case AL_SET_NOT_NULL: {
    if (have || t->cols[col].pk) break;
    int found = 0;
    plan_qident(q1, sizeof q1, t->name);
    plan_qident(q2, sizeof q2, t->cols[col].name);
    snprintf(probe_sql, sizeof probe_sql, "SELECT 1 FROM %s WHERE %s IS NULL LIMIT 1", q1, q2);
    rc = probe(db, probe_sql, &found);
    if (rc == MICA_OK && found)
      rc =
          mica_set_error(db, MICA_CONSTRAINT_NOTNULL, "column \"%s\" of relation \"%s\" contains null values",
                         t->cols[col].name, t->name);
    if (rc == MICA_OK) nsql = splice(t->sql, cd->end, cd->end, " NOT NULL");
    break;
  }
  default: break;
  }
  ast_free(st);
  free(clause);
  if (rc == MICA_OK && (have || c->kind == AL_SET_DEFAULT || c->kind == AL_SET_NOT_NULL) && !nsql &&
      !(c->kind == AL_SET_NOT_NULL && (have || t->cols[col].pk)))
    rc = nomem(db);
  /* rows written before the column was added read its default: they keep the value they had */
  if (rc == MICA_OK && nsql && want == CC_DEFAULT) rc = alter_rewrite_rows(x, t, keep_ipk, NULL, 0);
  if (rc == MICA_OK && nsql) {
    char *tname = strdup(t->name);
    rc = tname ? set_table_sql(x, tname, nsql) : nomem(db);
    free(tname);
  }
  free(nsql);
  return rc;
}

/* 0 other, 1 text-like, 2 a type text does not convert to without USING (numbers, booleans, dates). */
static int type_class(const char *t) {
  if (!t) return 0;
  static const char *const text[] = {"text",   "varchar", "char",   "character",
                                     "bpchar", "name",    "citext", NULL};
  static const char *const strict[] = {"int",  "integer", "smallint", "bigint", "int2",      "int4",
                                       "int8", "numeric", "decimal",  "real",   "double",    "float",
                                       "bool", "boolean", "date",     "time",   "timestamp", NULL};
  for (int i = 0; text[i]; i++)
    if (!strncasecmp(t, text[i], strlen(text[i]))) return 1;
  for (int i = 0; strict[i]; i++)
    if (!strncasecmp(t, strict[i], strlen(strict[i]))) return 2;
  return 0;
}

static int is_int_type(const char *t) {
  static const char *const ints[] = {"int", "integer", "smallint", "bigint", "int2", "int4", "int8", NULL};
  for (int i = 0; ints[i]; i++)
    if (!strcasecmp(t, ints[i])) return 1;
  return 0;
}

static int set_type(Exec *x, Table *t, const AlterCmd *c, const char *sql) {
  mica_db *db = x->db;
  int col = column_of(t, c->column);
  if (col < 0)
    return mica_set_error(db, MICA_ERROR, "column \"%s\" of relation \"%s\" does not exist", c->column,
                          t->name);
  static const char *const serials[] = {"serial",      "serial2",   "serial4", "serial8",
                                        "smallserial", "bigserial", NULL};
  for (int i = 0; serials[i]; i++)
    if (!strcasecmp(c->type, serials[i]))
      return mica_set_error(db, MICA_ERROR, "type \"%s\" does not exist", c->type);
  if (!c->expr && type_class(t->cols[col].type) == 1 && type_class(c->stored_type) == 2)
    return mica_set_error(db, MICA_MISMATCH, "column \"%s\" cannot be cast automatically to type %s",
                          t->cols[col].name, c->type);
  const char *stored = c->stored_type;
  if (t->ipk == col) {
    if (!is_int_type(stored))
      return mica_set_error(db, MICA_ERROR,
                            "changing the type of column \"%s\" (the table's rowid) to %s is not supported",
                            t->cols[col].name, c->type);
    stored = "integer"; /* the rowid is 64-bit whatever the declared integer type */
  }
  Stmt *st = parse_table(t);
  if (!st) return mica_set_error(db, MICA_CORRUPT, "malformed database schema (%s)", t->name);
  const ColDef *cd = &st->coldefs[col];
  char rep[300];
  int has_type = cd->type_end > cd->type_off;
  snprintf(rep, sizeof rep, "%s%s", has_type ? "" : " ", stored);
  char *nsql = splice(t->sql, cd->type_off, has_type ? cd->type_end : cd->type_off, rep);
  ast_free(st);
  char *tname = strdup(t->name), *cname = strdup(t->cols[col].name);
  int ipk = t->ipk == col;
  int rc = nsql && tname && cname ? set_table_sql(x, tname, nsql) : nomem(db);
  /* every value converted as PostgreSQL would (the rowid needs nothing) */
  if (rc == MICA_OK && !ipk) {
    char q1[600], q2[600];
    plan_qident(q1, sizeof q1, tname);
    plan_qident(q2, sizeof q2, cname);
    const char *using = c->expr ? sql + c->expr_off : q2;
    int ulen = c->expr ? c->expr_end - c->expr_off : (int)strlen(q2);
    size_t n = strlen(q1) + strlen(q2) + (size_t)ulen + strlen(c->type) + 64;
    char *upd = malloc(n);
    if (!upd) {
      rc = nomem(db);
    } else {
      snprintf(upd, n, "UPDATE %s SET %s = CAST((%.*s) AS %s)", q1, q2, ulen, using, c->type);
      int found;
      rc = probe(db, upd, &found);
      free(upd);
    }
  }
  free(nsql);
  free(tname);
  free(cname);
  return rc;
}

/* ------------------------------------------------------------------------------------------------
 * The statement.
 */
static int run_action(Exec *x, Table *t, const Stmt *st, const AlterCmd *c, const char *sql) {
  mica_db *db = x->db;
  int rc;
  switch (c->kind) {
  case AL_RENAME_TABLE: {
    if (schema_find_table(db->schema, c->new_name) || schema_find_index(db->schema, c->new_name))
      return mica_set_error(db, MICA_ERROR, "relation \"%s\" already exists", c->new_name);
    char *old = strdup(t->name);
    rc = old ? alter_rename_table(x, t, c->new_name) : nomem(db);
    if (rc == MICA_OK) rc = schema_ensure(db);
    if (rc == MICA_OK) rc = seq_rename_owner(x, old, NULL, c->new_name, NULL);
    free(old);
    return rc;
  }
  case AL_RENAME_COLUMN: {
    int col = column_of(t, c->column);
    if (col < 0) return mica_set_error(db, MICA_ERROR, "column \"%s\" does not exist", c->column);
    if (column_of(t, c->new_name) >= 0 && !name_eq(c->column, c->new_name))
      return mica_set_error(db, MICA_ERROR, "column \"%s\" of relation \"%s\" already exists", c->new_name,
                            t->name);
    char *tname = strdup(t->name), *old = strdup(t->cols[col].name);
    rc = tname && old ? alter_rename_column_refs(x, tname, old, c->new_name, !plain_ident(c->new_name))
                      : nomem(db);
    if (rc == MICA_OK) rc = ddl_schema_changed(x);
    if (rc == MICA_OK) rc = schema_ensure(db);
    if (rc == MICA_OK) rc = seq_rename_owner(x, tname, old, tname, c->new_name);
    free(tname);
    free(old);
    return rc;
  }
  case AL_ADD_COLUMN: {
    const ColDef *cd = c->col;
    if (column_of(t, cd->name) >= 0) {
      if (c->if_not_exists) return MICA_OK;
      return mica_set_error(db, MICA_ERROR, "column \"%s\" of relation \"%s\" already exists", cd->name,
                            t->name);
    }
    if (cd->serial)
      return mica_set_error(db, MICA_ERROR,
                            "ALTER TABLE ADD COLUMN of a serial or identity column is not supported");
    if (cd->pk || cd->unique)
      return mica_set_error(
          db, MICA_ERROR,
          "ALTER TABLE ADD COLUMN with PRIMARY KEY or UNIQUE is not supported (add the column, "
          "then the constraint)");
    int found = 0;
    if (cd->notnull && !cd->dflt) {
      char q1[600], probe_sql[700];
      plan_qident(q1, sizeof q1, t->name);
      snprintf(probe_sql, sizeof probe_sql, "SELECT 1 FROM %s LIMIT 1", q1);
      rc = probe(db, probe_sql, &found);
      if (rc) return rc;
      if (found)
        return mica_set_error(db, MICA_CONSTRAINT_NOTNULL,
                              "column \"%s\" of relation \"%s\" contains null values", cd->name, t->name);
    }
    char *text = edited_span(st, sql, cd->off, cd->end);
    char q1[600], q2[600];
    plan_qident(q1, sizeof q1, t->name);
    plan_qident(q2, sizeof q2, cd->name);
    rc = text ? alter_add_column(x, t, cd, text, sql) : nomem(db);
    free(text);
    /* a default that is not a literal (now(), nextval(...)) is computed for the rows already there,
     * as PostgreSQL does; a literal one is what those rows read anyway */
    const Expr *d = cd->dflt;
    int literal = d && (d->kind == EK_NULL || d->kind == EK_INT || d->kind == EK_REAL || d->kind == EK_TEXT ||
                        d->kind == EK_BLOB ||
                        ((d->kind == EK_NEG || d->kind == EK_POS) && d->a &&
                         (d->a->kind == EK_INT || d->a->kind == EK_REAL)));
    if (rc == MICA_OK && d && !literal) {
      size_t n = strlen(q1) + strlen(q2) + (size_t)(cd->dflt_end - cd->dflt_off) + 32;
      char *upd = malloc(n);
      if (!upd) return nomem(db);
      snprintf(upd, n, "UPDATE %s SET %s = %.*s", q1, q2, cd->dflt_end - cd->dflt_off, sql + cd->dflt_off);
      rc = probe(db, upd, &found);
      free(upd);
    }
    return rc;
  }
  case AL_DROP_COLUMN: return drop_column(x, t, c);
  case AL_DROP_CONSTRAINT: return drop_constraint(x, t, c);
  case AL_SET_TYPE: return set_type(x, t, c, sql);
  case AL_SET_DEFAULT:
  case AL_DROP_DEFAULT:
  case AL_SET_NOT_NULL:
  case AL_DROP_NOT_NULL: return column_clause(x, t, c, st, sql);
  default: return mica_set_error(db, MICA_ERROR, "this ALTER TABLE form is not supported yet");
  }
}

int alter_pg_run(Exec *x, const void *stmt, const char *sql, int (*add_constraint)(Exec *x)) {
  const Stmt *st = stmt;
  mica_db *db = x->db;
  Table *t = schema_find_table(db->schema, st->name);
  if (!t || t == db->schema->master || t->is_view || !strcasecmp(t->name, SEQ_TABLE)) {
    if (st->if_exists) return MICA_OK;
    return mica_set_error(db, MICA_ERROR, "relation \"%s\" does not exist", st->name);
  }
  if (st->nalter == 1)
    return st->alters[0].kind == AL_ADD_CONSTRAINT ? add_constraint(x)
                                                   : run_action(x, t, st, &st->alters[0], sql);
  /* several actions: each as its own ALTER TABLE, nested in this statement */
  char qt[600];
  plan_qident(qt, sizeof qt, t->name);
  int rc = MICA_OK;
  for (int i = 0; i < st->nalter && rc == MICA_OK; i++) {
    const AlterCmd *c = &st->alters[i];
    size_t n = strlen(qt) + (size_t)(c->end - c->off) + 32;
    char *one = malloc(n);
    if (!one) return nomem(db);
    snprintf(one, n, "ALTER TABLE %s %.*s", qt, c->end - c->off, sql + c->off);
    mica_stmt *ns = NULL;
    rc = mica_prepare(db, one, -1, &ns, NULL);
    if (rc == MICA_OK) {
      rc = mica_step(ns);
      if (rc == MICA_DONE) rc = MICA_OK;
      int rc2 = mica_finalize(ns);
      if (rc == MICA_OK) rc = rc2;
    }
    free(one);
  }
  return rc;
}
