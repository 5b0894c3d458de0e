#!/bin/bash
# without_rowid.sh: WITHOUT ROWID tables through the shell, compared byte for byte with sqlite3: CREATE
# and its errors, the sqlite_schema rows, table_info/index_list/index_xinfo, INSERT with PRIMARY KEY and
# UNIQUE conflicts (OR REPLACE/IGNORE, UPSERT), scans and PRIMARY KEY / index searches with EXPLAIN
# QUERY PLAN, UPDATE (also of PRIMARY KEY columns), DELETE, DROP, CREATE INDEX, integrity_check.
# Then the files themselves: the same script run by Mica and by sqlite3 must leave files that sqlite3
# dumps identically (and finds intact), and files sqlite3 writes must read the same in Mica.
. "$(dirname "$0")/lib.sh"

compare "create: errors, schema rows and pragmas" <<'SQL'
create table e1(a, b) without rowid;
create table e2(a integer primary key autoincrement, b) without rowid;
create table e3(a text primary key autoincrement, b) without rowid;
create table t(a text, b int unique, c, d unique, primary key(c desc, a collate nocase)) without rowid;
create table u(x unique, y primary key, z) without rowid;
create index ti on t(b, a);
create index tc on t(d collate nocase desc);
create table v(a integer primary key, b unique, c unique) without rowid;
create table w(a, b, primary key(a, a collate nocase, a)) without rowid;
create table d1(a unique, b, primary key(a)) without rowid;
create table d2(a primary key unique, b) without rowid;
create table d3(a integer primary key unique, b) without rowid;
create table r(a primary key unique, b);
create table s(a int, b text, c any, unique(b, a), primary key(a, b)) without rowid, strict;
select * from sqlite_schema;
pragma index_list(t);
pragma index_list(u);
pragma index_list(v);
pragma index_list(d1);
pragma index_list(d2);
pragma index_list(d3);
pragma index_list(r);
pragma index_list(s);
pragma index_xinfo(ti);
pragma index_info(ti);
pragma index_xinfo(tc);
pragma index_xinfo(sqlite_autoindex_t_1);
pragma index_xinfo(sqlite_autoindex_t_3);
pragma index_info(sqlite_autoindex_t_3);
pragma index_xinfo(sqlite_autoindex_v_3);
pragma index_xinfo(sqlite_autoindex_w_1);
pragma index_xinfo(sqlite_autoindex_s_1);
pragma table_info(t);
pragma table_xinfo(u);
pragma table_info(w);
SQL

compare "insert: constraints, conflicts, REPLACE, IGNORE, UPSERT" <<'SQL'
create table t(a, b, c, primary key(a, b)) without rowid;
insert into t values(1, 1, 'x'), (1, 2, 'y'), (2, 1, 'z');
insert into t values(1, 1, 'dup');
insert into t values(null, 1, 'n');
insert into t values(3, null, 'n');
insert or ignore into t values(1, 2, 'ignored'), (5, 5, 'new');
insert or replace into t values(2, 1, 'replaced');
insert into t values(1, 1, 'up') on conflict(a, b) do update set c = c || '+' || excluded.c;
insert into t values(1, 1, 'up') on conflict(b, a) do update set c = 'where' where c = 'no';
insert into t values(9, 9, 'nothing') on conflict do nothing;
insert into t values(1, 2, 'nothing') on conflict do nothing;
insert into t(a, b) values(7, 7);
insert into t default values;
insert into t(rowid, a, b) values(1, 8, 8);
select last_insert_rowid(), changes(), total_changes();
select * from t;
create table u(k text primary key, v unique, w) without rowid;
insert into u values('a', 1, 0), ('b', 2, 0);
insert into u values('a', 3, 0);
insert into u values('c', 1, 0);
insert into u values('a', 1, 0);
insert or replace into u values('c', 1, 'took v=1 from a');
insert or replace into u values('b', 5, 'kept key b');
select * from u;
create table n(k primary key on conflict replace, v unique, w unique) without rowid;
insert into n values(1, 1, 1), (2, 2, 2);
insert into n values(1, 2, 3);
insert into n values(1, 5, 2);
insert into n values(1, 9, 9);
select * from n;
create table o(a unique, b primary key, c unique) without rowid;
insert into o values(1, 1, 1);
insert into o values(1, 1, 1);
insert into o values(2, 1, 2);
insert into o values(1, 2, 2);
create table ipk(id integer primary key, v) without rowid;
insert into ipk values('12', 'text id stays integer'), (1.0, 'real'), ('x', 'text');
select id, typeof(id), v from ipk;
SQL

