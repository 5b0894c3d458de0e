/*
 * func_json.c: the JSON functions of SQLite 3.40 (json1): json, json_array, json_array_length,
 * json_extract, -> and ->>, json_insert, json_object, json_patch, json_remove, json_replace,
 * json_set, json_type, json_valid, json_quote, json_group_array, json_group_object.
 * json_each and json_tree (vtab_json.c) read the parse tree through json.h.
 *
 * MODEL. A JSON argument is parsed (RFC 8259, no JSON5; depth limit 2000; anything else is
 * "malformed JSON") into a tree of JNodes allocated from a per-call arena. Scalars keep pointers
 * to their raw text inside the argument, so json() and the editing functions re-emit numbers and
 * strings exactly as written (escapes included), as SQLite does. Objects and arrays keep their
 * members in order (objects as key, value, key, value...; duplicate keys are kept, lookups find
 * the first).
 *
 * Edits follow SQLite's node-flag semantics with tree operations: json_set/json_insert/json_replace
 * substitute a J_SQL node holding the SQL value (rendered with SQL-to-JSON rules; text with the
 * JSON subtype is inserted verbatim; such a node is opaque to later paths of the same call);
 * json_remove marks nodes removed (skipped by rendering and by array indexing, still found by key);
 * a path that does not exist is created by set/insert only through ".key" and "[0]"/"[#]" steps.
 * Setting the root ('$') returns the SQL value itself.
 *
 * SQL values become JSON as: NULL null, integers and reals as their text (reals "%!0.15g"), text
 * quoted and escaped (unless it carries the JSON subtype 'J' from another JSON function), blobs an
 * error. JSON becomes SQL as: null NULL, true 1, false 0, numbers integer or real (integers beyond
 * int64 become reals), strings unescaped text, arrays and objects their JSON text (subtype 'J').
 *
 * Paths: '$' followed by steps '.key', '."key"', '[N]', '[#]', '[#-N]'. The -> and ->> operators
 * also take 'key', 'N' (an integer) and '[N]' for '$.key' and '$[N]'.
 */
#include <stdlib.h>
#include <string.h>

#include "func.h"
#include "json.h"
#include "printf.h"
#include "utf8.h"

#define JSON_SUBTYPE 'J'
#define JSON_MAX_DEPTH 2000

static void *jalloc(JParse *p, size_t n) {
  n = (n + 15) & ~(size_t)15;
  if (!p->blocks || p->blocks->used + n > p->blocks->size) {
    size_t sz = n > 8000 ? n : 8000;
    JBlock *b = malloc(sizeof(JBlock) + sz);
    if (!b) {
      p->oom = 1;
      return NULL;
    }
    b->next = p->blocks;
    b->used = 0;
    b->size = sz;
    p->blocks = b;
  }
  void *r = p->blocks->data + p->blocks->used;
  p->blocks->used += n;
  return r;
}

static void jparse_free(JParse *p) {
  while (p->blocks) {
    JBlock *b = p->blocks->next;
    free(p->blocks);
    p->blocks = b;
  }
}

static JNode *jnode(JParse *p, int type, const char *z, int n) {
  JNode *x = jalloc(p, sizeof *x);
  if (!x) return NULL;
  memset(x, 0, sizeof *x);
  x->type = (uint8_t)type;
  x->z = z;
  x->n = n;
  return x;
}

static int jadd(JParse *p, JNode *parent, JNode *kid) {
  if (!kid) return 0;
  if (parent->nkid == parent->cap) {
    int cap = parent->cap ? parent->cap * 2 : 4;
    JNode **k = jalloc(p, sizeof(JNode *) * (size_t)cap);
    if (!k) return 0;
    if (parent->nkid) memcpy(k, parent->kid, sizeof(JNode *) * (size_t)parent->nkid);
    parent->kid = k;
    parent->cap = cap;
  }
  parent->kid[parent->nkid++] = kid;
  return 1;
}

/* ------------------------------------------------------------------ parsing */

