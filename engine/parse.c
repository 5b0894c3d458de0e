/*
 * parse.c: tokenizer and recursive-descent parser for SQLite's SQL (3.40 grammar), building ast.h trees.
 *
 * TOKENIZER
 *   Tokens are produced on demand from the text (lex_next); the parser keeps one token of lookahead
 *   (p->tok) and can peek further by saving and restoring the lexer position (a plain offset). Token
 *   rules follow SQLite: -- and block comments, 'strings' with '' escapes, X'hex' blobs, "ids", [ids],
 *   `ids`, numbers (decimal, real with exponent, 0x hex), parameters ?, ?NNN, :name, @name, $name, and
 *   operators. A malformed token is "unrecognized token: \"...\"".
 *
 * PARSER
 *   One function per grammar rule. Expressions use one function per precedence level, lowest first:
 *   OR, AND, NOT, the equality level (= == != <> IS IN LIKE GLOB MATCH REGEXP BETWEEN ISNULL NOTNULL),
 *   < <= > >=, & | << >>, + -, * / %, || -> ->>, COLLATE, unary - + ~, primary. Keywords that SQLite lets
 *   fall back to identifiers may be used as names wherever a name is expected (kw_reserved lists the
 *   ones that may not).
 *
 * POSTGRESQL DIALECT (p->dialect == MICA_DIALECT_POSTGRES)
 *   The same grammar plus PostgreSQL's forms, built as the same AST: x::type is a cast; [ and ] are
 *   brackets, not quotes, so type names take array suffixes (int[], varchar(20)[]), ARRAY[a, b] is a
 *   call pg_array(a, b), x[i] a call pg_subscript(x, i), and x op ANY|SOME|ALL (array) a call
 *   pg_any(x, array, 'op') / pg_all(...) (= ANY (subquery) is IN, <> ALL (subquery) NOT IN); aggregate
 *   calls take ORDER BY. CREATE TABLE text is stored in SQLite syntax through text edits (TextEdit,
 *   ast.h): casts as CAST(x AS t), the array forms as those calls, varchar(20)[] as varchar[](20).
 *
 * ERRORS AND MEMORY
 *   Every node goes into the statement's arena. A syntax error longjmps from the point of detection
 *   back to parse_statement, which frees the arena, so nothing leaks and no caller checks each step.
 *   Recursion is bounded by PARSE_MAX_EXPR_DEPTH (expressions and nested selects share the counter).
 */
#include <ctype.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ast.h"
#include "mica.h"
#include "parse.h"

/* ------------------------------------------------------------------------------------------------
 * Keywords.
 */
// clang-format off
#define KEYWORDS(X)                                                                                          \
  X(ABORT)                                                                                                   \
  X(ACTION)                                                                                                  \
  X(ADD)                                                                                                     \
  X(AFTER) X(ALL) X(ALTER) X(ALWAYS) X(ANALYZE) X(AND) X(AS) X(ASC) X(ATTACH) X(AUTOINCREMENT) X(BEFORE) X(  \
      BEGIN) X(BETWEEN) X(BY) X(CASCADE) X(CASE) X(CAST) X(CHECK) X(COLLATE) X(COLUMN) X(COMMIT) X(CONFLICT) \
      X(CONSTRAINT) X(CREATE) X(CROSS) X(CURRENT) X(CURRENT_DATE) X(CURRENT_TIME) X(CURRENT_TIMESTAMP)       \
          X(DATABASE) X(DEFAULT) X(DEFERRABLE) X(DEFERRED) X(DELETE) X(DESC) X(DETACH) X(DISTINCT) X(DO) X(  \
              DROP) X(EACH) X(ELSE) X(END) X(ESCAPE) X(EXCEPT) X(EXCLUDE) X(EXCLUSIVE) X(EXISTS) X(EXPLAIN)  \
              X(FAIL) X(FILTER) X(FIRST) X(FOLLOWING) X(FOR) X(FOREIGN) X(FROM) X(FULL) X(GENERATED) X(GLOB) \
                  X(GROUP) X(GROUPS) X(HAVING) X(IF) X(IGNORE) X(IMMEDIATE) X(IN) X(INDEX) X(INDEXED)        \
                      X(INITIALLY) X(INNER) X(INSERT) X(INSTEAD) X(INTERSECT) X(INTO) X(IS)                  \
                          X(ISNULL) X(JOIN) X(KEY) X(LAST) X(LEFT) X(LIKE) X(LIMIT)                          \
                              X(MATCH) X(MATERIALIZED) X(NATURAL) X(NO) X(NOT) X(NOTHING) X(NOTNULL) X(NULL) \
                                  X(NULLS) X(OF) X(OFFSET) X(ON) X(OR) X(ORDER) X(OTHERS) X(OUTER) X(OVER)   \
                                      X(PARTITION) X(PLAN) X(PRAGMA) X(PRECEDING) X(PRIMARY) X(QUERY)        \
                                          X(RAISE) X(RANGE) X(RECURSIVE) X(REFERENCES) X(REGEXP) X(REINDEX)  \
                                              X(RELEASE) X(RENAME) X(REPLACE) X(RESTRICT) X(RETURNING)       \
                                                  X(RIGHT) X(ROLLBACK) X(ROW) X(ROWS) X(SAVEPOINT)           \
                                                      X(SELECT) X(SET) X(TABLE) X(TEMP) X(TEMPORARY) X(THEN) \
                                                          X(TIES) X(TO) X(TRANSACTION) X(TRIGGER)            \
                                                              X(UNBOUNDED) X(UNION) X(UNIQUE) X(UPDATE)      \
                                                                  X(USING) X(VACUUM) X(VALUES) X(VIEW)       \
                                                                      X(VIRTUAL) X(WHEN) X(WHERE) X(WINDOW)  \
                                                                          X(WITH) X(WITHOUT) X(ILIKE)

// clang-format on
#define KW_ENUM(k) KW_##k,
enum { KW_NONE_ = 0, KEYWORDS(KW_ENUM) KW_COUNT_ };
#define KW_NAME(k) #k,
static const char *const kw_names[] = {"", KEYWORDS(KW_NAME)};

/* Keywords that can never be used as a name (SQLite's non-fallback keywords, roughly). */
static int kw_reserved(int kw) {
  switch (kw) {
  case KW_ADD:
  case KW_ALL:
  case KW_ALTER:
  case KW_AND:
  case KW_AS:
  case KW_AUTOINCREMENT:
  case KW_BETWEEN:
  case KW_CASE:
  case KW_CHECK:
  case KW_COLLATE:
  case KW_COMMIT:
  case KW_CONSTRAINT:
  case KW_CREATE:
  case KW_CROSS:
  case KW_CURRENT_DATE:
  case KW_CURRENT_TIME:
  case KW_CURRENT_TIMESTAMP:
  case KW_DEFAULT:
  case KW_DEFERRABLE:
  case KW_DELETE:
  case KW_DISTINCT:
  case KW_DROP:
  case KW_ELSE:
  case KW_ESCAPE:
  case KW_EXCEPT:
  case KW_EXISTS:
  case KW_FILTER:
  case KW_FOREIGN:
  case KW_FROM:
  case KW_FULL:
  case KW_GROUP:
  case KW_HAVING:
  case KW_IN:
  case KW_INDEX:
  case KW_INDEXED:
  case KW_INNER:
  case KW_INSERT:
  case KW_INTERSECT:
  case KW_INTO:
  case KW_IS:
  case KW_ISNULL:
  case KW_JOIN:
  case KW_LEFT:
  case KW_LIMIT:
  case KW_NATURAL:
  case KW_NOT:
  case KW_NOTHING:
  case KW_NOTNULL:
  case KW_NULL:
  case KW_ON:
  case KW_OR:
  case KW_ORDER:
  case KW_OUTER:
  case KW_OVER:
  case KW_PRIMARY:
  case KW_REFERENCES:
  case KW_RETURNING:
  case KW_RIGHT:
  case KW_ROLLBACK:
  case KW_SELECT:
  case KW_SET:
  case KW_TABLE:
  case KW_THEN:
  case KW_TO:
  case KW_TRANSACTION:
  case KW_UNION:
  case KW_UNIQUE:
  case KW_UPDATE:
  case KW_USING:
  case KW_VALUES:
  case KW_WHEN:
  case KW_WHERE:
  case KW_WINDOW: return 1;
  default: return 0;
  }
}

static int kw_lookup(const char *z, int n, int dialect) {
  int lo = 1, hi = KW_COUNT_ - 1;
  /* the table is in alphabetical order except the trailing dialect keywords */
  if (n == 5 && !strncasecmp(z, "ILIKE", 5)) return dialect == MICA_DIALECT_POSTGRES ? KW_ILIKE : 0;
  hi = KW_ILIKE - 1;
  while (lo <= hi) {
    int mid = (lo + hi) / 2;
    const char *k = kw_names[mid];
    int c = strncasecmp(z, k, (size_t)n);
    if (c == 0 && k[n] != 0) c = -1;
    if (c == 0) return mid;
    if (c < 0)
      hi = mid - 1;
    else
      lo = mid + 1;
  }
  return 0;
}

/* ------------------------------------------------------------------------------------------------
 * Tokens.
 */
enum {
  T_EOF = 0,
  T_SEMI,
  T_ID,     /* plain identifier (not a keyword) */
  T_QID,    /* "quoted", [bracketed] or `backticked` identifier */
  T_KW,     /* keyword: tok.kw */
  T_STRING, /* 'string' */
  T_INT,
  T_FLOAT,
  T_BLOB,
  T_VAR, /* ? ?NNN :a @a $a */
  T_LP,
  T_RP,
  T_COMMA,
  T_DOT,
  T_STAR,
  T_PLUS,
  T_MINUS,
  T_SLASH,
  T_REM,
  T_CONCAT,
  T_PTR,  /* -> */
  T_PTR2, /* ->> */
  T_EQ,   /* = == */
  T_NE,   /* != <> */
  T_LT,
  T_LE,
  T_GT,
  T_GE,
  T_BITAND,
  T_BITOR,
  T_LSHIFT,
  T_RSHIFT,
  T_BITNOT,
  T_DCOLON,   /* :: (PostgreSQL) */
  T_LBRACKET, /* [ (PostgreSQL: subscripts, array types and constructors; SQLite: [quoted names]) */
  T_RBRACKET, /* ] (PostgreSQL) */
  T_ILLEGAL,
};

typedef struct Token {
  int type;
  int kw;
  int off, len;
} Token;

typedef struct Parser {
  const char *z;
  int n;
  int pos; /* lexer position */
  int dialect;
  Token tok;         /* lookahead */
  int prev_end;      /* end offset of the last consumed token */
  int last_name_off; /* offset of the last name parsed (p_name_ex) */
  int tail_off;      /* parse_run: where the next statement starts (just past the ';') */
  AstArena *a;
  Stmt *top;
  int depth;
  int ncompound;
  /* parameters */
  int nparam;
  int cap_names;
  const char **names;
  /* text edits for storing PostgreSQL-dialect DDL in SQLite syntax (TextEdit, ast.h) */
  TextEdit *edits;
  int nedit, cap_edit;
  /* PARSE_NAME_POSITIONS: where each name string came from (NamePos, ast.h) */
  int record_names;
  NamePos *npos;
  int nnpos, cap_npos;
  /* error */
  jmp_buf jb;
  char *err;
  int erroff;
  int rc;
} Parser;

static int is_idchar(unsigned char c) { return isalnum(c) || c == '_' || c == '$' || c >= 0x80; }
static int is_idstart(unsigned char c) { return isalpha(c) || c == '_' || c >= 0x80; }

/* Scans one token at z[pos..n). Sets *t; returns the new position. Skips whitespace and comments. */
static int lex_next(const char *z, int n, int pos, int dialect, Token *t) {
  for (;;) {
    while (pos < n && isspace((unsigned char)z[pos]))
      pos++;
    if (pos + 1 < n && z[pos] == '-' && z[pos + 1] == '-') {
      while (pos < n && z[pos] != '\n')
        pos++;
      continue;
    }
    if (pos + 1 < n && z[pos] == '/' && z[pos + 1] == '*') {
      pos += 2;
      while (pos < n && !(z[pos] == '*' && pos + 1 < n && z[pos + 1] == '/'))
        pos++;
      pos = pos < n ? pos + 2 : n;
      continue;
    }
    break;
  }
  t->off = pos;
  t->kw = 0;
  if (pos >= n || z[pos] == 0) {
    t->type = T_EOF;
    t->len = 0;
    return pos;
  }
  unsigned char c = (unsigned char)z[pos];
  int i = pos + 1;
  int type = T_ILLEGAL;
  switch (c) {
  case ';': type = T_SEMI; break;
  case '(': type = T_LP; break;
  case ')': type = T_RP; break;
  case ',': type = T_COMMA; break;
  case '*': type = T_STAR; break;
  case '+': type = T_PLUS; break;
  case '/': type = T_SLASH; break;
  case '%': type = T_REM; break;
  case '~': type = T_BITNOT; break;
  case '&': type = T_BITAND; break;
  case '-':
    if (i < n && z[i] == '>') {
      i++;
      if (i < n && z[i] == '>') {
        i++;
        type = T_PTR2;
      } else {
        type = T_PTR;
      }
    } else {
      type = T_MINUS;
    }
    break;
  case '|':
    if (i < n && z[i] == '|') {
      i++;
      type = T_CONCAT;
    } else {
      type = T_BITOR;
    }
    break;
  case '=':
    if (i < n && z[i] == '=') i++;
    type = T_EQ;
    break;
  case '<':
    if (i < n && z[i] == '=') {
      i++;
      type = T_LE;
    } else if (i < n && z[i] == '>') {
      i++;
      type = T_NE;
    } else if (i < n && z[i] == '<') {
      i++;
      type = T_LSHIFT;
    } else {
      type = T_LT;
    }
    break;
  case '>':
    if (i < n && z[i] == '=') {
      i++;
      type = T_GE;
    } else if (i < n && z[i] == '>') {
      i++;
      type = T_RSHIFT;
    } else {
      type = T_GT;
    }
    break;
  case '!':
    if (i < n && z[i] == '=') {
      i++;
      type = T_NE;
    }
    break;
  case '\'': {
    for (;;) {
      if (i >= n || z[i] == 0) {
        type = T_ILLEGAL;
        break;
      }
      if (z[i] == '\'') {
        if (i + 1 < n && z[i + 1] == '\'') {
          i += 2;
          continue;
        }
        i++;
        type = T_STRING;
        break;
      }
      i++;
    }
    break;
  }
  case '[':
  case ']':
    if (dialect == MICA_DIALECT_POSTGRES) { /* PostgreSQL has no [quoted] names */
      type = c == '[' ? T_LBRACKET : T_RBRACKET;
      break;
    }
    if (c == ']') break;
    /* fall through */
  case '"':
  case '`': {
    char close = c == '[' ? ']' : (char)c;
    for (;;) {
      if (i >= n || z[i] == 0) {
        type = T_ILLEGAL;
        break;
      }
      if (z[i] == close) {
        if (close != ']' && i + 1 < n && z[i + 1] == close) {
          i += 2;
          continue;
        }
        i++;
        type = T_QID;
        break;
      }
      i++;
    }
    break;
  }
  case '.':
    if (i < n && isdigit((unsigned char)z[i])) goto number;
    type = T_DOT;
    break;
  case '?':
    while (i < n && isdigit((unsigned char)z[i]))
      i++;
    type = T_VAR;
    break;
  case ':':
    if (dialect == MICA_DIALECT_POSTGRES && i < n && z[i] == ':') {
      i++;
      type = T_DCOLON;
      break;
    }
    /* fall through */
  case '@':
  case '$':
    if (c == '$' && dialect == MICA_DIALECT_POSTGRES && i < n &&
        (z[i] == '$' || isalpha((unsigned char)z[i]) || z[i] == '_' || (unsigned char)z[i] >= 0x80)) {
      /* a dollar-quoted string $tag$...$tag$ (the tag may be empty); without the closing $ of the
       * opening tag, this is a name like $abc */
      int t = i;
      while (t < n && z[t] != '$' &&
             (isalnum((unsigned char)z[t]) || z[t] == '_' || (unsigned char)z[t] >= 0x80))
        t++;
      if (t < n && z[t] == '$') {
        int taglen = t + 1 - pos; /* "$tag$" */
        int k = t + 1;
        while (k + taglen <= n && memcmp(z + k, z + pos, (size_t)taglen) != 0)
          k++;
        if (k + taglen > n) {
          i = n;
          type = T_ILLEGAL; /* unterminated dollar-quoted string */
        } else {
          i = k + taglen;
          type = T_STRING;
        }
        break;
      }
    }
    if (c == '$' && dialect == MICA_DIALECT_POSTGRES && i < n && isdigit((unsigned char)z[i])) {
      while (i < n && isdigit((unsigned char)z[i]))
        i++;
      type = T_VAR;
      break;
    }
    {
      int start = i;
      while (i < n && (is_idchar((unsigned char)z[i]) || (z[i] == ':' && i + 1 < n && z[i + 1] == ':'))) {
        if (z[i] == ':') i++;
        i++;
      }
      type = i > start ? T_VAR : T_ILLEGAL;
    }
    break;
  default:
    if (isdigit(c)) {
      i = pos;
    number:
      i = pos;
      if (z[i] == '0' && i + 2 < n + 1 && i + 1 < n && (z[i + 1] == 'x' || z[i + 1] == 'X') && i + 2 < n &&
          isxdigit((unsigned char)z[i + 2])) {
        i += 2;
        while (i < n && isxdigit((unsigned char)z[i]))
          i++;
        type = T_INT;
      } else {
        type = T_INT;
        while (i < n && isdigit((unsigned char)z[i]))
          i++;
        if (i < n && z[i] == '.') {
          i++;
          while (i < n && isdigit((unsigned char)z[i]))
            i++;
          type = T_FLOAT;
        }
        if (i < n && (z[i] == 'e' || z[i] == 'E') &&
            ((i + 1 < n && isdigit((unsigned char)z[i + 1])) ||
             (i + 2 < n && (z[i + 1] == '+' || z[i + 1] == '-') && isdigit((unsigned char)z[i + 2])))) {
          i += 2;
          while (i < n && isdigit((unsigned char)z[i]))
            i++;
          type = T_FLOAT;
        }
      }
      if (i < n && is_idchar((unsigned char)z[i])) { /* 1abc, 0x1g, 1.5e */
        while (i < n && is_idchar((unsigned char)z[i]))
          i++;
        type = T_ILLEGAL;
      }
    } else if ((c == 'x' || c == 'X') && i < n && z[i] == '\'') {
      i++;
      int start = i;
      while (i < n && isxdigit((unsigned char)z[i]))
        i++;
      if (i < n && z[i] == '\'' && (i - start) % 2 == 0) {
        i++;
        type = T_BLOB;
      } else {
        while (i < n && z[i] != '\'')
          i++;
        if (i < n) i++;
        type = T_ILLEGAL;
      }
    } else if (dialect == MICA_DIALECT_POSTGRES && (c == 'e' || c == 'E') && i < n && z[i] == '\'') {
      /* E'...' with backslash escapes: kept as a string token; dequoting handles the escapes */
      i++;
      for (;;) {
        if (i >= n) {
          type = T_ILLEGAL;
          break;
        }
        if (z[i] == '\\' && i + 1 < n) {
          i += 2;
          continue;
        }
        if (z[i] == '\'') {
          if (i + 1 < n && z[i + 1] == '\'') {
            i += 2;
            continue;
          }
          i++;
          type = T_STRING;
          break;
        }
        i++;
      }
    } else if (is_idstart(c)) {
      while (i < n && is_idchar((unsigned char)z[i]))
        i++;
      int kw = kw_lookup(z + pos, i - pos, dialect);
      if (kw) {
        type = T_KW;
        t->kw = kw;
      } else {
        type = T_ID;
      }
    }
    break;
  }
  if (type == T_ILLEGAL && i == pos + 1 && c >= 0x80) {
    /* swallow the rest of a UTF-8 sequence */
    while (i < n && ((unsigned char)z[i] & 0xc0) == 0x80)
      i++;
  }
  t->type = type;
  t->len = i - pos;
  return i;
}

