#!/bin/bash
# fkeys.sh: FOREIGN KEY constraints under PRAGMA foreign_keys=ON as sqlite3 enforces them: immediate
# and deferred keys, defer_foreign_keys, ON DELETE/UPDATE actions and their interplay with triggers,
# composite and self-referencing keys, parent key errors, DROP TABLE, savepoints, and the
# foreign_key_list / foreign_key_check pragmas, compared byte for byte with sqlite3 through the shell.
. "$(dirname "$0")/lib.sh"

compare "off by default, then immediate keys" <<'SQL'
create table p(id integer primary key, name text);
create table c(pid references p, v);
insert into c values(7, 'orphan while off');
pragma foreign_keys;
pragma foreign_keys = on;
pragma foreign_keys;
insert into c values(1, 'no parent');
insert into p values(1, 'one'), (2, 'two');
insert into c values(1, 'a'), (2, 'b'), (null, 'null key');
insert into c values(1, 'ok'), (3, 'bad');
insert or ignore into c values(3, 'ignored?');
insert or replace into c values(3, 'replace?');
update c set pid = 5 where v = 'a';
update c set pid = 2 where v = 'a';
update c set v = v || '!' where pid = 7;
delete from p where id = 2;
delete from p where id = 9;
update p set id = 10 where id = 1;
update p set name = 'uno' where id = 1;
select * from p;
select * from c order by rowid;
SQL

compare "parent keys: integer primary key, primary key, unique, affinity and collation" <<'SQL'
pragma foreign_keys = on;
create table pi(id integer primary key);
create table ci(x references pi);
insert into pi values(1), (2);
insert into ci values(1), ('2'), (2.0);
insert into ci values('1x');
insert into ci values(1.5);
create table pt(k text primary key);
create table ct(x integer references pt);
insert into pt values('1'), ('01'), ('a');
insert into ct values(1);
insert into ct values('01');
insert into ct values('a');
select x, typeof(x) from ct;
create table pn(k collate nocase unique);
create table cn(x references pn(k));
insert into pn values('Abc');
insert into cn values('ABC');
insert into cn values('abd');
create table pu(a, b, unique(b, a));
create table cu(x, y, foreign key(x, y) references pu(a, b));
insert into pu values(1, 2);
insert into cu values(1, 2), (null, 5), (3, null);
insert into cu values(2, 1);
delete from pu;
select * from cu;
SQL

compare "foreign key mismatch and missing parent tables" <<'SQL'
pragma foreign_keys = on;
create table p(a, b unique, c);
create table m1(x references p(a));
create table m2(x references p);
create table m3(x references p(c collate nocase));
create table m4(x, y, foreign key(x, y) references p(b, c));
create table ok(x references p(b));
create table nope_child(x references nope);
insert into m1 values(1);
delete from m1;
insert into m2 values(1);
insert into m4 values(1, 2);
insert into ok values(1);
insert into p values(1, 2, 3);
delete from p;
update p set a = 1;
insert into nope_child values(1);
insert into nope_child values(null);
select * from p;
pragma foreign_key_check(ok);
pragma foreign_key_check(m1);
pragma foreign_key_check(nope_child);
pragma foreign_key_check(nosuch);
pragma foreign_keys = off;
insert into m1 values(1);
select * from m1;
SQL

compare "create table errors" <<'SQL'
create table p(a primary key, b);
create table c1(x references p(a, b));
create table c2(x, foreign key(zz) references p);
create table c3(x, y, foreign key(x, y) references p(a));
create table c4(x, y, foreign key(x, y) references p);
create table c5(x, foreign key(x) references p(a, b));
create table c6(x references p(a) on delete cascade on update set default match full not deferrable, y);
select name from sqlite_schema order by name;
pragma foreign_key_list(c6);
SQL

