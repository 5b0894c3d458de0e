/*
 * ast.h: the parse tree of one SQL statement, as built by parse_statement() (parse.h).
 *
 * OWNERSHIP
 *   Every node of a statement (strings included) lives in the statement's arena (Stmt.arena), so a whole
 *   tree is released at once with ast_free(stmt). Nodes are never shared between statements. There is no
 *   deep copy: a view's or trigger's body is re-parsed from its stored SQL text when needed, which is
 *   what SQLite's schema text is for.
 *
 * POSITIONS
 *   Every expression, result column, select and statement records the byte span [off, end) of the SQL
 *   text it came from (offsets into the text given to parse_statement). The executor uses them for
 *   default result-column names ("a+1"), for the verbatim CREATE text stored in sqlite_schema, and to
 *   point errors at a position.
 *
 * NUMBERING
 *   The expression kinds (EK_*), statement kinds (SK_*), compound operators (CK_*), join types (JT_*)
 *   and binary operators (AB_*) keep stable numeric values; additions go at the end of each list.
 *
 * LISTS
 *   Every list is an array with a count (n<name>, <name>), allocated in the arena.
 */
#ifndef MICA_AST_H
#define MICA_AST_H

#include <stddef.h>
#include <stdint.h>

typedef struct AstArena AstArena;
typedef struct Expr Expr;
typedef struct Select Select;
typedef struct Stmt Stmt;

/* ------------------------------------------------------------------------------------------------
 * Expressions.
 */
enum {
  EK_NULL = 1,
  EK_INT,      /* ival; a literal too large for int64 is EK_REAL; `text` holds the literal as written */
  EK_REAL,     /* rval; text as written */
  EK_TEXT,     /* str/nstr: the dequoted string */
  EK_BLOB,     /* str/nstr: the decoded bytes of X'..' */
  EK_COLUMN,   /* [schema.][table.]name; quoted = 1 when name was a double-quoted identifier */
  EK_PARAM,    /* param: 1-based index; param_name: "?NNN", ":x", "@x", "$x" or NULL for "?" */
  EK_BINARY,   /* a binop b */
  EK_AND,      /* a AND b */
  EK_OR,       /* a OR b */
  EK_NOT,      /* NOT a */
  EK_NEG,      /* -a */
  EK_POS,      /* +a */
  EK_BITNOT,   /* ~a */
  EK_IS,       /* a IS b; not = 1 for IS NOT. IS NOT DISTINCT FROM is EK_IS, IS DISTINCT FROM is not = 1 */
  EK_ISNULL,   /* a ISNULL, a IS NULL; not = 1 for a NOTNULL, a NOT NULL, a IS NOT NULL */
  EK_BETWEEN,  /* a BETWEEN b AND c; not */
  EK_INLIST,   /* a IN (list); not. An empty list is allowed (nlist 0) */
  EK_INSELECT, /* a IN (sel); not */
  EK_INTABLE,  /* a IN [schema.]name (table or table-valued function with list args); not */
  EK_EXISTS,   /* EXISTS (sel) */
  EK_SUBQUERY, /* (sel), a scalar subquery */
  EK_CASE,     /* CASE [a] WHEN list[0] THEN list[1] ... [ELSE c] END */
  EK_CAST,     /* CAST(a AS name); name is the type as written ("" when empty) */
  EK_COLLATE,  /* a COLLATE name */
  EK_FUNC,     /* name(list); distinct; star for f(*); filter; over / over_name; order (aggregate ORDER BY) */
  EK_LIKE,     /* a LIKE b [ESCAPE c]; not; likeop: 0 LIKE, 1 GLOB, 2 REGEXP, 3 MATCH */
  EK_VECTOR,   /* (list), a row value of two or more terms */
  EK_RAISE,    /* RAISE(raise_type [, name = message]) */
  EK_CURTIME,  /* name: "current_time", "current_date" or "current_timestamp" */
  EK_JSONOP,   /* a -> b or a ->> b; name "->" or "->>" */
};

