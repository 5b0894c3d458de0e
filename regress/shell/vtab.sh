#!/bin/bash
# vtab.sh: table-valued functions over the virtual-table API, compared byte for byte with sqlite3's
# output through the shell: json_each / json_tree (every column, paths, correlated arguments, joins),
# the pragma_* functions, generate_series, and the errors of table-valued function calls and CREATE
# VIRTUAL TABLE.
. "$(dirname "$0")/lib.sh"

compare "json_each and json_tree: every column" <<'SQL'
.headers on
select * from json_each('[1,2.5,"x",null,true,false,[3,4],{"k":"v"}]');
select * from json_each('{"a":1,"b":[2,3],"c":{"d":4},"e f":"g","h\"i":5}');
select * from json_tree('{"a":1,"b":[2,3,[4,{"x":5}]],"c":{"d":null}}');
select * from json_tree('[[1,[2]],{"a":[3,{"b":4}]}]');
select key, value, fullkey, path, id, parent from json_tree('{"a":{"b":[1,2,{"c":3}]}}', '$.a');
select key, value, fullkey, path, id, parent from json_tree('{"a":{"b":[1,2,{"c":3}]}}', '$.a.b');
select key, value, fullkey, path, id, parent from json_tree('[1,[2,3],4]', '$[1]');
select key, value, fullkey, path, id, parent from json_tree('{"a":5}', '$.a');
select key, value, fullkey, path, id, parent from json_each('{"a":{"b":[1,2,{"c":3}]}}', '$.a.b');
select key, value, fullkey, path, id, parent, root from json_each('{"a":{"b":[1,2,{"c":3}]}}', '$.a.b[2]');
select * from json_each('{"a":5}', '$.a');
select * from json_each('{"a":5}', '$.zz');
select * from json_each('5');
select * from json_tree('5');
select * from json_each(null);
select * from json_each('[1]', null);
select rowid, key from json_each('[10,20,30]');
select rowid, key from json_tree('[10,20,30]');
select json, root from json_each('[1]');
select count(*) from json_tree('{"a":[1,2,3],"b":{"c":[4,5]}}');
select value from json_each('[3,1,2]') order by value;
select value from json_each('[3,1,2]') where value > 1;
select j.value from json_each('[1,2,3]') j where j.key = 1;
select typeof(value), typeof(atom), typeof(key) from json_each('[1,1.5,"s",null,[1]]');
select json_array(value) from json_each('[[1,2],{"a":1}]');
select * from json_each('{"a":"\u00e9\n"}');
SQL

compare "table-valued functions with correlated arguments and joins" <<'SQL'
create table t(id integer primary key, doc text);
insert into t values(1, '[1,2]'), (2, '{"a":3,"b":[4]}'), (3, null), (4, '[]');
select t.id, j.key, j.value from t, json_each(t.doc) j;
select t.id, j.key, j.value from json_each(t.doc) j, t order by t.id;
select t.id, j.key, j.value from t left join json_each(t.doc) j order by 1, 2;
select t.id, count(j.key) from t left join json_each(t.doc) j group by t.id;
select t.id, (select count(*) from json_tree(t.doc)) from t;
select id from t where exists (select 1 from json_each(t.doc) where value = 3);
select t.id, j.fullkey from t, json_tree(t.doc) j where j.type not in ('array','object') order by 1, 2;
select * from json_each('[1,2]') a, json_each('[3,4]') b;
select * from t, json_each('[1]') where json_each.value = t.id;
create view v as select t.id, j.value from t, json_each(t.doc) j;
select * from v order by 1, 2;
select * from json_each('[1,2') ;
select * from json_each('[1,2]', 'x');
select * from json_each('[1,2]', '$[');
select * from json_tree('{"a":[1,2]}', '$.a[#-1]');
SQL

compare "pragma functions" <<'SQL'
.headers on
create table p(a integer primary key, b text not null default 'x', c real unique, d);
create index pi on p(d desc, b);
select * from pragma_table_info('p');
select * from pragma_table_xinfo('p');
select * from pragma_index_list('p');
select * from pragma_index_info('pi');
select * from pragma_index_xinfo('pi');
select * from pragma_foreign_key_list('p');
select seq, name from pragma_database_list;
select name from pragma_table_info('p') where pk;
select m.name, c.name from sqlite_schema m, pragma_table_info(m.name) c where m.type = 'table' order by 1, 2;
select * from pragma_table_info('nosuch');
select * from pragma_table_info;
select * from pragma_user_version;
select * from pragma_schema_version;
select * from pragma_application_id;
select * from pragma_page_size;
select * from pragma_encoding;
select * from pragma_foreign_keys;
select * from pragma_recursive_triggers;
select * from pragma_auto_vacuum;
select * from pragma_freelist_count;
select * from pragma_integrity_check;
select * from pragma_quick_check;
select * from pragma_table_info('p', 'main');
select * from pragma_table_info('p', 'temp');
select * from pragma_table_info('p', 'nope');
select arg, schema from pragma_table_info('p', 'main') limit 1;
select * from pragma_table_info('p') where name like '%b%';
select * from pragma_table_list where name = 'p';
select * from pragma_busy_timeout;
pragma table_info(json_each);
pragma table_xinfo(pragma_index_xinfo);
select * from pragma_wal_checkpoint;
alter table p add column e text;
select name, type from pragma_table_info('p');
drop index pi;
select * from pragma_index_list('p');
SQL

# generate_series is built into the sqlite3 program, not into libsqlite3 (which src/mica_shim uses)
MICA_ONLY=1 compare "generate_series and table-valued function errors" <<'SQL'
pragma table_xinfo(generate_series);
select * from generate_series(1,10,3);
select * from generate_series(10,1,-3);
select * from generate_series(1,10,-3);
select value, start, stop, step from generate_series(1,10,-3);
select * from generate_series(5,1);
select * from generate_series(1,3) order by value desc;
select * from generate_series(1,3) order by 1 desc;
select * from generate_series(0,10,3) where value > 4;
select rowid, * from generate_series(5,7);
select * from generate_series(1,2) a, generate_series(a.value, 3) b;
select * from generate_series('3', '5');
select * from generate_series(1.5, 3.7);
select * from generate_series(null, 3);
select * from generate_series(1, 3, null);
select * from generate_series(1, 5, 0) limit 3;
select * from generate_series(9223372036854775806, 9223372036854775807) limit 4;
select * from generate_series(-9223372036854775808, -9223372036854775807);
select * from generate_series(10) limit 3;
select * from generate_series where start = 1 and stop = 3;
select sum(value) from generate_series(1, 100);
select * from generate_series(1,3) where start = 1;
select * from generate_series(1, 3) s join generate_series(2, 4) t on s.value = t.value;
select value from generate_series(1,3) union all select value from generate_series(7,8);
select * from generate_series;
select * from generate_series(1,2,3,4);
select * from json_each(1,2,3);
select * from nosuch(1);
create table t(a); select * from t(1);
with c(x) as (select 1) select * from c(1);
select * from json_each(x);
select * from t, json_each(t2.a);
select * from generate_series(1,3) where step = 1;
select * from generate_series(1,3) g where g.value in (1,3);
select * from generate_series(1,3) where value is not null and value is 2;
explain query plan select * from generate_series(1,3);
create virtual table v using nosuch(a, b);
create virtual table v2 using json_each;
select * from generate_series(1, 3) a left join generate_series(a.value, 2) b;
select distinct value % 2 from generate_series(1,5) order by 1;
select value from generate_series(1,5) order by value desc limit 2;
select value, count(*) over () from generate_series(1,3) order by value desc;
SQL

finish
