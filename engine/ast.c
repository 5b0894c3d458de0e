/*
 * ast.c: the parse tree's arena and debug printer.
 *
 * ARENA
 *   A statement's nodes are carved from chunks of 1 KB doubling up to 16 KB (requests over 8 KB get
 *   their own chunk; small statements stay small, which matters for the parsed schema every
 *   connection keeps), chained
 *   from the arena; every allocation is zeroed and 16-byte aligned. ast_free releases the chunks, so a
 *   tree never needs a walk to be freed and a parse error part-way leaks nothing.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ast.h"

typedef struct ArenaChunk {
  struct ArenaChunk *next;
  size_t used, cap;
  _Alignas(16) unsigned char data[];
} ArenaChunk;

struct AstArena {
  ArenaChunk *head;
};

#define ARENA_CHUNK 16384      /* the largest chunk size */
#define ARENA_FIRST_CHUNK 1024 /* the first; each next one doubles, up to ARENA_CHUNK */

AstArena *ast_arena_new(void) { return calloc(1, sizeof(AstArena)); }

void ast_arena_free(AstArena *a) {
  if (!a) return;
  ArenaChunk *c = a->head;
  while (c) {
    ArenaChunk *n = c->next;
    free(c);
    c = n;
  }
  free(a);
}

void *ast_alloc(AstArena *a, size_t n) {
  n = (n + 15) & ~(size_t)15;
  ArenaChunk *c = a->head;
  if (!c || c->cap - c->used < n) {
    /* Small statements (and the schema's CREATE statements every connection keeps parsed) stay small:
     * chunks start at 1 KB and double. */
    size_t want = c ? (c->cap * 2 > ARENA_CHUNK ? ARENA_CHUNK : c->cap * 2) : ARENA_FIRST_CHUNK;
    if (want < ARENA_FIRST_CHUNK) want = ARENA_FIRST_CHUNK;
    size_t cap = n > ARENA_CHUNK / 2 ? n : n > want ? ARENA_CHUNK : want;
    ArenaChunk *nc = malloc(sizeof(ArenaChunk) + cap);
    if (!nc) return NULL;
    nc->used = 0;
    nc->cap = cap;
    if (n > ARENA_CHUNK / 2 && c) { /* a big block: keep filling the current chunk afterwards */
      nc->next = c->next;
      c->next = nc;
    } else {
      nc->next = c;
      a->head = nc;
    }
    c = nc;
  }
  void *p = c->data + c->used;
  c->used += n;
  memset(p, 0, n);
  return p;
}

char *ast_strndup(AstArena *a, const char *s, size_t n) {
  char *d = ast_alloc(a, n + 1);
  if (!d) return NULL;
  memcpy(d, s, n);
  d[n] = 0;
  return d;
}

void ast_free(Stmt *s) {
  if (s) ast_arena_free(s->arena); /* the Stmt itself lives in its arena */
}

/* ------------------------------------------------------------------------------------------------
 * Debug printer: an S-expression-like dump.
 */
static void pr_select(FILE *f, const Select *s);

static const char *binop_name(int op) {
  static const char *n[] = {
      "?", "+", "-", "*", "/", "%", "||", "=", "!=", "<", "<=", ">", ">=", "&", "|", "<<", ">>"};
  return op >= 1 && op <= AB_RSHIFT ? n[op] : "?";
}

static void pr_expr(FILE *f, const Expr *e) {
  if (!e) {
    fputs("nil", f);
    return;
  }
  switch (e->kind) {
  case EK_NULL: fputs("NULL", f); return;
  case EK_INT: fprintf(f, "%lld", (long long)e->ival); return;
  case EK_REAL: fprintf(f, "%.17g", e->rval); return;
  case EK_TEXT: fprintf(f, "'%s'", e->str); return;
  case EK_BLOB: fprintf(f, "x<%d bytes>", e->nstr); return;
  case EK_COLUMN:
    fprintf(f, "%s%s%s%s%s%s", e->schema ? e->schema : "", e->schema ? "." : "", e->table ? e->table : "",
            e->table ? "." : "", e->name, e->quoted ? "\"" : "");
    return;
  case EK_PARAM: fprintf(f, "?%d", e->param); return;
  case EK_CURTIME: fputs(e->name, f); return;
  default: break;
  }
  fputc('(', f);
  switch (e->kind) {
  case EK_BINARY: fputs(binop_name(e->binop), f); break;
  case EK_AND: fputs("AND", f); break;
  case EK_OR: fputs("OR", f); break;
  case EK_NOT: fputs("NOT", f); break;
  case EK_NEG: fputs("NEG", f); break;
  case EK_POS: fputs("POS", f); break;
  case EK_BITNOT: fputs("~", f); break;
  case EK_IS: fputs(e->not ? "ISNOT" : "IS", f); break;
  case EK_ISNULL: fputs(e->not ? "NOTNULL" : "ISNULL", f); break;
  case EK_BETWEEN: fputs(e->not ? "NOTBETWEEN" : "BETWEEN", f); break;
  case EK_INLIST: fputs(e->not ? "NOTIN" : "IN", f); break;
  case EK_INSELECT: fputs(e->not ? "NOTINSEL" : "INSEL", f); break;
  case EK_INTABLE: fprintf(f, "%s %s", e->not ? "NOTINTAB" : "INTAB", e->table); break;
  case EK_EXISTS: fputs("EXISTS", f); break;
  case EK_SUBQUERY: fputs("SUBQ", f); break;
  case EK_CASE: fputs("CASE", f); break;
  case EK_CAST: fprintf(f, "CAST %s", e->name); break;
  case EK_COLLATE: fprintf(f, "COLLATE %s", e->name); break;
  case EK_FUNC: fprintf(f, "%s%s%s", e->name, e->distinct ? " DISTINCT" : "", e->star ? " *" : ""); break;
  case EK_LIKE:
    fprintf(f, "%s%s", e->not ? "NOT" : "",
            (const char *[]){"LIKE", "GLOB", "REGEXP", "MATCH"}[e->likeop & 3]);
    break;
  case EK_VECTOR: fputs("ROW", f); break;
  case EK_RAISE: fprintf(f, "RAISE %d %s", e->raise_type, e->name ? e->name : ""); break;
  case EK_JSONOP: fputs(e->name, f); break;
  default: fprintf(f, "?%d", e->kind); break;
  }
  if (e->a) {
    fputc(' ', f);
    pr_expr(f, e->a);
  }
  if (e->b) {
    fputc(' ', f);
    pr_expr(f, e->b);
  }
  if (e->c) {
    fputc(' ', f);
    pr_expr(f, e->c);
  }
  for (int i = 0; i < e->nlist; i++) {
    fputc(' ', f);
    pr_expr(f, e->list[i]);
  }
  if (e->sel) {
    fputc(' ', f);
    pr_select(f, e->sel);
  }
  if (e->filter) {
    fputs(" FILTER ", f);
    pr_expr(f, e->filter);
  }
  if (e->over || e->over_name) fprintf(f, " OVER %s", e->over_name ? e->over_name : "(...)");
  fputc(')', f);
}

