#!/bin/bash
# gencols.sh: generated columns (GENERATED ALWAYS AS (expr) VIRTUAL|STORED, AS (expr)) as in sqlite3:
# values computed on INSERT/UPDATE and read, records without VIRTUAL columns (sqlite3 reads the file
# back), errors, indexes, CHECK/NOT NULL, triggers, UPSERT, RETURNING and PRAGMA table_xinfo, compared
# byte for byte with sqlite3's output through the shell.
. "$(dirname "$0")/lib.sh"

compare "stored and virtual values on insert, update and read" <<'SQL'
create table t(a integer primary key, b as (a*2) stored, c, d as (a+c) virtual,
               e generated always as (c||'x'), f text as (d) stored, g int generated always as (f) virtual);
insert into t(a, c) values(1, 'p'), (2, 10), (null, 1.5);
insert into t(c) select 7;
select * from t;
update t set c = c || 'q' where a = 1;
update t set a = a + 10 where a = 2;
select a, b, c, d, e, f, typeof(f), g, typeof(g) from t order by a;
select rowid, d from t where d > 10;
delete from t where e = '7x' returning *;
select count(*) from t;
SQL

compare "records omit virtual columns" <<'SQL'
create table r(a, v as (a*3), b, s as (b||'!') stored);
insert into r(a, b) values(1, 'x'), (2, 'y');
alter table r add column z default 'zz';
alter table r add column w as (a + length(z));
select * from r;
select hex(a), typeof(v), s, z, w from r;
SQL

# A file written by each engine, read by the other: the records hold no VIRTUAL column.
cross() {
  local name=$1 writer=$2 reader=$3 dir=$scratch/cross
  rm -rf "$dir" && mkdir -p "$dir"
  "$writer" "$dir/x.db" > /dev/null 2>&1 <<'SQL'
create table r(a, v as (a*3), b, s as (b||'!') stored, c);
insert into r(a, b, c) values(1, 'x', 5), (2, 'y', 6);
create index rv on r(v);
SQL
  local got expect
  got=$("$reader" "$dir/x.db" "select * from r; select a from r where v = 6; select c from r where s = 'y!'; pragma integrity_check;" 2>&1)
  expect=$(printf '1|3|x|x!|5\n2|6|y|y!|6\n2\n6\nok')
  if [ "$got" = "$expect" ]; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
    echo "FAIL: $name"
    diff <(echo "$expect") <(echo "$got")
  fi
}
mica_bin=${MICA_SHELL:-$top_builddir/src/mica}
if [ -x "$mica_bin" ]; then
  cross "written by mica, read by sqlite3" "$mica_bin" "$SQLITE3"
  cross "written by sqlite3, read by mica" "$SQLITE3" "$mica_bin"
fi

compare "table_xinfo and table_info" <<'SQL'
create table x(a integer, b as (a) stored, c, d int as (a+1) virtual not null, e generated always as (1));
pragma table_xinfo(x);
pragma table_info(x);
SQL

compare "errors when creating a table" <<'SQL'
create table t1(a, b primary key as (a));
create table t2(a, b as (a), primary key(b));
create table t3(a integer primary key as (1), b);
create table t5(a, b as (a) default 3);
create table t6(a, b default 3 as (a));
create table t7(a, b as (a) as (a));
create table t8(a, b as (a) hidden);
create table t9(a as (1), b as (2));
create table t10(a, b as (random()));
create table t11(a, b as (count(a)));
create table t12(a, b as (zz));
create table t13(a, b as (?));
create table t14(a, b as (rowid));
create table t15(a, b as (t15.a + 1));
create table t16(a, b as (row_number() over ()));
create table t17(a, b as ((select 1)));
create table t18(a, b as (a in (select 1)));
create table t19(a, b as (current_time));
create table t20(a, b as (changes()));
create table t21(a, b as (julianday(a)), c as (abs(a)) stored, d as (date(a, '+1 day')));
insert into t21(a) values('2020-01-31');
select * from t21;
select name from sqlite_schema order by name;
SQL

compare "errors when writing" <<'SQL'
create table t(a, b as (a*2) stored, c as (a*3));
insert into t values(1, 2, 3);
insert into t values(1, 2);
insert into t(a, b) values(1, 2);
insert into t(c) values(3);
insert into t select 1, 2;
update t set b = 1;
update t set c = 1 where 0;
insert into t values(4);
insert into t(a) values(5) on conflict do update set c = 1;
select * from t;
SQL

compare "loops are found when the table is written" <<'SQL'
create table l(x, a as (b), b as (c), c as (a));
insert into l(x) values(1);
create table l2(x, a as (b + x), b as (x * 2) stored, c as (a * 10));
insert into l2(x) values (1), ('3'), (null);
select * from l2;
SQL

compare "constraints and indexes on generated columns" <<'SQL'
create table c(a, b as (a) not null, check (b > 0));
insert into c values(1);
insert into c(a) values(0);
insert into c(a) values(null);
create table u(a, b as (a + 1) unique, c as (lower(a)) stored);
insert into u(a) values(1), (2);
insert into u(a) values(1);
insert or ignore into u(a) values(2), (3);
create index uc on u(c);
create index ub2 on u(b, c);
select * from u where b = 3;
select * from u where c = '3';
explain query plan select * from u where b = 3;
update u set a = 10 where b = 2;
select * from u order by b;
pragma integrity_check;
create table w(a, b as (upper(a)) virtual, unique(b));
insert into w(a) values ('x');
insert into w(a) values ('X');
insert or replace into w(a) values ('X');
select * from w;
create table s(a, b text as (a) stored, c int as (b), d as (a) collate nocase);
insert into s(a) values (1.0), ('A');
select a, typeof(a), b, typeof(b), c, typeof(c) from s;
select a from s where d = 'a';
SQL

compare "triggers, upsert and returning see generated values" <<'SQL'
create table log(v);
create table u(id integer primary key, x unique, y as (x * 2), z as (x * 3) stored);
create trigger tbi before insert on u begin insert into log values('bi ' || quote(new.id) || ' ' || new.y || ' ' || new.z); end;
create trigger tai after insert on u begin insert into log values('ai ' || new.id || ' ' || new.y || ' ' || new.z); end;
create trigger tbu before update on u begin insert into log values('bu ' || old.y || '>' || new.y || ' ' || new.z); end;
create trigger tau after update on u begin insert into log values('au ' || old.z || '>' || new.z); end;
create trigger tbd before delete on u begin insert into log values('bd ' || old.y || ' ' || old.z); end;
insert into u(x) values(4);
insert into u(id, x) values(7, 5) returning *;
update u set x = x + 1 where id = 1 returning y, z;
insert into u(x) values(5) on conflict(x) do update set x = excluded.x + excluded.y returning *;
delete from u where y = 10 returning *;
select * from u;
select * from log;
SQL

compare "alter table add column" <<'SQL'
create table a(x);
alter table a add column y as (x * 2);
alter table a add column s as (x * 3) stored;
insert into a(x) values(1);
alter table a add column s as (x * 3) stored;
alter table a add column z as (zz);
alter table a add column z as (random());
alter table a add column z as (x) unique;
alter table a add column z as (x) primary key;
alter table a add column z integer default 3 as (1);
select * from a;
pragma table_xinfo(a);
SQL

finish
