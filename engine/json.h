/*
 * json.h: the JSON parse tree of func_json.c, shared with json_each / json_tree (vtab_json.c).
 *
 * json_parse_text parses a whole JSON text (RFC 8259, depth limit 2000) into a tree of JNodes from the
 * JParse's arena; scalars point into the text, which must outlive the tree. Objects keep their members
 * as key, value, key, value... in kid[]. json_lookup finds the node a path ('$' then '.key', '."key"',
 * '[N]', '[#-N]' steps) names; json_result_node reports a node as an SQL value (containers as their
 * JSON text with the JSON subtype).
 */
#ifndef MICA_JSON_H
#define MICA_JSON_H

#include <stddef.h>
#include <stdint.h>

#include "mica.h"

enum { J_NULL, J_TRUE, J_FALSE, J_INT, J_REAL, J_STRING, J_ARRAY, J_OBJECT, J_SQL };

typedef struct JNode JNode;
struct JNode {
  uint8_t type;
  uint8_t esc;     /* J_STRING: contains backslash escapes */
  uint8_t rawkey;  /* J_STRING made from a path label: z is unquoted, render escaped */
  uint8_t removed; /* json_remove */
  uint8_t patched; /* json_patch replaced this member */
  const char *z;   /* raw text (J_STRING: with its quotes unless rawkey) */
  int n;
  int nkid, cap;
  JNode **kid;
  mica_value *sql; /* J_SQL */
  /* J_ARRAY: start indices in kid of the chunks appended by path lookups in this call (SQLite keeps
   * appended elements in separate node chunks, and its index walk depends on them; see lookup_step) */
  int *chunk;
  int nchunk, chunkcap;
};

/* Arena: every node and array of a call, freed at once. */
typedef struct JBlock {
  struct JBlock *next;
  size_t used, size;
  char data[];
} JBlock;

typedef struct JParse {
  JBlock *blocks;
  int oom;
  JNode *root;
} JParse;

/* Parses z (NUL-terminated) into p. Returns 1, or 0 with p freed (p->oom tells out-of-memory from a
 * syntax error). */
int json_parse_text(JParse *p, const char *z);
void json_parse_free(JParse *p);
/* The node path (after its '$') names under the root, or NULL; *err is set to where a syntax error
 * is. */
JNode *json_lookup(JParse *p, const char *path, const char **err);
/* The SQL value of x as the result of ctx. */
void json_result_node(mica_context *ctx, const JNode *x);

#endif /* MICA_JSON_H */
