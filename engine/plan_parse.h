/*
 * plan_parse.h: the executor's compact SQL parser (see plan_parse.c), producing plan_view.h structs.
 */
#ifndef MICA_PLAN_PARSE_H
#define MICA_PLAN_PARSE_H

#include "plan_view.h"

/* One parsed statement. stmt must stay the first member: the planner treats a PStmt * as an
 * XStmt *. */
typedef struct PStmt {
  XStmt stmt;
  Arena arena; /* every node of the statement */
  int start, end; /* byte span of the statement in the text */
  int nparam;
} PStmt;

/* Parses the first statement of sql[0..n). *out is NULL for an empty statement. On error returns
 * MICA_ERROR with *errmsg (malloc'd) and *erroff set. *tail points after the statement's ';'. */
int pp_parse(const char *sql, int n, PStmt **out, const char **tail, char **errmsg, int *erroff);
void pp_free(PStmt *ps);

#endif /* MICA_PLAN_PARSE_H */