/* ------------------------------------------------------------------------------------------------
 * Parser plumbing.
 */
#if defined(__GNUC__)
#define PARSE_NORETURN __attribute__((noreturn))
#else
#define PARSE_NORETURN
#endif

static PARSE_NORETURN void p_fail_rc(Parser *p, int rc, int off, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  char buf[512];
  vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  p->err = strdup(buf);
  p->erroff = off;
  p->rc = rc;
  longjmp(p->jb, 1);
}

static PARSE_NORETURN void p_syntax(Parser *p) {
  Token *t = &p->tok;
  if (t->type == T_EOF) p_fail_rc(p, MICA_ERROR, t->off, "incomplete input");
  if (t->type == T_ILLEGAL)
    p_fail_rc(p, MICA_ERROR, t->off, "unrecognized token: \"%.*s\"", t->len > 200 ? 200 : t->len,
              p->z + t->off);
  p_fail_rc(p, MICA_ERROR, t->off, "near \"%.*s\": syntax error", t->len > 200 ? 200 : t->len, p->z + t->off);
}

static void *p_alloc(Parser *p, size_t n) {
  void *m = ast_alloc(p->a, n);
  if (!m) p_fail_rc(p, MICA_NOMEM, -1, "out of memory");
  return m;
}

static char *p_strndup(Parser *p, const char *s, size_t n) {
  char *d = ast_strndup(p->a, s, n);
  if (!d) p_fail_rc(p, MICA_NOMEM, -1, "out of memory");
  return d;
}

static void p_advance(Parser *p) {
  p->prev_end = p->tok.off + p->tok.len;
  p->pos = lex_next(p->z, p->n, p->pos, p->dialect, &p->tok);
}

/* The token after the lookahead, without consuming anything. */
static Token p_peek2(Parser *p) {
  Token t;
  lex_next(p->z, p->n, p->pos, p->dialect, &t);
  return t;
}

static int p_is(Parser *p, int type) { return p->tok.type == type; }

static int p_iskw(Parser *p, int kw) { return p->tok.type == T_KW && p->tok.kw == kw; }

static int p_accept(Parser *p, int type) {
  if (p->tok.type != type) return 0;
  p_advance(p);
  return 1;
}

static int p_acceptkw(Parser *p, int kw) {
  if (!p_iskw(p, kw)) return 0;
  p_advance(p);
  return 1;
}

static void p_expect(Parser *p, int type) {
  if (!p_accept(p, type)) p_syntax(p);
}

static void p_expectkw(Parser *p, int kw) {
  if (!p_acceptkw(p, kw)) p_syntax(p);
}

/* Dequotes an identifier or string token into the arena. */
static char *p_dequote(Parser *p, const Token *t) {
  const char *s = p->z + t->off;
  int n = t->len;
  if (t->type == T_STRING && s[0] == '$') { /* PostgreSQL $tag$...$tag$: the text between, verbatim */
    int taglen = 1;
    while (taglen < n && s[taglen] != '$')
      taglen++;
    taglen++;
    int len = n - 2 * taglen;
    return p_strndup(p, s + taglen, (size_t)(len > 0 ? len : 0));
  }
  if (t->type == T_QID || t->type == T_STRING) {
    char q = s[0];
    int estr = 0;
    if (q == 'e' || q == 'E') { /* PostgreSQL E'' string */
      estr = 1;
      s++;
      n--;
      q = '\'';
    }
    char close = q == '[' ? ']' : q;
    char *d = p_alloc(p, (size_t)n);
    int j = 0;
    for (int i = 1; i < n - 1; i++) {
      if (estr && s[i] == '\\' && i + 1 < n - 1) {
        i++;
        switch (s[i]) {
        case 'n': d[j++] = '\n'; break;
        case 't': d[j++] = '\t'; break;
        case 'r': d[j++] = '\r'; break;
        case 'b': d[j++] = '\b'; break;
        case 'f': d[j++] = '\f'; break;
        default: d[j++] = s[i]; break;
        }
        continue;
      }
      d[j++] = s[i];
      if (s[i] == close && close != ']' && i + 1 < n - 1 && s[i + 1] == close) i++;
    }
    d[j] = 0;
    return d;
  }
  return p_strndup(p, s, (size_t)n);
}

/* Growable array in the arena (doubling; the old block is simply abandoned to the arena). */
static void *p_grow(Parser *p, void *arr, int n, int *cap, size_t elem) {
  if (n < *cap) return arr;
  int nc = *cap ? *cap * 2 : 4;
  void *na = p_alloc(p, elem * (size_t)nc);
  if (arr && n) memcpy(na, arr, elem * (size_t)n);
  *cap = nc;
  return na;
}

#define PUSH(p, arr, n, cap, v)                                                                              \
  do {                                                                                                       \
    (arr) = p_grow((p), (arr), (n), &(cap), sizeof(*(arr)));                                                 \
    (arr)[(n)++] = (v);                                                                                      \
  } while (0)

/* Whether the lookahead can be a name: an identifier, a quoted identifier, or a non-reserved keyword.
 * allow_string also accepts a 'string' (SQLite accepts strings as names in many places). */
static int p_isname(Parser *p, int allow_string) {
  const Token *t = &p->tok;
  return t->type == T_ID || t->type == T_QID || (t->type == T_KW && !kw_reserved(t->kw)) ||
         (allow_string && t->type == T_STRING);
}

static const char *p_name_ex(Parser *p, int allow_string, int *quoted) {
  if (!p_isname(p, allow_string)) p_syntax(p);
  if (quoted) *quoted = p->tok.type == T_QID && p->z[p->tok.off] == '"';
  p->last_name_off = p->tok.off;
  char *s = p_dequote(p, &p->tok);
  if (p->record_names) {
    NamePos np = {s, p->tok.off, p->tok.len};
    PUSH(p, p->npos, p->nnpos, p->cap_npos, np);
  }
  p_advance(p);
  return s;
}

static const char *p_name(Parser *p) { return p_name_ex(p, 1, NULL); }

/* [schema.]name */
static const char *p_qualified(Parser *p, const char **schema) {
  const char *a = p_name(p);
  if (p_is(p, T_DOT)) {
    p_advance(p);
    *schema = a;
    return p_name(p);
  }
  *schema = NULL;
  return a;
}

/* Records that text[off, end) is stored as repl (PostgreSQL dialect; see TextEdit). */
static void p_edit(Parser *p, int off, int end, const char *repl) {
  TextEdit e = {off, end, repl};
  PUSH(p, p->edits, p->nedit, p->cap_edit, e);
}

/* Like p_edit, for an insertion that opens a wrapper around an expression starting at off whose
 * parsing began when there were `mark` edits: it goes before the insertions made there since, which
 * open the wrappers inside it (a[1]::int is stored as CAST(pg_subscript(a, 1) AS int)), and after
 * those made before, which open wrappers around it. */
static void p_edit_front(Parser *p, int mark, int off, int end, const char *repl) {
  p_edit(p, off, end, repl);
  int k = p->nedit - 1;
  while (k > mark && p->edits[k - 1].off == off) {
    TextEdit t = p->edits[k - 1];
    p->edits[k - 1] = p->edits[k];
    p->edits[k] = t;
    k--;
  }
}

/* Is the lookahead the identifier (not keyword, not quoted) w? */
static int p_isword(Parser *p, const char *w) {
  return p->tok.type == T_ID && p->tok.len == (int)strlen(w) && !strncasecmp(p->z + p->tok.off, w, strlen(w));
}
static int tok_isword(const Parser *p, const Token *t, const char *w) {
  return t->type == T_ID && t->len == (int)strlen(w) && !strncasecmp(p->z + t->off, w, strlen(w));
}

static void p_enter(Parser *p) {
  if (++p->depth > PARSE_MAX_EXPR_DEPTH)
    p_fail_rc(p, MICA_ERROR, p->tok.off, "Expression tree is too large (maximum depth %d)",
              PARSE_MAX_EXPR_DEPTH);
}
static void p_leave(Parser *p) { p->depth--; }

/* ------------------------------------------------------------------------------------------------
 * Expressions.
 */
static Expr *p_expr(Parser *p);
static Select *p_select(Parser *p);
static WindowDef *p_window_spec(Parser *p, const char *name);
static OrderTerm *p_order_list(Parser *p, int *n);

static Expr *mk(Parser *p, int kind, int off) {
  Expr *e = p_alloc(p, sizeof *e);
  e->kind = kind;
  e->off = off;
  e->end = p->prev_end;
  return e;
}

static Expr *mk2(Parser *p, int kind, Expr *a, Expr *b) {
  Expr *e = mk(p, kind, a ? a->off : p->tok.off);
  e->a = a;
  e->b = b;
  e->end = p->prev_end;
  return e;
}

static Expr *mkbin(Parser *p, int op, Expr *a, Expr *b) {
  Expr *e = mk2(p, EK_BINARY, a, b);
  e->binop = op;
  return e;
}

static int p_starts_select(Parser *p) {
  return p_iskw(p, KW_SELECT) || p_iskw(p, KW_VALUES) || p_iskw(p, KW_WITH);
}

static Expr *p_literal_number(Parser *p) {
  Token t = p->tok;
  p_advance(p);
  char *txt = p_strndup(p, p->z + t.off, (size_t)t.len);
  Expr *e = mk(p, EK_INT, t.off);
  e->text = txt;
  if (t.type == T_INT) {
    if (t.len > 2 && txt[0] == '0' && (txt[1] == 'x' || txt[1] == 'X')) {
      /* hex: up to 16 digits, two's complement */
      const char *h = txt + 2;
      while (*h == '0')
        h++;
      if (strlen(h) > 16) p_fail_rc(p, MICA_ERROR, t.off, "hex literal too big: %s", txt);
      e->ival = (int64_t)strtoull(txt + 2, NULL, 16);
      return e;
    }
    errno = 0;
    unsigned long long v = strtoull(txt, NULL, 10);
    if (errno == 0 && v <= (unsigned long long)INT64_MAX) {
      e->ival = (int64_t)v;
      return e;
    }
    e->kind = EK_REAL;
    e->rval = strtod(txt, NULL);
    return e;
  }
  e->kind = EK_REAL;
  e->rval = strtod(txt, NULL);
  return e;
}

static Expr *p_param(Parser *p) {
  Token t = p->tok;
  p_advance(p);
  Expr *e = mk(p, EK_PARAM, t.off);
  const char *s = p->z + t.off;
  int idx;
  const char *name = NULL;
  if (s[0] == '?' && t.len == 1) {
    idx = ++p->nparam;
  } else if (s[0] == '?' || (s[0] == '$' && p->dialect == MICA_DIALECT_POSTGRES && t.len > 1 &&
                             isdigit((unsigned char)s[1]))) {
    long v = strtol(s + 1, NULL, 10);
    if (v < 1 || v > 32766) p_fail_rc(p, MICA_RANGE, t.off, "variable number must be between ?1 and ?32766");
    idx = (int)v;
    if (idx > p->nparam) p->nparam = idx;
    name = p_strndup(p, s, (size_t)t.len);
  } else {
    name = p_strndup(p, s, (size_t)t.len);
    idx = 0;
    for (int i = 1; i <= p->nparam && i < p->cap_names; i++)
      if (p->names[i] && !strcmp(p->names[i], name)) {
        idx = i;
        break;
      }
    if (!idx) idx = ++p->nparam;
  }
  if (name) {
    while (p->cap_names <= idx) {
      int nc = p->cap_names ? p->cap_names * 2 : 16;
      while (nc <= idx)
        nc *= 2;
      const char **nn = p_alloc(p, sizeof *nn * (size_t)nc);
      if (p->names) memcpy(nn, p->names, sizeof *nn * (size_t)p->cap_names);
      p->names = nn;
      p->cap_names = nc;
    }
    if (!p->names[idx]) p->names[idx] = name;
  }
  e->param = idx;
  e->param_name = name;
  return e;
}

/* Function call arguments, FILTER and OVER, after the name and '(' were consumed. */
static Expr *p_func_call(Parser *p, const char *name, int off) {
  Expr *e = mk(p, EK_FUNC, off);
  e->name = name;
  int cap = 0;
  if (p->dialect == MICA_DIALECT_POSTGRES && !strcasecmp(name, "extract") && !p_is(p, T_RP) &&
      p_peek2(p).type == T_KW && p_peek2(p).kw == KW_FROM) {
    /* EXTRACT(field FROM source): a call extract('field', source) */
    Token ft = p->tok;
    if (!(ft.type == T_ID || ft.type == T_KW || ft.type == T_STRING || ft.type == T_QID)) p_syntax(p);
    Expr *f = mk(p, EK_TEXT, ft.off);
    f->str = p_dequote(p, &ft);
    f->nstr = (int)strlen(f->str);
    p_advance(p);
    p_expectkw(p, KW_FROM);
    PUSH(p, e->list, e->nlist, cap, f);         // NOLINT(bugprone-sizeof-expression)
    PUSH(p, e->list, e->nlist, cap, p_expr(p)); // NOLINT(bugprone-sizeof-expression)
    p_expect(p, T_RP);
    e->end = p->prev_end;
    return e;
  }
  if (p_accept(p, T_STAR)) {
    e->star = 1;
  } else if (!p_is(p, T_RP)) {
    if (p_acceptkw(p, KW_DISTINCT))
      e->distinct = 1;
    else
      p_acceptkw(p, KW_ALL);
    do {
      PUSH(p, e->list, e->nlist, cap, p_expr(p)); // NOLINT(bugprone-sizeof-expression)
    } while (p_accept(p, T_COMMA));
    if (p_iskw(p, KW_ORDER) && p->dialect == MICA_DIALECT_POSTGRES) { /* SQLite 3.40 has none */
      p_advance(p);
      p_expectkw(p, KW_BY);
      e->order = p_order_list(p, &e->norder);
    }
  }
  p_expect(p, T_RP);
  if (e->nlist > PARSE_MAX_FUNCTION_ARGS)
    p_fail_rc(p, MICA_ERROR, off, "too many arguments on function %s", name);
  if (p_iskw(p, KW_FILTER)) {
    p_advance(p);
    p_expect(p, T_LP);
    p_expectkw(p, KW_WHERE);
    e->filter = p_expr(p);
    p_expect(p, T_RP);
  }
  if (p_iskw(p, KW_OVER)) {
    p_advance(p);
    if (p_accept(p, T_LP)) {
      e->over = p_window_spec(p, NULL);
      p_expect(p, T_RP);
    } else {
      e->over_name = p_name(p);
    }
  }
  e->end = p->prev_end;
  return e;
}

static const char *p_type_name(Parser *p, int *ok);
static const char *p_type_name_pg(Parser *p, int *ok, const char **stored, int record);