compare "deferred keys are checked at commit" <<'SQL'
pragma foreign_keys = on;
create table p(id integer primary key);
create table d(pid references p deferrable initially deferred);
create table i(pid references p not deferrable initially deferred);
insert into d values(1);
select count(*) from d;
begin;
insert into d values(1);
insert into d values(2);
select count(*) from d;
commit;
select count(*) from d;
insert into p values(1);
commit;
select count(*) from d;
rollback;
begin;
insert into d values(3);
delete from d;
commit;
begin;
insert into d values(4);
insert into p values(4);
commit;
select * from d;
begin;
insert into i values(8);
commit;
select * from i;
savepoint s1;
insert into d values(5);
release s1;
select * from d;
savepoint s1;
insert into d values(6);
savepoint s2;
insert into d values(7);
rollback to s2;
insert into p values(6);
release s1;
select * from d;
begin;
insert into d values(9);
savepoint x;
insert into p values(9);
rollback to x;
commit;
rollback;
SQL

compare "defer_foreign_keys" <<'SQL'
pragma foreign_keys = on;
create table p(id integer primary key);
create table c(pid references p on delete restrict);
insert into p values(1);
insert into c values(1);
pragma defer_foreign_keys;
begin;
pragma defer_foreign_keys = 1;
insert into c values(5);
delete from p;
pragma defer_foreign_keys;
insert into p values(5), (1);
commit;
pragma defer_foreign_keys;
select * from c;
begin;
pragma defer_foreign_keys = on;
insert into c values(7);
commit;
pragma defer_foreign_keys;
rollback;
pragma defer_foreign_keys;
begin;
pragma foreign_keys = off;
pragma foreign_keys;
insert into c values(8);
commit;
SQL

compare "on delete and on update actions" <<'SQL'
pragma foreign_keys = on;
create table p(id integer primary key, code text unique);
create table cascade_c(pid references p on delete cascade on update cascade, v);
create table setnull_c(pcode references p(code) on delete set null on update set null, v);
create table setdef_c(pid integer default 99 references p on delete set default on update set default, v);
create table restrict_c(pid references p on delete restrict on update restrict, v);
create table noact_c(pid references p on delete no action, v);
insert into p values(1, 'a'), (2, 'b'), (3, 'c'), (99, 'default');
insert into cascade_c values(1, 'c1'), (2, 'c2'), (1, 'c3');
insert into setnull_c values('a', 'n1'), ('b', 'n2');
insert into setdef_c values(1, 'd1'), (2, 'd2');
update p set id = 10 where id = 1;
update p set code = 'bb' where id = 2;
select * from cascade_c;
select * from setnull_c;
select * from setdef_c;
delete from p where id = 2;
select * from cascade_c;
select * from setnull_c;
select * from setdef_c;
insert into restrict_c values(3, 'r');
delete from p where id = 3;
update p set id = 30 where id = 3;
update p set code = 'cc' where id = 3;
insert into noact_c values(10, 'x');
delete from p where id = 10;
begin;
delete from noact_c;
delete from p where id = 10;
commit;
select * from p;
select * from cascade_c;
delete from p where id = 99;
select * from setdef_c;
SQL

compare "self-referencing trees" <<'SQL'
pragma foreign_keys = on;
create table t(id integer primary key, parent references t on delete cascade, name);
insert into t values(1, null, 'root'), (2, 1, 'a'), (3, 2, 'b'), (4, 3, 'c'), (5, 1, 'd');
insert into t values(6, 6, 'self');
insert into t(parent, name) values(7, 'self by new rowid');
insert into t values(9, 10, 'dangling');
delete from t where id = 2;
select * from t;
select changes(), total_changes();
create table e(id integer primary key, boss references e(id) on update cascade);
insert into e values(1, null), (2, 1), (3, 2);
update e set id = id + 100;
select * from e;
create table n(k unique, up references n(k) on delete set null);
insert into n values('a', null), ('b', 'a'), ('c', 'b');
delete from n where k = 'a';
select * from n;
create table deep(id integer primary key, parent references deep on delete cascade);
with recursive r(i) as (select 1 union all select i + 1 from r where i < 300)
insert into deep select i, nullif(i - 1, 0) from r;
delete from deep where id = 1;
select count(*) from deep;
SQL