/* Binary operators of EK_BINARY. */
enum {
  AB_ADD = 1,
  AB_SUB,
  AB_MUL,
  AB_DIV,
  AB_MOD,
  AB_CONCAT,
  AB_EQ,
  AB_NE,
  AB_LT,
  AB_LE,
  AB_GT,
  AB_GE,
  AB_BITAND,
  AB_BITOR,
  AB_LSHIFT,
  AB_RSHIFT,
};

/* Conflict resolution (ON CONFLICT clauses, INSERT OR ...), SQLite's numbering. */
enum { OE_NONE = 0, OE_ROLLBACK = 1, OE_ABORT = 2, OE_FAIL = 3, OE_IGNORE = 4, OE_REPLACE = 5 };

typedef struct OrderTerm {
  Expr *expr;
  int desc;  /* 1 DESC, 0 ASC or unspecified */
  int nulls; /* 0 default, 1 NULLS LAST, 2 NULLS FIRST */
} OrderTerm;

/* Frame bound kinds. */
enum {
  FB_NONE = 0,
  FB_UNBOUNDED_PRECEDING,
  FB_PRECEDING,
  FB_CURRENT_ROW,
  FB_FOLLOWING,
  FB_UNBOUNDED_FOLLOWING
};
/* Frame types. */
enum { FT_NONE = 0, FT_ROWS, FT_RANGE, FT_GROUPS };
/* EXCLUDE. */
enum { FX_NO_OTHERS = 0, FX_CURRENT_ROW, FX_GROUP, FX_TIES };

typedef struct WindowDef {
  const char *name; /* WINDOW name AS (...): its name; NULL inside OVER (...) */
  const char *base; /* the base window named at the start of the spec, or NULL */
  int npart;
  Expr **part;
  int norder;
  OrderTerm *order;
  int frame_type; /* FT_* (FT_NONE: the default frame) */
  int start, end; /* FB_*; end FB_NONE when "frame_type start" has no BETWEEN (then end is CURRENT ROW) */
  Expr *start_expr, *end_expr;
  int exclude; /* FX_* */
} WindowDef;

struct Expr {
  int kind;
  int off, end; /* byte span in the SQL text */
  Expr *a, *b, *c;
  int nlist;
  Expr **list;
  Select *sel;
  const char *name;   /* column, function, type, collation, RAISE message, CURRENT_* name, "->" */
  const char *table;  /* EK_COLUMN qualifier; EK_INTABLE table name */
  const char *schema; /* EK_COLUMN / EK_INTABLE schema qualifier */
  int quoted;         /* EK_COLUMN: the name was a "double-quoted" identifier */
  int not ;
  int distinct;
  int star;
  int binop;  /* AB_* */
  int likeop; /* 0 LIKE, 1 GLOB, 2 REGEXP, 3 MATCH */
  int param;
  const char *param_name;
  Expr *filter;          /* FILTER (WHERE ...) */
  WindowDef *over;       /* OVER (...) */
  const char *over_name; /* OVER name */
  int norder;            /* ORDER BY inside an aggregate's argument list */
  OrderTerm *order;
  int raise_type; /* 0 IGNORE, 1 ROLLBACK, 2 ABORT, 3 FAIL */
  int64_t ival;
  double rval;
  const char *str; /* EK_TEXT / EK_BLOB bytes (NUL-terminated for text) */
  int nstr;
  const char *text; /* EK_INT / EK_REAL literal as written (NUL-terminated) */
};

/* ------------------------------------------------------------------------------------------------
 * SELECT.
 */
enum { CK_NONE = 0, CK_UNION_ALL, CK_UNION, CK_INTERSECT, CK_EXCEPT };
enum { JT_INNER = 0, JT_LEFT = 1, JT_RIGHT = 2, JT_FULL = 3, JT_CROSS = 4 };

