#!/bin/bash
# modes.sh: the output modes and their options give the same bytes as sqlite3.
. "$(dirname "$0")/lib.sh"

setup="create table t(i integer, r real, s text, b blob, n);
insert into t values(1, 2.5, 'plain', x'00ff10', NULL);
insert into t values(-42, 1e300, 'with \"quotes\" and ''apostrophes''', x'', 7);
insert into t values(9223372036854775807, 0.1, 'comma, separated', NULL, 'é ü 中文');
insert into t values(0, -0.0, '', x'41', 3.0);
insert into t values(NULL, 123456.789, 'tab	inside', NULL, 'line1
line2');"

for mode in list csv column box table markdown qbox html ascii tcl json line insert quote tabs; do
  for headers in on off; do
    compare "mode $mode headers $headers" <<SQL
$setup
.mode $mode
.headers $headers
select * from t;
select i as "odd name", s as "select" from t where i > 0;
select 1 where 0;
select 'a' || char(10) || 'bc' as multi, 'x' as y;
select char(1) || 'c' as ctl, 'p' || char(13) || 'q' as cr, char(9) || 't' as tab;
SQL
  done
done

compare "column mode turns headers on unless set" <<'SQL'
.mode column
select 1 as a, 'xyz' as bb;
.mode list
select 1 as a;
.headers off
.mode column
select 22 as a;
SQL

compare "box, table and markdown show headers without turning them on" <<'SQL'
.mode box
select 1 as a;
.mode list
select 1 as a;
.mode table
select 2 as b;
.mode markdown
select 3 as c;
.mode list
select 4 as d;
SQL

compare ".width wraps, truncates headers and right-aligns" <<'SQL'
.mode column
.width 3 -4
select 'abcdefgh' as longname, 12 as b union all select 'x', 123456;
.width 2
select 'ab' as abcdef;
.mode list
.width 5
select 'abcdefgh' as a;
.mode box
.width 3 -4
select 'abcdefgh' as longname, 12 as b union all select 'x', 123456;
.mode table
select 'héllo wörld' as u, 1 as n;
.mode column
.width 3 -6 0
select 'abcdefgh' as a, 12 as b, 'xyz' as c, 'extra' as d;
.width
select 'abcdefgh' as a;
SQL

compare "insert mode with table name" <<'SQL'
create table t(a, "b c");
insert into t values(1, 'x'), (2.25, 'two
lines'), (NULL, 'cr' || char(13) || 'lf' || char(10));
.mode insert mytable
select * from t;
.mode insert "select"
.headers on
select * from t;
SQL

compare "json numbers and escapes" <<'SQL'
.mode json
select 1.0 as a, 1e20 as b, 1.5e-7 as c, -3.75 as d, 12345678901234567890.0 as e, 1e308*10 as inf, -1e308*10 as ninf;
select '\"/' || char(8) || char(12) || char(10) || char(13) || char(9) || char(0x1f) || char(0x7f) as "k\ey";
select x'0001' as blob;
SQL

compare "nullvalue and separator" <<'SQL'
.nullvalue <null>
.separator ; ~
select NULL, 1, 'x';
select 2, NULL;
.mode csv
select NULL, 1;
.mode line
select NULL as a;
SQL

compare "wide and unicode columns" <<'SQL'
.mode box
select 'héllo wörld' as "ünïcode", 12 as n union all select 'ab', 123456789;
.mode column
select 'héllo wörld' as "ünïcode", 12 as n union all select 'ab', 123456789;
SQL

compare "option -csv -header" -csv -header DB "select 1 as a, 'x,y' as b"
compare "option -json" -json DB "select 1 as a, 'x' as b union all select 2, NULL"
compare "option -line" -line DB "select 1 as a, 'x' as bbbbbbb"
compare "option -list -separator" -list -separator ' :: ' DB "select 1, 2, 3"
compare "option -box" -box DB "select 1 as a, 'hello' as b"
compare "option -markdown" -markdown DB "select 1 as a, 'hello' as b"
compare "option -html -header" -html -header DB "select 1 as a, '<x>' as b"
compare "option -ascii" -ascii DB "select 1 as a, 'x' as b"
compare "option -column -noheader" -column -noheader DB "select 1 as a, 'hello' as b"
compare "option -column" -column DB "select 1 as a, 'hello' as b"
compare "option -header then .mode csv from stdin" -header <<'SQL'
.mode csv
select 'a' as x, 'b' as y;
SQL

compare "explain query plan is drawn as a tree" <<'SQL'
create table t(a, b); create index ta on t(a);
explain query plan select * from t where a = 1 order by b;
explain query plan select * from t, t as u where t.a = u.b union select 1, 2;
.mode csv
explain query plan select * from t;
.mode box
explain query plan select * from t;
SQL

compare "explain is shown in indented columns in every mode" <<'SQL'
create table t(a, b); create index tb on t(b);
explain select sum(a) from t group by b;
explain select * from t where b in (select a from t) order by a;
explain with recursive c(x) as (select 1 union all select x + 1 from c where x < 3) select * from c;
.mode json
explain insert into t select * from t;
SQL

finish
