/*
 * plan_parse.c: a compact SQL parser (SQLite dialect subset) that builds the planner's view structs
 * (plan_view.h) directly. It lets the executor run end to end while the project's full parser
 * (parse.h / ast.h) is not in the tree; plan.c reads statements only through plan_view.h, so either
 * front end can feed it.
 *
 * Covered: SELECT (WITH, compound, DISTINCT, joins with ON/USING/NATURAL, subqueries, GROUP BY,
 * HAVING, ORDER BY, LIMIT/OFFSET), VALUES, INSERT/REPLACE (OR conflict, column list, VALUES, SELECT,
 * DEFAULT VALUES), UPDATE, DELETE, CREATE TABLE/INDEX/VIEW/TRIGGER, DROP, transaction statements,
 * PRAGMA, REINDEX, ANALYZE, VACUUM, EXPLAIN [QUERY PLAN]; expressions with SQLite's precedence.
 * Trigger bodies are skipped up to their END (stored, not executed).
 *
 * Errors follow SQLite's wording: near "tok": syntax error (with the token's offset), incomplete
 * input, unrecognized token: "...". A parse error unwinds with longjmp to pp_parse; all nodes live in
 * the statement's arena, so nothing leaks. Nesting is bounded (1000) so hostile input cannot
 * overflow the stack.
 */
#include <ctype.h>
#include <errno.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dml.h"
#include "plan_parse.h"

enum { T_EOF = 0, T_ID, T_STR, T_INT, T_REAL, T_BLOB, T_PARAM, T_OP, T_SEMI };

typedef struct Tok {
  int type;
  int off, len;
  int quoted;
  char *text; /* identifier / string / blob bytes (decoded, arena) */
  int tlen;
} Tok;

typedef struct P {
  const char *z;
  int n;
  int pos;
  Tok t;
  int prev_end;
  Arena *a;
  char *err;
  int erroff;
  int depth;
  int nparam;
  jmp_buf jb;
} P;

static void *alloc(P *p, size_t n) {
  void *m = arena_alloc(p->a, n);
  if (!m) {
    p->err = strdup("out of memory");
    longjmp(p->jb, 2);
  }
  return m;
}

static void fail_at(P *p, int off, const char *fmt, const char *arg) {
  char buf[300];
  snprintf(buf, sizeof buf, fmt, arg);
  p->err = strdup(buf);
  p->erroff = off;
  longjmp(p->jb, 1);
}

static void syntax(P *p) {
  if (p->t.type == T_EOF) fail_at(p, p->t.off, "incomplete input", NULL);
  char tok[120];
  int len = p->t.len < 100 ? p->t.len : 100;
  memcpy(tok, p->z + p->t.off, (size_t)len);
  tok[len] = 0;
  char buf[160];
  snprintf(buf, sizeof buf, "near \"%s\": syntax error", tok);
  fail_at(p, p->t.off, "%s", buf);
}

/* ------------------------------------------------------------------ tokenizer */
static int is_id_char(int c) { return isalnum(c) || c == '_' || c == '$' || (c & 0x80); }

static void next(P *p) {
  p->prev_end = p->t.off + p->t.len;
  const char *z = p->z;
  int i = p->pos, n = p->n;
  for (;;) {
    while (i < n && isspace((unsigned char)z[i])) i++;
    if (i + 1 < n && z[i] == '-' && z[i + 1] == '-') {
      while (i < n && z[i] != '\n') i++;
      continue;
    }
    if (i + 1 < n && z[i] == '/' && z[i + 1] == '*') {
      i += 2;
      while (i + 1 < n && !(z[i] == '*' && z[i + 1] == '/')) i++;
      i = i + 2 <= n ? i + 2 : n;
      continue;
    }
    break;
  }
  Tok *t = &p->t;
  memset(t, 0, sizeof *t);
  t->off = i;
  if (i >= n) {
    t->type = T_EOF;
    p->pos = i;
    return;
  }
  unsigned char c = (unsigned char)z[i];
  int s = i;
  if (c == ';') {
    t->type = T_SEMI;
    t->len = 1;
    p->pos = i + 1;
    return;
  }
  if ((c == 'x' || c == 'X') && i + 1 < n && z[i + 1] == '\'') {
    int j = i + 2;
    while (j < n && z[j] != '\'') j++;
    if (j >= n) fail_at(p, s, "unrecognized token: \"%s\"", arena_strndup(p->a, z + s, (size_t)(n - s)));
    int hex = j - (i + 2);
    for (int k = i + 2; k < j; k++)
      if (!isxdigit((unsigned char)z[k])) hex = -1;
    if (hex < 0 || hex % 2) fail_at(p, s, "unrecognized token: \"%s\"", arena_strndup(p->a, z + s, (size_t)(j + 1 - s)));
    t->type = T_BLOB;
    t->tlen = hex / 2;
    t->text = alloc(p, (size_t)t->tlen + 1);
    for (int k = 0; k < t->tlen; k++) {
      char h[3] = {z[i + 2 + 2 * k], z[i + 3 + 2 * k], 0};
      t->text[k] = (char)strtol(h, NULL, 16);
    }
    t->len = j + 1 - s;
    p->pos = j + 1;
    return;
  }
  if (isalpha(c) || c == '_' || (c & 0x80)) {
    int j = i;
    while (j < n && is_id_char((unsigned char)z[j])) j++;
    t->type = T_ID;
    t->len = j - s;
    t->text = arena_strndup(p->a, z + s, (size_t)(j - s));
    t->tlen = j - s;
    p->pos = j;
    return;
  }
  if (c == '"' || c == '`' || c == '[' || c == '\'') {
    char close = c == '[' ? ']' : (char)c;
    int j = i + 1;
    char *buf = alloc(p, (size_t)(n - i) + 1);
    int k = 0;
    for (;;) {
      if (j >= n) fail_at(p, s, "unrecognized token: \"%s\"", arena_strndup(p->a, z + s, (size_t)(n - s)));
      if (z[j] == close) {
        if (close != ']' && j + 1 < n && z[j + 1] == close) {
          buf[k++] = close;
          j += 2;
          continue;
        }
        break;
      }
      buf[k++] = z[j++];
    }
    buf[k] = 0;
    t->type = c == '\'' ? T_STR : T_ID;
    t->quoted = c == '"' ? 2 : 1;
    t->text = buf;
    t->tlen = k;
    t->len = j + 1 - s;
    p->pos = j + 1;
    return;
  }
  if (isdigit(c) || (c == '.' && i + 1 < n && isdigit((unsigned char)z[i + 1]))) {
    int j = i, real = 0;
    if (c == '0' && i + 1 < n && (z[i + 1] == 'x' || z[i + 1] == 'X')) {
      j = i + 2;
      while (j < n && isxdigit((unsigned char)z[j])) j++;
      t->type = T_INT;
    } else {
      while (j < n && isdigit((unsigned char)z[j])) j++;
      if (j < n && z[j] == '.') {
        real = 1;
        j++;
        while (j < n && isdigit((unsigned char)z[j])) j++;
      }
      if (j < n && (z[j] == 'e' || z[j] == 'E')) {
        int k = j + 1;
        if (k < n && (z[k] == '+' || z[k] == '-')) k++;
        if (k < n && isdigit((unsigned char)z[k])) {
          real = 1;
          j = k;
          while (j < n && isdigit((unsigned char)z[j])) j++;
        }
      }
      t->type = real ? T_REAL : T_INT;
    }
    if (j < n && is_id_char((unsigned char)z[j])) {
      int k = j;
      while (k < n && is_id_char((unsigned char)z[k])) k++;
      fail_at(p, s, "unrecognized token: \"%s\"", arena_strndup(p->a, z + s, (size_t)(k - s)));
    }
    t->len = j - s;
    t->text = arena_strndup(p->a, z + s, (size_t)(j - s));
    t->tlen = j - s;
    p->pos = j;
    return;
  }
  if (c == '?' || c == ':' || c == '@' || c == '$') {
    int j = i + 1;
    if (c == '?')
      while (j < n && isdigit((unsigned char)z[j])) j++;
    else
      while (j < n && is_id_char((unsigned char)z[j])) j++;
    if (c != '?' && j == i + 1) fail_at(p, s, "unrecognized token: \"%s\"", arena_strndup(p->a, z + s, 1));
    t->type = T_PARAM;
    t->len = j - s;
    t->text = arena_strndup(p->a, z + s, (size_t)(j - s));
    p->pos = j;
    return;
  }
  static const char *ops[] = {"->>", "||", "->", "<<", ">>", "<=", ">=", "==", "!=", "<>", "*", "/", "%", "+",
                              "-",   "&",  "|",  "<",  ">",  "=",  "~",  "(",  ")",  ",",  ".", NULL};
  for (int k = 0; ops[k]; k++) {
    size_t l = strlen(ops[k]);
    if ((int)l <= n - i && !strncmp(z + i, ops[k], l)) {
      t->type = T_OP;
      t->len = (int)l;
      t->text = (char *)ops[k];
      p->pos = i + (int)l;
      return;
    }
  }
  fail_at(p, s, "unrecognized token: \"%s\"", arena_strndup(p->a, z + s, 1));
}