typedef struct ResCol {
  Expr *expr;             /* NULL for * and t.* */
  const char *alias;      /* AS alias, or NULL */
  const char *star_table; /* t of t.*, NULL for * */
  int star;
  int off, end;
} ResCol;

typedef struct FromItem {
  const char *schema, *name, *alias;
  Select *sel;         /* (subquery) */
  Select *nested_from; /* (a JOIN b ...): a Select holding only this FROM list */
  int is_func;         /* name(args): a table-valued function */
  int ncolalias;       /* PostgreSQL dialect: AS alias(col, ...) renames the item's columns */
  const char **colalias;
  int nargs;
  Expr **args;
  int jointype; /* JT_*: how this item joins the items before it (first item: JT_INNER) */
  int natural;
  int comma; /* joined with "," */
  Expr *on;
  int nusing;
  const char **using_cols;
  const char *indexed_by;
  int not_indexed;
  int off, end;
} FromItem;

typedef struct Cte {
  const char *name;
  int ncols;
  const char **cols;
  Select *sel;
  int materialized; /* 0 unspecified, 1 MATERIALIZED, 2 NOT MATERIALIZED */
} Cte;

struct Select {
  int cmp_op; /* CK_*: this node is left <cmp_op> right */
  Select *left, *right;
  int nvalues; /* VALUES rows: values[i] has values_n[i] expressions */
  int *values_n;
  Expr ***values;
  int distinct;
  int nres;
  ResCol *res;
  int nfrom;
  FromItem *from;
  Expr *where;
  int ngroup;
  Expr **group;
  Expr *having;
  int nwindow; /* WINDOW clause */
  WindowDef **windows;
  int norder; /* ORDER BY/LIMIT of a compound belong to its top node */
  OrderTerm *order;
  Expr *limit, *offset;
  int recursive; /* WITH RECURSIVE */
  int ncte;
  Cte *ctes;
  int off, end;
};

/* ------------------------------------------------------------------------------------------------
 * Statements.
 */
enum {
  SK_SELECT = 1,
  SK_INSERT,
  SK_UPDATE,
  SK_DELETE,
  SK_CREATE_TABLE,
  SK_CREATE_INDEX,
  SK_CREATE_VIEW,
  SK_CREATE_TRIGGER,
  SK_DROP_TABLE,
  SK_DROP_INDEX,
  SK_DROP_VIEW,
  SK_DROP_TRIGGER,
  SK_BEGIN,
  SK_COMMIT,
  SK_ROLLBACK,
  SK_SAVEPOINT,
  SK_RELEASE,
  SK_ROLLBACK_TO,
  SK_PRAGMA,
  SK_REINDEX,
  SK_ANALYZE,
  SK_VACUUM,
  SK_ALTER,
  SK_ATTACH,
  SK_DETACH,
  SK_CREATE_VTABLE,
  SK_TRUNCATE,        /* PostgreSQL dialect: TRUNCATE [TABLE] name, ... */
  SK_CREATE_SEQUENCE, /* PostgreSQL dialect: CREATE SEQUENCE [IF NOT EXISTS] name options (seq) */
  SK_ALTER_SEQUENCE,  /* PostgreSQL dialect: ALTER SEQUENCE [IF EXISTS] name options (seq) */
  SK_DROP_SEQUENCE,   /* PostgreSQL dialect: DROP SEQUENCE [IF EXISTS] name, ... (names) */
};

/* CREATE / ALTER SEQUENCE options (PostgreSQL dialect); has_* tell which were given. */
typedef struct SeqOpts {
  const char *type; /* AS type, or NULL */
  int has_increment, has_min, no_min, has_max, no_max, has_start, has_restart, has_cache;
  int64_t increment, minv, maxv, start, cache;
  int restart_with; /* RESTART WITH n (else RESTART: back to START) */
  int64_t restart;
  int cycle;                           /* -1 not given, 0 NO CYCLE, 1 CYCLE */
  const char *owned_table, *owned_col; /* OWNED BY table.column */
  int owned_none;                      /* OWNED BY NONE */
} SeqOpts;

