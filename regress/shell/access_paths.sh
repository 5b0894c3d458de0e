#!/bin/bash
# access_paths.sh: the planner's access paths (plan.c, ACCESS PATHS) return exactly sqlite3's rows, in
# sqlite3's order where no ORDER BY fixes it: covering index scans, ORDER BY / GROUP BY / DISTINCT
# answered by index or rowid order (both directions, with LIMIT), min()/max() by index, rowid ranges,
# IN lists and subqueries answered by an index, join order chosen by cost.
. "$(dirname "$0")/lib.sh"

compare "rowid order, rowid ranges and min/max of the rowid" <<'SQL'
create table t(n integer primary key, pad blob, note text);
create index tnote on t(note);
insert into t values(5, x'00', 'e'), (1, x'01', 'a'), (3, null, 'c'), (2, x'02', null), (4, x'03', 'c');
select coalesce(max(n), 0) from t;
select max(n), min(n) from t;
select min(n) from t;
select max(n), note from t;
select n from t order by n desc;
select n from t order by n desc limit 2;
select n from t where n > 2;
select n from t where n >= 2 and n < 4 order by n desc;
select n from t where n between 1.5 and 3.5;
select n from t where n < '3';
select n from t where n > 'x';
select n from t where n > null;
select n from t where n in (4, 2, 2, null, 9, '3');
select n from t where n in (4, 2) order by n desc;
select note, n from t order by note;
select note, n from t order by note desc, n desc;
select note from t where note > 'b';
select max(note), min(note) from t;
SQL

compare "covering indexes and index order" <<'SQL'
create table t(a integer, b integer, c text, d);
create index tab on t(a, b);
create index tc on t(c);
insert into t values(3, 1, 'c', 1), (1, 2, 'a', 2), (2, 3, 'b', 3), (1, 1, 'd', 4), (null, 5, null, 5),
  (2, null, 'B', 6), (1, 2, 'a', 7);
select a, b from t where a = 1;
select b from t where a = 1 and b > 1;
select a from t where b = 2;
select rowid, c from t where c = 'a';
select count(*) from t where a = 1;
select * from t order by a;
select * from t order by a, b;
select * from t order by a desc, b desc;
select * from t order by a, b desc;
select * from t where a = 1 order by b;
select * from t where a = 1 order by b desc limit 1;
select * from t order by c limit 2;
select * from t order by c desc limit 3;
select a, count(*) from t group by a;
select b, count(*) from t group by b;
select a, b, count(*) from t group by a, b order by a, b;
select b, a, count(*) from t group by b, a;
select min(a), max(a), max(c) from t;
select min(a) from t;
select max(a) from t;
select max(b) from t;
select max(b) from t where a = 1;
select min(c), d from t;
select distinct a from t;
select distinct b from t;
select a, b from t where a = 2 and b between 0 and 9;
select c from t where c > 'a' and c < 'c';
SQL

compare "IN lists and subqueries answered by an index" <<'SQL'
create table t(a integer, b text collate nocase, c);
create index ta on t(a);
create index tb on t(b);
insert into t values(1, 'x', 1), (2, 'Y', 2), (3, 'z', 3), (2, 'y', 4), ('2', 'X', 5), (null, null, 6);
select c from t where a in (3, 1, 2, 2);
select c from t where a in ('2', 2.0, null);
select c from t where a in (select c from t where c > 2);
select c from t where a not in (1, 2);
select c from t where b in ('X', 'y');
select c from t where a in (2, 3) and b = 'y';
select c from t where a in (1, 3) order by a desc;
SQL

compare "OR terms: one column as IN, several indexes as MULTI-INDEX OR" <<'SQL'
create table t(a integer, b integer, c integer);
create index ta on t(a);
create index tb on t(b);
insert into t values(1, 10, 100), (2, 20, 200), (3, 30, 300), (1, 20, 400), (null, 10, 500), (3, null, 600);
select c from t where a = 3 or a = 1;
select c from t where a = 1 or b = 20;
select c from t where b = 20 or a = 1;
select c from t where (a = 1 or b = 20) and c > 100;
select c from t where a > 2 or b < 15;
select c from t where a = 1 or c = 300;
select c from t where a = 1 or (b = 30 and c = 300) or b is null;
select c from t where a = 1 or b = 20 order by a;
explain query plan select * from t where a = 1 or b = 20;
SQL

compare "the LIKE prefix under the collation it needs" <<'SQL'
create table t(a text, b text collate nocase, c integer);
create index ta on t(a);
create index tb on t(b);
create index tc on t(c);
insert into t values('apple', 'Apple', 1), ('banana', 'BANANA', 2), ('apricot', 'apricot', 3),
  ('Apex', 'APEX', 4), ('ap', 'ap', 5), ('aq', 'Aq', 6), ('zz', 'Zebra', 7), ('z_', 'z[', 8), (null, null, 9);
select b from t where b like 'ap%';
select b from t where b like 'AP%';
select b from t where b like 'z%';
select a from t where a like 'ap%';
select a from t where a glob 'ap*';
select a from t where a glob 'Ap*';
select b from t where b like 'ap';
select c from t where c like '1%';
pragma case_sensitive_like = on;
select a from t where a like 'ap%';
select a from t where a like 'Ap%';
pragma case_sensitive_like = off;
explain query plan select * from t where b like 'ap%';
SQL

compare "a covering index reads REAL columns back as reals (integral values are stored as integers)" <<'SQL'
create table t(r real, n integer, s text);
create index tr on t(r, n);
insert into t values(8911.0, 1, 'a'), (2.5, 2, 'b'), (-3, 3, 'c'), (null, 4, 'd');
select r, typeof(r), n from t where r > -10;
select r, n from t order by r desc;
select max(r), min(r) from t;
SQL

compare "join order by cost" <<'SQL'
create table p(id integer primary key, name text);
create table c(id integer primary key, pid integer, v integer);
create index cpid on c(pid);
create table n(x, y);
create table m(x, y);
insert into p values(1, 'a'), (2, 'b'), (3, 'c');
insert into c values(1, 1, 10), (2, 1, 20), (3, 2, 30), (4, 9, 40);
insert into n values(1, 2), (3, 4), (2, 7);
insert into m values(1, 5), (3, 6), (3, 8);
select * from p, c where c.pid = p.id;
select * from p join c on c.pid = p.id where p.name = 'a';
select * from c join p on p.id = c.pid;
select * from p, c, n, m where c.pid = p.id and n.x = p.id and m.x = n.x;
select * from p cross join c where c.pid = p.id;
select p.name, c.v from p, c where c.pid = p.id order by p.id desc;
SQL
finish
