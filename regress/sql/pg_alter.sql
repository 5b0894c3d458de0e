-- ALTER TABLE in the PostgreSQL dialect: columns, defaults, NOT NULL, types, constraints, renames,
-- several actions in one statement.
\set VERBOSITY sqlstate
SET client_min_messages = warning;
CREATE TABLE t (id int PRIMARY KEY, a int NOT NULL DEFAULT 5, b text, c int UNIQUE, d numeric CHECK (d > 0));
INSERT INTO t (id, a, b, c, d) VALUES (1, 1, 'x', 10, 1.5), (2, 2, NULL, 20, 2.5);
-- defaults
ALTER TABLE t ALTER COLUMN a DROP DEFAULT;
INSERT INTO t (id, b) VALUES (3, 'nodefault');
ALTER TABLE t ALTER a SET DEFAULT 7 + 1, ALTER COLUMN b SET DEFAULT 'dflt'::text;
INSERT INTO t (id) VALUES (3) RETURNING id, a, b;
ALTER TABLE t ALTER COLUMN b DROP DEFAULT, ALTER COLUMN b DROP DEFAULT;
INSERT INTO t (id) VALUES (4) RETURNING id, a, b;
-- NOT NULL
ALTER TABLE t ALTER b SET NOT NULL;
UPDATE t SET b = 'y' WHERE b IS NULL;
ALTER TABLE t ALTER b SET NOT NULL;
INSERT INTO t (id, b) VALUES (5, NULL);
ALTER TABLE t ALTER b DROP NOT NULL;
INSERT INTO t (id, b, c) VALUES (5, NULL, 30) RETURNING id, b;
ALTER TABLE t ALTER id DROP NOT NULL;
ALTER TABLE t ALTER COLUMN nosuch SET NOT NULL;
-- constraints by their implicit and explicit names
ALTER TABLE t DROP CONSTRAINT t_c_key;
INSERT INTO t (id, c) VALUES (6, 10);
ALTER TABLE t DROP CONSTRAINT t_c_key;
ALTER TABLE t DROP CONSTRAINT IF EXISTS t_c_key;
ALTER TABLE t DROP CONSTRAINT t_d_check;
INSERT INTO t (id, d) VALUES (7, -1);
ALTER TABLE t ADD CONSTRAINT pos CHECK (a > 0);
INSERT INTO t (id, a) VALUES (8, 0);
ALTER TABLE t DROP CONSTRAINT pos;
INSERT INTO t (id, a) VALUES (8, 0);
-- renames
ALTER TABLE t RENAME COLUMN b TO bb;
ALTER TABLE t RENAME COLUMN nosuch TO x;
ALTER TABLE t RENAME COLUMN bb TO a;
ALTER TABLE t RENAME TO t2;
ALTER TABLE t RENAME TO t3;
CREATE TABLE other (x int);
ALTER TABLE t2 RENAME TO other;
SELECT id, a, bb, c, d FROM t2 ORDER BY id;
-- add and drop columns
ALTER TABLE t2 ADD COLUMN e int;
ALTER TABLE t2 ADD COLUMN e int;
ALTER TABLE t2 ADD COLUMN IF NOT EXISTS e int;
ALTER TABLE t2 ADD COLUMN f text NOT NULL;
ALTER TABLE t2 ADD COLUMN f text NOT NULL DEFAULT 'f';
ALTER TABLE t2 ADD COLUMN h int CHECK (h > 0) DEFAULT 0;
ALTER TABLE t2 DROP COLUMN e, DROP COLUMN IF EXISTS nosuch, ADD COLUMN g int DEFAULT 0;
ALTER TABLE t2 DROP COLUMN nosuch;
ALTER TABLE t2 ADD COLUMN added_at date DEFAULT current_date;
SELECT count(*) FROM t2 WHERE added_at IS NULL;
ALTER TABLE t2 DROP COLUMN added_at;
-- types
ALTER TABLE t2 ALTER COLUMN a TYPE bigint;
ALTER TABLE t2 ALTER COLUMN bb TYPE integer;
ALTER TABLE t2 ALTER COLUMN bb TYPE varchar(20);
ALTER TABLE t2 ALTER COLUMN c SET DATA TYPE text USING c::text || '!';
ALTER TABLE t2 ALTER COLUMN c TYPE serial;
SELECT id, a, bb, c, d, f, g FROM t2 ORDER BY id;
SELECT c || '?' AS c FROM t2 WHERE c IS NOT NULL ORDER BY c;
-- missing tables
ALTER TABLE nosuch ADD COLUMN x int;
ALTER TABLE IF EXISTS nosuch ADD COLUMN x int;
-- several actions fail or succeed together
BEGIN;
ALTER TABLE t2 DROP COLUMN d, ALTER COLUMN a SET NOT NULL, DROP COLUMN nosuch;
ROLLBACK;
ALTER TABLE t2 DROP COLUMN d, ALTER COLUMN a SET NOT NULL;
SELECT id, a, bb, c, f, g FROM t2 ORDER BY id;
-- primary keys and unique constraints
CREATE TABLE p (k int PRIMARY KEY, v text);
INSERT INTO p VALUES (1, 'one'), (2, 'two');
ALTER TABLE p DROP CONSTRAINT p_pkey;
INSERT INTO p VALUES (1, 'again');
SELECT * FROM p ORDER BY k, v;
ALTER TABLE p ADD PRIMARY KEY (k);
DELETE FROM p WHERE v = 'again';
ALTER TABLE p ADD PRIMARY KEY (k);
INSERT INTO p VALUES (1, 'dup');
CREATE TABLE u (a int, b int, UNIQUE (a, b), CHECK (a < b));
INSERT INTO u VALUES (1, 2);
ALTER TABLE u DROP CONSTRAINT u_check;
INSERT INTO u VALUES (5, 2);
ALTER TABLE u DROP COLUMN b;
INSERT INTO u VALUES (1), (1);
SELECT * FROM u ORDER BY a;
-- a column used by a view cannot go; an owned sequence goes with its column
CREATE TABLE w (a int, b int);
CREATE VIEW wv AS SELECT b FROM w;
ALTER TABLE w DROP COLUMN b;
CREATE TABLE s (id int, n serial, v text);
INSERT INTO s (id, v) VALUES (1, 'a');
ALTER TABLE s DROP COLUMN n;
SELECT nextval('s_n_seq');
DROP VIEW wv;
DROP TABLE t2, p, u, s, w, other;
