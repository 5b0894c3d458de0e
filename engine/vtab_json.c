/*
 * vtab_json.c: json_each(json [, path]) and json_tree(json [, path]), the table-valued JSON functions
 * of SQLite 3.40, as eponymous virtual tables over json.h's parse tree.
 *
 * COLUMNS  key, value, type, atom, id, parent, fullkey, path, then the hidden json and root.
 *
 * MODEL. SQLite walks a flat array of parse nodes in which every value and every object key has a
 * slot, in document order (a container, then its contents); its id and parent columns are positions
 * in that array. The cursor builds the same array (JFlat) from the tree and walks it with SQLite's
 * rules, so ids, parents, keys and paths come out identical:
 *   json_each  visits the members of the root (or of the node the path names); a scalar root is
 *              one row. key: the member's key or array index; path = root = the path argument ('$').
 *   json_tree  visits the root and everything under it in document order; an object member is
 *              visited at its key's slot (id is its value's slot). key: the key, or the index within
 *              the parent array (tracked per array as the walk goes, as SQLite does, which also makes
 *              a path argument that names an array element report index 0); parent: the container's
 *              id (NULL for the first row); fullkey: the path from the document root; path: the
 *              parent's fullkey.
 *   Keys in fullkey and path are bare when they are an ASCII letter then letters and digits, else
 *   copied with their quotes as written in the JSON (escapes included).
 * best_index takes the equality constraints on json and root (idx_num 1 or 3, both omitted); an
 * unusable constraint on them without a usable one is MICA_CONSTRAINT; without json, no rows.
 * A NULL json or path gives no rows; malformed JSON is "malformed JSON", a bad path "JSON path error
 * near '...'".
 */
#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "printf.h"
#include "vtab.h"

enum { JC_KEY, JC_VALUE, JC_TYPE, JC_ATOM, JC_ID, JC_PARENT, JC_FULLKEY, JC_PATH, JC_JSON, JC_ROOT };

static const char *const type_names[] = {"null", "true", "false", "integer",
                                         "real", "text", "array", "object"};

typedef struct JFlat {
  const JNode *node;
  int label; /* an object member's key */
  int up;    /* slot of the containing array or object (0 for the root) */
  int n;     /* slots of this node's contents after it (0 for scalars) */
  int ikey;  /* arrays: index of the element the walk is at */
} JFlat;

typedef struct JEachVtab {
  mica_vtab base;
  int recursive;
} JEachVtab;

typedef struct JEachCursor {
  mica_vtab_cursor base;
  int recursive;
  JParse parse;
  char *json; /* the argument's text (the tree points into it) */
  char *root; /* the path argument, or NULL for '$' */
  JFlat *a;
  int na, cap;
  int i, begin, end; /* slots: current, first, one past the last */
  int type;          /* json_each: the root's type; json_tree: the current slot's parent's type */
  int64_t rowid;
} JEachCursor;

static int jeach_connect(mica_db *db, void *aux, int argc, const char *const *argv, mica_vtab **out,
                         char **errmsg) {
  (void)argc;
  (void)argv;
  (void)errmsg;
  int rc = mica_declare_vtab(
      db, "CREATE TABLE x(key,value,type,atom,id,parent,fullkey,path,json HIDDEN,root HIDDEN)");
  if (rc) return rc;
  JEachVtab *vt = calloc(1, sizeof *vt);
  if (!vt) return MICA_NOMEM;
  vt->recursive = aux != NULL;
  *out = &vt->base;
  return MICA_OK;
}

static int jeach_disconnect(mica_vtab *vt) {
  free(vt);
  return MICA_OK;
}

static int jeach_best_index(mica_vtab *vt, mica_index_info *info) {
  (void)vt;
  int aidx[2] = {-1, -1}, unusable = 0, mask = 0;
  for (int i = 0; i < info->nconstraint; i++) {
    const mica_index_constraint *c = &info->constraint[i];
    if (c->column < JC_JSON) continue;
    int k = c->column - JC_JSON, bit = 1 << k;
    if (!c->usable)
      unusable |= bit;
    else if (c->op == MICA_INDEX_CONSTRAINT_EQ) {
      aidx[k] = i;
      mask |= bit;
    }
  }
  if (unusable & ~mask) return MICA_CONSTRAINT;
  if (aidx[0] < 0) {
    info->idx_num = 0;
    return MICA_OK;
  }
  info->estimated_cost = 1;
  info->usage[aidx[0]].argv_index = 1;
  info->usage[aidx[0]].omit = 1;
  info->idx_num = 1;
  if (aidx[1] >= 0) {
    info->usage[aidx[1]].argv_index = 2;
    info->usage[aidx[1]].omit = 1;
    info->idx_num = 3;
  }
  return MICA_OK;
}

