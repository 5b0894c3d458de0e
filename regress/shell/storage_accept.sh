#!/bin/bash
# storage_accept.sh: acceptance test of the storage layer against sqlite3, through the mica shell.
#
# 1. Mica builds a database: three tables (one WITHOUT ROWID) with four indexes and ROWS rows in all,
#    every tenth row carrying a BLOB-byte blob (the others 0..500 bytes), then deletes 30% and updates
#    20% of the rows (changing blob sizes, keys and indexed columns). sqlite3's integrity_check must say
#    ok, and sqlite3 must read back exactly what Mica reports: the two shells' .dump of the file are
#    compared, and Mica's own integrity_check must say ok too.
# 2. sqlite3 builds databases at page sizes 1024, 4096 and 65536, in rollback and in WAL mode, with
#    auto_vacuum none and full. Each opens in Mica with the same query results and integrity_check ok;
#    Mica then writes to it, and sqlite3 finds it intact and dumps it as Mica does.
#
# Sizes: STORAGE_ACCEPT_ROWS (default 3000) and STORAGE_ACCEPT_BLOB (default 20480);
# STORAGE_ACCEPT_FULL=1 means the issue's 200,000 rows. MICA_SHELL picks the mica binary.
. "$(dirname "$0")/lib.sh"

rows=${STORAGE_ACCEPT_ROWS:-3000}
[ "${STORAGE_ACCEPT_FULL:-0}" = 1 ] && rows=200000
blob=${STORAGE_ACCEPT_BLOB:-20480}
mica=
for entry in "${shells[@]}"; do [ "${entry%%=*}" = mica ] && mica=${entry#*=}; done
if [ -z "$mica" ]; then echo "src/mica not built: test skipped"; exit 77; fi
work=$scratch/accept
mkdir -p "$work"

ok() { passed=$((passed + 1)); echo "ok: $1"; }
bad() {
  failed=$((failed + 1))
  echo "FAIL: $1"
  [ -n "${2:-}" ] && printf '%s\n' "$2" | head -40
}
# same NAME FILE_A FILE_B: the two files are byte-identical
same() {
  if cmp -s "$2" "$3"; then ok "$1"; else bad "$1" "$(diff "$2" "$3" | head -40)"; fi
}
# is_ok NAME FILE: the file holds the single line "ok"
is_ok() {
  if [ "$(cat "$2")" = ok ]; then ok "$1"; else bad "$1" "$(head -20 "$2")"; fi
}

# ---------------------------------------------------------------- 1. Mica writes, sqlite3 reads
n1=$((rows / 2))
n2=$((rows / 4))
n3=$((rows - n1 - n2))
db=$work/mica.db
start=$(date +%s)
"$mica" "$db" >"$work/build.out" 2>&1 <<SQL
pragma page_size = 4096;
create table item(id integer primary key, name text not null, grp int, payload blob);
create table note(owner int, body text, score real);
create table tag(kind int, label text, data blob, seen int, primary key(kind, label)) without rowid;
create index item_name on item(name);
create index item_grp on item(grp, name);
create index note_owner on note(owner, score);
create index tag_seen on tag(seen);
begin;
with recursive n(i) as (select 1 union all select i + 1 from n where i < $n1)
insert into item select i, 'name-' || (i * 7919 % $n1), i % 97,
  case when i % 10 = 0 then randomblob($blob) else randomblob(i * 31 % 501) end from n;
with recursive n(i) as (select 1 union all select i + 1 from n where i < $n2)
insert into note select i * 2 % $n1, 'note ' || i || ' ' || hex(randomblob(i % 40)), i / 7.0 from n;
with recursive n(i) as (select 1 union all select i + 1 from n where i < $n3)
insert into tag select i % 50, 'label-' || i, case when i % 10 = 0 then randomblob($blob) else randomblob(i % 301) end,
  i % 13 from n;
commit;
begin;
delete from item where id % 10 in (0, 3, 7);
delete from note where rowid % 10 in (1, 4, 8);
delete from tag where cast(substr(label, 7) as int) % 10 in (2, 5, 9);
update item set name = name || '-u', payload = randomblob(length(payload) % 700 * 3) where id % 10 in (1, 5);
update note set score = -score, body = body || ' (updated)' where rowid % 10 in (2, 6);
update tag set kind = kind + 1000, data = case when length(data) > 1000 then randomblob(90) else randomblob($blob) end
  where cast(substr(label, 7) as int) % 10 in (1, 6);
commit;
select count(*) from item;
select count(*) from note;
select count(*) from tag;
pragma integrity_check;
SQL
echo "mica built $rows rows in $(($(date +%s) - start)) s"
tail -n 1 "$work/build.out" >"$work/build.check"
is_ok "Mica's integrity_check of the file it built" "$work/build.check"
"$SQLITE3" "$db" 'pragma integrity_check' >"$work/sq.check" 2>&1
is_ok "sqlite3's integrity_check of the file Mica built" "$work/sq.check"
"$mica" "$db" .dump >"$work/mica.dump" 2>&1
"$SQLITE3" "$db" .dump >"$work/sq.dump" 2>&1
same "sqlite3 dumps the file Mica built as Mica does ($(wc -l <"$work/sq.dump") lines)" "$work/sq.dump" "$work/mica.dump"
q="select count(*), sum(length(payload)), sum(grp) from item; select count(*), sum(score) from note;
select count(*), sum(length(data)), sum(kind) from tag; select kind, count(*) from tag group by kind order by 1 limit 5;
select id, name from item where name between 'name-1000' and 'name-1010' order by 1;
select * from tag where kind = 1001 and label > 'label-5' order by label limit 3;"
printf '%s\n' "$q" | "$mica" "$db" >"$work/mica.q" 2>&1
printf '%s\n' "$q" | "$SQLITE3" "$db" >"$work/sq.q" 2>&1
same "the same queries give the same results" "$work/sq.q" "$work/mica.q"

# ---------------------------------------------------------------- 2. sqlite3 writes, Mica reads and writes
setup="create table item(id integer primary key, name text not null, grp int, payload blob);
create table note(owner int, body text, score real);
create table tag(kind int, label text, data blob, seen int, primary key(kind, label)) without rowid;
create index item_name on item(name);
create index item_grp on item(grp, name);
create index note_owner on note(owner, score);
create index tag_seen on tag(seen);
with recursive n(i) as (select 1 union all select i + 1 from n where i < 400)
insert into item select i, 'name-' || (i * 37 % 400), i % 9, randomblob(case when i % 25 = 0 then 9000 else i % 200 end) from n;
insert into note select id, 'body ' || id, id / 3.0 from item where id % 3 = 0;
insert into tag select grp, name || '/' || id, randomblob(id % 7 * 700), id % 5 from item;
delete from item where id % 4 = 0;
delete from tag where seen = 2;"
reads="select count(*), sum(length(payload)) from item; select * from item where id between 100 and 110;
select * from item where name = 'name-74'; select grp, count(*), sum(length(payload)) from item group by grp;
select count(*), sum(score) from note; select * from note where owner > 390;
select kind, label, length(data), seen from tag where kind = 3 order by label limit 8;
select count(*), sum(length(data)) from tag where seen = 4; pragma integrity_check;"
writes="insert into item(name, grp, payload) select name || '+', grp + 100, zeroblob(length(payload) + 50) from item where id % 3 = 1;
update item set payload = randomblob(12000) where id % 17 = 0;
delete from item where id % 5 = 0;
insert into tag select kind + 100, label, data, seen from tag where seen = 1;
update tag set label = label || '~', data = zeroblob(3000) where seen = 3;
delete from tag where seen = 0;
delete from note where owner % 2 = 0;
pragma integrity_check;"
for ps in 1024 4096 65536; do
  for jm in delete wal; do
    for av in none full; do
      name="page_size $ps, journal_mode $jm, auto_vacuum $av"
      f=$work/sq-$ps-$jm-$av.db
      rm -f "$f" "$f-wal"
      "$SQLITE3" "$f" >/dev/null 2>"$work/setup.err" <<SQL
pragma page_size = $ps;
pragma auto_vacuum = $av;
pragma journal_mode = $jm;
$setup
SQL
      if [ -s "$work/setup.err" ]; then bad "$name: sqlite3 setup" "$(cat "$work/setup.err")"; continue; fi
      printf '%s\n' "$reads" | "$SQLITE3" "$f" >"$work/r.sq" 2>&1
      printf '%s\n' "$reads" | "$mica" "$f" >"$work/r.mica" 2>&1
      same "$name: Mica reads what sqlite3 wrote" "$work/r.sq" "$work/r.mica"
      printf '%s\n' "$writes" | "$mica" "$f" >"$work/w.mica" 2>&1
      is_ok "$name: Mica writes, its integrity_check" "$work/w.mica"
      "$SQLITE3" "$f" 'pragma integrity_check' >"$work/w.sq" 2>&1
      is_ok "$name: sqlite3 finds the file Mica wrote intact" "$work/w.sq"
      "$SQLITE3" "$f" 'pragma page_size' 'pragma auto_vacuum' .dump >"$work/d.sq" 2>&1
      "$mica" "$f" 'pragma page_size' 'pragma auto_vacuum' .dump >"$work/d.mica" 2>&1
      same "$name: sqlite3 dumps it as Mica does" "$work/d.sq" "$work/d.mica"
    done
  done
done

finish