static Expr *p_primary(Parser *p) {
  Token t = p->tok;
  Expr *e;
  switch (t.type) {
  case T_INT:
  case T_FLOAT: return p_literal_number(p);
  case T_STRING:
    p_advance(p);
    e = mk(p, EK_TEXT, t.off);
    e->str = p_dequote(p, &t);
    e->nstr = (int)strlen(e->str);
    return e;
  case T_BLOB: {
    p_advance(p);
    e = mk(p, EK_BLOB, t.off);
    int nh = t.len - 3;
    char *b = p_alloc(p, (size_t)nh / 2 + 1);
    for (int i = 0; i < nh / 2; i++) {
      char hx[3] = {p->z[t.off + 2 + 2 * i], p->z[t.off + 3 + 2 * i], 0};
      b[i] = (char)strtol(hx, NULL, 16);
    }
    e->str = b;
    e->nstr = nh / 2;
    return e;
  }
  case T_VAR: return p_param(p);
  case T_LP: {
    p_advance(p);
    if (p_starts_select(p)) {
      Select *s = p_select(p);
      p_expect(p, T_RP);
      e = mk(p, EK_SUBQUERY, t.off);
      e->sel = s;
      return e;
    }
    Expr *first = p_expr(p);
    if (p_is(p, T_COMMA)) {
      e = mk(p, EK_VECTOR, t.off);
      int cap = 0;
      PUSH(p, e->list, e->nlist, cap, first); // NOLINT(bugprone-sizeof-expression)
      while (p_accept(p, T_COMMA))
        PUSH(p, e->list, e->nlist, cap, p_expr(p)); // NOLINT(bugprone-sizeof-expression)
      p_expect(p, T_RP);
      e->end = p->prev_end;
      return e;
    }
    p_expect(p, T_RP);
    first->off = t.off; /* the parenthesised text names the column: "(a)" */
    first->end = p->prev_end;
    return first;
  }
  case T_ID:
  case T_QID: break;
  case T_KW:
    switch (t.kw) {
    case KW_NULL: p_advance(p); return mk(p, EK_NULL, t.off);
    case KW_CURRENT_TIME:
    case KW_CURRENT_DATE:
    case KW_CURRENT_TIMESTAMP:
      p_advance(p);
      e = mk(p, EK_CURTIME, t.off);
      e->name = t.kw == KW_CURRENT_TIME   ? "current_time"
                : t.kw == KW_CURRENT_DATE ? "current_date"
                                          : "current_timestamp";
      return e;
    case KW_CASE: {
      p_advance(p);
      e = mk(p, EK_CASE, t.off);
      if (!p_iskw(p, KW_WHEN)) e->a = p_expr(p);
      int cap = 0;
      if (!p_iskw(p, KW_WHEN)) p_syntax(p);
      while (p_acceptkw(p, KW_WHEN)) {
        PUSH(p, e->list, e->nlist, cap, p_expr(p)); // NOLINT(bugprone-sizeof-expression)
        p_expectkw(p, KW_THEN);
        PUSH(p, e->list, e->nlist, cap, p_expr(p)); // NOLINT(bugprone-sizeof-expression)
      }
      if (p_acceptkw(p, KW_ELSE)) e->c = p_expr(p);
      p_expectkw(p, KW_END);
      e->end = p->prev_end;
      return e;
    }
    case KW_CAST: {
      p_advance(p);
      p_expect(p, T_LP);
      e = mk(p, EK_CAST, t.off);
      e->a = p_expr(p);
      p_expectkw(p, KW_AS);
      int ok = 0;
      const char *stored;
      e->name = p_type_name_pg(p, &ok, &stored, 1);
      if (!ok) e->name = "";
      p_expect(p, T_RP);
      e->end = p->prev_end;
      return e;
    }
    case KW_EXISTS: {
      p_advance(p);
      p_expect(p, T_LP);
      e = mk(p, EK_EXISTS, t.off);
      e->sel = p_select(p);
      p_expect(p, T_RP);
      e->end = p->prev_end;
      return e;
    }
    case KW_RAISE: {
      p_advance(p);
      p_expect(p, T_LP);
      e = mk(p, EK_RAISE, t.off);
      if (p_acceptkw(p, KW_IGNORE)) {
        e->raise_type = 0;
      } else {
        if (p_acceptkw(p, KW_ROLLBACK))
          e->raise_type = 1;
        else if (p_acceptkw(p, KW_ABORT))
          e->raise_type = 2;
        else if (p_acceptkw(p, KW_FAIL))
          e->raise_type = 3;
        else
          p_syntax(p);
        p_expect(p, T_COMMA);
        if (!p_is(p, T_STRING)) p_syntax(p);
        e->name = p_dequote(p, &p->tok);
        p_advance(p);
      }
      p_expect(p, T_RP);
      e->end = p->prev_end;
      return e;
    }
    default:
      if (kw_reserved(t.kw)) p_syntax(p);
      break;
    }
    break;
  default: p_syntax(p);
  }
  /* PostgreSQL: type 'literal' (date '2024-01-02', timestamp '...', interval '1 day', ...) is a cast;
   * stored DDL text spells it CAST('literal' AS type) */
  if (p->dialect == MICA_DIALECT_POSTGRES && t.type == T_ID && p_peek2(p).type == T_STRING) {
    static const char *const lit_types[] = {
        "date",   "time",    "timestamp", "timestamptz", "timetz", "interval", "text",    "varchar",
        "char",   "bpchar",  "int",       "int2",        "int4",   "int8",     "integer", "smallint",
        "bigint", "numeric", "decimal",   "real",        "float4", "float8",   "boolean", "bool",
        "uuid",   "json",    "jsonb",     "bytea",       "name",   "oid",      NULL};
    for (int k = 0; lit_types[k]; k++) {
      if (!tok_isword(p, &t, lit_types[k])) continue;
      const char *ty = p_strndup(p, p->z + t.off, (size_t)t.len);
      p_advance(p);
      Token st = p->tok;
      p_advance(p);
      Expr *lit = mk(p, EK_TEXT, st.off);
      lit->str = p_dequote(p, &st);
      lit->nstr = (int)strlen(lit->str);
      e = mk(p, EK_CAST, t.off);
      e->a = lit;
      e->name = ty;
      e->end = p->prev_end;
      size_t n = (size_t)st.len + strlen(ty) + 16;
      char *r = p_alloc(p, n);
      snprintf(r, n, "CAST(%.*s AS %s)", st.len, p->z + st.off, ty);
      p_edit(p, t.off, p->prev_end, r);
      return e;
    }
  }
  /* PostgreSQL: ARRAY[a, b, ...], a call of pg_array (so stored) */
  if (p->dialect == MICA_DIALECT_POSTGRES && tok_isword(p, &t, "array") && p_peek2(p).type == T_LBRACKET) {
    p_advance(p);
    Token lb = p->tok;
    p_advance(p);
    e = mk(p, EK_FUNC, t.off);
    e->name = "pg_array";
    int cap = 0;
    if (!p_is(p, T_RBRACKET)) {
      do {
        PUSH(p, e->list, e->nlist, cap, p_expr(p)); // NOLINT(bugprone-sizeof-expression)
      } while (p_accept(p, T_COMMA));
    }
    Token rb = p->tok;
    p_expect(p, T_RBRACKET);
    if (e->nlist > PARSE_MAX_FUNCTION_ARGS)
      p_fail_rc(p, MICA_ERROR, t.off, "too many elements in %s", "ARRAY[]");
    p_edit(p, t.off, lb.off + lb.len, "pg_array(");
    p_edit(p, rb.off, rb.off + rb.len, ")");
    e->end = p->prev_end;
    return e;
  }
  /* a name: column reference or function call */
  int quoted = 0;
  const char *n1 = p_name_ex(p, 0, &quoted);
  if (p_is(p, T_LP)) {
    p_advance(p);
    return p_func_call(p, n1, t.off);
  }
  e = mk(p, EK_COLUMN, t.off);
  if (p_is(p, T_DOT)) {
    p_advance(p);
    const char *n2 = p_name_ex(p, 0, &quoted);
    if (p_is(p, T_DOT)) {
      p_advance(p);
      const char *n3 = p_name_ex(p, 0, &quoted);
      e->schema = n1;
      e->table = n2;
      e->name = n3;
    } else {
      e->table = n1;
      e->name = n2;
    }
    e->quoted = 0;
  } else {
    e->name = n1;
    e->quoted = quoted;
    if (!quoted && t.type == T_ID && (!strcasecmp(n1, "true") || !strcasecmp(n1, "false"))) {
      e->kind = EK_INT; /* TRUE / FALSE: 1 / 0 (name keeps the spelling for a column of that name) */
      e->ival = !strcasecmp(n1, "true");
      e->text = n1;
    } else if (!quoted && t.type != T_QID && p->dialect == MICA_DIALECT_POSTGRES &&
               (!strcasecmp(n1, "current_user") || !strcasecmp(n1, "session_user") ||
                !strcasecmp(n1, "current_role") || !strcasecmp(n1, "current_catalog") ||
                !strcasecmp(n1, "current_schema") || !strcasecmp(n1, "user"))) {
      /* PostgreSQL's SQL value functions, written without parentheses: calls of the functions the
       * server registers under these names */
      e->kind = EK_FUNC;
      e->name = n1;
    }
  }
  e->end = p->prev_end;
  return e;
}

/* expr::type and expr[subscript] (PostgreSQL); start is where the operand's text begins. Stored as
 * CAST(expr AS type) and pg_subscript(expr, subscript); a subscript is a call of pg_subscript. */
static Expr *p_postfix_pg(Parser *p, Expr *e, int start, int mark) {
  while (p->dialect == MICA_DIALECT_POSTGRES && (p_is(p, T_DCOLON) || p_is(p, T_LBRACKET))) {
    if (p_is(p, T_LBRACKET)) {
      Token lb = p->tok;
      p_advance(p);
      Expr *idx = p_expr(p);
      Token rb = p->tok;
      p_expect(p, T_RBRACKET);
      p_edit_front(p, mark, start, start, "pg_subscript(");
      p_edit(p, lb.off, lb.off + lb.len, ", ");
      p_edit(p, rb.off, rb.off + rb.len, ")");
      Expr *f = mk(p, EK_FUNC, e->off);
      f->name = "pg_subscript";
      int cap = 0;
      PUSH(p, f->list, f->nlist, cap, e);   // NOLINT(bugprone-sizeof-expression)
      PUSH(p, f->list, f->nlist, cap, idx); // NOLINT(bugprone-sizeof-expression)
      f->end = p->prev_end;
      e = f;
      continue;
    }
    int dc = p->tok.off;
    p_advance(p);
    int ok = 0;
    const char *stored = NULL;
    const char *ty = p_type_name_pg(p, &ok, &stored, 0);
    if (!ok) p_syntax(p);
    p_edit_front(p, mark, start, start, "CAST(");
    size_t n = strlen(stored) + 6;
    char *r = p_alloc(p, n);
    snprintf(r, n, " AS %s)", stored);
    p_edit(p, dc, p->prev_end, r);
    Expr *c = mk(p, EK_CAST, e->off);
    c->a = e;
    c->name = ty;
    c->end = p->prev_end;
    e = c;
  }
  return e;
}

static Expr *p_unary(Parser *p) {
  Token t = p->tok;
  int kind = t.type == T_MINUS ? EK_NEG : t.type == T_PLUS ? EK_POS : t.type == T_BITNOT ? EK_BITNOT : 0;
  if (kind) {
    p_enter(p);
    p_advance(p);
    /* -9223372036854775808 is the smallest integer, not a negated real */
    if (kind == EK_NEG && p_is(p, T_INT) && p->tok.len == 19 &&
        !strncmp(p->z + p->tok.off, "9223372036854775808", 19)) {
      Token lt = p->tok;
      p_advance(p);
      Expr *e = mk(p, EK_INT, t.off);
      e->ival = INT64_MIN;
      e->text = p_strndup(p, p->z + t.off, (size_t)(lt.off + lt.len - t.off));
      p_leave(p);
      return e;
    }
    Expr *a = p_unary(p);
    Expr *e = mk(p, kind, t.off);
    e->a = a;
    e->end = p->prev_end;
    p_leave(p);
    return e;
  }
  int start = p->tok.off, mark = p->nedit;
  return p_postfix_pg(p, p_primary(p), start, mark);
}

static Expr *p_collate(Parser *p) {
  Expr *e = p_unary(p);
  while (p_iskw(p, KW_COLLATE)) {
    p_advance(p);
    Expr *c = mk(p, EK_COLLATE, e->off);
    c->a = e;
    c->name = p_name(p);
    c->end = p->prev_end;
    e = c;
  }
  return e;
}

static Expr *p_concat(Parser *p) {
  Expr *e = p_collate(p);
  for (;;) {
    if (p_is(p, T_CONCAT)) {
      p_advance(p);
      e = mkbin(p, AB_CONCAT, e, p_collate(p));
    } else if (p_is(p, T_PTR) || p_is(p, T_PTR2)) {
      int two = p_is(p, T_PTR2);
      p_advance(p);
      Expr *r = p_collate(p);
      e = mk2(p, EK_JSONOP, e, r);
      e->name = two ? "->>" : "->";
    } else {
      return e;
    }
    e->end = p->prev_end;
  }
}

static Expr *p_mul(Parser *p) {
  Expr *e = p_concat(p);
  for (;;) {
    int op = p_is(p, T_STAR) ? AB_MUL : p_is(p, T_SLASH) ? AB_DIV : p_is(p, T_REM) ? AB_MOD : 0;
    if (!op) return e;
    p_advance(p);
    e = mkbin(p, op, e, p_concat(p));
  }
}

static Expr *p_add(Parser *p) {
  Expr *e = p_mul(p);
  for (;;) {
    int op = p_is(p, T_PLUS) ? AB_ADD : p_is(p, T_MINUS) ? AB_SUB : 0;
    if (!op) return e;
    p_advance(p);
    e = mkbin(p, op, e, p_mul(p));
  }
}

static Expr *p_bit(Parser *p) {
  Expr *e = p_add(p);
  for (;;) {
    int op = p_is(p, T_BITAND)   ? AB_BITAND
             : p_is(p, T_BITOR)  ? AB_BITOR
             : p_is(p, T_LSHIFT) ? AB_LSHIFT
             : p_is(p, T_RSHIFT) ? AB_RSHIFT
                                 : 0;
    if (!op) return e;
    p_advance(p);
    e = mkbin(p, op, e, p_add(p));
  }
}

/* PostgreSQL: "lhs op ANY|SOME|ALL (array)" once op (at op_off) was consumed, a call pg_any(lhs, array,
 * 'op') or pg_all(...); "= ANY (subquery)" is IN (subquery), "<> ALL (subquery)" NOT IN. NULL when the
 * lookahead is not ANY/SOME/ALL and a parenthesis. */
static Expr *p_any_all(Parser *p, Expr *lhs, int mark, const char *op, int op_off) {
  if (p->dialect != MICA_DIALECT_POSTGRES || p_peek2(p).type != T_LP) return NULL;
  int all = p_iskw(p, KW_ALL);
  if (!all && !p_isword(p, "any") && !p_isword(p, "some")) return NULL;
  p_advance(p);
  Token lp = p->tok;
  p_advance(p);
  Expr *e;
  if (p_starts_select(p)) {
    int in = !all && !strcmp(op, "="), not_in = all && !strcmp(op, "<>");
    if (!in && !not_in)
      p_fail_rc(p, MICA_ERROR, op_off, "%s with a subquery is only supported as = ANY and <> ALL",
                all ? "ALL" : "ANY");
    e = mk2(p, EK_INSELECT, lhs, NULL);
    e->sel = p_select(p);
    p_expect(p, T_RP);
    e->not = not_in;
    p_edit(p, op_off, lp.off + lp.len, not_in ? "NOT IN (" : "IN (");
  } else {
    Expr *arr = p_expr(p);
    Token rp = p->tok;
    p_expect(p, T_RP);
    e = mk(p, EK_FUNC, lhs->off);
    e->name = all ? "pg_all" : "pg_any";
    Expr *o = mk(p, EK_TEXT, op_off);
    o->str = op;
    o->nstr = (int)strlen(op);
    int cap = 0;
    PUSH(p, e->list, e->nlist, cap, lhs); // NOLINT(bugprone-sizeof-expression)
    PUSH(p, e->list, e->nlist, cap, arr); // NOLINT(bugprone-sizeof-expression)
    PUSH(p, e->list, e->nlist, cap, o);   // NOLINT(bugprone-sizeof-expression)
    p_edit_front(p, mark, lhs->off, lhs->off, all ? "pg_all(" : "pg_any(");
    p_edit(p, op_off, lp.off + lp.len, ", ");
    size_t n = strlen(op) + 8;
    char *r = p_alloc(p, n);
    snprintf(r, n, ", '%s')", op);
    p_edit(p, rp.off, rp.off + rp.len, r);
  }
  e->end = p->prev_end;
  return e;
}

static Expr *p_cmp(Parser *p) {
  int mark = p->nedit;
  Expr *e = p_bit(p);
  for (;;) {
    int op = p_is(p, T_LT)   ? AB_LT
             : p_is(p, T_LE) ? AB_LE
             : p_is(p, T_GT) ? AB_GT
             : p_is(p, T_GE) ? AB_GE
                             : 0;
    if (!op) return e;
    int op_off = p->tok.off;
    p_advance(p);
    Expr *aa = p_any_all(p, e, mark,
                         op == AB_LT   ? "<"
                         : op == AB_LE ? "<="
                         : op == AB_GT ? ">"
                                       : ">=",
                         op_off);
    e = aa ? aa : mkbin(p, op, e, p_bit(p));
  }
}

static int p_likeop(Parser *p) {
  if (p->tok.type != T_KW) return -1;
  switch (p->tok.kw) {
  case KW_LIKE: return 0;
  case KW_GLOB: return 1;
  case KW_REGEXP: return 2;
  case KW_MATCH: return 3;
  case KW_ILIKE: return 4;
  default: return -1;
  }
}

/* The right side of [NOT] IN. */
static Expr *p_in_rhs(Parser *p, Expr *lhs, int negated) {
  Expr *e;
  if (p_accept(p, T_LP)) {
    if (p_starts_select(p)) {
      e = mk2(p, EK_INSELECT, lhs, NULL);
      e->sel = p_select(p);
    } else {
      e = mk2(p, EK_INLIST, lhs, NULL);
      int cap = 0;
      if (!p_is(p, T_RP)) {
        do {
          PUSH(p, e->list, e->nlist, cap, p_expr(p)); // NOLINT(bugprone-sizeof-expression)
        } while (p_accept(p, T_COMMA));
      }
    }
    p_expect(p, T_RP);
  } else {
    e = mk2(p, EK_INTABLE, lhs, NULL);
    const char *schema = NULL;
    e->table = p_qualified(p, &schema);
    e->schema = schema;
    if (p_accept(p, T_LP)) { /* table-valued function */
      int cap = 0;
      if (!p_is(p, T_RP)) {
        do {
          PUSH(p, e->list, e->nlist, cap, p_expr(p)); // NOLINT(bugprone-sizeof-expression)
        } while (p_accept(p, T_COMMA));
      }
      p_expect(p, T_RP);
      e->star = 1; /* marks "the table name is a function call with list args" */
    }
  }
  e->not = negated;
  e->end = p->prev_end;
  return e;
}