/* A change to a statement's text made when it is stored in sqlite_schema: the PostgreSQL dialect's
 * CREATE TABLE keeps its text but with the PostgreSQL-only parts rewritten into SQLite syntax
 * ("x::t" becomes "CAST(x AS t)", WITH (...) options are dropped, serial becomes integer...), so that
 * the schema stays readable by SQLite. Replaces text[off, end) by repl; edits do not overlap. */
typedef struct TextEdit {
  int off, end;
  const char *repl;
} TextEdit;

/* Where a name came from (parse_statement with PARSE_NAME_POSITIONS, parse.h): every name the parser
 * read (table, column, alias, ... each one a distinct string of the arena) and its token text[off,
 * off + len), quotes included. ALTER TABLE's renames (alter.c) walk the tree and find each name's token
 * here by its pointer. */
typedef struct NamePos {
  const char *name;
  int off, len;
} NamePos;

/* A column of an index, a PRIMARY KEY/UNIQUE table constraint or an ON CONFLICT target. */
typedef struct IndexedCol {
  Expr *expr; /* the column (EK_COLUMN) or expression */
  const char *collate;
  int desc;
} IndexedCol;

/* REFERENCES clause. Actions: 0 none, 1 SET NULL, 2 SET DEFAULT, 3 CASCADE, 4 RESTRICT, 5 NO ACTION. */
typedef struct ForeignKey {
  const char *table;
  int table_off; /* the parent table name's offset */
  int ncols;
  const char **cols;
  int on_delete, on_update;
  int deferred; /* DEFERRABLE INITIALLY DEFERRED */
} ForeignKey;

/* One clause of a column definition (its text, with its CONSTRAINT name if any). */
enum {
  CC_PRIMARY_KEY = 1,
  CC_UNIQUE,
  CC_CHECK,
  CC_REFERENCES,
  CC_NOT_NULL,
  CC_DEFAULT,
  CC_COLLATE,
  CC_NULL,
  CC_GENERATED
};
typedef struct ColCons {
  int kind; /* CC_* */
  int off, end;
  const char *name;
} ColCons;

typedef struct ColDef {
  const char *name;
  const char *type; /* as written (words joined by single spaces, with "(n[,m])"), or NULL */
  int notnull, notnull_conflict;
  int pk, pk_desc, pk_conflict, autoinc;
  int unique, unique_conflict;
  Expr *dflt; /* DEFAULT value */
  int dflt_off, dflt_end;
  const char *collate;
  int ncheck;
  Expr **checks;
  const char **check_names; /* CONSTRAINT name of each check, or NULL */
  int gen;                  /* generated column: 1 VIRTUAL, 2 STORED */
  Expr *gen_expr;
  int gen_error; /* AS (...) after DEFAULT or another AS, or followed by a word other than VIRTUAL/STORED */
  int gen_dflt;  /* DEFAULT after AS (...) */
  ForeignKey *fk;
  int off, end;
  int serial;                   /* PostgreSQL serial type or identity column (type: as written) */
  int type_off, type_end;       /* the type name's text */
  int dflt_kw_off;              /* DEFAULT clause: where its keyword starts (-1 none); it ends at dflt_end */
  int notnull_off, notnull_end; /* NOT NULL [ON CONFLICT x] clause, or 0, 0 */
  const char *stored_type;      /* PostgreSQL dialect: the type as stored (timestamptz, integer...) */
  int ncons;                    /* the clauses after the type, in order */
  ColCons *cons;
} ColDef;

enum { TC_PRIMARY_KEY = 1, TC_UNIQUE, TC_CHECK, TC_FOREIGN_KEY };

