#!/bin/bash
# triggers.sh: CREATE TRIGGER programs fire as in sqlite3: BEFORE/AFTER/INSTEAD OF on INSERT, UPDATE
# [OF cols], DELETE, WHEN, NEW/OLD, RAISE, UPSERT/REPLACE, recursion, changes() and errors, compared
# byte for byte with sqlite3's output through the shell.
. "$(dirname "$0")/lib.sh"

compare "audit log of inserts, updates and deletes" <<'SQL'
create table acct(id integer primary key, owner text not null, balance integer default 0);
create table audit(seq integer primary key, what text, at_rowid integer);
create trigger acct_ins after insert on acct begin
  insert into audit(what, at_rowid) values('insert ' || new.owner || ' ' || new.balance, new.rowid);
end;
create trigger acct_upd after update of balance on acct when new.balance <> old.balance begin
  insert into audit(what, at_rowid) values('balance ' || old.balance || ' -> ' || new.balance, new.id);
end;
create trigger acct_del before delete on acct begin
  insert into audit(what, at_rowid) values('delete ' || old.owner, old.id);
end;
insert into acct(owner) values('ann'), ('bob');
insert into acct(owner, balance) values('cy', 10);
update acct set balance = balance + 5 where owner <> 'bob';
update acct set owner = upper(owner);
update acct set balance = balance;
delete from acct where id = 2;
select changes(), total_changes(), last_insert_rowid();
select * from acct;
select * from audit;
SQL

compare "before triggers validate with RAISE" <<'SQL'
create table item(name text, qty integer);
create trigger item_qty before insert on item when new.qty < 0 begin
  select raise(abort, 'negative quantity');
end;
create trigger item_name before update of name on item begin
  select raise(fail, 'names are fixed');
end;
create trigger item_skip before insert on item when new.name = 'skip' begin select raise(ignore); end;
insert into item values('a', 1), ('skip', 2), ('b', 3);
insert into item values('c', 1), ('d', -1);
update item set qty = qty * 10;
update item set name = 'z' where qty > 10;
select * from item;
begin;
insert into item values('e', 5);
insert into item values('f', -5);
select count(*) from item;
commit;
select * from item;
SQL

compare "instead of triggers make a view writable" <<'SQL'
create table person(id integer primary key, first text, last text);
create view fullname as select id, first || ' ' || last as name from person;
insert into fullname(name) values('Ada Lovelace');
create trigger fn_ins instead of insert on fullname begin
  insert into person(first, last) values(substr(new.name, 1, instr(new.name, ' ') - 1),
                                         substr(new.name, instr(new.name, ' ') + 1));
end;
create trigger fn_upd instead of update on fullname begin
  update person set first = substr(new.name, 1, instr(new.name, ' ') - 1),
                    last = substr(new.name, instr(new.name, ' ') + 1) where id = old.id;
end;
create trigger fn_del instead of delete on fullname begin delete from person where id = old.id; end;
insert into fullname(name) values('Ada Lovelace'), ('Alan Turing'), ('Grace Hopper');
update fullname set name = 'Grace Murray' where name like 'Grace%';
delete from fullname where id = 2;
select changes();
select * from person;
select * from fullname;
SQL

compare "recursive triggers walk a tree" <<'SQL'
create table node(id integer primary key, parent integer);
insert into node values(1, null), (2, 1), (3, 1), (4, 2), (5, 4), (6, 3), (7, null);
create trigger node_del after delete on node begin delete from node where parent = old.id; end;
delete from node where id = 2;
select group_concat(id) from node;
pragma recursive_triggers = on;
delete from node where id = 1;
select group_concat(id) from node;
create table n(x);
create trigger n_loop after insert on n begin insert into n values(new.x + 1); end;
insert into n values(0);
select count(*) from n;
SQL

compare "upsert and replace fire triggers" <<'SQL'
create table kv(k text primary key, v);
create table log(x);
create trigger kv_bi before insert on kv begin insert into log values('bi ' || new.k); end;
create trigger kv_au after update on kv begin insert into log values('au ' || old.v || '>' || new.v); end;
create trigger kv_ad after delete on kv begin insert into log values('ad ' || old.k); end;
insert into kv values('a', 1);
insert into kv values('a', 2) on conflict(k) do update set v = v + excluded.v;
insert or replace into kv values('a', 10);
pragma recursive_triggers = 1;
replace into kv values('a', 20);
select * from kv;
select * from log;
SQL

compare "trigger errors" <<'SQL'
create table t(a);
create view v as select a from t;
create trigger bad before insert on v begin select 1; end;
create trigger bad instead of delete on t begin select 1; end;
create trigger bad after insert on nosuch begin select 1; end;
create trigger ok after insert on t begin select old.a; end;
create trigger w after insert on t begin with x(a) as (select new.a) insert into t select a from x; end;
create trigger w after insert on t begin with x(a) as (select 1) select a from x; end;
insert into t values(1);
drop trigger ok;
update v set a = 1;
select raise(ignore);
drop table t;
select count(*) from sqlite_schema where type = 'trigger';
SQL

finish
