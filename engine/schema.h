/*
 * schema.h: the in-memory schema of one database, built from the rows of sqlite_schema.
 *
 * Each object (table, index, view, trigger) keeps its CREATE text exactly as stored and the parse
 * tree of that text (owned). Tables list their columns with declared type (as written), affinity,
 * collation, NOT NULL, default expression and primary-key membership; ipk is the column that aliases
 * the rowid (INTEGER PRIMARY KEY), or -1. Indexes (explicit and sqlite_autoindex_*) point back to
 * their table and list key columns (table column numbers, -1 meaning the rowid) with collations and
 * DESC flags, plus a KeyInfo of ncol+1 fields (the trailing rowid) for btree cursors.
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
  void *dflt; /* Expr * (ast.h) borrowed from the table's parse tree, or NULL */
  int gen;    /* generated column: 1 virtual, 2 stored */
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
  int strict;
  int is_view;
  void *ast;      /* Stmt * (ast.h) of the CREATE statement, owned */
  void *view_sel; /* Select * of a view (inside ast), borrowed */
  Index *indexes; /* chain through Index.next_in_table */
  int nchecks;
  void **checks;      /* Expr * borrowed from ast */
  char **check_names; /* constraint names or NULL */
  Table *next;

  int64_t stat_nrow; /* rows according to sqlite_stat1, 0 when unknown (plan_cost.h) */
};

struct Index {
  char *name;
  char *sql; /* NULL for autoindexes */
  Table *table;
  uint32_t root;
  int ncol;
  int *cols;    /* table column per key column; -1 rowid; -2 expression */
  void **exprs; /* Expr * of expression key columns (or NULL) */
  uint8_t *desc;
  RecColl *colls; /* ncol + 1 (rowid) */
  char **coll_names;
  KeyInfo keyinfo; /* nfield = ncol + 1 */
  int unique;
  int onerror; /* conflict action for uniqueness */
  int origin;  /* 'c' CREATE INDEX, 'u' UNIQUE constraint, 'pk' PRIMARY KEY */
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

Table *schema_find_table(Schema *s, const char *name);
Index *schema_find_index(Schema *s, const char *name);
Trigger *schema_find_trigger(Schema *s, const char *name);
/* Column number of name in t (case-insensitive), -1 if none; "rowid"/"oid"/"_rowid_" give -1 and
 * set *is_rowid when not shadowed by a real column. */
int schema_column_index(const Table *t, const char *name, int *is_rowid);

/* The text of column col's DEFAULT expression as written (malloc'd), or NULL. */
char *schema_default_text(const Table *t, int col);

#endif /* MICA_SCHEMA_H */