typedef struct TabCons {
  int kind; /* TC_* */
  const char *name;
  int ncol;
  IndexedCol *cols;     /* PRIMARY KEY / UNIQUE */
  const char **fk_cols; /* FOREIGN KEY (cols) */
  int conflict;
  int autoinc;
  Expr *check;
  int check_off, check_end; /* CHECK (expr): the expression's text */
  ForeignKey *fk;
  int off, end; /* the constraint's text */
} TabCons;

/* UPDATE SET clause: one column, or (a, b) = row value. */
typedef struct SetClause {
  int ncols;
  const char **cols;
  Expr *expr;
} SetClause;

typedef struct Upsert {
  int ntarget; /* ON CONFLICT (target) [WHERE target_where]; 0 when no target */
  IndexedCol *target;
  Expr *target_where;
  int do_update; /* 0 DO NOTHING, 1 DO UPDATE */
  int nset;
  SetClause *set;
  Expr *where;
} Upsert;

enum { TR_BEFORE = 0, TR_AFTER = 1, TR_INSTEAD_OF = 2 };
enum { TE_DELETE = 1, TE_INSERT = 2, TE_UPDATE = 3 };
enum {
  AL_RENAME_TABLE = 1,
  AL_RENAME_COLUMN,
  AL_ADD_COLUMN,
  AL_DROP_COLUMN,
  AL_ADD_CONSTRAINT,
  /* PostgreSQL dialect */
  AL_SET_TYPE,       /* ALTER [COLUMN] c [SET DATA] TYPE type [USING expr] */
  AL_SET_DEFAULT,    /* ALTER [COLUMN] c SET DEFAULT expr */
  AL_DROP_DEFAULT,   /* ALTER [COLUMN] c DROP DEFAULT */
  AL_SET_NOT_NULL,   /* ALTER [COLUMN] c SET NOT NULL */
  AL_DROP_NOT_NULL,  /* ALTER [COLUMN] c DROP NOT NULL */
  AL_DROP_CONSTRAINT /* DROP CONSTRAINT [IF EXISTS] name */
};

/* One action of a PostgreSQL ALTER TABLE (several are separated by commas). */
typedef struct AlterCmd {
  int kind;             /* AL_* */
  int off, end;         /* the action's text */
  const char *column;   /* the column acted on; DROP CONSTRAINT: the constraint */
  const char *new_name; /* RENAME */
  int if_exists, if_not_exists;
  ColDef *col;                    /* ADD COLUMN */
  TabCons *cons;                  /* ADD constraint */
  const char *type, *stored_type; /* SET TYPE: as written, as stored */
  Expr *expr;                     /* SET DEFAULT / USING expression */
  int expr_off, expr_end;
} AlterCmd;

struct Stmt {
  AstArena *arena;          /* owns every node of this statement */
  int kind;                 /* SK_* */
  int explain;              /* 1 EXPLAIN, 2 EXPLAIN QUERY PLAN: the fields describe the explained statement */
  int off, end;             /* the statement's text, without EXPLAIN [QUERY PLAN] and the trailing ';' */
  int nparam;               /* largest parameter index used */
  const char **param_names; /* [1..nparam]: the name of each parameter index, NULL for anonymous */

  Select *sel; /* SELECT; INSERT ... SELECT / VALUES; CREATE VIEW; CREATE TABLE ... AS */
  const char *schema;
  const char *name;  /* object name: table, index, view, trigger, savepoint, pragma, collation... */
  int name_off;      /* offset of the object name (CREATE) */
  const char *alias; /* INSERT INTO t AS alias; UPDATE/DELETE t AS alias */
  const char *table; /* CREATE INDEX / CREATE TRIGGER: ON table */
  int if_not_exists, if_exists, temp, unique;
  int restart_identity; /* TRUNCATE ... RESTART IDENTITY */
  int nnames;           /* PostgreSQL dialect: DROP TABLE / TRUNCATE / VACUUM / ANALYZE name, ...: */
  const char **names;   /* every name, the first one also in `name` */
  int nedit;            /* rewrites of the text to store (PostgreSQL dialect), in text order */
  TextEdit *edits;
  int nnamepos; /* PARSE_NAME_POSITIONS: the names read, in text order (top statement only) */
  NamePos *namepos;
  int onconf; /* OE_*: INSERT OR x / REPLACE / UPDATE OR x */

