/*
 * exec.h: the executor's data structures: compiled expressions (PExpr), row-source operators (Op),
 * compiled SELECTs (SelectPlan) and the compiled program of one statement (Prog).
 *
 * MODEL
 *   A statement owns an array of slots (Slot), one per row source (a table scan, a subquery in FROM,
 *   an aggregate's group row, a sorter's output...). An operator produces its rows by filling its
 *   slot; expressions read columns out of slots (PX_COL: slot number, column number). Correlated
 *   subqueries simply read the outer query's slots. Operators pull: op_open, op_next (MICA_ROW or
 *   MICA_DONE or an error), op_close; op_open may be called again after op_close to rescan (the inner
 *   side of a nested-loop join).
 *
 *   Everything compiled (PExpr, Op, SelectPlan, constant Values) lives in the Prog's arena and dies
 *   with it. Runtime state (cursors, buffered rows, aggregate states, subquery caches) is created by
 *   op_open / on first use and freed by op_close / prog_reset, so a statement can be reset and run
 *   again.
 *
 * Expressions are separate from operators: expr_eval(x, e, out) evaluates one PExpr over the
 * current slot contents, which keeps a later compilation to bytecode possible.
 */
#ifndef MICA_EXEC_H
#define MICA_EXEC_H

#include <stddef.h>
#include <stdint.h>

#include "btree.h"
#include "mica_int.h"
#include "schema.h"
#include "value.h"

/* ------------------------------------------------------------------ arena */
typedef struct ArenaChunk ArenaChunk;
typedef struct Arena {
  ArenaChunk *chunks;
} Arena;
void *arena_alloc(Arena *a, size_t n); /* zeroed; NULL on OOM */
char *arena_strdup(Arena *a, const char *s);
char *arena_strndup(Arena *a, const char *s, size_t n);
void arena_free(Arena *a);

/* ------------------------------------------------------------------ rows and row sets */
/* A buffered row: n owned Values. */
typedef struct Row {
  int n;
  Value v[];
} Row;
/* n NULL values (malloc'd; free with free() after releasing them). */
Value *values_alloc(size_t n);
Row *row_new(int n);
void row_free(Row *r);

/* A growable list of rows. */
typedef struct RowList {
  Row **rows;
  int64_t n, cap;
} RowList;
int rowlist_push(RowList *l, Row *r);
void rowlist_clear(RowList *l);

/* Hash set of rows compared with value_compare under per-column collations (NULLs are equal to each
 * other here, as DISTINCT and GROUP BY treat them). */
typedef struct RowSet {
  int ncol;
  const RecColl **colls; /* [ncol] or NULL; borrowed */
  Row **slots;
  uint64_t *hashes;
  int64_t cap, n;
} RowSet;
void rowset_init(RowSet *s, int ncol, const RecColl **colls);
/* Finds the row equal to key (first ncol values). Returns it or NULL. */
Row *rowset_find(RowSet *s, const Value *key);
/* Inserts r (takes ownership) unless an equal row is present; *added tells which. Returns rc. */
int rowset_add(RowSet *s, Row *r, int *added);
void rowset_clear(RowSet *s);

/* ------------------------------------------------------------------ slots */
typedef struct PExpr PExpr;

/* The generated columns of a table compiled against one slot holding a row of it (plan.c): n columns
 * col[i] with expression expr[i] and affinity aff[i], in an order where each expression reads only
 * ordinary columns and generated columns computed before it. A read set holds the VIRTUAL columns
 * only (STORED ones come from the record); a write set holds every generated column. */
typedef struct GenCols {
  int slot;
  int n;
  int *col;
  PExpr **expr;
  char *aff;
} GenCols;

typedef struct Slot {
  int ncol;
  Value *cols; /* [ncol] current values (may borrow from the cursor's record) */
  int64_t rowid;
  int nullrow; /* all columns NULL (outer join) */
  Table *tab;  /* for lazy decode of a table row */
  const void *rec;
  uint32_t nrec;
  int decoded;
  struct VtabScan *vscan; /* a virtual table's row: columns fetched on first use (vtab_slot_fetch) */
  /* rec is an index entry holding every column (a covering index of a WITHOUT ROWID table): the column
   * of each of its norder fields; NULL when rec is the table's own record */
  const int *order;
  int norder;
  const GenCols *gen; /* the table's VIRTUAL columns, computed when rec is decoded (NULL: none) */
  uint64_t colmask;   /* planner: table columns the statement reads (bit i: column i, bit 63: any >= 63) */
} Slot;