compare "uniqueness checks run newest constraint first (rowid tables too)" <<'SQL'
create table x(a unique, b unique, c unique);
insert into x values(1, 1, 1);
insert into x values(1, 1, 1);
create table y(a unique, b unique, c unique on conflict replace);
insert into y values(1, 1, 1);
insert into y values(1, 1, 1);
create table z(a unique, b unique);
create unique index zab on z(a, b);
insert into z values(1, 1);
insert into z values(1, 1);
create table p(a primary key unique, b);
insert into p values(1, 1);
insert into p values(1, 2);
pragma index_list(p);
SQL

compare "select: scans in key order, searches, index lookups, query plans" <<'SQL'
create table t(a int, b text, c, d, primary key(a, b)) without rowid;
create index tc on t(c);
create index td on t(d, a);
with recursive n(i) as (select 1 union all select i + 1 from n where i < 60)
insert into t select i % 7, 'k' || (i * 13 % 11), i * 3 % 17, i % 5 from n;
select count(*) from t;
select * from t limit 12;
select * from t where a = 3;
select * from t where a = 3 and b = 'k5';
select * from t where a = 3 and b > 'k5';
select * from t where a > 4;
select * from t where a between 2 and 3 and b < 'k2';
select * from t where c = 7;
select * from t where d = 2 and a = 1;
select a, b from t where c = 7 and a = 2;
select count(*), sum(c) from t where a >= 5;
select * from t where b = 'k3' order by c, a;
explain query plan select * from t where a = 3;
explain query plan select * from t where a = 3 and b = 'k5';
explain query plan select * from t where a = 3 and b > 'k5';
explain query plan select * from t where a > 4;
explain query plan select * from t where c = 7;
explain query plan select * from t;
create table s(k text primary key collate nocase, v) without rowid;
insert into s values('b', 1), ('A', 2), ('c', 3), ('a2', 4);
insert into s values('B', 5);
select * from s;
select * from s where k = 'C';
select * from s where k > 'a';
explain query plan select * from s where k = 'C';
create table dsc(a, b, primary key(a desc, b)) without rowid;
insert into dsc values(1, 'x'), (3, 'y'), (2, 'z'), (3, 'a');
select * from dsc;
select * from dsc where a = 3;
select * from dsc where a > 1;
SQL

compare "joins with WITHOUT ROWID tables" <<'SQL'
create table p(id text primary key, name) without rowid;
create table q(pid text, n int, v, primary key(pid, n)) without rowid;
insert into p values('a', 'ann'), ('b', 'bob'), ('c', 'cy');
insert into q values('a', 1, 10), ('a', 2, 20), ('c', 1, 30), ('d', 1, 40);
select p.name, q.n, q.v from p join q on q.pid = p.id;
select p.name, q.n from p left join q on q.pid = p.id order by 1, 2;
select p.name, q.pid, q.n from p right join q on q.pid = p.id order by 2, 3;
select p.name, q.pid, q.n from q full join p on q.pid = p.id order by 1, 2, 3;
select name, (select count(*) from q where pid = id) from p;
explain query plan select p.name, q.n from q join p on q.pid = p.id;
SQL

compare "update, delete, drop" <<'SQL'
create table t(a, b, c, primary key(a, b)) without rowid;
create index tc on t(c);
insert into t values(1, 1, 'a'), (1, 2, 'b'), (2, 1, 'c'), (2, 2, 'd'), (3, 1, 'e');
update t set c = c || '!' where a = 1;
select changes();
update t set b = b + 10 where a = 2;
update t set a = 1, b = 1 where c = 'e';
update or replace t set a = 1, b = 1 where c = 'e';
select * from t;
update or ignore t set a = 1 where a = 2;
select * from t;
update t set a = a + 100;
select * from t where c = 'd';
delete from t where a = 101 and b = 12;
select changes();
delete from t where c > 'c';
select * from t;
pragma integrity_check;
update t set rowid = 5;
delete from t where rowid = 1;
select oid from t;
delete from t;
select changes();
insert into t values(1, 1, 'again');
select * from t;
drop index tc;
drop table t;
select count(*) from sqlite_schema;
pragma integrity_check;
SQL

compare "triggers, RETURNING and CHECK on WITHOUT ROWID tables" <<'SQL'
create table t(k text primary key, v int check (v >= 0)) without rowid;
create table log(x);
create trigger ti after insert on t begin insert into log values('ins ' || new.k || '=' || new.v); end;
create trigger tu before update on t begin insert into log values('upd ' || old.k || ' -> ' || new.k); end;
create trigger td after delete on t begin insert into log values('del ' || old.k); end;
insert into t values('a', 1), ('b', 2) returning *;
insert into t values('c', -1);
update t set k = 'z' where k = 'a' returning k, v;
delete from t where k = 'b' returning v;
insert into t values('z', 9) on conflict(k) do update set v = v + excluded.v returning *;
select * from t;
select * from log;
create trigger bad after insert on t begin select new.rowid; end;
insert into t values('q', 1);
SQL