/* The equality level: = == != <> IS [NOT] [DISTINCT FROM] [NOT] IN/LIKE/GLOB/REGEXP/MATCH/BETWEEN,
 * ISNULL, NOTNULL, NOT NULL. Left-associative. */
static Expr *p_eq(Parser *p) {
  int mark = p->nedit;
  Expr *e = p_cmp(p);
  for (;;) {
    if (p_is(p, T_EQ) || p_is(p, T_NE)) {
      int op = p_is(p, T_EQ) ? AB_EQ : AB_NE;
      int op_off = p->tok.off;
      p_advance(p);
      Expr *aa = p_any_all(p, e, mark, op == AB_EQ ? "=" : "<>", op_off);
      e = aa ? aa : mkbin(p, op, e, p_cmp(p));
      continue;
    }
    if (p_iskw(p, KW_IS)) {
      p_advance(p);
      int negated = p_acceptkw(p, KW_NOT);
      if (p_iskw(p, KW_DISTINCT)) {
        p_advance(p);
        p_expectkw(p, KW_FROM);
        negated = !negated;
      }
      Expr *r = p_cmp(p);
      if (r->kind == EK_NULL) {
        e = mk2(p, EK_ISNULL, e, NULL);
        e->not = negated;
      } else {
        e = mk2(p, EK_IS, e, r);
        e->not = negated;
      }
      continue;
    }
    if (p_iskw(p, KW_ISNULL) || p_iskw(p, KW_NOTNULL)) {
      int negated = p_iskw(p, KW_NOTNULL);
      p_advance(p);
      e = mk2(p, EK_ISNULL, e, NULL);
      e->not = negated;
      continue;
    }
    int negated = 0;
    if (p_iskw(p, KW_NOT)) {
      Token t2 = p_peek2(p);
      if (t2.type != T_KW) return e;
      if (t2.kw == KW_NULL) {
        p_advance(p);
        p_advance(p);
        e = mk2(p, EK_ISNULL, e, NULL);
        e->not = 1;
        continue;
      }
      if (t2.kw != KW_IN && t2.kw != KW_LIKE && t2.kw != KW_GLOB && t2.kw != KW_REGEXP && t2.kw != KW_MATCH &&
          t2.kw != KW_BETWEEN && t2.kw != KW_ILIKE)
        return e;
      p_advance(p);
      negated = 1;
    }
    if (p_iskw(p, KW_IN)) {
      p_advance(p);
      e = p_in_rhs(p, e, negated);
      continue;
    }
    if (p_iskw(p, KW_BETWEEN)) {
      p_advance(p);
      Expr *lo = p_cmp(p);
      p_expectkw(p, KW_AND);
      Expr *hi = p_cmp(p);
      Expr *b = mk2(p, EK_BETWEEN, e, lo);
      b->c = hi;
      b->not = negated;
      b->end = p->prev_end;
      e = b;
      continue;
    }
    int lop = p_likeop(p);
    if (lop >= 0) {
      p_advance(p);
      Expr *pat = p_cmp(p);
      Expr *l = mk2(p, EK_LIKE, e, pat);
      l->likeop = lop == 4 ? 0 : lop;
      l->not = negated;
      if (lop == 4) l->name = "ilike";
      if (p_iskw(p, KW_ESCAPE)) {
        p_advance(p);
        l->c = p_cmp(p);
      }
      l->end = p->prev_end;
      e = l;
      continue;
    }
    if (negated) p_syntax(p);
    return e;
  }
}

static Expr *p_not(Parser *p) {
  if (p_iskw(p, KW_NOT)) {
    Token t = p->tok;
    p_enter(p);
    p_advance(p);
    Expr *a = p_not(p);
    Expr *e = mk(p, EK_NOT, t.off);
    e->a = a;
    e->end = p->prev_end;
    p_leave(p);
    return e;
  }
  return p_eq(p);
}

static Expr *p_and(Parser *p) {
  Expr *e = p_not(p);
  while (p_iskw(p, KW_AND)) {
    p_advance(p);
    e = mk2(p, EK_AND, e, p_not(p));
  }
  return e;
}

static Expr *p_expr(Parser *p) {
  p_enter(p);
  Expr *e = p_and(p);
  while (p_iskw(p, KW_OR)) {
    p_advance(p);
    e = mk2(p, EK_OR, e, p_and(p));
  }
  p_leave(p);
  return e;
}

/* PostgreSQL: the array suffix of a type name, "[]" or "[N]", repeated; 1 if there was one. */
static int p_array_suffix(Parser *p) {
  int any = 0;
  while (p->dialect == MICA_DIALECT_POSTGRES && p_is(p, T_LBRACKET)) {
    p_advance(p);
    if (p_is(p, T_INT)) p_advance(p);
    p_expect(p, T_RBRACKET);
    any = 1;
  }
  return any;
}

/* A type name: one or more name words and an optional (n [, m]), in the PostgreSQL dialect also an
 * array suffix. Returns the text as written. */
static const char *p_type_name(Parser *p, int *ok) {
  int start = p->tok.off;
  int any = 0;
  while (
      p->tok.type == T_ID || p->tok.type == T_QID || (p->tok.type == T_STRING && !any) ||
      (p->tok.type == T_KW && !kw_reserved(p->tok.kw) && p->tok.kw != KW_GENERATED && p->tok.kw != KW_AS)) {
    p_advance(p);
    any = 1;
  }
  if (!any) {
    *ok = 0;
    return NULL;
  }
  if (p_is(p, T_LP)) {
    p_advance(p);
    for (int k = 0; k < 2; k++) {
      if (p_is(p, T_PLUS) || p_is(p, T_MINUS)) p_advance(p);
      if (!(p_is(p, T_INT) || p_is(p, T_FLOAT) || p_isname(p, 0))) p_syntax(p);
      p_advance(p);
      if (!p_accept(p, T_COMMA)) break;
    }
    p_expect(p, T_RP);
  }
  p_array_suffix(p);
  *ok = 1;
  return p_strndup(p, p->z + start, (size_t)(p->prev_end - start));
}

/* A type name in the PostgreSQL dialect: also "timestamp|time with[out] time zone". Returns the type
 * as written; *stored is how it is stored in SQLite syntax (timestamptz, timetz, timestamp, time). */
/* After x:: a type name is one word (PostgreSQL), or one of the standard multi-word names; so that
 * "x::date alias" is a cast to date with a column alias. */
static const char *p_type_name_one_word(Parser *p, int *ok) {
  int start = p->tok.off;
  if (!(p->tok.type == T_ID || p->tok.type == T_QID || (p->tok.type == T_KW && !kw_reserved(p->tok.kw)))) {
    *ok = 0;
    return NULL;
  }
  int dbl = p_isword(p, "double"),
      chr = p_isword(p, "character") || p_isword(p, "char") || p_isword(p, "bit") || p_isword(p, "national");
  p_advance(p);
  if (dbl && p_isword(p, "precision")) p_advance(p);
  if (chr && p_isword(p, "varying")) p_advance(p);
  if (p_is(p, T_LP)) {
    p_advance(p);
    for (int k = 0; k < 2; k++) {
      if (!(p_is(p, T_INT) || p_isname(p, 0))) p_syntax(p);
      p_advance(p);
      if (!p_accept(p, T_COMMA)) break;
    }
    p_expect(p, T_RP);
  }
  p_array_suffix(p);
  *ok = 1;
  return p_strndup(p, p->z + start, (size_t)(p->prev_end - start));
}

/* An array type with a typmod before its brackets, "varchar(20)[]", in the order SQLite's grammar
 * accepts, "varchar[](20)" (pgtypes reads both); other names are returned as they are. */
static const char *p_array_type_stored(Parser *p, const char *ty) {
  const char *lp = strchr(ty, '('), *lb = strchr(ty, '[');
  if (!lp || !lb || lb < lp) return ty;
  const char *rp = strchr(lp, ')');
  if (!rp || rp > lb) return ty;
  size_t n = strlen(ty) + 1;
  char *out = p_alloc(p, n);
  size_t k = (size_t)(lp - ty);
  while (k > 0 && ty[k - 1] == ' ')
    k--;
  memcpy(out, ty, k);
  memcpy(out + k, lb, strlen(lb));
  k += strlen(lb);
  memcpy(out + k, lp, (size_t)(rp - lp + 1));
  k += (size_t)(rp - lp + 1);
  out[k] = 0;
  return out;
}

static const char *p_type_name_pg(Parser *p, int *ok, const char **stored, int record) {
  int start = p->tok.off;
  const char *ty =
      record || p->dialect != MICA_DIALECT_POSTGRES ? p_type_name(p, ok) : p_type_name_one_word(p, ok);
  *stored = ty;
  if (!*ok || p->dialect != MICA_DIALECT_POSTGRES) return ty;
  if (strchr(ty, '[')) {
    *stored = p_array_type_stored(p, ty);
    if (record && *stored != ty) p_edit(p, start, p->prev_end, *stored);
    return ty;
  }
  if (p_iskw(p, KW_WITH) || p_iskw(p, KW_WITHOUT)) {
    Token t2 = p_peek2(p);
    if (!tok_isword(p, &t2, "time")) return ty;
    int with = p_iskw(p, KW_WITH);
    p_advance(p);
    p_advance(p);
    if (!p_isword(p, "zone")) p_syntax(p);
    p_advance(p);
    int is_ts = !strncasecmp(ty, "timestamp", 9);
    if (!is_ts && strncasecmp(ty, "time", 4)) p_syntax(p);
    /* keep a precision, e.g. timestamp(3) with time zone: timestamptz(3) */
    const char *prec = strchr(ty, '(');
    int arr = p_array_suffix(p);
    size_t n = strlen(ty) + 10;
    char *st = p_alloc(p, n);
    snprintf(st, n, "%s%s%s%s", is_ts ? "timestamp" : "time", with ? "tz" : "", arr ? "[]" : "",
             prec ? prec : "");
    *stored = st;
    if (record) p_edit(p, start, p->prev_end, st);
    return p_strndup(p, p->z + start, (size_t)(p->prev_end - start));
  }
  return ty;
}

/* ------------------------------------------------------------------------------------------------
 * SELECT.
 */
static OrderTerm *p_order_list(Parser *p, int *n) {
  OrderTerm *arr = NULL;
  int cap = 0;
  *n = 0;
  do {
    OrderTerm o = {0};
    o.expr = p_expr(p);
    if (p_acceptkw(p, KW_DESC))
      o.desc = 1;
    else
      p_acceptkw(p, KW_ASC);
    if (p_acceptkw(p, KW_NULLS)) {
      if (p_acceptkw(p, KW_FIRST))
        o.nulls = 2;
      else if (p_acceptkw(p, KW_LAST))
        o.nulls = 1;
      else
        p_syntax(p);
    }
    PUSH(p, arr, *n, cap, o);
  } while (p_accept(p, T_COMMA));
  return arr;
}

static int p_frame_bound(Parser *p, Expr **ex, int is_start) {
  if (p_acceptkw(p, KW_UNBOUNDED)) {
    if (p_acceptkw(p, KW_PRECEDING)) return FB_UNBOUNDED_PRECEDING;
    p_expectkw(p, KW_FOLLOWING);
    return FB_UNBOUNDED_FOLLOWING;
  }
  if (p_iskw(p, KW_CURRENT)) {
    p_advance(p);
    p_expectkw(p, KW_ROW);
    return FB_CURRENT_ROW;
  }
  *ex = p_expr(p);
  if (p_acceptkw(p, KW_PRECEDING)) return FB_PRECEDING;
  p_expectkw(p, KW_FOLLOWING);
  (void)is_start;
  return FB_FOLLOWING;
}

/* The inside of a window specification "( [base] [PARTITION BY ..] [ORDER BY ..] [frame] )". */
static WindowDef *p_window_spec(Parser *p, const char *name) {
  WindowDef *w = p_alloc(p, sizeof *w);
  w->name = name;
  if (p->tok.type == T_ID || p->tok.type == T_QID ||
      (p->tok.type == T_KW && !kw_reserved(p->tok.kw) && p->tok.kw != KW_PARTITION && p->tok.kw != KW_ROWS &&
       p->tok.kw != KW_RANGE && p->tok.kw != KW_GROUPS))
    w->base = p_name(p);
  if (p_acceptkw(p, KW_PARTITION)) {
    p_expectkw(p, KW_BY);
    int cap = 0;
    do {
      PUSH(p, w->part, w->npart, cap, p_expr(p)); // NOLINT(bugprone-sizeof-expression)
    } while (p_accept(p, T_COMMA));
  }
  if (p_acceptkw(p, KW_ORDER)) {
    p_expectkw(p, KW_BY);
    w->order = p_order_list(p, &w->norder);
  }
  if (p_iskw(p, KW_ROWS) || p_iskw(p, KW_RANGE) || p_iskw(p, KW_GROUPS)) {
    w->frame_type = p_iskw(p, KW_ROWS) ? FT_ROWS : p_iskw(p, KW_RANGE) ? FT_RANGE : FT_GROUPS;
    p_advance(p);
    if (p_acceptkw(p, KW_BETWEEN)) {
      w->start = p_frame_bound(p, &w->start_expr, 1);
      p_expectkw(p, KW_AND);
      w->end = p_frame_bound(p, &w->end_expr, 0);
    } else {
      w->start = p_frame_bound(p, &w->start_expr, 1);
      w->end = FB_NONE;
    }
    if (p_acceptkw(p, KW_EXCLUDE)) {
      if (p_acceptkw(p, KW_NO)) {
        p_expectkw(p, KW_OTHERS);
        w->exclude = FX_NO_OTHERS;
      } else if (p_acceptkw(p, KW_CURRENT)) {
        p_expectkw(p, KW_ROW);
        w->exclude = FX_CURRENT_ROW;
      } else if (p_acceptkw(p, KW_GROUP)) {
        w->exclude = FX_GROUP;
      } else {
        p_expectkw(p, KW_TIES);
        w->exclude = FX_TIES;
      }
    }
  }
  return w;
}

/* An optional alias: [AS] name. */
static const char *p_opt_alias(Parser *p) {
  if (p_acceptkw(p, KW_AS)) return p_name(p);
  if (p_isname(p, 1)) return p_name(p);
  return NULL;
}

static void p_from_list(Parser *p, Select *s);

/* PostgreSQL: the column alias list of "AS alias(col, ...)". */
static void p_col_aliases(Parser *p, FromItem *it) {
  if (p->dialect != MICA_DIALECT_POSTGRES || !it->alias || !p_accept(p, T_LP)) return;
  int cap = 0;
  do {
    PUSH(p, it->colalias, it->ncolalias, cap, p_name(p));
  } while (p_accept(p, T_COMMA));
  p_expect(p, T_RP);
}

static void p_from_item(Parser *p, FromItem *it) {
  it->off = p->tok.off;
  if (p_accept(p, T_LP)) {
    if (p_starts_select(p)) {
      it->sel = p_select(p);
      p_expect(p, T_RP);
    } else {
      Select *ns = p_alloc(p, sizeof *ns);
      p_from_list(p, ns);
      p_expect(p, T_RP);
      if (ns->nfrom == 1 && !ns->from[0].alias) {
        /* "(t)" is just t */
        FromItem inner = ns->from[0];
        inner.jointype = it->jointype;
        *it = inner;
      } else if (ns->nfrom == 1) {
        FromItem inner = ns->from[0];
        *it = inner;
      } else {
        it->nested_from = ns;
      }
    }
    const char *al = p_opt_alias(p);
    if (al) it->alias = al;
    p_col_aliases(p, it);
  } else {
    const char *schema = NULL;
    it->name = p_qualified(p, &schema);
    it->schema = schema;
    if (p_accept(p, T_LP)) {
      it->is_func = 1;
      int cap = 0;
      if (!p_is(p, T_RP)) {
        do {
          PUSH(p, it->args, it->nargs, cap, p_expr(p)); // NOLINT(bugprone-sizeof-expression)
        } while (p_accept(p, T_COMMA));
      }
      p_expect(p, T_RP);
    }
    it->alias = p_opt_alias(p);
    p_col_aliases(p, it);
    if (p_iskw(p, KW_INDEXED)) {
      p_advance(p);
      p_expectkw(p, KW_BY);
      it->indexed_by = p_name(p);
    } else if (p_iskw(p, KW_NOT)) {
      Token t2 = p_peek2(p);
      if (t2.type == T_KW && t2.kw == KW_INDEXED) {
        p_advance(p);
        p_advance(p);
        it->not_indexed = 1;
      }
    }
  }
  it->end = p->prev_end;
}

/* Join operator before the next item, or 0 when the list ends. Sets jointype/natural. */
static int p_join_op(Parser *p, FromItem *it) {
  if (p_accept(p, T_COMMA)) {
    it->jointype = JT_INNER;
    it->comma = 1;
    return 1;
  }
  int natural = 0, jt = JT_INNER, any = 0;
  if (p_acceptkw(p, KW_NATURAL)) {
    natural = 1;
    any = 1;
  }
  if (p_acceptkw(p, KW_LEFT)) {
    jt = JT_LEFT;
    p_acceptkw(p, KW_OUTER);
    any = 1;
  } else if (p_acceptkw(p, KW_RIGHT)) {
    jt = JT_RIGHT;
    p_acceptkw(p, KW_OUTER);
    any = 1;
  } else if (p_acceptkw(p, KW_FULL)) {
    jt = JT_FULL;
    p_acceptkw(p, KW_OUTER);
    any = 1;
  } else if (p_acceptkw(p, KW_INNER)) {
    any = 1;
  } else if (p_acceptkw(p, KW_CROSS)) {
    jt = JT_CROSS;
    any = 1;
  }
  if (!p_iskw(p, KW_JOIN)) {
    if (any) p_syntax(p);
    return 0;
  }
  p_advance(p);
  it->jointype = jt;
  it->natural = natural;
  return 1;
}