static int is_kw(P *p, const char *kw) { return p->t.type == T_ID && !p->t.quoted && !strcasecmp(p->t.text, kw); }
static int is_op(P *p, const char *op) { return p->t.type == T_OP && !strcmp(p->t.text, op); }
static int accept_kw(P *p, const char *kw) {
  if (is_kw(p, kw)) {
    next(p);
    return 1;
  }
  return 0;
}
static int accept_op(P *p, const char *op) {
  if (is_op(p, op)) {
    next(p);
    return 1;
  }
  return 0;
}
static void expect_kw(P *p, const char *kw) {
  if (!accept_kw(p, kw)) syntax(p);
}
static void expect_op(P *p, const char *op) {
  if (!accept_op(p, op)) syntax(p);
}

/* Reserved words that cannot be bare identifiers (column names, aliases). */
static const char *const reserved[] = {
    "ADD",   "ALL",     "ALTER",  "AND",     "AS",        "AUTOINCREMENT", "BETWEEN", "CASE",     "CHECK",
    "COLLATE", "COMMIT", "CONSTRAINT", "CREATE", "DEFAULT", "DEFERRABLE", "DELETE", "DISTINCT", "DROP",
    "ELSE",  "ESCAPE",  "EXCEPT", "EXISTS",  "FOREIGN",   "FROM",      "GROUP",   "HAVING",   "IN",
    "INDEX", "INSERT",  "INTERSECT", "INTO", "IS",       "ISNULL",    "JOIN",    "LIMIT",    "NOT",
    "NOTNULL", "NULL",  "ON",     "OR",      "ORDER",     "PRIMARY",   "REFERENCES", "SELECT", "SET",
    "TABLE", "THEN",    "TO",     "TRANSACTION", "UNION", "UNIQUE",    "UPDATE",  "USING",    "VALUES",
    "WHEN",  "WHERE",   "CROSS",  "INNER",   "LEFT",      "NATURAL",   "OUTER",   "RIGHT",    "FULL",
    "OFFSET", "RETURNING", "WINDOW", "FILTER", "OVER",    "CAST",      "GLOB",    "LIKE",     "REGEXP", "MATCH",
    NULL};

static int is_reserved(const char *s) {
  for (int i = 0; reserved[i]; i++)
    if (!strcasecmp(reserved[i], s)) return 1;
  return 0;
}

static const char *ident(P *p) {
  if (p->t.type == T_ID && (p->t.quoted || !is_reserved(p->t.text))) {
    const char *s = p->t.text;
    next(p);
    return s;
  }
  if (p->t.type == T_STR) {
    const char *s = p->t.text;
    next(p);
    return s;
  }
  syntax(p);
  return NULL;
}

static int can_ident(P *p) { return p->t.type == T_ID && (p->t.quoted || !is_reserved(p->t.text)); }

/* ------------------------------------------------------------------ expressions */
static XExpr *new_expr(P *p, int kind, int off) {
  XExpr *e = alloc(p, sizeof(XExpr));
  e->kind = kind;
  e->off = off;
  e->end = off;
  value_init(&e->lit);
  return e;
}

static XExpr *expr(P *p);
static XSelect *select_stmt(P *p);

typedef struct VecB {
  ANode **v;
  int n, cap;
} VecB;

static void vpush(P *p, VecB *b, const void *x) {
  if (b->n == b->cap) {
    int cap = b->cap ? b->cap * 2 : 8;
    ANode **v = alloc(p, sizeof(ANode *) * (size_t)cap);
    if (b->n) memcpy(v, b->v, sizeof(ANode *) * (size_t)b->n);
    b->v = v;
    b->cap = cap;
  }
  b->v[b->n++] = x;
}

static XExpr *finish(P *p, XExpr *e) {
  e->end = p->prev_end;
  return e;
}

static int starts_select(P *p) { return is_kw(p, "SELECT") || is_kw(p, "VALUES") || is_kw(p, "WITH"); }