static void pr_select(FILE *f, const Select *s) {
  if (!s) {
    fputs("nil", f);
    return;
  }
  if (s->cmp_op) {
    static const char *n[] = {"", "UNION ALL", "UNION", "INTERSECT", "EXCEPT"};
    fputc('{', f);
    pr_select(f, s->left);
    fprintf(f, " %s ", n[s->cmp_op]);
    pr_select(f, s->right);
  } else if (s->nvalues) {
    fputs("{VALUES", f);
    for (int i = 0; i < s->nvalues; i++) {
      fputs(" (", f);
      for (int j = 0; j < s->values_n[i]; j++) {
        if (j) fputc(' ', f);
        pr_expr(f, s->values[i][j]);
      }
      fputc(')', f);
    }
  } else {
    fputs(s->distinct ? "{SELECT DISTINCT" : "{SELECT", f);
    for (int i = 0; i < s->nres; i++) {
      fputc(' ', f);
      if (s->res[i].star)
        fprintf(f, "%s%s*", s->res[i].star_table ? s->res[i].star_table : "",
                s->res[i].star_table ? "." : "");
      else
        pr_expr(f, s->res[i].expr);
      if (s->res[i].alias) fprintf(f, " AS %s", s->res[i].alias);
    }
    if (s->nfrom) {
      fputs(" FROM", f);
      for (int i = 0; i < s->nfrom; i++) {
        const FromItem *it = &s->from[i];
        if (i) fprintf(f, " J%d%s", it->jointype, it->natural ? "N" : "");
        fputc(' ', f);
        if (it->sel)
          pr_select(f, it->sel);
        else if (it->nested_from)
          pr_select(f, it->nested_from);
        else
          fprintf(f, "%s", it->name);
        if (it->alias) fprintf(f, " AS %s", it->alias);
        if (it->on) {
          fputs(" ON ", f);
          pr_expr(f, it->on);
        }
        for (int j = 0; j < it->nusing; j++)
          fprintf(f, "%s%s", j ? "," : " USING ", it->using_cols[j]);
      }
    }
    if (s->where) {
      fputs(" WHERE ", f);
      pr_expr(f, s->where);
    }
    for (int i = 0; i < s->ngroup; i++) {
      fputs(i ? ", " : " GROUP BY ", f);
      pr_expr(f, s->group[i]);
    }
    if (s->having) {
      fputs(" HAVING ", f);
      pr_expr(f, s->having);
    }
  }
  for (int i = 0; i < s->norder; i++) {
    fputs(i ? ", " : " ORDER BY ", f);
    pr_expr(f, s->order[i].expr);
    if (s->order[i].desc) fputs(" DESC", f);
  }
  if (s->limit) {
    fputs(" LIMIT ", f);
    pr_expr(f, s->limit);
  }
  if (s->offset) {
    fputs(" OFFSET ", f);
    pr_expr(f, s->offset);
  }
  fputc('}', f);
}

void ast_print(const Stmt *s, void *out) {
  FILE *f = out;
  if (!s) {
    fputs("(empty)\n", f);
    return;
  }
  fprintf(f, "stmt %d%s", s->kind, s->explain ? " explain" : "");
  if (s->name) fprintf(f, " name=%s", s->name);
  if (s->table) fprintf(f, " table=%s", s->table);
  if (s->sel) {
    fputc(' ', f);
    pr_select(f, s->sel);
  }
  if (s->where) {
    fputs(" WHERE ", f);
    pr_expr(f, s->where);
  }
  fputc('\n', f);
}