  /* INSERT */
  int ncols;
  const char **cols;
  int default_values;
  int nupsert;
  Upsert *upserts;

  /* UPDATE / DELETE */
  int nset;
  SetClause *set;
  int nfrom; /* UPDATE ... FROM */
  FromItem *from;
  const char *indexed_by;
  int not_indexed;
  Expr *where;
  int norder; /* UPDATE/DELETE ... ORDER BY ... LIMIT */
  OrderTerm *order;
  Expr *limit, *offset;
  int nreturning;
  ResCol *returning;
  int ncte; /* WITH before INSERT/UPDATE/DELETE */
  Cte *ctes;
  int recursive;

  /* CREATE TABLE */
  int ncoldef;
  ColDef *coldefs;
  int ntcons;
  TabCons *tcons;
  int without_rowid, strict;
  int cols_end; /* offset of the token after the last column definition: the comma before the table
                   constraints, or ')' (where ALTER TABLE ADD COLUMN inserts, as SQLite does) */

  /* CREATE INDEX */
  int nidxcol;
  IndexedCol *idxcols;
  Expr *idx_where;

  /* CREATE VIEW (cols) */
  int nviewcols;
  const char **viewcols;

  /* CREATE TRIGGER */
  int trig_time;  /* TR_* */
  int trig_event; /* TE_* */
  int ntrig_cols; /* UPDATE OF cols */
  const char **trig_cols;
  int trig_foreach_row;
  Expr *trig_when;
  int nbody;
  Stmt **body;

  /* CREATE VIRTUAL TABLE name USING module(args) */
  const char *module;
  int nmodule_args;
  const char **module_args; /* each argument's text as written */

  /* PRAGMA [schema.]name [= value | (value)] */
  int pragma_has_value;
  Expr *pragma_value;       /* a number or string (signed numbers are EK_NEG/EK_INT...) */
  const char *pragma_ident; /* the value when it is a bare identifier or keyword (ON, wal, ...) */

  /* BEGIN */
  int txn_mode; /* 0 DEFERRED, 1 IMMEDIATE, 2 EXCLUSIVE */

  /* ALTER TABLE */
  int alter_kind;         /* AL_* */
  const char *new_name;   /* RENAME TO new / RENAME COLUMN old TO new */
  const char *column;     /* RENAME COLUMN old / DROP COLUMN name */
  int column_off;         /* offset of the column's token */
  int new_name_off;       /* offset of the new name's token */
  ColDef *add_col;        /* ADD COLUMN */
  int cons_off, cons_end; /* ADD [CONSTRAINT name] ...: the constraint's text (in tcons[0]) */
  int nalter;             /* PostgreSQL dialect: the actions, in order (the fields above: the first) */
  AlterCmd *alters;

  /* CREATE / ALTER SEQUENCE */
  SeqOpts *seq;

  /* ATTACH expr AS expr / DETACH name; VACUUM [schema] INTO expr */
  Expr *expr1, *expr2;
};

/* Releases a statement and every node in it. NULL is allowed. */
void ast_free(Stmt *s);

/* Allocation inside a statement's arena (used by the parser; zeroed memory). NULL on out-of-memory. */
AstArena *ast_arena_new(void);
void ast_arena_free(AstArena *a);
void *ast_alloc(AstArena *a, size_t n);
char *ast_strndup(AstArena *a, const char *s, size_t n);

/* Writes a readable dump of the statement to out (FILE *), for debugging and tests. */
void ast_print(const Stmt *s, void *out);

#endif /* MICA_AST_H */