static XExpr *primary(P *p) {
  int off = p->t.off;
  XExpr *e;
  switch (p->t.type) {
  case T_INT: {
    e = new_expr(p, XK_INT, off);
    const char *s = p->t.text;
    errno = 0;
    if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
      if (strlen(s) > 18) fail_at(p, off, "hex literal too big: %s", s);
      e->lit.u.i = (int64_t)strtoull(s + 2, NULL, 16);
      e->lit.type = VAL_INT;
    } else {
      unsigned long long v = strtoull(s, NULL, 10);
      if (errno == ERANGE || v > 9223372036854775807ULL) {
        e->kind = XK_REAL;
        e->lit.type = VAL_REAL;
        e->lit.u.r = strtod(s, NULL);
      } else {
        e->lit.type = VAL_INT;
        e->lit.u.i = (int64_t)v;
      }
    }
    next(p);
    return finish(p, e);
  }
  case T_REAL:
    e = new_expr(p, XK_REAL, off);
    e->lit.type = VAL_REAL;
    e->lit.u.r = strtod(p->t.text, NULL);
    next(p);
    return finish(p, e);
  case T_STR:
    e = new_expr(p, XK_TEXT, off);
    e->lit.type = VAL_TEXT;
    e->lit.z = p->t.text;
    e->lit.n = p->t.tlen;
    next(p);
    return finish(p, e);
  case T_BLOB:
    e = new_expr(p, XK_BLOB, off);
    e->lit.type = VAL_BLOB;
    e->lit.z = p->t.text;
    e->lit.n = p->t.tlen;
    next(p);
    return finish(p, e);
  case T_PARAM: {
    e = new_expr(p, XK_PARAM, off);
    const char *s = p->t.text;
    if (s[0] == '?' && s[1]) {
      e->param = atoi(s + 1);
      if (e->param < 1 || e->param > 32766) fail_at(p, off, "variable number must be between ?1 and ?32766", NULL);
      if (e->param > p->nparam) p->nparam = e->param;
    } else {
      e->param = ++p->nparam;
      e->param_name = s[0] == '?' ? NULL : s;
    }
    next(p);
    return finish(p, e);
  }
  case T_OP:
    if (is_op(p, "(")) {
      next(p);
      if (starts_select(p)) {
        e = new_expr(p, XK_SUBQUERY, off);
        e->sel = select_stmt(p);
        expect_op(p, ")");
        return finish(p, e);
      }
      XExpr *first = expr(p);
      if (is_op(p, ",")) {
        VecB b = {0};
        vpush(p, &b, first);
        while (accept_op(p, ",")) vpush(p, &b, expr(p));
        expect_op(p, ")");
        e = new_expr(p, XK_VECTOR, off);
        e->list = b.v;
        e->nlist = b.n;
        return finish(p, e);
      }
      expect_op(p, ")");
      /* keep the parenthesised span for result names */
      XExpr *w = alloc(p, sizeof(XExpr));
      *w = *first;
      w->off = off;
      w->end = p->prev_end;
      return w;
    }
    syntax(p);
    break;
  case T_ID: {
    if (!p->t.quoted) {
      if (accept_kw(p, "NULL")) return finish(p, new_expr(p, XK_NULL, off));
      if (is_kw(p, "TRUE") || is_kw(p, "FALSE")) {
        e = new_expr(p, XK_INT, off);
        e->lit.type = VAL_INT;
        e->lit.u.i = is_kw(p, "TRUE");
        next(p);
        return finish(p, e);
      }
      if (is_kw(p, "CURRENT_TIME") || is_kw(p, "CURRENT_DATE") || is_kw(p, "CURRENT_TIMESTAMP")) {
        e = new_expr(p, XK_CURTIME, off);
        e->name = p->t.text;
        next(p);
        return finish(p, e);
      }
      if (accept_kw(p, "CASE")) {
        e = new_expr(p, XK_CASE, off);
        if (!is_kw(p, "WHEN")) e->a = expr(p);
        VecB b = {0};
        while (accept_kw(p, "WHEN")) {
          vpush(p, &b, expr(p));
          expect_kw(p, "THEN");
          vpush(p, &b, expr(p));
        }
        if (!b.n) syntax(p);
        if (accept_kw(p, "ELSE")) e->c = expr(p);
        expect_kw(p, "END");
        e->list = b.v;
        e->nlist = b.n;
        return finish(p, e);
      }
      if (accept_kw(p, "CAST")) {
        expect_op(p, "(");
        e = new_expr(p, XK_CAST, off);
        e->a = expr(p);
        expect_kw(p, "AS");
        int toff = p->t.off;
        while (p->t.type == T_ID && !is_kw(p, "AS")) next(p);
        if (accept_op(p, "(")) {
          while (!is_op(p, ")") && p->t.type != T_EOF) next(p);
          expect_op(p, ")");
        }
        e->name = arena_strndup(p->a, p->z + toff, (size_t)(p->prev_end - toff));
        expect_op(p, ")");
        return finish(p, e);
      }
      if (accept_kw(p, "EXISTS")) {
        expect_op(p, "(");
        e = new_expr(p, XK_EXISTS, off);
        e->sel = select_stmt(p);
        expect_op(p, ")");
        return finish(p, e);
      }
      if (accept_kw(p, "RAISE")) {
        expect_op(p, "(");
        e = new_expr(p, XK_RAISE, off);
        if (accept_kw(p, "IGNORE"))
          e->raise_type = 0;
        else {
          e->raise_type = accept_kw(p, "ROLLBACK") ? 1 : accept_kw(p, "ABORT") ? 2 : accept_kw(p, "FAIL") ? 3 : -1;
          if (e->raise_type < 0) syntax(p);
          expect_op(p, ",");
          if (p->t.type != T_STR) syntax(p);
          e->name = p->t.text;
          next(p);
        }
        expect_op(p, ")");
        return finish(p, e);
      }
    }
    if (p->t.type == T_ID && !p->t.quoted && is_reserved(p->t.text) && !is_kw(p, "GLOB") && !is_kw(p, "LIKE") &&
        !is_kw(p, "REGEXP") && !is_kw(p, "MATCH") && !is_kw(p, "REPLACE"))
      syntax(p);
    const char *name = p->t.text;
    int quoted = p->t.quoted;
    next(p);
    if (!quoted && is_op(p, "(")) {
      next(p);
      e = new_expr(p, XK_FUNC, off);
      e->name = name;
      if (accept_op(p, "*")) {
        e->star = 1;
      } else if (!is_op(p, ")")) {
        if (accept_kw(p, "DISTINCT")) e->distinct = 1;
        else
          accept_kw(p, "ALL");
        VecB b = {0};
        vpush(p, &b, expr(p));
        while (accept_op(p, ",")) vpush(p, &b, expr(p));
        e->list = b.v;
        e->nlist = b.n;
      }
      expect_op(p, ")");
      if (accept_kw(p, "FILTER")) {
        expect_op(p, "(");
        expect_kw(p, "WHERE");
        e->filter = expr(p);
        expect_op(p, ")");
      }
      if (accept_kw(p, "OVER")) {
        e->over = e; /* marker: window functions are not planned yet */
        if (accept_op(p, "(")) {
          int d = 1;
          while (d > 0 && p->t.type != T_EOF) {
            if (is_op(p, "(")) d++;
            if (is_op(p, ")")) d--;
            next(p);
          }
        } else
          ident(p);
      }
      return finish(p, e);
    }
    e = new_expr(p, XK_COLUMN, off);
    e->name = name;
    e->quoted = quoted == 2;
    if (accept_op(p, ".")) {
      e->table = name;
      e->quoted = 0;
      if (p->t.type != T_ID && p->t.type != T_STR) syntax(p);
      e->name = p->t.text;
      next(p);
      if (accept_op(p, ".")) {
        e->schema = e->table;
        e->table = e->name;
        if (p->t.type != T_ID) syntax(p);
        e->name = p->t.text;
        next(p);
      }
    }
    return finish(p, e);
  }
  default:
    syntax(p);
  }
  return NULL;
}

static XExpr *unary(P *p) {
  int off = p->t.off;
  if (++p->depth > 1000) fail_at(p, off, "Expression tree is too large (maximum depth 1000)", NULL);
  XExpr *e;
  if (is_op(p, "-") || is_op(p, "+") || is_op(p, "~")) {
    int k = is_op(p, "-") ? XK_NEG : is_op(p, "+") ? XK_POS : XK_BITNOT;
    next(p);
    e = new_expr(p, k, off);
    e->a = unary(p);
    finish(p, e);
  } else {
    e = primary(p);
  }
  while (is_kw(p, "COLLATE")) {
    next(p);
    XExpr *c = new_expr(p, XK_COLLATE, off);
    c->a = e;
    c->name = ident(p);
    e = finish(p, c);
  }
  p->depth--;
  return e;
}

static XExpr *binary(P *p, int kind, int binop, XExpr *a, XExpr *b, int off) {
  XExpr *e = new_expr(p, kind, off);
  e->binop = binop;
  e->a = a;
  e->b = b;
  return finish(p, e);
}

static XExpr *concat_level(P *p) {
  int off = p->t.off;
  XExpr *e = unary(p);
  for (;;) {
    if (accept_op(p, "||")) e = binary(p, XK_BINARY, BO_CONCAT, e, unary(p), off);
    else if (is_op(p, "->") || is_op(p, "->>")) {
      const char *nm = p->t.text;
      next(p);
      e = binary(p, XK_JSONOP, 0, e, unary(p), off);
      e->name = nm;
    } else
      return e;
  }
}

