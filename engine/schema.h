/*
 * schema.h: the in-memory schema of one database, built from the rows of sqlite_schema.
 *
 * Each object (table, index, view, trigger) keeps its CREATE text exactly as stored and the parse
 * tree of that text (owned). Tables list their columns with declared type (as written), affinity,
 * collation, NOT NULL, default expression and primary-key membership; ipk is the column that aliases
 * the rowid (INTEGER PRIMARY KEY), or -1. Indexes (explicit and sqlite_autoindex_*) point back to
 * their table and list the fields of an entry (table column numbers, -1 meaning the rowid) with
 * collations and DESC flags: the ncol key columns, then what identifies the row (nfull fields in
 * all), plus a KeyInfo for btree cursors.
 *
 * WITHOUT ROWID TABLES (SQLite's "The WITHOUT ROWID Optimization")
 *   The table is an index b-tree rooted at t->root whose entries are the rows. t->pk describes it as
 *   an Index (root t->root, not in t->indexes nor in Schema.indexes, owned by the table): its ncol key
 *   columns are the PRIMARY KEY's (in PK order, with the PK's collations and DESC flags; a column
 *   repeated with the same collation counts once), and its nfull fields are those followed by every
 *   other column in declaration order: exactly the record stored for a row. Its KeyInfo compares the
 *   key columns only. Its name is the sqlite_autoindex_<table>_<n> the PRIMARY KEY constraint would
 *   have (the file has no row for it) and pk_seq its place among the table's indexes (index_list,
 *   constraint order).
 *   A secondary index holds its key columns followed by the PK columns that are not among the key
 *   columns with the same collation (with the PK's collation; the PK's DESC flag for CREATE INDEX,
 *   ascending for UNIQUE autoindexes, as SQLite builds them). pkpos[j] is where PK column j is found in
 *   an entry.
 *
 * The Schema is owned by the connection and rebuilt from sqlite_schema whenever the schema cookie
 * differs from the one it was loaded at (another connection changed it) and after every DDL
 * statement of this connection (schema_reset then schema_load).
 */
#ifndef MICA_SCHEMA_H
#define MICA_SCHEMA_H

#include <stdint.h>

#include "mica_int.h"
#include "record.h"

typedef struct Table Table;
typedef struct Index Index;
typedef struct FKey FKey;

typedef struct Column {
  char *name;
  char *type;      /* declared type as written, or NULL */
  char aff;        /* AFF_* */
  char *coll_name; /* collation name or NULL (BINARY) */
  const RecColl *coll;
  int notnull;
  int notnull_conflict; /* ON CONFLICT action of NOT NULL */
  int pk;               /* 1-based position in the primary key, 0 if not part of it */
  int hidden;
  void *dflt;     /* Expr * (ast.h) borrowed from the table's parse tree, or NULL */
  int gen;        /* generated column: 1 virtual, 2 stored */
  void *gen_expr; /* its AS (...) expression (Expr *, borrowed like dflt) */
} Column;

struct Table {
  char *name;
  char *sql; /* CREATE text as stored; NULL for sqlite_schema itself */
  uint32_t root;
  int ncol;
  Column *cols;
  int ipk;     /* column aliasing the rowid, or -1 */
  int autoinc; /* AUTOINCREMENT */
  int without_rowid;
  Index *pk;  /* WITHOUT ROWID: the PRIMARY KEY index that is the table (owned); NULL otherwise */
  int pk_seq; /* WITHOUT ROWID: how many of t->indexes precede pk in creation order */
  int strict;
  int is_view;
  int is_virtual;         /* CREATE VIRTUAL TABLE (vtab.h): root 0, columns known once connected */
  struct VtabConn *vconn; /* the connected table object (a reference), or NULL */
  void *ast;              /* Stmt * (ast.h) of the CREATE statement, owned */
  void *view_sel;         /* Select * of a view (inside ast), borrowed */
  Index *indexes;         /* chain through Index.next_in_table */
  int nchecks;
  void **checks;      /* Expr * borrowed from ast */
  char **check_names; /* constraint names or NULL */
  FKey *fkeys;        /* its FOREIGN KEY clauses (this table the child), owned */
  Table *next;

  int64_t stat_nrow; /* rows according to sqlite_stat1, 0 when unknown (plan_cost.h) */
};