static int is_ws(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }
static int is_hex(char c) { return (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'f'); }
static int is_alnum(char c) { return (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z'); }

/* Parses one value at z[*i]; returns it or NULL (syntax error or out of memory). */
static JNode *parse_value(JParse *p, const char *z, int *pi, int depth) {
  int i = *pi;
  while (is_ws(z[i]))
    i++;
  char c = z[i];
  JNode *x = NULL;
  if (depth > JSON_MAX_DEPTH) return NULL;
  /* SQLite counts a level for parsing a container's contents, even an empty one's */
  if ((c == '{' || c == '[') && depth >= JSON_MAX_DEPTH) return NULL;
  if (c == '{') {
    x = jnode(p, J_OBJECT, NULL, 0);
    if (!x) return NULL;
    i++;
    for (;;) {
      while (is_ws(z[i]))
        i++;
      if (z[i] == '}' && x->nkid == 0) {
        i++;
        break;
      }
      int j = i;
      JNode *k = parse_value(p, z, &j, depth + 1);
      if (!k || k->type != J_STRING) return NULL;
      if (!jadd(p, x, k)) return NULL;
      i = j;
      while (is_ws(z[i]))
        i++;
      if (z[i] != ':') return NULL;
      i++;
      JNode *v = parse_value(p, z, &i, depth + 1);
      if (!v || !jadd(p, x, v)) return NULL;
      while (is_ws(z[i]))
        i++;
      if (z[i] == ',') {
        i++;
        continue;
      }
      if (z[i] != '}') return NULL;
      i++;
      break;
    }
  } else if (c == '[') {
    x = jnode(p, J_ARRAY, NULL, 0);
    if (!x) return NULL;
    i++;
    for (;;) {
      while (is_ws(z[i]))
        i++;
      if (z[i] == ']' && x->nkid == 0) {
        i++;
        break;
      }
      JNode *v = parse_value(p, z, &i, depth + 1);
      if (!v || !jadd(p, x, v)) return NULL;
      while (is_ws(z[i]))
        i++;
      if (z[i] == ',') {
        i++;
        continue;
      }
      if (z[i] != ']') return NULL;
      i++;
      break;
    }
  } else if (c == '"') {
    int j = i + 1, esc = 0;
    for (;;) {
      unsigned char ch = (unsigned char)z[j];
      if ((ch & ~0x1f) == 0) return NULL; /* control characters and the end of text */
      if (ch == '\\') {
        ch = (unsigned char)z[++j];
        if (ch == '"' || ch == '\\' || ch == '/' || ch == 'b' || ch == 'f' || ch == 'n' || ch == 'r' ||
            ch == 't' ||
            (ch == 'u' && is_hex(z[j + 1]) && is_hex(z[j + 2]) && is_hex(z[j + 3]) && is_hex(z[j + 4])))
          esc = 1;
        else
          return NULL;
      } else if (ch == '"') {
        break;
      }
      j++;
    }
    x = jnode(p, J_STRING, z + i, j + 1 - i);
    if (!x) return NULL;
    x->esc = (uint8_t)esc;
    i = j + 1;
  } else if (c == 'n' && strncmp(z + i, "null", 4) == 0 && !is_alnum(z[i + 4])) {
    x = jnode(p, J_NULL, z + i, 4);
    i += 4;
  } else if (c == 't' && strncmp(z + i, "true", 4) == 0 && !is_alnum(z[i + 4])) {
    x = jnode(p, J_TRUE, z + i, 4);
    i += 4;
  } else if (c == 'f' && strncmp(z + i, "false", 5) == 0 && !is_alnum(z[i + 5])) {
    x = jnode(p, J_FALSE, z + i, 5);
    i += 5;
  } else if (c == '-' || (c >= '0' && c <= '9')) {
    int seen_dp = 0, seen_e = 0, j;
    if (c <= '0') {
      j = c == '-' ? i + 1 : i;
      if (z[j] == '0' && z[j + 1] >= '0' && z[j + 1] <= '9') return NULL;
    }
    for (j = i + 1;; j++) {
      c = z[j];
      if (c >= '0' && c <= '9') continue;
      if (c == '.') {
        if (z[j - 1] == '-' || seen_dp) return NULL;
        seen_dp = 1;
        continue;
      }
      if (c == 'e' || c == 'E') {
        if (z[j - 1] < '0' || seen_e) return NULL;
        seen_dp = seen_e = 1;
        c = z[j + 1];
        if (c == '+' || c == '-') {
          j++;
          c = z[j + 1];
        }
        if (c < '0' || c > '9') return NULL;
        continue;
      }
      break;
    }
    if (z[j - 1] < '0') return NULL;
    x = jnode(p, seen_dp ? J_REAL : J_INT, z + i, j - i);
    i = j;
  } else {
    return NULL;
  }
  *pi = i;
  return x;
}

int json_parse_text(JParse *p, const char *z) {
  memset(p, 0, sizeof *p);
  int i = 0;
  p->root = parse_value(p, z, &i, 0);
  if (p->root) {
    while (is_ws(z[i]))
      i++;
    if (z[i]) p->root = NULL;
  }
  if (!p->root) {
    int oom = p->oom;
    jparse_free(p);
    p->oom = oom;
    return 0;
  }
  return 1;
}

void json_parse_free(JParse *p) { jparse_free(p); }

/* Parses JSON argument v into p. Returns 1 on success; 0 with the result left NULL (SQL NULL) or an
 * error set ("malformed JSON", out of memory). */
static int jparse(mica_context *ctx, JParse *p, mica_value *v) {
  memset(p, 0, sizeof *p);
  if (v->type == VAL_NULL) return 0;
  const char *z = value_as_text(v, NULL);
  if (!z) {
    mica_result_error_nomem(ctx);
    return 0;
  }
  if (!json_parse_text(p, z)) {
    if (p->oom)
      mica_result_error_nomem(ctx);
    else
      func_error(ctx, "malformed JSON");
    return 0;
  }
  return 1;
}

/* ------------------------------------------------------------------ rendering */

static void append_string(StrBuf *b, const char *z, int n) {
  static const char special[32] = {0, 0, 0, 0, 0, 0, 0, 0, 'b', 't', 'n', 0, 'f', 'r', 0, 0};
  strbuf_appendc(b, '"', 1);
  int last = 0;
  for (int i = 0; i < n; i++) {
    unsigned char c = (unsigned char)z[i];
    if (c != '"' && c != '\\' && c > 0x1f) continue;
    strbuf_append(b, z + last, i - last);
    last = i + 1;
    if (c == '"' || c == '\\') {
      char e[2] = {'\\', (char)c};
      strbuf_append(b, e, 2);
    } else if (special[c]) {
      char e[2] = {'\\', special[c]};
      strbuf_append(b, e, 2);
    } else {
      char e[6] = {'\\', 'u', '0', '0', (char)('0' + (c >> 4)), "0123456789abcdef"[c & 15]};
      strbuf_append(b, e, 6);
    }
  }
  strbuf_append(b, z + last, n - last);
  strbuf_appendc(b, '"', 1);
}

/* Appends SQL value v as JSON. Returns 0 (error set on ctx) for a blob. */
static int append_value(mica_context *ctx, StrBuf *b, mica_value *v) {
  switch (v->type) {
  case VAL_NULL: strbuf_append(b, "null", 4); return 1;
  case VAL_INT: strbuf_appendf(b, "%lld", (long long)v->u.i); return 1;
  case VAL_REAL: strbuf_appendf(b, "%!0.15g", v->u.r); return 1;
  case VAL_TEXT: {
    int n;
    const char *z = value_as_text(v, &n);
    if (!z) {
      b->err = MICA_NOMEM;
      return 1;
    }
    if (v->subtype == JSON_SUBTYPE)
      strbuf_append(b, z, n);
    else
      append_string(b, z, n);
    return 1;
  }
  default: func_error(ctx, "JSON cannot hold BLOB values"); return 0;
  }
}

static int render(mica_context *ctx, StrBuf *b, const JNode *x) {
  switch (x->type) {
  case J_SQL: return append_value(ctx, b, x->sql);
  case J_STRING:
    if (x->rawkey)
      append_string(b, x->z, x->n);
    else
      strbuf_append(b, x->z, x->n);
    return 1;
  case J_ARRAY: {
    int first = 1;
    strbuf_appendc(b, '[', 1);
    for (int i = 0; i < x->nkid; i++) {
      if (x->kid[i]->removed) continue;
      if (!first) strbuf_appendc(b, ',', 1);
      first = 0;
      if (!render(ctx, b, x->kid[i])) return 0;
    }
    strbuf_appendc(b, ']', 1);
    return 1;
  }
  case J_OBJECT: {
    int first = 1;
    strbuf_appendc(b, '{', 1);
    for (int i = 0; i + 1 < x->nkid; i += 2) {
      if (x->kid[i + 1]->removed) continue;
      if (!first) strbuf_appendc(b, ',', 1);
      first = 0;
      render(ctx, b, x->kid[i]);
      strbuf_appendc(b, ':', 1);
      if (!render(ctx, b, x->kid[i + 1])) return 0;
    }
    strbuf_appendc(b, '}', 1);
    return 1;
  }
  default: strbuf_append(b, x->z, x->n); return 1;
  }
}

/* Sets the StrBuf's text as the (JSON-subtyped) result and frees it. */
static void result_strbuf(mica_context *ctx, StrBuf *b, int json) {
  if (b->err) {
    if (b->err == MICA_TOOBIG)
      mica_result_error_toobig(ctx);
    else
      mica_result_error_nomem(ctx);
    strbuf_reset(b);
    return;
  }
  int64_t n = b->n;
  func_result_owned_text(ctx, strbuf_finish(b), n);
  if (json && !ctx->is_error) mica_result_subtype(ctx, JSON_SUBTYPE);
}

static void result_json_node(mica_context *ctx, const JNode *x) {
  StrBuf b;
  strbuf_init(&b);
  if (!render(ctx, &b, x)) {
    strbuf_reset(&b);
    return;
  }
  result_strbuf(ctx, &b, 1);
}

/* The SQL value of node x. */
static void result_sql_node(mica_context *ctx, const JNode *x) {
  switch (x->type) {
  case J_NULL: mica_result_null(ctx); break;
  case J_TRUE: mica_result_int(ctx, 1); break;
  case J_FALSE: mica_result_int(ctx, 0); break;
  case J_INT: {
    int64_t i = 0;
    const char *z = x->z;
    int k = z[0] == '-';
    int big = 0;
    for (; k < x->n && z[k] >= '0' && z[k] <= '9'; k++) {
      unsigned v = (unsigned)(z[k] - '0');
      if (i >= INT64_MAX / 10) {
        if (i > INT64_MAX / 10 || (k + 1 < x->n && z[k + 1] >= '0' && z[k + 1] <= '9') || v == 9) {
          big = 1;
          break;
        }
        if (v == 8) {
          if (z[0] == '-') {
            mica_result_int64(ctx, INT64_MIN);
            return;
          }
          big = 1;
          break;
        }
      }
      i = i * 10 + v;
    }
    if (!big) {
      mica_result_int64(ctx, z[0] == '-' ? -i : i);
      break;
    }
  }
    /* fall through */
  case J_REAL: {
    Value t;
    value_init(&t);
    value_set_text(&t, x->z, x->n, VAL_STATIC);
    mica_result_double(ctx, value_as_real(&t));
    break;
  }
  case J_STRING: {
    if (x->rawkey) {
      mica_result_text(ctx, x->z, x->n, MICA_TRANSIENT);
      break;
    }
    const char *z = x->z;
    int n = x->n;
    if (!x->esc) {
      mica_result_text(ctx, z + 1, n - 2, MICA_TRANSIENT);
      break;
    }
    char *out = malloc((size_t)n + 1);
    if (!out) {
      mica_result_error_nomem(ctx);
      return;
    }
    int j = 0;
    for (int i = 1; i < n - 1; i++) {
      char c = z[i];
      if (c != '\\') {
        out[j++] = c;
        continue;
      }
      c = z[++i];
      if (c == 'u') {
        uint32_t v = (uint32_t)strtoul((char[5]){z[i + 1], z[i + 2], z[i + 3], z[i + 4], 0}, NULL, 16);
        i += 4;
        if (v == 0) break;
        if ((v & 0xfc00) == 0xd800 && i < n - 6 && z[i + 1] == '\\' && z[i + 2] == 'u') {
          uint32_t lo = (uint32_t)strtoul((char[5]){z[i + 3], z[i + 4], z[i + 5], z[i + 6], 0}, NULL, 16);
          if ((lo & 0xfc00) == 0xdc00) {
            v = ((v & 0x3ff) << 10) + (lo & 0x3ff) + 0x10000;
            i += 6;
            j += utf8_write(v, (unsigned char *)out + j);
            continue;
          }
        }
        if (v <= 0x7f) {
          out[j++] = (char)v;
        } else if (v <= 0x7ff) {
          out[j++] = (char)(0xc0 | (v >> 6));
          out[j++] = (char)(0x80 | (v & 0x3f));
        } else {
          out[j++] = (char)(0xe0 | (v >> 12));
          out[j++] = (char)(0x80 | ((v >> 6) & 0x3f));
          out[j++] = (char)(0x80 | (v & 0x3f));
        }
      } else {
        out[j++] = c == 'b'   ? '\b'
                   : c == 'f' ? '\f'
                   : c == 'n' ? '\n'
                   : c == 'r' ? '\r'
                   : c == 't' ? '\t'
                              : c;
      }
    }
    out[j] = 0;
    func_result_owned_text(ctx, out, j);
    break;
  }
  case J_SQL: mica_result_value(ctx, x->sql); break;
  default: result_json_node(ctx, x); break;
  }
}

/* ------------------------------------------------------------------ paths */

static int label_eq(const JNode *k, const char *key, int nkey) {
  if (k->rawkey) return k->n == nkey && memcmp(k->z, key, (size_t)nkey) == 0;
  return k->n - 2 == nkey && memcmp(k->z + 1, key, (size_t)nkey) == 0;
}

static JNode **lookup_step(JParse *p, JNode **slot, const char *path, int *apnd, const char **err);

/* Creates what the rest of the path needs under a missing member (SQLite: only ".key" and "[0]"
 * steps can be created). Returns the slot of the new leaf (a null placeholder) or NULL. */
static JNode **lookup_append(JParse *p, JNode **slot, const char *path, int *apnd, const char **err) {
  *apnd = 1;
  if (path[0] == 0) {
    *slot = jnode(p, J_NULL, "null", 4);
    return *slot ? slot : NULL;
  }
  if (path[0] == '.')
    *slot = jnode(p, J_OBJECT, NULL, 0);
  else if (strncmp(path, "[0]", 3) == 0)
    *slot = jnode(p, J_ARRAY, NULL, 0);
  else
    return NULL;
  if (!*slot) return NULL;
  return lookup_step(p, slot, path, apnd, err);
}

static JNode **lookup_step(JParse *p, JNode **slot, const char *path, int *apnd, const char **err) {
  JNode *root = *slot;
  if (path[0] == 0) return slot;
  if (root->type == J_SQL) return NULL;
  if (path[0] == '.') {
    if (root->type != J_OBJECT) return NULL;
    path++;
    const char *key;
    int nkey, i;
    if (path[0] == '"') {
      key = path + 1;
      for (i = 1; path[i] && path[i] != '"'; i++) {
      }
      nkey = i - 1;
      if (path[i]) {
        i++;
      } else {
        *err = path;
        return NULL;
      }
    } else {
      key = path;
      for (i = 0; path[i] && path[i] != '.' && path[i] != '['; i++) {
      }
      nkey = i;
      if (nkey == 0) {
        *err = path;
        return NULL;
      }
    }
    for (int j = 0; j + 1 < root->nkid; j += 2)
      if (label_eq(root->kid[j], key, nkey)) return lookup_step(p, &root->kid[j + 1], path + i, apnd, err);
    if (apnd) {
      JNode *holder = NULL;
      JNode **leaf = lookup_append(p, &holder, path + i, apnd, err);
      if (leaf && holder) {
        char *kz = jalloc(p, (size_t)nkey + 1);
        JNode *k = kz ? jnode(p, J_STRING, kz, nkey) : NULL;
        if (!k) return NULL;
        memcpy(kz, key, (size_t)nkey);
        k->rawkey = 1;
        if (!jadd(p, root, k) || !jadd(p, root, holder)) return NULL;
        /* the leaf slot may have been &holder: it now lives in root->kid */
        if (leaf == &holder) leaf = &root->kid[root->nkid - 1];
      }
      return leaf;
    }
    return NULL;
  }
  if (path[0] == '[') {
    unsigned idx = 0;
    int j = 1;
    while (path[j] >= '0' && path[j] <= '9') {
      idx = idx * 10 + (unsigned)(path[j] - '0');
      j++;
    }
    int live = 0;
    if (root->type == J_ARRAY)
      for (int k = 0; k < root->nkid; k++)
        live += !root->kid[k]->removed;
    if (j < 2 || path[j] != ']') {
      if (path[1] == '#') {
        if (root->type != J_ARRAY) return NULL;
        idx = (unsigned)live;
        j = 2;
        if (path[2] == '-' && path[3] >= '0' && path[3] <= '9') {
          unsigned x = 0;
          j = 3;
          do {
            x = x * 10 + (unsigned)(path[j] - '0');
            j++;
          } while (path[j] >= '0' && path[j] <= '9');
          if (x > idx) return NULL;
          idx -= x;
        }
        if (path[j] != ']') {
          *err = path;
          return NULL;
        }
      } else {
        *err = path;
        return NULL;
      }
    }
    if (root->type != J_ARRAY) return NULL;
    path += j + 1;
    /* SQLite 3.40's walk: consume idx live elements chunk by chunk, but always move on to the next
     * appended chunk (restarting there) even when idx is already used up, so after an append in
     * the same call, existing indexes land in the last chunk. Without appends: plain indexing. */
    int c = 0, k = 0;
    for (;;) {
      int end = c < root->nchunk ? root->chunk[c] : root->nkid;
      while (k < end && (idx > 0 || root->kid[k]->removed)) {
        if (!root->kid[k]->removed) idx--;
        k++;
      }
      if (c >= root->nchunk) break;
      k = root->chunk[c]; /* next chunk */
      c++;
    }
    if (k < root->nkid) return lookup_step(p, &root->kid[k], path, apnd, err);
    if (idx == 0 && apnd) {
      JNode *holder = NULL;
      JNode **leaf = lookup_append(p, &holder, path, apnd, err);
      if (leaf && holder) {
        if (root->nchunk == root->chunkcap) {
          int cap = root->chunkcap ? root->chunkcap * 2 : 4;
          int *ch = jalloc(p, sizeof(int) * (size_t)cap);
          if (!ch) return NULL;
          if (root->nchunk) memcpy(ch, root->chunk, sizeof(int) * (size_t)root->nchunk);
          root->chunk = ch;
          root->chunkcap = cap;
        }
        root->chunk[root->nchunk++] = root->nkid;
        if (!jadd(p, root, holder)) return NULL;
        if (leaf == &holder) leaf = &root->kid[root->nkid - 1];
      }
      return leaf;
    }
    return NULL;
  }
  *err = path;
  return NULL;
}

/* Looks path up in p. NULL when absent; on a syntax error sets the error on ctx and *failed. With
 * apnd (not NULL), missing members are created and *apnd says so. */
static JNode **jlookup(mica_context *ctx, JParse *p, const char *path, int *apnd, int *failed) {
  const char *err = NULL;
  JNode **r = NULL;
  *failed = 0;
  if (!path) return NULL;
  if (path[0] != '$')
    err = path;
  else
    r = lookup_step(p, &p->root, path + 1, apnd, &err);
  if (p->oom) {
    mica_result_error_nomem(ctx);
    *failed = 1;
    return NULL;
  }
  if (err) {
    func_error(ctx, "JSON path error near '%q'", err);
    *failed = 1;
    return NULL;
  }
  return r;
}

JNode *json_lookup(JParse *p, const char *path, const char **err) {
  *err = NULL;
  JNode **r = lookup_step(p, &p->root, path, NULL, err);
  return r && !*err ? *r : NULL;
}

void json_result_node(mica_context *ctx, const JNode *x) { result_sql_node(ctx, x); }

/* Text of argument v for a path (NULL for SQL NULL). */
static const char *path_arg(mica_value *v) { return v->type == VAL_NULL ? NULL : value_as_text(v, NULL); }

/* ------------------------------------------------------------------ scalar functions */

static void json_func(mica_context *ctx, int argc, mica_value **argv) {
  JParse p;
  if (!jparse(ctx, &p, argv[0])) return;
  result_json_node(ctx, p.root);
  jparse_free(&p);
}

static void json_valid_func(mica_context *ctx, int argc, mica_value **argv) {
  if (argv[0]->type == VAL_NULL) { /* SQLite 3.40: json_valid(NULL) is 0 */
    mica_result_int(ctx, 0);
    return;
  }
  JParse p;
  memset(&p, 0, sizeof p);
  const char *z = value_as_text(argv[0], NULL);
  if (!z) {
    mica_result_error_nomem(ctx);
    return;
  }
  int i = 0;
  JNode *r = parse_value(&p, z, &i, 0);
  if (r)
    while (is_ws(z[i]))
      i++;
  int oom = p.oom;
  jparse_free(&p);
  if (oom) {
    mica_result_error_nomem(ctx);
    return;
  }
  mica_result_int(ctx, r && !z[i]);
}

static void json_quote_func(mica_context *ctx, int argc, mica_value **argv) {
  StrBuf b;
  strbuf_init(&b);
  if (!append_value(ctx, &b, argv[0])) {
    strbuf_reset(&b);
    return;
  }
  result_strbuf(ctx, &b, 1);
}

static void json_array_func(mica_context *ctx, int argc, mica_value **argv) {
  StrBuf b;
  strbuf_init(&b);
  strbuf_appendc(&b, '[', 1);
  for (int i = 0; i < argc; i++) {
    if (i) strbuf_appendc(&b, ',', 1);
    if (!append_value(ctx, &b, argv[i])) {
      strbuf_reset(&b);
      return;
    }
  }
  strbuf_appendc(&b, ']', 1);
  result_strbuf(ctx, &b, 1);
}

static void json_object_func(mica_context *ctx, int argc, mica_value **argv) {
  if (argc & 1) {
    func_error(ctx, "json_object() requires an even number of arguments");
    return;
  }
  StrBuf b;
  strbuf_init(&b);
  strbuf_appendc(&b, '{', 1);
  for (int i = 0; i < argc; i += 2) {
    if (argv[i]->type != VAL_TEXT) {
      func_error(ctx, "json_object() labels must be TEXT");
      strbuf_reset(&b);
      return;
    }
    if (i) strbuf_appendc(&b, ',', 1);
    int n;
    const char *z = value_as_text(argv[i], &n);
    if (!z) {
      strbuf_reset(&b);
      mica_result_error_nomem(ctx);
      return;
    }
    append_string(&b, z, (int)strlen(z));
    strbuf_appendc(&b, ':', 1);
    append_value(ctx, &b, argv[i + 1]); /* a blob error does not stop the label checks (SQLite) */
  }
  if (ctx->is_error) {
    strbuf_reset(&b);
    return;
  }
  strbuf_appendc(&b, '}', 1);
  result_strbuf(ctx, &b, 1);
}

static void json_array_length_func(mica_context *ctx, int argc, mica_value **argv) {
  JParse p;
  if (!jparse(ctx, &p, argv[0])) return;
  JNode *x = p.root;
  if (argc == 2) {
    int failed;
    JNode **s = jlookup(ctx, &p, path_arg(argv[1]), NULL, &failed);
    x = s ? *s : NULL;
  }
  if (x) {
    int64_t n = 0;
    if (x->type == J_ARRAY)
      for (int i = 0; i < x->nkid; i++)
        n += !x->kid[i]->removed;
    mica_result_int64(ctx, n);
  }
  jparse_free(&p);
}

static void json_type_func(mica_context *ctx, int argc, mica_value **argv) {
  static const char *names[] = {"null", "true", "false", "integer", "real", "text", "array", "object"};
  JParse p;
  if (!jparse(ctx, &p, argv[0])) return;
  JNode *x = p.root;
  if (argc == 2) {
    int failed;
    JNode **s = jlookup(ctx, &p, path_arg(argv[1]), NULL, &failed);
    x = s ? *s : NULL;
  }
  if (x && x->type < J_SQL) mica_result_text(ctx, names[x->type], -1, MICA_STATIC);
  jparse_free(&p);
}

/* json_extract (userdata 0), -> (1: JSON result), ->> (2: SQL result). */
static void json_extract_func(mica_context *ctx, int argc, mica_value **argv) {
  int mode = (int)(intptr_t)mica_user_data(ctx);
  if (argc < 2) return;
  JParse p;
  if (!jparse(ctx, &p, argv[0])) return;
  int failed = 0;
  if (argc == 2) {
    const char *path = path_arg(argv[1]);
    if (!path) {
      jparse_free(&p);
      return;
    }
    JNode **s;
    if (mode && path[0] != '$') {
      /* abbreviated: NUMBER -> $[NUMBER], LABEL -> $.LABEL, [NUMBER] -> $[NUMBER] */
      char *full = path[0] >= '0' && path[0] <= '9' ? mica_mprintf("$[%s]", path)
                                                    : mica_mprintf("$%s%s", path[0] == '[' ? "" : ".", path);
      if (!full) {
        mica_result_error_nomem(ctx);
        jparse_free(&p);
        return;
      }
      s = jlookup(ctx, &p, full, NULL, &failed);
      free(full);
    } else {
      s = jlookup(ctx, &p, path, NULL, &failed);
    }
    if (s && !failed) {
      if (mode == 1)
        result_json_node(ctx, *s);
      else {
        result_sql_node(ctx, *s);
        if (mode == 2 && !ctx->is_error) ctx->out->subtype = 0;
      }
    }
  } else {
    StrBuf b;
    strbuf_init(&b);
    strbuf_appendc(&b, '[', 1);
    int i;
    for (i = 1; i < argc; i++) {
      JNode **s = jlookup(ctx, &p, path_arg(argv[i]), NULL, &failed);
      if (failed) break;
      if (i > 1) strbuf_appendc(&b, ',', 1);
      if (s)
        render(ctx, &b, *s);
      else
        strbuf_append(&b, "null", 4);
    }
    if (i == argc) {
      strbuf_appendc(&b, ']', 1);
      result_strbuf(ctx, &b, 1);
    } else {
      strbuf_reset(&b);
    }
  }
  jparse_free(&p);
}

/* json_set (userdata 0), json_insert (1), json_replace (2). */
static void json_edit_func(mica_context *ctx, int argc, mica_value **argv) {
  static const char *names[] = {"set", "insert", "replace"};
  int mode = (int)(intptr_t)mica_user_data(ctx);
  if (argc < 1) return;
  if ((argc & 1) == 0) {
    func_error(ctx, "json_%s() needs an odd number of arguments", names[mode]);
    return;
  }
  JParse p;
  if (!jparse(ctx, &p, argv[0])) return;
  for (int i = 1; i < argc; i += 2) {
    int apnd = 0, failed;
    JNode **s = jlookup(ctx, &p, path_arg(argv[i]), mode == 2 ? NULL : &apnd, &failed);
    if (failed) {
      jparse_free(&p);
      return;
    }
    if (s && (apnd || mode != 1)) {
      JNode *x = jnode(&p, J_SQL, NULL, 0);
      if (!x) {
        mica_result_error_nomem(ctx);
        jparse_free(&p);
        return;
      }
      x->sql = argv[i + 1];
      *s = x;
    }
  }
  if (p.root->type == J_SQL)
    mica_result_value(ctx, p.root->sql);
  else
    result_json_node(ctx, p.root);
  jparse_free(&p);
}

static void json_remove_func(mica_context *ctx, int argc, mica_value **argv) {
  if (argc < 1) return;
  JParse p;
  if (!jparse(ctx, &p, argv[0])) return;
  for (int i = 1; i < argc; i++) {
    const char *path = path_arg(argv[i]);
    if (!path) {
      jparse_free(&p);
      return;
    }
    int failed;
    JNode **s = jlookup(ctx, &p, path, NULL, &failed);
    if (failed) {
      jparse_free(&p);
      return;
    }
    if (s) (*s)->removed = 1;
  }
  if (!p.root->removed) result_json_node(ctx, p.root);
  jparse_free(&p);
}

static void remove_all_nulls(JNode *x) {
  for (int i = 1; i < x->nkid; i += 2) {
    JNode *v = x->kid[i];
    if (v->type == J_NULL)
      v->removed = 1;
    else if (v->type == J_OBJECT)
      remove_all_nulls(v);
  }
}

/* RFC 7396 merge of patch into *target (SQLite's algorithm: only the first member with a key is
 * patched, keys compared as written). Returns the node that replaces *target. */
static JNode *merge_patch(JParse *p, JNode *target, JNode *patch) {
  if (patch->type != J_OBJECT) return patch;
  if (target->type != J_OBJECT) {
    remove_all_nulls(patch);
    return patch;
  }
  int norig = target->nkid; /* members appended below are not searched again, as in SQLite */
  for (int i = 0; i + 1 < patch->nkid; i += 2) {
    JNode *pk = patch->kid[i], *pv = patch->kid[i + 1];
    int j;
    for (j = 0; j + 1 < norig; j += 2) {
      JNode *tk = target->kid[j];
      if (tk->n == pk->n && tk->rawkey == pk->rawkey && memcmp(tk->z, pk->z, (size_t)pk->n) == 0) {
        JNode *tv = target->kid[j + 1];
        if (tv->removed || tv->patched) break;
        if (pv->type == J_NULL) {
          tv->removed = 1;
        } else {
          JNode *nv = merge_patch(p, tv, pv);
          if (!nv) return NULL;
          if (nv != tv) {
            nv->patched = 1;
            target->kid[j + 1] = nv;
          }
        }
        break;
      }
    }
    if (j + 1 >= norig && pv->type != J_NULL) {
      remove_all_nulls(patch);
      if (!jadd(p, target, pk) || !jadd(p, target, pv)) return NULL;
    }
  }
  return target;
}

static void json_patch_func(mica_context *ctx, int argc, mica_value **argv) {
  JParse t, pa;
  if (!jparse(ctx, &t, argv[0])) return;
  if (!jparse(ctx, &pa, argv[1])) {
    jparse_free(&t);
    return;
  }
  JNode *r = merge_patch(&t, t.root, pa.root);
  if (!r)
    mica_result_error_nomem(ctx);
  else
    result_json_node(ctx, r);
  jparse_free(&t);
  jparse_free(&pa);
}

/* ------------------------------------------------------------------ aggregates */

typedef struct JGroup {
  StrBuf b; /* "[" or "{" followed by the elements so far */
  int started;
} JGroup;

static void jgroup_start(JGroup *g, char open) {
  if (!g->started) {
    strbuf_init(&g->b);
    strbuf_appendc(&g->b, open, 1);
    g->started = 1;
  } else if (g->b.n > 1) {
    strbuf_appendc(&g->b, ',', 1);
  }
}

static void json_group_array_step(mica_context *ctx, int argc, mica_value **argv) {
  JGroup *g = mica_aggregate_context(ctx, sizeof *g);
  if (!g) return;
  jgroup_start(g, '[');
  append_value(ctx, &g->b, argv[0]);
}

static void json_group_object_step(mica_context *ctx, int argc, mica_value **argv) {
  JGroup *g = mica_aggregate_context(ctx, sizeof *g);
  if (!g) return;
  jgroup_start(g, '{');
  const char *z = argv[0]->type == VAL_NULL ? NULL : value_as_text(argv[0], NULL);
  if (z) append_string(&g->b, z, (int)strlen(z));
  strbuf_appendc(&g->b, ':', 1);
  append_value(ctx, &g->b, argv[1]);
}

/* Removes the first element (up to the first top-level comma), as SQLite does. */
static void json_group_inverse(mica_context *ctx, int argc, mica_value **argv) {
  JGroup *g = mica_aggregate_context(ctx, 0);
  if (!g || !g->started) return;
  char *z = g->b.z;
  int64_t i;
  int in_str = 0, nest = 0;
  char c;
  for (i = 1; i < g->b.n && ((c = z[i]) != ',' || in_str || nest); i++) {
    if (c == '"')
      in_str = !in_str;
    else if (c == '\\')
      i++;
    else if (!in_str) {
      if (c == '{' || c == '[') nest++;
      if (c == '}' || c == ']') nest--;
    }
  }
  if (i < g->b.n) {
    g->b.n -= i;
    memmove(&z[1], &z[i + 1], (size_t)g->b.n - 1);
    z[g->b.n] = 0;
  } else {
    g->b.n = 1;
    z[1] = 0;
  }
}

/* userdata: ']' or '}' */
static void json_group_value(mica_context *ctx) {
  char close = (char)(intptr_t)mica_user_data(ctx);
  JGroup *g = mica_aggregate_context(ctx, 0);
  if (!g || !g->started) {
    mica_result_text(ctx, close == ']' ? "[]" : "{}", 2, MICA_STATIC);
    mica_result_subtype(ctx, JSON_SUBTYPE);
    return;
  }
  if (g->b.err) {
    mica_result_error_nomem(ctx);
    return;
  }
  strbuf_appendc(&g->b, close, 1);
  mica_result_text(ctx, g->b.z, (int)g->b.n, MICA_TRANSIENT);
  mica_result_subtype(ctx, JSON_SUBTYPE);
  g->b.n--;
  g->b.z[g->b.n] = 0;
}

static void json_group_final(mica_context *ctx) {
  json_group_value(ctx);
  JGroup *g = mica_aggregate_context(ctx, 0);
  if (g && g->started) {
    strbuf_reset(&g->b);
    g->started = 0;
  }
}

/* ------------------------------------------------------------------ table */

#define DET MICA_DETERMINISTIC
#define JS(name, n, ud, fn)                                                                                  \
  { name, n, DET, ud, fn, NULL, NULL, NULL, NULL }

const FuncSpec func_json_specs[] = {
    JS("json", 1, 0, json_func),
    JS("json_valid", 1, 0, json_valid_func),
    JS("json_quote", 1, 0, json_quote_func),
    JS("json_array", -1, 0, json_array_func),
    JS("json_object", -1, 0, json_object_func),
    JS("json_array_length", 1, 0, json_array_length_func),
    JS("json_array_length", 2, 0, json_array_length_func),
    JS("json_type", 1, 0, json_type_func),
    JS("json_type", 2, 0, json_type_func),
    JS("json_extract", -1, 0, json_extract_func),
    JS("->", 2, 1, json_extract_func),
    JS("->>", 2, 2, json_extract_func),
    JS("json_set", -1, 0, json_edit_func),
    JS("json_insert", -1, 1, json_edit_func),
    JS("json_replace", -1, 2, json_edit_func),
    JS("json_remove", -1, 0, json_remove_func),
    JS("json_patch", 2, 0, json_patch_func),
    {"json_group_array", 1, DET, ']', NULL, json_group_array_step, json_group_final, json_group_value,
     json_group_inverse},
    {"json_group_object", 2, DET, '}', NULL, json_group_object_step, json_group_final, json_group_value,
     json_group_inverse},
};
const int func_json_nspecs = (int)(sizeof func_json_specs / sizeof func_json_specs[0]);