static XExpr *mul_level(P *p) {
  int off = p->t.off;
  XExpr *e = concat_level(p);
  for (;;) {
    int op = is_op(p, "*") ? BO_MUL : is_op(p, "/") ? BO_DIV : is_op(p, "%") ? BO_MOD : 0;
    if (!op) return e;
    next(p);
    e = binary(p, XK_BINARY, op, e, concat_level(p), off);
  }
}

static XExpr *add_level(P *p) {
  int off = p->t.off;
  XExpr *e = mul_level(p);
  for (;;) {
    int op = is_op(p, "+") ? BO_ADD : is_op(p, "-") ? BO_SUB : 0;
    if (!op) return e;
    next(p);
    e = binary(p, XK_BINARY, op, e, mul_level(p), off);
  }
}

static XExpr *bit_level(P *p) {
  int off = p->t.off;
  XExpr *e = add_level(p);
  for (;;) {
    int op = is_op(p, "&") ? BO_BITAND : is_op(p, "|") ? BO_BITOR : is_op(p, "<<") ? BO_LSHIFT : is_op(p, ">>") ? BO_RSHIFT : 0;
    if (!op) return e;
    next(p);
    e = binary(p, XK_BINARY, op, e, add_level(p), off);
  }
}

static XExpr *rel_level(P *p) {
  int off = p->t.off;
  XExpr *e = bit_level(p);
  for (;;) {
    int op = is_op(p, "<") ? BO_LT : is_op(p, "<=") ? BO_LE : is_op(p, ">") ? BO_GT : is_op(p, ">=") ? BO_GE : 0;
    if (!op) return e;
    next(p);
    e = binary(p, XK_BINARY, op, e, bit_level(p), off);
  }
}

static XExpr *eq_level(P *p) {
  int off = p->t.off;
  XExpr *e = rel_level(p);
  for (;;) {
    if (is_op(p, "=") || is_op(p, "==") || is_op(p, "!=") || is_op(p, "<>")) {
      int op = is_op(p, "=") || is_op(p, "==") ? BO_EQ : BO_NE;
      next(p);
      e = binary(p, XK_BINARY, op, e, rel_level(p), off);
      continue;
    }
    if (is_kw(p, "IS")) {
      next(p);
      int not = accept_kw(p, "NOT");
      if (accept_kw(p, "DISTINCT")) {
        expect_kw(p, "FROM");
        not = !not;
      }
      e = binary(p, XK_IS, 0, e, rel_level(p), off);
      e->not = not;
      continue;
    }
    if (accept_kw(p, "ISNULL")) {
      XExpr *n = new_expr(p, XK_ISNULL, off);
      n->a = e;
      e = finish(p, n);
      continue;
    }
    if (accept_kw(p, "NOTNULL")) {
      XExpr *n = new_expr(p, XK_ISNULL, off);
      n->a = e;
      n->not = 1;
      e = finish(p, n);
      continue;
    }
    int not = 0;
    int save_pos = p->pos;
    Tok save_t = p->t;
    int save_prev = p->prev_end;
    if (is_kw(p, "NOT")) {
      next(p);
      not = 1;
      if (accept_kw(p, "NULL")) {
        XExpr *n = new_expr(p, XK_ISNULL, off);
        n->a = e;
        n->not = 1;
        e = finish(p, n);
        continue;
      }
    }
    if (accept_kw(p, "BETWEEN")) {
      XExpr *n = new_expr(p, XK_BETWEEN, off);
      n->a = e;
      n->b = rel_level(p);
      expect_kw(p, "AND");
      n->c = rel_level(p);
      n->not = not;
      e = finish(p, n);
      continue;
    }
    if (accept_kw(p, "IN")) {
      XExpr *n = new_expr(p, XK_INLIST, off);
      n->a = e;
      n->not = not;
      if (accept_op(p, "(")) {
        if (starts_select(p)) {
          n->kind = XK_INSELECT;
          n->sel = select_stmt(p);
        } else if (!is_op(p, ")")) {
          VecB b = {0};
          vpush(p, &b, expr(p));
          while (accept_op(p, ",")) vpush(p, &b, expr(p));
          n->list = b.v;
          n->nlist = b.n;
        }
        expect_op(p, ")");
      } else {
        /* IN table */
        const char *tn = ident(p);
        XSelect *s = alloc(p, sizeof(XSelect));
        s->nres = 1;
        s->res = alloc(p, sizeof(XResCol));
        s->res[0].star = 1;
        s->nfrom = 1;
        s->from = alloc(p, sizeof(XFrom));
        s->from[0].name = tn;
        n->kind = XK_INSELECT;
        n->sel = s;
      }
      e = finish(p, n);
      continue;
    }
    int likeop = is_kw(p, "LIKE") ? 0 : is_kw(p, "GLOB") ? 1 : is_kw(p, "REGEXP") ? 2 : is_kw(p, "MATCH") ? 3 : -1;
    if (likeop >= 0) {
      next(p);
      XExpr *n = new_expr(p, XK_LIKE, off);
      n->a = e;
      n->b = rel_level(p);
      n->likeop = likeop;
      n->not = not;
      if (accept_kw(p, "ESCAPE")) n->c = rel_level(p);
      e = finish(p, n);
      continue;
    }
    if (not) {
      /* a NOT that starts something else: give it back */
      p->pos = save_pos;
      p->t = save_t;
      p->prev_end = save_prev;
    }
    return e;
  }
}

static XExpr *not_level(P *p) {
  int off = p->t.off;
  if (is_kw(p, "NOT")) {
    next(p);
    if (++p->depth > 1000) fail_at(p, off, "Expression tree is too large (maximum depth 1000)", NULL);
    XExpr *e = new_expr(p, XK_NOT, off);
    e->a = not_level(p);
    p->depth--;
    return finish(p, e);
  }
  return eq_level(p);
}

static XExpr *and_level(P *p) {
  int off = p->t.off;
  XExpr *e = not_level(p);
  while (accept_kw(p, "AND")) e = binary(p, XK_AND, 0, e, not_level(p), off);
  return e;
}

static XExpr *expr(P *p) {
  int off = p->t.off;
  if (++p->depth > 1000) fail_at(p, off, "Expression tree is too large (maximum depth 1000)", NULL);
  XExpr *e = and_level(p);
  while (accept_kw(p, "OR")) e = binary(p, XK_OR, 0, e, and_level(p), off);
  p->depth--;
  return e;
}

/* ------------------------------------------------------------------ SELECT */
static void order_by(P *p, XSelect *s) {
  typedef struct {
    XOrder *v;
    int n, cap;
  } OV;
  OV o = {0};
  do {
    if (o.n == o.cap) {
      int cap = o.cap ? o.cap * 2 : 8;
      XOrder *v = alloc(p, sizeof(XOrder) * (size_t)cap);
      if (o.n) memcpy(v, o.v, sizeof(XOrder) * (size_t)o.n);
      o.v = v;
      o.cap = cap;
    }
    XOrder *it = &o.v[o.n++];
    it->expr = expr(p);
    if (accept_kw(p, "DESC")) it->desc = 1;
    else
      accept_kw(p, "ASC");
    if (accept_kw(p, "NULLS")) {
      if (accept_kw(p, "FIRST")) it->nulls = 2;
      else {
        expect_kw(p, "LAST");
        it->nulls = 1;
      }
    }
  } while (accept_op(p, ","));
  s->order = o.v;
  s->norder = o.n;
}

static void limit_clause(P *p, XSelect *s) {
  s->limit = expr(p);
  if (accept_kw(p, "OFFSET"))
    s->offset = expr(p);
  else if (accept_op(p, ",")) {
    s->offset = s->limit;
    s->limit = expr(p);
  }
}

