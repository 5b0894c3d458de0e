/*
 * shell.h: state and internal interfaces of the mica shell (src/mica.c, src/shell_output.c).
 *
 * The shell keeps one `struct shell` for the whole process: the open connection, the output stream
 * and the output settings the dot-commands change. shell_output.c renders statement results in the
 * sqlite3 shell's output modes; mica.c reads input, runs SQL and dispatches dot-commands.
 */
#ifndef MICA_SHELL_H
#define MICA_SHELL_H

#include <stdio.h>

#include "mica.h"

enum shell_mode {
  SHELL_MODE_LIST,
  SHELL_MODE_CSV,
  SHELL_MODE_COLUMN,
  SHELL_MODE_BOX,
  SHELL_MODE_TABLE,
  SHELL_MODE_MARKDOWN,
  SHELL_MODE_JSON,
  SHELL_MODE_LINE,
  SHELL_MODE_INSERT,
  SHELL_MODE_QUOTE,
  SHELL_MODE_TABS,
  SHELL_MODE_HTML,
  SHELL_MODE_ASCII,
  SHELL_MODE_QBOX,
  SHELL_MODE_TCL
};

#define SHELL_MAX_READ_DEPTH 25

struct shell {
  mica_db *db;
  char *db_path; /* as given on the command line (owned) */
  FILE *out;     /* stdout or the .output file */
  enum shell_mode mode;
  int headers;     /* show column names */
  int headers_set; /* the user chose (.headers, -header, -noheader): modes don't override it */
  char colsep[32];
  char rowsep[32];
  char nullvalue[64];
  char *insert_table; /* table name for insert mode (owned; NULL = "table") */
  int widths[64];     /* .width: per-column width for columnar modes (0 auto, <0 right-aligned) */
  int nwidths;
  int bail;        /* stop at the first error */
  char *out_name;  /* the .output/.once file name (owned), NULL for stdout */
  int once;        /* sh->out goes back to stdout after the next command or statement */
  int echo;        /* print each command and statement before running it */
  int changes;     /* print the change counts after each statement */
  int readonly;    /* opened with -readonly */
  int timer;       /* print "Run Time:" after each statement */
  int interactive; /* reading from a terminal */
  int read_depth;  /* .read files being processed (bounded by SHELL_MAX_READ_DEPTH) */
  int nerr;        /* errors so far (the exit status is non-zero if any) */
  int json_rows;   /* rows printed by the current json/line result (for separators) */
};

/* Runs one prepared statement to completion, printing its rows in sh->mode. Returns the result of the
 * final mica_step (MICA_DONE on success, else the error code; the message is in mica_errmsg). */
int shell_output_stmt(struct shell *sh, mica_stmt *stmt);

/* Appends a double formatted the way the sqlite3 shell's json and insert modes print reals. */
void shell_format_real(double r, char *buf, size_t size);

/* Writes s as an SQL string literal ('...' with '' doubled; newlines as replace(...) calls when
 * newlines is 0, as the sqlite3 shell's insert mode and .dump do). */
void shell_write_sql_string(FILE *out, const char *s, int newlines);
/* Writes n bytes as an SQL blob literal X'..'. */
void shell_write_sql_blob(FILE *out, const unsigned char *p, int n);
/* Writes an identifier, double-quoted only when it is not a plain identifier or is a keyword. */
void shell_write_identifier(FILE *out, const char *name);
/* 1 if name must be quoted to be used as an identifier. */
int shell_needs_quote(const char *name);

#endif /* MICA_SHELL_H */
