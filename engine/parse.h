/*
 * parse.h: the SQL parser's entry points. The tokenizer is private to parse.c (one pass, on demand).
 *
 * parse_statement() parses the first statement of sql[0..n) (n < 0: NUL-terminated) in the given dialect
 * (MICA_DIALECT_SQLITE or MICA_DIALECT_POSTGRES from mica.h; the PostgreSQL extensions are accepted
 * only in the latter). On success it returns MICA_OK, sets *out to the statement (NULL when only
 * whitespace, comments or ';' remained) and *tail just past the statement and its ';'. The caller owns
 * *out and releases it with ast_free().
 * On a syntax error it returns MICA_ERROR (MICA_NOMEM / MICA_TOOBIG for the limits), *out = NULL,
 * *errmsg = a message worded as SQLite words it ("near \"FROM\": syntax error", "incomplete input",
 * "unrecognized token: \"#\"") allocated with malloc (caller frees with free()), and *erroffset = the
 * byte offset of the offending token (-1 if none). *tail is then set past the erroneous statement's ';'
 * when one can be found.
 *
 * Limits (clear errors, never crashes): expression nesting depth 1000 ("Expression tree is too large
 * (maximum depth 1000)"), 500 compound SELECT terms ("too many terms in compound SELECT"), 2000 columns, 127
 * function arguments ("too many arguments on function f").
 */
#ifndef MICA_PARSE_H
#define MICA_PARSE_H

#include "ast.h"

#define PARSE_MAX_EXPR_DEPTH 1000
#define PARSE_MAX_COMPOUND 500
#define PARSE_MAX_COLUMNS 2000
#define PARSE_MAX_FUNCTION_ARGS 127 /* SQLITE_MAX_FUNCTION_ARG: "too many arguments on function f" */

/* Or'ed into parse_statement's dialect: record every name's token (Stmt.namepos, ast.h). */
#define PARSE_NAME_POSITIONS 0x100

int parse_statement(const char *sql, int n, int dialect, Stmt **out, const char **tail, char **errmsg,
                    int *erroffset);

/* 1 if sql holds one or more complete statements (ends with ';' outside strings, comments and
 * trigger bodies), 0 otherwise: sqlite3_complete's contract. */
int parse_complete(const char *sql);

/* Finds the next parameter token (? ?NNN :a @a $a) of sql[0..n) at or after byte pos, outside strings,
 * identifiers and comments. Returns 1 and sets *off and *len, or 0 when there is none. */
int parse_next_param(const char *sql, int n, int pos, int *off, int *len);

#endif /* MICA_PARSE_H */
