/*
 * ddl.h: sqlite_schema maintenance and transaction control (see ddl.c).
 */
#ifndef MICA_DDL_H
#define MICA_DDL_H

#include "exec.h"

int ddl_schema_insert(Exec *x, const char *type, const char *name, const char *tbl, uint32_t root,
                      const char *sql);
/* Deletes sqlite_schema rows whose column col (1 name, 2 tbl_name) equals name (and type if set). */
int ddl_schema_delete(Exec *x, int col, const char *name, const char *type);
/* Bumps the schema cookie (and sets the header's format/encoding on a new file); drops the
 * in-memory schema. */
int ddl_schema_changed(Exec *x);
/* Replaces the sql of the sqlite_schema row (type, name). */
int ddl_schema_set_sql(Exec *x, const char *type, const char *name, const char *sql);
int ddl_create_tree(Exec *x, int flags, uint32_t *root);
int ddl_drop_tree(Exec *x, uint32_t root);

/* mode: 0 DEFERRED, 1 IMMEDIATE, 2 EXCLUSIVE */
int ddl_begin(Exec *x, int mode);
int ddl_commit(Exec *x);
int ddl_rollback(Exec *x);
int ddl_savepoint(Exec *x, const char *name);
/* RELEASE name, or ROLLBACK TO name when rollback is set. */
int ddl_release(Exec *x, const char *name, int rollback);

#endif /* MICA_DDL_H */
