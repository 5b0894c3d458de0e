/*
 * plan_view.h: the planner's uniform view of parse-tree nodes.
 *
 * The planner (plan.c) reads the parser's AST (ast.h) only through the small "view" structs below,
 * filled by the adapter functions at the end of plan.c (xv_expr, xv_select, xv_stmt...). This keeps
 * name resolution and planning independent of the AST's exact field layout: when ast.h changes, only
 * the adapter changes.
 *
 * Node pointers are opaque (const void *). Lists are arrays allocated in the compiling Prog's arena.
 */
#ifndef MICA_PLAN_VIEW_H
#define MICA_PLAN_VIEW_H

#include "exec.h"

typedef const void ANode;

enum {
  XK_NULL = 1,
  XK_INT,    /* lit */
  XK_REAL,   /* lit */
  XK_TEXT,   /* lit */
  XK_BLOB,   /* lit */
  XK_COLUMN, /* schema.table.name; quoted: double-quoted identifier */
  XK_PARAM,  /* param */
  XK_BINARY, /* binop: a, b */
  XK_AND,
  XK_OR,
  XK_NOT,
  XK_NEG,
  XK_POS,
  XK_BITNOT,
  XK_IS,       /* not: IS NOT (also IS [NOT] DISTINCT FROM with not inverted) */
  XK_ISNULL,   /* not: NOTNULL */
  XK_BETWEEN,  /* a BETWEEN b AND c; not */
  XK_INLIST,   /* a IN (list); not */
  XK_INSELECT, /* a IN (sel); not */
  XK_INTABLE,  /* a IN tablename (name); not */
  XK_EXISTS,   /* sel; not */
  XK_SUBQUERY, /* sel */
  XK_CASE,     /* a base or NULL; list: when, then pairs; c else */
  XK_CAST,     /* a AS name */
  XK_COLLATE,  /* a COLLATE name */
  XK_FUNC,     /* name(list); distinct; star; filter; over */
  XK_LIKE,     /* a LIKE b [ESCAPE c]; not; likeop: 0 LIKE, 1 GLOB, 2 REGEXP, 3 MATCH */
  XK_VECTOR,   /* (list) */
  XK_RAISE,    /* raise_type, name = message */
  XK_CURTIME,  /* name: "current_time" / "current_date" / "current_timestamp" */
  XK_JSONOP,   /* a -> b (name "->" or "->>") */
  XK_OTHER,
};

typedef struct XExpr {
  int kind;
  int off, end; /* byte span in the SQL text (end exclusive), -1 if unknown */
  ANode *a, *b, *c;
  int nlist;
  ANode **list;
  ANode *sel;
  const char *name;
  const char *table;
  const char *schema;
  int quoted;
  int not ;
  int distinct;
  int star;
  int binop;
  int likeop;
  int param;
  const char *param_name;
  ANode *filter;
  ANode *over;
  int raise_type; /* 0 IGNORE, 1 ROLLBACK, 2 ABORT, 3 FAIL */
  Value lit;      /* borrowed bytes */
  /* OVER (...) of a window function call */
  int named_window; /* OVER name: not supported */
  int npart;
  ANode **part;
  int nworder;
  struct XOrder *worder;
  int naorder; /* ORDER BY inside an aggregate call's argument list */
  struct XOrder *aorder;
  int frame_type;   /* 0 default, 1 ROWS, 2 RANGE, 3 GROUPS */
  int fstart, fend; /* 0 none, 1 UNBOUNDED PRECEDING, 2 n PRECEDING, 3 CURRENT ROW, 4 n FOLLOWING, 5 UNBOUNDED
                       FOLLOWING */
  ANode *fstart_expr, *fend_expr;
} XExpr;

typedef struct XResCol {
  ANode *expr; /* NULL for * or t.* */
  const char *alias;
  const char *star_table; /* t of t.*; NULL for plain * */
  int star;
  int off, end;
} XResCol;

enum { XJ_INNER = 0, XJ_LEFT = 1, XJ_RIGHT = 2, XJ_FULL = 3, XJ_CROSS = 4 };

typedef struct XFrom {
  const char *schema, *name, *alias;
  ANode *sel;         /* subquery */
  ANode *nested_from; /* parenthesised join: a select-like FROM list; unsupported if non-NULL */
  int is_func;        /* name(args): a table-valued function call */
  int nargs;          /* its arguments */
  ANode **args;
  int ncolalias; /* PostgreSQL: AS alias(col, ...) */
  const char **colalias;
  int jointype; /* join with the previous item */
  int natural;
  ANode *on;
  int nusing;
  const char **using_cols;
  const char *indexed_by;
  int not_indexed;
} XFrom;

typedef struct XOrder {
  ANode *expr;
  int desc;
  int nulls; /* 0 default, 1 NULLS LAST, 2 NULLS FIRST */
} XOrder;

typedef struct XCte {
  const char *name;
  int ncols;
  const char **cols;
  ANode *sel;
} XCte;

typedef struct XSelect {
  int cmp_op; /* CMP_* when compound: left, right */
  ANode *left, *right;
  int nvalues; /* VALUES rows (each an expression list) */
  int *values_n;
  ANode ***values;
  int distinct;
  int nres;
  XResCol *res;
  int nfrom;
  XFrom *from;
  ANode *where;
  int ngroup;
  ANode **group;
  ANode *having;
  int norder;
  XOrder *order;
  ANode *limit, *offset;
  int recursive;
  int ncte;
  XCte *ctes;
} XSelect;

