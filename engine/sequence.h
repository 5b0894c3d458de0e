/*
 * sequence.h: PostgreSQL sequences (the PostgreSQL dialect): CREATE / ALTER / DROP SEQUENCE, nextval,
 * currval, setval and lastval, the sequences behind serial columns. See sequence.c for the storage
 * (a table sqlite3 can read) and the transaction semantics.
 */
#ifndef MICA_SEQUENCE_H
#define MICA_SEQUENCE_H

#include "exec.h"

/* The reserved table holding every sequence's definition and state. */
#define SEQ_TABLE "_mica_sequences"

/* CREATE SEQUENCE, ALTER SEQUENCE, DROP SEQUENCE: stmt is the Stmt * (ast.h). */
int seq_ddl(Exec *x, const void *stmt);

/* After CREATE TABLE in the PostgreSQL dialect: the sequence <table>_<column>_seq of each serial or
 * identity column that is not the primary key, owned by the column. */
int seq_after_create_table(Exec *x, const void *stmt);

/* The sequences owned by a column of table (col NULL: by any column) are dropped (DROP TABLE, DROP
 * COLUMN), reset to their start (TRUNCATE ... RESTART IDENTITY), or follow a rename of the table or
 * column (new_col NULL: the table was renamed to new_table). No sequence table: nothing to do. */
int seq_drop_owned(Exec *x, const char *table, const char *col);
int seq_restart_owned(Exec *x, const char *table);
int seq_rename_owner(Exec *x, const char *table, const char *col, const char *new_table, const char *new_col);

/* Registers nextval, currval, setval and lastval on the connection (done when it switches to the
 * PostgreSQL dialect). */
int seq_register_functions(mica_db *db);

/* Frees the connection's session state (currval values, lastval). */
void seq_session_free(mica_db *db);

#endif /* MICA_SEQUENCE_H */