static void from_clause(P *p, XSelect *s) {
  int cap = 4, n = 0;
  XFrom *v = alloc(p, sizeof(XFrom) * (size_t)cap);
  int jointype = XJ_INNER, natural = 0;
  for (;;) {
    if (n == cap) {
      XFrom *v2 = alloc(p, sizeof(XFrom) * (size_t)cap * 2);
      memcpy(v2, v, sizeof(XFrom) * (size_t)n);
      v = v2;
      cap *= 2;
    }
    XFrom *f = &v[n++];
    f->jointype = jointype;
    f->natural = natural;
    if (accept_op(p, "(")) {
      if (starts_select(p)) {
        f->sel = select_stmt(p);
        expect_op(p, ")");
      } else {
        /* (a JOIN b): parse as a subquery-like nested FROM */
        XSelect *ns = alloc(p, sizeof(XSelect));
        from_clause(p, ns);
        expect_op(p, ")");
        ns->nres = 1;
        ns->res = alloc(p, sizeof(XResCol));
        ns->res[0].star = 1;
        f->sel = ns;
      }
    } else {
      f->name = ident(p);
      if (accept_op(p, ".")) {
        f->schema = f->name;
        f->name = ident(p);
      }
      if (accept_op(p, "(")) {
        VecB b = {0};
        if (!is_op(p, ")")) {
          vpush(p, &b, expr(p));
          while (accept_op(p, ",")) vpush(p, &b, expr(p));
        }
        expect_op(p, ")");
        f->args = b.v;
        f->nargs = b.n ? b.n : 1;
      }
    }
    if (accept_kw(p, "AS")) f->alias = ident(p);
    else if (can_ident(p) && !is_kw(p, "INDEXED") && !is_kw(p, "NOT"))
      f->alias = ident(p);
    if (accept_kw(p, "INDEXED")) {
      expect_kw(p, "BY");
      f->indexed_by = ident(p);
    } else if (is_kw(p, "NOT")) {
      next(p);
      expect_kw(p, "INDEXED");
      f->not_indexed = 1;
    }
    if (accept_kw(p, "ON")) f->on = expr(p);
    else if (accept_kw(p, "USING")) {
      expect_op(p, "(");
      int uc = 0, ucap = 8;
      const char **cols = alloc(p, sizeof(char *) * (size_t)ucap);
      do {
        if (uc == ucap) {
          const char **c2 = alloc(p, sizeof(char *) * (size_t)ucap * 2);
          memcpy(c2, cols, sizeof(char *) * (size_t)uc);
          cols = c2;
          ucap *= 2;
        }
        cols[uc++] = ident(p);
      } while (accept_op(p, ","));
      expect_op(p, ")");
      f->using_cols = cols;
      f->nusing = uc;
    }
    /* next join operator */
    natural = 0;
    jointype = XJ_INNER;
    if (accept_op(p, ",")) continue;
    if (accept_kw(p, "NATURAL")) natural = 1;
    if (accept_kw(p, "LEFT")) {
      accept_kw(p, "OUTER");
      jointype = XJ_LEFT;
    } else if (accept_kw(p, "RIGHT")) {
      accept_kw(p, "OUTER");
      jointype = XJ_RIGHT;
    } else if (accept_kw(p, "FULL")) {
      accept_kw(p, "OUTER");
      jointype = XJ_FULL;
    } else if (accept_kw(p, "INNER")) {
    } else if (accept_kw(p, "CROSS")) {
      jointype = XJ_INNER;
    } else if (!is_kw(p, "JOIN")) {
      if (natural) syntax(p);
      break;
    }
    expect_kw(p, "JOIN");
  }
  s->from = v;
  s->nfrom = n;
}

static XSelect *select_core(P *p) {
  XSelect *s = alloc(p, sizeof(XSelect));
  if (accept_kw(p, "VALUES")) {
    int cap = 8;
    s->values = alloc(p, sizeof(ANode **) * (size_t)cap);
    s->values_n = alloc(p, sizeof(int) * (size_t)cap);
    do {
      if (s->nvalues == cap) {
        ANode ***v2 = alloc(p, sizeof(ANode **) * (size_t)cap * 2);
        int *n2 = alloc(p, sizeof(int) * (size_t)cap * 2);
        memcpy(v2, s->values, sizeof(ANode **) * (size_t)cap);
        memcpy(n2, s->values_n, sizeof(int) * (size_t)cap);
        s->values = v2;
        s->values_n = n2;
        cap *= 2;
      }
      expect_op(p, "(");
      VecB b = {0};
      vpush(p, &b, expr(p));
      while (accept_op(p, ",")) vpush(p, &b, expr(p));
      expect_op(p, ")");
      s->values[s->nvalues] = b.v;
      s->values_n[s->nvalues++] = b.n;
    } while (accept_op(p, ","));
    return s;
  }
  expect_kw(p, "SELECT");
  if (accept_kw(p, "DISTINCT")) s->distinct = 1;
  else
    accept_kw(p, "ALL");
  int cap = 8;
  s->res = alloc(p, sizeof(XResCol) * (size_t)cap);
  do {
    if (s->nres == cap) {
      XResCol *r2 = alloc(p, sizeof(XResCol) * (size_t)cap * 2);
      memcpy(r2, s->res, sizeof(XResCol) * (size_t)cap);
      s->res = r2;
      cap *= 2;
    }
    XResCol *r = &s->res[s->nres++];
    r->off = p->t.off;
    if (accept_op(p, "*")) {
      r->star = 1;
    } else if (p->t.type == T_ID && can_ident(p)) {
      /* t.* ? */
      int save_pos = p->pos, save_prev = p->prev_end;
      Tok save = p->t;
      const char *tn = p->t.text;
      next(p);
      if (accept_op(p, ".") && accept_op(p, "*")) {
        r->star = 1;
        r->star_table = tn;
      } else {
        p->pos = save_pos;
        p->t = save;
        p->prev_end = save_prev;
        r->expr = expr(p);
      }
    } else {
      r->expr = expr(p);
    }
    r->end = p->prev_end;
    if (!r->star) {
      if (accept_kw(p, "AS")) r->alias = ident(p);
      else if (can_ident(p) || p->t.type == T_STR)
        r->alias = ident(p);
    }
  } while (accept_op(p, ","));
  if (accept_kw(p, "FROM")) from_clause(p, s);
  if (accept_kw(p, "WHERE")) s->where = expr(p);
  if (accept_kw(p, "GROUP")) {
    expect_kw(p, "BY");
    VecB b = {0};
    vpush(p, &b, expr(p));
    while (accept_op(p, ",")) vpush(p, &b, expr(p));
    s->group = b.v;
    s->ngroup = b.n;
  }
  if (accept_kw(p, "HAVING")) s->having = expr(p);
  return s;
}