compare "UPDATE and DELETE visit rows in key order when SQLite does (rowid tables too)" <<'SQL'
create table r(a, b, c); create index rc on r(c);
insert into r values(1, 1, 30), (2, 2, 10), (3, 3, 20), (4, 4, 40);
update r set a = a + 10 where c >= 10 returning a;
update r set c = c + 1 where c >= 10 returning a;
delete from r where c > 0 returning a;
create table t(a int, b, c, primary key(a desc, b)) without rowid; create index tc on t(c);
insert into t values(1, 1, 30), (2, 2, 10), (3, 3, 20), (4, 4, 40);
create table log(x);
create trigger tl after update on t begin insert into log values(new.a); end;
update t set b = b + 10 where c >= 10;
update t set c = c + 1 where c >= 10 returning a;
delete from t where c > 0 returning a;
select * from log;
SQL

compare "ALTER TABLE ADD COLUMN before the table constraints, VACUUM" <<'SQL'
create table w(a text, b int , constraint k primary key(b, a) ) without rowid;
create index wa on w(a);
insert into w values('x', 1), ('y', 2), ('z', 1);
alter table w add column c default 'dflt';
create table r(a, b, primary key(a)); insert into r values(1, 2);
alter table r add column c;
create table v(a, b  ); alter table v add c;
select sql from sqlite_schema;
select * from w;
insert into w values('q', 3, 'given');
select * from w where c = 'dflt';
select * from w where b = 1;
vacuum;
select * from w;
select * from r;
pragma integrity_check;
pragma index_xinfo(wa);
SQL

compare "create index on a filled table, unique failures, integrity_check" <<'SQL'
create table t(a primary key, b, c) without rowid;
with recursive n(i) as (select 1 union all select i + 1 from n where i < 300)
insert into t select i, i % 10, 'row ' || i from n;
create index tb on t(b);
create unique index tc on t(c);
create unique index tbad on t(b);
select count(*) from t where b = 3;
explain query plan select * from t where b = 3;
delete from t where b = 3;
update t set c = upper(c) where a % 7 = 0;
select * from t where c like 'ROW 1%' order by a limit 5;
pragma integrity_check;
select count(*) from t;
SQL

compare "large rows: overflow pages in keys and payloads" <<'SQL'
create table big(k text primary key, v blob) without rowid;
with recursive n(i) as (select 1 union all select i + 1 from n where i < 200)
insert into big select printf('%05d', i) || hex(randomblob(0)) || substr(replace(hex(zeroblob(800)), '0', 'k'), 1, i * 5),
  zeroblob(i * 40) from n;
create table big2(k text, v blob, w, primary key(w, k)) without rowid;
create index b2v on big2(v);
insert into big2 select k, v, length(k) % 3 from big where k < '00120';
select count(*), sum(length(k)), sum(length(v)) from big;
delete from big where cast(substr(k, 1, 5) as int) % 3 = 0;
update big set v = zeroblob(5000) where cast(substr(k, 1, 5) as int) % 5 = 0;
select count(*), sum(length(k)), sum(length(v)) from big;
select substr(k, 1, 5), length(k), length(v) from big where k > '00190';
delete from big2 where w = 1;
update big2 set v = zeroblob(3000) where k > '00100';
select count(*), sum(length(k)), sum(length(v)) from big2;
pragma integrity_check;
SQL

