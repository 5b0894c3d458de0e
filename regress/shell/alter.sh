#!/bin/bash
# alter.sh: ALTER TABLE RENAME TO, RENAME [COLUMN], DROP [COLUMN] and ADD COLUMN as in sqlite3: the stored
# CREATE statements of the table, its indexes, triggers, views and foreign keys rewritten as SQLite
# rewrites them, sqlite_sequence renamed, rows rewritten by DROP COLUMN, SQLite's errors (at prepare
# or at run time), and a file that sqlite3's integrity_check accepts; compared byte for byte with
# sqlite3's output through the shell.
. "$(dirname "$0")/lib.sh"

compare "rename a table: indexes, views, triggers, foreign keys, sqlite_sequence" <<'SQL'
CREATE TABLE t(a INTEGER PRIMARY KEY AUTOINCREMENT, b TEXT UNIQUE, c, d REFERENCES t(a), CHECK(c>0));
CREATE INDEX ti ON t(c);
CREATE TABLE o(x REFERENCES t(b), y, FOREIGN KEY(y) REFERENCES "t"(c));
CREATE VIEW v AS SELECT t.a, c, (SELECT count(*) FROM t AS t2 WHERE t2.c=t.c) AS n FROM t JOIN o ON o.x=t.b;
CREATE VIEW w AS WITH t AS (SELECT 1 AS c) SELECT c FROM t;
CREATE TRIGGER tr AFTER INSERT ON t BEGIN INSERT INTO o VALUES(new.b, new.c); UPDATE t SET c=c+1 WHERE a=new.a; END;
CREATE TRIGGER tr2 AFTER UPDATE OF y ON o BEGIN DELETE FROM t WHERE t.c=old.y; END;
INSERT INTO t(b,c) VALUES('x',1);
ALTER TABLE t RENAME TO u;
SELECT type, name, tbl_name, sql FROM sqlite_schema;
SELECT * FROM sqlite_sequence;
INSERT INTO u(b,c) VALUES('y',5);
SELECT * FROM u;
SELECT * FROM o;
SELECT * FROM v;
SELECT * FROM w;
ALTER TABLE "u" RENAME TO "q""r";
SELECT name, tbl_name, sql FROM sqlite_schema WHERE tbl_name LIKE 'q%';
PRAGMA integrity_check;
SQL

compare "rename a column everywhere it is used" <<'SQL'
CREATE TABLE t(a INTEGER PRIMARY KEY, b TEXT, c, d, UNIQUE(b, c), CHECK(c > 0));
CREATE INDEX ti ON t(c, d DESC);
CREATE TABLE o(x, y, FOREIGN KEY(y) REFERENCES t(c));
CREATE VIEW v AS SELECT t.a, c, (SELECT count(*) FROM t AS t2 WHERE t2.c = t.c) AS n, x.k AS xk
  FROM t JOIN (SELECT 1 AS k) AS x ON x.k = t.a;
CREATE TRIGGER tr AFTER UPDATE OF c ON t WHEN new.c > 10 BEGIN
  INSERT INTO o(x, y) VALUES(new.a, new.c);
  UPDATE t SET c = c - 1 WHERE a = new.a AND c > old.c;
END;
INSERT INTO t VALUES(1, 'one', 5, 'd');
ALTER TABLE t RENAME COLUMN c TO cc;
SELECT sql FROM sqlite_schema;
UPDATE t SET cc = 20;
SELECT * FROM t;
SELECT * FROM o;
SELECT * FROM v;
ALTER TABLE t RENAME d TO "select";
ALTER TABLE t RENAME COLUMN b TO [two words];
SELECT sql FROM sqlite_schema WHERE name IN ('t', 'ti');
ALTER TABLE t RENAME COLUMN zz TO y;
ALTER TABLE t RENAME COLUMN cc TO A;
ALTER TABLE t RENAME COLUMN rowid TO y;
ALTER TABLE v RENAME COLUMN a TO y;
ALTER TABLE sqlite_schema RENAME COLUMN sql TO y;
ALTER TABLE nosuch RENAME COLUMN a TO y;
PRAGMA integrity_check;
SQL

compare "rename errors" <<'SQL'
CREATE TABLE t(a);
CREATE TABLE t2(a INTEGER PRIMARY KEY AUTOINCREMENT);
CREATE VIEW v AS SELECT a FROM t;
CREATE INDEX i ON t(a);
ALTER TABLE nosuch RENAME TO y;
ALTER TABLE t RENAME TO v;
ALTER TABLE t RENAME TO i;
ALTER TABLE t RENAME TO T;
ALTER TABLE t RENAME TO sqlite_x;
ALTER TABLE v RENAME TO w;
ALTER TABLE sqlite_schema RENAME TO y;
ALTER TABLE sqlite_sequence RENAME TO y;
SELECT name FROM sqlite_schema;
SQL

compare "drop column: rows rewritten, definitions cut, SQLite's refusals" <<'SQL'
CREATE TABLE t(a INTEGER PRIMARY KEY, b TEXT UNIQUE, c INT CHECK(c>0), d REFERENCES p(x), e, g, h, i,
  j COLLATE nocase, k DEFAULT 5 NOT NULL, CHECK(g<>h));