/* ------------------------------------------------------------------ expressions */
enum {
  PX_CONST = 1,
  PX_COL,   /* slot, col (col -1: rowid) */
  PX_PARAM, /* param (1-based) */
  PX_BIN,   /* binop: a, b */
  PX_AND,
  PX_OR,
  PX_NOT,
  PX_NEG,
  PX_BITNOT,
  PX_POS,
  PX_IS,      /* not: IS NOT */
  PX_ISNULL,  /* not: NOTNULL */
  PX_BETWEEN, /* a BETWEEN b AND c; not */
  PX_INLIST,  /* a IN (list); not */
  PX_INSUB,   /* a IN (sub); not */
  PX_EXISTS,  /* not */
  PX_SCALAR,  /* (sub) */
  PX_CASE,    /* a: base or NULL; list: when,then pairs; c: else */
  PX_CAST,    /* a, cast_aff */
  PX_FUNC,    /* func, list */
  PX_AGG,     /* agg result number agg_idx read from the aggregate row */
  PX_LIKE,    /* a LIKE b ESCAPE c; not; glob for GLOB */
  PX_COLLATE, /* a; only changes the collation */
  PX_VECTOR,  /* row value (list) */
  PX_RAISE,
  PX_WIN, /* window call result agg_idx, read from the window slot after the captured columns */
};

/* Binary operators of PX_BIN. */
enum {
  BO_ADD = 1,
  BO_SUB,
  BO_MUL,
  BO_DIV,
  BO_MOD,
  BO_CONCAT,
  BO_EQ,
  BO_NE,
  BO_LT,
  BO_LE,
  BO_GT,
  BO_GE,
  BO_BITAND,
  BO_BITOR,
  BO_LSHIFT,
  BO_RSHIFT,
};

typedef struct SelectPlan SelectPlan;
struct PExpr {
  int op;
  int binop;
  char aff;            /* affinity for comparisons (0 = none) */
  const RecColl *coll; /* collation (NULL = BINARY) */
  int coll_explicit;   /* from a COLLATE operator */
  int not ;
  int glob;
  int slot, col;
  const char *decl; /* PX_COL: the column's declared type (schema-owned) or NULL; PX_CAST: the type */
  int param;
  int agg_idx;
  char cast_aff;
  Value val;
  PExpr *a, *b, *c;
  PExpr **list;
  int nlist;
  FuncDef *func;
  SelectPlan *sub;
  int correlated; /* sub refers to outer slots: no caching */
  int sub_id;     /* index into Prog.subs */
  int raise_type;
  const char *raise_msg;
  AuxData *aux;    /* auxdata of a function call (runtime) */
  PExpr *aux_next; /* in Prog.aux_list once aux is set */
  int aux_listed;
};

/* ------------------------------------------------------------------ operators */
enum {
  OP_SINGLE = 1, /* one empty row */
  OP_SCAN,       /* table scan / rowid lookup / index range */
  OP_FILTER,
  OP_JOIN,
  OP_ROWS, /* rows from a materialized subquery / VALUES */
  OP_VTAB, /* a virtual table's cursor (vtab.c) */
};

typedef struct Exec Exec;
typedef struct Op Op;
struct Op {
  int kind;
  int slot;
  Table *tab;
  /* OP_SCAN access path */
  int rowid_eq;   /* look up one rowid: key[0] */
  Index *idx;     /* index scan */
  int neq;        /* equality prefix length on idx */
  uint64_t eq_is; /* positions of the prefix that are "IS NULL" (a NULL key value matches NULLs) */
  PExpr **eq;     /* [neq] */
  PExpr *lo, *hi; /* range on the next column, or on the rowid when idx is NULL */
  int lo_incl, hi_incl;
  char *keyaff; /* affinity applied to each key value (neq + 1 for the range column) */
  /* automatic index (SELECT statements only): with no index usable, a term "col = expr" where expr
   * reads earlier slots makes the first scan copy the table's rows into `rows` sorted by col (each
   * Row: key, rowid, record blob; built once per statement execution, freed by prog_reset); every
   * later open looks up the rows whose key equals expr. autocol < 0: none. */
  int autocol;
  PExpr *autoeq;
  char autoaff;
  const RecColl *autocoll;
  int autopartial; /* other terms filter this table alone (EXPLAIN QUERY PLAN says PARTIAL) */
  int left_join;   /* the right side of a LEFT JOIN (EXPLAIN QUERY PLAN says LEFT-JOIN) */
  int covering;    /* idx holds every column the statement reads: rows come from the index alone (a
                    * WITHOUT ROWID table's index: every column, read through Slot.order) */
  int reverse;     /* scan in descending key (or rowid) order */
  int rowid_range; /* no idx: lo/hi bound the rowid */
  int minmax;      /* planned for min()/max() (EXPLAIN QUERY PLAN says SEARCH) */
  /* IN: the values of in_expr (PX_INLIST, or an uncorrelated PX_INSUB) feed key column neq - 1 of idx
   * (or the rowid when rowid_eq), one search per distinct value, in key order (reversed when reverse) */
  PExpr *in_expr;
  int in_key; /* the key position of idx the values feed */
  char in_aff;
  const RecColl *in_coll;
  /* MULTI-INDEX OR: each of the nor scans (over the same slot) contributes the rows it finds that
   * an earlier one did not (by rowid) */
  Op **or_scans;
  int nor;
  /* OP_FILTER / OP_JOIN */
  Op *left, *right;
  PExpr *pred;
  int outer;   /* LEFT JOIN */
  int *rslots; /* slots of the right side (set to a NULL row for an unmatched LEFT JOIN row) */
  int nrslots;
  int right_outer; /* RIGHT/FULL JOIN: afterwards, right rows that matched nothing, left side NULL */
  int *lslots;
  int nlslots;
  RowSet rmatched; /* runtime: [slot rowid] of the right rows that matched */
  /* OP_ROWS */
  SelectPlan *sub;
  int external; /* rows are fed by a recursive CTE driver, not by sub */
  int ncol;