# ---------------------------------------------------------------- the files themselves
# run SCRIPT through sqlite3 and through Mica (each on a new file), then compare what sqlite3 sees in
# the two files: .dump, integrity_check and the check queries CHECKS.
files_agree() {
  local name=$1 setup=$2 checks=$3 d=$scratch/files
  rm -rf "$d"
  mkdir -p "$d"
  printf '%s\n' "$setup" | "$SQLITE3" "$d/s.db" >"$d/s.setup" 2>&1
  local entry label prog
  for entry in "${shells[@]}"; do
    label=${entry%%=*}
    prog=${entry#*=}
    rm -f "$d/m.db" "$d/m.db-wal"
    (cd "$d" && HOME=$d "$prog" m.db <<<"$setup" >"$d/m.setup" 2>&1)
    local report=""
    cmp -s "$d/s.setup" "$d/m.setup" || report+="setup output differs: $(diff "$d/s.setup" "$d/m.setup" | head -20)"$'\n'
    for f in s m; do
      { "$SQLITE3" "$d/$f.db" 'pragma integrity_check' .dump; printf '%s\n' "$checks" | "$SQLITE3" "$d/$f.db"; } \
        >"$d/$f.read" 2>&1
    done
    cmp -s "$d/s.read" "$d/m.read" || report+="sqlite3 reads the files differently:"$'\n'$(diff "$d/s.read" "$d/m.read" | head -40)$'\n'
    if [ -z "$report" ]; then
      passed=$((passed + 1))
    else
      failed=$((failed + 1))
      echo "FAIL ($label): $name"
      printf '%s' "$report"
    fi
  done
}

files_agree "files Mica writes are the files sqlite3 writes" "
create table t(a text, b int unique, c, d, primary key(c desc, a collate nocase)) without rowid;
create table u(id integer primary key, v, w unique) without rowid;
create index ti on t(b, a);
create index td on t(d);
create index uv on u(v desc);
with recursive n(i) as (select 1 union all select i + 1 from n where i < 500)
insert into t select 'k' || (i % 37), i, i % 23, zeroblob(i % 50 * 30) from n;
insert into u select b, 'v' || (b % 9), case when b % 4 = 0 then null else b end from t;
delete from t where b % 5 = 0;
update t set a = a || 'x' where b % 3 = 0;
update t set c = c + 1000 where b % 7 = 0;
delete from u where id between 100 and 180;
update u set id = id + 10000 where v = 'v3';
" "
select count(*), sum(b), sum(length(d)) from t;
select * from t where c = 5;
select * from t indexed by ti where b between 10 and 20;
select * from u where v = 'v3' limit 5;
select * from u indexed by uv order by v desc limit 5;
"

# a file sqlite3 built: Mica reads it as sqlite3 does, then changes it, and sqlite3 finds it intact
mkdir -p "$scratch/data"
"$SQLITE3" "$scratch/data/sq.db" <<'SQL'
create table t(a text, b int unique, c, d, primary key(c desc, a collate nocase)) without rowid;
create table u(x unique, y primary key, z) without rowid;
create index ti on t(b, a);
create index tu on u(z desc, x);
with recursive n(i) as (select 1 union all select i + 1 from n where i < 400)
insert into t select 'k' || (i % 37), i, i % 23, zeroblob(i % 50 * 30) from n;
insert into u select b, 'y' || b, b % 13 from t;
SQL
compare "a file sqlite3 wrote reads and changes the same" <<'SQL'
.open data/sq.db
select count(*), sum(b), sum(length(d)) from t;
select a, b, c from t where c = 4;
select a, b, c from t where c = 4 and a = 'K5';
select * from t where b = 77;
select * from u where y = 'y20';
select * from u where z = 3 and x > 300;
pragma index_list(t);
pragma index_xinfo(ti);
pragma integrity_check;
delete from t where b % 4 = 0;
update t set c = -c where b % 9 = 0;
insert into t values('new', 1000, 1, x'00');
insert into u values(1, 'y1', 0);
insert or replace into u values(1, 'y1', 99);
select * from u where x = 1;
select count(*), sum(c) from t;
pragma integrity_check;
SQL
# integrity_check compares rows with their indexes: a file whose index roots sqlite3 swapped (sound
# b-trees, wrong contents) and a NOT NULL column that holds a NULL
"$SQLITE3" "$scratch/data/swapped.db" <<'SQL'
create table t(a primary key, b not null) without rowid; create index tb on t(b);
insert into t values(10, 1), (20, 2), (30, 'three');
create table u(a primary key, b) without rowid; create index ub on u(b); insert into u values(1, 1);
create table r(x, y); create index ry on r(y); insert into r values(1, 1), (2, 2), (3, 3);
create table r2(x, y); create index r2y on r2(y); insert into r2 values(5, 5);
create table v(x, y); insert into v values(1, null);
pragma writable_schema = on;
update sqlite_schema set rootpage = 5 where name = 'tb';
update sqlite_schema set rootpage = 3 where name = 'ub';
update sqlite_schema set rootpage = 9 where name = 'ry';
update sqlite_schema set rootpage = 7 where name = 'r2y';
update sqlite_schema set sql = 'CREATE TABLE v(x, y not null)' where name = 'v';
SQL
compare "integrity_check finds rows missing from indexes and NULLs in NOT NULL columns" <<'SQL'
.open data/swapped.db
pragma integrity_check;
pragma integrity_check(5);
pragma quick_check;
SQL

# ... and sqlite3 finds the file Mica changed intact and equal to the one it changed itself
if [ -f "$scratch/got/data/sq.db" ]; then
  a=$("$SQLITE3" "$scratch/expect/data/sq.db" 'pragma integrity_check' .dump 2>&1)
  b=$("$SQLITE3" "$scratch/got/data/sq.db" 'pragma integrity_check' .dump 2>&1)
  if [ "$a" = "$b" ]; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
    echo "FAIL: sqlite3 reads the changed file differently"
    diff <(echo "$a") <(echo "$b") | head -40
  fi
fi

finish
