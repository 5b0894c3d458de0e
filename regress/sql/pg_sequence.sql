-- Sequences: CREATE/ALTER/DROP SEQUENCE, nextval/currval/setval/lastval, serial columns.
\set VERBOSITY sqlstate
SET client_min_messages = warning;
CREATE SEQUENCE s;
SELECT nextval('s'), nextval('s');
SELECT currval('s'), lastval();
CREATE SEQUENCE s;
CREATE SEQUENCE IF NOT EXISTS s;
CREATE SEQUENCE s2 INCREMENT BY 5 MINVALUE 10 MAXVALUE 25 START WITH 12 CACHE 1 NO CYCLE;
SELECT nextval('s2'), nextval('s2'), nextval('s2');
SELECT nextval('s2');
SELECT currval('s3');
CREATE SEQUENCE s3 AS smallint;
SELECT currval('s3');
SELECT nextval('s3'), currval('s3'), lastval();
CREATE SEQUENCE s4 INCREMENT -2 MINVALUE -5 MAXVALUE 0 CYCLE;
SELECT nextval('s4'), nextval('s4'), nextval('s4'), nextval('s4'), nextval('s4');
CREATE SEQUENCE s5 INCREMENT BY -1;
SELECT nextval('s5'), nextval('s5');
-- setval, with and without is_called
SELECT setval('s', 100);
SELECT nextval('s');
SELECT setval('s', 7, false), nextval('s');
SELECT setval('s2', 100);
SELECT setval('s2', 20, true), nextval('s2');
-- nextval is not undone by ROLLBACK
BEGIN;
SELECT nextval('s');
ROLLBACK;
SELECT nextval('s');
-- ALTER SEQUENCE
ALTER SEQUENCE s RESTART;
SELECT nextval('s');
ALTER SEQUENCE s RESTART WITH 50 INCREMENT BY 10;
SELECT nextval('s'), nextval('s');
ALTER SEQUENCE s MAXVALUE 75;
SELECT nextval('s'), nextval('s');
SELECT nextval('s');
ALTER SEQUENCE s CYCLE MINVALUE 3;
SELECT nextval('s'), nextval('s');
ALTER SEQUENCE s RESTART WITH 1;
ALTER SEQUENCE nosuch RESTART;
ALTER SEQUENCE IF EXISTS nosuch RESTART;
-- option errors
CREATE SEQUENCE bad INCREMENT 0;
CREATE SEQUENCE bad MINVALUE 10 MAXVALUE 5;
CREATE SEQUENCE bad START 0;
CREATE SEQUENCE bad START 100 MAXVALUE 50;
CREATE SEQUENCE bad AS smallint MAXVALUE 100000;
CREATE SEQUENCE bad AS text;
CREATE SEQUENCE bad CACHE 0;
SELECT nextval('nosuch');
SELECT nextval('S'), nextval('"s"'), nextval('public.s');
-- DROP SEQUENCE
DROP SEQUENCE s, s2;
DROP SEQUENCE s;
DROP SEQUENCE IF EXISTS s, s3, s4, s5;
-- a sequence as a column default, and one owned by a column
CREATE SEQUENCE ord START 1000;
CREATE TABLE orders (id int PRIMARY KEY, num int DEFAULT nextval('ord'), note text);
INSERT INTO orders (id, note) VALUES (1, 'a'), (2, 'b');
INSERT INTO orders VALUES (3, 5, 'explicit');
SELECT * FROM orders ORDER BY id;
ALTER SEQUENCE ord OWNED BY orders.num;
ALTER SEQUENCE ord OWNED BY orders.nope;
DROP TABLE orders;
SELECT nextval('ord');
-- serial columns that are not the primary key get their own sequence
CREATE TABLE t (id int PRIMARY KEY, n serial, b bigserial, v text);
INSERT INTO t (id, v) VALUES (1, 'a'), (2, 'b');
INSERT INTO t (id, v, n) VALUES (3, 'c', 10);
SELECT * FROM t ORDER BY id;
SELECT currval('t_n_seq'), currval('t_b_seq');
INSERT INTO t (id, n) VALUES (4, NULL);
TRUNCATE t RESTART IDENTITY;
INSERT INTO t (id, v) VALUES (5, 'd') RETURNING *;
TRUNCATE t;
INSERT INTO t (id, v) VALUES (6, 'e') RETURNING *;
DROP SEQUENCE t_n_seq;
CREATE TABLE t2 (a serial DEFAULT 1);
DROP TABLE t;
SELECT nextval('t_n_seq');
SELECT lastval();