compare "actions and triggers" <<'SQL'
pragma foreign_keys = on;
create table log(v);
create table p(id integer primary key);
create table c(pid references p on delete cascade on update set null, v);
create trigger c_del after delete on c begin insert into log values('c deleted ' || old.v); end;
create trigger c_upd before update on c begin insert into log values('c ' || old.v || ' pid ' || quote(new.pid)); end;
create trigger p_del before delete on p begin insert into log values('p deleting ' || old.id); end;
insert into p values(1), (2);
insert into c values(1, 'x'), (1, 'y'), (2, 'z');
delete from p where id = 1;
update p set id = 20;
select * from c;
select * from log;
create trigger c_guard before delete on c when old.v = 'keep' begin select raise(abort, 'kept'); end;
insert into p values(3);
insert into c values(3, 'keep');
delete from p where id = 3;
select * from p;
create table g(pid references p);
create trigger g_bad after insert on g begin insert into g values(12345); end;
insert into p values(4);
insert into g values(4);
select count(*) from g;
SQL

compare "restrict, cascade chains and statement rollback" <<'SQL'
pragma foreign_keys = on;
create table a(id integer primary key);
create table b(id integer primary key, aid references a on delete cascade);
create table c(bid references b on delete restrict);
insert into a values(1), (2);
insert into b values(10, 1), (20, 2);
insert into c values(10);
delete from a where id = 1;
delete from a where id = 2;
select * from a;
select * from b;
create table d(aid references a on delete cascade);
insert into d values(1), (1);
delete from a returning *;
select count(*) from d;
SQL

compare "drop table" <<'SQL'
pragma foreign_keys = on;
create table p(a primary key);
create table c(x references p);
create table d(y references p deferrable initially deferred);
create table e(z references p on delete cascade);
insert into p values(1), (2);
insert into c values(1);
insert into d values(2);
insert into e values(1), (2);
drop table p;
select count(*) from p;
delete from c;
drop table p;
select * from d;
select count(*) from e;
begin;
drop table p;
commit;
select name from sqlite_schema order by name;
rollback;
select name from sqlite_schema order by name;
delete from d;
drop table p;
select changes();
select count(*) from e;
select name from sqlite_schema order by name;
begin;
insert into d values(5);
drop table d;
commit;
select name from sqlite_schema order by name;
SQL

compare "upsert, replace and returning" <<'SQL'
pragma foreign_keys = on;
create table p(id integer primary key, k unique);
create table c(pk references p(k) on delete cascade on update cascade, v unique);
insert into p values(1, 'a'), (2, 'b');
insert into c values('a', 1), ('b', 2);
insert or replace into p values(3, 'a');
select * from c;
insert into p values(4, 'b') on conflict(k) do update set k = 'bb';
select * from c;
insert into c values('zz', 2) on conflict(v) do update set pk = excluded.pk;
insert into c values('bb', 2) on conflict(v) do update set pk = 'nope';
insert into c values('bb', 3) returning *;
select * from c;
SQL

compare "foreign_key_list and foreign_key_check" <<'SQL'
create table p(id integer primary key, u unique, v, w, unique(v, w));
create table c(x references p, y references p(u) on delete cascade on update set null, z, q,
               s references p on update restrict on delete set default,
               foreign key(z, q) references p(v, w) deferrable initially deferred);
create table c2(a references p(u), b references nope(k));
pragma foreign_key_list(c);
pragma foreign_key_list(c2);
pragma foreign_key_list(p);
insert into p values(1, 'a', 1, 2);
insert into c values(1, 'a', 1, 2, 1), (2, 'b', 1, 3, null), (null, null, null, 2, 5), ('1', 'a', '1', 2, 1.0);
insert into c2 values('a', 1), ('zz', null), (null, 3);
pragma foreign_key_check;
pragma foreign_key_check(c);
pragma foreign_key_check(c2);
pragma foreign_key_check(p);
pragma foreign_key_check("c");
SQL

compare "names that need quoting" <<'SQL'
pragma foreign_keys = on;
create table "pa""rent"("i d" integer primary key, "k""ey" text unique);
create table "ch ild"("p id" references "pa""rent" on delete cascade, "k" references "pa""rent"("k""ey") on update cascade);
insert into "pa""rent" values(1, 'a');
insert into "ch ild" values(1, 'a');
update "pa""rent" set "k""ey" = 'b';
select * from "ch ild";
insert into "ch ild" values(2, 'a');
delete from "pa""rent";
select count(*) from "ch ild";
SQL

finish