enum {
  XS_SELECT = 1,
  XS_INSERT,
  XS_UPDATE,
  XS_DELETE,
  XS_CREATE_TABLE,
  XS_CREATE_INDEX,
  XS_CREATE_VIEW,
  XS_CREATE_TRIGGER,
  XS_DROP_TABLE,
  XS_DROP_INDEX,
  XS_DROP_VIEW,
  XS_DROP_TRIGGER,
  XS_BEGIN,
  XS_COMMIT,
  XS_ROLLBACK,
  XS_SAVEPOINT,
  XS_RELEASE,
  XS_ROLLBACK_TO,
  XS_PRAGMA,
  XS_REINDEX,
  XS_ANALYZE,
  XS_VACUUM,
  XS_ALTER,
  XS_ATTACH,
  XS_DETACH,
  XS_OTHER,
  XS_TRUNCATE,
  XS_CREATE_VTABLE, /* CREATE VIRTUAL TABLE name USING module(args) */
  XS_SEQUENCE,      /* CREATE / ALTER / DROP SEQUENCE (sequence.c reads the parse tree) */
};

/* A REFERENCES clause (ast.h ForeignKey). */
typedef struct XFKey {
  const char *table;
  int table_off;
  int ncols;
  const char **cols; /* parent columns, or none */
  int on_delete, on_update, deferred;
} XFKey;

typedef struct XColDef {
  const char *name;
  const char *type; /* as written or NULL */
  int notnull, notnull_conflict;
  int pk, pk_desc, pk_conflict, autoinc;
  int unique, unique_conflict;
  ANode *dflt;
  int dflt_off, dflt_end;
  const char *collate;
  int ncheck;
  ANode **checks;
  const char **check_names;
  int gen; /* generated: 1 virtual 2 stored */
  ANode *gen_expr;
  int gen_error, gen_dflt; /* see ColDef (ast.h) */
  const XFKey *fk;         /* REFERENCES, or NULL */
  int off;                 /* the column definition's text */
} XColDef;

typedef struct XTabCons {
  int kind; /* 1 PRIMARY KEY, 2 UNIQUE, 3 CHECK, 4 FOREIGN KEY */
  const char *name;
  int ncol;
  const char **cols;
  const char **colls;
  uint8_t *desc;
  int conflict;
  int autoinc;
  ANode *check;
  int check_off, check_end; /* the CHECK expression's text */
  const XFKey *fk;          /* FOREIGN KEY (cols) REFERENCES ...: cols are the child columns */
} XTabCons;

typedef struct XUpsert {
  int ntarget;
  const char **target; /* conflict target column names */
  int do_update;
  int nset;
  const char **set_cols;
  ANode **set_exprs;
  ANode *where;
} XUpsert;

typedef struct XStmt {
  int kind;
  int explain;       /* 1 EXPLAIN, 2 EXPLAIN QUERY PLAN */
  ANode *inner;      /* the explained statement */
  ANode *sel;        /* SELECT, INSERT ... SELECT, CREATE VIEW/TABLE AS */
  const char *name;  /* object name (table, index, view, trigger, savepoint, pragma) */
  int name_off;      /* offset of the object name in the text (CREATE) */
  const char *table; /* CREATE INDEX ON table; DROP; pragma argument */
  int if_not_exists, if_exists, temp, unique;
  int onconf;
  int nnames; /* PostgreSQL DROP/TRUNCATE/VACUUM/ANALYZE a, b, ...: every name (else 0) */
  const char **names;
  int nedit; /* text rewrites for the stored CREATE text (TextEdit, ast.h) */
  const struct TextEdit *edits;
  const char *vacuum_into; /* VACUUM INTO 'file' */
  int vacuum_into_expr;    /* VACUUM INTO with a non-literal expression */
  /* INSERT */
  int ncols;
  const char **cols;
  int default_values;
  int nupsert;
  XUpsert *upserts;
  /* UPDATE: SET cols[i] = exprs[i] */
  int nset;
  const char **set_cols;
  ANode **set_exprs;
  ANode *where;
  int nreturning;
  XResCol *returning;
  int ncte; /* WITH before INSERT/UPDATE/DELETE */
  XCte *ctes;
  /* CREATE TABLE */
  int ncoldef;
  XColDef *coldefs;
  int ntcons;
  XTabCons *tcons;
  int without_rowid, strict;
  int cols_end; /* where ADD COLUMN inserts (ast.h) */
  /* CREATE INDEX */
  int nidxcol;
  ANode **idx_exprs;
  const char **idx_colls;
  uint8_t *idx_desc;
  ANode *idx_where;
  /* PRAGMA: value (an expression or identifier) */
  ANode *pragma_value;
  const char *pragma_ident;
  int pragma_has_value;
  /* BEGIN mode */
  int txn_mode;
  /* ALTER TABLE */
  int alter_kind; /* 1 RENAME TO, 2 RENAME COLUMN, 3 ADD COLUMN, 4 DROP COLUMN */
  const char *new_name;
  const char *column;
  XColDef add_col;
  int add_col_off, add_col_end;
  int cons_off, cons_end; /* ADD CONSTRAINT: the constraint's text (tcons[0]) */
  /* CREATE VIRTUAL TABLE */
  const char *module;
  int nmodule_args;
  const char **module_args;
  /* CREATE VIEW column list */
  int nviewcols;
  const char **viewcols;
} XStmt;

#endif /* MICA_PLAN_VIEW_H */