static void p_join_constraint(Parser *p, FromItem *it) {
  if (p_iskw(p, KW_ON)) {
    Token t2 = p_peek2(p);
    if (t2.type == T_KW && t2.kw == KW_CONFLICT)
      return; /* INSERT ... SELECT ... ON CONFLICT: the upsert, not a join constraint */
    p_advance(p);
    it->on = p_expr(p);
  } else if (p_acceptkw(p, KW_USING)) {
    p_expect(p, T_LP);
    int cap = 0;
    do {
      PUSH(p, it->using_cols, it->nusing, cap, p_name(p));
    } while (p_accept(p, T_COMMA));
    p_expect(p, T_RP);
  }
}

static void p_from_list(Parser *p, Select *s) {
  int cap = 0;
  FromItem first = {0};
  p_from_item(p, &first);
  p_join_constraint(p, &first);
  PUSH(p, s->from, s->nfrom, cap, first);
  for (;;) {
    FromItem it = {0};
    if (!p_join_op(p, &it)) break;
    int jt = it.jointype, nat = it.natural, comma = it.comma;
    p_from_item(p, &it);
    it.jointype = jt;
    it.natural = nat;
    it.comma = comma;
    p_join_constraint(p, &it);
    PUSH(p, s->from, s->nfrom, cap, it);
    if (s->nfrom > 64) p_fail_rc(p, MICA_ERROR, p->tok.off, "at most 64 tables in a join");
  }
}

static void p_result_columns(Parser *p, Select *s) {
  int cap = 0;
  do {
    ResCol rc = {0};
    rc.off = p->tok.off;
    if (p_accept(p, T_STAR)) {
      rc.star = 1;
    } else {
      Token t2 = p_peek2(p);
      if (p_isname(p, 0) && t2.type == T_DOT) {
        /* t.* ? look two tokens ahead */
        int save = p->pos;
        Token savetok = p->tok;
        int save_end = p->prev_end;
        const char *tn = p_name(p);
        p_advance(p); /* the dot */
        if (p_is(p, T_STAR)) {
          p_advance(p);
          rc.star = 1;
          rc.star_table = tn;
        } else {
          p->pos = save;
          p->tok = savetok;
          p->prev_end = save_end;
        }
      }
      if (!rc.star) {
        rc.expr = p_expr(p);
        rc.alias = p_opt_alias(p);
      }
    }
    rc.end = p->prev_end;
    if (rc.expr && !rc.alias) rc.end = rc.expr->end;
    PUSH(p, s->res, s->nres, cap, rc);
    if (s->nres > PARSE_MAX_COLUMNS) p_fail_rc(p, MICA_ERROR, p->tok.off, "too many columns in result set");
  } while (p_accept(p, T_COMMA));
}

static Select *p_select_core(Parser *p) {
  Select *s = p_alloc(p, sizeof *s);
  s->off = p->tok.off;
  if (p_acceptkw(p, KW_VALUES)) {
    int cap = 0, capn = 0;
    do {
      p_expect(p, T_LP);
      Expr **row = NULL;
      int n = 0, rcap = 0;
      do {
        PUSH(p, row, n, rcap, p_expr(p)); // NOLINT(bugprone-sizeof-expression)
      } while (p_accept(p, T_COMMA));
      p_expect(p, T_RP);
      if (s->nvalues > 0 && n != s->values_n[0])
        p_fail_rc(p, MICA_ERROR, p->tok.off, "all VALUES must have the same number of terms");
      int nv = s->nvalues;
      PUSH(p, s->values, s->nvalues, cap, row);
      PUSH(p, s->values_n, nv, capn, n);
    } while (p_accept(p, T_COMMA));
    s->end = p->prev_end;
    return s;
  }
  p_expectkw(p, KW_SELECT);
  if (p_acceptkw(p, KW_DISTINCT))
    s->distinct = 1;
  else
    p_acceptkw(p, KW_ALL);
  p_result_columns(p, s);
  if (p_acceptkw(p, KW_FROM)) p_from_list(p, s);
  if (p_acceptkw(p, KW_WHERE)) s->where = p_expr(p);
  if (p_acceptkw(p, KW_GROUP)) {
    p_expectkw(p, KW_BY);
    int cap = 0;
    do {
      PUSH(p, s->group, s->ngroup, cap, p_expr(p)); // NOLINT(bugprone-sizeof-expression)
    } while (p_accept(p, T_COMMA));
  }
  if (p_acceptkw(p, KW_HAVING)) s->having = p_expr(p);
  if (p_acceptkw(p, KW_WINDOW)) {
    int cap = 0;
    do {
      const char *wn = p_name(p);
      p_expectkw(p, KW_AS);
      p_expect(p, T_LP);
      WindowDef *w = p_window_spec(p, wn);
      p_expect(p, T_RP);
      PUSH(p, s->windows, s->nwindow, cap, w); // NOLINT(bugprone-sizeof-expression)
    } while (p_accept(p, T_COMMA));
  }
  s->end = p->prev_end;
  return s;
}

static void p_with(Parser *p, Cte **ctes, int *ncte, int *recursive) {
  if (p_acceptkw(p, KW_RECURSIVE)) *recursive = 1;
  int cap = 0;
  do {
    Cte c = {0};
    c.name = p_name(p);
    if (p_accept(p, T_LP)) {
      int ccap = 0;
      do {
        PUSH(p, c.cols, c.ncols, ccap, p_name(p));
      } while (p_accept(p, T_COMMA));
      p_expect(p, T_RP);
    }
    p_expectkw(p, KW_AS);
    if (p_acceptkw(p, KW_MATERIALIZED)) {
      c.materialized = 1;
    } else if (p_iskw(p, KW_NOT)) {
      p_advance(p);
      p_expectkw(p, KW_MATERIALIZED);
      c.materialized = 2;
    }
    p_expect(p, T_LP);
    c.sel = p_select(p);
    p_expect(p, T_RP);
    PUSH(p, *ctes, *ncte, cap, c);
  } while (p_accept(p, T_COMMA));
}

static void p_limit(Parser *p, Expr **limit, Expr **offset) {
  if (!p_acceptkw(p, KW_LIMIT)) return;
  Expr *a = p_expr(p);
  if (p_acceptkw(p, KW_OFFSET)) {
    *limit = a;
    *offset = p_expr(p);
  } else if (p_accept(p, T_COMMA)) {
    *offset = a; /* LIMIT offset, count */
    *limit = p_expr(p);
  } else {
    *limit = a;
  }
}

/* A full select: [WITH ...] core (compound-op core)* [ORDER BY] [LIMIT]. */
static Select *p_select(Parser *p) {
  p_enter(p);
  int off = p->tok.off;
  Cte *ctes = NULL;
  int ncte = 0, recursive = 0;
  if (p_acceptkw(p, KW_WITH)) p_with(p, &ctes, &ncte, &recursive);
  Select *s = p_select_core(p);
  int nterms = 1;
  for (;;) {
    int op = 0;
    if (p_iskw(p, KW_UNION)) {
      p_advance(p);
      op = p_acceptkw(p, KW_ALL) ? CK_UNION_ALL : CK_UNION;
    } else if (p_acceptkw(p, KW_INTERSECT)) {
      op = CK_INTERSECT;
    } else if (p_acceptkw(p, KW_EXCEPT)) {
      op = CK_EXCEPT;
    }
    if (!op) break;
    if (++nterms > PARSE_MAX_COMPOUND)
      p_fail_rc(p, MICA_ERROR, p->tok.off, "too many terms in compound SELECT");
    Select *r = p_select_core(p);
    Select *c = p_alloc(p, sizeof *c);
    c->cmp_op = op;
    c->left = s;
    c->right = r;
    c->off = s->off;
    c->end = p->prev_end;
    s = c;
  }
  if (p_acceptkw(p, KW_ORDER)) {
    p_expectkw(p, KW_BY);
    s->order = p_order_list(p, &s->norder);
  }
  p_limit(p, &s->limit, &s->offset);
  s->ctes = ctes;
  s->ncte = ncte;
  s->recursive = recursive;
  s->off = off;
  s->end = p->prev_end;
  p_leave(p);
  return s;
}

/* ------------------------------------------------------------------------------------------------
 * DML.
 */
static int p_conflict_alg(Parser *p) {
  if (p_acceptkw(p, KW_ROLLBACK)) return OE_ROLLBACK;
  if (p_acceptkw(p, KW_ABORT)) return OE_ABORT;
  if (p_acceptkw(p, KW_FAIL)) return OE_FAIL;
  if (p_acceptkw(p, KW_IGNORE)) return OE_IGNORE;
  if (p_acceptkw(p, KW_REPLACE)) return OE_REPLACE;
  p_syntax(p);
}

static void p_returning(Parser *p, Stmt *st) {
  if (!p_acceptkw(p, KW_RETURNING)) return;
  Select tmp = {0};
  p_result_columns(p, &tmp);
  st->returning = tmp.res;
  st->nreturning = tmp.nres;
}

static void p_set_list(Parser *p, SetClause **set, int *nset) {
  int cap = 0;
  do {
    SetClause sc = {0};
    int ccap = 0;
    if (p_accept(p, T_LP)) {
      do {
        PUSH(p, sc.cols, sc.ncols, ccap, p_name(p));
      } while (p_accept(p, T_COMMA));
      p_expect(p, T_RP);
    } else {
      PUSH(p, sc.cols, sc.ncols, ccap, p_name(p));
    }
    p_expect(p, T_EQ);
    sc.expr = p_expr(p);
    PUSH(p, *set, *nset, cap, sc);
  } while (p_accept(p, T_COMMA));
}

static IndexedCol p_indexed_col(Parser *p) {
  IndexedCol c = {0};
  c.expr = p_expr(p);
  if (c.expr->kind == EK_COLLATE) {
    c.collate = c.expr->name;
    c.expr = c.expr->a;
  }
  if (p_acceptkw(p, KW_DESC))
    c.desc = 1;
  else
    p_acceptkw(p, KW_ASC);
  return c;
}

static IndexedCol *p_indexed_cols(Parser *p, int *n) {
  IndexedCol *arr = NULL;
  int cap = 0;
  *n = 0;
  p_expect(p, T_LP);
  do {
    IndexedCol c = p_indexed_col(p);
    PUSH(p, arr, *n, cap, c);
  } while (p_accept(p, T_COMMA));
  p_expect(p, T_RP);
  return arr;
}

static void p_insert(Parser *p, Stmt *st) {
  st->kind = SK_INSERT;
  if (p_acceptkw(p, KW_REPLACE)) {
    st->onconf = OE_REPLACE;
  } else {
    p_expectkw(p, KW_INSERT);
    if (p_acceptkw(p, KW_OR)) st->onconf = p_conflict_alg(p);
  }
  p_expectkw(p, KW_INTO);
  st->name = p_qualified(p, &st->schema);
  st->name_off = p->last_name_off;
  if (p_acceptkw(p, KW_AS)) st->alias = p_name(p);
  if (p_accept(p, T_LP)) {
    int cap = 0;
    do {
      PUSH(p, st->cols, st->ncols, cap, p_name(p));
    } while (p_accept(p, T_COMMA));
    p_expect(p, T_RP);
  }
  if (p_iskw(p, KW_DEFAULT)) {
    p_advance(p);
    p_expectkw(p, KW_VALUES);
    st->default_values = 1;
  } else {
    st->sel = p_select(p);
  }
  int cap = 0;
  while (p_iskw(p, KW_ON)) {
    p_advance(p);
    p_expectkw(p, KW_CONFLICT);
    Upsert u = {0};
    if (p_is(p, T_LP)) {
      u.target = p_indexed_cols(p, &u.ntarget);
      if (p_acceptkw(p, KW_WHERE)) u.target_where = p_expr(p);
    }
    p_expectkw(p, KW_DO);
    if (p_acceptkw(p, KW_NOTHING)) {
      u.do_update = 0;
    } else {
      p_expectkw(p, KW_UPDATE);
      p_expectkw(p, KW_SET);
      u.do_update = 1;
      p_set_list(p, &u.set, &u.nset);
      if (p_acceptkw(p, KW_WHERE)) u.where = p_expr(p);
    }
    PUSH(p, st->upserts, st->nupsert, cap, u);
  }
  p_returning(p, st);
}

static void p_indexed_by(Parser *p, Stmt *st) {
  if (p_iskw(p, KW_INDEXED)) {
    p_advance(p);
    p_expectkw(p, KW_BY);
    st->indexed_by = p_name(p);
  } else if (p_iskw(p, KW_NOT)) {
    p_advance(p);
    p_expectkw(p, KW_INDEXED);
    st->not_indexed = 1;
  }
}

static void p_update(Parser *p, Stmt *st) {
  st->kind = SK_UPDATE;
  p_expectkw(p, KW_UPDATE);
  if (p_acceptkw(p, KW_OR)) st->onconf = p_conflict_alg(p);
  st->name = p_qualified(p, &st->schema);
  st->name_off = p->last_name_off;
  if (p_acceptkw(p, KW_AS))
    st->alias = p_name(p);
  else if (p_isname(p, 0))
    st->alias = p_name(p);
  p_indexed_by(p, st);
  p_expectkw(p, KW_SET);
  p_set_list(p, &st->set, &st->nset);
  if (p_acceptkw(p, KW_FROM)) {
    Select tmp = {0};
    p_from_list(p, &tmp);
    st->from = tmp.from;
    st->nfrom = tmp.nfrom;
  }
  if (p_acceptkw(p, KW_WHERE)) st->where = p_expr(p);
  p_returning(p, st);
  if (p_acceptkw(p, KW_ORDER)) {
    p_expectkw(p, KW_BY);
    st->order = p_order_list(p, &st->norder);
  }
  p_limit(p, &st->limit, &st->offset);
}

static void p_delete(Parser *p, Stmt *st) {
  st->kind = SK_DELETE;
  p_expectkw(p, KW_DELETE);
  p_expectkw(p, KW_FROM);
  st->name = p_qualified(p, &st->schema);
  st->name_off = p->last_name_off;
  if (p_acceptkw(p, KW_AS))
    st->alias = p_name(p);
  else if (p_isname(p, 0))
    st->alias = p_name(p);
  p_indexed_by(p, st);
  if (p_acceptkw(p, KW_WHERE)) st->where = p_expr(p);
  p_returning(p, st);
  if (p_acceptkw(p, KW_ORDER)) {
    p_expectkw(p, KW_BY);
    st->order = p_order_list(p, &st->norder);
  }
  p_limit(p, &st->limit, &st->offset);
}

/* ------------------------------------------------------------------------------------------------
 * DDL.
 */
static void p_if_not_exists(Parser *p, Stmt *st) {
  if (p_iskw(p, KW_IF)) {
    p_advance(p);
    p_expectkw(p, KW_NOT);
    p_expectkw(p, KW_EXISTS);
    st->if_not_exists = 1;
  }
}

static void p_if_exists(Parser *p, Stmt *st) {
  if (p_iskw(p, KW_IF)) {
    p_advance(p);
    p_expectkw(p, KW_EXISTS);
    st->if_exists = 1;
  }
}

static int p_opt_conflict(Parser *p) {
  if (p_iskw(p, KW_ON)) {
    p_advance(p);
    p_expectkw(p, KW_CONFLICT);
    return p_conflict_alg(p);
  }
  return OE_NONE;
}

static int p_fk_action(Parser *p) {
  if (p_acceptkw(p, KW_SET)) {
    if (p_acceptkw(p, KW_NULL)) return 1;
    p_expectkw(p, KW_DEFAULT);
    return 2;
  }
  if (p_acceptkw(p, KW_CASCADE)) return 3;
  if (p_acceptkw(p, KW_RESTRICT)) return 4;
  p_expectkw(p, KW_NO);
  p_expectkw(p, KW_ACTION);
  return 5;
}

/* A column name of a FOREIGN KEY's list: SQLite's grammar takes COLLATE and ASC/DESC there and
 * then refuses them. */
static const char *p_fk_col(Parser *p) {
  Token t = p->tok;
  const char *name = p_name(p);
  if (p_iskw(p, KW_COLLATE) || p_iskw(p, KW_ASC) || p_iskw(p, KW_DESC))
    p_fail_rc(p, MICA_ERROR, -1, "syntax error after column name \"%.*s\"", t.len, p->z + t.off);
  return name;
}

static ForeignKey *p_fk_clause(Parser *p) {
  ForeignKey *fk = p_alloc(p, sizeof *fk);
  fk->table_off = p->tok.off;
  fk->table = p_name(p);
  if (p_accept(p, T_LP)) {
    int cap = 0;
    do {
      PUSH(p, fk->cols, fk->ncols, cap, p_fk_col(p));
    } while (p_accept(p, T_COMMA));
    p_expect(p, T_RP);
  }
  for (;;) {
    if (p_iskw(p, KW_ON)) {
      p_advance(p);
      if (p_acceptkw(p, KW_DELETE))
        fk->on_delete = p_fk_action(p);
      else if (p_acceptkw(p, KW_UPDATE))
        fk->on_update = p_fk_action(p);
      else
        p_syntax(p);
    } else if (p_acceptkw(p, KW_MATCH)) {
      if (p_iskw(p, KW_FULL))
        p_advance(p); /* MATCH FULL / SIMPLE / PARTIAL: accepted and ignored, as SQLite does */
      else
        p_name(p);
    } else {
      break;
    }
  }
  int save = p->pos;
  Token st = p->tok;
  int se = p->prev_end;
  int negated = p_acceptkw(p, KW_NOT);
  if (p_acceptkw(p, KW_DEFERRABLE)) {
    if (p_acceptkw(p, KW_INITIALLY)) {
      if (p_acceptkw(p, KW_DEFERRED))
        fk->deferred = !negated;
      else
        p_expectkw(p, KW_IMMEDIATE);
    }
  } else if (negated) { /* NOT NULL etc. belongs to the next constraint */
    p->pos = save;
    p->tok = st;
    p->prev_end = se;
  }
  return fk;
}

