#!/bin/bash
# auto_index.sh: joins that have no index on the inner table's join column use an automatic index in
# SELECT statements (exec.h, Op.autocol). The rows must be exactly those of a nested-loop scan: same
# affinity conversions, collations, NULLs and duplicates as sqlite3, which these cases compare with.
. "$(dirname "$0")/lib.sh"

compare "integer, real and text keys under affinity" <<'SQL'
create table a(x, y integer, z text, w real);
create table b(k, ki integer, kt text, kr real, tag);
insert into a values(1, 1, '1', 1.0), ('1', '2', 2, 2.5), (2.0, 3, '03', 3), (null, null, null, null),
  ('abc', 4, 'abc', 4), (x'01', 5, 'ABC', 5.0), (3, 3, '3', 3.0);
insert into b values(1, 1, '1', 1, 'b1'), ('1', 1, '1', 1.0, 'b2'), (2, 2, '2', 2, 'b3'),
  (2.0, 3, '03', 3.0, 'b4'), (null, null, null, null, 'b5'), ('abc', 4, 'abc', 4, 'b6'),
  (x'01', 5, 'ABC', 5, 'b7'), (3, 3, '3', 3, 'b8'), (1, 1, '1', 1, 'b9');
select a.rowid, b.tag from a, b where b.k = a.x order by 1, 2;
select a.rowid, b.tag from a, b where b.ki = a.x order by 1, 2;
select a.rowid, b.tag from a, b where b.kt = a.x order by 1, 2;
select a.rowid, b.tag from a, b where b.kr = a.x order by 1, 2;
select a.rowid, b.tag from a, b where b.k = a.y order by 1, 2;
select a.rowid, b.tag from a, b where b.ki = a.z order by 1, 2;
select a.rowid, b.tag from a, b where b.kt = a.y order by 1, 2;
select a.rowid, b.tag from a, b where b.kr = a.z order by 1, 2;
select a.rowid, b.tag from a, b where b.k = a.w order by 1, 2;
select a.rowid, b.tag from a join b on b.kt = a.z || '' order by 1, 2;
select a.rowid, b.tag from a, b where a.x = b.k and b.tag > 'b3' order by 1, 2;
select count(*) from a, b, b as c where b.ki = a.y and c.kt = b.kt;
SQL

compare "collations decide which rows match" <<'SQL'
create table p(name text collate nocase, v);
create table q(name text, w);
insert into p values('Ann', 1), ('bob', 2), ('CY', 3), ('ann ', 4);
insert into q values('ann', 10), ('ANN', 11), ('Bob', 12), ('cy', 13), ('dan', 14), ('ann ', 15);
select p.v, q.w from q, p where p.name = q.name order by 1, 2;
select p.v, q.w from p, q where q.name = p.name order by 1, 2;
select p.v, q.w from p, q where q.name = p.name collate nocase order by 1, 2;
select p.v, q.w from p, q where q.name collate rtrim = p.name order by 1, 2;
SQL

compare "correlated subqueries, left joins and data changes" <<'SQL'
create table t(a, b);
create table u(c, d);
insert into t values(1, 'x'), (2, 'y'), (3, 'z'), (2, 'w');
insert into u values(2, 20), (3, 30), (3, 31), (4, 40);
select a, (select sum(d) from u where u.c = t.a) from t order by 1, 2;
select a, d from t left join u on u.c = t.a order by 1, 2;
select a, b from t where exists (select 1 from u where u.c = t.a) order by 1, 2;
insert into u select a + 1, a * 100 from t, u where u.c = t.a;
select * from u order by 1, 2;
update t set b = (select max(d) from u where u.c = t.a);
select * from t order by 1, 2;
delete from u where c in (select a from t, u as u2 where u2.c = t.a);
select * from u order by 1, 2;
SQL

compare "EXPLAIN QUERY PLAN names the automatic index" <<'SQL'
create table t1(a, b);
create table t2(c, d);
explain query plan select * from t1, t2 where t2.c = t1.a;
explain query plan select * from t1, t2 where t2.c = t1.a and t2.d > t1.b;
SQL

finish
