-- Foreign keys: micad enforces them in every session, as PostgreSQL does (errors compare by SQLSTATE).
\set VERBOSITY sqlstate
SET client_min_messages = warning;
CREATE TABLE parent (id int PRIMARY KEY, name text);
CREATE TABLE child (id int PRIMARY KEY, pid int REFERENCES parent (id), note text);
INSERT INTO parent VALUES (1, 'one'), (2, 'two');
INSERT INTO child VALUES (10, 1, 'a'), (11, 2, 'b'), (12, NULL, 'no parent needed');
INSERT INTO child VALUES (13, 3, 'missing parent');
UPDATE child SET pid = 5 WHERE id = 10;
DELETE FROM parent WHERE id = 1;
UPDATE parent SET id = 20 WHERE id = 2;
UPDATE parent SET name = 'uno' WHERE id = 1;
SELECT * FROM parent ORDER BY id;
SELECT * FROM child ORDER BY id;
-- a failed statement aborts the transaction
BEGIN;
INSERT INTO child VALUES (14, 1, 'fine');
INSERT INTO child VALUES (15, 9, 'bad');
SELECT count(*) FROM child;
ROLLBACK;
SELECT count(*) FROM child;
-- actions
CREATE TABLE team (id int PRIMARY KEY, code text UNIQUE);
CREATE TABLE member (name text, team_id int REFERENCES team ON DELETE CASCADE ON UPDATE CASCADE);
CREATE TABLE badge (name text, team_code text REFERENCES team (code) ON DELETE SET NULL);
CREATE TABLE seat (name text, team_id int DEFAULT 0 REFERENCES team ON DELETE SET DEFAULT);
CREATE TABLE trophy (name text, team_id int REFERENCES team ON DELETE RESTRICT);
INSERT INTO team VALUES (0, 'none'), (1, 'red'), (2, 'blue');
INSERT INTO member VALUES ('ann', 1), ('bob', 2), ('cy', 1);
INSERT INTO badge VALUES ('gold', 'red'), ('silver', 'blue');
INSERT INTO seat VALUES ('s1', 2), ('s2', 2);
INSERT INTO trophy VALUES ('cup', 2);
UPDATE team SET id = 10 WHERE id = 1;
SELECT * FROM member ORDER BY name;
DELETE FROM team WHERE id = 10;
SELECT * FROM member ORDER BY name;
SELECT * FROM badge ORDER BY name;
SELECT * FROM seat ORDER BY name;
DELETE FROM team WHERE id = 2;
DELETE FROM trophy;
DELETE FROM team WHERE id = 2;
SELECT * FROM team ORDER BY id;
SELECT * FROM seat ORDER BY name;
SELECT * FROM badge ORDER BY name;
SELECT count(*) FROM member;
-- composite and self-referencing keys
CREATE TABLE region (country text, code text, PRIMARY KEY (country, code));
CREATE TABLE office (name text, country text, code text, FOREIGN KEY (country, code) REFERENCES region (country, code));
INSERT INTO region VALUES ('fr', 'idf'), ('de', 'by');
INSERT INTO office VALUES ('paris', 'fr', 'idf'), ('nowhere', NULL, 'x');
INSERT INTO office VALUES ('munich', 'fr', 'by');
CREATE TABLE emp (id int PRIMARY KEY, boss int REFERENCES emp (id));
INSERT INTO emp VALUES (1, NULL), (2, 1), (3, 2);
INSERT INTO emp VALUES (4, 4);
INSERT INTO emp VALUES (5, 6), (6, 5);
DELETE FROM emp WHERE id = 2;
SELECT * FROM emp ORDER BY id;
-- deferred constraints are checked at COMMIT
CREATE TABLE note (body text, emp_id int REFERENCES emp (id) DEFERRABLE INITIALLY DEFERRED);
BEGIN;
INSERT INTO note VALUES ('later', 7);
INSERT INTO emp VALUES (7, 1);
COMMIT;
BEGIN;
INSERT INTO note VALUES ('never', 8);
COMMIT;
SELECT * FROM note ORDER BY body;
-- the messages, in PostgreSQL's words for constraints without a name
\set VERBOSITY terse
INSERT INTO child VALUES (16, 99, 'x');
DELETE FROM parent WHERE id = 1;
INSERT INTO office VALUES ('munich', 'fr', 'by');
BEGIN;
INSERT INTO note VALUES ('never', 8);
COMMIT;
\set VERBOSITY sqlstate
-- constraints added later check the rows already there
CREATE TABLE loose (ref int);
INSERT INTO loose VALUES (1), (99);
ALTER TABLE loose ADD CONSTRAINT loose_ref_fkey FOREIGN KEY (ref) REFERENCES emp (id);
DELETE FROM loose WHERE ref = 99;
ALTER TABLE loose ADD CONSTRAINT loose_ref_fkey FOREIGN KEY (ref) REFERENCES emp (id);
INSERT INTO loose VALUES (42);
DROP TABLE loose;
DROP TABLE note;
DROP TABLE office;
DROP TABLE region;
DROP TABLE emp;
DROP TABLE trophy;
DROP TABLE seat;
DROP TABLE badge;
DROP TABLE member;
DROP TABLE team;
DROP TABLE child;
DROP TABLE parent;