static XSelect *select_stmt(P *p) {
  if (++p->depth > 200) fail_at(p, p->t.off, "too many levels of nesting", NULL);
  int ncte = 0, recursive = 0;
  XCte *ctes = NULL;
  if (accept_kw(p, "WITH")) {
    recursive = accept_kw(p, "RECURSIVE");
    int cap = 4;
    ctes = alloc(p, sizeof(XCte) * (size_t)cap);
    do {
      if (ncte == cap) {
        XCte *c2 = alloc(p, sizeof(XCte) * (size_t)cap * 2);
        memcpy(c2, ctes, sizeof(XCte) * (size_t)cap);
        ctes = c2;
        cap *= 2;
      }
      XCte *c = &ctes[ncte++];
      c->name = ident(p);
      if (accept_op(p, "(")) {
        VecB b = {0};
        do vpush(p, &b, ident(p));
        while (accept_op(p, ","));
        expect_op(p, ")");
        c->cols = (const char **)b.v;
        c->ncols = b.n;
      }
      expect_kw(p, "AS");
      if (accept_kw(p, "NOT")) expect_kw(p, "MATERIALIZED");
      else
        accept_kw(p, "MATERIALIZED");
      expect_op(p, "(");
      c->sel = select_stmt(p);
      expect_op(p, ")");
    } while (accept_op(p, ","));
  }
  XSelect *s = select_core(p);
  for (;;) {
    int op = 0;
    if (accept_kw(p, "UNION")) op = accept_kw(p, "ALL") ? CMP_UNION_ALL : CMP_UNION;
    else if (accept_kw(p, "INTERSECT"))
      op = CMP_INTERSECT;
    else if (accept_kw(p, "EXCEPT"))
      op = CMP_EXCEPT;
    if (!op) break;
    XSelect *r = select_core(p);
    XSelect *c = alloc(p, sizeof(XSelect));
    c->cmp_op = op;
    c->left = s;
    c->right = r;
    s = c;
  }
  if (accept_kw(p, "ORDER")) {
    expect_kw(p, "BY");
    order_by(p, s);
  }
  if (accept_kw(p, "LIMIT")) limit_clause(p, s);
  if (ncte) {
    if (s->ncte) {
      /* WITH on a core already carrying CTEs cannot happen; wrap */
    }
    s->ctes = ctes;
    s->ncte = ncte;
    s->recursive = recursive;
  }
  p->depth--;
  return s;
}

/* ------------------------------------------------------------------ other statements */
static int conflict_clause(P *p) {
  if (accept_kw(p, "ROLLBACK")) return ONCONF_ROLLBACK;
  if (accept_kw(p, "ABORT")) return ONCONF_ABORT;
  if (accept_kw(p, "FAIL")) return ONCONF_FAIL;
  if (accept_kw(p, "IGNORE")) return ONCONF_IGNORE;
  if (accept_kw(p, "REPLACE")) return ONCONF_REPLACE;
  syntax(p);
  return 0;
}

static int on_conflict(P *p) {
  if (is_kw(p, "ON")) {
    next(p);
    expect_kw(p, "CONFLICT");
    return conflict_clause(p);
  }
  return 0;
}

static void skip_parens(P *p) {
  expect_op(p, "(");
  int d = 1;
  while (d > 0) {
    if (p->t.type == T_EOF) syntax(p);
    if (is_op(p, "(")) d++;
    else if (is_op(p, ")"))
      d--;
    next(p);
  }
}

static void skip_references(P *p) {
  ident(p);
  if (is_op(p, "(")) skip_parens(p);
  for (;;) {
    if (accept_kw(p, "ON")) {
      if (!accept_kw(p, "DELETE")) expect_kw(p, "UPDATE");
      if (accept_kw(p, "SET")) {
        if (!accept_kw(p, "NULL")) expect_kw(p, "DEFAULT");
      } else if (accept_kw(p, "CASCADE") || accept_kw(p, "RESTRICT")) {
      } else {
        expect_kw(p, "NO");
        expect_kw(p, "ACTION");
      }
    } else if (accept_kw(p, "MATCH")) {
      ident(p);
    } else if (is_kw(p, "NOT") || is_kw(p, "DEFERRABLE")) {
      accept_kw(p, "NOT");
      expect_kw(p, "DEFERRABLE");
      if (accept_kw(p, "INITIALLY")) {
        if (!accept_kw(p, "DEFERRED")) expect_kw(p, "IMMEDIATE");
      }
    } else
      break;
  }
}

static const char **name_list(P *p, int *n, const char ***colls, uint8_t **desc) {
  expect_op(p, "(");
  VecB b = {0}, c = {0};
  int cap = 16;
  uint8_t *d = alloc(p, (size_t)cap);
  do {
    if (b.n == cap) {
      uint8_t *d2 = alloc(p, (size_t)cap * 2);
      memcpy(d2, d, (size_t)cap);
      d = d2;
      cap *= 2;
    }
    vpush(p, &b, ident(p));
    const char *coll = NULL;
    if (accept_kw(p, "COLLATE")) coll = ident(p);
    vpush(p, &c, coll);
    d[b.n - 1] = accept_kw(p, "DESC") ? 1 : 0;
    if (!d[b.n - 1]) accept_kw(p, "ASC");
  } while (accept_op(p, ","));
  expect_op(p, ")");
  *n = b.n;
  if (colls) *colls = (const char **)c.v;
  if (desc) *desc = d;
  return (const char **)b.v;
}