static int jeach_open(mica_vtab *vt, mica_vtab_cursor **out) {
  JEachCursor *c = calloc(1, sizeof *c);
  if (!c) return MICA_NOMEM;
  c->recursive = ((JEachVtab *)vt)->recursive;
  *out = &c->base;
  return MICA_OK;
}

static void cursor_reset(JEachCursor *c) {
  json_parse_free(&c->parse);
  free(c->json);
  free(c->root);
  free(c->a);
  c->json = c->root = NULL;
  c->a = NULL;
  c->na = c->cap = 0;
  c->i = c->begin = c->end = 0;
  c->rowid = 0;
}

static int jeach_close(mica_vtab_cursor *cur) {
  cursor_reset((JEachCursor *)cur);
  free(cur);
  return MICA_OK;
}

static int flat_add(JEachCursor *c, const JNode *x, int label, int up) {
  if (c->na == c->cap) {
    int cap = c->cap ? c->cap * 2 : 32;
    JFlat *a = realloc(c->a, sizeof(JFlat) * (size_t)cap);
    if (!a) return -1;
    c->a = a;
    c->cap = cap;
  }
  c->a[c->na] = (JFlat){.node = x, .label = label, .up = up};
  return c->na++;
}

/* Appends x and its contents in document order; returns x's slot or -1 (out of memory). */
static int flatten(JEachCursor *c, const JNode *x, int up) {
  int me = flat_add(c, x, 0, up);
  if (me < 0) return -1;
  if (x->type == J_ARRAY) {
    for (int k = 0; k < x->nkid; k++)
      if (flatten(c, x->kid[k], me) < 0) return -1;
  } else if (x->type == J_OBJECT) {
    for (int k = 0; k + 1 < x->nkid; k += 2)
      if (flat_add(c, x->kid[k], 1, me) < 0 || flatten(c, x->kid[k + 1], me) < 0) return -1;
  }
  c->a[me].n = c->na - me - 1;
  return me;
}

static int jeach_filter(mica_vtab_cursor *cur, int idx, const char *idx_str, int argc, mica_value **argv) {
  JEachCursor *c = (JEachCursor *)cur;
  mica_vtab *vt = cur->vtab;
  (void)idx_str;
  (void)argc;
  cursor_reset(c);
  if (idx == 0) return MICA_OK;
  const char *z = (const char *)mica_value_text(argv[0]);
  if (!z) return MICA_OK;
  if (!(c->json = strdup(z))) return MICA_NOMEM;
  if (!json_parse_text(&c->parse, c->json)) {
    int oom = c->parse.oom;
    cursor_reset(c);
    if (oom) return MICA_NOMEM;
    vt->errmsg = mica_mprintf("malformed JSON");
    return MICA_ERROR;
  }
  if (flatten(c, c->parse.root, 0) < 0) {
    cursor_reset(c);
    return MICA_NOMEM;
  }
  int start = 0;
  if (idx == 3) {
    const char *root = (const char *)mica_value_text(argv[1]);
    if (!root) {
      cursor_reset(c);
      return MICA_OK;
    }
    if (!(c->root = strdup(root))) return MICA_NOMEM;
    const char *err = NULL;
    const JNode *x = NULL;
    if (root[0] != '$')
      err = root;
    else
      x = json_lookup(&c->parse, root + 1, &err);
    if (err) {
      vt->errmsg = mica_mprintf("JSON path error near '%q'", err);
      cursor_reset(c);
      return MICA_ERROR;
    }
    if (!x) {
      c->i = c->end = 0;
      return MICA_OK;
    }
    for (start = 0; start < c->na && (c->a[start].node != x || c->a[start].label); start++) {
    }
  }
  c->begin = c->i = start;
  c->type = c->a[start].node->type;
  if (c->type == J_ARRAY || c->type == J_OBJECT) {
    c->a[start].ikey = 0;
    c->end = start + c->a[start].n + 1;
    if (c->recursive) {
      c->type = c->a[c->a[start].up].node->type;
      if (start > 0 && c->a[start - 1].label) c->i--;
    } else {
      c->i++;
    }
  } else {
    c->end = start + 1;
  }
  return MICA_OK;
}

static int jeach_next(mica_vtab_cursor *cur) {
  JEachCursor *c = (JEachCursor *)cur;
  if (c->recursive) {
    if (c->a[c->i].label) c->i++;
    c->i++;
    c->rowid++;
    if (c->i < c->end) {
      int up = c->a[c->i].up;
      c->type = c->a[up].node->type;
      if (c->type == J_ARRAY) c->a[up].ikey = up == c->i - 1 ? 0 : c->a[up].ikey + 1;
    }
  } else if (c->type == J_ARRAY) {
    c->i += c->a[c->i].n + 1;
    c->rowid++;
  } else if (c->type == J_OBJECT) {
    c->i += 1 + c->a[c->i + 1].n + 1;
    c->rowid++;
  } else {
    c->i = c->end;
  }
  return MICA_OK;
}

