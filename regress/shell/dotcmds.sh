#!/bin/bash
# dotcmds.sh: dot-commands (.tables .schema .indexes .dump .import .read .output ...) and command-line
# SQL/-cmd give the same bytes as sqlite3.
. "$(dirname "$0")/lib.sh"

schema="create table t(a integer primary key, b text);
create table \"we ird\"(x);
create table 'single'(y);
create table [br ack](z);
create index tb on t(b);
create unique index wx on \"we ird\"(x);
create view v as select a, b as bee from t;
create table auto(id integer primary key autoincrement, v);
create trigger tr after insert on t begin insert into auto(v) values(new.b); end;
insert into t values(1, 'x''y'), (2, NULL), (3, 'two
lines');
insert into \"we ird\" values(x'00ff'), (1.5), (1e100), (0.1), (-7);
create table aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa(q);
create table b2(q); create table c3(q); create table d4(q);"

compare ".tables" <<SQL
$schema
.tables
.tables t%
.tables nomatch
SQL

compare ".tables in columns" <<'SQL'
create table a(x); create table bb(x); create table ccc(x); create table dddd(x); create table e(x);
create table f(x); create table g(x); create table hhhhhhh(x); create table i(x); create table j(x);
create table k(x); create table l(x); create table m(x); create table n(x); create table o(x);
create table p(x); create table q(x); create table r(x); create table s(x); create table u(x);
.tables
SQL

compare ".schema" <<SQL
$schema
.schema
.schema t
.schema v
.schema nomatch
SQL

compare ".indexes" <<SQL
$schema
.indexes
.indexes t
.indexes "we ird"
SQL

compare ".dump" <<SQL
$schema
.dump
SQL

compare ".dump one table" <<SQL
$schema
.dump t
SQL

compare ".dump round trip" <<SQL
$schema
.output out/dump.sql
.dump
.output
.print dumped
SQL

compare "identifiers needing quotes" <<'SQL'
create table "a""b"("c""d", [e f], `g`);
insert into "a""b" values(1, 2, 3);
create table "select"(x); insert into "select" values('s');
create table _u1(x); create table "1abc"(x); create table "Abc"(x);
.tables
.schema
.dump
.mode insert
.headers on
select * from "a""b";
.mode column
select * from "a""b";
SQL

compare ".dump after analyze" <<'SQL'
create table t(a); create index i on t(a); insert into t values(1),(2),(2);
analyze;
.dump
.schema
.indexes
SQL

compare ".dump of a without rowid table" <<'SQL'
create table t(a); create index i on t(a); insert into t values(1),(2),(2);
create table w(a primary key, b) without rowid; insert into w values('k', 1), ('a', 2);
create index wb on w(b);
.dump w
.dump
.schema
.indexes
SQL

compare ".echo .changes .once .show" <<'SQL'
.echo on
select 1;
create table t(a);
.changes on
insert into t values(1),(2);
select 2;
.changes off
.echo off
.show
.once out/once.txt
select 3;
select 4;
.separator "\t" "x\n"
.nullvalue 'a"b'
.show
SQL

compare "temp objects in .tables .schema .indexes, not in .dump" <<'SQL'
create table m(a); create temp table x(a); create temp view tv as select 1; create index ti on x(a);
.tables
.schema
.indexes
.dump
create temp table "q x"(a); create unique index temp.ui on "q x"(a);
create temp trigger tr after insert on "q x" begin select 1; end;
CREATE TEMPORARY TABLE y(b); create temp table if not exists z(c);
.schema
.tables
.schema x
.schema temp.x
.tables x
.indexes x
SQL

compare ".open, --new, --readonly" <<'SQL'
create table a(x);
.open o2.db
create table b(y); insert into b values(1);
.tables
.open test.db
.tables
.open --new o2.db
.tables
.open --readonly test.db
insert into a values(1);
.open
.tables
.databases
SQL

compare ".output and .print" <<'SQL'
.output out/a.txt
select 1;
.print hello "quoted arg" 'single'
.output
select 2;
SQL

datafile people.csv <<'EOF2'
name,age,"note"
alice,30,"likes ""quotes"""
bob,25,"multi
line"
carol,41,plain
EOF2
datafile short.csv <<'EOF2'
1,2,3
4,5
6,7,8,9
EOF2

compare ".import new table" <<'SQL'
.import --csv data/people.csv people
.schema people
.mode box
select * from people;
SQL

compare ".import csv mode into existing table" <<'SQL'
create table s(a, b, c);
.mode csv
.import data/short.csv s
.mode list
select * from s;
select typeof(a) from s limit 1;
SQL

printf '1,a\n1,b\n2\n3,c,extra\n' | datafile dup.csv

compare ".import rejected rows are reported, not errors" <<'SQL'
create table u(id integer primary key, v text not null);
.import --csv data/dup.csv u
select * from u;
.mode csv
.import data/dup.csv "new tab"
.schema
select * from "new tab";
SQL

compare ".import missing file" <<'SQL'
.import --csv data/nonexistent.csv x
select 1;
SQL

printf 'a,b\r\n1,"x,y"\r\n2,"he said ""hi"""\r\n"3",\r\n' | datafile crlf.csv
printf '' | datafile empty.csv
printf 'onlyheader,h2\n' | datafile hdr.csv
printf 'x,y\n1,2\n\n3,4\n' | datafile blank.csv
printf 'p|q\n1|2\n' | datafile pipe.txt

compare ".import edge cases" <<'SQL'
.import --csv data/crlf.csv c1
.import --csv data/empty.csv c2
.import --csv data/hdr.csv c3
.import --csv data/blank.csv c4
.import data/pipe.txt c5
.schema
.mode quote
select * from c1;
select * from c3;
select * from c4;
select * from c5;
.import --csv --skip 1 data/crlf.csv c1
select count(*) from c1;
SQL

datafile sub.sql <<'EOF2'
create table r(x);
insert into r values(1),(2);
select count(*) from r;
EOF2

compare ".read" <<'SQL'
.read data/sub.sql
select sum(x) from r;
SQL

compare "SQL arguments" DB "create table t(a)" "insert into t values(5)" "select a*2 from t" ".mode csv" "select 'x,y'"
compare "-cmd runs before stdin" -cmd ".mode csv" -cmd "create table t(a)" DB <<'SQL'
insert into t values('p,q');
select * from t;
SQL

compare "multiple statements per line and comments" <<'SQL'
-- a comment line
select 1; select 2;   select 3
;
/* block */ select 4; -- trailing
select 'a;b'; select "x;";
  
SQL

compare "multi-line trigger and strings with semicolons" <<'SQL'
create table t(a);
create table log(x);
create trigger tr after insert on t
begin
  insert into log values('a;b');
  insert into log values(new.a);
end;
insert into t values(1);
select * from log;
select 'x;
y' as s;
select "semi;colon" from (select 1 as "semi;colon");
SQL

compare "statement without semicolon at end of input" <<'SQL'
select 42
SQL

compare "headers and timer off" <<'SQL'
.headers on
select 1 as one;
.headers off
select 1 as one;
.timer off
select 2;
SQL

compare ".exit and .quit" <<'SQL'
select 1;
.quit
select 2;
SQL

compare ".exit with code" <<'SQL'
select 1;
.exit 3
select 2;
SQL

finish