static void create_table(P *p, XStmt *s) {
  s->kind = XS_CREATE_TABLE;
  if (accept_kw(p, "IF")) {
    expect_kw(p, "NOT");
    expect_kw(p, "EXISTS");
    s->if_not_exists = 1;
  }
  s->name_off = p->t.off;
  s->name = ident(p);
  if (accept_op(p, ".")) {
    s->name_off = p->t.off;
    s->name = ident(p);
  }
  if (accept_kw(p, "AS")) {
    s->sel = select_stmt(p);
    return;
  }
  expect_op(p, "(");
  int cap = 8;
  s->coldefs = alloc(p, sizeof(XColDef) * (size_t)cap);
  int tcap = 4;
  s->tcons = alloc(p, sizeof(XTabCons) * (size_t)tcap);
  for (;;) {
    if (is_kw(p, "CONSTRAINT") || is_kw(p, "PRIMARY") || is_kw(p, "UNIQUE") || is_kw(p, "CHECK") || is_kw(p, "FOREIGN"))
      break;
    if (s->ncoldef == cap) {
      XColDef *c2 = alloc(p, sizeof(XColDef) * (size_t)cap * 2);
      memcpy(c2, s->coldefs, sizeof(XColDef) * (size_t)cap);
      s->coldefs = c2;
      cap *= 2;
    }
    XColDef *d = &s->coldefs[s->ncoldef++];
    d->name = ident(p);
    d->dflt_off = d->dflt_end = -1;
    /* type name: identifiers up to a constraint keyword, "," or ")" */
    int toff = p->t.off, tend = -1;
    while (p->t.type == T_ID && !is_kw(p, "CONSTRAINT") && !is_kw(p, "PRIMARY") && !is_kw(p, "NOT") &&
           !is_kw(p, "NULL") && !is_kw(p, "UNIQUE") && !is_kw(p, "CHECK") && !is_kw(p, "DEFAULT") &&
           !is_kw(p, "COLLATE") && !is_kw(p, "REFERENCES") && !is_kw(p, "GENERATED") && !is_kw(p, "AS")) {
      next(p);
      tend = p->prev_end;
    }
    if (tend >= 0 && is_op(p, "(")) {
      skip_parens(p);
      tend = p->prev_end;
    }
    if (tend >= 0) d->type = arena_strndup(p->a, p->z + toff, (size_t)(tend - toff));
    /* column constraints */
    VecB checks = {0}, cnames = {0};
    for (;;) {
      const char *cname = NULL;
      if (accept_kw(p, "CONSTRAINT")) cname = ident(p);
      if (accept_kw(p, "PRIMARY")) {
        expect_kw(p, "KEY");
        d->pk = 1;
        if (accept_kw(p, "DESC")) d->pk_desc = 1;
        else
          accept_kw(p, "ASC");
        d->pk_conflict = on_conflict(p);
        if (accept_kw(p, "AUTOINCREMENT")) d->autoinc = 1;
      } else if (accept_kw(p, "NOT")) {
        expect_kw(p, "NULL");
        d->notnull = 1;
        d->notnull_conflict = on_conflict(p);
      } else if (accept_kw(p, "NULL")) {
        on_conflict(p);
      } else if (accept_kw(p, "UNIQUE")) {
        d->unique = 1;
        d->unique_conflict = on_conflict(p);
      } else if (accept_kw(p, "CHECK")) {
        expect_op(p, "(");
        vpush(p, &checks, expr(p));
        vpush(p, &cnames, cname);
        expect_op(p, ")");
      } else if (accept_kw(p, "DEFAULT")) {
        d->dflt_off = p->t.off;
        if (accept_op(p, "(")) {
          d->dflt = expr(p);
          expect_op(p, ")");
        } else if (is_op(p, "-") || is_op(p, "+")) {
          d->dflt = unary(p);
        } else if (p->t.type == T_ID && !p->t.quoted && !is_kw(p, "NULL") && !is_kw(p, "TRUE") && !is_kw(p, "FALSE") &&
                   !is_kw(p, "CURRENT_TIME") && !is_kw(p, "CURRENT_DATE") && !is_kw(p, "CURRENT_TIMESTAMP")) {
          /* DEFAULT identifier: the identifier's text as a string */
          XExpr *e = new_expr(p, XK_TEXT, p->t.off);
          e->lit.type = VAL_TEXT;
          e->lit.z = p->t.text;
          e->lit.n = p->t.tlen;
          next(p);
          d->dflt = finish(p, e);
        } else {
          d->dflt = primary(p);
        }
        d->dflt_end = p->prev_end;
      } else if (accept_kw(p, "COLLATE")) {
        d->collate = ident(p);
      } else if (accept_kw(p, "REFERENCES")) {
        skip_references(p);
      } else if (accept_kw(p, "GENERATED")) {
        expect_kw(p, "ALWAYS");
        expect_kw(p, "AS");
        skip_parens(p);
        d->gen = 1;
        if (accept_kw(p, "STORED")) d->gen = 2;
        else
          accept_kw(p, "VIRTUAL");
      } else if (accept_kw(p, "AS")) {
        skip_parens(p);
        d->gen = 1;
        if (accept_kw(p, "STORED")) d->gen = 2;
        else
          accept_kw(p, "VIRTUAL");
      } else {
        if (cname) syntax(p);
        break;
      }
    }
    d->checks = checks.v;
    d->check_names = (const char **)cnames.v;
    d->ncheck = checks.n;
    if (!accept_op(p, ",")) break;
  }
  if (!is_op(p, ")")) {
    for (;;) {
      if (s->ntcons == tcap) {
        XTabCons *t2 = alloc(p, sizeof(XTabCons) * (size_t)tcap * 2);
        memcpy(t2, s->tcons, sizeof(XTabCons) * (size_t)tcap);
        s->tcons = t2;
        tcap *= 2;
      }
      XTabCons *tc = &s->tcons[s->ntcons++];
      if (accept_kw(p, "CONSTRAINT")) tc->name = ident(p);
      if (accept_kw(p, "PRIMARY")) {
        expect_kw(p, "KEY");
        tc->kind = 1;
        tc->cols = name_list(p, &tc->ncol, &tc->colls, &tc->desc);
        tc->conflict = on_conflict(p);
      } else if (accept_kw(p, "UNIQUE")) {
        tc->kind = 2;
        tc->cols = name_list(p, &tc->ncol, &tc->colls, &tc->desc);
        tc->conflict = on_conflict(p);
      } else if (accept_kw(p, "CHECK")) {
        tc->kind = 3;
        expect_op(p, "(");
        tc->check = expr(p);
        expect_op(p, ")");
      } else if (accept_kw(p, "FOREIGN")) {
        expect_kw(p, "KEY");
        tc->kind = 4;
        tc->cols = name_list(p, &tc->ncol, NULL, NULL);
        expect_kw(p, "REFERENCES");
        skip_references(p);
      } else
        syntax(p);
      if (!accept_op(p, ",")) break;
    }
  }
  expect_op(p, ")");
  for (;;) {
    if (accept_kw(p, "WITHOUT")) {
      if (!is_kw(p, "ROWID")) syntax(p);
      next(p);
      s->without_rowid = 1;
    } else if (accept_kw(p, "STRICT"))
      s->strict = 1;
    else
      break;
    if (!accept_op(p, ",")) break;
  }
}

static void parse_inner(P *p, XStmt *s);

static void statement(P *p, XStmt *s) {
  if (accept_kw(p, "EXPLAIN")) {
    s->explain = 1;
    if (accept_kw(p, "QUERY")) {
      expect_kw(p, "PLAN");
      s->explain = 2;
    }
    XStmt *in = alloc(p, sizeof(XStmt));
    parse_inner(p, in);
    s->inner = in;
    s->kind = in->kind;
    return;
  }
  parse_inner(p, s);
}