/* DEFAULT value. */
static Expr *p_add(Parser *p);

static Expr *p_default(Parser *p, ColDef *c) {
  int off = p->tok.off;
  Expr *e;
  if (p->dialect == MICA_DIALECT_POSTGRES && !p_is(p, T_LP)) {
    /* PostgreSQL: DEFAULT b_expr (now(), 'x'::text, -1, ...): stored as DEFAULT (expr) */
    Token t2 = p_peek2(p);
    int simple = (p_is(p, T_INT) || p_is(p, T_FLOAT) || p_is(p, T_STRING) || p_iskw(p, KW_NULL)) &&
                 (t2.type == T_COMMA || t2.type == T_RP || t2.type == T_KW || t2.type == T_EOF);
    if (!simple) p_edit(p, off, off, "(");
    e = p_add(p);
    if (!simple) p_edit(p, p->prev_end, p->prev_end, ")");
    c->dflt_off = off;
    c->dflt_end = p->prev_end;
    return e;
  }
  if (p_is(p, T_LP)) {
    p_advance(p);
    e = p_expr(p);
    p_expect(p, T_RP);
    c->dflt_off = off + 1;
    c->dflt_end = p->prev_end - 1;
    return e;
  }
  if (p_is(p, T_PLUS) || p_is(p, T_MINUS)) {
    int neg = p_is(p, T_MINUS);
    Token t = p->tok;
    p_advance(p);
    if (!(p_is(p, T_INT) || p_is(p, T_FLOAT))) p_syntax(p);
    if (neg && p_is(p, T_INT) && p->tok.len == 19 && !strncmp(p->z + p->tok.off, "9223372036854775808", 19)) {
      p_advance(p);
      e = mk(p, EK_INT, t.off);
      e->ival = INT64_MIN;
      e->text = p_strndup(p, p->z + t.off, (size_t)(p->prev_end - t.off));
    } else {
      Expr *n = p_literal_number(p);
      if (neg) {
        e = mk(p, EK_NEG, t.off);
        e->a = n;
      } else {
        e = n;
      }
    }
  } else if (p_is(p, T_INT) || p_is(p, T_FLOAT) || p_is(p, T_STRING) || p_is(p, T_BLOB) ||
             p_iskw(p, KW_NULL) || p_iskw(p, KW_CURRENT_TIME) || p_iskw(p, KW_CURRENT_DATE) ||
             p_iskw(p, KW_CURRENT_TIMESTAMP)) {
    e = p_primary(p);
  } else if (p_isname(p, 0)) {
    /* DEFAULT identifier: a string (SQLite's behaviour), TRUE/FALSE as 1/0 */
    Token t = p->tok;
    const char *nm = p_name(p);
    if (!strcasecmp(nm, "true") || !strcasecmp(nm, "false")) {
      e = mk(p, EK_INT, t.off);
      e->ival = !strcasecmp(nm, "true");
      e->text = nm;
    } else {
      e = mk(p, EK_TEXT, t.off);
      e->str = nm;
      e->nstr = (int)strlen(nm);
    }
  } else {
    p_syntax(p);
  }
  c->dflt_off = off;
  c->dflt_end = p->prev_end;
  return e;
}

static void p_column_def(Parser *p, ColDef *c) {
  c->off = p->tok.off;
  c->name = p_name(p);
  int ok = 0;
  const char *stored_type;
  int type_off = p->tok.off;
  c->type = p_type_name_pg(p, &ok, &stored_type, 1);
  c->stored_type = stored_type;
  c->type_off = type_off;
  c->type_end = p->prev_end;
  /* PostgreSQL serial types: integer columns numbered automatically (stored as integer: the rowid) */
  if (p->dialect == MICA_DIALECT_POSTGRES && c->type &&
      (!strcasecmp(c->type, "serial") || !strcasecmp(c->type, "serial4") ||
       !strcasecmp(c->type, "bigserial") || !strcasecmp(c->type, "serial8") ||
       !strcasecmp(c->type, "smallserial") || !strcasecmp(c->type, "serial2")))
    c->serial = 1;
  int ccap = 0;
  int conscap = 0;
  for (;;) {
    const char *cname = NULL;
    int coff = p->tok.off;
    if (p_acceptkw(p, KW_CONSTRAINT)) cname = p_name(p);
    Token kt = p->tok; /* the constraint's keyword */
    if (p_acceptkw(p, KW_PRIMARY)) {
      p_expectkw(p, KW_KEY);
      c->pk = 1;
      if (p_acceptkw(p, KW_DESC))
        c->pk_desc = 1;
      else
        p_acceptkw(p, KW_ASC);
      c->pk_conflict = p_opt_conflict(p);
      if (p_acceptkw(p, KW_AUTOINCREMENT)) c->autoinc = 1;
    } else if (p_iskw(p, KW_NOT)) {
      c->notnull_off = p->tok.off;
      p_advance(p);
      p_expectkw(p, KW_NULL);
      c->notnull = 1;
      c->notnull_conflict = p_opt_conflict(p);
      c->notnull_end = p->prev_end;
    } else if (p_acceptkw(p, KW_NULL)) {
      p_opt_conflict(p);
    } else if (p_acceptkw(p, KW_UNIQUE)) {
      c->unique = 1;
      c->unique_conflict = p_opt_conflict(p);
    } else if (p_acceptkw(p, KW_CHECK)) {
      p_expect(p, T_LP);
      Expr *ck = p_expr(p);
      p_expect(p, T_RP);
      int n2 = c->ncheck;
      int cap2 = ccap;
      PUSH(p, c->checks, c->ncheck, ccap, ck); // NOLINT(bugprone-sizeof-expression)
      PUSH(p, c->check_names, n2, cap2, cname);
    } else if (p_iskw(p, KW_DEFAULT)) {
      c->dflt_kw_off = p->tok.off;
      p_advance(p);
      if (c->gen) c->gen_dflt = 1;
      c->dflt = p_default(p, c);
    } else if (p_acceptkw(p, KW_COLLATE)) {
      int coff = p->tok.off;
      c->collate = p_name(p);
      /* PostgreSQL's "C" and "POSIX" collations compare bytes: SQLite's BINARY */
      if (p->dialect == MICA_DIALECT_POSTGRES && (!strcmp(c->collate, "C") || !strcmp(c->collate, "POSIX"))) {
        c->collate = "BINARY";
        p_edit(p, coff, p->prev_end, "BINARY");
      }
    } else if (p_acceptkw(p, KW_REFERENCES)) {
      c->fk = p_fk_clause(p);
    } else if (p->dialect == MICA_DIALECT_POSTGRES && p_iskw(p, KW_GENERATED) && !cname) {
      /* GENERATED {ALWAYS | BY DEFAULT} AS IDENTITY [(sequence options)] |
       * GENERATED ALWAYS AS (expr) STORED */
      int goff = p->tok.off;
      p_advance(p);
      if (p_iskw(p, KW_ALWAYS)) {
        p_advance(p);
      } else if (p_iskw(p, KW_BY)) {
        p_advance(p);
        p_expectkw(p, KW_DEFAULT);
      } else {
        p_syntax(p);
      }
      p_expectkw(p, KW_AS);
      if (p_isword(p, "identity")) {
        p_advance(p);
        if (p_accept(p, T_LP)) { /* sequence options: skipped to the matching parenthesis */
          for (int depth = 1; depth > 0;) {
            if (p_is(p, T_EOF)) p_syntax(p);
            if (p_is(p, T_LP)) depth++;
            if (p_is(p, T_RP)) depth--;
            p_advance(p);
          }
        }
        c->serial = 1;
        p_edit(p, goff, p->prev_end, "");
      } else {
        p_expect(p, T_LP);
        c->gen_expr = p_expr(p);
        p_expect(p, T_RP);
        c->gen = 2;
        if (p_isword(p, "stored")) p_advance(p);
      }
    } else if (p_iskw(p, KW_GENERATED) || p_iskw(p, KW_AS)) {
      if (p_acceptkw(p, KW_GENERATED)) {
        if (!p_iskw(p, KW_ALWAYS) && !p_iskw(p, KW_AS)) p_syntax(p);
        p_acceptkw(p, KW_ALWAYS);
      }
      p_expectkw(p, KW_AS);
      p_expect(p, T_LP);
      if (c->gen || c->dflt) c->gen_error = 1; /* SQLite: "error in generated column" */
      c->gen_expr = p_expr(p);
      p_expect(p, T_RP);
      c->gen = 1;
      if (p_is(p, T_ID) && p->tok.len == 6 && !strncasecmp(p->z + p->tok.off, "stored", 6)) {
        p_advance(p);
        c->gen = 2;
      } else if (p_iskw(p, KW_VIRTUAL)) {
        p_advance(p);
      } else if (p_is(p, T_ID)) {
        p_advance(p);
        c->gen_error = 1;
      }
    } else {
      if (cname) p_syntax(p);
      break;
    }
    ColCons cc = {CC_GENERATED, coff, p->prev_end, cname};
    if (kt.type == T_KW)
      cc.kind = kt.kw == KW_PRIMARY      ? CC_PRIMARY_KEY
                : kt.kw == KW_UNIQUE     ? CC_UNIQUE
                : kt.kw == KW_CHECK      ? CC_CHECK
                : kt.kw == KW_REFERENCES ? CC_REFERENCES
                : kt.kw == KW_NOT        ? CC_NOT_NULL
                : kt.kw == KW_DEFAULT    ? CC_DEFAULT
                : kt.kw == KW_COLLATE    ? CC_COLLATE
                : kt.kw == KW_NULL       ? CC_NULL
                                         : CC_GENERATED;
    PUSH(p, c->cons, c->ncons, conscap, cc);
  }
  c->end = p->prev_end;
}

static int p_is_tcons_start(Parser *p) {
  return p_iskw(p, KW_CONSTRAINT) || p_iskw(p, KW_PRIMARY) || p_iskw(p, KW_UNIQUE) || p_iskw(p, KW_CHECK) ||
         p_iskw(p, KW_FOREIGN);
}

static void p_table_constraint(Parser *p, TabCons *tc) {
  if (p_acceptkw(p, KW_CONSTRAINT)) tc->name = p_name(p);
  if (p_acceptkw(p, KW_PRIMARY)) {
    p_expectkw(p, KW_KEY);
    tc->kind = TC_PRIMARY_KEY;
    p_expect(p, T_LP);
    int cap = 0;
    do {
      IndexedCol c = p_indexed_col(p);
      PUSH(p, tc->cols, tc->ncol, cap, c);
    } while (p_accept(p, T_COMMA));
    if (p_acceptkw(p, KW_AUTOINCREMENT)) tc->autoinc = 1;
    p_expect(p, T_RP);
    tc->conflict = p_opt_conflict(p);
  } else if (p_acceptkw(p, KW_UNIQUE)) {
    tc->kind = TC_UNIQUE;
    tc->cols = p_indexed_cols(p, &tc->ncol);
    tc->conflict = p_opt_conflict(p);
  } else if (p_acceptkw(p, KW_CHECK)) {
    tc->kind = TC_CHECK;
    p_expect(p, T_LP);
    tc->check_off = p->tok.off;
    tc->check = p_expr(p);
    tc->check_end = p->prev_end;
    p_expect(p, T_RP);
    tc->conflict = p_opt_conflict(p);
  } else if (p_acceptkw(p, KW_FOREIGN)) {
    p_expectkw(p, KW_KEY);
    tc->kind = TC_FOREIGN_KEY;
    p_expect(p, T_LP);
    int cap = 0;
    do {
      PUSH(p, tc->fk_cols, tc->ncol, cap, p_fk_col(p));
    } while (p_accept(p, T_COMMA));
    p_expect(p, T_RP);
    p_expectkw(p, KW_REFERENCES);
    tc->fk = p_fk_clause(p);
  } else {
    p_syntax(p);
  }
}

/* After CREATE TABLE name (...) in the PostgreSQL dialect: the storage options WITH (...), WITHOUT
 * OIDS, TABLESPACE name and ON COMMIT ... are accepted and left out of the stored text (Mica has no use
 * for them); serial and identity columns become the table's integer primary key (the rowid), which
 * numbers rows as a sequence would. */
static void p_create_table_pg(Parser *p, Stmt *st) {
  int opts = p->tok.off;
  for (;;) {
    if (p_acceptkw(p, KW_WITH)) {
      p_expect(p, T_LP);
      for (int depth = 1; depth > 0;) {
        if (p_is(p, T_EOF)) p_syntax(p);
        if (p_is(p, T_LP)) depth++;
        if (p_is(p, T_RP)) depth--;
        p_advance(p);
      }
    } else if (p_iskw(p, KW_WITHOUT)) {
      p_advance(p);
      if (!p_isword(p, "oids")) p_syntax(p);
      p_advance(p);
    } else if (p_isword(p, "tablespace")) {
      p_advance(p);
      p_name(p);
    } else if (p_iskw(p, KW_ON)) {
      p_advance(p);
      if (!p_isword(p, "commit")) p_syntax(p);
      p_advance(p);
      if (p_iskw(p, KW_DELETE)) {
        p_advance(p);
        if (!p_isword(p, "rows")) p_syntax(p);
        p_advance(p);
      } else if (p_isword(p, "preserve")) {
        p_advance(p);
        if (!p_isword(p, "rows")) p_syntax(p);
        p_advance(p);
      } else if (p_iskw(p, KW_DROP)) {
        p_advance(p);
      } else {
        p_syntax(p);
      }
    } else {
      break;
    }
  }
  if (p->prev_end > opts) p_edit(p, opts, p->prev_end, "");
  for (int i = 0; i < st->ncoldef; i++) {
    ColDef *c = &st->coldefs[i];
    if (!c->serial) continue;
    int pk = c->pk;
    for (int k = 0; k < st->ntcons && !pk; k++) {
      const TabCons *tc = &st->tcons[k];
      if (tc->kind == TC_PRIMARY_KEY && tc->ncol == 1 && tc->cols[0].expr &&
          tc->cols[0].expr->kind == EK_COLUMN && !strcasecmp(tc->cols[0].expr->name, c->name))
        pk = 1;
    }
    if (!pk) {
      /* numbered by the sequence <table>_<column>_seq (created with the table, owned by the column) */
      const char *ty = !strncasecmp(c->type, "big", 3) || !strcasecmp(c->type, "serial8")     ? "bigint"
                       : !strncasecmp(c->type, "small", 5) || !strcasecmp(c->type, "serial2") ? "smallint"
                                                                                              : "integer";
      if (!strcasecmp(c->type, "serial") || !strcasecmp(c->type, "serial4") ||
          !strcasecmp(c->type, "bigserial") || !strcasecmp(c->type, "serial8") ||
          !strcasecmp(c->type, "smallserial") || !strcasecmp(c->type, "serial2")) {
        c->type = ty;
        p_edit(p, c->type_off, c->type_end, ty);
      }
      if (c->dflt)
        p_fail_rc(p, MICA_ERROR, c->off,
                  "multiple default values specified for column \"%s\" of table \"%s\"", c->name, st->name);
      size_t n = 2 * (strlen(st->name) + strlen(c->name)) + 64;
      char *d = p_alloc(p, n), *seqname = p_alloc(p, n);
      snprintf(seqname, n, "%s_%s_seq", st->name, c->name);
      size_t o = (size_t)snprintf(d, n, "%s DEFAULT (nextval('", c->notnull ? "" : " NOT NULL");
      for (const char *q = seqname; *q && o + 8 < n; q++) { /* a string literal: quotes doubled */
        if (*q == '\'') d[o++] = '\'';
        d[o++] = *q;
      }
      snprintf(d + o, n - o, "'))");
      p_edit(p, c->end, c->end, d);
      continue;
    }
    c->type = "integer";
    if (c->type_end > c->type_off)
      p_edit(p, c->type_off, c->type_end, "integer");
    else
      p_edit(p, c->type_off, c->type_off, " integer");
  }
}

static void p_create_table(Parser *p, Stmt *st) {
  st->kind = SK_CREATE_TABLE;
  p_if_not_exists(p, st);
  st->name = p_qualified(p, &st->schema);
  st->name_off = p->last_name_off;
  if (p_acceptkw(p, KW_AS)) {
    st->sel = p_select(p);
    return;
  }
  p_expect(p, T_LP);
  int ccap = 0, tcap = 0;
  for (;;) {
    if (st->ncoldef > 0 && p_is_tcons_start(p)) break;
    ColDef c = {0};
    p_column_def(p, &c);
    PUSH(p, st->coldefs, st->ncoldef, ccap, c);
    if (st->ncoldef > PARSE_MAX_COLUMNS)
      p_fail_rc(p, MICA_ERROR, p->tok.off, "too many columns on %s", st->name);
    st->cols_end = p->tok.off;
    if (!p_accept(p, T_COMMA)) break;
  }
  while (p_is_tcons_start(p)) {
    TabCons tc = {0};
    tc.off = p->tok.off;
    p_table_constraint(p, &tc);
    tc.end = p->prev_end;
    PUSH(p, st->tcons, st->ntcons, tcap, tc);
    p_accept(p, T_COMMA);
  }
  p_expect(p, T_RP);
  if (p->dialect == MICA_DIALECT_POSTGRES) {
    p_create_table_pg(p, st);
    return;
  }
  /* table options: WITHOUT ROWID, STRICT */
  for (;;) {
    if (p_acceptkw(p, KW_WITHOUT)) {
      if (!(p_is(p, T_ID) && p->tok.len == 5 && !strncasecmp(p->z + p->tok.off, "rowid", 5))) p_syntax(p);
      p_advance(p);
      st->without_rowid = 1;
    } else if (p_is(p, T_ID) && p->tok.len == 6 && !strncasecmp(p->z + p->tok.off, "strict", 6)) {
      p_advance(p);
      st->strict = 1;
    } else {
      break;
    }
    if (!p_accept(p, T_COMMA)) break;
  }
}