  /* runtime */
  BtCursor *cur;
  BtCursor *icur;
  int state;
  int matched;
  int64_t pos;
  RowList rows;
  int rows_ready;
  uint8_t *eqrec; /* encoded equality prefix, and prefix + upper bound */
  uint32_t neqrec;
  uint8_t *hirec;
  uint32_t nhirec;
  int scan_done;
  int64_t ae_pos, ae_end; /* automatic index: the matching rows[ae_pos..ae_end) of rows */
  struct VtabScan *vscan; /* OP_VTAB: plan and cursor (vtab.h) */
  int64_t in_pos;         /* IN: the next of the values in rows (one-column Rows, sorted, distinct) */
  uint8_t *lorec;         /* reverse index scans: the key below which the scan ends */
  uint32_t nlorec;
  int lo_default;
  int64_t rid_lo, rid_hi; /* rowid range scans: the inclusive bounds in force */
  int or_cur;             /* MULTI-INDEX OR: the scan being read */
  RowSet or_seen;         /* rowids already returned */
};

/* ------------------------------------------------------------------ SELECT */
typedef struct AggCall {
  FuncDef *func;
  int nargs;
  PExpr **args;
  int distinct;
  PExpr *filter;
  const RecColl *coll;
  /* ORDER BY inside the call: a group's argument rows are buffered and fed to xstep in this order */
  int norder;
  PExpr **order;
  uint8_t *desc;
  uint8_t *nulls; /* 0 default, 1 NULLS LAST, 2 NULLS FIRST */
  const RecColl **order_coll;
} AggCall;

typedef struct WinCall {
  FuncDef *func;
  int nargs;
  PExpr **args;
  int npart;
  PExpr **part;
  int norder;
  PExpr **order;
  uint8_t *desc;
  const RecColl **order_coll;
  int frame_type, fstart, fend;
  PExpr *fstart_expr, *fend_expr;
  const RecColl *coll;
} WinCall;

enum { CMP_NONE = 0, CMP_UNION_ALL, CMP_UNION, CMP_INTERSECT, CMP_EXCEPT, CMP_RECURSIVE };

struct SelectPlan {
  Op *src;
  int nres;
  PExpr **res;
  /* aggregation */
  int is_agg;
  int ngroup;
  PExpr **group;
  int nagg;
  AggCall *aggs;
  int agg_slot; /* slot holding the group row: [ncapture captured columns][nagg results] */
  int ncapture;
  int *cap_slot, *cap_col; /* captured source columns; PX_COL of them were redirected to agg_slot */
  PExpr *having;
  /* window functions (non-aggregate selects): results after the captured columns of agg_slot */
  int nwin;
  WinCall *wins;
  /* output shaping */
  int distinct;
  int norder;
  PExpr **order;
  uint8_t *desc;
  int nulls_last_mask; /* unused: NULLS LAST per term in nulls_last */
  uint8_t *nulls_last;
  const RecColl **order_coll;
  const RecColl **res_coll;
  PExpr *limit, *offset;
  /* what the chosen scans deliver (plan.c, ACCESS PATHS) */
  int order_sat;    /* leading ORDER BY terms already in order: all of them, no sort (else a stable sort) */
  int group_sat;    /* GROUP BY groups arrive one after the other in their output order: no group sort */
  int distinct_sat; /* DISTINCT needs no temporary b-tree (EXPLAIN QUERY PLAN only) */
  int minmax_stop;  /* a single min()/max() read in index order: the first non-NULL argument decides */
  int order_grp;    /* an aggregate's ORDER BY repeats its GROUP BY (EXPLAIN QUERY PLAN shows no sort) */
  /* compound */
  int cmp_op;
  SelectPlan *left, *right; /* left is itself possibly compound */
  int *order_col;           /* compound ORDER BY: result column per term (else order[] is used) */
  /* CMP_RECURSIVE (WITH RECURSIVE): left is the initial select, right the recursive one, which reads
   * the current queue row through the OP_ROWS operators rec_ops (fed by the driver) */
  Op **rec_ops;
  int nrec_ops;
  int rec_distinct; /* UNION rather than UNION ALL */
  RowList rq;       /* runtime: the queue */
  int64_t rqi;
  RowSet rseen;
  int out_slot; /* slot exposing the output row when used as a source (or -1) */
  /* result column metadata (arena) */
  const char **res_names;
  const char **res_types;  /* declared type of a direct column reference, else NULL */
  const char **res_table;  /* origin table name, else NULL */
  const char **res_origin; /* origin column name, else NULL */