static void parse_inner(P *p, XStmt *s) {
  s->name_off = -1;
  if (starts_select(p)) {
    int save_pos = p->pos, save_prev = p->prev_end;
    Tok save = p->t;
    (void)save_pos;
    (void)save_prev;
    (void)save;
    s->kind = XS_SELECT;
    s->sel = select_stmt(p);
    return;
  }
  if (is_kw(p, "INSERT") || is_kw(p, "REPLACE")) {
    s->kind = XS_INSERT;
    if (accept_kw(p, "REPLACE"))
      s->onconf = ONCONF_REPLACE;
    else {
      next(p);
      if (accept_kw(p, "OR")) s->onconf = conflict_clause(p);
    }
    expect_kw(p, "INTO");
    s->name = ident(p);
    if (accept_op(p, ".")) s->name = ident(p);
    if (accept_kw(p, "AS")) ident(p);
    if (is_op(p, "(")) s->cols = name_list(p, &s->ncols, NULL, NULL);
    if (accept_kw(p, "DEFAULT")) {
      expect_kw(p, "VALUES");
      s->default_values = 1;
    } else
      s->sel = select_stmt(p);
    return;
  }
  if (accept_kw(p, "UPDATE")) {
    s->kind = XS_UPDATE;
    if (accept_kw(p, "OR")) s->onconf = conflict_clause(p);
    s->name = ident(p);
    if (accept_op(p, ".")) s->name = ident(p);
    expect_kw(p, "SET");
    VecB cols = {0}, exprs = {0};
    do {
      vpush(p, &cols, ident(p));
      expect_op(p, "=");
      vpush(p, &exprs, expr(p));
    } while (accept_op(p, ","));
    s->set_cols = (const char **)cols.v;
    s->set_exprs = exprs.v;
    s->nset = cols.n;
    if (accept_kw(p, "WHERE")) s->where = expr(p);
    return;
  }
  if (accept_kw(p, "DELETE")) {
    s->kind = XS_DELETE;
    expect_kw(p, "FROM");
    s->name = ident(p);
    if (accept_op(p, ".")) s->name = ident(p);
    if (accept_kw(p, "WHERE")) s->where = expr(p);
    return;
  }
  if (accept_kw(p, "CREATE")) {
    if (accept_kw(p, "TEMP") || accept_kw(p, "TEMPORARY")) s->temp = 1;
    if (accept_kw(p, "TABLE")) {
      create_table(p, s);
      return;
    }
    if (accept_kw(p, "UNIQUE")) s->unique = 1;
    if (accept_kw(p, "INDEX")) {
      s->kind = XS_CREATE_INDEX;
      if (accept_kw(p, "IF")) {
        expect_kw(p, "NOT");
        expect_kw(p, "EXISTS");
        s->if_not_exists = 1;
      }
      s->name_off = p->t.off;
      s->name = ident(p);
      expect_kw(p, "ON");
      s->table = ident(p);
      expect_op(p, "(");
      VecB e = {0}, c = {0};
      int cap = 16;
      uint8_t *d = alloc(p, (size_t)cap);
      do {
        if (e.n == cap) {
          uint8_t *d2 = alloc(p, (size_t)cap * 2);
          memcpy(d2, d, (size_t)cap);
          d = d2;
          cap *= 2;
        }
        XExpr *x = expr(p);
        const char *coll = NULL;
        if (x->kind == XK_COLLATE) {
          coll = x->name;
          x = (XExpr *)x->a;
        }
        vpush(p, &e, x);
        vpush(p, &c, coll);
        d[e.n - 1] = accept_kw(p, "DESC") ? 1 : 0;
        if (!d[e.n - 1]) accept_kw(p, "ASC");
      } while (accept_op(p, ","));
      expect_op(p, ")");
      s->idx_exprs = e.v;
      s->idx_colls = (const char **)c.v;
      s->idx_desc = d;
      s->nidxcol = e.n;
      if (accept_kw(p, "WHERE")) s->idx_where = expr(p);
      return;
    }
    if (s->unique) syntax(p);
    if (accept_kw(p, "VIEW")) {
      s->kind = XS_CREATE_VIEW;
      if (accept_kw(p, "IF")) {
        expect_kw(p, "NOT");
        expect_kw(p, "EXISTS");
        s->if_not_exists = 1;
      }
      s->name_off = p->t.off;
      s->name = ident(p);
      if (is_op(p, "(")) s->viewcols = name_list(p, &s->nviewcols, NULL, NULL);
      expect_kw(p, "AS");
      s->sel = select_stmt(p);
      return;
    }
    if (accept_kw(p, "TRIGGER")) {
      s->kind = XS_CREATE_TRIGGER;
      if (accept_kw(p, "IF")) {
        expect_kw(p, "NOT");
        expect_kw(p, "EXISTS");
        s->if_not_exists = 1;
      }
      s->name_off = p->t.off;
      s->name = ident(p);
      /* [BEFORE|AFTER|INSTEAD OF] event [OF cols] ON table ... BEGIN ... END */
      while (!is_kw(p, "ON") && p->t.type != T_EOF) next(p);
      expect_kw(p, "ON");
      s->table = ident(p);
      while (!is_kw(p, "BEGIN") && p->t.type != T_EOF) next(p);
      expect_kw(p, "BEGIN");
      int depth = 1;
      while (depth > 0) {
        if (p->t.type == T_EOF) syntax(p);
        if (is_kw(p, "CASE")) depth++;
        if (is_kw(p, "END")) depth--;
        next(p);
      }
      return;
    }
    syntax(p);
  }
  if (accept_kw(p, "DROP")) {
    if (accept_kw(p, "TABLE")) s->kind = XS_DROP_TABLE;
    else if (accept_kw(p, "INDEX"))
      s->kind = XS_DROP_INDEX;
    else if (accept_kw(p, "VIEW"))
      s->kind = XS_DROP_VIEW;
    else if (accept_kw(p, "TRIGGER"))
      s->kind = XS_DROP_TRIGGER;
    else
      syntax(p);
    if (accept_kw(p, "IF")) {
      expect_kw(p, "EXISTS");
      s->if_exists = 1;
    }
    s->name = ident(p);
    if (accept_op(p, ".")) s->name = ident(p);
    return;
  }
  if (accept_kw(p, "BEGIN")) {
    s->kind = XS_BEGIN;
    if (accept_kw(p, "IMMEDIATE")) s->txn_mode = 1;
    else if (accept_kw(p, "EXCLUSIVE"))
      s->txn_mode = 2;
    else
      accept_kw(p, "DEFERRED");
    accept_kw(p, "TRANSACTION");
    return;
  }
  if (accept_kw(p, "COMMIT") || accept_kw(p, "END")) {
    s->kind = XS_COMMIT;
    accept_kw(p, "TRANSACTION");
    return;
  }
  if (accept_kw(p, "ROLLBACK")) {
    s->kind = XS_ROLLBACK;
    accept_kw(p, "TRANSACTION");
    if (accept_kw(p, "TO")) {
      accept_kw(p, "SAVEPOINT");
      s->kind = XS_ROLLBACK_TO;
      s->name = ident(p);
    }
    return;
  }
  if (accept_kw(p, "SAVEPOINT")) {
    s->kind = XS_SAVEPOINT;
    s->name = ident(p);
    return;
  }
  if (accept_kw(p, "RELEASE")) {
    s->kind = XS_RELEASE;
    accept_kw(p, "SAVEPOINT");
    s->name = ident(p);
    return;
  }
  if (accept_kw(p, "PRAGMA")) {
    s->kind = XS_PRAGMA;
    s->name = ident(p);
    if (accept_op(p, ".")) s->name = ident(p);
    if (accept_op(p, "=")) {
      s->pragma_has_value = 1;
      if (p->t.type == T_ID && !p->t.quoted) {
        s->pragma_ident = p->t.text;
        next(p);
      } else
        s->pragma_value = unary(p);
    } else if (accept_op(p, "(")) {
      s->pragma_has_value = 1;
      if (p->t.type == T_ID) {
        s->pragma_ident = p->t.text;
        next(p);
      } else
        s->pragma_value = unary(p);
      expect_op(p, ")");
    }
    return;
  }
  if (accept_kw(p, "REINDEX") || accept_kw(p, "ANALYZE")) {
    s->kind = XS_REINDEX;
    if (can_ident(p)) {
      s->name = ident(p);
      if (accept_op(p, ".")) s->name = ident(p);
    }
    return;
  }
  if (accept_kw(p, "VACUUM")) {
    s->kind = XS_VACUUM;
    if (can_ident(p)) ident(p);
    return;
  }
  syntax(p);
}

int pp_parse(const char *sql, int n, PStmt **out, const char **tail, char **errmsg, int *erroff) {
  *out = NULL;
  *errmsg = NULL;
  *erroff = -1;
  PStmt *ps = calloc(1, sizeof(PStmt));
  if (!ps) return MICA_NOMEM;
  P p;
  memset(&p, 0, sizeof p);
  p.z = sql;
  p.n = n;
  p.a = &ps->arena;
  int r = setjmp(p.jb);
  if (r) {
    *errmsg = p.err;
    *erroff = p.erroff;
    if (tail) *tail = sql + n;
    arena_free(&ps->arena);
    free(ps);
    return r == 2 ? MICA_NOMEM : MICA_ERROR;
  }
  next(&p);
  while (p.t.type == T_SEMI) next(&p);
  if (p.t.type == T_EOF) {
    if (tail) *tail = sql + n;
    arena_free(&ps->arena);
    free(ps);
    return MICA_OK;
  }
  ps->start = p.t.off;
  statement(&p, &ps->stmt);
  ps->end = p.prev_end;
  if (p.t.type != T_SEMI && p.t.type != T_EOF) syntax(&p);
  if (tail) *tail = sql + (p.t.type == T_SEMI ? p.t.off + 1 : p.t.off);
  ps->nparam = p.nparam;
  *out = ps;
  return MICA_OK;
}

void pp_free(PStmt *ps) {
  if (!ps) return;
  arena_free(&ps->arena);
  free(ps);
}