static int jeach_eof(mica_vtab_cursor *cur) {
  const JEachCursor *c = (const JEachCursor *)cur;
  return c->i >= c->end;
}

/* Appends ".key" for an object member's key node: bare when it is a letter followed by letters and
 * digits (ASCII), else in its quotes as written. */
static void append_key(StrBuf *b, const JNode *k) {
  const char *z = k->z;
  int n = k->n, j = 2;
  if (n > 2 && isalpha((unsigned char)z[1])) {
    while (j < n - 1 && isalnum((unsigned char)z[j]))
      j++;
    if (j == n - 1) {
      z++;
      n -= 2;
    }
  }
  strbuf_append(b, ".", 1);
  strbuf_append(b, z, n);
}

/* Appends the path of slot i from the document root. */
static void compute_path(const JEachCursor *c, StrBuf *b, int i) {
  if (i == 0) {
    strbuf_append(b, "$", 1);
    return;
  }
  int up = c->a[i].up;
  compute_path(c, b, up);
  if (c->a[up].node->type == J_ARRAY) {
    strbuf_appendf(b, "[%d]", c->a[up].ikey);
  } else {
    append_key(b, c->a[i].label ? c->a[i].node : c->a[i - 1].node);
  }
}

static void result_strbuf(mica_context *ctx, StrBuf *b) {
  if (b->err) {
    strbuf_reset(b);
    mica_result_error_nomem(ctx);
    return;
  }
  int64_t n = b->n;
  char *z = strbuf_finish(b);
  if (!z) {
    mica_result_error_nomem(ctx);
    return;
  }
  mica_result_text(ctx, z, (int)n, free);
}

static int jeach_column(mica_vtab_cursor *cur, mica_context *ctx, int col) {
  const JEachCursor *c = (const JEachCursor *)cur;
  const JFlat *t = &c->a[c->i];
  const JNode *v = t->label ? t[1].node : t->node;
  StrBuf b;
  switch (col) {
  case JC_KEY:
    if (c->i == 0) break;
    if (c->type == J_OBJECT) {
      json_result_node(ctx, t->node);
    } else if (c->type == J_ARRAY) {
      if (!c->recursive)
        mica_result_int64(ctx, c->rowid);
      else if (c->rowid != 0)
        mica_result_int64(ctx, c->a[t->up].ikey);
    }
    break;
  case JC_VALUE: json_result_node(ctx, v); break;
  case JC_TYPE: mica_result_text(ctx, type_names[v->type], -1, MICA_STATIC); break;
  case JC_ATOM:
    if (v->type != J_ARRAY && v->type != J_OBJECT) json_result_node(ctx, v);
    break;
  case JC_ID: mica_result_int64(ctx, c->i + (t->label ? 1 : 0)); break;
  case JC_PARENT:
    if (c->i > c->begin && c->recursive) mica_result_int64(ctx, t->up);
    break;
  case JC_FULLKEY:
    strbuf_init(&b);
    if (c->recursive) {
      compute_path(c, &b, c->i);
    } else {
      strbuf_append(&b, c->root ? c->root : "$", -1);
      if (c->type == J_ARRAY)
        strbuf_appendf(&b, "[%lld]", (long long)c->rowid);
      else if (c->type == J_OBJECT)
        append_key(&b, t->node);
    }
    result_strbuf(ctx, &b);
    break;
  case JC_PATH:
    if (c->recursive) {
      strbuf_init(&b);
      compute_path(c, &b, t->up);
      result_strbuf(ctx, &b);
      break;
    }
    /* json_each: path is the root; fall through */
    /* fall through */
  case JC_ROOT: mica_result_text(ctx, c->root ? c->root : "$", -1, MICA_TRANSIENT); break;
  case JC_JSON: mica_result_text(ctx, c->json, -1, MICA_TRANSIENT); break;
  default: break;
  }
  return MICA_OK;
}

static int jeach_rowid(mica_vtab_cursor *cur, mica_int64 *rowid) {
  *rowid = ((const JEachCursor *)cur)->rowid;
  return MICA_OK;
}

static const mica_module jeach_module = {
    .version = 1,
    .connect = jeach_connect,
    .best_index = jeach_best_index,
    .disconnect = jeach_disconnect,
    .open = jeach_open,
    .close = jeach_close,
    .filter = jeach_filter,
    .next = jeach_next,
    .eof = jeach_eof,
    .column = jeach_column,
    .rowid = jeach_rowid,
};

int vtab_json_register(mica_db *db) {
  int rc = mica_create_module(db, "json_each", &jeach_module, NULL, NULL);
  if (rc == MICA_OK) /* aux: non-NULL for json_tree */
    rc = mica_create_module(db, "json_tree", &jeach_module, (void *)(intptr_t)1, NULL);
  return rc;
}