CREATE TABLE p(x PRIMARY KEY, y, z);
CREATE INDEX ie ON t(e);
CREATE VIEW v AS SELECT i FROM t;
CREATE TRIGGER tr AFTER INSERT ON p BEGIN UPDATE t SET j = new.y; END;
CREATE TABLE q(m, n, FOREIGN KEY(n) REFERENCES p(z));
INSERT INTO t VALUES(1, 'b', 1, NULL, 2, 'x', 'y', 9, 'j', 6), (2, 'c', 3, 1, 4, 'u', 'v', 8, 'J', 7);
ALTER TABLE t DROP COLUMN a;
ALTER TABLE t DROP COLUMN b;
ALTER TABLE t DROP COLUMN c;
ALTER TABLE t DROP COLUMN d;
ALTER TABLE t DROP COLUMN e;
ALTER TABLE t DROP COLUMN g;
ALTER TABLE t DROP COLUMN i;
ALTER TABLE t DROP COLUMN j;
ALTER TABLE t DROP COLUMN zz;
ALTER TABLE p DROP COLUMN z;
ALTER TABLE t DROP k;
SELECT sql FROM sqlite_schema;
SELECT * FROM t;
SELECT * FROM t WHERE e = 4;
CREATE TABLE one(a);
ALTER TABLE one DROP COLUMN a;
ALTER TABLE v DROP COLUMN i;
ALTER TABLE sqlite_schema DROP COLUMN sql;
CREATE TABLE h2(a, b, c);
INSERT INTO h2 VALUES(1, 2, 3);
ALTER TABLE h2 DROP COLUMN a;
SELECT sql FROM sqlite_schema WHERE name = 'h2';
ALTER TABLE h2 DROP COLUMN c;
SELECT sql FROM sqlite_schema WHERE name = 'h2';
SELECT * FROM h2;
CREATE TABLE w1(a, e, g, FOREIGN KEY(g) REFERENCES p(x));
ALTER TABLE w1 DROP COLUMN g;
CREATE TABLE w2(a, e, g, UNIQUE(a, e));
ALTER TABLE w2 DROP COLUMN e;
CREATE TABLE w3(a, e, g);
CREATE TRIGGER w3t AFTER INSERT ON w3 BEGIN SELECT new.g; END;
ALTER TABLE w3 DROP COLUMN g;
CREATE VIEW w3v AS SELECT x.a FROM w3 AS x;
ALTER TABLE w3 DROP COLUMN a;
ALTER TABLE w3 DROP COLUMN e;
SELECT sql FROM sqlite_schema WHERE tbl_name = 'w3';
PRAGMA integrity_check;
SQL

compare "add column, then drop and rename around it; inside a transaction" <<'SQL'
CREATE TABLE w4(a, b, c);
INSERT INTO w4 VALUES(1, 2, 3);
ALTER TABLE w4 ADD COLUMN d DEFAULT 7;
ALTER TABLE w4 ADD COLUMN e TEXT NOT NULL DEFAULT 'x' CHECK(e <> '');
ALTER TABLE w4 ADD COLUMN f PRIMARY KEY;
ALTER TABLE w4 ADD COLUMN f UNIQUE;
ALTER TABLE w4 ADD COLUMN a;
SELECT * FROM w4;
ALTER TABLE w4 DROP COLUMN b;
SELECT * FROM w4;
SELECT sql FROM sqlite_schema WHERE name = 'w4';
BEGIN;
ALTER TABLE w4 RENAME COLUMN a TO aa;
ALTER TABLE w4 RENAME TO w5;
ALTER TABLE w5 DROP COLUMN d;
SELECT * FROM w5;
ROLLBACK;
SELECT sql FROM sqlite_schema;
SELECT * FROM w4;
CREATE TABLE w6(a);
ALTER TABLE w6 ADD COLUMN b NOT NULL;
INSERT INTO w6 VALUES(1, 2);
ALTER TABLE w6 ADD COLUMN c NOT NULL;
ALTER TABLE w6 ADD COLUMN d DEFAULT (1+1);
ALTER TABLE w6 ADD COLUMN e DEFAULT CURRENT_TIME;
PRAGMA foreign_keys=on;
ALTER TABLE w6 ADD COLUMN g REFERENCES w6(a) DEFAULT 1;
PRAGMA foreign_keys=off;
ALTER TABLE w6 ADD COLUMN g REFERENCES w6(a) DEFAULT 1;
ALTER TABLE w6 ADD COLUMN i AS (a+1) STORED;
ALTER TABLE w6 ADD COLUMN j CHECK (j > 0);
ALTER TABLE w6 ADD COLUMN k DEFAULT 0 CHECK (k > 0);
ALTER TABLE w6 ADD COLUMN l NOT NULL DEFAULT -3;
ALTER TABLE nosuch ADD COLUMN x;
CREATE VIEW w6v AS SELECT 1;
ALTER TABLE w6v ADD COLUMN x;
ALTER TABLE sqlite_schema ADD COLUMN x;
SELECT sql FROM sqlite_schema WHERE name = 'w6';
SELECT * FROM w6;
PRAGMA integrity_check;
SQL

finish