static void p_create_index(Parser *p, Stmt *st) {
  st->kind = SK_CREATE_INDEX;
  p_if_not_exists(p, st);
  st->name = p_qualified(p, &st->schema);
  st->name_off = p->last_name_off;
  p_expectkw(p, KW_ON);
  st->table = p_name(p);
  st->idxcols = p_indexed_cols(p, &st->nidxcol);
  if (p_acceptkw(p, KW_WHERE)) st->idx_where = p_expr(p);
}

static void p_create_view(Parser *p, Stmt *st) {
  st->kind = SK_CREATE_VIEW;
  p_if_not_exists(p, st);
  st->name = p_qualified(p, &st->schema);
  st->name_off = p->last_name_off;
  if (p_accept(p, T_LP)) {
    int cap = 0;
    do {
      PUSH(p, st->viewcols, st->nviewcols, cap, p_name(p));
    } while (p_accept(p, T_COMMA));
    p_expect(p, T_RP);
  }
  p_expectkw(p, KW_AS);
  st->sel = p_select(p);
}

static Stmt *p_stmt_body(Parser *p, Stmt *st);

static void p_create_trigger(Parser *p, Stmt *st) {
  st->kind = SK_CREATE_TRIGGER;
  p_if_not_exists(p, st);
  st->name = p_qualified(p, &st->schema);
  st->name_off = p->last_name_off;
  st->trig_time = TR_BEFORE;
  if (p_acceptkw(p, KW_BEFORE)) {
    st->trig_time = TR_BEFORE;
  } else if (p_acceptkw(p, KW_AFTER)) {
    st->trig_time = TR_AFTER;
  } else if (p_acceptkw(p, KW_INSTEAD)) {
    p_expectkw(p, KW_OF);
    st->trig_time = TR_INSTEAD_OF;
  }
  if (p_acceptkw(p, KW_DELETE)) {
    st->trig_event = TE_DELETE;
  } else if (p_acceptkw(p, KW_INSERT)) {
    st->trig_event = TE_INSERT;
  } else if (p_acceptkw(p, KW_UPDATE)) {
    st->trig_event = TE_UPDATE;
    if (p_acceptkw(p, KW_OF)) {
      int cap = 0;
      do {
        PUSH(p, st->trig_cols, st->ntrig_cols, cap, p_name(p));
      } while (p_accept(p, T_COMMA));
    }
  } else {
    p_syntax(p);
  }
  p_expectkw(p, KW_ON);
  st->table = p_name(p);
  if (p_acceptkw(p, KW_FOR)) {
    p_expectkw(p, KW_EACH);
    p_expectkw(p, KW_ROW);
    st->trig_foreach_row = 1;
  }
  if (p_acceptkw(p, KW_WHEN)) st->trig_when = p_expr(p);
  p_expectkw(p, KW_BEGIN);
  int cap = 0;
  do {
    Stmt *b = p_alloc(p, sizeof *b);
    b->off = p->tok.off;
    if (p_iskw(p, KW_WITH) || p_iskw(p, KW_SELECT) || p_iskw(p, KW_VALUES) || p_iskw(p, KW_INSERT) ||
        p_iskw(p, KW_REPLACE) || p_iskw(p, KW_UPDATE) || p_iskw(p, KW_DELETE))
      p_stmt_body(p, b);
    else
      p_syntax(p);
    b->end = p->prev_end;
    p_expect(p, T_SEMI);
    PUSH(p, st->body, st->nbody, cap, b); // NOLINT(bugprone-sizeof-expression)
  } while (!p_iskw(p, KW_END));
  p_expectkw(p, KW_END);
}

static void p_create_vtable(Parser *p, Stmt *st) {
  st->kind = SK_CREATE_VTABLE;
  p_if_not_exists(p, st);
  st->name = p_qualified(p, &st->schema);
  st->name_off = p->last_name_off;
  p_expectkw(p, KW_USING);
  st->module = p_name(p);
  if (p_accept(p, T_LP)) {
    /* arguments are kept as text: split at top-level commas */
    int cap = 0, depth = 0;
    int start = p->tok.off;
    while (!(depth == 0 && p_is(p, T_RP))) {
      if (p_is(p, T_EOF)) p_syntax(p);
      if (p_is(p, T_LP)) depth++;
      if (p_is(p, T_RP)) depth--;
      if (depth == 0 && p_is(p, T_COMMA)) {
        const char *arg = p_strndup(p, p->z + start, (size_t)(p->prev_end - start));
        PUSH(p, st->module_args, st->nmodule_args, cap, arg);
        p_advance(p);
        start = p->tok.off;
        continue;
      }
      p_advance(p);
    }
    if (p->prev_end > start) {
      const char *arg = p_strndup(p, p->z + start, (size_t)(p->prev_end - start));
      PUSH(p, st->module_args, st->nmodule_args, cap, arg);
    }
    p_expect(p, T_RP);
  }
}

static void p_sequence(Parser *p, Stmt *st, int alter);

static void p_create(Parser *p, Stmt *st) {
  p_expectkw(p, KW_CREATE);
  if (p_acceptkw(p, KW_TEMP) || p_acceptkw(p, KW_TEMPORARY)) st->temp = 1;
  if (p->dialect == MICA_DIALECT_POSTGRES && !st->temp && p_isword(p, "unlogged") &&
      p_peek2(p).type == T_KW && p_peek2(p).kw == KW_TABLE)
    p_advance(p); /* every table is logged (WAL) in Mica */
  if (p_acceptkw(p, KW_TABLE)) {
    p_create_table(p, st);
  } else if (p->dialect == MICA_DIALECT_POSTGRES && !st->temp && p_isword(p, "sequence")) {
    p_sequence(p, st, 0);
  } else if (!st->temp && p_acceptkw(p, KW_UNIQUE)) {
    st->unique = 1;
    p_expectkw(p, KW_INDEX);
    p_create_index(p, st);
  } else if (!st->temp && p_acceptkw(p, KW_INDEX)) {
    p_create_index(p, st);
  } else if (p_acceptkw(p, KW_VIEW)) {
    p_create_view(p, st);
  } else if (p_acceptkw(p, KW_TRIGGER)) {
    p_create_trigger(p, st);
  } else if (!st->temp && p_acceptkw(p, KW_VIRTUAL)) {
    p_expectkw(p, KW_TABLE);
    p_create_vtable(p, st);
  } else {
    p_syntax(p);
  }
}

static void p_drop(Parser *p, Stmt *st) {
  p_expectkw(p, KW_DROP);
  if (p_acceptkw(p, KW_TABLE))
    st->kind = SK_DROP_TABLE;
  else if (p_acceptkw(p, KW_INDEX))
    st->kind = SK_DROP_INDEX;
  else if (p_acceptkw(p, KW_VIEW))
    st->kind = SK_DROP_VIEW;
  else if (p_acceptkw(p, KW_TRIGGER))
    st->kind = SK_DROP_TRIGGER;
  else if (p->dialect == MICA_DIALECT_POSTGRES && p_isword(p, "sequence")) {
    p_advance(p);
    st->kind = SK_DROP_SEQUENCE;
  } else
    p_syntax(p);
  p_if_exists(p, st);
  st->name = p_qualified(p, &st->schema);
  st->name_off = p->last_name_off;
  if (p->dialect == MICA_DIALECT_POSTGRES) {
    /* DROP TABLE|VIEW|INDEX a, b, ... [CASCADE | RESTRICT] */
    int cap = 0;
    PUSH(p, st->names, st->nnames, cap, st->name);
    while (p_accept(p, T_COMMA)) {
      const char *sch = NULL;
      PUSH(p, st->names, st->nnames, cap, p_qualified(p, &sch));
    }
    if (!p_acceptkw(p, KW_CASCADE)) p_acceptkw(p, KW_RESTRICT);
  }
}

/* PostgreSQL: a list of table names, each optionally ONLY and with a column list (VACUUM, ANALYZE),
 * or with a trailing * (TRUNCATE). */
static void p_table_list_pg(Parser *p, Stmt *st, int cols) {
  int cap = 0;
  do {
    if (p_isword(p, "only")) p_advance(p);
    const char *sch = NULL;
    PUSH(p, st->names, st->nnames, cap, p_qualified(p, &sch));
    if (p_is(p, T_STAR)) p_advance(p);
    if (cols && p_accept(p, T_LP)) {
      do
        p_name(p);
      while (p_accept(p, T_COMMA));
      p_expect(p, T_RP);
    }
  } while (p_accept(p, T_COMMA));
  st->name = st->names[0];
}

/* TRUNCATE [TABLE] [ONLY] name [*], ... [RESTART IDENTITY | CONTINUE IDENTITY] [CASCADE | RESTRICT] */
static void p_truncate_pg(Parser *p, Stmt *st) {
  p_advance(p);
  st->kind = SK_TRUNCATE;
  p_acceptkw(p, KW_TABLE);
  p_table_list_pg(p, st, 0);
  if (p_isword(p, "restart") || p_isword(p, "continue")) {
    st->restart_identity = p_isword(p, "restart");
    p_advance(p);
    if (!p_isword(p, "identity")) p_syntax(p);
    p_advance(p);
  }
  if (!p_acceptkw(p, KW_CASCADE)) p_acceptkw(p, KW_RESTRICT);
}

/* VACUUM [(option [value], ...)] [FULL] [FREEZE] [VERBOSE] [ANALYZE] [table [(cols)], ...] and
 * ANALYZE [(options)] [VERBOSE] [table [(cols)], ...] (PostgreSQL). The tables go to names. */
static void p_maintenance_pg(Parser *p, Stmt *st) {
  if (p_accept(p, T_LP)) {
    for (int depth = 1; depth > 0;) {
      if (p_is(p, T_EOF)) p_syntax(p);
      if (p_is(p, T_LP)) depth++;
      if (p_is(p, T_RP)) depth--;
      p_advance(p);
    }
  }
  while (p_isword(p, "full") || p_isword(p, "freeze") || p_isword(p, "verbose") || p_iskw(p, KW_ANALYZE))
    p_advance(p);
  if (p_isname(p, 0)) p_table_list_pg(p, st, 1);
}

/* ------------------------------------------------------------------------------------------------
 * PostgreSQL: sequences and ALTER TABLE actions.
 */
/* [+|-]integer (sequence options). */
static int64_t p_seq_int(Parser *p) {
  int neg = 0, off = p->tok.off;
  if (p_is(p, T_MINUS) || p_is(p, T_PLUS)) {
    neg = p_is(p, T_MINUS);
    p_advance(p);
  }
  if (!p_is(p, T_INT)) p_syntax(p);
  errno = 0;
  char *txt = p_strndup(p, p->z + p->tok.off, (size_t)p->tok.len);
  unsigned long long v = strtoull(txt, NULL, 10);
  p_advance(p);
  if (errno || v > (unsigned long long)INT64_MAX + (unsigned long long)neg)
    p_fail_rc(p, MICA_ERROR, off, "value \"%s%s\" is out of range for type bigint", neg ? "-" : "", txt);
  return neg ? (int64_t)(0 - v) : (int64_t)v;
}

/* CREATE / ALTER SEQUENCE options, in any order. */
static void p_seq_opts(Parser *p, SeqOpts *o, int alter) {
  o->cycle = -1;
  for (;;) {
    if (p_iskw(p, KW_AS)) {
      p_advance(p);
      o->type = p_name(p);
    } else if (p_isword(p, "increment")) {
      p_advance(p);
      p_acceptkw(p, KW_BY);
      o->has_increment = 1;
      o->increment = p_seq_int(p);
    } else if (p_isword(p, "minvalue")) {
      p_advance(p);
      o->has_min = 1;
      o->no_min = 0;
      o->minv = p_seq_int(p);
    } else if (p_isword(p, "maxvalue")) {
      p_advance(p);
      o->has_max = 1;
      o->no_max = 0;
      o->maxv = p_seq_int(p);
    } else if (p_iskw(p, KW_NO)) {
      p_advance(p);
      if (p_isword(p, "minvalue")) {
        o->has_min = 1;
        o->no_min = 1;
      } else if (p_isword(p, "maxvalue")) {
        o->has_max = 1;
        o->no_max = 1;
      } else if (p_isword(p, "cycle")) {
        o->cycle = 0;
      } else {
        p_syntax(p);
      }
      p_advance(p);
    } else if (p_isword(p, "start")) {
      p_advance(p);
      p_acceptkw(p, KW_WITH);
      o->has_start = 1;
      o->start = p_seq_int(p);
    } else if (alter && p_isword(p, "restart")) {
      p_advance(p);
      o->has_restart = 1;
      if (p_acceptkw(p, KW_WITH) || p_is(p, T_INT) || p_is(p, T_MINUS) || p_is(p, T_PLUS)) {
        o->restart_with = 1;
        o->restart = p_seq_int(p);
      }
    } else if (p_isword(p, "cache")) {
      p_advance(p);
      o->has_cache = 1;
      o->cache = p_seq_int(p);
    } else if (p_isword(p, "cycle")) {
      p_advance(p);
      o->cycle = 1;
    } else if (p_isword(p, "owned")) {
      p_advance(p);
      p_expectkw(p, KW_BY);
      if (p_isword(p, "none")) {
        p_advance(p);
        o->owned_none = 1;
        o->owned_table = o->owned_col = NULL;
      } else {
        o->owned_none = 0;
        o->owned_table = p_name(p);
        p_expect(p, T_DOT);
        o->owned_col = p_name(p);
        if (p_accept(p, T_DOT)) { /* schema.table.column */
          o->owned_table = o->owned_col;
          o->owned_col = p_name(p);
        }
      }
    } else {
      break;
    }
  }
}

/* CREATE SEQUENCE [IF NOT EXISTS] name options, ALTER SEQUENCE [IF EXISTS] name options (after CREATE
 * or ALTER). */
static void p_sequence(Parser *p, Stmt *st, int alter) {
  p_advance(p);
  st->kind = alter ? SK_ALTER_SEQUENCE : SK_CREATE_SEQUENCE;
  if (alter)
    p_if_exists(p, st);
  else
    p_if_not_exists(p, st);
  st->name = p_qualified(p, &st->schema);
  st->seq = p_alloc(p, sizeof(SeqOpts));
  p_seq_opts(p, st->seq, alter);
}

/* One action of ALTER TABLE in the PostgreSQL dialect. */
static void p_alter_action_pg(Parser *p, Stmt *st, AlterCmd *c) {
  c->off = p->tok.off;
  if (p_acceptkw(p, KW_ADD)) {
    if (p_is_tcons_start(p)) {
      c->kind = AL_ADD_CONSTRAINT;
      c->cons = p_alloc(p, sizeof(TabCons));
      c->cons->off = p->tok.off;
      p_table_constraint(p, c->cons);
      c->cons->end = p->prev_end;
      if (p_isword(p, "not")) p_syntax(p);
    } else {
      p_acceptkw(p, KW_COLUMN);
      if (p_iskw(p, KW_IF)) {
        p_advance(p);
        p_expectkw(p, KW_NOT);
        p_expectkw(p, KW_EXISTS);
        c->if_not_exists = 1;
      }
      c->kind = AL_ADD_COLUMN;
      c->col = p_alloc(p, sizeof(ColDef));
      p_column_def(p, c->col);
    }
  } else if (p_acceptkw(p, KW_DROP)) {
    int cons = p_acceptkw(p, KW_CONSTRAINT);
    if (!cons) p_acceptkw(p, KW_COLUMN);
    c->kind = cons ? AL_DROP_CONSTRAINT : AL_DROP_COLUMN;
    if (p_iskw(p, KW_IF)) {
      p_advance(p);
      p_expectkw(p, KW_EXISTS);
      c->if_exists = 1;
    }
    c->column = p_name(p);
    if (!p_acceptkw(p, KW_CASCADE)) p_acceptkw(p, KW_RESTRICT);
  } else if (p_acceptkw(p, KW_ALTER)) {
    p_acceptkw(p, KW_COLUMN);
    c->column = p_name(p);
    if (p_iskw(p, KW_SET) && p_peek2(p).type == T_KW && p_peek2(p).kw == KW_DEFAULT) {
      p_advance(p);
      p_advance(p);
      ColDef tmp = {0};
      c->kind = AL_SET_DEFAULT;
      c->expr = p_default(p, &tmp);
      c->expr_off = tmp.dflt_off;
      c->expr_end = tmp.dflt_end;
    } else if (p_iskw(p, KW_SET) && p_peek2(p).type == T_KW && p_peek2(p).kw == KW_NOT) {
      p_advance(p);
      p_advance(p);
      p_expectkw(p, KW_NULL);
      c->kind = AL_SET_NOT_NULL;
    } else if (p_acceptkw(p, KW_DROP)) {
      if (p_acceptkw(p, KW_DEFAULT)) {
        c->kind = AL_DROP_DEFAULT;
      } else {
        p_expectkw(p, KW_NOT);
        p_expectkw(p, KW_NULL);
        c->kind = AL_DROP_NOT_NULL;
      }
    } else {
      if (p_acceptkw(p, KW_SET)) {
        if (!p_isword(p, "data")) p_syntax(p);
        p_advance(p);
      }
      if (!p_isword(p, "type")) p_syntax(p);
      p_advance(p);
      int ok = 0;
      const char *stored = NULL;
      c->kind = AL_SET_TYPE;
      c->type = p_type_name_pg(p, &ok, &stored, 0);
      if (!ok) p_syntax(p);
      c->stored_type = stored;
      if (p_acceptkw(p, KW_COLLATE)) p_name(p);
      if (p_acceptkw(p, KW_USING)) {
        c->expr_off = p->tok.off;
        c->expr = p_expr(p);
        c->expr_end = p->prev_end;
      }
    }
  } else if (p_acceptkw(p, KW_RENAME)) {
    if (p_acceptkw(p, KW_TO)) {
      c->kind = AL_RENAME_TABLE;
      c->new_name = p_name(p);
    } else {
      if (p_iskw(p, KW_CONSTRAINT)) p_syntax(p);
      p_acceptkw(p, KW_COLUMN);
      c->kind = AL_RENAME_COLUMN;
      st->column_off = p->tok.off;
      c->column = p_name(p);
      p_expectkw(p, KW_TO);
      st->new_name_off = p->tok.off;
      c->new_name = p_name(p);
    }
  } else {
    p_syntax(p);
  }
  c->end = p->prev_end;
}