  /* runtime */
  int state;
  RowList buf;
  int64_t bufpos;
  RowSet seen;
  int64_t nleft, nskip;
  int single_done;
  Row *cur;
};

/* ------------------------------------------------------------------ program */
typedef struct Prog {
  Arena arena;
  int nslot;
  Slot *slots;
  int kind; /* PROG_* */
  SelectPlan *sel;
  int nsubs;
  PExpr **subs; /* every subquery expression (for cache reset) */
  /* runtime caches for subqueries: */
  Value *sub_val;
  int *sub_done;
  RowSet *sub_set;
  int *sub_hasnull;
  PExpr *aux_list;
  Op **ops; /* every operator (for reset) */
  int nops, capops;
  /* DML / DDL: a statement-specific executor */
  void *dml;
  int (*run)(Exec *x); /* executes a non-SELECT statement to completion (may emit rows) */
  void (*free_dml)(void *dml);
  void *out; /* rows produced by a non-SELECT program (mica.c) */
  /* a trigger's first body statement: the trigger's WHEN over the NEW/OLD slots (trigger.c), or NULL */
  PExpr *trig_when;
} Prog;

enum { PROG_SELECT = 1, PROG_OTHER };

struct Exec {
  mica_db *db;
  mica_stmt *stmt;
  Prog *prog;
  Slot *slots;
};

/* Expression evaluation. out is set to an owned value, or one borrowing from a slot or constant
 * (valid until the slot moves). Returns MICA_OK or an error (db error set). */
int expr_eval(Exec *x, PExpr *e, Value *out);
/* Truth value: 1 true, 0 false, -1 NULL (or error: *rc). */
int expr_truth(Exec *x, PExpr *e, int *rc);
int expr_is_true(const Value *v); /* 1 if v is true as a condition */
/* SQLite's comparison between two values after the affinity rules; returns <0, 0, >0; *isnull when
 * either is NULL. */
int expr_compare(Value *a, char affa, Value *b, char affb, const RecColl *coll, int *isnull);
/* Applies comparison affinity (SQLite's rules) between operands. */
void expr_apply_cmp_affinity(Value *a, char affa, Value *b, char affb);

/* Slot helpers. */
Value *slot_col(Exec *x, int slot, int col, int *rc);
/* Computes the generated columns g of one row. vals NULL: the row is slot g->slot's (decoded), and
 * the results are stored in its columns. Else vals holds the row's t->ncol values (the INTEGER
 * PRIMARY KEY column's value, if NULL, taken as rowid): slot g->slot shows them while the
 * expressions run and each result (affinity applied, owned) replaces vals[col]. */
int exec_gen_compute(Exec *x, const GenCols *g, Table *t, Value *vals, int64_t rowid);
void slot_set_nullrow(Slot *s, int on);

/* Operators. */
int op_open(Exec *x, Op *op);
int op_next(Exec *x, Op *op);
void op_close(Op *op);

/* SELECT runtime: rows come out in sel->cur (owned by sel; valid until the next call). */
int select_open(Exec *x, SelectPlan *sel);
int select_next(Exec *x, SelectPlan *sel);
void select_close(SelectPlan *sel);

void prog_free(Prog *p);
void prog_reset(Prog *p);
/* Points slot s of p at the row vals (borrowed, as many values as the slot has columns) with rowid;
 * vals NULL makes it all NULL. prog_slot_empty(p, s) drops the borrowed values. */
void prog_slot_fill(Prog *p, int s, Value *vals, int64_t rowid);
void prog_slot_empty(Prog *p, int s);

/* Table row access shared with DML: decodes the current record of cur into slot s. */
int exec_load_row(Exec *x, int slot, BtCursor *cur);
int exec_check_interrupt(Exec *x);
/* The DEFAULT value of column col of t (NULL when it has none), evaluated now. */
int exec_default_value(Exec *x, Table *t, int col, Value *out);
/* A shallow copy of src that borrows its text/blob bytes (VAL_EPHEM). */
void value_borrow(Value *dst, const Value *src);

#endif /* MICA_EXEC_H */
