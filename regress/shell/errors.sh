#!/bin/bash
# errors.sh: error reports (parse and runtime errors with line numbers and the position marker, bad
# dot-commands), exit status and -bail give the same bytes as sqlite3.
. "$(dirname "$0")/lib.sh"

compare "syntax error with marker" <<'SQL'
select 1;
selec 1;
select 2;
SQL

compare "errors report the statement's first line" <<'SQL'
create table t(a unique);
insert into t values(1);
insert into t values(1);
select 1,
  2 from
  nosuch;
  select 1 +;
select 'unterminated;
SQL

compare "marker far into a long statement" <<'SQL'
select 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40 frm t;
select 1, 2, 3, 4, 5, 6, 7, 8 frm t;
select 1,
   2,
   3 frm t;
SQL

compare "runtime errors" <<'SQL'
create table t(a integer primary key, b not null, c check(c > 0));
insert into t values(1, 1, 1);
insert into t values(1, 1, 1);
insert into t values(2, NULL, 1);
insert into t values(3, 1, -1);
select abs(-9223372036854775808);
select 'still running';
SQL

compare "error stops the rest of its line" <<'SQL'
select 1; select nosuch; select 3;
select 4;
SQL

compare "-bail stops at the first error" -bail <<'SQL'
select 1;
select * from nosuch;
select 2;
SQL

compare ".bail on" <<'SQL'
.bail on
select 1;
insert into nosuch values(1);
select 2;
SQL

compare "bad dot-commands" <<'SQL'
.foo
.headers maybe
select 1 as a;
.mode nosuch
.read /nonexistent/file.sql
select 'after';
SQL

compare "clean run exits 0" <<'SQL'
create table t(x);
insert into t values(1);
select * from t;
SQL

compare "SQL argument error" DB "select * from nosuch"
compare "SQL argument syntax error" DB "select 1 +"
compare "SQL argument constraint error exits with its code" DB "create table t(a unique)" "insert into t values(1)" "insert into t values(1)" "select 'not reached'"
compare "SQL argument runtime error" DB "select abs(-9223372036854775808)"
compare "-cmd error does not change the exit status" -cmd "select * from nosuch" DB "select 2"
compare "-cmd error with -bail stops" -bail -cmd "select * from nosuch" DB "select 2"
compare "-cmd bad dot-command with -bail stops before stdin" -bail -cmd ".foo" DB <<'SQL'
select 3;
SQL

finish