/* ALTER TABLE [IF EXISTS] [ONLY] name action [, action ...] (after the name). RENAME stands alone. */
static void p_alter_table_pg(Parser *p, Stmt *st) {
  int cap = 0;
  do {
    AlterCmd c = {0};
    p_alter_action_pg(p, st, &c);
    PUSH(p, st->alters, st->nalter, cap, c);
  } while (p_accept(p, T_COMMA));
  for (int i = 0; i < st->nalter && st->nalter > 1; i++)
    if (st->alters[i].kind == AL_RENAME_TABLE || st->alters[i].kind == AL_RENAME_COLUMN)
      p_fail_rc(p, MICA_ERROR, st->alters[i].off, "syntax error at or near \"RENAME\"");
  /* the first action also in the statement's own fields */
  const AlterCmd *a = &st->alters[0];
  st->alter_kind = a->kind;
  st->column = a->column;
  st->new_name = a->new_name;
  st->add_col = a->col;
  if (a->cons) {
    st->tcons = a->cons;
    st->ntcons = 1;
    st->cons_off = a->cons->off;
    st->cons_end = a->cons->end;
  }
}

static void p_alter(Parser *p, Stmt *st) {
  st->kind = SK_ALTER;
  p_expectkw(p, KW_ALTER);
  if (p->dialect == MICA_DIALECT_POSTGRES && p_isword(p, "sequence")) {
    p_sequence(p, st, 1);
    return;
  }
  p_expectkw(p, KW_TABLE);
  if (p->dialect == MICA_DIALECT_POSTGRES) {
    p_if_exists(p, st);
    if (p_isword(p, "only")) p_advance(p);
  }
  st->name = p_qualified(p, &st->schema);
  st->name_off = p->last_name_off;
  if (p->dialect == MICA_DIALECT_POSTGRES) {
    p_alter_table_pg(p, st);
    return;
  }
  if (p->dialect == MICA_DIALECT_POSTGRES && p_iskw(p, KW_ADD) && p_peek2(p).type == T_KW &&
      (p_peek2(p).kw == KW_CONSTRAINT || p_peek2(p).kw == KW_PRIMARY || p_peek2(p).kw == KW_UNIQUE ||
       p_peek2(p).kw == KW_CHECK || p_peek2(p).kw == KW_FOREIGN)) {
    /* ADD [CONSTRAINT name] PRIMARY KEY (...) | UNIQUE (...) | CHECK (...) | FOREIGN KEY ... */
    p_advance(p);
    st->alter_kind = AL_ADD_CONSTRAINT;
    st->cons_off = p->tok.off;
    st->tcons = p_alloc(p, sizeof(TabCons));
    st->ntcons = 1;
    p_table_constraint(p, st->tcons);
    st->cons_end = p->prev_end;
    if (p_isword(p, "not")) p_syntax(p);
    return;
  }
  if (p_acceptkw(p, KW_RENAME)) {
    if (p_acceptkw(p, KW_TO)) {
      st->alter_kind = AL_RENAME_TABLE;
      st->new_name_off = p->tok.off;
      st->new_name = p_name(p);
    } else {
      p_acceptkw(p, KW_COLUMN);
      st->alter_kind = AL_RENAME_COLUMN;
      st->column_off = p->tok.off;
      st->column = p_name(p);
      p_expectkw(p, KW_TO);
      st->new_name_off = p->tok.off;
      st->new_name = p_name(p);
    }
  } else if (p_acceptkw(p, KW_ADD)) {
    p_acceptkw(p, KW_COLUMN);
    st->alter_kind = AL_ADD_COLUMN;
    st->add_col = p_alloc(p, sizeof(ColDef));
    p_column_def(p, st->add_col);
  } else if (p_acceptkw(p, KW_DROP)) {
    p_acceptkw(p, KW_COLUMN);
    st->alter_kind = AL_DROP_COLUMN;
    st->column_off = p->tok.off;
    st->column = p_name(p);
  } else {
    p_syntax(p);
  }
}

static void p_pragma(Parser *p, Stmt *st) {
  st->kind = SK_PRAGMA;
  p_expectkw(p, KW_PRAGMA);
  st->name = p_qualified(p, &st->schema);
  int paren = 0;
  if (p_accept(p, T_EQ)) {
    st->pragma_has_value = 1;
  } else if (p_accept(p, T_LP)) {
    st->pragma_has_value = 1;
    paren = 1;
  }
  if (st->pragma_has_value) {
    if (p_is(p, T_PLUS) || p_is(p, T_MINUS)) {
      Token t = p->tok;
      p_advance(p);
      if (!(p_is(p, T_INT) || p_is(p, T_FLOAT))) p_syntax(p);
      Expr *n = p_literal_number(p);
      if (t.type == T_MINUS) {
        Expr *e = mk(p, EK_NEG, t.off);
        e->a = n;
        st->pragma_value = e;
      } else {
        st->pragma_value = n;
      }
    } else if (p_is(p, T_INT) || p_is(p, T_FLOAT) || p_is(p, T_STRING)) {
      st->pragma_value = p_primary(p);
      if (st->pragma_value->kind == EK_TEXT) st->pragma_ident = st->pragma_value->str;
    } else if (p_is(p, T_ID) || p_is(p, T_QID) || p_is(p, T_KW)) {
      st->pragma_ident = p_dequote(p, &p->tok);
      p_advance(p);
    } else {
      p_syntax(p);
    }
    if (paren) p_expect(p, T_RP);
  }
}

static void p_transaction(Parser *p, Stmt *st) {
  if (p_acceptkw(p, KW_BEGIN)) {
    st->kind = SK_BEGIN;
    if (p_acceptkw(p, KW_DEFERRED))
      st->txn_mode = 0;
    else if (p_acceptkw(p, KW_IMMEDIATE))
      st->txn_mode = 1;
    else if (p_acceptkw(p, KW_EXCLUSIVE))
      st->txn_mode = 2;
    if (p_acceptkw(p, KW_TRANSACTION) && p_isname(p, 0)) st->name = p_name(p);
    return;
  }
  if (p_acceptkw(p, KW_COMMIT) || p_acceptkw(p, KW_END)) {
    st->kind = SK_COMMIT;
    if (p_acceptkw(p, KW_TRANSACTION) && p_isname(p, 0)) st->name = p_name(p);
    return;
  }
  if (p_acceptkw(p, KW_ROLLBACK)) {
    st->kind = SK_ROLLBACK;
    if (p_acceptkw(p, KW_TRANSACTION) && p_isname(p, 0) && !p_iskw(p, KW_TO)) st->name = p_name(p);
    if (p_acceptkw(p, KW_TO)) {
      st->kind = SK_ROLLBACK_TO;
      p_acceptkw(p, KW_SAVEPOINT);
      st->name = p_name(p);
    }
    return;
  }
  if (p_acceptkw(p, KW_SAVEPOINT)) {
    st->kind = SK_SAVEPOINT;
    st->name = p_name(p);
    return;
  }
  if (p_acceptkw(p, KW_RELEASE)) {
    st->kind = SK_RELEASE;
    p_acceptkw(p, KW_SAVEPOINT);
    st->name = p_name(p);
    return;
  }
  p_syntax(p);
}

/* Statements that can also appear in a trigger body (and after WITH). */
static Stmt *p_stmt_body(Parser *p, Stmt *st) {
  Cte *ctes = NULL;
  int ncte = 0, recursive = 0;
  int with_off = p->tok.off;
  if (p_iskw(p, KW_WITH)) {
    /* WITH ... SELECT is a select; WITH ... INSERT/UPDATE/DELETE keeps the CTEs on the statement */
    int save = p->pos;
    Token savetok = p->tok;
    int save_end = p->prev_end;
    p_advance(p);
    p_with(p, &ctes, &ncte, &recursive);
    if (!(p_iskw(p, KW_INSERT) || p_iskw(p, KW_REPLACE) || p_iskw(p, KW_UPDATE) || p_iskw(p, KW_DELETE))) {
      p->pos = save;
      p->tok = savetok;
      p->prev_end = save_end;
      ctes = NULL;
      ncte = 0;
      recursive = 0;
    }
  }
  if (p_iskw(p, KW_SELECT) || p_iskw(p, KW_VALUES) || p_iskw(p, KW_WITH)) {
    st->kind = SK_SELECT;
    st->sel = p_select(p);
  } else if (p_iskw(p, KW_INSERT) || p_iskw(p, KW_REPLACE)) {
    p_insert(p, st);
  } else if (p_iskw(p, KW_UPDATE)) {
    p_update(p, st);
  } else if (p_iskw(p, KW_DELETE)) {
    p_delete(p, st);
  } else {
    p_syntax(p);
  }
  st->ctes = ctes;
  st->ncte = ncte;
  st->recursive = recursive;
  (void)with_off;
  return st;
}

static void p_stmt(Parser *p, Stmt *st) {
  if (p_iskw(p, KW_EXPLAIN)) {
    p_advance(p);
    st->explain = 1;
    if (p_acceptkw(p, KW_QUERY)) {
      p_expectkw(p, KW_PLAN);
      st->explain = 2;
    }
  }
  st->off = p->tok.off;
  if (p->dialect == MICA_DIALECT_POSTGRES && p_isword(p, "truncate")) {
    p_truncate_pg(p, st);
    st->end = p->prev_end;
    return;
  }
  if (p->dialect == MICA_DIALECT_POSTGRES && (p_iskw(p, KW_VACUUM) || p_iskw(p, KW_ANALYZE))) {
    st->kind = p_iskw(p, KW_VACUUM) ? SK_VACUUM : SK_ANALYZE;
    p_advance(p);
    p_maintenance_pg(p, st);
    st->end = p->prev_end;
    return;
  }
  if (p->tok.type != T_KW) p_syntax(p);
  switch (p->tok.kw) {
  case KW_SELECT:
  case KW_VALUES:
  case KW_WITH:
  case KW_INSERT:
  case KW_REPLACE:
  case KW_UPDATE:
  case KW_DELETE: p_stmt_body(p, st); break;
  case KW_CREATE: p_create(p, st); break;
  case KW_DROP: p_drop(p, st); break;
  case KW_ALTER: p_alter(p, st); break;
  case KW_PRAGMA: p_pragma(p, st); break;
  case KW_BEGIN:
  case KW_COMMIT:
  case KW_END:
  case KW_ROLLBACK:
  case KW_SAVEPOINT:
  case KW_RELEASE: p_transaction(p, st); break;
  case KW_ATTACH:
    p_advance(p);
    st->kind = SK_ATTACH;
    p_acceptkw(p, KW_DATABASE);
    st->expr1 = p_expr(p);
    p_expectkw(p, KW_AS);
    st->expr2 = p_expr(p);
    break;
  case KW_DETACH:
    p_advance(p);
    st->kind = SK_DETACH;
    p_acceptkw(p, KW_DATABASE);
    st->name = p_name(p);
    break;
  case KW_VACUUM:
    p_advance(p);
    st->kind = SK_VACUUM;
    if (p_isname(p, 0)) st->name = p_name(p);
    if (p_acceptkw(p, KW_INTO)) st->expr1 = p_expr(p);
    break;
  case KW_REINDEX:
  case KW_ANALYZE:
    st->kind = p->tok.kw == KW_REINDEX ? SK_REINDEX : SK_ANALYZE;
    p_advance(p);
    if (p_isname(p, 1)) st->name = p_qualified(p, &st->schema);
    break;
  default: p_syntax(p);
  }
  st->end = p->prev_end;
}

/* ------------------------------------------------------------------------------------------------
 * Entry points.
 */
/* Parses one statement with p's lookahead on its first token. The only function that calls setjmp:
 * everything it needs after a longjmp lives in *p. */
static int parse_run(Parser *p, Stmt **out) {
  if (setjmp(p->jb) != 0) return p->rc;
  Stmt *st = p_alloc(p, sizeof *st);
  st->arena = p->a;
  p_stmt(p, st);
  if (!p_is(p, T_SEMI) && !p_is(p, T_EOF)) p_syntax(p);
  if (p_is(p, T_SEMI)) p_advance(p);
  p->tail_off = p->tok.type == T_EOF ? p->n : p->prev_end;
  st->nparam = p->nparam;
  if (p->nedit > 0) {
    /* text order; insertions at one offset keep the order they were made in (stable) */
    for (int i = 1; i < p->nedit; i++) {
      TextEdit e = p->edits[i];
      int k = i - 1;
      while (k >= 0 && p->edits[k].off > e.off) {
        p->edits[k + 1] = p->edits[k];
        k--;
      }
      p->edits[k + 1] = e;
    }
    st->edits = p->edits;
    st->nedit = p->nedit;
  }
  st->namepos = p->npos;
  st->nnamepos = p->nnpos;
  if (p->nparam > 0) {
    st->param_names = p_alloc(p, sizeof(char *) * (size_t)(p->nparam + 1));
    for (int i = 1; i <= p->nparam && i < p->cap_names; i++)
      st->param_names[i] = p->names[i];
  }
  *out = st;
  return MICA_OK;
}

int parse_statement(const char *sql, int n, int dialect, Stmt **out, const char **tail, char **errmsg,
                    int *erroffset) {
  *out = NULL;
  if (errmsg) *errmsg = NULL;
  if (erroffset) *erroffset = -1;
  if (n < 0) n = (int)strlen(sql);
  Parser *p = calloc(1, sizeof *p);
  if (!p) return MICA_NOMEM;
  p->z = sql;
  p->n = n;
  p->record_names = (dialect & PARSE_NAME_POSITIONS) != 0;
  dialect &= ~PARSE_NAME_POSITIONS;
  p->dialect = dialect;
  p->erroff = -1;
  p->pos = lex_next(sql, n, 0, dialect, &p->tok);
  while (p->tok.type == T_SEMI)
    p_advance(p);
  if (p->tok.type == T_EOF) {
    if (tail) *tail = sql + n;
    free(p);
    return MICA_OK;
  }
  p->a = ast_arena_new();
  if (!p->a) {
    free(p);
    return MICA_NOMEM;
  }
  int rc = parse_run(p, out);
  if (rc == MICA_OK) {
    if (tail) *tail = sql + p->tail_off;
  } else {
    if (errmsg)
      *errmsg = p->err;
    else
      free(p->err);
    if (erroffset) *erroffset = p->erroff;
    ast_arena_free(p->a);
    if (tail) {
      /* resume after the next ';' */
      Token t;
      int pos = p->tok.off + (p->tok.type == T_EOF ? 0 : p->tok.len);
      if (p->tok.type != T_SEMI) {
        for (;;) {
          pos = lex_next(sql, n, pos, dialect, &t);
          if (t.type == T_EOF || t.type == T_SEMI || t.len == 0) break;
        }
      }
      *tail = sql + pos;
    }
  }
  free(p);
  return rc;
}

int parse_next_param(const char *sql, int n, int pos, int *off, int *len) {
  Token t;
  for (;;) {
    pos = lex_next(sql, n, pos, MICA_DIALECT_SQLITE, &t);
    if (t.type == T_EOF) return 0;
    if (t.type == T_VAR) {
      *off = t.off;
      *len = t.len;
      return 1;
    }
  }
}

int parse_complete(const char *sql) {
  int n = (int)strlen(sql);
  int pos = 0;
  int last_semi = 0; /* the last token was ';' */
  int state = 0;     /* 0 normal, 1 saw CREATE, 2 saw CREATE [TEMP], 3 in trigger (until END ;) */
  int any = 0;
  int after_end = 0;
  Token t;
  for (;;) {
    pos = lex_next(sql, n, pos, MICA_DIALECT_SQLITE, &t);
    if (t.type == T_EOF) break;
    if (t.type == T_ILLEGAL) {
      /* an unterminated string or identifier: not complete */
      if (t.len > 0 && (sql[t.off] == '\'' || sql[t.off] == '"' || sql[t.off] == '[' || sql[t.off] == '`'))
        return 0;
    }
    any = 1;
    if (t.type == T_SEMI) {
      if (state == 3) {
        if (after_end) {
          state = 0;
          last_semi = 1;
        } else {
          last_semi = 0;
        }
      } else {
        state = 0;
        last_semi = 1;
      }
      after_end = 0;
      continue;
    }
    last_semi = 0;
    if (state == 3) {
      after_end = t.type == T_KW && t.kw == KW_END;
      continue;
    }
    if (t.type == T_KW && t.kw == KW_CREATE && state == 0)
      state = 1;
    else if (state == 1 && t.type == T_KW && (t.kw == KW_TEMP || t.kw == KW_TEMPORARY))
      state = 2;
    else if ((state == 1 || state == 2) && t.type == T_KW && t.kw == KW_TRIGGER)
      state = 3;
    else if (state == 1 || state == 2)
      state = 4; /* some other CREATE */
  }
  return any && last_semi;
}