/* FOREIGN KEY actions, as the parser numbers them (ast.h ForeignKey). */
enum { FK_NONE = 0, FK_SET_NULL, FK_SET_DEFAULT, FK_CASCADE, FK_RESTRICT, FK_NO_ACTION };

/* A FOREIGN KEY (or column REFERENCES) clause. The list of a table is in SQLite's order: most
 * recently declared first, which numbers them for PRAGMA foreign_key_list / foreign_key_check. */
struct FKey {
  Table *from; /* the child table */
  char *to;    /* the parent table's name as written */
  int ncol;
  int *from_cols;         /* [ncol] child columns */
  char **to_cols;         /* [ncol] parent columns as written, or NULL: the parent's PRIMARY KEY */
  int on_delete;          /* FK_* */
  int on_update;          /* FK_* */
  int deferred;           /* DEFERRABLE INITIALLY DEFERRED */
  struct Trigger *act[2]; /* its ON DELETE / ON UPDATE action as a trigger (fkey.c builds it on first
                           * use; owned, freed with the table) */
  FKey *next;
};

struct Index {
  char *name;
  char *sql; /* NULL for autoindexes */
  Table *table;
  uint32_t root;
  int ncol;          /* key columns */
  int nfull;         /* fields of an entry (rowid tables: ncol + 1, the last one the rowid) */
  int *cols;         /* [nfull] table column per field; -1 rowid; -2 expression */
  void **exprs;      /* Expr * of expression key columns (or NULL) */
  uint8_t *desc;     /* [nfull] */
  RecColl *colls;    /* [nfull] */
  char **coll_names; /* [nfull] */
  int *pkpos;        /* WITHOUT ROWID: [t->pk->ncol] field holding each PK column; else NULL */
  KeyInfo keyinfo;   /* nfield = nfull (t->pk: ncol) */
  int unique;
  int onerror; /* conflict action for uniqueness */
  int origin;  /* 0 CREATE INDEX, 1 UNIQUE constraint, 2 PRIMARY KEY */
  void *where; /* partial index WHERE (Expr *), or NULL */
  void *ast;   /* Stmt * of CREATE INDEX, owned (NULL for autoindexes) */
  Index *next_in_table;
  Index *next;

  int64_t *stat; /* sqlite_stat1 numbers [ncol + 1] (owned), or NULL: plan_cost.h */
};

typedef struct Trigger {
  char *name;
  char *table;
  char *sql;
  void *ast; /* Stmt * owned */
  struct Trigger *next;
} Trigger;

struct Schema {
  Table *tables;
  Index *indexes;
  Trigger *triggers;
  uint32_t cookie;
  int loaded;
  Table *master; /* sqlite_schema */
};

/* Loads db->schema from sqlite_schema when it is not loaded or the cookie changed. Needs a read
 * transaction. */
int schema_ensure(mica_db *db);
/* Drops the in-memory schema (it is reloaded by the next schema_ensure). */
void schema_reset(mica_db *db);
void schema_free(Schema *s);
/* Frees a Table (its columns, checks, foreign keys, parse tree, name and text). */
void schema_table_free(Table *t);
void schema_trigger_free(Trigger *tr);

/* Frees a table object (and drops its virtual-table connection); schema_table_free_columns frees only
 * its columns (cols, ncol 0). */
void schema_table_free(Table *t);
void schema_table_free_columns(Table *t);

Table *schema_find_table(Schema *s, const char *name);
/* Also finds the PRIMARY KEY of a WITHOUT ROWID table by its sqlite_autoindex name. */
Index *schema_find_index(Schema *s, const char *name);
Trigger *schema_find_trigger(Schema *s, const char *name);
/* t's indexes, and a WITHOUT ROWID table's PRIMARY KEY at its creation place (pk_seq), in the order
 * SQLite keeps them (and checks uniqueness in, and lists them): the most recently created first,
 * then those declared ON CONFLICT REPLACE, also newest first. Writes at most max; returns how many. */
#define SCHEMA_MAX_INDEXES 256
int schema_index_order(Table *t, Index **out, int max);
/* Column number of name in t (case-insensitive), -1 if none; "rowid"/"oid"/"_rowid_" give -1 and
 * set *is_rowid when not shadowed by a real column. */
int schema_column_index(const Table *t, const char *name, int *is_rowid);

/* The text of column col's DEFAULT expression as written (malloc'd), or NULL. */
char *schema_default_text(const Table *t, int col);

#endif /* MICA_SCHEMA_H */
