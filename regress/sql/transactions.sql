-- Transaction blocks: BEGIN/COMMIT/ROLLBACK, savepoints, and the aborted-transaction state.
\set VERBOSITY sqlstate
CREATE TABLE acct (id int PRIMARY KEY, balance int NOT NULL);
INSERT INTO acct VALUES (1, 100), (2, 50);
BEGIN;
UPDATE acct SET balance = balance - 30 WHERE id = 1;
UPDATE acct SET balance = balance + 30 WHERE id = 2;
COMMIT;
SELECT * FROM acct ORDER BY id;
BEGIN;
DELETE FROM acct;
SELECT count(*) AS n FROM acct;
ROLLBACK;
SELECT count(*) AS n FROM acct;
BEGIN;
INSERT INTO acct VALUES (3, 10);
SAVEPOINT s1;
INSERT INTO acct VALUES (4, 20);
ROLLBACK TO SAVEPOINT s1;
INSERT INTO acct VALUES (5, 30);
RELEASE SAVEPOINT s1;
COMMIT;
SELECT id FROM acct ORDER BY id;
BEGIN;
INSERT INTO acct VALUES (1, 0);
SELECT 1 AS one;
ROLLBACK;
SELECT count(*) AS n FROM acct;
DROP TABLE acct;
